"""Checks for the insight-system exercise: recency, R score, RFM segments, tag coverage, KANO.

Each check recomputes the expected answer from the learner's own tables with :mod:`opskit.segments`,
:mod:`opskit.tags` and :mod:`opskit.survey`, and names the usual mistake when the answer is wrong.
"""

from __future__ import annotations

import pandas as pd

from opskit import segments, survey
from opskit.course.exercises import (
    expect_number,
    expect_series,
    summary,  # noqa: F401 - notebooks call check.summary()
    total,
    unanswered,
)


@total
def recency(answer, orders: pd.DataFrame, as_of) -> bool:
    as_of = pd.Timestamp(as_of)
    expected = segments.rfm_table(orders, as_of=as_of)["recency_days"]
    past = orders.loc[orders["order_time"] < as_of]
    first = (as_of - past.groupby("user_id")["order_time"].min()).dt.days
    return expect_series("任务 1 最近一次购买距今天数（R）", answer, expected.astype(float), hints=[
        (lambda s: len(s) == len(expected) and (s.reindex(expected.index) < 0).any(),
         "出现了负数：R = 分析日 − 最后一次购买时间，不是反过来；也别忘了只用分析日之前的订单。"),
        (lambda s: len(s) == len(expected) and s.reindex(expected.index).astype(float).equals(first.astype(float)),
         "你用的是第一次购买（min）。R 看的是最近一次购买：用 max。"),
        (lambda s: len(s) > len(expected), "用户数多了：只统计分析日之前下过单的顾客。"),
    ])


@total
def r_score(answer, rfm: pd.DataFrame, bins: int = 5) -> bool:
    expected = segments.quantile_score(-rfm["recency_days"], bins)
    first = segments.quantile_score(-rfm["recency_days"], bins, method="first")
    return expect_series("任务 2 R 分", answer, expected.astype(float), hints=[
        (lambda s: len(s) == len(expected) and (s.reindex(expected.index) == bins + 1 - expected).all(),
         f"R 分方向反了：最近购买的顾客（recency_days 最小）应得 {bins} 分。"),
        (lambda s: len(s) == len(expected) and (s.reindex(expected.index) == first).all(),
         "你按 rank(method='first') 切成了等人数的档：R 相同的顾客得到了不同的分。用平均排名，让并列的人同分。"),
        (lambda s: len(s) == len(expected) and (s.reindex(expected.index) == bins + 1 - first).all(),
         f"方向反了（最近购买应得 {bins} 分），而且并列的人得到了不同的分。"),
    ])


@total
def important_value(answer, rfm: pd.DataFrame) -> bool:
    seg = segments.rfm_segments(rfm)
    expected = int((seg == "重要价值客户").sum())
    r, f, m = rfm["recency_days"], rfm["frequency"], rfm["monetary"]
    reversed_r = int(((r > r.mean()) & (f > f.mean()) & (m > m.mean())).sum())
    median = int((segments.rfm_segments(rfm, threshold="median") == "重要价值客户").sum())
    return expect_number("任务 3 重要价值客户人数", answer, expected, hints=[
        (lambda v: v == reversed_r, "R 的方向反了：R 是距今天数，越小越好，\"R 高\"的意思是 recency_days 低于均值。"),
        (lambda v: v == median, "你用的是中位数。本题按均值划分高低。"),
        (lambda v: 0 < v < 1, "本题要人数，不是占比。"),
    ])


@total
def tag_coverage(answer, rfm: pd.DataFrame) -> bool:
    tagged = (rfm["frequency"] >= 10) & (rfm["recency_days"] < 30)
    expected = float(tagged.mean())
    return expect_number("任务 4 标签覆盖率", answer, expected, rtol=1e-6, hints=[
        (lambda v: v == int(tagged.sum()), "这是人数。覆盖率 = 带标签的人数 ÷ 全部顾客数。"),
        (lambda v: abs(v - float(((rfm["frequency"] >= 10) | (rfm["recency_days"] < 30)).mean())) < 1e-12,
         "规则是两个条件同时满足（and），你用了或（or）。"),
        (lambda v: abs(v - float(((rfm["frequency"] > 10) & (rfm["recency_days"] < 30)).mean())) < 1e-12,
         "「至少 10 次」包含 10 次：用 >= 10。"),
    ])


@total
def kano_better(answer, kano_survey: pd.DataFrame, feature: str) -> bool:
    counts = survey.category_counts(kano_survey).loc[feature]
    a, o, m, i = (counts[c] for c in "AOMI")
    expected = (a + o) / (a + o + m + i)
    if unanswered(answer):
        return expect_number(f"任务 5 {feature} 的 Better 系数", answer, expected)
    return expect_number(f"任务 5 {feature} 的 Better 系数", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - (a + o) / counts.sum()) < 1e-9, "分母不应包含 R（反向）和 Q（可疑）：分母是 A+O+M+I。"),
        (lambda v: abs(v + (o + m) / (a + o + m + i)) < 1e-9 or abs(v - (o + m) / (a + o + m + i)) < 1e-9,
         "这是 Worse 系数（O+M）。Better 的分子是 A+O。"),
        (lambda v: v < 0 or v > 1, "Better 应在 0 到 1 之间。"),
    ])
