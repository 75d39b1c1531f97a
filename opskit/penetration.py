"""Existing-customer penetration: how much of the base is still untapped, and is one more campaign worth it?

The outline's question 「老客销售占比已经达到 40%，是否还有必要继续渗透？」 has two halves:

* **headroom** (:func:`customer_mix`): per period, the existing customers' share of sales and how many
  of the existing base bought at all (penetration); the base that did not buy is the headroom;
* **marginal return** (:func:`campaign_increments`, :func:`marginal_returns`): what the next campaign
  would add. Past campaigns with random holdouts give the incremental spend per targeted user of each
  segment (difference-in-differences: targeted change − holdout change); ordered from the best
  segment down, they trace the diminishing return of going deeper, and the next segment's margin
  minus its contact cost is the marginal return of one more round.

A high old-customer share alone answers neither half. See docs/methods_precision.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.data import engine

__all__ = ["customer_mix", "campaign_increments", "marginal_returns"]


def customer_mix(orders: pd.DataFrame, period: str = "quarter") -> pd.DataFrame:
    """Per period: old/new sales, the old-customer share of sales, old buyers, the old base, and
    penetration (old buyers ÷ old base) with headroom (old base − old buyers)."""
    out = engine.run("customer_mix", {"period": period}, orders=orders[["user_id", "order_time", "amount"]])
    out["old_share"] = out["old_sales"] / (out["old_sales"] + out["new_sales"])
    out["penetration"] = out["old_buyers"] / out["old_base"].where(out["old_base"] > 0)
    out["headroom"] = out["old_base"] - out["old_buyers"]
    return out


def campaign_increments(audience: pd.DataFrame, by: str = "segment") -> pd.DataFrame:
    """Incremental spend per targeted user of each segment, from campaigns with random holdouts.

    ``audience``: campaign_audience rows (segment, holdout, pre_spend, campaign_spend). Per ``by``:
    the mean change (campaign − pre) of targeted users minus that of holdout users (DiD), its
    standard error (Welch), the targeted users and the campaigns.
    """
    change = audience["campaign_spend"] - audience["pre_spend"]
    frame = audience.assign(change=change)
    g = frame.groupby([by, "holdout"])["change"].agg(["mean", "var", "size"]).unstack("holdout")
    out = pd.DataFrame({
        "targeted": g[("size", 0)].astype(int),
        "holdout": g[("size", 1)].astype(int),
        "increment": g[("mean", 0)] - g[("mean", 1)],
        "se": np.sqrt(g[("var", 0)] / g[("size", 0)] + g[("var", 1)] / g[("size", 1)]),
        "campaigns": frame.groupby(by)["campaign_id"].nunique(),
    })
    return out.sort_values("increment", ascending=False, kind="stable")


def marginal_returns(increments: pd.DataFrame, margin: float, contact_cost: float,
                     reach: pd.Series | None = None) -> pd.DataFrame:
    """Profit of adding segments to the next campaign one by one, best first.

    Per segment: profit per contact = increment × margin − contact_cost, the segment's reach (its
    targeted users per campaign, or ``reach``), the segment's profit and the cumulative profit and
    contacts. The marginal return of going one segment deeper is that segment's profit per contact;
    deepening stops paying where it turns negative.
    """
    out = increments.copy()
    out["profit_per_contact"] = out["increment"] * margin - contact_cost
    out["profit_per_contact_low"] = (out["increment"] - 1.96 * out["se"]) * margin - contact_cost
    size = reach if reach is not None else out["targeted"] / out["campaigns"]
    out["reach"] = size.reindex(out.index).astype(float)
    out = out.sort_values("profit_per_contact", ascending=False, kind="stable")
    out["profit"] = out["profit_per_contact"] * out["reach"]
    out["cumulative_contacts"] = out["reach"].cumsum()
    out["cumulative_profit"] = out["profit"].cumsum()
    return out
