"""What happens inside 鲜选's WeCom groups: 引流 reach and cost, advisors' touches, group orders.

* ``wecom_sources``: every month, each 引流 touchpoint reaches many users and some of them join
  (the joins are the members of :mod:`opskit.sim.community`); reach = joins / conversion rate.
* ``wecom_touches``: over the last TOUCH_WEEKS weeks, each member's advisor (the group owner) sends
  1-to-1 messages. How many a week is the advisor's own cadence times a company-wide weekly factor
  (big promotions), so the frequency a member gets does not depend on the member: an as-good-as-
  random source of variation. Each week a member may mute the advisor or unsubscribe; both stay rare
  up to FATIGUE_POINT touches a week and rise steeply beyond it (the planted fatigue point).
  Clicks per touch fall with the week's frequency; a muted member rarely clicks again, an
  unsubscribed member gets no more touches.
* ``wecom_orders``: while a member is in their (first) group they place group orders (群接龙) at
  GROUP_ORDERS_PER_MONTH a month: the group's true increment. The ``orders`` table is untouched.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import conform, labels
from opskit.sim.community import SOURCES
from opskit.sim.config import WorldConfig, rng_for

SOURCE_CONVERSION = np.array([0.04, 0.02, 0.25, 0.015, 0.03])    # joins / reach, per SOURCES
SOURCE_COST_PER_REACH = np.array([0.30, 0.02, 3.00, 0.05, 0.10])  # yuan per user reached
SOURCE_COST_PER_JOIN = np.array([0.0, 0.0, 0.0, 5.0, 0.0])        # the red packet of 短信红包

TOUCH_WEEKS = 26
CADENCE_RANGE = (0.8, 4.5)      # advisors' mean touches per member-week
MAX_TOUCHES = 7
FATIGUE_POINT = 3               # touches a week beyond which members drop out steeply
MUTE_BASE, MUTE_SLOPE = 0.01, 0.04            # weekly P(mute) = base + slope·max(0, f − point)
UNSUBSCRIBE_BASE, UNSUBSCRIBE_SLOPE = 0.004, 0.03
CLICK_FIRST = 0.30              # click probability of a member's only touch of the week
CLICK_DECAY = 0.85              # × per extra touch in the same week
CONTENTS = ["促销", "新品", "内容"]
CONTENT_CLICK = np.array([1.2, 1.0, 0.8])
MUTED_CLICK = 0.2               # clicks of a muted member are this share of the usual
GROUP_ORDERS_PER_MONTH = 1.0    # group orders per member per 30 days in the group
GROUP_ORDER_MEAN = 60.0         # yuan
GROUP_ORDER_SHAPE = 4.0


def _hazard(f, base, slope):
    return np.where(f > 0, base + slope * np.maximum(0, f - FATIGUE_POINT), 0.0)


TRUTHS: dict[str, object] = {
    "source_conversion": dict(zip(SOURCES, SOURCE_CONVERSION.tolist())),
    "source_cost_per_join": dict(zip(SOURCES, (SOURCE_COST_PER_REACH / SOURCE_CONVERSION
                                                + SOURCE_COST_PER_JOIN).round(2).tolist())),
    "touch_weeks": TOUCH_WEEKS,
    "fatigue_point_touches_per_week": FATIGUE_POINT,
    "weekly_mute_rule": f"f ≥ 1 时 {MUTE_BASE} + {MUTE_SLOPE}·max(0, f − {FATIGUE_POINT})",
    "weekly_unsubscribe_rule": f"f ≥ 1 时 {UNSUBSCRIBE_BASE} + {UNSUBSCRIBE_SLOPE}·max(0, f − {FATIGUE_POINT})",
    "click_rule": f"每次触达点击率 {CLICK_FIRST}·{CLICK_DECAY}^(f−1)·内容系数",
    "content_click_multiplier": dict(zip(CONTENTS, CONTENT_CLICK.tolist())),
    "group_orders_per_member_month": GROUP_ORDERS_PER_MONTH,
    "group_order_mean_amount": GROUP_ORDER_MEAN,
    "incremental_orders_per_member_month": GROUP_ORDERS_PER_MONTH,
}

CARD = f"""\
**私域运营（wecom_sources、wecom_touches、wecom_orders）**

- 引流触点月报：每个触点每月触达的人数与花费。触达 → 入群的转化率：
  {"、".join(f"{n} {c:.1%}" for n, c in zip(SOURCES, SOURCE_CONVERSION))}；每触达一人的成本：
  {"、".join(f"{n} {c:.2f} 元" for n, c in zip(SOURCES, SOURCE_COST_PER_REACH))}（短信红包另加每位入群者
  {SOURCE_COST_PER_JOIN[3]:.0f} 元红包）。
- 1 对 1 触达记录（数据期最后 {TOUCH_WEEKS} 周）：群主（企微顾问）按自己的节奏给本群成员发消息，每人每周条数 f ~
  Poisson(顾问节奏 × 全公司当周系数)，最多 {MAX_TOUCHES} 条；顾问节奏在 {CADENCE_RANGE[0]}–{CADENCE_RANGE[1]} 条/周之间，与成员本人无关。
  内容为促销/新品/内容，各顾问的促销占比不同。
- **埋点：疲劳点 = 每周 {FATIGUE_POINT} 条。** 每周设为免打扰的概率 {MUTE_BASE} + {MUTE_SLOPE}·max(0, f − {FATIGUE_POINT})，
  退订（删除好友/拒收）的概率 {UNSUBSCRIBE_BASE} + {UNSUBSCRIBE_SLOPE}·max(0, f − {FATIGUE_POINT})；退订后不再收到触达。
  每条触达的点击率 {CLICK_FIRST}·{CLICK_DECAY}^(f−1) × 内容系数（促销 {CONTENT_CLICK[0]}、新品 {CONTENT_CLICK[1]}、
  内容 {CONTENT_CLICK[2]}），免打扰之后只有平时的 {MUTED_CLICK:.0%}。所以多发几条，当周点击还会增加，但超过疲劳点就开始大量流失。
- **埋点：社群的真实增量。** 成员在（第一个）群内期间，每 30 天平均下 {GROUP_ORDERS_PER_MONTH} 笔社群订单（群接龙，均值
  {GROUP_ORDER_MEAN:.0f} 元），记在 wecom_orders 表，不在 orders 表中；这就是入群带来的全部增量。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``wecom_sources``, ``wecom_touches`` and ``wecom_orders``."""
    rng = rng_for(cfg, "private_domain")
    members, groups = world["wecom_members"], world["wecom_groups"]
    first = members.sort_values("join_time", kind="stable").drop_duplicates("user_id")
    return {
        "wecom_sources": conform(_sources(cfg, members, rng), "wecom_sources"),
        "wecom_touches": conform(_touches(cfg, first, groups, rng), "wecom_touches"),
        "wecom_orders": conform(_group_orders(cfg, first, rng), "wecom_orders"),
    }


def _sources(cfg: WorldConfig, members: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Monthly reach and cost per touchpoint, consistent with the joins of ``members``."""
    months = pd.date_range(members["join_time"].min().to_period("M").to_timestamp(),
                           cfg.end - pd.Timedelta(days=1), freq="MS")
    source = pd.Categorical(members["source"], categories=SOURCES)
    month = pd.Categorical(members["join_time"].dt.to_period("M").dt.to_timestamp(), categories=months)
    joins = pd.crosstab(month, source, dropna=False).reindex(index=months, columns=SOURCES, fill_value=0)
    expected_non_joiners = np.maximum(joins.to_numpy(), 0.5) * (1 - SOURCE_CONVERSION) / SOURCE_CONVERSION
    reach = joins.to_numpy() + rng.poisson(expected_non_joiners)
    cost = np.round(reach * SOURCE_COST_PER_REACH + joins.to_numpy() * SOURCE_COST_PER_JOIN, 2)
    return pd.DataFrame({
        "month": np.repeat(months.to_numpy(), len(SOURCES)),
        "source": np.tile(SOURCES, len(months)),
        "reach": reach.ravel(),
        "cost": cost.ravel(),
    })


def _week_starts(cfg: WorldConfig) -> np.ndarray:
    last_monday = (cfg.end - pd.Timedelta(days=1)).to_period("W-SUN").start_time
    if last_monday + pd.Timedelta(days=7) > cfg.end:
        last_monday -= pd.Timedelta(days=7)
    starts = pd.date_range(end=last_monday, periods=TOUCH_WEEKS, freq="7D")
    return starts.to_numpy().astype("datetime64[s]")


def _touches(cfg: WorldConfig, first: pd.DataFrame, groups: pd.DataFrame,
             rng: np.random.Generator) -> pd.DataFrame:
    owners = groups["owner"].to_numpy()
    owner_codes, owner_of_group = np.unique(owners, return_inverse=True)
    cadence = rng.uniform(*CADENCE_RANGE, len(owner_codes))
    promo_share = rng.uniform(0.2, 0.8, len(owner_codes))
    weeks = _week_starts(cfg)
    week_factor = rng.gamma(5.0, 1 / 5.0, len(weeks))

    group_pos = pd.Index(groups["group_id"]).get_indexer(first["group_id"])
    owner = owner_of_group[group_pos]
    join = first["join_time"].to_numpy().astype("datetime64[s]")
    leave = first["leave_time"].to_numpy().astype("datetime64[s]")
    week_end = weeks + np.timedelta64(7, "D")
    # member-weeks: in the group for the whole week
    inside = (join[:, None] < weeks[None, :]) & (np.isnat(leave)[:, None] | (leave[:, None] >= week_end[None, :]))
    m, w = np.nonzero(inside)                        # sorted by member, then week
    f = np.minimum(rng.poisson(cadence[owner[m]] * week_factor[w]), MAX_TOUCHES)
    mute_draw = rng.random(len(m)) < _hazard(f, MUTE_BASE, MUTE_SLOPE)
    unsub_draw = rng.random(len(m)) < _hazard(f, UNSUBSCRIBE_BASE, UNSUBSCRIBE_SLOPE)
    # Events only count until the member's first unsubscription; muting happens once.
    start = np.r_[True, m[1:] != m[:-1]]
    block = np.cumsum(start) - 1
    unsub_before = _cumulative_before(unsub_draw, block)
    mute_before = _cumulative_before(mute_draw, block)
    alive = unsub_before == 0
    muted_now = mute_draw & (mute_before == 0) & alive
    muted_earlier = mute_before > 0
    unsub_now = unsub_draw & alive & (unsub_before == 0)
    m, w, f = m[alive], w[alive], f[alive]
    muted_now, muted_earlier, unsub_now = muted_now[alive], muted_earlier[alive], unsub_now[alive]

    # one row per touch
    mw = np.repeat(np.arange(len(m)), f)
    rank = np.arange(len(mw)) - np.repeat(np.cumsum(f) - f, f)
    last = rank == f[mw] - 1
    offsets = _sorted_within(mw, rng.integers(8 * 3600, 22 * 3600, len(mw)) + 86400 * rng.integers(0, 7, len(mw)))
    touch_time = weeks[w[mw]] + offsets.astype("timedelta64[s]")
    content = np.where(rng.random(len(mw)) < promo_share[owner[m[mw]]], 0,
                       np.where(rng.random(len(mw)) < 0.3, 1, 2))
    click_p = (CLICK_FIRST * CLICK_DECAY ** (f[mw] - 1) * CONTENT_CLICK[content]
               * np.where(muted_earlier[mw], MUTED_CLICK, 1.0))
    frame = pd.DataFrame({
        "user_id": first["user_id"].to_numpy()[m[mw]],
        "touch_time": touch_time,
        "content": labels(content, CONTENTS),
        "clicked": (rng.random(len(mw)) < click_p).astype(np.int64),
        "muted": (muted_now[mw] & last).astype(np.int64),
        "unsubscribed": (unsub_now[mw] & last).astype(np.int64),
    })
    return frame.sort_values(["touch_time", "user_id"], kind="stable", ignore_index=True)


def _cumulative_before(flags: np.ndarray, block: np.ndarray) -> np.ndarray:
    """Within each block (consecutive rows of one member), how many flags came before this row."""
    total = np.cumsum(flags) - flags
    block_start = np.r_[0, np.flatnonzero(np.diff(block)) + 1]
    return total - total[block_start][block]


def _sorted_within(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` sorted within each run of equal ``group`` (rows already grouped)."""
    order = np.lexsort((values, group))
    return values[order]


def _group_orders(cfg: WorldConfig, first: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    end = np.datetime64(cfg.end, "s")
    join = first["join_time"].to_numpy().astype("datetime64[s]")
    leave = first["leave_time"].to_numpy().astype("datetime64[s]")
    stop = np.where(np.isnat(leave), end, leave)
    days = (stop - join).astype(np.int64) / 86400
    n = rng.poisson(GROUP_ORDERS_PER_MONTH * days / 30)
    member = np.repeat(np.arange(len(first)), n)
    at = join[member] + (rng.random(len(member)) * (stop - join)[member].astype(np.int64)).astype(
        np.int64).astype("timedelta64[s]")
    amount = np.maximum(np.round(rng.gamma(GROUP_ORDER_SHAPE, GROUP_ORDER_MEAN / GROUP_ORDER_SHAPE,
                                           len(member)), 2), 1.0)
    order = np.lexsort((member, at))
    frame = pd.DataFrame({
        "user_id": first["user_id"].to_numpy()[member][order],
        "group_id": first["group_id"].to_numpy()[member][order],
        "order_time": at[order],
        "amount": amount[order],
    })
    frame.insert(0, "order_id", [f"W{i:06d}" for i in range(1, len(frame) + 1)])
    return frame
