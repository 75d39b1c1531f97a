"""Checks for the category exercise: penetration, spend per purchase (the Kantar identity), basket
lift, repeat rate and GROW's 渗透力.

Each check recomputes the expected answer from the learner's own tables with the opskit method and
names the usual mistake when the answer is wrong. A check never raises.
"""

from __future__ import annotations

import pandas as pd

from opskit import category, decomposition
from opskit.course.exercises import expect_number, guarded, total


@total
def penetration(answer, purchases: pd.DataFrame, users: pd.DataFrame, item: str = "dairy") -> bool:
    task = "任务 1 乳品的渗透率"

    def compute():
        m = category.brand_metrics(purchases, item="category_id")
        expected = m.loc[item, "penetration"]
        return expect_number(task, answer, expected, rtol=1e-9, hints=[
            (lambda v: abs(v - m.loc[item, "buyers"] / len(users)) < 1e-12,
             "分母用了全部注册用户。渗透率 = 品类购买人数 ÷ 下过单的顾客数（购买表里的顾客）。"),
            (lambda v: abs(v - m.loc[item, "purchases"] / m.attrs["universe"]) < 1e-12,
             "分子用了购买次数。渗透率的分子是买过这个品类的人数：对 user_id 去重。"),
            (lambda v: abs(v - m.loc[item, "share"]) < 1e-12, "这是购买次数份额，不是渗透率。"),
        ])
    return guarded(task, answer, compute)


@total
def spend_per_purchase(answer, purchases: pd.DataFrame, item: str = "dairy") -> bool:
    task = "任务 2 乳品的每次购买金额（Kantar 恒等式）"

    def compute():
        m = category.brand_metrics(purchases, item="category_id", amount="amount")
        expected = m.loc[item, "spend_per_purchase"]
        return expect_number(task, answer, expected, rtol=1e-9, hints=[
            (lambda v: abs(v - m.loc[item, "amount"] / m.loc[item, "buyers"]) < 1e-9,
             "这是每位购买者的金额。每次购买金额的分母是购买次数：成交额 ÷ 购买次数。"),
            (lambda v: abs(v - m.loc[item, "amount"] / m.attrs["universe"]) < 1e-9,
             "这是每位顾客（含没买乳品的）摊到的乳品金额。"),
        ])
    return guarded(task, answer, compute)


@total
def basket_lift(answer, purchases: pd.DataFrame, antecedent: str = "bakery", consequent: str = "dairy") -> bool:
    task = "任务 3 订单层面的 lift(烘焙 ⇒ 乳品)"

    def compute():
        rules = category.pair_lift(purchases, customer="order_id", item="category_id")
        rule = rules.loc[(antecedent, consequent)]
        customer = category.pair_lift(purchases, customer="user_id", item="category_id").loc[(antecedent, consequent)]
        return expect_number(task, answer, rule["lift"], rtol=1e-6, hints=[
            (lambda v: abs(v - customer["lift"]) < 1e-9,
             "你在顾客层面算的 lift（同一个顾客买过两者）。本题要订单层面：同一笔订单里同时出现。"),
            (lambda v: abs(v - rule["confidence"]) < 1e-9, "这是置信度 P(乳品 | 烘焙)。lift 还要除以 P(乳品)。"),
            (lambda v: abs(v - rule["support"]) < 1e-9, "这是支持度。lift = P(两者) ÷ (P(烘焙) × P(乳品))。"),
        ])
    return guarded(task, answer, compute)


@total
def repeat_rate(answer, purchases: pd.DataFrame, item: str = "fruit") -> bool:
    task = "任务 4 水果的复购率"

    def compute():
        profile = category.repeat_profile(purchases, item="category_id")
        expected = profile.loc[item, "repeat_rate"]
        mine = purchases[purchases["category_id"] == item]
        per_user = mine.groupby("user_id").size()
        return expect_number(task, answer, expected, rtol=1e-9, hints=[
            (lambda v: abs(v - (per_user > 2).mean()) < 1e-12, "你数的是买了 3 次及以上。复购 = 至少买 2 次。"),
            (lambda v: abs(v - (per_user - 1).sum() / len(mine)) < 1e-12,
             "这是复购次数占购买次数的比例。本题问的是顾客：买过至少 2 次的人占买过的人的比例。"),
            (lambda v: abs(v - (per_user >= 2).sum() / purchases["user_id"].nunique()) < 1e-12,
             "分母用了全部顾客。复购率的分母是买过水果的顾客。"),
        ])
    return guarded(task, answer, compute)


@total
def grow_gain(answer, before: pd.DataFrame, after: pd.DataFrame, item: str = "dairy") -> bool:
    task = "任务 5 GROW：乳品的渗透力（G）"

    def compute():
        table = category.grow(before, after, item="category_id", amount="amount")
        expected = table.loc[item, "gain"]
        m0 = category.brand_metrics(before, item="category_id", amount="amount").loc[item]
        m1 = category.brand_metrics(after, item="category_id", amount="amount").loc[item]
        three0 = {"buyers": m0["buyers"], "frequency": m0["frequency"], "spend": m0["spend_per_purchase"]}
        three1 = {"buyers": m1["buyers"], "frequency": m1["frequency"], "spend": m1["spend_per_purchase"]}
        buyers_effect = decomposition.lmdi(three0, three1)["buyers"]
        seq = decomposition.sequential(
            {"universe": before["user_id"].nunique(), "penetration": m0["penetration"], **{k: three0[k] for k in
                                                                                          ("frequency", "spend")}},
            {"universe": after["user_id"].nunique(), "penetration": m1["penetration"], **{k: three1[k] for k in
                                                                                          ("frequency", "spend")}})
        return expect_number(task, answer, expected, rtol=1e-6, hints=[
            (lambda v: abs(v - buyers_effect) < 1e-6 * max(abs(buyers_effect), 1),
             "你把购买人数整体作为一个因素：它包含了大盘（活跃顾客数）的变化。G 渗透力只算渗透率那一项。"),
            (lambda v: abs(v - seq["penetration"]) < 1e-6 * max(abs(seq["penetration"]), 1),
             "你用的是连环替代法，结果依赖替换顺序。本题用 LMDI（decomposition.lmdi）。"),
            (lambda v: abs(v - (m1["amount"] - m0["amount"])) < 1e-6 * max(abs(m1["amount"] - m0["amount"]), 1),
             "这是乳品成交额的总变化。要拆出其中渗透率变化的那一份。"),
        ])
    return guarded(task, answer, compute)


def summary() -> bool:
    from opskit.course.exercises.tour import summary as _summary

    return _summary()
