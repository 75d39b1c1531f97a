"""Small helpers shared by the peripheral parts of the simulated company.

The peripheral modules (loyalty, community, campaigns, homepage, KOL, survey, business lines)
all read the core ``users``/``orders`` tables and emit canonical tables; these helpers keep the
look-ups vectorised and the output dtypes identical to :mod:`opskit.data.schema`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.data import schema
from opskit.sim import tables
from opskit.sim.tables import labels  # noqa: F401  (re-exported for the peripheral parts)

DATETIME_DTYPE = "datetime64[us]"
DAY = np.timedelta64(1, "D")


def user_positions(user_ids, query) -> np.ndarray:
    """Row position in ``user_ids`` of each id in ``query`` (-1 when absent).

    Ids are opaque text, so this is a hash look-up; it never assumes they are numbers or sorted.
    """
    return pd.Index(pd.Series(user_ids, dtype=tables.STRING_DTYPE)).get_indexer(
        pd.Series(query, dtype=tables.STRING_DTYPE))


def per_user_sum(positions: np.ndarray, values: np.ndarray | None, n_users: int) -> np.ndarray:
    """Sum (or count, when ``values`` is None) per user position, ignoring position -1."""
    keep = positions >= 0
    weights = None if values is None else np.asarray(values, dtype=float)[keep]
    return np.bincount(positions[keep], weights=weights, minlength=n_users)


def to_datetime(values) -> np.ndarray:
    """Timestamps as ``datetime64[us]`` truncated to whole seconds."""
    return np.asarray(values).astype("datetime64[s]").astype(DATETIME_DTYPE)


def to_date(values) -> np.ndarray:
    """Calendar days as ``datetime64[us]`` at midnight."""
    return np.asarray(values).astype("datetime64[D]").astype(DATETIME_DTYPE)


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Cast ``frame`` to the canonical ``table`` (see :func:`opskit.sim.tables.conform`),
    first truncating its timestamps to whole seconds and its dates to midnight."""
    contract = schema.get(table)
    frame = frame.copy()
    for col in contract.columns:
        if col.dtype == "datetime":
            frame[col.name] = to_datetime(frame[col.name].to_numpy())
        elif col.dtype == "date":
            frame[col.name] = to_date(frame[col.name].to_numpy())
    return tables.conform(frame, table)
