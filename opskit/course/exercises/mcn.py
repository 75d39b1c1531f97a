"""Checks for the MCN exercise: HHI, ROI after returns, the S2b2C split, replacing the head, repeat rate.

Each check recomputes the expected answer from the learner's own tables with the opskit method and
names the usual mistake when the answer is wrong. Checks never raise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit import concentration, mcn
from opskit.course.exercises import _say, expect_number, total, unanswered


@total
def hhi(answer, kol_daily: pd.DataFrame) -> bool:
    gmv = kol_daily.groupby("kol_id")["gmv"].sum()
    expected = concentration.hhi(gmv)
    shares = gmv / gmv.sum()
    orders = kol_daily.groupby("kol_id")["orders"].sum()
    return expect_number("任务 1 达人成交额的 HHI", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - (shares ** 2).sum()) < 1e-9,
         "份额用了小数（0.48），HHI 按百分数计算：Σ(100 × 份额)²，结果在 10,000/n 到 10,000 之间。"),
        (lambda v: abs(v - 100 * shares.sum()) < 1e-6 or abs(v - 100) < 1e-9,
         "份额忘了平方：HHI 是份额（百分数）的平方和。"),
        (lambda v: abs(v - concentration.hhi(orders)) < 1e-6, "你用的是订单数的份额，这里要用成交额（gmv）。"),
        (lambda v: abs(v - 10_000 / expected) < 1e-6, "这是等效达人数（10,000 ÷ HHI），题目问的是 HHI 本身。"),
    ])


@total
def trap_roi(answer, kol_daily: pd.DataFrame, kol_id: str, gross_margin: float) -> bool:
    row = kol_daily.loc[kol_daily["kol_id"] == kol_id, ["gmv", "returns", "cost"]].sum()
    expected = (row["gmv"] - row["returns"]) * gross_margin / row["cost"] - 1
    return expect_number(f"任务 2 {kol_id} 退货后的 ROI", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - row["gmv"] / row["cost"]) < 1e-9,
         "这是 ROAS（成交额 ÷ 费用），不是 ROI。ROI 要扣退货、乘毛利率，再除以费用并减 1。"),
        (lambda v: abs(v - (row["gmv"] * gross_margin / row["cost"] - 1)) < 1e-9,
         "没有扣退货：直播带货的退货率可能很高，要用 (gmv − returns)。"),
        (lambda v: abs(v - (row["gmv"] - row["returns"]) * gross_margin / row["cost"]) < 1e-9,
         "少减了 1：ROI = 回报 ÷ 成本 − 1，0 才是不赚不亏。"),
        (lambda v: abs(v - ((row["gmv"] - row["returns"]) / row["cost"] - 1)) < 1e-9,
         "没有乘毛利率：成交额不是利润，要乘 gross_margin。"),
    ])


@total
def s2b2c(answer, prices: pd.Series, commission_rate: float, platform_rate: float) -> bool:
    task = "任务 3 S2b2C 精确分账"
    expected = mcn.s2b2c_split(prices, commission_rate=commission_rate, platform_rate=platform_rate)
    if unanswered(answer):
        return _say(task, False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    if not isinstance(answer, pd.DataFrame) or not {"supplier_amount", "commission", "platform_fee"} <= set(answer):
        return _say(task, False, "答案应是一个 DataFrame，含 supplier_amount、commission、platform_fee 三列。")
    if len(answer) != len(prices):
        return _say(task, False, f"应有 {len(prices)} 行（每个价格一行），你的结果有 {len(answer)} 行。")
    got = answer[["supplier_amount", "commission", "platform_fee"]].to_numpy(dtype=float)
    cents = np.round(got * 100).astype(np.int64)
    if not np.allclose(got * 100, cents, atol=1e-6):
        return _say(task, False, "金额要精确到分：先换算成整数分再拆分，最后除以 100。")
    price_cents = np.round(prices.to_numpy(dtype=float) * 100).astype(np.int64)
    if (cents.sum(axis=1) != price_cents).any():
        bad = int((cents.sum(axis=1) != price_cents).sum())
        return _say(task, False, f"有 {bad} 个价格拆分后三方之和不等于实付金额。规则：佣金和服务费四舍五入到分，"
                                 "供应商拿余数（实付 − 佣金 − 服务费），而不是三方各自四舍五入。")
    if np.allclose(got, expected.to_numpy()):
        return _say(task, True, "正确：每一笔都精确到分，三方之和等于实付金额。")
    return _say(task, False, "三方之和对了，但佣金或服务费的取整不对：用四舍五入（0.5 进位）到分。")


@total
def months_to_replace(answer, gap: float, recruits_per_month: float, new_unit_gmv: float, tau_days: float) -> bool:
    tau = tau_days / concentration.DAYS_PER_MONTH
    expected = concentration.months_to_replace(gap, recruits_per_month, new_unit_gmv, tau)
    return expect_number("任务 4 补齐头部缺口的月数", answer, expected, rtol=1e-4, hints=[
        (lambda v: abs(v - gap / (recruits_per_month * new_unit_gmv)) < 1e-6 * max(v, 1),
         "忽略了爬坡：新达人不会在入驻当月就达到稳态产出，R(t) = r·g·(t − τ(1 − e^(−t/τ)))。"),
        (lambda v: abs(v - concentration.months_to_replace(gap, recruits_per_month, new_unit_gmv, tau_days)) < 1e-4 * max(v, 1),
         "τ 的单位不对：τ 给的是天，推演按月进行，要除以每月天数（365.25 ÷ 12）。"),
    ])


@total
def repeat_rate(answer, follower_orders: pd.DataFrame, kol_id: str, days: int, as_of) -> bool:
    orders = follower_orders.loc[follower_orders["kol_id"] == kol_id]
    table = mcn.repeat_rates(orders, days=days, as_of=as_of, buyer="follower_id")
    expected = float(table["rate"].iloc[0])
    counts = orders.groupby("follower_id").size()
    return expect_number(f"任务 5 {kol_id} 私域粉丝的 {days} 天复购率", answer, expected, rtol=1e-6, hints=[
        (lambda v: abs(v - (counts >= 2).mean()) < 1e-9,
         f"这是「买过两次以上的粉丝」的比例，没有限定 {days} 天的窗口：要看首购之后 {days} 天内是否再次购买。"),
        (lambda v: abs(v - _no_censoring(orders, days)) < 1e-9,
         f"首购离截止日不足 {days} 天的粉丝还没有走完观察期，要排除，否则会低估复购率。"),
    ])


def _no_censoring(orders: pd.DataFrame, days: int) -> float:
    o = orders.sort_values(["follower_id", "order_time"])
    nxt = o.groupby("follower_id")["order_time"].shift(-1)
    first = o.groupby("follower_id").head(1).index
    gap = (nxt - o["order_time"]).loc[first]
    return float((gap <= pd.Timedelta(days=days)).mean())


def summary() -> bool:
    from opskit.course.exercises.tour import summary as _summary

    return _summary()
