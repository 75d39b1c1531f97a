"""Every named query gives the same result on DuckDB and on a local Spark session.

The inputs come from the bundled demo company: a query reads the demo table of the same name
(the columns its header lists under ``tables:``), or, for tables a method builds itself (renamed
columns, joined frames), the example below. Parameters take the values in ``PARAMS`` unless a
query overrides them in ``OVERRIDES``. A new query over canonical tables with known parameter
names is covered without editing this file; anything else fails with the line to add.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from opskit.data import engine

if not os.environ.get("OPSKIT_REQUIRE_SPARK"):  # CI sets it: there a missing PySpark is a failure
    pytest.importorskip("pyspark", reason="Spark backend: pip install 'opskit[spark]'")

from opskit import aipl  # noqa: E402
from opskit.data import spark as spark_engine  # noqa: E402
from opskit.sim import DEMO_DIR, load_demo  # noqa: E402

DAY = pd.Timedelta(days=1)


@cache
def demo(table: str) -> pd.DataFrame:
    """A demo table cut to a sample of users (every 8th user and the private-domain members), so
    that each Spark job stays small; tables without users are kept whole."""
    frame = load_demo(table)
    if table in ("users", "order_lines"):
        if table == "order_lines":
            return frame[frame["order_id"].isin(demo("orders")["order_id"])].reset_index(drop=True)
        return frame[frame["user_id"].isin(_kept_users())].reset_index(drop=True)
    if "user_id" in frame:
        return frame[frame["user_id"].isin(_kept_users())].reset_index(drop=True)
    return frame


@cache
def _kept_users() -> frozenset:
    users = load_demo("users")["user_id"]
    return frozenset(users.iloc[::8]) | frozenset(load_demo("wecom_members")["user_id"])


@cache
def as_of() -> pd.Timestamp:
    return demo("orders")["order_time"].max().normalize() + DAY


def _purchases(cols):
    """Orders joined to their lines: one row per category bought, under the caller's column names."""
    lines = demo("order_lines")[["order_id", "category_id", "line_amount"]]
    orders = demo("orders")[["order_id", "user_id", "order_time"]]
    frame = lines.merge(orders, on="order_id").rename(columns={
        "user_id": "customer", "category_id": "item", "order_time": "time", "line_amount": "amount",
        "order_id": "basket"})
    return frame[cols]


def _touches():
    return demo("wecom_touches")


#: Tables a method builds itself, per query: table -> a function returning the pandas frame.
DERIVED = {
    "activity_panel": {"orders": lambda: demo("orders").rename(columns={"user_id": "customer", "order_time": "time"})
                       [["customer", "time", "amount"]]},
    "customer_value": {"orders": lambda: demo("orders").rename(columns={"user_id": "customer", "order_time": "time"})
                       [["customer", "time", "amount"]]},
    "kpis": {"orders": lambda: demo("orders")[["user_id", "order_time", "amount", "discount"]].assign(
        segment=demo("orders")["platform"])},
    "brand_metrics": {"purchases": lambda: _purchases(["customer", "item", "amount"])},
    "category_entry": {"purchases": lambda: _purchases(["customer", "item", "time", "amount"])},
    "category_repeat": {"purchases": lambda: _purchases(["customer", "item", "time"]).drop_duplicates()},
    "lead_pairs": {"purchases": lambda: _purchases(["customer", "basket", "item", "time"]).drop_duplicates()},
    "pair_counts": {"purchases": lambda: _purchases(["basket", "item"]).drop_duplicates()
                    .rename(columns={"basket": "customer"})},
    "cohort_activity": {"activity": lambda: demo("events").rename(columns={"event_time": "ts"})[["user_id", "ts"]]},
    "campaign_daily": {"daily": lambda: _daily()},
    "daily_totals": {"daily": lambda: _daily()},
    "follower_histories": {"cutoffs": lambda: _kol_cutoffs()},
    "repeat_within": {"purchases": lambda: demo("follower_orders").rename(columns={
                          "kol_id": "group_key", "follower_id": "buyer_id"})[["group_key", "buyer_id", "order_time"]],
                      "cutoffs": lambda: _kol_cutoffs().rename(columns={"kol_id": "group_key"})},
    "leave_window_orders": {"departures": lambda: demo("kol_roster").dropna(subset=["leave_date"]).rename(
        columns={"leave_date": "leave_time"})[["kol_id", "leave_time"]]},
    "gmv_by_members": {"members": lambda: demo("wecom_members")[["user_id"]].drop_duplicates()},
    "group_activity": {"members": lambda: demo("wecom_members")[["group_id", "user_id", "join_time"]],
                       "touches": lambda: _touches()[["user_id", "touch_time", "content", "clicked"]],
                       "group_orders": lambda: demo("wecom_orders")[["user_id", "order_time"]]},
    "private_funnel": {"members": lambda: demo("wecom_members")[["user_id", "join_time"]],
                       "touches": lambda: _touches()[["user_id", "touch_time", "clicked"]],
                       "conversions": lambda: demo("wecom_orders")[["user_id", "order_time"]]},
    "touch_content": {"touches": lambda: _touches()[["content", "clicked", "muted", "unsubscribed", "touch_time"]]},
    "touch_weeks": {"touches": lambda: _touches()[["user_id", "touch_time", "clicked", "muted", "unsubscribed"]]},
    "homepage_cells": {"log": lambda: _homepage_log()[["position", "item", "impressions", "clicks", "gmv"]]},
    "homepage_item_daily": {"log": lambda: _homepage_log()[["date", "position", "item", "impressions", "clicks"]],
                            "theta": lambda: pd.DataFrame({"position": [1, 2, 3, 4, 5, 6],
                                                           "theta": [1.0, 0.7, 0.5, 0.4, 0.3, 0.25]})},
    "points_flows": {"ledger": lambda: demo("points_ledger")[["time", "points", "reason"]]},
    "points_matured": {"ledger": lambda: demo("points_ledger")[["time", "points", "reason"]]},
    "resale_royalties": {"trades": lambda: demo("asset_trades")[["seller_id", "creator_id", "royalty", "price"]]},
    "split_balance": {"payments": lambda: demo("asset_trades").rename(columns={
        "price": "total", "platform_fee": "part_a", "royalty": "part_b", "seller_income": "part_c"})
        [["total", "part_a", "part_b", "part_c"]]},
    "segment_content_response": {"segments": lambda: _segments()},
    "segment_needs": {"segments": lambda: _segments()},
    "private_member_steps": {"members": lambda: demo("wecom_members")[["user_id", "join_time"]],
                             "touches": lambda: _touches()[["user_id", "touch_time", "clicked"]],
                             "conversions": lambda: demo("wecom_orders")[["user_id", "order_time", "amount"]]},
    "returned_after_register": {"kinds": lambda: pd.DataFrame({"event_type": ["search", "view_item", "add_to_cart"]})},
    "aipl_stages": {"interest_types": lambda: pd.DataFrame({"event_type": list(aipl.INTEREST_EVENTS)}),
                    "awareness_types": lambda: pd.DataFrame({"event_type": list(aipl.AWARENESS_EVENTS)})},
    "early_counts": {"types": lambda: pd.DataFrame({"event_type": ["add_favorite", "view_item", "search", "share",
                                                                   "app_open", "push_open"]})},
    "funnel_reach": {"windows": lambda: _new_user_windows(7)},
    "item_transactions": {"purchases": lambda: _purchases(["basket", "item"]).rename(columns={"basket": "customer"})},
    "install_retention": {"installs": lambda: _installs()[["channel_id", "user_id", "install_time"]]},
    "last_time": {"activity": lambda: demo("orders").rename(columns={"order_time": "ts"})[["ts"]]},
    "window_totals": {"items": lambda: demo("orders").rename(columns={"order_time": "time", "amount": "value"})
                      [["user_id", "time", "value"]]},
}


def _installs() -> pd.DataFrame:
    """The sampled users' installs plus those that never registered (no user_id: the fake installs
    install_retention counts as not retained), which demo() would drop."""
    installs = load_demo("installs")
    return installs[installs["user_id"].isna() | installs["user_id"].isin(_kept_users())].reset_index(drop=True)


def _new_user_windows(days: int) -> pd.DataFrame:
    """Each user's first ``days`` days after registering, as activation.new_user_funnel builds them."""
    users = demo("users")
    return pd.DataFrame({"user_id": users["user_id"], "start_time": users["register_time"],
                         "end_time": users["register_time"] + days * DAY}).dropna()


def _daily():
    return demo("city_daily").groupby("date", as_index=False)[["orders", "gmv"]].sum()


def _kol_cutoffs():
    roster = demo("kol_roster")
    return pd.DataFrame({"kol_id": roster["kol_id"], "end_time": roster["leave_date"].fillna(as_of())})


def _homepage_log():
    log = demo("homepage_slots").rename(columns={"creative_id": "item"})
    return log


def _segments():
    users = demo("users")
    return pd.DataFrame({"user_id": users["user_id"], "segment": users["city_tier"].astype(str)})


def PARAMS():
    """Parameter values by name (a query may override them in OVERRIDES)."""
    end = as_of()
    return {
        "as_of": end, "period": "month", "window_start": end - 180 * DAY, "start": end - 365 * DAY, "end": end,
        "alive_days": 60, "half_life": 14.0, "days": 7, "end_days": 90, "start_days": 30, "seconds": 7 * 86400,
        "horizon_days": 30, "window_days": 30, "expiry_days": 365, "engage_days": 7, "convert_days": 14,
        "flip_days": 30, "min_markup": 0.2, "sla_hours": 24.0, "per_yuan": 1.0, "default_margin": 0.25,
        "high": 1.2, "low": 0.8, "since": demo("kol_roster")["join_date"].min() + 30 * DAY, "months": 12,
        "campaign_id": demo("campaigns")["campaign_id"].iloc[3], "channel": demo("message_sends")["channel"].iloc[0],
        "pre_days": 14, "post_days": 14,
    }


def OVERRIDES():
    """Per-query parameter values that differ from PARAMS (a function: some depend on the demo data)."""
    return {
        "clv_summary": {"period": "day", "diff_unit": "day", "divisor": 7.0},
        "repeat_within": {"days": 30.0},
        "leave_window_orders": {"window_days": 30.0},
        "early_events": {"days": 14},
        "private_member_steps": {"engage_days": 14, "convert_days": 30, "value_days": 90},
        "active_users": {"event_type": "app_open"},
        "active_users_daily": {"start": (as_of() - 90 * DAY).date(), "end": as_of().date(), "event_type": None,
                               "mau_days": 30},
        "aipl_stages": {"awareness_days": 15, "interest_days": 15, "purchase_days": 913, "loyalty_days": 365,
                        "loyalty_min_days": 2},
        "first_order_days": {"max_days": 30},
        "channel_spend_periods": {"period": "week"},
        "full_window_users": {"max_days": 30},
        # activation.new_user_funnel: the new-user funnel of chapter 05 in each user's first 7 days
        "funnel_reach": {"steps": 4, "step1": "app_open", "step2": "view_item", "step3": "add_to_cart",
                         "step4": "checkout", "step5": None, "step6": None, "step7": None, "step8": None,
                         "within_us": None, "windowed": 1},
        "install_retention": {"retention_day": 30, "retention_window": 30},
        "journey_times": {"loyal_orders": 5},
        # metrics._retention_30d by month: registrations before the month in which 30 days are no longer observed
        "returned_after_register": {"register_before": (as_of() - 30 * DAY).normalize().replace(day=1),
                                    "from_days": 1, "to_days": 30},
        "reward_returns": {"within_days": 30},
        # hook.trigger_shares: app sessions with a push_open in the 5 minutes before them
        "trigger_matches": {"anchor": "app_open", "candidate": "push_open", "direction": "backward",
                            "window_us": 5 * 60 * 1_000_000},
        # segments.order_habits: chapter 02's habit features of customers with 3+ orders in the window
        "order_habits": {"min_orders": 3},
    }


def declared_tables(name: str) -> dict[str, list[str]]:
    """Tables and columns a query's header lists under ``tables:``."""
    header = engine.named(name).header
    found = re.search(r"tables:(.*?)(?:\nrules:|$)", header, re.S)
    text = re.sub(r"--[^\n]*", "", found.group(1)) if found else ""
    return {t: [c.strip() for c in cols.split(",") if c.strip()] for t, cols in re.findall(r"(\w+)\(([^)]*)\)", text)}


def example(name: str) -> tuple[dict, dict[str, pd.DataFrame], dict[str, str]]:
    """Parameters, input frames, and the demo table each frame selects from (derived ones: none)."""
    params = {**PARAMS(), **OVERRIDES().get(name, {})}
    missing = [p for p in engine.named(name).params if p not in params]
    assert not missing, f"add example values for {missing} to PARAMS or OVERRIDES()[{name!r}] in {__file__}"
    tables, sources = {}, {}
    for table, cols in declared_tables(name).items():
        build = DERIVED.get(name, {}).get(table)
        if build is not None:
            tables[table] = build()
            continue
        assert (Path(DEMO_DIR) / f"{table}.csv").exists(), (
            f"{name}: no demo table {table!r}; add DERIVED[{name!r}][{table!r}] in {__file__}")
        frame = demo(table)
        absent = [c for c in cols if c not in frame]
        assert not absent, f"{name}: demo table {table} lacks {absent}; add DERIVED[{name!r}][{table!r}] in {__file__}"
        tables[table], sources[table] = frame[cols], table
    return {p: params[p] for p in engine.named(name).params}, tables, sources


@pytest.fixture(scope="module")
def spark():
    return spark_engine.session()


@pytest.fixture(scope="module")
def uploaded(spark):
    """Each input frame uploaded to Spark and cached once (several queries read the same table)."""
    frames: dict[int, object] = {}

    def get(frame: pd.DataFrame):
        key = id(frame)
        if key not in frames:
            frames[key] = (frame, spark_engine.read(spark, frame).cache())
        return frames[key][1]

    return get


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in one order (the queries without ORDER BY return them in any order)."""
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.sort_values(list(frame.columns), kind="mergesort", na_position="last").reset_index(drop=True)


@pytest.mark.parametrize("name", engine.names())
def test_named_query_gives_the_same_result_on_duckdb_and_spark(name, spark, uploaded):
    params, tables, sources = example(name)
    on_duckdb = engine.run(name, params, **tables)
    spark_tables = {t: uploaded(demo(sources[t])).select(*f.columns) if t in sources else uploaded(f)
                    for t, f in tables.items()}
    on_spark = engine.run(name, params, spark=spark, **spark_tables)  # Spark DataFrames: runs on Spark
    assert list(on_spark.columns) == list(on_duckdb.columns)
    assert len(on_duckdb) > 0, f"{name}: the example gives an empty result, so it proves nothing"
    pd.testing.assert_frame_equal(_canonical(on_spark), _canonical(on_duckdb), check_exact=False, rtol=1e-9)
