"""Recommenders, ranking metrics and the time split (chapter 14)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import ndcg_score

from opskit import recommend
from opskit.sim import load_demo


def _interactions(pairs):
    return pd.DataFrame(pairs, columns=["user_id", "item_id", "orders"])


def test_metrics_on_a_hand_example_and_against_sklearn():
    recs = pd.DataFrame({"user_id": ["u1"] * 3 + ["u2"] * 3, "rank": [1, 2, 3] * 2,
                         "item_id": ["a", "b", "c", "a", "b", "c"]})
    truth = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u3"], "item_id": ["b", "z", "x", "a"]})
    # u1 hits at rank 2; u2 misses; u3 has no list (a miss).
    assert recommend.hit_rate_at_k(recs, truth, k=3) == pytest.approx(1 / 3)
    assert recommend.hit_rate_at_k(recs, truth, k=1) == 0.0
    idcg_u1 = 1 + 1 / np.log2(3)
    assert recommend.ndcg_at_k(recs, truth, k=3) == pytest.approx((1 / np.log2(3)) / idcg_u1 / 3)
    # sklearn's ndcg_score for u1 with the two relevant items ranked over the candidates a, b, c, z
    y_true = np.array([[0, 1, 0, 1]])
    y_score = np.array([[3, 2, 1, 0]])
    assert ndcg_score(y_true, y_score, k=3) == pytest.approx(recommend.ndcg_at_k(
        recs[recs["user_id"] == "u1"], truth[truth["user_id"] == "u1"], k=3))


def test_popularity_and_itemknn_on_a_toy_world_with_string_ids():
    pairs = [("C001", "milk", 3), ("C001", "bread", 2), ("C002", "milk", 1), ("C002", "bread", 1),
             ("C003", "beef", 2), ("C003", "wine", 1), ("C004", "beef", 1), ("00123", "milk", 1)]
    train = _interactions(pairs)
    pop = recommend.PopularityRecommender().fit(train)
    assert pop.recommend(["C001", "new-user"], k=1)["item_id"].tolist() == ["milk", "milk"]
    knn = recommend.ItemKNN(shrinkage=0.0, repeat=False).fit(train)
    out = knn.recommend(["C004", "00123"], k=1)
    assert out["item_id"].tolist() == ["wine", "bread"]  # co-bought items, not the global best seller
    assert out["user_id"].tolist() == ["C004", "00123"]  # ids are kept as they are
    seen = knn.recommend(["C001"], k=4, exclude_seen=True)
    assert not seen.loc[seen["score"] > -np.inf, "item_id"].isin(["milk", "bread"]).any()
    mf = recommend.MatrixFactorization(n_factors=2).fit(train)
    assert len(mf.recommend(["C003"], k=2)) == 2
    with pytest.raises(NotFittedError):
        recommend.ItemKNN().recommend(["C001"])


def test_recommendations_are_deterministic_and_ties_follow_popularity():
    train = _interactions([("u1", "a", 1), ("u2", "b", 1), ("u3", "b", 1), ("u4", "c", 1)])
    pop = recommend.PopularityRecommender().fit(train)
    first = pop.recommend(["x"], k=3)
    assert first["item_id"].tolist() == ["b", "a", "c"]  # b most buyers, then ties by id
    assert first.equals(pop.recommend(["x"], k=3))


def test_user_item_counts_query_matches_pandas():
    rng = np.random.default_rng(3)
    orders = pd.DataFrame({"order_id": [f"O{i:03d}" for i in range(60)],
                           "user_id": rng.choice(["A", "B", "C", "007"], 60),
                           "order_time": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 90, 60), unit="D")})
    lines = pd.DataFrame({"order_id": rng.choice(orders["order_id"], 150), "sku_id": rng.choice(list("pqrs"), 150),
                          "quantity": rng.integers(1, 3, 150)})
    got = recommend.interactions(lines, orders, "2025-02-01", "2025-03-01")
    m = lines.merge(orders, on="order_id")
    m = m[(m["order_time"] >= "2025-02-01") & (m["order_time"] < "2025-03-01")]
    want = m.groupby(["user_id", "sku_id"]).agg(orders=("order_id", "nunique"), quantity=("quantity", "sum")).reset_index()
    got = got.sort_values(["user_id", "item_id"]).reset_index(drop=True)
    assert got["orders"].tolist() == want["orders"].tolist()
    assert got["quantity"].tolist() == want["quantity"].tolist()


@pytest.fixture(scope="module")
def demo_split():
    orders, lines = load_demo("orders"), load_demo("order_lines")
    train, test = recommend.time_split(lines, orders, cutoff="2025-12-02")
    users = test.loc[test["user_id"].isin(train["user_id"]), "user_id"].unique()
    return train, test, users


def test_recommender_beats_popularity_on_the_held_out_period(demo_split):
    """Planted: buyers have tastes and staples (opskit.sim.tastes), so CF must beat the best-seller list."""
    from statsmodels.stats.contingency_tables import mcnemar

    train, test, users = demo_split
    models = {"pop": recommend.PopularityRecommender().fit(train), "knn": recommend.ItemKNN().fit(train),
              "svd": recommend.MatrixFactorization().fit(train)}
    result = recommend.evaluate(models, test, users, k=10)
    assert result.loc["knn", "hit_rate"] > result.loc["pop", "hit_rate"]
    assert result.loc["knn", "ndcg"] > result.loc["pop", "ndcg"]
    assert result.loc["svd", "ndcg"] > result.loc["pop", "ndcg"]
    truth = test[test["user_id"].isin(users)]
    hit = {}
    for name in ("knn", "pop"):
        h = models[name].recommend(users, k=10).merge(truth, on=["user_id", "item_id"])["user_id"].unique()
        hit[name] = pd.Index(users).isin(h)
    table = [[int((hit["knn"] & hit["pop"]).sum()), int((hit["knn"] & ~hit["pop"]).sum())],
             [int((~hit["knn"] & hit["pop"]).sum()), int((~hit["knn"] & ~hit["pop"]).sum())]]
    assert mcnemar(table, exact=True).pvalue < 0.05
