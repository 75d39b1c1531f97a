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
