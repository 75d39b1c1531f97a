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
