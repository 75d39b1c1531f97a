"""Private domain: the funnel's exact identities, the fatigue hinge, Kaplan–Meier stays, the named
queries against plain pandas, and the demo's planted truths (touchpoints, fatigue point, the group's
increment against the naive gap)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit import private_domain as pdm
from opskit.sim import TRUTHS, load_demo, simulate

AS_OF = "2026-01-01"


@pytest.fixture(scope="module")
def demo():
    names = ["users", "orders", "wecom_members", "wecom_orders", "wecom_touches", "wecom_sources"]
    return {name: load_demo(name) for name in names}


def test_funnel_rates_multiply_to_the_end_to_end_rate_and_changes_sum_exactly(demo):
    table = pdm.funnel(demo["wecom_members"], demo["wecom_touches"], demo["wecom_orders"], demo["wecom_sources"],
                       as_of=AS_OF)
    product = table["join_rate"] * table["engage_rate"] * table["convert_rate"]
    np.testing.assert_allclose(product, table["end_to_end"], rtol=1e-12)      # docs/methods.md#private-domain
    assert (table["reach"] >= table["joined"]).all() and (table["joined"] >= table["engaged"]).all()
    assert (table["engaged"] >= table["converted"]).all()
    before, after = table.index[-2], table.index[-1]
    for method in ("lmdi", "sequential"):
        change = pdm.funnel_change(table, before, after, method=method)
        total = change.loc["合计"]
        assert total["contribution"] == pytest.approx(total["after"] - total["before"], abs=1e-9)
        assert change.drop("合计")["contribution"].sum() == pytest.approx(total["contribution"], abs=1e-9)


def test_funnel_query_matches_plain_pandas():
    rng = np.random.default_rng(4)
    n = 300
    members = pd.DataFrame({"user_id": [f"U{i:04d}" for i in range(n)],
                            "join_time": pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")})
    touches = pd.DataFrame({"user_id": rng.choice(members["user_id"], 2000),
                            "touch_time": pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 260 * 24, 2000),
                                                                                        unit="h"),
                            "clicked": rng.integers(0, 2, 2000)})
    orders = pd.DataFrame({"user_id": rng.choice(members["user_id"], 600),
                           "order_time": pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 260 * 24, 600),
                                                                                      unit="h")})
    table = pdm.funnel(members, touches, orders, as_of="2025-11-01")
    join = members.set_index("user_id")["join_time"]
    join = join[join + pd.Timedelta(days=30) <= "2025-11-01"]

    def within(events, days, clicked_only):
        e = events[events["user_id"].isin(join.index)]
        if clicked_only:
            e = e[e["clicked"] == 1]
        t = e["user_id"].map(join)
        hit = e.loc[(e.iloc[:, 1] >= t) & (e.iloc[:, 1] < t + pd.Timedelta(days=days)), "user_id"]
        return set(hit)

    engaged = within(touches, 14, True)
    converted = engaged & within(orders, 30, False)
    month = join.dt.to_period("M").dt.start_time
    reference = pd.DataFrame({"joined": month.value_counts(),
                              "engaged": month[month.index.isin(engaged)].value_counts(),
                              "converted": month[month.index.isin(converted)].value_counts()}).fillna(0)
    got = table[["joined", "engaged", "converted"]]
    np.testing.assert_array_equal(got.to_numpy(dtype=float), reference.loc[got.index].to_numpy(dtype=float))


def test_fatigue_point_recovers_a_planted_hinge_and_sees_none_in_flat_data():
    f = np.arange(1, 8)
    table = pd.DataFrame({"member_weeks": 1000, "rate": 0.01 + 0.04 * np.maximum(0, f - 4)}, index=f)
    fit = pdm.fatigue_point(table, rate="rate")
    assert fit["point"] == 4 and fit["slope"] == pytest.approx(0.04) and fit["base"] == pytest.approx(0.01)
    flat = pdm.fatigue_point(table.assign(rate=0.02), rate="rate")
    assert flat["slope"] == pytest.approx(0.0, abs=1e-12) and flat["flat_sse"] == pytest.approx(0.0, abs=1e-12)


def test_touch_weeks_query_matches_plain_pandas(demo):
    touches = demo["wecom_touches"]
    table = pdm.fatigue_table(touches, as_of=AS_OF)
    week = touches["touch_time"].dt.to_period("W-SUN").dt.start_time
    weeks = touches.assign(week=week).groupby(["user_id", "week"]).agg(
        touches=("clicked", "size"), clicks=("clicked", "sum"), muted=("muted", "max"), unsub=("unsubscribed", "max"))
    before = weeks.groupby(level="user_id")["muted"].transform(lambda s: s.cumsum() - s)
    reference = weeks.assign(at_risk=(before == 0)).groupby("touches").agg(
        member_weeks=("clicks", "size"), clicks=("clicks", "sum"), unsubscribed=("unsub", "sum"),
        at_risk_mute=("at_risk", "sum"))
    for column in ("member_weeks", "clicks", "unsubscribed", "at_risk_mute"):
        np.testing.assert_array_equal(table[column].to_numpy(dtype=float), reference[column].to_numpy(dtype=float))


def test_stay_curve_is_kaplan_meier():
    members = pd.DataFrame({"source": ["a"] * 4, "join_time": pd.to_datetime(["2025-01-01"] * 4),
                            "leave_time": pd.to_datetime(["2025-01-03", "2025-01-06", None, None])})
    # two leave (days 2 and 5), one censored at day 4 (as_of), one censored at day 4 too
    curve = pdm.stay_curve(members, as_of="2025-01-05", max_days=6)["a"]
    assert curve[1] == 1 and curve[2] == pytest.approx(0.75) and curve[6] == pytest.approx(0.75)
    uncensored = pdm.stay_curve(members.assign(leave_time=pd.to_datetime(["2025-01-03", "2025-01-06",
                                                                          "2025-01-06", "2025-01-08"])),
                                as_of="2025-02-01", max_days=8)["a"]
    assert uncensored[2] == pytest.approx(0.75) and uncensored[5] == pytest.approx(0.25) and uncensored[7] == 0


def test_demo_touchpoints_recover_the_planted_conversion_and_decay(demo):
    truth = TRUTHS["private_domain"]
    table = pdm.touchpoint_table(demo["wecom_members"], demo["wecom_sources"], as_of=AS_OF)
    for source, rate in truth["source_conversion"].items():
        se = np.sqrt(rate * (1 - rate) / table.loc[source, "reach"])
        assert table.loc[source, "conversion"] == pytest.approx(rate, abs=4 * se + 0.002)
    assert table["stay_30d"].idxmin() == "短信红包"
    leave = TRUTHS["community"]["community_source_leave_share"]
    assert table.loc["短信红包", "stay_30d"] < 1 - 0.5 * leave["短信红包"]


def test_demo_fatigue_point_is_recovered(demo):
    table = pdm.fatigue_table(demo["wecom_touches"], as_of=AS_OF)
    point = TRUTHS["private_domain"]["fatigue_point_touches_per_week"]
    assert pdm.fatigue_point(table)["point"] == point
    assert pdm.fatigue_point(table, rate="mute_rate", weight="at_risk_mute")["point"] == point
    assert table.loc[1, "click_rate"] > table.loc[6, "click_rate"]            # clicks per touch fall


def test_demo_group_increment_is_recovered_and_the_naive_gap_overstates_it(demo):
    truth = TRUTHS["private_domain"]["incremental_orders_per_member_month"]
    population = demo["users"].set_index("user_id")["register_time"]
    effect = pdm.join_effect(demo["orders"], demo["wecom_members"], population, extra_orders=demo["wecom_orders"],
                             as_of=AS_OF).summary
    assert abs(effect["effect_per_month"] - truth) < 3 * effect["se_per_month"]
    assert effect["naive_gap"] > 2 * effect["effect"]
    app_only = pdm.join_effect(demo["orders"], demo["wecom_members"], population, as_of=AS_OF).summary
    assert abs(app_only["effect"]) < 3 * app_only["se"]                  # orders themselves are untouched


def test_group_increment_at_scale():
    """A larger world (not the demo) pins the estimate down: within 3 standard errors of the truth."""
    world = simulate(n_users=12_000, seed=3)
    truth = TRUTHS["private_domain"]["incremental_orders_per_member_month"]
    effect = pdm.join_effect(world["orders"], world["wecom_members"], world["users"].set_index("user_id")[
        "register_time"], extra_orders=world["wecom_orders"], as_of=AS_OF).summary
    assert abs(effect["effect_per_month"] - truth) < 3 * effect["se_per_month"]
    assert effect["se_per_month"] < 0.3 * truth
    assert effect["naive_gap"] > 2 * effect["effect"]


def test_group_modes_cover_every_group(demo):
    modes = pdm.group_modes(demo["wecom_members"], demo["wecom_touches"], demo["wecom_orders"], as_of=AS_OF)
    assert set(modes["mode"]) <= set(pdm.MODES)
    assert modes["members"].sum() == demo["wecom_members"]["user_id"].nunique()
    assert modes["touches"].sum() == len(demo["wecom_touches"])
