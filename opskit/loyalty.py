"""Member tiers, growth value and the economics of member benefits (``docs/methods.md#loyalty``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["growth_value", "tier_thresholds", "assign_tiers", "tier_economics",
           "xp_to_reach", "level_from_xp"]


def growth_value(orders: pd.DataFrame, *, as_of, window_days: int = 365, per_yuan: float = 1.0,
                 tasks: pd.DataFrame | None = None) -> pd.Series:
    """成长值 per user: ``per_yuan`` per yuan paid in the ``window_days`` before ``as_of`` (trailing,
    so tiers do not inflate with all-time spend), plus task rewards (``tasks``: user_id, time,
    points) in the same window. Indexed by user_id, users with a value > 0 only."""
    as_of = pd.Timestamp(as_of)
    start = as_of - pd.Timedelta(days=window_days)
    o = orders[(orders["order_time"] >= start) & (orders["order_time"] < as_of)]
    value = o.groupby("user_id")["amount"].sum() * per_yuan
    if tasks is not None:
        t = tasks[(tasks["time"] >= start) & (tasks["time"] < as_of)]
        value = value.add(t.groupby("user_id")["points"].sum(), fill_value=0)
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
