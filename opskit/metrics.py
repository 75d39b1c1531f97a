"""Operating metrics: the monthly KPI table every chapter starts from.

Aggregations are named queries of :mod:`opskit.data.engine` (``monthly_kpis``, ``monthly_signups``);
their exact rules are in each query's header.
"""

from __future__ import annotations

import pandas as pd

from opskit.data import engine


def monthly_kpis(orders: pd.DataFrame, users: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per calendar month of ``order_time``.

    Columns: ``orders``; ``buyers`` (distinct users with an order); ``gmv`` (sum of ``amount``);
    ``aov`` = gmv / orders; ``orders_per_buyer``; ``new_buyers`` (users whose first-ever order in
    the table falls in the month; ties at the first timestamp count once); ``first_order_gmv``
    (amount of those first orders); ``repeat_gmv_share`` = 1 − first_order_gmv / gmv; and, if
    ``users`` is given, ``new_users`` (registrations in the month, 0 where none).
    Months are indexed by their first day.
    """
    table = engine.run("monthly_kpis", orders=orders[["user_id", "order_time", "amount"]])
    table["month"] = pd.to_datetime(table["month"]).dt.tz_localize(None)
    table = table.set_index("month")
    for col in ("orders", "buyers", "new_buyers"):
        table[col] = table[col].astype("int64")
    table["aov"] = table["gmv"] / table["orders"]
    table["orders_per_buyer"] = table["orders"] / table["buyers"]
    table["repeat_gmv_share"] = 1 - table["first_order_gmv"] / table["gmv"]
    if users is not None:
        signups = engine.run("monthly_signups", users=users[["register_time"]])
        signups["month"] = pd.to_datetime(signups["month"]).dt.tz_localize(None)
        new_users = signups.set_index("month")["new_users"].astype("int64")
        table = table.join(new_users, how="outer").fillna({"new_users": 0}).fillna(0)
        table["new_users"] = table["new_users"].astype("int64")
    return table
