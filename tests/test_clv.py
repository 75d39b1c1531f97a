"""BG/NBD, Gamma-Gamma and CLV against the CDNOW oracles (METHODS.md §6) and the demo truths."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opskit.clv import (
    BetaGeo,
    GammaGamma,
    clv_simple_retention,
    discounted_clv,
    summary_from_orders,
)
from opskit.sim import TRUTHS, load_demo

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cdnow():
    return pd.read_csv(DATA / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def bgf(cdnow):
    return BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def test_bgnbd_reproduces_cdnow_estimates(bgf):
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert bgf.params_[name] == pytest.approx(value, rel=0.01), name
    assert bgf.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)


def test_bgnbd_customer_oracles(bgf, cdnow):
    assert bgf.conditional_expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)
    assert bgf.probability_alive(2, 30.43, 38.86) == pytest.approx(0.7266, abs=1e-4)
    assert bgf.expected_purchases_new(39) == pytest.approx(1.195, abs=5e-4)
    total = bgf.conditional_expected_purchases(39, cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert total.sum() == pytest.approx(1653.4, abs=0.5)


def test_bgnbd_invariants(bgf):
    assert np.all(bgf.probability_alive([0, 0], [0, 0], [5, 50]) == 1.0)
    ys = bgf.conditional_expected_purchases(np.array([1, 5, 10, 39, 100]), 3, 20, 38)
    assert np.all(np.diff(ys) > 0)
    with pytest.raises(ValueError):
        BetaGeo().fit([1], [5], [3])  # recency > T


def test_gamma_gamma_reproduces_cdnow_estimates():
    d = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    gg = GammaGamma().fit(d["x"], d["zbar"])
    for name, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert gg.params_[name] == pytest.approx(value, rel=0.01), name
    assert gg.population_mean_spend() == pytest.approx(35.17, abs=0.01)
    # precision-weighted average: between the population mean and the customer's own mean
    spend = gg.conditional_expected_spend([1, 10], [100.0, 100.0])
    assert np.all((spend > 35.17) & (spend < 100)) and spend[1] > spend[0]
    assert gg.conditional_expected_spend(0, 0) == pytest.approx(gg.population_mean_spend())


def test_simple_retention_clv_closed_forms():
    assert clv_simple_retention(100, 0.8, 0.10) == pytest.approx(266.6666667, abs=1e-6)
    assert clv_simple_retention(100, 0.8, 0.10, margin_at_start=True) == pytest.approx(366.6666667)
    series = sum(100 * 0.8 ** t / 1.1 ** t for t in range(1, 2000))
    assert clv_simple_retention(100, 0.8, 0.10) == pytest.approx(series, abs=1e-9)
    assert clv_simple_retention(100, 0.8, 0.10, True) == pytest.approx(series + 100, abs=1e-9)


def test_discounted_clv_is_bounded_by_undiscounted(bgf):
    x, tx, T = np.array([0, 2, 10]), np.array([0, 30.43, 35]), np.array([38.86] * 3)
    undiscounted = discounted_clv(bgf, x, tx, T, 50.0, periods=9, discount_rate=0.0)
    expected = 50 * bgf.conditional_expected_purchases(9 * 30 / 7, x, tx, T)
    np.testing.assert_allclose(undiscounted, expected)
    discounted = discounted_clv(bgf, x, tx, T, 50.0, periods=9, discount_rate=0.01)
    assert np.all(discounted < undiscounted) and np.all(discounted > 0.9 * undiscounted)


def _pandas_summary(orders, as_of, unit_days):
    o = orders[orders["order_time"] < as_of].sort_values(["user_id", "order_time"], kind="stable")
    g = o.groupby("user_id")
    first, last = g["order_time"].min(), g["order_time"].max()
    n = g.size()
    first_amount = g["amount"].first()
    unit = pd.Timedelta(days=unit_days)
    out = pd.DataFrame({"frequency": n - 1, "recency": (last - first) / unit,
                        "T": (as_of - first) / unit})
    out["monetary"] = np.where(n > 1, (g["amount"].sum() - first_amount) / (n - 1).clip(lower=1), 0)
    return out


def test_summary_matches_pandas_and_definitions():
    rng = np.random.default_rng(1)
    n = 5000
    orders = pd.DataFrame({
        "user_id": rng.integers(0, 600, n),
        "order_time": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300 * 86400, n), "s"),
        "amount": rng.gamma(3, 20, n).round(2)})
    as_of = pd.Timestamp("2025-09-01")
    got = summary_from_orders(orders, as_of=as_of, unit="W").set_index("user_id")
    want = _pandas_summary(orders, as_of, 7)
    np.testing.assert_array_equal(got.index.to_numpy(), want.index.to_numpy())
    np.testing.assert_array_equal(got["frequency"], want["frequency"])
    for col in ("recency", "T", "monetary"):
        np.testing.assert_allclose(got[col], want[col], rtol=1e-9, err_msg=col)
    assert (got.loc[got["frequency"] == 0, "recency"] == 0).all()


def test_summary_first_order_is_not_a_repeat_and_same_day_merge():
    orders = pd.DataFrame({"user_id": [1, 1, 1, 2],
                           "order_time": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 18:00",
                                                         "2025-01-15 09:00", "2025-01-08 12:00"]),
                           "amount": [10.0, 30.0, 50.0, 20.0]})
    s = summary_from_orders(orders, as_of="2025-01-29", unit="D").set_index("user_id")
    assert s.loc[1, "frequency"] == 2 and s.loc[1, "monetary"] == pytest.approx(40.0)
    assert s.loc[2].tolist() == [0, 0.0, pytest.approx(20.5), 0.0]
    m = summary_from_orders(orders, as_of="2025-01-29", unit="W", merge_same_day=True).set_index("user_id")
    assert m.loc[1].tolist() == [1, 2.0, 4.0, 50.0]


def test_demo_fits_recover_planted_parameters():
    """Tolerances are about 3 bootstrap standard errors at demo size (1,870 buyers): SE(r)=0.13,
    SE(alpha)=0.09, SE(a)=0.13, SE(b)=3.1; SE(p)=0.19, SE(q)=0.18, SE(v)=11."""
    s = summary_from_orders(load_demo("orders"), as_of="2026-01-01", unit="W")
    truth = TRUTHS["purchases"]
    bg = BetaGeo().fit(s["frequency"], s["recency"], s["T"]).params_
    for name, tol in {"r": 0.4, "alpha": 0.3, "a": 0.4, "b": 9.0}.items():
        assert bg[name] == pytest.approx(truth["bgnbd"][name], abs=tol), name
    rep = s[s["frequency"] > 0]
    gg = GammaGamma().fit(rep["frequency"], rep["monetary"])
    for name, tol in {"p": 0.6, "q": 0.6, "v": 33.0}.items():
        assert gg.params_[name] == pytest.approx(truth["gamma_gamma"][name], abs=tol), name
    assert gg.population_mean_spend() == pytest.approx(truth["mean_order_amount"], rel=0.1)
