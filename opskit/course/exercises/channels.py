"""Checks for the channel exercise: paid CAC, ROAS vs ROI, payback, injection share, wasted spend.

Each check recomputes the expected answer from the learner's own tables, so the exercise stays
valid on any data, and names the usual mistake when the answer is wrong.
"""

from __future__ import annotations

import pandas as pd

from opskit import channels as _ch
from opskit import fraud as _fraud
from opskit.course.exercises import (
    _say,
    expect_number,
    summary,  # noqa: F401 - notebooks call check.summary()
    total,
    unanswered,
)


@total
def paid_cac(answer, users: pd.DataFrame, channel_spend: pd.DataFrame, chans: pd.DataFrame) -> bool:
    paid = chans.loc[chans["is_paid"], "channel_id"]
    spend = channel_spend["spend"].sum()
    expected = spend / users["channel_id"].isin(paid).sum()
    return expect_number("任务 1 付费 CAC", answer, expected, rtol=1e-4, hints=[
        (lambda v: abs(v - spend / len(users)) < 1e-6 * spend,
         "你把自然流量也算进了付费 CAC：分母用了全部新用户（这是混合 CAC，blended CAC）。"
         "付费 CAC 的分母只算付费渠道带来的用户。"),
        (lambda v: v < 1, "CAC 是每个用户的成本（元/人），应是花费 ÷ 人数，你是不是除反了？"),
    ])


@total
def roas_and_roi(roas_answer, roi_answer, revenue: float, spend: float, gross_margin: float) -> bool:
    task = "任务 2 ROAS 与 ROI"
    if unanswered(roas_answer) or unanswered(roi_answer):
        return _say(task, False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    exp_roas, exp_roi = float(_ch.roas(revenue, spend)), float(_ch.roi(revenue, spend, gross_margin))
    ok_roas = abs(float(roas_answer) - exp_roas) <= 1e-6 * max(1, abs(exp_roas))
    ok_roi = abs(float(roi_answer) - exp_roi) <= 1e-6 * max(1, abs(exp_roi))
    if ok_roas and ok_roi:
        return _say(task, True, f"正确：ROAS {exp_roas:.2f}，真实 ROI {exp_roi:.2f}。")
    if abs(float(roi_answer) - exp_roas) < 1e-6 * max(1, exp_roas):
        return _say(task, False, "你的 ROI 其实是 GMV ÷ 花费，也就是平台后台说的「ROI/投产比」= ROAS。"
                                 "真实 ROI 要用毛利：(收入 × 毛利率 − 花费) ÷ 花费。")
    if abs(float(roi_answer) - (revenue - spend) / spend) < 1e-6 * max(1, exp_roas):
        return _say(task, False, "ROI 用的是收入减花费，忘了乘毛利率：收入不是利润。")
    if not ok_roas:
        return _say(task, False, "ROAS = 归因收入 ÷ 广告花费。")
    return _say(task, False, "ROI = (收入 × 毛利率 − 花费) ÷ 花费，再检查一下。")


@total
def payback(answer, cac: float, monthly_arpu: float, gross_margin: float) -> bool:
    expected = float(_ch.payback_months(cac, monthly_arpu, gross_margin))
    return expect_number("任务 3 回本周期（月）", answer, expected, rtol=1e-4, hints=[
        (lambda v: abs(v - cac / monthly_arpu) < 1e-6 * expected,
         "你用收入而不是毛利回本：回本周期 = CAC ÷ (月 ARPU × 毛利率)。"),
        (lambda v: abs(v - monthly_arpu * gross_margin / cac) < 1e-9,
         "分子分母反了：回本周期 = CAC ÷ 每月毛利。"),
    ])


@total
def injection_share(answer, installs: pd.DataFrame, channel: str, threshold: float = 10.0) -> bool:
    ctit = _fraud.ctit_seconds(installs)
    mine = installs["channel_id"] == channel
    expected = float(_fraud.flag_injection_ctit(ctit[mine], threshold).mean())
    return expect_number("任务 4 点击注入占比", answer, expected, rtol=1e-4, hints=[
        (lambda v: abs(v - float(_fraud.flag_injection_ctit(ctit, threshold).mean())) < 1e-9,
         "你算的是全部渠道的占比。只看这一个渠道的安装。"),
        (lambda v: abs(v - float(((installs["click_time"] - installs["install_time"]).dt.total_seconds()[mine]
                                  <= threshold).mean())) < 1e-9,
         "CTIT 的方向反了：CTIT = 安装时间 − 点击时间（从点击算起，不是从展示算起）。"),
        (lambda v: v > 1, "占比应在 0 到 1 之间。"),
    ])


@total
def wasted_spend(answer, installs: pd.DataFrame, channel_spend: pd.DataFrame, channel: str) -> bool:
    expected = _fraud.wasted_spend(installs, channel_spend, channel)
    task = "任务 5 被浪费的花费"
    if unanswered(answer):
        return expect_number(task, answer, expected["wasted"])
    return expect_number(task, answer, expected["wasted"], rtol=1e-3, hints=[
        (lambda v: abs(v - expected["fake_share"]) < 1e-9,
         "这是作弊安装的占比。题目要的是金额：占比 × 该渠道的总花费。"),
        (lambda v: abs(v - expected["spend"]) < 1e-6 * expected["spend"],
         "这是该渠道的全部花费。不是每个安装都是假的：只有作弊那部分花费是浪费的。"),
    ])
