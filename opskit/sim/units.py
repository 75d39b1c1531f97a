"""Standard operating units of 鲜选 (经营单元分布模型): stores and community grids, opened over time.

Each unit type has a planted ramp-up curve. A unit in its a-th month (a = 1 in its opening month)
brings on average level_i·(1 − e^{−a/τ}) new members a month (Poisson), where level_i is the
unit's own mature level: its type's level times a mean-one lognormal. Three pilot stores (标杆)
open in the first quarter, then stores are replicated at an accelerating pace; community grids
(社区网格, run by a 网格长 as in 中国移动's grid model) follow from the second half of the first year.

Unit output counts new members at group level (offline-only shoppers included), like the
business-line report: it is not reconciled with the app's ``users`` table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import conform
from opskit.sim.config import WorldConfig, rng_for

# type: (id prefix, units, mature new members a month, ramp time constant τ in months,
#        operating cost a month in yuan, first and last month of the opening wave, pilot units)
UNIT_TYPES = {
    "门店": ("S", 24, 80.0, 3.0, 15_000.0, (6, 20), 3),
    "社区网格": ("G", 40, 30.0, 1.5, 3_000.0, (9, 22), 0),
}
LEVEL_SIGMA = 0.3  # spread of the units' own mature levels (lognormal, mean one)
COST_SIGMA = 0.05
CITIES = ["上海", "杭州", "苏州", "南京", "宁波", "合肥", "无锡", "嘉兴"]

TRUTHS: dict[str, object] = {
    "unit_ramp_level": {t: spec[2] for t, spec in UNIT_TYPES.items()},
    "unit_ramp_tau_months": {t: spec[3] for t, spec in UNIT_TYPES.items()},
    "unit_months_to_90pct": {t: round(float(spec[3] * np.log(10)), 4) for t, spec in UNIT_TYPES.items()},
    "unit_count": {t: spec[1] for t, spec in UNIT_TYPES.items()},
    "unit_monthly_cost": {t: spec[4] for t, spec in UNIT_TYPES.items()},
    "unit_pilot_stores": UNIT_TYPES["门店"][6],
}

CARD = f"""\
**经营单元（units、unit_monthly）**

- 标准经营单元：{"、".join(f"{t} {spec[1]} 个" for t, spec in UNIT_TYPES.items())}，分布在 {"、".join(CITIES)}。
  前 3 个月开出 {UNIT_TYPES["门店"][6]} 家标杆门店，之后门店在第 {UNIT_TYPES["门店"][5][0] + 1}–{UNIT_TYPES["门店"][5][1] + 1} 个月加速复制；
  社区网格（网格长模式）在第 {UNIT_TYPES["社区网格"][5][0] + 1}–{UNIT_TYPES["社区网格"][5][1] + 1} 个月铺开。
- 埋点（爬坡曲线）：开业第 a 个月（开业当月 a = 1）每月新增会员 ~ 泊松(L_i·(1 − e^(−a/τ)))，L_i = 类型成熟水平 × 均值为 1 的对数正态
  （σ = {LEVEL_SIGMA}）。{"；".join(f"{t} L = {spec[2]:g} 人/月、τ = {spec[3]:g} 个月（达到成熟水平 90% 约需 {spec[3] * np.log(10):.1f} 个月）" for t, spec in UNIT_TYPES.items())}。
- 每个单元每月运营成本：{"、".join(f"{t} 约 {spec[4]:,.0f} 元" for t, spec in UNIT_TYPES.items())}（±{COST_SIGMA:.0%} 随机波动）。
- 单元口径的新增会员含只在线下消费的顾客，不与 App 用户表逐一对应。
"""


def _open_months(rng: np.random.Generator, count: int, window: tuple[int, int], pilots: int) -> np.ndarray:
    """Opening month of each unit: pilots in months 0–2, the rest at a pace growing over the window."""
    months = np.arange(window[0], window[1] + 1)
    weights = (months - window[0] + 1).astype(float)
    rest = rng.choice(months, size=count - pilots, p=weights / weights.sum())
    return np.sort(np.concatenate([np.arange(pilots) % 3, rest]))


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``units`` and ``unit_monthly``."""
    rng = rng_for(cfg, "units")
    months = pd.date_range(cfg.start, cfg.end, freq="MS", inclusive="left")
    unit_frames, monthly_frames = [], []
    for unit_type, (prefix, count, level, tau, cost, window, pilots) in UNIT_TYPES.items():
        opened = _open_months(rng, count, window, pilots)
        ids = np.array([f"{prefix}{i:03d}" for i in range(1, count + 1)])
        city = rng.choice(CITIES, size=count)
        name_suffix = "店" if unit_type == "门店" else "网格"
        unit_frames.append(pd.DataFrame({
            "unit_id": ids,
            "unit_name": [f"{c}{i}号{name_suffix}" for c, i in zip(city, range(1, count + 1))],
            "unit_type": unit_type,
            "city": city,
            "open_month": months[opened].to_numpy(),
        }))
        own_level = level * rng.lognormal(-LEVEL_SIGMA ** 2 / 2, LEVEL_SIGMA, count)
        unit_idx, month_idx = np.nonzero(np.arange(len(months))[None, :] >= opened[:, None])
        age = month_idx - opened[unit_idx] + 1
        expected = own_level[unit_idx] * (1 - np.exp(-age / tau))
        monthly_frames.append(pd.DataFrame({
            "month": months[month_idx].to_numpy(),
            "unit_id": ids[unit_idx],
            "new_users": rng.poisson(expected),
            "cost": np.round(cost * rng.lognormal(0, COST_SIGMA, len(age)), 2),
        }))
    units = pd.concat(unit_frames, ignore_index=True)
    monthly = pd.concat(monthly_frames, ignore_index=True).sort_values(["month", "unit_id"], kind="stable")
    return {"units": conform(units, "units"), "unit_monthly": conform(monthly, "unit_monthly")}
