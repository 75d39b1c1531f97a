"""Run the kit's aggregation queries with DuckDB on pandas tables.

Aggregations over raw tables (the part whose cost grows with the company) are written once as
SQL in DuckDB's dialect, kept to portable features, and run embedded on the caller's DataFrames
without copying them; the small result comes back as pandas.
"""

from __future__ import annotations

import duckdb
import pandas as pd


def query(sql: str, **tables: pd.DataFrame) -> pd.DataFrame:
    """Run ``sql`` with each keyword argument available as a table of that name."""
    con = duckdb.connect()
    try:
        for name, frame in tables.items():
            con.register(name, frame)
        return con.execute(sql).df()
    finally:
        con.close()
