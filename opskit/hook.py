"""What of the Hook model (Eyal 2014) can be measured in event data (``docs/methods.md#hook``).

- **Trigger**: share of sessions started by an external trigger (a push opened shortly before)
  versus self-initiated sessions (a proxy of internal triggers); the two shares sum to 1.
- **Action**: trigger → action conversion within a window.
- **Variable reward**: return rate after an order with a reward (a discount) versus without.
- **Investment**: return rate of users who stored value (e.g. favourites) versus those who did not.
- **Habit**: stickiness DAU/MAU, in (0, 1].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["stickiness", "trigger_shares", "trigger_conversion", "reward_return_rates",
           "investment_effect"]


def stickiness(events: pd.DataFrame, *, as_of, days: int = 30) -> float:
    """DAU/MAU over the ``days`` before ``as_of``: mean daily actives / users active in the window.

    A user active every day contributes 1; the ratio lies in (0, 1] when anyone is active.
    """
    as_of = pd.Timestamp(as_of)
    e = events[(events["event_time"] < as_of) & (events["event_time"] >= as_of - pd.Timedelta(days=days))]
    mau = e["user_id"].nunique()
    if mau == 0:
        return float("nan")
    user_days = e.assign(d=e["event_time"].dt.normalize()).drop_duplicates(["user_id", "d"])
    return float(len(user_days) / days / mau)


def _session_starts(events, session_event):
    return events.loc[events["event_type"] == session_event, ["user_id", "event_time"]]


def trigger_shares(events: pd.DataFrame, trigger_event: str = "push_open",
                   session_event: str = "app_open", window_minutes: float = 5.0) -> pd.Series:
    """Share of sessions with an external trigger (``trigger_event`` of the same user in the
    ``window_minutes`` before the session start) and the self-initiated rest; they sum to 1.
    Indexed ``external``, ``self_initiated``; named ``session_share``."""
    sessions = _session_starts(events, session_event).sort_values("event_time")
    triggers = events.loc[events["event_type"] == trigger_event, ["user_id", "event_time"]] \
        .rename(columns={"event_time": "trigger_time"}).sort_values("trigger_time")
    merged = pd.merge_asof(sessions, triggers, left_on="event_time", right_on="trigger_time",
                           by="user_id", direction="backward",
                           tolerance=pd.Timedelta(minutes=window_minutes))
    external = float(merged["trigger_time"].notna().mean()) if len(merged) else float("nan")
    return pd.Series({"external": external, "self_initiated": 1 - external}, name="session_share")


def trigger_conversion(events: pd.DataFrame, trigger_event: str = "push_open",
                       action_event: str = "add_to_cart", within_hours: float = 1.0) -> float:
    """Share of triggers followed by ``action_event`` of the same user within ``within_hours``."""
    triggers = events.loc[events["event_type"] == trigger_event, ["user_id", "event_time"]] \
        .sort_values("event_time")
    actions = events.loc[events["event_type"] == action_event, ["user_id", "event_time"]] \
        .rename(columns={"event_time": "action_time"}).sort_values("action_time")
    if triggers.empty:
        return float("nan")
    merged = pd.merge_asof(triggers, actions, left_on="event_time", right_on="action_time",
                           by="user_id", direction="forward",
                           tolerance=pd.Timedelta(hours=within_hours))
    return float(merged["action_time"].notna().mean())


def reward_return_rates(orders: pd.DataFrame, within_days: int = 30, *, as_of=None) -> pd.DataFrame:
    """Return rate (another order within ``within_days``) after orders with and without a discount.

    Orders whose window runs past ``as_of`` (default: last order) are left out (censored). Indexed
    ``reward`` (``with_discount`` / ``without_discount``), columns ``orders`` and ``return_rate``.
    """
    o = orders[["user_id", "order_time", "discount"]].sort_values(["user_id", "order_time"])
    nxt = o.groupby("user_id")["order_time"].shift(-1)
    end = pd.Timestamp(as_of) if as_of is not None else o["order_time"].max()
    ok = o["order_time"] + pd.Timedelta(days=within_days) <= end
    returned = (nxt - o["order_time"]) <= pd.Timedelta(days=within_days)
    frame = pd.DataFrame({"reward": np.where(o["discount"] > 0, "with_discount", "without_discount"),
                          "returned": returned})[ok.to_numpy()]
    return frame.groupby("reward")["returned"].agg(orders="size", return_rate="mean")


def investment_effect(invested: pd.Series, retained: pd.Series) -> pd.DataFrame:
    """Retention of users who invested (stored value) versus those who did not (both by user_id).

    Indexed ``invested`` (``invested`` / ``not_invested``), columns ``users`` and ``retention_rate``."""
    frame = pd.DataFrame({"invested": invested.astype(bool), "retained": retained.astype(bool)}).dropna()
    out = frame.groupby("invested")["retained"].agg(users="size", retention_rate="mean")
    out.index = out.index.map({True: "invested", False: "not_invested"}).rename("invested")
    return out
