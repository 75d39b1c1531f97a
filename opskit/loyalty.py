"""Member tiers, growth value and the economics of member benefits (``docs/methods.md#loyalty``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.data import engine

__all__ = ["growth_value", "tier_thresholds", "assign_tiers", "tier_economics",
           "xp_to_reach", "level_from_xp", "poly_xp", "poly_level", "design_geometric_curve",
           "design_poly_curve", "simulate_levels", "level_economics", "benefit_queue",
           "tier_retention", "benefit_uplift", "allocate_to_points", "points_liability", "points_flows", "breakage_estimate",
           "liability_schedule"]


def growth_value(orders: pd.DataFrame, *, as_of, window_days: int = 365, per_yuan: float = 1.0,
                 tasks: pd.DataFrame | None = None) -> pd.Series:
    """成长值 per user: ``per_yuan`` per yuan paid in the ``window_days`` before ``as_of`` (trailing,
    so tiers do not inflate with all-time spend), plus task rewards (``tasks``: user_id, time,
    points) in the same window. Indexed by user_id, users with a value > 0 only."""
    as_of = pd.Timestamp(as_of)
    window = {"start": as_of - pd.Timedelta(days=window_days), "end": as_of}
    spend = engine.run("window_totals", window,
                       items=engine.renamed(orders, user_id="user_id", time="order_time", value="amount"))
    value = pd.Series(spend["total"].to_numpy() * per_yuan, index=pd.Index(spend["user_id"], name="user_id"))
    if tasks is not None:
        points = engine.run("window_totals", window,
                            items=engine.renamed(tasks, user_id="user_id", time="time", value="points"))
        value = value.add(pd.Series(points["total"].to_numpy(), index=pd.Index(points["user_id"], name="user_id")),
                          fill_value=0)
    return value[value > 0].rename("growth_value")


def tier_thresholds(values: pd.Series, quantiles=(0.5, 0.8, 0.95)) -> np.ndarray:
    """Thresholds at quantiles of the value distribution (P50/P80/P95 → tier mix 50/30/15/5%),
    preceded by 0; non-decreasing."""
    q = np.quantile(np.asarray(values, dtype=float), quantiles)
    return np.maximum.accumulate(np.concatenate([[0.0], q]))


def assign_tiers(values: pd.Series, thresholds, names) -> pd.Series:
    """Tier of each value: the highest tier whose threshold is ≤ the value (ordered categorical)."""
    thresholds = np.asarray(thresholds, dtype=float)
    if len(thresholds) != len(names) or np.any(np.diff(thresholds) < 0):
        raise ValueError("need one non-decreasing threshold per tier name")
    idx = np.searchsorted(thresholds, np.asarray(values, dtype=float), side="right") - 1
    idx = np.clip(idx, 0, len(names) - 1)
    cat = pd.Categorical.from_codes(idx, categories=list(names), ordered=True)
    return pd.Series(cat, index=values.index, name="tier")


def tier_economics(spend: pd.Series, tiers: pd.Series, benefit_cost_rate: dict,
                   margin: float, retention_uplift: dict) -> pd.DataFrame:
    """Per tier: ``members``, ``member_spend``, ``benefit_cost`` (spend × cost rate) and ``retained_margin``,
    the margin kept by the retention the benefits are assumed to add (spend × margin × uplift), with
    their ``return_ratio``. Indexed by ``tier``.

    ``retention_uplift`` is an assumption (e.g. from a holdout test) of the extra share of the
    tier's spend that stays because of the benefits; ratio > 1 means the benefits pay for
    themselves.
    """
    frame = pd.DataFrame({"tier": tiers, "spend": spend})
    out = frame.groupby("tier", observed=False)["spend"].agg(members="size", member_spend="sum")
    rate = out.index.map(lambda t: benefit_cost_rate.get(t, 0.0)).astype(float)
    uplift = out.index.map(lambda t: retention_uplift.get(t, 0.0)).astype(float)
    out["benefit_cost"] = out["member_spend"] * rate
    out["retained_margin"] = out["member_spend"] * margin * uplift
    out["return_ratio"] = out["retained_margin"] / out["benefit_cost"].replace(0, np.nan)
    out.index.name = "tier"
    return out


def tier_retention(orders: pd.DataFrame, thresholds, names, *, as_of, horizon_days: int = 90,
                   window_days: int = 365, tasks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Measured retention and spend of each tier over the last ``horizon_days`` before ``as_of``.

    Members are placed in tiers by their growth value at the snapshot ``as_of − horizon_days``
    (the same rule and ``window_days`` as :func:`growth_value`); per tier: ``members``,
    ``retention_rate`` (share who ordered in ``[snapshot, as_of)``) and ``spend_per_member`` in
    that window. Indexed by ``tier``. The gaps between tiers are observational: richer tiers would
    retain better without benefits too, so only a holdout test measures what the benefits add.
    """
    as_of = pd.Timestamp(as_of)
    snapshot = as_of - pd.Timedelta(days=horizon_days)
    value = growth_value(orders, as_of=snapshot, window_days=window_days, tasks=tasks)
    tiers = assign_tiers(value, thresholds, names)
    later = orders[(orders["order_time"] >= snapshot) & (orders["order_time"] < as_of)]
    spend = later.groupby("user_id")["amount"].sum().reindex(value.index, fill_value=0.0)
    frame = pd.DataFrame({"tier": tiers, "retained": spend > 0, "spend": spend})
    out = frame.groupby("tier", observed=False).agg(members=("retained", "size"),
                                                     retention_rate=("retained", "mean"),
                                                     spend_per_member=("spend", "mean"))
    out.index.name = "tier"
    out.attrs.update(snapshot=snapshot, horizon_days=horizon_days)
    return out


def benefit_uplift(retention: pd.DataFrame, attributable_share: float) -> dict:
    """Retention the benefits are credited with, per tier: ``attributable_share`` × the tier's
    measured retention gap over the base (first) tier, floored at 0. ``attributable_share`` is the
    one assumption observational data cannot measure (a holdout test can)."""
    rates = retention["retention_rate"].astype(float)
    base = rates.iloc[0]
    gap = (rates - base).clip(lower=0).fillna(0.0)
    return {tier: float(attributable_share * g) for tier, g in gap.items()}


def xp_to_reach(level, base: float = 100.0, growth: float = 1.5):
    """Cumulative XP to reach ``level`` with geometric per-level cost base·g^(k−1):
    base·(g^(L−1) − 1)/(g − 1) (level 1 needs 0)."""
    level = np.asarray(level, dtype=float)
    return base * (growth ** (level - 1) - 1) / (growth - 1)


def level_from_xp(xp, base: float = 100.0, growth: float = 1.5):
    """Inverse of :func:`xp_to_reach`: the highest level whose cumulative XP is ≤ xp (a float
    estimate corrected by an exact comparison, so level_from_xp(xp_to_reach(L)) = L)."""
    xp = np.asarray(xp, dtype=float)
    guess = 1 + np.floor(np.log1p(xp * (growth - 1) / base) / np.log(growth))
    guess = np.where(xp_to_reach(guess + 1, base, growth) <= xp * (1 + 1e-12), guess + 1, guess)
    guess = np.where(xp_to_reach(guess, base, growth) > xp * (1 + 1e-12), guess - 1, guess)
    return guess.astype(int)


# --- Level curves: polynomial (Pokémon "Medium Fast" L³ and its relatives) ---------------------

def poly_xp(level, coef: float = 1.0, power: float = 3.0):
    """Cumulative XP (成长值) to reach ``level`` on a polynomial curve: coef·L^power.

    Pokémon's growth groups are such curves: Medium Fast L³ (1,000,000 at level 100), Fast 4L³/5,
    Slow 5L³/4 (Bulbapedia "Experience"; docs/methods.md#loyalty-additions).
    """
    return coef * np.asarray(level, dtype=float) ** power


def poly_level(xp, coef: float = 1.0, power: float = 3.0):
    """Inverse of :func:`poly_xp`: the highest level L ≥ 1 with coef·L^power ≤ xp.

    The float root is corrected by exact comparisons with :func:`poly_xp`, so
    ``poly_level(poly_xp(L)) == L`` holds without floating-point floor errors.
    """
    xp = np.asarray(xp, dtype=float)
    guess = np.floor((np.maximum(xp, 0) / coef) ** (1 / power))
    guess = np.where(poly_xp(guess + 1, coef, power) <= xp * (1 + 1e-12), guess + 1, guess)
    guess = np.where(poly_xp(guess, coef, power) > xp * (1 + 1e-12), guess - 1, guess)
    return np.maximum(guess, 1).astype(int)


def design_geometric_curve(first_xp: float, top_xp: float, levels: int) -> dict:
    """Geometric curve (:func:`xp_to_reach`) with level 2 at ``first_xp`` and level ``levels`` at ``top_xp``.

    base = first_xp; the growth factor g solves base·(g^(levels−1) − 1)/(g − 1) = top_xp (brentq),
    so the per-level cost grows by a constant factor. Needs top_xp > (levels − 1)·first_xp
    (otherwise the costs would have to shrink).
    """
    from scipy.optimize import brentq

    if levels < 3 or top_xp <= (levels - 1) * first_xp:
        raise ValueError("need levels >= 3 and top_xp > (levels - 1) * first_xp")
    g = brentq(lambda g: xp_to_reach(levels, first_xp, g) - top_xp, 1 + 1e-9, 100.0, xtol=1e-12)
    return {"kind": "geometric", "base": float(first_xp), "growth": float(g), "levels": int(levels)}


def design_poly_curve(first_xp: float, top_xp: float, levels: int) -> dict:
    """Polynomial curve coef·L^p through (2, first_xp) and (levels, top_xp), in closed form:
    p = ln(top_xp/first_xp)/ln(levels/2), coef = first_xp/2^p."""
    if levels < 3 or top_xp <= first_xp:
        raise ValueError("need levels >= 3 and top_xp > first_xp")
    power = np.log(top_xp / first_xp) / np.log(levels / 2)
    return {"kind": "poly", "coef": float(first_xp / 2 ** power), "power": float(power), "levels": int(levels)}


def curve_xp(curve: dict, level):
    """Cumulative XP to reach ``level`` on a curve made by the ``design_*_curve`` functions."""
    if curve["kind"] == "geometric":
        return xp_to_reach(level, curve["base"], curve["growth"])
    return np.where(np.asarray(level) <= 1, 0.0, poly_xp(level, curve["coef"], curve["power"]))


def curve_level(curve: dict, xp):
    """Level reached with ``xp`` on a designed curve, capped at the curve's top level."""
    if curve["kind"] == "geometric":
        level = level_from_xp(xp, curve["base"], curve["growth"])
    else:
        level = poly_level(xp, curve["coef"], curve["power"])
    return np.minimum(level, curve["levels"])


# --- Growth value over time: accrual, expiry, downgrade and 保级 ----------------------------------

def simulate_levels(monthly: pd.DataFrame, thresholds, rule: str = "rolling", window: int = 12,
                    keep_share: float = 0.5) -> pd.DataFrame:
    """Level of each member at the end of each month under a growth-value rule.

    ``monthly``: members × months of growth value earned (columns in time order). ``thresholds``:
    growth value needed for each level (first = 0). Rules:

    * ``"cumulative"``: growth value never expires (levels only go up: tier inflation);
    * ``"rolling"``: only the last ``window`` months count (expiry), so levels can fall at once;
    * ``"keep"`` (保级): like rolling, but a member keeps a level while the rolling value stays at
      least ``keep_share`` × its threshold, and then drops one level per month until it holds.

    Returns the level index (0 = first level) with the same shape as ``monthly``.
    """
    values = monthly.to_numpy(dtype=float)
    th = np.asarray(thresholds, dtype=float)
    cum = np.cumsum(values, axis=1)
    if rule == "cumulative":
        level = np.searchsorted(th, cum, side="right") - 1
    else:
        rolling = cum - np.concatenate([np.zeros((len(values), window)), cum[:, :-window]], axis=1)[:, :cum.shape[1]]
        earned = np.searchsorted(th, rolling, side="right") - 1
        if rule == "rolling":
            level = earned
        elif rule == "keep":
            level = np.empty_like(earned)
            current = np.zeros(len(values), dtype=int)
            for m in range(values.shape[1]):  # months, not members: the state moves month by month
                held = rolling[:, m] >= keep_share * th[current]
                current = np.where(earned[:, m] >= current, earned[:, m],
                                   np.where(held, current, np.maximum(current - 1, earned[:, m])))
                level[:, m] = current
        else:
            raise ValueError("rule must be 'cumulative', 'rolling' or 'keep'")
    return pd.DataFrame(np.clip(level, 0, len(th) - 1), index=monthly.index, columns=monthly.columns)


def level_economics(level: pd.Series, margin: pd.Series, benefit_cost: dict) -> pd.DataFrame:
    """Per level: members, gross margin they bring and the cost of the level's benefits.

    ``benefit_cost``: cost per member per year of each level's benefits (yuan). Columns: members,
    margin, margin_per_member, benefit_cost, cost_to_margin (cost ÷ margin: above 1 the benefits
    cost more than the members earn).
    """
    frame = pd.DataFrame({"level": level, "margin": margin.reindex(level.index).fillna(0.0)})
    out = frame.groupby("level", sort=True)["margin"].agg(members="size", margin="sum")
    out["margin_per_member"] = out["margin"] / out["members"]
    out["benefit_cost"] = out.index.map(lambda lv: benefit_cost.get(lv, 0.0)).astype(float) * out["members"]
    out["cost_to_margin"] = out["benefit_cost"] / out["margin"].where(out["margin"] > 0)
    return out


def benefit_queue(demand, capacity: float) -> pd.DataFrame:
    """Queue for a scarce benefit (排队效应): backlog and expected wait, period by period.

    backlog_t = max(0, backlog_{t−1} + demand_t − capacity); served_t = min(capacity, backlog_{t−1} +
    demand_t); wait_t ≈ backlog_t / capacity periods (Little's law with a steady service rate).
    """
    demand = np.asarray(demand, dtype=float)
    backlog = np.zeros(len(demand))
    served = np.zeros(len(demand))
    carry = 0.0
    for t, d in enumerate(demand):  # periods: a handful, the recursion needs the previous backlog
        queue = carry + d
        served[t] = min(capacity, queue)
        carry = queue - served[t]
        backlog[t] = carry
    return pd.DataFrame({"demand": demand, "served": served, "backlog": backlog,
                         "wait_periods": backlog / capacity if capacity > 0 else np.inf})


# --- Points as a currency: IFRS 15 material right and breakage ---------------------------------

def allocate_to_points(sales: float, points: float, point_value: float, redemption_rate: float) -> float:
    """Transaction price allocated to points by relative stand-alone selling price (IFRS 15.74).

    SSP(points) = points × point_value × expected redemption rate; the allocation is
    sales × SSP / (sales + SSP). IE267: 100,000 of sales and 10,000 points at 97% give 8,842.30
    unrounded (the standard rounds the ratio to 91/9 and allocates 9,000).
    """
    ssp = points * point_value * redemption_rate
    return sales * ssp / (sales + ssp)


def points_liability(allocated, redeemed, expected_redemptions) -> pd.DataFrame:
    """Revenue and contract liability of a points programme, period by period (IFRS 15 B39–B43).

    ``allocated``: amount allocated to the points issued in each period (a scalar: one issue in the
    first period); ``redeemed``: points redeemed in each period; ``expected_redemptions``: the
    estimate, at each period end, of all points that will ever be redeemed out of those issued so far.

    Cumulative revenue = allocated so far × cumulative redeemed / expected total; each period's
    revenue is the change, so a new estimate is a **cumulative catch-up**: with u_t = allocated so
    far / expected total (the value of one point expected to be redeemed), revenue_t = u_t·redeemed_t
    + (u_t − u_{t−1})·redeemed before t, and ``catch_up`` is that second term. IFRS 15 IE267–IE270:
    9,000 allocated, 4,500 redeemed of 9,700 expected → 4,175; then 8,500 of 9,900 → 3,552
    (of which −84 catch-up); with 9,200 instead → 4,140. Breakage is recognised in proportion to
    redemptions, never up front.
    """
    redeemed = np.asarray(redeemed, dtype=float)
    expected = np.asarray(expected_redemptions, dtype=float)
    if np.ndim(allocated) == 0:
        allocated = np.r_[float(allocated), np.zeros(len(redeemed) - 1)]
    allocated = np.asarray(allocated, dtype=float)
    if not (len(allocated) == len(redeemed) == len(expected)):
        raise ValueError("allocated, redeemed and expected_redemptions need one value per period")
    cum_alloc = np.cumsum(allocated)
    cum_red = np.cumsum(redeemed)
    if np.any(expected < cum_red - 1e-9) or np.any(expected <= 0):
        raise ValueError("the expected redemptions must be positive and at least the points already redeemed")
    cum_rev = cum_alloc * cum_red / expected
    revenue = np.diff(np.r_[0.0, cum_rev])
    # Value per point expected to be redeemed; its change re-measures the earlier redemptions.
    unit = cum_alloc / expected
    prev_unit = np.r_[unit[0], unit[:-1]]
    prev_red = np.r_[0.0, cum_red[:-1]]
    catch_up = (unit - prev_unit) * prev_red
    return pd.DataFrame({
        "allocated": allocated, "redeemed": redeemed, "cumulative_redeemed": cum_red,
        "expected_redemptions": expected, "redemption_share": cum_red / expected,
        "revenue": revenue, "catch_up": catch_up, "cumulative_revenue": cum_rev,
        "liability": cum_alloc - cum_rev,
    })


def points_flows(ledger: pd.DataFrame, period: str = "quarter") -> pd.DataFrame:
    """Points issued, redeemed and expired per period from a points ledger (named query ``points_flows``).

    ``ledger``: user_id, time, points (+ earned, − redeemed or expired), reason
    (order/task/redeem/expire). Columns: period, issued, redeemed, expired (all ≥ 0).
    """
    from opskit.data import engine

    return engine.run("points_flows", {"period": period}, ledger=ledger[["time", "points", "reason"]])


def breakage_estimate(ledger: pd.DataFrame, *, as_of, expiry_days: int = 365) -> dict:
    """Breakage of the points that have matured by ``as_of`` (named query ``points_matured``).

    Points earned before ``as_of − expiry_days`` are settled by ``as_of``: redeemed or expired.
    Breakage = expired / earned among them; the expected redemption rate is 1 − breakage.
    Returns earned, expired, breakage (NaN when nothing has matured yet).
    """
    from opskit.data import engine

    row = engine.run("points_matured", {"as_of": pd.Timestamp(as_of), "expiry_days": int(expiry_days)},
                     ledger=ledger[["time", "points", "reason"]]).iloc[0]
    earned, expired = float(row["earned"] or 0), float(row["expired"] or 0)
    return {"earned": earned, "expired": expired, "breakage": expired / earned if earned > 0 else float("nan")}


def liability_schedule(ledger: pd.DataFrame, period_ends, *, point_value: float, sales: pd.Series,
                       initial_redemption_rate: float, expiry_days: int = 365) -> pd.DataFrame:
    """The IFRS 15 schedule of a real ledger, one row per period ending at each of ``period_ends``.

    Each period: points issued and redeemed (from the ledger), the redemption-rate estimate from the
    points matured by the period end (:func:`breakage_estimate`; ``initial_redemption_rate`` until
    some have matured), the amount allocated to the period's points (:func:`allocate_to_points`
    with that period's ``sales``, a Series indexed like ``period_ends``), then
    :func:`points_liability` with the estimate applied to all points issued so far.
    """
    ends = pd.DatetimeIndex(period_ends)
    starts = [pd.Timestamp("1900-01-01")] + list(ends[:-1])
    rows = []
    for start, end in zip(starts, ends):  # a few periods; each reads the (small) aggregated ledger
        window = ledger[(ledger["time"] >= start) & (ledger["time"] < end)]
        issued = float(window.loc[window["points"] > 0, "points"].sum())
        redeemed = float(-window.loc[window["reason"] == "redeem", "points"].sum())
        matured = breakage_estimate(ledger, as_of=end, expiry_days=expiry_days)
        rate = initial_redemption_rate if np.isnan(matured["breakage"]) else 1 - matured["breakage"]
        rows.append({"period_end": end, "issued": issued, "redeemed": redeemed, "redemption_rate": rate,
                     "matured_points": matured["earned"]})
    frame = pd.DataFrame(rows)
    frame["sales"] = np.asarray(sales, dtype=float)
    frame["allocated"] = [allocate_to_points(s, p, point_value, r)
                          for s, p, r in zip(frame["sales"], frame["issued"], frame["redemption_rate"])]
    expected = frame["issued"].cumsum() * point_value * frame["redemption_rate"]
    schedule = points_liability(frame["allocated"], frame["redeemed"] * point_value, expected)
    return pd.concat([frame[["period_end", "issued", "redeemed", "sales", "redemption_rate", "matured_points"]],
                      schedule.drop(columns=["redeemed"])], axis=1)
