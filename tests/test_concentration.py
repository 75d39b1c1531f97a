"""Concentration measures against docs/methods.md#concentration oracles and invariants."""

import numpy as np
import pytest

from opskit.concentration import gini, hhi, lorenz_curve, top_k_share, top_share


def test_published_hhi_and_gini_example():
    shares = [40, 30, 20, 10]
    assert hhi(shares) == pytest.approx(3000)
    assert gini(shares) == pytest.approx(0.25)


def test_equal_shares_and_monopoly():
    assert hhi([1] * 5) == pytest.approx(2000)
    assert gini([1] * 5) == pytest.approx(0)
    assert hhi([0, 0, 0, 0, 7]) == pytest.approx(10_000)
    assert gini([0, 0, 0, 0, 7]) == pytest.approx(0.8)  # (n-1)/n


def test_gini_matches_the_pairwise_definition():
    x = np.random.default_rng(1).lognormal(size=300)
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size ** 2 * x.mean())
    assert gini(x) == pytest.approx(pairwise)


def test_invariant_to_permutation_and_scale():
    x = np.random.default_rng(2).pareto(1.5, size=50) + 1
    for f in (gini, hhi, lambda v: top_share(v, 0.2)):
        assert f(x) == pytest.approx(f(x[::-1]))
        assert f(x) == pytest.approx(f(3.7 * x))


def test_top_shares():
    x = [50, 20, 10, 10, 5, 5, 0, 0, 0, 0]
    assert top_share(x, 0.2) == pytest.approx(0.7)
    assert top_k_share(x, 1) == pytest.approx(0.5)
    assert top_k_share(x, len(x)) == pytest.approx(1.0)


def test_lorenz_curve_ends_and_area_give_gini():
    x = np.random.default_rng(3).lognormal(size=1000)
    units, total = lorenz_curve(x)
    assert (units[0], total[0], units[-1], total[-1]) == (0, 0, 1, pytest.approx(1))
    assert np.all(np.diff(total) >= 0)
    area = np.trapezoid(total, units)
    assert 1 - 2 * area == pytest.approx(gini(x), abs=1e-9)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError):
        gini([])
    with pytest.raises(ValueError):
        hhi([1, -1])


# --- equivalent number, bands, summary (docs/methods.md#concentration) ---------------------------------------

from opskit import concentration  # noqa: E402


def test_eight_firm_example_and_equivalent_number():
    shares = [10, 9, 12, 15, 12, 11, 15, 16]
    assert hhi(shares) == pytest.approx(1296)
    assert concentration.equivalent_number([40, 30, 20, 10]) == pytest.approx(10_000 / 3000)
    assert concentration.equivalent_number([1] * 7) == pytest.approx(7)
    assert concentration.equivalent_number([0, 0, 5]) == pytest.approx(1)


def test_hhi_bands_follow_the_guidelines():
    assert concentration.hhi_band(1296) == "unconcentrated"
    assert concentration.hhi_band(2000) == "moderately_concentrated"
    assert concentration.hhi_band(3000) == "highly_concentrated"
    assert concentration.hhi_band(2000, "2023") == "highly_concentrated"
    assert concentration.hhi_band(1700, "2023") == "not_highly_concentrated"
    with pytest.raises(ValueError):
        concentration.hhi_band(1000, "1982")


def test_summary_gathers_every_measure():
    s = concentration.summary([40, 30, 20, 10], ks=(1, 3, 4))
    assert s["n"] == 4 and s["cr1"] == pytest.approx(0.4) and s["cr3"] == pytest.approx(0.9)
    assert s["cr4"] == pytest.approx(1.0)
    assert (s["hhi"], s["gini"]) == (pytest.approx(3000), pytest.approx(0.25))
    assert s["equivalent_number"] == pytest.approx(10 / 3)


# --- head leaves: replacement at a ramp, closed forms against numerical integration ---------

def test_replacement_gmv_matches_summing_ramping_cohorts():
    from scipy import integrate

    r, g, tau = 2.5, 1000.0, 1.3
    for t in (0.5, 2.0, 7.0):
        numeric, _ = integrate.quad(lambda u: r * g * (1 - np.exp(-(t - u) / tau)), 0, t)
        assert concentration.replacement_gmv(t, r, g, tau) == pytest.approx(numeric, rel=1e-9)
    assert concentration.replacement_gmv(3.0, r, g, 0.0) == pytest.approx(r * g * 3.0)


def test_months_to_replace_solves_the_ramp_and_reduces_without_it():
    r, g, tau, gap = 3.0, 900.0, 1.3, 9600.0
    months = concentration.months_to_replace(gap, r, g, tau)
    assert concentration.replacement_gmv(months, r, g, tau) == pytest.approx(gap, rel=1e-9)
    assert concentration.months_to_replace(gap, r, g, 0.0) == pytest.approx(gap / (r * g))
    # a ramp adds between 0 and τ months to the no-ramp answer
    assert gap / (r * g) < months < gap / (r * g) + tau
    assert concentration.months_to_replace(gap, 0.0, g, tau) == float("inf")
    assert concentration.months_to_replace(0.0, r, g, tau) == 0.0


def test_cumulative_shortfall_is_the_area_of_the_hole():
    from scipy import integrate

    r, g, tau, gap = 3.0, 900.0, 1.3, 9600.0
    T = concentration.months_to_replace(gap, r, g, tau)
    numeric, _ = integrate.quad(lambda t: gap - concentration.replacement_gmv(t, r, g, tau), 0, T)
    assert concentration.cumulative_shortfall(T, gap, r, g, tau) == pytest.approx(numeric, rel=1e-9)


def test_head_leaves_scenario_on_string_ids():
    import pandas as pd

    gmv = pd.Series([9600.0, 4200.0, 2000.0, 600.0, 600.0], index=["007", "K2", "x-3", "00a", "b5"])
    out = concentration.head_leaves(gmv, "007", 0.8, recruits_per_month=3, new_unit_gmv=900,
                                    ramp_tau_days=40, horizon_months=12)
    assert out.gmv_at_risk == pytest.approx(7680.0)
    assert out.share_of_total == pytest.approx(7680 / 17000)
    tau = 40 / concentration.DAYS_PER_MONTH
    assert out.months_to_replace == pytest.approx(concentration.months_to_replace(7680, 3, 900, tau))
    assert out.path["shortfall"].iloc[0] == pytest.approx(7680.0)
    assert (out.path["shortfall"].diff().dropna() <= 1e-9).all()
    two = concentration.head_leaves(gmv, ["007", "K2"], 1.0, recruits_per_month=3, new_unit_gmv=900,
                                    ramp_tau_days=40)
    assert two.gmv_at_risk == pytest.approx(13800.0) and two.months_to_replace > out.months_to_replace
    with pytest.raises(KeyError):
        concentration.head_leaves(gmv, "7", 0.5, recruits_per_month=3, new_unit_gmv=900, ramp_tau_days=40)
    with pytest.raises(ValueError):
        concentration.head_leaves(gmv, "007", 1.5, recruits_per_month=3, new_unit_gmv=900, ramp_tau_days=40)
