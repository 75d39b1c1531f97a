"""User flows between states: transition counts, Markov chains and the Sankey diagram.

States are any per-user labels (RFM segments, AIPL stages, lifecycle stages). See METHODS.md §19.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _states(s: pd.Series) -> list:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(s.dropna().unique().tolist(), key=str)


def transitions(before: pd.Series, after: pd.Series, new_label: str = "新增",
                lost_label: str = "流失") -> pd.DataFrame:
    """Count users by (state before, state after).

    ``before`` and ``after`` map ``user_id`` (index) to a state; a missing or NaN state means the
    user was not there. Users only in ``after`` come from ``new_label``; users only in ``before``
    go to ``lost_label``. Rows are the states of ``before`` then ``new_label``; columns the states
    of ``after`` then ``lost_label`` (categorical order if the Series are categorical, else
    sorted). Conservation: row sums are the counts before (new row: users new in ``after``),
    column sums the counts after (lost column: users lost), and the grand total is the number of
    distinct users in either period.
    """
    rows = [s for s in _states(before) if s != new_label] + [new_label]
    cols = [s for s in _states(after) if s != lost_label] + [lost_label]
    b = before.dropna()
    a = after.dropna()
    users = b.index.union(a.index)
    frm = b.astype(object).reindex(users).fillna(new_label)
    to = a.astype(object).reindex(users).fillna(lost_label)
    counts = pd.crosstab(pd.Categorical(frm, categories=rows), pd.Categorical(to, categories=cols),
                         dropna=False)
    counts = counts.reindex(index=rows, columns=cols, fill_value=0).astype("int64")
    counts.index.name, counts.columns.name = "from", "to"
    return counts


def transition_matrix(counts: pd.DataFrame) -> pd.DataFrame:
    """Row-normalise a count matrix: ``P[i, j] = C[i, j] / sum_j C[i, j]``.

    Rows without any user (e.g. no new users) are dropped, so every remaining row sums to 1.
    """
    totals = counts.sum(axis=1)
    kept = counts.loc[totals > 0]
    return kept.div(totals[totals > 0], axis=0).astype(float)


def stationary_distribution(P: pd.DataFrame) -> pd.Series:
    """The distribution ``pi`` with ``pi P = pi`` and ``sum(pi) = 1`` of a square row-stochastic P.

    Solved as a linear system (not an eigenvector, so no sign or scale to fix); unique when the
    chain is irreducible and aperiodic.
    """
    if list(P.index) != list(P.columns):
        P = P.reindex(columns=P.index)
        if P.isna().any().any():
            raise ValueError("P must be square with the same states on rows and columns")
    m = P.to_numpy(dtype=float)
    n = m.shape[0]
    a = np.vstack([m.T - np.eye(n), np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi, *_ = np.linalg.lstsq(a, b, rcond=None)
    return pd.Series(pi, index=P.index, name="stationary")


def absorption_steps(P: pd.DataFrame, absorbing: list[str]) -> pd.Series:
    """Expected number of steps before absorption, from each transient state.

    With ``Q`` the transient-to-transient block of ``P``, the fundamental matrix is
    ``N = (I - Q)^-1`` and the expected steps are ``N 1`` (Kemeny & Snell). Absorbing states may
    be missing from the rows of ``P`` (e.g. a ``流失`` column only).
    """
    transient = [s for s in P.index if s not in set(absorbing)]
    q = P.loc[transient, transient].to_numpy(dtype=float)
    n = np.linalg.inv(np.eye(len(transient)) - q)
    return pd.Series(n.sum(axis=1), index=transient, name="expected_steps")


def project(distribution: pd.Series, P: pd.DataFrame, steps: int = 1) -> pd.Series:
    """State distribution after ``steps`` periods: ``pi_{t+1} = pi_t P``."""
    pi = distribution.reindex(P.index).fillna(0).to_numpy(dtype=float)
    m = P.reindex(columns=P.index).fillna(0).to_numpy(dtype=float)
    for _ in range(steps):
        pi = pi @ m
    return pd.Series(pi, index=P.index)


def sankey(counts: pd.DataFrame, ax=None, title: str | None = None, min_share: float = 0.0,
           left_label: str = "期初", right_label: str = "期末"):
    """Draw a two-column Sankey-style flow plot of a count matrix (rows left, columns right).

    Node heights and band widths are proportional to counts; bands are coloured by their source
    node. Flows below ``min_share`` of the total are not drawn (their nodes keep their size).
    """
    import matplotlib.pyplot as plt

    from .viz import GREY, PALETTE

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5.5))
    c = counts.to_numpy(dtype=float)
    total = c.sum()
    if total <= 0:
        ax.set_axis_off()
        return ax
    left, right = c.sum(axis=1), c.sum(axis=0)
    gap = 0.02
    scale_l = (1 - gap * (len(left) - 1)) / total
    scale_r = (1 - gap * (len(right) - 1)) / total

    def tops(sizes, scale):
        pos, y = [], 1.0
        for size in sizes:
            pos.append(y)
            y -= size * scale + gap
        return pos

    top_l, top_r = tops(left, scale_l), tops(right, scale_r)
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(left))]
    x0, x1, w = 0.0, 1.0, 0.04
    xs = np.linspace(x0 + w, x1 - w, 60)
    t = (xs - xs[0]) / (xs[-1] - xs[0])
    smooth = 3 * t ** 2 - 2 * t ** 3
    out_used = np.zeros(len(left))
    in_used = np.zeros(len(right))
    for i in range(len(left)):
        for j in range(len(right)):
            v = c[i, j]
            if v <= 0:
                continue
            yl = top_l[i] - out_used[i] * scale_l
            yr = top_r[j] - in_used[j] * scale_r
            out_used[i] += v
            in_used[j] += v
            if v / total < min_share:
                continue
            top = yl + (yr - yl) * smooth
            h_l, h_r = v * scale_l, v * scale_r
            bottom = (yl - h_l) + ((yr - h_r) - (yl - h_l)) * smooth
            ax.fill_between(xs, bottom, top, color=colors[i], alpha=0.35, linewidth=0)
    for i, name in enumerate(counts.index):
        h = left[i] * scale_l
        ax.add_patch(plt.Rectangle((x0, top_l[i] - h), w, h, color=colors[i] if left[i] else GREY))
        if left[i]:
            ax.text(x0 - 0.01, top_l[i] - h / 2, f"{name} {left[i]:,.0f}", ha="right", va="center", fontsize=9)
    for j, name in enumerate(counts.columns):
        h = right[j] * scale_r
        ax.add_patch(plt.Rectangle((x1 - w, top_r[j] - h), w, h, color=GREY))
        if right[j]:
            ax.text(x1 + 0.01, top_r[j] - h / 2, f"{name} {right[j]:,.0f}", ha="left", va="center", fontsize=9)
    ax.set_xlim(-0.35, 1.35)
    ax.set_ylim(-0.02, 1.02)
    ax.set_axis_off()
    ax.text(x0 + w / 2, 1.04, left_label, ha="center", fontsize=10)
    ax.text(x1 - w / 2, 1.04, right_label, ha="center", fontsize=10)
    if title:
        ax.set_title(title, pad=18)
    return ax
