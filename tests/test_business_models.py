"""Revenue-line calculators of the four business-model types: the lines add up to the total."""

from __future__ import annotations

import numpy as np
import pytest

from opskit import business_models as bm
from opskit.errors import OpskitError


def _random_inputs(model_type: str, rng: np.random.Generator):
    spec = bm.MODEL_TYPES[model_type]
    drivers = {d: float(rng.integers(0, 10**6)) + rng.random() for _, _, d, _ in spec}
    rates = {r: float(rng.random() * rng.choice([0.1, 1, 30, 300])) for _, _, _, r in spec}
    return drivers, rates


@pytest.mark.parametrize("model_type", list(bm.MODEL_TYPES))
def test_lines_add_up_to_the_total_to_the_cent(model_type):
    rng = np.random.default_rng(len(model_type))
    for _ in range(30):
        lines = bm.revenue_lines(model_type, *_random_inputs(model_type, rng))
        body = lines[lines["line"] != "合计"]
        assert body["revenue_cents"].sum() == lines["revenue_cents"].iloc[-1]
        assert bm.total(lines) * 100 == pytest.approx(body["revenue_cents"].sum())
        assert (np.abs(body["revenue"] - body["driver_value"] * body["rate"]) <= 0.005 + 1e-9).all()


def test_value_disruption_example_by_hand():
    drivers = {"members": 1_000, "member_gmv": 200_000, "consumable_buyers": 300, "accessory_buyers": 50,
               "privilege_members": 120}
    rates = {"member_fee": 19.9, "product_margin": 0.25, "consumable_profit": 12.5, "accessory_profit": 30,
             "privilege_fee": 9.9}
    lines = bm.revenue_lines("价值颠覆型", drivers, rates)
    assert lines["revenue"].tolist() == [19_900, 50_000, 3_750, 1_500, 1_188, 76_338]
    assert lines["line"].tolist()[-1] == "合计"


def test_rounding_is_half_away_from_zero():
    lines = bm.revenue_lines("跨界型", {"joint_gmv": 1, "custom_orders": 1, "licensed_units": 1, "members": 1},
                             {"joint_margin": 0.125, "custom_profit": 0.135, "royalty": 2.675, "member_fee": 0})
    assert lines["revenue_cents"].tolist()[:3] == [13, 14, 268]


@pytest.mark.parametrize("profit, shares", [
    (100.0, {"a": 1, "b": 1, "c": 1}),
    (1_000_000.01, {"平台": 0.4, "供应商": 0.35, "达人": 0.25}),
    (-99.99, {"a": 2, "b": 1}),
    (0.05, {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 1}),
])
def test_profit_sharing_adds_up_to_the_pool(profit, shares):
    lines = bm.profit_sharing(profit, shares)
    body = lines[lines["line"] != "合计"]
    assert body["revenue_cents"].sum() == round(profit * 100)
    assert lines["revenue_cents"].iloc[-1] == round(profit * 100)
    exact = abs(profit) * 100 * np.array(list(shares.values())) / sum(shares.values())
    assert (np.abs(np.abs(body["revenue_cents"].to_numpy()) - exact) < 1).all()  # within one cent of exact


def test_thirds_go_to_the_first_largest_remainder():
    lines = bm.profit_sharing(100.0, {"a": 1, "b": 1, "c": 1})
    assert lines["revenue"].tolist() == [33.34, 33.33, 33.33, 100.0]


def test_missing_inputs_are_named():
    with pytest.raises(OpskitError, match="member_fee"):
        bm.revenue_lines("价值颠覆型", {"members": 1}, {})
    with pytest.raises(OpskitError, match="未知的商业模式"):
        bm.revenue_lines("共享型", {}, {})
    with pytest.raises(OpskitError):
        bm.profit_sharing(10, {"a": -1, "b": 2})


def test_member_gmv_query_matches_pandas():
    import pandas as pd

    orders = pd.DataFrame({"user_id": ["a", "a", "b", "c", "007"],
                           "order_time": pd.to_datetime(["2025-01-01 00:00:00", "2025-06-30 23:59:59", "2025-03-01 00:00:00",
                                                         "2024-12-31 00:00:00", "2025-02-02 00:00:00"]),
                           "amount": [10.0, 20.0, 5.0, 100.0, 7.5]})
    members = pd.DataFrame({"user_id": ["a", "007", "007"]})
    out = bm.member_gmv(orders, members, "2025-01-01", "2025-07-01")
    assert out.loc["member"].tolist() == [3, 2, 37.5]
    assert out.loc["non_member"].tolist() == [1, 1, 5.0]
    assert bm.member_gmv(orders, members.iloc[:0], "2025-01-01", "2025-07-01").loc["member"].tolist() == [0, 0, 0]
