"""Partner channels of 鲜选 (渠道通道模型, 2B): commission-sharing partners and a co-branding campaign.

- ``partners`` / ``partner_monthly``: eight partners (跨界合作, 代理商, 分公司, 媒体渠道) over the
  last 12 months, each paid a commission share of the GMV it brings (分润) plus a fixed monthly
  support cost. Planted trap: the agent P03 brings the most GMV, but its commission plus support
  exceed the gross margin on it, so it loses money.
- ``city_signups``: weekly new users of 16 cities over the whole period (group level: app, stores
  and partners together, not reconciled with ``users``). The bank P01 ran a co-branded card
  campaign (跨界联名, like 芒果TV × 华为支付) for 10 weeks in 4 of the larger cities, raising their
  new users by a planted 30%. The cities were chosen because they were large and growing, so a
  naive comparison with other cities or with the weeks before is biased; a matched baseline of
  similar cities recovers the effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import conform
from opskit.sim.config import WorldConfig, rng_for

N_MONTHS = 12
GROSS_MARGIN = 0.25
PARTNERS = pd.DataFrame({
    "partner_id": ["P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08"],
    "partner_name": ["悦享银行", "动力健身", "华东优选代理", "苏南社区代理", "杭州分公司", "南京分公司",
                     "生活号媒体", "本地生活公众号"],
    "partner_type": ["跨界合作", "跨界合作", "代理商", "代理商", "分公司", "分公司", "媒体渠道", "媒体渠道"],
    "commission_rate": [0.05, 0.06, 0.24, 0.15, 0.08, 0.08, 0.10, 0.12],
    "support_cost": [20_000.0, 8_000.0, 15_000.0, 6_000.0, 30_000.0, 25_000.0, 5_000.0, 3_000.0],
    "monthly_gmv": [260_000.0, 90_000.0, 600_000.0, 180_000.0, 420_000.0, 300_000.0, 80_000.0, 45_000.0],
    "monthly_users": [520.0, 150.0, 900.0, 400.0, 700.0, 520.0, 260.0, 160.0],
})
GMV_SIGMA = 0.08
_NET = PARTNERS["monthly_gmv"] * (GROSS_MARGIN - PARTNERS["commission_rate"]) - PARTNERS["support_cost"]

COBRAND_PARTNER = "P01"
COBRAND_LIFT = 0.30
COBRAND_START_WEEK, COBRAND_WEEKS = 78, 10
CITY_SIZE = {  # new users a week at the start, and annual growth of each city
    "上海": (420, 0.22), "杭州": (360, 0.24), "南京": (300, 0.20), "苏州": (280, 0.26), "宁波": (200, 0.18),
    "合肥": (190, 0.28), "无锡": (170, 0.16), "嘉兴": (110, 0.14), "常州": (130, 0.15), "绍兴": (120, 0.17),
    "南通": (125, 0.12), "扬州": (95, 0.10), "温州": (160, 0.12), "金华": (100, 0.20), "台州": (105, 0.11),
    "芜湖": (85, 0.19)}
COBRAND_CITIES = ["上海", "杭州", "苏州", "合肥"]
CITY_NOISE = 0.05


def _city_expected(n_weeks: int) -> pd.DataFrame:
    """Expected weekly new users of every city without the campaign: size × trend × seasonality."""
    week = np.arange(n_weeks)
    season = 1 + 0.12 * np.sin(2 * np.pi * (week - 10) / 52)
    spring_festival = np.isin(week % 52, [5, 6])
    season = season * np.where(spring_festival, 0.7, 1.0)
    return pd.DataFrame({city: size * (1 + growth) ** (week / 52) * season
                         for city, (size, growth) in CITY_SIZE.items()})


def _cobrand_weeks() -> slice:
    return slice(COBRAND_START_WEEK, COBRAND_START_WEEK + COBRAND_WEEKS)


_EXPECTED_104 = _city_expected(104)
TRUTHS: dict[str, object] = {
    "partner_gross_margin": GROSS_MARGIN,
    "partner_commission_rate": dict(zip(PARTNERS["partner_id"], PARTNERS["commission_rate"])),
    "partner_expected_monthly_net": dict(zip(PARTNERS["partner_id"], _NET.round(2))),
    "partner_loss_making": PARTNERS.loc[_NET < 0, "partner_id"].tolist(),
    "partner_break_even_share": dict(zip(PARTNERS["partner_id"],
                                         (GROSS_MARGIN - PARTNERS["support_cost"] / PARTNERS["monthly_gmv"]).round(6))),
    "cobrand_partner": COBRAND_PARTNER,
    "cobrand_cities": COBRAND_CITIES,
    "cobrand_lift": COBRAND_LIFT,
    "cobrand_weeks": COBRAND_WEEKS,
    "cobrand_expected_incremental_users": round(float(
        COBRAND_LIFT * _EXPECTED_104.iloc[_cobrand_weeks()][COBRAND_CITIES].to_numpy().sum()), 1),
}

CARD = f"""\
**渠道合作伙伴与跨界联名（partners、partner_monthly、city_signups）**

- {len(PARTNERS)} 个合作伙伴（跨界合作、代理商、分公司、媒体渠道），数据期最后 {N_MONTHS} 个月的月报：带来的新用户、成交额、
  按成交额计提的分润（佣金比例见 partners 表）和固定支持费用（物料、培训、驻点）。毛利率 {GROSS_MARGIN:.0%}。
- 陷阱：{"、".join(TRUTHS["partner_loss_making"])}（华东优选代理）成交额最大，但分润 {PARTNERS.loc[2, "commission_rate"]:.0%} 加支持费用超过了毛利，
  每月净亏约 {-_NET[2]:,.0f} 元；各伙伴的盈亏平衡分润比例 = 毛利率 − 支持费用 / 成交额。
- city_signups：{len(CITY_SIZE)} 个城市每周新增用户（集团口径，不与 users 表逐一对应），有城市规模、增长趋势、季节性和春节低谷。
- 埋点（跨界联名）：{COBRAND_PARTNER} 悦享银行联名卡活动在 {"、".join(COBRAND_CITIES)} 进行，从第 {COBRAND_START_WEEK + 1} 周起共 {COBRAND_WEEKS} 周，
  使这些城市的周新增用户提升 {COBRAND_LIFT:.0%}，期望增量约 {TRUTHS["cobrand_expected_incremental_users"]:,.0f} 人。
  活动城市是挑出来的大城市、增长快，直接和其他城市比或和活动前比都会高估；用相似城市构造的匹配基线可以还原真实增量。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``partners``, ``partner_monthly`` and ``city_signups``."""
    rng = rng_for(cfg, "partners")
    months = pd.date_range(cfg.start, cfg.end, freq="MS", inclusive="left")[-N_MONTHS:]
    n_partners = len(PARTNERS)
    gmv = PARTNERS["monthly_gmv"].to_numpy()[None, :] * rng.lognormal(-GMV_SIGMA ** 2 / 2, GMV_SIGMA,
                                                                     (N_MONTHS, n_partners))
    gmv = np.round(gmv, 2)
    rate = PARTNERS["commission_rate"].to_numpy()[None, :]
    monthly = pd.DataFrame({
        "month": np.repeat(months.to_numpy(), n_partners),
        "partner_id": np.tile(PARTNERS["partner_id"].to_numpy(), N_MONTHS),
        "new_users": rng.poisson(np.tile(PARTNERS["monthly_users"].to_numpy(), N_MONTHS)),
        "gmv": gmv.ravel(),
        "commission": np.round(gmv * rate, 2).ravel(),
        "support_cost": np.tile(PARTNERS["support_cost"].to_numpy(), N_MONTHS),
    })

    weeks = pd.date_range(cfg.start, cfg.end, freq="W-MON", inclusive="left")
    expected = _city_expected(len(weeks))
    cities = list(expected.columns)
    in_campaign = np.zeros(len(weeks), dtype=bool)
    in_campaign[_cobrand_weeks()] = True
    treated_city = np.isin(cities, COBRAND_CITIES)
    live = in_campaign[:, None] & treated_city[None, :]
    mean = expected.to_numpy() * np.where(live, 1 + COBRAND_LIFT, 1.0)
    counts = rng.poisson(mean * rng.lognormal(-CITY_NOISE ** 2 / 2, CITY_NOISE, mean.shape))
    signups = pd.DataFrame({
        "week": np.repeat(weeks.to_numpy(), len(cities)),
        "city": np.tile(cities, len(weeks)),
        "new_users": counts.ravel(),
        "cobrand_partner_id": np.where(live.ravel(), COBRAND_PARTNER, None),
    })
    partners = PARTNERS[["partner_id", "partner_name", "partner_type", "commission_rate"]]
    return {"partners": conform(partners, "partners"), "partner_monthly": conform(monthly, "partner_monthly"),
            "city_signups": conform(signups, "city_signups")}
