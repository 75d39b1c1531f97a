"""What of the Hook model (Eyal 2014) can be measured in event data (``docs/methods.md#hook``).

- **Trigger**: share of sessions started by an external trigger (a push opened shortly before)
  versus self-initiated sessions (a proxy of internal triggers); the two shares sum to 1.
- **Action**: trigger → action conversion within a window.
- **Variable reward**: return rate after an order with a reward (a discount) versus without.
- **Investment**: return rate of users who stored value (e.g. favourites) versus those who did not.
- **Habit**: stickiness DAU/MAU, in (0, 1].
"""

from __future__ import annotations

import pandas as pd

from opskit.data import engine
from opskit.metrics import active_users_daily

__all__ = ["stickiness", "trigger_shares", "trigger_conversion", "reward_return_rates",
           "investment_effect"]


def stickiness(events: pd.DataFrame, *, as_of, days: int = 30) -> float:
    """DAU/MAU over the ``days`` whole days before the day of ``as_of``: mean daily actives / users
    active in the window (any event counts), from :func:`opskit.metrics.active_users_daily`.

    A user active every day contributes 1; the ratio lies in (0, 1] when anyone is active.
    """
    end = pd.Timestamp(as_of).normalize()
    series = active_users_daily(events, start=end - pd.Timedelta(days=days), end=end, mau_days=days)
    mau = int(series["mau"].iloc[-1]) if len(series) else 0
    if mau == 0:
        return float("nan")
    return float(series["dau"].sum() / days / mau)


def _matches(events, anchor: str, candidate: str, direction: str, window: pd.Timedelta) -> tuple[int, int]:
    """(anchors, matched) from the named query ``trigger_matches``."""
    table = engine.run("trigger_matches", {"anchor": anchor, "candidate": candidate, "direction": direction,
                                           "window_us": int(window / pd.Timedelta(microseconds=1))},
                       events=engine.renamed(events, user_id="user_id", event_time="event_time",
                                             event_type="event_type"))
    return int(table["anchors"].iloc[0]), int(table["matched"].iloc[0])


def trigger_shares(events: pd.DataFrame, trigger_event: str = "push_open",
                   session_event: str = "app_open", window_minutes: float = 5.0) -> pd.Series:
    """Share of sessions with an external trigger (``trigger_event`` of the same user in the
    ``window_minutes`` before the session start, bounds included) and the self-initiated rest; they
    sum to 1. Indexed ``external``, ``self_initiated``; named ``session_share``."""
    sessions, matched = _matches(events, session_event, trigger_event, "backward",
                                 pd.Timedelta(minutes=window_minutes))
    external = matched / sessions if sessions else float("nan")
    return pd.Series({"external": external, "self_initiated": 1 - external}, name="session_share")


def trigger_conversion(events: pd.DataFrame, trigger_event: str = "push_open",
                       action_event: str = "add_to_cart", within_hours: float = 1.0) -> float:
    """Share of triggers followed by ``action_event`` of the same user within ``within_hours``
    (same instant and bound included)."""
    triggers, matched = _matches(events, trigger_event, action_event, "forward", pd.Timedelta(hours=within_hours))
    return matched / triggers if triggers else float("nan")


def reward_return_rates(orders: pd.DataFrame, within_days: int = 30, *, as_of=None) -> pd.DataFrame:
    """Return rate (another order within ``within_days``) after orders with and without a discount.

    Orders whose window runs past ``as_of`` (default: last order) are left out (censored). Indexed
    ``reward`` (``with_discount`` / ``without_discount``), columns ``orders`` and ``return_rate``.
    Exact rules: the named query ``reward_returns``.
    """
    end = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(orders["order_time"].max())
    table = engine.run("reward_returns", {"within_days": int(within_days), "end": end},
                       orders=engine.renamed(orders, user_id="user_id", order_time="order_time",
                                             discount="discount"))
    out = pd.DataFrame({"orders": table["orders"].astype("int64").to_numpy(),
                        "return_rate": (table["returned"] / table["orders"]).to_numpy()},
                       index=pd.Index(table["reward"], name="reward"))
    return out


def investment_effect(invested: pd.Series, retained: pd.Series) -> pd.DataFrame:
    """Retention of users who invested (stored value) versus those who did not (both by user_id).

    Indexed ``invested`` (``invested`` / ``not_invested``), columns ``users`` and ``retention_rate``."""
    frame = pd.DataFrame({"invested": invested.astype(bool), "retained": retained.astype(bool)}).dropna()
    out = frame.groupby("invested")["retained"].agg(users="size", retention_rate="mean")
    out.index = out.index.map({True: "invested", False: "not_invested"}).rename("invested")
    return out
