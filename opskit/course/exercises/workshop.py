"""Checks for the data-system workshop exercise: an input metric, the tree identity, a team's canvas.

Expected answers are recomputed from the learner's data with :mod:`opskit.metrics`.
"""

from __future__ import annotations

import pandas as pd

from opskit import metrics
from opskit.course import workshop as ws
from opskit.course.exercises import (
    _say,
    expect_number,
    expect_series,
    summary,  # noqa: F401 - notebooks call check.summary()
    total,
    unanswered,
)


@total
def orders_per_buyer(answer, data) -> bool:
    expected = metrics.get("orders_per_buyer").compute(data)
    orders = data["orders"]
    if isinstance(answer, pd.Series) and isinstance(answer.index, pd.PeriodIndex):
        answer = answer.set_axis(answer.index.to_timestamp())
    per_order_count = metrics.get("orders").compute(data) / len(orders["user_id"].unique())
    return expect_series("任务 1 每月人均订单数", answer, expected, hints=[
        (lambda s: len(s) == len(expected) and bool((s.reindex(expected.index).astype(float)
                                                     - per_order_count).abs().max() < 1e-9),
         "分母用了全部时间的下单用户。人均订单数的分母是「当月」下单用户数：按月对 user_id 去重。"),
        (lambda s: len(s) == len(expected) and bool((s.reindex(expected.index).astype(float) > 50).any()),
         "数值太大了：是不是用了订单数或成交额，没有除以下单用户数？"),
    ])


@total
def rebuilt_gmv(answer, data) -> bool:
    v = metrics.compute_many(data, ["gmv", "buyers", "aov", "orders_per_buyer", "gmv_per_buyer"])
    last = v.iloc[-1]
    return expect_number("任务 2 用指标树重建最近一个月的成交额", answer, last["gmv"], rtol=1e-6, hints=[
        (lambda x: abs(x - last["buyers"] * last["aov"]) < 1e-6 * last["gmv"],
         "下单用户数 × 客单价少了一个因子：客单价的分母是订单数，还要乘上人均订单数。"),
        (lambda x: abs(x - last["buyers"] * last["orders_per_buyer"]) < 1e-6,
         "这是订单数（下单用户数 × 人均订单数），还要乘上客单价才是成交额。"),
    ])


@total
def team_canvas(answer, data) -> bool:
    task = "任务 3 你的团队画布"
    if unanswered(answer):
        return _say(task, False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    if not isinstance(answer, ws.WorkshopState):
        return _say(task, False, f"答案应是 WorkshopState，现在是 {type(answer).__name__}。")
    if answer.north_star not in metrics.available(data):
        return _say(task, False, f"北极星 {answer.north_star!r} 不在可计算的指标目录中；"
                                 f"可选：{', '.join(metrics.available(data))}。")
    if answer.north_star not in [n.metric for n in answer.tree]:
        return _say(task, False, "北极星要出现在指标树里：说清楚它由哪些输入指标驱动、又驱动哪个结果指标。")
    checks = ws.check_identities(answer, metrics.compute_many(data, answer.metric_ids()))
    if checks.empty:
        return _say(task, False, "指标树还没有任何拆解（形如 buyers = new_buyers + returning_buyers 的行）。")
    bad = checks.loc[checks["成立"] != "是", "恒等式"].tolist()
    if bad:
        return _say(task, False, f"这些拆解在数据上不成立或无法计算：{'；'.join(bad)}。"
                                 "检查运算符和口径（例如人均消费 = 成交额 ÷ 下单用户数）。")
    owned = [k for k in answer.kpis if k.owner.strip()]
    if len(owned) < 3:
        return _say(task, False, f"KPI 清单至少要有 3 条带责任人的指标，现在只有 {len(owned)} 条。")
    return _say(task, True, f"北极星「{metrics.get(answer.north_star).label}」、{len(checks)} 条在数据上成立的拆解、"
                            f"{len(owned)} 条有责任人的 KPI。")
