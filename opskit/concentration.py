"""How concentrated a quantity is across units: top-k share, Lorenz curve, Gini, HHI.

Used for customer value concentration (帕累托/二八), KOL dependence and channel mix.
Conventions (docs/methods.md#concentration): Gini = Σ_iΣ_j |x_i − x_j| / (2 n² x̄), so its small-sample maximum
is (n−1)/n; HHI = Σ (100·s_i)² on shares, in [10,000/n, 10,000]. Zero units count in n.
"""

from __future__ import annotations

import numpy as np


def _values(x) -> np.ndarray:
    values = np.asarray(x, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError("need a non-empty 1-d array of values")
    if (values < 0).any():
        raise ValueError("values must be non-negative")
    if values.sum() == 0:
        raise ValueError("values sum to zero")
    return values


def top_share(x, fraction: float = 0.2) -> float:
    """Share of the total held by the top ``fraction`` of units (rounded up to whole units)."""
    values = np.sort(_values(x))[::-1]
    k = max(1, int(np.ceil(fraction * values.size)))
    return float(values[:k].sum() / values.sum())


def top_k_share(x, k: int) -> float:
    """CR_k: share of the total held by the ``k`` largest units."""
    values = np.sort(_values(x))[::-1]
    return float(values[:k].sum() / values.sum())


def lorenz_curve(x) -> tuple[np.ndarray, np.ndarray]:
    """Points of the Lorenz curve: cumulative share of units (poorest first) vs of the total."""
    values = np.sort(_values(x))
    units = np.arange(values.size + 1) / values.size
    total = np.concatenate([[0.0], np.cumsum(values)]) / values.sum()
    return units, total


def gini(x) -> float:
    """Gini coefficient, Σ|x_i − x_j| / (2 n² x̄), computed in O(n log n) from sorted values."""
    values = np.sort(_values(x))
    n = values.size
    ranks = np.arange(1, n + 1)
    return float((2 * ranks - n - 1) @ values / (n * values.sum()))


def hhi(x) -> float:
    """Herfindahl–Hirschman index on percentage shares of ``x`` (10,000 = one unit holds all)."""
    values = _values(x)
    shares = 100 * values / values.sum()
    return float((shares ** 2).sum())
