"""One fitter for every maximum-likelihood model of the kit (BG/NBD, Gamma-Gamma, sBG, Bass ...).

A model declares its parameters and writes two things: the data preparation in ``fit`` and the
negative log-likelihood with its analytic gradient. The base does the rest, the same way for all:

- one fit routine: L-BFGS-B (quasi-Newton) on log-parameters for positive parameters, on the
  parameters themselves otherwise, with bounds; a convergence check that raises
  :class:`ConvergenceError` (a Chinese and English message) instead of returning a silent guess;
- ``params_`` (name → value), ``log_likelihood_``, ``n_obs_``, ``covariance_`` (inverse Hessian of
  the negative log-likelihood at the optimum, from finite differences of the analytic gradient);
- :meth:`LikelihoodModel.summary`: estimate, standard error and a 95% interval per parameter;
- ``sklearn.exceptions.NotFittedError`` from every fitted-only method called before ``fit``;
- a ``repr`` that shows the fitted values next to the hyper-parameters.

Non-linear least squares (the Bass diffusion model) fits on the same base through
:class:`LeastSquaresModel`: with Gaussian errors and σ profiled out, maximising the likelihood is
minimising the residual sum of squares (RSS), ``-log L = n/2 · log(RSS/n) + const``; its summary uses
the usual NLS covariance σ̂²(JᵀJ)⁻¹ with σ̂² = RSS/(n − k), as ``scipy.optimize.curve_fit`` does.

Definitions, sources and oracles of the models: ``docs/methods.md#likelihood-models``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, stats
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from threadpoolctl import ThreadpoolController

from opskit.errors import OpskitError

__all__ = ["Param", "LikelihoodModel", "LeastSquaresModel", "ConvergenceError", "collapse"]


class ConvergenceError(OpskitError, RuntimeError):
    """A maximum-likelihood fit did not converge; the message says why and what to try."""


@dataclass(frozen=True)
class Param:
    """A declared model parameter. ``positive`` parameters are optimised on the log scale, which
    keeps them strictly positive; ``lower``/``upper`` are optional bounds on the natural scale."""

    name: str
    positive: bool = True
    lower: float | None = None
    upper: float | None = None

    def to_free(self, value: float) -> float:
        return float(np.log(value)) if self.positive else float(value)

    def from_free(self, z: np.ndarray | float) -> np.ndarray | float:
        return np.exp(z) if self.positive else z

    def free_bounds(self) -> tuple[float | None, float | None]:
        lo, hi = self.lower, self.upper
        if self.positive:
            lo = np.log(lo) if lo is not None and lo > 0 else None
            hi = np.log(hi) if hi is not None else None
        return lo, hi


def collapse(columns: dict[str, np.ndarray], weights: np.ndarray | None = None):
    """Collapse identical rows into one row with a weight (the number of rows it stands for).

    ``columns`` maps names to equal-length 1-d arrays; returns ``(unique_columns, weights)``. The
    likelihood of n identical customers is the likelihood of one, n times: fitting on the collapsed
    rows gives the same estimates at a fraction of the cost.
    """
    names = list(columns)
    stacked = np.column_stack([np.asarray(columns[n], dtype=float) for n in names])
    w = np.ones(len(stacked)) if weights is None else np.asarray(weights, dtype=float)
    order = np.lexsort(stacked.T[::-1])           # sort rows by the first column, then the next ...
    rows = stacked[order]
    starts = np.r_[True, np.any(rows[1:] != rows[:-1], axis=1)] if len(rows) else np.zeros(0, bool)
    group = np.cumsum(starts) - 1
    summed = np.bincount(group, weights=w[order], minlength=int(starts.sum()))
    unique = rows[starts]
    return {n: unique[:, i] for i, n in enumerate(names)}, summed


@lru_cache(maxsize=1)
def _threadpools() -> ThreadpoolController:
    """The process's BLAS/OpenMP thread pools, inspected once (inspection costs tens of ms)."""
    return ThreadpoolController()


class LikelihoodModel(BaseEstimator):
    """Base of the maximum-likelihood models.

    Subclasses declare :attr:`parameters` and implement :meth:`_negll` (the total negative
    log-likelihood of the prepared data and its gradient with respect to the natural parameters)
    and :meth:`_start` (starting values); their ``fit`` prepares the data, then calls
    :meth:`_fit`. A hyper-parameter ``penalizer`` (if the subclass has one) adds
    ``penalizer · Σ θ²`` to the mean negative log-likelihood (0: the plain MLE).
    """

    parameters: ClassVar[tuple[Param, ...]] = ()
    #: L-BFGS-B settings: tight enough to reproduce published estimates to their printed digits.
    _max_iter: ClassVar[int] = 2000
    _ftol: ClassVar[float] = 1e-14
    _gtol: ClassVar[float] = 1e-9

    # -- what a model implements -------------------------------------------------------------

    def _negll(self, theta: np.ndarray, data: Any) -> tuple[float, np.ndarray]:
        """Total negative log-likelihood of ``data`` at ``theta`` (natural scale) and its gradient."""
        raise NotImplementedError

    def _start(self, data: Any) -> np.ndarray:
        """Starting values on the natural scale."""
        return np.ones(len(self.parameters))

    # -- the fit -----------------------------------------------------------------------------

    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        return tuple(p.name for p in cls.parameters)

    def _penalty(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        c = float(getattr(self, "penalizer", 0.0) or 0.0)
        return c * float(theta @ theta), 2 * c * theta

    def _objective(self, z: np.ndarray, data: Any, n: float) -> tuple[float, np.ndarray]:
        theta = self._theta(z)
        value, grad = self._negll(theta, data)
        pen, pen_grad = self._penalty(theta)
        dtheta_dz = np.array([theta[i] if p.positive else 1.0 for i, p in enumerate(self.parameters)])
        return value / n + pen, (np.asarray(grad, dtype=float) / n + pen_grad) * dtheta_dz

    def _theta(self, z: np.ndarray) -> np.ndarray:
        return np.array([p.from_free(v) for p, v in zip(self.parameters, z)], dtype=float)

    def _fit(self, data: Any, n_obs: float) -> "LikelihoodModel":
        """Maximise the likelihood of ``data`` (``n_obs`` observations, weights included)."""
        name = type(self).__name__
        if n_obs <= 0:
            raise ConvergenceError(f"{name}：没有可用于拟合的观测。\n{name}: no observations to fit.")
        start = np.asarray(self._start(data), dtype=float)
        z0 = np.array([p.to_free(v) for p, v in zip(self.parameters, start)])
        # The optimiser's BLAS calls are on vectors of a handful of parameters: threads only add
        # contention (a tenfold slow-down on a busy 2-core machine), so BLAS runs single-threaded here.
        with _threadpools().limit(limits=1, user_api="blas"):
            res = optimize.minimize(self._objective, z0, args=(data, float(n_obs)), jac=True,
                                    method="L-BFGS-B", bounds=[p.free_bounds() for p in self.parameters],
                                    options={"maxiter": self._max_iter, "ftol": self._ftol, "gtol": self._gtol})
        self._check_converged(res, data, float(n_obs))
        theta = self._theta(res.x)
        self.params_ = dict(zip(self.param_names(), theta.tolist()))
        self.log_likelihood_ = -float(self._negll(theta, data)[0])
        self.n_obs_ = float(n_obs)
        self.n_iter_ = int(res.nit)
        self.covariance_ = self._covariance(theta, data)
        return self

    def _check_converged(self, res, data: Any, n: float) -> None:
        name = type(self).__name__
        reason = None
        if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun):
            reason = "the likelihood is not finite at the estimate"
        elif not res.success:
            # L-BFGS-B may stop on a relative-reduction test that is too strict for float64;
            # accept that stop only where the gradient really is flat.
            _, grad = self._objective(res.x, data, n)
            at_bound = self._at_bound(res.x)
            if np.max(np.abs(np.where(at_bound, 0.0, grad))) > 1e-5:
                reason = str(res.message)
        if reason is None:
            return
        raise ConvergenceError(
            f"{name} 的最大似然拟合没有收敛（{reason}）。请检查输入：是否有足够的顾客与复购、"
            f"时间单位是否一致、有无极端值；也可以设置 penalizer（如 0.001）后重试。\n"
            f"{name}: the maximum-likelihood fit did not converge ({reason}). Check the data "
            f"(enough customers and repeat purchases, one time unit, no extreme values) or set a small "
            f"penalizer (e.g. 0.001) and retry.")

    def _at_bound(self, z: np.ndarray) -> np.ndarray:
        out = []
        for p, v in zip(self.parameters, z):
            lo, hi = p.free_bounds()
            out.append((lo is not None and v <= lo + 1e-10) or (hi is not None and v >= hi - 1e-10))
        return np.array(out, dtype=bool)

    def _hessian(self, theta: np.ndarray, data: Any) -> np.ndarray:
        """Hessian of the total negative log-likelihood (penalty included, on the natural scale),
        by central differences of the analytic gradient."""
        k = len(theta)
        n = getattr(self, "n_obs_", 1.0)
        hess = np.empty((k, k))
        for j in range(k):
            h = 1e-5 * max(abs(theta[j]), 1e-3)
            up, down = theta.copy(), theta.copy()
            up[j] += h
            down[j] -= h
            g_up = self._negll(up, data)[1] + n * self._penalty(up)[1]
            g_down = self._negll(down, data)[1] + n * self._penalty(down)[1]
            hess[:, j] = (np.asarray(g_up) - np.asarray(g_down)) / (2 * h)
        return (hess + hess.T) / 2

    def _covariance(self, theta: np.ndarray, data: Any) -> pd.DataFrame:
        names = self.param_names()
        try:
            cov = np.linalg.inv(self._hessian(theta, data))
        except np.linalg.LinAlgError:
            cov = np.full((len(names), len(names)), np.nan)
        return pd.DataFrame(cov, index=list(names), columns=list(names))

    # -- fitted results ----------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} 还没有拟合：请先调用 fit(...)。"
                                 f"\nThis {type(self).__name__} instance is not fitted yet; call fit(...) first.")

    def _p(self) -> tuple[float, ...]:
        """The fitted parameters, in declared order."""
        self._check_fitted()
        return tuple(self.params_[n] for n in self.param_names())

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """Estimate, standard error (from the Hessian) and a (1 − alpha) interval per parameter.

        Positive parameters get the interval on the log scale, exp(log θ ± z·se/θ) (delta method),
        so it stays positive; other parameters get θ ± z·se. ``attrs`` hold the log-likelihood,
        the number of observations and the AIC.
        """
        self._check_fitted()
        names = self.param_names()
        est = np.array([self.params_[n] for n in names])
        se = np.sqrt(np.clip(np.diag(self.covariance_.to_numpy()), 0, None))
        z = stats.norm.ppf(1 - alpha / 2)
        positive = np.array([p.positive for p in self.parameters])
        with np.errstate(divide="ignore", invalid="ignore"):
            low = np.where(positive, est * np.exp(-z * se / est), est - z * se)
            high = np.where(positive, est * np.exp(z * se / est), est + z * se)
        table = pd.DataFrame({"estimate": est, "se": se, "ci_low": low, "ci_high": high},
                             index=pd.Index(names, name="parameter"))
        table.attrs.update(log_likelihood=self.log_likelihood_, n_obs=self.n_obs_,
                           aic=2 * len(names) - 2 * self.log_likelihood_)
        return table

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        base = super().__repr__(N_CHAR_MAX)
        if not hasattr(self, "params_"):
            return base + "  # not fitted"
        values = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{base}  # fitted: {values}; log-likelihood {self.log_likelihood_:,.2f} (n={self.n_obs_:,.0f})"


class LeastSquaresModel(LikelihoodModel):
    """Non-linear least squares on the likelihood base (Gaussian errors, σ profiled out).

    Subclasses implement :meth:`_residuals` returning the residuals y − f(θ) and their Jacobian
    ∂r/∂θ (n × k); fit calls ``self._fit(data, n_obs=len(y))``. The negative profile
    log-likelihood is n/2·log(RSS/n) (constants dropped), so the estimate is the least-squares one.
    ``covariance_`` is the NLS covariance σ̂²(JᵀJ)⁻¹ with σ̂² = RSS/(n − k); ``rss_`` and
    ``sigma_`` are kept.
    """

    def _residuals(self, theta: np.ndarray, data: Any) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _negll(self, theta, data):
        r, jac = self._residuals(theta, data)
        n = len(r)
        rss = float(r @ r)
        return n / 2 * np.log(rss / n), n / rss * (jac.T @ r)

    def _covariance(self, theta, data):
        r, jac = self._residuals(theta, data)
        n, k = jac.shape
        self.rss_ = float(r @ r)
        self.sigma_ = float(np.sqrt(self.rss_ / max(n - k, 1)))
        names = list(self.param_names())
        try:
            cov = np.linalg.inv(jac.T @ jac) * self.sigma_ ** 2
        except np.linalg.LinAlgError:
            cov = np.full((k, k), np.nan)
        return pd.DataFrame(cov, index=names, columns=names)
