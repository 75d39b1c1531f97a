"""Ordered funnels: hand cases for order and window, and monotonicity."""

import numpy as np
import pandas as pd

from opskit.funnel import funnel_table, reach_times

T0 = pd.Timestamp("2025-01-01")


def _events(rows):
    return pd.DataFrame(rows, columns=["user_id", "event_type", "hours"]).assign(
        event_time=lambda d: T0 + pd.to_timedelta(d["hours"], unit="h"))


def test_steps_must_happen_in_order():
    events = _events([
        (1, "view", 0), (1, "cart", 1), (1, "buy", 2),      # complete
        (2, "cart", 0), (2, "view", 1), (2, "buy", 2),      # cart before view: stops at view
        (3, "view", 0), (3, "buy", 1),                       # skips cart
        (4, "buy", 0),                                       # never enters
    ])
    table = funnel_table(events, ["view", "cart", "buy"])
    assert table["users"].tolist() == [3, 1, 1]
    times = reach_times(events, ["view", "cart", "buy"])
    assert times.loc[2, "cart"] is pd.NaT or pd.isna(times.loc[2, "cart"])


def test_conversion_window_counts_from_the_first_step():
    events = _events([(1, "view", 0), (1, "buy", 30), (2, "view", 0), (2, "buy", 3)])
    assert funnel_table(events, ["view", "buy"], within="24h")["users"].tolist() == [2, 1]
    assert funnel_table(events, ["view", "buy"])["users"].tolist() == [2, 2]


def test_counts_never_increase_and_rates_are_consistent():
    rng = np.random.default_rng(5)
    n = 20_000
    events = pd.DataFrame({"user_id": rng.integers(0, 3000, n),
                           "event_type": rng.choice(["a", "b", "c", "d"], n),
                           "event_time": T0 + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s")})
    table = funnel_table(events, ["a", "b", "c", "d"], within="3D")
    assert (table["users"].diff().dropna() <= 0).all()
    assert np.isclose(table["overall_rate"].iloc[-1], table["step_rate"].iloc[1:].prod())
