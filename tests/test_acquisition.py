"""The three acquisition strategies: matched baseline (2B), routes (2C), all-staff referral (2b2C)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from opskit import acquisition
from opskit.errors import OpskitError
from opskit.sim import TRUTHS, load_demo

# --------------------------------------------------------------------------- 2B: matched baseline

def _panel(effect: float = 0.0, noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2025-01-06", periods=40, freq="W-MON")
    season = 100 + 20 * np.sin(np.arange(40) / 4)
    panel = pd.DataFrame({f"c{i}": (1 + 0.2 * i) * season * (1 + noise * rng.standard_normal(40))
                          for i in range(8)}, index=weeks)
    panel["t1"] = 3 * season
    panel.loc[weeks[30:35], "t1"] *= 1 + effect
    return panel


def test_matched_baseline_is_exact_without_noise():
    panel = _panel(effect=0.25)
    weeks = panel.index
    result = acquisition.matched_baseline(panel, ["t1"], weeks[30], weeks[35])
    expected = 0.25 * panel.loc[weeks[30:35], "t1"].sum() / 1.25
    assert result.incremental == pytest.approx(expected)
    assert result.lift == pytest.approx(0.25)
    assert result.std_error == pytest.approx(0, abs=1e-9)
    assert result.series.loc[result.series["in_campaign"], "actual"].sum() == pytest.approx(
        panel.loc[weeks[30:35], "t1"].sum())


def test_matched_baseline_interval_covers_a_noisy_truth():
    panel = _panel(effect=0.2, noise=0.03, seed=4)
    weeks = panel.index
    result = acquisition.matched_baseline(panel, ["t1"], weeks[30], weeks[35], n_matches=3)
    truth = 0.2 * 3 * (100 + 20 * np.sin(np.arange(30, 35) / 4)).sum()
    low, high = result.ci
    assert low < truth < high
    assert len(result.matches["t1"]) == 3


def test_matched_baseline_explains_impossible_designs():
    panel = _panel()
    with pytest.raises(OpskitError, match="对照单元"):
        acquisition.matched_baseline(panel, ["t1"], panel.index[30], panel.index[35], n_matches=20)
    with pytest.raises(OpskitError, match="没有实验单元"):
        acquisition.matched_baseline(panel, ["nowhere"], panel.index[30], panel.index[35])
    with pytest.raises(OpskitError, match="至少 4 期"):
        acquisition.matched_baseline(panel, ["t1"], panel.index[2], panel.index[5])


def test_cobrand_campaign_of_the_demo_is_recovered():
    signups = load_demo("city_signups")
    truth = TRUTHS["partners"]
    live = signups.dropna(subset=["cobrand_partner_id"])
    panel = signups.pivot(index="week", columns="city", values="new_users")
    result = acquisition.matched_baseline(panel, sorted(live["city"].unique()), live["week"].min(),
                                          live["week"].max() + pd.Timedelta(days=7))
    assert abs(result.incremental - truth["cobrand_expected_incremental_users"]) < 3 * result.std_error
    assert result.naive_before_after > result.ci[1]


# --------------------------------------------------------------------------- 2C: routes

def test_route_economics_matches_a_direct_count():
    reg = pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03", "2025-03-25", "2025-01-05"])
    users = pd.DataFrame({"user_id": ["u1", "u2", "u3", "u4", "u5"], "register_time": reg,
                          "channel_id": ["store", "feed", "feed", "feed", "invite"]})
    orders = pd.DataFrame({"user_id": ["u1", "u2", "u2", "u3", "u4", "u5"],
                           "order_time": pd.to_datetime(["2025-01-10", "2025-01-03", "2025-01-20",
                                                         "2025-02-20", "2025-03-28", "2025-01-12"])})
    routes = {"store": "终端", "feed": "媒体", "invite": "社交"}
    table = acquisition.route_economics(users, orders, routes, {"终端": 100, "媒体": 300, "社交": 10},
                                        as_of="2025-04-01")
    assert table.index.tolist() == ["终端", "媒体", "社交"]
    assert table.loc["媒体", "users"] == 3 and table.loc["媒体", "full_window"] == 2  # u4 is too recent
    assert table.loc["媒体", "retained"] == 1  # u2 on day 19; u3's order falls after day 30
    assert table.loc["终端", "retention_rate"] == 1.0  # u1 on day 9
    assert table.loc["社交", "retention_rate"] == 1.0  # day 7 counts: the window is [7, 30)
    assert table.loc["媒体", "cost_per_user"] == pytest.approx(100)


# --------------------------------------------------------------------------- 2b2C: staff

def test_staff_concentration_uses_the_methods_conventions():
    results = pd.DataFrame({"referred_users": [40, 30, 20, 10]})
    measured = acquisition.staff_concentration(results)
    assert measured["hhi"] == pytest.approx(3_000)
    assert measured["gini"] == pytest.approx(0.25)
    assert measured["equivalent_staff"] == pytest.approx(10_000 / 3_000)
    zeros = acquisition.staff_concentration(pd.DataFrame({"referred_users": [5, 0, 0, 0, 0]}))
    assert zeros["gini"] == pytest.approx(0.8) and zeros["zero_share"] == pytest.approx(0.8)
    with pytest.raises(OpskitError):
        acquisition.staff_concentration(pd.DataFrame({"referred_users": [0, 0]}))


def _staff_panel(seed: int = 0, eps: float = 0.6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, months, rates = 60, 8, np.array([0.03, 0.06, 0.1, 0.15])
    ability = rng.lognormal(0, 1.0, n)
    rate = np.stack([rng.permutation(np.resize(rates, n)) for _ in range(months)])
    gmv = rng.poisson(ability * (rate / 0.06) ** eps * 5).astype(float) * 20
    return pd.DataFrame({"month": np.repeat(pd.date_range("2025-01-01", periods=months, freq="MS"), n),
                         "staff_id": np.tile([f"e{i:03d}" for i in range(n)], months),
                         "department": "门店", "commission_rate": rate.ravel(),
                         "referred_users": (gmv.ravel() / 20).astype(int), "referred_gmv": gmv.ravel(),
                         "commission": rate.ravel() * gmv.ravel()})


def test_commission_elasticity_equals_a_poisson_glm_with_staff_fixed_effects():
    panel = _staff_panel()
    response = acquisition.commission_response(panel, gross_margin=0.3)
    dummies = pd.get_dummies(panel["staff_id"], dtype=float)
    design = pd.concat([np.log(panel["commission_rate"]).rename("log_rate"), dummies], axis=1)
    groups = pd.factorize(panel["staff_id"])[0]
    glm = sm.GLM(panel["referred_gmv"], design, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    n_clusters = len(np.unique(groups))
    assert response.elasticity == pytest.approx(glm.params["log_rate"], abs=1e-6)
    assert response.elasticity_se == pytest.approx(glm.bse["log_rate"] * np.sqrt(n_clusters / (n_clusters - 1)),
                                                   rel=1e-4)
    assert response.optimal_rate == pytest.approx(response.elasticity * 0.3 / (1 + response.elasticity))


def test_commission_optimum_maximises_the_fitted_margin_curve():
    response = acquisition.commission_response(_staff_panel(seed=2), gross_margin=0.25)
    grid = np.linspace(0.001, 0.25, 2_000)
    assert grid[np.argmax(response.margin_curve(grid))] == pytest.approx(response.optimal_rate, abs=2e-4)
    arms = response.arms
    assert arms["margin_per_staff_month"].tolist() == pytest.approx(
        ((arms["referred_gmv"] * 0.25 - arms["commission"]) / arms["staff_months"]).tolist())


def test_commission_response_needs_rates_that_vary_within_staff():
    panel = _staff_panel()
    fixed = panel.assign(commission_rate=panel.groupby("staff_id")["commission_rate"].transform("first"))
    with pytest.raises(OpskitError, match="轮换"):
        acquisition.commission_response(fixed, gross_margin=0.25)
    with pytest.raises(OpskitError, match="两档"):
        acquisition.commission_response(panel.assign(commission_rate=0.05), gross_margin=0.25)


def test_staff_programme_of_the_demo_recovers_the_planted_truths():
    truth = TRUTHS["staff"]
    referrals = load_demo("staff_referrals")
    results = acquisition.staff_results(referrals)
    assert results["referred_users"].sum() == referrals["referred_users"].sum()
    assert acquisition.staff_concentration(results)["gini"] == pytest.approx(truth["staff_ability_gini"], abs=0.03)
    response = acquisition.commission_response(referrals, gross_margin=truth["commission_gross_margin"])
    assert abs(response.elasticity - truth["commission_elasticity"]) < 3 * response.elasticity_se
    assert response.optimal_rate == pytest.approx(truth["commission_optimal_rate"], abs=0.01)


def test_channel_queries_match_pandas():
    users = load_demo("users")
    spend = load_demo("channel_spend")
    by_channel = acquisition.users_by_channel(users)
    assert by_channel.to_dict() == users["channel_id"].value_counts().to_dict()
    totals = acquisition.spend_by_channel(spend)
    expected = spend.groupby("channel_id")[["spend", "impressions", "clicks"]].sum()
    assert np.allclose(totals["spend"], expected["spend"].reindex(totals.index))
    assert totals["clicks"].tolist() == expected["clicks"].reindex(totals.index).tolist()
