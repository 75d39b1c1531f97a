"""Content matching and message sends: which content works for which segment, and at what cost.

* :func:`response_matrix`: clicks per send for every segment × content cell of randomised content
  tests (named query ``segment_content_response``), each cell tested against the rest of its
  segment with a two-proportion z test, and the p-values adjusted for multiple comparisons with
  statsmodels' ``multipletests`` (Benjamini–Hochberg by default): a 3 × 8 matrix is 24 tests, and
  at α = 0.05 about one "winner" appears by chance alone.
* :func:`best_matches`: the best content of each segment, kept only when it survives the adjustment.
* :func:`send_summary`, :func:`fatigue_curve`: reach, response and unsubscribes per batch, and the
  unsubscribe rate by the number of messages received in the previous 7 days (send fatigue).
* :func:`tag_usage`: how many of the defined tags were ever used to target a send.

See docs/methods_precision.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from opskit.data import engine

__all__ = ["response_matrix", "best_matches", "send_summary", "fatigue_curve", "tag_usage"]


def response_matrix(sends: pd.DataFrame, segments: pd.Series, channel: str = "公众号",
                    outcome: str = "clicked", method: str = "fdr_bh", alpha: float = 0.05) -> pd.DataFrame:
    """Segment × content response of randomised sends, with cell tests adjusted for multiplicity.

    ``sends``: message_sends rows; ``segments``: segment label per user_id (index). Only rows of
    ``channel`` without a target tag count (randomised tests, so a cell compares like with like).
    One row per (segment, content): sends, the outcome count and rate, the segment's rate on the
    other contents, lift = rate / other rate, the raw p-value, the adjusted p-value
    (``multipletests(method)``), and significant (adjusted p < alpha and lift > 1 … or < 1).
    """
    seg = pd.DataFrame({"user_id": segments.index, "segment": segments.to_numpy()})
    cols = ["user_id", "channel", "content_id", "target_tag", "opened", "clicked", "unsubscribed"]
    cells = engine.run("segment_content_response", {"channel": channel}, message_sends=sends[cols], segments=seg)
    cells = cells.rename(columns={outcome: "responses"})
    totals = cells.groupby("segment")[["sends", "responses"]].transform("sum")
    other_n = totals["sends"] - cells["sends"]
    other_k = totals["responses"] - cells["responses"]
    cells["rate"] = cells["responses"] / cells["sends"]
    cells["other_rate"] = other_k / other_n.where(other_n > 0)
    cells["lift"] = cells["rate"] / cells["other_rate"].where(cells["other_rate"] > 0)
    p = np.ones(len(cells))
    for i, (k1, n1, k2, n2) in enumerate(zip(cells["responses"], cells["sends"], other_k, other_n)):
        if n1 > 0 and n2 > 0 and 0 < k1 + k2 < n1 + n2:  # a handful of cells: one test each
            p[i] = proportions_ztest([k1, k2], [n1, n2])[1]
    cells["p_value"] = p
    reject, adjusted, _, _ = multipletests(p, alpha=alpha, method=method)
    cells["p_adjusted"] = adjusted
    cells["significant"] = reject
    cells["naive_significant"] = p < alpha
    keep = ["segment", "content_id", "sends", "responses", "rate", "other_rate", "lift", "p_value",
            "p_adjusted", "significant", "naive_significant"]
    return cells[keep].sort_values(["segment", "content_id"], kind="stable").reset_index(drop=True)


def best_matches(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per segment, the content with the highest rate; ``confirmed`` when that cell is a significant
    positive lift after the multiple-comparison adjustment."""
    ranked = matrix.sort_values(["segment", "rate", "content_id"], ascending=[True, False, True], kind="stable")
    best = ranked.groupby("segment", sort=True).head(1).set_index("segment")
    best["confirmed"] = best["significant"] & (best["lift"] > 1)
    return best[["content_id", "rate", "other_rate", "lift", "p_adjusted", "confirmed"]]


def send_summary(sends: pd.DataFrame) -> pd.DataFrame:
    """Per channel, batch, target tag and content: recipients, opens, clicks, unsubscribes and rates."""
    cols = ["send_id", "channel", "user_id", "send_time", "content_id", "target_tag", "opened", "clicked",
            "unsubscribed"]
    out = engine.run("send_summary", message_sends=sends[cols])
    out["open_rate"] = out["opened"] / out["recipients"]
    out["click_rate"] = out["clicked"] / out["recipients"]
    out["unsubscribe_rate"] = out["unsubscribed"] / out["recipients"]
    return out


def fatigue_curve(sends: pd.DataFrame, cap: int = 3) -> pd.DataFrame:
    """Unsubscribe rate by messages received on the same channel in the previous 7 days.

    ``cap`` pools the counts at and above it (``3`` = "3+"). Columns: channel, recent, sends,
    unsubscribed, rate, with a Wilson 95% interval.
    """
    from statsmodels.stats.proportion import proportion_confint

    raw = engine.run("send_fatigue", message_sends=sends[["user_id", "channel", "send_time", "unsubscribed"]])
    raw["recent"] = raw["recent"].clip(upper=cap)
    out = raw.groupby(["channel", "recent"], as_index=False)[["sends", "unsubscribed"]].sum()
    out["rate"] = out["unsubscribed"] / out["sends"]
    low, high = proportion_confint(out["unsubscribed"], out["sends"], method="wilson")
    out["ci_low"], out["ci_high"] = low, high
    return out


def tag_usage(defined_tags, sends: pd.DataFrame) -> pd.DataFrame:
    """Each defined tag and how many sends and recipients it was used for (0 = defined, never used)."""
    used = sends.dropna(subset=["target_tag"]).groupby("target_tag").agg(
        batches=("send_id", "nunique"), recipients=("user_id", "size"))
    out = pd.DataFrame(index=pd.Index(list(defined_tags), name="tag"))
    out = out.join(used).fillna(0).astype(int)
    out["used"] = out["batches"] > 0
    return out
