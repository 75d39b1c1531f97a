"""Driver decomposition against the docs/methods.md#decomposition worked example and its invariants."""

import numpy as np
import pandas as pd
import pytest

from opskit import decomposition as dc

P0 = {"uv": 100_000, "cr": 0.02, "aov": 200}
P1 = {"uv": 120_000, "cr": 0.018, "aov": 220}
DELTA = 475_200 - 400_000


def test_lmdi_worked_example():
    np.testing.assert_allclose(dc.lmdi(P0, P1), [79_587.18, -45_992.07, 41_604.89], atol=0.01)
    assert dc._logmean(475_200, 400_000) == pytest.approx(436_520.97, abs=0.01)


def test_sequential_depends_on_order():
    np.testing.assert_allclose(dc.sequential(P0, P1, ["uv", "cr", "aov"]), [80_000, -48_000, 43_200], atol=1e-6)
    rev = dc.sequential(P0, P1, ["aov", "cr", "uv"])
    np.testing.assert_allclose(rev[["uv", "cr", "aov"]], [79_200, -44_000, 40_000], atol=1e-6)


def test_shapley_worked_example():
    np.testing.assert_allclose(dc.shapley(P0, P1), [79_733.33, -46_266.67, 41_733.33], atol=0.01)


def test_multiplicative():
    d = dc.lmdi_multiplicative(P0, P1)
    np.testing.assert_allclose(d, [1.2, 0.9, 1.1])
    assert d.prod() == pytest.approx(1.188)


def test_every_method_sums_exactly_and_single_factor_change():
    table = dc.decompose(P0, P1)
    np.testing.assert_allclose(table.loc["total"], DELTA, atol=1e-6)
    one = dict(P0, cr=0.03)
    t = dc.decompose(P0, one)
    assert (t.drop(index="total").drop(index="cr").abs() < 1e-9).all().all()
    np.testing.assert_allclose(t.loc["cr"], 200_000, atol=1e-6)


def test_order_free_methods():
    rev0 = dict(reversed(list(P0.items())))
    rev1 = dict(reversed(list(P1.items())))
    pd.testing.assert_series_equal(dc.lmdi(P0, P1), dc.lmdi(rev0, rev1)[list(P0)])
    pd.testing.assert_series_equal(dc.shapley(P0, P1), dc.shapley(rev0, rev1)[list(P0)])


def test_shapley_with_a_general_function_sums_exactly():
    f = lambda v: (v["new"] + v["old"]) * v["cr"]  # noqa: E731
    a, b = {"new": 10.0, "old": 30.0, "cr": 0.1}, {"new": 20.0, "old": 25.0, "cr": 0.12}
    assert dc.shapley(a, b, f).sum() == pytest.approx(f(b) - f(a), abs=1e-12)
    assert dc.sequential(a, b, func=f).sum() == pytest.approx(f(b) - f(a), abs=1e-12)


def test_multi_segment_lmdi_sums_to_total():
    x0 = pd.DataFrame({"uv": [100.0, 50.0], "cr": [0.1, 0.2], "aov": [50.0, 80.0]}, index=["app", "mini"])
    x1 = pd.DataFrame({"uv": [90.0, 80.0], "cr": [0.12, 0.18], "aov": [55.0, 78.0]}, index=["app", "mini"])
    total = x1.prod(axis=1).sum() - x0.prod(axis=1).sum()
    assert dc.lmdi(x0, x1).sum() == pytest.approx(total, abs=1e-9)
    with pytest.raises(ValueError):
        dc.lmdi({"a": 0.0}, {"a": 1.0})
