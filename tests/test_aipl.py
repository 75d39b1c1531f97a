"""AIPL stages: precedence and flow conservation (docs/methods.md#aipl)."""

import pandas as pd
import pytest

from opskit.aipl import AIPL_STAGES, aipl_flows, aipl_stages, fast_fertility, flow_rates
from opskit.sim import load_demo

AS_OF = pd.Timestamp("2025-06-30")


def _orders(rows):
    return pd.DataFrame(rows, columns=["user_id", "order_time"]).assign(
        order_time=lambda d: pd.to_datetime(d["order_time"]))


def _events(rows):
    return pd.DataFrame(rows, columns=["user_id", "event_time", "event_type"]).assign(
        event_time=lambda d: pd.to_datetime(d["event_time"]))


def test_precedence():
    events = _events([(1, "2025-06-25", "view_item"), (2, "2025-06-25", "view_item"),
                      (3, "2025-06-25", "view_item"), (4, "2025-06-28", "ad_impression"),
                      (5, "2025-06-01", "view_item"), (6, "2025-06-29", "share")])
    orders = _orders([(2, "2025-05-01"), (3, "2025-05-01"), (3, "2025-06-01"), (6, "2024-12-01"),
                      (7, "2025-07-05")])
    st = aipl_stages(orders, events, as_of=AS_OF)
    assert st.to_dict() == {1: "I 兴趣", 2: "P 购买", 3: "L 忠诚", 4: "A 认知", 6: "L 忠诚"}
    assert list(st.cat.categories) == list(AIPL_STAGES)
    # user 5's browse is older than the 15-day interest window; user 7 buys after as_of
    assert 5 not in st.index and 7 not in st.index
    assert aipl_stages(orders, as_of=AS_OF).loc[3] == "L 忠诚"  # orders-only data still works
    assert fast_fertility(st) == sum(st.value_counts())


def test_flow_conservation_on_demo():
    orders, events = load_demo("orders"), load_demo("events")
    before = aipl_stages(orders, events, as_of="2025-10-01")
    after = aipl_stages(orders, events, as_of="2025-12-01")
    counts = aipl_flows(before, after)
    n0, n1 = before.value_counts(), after.value_counts()
    for s in AIPL_STAGES:
        assert counts.loc[s].sum() == n0[s]          # stayed + converted + regressed + lost
        assert counts[s].sum() == n1[s]              # from every stage + new
    rates = flow_rates(counts)
    total = rates[["deepening_rate", "kept_rate", "regression_rate", "churn_rate"]].sum(axis=1)
    assert total.to_numpy() == pytest.approx(1.0)
    assert rates.loc["L 忠诚", "deepening_rate"] == 0 and rates.loc["A 认知", "regression_rate"] == 0
