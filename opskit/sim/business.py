"""Business lines of 鲜选: a monthly management report for the growth-curve chapters.

Four lines, each with a planted market (growth rate, own share, largest rival's share), so the
BCG growth-share matrix of docs/methods.md#bass-diffusion puts them in four different quadrants:

* 生鲜到家, the mature main line: revenue on the flat end of a logistic curve (cash cow);
* 预制菜, launched during the period: its new customers follow Bass diffusion with planted
  p, q, m, and revenue is a monthly spend per adopter (question mark);
* 企业团餐, a B2B line growing with a fast market it leads (star);
* 社区团购, a small line in a shrinking market (dog).

Revenues scale with the number of users of the world (the report is at group level, including
offline and B2B, and is not reconciled with the ``orders`` table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import conform
from opskit.sim.config import WorldConfig, rng_for

BASS_P = 0.03
BASS_Q = 0.38
BASS_M_PER_USER = 0.3  # market potential m = 0.3 * number of users of the world
LAUNCH_MONTH = 3  # the new line starts in the 4th month of the world
NEW_LINE_ARPU = 45.0  # monthly spend per adopter of the new line
MAIN_LOGISTIC = {"revenue_per_user": 60.0, "rate": 0.15, "midpoint": -12.0}  # months from start
MAIN_NEW_CUSTOMER_RATE = 0.004  # monthly new customers of the main line per user at saturation
REVENUE_NOISE = 0.02  # lognormal sigma of monthly revenue
MARKET_NOISE = 0.01
RIVAL_NOISE = 0.01

LINES = pd.DataFrame({
    "line_id": ["L1", "L2", "L3", "L4"],
    "line_name": ["生鲜到家", "预制菜", "企业团餐", "社区团购"],
    "market_growth": [0.04, 0.30, 0.18, -0.05],  # annual growth of the market
    "own_share": [0.32, 0.06, 0.25, 0.05],  # own share of the market over the last 12 months
    "rival_share": [0.20, 0.20, 0.18, 0.35],  # share of the largest rival
    "quadrant": ["现金牛", "问题", "明星", "瘦狗"],
}).set_index("line_id")
# Revenue per user of the world, first month, and annual growth, of the two steady lines.
STEADY_LINES = {"L3": (12.0, 0.20, 0.001), "L4": (8.0, -0.07, 0.01)}  # + new customers per user

TRUTHS: dict[str, object] = {
    "bass_p": BASS_P,
    "bass_q": BASS_Q,
    "bass_m_per_user": BASS_M_PER_USER,
    "bass_line": "L2",
    "bass_launch_month_index": LAUNCH_MONTH,
    "bass_peak_months": float(np.log(BASS_Q / BASS_P) / (BASS_P + BASS_Q)),
    "bcg_quadrant": LINES["quadrant"].to_dict(),
    "bcg_market_growth": LINES["market_growth"].to_dict(),
    "bcg_relative_share": (LINES["own_share"] / LINES["rival_share"]).round(6).to_dict(),
}

CARD = f"""\
**业务线月报（business_lines）**

- 集团口径的月度经营数据（含线下门店与 B2B，不与 App 订单表逐笔对应），收入规模与用户数成正比。共 4 条业务线：
  {"、".join(f"{r.Index} {r.line_name}" for r in LINES.itertuples())}。
- 生鲜到家是成熟主业：收入处在 logistic 曲线的平台期，增长放缓。
- 预制菜是数据期第 {LAUNCH_MONTH + 1} 个月上线的第二曲线：每月新增客户服从 Bass 扩散模型，埋点
  p = {BASS_P}、q = {BASS_Q}、m = {BASS_M_PER_USER} × 用户数（上线当月 t = 1，第 t 月新增 ~ 泊松(m·[F(t) − F(t−1)])；
  峰值约在上线后 {TRUTHS["bass_peak_months"]:.1f} 个月），收入 = 累计客户 × 月均消费 {NEW_LINE_ARPU:.0f} 元。
- 市场规模与最大竞争对手份额按埋点设定，使 BCG 矩阵（增长率以 10% 为界，相对份额以 1 为界）把四条线分到四个象限：
  {"；".join(f"{r.line_name} 市场年增长 {r.market_growth:.0%}、相对份额 {r.own_share / r.rival_share:.2f} → {r.quadrant}" for r in LINES.itertuples())}。
"""


def bass_cdf(t: np.ndarray, p: float, q: float) -> np.ndarray:
    """Bass cumulative adoption F(t) (docs/methods.md#bass-diffusion)."""
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1 - decay) / (1 + (q / p) * decay)


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``business_lines``."""
    rng = rng_for(cfg, "business")
    months = pd.date_range(cfg.start, cfg.end, freq="MS", inclusive="left").to_numpy()
    n_users = len(world["users"])
    t = np.arange(len(months), dtype=float)
    paths = {"L1": _main_line(t, n_users, rng), "L2": _new_line(t, n_users, rng)}
    for line_id, (revenue_per_user, growth, new_per_user) in STEADY_LINES.items():
        factor = (1 + growth) ** (t / 12)
        paths[line_id] = (revenue_per_user * n_users * factor, rng.poisson(new_per_user * n_users * factor))
    frames = [_line_frame(line_id, months, *paths[line_id], rng) for line_id in LINES.index]
    frame = pd.concat(frames, ignore_index=True).sort_values(["month", "line_id"], kind="stable")
    return {"business_lines": conform(frame, "business_lines")}


def _main_line(t: np.ndarray, n_users: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Expected revenue and new customers of the saturating main line."""
    rate, midpoint = MAIN_LOGISTIC["rate"], MAIN_LOGISTIC["midpoint"]
    level = 1 / (1 + np.exp(-rate * (t - midpoint)))
    revenue = MAIN_LOGISTIC["revenue_per_user"] * n_users * level
    # New customers: growth of the base plus replacement of churned customers.
    growth = level * (1 - level) * rate
    return revenue, rng.poisson(MAIN_NEW_CUSTOMER_RATE * n_users * (level + 10 * growth))


def _new_line(t: np.ndarray, n_users: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Expected revenue and new customers of the Bass line; revenue is NaN before the launch."""
    age = (t - LAUNCH_MONTH + 1).clip(0)  # 1 in the launch month, 0 before
    m = BASS_M_PER_USER * n_users
    expected = m * (bass_cdf(age, BASS_P, BASS_Q) - bass_cdf((age - 1).clip(0), BASS_P, BASS_Q))
    adopters = rng.poisson(expected)
    revenue = NEW_LINE_ARPU * np.cumsum(adopters)
    return np.where(age >= 1, revenue, np.nan), adopters


def _line_frame(line_id: str, months: np.ndarray, revenue: np.ndarray, new_customers: np.ndarray,
                rng: np.random.Generator) -> pd.DataFrame:
    """Monthly rows of one line, with its planted market size and rival share."""
    line = LINES.loc[line_id]
    live = ~np.isnan(revenue)
    n = len(months)
    growth_factor = (1 + line["market_growth"]) ** (np.arange(n) / 12)
    # Market size calibrated so the expected own share over the last 12 months is planted.
    last12 = slice(n - 12, n)
    market0 = revenue[last12].sum() / (line["own_share"] * growth_factor[last12].sum())
    market = market0 * growth_factor * rng.lognormal(0, MARKET_NOISE, n)
    frame = pd.DataFrame({
        "month": months,
        "line_id": line_id,
        "line_name": line["line_name"],
        "revenue": np.round(revenue * rng.lognormal(0, REVENUE_NOISE, n), 2),
        "new_customers": new_customers,
        "market_size": np.round(market, 2),
        "largest_rival_share": np.round(line["rival_share"] * rng.lognormal(0, RIVAL_NOISE, n), 4),
    })
    return frame[live]
