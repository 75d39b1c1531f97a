"""Growth models: Bass diffusion, the four growth models, product life cycle, second curve, BCG.

Definitions, sources and oracles are in ``docs/methods.md`` (#bass, #butterfly, #unit-replication, #life-cycle, #bcg):

- :class:`BassModel` — Bass (1969) diffusion fitted by non-linear least squares, in the interval
  form m·(F(t) − F(t−1)) (default: what per-period counts are) or the density form m·f(t);
  :func:`bass_ols` is the discrete OLS of Bass (1969), kept to show its bias.
- The four growth models of the course: 渠道通道 (:func:`partner_economics`), 流量漏斗
  (:func:`funnel_rates`, :func:`funnel_change`), 用户蝴蝶 (:func:`butterfly`,
  :func:`referral_generations`, closed forms reused from :mod:`opskit.viral`) and 经营单元分布
  (:func:`unit_replication`, :class:`RampModel`); :func:`score_growth_models` is the 三大视角
  scoring matrix that recommends one.
- :func:`lifecycle_stages` (销售增长率分析法 with an acceleration split), :class:`SCurveModel`
  and :class:`SCurveModel` (where a curve's absolute growth peaks: the second-curve deadline),
  :func:`bcg_matrix`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from opskit import decomposition, viral
from opskit.data import engine
from opskit.errors import OpskitError
from opskit.likelihood import LeastSquaresModel, Param

# --------------------------------------------------------------------------- Bass diffusion


#: Per-period adoptions, t = 1…10, of the published R ``nls`` Bass example (docs/methods_growth.md):
#: NLS gives m 67,660, p 0.008789, q 0.6422 (interval form) and m 67,981, p 0.006594, q 0.6381
#: (density form); the discrete OLS gives p ≈ 0.0216, about 3× too high.
BASS_EXAMPLE = pd.Series([840, 1470, 2110, 4000, 7590, 10950, 10530, 9470, 7790, 5890],
                         index=pd.RangeIndex(1, 11, name="t"), name="adoptions")


def bass_cdf(t, p: float, q: float) -> np.ndarray:
    """Cumulative share adopted by time t: F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p)·e^{−(p+q)t})."""
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1 - decay) / (1 + (q / p) * decay)


def bass_pdf(t, p: float, q: float) -> np.ndarray:
    """Adoption density f(t) = ((p+q)²/p)·e^{−(p+q)t} / (1 + (q/p)·e^{−(p+q)t})²."""
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (p + q) ** 2 / p * decay / (1 + (q / p) * decay) ** 2


def bass_peak_time(p: float, q: float) -> float:
    """t* = ln(q/p)/(p+q), the time of peak adoption (0 when q ≤ p: adoption falls from the start)."""
    return float(np.log(q / p) / (p + q)) if q > p else 0.0


def bass_ols(adoptions) -> pd.Series:
    """Bass (1969) discrete estimate: OLS of n_t = a + b·N_{t−1} + c·N_{t−1}², N_0 = 0.

    Then m is the positive root of c·m² + b·m + a = 0, p = a/m, q = −c·m. Biased (time-interval
    bias; on the example data of docs/methods.md#bass p comes out ~3× too high) and infeasible when c ≥ 0: fit
    :class:`BassModel` instead. Returned for teaching the trap.
    """
    n = np.asarray(adoptions, dtype=float)
    prior = np.concatenate([[0.0], np.cumsum(n)[:-1]])
    design = np.column_stack([np.ones_like(prior), prior, prior ** 2])
    (a, b, c), *_ = np.linalg.lstsq(design, n, rcond=None)
    if c >= 0 or b * b - 4 * a * c < 0:
        return pd.Series({"a": a, "b": b, "c": c, "m": np.nan, "p": np.nan, "q": np.nan})
    m = (-b - np.sqrt(b * b - 4 * a * c)) / (2 * c)
    return pd.Series({"a": a, "b": b, "c": c, "m": m, "p": a / m, "q": -c * m})


class BassModel(LeastSquaresModel):
    """Bass diffusion m, p, q fitted to per-period adoptions by non-linear least squares.

    ``form="interval"`` (default) models the adoptions of period t as m·(F(t) − F(t−1)), which is
    what a per-period count is; ``form="density"`` models them as m·f(t), the form of the
    published R ``nls`` example (docs/methods.md#bass). Fitted on the kit's fitter base
    (:class:`opskit.likelihood.LeastSquaresModel`): least squares with an analytic Jacobian,
    standard errors σ̂²(JᵀJ)⁻¹ with σ̂² = RSS/(n − 3) as R's ``nls`` reports them.

    >>> BassModel().fit(t, adoptions).params_        # {"m": …, "p": …, "q": …}
    """

    parameters = (Param("m"), Param("p"), Param("q"))

    def __init__(self, form: str = "interval", start: Sequence[float] | None = None):
        self.form = form
        self.start = start

    # -- model ----------------------------------------------------------------------------
    def _curve_and_jacobian(self, t: np.ndarray, m: float, p: float, q: float):
        """Adoptions per period at ``t`` and their derivatives with respect to (m, p, q)."""
        if self.form == "interval":
            f1, d1 = _bass_cdf_and_grad(t, p, q)
            f0, d0 = _bass_cdf_and_grad(t - 1, p, q)
            share, grad = f1 - f0, d1 - d0
        else:
            share, grad = _bass_pdf_and_grad(t, p, q)
        return m * share, np.column_stack([share, m * grad[:, 0], m * grad[:, 1]])

    def _residuals(self, theta, data):
        t, y = data
        curve, jac = self._curve_and_jacobian(t, *theta)
        return y - curve, -jac

    def _start(self, data) -> np.ndarray:
        if self.start is not None:
            return np.asarray(self.start, dtype=float)
        adoptions = data[1]
        guess = bass_ols(adoptions)
        if np.isfinite(guess["m"]) and guess["m"] > adoptions.sum() and 0 < guess["p"] < 1 and 0 < guess["q"] < 3:
            return guess[["m", "p", "q"]].to_numpy(dtype=float)
        return np.array([1.5 * adoptions.sum(), 0.03, 0.38])  # the meta-analysis averages (Sultan et al. 1990)

    # -- fit ------------------------------------------------------------------------------
    def fit(self, t, adoptions) -> "BassModel":
        """Fit to adoptions per period at times ``t`` (1, 2, … periods since launch)."""
        if self.form not in ("interval", "density"):
            raise ValueError("form must be 'interval' or 'density'")
        t = np.asarray(t, dtype=float)
        y = np.asarray(adoptions, dtype=float)
        if t.shape != y.shape or t.ndim != 1:
            raise OpskitError("Bass 模型：时间 t 与每期新增采用数的长度必须相同。")
        if len(y) < 4 or not np.isfinite(y).all() or (y < 0).any() or y.sum() <= 0:
            raise OpskitError(f"Bass 模型需要至少 4 期、非负且不全为 0 的每期新增数；现在有 {len(y)} 期。"
                              "请提供从上线起逐期（如逐月）的新增客户数。")
        self._fit((t, y), n_obs=len(y))
        self.df_resid_ = max(len(y) - 3, 1)
        self.fitted_ = self.predict(t)
        return self

    # -- results --------------------------------------------------------------------------
    def predict(self, t) -> np.ndarray:
        """Adoptions per period at ``t`` (in the fitted form)."""
        return self._curve_and_jacobian(np.asarray(t, dtype=float), *self._p())[0]

    def predict_cumulative(self, t) -> np.ndarray:
        """Cumulative adopters m·F(t)."""
        m, p, q = self._p()
        return m * bass_cdf(t, p, q)

    def peak_time(self) -> float:
        """t* = ln(q/p)/(p+q) in the periods of ``t`` (since launch, t = 0 at launch)."""
        _, p, q = self._p()
        return bass_peak_time(p, q)

    def peak_adoptions(self) -> float:
        """Peak adoption rate m(p+q)²/(4q) per period (density form; m·p at t = 0 when q ≤ p)."""
        m, p, q = self._p()
        return float(m * (p + q) ** 2 / (4 * q)) if q > p else float(m * p)

    def stage_boundaries(self) -> pd.Series:
        """Adopter-category boundaries of Mahajan, Muller & Srivastava (1990): the inflection
        points of f, t* ∓ ln(2+√3)/(p+q), and t* itself (periods since launch)."""
        _, p, q = self._p()
        peak, half = self.peak_time(), np.log(2 + np.sqrt(3)) / (p + q)
        return pd.Series({"takeoff": max(peak - half, 0.0), "peak": peak, "slowdown": peak + half})


def _bass_cdf_and_grad(t: np.ndarray, p: float, q: float):
    """F(t) and its partial derivatives (dF/dp, dF/dq); F(t) = 0 for t ≤ 0."""
    t = np.maximum(np.asarray(t, dtype=float), 0.0)
    e = np.exp(-(p + q) * t)
    r = q / p
    den = 1 + r * e
    f = (1 - e) / den
    de_ds = -t * e  # s = p + q
    # dF/dp = ∂F/∂e·∂e/∂p + ∂F/∂r·∂r/∂p, with ∂e/∂p = ∂e/∂q = -t·e, ∂r/∂p = -q/p², ∂r/∂q = 1/p
    df_de = (-den - (1 - e) * r) / den ** 2
    df_dr = -(1 - e) * e / den ** 2
    grad = np.column_stack([df_de * de_ds + df_dr * (-q / p ** 2), df_de * de_ds + df_dr / p])
    return f, grad


def _bass_pdf_and_grad(t: np.ndarray, p: float, q: float):
    """f(t) and its partial derivatives (df/dp, df/dq), by differentiating f = (p + q·F)(1 − F)."""
    f_cdf, g = _bass_cdf_and_grad(t, p, q)
    dens = (p + q * f_cdf) * (1 - f_cdf)
    # d/dθ [(p + qF)(1 − F)] = (dp/dθ + dq/dθ·F + q·dF/dθ)(1 − F) − (p + qF)·dF/dθ
    dp = (1 + q * g[:, 0]) * (1 - f_cdf) - (p + q * f_cdf) * g[:, 0]
    dq = (f_cdf + q * g[:, 1]) * (1 - f_cdf) - (p + q * f_cdf) * g[:, 1]
    return dens, np.column_stack([dp, dq])


# --------------------------------------------------------------------------- 用户蝴蝶模型


def butterfly(u0: float, k: float, generations: int) -> pd.DataFrame:
    """Users per fission generation from U₀ public-domain users and a K-factor.

    Generation g brings U₀·K^g users; the cumulative total after n generations is
    U₀(1 − K^{n+1})/(1 − K) (U₀(n+1) at K = 1; :func:`opskit.viral.viral_users`), and for K < 1
    it tends to :func:`butterfly_limit` = U₀/(1 − K).
    """
    g = np.arange(generations + 1)
    return pd.DataFrame({"generation": g, "new_users": u0 * np.power(float(k), g),
                         "cumulative_users": viral.viral_users(u0, k, g)}).set_index("generation")


def butterfly_limit(u0: float, k: float) -> float:
    """U₀/(1 − K): all the users U₀ public-domain users ever bring when K < 1 (inf otherwise)."""
    return float(u0 / (1 - k)) if k < 1 else float("inf")


def referral_generations(users: pd.DataFrame, *, user: str = "user_id", referrer: str = "referrer_user_id",
                         max_depth: int = 50) -> pd.Series:
    """Fission generation of every user: 0 without a referrer, else the referrer's generation + 1.

    A referrer missing from ``users`` (an export cut) is treated as generation 0, so its invitees
    are generation 1. Users on a referral cycle (bad data) get NaN. Ids are compared as given.
    """
    parent = users.set_index(user)[referrer]
    known = parent.notna() & parent.isin(parent.index)
    gen = pd.Series(np.where(parent.notna(), np.where(known, -1, 1), 0), index=parent.index, dtype="int64")
    for depth in range(1, max_depth + 2):
        open_ = gen == -1
        if not open_.any():
            break
        parent_gen = gen.reindex(parent[open_].to_numpy()).to_numpy()
        gen[open_] = np.where(parent_gen == depth - 1, depth, -1)
    return gen.where(gen >= 0).rename("generation")


# --------------------------------------------------------------------------- 经营单元分布模型


def unit_replication(openings, ramp) -> pd.DataFrame:
    """Output of a replicated network of standard units: openings ⊗ the per-unit ramp curve.

    ``openings[s]`` units open in period s; a unit in its a-th period (a = 1 in its opening
    period) produces ``ramp[a − 1]``, and ``ramp[-1]`` after the curve ends (a mature unit stays
    at its plateau). Output(t) = Σ_{s ≤ t} openings[s]·ramp[t − s]. ``openings`` may be a Series
    (its index is kept) or an array.
    """
    index = openings.index if isinstance(openings, pd.Series) else None
    opened = np.asarray(openings, dtype=float)
    curve = np.asarray(ramp, dtype=float)
    n = len(opened)
    if n == 0 or len(curve) == 0:
        raise ValueError("need at least one period of openings and one ramp value")
    full = np.concatenate([curve, np.full(max(n - len(curve), 0), curve[-1])])[:n]
    output = np.convolve(opened, full)[:n]
    frame = pd.DataFrame({"openings": opened, "units_open": np.cumsum(opened), "output": output})
    if index is not None:
        frame.index = index
    return frame


def unit_age_output(unit_monthly, units) -> pd.DataFrame:
    """Per unit-month: the unit's age in months (1 in its opening month), type and output.

    Named query ``unit_age_output``; rows before a unit's opening month are dropped.
    """
    return engine.run("unit_age_output", unit_monthly=unit_monthly, units=units)


def _t_table(params: dict, covariance: pd.DataFrame, df_resid: int, alpha: float) -> pd.DataFrame:
    """Estimates with standard errors and t-based (1 - alpha) intervals from a fitted covariance."""
    se = np.sqrt(np.diag(covariance.to_numpy()))
    crit = stats.t.ppf(1 - alpha / 2, df_resid)
    est = np.array(list(params.values()))
    return pd.DataFrame({"estimate": est, "se": se, "ci_low": est - crit * se,
                         "ci_high": est + crit * se}, index=list(covariance.index))


class RampModel(BaseEstimator):
    """Ramp-up curve of a standard unit: output(a) = level·(1 − e^{−a/tau}), a = months open.

    With ``unit`` ids, each unit gets its own mature level L_u and the time constant tau is
    shared (units differ in size, not in how fast they learn): for a given tau every L_u has the
    closed form Σ y·g / Σ g² with g = 1 − e^{−a/tau}, and tau minimises the profile residual sum
    of squares; Var(tau) = 2σ²/RSS''(tau) (profile curvature), σ² = RSS/(n − units − 1).
    ``level`` is the mean of the L_u, its SE their spread / √units. Without ``unit`` one level is
    fitted to the pooled unit-months by non-linear least squares (Jacobian SEs, as
    :class:`BassModel`). ``time_to(0.9)`` is the months a new unit needs to reach 90% of maturity.
    """

    PARAMS = ("level", "tau")

    def fit(self, age, output, unit=None) -> "RampModel":
        a = np.asarray(age, dtype=float)
        y = np.asarray(output, dtype=float)
        if a.shape != y.shape or len(y) < 3 or (a <= 0).any() or not np.isfinite(y).all():
            raise OpskitError("爬坡曲线需要至少 3 个「开业月龄（≥ 1）— 产出」观测，月龄从 1 开始。")
        if unit is None:
            return self._fit_pooled(a, y)
        codes, labels = pd.factorize(pd.Series(unit).to_numpy(), sort=True)
        return self._fit_units(a, y, codes, labels)

    def _fit_pooled(self, a, y):
        by_age = pd.Series(y).groupby(a).mean()
        x0 = np.array([max(by_age.iloc[-min(3, len(by_age)):].mean(), 1e-6), 2.0])

        def residuals(z):
            return z[0] * (1 - np.exp(-a / z[1])) - y

        sol = optimize.least_squares(residuals, x0, bounds=([0, 1e-3], [np.inf, 1e3]), x_scale="jac",
                                     ftol=1e-12, xtol=1e-12, gtol=1e-12)
        dof = max(len(y) - 2, 1)
        sigma2 = float(np.sum(sol.fun ** 2)) / dof
        self.params_ = dict(zip(self.PARAMS, map(float, sol.x)))
        self.covariance_ = pd.DataFrame(sigma2 * np.linalg.pinv(sol.jac.T @ sol.jac), index=self.PARAMS,
                                 columns=self.PARAMS)
        self.df_resid_ = dof
        return self

    def _fit_units(self, a, y, codes, labels):
        n_units = len(labels)

        def levels(tau):
            g = 1 - np.exp(-a / tau)
            return np.bincount(codes, y * g, n_units) / np.bincount(codes, g * g, n_units), g

        def rss(log_tau):
            level, g = levels(np.exp(log_tau))
            return float(np.sum((y - level[codes] * g) ** 2))

        sol = optimize.minimize_scalar(rss, bounds=(np.log(0.05), np.log(120)), method="bounded",
                                       options={"xatol": 1e-10})
        tau = float(np.exp(sol.x))
        level, _ = levels(tau)
        dof = max(len(y) - n_units - 1, 1)
        sigma2 = sol.fun / dof
        h = 1e-4 * tau
        curvature = (rss(np.log(tau + h)) - 2 * sol.fun + rss(np.log(tau - h))) / h ** 2
        tau_var = 2 * sigma2 / curvature if curvature > 0 else np.inf
        level_var = level.var(ddof=1) / n_units if n_units > 1 else np.nan
        self.params_ = {"level": float(level.mean()), "tau": tau}
        self.covariance_ = pd.DataFrame(np.diag([level_var, tau_var]), index=self.PARAMS, columns=self.PARAMS)
        self.df_resid_ = dof
        self.unit_levels_ = pd.Series(level, index=labels, name="level")
        return self

    def _check(self):
        if not hasattr(self, "params_"):
            raise NotFittedError("RampModel is not fitted yet: call fit(age, output) first.")

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        self._check()
        return _t_table(self.params_, self.covariance_, self.df_resid_, alpha)

    def predict(self, age) -> np.ndarray:
        self._check()
        return self.params_["level"] * (1 - np.exp(-np.asarray(age, dtype=float) / self.params_["tau"]))

    def time_to(self, share: float) -> float:
        """Months until a new unit produces ``share`` of the mature level: −tau·ln(1 − share)."""
        self._check()
        return float(-self.params_["tau"] * np.log(1 - share))


# --------------------------------------------------------------------------- 渠道通道模型


def partner_economics(partner_monthly: pd.DataFrame, partners: pd.DataFrame | None = None, *,
                      gross_margin: float) -> pd.DataFrame:
    """Per partner channel: users, GMV, margin, commission (分润), support cost and net profit.

    net = GMV × gross_margin − commission − support_cost; ``commission_share`` = commission / GMV;
    ``break_even_share`` = (GMV × gross_margin − support_cost) / GMV is the commission share at
    which the partner stops paying: above it every extra yuan of GMV through the partner loses
    money. ``cost_per_user`` = (commission + support) / new users. Named query ``partner_totals``.
    """
    totals = engine.run("partner_totals", partner_monthly=partner_monthly).set_index("partner_id")
    if partners is not None:
        info = partners.set_index("partner_id")[[c for c in ("partner_name", "partner_type") if c in partners]]
        totals = info.join(totals, how="right")
    gmv = totals["gmv"].where(totals["gmv"] > 0)
    totals["margin"] = totals["gmv"] * gross_margin
    totals["net_profit"] = totals["margin"] - totals["commission"] - totals["support_cost"]
    totals["commission_share"] = totals["commission"] / gmv
    totals["break_even_share"] = (totals["margin"] - totals["support_cost"]) / gmv
    users = totals["new_users"].where(totals["new_users"] > 0)
    totals["cost_per_user"] = (totals["commission"] + totals["support_cost"]) / users
    totals["profit_per_user"] = totals["net_profit"] / users
    return totals.sort_values(["net_profit"], ascending=False, kind="stable")


# --------------------------------------------------------------------------- 流量漏斗模型

FUNNEL_STAGES = ("impressions", "clicks", "installs", "registrations", "buyers")
FUNNEL_RATES = {"impressions": "impressions", "ctr": ("clicks", "impressions"),
                "install_rate": ("installs", "clicks"), "register_rate": ("registrations", "installs"),
                "buy_rate": ("buyers", "registrations")}


def paid_funnel(channel_spend: pd.DataFrame, installs: pd.DataFrame, orders: pd.DataFrame, *,
                buy_within_days: int = 30) -> pd.DataFrame:
    """Monthly paid-media funnel: impressions → clicks → installs → registrations → buyers.

    Buyers are registrations of the month's installs whose first order falls within
    ``buy_within_days`` of the install. Named query ``paid_funnel_monthly`` (rules in its header);
    adds the cost per stage (spend / stage count).
    """
    table = engine.run("paid_funnel_monthly", {"seconds": int(buy_within_days) * 86_400},
                       channel_spend=channel_spend, installs=installs, orders=orders)
    table["month"] = pd.to_datetime(table["month"]).dt.tz_localize(None)
    table = table.set_index("month")
    for stage in FUNNEL_STAGES:
        table[f"cost_per_{stage[:-1] if stage.endswith('s') else stage}"] = (
            table["spend"] / table[stage].where(table[stage] > 0))
    return table


def funnel_rates(row: Mapping[str, float]) -> pd.Series:
    """The multiplicative factors of the funnel: buyers = impressions × ctr × install_rate ×
    register_rate × buy_rate (exactly)."""
    out = {}
    for name, spec in FUNNEL_RATES.items():
        out[name] = float(row[spec]) if isinstance(spec, str) else float(row[spec[0]]) / float(row[spec[1]])
    return pd.Series(out)


def funnel_change(before: Mapping[str, float], after: Mapping[str, float]) -> pd.Series:
    """Exact LMDI-I split of the change in buyers between two funnel rows (docs/methods.md#decomposition):
    one contribution per factor of :func:`funnel_rates`, summing to buyers¹ − buyers⁰."""
    return decomposition.lmdi(funnel_rates(before), funnel_rates(after))


# --------------------------------------------------------------------------- 三大视角


@dataclass(frozen=True)
class Recommendation:
    table: pd.DataFrame  # perspective rows × model columns, plus the weighted total
    model: str
    margin: float  # lead of the best model over the runner-up, in weighted score points


def scale_scores(values: Mapping[str, float] | pd.Series, low: float = 1, high: float = 5) -> pd.Series:
    """Map raw values linearly onto [low, high] (the best gets ``high``); all equal → midpoint."""
    v = pd.Series(values, dtype=float)
    spread = v.max() - v.min()
    if not np.isfinite(spread) or spread == 0:
        return pd.Series((low + high) / 2, index=v.index)
    return low + (v - v.min()) / spread * (high - low)


def score_growth_models(scores: pd.DataFrame, weights: Mapping[str, float]) -> Recommendation:
    """三大视角 scoring matrix: rows are perspectives (用户/竞争/内部), columns growth models,
    cells scores (e.g. 1–5). The weighted total Σ_r w_r·score_r / Σ_r w_r picks the model; ties
    break by column order."""
    w = pd.Series(weights, dtype=float).reindex(scores.index)
    if w.isna().any() or (w < 0).any() or w.sum() <= 0:
        raise OpskitError("三大视角的权重必须覆盖每一行、非负且不全为 0。")
    total = (scores.mul(w, axis=0).sum() / w.sum()).rename("加权总分")
    table = pd.concat([scores, total.to_frame().T])
    ranked = total.sort_values(ascending=False, kind="stable")
    margin = float(ranked.iloc[0] - ranked.iloc[1]) if len(ranked) > 1 else float("nan")
    return Recommendation(table, str(ranked.index[0]), margin)


# --------------------------------------------------------------------------- life cycle and second curve

STAGES = ("导入期", "成长期", "成熟期", "衰退期")


def growth_rates(revenue: pd.Series, window: int = 12) -> pd.DataFrame:
    """Annualised growth rate and its acceleration of a monthly series (one business line).

    growth = (mean of the last window/2 months ÷ mean of the window/2 months before)^(24/window) − 1,
    i.e. half-on-half growth expressed per year; acceleration = growth − growth window/2 months
    earlier (percentage points per half window). NaN until enough months exist.
    """
    half = window // 2
    level = revenue.astype(float).rolling(half, min_periods=half).mean()
    growth = (level / level.shift(half)) ** (12 / half) - 1
    return pd.DataFrame({"growth": growth, "acceleration": growth - growth.shift(half)})


def lifecycle_stages(revenue: pd.Series, *, window: int = 12, high: float = 0.10,
                     decline: float = 0.0) -> pd.DataFrame:
    """Life-cycle stage per month (销售增长率分析法, with acceleration to split the slow stages).

    Boundaries on the annualised growth g of :func:`growth_rates`:

    - 衰退期 (decline): g < ``decline`` (sales shrinking);
    - 成长期 (growth): g ≥ ``high`` (10% a year, the BCG split);
    - between the two, 导入期 (introduction) while growth is *accelerating* (a > 0: the line is
      still taking off) and 成熟期 (maturity) when it decelerates (a ≤ 0);
    - a line with fewer than ``window`` months of history is 导入期 (too young to judge).
    """
    rates = growth_rates(revenue, window)
    g, a = rates["growth"], rates["acceleration"]
    stage = np.select([g.isna(), g < decline, g >= high, a > 0], ["导入期", "衰退期", "成长期", "导入期"],
                      default="成熟期")
    return rates.assign(stage=stage)


class SCurveModel(BaseEstimator):
    """Logistic S-curve of a business line: level(t) = ceiling / (1 + e^{−rate·(t − midpoint)}).

    Fitted by non-linear least squares with Jacobian SEs (as :class:`BassModel`). The midpoint is
    the inflection, where absolute growth peaks: the second curve must start before it (Handy's
    "point A", docs/methods.md#bass). :meth:`inflection_status` says whether the data place the inflection
    before or after a date, or cannot tell. The ceiling is bounded by ``CEILING_BOUND`` × the
    largest value and the midpoint by ten data spans either side: a curve with no visible
    saturation runs to the ceiling bound (``saturation_visible_`` is False) and its estimates
    beyond the data mean only "not yet".
    """

    PARAMS = ("ceiling", "rate", "midpoint")
    CEILING_BOUND = 20.0

    def fit(self, t, level) -> "SCurveModel":
        t = np.asarray(t, dtype=float)
        y = np.asarray(level, dtype=float)
        if t.shape != y.shape or len(y) < 5 or not np.isfinite(y).all():
            raise OpskitError("拟合 S 曲线需要至少 5 期完整的数据。")
        span = max(float(np.ptp(t)), 1.0)
        x0 = np.array([1.2 * y.max(), 4.0 / span, float(np.median(t))])
        scale = np.maximum(np.abs(x0), 1e-6)
        # A ceiling beyond CEILING_BOUND × the largest value means no saturation is visible.
        lower = np.array([0.0, 1e-6, t.min() - 10 * span])
        upper = np.array([self.CEILING_BOUND * y.max(), np.inf, t.max() + 10 * span])

        def residuals(z):
            ceiling, rate, midpoint = z * scale
            return ceiling / (1 + np.exp(-rate * (t - midpoint))) - y

        sol = optimize.least_squares(residuals, np.clip(x0, lower, upper) / scale, x_scale="jac", ftol=1e-10,
                                     xtol=1e-10, gtol=1e-10, max_nfev=2_000, bounds=(lower / scale, upper / scale))
        jac = sol.jac / scale
        dof = max(len(y) - 3, 1)
        sigma2 = float(np.sum(sol.fun ** 2)) / dof
        self.params_ = dict(zip(self.PARAMS, map(float, sol.x * scale)))
        self.covariance_ = pd.DataFrame(sigma2 * np.linalg.pinv(jac.T @ jac), index=self.PARAMS, columns=self.PARAMS)
        self.df_resid_ = dof
        self.saturation_visible_ = bool(self.params_["ceiling"] < 0.99 * upper[0])
        self.t_max_ = float(t.max())
        return self

    def _check(self):
        if not hasattr(self, "params_"):
            raise NotFittedError("SCurveModel is not fitted yet: call fit(t, level) first.")

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        self._check()
        return _t_table(self.params_, self.covariance_, self.df_resid_, alpha)

    def predict(self, t) -> np.ndarray:
        self._check()
        c, r, m = self.params_.values()
        return c / (1 + np.exp(-r * (np.asarray(t, dtype=float) - m)))

    def inflection_status(self, now: float, alpha: float = 0.05) -> str:
        """``"past"`` (the whole CI of the midpoint is before ``now``), ``"ahead"`` (after it) or
        ``"unclear"`` (the CI straddles ``now``, or the series is flat or falling so that no S-curve
        fits). A curve with no visible saturation (the ceiling runs to its bound) has its
        inflection after the data: ``"ahead"`` for any ``now`` within the data."""
        row = self.summary(alpha).loc["midpoint"]
        flat = self.params_["rate"] < 1e-4  # a falling or flat series: the logistic degenerates to a line
        if flat:
            return "unclear"
        if not self.saturation_visible_:  # still accelerating at the end of the data
            return "ahead" if now <= self.t_max_ else "unclear"
        if not np.isfinite(row["se"]) or row["se"] <= 0:
            return "unclear"
        return "past" if row["ci_high"] < now else "ahead" if row["ci_low"] > now else "unclear"


# --------------------------------------------------------------------------- BCG matrix

QUADRANTS = {(True, True): "明星", (False, True): "现金牛", (True, False): "问题", (False, False): "瘦狗"}
MOVES = {"明星": "扶持明星：加大投入、跨界链接，培育成第二曲线",
         "现金牛": "强化金牛：守住份额、提效降本，拉长收割期，为明星和问题业务输血",
         "问题": "选择性投资：验证能否做到细分市场第一，做不到就收缩",
         "瘦狗": "处理瘦狗：收缩、出售或并入其他业务，释放资源"}


def relative_market_share(shares: Sequence[float]) -> np.ndarray:
    """RMS of each firm in one market: its share ÷ the largest share among the *other* firms.

    The leader is divided by the runner-up (RMS > 1); exactly one firm has RMS > 1 unless the top
    two tie, in which case both have RMS = 1 (docs/methods.md#bcg).
    """
    s = np.asarray(shares, dtype=float)
    if s.size < 2:
        raise ValueError("relative market share needs at least two firms")
    order = np.argsort(-s, kind="stable")
    top, second = s[order[0]], s[order[1]]
    largest_other = np.where(np.arange(s.size) == order[0], second, top)
    return s / largest_other


def bcg_quadrant(market_growth, relative_share, *, growth_split: float = 0.10, share_split: float = 1.0):
    """Star / cash cow / question mark / dog from market growth and RMS (splits 10% and 1.0).

    A unit exactly at the share split counts as a leader (RMS ≥ 1), at the growth split as high
    growth; a unit with a missing growth or share is ``"数据不足"``.
    """
    g = np.atleast_1d(np.asarray(market_growth, dtype=float))
    r = np.atleast_1d(np.asarray(relative_share, dtype=float))
    out = np.array(["数据不足" if not (np.isfinite(gi) and np.isfinite(ri))
                    else QUADRANTS[(bool(gi >= growth_split), bool(ri >= share_split))] for gi, ri in zip(g, r)])
    return out[0] if np.ndim(market_growth) == 0 and np.ndim(relative_share) == 0 else out


def business_line_summary(business_lines: pd.DataFrame, *, months: int = 12) -> pd.DataFrame:
    """Per line over the last ``months`` months of the report (named query ``business_line_summary``):
    revenue, market size, own share, largest rival's share and market growth (market size of the
    latest month ÷ the same month a year earlier − 1)."""
    table = engine.run("business_line_summary", {"months": int(months)}, business_lines=business_lines)
    return table.set_index("line_id")


def bcg_matrix(lines: pd.DataFrame, *, growth: str = "market_growth", share: str = "own_share",
               rival_share: str = "largest_rival_share", size: str = "revenue",
               growth_split: float = 0.10, share_split: float = 1.0) -> pd.DataFrame:
    """BCG growth-share matrix of business lines (one row each; Henderson 1970, Hedley 1977).

    RMS = own share ÷ the largest rival's share (for the leader that rival is the runner-up, so
    RMS > 1 means market leadership); quadrant by ``growth_split`` (10% a year) and ``share_split``
    (1.0); ``move`` is the standard decision for the quadrant. Plot RMS on a log axis.
    """
    missing = [c for c in (growth, share, rival_share) if c not in lines]
    if missing:
        raise OpskitError(f"BCG 矩阵缺少列 {missing}：需要市场增长率、自身份额与最大竞争对手份额。")
    out = lines.copy()
    rival = out[rival_share].where(out[rival_share] > 0)
    out["relative_share"] = out[share] / rival
    out["quadrant"] = bcg_quadrant(out[growth].to_numpy(), out["relative_share"].to_numpy(),
                                   growth_split=growth_split, share_split=share_split)
    out["move"] = out["quadrant"].map(MOVES)
    if size in out:
        out["size_share"] = out[size] / out[size].sum()
    return out


# --------------------------------------------------------------------------- staged rollout of a new business


def rollout_readout(rollout: pd.DataFrame, *, metric: str = "revenue", guardrail: str = "main_revenue",
                    covariate: str | None = "pre_revenue", exposure: Mapping[str, float] | None = None,
                    guardrail_tolerance: float = -0.03, alpha: float = 0.05) -> pd.DataFrame:
    """Read each stage of a staged rollout (灰度发布) with the A/B tools of :mod:`opskit.abtest`.

    Per stage: arm sizes and an SRM check against the designed ``exposure`` share (when given);
    the treatment − control difference of ``metric`` and of the ``guardrail`` metric by Welch's
    t-test, on CUPED-adjusted outcomes when ``covariate`` (a pre-period value) is present, and as
    a share of the control mean. ``decision``:

    - 先查分流 — sample ratio mismatch: the numbers cannot be trusted;
    - 暂停优化 — the guardrail's upper confidence bound is below ``guardrail_tolerance`` (e.g. the
      main business loses more than 3% for sure);
    - 扩大灰度 — the metric's lower bound is above 0 and the guardrail's lower bound is not below
      the tolerance;
    - 继续观察 — not enough evidence either way (usually a small stage).
    """
    from opskit import abtest

    needed = ["stage", "variant", metric, guardrail]
    missing = [c for c in needed if c not in rollout]
    if missing:
        raise OpskitError(f"灰度数据缺少列 {missing}。")
    rows = []
    for stage, group in rollout.groupby("stage", sort=True):
        control = group["variant"] == "control"
        treated = group["variant"] == "treatment"
        if control.sum() < 2 or treated.sum() < 2:
            continue
        row = {"stage": stage, "control_users": int(control.sum()), "treatment_users": int(treated.sum())}
        if exposure and stage in exposure:
            srm = abtest.srm_test([control.sum(), treated.sum()], [1 - exposure[stage], exposure[stage]])
            row["srm_p"] = srm.pvalue
            row["srm"] = srm.is_srm
        else:
            row["srm_p"], row["srm"] = np.nan, False
        for name, column in (("metric", metric), ("guardrail", guardrail)):
            y = group[column].to_numpy(dtype=float)
            if covariate and covariate in group and group[covariate].notna().all():
                y = abtest.Cuped().fit(group[covariate], y).adjust(group[covariate], y)
            test = abtest.welch_ttest(y[control.to_numpy()], y[treated.to_numpy()], alpha=alpha)
            base = group.loc[control, column].mean()
            row[f"{name}_lift"] = test.diff / base
            row[f"{name}_ci_low"] = test.ci_low / base
            row[f"{name}_ci_high"] = test.ci_high / base
            row[f"{name}_p"] = test.pvalue
        if row["srm"]:
            decision = "先查分流"
        elif row["guardrail_ci_high"] < guardrail_tolerance:
            decision = "暂停优化"
        elif row["metric_ci_low"] > 0 and row["guardrail_ci_low"] >= guardrail_tolerance:
            decision = "扩大灰度"
        else:
            decision = "继续观察"
        row["decision"] = decision
        rows.append(row)
    return pd.DataFrame(rows).set_index("stage")
