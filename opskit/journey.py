"""User journey map from event data: stages, time between them and drop-offs.

Each user's first time at each stage (register → browse → add to cart → first order → repeat
order → loyal (``loyal_orders`` orders)) is found with one group-by per stage; the map is the
number reaching each stage, the conversion from the previous stage (users who reached both / users
who reached the previous one), the drop-off and the median days from registration and from the
previous stage. Orders placed in the mini-program or in a store leave no app events, so a user can
reach ``first_order`` without a recorded ``add_to_cart`` (or before it): conversion counts only users who reached the two
stages in order. Source and oracle: ``docs/methods.md#journey``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["JOURNEY_STAGES", "journey_times", "journey_map"]

#: Journey stages in order; Chinese labels in :mod:`opskit.viz.glossary` (注册, 浏览商品, 加购, 首单, 复购, 忠诚).
JOURNEY_STAGES: tuple[str, ...] = ("register", "browse", "add_to_cart", "first_order", "repeat_order", "loyal")


def journey_times(users: pd.DataFrame, events: pd.DataFrame | None, orders: pd.DataFrame,
                  loyal_orders: int = 5) -> pd.DataFrame:
    """Per user (rows) and stage (columns): first time at the stage after the previous one (NaT
    if never). Browse = view_item or search; add to cart = add_to_cart (events); orders give the
    first, second and ``loyal_orders``-th order. Without events the two event stages are left out."""
    out = pd.DataFrame(index=pd.Index(users["user_id"], name="user_id"))
    out["register"] = users.set_index("user_id")["register_time"]
    o = orders[["user_id", "order_time"]].sort_values(["user_id", "order_time"])
    nth = o.groupby("user_id").cumcount()
    for stage, k in (("first_order", 0), ("repeat_order", 1), ("loyal", loyal_orders - 1)):
        out[stage] = o[nth.to_numpy() == k].set_index("user_id")["order_time"]
    for stage, types, prev in (("browse", ("view_item", "search"), "register"),
                               ("add_to_cart", ("add_to_cart",), "browse")):
        if events is None:
            continue
        e = events.loc[events["event_type"].isin(types), ["user_id", "event_time"]]
        e = e.join(out[prev].rename("prev"), on="user_id")
        out[stage] = e[e["event_time"] >= e["prev"]].groupby("user_id")["event_time"].min()
    return out[[s for s in JOURNEY_STAGES if s in out]]


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
