"""The simulated company: determinism, table contracts, the bundled demo, integrity, planted truths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit.data import schema
from opskit.sim import (
    DEMO_DIR,
    DEMO_N_USERS,
    DEMO_SEED,
    TRUTHS,
    load_demo,
    simulate,
    true_coupon_uplift,
    write_world,
)
from opskit.sim.acquisition import FRAUD_IPS
from opskit.sim.card import render_card
from opskit.sim.tables import DATETIME_DTYPE, STRING_DTYPE
from opskit.sim.truths import measure
from opskit.sim.world import PERIPHERAL_PARTS, peripheral_modules

EXPORT = pd.Timestamp("2026-01-01")
EXPECTED_DTYPE = {"int": "int64", "float": "float64", "bool": "bool",
                  "datetime": DATETIME_DTYPE, "date": DATETIME_DTYPE}


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return simulate(n_users=DEMO_N_USERS, seed=DEMO_SEED)


@pytest.fixture(scope="module")
def measured(demo) -> dict[str, float]:
    return measure(demo)


# --- determinism ---------------------------------------------------------------------------

def test_same_seed_gives_identical_frames():
    first, second = simulate(n_users=600, seed=7), simulate(n_users=600, seed=7)
    assert list(first) == list(second)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_exact=True)


def test_different_seed_gives_different_data():
    first, second = simulate(n_users=600, seed=7), simulate(n_users=600, seed=8)
    assert not first["users"]["register_time"].equals(second["users"]["register_time"])
    assert len(first["orders"]) != len(second["orders"])


# --- contracts -----------------------------------------------------------------------------

def test_every_schema_table_is_generated(demo):
    missing_parts = set(PERIPHERAL_PARTS) - set(peripheral_modules())
    if missing_parts:
        pytest.skip(f"peripheral parts not written yet: {sorted(missing_parts)}")
    assert set(demo) == set(schema.TABLES)


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_table_matches_its_contract(demo, name):
    if name not in demo:
        pytest.skip(f"{name} comes from a peripheral part not written yet")
    frame, table = demo[name], schema.get(name)
    assert list(frame.columns) == table.names
    assert len(frame) > 0
    for col in table.columns:
        values = frame[col.name]
        if col.dtype in ("str", "id"):
            assert values.dtype == STRING_DTYPE, col.name
        elif col.dtype == "int" and col.nullable:
            assert values.dtype == "Int64", col.name
        else:
            assert values.dtype == EXPECTED_DTYPE[col.dtype], col.name
        if not col.nullable:
            assert values.notna().all(), f"{name}.{col.name} has missing values"
        if col.unique:
            assert values.is_unique, f"{name}.{col.name} is not unique"
        if col.min_value is not None:
            assert (values.dropna() >= col.min_value).all(), f"{name}.{col.name} below minimum"
        if col.dtype == "datetime":
            assert (values.dropna().dt.microsecond == 0).all()
        if col.dtype == "date":
            assert (values.dropna() == values.dropna().dt.normalize()).all()


def test_money_has_two_decimals(demo):
    for name, column in [("orders", "amount"), ("orders", "discount"),
                         ("order_lines", "line_amount"), ("channel_spend", "spend"),
                         ("assignments", "revenue"), ("coupon_experiment", "revenue_14d")]:
        cents = demo[name][column].to_numpy() * 100
        assert np.allclose(cents, np.round(cents), atol=1e-6), f"{name}.{column}"


# --- the bundled demo ----------------------------------------------------------------------

def test_regenerating_reproduces_bundled_csv_byte_for_byte(demo, tmp_path):
    paths = write_world(demo, tmp_path)
    bundled = sorted(p.name for p in DEMO_DIR.glob("*.csv"))
    assert sorted(p.name for p in paths) == bundled
    for path in paths:
        assert path.read_bytes() == (DEMO_DIR / path.name).read_bytes(), path.name


def test_committed_card_equals_generated_card(demo):
    committed = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    assert committed == render_card(demo), "run: python -m opskit.sim"


def test_load_demo_returns_the_simulated_frames(demo):
    loaded = load_demo()
    assert list(loaded) == list(demo)
    for name in ("users", "orders", "installs", "referrals", "events", "channels", "experiments"):
        pd.testing.assert_frame_equal(loaded[name], demo[name], check_exact=True)
    pd.testing.assert_frame_equal(load_demo("order_lines"), demo["order_lines"], check_exact=True)


def test_demo_bundle_stays_small():
    # 18 chapters' tables; the bundle ships in the repository and the wheel
    assert sum(p.stat().st_size for p in DEMO_DIR.glob("*.csv")) < 25e6


def test_load_demo_names_unknown_table():
    with pytest.raises(KeyError, match="没有这张表"):
        load_demo("ordres")


# --- referential integrity and consistency ------------------------------------------------

def _subset(child: pd.Series, parent: pd.Series) -> bool:
    return bool(child.dropna().isin(parent).all())


def test_references_resolve(demo):
    users, orders, channels = demo["users"]["user_id"], demo["orders"], demo["channels"]["channel_id"]
    categories = demo["categories"]["category_id"]
    assert _subset(orders["user_id"], users)
    assert _subset(demo["order_lines"]["order_id"], orders["order_id"])
    assert set(orders["order_id"]) == set(demo["order_lines"]["order_id"])
    assert _subset(demo["order_lines"]["category_id"], categories)
    assert _subset(demo["users"]["channel_id"], channels)
    assert _subset(demo["installs"]["channel_id"], channels)
    assert _subset(demo["installs"]["user_id"], users)
    assert _subset(demo["channel_spend"]["channel_id"],
                   demo["channels"].loc[demo["channels"]["is_paid"], "channel_id"])
    assert _subset(demo["events"]["user_id"], users)
    assert _subset(demo["events"]["category_id"], categories)
    assert _subset(demo["assignments"]["user_id"], users)
    assert _subset(demo["assignments"]["experiment_id"], demo["experiments"]["experiment_id"])
    assert _subset(demo["coupon_experiment"]["user_id"], users)
    assert _subset(demo["referrals"]["inviter_id"], users)
    assert _subset(demo["referrals"]["invitee_user_id"], users)
    assert _subset(demo["users"]["referrer_user_id"], users)


def test_lines_add_up_to_amount_plus_discount(demo):
    orders = demo["orders"].set_index("order_id")
    line_cents = (demo["order_lines"]["line_amount"] * 100).round().groupby(
        demo["order_lines"]["order_id"]).sum()
    gross_cents = ((orders["amount"] + orders["discount"]) * 100).round()
    assert (line_cents.reindex(orders.index) == gross_cents).all()
    assert ((orders["discount"] > 0) == orders["coupon_id"].notna()).all()


def test_times_are_ordered_and_inside_the_world(demo):
    users = demo["users"].set_index("user_id")["register_time"]
    orders, events = demo["orders"], demo["events"]
    assert (orders["order_time"] > users.reindex(orders["user_id"]).to_numpy()).all()
    assert (events["event_time"] >= users.reindex(events["user_id"]).to_numpy()).all()
    for frame, column in [(orders, "order_time"), (events, "event_time"),
                          (demo["users"], "register_time")]:
        assert frame[column].between(pd.Timestamp("2024-01-01"), EXPORT, inclusive="left").all()
    assert orders["order_time"].is_monotonic_increasing
    installs = demo["installs"]
    assert (installs["click_time"] < installs["install_time"]).all()
    registered = installs.dropna(subset=["user_id"])
    assert (registered["install_time"] <= users.reindex(registered["user_id"]).to_numpy()).all()


def test_referral_users_have_an_earlier_real_inviter(demo):
    users = demo["users"]
    invited = users[users["referrer_user_id"].notna()]
    assert (invited["channel_id"] == "referral").all()
    assert ((users["channel_id"] == "referral") == users["referrer_user_id"].notna()).all()
    inviter_time = users.set_index("user_id")["register_time"].reindex(invited["referrer_user_id"])
    assert (inviter_time.to_numpy() < invited["register_time"].to_numpy()).all()
    accepted = demo["referrals"].dropna(subset=["invitee_user_id"])
    assert set(accepted["invitee_user_id"]) == set(invited["user_id"])


def test_coupon_experiment_agrees_with_orders(demo):
    coupon = demo["coupon_experiment"].merge(demo["users"], on="user_id")
    orders = demo["orders"]
    first = orders.groupby("user_id")["order_time"].min()
    early = first.reindex(coupon["user_id"]).to_numpy() < (coupon["register_time"]
                                                          + pd.Timedelta(days=14)).to_numpy()
    assert (coupon["converted"].to_numpy() == early).all()
    new15 = orders.loc[orders["coupon_id"] == "NEW15", "user_id"]
    treated = coupon.loc[coupon["treated"] == 1, "user_id"]
    assert new15.is_unique and new15.isin(treated).all()
    assert ((coupon["coupon_value"] > 0) == (coupon["treated"] == 1)).all()


# --- planted truths ------------------------------------------------------------------------

def test_fraud_channel_shows_click_injection_and_flooding(demo, measured):
    truths = TRUTHS["acquisition"]
    installs = demo["installs"]
    ctit = (installs["install_time"] - installs["click_time"]).dt.total_seconds()
    fraud = installs["channel_id"] == truths["fraud_channel"]
    assert measured["fraud_channel_ctit_3_10s_share"] > 0.15
    assert measured["other_channels_ctit_3_10s_share"] == 0
    flat = ctit[fraud].between(2 * 3600, 24 * 3600).mean()
    assert flat > 2 * ctit[~fraud].between(2 * 3600, 24 * 3600).mean()
    assert measured["other_channels_ctit_within_1h"] == pytest.approx(0.75, abs=0.04)
    assert measured["other_channels_ctit_within_24h"] == pytest.approx(0.94, abs=0.03)
    assert measured["fraud_channel_farm_install_share"] == pytest.approx(
        truths["fraud_wasted_spend_share"], abs=0.08)
    assert installs.loc[installs["ip"].isin(FRAUD_IPS), "channel_id"].eq(
        truths["fraud_channel"]).all()
    assert measured["farm_users_ordering_share"] == 0


def test_aha_users_are_retained_far_more(measured):
    assert TRUTHS["behaviour"]["aha_threshold_k"] == 3
    assert 0.1 < measured["aha_user_share"] < 0.5
    assert measured["aha_retained_rate"] > 1.8 * measured["no_aha_retained_rate"]
    truths = TRUTHS["behaviour"]
    assert measured["aha_retained_rate"] == pytest.approx(truths["aha_retained_rate_expected"],
                                                          abs=0.08)
    assert measured["no_aha_retained_rate"] == pytest.approx(
        truths["no_aha_retained_rate_expected"], abs=0.05)


def test_activity_stops_after_dropout(demo):
    """Buyers whose last order is long ago have (almost) no app events after it, once their first
    week is over (first-week sessions are drawn before any order: a coupon chaser who ordered on
    day 2 and never again may still browse on day 5)."""
    orders, events = demo["orders"], demo["events"]
    last = orders.groupby("user_id")["order_time"].max()
    lapsed = last[last < EXPORT - pd.Timedelta(days=180)]
    mine = events[events["user_id"].isin(lapsed.index)]
    reg = demo["users"].set_index("user_id")["register_time"]
    later = mine["event_time"] > (last.reindex(mine["user_id"]) + pd.Timedelta(days=1)).to_numpy()
    later &= mine["event_time"] >= (reg.reindex(mine["user_id"]) + pd.Timedelta(days=7)).to_numpy()
    assert mine.loc[later, "user_id"].nunique() < 0.15 * len(lapsed)


def test_cross_category_link(measured):
    assert measured["lift_bakery_dairy"] > TRUTHS["purchases"]["cross_category_basket_lift_floor"]
    assert measured["lift_vegetable_fruit"] == pytest.approx(1.0, abs=0.15)


def test_experiments_show_srm_lift_and_cuped_correlation(demo, measured):
    assert measured["srm_p_value"] < 1e-3
    assert measured["srm_treatment_users"] < measured["srm_control_users"]
    assignments = demo["assignments"]
    srm = assignments[assignments["experiment_id"] == TRUTHS["experiments"]["srm_experiment"]]
    srm = srm.merge(demo["users"][["user_id", "device_os"]], on="user_id")
    split = srm.groupby("device_os")["variant"].apply(lambda v: (v == "treatment").mean())
    assert split["iOS"] < 0.45 and split["Android"] == pytest.approx(0.5, abs=0.04)
    lift = TRUTHS["experiments"]["experiments"]["exp_detail_page"]["conversion_lift_abs"]
    observed = measured["detail_page_treatment_rate"] - measured["detail_page_control_rate"]
    assert observed == pytest.approx(lift, abs=0.04)
    assert 0.6 < measured["cuped_rho"] < 0.9
    counts = assignments.groupby("experiment_id")["variant"].apply(lambda v: (v == "treatment").mean())
    assert counts.drop(TRUTHS["experiments"]["srm_experiment"]).between(0.47, 0.53).all()


def test_coupon_uplift_follows_the_published_rule(demo):
    coupon = demo["coupon_experiment"].merge(demo["users"], on="user_id")
    tau = true_coupon_uplift(coupon)
    rates = coupon.groupby([np.sign(tau), coupon["treated"]])["converted"].mean().unstack()
    observed = rates[1] - rates[0]
    assert observed.loc[-1] < -0.05  # the harmed segment
    assert observed.loc[1] > 0.08
    assert coupon.loc[tau < 0, "city_tier"].isin(["一线", "新一线"]).all()


def test_referral_k_factor(measured):
    truths = TRUTHS["acquisition"]
    assert measured["referral_invite_conversion"] == pytest.approx(
        truths["referral_invite_conversion_c"], abs=0.03)
    assert measured["referral_k_factor"] == pytest.approx(truths["referral_k_factor"], abs=0.025)


def test_purchase_volume_and_amounts(demo, measured):
    gg = TRUTHS["purchases"]["gamma_gamma"]
    assert measured["orders_per_user"] > 9
    assert demo["orders"]["amount"].mean() == pytest.approx(gg["p"] * gg["v"] / (gg["q"] - 1),
                                                            rel=0.1)


def test_conform_keeps_rows_together_on_a_shuffled_index():
    from opskit.sim.tables import conform

    frame = pd.DataFrame({"user_id": [3, 1, 2], "task_id": ["c", "a", "b"],
                          "completed_time": pd.to_datetime(["2025-01-03", "2025-01-01", "2025-01-02"])},
                         index=[2, 0, 1])
    out = conform(frame, "task_log")
    assert out["user_id"].tolist() == ["3", "1", "2"] and out["task_id"].tolist() == ["c", "a", "b"]
