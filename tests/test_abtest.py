"""A/B toolkit against docs/methods.md#ab-testing oracles, statsmodels/scipy, and the demo experiments."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.proportion import proportions_ztest as sm_ztest

from opskit import abtest
from opskit.sim import TRUTHS, load_demo


@pytest.mark.parametrize("variant, n", [("pooled", 14751), ("unpooled", 14749), ("continuity", 14951),
                                        ("cohen_h", 14745), ("rule_of_thumb", 14400)])
def test_sample_size_proportions_oracles(variant, n):
    assert abtest.sample_size_proportions(0.10, 0.11, variant=variant) == n


def test_sample_size_means_cohen_table():
    assert abtest.sample_size_means(0.5) == 64
    assert abtest.sample_size_means(0.5, exact=False) == 63
    n = TTestIndPower().solve_power(effect_size=0.5, alpha=0.05, power=0.8)
    assert abtest.sample_size_means(0.5) == int(np.ceil(n))


def test_power_and_mde_invert_sample_size():
    n = abtest.sample_size_proportions(0.10, 0.11)
    assert abtest.power_proportions(0.10, 0.11, n) == pytest.approx(0.8, abs=1e-4)
    assert abtest.mde_proportions(0.10, 14750.79) == pytest.approx(0.01, abs=1e-5)


def test_ztest_oracle_and_statsmodels():
    r = abtest.proportions_ztest(200, 2000, 250, 2000)
    assert r.statistic == pytest.approx(2.502, abs=5e-4)
    assert r.pvalue == pytest.approx(0.0124, abs=1e-4)
    z, p = sm_ztest([250, 200], [2000, 2000])
    assert r.statistic == pytest.approx(z, abs=1e-9) and r.pvalue == pytest.approx(p, abs=1e-9)
    lo, hi = confint_proportions_2indep(250, 2000, 200, 2000, method="wald", compare="diff")
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), abs=1e-9)
    chi2 = stats.chi2_contingency([[200, 1800], [250, 1750]], correction=False)[0]
    assert r.statistic**2 == pytest.approx(chi2, rel=1e-9)


def test_welch_matches_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(10, 2, 300), rng.normal(10.5, 4, 200)
    r = abtest.welch_ttest(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert r.statistic == pytest.approx(ref.statistic, abs=1e-9)
    assert r.pvalue == pytest.approx(ref.pvalue, abs=1e-9)
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high), abs=1e-6)


def test_welch_equals_student_for_equal_n_and_sd():
    a = np.array([1.0, 2, 3, 4, 5])
    b = a + 1.5
    r = abtest.welch_ttest(a, b)
    assert r.pvalue == pytest.approx(stats.ttest_ind(b, a).pvalue, abs=1e-12)
    assert "df=8.0" in r.method


def test_delta_method_reduces_to_mean_variance_and_matches_bootstrap():
    y = np.random.default_rng(2).normal(size=500)
    assert abtest.delta_method_variance(y, np.ones(500)) == pytest.approx(y.var(ddof=1) / 500, rel=1e-12)
    rng = np.random.default_rng(3)
    views = rng.poisson(5, 2000) + 1
    clicks = rng.binomial(views, 0.1)
    boot = [clicks[i].sum() / views[i].sum() for i in rng.integers(0, 2000, (1000, 2000))]
    assert abtest.delta_method_variance(clicks, views) == pytest.approx(np.var(boot), rel=0.15)


def test_srm_oracles():
    r = abtest.srm_test([821_588, 815_482])
    assert r.chi2 == pytest.approx(22.77, abs=0.01) and r.pvalue == pytest.approx(1.8e-6, rel=0.05)
    assert r.is_srm
    assert abtest.srm_test([44_000, 45_000]).pvalue == pytest.approx(0.0008, abs=5e-5)
    assert abtest.srm_test([600, 400]).pvalue == pytest.approx(2.54e-10, rel=0.01)


def test_srm_flags_only_the_planted_experiment():
    a = load_demo("assignments")
    exps = load_demo("experiments").set_index("experiment_id")
    flagged = set()
    for exp_id, g in a.groupby("experiment_id"):
        counts = g["variant"].value_counts().reindex(["control", "treatment"])
        share = exps.loc[exp_id, "treatment_share"]
        if abtest.srm_test(counts, [1 - share, share]).is_srm:
            flagged.add(exp_id)
    assert flagged == {TRUTHS["experiments"]["srm_experiment"]}


BH_P = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
        0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]


@pytest.mark.parametrize("method, sm, k", [("bh", "fdr_bh", 4), ("holm", "holm", 3), ("bonferroni", "bonferroni", 3)])
def test_multiple_testing_bh_example(method, sm, k):
    shuffled = np.random.default_rng(4).permutation(BH_P)
    adj = abtest.adjust_pvalues(shuffled, method)
    assert (adj <= 0.05).sum() == k
    np.testing.assert_allclose(adj, multipletests(shuffled, 0.05, sm)[1], atol=1e-12)
    if method == "bh":
        np.testing.assert_allclose(np.sort(adj)[:5], [0.0015, 0.0030, 0.0095, 0.0356, 0.0603], atol=1e-4)


def test_cuped_oracle():
    rng = np.random.default_rng(5)
    x = rng.normal(size=200_000)
    y = x + rng.normal(size=200_000)
    c = abtest.Cuped().fit(x, y)
    assert c.theta_ == pytest.approx(1, abs=0.01)
    assert c.variance_reduction_ == pytest.approx(c.rho_**2, abs=1e-3)
    assert 1 - c.variance_reduction_ == pytest.approx(0.5, abs=0.01)
    assert c.adjust(x, y).mean() == pytest.approx(y.mean(), abs=1e-12)
    z = rng.normal(size=200_000)
    assert abs(abtest.Cuped().fit(z, y).theta_) < 0.01


def test_cuped_reduces_variance_on_the_planted_experiment():
    a = load_demo("assignments")
    g = a[a["experiment_id"] == TRUTHS["experiments"]["cuped_experiment"]]
    c = abtest.Cuped().fit(g["pre_revenue"], g["revenue"])
    assert c.variance_reduction_ > 0.3
    assert c.variance_reduction_ == pytest.approx(c.rho_**2, abs=1e-9 + 0.01)
    t = g["variant"] == "treatment"
    adj = c.adjust(g["pre_revenue"], g["revenue"])
    raw, cv = abtest.welch_ttest(g.loc[~t, "revenue"], g.loc[t, "revenue"]), abtest.welch_ttest(adj[~t], adj[t])
    assert (cv.ci_high - cv.ci_low) < (raw.ci_high - raw.ci_low)


def test_peeking_inflates_false_positives():
    r = abtest.simulate_peeking(n_sims=2000, looks=20, seed=0)
    assert r.false_positive_final == pytest.approx(0.05, abs=0.015)
    assert r.false_positive_peeking > 0.15
    assert np.all(np.diff(r.cumulative) >= 0)


def test_exercise_checks_name_the_usual_mistake(capsys):
    from opskit.course.exercises import abtest as check

    a = load_demo("assignments")
    n = abtest.sample_size_proportions(0.2, 0.22)
    assert check.sample_size(n, 0.2, 0.22)
    assert not check.sample_size(2 * n, 0.2, 0.22)
    assert "每组" in capsys.readouterr().out
    g = a[a["experiment_id"] == "exp_detail_page"]
    rate = g.groupby("variant")["converted"].mean()
    assert not check.conversion_lift(rate["treatment"] / rate["control"] - 1, a, "exp_detail_page")
    assert "相对提升" in capsys.readouterr().out
    c = a[(a["experiment_id"] == "exp_cart_recommend") & (a["variant"] == "control")]
    assert not check.cuped_theta(abtest.Cuped().fit(c["pre_revenue"], c["revenue"]).theta_, a, "exp_cart_recommend")
    assert "两组合并" in capsys.readouterr().out
    p0, p1 = {"uv": 100_000, "cr": 0.02, "aov": 200}, {"uv": 120_000, "cr": 0.018, "aov": 220}
    assert check.sequential_contribution(-48_000, p0, p1, ["uv", "cr", "aov"], "cr")
    assert not check.sequential_contribution(-45_992.07, p0, p1, ["uv", "cr", "aov"], "cr")
    assert "LMDI" in capsys.readouterr().out
    assert check.bh_rejections(4, BH_P) and not check.bh_rejections(3, BH_P)
    assert "Bonferroni" in capsys.readouterr().out


def test_incentive_arms_economics_oracle():
    # control 20/100; reminder 30/100 (send 0.1 each); coupon arm 45/100 with a 10-yuan coupon
    arm = ["control"] * 100 + ["reminder"] * 100 + ["coupon"] * 100
    y = [1] * 20 + [0] * 80 + [1] * 30 + [0] * 70 + [1] * 45 + [0] * 55
    value = [0.0] * 200 + [10.0] * 100
    out = abtest.incentive_arms(y, arm, value, send_cost=0.1, order_value=20.0)
    assert list(out.index) == ["coupon", "reminder"]  # sorted, control excluded
    r, c = out.loc["reminder"], out.loc["coupon"]
    z = abtest.proportions_ztest(20, 100, 30, 100)
    assert r["diff"] == pytest.approx(0.10) and r["ci_low"] == pytest.approx(z.ci_low)
    assert r["pvalue"] == pytest.approx(z.pvalue)
    assert r["incremental_orders"] == pytest.approx(10.0)
    assert r["cost"] == pytest.approx(10.0) and r["cost_per_incremental_order"] == pytest.approx(1.0)
    assert r["net_value"] == pytest.approx(10 * 20 - 10)
    assert c["cost"] == pytest.approx(10.0 + 45 * 10.0)  # every converter redeems, wanted or not
    assert c["cost_per_incremental_order"] == pytest.approx(460 / 25)
    assert c["net_value"] == pytest.approx(25 * 20 - 460)
    # net per user = m(pa - pc) - s - v pa: its CI follows from the two rates' variances
    se = 100 * np.sqrt((20 - 10) ** 2 * 0.45 * 0.55 / 100 + 20 ** 2 * 0.2 * 0.8 / 100)
    assert c["net_ci_high"] - c["net_ci_low"] == pytest.approx(2 * 1.959964 * se, rel=1e-5)


def test_incentive_arms_no_increment_has_no_cost_per_order_and_needs_a_control():
    out = abtest.incentive_arms([1, 0, 1, 0], ["control", "control", "reminder", "reminder"], send_cost=1.0,
                                order_value=5.0)
    assert np.isnan(out.loc["reminder", "cost_per_incremental_order"])
    with pytest.raises(ValueError):
        abtest.incentive_arms([1, 0], ["a", "b"])
