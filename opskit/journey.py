"""User journey map from event data: stages, time between them and drop-offs.

Each user's first time at each stage (register → browse → add to cart → first order → repeat
order → loyal (``loyal_orders`` orders)) is found by the named query ``journey_times``; the map is the
number reaching each stage, the conversion from the previous stage (users who reached both / users
who reached the previous one), the drop-off and the median days from registration and from the
previous stage. Orders placed in the mini-program or in a store leave no app events, so a user can
reach ``first_order`` without a recorded ``add_to_cart`` (or before it): conversion counts only users who reached the two
stages in order. Source and oracle: ``docs/methods.md#journey``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.data import engine

__all__ = ["JOURNEY_STAGES", "journey_times", "journey_map"]

#: Journey stages in order; Chinese labels in :mod:`opskit.viz.glossary` (注册, 浏览商品, 加购, 首单, 复购, 忠诚).
JOURNEY_STAGES: tuple[str, ...] = ("register", "browse", "add_to_cart", "first_order", "repeat_order", "loyal")


def journey_times(users: pd.DataFrame, events: pd.DataFrame | None, orders: pd.DataFrame,
                  loyal_orders: int = 5) -> pd.DataFrame:
    """Per user (rows) and stage (columns): first time at the stage after the previous one (NaT
    if never). Browse = view_item or search; add to cart = add_to_cart (events); orders give the
    first, second and ``loyal_orders``-th order. Without events the two event stages are left out.
    Exact rules: the named query ``journey_times``."""
    has_events = events is not None
    if events is None:
        events = pd.DataFrame({"user_id": pd.Series([], dtype=object),
                               "event_time": pd.Series([], dtype="datetime64[us]"),
                               "event_type": pd.Series([], dtype=object)})
    table = engine.run("journey_times", {"loyal_orders": int(loyal_orders)},
                       users=engine.renamed(users, user_id="user_id", register_time="register_time"),
                       orders=engine.renamed(orders, user_id="user_id", order_time="order_time"),
                       events=engine.renamed(events, user_id="user_id", event_time="event_time",
                                             event_type="event_type"))
    out = table.set_index("user_id").reindex(pd.Index(users["user_id"], name="user_id"))
    stages = [s for s in JOURNEY_STAGES if has_events or s not in ("browse", "add_to_cart")]
    return out[stages]


def journey_map(times: pd.DataFrame) -> pd.DataFrame:
    """Per stage: ``users`` reaching it; ``step_conversion`` from the previous stage = users who reached
    it at or after the previous one / users who reached the previous one; ``dropped`` = users of the
    previous stage who never reached this one; ``median_days_from_register`` (all who reached it)
    and ``median_days_from_previous`` (users who reached both, in that order). Indexed by ``stage``."""
    cols = list(times.columns)
    first = times[cols[0]]
    rows = []
    for i, stage in enumerate(cols):
        reached = times[stage].notna()
        row = {"stage": stage, "users": int(reached.sum()),
               "median_days_from_register": float(((times[stage] - first).dt.total_seconds() / 86400).median())}
        if i == 0:
            row.update({"step_conversion": np.nan, "dropped": 0, "median_days_from_previous": np.nan})
        else:
            prev = times[cols[i - 1]].notna()
            both = prev & reached & (times[stage] >= times[cols[i - 1]])
            gap = (times.loc[both, stage] - times.loc[both, cols[i - 1]]).dt.total_seconds() / 86400
            row.update({"step_conversion": both.sum() / prev.sum() if prev.sum() else np.nan,
                        "dropped": int((prev & ~reached).sum()),
                        "median_days_from_previous": float(gap.median())})
        rows.append(row)
    cols_out = ["users", "step_conversion", "dropped", "median_days_from_register", "median_days_from_previous"]
    return pd.DataFrame(rows).set_index("stage")[cols_out]
