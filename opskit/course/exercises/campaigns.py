"""Checks for the campaigns exercise: 2×2 DiD, the pilot's DiD, holdout increments, synthetic
control and the pull-forward of a big promotion.

Each check recomputes the expected answer from the learner's own tables with the opskit method,
names the usual mistake when the answer is wrong, and never raises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit import campaigns as cp
from opskit.course.exercises import _say, expect_number, total, unanswered


@total
def bank_did(answer, banks: pd.DataFrame) -> bool:
    cells = banks.set_index(["district", "year"])["banks"]
    t0, t1 = cells.loc[("6", 1930)], cells.loc[("6", 1931)]
    c0, c1 = cells.loc[("8", 1930)], cells.loc[("8", 1931)]
    expected = (t1 - t0) - (c1 - c0)
    return expect_number("任务 1 银行倒闭的双重差分", answer, expected, hints=[
        (lambda v: abs(v + expected) < 1e-9, "符号反了：双重差分 =（处理组的变化）−（对照组的变化），第 6 区是处理组。"),
        (lambda v: abs(v - (t1 - t0)) < 1e-9, "这只是第 6 区自己的前后变化。还要减去第 8 区同期的变化，才能扣掉大萧条本身的影响。"),
        (lambda v: abs(v - (t1 - c1)) < 1e-9, "这是 1931 年两区的差。两区原本就不一样大，要比较的是“变化”的差。"),
    ])


@total
def pilot_did(answer, panel: pd.DataFrame) -> bool:
    try:
        expected = cp.did(panel, outcome="log_gmv", unit="city_id", time="date", treated="treated").effect
        means = panel.groupby(["in_campaign", "during"])["log_gmv"].mean()
        level = panel.groupby(["in_campaign", "during"])["gmv"].mean()
    except Exception as error:  # a broken panel must not stop the learner's notebook
        return _say("任务 2 试点活动的双重差分", False, f"无法从 panel 重新计算答案：{error}")
    return expect_number("任务 2 试点活动的双重差分", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v + expected) < 1e-9, "符号反了：试点城市的变化减去对照城市的变化。"),
        (lambda v: abs(v - (means.loc[(1, 1)] - means.loc[(1, 0)])) < 1e-9,
         "这是试点城市自己的前后对比，里面有春节后的季节恢复。要再减去对照城市同期的变化。"),
        (lambda v: abs(v - ((level.loc[(1, 1)] - level.loc[(1, 0)]) - (level.loc[(0, 1)] - level.loc[(0, 0)]))) < 1e-6,
         "你用的是成交额本身（元）。城市大小差很多，季节是按比例影响的，要用对数成交额 log_gmv。"),
    ])


@total
def holdout_increment(answer, audience: pd.DataFrame, segment: str) -> bool:
    own = audience[audience["segment"] == segment]
    reached = own["holdout"] == 0
    expected = own.loc[reached, "campaign_spend"].mean() - own.loc[~reached, "campaign_spend"].mean()
    spent = own.loc[reached & (own["campaign_spend"] > 0), "campaign_spend"].mean()
    silent = own.loc[reached & (own["campaign_spend"] == 0), "campaign_spend"].mean()
    change = (own["campaign_spend"] - own["pre_spend"]) if "pre_spend" in own else None
    return expect_number(f"任务 3 「{segment}」的人均增量", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v + expected) < 1e-9, "符号反了：触达组（holdout = 0）减去留出组（holdout = 1）。"),
        (lambda v: abs(v - (spent - silent)) < 1e-6,
         "这是“参与者 vs 未参与者”：有消费的人本来就更活跃。增量要用随机留出组比较。"),
        (lambda v: change is not None and abs(v - change[reached].mean()) < 1e-6,
         "这是触达组自己的前后变化，里面有季节和大促的自然流量。要和留出组比。"),
    ])


@total
def synthetic_att(answer, sc: cp.SyntheticControl | None) -> bool:
    if unanswered(answer):
        return expect_number("任务 4 合成控制的活动期平均差距", answer, 0.0)
    if sc is None or not hasattr(sc, "att_"):
        return _say("任务 4 合成控制的活动期平均差距", False, "先运行上面拟合合成控制的单元（sc = ...fit(...)）。")
    pre_gap = float(sc.gap_[sc.gap_.index < sc.treatment_start_].mean())
    weights_ok = bool((sc.weights_ >= -1e-9).all() and abs(sc.weights_.sum() - 1) < 1e-6)
    if not weights_ok:
        return _say("任务 4 合成控制的活动期平均差距", False, "权重应非负且加起来等于 1。")
    return expect_number("任务 4 合成控制的活动期平均差距", answer, sc.att_, rtol=1e-6, hints=[
        (lambda v: abs(v - pre_gap) < 1e-9, "这是活动前的平均差距（应接近 0）。要算活动开始之后的平均差距。"),
        (lambda v: abs(v + sc.att_) < 1e-9, "符号反了：差距 = 实际 − 合成。"),
        (lambda v: abs(v - float(sc.gap_.mean())) < 1e-9, "你把活动前后所有天一起平均了。只取活动开始之后的天。"),
    ])


@total
def pull_forward_share(answer, result: cp.ItsResult | None, phases: pd.DataFrame, post_days: int) -> bool:
    task = "任务 5 透支和回落抵消了多少毛增量"
    if unanswered(answer):
        return expect_number(task, answer, 0.0)
    if result is None:
        return _say(task, False, "先运行上面的中断时间序列单元（promo_its = cp.its(...)）。")
    try:
        windows = [(p.start_date, p.end_date) for p in phases.sort_values("start_date").itertuples()]
        end = phases["end_date"].max()
        windows.append((end + pd.Timedelta(days=1), end + pd.Timedelta(days=post_days)))
        effects = np.array([result.window(a, b)["effect"] for a, b in windows])
    except Exception as error:
        return _say(task, False, f"无法重新计算各阶段的效应：{error}")
    gross, lost = effects[effects > 0].sum(), -effects[effects < 0].sum()
    expected = lost / gross
    net = effects.sum()
    return expect_number(task, answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - net / gross) < 1e-9, "这是净增量占毛增量的比例。题目问的是被抵消的部分：负效应之和 ÷ 正效应之和。"),
        (lambda v: abs(v - lost) < 1e-3 * max(lost, 1), "这是少卖的金额（元）。题目要的是比例：再除以毛增量。"),
        (lambda v: v > 1, "比例应在 0 到 1 之间（除非回落大于峰值）。检查分子分母是否写反。"),
    ])


def summary() -> bool:
    from opskit.course.exercises.tour import summary as _summary

    return _summary()
