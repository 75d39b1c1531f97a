"""Business metrics: the one definition of GMV, orders, buyers, new and returning buyers, AOV ...

Every chapter, the metric tree and the workshop read these definitions from here:

- :func:`kpis` computes the order metrics per calendar period (and, optionally, per segment such as
  the ordering platform) with the named query ``kpis``; registrations come from ``signups``.
- :data:`METRICS` is the catalog: each :class:`MetricDef` has an id, a Chinese label, its definition
  (口径), unit and the tables it needs, and computes one value per period. Metrics whose tables are
  missing are reported by :func:`unavailable` instead of failing, so a workshop on partial company
  data still lists what it can compute.

Periods are the kit's vocabulary (``"day"``, ``"week"`` from Monday, ``"month"``, ``"quarter"``,
``"year"``), labelled by their first day; results are indexed by ``period``. Definitions and
tests: ``docs/methods.md#business-metrics``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from opskit.data import engine
from opskit.periods import check_period, period_end, period_start

__all__ = ["kpis", "active_users_daily", "MetricDef", "METRICS", "get", "available", "unavailable", "compute_many",
           "catalog_table"]


def _datetime_index(values) -> pd.Series:
    return pd.to_datetime(values).dt.tz_localize(None) if getattr(values.dt, "tz", None) else pd.to_datetime(values)


def _labels(values: pd.Series) -> pd.Series:
    """A segment column DuckDB can read: mixed Python objects become text (as the query reads it)."""
    return values.astype("string") if values.dtype == object else values


def _kpi_orders(orders: engine.TableLike, segment: str | None) -> engine.TableLike:
    """The columns the query ``kpis`` reads. A frame: the caller's columns, not copies, constants
    where the export has none. A Spark DataFrame or a file: a projection (NULL where the export has
    no discount, or no segment is asked for: the query reads NULL as 0 and '')."""
    if not isinstance(orders, pd.DataFrame):
        discount = "discount" if "discount" in engine.columns(orders) else None
        return engine.renamed(orders, user_id="user_id", order_time="order_time", amount="amount",
                              discount=discount, segment=segment)
    n = len(orders)
    return pd.DataFrame({
        "user_id": orders["user_id"], "order_time": orders["order_time"], "amount": orders["amount"],
        "discount": orders["discount"] if "discount" in orders else np.zeros(n),
        "segment": _labels(orders[segment]) if segment else pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [""]),
    }, index=orders.index, copy=False)


def kpis(orders: engine.TableLike, users: engine.TableLike | None = None, *, period: str = "month",
         segment: str | None = None) -> pd.DataFrame:
    """Order metrics per calendar ``period`` of ``order_time`` (and per value of the ``segment`` column).

    Columns: ``orders``; ``buyers`` (distinct users with an order); ``gmv`` (sum of ``amount``);
    ``aov`` = gmv / orders (per order, not per buyer); ``orders_per_buyer``; ``gmv_per_buyer``;
    ``new_buyers`` (users whose first-ever order in the table falls in the period; ties at the first
    timestamp count once); ``returning_buyers`` = buyers − new_buyers; ``repeat_buyers`` (at least
    two orders in the period) and ``repeat_rate`` = repeat_buyers / buyers; ``first_order_gmv`` and
    ``repeat_gmv_share`` = 1 − first_order_gmv / gmv; ``gross_gmv`` (amount + discount; equal to gmv
    without a ``discount`` column) and ``paid_share`` = gmv / gross_gmv; with ``users``,
    ``new_users`` (registrations in the period, 0 where none; not split by segment). Exact rules:
    the header of the named query ``kpis``. Indexed by ``period`` (and ``segment``). ``orders``
    and ``users`` may be frames, Spark DataFrames or Parquet/CSV paths (scanned in place).
    """
    check_period(period)
    table = engine.run("kpis", {"period": period}, orders=_kpi_orders(orders, segment))
    table["period"] = _datetime_index(table["period"])
    keys = ["period", "segment"] if segment else ["period"]
    table = table.set_index(keys) if segment else table.drop(columns="segment").set_index("period")
    if segment:
        table.index = table.index.set_names(["period", segment])
    for col in ("orders", "buyers", "new_buyers", "repeat_buyers"):
        table[col] = table[col].astype("int64")
    table["aov"] = table["gmv"] / table["orders"]
    table["orders_per_buyer"] = table["orders"] / table["buyers"]
    table["gmv_per_buyer"] = table["gmv"] / table["buyers"]
    table["returning_buyers"] = table["buyers"] - table["new_buyers"]
    table["repeat_rate"] = table["repeat_buyers"] / table["buyers"]
    table["repeat_gmv_share"] = 1 - table["first_order_gmv"] / table["gmv"]
    table["paid_share"] = table["gmv"] / table["gross_gmv"]
    if users is not None and not segment:
        signups = engine.run("signups", {"period": period}, users=engine.renamed(users, register_time="register_time"))
        new_users = signups.set_index(_datetime_index(signups["period"]))["new_users"].astype("int64")
        table = table.join(new_users.rename_axis("period"), how="outer")
        table = table.fillna({c: 0 for c in table.columns})
        for col in ("orders", "buyers", "new_buyers", "repeat_buyers", "returning_buyers", "new_users"):
            table[col] = table[col].astype("int64")
    return table


def active_users_daily(events: engine.TableLike, *, start, end, event_type: str | None = None,
                       mau_days: int = 30) -> pd.DataFrame:
    """Daily active users and trailing weekly / monthly active users, one row per day in [start, end).

    A user is active on a calendar day with any event that day (with ``event_type``, an event of that
    type). ``dau`` = distinct users active on the day; ``wau`` = distinct users active on the day or the
    6 days before; ``mau`` = the same over the trailing ``mau_days`` days (30 by default);
    ``stickiness`` = dau / mau (NaN when mau is 0). ``start`` and ``end`` are dates (``end``
    excluded). ``events`` is a DataFrame or the path of a Parquet/CSV file (scanned in place). Exact
    rules: the named query ``active_users_daily``. Indexed by ``day``.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if int(mau_days) < 1:
        raise ValueError("mau_days must be >= 1")
    days = pd.date_range(start, end, freq="D", inclusive="left", name="day")
    if len(days) == 0:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in ("dau", "wau", "mau")},
                            index=days).assign(stickiness=pd.Series(dtype=float))
    raw = engine.run("active_users_daily", {"start": start.date(), "end": end.date(),
                                            "event_type": event_type, "mau_days": int(mau_days)},
                     events=_event_columns(events))
    raw.index = pd.Timestamp("1970-01-01") + pd.to_timedelta(raw["day"].to_numpy(), unit="D")
    table = raw[["dau", "wau", "mau"]].reindex(days)
    table["dau"] = table["dau"].fillna(0)
    table[["wau", "mau"]] = table[["wau", "mau"]].ffill()
    table = table.astype("int64")
    table["stickiness"] = table["dau"] / table["mau"].where(table["mau"] > 0)
    table.index.name = "day"
    return table


def _event_columns(events):
    """The event columns the activity queries read; a path is passed through, scanned in place."""
    if isinstance(events, pd.DataFrame):
        return events[["user_id", "event_time", "event_type"]]
    return events


# --------------------------------------------------------------------------- metrics beyond orders


def _signups(users, period) -> pd.Series:
    table = engine.run("signups", {"period": period}, users=engine.renamed(users, register_time="register_time"))
    return pd.Series(table["new_users"].astype("int64").to_numpy(), index=_datetime_index(table["period"]))


def _new_users(data, period):
    return _signups(data["users"], period)


def _active_users(data, period):
    table = engine.run("active_users", {"period": period, "event_type": "app_open"},
                       events=_event_columns(data["events"]))
    return pd.Series(table["active_users"].astype("int64").to_numpy(), index=_datetime_index(table["period"]))


def _visit_to_order(data, period):
    table = engine.run("visit_to_order", {"period": period}, events=_event_columns(data["events"]),
                       orders=engine.renamed(data["orders"], user_id="user_id", order_time="order_time"))
    return pd.Series((table["buyers"] / table["visitors"]).to_numpy(), index=_datetime_index(table["period"]))


#: Events that show a user came back for the product (not a passive app_open, push or ad impression).
RETENTION_EVENTS = ("search", "view_item", "add_favorite", "add_to_cart", "checkout")


def _retention_30d(data, period):
    u, e = data["users"], data["events"]
    as_of = engine.column_max(e, "event_time")
    # registration periods whose last instant is at least 30 days before the last event
    latest = period_start(pd.Series([as_of - pd.Timedelta(days=30)]), period).iloc[0]
    if period_end(pd.Series([latest]), period).iloc[0] + pd.Timedelta(days=30) <= as_of:
        latest = period_end(pd.Series([latest]), period).iloc[0] + pd.Timedelta(microseconds=1)
    table = engine.run("returned_after_register",
                       {"register_before": latest.floor("us"), "from_days": 1, "to_days": 30, "period": period},
                       users=engine.renamed(u, user_id="user_id", register_time="register_time"),
                       events=engine.renamed(e, user_id="user_id", event_time="event_time", event_type="event_type"),
                       kinds=pd.DataFrame({"event_type": list(RETENTION_EVENTS)}),
                       orders=_return_orders(data))
    return pd.Series((table["returned"] / table["users"]).to_numpy(), index=_datetime_index(table["period"]))


def _return_orders(data):
    """Orders count as a return (an order on any platform, mini-program or store); none without orders."""
    if data.has("orders"):
        return engine.renamed(data["orders"], user_id="user_id", order_time="order_time")
    return pd.DataFrame({"user_id": pd.Series(dtype="string"), "order_time": pd.Series(dtype="datetime64[us]")})


def _paid_cac(data, period):
    ch, sp, u = data["channels"], data["channel_spend"], data["users"]
    paid = ch.loc[ch["is_paid"].astype(bool), "channel_id"]
    spend = sp.loc[sp["channel_id"].isin(paid)]  # channel_spend is small: days x channels
    spend = spend.groupby(period_start(spend["date"], period))["spend"].sum()
    new = _signups(u.loc[u["channel_id"].isin(paid), ["register_time"]], period)
    cac = spend / new.reindex(spend.index)
    return cac.dropna()


# --------------------------------------------------------------------------- the catalog


@dataclass(frozen=True)
class MetricDef:
    """One metric: a column of :func:`kpis` (``column``) or a function of the dataset (``fn``)."""

    id: str
    label: str
    definition: str
    unit: str
    tables: tuple[str, ...]
    column: str | None = None
    fn: Callable[..., pd.Series] | None = None
    higher_is_better: bool = True

    def available(self, data) -> bool:
        return data.has(*self.tables)

    def compute(self, data, period: str = "month", *, _kpis: pd.DataFrame | None = None) -> pd.Series:
        """The metric per period (index: first day of the period, named ``period``)."""
        missing = data.missing(*self.tables)
        if missing:
            raise KeyError(f"{self.id} 需要表 {', '.join(missing)}")
        if self.column is not None:
            table = _kpis if _kpis is not None else kpis(data["orders"], period=period)
            series = table[self.column]
        else:
            series = self.fn(data, check_period(period))
        series = series.sort_index().rename(self.id)
        series.index.name = "period"
        return series


def _orders_metric(id, label, definition, unit, column=None, **kw):
    return MetricDef(id, label, definition, unit, ("orders",), column=column or id, **kw)


METRICS: dict[str, MetricDef] = {m.id: m for m in [
    _orders_metric("gmv", "成交额（GMV）", "当期已支付订单实付金额（amount）之和", "元"),
    _orders_metric("orders", "订单数", "当期已支付订单笔数", "单"),
    _orders_metric("buyers", "下单用户数", "当期至少下过 1 单的去重用户数", "人"),
    _orders_metric("aov", "客单价", "成交额 ÷ 订单数（分母是订单，不是用户）", "元/单"),
    _orders_metric("orders_per_buyer", "人均订单数", "订单数 ÷ 下单用户数", "单/人"),
    _orders_metric("gmv_per_buyer", "人均消费", "成交额 ÷ 下单用户数", "元/人"),
    _orders_metric("new_buyers", "新客数（首单用户）", "有史以来第一笔订单落在当期的用户数", "人"),
    _orders_metric("returning_buyers", "老客数（复购用户）", "当期下单用户中此前已下过单的用户数 = 下单用户数 − 新客数", "人"),
    _orders_metric("repeat_rate", "当期复购率", "当期下单 ≥ 2 次的用户 ÷ 当期下单用户", "比例"),
    MetricDef("new_users", "新注册用户数", "注册时间落在当期的用户数", "人", ("users",), fn=_new_users),
    MetricDef("active_users", "活跃用户数（打开 App）", "当期有 app_open 事件的去重用户数", "人", ("events",),
              fn=_active_users),
    MetricDef("visit_to_order", "访客→下单转化率",
              "当期打开过 App 的用户中，当期也下过单的比例（小程序、门店订单的用户不在分母中）", "比例",
              ("events", "orders"), fn=_visit_to_order),
    MetricDef("retention_30d", "30 日留存率", "按注册期分组：注册后第 1–30 天（[1, 30) 天）内有有效行为（搜索、浏览商品、收藏、加购、提交订单）或下单的用户占比"
              "（只打开 App、打开推送、看到广告不算）；"
              "只统计整期注册用户都已满 30 天（以事件表最后时刻为准）的注册期", "比例", ("users", "events"),
              fn=_retention_30d),
    MetricDef("paid_cac", "付费渠道获客成本（CAC）", "付费渠道当期投放花费 ÷ 付费渠道当期新注册用户数", "元/人",
              ("channels", "channel_spend", "users"), fn=_paid_cac, higher_is_better=False),
]}


def get(metric_id: str) -> MetricDef:
    try:
        return METRICS[metric_id]
    except KeyError:
        raise KeyError(f"未知指标 {metric_id!r}；可选：{', '.join(METRICS)}") from None


def available(data) -> list[str]:
    """Ids of the metrics whose tables are all present."""
    return [m.id for m in METRICS.values() if m.available(data)]


def unavailable(data) -> dict[str, list[str]]:
    """Metric id → the tables it lacks, for every metric that cannot be computed on ``data``."""
    return {m.id: data.missing(*m.tables) for m in METRICS.values() if not m.available(data)}


def compute_many(data, ids, period: str = "month") -> pd.DataFrame:
    """Available metrics of ``ids`` side by side (one column each); unavailable ones are left out.
    The order metrics share one :func:`kpis` query."""
    wanted = [get(i) for i in dict.fromkeys(ids) if get(i).available(data)]
    if not wanted:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="period"))
    table = kpis(data["orders"], period=period) if any(m.column for m in wanted) else None
    return pd.concat([m.compute(data, period, _kpis=table) for m in wanted], axis=1).sort_index()


def catalog_table(data=None) -> pd.DataFrame:
    """The catalog as a table: ``id``, ``label``, ``definition``, ``unit``, ``tables`` (and
    ``available`` when ``data`` is given: 是, or 否 with the missing tables)."""
    rows = []
    for m in METRICS.values():
        row = {"id": m.id, "label": m.label, "definition": m.definition, "unit": m.unit,
               "tables": "、".join(m.tables)}
        if data is not None:
            missing = data.missing(*m.tables)
            row["available"] = "是" if not missing else f"否（缺少 {'、'.join(missing)}）"
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the North Star

#: Catalog metrics a company may choose its North Star from (chapter 01 chooses, chapter 03 starts from it).
NORTH_STAR_CANDIDATES = ("buyers", "returning_buyers", "active_users", "new_buyers", "orders")
#: Candidates that count people who received value (they bought), broadest first: the first criterion.
VALUE_CANDIDATES = ("buyers", "returning_buyers")


def north_star_evidence(values: pd.DataFrame, *, total: str = "gmv") -> pd.DataFrame:
    """Evidence for each candidate column of ``values`` (monthly metrics, one column each, with the
    ``total`` column): ``same_month`` and ``lead`` (correlation of its monthly growth with the
    growth of ``total`` in the same and in the next month), ``latest`` and ``reflects_value``.
    Growth is the percentage change for counts and amounts, the difference for rates."""
    def growth(series, rate):
        change = series.diff() if rate else series.pct_change()
        return change.replace([np.inf, -np.inf], np.nan)  # growth from 0 (a first month) is undefined

    total_change = growth(values[total], False)
    rows = {}
    for m in values.columns.drop(total):
        change = growth(values[m], get(m).unit == "比例")
        rows[m] = {"label": get(m).label, "same_month": change.corr(total_change),
                   "lead": change.corr(total_change.shift(-1)), "latest": values[m].dropna().iloc[-1]
                   if values[m].notna().any() else np.nan, "reflects_value": m in VALUE_CANDIDATES}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "metric"
    return out


def choose_north_star(evidence: pd.DataFrame, *, tolerance: float = 0.1) -> str | None:
    """The North Star by the course's rule: among candidates that reflect user value, the one whose
    growth best leads next month's GMV growth; candidates within ``tolerance`` of the best lead are
    tied, and the tie goes to the broadest (earliest in :data:`VALUE_CANDIDATES`), because more teams
    can move it. None when no value candidate is available."""
    value = evidence.loc[evidence["reflects_value"].astype(bool)]
    if value.empty:
        return None
    lead = value["lead"].fillna(-np.inf)
    tied = lead.index[lead >= lead.max() - tolerance]
    return next(m for m in VALUE_CANDIDATES if m in tied)
