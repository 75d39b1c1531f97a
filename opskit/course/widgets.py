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


class GrowthModelScorer:
    """三大视角 scoring matrix (用户 / 竞争 / 内部 × growth models) that recommends a growth model.

    Scores (1–5) and perspective weights can come from data and be changed in a workshop with
    sliders; ``show()`` draws the static matrix first (papermill/nbval keep an image), then the
    sliders. ``state()`` / ``to_json()`` / ``to_markdown()`` export the scores, weights and the
    recommendation, so a group's result can be kept and shared.
    """

    def __init__(self, scores, weights, notes=None):
        import pandas as pd

        self.scores = pd.DataFrame(scores, dtype=float).copy()
        self.weights = {str(k): float(v) for k, v in dict(weights).items()}
        self.notes = dict(notes or {})

    def recommendation(self):
        from opskit.growth import score_growth_models

        return score_growth_models(self.scores, self.weights)

    def state(self) -> dict:
        rec = self.recommendation()
        return {
            "scores": {row: {col: round(float(v), 2) for col, v in self.scores.loc[row].items()}
                       for row in self.scores.index},
            "weights": self.weights,
            "totals": {col: round(float(v), 3) for col, v in rec.table.loc["加权总分"].items()},
            "recommended": rec.model,
            "margin": round(rec.margin, 3),
            "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.state(), ensure_ascii=False)

    def to_markdown(self) -> str:
        s = self.state()
        models = list(self.scores.columns)
        lines = ["| 视角 | 权重 | " + " | ".join(models) + " |", "|---|---:|" + "---:|" * len(models)]
        for row in self.scores.index:
            cells = " | ".join(f"{s['scores'][row][m]:.1f}" for m in models)
            lines.append(f"| {row} | {s['weights'].get(row, 0):.2f} | {cells} |")
        lines.append("| **加权总分** | | " + " | ".join(f"**{s['totals'][m]:.2f}**" for m in models) + " |")
        lines.append("")
        lines.append(f"推荐的增长模型：**{s['recommended']}**（领先第二名 {s['margin']:.2f} 分）。")
        for key, note in self.notes.items():
            lines.append(f"- {key}：{note}")
        return "\n".join(lines)

    def draw(self, ax=None):
        from opskit.viz.charts import score_matrix

        rec = self.recommendation()
        return score_matrix(rec.table, ax=ax, highlight=rec.model,
                            title=f"三大视角评分矩阵：推荐「{rec.model}」")

    def widget(self):
        import ipywidgets as w
        import matplotlib.pyplot as plt

        out, text = w.Output(), w.HTML()
        cells = {}
        rows = []
        for row in self.scores.index:
            weight = w.FloatSlider(value=self.weights.get(row, 0.0), min=0, max=1, step=0.05,
                                   description=f"{row}权重", continuous_update=False)
            sliders = [w.FloatSlider(value=float(self.scores.loc[row, col]), min=1, max=5, step=0.5,
                                     description=str(col), continuous_update=False) for col in self.scores.columns]
            cells[row] = (weight, sliders)
            rows.append(w.HBox([weight, *sliders]))

        def redraw(*_):
            for row, (weight, sliders) in cells.items():
                self.weights[row] = weight.value
                for col, slider in zip(self.scores.columns, sliders):
                    self.scores.loc[row, col] = slider.value
            s = self.state()
            text.value = f"推荐：<b>{s['recommended']}</b>（领先 {s['margin']:.2f} 分）"
            with out:
                out.clear_output(wait=True)
                self.draw()
                plt.show()

        for weight, sliders in cells.values():
            for control in (weight, *sliders):
                control.observe(redraw, names="value")
        text.value = f"推荐：<b>{self.recommendation().model}</b>"
        return w.VBox([*rows, text, out]), redraw

    def show(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        self.draw()
        plt.show()
        box, _ = self.widget()
        display(box)
