import numpy as np
import pandas as pd
import pytest

from opskit import activation
from opskit.data.dataset import open_dataset
from opskit.sim import TRUTHS


@pytest.fixture(scope="module")
def demo():
    return open_dataset("", "", False)


def test_deterministic_oracle_is_recovered_at_seven():
    x = np.repeat(np.arange(15), 20)
    y = x >= 7
    table = activation.threshold_table(x, y)
    assert table["jaccard"].idxmax() == 7 and table.loc[7, "jaccard"] == 1.0
    assert table["f1"].idxmax() == 7 and table.loc[7, "f1"] == 1.0
    assert (table["jaccard"] < 1).sum() == len(table) - 1
    best, _ = activation.aha_search(pd.DataFrame({"e": x}), pd.Series(y), score="jaccard", min_coverage=0)
    assert best["k"] == 7 and best["event"] == "e"


def test_f1_is_a_monotone_transform_of_jaccard():
    rng = np.random.default_rng(0)
    x = rng.poisson(3, 2000)
    y = rng.uniform(size=2000) < 0.1 + 0.08 * x
    t = activation.threshold_table(x, y).dropna(subset=["jaccard"])
    np.testing.assert_allclose(t["f1"], 2 * t["jaccard"] / (1 + t["jaccard"]))
    assert t["f1"].idxmax() == t["jaccard"].idxmax()


def test_edge_thresholds():
    rng = np.random.default_rng(1)
    x = rng.poisson(2, 500)
    y = rng.uniform(size=500) < 0.3
    t = activation.threshold_table(x, y)
    assert t.loc[0, "recall"] == 1 and t.loc[0, "precision"] == pytest.approx(y.mean())
    assert t.loc[0, "coverage"] == 1
    assert t.loc[x.max() + 1, "tp"] == 0
    assert (t[["tp", "fp", "fn", "tn"]].sum(axis=1) == 500).all()


def test_independent_outcome_has_lift_near_one():
    rng = np.random.default_rng(2)
    x = rng.poisson(3, 50000)
    y = rng.uniform(size=50000) < 0.3
    t = activation.threshold_table(x, y, max_k=5)
    np.testing.assert_allclose(t.loc[1:5, "lift"], 1, atol=0.08)


def test_aha_search_recovers_the_planted_behaviour(demo):
    truth = TRUTHS["behaviour"]
    users = activation.engaged_users(demo["users"], demo["events"])
    events = ["add_favorite", "view_item", "search", "share", "app_open", "push_open"]
    counts = activation.early_counts(users, demo["events"], events, truth["aha_window_days"])
    outcome = activation.retained_after(users, demo["orders"], 7, 30)
    best, table = activation.aha_search(counts, outcome)
    assert (best["event"], best["k"]) == (truth["aha_event"], truth["aha_threshold_k"])
    assert len(table) == len(events) * 16
    fav = table.set_index(["event", "k"]).loc["add_favorite"]
    reached = fav.loc[truth["aha_threshold_k"], "precision"]
    assert reached == pytest.approx(truth["aha_retained_rate_expected"], abs=0.08)


def test_early_counts_respect_the_window():
    users = pd.DataFrame({"user_id": [1, 2], "register_time": pd.to_datetime(["2024-01-01", "2024-01-05"])})
    events = pd.DataFrame({"user_id": [1, 1, 1, 2], "event_type": ["a", "a", "b", "a"],
                           "event_time": pd.to_datetime(["2024-01-01 00:00", "2024-01-07 23:00", "2024-01-08 00:00", "2024-01-04 00:00"])})
    counts = activation.early_counts(users, events, ["a", "b"], 7)
    assert counts.loc[1].tolist() == [2, 0] and counts.loc[2].tolist() == [0, 0]


def test_excitement_index_and_time_to_first_order(demo):
    users, orders = demo["users"], demo["orders"]
    counts = activation.early_counts(users, demo["events"], ["add_favorite"], 7)["add_favorite"]
    idx = activation.excitement_index(users, counts, 3)
    weighted = (idx["excitement_index"] * idx["users"]).sum() / idx["users"].sum()
    assert weighted == pytest.approx(100)
    assert ((idx["aha_rate"] >= 0) & (idx["aha_rate"] <= 1)).all()
    ttfo = activation.time_to_first_order(users, orders, 30)
    assert ttfo["cumulative_share"].is_monotonic_increasing and ttfo["cumulative_share"].iloc[-1] <= 1
    funnel = activation.new_user_funnel(users, demo["events"], ["app_open", "view_item", "checkout"], 7)
    assert funnel["users"].is_monotonic_decreasing
