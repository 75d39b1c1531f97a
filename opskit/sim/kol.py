"""KOL (达人) matrix of 鲜选: head, waist and tail creators and their daily results.

Each KOL's GMV over the half year is fixed by a planted, Pareto-like share (three head KOLs
take most of it), so the concentration measures of docs/methods.md#concentration have exact answers; the
daily split over collaboration days is random. Costs are a per-collaboration fee plus a
commission on GMV, set so that each KOL's GMV/cost (ROAS) equals a planted value.

Planted trap: the second head KOL has the best GMV/cost of the head tier but a 65% return rate,
so its ROI after returns and gross margin is negative.

The matrix also lives in time (``kol_roster``, ``kol_requests``): head and waist KOLs and most of
the tail joined before the window; the last tail KOLs are recruits who join during it. Every KOL
ramps up as 1 − exp(−age/τ) (τ planted), which shapes the daily split of their (fixed) period GMV.
KOLs raise supply-chain requests (选品、补货、样品、售后); the slower the answers, the sooner they
leave: the daily leaving hazard is multiplied by a planted ratio for each extra day of mean response
time (the 加竹生活 lesson). Head KOLs have a dedicated supply-chain contact and do not leave.
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

# The matrix in time: recruitment, ramp-up, training, supply-chain response and leaving.
N_RECRUITS = 20                # the last tail KOLs join during the window
RECRUIT_SPAN_DAYS = 150        # recruits join within the first 150 days of the window
RAMP_TAU_DAYS = 40.0           # every KOL ramps up as 1 - exp(-age / tau)
SOURCES = ["门店店长", "员工", "老客", "达人推荐", "外部达人"]
INCUMBENT_TAIL_SOURCE_P = [0.3, 0.2, 0.2, 0.0, 0.3]
RECRUIT_SOURCE_P = [0.25, 0.15, 0.2, 0.3, 0.1]
RECRUIT_TRAINED_SHARE = 0.6    # recruits who complete the training programme
INCUMBENT_TRAINED_SHARE = 0.5  # tail incumbents trained before the window (no cost in the window)
TRAINING_COST = 300.0          # per trained recruit, paid in the window
SAMPLE_COST_RATE = 0.04        # samples per collaboration: 4% of its expected GMV (lognormal, sigma 0.5)
RESPONSE_MEDIAN_HOURS = 30.0   # per-KOL mean supply-chain response time: lognormal(log 30h, 0.6)
RESPONSE_SIGMA = 0.6
HEAD_RESPONSE_HOURS = 6.0      # head KOLs have a dedicated contact
REQUEST_SIGMA = 0.5            # single requests scatter around the KOL's mean (lognormal)
REQUESTS_PER_DAY = 0.12        # head KOLs: 0.3
REQUEST_TYPES = ["选品", "补货", "样品", "售后"]
REQUEST_TYPE_P = [0.35, 0.3, 0.2, 0.15]
LEAVE_HAZARD_PER_DAY = 0.0006  # daily leaving hazard at a 1-day mean response time
LEAVE_RATE_RATIO_PER_DAY = 2.5  # x this per extra day of mean response time


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
    "kol_recruits": KOL_IDS[-N_RECRUITS:],
    "kol_ramp_tau_days": RAMP_TAU_DAYS,
    "kol_recruit_trained_share": RECRUIT_TRAINED_SHARE,
    "kol_training_cost": TRAINING_COST,
    "kol_leave_hazard_per_day_at_1d_response": LEAVE_HAZARD_PER_DAY,
    "kol_leave_rate_ratio_per_response_day": LEAVE_RATE_RATIO_PER_DAY,
    "kol_head_never_leave": True,
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
- 达人档案（kol_roster）与需求工单（kol_requests）：头部、腰部和大部分尾部达人在数据期之前加入；最后
  {N_RECRUITS} 位尾部达人是数据期前 {RECRUIT_SPAN_DAYS} 天内新招募的，其中约 {RECRUIT_TRAINED_SHARE:.0%} 完成培训
  （每人培训费 {TRAINING_COST:,.0f} 元）；每次合作寄送的样品约为该次合作预期成交额的 {SAMPLE_COST_RATE:.0%}。埋点（爬坡）：每位达人的产出按 1 − exp(−入驻天数/τ) 爬坡，
  τ = {RAMP_TAU_DAYS:g} 天（约 {RAMP_TAU_DAYS * 2.303:.0f} 天达到稳态的 90%）；成交额只在入驻至离开之间发生。
- 埋点（加竹生活）：每位达人的供应链平均响应时间服从对数正态（中位 {RESPONSE_MEDIAN_HOURS:g} 小时），
  达人每天离开的风险 = {LEAVE_HAZARD_PER_DAY} × {LEAVE_RATE_RATIO_PER_DAY:g}^(平均响应天数 − 1)：响应每慢一天，离开风险
  乘以 {LEAVE_RATE_RATIO_PER_DAY:g}。头部达人有专属供应链对接（约 {HEAD_RESPONSE_HOURS:g} 小时），数据期内不离开。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``kols``, ``kol_daily``, ``kol_roster`` and ``kol_requests``."""
    rng = rng_for(cfg, "kol")
    kols = _kols(rng)
    roster = _roster(kols, rng_for(cfg, "kol_roster"))
    daily, samples = _daily(cfg, kols, roster, GMV_PER_USER * len(world["users"]), rng)
    roster["sample_cost"] = np.round(samples, 2)
    requests = _requests(cfg, roster, rng_for(cfg, "kol_requests"))
    window_start = np.datetime64(cfg.end, "D") - N_DAYS * DAY
    roster["join_date"] = window_start + roster["join_day"].to_numpy() * DAY
    left = roster["leave_day"].to_numpy() < N_DAYS
    leave = window_start + np.minimum(roster["leave_day"].to_numpy(), N_DAYS) * DAY
    roster["leave_date"] = pd.Series(leave).where(left)
    return {
        "kols": conform(kols[["kol_id", "kol_name", "platform", "tier", "followers"]], "kols"),
        "kol_daily": conform(daily, "kol_daily"),
        "kol_roster": conform(roster[["kol_id", "join_date", "leave_date", "source", "trained",
                                      "sample_cost", "training_cost"]], "kol_roster"),
        "kol_requests": conform(requests, "kol_requests"),
    }


def ramp(age_days) -> np.ndarray:
    """Share of full strength a KOL has reached ``age_days`` after joining (planted ramp-up)."""
    return -np.expm1(-np.maximum(np.asarray(age_days, dtype=float), 0.0) / RAMP_TAU_DAYS)


def _roster(kols: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Join day (relative to the window start), source, training, response time and leave day."""
    n = len(kols)
    tier = kols["tier"].to_numpy()
    recruit = np.zeros(n, bool)
    recruit[-N_RECRUITS:] = True
    head = tier == "头部"
    join_day = -rng.integers(90, 540, n)  # incumbents: 3 to 18 months before the window
    join_day[recruit] = np.sort(rng.integers(0, RECRUIT_SPAN_DAYS, N_RECRUITS))
    source = np.full(n, "外部达人", dtype=object)
    tail_incumbent = (tier == "尾部") & ~recruit
    source[tail_incumbent] = rng.choice(SOURCES, tail_incumbent.sum(), p=INCUMBENT_TAIL_SOURCE_P)
    source[recruit] = rng.choice(SOURCES, N_RECRUITS, p=RECRUIT_SOURCE_P)
    trained = np.zeros(n, np.int64)
    trained[tail_incumbent] = rng.random(tail_incumbent.sum()) < INCUMBENT_TRAINED_SHARE
    trained[recruit] = rng.random(N_RECRUITS) < RECRUIT_TRAINED_SHARE
    response = np.exp(rng.normal(np.log(RESPONSE_MEDIAN_HOURS), RESPONSE_SIGMA, n))
    response[head] = HEAD_RESPONSE_HOURS
    hazard = LEAVE_HAZARD_PER_DAY * LEAVE_RATE_RATIO_PER_DAY ** (response / 24 - 1)
    start = np.maximum(join_day, 0)
    leave_day = np.floor(start + 1 + rng.exponential(1 / hazard)).astype(np.int64)
    leave_day[head] = N_DAYS  # never within the window
    return pd.DataFrame({
        "kol_id": kols["kol_id"].to_numpy(), "join_day": join_day, "leave_day": np.minimum(leave_day, N_DAYS),
        "source": source, "trained": trained, "recruit": recruit, "response_hours": response,
        "training_cost": np.where(recruit & (trained == 1), TRAINING_COST, 0.0),
    })


def _requests(cfg: WorldConfig, roster: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Supply-chain requests while each KOL is in the matrix, answered around its mean time."""
    start = np.maximum(roster["join_day"].to_numpy(), 0)
    days = roster["leave_day"].to_numpy() - start
    rate = np.where(roster["kol_id"].isin(KOL_IDS[:3]), 0.3, REQUESTS_PER_DAY)
    count = rng.poisson(rate * days)
    kol = np.repeat(np.arange(len(roster)), count)
    offset_s = (start[kol] + rng.random(kol.size) * days[kol]) * 86_400
    base = np.datetime64(cfg.end, "s") - np.timedelta64(N_DAYS * 86_400, "s")
    mean = roster["response_hours"].to_numpy()[kol]
    hours = np.exp(rng.normal(np.log(mean) - REQUEST_SIGMA ** 2 / 2, REQUEST_SIGMA))
    frame = pd.DataFrame({
        "request_time": base + offset_s.astype(np.int64).astype("timedelta64[s]"),
        "kol_id": roster["kol_id"].to_numpy()[kol],
        "request_type": rng.choice(REQUEST_TYPES, kol.size, p=REQUEST_TYPE_P),
        "response_hours": np.round(hours, 1),
    }).sort_values(["request_time", "kol_id"], kind="stable", ignore_index=True)
    frame.insert(0, "request_id", [f"Q{i:05d}" for i in range(1, len(frame) + 1)])
    return frame


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


def _daily(cfg: WorldConfig, kols: pd.DataFrame, roster: pd.DataFrame, total_gmv: float,
           rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Daily results of the collaborations, and each KOL's sample cost over the window."""
    n_kols = len(kols)
    start = np.maximum(roster["join_day"].to_numpy(), 0)
    stop = roster["leave_day"].to_numpy()
    day_grid = np.arange(N_DAYS)
    in_matrix = (day_grid[None, :] >= start[:, None]) & (day_grid[None, :] < stop[:, None])
    n_active = np.maximum(1, np.round(kols["active_share"].to_numpy() * in_matrix.sum(axis=1))).astype(np.int64)
    # Exactly n_active random collaboration days per KOL, all while the KOL is in the matrix.
    keys = np.where(in_matrix, rng.random((n_kols, N_DAYS)), 2.0)
    day_rank = np.argsort(np.argsort(keys, axis=1), axis=1)
    kol, day = np.nonzero(day_rank < n_active[:, None])
    # Daily GMV: the planted period GMV split over the collaboration days, weighted by the ramp.
    age = day + 0.5 - roster["join_day"].to_numpy()[kol]
    weight = rng.lognormal(0, 0.5, len(kol)) * ramp(age)
    weight /= np.bincount(kol, weights=weight)[kol]
    period_gmv = kols["share"].to_numpy() * total_gmv
    gmv = np.round(period_gmv[kol] * weight, 2)
    return_rate = kols["return_rate"].to_numpy()[kol]
    concentration = RETURN_CONCENTRATION
    returns = gmv * rng.beta(concentration * return_rate, concentration * (1 - return_rate))
    fee = (period_gmv / kols["roas"].to_numpy() - COMMISSION_RATE * period_gmv) / n_active
    impressions = kols["followers"].to_numpy()[kol] * kols["reach"].to_numpy()[kol] * rng.lognormal(0, 0.3, len(kol))
    engagements = rng.binomial(impressions.astype(np.int64), kols["engagement"].to_numpy()[kol])
    samples = SAMPLE_COST_RATE * (period_gmv / n_active)[kol] * rng.lognormal(-0.125, 0.5, len(kol))
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
    sample_cost = np.bincount(kol, weights=samples, minlength=n_kols)
    return frame.sort_values(["date", "kol_id"], kind="stable"), sample_cost
