"""Churn early-warning model (防流失预警, ``docs/methods.md#churn-model``).

Label design that avoids leakage:

- a snapshot date; features use only rows strictly before it (:func:`snapshot_features`, the named
  queries ``churn_order_features`` and ``churn_event_features``);
- population: customers alive at the snapshot (an order in the ``alive_days`` before it);
- label: churn = 1 if the customer places no order in [snapshot, snapshot + H) (:func:`churn_labels`);
  a window that runs past the analysis date ``as_of`` is refused (censored outcome);
- several snapshots; validate out of time (train on earlier snapshots, test on a later one).

The model (:class:`ChurnModel`) is a standardised logistic regression from scikit-learn, so each
user's score splits into per-feature contributions and the action list can give a reason in words.
Every snapshot remembers the latest source timestamp it used; :class:`ChurnModel` refuses a
snapshot with a feature computed from data at or after its date (:class:`LeakageError`).
Feature names are English; their Chinese labels are in :mod:`opskit.viz.glossary`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from opskit.data import engine

__all__ = ["snapshot_features", "churn_labels", "build_snapshots", "add_feature", "ChurnModel",
           "auc", "top_decile_lift", "LeakageError", "FEATURES", "FEATURE_REASONS",
           "FEATURE_DIRECTIONS"]

DAY = pd.Timedelta(days=1)

#: The features the model uses by default, in display order.
FEATURES: tuple[str, ...] = ("recency_days", "orders_30d", "orders_60d", "orders_90d", "order_trend",
                             "amount_90d", "tenure_days", "ipt_ratio", "events_30d", "engagement_ewma",
                             "event_trend", "complaints_90d", "coupon_share_90d")

#: The reason shown to an operator when a feature pushes a user towards churn ({v}: the user's value).
FEATURE_REASONS: dict[str, str] = {
    "recency_days": "距上次下单已 {v:.0f} 天",
    "orders_30d": "近30天只下了 {v:.0f} 单",
    "orders_60d": "近60天只下了 {v:.0f} 单",
    "orders_90d": "近90天只下了 {v:.0f} 单",
    "order_trend": "下单频次在下降（近30天/前30天 = {v:.2f}）",
    "amount_90d": "近90天消费只有 {v:.0f} 元",
    "tenure_days": "首单至今只有 {v:.0f} 天",
    "ipt_ratio": "已超过平时购买间隔的 {v:.1f} 倍",
    "events_30d": "近30天只有 {v:.0f} 次浏览等行为",
    "engagement_ewma": "活跃度衰减到 {v:.2f}",
    "event_trend": "App 活跃在下降（近30天/前30天 = {v:.2f}）",
    "complaints_90d": "近90天投诉了 {v:.0f} 次",
    "coupon_share_90d": "近90天 {v:.0%} 的订单靠券，对价格敏感",
}

#: +1: a high value is the reason (as worded in FEATURE_REASONS); -1: a low value is.
#: A feature can only be a user's reason when it pushes the score up *and* the user's value lies on
#: the worded side of the average, so a collinear twin with a flipped coefficient never produces
#: "近60天只下了 12 单" for a frequent buyer.
FEATURE_DIRECTIONS: dict[str, int] = {
    "recency_days": 1, "orders_30d": -1, "orders_60d": -1, "orders_90d": -1, "order_trend": -1,
    "amount_90d": -1, "tenure_days": -1, "ipt_ratio": 1, "events_30d": -1, "engagement_ewma": -1,
    "event_trend": -1, "complaints_90d": 1, "coupon_share_90d": 1,
}


class LeakageError(ValueError):
    """A feature was computed from data at or after the snapshot date."""


def snapshot_features(orders: pd.DataFrame, events: pd.DataFrame | None = None, *, as_of,
                      alive_days: int = 90, half_life_days: float = 14.0) -> pd.DataFrame:
    """Features at the snapshot ``as_of`` for customers alive then, from rows strictly before it.

    Order features: ``recency_days``; ``orders_30d/60d/90d`` (ages in (0, 30], (0, 60], (0, 90]
    days); ``order_trend`` = (orders in the last 30 days + 1)/(orders in the 30 before + 1);
    ``amount_90d``; ``tenure_days`` (since the first order); ``ipt_ratio`` = recency / mean
    inter-purchase time (NaN with a single order, filled by the model). With ``events``:
    ``events_30d``, ``event_trend`` (as order_trend) and ``engagement_ewma`` = Σ exp(−ln2·age/h)
    over events of the last 365 days (half-life h = ``half_life_days``); with an ``event_type`` column,
    ``complaints_90d`` counts ``complaint`` events of the last 90 days (they are not app activity).
    With a ``coupon_id`` column in ``orders``: ``coupon_share_90d``, the share of the last 90 days'
    orders that used a coupon (named query ``churn_coupon_features``). Alive = an order within
    ``alive_days`` before the snapshot. Column ``as_of`` and ``attrs`` keep the snapshot date and
    ``source_max_time`` (the latest row used).
    """
    as_of = pd.Timestamp(as_of)
    frame = orders[["user_id", "order_time", "amount"]]
    feats = engine.run("churn_order_features", {"as_of": as_of, "alive_days": float(alive_days)}, orders=frame)
    used = [frame.loc[frame["order_time"] < as_of, "order_time"].max()]
    if "coupon_id" in orders:
        coupons = engine.run("churn_coupon_features", {"as_of": as_of},
                             orders=orders[["user_id", "order_time", "coupon_id"]])
        feats = feats.merge(coupons, on="user_id", how="left")
        feats["coupon_share_90d"] = feats["coupon_share_90d"].fillna(0.0)
    if events is not None:
        ev = events[["user_id", "event_time"]].assign(
            event_type=events["event_type"] if "event_type" in events else "")
        efeats = engine.run("churn_event_features", {"as_of": as_of, "half_life": float(half_life_days)}, events=ev)
        if "event_type" not in events:
            efeats = efeats.drop(columns="complaints_90d")
        feats = feats.merge(efeats, on="user_id", how="left")
        for col in ("events_30d", "engagement_ewma", "complaints_90d"):
            if col in feats:
                feats[col] = feats[col].fillna(0.0)
        feats["event_trend"] = feats["event_trend"].fillna(1.0)
        used.append(ev.loc[ev["event_time"] < as_of, "event_time"].max())
    feats["orders_total"] = feats["orders_total"].astype("int64")
    feats.insert(1, "as_of", as_of)
    feats.attrs["as_of"] = as_of
    feats.attrs["source_max_time"] = max(pd.Timestamp(u) for u in used if pd.notna(u))
    return feats


def add_feature(snapshot: pd.DataFrame, name: str, values: pd.Series, source_max_time) -> pd.DataFrame:
    """Add a feature (a Series indexed by user_id) computed from data up to ``source_max_time``.

    Raises :class:`LeakageError` when that time is at or after the snapshot date: a feature such as
    "days since last purchase at extraction date" would leak the outcome into the model.
    """
    snap = snapshot.attrs["as_of"]
    if pd.Timestamp(source_max_time) >= snap:
        raise LeakageError(f"特征 {name} 用到了 {pd.Timestamp(source_max_time):%Y-%m-%d %H:%M} 的数据，"
                           f"不早于快照日 {snap:%Y-%m-%d}：会把结果泄漏进模型")
    out = snapshot.copy()
    out[name] = out["user_id"].map(values)
    out.attrs = dict(snapshot.attrs)
    return out


def churn_labels(orders: pd.DataFrame, user_ids, *, snapshot, horizon_days: int, as_of=None) -> pd.Series:
    """churn = 1 if the user places no order in [snapshot, snapshot + horizon); indexed by user_id.

    ``as_of`` (the analysis date, exclusive; default: just after the last order) must not be before
    snapshot + horizon, otherwise the outcome window is censored and a ValueError is raised.
    """
    snapshot = pd.Timestamp(snapshot)
    end = snapshot + horizon_days * DAY
    if as_of is None:
        as_of = orders["order_time"].max() + pd.Timedelta(microseconds=1)
    if end > pd.Timestamp(as_of):
        raise ValueError(f"结果窗口 {snapshot:%Y-%m-%d} + {horizon_days} 天超出了分析日 "
                         f"{pd.Timestamp(as_of):%Y-%m-%d}：标签会被删失")
    t = orders["order_time"]
    buyers = orders.loc[(t >= snapshot) & (t < end), "user_id"].unique()
    ids = pd.Index(user_ids, name="user_id")
    return pd.Series((~ids.isin(buyers)).astype("int64"), index=ids, name="churn")


def build_snapshots(orders: pd.DataFrame, snapshots, horizon_days: int, *, events=None, as_of=None,
                    **kwargs) -> pd.DataFrame:
    """Features and label for each snapshot date, stacked (one row per user and snapshot)."""
    parts = []
    for snap in snapshots:
        feats = snapshot_features(orders, events, as_of=snap, **kwargs)
        y = churn_labels(orders, feats["user_id"], snapshot=snap, horizon_days=horizon_days, as_of=as_of)
        feats["churn"] = y.to_numpy()
        parts.append(feats)
    out = pd.concat(parts, ignore_index=True)
    out.attrs = {"as_of": max(p.attrs["as_of"] for p in parts),
                 "source_ok": all(p.attrs["source_max_time"] < p.attrs["as_of"] for p in parts)}
    return out


def auc(y, score) -> float:
    """AUC as P(score of a churner > score of a non-churner), ties counted as ½ (Mann–Whitney)."""
    y = np.asarray(y).astype(bool)
    ranks = rankdata(np.asarray(score, dtype=float))
    n1, n0 = y.sum(), (~y).sum()
    if n1 == 0 or n0 == 0:
        return float("nan")
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def top_decile_lift(y, score, fraction: float = 0.1) -> float:
    """Churn rate among the top ``fraction`` by score / overall churn rate (Neslin et al. 2006).

    The top group has exactly round(n·fraction) users; users tied at the boundary score share the
    remaining places in proportion (their mean churn rate), so ties never favour the model.
    """
    y = np.asarray(y, dtype=float)
    s = np.asarray(score, dtype=float)
    k = max(1, int(round(len(y) * fraction)))
    threshold = np.sort(s)[::-1][k - 1]
    above = s > threshold
    tied = s == threshold
    hits = y[above].sum() + (k - above.sum()) * y[tied].mean()
    return float((hits / k) / y.mean())


class ChurnModel(BaseEstimator):
    """Standardised logistic regression on snapshot features, with per-user reasons.

    ``fit(snapshots)`` trains on the rows of a :func:`build_snapshots` frame (column ``churn``);
    missing feature values (e.g. ``ipt_ratio`` for one-order customers) are filled with the training
    median, and count-like features are log1p-transformed. ``features`` defaults to every column of
    :data:`FEATURES` present.
    """

    def __init__(self, features: list[str] | None = None, C: float = 1.0):
        self.features = features
        self.C = C

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        X = frame[self.features_].astype(float).fillna(self.medians_)
        return np.log1p(X.clip(lower=0)).to_numpy()

    def fit(self, snapshots: pd.DataFrame) -> "ChurnModel":
        if not snapshots.attrs.get("source_ok", True):
            raise LeakageError("快照特征用到了快照日之后的数据")
        self.features_ = list(self.features or [c for c in FEATURES if c in snapshots])
        self.medians_ = snapshots[self.features_].astype(float).median()
        self.pipeline_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=1000))
        self.pipeline_.fit(self._matrix(snapshots), snapshots["churn"].to_numpy())
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of churn in the outcome window."""
        X = self._matrix(frame)
        return self.pipeline_.predict_proba(X)[:, 1]

    def coefficients(self) -> pd.Series:
        """Standardised coefficient per feature (positive: pushes towards churn)."""
        check_is_fitted(self, "pipeline_")
        coef = self.pipeline_[-1].coef_[0]
        return pd.Series(coef, index=pd.Index(self.features_, name="predictor"), name="coefficient")

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Per-user contribution of each feature to the log-odds, relative to the average user.

        coef_j · (x_ij − mean_j) on the model's (log1p) scale, the mean taken over the training rows:
        the interventional SHAP values of a linear model (``shap.LinearExplainer``). They add up to
        the user's log-odds minus the log-odds of the average training row.
        """
        z = self.pipeline_[0].transform(self._matrix(frame))
        return pd.DataFrame(z * self.pipeline_[-1].coef_[0], columns=self.features_, index=frame.index)

    def main_feature(self, frame: pd.DataFrame) -> pd.Series:
        """The feature that pushes each user's score up the most relative to the average user,
        among those whose value lies on the side :data:`FEATURE_DIRECTIONS` words as the reason
        (all features when none does); NaN when no feature pushes the score up."""
        contrib = self.contributions(frame)
        z = pd.DataFrame(self.pipeline_[0].transform(self._matrix(frame)), columns=self.features_,
                         index=frame.index)
        direction = pd.Series({f: FEATURE_DIRECTIONS.get(f, 0) for f in self.features_})
        worded = (direction == 0) | (np.sign(z) == direction)
        best = contrib.where(worded & (contrib > 0))
        unworded = best.isna().all(axis=1)
        best.loc[unworded] = contrib.loc[unworded].where(contrib.loc[unworded] > 0)
        main = best.fillna(-np.inf).idxmax(axis=1)  # ties: the first feature in display order
        return main.where(best.notna().any(axis=1)).rename("main_feature")

    def action_list(self, frame: pd.DataFrame, top: int | float = 0.1) -> pd.DataFrame:
        """Users with the highest churn probability (``top`` as a count or a share): ``user_id``,
        ``churn_probability``, ``main_feature`` (:meth:`main_feature`) and ``main_reason``, that
        feature in words (:data:`FEATURE_REASONS`)."""
        p = self.predict_proba(frame)
        k = int(top) if top >= 1 else max(1, int(round(len(frame) * top)))
        order = np.argsort(-p, kind="stable")[:k]
        sub = frame.iloc[order]
        main = self.main_feature(sub)
        reasons = [FEATURE_REASONS.get(f, "{v}").format(v=float(sub.at[i, f]) if pd.notna(sub.at[i, f]) else 0.0)
                   if isinstance(f, str) else "" for i, f in zip(sub.index, main)]
        return pd.DataFrame({"user_id": sub["user_id"].to_numpy(), "churn_probability": p[order],
                             "main_feature": main.to_numpy(), "main_reason": reasons}).reset_index(drop=True)
