"""Checks for the homepage exercise: slot GPM, a swap estimate of position bias, the best creative
after position correction, the regret rate of ε-greedy and an IPW off-policy estimate.

Each check recomputes the expected answer from the learner's own tables, names the usual mistake
when the answer is wrong, and never raises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit import homepage as hp
from opskit.course.exercises import _say, expect_number, total, unanswered


@total
def slot_gpm(answer, slots: pd.DataFrame, slot: str) -> bool:
    own = slots[slots["slot_id"] == slot]
    expected = 1000 * own["gmv"].sum() / own["impressions"].sum()
    daily = (1000 * own["gmv"] / own["impressions"]).mean()
    return expect_number(f"任务 1 资源位 {slot} 的千次曝光成交额", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - expected / 1000) < 1e-9, "忘了乘以 1000：GPM 是每“千次”曝光的成交额。"),
        (lambda v: abs(v - daily) < 1e-6, "你把每天的 GPM 做了简单平均。要用总成交额 ÷ 总曝光 × 1000，曝光多的日子权重应更大。"),
        (lambda v: abs(v - 1000 * own["gmv"].sum() / own["clicks"].sum()) < 1e-6, "分母用成了点击。GPM 的分母是曝光。"),
    ])


@total
def swap_theta(answer, slots: pd.DataFrame, creative: str, position: int) -> bool:
    own = slots[slots["creative_id"] == creative].groupby("position")[["clicks", "impressions"]].sum()
    if 1 not in own.index or position not in own.index:
        return _say("任务 2 位置系数", False, f"素材 {creative} 没有同时出现在位置 1 和位置 {position}，换一个素材。")
    ctr = own["clicks"] / own["impressions"]
    expected = ctr.loc[position] / ctr.loc[1]
    everyone = slots.groupby("position")[["clicks", "impressions"]].sum()
    raw = (everyone["clicks"] / everyone["impressions"])
    return expect_number(f"任务 2 位置 {position} 的位置系数（素材 {creative} 的换位估计）", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - 1 / expected) < 1e-9, f"比值倒过来了：θ = 位置 {position} 的点击率 ÷ 位置 1 的点击率（应小于 1）。"),
        (lambda v: abs(v - raw.loc[position] / raw.loc[1]) < 1e-9,
         "你用了所有素材的点击率：前面的位置放的素材更好，这样算会把素材的作用也算给位置。只用同一个素材。"),
    ])


@total
def best_creative(answer, slots: pd.DataFrame, theta: pd.Series) -> bool:
    task = "任务 3 纠偏后千次曝光成交额最高的素材"
    if unanswered(answer):
        return _say(task, False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    table = hp.item_performance(slots, theta, click="clicks", impressions="impressions", gmv="gmv")
    expected = str(table.index[0])
    raw_ctr, raw_gpm = str(table["ctr"].idxmax()), str(table["gpm"].idxmax())
    got = str(answer)
    if got == expected:
        return _say(task, True, f"正确（{expected}，纠偏 GPM {table.loc[expected, 'corrected_gpm']:,.0f} 元）。")
    if got == raw_ctr:
        return _say(task, False, f"{raw_ctr} 是原始点击率最高的素材。要比的是纠偏后的千次曝光成交额：成交额 ÷ Σ(θ × 曝光) × 1000。")
    if got == raw_gpm:
        return _say(task, False, f"{raw_gpm} 是原始 GPM 最高的素材，没有纠正位置偏差：曝光要先乘以所在位置的 θ。")
    if got not in set(table.index.astype(str)):
        return _say(task, False, f"{got!r} 不是素材ID。答案应是 creative_id，如 {expected[:1]}…")
    return _say(task, False, f"{got} 不对。检查：examined = Σ 曝光 × θ[位置]，纠偏 GPM = 1000 × 成交额 ÷ examined，取最大的素材。")


@total
def epsilon_regret_rate(answer, ctr, epsilon: float) -> bool:
    ctr = np.asarray(ctr, dtype=float)
    gaps = ctr.max() - ctr
    expected = epsilon * gaps.mean()
    return expect_number("任务 4 ε-贪心的每次曝光遗憾（长期）", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - gaps.mean()) < 1e-12, f"这是随机选一个素材的平均差距。ε-贪心只有 ε = {epsilon:g} 的流量在随机探索，要乘以 ε。"),
        (lambda v: abs(v - epsilon * gaps.sum()) < 1e-12, "随机探索时每个素材被选中的概率是 1/K：用差距的平均值，不是总和。"),
        (lambda v: abs(v - epsilon * gaps[gaps > 0].mean()) < 1e-12,
         "随机探索也可能选中最佳素材（差距为 0）：平均时要把它也算进去。"),
    ])


@total
def ipw_uniform(answer, log: pd.DataFrame) -> bool:
    n_items = log["creative_id"].nunique()
    reward = log["click"].to_numpy(dtype=float)
    p = log["propensity"].to_numpy(dtype=float)
    target = np.full(len(log), 1.0 / n_items)
    expected = hp.ipw_value(reward, p, target)
    return expect_number("任务 5 均匀轮播的离线评估（IPW）", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - reward.mean()) < 1e-12, "这是当前日志的平均点击率，也就是旧策略的价值。新策略要按 目标概率 ÷ 倾向分 加权。"),
        (lambda v: abs(v - np.mean(reward * p / target)) < 1e-9, "权重倒过来了：w = 目标策略的概率 ÷ 日志的倾向分。"),
        (lambda v: abs(v - hp.snipw_value(reward, p, target)) < 1e-12,
         "这是自归一化 IPW（除以权重之和）。本题要普通 IPW：加权和 ÷ 样本数。"),
    ])


def summary() -> bool:
    from opskit.course.exercises.tour import summary as _summary

    return _summary()
