"""A chapter's key tables computed through the named queries only: the part of a rerun that runs
where the tables live (``opskit run CH --engine spark``).

Each entry names the tables it reads and a function of (dataset, as_of) returning a small pandas
frame. The same function runs on a :class:`~opskit.data.dataset.Dataset` (pandas, DuckDB) and on a
:class:`~opskit.data.warehouse.SparkDataset` (Spark DataFrames), so the two engines can be compared
table by table; a test does exactly that for chapter 06.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from opskit.data import engine


@dataclass(frozen=True)
class KeyTable:
    title: str
    tables: tuple[str, ...]
    compute: Callable  # (data, as_of) -> pandas DataFrame


def default_as_of(data) -> pd.Timestamp:
    """The notebooks' default analysis day: midnight after the last order."""
    return engine.column_max(data["orders"], "order_time").normalize() + pd.Timedelta(days=1)


def _rfm(data, as_of):
    from opskit.segments import rfm_table

    return rfm_table(data["orders"], as_of=as_of).reset_index()


def _cohorts(data, as_of):
    from opskit.retention import cohort_counts

    counts, sizes = cohort_counts(data["orders"], period="month", as_of=as_of)
    table = counts.div(sizes, axis=0)
    table.columns = [f"第{age}月" for age in table.columns]
    table.insert(0, "size", sizes)
    return table.reset_index()


def _clv_summary(data, as_of):
    from opskit.clv import summary_from_orders

    return summary_from_orders(data["orders"], as_of=as_of, period="day")


#: Chapter number -> its key tables that run through the named queries alone.
KEY_TABLES: dict[str, list[KeyTable]] = {
    "06": [KeyTable("RFM（每位顾客的最近一次、频次、金额）", ("orders",), _rfm),
           KeyTable("月度同期群留存率", ("orders",), _cohorts),
           KeyTable("CLV 汇总（BG/NBD 与 Gamma-Gamma 的输入）", ("orders",), _clv_summary)],
}


def key_tables(chapter: str, data, as_of=None) -> dict[str, pd.DataFrame]:
    """Title -> table for each key table of ``chapter`` whose tables ``data`` has."""
    as_of = pd.Timestamp(as_of) if as_of else default_as_of(data)
    return {k.title: k.compute(data, as_of) for k in KEY_TABLES.get(chapter, []) if data.has(*k.tables)}
