import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split

from opskit import uplift
from opskit.data.dataset import open_dataset
from opskit.sim import true_coupon_uplift


@pytest.fixture(scope="module")
def rct():
    rng = np.random.default_rng(7)
    n = 1000
    w = rng.integers(0, 2, n)
    y = rng.binomial(1, 0.1, n)
    return w, y, rng


def test_constant_score_is_exactly_the_random_line(rct):
    w, y, _ = rct
    c = uplift.qini_curve(np.full(len(w), 0.3), w, y)
    assert c["k"].tolist() == [0, len(w)]
    assert c["qini"].iloc[0] == 0
    assert uplift.qini_coefficient(np.zeros(len(w)), w, y) == 0.0


def test_endpoint_is_independent_of_the_model(rct):
    w, y, rng = rct
    n_t, n_c = w.sum(), (1 - w).sum()
    expected = y[w == 1].sum() - y[w == 0].sum() * n_t / n_c
    for score in (rng.normal(size=len(w)), np.arange(len(w)), np.zeros(len(w))):
        assert uplift.qini_curve(score, w, y)["qini"].iloc[-1] == pytest.approx(expected)
        assert uplift.uplift_curve(score, w, y)["uplift"].iloc[-1] == pytest.approx(
            (y[w == 1].mean() - y[w == 0].mean()) * len(w))


def test_ties_are_grouped(rct):
    w, y, rng = rct
    score = rng.integers(0, 5, len(w))
    c = uplift.qini_curve(score, w, y)
    assert len(c) == len(np.unique(score)) + 1
    # permuting users inside a tie group cannot change the curve
    perm = rng.permutation(len(w))
    pd.testing.assert_frame_equal(c, uplift.qini_curve(score[perm], w[perm], y[perm]))


def test_monotone_transforms_leave_curves_unchanged(rct):
    w, y, rng = rct
    score = rng.normal(size=len(w))
    base = uplift.qini_curve(score, w, y)
    pd.testing.assert_frame_equal(base, uplift.qini_curve(np.exp(3 * score) + 1, w, y))
    assert uplift.auuc(score, w, y) == pytest.approx(uplift.auuc(score ** 3, w, y))


def test_perfect_model_beats_random_and_random_scores_average_to_zero():
    rng = np.random.default_rng(1)
    n = 4000
    x = rng.uniform(size=n)
    tau = 0.4 * x - 0.1
    w = rng.integers(0, 2, n)
    y = rng.binomial(1, 0.3 + w * tau)
    assert uplift.qini_coefficient(tau, w, y) > 0
    assert uplift.qini_coefficient(tau, w, y) > uplift.qini_coefficient(-tau, w, y)
    random = [uplift.qini_coefficient(rng.normal(size=n), w, y) for _ in range(30)]
    assert abs(np.mean(random)) < 0.25 * uplift.qini_coefficient(tau, w, y)


def test_zero_control_at_the_top_does_not_divide_by_zero():
    w = np.array([1, 1, 0, 0])
    y = np.array([1, 0, 0, 1])
    c = uplift.qini_curve(np.array([4, 3, 2, 1]), w, y)
    assert np.isfinite(c["qini"]).all() and c["qini"].tolist()[:3] == [0, 1, 1]


def test_transformed_outcome_recovers_tau_on_simulated_data():
    rng = np.random.default_rng(3)
    n = 20000
    x = rng.integers(0, 2, n)
    tau = np.where(x == 1, 0.2, -0.1)
    w = rng.binomial(1, 0.3, n)  # unbalanced: the general propensity is needed
    y = rng.binomial(1, 0.4 + w * tau)
    X = pd.DataFrame({"x": x.astype(float)})
    model = uplift.TransformedOutcome(base=LinearRegression()).fit(X, w, y)
    pred = model.predict(pd.DataFrame({"x": [0.0, 1.0]}))
    np.testing.assert_allclose(pred, [-0.1, 0.2], atol=0.04)


def test_policy_comparison_counts_costs():
    w = np.array([1, 0, 1, 0])
    y = np.array([1, 0, 0, 0])
    table = uplift.policy_comparison(np.array([True, True, False, False]), w, y, value=100, cost=10)
    assert table.loc["nobody", "profit"] == 0
    assert table.loc["model", "uplift"] == 1 and table.loc["model", "profit"] == 100 * 2 - 20
    assert table.loc["everyone", "incremental_conversions"] == pytest.approx(2.0)
    assert uplift.targeting_policy([0.1, 0.3], value=50, cost=10).tolist() == [False, True]


@pytest.fixture(scope="module")
def coupon():
    data = open_dataset("", "", False)
    frame = data["coupon_experiment"].merge(data["users"], on="user_id")
    train, test = train_test_split(np.arange(len(frame)), test_size=0.4, random_state=0,
                                   stratify=frame["treated"])
    X = uplift.user_features(frame)
    return frame, X, train, test, true_coupon_uplift(frame)


@pytest.mark.parametrize("learner", [uplift.TLearner, uplift.TransformedOutcome])
def test_learners_recover_the_planted_coupon_effect_on_held_out_users(coupon, learner):
    frame, X, train, test, tau = coupon
    w, y = frame["treated"].to_numpy(), frame["converted"].to_numpy()
    model = learner().fit(X.iloc[train], w[train], y[train])
    assert model.fit(X.iloc[train], w[train], y[train]) is model
    pred = model.predict(X.iloc[test])
    truth = tau[test]
    assert pred[truth < 0].mean() < 0, "the harm segment must get a negative estimated uplift"
    assert pred[truth > 0.1].mean() > pred[truth < 0].mean() + 0.1
    assert np.corrcoef(pred, truth)[0, 1] > 0.4
    top = uplift.uplift_at_k(pred, w[test], y[test], 0.1)
    overall = uplift.uplift_at_k(np.zeros(len(test)), w[test], y[test], 1.0)
    assert top > overall + 0.05, "the top decile must beat random targeting"
    assert uplift.qini_coefficient(pred, w[test], y[test]) > 0


def test_model_policy_beats_everyone_and_nobody(coupon):
    frame, X, train, test, tau = coupon
    w, y = frame["treated"].to_numpy(), frame["converted"].to_numpy()
    pred = uplift.TLearner().fit(X.iloc[train], w[train], y[train]).predict(X.iloc[test])
    table = uplift.policy_comparison(uplift.targeting_policy(pred, 120, 10), w[test], y[test], 120, 10)
    assert table.loc["model", "profit"] > max(table.loc["everyone", "profit"], 0)
