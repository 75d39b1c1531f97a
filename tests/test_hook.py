"""Hook model measurements: bounded-ratio invariants (docs/methods.md#hook)."""

import pandas as pd
import pytest

from opskit.hook import (
    investment_effect,
    reward_return_rates,
    stickiness,
    trigger_conversion,
    trigger_shares,
)
from opskit.sim import load_demo


def _events(rows):
    return pd.DataFrame(rows, columns=["user_id", "event_time", "event_type"]).assign(
        event_time=lambda d: pd.to_datetime(d["event_time"]))


def test_daily_user_has_stickiness_one_and_ratios_bounded():
    days = pd.date_range("2025-06-01", periods=30, freq="D") + pd.Timedelta(hours=9)
    daily = _events([(1, d, "app_open") for d in days])
    assert stickiness(daily, as_of="2025-07-01") == pytest.approx(1.0)
    sparse = _events([(1, days[0], "app_open"), (2, days[3], "app_open")])
    assert stickiness(sparse, as_of="2025-07-01") == pytest.approx(1 / 30)
    demo = load_demo("events")
    assert 0 < stickiness(demo, as_of="2026-01-01") <= 1


def test_trigger_shares_sum_to_one_and_conversion_bounded():
    ev = _events([(1, "2025-06-01 10:00:00", "push_open"), (1, "2025-06-01 10:00:05", "app_open"),
                  (1, "2025-06-01 10:02:00", "add_to_cart"), (1, "2025-06-02 10:00:00", "app_open"),
                  (2, "2025-06-01 10:00:30", "app_open")])
    shares = trigger_shares(ev)
    assert shares.sum() == pytest.approx(1.0) and shares.iloc[0] == pytest.approx(1 / 3)
    assert trigger_conversion(ev) == 1.0
    demo = load_demo("events")
    assert trigger_shares(demo).sum() == pytest.approx(1.0)
    assert 0 <= trigger_conversion(demo) <= 1


def test_reward_and_investment_rates_are_shares():
    out = reward_return_rates(load_demo("orders"))
    assert out["return_rate"].between(0, 1).all() and list(out.index) == ["with_discount", "without_discount"]
    inv = investment_effect(pd.Series([True, True, False, False]), pd.Series([1, 0, 0, 0]))
    assert inv.loc["invested", "retention_rate"] == 0.5 and inv.loc["not_invested", "retention_rate"] == 0.0
