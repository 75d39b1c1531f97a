"""Campaign incrementality: what a promotion really added, and to whom it is worth sending.

Designs, each for a situation an operator meets (docs/methods.md#campaigns):

* :func:`did`: difference in differences as two-way fixed effects (TWFE) on a unit × period panel,
  Y_it = α_i + λ_t + δ·D_it + ε_it. On a 2×2 panel it equals the classic
  (Ȳ_T,post − Ȳ_T,pre) − (Ȳ_C,post − Ȳ_C,pre) exactly (Angrist & Pischke 2015, ch. 5). Standard
  errors are clustered by unit when there are enough units.
* :func:`event_study`: the same regression with one coefficient per period relative to the start,
  so the pre-period coefficients show whether trends were parallel.
* :class:`SyntheticControl`: one treated unit, weights over donor units (Abadie, Diamond &
  Hainmueller 2010), with in-space placebos for inference.
* :func:`its`: interrupted time series, a state-space baseline (statsmodels
  ``UnobservedComponents``) fitted before the start and forecast after it, with simulated
  intervals for the effect over any window (pull-forward before and the dip after a promotion).
* :func:`incremental_by_group` and :func:`selection_value`: increments per audience group from a
  randomised holdout, and the ROI of sending a campaign to a selected audience.

Methods take tables and return numbers or tables; they never plot and never read files. See
``docs/methods.md`` for the oracles each is tested against.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from opskit.data import engine
from opskit.errors import OpskitError

# --- panels from raw tables (named SQL) ---------------------------------------------------------


def _campaign_known(campaigns: pd.DataFrame, campaign_id: str) -> None:
    if campaign_id not in set(campaigns["campaign_id"].astype("string")):
        raise OpskitError(f"活动表中没有活动 {campaign_id!r}。解决办法：检查活动 ID（ID 是文本，注意大小写与前导零）。")


def city_panel(city_daily: pd.DataFrame, campaigns: pd.DataFrame, campaign_cities: pd.DataFrame,
               campaign_id: str, *, pre_days: int, post_days: int = 0) -> pd.DataFrame:
    """City × day panel around a campaign with ``in_campaign``, ``during``, ``treated``,
    ``rel_day`` and ``rel_week`` (named query ``campaign_city_panel``; its header has the rules)."""
    _campaign_known(campaigns, campaign_id)
    out = engine.run("campaign_city_panel", {"campaign_id": campaign_id, "pre_days": int(pre_days),
                                             "post_days": int(post_days)},
                     city_daily=city_daily[["date", "city_id", "orders", "gmv"]],
                     campaigns=campaigns[["campaign_id", "start_date", "end_date"]],
                     campaign_cities=campaign_cities[["campaign_id", "city_id"]])
    out["city_id"] = out["city_id"].astype("string")
    for col in ("in_campaign", "during", "treated", "rel_day", "rel_week"):
        out[col] = out[col].astype("int64")
    return out


def campaign_days(daily: pd.DataFrame, campaigns: pd.DataFrame, phases: pd.DataFrame, campaign_id: str, *,
                  pre_days: int, post_days: int) -> pd.DataFrame:
    """Company totals per day around a campaign, with ``period`` and ``phase`` (named query
    ``campaign_daily``). ``daily`` is any table with ``date, orders, gmv`` (a city × day report or
    the output of :func:`daily_sales`)."""
    _campaign_known(campaigns, campaign_id)
    out = engine.run("campaign_daily", {"campaign_id": campaign_id, "pre_days": int(pre_days),
                                        "post_days": int(post_days)},
                     daily=daily[["date", "orders", "gmv"]],
                     campaigns=campaigns[["campaign_id", "start_date", "end_date"]],
                     campaign_phases=phases[["campaign_id", "phase", "start_date", "end_date"]])
    out["phase"] = out["phase"].astype("string")
    out["period"] = out["period"].astype("string")
    return out


def daily_totals(daily: pd.DataFrame) -> pd.DataFrame:
    """Company totals per day of a daily report such as ``city_daily`` (named query ``daily_totals``)."""
    return engine.run("daily_totals", daily=daily[["date", "orders", "gmv"]])


def yoy_growth(totals: pd.DataFrame, *, weeks: int, excluded=(), value: str = "gmv") -> dict:
    """Year-over-year growth of the last ``weeks`` weeks of ``totals`` (``date`` and ``value``):
    the sum over those days divided by the sum over the same weekdays 364 days earlier, keeping
    only day pairs where neither day is in ``excluded`` (campaign days, holidays) and both have data.
    """
    series = totals.set_index("date")[value].astype(float)
    series.index = pd.DatetimeIndex(series.index).normalize()
    excluded = pd.DatetimeIndex(excluded).normalize()
    last = series.index.max()
    recent = pd.date_range(last - pd.Timedelta(days=7 * weeks - 1), last, freq="D")
    earlier = recent - pd.Timedelta(days=364)
    keep = (recent.isin(series.index) & earlier.isin(series.index) & ~recent.isin(excluded) & ~earlier.isin(excluded))
    if keep.sum() < 7:
        raise OpskitError(f"最近 {weeks} 周与一年前同期可比的日子不足 7 天（需要一年以上的日数据，且避开活动日）。"
                          "解决办法：提供更长的历史，或减少排除的日子。")
    now, before = series.reindex(recent[keep]).sum(), series.reindex(earlier[keep]).sum()
    return {"growth": float(now / before - 1), "days": int(keep.sum()), "recent_gmv": float(now),
            "year_earlier_gmv": float(before), "first_day": recent[keep].min(), "last_day": recent[keep].max()}


def daily_sales(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders and GMV per day from an order table (named query ``daily_sales``)."""
    return engine.run("daily_sales", orders=orders[["order_time", "amount"]])


def campaign_windows(city_daily: pd.DataFrame, campaigns: pd.DataFrame, campaign_cities: pd.DataFrame) -> pd.DataFrame:
    """Per campaign, GMV of the covered cities during it and in as many days just before it
    (named query ``campaign_windows``), with the gross change ``gross_lift`` = during / before − 1.

    Gross, not incremental: it includes the season and every other campaign.
    """
    out = engine.run("campaign_windows", city_daily=city_daily[["date", "city_id", "gmv"]],
                     campaigns=campaigns[["campaign_id", "start_date", "end_date"]],
                     campaign_cities=campaign_cities[["campaign_id", "city_id"]])
    out["campaign_id"] = out["campaign_id"].astype("string")
    complete = (out["days_before"] == out["days"]) & (out["days_during"] == out["days"])
    out["gross_lift"] = (out["gmv_during"] / out["gmv_before"] - 1).where(complete & (out["gmv_before"] > 0))
    return out


def other_campaign_days(campaigns: pd.DataFrame, exclude: str | None = None,
                        tail_days: dict[str, int] | None = None) -> pd.DatetimeIndex:
    """Days covered by campaigns other than ``exclude``, each extended by ``tail_days`` of its
    type (the dip after a big promotion), for masking them out of a baseline."""
    tail_days = tail_days or {}
    days = []
    for row in campaigns.itertuples():
        if row.campaign_id == exclude:
            continue
        tail = int(tail_days.get(row.campaign_type, 0))
        days.append(pd.date_range(row.start_date, pd.Timestamp(row.end_date) + pd.Timedelta(days=tail), freq="D"))
    if not days:
        return pd.DatetimeIndex([])
    return days[0].append(days[1:]).unique().sort_values()


# --- difference in differences ---------------------------------------------------------------


@dataclass(frozen=True)
class DidResult:
    """A difference-in-differences estimate.

    ``se`` and ``ci`` are NaN when the panel leaves no residual degrees of freedom (a 2×2 panel
    with one row per cell). ``cluster`` names the clustering (``"unit"``) or is ``None`` for
    conventional standard errors.
    """

    effect: float
    se: float
    ci: tuple[float, float]
    p_value: float
    n_obs: int
    n_units: int
    n_periods: int
    cluster: str | None
    df: float
    coefficients: pd.Series = field(repr=False, default_factory=lambda: pd.Series(dtype=float))

    def to_dict(self) -> dict:
        return {"effect": self.effect, "se": self.se, "ci_low": self.ci[0], "ci_high": self.ci[1],
                "p_value": self.p_value, "n_obs": self.n_obs, "n_units": self.n_units,
                "n_periods": self.n_periods, "cluster": self.cluster}


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of opaque labels (ids are never converted to numbers)."""
    codes, uniques = pd.factorize(values, sort=False)
    if (codes < 0).any():
        raise OpskitError(f"列 {values.name} 有空值：每一行都要有{values.name}。解决办法：删除或补全这些行。")
    return codes, len(uniques)


def _demean(matrix: np.ndarray, unit: np.ndarray, n_unit: int, time: np.ndarray, n_time: int,
            tol: float = 1e-10, max_iter: int = 10_000) -> np.ndarray:
    """Partial out unit and period fixed effects by alternating projections (exact on a balanced
    panel after one sweep; geometric convergence otherwise)."""
    out = np.array(matrix, dtype=float, copy=True)
    unit_n = np.bincount(unit, minlength=n_unit)
    time_n = np.bincount(time, minlength=n_time)
    scale = np.maximum(np.abs(out).max(axis=0), 1.0)
    for _ in range(max_iter):
        before = out.copy()
        for codes, counts, size in ((unit, unit_n, n_unit), (time, time_n, n_time)):
            for j in range(out.shape[1]):
                out[:, j] -= (np.bincount(codes, weights=out[:, j], minlength=size) / counts)[codes]
        if np.max(np.abs(out - before) / scale) < tol:
            return out
    raise OpskitError("双向固定效应没有收敛：面板可能被分成互不相连的几块（某些单元与其他单元没有共同时期）。"
                      "解决办法：只保留有共同时期的单元，或检查时间列。")


def _twfe(panel: pd.DataFrame, outcome: str, unit: str, time: str, regressors: list[str],
          cluster: str | bool, min_clusters: int):
    """OLS of the demeaned outcome on the demeaned regressors; statsmodels results and metadata."""
    missing = [c for c in [outcome, unit, time, *regressors] if c not in panel]
    if missing:
        raise OpskitError(f"面板缺少列 {missing}。解决办法：传入正确的列名（outcome=、unit=、time=、treated=）。")
    frame = panel[[outcome, unit, time, *regressors]]
    bad = frame[[outcome, *regressors]].isna().any(axis=1) | ~np.isfinite(
        frame[[outcome, *regressors]].to_numpy(dtype=float)).all(axis=1)
    if bad.any():
        rows = list(np.flatnonzero(bad.to_numpy())[:5])
        raise OpskitError(f"面板有 {int(bad.sum())} 行的 {outcome} 或处理变量为空或非有限数（如第 {rows} 行）。"
                          "解决办法：删除这些行，或把空值补成 0 之前先想清楚它的含义。")
    unit_codes, n_unit = _codes(frame[unit])
    time_codes, n_time = _codes(frame[time])
    values = frame[[outcome, *regressors]].to_numpy(dtype=float)
    tilde = _demean(values, unit_codes, n_unit, time_codes, n_time)
    y, X = tilde[:, 0], tilde[:, 1:]
    if np.any(np.abs(X).max(axis=0) < 1e-12):
        raise OpskitError("处理变量被固定效应完全吸收：要么没有处理组，要么所有单元同时被处理、没有对照。"
                          "解决办法：面板里需要同时有处理与未处理的单元-时期。")
    n_obs, k = X.shape
    absorbed = n_unit + n_time - 1
    df_resid = n_obs - k - absorbed
    use_cluster = (cluster == "unit") or (cluster == "auto" and n_unit >= min_clusters)
    model = sm.OLS(y, X)
    fit = model.fit()
    params = np.asarray(fit.params)
    if df_resid <= 0:
        cov = np.full((k, k), np.nan)
        dof = 0.0
    elif use_cluster:
        raw = sm.stats.sandwich_covariance.cov_cluster(fit, unit_codes, use_correction=False)
        # Small-sample factor of Stata's xtreg, fe vce(cluster): unit effects are nested in the
        # clusters and not counted; period effects and the constant are.
        k_stata = k + n_time
        cov = raw * n_unit / (n_unit - 1) * (n_obs - 1) / (n_obs - k_stata)
        dof = float(n_unit - 1)
    else:
        sigma2 = float(np.sum(fit.resid ** 2)) / df_resid
        cov = sigma2 * np.linalg.inv(X.T @ X)
        dof = float(df_resid)
    meta = {"n_obs": n_obs, "n_units": n_unit, "n_periods": n_time, "dof": dof,
            "cluster": "unit" if use_cluster and df_resid > 0 else None}
    return params, cov, meta


def _interval(estimate: float, se: float, dof: float, alpha: float) -> tuple[tuple[float, float], float]:
    if not np.isfinite(se) or dof <= 0 or se == 0:
        return (np.nan, np.nan), np.nan
    q = float(stats.t.ppf(1 - alpha / 2, dof))
    p = 2 * stats.t.sf(abs(estimate / se), dof)
    return (float(estimate - q * se), float(estimate + q * se)), float(p)


def did(panel: pd.DataFrame, *, outcome: str, unit: str, time: str, treated: str,
        covariates: tuple[str, ...] | list[str] = (), cluster: str | bool = "auto",
        min_clusters: int = 10, alpha: float = 0.05) -> DidResult:
    """Difference in differences by two-way fixed effects.

    Y_it = α_i + λ_t + δ·D_it (+ β·covariates) + ε_it, where ``treated`` is the 0/1 column D_it
    ("this unit is treated in this period"). Several rows per unit × period are allowed (repeated
    cross-sections such as houses sold near an incinerator: ``unit`` is then the group).

    Fixed effects are partialled out (Frisch–Waugh–Lovell), so panels with many units and days
    stay cheap; on a 2×2 panel δ is exactly the classic difference in differences. Standard
    errors: clustered by unit (CRV1 with Stata's ``xtreg, fe`` small-sample factor, t with G − 1
    degrees of freedom) when ``cluster="unit"``, or ``"auto"`` and there are at least
    ``min_clusters`` units; otherwise conventional OLS errors (which ignore serial correlation:
    with few units, read them as optimistic). With staggered adoption and effects that vary over
    time, TWFE mixes comparisons and can be biased (Goodman-Bacon 2021).

    Returns a :class:`DidResult` (``effect``, ``se``, ``ci``, ``p_value``...).
    """
    regressors = [treated, *covariates]
    params, cov, meta = _twfe(panel, outcome, unit, time, regressors, cluster, min_clusters)
    se = float(np.sqrt(cov[0, 0])) if np.isfinite(cov[0, 0]) else np.nan
    ci, p = _interval(float(params[0]), se, meta["dof"], alpha)
    return DidResult(effect=float(params[0]), se=se, ci=ci, p_value=p, n_obs=meta["n_obs"],
                     n_units=meta["n_units"], n_periods=meta["n_periods"], cluster=meta["cluster"],
                     df=meta["dof"], coefficients=pd.Series(params, index=regressors))


def did_2x2(panel: pd.DataFrame, *, outcome: str, group: str, post: str) -> pd.DataFrame:
    """The four cell means of a 2×2 design and the difference in differences.

    ``group`` and ``post`` are 0/1 columns. Returns a frame indexed by group (0, 1, ``"diff"``)
    with columns pre (0), post (1) and ``change``; ``.attrs["did"]`` holds the estimate.
    """
    cells = panel.groupby([group, post])[outcome].mean().unstack(post)
    if cells.shape != (2, 2) or cells.isna().any().any():
        raise OpskitError(f"2×2 设计需要 {group} 与 {post} 四种组合都有数据。解决办法：检查分组列和前后期列。")
    cells = cells.reindex(index=[0, 1], columns=[0, 1])
    cells.columns = ["pre", "post"]
    cells["change"] = cells["post"] - cells["pre"]
    cells.loc["diff"] = cells.loc[1] - cells.loc[0]
    cells.attrs["did"] = float(cells.loc["diff", "change"])
    return cells


def event_study(panel: pd.DataFrame, *, outcome: str, unit: str, time: str, group: str,
                relative: str, reference: int = -1, cluster: str | bool = "auto",
                min_clusters: int = 10, alpha: float = 0.05) -> pd.DataFrame:
    """Leads and lags: one TWFE coefficient per relative period for the treated group.

    ``group`` is 0/1 (unit ever treated), ``relative`` the integer period relative to the start
    (…, −2, −1, 0, 1, …) on every row (controls included; only treated rows use it). The
    ``reference`` period is left out, so each coefficient is the treated-minus-control gap
    relative to that period. Pre-period coefficients near zero support parallel trends.

    Returns a frame indexed by relative period with ``coef, se, ci_low, ci_high`` (the reference
    period is a row of zeros).
    """
    rel = panel[relative].astype("int64")
    treated_rows = panel[group].astype(int).to_numpy() == 1
    periods = sorted(set(rel[treated_rows]) - {reference})
    dummies = {f"rel_{k}": ((rel.to_numpy() == k) & treated_rows).astype(float) for k in periods}
    frame = panel[[outcome, unit, time]].assign(**dummies)
    params, cov, meta = _twfe(frame, outcome, unit, time, list(dummies), cluster, min_clusters)
    rows = []
    for i, k in enumerate(periods):
        se = float(np.sqrt(cov[i, i])) if np.isfinite(cov[i, i]) else np.nan
        ci, _ = _interval(float(params[i]), se, meta["dof"], alpha)
        rows.append((k, float(params[i]), se, *ci))
    rows.append((reference, 0.0, 0.0, 0.0, 0.0))
    table = pd.DataFrame(rows, columns=["relative", "coef", "se", "ci_low", "ci_high"])
    return table.sort_values("relative").set_index("relative")


def pretrend_test(table: pd.DataFrame) -> dict:
    """Joint reading of an :func:`event_study`'s pre-period coefficients (relative < 0).

    Returns the mean absolute pre-period coefficient, the largest, and the share whose interval
    covers zero. A formal joint test needs their covariance; this summary is what a chart shows.
    """
    pre = table.loc[(table.index < 0) & (table["se"] > 0)]
    covered = ((pre["ci_low"] <= 0) & (pre["ci_high"] >= 0)).mean() if len(pre) else np.nan
    return {"periods": int(len(pre)), "mean_abs_coef": float(pre["coef"].abs().mean()) if len(pre) else np.nan,
            "max_abs_coef": float(pre["coef"].abs().max()) if len(pre) else np.nan,
            "share_covering_zero": float(covered)}


# --- synthetic control ------------------------------------------------------------------------


def _simplex_least_squares(A: np.ndarray, b: np.ndarray, max_iter: int = 200) -> np.ndarray:
    """argmin ||A w − b||² subject to w ≥ 0, Σw = 1 (a convex QP).

    A start from non-negative least squares with the sum-to-one condition as a heavily weighted
    extra row (``scipy.optimize.nnls``), then an active-set refinement: on the current support
    the equality-constrained least squares is solved exactly from its KKT system, negative
    weights leave the support, and a donor outside it whose gradient shows it would lower the
    loss enters, until the KKT conditions hold.
    """
    n = A.shape[1]
    if n == 1:
        return np.ones(1)
    scale = max(float(np.linalg.norm(A)), 1e-12)
    As, bs = A / scale, b / scale
    G, h = As.T @ As, As.T @ bs
    rho = 1e4 * max(1.0, float(np.linalg.norm(bs)))
    start, _ = optimize.nnls(np.vstack([As, np.full((1, n), rho)]), np.r_[bs, rho], maxiter=50 * n)
    start = start / start.sum() if start.sum() > 0 else np.full(n, 1.0 / n)
    support = set(np.flatnonzero(start > 1e-9).tolist()) or {int(np.argmax(h))}

    def solve(on: list[int]) -> tuple[np.ndarray, float]:
        k = len(on)
        kkt = np.zeros((k + 1, k + 1))
        kkt[:k, :k] = 2 * G[np.ix_(on, on)]
        kkt[:k, k] = kkt[k, :k] = 1.0
        sol = np.linalg.lstsq(kkt, np.r_[2 * h[on], 1.0], rcond=None)[0]
        return sol[:k], sol[k]

    w = start
    for _ in range(max_iter):
        on = sorted(support)
        sub, mu = solve(on)
        if (sub < -1e-12).any():
            support -= {on[i] for i in np.flatnonzero(sub < -1e-12)}
            if not support:
                break
            continue
        w = np.zeros(n)
        w[on] = np.clip(sub, 0.0, None)
        grad = 2 * (G @ w - h)  # KKT: grad_i = -mu on the support, grad_i >= -mu outside it
        outside = np.setdiff1d(np.arange(n), on)
        violation = grad[outside] + mu if len(outside) else np.array([])
        if not len(violation) or violation.min() >= -1e-10:
            return w / w.sum()
        support.add(int(outside[np.argmin(violation)]))
    return w / w.sum() if w.sum() > 0 else start


def _wide(panel: pd.DataFrame, unit: str, time: str, outcome: str) -> pd.DataFrame:
    missing = [c for c in (unit, time, outcome) if c not in panel]
    if missing:
        raise OpskitError(f"面板缺少列 {missing}。解决办法：传入正确的 unit=、time=、outcome= 列名。")
    if panel.duplicated([unit, time]).any():
        raise OpskitError(f"面板中同一 {unit} × {time} 出现多行。解决办法：先按单元和时期汇总（如按城市、日期求和）。")
    wide = panel.pivot(index=time, columns=unit, values=outcome).sort_index()
    if wide.isna().any().any():
        holes = wide.columns[wide.isna().any()].tolist()[:5]
        raise OpskitError(f"面板不平衡：单元 {holes} 等在某些时期没有数据。合成控制需要每个单元在每个时期都有值。"
                          "解决办法：补齐（确实为 0 时补 0）或去掉这些单元。")
    return wide.astype(float)


class SyntheticControl(BaseEstimator):
    """Synthetic control for one treated unit (Abadie, Diamond & Hainmueller 2010).

    Weights w ≥ 0, Σw = 1 over donor units minimise Σ_pre (Y_1t − Σ_j w_j Y_jt)²: every
    pre-period outcome matched with equal importance (V = I, no covariates), a convex QP with a
    unique optimum when the donors are not collinear. ``gap_`` = actual − synthetic by period;
    ``att_`` = mean post-period gap. Read the pre-period fit (``pre_rmspe_``) before the effect,
    and judge the effect against :meth:`placebos`.

    Parameters
    ----------
    donors : optional list of donor units; default every other unit in the panel.
    """

    def __init__(self, donors: list | None = None):
        self.donors = donors

    def fit(self, panel: pd.DataFrame, *, unit: str, time: str, outcome: str, treated_unit,
            treatment_start) -> "SyntheticControl":
        wide = _wide(panel, unit, time, outcome)
        if treated_unit not in wide.columns:
            raise OpskitError(f"处理单元 {treated_unit!r} 不在面板的 {unit} 列中。解决办法：检查单元 ID（ID 是文本，注意前导零）。")
        donors = [d for d in (self.donors if self.donors is not None else wide.columns) if d != treated_unit]
        unknown = [d for d in donors if d not in wide.columns]
        if unknown:
            raise OpskitError(f"对照单元 {unknown[:5]} 不在面板中。解决办法：检查 donors 参数。")
        if not donors:
            raise OpskitError("合成控制至少需要一个对照单元（donor）。")
        start = pd.Timestamp(treatment_start) if isinstance(wide.index, pd.DatetimeIndex) else treatment_start
        pre = wide.index < start
        if pre.sum() < 2 or (~pre).sum() < 1:
            raise OpskitError(f"处理开始 {treatment_start} 之前至少要有 2 个时期、之后至少 1 个时期。解决办法：检查 treatment_start。")
        y1, Y0 = wide[treated_unit], wide[donors]
        w = _simplex_least_squares(Y0.loc[pre].to_numpy(), y1.loc[pre].to_numpy())
        self.weights_ = pd.Series(w, index=pd.Index(donors, name=unit), name="weight")
        self.synthetic_ = pd.Series(Y0.to_numpy() @ w, index=wide.index, name="synthetic")
        self.actual_ = y1.rename("actual")
        self.gap_ = (self.actual_ - self.synthetic_).rename("gap")
        self.pre_rmspe_ = float(np.sqrt(np.mean(self.gap_[pre] ** 2)))
        self.post_rmspe_ = float(np.sqrt(np.mean(self.gap_[~pre] ** 2)))
        self.att_ = float(self.gap_[~pre].mean())
        self.treated_unit_, self.treatment_start_ = treated_unit, start
        self._wide, self._pre = wide, pre
        return self

    def placebos(self) -> pd.DataFrame:
        """In-space placebos: refit with each donor as if it were treated (the real treated unit
        left out of its donor pool). Returns one row per unit (the treated unit first) with
        ``pre_rmspe, post_rmspe, ratio, att``; the permutation p-value of the treated unit's
        post/pre RMSPE ratio is in ``.attrs["p_value"]``. The placebo gaps by period are kept in
        ``placebo_gaps_``."""
        check_is_fitted(self, "weights_")
        rows = [(self.treated_unit_, True, self.pre_rmspe_, self.post_rmspe_, self.att_)]
        donors = list(self.weights_.index)
        gaps = {}
        for placebo in donors:
            pool = [d for d in donors if d != placebo]
            if not pool:
                continue
            y1, Y0 = self._wide[placebo], self._wide[pool]
            w = _simplex_least_squares(Y0.loc[self._pre].to_numpy(), y1.loc[self._pre].to_numpy())
            gap = y1.to_numpy() - Y0.to_numpy() @ w
            gaps[placebo] = gap
            rows.append((placebo, False, float(np.sqrt(np.mean(gap[self._pre] ** 2))),
                         float(np.sqrt(np.mean(gap[~self._pre] ** 2))), float(gap[~self._pre].mean())))
        self.placebo_gaps_ = pd.DataFrame(gaps, index=self._wide.index)
        table = pd.DataFrame(rows, columns=["unit", "is_treated", "pre_rmspe", "post_rmspe", "att"])
        table["ratio"] = table["post_rmspe"] / table["pre_rmspe"].where(table["pre_rmspe"] > 0)
        table.attrs["p_value"] = float((table["ratio"] >= table["ratio"].iloc[0]).mean())
        return table.set_index("unit")

    def att_interval(self, alpha: float = 0.1, max_pre_rmspe_ratio: float = 5.0) -> tuple[float, float]:
        """Interval for ``att_`` by inverting the placebo distribution: under a constant effect, the
        estimate minus the effect is distributed like a placebo ATT. Placebos whose pre-period fit
        is more than ``max_pre_rmspe_ratio`` times worse than the treated unit's are dropped
        (Abadie et al. 2010). Needs at least ``2 / alpha`` usable placebos to be meaningful."""
        table = self.placebos()
        usable = table.loc[~table["is_treated"] & (table["pre_rmspe"] <= max_pre_rmspe_ratio * self.pre_rmspe_)]
        if len(usable) < 2:
            return (np.nan, np.nan)
        low, high = np.quantile(usable["att"], [alpha / 2, 1 - alpha / 2])
        return (self.att_ - float(high), self.att_ - float(low))


# --- interrupted time series ------------------------------------------------------------------


@dataclass
class ItsResult:
    """An interrupted-time-series estimate: the baseline forecast and the effect after the start.

    ``paths`` holds simulated baseline paths (post periods × draws); :meth:`window` uses them to
    give intervals for the effect summed over any window.
    """

    actual: pd.Series
    baseline: pd.DataFrame  # predicted, lower, upper over the post periods
    effect: pd.Series
    fitted: pd.Series
    paths: np.ndarray = field(repr=False)
    alpha: float = 0.05

    @property
    def att(self) -> float:
        """Mean effect per post period."""
        return float(self.effect.mean())

    @property
    def att_ci(self) -> tuple[float, float]:
        return self._ci(np.ones(len(self.effect), dtype=bool), mean=True)

    @property
    def relative(self) -> float:
        """Mean effect as a share of the mean baseline."""
        return float(self.effect.sum() / self.baseline["predicted"].sum())

    def _ci(self, mask: np.ndarray, mean: bool) -> tuple[float, float]:
        draws = self.actual.reindex(self.baseline.index).to_numpy()[mask][:, None] - self.paths[mask]
        draws = draws.mean(axis=0) if mean else draws.sum(axis=0)
        low, high = np.quantile(draws, [self.alpha / 2, 1 - self.alpha / 2])
        return float(low), float(high)

    def window(self, start=None, end=None) -> dict:
        """Effect summed over post periods in [start, end] (inclusive), with its interval, the
        baseline and the actual total over the window."""
        index = self.baseline.index
        mask = np.ones(len(index), dtype=bool)
        if start is not None:
            mask &= index >= pd.Timestamp(start) if isinstance(index, pd.DatetimeIndex) else index >= start
        if end is not None:
            mask &= index <= pd.Timestamp(end) if isinstance(index, pd.DatetimeIndex) else index <= end
        if not mask.any():
            return {"periods": 0, "effect": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                    "baseline": np.nan, "actual": np.nan}
        low, high = self._ci(mask, mean=False)
        return {"periods": int(mask.sum()), "effect": float(self.effect[mask].sum()), "ci_low": low,
                "ci_high": high, "baseline": float(self.baseline["predicted"][mask].sum()),
                "actual": float(self.actual.reindex(index)[mask].sum())}


def its(series: pd.Series, treatment_start, *, end=None, pre_periods: int | None = None,
        seasonal: int | None = 7, trend: bool = False, log: bool = True, exog: pd.DataFrame | None = None,
        alpha: float = 0.05, n_paths: int = 1000, seed: int = 0) -> ItsResult:
    """Interrupted time series with a state-space baseline.

    Fits ``UnobservedComponents`` (a local level, or a local linear trend with ``trend=True``,
    plus a ``seasonal``-period seasonal component and optional ``exog`` regressors such as
    control series) on the periods before ``treatment_start`` (the last ``pre_periods`` of them,
    if given) and forecasts the periods from the start to ``end``. With ``log=True`` (the
    default: sales move in percentages, and a weekly pattern is multiplicative) the model runs on
    log values and the baseline is transformed back. Effect = actual − baseline.

    Missing values before the start (for example the days of other campaigns, set to NaN) are
    skipped by the Kalman filter. Intervals come from ``n_paths`` seeded simulations of the
    baseline, so sums over any window (:meth:`ItsResult.window`) get honest intervals; parameter
    uncertainty is not included. The series needs a regular index (consecutive days, weeks...).
    """
    series = series.astype(float).sort_index()
    is_time = isinstance(series.index, pd.DatetimeIndex)
    start = pd.Timestamp(treatment_start) if is_time else treatment_start
    pre_mask = series.index < start
    post_mask = ~pre_mask if end is None else (~pre_mask) & (series.index <= (pd.Timestamp(end) if is_time else end))
    pre, post = series[pre_mask], series[post_mask]
    if pre_periods is not None:
        pre = pre.iloc[-int(pre_periods):]
    need = 2 * (seasonal or 1) + 2
    if pre.notna().sum() < need or len(post) == 0:
        raise OpskitError(f"中断时间序列在开始日期之前至少需要 {need} 个有效时期、之后至少 1 个时期，"
                          f"现在分别是 {int(pre.notna().sum())} 和 {len(post)}。解决办法：放宽数据时间范围。")
    if post.isna().any():
        raise OpskitError("开始日期之后的时期有空值，无法计算效应。解决办法：补齐数据或缩短评估窗口。")
    if log and ((pre.dropna() <= 0).any() or (post <= 0).any()):
        raise OpskitError("序列中有 0 或负数，不能取对数建模。解决办法：用 log=False，或去掉停业等为 0 的时期。")
    exog_pre = exog_post = None
    if exog is not None:
        exog = exog.reindex(series.index)
        exog_pre, exog_post = exog.loc[pre.index].to_numpy(dtype=float), exog.loc[post.index].to_numpy(dtype=float)
        if np.isnan(exog_pre).any() or np.isnan(exog_post).any():
            raise OpskitError("协变量序列（exog）在部分时期缺失。解决办法：让协变量覆盖全部时期。")
    endog = np.log(pre.to_numpy()) if log else pre.to_numpy()
    model = sm.tsa.UnobservedComponents(endog, level="local linear trend" if trend else "local level",
                                        seasonal=seasonal, exog=exog_pre)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of the optimiser on short series
        res = model.fit(disp=False, maxiter=500)
        mean = np.asarray(res.get_forecast(len(post), exog=exog_post).predicted_mean)
        paths = res.simulate(len(post), repetitions=n_paths, anchor="end", exog=exog_post,
                             rng=np.random.default_rng(seed))
        fitted = np.asarray(res.fittedvalues, dtype=float).copy()
        # the diffuse start is not a fit yet: blank it until `burn` observed periods have passed
        fitted[np.cumsum(~np.isnan(endog)) <= int(getattr(res, "loglikelihood_burn", 0))] = np.nan
    paths = np.asarray(paths).reshape(len(post), n_paths)
    if log:
        mean, paths, fitted = np.exp(mean), np.exp(paths), np.exp(fitted)
    low, high = np.quantile(paths, [alpha / 2, 1 - alpha / 2], axis=1)
    baseline = pd.DataFrame({"predicted": mean, "lower": low, "upper": high}, index=post.index)
    effect = (post - baseline["predicted"]).rename("effect")
    return ItsResult(actual=series[pre.index.union(post.index)], baseline=baseline, effect=effect,
                     fitted=pd.Series(fitted, index=pre.index, name="fitted"), paths=paths, alpha=alpha)


# --- audiences -------------------------------------------------------------------------------


def incremental_by_group(audience: pd.DataFrame, *, group: str, treated: str, outcome: str,
                         covariate: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Increment per user in each group of a randomised campaign audience.

    ``treated`` is 1 for users the campaign reached and 0 for the random holdout. The increment
    is the treated minus holdout mean of ``outcome``; with a pre-campaign ``covariate`` (such as
    spend before the campaign) the outcome is CUPED-adjusted within each group first
    (:class:`opskit.abtest.Cuped`, θ fitted on both arms), which keeps the estimate unbiased under
    randomisation and narrows its interval. Welch standard errors; groups without at least two
    users in each arm get NaN.
    """
    from opskit.abtest import Cuped

    frame = pd.DataFrame({"group": audience[group].to_numpy(), "w": audience[treated].astype(int).to_numpy(),
                          "y": audience[outcome].astype(float).to_numpy()})
    if covariate is not None:
        frame["x"] = audience[covariate].astype(float).to_numpy()
    rows = []
    for key, part in frame.groupby("group", sort=True):
        y = part["y"].to_numpy()
        if covariate is not None and part["x"].var() > 0:
            y = Cuped().fit(part["x"], y).adjust(part["x"], y)
        w = part["w"].to_numpy() == 1
        n1, n0 = int(w.sum()), int((~w).sum())
        if n1 >= 2 and n0 >= 2:
            inc = y[w].mean() - y[~w].mean()
            v1, v0 = y[w].var(ddof=1) / n1, y[~w].var(ddof=1) / n0
            se = float(np.sqrt(v1 + v0))
            dof = (v1 + v0) ** 2 / (v1 ** 2 / (n1 - 1) + v0 ** 2 / (n0 - 1)) if (v1 + v0) > 0 else n1 + n0 - 2
            q = float(stats.t.ppf(1 - alpha / 2, dof))
        else:
            inc, se, q = np.nan, np.nan, np.nan
        rows.append({"group": key, "users": n1 + n0, "treated_users": n1, "holdout_users": n0,
                     "increment": float(inc), "se": se, "ci_low": float(inc - q * se), "ci_high": float(inc + q * se)})
    return pd.DataFrame(rows).set_index("group")


def selection_value(audience: pd.DataFrame, selected, *, treated: str, outcome: str,
                    covariate: str | None = None, cost_per_user: float, margin: float,
                    alpha: float = 0.05) -> dict:
    """What sending a campaign to the ``selected`` users (a boolean mask over ``audience``) earns,
    measured on the randomised holdout inside the selection.

    increment per user (treated − holdout, CUPED-adjusted with ``covariate``) × selected
    users = incremental GMV; profit = margin × incremental GMV − cost_per_user × selected users;
    ROI = profit / cost. Interval of the profit from the increment's Welch interval.
    """
    selected = np.asarray(selected, dtype=bool)
    if selected.sum() == 0:
        return {"users": 0, "increment_per_user": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "incremental_gmv": 0.0, "cost": 0.0, "profit": 0.0, "profit_low": 0.0,
                "profit_high": 0.0, "roi": np.nan}
    part = audience.loc[selected].assign(_all="all")
    inc = incremental_by_group(part, group="_all", treated=treated, outcome=outcome, covariate=covariate,
                               alpha=alpha).iloc[0]
    n = int(selected.sum())
    cost = cost_per_user * n
    profit = margin * inc["increment"] * n - cost
    return {"users": n, "increment_per_user": float(inc["increment"]), "ci_low": float(inc["ci_low"]),
            "ci_high": float(inc["ci_high"]), "incremental_gmv": float(inc["increment"] * n), "cost": cost,
            "profit": float(profit), "profit_low": float(margin * inc["ci_low"] * n - cost),
            "profit_high": float(margin * inc["ci_high"] * n - cost),
            "roi": float(profit / cost) if cost > 0 else np.nan}
