"""Operating metrics: the monthly KPI table every chapter starts from.

Aggregations are DuckDB SQL (see :mod:`opskit.data.engine`); the rules are in each docstring.
"""

from __future__ import annotations

import pandas as pd

from opskit.data.engine import query

MONTHLY_KPIS_SQL = """
WITH first_orders AS (
    SELECT user_id, min(order_time) AS first_time FROM orders GROUP BY user_id
),
tagged AS (
    SELECT o.user_id, o.amount, date_trunc('month', o.order_time) AS month,
           o.order_time = f.first_time AS is_first
    FROM orders o JOIN first_orders f USING (user_id)
)
SELECT month,
       count(*)                                   AS orders,
       count(DISTINCT user_id)                    AS buyers,
       sum(amount)                                AS gmv,
       count(DISTINCT CASE WHEN is_first THEN user_id END) AS new_buyers,
       sum(CASE WHEN is_first THEN amount ELSE 0 END)      AS first_order_gmv
FROM tagged
GROUP BY month
ORDER BY month
"""

MONTHLY_SIGNUPS_SQL = """
SELECT date_trunc('month', register_time) AS month, count(*) AS new_users
FROM users GROUP BY month ORDER BY month
"""


def monthly_kpis(orders: pd.DataFrame, users: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per calendar month of ``order_time``.

    Columns: ``orders``; ``buyers`` (distinct users with an order); ``gmv`` (sum of ``amount``);
    ``aov`` = gmv / orders; ``orders_per_buyer``; ``new_buyers`` (users whose first-ever order in
    the table falls in the month; ties at the first timestamp count once); ``first_order_gmv``
    (amount of those first orders); ``repeat_gmv_share`` = 1 − first_order_gmv / gmv; and, if
    ``users`` is given, ``new_users`` (registrations in the month, 0 where none).
    Months are indexed by their first day.
    """
    table = query(MONTHLY_KPIS_SQL, orders=orders[["user_id", "order_time", "amount"]])
    table["month"] = pd.to_datetime(table["month"]).dt.tz_localize(None)
    table = table.set_index("month")
    for col in ("orders", "buyers", "new_buyers"):
        table[col] = table[col].astype("int64")
    table["aov"] = table["gmv"] / table["orders"]
    table["orders_per_buyer"] = table["orders"] / table["buyers"]
    table["repeat_gmv_share"] = 1 - table["first_order_gmv"] / table["gmv"]
    if users is not None:
        signups = query(MONTHLY_SIGNUPS_SQL, users=users[["register_time"]])
        signups["month"] = pd.to_datetime(signups["month"]).dt.tz_localize(None)
        new_users = signups.set_index("month")["new_users"].astype("int64")
        table = table.join(new_users, how="outer").fillna({"new_users": 0}).fillna(0)
        table["new_users"] = table["new_users"].astype("int64")
    return table
