"""A catalog of operating metrics computable from the canonical tables.

Each :class:`MetricDef` carries its id, Chinese label, definition (口径), unit, the tables it needs
and a vectorised ``compute(data, freq="MS") -> pd.Series`` indexed by the first day of each period.
Metrics whose tables are missing in a dataset are reported by :func:`unavailable` instead of failing,
so a workshop on partial company data still lists what it can compute.

Periods: ``freq`` is one of ``"D"``, ``"W"`` (weeks starting Monday), ``"MS"`` (calendar months)
or ``"QS"`` (quarters); a period is labelled by its first day. Every metric is computed with
pandas group-bys on whole columns (no per-user Python loops).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

_PERIODS = {"D": "D", "W": "W-SUN", "MS": "M", "QS": "Q"}


def period_start(times: pd.Series, freq: str = "MS") -> pd.Series:
    """The first day of the period each timestamp falls in."""
    if freq not in _PERIODS:
        raise ValueError(f"freq must be one of {list(_PERIODS)}, got {freq!r}")
    return times.dt.to_period(_PERIODS[freq]).dt.start_time


def _named(series: pd.Series) -> pd.Series:
    series = series.sort_index()
    series.index.name = "period"
    return series


def _gmv(data, freq):
    o = data["orders"]
    return o.groupby(period_start(o["order_time"], freq))["amount"].sum()


def _orders(data, freq):
    o = data["orders"]
    return o.groupby(period_start(o["order_time"], freq)).size().astype("int64")


def _buyers(data, freq):
    o = data["orders"]
    return o.groupby(period_start(o["order_time"], freq))["user_id"].nunique().astype("int64")


def _first_order_period(orders: pd.DataFrame, freq: str) -> pd.Series:
    return period_start(orders.groupby("user_id")["order_time"].min(), freq)


def _new_buyers(data, freq):
    first = _first_order_period(data["orders"], freq)
    return first.value_counts().rename(None).astype("int64").reindex(_buyers(data, freq).index, fill_value=0)


def _returning_buyers(data, freq):
    return _buyers(data, freq) - _new_buyers(data, freq)


def _aov(data, freq):
    return _gmv(data, freq) / _orders(data, freq)


def _orders_per_buyer(data, freq):
    return _orders(data, freq) / _buyers(data, freq)


def _gmv_per_buyer(data, freq):
    return _gmv(data, freq) / _buyers(data, freq)


def _repeat_rate(data, freq):
    o = data["orders"]
    per = o.groupby([period_start(o["order_time"], freq), o["user_id"]]).size()
    return (per >= 2).groupby(level=0).mean()


def _new_users(data, freq):
    u = data["users"]
    return u.groupby(period_start(u["register_time"], freq)).size().astype("int64")


def _active_users(data, freq):
    e = data["events"]
    opens = e.loc[e["event_type"] == "app_open"]
    return opens.groupby(period_start(opens["event_time"], freq))["user_id"].nunique().astype("int64")


def _visit_to_order(data, freq):
    e, o = data["events"], data["orders"]
    opens = e.loc[e["event_type"] == "app_open", ["user_id", "event_time"]]
    visitors = pd.DataFrame({"period": period_start(opens["event_time"], freq),
                             "user_id": opens["user_id"].to_numpy()}).drop_duplicates()
    buyers = pd.DataFrame({"period": period_start(o["order_time"], freq),
                           "user_id": o["user_id"].to_numpy()}).drop_duplicates()
    buyers["bought"] = True
    merged = visitors.merge(buyers, on=["period", "user_id"], how="left")
    return merged["bought"].notna().groupby(merged["period"]).mean()


def _retention_30d(data, freq):
    u, e = data["users"], data["events"]
    as_of = e["event_time"].max()
    period_end = u["register_time"].dt.to_period(_PERIODS[freq]).dt.end_time
    cohort = u.loc[period_end + pd.Timedelta(days=30) <= as_of, ["user_id", "register_time"]]
    joined = e[["user_id", "event_time"]].merge(cohort, on="user_id")
    age = joined["event_time"] - joined["register_time"]
    back = joined.loc[(age >= pd.Timedelta(days=1)) & (age < pd.Timedelta(days=30)), "user_id"].unique()
    retained = cohort["user_id"].isin(back)
    return retained.groupby(period_start(cohort["register_time"], freq)).mean()


def _paid_cac(data, freq):
    ch, sp, u = data["channels"], data["channel_spend"], data["users"]
    paid = ch.loc[ch["is_paid"].astype(bool), "channel_id"]
    spend = sp.loc[sp["channel_id"].isin(paid)]
    spend = spend.groupby(period_start(spend["date"], freq))["spend"].sum()
    new = u.loc[u["channel_id"].isin(paid)]
    new = new.groupby(period_start(new["register_time"], freq)).size()
    cac = spend / new.reindex(spend.index)
    return cac.dropna()


@dataclass(frozen=True)
class MetricDef:
    """One metric of the catalog."""

    id: str
    label: str
    definition: str
    unit: str
    tables: tuple[str, ...]
    _fn: Callable[..., pd.Series]
    higher_is_better: bool = True

    def available(self, data) -> bool:
        return data.has(*self.tables)

    def compute(self, data, freq: str = "MS") -> pd.Series:
        """The metric per period (index: first day of the period, named ``period``)."""
        missing = data.missing(*self.tables)
        if missing:
            raise KeyError(f"{self.id} 需要表 {', '.join(missing)}")
        return _named(self._fn(data, freq)).rename(self.id)


CATALOG: dict[str, MetricDef] = {m.id: m for m in [
    MetricDef("gmv", "成交额（GMV）", "当期已支付订单实付金额（amount）之和", "元", ("orders",), _gmv),
    MetricDef("orders", "订单数", "当期已支付订单笔数", "单", ("orders",), _orders),
    MetricDef("buyers", "下单用户数", "当期至少下过 1 单的去重用户数", "人", ("orders",), _buyers),
    MetricDef("aov", "客单价", "成交额 ÷ 订单数（分母是订单，不是用户）", "元/单", ("orders",), _aov),
    MetricDef("orders_per_buyer", "人均订单数", "订单数 ÷ 下单用户数", "单/人", ("orders",), _orders_per_buyer),
    MetricDef("gmv_per_buyer", "人均消费", "成交额 ÷ 下单用户数", "元/人", ("orders",), _gmv_per_buyer),
    MetricDef("new_buyers", "新客数（首单用户）", "有史以来第一笔订单落在当期的用户数", "人", ("orders",),
              _new_buyers),
    MetricDef("returning_buyers", "老客数（复购用户）", "当期下单用户中此前已下过单的用户数 = 下单用户数 − 新客数",
              "人", ("orders",), _returning_buyers),
    MetricDef("repeat_rate", "当期复购率", "当期下单 ≥ 2 次的用户 ÷ 当期下单用户", "比例", ("orders",),
              _repeat_rate),
    MetricDef("new_users", "新注册用户数", "注册时间落在当期的用户数", "人", ("users",), _new_users),
    MetricDef("active_users", "活跃用户数（打开 App）", "当期有 app_open 事件的去重用户数", "人", ("events",),
              _active_users),
    MetricDef("visit_to_order", "访客→下单转化率", "当期打开过 App 的用户中，当期也下过单的比例（小程序、门店订单的用户不在分母中）",
              "比例", ("events", "orders"), _visit_to_order),
    MetricDef("retention_30d", "30 日留存率", "按注册期分组：注册后第 1–30 天（[1, 30) 天）内有任意行为事件的用户占比；"
              "只统计整期注册用户都已满 30 天（以事件表最后时刻为准）的注册期", "比例", ("users", "events"), _retention_30d),
    MetricDef("paid_cac", "付费渠道获客成本（CAC）", "付费渠道当期投放花费 ÷ 付费渠道当期新注册用户数", "元/人",
              ("channels", "channel_spend", "users"), _paid_cac, higher_is_better=False),
]}


def get(metric_id: str) -> MetricDef:
    try:
        return CATALOG[metric_id]
    except KeyError:
        raise KeyError(f"未知指标 {metric_id!r}；可选：{', '.join(CATALOG)}") from None


def available(data) -> list[str]:
    """Ids of the metrics whose tables are all present."""
    return [m.id for m in CATALOG.values() if m.available(data)]


def unavailable(data) -> dict[str, list[str]]:
    """Metric id → the tables it lacks, for every metric that cannot be computed on ``data``."""
    return {m.id: data.missing(*m.tables) for m in CATALOG.values() if not m.available(data)}


def compute_many(data, ids, freq: str = "MS") -> pd.DataFrame:
    """Available metrics of ``ids`` side by side (one column each); unavailable ones are left out."""
    cols = [get(i).compute(data, freq) for i in dict.fromkeys(ids) if get(i).available(data)]
    if not cols:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="period"))
    return pd.concat(cols, axis=1).sort_index()


def catalog_table(data=None) -> pd.DataFrame:
    """The catalog as a table (with a 可用 column when ``data`` is given)."""
    rows = []
    for m in CATALOG.values():
        row = {"指标 id": m.id, "指标": m.label, "口径": m.definition, "单位": m.unit, "所需表": "、".join(m.tables)}
        if data is not None:
            missing = data.missing(*m.tables)
            row["可用"] = "是" if not missing else f"否（缺少 {'、'.join(missing)}）"
        rows.append(row)
    return pd.DataFrame(rows)
