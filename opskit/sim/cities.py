"""Daily business of 鲜选 in its 20 cities: the panel on which campaign increments are measured.

``city_daily`` is the company's daily report per city (all channels, so it is much larger than
the sample of App users in ``orders``). Expected GMV follows a multiplicative model, on the log
scale::

    log μ_it = log size_i + g_i · years_t + s_t + λ_i · f_region(i),t + campaign_it

with a common season s_t (weekday pattern, a mild annual cycle, the Spring Festival: a surge
before, closed days, then a slow recovery), city growth g_i, a slowly drifting regional factor
f and the planted campaign effects: the big promotions' rhythm (a little up in 蓄水, *down* in
预热 because buyers wait, a spike in 爆发, up in 返场, then a post-promotion dip), member days,
festival nodes, everyday pushes, and two pilots:

* 2025 春季鲜果节 runs in 6 random cities (not 杭州) for three weeks from 2025-03-03 and lifts their
  GMV by PILOT_LIFT; treated and other cities share every other term, so trends are parallel. It
  starts while sales are still recovering from the Spring Festival, so a before/after comparison
  in the treated cities badly overstates it.
* 2025 杭州社区团购月 runs only in 杭州 (0571) from 2025-08-04 for three weeks, lifting GMV by
  SC_LIFT. 杭州's growth and regional loading are a convex mix of three 华东 cities
  (SC_DESIGN), so a synthetic control can rebuild it; 杭州 grows faster than the average city.

Orders are Poisson around μ / AOV and a day's GMV is the sum of Gamma order amounts; a day-level
lognormal shock adds noise. City ids are telephone area codes kept as text (0571 keeps its zero).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import DAY, conform
from opskit.sim.config import WorldConfig, rng_for

CITIES = pd.DataFrame([
    ("010", "北京", "华北", 180_000, 0.16), ("021", "上海", "华东", 200_000, 0.25),
    ("020", "广州", "华南", 150_000, 0.18), ("0755", "深圳", "华南", 160_000, 0.22),
    ("0571", "杭州", "华东", 110_000, 0.0), ("025", "南京", "华东", 90_000, 0.17),
    ("0512", "苏州", "华东", 85_000, 0.28), ("028", "成都", "西南", 100_000, 0.20),
    ("027", "武汉", "华中", 80_000, 0.14), ("023", "重庆", "西南", 85_000, 0.15),
    ("029", "西安", "西北", 60_000, 0.13), ("022", "天津", "华北", 65_000, 0.09),
    ("0731", "长沙", "华中", 55_000, 0.16), ("0371", "郑州", "华中", 50_000, 0.12),
    ("0532", "青岛", "华北", 45_000, 0.11), ("0574", "宁波", "华东", 45_000, 0.30),
    ("0551", "合肥", "华东", 40_000, 0.19), ("0592", "厦门", "华南", 35_000, 0.17),
    ("0531", "济南", "华北", 38_000, 0.10), ("0591", "福州", "华南", 32_000, 0.14),
], columns=["city_id", "city_name", "region", "size", "growth"])
AOV = 85.0                  # mean order amount (元)
ORDER_SHAPE = 3.0           # gamma shape of one order's amount
DAY_NOISE = 0.04            # sd of the log day-level shock per city
FACTOR_PHI, FACTOR_SD = 0.985, 0.005   # AR(1) regional factor: persistence and daily innovation sd
LOADING_RANGE = (0.6, 1.4)
WEEKDAY = np.array([-0.04, -0.05, -0.02, -0.01, 0.03, 0.06, 0.05])  # Monday first, log scale
ANNUAL_AMPLITUDE, ANNUAL_PEAK_DOY = 0.04, 15
SPRING_FESTIVAL = {2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17"}
FESTIVAL_SURGE, FESTIVAL_CLOSED, FESTIVAL_RECOVERY, FESTIVAL_RECOVERY_DAYS = 0.08, -0.40, -0.25, 18.0

# Log effect of each (campaign type, phase) on the GMV of the cities a campaign covers.
PHASE_EFFECT = {
    ("大促", "蓄水"): 0.03, ("大促", "预热"): -0.10, ("大促", "爆发"): 0.50, ("大促", "返场"): 0.12,
    ("会员日", "预热"): 0.02, ("会员日", "爆发"): 0.30,
    ("节点", "正式"): 0.10, ("日常", "正式"): 0.05,
}
# Dip after a campaign's last day: (days, log effect).
POST_DIP = {"大促": (14, -0.12), "会员日": (3, -0.05)}

PILOT_CAMPAIGN, PILOT_CITIES, PILOT_LIFT = "CP20250303", 6, 0.10
SC_CAMPAIGN, SC_CITY, SC_LIFT = "CP20250804", "0571", 0.15
SC_DESIGN = {"0574": 0.5, "0512": 0.3, "021": 0.2}  # 杭州 = this mix of 宁波, 苏州, 上海
PROMOTION_STUDIED = "CP20251111"

TRUTHS: dict[str, object] = {
    "pilot_campaign": PILOT_CAMPAIGN,
    "pilot_lift": PILOT_LIFT,
    "pilot_log_effect": round(float(np.log1p(PILOT_LIFT)), 6),
    "pilot_city_count": PILOT_CITIES,
    "sc_campaign": SC_CAMPAIGN,
    "sc_city": SC_CITY,
    "sc_lift": SC_LIFT,
    "sc_design_weights": SC_DESIGN,
    "phase_lift": {f"{kind}·{phase}": round(float(np.expm1(v)), 6) for (kind, phase), v in PHASE_EFFECT.items()},
    "post_dip": {kind: {"days": days, "lift": round(float(np.expm1(v)), 6)} for kind, (days, v) in POST_DIP.items()},
    "promotion_studied": PROMOTION_STUDIED,
    "spring_festival": SPRING_FESTIVAL,
}

CARD = f"""\
**城市日报与城市试点（cities、city_daily、campaign_cities）**

- 20 个城市（ID 为电话区号的文本，如杭州 0571，保留前导零）每天的订单数和成交额：公司全渠道的日报，比 orders 表
  （App 用户样本）大得多。期望成交额 = 城市规模 × 城市增长 × 共同季节（周末高、年度小周期、春节前小高峰、
  春节休市与节后缓慢恢复）× 大区因子 × 活动效应；订单数服从泊松分布，成交额是订单金额（Gamma）之和。
- 活动效应（成交额的对数变化）：大促 蓄水 {PHASE_EFFECT[("大促", "蓄水")]:+.2f}、预热 {PHASE_EFFECT[("大促", "预热")]:+.2f}（用户等大促、
  提前透支）、爆发 {PHASE_EFFECT[("大促", "爆发")]:+.2f}、返场 {PHASE_EFFECT[("大促", "返场")]:+.2f}，结束后 {POST_DIP["大促"][0]} 天回落
  {POST_DIP["大促"][1]:+.2f}；会员日 预热 {PHASE_EFFECT[("会员日", "预热")]:+.2f}、爆发 {PHASE_EFFECT[("会员日", "爆发")]:+.2f}，之后 {POST_DIP["会员日"][0]} 天
  {POST_DIP["会员日"][1]:+.2f}；节点活动 {PHASE_EFFECT[("节点", "正式")]:+.2f}；日常活动 {PHASE_EFFECT[("日常", "正式")]:+.2f}。
- 城市试点一：{PILOT_CAMPAIGN}（2025 春季鲜果节）在随机 {PILOT_CITIES} 个城市（不含杭州）开展三周，成交额提升
  {PILOT_LIFT:.0%}；各城市其余部分相同，试点前趋势平行。它恰在春节后恢复期开始，只看试点城市的活动前后对比会把
  季节恢复也算成效果。
- 城市试点二：{SC_CAMPAIGN}（2025 杭州社区团购月）只在杭州开展三周，成交额提升 {SC_LIFT:.0%}。杭州的增长与大区因子
  按宁波 0.5、苏州 0.3、上海 0.2 加权构造，因此落在其他城市的“凸包”内、合成控制能贴合它（估出的权重不必等于这组
  设计值：各城市的共同季节相同，很多组合都能贴合），且杭州增长快于城市平均。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``cities``, ``city_daily`` and ``campaign_cities``."""
    rng = rng_for(cfg, "cities")
    days = np.arange(np.datetime64(cfg.start, "D"), np.datetime64(cfg.end, "D"))
    cities = _cities(rng)
    campaign_cities = _pilot_cities(world.get("campaigns"), rng)
    log_mu = (np.log(cities["size"].to_numpy())[None, :]
              + _season(days)[:, None]
              + _growth(days, cfg)[:, None] * cities["growth"].to_numpy()[None, :]
              + _regional(days, cities, rng)
              + _campaign_effects(days, cities, world.get("campaigns"), world.get("campaign_phases"),
                                  campaign_cities))
    shock = rng.normal(-DAY_NOISE**2 / 2, DAY_NOISE, log_mu.shape)
    mu = np.exp(log_mu + shock)
    orders = rng.poisson(mu / AOV)
    gmv = rng.gamma(np.maximum(orders, 1) * ORDER_SHAPE, AOV / ORDER_SHAPE) * (orders > 0)
    daily = pd.DataFrame({
        "date": np.repeat(days, len(cities)),
        "city_id": np.tile(cities["city_id"].to_numpy(), len(days)),
        "orders": orders.ravel(),
        "gmv": np.round(gmv.ravel(), 2),
    })
    return {
        "cities": conform(cities[["city_id", "city_name", "region"]], "cities"),
        "city_daily": conform(daily, "city_daily"),
        "campaign_cities": conform(campaign_cities, "campaign_cities"),
    }


def _cities(rng: np.random.Generator) -> pd.DataFrame:
    """The city table with growth and regional loadings; 杭州's are the SC_DESIGN mix."""
    cities = CITIES.copy()
    cities["loading"] = rng.uniform(*LOADING_RANGE, len(cities))
    mix = cities.set_index("city_id")
    hz = cities["city_id"] == SC_CITY
    for column in ("growth", "loading"):
        cities.loc[hz, column] = sum(w * mix.loc[c, column] for c, w in SC_DESIGN.items())
    return cities


def _growth(days: np.ndarray, cfg: WorldConfig) -> np.ndarray:
    """Years since the world began, per day."""
    return (days - np.datetime64(cfg.start, "D")).astype(np.int64) / 365.25


def _season(days: np.ndarray) -> np.ndarray:
    """The common season: weekday, annual cycle and the Spring Festival (log scale)."""
    weekday = WEEKDAY[(days.astype("datetime64[D]").view("int64") - 4) % 7]  # 1970-01-05 was a Monday
    doy = (days - days.astype("datetime64[Y]")).astype(np.int64)
    annual = ANNUAL_AMPLITUDE * np.cos(2 * np.pi * (doy - ANNUAL_PEAK_DOY) / 365.25)
    festival = np.zeros(len(days))
    for day in SPRING_FESTIVAL.values():
        d = (days - np.datetime64(day, "D")).astype(np.int64)
        festival += np.where((d >= -14) & (d < 0), FESTIVAL_SURGE, 0.0)
        festival += np.where((d >= 0) & (d < 7), FESTIVAL_CLOSED, 0.0)
        festival += np.where(d >= 7, FESTIVAL_RECOVERY * np.exp(-(d - 7) / FESTIVAL_RECOVERY_DAYS), 0.0)
    return weekday + annual + festival


def _regional(days: np.ndarray, cities: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """λ_i · f_region,t with a stationary AR(1) factor per region (days × cities)."""
    regions = sorted(cities["region"].unique())
    shocks = rng.normal(0, FACTOR_SD, (len(days), len(regions)))
    factor = np.empty_like(shocks)
    factor[0] = rng.normal(0, FACTOR_SD / np.sqrt(1 - FACTOR_PHI**2), len(regions))
    for t in range(1, len(days)):
        factor[t] = FACTOR_PHI * factor[t - 1] + shocks[t]
    column = pd.Index(regions).get_indexer(cities["region"])
    return factor[:, column] * cities["loading"].to_numpy()[None, :]


def _pilot_cities(campaigns: pd.DataFrame | None, rng: np.random.Generator) -> pd.DataFrame:
    """The cities of the two pilots (only the pilots that exist in this world)."""
    known = set() if campaigns is None else set(campaigns["campaign_id"])
    others = CITIES.loc[CITIES["city_id"] != SC_CITY, "city_id"].to_numpy()
    chosen = np.sort(rng.choice(len(others), PILOT_CITIES, replace=False))
    rows = []
    if PILOT_CAMPAIGN in known:
        rows += [(PILOT_CAMPAIGN, others[i]) for i in chosen]
    if SC_CAMPAIGN in known:
        rows.append((SC_CAMPAIGN, SC_CITY))
    return pd.DataFrame(rows, columns=["campaign_id", "city_id"])


def _campaign_effects(days: np.ndarray, cities: pd.DataFrame, campaigns: pd.DataFrame | None,
                      phases: pd.DataFrame | None, campaign_cities: pd.DataFrame) -> np.ndarray:
    """Log effect of every campaign on every city and day (days × cities)."""
    effect = np.zeros((len(days), len(cities)))
    if campaigns is None or phases is None:
        return effect
    kind = campaigns.set_index("campaign_id")["campaign_type"]
    covered = campaign_cities.groupby("campaign_id")["city_id"].agg(list)
    city_index = pd.Index(cities["city_id"])
    for phase in phases.itertuples():
        cid = phase.campaign_id
        in_phase = (days >= np.datetime64(phase.start_date, "D")) & (days <= np.datetime64(phase.end_date, "D"))
        if cid == PILOT_CAMPAIGN:
            lift = np.log1p(PILOT_LIFT)
        elif cid == SC_CAMPAIGN:
            lift = np.log1p(SC_LIFT)
        else:
            lift = PHASE_EFFECT.get((kind[cid], phase.phase), 0.0)
        where = np.ones(len(cities), dtype=bool)
        if cid in covered.index:
            where = city_index.isin(covered[cid])
        effect[np.ix_(in_phase, where)] += lift
    for campaign in campaigns.itertuples():
        if campaign.campaign_type in POST_DIP and campaign.campaign_id not in covered.index:
            n, dip = POST_DIP[campaign.campaign_type]
            end = np.datetime64(campaign.end_date, "D")
            after = (days > end) & (days <= end + n * DAY)
            effect[after] += dip
    return effect
