"""Viral growth: K-factor and cycle time from a referrals log, the Skok/Reiss model, a slider view.

Model (METHODS §8; Skok 2009, credited to Stan Reiss; Lawler 2011): U₀ seed users; every new
user invites once, in a single batch, one cycle after joining, and brings K = i × c new users.
After n = t/ct cycles the cumulative number of users is

    U(t) = U₀·(K^(n+1) − 1)/(K − 1)   for K ≠ 1,      U(t) = U₀·(n + 1)   for K = 1.

For K < 1 it tends to U₀/(1 − K): the amplification factor 1/(1 − K) of each non-viral user.
"""

from __future__ import annotations

import json

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
    lag = (acc["invitee_user_id"].astype("int64").map(reg) - acc["inviter_id"].map(reg)) / pd.Timedelta(days=1)
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


def plot_growth(k: float, cycle_time: float, u0: float = 1000, horizon_days: float = 60, ax=None,
                compare=(0.5, 1.0, 1.5)):
    """Static chart of U(t) for the chosen K and a few reference K values."""
    import matplotlib.pyplot as plt

    from .viz import GREY, HIGHLIGHT

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    t = np.linspace(0, horizon_days, 200)
    for ref in compare:
        if not np.isclose(ref, k):
            ax.plot(t, users_at(u0, ref, cycle_time, t), color=GREY, lw=1, ls="--")
            ax.annotate(f"K={ref:g}", (t[-1], users_at(u0, ref, cycle_time, t[-1])), fontsize=9, color=GREY)
    ax.plot(t, users_at(u0, k, cycle_time, t), color=HIGHLIGHT, lw=2.5,
            label=f"K={k:.2f}，周期 {cycle_time:.1f} 天")
    ax.set(title=f"病毒式传播：{u0:,.0f} 位种子用户 {horizon_days:.0f} 天后的累计用户",
           xlabel="天数", ylabel="累计用户数", yscale="log")
    ax.legend(loc="upper left")
    return ax


class ViralExplorer:
    """Sliders for K and cycle time over the closed-form model, with exportable state.

    ``show()`` draws a static chart of the current state first (so papermill/nbval have an image),
    then the sliders; ``state()`` / ``to_json()`` export the chosen values and the resulting numbers.
    """

    def __init__(self, k: float = 0.5, cycle_time: float = 5.5, u0: float = 1000, horizon_days: float = 60):
        self.k, self.cycle_time, self.u0, self.horizon_days = float(k), float(cycle_time), float(u0), float(horizon_days)

    def state(self) -> dict:
        cycles = self.horizon_days / self.cycle_time
        total = users_at(self.u0, self.k, self.cycle_time, self.horizon_days)
        return {"k": self.k, "cycle_time_days": self.cycle_time, "seed_users": self.u0,
                "horizon_days": self.horizon_days, "cycles": round(cycles, 3),
                "users_at_horizon": round(float(total), 1),
                "amplification": round(float(total / self.u0), 3),
                "limit": round(self.u0 / (1 - self.k), 1) if self.k < 1 else None}

    def to_json(self) -> str:
        return json.dumps(self.state(), ensure_ascii=False)

    def widget(self):
        import ipywidgets as w
        import matplotlib.pyplot as plt

        k = w.FloatSlider(value=self.k, min=0.1, max=2.0, step=0.05, description="K 系数")
        ct = w.FloatSlider(value=self.cycle_time, min=1, max=30, step=0.5, description="周期（天）")
        out = w.Output()
        text = w.HTML()

        def describe():
            self.k, self.cycle_time = k.value, ct.value
            s = self.state()
            text.value = (f"{s['horizon_days']:.0f} 天 = {s['cycles']:.1f} 个周期；累计用户 "
                          f"{s['users_at_horizon']:,.0f}（种子用户的 {s['amplification']:.1f} 倍）")

        def redraw(*_):
            describe()
            with out:
                out.clear_output(wait=True)
                plot_growth(self.k, self.cycle_time, self.u0, self.horizon_days)
                plt.show()

        k.observe(redraw, names="value")
        ct.observe(redraw, names="value")
        describe()  # the chart is drawn on the first slider move; show() draws the static one
        return w.VBox([w.HBox([k, ct]), text, out]), redraw

    def show(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        plot_growth(self.k, self.cycle_time, self.u0, self.horizon_days)
        plt.show()
        box, _ = self.widget()
        display(box)
