"""Checks for the gamification exercise (chapter 15): level inverse, IFRS 15 revenue, breakage,
task CACE. Each check recomputes the expected answer with opskit and names the usual mistake.
Checks never raise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit import gamification, loyalty
from opskit.course.exercises import _say, expect_number, total, unanswered


@total
def level_function(answer, base: float = 100.0, growth: float = 1.5) -> bool:
    """Task 1: a function xp -> level for the geometric curve, exact on the thresholds."""
    task = "任务 1 几何等级曲线的反函数"
    if unanswered(answer) or not callable(answer):
        return _say(task, False, "还没有作答：定义一个函数 level(xp)，返回成长值 xp 对应的等级。")
    levels = np.arange(1, 31)
    xp = loyalty.xp_to_reach(levels, base, growth)
    try:
        got_exact = np.array([int(answer(float(v))) for v in xp])
        got_below = np.array([int(answer(float(v) - 1e-6)) for v in xp[1:]])
        got_mid = int(answer(float(xp[9] + 1)))
    except Exception as error:  # the learner's function may fail; report it politely
        return _say(task, False, f"你的函数运行出错：{type(error).__name__}: {error}")
    if (got_exact == levels).all() and (got_below == levels[1:] - 1).all() and got_mid == 10:
        return _say(task, True, "正确：门槛上正好升级，差一点就还在上一级。")
    if (got_exact[1:] == levels[1:] - 1).sum() > 0 and (got_exact != levels).any():
        bad = int(levels[np.argmax(got_exact != levels)])
        return _say(task, False, f"在门槛上少算了一级（如 XP = XP({bad}) 时应为 {bad} 级）：浮点数的 log 可能略小于整数，"
                                 "取整后要用 xp_to_reach 精确比较再修正。")
    if (got_exact == levels - 1).all():
        return _say(task, False, "整体少了 1 级：level = 1 + floor(log_g(1 + xp·(g−1)/base))，别忘了加 1。")
    return _say(task, False, "结果不对。公式：level = 1 + floor(log(1 + xp·(g − 1)/base) / log(g))，再用精确比较修正门槛处的误差。")


@total
def ifrs_revenue(answer) -> bool:
    """Task 2: year-2 revenue of IFRS 15 IE267–IE270 when the estimate falls to 9,200."""
    expected = float(loyalty.points_liability(9000, [4500, 4000], [9700, 9200])["revenue"].iloc[1])
    return expect_number("任务 2 IFRS 15 第 2 年积分收入", answer, expected, rtol=1e-4, hints=[
        (lambda v: abs(v - 9000 * 4000 / 9200) < 1, "你只按第 2 年的兑换量算了（前瞻法）。要做累计追溯调整："
                                                        "按新估计重算累计收入 9,000 × 8,500 / 9,200，再减去第 1 年已确认的 4,175。"),
        (lambda v: abs(v - 9000 * 8500 / 9200) < 1, "这是截至第 2 年的累计收入，还要减去第 1 年已确认的收入。"),
        (lambda v: abs(v - (9000 * 8500 / 9900 - 9000 * 4500 / 9700)) < 1, "这是估计升为 9,900 时的答案（3,552）。本题估计降为 9,200。"),
        (lambda v: abs(v - 4000) < 1, "积分不能按面值确认收入：分给积分的只有 9,000，且要按兑换进度确认。"),
    ])


@total
def breakage(answer, ledger: pd.DataFrame, as_of) -> bool:
    """Task 3: breakage of the matured points."""
    got = loyalty.breakage_estimate(ledger, as_of=as_of)
    all_earned = ledger.loc[(ledger["points"] > 0) & (ledger["time"] < pd.Timestamp(as_of)), "points"].sum()
    all_expired = -ledger.loc[(ledger["reason"] == "expire") & (ledger["time"] < pd.Timestamp(as_of)), "points"].sum()
    all_redeemed = -ledger.loc[(ledger["reason"] == "redeem") & (ledger["time"] < pd.Timestamp(as_of)), "points"].sum()
    return expect_number("任务 3 积分沉淀率", answer, got["breakage"], rtol=1e-9, hints=[
        (lambda v: abs(v - all_expired / all_earned) < 1e-9,
         "分母用了全部积分，包括还没到期的。只有获得满一年（已到期）的积分命运已定，沉淀率只能从它们估计。"),
        (lambda v: abs(v - (1 - all_redeemed / all_earned)) < 1e-9,
         "用“1 − 已兑换 ÷ 全部发行”会把还在有效期内、尚未兑换的积分当成沉淀。"),
        (lambda v: abs(v - (1 - got["breakage"])) < 1e-9, "这是兑换率。沉淀率 = 1 − 兑换率。"),
    ])


@total
def task_cace(answer, experiment: pd.DataFrame, task_id: str) -> bool:
    """Task 4: Wald / CACE estimate of a task's effect on completers."""
    eff = gamification.task_effects(experiment).loc[task_id]
    return expect_number("任务 4 任务对完成者的效应（CACE）", answer, eff["cace"], rtol=1e-6, hints=[
        (lambda v: abs(v - eff["naive"]) < 1e-9, "这是朴素差值（完成者 − 未完成者），含选择偏差。要用随机分组：ITT ÷ 完成率差。"),
        (lambda v: abs(v - eff["itt"]) < 1e-9, "这是 ITT（看到 − 没看到）。对完成者的效应还要除以两组完成率之差。"),
        (lambda v: abs(v - eff["itt"] / eff["shown_rate"]) < 1e-9, "分母应是完成率之差，不是看到任务的比例。"),
    ])


def summary() -> bool:
    from opskit.course.exercises.tour import summary as _summary

    return _summary()
