"""Chapter 15 methods (ARPU curve, task chain, task experiment, growth) and the task-system sim part."""

import numpy as np
import pandas as pd
import pytest

from opskit import gamification as game
from opskit.sim import TRUTHS, load_demo

AS_OF = pd.Timestamp("2026-01-01")


def test_arpu_curve_on_a_hand_example():
    orders = pd.DataFrame({"user_id": ["a", "a", "b", "b", "c"],
                           "order_time": pd.to_datetime(["2025-01-05", "2025-02-10", "2025-02-01", "2025-02-20", "2025-03-03"]),
                           "amount": [10.0, 20.0, 5.0, 5.0, 7.0]})
    curve = game.arpu_curve(orders, as_of="2025-04-01").set_index("tenure_month")
    # observed: a months 0-2, b months 0-1, c month 0 (March is the last full month before April)
    assert curve["customers"].tolist() == [3, 2, 1]
    assert curve.loc[0, "spend_per_customer"] == pytest.approx((10 + 10 + 7) / 3)
    assert curve.loc[1, "spend_per_customer"] == pytest.approx(20 / 2)
    assert curve.loc[2, "cumulative"] == pytest.approx(9 + 10 + 0)


def test_arpu_bound_fit_tells_bounded_from_unbounded():
    t = np.arange(24)
    bounded = pd.DataFrame({"tenure_month": t, "customers": 100, "cumulative": 500 * (1 - np.exp(-(t + 1) / 3))})
    assert game.fit_arpu_bound(bounded)["bounded"]
    growing = bounded.assign(cumulative=bounded["cumulative"] + 40 * (t + 1))
    fit = game.fit_arpu_bound(growing)
    assert not fit["bounded"] and fit["c"] == pytest.approx(40, rel=0.05)


def test_chain_funnel_counts_only_ordered_completions():
    tasks = pd.DataFrame({"task_id": ["s1", "s2", "x"], "task_name": ["一", "二", "外"],
                          "chain_step": pd.array([1, 2, None], dtype="Int64"), "growth_reward": [1.0, 1.0, 1.0]})
    t = pd.Timestamp("2025-01-01")
    log = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u2", "u3"], "task_id": ["s1", "s2", "s2", "s1", "s1"],
                        "completed_time": [t, t + pd.Timedelta(hours=1), t, t + pd.Timedelta(hours=1), t]})
    firsts = game.first_completions(log, tasks, as_of="2026-01-01")
    funnel = game.chain_funnel(firsts, tasks, users=["u1", "u2", "u3", "u4"])
    assert funnel["reached"].tolist() == [3, 1]  # u2 did step 2 before step 1
    assert funnel["done_any_order"].tolist() == [3, 2]
    assert funnel["rate"].iloc[0] == pytest.approx(0.75)


def test_task_effects_wald_on_a_hand_example():
    exp = pd.DataFrame({"user_id": range(8), "task_id": "T", "shown": [1, 1, 1, 1, 0, 0, 0, 0],
                        "completed": [1, 1, 0, 0, 0, 0, 0, 0], "retained": [1, 1, 1, 0, 1, 0, 0, 0]})
    eff = game.task_effects(exp).loc["T"]
    assert eff["itt"] == pytest.approx(0.75 - 0.25)
    assert eff["compliance"] == pytest.approx(0.5)
    assert eff["cace"] == pytest.approx(1.0)
    assert eff["naive"] == pytest.approx(1.0 - 2 / 6)


def test_task_experiment_recovers_causal_and_correlated_tasks():
    exp, orders, users = load_demo("task_experiment"), load_demo("orders"), load_demo("users")
    truth = TRUTHS["gamification"]
    eff = game.task_effects(exp)
    causal, corr = eff.loc[truth["causal_task"]], eff.loc[truth["correlated_task"]]
    # Both look good naively (selection); only the causal task survives randomisation.
    assert causal["naive"] > 0.1 and corr["naive"] > 0.1
    assert causal["itt"] - 3 * causal["itt_se"] > 0
    assert abs(corr["itt"]) < 3 * corr["itt_se"]
    # True effect on completers: the lift applies to completers who would not have ordered in days 31-90.
    reg = users.set_index("user_id")["register_time"]
    age = orders["order_time"] - orders["user_id"].map(reg).to_numpy()
    organic = orders.loc[(age >= pd.Timedelta(days=30)) & (age < pd.Timedelta(days=90)), "user_id"].unique()
    done = exp[(exp["task_id"] == truth["causal_task"]) & (exp["completed"] == 1)]
    true_effect = truth["causal_task_lift_among_nonretained"] * (1 - done["user_id"].isin(organic).mean())
    assert abs(causal["cace"] - true_effect) < 3 * causal["cace_se"]


def test_task_log_agrees_with_the_tables_it_is_read_from():
    log, orders, tasks = load_demo("task_log"), load_demo("orders"), load_demo("tasks")
    first_order = orders.groupby("user_id")["order_time"].min()
    t03 = log[log["task_id"] == "T03"].set_index("user_id")["completed_time"]
    assert (t03 == first_order.reindex(t03.index)).all()
    assert log["completed_time"].min() >= pd.Timestamp(TRUTHS["gamification"]["task_launch"])
    assert set(log["task_id"]) <= set(tasks["task_id"])


def test_monthly_growth_matches_pandas():
    orders, log, tasks = load_demo("orders"), load_demo("task_log"), load_demo("tasks")
    wide = game.monthly_growth(orders, log, tasks, start="2025-01-01", end=AS_OF)
    spend = orders[orders["order_time"] >= "2025-01-01"]["amount"].sum()
    rewards = log[log["completed_time"] >= "2025-01-01"].merge(tasks, on="task_id")["growth_reward"].sum()
    assert wide.to_numpy().sum() == pytest.approx(spend + rewards)
    assert len(wide.columns) == 12
