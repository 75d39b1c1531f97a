"""Homepage slots: position bias, off-policy evaluation invariants (docs/methods.md#homepage) and the planted
truths of the demo company's impression log and slot table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit import homepage as hp
from opskit.data import engine
from opskit.errors import OpskitError
from opskit.sim import homepage as sim_homepage
from opskit.sim import homepage_log as sim_log
from opskit.sim import load_demo

THETA = np.array([1.0, 0.6, 0.4])
GAMMA = {"A1": 0.10, "B2": 0.06, "007": 0.04, "x-9": 0.08}  # opaque ids, one with leading zeros


def _random_log(n: int = 60_000, seed: int = 0) -> pd.DataFrame:
    """Identical items randomised across three positions with θ = (1, .6, .4)."""
    rng = np.random.default_rng(seed)
    items = np.array(list(GAMMA))
    item = items[rng.integers(0, len(items), n)]
    position = rng.integers(1, 4, n)
    p = THETA[position - 1] * pd.Series(item).map(GAMMA).to_numpy()
    return pd.DataFrame({"position": position, "creative_id": item, "click": (rng.random(n) < p).astype(int)})


def test_position_ctr_ratio_recovers_theta_on_randomised_placements():
    log = _random_log()
    table = hp.position_ctr(log)
    assert table["impressions"].sum() == len(log) and table["clicks"].sum() == log["click"].sum()
    se = np.sqrt(table["ctr"] * (1 - table["ctr"]) / table["impressions"]) / table["ctr"].iloc[0]
    assert (np.abs(table["relative_ctr"] - THETA) < 4 * se * 1.5 + 1e-12).all()


def test_examination_model_recovers_theta_and_equalises_corrected_ctr():
    log = _random_log(seed=1)
    model = hp.ExaminationModel(alpha=0.001).fit(log)
    ci = model.theta_ci_
    assert ((ci["ci_low"] <= THETA) & (THETA <= ci["ci_high"])).all()
    for item, gamma in GAMMA.items():
        assert model.item_rate_[item] == pytest.approx(gamma, rel=0.15)
    # IPS-corrected CTR is equal across slots: clicks / (θ_k · impressions) per position
    corrected = hp.position_ctr(log).assign(fixed=lambda t: t["ctr"] / model.theta_.to_numpy())
    assert corrected["fixed"].std() / corrected["fixed"].mean() < 0.05


def test_examination_model_needs_items_that_move():
    log = pd.DataFrame({"position": [1, 2] * 50, "creative_id": ["a", "b"] * 50, "click": [0, 1] * 50})
    with pytest.raises(OpskitError, match="随机轮播"):
        hp.ExaminationModel().fit(log)


def test_homepage_cells_query_matches_pandas():
    log = _random_log(500, seed=2).assign(gmv=lambda d: d["click"] * 12.5)
    out = hp.cells(log, gmv="gmv")
    expected = log.groupby(["position", "creative_id"]).agg(impressions=("click", "size"), clicks=("click", "sum"),
                                                            gmv=("gmv", "sum")).reset_index()
    expected = expected.sort_values(["position", "creative_id"]).reset_index(drop=True)
    assert out["item"].tolist() == expected["creative_id"].tolist()
    assert out["impressions"].tolist() == expected["impressions"].tolist()
    assert out["clicks"].tolist() == expected["clicks"].tolist()
    assert out["gmv"].tolist() == pytest.approx(expected["gmv"].tolist())


def test_slot_funnel_and_item_daily_queries_match_pandas():
    slots = load_demo("homepage_slots")
    funnel = engine.run("slot_funnel", homepage_slots=slots)
    expected = slots.groupby(["slot_id", "position"])[["impressions", "clicks", "orders", "gmv"]].sum().reset_index()
    assert funnel["clicks"].tolist() == expected.sort_values("position")["clicks"].tolist()
    theta = pd.Series([1.0, 0.5, 0.25, 0.2, 0.1], index=[1, 2, 3, 4, 5])
    daily = hp.item_daily(slots, theta, click="clicks", impressions="impressions")
    one = slots[slots["creative_id"] == "C03"]
    first = one["date"].min()
    by_day = one.assign(ex=one["impressions"] * one["position"].map(theta)).groupby("date")[["impressions", "ex", "clicks"]].sum()
    mine = daily[daily["item"] == "C03"].set_index("date")
    assert mine["examined"].to_numpy() == pytest.approx(by_day["ex"].to_numpy())
    assert mine["age_days"].tolist() == ((by_day.index - first).days).tolist()


def test_gpm_closed_form():
    assert hp.gpm(50_000, 2_000_000) == pytest.approx(25.0)  # docs/methods.md#homepage
    assert np.isnan(hp.gpm(10.0, 0))


# --- off-policy evaluation -------------------------------------------------------------------------


def test_ipw_of_the_logging_policy_on_its_own_log_is_the_mean_reward():
    rng = np.random.default_rng(3)
    propensity = rng.uniform(0.05, 0.9, 1000)
    reward = rng.random(1000) < 0.2
    assert hp.ipw_value(reward, propensity, propensity) == reward.mean()
    assert hp.snipw_value(reward, propensity, propensity) == pytest.approx(reward.mean(), abs=1e-15)


def test_snipw_of_a_uniform_target_on_a_uniform_log_is_the_mean_reward():
    rng = np.random.default_rng(4)
    reward = rng.exponential(3.0, 500)
    uniform = np.full(500, 1 / 8)
    assert hp.snipw_value(reward, uniform, uniform) == pytest.approx(reward.mean(), rel=1e-12)


def test_dr_reduces_to_ipw_with_a_zero_model_and_to_the_model_with_a_perfect_one():
    rng = np.random.default_rng(5)
    n = 2000
    p, q = rng.uniform(0.1, 0.9, n), rng.uniform(0, 1, n)
    r = rng.random(n)
    zeros = np.zeros(n)
    assert hp.dr_value(r, p, q, zeros, zeros) == pytest.approx(hp.ipw_value(r, p, q))
    # rewards equal to the model's prediction: DR returns the model's target value exactly
    assert hp.dr_value(r, p, q, r, zeros + 0.3) == pytest.approx(0.3)


def test_ope_refuses_missing_or_zero_propensities():
    with pytest.raises(OpskitError, match="倾向分"):
        hp.ipw_value([1, 0], [0.5, np.nan], [0.5, 0.5])
    with pytest.raises(OpskitError, match="倾向分"):
        hp.snipw_value([1, 0], [0.0, 0.5], [0.5, 0.5])


def test_policy_tables_and_lookup():
    uniform = hp.uniform_policy(["a", "b", "c", "d"], [1, 2])
    assert np.allclose(uniform.sum(axis=1), 1.0)
    ranking = hp.ranking_policy(["c", "a"], [1, 2])
    got = hp.policy_propensity(ranking, [1, 1, 2, 2], ["c", "a", "a", "zzz"])
    assert got.tolist() == [1.0, 0.0, 1.0, 0.0]


# --- planted truths of the demo data -------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_log() -> pd.DataFrame:
    return load_demo("homepage_impressions")


def test_demo_log_position_bias_is_recovered(demo_log):
    model = hp.ExaminationModel(alpha=0.01).fit(demo_log)
    for k, theta in sim_log.TRUTHS["log_position_bias"].items():
        assert model.theta_ci_.loc[k, "ci_low"] <= theta <= model.theta_ci_.loc[k, "ci_high"], k
    assert model.item_rate_.idxmax() == sim_log.TRUTHS["best_creative_by_ctr"]


def test_demo_log_propensities_are_the_logging_policy(demo_log):
    policy = sim_log.logging_policy()
    assert np.allclose(policy.sum(axis=1), 1.0) and np.allclose(policy.sum(axis=0).sum(), 3.0)
    looked_up = hp.policy_propensity(policy, demo_log["position"], demo_log["creative_id"])
    assert np.allclose(looked_up, demo_log["propensity"], atol=1e-9)
    shares = demo_log.groupby(["position", "creative_id"]).size().unstack() / (len(demo_log) / 3)
    assert np.abs(shares.to_numpy() - policy.to_numpy()).max() < 0.02


@pytest.mark.parametrize("target", ["uniform", "ops_ranking", "gpm_ranking"])
def test_demo_off_policy_estimates_cover_the_true_value(demo_log, target):
    items = sorted(sim_homepage.CREATIVES["creative_id"])
    positions = [1, 2, 3]
    policies = {"uniform": hp.uniform_policy(items, positions),
                "ops_ranking": hp.ranking_policy(["C01", "C04", "C03"], positions),
                "gpm_ranking": hp.ranking_policy(["C02", "C06", "C08"], positions)}
    policy = policies[target]
    truth = sim_log.true_value(policy)
    model = hp.ExaminationModel().fit(demo_log)
    q = hp.policy_propensity(policy, demo_log["position"], demo_log["creative_id"])
    reward_hat = model.predict(demo_log["position"], demo_log["creative_id"])
    target_hat = demo_log["position"].map(hp.expected_reward(policy, model)).to_numpy()
    table = hp.ope_summary(demo_log["click"], demo_log["propensity"], q, reward_hat, target_hat)
    for estimator in ("ipw", "snipw", "dr"):
        assert table.loc[estimator, "ci_low"] < truth < table.loc[estimator, "ci_high"], estimator


def test_demo_log_fatigue_is_recovered(demo_log):
    model = hp.ExaminationModel().fit(demo_log)
    result = hp.fatigue(hp.item_daily(demo_log, model.theta_))
    planted = sim_log.TRUTHS["creative_fatigue_per_day"]
    kappa_low, kappa_high = result["kappa"] - 4 * result["se"], result["kappa"] + 4 * result["se"]
    assert kappa_low < -planted < kappa_high and result["kappa"] < 0


def test_demo_slots_best_creative_after_correction():
    slots = load_demo("homepage_slots")
    model = hp.ExaminationModel().fit(slots, click="clicks", impressions="impressions")
    table = hp.item_performance(slots, model.theta_, click="clicks", impressions="impressions", gmv="gmv")
    assert table.index[0] == sim_homepage.TRUTHS["best_creative"]
    assert table["ctr"].idxmax() == sim_homepage.TRUTHS["highest_ctr_creative"]
    no_fatigue = hp.fatigue(hp.item_daily(slots, model.theta_, click="clicks", impressions="impressions"))
    assert no_fatigue["decay_ci"][0] < 0 < no_fatigue["decay_ci"][1]  # nothing planted in homepage_slots
