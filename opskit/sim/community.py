"""WeCom (企业微信) private-domain communities of 鲜选: groups by city and their members.

Groups are opened in each city over the first part of the world; each owner (a community
operator) runs a handful of groups in one city. Users join a group of their own city some time
after registering, more often the more they buy, and some leave again.

Planted: joining is *selected* on purchase frequency while the orders themselves do not depend
on the community at all, so a naive "members spend more" comparison measures selection, not
the effect of the community (which is zero in this world).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import DAY, conform, labels, per_user_sum, user_positions
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
JOIN_MAX_SHARE = 0.4
JOIN_SCALE_ORDERS = 6.0
SECOND_GROUP_SHARE = 0.1
JOIN_DELAY_DAYS = 30.0
LEAVE_SHARE = 0.3
LEAVE_DELAY_DAYS = 60.0

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
_GIVEN = ["小鲜", "晓晴", "思雨", "佳怡", "子涵", "雨桐", "欣然", "梓萱", "浩然", "宇轩",
          "俊杰", "一诺", "可馨", "诗涵", "明轩", "若曦", "嘉怡", "天佑", "沐阳", "安琪"]

TRUTHS: dict[str, object] = {
    "community_join_max_share": JOIN_MAX_SHARE,
    "community_join_rule": f"入群概率 = {JOIN_MAX_SHARE}·(1 − exp(−订单数/{JOIN_SCALE_ORDERS}))",
    "community_effect_on_orders": 0.0,
    "community_leave_share": LEAVE_SHARE,
    "community_mean_days_to_leave": LEAVE_DELAY_DAYS,
}

CARD = f"""\
**企微社群（wecom_groups、wecom_members）**

- 社群按城市建立（16 个城市，按用户的城市线级分配），约每 {USERS_PER_GROUP} 名用户一个群，
  在数据期前 {GROUP_OPENING_SHARE:.0%} 的时间内陆续建群；每位群主（社群运营）在同一城市管理约
  {GROUPS_PER_OWNER} 个群。
- 用户在注册（且群已建立）后平均 {JOIN_DELAY_DAYS:.0f} 天加入本城市的一个群，约 {SECOND_GROUP_SHARE:.0%}
  的入群用户还会加入第二个群。入群概率随订单数上升：{JOIN_MAX_SHARE}·(1 − e^(−订单数/{JOIN_SCALE_ORDERS}))。
  约 {LEAVE_SHARE:.0%} 的成员会在入群后平均 {LEAVE_DELAY_DAYS:.0f} 天退群，数据导出时仍在群内的 leave_time 为空。
- 埋点（陷阱）：订单完全不受社群影响，社群的真实增量为 0。“群成员比非群成员消费高”只是因为爱买的人更愿意入群
  （选择偏差）；要评估社群价值，应比较入群前后的变化并设置对照，而不是直接比较两类人。
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
    n_orders = per_user_sum(user_positions(user_ids, orders["user_id"].to_numpy()), None, len(users))
    join_p = JOIN_MAX_SHARE * (1 - np.exp(-n_orders / JOIN_SCALE_ORDERS))
    joiner = np.flatnonzero(rng.random(len(users)) < join_p)
    second = joiner[rng.random(len(joiner)) < SECOND_GROUP_SHARE]
    member = np.concatenate([joiner, second])

    # Pick a group of the member's city: groups are contiguous per city.
    city_groups = np.bincount(groups["city_code"], minlength=len(_CITY_NAMES))
    city_offset = np.concatenate([[0], np.cumsum(city_groups)[:-1]])
    city = user_city[member]
    group = city_offset[city] + (rng.random(len(member)) * city_groups[city]).astype(np.int64)

    created = groups["created_date"].to_numpy().astype("datetime64[s]")[group]
    registered = users["register_time"].to_numpy().astype("datetime64[s]")[member]
    delay = (rng.exponential(JOIN_DELAY_DAYS * 86400, len(member))).astype(np.int64)
    join = np.maximum(registered, created) + delay.astype("timedelta64[s]")
    leave_delay = (rng.exponential(LEAVE_DELAY_DAYS * 86400, len(member)) + 3600).astype(np.int64)
    leave = join + leave_delay.astype("timedelta64[s]")
    end = np.datetime64(cfg.end, "s")
    leave[(rng.random(len(member)) >= LEAVE_SHARE) | (leave >= end)] = np.datetime64("NaT")

    frame = pd.DataFrame({"group": group, "user_id": user_ids[member], "join_time": join,
                          "leave_time": leave})
    frame = frame[join < end].drop_duplicates(["group", "user_id"])
    frame = frame.sort_values(["join_time", "group"], kind="stable")
    return pd.DataFrame({
        "group_id": labels(frame["group"].to_numpy(), groups["group_id"]),
        "user_id": frame["user_id"].to_numpy(),
        "join_time": frame["join_time"].to_numpy(),
        "leave_time": frame["leave_time"].to_numpy(),
    })
