"""Customer lifetime value: BG/NBD, Gamma-Gamma and discounted CLV.

The aggregation over raw orders (:func:`summary_from_orders`) is the named query ``clv_summary``; the
models are fitted on that small per-customer summary by maximum likelihood on the kit's fitter base
(:mod:`opskit.likelihood`: analytic gradients, L-BFGS-B on log-parameters, identical customers
collapsed into weights). Definitions, sources and oracles: ``docs/methods.md#bg-nbd`` and
``docs/methods.md#gamma-gamma``.

Inputs per customer (all times in one unit, e.g. weeks):

- ``frequency`` x: number of **repeat** purchases (the first purchase is not counted);
- ``recency`` t_x: time from the first to the last purchase (0 when x = 0);
- ``T``: time from the first purchase to the end of the observation period;
- ``monetary`` m̄: mean amount of the x repeat purchases (the first purchase is excluded).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln, hyp2f1

from opskit.data import engine
from opskit.errors import OpskitError
from opskit.likelihood import LikelihoodModel, Param, collapse
from opskit.periods import check_period

__all__ = ["BetaGeo", "GammaGamma", "summary_from_orders", "discounted_clv", "clv_simple_retention",
           "alive_probability"]


def _arr(*values):
    return [np.asarray(v, dtype=float) for v in values]


@dataclass(frozen=True)
class _Times:
    """A column of times, stored as its unique values and an index when that is much shorter
    (times in whole days), or as it is (exact times): ``apply`` evaluates a function once per
    distinct value either way."""

    values: np.ndarray
    index: np.ndarray | None

    @classmethod
    def of(cls, values: np.ndarray) -> "_Times":
        if not _few_distinct(values):
            return cls(values, None)
        codes, unique = pd.factorize(values)
        return cls(np.asarray(unique, dtype=float), codes)

    def apply(self, func) -> np.ndarray:
        out = func(self.values)
        return out if self.index is None else out[self.index]


@dataclass(frozen=True)
class _Customers:
    """Collapsed (x, t_x, T) rows, arranged so that one likelihood evaluation touches each row once.

    Terms of x alone are summed over the unique values of x with aggregated weights; customers
    without repeat purchases only need log(α + T), summed over their unique T; customers with
    repeats need the per-row dropout branch.
    """

    n: float               # customers (total weight)
    xu: np.ndarray         # unique x, and the total weight of each
    wx: np.ndarray
    t0: np.ndarray         # unique T of customers without repeats, and the weight of each
    w0: np.ndarray
    # customers with x > 0 (one row per distinct (x, t_x, T)):
    w: np.ndarray
    x: np.ndarray
    xi: np.ndarray         # index into xu
    T: _Times
    tx: _Times


#: Above this many customers, BetaGeo first fits a fixed random quarter of that many to start from.
_WARM_START_ROWS = 200_000


def _few_distinct(values: np.ndarray, sample: int = 20_000) -> bool:
    """Whether ``values`` repeat a lot (times in whole days do; exact times do not), judged on an
    evenly spaced sample: hashing half a million distinct floats costs more than it saves. Small
    inputs are always treated as repeating (hashing them is cheap)."""
    if len(values) < 50_000:
        return True
    step = max(1, len(values) // sample)
    probe = values[::step]
    return len(np.unique(probe)) * 4 < len(probe)


def _index(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique values and each value's index into them."""
    codes, unique = pd.factorize(values, sort=True)
    return np.asarray(unique, dtype=float), codes


class BetaGeo(LikelihoodModel):
    """BG/NBD model (Fader, Hardie & Lee 2005a) of repeat purchasing.

    While active a customer buys as Poisson(λ), λ ~ Gamma(r, α); after each repeat purchase
    they drop out with probability p, p ~ Beta(a, b). ``penalizer`` adds
    ``penalizer * sum(params**2)`` to the mean negative log-likelihood (0: the published MLE).
    """

    parameters = (Param("r"), Param("alpha"), Param("a"), Param("b"))

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    def fit(self, summary: pd.DataFrame, *, frequency: str = "frequency", recency: str = "recency",
            T: str = "T", weights: str | None = None) -> "BetaGeo":
        """Fit by maximum likelihood on a per-customer ``summary`` (e.g. :func:`summary_from_orders`).

        Column names are parameters; ``weights`` names an optional column counting identical
        customers. Identical (x, t_x, T) rows are collapsed before fitting.
        """
        w = None if weights is None else summary[weights]
        data, n = self._prepare(summary[frequency], summary[recency], summary[T], w)
        start = None
        if len(summary) > _WARM_START_ROWS:
            # Start from the fit on a fixed random sample: the full fit then needs few iterations.
            rows = np.random.default_rng(0).choice(len(summary), _WARM_START_ROWS // 4, replace=False)
            sample = summary.iloc[np.sort(rows)]
            start = list(type(self)(penalizer=self.penalizer).fit(
                sample, frequency=frequency, recency=recency, T=T, weights=weights).params_.values())
        return self._fit(data, n, start=start)

    @staticmethod
    def _prepare(frequency, recency, T, weights=None) -> tuple[_Customers, float]:
        """Checked, collapsed customers and their number."""
        x, tx, t_end = _arr(frequency, recency, T)
        bad = (x < 0) | (tx < 0) | (tx > t_end + 1e-9) | ((x == 0) & (tx != 0)) | ~np.isfinite(x + tx + t_end)
        if bad.any():
            raise ValueError(f"{int(bad.sum())} 行不符合 BG/NBD 的输入：需要 frequency ≥ 0、0 ≤ recency ≤ T，"
                             f"且 frequency = 0 时 recency = 0 (need frequency >= 0, 0 <= recency <= T, "
                             f"recency = 0 when frequency = 0)")
        if _few_distinct(t_end):
            cols, w = collapse({"x": x, "tx": tx, "T": t_end}, weights)
            x, tx, t_end = cols["x"], cols["tx"], cols["T"]
        else:  # exact times: almost no two customers are identical
            w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
        xu, xi = _index(x)
        rep = x > 0
        t0, i0 = _index(t_end[~rep])
        data = _Customers(n=float(w.sum()), xu=xu, wx=np.bincount(xi, w, len(xu)),
                          t0=t0, w0=np.bincount(i0, w[~rep], len(t0)),
                          w=w[rep], x=x[rep], xi=xi[rep], T=_Times.of(t_end[rep]), tx=_Times.of(tx[rep]))
        return data, data.n

    def _start(self, d):
        t_mean = (d.w0 @ d.t0 + d.w @ d.T.apply(lambda t: t)) / d.n
        return np.array([1.0, max(float(t_mean), 1.0), 1.0, 1.0])

    def _negll(self, theta, d):
        r, alpha, a, b = theta
        xu = d.xu
        # per unique x: the terms of x alone and their derivatives (r, a, b)
        a_x = gammaln(r + xu) - gammaln(r) + betaln(a, b + xu) - betaln(a, b)
        da_r = digamma(r + xu) - digamma(r)
        da_a = digamma(a + b) - digamma(a + b + xu)
        da_b = digamma(b + xu) - digamma(b) + da_a
        # customers without repeats: -r log(alpha + T), summed over their unique T
        log_a0 = np.log(alpha + d.t0)
        ll = d.wx @ a_x + d.n * r * np.log(alpha) - r * (d.w0 @ log_a0)
        grad = np.array([d.wx @ da_r + d.n * np.log(alpha) - d.w0 @ log_a0,
                         d.n * r / alpha - r * (d.w0 @ (1.0 / (alpha + d.t0))),
                         d.wx @ da_a,
                         d.wx @ da_b])
        if len(d.w):
            # customers with repeats: -(r + x) log(alpha + T) + log(1 + e), e = exp(C − B), the odds of
            # the "dropped out after the last purchase" branch
            log_at, inv_at = d.T.apply(lambda t: np.log(alpha + t)), d.T.apply(lambda t: 1.0 / (alpha + t))
            log_atx, inv_atx = d.tx.apply(lambda t: np.log(alpha + t)), d.tx.apply(lambda t: 1.0 / (alpha + t))
            b1 = np.where(xu > 0, b + xu - 1, 1.0)
            c_x = np.log(a) - np.log(b1)
            gap = log_at - log_atx
            rx = r + d.x
            e = np.exp(c_x[d.xi] + rx * gap)
            w_drop = d.w * (e / (1.0 + e))
            w_rx = d.w * rx
            ll += d.w @ np.log1p(e) - w_rx @ log_at
            grad += np.array([w_drop @ gap - d.w @ log_at,
                              (w_drop * rx) @ (inv_at - inv_atx) - w_rx @ inv_at,
                              w_drop.sum() / a,
                              -np.bincount(d.xi, w_drop, len(xu)) @ (1.0 / b1)])
        return -float(ll), -grad

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


class GammaGamma(LikelihoodModel):
    """Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005b; note 025).

    Spend z ~ Gamma(p, ν), ν ~ Gamma(q, v) (v is γ in the papers). Fitted on customers with at least
    one repeat purchase and a positive mean repeat spend m̄. Customers with a repeat purchase but a
    non-positive (or missing) m̄ — free orders, refunds netted to zero — do not fit the model: they are
    left out, counted in ``n_excluded_`` and named in a warning.
    """

    parameters = (Param("p"), Param("q"), Param("v"))

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    def fit(self, summary: pd.DataFrame, *, frequency: str = "frequency",
            monetary: str = "monetary") -> "GammaGamma":
        (data, n), self.n_excluded_ = self._prepare(summary[frequency], summary[monetary])
        if self.n_excluded_:
            warnings.warn(f"Gamma-Gamma：{self.n_excluded_:,} 位有复购的顾客平均复购金额 ≤ 0 或缺失，已排除在拟合之外"
                          f"（Gamma-Gamma: {self.n_excluded_:,} repeat customers with a non-positive or missing "
                          f"monetary value were left out of the fit）", stacklevel=2)
        return self._fit(data, n)

    @staticmethod
    def _prepare(frequency, monetary):
        """((x, m̄, log m̄, log x) of the usable customers, their number), repeat customers excluded."""
        x, m = _arr(frequency, monetary)
        repeat = x > 0
        with np.errstate(invalid="ignore"):
            usable = repeat & np.isfinite(m) & (m > 0)
        if not usable.any():
            raise OpskitError("Gamma-Gamma 需要至少一位复购金额为正的顾客（frequency > 0 且 monetary > 0），"
                              "这份数据里一位也没有：检查金额列是否都是 0，或是否只有首单。")
        x, m = x[usable], m[usable]
        return ((x, m, np.log(m), np.log(x)), float(len(x))), int((repeat & ~usable).sum())

    def _start(self, data):
        return np.array([1.0, 1.0, max(float(data[1].mean()), 1.0)])

    def _negll(self, theta, data):
        p, q, v = theta
        x, m, log_m, log_x = data
        px = p * x
        log_xmv = np.log(x * m + v)
        ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
              + (px - 1) * log_m + px * log_x - (px + q) * log_xmv)
        dq_common = digamma(px + q)
        grad = np.array([
            np.sum(x * (dq_common - digamma(px) + log_m + log_x - log_xmv)),
            np.sum(dq_common - digamma(q) + np.log(v) - log_xmv),
            np.sum(q / v - (px + q) / (x * m + v)),
        ])
        return -float(ll.sum()), -grad

    def population_mean_spend(self) -> float:
        """E[M] = v·p/(q−1) (infinite when q ≤ 1)."""
        p, q, v = self._p()
        return v * p / (q - 1) if q > 1 else np.inf

    def conditional_expected_spend(self, frequency, monetary):
        """E[M | x, m̄]: precision-weighted mean of the population mean and m̄ (x = 0 → population)."""
        p, q, v = self._p()
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
    for k in range(1, periods + 1):  # a dozen horizons, each vectorised over customers
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


def _time_unit(period: str | None, unit: str) -> tuple[str, str, float]:
    """How the query counts: (date_trunc unit of a purchase, date_diff unit, divisor to ``unit``)."""
    days = {"day": 1.0, "week": 7.0}
    if period is None and unit in days:
        return "microsecond", "microsecond", days[unit] * 86400e6
    if unit == period:
        return period, period, 1.0
    if period in days and unit in days:
        return period, "day", days[unit]
    raise ValueError(f"unit={unit!r} 与 period={period!r} 不能换算：月、季、年的长度不固定，"
                     f"请让 unit 等于 period，或用 day/week (unit must equal period unless both are day/week)")


def summary_from_orders(orders: pd.DataFrame, *, as_of=None, period: str | None = "day", unit: str = "week",
                        customer: str = "user_id", time: str = "order_time",
                        amount: str = "amount") -> pd.DataFrame:
    """Per-customer ``frequency``, ``recency``, ``T`` and ``monetary`` from raw orders.

    The named query ``clv_summary`` holds the exact rules. In short: orders at or after ``as_of``
    (exclusive; default: midnight after the last order) are ignored; a purchase is one ``period``
    of a customer with orders (``"day"`` by default: same-day orders merge into one purchase, amounts
    summed — the published CDNOW convention and the BG/NBD data model, in which two orders a few
    hours apart are not two independent repeat purchases); ``frequency`` = purchases − 1;
    ``recency`` and ``T`` run from the first purchase period to the last purchase period and to the
    last observed period, in ``unit`` (``"week"`` by default: days / 7; use ``unit=period`` for whole
    periods). Pass ``period="week"`` to count at most one purchase per week, as the ``lifetimes``
    package does with ``freq="W"``.

    ``period=None`` counts every order as a purchase with exact times (``unit`` day or week), the
    continuous-time data of the model's definition; use it only where orders are already one purchase
    each (the simulated company draws its purchases that way). One row per customer, sorted by id,
    the id column named ``customer``.
    """
    if period is not None:
        check_period(period)
    check_period(unit)
    trunc, diff_unit, divisor = _time_unit(period, unit)
    frame = engine.renamed(orders, user_id=customer, order_time=time, amount=amount)  # no copy; pandas, path or Spark
    if as_of is None:
        as_of = engine.column_max(frame, "order_time").normalize() + pd.Timedelta(days=1)
    params = {"as_of": pd.Timestamp(as_of), "period": trunc, "diff_unit": diff_unit, "divisor": divisor}
    out = engine.run("clv_summary", params, orders=frame)
    out["frequency"] = out["frequency"].astype("int64")
    return out.rename(columns={"user_id": customer}).reset_index(drop=True)


def alive_probability(orders: pd.DataFrame, *, as_of=None, period: str | None = "day") -> pd.Series:
    """Each customer's probability of still being alive at ``as_of``: BG/NBD fitted on the
    customers' summary (:func:`summary_from_orders`), then P(alive | x, t_x, T). Indexed by
    ``user_id``. Chapters that label customers as gone (RFM strategies in chapters 02 and 06) use
    this one estimate."""
    summary = summary_from_orders(orders, as_of=as_of, period=period)
    model = BetaGeo().fit(summary)
    p = model.probability_alive(summary["frequency"], summary["recency"], summary["T"])
    return pd.Series(np.asarray(p, dtype=float), index=pd.Index(summary["user_id"], name="user_id"), name="p_alive")
