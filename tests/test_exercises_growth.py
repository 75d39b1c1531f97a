"""Exercise checks of chapters 12 and 13: right answers pass, usual mistakes get their hint,
and nothing a learner types makes a check raise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit import acquisition, growth
from opskit.course.exercises import growth as ch12
from opskit.course.exercises import secondcurve as ch13
from opskit.sim import load_demo

WEIRD = [None, ..., "abc", float("nan"), pd.DataFrame({"a": [1]}), [1, 2], -1e9]


@pytest.fixture(scope="module")
def demo():
    return {name: load_demo(name) for name in ("partner_monthly", "staff_referrals", "users", "referrals",
                                                "business_lines", "rollout", "paid_memberships")}


def _said(capsys) -> str:
    return capsys.readouterr().out


def test_break_even_share(demo, capsys):
    pm = demo["partner_monthly"]
    rows = pm[pm["partner_id"] == "P03"]
    gmv = rows["gmv"].sum()
    assert ch12.break_even_share((gmv * 0.25 - rows["support_cost"].sum()) / gmv, pm, "P03", 0.25)
    assert not ch12.break_even_share(0.25, pm, "P03", 0.25)
    assert "支持费用" in _said(capsys)
    assert not ch12.break_even_share(rows["commission"].sum() / gmv, pm, "P03", 0.25)
    assert "实际的分润比例" in _said(capsys)


def test_butterfly_total(capsys):
    k = 0.6
    assert ch12.butterfly_total(1000 * (1 - k ** 6) / (1 - k), 1000, k, 5)
    assert not ch12.butterfly_total(1000 * (1 - k ** 5) / (1 - k), 1000, k, 5)
    assert "少算了一代" in _said(capsys)
    assert not ch12.butterfly_total(1000 / (1 - k), 1000, k, 5)
    assert "上限" in _said(capsys)


def test_network_output(capsys):
    openings, ramp = [2, 0, 3, 1, 0, 2], [10, 25, 35, 40]
    assert ch12.network_output(255, openings, ramp, 6)
    no_plateau = float(np.convolve(openings, ramp)[5])
    assert not ch12.network_output(no_plateau, openings, ramp, 6)
    assert "成熟" in _said(capsys)
    assert not ch12.network_output(8 * 40, openings, ramp, 6)
    assert "爬坡" in _said(capsys)


def test_top20_share(demo, capsys):
    staff = demo["staff_referrals"]
    totals = acquisition.staff_results(staff)["referred_users"].sort_values(ascending=False)
    assert ch12.top20_share(totals.iloc[:48].sum() / totals.sum(), staff)
    assert not ch12.top20_share(0.2, staff)
    assert "人数占比" in _said(capsys)
    assert not ch12.top20_share(totals.iloc[-48:].sum() / totals.sum(), staff)
    assert "最少" in _said(capsys)


def test_optimal_commission(capsys):
    assert ch12.optimal_commission(0.5 * 0.25 / 1.5, 0.5, 0.25)
    assert not ch12.optimal_commission(0.125, 0.5, 0.25)
    out = _said(capsys)
    assert "1 + ε" in out or "ε = 1" in out
    assert not ch12.optimal_commission(8.3, 0.5, 0.25)
    assert "小数" in _said(capsys)


def test_peak_time_and_ols(capsys):
    p, q = 0.03, 0.38
    assert ch13.peak_time(np.log(q / p) / (p + q), p, q)
    assert not ch13.peak_time(np.log(p / q) / (p + q), p, q)
    assert "颠倒" in _said(capsys)
    n = growth.BASS_EXAMPLE.to_numpy(dtype=float)
    assert ch13.ols_p(growth.bass_ols(n)["p"], n)
    nls = growth.BassModel().fit(growth.BASS_EXAMPLE.index, n).params_["p"]
    assert not ch13.ols_p(nls, n)
    assert "NLS" in _said(capsys)


def test_bcg_checks(demo, capsys):
    summary = growth.business_line_summary(demo["business_lines"])
    row = summary.loc["L2"]
    assert ch13.relative_share(row["own_share"] / row["largest_rival_share"], summary, "L2")
    assert not ch13.relative_share(row["own_share"], summary, "L2")
    assert "绝对份额" in _said(capsys)
    truth = growth.bcg_matrix(summary)["quadrant"]
    assert ch13.quadrants(truth.to_dict(), summary)
    wrong = truth.copy()
    wrong["L2"] = "明星"  # question mark called a star: relative share misread
    assert not ch13.quadrants(wrong, summary)
    assert "相对份额" in _said(capsys)
    assert not ch13.quadrants(truth.drop("L1"), summary)
    assert "缺少业务线" in _said(capsys)


def test_membership_and_guardrail(demo, capsys):
    members = demo["paid_memberships"]
    active = int((members["churned"] == 0).sum())
    assert ch13.membership_fee_line(round(active * 19.9, 2), members, 19.9)
    assert not ch13.membership_fee_line(len(members) * 19.9, members, 19.9)
    assert "流失" in _said(capsys)
    rollout = demo["rollout"]
    stage = rollout[rollout["stage"] == "第3阶段"].groupby("variant")["main_revenue"].mean()
    assert ch13.guardrail_change(stage["treatment"] / stage["control"] - 1, rollout, "第3阶段")
    assert not ch13.guardrail_change(stage["control"] / stage["treatment"] - 1, rollout, "第3阶段")
    assert "方向反了" in _said(capsys)


@pytest.mark.parametrize("answer", WEIRD, ids=repr)
def test_no_check_raises_on_weird_answers(demo, answer):
    summary = growth.business_line_summary(demo["business_lines"])
    calls = [
        lambda a: ch12.break_even_share(a, demo["partner_monthly"], "P03", 0.25),
        lambda a: ch12.butterfly_total(a, 1000, 0.1, 5),
        lambda a: ch12.network_output(a, [1, 2], [3.0, 4.0], 2),
        lambda a: ch12.top20_share(a, demo["staff_referrals"]),
        lambda a: ch12.optimal_commission(a, 0.5, 0.25),
        lambda a: ch13.peak_time(a, 0.03, 0.38),
        lambda a: ch13.ols_p(a, growth.BASS_EXAMPLE.to_numpy(dtype=float)),
        lambda a: ch13.relative_share(a, summary, "L2"),
        lambda a: ch13.quadrants(a, summary),
        lambda a: ch13.membership_fee_line(a, demo["paid_memberships"], 19.9),
        lambda a: ch13.guardrail_change(a, demo["rollout"], "第3阶段"),
    ]
    for call in calls:
        assert call(answer) is False
