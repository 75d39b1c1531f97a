"""Ordered conversion funnels from an event log (``docs/methods.md#funnel``)."""

from __future__ import annotations

import pandas as pd


def reach_times(events: pd.DataFrame, steps: list[str], within: pd.Timedelta | str | None = None,
                step_col: str = "event_type", time_col: str = "event_time") -> pd.DataFrame:
    """When each user reached each step of an ordered funnel.

    A user reaches step 1 at their first ``steps[0]`` event, and step k at their first ``steps[k]``
    event at or after the time they reached step k−1. With ``within``, every step must happen
    within that time of reaching step 1 (the conversion window). Returns one row per user who
    reached step 1 and one datetime column per step (NaT where not reached).
    """
    window = pd.Timedelta(within) if within is not None else None
    first = (events.loc[events[step_col] == steps[0], ["user_id", time_col]]
             .groupby("user_id")[time_col].min())
    reached = {steps[0]: first}
    previous = first
    for step in steps[1:]:
        hits = events.loc[events[step_col] == step, ["user_id", time_col]]
        hits = hits.join(previous.rename("previous"), on="user_id", how="inner")
        keep = hits[time_col] >= hits["previous"]
        if window is not None:
            keep &= hits[time_col] <= hits["user_id"].map(first) + window
        previous = hits.loc[keep].groupby("user_id")[time_col].min()
        reached[step] = previous
    return pd.DataFrame(reached).reindex(first.index)


def funnel_table(events: pd.DataFrame, steps: list[str], within=None, **kwargs) -> pd.DataFrame:
    """Users reaching each step, with step-to-step and overall conversion rates."""
    times = reach_times(events, steps, within, **kwargs)
    users = times.notna().sum().astype("int64")
    table = pd.DataFrame({"users": users})
    table["step_rate"] = table["users"] / table["users"].shift(1)
    table["overall_rate"] = table["users"] / table["users"].iloc[0]
    table.index.name = "step"
    return table
