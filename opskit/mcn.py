"""The 达人 matrix (MCN化运营): tiers, per-达人 economics, ramp-up, pipeline, private domains, S2b2C.

Raw-table aggregations run as named SQL (``opskit/data/sql``): :func:`kol_summary`,
:func:`follower_summary`, :func:`repeat_rates`, :func:`response_times`, :func:`recruit_order_ages`.
The statistics run on their small results:

- :func:`kol_economics`: ROI after returns, gross margin, fees, commission, samples and training
  (docs/methods.md#concentration: ROI = (GMV·(1 − return rate)·GM − cost) / cost; GMV/cost is ROAS, not ROI);
- :class:`RampCurve`: the ramp-up of new 达人, λ(a) = A_k·(1 − exp(−a/τ)), fitted by Poisson maximum
  likelihood with one plateau A_k per 达人 profiled out (a 1-d search over τ);
- :class:`FollowerLifetime`: how often followers buy and how long they stay (exponential stay,
  Poisson purchases); by Little's law the mean stay is the ramp's time constant;
- :func:`leave_rate_model`: how supply-chain response time drives 达人 away, a Poisson regression of
  leaving on mean response days with log exposure as offset (an exponential hazard model);
- :func:`s2b2c_split`: a consumer price split into supplier, 小b commission and platform fee,
  exactly to the cent;
- :func:`funnel` and :func:`sign_rates`: the 招募 → 签约 → 培训 → 首单 → 标杆 pipeline.

Concentration and the head-leaves scenario live in :mod:`opskit.concentration`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from opskit.data import engine
from opskit.tokens import split_amounts, to_cents

TIERS = ("头部", "腰部", "尾部")


# --- aggregations (named SQL) -------------------------------------------------------------------


def kol_summary(kol_daily, kols: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-达人 totals of ``kol_daily`` (named query ``kol_summary``), indexed by ``kol_id``.

    With ``kols`` every 达人 of the roster appears, those without a row with zeros: zero-sales
    达人 belong in n when measuring concentration.
    """
    out = engine.run("kol_summary", kol_daily=kol_daily).set_index("kol_id")
    if kols is not None:
        out = out.reindex(pd.Index(kols["kol_id"].unique(), name="kol_id"))
        totals = ["active_days", "impressions", "engagements", "orders", "gmv", "returns", "cost"]
        out[totals] = out[totals].fillna(0)
    return out


def follower_summary(follower_orders, *, as_of) -> pd.DataFrame:
    """Per 达人 and list owner: orders, followers, GMV and its split (named query ``follower_summary``)."""
    return engine.run("follower_summary", {"as_of": pd.Timestamp(as_of)}, follower_orders=follower_orders)


def recruit_order_ages(follower_orders, kol_roster, *, since, as_of) -> pd.DataFrame:
    """Ages (days since joining) of the private-domain orders of 达人 who joined on or after ``since``."""
    return engine.run("recruit_order_ages", {"since": pd.Timestamp(since), "as_of": pd.Timestamp(as_of)},
                      follower_orders=follower_orders, kol_roster=kol_roster[["kol_id", "join_date", "leave_date"]])


def response_times(kol_requests, *, as_of, sla_hours: float = 24.0) -> pd.DataFrame:
    """Per 达人: requests, mean and max response hours, requests over the SLA (``kol_response``)."""
    out = engine.run("kol_response", {"as_of": pd.Timestamp(as_of), "sla_hours": float(sla_hours)},
                     kol_requests=kol_requests)
    return out.set_index("kol_id")


def repeat_rates(purchases: pd.DataFrame, *, days: float, as_of, group: str | None = None,
                 buyer: str = "buyer_id", time: str = "order_time",
                 cutoffs: pd.Series | None = None, platform_label: str = "platform") -> pd.DataFrame:
    """Share of buyers whose first observed purchase is followed by another within ``days``.

    ``group`` names the column that splits buyers (a 达人's private domain: ``kol_id``); without it
    the whole table is one group labelled ``platform_label``. ``cutoffs`` (group → timestamp)
    ends a group's observation early, e.g. the day a 达人 left. Named query ``repeat_within``;
    returns buyers, repeaters, the rate and a Wilson 95% interval per group. ``purchases`` may be
    a frame, a Spark DataFrame or a Parquet/CSV path (``cutoffs`` then need ``group``).
    """
    cut = (cutoffs.dropna() if cutoffs is not None else pd.Series(dtype="datetime64[us]"))
    if isinstance(purchases, pd.DataFrame):
        frame = pd.DataFrame({"group_key": purchases[group] if group else platform_label,
                              "buyer_id": purchases[buyer], "order_time": purchases[time]})
    else:  # a Spark DataFrame or a file: a projection; without a group, one NULL key, labelled below
        if not group and len(cut):
            raise ValueError("cutoffs need a group column when purchases is a Spark DataFrame or a file")
        frame = engine.renamed(purchases, group_key=group, buyer_id=buyer, order_time=time)
    cut_frame = pd.DataFrame({"group_key": cut.index.astype(str),
                              "end_time": pd.to_datetime(cut.to_numpy()).astype("datetime64[us]")})
    out = engine.run("repeat_within", {"as_of": pd.Timestamp(as_of), "days": float(days)},
                     purchases=frame, cutoffs=cut_frame)
    if not group:
        out["group_key"] = platform_label
    out = out.rename(columns={"group_key": group or "group"}).set_index(group or "group")
    out["buyers"] = out["buyers"].astype(np.int64)
    out["repeaters"] = out["repeaters"].astype(np.int64)
    out["rate"] = out["repeaters"] / out["buyers"]
    low, high = wilson_interval(out["repeaters"].to_numpy(), out["buyers"].to_numpy())
    return out.assign(ci_low=low, ci_high=high)


def wilson_interval(successes, trials, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions (well-behaved near 0 and 1 and for small n)."""
    k, n = np.asarray(successes, float), np.asarray(trials, float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z ** 2 / (2 * n)) / (1 + z ** 2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / (1 + z ** 2 / n)
    return centre - half, centre + half


# --- tiers and economics ------------------------------------------------------------------------


def matrix_tiers(values: pd.Series, cuts=(0.5, 0.8)) -> pd.Series:
    """头部/腰部/尾部 by cumulative share (ABC analysis): sorted descending, a unit is 头部 while the
    share held by the units above it is below ``cuts[0]``, 腰部 below ``cuts[1]``, else 尾部.

    The largest unit is always 头部; ties are broken by the index (stable order).
    """
    order = values.sort_values(ascending=False, kind="stable")
    total = float(order.sum())
    if total <= 0:
        raise ValueError("values sum to zero")
    before = (order.cumsum() - order) / total
    tier = np.where(before < cuts[0], TIERS[0], np.where(before < cuts[1], TIERS[1], TIERS[2]))
    return pd.Series(tier, index=order.index, name="tier").reindex(values.index)


def kol_economics(summary: pd.DataFrame, roster: pd.DataFrame | None = None, *,
                  gross_margin: float) -> pd.DataFrame:
    """Who pays back: per-达人 GMV after returns, margin, costs and ROI.

    ``summary`` is :func:`kol_summary` (gmv, returns, cost per 达人); ``roster`` adds sample and
    training costs when it has them. cost = fees + commission (kol_daily); full cost adds samples
    and training. ROAS = GMV / cost; ROI = (GMV − returns)·GM / full cost − 1 (docs/methods.md#concentration).
    """
    out = summary[["gmv", "returns", "cost"]].astype(float).copy()
    extra = pd.DataFrame(index=out.index, data={"sample_cost": 0.0, "training_cost": 0.0})
    if roster is not None:
        r = roster.set_index("kol_id")
        for col in ("sample_cost", "training_cost"):
            if col in r:
                extra[col] = r[col].reindex(out.index).fillna(0.0).astype(float)
    out = out.join(extra)
    out["return_rate"] = np.where(out["gmv"] > 0, out["returns"] / out["gmv"].where(out["gmv"] > 0), np.nan)
    out["net_gmv"] = out["gmv"] - out["returns"]
    out["margin"] = out["net_gmv"] * gross_margin
    out["full_cost"] = out["cost"] + out["sample_cost"] + out["training_cost"]
    out["roas"] = out["gmv"] / out["cost"].where(out["cost"] > 0)
    out["roi"] = out["margin"] / out["full_cost"].where(out["full_cost"] > 0) - 1
    out["profit"] = out["margin"] - out["full_cost"]
    out["pays_back"] = out["profit"] > 0
    return out


def monthly_gmv(summary: pd.DataFrame, *, months: float, column: str = "gmv") -> pd.Series:
    """Each unit's GMV per month over a data window of ``months`` months."""
    if months <= 0:
        raise ValueError("months must be positive")
    return summary[column].astype(float) / months


# --- ramp-up of new 达人 ------------------------------------------------------------------------


class RampCurve(BaseEstimator):
    """Ramp-up of new units: events arrive at rate A_k·(1 − exp(−a/τ)) at age a of unit k.

    Fitted by Poisson maximum likelihood on the ages of every event (an order of a new 达人's
    private domain) and each unit's exposure (days observed since joining). For a given τ the
    plateau A_k = N_k / (E_k − τ(1 − e^(−E_k/τ))) in closed form, so the fit is a bounded 1-d search
    over τ on the profile log-likelihood. ``n_boot`` > 0 adds a percentile interval from resampling
    units (orders of one 达人's followers are clustered, so the Poisson curvature understates the
    uncertainty).

    Fitted: ``tau_`` (days), ``plateau_`` (events per day at full strength, per unit),
    ``loglik_``, ``tau_ci_`` (when bootstrapped), ``n_events_``, ``n_units_``.
    """

    def __init__(self, tau_bounds=(1.0, 365.0), n_boot: int = 0, random_state: int = 0):
        self.tau_bounds = tau_bounds
        self.n_boot = n_boot
        self.random_state = random_state

    @staticmethod
    def _profile(tau: float, ages: np.ndarray, counts: np.ndarray, exposure: np.ndarray) -> float:
        cumulative = exposure + tau * np.expm1(-exposure / tau)
        plateau = np.where(counts > 0, counts / cumulative, 0.0)
        with np.errstate(divide="ignore"):
            log_ramp = np.log(-np.expm1(-np.maximum(ages, 1e-9) / tau))
        keep = counts > 0
        return float(log_ramp.sum() + (counts[keep] * np.log(plateau[keep])).sum() - counts.sum())

    def _solve(self, ages, counts, exposure) -> float:
        res = optimize.minimize_scalar(lambda t: -self._profile(t, ages, counts, exposure),
                                       bounds=self.tau_bounds, method="bounded", options={"xatol": 1e-6})
        return float(res.x)

    def fit(self, events: pd.DataFrame, exposure: pd.Series, *, unit: str = "kol_id", age: str = "age_days"):
        """``events``: one row per event with its ``unit`` and ``age``; ``exposure``: days observed
        per unit (indexed by unit id; units without events count with zero events)."""
        exposure = exposure.astype(float)
        if (exposure <= 0).any():
            raise ValueError("every unit needs a positive exposure")
        events = events.loc[events[unit].isin(exposure.index)]
        if (events[age] < 0).any() or (events[age] > exposure.reindex(events[unit]).to_numpy()).any():
            raise ValueError("event ages must lie within [0, exposure] of their unit")
        counts = events.groupby(unit).size().reindex(exposure.index, fill_value=0).to_numpy()
        ages = events[age].to_numpy(dtype=float)
        self.tau_ = self._solve(ages, counts, exposure.to_numpy())
        cumulative = exposure.to_numpy() + self.tau_ * np.expm1(-exposure.to_numpy() / self.tau_)
        self.plateau_ = pd.Series(counts / cumulative, index=exposure.index, name="plateau")
        self.loglik_ = self._profile(self.tau_, ages, counts, exposure.to_numpy())
        self.n_events_, self.n_units_ = int(counts.sum()), int(exposure.size)
        if self.n_boot:
            rng = np.random.default_rng(self.random_state)
            codes = pd.Index(exposure.index).get_indexer(events[unit])
            order = np.argsort(codes, kind="stable")
            by_unit = np.split(ages[order], np.cumsum(np.bincount(codes, minlength=exposure.size))[:-1])
            taus = []
            for _ in range(self.n_boot):
                pick = rng.integers(0, exposure.size, exposure.size)
                taus.append(self._solve(np.concatenate([by_unit[i] for i in pick]), counts[pick],
                                        exposure.to_numpy()[pick]))
            self.tau_ci_ = tuple(np.percentile(taus, [2.5, 97.5]))
        return self

    def ramp(self, age_days):
        """Share of full strength reached at ``age_days``."""
        check_is_fitted(self, "tau_")
        return -np.expm1(-np.maximum(np.asarray(age_days, dtype=float), 0) / self.tau_)

    def days_to(self, share: float = 0.9) -> float:
        """Days until a new unit reaches ``share`` of its plateau: −τ·ln(1 − share)."""
        check_is_fitted(self, "tau_")
        return float(-self.tau_ * np.log1p(-share))


def plateau_rates(events: pd.DataFrame, spans: pd.DataFrame, tau_days: float, *, unit: str = "kol_id") -> pd.Series:
    """Each unit's rate at full strength, given the ramp's time constant ``tau_days``.

    ``spans`` (indexed by unit) holds ``start_age`` and ``end_age``: the ages in days between which
    the unit was observed (an incumbent seen from age 300, a recruit from 0). With N events the
    Poisson estimate is N / ∫ (1 − e^(−a/τ)) da over the span, so units observed at different ages
    are compared at full strength.
    """
    a0, a1 = spans["start_age"].to_numpy(dtype=float), spans["end_age"].to_numpy(dtype=float)
    if (a0 < 0).any() or (a1 <= a0).any():
        raise ValueError("spans need 0 <= start_age < end_age")
    integral = (a1 - a0) - tau_days * (np.exp(-a0 / tau_days) - np.exp(-a1 / tau_days))
    counts = events.groupby(unit).size().reindex(spans.index, fill_value=0).to_numpy()
    return pd.Series(counts / integral, index=spans.index, name="plateau")


def observed_spans(kol_roster: pd.DataFrame, *, window_start, as_of) -> pd.DataFrame:
    """Ages (days since joining) at which each 达人 was observed inside [window_start, as_of),
    up to its leave date."""
    r = kol_roster.set_index("kol_id")
    start = r["join_date"].clip(lower=pd.Timestamp(window_start))
    end = r["leave_date"].fillna(pd.Timestamp(as_of)).clip(upper=pd.Timestamp(as_of))
    day = pd.Timedelta(days=1)
    spans = pd.DataFrame({"start_age": (start - r["join_date"]) / day, "end_age": (end - r["join_date"]) / day})
    return spans.loc[spans["end_age"] > spans["start_age"]]


def ramp_exposure(kol_roster: pd.DataFrame, *, since, as_of) -> pd.Series:
    """Days each 达人 who joined on or after ``since`` was observed: join → min(leave, ``as_of``)."""
    r = kol_roster.loc[kol_roster["join_date"] >= pd.Timestamp(since)]
    end = r["leave_date"].fillna(pd.Timestamp(as_of)).clip(upper=pd.Timestamp(as_of))
    return pd.Series(((end - r["join_date"]) / pd.Timedelta(days=1)).to_numpy(), index=r["kol_id"].to_numpy(),
                     name="exposure_days").loc[lambda s: s > 0]


def follower_histories(follower_orders, *, as_of, cutoffs: pd.Series | None = None) -> pd.DataFrame:
    """Per (kol_id, follower_id): repeats, recency_days and observed_days from the first observed
    purchase (named query ``follower_histories``); ``cutoffs`` (kol_id → time) ends a 达人's
    observation early, e.g. the day it left."""
    cut = cutoffs.dropna() if cutoffs is not None else pd.Series(dtype="datetime64[us]")
    cut_frame = pd.DataFrame({"kol_id": cut.index.astype(str),
                              "end_time": pd.to_datetime(cut.to_numpy()).astype("datetime64[us]")})
    return engine.run("follower_histories", {"as_of": pd.Timestamp(as_of)},
                      follower_orders=follower_orders, cutoffs=cut_frame)


class FollowerLifetime(BaseEstimator):
    """How long followers stay and how often they buy: Poisson purchases at rate λ while active,
    an exponential active time with rate μ (mean stay 1/μ), as in the Pareto/NBD model without
    heterogeneity (Schmittlein, Morrison & Colombo 1987; individual likelihood in Fader & Hardie).

    For a follower with ``repeats`` x, last purchase ``recency_days`` tₓ after the first and
    observation ``observed_days`` T: L = λˣ·[μ·e^(−(λ+μ)tₓ) + λ·e^(−(λ+μ)T)] / (λ+μ).
    λ is estimated per group (e.g. the 达人's source) and μ is shared. Because the stay is
    memoryless, the first *observed* purchase may be any purchase, so followers who were already
    active when the data starts are used as they are.

    By Little's law a new 达人's private domain then ramps up as 1 − exp(−a·μ): the mean stay is the
    ramp's time constant, estimated from every follower instead of the few new 达人.

    Fitted: ``lambda_`` (Series by group, purchases per day), ``mu_``, ``stay_days_`` (1/μ) with a
    95% interval ``stay_ci_`` (delta method on log μ), ``loglik_``, ``n_followers_``.
    """

    def __init__(self, max_iter: int = 500):
        self.max_iter = max_iter

    @staticmethod
    def _negll(theta, x, tx, T, codes):
        lam, mu = np.exp(theta[:-1])[codes], np.exp(theta[-1])
        total = lam + mu
        ll = (x * np.log(lam) - np.log(total)
              + np.logaddexp(np.log(mu) - total * tx, np.log(lam) - total * T))
        return -float(ll.sum())

    def fit(self, histories: pd.DataFrame, group: str | None = None):
        x = histories["repeats"].to_numpy(dtype=float)
        tx = histories["recency_days"].to_numpy(dtype=float)
        T = histories["observed_days"].to_numpy(dtype=float)
        if (tx < 0).any() or (T < tx).any():
            raise ValueError("need 0 <= recency_days <= observed_days for every follower")
        labels = histories[group].astype(str) if group else pd.Series("all", index=histories.index)
        codes, names = pd.factorize(labels, sort=True)
        start = np.log(np.r_[np.full(len(names), max(x.sum() / max(T.sum(), 1e-9), 1e-4)), 1 / 30])
        res = optimize.minimize(self._negll, start, args=(x, tx, T, codes), method="L-BFGS-B",
                                options={"maxiter": self.max_iter})
        theta = res.x
        self.lambda_ = pd.Series(np.exp(theta[:-1]), index=pd.Index(names, name=group or "group"), name="lambda")
        self.mu_ = float(np.exp(theta[-1]))
        self.stay_days_ = 1 / self.mu_
        se_log_mu = float(np.sqrt(np.diag(np.linalg.inv(_hessian(self._negll, theta, x, tx, T, codes))))[-1])
        self.stay_ci_ = (float(np.exp(-theta[-1] - 1.96 * se_log_mu)), float(np.exp(-theta[-1] + 1.96 * se_log_mu)))
        self.loglik_ = -float(res.fun)
        self.n_followers_ = int(len(x))
        return self

    def repeat_probability(self, days: float) -> pd.Series:
        """P(a purchase is followed by another within ``days``) = λ/(λ+μ)·(1 − e^(−(λ+μ)·days))."""
        check_is_fitted(self, "mu_")
        total = self.lambda_ + self.mu_
        return (self.lambda_ / total * -np.expm1(-total * days)).rename("repeat_probability")


def _hessian(f, theta, *args, step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``theta`` (few parameters, smooth likelihoods)."""
    k = theta.size
    h = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            e_i, e_j = np.eye(k)[i] * step, np.eye(k)[j] * step
            h[i, j] = h[j, i] = (f(theta + e_i + e_j, *args) - f(theta + e_i - e_j, *args)
                                 - f(theta - e_i + e_j, *args) + f(theta - e_i - e_j, *args)) / (4 * step ** 2)
    return h


# --- supply chain and leaving (the 加竹生活 lesson) ---------------------------------------------


def tenure_table(kol_roster: pd.DataFrame, response: pd.DataFrame, *, window_start, as_of) -> pd.DataFrame:
    """Per 达人: days at risk of leaving inside [window_start, as_of), whether it left, mean response."""
    start, end = pd.Timestamp(window_start), pd.Timestamp(as_of)
    r = kol_roster.set_index("kol_id")
    at_risk_from = r["join_date"].clip(lower=start)
    left = r["leave_date"].notna() & (r["leave_date"] >= start) & (r["leave_date"] < end)
    until = r["leave_date"].where(left, end)
    out = pd.DataFrame({"exposure_days": (until - at_risk_from) / pd.Timedelta(days=1), "left": left.astype(int)})
    out = out.join(response[["requests", "mean_hours"]], how="inner")
    return out.loc[out["exposure_days"] > 0]


def leave_rate_model(table: pd.DataFrame, *, hours_per_unit: float = 24.0) -> dict[str, float]:
    """Exponential hazard of leaving vs mean response time: a Poisson GLM of ``left`` on
    ``mean_hours / hours_per_unit`` with log(``exposure_days``) as offset.

    Returns the rate ratio per extra ``hours_per_unit`` of response (with a 95% interval), the
    baseline daily hazard at one unit of response time and the number of 达人 and departures.
    """
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    x = table["mean_hours"].to_numpy(dtype=float) / hours_per_unit - 1
    design = np.column_stack([np.ones_like(x), x])
    fit = GLM(table["left"].to_numpy(dtype=float), design, family=families.Poisson(),
              offset=np.log(table["exposure_days"].to_numpy(dtype=float))).fit()
    low, high = fit.conf_int()[1]
    return {"rate_ratio": float(np.exp(fit.params[1])), "ci_low": float(np.exp(low)), "ci_high": float(np.exp(high)),
            "base_hazard_per_day": float(np.exp(fit.params[0])), "p_value": float(fit.pvalues[1]),
            "kols": int(len(table)), "departures": int(table["left"].sum())}


# --- S2b2C --------------------------------------------------------------------------------------


def s2b2c_split(amount, *, commission_rate: float, platform_rate: float) -> pd.DataFrame:
    """Split consumer prices (yuan) into ``supplier_amount``, ``commission`` (小b) and ``platform_fee``.

    Commission and fee are rounded half up to the cent; the supplier takes the remainder, so the
    three add up to the price exactly for every order (computed in integer cents).
    """
    cents = split_amounts(to_cents(amount), {"commission": commission_rate, "platform_fee": platform_rate},
                          remainder="supplier_amount")
    return cents[["supplier_amount", "commission", "platform_fee"]] / 100


def split_rates(totals: pd.DataFrame) -> dict[str, float]:
    """The effective shares of the consumer price from summed split columns (e.g. :func:`follower_summary`)."""
    gmv = float(totals["gmv"].sum())
    return {col: float(totals[col].sum()) / gmv for col in ("supplier_amount", "commission", "platform_fee")}


# --- recruitment pipeline -----------------------------------------------------------------------


def sign_rates(candidates: pd.DataFrame, by: str = "source") -> pd.DataFrame:
    """Candidates contacted and signed per ``by`` value, with the sign rate and a Wilson interval."""
    g = candidates.groupby(by, sort=True).agg(contacted=("candidate_id", "size"),
                                              signed=("signed_date", "count"))
    g["rate"] = g["signed"] / g["contacted"]
    g["ci_low"], g["ci_high"] = wilson_interval(g["signed"].to_numpy(), g["contacted"].to_numpy())
    return g


def benchmark_dates(daily: pd.DataFrame, *, threshold: float, window_days: int = 30) -> pd.Series:
    """The first day each 达人's private-domain GMV over the trailing ``window_days`` calendar days
    reached ``threshold`` (标杆); 达人 who never did are absent. ``daily`` is :func:`follower_daily`."""
    if daily.empty:
        return pd.Series(dtype="datetime64[us]", name="benchmark_date")
    wide = daily.pivot_table(index="day", columns="kol_id", values="gmv", aggfunc="sum")
    wide = wide.reindex(pd.date_range(wide.index.min(), wide.index.max(), freq="D"), fill_value=0).fillna(0)
    rolling = wide.rolling(window_days, min_periods=1).sum()
    reached = rolling >= threshold
    first = reached.idxmax().where(reached.any())
    return first.dropna().rename("benchmark_date")


def follower_daily(follower_orders, *, as_of) -> pd.DataFrame:
    """Orders, buyers and GMV per 达人 private domain per day (named query ``follower_daily``)."""
    return engine.run("follower_daily", {"as_of": pd.Timestamp(as_of)}, follower_orders=follower_orders)


def funnel(candidates: pd.DataFrame, first_sale: pd.Series, benchmark: pd.Series) -> pd.DataFrame:
    """The pipeline 接触 → 签约 → 培训 → 首单 → 标杆: candidates reaching each step, the step's
    conversion, the share of all contacts and the median days from contact.

    ``first_sale`` and ``benchmark`` are dates indexed by kol_id (from the private-domain orders).
    A signed candidate counts at a later step only if it reached every earlier one.
    """
    c = candidates.copy()
    ids = c["kol_id"].astype("string")
    c["first_sale"] = pd.to_datetime(ids.map(first_sale).astype("datetime64[us]"))
    c["benchmark"] = pd.to_datetime(ids.map(benchmark).astype("datetime64[us]"))
    steps = {"contacted": c["contact_date"], "signed": c["signed_date"], "trained": c["trained_date"],
             "first_sale": c["first_sale"], "benchmark": c["benchmark"]}
    reached = pd.Series(True, index=c.index)
    rows = []
    for name, dates in steps.items():
        reached = reached & dates.notna()
        days = (dates[reached] - c.loc[reached, "contact_date"]) / pd.Timedelta(days=1)
        rows.append({"step": name, "candidates": int(reached.sum()),
                     "median_days": float(days.median()) if reached.any() else np.nan})
    out = pd.DataFrame(rows).set_index("step")
    out["step_rate"] = out["candidates"] / out["candidates"].shift(1)
    out["overall_rate"] = out["candidates"] / out["candidates"].iloc[0]
    return out


# --- who owns the follower list (所有权与运营权分离) --------------------------------------------


def ownership(summary: pd.DataFrame, *, company: str = "公司") -> pd.DataFrame:
    """Per 达人: private-domain GMV and followers, and the share of each on company-owned lists."""
    wide = summary.pivot_table(index="kol_id", columns="account_owner", values=["gmv", "followers"],
                               aggfunc="sum", fill_value=0)
    gmv, followers = wide["gmv"].sum(axis=1), wide["followers"].sum(axis=1)
    own_gmv = wide["gmv"][company] if company in wide["gmv"] else 0.0
    own_followers = wide["followers"][company] if company in wide["followers"] else 0
    return pd.DataFrame({"gmv": gmv, "followers": followers, "company_gmv_share": own_gmv / gmv,
                         "company_follower_share": own_followers / followers})


def stay_after_leaving(follower_orders, kol_roster: pd.DataFrame, *, window_days: int = 30,
                       as_of) -> pd.DataFrame:
    """What a 达人's departure does to its private domain: orders per day in the ``window_days``
    before and after the leave date, by list owner, pooled over the 达人 who left with a full
    window on both sides (named query ``leave_window_orders``). ``ratio`` = after / before;
    ``attrs["kols"]`` is the number of departures pooled."""
    r = kol_roster.dropna(subset=["leave_date"])
    w = pd.Timedelta(days=window_days)
    r = r.loc[(r["leave_date"] - w >= r["join_date"]) & (r["leave_date"] + w <= pd.Timestamp(as_of))]
    departures = pd.DataFrame({"kol_id": r["kol_id"].to_numpy(),
                               "leave_time": pd.to_datetime(r["leave_date"]).astype("datetime64[us]").to_numpy()})
    counts = engine.run("leave_window_orders", {"window_days": float(window_days)},
                        follower_orders=follower_orders, departures=departures).set_index("account_owner")
    counts = counts[["before", "after"]].astype(float) / (window_days * max(len(departures), 1))
    counts["ratio"] = counts["after"] / counts["before"].where(counts["before"] > 0)
    counts.attrs["kols"] = int(len(departures))
    return counts
