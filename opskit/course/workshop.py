"""The data-system workshop canvas (探讨共创：精细化运营数据体系设计).

A team records its North Star, metric tree and KPI list in a :class:`WorkshopState`; the state
exports to Markdown (to share) and JSON (to reload exactly). :class:`DataSystemCanvas` is the
ipywidgets editor used live in the workshop: it edits the state, computes the chosen metrics on the
data with :mod:`opskit.metrics`, checks the tree's identities and writes both export files.

The tree is plain data: a list of :class:`TreeNode` (metric id, parent id, and the operator that
combines the node's children), so it serialises to JSON; :func:`to_metric` converts it to an
:class:`opskit.metric_tree.Metric`, whose ``evaluate`` is used for the identity checks. Tree lines use the form ``gmv = buyers * orders_per_buyer * aov``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from opskit import metrics
from opskit.metric_tree import Metric, evaluate

CRITERIA = ("反映用户价值", "领先于收入", "可被运营动作影响", "可衡量、口径清楚")
FREQUENCIES = ("日", "周", "月", "季")
OPERATORS = ("*", "+", "/")


@dataclass
class TreeNode:
    metric: str
    parent: str | None = None
    op: str | None = None  # how this node's children combine into it


@dataclass
class KPI:
    metric: str
    owner: str = ""
    target: float | None = None
    frequency: str = "月"


@dataclass
class WorkshopState:
    team_name: str = ""
    business: str = ""
    north_star: str = ""
    rationale: str = ""
    criteria: dict[str, int] = field(default_factory=lambda: {c: 3 for c in CRITERIA})
    tree: list[TreeNode] = field(default_factory=list)
    kpis: list[KPI] = field(default_factory=list)

    # --- tree helpers ---------------------------------------------------------------------
    def children(self, metric: str) -> list[str]:
        return [n.metric for n in self.tree if n.parent == metric]

    def node(self, metric: str) -> TreeNode | None:
        return next((n for n in self.tree if n.metric == metric), None)

    def roots(self) -> list[str]:
        return [n.metric for n in self.tree if n.parent is None]

    def metric_ids(self) -> list[str]:
        """Every metric the state mentions, North Star first."""
        ids = [self.north_star] + [n.metric for n in self.tree] + [k.metric for k in self.kpis]
        return [i for i in dict.fromkeys(ids) if i]

    # --- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> WorkshopState:
        d = dict(d)
        d["tree"] = [TreeNode(**n) for n in d.get("tree", [])]
        d["kpis"] = [KPI(**k) for k in d.get("kpis", [])]
        return cls(**d)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> WorkshopState:
        return cls.from_dict(json.loads(text))

    def to_markdown(self, values: pd.DataFrame | None = None) -> str:
        """The workshop result as Markdown; ``values`` (period × metric id) adds latest values."""
        latest = _latest(values)
        ns = _label(self.north_star)
        lines = [f"# {self.team_name or '（未命名团队）'}：精细化运营数据体系", "",
                 f"**业务**：{self.business or '（未填写）'}", "", "## 北极星指标", "",
                 f"**{ns}**（`{self.north_star}`）" + (f"，最新值 {latest[self.north_star]}"
                                                      if self.north_star in latest else ""), ""]
        if self.north_star in metrics.METRICS:
            lines += [f"口径：{metrics.METRICS[self.north_star].definition}", ""]
        lines += [f"理由：{self.rationale or '（未填写）'}", "", "| 标准 | 评分（1–5） |", "|---|---:|"]
        lines += [f"| {c} | {s} |" for c, s in self.criteria.items()]
        lines += ["", "## 指标树", ""]
        lines += tree_lines(self) or ["（尚未搭建）"]
        lines += ["", "## KPI 清单", "", "| 指标 | 口径 | 责任人 | 目标 | 频率 | 最新值 |", "|---|---|---|---:|---|---:|"]
        for k in self.kpis:
            definition = metrics.METRICS[k.metric].definition if k.metric in metrics.METRICS else ""
            lines.append(f"| {_label(k.metric)} | {definition} | {k.owner} | {_fmt_target(k.metric, k.target)} | "
                         f"{k.frequency} | "
                         f"{latest.get(k.metric, '')} |")
        return "\n".join(lines) + "\n"


def _label(metric: str) -> str:
    return metrics.METRICS[metric].label if metric in metrics.METRICS else metric


def _latest(values: pd.DataFrame | None) -> dict[str, str]:
    if values is None or values.empty:
        return {}
    out = {}
    for col in values:
        s = values[col].dropna()
        if len(s):
            unit = metrics.METRICS[col].unit if col in metrics.METRICS else ""
            v = s.iloc[-1]
            out[col] = f"{v:.1%}" if unit == "比例" else f"{v:,.4g} {unit}".strip()
    return out


def tree_lines(state: WorkshopState) -> list[str]:
    """The tree as an indented Markdown list: ``- 成交额 = 下单用户数 × 人均订单数 × 客单价``."""
    symbols = {"*": " × ", "+": " + ", "/": " ÷ "}

    def walk(metric: str, depth: int) -> list[str]:
        node, kids = state.node(metric), state.children(metric)
        star = " ⭐北极星" if metric == state.north_star else ""
        text = f"{'  ' * depth}- **{_label(metric)}**{star}"
        if kids and node is not None and node.op:
            text += " = " + symbols[node.op].join(_label(k) for k in kids)
        return [text] + [line for k in kids for line in walk(k, depth + 1)]

    return [line for root in state.roots() for line in walk(root, 0)]


def parse_tree(text: str) -> list[TreeNode]:
    """Parse lines such as ``gmv = buyers * orders_per_buyer * aov`` into tree nodes.

    One operator per line; a child may itself appear on the left of a later line. Raises
    ``ValueError`` with a Chinese message on a malformed line.
    """
    nodes: dict[str, TreeNode] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#")[0].strip()
        if not line:
            continue
        if line.count("=") != 1:
            raise ValueError(f"第 {number} 行应为「父指标 = 子指标 运算符 子指标」：{raw!r}")
        left, right = (p.strip() for p in line.split("="))
        ops = {o for o in OPERATORS if o in right}
        if len(ops) != 1:
            raise ValueError(f"第 {number} 行要用且只用一种运算符（* + /）：{raw!r}")
        op = ops.pop()
        kids = [k.strip() for k in right.split(op)]
        if not left or not all(kids) or (op == "/" and len(kids) != 2):
            raise ValueError(f"第 {number} 行的指标不完整：{raw!r}")
        parent = nodes.setdefault(left, TreeNode(left))
        parent.op = op
        for k in kids:
            if k in nodes and nodes[k].parent not in (None, left):
                raise ValueError(f"第 {number} 行：{k} 已经是 {nodes[k].parent} 的子指标")
            nodes.setdefault(k, TreeNode(k)).parent = left
    return list(nodes.values())


def format_tree(state: WorkshopState) -> str:
    """Inverse of :func:`parse_tree`."""
    out = []
    for n in state.tree:
        kids = state.children(n.metric)
        if kids and n.op:
            out.append(f"{n.metric} = {f' {n.op} '.join(kids)}")
    return "\n".join(out)


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
        unit = metrics.METRICS[metric].unit if metric in metrics.METRICS else ""
        if kids and node is not None and node.op:
            return Metric(metric, _label(metric), node.op, tuple(build(k) for k in kids), unit)
        return Metric(metric, _label(metric), unit=unit)

    return build(root)


def demo_state() -> WorkshopState:
    """The pre-filled state for the demo company 鲜选."""
    return WorkshopState(
        team_name="鲜选增长小组",
        business="生鲜与日用品到家 App（会员 + 企微社群）",
        north_star="buyers",
        rationale="每月下单用户数衡量有多少人真正把买菜交给了鲜选：它反映用户价值，领先于成交额，"
                  "拉新、首单转化、复购召回都能直接推动它，口径简单可每天监测。",
        criteria={"反映用户价值": 4, "领先于收入": 4, "可被运营动作影响": 5, "可衡量、口径清楚": 5},
        tree=parse_tree("gmv = buyers * orders_per_buyer * aov\nbuyers = new_buyers + returning_buyers"),
        kpis=[KPI("new_buyers", "拉新运营", None, "月"), KPI("repeat_rate", "会员运营", None, "月"),
              KPI("aov", "品类运营", None, "月"), KPI("paid_cac", "渠道投放", None, "月"),
              KPI("retention_30d", "用户运营", None, "月")],
    )


def baseline_target(base: float, metric: "metrics.MetricDef") -> float:
    """An example target from a baseline: ×1.1 for counts and amounts, ×0.95 for costs, and for
    rates a 10% cut of the gap to 100% (0.80 → 0.82), so a target never exceeds 100%."""
    if metric.unit == "比例":
        return base + 0.1 * (1 - base)
    return base * (1.1 if metric.higher_is_better else 0.95)


def _fmt_target(metric: str, target: float | None) -> str:
    if target is None:
        return ""
    unit = metrics.METRICS[metric].unit if metric in metrics.METRICS else ""
    return f"{target:.1%}" if unit == "比例" else f"{target:,.4g}"


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(state: WorkshopState, folder: str | Path, values: pd.DataFrame | None = None,
           stem: str = "data_system") -> tuple[Path, Path]:
    """Write ``<stem>.md`` and ``<stem>.json`` into ``folder``; each file is written atomically
    (temporary file + rename), so a reader never sees half a file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    md_path, json_path = folder / f"{stem}.md", folder / f"{stem}.json"
    md_text, json_text = state.to_markdown(values), state.to_json()
    _atomic_write(json_path, json_text)
    _atomic_write(md_path, md_text)
    return md_path, json_path


def load(path: str | Path) -> WorkshopState:
    return WorkshopState.from_json(Path(path).read_text(encoding="utf-8"))


class DataSystemCanvas:
    """ipywidgets editor of a :class:`WorkshopState` with live metric values and export buttons.

    ``canvas.widget`` is the box to display; ``canvas.state`` the current state; ``canvas.values``
    the metrics of the state computed on ``data`` (period × metric id).
    """

    def __init__(self, data, state: WorkshopState | None = None, export_dir: str | Path = "",
                 period: str = "month"):
        import ipywidgets as w

        self.data, self.period = data, period
        self.state = state if state is not None else demo_state()
        self._cache: dict[str, pd.Series] = {}
        avail = metrics.available(data)
        options = [(f"{metrics.METRICS[i].label}（{i}）", i) for i in avail]
        ns = self.state.north_star if self.state.north_star in avail else (avail[0] if avail else None)
        self.state.north_star = ns or ""
        self.team = w.Text(value=self.state.team_name, description="团队")
        self.business = w.Text(value=self.state.business, description="业务")
        self.north_star = w.Dropdown(options=options, value=ns, description="北极星")
        self.rationale = w.Textarea(value=self.state.rationale, description="理由", layout=w.Layout(width="95%"))
        self.criteria = {c: w.IntSlider(value=self.state.criteria.get(c, 3), min=1, max=5, description=c,
                                        style={"description_width": "10em"}) for c in CRITERIA}
        self.tree_text = w.Textarea(value=format_tree(self.state), description="指标树",
                                    layout=w.Layout(width="95%", height="6em"))
        self.tree_msg = w.HTML()
        self.kpi_metric = w.Dropdown(options=options, description="KPI 指标")
        self.kpi_owner = w.Text(description="责任人")
        self.kpi_target = w.Text(description="目标", placeholder="可留空")
        self.kpi_freq = w.Dropdown(options=FREQUENCIES, value="月", description="频率")
        self.add_kpi = w.Button(description="添加 KPI")
        self.remove_kpi = w.Button(description="删除最后一条")
        self.kpi_table = w.HTML()
        self.live = w.HTML()
        self.folder = w.Text(value=str(export_dir), description="导出到", placeholder="文件夹路径")
        self.export_button = w.Button(description="导出 Markdown + JSON", button_style="primary")
        self.status = w.HTML()
        self.missing = w.HTML(self._missing_note())

        for widget in (self.team, self.business, self.north_star, self.rationale, *self.criteria.values()):
            widget.observe(self._on_change, names="value")
        self.tree_text.observe(self._on_tree, names="value")
        self.add_kpi.on_click(self._on_add_kpi)
        self.remove_kpi.on_click(self._on_remove_kpi)
        self.export_button.on_click(self.on_export)
        self.widget = w.Tab(children=[
            w.VBox([self.team, self.business, self.north_star, self.rationale, *self.criteria.values()]),
            w.VBox([self.tree_text, self.tree_msg]),
            w.VBox([w.HBox([self.kpi_metric, self.kpi_owner]), w.HBox([self.kpi_target, self.kpi_freq]),
                    w.HBox([self.add_kpi, self.remove_kpi]), self.kpi_table]),
            w.VBox([self.live, self.missing]),
            w.VBox([self.folder, self.export_button, self.status]),
        ])
        for i, title in enumerate(("1 北极星", "2 指标树", "3 KPI", "实时数值", "导出")):
            self.widget.set_title(i, title)
        self.refresh()

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

    def refresh(self) -> None:
        values = self.values
        latest = _latest(values)
        rows = "".join(f"<tr><td>{_label(m)}</td><td>{latest.get(m, '不可用')}</td></tr>"
                       for m in self.state.metric_ids())
        ident = check_identities(self.state, values)
        checks = "".join(f"<tr><td>{r['恒等式']}</td><td>{r['成立']}</td></tr>" for _, r in ident.iterrows())
        self.live.value = (f"<b>最新一期数值</b><table>{rows}</table>"
                           f"<b>指标树恒等式检查</b><table>{checks}</table>")
        kpis = "".join(f"<tr><td>{_label(k.metric)}</td><td>{k.owner}</td><td>{_fmt_target(k.metric, k.target)}"
                       f"</td><td>{k.frequency}</td><td>{latest.get(k.metric, '')}</td></tr>" for k in self.state.kpis)
        self.kpi_table.value = ("<table><tr><th>指标</th><th>责任人</th><th>目标</th><th>频率</th><th>最新值</th></tr>"
                                f"{kpis}</table>")

    # --- callbacks --------------------------------------------------------------------------
    def _on_change(self, _change=None) -> None:
        s = self.state
        s.team_name, s.business, s.rationale = self.team.value, self.business.value, self.rationale.value
        s.north_star = self.north_star.value or ""
        s.criteria = {c: int(sl.value) for c, sl in self.criteria.items()}
        self.refresh()

    def _on_tree(self, _change=None) -> None:
        try:
            tree = parse_tree(self.tree_text.value)
        except ValueError as exc:
            self.tree_msg.value = f"<span style='color:#d62828'>{exc}</span>"
            return
        unknown = [n.metric for n in tree if n.metric not in metrics.METRICS]
        self.state.tree = tree
        self.tree_msg.value = (f"未知指标（不在目录中，无法计算）：{'、'.join(unknown)}" if unknown else "已更新")
        self.refresh()

    def _on_add_kpi(self, _button=None) -> None:
        text = self.kpi_target.value.strip().replace(",", "")
        try:
            target = float(text) if text else None
        except ValueError:
            self.status.value = f"目标应是数字：{self.kpi_target.value!r}"
            return
        self.state.kpis.append(KPI(self.kpi_metric.value, self.kpi_owner.value, target, self.kpi_freq.value))
        self.refresh()

    def _on_remove_kpi(self, _button=None) -> None:
        if self.state.kpis:
            self.state.kpis.pop()
        self.refresh()

    def on_export(self, _button=None) -> tuple[Path, Path] | None:
        if not self.folder.value.strip():
            self.status.value = "请先填写导出文件夹。"
            return None
        try:
            paths = export(self.state, self.folder.value.strip(), self.values)
        except OSError as exc:
            self.status.value = f"导出失败：{exc}"
            return None
        self.status.value = f"已导出：{paths[0]} 和 {paths[1]}"
        return paths
