"""Bandit policies against the closed forms and bounds of docs/methods.md#bandits."""

from __future__ import annotations

import numpy as np
import pytest

from opskit import bandits
from opskit.errors import OpskitError
from opskit.sim import homepage as sim_homepage


def test_ucb1_plays_each_arm_once_first():
    policy = bandits.UCB1(n_arms=5, n_runs=3, seed=0)
    played = []
    for _ in range(5):
        arms = policy.select()
        played.append(arms[0])
        assert (arms == arms[0]).all()
        policy.update(arms, np.zeros(3))
    assert played == [0, 1, 2, 3, 4]
    batch = bandits.UCB1(n_arms=4, n_runs=2, seed=0).select(6)
    assert batch[0, :4].tolist() == [0, 1, 2, 3]


def test_ucb1_with_identical_arms_has_zero_regret():
    curve = bandits.simulate(bandits.UCB1(3, n_runs=20, seed=1), [0.3, 0.3, 0.3], 2000, seed=2)
    assert curve["regret"].iloc[-1] == 0


def test_ucb1_regret_is_logarithmic_and_under_the_bound():
    curve = bandits.simulate(bandits.UCB1(2, n_runs=100, seed=3), [0.5, 0.6], 10_000, batch=10, seed=4)
    bound = 8 * np.log(10_000) / 0.1 + (1 + np.pi**2 / 3) * 0.1
    assert curve["regret"].iloc[-1] < bound  # ≈ 737
    # log-like growth: the second half adds far less than the first
    assert curve["regret"].iloc[-1] - curve["regret"].iloc[4999] < 0.5 * curve["regret"].iloc[4999]


def test_fixed_epsilon_greedy_regret_is_linear_at_rate_epsilon_times_mean_gap():
    curve = bandits.simulate(bandits.EpsilonGreedy(2, epsilon=0.1, n_runs=200, seed=5), [0.5, 0.6], 20_000,
                             batch=20, seed=6)
    slope = (curve["regret"].iloc[-1] - curve["regret"].iloc[9_999]) / 10_000
    assert slope == pytest.approx(0.005, rel=0.2)  # 0.1 · ½ · 0.1


def test_thompson_sampling_regret_grows_sublinearly_on_the_planted_click_model():
    ctr = sim_homepage.CREATIVES["ctr"].to_numpy()
    curve = bandits.simulate(bandits.ThompsonSampling(len(ctr), n_runs=40, seed=7), ctr, 40_000, batch=20, seed=8)
    r = curve["regret"]
    first, second = r.iloc[19_999], r.iloc[39_999] - r.iloc[19_999]
    assert second < 0.6 * first  # the second half adds much less regret than the first
    assert curve["best_arm_share"].iloc[-2000:].mean() > 0.6
    fixed = bandits.simulate(bandits.Fixed(len(ctr), arm=int(np.argmin(ctr)), n_runs=2, seed=0), ctr, 1000, seed=0)
    assert fixed["regret"].iloc[-1] == pytest.approx(1000 * (ctr.max() - ctr.min()))
    rotation = bandits.simulate(bandits.Rotation(len(ctr), n_runs=2, seed=0), ctr, 800, batch=7, seed=0)
    assert rotation["regret"].iloc[-1] == pytest.approx(800 * (ctr.max() - ctr.mean()))


def test_policies_are_deterministic_for_a_seed_and_validate_inputs():
    a = bandits.simulate(bandits.ThompsonSampling(3, n_runs=5, seed=9), [0.1, 0.2, 0.3], 300, seed=1)
    b = bandits.simulate(bandits.ThompsonSampling(3, n_runs=5, seed=9), [0.1, 0.2, 0.3], 300, seed=1)
    assert a.equals(b)
    with pytest.raises(OpskitError):
        bandits.simulate(bandits.UCB1(2), [0.1, 0.2, 0.3], 10)
    with pytest.raises(OpskitError):
        bandits.EpsilonGreedy(2, epsilon=1.5)
