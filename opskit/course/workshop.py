"""The data-system workshop canvas (探讨共创1：精细化运营数据体系设计), built on
:mod:`opskit.course.workshop_kit`.

A group records its North Star, metric tree, KPI list (with owners, targets and guardrails) and its
votes in a :class:`WorkshopState`; the state exports to Markdown (to share) and JSON (to reload
exactly). :class:`DataSystemCanvas` is the ipywidgets editor used live in the workshop: it edits the
state, computes the chosen metrics on the data with :mod:`opskit.metrics`, checks the tree's
identities, redraws its chart and offers both files as browser downloads.

The tree is plain data: a list of :class:`TreeNode` (metric id, parent id, and the operator that
combines the node's children), so it serialises to JSON; :func:`to_metric` converts it to an
:class:`opskit.metric_tree.Metric`, whose ``evaluate`` is used for the identity checks. Tree lines
use ids or the catalog's Chinese names: ``gmv = buyers * orders_per_buyer * aov`` or
``成交额 = 下单用户数 × 人均订单数 × 客单价``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from opskit import metrics
from opskit.course import workshop_kit as kit
from opskit.course.workshop_kit import FREQUENCIES, KPI, OPERATORS, TreeNode, VoteBoard  # noqa: F401 - API
from opskit.metric_tree import Metric, evaluate

CRITERIA = ("反映用户价值", "领先于收入", "可被运营动作影响", "可衡量、口径清楚")
TOPIC = "data_system"
NORTH_STAR_VOTE = "北极星候选"


def glossary() -> kit.Glossary:
    """The metric catalog's names, for the tree language."""
    return kit.Glossary({m: d.label for m, d in metrics.METRICS.items()})


@dataclass
class WorkshopState(kit.SavedState):
    team_name: str = ""
    business: str = ""
    north_star: str = ""
    rationale: str = ""
    criteria: dict[str, int] = field(default_factory=lambda: {c: 3 for c in CRITERIA})
    tree: list[TreeNode] = field(default_factory=list)
    kpis: list[KPI] = field(default_factory=list)
    votes: list[VoteBoard] = field(default_factory=list)

    # --- tree helpers ---------------------------------------------------------------------
    def children(self, metric: str) -> list[str]:
        return kit.children(self.tree, metric)

    def node(self, metric: str) -> TreeNode | None:
        return next((n for n in self.tree if n.metric == metric), None)

    def roots(self) -> list[str]:
        return [n.metric for n in self.tree if n.parent is None]

    def metric_ids(self) -> list[str]:
        """Every metric the state mentions, North Star first."""
        ids = ([self.north_star] + [n.metric for n in self.tree] + [k.metric for k in self.kpis]
               + [k.guardrail for k in self.kpis])
        return [i for i in dict.fromkeys(ids) if i]

    # --- serialisation --------------------------------------------------------------------
    def to_markdown(self, values: pd.DataFrame | None = None) -> str:
        """The workshop result as Markdown; ``values`` (period × metric id) adds latest values."""
        latest = _latest(values)
        ns = _label(self.north_star)
        lines = [f"# {self.team_name or '（未命名小组）'}：精细化运营数据体系", "",
                 f"**小组**：{self.team_name or '（未命名小组）'}", "",
                 f"**业务**：{self.business or '（未填写）'}", "", "## 北极星指标", "",
                 f"**{ns}**（`{self.north_star}`）" + (f"，最新值 {latest[self.north_star]}"
                                                      if self.north_star in latest else ""), ""]
        if self.north_star in metrics.METRICS:
            lines += [f"口径：{metrics.METRICS[self.north_star].definition}", ""]
        lines += [f"理由：{self.rationale or '（未填写）'}", "", "| 标准 | 评分（1–5） |", "|---|---:|"]
        lines += [f"| {c} | {s} |" for c, s in self.criteria.items()]
        lines += ["", "## 指标树", ""]
        lines += tree_lines(self) or ["（尚未搭建）"]
        lines += ["", "## KPI 清单", "", "| 指标 | 口径 | 责任人 | 目标 | 频率 | 护栏 | 最新值 |",
                  "|---|---|---|---:|---|---|---:|"]
        for k in self.kpis:
            definition = metrics.METRICS[k.metric].definition if k.metric in metrics.METRICS else ""
            guard = _label(k.guardrail) if k.guardrail else ""
            lines.append(f"| {_label(k.metric)} | {definition} | {k.owner} | {_fmt_target(k.metric, k.target)} | "
                         f"{k.frequency} | {guard} | {latest.get(k.metric, '')} |")
        if self.votes:
            lines += ["", "## 投票与收敛", ""]
            for board in self.votes:
                lines += board.markdown()
        return "\n".join(lines).rstrip("\n") + "\n"


def _label(metric: str) -> str:
    return metrics.METRICS[metric].label if metric in metrics.METRICS else metric


def _unit(metric: str) -> str:
    return metrics.METRICS[metric].unit if metric in metrics.METRICS else ""


def _latest(values: pd.DataFrame | None) -> dict[str, str]:
    if values is None or values.empty:
        return {}
    out = {}
    for col in values:
        s = values[col].dropna()
        if len(s):
            out[col] = kit.fmt_number(s.iloc[-1], _unit(col))
    return out


def tree_lines(state: WorkshopState) -> list[str]:
    """The tree as an indented Markdown list: ``- 成交额 = 下单用户数 × 人均订单数 × 客单价``."""
    return kit.tree_markdown(state.tree, _label, state.north_star)


def parse_tree(text: str) -> list[TreeNode]:
    """Parse tree lines written with metric ids or the catalog's Chinese names (see
    :func:`opskit.course.workshop_kit.parse_tree`)."""
    return kit.parse_tree(text, glossary())


def format_tree(state: WorkshopState, chinese: bool = False) -> str:
    """Inverse of :func:`parse_tree` (ids, or the Chinese names with ``chinese=True``)."""
    return kit.format_tree(state.tree, glossary() if chinese else None)


def check_identities(state: WorkshopState, values: pd.DataFrame) -> pd.DataFrame:
    """For each node with an operator: does combining its children reproduce it on the data?

    One row per identity: the formula, the largest relative gap over the periods where all terms
    are known, and whether it holds (gap < 1e-9). Nodes with a term missing from ``values`` get
    ``成立 = "无法计算"``.
    """
    rows = []
    for n in state.tree:
        kids = state.children(n.metric)
        if not kids or not n.op:
            continue
        formula = f"{_label(n.metric)} = " + f" {n.op} ".join(_label(k) for k in kids)
        if not all(m in values for m in [n.metric, *kids]):
            rows.append({"恒等式": formula, "最大相对偏差": np.nan, "成立": "无法计算"})
            continue
        one_level = Metric(n.metric, _label(n.metric), n.op, tuple(Metric(k, _label(k)) for k in kids))
        combined = evaluate(one_level, {k: values[k] for k in kids})[n.metric]
        both = pd.concat([values[n.metric], combined], axis=1).dropna()
        gap = float(((both.iloc[:, 0] - both.iloc[:, 1]).abs() / both.iloc[:, 0].abs().clip(lower=1e-12)).max()) \
            if len(both) else np.nan
        rows.append({"恒等式": formula, "最大相对偏差": gap,
                     "成立": "是" if gap < 1e-9 else ("无法计算" if np.isnan(gap) else "否")})
    return pd.DataFrame(rows, columns=["恒等式", "最大相对偏差", "成立"])


def to_metric(state: WorkshopState, root: str | None = None) -> Metric:
    """The state's tree (from ``root``, default its first root) as an :class:`opskit.metric_tree.Metric`,
    for :func:`opskit.metric_tree.evaluate`, ``to_markdown`` and ``plot_tree``."""
    root = root or state.roots()[0]

    def build(metric: str) -> Metric:
        node, kids = state.node(metric), state.children(metric)
        if kids and node is not None and node.op:
            return Metric(metric, _label(metric), node.op, tuple(build(k) for k in kids), _unit(metric))
        return Metric(metric, _label(metric), unit=_unit(metric))

    return build(root)


def demo_state() -> WorkshopState:
    """The pre-filled state for the demo company 鲜选, with the North Star vote of five members."""
    candidates = ["buyers", "gmv", "active_users", "repeat_rate", "retention_30d"]
    board = VoteBoard(NORTH_STAR_VOTE, [_label(m) for m in candidates], dots=3, votes={
        "运营 王": [_label("buyers"), _label("buyers"), _label("repeat_rate")],
        "产品 李": [_label("active_users"), _label("buyers"), _label("retention_30d")],
        "数据 赵": [_label("buyers"), _label("retention_30d"), _label("gmv")],
        "品类 孙": [_label("gmv"), _label("buyers"), _label("repeat_rate")],
        "负责人 周": [_label("buyers"), _label("active_users"), _label("retention_30d")],
    })
    board.converge(1)
    return WorkshopState(
        team_name="鲜选增长小组",
        business="生鲜与日用品到家 App（会员 + 企微社群）",
        north_star="buyers",
        rationale="每月下单用户数衡量有多少人真正把买菜交给了鲜选：它反映用户价值，领先于成交额，"
                  "拉新、首单转化、复购召回都能直接推动它，口径简单可每天监测。",
        criteria={"反映用户价值": 4, "领先于收入": 4, "可被运营动作影响": 5, "可衡量、口径清楚": 5},
        tree=parse_tree("gmv = buyers * orders_per_buyer * aov\nbuyers = new_buyers + returning_buyers"),
        kpis=[KPI("new_buyers", "拉新运营", None, "月", "paid_cac"),
              KPI("repeat_rate", "会员运营", None, "月", "aov"),
              KPI("aov", "品类运营", None, "月", "repeat_rate"),
              KPI("paid_cac", "渠道投放", None, "月", "new_buyers"),
              KPI("retention_30d", "用户运营", None, "月", "")],
        votes=[board],
    )


def baseline_target(base: float, metric: "metrics.MetricDef") -> float:
    """An example target from a baseline: ×1.1 for counts and amounts, ×0.95 for costs, and for
    rates a 10% cut of the gap to 100% (0.80 → 0.82), so a target never exceeds 100%."""
    if metric.unit == "比例":
        return base + 0.1 * (1 - base)
    return base * (1.1 if metric.higher_is_better else 0.95)


def _fmt_target(metric: str, target: float | None) -> str:
    return "" if target is None else kit.fmt_number(target, _unit(metric))


def export(state: WorkshopState, folder: str | Path, values: pd.DataFrame | None = None,
           stem: str | None = None) -> tuple[Path, Path]:
    """Write ``<小组>_data_system.md`` and ``.json`` into ``folder`` (atomically); the group's name
    in the file names keeps groups sharing a folder from overwriting each other."""
    return kit.write_exports(folder, stem or kit.file_stem(state.team_name, TOPIC), state.to_markdown(values),
                             state.to_json())


def load(path: str | Path) -> WorkshopState:
    return WorkshopState.from_json(Path(path).read_text(encoding="utf-8"))


class DataSystemCanvas(kit.CanvasBase):
    """ipywidgets editor of a :class:`WorkshopState` with live metric values, a chart that follows
    the canvas, votes, editable KPI rows, downloads and loading a saved JSON.

    ``canvas`` (displayed) is the app; ``canvas.state`` the current state; ``canvas.values`` the
    metrics of the state computed on ``data`` (period × metric id). Where no kernel draws widgets
    (the static site, nbval) the display falls back to a readable HTML summary.
    """

    topic = TOPIC

    def __init__(self, data, state: WorkshopState | None = None, export_dir: str | Path = "",
                 period: str = "month"):
        import ipywidgets as w

        self.data, self.period, self.export_dir = data, period, export_dir
        self.state = state if state is not None else demo_state()
        self._cache: dict[str, pd.Series] = {}
        self._syncing = False
        self.avail = metrics.available(data)
        self.options = [(f"{metrics.METRICS[i].label}（{i}）", i) for i in self.avail]
        if self.state.north_star not in self.avail:
            self.state.north_star = self.avail[0] if self.avail else ""
        self.business = w.Text(value=self.state.business, description="业务")
        self.north_star = w.Dropdown(options=self.options, value=self.state.north_star or None, description="北极星")
        self.north_star.add_class("opskit-north-star")
        self.rationale = w.Textarea(value=self.state.rationale, description="理由", layout=w.Layout(width="95%"))
        self.criteria = {c: w.IntSlider(value=self.state.criteria.get(c, 3), min=1, max=5, description=c,
                                        style={"description_width": "10em"}) for c in CRITERIA}
        self.tree_text = w.Textarea(value=format_tree(self.state, chinese=True), description="指标树",
                                    layout=w.Layout(width="95%", height="7em"))
        self.tree_msg = w.HTML()
        self.missing = w.HTML(self._missing_note())
        for widget in (self.business, self.north_star, self.rationale, *self.criteria.values()):
            widget.observe(self._on_change, names="value")
        self.tree_text.observe(self._on_tree, names="value")
        self._build()
        self.refresh()

    # --- what the kit asks of a canvas -------------------------------------------------------
    def own_tabs(self):
        w = self.w
        help_text = w.HTML("<small>每行一个拆解，可写中文指标名或 id，运算符 × + ÷（或 * + /），例如："
                           "<code>成交额 = 下单用户数 × 人均订单数 × 客单价</code></small>")
        return [("1 北极星", w.VBox([self.business, self.north_star, self.rationale, *self.criteria.values()])),
                ("2 指标树", w.VBox([help_text, self.tree_text, self.tree_msg, self.missing]))]

    def metric_options(self):
        return self.options

    def label(self, metric: str) -> str:
        return _label(metric)

    def unit(self, metric: str) -> str:
        return _unit(metric)

    def latest(self, metric: str) -> str:
        s = self._series(metric)
        return kit.fmt_number(s.dropna().iloc[-1], _unit(metric)) if s is not None and s.notna().any() else ""

    def markdown(self) -> str:
        return self.state.to_markdown(self.values)

    def state_from_json(self, text: str) -> WorkshopState:
        return WorkshopState.from_json(text)

    def sync_own(self) -> None:
        self._syncing = True
        try:
            s = self.state
            self.business.value, self.rationale.value = s.business, s.rationale
            if s.north_star in self.avail:
                self.north_star.value = s.north_star
            for c, slider in self.criteria.items():
                slider.value = s.criteria.get(c, 3)
            self.tree_text.value = format_tree(s, chinese=True)
            self.tree_msg.value = ""
        finally:
            self._syncing = False

    # --- computation ----------------------------------------------------------------------
    def _series(self, metric: str) -> pd.Series | None:
        if metric not in metrics.METRICS or not metrics.METRICS[metric].available(self.data):
            return None
        if metric not in self._cache:
            self._cache[metric] = metrics.METRICS[metric].compute(self.data, self.period)
        return self._cache[metric]

    @property
    def values(self) -> pd.DataFrame:
        cols = {m: s for m in self.state.metric_ids() if (s := self._series(m)) is not None}
        return pd.DataFrame(cols)

    def _missing_note(self) -> str:
        gone = metrics.unavailable(self.data)
        if not gone:
            return ""
        items = "；".join(f"{metrics.METRICS[m].label}（缺少 {'、'.join(t)}）" for m, t in gone.items())
        return f"<p>以下指标缺少数据表，暂不可用：{items}</p>"

    def live_html(self) -> str:
        values = self.values
        latest = _latest(values)
        ns = self.state.north_star
        head = (f"<p class='opskit-live-north-star'>北极星 <b>{html.escape(_label(ns))}</b>："
                f"<b>{latest.get(ns, '不可用')}</b></p>")
        rows = [[html.escape(_label(m)) + ("（北极星）" if m == ns else ""), latest.get(m, "不可用")]
                for m in self.state.metric_ids()]
        ident = check_identities(self.state, values)
        checks = [[html.escape(r["恒等式"]), r["成立"]] for _, r in ident.iterrows()]
        return (head + kit.html_table(rows, ["指标", "最新一期"])
                + "<b>指标树恒等式检查</b>" + kit.html_table(checks, ["恒等式", "成立"]))

    def draw(self):
        """The North Star and the tree's first level over the periods (index = 100 at the start)."""
        import matplotlib.pyplot as plt

        from opskit import viz

        values = self.values
        ns = self.state.north_star
        shown = [m for m in dict.fromkeys([ns, *self.state.roots(),
                                           *[k for r in self.state.roots() for k in self.state.children(r)]])
                 if m in values and values[m].notna().sum() >= 2][:5]
        if not shown:
            return None
        fig, ax = plt.subplots(figsize=(8, 3.2))
        for m, color in zip(shown, viz.PALETTE):
            s = values[m].dropna()
            ax.plot(s.index, s / s.iloc[0] * 100, color=color, lw=3 if m == ns else 1.5, label=_label(m))
        ax.set(title=f"北极星「{_label(ns)}」与指标树第一层（首期 = 100）", ylabel="指数")
        ax.legend(fontsize=8, loc="upper left")
        return fig

    def summary_html(self) -> str:
        s = self.state
        latest = _latest(self.values)
        lines = [f"<p><b>{html.escape(s.team_name or '（未命名小组）')}</b> 的数据体系画布（交互版在 JupyterLab 或 "
                 f"<code>make workshop</code> 中打开）。北极星：<b>{html.escape(_label(s.north_star))}</b>"
                 f"（最新 {latest.get(s.north_star, '不可用')}）。</p>",
                 "<p>指标树：</p><ul>" + "".join(f"<li>{html.escape(line.strip()[2:]).replace('**', '')}</li>"
                                               for line in tree_lines(s)) + "</ul>"]
        rows = [[html.escape(_label(k.metric)), html.escape(k.owner), _fmt_target(k.metric, k.target), k.frequency,
                 html.escape(_label(k.guardrail)) if k.guardrail else "—", latest.get(k.metric, "—")] for k in s.kpis]
        lines.append(kit.html_table(rows, ["KPI", "责任人", "目标", "频率", "护栏", "最新值"]))
        for board in s.votes:
            tally = board.tally()
            lines.append(f"<p>投票「{html.escape(board.topic)}」：{board.participants()} 人，"
                         + "；".join(f"{html.escape(c)} {n} 票" for c, n in tally.items())
                         + (f"；收敛为 <b>{html.escape('、'.join(board.chosen))}</b>" if board.chosen else "") + "。</p>")
        return "".join(lines)

    def on_converged(self, board: VoteBoard) -> None:
        """A converged North Star vote sets the North Star, when the choice is a computable metric."""
        if board.topic != NORTH_STAR_VOTE or not board.chosen:
            return
        by_label = {_label(m): m for m in self.avail}
        chosen = by_label.get(board.chosen[0], board.chosen[0])
        if chosen in self.avail:
            self.north_star.value = chosen

    # --- callbacks --------------------------------------------------------------------------
    def _on_change(self, _change=None) -> None:
        if self._syncing:
            return
        s = self.state
        s.business, s.rationale = self.business.value, self.rationale.value
        s.north_star = self.north_star.value or ""
        s.criteria = {c: int(sl.value) for c, sl in self.criteria.items()}
        self.refresh()

    def _on_tree(self, _change=None) -> None:
        if self._syncing:
            return
        try:
            tree = parse_tree(self.tree_text.value)
        except ValueError as exc:
            self.tree_msg.value = f"<span style='color:#d62828'>{html.escape(str(exc))}（画布保留上一版指标树）</span>"
            return
        unknown = [n.metric for n in tree if n.metric not in metrics.METRICS]
        self.state.tree = tree
        self.tree_msg.value = (f"未知指标（不在目录中，无法计算）：{'、'.join(unknown)}" if unknown else "已更新")
        self.refresh()
