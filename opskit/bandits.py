"""Multi-armed bandits for allocating a homepage slot among creatives (docs/methods.md#bandits).

Policies are small classes that run ``n_runs`` independent copies side by side, so a simulation
of many runs is vectorised over runs and loops only over time::

    policy = ThompsonSampling(n_arms=8, n_runs=200, seed=0)
    arms = policy.select()            # one arm per run
    policy.update(arms, rewards)      # 0/1 rewards (clicks) per run

* :class:`Fixed`: always the same arm (a slot pinned to one creative); :class:`Rotation`: arms in
  turn (a fixed rotation schedule). Neither learns: regret grows linearly unless the pinned arm
  happens to be the best.
* :class:`EpsilonGreedy`: explore a random arm with probability ε, else the best mean so far;
  linear regret ≈ n·ε·mean gap for fixed ε.
* :class:`UCB1` (Auer, Cesa-Bianchi & Fischer 2002): play each arm once, then
  argmax x̄_j + sqrt(2 ln t / n_j); logarithmic regret.
* :class:`ThompsonSampling` (Thompson 1933; Agrawal & Goyal 2012): draw θ_j ~ Beta(1 + s_j,
  1 + f_j) and play the argmax; logarithmic regret for Bernoulli rewards.

:func:`simulate` returns the expected (pseudo-)regret curve Σ_t (μ* − μ_{a_t}), computed on the
true means rather than on realised rewards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.errors import OpskitError


class BanditPolicy:
    """Shared state: pulls and reward sums per run and arm.

    ``select()`` returns one arm per run; ``select(size)`` a batch of ``size`` arms per run chosen
    from the same state (feedback arrives once per batch, as when a homepage model is refreshed
    every few minutes). ``update`` takes arms and rewards of either shape.
    """

    def __init__(self, n_arms: int, n_runs: int = 1, seed: int | None = 0):
        if n_arms < 1 or n_runs < 1:
            raise OpskitError("臂（素材）数和模拟次数都至少为 1。")
        self.n_arms, self.n_runs, self.seed = int(n_arms), int(n_runs), seed
        self.rng = np.random.default_rng(seed)
        self.counts = np.zeros((self.n_runs, self.n_arms))
        self.sums = np.zeros((self.n_runs, self.n_arms))
        self.t = 0  # pulls so far in each run

    @property
    def means(self) -> np.ndarray:
        """Mean reward so far per run and arm (0 for arms not yet played)."""
        return np.divide(self.sums, self.counts, out=np.zeros_like(self.sums), where=self.counts > 0)

    def _argmax(self, values: np.ndarray) -> np.ndarray:
        """Row-wise argmax with ties broken at random."""
        best = values >= values.max(axis=1, keepdims=True)
        return np.argmax(best * (1.0 + self.rng.random(values.shape)), axis=1)

    def select(self, size: int | None = None) -> np.ndarray:
        arms = self._choose(1 if size is None else int(size))
        return arms[:, 0] if size is None else arms

    def _choose(self, size: int) -> np.ndarray:
        raise NotImplementedError

    def update(self, arms, rewards) -> None:
        """Record the rewards of the arms each run played (shape (n_runs,) or (n_runs, size))."""
        arms = np.asarray(arms, dtype=np.int64).reshape(self.n_runs, -1)
        rewards = np.asarray(rewards, dtype=float).reshape(self.n_runs, -1)
        flat = (np.arange(self.n_runs)[:, None] * self.n_arms + arms).ravel()
        size = self.n_runs * self.n_arms
        self.counts += np.bincount(flat, minlength=size).reshape(self.n_runs, self.n_arms)
        self.sums += np.bincount(flat, weights=rewards.ravel(), minlength=size).reshape(self.n_runs, self.n_arms)
        self.t += arms.shape[1]


class Fixed(BanditPolicy):
    """Always play ``arm``."""

    def __init__(self, n_arms: int, arm: int = 0, n_runs: int = 1, seed: int | None = 0):
        super().__init__(n_arms, n_runs, seed)
        if not 0 <= arm < n_arms:
            raise OpskitError(f"固定的臂 {arm} 不在 0–{n_arms - 1} 之间。")
        self.arm = int(arm)

    def _choose(self, size: int) -> np.ndarray:
        return np.full((self.n_runs, size), self.arm)


class Rotation(BanditPolicy):
    """A fixed schedule: arms in turn (equal fixed shares, no learning)."""

    def _choose(self, size: int) -> np.ndarray:
        return np.broadcast_to((self.t + np.arange(size)) % self.n_arms, (self.n_runs, size)).copy()


class EpsilonGreedy(BanditPolicy):
    """With probability ``epsilon`` a uniformly random arm, otherwise the best mean so far."""

    def __init__(self, n_arms: int, epsilon: float = 0.1, n_runs: int = 1, seed: int | None = 0):
        super().__init__(n_arms, n_runs, seed)
        if not 0 <= epsilon <= 1:
            raise OpskitError(f"ε 应在 0 到 1 之间，现在是 {epsilon}。")
        self.epsilon = float(epsilon)

    def _choose(self, size: int) -> np.ndarray:
        greedy = self._argmax(self.means)[:, None]
        explore = self.rng.random((self.n_runs, size)) < self.epsilon
        return np.where(explore, self.rng.integers(0, self.n_arms, (self.n_runs, size)), greedy)


class UCB1(BanditPolicy):
    """Each arm once, then argmax x̄_j + sqrt(2 ln t / n_j) (t = pulls so far)."""

    def _choose(self, size: int) -> np.ndarray:
        pulls = self.t + np.arange(size)
        first = pulls < self.n_arms  # the initial round: arm t at pull t
        arms = np.empty((self.n_runs, size), dtype=np.int64)
        arms[:, first] = pulls[first]
        if (~first).any():
            with np.errstate(divide="ignore", invalid="ignore"):
                bonus = np.sqrt(2.0 * np.log(max(self.t, 1)) / self.counts)
            index = np.where(self.counts > 0, self.means + bonus, np.inf)
            arms[:, ~first] = self._argmax(index)[:, None]
        return arms


class ThompsonSampling(BanditPolicy):
    """Bernoulli Thompson sampling with a uniform Beta(1, 1) prior per arm."""

    def _choose(self, size: int) -> np.ndarray:
        a = (1.0 + self.sums)[:, None, :]
        b = (1.0 + self.counts - self.sums)[:, None, :]
        draws = self.rng.beta(a, b, size=(self.n_runs, size, self.n_arms))
        return np.argmax(draws, axis=2)  # continuous draws: ties have probability 0


def simulate(policy: BanditPolicy, means, horizon: int, batch: int = 1, seed: int = 0) -> pd.DataFrame:
    """Run ``policy`` for ``horizon`` pulls against Bernoulli arms with success ``means``, with
    feedback every ``batch`` pulls.

    Returns a frame indexed by pull t = 1..horizon with the cumulative pseudo-regret averaged
    over runs (``regret``) and its 10th/90th percentiles, the share of runs playing the best
    arm at t (``best_arm_share``) and the cumulative mean reward per pull (``reward_rate``).
    """
    means = np.asarray(means, dtype=float)
    if means.ndim != 1 or len(means) != policy.n_arms:
        raise OpskitError(f"means 应有 {policy.n_arms} 个值（每个臂一个），现在是 {means.shape}。")
    if ((means < 0) | (means > 1)).any():
        raise OpskitError("伯努利奖励的均值必须在 0 到 1 之间。")
    if horizon < 1 or batch < 1:
        raise OpskitError("horizon 和 batch 都至少为 1。")
    rng = np.random.default_rng(seed)
    chosen = np.empty((horizon, policy.n_runs))
    rewarded = np.empty(horizon)
    for start in range(0, horizon, batch):
        size = min(batch, horizon - start)
        arms = policy.select(size)
        mu = means[arms]
        rewards = rng.random(mu.shape) < mu
        policy.update(arms, rewards)
        chosen[start:start + size] = mu.T
        rewarded[start:start + size] = rewards.sum(axis=0)
    best = means.max()
    regret = np.cumsum(best - chosen, axis=0)
    low, high = np.quantile(regret, [0.1, 0.9], axis=1)
    steps = np.arange(1, horizon + 1)
    return pd.DataFrame({"regret": regret.mean(axis=1), "regret_p10": low, "regret_p90": high,
                         "best_arm_share": (chosen == best).mean(axis=1),
                         "reward_rate": np.cumsum(rewarded) / (steps * policy.n_runs)},
                        index=pd.Index(steps, name="t"))
