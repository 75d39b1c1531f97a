"""All-staff referral programme of 鲜选 (全员营销, 2b2C) over the last 12 months.

Every employee can refer new customers through a personal WeCom card and earns a commission on
the referred customers' first-month GMV. Ability is very unequal: each employee's mean number of
referrals at the reference commission is their department's multiplier times a lognormal quantile
(σ = ABILITY_SIGMA, laid on an exact quantile grid so the planted concentration is a fixed number).

Commission rates are an experiment: every quarter each employee is assigned one of five rates at
random (balanced). Referrals respond to the rate with a constant elasticity ε, so the referral
GMV per staff-month is ∝ rate^ε and the margin GMV·(gm − rate) is maximal at r* = ε·gm/(1 + ε).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from opskit.sim._periphery import conform
from opskit.sim.config import WorldConfig, rng_for

N_MONTHS = 12
# department: (number of staff, ability multiplier)
DEPARTMENTS = {"门店": (84, 2.0), "客服": (36, 1.0), "市场": (36, 1.5), "供应链": (36, 0.6),
               "技术": (24, 0.5), "职能": (24, 0.5)}
ABILITY_SIGMA = 1.2
BASE_REFERRALS = 1.2  # referrals a month of an average employee (multiplier 1, median ability) at REFERENCE_RATE
REFERENCE_RATE = 0.08
RATES = (0.02, 0.05, 0.08, 0.12, 0.16)
ELASTICITY = 0.5
GROSS_MARGIN = 0.25
FIRST_MONTH_GMV = 150.0  # mean first-month GMV of a referred customer
GMV_SHAPE = 2.0  # gamma shape of one customer's GMV


def _abilities() -> tuple[np.ndarray, np.ndarray]:
    """Department and mean referrals at the reference rate of every employee (exact quantile grid)."""
    names, values = [], []
    for dept, (n, multiplier) in DEPARTMENTS.items():
        quantiles = stats.norm.ppf((np.arange(n) + 0.5) / n)
        values.append(BASE_REFERRALS * multiplier * np.exp(ABILITY_SIGMA * quantiles))
        names += [dept] * n
    return np.array(names), np.concatenate(values)


DEPARTMENT, ABILITY = _abilities()


def _gini(x: np.ndarray) -> float:
    x = np.sort(x)
    n = len(x)
    return float(np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / (n * x.sum()))


def _top_share(x: np.ndarray, fraction: float) -> float:
    k = int(np.ceil(fraction * len(x)))
    return float(np.sort(x)[::-1][:k].sum() / x.sum())


TRUTHS: dict[str, object] = {
    "staff_count": int(len(ABILITY)),
    "staff_ability_gini": round(_gini(ABILITY), 6),
    "staff_ability_top20_share": round(_top_share(ABILITY, 0.2), 6),
    "staff_department_multiplier": {d: m for d, (_, m) in DEPARTMENTS.items()},
    "commission_rates": list(RATES),
    "commission_elasticity": ELASTICITY,
    "commission_gross_margin": GROSS_MARGIN,
    "commission_optimal_rate": round(ELASTICITY * GROSS_MARGIN / (1 + ELASTICITY), 6),
}

CARD = f"""\
**全员营销（staff_referrals）**

- 数据期最后 {N_MONTHS} 个月，{len(ABILITY)} 名员工（{"、".join(f"{d} {n} 人" for d, (n, _) in DEPARTMENTS.items())}）
  用企业微信名片推广新客，按新客首月成交额拿佣金。每行是一名员工一个月的结果（没有推广成果的月份也记录，值为 0）。
- 埋点（集中度）：员工能力 = 部门系数（{"、".join(f"{d} ×{m:g}" for d, (_, m) in DEPARTMENTS.items())}）× 对数正态
  （σ = {ABILITY_SIGMA}，按分位数均匀铺开），能力的 Gini = {TRUTHS["staff_ability_gini"]:.3f}，前 20% 员工占
  {TRUTHS["staff_ability_top20_share"]:.0%}；每月推广人数 ~ 泊松(能力 × (佣金比例 / {REFERENCE_RATE:.0%})^ε)。
- 埋点（佣金响应）：每季度把 {len(RATES)} 档佣金比例 {"、".join(f"{r:.0%}" for r in RATES)} 随机、均衡地分配给员工；
  弹性 ε = {ELASTICITY}，毛利率 {GROSS_MARGIN:.0%}，使毛利 − 佣金最大的佣金比例 r* = ε·毛利率/(1 + ε) =
  {TRUTHS["commission_optimal_rate"]:.2%}。每位新客首月成交额 ~ Gamma（均值 {FIRST_MONTH_GMV:.0f} 元）。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``staff_referrals``."""
    rng = rng_for(cfg, "staff")
    n = len(ABILITY)
    order = rng.permutation(n)  # ids do not reveal ability
    staff_ids = np.array([f"E{i:04d}" for i in range(1, n + 1)])
    months = pd.date_range(cfg.start, cfg.end, freq="MS", inclusive="left")[-N_MONTHS:]
    balanced = np.resize(np.array(RATES), n)
    quarter_rates = np.stack([rng.permutation(balanced) for _ in range(N_MONTHS // 3)])  # quarter × staff
    rate = np.repeat(quarter_rates, 3, axis=0)  # month × staff
    expected = ABILITY[order][None, :] * (rate / REFERENCE_RATE) ** ELASTICITY
    users = rng.poisson(expected)
    gmv = np.where(users > 0, rng.gamma(np.maximum(users, 1) * GMV_SHAPE, FIRST_MONTH_GMV / GMV_SHAPE), 0.0)
    gmv = np.round(gmv, 2)
    frame = pd.DataFrame({
        "month": np.repeat(months.to_numpy(), n),
        "staff_id": np.tile(staff_ids, N_MONTHS),
        "department": np.tile(DEPARTMENT[order], N_MONTHS),
        "commission_rate": rate.ravel(),
        "referred_users": users.ravel(),
        "referred_gmv": gmv.ravel(),
        "commission": np.round(rate.ravel() * gmv.ravel(), 2),
    })
    return {"staff_referrals": conform(frame, "staff_referrals")}
