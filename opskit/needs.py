"""Scene needs and value points of segments: what each segment buys (场景需求与价值点位).

* :func:`segment_needs`: lines and spend per segment × need, for three need dimensions read from the
  order lines (category, time of day, price band), in one named query (``segment_needs``).
* :func:`need_matrix`: one dimension as a segment × need share matrix with an index against the
  average segment (index > 1: the segment over-buys that need).
* :func:`association`: how strongly a segmentation separates a need dimension: the chi-square test
  of independence on the line counts and Cramér's V (0 = every segment buys alike, 1 = needs are
  fully determined by the segment), so three segmentations can be compared on the same users.
* :func:`price_tags`: a price-point interest tag (品质偏好 / 实惠偏好 / 大众) from each user's
  mean log price index (named query ``user_price_index``).

See docs/methods_precision.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from opskit.data import engine

__all__ = ["segment_needs", "need_matrix", "association", "need_cells", "price_tags"]


def _segments_frame(segments: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"user_id": segments.index, "segment": segments.astype(str).to_numpy()})


def segment_needs(order_lines: pd.DataFrame, orders: pd.DataFrame, segments: pd.Series, *, start, end,
                  low: float = 0.8, high: float = 1.25) -> pd.DataFrame:
    """Long table: dimension ('category'/'daypart'/'price'), segment, need, lines, spend, buyers.

    Price bands use the SKU's price level (its geometric-mean unit price ÷ its category's): below
    ``low`` 低价, at or above ``high`` 高价, else 中价. ``segments``: label per user_id (index).
    """
    return engine.run("segment_needs", {"start": pd.Timestamp(start), "end": pd.Timestamp(end),
                                        "low": float(low), "high": float(high)},
                      order_lines=order_lines[["order_id", "sku_id", "category_id", "quantity", "line_amount"]],
                      orders=orders[["order_id", "user_id", "order_time"]], segments=_segments_frame(segments))


def need_matrix(needs: pd.DataFrame, dimension: str, value: str = "lines") -> pd.DataFrame:
    """Segment × need shares (rows sum to 1) of ``value`` for one dimension, and the index table.

    Returns a frame with a two-level column index: ("share", need) and ("index", need), where the
    index is the segment's share ÷ the share over all segments (1 = average).
    """
    part = needs[needs["dimension"] == dimension]
    table = part.pivot_table(index="segment", columns="need", values=value, aggfunc="sum", fill_value=0)
    share = table.div(table.sum(axis=1), axis=0)
    overall = table.sum() / table.to_numpy().sum()
    index = share / overall
    return pd.concat({"share": share, "index": index}, axis=1)


def association(needs: pd.DataFrame, dimension: str, value: str = "lines") -> dict:
    """Chi-square test of independence (segment × need counts) and Cramér's V for one dimension."""
    part = needs[needs["dimension"] == dimension]
    table = part.pivot_table(index="segment", columns="need", values=value, aggfunc="sum", fill_value=0)
    table = table.loc[table.sum(axis=1) > 0, table.sum() > 0]
    if min(table.shape) < 2:
        return {"chi2": float("nan"), "p_value": float("nan"), "cramers_v": float("nan"), "n": int(table.to_numpy().sum())}
    chi2, p, _, _ = stats.chi2_contingency(table.to_numpy())
    n = table.to_numpy().sum()
    v = np.sqrt(chi2 / (n * (min(table.shape) - 1)))
    return {"chi2": float(chi2), "p_value": float(p), "cramers_v": float(v), "n": int(n)}


def price_tags(order_lines: pd.DataFrame, orders: pd.DataFrame, *, start, end, threshold: float = 0.1,
               min_lines: int = 5) -> pd.DataFrame:
    """Price-point interest tag per user: 品质偏好 if the mean log price index of the SKUs they buy
    (their price level against each category's typical price) is ≥ ``threshold``,
    实惠偏好 if ≤ −threshold, else 大众; users with fewer than ``min_lines`` lines get 样本不足.

    Columns: user_id, lines, log_price_index, tag.
    """
    table = engine.run("user_price_index", {"start": pd.Timestamp(start), "end": pd.Timestamp(end)},
                       order_lines=order_lines[["order_id", "sku_id", "category_id", "quantity", "line_amount"]],
                       orders=orders[["order_id", "user_id", "order_time"]])
    x = table["log_price_index"]
    tag = np.select([table["lines"] < min_lines, x >= threshold, x <= -threshold],
                    ["样本不足", "品质偏好", "实惠偏好"], "大众")
    return table.assign(tag=tag)


def need_cells(needs: pd.DataFrame, dimension: str, value: str = "lines", alpha: float = 0.05,
               method: str = "fdr_bh") -> pd.DataFrame:
    """Every segment × need cell of one dimension with its index and a test of over/under-buying.

    The adjusted standardised residual (Haberman 1973) z = (O − E) / √(E·(1 − row share)·(1 − column
    share)) is ~N(0, 1) under independence; its two-sided p-values are adjusted across all cells with
    statsmodels' ``multipletests`` (a value point is claimed only where the adjusted test holds).
    """
    from statsmodels.stats.multitest import multipletests

    part = needs[needs["dimension"] == dimension]
    table = part.pivot_table(index="segment", columns="need", values=value, aggfunc="sum", fill_value=0)
    obs = table.to_numpy(dtype=float)
    n = obs.sum()
    rows, cols = obs.sum(axis=1, keepdims=True), obs.sum(axis=0, keepdims=True)
    expected = rows @ cols / n
    z = (obs - expected) / np.sqrt(expected * (1 - rows / n) * (1 - cols / n))
    p = 2 * stats.norm.sf(np.abs(z))
    reject, adjusted, _, _ = multipletests(p.ravel(), alpha=alpha, method=method)
    out = pd.DataFrame({
        "segment": np.repeat(table.index.to_numpy(), table.shape[1]),
        "need": np.tile(table.columns.to_numpy(), table.shape[0]),
        "observed": obs.ravel(), "expected": expected.ravel(),
        "index": (obs / expected).ravel(), "z": z.ravel(), "p_value": p.ravel(),
        "p_adjusted": adjusted, "significant": reject,
    })
    return out
