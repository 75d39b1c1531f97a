"""Viral growth: K-factor and cycle time from a referrals log, the Skok/Reiss model, a slider view.

Model (``docs/methods.md#viral-growth``; Skok 2009, credited to Stan Reiss; Lawler 2011): U₀ seed users; every new
user invites once, in a single batch, one cycle after joining, and brings K = i × c new users.
After n = t/ct cycles the cumulative number of users is

    U(t) = U₀·(K^(n+1) − 1)/(K − 1)   for K ≠ 1,      U(t) = U₀·(n + 1)   for K = 1.

For K < 1 it tends to U₀/(1 − K): the amplification factor 1/(1 − K) of each non-viral user.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def k_factor(referrals: pd.DataFrame, users: pd.DataFrame) -> dict:
    """K-factor and viral cycle time measured from the data.

    - i = invitations sent ÷ all users who could invite (every user in ``users``, not only
      those who invited at all);
    - c = accepted invitations (an invitee registered) ÷ invitations sent;
    - K = i × c;
    - cycle time = mean days from the inviter's registration to the invitee's registration.
    """
    invites = len(referrals)
    accepted = referrals["invitee_user_id"].notna()
    i = invites / len(users)
    c = accepted.sum() / invites if invites else 0.0
    reg = users.set_index("user_id")["register_time"]
    acc = referrals.loc[accepted]
    lag = (acc["invitee_user_id"].map(reg) - acc["inviter_id"].map(reg)) / pd.Timedelta(days=1)
    return {"users": len(users), "invites": invites, "accepted": int(accepted.sum()),
            "i": float(i), "c": float(c), "k": float(i * c),
            "cycle_time_days": float(lag.mean()) if len(lag) else float("nan")}


def viral_users(u0: float, k: float, cycles) -> np.ndarray | float:
    """Cumulative users after ``cycles`` invite cycles (closed form, K = 1 branch included)."""
    n = np.asarray(cycles, dtype=float)
    if np.isclose(k, 1.0):
        out = u0 * (n + 1)
    else:
        out = u0 * (np.power(k, n + 1) - 1) / (k - 1)
    return float(out) if out.ndim == 0 else out


def users_at(u0: float, k: float, cycle_time: float, days) -> np.ndarray | float:
    """U(t) for t in days: the closed form at n = t / cycle_time cycles."""
    return viral_users(u0, k, np.asarray(days, dtype=float) / cycle_time)


def simulate(u0: float, k: float, cycles: int) -> pd.DataFrame:
    """Cycle-by-cycle simulation: new users of cycle n = K × new users of cycle n − 1."""
    new = np.empty(cycles + 1)
    new[0] = u0
    for n in range(1, cycles + 1):  # a handful of cycles, not users
        new[n] = new[n - 1] * k
    return pd.DataFrame({"cycle": np.arange(cycles + 1), "new_users": new,
                         "total_users": np.cumsum(new)}).set_index("cycle")
