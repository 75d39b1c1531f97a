"""Customer segments: RFM scores and the 8 RFM segments, value tiers, k-means clusters.

Aggregation over the raw order table (:func:`rfm_table`) is one DuckDB query; everything else
works on the small per-user result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from opskit.data import engine

#: The 8 RFM segments (Chinese convention), in a fixed order: R, F, M high/low (``docs/methods.md#rfm``).
RFM_SEGMENTS: tuple[str, ...] = (
    "重要价值客户", "重要发展客户", "重要保持客户", "重要挽留客户",
    "一般价值客户", "一般发展客户", "一般保持客户", "一般挽留客户",
)

#: (R high, F high, M high) -> label.
_RFM_CORNERS: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "重要价值客户",
    (True, False, True): "重要发展客户",
    (False, True, True): "重要保持客户",
    (False, False, True): "重要挽留客户",
    (True, True, False): "一般价值客户",
    (True, False, False): "一般发展客户",
    (False, True, False): "一般保持客户",
    (False, False, False): "一般挽留客户",
}

#: Operating strategy for each RFM segment.
RFM_STRATEGIES: dict[str, str] = {
    "重要价值客户": "最近买、常买、花得多：VIP 专属服务与权益，新品优先体验，重在维系而不是打折。",
    "重要发展客户": "最近买、花得多但不常买：提升复购频次，如会员/订阅、品类交叉推荐、复购券。",
    "重要保持客户": "常买且花得多但最近没买：及时唤醒，专属客服回访、个性化召回，查明流失原因。",
    "重要挽留客户": "花得多但不常买且最近没买：高价值流失风险，重点挽回，给有吸引力的回归权益。",
    "一般价值客户": "最近买、常买但客单低：提升客单价，凑单满减、组合套餐、高客单品类引导。",
    "一般发展客户": "最近买但不常买、花得少（多为新客）：新客培育，首单后引导二单，建立使用习惯。",
    "一般保持客户": "常买但客单低、最近没买：低成本触达唤醒（推送、社群），控制营销成本。",
    "一般挽留客户": "不常买、花得少、最近没买：低成本批量触达，无响应则降低投入优先级。",
}

#: Below this mean P(alive) (BG/NBD) a segment is labelled gone; below ``AT_RISK_BELOW`` at risk.
GONE_BELOW = 0.1
AT_RISK_BELOW = 0.5
#: The strategy of a segment whose customers have most likely left, whatever its RFM corner.
GONE_STRATEGY = ("多半已经离开（平均仍活跃概率很低）：历史价值不等于未来价值，不做高成本召回；"
                 "只做低成本的试探触达，并访谈、分析流失原因。")


def segment_outlook(p_alive: pd.Series, *, gone_below: float = GONE_BELOW,
                    at_risk_below: float = AT_RISK_BELOW) -> pd.Series:
    """Status of each segment from its customers' mean probability of being alive (BG/NBD
    P(alive), ``opskit.clv``): 已流失 (< ``gone_below``), 流失风险高 (< ``at_risk_below``), 仍活跃;
    未知 where P(alive) is missing (the CLV part was skipped)."""
    p = pd.Series(p_alive, dtype=float)
    status = np.select([p.isna(), p < gone_below, p < at_risk_below], ["未知", "已流失", "流失风险高"], "仍活跃")
    return pd.Series(status, index=p.index, name="status")


def segment_strategies(status: pd.Series) -> pd.Series:
    """The operating strategy of each RFM segment, replaced by :data:`GONE_STRATEGY` for a segment
    whose customers have most likely left, so a strategy never asks to win back the gone."""
    return pd.Series([GONE_STRATEGY if st == "已流失" else RFM_STRATEGIES.get(seg, "")
                      for seg, st in status.items()], index=status.index, name="strategy")


def rfm_table(orders: engine.TableLike, *, as_of, window_days: int | None = None) -> pd.DataFrame:
    """Recency, frequency and monetary value per user from the order table (named query ``rfm``).

    Rules: only orders with ``order_time < as_of`` count, and with ``window_days`` only those with
    ``order_time >= as_of - window_days``. ``recency_days`` is the whole number of days (floor)
    between the last counted order and ``as_of``; ``frequency`` counts orders (not order lines);
    ``monetary`` is the total amount paid. Users without a counted order are absent.

    Returns a frame indexed by ``user_id`` (sorted) with ``recency_days, frequency, monetary``.
    """
    as_of = pd.Timestamp(as_of)
    start = None if window_days is None else as_of - pd.Timedelta(days=int(window_days))
    table = engine.run("rfm", {"as_of": as_of, "window_start": start},
                       orders=engine.renamed(orders, user_id="user_id", order_time="order_time", amount="amount"))
    table = table.set_index("user_id")  # sorted by the query
    table["recency_days"] = table["recency_days"].astype("int64")
    table["frequency"] = table["frequency"].astype("int64")
    table["monetary"] = table["monetary"].astype("float64")
    return table


def quantile_score(values: pd.Series, bins: int = 5, method: str = "average") -> pd.Series:
    """Score values 1..bins by rank, larger value -> larger score.

    ``method="average"`` (default) is tie-consistent: ``ceil(bins * average_rank / n)``, so equal
    values always share a score (bin sizes can be unequal and low scores may be empty).
    ``method="first"`` gives exactly equal bins but splits ties by row order.
    """
    if method not in ("average", "first"):
        raise ValueError("method must be 'average' or 'first'")
    n = len(values)
    if n == 0:
        return pd.Series([], index=values.index, dtype="int64")
    ranks = values.rank(method=method)
    twice = np.rint(2 * ranks.to_numpy()).astype("int64")  # average ranks are multiples of 0.5
    score = -(-(bins * twice) // (2 * n))  # exact integer ceil(bins * rank / n)
    return pd.Series(np.clip(score, 1, bins), index=values.index, dtype="int64")


def rfm_scores(rfm: pd.DataFrame, bins: int = 5, method: str = "average") -> pd.DataFrame:
    """Add ``r_score, f_score, m_score`` (1..bins) and ``rfm_cell = 100R + 10F + M``.

    Scores are computed independently over all users with :func:`quantile_score`: R score
    ``bins`` = most recent (smallest ``recency_days``), F and M score ``bins`` = largest.
    Equal values share a score. Scores only depend on ranks, so shifting ``as_of`` leaves them
    unchanged.
    """
    out = rfm.copy()
    out["r_score"] = quantile_score(-rfm["recency_days"], bins, method)
    out["f_score"] = quantile_score(rfm["frequency"], bins, method)
    out["m_score"] = quantile_score(rfm["monetary"], bins, method)
    out["rfm_cell"] = 100 * out["r_score"] + 10 * out["f_score"] + out["m_score"]
    return out


def rfm_segments(rfm: pd.DataFrame, threshold: str = "mean", on: str = "values") -> pd.Series:
    """The 8 Chinese RFM segments, each dimension binarised against the population mean/median.

    ``on="values"`` compares raw values: R high (good) iff ``recency_days < threshold``, F high
    iff ``frequency > threshold``, M high iff ``monetary > threshold``. ``on="scores"`` compares
    ``r_score, f_score, m_score`` (from :func:`rfm_scores`): high iff ``score > threshold``.
    A value equal to the threshold counts as low. Returns an ordered categorical Series over
    :data:`RFM_SEGMENTS`, indexed like ``rfm``; every user gets exactly one label.
    """
    if threshold not in ("mean", "median"):
        raise ValueError("threshold must be 'mean' or 'median'")
    if on == "values":
        r, f, m = -rfm["recency_days"], rfm["frequency"], rfm["monetary"]
    elif on == "scores":
        r, f, m = rfm["r_score"], rfm["f_score"], rfm["m_score"]
    else:
        raise ValueError("on must be 'values' or 'scores'")
    cut = (lambda s: s.mean()) if threshold == "mean" else (lambda s: s.median())
    high = [(s > cut(s)).to_numpy() for s in (r, f, m)]
    code = 4 * high[0] + 2 * high[1] + high[2]
    lookup = np.empty(8, dtype=object)
    for (rh, fh, mh), label in _RFM_CORNERS.items():
        lookup[4 * rh + 2 * fh + mh] = label
    labels = lookup[code] if len(code) else np.array([], dtype=object)
    return pd.Series(pd.Categorical(labels, categories=RFM_SEGMENTS, ordered=True),
                     index=rfm.index, name="rfm_segment")


def segment_summary(rfm: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """Users, share of users, share of revenue and mean R/F/M per segment, with the strategy."""
    frame = rfm.assign(segment=segments)
    out = frame.groupby("segment", observed=False).agg(
        users=("frequency", "size"), recency_days=("recency_days", "mean"),
        frequency=("frequency", "mean"), monetary=("monetary", "mean"), revenue=("monetary", "sum"))
    out["user_share"] = out["users"] / out["users"].sum()
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    out["strategy"] = [RFM_STRATEGIES.get(s, "") for s in out.index]
    out.index.name = "segment"
    return out


# ---------------------------------------------------------------- value concentration tiers

VALUE_TIERS: tuple[str, ...] = ("头部客户", "腰部客户", "长尾客户")


def value_tiers(values: pd.Series, cuts: tuple[float, ...] = (0.5, 0.8),
                labels: tuple[str, ...] = VALUE_TIERS) -> pd.Series:
    """Tier users by cumulative share of value (Pareto / ABC analysis).

    Users are sorted by value, largest first (ties by index); a user whose cumulative share
    *before* them is below ``cuts[0]`` is in the first tier, below ``cuts[1]`` in the second, and
    so on. With the defaults, 头部 users make the first half of revenue, 腰部 the next 30%.
    Returns an ordered categorical Series indexed like ``values``.
    """
    if len(labels) != len(cuts) + 1:
        raise ValueError("need one more label than cuts")
    ordered = values.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    total = ordered.sum()
    before = (ordered.cumsum() - ordered) / total if total else ordered * 0.0
    tier = np.searchsorted(np.asarray(cuts, dtype=float), before.to_numpy(), side="right")
    out = pd.Series(pd.Categorical(np.asarray(labels, dtype=object)[tier], categories=labels, ordered=True),
                    index=ordered.index, name="value_tier")
    return out.reindex(values.index)


def pareto_table(values: pd.Series, points=(0.01, 0.05, 0.1, 0.2, 0.5)) -> pd.DataFrame:
    """Share of total value held by the top ``p`` of users, for each ``p`` in ``points``."""
    v = np.sort(values.to_numpy(dtype=float))[::-1]
    total = v.sum()
    rows = []
    for p in points:
        k = max(1, int(np.ceil(p * len(v))))
        rows.append({"top_user_share": p, "users": k, "value_share": v[:k].sum() / total})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- k-means clustering

#: The habit features of :func:`order_habits` that chapter 02 clusters on.
HABIT_FEATURES: tuple[str, ...] = ("weekend_share", "morning_share", "midday_share", "afternoon_share",
                                   "evening_share", "night_share")


def order_habits(orders: engine.TableLike, *, as_of, window_days: int = 365, min_orders: int = 3) -> pd.DataFrame:
    """When each customer orders, from the order table (named query ``order_habits``).

    Rules: orders with ``as_of - window_days <= order_time < as_of``; ``weekend_share`` = share on
    Saturday or Sunday; ``morning_share`` [5, 10) h, ``midday_share`` [10, 14), ``afternoon_share``
    [14, 18), ``evening_share`` [18, 22), ``night_share`` the rest (shares of the customer's orders;
    the time of day is the exported timestamp's, so export in local time). Customers with fewer than
    ``min_orders`` orders in the window have no habit yet and are absent.

    Returns a frame indexed by ``user_id`` (sorted) with ``orders`` and the :data:`HABIT_FEATURES`.
    """
    as_of = pd.Timestamp(as_of)
    table = engine.run("order_habits", {"as_of": as_of, "window_start": as_of - pd.Timedelta(days=int(window_days)),
                                        "min_orders": int(min_orders)},
                       orders=engine.renamed(orders, user_id="user_id", order_time="order_time"))
    table = table.set_index("user_id")
    table["orders"] = table["orders"].astype("int64")
    return table


def _scaled(features: pd.DataFrame, log: bool) -> np.ndarray:
    from sklearn.preprocessing import StandardScaler

    x = features.to_numpy(dtype=float)
    if log:
        x = np.log1p(np.clip(x, 0, None))
    return StandardScaler().fit_transform(x)


def choose_k(features: pd.DataFrame, ks=range(2, 9), seed: int = 0, log: bool = True,
             sample_size: int = 2000) -> pd.DataFrame:
    """Elbow and silhouette for each k: ``k, inertia, silhouette`` (higher silhouette is better).

    Features are log1p-transformed (``log=True``) and standardised first. The silhouette is
    computed on a seeded sample of at most ``sample_size`` users to stay fast.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    x = _scaled(features, log)
    rows = []
    with _one_thread():
        for k in ks:
            model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(x)
            sil = silhouette_score(x, model.labels_, sample_size=min(sample_size, len(x)), random_state=seed)
            rows.append({"k": k, "inertia": float(model.inertia_), "silhouette": float(sil)})
    return pd.DataFrame(rows)


def _one_thread():
    """k-means on thousands of users is fastest on one thread: OpenMP threads spinning on a shared,
    busy machine made ``choose_k`` 30× slower (59 s instead of 2 s on the demo)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


class BehaviourClusters(BaseEstimator):
    """k-means on behaviour features (log1p + standardised), with cluster profiles.

    >>> model = BehaviourClusters(k=4, seed=0).fit(features)
    >>> model.labels_        # Series of cluster ids indexed like ``features``, 0 = largest cluster
    >>> model.profile_       # mean feature values and size per cluster
    >>> name_clusters(model.zprofile_, {"frequency": "购买次数"})   # descriptive names, for display
    """

    def __init__(self, k: int = 4, seed: int = 0, log: bool = True):
        self.k = k
        self.seed = seed
        self.log = log

    def fit(self, features: pd.DataFrame) -> "BehaviourClusters":
        from sklearn.cluster import KMeans

        x = _scaled(features, self.log)
        with _one_thread():
            model = KMeans(n_clusters=self.k, n_init=10, random_state=self.seed).fit(x)
        raw = pd.Series(model.labels_, index=features.index)
        # Relabel clusters by size (largest first, ties by mean of first feature) for stable ids.
        order = raw.value_counts().sort_index().sort_values(ascending=False, kind="stable").index
        relabel = {old: new for new, old in enumerate(order)}
        self.labels_ = raw.map(relabel).astype("int64").rename("cluster")
        z = pd.DataFrame(x, index=features.index, columns=features.columns)
        self.zprofile_ = z.groupby(self.labels_).mean()
        profile = features.groupby(self.labels_).mean()
        profile.insert(0, "users", self.labels_.value_counts().sort_index())
        profile.insert(1, "user_share", profile["users"] / profile["users"].sum())
        self.profile_ = profile
        self.inertia_ = float(model.inertia_)
        return self


def name_clusters(zprofile: pd.DataFrame, labels: dict[str, str] | None = None,
                  cut: float = 0.5) -> pd.Series:
    """Name clusters from their standardised feature means: features above ``+cut`` are "高",
    below ``-cut`` "低" (e.g. ``高频次·高金额``); clusters near the average on every feature are
    named ``均衡``. ``labels`` maps feature names to Chinese display names."""
    labels = labels or {}
    names = {}
    for cluster, row in zprofile.iterrows():
        parts = [("高" if v > 0 else "低") + labels.get(col, col)
                 for col, v in row.items() if abs(v) > cut]
        names[cluster] = "·".join(parts) if parts else "均衡"
    return pd.Series(names, name="cluster_name")
