"""Checks for the data-tour exercise: counting buyers, order value, sign-ups, repeat rate, concentration.

Each check recomputes the expected answer from the learner's own tables, so the exercise stays
valid on any data, and names the usual mistake when the answer is wrong.
"""

from __future__ import annotations

import pandas as pd

from opskit.concentration import top_share as _top_share
from opskit.course.exercises import (
    expect_number,
    expect_series,
    summary,  # noqa: F401 - notebooks call check.summary()
    total,
    unanswered,
)


@total
def buyers(answer, orders: pd.DataFrame) -> bool:
    expected = orders["user_id"].nunique()
    return expect_number("任务 1 下单用户数", answer, expected, hints=[
        (lambda v: v == len(orders), "你数的是订单数。一个用户可以下多笔订单：对 user_id 去重，用 nunique()。"),
    ])


@total
def average_order_value(answer, orders: pd.DataFrame) -> bool:
    gmv = orders["amount"].sum()
    return expect_number("任务 2 客单价", answer, gmv / len(orders), rtol=1e-4, hints=[
        (lambda v: abs(v - gmv / orders["user_id"].nunique()) < 1e-6 * gmv,
         "这是人均消费（每位顾客的消费额）。客单价的分母是订单数，不是用户数。"),
        (lambda v: abs(v - orders["amount"].median()) < 1e-9,
         "这是订单金额的中位数。客单价 = 成交额 ÷ 订单数。"),
    ])


@total
def monthly_signups(answer, users: pd.DataFrame) -> bool:
    expected = users.groupby(users["register_time"].dt.to_period("M")).size()
    expected.index = expected.index.to_timestamp()
    if isinstance(answer, pd.Series) and isinstance(answer.index, pd.PeriodIndex):
        answer = answer.set_axis(answer.index.to_timestamp())
    return expect_series("任务 3 每月新注册用户数", answer, expected, hints=[
        (lambda s: len(s) == 12 and len(expected) > 12,
         "看起来你按「月份数字」分组，把不同年份的同一个月合在了一起。按年月分组：dt.to_period('M')。"),
    ])


@total
def repeat_rate(answer, orders: pd.DataFrame) -> bool:
    per_user = orders.groupby("user_id").size()
    expected = (per_user >= 2).mean()
    return expect_number("任务 4 复购率", answer, expected, rtol=1e-4, hints=[
        (lambda v: v > 1, "复购率是比例，应在 0 到 1 之间；是不是忘了除以下单用户数？"),
        (lambda v: abs(v - (per_user > 2).mean()) < 1e-9, "你统计的是下单 3 次及以上的用户。复购 = 下单至少 2 次。"),
        (lambda v: abs(v - (per_user - 1).sum() / len(orders)) < 1e-9,
         "你算的是复购订单占订单的比例。本题问的是顾客：下单至少 2 次的顾客占下单顾客的比例。"),
    ])


@total
def top_customer_share(answer, orders: pd.DataFrame, fraction: float = 0.2) -> bool:
    gmv = orders.groupby("user_id")["amount"].sum()
    expected = _top_share(gmv, fraction)
    if unanswered(answer):
        return expect_number("任务 5 头部顾客成交额占比", answer, expected)
    return expect_number("任务 5 头部顾客成交额占比", answer, expected, rtol=1e-3, hints=[
        (lambda v: abs(v - fraction) < 1e-9, f"{fraction:.0%} 是人数占比。要算的是这些顾客的消费额占总成交额的比例。"),
        (lambda v: abs(v - (1 - _top_share(gmv, 1 - fraction))) < 1e-3,
         "你取的是消费最低的顾客。先按消费额从高到低排序，再取前面的顾客。"),
    ])
