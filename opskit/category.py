"""Category analysis (品类精细化运营, docs/methods.md#category): penetration, association, lead, value, GROW.

Every function takes a *purchase table* — one row per purchase of one item by one customer — and
column names as keywords, so the same code runs on categories, brands or SKUs. :func:`purchases`
builds the canonical one from orders and order lines: one purchase per (order, category).

* :func:`brand_metrics` — buyers, penetration, purchases, frequency, share; with amounts, the
  Kantar identity amount = universe × penetration × frequency × spend per purchase holds exactly;
* :func:`double_jeopardy` — Ehrenberg's w(1 − b) ≈ w₀: small items have fewer buyers who also buy
  a little less often;
* :func:`pair_lift` / :func:`association_rules` — support, confidence, lift (and leverage,
  conviction) for every ordered pair, at the level of the ``customer`` column (an order id gives
  basket-level rules, a customer id customer-level rules);
* :func:`lead_lift` — the time-ordered version: does a first purchase of A lead to buying B within
  N days (引导性商品)?
* :func:`repeat_profile`, :func:`entry_profile`, :func:`category_roles` — repeat buying, entry items
  and their long-term value, and the 引流 / 利润 / 形象 / 补充 roles of the category pyramid;
* :func:`grow` — GROW: the change of each item's amount split exactly into 大盘 (universe), G 渗透力
  (penetration), R 复购力 (frequency), O 价格力 (spend per purchase) and W 延展力 (new products).

Raw-table aggregations run as named SQL (``opskit/data/sql``); ids are opaque labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit import decomposition
from opskit.data import engine


def _cutoff(times: pd.Series, as_of) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of)
    return pd.Timestamp(times.max()).normalize() + pd.Timedelta(days=1)


def _frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns, copy=False)


def purchases(orders: pd.DataFrame, order_lines: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """One purchase per (order, category): ``user_id, order_id, order_time, category_id, amount, lines``.

    Runs the named query ``category_purchases``; orders strictly before ``as_of`` (default: the day
    after the last order).
    """
    cutoff = _cutoff(orders["order_time"], as_of)
    return engine.run("category_purchases", {"as_of": cutoff},
                      orders=orders[["order_id", "user_id", "order_time"]],
                      order_lines=order_lines[["order_id", "category_id", "line_amount"]])


def brand_metrics(purchases: pd.DataFrame, *, customer: str = "user_id", item: str = "category",
                  amount: str | None = None) -> pd.DataFrame:
    """Penetration, frequency and share of each item (Kantar Worldpanel's brand metrics).

    ``buyers`` = distinct customers who bought the item; ``penetration`` = buyers ÷ distinct
    customers in the table; ``purchases`` = rows; ``frequency`` = purchases per buyer; ``share`` =
    purchase share, or amount share when ``amount`` is given. With ``amount`` the table also has
    ``amount`` and ``spend_per_purchase``, and amount = universe × penetration × frequency ×
    spend_per_purchase exactly (``attrs["universe"]``). Indexed by item, most purchased first.
    """
    frame = _frame(customer=purchases[customer], item=purchases[item],
                   amount=purchases[amount] if amount else np.zeros(len(purchases)))
    raw = engine.run("brand_metrics", purchases=frame)
    universe = int(raw["universe"].iloc[0]) if len(raw) else 0
    out = raw.set_index("item")[["buyers", "purchases"]].astype("int64")
    out.index.name = item
    out["penetration"] = out["buyers"] / universe if universe else np.nan
    out["frequency"] = out["purchases"] / out["buyers"]
    if amount:
        out["amount"] = raw["amount"].to_numpy(dtype=float)
        out["spend_per_purchase"] = out["amount"] / out["purchases"]
        out["share"] = out["amount"] / out["amount"].sum()
    else:
        out["share"] = out["purchases"] / out["purchases"].sum()
    out = out[["buyers", "penetration", "purchases", "frequency", "share"]
              + (["amount", "spend_per_purchase"] if amount else [])]
    out.attrs["universe"] = universe
    return out


def kantar_check(metrics: pd.DataFrame) -> pd.Series:
    """universe × penetration × frequency × spend per purchase, per item (equals ``amount``)."""
    return (metrics.attrs["universe"] * metrics["penetration"] * metrics["frequency"]
            * metrics["spend_per_purchase"])


def double_jeopardy(metrics: pd.DataFrame) -> pd.DataFrame:
    """Ehrenberg's double-jeopardy line w = w₀ / (1 − b) fitted to penetration b and frequency w.

    w₀ is the buyer-weighted mean of w(1 − b) (Ehrenberg, Goodhardt & Barwise 1990). Returns the
    metrics with ``expected_frequency`` and ``excess`` = frequency / expected − 1 (positive: more
    loyal buyers than the item's size implies), and ``attrs["w0"]`` and ``attrs["spearman"]`` (rank
    correlation of penetration and frequency; positive under double jeopardy).
    """
    b, w = metrics["penetration"], metrics["frequency"]
    w0 = float(np.average(w * (1 - b), weights=metrics["buyers"]))
    out = metrics.copy()
    out["expected_frequency"] = w0 / (1 - b)
    out["excess"] = w / out["expected_frequency"] - 1
    out.attrs = {**metrics.attrs, "w0": w0, "spearman": float(b.rank().corr(w.rank()))}
    return out


def pair_lift(purchases: pd.DataFrame, *, customer: str = "user_id", item: str = "category") -> pd.DataFrame:
    """Support, confidence and lift of every ordered pair A ⇒ B of distinct items.

    Transactions are the distinct values of ``customer`` (pass an order id for basket-level rules,
    a customer id for customer-level ones) and hold *sets* of items. support = P(A ∩ B) over
    transactions, confidence = P(B | A), lift = confidence / P(B), leverage = support − P(A)P(B),
    conviction = (1 − P(B)) / (1 − confidence) (inf when confidence = 1). Pairs never bought together
    have support 0 and are included. Runs the named query ``pair_counts``.
    """
    frame = _frame(customer=purchases[customer], item=purchases[item])
    counts = engine.run("pair_counts", purchases=frame)
    per_item = engine.run("item_transactions", purchases=frame).set_index("item")["transactions"]
    items = pd.Index(sorted(per_item.index), name=item)
    n = int(counts["n_transactions"].iloc[0]) if len(counts) else frame["customer"].nunique()
    per_item = per_item.reindex(items, fill_value=0)
    grid = pd.MultiIndex.from_product([items, items], names=["antecedent", "consequent"])
    grid = grid[grid.get_level_values(0) != grid.get_level_values(1)]
    both = counts.set_index(["antecedent", "consequent"])["n_both"].reindex(grid, fill_value=0)
    out = pd.DataFrame(index=grid)
    out["antecedent_support"] = per_item.reindex(grid.get_level_values(0)).to_numpy() / n
    out["consequent_support"] = per_item.reindex(grid.get_level_values(1)).to_numpy() / n
    out["support"] = both.to_numpy() / n
    out["confidence"] = out["support"] / out["antecedent_support"]
    out["lift"] = out["confidence"] / out["consequent_support"]
    out["leverage"] = out["support"] - out["antecedent_support"] * out["consequent_support"]
    with np.errstate(divide="ignore"):
        out["conviction"] = np.where(out["confidence"] < 1, (1 - out["consequent_support"])
                                     / (1 - out["confidence"].clip(upper=1)), np.inf)
    out["transactions"] = both.to_numpy()
    return out


def association_rules(purchases: pd.DataFrame, *, customer: str = "user_id", item: str = "category",
                      min_support: float = 0.0, min_confidence: float = 0.0) -> pd.DataFrame:
    """The pair rules of :func:`pair_lift` with support and confidence at least the thresholds,
    sorted by lift (then leverage, antecedent, consequent). Rules with one item on each side; for
    longer itemsets use a frequent-itemset miner (mlxtend's apriori gives the same pair figures)."""
    rules = pair_lift(purchases, customer=customer, item=item)
    rules = rules[(rules["support"] >= min_support) & (rules["confidence"] >= min_confidence)
                  & (rules["support"] > 0)]
    return rules.reset_index().sort_values(["lift", "leverage", "antecedent", "consequent"],
                                           ascending=[False, False, True, True], kind="stable",
                                           ignore_index=True)


def lead_lift(purchases: pd.DataFrame, *, customer: str = "user_id", basket: str = "order_id",
              item: str = "category", time: str = "order_time", window_days: int = 30,
              as_of=None) -> pd.DataFrame:
    """Time-ordered pair analysis: does a customer's first purchase of A lead to B within N days?

    For customers to whom B was still new when they first bought A, ``lead_rate`` is the share of
    their baskets in the ``window_days`` after that first A (baskets without A) that contain B, and
    ``base_rate`` the share of all baskets without A that contain B; ``lead_lift`` = lead_rate /
    base_rate (≈ 1 when the order of purchases carries no information). ``converted_share`` = share
    of those customers who bought B within the window. Exact rules: named query ``lead_pairs``.
    """
    frame = _frame(customer=purchases[customer], basket=purchases[basket], item=purchases[item],
                   time=purchases[time])
    cutoff = _cutoff(frame["time"], as_of)
    out = engine.run("lead_pairs", {"window_days": int(window_days), "as_of": cutoff}, purchases=frame)
    out = out.set_index(["antecedent", "consequent"])
    out["lead_rate"] = out["hits"] / out["window_baskets"]
    out["base_rate"] = out["base_hits"] / out["base_baskets"]
    out["lead_lift"] = out["lead_rate"] / out["base_rate"]
    out["converted_share"] = out["converted"] / out["customers"]
    return out


def repeat_profile(purchases: pd.DataFrame, *, customer: str = "user_id", item: str = "category",
                   time: str = "order_time", as_of=None) -> pd.DataFrame:
    """Repeat buying per item: buyers, repeat buyers and rate, purchases per buyer, and the median
    and mean days between a customer's consecutive purchases of the item (named query
    ``category_repeat``)."""
    frame = _frame(customer=purchases[customer], item=purchases[item], time=purchases[time])
    cutoff = _cutoff(frame["time"], as_of)
    out = engine.run("category_repeat", {"as_of": cutoff}, purchases=frame).set_index("item")
    out.index.name = item
    out["repeat_rate"] = out["repeat_buyers"] / out["buyers"]
    out["frequency"] = out["purchases"] / out["buyers"]
    return out[["buyers", "repeat_buyers", "repeat_rate", "frequency", "median_gap_days", "mean_gap_days"]]


def entry_profile(purchases: pd.DataFrame, *, customer: str = "user_id", item: str = "category",
                  time: str = "order_time", amount: str = "amount", horizon_days: int = 180,
                  as_of=None) -> pd.DataFrame:
    """Entry items and their long-term value (named query ``category_entry``).

    ``entry_share``: share of customers whose first purchase included the item; ``breadth``: mean
    number of other items its buyers buy (cross-sell reach); ``entry_value``: mean amount over the
    first ``horizon_days`` of the customers the item brought in (those with a full horizon).
    """
    frame = _frame(customer=purchases[customer], item=purchases[item], time=purchases[time],
                   amount=purchases[amount])
    cutoff = _cutoff(frame["time"], as_of)
    out = engine.run("category_entry", {"horizon_days": int(horizon_days), "as_of": cutoff},
                     purchases=frame).set_index("item")
    out.index.name = item
    return out


ROLES = ("引流", "利润", "形象", "补充")


def category_roles(profile: pd.DataFrame, *, penetration: str = "penetration", margin: str = "gross_margin",
                   value: str = "entry_value", entry: str = "entry_share") -> pd.DataFrame:
    """Assign each item one role of the category pyramid, by ranks within the assortment.

    A transparent rule (our proposal; no published standard exists, docs/methods.md#category):

    1. **引流** (traffic): penetration in the top third and margin at or below the median;
    2. **利润** (profit): margin above the median and penetration at or above the median;
    3. **形象** (image/strategic): long-term value of the customers it brings in (``value``) in the
       top third, or entry share in the top third, among the rest;
    4. **补充** (supplementary): everything else.

    Returns ``role`` and ``reason`` next to the inputs. Missing margins rank as the median.
    """
    out = profile.copy()
    pct = lambda col: out[col].rank(pct=True, method="average")  # noqa: E731
    pen = pct(penetration)
    mar = pct(margin).fillna(0.5) if margin in out else pd.Series(0.5, index=out.index)
    val = pct(value).fillna(0.0) if value in out else pd.Series(0.0, index=out.index)
    ent = pct(entry).fillna(0.0) if entry in out else pd.Series(0.0, index=out.index)
    role = pd.Series("补充", index=out.index)
    reason = pd.Series("渗透、毛利与长期价值都不突出", index=out.index)
    image = (val > 2 / 3) | (ent > 2 / 3)
    role[image], reason[image] = "形象", "带来的新客长期价值高或常作为入口品类"
    profit = (mar > 0.5) & (pen >= 0.5)
    role[profit], reason[profit] = "利润", "毛利率高于中位数、渗透率不低"
    traffic = (pen > 2 / 3) & (mar <= 0.5)
    role[traffic], reason[traffic] = "引流", "渗透率前三分之一、毛利率不高于中位数"
    out["role"], out["reason"] = role, reason
    return out


def new_products(orders: pd.DataFrame, order_lines: pd.DataFrame, *, start, end) -> pd.DataFrame:
    """Products first sold in ``[start, end)`` with their amount there (named query ``new_products``):
    ``sku_id, category_id, first_time, amount``. Their amount per category is GROW's W 延展力."""
    out = engine.run("new_products", {"start": pd.Timestamp(start), "end": pd.Timestamp(end)},
                     orders=orders[["order_id", "order_time"]],
                     order_lines=order_lines[["order_id", "sku_id", "category_id", "line_amount"]])
    return out[out["is_new"]].drop(columns="is_new").reset_index(drop=True)


def grow(before: pd.DataFrame, after: pd.DataFrame, *, customer: str = "user_id", item: str = "category",
         amount: str = "amount", widen: pd.Series | None = None) -> pd.DataFrame:
    """GROW decomposition of each item's amount change between two periods, exact.

    ``before`` and ``after`` are purchase tables of the two periods (continuing products only);
    ``widen`` is the amount of new products per item in the second period (W 延展力), if any.
    Each item's amount is universe × penetration × frequency × spend per purchase (Kantar identity),
    and its change is split with LMDI-I (docs/methods.md#category; Shapley where a factor is zero) into
    ``universe`` (大盘: more or fewer active customers), ``gain`` (G 渗透力), ``retain`` (R 复购力) and
    ``boost`` (O 价格力); ``widen`` (W 延展力) is added as is. Per item, universe + gain + retain +
    boost + widen = amount_after + widen − amount_before exactly (``delta``). Tmall's exact algorithm is
    not public; this is the operational reading of docs/methods.md#category.
    """
    m0 = brand_metrics(before, customer=customer, item=item, amount=amount)
    m1 = brand_metrics(after, customer=customer, item=item, amount=amount)
    u0, u1 = m0.attrs["universe"], m1.attrs["universe"]
    items = m0.index.union(m1.index)
    widen = (widen if widen is not None else pd.Series(dtype=float)).reindex(items, fill_value=0.0)
    rows = []
    for name in items:
        x0 = _factors(u0, m0, name)
        x1 = _factors(u1, m1, name)
        if min(x0.values()) > 0 and min(x1.values()) > 0:
            parts = decomposition.lmdi(x0, x1)
        else:
            parts = decomposition.shapley(x0, x1)
        rows.append({item: name, "amount_before": float(np.prod(list(x0.values()))),
                     "amount_after": float(np.prod(list(x1.values()))), **parts.to_dict()})
    out = pd.DataFrame(rows).set_index(item)
    out = out.rename(columns={"penetration": "gain", "frequency": "retain", "spend": "boost"})
    out["widen"] = widen.to_numpy(dtype=float)
    out["delta"] = out["amount_after"] + out["widen"] - out["amount_before"]
    return out[["amount_before", "amount_after", "universe", "gain", "retain", "boost", "widen", "delta"]]


def _factors(universe: int, metrics: pd.DataFrame, name) -> dict[str, float]:
    if name not in metrics.index:
        return {"universe": float(universe), "penetration": 0.0, "frequency": 0.0, "spend": 0.0}
    row = metrics.loc[name]
    return {"universe": float(universe), "penetration": float(row["penetration"]),
            "frequency": float(row["frequency"]), "spend": float(row["spend_per_purchase"])}
