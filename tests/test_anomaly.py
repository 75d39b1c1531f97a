"""Anomaly detection on synthetic daily data with injected spikes and dips."""

import numpy as np
import pandas as pd

from opskit.anomaly import daily_series, detect_anomalies, robust_zscores


def _synthetic(seed=0, days=365):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2025-01-01", periods=days, freq="D")
    trend = np.linspace(1000, 3000, days)
    weekly = np.where(idx.day_of_week >= 5, 1.3, 1.0)
    return pd.Series(trend * weekly * rng.lognormal(0, 0.05, days), index=idx)


def test_injected_anomalies_are_found_and_few_false_alarms():
    y = _synthetic()
    spikes, dips = [60, 150, 290], [100, 220]
    y.iloc[spikes] *= 1.8
    y.iloc[dips] *= 0.4
    out = detect_anomalies(y)
    flagged = set(np.flatnonzero(out["is_anomaly"]))
    assert set(spikes) | set(dips) <= flagged
    assert len(flagged - set(spikes) - set(dips)) <= 3
    assert (out["direction"].iloc[spikes] == 1).all() and (out["direction"].iloc[dips] == -1).all()


def test_clean_series_weekend_pattern_is_not_an_anomaly():
    out = detect_anomalies(_synthetic(seed=1))
    assert out["is_anomaly"].mean() < 0.01
    assert out["z"].iloc[:28].isna().all()  # no verdict without four weeks of history


def test_baseline_is_same_weekday_median():
    y = pd.Series(np.arange(60, dtype=float), index=pd.date_range("2025-01-01", periods=60))
    out = robust_zscores(y)
    assert out["baseline"].iloc[40] == np.median([33, 26, 19, 12])


def test_daily_series_fills_gaps():
    f = pd.DataFrame({"t": pd.to_datetime(["2025-01-01 10:00", "2025-01-03 09:00", "2025-01-03 12:00"]),
                      "amount": [1.0, 2.0, 3.0]})
    s = daily_series(f, "t", "amount")
    assert list(s) == [1.0, 0.0, 5.0]
    assert list(daily_series(f, "t")) == [1.0, 0.0, 2.0]
