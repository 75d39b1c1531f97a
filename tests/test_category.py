"""Category analysis: the mlxtend and Kantar oracles, the named queries against plain pandas, GROW's
exact sums and the planted truths of the demo (basket link, 引导性 link, new SKUs, no frequency effect)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit import category, selection
from opskit.sim import TRUTHS, load_demo

# docs/methods.md#category: the mlxtend documentation's five baskets (Onion twice in the last one).
TOY = [["Milk", "Onion", "Nutmeg", "Kidney Beans", "Eggs", "Yogurt"],
       ["Dill", "Onion", "Nutmeg", "Kidney Beans", "Eggs", "Yogurt"],
       ["Milk", "Apple", "Kidney Beans", "Eggs"],
       ["Milk", "Unicorn", "Corn", "Kidney Beans", "Yogurt"],
       ["Corn", "Onion", "Onion", "Kidney Beans", "Ice cream", "Eggs"]]


def _toy() -> pd.DataFrame:
    return pd.DataFrame([(f"T{i:02d}", item) for i, basket in enumerate(TOY) for item in basket],
                        columns=["basket", "item"])


@pytest.fixture(scope="module")
def toy_rules() -> pd.DataFrame:
    return category.pair_lift(_toy(), customer="basket", item="item")


def test_mlxtend_toy_example(toy_rules):
    rule = toy_rules.loc[("Eggs", "Onion")]
    assert rule["support"] == pytest.approx(0.6)
    assert rule["confidence"] == pytest.approx(0.75)
    assert rule["lift"] == pytest.approx(1.25)
    assert rule["leverage"] == pytest.approx(0.12)
    assert rule["conviction"] == pytest.approx(1.6)
    assert toy_rules.loc[("Onion", "Eggs"), "confidence"] == pytest.approx(1.0)
    assert toy_rules.loc[("Onion", "Eggs"), "lift"] == pytest.approx(1.25)
    assert toy_rules.loc[("Onion", "Eggs"), "conviction"] == np.inf
    assert toy_rules.loc[("Eggs", "Kidney Beans"), "lift"] == pytest.approx(1.0)
    # the duplicated Onion of basket 5 does not raise its count: Onion is in 3 of 5 baskets
    assert toy_rules.loc[("Onion", "Eggs"), "antecedent_support"] == pytest.approx(0.6)


def test_pair_rules_equal_mlxtend(toy_rules):
    mlxtend = pytest.importorskip("mlxtend.frequent_patterns")
    from mlxtend.preprocessing import TransactionEncoder

    encoder = TransactionEncoder()
    onehot = pd.DataFrame(encoder.fit(TOY).transform(TOY), columns=encoder.columns_)
    itemsets = mlxtend.apriori(onehot, min_support=0.6, use_colnames=True)
    assert len(itemsets) == 11
    assert len(mlxtend.association_rules(itemsets, metric="confidence", min_threshold=0.7)) == 12
    frequent = mlxtend.apriori(onehot, min_support=0.01, use_colnames=True, max_len=2)
    reference = mlxtend.association_rules(frequent, metric="support", min_threshold=0.0)
    reference = reference[(reference["antecedents"].map(len) == 1) & (reference["consequents"].map(len) == 1)]
    reference.index = pd.MultiIndex.from_arrays([reference["antecedents"].map(lambda s: next(iter(s))),
                                                 reference["consequents"].map(lambda s: next(iter(s)))])
    ours = toy_rules[toy_rules["support"] > 0].loc[reference.index]
    for column in ("support", "confidence", "lift", "leverage"):
        np.testing.assert_allclose(ours[column], reference[column], rtol=1e-12)
    finite = np.isfinite(reference["conviction"].to_numpy())
    np.testing.assert_allclose(ours["conviction"].to_numpy()[finite], reference["conviction"].to_numpy()[finite])
    assert len(ours) == len(toy_rules[toy_rules["support"] > 0])


def test_rule_invariants(toy_rules):
    flipped = toy_rules.swaplevel().sort_index()
    np.testing.assert_allclose(toy_rules.sort_index()["lift"], flipped["lift"].reindex(toy_rules.sort_index().index))
    assert (toy_rules["confidence"] <= 1 + 1e-12).all()
    assert (toy_rules["support"] <= toy_rules["antecedent_support"] + 1e-12).all()  # anti-monotone
    # independence: P(a) = P(b) = 1/2 and P(a ∩ b) = 1/4 give lift 1 and leverage 0
    independent = pd.DataFrame({"t": ["1", "1", "2", "2", "3", "3", "4"],
                                "item": ["a", "b", "a", "x", "b", "x", "x"]})
    rules = category.pair_lift(independent, customer="t", item="item")
    assert rules.loc[("a", "b"), "lift"] == pytest.approx(1.0)
    assert rules.loc[("a", "b"), "leverage"] == pytest.approx(0.0)


def test_pair_counts_match_plain_pandas():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"order": rng.integers(0, 300, 2000).astype(str), "item": rng.choice(list("abcdef"), 2000)})
    rules = category.pair_lift(frame, customer="order", item="item")
    sets = frame.drop_duplicates().groupby("order")["item"].agg(set)
    for a, b in [("a", "b"), ("c", "f"), ("e", "d")]:
        both = sets.map(lambda s: a in s and b in s).mean()
        pa, pb = sets.map(lambda s: a in s).mean(), sets.map(lambda s: b in s).mean()
        assert rules.loc[(a, b), "support"] == pytest.approx(both, abs=1e-15)
        assert rules.loc[(a, b), "lift"] == pytest.approx(both / (pa * pb), rel=1e-12)


def _random_purchases(seed: int = 5, n: int = 3000) -> pd.DataFrame:
    """Purchases of 1,500 orders (string ids with leading zeros) by 400 customers over 300 days."""
    rng = np.random.default_rng(seed)
    n_orders = 1500
    order_user = np.char.add("C0", rng.integers(0, 400, n_orders).astype(str)).astype(object)
    order_time = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300 * 86400, n_orders), unit="s")
    order = rng.integers(0, n_orders, n)
    return pd.DataFrame({
        "user_id": order_user[order],
        "order_id": np.char.add("00", order.astype(str)).astype(object),
        "category": rng.choice(["vegetable", "fruit", "dairy", "bakery"], n),
        "amount": np.round(rng.gamma(2, 20, n), 2),
        "order_time": order_time[order],
    })


def test_brand_metrics_kantar_identity_and_pandas_reference():
    p = _random_purchases()
    m = category.brand_metrics(p, customer="user_id", item="category", amount="amount")
    universe = p["user_id"].nunique()
    assert m.attrs["universe"] == universe
    reference = p.groupby("category").agg(buyers=("user_id", "nunique"), purchases=("user_id", "size"),
                                          amount=("amount", "sum"))
    pd.testing.assert_series_equal(m["buyers"], reference["buyers"].reindex(m.index), check_names=False)
    np.testing.assert_allclose(m["amount"], reference["amount"].reindex(m.index), rtol=1e-12)
    np.testing.assert_allclose(m["penetration"], m["buyers"] / universe)
    np.testing.assert_allclose(category.kantar_check(m), m["amount"], rtol=1e-12)   # the §13 identity
    assert m["share"].sum() == pytest.approx(1.0)
    counted = category.brand_metrics(p, customer="user_id", item="category")
    np.testing.assert_allclose(counted["share"], counted["purchases"] / len(p))


def test_purchases_query_collapses_lines_per_order_and_category():
    orders = pd.DataFrame({"order_id": ["007", "008"], "user_id": ["u1", "u2"],
                           "order_time": pd.to_datetime(["2025-01-01 10:00", "2025-01-02 11:00"])})
    lines = pd.DataFrame({"order_id": ["007", "007", "007", "008", "999"],
                          "category_id": ["fruit", "fruit", "dairy", "fruit", "fruit"],
                          "line_amount": [1.5, 2.0, 3.0, 4.0, 9.0]})
    p = category.purchases(orders, lines)
    assert p[["order_id", "category_id", "amount", "lines"]].values.tolist() == [
        ["007", "dairy", 3.0, 1], ["007", "fruit", 3.5, 2], ["008", "fruit", 4.0, 1]]


def test_lead_lift_query_matches_plain_pandas():
    p = _random_purchases(seed=11, n=2500)
    out = category.lead_lift(p, customer="user_id", basket="order_id", item="category", window_days=30,
                             as_of="2026-01-01")
    a, b = "dairy", "bakery"
    first = p.groupby(["user_id", "category"])["order_time"].min()
    baskets = p.drop_duplicates(["order_id"])[["user_id", "order_id", "order_time"]]
    has = p.groupby("order_id")["category"].agg(set)
    rows = []
    for user, t0 in first.xs(a, level="category").items():
        fb = first.get((user, b))
        if fb is not None and fb <= t0:
            continue
        mine = baskets[(baskets["user_id"] == user) & (baskets["order_time"] > t0)
                       & (baskets["order_time"] <= t0 + pd.Timedelta(days=30))]
        rows += [b in has[o] for o in mine["order_id"] if a not in has[o]]
    without_a = has[~has.map(lambda s: a in s)]
    assert out.loc[(a, b), "window_baskets"] == len(rows)
    assert out.loc[(a, b), "hits"] == sum(rows)
    assert out.loc[(a, b), "base_rate"] == pytest.approx(without_a.map(lambda s: b in s).mean())


def test_repeat_and_entry_queries_match_plain_pandas():
    p = _random_purchases(seed=2, n=1500)
    rep = category.repeat_profile(p, item="category", as_of="2026-01-01")
    distinct = p.drop_duplicates(["user_id", "category", "order_time"]).sort_values("order_time")
    gaps = distinct.groupby(["user_id", "category"])["order_time"].diff().dt.total_seconds() / 86400
    ref = distinct.assign(gap=gaps).groupby("category").agg(median=("gap", "median"), mean=("gap", "mean"))
    np.testing.assert_allclose(rep["median_gap_days"], ref["median"].reindex(rep.index), rtol=1e-9)
    per = distinct.groupby(["category", "user_id"]).size()
    np.testing.assert_allclose(rep["repeat_rate"], (per >= 2).groupby(level=0).mean().reindex(rep.index))

    ent = category.entry_profile(p, item="category", horizon_days=60, as_of="2026-01-01")
    first = p.groupby("user_id")["order_time"].transform("min")
    entry = p[p["order_time"] == first].drop_duplicates(["user_id", "category"])
    np.testing.assert_allclose(ent["entry_share"], entry.groupby("category").size().reindex(ent.index)
                               / p["user_id"].nunique())
    breadth = p.drop_duplicates(["user_id", "category"]).groupby("user_id").size() - 1
    items = p.drop_duplicates(["user_id", "category"])
    np.testing.assert_allclose(ent["breadth"], items.assign(b=items["user_id"].map(breadth))
                               .groupby("category")["b"].mean().reindex(ent.index))


def test_grow_sums_exactly_and_a_single_factor_takes_everything():
    p = _random_purchases(seed=8)
    before, after = p[p["order_time"] < "2025-06-01"], p[p["order_time"] >= "2025-06-01"]
    widen = pd.Series({"fruit": 123.0})
    table = category.grow(before, after, item="category", amount="amount", widen=widen)
    parts = table[["universe", "gain", "retain", "boost", "widen"]].sum(axis=1)
    np.testing.assert_allclose(parts, table["delta"], rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(table["amount_after"] + table["widen"] - table["amount_before"], table["delta"])
    # only prices move: all of the change is 价格力
    doubled = before.assign(amount=before["amount"] * 2)
    only_price = category.grow(before, doubled, item="category", amount="amount")
    np.testing.assert_allclose(only_price["boost"], only_price["delta"], rtol=1e-10)
    np.testing.assert_allclose(only_price[["universe", "gain", "retain"]].abs().to_numpy(), 0, atol=1e-8)
    # an item absent before (a new category) is decomposed with Shapley and still sums exactly
    new = category.grow(before[before["category"] != "dairy"], after, item="category", amount="amount")
    np.testing.assert_allclose(new[["universe", "gain", "retain", "boost", "widen"]].sum(axis=1), new["delta"],
                               rtol=1e-10, atol=1e-8)


def test_category_roles_follow_the_rule():
    profile = pd.DataFrame({"penetration": [0.9, 0.8, 0.6, 0.3, 0.2, 0.5],
                            "gross_margin": [0.1, 0.4, 0.45, 0.2, 0.15, 0.3],
                            "entry_value": [10, 20, 30, 90, 15, 12], "entry_share": [0.4, 0.2, 0.1, 0.05, 0.02, 0.1]},
                           index=list("abcdef"))
    roles = category.category_roles(profile)["role"]
    assert roles["a"] == "引流" and roles["b"] == "利润" and roles["d"] == "形象" and roles["e"] == "补充"
    assert set(roles) <= set(category.ROLES)


# --- planted truths of the demo -----------------------------------------------------------

@pytest.fixture(scope="module")
def demo_purchases() -> pd.DataFrame:
    return category.purchases(load_demo("orders"), load_demo("order_lines"))


def test_demo_double_jeopardy_and_kantar(demo_purchases):
    m = category.brand_metrics(demo_purchases, item="category_id", amount="amount")
    np.testing.assert_allclose(category.kantar_check(m), m["amount"], rtol=1e-12)
    dj = category.double_jeopardy(m)
    assert dj.attrs["spearman"] > 0.5


def test_demo_basket_link_is_the_top_basket_rule(demo_purchases):
    rules = category.association_rules(demo_purchases, customer="order_id", item="category_id")
    top = rules.iloc[0]
    assert {top["antecedent"], top["consequent"]} == {"bakery", "dairy"}
    assert top["lift"] > TRUTHS["purchases"]["cross_category_basket_lift_floor"]
    others = rules[~rules["antecedent"].isin(["bakery", "dairy"]) & ~rules["consequent"].isin(["bakery", "dairy"])]
    assert others["lift"].between(0.85, 1.15).all()


def test_demo_lead_link_is_recovered_in_time_order_only(demo_purchases):
    truth = TRUTHS["purchases"]
    lead = category.lead_lift(demo_purchases, item="category_id", window_days=truth["lead_window_days"])
    best = lead["lead_lift"].idxmax()
    assert best == ("seafood", "grain_oil")
    assert lead.loc[best, "lead_lift"] > truth["lead_lift_floor"]
    # pairs away from the link carry no order; pairs into 粮油调味 inherit a little of the link,
    # because first purchases cluster early in a customer's life (see chapter 08)
    unrelated = lead[~lead.index.get_level_values(0).isin(["seafood", "grain_oil"])
                     & ~lead.index.get_level_values(1).isin(["seafood", "grain_oil"])]
    assert unrelated["lead_lift"].between(0.8, 1.25).all()
    assert lead.drop(index=[best])["lead_lift"].max() < 0.8 * lead.loc[best, "lead_lift"]
    # without the customers who ever bought seafood, nothing leads to 粮油调味
    seafood_buyers = demo_purchases.loc[demo_purchases["category_id"] == "seafood", "user_id"].unique()
    rest = category.lead_lift(demo_purchases[~demo_purchases["user_id"].isin(seafood_buyers)], item="category_id")
    into = rest.xs("grain_oil", level="consequent")
    # fewer customers here (a few hundred window baskets per pair): judge by a binomial z, not a band
    z = (into["hits"] - into["window_baskets"] * into["base_rate"]) / np.sqrt(
        into["window_baskets"] * into["base_rate"] * (1 - into["base_rate"]))
    assert (z.abs() < 3).all(), z
    # the 引导 is sequential, not a basket association
    rules = category.pair_lift(demo_purchases, customer="order_id", item="category_id")
    assert rules.loc[("seafood", "grain_oil"), "lift"] == pytest.approx(1.0, abs=0.1)


def test_demo_new_skus_widen_only_their_categories():
    orders, lines = load_demo("orders"), load_demo("order_lines")
    truth = TRUTHS["purchases"]
    launch = pd.Timestamp(truth["new_sku_launch"])
    timed = lines.merge(orders[["order_id", "order_time"]], on="order_id")
    before = timed[timed["order_time"] < launch]
    assert not before["sku_id"].isin(truth["new_skus"]).any()
    after = timed[(timed["order_time"] >= launch)]
    sold = after.loc[after["sku_id"].isin(truth["new_skus"]), "category_id"].unique()
    assert set(sold) == {"dairy", "snack", "beverage"}


def test_demo_categories_do_not_raise_order_frequency(demo_purchases):
    """Trying a category looks like it raises frequency (naive gap), but matched on the orders before
    and in the week of the trial, the effect is nil (the planted truth is 0)."""
    users = load_demo("users")
    orders = load_demo("orders")
    panel = selection.activity_panel(orders, as_of="2026-01-01")
    population = orders.groupby("user_id")["order_time"].min()
    trial = demo_purchases[demo_purchases["category_id"] == "seafood"].groupby("user_id")["order_time"].min()
    result = selection.matched_pre_post(panel, trial, population, as_of="2026-01-01", match_choice_period=True)
    s = result.summary
    assert TRUTHS["purchases"]["category_effect_on_order_frequency"] == 0.0
    assert abs(s["effect"]) < 3 * s["se"] + 0.2
    assert s["naive_gap"] > 3 * max(abs(s["effect"]), s["se"])
    assert len(users) > 0
