"""Monthly KPIs: the DuckDB query equals a plain pandas computation, exactly."""

import numpy as np
import pandas as pd
import pytest

from opskit.metrics import monthly_kpis


@pytest.fixture
def orders():
    rng = np.random.default_rng(7)
    n = 5000
    start = pd.Timestamp("2024-01-01")
    return pd.DataFrame({
        "order_id": np.arange(n),
        "user_id": rng.integers(0, 800, n),
        "order_time": start + pd.to_timedelta(rng.integers(0, 365 * 86400, n), unit="s"),
        "amount": rng.gamma(2, 40, n).round(2),
    })


def test_monthly_kpis_match_pandas(orders):
    got = monthly_kpis(orders)
    month = orders["order_time"].dt.to_period("M").dt.to_timestamp()
    first = orders.groupby("user_id")["order_time"].transform("min") == orders["order_time"]
    expected = pd.DataFrame({
        "orders": orders.groupby(month).size(),
        "buyers": orders.groupby(month)["user_id"].nunique(),
        "gmv": orders.groupby(month)["amount"].sum(),
        "new_buyers": orders[first].groupby(month[first])["user_id"].nunique(),
    })
    pd.testing.assert_series_equal(got["orders"], expected["orders"], check_names=False, check_index_type=False, check_freq=False)
    pd.testing.assert_series_equal(got["buyers"], expected["buyers"], check_names=False, check_index_type=False, check_freq=False)
    np.testing.assert_allclose(got["gmv"], expected["gmv"], rtol=1e-12)
    np.testing.assert_array_equal(got["new_buyers"], expected["new_buyers"].fillna(0).to_numpy())
    assert got["new_buyers"].sum() == orders["user_id"].nunique()
    np.testing.assert_allclose(got["aov"] * got["orders"], got["gmv"])


def test_new_users_by_registration_month(orders):
    users = pd.DataFrame({"user_id": [1, 2, 3],
                          "register_time": pd.to_datetime(["2024-01-05", "2024-01-30", "2024-03-02"])})
    got = monthly_kpis(orders, users)
    assert got.loc["2024-01-01", "new_users"] == 2
    assert got.loc["2024-02-01", "new_users"] == 0
    assert got.loc["2024-03-01", "new_users"] == 1


def test_input_is_not_modified(orders):
    before = orders.copy()
    monthly_kpis(orders)
    pd.testing.assert_frame_equal(orders, before)
