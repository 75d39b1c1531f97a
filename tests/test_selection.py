"""Self-selection comparisons: periods, the activity panel query, and matched pre/post recovering a
known effect where the naive gap and the before/after change do not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit import selection


def test_periods_round_trip_and_weeks_start_on_monday():
    times = pd.to_datetime(["2025-01-05 23:59", "2025-01-06 00:00", "2025-03-31 12:00", None])
    weeks = selection.period_index(times, "week")
    assert weeks[1] - weeks[0] == 1 and weeks[-1] == -1
    starts = selection.period_start(weeks[:3], "week")
    assert [d.strftime("%Y-%m-%d") for d in starts] == ["2024-12-30", "2025-01-06", "2025-03-31"]
    assert all(d.day_of_week == 0 for d in starts)
    for period, expected in [("month", "2025-03-01"), ("quarter", "2025-01-01"), ("year", "2025-01-01"),
                             ("day", "2025-03-31")]:
        index = selection.period_index(times[2:3], period)
        assert selection.period_start(index, period)[0] == pd.Timestamp(expected)
    with pytest.raises(ValueError):
        selection.period_index(times, "fortnight")


def test_activity_panel_matches_plain_pandas():
    rng = np.random.default_rng(1)
    orders = pd.DataFrame({
        "user_id": np.char.add("0", rng.integers(0, 50, 800).astype(str)).astype(object),
        "order_time": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 200 * 86400, 800), unit="s"),
        "amount": rng.gamma(2, 30, 800),
    })
    panel = selection.activity_panel(orders, period="week", as_of="2025-06-01")
    kept = orders[orders["order_time"] < "2025-06-01"]
    week = kept["order_time"].dt.to_period("W-SUN").dt.start_time
    reference = kept.assign(period=week).groupby(["user_id", "period"]).agg(orders=("amount", "size"),
                                                                             amount=("amount", "sum"))
    got = panel.set_index(["customer", "period"]).sort_index()
    assert got["orders"].tolist() == reference["orders"].tolist()
    np.testing.assert_allclose(got["amount"], reference["amount"])
    assert got.index.get_level_values(0).str.startswith("0").all()  # ids stay strings


def _world(effect: float, seed: int = 0, n: int = 6000, weeks: int = 80):
    """Customers with persistent rates; joining in a week is likelier after a busy quarter; joiners
    then gain ``effect`` orders a week. Returns the panel, the choices and the population."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(1.0, 0.5, n)                        # orders a week, heterogeneous
    counts = rng.poisson(rate[:, None], (n, weeks)).astype(float)
    choice = np.full(n, -1)
    for week in range(20, weeks - 20):
        recent = counts[:, week - 13:week].sum(axis=1)
        eligible = choice < 0
        joins = eligible & (rng.random(n) < 0.01 * (1 - np.exp(-recent / 6)))
        choice[joins] = week
    for i in np.flatnonzero(choice >= 0):
        counts[i, choice[i] + 1:] += rng.poisson(effect, weeks - choice[i] - 1)
    ids = np.char.add("U", np.arange(n).astype(str)).astype(object)
    start = selection.period_start(np.arange(weeks) + 2800, "week")
    user, week = np.nonzero(counts)
    panel = pd.DataFrame({"customer": ids[user], "period": start[week], "orders": counts[user, week]})
    chosen = pd.Series(start[choice[choice >= 0]] + pd.Timedelta(hours=30), index=ids[choice >= 0])
    population = pd.Series(start[0], index=ids)
    return panel, chosen, population


@pytest.mark.parametrize("effect", [0.0, 0.3])
def test_matched_pre_post_recovers_a_known_effect(effect):
    panel, chosen, population = _world(effect)
    result = selection.matched_pre_post(panel, chosen, population, pre=13, post=13, match_tenure=False)
    s = result.summary
    truth = 13 * effect
    assert s["n_matched"] > 0.8 * s["n_chosen"] * 0.5
    assert abs(s["effect"] - truth) < 3 * s["se"] + 0.05 * max(truth, 1)
    assert s["naive_gap"] > truth + 3 * s["se"]          # choosers were busier to begin with
    assert (result.units["controls"] >= 0).all()


def test_choosers_without_a_full_post_window_are_left_out():
    panel, chosen, population = _world(0.0, n=800)
    last = panel["period"].max()
    result = selection.matched_pre_post(panel, chosen, population, post=13, as_of=last)
    latest = pd.Timestamp(last) - pd.Timedelta(weeks=14)
    assert (result.units["choice_period"] <= latest).all()
