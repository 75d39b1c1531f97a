"""Homepage resource slots: funnels, position bias and off-policy evaluation of allocations.

* :func:`position_ctr`: raw click-through rate by position (confounds position and content).
* :class:`ExaminationModel`: P(click | item d at position k) = θ_k · γ_d (the examination
  hypothesis, Richardson et al. 2007; Craswell et al. 2008), fitted by Poisson regression with
  item and position effects on position × item cells. Items shown in several positions
  (randomised or swapped placements) identify θ.
* :func:`item_performance`: items compared on position-corrected CTR and GMV per thousand
  examined impressions, next to their raw figures.
* Off-policy evaluation of a new allocation from a logged one: :func:`ipw_value` (inverse
  propensity weighting), :func:`snipw_value` (self-normalised) and :func:`dr_value` (doubly
  robust), with :func:`ope_summary` for standard errors (Dudík, Langford & Li 2011; Swaminathan
  & Joachims 2015).

Aggregations over impression logs run as named SQL (``opskit/data/sql/homepage_cells.sql``).
See ``docs/methods.md`` (§14) for the oracles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from opskit.data import engine
from opskit.errors import OpskitError


def gpm(gmv, impressions):
    """GMV per thousand impressions (千次曝光成交额): 1000 · GMV / impressions (NaN for 0)."""
    gmv = np.asarray(gmv, dtype=float)
    impressions = np.asarray(impressions, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(impressions > 0, 1000.0 * gmv / np.where(impressions > 0, impressions, 1), np.nan)
    return out if out.ndim else float(out)


def _require(table: pd.DataFrame, *columns: str | None) -> None:
    missing = [c for c in columns if c is not None and c not in table]
    if missing:
        raise OpskitError(f"表中缺少列 {missing}（现有列：{list(table.columns)[:12]}）。"
                          "解决办法：在列映射中对应这些列，或用参数指定列名。")


def cells(log: pd.DataFrame, *, position: str = "position", item: str = "creative_id", click: str = "click",
          impressions: str | None = None, gmv: str | None = None) -> pd.DataFrame:
    """Impressions, clicks and GMV per position × item, by the named query ``homepage_cells``.

    ``log`` is an impression log (one row per impression, ``click`` 0/1) or, with
    ``impressions=`` naming a count column, an aggregated table such as ``homepage_slots``.
    """
    _require(log, position, item, click, impressions, gmv)
    n = len(log)
    view = pd.DataFrame({
        "position": log[position].to_numpy(),
        "item": log[item].astype("string").to_numpy(),
        "impressions": np.ones(n, dtype=np.int64) if impressions is None else log[impressions].to_numpy(),
        "clicks": log[click].to_numpy(),
        "gmv": np.zeros(n) if gmv is None else log[gmv].to_numpy(dtype=float),
    })
    if view["clicks"].isna().any() or (view["clicks"] < 0).any():
        bad = np.flatnonzero((view["clicks"].isna() | (view["clicks"] < 0)).to_numpy())[:5]
        raise OpskitError(f"列 {click} 有空值或负数（如第 {list(bad)} 行）。解决办法：点击应为 0/1 或非负的次数。")
    out = engine.run("homepage_cells", log=view)
    out["item"] = out["item"].astype("string")
    return out


def position_ctr(log: pd.DataFrame, *, position: str = "position", click: str = "click",
                 impressions: str | None = None) -> pd.DataFrame:
    """Raw CTR by position: impressions, clicks, ctr and ctr relative to the first position.

    Raw position CTRs mix the position effect with what was placed there (the best items are
    usually put on top); see :class:`ExaminationModel` for the position effect alone.
    """
    _require(log, position, click, impressions)
    table = cells(log.assign(_item="all"), position=position, item="_item", click=click, impressions=impressions)
    table = table.groupby("position", sort=True)[["impressions", "clicks"]].sum()
    table["ctr"] = table["clicks"] / table["impressions"]
    table["relative_ctr"] = table["ctr"] / table["ctr"].iloc[0]
    return table


class ExaminationModel(BaseEstimator):
    """Click model P(click | item d at position k) = θ_k · γ_d with θ at the first position = 1.

    Fitted as a Poisson GLM with log link on position × item cells (clicks with log impressions
    as offset): log E[clicks] = log n + log θ_k + log γ_d. The Poisson quasi-likelihood is
    consistent for any non-negative reward with this multiplicative mean, so ``click`` may also
    be a GMV column (then γ_d is GMV per impression at the top). Intervals use Poisson errors for
    click counts and quasi-Poisson errors (Pearson scale) for other rewards. θ is only identified when items move between positions (randomised
    rotation, swaps, or a logging policy that explores).
    """

    def __init__(self, alpha: float = 0.05):
        self.alpha = alpha

    def fit(self, log: pd.DataFrame, *, position: str = "position", item: str = "creative_id",
            click: str = "click", impressions: str | None = None) -> "ExaminationModel":
        table = cells(log, position=position, item=item, click=click, impressions=impressions)
        table = table.loc[table["impressions"] > 0]
        positions = sorted(table["position"].unique())
        items = sorted(table["item"].unique())
        if len(positions) < 2:
            raise OpskitError("只有一个位置，无法估计位置偏差。解决办法：至少要有两个位置的曝光数据。")
        moved = table.groupby("item")["position"].nunique()
        if (moved < 2).all():
            raise OpskitError("每个素材都只出现在一个位置上，位置效应与素材效应无法区分。"
                              "解决办法：做随机轮播或位置互换实验后再估计。")
        X = np.zeros((len(table), len(items) + len(positions) - 1))
        item_idx = pd.Index(items).get_indexer(table["item"])
        pos_idx = pd.Index(positions).get_indexer(table["position"])
        X[np.arange(len(table)), item_idx] = 1.0
        later = pos_idx > 0
        X[np.flatnonzero(later), len(items) + pos_idx[later] - 1] = 1.0
        model = sm.GLM(table["clicks"].to_numpy(dtype=float), X, family=sm.families.Poisson(),
                       offset=np.log(table["impressions"].to_numpy(dtype=float)))
        rewards = table["clicks"].to_numpy(dtype=float)
        binary = impressions is None and bool(np.isin(log[click].dropna().unique(), [0, 1]).all())
        # 0/1 clicks: Poisson errors (binomial with small p); other rewards (GMV): quasi-Poisson with
        # the Pearson scale, since their variance is far above their mean.
        counts = impressions is not None and bool(np.all(rewards == np.round(rewards)))
        fit = model.fit(scale=None if (binary or counts) else "X2")
        params, bse = np.asarray(fit.params), np.asarray(fit.bse)
        z = stats.norm.ppf(1 - self.alpha / 2)
        log_theta = np.r_[0.0, params[len(items):]]
        se_theta = np.r_[0.0, bse[len(items):]]
        self.theta_ = pd.Series(np.exp(log_theta), index=pd.Index(positions, name="position"), name="theta")
        self.theta_ci_ = pd.DataFrame({"ci_low": np.exp(log_theta - z * se_theta),
                                       "ci_high": np.exp(log_theta + z * se_theta)}, index=self.theta_.index)
        self.item_rate_ = pd.Series(np.exp(params[: len(items)]), index=pd.Index(items, name="item"), name="rate")
        self.cells_ = table.reset_index(drop=True)
        return self

    def predict(self, position, item) -> np.ndarray:
        """Expected reward per impression of ``item`` at ``position`` (NaN for unseen ones)."""
        check_is_fitted(self, "theta_")
        theta = self.theta_.reindex(np.asarray(position)).to_numpy()
        rate = self.item_rate_.reindex(pd.Index(np.asarray(item)).astype("string")).to_numpy()
        return theta * rate


def item_performance(table: pd.DataFrame, theta: pd.Series, *, position: str = "position",
                     item: str = "creative_id", click: str = "click", impressions: str | None = None,
                     gmv: str | None = None) -> pd.DataFrame:
    """Per item: raw CTR and GPM next to position-corrected ones.

    examined = Σ_k θ_k · impressions at position k (impressions "as if at the top");
    corrected_ctr = clicks / examined; corrected_gpm = 1000 · GMV / examined. Sorted by
    corrected GPM when GMV is given, else by corrected CTR (ties by item id).
    """
    c = cells(table, position=position, item=item, click=click, impressions=impressions, gmv=gmv)
    weight = theta.reindex(c["position"].to_numpy()).to_numpy()
    if np.isnan(weight).any():
        raise OpskitError(f"位置 {sorted(set(c['position'][np.isnan(weight)]))} 没有位置偏差估计 θ。解决办法：用同一份数据拟合 θ。")
    c = c.assign(examined=c["impressions"] * weight)
    out = c.groupby("item", sort=True)[["impressions", "examined", "clicks", "gmv"]].sum()
    out["ctr"] = out["clicks"] / out["impressions"]
    out["corrected_ctr"] = out["clicks"] / out["examined"]
    out["gpm"] = gpm(out["gmv"], out["impressions"])
    out["corrected_gpm"] = gpm(out["gmv"], out["examined"])
    key = "corrected_gpm" if gmv is not None else "corrected_ctr"
    out = out.reset_index().sort_values([key, "item"], ascending=[False, True], kind="stable").set_index("item")
    if gmv is None:
        out = out.drop(columns=["gmv", "gpm", "corrected_gpm"])
    return out


def item_daily(log: pd.DataFrame, theta: pd.Series, *, date: str = "date", position: str = "position",
               item: str = "creative_id", click: str = "click", impressions: str | None = None) -> pd.DataFrame:
    """Per item and day: impressions, position-weighted impressions (``examined``), clicks and
    ``age_days`` (days since the item first appears), by the named query ``homepage_item_daily``."""
    _require(log, date, position, item, click, impressions)
    n = len(log)
    view = pd.DataFrame({
        "date": log[date].to_numpy(),
        "position": log[position].to_numpy(),
        "item": log[item].astype("string").to_numpy(),
        "impressions": np.ones(n, dtype=np.int64) if impressions is None else log[impressions].to_numpy(),
        "clicks": log[click].to_numpy(),
    })
    weights = pd.DataFrame({"position": theta.index.to_numpy(), "theta": theta.to_numpy(dtype=float)})
    out = engine.run("homepage_item_daily", log=view, theta=weights)
    out["item"] = out["item"].astype("string")
    return out


def fatigue(daily: pd.DataFrame, alpha: float = 0.05) -> dict:
    """Creative fatigue: the daily change of position-corrected CTR with days on air.

    Poisson regression log E[clicks] = log examined + γ_item + κ · age_days on the output of
    :func:`item_daily` (robust standard errors). Returns κ, the daily decay 1 − e^κ with its
    interval, the p-value, and the half-life in days when CTR falls (κ < 0).
    """
    table = daily.loc[daily["examined"] > 0]
    if table["age_days"].nunique() < 3:
        raise OpskitError("素材上线天数少于 3 个不同取值，无法估计疲劳。解决办法：使用更长时间的日志。")
    items = sorted(table["item"].unique())
    X = np.zeros((len(table), len(items) + 1))
    X[np.arange(len(table)), pd.Index(items).get_indexer(table["item"])] = 1.0
    X[:, -1] = table["age_days"].to_numpy(dtype=float)
    fit = sm.GLM(table["clicks"].to_numpy(dtype=float), X, family=sm.families.Poisson(),
                 offset=np.log(table["examined"].to_numpy(dtype=float))).fit(cov_type="HC0")
    kappa, se = float(fit.params[-1]), float(fit.bse[-1])
    z = stats.norm.ppf(1 - alpha / 2)
    return {"kappa": kappa, "se": se, "daily_decay": float(-np.expm1(kappa)),
            "decay_ci": (float(-np.expm1(kappa + z * se)), float(-np.expm1(kappa - z * se))),
            "p_value": float(2 * stats.norm.sf(abs(kappa / se))) if se > 0 else np.nan,
            "half_life_days": float(np.log(2) / -kappa) if kappa < 0 else np.inf,
            "items": len(items), "days": int(table["age_days"].nunique())}


# --- allocation policies as tables --------------------------------------------------------------


def uniform_policy(items, positions) -> pd.DataFrame:
    """A policy that shows each item at each position with equal probability 1/len(items)."""
    items, positions = list(items), list(positions)
    return pd.DataFrame(1.0 / len(items), index=pd.Index(positions, name="position"),
                        columns=pd.Index(items, name="item"))


def ranking_policy(ranking, positions) -> pd.DataFrame:
    """A deterministic policy: the i-th item of ``ranking`` always at the i-th position."""
    ranking, positions = list(ranking), list(positions)
    if len(ranking) < len(positions):
        raise OpskitError(f"排序只有 {len(ranking)} 个素材，少于 {len(positions)} 个位置。")
    table = pd.DataFrame(0.0, index=pd.Index(positions, name="position"), columns=pd.Index(ranking, name="item"))
    for pos, it in zip(positions, ranking):
        table.loc[pos, it] = 1.0
    return table


def policy_propensity(policy: pd.DataFrame, position, item) -> np.ndarray:
    """P(target policy shows ``item`` at ``position``) for each logged row (0 for items the
    policy never shows)."""
    stacked = policy.stack()
    keys = pd.MultiIndex.from_arrays([np.asarray(position), pd.Index(np.asarray(item)).astype("string")])
    stacked.index = pd.MultiIndex.from_arrays([stacked.index.get_level_values(0),
                                               stacked.index.get_level_values(1).astype("string")])
    return stacked.reindex(keys).fillna(0.0).to_numpy(dtype=float)


def expected_reward(policy: pd.DataFrame, model: ExaminationModel) -> pd.Series:
    """Per position, the reward a model expects from a policy: Σ_items P(item at position) ·
    predicted reward (items the model has not seen count as 0)."""
    values = {}
    for pos, row in policy.iterrows():
        rate = model.predict(np.full(len(row), pos), row.index.to_numpy())
        values[pos] = float(np.nansum(row.to_numpy() * rate))
    return pd.Series(values, name="expected_reward").rename_axis("position")


def model_value(policy: pd.DataFrame, model: ExaminationModel) -> float:
    """Direct-method value of a policy per impression: the mean over positions of
    :func:`expected_reward`."""
    return float(expected_reward(policy, model).mean())


# --- off-policy estimators ----------------------------------------------------------------------


def _arrays(reward, behavior_propensity, target_propensity):
    r = np.asarray(reward, dtype=float)
    p = np.asarray(behavior_propensity, dtype=float)
    q = np.asarray(target_propensity, dtype=float)
    if not (len(r) == len(p) == len(q)) or len(r) == 0:
        raise OpskitError("奖励、日志策略倾向分和目标策略概率的长度必须相同且不为空。")
    if np.isnan(p).any() or (p <= 0).any() or (p > 1).any():
        bad = np.flatnonzero(np.isnan(p) | (p <= 0) | (p > 1))[:5]
        raise OpskitError(f"日志策略的倾向分（propensity）有 {int(np.sum(np.isnan(p) | (p <= 0) | (p > 1)))} 个空值或不在 (0, 1] 内"
                          f"（如第 {list(bad)} 行）。离线评估需要记录下每次曝光被选中的真实概率。"
                          "解决办法：从推荐/投放系统的日志中补齐倾向分；没有倾向分就只能做随机实验。")
    if np.isnan(q).any() or (q < 0).any() or (q > 1).any():
        raise OpskitError("目标策略的概率必须在 [0, 1] 之间且不为空。")
    if np.isnan(r).any():
        raise OpskitError("奖励（点击/成交额）有空值。解决办法：未点击记为 0。")
    return r, p, q


def ipw_value(reward, behavior_propensity, target_propensity) -> float:
    """Inverse propensity weighting: mean of w·r with w = π_target(a|x) / π_logging(a|x).

    Unbiased when the logging propensities are right and positive wherever the target acts.
    """
    r, p, q = _arrays(reward, behavior_propensity, target_propensity)
    return float(np.mean(q / p * r))


def snipw_value(reward, behavior_propensity, target_propensity) -> float:
    """Self-normalised IPW: Σ w·r / Σ w. Slightly biased, much lower variance with large weights."""
    r, p, q = _arrays(reward, behavior_propensity, target_propensity)
    w = q / p
    if w.sum() == 0:
        raise OpskitError("目标策略选择的素材在日志中从未出现（权重全为 0），无法评估。")
    return float(np.sum(w * r) / np.sum(w))


def dr_value(reward, behavior_propensity, target_propensity, reward_hat, target_reward_hat) -> float:
    """Doubly robust: mean of q̂_target(x) + w·(r − q̂(x, a)).

    ``reward_hat`` is a reward model's prediction for the logged item, ``target_reward_hat`` its
    expectation under the target policy in the same context (Σ_a π_target(a|x) q̂(x, a)).
    Unbiased if either the propensities or the reward model are right.
    """
    r, p, q = _arrays(reward, behavior_propensity, target_propensity)
    rh = np.asarray(reward_hat, dtype=float)
    th = np.asarray(target_reward_hat, dtype=float)
    if len(rh) != len(r) or len(th) != len(r) or np.isnan(rh).any() or np.isnan(th).any():
        raise OpskitError("奖励模型的预测值必须与日志等长且不为空。")
    return float(np.mean(th + q / p * (r - rh)))


def ope_summary(reward, behavior_propensity, target_propensity, reward_hat=None, target_reward_hat=None,
                alpha: float = 0.05) -> pd.DataFrame:
    """IPW, SNIPW (and DR when a reward model is given) with normal-approximation intervals, and
    the effective sample size (Σw)² / Σw² of the weights."""
    r, p, q = _arrays(reward, behavior_propensity, target_propensity)
    w = q / p
    n = len(r)
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    terms = w * r
    rows.append(("ipw", terms.mean(), terms.std(ddof=1) / np.sqrt(n)))
    sn = np.sum(w * r) / np.sum(w)
    sn_se = np.sqrt(np.sum((w * (r - sn)) ** 2)) / np.sum(w)  # delta method
    rows.append(("snipw", sn, sn_se))
    if reward_hat is not None and target_reward_hat is not None:
        dr_terms = np.asarray(target_reward_hat, dtype=float) + w * (r - np.asarray(reward_hat, dtype=float))
        rows.append(("dr", dr_terms.mean(), dr_terms.std(ddof=1) / np.sqrt(n)))
    table = pd.DataFrame(rows, columns=["estimator", "value", "se"]).set_index("estimator")
    table["ci_low"] = table["value"] - z * table["se"]
    table["ci_high"] = table["value"] + z * table["se"]
    table.attrs["effective_sample_size"] = float(w.sum() ** 2 / np.sum(w ** 2)) if np.sum(w ** 2) > 0 else 0.0
    table.attrs["max_weight"] = float(w.max())
    return table
