"""The task system of 鲜选 (launched mid-2024): task catalogue, completions and a task experiment.

* ``tasks``: nine tasks; five form the 新手任务链 (newcomer chain) 完善资料 → 首次收藏 → 完成首单 →
  设置常购清单 (the lock-in step) → 完成第二单.
* ``task_log``: completions from the launch on. Tasks that are behaviours recorded elsewhere are
  read from those tables (首次收藏 from events, 首单/第二单 from orders, 加入社群 from
  wecom_members, 邀请好友 from referrals), so the log agrees with them; the others are drawn.
* ``task_experiment``: every user registering after the launch (with 90 days of data) was randomly
  shown, or not, each of two task cards during their first 30 days: T05 设置常购清单 and T06 每月签到.

Planted: engaged users (more orders in their first 30 days) complete both tasks far more often, so
completers of either task retain better (selection). Only T05 causes retention: a completer who
would not have ordered in days 31–90 does so with probability CAUSAL_LIFT. Randomisation (shown vs
not) separates the two. ``retained`` includes these extra orders, which are not in ``orders``
(like the campaign increments of ``campaign_audience``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import conform
from opskit.sim.config import WorldConfig, rng_for

LAUNCH = pd.Timestamp("2024-07-01")
TASKS = pd.DataFrame({
    "task_id": ["T01", "T02", "T03", "T04", "T05", "T06", "T07", "T08", "T09"],
    "task_name": ["完善资料", "首次收藏", "完成首单", "加入社群", "设置常购清单", "每月签到", "邀请好友",
                  "评价晒单", "完成第二单"],
    "task_type": ["新手", "新手", "新手", "成长", "成长", "日常", "成长", "日常", "新手"],
    "chain_step": pd.array([1, 2, 3, None, 4, None, None, None, 5], dtype="Int64"),
    "growth_reward": [20.0, 10.0, 50.0, 30.0, 30.0, 10.0, 50.0, 5.0, 50.0],
})
CAUSAL_TASK, CORRELATED_TASK = "T05", "T06"
CAUSAL_LIFT = 0.5            # P(order in days 31-90 | completed T05, would not have ordered otherwise)
SHOWN_SHARE = 0.5
PROFILE_SHARE = 0.55         # new users completing 完善资料
PROFILE_SHARE_EXISTING = 0.25
REVIEW_SHARE = 0.10          # orders followed by a review
# Completion of the experiment tasks in the first 30 days, if shown: base + slope·(1 − e^(−orders_30/1.5)).
COMPLETION = {CAUSAL_TASK: (0.20, 0.60), CORRELATED_TASK: (0.10, 0.65)}
CHECKIN_ACTIVE, CHECKIN_IDLE = 0.55, 0.03   # monthly check-in: users with / without an order that month

TRUTHS: dict[str, object] = {
    "task_launch": f"{LAUNCH:%Y-%m-%d}",
    "causal_task": CAUSAL_TASK,
    "correlated_task": CORRELATED_TASK,
    "causal_task_lift_among_nonretained": CAUSAL_LIFT,
    "correlated_task_effect": 0.0,
    "task_shown_share": SHOWN_SHARE,
    "task_chain": "完善资料 → 首次收藏 → 完成首单 → 设置常购清单 → 完成第二单",
}

CARD = f"""\
**任务体系（tasks、task_log、task_experiment）**

- 任务体系于 {LAUNCH:%Y-%m-%d} 上线，共 9 个任务；新手任务链：{TRUTHS["task_chain"]}（“设置常购清单”是锁客环节）。
  任务日志只记上线后的完成：首次收藏、首单、第二单、加入社群、邀请好友直接取自 events、orders、wecom_members、referrals，
  与这些表一致；完善资料（新用户 {PROFILE_SHARE:.0%}，老用户 {PROFILE_SHARE_EXISTING:.0%}）、评价晒单（{REVIEW_SHARE:.0%} 的订单）和每月签到
  （当月有订单的用户 {CHECKIN_ACTIVE:.0%}，其余 {CHECKIN_IDLE:.0%}）按概率生成；设置常购清单只在实验中出现。
- **任务随机实验**：上线后注册（且有满 90 天数据）的用户，在注册后 30 天内随机（各 {SHOWN_SHARE:.0%}）看到或看不到两张任务卡：
  T05 设置常购清单、T06 每月签到。看到后完成的概率随前 30 天订单数上升（越活跃越爱做任务）。
- **埋点（因果 vs 相关）**：两张任务的完成者，第 31–90 天的下单率都远高于未完成者——这主要是选择偏差。只有 T05 真的提升留存：
  本来不会在第 31–90 天下单的完成者，以 {CAUSAL_LIFT:.0%} 的概率因为常购清单而下单；T06 签到的真实效应为 0。
  比较“看到 vs 没看到”（意向处理效应 ITT），再除以两组完成率之差（Wald / CACE），可以找回 T05 对完成者的效应。
  retained 包含这部分额外订单，订单表不含（与 campaign_audience 的增量同理）。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``tasks``, ``task_log`` and ``task_experiment``."""
    rng = rng_for(cfg, "gamification")
    users, orders = world["users"], world["orders"]
    launch, end = np.datetime64(LAUNCH, "s"), np.datetime64(cfg.end, "s")
    experiment, experiment_log = _experiment(cfg, users, orders, rng)
    log = pd.concat([
        _profile(users, launch, end, rng),
        _first_event(world.get("events"), "add_favorite", "T02", launch, end),
        _nth_order(orders, 1, "T03", launch, end),
        _first_join(world.get("wecom_members"), launch, end),
        experiment_log,
        _checkins(users, orders, launch, end, rng),
        _invites(world.get("referrals"), launch, end),
        _reviews(orders, launch, end, rng),
        _nth_order(orders, 2, "T09", launch, end),
    ], ignore_index=True)
    log = log.sort_values(["completed_time", "task_id", "user_id"], kind="stable")
    return {"tasks": conform(TASKS, "tasks"), "task_log": conform(log, "task_log"),
            "task_experiment": conform(experiment, "task_experiment")}


def _frame(user_id, task_id: str, time) -> pd.DataFrame:
    return pd.DataFrame({"user_id": np.asarray(user_id), "task_id": task_id,
                         "completed_time": np.asarray(time).astype("datetime64[s]")})


def _profile(users, launch, end, rng) -> pd.DataFrame:
    reg = users["register_time"].to_numpy().astype("datetime64[s]")
    new = reg >= launch
    done = rng.random(len(users)) < np.where(new, PROFILE_SHARE, PROFILE_SHARE_EXISTING)
    delay = rng.exponential(np.where(new, 2.0, 60.0) * 86400).astype(np.int64).astype("timedelta64[s]")
    t = np.maximum(reg, launch) + delay
    keep = done & (t < end)
    return _frame(users["user_id"].to_numpy()[keep], "T01", t[keep])


def _first_event(events, event_type, task_id, launch, end) -> pd.DataFrame:
    if events is None:
        return _frame([], task_id, [])
    ev = events.loc[events["event_type"] == event_type, ["user_id", "event_time"]]
    first = ev.groupby("user_id", sort=True)["event_time"].min()
    first = first[(first >= pd.Timestamp(launch)) & (first < pd.Timestamp(end))]
    return _frame(first.index.to_numpy(), task_id, first.to_numpy())


def _nth_order(orders, n, task_id, launch, end) -> pd.DataFrame:
    o = orders[["user_id", "order_time", "order_id"]].sort_values(["user_id", "order_time", "order_id"], kind="stable")
    nth = o[o.groupby("user_id", sort=False).cumcount() == n - 1]
    nth = nth[(nth["order_time"] >= pd.Timestamp(launch)) & (nth["order_time"] < pd.Timestamp(end))]
    return _frame(nth["user_id"].to_numpy(), task_id, nth["order_time"].to_numpy())


def _first_join(members, launch, end) -> pd.DataFrame:
    if members is None:
        return _frame([], "T04", [])
    first = members.groupby("user_id", sort=True)["join_time"].min()
    first = first[(first >= pd.Timestamp(launch)) & (first < pd.Timestamp(end))]
    return _frame(first.index.to_numpy(), "T04", first.to_numpy())


def _invites(referrals, launch, end) -> pd.DataFrame:
    if referrals is None:
        return _frame([], "T07", [])
    accepted = referrals[referrals["invitee_user_id"].notna()]
    first = accepted.groupby("inviter_id", sort=True)["invite_time"].min()
    first = first[(first >= pd.Timestamp(launch)) & (first < pd.Timestamp(end))]
    return _frame(first.index.to_numpy(), "T07", first.to_numpy())


def _reviews(orders, launch, end, rng) -> pd.DataFrame:
    t = orders["order_time"].to_numpy().astype("datetime64[s]")
    delay = (rng.exponential(2 * 86400, len(orders)) + 3600).astype(np.int64).astype("timedelta64[s]")
    keep = (rng.random(len(orders)) < REVIEW_SHARE) & (t >= launch) & (t + delay < end)
    return _frame(orders["user_id"].to_numpy()[keep], "T08", (t + delay)[keep])


def _checkins(users, orders, launch, end, rng) -> pd.DataFrame:
    """每月签到: completed in a month with a probability that depends on ordering in that month.

    Month 1 of a user registering after the launch belongs to the experiment (see ``_experiment``).
    """
    months = pd.date_range(pd.Timestamp(launch), pd.Timestamp(end), freq="MS")[:-1]
    reg = users["register_time"].to_numpy().astype("datetime64[s]")
    pos = pd.Index(users["user_id"]).get_indexer(orders["user_id"])
    month_of_order = orders["order_time"].dt.to_period("M").dt.start_time.to_numpy().astype("datetime64[s]")
    parts = []
    for m in months:
        start = np.datetime64(m, "s")
        stop = np.datetime64(m + pd.offsets.MonthBegin(1), "s")
        active = np.zeros(len(users), bool)
        active[pos[(month_of_order == start) & (pos >= 0)]] = True
        # From day 30 after registering (the experiment covers the first 30 days of new users).
        eligible = reg + np.timedelta64(30, "D") <= start
        done = eligible & (rng.random(len(users)) < np.where(active, CHECKIN_ACTIVE, CHECKIN_IDLE))
        day = rng.integers(14, 28, len(users)).astype("timedelta64[D]")
        t = start + day + np.timedelta64(20 * 3600, "s")
        keep = done & (t < np.minimum(stop, end))
        parts.append(_frame(users["user_id"].to_numpy()[keep], CORRELATED_TASK, t[keep]))
    return pd.concat(parts, ignore_index=True) if parts else _frame([], CORRELATED_TASK, [])


def _experiment(cfg, users, orders, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    reg = users["register_time"].to_numpy().astype("datetime64[s]")
    launch, end = np.datetime64(LAUNCH, "s"), np.datetime64(cfg.end, "s")
    cohort = np.flatnonzero((reg >= launch) & (reg + np.timedelta64(90, "D") <= end))
    pos = pd.Index(users["user_id"].to_numpy()[cohort]).get_indexer(orders["user_id"])
    t = orders["order_time"].to_numpy().astype("datetime64[s]")
    known = pos >= 0
    age = np.full(len(t), np.timedelta64(-1, "s"))
    age[known] = t[known] - reg[cohort][pos[known]]
    day = np.timedelta64(1, "D")
    first30 = known & (age >= np.timedelta64(0, "s")) & (age < 30 * day)
    later = known & (age >= 30 * day) & (age < 90 * day)
    orders_30 = np.bincount(pos[first30], minlength=len(cohort))
    first_order = np.full(len(cohort), np.datetime64("NaT"), dtype="datetime64[s]")
    if first30.any():
        firsts = pd.Series(t[first30]).groupby(pos[first30]).min()
        first_order[firsts.index.to_numpy()] = firsts.to_numpy().astype("datetime64[s]")
    organic = np.bincount(pos[later], minlength=len(cohort)) > 0
    engagement = 1 - np.exp(-orders_30 / 1.5)

    rows, logs = [], []
    for task in (CAUSAL_TASK, CORRELATED_TASK):
        base, slope = COMPLETION[task]
        shown = rng.random(len(cohort)) < SHOWN_SHARE
        completed = shown & (rng.random(len(cohort)) < base + slope * engagement)
        retained = organic.copy()
        if task == CAUSAL_TASK:
            retained |= completed & (rng.random(len(cohort)) < CAUSAL_LIFT)
        else:
            rng.random(len(cohort))  # keep both tasks' streams the same length
        delay = (rng.exponential(6 * 86400, len(cohort)) % (29 * 86400)).astype(np.int64)
        when = reg[cohort] + delay.astype("timedelta64[s]")
        # The shopping list is set up after the first order when there is one in the first 30 days.
        after_first = first_order + (delay // 4).astype("timedelta64[s]")
        use = ~np.isnat(first_order) & (after_first < reg[cohort] + 30 * day)
        when = np.where(use, after_first, when) if task == CAUSAL_TASK else when
        rows.append(pd.DataFrame({"user_id": users["user_id"].to_numpy()[cohort], "task_id": task,
                                  "shown": shown.astype(np.int64), "completed": completed.astype(np.int64),
                                  "retained": retained.astype(np.int64)}))
        logs.append(_frame(users["user_id"].to_numpy()[cohort][completed], task, when[completed]))
    return pd.concat(rows, ignore_index=True), pd.concat(logs, ignore_index=True)
