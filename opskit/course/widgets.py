"""Interactive widgets for chapter sections (ipywidgets), each with a static fallback and exportable state."""

from __future__ import annotations

import json

import numpy as np

from opskit.viral import users_at
from opskit.viz.charts import viral_growth
from opskit.viz.theme import PALETTE


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

        # the range always contains the measured K (a K of 0.09 must not open at the slider's minimum)
        k = w.FloatSlider(value=self.k, min=0.0, max=max(2.0, round(self.k * 1.5, 2)), step=0.01,
                          description="K 系数")
        ct = w.FloatSlider(value=self.cycle_time, min=min(1.0, self.cycle_time), max=max(30.0, self.cycle_time * 1.5),
                           step=0.1, description="周期（天）")
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


class LevelCurveDesigner:
    """Design a level curve (geometric or polynomial) against the members' real growth value.

    The state: curve kind, number of levels, growth value for level 2 and for the top level; the
    readout: per level the growth value needed and the share of members there today, and the
    months the median member needs to reach the next level. ``show()`` draws the static chart
    first (papermill/nbval), then the controls; ``state()`` / ``to_json()`` export the design.
    """

    def __init__(self, growth, monthly_median: float, kind: str = "geometric", levels: int = 8,
                 first_xp: float = 100.0, top_xp: float = 20000.0):
        import numpy as np

        self.growth = np.asarray(growth, dtype=float)
        self.monthly_median = float(monthly_median)
        self.kind, self.levels = kind, int(levels)
        self.first_xp, self.top_xp = float(first_xp), float(top_xp)

    def curve(self) -> dict:
        from opskit.loyalty import design_geometric_curve, design_poly_curve

        design = design_geometric_curve if self.kind == "geometric" else design_poly_curve
        return design(self.first_xp, self.top_xp, self.levels)

    def table(self):
        import numpy as np
        import pandas as pd

        from opskit.loyalty import curve_level, curve_xp

        curve = self.curve()
        lv = np.arange(1, self.levels + 1)
        need = curve_xp(curve, lv)
        reached = curve_level(curve, self.growth)
        share = pd.Series(reached).value_counts(normalize=True).reindex(lv, fill_value=0.0).to_numpy()
        step = np.diff(np.r_[need, np.nan])
        months = step / self.monthly_median if self.monthly_median > 0 else np.full(len(lv), np.inf)
        return pd.DataFrame({"level": lv, "growth_needed": need, "member_share": share,
                             "months_to_next_at_median": months})

    def state(self) -> dict:
        t = self.table()
        curve = self.curve()
        return {"kind": self.kind, "levels": self.levels, "first_xp": self.first_xp, "top_xp": self.top_xp,
                "parameters": {k: round(v, 6) for k, v in curve.items() if isinstance(v, float)},
                "growth_needed": [round(float(v), 1) for v in t["growth_needed"]],
                "member_share": [round(float(v), 4) for v in t["member_share"]],
                "months_to_next_at_median": [None if not np.isfinite(v) else round(float(v), 2)
                                             for v in t["months_to_next_at_median"]]}

    def to_json(self) -> str:
        return json.dumps(self.state(), ensure_ascii=False)

    def to_markdown(self) -> str:
        t = self.table()
        rows = [f"| Lv{int(r.level)} | {r.growth_needed:,.0f} | {r.member_share:.1%} | "
                + ("—" if not np.isfinite(r.months_to_next_at_median) else f"{r.months_to_next_at_median:.1f}") + " |"
                for r in t.itertuples()]
        return ("| 等级 | 所需累计成长值 | 当前会员占比 | 中位会员升到下一级所需月数 |\n|---|---|---|---|\n"
                + "\n".join(rows))

    def draw(self, ax=None):
        import matplotlib.pyplot as plt

        t = self.table()
        if ax is None:
            _, ax = plt.subplots(figsize=(10, 4))
        ax.bar(t["level"].astype(str), t["member_share"], color=PALETTE[0])
        ax.set(title=f"{'几何' if self.kind == 'geometric' else '多项式'}等级曲线下的会员分布（{self.levels} 级）",
               xlabel="等级", ylabel="会员占比")
        return ax

    def widget(self):
        import ipywidgets as w
        import matplotlib.pyplot as plt

        kind = w.Dropdown(options=[("几何曲线", "geometric"), ("多项式曲线", "poly")], value=self.kind, description="曲线")
        levels = w.IntSlider(value=self.levels, min=4, max=15, description="等级数")
        first = w.FloatLogSlider(value=self.first_xp, base=10, min=1, max=4, description="Lv2 门槛")
        top = w.FloatLogSlider(value=self.top_xp, base=10, min=3, max=6, description="顶级门槛")
        out, text = w.Output(), w.HTML()

        def redraw(*_):
            self.kind, self.levels, self.first_xp, self.top_xp = kind.value, levels.value, first.value, top.value
            try:
                self.table()
            except ValueError as error:
                text.value = f"无法设计：{error}"
                return
            text.value = self.to_markdown().replace("\n", "<br>")
            with out:
                out.clear_output(wait=True)
                self.draw()
                plt.show()

        for control in (kind, levels, first, top):
            control.observe(redraw, names="value")
        return w.VBox([w.HBox([kind, levels]), w.HBox([first, top]), text, out]), redraw

    def show(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        self.draw()
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


class TokenEconomyExplorer:
    """Sliders for the member economy's trade fee, issuance and royalty, with exportable state.

    Each change re-runs :func:`opskit.tokens.simulate_economy` (about 0.1 s) with the same seed, so
    only the chosen parameters differ. ``show()`` draws the static chart of the current state first
    (papermill/nbval keep an image), then the sliders; ``state()`` / ``to_json()`` / ``to_markdown()``
    export the design and the numbers it produced.
    """

    def __init__(self, params=None, *, fee_rate: float | None = None, issue_per_member: float | None = None,
                 royalty_rate: float | None = None, seed: int = 0):
        from opskit.tokens import EconomyParams

        base = params or EconomyParams()
        self.params = base
        self.fee_rate = float(base.fee_rate if fee_rate is None else fee_rate)
        self.issue_per_member = float(base.issue_per_member if issue_per_member is None else issue_per_member)
        self.royalty_rate = float(base.royalty_rate if royalty_rate is None else royalty_rate)
        self.seed = seed

    def run(self):
        from opskit.tokens import simulate_economy

        return simulate_economy(self.params, self.seed, fee_rate=self.fee_rate,
                                issue_per_member=self.issue_per_member, royalty_rate=self.royalty_rate)

    def state(self) -> dict:
        summary = self.run().summary()
        return {"fee_rate": self.fee_rate, "issue_per_member": self.issue_per_member,
                "royalty_rate": self.royalty_rate, "seed": self.seed,
                "fill_rate": round(summary["fill_rate"], 4), "supply_growth": round(summary["supply_growth"], 4),
                "velocity": round(summary["velocity"], 4), "revenue": summary["revenue"],
                "revenue_lines": {k: summary[k] for k in ("trade_fee", "material_spread", "tool_wear", "recipe_fee")},
                "royalties": summary["royalties"]}

    def to_json(self) -> str:
        return json.dumps(self.state(), ensure_ascii=False)

    def to_markdown(self) -> str:
        s = self.state()
        lines = s["revenue_lines"]
        return (f"**通证经济方案**：交易手续费 {s['fee_rate']:.1%}、每周发放 {s['issue_per_member']:g} 积分/活跃会员、"
                f"版税 {s['royalty_rate']:.1%}\n\n- 成交率（流动性）{s['fill_rate']:.1%}；积分年增速 {s['supply_growth']:+.1%}；"
                f"周流通速度 {s['velocity']:.3f}\n- 平台收入 {s['revenue']:,} 积分 = 交易手续费 {lines['trade_fee']:,} + "
                f"原材料价差 {lines['material_spread']:,} + 工具损耗 {lines['tool_wear']:,} + 配方费用 {lines['recipe_fee']:,}；"
                f"创作者版税 {s['royalties']:,} 积分")

    def _describe(self) -> str:
        s = self.state()
        return (f"成交率 {s['fill_rate']:.1%}；积分年增速 {s['supply_growth']:+.1%}；平台收入 {s['revenue']:,} 积分；"
                f"创作者版税 {s['royalties']:,} 积分")

    def widget(self):
        import ipywidgets as w
        import matplotlib.pyplot as plt

        from opskit.viz.charts import economy_run

        fee = w.FloatSlider(value=self.fee_rate, min=0.0, max=0.3, step=0.01, description="手续费率",
                            readout_format=".0%")
        issue = w.FloatSlider(value=self.issue_per_member, min=0.0, max=12.0, step=0.5, description="每周发放")
        royalty = w.FloatSlider(value=self.royalty_rate, min=0.0, max=0.2, step=0.01, description="版税率",
                                readout_format=".0%")
        out, text = w.Output(), w.HTML(value=self._describe())

        def redraw(*_):
            self.fee_rate, self.issue_per_member, self.royalty_rate = fee.value, issue.value, royalty.value
            text.value = self._describe()
            with out:
                out.clear_output(wait=True)
                economy_run(self.run().periods)
                plt.show()

        for slider in (fee, issue, royalty):
            slider.observe(redraw, names="value")
        return w.VBox([w.HBox([fee, issue, royalty]), text, out]), redraw

    def show(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        from opskit.viz.charts import economy_run

        economy_run(self.run().periods, title=f"手续费 {self.fee_rate:.0%} 时的会员经济")
        plt.show()
        box, _ = self.widget()
        display(box)
