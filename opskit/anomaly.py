"""Anomaly detection on a daily metric: weekly-seasonal baseline plus a robust z-score.

For each day t the baseline is the median of the same weekday over the previous ``weeks``
weeks (y[t−7], y[t−14], …), so it follows both the weekly pattern and the trend and uses only
the past (it can run every morning). The residual r = y − baseline is scaled by a robust
spread: 1.4826 × the median |r| over the previous ``window`` days (the residuals of a median
baseline are centred on zero, so this is the MAD). Days with |z| > ``threshold`` are flagged.
Source and oracle: ``docs/methods.md#anomaly``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.data import engine

MAD_SCALE = 1.4826  # makes the MAD a consistent estimate of σ for normal data


def robust_zscores(series: pd.Series, season_days: int = 7, weeks: int = 4, window: int = 28) -> pd.DataFrame:
    """Columns ``value``, ``baseline``, ``residual``, ``scale``, ``z`` (NaN until enough history).

    ``series`` must be a daily series without gaps (fill missing days with 0 first).
    """
    y = series.astype(float)
    lags = pd.concat([y.shift(season_days * k) for k in range(1, weeks + 1)], axis=1)
    baseline = lags.median(axis=1, skipna=False)
    residual = y - baseline
    scale = MAD_SCALE * residual.abs().rolling(window, min_periods=window // 2).median().shift(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = residual / scale.where(scale > 0)
    return pd.DataFrame({"value": y, "baseline": baseline, "residual": residual, "scale": scale, "z": z})


def detect_anomalies(series: pd.Series, threshold: float = 3.5, **kwargs) -> pd.DataFrame:
    """:func:`robust_zscores` plus ``is_anomaly`` (|z| > threshold) and ``direction`` (+1 / −1 / 0)."""
    out = robust_zscores(series, **kwargs)
    out["is_anomaly"] = out["z"].abs() > threshold
    out["direction"] = np.sign(out["z"]).where(out["is_anomaly"], 0).fillna(0).astype(int)
    return out


def daily_series(frame: pd.DataFrame, time_col: str, value_col: str | None = None) -> pd.Series:
    """A gap-free daily series: the sum of ``value_col`` (or the row count) per calendar day (named
    query ``daily_sales``, the kit's one definition of daily orders and GMV)."""
    if value_col:
        rows = engine.renamed(frame, order_time=time_col, amount=value_col)
    else:  # rows only: the query's amount column is not used
        rows = pd.DataFrame({"order_time": frame[time_col], "amount": np.zeros(len(frame))}, copy=False)
    daily = engine.run("daily_sales", orders=rows)
    if daily.empty:
        return pd.Series([], dtype=float, index=pd.DatetimeIndex([], name="date"), name=value_col)
    s = pd.Series((daily["gmv"] if value_col else daily["orders"]).to_numpy(),
                  index=pd.DatetimeIndex(daily["date"]), name=value_col)
    full = pd.date_range(s.index.min(), s.index.max(), freq="D")
    return s.reindex(full, fill_value=0).astype(float).rename_axis("date")
