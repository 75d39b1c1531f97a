"""KOL (达人) matrix of 鲜选: head, waist and tail creators and their daily results.

Each KOL's GMV over the half year is fixed by a planted, Pareto-like share (three head KOLs
take most of it), so the concentration measures of docs/methods.md#concentration have exact answers; the
daily split over collaboration days is random. Costs are a per-collaboration fee plus a
commission on GMV, set so that each KOL's GMV/cost (ROAS) equals a planted value.

Planted trap: the second head KOL has the best GMV/cost of the head tier but a 65% return rate,
so its ROI after returns and gross margin is negative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import DAY, conform
from opskit.sim.config import WorldConfig, rng_for

N_DAYS = 180
GMV_PER_USER = 30.0  # KOL GMV over the half year per registered user
GROSS_MARGIN = 0.25
COMMISSION_RATE = 0.08
TIERS = {  # tier: (number of KOLs, share of all KOL GMV, share of days with a collaboration)
    "头部": (3, 0.79, 1 / 7),
    "腰部": (12, 0.15, 1 / 10),
    "尾部": (45, 0.06, 1 / 20),
}
HEAD_SHARES = np.array([0.48, 0.21, 0.10])
HEAD_ROAS = np.array([6.0, 9.0, 5.5])
HEAD_RETURN_RATE = np.array([0.12, 0.65, 0.10])
TRAP_KOL = "K002"
FOLLOWER_RANGE = {"头部": (8e6, 3e7), "腰部": (5e5, 5e6), "尾部": (2e4, 4e5)}
ROAS_RANGE = {"腰部": (5.0, 8.0), "尾部": (4.5, 7.5)}
RETURN_RANGE = (0.05, 0.15)
RETURN_CONCENTRATION = 50.0  # daily return rate ~ Beta around the KOL's rate
PLATFORMS = ["抖音", "小红书", "快手", "视频号", "B站"]
PLATFORM_WEIGHTS = [0.45, 0.25, 0.15, 0.1, 0.05]
_NAME_HEADS = ["吃货", "厨房", "鲜生", "小食", "宝妈", "好物", "探店", "家常"]
_NAME_TAILS = ["阿珍", "小满", "大胃王", "日记", "研究所", "老王", "酱酱", "姐姐"]


def _planted_shares() -> np.ndarray:
    """GMV share of each KOL, head first; within waist and tail a Zipf-like decline."""
    shares = [HEAD_SHARES]
    for tier in ["腰部", "尾部"]:
        n, total, _ = TIERS[tier]
        weights = 1 / np.arange(1, n + 1) ** 0.8
        shares.append(total * weights / weights.sum())
    return np.concatenate(shares)


SHARES = _planted_shares()
KOL_IDS = [f"K{i:03d}" for i in range(1, len(SHARES) + 1)]

TRUTHS: dict[str, object] = {
    "kol_gmv_share": dict(zip(KOL_IDS, SHARES.round(6))),
    "kol_hhi": float(np.sum((100 * SHARES) ** 2)),
    "kol_top3_share": float(HEAD_SHARES.sum()),
    "kol_gross_margin": GROSS_MARGIN,
    "kol_trap": TRAP_KOL,
    "kol_trap_return_rate": float(HEAD_RETURN_RATE[1]),
    "kol_trap_roas": float(HEAD_ROAS[1]),
    "kol_trap_roi": float(HEAD_ROAS[1] * (1 - HEAD_RETURN_RATE[1]) * GROSS_MARGIN - 1),
}

CARD = f"""\
**达人矩阵（kols、kol_daily）**

- 共 {len(KOL_IDS)} 位合作达人：头部 {TIERS["头部"][0]}、腰部 {TIERS["腰部"][0]}、尾部 {TIERS["尾部"][0]} 位，分布在
  抖音、小红书、快手、视频号、B站。kol_daily 覆盖数据期最后 {N_DAYS} 天，只记录有合作（开播/发帖）的日子。
- 埋点（集中度）：各达人半年成交额占比固定，头部三位分别为 {", ".join(f"{s:.0%}" for s in HEAD_SHARES)}，
  CR3 = {HEAD_SHARES.sum():.0%}，按成交额份额计算的 HHI = {TRUTHS["kol_hhi"]:,.0f}（> 2,500，高度集中）；每日成交额随机分摊。
- 费用 = 每次合作的坑位费 + {COMMISSION_RATE:.0%} 佣金，使每位达人的成交额/费用（ROAS）等于埋点值。
- 陷阱：{TRAP_KOL} 是头部达人，成交额/费用 = {HEAD_ROAS[1]:g}，在头部中最高，但退货率高达
  {HEAD_RETURN_RATE[1]:.0%}；按毛利率 {GROSS_MARGIN:.0%} 计算 ROI = 成交额 × (1 − 退货率) × 毛利率 / 费用 − 1
  = {TRUTHS["kol_trap_roi"]:.2f}，是亏钱的合作。把 GMV/费用当作 ROI 会选错达人。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``kols`` and ``kol_daily``."""
    rng = rng_for(cfg, "kol")
    kols = _kols(rng)
    daily = _daily(cfg, kols, GMV_PER_USER * len(world["users"]), rng)
    return {
        "kols": conform(kols[["kol_id", "kol_name", "platform", "tier", "followers"]], "kols"),
        "kol_daily": conform(daily, "kol_daily"),
    }


def _kols(rng: np.random.Generator) -> pd.DataFrame:
    tier = np.repeat(list(TIERS), [n for n, _, _ in TIERS.values()])
    low, high = np.array([FOLLOWER_RANGE[t] for t in tier]).T
    roas = np.concatenate([HEAD_ROAS]
                          + [rng.uniform(*ROAS_RANGE[t], TIERS[t][0]) for t in ["腰部", "尾部"]])
    returns = np.concatenate([HEAD_RETURN_RATE, rng.uniform(*RETURN_RANGE, len(tier) - 3)])
    names = rng.permutation(np.char.add(np.repeat(_NAME_HEADS, len(_NAME_TAILS)),
                                        np.tile(_NAME_TAILS, len(_NAME_HEADS))))[: len(tier)]
    return pd.DataFrame({
        "kol_id": KOL_IDS,
        "kol_name": names,
        "platform": rng.choice(PLATFORMS, len(tier), p=PLATFORM_WEIGHTS),
        "tier": tier,
        "followers": np.exp(rng.uniform(np.log(low), np.log(high))).astype(np.int64),
        "share": SHARES,
        "roas": roas,
        "return_rate": returns,
        "active_share": np.repeat([a for _, _, a in TIERS.values()], [n for n, _, _ in TIERS.values()]),
        "aov": rng.uniform(60, 120, len(tier)),
        "reach": rng.uniform(0.02, 0.1, len(tier)),
        "engagement": rng.uniform(0.01, 0.06, len(tier)),
    })


def _daily(cfg: WorldConfig, kols: pd.DataFrame, total_gmv: float, rng: np.random.Generator) -> pd.DataFrame:
    n_kols = len(kols)
    n_active = np.maximum(1, np.round(kols["active_share"].to_numpy() * N_DAYS)).astype(np.int64)
    # Exactly n_active random collaboration days per KOL.
    day_rank = np.argsort(np.argsort(rng.random((n_kols, N_DAYS)), axis=1), axis=1)
    kol, day = np.nonzero(day_rank < n_active[:, None])
    # Daily GMV: random split of the planted period GMV over the collaboration days.
    weight = rng.lognormal(0, 0.5, len(kol))
    weight /= np.bincount(kol, weights=weight)[kol]
    period_gmv = kols["share"].to_numpy() * total_gmv
    gmv = np.round(period_gmv[kol] * weight, 2)
    return_rate = kols["return_rate"].to_numpy()[kol]
    concentration = RETURN_CONCENTRATION
    returns = gmv * rng.beta(concentration * return_rate, concentration * (1 - return_rate))
    fee = (period_gmv / kols["roas"].to_numpy() - COMMISSION_RATE * period_gmv) / n_active
    impressions = kols["followers"].to_numpy()[kol] * kols["reach"].to_numpy()[kol] * rng.lognormal(0, 0.3, len(kol))
    engagements = rng.binomial(impressions.astype(np.int64), kols["engagement"].to_numpy()[kol])
    dates = np.datetime64(cfg.end, "D") - (N_DAYS - day) * DAY
    frame = pd.DataFrame({
        "date": dates,
        "kol_id": kols["kol_id"].to_numpy()[kol],
        "impressions": impressions.astype(np.int64),
        "engagements": engagements,
        "orders": np.maximum(1, np.rint(gmv / kols["aov"].to_numpy()[kol])).astype(np.int64),
        "gmv": gmv,
        "returns": np.round(returns, 2),
        "cost": np.round(fee[kol] + COMMISSION_RATE * gmv, 2),
    })
    return frame.sort_values(["date", "kol_id"], kind="stable")
