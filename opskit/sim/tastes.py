"""Tastes of 鲜选's buyers: which SKUs inside a category a user picks.

Categories of basket lines are drawn independently of the user (see :mod:`opskit.sim.purchases`,
which keeps the category-level truths), but *which* SKU of the category a user takes is personal:

* every user has a hidden taste group: 品质型 leans to the dearer SKUs of each category, 实惠型 to
  the cheaper ones, 均衡型 follows the category's plain popularity (Zipf over the ranks);
* every user has a few staple SKUs per category (drawn from their taste), and a line re-buys one of
  them with probability STAPLE_SHARE, as grocery shoppers do.

This is the signal a recommender can learn (chapter 14) and the interest a price-point tag can
recover. Tastes are drawn from their own stream, so the category, quantity and timing draws of
the other parts are unchanged.
"""

from __future__ import annotations

import numpy as np

from opskit.sim.config import WorldConfig, rng_for

TASTES = ["品质型", "实惠型", "均衡型"]
TASTE_SHARES = np.array([0.25, 0.35, 0.40])
# Exponent on the standardised log price of a SKU within its category.
PRICE_TILT = np.array([1.6, -1.6, 0.0])
STAPLE_SHARE = 0.45
STAPLES_PER_CATEGORY = 2

TRUTHS: dict[str, object] = {
    "taste_groups": dict(zip(TASTES, TASTE_SHARES.tolist())),
    "taste_price_tilt": dict(zip(TASTES, PRICE_TILT.tolist())),
    "staple_share": STAPLE_SHARE,
    "staples_per_category": STAPLES_PER_CATEGORY,
}

CARD = f"""\
- **埋点：口味与常购。** 每位用户有一个隐藏的口味类型：{"、".join(f"{t} {s:.0%}" for t, s in zip(TASTES, TASTE_SHARES))}。
  品质型在每个品类里偏向单价高的 SKU，实惠型偏向单价低的，均衡型按品类内的热度（Zipf）选（选择概率 ∝ 热度 ×
  exp(倾向 × 标准化的对数单价)，倾向 = {", ".join(f"{t} {p:+.1f}" for t, p in zip(TASTES, PRICE_TILT))}）。
  每人每个品类另有 {STAPLES_PER_CATEGORY} 个“常购” SKU（按口味抽取），每一行以 {STAPLE_SHARE:.0%} 的概率复购其中之一。
  品类的抽取与用户无关（品类层面的真相不变），个性化只体现在品类内选哪一个 SKU：这是推荐算法（第 14 章）能学到的信号，
  也是“价格带兴趣标签”能找回的口味。
"""


def user_tastes(cfg: WorldConfig, n_users: int) -> np.ndarray:
    """Taste group code (into :data:`TASTES`) of each user position; deterministic for ``cfg``."""
    rng = rng_for(cfg, "tastes")
    return np.searchsorted(np.cumsum(TASTE_SHARES), rng.random(n_users), side="right").clip(0, len(TASTES) - 1)


def taste_cdfs(prices: np.ndarray, zipf_cdf: np.ndarray) -> np.ndarray:
    """Cumulative SKU-choice distribution per (taste, category): shape (tastes, categories, skus)."""
    zipf = np.diff(np.r_[0.0, zipf_cdf])
    logp = np.log(prices)
    z = (logp - logp.mean(axis=1, keepdims=True)) / logp.std(axis=1, keepdims=True)
    weights = zipf[None, None, :] * np.exp(PRICE_TILT[:, None, None] * z[None, :, :])
    cdf = np.cumsum(weights, axis=2)
    cdf /= cdf[:, :, -1:]
    cdf[:, :, -1] = 1.0
    return cdf


def personal_skus(cfg: WorldConfig, line_user: np.ndarray, category: np.ndarray, uniform: np.ndarray,
                  prices: np.ndarray, zipf_cdf: np.ndarray, n_users: int) -> np.ndarray:
    """SKU rank of each line given its user position, its category and a uniform draw.

    The uniform draw (from the lines stream) picks from the user's taste distribution, so a 均衡型
    user's lines are exactly the plain Zipf draws; staples and their use come from the tastes stream.
    """
    taste = user_tastes(cfg, n_users)
    rng = rng_for(cfg, "staples")
    cdfs = taste_cdfs(prices, zipf_cdf)
    n_categories = prices.shape[0]
    staple_u = rng.random((n_users, n_categories, STAPLES_PER_CATEGORY))
    reuse = rng.random(len(line_user)) < STAPLE_SHARE
    slot = rng.integers(0, STAPLES_PER_CATEGORY, len(line_user))
    staples = np.empty(staple_u.shape, dtype=np.int16)
    line_taste = taste[line_user]
    out = np.empty(len(line_user), dtype=np.int16)
    # One searchsorted per (taste, category): 36 vectorised calls, whatever the world's size.
    for t in range(len(TASTES)):
        users_t = taste == t
        for c in range(n_categories):
            staples[users_t, c] = np.searchsorted(cdfs[t, c], staple_u[users_t, c], side="right")
            lines = (line_taste == t) & (category == c)
            out[lines] = np.searchsorted(cdfs[t, c], uniform[lines], side="right")
    np.minimum(staples, prices.shape[1] - 1, out=staples)
    np.minimum(out, prices.shape[1] - 1, out=out)
    return np.where(reuse, staples[line_user, category, slot], out).astype(np.int16)
