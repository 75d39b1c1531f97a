"""Checks for the private-domain exercise: touchpoint conversion, the funnel's end-to-end rate, the
unsubscribe rate beyond the fatigue point, a lookalike's top-decile lift, customers after identity
resolution.

Each check recomputes the expected answer from the learner's own tables with the opskit method and
names the usual mistake when the answer is wrong. A check never raises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit import audience, identity, private_domain
from opskit.course.exercises import expect_number, guarded, total


@total
def touchpoint_conversion(answer, members: pd.DataFrame, sources: pd.DataFrame, source: str = "包裹卡") -> bool:
    task = f"任务 1 「{source}」的入群转化率"

    def compute():
        joins = int((members["source"] == source).sum())
        reach = int(sources.loc[sources["source"] == source, "reach"].sum())
        expected = joins / reach
        unique_joins = members.loc[members["source"] == source, "user_id"].nunique()
        return expect_number(task, answer, expected, rtol=1e-6, hints=[
            (lambda v: abs(v - reach / joins) < 1e-6 * reach / joins, "分子分母反了：转化率 = 入群人数 ÷ 触达人数，应小于 1。"),
            (lambda v: abs(v - joins / sources["reach"].sum()) < 1e-12,
             f"分母用了所有触点的触达人数。只用「{source}」这一行的触达合计。"),
            (lambda v: abs(v - unique_joins / reach) < 1e-12 and unique_joins != joins,
             "你对 user_id 去了重。同一个人经同一触点加入两个群是两次入群，分子数入群记录即可。"),
            (lambda v: v > 1, "转化率应在 0 到 1 之间。"),
        ])
    return guarded(task, answer, compute)


@total
def end_to_end(answer, funnel: pd.DataFrame, period) -> bool:
    task = "任务 2 私域漏斗的端到端转化率"

    def compute():
        row = funnel.loc[period]
        expected = row["converted"] / row["reach"]
        return expect_number(task, answer, expected, rtol=1e-9, hints=[
            (lambda v: abs(v - row["converted"] / row["joined"]) < 1e-12,
             "这是从入群到成交的转化率。端到端从“触达”算起：成交 ÷ 触达，也就是三段转化率之积。"),
            (lambda v: abs(v - (row["join_rate"] + row["engage_rate"] + row["convert_rate"])) < 1e-9,
             "各段转化率要相乘，不是相加。"),
            (lambda v: abs(v - row["convert_rate"]) < 1e-12, "这只是最后一段（互动 → 成交）的转化率。"),
        ])
    return guarded(task, answer, compute)


@total
def unsubscribe_beyond(answer, touches: pd.DataFrame, point: int = 3) -> bool:
    task = f"任务 3 每周超过 {point} 条消息时的周退订率"

    def compute():
        table = private_domain.fatigue_table(touches)
        beyond = table[table.index > point]
        expected = beyond["unsubscribed"].sum() / beyond["member_weeks"].sum()
        at_least = table[table.index >= point]
        per_touch = beyond["unsubscribed"].sum() / (beyond["member_weeks"] * beyond.index.to_numpy()).sum()
        return expect_number(task, answer, expected, rtol=1e-6, hints=[
            (lambda v: abs(v - at_least["unsubscribed"].sum() / at_least["member_weeks"].sum()) < 1e-12,
             f"你包含了正好 {point} 条的周。题目问的是超过 {point} 条：用 > 而不是 >=。"),
            (lambda v: abs(v - per_touch) < 1e-12,
             "你算的是每条消息的退订率。这里的单位是“成员周”：先按 用户 × 周 汇总，再看这些周里有退订的比例。"),
            (lambda v: abs(v - table["unsubscribed"].sum() / table["member_weeks"].sum()) < 1e-12,
             f"这是所有成员周的退订率。只看当周消息数超过 {point} 条的成员周。"),
        ])
    return guarded(task, answer, compute)


@total
def top_decile_lift(answer, y_true, score) -> bool:
    task = "任务 4 Lookalike 的前 10% 提升度"

    def compute():
        y = np.asarray(y_true, dtype=float)
        s = np.asarray(score, dtype=float)
        expected = audience.top_share_lift(y, s, 0.1)
        k = int(round(len(y) * 0.1))
        top_rate = y[np.argsort(-s, kind="stable")[:k]].mean()
        bottom = y[np.argsort(s, kind="stable")[:k]].mean() / y.mean()
        return expect_number(task, answer, expected, rtol=1e-3, hints=[
            (lambda v: abs(v - top_rate) < 1e-9, "这是前 10% 中种子型用户的比例。提升度还要除以整体比例。"),
            (lambda v: abs(v - bottom) < 1e-9, "你取的是得分最低的 10%：按得分从高到低排序（ascending=False）。"),
            (lambda v: abs(v - y[np.argsort(-s, kind="stable")[:10]].mean() / y.mean()) < 1e-9 and k != 10,
             "你取了前 10 个人。要取前 10% 的人：round(人数 × 0.1)。"),
        ])
    return guarded(task, answer, compute)


@total
def resolved_customers(answer, links: pd.DataFrame) -> bool:
    task = "任务 5 身份打通后的顾客数"

    def compute():
        hubs = identity.hub_identifiers(links)
        expected = identity.resolve(links, exclude=hubs)["customer_key"].nunique()
        with_hubs = identity.resolve(links)["customer_key"].nunique()
        members = links.loc[links["id_type_a"] == "member", "id_a"].nunique()
        return expect_number(task, answer, expected, rtol=0, hints=[
            (lambda v: v == with_hubs and with_hubs != expected,
             "你没有剔除枢纽标识：门店共享平板把很多陌生人连成了一个人。先用 identity.hub_identifiers 找出它们，再 exclude。"),
            (lambda v: v == members, "这是会员账号数：有人有两个账号，也有人只用小程序，要按连通分量合并。"),
            (lambda v: v == len(links), "这是关联记录的条数，不是人数。"),
        ])
    return guarded(task, answer, compute)


def summary() -> bool:
    from opskit.course.exercises.tour import summary as _summary

    return _summary()
