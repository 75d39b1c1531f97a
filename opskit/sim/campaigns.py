"""Marketing campaigns of 鲜选: big promotions, member days, festival nodes, everyday pushes.

* ``campaigns`` and ``campaign_phases``: every campaign that falls inside the world, with the
  phase rhythm 蓄水 → 预热 → 爆发 → 返场 of a big promotion (会员日 only has 预热 and 爆发; the
  节点 and 日常 campaigns and the two city pilots have one 正式 phase). The campaign type
  (大促 / 节点 / 会员日 / 日常) and its goal make the campaign product matrix; the two pilots run
  only in some cities (``campaign_cities``, see :mod:`opskit.sim.cities`).
* ``campaign_audience``: the users targeted by each campaign, one segment each, chosen from their
  behaviour before the campaign; a random 10% is held out. ``pre_spend`` is a user's spend in the
  equally long window before the campaign and ``campaign_spend`` the spend during it: the organic
  spend of the ``orders`` table plus, for targeted users outside the holdout, the incremental
  spend the campaign causes (planted per segment). A difference-in-differences or holdout
  comparison recovers the planted lift; the before/after change of the targeted users alone
  does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import conform, labels, user_positions
from opskit.sim.config import WorldConfig, rng_for

HOLDOUT_SHARE = 0.2
HIGH_VALUE_MIN_ORDERS = 3  # orders in the 180 days before the campaign
HIGH_VALUE_WINDOW_DAYS = 180
DORMANT_DAYS = (90, 365)  # last order 90 to 365 days before the campaign
NEW_USER_DAYS = 60  # registered in the last 60 days, no order yet
ACTIVE_MIN_ORDERS = 3  # orders in the 90 days before a 会员日

# Incremental spend of a targeted user: an extra order with this probability and mean amount.
# The best customers buy anyway ("sure things"): the campaign adds least to them per head.
SEGMENT_RESPONSE = {
    "高价值老客": (0.05, 120.0),
    "沉睡召回": (0.25, 90.0),
    "新客转化": (0.20, 80.0),
    "活跃老客": (0.10, 70.0),
}
EXTRA_ORDER_SIGMA = 0.5  # lognormal spread of an extra order's amount

# (month, day) of each phase's first and last day; a campaign runs from its first to last phase.
BIG_PROMOTIONS = {
    "0618": ("{year} 618 年中大促", 5.0, [("蓄水", (5, 20), (5, 31)), ("预热", (6, 1), (6, 15)),
                                     ("爆发", (6, 16), (6, 18)), ("返场", (6, 19), (6, 20))]),
    "1111": ("{year} 双11 大促", 8.0, [("蓄水", (10, 14), (10, 20)), ("预热", (10, 21), (10, 31)),
                                    ("爆发", (11, 1), (11, 11)), ("返场", (11, 12), (11, 14))]),
}
MEMBER_DAYS = {
    "0328": ("{year} 春季会员日", 1.0, [("预热", (3, 25), (3, 27)), ("爆发", (3, 28), (3, 28))]),
    "0928": ("{year} 秋季会员日", 1.0, [("预热", (9, 25), (9, 27)), ("爆发", (9, 28), (9, 28))]),
}
# Festival nodes (节点), everyday pushes (日常) and two city pilots: fixed dates, one 正式 phase.
# (campaign id, name, type, goal, budget per user, first day, last day)
OTHER_CAMPAIGNS = [
    ("CP20240125", "2024 年货节", "节点", "节日品类心智", 2.0, "2024-01-25", "2024-02-08"),
    ("CP20240415", "2024 春季秒杀周", "日常", "日常促活", 0.5, "2024-04-15", "2024-04-21"),
    ("CP20240715", "2024 夏季秒杀周", "日常", "日常促活", 0.5, "2024-07-15", "2024-07-21"),
    ("CP20240909", "2024 中秋鲜礼", "节点", "节日品类心智", 1.5, "2024-09-09", "2024-09-16"),
    ("CP20250113", "2025 年货节", "节点", "节日品类心智", 2.0, "2025-01-13", "2025-01-27"),
    ("CP20250303", "2025 春季鲜果节（城市试点）", "节点", "鲜果品类增长", 1.0, "2025-03-03", "2025-03-23"),
    ("CP20250414", "2025 春季秒杀周", "日常", "日常促活", 0.5, "2025-04-14", "2025-04-20"),
    ("CP20250714", "2025 夏季秒杀周", "日常", "日常促活", 0.5, "2025-07-14", "2025-07-20"),
    ("CP20250804", "2025 杭州社区团购月（单城试点）", "日常", "社区渗透", 0.3, "2025-08-04", "2025-08-24"),
    ("CP20250929", "2025 中秋鲜礼", "节点", "节日品类心智", 1.5, "2025-09-29", "2025-10-05"),
]
GOALS = {"大促": "冲刺成交额", "会员日": "会员复购"}
SEGMENTS = list(SEGMENT_RESPONSE)
BIG_PROMOTION_SEGMENTS = [SEGMENTS.index(s) for s in ["高价值老客", "沉睡召回", "新客转化"]]
MEMBER_DAY_SEGMENT = SEGMENTS.index("活跃老客")

TRUTHS: dict[str, object] = {
    "campaign_holdout_share": HOLDOUT_SHARE,
    "campaign_lift_by_segment": {seg: round(p * amount, 6) for seg, (p, amount) in SEGMENT_RESPONSE.items()},
    "campaign_response_rate_by_segment": {seg: p for seg, (p, _) in SEGMENT_RESPONSE.items()},
}

CARD = f"""\
**营销活动（campaigns、campaign_phases、campaign_audience）**

- 每年两次大促：618（蓄水 5/20–5/31、预热 6/1–6/15、爆发 6/16–6/18、返场 6/19–6/20）和双11（蓄水
  10/14–10/20、预热 10/21–10/31、爆发 11/1–11/11、返场 11/12–11/14），另有春、秋两次会员日（预热 3 天 +
  爆发 1 天）。只收录完整落在数据期内的活动；预算按用户规模设定（双11 > 618 > 会员日）。
- 圈选人群按活动开始前的行为划分，每人每个活动只属于一个人群：大促圈选“高价值老客”（前
  {HIGH_VALUE_WINDOW_DAYS} 天下单 ≥{HIGH_VALUE_MIN_ORDERS} 次）、“沉睡召回”（最后一次购买在 {DORMANT_DAYS[0]}–{DORMANT_DAYS[1]} 天前）、
  “新客转化”（近 {NEW_USER_DAYS} 天注册且未下单）；会员日圈选“活跃老客”（近 90 天下单 ≥{ACTIVE_MIN_ORDERS} 次）。
  每个活动随机留出 {HOLDOUT_SHARE:.0%} 作为对照组（holdout=1），不触达。
- 另有节点活动（年货节、中秋鲜礼）、日常活动（秒杀周）和两个城市试点（2025 春季鲜果节只在部分城市、
  2025 杭州社区团购月只在杭州，见 campaign_cities）；它们只有一个“正式”阶段、没有圈选名单，效果体现在城市日报
  （city_daily）中。campaigns.goal 是活动目标。
- pre_spend 为活动开始前同等天数内的消费，campaign_spend 为活动期内的消费：订单表中的自然消费，加上活动对
  触达用户带来的增量（订单表不含这部分增量）。埋点的人均增量（元）：
  {", ".join(f"{seg} {p * amount:.1f}" for seg, (p, amount) in SEGMENT_RESPONSE.items())}。
  最“好”的客户（高价值老客）本来就会买，活动带来的人均增量反而最小。
  用双重差分（触达组前后变化 − 对照组前后变化）可以找回这些增量；只看触达组活动前后的变化会把季节性和
  大促自然流量也算成活动效果。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``campaigns``, ``campaign_phases`` and ``campaign_audience``."""
    rng = rng_for(cfg, "campaigns")
    campaigns, phases = _calendar(cfg)
    audience = _audience(cfg, campaigns, world["users"], world["orders"], rng)
    return {
        "campaigns": conform(campaigns.drop(columns="kind"), "campaigns"),
        "campaign_phases": conform(phases, "campaign_phases"),
        "campaign_audience": conform(audience, "campaign_audience"),
    }


def _calendar(cfg: WorldConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Campaigns and phases that fall entirely within ``[cfg.start, cfg.end)``, by start date."""
    rows, phase_rows = [], []
    for year in range(cfg.start.year, cfg.end.year + 1):
        for kind, calendar in [("大促", BIG_PROMOTIONS), ("会员日", MEMBER_DAYS)]:
            for code, (name, budget_per_user, phases) in calendar.items():
                days = [(phase, pd.Timestamp(year, *first), pd.Timestamp(year, *last))
                        for phase, first, last in phases]
                start, end = days[0][1], days[-1][2]
                if start < cfg.start or end >= cfg.end:
                    continue
                campaign_id = f"CP{year}{code}"
                rows.append((campaign_id, name.format(year=year), kind, GOALS[kind], start, end,
                             round(budget_per_user * cfg.n_users, 2), kind))
                phase_rows += [(campaign_id, phase, first, last) for phase, first, last in days]
    for campaign_id, name, kind, goal, budget_per_user, first, last in OTHER_CAMPAIGNS:
        start, end = pd.Timestamp(first), pd.Timestamp(last)
        if start < cfg.start or end >= cfg.end:
            continue
        rows.append((campaign_id, name, kind, goal, start, end, round(budget_per_user * cfg.n_users, 2), "other"))
        phase_rows.append((campaign_id, "正式", start, end))
    campaigns = pd.DataFrame(rows, columns=["campaign_id", "name", "campaign_type", "goal", "start_date",
                                            "end_date", "budget", "kind"])
    phases = pd.DataFrame(phase_rows, columns=["campaign_id", "phase", "start_date", "end_date"])
    order = campaigns.sort_values(["start_date", "campaign_id"], kind="stable")["campaign_id"]
    phases = phases.set_index("campaign_id").loc[order].reset_index()
    return campaigns.set_index("campaign_id").loc[order].reset_index(), phases


def _audience(cfg: WorldConfig, campaigns: pd.DataFrame, users: pd.DataFrame, orders: pd.DataFrame,
              rng: np.random.Generator) -> pd.DataFrame:
    user_ids = users["user_id"].to_numpy()
    origin = np.datetime64(cfg.start, "D")
    reg_day = (users["register_time"].to_numpy().astype("datetime64[D]") - origin).astype(np.int64)
    order_pos = user_positions(user_ids, orders["user_id"].to_numpy())
    order_day = (orders["order_time"].to_numpy().astype("datetime64[D]") - origin).astype(np.int64)
    amount = orders["amount"].to_numpy()
    known = order_pos >= 0
    order_pos, order_day, amount = order_pos[known], order_day[known], amount[known]
    first_order_day = np.full(len(user_ids), np.iinfo(np.int64).max)
    np.minimum.at(first_order_day, order_pos, order_day)

    def spend(first_day: int, end_day: int, counts: bool = False) -> np.ndarray:
        """Spend (or order count) per user in days ``[first_day, end_day)``."""
        inside = (order_day >= first_day) & (order_day < end_day)
        weights = None if counts else amount[inside]
        return np.bincount(order_pos[inside], weights=weights, minlength=len(user_ids))

    parts = []
    for campaign in campaigns.itertuples():
        if campaign.kind not in ("大促", "会员日"):
            continue  # nodes, everyday pushes and pilots have no targeted audience
        start = int((np.datetime64(campaign.start_date, "D") - origin).astype(np.int64))
        end = int((np.datetime64(campaign.end_date, "D") - origin).astype(np.int64)) + 1
        segment = _segments(campaign.kind, start, reg_day, first_order_day, spend)
        member = np.flatnonzero(segment >= 0)
        holdout = rng.random(len(member)) < HOLDOUT_SHARE
        extra = _incremental_spend(segment[member], rng) * ~holdout
        parts.append(pd.DataFrame({
            "campaign_id": labels(np.zeros(len(member)), [campaign.campaign_id]),
            "user_id": user_ids[member],
            "segment": labels(segment[member], SEGMENTS),
            "holdout": holdout.astype(np.int64),
            "pre_spend": np.round(spend(2 * start - end, start)[member], 2),
            "campaign_spend": np.round(spend(start, end)[member] + extra, 2),
        }))
    columns = ["campaign_id", "user_id", "segment", "holdout", "pre_spend", "campaign_spend"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _segments(kind: str, start: int, reg_day: np.ndarray, first_order_day: np.ndarray,
              spend) -> np.ndarray:
    """Segment code (into ``SEGMENTS``) of each user for a campaign starting on day ``start``.

    -1 means not targeted.
    """
    registered = reg_day < start
    if kind == "会员日":
        active = spend(start - 90, start, counts=True) >= ACTIVE_MIN_ORDERS
        return np.where(registered & active, MEMBER_DAY_SEGMENT, -1)
    bought = first_order_day < start
    high_value = spend(start - HIGH_VALUE_WINDOW_DAYS, start, counts=True) >= HIGH_VALUE_MIN_ORDERS
    lapsed_since = start - DORMANT_DAYS[0]
    dormant = ((spend(start - DORMANT_DAYS[1], lapsed_since, counts=True) > 0)
               & (spend(lapsed_since, start, counts=True) == 0))
    new = ~bought & (reg_day >= start - NEW_USER_DAYS)
    return np.select([registered & high_value, registered & dormant, registered & new],
                     BIG_PROMOTION_SEGMENTS, -1)


def _incremental_spend(code: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Extra spend a campaign causes: one extra order with the segment's probability."""
    p, mean_amount = np.array(list(SEGMENT_RESPONSE.values())).T
    # lognormal with the planted mean: mu = ln(mean) - sigma^2 / 2
    amounts = rng.lognormal(np.log(mean_amount[code]) - EXTRA_ORDER_SIGMA**2 / 2, EXTRA_ORDER_SIGMA)
    return amounts * (rng.random(len(code)) < p[code])
