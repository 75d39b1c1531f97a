"""The metric catalog against direct pandas computations on the demo data."""

import pandas as pd
import pytest

from opskit import metric_catalog as mc
from opskit.data.dataset import open_dataset


@pytest.fixture(scope="module")
def data():
    return open_dataset()


def _month(s):
    return s.dt.to_period("M").dt.start_time


def test_gmv_orders_buyers_match_pandas(data):
    o = data["orders"]
    month = _month(o["order_time"])
    pd.testing.assert_series_equal(mc.get("gmv").compute(data), o.groupby(month)["amount"].sum(),
                                   check_names=False, check_index_type=False)
    assert (mc.get("orders").compute(data).to_numpy() == o.groupby(month).size().to_numpy()).all()
    assert (mc.get("buyers").compute(data).to_numpy() == o.groupby(month)["user_id"].nunique().to_numpy()).all()


def test_new_buyers_and_identities(data):
    o = data["orders"]
    first = o.groupby("user_id")["order_time"].min().dt.to_period("M").dt.start_time.value_counts()
    new = mc.get("new_buyers").compute(data)
    assert new.sum() == o["user_id"].nunique()
    assert (new.loc[first.index] == first).all()
    v = mc.compute_many(data, ["gmv", "buyers", "orders_per_buyer", "aov", "new_buyers", "returning_buyers"])
    assert ((v["buyers"] * v["orders_per_buyer"] * v["aov"] - v["gmv"]).abs() < 1e-6).all()
    assert (v["new_buyers"] + v["returning_buyers"] == v["buyers"]).all()


def test_repeat_rate_and_active_users(data):
    o, e = data["orders"], data["events"]
    sub = o[_month(o["order_time"]) == pd.Timestamp("2025-06-01")]
    expected = (sub.groupby("user_id").size() >= 2).mean()
    assert mc.get("repeat_rate").compute(data)[pd.Timestamp("2025-06-01")] == pytest.approx(expected)
    opens = e[(e["event_type"] == "app_open") & (_month(e["event_time"]) == pd.Timestamp("2025-06-01"))]
    assert mc.get("active_users").compute(data)[pd.Timestamp("2025-06-01")] == opens["user_id"].nunique()


def test_ratios_are_in_range_and_cac_matches(data):
    for mid in ("visit_to_order", "retention_30d", "repeat_rate"):
        s = mc.get(mid).compute(data)
        assert len(s) > 12 and s.between(0, 1).all()
    ch, sp, u = data["channels"], data["channel_spend"], data["users"]
    paid = set(ch.loc[ch["is_paid"], "channel_id"])
    q = pd.Timestamp("2025-03-01")
    spend = sp[(sp["channel_id"].isin(paid)) & (_month(sp["date"]) == q)]["spend"].sum()
    new = ((u["channel_id"].isin(paid)) & (_month(u["register_time"]) == q)).sum()
    assert mc.get("paid_cac").compute(data)[q] == pytest.approx(spend / new)


def test_weekly_frequency(data):
    weekly = mc.get("gmv").compute(data, "W")
    assert (weekly.index.day_of_week == 0).all()
    assert weekly.sum() == pytest.approx(data["orders"]["amount"].sum())
    with pytest.raises(ValueError):
        mc.get("gmv").compute(data, "Y")


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
    assert table.set_index("指标 id").loc["active_users", "可用"].startswith("否")
