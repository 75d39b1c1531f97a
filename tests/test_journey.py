"""User journey map: milestones, drop-offs and times."""

import pandas as pd
import pytest

from opskit.journey import journey_map, journey_times
from opskit.sim import load_demo


def test_journey_map_by_hand():
    users = pd.DataFrame({"user_id": [1, 2, 3],
                          "register_time": pd.to_datetime(["2025-01-01"] * 3)})
    events = pd.DataFrame({"user_id": [1, 1, 2], "event_type": ["view_item", "add_to_cart", "search"],
                           "event_time": pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-05"])})
    orders = pd.DataFrame({"user_id": [1, 1], "order_time": pd.to_datetime(["2025-01-03 01:00", "2025-01-10 00:00"])})
    jm = journey_map(journey_times(users, events, orders, loyal_orders=3))
    assert jm["users"].tolist() == [3, 2, 1, 1, 1, 0]
    assert jm.loc["browse", "dropped"] == 1 and jm.loc["add_to_cart", "step_conversion"] == 0.5
    assert jm.loc["repeat_order", "median_days_from_previous"] == pytest.approx(7 - 1 / 24)


def test_demo_journey_is_consistent():
    orders = load_demo("orders")
    times = journey_times(load_demo("users"), load_demo("events"), orders)
    jm = journey_map(times)
    assert jm.loc["first_order", "users"] == orders["user_id"].nunique()
    assert (jm["step_conversion"].dropna().between(0, 1)).all()
    assert (jm["median_days_from_previous"].dropna() >= 0).all()
    only_orders = journey_map(journey_times(load_demo("users"), None, orders))
    assert list(only_orders.index) == ["register", "first_order", "repeat_order", "loyal"]
