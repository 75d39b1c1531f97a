"""WeCom (企业微信) private-domain communities of 鲜选: groups by city and their members.

Groups are opened in each city over the first part of the world; each owner (a community
operator) runs a handful of groups in one city. Invitations go out in weekly batches: every user is
invited once, on the Monday after some time has passed since registering (once a group of their
city exists), through one of the 引流 touchpoints, and joins during that week with a probability that
grows with the orders they placed in the PRE_WEEKS weeks before that Monday. Some leave again,
sooner for some touchpoints.

Planted: joining is *selected* on recent purchase frequency, while the orders of the ``orders``
table do not depend on the community at all; what the group adds are its own group orders
(``wecom_orders``, see :mod:`opskit.sim.private_domain`). A naive "members spend more" comparison
therefore measures mostly selection; a comparison with non-members matched on the orders before
joining recovers the group's true increment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import DAY, conform, labels, user_positions
from opskit.sim.config import WorldConfig, rng_for

CITIES = {
    "一线": ["北京", "上海", "广州", "深圳"],
    "新一线": ["杭州", "成都", "武汉", "南京"],
    "二线": ["厦门", "济南", "福州", "合肥"],
    "三线及以下": ["绍兴", "洛阳", "芜湖", "赣州"],
}
FALLBACK_TIER = "三线及以下"
_CITY_NAMES = [city for cities in CITIES.values() for city in cities]
_TIER_FIRST_CITY = {tier: 4 * i for i, tier in enumerate(CITIES)}
USERS_PER_GROUP = 250
GROUPS_PER_OWNER = 5
GROUP_OPENING_SHARE = 0.8  # groups are created within the first 80% of the world
JOIN_MAX_SHARE = 0.7
JOIN_SCALE_ORDERS = 3.0
PRE_WEEKS = 13                     # joining depends on the orders in these weeks before the invitation
SECOND_GROUP_SHARE = 0.1
JOIN_DELAY_DAYS = 60.0
# 引流 touchpoints: share of joiners, and how many of their joiners leave again and how soon.
SOURCES = ["包裹卡", "支付完成页", "门店导购", "短信红包", "公众号"]
SOURCE_SHARE = np.array([0.35, 0.25, 0.15, 0.15, 0.10])
SOURCE_LEAVE_SHARE = np.array([0.25, 0.25, 0.15, 0.65, 0.30])
SOURCE_LEAVE_DAYS = np.array([60.0, 60.0, 90.0, 7.0, 45.0])
LEAVE_SHARE = float(SOURCE_SHARE @ SOURCE_LEAVE_SHARE)

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
_GIVEN = ["小鲜", "晓晴", "思雨", "佳怡", "子涵", "雨桐", "欣然", "梓萱", "浩然", "宇轩",
          "俊杰", "一诺", "可馨", "诗涵", "明轩", "若曦", "嘉怡", "天佑", "沐阳", "安琪"]

TRUTHS: dict[str, object] = {
    "community_join_max_share": JOIN_MAX_SHARE,
    "community_join_rule": (f"受邀当周入群概率 = {JOIN_MAX_SHARE}·(1 − exp(−受邀前 {PRE_WEEKS} 周订单数"
                            f"/{JOIN_SCALE_ORDERS}))"),
    "community_invitation": "每周一批：注册（且本城市已有群）后平均 45 天之后的第一个周一，当周内入群",
    "community_effect_on_orders": 0.0,
    "community_source_share": dict(zip(SOURCES, SOURCE_SHARE.tolist())),
    "community_source_leave_share": dict(zip(SOURCES, SOURCE_LEAVE_SHARE.tolist())),
    "community_source_mean_days_to_leave": dict(zip(SOURCES, SOURCE_LEAVE_DAYS.tolist())),
    "community_leave_share": LEAVE_SHARE,
}

CARD = f"""\
**企微社群（wecom_groups、wecom_members）**

- 社群按城市建立（16 个城市，按用户的城市线级分配），约每 {USERS_PER_GROUP} 名用户一个群，
  在数据期前 {GROUP_OPENING_SHARE:.0%} 的时间内陆续建群；每位群主（社群运营）在同一城市管理约
  {GROUPS_PER_OWNER} 个群。
- 入群邀请每周一批：每位用户在注册（且本城市已有群）平均 {JOIN_DELAY_DAYS:.0f} 天后的第一个周一，经某个引流触点
  （{"、".join(SOURCES)}）收到一次邀请，并在当周内决定是否入群；入群概率只取决于受邀前 {PRE_WEEKS} 周的订单数：
  {JOIN_MAX_SHARE}·(1 − e^(−订单数/{JOIN_SCALE_ORDERS}))。约 {SECOND_GROUP_SHARE:.0%} 的入群用户还会加入第二个群。
- 各触点的入群者占比 {"、".join(f"{n} {p:.0%}" for n, p in zip(SOURCES, SOURCE_SHARE))}；
  退群：{"、".join(f"{n} {p:.0%}（平均 {d:.0f} 天）" for n, p, d in zip(SOURCES, SOURCE_LEAVE_SHARE, SOURCE_LEAVE_DAYS))}
  的成员会退群（短信红包引来的人领完红包就走），数据导出时仍在群内的 leave_time 为空。
- 埋点（陷阱）：orders 表中的订单完全不受社群影响；社群的增量只有群内成交的社群订单（wecom_orders，见下）。
  “群成员比非群成员消费高”大部分是因为近期爱买的人更愿意入群（选择偏差）；要评估社群价值，应找入群前订单数相同的
  未入群用户做对照，比较入群前后的变化。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``wecom_groups`` and ``wecom_members``."""
    rng = rng_for(cfg, "community")
    users = world["users"]
    user_city = _user_cities(users, rng)
    groups = _groups(cfg, np.bincount(user_city, minlength=len(_CITY_NAMES)), rng)
    members = _members(cfg, users, world["orders"], user_city, groups, rng)
    return {
        "wecom_groups": conform(groups[["group_id", "owner", "city", "created_date"]], "wecom_groups"),
        "wecom_members": conform(members, "wecom_members"),
    }


def _user_cities(users: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """City code per user: a city of the user's tier (unknown tiers count as the lowest)."""
    tiers = users["city_tier"] if "city_tier" in users else pd.Series(FALLBACK_TIER, index=users.index)
    first = tiers.map(_TIER_FIRST_CITY).fillna(_TIER_FIRST_CITY[FALLBACK_TIER]).to_numpy(np.int64)
    return first + rng.integers(0, 4, len(users))


def _groups(cfg: WorldConfig, users_per_city: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    n_groups = max(len(_CITY_NAMES), round(users_per_city.sum() / USERS_PER_GROUP))
    # One group per city, the rest in proportion to the city's users.
    extra = rng.multinomial(n_groups - len(_CITY_NAMES), users_per_city / max(users_per_city.sum(), 1))
    city = np.repeat(np.arange(len(_CITY_NAMES)), 1 + extra)
    # Each owner runs up to GROUPS_PER_OWNER groups of one city (groups are sorted by city).
    rank_in_city = np.arange(len(city)) - np.repeat(np.cumsum(1 + extra) - (1 + extra), 1 + extra)
    _, owner = np.unique(city * len(city) + rank_in_city // GROUPS_PER_OWNER, return_inverse=True)
    opening_days = GROUP_OPENING_SHARE * cfg.n_days
    created = np.datetime64(cfg.start, "D") + (rng.random(len(city)) * opening_days).astype(np.int64) * DAY
    return pd.DataFrame({
        "group_id": [f"G{i:05d}" for i in range(1, len(city) + 1)],
        "owner": _owner_names(owner),
        "city": np.array(_CITY_NAMES)[city],
        "created_date": created,
        "city_code": city,
    })


def _owner_names(owner: np.ndarray) -> np.ndarray:
    names = np.char.add(np.array(_SURNAMES)[owner % len(_SURNAMES)],
                        np.array(_GIVEN)[(owner // len(_SURNAMES)) % len(_GIVEN)])
    cycle = owner // (len(_SURNAMES) * len(_GIVEN))
    return np.where(cycle > 0, np.char.add(names, (cycle + 1).astype(str)), names)


def _members(cfg: WorldConfig, users: pd.DataFrame, orders: pd.DataFrame, user_city: np.ndarray,
             groups: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    user_ids = users["user_id"].to_numpy()
    n = len(users)
    # Every user is invited once, to a group of their city: groups are contiguous per city.
    city_groups = np.bincount(groups["city_code"], minlength=len(_CITY_NAMES))
    city_offset = np.concatenate([[0], np.cumsum(city_groups)[:-1]])
    group = city_offset[user_city] + (rng.random(n) * city_groups[user_city]).astype(np.int64)
    created = groups["created_date"].to_numpy().astype("datetime64[s]")[group]
    registered = users["register_time"].to_numpy().astype("datetime64[s]")
    delay = rng.exponential(JOIN_DELAY_DAYS * 86400, n).astype(np.int64).astype("timedelta64[s]")
    invited = _next_monday(np.maximum(registered, created) + delay)
    recent = _orders_before(user_ids, orders, invited, 7 * PRE_WEEKS)
    join_p = JOIN_MAX_SHARE * (1 - np.exp(-recent / JOIN_SCALE_ORDERS))
    end = np.datetime64(cfg.end, "s")
    joiner = np.flatnonzero((rng.random(n) < join_p) & (invited < end))
    source = (rng.random(len(joiner))[:, None] > np.cumsum(SOURCE_SHARE)[:-1]).sum(axis=1)

    # A few joiners also join a second group of their city later (same touchpoint).
    second = joiner[rng.random(len(joiner)) < SECOND_GROUP_SHARE]
    second_group = (city_offset[user_city[second]]
                    + (rng.random(len(second)) * city_groups[user_city[second]]).astype(np.int64))
    second_created = groups["created_date"].to_numpy().astype("datetime64[s]")[second_group]
    second_delay = rng.exponential(JOIN_DELAY_DAYS * 86400, len(second)).astype(np.int64)
    second_join = np.maximum(invited[second] + np.timedelta64(7, "D"), second_created) + second_delay.astype(
        "timedelta64[s]")

    accept = rng.integers(0, 7 * 86400, len(joiner)).astype("timedelta64[s]")  # during the invitation week
    member = np.concatenate([joiner, second])
    member_group = np.concatenate([group[joiner], second_group])
    join = np.concatenate([invited[joiner] + accept, second_join])
    member_source = np.concatenate([source, source[np.searchsorted(joiner, second)]])
    leaves = rng.random(len(member)) < SOURCE_LEAVE_SHARE[member_source]
    stay = rng.exponential(SOURCE_LEAVE_DAYS[member_source] * 86400) + 3600
    leave = join + stay.astype(np.int64).astype("timedelta64[s]")
    leave[~leaves | (leave >= end)] = np.datetime64("NaT")

    frame = pd.DataFrame({"group": member_group, "user_id": user_ids[member], "join_time": join,
                          "leave_time": leave, "source": member_source})
    frame = frame[join < end].drop_duplicates(["group", "user_id"])
    frame = frame.sort_values(["join_time", "group"], kind="stable")
    return pd.DataFrame({
        "group_id": labels(frame["group"].to_numpy(), groups["group_id"]),
        "user_id": frame["user_id"].to_numpy(),
        "join_time": frame["join_time"].to_numpy(),
        "leave_time": frame["leave_time"].to_numpy(),
        "source": labels(frame["source"].to_numpy(), SOURCES),
    })


def _next_monday(moment: np.ndarray) -> np.ndarray:
    """Midnight of the first Monday at or after each moment (1970-01-05 was a Monday)."""
    days = np.ceil((moment.astype(np.int64) / 86400)).astype(np.int64)
    return ((days + (-(days - 4)) % 7) * 86400).astype("datetime64[s]")


def _orders_before(user_ids: np.ndarray, orders: pd.DataFrame, moment: np.ndarray, days: int) -> np.ndarray:
    """Orders of each user in the ``days`` before their own ``moment`` (vectorised look-up)."""
    position = user_positions(user_ids, orders["user_id"].to_numpy())
    keep = position >= 0
    seconds = orders["order_time"].to_numpy().astype("datetime64[s]").astype(np.int64)[keep]
    span = np.int64(1) << 40  # seconds within one user's block: far more than any world
    keys = np.sort(position[keep].astype(np.int64) * span + (seconds - seconds.min(initial=0)))
    base = np.arange(len(user_ids), dtype=np.int64) * span
    t = moment.astype(np.int64) - seconds.min(initial=0)
    upper = np.searchsorted(keys, base + np.clip(t, 0, span - 1))
    lower = np.searchsorted(keys, base + np.clip(t - days * 86400, 0, span - 1))
    return (upper - lower).astype(float)
