"""Checks for the growth-models exercise (chapter 12): break-even commission, butterfly, unit
replication, staff concentration and the optimal commission rate.

Each check recomputes the expected answer with the opskit method from the learner's own inputs,
never raises, and names the usual mistake when the answer is wrong.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit import acquisition, growth
from opskit.concentration import top_share
from opskit.course.exercises import SCOREBOARD, _say, expect_number, total


@total
def break_even_share(answer, partner_monthly: pd.DataFrame, partner_id: str, gross_margin: float) -> bool:
    rows = partner_monthly[partner_monthly["partner_id"] == partner_id]
    gmv, support, commission = rows["gmv"].sum(), rows["support_cost"].sum(), rows["commission"].sum()
    expected = (gmv * gross_margin - support) / gmv if gmv > 0 else float("nan")
    return expect_number("任务 1 盈亏平衡分润比例", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - gross_margin) < 1e-9,
         "这是毛利率。伙伴还要占用固定的支持费用：盈亏平衡分润比例 = (成交额 × 毛利率 − 支持费用) ÷ 成交额。"),
        (lambda v: abs(v - commission / gmv) < 1e-9, "这是实际的分润比例。题目问的是让净利润恰好为 0 的分润比例。"),
        (lambda v: abs(v - (gmv * gross_margin - support)) < 1e-6 * max(gmv, 1),
         "这是金额（元）。盈亏平衡分润比例是比例：再除以成交额。"),
        (lambda v: abs(v - (gmv * gross_margin - support - commission) / gmv) < 1e-9,
         "你又扣了一次分润。盈亏平衡点是「分润本身」能占成交额的最大比例，不要把已付的分润再减掉。"),
    ])


@total
def butterfly_total(answer, u0: float, k: float, generations: int) -> bool:
    expected = float(growth.butterfly(u0, k, generations)["cumulative_users"].iloc[-1])
    return expect_number("任务 2 用户蝴蝶：累计用户", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - growth.butterfly(u0, k, generations - 1)["cumulative_users"].iloc[-1]) < 1e-6 * expected,
         "少算了一代：第 0 代是公域新客本身，n 代裂变后共有 n + 1 代，公式里是 K 的 n + 1 次方。"),
        (lambda v: abs(v - growth.butterfly_limit(u0, k)) < 1e-6 * expected,
         "这是 K < 1 时的上限 U₀/(1 − K)，相当于无限代。题目只看有限的几代：U₀(1 − Kⁿ⁺¹)/(1 − K)。"),
        (lambda v: abs(v - u0 * k ** generations) < 1e-6 * expected,
         "这是最后一代的新增用户。题目问的是累计用户（各代之和）。"),
        (lambda v: abs(v - (expected - u0)) < 1e-6 * expected,
         "你只算了裂变来的用户。累计用户包括第 0 代的公域新客 U₀。"),
    ])


@total
def network_output(answer, openings, ramp, month: int) -> bool:
    table = growth.unit_replication(openings, ramp)
    expected = float(table["output"].iloc[month - 1])
    no_plateau = float(np.convolve(np.asarray(openings, float), np.asarray(ramp, float))[month - 1])
    return expect_number(f"任务 3 第 {month} 个月的网络产出", answer, expected, rtol=1e-9, hints=[
        (lambda v: abs(v - no_plateau) < 1e-9 and no_plateau != expected,
         "开业时间超过爬坡曲线长度的单元已经成熟：它们按曲线的最后一个值（成熟水平）继续产出，不是 0。"),
        (lambda v: abs(v - table["units_open"].iloc[month - 1] * ramp[-1]) < 1e-9,
         "你把所有已开单元都按成熟水平算了。新开的单元还在爬坡：第 a 个月只有爬坡曲线第 a 个值那么多。"),
        (lambda v: abs(v - float(table["output"].iloc[month - 2])) < 1e-9 if month > 1 else False,
         "差了一个月：开业当月是爬坡曲线的第 1 个值，第 t 个月对应 output 的第 t 行（从 1 数起）。"),
    ])


@total
def top20_share(answer, staff_referrals: pd.DataFrame) -> bool:
    totals = acquisition.staff_results(staff_referrals)["referred_users"]
    expected = top_share(totals, 0.2)
    active = totals[totals > 0]
    return expect_number("任务 4 前 20% 员工的推广新客占比", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - 0.2) < 1e-9, "0.2 是人数占比。要算的是推广最多的 20% 员工带来的新客占全部新客的比例。"),
        (lambda v: abs(v - (1 - top_share(totals, 0.8))) < 1e-9,
         "你取的是推广最少的 20% 员工。先按推广新客从多到少排序，再取前 20%。"),
        (lambda v: len(active) < len(totals) and abs(v - top_share(active, 0.2)) < 1e-9,
         "你只在有推广成果的员工里取前 20%。没有成果的员工也是全员营销的一员，要算在人数里。"),
        (lambda v: abs(v - staff_referrals.nlargest(int(np.ceil(0.2 * len(staff_referrals))), "referred_users")
                       ["referred_users"].sum() / staff_referrals["referred_users"].sum()) < 1e-9,
         "你按「员工 × 月」的行排序了。先把每位员工 12 个月的推广新客加总，再按员工排序。"),
    ])


@total
def optimal_commission(answer, elasticity: float, gross_margin: float) -> bool:
    expected = elasticity * gross_margin / (1 + elasticity)
    return expect_number("任务 5 使毛利最大的佣金比例", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - elasticity * gross_margin) < 1e-9,
         "忘了分母 1 + ε。对 r^ε·(毛利率 − r) 求导并令其为 0：ε(毛利率 − r) = r，所以 r* = ε·毛利率 / (1 + ε)。"),
        (lambda v: abs(v - gross_margin / 2) < 1e-9, "这是 ε = 1 时的答案。用数据估出的弹性 ε 代入。"),
        (lambda v: v > 1, "佣金比例应在 0 到 1 之间：用小数表示（如 0.08），不要用百分数。"),
    ])


def summary() -> bool:
    done = bool(SCOREBOARD.results) and all(SCOREBOARD.results.values())
    print(SCOREBOARD.summary())
    return _say("全部任务", done, "全部完成，做得好！" if done else "还有任务没通过，按提示修改后重新运行。")
