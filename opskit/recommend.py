"""Top-N recommendation from purchase histories (APP 千人千面), evaluated on a time split.

Three recommenders with one scikit-learn-style interface, ``fit(interactions)`` then
``recommend(users, k=10)``:

* :class:`PopularityRecommender`: the same list for everybody (most buyers first), the baseline
  every personalised model must beat;
* :class:`ItemKNN`: item-based collaborative filtering (Sarwar et al. 2001; Linden, Smith & York
  2003, Amazon's item-to-item CF): cosine similarity between the items' buyer vectors, shrunk
  towards 0 for rarely co-bought pairs, top neighbours kept; a user's score for an item is the
  similarity-weighted sum of their own purchases;
* :class:`MatrixFactorization`: PureSVD (Cremonesi, Koren & Turrin 2010), a truncated SVD of the
  user-item matrix (scikit-learn's ``TruncatedSVD``); scores are the user's row projected on the
  leading item factors.

Groceries are bought again and again, so by default a user's own past items may be recommended
(``exclude_seen=False``): "buy it again" is most of what a fresh-food app's home feed shows.

Interactions come from the named query ``user_item_counts`` (order lines joined to orders in a
time window); :func:`time_split` cuts train and test at a date, and :func:`hit_rate_at_k` /
:func:`ndcg_at_k` score the lists against what users really bought after the cut-off. See
docs/methods_precision.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.decomposition import TruncatedSVD
from sklearn.utils.validation import check_is_fitted

from opskit.data import engine

__all__ = ["interactions", "time_split", "PopularityRecommender", "ItemKNN", "MatrixFactorization",
           "hit_rate_at_k", "ndcg_at_k", "evaluate"]

_CHUNK = 4096  # users scored at a time: bounds the dense score block at scale


def interactions(order_lines: pd.DataFrame, orders: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """User × item purchase counts in ``[start, end)`` (named query ``user_item_counts``).

    Columns: user_id, item_id (the SKU), orders (distinct orders with the item), quantity, last_time.
    ``start``/``end`` default to the first order and the moment after the last one.
    """
    times = orders["order_time"]
    start = pd.Timestamp(start) if start is not None else times.min()
    end = pd.Timestamp(end) if end is not None else times.max() + pd.Timedelta(seconds=1)
    return engine.run("user_item_counts", {"start": start, "end": end},
                      order_lines=order_lines[["order_id", "sku_id", "quantity"]],
                      orders=orders[["order_id", "user_id", "order_time"]])


def time_split(order_lines: pd.DataFrame, orders: pd.DataFrame, *, cutoff, train_days: int | None = None,
               test_days: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train interactions before ``cutoff`` and test interactions from ``cutoff`` on.

    ``train_days``/``test_days`` bound the windows (``None``: all history before, all data after).
    A time split, not a random one: the model must predict what users buy *next*.
    """
    cutoff = pd.Timestamp(cutoff)
    start = cutoff - pd.Timedelta(days=train_days) if train_days else None
    end = cutoff + pd.Timedelta(days=test_days) if test_days else None
    return (interactions(order_lines, orders, start, cutoff), interactions(order_lines, orders, cutoff, end))


class _Recommender(BaseEstimator):
    """Shared machinery: the user-item matrix, ranking with stable tie-breaks, cold users."""

    def _fit_matrix(self, data: pd.DataFrame, user: str, item: str, weight: str | None) -> sparse.csr_matrix:
        if len(data) == 0:
            raise ValueError("no interactions to fit on")
        values = np.ones(len(data)) if weight is None else data[weight].to_numpy(dtype=float)
        self.users_ = pd.Index(pd.unique(data[user]))
        buyers = data.groupby(item, sort=False)[user].nunique()
        volume = data.groupby(item, sort=False)[weight].sum() if weight else buyers
        # Items in popularity order (buyers, then volume, then id), so ties resolve the same way.
        order = pd.DataFrame({"buyers": buyers, "volume": volume}).reset_index()
        order = order.sort_values(["buyers", "volume", item], ascending=[False, False, True], kind="stable")
        self.items_ = pd.Index(order[item].to_numpy())
        self.popularity_ = pd.Series(order["buyers"].to_numpy(), index=self.items_, name="buyers")
        rows = self.users_.get_indexer(data[user])
        cols = self.items_.get_indexer(data[item])
        matrix = sparse.csr_matrix((_scale(values, self.weighting), (rows, cols)), shape=(len(self.users_), len(self.items_)))
        matrix.sum_duplicates()
        self.matrix_ = matrix
        return matrix

    def _scores(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def recommend(self, users, k: int = 10, exclude_seen: bool = False) -> pd.DataFrame:
        """Top-``k`` items for each user: columns user_id, rank (1 = best), item_id, score.

        Users unknown at fit time (cold start) get the popularity list. Ties are broken by
        popularity, then item id, so the output is deterministic.
        """
        check_is_fitted(self, "matrix_")
        users = pd.Index(pd.unique(pd.Series(users)))
        k = int(min(k, len(self.items_)))
        rows = self.users_.get_indexer(users)
        pop = -np.arange(len(self.items_), dtype=float)  # popularity order as a score
        parts = []
        for lo in range(0, len(users), _CHUNK):
            r = rows[lo:lo + _CHUNK]
            known = r >= 0
            scores = np.tile(pop, (len(r), 1))
            if known.any():
                scores[known] = self._scores(r[known])
            if exclude_seen and known.any():
                seen = self.matrix_[r[known]].tocoo()
                block = scores[known]
                block[seen.row, seen.col] = -np.inf
                scores[known] = block
            top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
            parts.append(pd.DataFrame({
                "user_id": np.repeat(users[lo:lo + _CHUNK].to_numpy(), k),
                "rank": np.tile(np.arange(1, k + 1), len(r)),
                "item_id": self.items_.to_numpy()[top.ravel()],
                "score": np.take_along_axis(scores, top, axis=1).ravel(),
            }))
        if not parts:
            return pd.DataFrame(columns=["user_id", "rank", "item_id", "score"])
        return pd.concat(parts, ignore_index=True)


class PopularityRecommender(_Recommender):
    """The same top-k list for everybody: items with the most distinct buyers in the training data."""

    def __init__(self, weighting: str = "log"):
        self.weighting = weighting

    def fit(self, interactions: pd.DataFrame, user: str = "user_id", item: str = "item_id",
            weight: str | None = "orders") -> PopularityRecommender:
        self._fit_matrix(interactions, user, item, weight)
        return self

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.tile(self.popularity_.to_numpy(dtype=float), (len(rows), 1))


class ItemKNN(_Recommender):
    """Item-based collaborative filtering with shrunk cosine similarity.

    ``sim(i, j) = x_i·x_j / (‖x_i‖‖x_j‖ + shrinkage)`` over the users' (log-scaled) purchase vectors;
    each item keeps its ``n_neighbors`` most similar items. ``repeat`` keeps an item's similarity
    with itself, so a user's own staples score high (set False for pure discovery).
    """

    def __init__(self, n_neighbors: int = 50, shrinkage: float = 10.0, repeat: bool = True,
                 weighting: str = "log"):
        self.n_neighbors = n_neighbors
        self.shrinkage = shrinkage
        self.repeat = repeat
        self.weighting = weighting

    def fit(self, interactions: pd.DataFrame, user: str = "user_id", item: str = "item_id",
            weight: str | None = "orders") -> ItemKNN:
        x = self._fit_matrix(interactions, user, item, weight)
        gram = (x.T @ x).tocoo()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
        sim = gram.data / (norms[gram.row] * norms[gram.col] + self.shrinkage)
        keep = np.ones(len(sim), bool) if self.repeat else gram.row != gram.col
        row, col, sim = gram.row[keep], gram.col[keep], sim[keep]
        # Keep each target item's n most similar source items (vectorised rank within column).
        order = np.lexsort((row, -sim, col))
        row, col, sim = row[order], col[order], sim[order]
        start = np.r_[0, np.flatnonzero(np.diff(col)) + 1]
        rank = np.arange(len(col)) - np.repeat(start, np.diff(np.r_[start, len(col)]))
        top = rank < self.n_neighbors
        self.similarity_ = sparse.csr_matrix((sim[top], (row[top], col[top])), shape=gram.shape)
        return self

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray((self.matrix_[rows] @ self.similarity_).todense())


class MatrixFactorization(_Recommender):
    """PureSVD: scores = x_u V Vᵀ with V the ``n_factors`` leading right singular vectors."""

    def __init__(self, n_factors: int = 20, seed: int = 0, weighting: str = "log"):
        self.n_factors = n_factors
        self.seed = seed
        self.weighting = weighting

    def fit(self, interactions: pd.DataFrame, user: str = "user_id", item: str = "item_id",
            weight: str | None = "orders") -> MatrixFactorization:
        x = self._fit_matrix(interactions, user, item, weight)
        n = int(max(1, min(self.n_factors, min(x.shape) - 1)))
        svd = TruncatedSVD(n_components=n, random_state=self.seed).fit(x)
        self.item_factors_ = svd.components_.T  # items × factors
        self.explained_variance_ratio_ = svd.explained_variance_ratio_
        return self

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        user_factors = self.matrix_[rows] @ self.item_factors_
        return np.asarray(user_factors @ self.item_factors_.T)


def _scale(values: np.ndarray, weighting: str) -> np.ndarray:
    """Purchase counts as matrix entries: "log" (log1p, damps heavy repeaters), "binary" or "count"."""
    if weighting == "log":
        return np.log1p(values)
    if weighting == "binary":
        return (values > 0).astype(float)
    if weighting == "count":
        return values
    raise ValueError(f"weighting must be 'log', 'binary' or 'count', not {weighting!r}")


def _hits(recommendations: pd.DataFrame, relevant: pd.DataFrame, k: int, user: str, item: str) -> pd.DataFrame:
    recs = recommendations.loc[recommendations["rank"] <= k, [user, item, "rank"]]
    truth = relevant[[user, item]].drop_duplicates()
    return recs.merge(truth, on=[user, item], how="inner")


def hit_rate_at_k(recommendations: pd.DataFrame, relevant: pd.DataFrame, k: int = 10,
                  user: str = "user_id", item: str = "item_id") -> float:
    """Share of the users in ``relevant`` with at least one relevant item in their top ``k``.

    ``recommendations``: user, item, rank (1 = best); ``relevant``: the (user, item) pairs really
    bought in the test period. Users without recommendations count as misses.
    """
    users = relevant[user].nunique()
    if users == 0:
        return float("nan")
    return _hits(recommendations, relevant, k, user, item)[user].nunique() / users


def ndcg_at_k(recommendations: pd.DataFrame, relevant: pd.DataFrame, k: int = 10,
              user: str = "user_id", item: str = "item_id") -> float:
    """Mean normalised discounted cumulative gain at ``k`` with binary relevance.

    DCG = Σ 1/log2(rank + 1) over relevant items in the top k; the ideal DCG puts min(k, #relevant)
    relevant items first. Averaged over the users in ``relevant`` (no list = 0).
    """
    truth = relevant[[user, item]].drop_duplicates()
    n_rel = truth.groupby(user).size()
    if len(n_rel) == 0:
        return float("nan")
    hits = _hits(recommendations, truth, k, user, item)
    dcg = (1 / np.log2(hits["rank"].to_numpy() + 1.0))
    dcg = pd.Series(dcg, index=hits[user].to_numpy()).groupby(level=0).sum()
    discounts = np.r_[0.0, np.cumsum(1 / np.log2(np.arange(2, k + 2)))]
    ideal = pd.Series(discounts[np.minimum(n_rel.to_numpy(), k)], index=n_rel.index)
    return float((dcg.reindex(ideal.index, fill_value=0.0) / ideal).mean())


def evaluate(models: dict, test: pd.DataFrame, users=None, k: int = 10, exclude_seen: bool = False,
             user: str = "user_id", item: str = "item_id") -> pd.DataFrame:
    """Hit-rate@k, NDCG@k and catalogue coverage of fitted ``models`` on the ``test`` interactions.

    ``users``: whom to evaluate (default: every user in ``test``). Coverage = share of the
    training catalogue that appears in at least one list (千人千面 vs 千人一面).
    """
    users = pd.Index(pd.unique(test[user])) if users is None else pd.Index(pd.unique(pd.Series(users)))
    truth = test.loc[test[user].isin(users), [user, item]]
    rows = []
    for name, model in models.items():
        recs = model.recommend(users, k=k, exclude_seen=exclude_seen)
        rows.append({"model": name, "users": len(users),
                     "hit_rate": hit_rate_at_k(recs, truth, k, user, item),
                     "ndcg": ndcg_at_k(recs, truth, k, user, item),
                     "coverage": recs[item].nunique() / len(model.items_)})
    return pd.DataFrame(rows).set_index("model")
