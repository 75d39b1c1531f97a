"""Homepage resource slots of 鲜选: daily performance per slot and creative.

Five slots (positions 1-5) show five of eight creatives a day. Clicks follow the examination
hypothesis of docs/methods.md#homepage: P(click) = theta_k * ctr_d, with a planted position bias theta_k.
Most days the operators place the creatives they believe in (high raw CTR) at the top; on about a
third of the days the slots are rotated at random, which makes theta estimable.

Planted trap: the creative with the highest raw CTR (and the top slot most days) is not the one
that earns the most GMV per impression once position bias is removed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import DAY, conform
from opskit.sim.config import WorldConfig, rng_for

POSITION_BIAS = np.array([1.0, 0.6, 0.4, 0.3, 0.2])
N_DAYS = 84
RANDOM_DAY_SHARE = 1 / 3
MIN_DAILY_VISITORS = 5000
VISITOR_SHARE = 0.25  # daily homepage visitors per registered user
OPS_RANKING_NOISE = 0.3  # operators rank creatives by log CTR plus this much noise
GMV_PER_ORDER_SHAPE = 4.0  # gamma shape of one order's amount

CREATIVES = pd.DataFrame({
    "creative_id": ["C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08"],
    "theme": ["限时秒杀", "当季鲜果", "会员专享价", "新人礼包", "菜谱灵感", "家庭囤货", "早餐专区", "进口牛排"],
    "ctr": [0.080, 0.055, 0.060, 0.070, 0.045, 0.040, 0.050, 0.035],  # at position 1
    "cvr": [0.040, 0.085, 0.060, 0.035, 0.050, 0.070, 0.055, 0.060],
    "aov": [55.0, 95.0, 85.0, 60.0, 80.0, 120.0, 45.0, 150.0],
})
_GPM = 1000 * CREATIVES["ctr"] * CREATIVES["cvr"] * CREATIVES["aov"]

TRUTHS: dict[str, object] = {
    "position_bias": dict(zip(range(1, 6), POSITION_BIAS.tolist())),
    "creative_theme": dict(zip(CREATIVES["creative_id"], CREATIVES["theme"])),
    "creative_ctr": dict(zip(CREATIVES["creative_id"], CREATIVES["ctr"])),
    "creative_cvr": dict(zip(CREATIVES["creative_id"], CREATIVES["cvr"])),
    "creative_aov": dict(zip(CREATIVES["creative_id"], CREATIVES["aov"])),
    "creative_gpm_at_top": dict(zip(CREATIVES["creative_id"], _GPM.round(4))),
    "best_creative": CREATIVES["creative_id"][_GPM.idxmax()],
    "highest_ctr_creative": CREATIVES["creative_id"][CREATIVES["ctr"].idxmax()],
    "homepage_random_day_share": RANDOM_DAY_SHARE,
}

CARD = f"""\
**首页资源位（homepage_slots）**

- 数据期最后 {N_DAYS} 天，首页 5 个资源位（S1–S5，位置 1–5）每天各展示 8 个素材中的一个。每个资源位每天的曝光约为
  注册用户数 × {VISITOR_SHARE}（至少 {MIN_DAILY_VISITORS}），点击服从“检验假设”：点击率 = 位置偏差 θ_k × 素材本身点击率。
- 埋点的位置偏差 θ = {", ".join(f"{t:g}" for t in POSITION_BIAS)}（位置 1–5）。平时运营按“看起来点击率高”的顺序排素材；
  约 {RANDOM_DAY_SHARE:.0%} 的日子做随机轮播，因此可以估出 θ（同一素材在不同位置的点击率之比）。
- 素材真实参数（位置 1 的点击率/转化率/客单价）：
  {"；".join(f"{r.creative_id} {r.theme} {r.ctr:.1%}/{r.cvr:.1%}/{r.aov:.0f}元" for r in CREATIVES.itertuples())}。
- 陷阱：原始点击率最高、又常年占据首位的是 {TRUTHS["highest_ctr_creative"]}（{TRUTHS["creative_theme"][TRUTHS["highest_ctr_creative"]]}），
  但去除位置偏差后千次曝光成交额（GPM）最高的是 {TRUTHS["best_creative"]}（{TRUTHS["creative_theme"][TRUTHS["best_creative"]]}）。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``homepage_slots``."""
    rng = rng_for(cfg, "homepage")
    n_slots = len(POSITION_BIAS)
    days = np.datetime64(cfg.end, "D") - np.arange(N_DAYS, 0, -1) * DAY
    creative = _daily_layout(rng)  # (days, slots) creative index per slot
    visitors = max(MIN_DAILY_VISITORS, VISITOR_SHARE * len(world["users"]))
    day_level = visitors * rng.lognormal(-0.005, 0.1, (N_DAYS, 1))  # busy and quiet days
    impressions = rng.poisson(np.broadcast_to(day_level, creative.shape))
    clicks = rng.binomial(impressions, POSITION_BIAS * CREATIVES["ctr"].to_numpy()[creative])
    orders = rng.binomial(clicks, CREATIVES["cvr"].to_numpy()[creative])
    order_mean = CREATIVES["aov"].to_numpy()[creative]
    gmv = rng.gamma(GMV_PER_ORDER_SHAPE * orders, order_mean / GMV_PER_ORDER_SHAPE)
    frame = pd.DataFrame({
        "date": np.repeat(days, n_slots),
        "slot_id": np.tile([f"S{k}" for k in range(1, n_slots + 1)], N_DAYS),
        "position": np.tile(np.arange(1, n_slots + 1), N_DAYS),
        "creative_id": CREATIVES["creative_id"].to_numpy()[creative.ravel()],
        "impressions": impressions.ravel(),
        "clicks": clicks.ravel(),
        "orders": orders.ravel(),
        "gmv": np.round(gmv.ravel(), 2),
    })
    return {"homepage_slots": conform(frame, "homepage_slots")}


def _daily_layout(rng: np.random.Generator) -> np.ndarray:
    """Creative index per (day, slot): ranked by the operators, or shuffled on random days."""
    n_slots, n_creatives = len(POSITION_BIAS), len(CREATIVES)
    ops_score = np.log(CREATIVES["ctr"].to_numpy()) + rng.normal(0, OPS_RANKING_NOISE, (N_DAYS, n_creatives))
    random_day = rng.random(N_DAYS) < RANDOM_DAY_SHARE
    score = np.where(random_day[:, None], rng.random((N_DAYS, n_creatives)), ops_score)
    return np.argsort(-score, axis=1)[:, :n_slots]
