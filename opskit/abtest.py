"""A/B testing: sample size, tests for proportions, means and ratio metrics, SRM, CUPED,
multiple testing and a peeking simulation.

Conventions: ``control`` is arm A, ``treatment`` is arm B; every difference is
treatment − control; tests are two-sided. Formulas and oracles: docs/methods.md#ab-testing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted


@dataclass(frozen=True)
class TestResult:
    """Result of a two-arm comparison (difference = treatment − control)."""

    control: float
    treatment: float
    diff: float
    ci_low: float
    ci_high: float
    statistic: float
    pvalue: float
    method: str

    @property
    def rel_diff(self) -> float:
        """Relative difference treatment / control − 1."""
        return self.treatment / self.control - 1 if self.control else float("nan")

    def to_dict(self) -> dict:
        return {**asdict(self), "rel_diff": self.rel_diff}


def _z(alpha: float) -> float:
    return stats.norm.ppf(1 - alpha / 2)


# --- sample size -----------------------------------------------------------------------------

SampleSizeVariant = Literal["pooled", "unpooled", "continuity", "cohen_h", "rule_of_thumb"]


def sample_size_proportions(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8,
                            variant: SampleSizeVariant = "pooled") -> int:
    """Users per arm to detect ``p1 → p2`` with a two-sided test (rounded up).

    ``pooled`` (default): Fleiss, Levin & Paik without continuity correction, H₀ variance at the
    pooled rate; ``unpooled``; ``continuity`` (Fleiss with continuity correction); ``cohen_h``
    (arcsine effect size); ``rule_of_thumb``: 16·p₁(1−p₁)/δ² (α = .05, power .8 only).
    10% → 11% gives 14,751 / 14,749 / 14,951 / 14,745 / 14,400.
    """
    delta = abs(p2 - p1)
    if delta == 0:
        raise ValueError("p1 and p2 must differ")
    za, zb = _z(alpha), stats.norm.ppf(power)
    q1, q2 = 1 - p1, 1 - p2
    if variant == "rule_of_thumb":
        n = 16 * p1 * q1 / delta**2  # σ² at the baseline rate
    elif variant == "cohen_h":
        h = abs(2 * np.arcsin(np.sqrt(p2)) - 2 * np.arcsin(np.sqrt(p1)))
        n = 2 * (za + zb) ** 2 / h**2
    elif variant == "unpooled":
        n = (za + zb) ** 2 * (p1 * q1 + p2 * q2) / delta**2
    elif variant in ("pooled", "continuity"):
        pbar = (p1 + p2) / 2
        n = (za * np.sqrt(2 * pbar * (1 - pbar)) + zb * np.sqrt(p1 * q1 + p2 * q2)) ** 2 / delta**2
        if variant == "continuity":
            n = n / 4 * (1 + np.sqrt(1 + 4 / (n * delta))) ** 2
    else:
        raise ValueError(f"unknown variant {variant!r}")
    return int(np.ceil(n - 1e-9))


def sample_size_means(effect_size: float, alpha: float = 0.05, power: float = 0.8,
                      exact: bool = True) -> int:
    """Users per arm for a standardised difference ``effect_size`` = δ/σ (Cohen's d).

    ``exact=True`` solves the two-sample t-test power with the noncentral t (d = 0.5 → 64);
    otherwise the normal approximation 2(z_{1−α/2} + z_{1−β})²/d² (d = 0.5 → 63).
    """
    d = abs(effect_size)
    za, zb = _z(alpha), stats.norm.ppf(power)
    n_normal = 2 * (za + zb) ** 2 / d**2
    if not exact:
        return int(np.ceil(n_normal - 1e-9))

    def shortfall(n: float) -> float:
        df = 2 * n - 2
        crit = stats.t.ppf(1 - alpha / 2, df)
        nc = d * np.sqrt(n / 2)
        return stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc) - power

    n = optimize.brentq(shortfall, 2, 10 * n_normal + 10)
    return int(np.ceil(n - 1e-9))


def power_proportions(p1: float, p2: float, n: float | np.ndarray, alpha: float = 0.05):
    """Power of the pooled two-proportion z-test with ``n`` users per arm (inverse of the
    ``pooled`` sample size; ignores the negligible opposite tail)."""
    n = np.asarray(n, dtype=float)
    pbar = (p1 + p2) / 2
    se0 = np.sqrt(2 * pbar * (1 - pbar) / n)
    se1 = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    return stats.norm.cdf((abs(p2 - p1) - _z(alpha) * se0) / se1)


def mde_proportions(p1: float, n: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest absolute lift above ``p1`` detectable with ``n`` users per arm (pooled test)."""
    return optimize.brentq(lambda d: power_proportions(p1, p1 + d, n, alpha) - power, 1e-9, 1 - p1 - 1e-9)


# --- tests -----------------------------------------------------------------------------------

def proportions_ztest(x1: int, n1: int, x2: int, n2: int, alpha: float = 0.05) -> TestResult:
    """Two-proportion z-test of arm 2 (treatment) vs arm 1 (control).

    The statistic uses the pooled standard error (H₀: equal rates); the confidence interval of
    p₂ − p₁ uses the unpooled (Wald) standard error. z² equals the 2×2 Pearson χ² without Yates.
    """
    p1, p2 = x1 / n1, x2 / n2
    pbar = (x1 + x2) / (n1 + n2)
    z = (p2 - p1) / np.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    half = _z(alpha) * se
    return TestResult(p1, p2, p2 - p1, p2 - p1 - half, p2 - p1 + half, float(z),
                      float(2 * stats.norm.sf(abs(z))), "two-proportion z-test")


def welch_ttest(control, treatment, alpha: float = 0.05) -> TestResult:
    """Welch's t-test of mean(treatment) − mean(control), with the Welch–Satterthwaite df."""
    a, b = np.asarray(control, dtype=float), np.asarray(treatment, dtype=float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    diff = b.mean() - a.mean()
    t = diff / se
    half = stats.t.ppf(1 - alpha / 2, df) * se
    return TestResult(a.mean(), b.mean(), diff, diff - half, diff + half, float(t),
                      float(2 * stats.t.sf(abs(t), df)), f"Welch t-test (df={df:.1f})")


def delta_method_variance(numerator, denominator) -> float:
    """Variance of the ratio Σnumerator/Σdenominator over randomisation units (delta method).

    Var(R) ≈ (1/n)[σ_Y²/μ_N² − 2μ_Y σ_YN/μ_N³ + μ_Y² σ_N²/μ_N⁴] with sample moments (ddof=1);
    when every denominator is 1 it equals s_Y²/n.
    """
    y, m = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    n = len(y)
    my, mn = y.mean(), m.mean()
    cov = np.cov(y, m, ddof=1)
    return float((cov[0, 0] / mn**2 - 2 * my * cov[0, 1] / mn**3 + my**2 * cov[1, 1] / mn**4) / n)


def ratio_metric_test(num_control, den_control, num_treatment, den_treatment,
                      alpha: float = 0.05) -> TestResult:
    """z-test of a ratio metric (e.g. clicks / pageviews) when users, not pageviews, are randomised.

    Each arm's ratio is Σnum/Σden and its variance comes from :func:`delta_method_variance`;
    treating pageviews as independent trials would understate the variance.
    """
    rc = np.sum(num_control) / np.sum(den_control)
    rt = np.sum(num_treatment) / np.sum(den_treatment)
    se = np.sqrt(delta_method_variance(num_control, den_control)
                 + delta_method_variance(num_treatment, den_treatment))
    z = (rt - rc) / se
    half = _z(alpha) * se
    return TestResult(float(rc), float(rt), float(rt - rc), float(rt - rc - half), float(rt - rc + half),
                      float(z), float(2 * stats.norm.sf(abs(z))), "ratio metric, delta method")


@dataclass(frozen=True)
class SrmResult:
    """Sample-ratio-mismatch check: Pearson χ² goodness of fit of arm counts to the design."""

    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi2: float
    pvalue: float
    alpha: float

    @property
    def is_srm(self) -> bool:
        return self.pvalue < self.alpha


def srm_test(counts: Sequence[int], expected_shares: Sequence[float] | None = None,
             alpha: float = 0.001) -> SrmResult:
    """Flag a sample ratio mismatch when p < ``alpha`` (0.001 by common practice).

    821,588 vs 815,482 on a 50/50 design: χ² = 22.77, p = 1.8e-6.
    """
    obs = np.asarray(counts, dtype=float)
    shares = np.full(len(obs), 1 / len(obs)) if expected_shares is None else np.asarray(expected_shares, float)
    exp = obs.sum() * shares / shares.sum()
    chi2, p = stats.chisquare(obs, exp)
    return SrmResult(tuple(int(c) for c in obs), tuple(float(e) for e in exp), float(chi2), float(p), alpha)


class Cuped(BaseEstimator):
    """CUPED variance reduction (Deng et al. 2013): Y_cv = Y − θ(X − X̄), θ = Cov(Y,X)/Var(X).

    Fit on both arms pooled with a *pre-experiment* covariate X, then adjust both arms with the same θ.
    As in scikit-learn the covariate comes first: ``fit(x, y)``, ``adjust(x, y)``. Fitted: ``theta_``,
    ``x_mean_``, ``rho_`` (corr(X,Y)), ``variance_reduction_`` (share of Var(Y) removed; → ρ² in large
    samples).
    """

    def fit(self, x, y) -> "Cuped":
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        cov = np.cov(y, x, ddof=1)
        self.theta_ = float(cov[0, 1] / cov[1, 1]) if cov[1, 1] > 0 else 0.0
        self.x_mean_ = float(x.mean())
        self.rho_ = float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])) if cov[1, 1] > 0 else 0.0
        self.variance_reduction_ = float(1 - self.adjust(x, y).var(ddof=1) / y.var(ddof=1))
        return self

    def adjust(self, x, y) -> np.ndarray:
        """The CUPED-adjusted outcome (same mean as ``y`` on the fitting data)."""
        check_is_fitted(self, "theta_")
        return np.asarray(y, dtype=float) - self.theta_ * (np.asarray(x, dtype=float) - self.x_mean_)


# --- incentive economics ---------------------------------------------------------------------

def incentive_arms(converted, arm, coupon_value=None, *, control: str = "control",
                   send_cost: float = 0.0, order_value: float = 0.0, alpha: float = 0.05):
    """Each treatment arm of a randomised incentive test (reminder, coupon ...) against ``control``.

    ``converted`` is 0/1 per user, ``arm`` the user's arm label, ``coupon_value`` the face value of the
    coupon the user was offered (0 or missing: none). A coupon is paid only when the user converts,
    so an arm's cost = ``send_cost`` × users + Σ coupon value over its converters (every converter
    counted as redeeming: an upper bound). Incremental orders = (rate − control rate) × users; the net
    value = incremental orders × ``order_value`` (the margin an order brings) − cost, with a CI from
    the two rates' unpooled variances (net per user = m·(p_a − p_c) − s − v̄·p_a, linear in the rates).

    Returns one row per treatment arm (sorted by label): users, conversions, rate, control_rate,
    diff, ci_low, ci_high, pvalue (two-proportion z-test), incremental_orders, cost,
    cost_per_incremental_order (NaN unless incremental orders > 0), net_value, net_ci_low, net_ci_high.
    """
    y = np.asarray(converted, dtype=float)
    labels = np.asarray(arm, dtype=object)
    value = np.zeros(len(y)) if coupon_value is None else np.nan_to_num(np.asarray(coupon_value, dtype=float))
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("converted must be 0/1")
    in_control = labels == control
    n_c, x_c = int(in_control.sum()), int(y[in_control].sum())
    if n_c == 0:
        raise ValueError(f"no user in the control arm {control!r}")
    p_c = x_c / n_c
    z = _z(alpha)
    rows = []
    for name in sorted(set(labels[~in_control]), key=str):
        mask = labels == name
        n_a, x_a = int(mask.sum()), int(y[mask].sum())
        test = proportions_ztest(x_c, n_c, x_a, n_a, alpha)
        mean_value = value[mask].mean()
        cost = send_cost * n_a + float((value[mask] * y[mask]).sum())
        incremental = test.diff * n_a
        net = incremental * order_value - cost
        p_a = x_a / n_a
        se = np.sqrt((order_value - mean_value) ** 2 * p_a * (1 - p_a) / n_a
                     + order_value ** 2 * p_c * (1 - p_c) / n_c) * n_a
        rows.append({"arm": name, "users": n_a, "conversions": x_a, "rate": p_a, "control_rate": p_c,
                     "diff": test.diff, "ci_low": test.ci_low, "ci_high": test.ci_high,
                     "pvalue": test.pvalue, "incremental_orders": incremental, "cost": cost,
                     "cost_per_incremental_order": cost / incremental if incremental > 0 else float("nan"),
                     "net_value": net, "net_ci_low": net - z * se, "net_ci_high": net + z * se})
    return pd.DataFrame(rows).set_index("arm")


# --- multiple testing ------------------------------------------------------------------------

def adjust_pvalues(pvalues: Sequence[float],
                   method: Literal["bonferroni", "holm", "bh"] = "holm") -> np.ndarray:
    """Adjusted p-values in the original order; reject where adjusted p ≤ α.

    ``bonferroni`` and ``holm`` (step-down) control the family-wise error rate; ``bh``
    (Benjamini–Hochberg step-up) controls the false discovery rate.
    """
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    ps = p[order]
    if method == "bonferroni":
        adj = np.minimum(ps * m, 1)
    elif method == "holm":
        adj = np.minimum(np.maximum.accumulate(ps * (m - np.arange(m))), 1)
    elif method == "bh":
        adj = np.minimum(np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1], 1)
    else:
        raise ValueError(f"unknown method {method!r}")
    out = np.empty(m)
    out[order] = adj
    return out


# --- peeking ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PeekingResult:
    """A/A simulation: how often a test 'wins' when we look repeatedly and stop at the first p < α."""

    looks: int
    alpha: float
    false_positive_final: float      # only the planned final look
    false_positive_peeking: float    # any look significant
    cumulative: np.ndarray           # share of runs significant at least once up to look k


def simulate_peeking(n_sims: int = 2000, users_per_look: int = 500, looks: int = 20,
                     rate: float = 0.1, alpha: float = 0.05, seed: int = 0) -> PeekingResult:
    """Simulate ``n_sims`` A/A tests on a conversion rate with a z-test after every look."""
    rng = np.random.default_rng(seed)
    conv = rng.binomial(users_per_look, rate, size=(n_sims, looks, 2)).cumsum(axis=1)
    n = users_per_look * np.arange(1, looks + 1)[None, :]
    p1, p2 = conv[..., 0] / n, conv[..., 1] / n
    pbar = (p1 + p2) / 2
    se = np.sqrt(pbar * (1 - pbar) * 2 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (p2 - p1) / se, 0.0)
    sig = 2 * stats.norm.sf(np.abs(z)) < alpha
    cumulative = np.logical_or.accumulate(sig, axis=1).mean(axis=0)
    return PeekingResult(looks, alpha, float(sig[:, -1].mean()), float(cumulative[-1]), cumulative)
