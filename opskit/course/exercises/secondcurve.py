"""Checks for the second-curve exercise (chapter 13): Bass peak time, the discrete-OLS trap, the
BCG relative share and quadrants, the membership revenue line and the rollout guardrail.

Each check recomputes the expected answer with the opskit method from the learner's own inputs,
never raises, and names the usual mistake when the answer is wrong.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit import growth
from opskit.course.exercises import SCOREBOARD, _say, expect_number, total, unanswered


@total
def peak_time(answer, p: float, q: float) -> bool:
    expected = growth.bass_peak_time(p, q)
    return expect_number("任务 1 Bass 模型的峰值时间 t*", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v + expected) < 1e-9, "符号反了：p 和 q 的位置颠倒。t* = ln(q/p)/(p + q)，q 在分子上。"),
        (lambda v: abs(v - np.log(q / p) / (q - p)) < 1e-9, "分母应是 p + q，不是 q − p。"),
        (lambda v: abs(v - np.log(q / p)) < 1e-9, "还要除以 p + q。"),
        (lambda v: abs(v - np.log10(q / p) / (p + q)) < 1e-9, "要用自然对数 ln（np.log），不是以 10 为底的 log10。"),
    ])


@total
def ols_p(answer, adoptions) -> bool:
    n = np.asarray(adoptions, dtype=float)
    expected = float(growth.bass_ols(n)["p"])
    current = np.cumsum(n)
    design = np.column_stack([np.ones_like(current), current, current ** 2])
    (a, b, c), *_ = np.linalg.lstsq(design, n, rcond=None)
    roots = np.roots([c, b, a]) if c != 0 else np.array([])
    with_current = [a / r for r in roots if np.isreal(r) and r.real > 0]
    return expect_number("任务 2 离散 OLS 估出的 p", answer, expected, rtol=1e-4, hints=[
        (lambda v: any(abs(v - w.real) < 1e-6 for w in with_current),
         "回归的自变量应是上一期末的累计采用者 N(t−1)（第 1 期为 0），你用了当期的累计 N(t)。"),
        (lambda v: abs(v - a) < 1e-6 * max(abs(a), 1), "这是截距 a = p·m。还要除以 m：p = a / m。"),
        (lambda v: 0 < v < expected / 2, "这个 p 太小了，像是 NLS 的结果。本题要的是离散 OLS 的估计（它会偏高）。"),
    ])


@total
def relative_share(answer, summary: pd.DataFrame, line_id: str) -> bool:
    row = summary.loc[line_id]
    expected = row["own_share"] / row["largest_rival_share"]
    return expect_number(f"任务 3 {row.get('line_name', line_id)}的相对市场份额", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - row["own_share"]) < 1e-9, "这是绝对份额。相对市场份额 = 自身份额 ÷ 最大竞争对手的份额。"),
        (lambda v: abs(v - row["largest_rival_share"] / row["own_share"]) < 1e-9, "除反了：自身份额在分子上。"),
    ])


@total
def quadrants(answer, summary: pd.DataFrame) -> bool:
    task = "任务 4 各业务线的 BCG 象限"
    expected = pd.Series(growth.bcg_matrix(summary)["quadrant"])
    if unanswered(answer):
        return _say(task, False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    if not isinstance(answer, (pd.Series, dict)):
        return _say(task, False, f"答案应是以业务线ID为索引的 Series 或 dict，现在是 {type(answer).__name__}。")
    got = pd.Series(answer, dtype=object).reindex(expected.index)
    if got.isna().any():
        missing = list(expected.index[got.isna()])
        return _say(task, False, f"缺少业务线 {missing} 的象限：索引应是业务线ID（line_id）。")
    wrong = expected.index[got.astype(str) != expected]
    if len(wrong) == 0:
        return _say(task, True, "正确。" + "、".join(f"{i} {q}" for i, q in expected.items()) + "。")
    first = wrong[0]
    row = summary.loc[first]
    rms = row["own_share"] / row["largest_rival_share"]
    if got[first] in {"明星", "现金牛", "问题", "瘦狗"}:
        flipped = {"明星": "问题", "问题": "明星", "现金牛": "瘦狗", "瘦狗": "现金牛"}
        if flipped[got[first]] == expected[first]:
            return _say(task, False, f"{first} 的相对份额是 {rms:.2f}：按相对份额（以 1 为界）判断领先还是落后，"
                                     "不要用绝对份额。")
        return _say(task, False, f"{first} 的市场增长率是 {row['market_growth']:.1%}：高增长的分界是 10%。")
    return _say(task, False, f"{first} 的象限应写成 明星 / 现金牛 / 问题 / 瘦狗 之一，现在是 {got[first]!r}。")


@total
def membership_fee_line(answer, paid_memberships: pd.DataFrame, fee: float) -> bool:
    active = int((paid_memberships["churned"] == 0).sum())
    expected = round(active * fee, 2)
    return expect_number("任务 5 会员付费收入线", answer, expected, rtol=1e-9, hints=[
        (lambda v: abs(v - len(paid_memberships) * fee) < 0.01,
         "你把已流失的会员也算进来了。会员费只来自仍在付费的会员（churned == 0）。"),
        (lambda v: abs(v - active) < 1e-9, "这是会员人数，还要乘以会员费。"),
        (lambda v: abs(v - paid_memberships["periods_paid"].sum() * fee) < 0.01,
         "这是历史上累计收到的会员费。收入线测算的是当前在付费的会员每期带来的收入。"),
    ])


@total
def guardrail_change(answer, rollout: pd.DataFrame, stage: str) -> bool:
    rows = rollout[rollout["stage"] == stage]
    means = rows.groupby("variant")["main_revenue"].mean()
    expected = means["treatment"] / means["control"] - 1
    total = rows.groupby("variant")["revenue"].mean()
    pooled = rollout.groupby("variant")["main_revenue"].mean()
    return expect_number(f"任务 6 {stage}的主业消费变化", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - (means["control"] / means["treatment"] - 1)) < 1e-9,
         "方向反了：变化 = 实验组 ÷ 对照组 − 1。"),
        (lambda v: abs(v - (total["treatment"] / total["control"] - 1)) < 1e-9,
         "你用的是总消费 revenue。护栏指标是主业消费 main_revenue。"),
        (lambda v: abs(v - (pooled["treatment"] / pooled["control"] - 1)) < 1e-9,
         "你把所有阶段合在一起算了。各阶段的实验组比例不同，要只看这一个阶段。"),
        (lambda v: abs(v - (means["treatment"] - means["control"])) < 1e-9,
         "这是差额（元）。题目要相对变化：再除以对照组的均值。"),
    ])


def summary() -> bool:
    done = bool(SCOREBOARD.results) and all(SCOREBOARD.results.values())
    print(SCOREBOARD.summary())
    return _say("全部任务", done, "全部完成，做得好！" if done else "还有任务没通过，按提示修改后重新运行。")
