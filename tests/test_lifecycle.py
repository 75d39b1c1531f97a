"""Lifecycle stages: hand-made cases for each rule, and the partition invariant."""

import numpy as np
import pandas as pd
import pytest

from opskit.lifecycle import STAGES, lifecycle_stages, stage_summary

AS_OF = pd.Timestamp("2025-07-01")


def _world():
    users = pd.DataFrame({"user_id": [1, 2, 3, 4, 5, 6],
                          "register_time": pd.to_datetime(["2025-01-01"] * 5 + ["2025-08-01"])})
    orders = pd.DataFrame({
        "user_id": [2, 3, 3, 4, 5, 5],
        "order_time": pd.to_datetime(["2025-06-20", "2025-03-01", "2025-06-25", "2025-04-15",
                                      "2025-01-10", "2025-07-05"]),  # user 5's 2nd order is after as_of
        "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
    })
    return users, orders


def test_each_rule():
    users, orders = _world()
    got = lifecycle_stages(users, orders, as_of=AS_OF)
    assert list(got.index) == [1, 2, 3, 4, 5]  # user 6 registers after as_of
    assert got["stage"].astype(str).to_dict() == {
        1: "注册未购", 2: "新客", 3: "活跃老客", 4: "沉睡", 5: "流失"}
    assert got.loc[5, "orders"] == 1 and got.loc[5, "gmv"] == 50.0  # later orders ignored
    assert got.loc[4, "days_since_last"] == 77


def test_boundaries_are_inclusive():
    users = pd.DataFrame({"user_id": [1, 2], "register_time": pd.to_datetime(["2025-01-01"] * 2)})
    orders = pd.DataFrame({"user_id": [1, 1, 2, 2],
                           "order_time": [AS_OF - pd.Timedelta(days=d) for d in (100, 30, 120, 90)],
                           "amount": [1.0] * 4})
    got = lifecycle_stages(users, orders, as_of=AS_OF)
    assert list(got["stage"].astype(str)) == ["活跃老客", "沉睡"]


def test_partition_invariant():
    rng = np.random.default_rng(0)
    users = pd.DataFrame({"user_id": np.arange(2000),
                          "register_time": AS_OF - pd.to_timedelta(rng.integers(1, 400, 2000), unit="D")})
    orders = pd.DataFrame({"user_id": rng.integers(0, 2000, 6000),
                           "order_time": AS_OF - pd.to_timedelta(rng.integers(-30, 400, 6000), unit="D"),
                           "amount": rng.gamma(2, 30, 6000)})
    got = lifecycle_stages(users, orders, as_of=AS_OF)
    summary = stage_summary(got)
    assert list(summary.index) == list(STAGES)
    assert summary["users"].sum() == len(users)
    assert summary["gmv"].sum() == pytest.approx(orders.loc[orders.order_time < AS_OF, "amount"].sum())
    assert summary["user_share"].sum() == pytest.approx(1)


def test_rejects_inconsistent_windows():
    users, orders = _world()
    with pytest.raises(ValueError):
        lifecycle_stages(users, orders, as_of=AS_OF, active_days=90, dormant_days=30)
