"""Where each user stands in the customer lifecycle at a given date.

The lifecycle view is the backbone of the course's global framework: each stage is worked by a
different part of operations (acquisition and activation, retention, win-back).
Rules and tests: ``docs/methods.md#lifecycle``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.data import engine
from opskit.errors import ParameterError

STAGES = ("注册未购", "新客", "活跃老客", "沉睡", "流失")

def user_order_summary(orders: pd.DataFrame, *, as_of) -> pd.DataFrame:
    """Per user with an order before ``as_of``: first and last order time, orders, GMV (named query
    ``user_order_summary``), indexed by user_id (sorted)."""
    summary = engine.run("user_order_summary", {"as_of": pd.Timestamp(as_of)},
                         orders=orders[["user_id", "order_time", "amount"]])
    summary = summary.set_index("user_id").sort_index()
    for col in ("first_order", "last_order"):
        summary[col] = pd.to_datetime(summary[col]).dt.tz_localize(None)
    summary["orders"] = summary["orders"].astype("int64")
    return summary


def lifecycle_stages(users: pd.DataFrame, orders: pd.DataFrame, *, as_of,
                     active_days: int = 30, dormant_days: int = 90) -> pd.DataFrame:
    """Stage of every user registered before ``as_of``, counting only orders before ``as_of``.

    Rules (days are whole days between the last order and ``as_of``):

    - 注册未购: no order yet;
    - 新客: first order within the last ``active_days`` days;
    - 活跃老客: last order within ``active_days`` days and first order earlier;
    - 沉睡: last order more than ``active_days`` and at most ``dormant_days`` days ago;
    - 流失: last order more than ``dormant_days`` days ago.

    Returns one row per user with ``first_order, last_order, orders, gmv, days_since_last, stage``
    (``stage`` an ordered categorical over :data:`STAGES`).
    """
    if not 0 < active_days < dormant_days:
        raise ParameterError(f"活跃天数 active_days（{active_days}）必须大于 0 且小于沉睡天数 dormant_days"
                             f"（{dormant_days}）。\n  解决办法：例如 -p active_days=30 -p dormant_days=90。")
    as_of = pd.Timestamp(as_of)
    registered = users.loc[users["register_time"] < as_of, ["user_id"]].drop_duplicates()
    summary = user_order_summary(orders, as_of=as_of)
    table = registered.join(summary, on="user_id").set_index("user_id").sort_index()
    table["orders"] = table["orders"].fillna(0).astype("int64")
    table["gmv"] = table["gmv"].fillna(0.0)
    days_last = (as_of - table["last_order"]).dt.days
    days_first = (as_of - table["first_order"]).dt.days
    table["days_since_last"] = days_last
    conditions = [
        table["last_order"].isna(),
        days_first <= active_days,
        days_last <= active_days,
        days_last <= dormant_days,
    ]
    stage = np.select(conditions, STAGES[:4], default=STAGES[4])
    table["stage"] = pd.Categorical(stage, categories=STAGES, ordered=True)
    return table


def stage_summary(stages: pd.DataFrame) -> pd.DataFrame:
    """Users and lifetime GMV per stage, with shares (every user is in exactly one stage)."""
    grouped = stages.groupby("stage", observed=False).agg(users=("orders", "size"), gmv=("gmv", "sum"))
    grouped["user_share"] = grouped["users"] / grouped["users"].sum()
    grouped["gmv_share"] = grouped["gmv"] / grouped["gmv"].sum()
    return grouped
