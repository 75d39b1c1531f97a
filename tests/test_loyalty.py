"""Member tiers, growth value and level curves (docs/methods.md#loyalty)."""

import numpy as np
import pandas as pd
import pytest

from opskit.loyalty import (
    assign_tiers,
    growth_value,
    level_from_xp,
    tier_economics,
    tier_thresholds,
    xp_to_reach,
)
from opskit.sim import TRUTHS, load_demo


def test_quantile_tiers_match_spacing():
    values = pd.Series(np.random.default_rng(0).permutation(1000) + 1.0)
    th = tier_thresholds(values, (0.5, 0.8, 0.95))
    assert np.all(np.diff(th) >= 0)
    tiers = assign_tiers(values, th, ["a", "b", "c", "d"])
    shares = tiers.value_counts(normalize=True, sort=False).to_numpy()
    assert shares == pytest.approx([0.5, 0.3, 0.15, 0.05], abs=0.0011)
    with pytest.raises(ValueError):
        assign_tiers(values, [0, 5, 3], ["a", "b", "c"])


def test_demo_growth_value_and_planted_thresholds():
    orders = load_demo("orders")
    gv = growth_value(orders, as_of="2026-01-01")
    window = orders[orders["order_time"] >= "2025-01-01"]
    assert gv.sum() == pytest.approx(window["amount"].sum())
    th = TRUTHS["loyalty"]["tier_thresholds"]
    tiers = assign_tiers(gv, list(th.values()), list(th))
    assert (gv[tiers == "白银会员"] >= 500).all() and (gv[tiers == "白银会员"] < 2000).all()
    econ = tier_economics(gv, tiers, {"白银会员": 0.01}, margin=0.2, retention_uplift={"白银会员": 0.1})
    row = econ.loc["白银会员"]
    assert row["benefit_cost"] == pytest.approx(0.01 * row["member_spend"])
    assert row["return_ratio"] == pytest.approx(0.2 * 0.1 / 0.01)
    assert econ["members"].sum() == len(gv)


def test_level_curves():
    assert xp_to_reach(10, base=100, growth=1.5) == pytest.approx(7488.671875)
    levels = np.arange(1, 60)
    assert (level_from_xp(xp_to_reach(levels)) == levels).all()
    assert (level_from_xp(xp_to_reach(levels) * (1 - 1e-9))[1:] == levels[1:] - 1).all()
