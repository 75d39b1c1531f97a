"""The tables a chapter works on: the bundled demo company, or a company's own files.

Notebooks never read files themselves. They open a :class:`Dataset` from their parameters cell
and ask it for tables; a section whose tables are missing is skipped with a visible note
(see :func:`opskit.course.notebook.needs`), so a rerun on partial company data still completes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from opskit.data import schema

#: Set by ``opskit run`` for the kernel: folder with the tables it has already validated, as
#: Parquet, plus ``manifest.json`` naming the data folder, map and options they were read with.
TABLE_CACHE_ENV = "OPSKIT_TABLE_CACHE"


class Dataset:
    """Lazy, cached access to canonical tables.

    Parameters
    ----------
    data_dir : folder with the company's files; ``None`` or ``""`` means the bundled demo data.
    column_map : YAML column map (see :mod:`opskit.data.colmap`); ``None`` or ``""`` for none.
    drop_invalid : drop invalid rows instead of stopping (the dropped counts are kept in
        ``self.dropped`` so reports can state them).
    """

    def __init__(self, data_dir: str | Path | None = None, column_map: str | Path | None = None,
                 drop_invalid: bool = False):
        self.data_dir = Path(data_dir) if data_dir else None
        self.drop_invalid = drop_invalid
        self._map_file = str(Path(column_map).resolve()) if column_map else ""
        self._colmap = None
        if column_map:
            from opskit.data.colmap import load_column_map

            self._colmap = load_column_map(column_map)
        self._cache: dict[str, pd.DataFrame] = {}
        self.dropped: dict[str, dict[str, int]] = {}

    @property
    def is_demo(self) -> bool:
        return self.data_dir is None

    @property
    def source(self) -> str:
        """Human-readable description of where the data comes from."""
        return "内置模拟公司「鲜选」数据" if self.is_demo else str(self.data_dir)

    def path(self, table: str) -> Path | None:
        """The file that holds ``table``, or ``None`` if it is absent."""
        if self.is_demo:
            from opskit.sim import DEMO_DIR

            path = Path(DEMO_DIR) / f"{table}.csv"
            return path if path.exists() else None
        from opskit.data.readers import locate

        return locate(self.data_dir, table, self._colmap)

    def has(self, *tables: str) -> bool:
        """True when every named table is available."""
        return not self.missing(*tables)

    def missing(self, *tables: str) -> list[str]:
        """The named tables that are not available."""
        return [t for t in tables if t not in self._cache and self.path(t) is None]

    def available(self) -> list[str]:
        """Every canonical table that is available, in contract order."""
        return [t for t in schema.TABLES if self.has(t)]

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in schema.TABLES:
            raise KeyError(f"未知的表 {table!r}；标准表有：{', '.join(schema.TABLES)}")
        if table not in self._cache:
            self._cache[table] = self._read(table)
        return self._cache[table]

    def _read(self, table: str) -> pd.DataFrame:
        frame = self._cached(table)
        if frame is None:
            frame = self._read_source(table)
        elif frame.attrs.get("pseudonymized"):  # opskit run wrote the cache already pseudonymised
            return frame
        key = os.environ.get("OPSKIT_PSEUDONYM_KEY")
        if key and not self.is_demo:
            from opskit.course.report import pseudonymize

            frame = pseudonymize(frame, key)
        return frame

    def _cached(self, table: str) -> pd.DataFrame | None:
        """The table as validated by ``opskit run`` in this run, if it was cached for the same inputs."""
        folder = os.environ.get(TABLE_CACHE_ENV)
        if not folder or self.is_demo:
            return None
        folder = Path(folder)
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if manifest.get("inputs") != self.cache_key or table not in manifest.get("tables", {}):
            return None
        if manifest["tables"][table]:
            self.dropped[table] = dict(manifest["tables"][table])
        frame = pd.read_parquet(folder / f"{table}.parquet")
        frame.attrs["synthetic"] = list(manifest.get("synthetic", {}).get(table, []))
        frame.attrs["pseudonymized"] = bool(manifest.get("pseudonymized"))
        return frame

    @property
    def cache_key(self) -> list:
        """What a cached table must have been read with to stand for this dataset's table."""
        return [str(Path(self.data_dir).resolve()), self._map_file, bool(self.drop_invalid)]

    def _read_source(self, table: str) -> pd.DataFrame:
        if self.is_demo:
            from opskit.sim import load_demo

            return load_demo(table)
        from opskit.data.readers import read_table
        from opskit.errors import DataError

        path = self.path(table)
        if path is None:
            raise DataError(
                f"缺少表 {table}（{schema.TABLES[table].label}）",
                file=self.data_dir,
                fix=f"在数据文件夹中放入 {table}.csv / {table}.xlsx / {table}.parquet，"
                    "或在列映射文件中用 file: 指明文件名",
            )
        mapping = self._colmap.tables.get(table) if self._colmap else None
        frame = read_table(path, table, mapping, drop_invalid=self.drop_invalid)
        if frame.attrs.get("dropped"):
            self.dropped[table] = dict(frame.attrs["dropped"])
        return frame


def open_dataset(data_dir: str | Path | None = None, column_map: str | Path | None = None,
                 drop_invalid: bool = False) -> Dataset:
    """Open the tables of the demo company (default) or of a company's own export."""
    return Dataset(data_dir, column_map, drop_invalid)
