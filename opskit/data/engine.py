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

import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Union

import duckdb
import pandas as pd
import pyarrow as pa


@dataclass(frozen=True)
class Renamed:
    """A table whose columns are read under other names: ``columns`` maps query name -> source name.

    Lets a method read a file whose time column is, say, ``order_time`` as the ``ts`` its query
    expects, without loading it: the file is still scanned in place."""

    source: Union[pd.DataFrame, str, PathLike]
    columns: tuple[tuple[str, str], ...]


#: What a table argument may be: an in-memory frame, the path of a Parquet/CSV file, or one of these
#: with renamed columns (:func:`renamed`).
TableLike = Union[pd.DataFrame, str, PathLike, Renamed]


def renamed(table: TableLike, **columns: str) -> TableLike:
    """``table`` with the columns the query needs under the query's names (``ts="order_time"``);
    a name mapped to None is a column of NULLs (an optional column the table lacks; the query's
    header says how it reads a NULL).

    A DataFrame is renamed without copying its data (pandas' copy-on-write), and passed as it is when
    no name changes (the query reads only the columns it names); a path is wrapped, and scanned in
    place when the query runs, reading only the named columns."""
    from opskit.data.spark import is_spark_frame

    if is_spark_frame(table):  # a lazy Spark projection; nothing is collected
        from pyspark.sql import functions as F

        return table.select(*[(F.lit(None) if old is None else table[old]).alias(new) for new, old in columns.items()])
    if isinstance(table, pd.DataFrame):
        if all(new == old for new, old in columns.items()):
            return table  # DuckDB reads only the columns the query names
        return pd.DataFrame({new: table[old] if old is not None else pd.Series(pd.NA, index=table.index, dtype="Float64")
                             for new, old in columns.items()}, index=table.index, copy=False)
    if all(new == old for new, old in columns.items()) and not isinstance(table, Renamed):
        return table
    if isinstance(table, Renamed):
        inner = dict(table.columns)
        return Renamed(table.source, tuple((new, None if old is None else inner[old]) for new, old in columns.items()))
    return Renamed(table, tuple(columns.items()))

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


def columns(table: TableLike) -> list[str]:
    """The column names of a table: a frame, a Spark DataFrame, a renamed table or a file (its
    schema only is read)."""
    from opskit.data.spark import is_spark_frame

    if is_spark_frame(table) or isinstance(table, pd.DataFrame):
        return [str(c) for c in table.columns]
    if isinstance(table, Renamed):
        return [new for new, _ in table.columns]
    return list(query("SELECT * FROM t LIMIT 0", t=table).columns)


def column_max(table, column: str):
    """The latest time in ``column`` as a pandas Timestamp: of a frame, a Spark DataFrame or a file."""
    from opskit.data.spark import is_spark_frame

    if is_spark_frame(table):
        from pyspark.sql import functions as F

        return pd.Timestamp(table.agg(F.max(column)).collect()[0][0])
    if isinstance(table, pd.DataFrame):
        return pd.Timestamp(table[column].max())
    return pd.Timestamp(run("last_time", activity=renamed(table, ts=column))["last_time"].iloc[0])  # a file


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
    con = _database().cursor()  # a fresh connection to the shared in-memory database: ~1 ms, not ~90
    # No progress bar (a per-session setting): in a notebook DuckDB draws one as a widget when a
    # query runs long on a busy machine, which would make stored outputs differ from run to run.
    con.execute("SET enable_progress_bar = false")
    try:
        for table_name, table in tables.items():
            _register(con, table_name, table)
        relation = con.sql(text, params=params) if params else con.sql(text)
        return _to_pandas(con, relation)
    finally:
        con.close()


_DATABASE: tuple[int, duckdb.DuckDBPyConnection] | None = None
_DATABASE_LOCK = threading.Lock()


def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB database per process; every query runs on its own cursor of it, so
    the tables a query registers are visible to that query only (threads may query at once)."""
    global _DATABASE
    with _DATABASE_LOCK:
        if _DATABASE is None or _DATABASE[0] != os.getpid():  # a forked child opens its own
            _DATABASE = (os.getpid(), duckdb.connect())
        return _DATABASE[1]


def _to_pandas(con: duckdb.DuckDBPyConnection, relation) -> pd.DataFrame:
    """The result as pandas with the dtypes of DuckDB's ``.df()``, from one Arrow fetch.

    ``.df()`` builds one Python object per string (0.7 s per million ids) where Arrow hands text
    columns to pandas' Arrow-backed ``str`` dtype directly. Column types pandas would read
    differently from ``.df()`` are mapped to what ``.df()`` gives: DECIMAL/HUGEINT as float64, DATE
    as datetime64[us], integers and booleans with NULLs as pandas' nullable dtypes; any other type
    goes through ``.df()`` itself."""
    if relation is None:  # a statement without a result
        return pd.DataFrame()
    table = relation.to_arrow_table()
    if table.num_rows == 0:  # .df() gives empty text columns the object dtype
        return con.from_arrow(table).df() if table.num_columns else pd.DataFrame()
    columns = []
    unusual = []
    for i, (field, column) in enumerate(zip(table.schema, table.columns)):
        kind = field.type
        if pa.types.is_decimal(kind):
            column, kind = column.cast(pa.float64()), pa.float64()
        elif pa.types.is_date32(kind):
            column, kind = column.cast(pa.timestamp("us")), pa.timestamp("us")
        if column.null_count and (pa.types.is_integer(kind) or pa.types.is_boolean(kind)):
            columns.append(pd.Series(column.to_pandas(types_mapper=_NULLABLE.get)))
        elif (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_floating(kind)
              or pa.types.is_integer(kind) or pa.types.is_boolean(kind)
              or (pa.types.is_timestamp(kind) and kind.unit == "us")):
            columns.append(column.to_pandas())
        else:
            columns.append(None)
            unusual.append(i)
    if unusual:
        other = con.from_arrow(table.select(unusual)).df()
        for k, i in enumerate(unusual):
            columns[i] = other.iloc[:, k]
    if not columns:
        return pd.DataFrame()
    frame = pd.concat([c.reset_index(drop=True) for c in columns], axis=1)
    frame.columns = table.column_names
    return frame


_NULLABLE = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
             pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
             pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(), pa.bool_(): pd.BooleanDtype()}


def _register(con: duckdb.DuckDBPyConnection, name: str, table: TableLike) -> None:
    if isinstance(table, pd.DataFrame):
        con.register(name, table)
        return
    if isinstance(table, Renamed):
        inner = f"{name}__source"
        _register(con, inner, table.source)
        select = ", ".join(f"{'NULL' if old is None else _quote(old)} AS {_quote(new)}" for new, old in table.columns)
        con.execute(f"CREATE TEMP VIEW {_quote(name)} AS SELECT {select} FROM {_quote(inner)}")
        return
    path = Path(table)
    suffix = path.suffix.lower()
    # register, not create_view: a relation's view would outlive the cursor in the shared database
    if suffix in (".parquet", ".pq"):
        con.register(name, con.read_parquet(str(path)))
    elif suffix in (".csv", ".tsv", ".txt"):
        con.register(name, con.read_csv(str(path)))
    else:
        raise ValueError(f"table {name!r}: expected a DataFrame or a .parquet/.csv path, got {table!r}")


def _quote(identifier: str) -> str:
    return '"' + str(identifier).replace('"', '""') + '"'
