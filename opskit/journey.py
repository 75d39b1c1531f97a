"""User journey map from event data: stages, time between them and drop-offs.

Each user's first time at each stage (register → browse → add to cart → first order → repeat
order → loyal (``loyal_orders`` orders)) is found with one group-by per stage; the map is the
number reaching each stage, the conversion from the previous stage (users who reached both / users
who reached the previous one), the drop-off and the median days from registration and from the
previous stage. Orders placed in the mini-program or in a store leave no app events, so a user can
reach 首单 without a recorded 加购 (or before it): conversion counts only users who reached the two
stages in order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["JOURNEY_STAGES", "journey_times", "journey_map"]

JOURNEY_STAGES: tuple[str, ...] = ("注册", "浏览商品", "加购", "首单", "复购", "忠诚")


def journey_times(users: pd.DataFrame, events: pd.DataFrame | None, orders: pd.DataFrame,
                  loyal_orders: int = 5) -> pd.DataFrame:
    """Per user (rows) and stage (columns): first time at the stage after the previous one (NaT
    if never). Browse = view_item or search; add to cart = add_to_cart (events); orders give the
    first, second and ``loyal_orders``-th order. Without events the two event stages are left out."""
    out = pd.DataFrame(index=pd.Index(users["user_id"], name="user_id"))
    out["注册"] = users.set_index("user_id")["register_time"]
    o = orders[["user_id", "order_time"]].sort_values(["user_id", "order_time"])
    nth = o.groupby("user_id").cumcount()
    for stage, k in (("首单", 0), ("复购", 1), ("忠诚", loyal_orders - 1)):
        out[stage] = o[nth.to_numpy() == k].set_index("user_id")["order_time"]
    for stage, types, prev in (("浏览商品", ("view_item", "search"), "注册"),
                               ("加购", ("add_to_cart",), "浏览商品")):
        if events is None:
            continue
        e = events.loc[events["event_type"].isin(types), ["user_id", "event_time"]]
        e = e.join(out[prev].rename("prev"), on="user_id")
        out[stage] = e[e["event_time"] >= e["prev"]].groupby("user_id")["event_time"].min()
    return out[[s for s in JOURNEY_STAGES if s in out]]


def journey_map(times: pd.DataFrame) -> pd.DataFrame:
    """Per stage: users reaching it; conversion from the previous stage = users who reached it at
    or after the previous one / users who reached the previous one; drop-off = users of the
    previous stage who never reached this one; median days from registration (all who reached
    it) and from the previous stage (users who reached both, in that order)."""
    cols = list(times.columns)
    first = times[cols[0]]
    rows = []
    for i, stage in enumerate(cols):
        reached = times[stage].notna()
        row = {"阶段": stage, "到达人数": int(reached.sum()),
               "距注册中位天数": float(((times[stage] - first).dt.total_seconds() / 86400).median())}
        if i == 0:
            row.update({"上一步转化率": np.nan, "流失人数": 0, "距上一步中位天数": np.nan})
        else:
            prev = times[cols[i - 1]].notna()
            both = prev & reached & (times[stage] >= times[cols[i - 1]])
            gap = (times.loc[both, stage] - times.loc[both, cols[i - 1]]).dt.total_seconds() / 86400
            row.update({"上一步转化率": both.sum() / prev.sum() if prev.sum() else np.nan,
                        "流失人数": int((prev & ~reached).sum()),
                        "距上一步中位天数": float(gap.median())})
        rows.append(row)
    cols_out = ["到达人数", "上一步转化率", "流失人数", "距注册中位天数", "距上一步中位天数"]
    return pd.DataFrame(rows).set_index("阶段")[cols_out]
