"""Churn early-warning model (防流失预警, METHODS.md §17).

Label design that avoids leakage:

- a snapshot date t₀; features use only rows with time < t₀ (:func:`snapshot_features`, one DuckDB
  query per snapshot);
- population: customers alive at t₀ (an order in the ``alive_days`` before t₀);
- label: churn = 1 if the customer places no order in [t₀, t₀ + H) (:func:`churn_labels`); a window
  that runs past the end of the data is refused (censored outcome);
- several snapshots; validate out of time (train on earlier t₀, test on a later t₀).

The model (:class:`ChurnModel`) is a standardised logistic regression from scikit-learn, so each
user's score splits into per-feature contributions and the action list can give a reason in words.
Every snapshot remembers the latest source timestamp it used; :class:`ChurnModel` refuses a
snapshot with a feature computed from data at or after t₀ (:class:`LeakageError`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from opskit.data.engine import query

__all__ = ["snapshot_features", "churn_labels", "build_snapshots", "add_feature", "ChurnModel",
           "auc", "top_decile_lift", "LeakageError", "FEATURE_LABELS", "FEATURES_SQL"]

DAY = pd.Timedelta(days=1)

#: Chinese name of each feature, and the reason shown when it pushes a user towards churn.
FEATURE_LABELS: dict[str, tuple[str, str]] = {
    "recency_days": ("距上次下单天数", "距上次下单已 {v:.0f} 天"),
    "orders_30d": ("近30天订单数", "近30天只下了 {v:.0f} 单"),
    "orders_60d": ("近60天订单数", "近60天只下了 {v:.0f} 单"),
    "orders_90d": ("近90天订单数", "近90天只下了 {v:.0f} 单"),
    "order_trend": ("订单趋势（近30天/前30天）", "下单频次在下降（近30天/前30天 = {v:.2f}）"),
    "amount_90d": ("近90天实付金额", "近90天消费只有 {v:.0f} 元"),
    "tenure_days": ("老客时长（天）", "首单至今 {v:.0f} 天"),
    "ipt_ratio": ("间隔比（距上次下单/平均购买间隔）", "已超过平时购买间隔的 {v:.1f} 倍"),
    "events_30d": ("近30天行为次数", "近30天只有 {v:.0f} 次浏览等行为"),
    "engagement_ewma": ("活跃度（指数衰减加权）", "活跃度衰减到 {v:.2f}"),
    "event_trend": ("活跃趋势（近30天/前30天）", "App 活跃在下降（近30天/前30天 = {v:.2f}）"),
}

FEATURES_SQL = """
WITH o AS (
    SELECT user_id, date_diff('second', order_time, $t0) / 86400.0 AS age, amount
    FROM orders WHERE order_time < $t0
), per_user AS (
    SELECT user_id,
           MIN(age) AS recency_days,
           MAX(age) AS tenure_days,
           COUNT(*) AS orders_total,
           COUNT(*) FILTER (WHERE age <= 30) AS orders_30d,
           COUNT(*) FILTER (WHERE age > 30 AND age <= 60) AS orders_prev30d,
           COUNT(*) FILTER (WHERE age <= 60) AS orders_60d,
           COUNT(*) FILTER (WHERE age <= 90) AS orders_90d,
           COALESCE(SUM(amount) FILTER (WHERE age <= 90), 0) AS amount_90d
    FROM o GROUP BY user_id
)
SELECT user_id, recency_days, orders_30d, orders_60d, orders_90d,
       (orders_30d + 1.0) / (orders_prev30d + 1.0) AS order_trend,
       amount_90d, tenure_days,
       recency_days / ((tenure_days - recency_days) / (orders_total - 1)) AS ipt_ratio,
       orders_total
FROM per_user
WHERE recency_days <= $alive_days
ORDER BY user_id
"""

EVENTS_SQL = """
SELECT user_id,
       COUNT(*) FILTER (WHERE age <= 30) AS events_30d,
       (COUNT(*) FILTER (WHERE age <= 30) + 1.0) / (COUNT(*) FILTER (WHERE age > 30 AND age <= 60) + 1.0)
           AS event_trend,
       SUM(exp(-ln(2) * age / $half_life)) AS engagement_ewma
FROM (SELECT user_id, date_diff('second', event_time, $t0) / 86400.0 AS age
      FROM events WHERE event_time < $t0 AND event_time >= $t0 - INTERVAL 365 DAY)
GROUP BY user_id
"""


class LeakageError(ValueError):
    """A feature was computed from data at or after the snapshot date t₀."""


def _ts(value) -> str:
    return f"TIMESTAMP '{pd.Timestamp(value).isoformat(sep=' ')}'"


def snapshot_features(orders: pd.DataFrame, t0, events: pd.DataFrame | None = None,
                      alive_days: int = 90, half_life_days: float = 14.0) -> pd.DataFrame:
    """Features at snapshot ``t0`` for customers alive at t0, from rows strictly before t0.

    Order features: ``recency_days``; ``orders_30d/60d/90d`` (ages in (0, 30], (0, 60], (0, 90]
    days); ``order_trend`` = (orders in the last 30 days + 1)/(orders in the 30 before + 1);
    ``amount_90d``; ``tenure_days`` (since the first order); ``ipt_ratio`` = recency / mean
    inter-purchase time (NaN with a single order, filled by the model). With ``events``:
    ``events_30d``, ``event_trend`` (as order_trend) and ``engagement_ewma`` = Σ exp(−ln2·age/h)
    over events of the last 365 days (half-life h = ``half_life_days``). Alive = an order within
    ``alive_days`` before t0. ``attrs`` keep ``t0`` and ``source_max_time`` (the latest row used).
    """
    t0 = pd.Timestamp(t0)
    sql = FEATURES_SQL.replace("$t0", _ts(t0)).replace("$alive_days", str(float(alive_days)))
    frame = orders[["user_id", "order_time", "amount"]]
    feats = query(sql, orders=frame)
    used = [frame.loc[frame["order_time"] < t0, "order_time"].max()]
    if events is not None:
        ev = events[["user_id", "event_time"]]
        esql = EVENTS_SQL.replace("$t0", _ts(t0)).replace("$half_life", str(float(half_life_days)))
        efeats = query(esql, events=ev)
        feats = feats.merge(efeats, on="user_id", how="left")
        for col in ("events_30d", "engagement_ewma"):
            feats[col] = feats[col].fillna(0.0)
        feats["event_trend"] = feats["event_trend"].fillna(1.0)
        used.append(ev.loc[ev["event_time"] < t0, "event_time"].max())
    feats["orders_total"] = feats["orders_total"].astype("int64")
    feats.insert(1, "t0", t0)
    feats.attrs["t0"] = t0
    feats.attrs["source_max_time"] = max(pd.Timestamp(u) for u in used if pd.notna(u))
    return feats


def add_feature(snapshot: pd.DataFrame, name: str, values: pd.Series, source_max_time) -> pd.DataFrame:
    """Add a feature (a Series indexed by user_id) computed from data up to ``source_max_time``.

    Raises :class:`LeakageError` when that time is at or after the snapshot's t0: a feature such as
    "days since last purchase at extraction date" would leak the outcome into the model.
    """
    t0 = snapshot.attrs["t0"]
    if pd.Timestamp(source_max_time) >= t0:
        raise LeakageError(f"特征 {name} 用到了 {pd.Timestamp(source_max_time):%Y-%m-%d %H:%M} 的数据，"
                           f"不早于快照日 {t0:%Y-%m-%d}：会把结果泄漏进模型")
    out = snapshot.copy()
    out[name] = out["user_id"].map(values)
    out.attrs = dict(snapshot.attrs)
    return out


def churn_labels(orders: pd.DataFrame, user_ids, t0, horizon_days: int,
                 data_end=None) -> pd.Series:
    """churn = 1 if the user places no order in [t0, t0 + horizon); indexed by user_id.

    ``data_end`` (exclusive; default: just after the last order) must not be before t0 + horizon,
    otherwise the outcome window is censored and a ValueError is raised.
    """
    t0 = pd.Timestamp(t0)
    end = t0 + horizon_days * DAY
    if data_end is None:
        data_end = orders["order_time"].max() + pd.Timedelta(microseconds=1)
    if end > pd.Timestamp(data_end):
        raise ValueError(f"结果窗口 {t0:%Y-%m-%d} + {horizon_days} 天超出了数据截止日 "
                         f"{pd.Timestamp(data_end):%Y-%m-%d}：标签会被删失")
    t = orders["order_time"]
    buyers = orders.loc[(t >= t0) & (t < end), "user_id"].unique()
    ids = pd.Index(user_ids, name="user_id")
    return pd.Series((~ids.isin(buyers)).astype("int64"), index=ids, name="churn")


def build_snapshots(orders: pd.DataFrame, t0s, horizon_days: int, events=None, data_end=None,
                    **kwargs) -> pd.DataFrame:
    """Features and label for each snapshot date, stacked (one row per user and t0)."""
    parts = []
    for t0 in t0s:
        feats = snapshot_features(orders, t0, events, **kwargs)
        y = churn_labels(orders, feats["user_id"], t0, horizon_days, data_end)
        feats["churn"] = y.to_numpy()
        parts.append(feats)
    out = pd.concat(parts, ignore_index=True)
    out.attrs = {"t0": max(p.attrs["t0"] for p in parts),
                 "source_ok": all(p.attrs["source_max_time"] < p.attrs["t0"] for p in parts)}
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


class ChurnModel:
    """Standardised logistic regression on snapshot features, with per-user reasons.

    ``fit(snapshots)`` trains on the rows of a :func:`build_snapshots` frame (column ``churn``);
    missing feature values (e.g. ``ipt_ratio`` for one-order customers) are filled with the training
    median, and count-like features are log1p-transformed.
    """

    def __init__(self, features: list[str] | None = None, C: float = 1.0):
        self.features = features
        self.C = C

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        X = frame[self.features_].astype(float).fillna(self.medians_)
        return np.log1p(X.clip(lower=0)).to_numpy()

    def fit(self, snapshots: pd.DataFrame):
        if not snapshots.attrs.get("source_ok", True):
            raise LeakageError("快照特征用到了快照日之后的数据")
        self.features_ = self.features or [c for c in FEATURE_LABELS if c in snapshots]
        self.medians_ = snapshots[self.features_].astype(float).median()
        self.pipeline_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=1000))
        self.pipeline_.fit(self._matrix(snapshots), snapshots["churn"].to_numpy())
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of churn in the outcome window."""
        return self.pipeline_.predict_proba(self._matrix(frame))[:, 1]

    def coefficients(self) -> pd.Series:
        """Standardised coefficients (positive: pushes towards churn), named in Chinese."""
        coef = self.pipeline_[-1].coef_[0]
        return pd.Series(coef, index=[FEATURE_LABELS[f][0] for f in self.features_], name="系数")

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Per-user contribution of each feature to the log-odds, relative to the average user."""
        scaler, lr = self.pipeline_[0], self.pipeline_[-1]
        z = scaler.transform(self._matrix(frame))
        return pd.DataFrame(z * lr.coef_[0], columns=self.features_, index=frame.index)

    def action_list(self, frame: pd.DataFrame, top: int | float = 0.1) -> pd.DataFrame:
        """Users with the highest churn probability (``top`` as a count or a share) and the main
        reason of each: the feature that pushes their score up the most, in words."""
        p = self.predict_proba(frame)
        k = int(top) if top >= 1 else max(1, int(round(len(frame) * top)))
        order = np.argsort(-p, kind="stable")[:k]
        sub = frame.iloc[order]
        contrib = self.contributions(sub)
        main = contrib.idxmax(axis=1)
        reasons = [FEATURE_LABELS[f][1].format(v=float(sub.at[i, f]) if pd.notna(sub.at[i, f]) else 0.0)
                   for i, f in zip(sub.index, main)]
        return pd.DataFrame({"user_id": sub["user_id"].to_numpy(), "流失概率": p[order],
                             "主要原因": reasons}).reset_index(drop=True)
