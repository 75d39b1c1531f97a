"""The named queries on Apache Spark: the same SQL, translated by sqlglot, on the user's session.

Every named query is written once in DuckDB's dialect (:mod:`opskit.data.engine`). Here it is
parsed with sqlglot, its ``$params`` are replaced *in the syntax tree* by typed literals (text is
never pasted into SQL, so a value cannot change the query), its table names are pointed at
temporary views, and the tree is written out in Spark SQL. The result comes back as the same small
pandas frame DuckDB returns: same column names, and dtypes normalised (64-bit integers and floats,
timestamps in microseconds, text as ``str``) so the two engines' results compare equal.

>>> engine.run("rfm", {"as_of": "2026-01-01", "window_start": None},
...            engine="spark", orders="dw.orders")              # a warehouse table

A table may be a Spark DataFrame, a pandas DataFrame (uploaded), a Parquet/CSV path (read by
Spark where it lives) or a warehouse table name (``db.table``). Without a session, a local one is
started once (``local[2]``, quiet logs, time zone UTC). PySpark is the optional extra
``opskit[spark]``; :func:`translate` needs only sqlglot.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
import warnings
from contextlib import contextmanager
from functools import lru_cache
from numbers import Integral, Real
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp

#: Dialects ``opskit sql`` writes; keys are what the user types, values sqlglot's names.
DIALECTS = {"duckdb": "duckdb", "spark": "spark", "hive": "hive", "clickhouse": "clickhouse",
            "mysql": "mysql", "postgres": "postgres"}

_session = None
_view_ids = itertools.count()


class UnsupportedDialect(ValueError):
    """The query uses a function the target dialect lacks (the message says which, in Chinese)."""


# --- translation (sqlglot only) -----------------------------------------------------------------

def literal(value) -> exp.Expression:
    """A typed SQL literal for a parameter value: NULL, boolean, number, text, timestamp or date."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return exp.null()
    if isinstance(value, (bool, np.bool_)):
        return exp.true() if value else exp.false()
    if isinstance(value, Integral):
        return exp.Literal.number(int(value))
    if isinstance(value, Real):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"参数值 {value!r} 不是有限的数，无法写进 SQL")
        return exp.Literal.number(repr(number))
    if isinstance(value, (pd.Timestamp, np.datetime64, _dt.datetime)):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:  # the kit's timestamps are naive: compare in the stored zone
            stamp = stamp.tz_localize(None)
        return exp.cast(exp.Literal.string(stamp.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP", dialect="duckdb"))
    if isinstance(value, _dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE", dialect="duckdb"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"参数值 {value!r} 的类型 {type(value).__name__} 无法写成 SQL 常量")


@lru_cache(maxsize=256)
def parse(text: str) -> exp.Expression:
    """The syntax tree of a query written in DuckDB's dialect (cached: never modify it; :func:`bind`
    returns a copy)."""
    return sqlglot.parse_one(text, read="duckdb")


def bind(tree: exp.Expression, params: dict, *, keep_missing: bool = False) -> exp.Expression:
    """A copy of ``tree`` with each ``$name`` replaced by the literal of ``params[name]``.

    With ``keep_missing`` a parameter not given stays a named placeholder (for printing);
    otherwise it is an error."""
    missing = []

    def replace(node):
        if isinstance(node, (exp.Parameter, exp.Placeholder)):
            name = node.name
            if name in params:
                return literal(params[name])
            if not keep_missing:
                missing.append(name)
        return node

    bound = tree.copy().transform(replace)
    if missing:
        raise TypeError(f"查询缺少参数：{', '.join(dict.fromkeys(missing))}")
    return bound


def translate(text: str | exp.Expression, params: dict | None = None, dialect: str = "spark", *,
              keep_missing: bool = False, pretty: bool = True, tables: dict[str, str] | None = None) -> str:
    """The DuckDB query ``text`` (or its parsed tree) written in ``dialect``, with ``params``
    inlined as literals.

    ``tables`` renames tables (query name -> name to read). Raises :class:`UnsupportedDialect`
    when sqlglot cannot express a function of the query in ``dialect``."""
    tree = bind(text if isinstance(text, exp.Expression) else parse(text), params or {}, keep_missing=keep_missing)
    if DIALECTS.get(dialect, dialect) == "spark":
        tree = portable(tree)
    if tables:
        for table in tree.find_all(exp.Table):
            if not table.args.get("db") and table.name in tables:
                table.replace(exp.to_table(tables[table.name]).as_(table.alias_or_name)
                              if not table.alias else exp.to_table(tables[table.name]).as_(table.alias))
    try:
        return tree.sql(dialect=DIALECTS.get(dialect, dialect), pretty=pretty,
                        unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as err:
        raise UnsupportedDialect(f"{dialect} 方言不支持这个查询用到的函数：{err}") from None


_TRUNCATED_UNITS = {"year", "quarter", "month", "week", "day", "hour", "minute", "second"}


def portable(tree: exp.Expression) -> exp.Expression:
    """DuckDB's meaning kept where Spark reads the same words differently.

    - ``date_diff(unit, a, b)`` counts unit *boundaries* crossed in DuckDB, but whole units elapsed
      in Spark (``TIMESTAMPDIFF``): both agree on values truncated to the unit, so the arguments
      are truncated first (DuckDB itself gives the same number either way). Hive, MySQL and
      PostgreSQL get sqlglot's own forms, which already count days between dates; ClickHouse's
      dateDiff counts boundaries as DuckDB does.
    - A decimal literal (``7.0``, or a float parameter) is DECIMAL in Spark, whose division rounds
      to six places; DuckDB divides as DOUBLE. Spark gets ``CAST(7.0 AS DOUBLE)``."""
    def rewrite(node):
        if isinstance(node, exp.DateDiff):
            unit = node.args.get("unit")
            name = (unit.name if isinstance(unit, (exp.Var, exp.Literal)) else "").lower()
            if name in _TRUNCATED_UNITS and not node.meta.get("opskit_truncated"):
                new = exp.DateDiff(this=exp.TimestampTrunc(this=node.this.copy(), unit=exp.var(name.upper())),
                                   expression=exp.TimestampTrunc(this=node.expression.copy(),
                                                                 unit=exp.var(name.upper())),
                                   unit=unit.copy())
                new.meta["opskit_truncated"] = True
                return new
        if (isinstance(node, exp.Literal) and not node.is_string
                and any(ch in node.this for ch in ".eE") and not isinstance(node.parent, exp.Cast)):
            return exp.cast(node.copy(), exp.DataType.build("DOUBLE"))
        return node

    return tree.transform(rewrite)


# --- running on a session -----------------------------------------------------------------------

def session(spark=None):
    """``spark`` if given, else the active SparkSession, else a local one started once.

    The local session uses two cores, two shuffle partitions (the results are small), UTC as the
    session time zone (the kit's timestamps are naive and must come back as they went in) and
    Arrow for moving frames; its logs are kept to errors."""
    global _session
    if spark is not None:
        return spark
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        from opskit.errors import OpskitError

        raise OpskitError("Spark 模式需要 PySpark，但没有安装。\n"
                          "  解决办法：pip install 'opskit[spark]'（还需要 Java 17），"
                          "或去掉 engine=\"spark\" / --engine spark 用默认的 DuckDB。") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if _session is None:
        import os

        os.environ.setdefault("PYSPARK_PYTHON", _python())
        _session = (SparkSession.builder.master("local[2]").appName("opskit")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.sql.session.timeZone", "UTC")
                    .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", "false")
                    .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
                    .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
                    .getOrCreate())
        _session.sparkContext.setLogLevel("ERROR")
    return _session


def _python() -> str:
    import sys

    return sys.executable


def is_spark_frame(table) -> bool:
    """True for a Spark DataFrame (classic or Spark Connect), without importing pyspark."""
    return type(table).__module__.startswith("pyspark.") and hasattr(table, "createOrReplaceTempView")


def read(spark, table):
    """A Spark DataFrame for ``table``: a Spark DataFrame as it is, a pandas frame uploaded, a
    Parquet/CSV file or folder read by Spark, or a warehouse table name (``db.table``)."""
    if is_spark_frame(table):
        return table
    if isinstance(table, pd.DataFrame):
        with _quiet():
            if table.empty:  # Spark cannot infer a schema from no rows: take it from the dtypes
                return spark.createDataFrame([], _empty_schema(table))
            return spark.createDataFrame(_for_spark(table))
    if isinstance(table, (str, PathLike)):
        path = Path(table)
        suffix = path.suffix.lower()
        if suffix in (".parquet", ".pq") or (path.is_dir() and any(path.glob("*.parquet"))):
            return spark.read.parquet(str(path))
        if suffix in (".csv", ".tsv", ".txt"):
            return spark.read.csv(str(path), header=True, inferSchema=True, sep="\t" if suffix == ".tsv" else ",")
        if path.exists():
            raise ValueError(f"表文件 {table!r} 不是 Parquet 或 CSV：Spark 模式请用 Parquet/CSV 文件或仓库表名")
        return spark.table(str(table))
    raise TypeError(f"无法把 {type(table).__name__} 当作 Spark 表：请给 Spark/pandas DataFrame、Parquet 路径或仓库表名")


@contextmanager
def _quiet():
    """PySpark 4.3 warns on every conversion that pandas 3 is "not fully supported"; the conversions
    the kit uses are checked against DuckDB in the tests, so the warning is noise here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        yield


def _empty_schema(frame: pd.DataFrame):
    """The Spark schema of an empty frame, from its dtypes (text columns as strings)."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema

    fields = []
    for col in frame.columns:
        dtype = frame[col].dtype
        if isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)) or pd.api.types.is_object_dtype(dtype):
            kind = pa.string()
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kind = pa.timestamp("us")
        else:
            kind = pa.from_numpy_dtype(dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype)
        fields.append(pa.field(str(col), kind))
    return from_arrow_schema(pa.schema(fields))


def _for_spark(frame: pd.DataFrame) -> pd.DataFrame:
    """pandas 3 text columns as plain objects (PySpark's Arrow path predates the ``str`` dtype)."""
    out = frame.copy(deep=False)
    for col in out.columns:
        dtype = out[col].dtype
        if isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif isinstance(dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object)
    return out


def run(text: str, params: dict | None = None, *, spark=None, **tables) -> pd.DataFrame:
    """Run DuckDB-dialect ``text`` on Spark with ``tables``; return a small, normalised pandas frame."""
    spark = session(spark)
    views = {}
    try:
        for name, table in tables.items():
            view = f"opskit_{name}_{next(_view_ids)}"
            read(spark, table).createOrReplaceTempView(view)
            views[name] = view
        statement = translate(text, params or {}, "spark", pretty=False, tables=views)
        with _quiet():
            result = spark.sql(statement).toPandas()
        return normalise(result, _duckdb_dtypes(text, params or {}, {n: spark.table(v) for n, v in views.items()}))
    finally:
        for view in views.values():
            spark.catalog.dropTempView(view)


_PANDAS_TYPES = {"string": "str", "bigint": "int64", "int": "int32", "smallint": "int16", "tinyint": "int8",
                 "double": "float64", "float": "float32", "boolean": "bool", "timestamp": "datetime64[us]",
                 "timestamp_ntz": "datetime64[us]", "date": "datetime64[us]"}


def _duckdb_dtypes(text: str, params: dict, frames: dict) -> dict:
    """The dtypes DuckDB gives the result: the same query run by DuckDB on empty tables of the
    same column types (SQL types decide the dtypes, not the rows; e.g. DuckDB sums integers
    into HUGEINT, which arrives as float64)."""
    from opskit.data.engine import query

    empty = {name: pd.DataFrame({col: pd.Series([], dtype=_PANDAS_TYPES.get(kind, "float64"))
                                 for col, kind in frame.dtypes})
             for name, frame in frames.items()}
    try:
        return dict(query(text, params, **empty).dtypes)
    except Exception:  # a type DuckDB cannot take empty: keep Spark's own normalisation
        return {}


def normalise(frame: pd.DataFrame, dtypes: dict | None = None) -> pd.DataFrame:
    """Spark's result in the dtypes DuckDB gives (``dtypes``, column -> dtype), else in the
    canonical ones: int64/float64, datetime64[us], bool, str.

    An integer column with NULLs becomes nullable Int64; decimals become float64; dates
    datetime64[us]."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        target = (dtypes or {}).get(col)
        if target is not None:
            cast = _to_dtype(s, target)
            if cast is not None:
                out[col] = cast
                continue
        kind = s.dtype.kind
        if kind in "iu":
            s = s.astype("int64")
        elif kind == "f":
            s = s.astype("float64")
        elif kind == "M":
            s = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
            s = s.astype("datetime64[us]")
        elif isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and not isinstance(s.dtype, pd.StringDtype):
            s = s.astype("float64") if pd.api.types.is_numeric_dtype(s.dtype) else s
        elif kind == "O":
            s = _object_column(s)
        out[col] = s
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _object_column(s: pd.Series) -> pd.Series:
    values = s.dropna()
    if values.empty:
        return s
    first = values.iloc[0]
    from decimal import Decimal

    if isinstance(first, Decimal):
        return s.astype("float64")
    if isinstance(first, (_dt.datetime, _dt.date)):
        return pd.to_datetime(s).astype("datetime64[us]")
    if isinstance(first, (bool, np.bool_)):
        return s if s.isna().any() else s.astype(bool)
    if isinstance(first, str):
        return s.astype("str")
    return s


def _to_dtype(s: pd.Series, target):
    """``s`` as ``target`` when the conversion keeps every value, else ``None``."""
    from decimal import Decimal

    try:
        if s.dtype == object and s.map(lambda v: isinstance(v, Decimal)).any():
            s = s.astype("float64")
        kind = getattr(target, "kind", "O")
        if kind in "iu" or isinstance(target, pd.Int64Dtype):
            if s.isna().any():
                return s.astype("Int64")
            return s.astype(target if kind in "iu" else "int64")
        if kind == "f":
            return s.astype(target)
        if kind == "M":
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_localize(None)
            return pd.to_datetime(s).astype(target)
        if kind == "b":
            return None if s.isna().any() else s.astype(bool)
        if isinstance(target, pd.StringDtype):
            return s.astype(target)
    except (TypeError, ValueError):
        return None
    return None
