"""Planted truths of the richer core world: cart abandoners among new users, user-level click-rate
heterogeneity that makes the per-pageview test too confident (the delta-method trap), the cart-reminder
experiment's 临门一脚 effect and the coupon chasers who do not reorder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit import abtest
from opskit.sim import TRUTHS, load_demo
from opskit.sim.truths import coupon_repeat_table


@pytest.fixture(scope="module")
def demo():
    return {name: load_demo(name) for name in ("users", "orders", "events", "assignments", "cart_reminders",
                                               "coupon_experiment")}


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


def test_cart_reminder_experiment_is_randomised_and_matches_the_orders(demo):
    truth = TRUTHS["reminders"]
    nudge, orders = demo["cart_reminders"], demo["orders"]
    assert set(nudge["arm"]) == set(truth["cart_reminder_arms"])
    assert nudge["user_id"].is_unique and len(nudge) > 500
    assert not abtest.srm_test(nudge["arm"].value_counts().to_numpy()).is_srm
    assert (nudge["sent_time"] - nudge["cart_time"] == pd.Timedelta(hours=truth["cart_reminder_delay_hours"])).all()
    # the cart is the user's first add_to_cart in the event log (the reminders replay the event draws)
    events = demo["events"]
    carts = events[events["event_type"] == "add_to_cart"].groupby("user_id")["event_time"].min()
    assert (carts.reindex(nudge["user_id"]).to_numpy() == nudge["cart_time"].to_numpy()).all()
    # converted is exactly "an order within the outcome window", and no order came before the message
    o = orders.merge(nudge[["user_id", "sent_time"]], on="user_id")
    assert (o["order_time"] >= o["sent_time"]).all()
    window = o["order_time"] < o["sent_time"] + pd.Timedelta(days=truth["cart_reminder_outcome_days"])
    ordered = nudge["user_id"].isin(o.loc[window, "user_id"])
    assert (ordered.astype(int) == nudge["converted"]).all()
    with_coupon = nudge["coupon_value"] > 0
    assert (nudge.loc[with_coupon, "arm"] == "reminder_coupon").all() and with_coupon.any()


@pytest.mark.parametrize("arm", ["reminder", "reminder_coupon"])
def test_cart_reminder_recovers_the_planted_persuasion(demo, arm):
    share = TRUTHS["reminders"]["cart_reminder_persuaded_share"][arm]
    nudge = demo["cart_reminders"]
    c, t = nudge[nudge["arm"] == "control"]["converted"], nudge[nudge["arm"] == arm]["converted"]
    test = abtest.proportions_ztest(c.sum(), len(c), t.sum(), len(t), alpha=0.01)
    planted = share * (1 - c.mean())  # expected lift in percentage points / 100
    assert test.ci_low <= planted <= test.ci_high
    assert test.ci_low > 0  # the demo detects both effects


def test_coupon_acquired_first_buyers_reorder_less_by_the_planted_share(demo):
    share = TRUTHS["purchases"]["coupon_chaser_share"]
    world = {"orders": demo["orders"], "coupon_experiment": demo["coupon_experiment"]}
    table = coupon_repeat_table(world)
    # Users nudged by a cart reminder may owe their first order to it: leave them out for a clean test.
    nudged = demo["cart_reminders"].loc[demo["cart_reminders"]["arm"] != "control", "user_id"]
    table = table[~table.index.isin(nudged)]
    c, t = table.loc[table["treated"] == 0, "repeated"], table.loc[table["treated"] == 1, "repeated"]
    test = abtest.proportions_ztest(c.sum(), len(c), t.sum(), len(t), alpha=0.01)
    planted = -share * c.mean()
    assert test.ci_low <= planted <= test.ci_high
    assert test.ci_high < 0


def test_churn_action_list_recovers_the_planted_drivers(demo):
    """Each planted driver leaves its own trace, so the action list gives different reasons and,
    among churners of a driver, mostly that driver's feature (opskit.sim.churn_drivers)."""
    from opskit.churn import ChurnModel, build_snapshots
    from opskit.sim import churn_drivers
    from opskit.sim.config import DEMO_SEED, WorldConfig
    from opskit.sim.world import DEMO_N_USERS

    truth = TRUTHS["churn_drivers"]
    assert set(truth["churn_driver_shares"]) == set(churn_drivers.DRIVERS)
    orders, events = demo["orders"], demo["events"]
    h, test_t0 = 60, pd.Timestamp("2025-11-01")
    train = build_snapshots(orders, [test_t0 - pd.Timedelta(days=h + 61 * i) for i in (2, 1, 0)], h,
                            events=events, as_of="2026-01-01")
    test = build_snapshots(orders, [test_t0], h, events=events, as_of="2026-01-01")
    model = ChurnModel().fit(train)
    actions = model.action_list(test, 0.2)  # a fifth (chapter 06 lists a tenth): enough churners per driver
    assert actions["main_feature"].value_counts(normalize=True).iloc[0] < 0.8  # not one reason for all
    drawn = churn_drivers.drawn_drivers(WorldConfig(n_users=DEMO_N_USERS, seed=DEMO_SEED))
    churned = test.set_index("user_id")["churn"]
    listed = actions[actions["user_id"].map(churned) == 1].copy()
    listed["driver"] = [churn_drivers.DRIVERS[drawn[int(u) - 1]] for u in listed["user_id"]]
    contrib = model.contributions(test.set_index("user_id").loc[listed["user_id"]].reset_index())
    top_two = [set(row.nlargest(2).index) for _, row in contrib.iterrows()]
    recovered = {}
    for driver, features in churn_drivers.DRIVER_FEATURES.items():
        group = (listed["driver"] == driver).to_numpy()
        assert group.sum() >= 20, driver
        recovered[driver] = (listed.loc[group, "main_feature"].isin(features).mean(),
                             np.mean([bool(t & set(features)) for t, g in zip(top_two, group) if g]))
    # Complaints and silence are the main reason for most of their churners. Coupon reliance is a
    # bounded share and weaker than the overdue interval of a customer already gone: it is one of
    # the two largest pushes for most price churners, and the main reason more often than for others.
    assert recovered["service"][0] > 0.5 and recovered["fade"][0] > 0.6, recovered
    assert recovered["price"][1] > 0.6, recovered
    coupon_main = listed["main_feature"] == "coupon_share_90d"
    assert coupon_main[listed["driver"] == "price"].mean() >= coupon_main[listed["driver"] != "price"].mean()


def test_habit_clusters_recover_the_planted_shopper_types(demo):
    """Chapter 02's k-means on order habits picks the planted number of types and matches them."""
    from sklearn.metrics import adjusted_rand_score

    from opskit import segments
    from opskit.sim import shoppers
    from opskit.sim.config import DEMO_SEED, WorldConfig
    from opskit.sim.world import DEMO_N_USERS

    truth = TRUTHS["shoppers"]
    orders = demo["orders"]
    as_of = orders["order_time"].max().normalize() + pd.Timedelta(days=1)
    habits = segments.order_habits(orders, as_of=as_of, window_days=365, min_orders=shoppers.HABIT_MIN_ORDERS)
    features = habits[list(segments.HABIT_FEATURES)]
    table = segments.choose_k(features, ks=range(2, 9), seed=0)
    best = int(table.loc[table["silhouette"].idxmax(), "k"])
    assert best == truth["shopper_type_k"]
    assert table["silhouette"].max() > 0.5
    clusters = segments.BehaviourClusters(k=best, seed=0).fit(features)
    planted = shoppers.drawn_types(WorldConfig(n_users=DEMO_N_USERS, seed=DEMO_SEED))
    planted = planted[habits.index.astype("int64") - 1]
    assert adjusted_rand_score(planted, clusters.labels_) >= truth["cluster_recovery_ari_floor"]
