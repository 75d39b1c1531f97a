"""Channel unit economics: docs/methods.md#channel-economics arithmetic oracles, hand-made cohorts, demo truths."""

import numpy as np
import pandas as pd
import pytest

from opskit import channels
from opskit.sim import TRUTHS, load_demo


def test_methods_section_7_arithmetic():
    cac = channels.cac(100_000, 500)
    assert cac == pytest.approx(200)
    assert channels.payback_months(cac, 50, 0.8) == pytest.approx(5)
    ltv = channels.ltv_subscription(50, 0.8, 0.05)
    assert ltv == pytest.approx(800)
    assert ltv / cac == pytest.approx(4)
    assert channels.roas(300_000, 100_000) == pytest.approx(3.0)
    assert channels.roi(300_000, 100_000, 0.4) == pytest.approx(0.2)
    assert channels.break_even_roas(0.4) == pytest.approx(2.5)
    # at break-even ROAS the true ROI is zero
    assert channels.roi(2.5 * 1000, 1000, 0.4) == pytest.approx(0.0)


def _world():
    users = pd.DataFrame({
        "user_id": [1, 2, 3, 4, 5],
        "channel_id": ["paid", "paid", "free", "free", "paid"],
        "register_time": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-03",
                                          "2025-06-25"]),  # user 5 too young for the cohort
    })
    orders = pd.DataFrame({
        "user_id": [1, 1, 2, 3, 5, 4],
        "order_time": pd.to_datetime(["2025-01-01 12:00", "2025-01-05 00:00", "2025-02-10 00:00", "2025-01-10 00:00",
                                      "2025-06-26 00:00", "2025-07-01 00:00"]),
        "amount": [100.0, 100.0, 1000.0, 50.0, 80.0, 10.0],
    })
    spend = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-06-25"]),
                          "channel_id": ["paid", "paid", "paid"], "spend": [30.0, 30.0, 500.0],
                          "impressions": [1000, 1000, 1000], "clicks": [10, 10, 10]})
    chans = pd.DataFrame({"channel_id": ["paid", "free"], "is_paid": [True, False]})
    return users, orders, spend, chans


def test_economics_on_a_hand_made_cohort():
    users, orders, spend, chans = _world()
    econ = channels.channel_economics(users, orders, spend, channels=chans, horizon_days=30,
                                      gross_margin=0.5, as_of="2025-07-02")
    paid = econ.loc["paid"]
    assert paid["users"] == 2 and paid["spend"] == 60  # the June spend is outside the cohort window
    assert paid["cac"] == pytest.approx(30)
    # users 1 and 2: 200 in 30 days (user 2's order is on day 39); margin 0.5 -> 50 per user
    assert paid["revenue_n"] == pytest.approx(100) and paid["ltv_n"] == pytest.approx(50)
    assert paid["ltv_cac"] == pytest.approx(50 / 30)
    assert paid["roas"] == pytest.approx(100 / 30)
    assert paid["roi"] == pytest.approx((50 - 30) / 30)
    assert paid["payback_days"] == 5  # cumulative margin per user: 25 on day 1, 50 from day 5
    assert np.isnan(econ.loc["free", "cac"])
    # blended CAC divides paid spend by every new user, organic included: always lower
    assert econ.attrs["blended_cac"] == pytest.approx(60 / 4)
    assert econ.attrs["blended_cac"] < econ.attrs["paid_cac"]


def test_funnel_counts_and_value_matrix_quadrants():
    users, orders, spend, chans = _world()
    installs = pd.DataFrame({"channel_id": ["paid"] * 6})
    fun = channels.channel_funnel(spend, installs, users, orders, first_order_days=14, as_of="2025-07-02")
    assert fun.loc["paid", "installs"] == 6 and fun.loc["paid", "registrations"] == 3
    # user 5 is too young for a 14-day window; of users 1 and 2 only user 1 ordered within 14 days
    assert fun.loc["paid", "first_order_rate"] == pytest.approx(1 / 2)
    assert fun.loc["free", "first_order_rate"] == pytest.approx(1 / 2)
    econ = pd.DataFrame({"ltv_cac": [4.0, 1.0, 4.0, 1.0], "retention_rate": [0.5, 0.5, 0.1, 0.1],
                         "paid": True}, index=["a", "b", "c", "d"])
    mat = channels.value_matrix(econ, x_cut=3, y_cut=0.3)
    assert list(mat["quadrant"]) == ["明星渠道", "潜力渠道", "收割渠道", "问题渠道"]
    assert mat["action"].notna().all()


def test_weekly_monitor_flags_a_cost_spike():
    days = pd.date_range("2025-01-06", periods=84, freq="D")
    spend = pd.DataFrame({"date": days, "channel_id": "a", "spend": 100.0})
    spend.loc[spend["date"] >= "2025-03-24", "spend"] = 1000.0  # last week: 10x spend
    rng = np.random.default_rng(0)
    reg_times = days.repeat(5) + pd.to_timedelta(rng.integers(0, 86400, 5 * len(days)), unit="s")
    users = pd.DataFrame({"channel_id": "a", "register_time": reg_times})
    mon = channels.weekly_monitor(spend, users, window=4, z=3)
    assert mon["flag"].iloc[-1] and not mon["flag"].iloc[:-1].any()


@pytest.fixture(scope="module")
def demo():
    return load_demo()


def test_demo_fraud_channel_has_the_worst_retention_not_the_worst_cac(demo):
    econ = channels.channel_economics(demo["users"], demo["orders"], demo["channel_spend"],
                                      channels=demo["channels"], horizon_days=90)
    fraud = TRUTHS["acquisition"]["fraud_channel"]
    paid = econ.loc[econ["paid"]]
    assert paid["retention_rate"].idxmin() == fraud
    assert paid["cac"].idxmin() == fraud  # cheap installs look attractive on CAC alone
    assert econ.attrs["blended_cac"] < econ.attrs["paid_cac"]
    mat = channels.value_matrix(econ)
    assert mat.loc[fraud, "quadrant"] in ("收割渠道", "问题渠道")


def test_value_matrix_cuts_at_the_paid_programme_not_the_median():
    # five channels; a median split would call two of them "low" whatever their numbers
    econ = pd.DataFrame({"users": [100, 100, 100, 100, 600], "ltv_cac": [3.0, 2.9, 2.8, 2.7, 1.0],
                         "retention_rate": [0.40, 0.39, 0.38, 0.37, 0.20], "paid": True},
                        index=["a", "b", "c", "d", "e"])
    mat = channels.value_matrix(econ)
    assert mat.attrs["x_cut"] == pytest.approx((3.0 + 2.9 + 2.8 + 2.7 + 6.0) / 10)
    assert list(mat["quadrant"]) == ["明星渠道"] * 4 + ["问题渠道"]
    # the pooled row of channel_economics wins over the weighted mean; a tie counts as high
    econ.attrs["paid_pooled"] = pd.Series({"ltv_cac": 2.8, "retention_rate": 0.38})
    mat = channels.value_matrix(econ)
    assert mat.loc["c", "quadrant"] == "明星渠道" and mat.loc["d", "quadrant"] == "问题渠道"


def test_demo_cheapest_channel_per_retained_user_is_not_labelled_a_harvest(demo):
    econ = channels.channel_economics(demo["users"], demo["orders"], demo["channel_spend"],
                                      channels=demo["channels"], horizon_days=90)
    paid = econ.loc[econ["paid"]]
    cheapest = (paid["cac"] / paid["retention_rate"]).idxmin()
    mat = channels.value_matrix(econ)
    assert mat.loc[cheapest, "quadrant"] in ("明星渠道", "潜力渠道")
