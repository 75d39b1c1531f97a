"""RFM, value tiers and clustering against docs/methods.md#rfm oracles and the demo data."""

import itertools

import numpy as np
import pandas as pd
import pytest

from opskit.segments import (
    RFM_SEGMENTS,
    RFM_STRATEGIES,
    BehaviourClusters,
    choose_k,
    name_clusters,
    pareto_table,
    quantile_score,
    rfm_scores,
    rfm_segments,
    rfm_table,
    segment_summary,
    value_tiers,
)
from opskit.sim import load_demo


def _corners():
    rows = list(itertools.product([5, 50], [1, 10], [100.0, 1000.0]))
    return pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary"],
                        index=pd.Index(range(1, 9), name="user_id"))


def test_eight_corner_oracle():
    rfm = _corners()
    seg = rfm_segments(rfm)
    assert sorted(seg.astype(str)) == sorted(RFM_SEGMENTS)
    lookup = {tuple(r): s for r, s in zip(rfm.itertuples(index=False), seg)}
    assert lookup[(5, 1, 1000.0)] == "重要发展客户"
    assert lookup[(50, 10, 1000.0)] == "重要保持客户"
    assert lookup[(5, 10, 1000.0)] == "重要价值客户"
    assert lookup[(50, 1, 1000.0)] == "重要挽留客户"
    assert lookup[(5, 10, 100.0)] == "一般价值客户"
    assert lookup[(5, 1, 100.0)] == "一般发展客户"
    assert lookup[(50, 10, 100.0)] == "一般保持客户"
    assert lookup[(50, 1, 100.0)] == "一般挽留客户"
    assert set(RFM_STRATEGIES) == set(RFM_SEGMENTS)
    assert seg.equals(rfm_segments(rfm, threshold="median"))


def test_quintile_tie_oracle():
    f = pd.Series([1] * 60 + [2] * 20 + [3] * 10 + [5] * 6 + [9] * 4)
    with pytest.raises(ValueError):
        pd.qcut(f, 5)
    assert quantile_score(f, 5, method="first").value_counts().to_dict() == {1: 20, 2: 20, 3: 20, 4: 20, 5: 20}
    assert quantile_score(f, 5).value_counts().to_dict() == {2: 60, 4: 20, 5: 20}
    # tie-consistent: equal values share one score
    assert (quantile_score(f, 5).groupby(f).nunique() == 1).all()


def _random_rfm(seed=0, n=500):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"recency_days": rng.integers(0, 365, n), "frequency": rng.geometric(0.4, n),
                         "monetary": rng.gamma(2, 80, n).round(1)},
                        index=pd.Index(range(n), name="user_id"))


def test_direction_monotonicity_and_translation():
    rfm = _random_rfm()
    s = rfm_scores(rfm)
    assert s[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()
    assert s.loc[rfm["recency_days"].idxmin(), "r_score"] == 5
    assert s.loc[rfm["recency_days"].idxmax(), "r_score"] == 1
    for col, score, sign in [("recency_days", "r_score", -1), ("frequency", "f_score", 1),
                             ("monetary", "m_score", 1)]:
        order = (sign * rfm[col]).sort_values(kind="stable").index
        assert s.loc[order, score].is_monotonic_increasing
    assert (s["rfm_cell"] == 100 * s["r_score"] + 10 * s["f_score"] + s["m_score"]).all()
    shifted = rfm_scores(rfm.assign(recency_days=rfm["recency_days"] + 17))
    assert shifted[["r_score", "f_score", "m_score"]].equals(s[["r_score", "f_score", "m_score"]])


def test_partition_invariant():
    rfm = rfm_scores(_random_rfm(1))
    for on in ("values", "scores"):
        seg = rfm_segments(rfm, on=on)
        assert seg.notna().all() and len(seg) == len(rfm)
        assert seg.value_counts().sum() == len(rfm)
    summary = segment_summary(rfm, rfm_segments(rfm))
    assert summary["users"].sum() == len(rfm)
    assert summary["revenue_share"].sum() == pytest.approx(1)


def test_rfm_table_matches_pandas_and_window():
    orders = pd.DataFrame({
        "order_id": range(6), "user_id": [1, 1, 2, 2, 3, 4],
        "order_time": pd.to_datetime(format="ISO8601", arg=["2024-01-01 10:00", "2024-03-30 23:00", "2024-02-01", "2024-03-01",
                                      "2023-06-01", "2024-04-02"]),
        "amount": [10.0, 20.0, 5.0, 7.0, 100.0, 50.0]})
    t = rfm_table(orders, as_of="2024-04-01")
    assert list(t.index) == [1, 2, 3]  # user 4 ordered after as_of
    assert t.loc[1].tolist() == [1, 2, 30.0]  # 25 h before as_of -> 1 whole day
    assert t.loc[2, "recency_days"] == 31
    w = rfm_table(orders, as_of="2024-04-01", window_days=60)
    assert list(w.index) == [1, 2] and w.loc[1, "frequency"] == 1 and w.loc[1, "monetary"] == 20.0


def test_rfm_on_demo_matches_pandas():
    data = load_demo()
    orders = data["orders"]
    as_of = orders["order_time"].max().normalize() + pd.Timedelta(days=1)
    t = rfm_table(orders, as_of=as_of, window_days=365)
    sub = orders[(orders["order_time"] < as_of) & (orders["order_time"] >= as_of - pd.Timedelta(days=365))]
    g = sub.groupby("user_id")
    assert (t["frequency"] == g.size()).all()
    assert np.allclose(t["monetary"], g["amount"].sum())
    assert (t["recency_days"] == (as_of - g["order_time"].max()).dt.days).all()
    seg = rfm_segments(t)
    assert seg.value_counts().sum() == len(t)
    # planted BG/NBD heterogeneity: the top fifth of buyers brings well over a fifth of revenue
    assert pareto_table(t["monetary"]).set_index("top_user_share").loc[0.2, "value_share"] > 0.4


def test_value_tiers():
    v = pd.Series([50.0, 30.0, 10.0, 5.0, 5.0], index=list("abcde"))
    tiers = value_tiers(v)
    assert tiers.astype(str).tolist() == ["头部客户", "腰部客户", "长尾客户", "长尾客户", "长尾客户"]
    assert list(tiers.index) == list("abcde")


def test_clusters_deterministic_and_k_choice():
    rng = np.random.default_rng(3)
    centers = np.array([[1, 50], [10, 500], [3, 2000]])
    x = np.vstack([rng.normal(c, c * 0.05, size=(100, 2)) for c in centers])
    feats = pd.DataFrame(np.abs(x), columns=["frequency", "monetary"])
    ks = choose_k(feats, ks=range(2, 6), seed=0)
    assert ks.loc[ks["silhouette"].idxmax(), "k"] == 3
    assert ks["inertia"].is_monotonic_decreasing
    a = BehaviourClusters(k=3, seed=0).fit(feats)
    b = BehaviourClusters(k=3, seed=0).fit(feats)
    assert a.labels_.equals(b.labels_)
    assert a.profile_["users"].tolist() == [100, 100, 100]
    assert len(set(name_clusters(a.zprofile_))) == 3
    assert "labels" not in a.get_params()


def test_exercise_checks_name_the_usual_mistake(capsys):
    from opskit.course.exercises import segments as check

    rfm = _random_rfm(4)
    good = np.ceil(5 * (-rfm["recency_days"]).rank(pct=True)).astype(int)
    assert check.r_score(good, rfm)
    assert not check.r_score(6 - good, rfm)
    assert "方向反了" in capsys.readouterr().out
    r, f, m = rfm["recency_days"], rfm["frequency"], rfm["monetary"]
    wrong = int(((r > r.mean()) & (f > f.mean()) & (m > m.mean())).sum())
    assert not check.important_value(wrong, rfm)
    assert "R 的方向反了" in capsys.readouterr().out
    assert not check.important_value(..., rfm)
