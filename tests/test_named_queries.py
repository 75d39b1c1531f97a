"""Named queries added with the engine work: oracles in plain pandas, files read in place, the engine's
result conversion and isolation, and portability of every query's SQL."""

import threading

import duckdb
import numpy as np
import pandas as pd
import pytest

from opskit import clv, funnel, hook, metrics, retention, segments
from opskit.data import engine


def _events(seed=7, n=3000, users=60):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-03-01")
    return pd.DataFrame({
        "user_id": [f"U{u:04d}" for u in rng.integers(0, users, n)],  # text ids with leading zeros
        "event_time": start + pd.to_timedelta(rng.integers(0, 80 * 86400, n), unit="s"),
        "event_type": rng.choice(["app_open", "view_item", "add_to_cart", "checkout"], n, p=[.4, .3, .2, .1]),
    })


def _brute_force_active(events, day, window, event_type=None):
    e = events if event_type is None else events[events["event_type"] == event_type]
    d = e["event_time"].dt.normalize()
    keep = (d <= day) & (d > day - pd.Timedelta(days=window))
    return e.loc[keep, "user_id"].nunique()


@pytest.mark.parametrize("event_type, mau_days", [(None, 30), ("checkout", 28)])
def test_active_users_daily_matches_distinct_counts_day_by_day(event_type, mau_days):
    events = _events()
    table = metrics.active_users_daily(events, start="2025-03-20", end="2025-06-01",
                                       event_type=event_type, mau_days=mau_days)
    assert list(table.columns) == ["dau", "wau", "mau", "stickiness"]
    assert table.index[0] == pd.Timestamp("2025-03-20") and table.index[-1] == pd.Timestamp("2025-05-31")
    assert len(table) == 73  # every calendar day, including the quiet ones after the last event
    for day, row in table.iterrows():
        assert row["dau"] == _brute_force_active(events, day, 1, event_type), day
        assert row["wau"] == _brute_force_active(events, day, 7, event_type), day
        assert row["mau"] == _brute_force_active(events, day, mau_days, event_type), day
    assert table["dau"].iloc[-1] == 0 and (table["mau"] >= table["wau"]).all() and (table["wau"] >= table["dau"]).all()


def test_stickiness_is_the_mean_dau_over_the_window_mau():
    events = _events()
    as_of = pd.Timestamp("2025-05-01")
    days = pd.date_range(as_of - pd.Timedelta(days=30), as_of, inclusive="left")
    mean_dau = np.mean([_brute_force_active(events, d, 1) for d in days])
    mau = _brute_force_active(events, as_of - pd.Timedelta(days=1), 30)
    assert hook.stickiness(events, as_of=as_of) == pytest.approx(mean_dau / mau)


def test_funnel_over_eight_steps_is_refused_in_chinese():
    with pytest.raises(ValueError, match="漏斗"):
        funnel.funnel_table(_events(), [f"s{i}" for i in range(9)])


def test_methods_read_parquet_paths_in_place(tmp_path):
    events = _events()
    orders = pd.DataFrame({"user_id": events["user_id"], "order_time": events["event_time"],
                           "amount": np.arange(len(events)) % 17 + 0.5})
    events.to_parquet(tmp_path / "events.parquet")
    orders.to_parquet(tmp_path / "orders.parquet")
    as_of = pd.Timestamp("2025-05-10")
    steps = ["app_open", "view_item", "add_to_cart"]
    pd.testing.assert_frame_equal(funnel.reach_times(tmp_path / "events.parquet", steps, within="3D"),
                                  funnel.reach_times(events, steps, within="3D"))
    pd.testing.assert_frame_equal(metrics.active_users_daily(tmp_path / "events.parquet", start="2025-04-01", end=as_of),
                                  metrics.active_users_daily(events, start="2025-04-01", end=as_of))
    pd.testing.assert_frame_equal(segments.rfm_table(tmp_path / "orders.parquet", as_of=as_of),
                                  segments.rfm_table(orders, as_of=as_of))
    pd.testing.assert_frame_equal(clv.summary_from_orders(tmp_path / "orders.parquet"),
                                  clv.summary_from_orders(orders))
    # a file whose columns have other names: renamed in the query, still scanned in place
    from_file = retention.cohort_counts(tmp_path / "events.parquet", time="event_time")
    in_memory = retention.cohort_counts(events, time="event_time")
    pd.testing.assert_frame_equal(from_file[0], in_memory[0])
    pd.testing.assert_series_equal(from_file[1], in_memory[1])


def test_renamed_frames_share_memory_with_the_caller():
    events = _events()
    view = engine.renamed(events, user_id="user_id", ts="event_time")
    assert list(view.columns) == ["user_id", "ts"]
    assert np.shares_memory(view["ts"].to_numpy(), events["event_time"].to_numpy())


def test_results_have_the_dtypes_of_duckdb_df():
    sql = """SELECT * FROM (VALUES
        (1::INTEGER, 1.5::DECIMAL(18, 6), DATE '2025-01-02', TIMESTAMP '2025-01-02 03:04:05', 'a', true,
         10::HUGEINT, INTERVAL 1 DAY, TIMESTAMP_NS '2025-01-01'),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) t(i, d, dt, ts, s, b, h, iv, ns)"""
    for text in (sql, sql + " WHERE i IS NOT NULL", sql + " WHERE false"):
        pd.testing.assert_frame_equal(engine.query(text), duckdb.connect().execute(text).df())


def test_each_query_sees_only_its_own_tables_even_across_threads():
    results, errors = {}, []

    def count(k):
        try:
            frame = pd.DataFrame({"x": np.arange(k)})
            results[k] = int(engine.query("SELECT count(*) AS n FROM t", t=frame)["n"].iloc[0])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=count, args=(k,)) for k in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == {k: k for k in range(1, 9)}
    with pytest.raises(duckdb.Error):
        engine.query("SELECT count(*) FROM t")


def test_every_named_query_translates_to_spark_hive_and_postgres():
    sqlglot = pytest.importorskip("sqlglot")
    from sqlglot.errors import ErrorLevel

    for name in engine.names():
        for dialect in ("spark", "hive", "postgres"):
            text = sqlglot.transpile(engine.sql(name), read="duckdb", write=dialect,
                                     unsupported_level=ErrorLevel.RAISE)[0]
            sqlglot.parse_one(text, read=dialect)


def test_a_file_table_is_gone_after_its_query(tmp_path):
    """A Parquet or CSV table is visible to its own query only, as a frame is: nothing is left in
    the shared database for a later query to read by mistake."""
    frame = pd.DataFrame({"x": [1, 2, 3]})
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_csv(tmp_path / "t.csv", index=False)
    for path in (tmp_path / "t.parquet", tmp_path / "t.csv"):
        assert int(engine.query("SELECT count(*) AS n FROM stale", stale=path)["n"].iloc[0]) == 3
        with pytest.raises(duckdb.Error):
            engine.query("SELECT count(*) FROM stale")
