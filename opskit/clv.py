"""Customer lifetime value: BG/NBD, Gamma-Gamma and discounted CLV (METHODS.md §6).

The aggregation over raw orders (:func:`summary_from_orders`) is one DuckDB query; the models are
fitted on that small per-customer summary by maximum likelihood with scipy (log-parameters,
no penalizer by default), in scikit-learn style: ``fit(...)`` returns ``self`` and the fitted
parameters are in ``params_``.

Inputs per customer (all times in one unit, e.g. weeks):

- ``frequency`` x: number of **repeat** purchases (the first purchase is not counted);
- ``recency`` t_x: time from the first to the last purchase (0 when x = 0);
- ``T``: time from the first purchase to the end of the observation period;
- ``monetary`` m̄: mean amount of the x repeat purchases (the first purchase is excluded).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import betaln, gammaln, hyp2f1

from opskit.data.engine import query

__all__ = ["BetaGeo", "GammaGamma", "summary_from_orders", "discounted_clv",
           "clv_simple_retention", "SUMMARY_SQL", "SUMMARY_SQL_BY_DAY"]

_UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 30.0}


def _arr(*values):
    return [np.asarray(v, dtype=float) for v in values]


def _fit_logparams(negll, x0, names):
    res = optimize.minimize(negll, np.log(x0), method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000,
                                     "maxfev": 40000})
    res = optimize.minimize(negll, res.x, method="L-BFGS-B")
    if not np.isfinite(res.fun):
        raise RuntimeError("maximum-likelihood fit did not converge")
    return dict(zip(names, np.exp(res.x).tolist())), -float(res.fun)


class BetaGeo:
    """BG/NBD model (Fader, Hardie & Lee 2005a) of repeat purchasing.

    While active a customer buys as Poisson(λ), λ ~ Gamma(r, α); after each repeat purchase
    they drop out with probability p, p ~ Beta(a, b). ``penalizer`` adds
    ``penalizer * sum(params**2)`` to the negative log-likelihood (0: the published MLE).
    """

    names = ("r", "alpha", "a", "b")

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    @staticmethod
    def _loglik(params, x, tx, T):
        r, alpha, a, b = params
        first = betaln(a, b + x) - betaln(a, b) + gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        term1 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            term2 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                             - (r + x) * np.log(alpha + tx), -np.inf)
        return first + np.logaddexp(term1, term2)

    def fit(self, frequency, recency, T, weights=None):
        """Fit by maximum likelihood; ``weights`` counts identical customers (optional)."""
        x, tx, T = _arr(frequency, recency, T)
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        if np.any(x < 0) or np.any(tx > T + 1e-9) or np.any((x == 0) & (tx != 0)):
            raise ValueError("need frequency >= 0, recency <= T and recency = 0 when frequency = 0")
        n = w.sum()

        def negll(logp):
            p = np.exp(logp)
            ll = self._loglik(p, x, tx, T)
            return -(w @ ll) / n + self.penalizer * np.sum(p ** 2)

        params, mean_ll = _fit_logparams(negll, [1.0, max(T.mean(), 1.0), 1.0, 1.0], self.names)
        self.params_ = params
        self.log_likelihood_ = mean_ll * n
        return self

    def _p(self):
        return tuple(self.params_[k] for k in self.names)

    def expected_purchases_new(self, t):
        """E[X(t)]: expected purchases in (0, t] of a customer who has just made a first purchase."""
        r, alpha, a, b = self._p()
        t = np.asarray(t, dtype=float)
        return ((a + b - 1) / (a - 1)) * (
            1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))

    def probability_alive(self, frequency, recency, T):
        """P(alive | x, t_x, T); equal to 1 when x = 0 (a property of the model)."""
        r, alpha, a, b = self._p()
        x, tx, T = _arr(frequency, recency, T)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (
                np.log(alpha + T) - np.log(alpha + tx))
        return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700))), 1.0)

    def conditional_expected_purchases(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T]: expected purchases in the next t time units."""
        r, alpha, a, b = self._p()
        x, tx, T = _arr(frequency, recency, T)
        t = np.asarray(t, dtype=float)
        z = t / (alpha + T + t)
        num = ((a + b + x - 1) / (a - 1)) * (
            1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
        return num * self.probability_alive(x, tx, T)


class GammaGamma:
    """Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005b; note 025).

    Spend z ~ Gamma(p, ν), ν ~ Gamma(q, v) (v is γ in the papers). Fit only on customers with
    at least one repeat purchase, with m̄ the mean of their repeat purchases.
    """

    names = ("p", "q", "v")

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    def fit(self, frequency, monetary):
        x, m = _arr(frequency, monetary)
        keep = x > 0
        x, m = x[keep], m[keep]
        if len(x) == 0 or np.any(m <= 0):
            raise ValueError("need customers with frequency > 0 and positive monetary value")
        n = len(x)

        def negll(logp):
            p, q, v = np.exp(logp)
            px = p * x
            ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
                  + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(x * m + v))
            return -ll.sum() / n + self.penalizer * (p * p + q * q + v * v)

        params, mean_ll = _fit_logparams(negll, [1.0, 1.0, max(m.mean(), 1.0)], self.names)
        self.params_ = params
        self.log_likelihood_ = mean_ll * n
        return self

    def population_mean_spend(self) -> float:
        """E[M] = v·p/(q−1) (infinite when q ≤ 1)."""
        p, q, v = (self.params_[k] for k in self.names)
        return v * p / (q - 1) if q > 1 else np.inf

    def conditional_expected_spend(self, frequency, monetary):
        """E[M | x, m̄]: precision-weighted mean of the population mean and m̄ (x = 0 → population)."""
        p, q, v = (self.params_[k] for k in self.names)
        x, m = _arr(frequency, monetary)
        m = np.where(x > 0, m, 0.0)
        return p * (v + x * m) / (p * x + q - 1)


def discounted_clv(bgnbd: BetaGeo, frequency, recency, T, spend, *, periods: int = 12,
                   period_length: float = 30.0 / 7.0, discount_rate: float = 0.01,
                   margin: float = 1.0):
    """Discounted CLV over ``periods`` future periods (e.g. months) per customer.

    CLV = Σ_{k=1..periods} margin · spend · (E[Y(k·L)] − E[Y((k−1)·L)]) / (1 + d)^k, where L is
    ``period_length`` in the model's time unit (default 30/7: months when the model is in weeks),
    ``d`` the discount rate **per period** (convert an annual rate: (1+i)^(1/12) − 1), and ``spend``
    the expected spend per purchase (e.g. :meth:`GammaGamma.conditional_expected_spend`).
    """
    x, tx, T = _arr(frequency, recency, T)
    spend = np.asarray(spend, dtype=float)
    total = np.zeros(np.broadcast(x, spend).shape)
    prev = np.zeros_like(x)
    for k in range(1, periods + 1):
        cur = bgnbd.conditional_expected_purchases(k * period_length, x, tx, T)
        total = total + (cur - prev) / (1 + discount_rate) ** k
        prev = cur
    return margin * spend * total


def clv_simple_retention(margin: float, retention: float, discount_rate: float,
                         margin_at_start: bool = False) -> float:
    """Closed-form CLV with a constant margin m, retention r and discount rate i per period.

    ``margin_at_start=False``: first margin at the end of period 1, CLV = m·r/(1+i−r)
    (Gupta & Lehmann). ``True``: margin also received at t = 0, CLV = m(1+i)/(1+i−r).
    """
    if not 0 <= retention < 1 + discount_rate:
        raise ValueError("need 0 <= retention < 1 + discount_rate")
    if margin_at_start:
        return margin * (1 + discount_rate) / (1 + discount_rate - retention)
    return margin * retention / (1 + discount_rate - retention)


SUMMARY_SQL = """
WITH per_user AS (
    SELECT user_id, COUNT(*) - 1 AS frequency,
           MIN(order_time) AS first_time, MAX(order_time) AS last_time,
           SUM(amount) AS total, arg_min(amount, order_time) AS first_amount
    FROM orders
    WHERE order_time < CAST($as_of AS TIMESTAMP)
    GROUP BY user_id
)
SELECT user_id,
       frequency,
       date_diff('second', first_time, last_time) / $unit_seconds AS recency,
       date_diff('second', first_time, CAST($as_of AS TIMESTAMP)) / $unit_seconds AS "T",
       CASE WHEN frequency > 0 THEN (total - first_amount) / frequency ELSE 0 END AS monetary
FROM per_user
ORDER BY user_id
"""

SUMMARY_SQL_BY_DAY = """
WITH days AS (          -- one purchase per customer and calendar day (same-day orders merged)
    SELECT user_id, CAST(order_time AS DATE) AS day, SUM(amount) AS amount
    FROM orders
    WHERE order_time < CAST($as_of AS TIMESTAMP)
    GROUP BY user_id, CAST(order_time AS DATE)
), per_user AS (
    SELECT user_id, COUNT(*) - 1 AS frequency, MIN(day) AS first_day, MAX(day) AS last_day,
           SUM(amount) AS total, arg_min(amount, day) AS first_amount
    FROM days
    GROUP BY user_id
)
SELECT user_id,
       frequency,
       date_diff('day', first_day, last_day) * 86400 / $unit_seconds AS recency,
       date_diff('day', first_day, CAST(CAST($as_of AS TIMESTAMP) AS DATE)) * 86400 / $unit_seconds AS "T",
       CASE WHEN frequency > 0 THEN (total - first_amount) / frequency ELSE 0 END AS monetary
FROM per_user
ORDER BY user_id
"""


def summary_from_orders(orders: pd.DataFrame, as_of=None, unit: str = "W",
                        merge_same_day: bool = False) -> pd.DataFrame:
    """Per-customer frequency / recency / T / monetary from ``orders`` (user_id, order_time, amount).

    Rules (DuckDB query :data:`SUMMARY_SQL`): orders at or after ``as_of`` (exclusive cut-off;
    default: midnight after the last order) are ignored; ``frequency`` = orders − 1 (the first
    order is not a repeat); ``recency`` = time from the first to the last order; ``T`` = time from
    the first order to ``as_of``; both in the unit (D = 1, W = 7, M = 30 days), from timestamps to
    the second; ``monetary`` = mean amount of the repeat orders (0 when frequency = 0; ties for the
    first order at the same second are broken arbitrarily). With ``merge_same_day=True``
    (:data:`SUMMARY_SQL_BY_DAY`, the convention of the ``lifetimes`` package) orders on the same
    calendar day are one purchase with the amounts summed and times are whole days. One row per
    user, sorted by user_id.
    """
    if unit not in _UNIT_DAYS:
        raise ValueError(f"unit must be one of {sorted(_UNIT_DAYS)}")
    frame = orders[["user_id", "order_time", "amount"]]
    if as_of is None:
        as_of = pd.Timestamp(frame["order_time"].max()).normalize() + pd.Timedelta(days=1)
    as_of = pd.Timestamp(as_of)
    sql = SUMMARY_SQL_BY_DAY if merge_same_day else SUMMARY_SQL
    sql = (sql.replace("$as_of", f"'{as_of.isoformat(sep=' ')}'")
           .replace("$unit_seconds", repr(_UNIT_DAYS[unit] * 86400.0)))
    out = query(sql, orders=frame)
    out["frequency"] = out["frequency"].astype("int64")
    return out.reset_index(drop=True)
