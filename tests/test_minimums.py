"""Minimums of data: one declaration in the registry, checked by validate and by the notebooks."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from opskit.course import chapters
from opskit.course.minimums import Minimum, history
from opskit.course.runner import validate
from opskit.data import open_dataset

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "datasets" / "examples"


def _orders(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["user_id", "order_time", "amount"])
    return frame.astype({"user_id": "str", "order_time": "datetime64[us]", "amount": "float64"})


class _Data:
    """The part of a Dataset that minimums use."""

    def __init__(self, orders: pd.DataFrame):
        self.orders = orders

    def has(self, *tables):
        return set(tables) <= {"orders"}

    def __getitem__(self, table):
        return self.orders


def test_history_counts_before_as_of_and_merges_same_day_orders():
    orders = _orders([
        ("C1", "2024-01-05 09:00", 10.0), ("C1", "2024-01-05 18:00", 5.0),  # same day: one purchase
        ("00123", "2024-01-06", 0.0), ("00123", "2024-03-01", 0.0),          # repeat, zero spend
        ("123", "2024-02-01", 7.0), ("123", "2024-04-30", 8.0),              # repeat, positive
        ("123", "2025-01-01", 9.0),                                          # after as_of
    ])
    counts = history(orders, as_of="2024-05-01")
    assert counts == {"rows": 6, "months": 4, "buyers": 3, "repeat_buyers": 2, "positive_buyers": 2,
                      "positive_repeat_buyers": 1}
    assert history(orders)["months"] == 13  # default: the day after the last row


def test_shortfall_names_the_reason():
    data = _Data(_orders([("a", "2024-01-05", 1.0), ("a", "2024-02-05", 1.0), ("b", "2024-02-05", 0.0)]))
    assert Minimum("x", "同比", months=24).shortfall(data) == "订单历史只有 2 个月，这部分需要至少 24 个月"
    assert "1 位" in Minimum("x", "CLV", positive_repeat_buyers=30).shortfall(data)
    assert Minimum("x", "留存", months=2, repeat_buyers=1).shortfall(data) is None
    assert "分析日之前没有" in Minimum("x", "留存", months=1).shortfall(data, as_of="2020-01-01")
    data.orders.attrs["synthetic"] = ["order_id"]
    assert "没有订单ID列" in Minimum("x", "明细", own_ids=True).shortfall(data)


def _enough_calls() -> set[tuple[str, str]]:
    calls = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            calls |= set(re.findall(r'enough\(data, "(\d\d)", "(\w+)"', cell.source))
    return calls


def test_every_minimum_a_notebook_checks_is_declared_and_every_declared_one_is_checked():
    calls = _enough_calls()
    declared = {(ch.number, m.key) for ch in chapters.CHAPTERS for s in ch.sections for m in s.minimums}
    assert calls and calls == declared
    for number, key in calls:
        assert chapters.find(number).minimum(key).part


def test_validate_lists_the_parts_the_notebook_skips():
    """The README's example export holds 12 months: chapter 03 runs, and validate says which parts skip."""
    result = validate("03", EXAMPLES, EXAMPLES / "列映射.yaml")
    assert result.ok
    ch = chapters.find("03")
    assert {part for parts in result.shortfalls.values() for part, _ in parts} == {
        ch.minimum("yoy").part, ch.minimum("tree_yoy").part}
    text = result.report()
    assert "跳过「北极星候选近 12 个月与前 12 个月的对比」" in text and "只有 12 个月" in text


@pytest.mark.parametrize("number", ["03", "06"])
def test_demo_data_meets_every_minimum(number):
    data = open_dataset()
    for section in chapters.find(number).sections:
        for minimum in section.minimums:
            assert minimum.shortfall(data) is None, minimum.key
