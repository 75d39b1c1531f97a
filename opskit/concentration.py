"""How concentrated a quantity is across units: top-k share, Lorenz curve, Gini, HHI.

Used for customer value concentration (帕累托/二八), KOL dependence and channel mix, and for
the scenario an MCN matrix fears most: its head 达人 leaves (:func:`head_leaves`).
Conventions (docs/methods.md#concentration): Gini = Σ_iΣ_j |x_i − x_j| / (2 n² x̄), so its small-sample maximum
is (n−1)/n; HHI = Σ (100·s_i)² on shares, in [10,000/n, 10,000]. Zero units count in n.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


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


# --- concentration in units an operator can read ---------------------------------------------

#: HHI bands of the DOJ/FTC Horizontal Merger Guidelines 2010 §5.3 (upper bounds, label).
HHI_BANDS_2010 = ((1_500, "unconcentrated"), (2_500, "moderately_concentrated"),
                  (float("inf"), "highly_concentrated"))
#: The 2023 Merger Guidelines (Guideline 1): above 1,800 is highly concentrated.
HHI_BANDS_2023 = ((1_800, "not_highly_concentrated"), (float("inf"), "highly_concentrated"))


def equivalent_number(x) -> float:
    """The number of equal-sized units that would give the same HHI: 10,000 / HHI.

    HHI 3,000 (shares 40/30/20/10) is as concentrated as 3.33 equal units; n equal units give n.
    It reads "how many 达人 the matrix really rests on", whatever the nominal head count.
    """
    return 10_000 / hhi(x)


def hhi_band(value: float, guidelines: str = "2010") -> str:
    """The merger-guideline band of an HHI value (``"2010"``: 1,500 / 2,500; ``"2023"``: 1,800)."""
    bands = {"2010": HHI_BANDS_2010, "2023": HHI_BANDS_2023}.get(str(guidelines))
    if bands is None:
        raise ValueError("guidelines must be '2010' or '2023'")
    return next(label for upper, label in bands if value <= upper)


def summary(x, ks=(1, 3)) -> dict[str, float]:
    """Every concentration measure of ``x`` at once: n, CR_k for each k, HHI, its equivalent
    number and 2010 band, and the Gini coefficient. Zero units count in n (docs/methods.md#concentration)."""
    values = _values(x)
    out: dict[str, float] = {"n": int(values.size)}
    out.update({f"cr{k}": top_k_share(values, k) for k in ks})
    out["hhi"] = hhi(values)
    out["equivalent_number"] = 10_000 / out["hhi"]
    out["hhi_band"] = hhi_band(out["hhi"])
    out["gini"] = gini(values)
    return out


# --- the head leaves: GMV at risk and how long the matrix needs to replace it ---------------

DAYS_PER_MONTH = 365.25 / 12


def replacement_gmv(months, recruits_per_month: float, new_unit_gmv: float, ramp_tau_months: float):
    """Monthly GMV brought by new units recruited continuously since month 0.

    Each new unit ramps up as ``g·(1 − exp(−a/τ))`` (``g`` = ``new_unit_gmv`` per month at full
    strength, ``a`` its age), and ``r`` units join per month, so the replacement at month ``t`` is
    R(t) = r·g·(t − τ·(1 − exp(−t/τ))); with τ = 0 (no ramp) R(t) = r·g·t.
    """
    t = np.asarray(months, dtype=float)
    tau = float(ramp_tau_months)
    ramp_lag = tau * -np.expm1(-t / tau) if tau > 0 else 0.0
    return recruits_per_month * new_unit_gmv * (t - ramp_lag)


def months_to_replace(gap: float, recruits_per_month: float, new_unit_gmv: float,
                      ramp_tau_months: float) -> float:
    """Months until :func:`replacement_gmv` reaches ``gap`` (monthly GMV lost); ``inf`` if nothing
    is recruited. R is increasing from R(0) = 0, so the root is unique (found with Brent's method)."""
    from scipy.optimize import brentq

    if gap <= 0:
        return 0.0
    rate = recruits_per_month * new_unit_gmv
    if rate <= 0:
        return float("inf")
    upper = gap / rate + ramp_tau_months + 1.0  # R(t) ≥ r·g·(t − τ) so R(upper) > gap
    return float(brentq(lambda t: replacement_gmv(t, recruits_per_month, new_unit_gmv,
                                                  ramp_tau_months) - gap, 0.0, upper, xtol=1e-10))


def cumulative_shortfall(months: float, gap: float, recruits_per_month: float, new_unit_gmv: float,
                         ramp_tau_months: float) -> float:
    """GMV lost between month 0 and ``months``: ∫ (gap − R(t)) dt, in closed form.

    ∫₀ᵀ R(t) dt = r·g·(T²/2 − τT + τ²(1 − e^(−T/τ))).
    """
    T, tau = float(months), float(ramp_tau_months)
    integral_ramp = T ** 2 / 2 - tau * T + tau ** 2 * -np.expm1(-T / tau) if tau > 0 else T ** 2 / 2
    return float(gap * T - recruits_per_month * new_unit_gmv * integral_ramp)


@dataclass(frozen=True)
class HeadLeaves:
    """Result of :func:`head_leaves` (GMV per month unless said otherwise)."""

    head: tuple[str, ...]
    head_gmv: float               # the leaving units' monthly GMV
    follow_share: float           # share of it that leaves with them
    gmv_at_risk: float            # head_gmv × follow_share
    share_of_total: float         # gmv_at_risk / the matrix's monthly GMV
    months_to_replace: float      # until new units ramp up to gmv_at_risk
    cumulative_loss: float        # GMV lost until then (the area of the hole)
    path: pd.DataFrame            # month, at_risk, replaced, shortfall


def head_leaves(monthly_gmv: pd.Series, head, follow_share: float, *, recruits_per_month: float,
                new_unit_gmv: float, ramp_tau_days: float, horizon_months: int = 24) -> HeadLeaves:
    """Scenario: the ``head`` unit(s) leave and take ``follow_share`` of their GMV with them.

    ``monthly_gmv`` is each unit's monthly GMV indexed by its id (ids are opaque strings).
    The rest of the head's GMV stays (followers on lists the company owns keep buying).
    The matrix answers by recruiting ``recruits_per_month`` new units that each ramp up to
    ``new_unit_gmv`` per month with time constant ``ramp_tau_days`` (see :func:`replacement_gmv`).
    Returns the monthly GMV at risk, its share of the matrix, the months to replace it and the
    GMV lost meanwhile, with a month-by-month path over ``horizon_months``.
    """
    heads = (head,) if isinstance(head, str) else tuple(head)
    unknown = [h for h in heads if h not in monthly_gmv.index]
    if unknown:
        raise KeyError(f"head units not in monthly_gmv: {unknown}")
    if not 0 <= follow_share <= 1:
        raise ValueError("follow_share must be within [0, 1]")
    head_gmv = float(monthly_gmv.loc[list(heads)].sum())
    at_risk = head_gmv * follow_share
    tau = ramp_tau_days / DAYS_PER_MONTH
    months = months_to_replace(at_risk, recruits_per_month, new_unit_gmv, tau)
    t = np.arange(horizon_months + 1, dtype=float)
    replaced = np.minimum(replacement_gmv(t, recruits_per_month, new_unit_gmv, tau), at_risk)
    path = pd.DataFrame({"month": t.astype(int), "at_risk": at_risk, "replaced": replaced,
                         "shortfall": at_risk - replaced})
    loss = (cumulative_shortfall(months, at_risk, recruits_per_month, new_unit_gmv, tau)
            if np.isfinite(months) else float("inf"))
    return HeadLeaves(heads, head_gmv, float(follow_share), at_risk,
                      at_risk / float(monthly_gmv.sum()), months, loss, path)
