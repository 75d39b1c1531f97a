"""Business metrics: the kpis query equals plain pandas exactly; the catalog on the demo data."""

import numpy as np
import pandas as pd
import pytest

from opskit import metrics as mc
from opskit.data.dataset import open_dataset
from opskit.metrics import kpis


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
    orders = orders.assign(user_id="C" + orders["user_id"].astype(str).str.zfill(4))  # string ids
    got = kpis(orders)
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
    repeat = (orders.groupby([month, "user_id"]).size() >= 2).groupby(level=0).sum()
    np.testing.assert_array_equal(got["repeat_buyers"], repeat.to_numpy())
    assert (got["gross_gmv"] == got["gmv"]).all() and (got["paid_share"] == 1).all()


@pytest.mark.parametrize("period, freq", [("week", "W-SUN"), ("quarter", "Q"), ("day", "D")])
def test_kpis_in_every_period_and_by_segment(orders, period, freq):
    start = orders["order_time"].dt.to_period(freq).dt.start_time
    got = kpis(orders, period=period)
    np.testing.assert_allclose(got["gmv"], orders.groupby(start)["amount"].sum().to_numpy(), rtol=1e-12)
    assert got.index.name == "period"
    seg = kpis(orders.assign(platform=np.where(orders["order_id"] % 3 == 0, "app", "store")), period=period,
               segment="platform")
    assert seg.index.names == ["period", "platform"]
    np.testing.assert_allclose(seg["gmv"].groupby(level=0).sum().to_numpy(), got["gmv"].to_numpy())
    assert (seg["orders"].groupby(level=0).sum() == got["orders"]).all()


def test_new_users_by_registration_month(orders):
    users = pd.DataFrame({"user_id": [1, 2, 3],
                          "register_time": pd.to_datetime(["2024-01-05", "2024-01-30", "2024-03-02"])})
    got = kpis(orders, users)
    assert got.loc["2024-01-01", "new_users"] == 2
    assert got.loc["2024-02-01", "new_users"] == 0
    assert got.loc["2024-03-01", "new_users"] == 1


def test_input_is_not_modified(orders):
    before = orders.copy()
    kpis(orders)
    pd.testing.assert_frame_equal(orders, before)


@pytest.fixture(scope="module")
def demo():
    return open_dataset()


def _month(s):
    return s.dt.to_period("M").dt.start_time


def test_gmv_orders_buyers_match_pandas(demo):
    o = demo["orders"]
    month = _month(o["order_time"])
    pd.testing.assert_series_equal(mc.get("gmv").compute(demo), o.groupby(month)["amount"].sum(),
                                   check_names=False, check_index_type=False)
    assert (mc.get("orders").compute(demo).to_numpy() == o.groupby(month).size().to_numpy()).all()
    assert (mc.get("buyers").compute(demo).to_numpy() == o.groupby(month)["user_id"].nunique().to_numpy()).all()


def test_new_buyers_and_identities(demo):
    o = demo["orders"]
    first = o.groupby("user_id")["order_time"].min().dt.to_period("M").dt.start_time.value_counts()
    new = mc.get("new_buyers").compute(demo)
    assert new.sum() == o["user_id"].nunique()
    assert (new.loc[first.index] == first).all()
    v = mc.compute_many(demo, ["gmv", "buyers", "orders_per_buyer", "aov", "new_buyers", "returning_buyers"])
    assert ((v["buyers"] * v["orders_per_buyer"] * v["aov"] - v["gmv"]).abs() < 1e-6).all()
    assert (v["new_buyers"] + v["returning_buyers"] == v["buyers"]).all()


def test_repeat_rate_and_active_users(demo):
    o, e = demo["orders"], demo["events"]
    sub = o[_month(o["order_time"]) == pd.Timestamp("2025-06-01")]
    expected = (sub.groupby("user_id").size() >= 2).mean()
    assert mc.get("repeat_rate").compute(demo)[pd.Timestamp("2025-06-01")] == pytest.approx(expected)
    opens = e[(e["event_type"] == "app_open") & (_month(e["event_time"]) == pd.Timestamp("2025-06-01"))]
    assert mc.get("active_users").compute(demo)[pd.Timestamp("2025-06-01")] == opens["user_id"].nunique()


def test_ratios_are_in_range_and_cac_matches(demo):
    for mid in ("visit_to_order", "retention_30d", "repeat_rate"):
        s = mc.get(mid).compute(demo)
        assert len(s) > 12 and s.between(0, 1).all()
    ch, sp, u = demo["channels"], demo["channel_spend"], demo["users"]
    paid = set(ch.loc[ch["is_paid"], "channel_id"])
    q = pd.Timestamp("2025-03-01")
    spend = sp[(sp["channel_id"].isin(paid)) & (_month(sp["date"]) == q)]["spend"].sum()
    new = ((u["channel_id"].isin(paid)) & (_month(u["register_time"]) == q)).sum()
    assert mc.get("paid_cac").compute(demo)[q] == pytest.approx(spend / new)


def test_weekly_period(demo):
    weekly = mc.get("gmv").compute(demo, "week")
    assert (weekly.index.day_of_week == 0).all()
    assert weekly.sum() == pytest.approx(demo["orders"]["amount"].sum())
    with pytest.raises(ValueError):
        mc.get("gmv").compute(demo, "MS")


def test_missing_tables_are_reported_not_raised(tmp_path):
    from opskit.sim import DEMO_DIR

    for t in ("users", "orders"):
        (tmp_path / f"{t}.csv").write_bytes((DEMO_DIR / f"{t}.csv").read_bytes())
    partial = open_dataset(tmp_path)
    gone = mc.unavailable(partial)
    assert gone["active_users"] == ["events"] and "gmv" not in gone
    assert set(gone["paid_cac"]) == {"channels", "channel_spend"}
    frame = mc.compute_many(partial, ["gmv", "active_users"])
    assert list(frame.columns) == ["gmv"]
    table = mc.catalog_table(partial)
    assert table.set_index("id").loc["active_users", "available"].startswith("否")
