"""Channel evaluation: the metric hierarchy, unit economics (CAC, LTV, payback, ROAS/ROI) and the
channel value matrix.

Definitions follow ``docs/methods.md#channel-economics``:

- CAC = acquisition spend / new customers. *Paid* CAC divides a paid channel's spend by that
  channel's users only; *blended* CAC divides all spend by all new users, organic included, and is
  always lower. Never report blended CAC as the cost of a paid channel.
- LTV is gross-margin based: revenue × gross margin, not revenue.
- CAC payback = CAC / (monthly ARPA × GM%).
- ROAS = attributable revenue / spend; ROI = (revenue × GM% − spend) / spend; break-even ROAS = 1/GM%.
  In Chinese platform dashboards (直通车/千川/直播) "ROI/投产比" usually means GMV/花费, i.e. ROAS.

Aggregations over the raw tables (users, orders, installs) are the named queries ``users_by_channel``,
``retention_by_channel`` and ``channel_revenue_days``; the closed forms work on scalars or arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.data import engine
from opskit.periods import check_period, period_start

DAY = pd.Timedelta(days=1)

# --------------------------------------------------------------------------- closed forms


def cac(spend, new_customers):
    """Customer acquisition cost = spend / new customers (100,000 / 500 = 200)."""
    return np.divide(spend, new_customers)


def payback_months(cac_value, monthly_arpa, gross_margin):
    """CAC payback in months = CAC / (monthly ARPA × GM%) (200 / (50 × 0.8) = 5).

    Skok's SaaS rule of thumb: under 12 months.
    """
    return np.divide(cac_value, np.multiply(monthly_arpa, gross_margin))


def ltv_subscription(monthly_arpa, gross_margin, monthly_churn):
    """Margin-based LTV of a subscription = ARPA × GM% / monthly churn (50 × 0.8 / 0.05 = 800)."""
    return np.divide(np.multiply(monthly_arpa, gross_margin), monthly_churn)


def roas(revenue, spend):
    """Return on ad spend = attributable revenue / spend. This is what 千川/直通车 call "ROI"."""
    return np.divide(revenue, spend)


def roi(revenue, spend, gross_margin):
    """ROI = (revenue × GM% − spend) / spend: profit per yuan spent, the true ROI."""
    return np.divide(np.multiply(revenue, gross_margin) - spend, spend)


def break_even_roas(gross_margin):
    """The ROAS at which ROI is zero: 1 / GM% (GM 40% → 2.5)."""
    return np.divide(1.0, gross_margin)


# --------------------------------------------------------------------------- aggregations


def _rows_by_channel(table) -> pd.Series:
    """Rows per channel_id (registered users, installs), named query ``users_by_channel``."""
    counts = engine.run("users_by_channel", users=engine.renamed(table, channel_id="channel_id"))
    return counts.dropna(subset=["channel_id"]).set_index("channel_id")["users"]


def _ordered_within(users, orders, as_of, start_days, end_days) -> pd.DataFrame:
    """Per channel: users registered ``end_days`` before ``as_of`` (full_window) and those who ordered
    in days [start_days, end_days) after registering (retained); named query ``retention_by_channel``."""
    table = engine.run("retention_by_channel",
                       {"as_of": as_of, "start_days": int(start_days), "end_days": int(end_days)},
                       users=engine.renamed(users, user_id="user_id", register_time="register_time",
                                            channel_id="channel_id"),
                       orders=engine.renamed(orders, user_id="user_id", order_time="order_time"))
    return table.dropna(subset=["channel_id"]).set_index("channel_id")


def _rate(table: pd.DataFrame) -> pd.Series:
    return table["retained"] / table["full_window"].where(table["full_window"] > 0)


def channel_funnel(channel_spend: pd.DataFrame, installs: pd.DataFrame | None, users: pd.DataFrame,
                   orders: pd.DataFrame, *, first_order_days: int = 14, retention_day: int = 30,
                   retention_window: int = 30, as_of=None) -> pd.DataFrame:
    """The channel metric hierarchy, one row per channel.

    spend → impressions → clicks → installs → registrations → first order (within
    ``first_order_days`` of registering) → retained (an order with age in
    [``retention_day``, ``retention_day + retention_window``) days). Users are counted by their
    acquisition channel; first-order and retention rates use only users registered early enough to
    have the full window before ``as_of`` (default: last order time), so young cohorts do not
    drag them down. Channels without spend or installs (organic, referral…) get NaN there.
    Ratios: CTR = clicks/impressions, CVR = installs/clicks, CPI = spend/installs,
    reg_rate = registrations/installs, cpa_register = spend/registrations.
    """
    as_of = orders["order_time"].max() if as_of is None else pd.Timestamp(as_of)
    spend = channel_spend.groupby("channel_id")[["spend", "impressions", "clicks"]].sum()  # small: days x channels
    registrations = _rows_by_channel(users)
    out = spend.reindex(spend.index.union(registrations.index))
    if installs is not None:
        out["installs"] = _rows_by_channel(installs)
    out["registrations"] = registrations
    out["first_order_rate"] = _rate(_ordered_within(users, orders, as_of, 0, first_order_days))
    out["retention_rate"] = _rate(_ordered_within(users, orders, as_of, retention_day,
                                                  retention_day + retention_window))
    out["first_orders"] = out["registrations"] * out["first_order_rate"]
    out["retained"] = out["registrations"] * out["retention_rate"]
    out["ctr"] = out["clicks"] / out["impressions"]
    if "installs" in out:
        out["cvr"] = out["installs"] / out["clicks"]
        out["cpi"] = out["spend"] / out["installs"]
        out["reg_rate"] = out["registrations"] / out["installs"]
    out["cpa_register"] = out["spend"] / out["registrations"]
    out["cost_per_retained"] = out["spend"] / out["retained"]
    out.index.name = "channel_id"
    return out.sort_values("registrations", ascending=False)


def weekly_monitor(channel_spend: pd.DataFrame, users: pd.DataFrame, *, period: str = "week",
                   window: int = 8, z: float = 3.0) -> pd.DataFrame:
    """Monitoring view: per channel and ``period`` (default weeks starting Monday), spend,
    registrations and cost per registration, each with a deviation flag.

    A period is flagged when its cost per registration is more than ``z`` robust standard
    deviations (1.4826 × MAD of the previous ``window`` periods) away from the median of those
    periods (the scale is floored at 5% of that median, so a perfectly steady series still flags a
    jump); the first ``window`` periods of a channel are never flagged. Column ``period`` holds the
    first day of each period. ``channel_spend`` and ``users`` may be frames, Spark DataFrames or
    Parquet/CSV paths.
    """
    if isinstance(channel_spend, pd.DataFrame):  # days x channels, small: summed as it always was
        sp = channel_spend.groupby(["channel_id", period_start(channel_spend["date"], period).rename("period")])[
            "spend"].sum().rename("spend")
    else:  # a Spark DataFrame or a file: summed where it lives (exactly, so equal up to float rounding)
        sp = engine.run("channel_spend_periods", {"period": check_period(period)},
                        channel_spend=engine.renamed(channel_spend, channel_id="channel_id", date="date", spend="spend"))
        sp = sp.dropna(subset=["channel_id", "period"]).astype({"period": "datetime64[us]"}).set_index(
            ["channel_id", "period"])["spend"]
    reg = engine.run("channel_signups", {"period": check_period(period)},
                     users=engine.renamed(users, channel_id="channel_id", register_time="register_time"))
    reg = reg.dropna(subset=["channel_id"]).astype({"period": "datetime64[us]"}).set_index(
        ["channel_id", "period"])["registrations"]
    out = pd.concat([sp, reg.rename("registrations")], axis=1).fillna({"registrations": 0}).reset_index()
    out = out.sort_values(["channel_id", "period"])
    out["cost_per_reg"] = out["spend"] / out["registrations"].replace(0, np.nan)
    g = out.groupby("channel_id")["cost_per_reg"]
    med = g.transform(lambda s: s.shift(1).rolling(window, min_periods=window).median())
    mad = g.transform(lambda s: (s - s.rolling(window, min_periods=window).median())
                      .abs().shift(1).rolling(window, min_periods=window).median())
    out["baseline"] = med
    scale = np.maximum(1.4826 * mad, 0.05 * med.abs())
    out["robust_z"] = (out["cost_per_reg"] - med) / scale.replace(0, np.nan)
    out["flag"] = out["robust_z"].abs() > z
    return out.reset_index(drop=True)


def channel_economics(users: pd.DataFrame, orders: pd.DataFrame, channel_spend: pd.DataFrame, *,
                      channels: pd.DataFrame | None = None, horizon_days: int = 90,
                      gross_margin: float = 0.3, retention_day: int = 30,
                      retention_window: int = 30, as_of=None) -> pd.DataFrame:
    """Unit economics per channel on the cohort of users with a full ``horizon_days`` window.

    The cohort is every user registered on or before ``as_of − horizon_days`` (``as_of`` defaults
    to the last order time); spend is the channel's spend over the same registration dates, so
    CAC and LTV describe the same users. Columns:

    - ``users``, ``spend``; ``cac`` = spend / users (paid CAC: the channel's own users only);
    - ``revenue_n`` = revenue per user in the first N days; ``ltv_n`` = revenue_n × gross margin;
    - ``ltv_cac`` = ltv_n / cac; ``roas`` = revenue_n / cac; ``roi`` = (ltv_n − cac) / cac;
    - ``payback_days``: first day d ≤ N at which cumulative margin per user reaches CAC (NaN if
      not within N days);
    - ``retention_rate`` as in :func:`channel_funnel`.

    The total row ``全部付费`` pools paid channels; ``blended_cac`` (attribute ``df.attrs``) divides
    all spend by all new users in the cohort, organic included.
    """
    as_of = orders["order_time"].max() if as_of is None else pd.Timestamp(as_of)
    cutoff = as_of - horizon_days * DAY
    cohort = users.loc[users["register_time"] <= cutoff, ["user_id", "channel_id", "register_time"]]
    start = cohort["register_time"].min().normalize()
    revenue = engine.run("channel_revenue_days", {"horizon_days": int(horizon_days)}, users=cohort,
                         orders=engine.renamed(orders, user_id="user_id", order_time="order_time", amount="amount"))
    revenue = revenue.dropna(subset=["channel_id"])
    n_users = _rows_by_channel(cohort).rename("users")
    in_window = channel_spend["date"].between(start, cutoff)
    spend = channel_spend.loc[in_window].groupby("channel_id")["spend"].sum()
    out = n_users.to_frame().join(spend).fillna({"spend": 0.0})
    out["revenue_n"] = (revenue.groupby("channel_id")["amount"].sum().reindex(out.index, fill_value=0)
                        / out["users"])
    out["ltv_n"] = out["revenue_n"] * gross_margin
    paid = out["spend"] > 0
    if channels is not None:
        paid = out.index.isin(channels.loc[channels["is_paid"], "channel_id"])
    out["paid"] = paid
    out["cac"] = np.where(out["paid"], out["spend"] / out["users"], np.nan)
    out["ltv_cac"] = out["ltv_n"] / out["cac"]
    out["roas"] = out["revenue_n"] / out["cac"]
    out["roi"] = (out["ltv_n"] - out["cac"]) / out["cac"]
    # payback: cumulative margin per user by day of age
    daily = (revenue.pivot_table(index="channel_id", columns="day", values="amount", aggfunc="sum", fill_value=0.0)
             .reindex(columns=range(horizon_days), fill_value=0.0).reindex(out.index, fill_value=0.0))
    cum = daily.cumsum(axis=1).div(out["users"], axis=0) * gross_margin
    reached = cum.ge(out["cac"].fillna(np.inf), axis=0)
    out["payback_days"] = np.where(reached.any(axis=1), reached.to_numpy().argmax(axis=1) + 1, np.nan)
    out["retention_rate"] = _rate(_ordered_within(cohort, orders, as_of, retention_day,
                                                  retention_day + retention_window))
    total = out.loc[out["paid"]]
    pooled = pd.Series({"users": total["users"].sum(), "spend": total["spend"].sum(), "paid": True})
    pooled["revenue_n"] = (total["revenue_n"] * total["users"]).sum() / pooled["users"]
    pooled["ltv_n"] = pooled["revenue_n"] * gross_margin
    pooled["cac"] = pooled["spend"] / pooled["users"]
    pooled["ltv_cac"] = pooled["ltv_n"] / pooled["cac"]
    pooled["roas"] = pooled["revenue_n"] / pooled["cac"]
    pooled["roi"] = (pooled["ltv_n"] - pooled["cac"]) / pooled["cac"]
    pooled["retention_rate"] = (total["retention_rate"] * total["users"]).sum() / pooled["users"]
    out = out.sort_values("ltv_cac", ascending=False)
    out.attrs.update(blended_cac=float(out["spend"].sum() / out["users"].sum()),
                     paid_cac=float(pooled["cac"]), horizon_days=horizon_days,
                     gross_margin=gross_margin, cohort_end=cutoff, paid_pooled=pooled)
    out.index.name = "channel_id"
    return out


QUADRANT_ACTIONS = {
    "明星渠道": "加预算：回本快、用户留得住，逐步放量并盯住边际 CAC",
    "潜力渠道": "优化成本：用户质量好但太贵，压价、换素材或改出价方式",
    "收割渠道": "控量核查：便宜但留不住人，核查作弊与人群，只保留有效部分",
    "问题渠道": "止损：又贵又留不住，停投或小预算测试后再决定",
}


def value_matrix(econ: pd.DataFrame, *, x: str = "ltv_cac", y: str = "retention_rate",
                 x_cut: float | None = None, y_cut: float | None = None) -> pd.DataFrame:
    """The channel value matrix (渠道价值评估矩阵): economics on one axis, user quality on the other.

    Paid channels are placed by ``x`` (default LTV/CAC at day N) and ``y`` (default retention).
    Each cut defaults to the value of the **paid programme as a whole** (``econ.attrs["paid_pooled"]``
    from :func:`channel_economics`, else the user-weighted mean of the paid channels): a channel right
    of the cut lifts the programme's LTV/CAC, a channel above it lifts its retention, so moving budget
    towards the 明星 quadrant always improves the programme's own economics. A median split would not:
    with five channels it labels two of them low whatever their numbers, and can call the channel
    with the lowest cost per retained user a 收割渠道. Pass ``x_cut=3`` for Skok's absolute LTV/CAC ≥ 3
    rule when LTV covers the customer's whole life. Ties: a value equal to the cut counts as high.
    Quadrants and actions are in :data:`QUADRANT_ACTIONS`: high/high 明星渠道, low x/high y 潜力渠道,
    high x/low y 收割渠道, low/low 问题渠道.
    """
    paid = econ.loc[econ["paid"].astype(bool)].copy() if "paid" in econ else econ.copy()
    pooled = econ.attrs.get("paid_pooled")
    weights = paid["users"] if "users" in paid else pd.Series(1.0, index=paid.index)

    def programme(col):
        if pooled is not None and col in pooled and pd.notna(pooled[col]):
            return float(pooled[col])
        ok = paid[col].notna()
        return float(np.average(paid.loc[ok, col], weights=weights[ok]))

    x_cut = programme(x) if x_cut is None else float(x_cut)
    y_cut = programme(y) if y_cut is None else float(y_cut)
    hi_x, hi_y = paid[x] >= x_cut, paid[y] >= y_cut
    paid["quadrant"] = np.select([hi_x & hi_y, ~hi_x & hi_y, hi_x & ~hi_y], list(QUADRANT_ACTIONS)[:3],
                                 default="问题渠道")
    paid["action"] = paid["quadrant"].map(QUADRANT_ACTIONS)
    paid.attrs.update(x=x, y=y, x_cut=x_cut, y_cut=y_cut)
    return paid[[x, y, "quadrant", "action"]]
