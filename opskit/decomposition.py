"""Driver decomposition of a metric's change: how much each factor contributed (``docs/methods.md#decomposition``).

For V = Π_k x_k moving from period 0 to period 1, every method here splits V¹ − V⁰ into one
contribution per factor that sums to the total exactly (no "interaction" residual):

- :func:`sequential` — 连环替代法: substitute factors one at a time in a stated order;
- :func:`lmdi` — LMDI-I additive (log-mean Divisia, Ang 2005), order-free; also multi-segment;
- :func:`shapley` — average of the sequential contributions over every order, for any function;
- :func:`lmdi_multiplicative` — factors whose product is V¹/V⁰.

Factors are given as mappings (or Series) from factor name to value.
"""

from __future__ import annotations

from itertools import combinations
from math import factorial
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

Values = Mapping[str, float]


def _product(values: Values) -> float:
    return float(np.prod([float(v) for v in values.values()]))


def _logmean(a, b):
    """L(a, b) = (a − b)/(ln a − ln b), with L(a, a) = a."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (a - b) / (np.log(a) - np.log(b))
    return np.where(np.isclose(a, b, rtol=1e-12, atol=0), a, out)


def sequential(before: Values, after: Values, order: Sequence[str] | None = None,
               func: Callable[[Values], float] = _product) -> pd.Series:
    """连环替代法: replace factors by their period-1 value one at a time in ``order``.

    The contribution of a factor is the value after its substitution minus the value before.
    The result depends on the order (Chinese convention: quantity factors before price
    factors); report the order with the result. Default order: the keys of ``before``.
    """
    order = list(order or before.keys())
    current = dict(before)
    value = func(current)
    out = {}
    for name in order:
        current[name] = after[name]
        new = func(current)
        out[name] = new - value
        value = new
    return pd.Series(out, name="sequential", dtype=float)


def shapley(before: Values, after: Values, func: Callable[[Values], float] = _product) -> pd.Series:
    """Shapley decomposition: the sequential contribution averaged over all K! orders.

    Computed over the 2^K subsets (factors at their period-1 value); exact and order-free.
    ``func`` maps factor values to the metric (default: their product).
    """
    names = list(before.keys())
    k = len(names)
    cache: dict[frozenset, float] = {}

    def value(changed: frozenset) -> float:
        if changed not in cache:
            cache[changed] = func({n: (after[n] if n in changed else before[n]) for n in names})
        return cache[changed]

    out = {}
    for name in names:
        others = [n for n in names if n != name]
        total = 0.0
        for size in range(k):
            weight = factorial(size) * factorial(k - size - 1) / factorial(k)
            for subset in combinations(others, size):
                s = frozenset(subset)
                total += weight * (value(s | {name}) - value(s))
        out[name] = total
    return pd.Series(out, name="shapley", dtype=float)


def lmdi(before: Values | pd.DataFrame, after: Values | pd.DataFrame) -> pd.Series:
    """LMDI-I additive decomposition of V = Σ_i Π_k x_ik (one segment if given mappings).

    ΔV_k = Σ_i L(V_i¹, V_i⁰)·ln(x_ik¹/x_ik⁰). Needs strictly positive factors. For segments,
    pass DataFrames with one row per segment (same index) and one column per factor; the
    contributions then include the mix effect of each factor across segments.
    """
    x0 = pd.DataFrame([before]) if not isinstance(before, pd.DataFrame) else before
    x1 = pd.DataFrame([after]) if not isinstance(after, pd.DataFrame) else after.loc[x0.index, x0.columns]
    if (x0.to_numpy() <= 0).any() or (x1.to_numpy() <= 0).any():
        raise ValueError("LMDI needs strictly positive factors (ln of zero); use shapley() instead")
    w = _logmean(x1.prod(axis=1).to_numpy(), x0.prod(axis=1).to_numpy())
    contrib = (np.log(x1.to_numpy(dtype=float) / x0.to_numpy(dtype=float)) * w[:, None]).sum(axis=0)
    return pd.Series(contrib, index=list(x0.columns), name="lmdi", dtype=float)


def lmdi_multiplicative(before: Values, after: Values) -> pd.Series:
    """Multiplicative LMDI for a single product: D_k = x_k¹/x_k⁰, with Π_k D_k = V¹/V⁰."""
    return pd.Series({k: float(after[k]) / float(before[k]) for k in before}, name="lmdi_multiplicative")


def decompose(before: Values, after: Values, order: Sequence[str] | None = None,
              func: Callable[[Values], float] = _product) -> pd.DataFrame:
    """One column per method (``sequential`` in ``order``, ``lmdi`` if ``func`` is the product,
    ``shapley``), one row per factor, and a final row ``total`` equal to V¹ − V⁰ for every method."""
    cols = {"sequential": sequential(before, after, order, func)}
    if func is _product:
        cols["lmdi"] = lmdi(before, after)
    cols["shapley"] = shapley(before, after, func)
    table = pd.DataFrame(cols)
    table.index.name = "factor"
    table.loc["total"] = table.sum()
    return table
