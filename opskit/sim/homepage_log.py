"""Homepage impression log of 鲜选: who saw which creative where, and whether they clicked.

A sample of homepage visits over the last LOG_DAYS days. Each visit shows three of the eight
creatives of :mod:`opskit.sim.homepage` in positions 1–3, chosen by a known *logging policy*:

* with probability EXPLORE_SHARE a uniformly random ordered triple (the exploration bucket);
* otherwise a Plackett–Luce draw with weights ∝ ctr^(1/TEMPERATURE): the creatives the operators
  believe in (high CTR) usually go on top, but every creative can appear anywhere.

The ``propensity`` of a row is the exact marginal probability that this policy puts this
creative at this position (enumerated over all ordered triples), which is what inverse
propensity weighting needs. Clicks follow the examination hypothesis with
θ = LOG_POSITION_BIAS; a click orders with the creative's CVR and an order's GMV is Gamma with
the creative's AOV, so the best creative by GMV per impression (C02) is not the one with the
highest CTR (C01). All creatives were refreshed on the first day of the log and wear out
together: the click probability falls by FATIGUE_PER_DAY (log scale) per day on air.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pandas as pd

from opskit.sim._periphery import DAY, conform
from opskit.sim.config import WorldConfig, rng_for
from opskit.sim.homepage import CREATIVES, GMV_PER_ORDER_SHAPE

LOG_DAYS = 28
LOG_POSITION_BIAS = np.array([1.0, 0.6, 0.4])
EXPLORE_SHARE = 0.2
TEMPERATURE = 0.5
VISITS_PER_USER = 2       # sampled visits in the log per registered user
MIN_VISITS, MAX_VISITS = 4_000, 400_000
FATIGUE_PER_DAY = 0.012   # CTR × exp(−FATIGUE_PER_DAY · days since the creatives went live)

_GPM_AT_TOP = 1000 * CREATIVES["ctr"] * CREATIVES["cvr"] * CREATIVES["aov"]

TRUTHS: dict[str, object] = {
    "log_position_bias": dict(zip(range(1, 4), LOG_POSITION_BIAS.tolist())),
    "logging_explore_share": EXPLORE_SHARE,
    "logging_temperature": TEMPERATURE,
    "creative_fatigue_per_day": FATIGUE_PER_DAY,
    "best_creative_by_ctr": CREATIVES["creative_id"][CREATIVES["ctr"].idxmax()],
    "best_creative_by_gpm": CREATIVES["creative_id"][_GPM_AT_TOP.idxmax()],
}

CARD = f"""\
**首页曝光日志（homepage_impressions）**

- 数据期最后 {LOG_DAYS} 天的首页访问抽样（每位注册用户约 {VISITS_PER_USER} 次，至少 {MIN_VISITS:,} 次），每次访问在位置 1–3
  展示 8 个素材中的 3 个，每个位置一行：是否点击、带来的成交额，以及**倾向分**（propensity：投放策略在该位置选中该素材的概率）。
- 投放策略（logging policy）已知：{EXPLORE_SHARE:.0%} 的访问随机排列（探索桶），其余按“点击率越高越靠前”的
  Plackett–Luce 抽样（权重 ∝ 点击率^{1 / TEMPERATURE:g}）。倾向分是对所有排列精确求和得到的边际概率，可直接用于 IPW 离线评估。
- 点击服从检验假设，位置偏差 θ = {", ".join(f"{t:g}" for t in LOG_POSITION_BIAS)}（位置 1–3），素材参数与 homepage_slots 相同：
  点击率最高的是 {TRUTHS["best_creative_by_ctr"]}，千次曝光成交额最高的是 {TRUTHS["best_creative_by_gpm"]}。
- 素材疲劳：全部素材在日志第一天上新，之后点击率每天按 exp(−{FATIGUE_PER_DAY:g} × 上线天数) 衰减
  （{LOG_DAYS} 天后约为首日的 {np.exp(-FATIGUE_PER_DAY * (LOG_DAYS - 1)):.0%}）。
"""


def logging_policy() -> pd.DataFrame:
    """P(creative at position) under the logging policy: positions 1–3 × creatives."""
    n_pos = len(LOG_POSITION_BIAS)
    weights = CREATIVES["ctr"].to_numpy() ** (1.0 / TEMPERATURE)
    marginal = np.zeros((n_pos, len(weights)))
    for slate in permutations(range(len(weights)), n_pos):
        p, left = 1.0, weights.sum()
        for item in slate:
            p *= weights[item] / left
            left -= weights[item]
        marginal[np.arange(n_pos), list(slate)] += p
    table = (1 - EXPLORE_SHARE) * marginal + EXPLORE_SHARE / len(weights)
    return pd.DataFrame(table, index=pd.Index(range(1, n_pos + 1), name="position"),
                        columns=pd.Index(CREATIVES["creative_id"].tolist(), name="item"))


def mean_fatigue() -> float:
    """The average fatigue multiplier over the log's days (visits are spread evenly over days)."""
    return float(np.mean(np.exp(-FATIGUE_PER_DAY * np.arange(LOG_DAYS))))


def true_value(policy: pd.DataFrame, reward: str = "click") -> float:
    """Expected reward per impression of a policy table (positions 1–3 × creatives) under the
    planted click model over the log's days: mean over positions of
    Σ P(item at position) · θ_k · rate(item), times the mean fatigue multiplier."""
    rate = CREATIVES.set_index("creative_id")["ctr"]
    if reward == "gmv":
        rate = rate * CREATIVES.set_index("creative_id")["cvr"] * CREATIVES.set_index("creative_id")["aov"]
    theta = pd.Series(LOG_POSITION_BIAS, index=range(1, len(LOG_POSITION_BIAS) + 1))
    table = policy.reindex(columns=rate.index, fill_value=0.0)
    per_position = (table * rate).sum(axis=1) * theta.reindex(table.index).to_numpy()
    return float(per_position.mean()) * mean_fatigue()


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``homepage_impressions``."""
    rng = rng_for(cfg, "homepage_log")
    users = world["users"]
    n_visits = int(np.clip(VISITS_PER_USER * len(users), MIN_VISITS, MAX_VISITS))
    n_pos, n_items = len(LOG_POSITION_BIAS), len(CREATIVES)
    first_day = np.datetime64(cfg.end, "D") - LOG_DAYS * DAY
    day = np.sort(rng.integers(0, LOG_DAYS, n_visits))
    registered = users.loc[users["register_time"] < np.datetime64(first_day, "us"), "user_id"].to_numpy()
    if len(registered) == 0:
        registered = users["user_id"].to_numpy()
    visitor = registered[rng.integers(0, len(registered), n_visits)]

    # Slates: Gumbel-top-k is an exact Plackett-Luce draw; the exploration bucket is uniform.
    log_w = np.log(CREATIVES["ctr"].to_numpy()) / TEMPERATURE
    explore = rng.random(n_visits) < EXPLORE_SHARE
    score = np.where(explore[:, None], 0.0, log_w[None, :]) + rng.gumbel(size=(n_visits, n_items))
    slate = np.argsort(-score, axis=1, kind="stable")[:, :n_pos]

    item = slate.ravel()
    position = np.tile(np.arange(n_pos), n_visits)
    wear = np.exp(-FATIGUE_PER_DAY * np.repeat(day, n_pos))
    p_click = LOG_POSITION_BIAS[position] * CREATIVES["ctr"].to_numpy()[item] * wear
    click = rng.random(len(item)) < p_click
    ordered = click & (rng.random(len(item)) < CREATIVES["cvr"].to_numpy()[item])
    aov = CREATIVES["aov"].to_numpy()[item]
    gmv = np.where(ordered, rng.gamma(GMV_PER_ORDER_SHAPE, aov / GMV_PER_ORDER_SHAPE), 0.0)
    propensity = logging_policy().to_numpy()[position, item]
    visit = np.repeat(np.arange(n_visits), n_pos)
    width = max(6, len(str(n_visits)))
    request_ids = np.char.add("R", np.char.zfill(np.arange(1, n_visits + 1).astype(str), width))
    frame = pd.DataFrame({
        "request_id": request_ids[visit],
        "date": first_day + day[visit] * DAY,
        "user_id": visitor[visit],
        "position": position + 1,
        "creative_id": CREATIVES["creative_id"].to_numpy()[item],
        "click": click.astype(np.int64),
        "gmv": np.round(gmv, 2),
        "propensity": np.round(propensity, 10),
    })
    return {"homepage_impressions": conform(frame, "homepage_impressions")}
