"""Tables where they live: a company's tables as Spark DataFrames, never loaded into memory.

``opskit run CH --engine spark`` opens the data this way. Each canonical table comes from the
column map's ``table:`` (a warehouse table such as ``dw.orders``) or from its file in the data
folder (Parquet, or CSV read as text and cast to the table contract, so ids such as ``00123``
stay text). Columns are renamed to the canonical names (``columns:`` of the map) and only the
contract's columns are kept. The frames are lazy: Spark reads them when a named query runs.

>>> data = SparkDataset("exports/", "map.yaml")
>>> rfm_table(data["orders"], as_of="2026-01-01")       # runs the named query on Spark
"""

from __future__ import annotations

from pathlib import Path

from opskit.data import schema
from opskit.data.spark import session

#: The note a section shows when it needs its raw tables in memory (Spark mode runs only the
#: sections whose raw-table work goes through the named queries).
SKIP_NOTE = "此小节需要把原始表读入内存，Spark 模式下跳过"

_SPARK_TYPES = {"id": "string", "str": "string", "int": "bigint", "float": "double",
                "datetime": "timestamp_ntz", "date": "date", "bool": "boolean"}


class SparkDataset:
    """Canonical tables as Spark DataFrames (same ``has``/``missing``/``[]`` as :class:`Dataset`)."""

    engine = "spark"

    def __init__(self, data_dir=None, column_map=None, spark=None):
        from opskit.data.colmap import load_column_map

        self.data_dir = Path(data_dir) if data_dir else None
        self._colmap = load_column_map(column_map) if column_map else None
        self._spark = spark
        self._cache: dict[str, object] = {}
        self.dropped: dict[str, dict[str, int]] = {}

    @property
    def spark(self):
        self._spark = session(self._spark)
        return self._spark

    @property
    def is_demo(self) -> bool:
        return False

    @property
    def source(self) -> str:
        return f"{self.data_dir or '数仓'}（Spark）"

    def _block(self, table: str):
        return self._colmap.get(table) if self._colmap is not None else None

    def path(self, table: str) -> Path | None:
        """The file of ``table`` in the data folder (the map's ``file:`` or ``<table>.parquet``/``.csv``)."""
        if self.data_dir is None:
            return None
        from opskit.data.readers import locate

        return locate(self.data_dir, table, self._colmap)

    def has(self, *tables: str) -> bool:
        return not self.missing(*tables)

    def missing(self, *tables: str) -> list[str]:
        return [t for t in tables if t not in self._cache and not self._located(t)]

    def _located(self, table: str) -> bool:
        block = self._block(table)
        return bool(block is not None and block.table) or self.path(table) is not None

    def available(self) -> list[str]:
        return [t for t in schema.TABLES if self.has(t)]

    def __getitem__(self, table: str):
        if table not in schema.TABLES:
            raise KeyError(f"未知的表 {table!r}；标准表有：{', '.join(schema.TABLES)}")
        if table not in self._cache:
            self._cache[table] = self._read(table)
        return self._cache[table]

    def _read(self, table: str):
        from opskit.errors import DataError

        block = self._block(table)
        contract = schema.TABLES[table]
        if block is not None and block.table:
            frame = self.spark.table(block.table)
        else:
            path = self.path(table)
            if path is None:
                raise DataError(f"缺少表 {table}（{contract.label}）", file=self.data_dir,
                                fix=f"放入 {table}.parquet，或在列映射文件中用 table: 指明数仓表名")
            suffix = path.suffix.lower()
            if suffix in (".parquet", ".pq"):
                frame = self.spark.read.parquet(str(path))
            elif suffix == ".csv":
                frame = self.spark.read.csv(str(path), header=True, inferSchema=False, encoding="UTF-8")
            else:
                raise DataError(f"Spark 模式读不了 {path.suffix} 文件", file=path,
                                fix="把表导出为 Parquet（推荐）或 UTF-8 CSV，或在列映射中用 table: 指明数仓表名")
        return _canonical(frame, contract, dict(block.columns) if block is not None else {}, table)


def _canonical(frame, contract: schema.Table, columns: dict[str, str], table: str):
    """Contract columns under canonical names; CSV text cast to the contract's types."""
    from pyspark.sql import functions as F

    from opskit.errors import DataError

    present = set(frame.columns)
    selected = []
    for col in contract.columns:
        source = columns.get(col.name, col.name)
        if source not in present:
            if col.required:
                raise DataError(f"表 {table} 缺少列 {col.name}（{col.label}）",
                                fix=f"在列映射文件的 {table}: columns: 下写「{col.name}: 表中的列名」")
            continue
        value = F.col(f"`{source}`")
        if dict(frame.dtypes)[source] == "string" and col.dtype not in ("id", "str"):
            value = value.cast(_SPARK_TYPES[col.dtype])
        elif col.dtype in ("id", "str"):
            value = value.cast("string")
        selected.append(value.alias(col.name))
    return frame.select(*selected)
