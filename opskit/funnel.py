"""Ordered conversion funnels from an event log (``docs/methods.md#funnel``).

The per-user reach times are the named query ``funnel_reach`` (up to :data:`MAX_STEPS` steps); the
rates are computed on its small result.
"""

from __future__ import annotations

import pandas as pd

from opskit.data import engine

__all__ = ["MAX_STEPS", "reach_times", "funnel_table"]

#: The most steps one funnel can have (the named query ``funnel_reach`` has this many slots).
MAX_STEPS = 8


def _reach(events: engine.TableLike, steps: list[str], within, step_col: str, time_col: str,
           windows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Reach times per user, unsorted (user_id as a column). ``windows`` (user_id, start_time,
    end_time): count only each user's events in [start_time, end_time)."""
    steps = [str(s) for s in steps]
    if not 1 <= len(steps) <= MAX_STEPS:
        raise ValueError(f"漏斗需要 1–{MAX_STEPS} 个步骤，收到 {len(steps)} 个（a funnel has 1 to {MAX_STEPS} steps）")
    window = pd.Timedelta(within) if within is not None else None
    if isinstance(events, pd.DataFrame):
        events = events[["user_id", time_col, step_col]].rename(
            columns={time_col: "event_time", step_col: "event_type"})
    elif (step_col, time_col) != ("event_type", "event_time"):
        raise ValueError("从文件读取事件时列名须为 event_type 和 event_time（或先映射列名）")
    params = {f"step{k + 1}": (steps[k] if k < len(steps) else None) for k in range(MAX_STEPS)}
    params["steps"] = len(steps)
    params["within_us"] = None if window is None else int(window / pd.Timedelta(microseconds=1))
    params["windowed"] = int(windows is not None)
    if windows is None:  # an empty table whose ids have the events' type
        ids = events["user_id"].iloc[:0] if isinstance(events, pd.DataFrame) else pd.Series([], dtype="str")
        windows = pd.DataFrame({"user_id": ids.to_numpy(), "start_time": pd.Series([], dtype="datetime64[us]"),
                                "end_time": pd.Series([], dtype="datetime64[us]")})
    table = engine.run("funnel_reach", params, events=events, windows=windows)
    table.columns = ["user_id"] + [f"t{k + 1}" for k in range(MAX_STEPS)]
    return table


def reach_times(events: pd.DataFrame, steps: list[str], within: pd.Timedelta | str | None = None,
                step_col: str = "event_type", time_col: str = "event_time") -> pd.DataFrame:
    """When each user reached each step of an ordered funnel.

    A user reaches step 1 at their first ``steps[0]`` event, and step k at their first ``steps[k]``
    event at or after the time they reached step k−1. With ``within``, every step must happen
    within that time of reaching step 1 (the conversion window). Returns one row per user who
    reached step 1 (indexed by ``user_id``, sorted) and one datetime column per step (NaT where not
    reached). ``events`` may also be the path of a Parquet/CSV file (scanned in place).
    """
    table = _reach(events, steps, within, step_col, time_col)
    out = table.set_index("user_id").iloc[:, : len(steps)]
    out.columns = list(steps)
    return out.sort_index()


def funnel_table(events: pd.DataFrame, steps: list[str], within=None, **kwargs) -> pd.DataFrame:
    """Users reaching each step, with step-to-step and overall conversion rates."""
    table = _reach(events, steps, within, kwargs.get("step_col", "event_type"), kwargs.get("time_col", "event_time"))
    return _funnel_counts(table, steps)


def _funnel_counts(table: pd.DataFrame, steps: list[str]) -> pd.DataFrame:
    """Users per step and the conversion rates, from the reach times of :func:`_reach`."""
    users = table.iloc[:, 1: len(steps) + 1].notna().sum().to_numpy().astype("int64")
    table = pd.DataFrame({"users": users}, index=pd.Index(list(steps), name="step"))
    table["step_rate"] = table["users"] / table["users"].shift(1)
    table["overall_rate"] = table["users"] / table["users"].iloc[0]
    return table
