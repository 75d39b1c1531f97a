"""One story across chapters 00–06: the North Star chosen once, the aha rule found once, segments
labelled gone from the same P(alive), member economics from measured retention."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opskit import activation, clv, loyalty, metrics, segments
from opskit.course import workshop as ws
from opskit.sim import load_demo

ROOT = Path(__file__).resolve().parents[1]


def _parameters(stem: str) -> dict:
    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    values: dict = {}
    exec("".join(cell["source"]), {}, values)  # noqa: S102 - our own parameters cell
    return values


def test_choose_north_star_prefers_value_then_lead_then_breadth():
    ev = pd.DataFrame({"lead": [0.70, 0.75, 0.95], "reflects_value": [True, True, False]},
                      index=["buyers", "returning_buyers", "orders"])
    assert metrics.choose_north_star(ev) == "buyers"  # within the tolerance: the broadest wins
    ev.loc["returning_buyers", "lead"] = 0.9
    assert metrics.choose_north_star(ev) == "returning_buyers"  # clearly the better leader
    assert metrics.choose_north_star(ev.loc[["orders"]]) is None  # no value candidate


def test_north_star_evidence_ignores_growth_from_zero():
    values = pd.DataFrame({"gmv": [1.0, 2.0, 3.0, 4.5, 6.0], "buyers": [1, 2, 3, 4, 5],
                           "returning_buyers": [0, 1, 2, 3, 4]},
                          index=pd.date_range("2025-01-01", periods=5, freq="MS"))
    ev = metrics.north_star_evidence(values)
    assert np.isfinite(ev.loc["returning_buyers", "lead"])
    assert ev.loc["buyers", "reflects_value"]


class Data:
    """Tables in memory with the has()/missing()/[] access the metric catalog needs."""

    def __init__(self, tables):
        self.tables = tables

    def has(self, *names):
        return all(n in self.tables for n in names)

    def missing(self, *names):
        return [n for n in names if n not in self.tables]

    def __getitem__(self, name):
        return self.tables[name]


@pytest.fixture(scope="module")
def demo():
    return {name: load_demo(name) for name in ("users", "orders", "events")}


def test_demo_north_star_is_the_one_chapter_03_starts_from(demo):
    data = Data(demo)
    values = metrics.compute_many(data, ("gmv",) + metrics.NORTH_STAR_CANDIDATES)
    chosen = metrics.choose_north_star(metrics.north_star_evidence(values))
    assert chosen == ws.demo_state().north_star
    assert _parameters("01_data_system")["north_star"] == "" and _parameters("03_workshop_data_system")["north_star"] == ""


def test_aha_moment_defaults_are_chapter_05s_parameters(demo):
    p = _parameters("05_new_customers")
    assert tuple(p["candidate_events"]) == activation.AHA_CANDIDATES
    aha = activation.aha_moment(demo["users"], demo["events"], demo["orders"])
    same = activation.aha_moment(demo["users"], demo["events"], demo["orders"],
                                 candidate_events=p["candidate_events"], activation_days=p["activation_days"],
                                 outcome_start_days=p["outcome_start_days"], outcome_end_days=p["outcome_end_days"],
                                 min_coverage=p["min_coverage"])
    assert (aha.event, aha.k) == (same.event, same.k)
    assert aha.reached().mean() == pytest.approx(aha.best["coverage"], abs=1e-9)


def test_segment_outlook_and_strategies_label_the_gone():
    p = pd.Series({"重要价值客户": 0.9, "重要保持客户": 0.02, "重要挽留客户": 0.3, "一般挽留客户": np.nan})
    status = segments.segment_outlook(p)
    assert list(status) == ["仍活跃", "已流失", "流失风险高", "未知"]
    strategy = segments.segment_strategies(status)
    assert strategy["重要保持客户"] == segments.GONE_STRATEGY
    assert strategy["重要价值客户"] == segments.RFM_STRATEGIES["重要价值客户"]


def test_demo_lapsed_high_value_segments_are_gone_in_both_chapters(demo):
    orders = demo["orders"]
    as_of = orders["order_time"].max().normalize() + pd.Timedelta(days=1)
    rfm = segments.rfm_table(orders, as_of=as_of)
    seg = segments.rfm_segments(rfm)
    alive = clv.alive_probability(orders, as_of=as_of).reindex(rfm.index)
    mean = alive.groupby(seg, observed=False).mean()
    status = segments.segment_outlook(mean)
    assert status["重要价值客户"] == "仍活跃"
    assert 0 <= alive.min() and alive.max() <= 1


def test_tier_retention_is_measured_and_uplift_is_the_attributed_gap():
    orders = pd.DataFrame({
        "user_id": ["a", "a", "b", "b", "c", "d"],
        "order_time": pd.to_datetime(["2025-03-01", "2025-11-15", "2025-02-01", "2025-03-01", "2025-04-01",
                                      "2025-05-01"]),
        "amount": [1000.0, 50.0, 10.0, 10.0, 20.0, 900.0]})
    r = loyalty.tier_retention(orders, [0, 500], ["普通", "高级"], as_of="2026-01-01", horizon_days=90)
    assert r.loc["高级", "members"] == 2 and r.loc["高级", "retention_rate"] == pytest.approx(0.5)
    assert r.loc["普通", "retention_rate"] == 0.0
    assert r.loc["高级", "spend_per_member"] == pytest.approx(25.0)
    up = loyalty.benefit_uplift(r, 0.5)
    assert up == {"普通": 0.0, "高级": pytest.approx(0.25)}


def test_retention_30d_counts_meaningful_returns_only():
    reg = pd.Timestamp("2025-01-10")
    users = pd.DataFrame({"user_id": ["U1", "U2", "U3", "U4"], "register_time": [reg] * 4})
    events = pd.DataFrame({
        "user_id": ["U1", "U2", "U3", "U1"],
        "event_time": [reg + pd.Timedelta(days=3), reg + pd.Timedelta(days=3), reg + pd.Timedelta(days=5),
                       pd.Timestamp("2025-04-01")],
        "event_type": ["app_open", "view_item", "push_open", "app_open"]})
    orders = pd.DataFrame({"user_id": ["U4"], "order_time": [reg + pd.Timedelta(days=10)], "amount": [10.0]})
    rate = metrics.get("retention_30d").compute(Data({"users": users, "events": events, "orders": orders}))
    assert rate.iloc[0] == pytest.approx(2 / 4)  # U2 browsed, U4 ordered; U1 and U3 only opened
