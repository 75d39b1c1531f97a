"""Minimums of data that a chapter section needs, declared once and checked in two places.

A section that needs, say, two years of order history (a year-over-year comparison) or customers
with repeat purchases (a BG/NBD fit) declares a :class:`Minimum` in the chapter registry
(:mod:`opskit.course.chapters`). ``opskit validate`` lists each shortfall as a skip, and the notebook
asks :func:`opskit.course.notebook.enough` with the same key, which shows a visible 跳过 note with the
reason instead of failing. Both call :meth:`Minimum.shortfall`, so they cannot disagree.

The counts come from one named query, ``data_minimums``, over the rows before the analysis date.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from opskit.data import schema


@dataclass(frozen=True)
class Minimum:
    """What part of a section needs how much data. Thresholds left at 0 are not checked.

    key : the name the notebook uses (``enough(data, "03", "yoy")``), unique within a chapter.
    part : what is skipped, in Chinese (``"近 12 个月与前 12 个月的对比"``).
    months : calendar months of order history before the analysis date.
    repeat_buyers : customers who bought on at least two different days.
    positive_repeat_buyers : repeat customers whose total spend is positive.
    own_ids : the table must carry its own ids (not the one-order-per-row ids given to an orders
        export without an order id), e.g. to join order lines.
    """

    key: str
    part: str
    table: str = "orders"
    months: int = 0
    repeat_buyers: int = 0
    positive_repeat_buyers: int = 0
    own_ids: bool = False

    def shortfall(self, data, as_of=None) -> str | None:
        """The Chinese reason this part cannot run on ``data``, or ``None`` if it can.

        ``as_of`` is the exclusive analysis date; ``None`` means the day after the last row.
        A missing table is not a shortfall here (sections report missing tables themselves).
        """
        if not data.has(self.table):
            return None
        frame = data[self.table]
        if self.own_ids and "order_id" in frame.attrs.get("synthetic", ()):
            return "订单表没有订单ID列（每行被当作一笔订单），无法与订单明细关联"
        if not (self.months or self.repeat_buyers or self.positive_repeat_buyers):
            return None
        counts = history(frame, as_of)
        label = schema.TABLES[self.table].label
        if counts["rows"] == 0:
            return f"分析日之前没有{label}数据"
        if counts["months"] < self.months:
            return f"{label}历史只有 {counts['months']} 个月，这部分需要至少 {self.months} 个月"
        if counts["repeat_buyers"] < self.repeat_buyers:
            return (f"在不同的日子下过至少两单的顾客只有 {counts['repeat_buyers']:,} 位，"
                    f"这部分需要至少 {self.repeat_buyers:,} 位")
        if counts["positive_repeat_buyers"] < self.positive_repeat_buyers:
            return (f"有复购且消费额为正的顾客只有 {counts['positive_repeat_buyers']:,} 位，"
                    f"这部分需要至少 {self.positive_repeat_buyers:,} 位")
        return None


def history(orders: pd.DataFrame, as_of=None) -> dict[str, int]:
    """Rows, months of history, buyers, repeat and positive buyers before ``as_of`` (named query)."""
    from opskit.data import engine

    if as_of is None or (isinstance(as_of, str) and not as_of):
        last = orders["order_time"].max()
        as_of = (last.normalize() + pd.Timedelta(days=1)) if pd.notna(last) else pd.Timestamp.max
    row = engine.run("data_minimums", {"as_of": pd.Timestamp(as_of)},
                     orders=orders[["user_id", "order_time", "amount"]]).iloc[0]
    return {name: int(row[name]) for name in row.index}
