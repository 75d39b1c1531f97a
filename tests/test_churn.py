"""Churn early-warning model: docs/methods.md#churn-model oracles, leakage canary and the demo churn signal."""

import numpy as np
import pandas as pd
import pytest

from opskit.churn import (
    FEATURE_DIRECTIONS,
    FEATURE_REASONS,
    ChurnModel,
    LeakageError,
    add_feature,
    auc,
    build_snapshots,
    churn_labels,
    snapshot_features,
    top_decile_lift,
)
from opskit.sim import load_demo

TRAIN_T0 = ["2025-03-01", "2025-05-01", "2025-07-01"]
TEST_T0 = ["2025-10-01"]
H = 60


@pytest.mark.parametrize("p", [0.02, 0.2, 0.5])
def test_metric_oracles(p):
    rng = np.random.default_rng(7)
    n = 200_000
    y = rng.random(n) < p
    random = rng.random(n)
    assert auc(y, random) == pytest.approx(0.5, abs=0.01)
    assert top_decile_lift(y, random) == pytest.approx(1.0, abs=0.1)
    perfect = y + rng.random(n) * 0.5
    assert auc(y, perfect) == 1.0
    assert top_decile_lift(y, perfect) == pytest.approx(min(1 / y.mean(), 10), rel=1e-9)
    noisy = y + rng.normal(0, 1, n)
    assert auc(y, np.exp(noisy)) == pytest.approx(auc(y, noisy), abs=1e-12)
    assert auc(y, -noisy) == pytest.approx(1 - auc(y, noisy), abs=1e-12)


def test_auc_ties_and_lift_ties():
    assert auc([1, 0], [0.3, 0.3]) == 0.5
    assert top_decile_lift([1, 0] * 50, np.zeros(100)) == pytest.approx(1.0)  # all tied: no lift


@pytest.fixture(scope="module")
def demo():
    return load_demo("orders"), load_demo("events")


@pytest.fixture(scope="module")
def snaps(demo):
    orders, events = demo
    return (build_snapshots(orders, TRAIN_T0, H, events=events),
            build_snapshots(orders, TEST_T0, H, events=events))


def test_features_use_only_data_before_t0(demo):
    orders, events = demo
    t0 = pd.Timestamp(TEST_T0[0])
    full = snapshot_features(orders, events, as_of=t0)
    cut = snapshot_features(orders[orders["order_time"] < t0], events[events["event_time"] < t0], as_of=t0)
    pd.testing.assert_frame_equal(full, cut)
    assert full.attrs["source_max_time"] < t0
    assert (full["recency_days"] <= 90).all()  # population: alive at t0


def test_labels_refuse_censored_windows(demo):
    orders, _ = demo
    with pytest.raises(ValueError, match="删失"):
        churn_labels(orders, [1], snapshot="2025-12-01", horizon_days=60)
    y = churn_labels(orders, orders["user_id"].unique()[:50], snapshot="2025-06-01", horizon_days=30)
    assert set(y.unique()) <= {0, 1}


def test_leakage_canary(demo, snaps):
    """A feature computed at the extraction date makes AUC suspiciously high, and is refused."""
    orders, _ = demo
    _, test = snaps
    extraction = orders["order_time"].max()
    days_since_last = (extraction - orders.groupby("user_id")["order_time"].max()).dt.days
    leaky = test["user_id"].map(days_since_last)
    assert auc(test["churn"], leaky) > 0.97
    with pytest.raises(LeakageError):
        add_feature(test, "days_since_last_at_extraction", days_since_last, extraction)
    ok = add_feature(test, "dummy", pd.Series(1.0, index=test["user_id"]), "2025-09-30")
    assert "dummy" in ok


def test_model_beats_recency_baseline_out_of_time(snaps):
    train, test = snaps
    assert train["as_of"].max() < test["as_of"].min()
    model = ChurnModel().fit(train)
    p = model.predict_proba(test)
    model_auc, base_auc = auc(test["churn"], p), auc(test["churn"], test["recency_days"])
    assert model_auc > base_auc and model_auc > 0.85
    assert top_decile_lift(test["churn"], p) > top_decile_lift(test["churn"], test["recency_days"])
    actions = model.action_list(test, 0.1)
    assert len(actions) == round(len(test) * 0.1)
    assert actions["churn_probability"].is_monotonic_decreasing
    assert actions["user_id"].isin(test["user_id"]).all() and actions["main_reason"].str.len().gt(0).all()
    assert list(model.coefficients().index) == model.features_


def test_contributions_are_linear_shap_values_relative_to_the_mean(snaps):
    """shap.LinearExplainer (interventional): phi_ij = coef_j (x_ij - mean_j) on the model's input
    scale, summing to the log-odds minus the log-odds at the training mean."""
    train, test = snaps
    model = ChurnModel().fit(train)
    x_train, x_test = model._matrix(train), model._matrix(test)
    scaler, logit = model.pipeline_[0], model.pipeline_[-1]
    coef_raw = logit.coef_[0] / scaler.scale_
    expected = coef_raw * (x_test - x_train.mean(axis=0))
    phi = model.contributions(test)
    np.testing.assert_allclose(phi.to_numpy(), expected, atol=1e-9)
    base = logit.intercept_[0]  # the log-odds at the training mean, where the scaler centres
    np.testing.assert_allclose(phi.sum(axis=1) + base, model.pipeline_.decision_function(x_test), atol=1e-9)


def test_main_reason_needs_the_worded_side_of_the_average(snaps):
    """A feature with a flipped (collinear) coefficient is never given as the reason in the wrong
    direction: a frequent buyer never reads 近90天只下了 N 单."""
    train, test = snaps
    model = ChurnModel().fit(train)
    main = model.main_feature(test)
    z = pd.DataFrame(model.pipeline_[0].transform(model._matrix(test)), columns=model.features_, index=test.index)
    contrib = model.contributions(test)
    for i, f in main.dropna().items():
        assert contrib.at[i, f] > 0
        direction = FEATURE_DIRECTIONS[f]
        worded = (np.sign(z.loc[i]) == pd.Series(FEATURE_DIRECTIONS)[model.features_]) & (contrib.loc[i] > 0)
        assert np.sign(z.at[i, f]) == direction or not worded.any()
    actions = model.action_list(test, 0.1)
    assert set(actions["main_feature"].dropna()) <= set(FEATURE_REASONS)
