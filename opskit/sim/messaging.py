"""Messages of 鲜选: 公众号 (official account) sends and 企微社群 (WeCom group) posts.

* ``contents``: eight pieces of content the operators can push.
* ``message_sends``: one row per message reaching one user, over the last weeks of the world:
  - weekly **content tests** on the 公众号: a random share of the current followers, each of them
    given one of the eight contents at random (so the segment × content matrix is causal);
  - **tag-targeted** 公众号 sends: the operators pick followers by a rule tag computed from their
    orders at send time (高价值 / 沉睡90天 / 近30天活跃) and push the content they believe in;
  - fortnightly **group posts**: one random content to every current member of each WeCom group.

Planted: a reader's taste (:mod:`opskit.sim.tastes`) decides which content they click; each taste
has one best content, every other cell has the same click rate. A follower's chance to unfollow
rises with the number of 公众号 messages they received in the previous 7 days (fatigue); after
unfollowing they receive no more 公众号 messages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim import tastes
from opskit.sim._periphery import conform
from opskit.sim.config import WorldConfig, rng_for

CONTENTS = pd.DataFrame({
    "content_id": [f"K0{i}" for i in range(1, 9)],
    "title": ["限时秒杀", "当季鲜果", "会员专享价", "菜谱灵感", "家庭囤货", "进口精选", "新品尝鲜", "早餐专区"],
    "content_type": ["优惠券", "图文", "优惠券", "短视频", "图文", "图文", "短视频", "图文"],
})
# Click-through (given open) multiplier per (taste, content): one best content per taste, 1 elsewhere.
BEST_CONTENT = {"品质型": "K06", "实惠型": "K01", "均衡型": "K04"}
BEST_MULTIPLIER = {"品质型": 2.4, "实惠型": 2.2, "均衡型": 2.0}
BASE_CLICK_GIVEN_OPEN = 0.22
OPEN_RATE = {"公众号": 0.24, "企微社群": 0.40}
FOLLOW_SHARE = 0.55            # users who follow the 公众号, some days after registering
FOLLOW_DELAY_DAYS = 10.0
TEST_WEEKS = 26                # weekly content tests over the last 26 weeks
TEST_SHARE = 0.35              # share of current followers in each weekly test
GROUP_POST_EVERY_DAYS = 14
UNSUBSCRIBE_BASE = 0.006       # per 公众号 message, with no message in the previous 7 days
FATIGUE = 0.8                  # relative increase per 公众号 message in the previous 7 days
MUTE_RATE = 0.004              # per group post: a member mutes the group
TARGETED = [                   # (weeks before the end, tag, content the operators chose)
    (23, "高价值", "K03"), (19, "沉睡90天", "K01"), (15, "近30天活跃", "K07"),
    (11, "高价值", "K03"), (7, "沉睡90天", "K01"), (3, "近30天活跃", "K07"),
]
HIGH_VALUE_TOP_SHARE = 0.2     # 高价值: top 20% spend of the last 365 days among buyers

_CLICK = np.ones((len(tastes.TASTES), len(CONTENTS)))
for _t, _c in BEST_CONTENT.items():
    _CLICK[tastes.TASTES.index(_t), CONTENTS["content_id"].tolist().index(_c)] = BEST_MULTIPLIER[_t]

TRUTHS: dict[str, object] = {
    "best_content_by_taste": dict(BEST_CONTENT),
    "best_content_click_multiplier": dict(BEST_MULTIPLIER),
    "click_given_open_base": BASE_CLICK_GIVEN_OPEN,
    "open_rate_by_channel": dict(OPEN_RATE),
    "unsubscribe_base": UNSUBSCRIBE_BASE,
    "unsubscribe_fatigue_per_recent_send": FATIGUE,
    "follow_share": FOLLOW_SHARE,
    "tags_used_for_sends": sorted({tag for _, tag, _ in TARGETED}),
}

CARD = f"""\
**消息触达（contents、message_sends）**

- 8 篇可推送的内容：{"、".join(f"{r.content_id} {r.title}" for r in CONTENTS.itertuples())}。
- 约 {FOLLOW_SHARE:.0%} 的用户在注册后（平均 {FOLLOW_DELAY_DAYS:.0f} 天）关注公众号。数据期最后 {TEST_WEEKS} 周，每周做一次
  **内容测试**：随机抽当前粉丝的 {TEST_SHARE:.0%}，每人随机收到 8 篇内容之一（target_tag 为空）；另有 {len(TARGETED)} 次
  **按标签定向**的推送（高价值 / 沉睡90天 / 近30天活跃，按推送当时的订单计算；内容由运营选定）；企微社群每
  {GROUP_POST_EVERY_DAYS} 天给每个群的当前成员推送一篇随机内容（group_id 为群）。
- 打开率：公众号 {OPEN_RATE["公众号"]:.0%}、企微社群 {OPEN_RATE["企微社群"]:.0%}；打开后点击率基准 {BASE_CLICK_GIVEN_OPEN:.0%}。
- **埋点：口味 × 内容的最佳匹配。** 点击率由读者的口味类型（见“购买”中的口味埋点）决定：
  {"；".join(f"{t} 最爱 {c} {CONTENTS.set_index('content_id').loc[c, 'title']}（点击率 ×{BEST_MULTIPLIER[t]}）" for t, c in BEST_CONTENT.items())}；
  其余 21 个格子的点击率都相同（×1）——在 3×8 的矩阵里找“显著”的格子，不做多重比较校正就会找到假的匹配。
- **埋点：推送疲劳。** 每收到一条公众号消息，取关概率 = {UNSUBSCRIBE_BASE:.1%} ×（1 + {FATIGUE} × 之前 7 天内收到的公众号消息数）；
  取关后不再收到公众号消息。社群推送中每条有 {MUTE_RATE:.1%} 的成员设为免打扰（unsubscribed=1）。
- 运营定义了很多标签，但真正用来定向推送的只有 {len(TRUTHS["tags_used_for_sends"])} 个：{"、".join(TRUTHS["tags_used_for_sends"])}。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``contents`` and ``message_sends``."""
    rng = rng_for(cfg, "messaging")
    users = world["users"]
    taste = tastes.user_tastes(cfg, len(users))
    sends = pd.concat([_account_sends(cfg, users, world["orders"], taste, rng),
                       _group_posts(cfg, users, world.get("wecom_members"), taste, rng)], ignore_index=True)
    sends = sends.sort_values(["send_time", "send_id", "row"], kind="stable")
    return {"contents": conform(CONTENTS, "contents"),
            "message_sends": conform(sends.drop(columns="row"), "message_sends")}


def _respond(rng: np.random.Generator, channel: str, taste: np.ndarray, content: np.ndarray):
    opened = rng.random(len(taste)) < OPEN_RATE[channel]
    p_click = np.minimum(BASE_CLICK_GIVEN_OPEN * _CLICK[taste, content], 0.95)
    clicked = opened & (rng.random(len(taste)) < p_click)
    return opened.astype(np.int64), clicked.astype(np.int64)


def _account_sends(cfg: WorldConfig, users: pd.DataFrame, orders: pd.DataFrame, taste: np.ndarray,
                   rng: np.random.Generator) -> pd.DataFrame:
    n = len(users)
    end = np.datetime64(cfg.end, "s")
    registered = users["register_time"].to_numpy().astype("datetime64[s]")
    follows = rng.random(n) < FOLLOW_SHARE
    follow_time = registered + (rng.exponential(FOLLOW_DELAY_DAYS * 86400, n)).astype(np.int64).astype("timedelta64[s]")
    follows &= follow_time < end
    pos = pd.Index(users["user_id"]).get_indexer(orders["user_id"])
    known = pos >= 0
    o_pos, o_time, o_amount = pos[known], orders["order_time"].to_numpy().astype("datetime64[s]")[known], \
        orders["amount"].to_numpy()[known]

    batches = [(end - np.timedelta64(7 * w, "D") + np.timedelta64(-4 * 3600, "s"), None, None)
               for w in range(TEST_WEEKS, 0, -1)]
    batches += [(end - np.timedelta64(7 * w, "D") + np.timedelta64(-3 * 86400 - 4 * 3600, "s"), tag, content)
                for w, tag, content in TARGETED]
    batches.sort(key=lambda b: b[0])
    unsubscribed = np.zeros(n, bool)
    history: list[tuple[np.ndarray, np.datetime64]] = []   # (recipient positions, time) of past sends
    parts = []
    for i, (t, tag, content_id) in enumerate(batches, start=1):
        eligible = follows & (follow_time <= t) & ~unsubscribed
        if tag is None:
            chosen = eligible & (rng.random(n) < TEST_SHARE)
        else:
            chosen = eligible & _tag_rule(tag, t, n, o_pos, o_time, o_amount)
        who = np.flatnonzero(chosen)
        if tag is None:
            content = rng.integers(0, len(CONTENTS), len(who))
        else:
            content = np.full(len(who), CONTENTS["content_id"].tolist().index(content_id))
        recent = np.zeros(n, np.int64)
        for past, when in history:
            if t - when <= np.timedelta64(7, "D"):
                np.add.at(recent, past, 1)
        opened, clicked = _respond(rng, "公众号", taste[who], content)
        p_unsub = UNSUBSCRIBE_BASE * (1 + FATIGUE * recent[who])
        unsub = rng.random(len(who)) < p_unsub
        unsubscribed[who[unsub]] = True
        history.append((who, t))
        parts.append(pd.DataFrame({
            "send_id": f"S{i:03d}", "channel": "公众号", "user_id": users["user_id"].to_numpy()[who],
            "send_time": np.full(len(who), t), "content_id": CONTENTS["content_id"].to_numpy()[content],
            "target_tag": tag, "group_id": None, "opened": opened, "clicked": clicked,
            "unsubscribed": unsub.astype(np.int64), "row": np.arange(len(who)),
        }))
    return pd.concat(parts, ignore_index=True)


def _tag_rule(tag: str, t: np.datetime64, n: int, o_pos: np.ndarray, o_time: np.ndarray,
              o_amount: np.ndarray) -> np.ndarray:
    """Users carrying ``tag`` at time ``t``, from their orders before ``t``."""
    before = o_time < t
    day = np.timedelta64(1, "D")
    last = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    if before.any():
        frame = pd.DataFrame({"pos": o_pos[before], "time": o_time[before]})
        latest = frame.groupby("pos")["time"].max()
        last[latest.index.to_numpy()] = latest.to_numpy().astype("datetime64[s]")
    bought = ~np.isnat(last)
    if tag == "近30天活跃":
        return bought & (t - last < 30 * day)
    if tag == "沉睡90天":
        return bought & (t - last >= 90 * day)
    window = before & (o_time >= t - 365 * day)
    spend = np.bincount(o_pos[window], weights=o_amount[window], minlength=n)
    buyers = spend > 0
    cut = np.quantile(spend[buyers], 1 - HIGH_VALUE_TOP_SHARE) if buyers.any() else np.inf
    return buyers & (spend >= cut)


def _group_posts(cfg: WorldConfig, users: pd.DataFrame, members: pd.DataFrame | None, taste: np.ndarray,
                 rng: np.random.Generator) -> pd.DataFrame:
    columns = ["send_id", "channel", "user_id", "send_time", "content_id", "target_tag", "group_id",
               "opened", "clicked", "unsubscribed", "row"]
    if members is None or len(members) == 0:
        return pd.DataFrame(columns=columns)
    end = np.datetime64(cfg.end, "s")
    join = members["join_time"].to_numpy().astype("datetime64[s]")
    leave = members["leave_time"].to_numpy().astype("datetime64[s]")
    pos = pd.Index(users["user_id"]).get_indexer(members["user_id"])
    groups = np.sort(members["group_id"].unique())
    n_posts = TEST_WEEKS * 7 // GROUP_POST_EVERY_DAYS
    parts = []
    for p in range(n_posts, 0, -1):
        t = end - np.timedelta64(p * GROUP_POST_EVERY_DAYS, "D") + np.timedelta64(-6 * 3600, "s")
        present = (join <= t) & (np.isnat(leave) | (leave > t)) & (pos >= 0)
        idx = np.flatnonzero(present)
        group_code = pd.Index(groups).get_indexer(members["group_id"].to_numpy()[idx])
        content = rng.integers(0, len(CONTENTS), len(groups))[group_code]
        opened, clicked = _respond(rng, "企微社群", taste[pos[idx]], content)
        parts.append(pd.DataFrame({
            "send_id": (f"G{n_posts - p + 1:02d}-" + members["group_id"].iloc[idx].astype(str)).to_numpy(),
            "channel": "企微社群", "user_id": members["user_id"].to_numpy()[idx],
            "send_time": np.full(len(idx), t), "content_id": CONTENTS["content_id"].to_numpy()[content],
            "target_tag": None, "group_id": members["group_id"].to_numpy()[idx], "opened": opened,
            "clicked": clicked, "unsubscribed": (rng.random(len(idx)) < MUTE_RATE).astype(np.int64),
            "row": np.arange(len(idx)),
        }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
