"""Private-domain operations (私域运营, docs/methods.md#private-domain): WeCom groups from 引流 to 转化.

* :func:`member_comparison` and :func:`join_effect` — members against non-members, naively and
  against non-members matched on their orders before joining (:mod:`opskit.selection`): the
  self-selection trap and the group's increment;
* :func:`touchpoint_table` and :func:`stay_curve` — which 引流 touchpoints bring members in, at what
  conversion and cost, and how fast their joiners leave again (Kaplan–Meier);
* :func:`fatigue_table` and :func:`fatigue_point` — touch frequency against clicks, mutes and
  unsubscriptions, and the frequency beyond which members drop out (a hinge fit);
* :func:`funnel` and :func:`funnel_change` — 引流 → 培育 → 转化 per cohort, whose step rates multiply
  to the end-to-end rate exactly, and the exact decomposition of a change between two periods;
* :func:`group_modes` — the operating mode of each group (touch intensity × promotional share).

Raw-table aggregations run as named SQL (``opskit/data/sql``); ids are opaque labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opskit import decomposition, selection
from opskit.data import engine


def _cutoff(times: pd.Series, as_of) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of)
    return pd.Timestamp(times.max()).normalize() + pd.Timedelta(days=1)


def first_joins(members: pd.DataFrame) -> pd.DataFrame:
    """Each user's first membership (earliest join_time; ties: smallest group_id)."""
    ordered = members.sort_values(["user_id", "join_time", "group_id"], kind="stable")
    return ordered.drop_duplicates("user_id").reset_index(drop=True)


def customer_value(orders: pd.DataFrame, *, as_of=None, customer: str = "user_id", time: str = "order_time",
                   amount: str = "amount") -> pd.DataFrame:
    """Per customer: orders, amount, first and last order time: the per-user order summary of
    :func:`opskit.lifecycle.user_order_summary` (named query ``user_order_summary``) under this
    module's column names, indexed by ``customer`` (sorted)."""
    summary = engine.run("user_order_summary", {"as_of": _cutoff(orders[time], as_of)},
                         orders=engine.renamed(orders, user_id=customer, order_time=time, amount=amount))
    summary = summary.rename(columns={"user_id": "customer", "gmv": "amount", "first_order": "first_time",
                                      "last_order": "last_time"})
    return summary[["customer", "orders", "amount", "first_time", "last_time"]].set_index("customer")


def _all_orders(orders: pd.DataFrame, extra_orders: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["user_id", "order_time", "amount"]
    if extra_orders is None or not len(extra_orders):
        return orders[cols]
    return pd.concat([orders[cols], extra_orders[cols]], ignore_index=True)


def member_comparison(orders: pd.DataFrame, members: pd.DataFrame, *, extra_orders: pd.DataFrame | None = None,
                      as_of=None) -> pd.DataFrame:
    """The naive view: customers who ever joined a group against those who never did.

    Among customers with at least one order (orders plus ``extra_orders``, e.g. group orders):
    customers, repeat_rate (share with two or more orders), and orders and amount per customer to
    date (a simple LTV). Rows ``member`` and ``non_member``. The gap between them mixes the group's
    effect with who joins.
    """
    cutoff = _cutoff(orders["order_time"], as_of)
    value = customer_value(_all_orders(orders, extra_orders), as_of=cutoff)
    joined = members.loc[members["join_time"] < cutoff, "user_id"]
    value["group"] = np.where(value.index.isin(joined), "member", "non_member")
    table = value.groupby("group").agg(customers=("orders", "size"),
                                       repeat_rate=("orders", lambda x: (x >= 2).mean()),
                                       orders=("orders", "mean"), amount=("amount", "mean"))
    return table.reindex(["member", "non_member"])


@dataclass
class JoinEffect:
    """:func:`join_effect`'s result: the matched comparison, the members' exposure in the post window
    and the effect per 30 days in a group."""

    comparison: selection.MatchedComparison
    exposure_months: float
    effect_per_month: float
    summary: pd.Series


def join_effect(orders: pd.DataFrame, members: pd.DataFrame, population: pd.Series, *,
                extra_orders: pd.DataFrame | None = None, period: str = "week", pre: int = 13, post: int = 13,
                value: str = "orders", as_of=None) -> JoinEffect:
    """Incremental orders (or amount) of joining a group, against non-members matched before joining.

    Each user's first join is the choice; ``population`` gives when each customer could first have
    joined (e.g. registration times). The outcome counts ``orders`` plus ``extra_orders`` (orders placed
    inside the group, when they live in a separate table). See :func:`opskit.selection.matched_pre_post`
    for the matching; ``effect`` is per member over the ``post`` periods after the join period.
    ``exposure_months`` = the matched members' mean days inside their group during those periods / 30,
    and ``effect_per_month`` = effect / exposure_months: the increment per month actually in a group
    (members who leave early receive less of it).
    """
    cutoff = _cutoff(orders["order_time"], as_of)
    panel = selection.activity_panel(orders, period=period, as_of=cutoff)
    if extra_orders is not None and len(extra_orders):
        extra = selection.activity_panel(extra_orders, period=period, as_of=cutoff)
        panel = pd.concat([panel, extra]).groupby(["customer", "period"], as_index=False)[["orders", "amount"]].sum()
    first = first_joins(members[members["join_time"] < cutoff])
    chosen = first.set_index("user_id")["join_time"]
    result = selection.matched_pre_post(panel, chosen, population, period=period, pre=pre, post=post,
                                        value=value, as_of=cutoff)
    units = result.units[result.units["controls"] > 0]
    start = pd.DatetimeIndex(units["choice_period"]) + _periods(period, 1)
    end = start + _periods(period, post)
    joined = first.set_index("user_id").reindex(units["customer"])
    leave = joined["leave_time"].fillna(cutoff).to_numpy()
    lo = np.maximum(start.to_numpy(), joined["join_time"].to_numpy())
    hi = np.minimum(end.to_numpy(), leave)
    days = np.clip((hi - lo) / np.timedelta64(1, "D"), 0, None)
    exposure = float(days.mean() / 30) if len(days) else float("nan")
    per_month = result.summary["effect"] / exposure if exposure else float("nan")
    summary = pd.concat([result.summary, pd.Series({"exposure_months": exposure, "effect_per_month": per_month,
                                                    "se_per_month": result.summary["se"] / exposure
                                                    if exposure else float("nan")})])
    return JoinEffect(result, exposure, per_month, summary)


def _periods(period: str, n: int):
    return {"day": pd.DateOffset(days=n), "week": pd.DateOffset(weeks=n), "month": pd.DateOffset(months=n),
            "quarter": pd.DateOffset(months=3 * n), "year": pd.DateOffset(years=n)}[period]


def stay_curve(members: pd.DataFrame, *, by: str | None = "source", as_of=None, max_days: int = 120) -> pd.DataFrame:
    """Kaplan–Meier share of joiners still in the group d days after joining, d = 0..max_days.

    A membership ends at ``leave_time``; memberships still open at ``as_of`` are censored there.
    One column per value of ``by`` (or one column ``all``); the index is the day.
    """
    cutoff = _cutoff(members["join_time"], as_of)
    frame = members[members["join_time"] < cutoff]
    left = frame["leave_time"].notna() & (frame["leave_time"] < cutoff)
    end = frame["leave_time"].where(left, cutoff)
    days = ((end - frame["join_time"]).dt.total_seconds() / 86400).to_numpy()
    groups = frame[by].astype(str).to_numpy() if by else np.full(len(frame), "all")
    curves = {}
    for name in pd.unique(groups):
        mine = groups == name
        curves[name] = _kaplan_meier(days[mine], left.to_numpy()[mine], max_days)
    return pd.DataFrame(curves, index=pd.RangeIndex(max_days + 1, name="day"))


def _kaplan_meier(duration: np.ndarray, event: np.ndarray, max_days: int) -> np.ndarray:
    """S(d) at whole days: product over event days t ≤ d of (1 − events at t / at risk at t)."""
    day = np.floor(duration).astype(np.int64)
    events = np.bincount(day[event], minlength=max_days + 2)[: max_days + 1]
    exits = np.bincount(np.minimum(day, max_days + 1), minlength=max_days + 2)
    at_risk = len(day) - np.concatenate([[0], np.cumsum(exits)[:max_days]])
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1 - events / at_risk, 1.0)
    return np.cumprod(factor)


def touchpoint_table(members: pd.DataFrame, sources: pd.DataFrame | None = None, *, as_of=None,
                     stay_days: int = 30) -> pd.DataFrame:
    """Per 引流 touchpoint: joins, reach, cost, conversion, cost per join, stay rate after
    ``stay_days`` (Kaplan–Meier) and cost per member still in the group then.

    ``sources`` (``month, source, reach, cost``) is optional; without it only joins and stay rates.
    Joins count every membership whose join_time falls in the months covered by ``sources``.
    """
    cutoff = _cutoff(members["join_time"], as_of)
    frame = members[members["join_time"] < cutoff]
    stay = stay_curve(frame, by="source", as_of=cutoff, max_days=stay_days).iloc[-1]
    table = pd.DataFrame({"joins": frame.groupby("source").size()})
    if sources is not None and len(sources):
        covered = sources.loc[sources["month"] < cutoff]
        months = frame["join_time"].dt.to_period("M").dt.to_timestamp()
        in_range = months.isin(covered["month"])
        table["joins"] = frame[in_range.to_numpy()].groupby("source").size()
        spend = covered.groupby("source")[["reach", "cost"]].sum()
        table = table.join(spend, how="outer")
        table["conversion"] = table["joins"] / table["reach"]
        table["cost_per_join"] = table["cost"] / table["joins"]
    table["joins"] = table["joins"].fillna(0).astype("int64")
    table[f"stay_{stay_days}d"] = stay.reindex(table.index)
    if "cost" in table:
        table["cost_per_kept_member"] = table["cost"] / (table["joins"] * table[f"stay_{stay_days}d"])
    table.index.name = "source"
    return table


def fatigue_table(touches: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Member-weeks by touches received that week (named query ``touch_weeks``), with
    ``clicks_per_week``, ``click_rate`` (per touch), ``mute_rate`` (among members not muted before)
    and ``unsubscribe_rate`` (per member-week). Indexed by ``touches``."""
    cutoff = _cutoff(touches["touch_time"], as_of)
    frame = touches[["user_id", "touch_time", "clicked", "muted", "unsubscribed"]]
    table = engine.run("touch_weeks", {"as_of": cutoff}, touches=frame).set_index("touches")
    table["clicks_per_week"] = table["clicks"] / table["member_weeks"]
    table["click_rate"] = table["clicks"] / (table["member_weeks"] * table.index.to_numpy())
    table["mute_rate"] = table["muted"] / table["at_risk_mute"]
    table["unsubscribe_rate"] = table["unsubscribed"] / table["member_weeks"]
    return table


def fatigue_point(table: pd.DataFrame, *, rate: str = "unsubscribe_rate", weight: str = "member_weeks",
                  min_weight: int = 30) -> pd.Series:
    """The touch frequency beyond which a drop-out rate climbs: a weighted hinge fit.

    For every candidate k between the smallest and the second largest frequency, fit
    rate = a + b·max(0, f − k) by weighted least squares (weights: member-weeks; frequencies with
    fewer than ``min_weight`` are left out) and keep the k with the smallest weighted squared error.
    Returns k (``point``), ``base`` (a), ``slope`` (b per extra touch), ``sse`` and ``flat_sse`` (the
    error of a constant rate, to judge whether any kink is there at all).
    """
    data = table[table[weight] >= min_weight]
    f = data.index.to_numpy(dtype=float)
    y = data[rate].to_numpy(dtype=float)
    w = data[weight].to_numpy(dtype=float)
    best = None
    for k in f[:-1]:
        design = np.column_stack([np.ones_like(f), np.maximum(0.0, f - k)])
        coef, *_ = np.linalg.lstsq(design * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)
        sse = float((w * (y - design @ coef) ** 2).sum())
        if best is None or sse < best["sse"] - 1e-15:
            best = {"point": int(k), "base": float(coef[0]), "slope": float(coef[1]), "sse": sse}
    flat = float((w * (y - np.average(y, weights=w)) ** 2).sum())
    return pd.Series({**(best or {"point": np.nan, "base": np.nan, "slope": np.nan, "sse": np.nan}),
                      "flat_sse": flat})


FUNNEL_STEPS = ("reach", "joined", "engaged", "converted")
FUNNEL_RATES = ("join_rate", "engage_rate", "convert_rate")


def funnel(members: pd.DataFrame, touches: pd.DataFrame, conversions: pd.DataFrame,
           sources: pd.DataFrame | None = None, *, period: str = "month", engage_days: int = 14,
           convert_days: int = 30, as_of=None) -> pd.DataFrame:
    """The private-domain funnel per cohort period: 触达 → 入群 (引流) → 互动 (培育) → 成交 (转化).

    Counts from the named query ``private_funnel`` (engaged = clicked a touch within ``engage_days`` of
    joining; converted = engaged and ordered in ``conversions`` within ``convert_days``), reach from
    ``sources`` summed per period. Step rates: join_rate = joined / reach, engage_rate = engaged /
    joined, convert_rate = converted / engaged; end_to_end = converted / reach = their product exactly.
    Without ``sources`` the funnel starts at joined (reach and join_rate are missing). Only periods that
    start on or after the first touch (before it, engagement cannot be seen) and end at least
    ``convert_days`` before ``as_of`` (every joiner has full windows) are kept.
    """
    cutoff = _cutoff(members["join_time"], as_of)
    counts = engine.run("private_funnel", {"period": period, "engage_days": int(engage_days),
                                           "convert_days": int(convert_days), "as_of": cutoff},
                        members=members[["user_id", "join_time"]],
                        touches=touches[["user_id", "touch_time", "clicked"]],
                        conversions=conversions[["user_id", "order_time"]]).set_index("period")
    index = selection.period_index(counts.index, period)
    ends = selection.period_start(index + 1, period)
    full = (counts.index >= touches["touch_time"].min()) & (ends + pd.Timedelta(days=convert_days) <= cutoff)
    counts = counts[np.asarray(full)]
    if sources is not None and len(sources):
        starts = selection.period_start(selection.period_index(sources["month"], period), period)
        reach = sources.groupby(starts)["reach"].sum()
        counts.insert(0, "reach", reach.reindex(counts.index))
        counts["join_rate"] = counts["joined"] / counts["reach"]
    counts["engage_rate"] = counts["engaged"] / counts["joined"]
    counts["convert_rate"] = counts["converted"] / counts["engaged"]
    if "reach" in counts:
        counts["end_to_end"] = counts["converted"] / counts["reach"]
    return counts


def funnel_change(table: pd.DataFrame, before, after, *, method: str = "lmdi") -> pd.DataFrame:
    """Split the change of conversions between two cohort periods over the funnel's factors, exactly.

    converted = reach × join_rate × engage_rate × convert_rate (or joined × … without reach), so the
    change is decomposed with LMDI-I (order-free; Shapley if a factor is zero) or 连环替代法
    (``method="sequential"``, in funnel order); the contributions sum to the change exactly (row 合计).
    """
    factors = [f for f in ("reach", "join_rate", "engage_rate", "convert_rate") if f in table]
    if "reach" not in table:
        factors = ["joined", "engage_rate", "convert_rate"]
    x0 = {f: float(table.loc[before, f]) for f in factors}
    x1 = {f: float(table.loc[after, f]) for f in factors}
    if method == "sequential":
        parts = decomposition.sequential(x0, x1, order=factors)
    elif min(x0.values()) > 0 and min(x1.values()) > 0:
        parts = decomposition.lmdi(x0, x1)
    else:
        parts = decomposition.shapley(x0, x1)
    out = pd.DataFrame({"before": pd.Series(x0), "after": pd.Series(x1), "contribution": parts})
    out.loc["合计"] = [float(table.loc[before, "converted"]), float(table.loc[after, "converted"]),
                      float(parts.sum())]
    return out


MODES = {
    "福利团购型": "触达频繁、以促销为主：靠优惠和群接龙带动成交，需防疲劳和“只认券”",
    "内容种草型": "触达频繁、以内容和新品为主：靠菜谱、测评等内容培养习惯",
    "活动通知型": "触达少、以促销为主：平时安静，大促前集中通知",
    "服务陪伴型": "触达少、以内容和服务为主：答疑、售后与会员关怀，重留存轻转化",
}


def group_modes(members: pd.DataFrame, touches: pd.DataFrame, group_orders: pd.DataFrame | None = None, *,
                as_of=None) -> pd.DataFrame:
    """Each group's operating mode from its own data (named query ``group_activity``).

    touches_per_week = touches per member-week touched; promo_share = share of touches with content
    促销; click_rate per touch; group_orders per member. The mode splits groups at the median of
    touches_per_week (频繁 / 少) and of promo_share (促销 / 内容): see :data:`MODES`.
    """
    cutoff = _cutoff(members["join_time"], as_of)
    content = touches["content"] if "content" in touches else pd.Series("", index=touches.index)
    orders = group_orders if group_orders is not None else pd.DataFrame(
        {"user_id": pd.Series(dtype=members["user_id"].dtype), "order_time": pd.Series(dtype="datetime64[us]")})
    table = engine.run("group_activity", {"as_of": cutoff},
                       members=members[["group_id", "user_id", "join_time"]],
                       touches=pd.DataFrame({"user_id": touches["user_id"], "touch_time": touches["touch_time"],
                                             "content": content, "clicked": touches["clicked"]}, copy=False),
                       group_orders=orders[["user_id", "order_time"]]).set_index("group_id")
    table["touches_per_week"] = table["touches"] / table["member_weeks"].where(table["member_weeks"] > 0)
    table["promo_share"] = table["promo_touches"] / table["touches"].where(table["touches"] > 0)
    table["click_rate"] = table["clicks"] / table["touches"].where(table["touches"] > 0)
    table["orders_per_member"] = table["group_orders"] / table["members"]
    busy = table["touches_per_week"] > table["touches_per_week"].median()
    promo = table["promo_share"] > table["promo_share"].median()
    table["mode"] = np.select([busy & promo, busy & ~promo, ~busy & promo], list(MODES)[:3], default=list(MODES)[3])
    return table


def content_table(touches: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Per content type of the touches: touches, clicks, click_rate and mute / unsubscribe rates per
    touch (named query ``touch_content``). Without a content column every touch is '未知'."""
    cutoff = _cutoff(touches["touch_time"], as_of)
    frame = touches[["touch_time", "clicked", "muted", "unsubscribed"]].assign(
        content=touches["content"] if "content" in touches else None)
    table = engine.run("touch_content", {"as_of": cutoff}, touches=frame).set_index("content")
    for flag, rate in (("clicks", "click_rate"), ("muted", "mute_rate"), ("unsubscribed", "unsubscribe_rate")):
        table[rate] = table[flag] / table["touches"]
    return table


# ---------------------------------------------------------------------------------------------
# The economics of a private-domain plan for one target segment (chapter 11's workshop)

ECONOMICS_STEPS = ("reach", "joined", "active", "converted")


def member_steps(members: pd.DataFrame, touches: pd.DataFrame, conversions: pd.DataFrame, *,
                 engage_days: int = 14, convert_days: int = 30, value_days: int = 90, as_of=None) -> pd.DataFrame:
    """One row per member (first join) with full funnel windows: ``engaged`` and ``converted`` flags
    (the rules of :func:`funnel`), ``value_orders`` / ``value_amount`` bought from ``conversions``
    within ``value_days`` of joining and ``full_value`` (that window is complete). Named query
    ``private_member_steps``; indexed by user_id, so any segment is a filter of the same rows."""
    cutoff = _cutoff(members["join_time"], as_of)
    amount = conversions["amount"] if "amount" in conversions else pd.Series(0.0, index=conversions.index)
    table = engine.run("private_member_steps", {"engage_days": int(engage_days), "convert_days": int(convert_days),
                                                "value_days": int(value_days), "as_of": cutoff},
                       members=members[["user_id", "join_time"]],
                       touches=touches[["user_id", "touch_time", "clicked"]],
                       conversions=pd.DataFrame({"user_id": conversions["user_id"],
                                                 "order_time": conversions["order_time"], "amount": amount},
                                                copy=False))
    return table.set_index("user_id")


def segment_rates(steps: pd.DataFrame, segment, *, members: pd.DataFrame | None = None,
                  sources: pd.DataFrame | None = None, touchpoints=None, value_days: int = 90,
                  as_of=None) -> pd.Series:
    """The measured step rates and unit values of one segment's members (rows of :func:`member_steps`
    whose user_id is in ``segment``).

    * ``joined, engaged, converted`` and ``active_rate`` (= engage rate) and ``convert_rate``;
    * ``join_reach, join_joins, join_rate, cost_per_reach`` of the chosen 引流 ``touchpoints``
      (all when None) from ``sources`` (reach is counted per touchpoint, not per user, so the join
      rate is the touchpoints' rate, not the segment's own);
    * ``orders_per_converter`` and ``aov`` over ``value_days`` after joining, among converters with
      a complete window (``value_converters`` of them);
    * ``stay_months``: expected months in the group during those ``value_days`` (the integral of the
      Kaplan–Meier stay curve of the segment's members, :func:`stay_curve`).
    Missing inputs give NaN, never an exception.
    """
    mine = steps[steps.index.isin(pd.Index(segment))]
    joined, engaged, converted = len(mine), int(mine["engaged"].sum()), int(mine["converted"].sum())
    out = {"joined": joined, "engaged": engaged, "converted": converted,
           "active_rate": engaged / joined if joined else np.nan,
           "convert_rate": converted / engaged if engaged else np.nan}
    valued = mine[(mine["converted"] == 1) & (mine["full_value"] == 1)]
    orders = float(valued["value_orders"].sum())
    out.update(value_converters=len(valued), orders_per_converter=orders / len(valued) if len(valued) else np.nan,
               aov=float(valued["value_amount"].sum()) / orders if orders else np.nan)
    out.update(join_reach=np.nan, join_joins=np.nan, join_rate=np.nan, cost_per_reach=np.nan)
    if sources is not None and len(sources) and members is not None and "source" in members:
        table = touchpoint_table(members, sources, as_of=as_of)
        if touchpoints:
            table = table.reindex([t for t in touchpoints if t in table.index])
        if len(table) and table["reach"].sum() > 0:
            reach, joins, cost = table["reach"].sum(), table["joins"].sum(), table["cost"].sum()
            out.update(join_reach=float(reach), join_joins=float(joins), join_rate=joins / reach,
                       cost_per_reach=cost / reach)
    out["stay_months"] = np.nan
    if members is not None and "leave_time" in members and joined:
        own = members[members["user_id"].isin(mine.index)]
        curve = stay_curve(own, by=None, as_of=as_of, max_days=int(value_days))["all"]
        out["stay_months"] = float(curve.iloc[:-1].sum() / 30)
    return pd.Series(out, dtype=float)


def plan_economics(reach: float, join_rate: float, active_rate: float, convert_rate: float, *,
                   cost_per_reach: float, nurture_cost_per_member_month: float, stay_months: float,
                   offer_cost: float, orders_per_converter: float, aov: float, margin_rate: float,
                   incremental_share: float, months: float) -> pd.Series:
    """The economics of reaching ``reach`` people of a segment over ``months``: 触达 → 入群 → 互动 → 成交.

    joined = reach × join_rate; active = joined × active_rate; converted = active × convert_rate.
    Costs per step: 引流 reach × cost_per_reach; 培育 joined × stay_months × nurture cost per member-month;
    转化 converted × offer_cost. Incremental margin = converted × orders_per_converter × aov ×
    margin_rate × incremental_share (only the share of the converters' orders the group caused).
    net = incremental margin − total cost; roi = incremental margin ÷ total cost; payback_months =
    the up-front cost (引流 + 转化) ÷ (monthly margin − monthly 培育 cost), inf when it never pays back.
    Every identity of the tree (converted = reach × rates, total = sum of steps) holds exactly.
    """
    joined = reach * join_rate
    active = joined * active_rate
    converted = active * convert_rate
    cost_reach = reach * cost_per_reach
    cost_nurture = joined * stay_months * nurture_cost_per_member_month
    cost_convert = converted * offer_cost
    total = cost_reach + cost_nurture + cost_convert
    per_converter = orders_per_converter * aov * margin_rate * incremental_share
    margin = converted * per_converter
    monthly_gain = (margin - cost_nurture) / months if months > 0 else np.nan
    upfront = cost_reach + cost_convert
    payback = upfront / monthly_gain if monthly_gain > 0 else np.inf
    return pd.Series({
        "reach": reach, "joined": joined, "active": active, "converted": converted,
        "join_rate": join_rate, "active_rate": active_rate, "convert_rate": convert_rate,
        "cost_reach": cost_reach, "cost_nurture": cost_nurture, "cost_convert": cost_convert, "total_cost": total,
        "cost_per_join": cost_reach / joined if joined else np.nan,
        "cost_per_active": (cost_reach + cost_nurture) / active if active else np.nan,
        "cost_per_conversion": total / converted if converted else np.nan,
        "margin_per_converter": per_converter, "incremental_margin": margin, "net": margin - total,
        "roi": margin / total if total else np.nan, "payback_months": payback,
    })
