"""Checks for the existing-customers exercise: repeat frequency x, cohort retention, closed-form
CLV, top-decile lift and the sBG mean churn.

Each check recomputes the expected answer from the learner's own tables (or the stated inputs)
and names the usual mistake when the answer is wrong.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.churn import top_decile_lift as _lift
from opskit.clv import summary_from_orders
from opskit.course.exercises import (
    expect_number,
    expect_series,
    summary,  # noqa: F401 - notebooks call check.summary()
    total,
    unanswered,
)
from opskit.retention import ShiftedBetaGeometric as _SBG


@total
def repeat_frequency(answer, orders: pd.DataFrame) -> bool:
    expected = summary_from_orders(orders).set_index("user_id")["frequency"]
    per_order = orders.groupby("user_id").size() - 1
    return expect_series("任务 1 复购次数 x", answer, expected, hints=[
        (lambda s: len(s) == len(expected) and np.allclose(s.reindex(expected.index), expected + 1),
         "你把首单也算进了复购次数 x。BG/NBD 的 x 只数首单之后的复购：购买天数 − 1。"),
        (lambda s: len(s) == len(expected) and np.allclose(s.reindex(expected.index), per_order.reindex(expected.index)),
         "你按订单数算了。同一天的多笔订单只算一次购买（按天去重），否则同一天下两单会被当成一次复购。"),
    ])


@total
def month1_retention(answer, orders: pd.DataFrame, cohort: str = "2025-01") -> bool:
    month = orders["order_time"].dt.to_period("M")
    first = month.groupby(orders["user_id"]).transform("min")
    members = orders.loc[first == pd.Period(cohort, "M"), "user_id"].unique()
    nxt = pd.Period(cohort, "M") + 1
    active = orders.loc[(month == nxt) & orders["user_id"].isin(members), "user_id"].nunique()
    expected = active / len(members)
    later = orders.loc[(month >= nxt) & orders["user_id"].isin(members), "user_id"].nunique() / len(members)
    all_users = active / orders["user_id"].nunique()
    return expect_number("任务 2 次月留存率", answer, expected, rtol=1e-4, hints=[
        (lambda v: abs(v - later) < 1e-9,
         "这是「次月及以后」（unbounded）留存。本题要的是 N 期口径：恰好在次月有订单。"),
        (lambda v: abs(v - all_users) < 1e-9, "分母应是该同期群的人数，不是全部下单用户。"),
        (lambda v: v > 1, "留存率是比例，应在 0 到 1 之间。"),
    ])


@total
def simple_clv(answer, margin: float = 100.0, retention: float = 0.8, rate: float = 0.10) -> bool:
    expected = margin * retention / (1 + rate - retention)
    return expect_number("任务 3 简单留存模型的 CLV", answer, expected, rtol=1e-4, hints=[
        (lambda v: abs(v - margin * (1 + rate) / (1 + rate - retention)) < 1e-6,
         "你把第 0 期（当期）的毛利也算进去了。题目约定毛利从第 1 期期末开始：m·r/(1+i−r)。"),
        (lambda v: abs(v - margin * retention / (1 - retention)) < 1e-6,
         "你没有折现。未来的毛利要按 (1+i)^t 折现：m·r/(1+i−r)。"),
        (lambda v: abs(v - margin / (1 + rate - retention)) < 1e-6,
         "分子少了留存率 r：第 1 期期末只有比例 r 的顾客还在。"),
    ])


@total
def top_decile(answer, y, score) -> bool:
    expected = _lift(y, score)
    top_rate = expected * float(np.mean(y))
    return expect_number("任务 4 前 10% 提升度", answer, expected, rtol=1e-3, hints=[
        (lambda v: abs(v - top_rate) < 1e-6,
         "这是前 10% 人群的流失率。提升度还要除以整体流失率。"),
        (lambda v: abs(v - _lift(y, -np.asarray(score))) < 1e-6,
         "你取了得分最低的 10%。按流失概率从高到低排序，取最前面的 10%。"),
    ])


@total
def sbg_mean_churn(answer, memberships: pd.DataFrame) -> bool:
    expected = _SBG().fit(memberships).mean_churn()
    naive = float(memberships["churned"].sum() / memberships["periods_paid"].sum())
    if unanswered(answer):
        return expect_number("任务 5 每期平均流失率 E[θ]", answer, expected)
    return expect_number("任务 5 每期平均流失率 E[θ]", answer, expected, rtol=1e-3, hints=[
        (lambda v: abs(v - float(memberships["churned"].mean())) < 1e-9,
         "这是已流失会员的占比：还在续费的会员被删失，这个比例会随观察时间变化。用 sBG 拟合 α、β，E[θ] = α/(α+β)。"),
        (lambda v: abs(v - naive) < 1e-9,
         "这是流失次数 ÷ 付费期数（假设所有人流失率相同）。sBG 允许会员之间不同：E[θ] = α/(α+β)。"),
    ])
