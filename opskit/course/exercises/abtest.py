"""Checks for the chapter-01 exercise: sample size, SRM, reading an experiment, CUPED,
sequential substitution (连环替代法) and multiple testing.

Each check recomputes the expected answer from the learner's own tables and names the usual mistake.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from opskit import abtest
from opskit.course.exercises import (
    expect_number,
    summary,  # noqa: F401 - notebooks call check.summary()
    total,
)
from opskit.decomposition import lmdi, sequential


def _close(a: float, b: float, rtol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=rtol)


@total
def sample_size(answer, p1: float, p2: float, alpha: float = 0.05, power: float = 0.8) -> bool:
    expected = abtest.sample_size_proportions(p1, p2, alpha, power)
    rel = abtest.sample_size_proportions(p1, p1 * (1 + (p2 - p1)), alpha, power) if p2 - p1 < 1 else -1
    one_sided = abtest.sample_size_proportions(p1, p2, 2 * alpha, power)
    return expect_number("任务 1 每组样本量", answer, expected, rtol=0, hints=[
        (lambda v: v == 2 * expected, "这是两组合计。样本量公式给出的是**每组**的人数。"),
        (lambda v: v == expected - 1 or (v < expected and v > expected - 1.5), "样本量要向上取整（np.ceil），向下取整会让功效不足。"),
        (lambda v: v == one_sided, "你用了单侧的 z_{1−α}。双侧检验要用 z_{1−α/2}。"),
        (lambda v: v == rel, "你把提升当成了相对提升。题目中的提升是绝对的百分点。"),
    ])


@total
def srm_pvalue(answer, assignments: pd.DataFrame, experiment_id: str, treatment_share: float = 0.5) -> bool:
    g = assignments[assignments["experiment_id"] == experiment_id]
    counts = g["variant"].value_counts().reindex(["control", "treatment"], fill_value=0)
    expected = abtest.srm_test(counts, [1 - treatment_share, treatment_share]).pvalue
    conv = g.groupby("variant")["converted"].sum().reindex(["control", "treatment"], fill_value=0)
    conv_p = abtest.srm_test(conv, [1 - treatment_share, treatment_share]).pvalue
    return expect_number("任务 2 SRM 检验 p 值", answer, expected, rtol=1e-4, hints=[
        (lambda v: _close(v, conv_p, 1e-4), "你检验的是转化人数。SRM 检查的是两组的**分组人数**，与结果指标无关。"),
        (lambda v: _close(v, expected / 2, 1e-4), "卡方拟合优度检验本身就是双侧的，不要再除以 2。"),
    ])


@total
def conversion_lift(answer, assignments: pd.DataFrame, experiment_id: str) -> bool:
    g = assignments[assignments["experiment_id"] == experiment_id]
    rate = g.groupby("variant")["converted"].mean()
    expected = rate["treatment"] - rate["control"]
    return expect_number("任务 3 转化率的绝对提升", answer, expected, rtol=1e-6, hints=[
        (lambda v: _close(v, -expected), "符号反了：提升 = 实验组 − 对照组。"),
        (lambda v: _close(v, rate["treatment"] / rate["control"] - 1), "这是相对提升。题目要的是绝对提升（两个转化率之差）。"),
        (lambda v: _close(v, 100 * expected), "请用小数表示（0.05 而不是 5）。"),
    ])


@total
def cuped_theta(answer, assignments: pd.DataFrame, experiment_id: str) -> bool:
    g = assignments[assignments["experiment_id"] == experiment_id]
    expected = abtest.Cuped().fit(g["pre_revenue"], g["revenue"]).theta_
    per_arm = [abtest.Cuped().fit(a["pre_revenue"], a["revenue"]).theta_ for _, a in g.groupby("variant")]
    inverse = np.cov(g["revenue"], g["pre_revenue"])[0, 1] / g["revenue"].var()
    rho = g["revenue"].corr(g["pre_revenue"])
    return expect_number("任务 4 CUPED 的 θ", answer, expected, rtol=1e-4, hints=[
        (lambda v: any(_close(v, t, 1e-4) for t in per_arm), "你只用了一个组的数据。θ 要在两组合并的数据上估计，两组共用同一个 θ。"),
        (lambda v: _close(v, inverse, 1e-4), "分母用错了：θ = Cov(Y, X) / Var(X)，X 是实验前消费 pre_revenue。"),
        (lambda v: _close(v, rho, 1e-4), "这是相关系数 ρ。θ 是回归斜率 Cov(Y, X) / Var(X)。"),
    ])


@total
def sequential_contribution(answer, before: dict, after: dict, order: list[str], factor: str) -> bool:
    expected = sequential(before, after, order)[factor]
    last = sequential(before, after, [f for f in order if f != factor] + [factor])[factor]
    first = sequential(before, after, [factor] + [f for f in order if f != factor])[factor]
    return expect_number(f"任务 5 连环替代法：{factor} 的贡献", answer, expected, rtol=1e-6, hints=[
        (lambda v: _close(v, lmdi(before, after)[factor], 1e-6), "这是 LMDI 的结果。题目要求用连环替代法（按给定顺序逐个替换）。"),
        (lambda v: _close(v, first), "你把这个因素放在了第一个替换：要按题目给的顺序，先替换它前面的因素。"),
        (lambda v: _close(v, last), "你把其他因素都先换成了本期值：只有排在它前面的因素换成本期值，后面的仍用上期值。"),
    ])


@total
def bh_rejections(answer, pvalues, alpha: float = 0.05) -> bool:
    p = np.asarray(pvalues, dtype=float)
    expected = int((abtest.adjust_pvalues(p, "bh") <= alpha).sum())
    holm = int((abtest.adjust_pvalues(p, "holm") <= alpha).sum())
    bonf = int((abtest.adjust_pvalues(p, "bonferroni") <= alpha).sum())
    raw = int((p <= alpha).sum())
    hints = [(lambda v: v == raw and raw != expected, "这是未校正的个数。请用 Benjamini–Hochberg 校正后再数。")]
    if bonf != expected:
        hints.append((lambda v: v == bonf, "这是 Bonferroni 的结果。BH 的门槛是 k·q/m（第 k 小的 p 值），比 α/m 宽松。"))
    if holm != expected:
        hints.append((lambda v: v == holm, "这是 Holm 的结果。BH 是逐步向上：找最大的 k 使 p_(k) ≤ k·q/m，前 k 个全部拒绝。"))
    return expect_number("任务 6 BH 校正后显著的个数", answer, expected, rtol=0, hints=hints)
