"""Cohort retention and the shifted-beta-geometric (sBG) model (METHODS.md §5).

The cohort aggregation is one DuckDB query (:data:`COHORT_SQL`); the sBG model is fitted by
maximum likelihood (with the right-censored term) on the small result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import betaln, hyp2f1

from opskit.data.engine import query

__all__ = ["cohort_counts", "cohort_matrix", "retention_curve", "ShiftedBetaGeometric",
           "COHORT_SQL"]

COHORT_SQL = """
WITH act AS (           -- one row per user and calendar period with any activity
    SELECT DISTINCT user_id, $period_index AS p
    FROM activity
    WHERE ts < CAST($as_of AS TIMESTAMP)
), first AS (
    SELECT user_id, MIN(p) AS c, MAX(p) AS last_p FROM act GROUP BY user_id
)
SELECT f.c AS cohort, a.p - f.c AS age, COUNT(*) AS users
FROM $source
GROUP BY f.c, a.p - f.c
"""

_N_SOURCE = "act a JOIN first f USING (user_id)"
_LAST_SELECT = ("SELECT f.c AS cohort, a.p - f.c AS age, COUNT(*) AS users\nFROM $source\n"
                "GROUP BY f.c, a.p - f.c")
# unbounded: count each user once at the age of their last active period, then cumulate backwards
_UNBOUNDED_SELECT = "SELECT c AS cohort, last_p - c AS age, COUNT(*) AS users\nFROM first\nGROUP BY c, last_p - c"


def _period_sql(freq: str) -> str:
    if freq == "M":
        return "(year(ts) * 12 + month(ts) - 1)"
    if freq == "W":  # ISO weeks starting on Monday, counted from 1970-01-05 (a Monday)
        return "(date_diff('day', DATE '1970-01-05', CAST(ts AS DATE)) // 7)"
    raise ValueError("freq must be 'M' (calendar months) or 'W' (weeks starting Monday)")


def _period_start(index: np.ndarray, freq: str) -> pd.DatetimeIndex:
    index = np.asarray(index, dtype=np.int64)
    if freq == "M":
        return pd.to_datetime({"year": index // 12, "month": index % 12 + 1, "day": 1})
    return pd.Timestamp("1970-01-05") + pd.to_timedelta(index * 7, unit="D")


def cohort_counts(table: pd.DataFrame, time_col: str = "order_time", user_col: str = "user_id",
                  freq: str = "M", kind: str = "n", as_of=None) -> tuple[pd.DataFrame, pd.Series]:
    """Active users per cohort (rows) and age in periods (columns), and the cohort sizes.

    Cohort = calendar period (``M`` month, ``W`` week from Monday) of a user's first activity in
    ``table`` (orders or events) before ``as_of`` (exclusive; default: just after the last row).
    ``kind="n"``: active in period c+k (N-period/classic); ``"unbounded"``: active in period c+k or
    later. A cell is censored (NaN, not 0) when period c+k is after the period containing the last
    observed instant; the current partial period counts as observed.
    """
    if kind not in ("n", "unbounded"):
        raise ValueError("kind must be 'n' or 'unbounded'")
    frame = pd.DataFrame({"user_id": table[user_col].to_numpy(), "ts": table[time_col].to_numpy()})
    if as_of is None:
        as_of = pd.Timestamp(frame["ts"].max()) + pd.Timedelta(microseconds=1)
    as_of = pd.Timestamp(as_of)
    last_obs = as_of - pd.Timedelta(microseconds=1)
    period = _period_sql(freq)
    last_index = int(query(f"SELECT {period} AS p FROM t", t=pd.DataFrame({"ts": [last_obs]}))["p"][0])
    sql = COHORT_SQL.replace("$period_index", period).replace("$as_of", f"'{as_of.isoformat(sep=' ')}'")
    if kind == "n":
        sql = sql.replace("$source", _N_SOURCE)
    else:
        sql = sql.replace(_LAST_SELECT, _UNBOUNDED_SELECT)
    long = query(sql, activity=frame)
    if long.empty:
        return pd.DataFrame(dtype=float), pd.Series(dtype="int64")
    wide = long.pivot_table(index="cohort", columns="age", values="users", aggfunc="sum", fill_value=0)
    cohorts = np.arange(int(long["cohort"].min()), last_index + 1)
    ages = np.arange(0, last_index - cohorts[0] + 1)
    wide = wide.reindex(index=cohorts, columns=ages, fill_value=0).astype(float)
    if kind == "unbounded":  # users whose last active age >= k
        wide = wide.iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1]
    censored = (cohorts[:, None] + ages[None, :]) > last_index
    wide = wide.mask(censored)
    sizes = wide[0].astype("int64")
    keep = sizes > 0
    wide, sizes = wide[keep.to_numpy()], sizes[keep]
    labels = _period_start(wide.index.to_numpy(), freq)
    wide.index = pd.DatetimeIndex(labels, name="cohort")
    sizes.index = wide.index
    wide.columns.name = "age"
    sizes.name = "size"
    return wide, sizes


def cohort_matrix(table: pd.DataFrame, time_col: str = "order_time", user_col: str = "user_id",
                  freq: str = "M", kind: str = "n", as_of=None) -> pd.DataFrame:
    """Retention Ret[c, k] = active users of cohort c at age k / cohort size (censored cells NaN)."""
    counts, sizes = cohort_counts(table, time_col, user_col, freq, kind, as_of)
    return counts.div(sizes, axis=0)


def retention_curve(counts: pd.DataFrame, sizes: pd.Series, min_size: int = 0) -> pd.Series:
    """Pooled, size-weighted curve: Σ active_{c,k} / Σ size_c over cohorts observed at age k."""
    use = sizes >= min_size
    counts, sizes = counts[use.to_numpy()], sizes[use]
    observed = counts.notna()
    num = counts.where(observed).sum(axis=0, min_count=1)
    den = observed.mul(sizes.to_numpy(), axis=0).sum(axis=0)
    return (num / den.replace(0, np.nan)).rename("retention")


class ShiftedBetaGeometric:
    """sBG model (Fader & Hardie 2007): churn probability θ per period, θ ~ Beta(α, β).

    T is the period in which a customer churns (T = 1: does not renew after the first period).
    Fit with :meth:`fit` on individual records (periods paid, churned flag) or with
    :meth:`fit_survivors` on a survivor curve (customers alive at the start of periods 0..K).
    """

    def _set(self, alpha, beta, ll):
        self.alpha_, self.beta_ = float(alpha), float(beta)
        self.params_ = {"alpha": self.alpha_, "beta": self.beta_}
        self.log_likelihood_ = float(ll)
        return self

    @staticmethod
    def _log_pmf(t, alpha, beta):
        return betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)

    @staticmethod
    def _log_survival(t, alpha, beta):
        return betaln(alpha, beta + t) - betaln(alpha, beta)

    def _fit(self, t_churn, n_churn, t_cens, n_cens):
        def negll(logp):
            a, b = np.exp(logp)
            return -(n_churn @ self._log_pmf(t_churn, a, b) + n_cens @ self._log_survival(t_cens, a, b))

        res = optimize.minimize(negll, np.zeros(2), method="Nelder-Mead",
                                options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000})
        res = optimize.minimize(negll, res.x, method="L-BFGS-B")
        return self._set(*np.exp(res.x), -res.fun)

    def fit(self, periods, churned):
        """Individual records: ``periods`` = periods paid (≥ 1); ``churned`` = 1 if the customer
        left after those periods, 0 if still paying (then T ≥ periods, i.e. survived periods − 1)."""
        t = np.asarray(periods, dtype=float)
        c = np.asarray(churned).astype(bool)
        if np.any(t < 1):
            raise ValueError("periods must be >= 1")
        tc, nc = np.unique(t[c], return_counts=True)
        tr, nr = np.unique(t[~c] - 1, return_counts=True)
        return self._fit(tc, nc.astype(float), tr, nr.astype(float))

    def fit_survivors(self, survivors):
        """Aggregate survivor counts alive at the start of periods 0..K (e.g. 1000, 631, 468, …)."""
        s = np.asarray(survivors, dtype=float)
        lost = s[:-1] - s[1:]
        k = len(s) - 1
        return self._fit(np.arange(1, k + 1, dtype=float), lost, np.array([float(k)]),
                         np.array([s[-1]]))

    def survival(self, t):
        """S(t) = B(α, β+t)/B(α, β): share still active after t periods (S(0) = 1)."""
        return np.exp(self._log_survival(np.asarray(t, dtype=float), self.alpha_, self.beta_))

    def churn_probability(self, t):
        """P(T = t)."""
        return np.exp(self._log_pmf(np.asarray(t, dtype=float), self.alpha_, self.beta_))

    def retention_rate(self, t):
        """r_t = S(t)/S(t−1) = (β+t−1)/(α+β+t−1), increasing in t (heterogeneity, not loyalty)."""
        t = np.asarray(t, dtype=float)
        return (self.beta_ + t - 1) / (self.alpha_ + self.beta_ + t - 1)

    def derl(self, discount_rate: float, n: int = 1):
        """DERL(d | α, β, n): expected discounted number of future payments of a customer observed
        at the end of period n who has made n − 1 renewals, at discount rate d per period
        (Fader & Hardie 2010; METHODS.md §5). Multiply by the margin per period for a value."""
        a, b, d = self.alpha_, self.beta_, discount_rate
        return (b + n - 1) / (a + b + n - 1) * hyp2f1(1, b + n, a + b + n, 1 / (1 + d))
