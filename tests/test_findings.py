"""Every branch of the conditional sentences of chapters 00–06, on constructed values (most of
them cannot occur on the demo company)."""

from __future__ import annotations

import math

import pandas as pd

from opskit.course import findings

LABELS = {"gmv": "成交额", "buyers": "下单用户数", "orders_per_buyer": "人均订单数", "aov": "客单价"}


def test_pp_gap_reports_no_difference_instead_of_minus_zero():
    said = findings.pp_gap(0.9431, 0.9432, a_label="用了优惠的", b_label="没用的")
    assert "几乎相同" in said and "-0.0" not in said
    assert "高 5.0 个百分点" in findings.pp_gap(0.55, 0.50, a_label="甲", b_label="乙")
    assert "低 5.0 个百分点" in findings.pp_gap(0.45, 0.50, a_label="甲", b_label="乙")
    assert "无法比较" in findings.pp_gap(math.nan, 0.5, a_label="甲", b_label="乙")


def test_viral_verdict_has_three_regimes():
    low = findings.viral_verdict(0.09, 5.5, 1000, 60, 1099)
    assert "远小于 1" in low and "放大器" in low and "1.10" in low
    assert "小于 1" in findings.viral_verdict(0.7, 5.5, 1000, 60, 3000)
    assert "远小于" not in findings.viral_verdict(0.7, 5.5, 1000, 60, 3000)
    one = findings.viral_verdict(1.0, 5.0, 1000, 60, 13000)
    assert "线性" in one and "放大倍数" not in one
    high = findings.viral_verdict(1.3, 5.0, 1000, 60, 80000)
    assert "大于 1" in high and "增长引擎" in high and "放大倍数" not in high and "-" not in high.split("（")[0]


def test_growth_source_names_the_north_star_only_when_it_leads():
    ns_led = pd.Series({"gmv": 2.0, "buyers": 1.8, "orders_per_buyer": 1.05, "aov": 1.06})
    assert "主要来自北极星" in findings.growth_source(ns_led, "buyers", LABELS)
    aov_led = pd.Series({"gmv": 1.5, "buyers": 1.05, "orders_per_buyer": 1.0, "aov": 1.43})
    said = findings.growth_source(aov_led, "buyers", LABELS)
    assert "主要来自客单价" in said and "而不是北极星" in said
    against = pd.Series({"gmv": 1.3, "buyers": 0.9, "orders_per_buyer": 1.2, "aov": 1.2})
    assert "北极星反向变化" in findings.growth_source(against, "buyers", LABELS)
    fell = pd.Series({"gmv": 0.7, "buyers": 0.75, "orders_per_buyer": 0.95, "aov": 0.98})
    assert "下降主要来自北极星" in findings.growth_source(fell, "buyers", LABELS)
    flat = pd.Series({"gmv": 1.0, "buyers": 1.2, "orders_per_buyer": 1.0, "aov": 1 / 1.2})
    assert "几乎没变" in findings.growth_source(flat, "buyers", LABELS)


def test_buyer_mix_three_branches():
    assert "大头在老客" in findings.buyer_mix(0.8)
    assert "靠拉新" in findings.buyer_mix(0.3)
    assert "两者相当" in findings.buyer_mix(0.5)


def test_last_push_target_skips_empty_groups_and_says_when_there_is_nobody():
    actions = pd.Series({"加购未下单": "购物车提醒", "浏览未加购": "个性化推荐"})
    none = findings.last_push_target(pd.Series({"加购未下单": 0, "浏览未加购": 0}), actions, 7)
    assert "没有" in none and "先从这里做起" not in none
    one = findings.last_push_target(pd.Series({"加购未下单": 0, "浏览未加购": 120}), actions, 7)
    assert "**浏览未加购**" in one and "加购未下单为 0" in one
    both = findings.last_push_target(pd.Series({"加购未下单": 300, "浏览未加购": 120}), actions, 7)
    assert "**加购未下单**" in both and "为 0" not in both


def test_beat_baseline_three_branches():
    assert findings.beat_baseline(0.90, 0.85) == "模型打败了基线。"
    assert "打平" in findings.beat_baseline(0.851, 0.85)
    assert "没有打败" in findings.beat_baseline(0.80, 0.85)


def _arms(**rows):
    cols = ["diff", "ci_low", "ci_high", "incremental_orders", "cost_per_incremental_order", "net_value",
            "net_ci_low", "net_ci_high"]
    return pd.DataFrame({name: dict(zip(cols, values)) for name, values in rows.items()}).T


def test_nudge_decision_rolls_out_the_paying_arm_or_says_none_pays():
    labels = {"reminder": "提醒", "reminder_coupon": "提醒 + 券"}
    pays = _arms(reminder=(0.08, 0.02, 0.14, 30, 0.5, 500, 100, 900),
                 reminder_coupon=(0.2, 0.12, 0.28, 70, 30.0, -600, -1500, 300))
    said = findings.nudge_decision(pays, labels, 20)
    assert "全量上线「提醒」" in said and "0.50 元" in said
    lifts_only = _arms(reminder=(0.08, 0.02, 0.14, 30, 15.0, -100, -400, 200),
                       reminder_coupon=(0.2, 0.12, 0.28, 70, 30.0, -600, -1500, 300))
    said = findings.nudge_decision(lifts_only, labels, 20)
    assert "没有一组确定赚钱" in said and "提醒 + 券" in said
    nothing = _arms(reminder=(0.01, -0.03, 0.05, 3, 5.0, 10, -300, 320))
    assert "没有一组确定有效" in findings.nudge_decision(nothing, labels, 20)


def test_coupon_repeat_verdict_follows_the_randomised_ci():
    from opskit.abtest import TestResult

    def result(diff, low, high):
        return TestResult(0.5, 0.5 + diff, diff, low, high, 0.0, 0.5, "z")

    less = findings.coupon_repeat_verdict(result(-0.15, -0.22, -0.08), result(-0.03, -0.06, 0.0), outcome="复购率")
    assert "复购更少" in less and "观察对比与随机对比相差 12.0" in less
    more = findings.coupon_repeat_verdict(result(0.1, 0.02, 0.18), result(0.1, 0.05, 0.15), outcome="复购率")
    assert "复购反而更多" in more and "碰巧" in more
    same = findings.coupon_repeat_verdict(result(0.01, -0.05, 0.07), None, outcome="复购率")
    assert "误差范围内" in same and "观察对比" not in same
