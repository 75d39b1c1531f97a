"""Frames of the simulated company: schema dtypes, fast string columns, CSV writing and reading.

The generator keeps times as integer seconds since ``cfg.start``, categories as integer codes and
ids as integers (user position + 1); the helpers here turn them into the canonical frames of
:mod:`opskit.data.schema`, with the same dtypes whether a table comes from :func:`opskit.sim.simulate`
or from the bundled CSV files. Ids become text (``id_text``): the demo ids look numeric, but every
method sees them as opaque strings, as it will see a company's ``C00001``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from opskit.data import schema
from opskit.sim.config import WorldConfig

DATETIME_DTYPE = "datetime64[us]"
STRING_DTYPE = schema.ID_DTYPE  # pandas' default "str" dtype
DAY_S = 86_400
WEEK_S = 7 * DAY_S

_NUMERIC_DTYPES = {"int": "int64", "float": "float64", "bool": "bool"}


def labels(codes: np.ndarray, names, mask: np.ndarray | None = None) -> pd.Series:
    """A string column from integer ``codes`` into ``names`` (missing where ``mask`` is True).

    Built with a pyarrow ``take`` so that tens of millions of rows cost well under a second.
    """
    dictionary = pa.array(list(names), type=pa.large_string())  # pandas' own storage type
    indices = pa.array(np.asarray(codes, dtype=np.int32), mask=mask)
    return pd.Series(dictionary.take(indices), dtype=STRING_DTYPE)


def nullable_ints(values: np.ndarray, valid: np.ndarray) -> pd.Series:
    """An ``Int64`` column that is missing where ``valid`` is False."""
    return pd.Series(pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64),
                                            ~np.asarray(valid, dtype=bool)))


def id_text(values) -> pd.Series:
    """Integer ids (``Int64`` with missing values allowed) as their decimal text, vectorised."""
    series = pd.Series(values)
    if series.dtype == STRING_DTYPE:
        return series
    array = pa.array(series.astype("Int64"), from_pandas=True)
    return pd.Series(pc.cast(array, pa.large_string()), dtype=STRING_DTYPE, index=series.index)


def timestamps(cfg: WorldConfig, seconds: np.ndarray) -> np.ndarray:
    """Integer seconds since ``cfg.start`` as ``datetime64[us]`` values."""
    base = np.datetime64(cfg.start, "s")
    return (base + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")).astype(DATETIME_DTYPE)


def days(cfg: WorldConfig, day_index: np.ndarray) -> np.ndarray:
    """Integer day index since ``cfg.start`` as midnight ``datetime64[us]`` values."""
    return timestamps(cfg, np.asarray(day_index, dtype=np.int64) * DAY_S)


def conform(frame: pd.DataFrame | dict, table: str) -> pd.DataFrame:
    """Cast ``frame`` to the dtypes of the canonical ``table``, in contract column order.

    id -> text (pandas' default string dtype), int -> int64 (nullable: Int64), float -> float64,
    str -> pandas' default string dtype, datetime/date -> datetime64[us], bool -> bool. Missing or
    extra columns are an error.
    """
    # Every column is cast on the same fresh row index, so no cast can realign rows.
    frame = pd.DataFrame(frame, copy=False).reset_index(drop=True)
    contract = schema.get(table)
    extra = set(frame.columns) - set(contract.names)
    missing = set(contract.names) - set(frame.columns)
    if extra or missing:
        raise ValueError(f"{table}: extra columns {sorted(extra)}, missing columns {sorted(missing)}")
    out = {col.name: _cast(frame[col.name], col) for col in contract.columns}
    # copy=False keeps one block per column: no consolidation copy of tens of millions of rows.
    return pd.DataFrame(out, copy=False)


def _cast(values: pd.Series, col: schema.Column) -> pd.Series:
    if col.dtype == "id":
        return id_text(values)
    if col.dtype == "int":
        return values.astype("Int64" if col.nullable else "int64")
    if col.dtype in ("datetime", "date"):
        if values.dtype == DATETIME_DTYPE:
            return values
        return pd.to_datetime(values, format="ISO8601").astype(DATETIME_DTYPE)
    if col.dtype == "str":
        return values if values.dtype == STRING_DTYPE else values.astype(STRING_DTYPE)
    return values.astype(_NUMERIC_DTYPES[col.dtype])


def write_world(world: dict[str, pd.DataFrame], directory: str | Path) -> list[Path]:
    """Write each table as UTF-8 CSV ``<table>.csv`` in ``directory``; return the paths.

    The bytes depend only on the frames: fixed line ending, no index, shortest float repr,
    timestamps as ``YYYY-MM-DD HH:MM:SS`` (dates as ``YYYY-MM-DD``).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in sorted(world):
        path = directory / f"{name}.csv"
        world[name].to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths


def read_table(path: str | Path, table: str) -> pd.DataFrame:
    """Read one canonical table written by :func:`write_world`, with the schema dtypes."""
    contract = schema.get(table)
    dtypes = {}
    for col in contract.columns:
        if col.dtype == "int":
            dtypes[col.name] = "Int64" if col.nullable else "int64"
        elif col.dtype in ("float", "bool"):
            dtypes[col.name] = _NUMERIC_DTYPES[col.dtype]
        elif col.dtype in ("str", "id"):
            dtypes[col.name] = STRING_DTYPE
        else:
            dtypes[col.name] = STRING_DTYPE  # parsed below with an explicit ISO format
    frame = pd.read_csv(path, dtype=dtypes, encoding="utf-8", keep_default_na=False,
                        na_values={c.name: [""] for c in contract.columns})
    return conform(frame, table)
