"""The workshop toolkit shared by the co-creation chapters (03 数据体系, 11 私域体系).

A workshop canvas is a plain dataclass *state* (exported to Markdown to share and to JSON to reload
exactly) edited by an ipywidgets *canvas*. This module holds what every workshop needs:

* :class:`VoteBoard` — 先发散、后收敛: a candidate list, dot votes per participant, a converge step;
* :class:`KPI` — one KPI row with owner, target, frequency and 护栏 (guardrail);
* the metric-tree language (:func:`parse_tree`) that accepts metric ids *or* Chinese names from a
  glossary and refuses ambiguous names and redefinitions with a Chinese message;
* :func:`fmt_number` (the kit's 万 / 亿 / % formatters), :func:`file_stem` (the group's name in every
  export file name), :func:`write_exports` (atomic files) and :func:`download_links` (``data:`` URI
  anchors: a browser download that works in JupyterLab and in Voila, without a server path);
* :class:`CanvasBase` — the tabs every canvas shares (group, votes, KPIs, chart, export and
  download, load a saved JSON) and a mimebundle whose ``text/html`` is a readable summary, so the
  static course site and nbval see the canvas's content, not an empty widget.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from opskit.viz.theme import fmt_pct, fmt_yuan

FREQUENCIES = ("日", "周", "月", "季")
OPERATORS = ("*", "+", "/")
SYMBOLS = {"*": " × ", "+": " + ", "/": " ÷ "}


# ---------------------------------------------------------------------------------------------
# Numbers and names


def fmt_number(value, unit: str = "") -> str:
    """A number the way a Chinese report writes it: 比例 as %, 元 as 元 / 万元 / 亿元, counts with
    万 / 亿 above ten thousand; missing values as —. Never scientific notation."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    value = float(value)
    if unit in ("比例", "%"):
        return fmt_pct(value)
    if unit == "元":
        return fmt_yuan(value) if abs(value) >= 1e4 or value == round(value) else f"{value:,.2f} 元"
    suffix = f" {unit}" if unit else ""
    if abs(value) >= 1e8:
        return f"{value / 1e8:.2f} 亿{unit}"
    if abs(value) >= 1e4:
        return f"{value / 1e4:.1f} 万{unit}"
    if value == round(value):
        return f"{value:,.0f}{suffix}"
    return f"{value:,.2f}{suffix}"


def file_stem(group: str, topic: str) -> str:
    """``<group>_<topic>``: the group's name made safe for any file system (Chinese kept), so
    groups exporting into one shared folder never overwrite each other."""
    safe = re.sub(r'[\\/:*?"<>|\s.]+', "_", (group or "").strip()).strip("_") or "未命名小组"
    return f"{safe}_{topic}"


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_exports(folder: str | Path, stem: str, markdown: str, json_text: str) -> tuple[Path, Path]:
    """Write ``<stem>.md`` and ``<stem>.json`` into ``folder``, each atomically (temporary file +
    rename), so a reader never sees half a file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    md_path, json_path = folder / f"{stem}.md", folder / f"{stem}.json"
    _atomic_write(json_path, json_text)
    _atomic_write(md_path, markdown)
    return md_path, json_path


def download_links(stem: str, markdown: str, json_text: str) -> str:
    """Two anchors that download the Markdown and the JSON in the browser (``data:`` URIs with a
    ``download`` file name): they need no server path, so they work in JupyterLab and Voila alike."""
    def anchor(kind: str, mime: str, text: str, label: str) -> str:
        payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
        return (f'<a class="opskit-download opskit-download-{kind}" download="{html.escape(stem)}.{kind}" '
                f'href="data:{mime};charset=utf-8;base64,{payload}" '
                'style="display:inline-block;margin:4px 12px 4px 0;padding:4px 10px;border:1px solid #2a6f97;'
                f'border-radius:4px;text-decoration:none">⬇ 下载 {html.escape(stem)}.{kind}（{label}）</a>')

    return anchor("md", "text/markdown", markdown, "Markdown") + anchor("json", "application/json", json_text, "JSON")


# ---------------------------------------------------------------------------------------------
# 先发散、后收敛: candidates and dot votes


@dataclass
class VoteBoard:
    """One divergent-then-convergent discussion: candidates, dot votes, the converged choice.

    Every participant has ``dots`` votes and may stack them on one candidate. ``votes`` maps a
    participant to the candidates they voted for (one entry per dot), so the board serialises to
    JSON and a reload gives the same tally.
    """

    topic: str
    candidates: list[str] = field(default_factory=list)
    dots: int = 3
    votes: dict[str, list[str]] = field(default_factory=dict)
    chosen: list[str] = field(default_factory=list)

    def add(self, candidate: str) -> None:
        text = candidate.strip()
        if not text:
            raise ValueError("候选不能为空。")
        if text in self.candidates:
            raise ValueError(f"「{text}」已经在候选清单里了。")
        self.candidates.append(text)

    def remove(self, candidate: str) -> None:
        """Drop a candidate and every vote for it."""
        self.candidates = [c for c in self.candidates if c != candidate]
        self.votes = {p: [c for c in v if c != candidate] for p, v in self.votes.items()}
        self.chosen = [c for c in self.chosen if c != candidate]

    def vote(self, participant: str, candidate: str) -> None:
        who = participant.strip()
        if not who:
            raise ValueError("请先填写投票人的名字（每人有自己的票数）。")
        if candidate not in self.candidates:
            raise ValueError(f"「{candidate}」不在候选清单里，先把它加为候选。")
        used = self.votes.setdefault(who, [])
        if len(used) >= self.dots:
            self.votes[who] = used
            raise ValueError(f"{who} 的 {self.dots} 票已经投完；可以先撤回一票再投。")
        used.append(candidate)

    def unvote(self, participant: str, candidate: str) -> None:
        used = self.votes.get(participant.strip(), [])
        if candidate in used:
            used.remove(candidate)

    def tally(self) -> pd.Series:
        """Votes per candidate, most first; ties keep the order in which candidates were proposed."""
        counts = pd.Series(0, index=pd.Index(self.candidates, dtype=object), dtype="int64", name="votes")
        for chosen in self.votes.values():
            for c in chosen:
                if c in counts.index:
                    counts[c] += 1
        order = sorted(range(len(counts)), key=lambda i: (-counts.iloc[i], i))
        return counts.iloc[order]

    def converge(self, n: int = 1) -> list[str]:
        """Keep the ``n`` candidates with most votes (ties: proposed first) as the group's choice."""
        tally = self.tally()
        self.chosen = [c for c in tally.index[:n] if tally[c] > 0] or list(tally.index[:n])
        return self.chosen

    def participants(self) -> int:
        return sum(1 for v in self.votes.values() if v)

    def markdown(self) -> list[str]:
        tally = self.tally()
        lines = [f"### {self.topic}", "",
                 f"{self.participants()} 人投票，每人 {self.dots} 票。", "", "| 候选 | 票数 |", "|---|---:|"]
        lines += [f"| {c}{' ✅' if c in self.chosen else ''} | {n} |" for c, n in tally.items()]
        if self.chosen:
            lines += ["", f"收敛结果：**{'、'.join(self.chosen)}**"]
        return lines + [""]


def boards_from(items) -> list[VoteBoard]:
    return [b if isinstance(b, VoteBoard) else VoteBoard(**b) for b in items]


# ---------------------------------------------------------------------------------------------
# KPI rows


@dataclass
class KPI:
    """One KPI row: the metric, who owns it, the target, how often it is looked at, and the
    护栏 (guardrail) metric watched so that pushing this one does not hurt something else."""

    metric: str
    owner: str = ""
    target: float | None = None
    frequency: str = "月"
    guardrail: str = ""


def kpis_from(items) -> list[KPI]:
    return [k if isinstance(k, KPI) else KPI(**k) for k in items]


def parse_target(text: str) -> float | None:
    """A target typed by a person: ``1.2万``, ``35%``, ``12,000``; empty → None."""
    raw = text.strip().replace(",", "").replace("，", "").replace(" ", "")
    if not raw:
        return None
    scale = 1.0
    for suffix, factor in (("%", 0.01), ("万元", 1e4), ("亿元", 1e8), ("万", 1e4), ("亿", 1e8), ("元", 1.0)):
        if raw.endswith(suffix):
            raw, scale = raw[: -len(suffix)], factor
            break
    try:
        return float(raw) * scale
    except ValueError:
        raise ValueError(f"目标应是数字（可写 1.2万、35%）：{text!r}") from None


# ---------------------------------------------------------------------------------------------
# The metric-tree language


@dataclass
class TreeNode:
    metric: str
    parent: str | None = None
    op: str | None = None  # how this node's children combine into it


class Glossary:
    """Metric names a tree may use: the id, the full Chinese label, or the label without its
    parenthesised part (``成交额`` for ``成交额（GMV）``). A short name shared by two metrics is
    ambiguous and refused."""

    def __init__(self, labels: dict[str, str]):
        self.labels = dict(labels)
        self._names: dict[str, set[str]] = {}
        for metric, label in self.labels.items():
            for name in {metric, label, re.split(r"[（(]", label)[0].strip()}:
                if name:
                    self._names.setdefault(name, set()).add(metric)

    def label(self, metric: str) -> str:
        return self.labels.get(metric, metric)

    def resolve(self, name: str, where: str = "") -> str:
        """The metric id of ``name``; an unknown name is returned as written (the canvas flags it)."""
        ids = self._names.get(name.strip())
        if not ids:
            return name.strip()
        if len(ids) > 1 and name.strip() not in ids:
            options = "、".join(f"{m}（{self.labels[m]}）" for m in sorted(ids))
            raise ValueError(f"{where}「{name}」有歧义，可以指 {options}：请写完整名称或指标 id。")
        return name.strip() if name.strip() in ids else next(iter(ids))


def parse_tree(text: str, glossary: Glossary | None = None) -> list[TreeNode]:
    """Parse lines such as ``gmv = buyers * orders_per_buyer * aov`` (or ``成交额 = 下单用户数 ×
    人均订单数 × 客单价``) into tree nodes.

    One operator per line (``*``/``×``, ``+``, ``/``/``÷``); a child may be decomposed on a later line.
    Refused with a Chinese ``ValueError`` naming the line: a malformed line, a metric defined twice
    (a second decomposition would silently merge its children), a metric under two parents, a cycle
    and an ambiguous Chinese name.
    """
    glossary = glossary or Glossary({})
    nodes: dict[str, TreeNode] = {}
    defined: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#")[0].replace("×", "*").replace("÷", "/").replace("＝", "=").replace("＋", "+").strip()
        if not line:
            continue
        where = f"第 {number} 行："
        if line.count("=") != 1:
            raise ValueError(f"{where}应为「父指标 = 子指标 运算符 子指标」：{raw!r}")
        left_raw, right = (p.strip() for p in line.split("="))
        ops = {o for o in OPERATORS if o in right}
        if len(ops) != 1:
            raise ValueError(f"{where}要用且只用一种运算符（× + ÷）：{raw!r}")
        op = ops.pop()
        kids_raw = [k.strip() for k in right.split(op)]
        if not left_raw or not all(kids_raw) or (op == "/" and len(kids_raw) != 2):
            raise ValueError(f"{where}指标不完整：{raw!r}")
        left = glossary.resolve(left_raw, where)
        kids = [glossary.resolve(k, where) for k in kids_raw]
        if left in defined:
            raise ValueError(f"{where}「{glossary.label(left)}」在第 {defined[left]} 行已经拆解过；一个指标只能有一种拆解。"
                             f"要改它，请直接修改第 {defined[left]} 行。")
        if len(set(kids)) != len(kids) or left in kids:
            raise ValueError(f"{where}同一个指标在一行里出现了两次：{raw!r}")
        defined[left] = number
        parent = nodes.setdefault(left, TreeNode(left))
        parent.op = op
        for k in kids:
            if k in nodes and nodes[k].parent not in (None, left):
                raise ValueError(f"{where}「{glossary.label(k)}」已经是「{glossary.label(nodes[k].parent)}」的子指标；"
                                 "一个指标只能挂在一个父指标下。")
            ancestor = nodes[left].parent
            while ancestor is not None:
                if ancestor == k:
                    raise ValueError(f"{where}「{glossary.label(k)}」成了自己的下级（循环拆解）。")
                ancestor = nodes[ancestor].parent
            nodes.setdefault(k, TreeNode(k)).parent = left
    return list(nodes.values())


def children(tree: list[TreeNode], metric: str) -> list[str]:
    return [n.metric for n in tree if n.parent == metric]


def format_tree(tree: list[TreeNode], glossary: Glossary | None = None) -> str:
    """Inverse of :func:`parse_tree`; with a glossary the lines use the Chinese names."""
    name = glossary.label if glossary else (lambda m: m)
    out = []
    for n in tree:
        kids = children(tree, n.metric)
        if kids and n.op:
            out.append(f"{name(n.metric)} = {f' {n.op} '.join(name(k) for k in kids)}")
    return "\n".join(out)


def tree_markdown(tree: list[TreeNode], label, north_star: str = "", values: dict[str, str] | None = None) -> list[str]:
    """The tree as an indented Markdown list: ``- **成交额** = 下单用户数 × 人均订单数 × 客单价``."""
    values = values or {}
    by_metric = {n.metric: n for n in tree}

    def walk(metric: str, depth: int) -> list[str]:
        node, kids = by_metric.get(metric), children(tree, metric)
        star = " ⭐北极星" if metric == north_star else ""
        text = f"{'  ' * depth}- **{label(metric)}**{star}"
        if kids and node is not None and node.op:
            text += " = " + SYMBOLS[node.op].join(label(k) for k in kids)
        if metric in values:
            text += f"（{values[metric]}）"
        return [text] + [line for k in kids for line in walk(k, depth + 1)]

    return [line for root in (n.metric for n in tree if n.parent is None) for line in walk(root, 0)]


def tree_from(items) -> list[TreeNode]:
    return [n if isinstance(n, TreeNode) else TreeNode(**n) for n in items]


# ---------------------------------------------------------------------------------------------
# The canvas


def figure_html(fig) -> str:
    """A matplotlib figure as an inline PNG ``<img>`` (closes the figure): a chart inside an HTML
    widget redraws with the canvas in JupyterLab and Voila alike."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    payload = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="opskit-canvas-chart" style="max-width:100%" src="data:image/png;base64,{payload}">'


def html_table(rows: list[list[str]], header: list[str]) -> str:
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='padding:2px 8px'>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table class='opskit-table'><tr>{head}</tr>{body}</table>"


class CanvasBase:
    """The tabs every workshop canvas shares, around a subclass's own tabs.

    A subclass sets ``self.state`` (with ``team_name``, ``kpis``, ``votes``), ``self.topic`` (the
    export file name's topic), and implements ``metric_options()``, ``label(metric)``,
    ``latest(metric)`` (formatted value or ""), ``markdown()``, ``summary_html()``, ``draw()`` (a
    matplotlib figure or None), ``own_tabs()`` → [(title, widget)], ``sync_own()`` (state → its own
    widgets, after a load) and ``state_from_json(text)``.
    """

    topic = "workshop"

    def _build(self) -> None:
        import ipywidgets as w

        from opskit.viz import set_theme

        set_theme()  # the canvas's chart renders Chinese with the kit's font, as in the chapters
        self.w = w
        self.team = w.Text(value=self.state.team_name, description="小组名称", placeholder="例如：第一组",
                           continuous_update=False)  # synced on Enter or leaving the field
        self.team.observe(self._on_team, names="value")
        self.live = w.HTML()
        self.chart = w.HTML()
        self.message = w.HTML()
        # --- votes
        self.board_pick = w.Dropdown(options=[b.topic for b in self.state.votes], description="议题")
        self.candidate_text = w.Text(description="新候选", placeholder="写下一个候选")
        self.add_candidate = w.Button(description="加入候选")
        self.voter = w.Text(description="投票人", placeholder="你的名字")
        self.candidate_pick = w.Dropdown(description="投给")
        self.vote_button = w.Button(description="投一票", button_style="info")
        self.unvote_button = w.Button(description="撤回一票")
        self.converge_n = w.BoundedIntText(value=1, min=1, max=10, description="保留前")
        self.converge_button = w.Button(description="收敛", button_style="warning")
        self.tally = w.HTML()
        self.board_pick.observe(lambda _c: self._sync_votes(), names="value")
        self.add_candidate.on_click(self._on_add_candidate)
        self.vote_button.on_click(self._on_vote)
        self.unvote_button.on_click(self._on_unvote)
        self.converge_button.on_click(self._on_converge)
        # --- KPI rows
        options = self.metric_options()
        self.kpi_row = w.Dropdown(description="选择一行")
        self.kpi_metric = w.Dropdown(options=options, description="KPI 指标")
        self.kpi_owner = w.Text(description="责任人")
        self.kpi_target = w.Text(description="目标", placeholder="可写 1.2万、35%")
        self.kpi_freq = w.Dropdown(options=FREQUENCIES, value="月", description="频率")
        self.kpi_guard = w.Dropdown(options=[("（无）", "")] + options, description="护栏指标")
        self.kpi_add = w.Button(description="新增一行")
        self.kpi_save = w.Button(description="保存修改")
        self.kpi_delete = w.Button(description="删除这一行", button_style="danger")
        self.kpi_table = w.HTML()
        self.kpi_row.observe(self._on_pick_kpi, names="value")
        self.kpi_add.on_click(lambda _b: self._on_kpi(None))
        self.kpi_save.on_click(lambda _b: self._on_kpi(self.kpi_row.value))
        self.kpi_delete.on_click(self._on_delete_kpi)
        # --- export and load
        self.folder = w.Text(value=str(getattr(self, "export_dir", "") or ""), description="导出到",
                             placeholder="服务器上的文件夹（可留空，只下载）")
        self.export_button = w.Button(description="导出 Markdown + JSON", button_style="primary",
                                      layout=w.Layout(width="auto"))
        self.export_button.add_class("opskit-export")
        self.downloads = w.HTML()
        self.upload = w.FileUpload(accept=".json", multiple=False, description="载入 JSON", icon="")
        self.export_button.on_click(self.on_export)
        self.upload.observe(self._on_upload, names="value")

        for widget, name in ((self.team, "team"), (self.voter, "voter"), (self.candidate_pick, "vote-pick"),
                             (self.vote_button, "vote"), (self.tally, "tally"), (self.live, "live"),
                             (self.downloads, "downloads"), (self.message, "message"), (self.upload, "upload")):
            widget.add_class(f"opskit-{name}")
        votes_box = w.VBox([self.board_pick, w.HBox([self.candidate_text, self.add_candidate]),
                            w.HBox([self.voter, self.candidate_pick]),
                            w.HBox([self.vote_button, self.unvote_button]),
                            w.HBox([self.converge_n, self.converge_button]), self.tally])
        kpi_box = w.VBox([self.kpi_row, w.HBox([self.kpi_metric, self.kpi_owner]),
                          w.HBox([self.kpi_target, self.kpi_freq]), self.kpi_guard,
                          w.HBox([self.kpi_add, self.kpi_save, self.kpi_delete]), self.kpi_table])
        export_box = w.VBox([self.folder, self.export_button, self.downloads,
                             w.HTML("<b>载入上次导出的 JSON</b>（恢复整张画布）："), self.upload])
        tabs = [*self.own_tabs(), ("投票", votes_box), ("KPI", kpi_box), ("导出 / 载入", export_box)]
        self.tabs = w.Tab(children=[box for _, box in tabs])
        for i, (title, _) in enumerate(tabs):
            self.tabs.set_title(i, title)
        self.widget = w.VBox([self.team, self.tabs, self.message, w.HTML("<b>实时数值</b>"), self.live, self.chart])
        self.widget.add_class("opskit-canvas")
        self._sync_votes()
        self._sync_kpis()

    # --- the display: a live widget, and a readable summary where no kernel runs -----------
    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/html"] = f"<div class='opskit-canvas-summary'>{self.summary_html()}</div>"
        data["text/plain"] = f"{type(self).__name__}：{self.state.team_name}"
        return bundle

    def say(self, text: str, error: bool = False) -> None:
        color = "#d62828" if error else "#2a6f97"
        self.message.value = f"<span style='color:{color}'>{html.escape(text)}</span>"

    def refresh(self) -> None:
        self.live.value = self.live_html()
        fig = self.draw()
        self.chart.value = figure_html(fig) if fig is not None else ""
        self._sync_kpi_table()
        self.downloads.value = ""  # an old download would not match the canvas any more

    # --- group --------------------------------------------------------------------------------
    def _on_team(self, _change=None) -> None:
        self.state.team_name = self.team.value.strip()
        self.refresh()  # the chart's title and the downloads carry the name
        self.say(f"小组名称：{self.state.team_name}（导出的文件名与内容都带上它）")

    # --- votes -------------------------------------------------------------------------------
    def board(self) -> VoteBoard:
        return next(b for b in self.state.votes if b.topic == self.board_pick.value)

    def _sync_votes(self) -> None:
        if not self.state.votes:
            return
        board = self.board()
        current = self.candidate_pick.value
        self.candidate_pick.options = board.candidates
        if board.candidates:
            self.candidate_pick.value = current if current in board.candidates else board.candidates[0]
        tally = board.tally()
        rows = [[html.escape(c) + (" ✅" if c in board.chosen else ""), "●" * int(n) + f" {n}"] for c, n in tally.items()]
        self.tally.value = (f"<p>{board.participants()} 人已投票，每人 {board.dots} 票。</p>"
                            + html_table(rows, ["候选", "票数"])
                            + (f"<p>收敛结果：<b>{html.escape('、'.join(board.chosen))}</b></p>" if board.chosen else ""))

    def _guard(self, action) -> bool:
        if not self.state.votes:
            self.say("这张画布没有投票议题。", error=True)
            return False
        try:
            action()
        except ValueError as exc:
            self.say(str(exc), error=True)
            return False
        return True

    def _on_add_candidate(self, _b=None) -> None:
        if self._guard(lambda: self.board().add(self.candidate_text.value)):
            self.say(f"已加入候选：{self.candidate_text.value.strip()}")
            self.candidate_text.value = ""
            self._sync_votes()

    def _on_vote(self, _b=None) -> None:
        if self._guard(lambda: self.board().vote(self.voter.value, self.candidate_pick.value or "")):
            self.say(f"{self.voter.value.strip()} 投给了「{self.candidate_pick.value}」")
            self._sync_votes()

    def _on_unvote(self, _b=None) -> None:
        if self._guard(lambda: self.board().unvote(self.voter.value, self.candidate_pick.value or "")):
            self._sync_votes()

    def _on_converge(self, _b=None) -> None:
        if not self._guard(lambda: None):
            return
        chosen = self.board().converge(self.converge_n.value)
        self.on_converged(self.board())
        self.say(f"收敛为：{'、'.join(chosen)}")
        self._sync_votes()

    def on_converged(self, board: VoteBoard) -> None:
        """A subclass may apply a converged choice to its state (e.g. the North Star)."""

    # --- KPI rows ----------------------------------------------------------------------------
    def _sync_kpis(self) -> None:
        self.kpi_row.options = [("（新的一行）", None)] + [
            (f"{i + 1}. {self.label(k.metric)}（{k.owner or '未定责任人'}）", i) for i, k in enumerate(self.state.kpis)]
        self.kpi_row.value = None
        self._sync_kpi_table()

    def _sync_kpi_table(self) -> None:
        rows = [[str(i + 1), html.escape(self.label(k.metric)), html.escape(k.owner), self.fmt_target(k),
                 k.frequency, html.escape(self.label(k.guardrail)) if k.guardrail else "—", self.latest(k.metric) or "—"]
                for i, k in enumerate(self.state.kpis)]
        self.kpi_table.value = html_table(rows, ["#", "指标", "责任人", "目标", "频率", "护栏", "最新值"])

    def fmt_target(self, kpi: KPI) -> str:
        return fmt_number(kpi.target, self.unit(kpi.metric)) if kpi.target is not None else ""

    def unit(self, metric: str) -> str:
        return ""

    def _on_pick_kpi(self, _change=None) -> None:
        i = self.kpi_row.value
        if i is None:
            return
        k = self.state.kpis[i]
        if k.metric in dict((v, v) for _, v in self.kpi_metric.options):
            self.kpi_metric.value = k.metric
        self.kpi_owner.value, self.kpi_freq.value = k.owner, k.frequency
        self.kpi_target.value = "" if k.target is None else f"{k.target:g}"
        self.kpi_guard.value = k.guardrail if k.guardrail in [v for _, v in self.kpi_guard.options] else ""

    def _on_kpi(self, index: int | None) -> None:
        try:
            target = parse_target(self.kpi_target.value)
        except ValueError as exc:
            self.say(str(exc), error=True)
            return
        if self.kpi_guard.value and self.kpi_guard.value == self.kpi_metric.value:
            self.say("护栏指标应是另一个指标：推这个指标时要盯住的、可能被伤害的那个。", error=True)
            return
        row = KPI(self.kpi_metric.value, self.kpi_owner.value.strip(), target, self.kpi_freq.value, self.kpi_guard.value)
        if index is None:
            self.state.kpis.append(row)
            self.say(f"已新增 KPI：{self.label(row.metric)}")
        else:
            self.state.kpis[index] = row
            self.say(f"已修改第 {index + 1} 行：{self.label(row.metric)}")
        self._sync_kpis()
        self.refresh()

    def _on_delete_kpi(self, _b=None) -> None:
        i = self.kpi_row.value
        if i is None:
            self.say("先在「选择一行」里选中要删除的 KPI。", error=True)
            return
        gone = self.state.kpis.pop(i)
        self.say(f"已删除第 {i + 1} 行：{self.label(gone.metric)}")
        self._sync_kpis()
        self.refresh()

    # --- export, download and load -------------------------------------------------------------
    @property
    def stem(self) -> str:
        return file_stem(self.state.team_name, self.topic)

    def on_export(self, _b=None) -> tuple[Path, Path] | None:
        """Offer both files as browser downloads; also write them into the folder, if one is set."""
        markdown, text = self.markdown(), self.state.to_json()
        self.downloads.value = download_links(self.stem, markdown, text)
        folder = self.folder.value.strip()
        if not folder:
            self.say("已生成下载链接（点击下载；未填写服务器文件夹，不写文件）。")
            return None
        try:
            paths = write_exports(folder, self.stem, markdown, text)
        except OSError as exc:
            self.say(f"导出失败：{exc}", error=True)
            return None
        self.say(f"已导出：{paths[0]} 和 {paths[1]}；也可点击下方链接下载。")
        return paths

    def _on_upload(self, _change=None) -> None:
        files = self.upload.value
        if not files:
            return
        item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
        content = bytes(item["content"]).decode("utf-8-sig")
        try:
            self.load_json(content)
        except (ValueError, TypeError, KeyError) as exc:
            self.say(f"无法载入 {item.get('name', '')}：{exc}", error=True)
            return
        self.say(f"已载入 {item.get('name', '')}：{self.state.team_name}")

    def load_json(self, text: str) -> None:
        """Restore the canvas exactly from a JSON export (state and every widget)."""
        try:
            state = self.state_from_json(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"不是有效的 JSON（第 {exc.lineno} 行）") from None
        self.state = state
        self.team.value = state.team_name
        self.board_pick.options = [b.topic for b in state.votes]
        self._sync_votes()
        self._sync_kpis()
        self.sync_own()
        self.refresh()


# ---------------------------------------------------------------------------------------------
# Serving a workshop as a local app


#: Holds the Voila template ``opskit`` (Voila's lab template minus its CDN stylesheets).
JUPYTER_DATA = Path(__file__).resolve().parent / "jupyter"
FONT_NAME = "opskit-cjk.otf"


def voila_data(folder: str | Path) -> Path:
    """A Jupyter data folder for Voila under ``folder``: the kit's template ``opskit`` plus the
    kit's CJK font in its static files, so the app renders Chinese on a machine without system
    CJK fonts, from 127.0.0.1 only. Copied once; returns the folder to put on JUPYTER_PATH."""
    import shutil

    from opskit.viz.theme import font_path

    target = Path(folder) / "voila" / "templates" / "opskit"
    (target / "static").mkdir(parents=True, exist_ok=True)
    for name in ("conf.json", "index.html.j2"):
        shutil.copyfile(JUPYTER_DATA / "voila" / "templates" / "opskit" / name, target / name)
    font = target / "static" / FONT_NAME
    if not font.exists() or font.stat().st_size != font_path().stat().st_size:
        shutil.copyfile(font_path(), font)
    return Path(folder)


def voila_command(notebook: str | Path, port: int) -> tuple[list[str], dict[str, str]]:
    """The Voila command (and its environment) that serves ``notebook`` as an app on
    127.0.0.1:``port``: no browser opened, no traceback shown to participants, and the kit's
    template ``opskit`` (:func:`voila_data`), whose page requests nothing from another host
    (Voila's lab template loads Font Awesome from a CDN) and ships the kit's CJK font."""
    import sys

    from opskit.course.chapters import ROOT

    data = voila_data(ROOT / "build" / "voila")
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(data), env.get("JUPYTER_PATH", "")) if p)
    command = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=False",
               "--template=opskit", "--theme=light"]
    return command, env


class SavedState:
    """JSON round trip for a workshop's canvas state: a dataclass whose ``tree``, ``kpis`` and
    ``votes`` fields hold the toolkit's rows (restored as :class:`TreeNode`, :class:`KPI`,
    :class:`VoteBoard`); every other field is plain JSON."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict):
        d = dict(d)
        d["tree"] = tree_from(d.get("tree", []))
        d["kpis"] = kpis_from(d.get("kpis", []))
        d["votes"] = boards_from(d.get("votes", []))
        return cls(**d)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str):
        return cls.from_dict(json.loads(text))
