"""Metric trees: a North Star metric broken down into the drivers operators can move.

A :class:`Metric` is a node; its children combine with ``op`` (``*`` product, ``+`` sum,
``/`` first child divided by the second). :func:`evaluate` computes every node from leaf
values (numbers or aligned Series, e.g. one value per month); :func:`tree_inputs` computes
the leaves of :data:`DEMO_TREE` from orders and events with DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

import pandas as pd

from opskit.data.engine import query


@dataclass(frozen=True)
class Metric:
    """One node of a metric tree."""

    name: str                                    # snake_case id, e.g. "gmv"
    label: str                                   # Chinese label, e.g. "成交额"
    op: Literal["*", "+", "/"] | None = None     # how children combine; None for a leaf
    children: tuple["Metric", ...] = ()
    unit: str = ""

    def __post_init__(self):
        if (self.op is None) != (not self.children):
            raise ValueError(f"{self.name}: a leaf has no op and no children; an inner node has both")
        if self.op == "/" and len(self.children) != 2:
            raise ValueError(f"{self.name}: '/' needs exactly two children")

    def walk(self):
        """Every node, depth first (parent before children)."""
        yield self
        for child in self.children:
            yield from child.walk()


def leaves(tree: Metric) -> list[Metric]:
    """The leaves of ``tree``, left to right."""
    return [m for m in tree.walk() if not m.children]


def evaluate(tree: Metric, leaves: Mapping[str, float | pd.Series]) -> dict[str, float | pd.Series]:
    """Value of every node, bottom-up, from the leaf values (a dict or a DataFrame of leaf columns)."""
    out: dict[str, float | pd.Series] = {}

    def visit(node: Metric):
        if not node.children:
            if node.name not in leaves:
                raise KeyError(f"missing leaf value {node.name!r} ({node.label})")
            out[node.name] = leaves[node.name]
            return out[node.name]
        values = [visit(c) for c in node.children]
        if node.op == "*":
            result = values[0]
            for v in values[1:]:
                result = result * v
        elif node.op == "+":
            result = values[0]
            for v in values[1:]:
                result = result + v
        else:
            result = values[0] / values[1]
        out[node.name] = result
        return result

    visit(tree)
    return out


def format_value(value, unit: str) -> str:
    if unit == "%":
        return f"{value:.2%}"
    if abs(value) >= 100:
        return f"{value:,.0f}{unit}"
    return f"{value:,.2f}{unit}"


def to_markdown(tree: Metric, values: Mapping[str, float] | None = None) -> str:
    """The tree as a nested Markdown list (with values, if given: numbers, not Series)."""
    sym = {"*": "×", "+": "+", "/": "÷"}
    lines = []

    def visit(node: Metric, depth: int):
        text = f"{node.label}（`{node.name}`）"
        if values is not None and node.name in values:
            text += f" = **{format_value(values[node.name], node.unit)}**"
        if node.children:
            text += f" = {f' {sym[node.op]} '.join(c.label for c in node.children)}"
        lines.append("  " * depth + "- " + text)
        for child in node.children:
            visit(child, depth + 1)

    visit(tree, 0)
    return "\n".join(lines)


DEMO_TREE = Metric("gmv", "成交额", "*", (
    Metric("visitors", "访客数", "+", (
        Metric("new_visitors", "新访客", unit="人"),
        Metric("returning_visitors", "老访客", unit="人"),
    ), unit="人"),
    Metric("conversion", "下单转化率", unit="%"),
    Metric("orders_per_buyer", "人均订单数", unit="单"),
    Metric("aov", "客单价", "*", (
        Metric("gross_aov", "优惠前客单价", unit="元"),
        Metric("paid_share", "实付比例", unit="%"),
    ), unit="元"),
), unit="元")
"""The demo company's GMV tree: 成交额 = (新访客 + 老访客) × 下单转化率 × 人均订单数 × (优惠前客单价 × 实付比例)."""

TREE_INPUTS_SQL = """
WITH visits AS (
    SELECT user_id, event_time AS t FROM events WHERE event_type = 'app_open'
    UNION ALL
    SELECT user_id, order_time AS t FROM orders
),
first_visit AS (SELECT user_id, min(t) AS first_t FROM visits GROUP BY user_id),
v AS (
    SELECT date_trunc('{unit}', t) AS period, user_id FROM visits GROUP BY ALL
),
vis AS (
    SELECT v.period,
           count(*) AS visitors,
           count(*) FILTER (WHERE date_trunc('{unit}', f.first_t) = v.period) AS new_visitors
    FROM v JOIN first_visit f USING (user_id)
    GROUP BY v.period
),
ord AS (
    SELECT date_trunc('{unit}', order_time) AS period,
           count(DISTINCT user_id) AS buyers, count(*) AS orders,
           sum(amount) AS gmv, sum(amount + discount) AS gross_gmv
    FROM orders GROUP BY ALL
)
SELECT vis.period, vis.visitors, vis.new_visitors, coalesce(ord.buyers, 0) AS buyers,
       coalesce(ord.orders, 0) AS orders, coalesce(ord.gmv, 0) AS gmv, coalesce(ord.gross_gmv, 0) AS gross_gmv
FROM vis LEFT JOIN ord USING (period)
ORDER BY vis.period
"""

_UNITS = {"MS": "month", "W-MON": "week", "D": "day", "QS": "quarter"}


def tree_inputs(orders: pd.DataFrame, events: pd.DataFrame, freq: str = "MS") -> pd.DataFrame:
    """Leaf values of :data:`DEMO_TREE` per period (``freq``: ``MS`` month, ``W-MON`` week, ``D``, ``QS``).

    Rules: a *visitor* is a user who opened the app (``app_open`` event) or ordered on any platform
    in the period (mini-program and store buyers have no app events); a *new visitor* is one whose
    first-ever visit falls in the period; *buyers* are distinct users with an order; GMV is the paid
    ``amount``; gross GMV adds ``discount`` (0 if the column is absent). Columns: the counts
    (visitors, new_visitors, returning_visitors, buyers, orders, gmv, gross_gmv) and the leaves
    conversion = buyers/visitors, orders_per_buyer, gross_aov = gross_gmv/orders, paid_share = gmv/gross_gmv.
    Evaluating the tree on these leaves gives ``gmv`` exactly.
    """
    unit = _UNITS.get(freq)
    if unit is None:
        raise ValueError(f"freq must be one of {list(_UNITS)}")
    o = orders[["user_id", "order_time", "amount"]].copy()
    o["discount"] = orders["discount"].fillna(0) if "discount" in orders else 0.0
    e = events.loc[events["event_type"] == "app_open", ["user_id", "event_time", "event_type"]]
    t = query(TREE_INPUTS_SQL.format(unit=unit), orders=o, events=e)
    t["period"] = pd.to_datetime(t["period"]).dt.tz_localize(None)
    t = t.set_index("period")
    t.index.name = "month" if freq == "MS" else "period"
    for c in ("visitors", "new_visitors", "buyers", "orders"):
        t[c] = t[c].astype("int64")
    t["returning_visitors"] = t["visitors"] - t["new_visitors"]
    t["conversion"] = t["buyers"] / t["visitors"]
    t["orders_per_buyer"] = t["orders"] / t["buyers"]
    t["gross_aov"] = t["gross_gmv"] / t["orders"]
    t["paid_share"] = t["gmv"] / t["gross_gmv"]
    return t
