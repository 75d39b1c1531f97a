"""The one vocabulary for calendar periods: ``"day"``, ``"week"``, ``"month"``, ``"quarter"``, ``"year"``.

Weeks start on Monday; a period is labelled by its first day. The names are also SQL ``date_trunc``
units, so a method passes ``period`` straight to its named query; the helpers here do the same on
small pandas results.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["PERIODS", "check_period", "period_start", "period_end", "period_range"]

PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")

_TO_PERIOD = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}
_RANGE = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}


def check_period(period: str) -> str:
    """``period`` if it is one of :data:`PERIODS`, else a ValueError listing them."""
    if period not in PERIODS:
        raise ValueError(f"period 应为 {' / '.join(PERIODS)} 之一，收到 {period!r}"
                         f"（period must be one of {', '.join(PERIODS)}）")
    return period


def period_start(times: pd.Series, period: str = "month") -> pd.Series:
    """The first day of the period each timestamp falls in (weeks start on Monday)."""
    return times.dt.to_period(_TO_PERIOD[check_period(period)]).dt.start_time


def period_end(times: pd.Series, period: str = "month") -> pd.Series:
    """The last instant of the period each timestamp falls in."""
    return times.dt.to_period(_TO_PERIOD[check_period(period)]).dt.end_time


def period_range(first, last, period: str = "month") -> pd.DatetimeIndex:
    """Every period start from the period of ``first`` to the period of ``last``, inclusive."""
    check_period(period)
    start = period_start(pd.Series([pd.Timestamp(first)]), period).iloc[0]
    return pd.date_range(start, pd.Timestamp(last), freq=_RANGE[period])
