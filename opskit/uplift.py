"""Uplift modelling for coupon targeting: meta-learners, Qini/uplift curves and a targeting policy.

The learners follow the scikit-learn convention: ``fit(X, treatment, y)`` returns ``self`` and
``predict(X)`` returns the estimated individual treatment effect τ̂(x) = E[Y(1) − Y(0) | x].
They assume a randomised experiment (the coupon was given at random), never observational data.

Evaluation (Radcliffe 2007; scikit-uplift conventions): users are sorted by τ̂ descending, and the
curves are evaluated only at distinct score values (ties grouped), so a constant score gives
exactly the random line from (0, 0) to (N, Q(N)). Oracles: ``docs/methods.md#uplift``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from sklearn.utils.validation import check_is_fitted

FEATURES = ("city_tier", "age_group", "channel_id", "device_os", "gender")


def user_features(users: pd.DataFrame, columns=FEATURES) -> pd.DataFrame:
    """One-hot encode the descriptive columns of ``users`` (indexed like ``users``)."""
    cols = [c for c in columns if c in users]
    return pd.get_dummies(users[cols].astype("string").fillna("未知"), dtype="float64")


def _default_classifier():
    return GradientBoostingClassifier(n_estimators=80, max_depth=3, learning_rate=0.05,
                                      min_samples_leaf=40, subsample=0.8, random_state=0)


def _response(model, X) -> np.ndarray:
    if is_classifier(model):
        return model.predict_proba(X)[:, 1]
    return model.predict(X)


class TLearner(BaseEstimator):
    """Two-model learner: μ̂₁ fitted on treated users, μ̂₀ on controls; τ̂ = μ̂₁(x) − μ̂₀(x).

    ``base`` is any scikit-learn classifier (probability of conversion) or regressor;
    the default is a small seeded gradient-boosting classifier.
    """

    def __init__(self, base=None):
        self.base = base

    def fit(self, X, treatment, y):
        w = np.asarray(treatment).astype(bool)
        y = np.asarray(y)
        base = self.base if self.base is not None else _default_classifier()
        self.model_t_ = clone(base).fit(X[w] if not hasattr(X, "iloc") else X.iloc[np.flatnonzero(w)], y[w])
        self.model_c_ = clone(base).fit(X[~w] if not hasattr(X, "iloc") else X.iloc[np.flatnonzero(~w)], y[~w])
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "model_t_")
        return _response(self.model_t_, X) - _response(self.model_c_, X)


class TransformedOutcome(BaseEstimator):
    """Transformed-outcome learner (Athey & Imbens 2015), which generalises class transformation.

    With propensity e = P(W=1), Y* = Y·(W − e)/(e(1 − e)) has E[Y* | x] = τ(x), so a single
    regressor of Y* on x estimates τ directly. For e = ½ this is Y* = 2Y(2W − 1), the regression
    form of Jaskowski & Jaroszewicz's class transformation τ(x) = 2P(Z=1 | x) − 1. ``propensity``
    defaults to the treated share in the training data (valid for a randomised experiment).
    """

    def __init__(self, base=None, propensity: float | None = None):
        self.base = base
        self.propensity = propensity

    def fit(self, X, treatment, y):
        w = np.asarray(treatment).astype(float)
        y = np.asarray(y, dtype=float)
        e = float(w.mean()) if self.propensity is None else float(self.propensity)
        if not 0 < e < 1:
            raise ValueError("both treated and control users are needed (0 < propensity < 1)")
        self.propensity_ = e
        y_star = y * (w - e) / (e * (1 - e))
        base = self.base if self.base is not None else GradientBoostingRegressor(
            n_estimators=80, max_depth=3, learning_rate=0.05, min_samples_leaf=60, subsample=0.8,
            random_state=0)
        self.model_ = clone(base).fit(X, y_star)
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict(X)


def _cumulative(score, treatment, y) -> pd.DataFrame:
    """Cumulative counts at each distinct score (descending), starting with a row k = 0."""
    score = np.asarray(score, dtype=float)
    w = np.asarray(treatment).astype(bool)
    y = np.asarray(y, dtype=float)
    order = np.argsort(-score, kind="mergesort")
    s, w, y = score[order], w[order], y[order]
    last = np.r_[s[1:] != s[:-1], True]          # last row of each group of tied scores
    idx = np.flatnonzero(last)
    n_t, n_c = np.cumsum(w)[idx], np.cumsum(~w)[idx]
    y_t, y_c = np.cumsum(y * w)[idx], np.cumsum(y * ~w)[idx]
    return pd.DataFrame({
        "k": np.r_[0, idx + 1], "n_t": np.r_[0, n_t], "n_c": np.r_[0, n_c],
        "y_t": np.r_[0.0, y_t], "y_c": np.r_[0.0, y_c],
    })


def _ratio(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def qini_curve(score, treatment, y) -> pd.DataFrame:
    """Qini curve Q(k) = Y_T(k) − Y_C(k)·N_T(k)/N_C(k) at each distinct score (ties grouped).

    Returns columns ``k`` (users targeted), ``share`` (k/N), ``qini`` and ``random`` (the line from
    (0, 0) to (N, Q(N))). Where N_C(k) = 0 the control term is taken as 0.
    """
    c = _cumulative(score, treatment, y)
    c["qini"] = c["y_t"] - c["y_c"] * _ratio(c["n_t"], c["n_c"])
    n = c["k"].iloc[-1]
    c["share"] = c["k"] / n
    c["random"] = c["qini"].iloc[-1] * c["share"]
    return c


def uplift_curve(score, treatment, y) -> pd.DataFrame:
    """Uplift curve U(k) = (Y_T(k)/N_T(k) − Y_C(k)/N_C(k))·k (scikit-uplift), ties grouped."""
    c = _cumulative(score, treatment, y)
    c["uplift"] = (_ratio(c["y_t"], c["n_t"]) - _ratio(c["y_c"], c["n_c"])) * c["k"]
    n = c["k"].iloc[-1]
    c["share"] = c["k"] / n
    c["random"] = c["uplift"].iloc[-1] * c["share"]
    return c


def _area(x, y) -> float:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))


def qini_coefficient(score, treatment, y) -> float:
    """Area between the Qini curve and the random line, over the share targeted (x from 0 to 1).

    In units of incremental conversions; 0 for a constant score, > 0 when the model ranks
    responders first. Not normalised by the perfect model's area.
    """
    c = qini_curve(score, treatment, y)
    return _area(c["share"], c["qini"]) - _area(c["share"], c["random"])


def auuc(score, treatment, y) -> float:
    """Area under the uplift curve (trapezoid) over the share targeted (x from 0 to 1)."""
    c = uplift_curve(score, treatment, y)
    return _area(c["share"], c["uplift"])


def uplift_at_k(score, treatment, y, k: float = 0.1) -> float:
    """Treated conversion rate minus control rate among the top ``k`` share by score.

    The cut is made at the first group boundary (ties grouped) covering at least ``k`` of users.
    """
    c = _cumulative(score, treatment, y)
    n = c["k"].iloc[-1]
    row = c.loc[c["k"] >= np.ceil(k * n)].iloc[0]
    return float(_ratio(row["y_t"], row["n_t"]) - _ratio(row["y_c"], row["n_c"]))


def targeting_policy(tau_hat, value: float, cost: float) -> np.ndarray:
    """Who gets the coupon: users whose expected incremental value τ̂·value exceeds its cost."""
    return np.asarray(tau_hat, dtype=float) * value > cost


def policy_comparison(target, treatment, y, value: float, cost: float) -> pd.DataFrame:
    """Profit and ROI of coupon policies, estimated on a randomised experiment.

    For each policy (``nobody``, ``everyone``, ``model`` = the boolean ``target``), the uplift in
    its audience is the treated minus control conversion rate among the users it would target;
    incremental conversions = uplift × audience size; cost = ``cost`` per coupon given;
    profit = value × incremental conversions − cost; ROI = profit / cost.
    """
    target = np.asarray(target).astype(bool)
    w = np.asarray(treatment).astype(bool)
    y = np.asarray(y, dtype=float)
    rows = []
    for name, mask in (("nobody", np.zeros_like(target)), ("everyone", np.ones_like(target)),
                       ("model", target)):
        n = int(mask.sum())
        t, c = mask & w, mask & ~w
        uplift = (y[t].mean() - y[c].mean()) if t.any() and c.any() else 0.0
        inc = uplift * n
        spend = cost * n
        profit = value * inc - spend
        rows.append({"policy": name, "users": n, "share": n / len(target), "uplift": uplift,
                     "incremental_conversions": inc, "cost": spend, "incremental_value": value * inc,
                     "profit": profit, "roi": profit / spend if spend > 0 else np.nan})
    return pd.DataFrame(rows).set_index("policy")
