"""Small helpers shared by the peripheral parts of the simulated company.

The peripheral modules (loyalty, community, campaigns, homepage, KOL, survey, business lines)
all read the core ``users``/``orders`` tables and emit canonical tables; these helpers keep the
look-ups vectorised and the output dtypes identical to :mod:`opskit.schema`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from opskit import schema

DATETIME_DTYPE = "datetime64[us]"
DAY = np.timedelta64(1, "D")


def user_positions(user_ids: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Row position in ``user_ids`` of each id in ``query`` (-1 when absent).

    Fast path for the usual contiguous, sorted ids (an offset); otherwise a hash look-up.
    """
    user_ids = np.asarray(user_ids)
    query = np.asarray(query)
    n = len(user_ids)
    if n and user_ids[0] + n - 1 == user_ids[-1] and bool(np.all(np.diff(user_ids) == 1)):
        pos = query - user_ids[0]
        return np.where((pos >= 0) & (pos < n), pos, -1)
    return pd.Index(user_ids).get_indexer(query)


def per_user_sum(positions: np.ndarray, values: np.ndarray | None, n_users: int) -> np.ndarray:
    """Sum (or count, when ``values`` is None) per user position, ignoring position -1."""
    keep = positions >= 0
    weights = None if values is None else np.asarray(values, dtype=float)[keep]
    return np.bincount(positions[keep], weights=weights, minlength=n_users)


def labels(codes: np.ndarray, names) -> pd.Series:
    """A string column from integer ``codes`` into ``names``.

    A pyarrow ``take`` costs a fraction of building millions of Python strings.
    """
    dictionary = pa.array(list(names), type=pa.string())
    return pd.Series(dictionary.take(pa.array(np.asarray(codes, dtype=np.int32))),
                     dtype=pd.StringDtype(na_value=np.nan))


def to_datetime(values) -> np.ndarray:
    """Timestamps as ``datetime64[us]`` truncated to whole seconds."""
    return np.asarray(values).astype("datetime64[s]").astype(DATETIME_DTYPE)


def to_date(values) -> np.ndarray:
    """Calendar days as ``datetime64[us]`` at midnight."""
    return np.asarray(values).astype("datetime64[D]").astype(DATETIME_DTYPE)


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Cast ``frame`` to the dtypes of the canonical ``table`` and order its columns.

    Columns not in the contract are an error (they would silently leak into the demo data).
    """
    contract = schema.get(table)
    extra = set(frame.columns) - set(contract.names)
    if extra:
        raise ValueError(f"{table}: columns not in the contract: {sorted(extra)}")
    out = {}
    for col in contract.columns:
        if col.name not in frame:
            continue
        values = frame[col.name]
        if col.dtype == "int":
            out[col.name] = values.astype("Int64" if col.nullable else "int64")
        elif col.dtype == "float":
            out[col.name] = values.astype("float64")
        elif col.dtype == "str":
            out[col.name] = values if values.dtype == "str" else values.astype("str")
        elif col.dtype == "datetime":
            out[col.name] = pd.Series(to_datetime(values.to_numpy()), index=frame.index)
        elif col.dtype == "date":
            out[col.name] = pd.Series(to_date(values.to_numpy()), index=frame.index)
        else:
            out[col.name] = values.astype("bool")
    return pd.DataFrame(out).reset_index(drop=True)
