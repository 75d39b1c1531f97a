"""The one aggregation seam: named SQL queries over raw tables, small pandas results.

Every aggregation over a raw table (the part whose cost grows with the company) is written once,
as a ``.sql`` file in ``opskit/data/sql/`` in DuckDB's dialect, kept to portable features
(GROUP BY, window functions, ``date_trunc``/``date_diff``, integer arithmetic). Its header comment
states the exact rules (ties, window bounds, step order, time zone, rounding). Parameters are bound
natively (``$as_of``), never pasted into the text.

>>> from opskit.data import engine
>>> engine.run("kpis", {"period": "month"}, orders=orders)          # a pandas DataFrame
>>> engine.run("rfm", {"as_of": "2026-01-01", "window_start": None},
...            orders="exports/orders.parquet")                      # a file, scanned in place
>>> print(engine.sql("rfm"))                                     # the query, for the analyst

Statistics and models run on the small result, in pandas, numpy, scipy, statsmodels, scikit-learn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Union

import duckdb
import pandas as pd

#: What a table argument may be: an in-memory frame or the path of a Parquet/CSV file.
TableLike = Union[pd.DataFrame, str, PathLike]

_PARAM = re.compile(r"(?<![:$\w])\$([A-Za-z_]\w*)")


@dataclass(frozen=True)
class NamedQuery:
    """One named query: its SQL text, the tables it reads and the parameters it binds."""

    name: str
    text: str

    @property
    def header(self) -> str:
        """The leading ``--`` comment block: what the query computes and its exact rules."""
        lines = []
        for line in self.text.splitlines():
            if not line.startswith("--"):
                break
            lines.append(line[2:].strip())
        return "\n".join(lines)

    @property
    def params(self) -> list[str]:
        """Parameter names in order of first use (``$as_of`` -> ``as_of``)."""
        return list(dict.fromkeys(_PARAM.findall(_strip_comments(self.text))))


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())


def names() -> list[str]:
    """Every named query shipped with the kit, sorted."""
    folder = resources.files("opskit.data") / "sql"
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".sql"))


@lru_cache(maxsize=None)
def named(name: str) -> NamedQuery:
    """The named query ``name`` (a file ``opskit/data/sql/<name>.sql``)."""
    path = resources.files("opskit.data") / "sql" / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"没有名为 {name!r} 的查询；可用的查询：{', '.join(names())}")
    return NamedQuery(name, path.read_text(encoding="utf-8"))


def sql(name: str) -> str:
    """The SQL text of a named query, in DuckDB's dialect, header comment included."""
    return named(name).text


def run(name: str, params: dict | None = None, /, *, engine: str | None = None, spark=None,
        **tables: TableLike) -> pd.DataFrame:
    """Run the named query ``name`` on ``tables`` with ``params`` bound natively.

    Each keyword names a table the query reads; its value is a pandas DataFrame (queried in
    place, without a copy) or the path of a Parquet or CSV file (scanned in place: only the columns
    the query needs are read, and filters are pushed down). Returns the small result as pandas.

    ``engine="spark"`` runs the same query on a SparkSession (``spark``, or a local one), translated
    by sqlglot, where a table may also be a Spark DataFrame or a warehouse table name (see
    :mod:`opskit.data.spark`). By default a query runs on Spark when a table is a Spark DataFrame,
    on DuckDB otherwise.
    """
    q = named(name)
    params = dict(params or {})
    missing = [p for p in q.params if p not in params]
    if missing:
        raise TypeError(f"query {name!r} needs parameters {missing}")
    bound = {p: params[p] for p in q.params}
    if _engine_for(engine, tables) == "spark":
        from opskit.data import spark as spark_engine

        return spark_engine.run(q.text, bound, spark=spark, **tables)
    return query(q.text, bound, **tables)


def columns(table, **names: str):
    """Columns of ``table`` under new names (``new=old``), as a table a query can read: a pandas
    frame (from the column arrays) or, for a Spark DataFrame, a lazy Spark projection."""
    from opskit.data.spark import is_spark_frame

    if is_spark_frame(table):
        return table.select(*[table[old].alias(new) for new, old in names.items()])
    return pd.DataFrame({new: table[old].to_numpy() for new, old in names.items()})


def column_max(table, column: str):
    """The largest value of ``column`` (a pandas Timestamp for times), on pandas or Spark."""
    from opskit.data.spark import is_spark_frame

    if is_spark_frame(table):
        from pyspark.sql import functions as F

        return pd.Timestamp(table.agg(F.max(column)).collect()[0][0])
    return pd.Timestamp(table[column].max())


ENGINES = ("duckdb", "spark")


def _engine_for(engine: str | None, tables: dict) -> str:
    """The engine asked for; by default Spark when a table is a Spark DataFrame, else DuckDB."""
    if engine is None:
        from opskit.data.spark import is_spark_frame

        engine = "spark" if any(is_spark_frame(t) for t in tables.values()) else "duckdb"
    if engine not in ENGINES:
        raise ValueError(f"未知的计算引擎 {engine!r}；可用：{', '.join(ENGINES)}")
    return engine


def query(text: str, params: dict | None = None, /, **tables: TableLike) -> pd.DataFrame:
    """Run SQL ``text`` (DuckDB dialect) with each keyword argument available as a table."""
    con = duckdb.connect()
    try:
        for table_name, table in tables.items():
            _register(con, table_name, table)
        result = con.execute(text, params or None) if params else con.execute(text)
        return result.df()
    finally:
        con.close()


def _register(con: duckdb.DuckDBPyConnection, name: str, table: TableLike) -> None:
    if isinstance(table, pd.DataFrame):
        con.register(name, table)
        return
    path = Path(table)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        con.read_parquet(str(path)).create_view(name)
    elif suffix in (".csv", ".tsv", ".txt"):
        con.read_csv(str(path)).create_view(name)
    else:
        raise ValueError(f"table {name!r}: expected a DataFrame or a .parquet/.csv path, got {table!r}")
