"""The three acquisition strategies (三大拓新策略) measured on data.

- **2B** 跨界合作: :func:`matched_baseline` — incremental users of a co-branding campaign run in
  some regions, against a baseline built from matched untreated regions (each scaled to the
  treated region's pre-campaign level; Abadie's synthetic control with equal weights on the
  best-matching donors). A naive before/after comparison is returned alongside, as the trap.
- **2C** 终端 + 媒体 + 社交: :func:`route_economics` — users, cost per acquired user and early
  retention per acquisition route (channels grouped into routes by a mapping).
- **2b2C** 全员营销: :func:`staff_results`, :func:`staff_concentration` and
  :func:`commission_response` — results per staff member, how concentrated they are, and the
  commission rate that maximises margin, from a constant-elasticity response GMV ∝ rate^ε:
  margin(r) = GMV(r)·(gm − r) is maximal at r* = ε·gm/(1 + ε).

Definitions and tests: ``docs/methods_growth.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize

from opskit import concentration
from opskit.data import engine
from opskit.errors import OpskitError

# --------------------------------------------------------------------------- 2B: matched baseline


@dataclass
class BaselineResult:
    """Incremental outcome of a campaign against a matched baseline."""

    by_unit: pd.DataFrame           # one row per treated unit
    series: pd.DataFrame            # per period: actual and baseline summed over treated units
    incremental: float              # Σ (actual − baseline) over treated units and campaign periods
    std_error: float                # from the pre-period fit residuals, independent periods assumed
    lift: float                     # incremental ÷ baseline over the campaign
    naive_before_after: float       # campaign total − periods × pre-campaign mean (the trap)
    matches: dict = field(default_factory=dict)

    @property
    def ci(self) -> tuple[float, float]:
        return (self.incremental - 1.96 * self.std_error, self.incremental + 1.96 * self.std_error)


def matched_baseline(panel: pd.DataFrame, treated: Sequence, start, end, *, n_matches: int = 3,
                     pre_periods: int | None = None) -> BaselineResult:
    """Incremental outcome of treated units during ``[start, end)`` against matched controls.

    ``panel``: rows are periods (sorted), columns are units (cities, stores), values the outcome
    (new users). For each treated unit, every untreated unit is scaled to the treated unit's mean
    over the pre-period (the ``pre_periods`` periods before ``start``, default all), and the
    ``n_matches`` with the smallest pre-period RMSE form the baseline (their mean). The standard
    error uses the RMSE of the pre-period fit, so a poor match shows as a wide interval.
    """
    panel = panel.sort_index()
    treated = list(treated)
    missing = [u for u in treated if u not in panel.columns]
    controls = [u for u in panel.columns if u not in treated]
    if missing:
        raise OpskitError(f"面板中没有实验单元 {missing}。")
    if len(controls) < n_matches:
        raise OpskitError(f"对照单元只有 {len(controls)} 个，少于匹配所需的 {n_matches} 个：减少 n_matches 或补充对照单元。")
    pre_mask = panel.index < start
    post_mask = (panel.index >= start) & (panel.index < end)
    if pre_periods is not None:
        pre_mask &= panel.index >= panel.index[pre_mask][-pre_periods]
    if pre_mask.sum() < 4 or post_mask.sum() == 0:
        raise OpskitError("匹配基线需要活动前至少 4 期、活动期至少 1 期的数据。")
    pre, post = panel.loc[pre_mask], panel.loc[post_mask]
    rows, matches, baseline_sum = [], {}, pd.Series(0.0, index=panel.index)
    variance = 0.0
    for unit in treated:
        target_pre = pre[unit].astype(float)
        scale = target_pre.mean() / pre[controls].mean().where(lambda v: v > 0)
        scaled_pre = pre[controls] * scale
        rmse = np.sqrt(((scaled_pre.sub(target_pre, axis=0)) ** 2).mean()).dropna()
        best = rmse.sort_values(kind="stable").index[:n_matches]
        baseline = (panel[best] * scale[best]).mean(axis=1)
        resid_sd = float((target_pre - baseline[pre_mask]).std(ddof=1))
        actual, base = post[unit].sum(), baseline[post_mask].sum()
        variance += resid_sd ** 2 * post_mask.sum()
        matches[unit] = list(best)
        baseline_sum += baseline
        rows.append({"unit": unit, "matches": "、".join(map(str, best)),
                     "pre_fit_error": float(rmse[best].mean() / target_pre.mean()),
                     "actual": float(actual), "baseline": float(base), "incremental": float(actual - base),
                     "lift": float(actual / base - 1) if base > 0 else float("nan")})
    by_unit = pd.DataFrame(rows).set_index("unit")
    actual_sum = panel[treated].sum(axis=1)
    incremental = float(by_unit["incremental"].sum())
    naive = float(post[treated].sum().sum() - post_mask.sum() * pre[treated].sum(axis=1).mean())
    series = pd.DataFrame({"actual": actual_sum, "baseline": baseline_sum, "in_campaign": post_mask})
    return BaselineResult(by_unit, series, incremental, float(np.sqrt(variance)),
                          incremental / by_unit["baseline"].sum(), naive, matches)


# --------------------------------------------------------------------------- 2C: routes


def users_by_channel(users: pd.DataFrame) -> pd.Series:
    """Registered users per channel_id (named query ``users_by_channel``)."""
    return engine.run("users_by_channel", users=users[["user_id", "channel_id"]]).set_index("channel_id")["users"]


def spend_by_channel(channel_spend: pd.DataFrame) -> pd.DataFrame:
    """Spend, impressions and clicks per channel_id (named query ``spend_by_channel``)."""
    return engine.run("spend_by_channel", channel_spend=channel_spend).set_index("channel_id")


def route_economics(users: pd.DataFrame, orders: pd.DataFrame, routes: Mapping[str, str],
                    costs: Mapping[str, float], *, as_of=None, start_days: int = 7,
                    end_days: int = 30) -> pd.DataFrame:
    """Users, cost per acquired user and early retention per acquisition route.

    ``routes`` maps channel_id → route (终端 / 媒体 / 社交 …); channels not in it are left out.
    ``costs`` gives each route's acquisition cost over the same period. Retention = share of
    users registered at least ``end_days`` before ``as_of`` (default: the last order) with an order
    in days [start_days, end_days) after registering (named query ``retention_by_channel``).
    """
    as_of = pd.Timestamp(as_of) if as_of is not None else orders["order_time"].max()
    by_channel = engine.run("retention_by_channel",
                            {"as_of": as_of, "start_days": int(start_days), "end_days": int(end_days)},
                            users=users[["user_id", "register_time", "channel_id"]],
                            orders=orders[["user_id", "order_time"]])
    by_channel["route"] = by_channel["channel_id"].map(dict(routes))
    table = (by_channel.dropna(subset=["route"])
             .groupby("route", sort=False)[["users", "full_window", "retained"]].sum())
    table["channels"] = (by_channel.dropna(subset=["route"]).groupby("route", sort=False)["channel_id"]
                         .agg(lambda c: "、".join(sorted(c))))
    table["cost"] = pd.Series(costs, dtype=float).reindex(table.index)
    table["cost_per_user"] = table["cost"] / table["users"].where(table["users"] > 0)
    table["retention_rate"] = table["retained"] / table["full_window"].where(table["full_window"] > 0)
    table["cost_per_retained_user"] = table["cost"] / (table["users"] * table["retention_rate"]).where(
        table["retention_rate"] > 0)
    return table.reindex(list(dict.fromkeys(routes.values()))).dropna(how="all")


# --------------------------------------------------------------------------- 2b2C: all-staff referral


def staff_results(staff_referrals: pd.DataFrame) -> pd.DataFrame:
    """Per staff member: referred users and GMV, commission paid and commission per referred user
    (named query ``staff_totals``)."""
    table = engine.run("staff_totals", staff_referrals=staff_referrals).set_index("staff_id")
    table["commission_per_user"] = table["commission"] / table["referred_users"].where(table["referred_users"] > 0)
    return table


def staff_concentration(results: pd.DataFrame, column: str = "referred_users") -> pd.Series:
    """How concentrated referral results are across staff (docs/methods.md#concentration conventions).

    Gini (n in the denominator, zero-result staff included), the share of the top 20% of staff,
    HHI on shares, its equivalent number of staff 10,000/HHI, and the share of staff with nothing.
    """
    values = results[column].to_numpy(dtype=float)
    if values.sum() <= 0:
        raise OpskitError("所有员工的推广结果都是 0，无法计算集中度。")
    hhi = concentration.hhi(values)
    return pd.Series({"staff": float(len(values)), "gini": concentration.gini(values),
                      "top20_share": concentration.top_share(values, 0.2), "hhi": hhi,
                      "equivalent_staff": 10_000 / hhi, "zero_share": float((values == 0).mean())})


@dataclass
class CommissionResponse:
    arms: pd.DataFrame        # per commission rate: results per staff-month and margin
    elasticity: float         # ε of GMV per staff-month ∝ rate^ε
    elasticity_se: float
    gross_margin: float
    scale: float              # a of the fitted response GMV per staff-month = a·rate^ε

    @property
    def optimal_rate(self) -> float:
        """r* = ε·gm/(1 + ε): the rate maximising GMV(r)·(gm − r) under the fitted response."""
        return self.elasticity * self.gross_margin / (1 + self.elasticity)

    @property
    def best_tested_rate(self) -> float:
        return float(self.arms["margin_per_staff_month"].idxmax())

    def margin_curve(self, rates) -> np.ndarray:
        """Fitted margin per staff-month at each rate: a·r^ε·(gm − r)."""
        r = np.asarray(rates, dtype=float)
        return self.scale * np.power(r, self.elasticity) * (self.gross_margin - r)


def commission_response(staff_referrals: pd.DataFrame, *, gross_margin: float,
                        outcome: str = "referred_gmv") -> CommissionResponse:
    """How referral GMV responds to the commission rate, and the margin-maximising rate.

    Needs staff-months at several commission rates, assigned at random (e.g. each staff member
    drawn to a rate every quarter). Per rate (named query ``commission_arms``): users, GMV and
    margin per staff-month, margin = GMV × gm − commission. The elasticity ε of
    E[GMV of staff i in a month at rate r] = α_i·r^ε is estimated with staff fixed effects by
    Poisson pseudo-maximum likelihood (Hausman, Hall & Griliches 1984): the α_i are profiled out,
    leaving a concave one-parameter likelihood on the staff × rate cells (named query
    ``staff_rate_cells``); the SE is clustered by staff member (sandwich with the G/(G − 1)
    small-sample factor over the G staff with results). Fixed effects remove the huge
    differences in ability between staff, which would otherwise drown the rate effect. The
    optimal rate is r* = ε·gm/(1 + ε).
    """
    arms = engine.run("commission_arms", staff_referrals=staff_referrals).set_index("commission_rate")
    if len(arms) < 2 or (arms.index <= 0).any():
        raise OpskitError("佣金响应需要至少两档大于 0 的佣金比例（最好随机分配给员工）。")
    per = arms["staff_months"]
    arms["users_per_staff_month"] = arms["referred_users"] / per
    arms["gmv_per_staff_month"] = arms["referred_gmv"] / per
    arms["margin_per_staff_month"] = (arms["referred_gmv"] * gross_margin - arms["commission"]) / per
    arms["cost_per_user"] = arms["commission"] / arms["referred_users"].where(arms["referred_users"] > 0)

    cells = engine.run("staff_rate_cells", staff_referrals=staff_referrals)
    staff, _ = pd.factorize(cells["staff_id"])
    x = np.log(cells["commission_rate"].to_numpy(dtype=float))
    months = cells["staff_months"].to_numpy(dtype=float)
    y = cells[outcome].to_numpy(dtype=float)
    totals = np.bincount(staff, y)
    n_staff = len(totals)

    def weighted_x(eps):  # per staff: mean of log rate weighted by months × r^ε, and its variance
        w = months * np.exp(eps * (x - x.max()))
        sw = np.bincount(staff, w, n_staff)
        mean = np.bincount(staff, w * x, n_staff) / sw
        return mean, np.bincount(staff, w * x * x, n_staff) / sw - mean ** 2

    def score(eps):
        return float(np.sum(y * x) - np.sum(totals * weighted_x(eps)[0]))

    if np.sum(totals * weighted_x(0.0)[1]) <= 0:
        raise OpskitError("每位员工都只用过一档佣金比例（或没有成交），无法在员工内部比较：请轮换佣金比例。")
    eps = float(optimize.brentq(score, -10, 10, xtol=1e-12))
    mean_x, var_x = weighted_x(eps)
    information = float(np.sum(totals * var_x))
    u = np.bincount(staff, y * x, n_staff) - totals * mean_x
    clusters = int((totals > 0).sum())  # staff without results add nothing to the likelihood
    se = float(np.sqrt(np.sum(u ** 2) * clusters / max(clusters - 1, 1)) / information)
    scale = float(arms["referred_gmv"].sum() / np.sum(per * np.power(arms.index.to_numpy(dtype=float), eps)))
    return CommissionResponse(arms, eps, se, gross_margin, scale)
