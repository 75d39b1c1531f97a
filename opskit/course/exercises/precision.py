"""Checks for the precision-operations exercise (chapter 14): content lift, BH adjustment,
hit-rate@k and NDCG@k, old-customer penetration.

Each check recomputes the expected answer with the opskit method (or statsmodels) and names the
usual mistake when the answer is wrong. Checks never raise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from opskit import penetration, recommend
from opskit.course.exercises import _say, expect_number, expect_series, total, unanswered


@total
def content_lift(answer, cell: pd.DataFrame, segment: str, content_id: str) -> bool:
    """Task 1: click rate of (segment, content) ÷ click rate of the segment's other contents."""
    mine = cell[(cell["segment"] == segment)]
    inside = mine[mine["content_id"] == content_id]
    outside = mine[mine["content_id"] != content_id]
    rate_in = inside["clicked"].sum() / inside["sends"].sum()
    rate_out = outside["clicked"].sum() / outside["sends"].sum()
    overall = mine["clicked"].sum() / mine["sends"].sum()
    expected = rate_in / rate_out
    return expect_number("任务 1 人群 × 内容的点击率提升", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - rate_in) < 1e-9, "这是这个格子的点击率。提升 = 它 ÷ 同一人群收到其他内容时的点击率。"),
        (lambda v: abs(v - rate_in / overall) < 1e-9,
         "你除的是这个人群的整体点击率（含这篇内容本身）。要和本群“其他内容”比，分母不含这篇内容。"),
        (lambda v: abs(v - rate_out / rate_in) < 1e-9, "分子分母颠倒了：提升 = 这篇内容的点击率 ÷ 其他内容的点击率。"),
    ])


@total
def bh_adjusted(answer, p_values) -> bool:
    """Task 2: Benjamini–Hochberg adjusted p-values (statsmodels multipletests, method fdr_bh)."""
    p = np.asarray(p_values, dtype=float)
    expected = pd.Series(multipletests(p, method="fdr_bh")[1])
    bonferroni = np.minimum(p * len(p), 1)
    if unanswered(answer):
        return _say("任务 2 Benjamini–Hochberg 校正", False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    try:
        values = pd.Series(np.asarray(answer, dtype=float))
    except (TypeError, ValueError):
        return _say("任务 2 Benjamini–Hochberg 校正", False, "答案应是一串数字（与 p 值一一对应）。")
    if len(values) == len(p) and np.allclose(values, bonferroni):
        return _say("任务 2 Benjamini–Hochberg 校正", False,
                    "这是 Bonferroni 校正（p × 检验数），更保守。BH 用 multipletests(p, method='fdr_bh')。")
    if len(values) == len(p) and np.allclose(values, p):
        return _say("任务 2 Benjamini–Hochberg 校正", False, "你返回的是未校正的 p 值。")
    return expect_series("任务 2 Benjamini–Hochberg 校正", values, expected, rtol=1e-9)


@total
def hit_rate(answer, recommendations: pd.DataFrame, relevant: pd.DataFrame, k: int = 10) -> bool:
    """Task 3: hit-rate@k."""
    expected = recommend.hit_rate_at_k(recommendations, relevant, k)
    users_with_recs = recommendations["user_id"].nunique()
    hits = recommendations[recommendations["rank"] <= k].merge(relevant, on=["user_id", "item_id"])
    return expect_number(f"任务 3 hit-rate@{k}", answer, expected, rtol=1e-9, hints=[
        (lambda v: abs(v - len(hits) / (k * relevant["user_id"].nunique())) < 1e-9,
         "这是 precision@k（命中的商品数 ÷ 推荐的商品数）。hit-rate 数的是“至少命中 1 个”的用户占比。"),
        (lambda v: abs(v - hits["user_id"].nunique() / users_with_recs) < 1e-9 and users_with_recs != relevant["user_id"].nunique(),
         "分母应是测试期真的买了东西的用户数（relevant 中的用户），不是拿到推荐的用户数。"),
        (lambda v: v > 1, "hit-rate 是比例，应在 0 到 1 之间。"),
    ])


@total
def ndcg(answer, ranks_of_hits, n_relevant: int, k: int = 10) -> bool:
    """Task 4: NDCG@k of one list with binary relevance."""
    ranks = np.asarray(ranks_of_hits, dtype=float)
    ranks = ranks[ranks <= k]
    dcg = float((1 / np.log2(ranks + 1)).sum())
    ideal = float((1 / np.log2(np.arange(1, min(n_relevant, k) + 1) + 1)).sum())
    expected = dcg / ideal if ideal > 0 else 0.0
    return expect_number(f"任务 4 NDCG@{k}", answer, expected, rtol=1e-9, hints=[
        (lambda v: abs(v - dcg) < 1e-9, "这是 DCG，还要除以理想排序的 IDCG（把全部相关商品排在最前面时的 DCG）。"),
        (lambda v: abs(v - float((1 / np.log2(ranks)).sum()) / ideal) < 1e-9 if (ranks > 1).all() else False,
         "折扣用 log2(rank + 1)：第 1 名的折扣是 log2(2) = 1，不是 log2(1) = 0。"),
        (lambda v: abs(v - dcg / float((1 / np.log2(np.arange(1, k + 1) + 1)).sum())) < 1e-9 and n_relevant < k,
         f"IDCG 只放 min(相关商品数, {k}) 个相关商品，不是 {k} 个。"),
    ])


@total
def penetration_rate(answer, orders: pd.DataFrame, period_start) -> bool:
    """Task 5: existing-customer penetration in the quarter starting at ``period_start``."""
    mix = penetration.customer_mix(orders, "quarter").set_index("period")
    row = mix.loc[pd.Timestamp(period_start)]
    expected = row["penetration"]
    return expect_number("任务 5 老客渗透率", answer, expected, rtol=1e-9, hints=[
        (lambda v: abs(v - row["old_share"]) < 1e-9,
         "这是老客销售占比（结构），不是渗透率。渗透率 = 本季有购买的老客 ÷ 老客总数。"),
        (lambda v: abs(v - row["old_buyers"] / (row["old_buyers"] + (orders.loc[
            orders["order_time"].dt.to_period("Q").dt.start_time == pd.Timestamp(period_start), "user_id"].nunique()
            - row["old_buyers"]))) < 1e-9,
         "分母用了本季的全部下单用户。渗透率的分母是“老客总数”：本季之前买过的全部顾客，包括本季没来的。"),
    ])


def summary() -> bool:
    from opskit.course.exercises.tour import summary as _summary

    return _summary()
