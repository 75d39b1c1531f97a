"""Planted truths of the richer core world: cart abandoners among new users, and user-level click-rate
heterogeneity that makes the per-pageview test too confident (the delta-method trap)."""

from __future__ import annotations

import pandas as pd
import pytest

from opskit import abtest
from opskit.sim import TRUTHS, load_demo


@pytest.fixture(scope="module")
def demo():
    return {name: load_demo(name) for name in ("users", "orders", "events", "assignments")}


def test_new_users_abandon_carts(demo):
    users, events, orders = demo["users"], demo["events"], demo["orders"]
    reg = users.set_index("user_id")["register_time"]
    age = events["event_time"] - events["user_id"].map(reg)
    week = events.loc[(age >= pd.Timedelta(0)) & (age < pd.Timedelta(days=7))]
    carted = set(week.loc[week["event_type"] == "add_to_cart", "user_id"])
    first = orders.groupby("user_id")["order_time"].min()
    ordered = set(first.index[(first - first.index.map(reg)) < pd.Timedelta(days=7)])
    abandoners = carted - ordered
    assert TRUTHS["behaviour"]["first_week_cart_share_of_sessions"] > 0
    assert len(abandoners) > 0.1 * len(users)  # the 临门一脚 audience exists


def test_per_pageview_test_understates_the_click_rate_uncertainty(demo):
    truth = TRUTHS["experiments"]["experiments"]["exp_cart_recommend"]
    assert truth["ctr_user_concentration"] < 10  # strong user-level heterogeneity is planted
    a = demo["assignments"]
    g = a[a["experiment_id"] == "exp_cart_recommend"]
    c, t = g[g["variant"] == "control"], g[g["variant"] == "treatment"]
    naive = abtest.proportions_ztest(c["clicks"].sum(), c["pageviews"].sum(), t["clicks"].sum(), t["pageviews"].sum())
    delta = abtest.ratio_metric_test(c["clicks"], c["pageviews"], t["clicks"], t["pageviews"])
    assert (delta.ci_high - delta.ci_low) > 1.5 * (naive.ci_high - naive.ci_low)
    assert delta.pvalue > naive.pvalue
    assert c["clicks"].sum() / c["pageviews"].sum() == pytest.approx(truth["ctr_control"], rel=0.15)
