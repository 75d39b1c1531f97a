"""User flows between states: transition counts, Markov chains and the Sankey diagram.

States are any per-user labels (RFM segments, AIPL stages, lifecycle stages). See ``docs/methods.md#flows``.
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
