"""AIPL consumer stages from behaviour and their flows between two dates (``docs/methods.md#aipl``).

Each user gets exactly one stage at a date d, checked in the order L → P → I → A (the highest
stage wins): **L 忠诚** repurchased (orders on at least ``loyalty_min_days`` distinct days within
``loyalty_days``) or shared within ``interest_days`` after having purchased; **P 购买** purchased
within ``purchase_days``; **I 兴趣** active brand behaviour (view, search, favourite, add to cart,
share) within ``interest_days``; **A 认知** passive contact (ad impression, push open, app open)
within ``awareness_days``. Windows end just before d and are parameters (the Tmall 数据银行 口径
of 15 days / 2.5 years / one year with more than one purchase day is the default).
"""

from __future__ import annotations

import pandas as pd

from opskit import flows
from opskit.data import engine

__all__ = ["AIPL_STAGES", "aipl_stages", "aipl_flows", "flow_rates", "fast_fertility"]

AIPL_STAGES: tuple[str, ...] = ("A 认知", "I 兴趣", "P 购买", "L 忠诚")
AWARENESS_EVENTS = ("ad_impression", "push_open", "app_open")
INTEREST_EVENTS = ("view_item", "search", "add_favorite", "add_to_cart", "checkout", "share")


def aipl_stages(orders: pd.DataFrame, events: pd.DataFrame | None = None, *, as_of,
                awareness_days: int = 15, interest_days: int = 15, purchase_days: int = 913,
                loyalty_days: int = 365, loyalty_min_days: int = 2,
                awareness_events=AWARENESS_EVENTS, interest_events=INTEREST_EVENTS) -> pd.Series:
    """Stage of every user with any qualifying behaviour before ``as_of`` (categorical, by user_id,
    sorted). The rules are the named query ``aipl_stages``; ``orders`` and ``events`` may also be
    paths of Parquet/CSV files (scanned in place)."""
    params = {"as_of": pd.Timestamp(as_of), "awareness_days": int(awareness_days),
              "interest_days": int(interest_days), "purchase_days": int(purchase_days),
              "loyalty_days": int(loyalty_days), "loyalty_min_days": int(loyalty_min_days)}
    if events is None:
        events = pd.DataFrame({"user_id": pd.Series([], dtype=object), "event_time": pd.Series([], dtype="datetime64[us]"),
                               "event_type": pd.Series([], dtype=object)})
    table = engine.run("aipl_stages", params,
                       orders=engine.renamed(orders, user_id="user_id", order_time="order_time"),
                       events=engine.renamed(events, user_id="user_id", event_time="event_time",
                                             event_type="event_type"),
                       interest_types=pd.DataFrame({"event_type": [str(t) for t in interest_events]}),
                       awareness_types=pd.DataFrame({"event_type": [str(t) for t in awareness_events]}))
    labels = {s[0]: s for s in AIPL_STAGES}
    stage = pd.Series(table["stage"].map(labels).to_numpy(), index=pd.Index(table["user_id"], name="user_id"))
    return stage.astype(pd.CategoricalDtype(list(AIPL_STAGES), ordered=True)).rename("aipl")


def aipl_flows(before: pd.Series, after: pd.Series) -> pd.DataFrame:
    """Count matrix of stage at d0 (rows, plus 新增) → stage at d1 (columns, plus 流失)."""
    return flows.transitions(before, after, new_label="新增", lost_label="流失")


def flow_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """Per starting stage: ``base`` N_s(d0) and the ``deepening_rate``, ``kept_rate``,
    ``regression_rate`` and ``churn_rate`` (they sum to 1), indexed by ``stage``."""
    rows = []
    stages = [s for s in AIPL_STAGES if s in counts.index]
    for s in stages:
        row = counts.loc[s]
        n = row.sum()
        rank = AIPL_STAGES.index(s)
        higher = sum(row.get(t, 0) for t in AIPL_STAGES[rank + 1:])
        lower = sum(row.get(t, 0) for t in AIPL_STAGES[:rank])
        share = (lambda v: v / n) if n else (lambda v: float("nan"))
        rows.append({"stage": s, "base": int(n), "deepening_rate": share(higher), "kept_rate": share(row.get(s, 0)),
                     "regression_rate": share(lower), "churn_rate": share(row.get("流失", 0))})
    return pd.DataFrame(rows).set_index("stage")


def fast_fertility(stages: pd.Series) -> int:
    """FAST F (可运营人群总量) = N_A + N_I + N_P + N_L (stages are exclusive)."""
    return int(stages.notna().sum())
