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


# --- chapter 15: level curves, growth rules, benefits queue, points under IFRS 15 -------------

from opskit import loyalty  # noqa: E402


def test_ifrs15_ie267_to_ie270():
    """IFRS 15 Illustrative Example 52 (IE267–IE270), docs/methods.md#loyalty-additions."""
    assert loyalty.allocate_to_points(100_000, 10_000, 1.0, 0.97) == pytest.approx(8842.30, abs=0.01)
    up = loyalty.points_liability(9000, [4500, 4000], [9700, 9900])
    assert round(up.loc[0, "revenue"]) == 4175 and round(up.loc[1, "revenue"]) == 3552
    assert up.loc[1, "revenue"] == pytest.approx(9000 * 8500 / 9900 - 9000 * 4500 / 9700)
    assert up.loc[1, "catch_up"] == pytest.approx(9000 * 4500 / 9900 - 9000 * 4500 / 9700)
    assert up["liability"].iloc[-1] == pytest.approx(9000 - up["revenue"].sum())
    down = loyalty.points_liability(9000, [4500, 4000], [9700, 9200])
    assert round(down.loc[1, "revenue"]) == 4140
    with pytest.raises(ValueError):
        loyalty.points_liability(9000, [4500, 6000], [9700, 9200])  # more redeemed than expected


def test_points_liability_without_estimate_change_has_no_catch_up():
    issued = np.array([1000.0, 2000.0, 1500.0])
    out = loyalty.points_liability(issued * 0.5, [300, 900, 1200], np.cumsum(issued) * 0.8)
    assert np.allclose(out["catch_up"], 0)
    assert out["revenue"].to_numpy() == pytest.approx(np.array([300, 900, 1200]) * 0.5 / 0.8)


def test_poly_curves_pokemon_and_exact_inverse():
    assert loyalty.poly_xp(100) == 1_000_000
    assert loyalty.poly_xp(100, coef=4 / 5) == pytest.approx(800_000)
    assert loyalty.poly_xp(100, coef=5 / 4) == pytest.approx(1_250_000)
    levels = np.arange(1, 101)
    for coef, power in [(1, 3), (0.8, 3), (7.05, 3.52)]:
        xp = loyalty.poly_xp(levels, coef, power)
        assert (loyalty.poly_level(xp, coef, power) == levels).all()
        assert (loyalty.poly_level(xp[1:] * (1 - 1e-9), coef, power) == levels[1:] - 1).all()


def test_designed_curves_pass_through_their_two_points():
    geo = loyalty.design_geometric_curve(80, 10_000, 8)
    assert loyalty.xp_to_reach(2, geo["base"], geo["growth"]) == pytest.approx(80)
    assert loyalty.xp_to_reach(8, geo["base"], geo["growth"]) == pytest.approx(10_000)
    poly = loyalty.design_poly_curve(80, 10_000, 8)
    assert loyalty.curve_xp(poly, 2) == pytest.approx(80) and loyalty.curve_xp(poly, 8) == pytest.approx(10_000)
    levels = np.arange(1, 9)
    for curve in (geo, poly):
        assert (loyalty.curve_level(curve, loyalty.curve_xp(curve, levels)) == levels).all()
    with pytest.raises(ValueError):
        loyalty.design_geometric_curve(100, 500, 8)  # would need shrinking costs


def test_growth_rules_cumulative_rolling_and_keep():
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    monthly = pd.DataFrame([[100.0] * 12 + [0.0] * 12, [100.0] * 24, [30.0] * 24], index=["a", "b", "c"], columns=months)
    th = [0, 500, 1000]
    cum = loyalty.simulate_levels(monthly, th, rule="cumulative")
    assert (cum.diff(axis=1).fillna(0) >= 0).all().all()  # never down
    assert cum.loc["a"].iloc[-1] == 2
    rolling = loyalty.simulate_levels(monthly, th, rule="rolling", window=12)
    assert rolling.loc["a"].iloc[-1] == 0 and rolling.loc["b"].iloc[-1] == 2
    keep = loyalty.simulate_levels(monthly, th, rule="keep", window=12, keep_share=0.5)
    # 'a' keeps level 2 while its rolling value stays >= 500, then steps down one level a month
    drop = keep.loc["a"].to_numpy()
    assert drop[12] == 2 and (np.diff(drop[11:]) >= -1).all() and drop[-1] == 0
    assert (keep.loc["b"] == rolling.loc["b"]).all()


def test_benefit_queue_accumulates_backlog():
    q = loyalty.benefit_queue([10, 10, 10, 2], capacity=6)
    assert q["backlog"].tolist() == [4, 8, 12, 8]
    assert q["served"].tolist() == [6, 6, 6, 6]
    assert q["wait_periods"].iloc[2] == pytest.approx(2.0)


def test_points_flows_and_breakage_match_pandas_and_the_planted_rate():
    ledger = load_demo("points_ledger")
    flows = loyalty.points_flows(ledger, "year")
    by_year = ledger.groupby(ledger["time"].dt.year)
    assert flows["issued"].tolist() == by_year["points"].apply(lambda s: s[s > 0].sum()).tolist()
    got = loyalty.breakage_estimate(ledger, as_of="2026-01-01")
    matured = ledger[(ledger["points"] > 0) & (ledger["time"] < pd.Timestamp("2025-01-01"))]["points"].sum()
    assert got["earned"] == matured
    # Planted breakage: each earned batch is redeemed with probability 0.72 (batch sizes vary, so allow 3 points).
    assert got["breakage"] == pytest.approx(TRUTHS["loyalty"]["points_breakage"], abs=0.03)
    assert np.isnan(loyalty.breakage_estimate(ledger, as_of="2024-06-01")["breakage"])
