"""Cohort matrices and the sBG model against the docs/methods.md#sbg oracles and the demo truths."""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime
from sklearn.exceptions import NotFittedError

from opskit.retention import (
    ShiftedBetaGeometric,
    cohort_counts,
    cohort_matrix,
    retention_curve,
)
from opskit.sim import TRUTHS, load_demo

REGULAR = [100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1, 22.3, 20.7, 19.4, 18.3, 17.3]
HIGH_END = [100, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1, 46.8, 44.5, 42.7, 40.9, 39.4]


def _with(alpha, beta):
    model = ShiftedBetaGeometric()
    model.params_ = {"alpha": alpha, "beta": beta}
    return model


def _fit(curve):
    return ShiftedBetaGeometric().fit_survivors(np.array(curve[:8]) * 10)  # years 0..7, 1,000 each


def test_sbg_reproduces_fader_hardie_2007():
    reg, high = _fit(REGULAR), _fit(HIGH_END)
    assert reg.params_ == {"alpha": pytest.approx(0.704, abs=1e-3), "beta": pytest.approx(1.182, abs=1e-3)}
    assert high.params_ == {"alpha": pytest.approx(0.668, abs=1e-3), "beta": pytest.approx(3.806, abs=1e-3)}
    assert reg.log_likelihood_ == pytest.approx(-1680.27, abs=0.01)
    assert high.log_likelihood_ == pytest.approx(-1611.16, abs=0.01)
    np.testing.assert_allclose(high.survival([1, 2, 7, 12]), [0.851, 0.747, 0.489, 0.378], atol=6e-4)
    assert reg.survival(12) == pytest.approx(0.170, abs=6e-4)
    np.testing.assert_allclose(high.retention_rate([1, 2, 3, 4]), [0.851, 0.878, 0.897, 0.911], atol=6e-4)
    assert np.all(np.diff(high.retention_rate(np.arange(1, 20))) > 0)


def test_sbg_pmf_survival_and_derl():
    m = _with(0.704, 1.182)
    t = np.arange(1, 30)
    np.testing.assert_allclose(m.survival(t - 1) - m.survival(t), m.churn_probability(t))
    assert m.churn_probability(1) == pytest.approx(0.704 / (0.704 + 1.182))
    assert m.derl(0.10, 1) == pytest.approx(2.9647, abs=1e-4)
    assert _with(0.668, 3.806).derl(0.10, 1) == pytest.approx(5.4149, abs=1e-4)
    # DERL equals the discounted series of survival probabilities (n = 1: S(t) / 1.1^(t-1), t >= 1)
    series = sum(m.survival(k) / 1.1 ** (k - 1) for k in range(1, 4000))
    assert m.derl(0.10, 1) == pytest.approx(series, rel=1e-9)


def test_sbg_individual_records_match_aggregate_fit():
    surv = np.array(HIGH_END[:8]) * 10
    lost = (surv[:-1] - surv[1:]).round().astype(int)
    periods = np.concatenate([np.repeat(np.arange(1, 8), lost), np.full(int(surv[-1]), 8)])
    churned = np.concatenate([np.ones(lost.sum()), np.zeros(int(surv[-1]))])
    records = pd.DataFrame({"periods_paid": periods, "churned": churned})
    m = ShiftedBetaGeometric().fit(records)  # still paying in period 8 = survived 7
    assert m.params_ == {"alpha": pytest.approx(0.668, abs=2e-3), "beta": pytest.approx(3.806, abs=1e-2)}
    assert m.summary().loc["alpha", "se"] > 0


def test_sbg_gradient_and_not_fitted():
    data = (np.array([1.0, 2, 3]), np.array([369.0, 163, 86]), np.array([3.0]), np.array([382.0]))
    model = ShiftedBetaGeometric()
    for theta in ([0.7, 1.2], [2.0, 0.4]):
        theta = np.array(theta)
        numeric = approx_fprime(theta, lambda t: model._negll(t, data)[0], 1e-7)
        np.testing.assert_allclose(model._negll(theta, data)[1], numeric, rtol=1e-5)
    with pytest.raises(NotFittedError):
        model.survival(3)


def test_sbg_recovers_planted_paid_membership_churn():
    """Tolerances: about 3 bootstrap standard errors at demo size (648 members): SE(alpha)=0.14,
    SE(beta)=0.55; the mean churn alpha/(alpha+beta) is much better determined."""
    pm = load_demo("paid_memberships")
    m = ShiftedBetaGeometric().fit(pm)
    truth = TRUTHS["loyalty"]
    assert m.params_["alpha"] == pytest.approx(truth["sbg_alpha"], abs=0.4)
    assert m.params_["beta"] == pytest.approx(truth["sbg_beta"], abs=1.6)
    assert m.mean_churn() == pytest.approx(truth["sbg_mean_churn"], abs=0.03)


@pytest.fixture(scope="module")
def toy():
    # user 1: Jan, Mar; user 2: Jan, Feb; user 3: Feb; user 4: Mar, Mar; as_of in mid-March
    return pd.DataFrame({"user_id": [1, 1, 2, 2, 3, 4, 4],
                         "order_time": pd.to_datetime(["2025-01-05", "2025-03-02", "2025-01-20",
                                                       "2025-02-10", "2025-02-03", "2025-03-01",
                                                       "2025-03-09"])})


def test_cohort_counts_by_hand(toy):
    counts, sizes = cohort_counts(toy, period="month", as_of="2025-03-15")
    assert sizes.tolist() == [2, 1, 1]
    assert list(counts.index) == list(pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]))
    expected = np.array([[2, 1, 1], [1, 0, np.nan], [1, np.nan, np.nan]])
    np.testing.assert_array_equal(counts.to_numpy(), expected)
    unbounded, _ = cohort_counts(toy, period="month", kind="unbounded", as_of="2025-03-15")
    np.testing.assert_array_equal(unbounded.to_numpy(), [[2, 2, 1], [1, 0, np.nan], [1, np.nan, np.nan]])
    curve = retention_curve(counts, sizes)
    assert curve.tolist() == [1.0, pytest.approx(1 / 3), 0.5]


def test_cohort_invariants_on_demo():
    orders = load_demo("orders")
    for period in ("month", "week"):
        ret = cohort_matrix(orders, period=period)
        assert (ret[0] == 1).all()
        # censored cells (cohort c not yet observed at age k) are NaN, observed ones are not
        offsets = ((ret.index - ret.index[0]).days // 7 if period == "week" else
                   (ret.index.year - ret.index[0].year) * 12 + ret.index.month - ret.index[0].month)
        assert (ret.notna().sum(axis=1).to_numpy() == ret.shape[1] - np.asarray(offsets)).all()
        assert np.isnan(ret.iloc[-1, 1:]).all() and ret.iloc[0].notna().all()
        unb = cohort_matrix(orders, period=period, kind="unbounded")
        diffs = np.diff(unb.to_numpy(), axis=1)
        assert np.all(diffs[~np.isnan(diffs)] <= 1e-12)
        assert (unb.fillna(0) >= ret.fillna(0) - 1e-12).all().all()


def test_weekly_cohorts_match_pandas():
    orders = load_demo("orders")
    counts, sizes = cohort_counts(orders, period="week")
    week = (orders["order_time"].dt.normalize() - pd.Timestamp("1970-01-05")).dt.days // 7
    first = week.groupby(orders["user_id"]).transform("min")
    pairs = pd.DataFrame({"u": orders["user_id"], "c": first, "k": week - first}).drop_duplicates()
    want = pairs.groupby(["c", "k"]).size()
    c0 = int(want.index.get_level_values(0).min())
    for (c, k), v in want.sample(200, random_state=0).items():
        row = pd.Timestamp("1970-01-05") + pd.Timedelta(weeks=int(c))
        assert counts.loc[row, int(k)] == v
    assert sizes.sum() == orders["user_id"].nunique()
    assert counts.index[0] == pd.Timestamp("1970-01-05") + pd.Timedelta(weeks=c0)
