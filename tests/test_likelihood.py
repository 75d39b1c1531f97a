"""The fitter base: closed-form MLEs, least squares against scipy's curve_fit, errors and repr."""

import numpy as np
import pytest
from scipy.optimize import curve_fit
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from opskit.errors import OpskitError
from opskit.likelihood import ConvergenceError, LeastSquaresModel, LikelihoodModel, Param, collapse


class Exponential(LikelihoodModel):
    """Waiting times x ~ Exponential(rate): MLE rate = n / Σx, se = rate / √n."""

    parameters = (Param("rate"),)

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    def fit(self, x, weights=None):
        cols, w = collapse({"x": x}, weights)
        return self._fit((cols["x"], w), n_obs=w.sum())

    def _negll(self, theta, data):
        (rate,), (x, w) = theta, data
        return -(w.sum() * np.log(rate) - rate * (w @ x)), np.array([-(w.sum() / rate - w @ x)])

    def rate(self):
        return self._p()[0]


class Saturation(LeastSquaresModel):
    """y = m (1 − exp(−k t)): a small non-linear least-squares model, like Bass's m, p, q."""

    parameters = (Param("m"), Param("k"))

    def fit(self, t, y):
        return self._fit((np.asarray(t, float), np.asarray(y, float)), n_obs=len(y))

    def _start(self, data):
        return np.array([data[1].max(), 0.5])

    @staticmethod
    def curve(t, m, k):
        return m * (1 - np.exp(-k * t))

    def _residuals(self, theta, data):
        (m, k), (t, y) = theta, data
        e = np.exp(-k * t)
        return y - m * (1 - e), -np.column_stack([1 - e, m * t * e])


def test_closed_form_mle_and_standard_error():
    x = np.random.default_rng(0).exponential(1 / 2.5, 4000)
    model = Exponential().fit(x)
    rate = len(x) / x.sum()
    assert model.params_["rate"] == pytest.approx(rate, rel=1e-7)
    assert model.log_likelihood_ == pytest.approx(len(x) * np.log(rate) - len(x), rel=1e-10)
    table = model.summary()
    assert list(table.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert table.loc["rate", "se"] == pytest.approx(rate / np.sqrt(len(x)), rel=1e-4)
    assert table.loc["rate", "ci_low"] < rate < table.loc["rate", "ci_high"]
    assert table.attrs["aic"] == pytest.approx(2 - 2 * model.log_likelihood_)


def test_collapsed_rows_give_the_same_fit_as_every_row():
    x = np.random.default_rng(1).integers(1, 6, 500).astype(float)
    cols, w = collapse({"x": x})
    assert len(cols["x"]) == 5 and w.sum() == 500
    full = Exponential().fit(x)
    weighted = Exponential().fit(cols["x"], weights=w)
    assert weighted.params_["rate"] == pytest.approx(full.params_["rate"], rel=1e-9)
    assert weighted.summary().loc["rate", "se"] == pytest.approx(full.summary().loc["rate", "se"], rel=1e-6)


def test_least_squares_matches_curve_fit_estimates_and_standard_errors():
    rng = np.random.default_rng(2)
    t = np.arange(1.0, 25.0)
    y = Saturation.curve(t, 1000, 0.2) + rng.normal(0, 15, len(t))
    model = Saturation().fit(t, y)
    popt, pcov = curve_fit(Saturation.curve, t, y, p0=[y.max(), 0.5])
    np.testing.assert_allclose([model.params_["m"], model.params_["k"]], popt, rtol=1e-6)
    np.testing.assert_allclose(model.summary()["se"], np.sqrt(np.diag(pcov)), rtol=1e-4)
    assert model.rss_ == pytest.approx(float(np.sum((y - Saturation.curve(t, *popt)) ** 2)), rel=1e-8)


def test_penalizer_shrinks_towards_zero():
    x = np.random.default_rng(3).exponential(1 / 4.0, 200)
    assert Exponential(penalizer=0.5).fit(x).params_["rate"] < Exponential().fit(x).params_["rate"]


def test_not_fitted_error_and_repr():
    model = Exponential(penalizer=0.1)
    assert "not fitted" in repr(model) and "penalizer=0.1" in repr(model)
    with pytest.raises(NotFittedError, match="fit"):
        model.rate()
    with pytest.raises(NotFittedError):
        model.summary()
    model.fit([1.0, 2.0, 3.0])
    assert "# fitted: rate=0.477" in repr(model) and "log-likelihood" in repr(model)
    assert "rate=0.5;" in repr(Exponential().fit([1.0, 2.0, 3.0]))
    twin = clone(model)
    assert twin.get_params() == {"penalizer": 0.1} and not hasattr(twin, "params_")


class Broken(Exponential):
    def _negll(self, theta, data):
        return float("nan"), np.array([float("nan")])


def test_failed_fit_raises_a_bilingual_convergence_error():
    with pytest.raises(ConvergenceError) as info:
        Broken().fit([1.0, 2.0])
    message = str(info.value)
    assert "没有收敛" in message and "did not converge" in message
    assert isinstance(info.value, OpskitError)
    with pytest.raises(ConvergenceError, match="没有可用于拟合的观测"):
        Exponential().fit([])
