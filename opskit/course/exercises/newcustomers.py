"""Checks for the new-customer exercise: coupon uplift, aha rule lift, K-factor, viral growth.

Each check recomputes the expected answer from the learner's own tables with the opskit method,
and names the usual mistake when the answer is wrong.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit import activation, viral
from opskit.course.exercises import (
    expect_number,
    summary,  # noqa: F401 - notebooks call check.summary()
    total,
)


@total
def coupon_uplift(answer, experiment: pd.DataFrame) -> bool:
    rates = experiment.groupby("treated")["converted"].mean()
    expected = rates.loc[1] - rates.loc[0]
    counts = experiment.groupby("treated")["converted"].sum()
    return expect_number("任务 1 新客券的平均增益", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v + expected) < 1e-9, "符号反了：增益 = 发券组转化率 − 对照组转化率。"),
        (lambda v: abs(v - rates.loc[1]) < 1e-9, "这是发券组的转化率。增益要减去对照组的转化率，才是券带来的增量。"),
        (lambda v: abs(v - (counts.loc[1] - counts.loc[0])) < 1e-9,
         "你减的是转化人数。两组人数不同，要比较转化率（转化人数 ÷ 组内人数）。"),
    ])


@total
def aha_lift(answer, counts: pd.Series, outcome: pd.Series, threshold: int = 3) -> bool:
    users = counts.index.intersection(outcome.index)
    table = activation.threshold_table(counts.loc[users].to_numpy(), outcome.loc[users].to_numpy(),
                                       max_k=threshold + 1)
    expected = table.loc[threshold, "lift"]
    reached = table.loc[threshold, "precision"]
    return expect_number("任务 2 顿悟时刻的留存提升倍数", answer, expected, rtol=1e-4, hints=[
        (lambda v: abs(v - reached) < 1e-9, "这是达到阈值用户的留存率。提升倍数还要除以未达到阈值用户的留存率。"),
        (lambda v: abs(v - reached / outcome.loc[users].mean()) < 1e-9,
         "你除的是全体用户的留存率。这里比较的是「达到阈值」与「未达到阈值」两组。"),
        (lambda v: abs(v - table.loc[threshold + 1, "lift"]) < 1e-9,
         f"阈值用成了「多于 {threshold} 次」。顿悟规则是「至少 {threshold} 次」：用 >=。"),
    ])


@total
def k_factor(answer, referrals: pd.DataFrame, users: pd.DataFrame) -> bool:
    got = viral.k_factor(referrals, users)
    inviters = referrals["inviter_id"].nunique()
    return expect_number("任务 3 K 系数", answer, got["k"], rtol=1e-6, hints=[
        (lambda v: abs(v - got["invites"] / len(users)) < 1e-9,
         "这是人均邀请数 i。K = i × c，还要乘以邀请的转化率 c（被接受的邀请 ÷ 发出的邀请）。"),
        (lambda v: abs(v - got["accepted"] / inviters) < 1e-9,
         "分母用了「发过邀请的人」。K 的分母是全部用户：不邀请的人也在拉低病毒系数。"),
        (lambda v: abs(v - got["c"]) < 1e-9, "这是邀请转化率 c，还要乘以人均邀请数 i。"),
    ])


@total
def viral_total(answer, u0: float, k: float, cycles: int) -> bool:
    expected = viral.viral_users(u0, k, cycles)
    return expect_number("任务 4 病毒传播后的累计用户", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - viral.viral_users(u0, k, cycles - 1)) < 1e-6 * expected,
         "少算了一个周期：第 0 个周期是种子用户本身，n 个周期后共有 n + 1 批用户，指数是 n + 1。"),
        (lambda v: abs(v - u0 * k ** cycles) < 1e-6 * max(expected, 1),
         "这是最后一个周期的新增用户，题目问的是累计用户（各周期新增之和）。"),
        (lambda v: not np.isfinite(v), "K = 1 时公式分母为 0：要单独处理，累计用户 = U₀ ×（n + 1）。"),
    ])
