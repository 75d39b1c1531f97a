"""Cohort retention and the shifted-beta-geometric (sBG) model.

The cohort aggregation is the named query ``cohort_activity``; the sBG model is fitted by maximum
likelihood (with the right-censored term) on the small result, on the kit's fitter base
(:mod:`opskit.likelihood`). Definitions, sources and oracles: ``docs/methods.md#cohort-retention``
and ``docs/methods.md#sbg``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1

from opskit.data import engine
from opskit.likelihood import LikelihoodModel, Param
from opskit.periods import check_period, period_range, period_start

__all__ = ["cohort_counts", "cohort_matrix", "retention_curve", "ShiftedBetaGeometric"]


def cohort_counts(table: pd.DataFrame, *, period: str = "month", kind: str = "n", as_of=None,
                  customer: str = "user_id", time: str = "order_time") -> tuple[pd.DataFrame, pd.Series]:
    """Active users per cohort (rows) and age in periods (columns), and the cohort sizes.

    Cohort = calendar ``period`` of a user's first activity in ``table`` (orders or events) before
    ``as_of`` (exclusive; default: just after the last row). ``kind="n"``: active in period c+k
    (N-period/classic); ``"unbounded"``: active in period c+k or later. A cell is censored (NaN, not
    0) when period c+k is after the period containing the last observed instant; the current partial
    period counts as observed. Rows are labelled by the cohort's first day.
    """
    if kind not in ("n", "unbounded"):
        raise ValueError("kind must be 'n' or 'unbounded'")
    check_period(period)
    activity = engine.renamed(table, user_id=customer, ts=time)  # no copy; a path or Spark frame stays in place
    if as_of is None:
        as_of = engine.column_max(activity, "ts") + pd.Timedelta(microseconds=1)
    as_of = pd.Timestamp(as_of)
    long = engine.run("cohort_activity", {"as_of": as_of, "period": period}, activity=activity)
    if long.empty:
        return pd.DataFrame(dtype=float), pd.Series(dtype="int64")
    value = "active_users" if kind == "n" else "last_active_users"
    wide = long.pivot_table(index="cohort", columns="age", values=value, aggfunc="sum", fill_value=0)
    last_observed = period_start(pd.Series([as_of - pd.Timedelta(microseconds=1)]), period).iloc[0]
    cohorts = period_range(long["cohort"].min(), last_observed, period)
    ages = np.arange(len(cohorts))
    wide = wide.reindex(index=cohorts, columns=ages, fill_value=0).astype(float)
    if kind == "unbounded":  # users whose last active age >= k
        wide = wide.iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1]
    censored = (np.arange(len(cohorts))[:, None] + ages[None, :]) > len(cohorts) - 1
    wide = wide.mask(censored)
    sizes = wide[0].astype("int64")
    keep = (sizes > 0).to_numpy()
    wide, sizes = wide[keep], sizes[keep]
    wide.index.name = "cohort"
    sizes.index = wide.index
    wide.columns.name = "age"
    sizes.name = "size"
    return wide, sizes


def cohort_matrix(table: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Retention Ret[c, k] = active users of cohort c at age k / cohort size (censored cells NaN).

    Keyword arguments as in :func:`cohort_counts`."""
    counts, sizes = cohort_counts(table, **kwargs)
    return counts.div(sizes, axis=0)


def retention_curve(counts: pd.DataFrame, sizes: pd.Series, min_size: int = 0) -> pd.Series:
    """Pooled, size-weighted curve: Σ active_{c,k} / Σ size_c over cohorts observed at age k."""
    use = sizes >= min_size
    counts, sizes = counts[use.to_numpy()], sizes[use]
    observed = counts.notna()
    num = counts.where(observed).sum(axis=0, min_count=1)
    den = observed.mul(sizes.to_numpy(), axis=0).sum(axis=0)
    return (num / den.replace(0, np.nan)).rename("retention")


class ShiftedBetaGeometric(LikelihoodModel):
    """sBG model (Fader & Hardie 2007): churn probability θ per period, θ ~ Beta(α, β).

    T is the period in which a customer churns (T = 1: does not renew after the first period).
    Fit with :meth:`fit` on individual records (periods paid, churned flag) or with
    :meth:`fit_survivors` on a survivor curve (customers alive at the start of periods 0..K).
    Fitted parameters are in ``params_`` (``alpha``, ``beta``).
    """

    parameters = (Param("alpha"), Param("beta"))

    @staticmethod
    def _log_pmf(t, alpha, beta):
        return betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)

    @staticmethod
    def _log_survival(t, alpha, beta):
        return betaln(alpha, beta + t) - betaln(alpha, beta)

    def _negll(self, theta, data):
        a, b = theta
        t_churn, n_churn, t_cens, n_cens = data
        ll = n_churn @ self._log_pmf(t_churn, a, b) + n_cens @ self._log_survival(t_cens, a, b)
        base_a, base_b = digamma(a) - digamma(a + b), digamma(b) - digamma(a + b)
        s_churn = digamma(a + b + t_churn)
        s_cens = digamma(a + b + t_cens)
        grad_a = (n_churn @ (digamma(a + 1) - s_churn - base_a)
                  + n_cens @ (digamma(a) - s_cens - base_a))
        grad_b = (n_churn @ (digamma(b + t_churn - 1) - s_churn - base_b)
                  + n_cens @ (digamma(b + t_cens) - s_cens - base_b))
        return -float(ll), -np.array([grad_a, grad_b])

    def fit(self, members: pd.DataFrame, *, periods: str = "periods_paid",
            churned: str = "churned") -> "ShiftedBetaGeometric":
        """Individual records: ``periods`` = periods paid (≥ 1); ``churned`` = 1 if the customer
        left after those periods, 0 if still paying (then T ≥ periods, i.e. survived periods − 1)."""
        t = np.asarray(members[periods], dtype=float)
        c = np.asarray(members[churned]).astype(bool)
        if np.any(t < 1):
            raise ValueError("periods must be >= 1")
        tc, nc = np.unique(t[c], return_counts=True)
        tr, nr = np.unique(t[~c] - 1, return_counts=True)
        return self._fit((tc, nc.astype(float), tr, nr.astype(float)), n_obs=float(len(t)))

    def fit_survivors(self, survivors) -> "ShiftedBetaGeometric":
        """Aggregate survivor counts alive at the start of periods 0..K (e.g. 1000, 631, 468, …)."""
        s = np.asarray(survivors, dtype=float)
        lost = s[:-1] - s[1:]
        k = len(s) - 1
        data = (np.arange(1, k + 1, dtype=float), lost, np.array([float(k)]), np.array([s[-1]]))
        return self._fit(data, n_obs=float(s[0]))

    def survival(self, t):
        """S(t) = B(α, β+t)/B(α, β): share still active after t periods (S(0) = 1)."""
        return np.exp(self._log_survival(np.asarray(t, dtype=float), *self._p()))

    def churn_probability(self, t):
        """P(T = t)."""
        return np.exp(self._log_pmf(np.asarray(t, dtype=float), *self._p()))

    def mean_churn(self) -> float:
        """E[θ] = α/(α+β): the mean churn probability per period across customers."""
        a, b = self._p()
        return a / (a + b)

    def retention_rate(self, t):
        """r_t = S(t)/S(t−1) = (β+t−1)/(α+β+t−1), increasing in t (heterogeneity, not loyalty)."""
        a, b = self._p()
        t = np.asarray(t, dtype=float)
        return (b + t - 1) / (a + b + t - 1)

    def derl(self, discount_rate: float, n: int = 1):
        """DERL(d | α, β, n): expected discounted number of future payments of a customer observed
        at the end of period n who has made n − 1 renewals, at discount rate d per period
        (Fader & Hardie 2010). Multiply by the margin per period for a value."""
        a, b = self._p()
        d = discount_rate
        return (b + n - 1) / (a + b + n - 1) * hyp2f1(1, b + n, a + b + n, 1 / (1 + d))
