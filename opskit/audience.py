"""Lookalike audiences (DMP 人群扩展, docs/methods.md#audience): score everyone by likeness to a seed.

A seed (best customers, converters) is separated from the population by a classifier; everyone is
then ranked by the score. :class:`Lookalike` is a scikit-learn classifier with the defaults this
problem needs: categorical columns one-hot encoded, numeric columns log-compressed and standardised,
and a logistic regression weighted for the rare seed (``class_weight="balanced"``), so a seed of a
few percent is not drowned by the population. Its probabilities are *scores* for ranking; read
rates off held-out data with :func:`gains_table`.

Evaluate on held-out users, never on the seed the model was trained on: :func:`top_share_lift`
(lift of the top share), :func:`gains_curve` (cumulative gains) and :func:`audience_size` (the
audience that maximises expected value minus the cost of reaching it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from opskit.data import engine


def _signed_log1p(x):
    return np.sign(x) * np.log1p(np.abs(x))


class Lookalike(ClassifierMixin, BaseEstimator):
    """Seed-vs-population classifier for lookalike audiences.

    Parameters
    ----------
    C : inverse L2 regularisation strength of the logistic regression.
    class_weight : ``"balanced"`` (default) weighs the seed up to the population's total weight.
    log_numeric : compress numeric features with sign(x)·log(1 + |x|) before scaling (counts and
        amounts are heavy-tailed).
    max_iter : iterations of the solver.

    ``fit(X, y)`` takes a DataFrame (string, category or bool columns are one-hot encoded, unseen
    levels ignored at scoring time; the rest is numeric) or a numeric array, and ``y`` = 1 for seed
    members. Fitted attributes: ``classes_``, ``pipeline_``, ``feature_names_in_`` (DataFrames), and
    :meth:`coefficients` gives the standardised coefficients by feature.
    """

    def __init__(self, C: float = 1.0, class_weight="balanced", log_numeric: bool = True, max_iter: int = 2000):
        self.C = C
        self.class_weight = class_weight
        self.log_numeric = log_numeric
        self.max_iter = max_iter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y):
        if y is None:
            raise ValueError("Lookalike requires y to be passed, but the target y is None (1 = seed member)")
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError("Only binary classification is supported: a lookalike separates a seed from the "
                             f"population, but y has {len(self.classes_)} class(es): {self.classes_.tolist()}")
        numeric_steps = ([FunctionTransformer(_signed_log1p, feature_names_out="one-to-one")]
                         if self.log_numeric else []) + [StandardScaler()]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            self.n_features_in_ = X.shape[1]
            categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])
                           or pd.api.types.is_bool_dtype(X[c])]
            numeric = [c for c in X.columns if c not in categorical]
            prepare = ColumnTransformer([
                ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
                ("numeric", make_pipeline(*numeric_steps), numeric),
            ], sparse_threshold=0.0)
        else:
            X = validate_data(self, X, accept_sparse=False, dtype="numeric")
            prepare = make_pipeline(*numeric_steps)
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
        self.pipeline_ = Pipeline([("prepare", prepare), ("model", model)])
        self.pipeline_.fit(self._prepare(X), y)
        self.n_iter_ = model.n_iter_
        return self

    def _prepare(self, X):
        if isinstance(X, pd.DataFrame):
            return _categorical_as_str(X)
        return validate_data(self, X, accept_sparse=False, dtype="numeric", reset=False)

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self.pipeline_.predict_proba(self._prepare(X))

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self.pipeline_.decision_function(self._prepare(X))

    def predict(self, X) -> np.ndarray:
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def coefficients(self) -> pd.Series:
        """Coefficients on the standardised / one-hot features, largest magnitude first."""
        check_is_fitted(self)
        names = self.pipeline_.named_steps["prepare"].get_feature_names_out()
        coef = pd.Series(self.pipeline_.named_steps["model"].coef_[0], index=names)
        return coef.reindex(coef.abs().sort_values(ascending=False, kind="stable").index)


def _categorical_as_str(X):
    """Categorical columns as plain strings (the encoder must not see mixed or nullable types)."""
    if not isinstance(X, pd.DataFrame):
        return X
    out = X.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype(object).where(out[col].notna(), "缺失").astype(str).astype(object)
    return out


def top_share_lift(y_true, score, top: float = 0.1) -> float:
    """Lift of the top share: positive rate among the ``top`` share by score ÷ overall positive rate.

    The top group has exactly round(n·top) rows (at least one); rows tied at the boundary score share
    the remaining places in proportion to their positive rate, so ties never favour the model. A
    perfect score gives min(1/p, 1/top); a random one 1 in expectation (docs/methods.md#audience).
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(score, dtype=float)
    if len(y) == 0 or y.sum() == 0:
        return float("nan")
    k = max(1, int(round(len(y) * top)))
    threshold = np.sort(s)[::-1][k - 1]
    above, tied = s > threshold, s == threshold
    hits = y[above].sum() + (k - above.sum()) * y[tied].mean()
    return float((hits / k) / y.mean())


def gains_curve(y_true, score, points: int = 101) -> pd.DataFrame:
    """Cumulative gains: share of all positives captured when reaching the top ``share`` of rows.

    ``share`` runs over ``points`` evenly spaced values from 0 to 1; ties at a boundary are split
    pro rata as in :func:`top_share_lift`. Columns: share, gain (captured share of positives),
    lift (gain / share), random (= share) and perfect (min(1, share / p)).
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(score, dtype=float)
    order = np.argsort(-s, kind="stable")
    y_sorted, s_sorted = y[order], s[order]
    # Pro-rata ties: every row of a tied block carries the block's mean outcome.
    _, start, counts = np.unique(-s_sorted, return_index=True, return_counts=True)
    block_mean = np.add.reduceat(y_sorted, start) / counts
    smoothed = np.repeat(block_mean, counts)
    captured = np.concatenate([[0.0], np.cumsum(smoothed)]) / max(y.sum(), 1e-12)
    share = np.linspace(0, 1, points)
    position = share * len(y)
    gain = np.interp(position, np.arange(len(y) + 1), captured)
    p = y.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(share > 0, gain / share, np.nan)
    return pd.DataFrame({"share": share, "gain": gain, "lift": lift, "random": share,
                         "perfect": np.minimum(1.0, share / p) if p > 0 else np.nan})


def gains_table(y_true, score, bins: int = 10) -> pd.DataFrame:
    """Positive rate per score band (band 1 = the highest scores), for reading rates off held-out data.

    Bands are equal-sized by rank (ties broken by position). Columns: rows, positives, rate,
    cumulative_rows, cumulative_rate, lift (band rate ÷ overall rate), min_score.
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(score, dtype=float)
    rank = pd.Series(-s).rank(method="first").to_numpy()
    band = np.ceil(rank / len(y) * bins).astype(int).clip(1, bins)
    table = pd.DataFrame({"band": band, "y": y, "score": s}).groupby("band").agg(
        rows=("y", "size"), positives=("y", "sum"), min_score=("score", "min"))
    table["rate"] = table["positives"] / table["rows"]
    table["cumulative_rows"] = table["rows"].cumsum()
    table["cumulative_rate"] = table["positives"].cumsum() / table["cumulative_rows"]
    table["lift"] = table["rate"] / y.mean()
    return table[["rows", "positives", "rate", "cumulative_rows", "cumulative_rate", "lift", "min_score"]]


def audience_size(y_true, score, *, value_per_positive: float, cost_per_reach: float,
                  population: int | None = None, points: int = 21) -> pd.DataFrame:
    """Expected profit of reaching the top k rows, for every k, from held-out outcomes.

    Reaching the top k of the held-out ranking finds gain(k) positives; scaled to a ``population``
    of the same mix (default: the held-out size), the profit is positives × ``value_per_positive``
    − reached × ``cost_per_reach``. The shares run over ``points`` evenly spaced values (default: steps
    of 5%; a finer grid chases the noise of a small held-out set). Returns one row per share (share,
    reached, positives, profit, and the rate of positives in the last step) and ``attrs["best"]``,
    the row of the best share. Reaching nobody (profit 0) is a valid answer.
    """
    y = np.asarray(y_true, dtype=float)
    n = len(y)
    scale = (population or n) / n
    curve = gains_curve(y, score, points=points)
    reached = curve["share"] * n * scale
    positives = curve["gain"] * y.sum() * scale
    out = pd.DataFrame({"share": curve["share"], "reached": reached, "positives": positives})
    out["profit"] = out["positives"] * value_per_positive - out["reached"] * cost_per_reach
    out["marginal_rate"] = (out["positives"].diff() / out["reached"].diff()).fillna(0.0)
    out.attrs["best"] = out.loc[out["profit"].idxmax()]
    return out


PROFILE_COLUMNS = ("channel_id", "city_tier", "age_group", "gender", "device_os")


def profile_features(users: pd.DataFrame, events: pd.DataFrame | None = None, *, days: int = 7,
                     event_types=("app_open", "search", "view_item", "add_favorite", "share", "push_open"),
                     profile=PROFILE_COLUMNS) -> pd.DataFrame:
    """Features a DMP could hold for each user: profile columns and early behaviour.

    The ``profile`` columns present in ``users`` (as text), and, with ``events``, the count of each
    of ``event_types`` and the number of distinct categories touched in the first ``days`` days after
    registering (named query ``early_events``; zeros where nothing happened). Indexed by user_id.
    """
    out = users.set_index("user_id")[[c for c in profile if c in users]].astype(object)
    if events is not None:
        long = engine.run("early_events", {"days": int(days)},
                          users=users[["user_id", "register_time"]],
                          events=events[["user_id", "event_time", "event_type", "category_id"]]
                          if "category_id" in events else
                          events[["user_id", "event_time", "event_type"]].assign(category_id=None))
        wide = long.pivot_table(index="user_id", columns="event_type", values="n", aggfunc="sum", fill_value=0)
        columns = [*event_types, "__categories__"]
        wide = wide.reindex(index=out.index, columns=columns, fill_value=0).fillna(0).astype("int64")
        out = out.join(wide.rename(columns={"__categories__": "categories"}))
    return out
