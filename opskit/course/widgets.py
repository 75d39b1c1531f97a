"""Interactive widgets for chapter sections (ipywidgets), each with a static fallback and exportable state."""

from __future__ import annotations

import json

from opskit.viral import users_at
from opskit.viz.charts import viral_growth


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
                viral_growth(self.k, self.cycle_time, self.u0, self.horizon_days)
                plt.show()

        k.observe(redraw, names="value")
        ct.observe(redraw, names="value")
        describe()  # the chart is drawn on the first slider move; show() draws the static one
        return w.VBox([w.HBox([k, ct]), text, out]), redraw

    def show(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        viral_growth(self.k, self.cycle_time, self.u0, self.horizon_days)
        plt.show()
        box, _ = self.widget()
        display(box)
