"""Checks for the tokenization exercise: bonding curve, constant-product swap, creator earnings,
points velocity and the fee decision.

Each check recomputes the expected answer with the opskit method (from the learner's own tables
where there are tables) and names the usual mistake when the answer is wrong. Checks never raise.
"""

from __future__ import annotations

import pandas as pd

from opskit import tokens
from opskit.course.exercises import _say, expect_number, total, unanswered


@total
def minted(answer, m: float, n: float, supply: float, deposit: float) -> bool:
    curve = tokens.BondingCurve(m=m, n=n)
    expected = curve.mint(supply, deposit)
    reserve = float(curve.reserve(supply))
    wrong_reserve = float(curve.price(supply)) * supply
    return expect_number("任务 1 联合曲线铸造的数量", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - deposit / float(curve.price(supply))) < 1e-9,
         "你按当前价格直接相除（存入 ÷ 价格），忽略了价格会随供应量上升：用 Bancor 公式 s·((1 + ΔR/R)^CW − 1)。"),
        (lambda v: abs(v - supply * ((1 + deposit / wrong_reserve) ** curve.connector_weight - 1)) < 1e-9,
         f"储备算成了价格 × 数量（{wrong_reserve:,.0f}）。储备是价格曲线下的面积 m·s^(n+1)/(n+1) = {reserve:,.2f}。"),
        (lambda v: abs(v - supply * ((1 + deposit / reserve) - 1)) < 1e-9,
         f"少了连接器权重的指数：CW = 1/(n+1) = {curve.connector_weight:.4f}。"),
    ])


@total
def swap(answer, x: float, y: float, dx: float, fee: float) -> bool:
    expected = tokens.swap_output(x, y, dx, fee)
    return expect_number("任务 2 恒定乘积池换到的数量", answer, expected, rtol=1e-7, hints=[
        (lambda v: abs(v - tokens.swap_output(x, y, dx, 0.0)) < 1e-9, "没有扣手续费：手续费从投入里扣，(1 − φ)·Δx。"),
        (lambda v: abs(v - tokens.swap_output(x, y, dx, 0.0) * (1 - fee)) < 1e-9,
         "手续费从产出里扣了。规则是从投入里扣：Δy = y·(1−φ)Δx / (x + (1−φ)Δx)。两者差得不多，但对不上不变量。"),
        (lambda v: abs(v - dx * y / x * (1 - fee)) < 1e-9 or abs(v - dx * y / x) < 1e-9,
         "你按边际价格 y/x 线性换算，忽略了价格冲击：成交后 x 变多、y 变少，价格会变。"),
    ])


@total
def top_creator_share(answer, trades: pd.DataFrame, as_of) -> bool:
    earnings = tokens.creator_earnings(trades, as_of=as_of)
    expected = float(earnings["total"].max() / earnings["total"].sum())
    royalty_only = float(earnings["royalties"].max() / earnings["royalties"].sum())
    primary_only = float(earnings["primary_income"].max() / earnings["primary_income"].sum())
    by_price = trades.groupby("creator_id")["price"].sum()
    return expect_number("任务 3 收入最高的创作者占全部创作者收入的比例", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - royalty_only) < 1e-9, "只算了版税。创作者的收入 = 首发时的卖方所得 + 转售时的版税。"),
        (lambda v: abs(v - primary_only) < 1e-9, "只算了首发所得，漏了转售时的版税。"),
        (lambda v: abs(v - float(by_price.max() / by_price.sum())) < 1e-9,
         "你用的是作品的全部成交额。转售时钱大多归卖方，创作者只拿版税。"),
    ])


@total
def yearly_velocity(answer, points_ledger: pd.DataFrame, year: int) -> bool:
    start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year + 1}-01-01")
    ledger = points_ledger.loc[points_ledger["time"] < end]
    m_start = ledger.loc[ledger["time"] < start, "points"].sum()
    m_end = ledger["points"].sum()
    in_year = ledger.loc[ledger["time"] >= start]
    redeemed = -in_year.loc[in_year["reason"] == "redeem", "points"].sum()
    issued = in_year.loc[in_year["points"] > 0, "points"].sum()
    expected = redeemed / ((m_start + m_end) / 2)
    return expect_number(f"任务 4 {year} 年积分的流通速度", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - issued / ((m_start + m_end) / 2)) < 1e-9,
         "分子用了发放量。流通速度看的是积分被「花掉」的次数：P·Q 是兑换的积分。"),
        (lambda v: abs(v - redeemed / m_end) < 1e-9,
         "分母只用了年末存量。M 要用这一年的平均存量（年初与年末的平均）。"),
        (lambda v: abs(v + expected) < 1e-9, "符号反了：兑换在流水里记为负数，取相反数。"),
    ])


@total
def chosen_fee(answer, table: pd.DataFrame, min_fill: float, max_inflation: float) -> bool:
    task = "任务 5 选出手续费率"
    expected = tokens.choose_fee(table, min_fill=min_fill, max_inflation=max_inflation)
    if unanswered(answer) and expected is not None:
        return _say(task, False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    if expected is None:
        return _say(task, answer is None, "正确：没有一个手续费率同时满足两个约束。" if answer is None else
                    "这次扫描里没有一个手续费率同时满足两个约束，答案应为 None。")
    most_liquid = float(table["fill_rate"].idxmax())
    least_inflation = float(table["supply_growth"].abs().idxmin())
    return expect_number(task, answer, expected, rtol=1e-9, hints=[
        (lambda v: abs(v - most_liquid) < 1e-12, "你只看了成交率：它最高的手续费让积分越发越多，不满足通胀约束。"),
        (lambda v: abs(v - least_inflation) < 1e-12,
         "你只看了通胀：在满足约束的手续费里，要挑成交率最高的那个。"),
    ])


def summary() -> bool:
    from opskit.course.exercises.tour import summary as _summary

    return _summary()
