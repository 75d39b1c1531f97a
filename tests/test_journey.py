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
    assert jm["到达人数"].tolist() == [3, 2, 1, 1, 1, 0]
    assert jm.loc["浏览商品", "流失人数"] == 1 and jm.loc["加购", "上一步转化率"] == 0.5
    assert jm.loc["复购", "距上一步中位天数"] == pytest.approx(7 - 1 / 24)


def test_demo_journey_is_consistent():
    orders = load_demo("orders")
    times = journey_times(load_demo("users"), load_demo("events"), orders)
    jm = journey_map(times)
    assert jm.loc["首单", "到达人数"] == orders["user_id"].nunique()
    assert (jm["上一步转化率"].dropna().between(0, 1)).all()
    assert (jm["距上一步中位天数"].dropna() >= 0).all()
    only_orders = journey_map(journey_times(load_demo("users"), None, orders))
    assert list(only_orders.index) == ["注册", "首单", "复购", "忠诚"]
