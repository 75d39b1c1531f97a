"""Metric trees: a North Star metric broken down into the drivers operators can move.

A :class:`Metric` is a node; its children combine with ``op`` (``*`` product, ``+`` sum,
``/`` first child divided by the second). :func:`evaluate` computes every node from leaf
values (numbers or aligned Series, e.g. one value per month); :func:`tree_inputs` computes
the leaves of :data:`DEMO_TREE` from orders and events with the kit's metric definitions.
Source and oracle: ``docs/methods.md#metric-tree``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

import pandas as pd

from opskit.data import engine
from opskit.metrics import kpis
from opskit.periods import check_period


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

def tree_inputs(orders: pd.DataFrame, events: pd.DataFrame, *, period: str = "month") -> pd.DataFrame:
    """Leaf values of :data:`DEMO_TREE` per calendar ``period`` (index ``period``).

    Buyers, orders, GMV and gross GMV are the definitions of :func:`opskit.metrics.kpis`; visitors come
    from the named query ``visitors``: a *visitor* is a user who opened the app (``app_open`` event)
    or ordered on any platform in the period (mini-program and store buyers have no app events); a
    *new visitor* is one whose first-ever visit falls in the period. Columns: the counts (visitors,
    new_visitors, returning_visitors, buyers, orders, gmv, gross_gmv) and the leaves conversion =
    buyers/visitors, orders_per_buyer, gross_aov = gross_gmv/orders, paid_share = gmv/gross_gmv.
    Evaluating the tree on these leaves gives ``gmv`` exactly.
    """
    check_period(period)
    opens = events.loc[events["event_type"] == "app_open", ["user_id", "event_time", "event_type"]]
    vis = engine.run("visitors", {"period": period}, events=opens, orders=orders[["user_id", "order_time"]])
    vis = vis.set_index(pd.to_datetime(vis["period"]).rename("period"))[["visitors", "new_visitors"]]
    k = kpis(orders, period=period)[["buyers", "orders", "gmv", "gross_gmv"]]
    t = vis.join(k, how="left").fillna({"buyers": 0, "orders": 0, "gmv": 0.0, "gross_gmv": 0.0})
    for c in ("visitors", "new_visitors", "buyers", "orders"):
        t[c] = t[c].astype("int64")
    t["returning_visitors"] = t["visitors"] - t["new_visitors"]
    t["conversion"] = t["buyers"] / t["visitors"]
    t["orders_per_buyer"] = t["orders"] / t["buyers"]
    t["gross_aov"] = t["gross_gmv"] / t["orders"]
    t["paid_share"] = t["gmv"] / t["gross_gmv"]
    return t
