"""Shared charts of the kit: each takes computed tables and draws on a matplotlib axis.

Method modules compute; the charts that show their results live here, so no method module imports
matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from opskit.metric_tree import Metric, format_value
from opskit.stakeholders import DECISION_ROLES
from opskit.survey import CATEGORIES, CATEGORY_NAMES
from opskit.viral import users_at
from opskit.viz.theme import GREY, HIGHLIGHT, PALETTE, fmt_pct


def sankey(counts: pd.DataFrame, ax=None, title: str | None = None, min_share: float = 0.0,
           left_label: str = "期初", right_label: str = "期末"):
    """Draw a two-column Sankey-style flow plot of a count matrix (rows left, columns right).

    Node heights and band widths are proportional to counts; bands are coloured by their source
    node. Flows below ``min_share`` of the total are not drawn (their nodes keep their size).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5.5))
    c = counts.to_numpy(dtype=float)
    total = c.sum()
    if total <= 0:
        ax.set_axis_off()
        return ax
    left, right = c.sum(axis=1), c.sum(axis=0)
    gap = 0.02
    scale_l = (1 - gap * (len(left) - 1)) / total
    scale_r = (1 - gap * (len(right) - 1)) / total

    def tops(sizes, scale):
        pos, y = [], 1.0
        for size in sizes:
            pos.append(y)
            y -= size * scale + gap
        return pos

    top_l, top_r = tops(left, scale_l), tops(right, scale_r)
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(left))]
    x0, x1, w = 0.0, 1.0, 0.04
    xs = np.linspace(x0 + w, x1 - w, 60)
    t = (xs - xs[0]) / (xs[-1] - xs[0])
    smooth = 3 * t ** 2 - 2 * t ** 3
    out_used = np.zeros(len(left))
    in_used = np.zeros(len(right))
    for i in range(len(left)):
        for j in range(len(right)):
            v = c[i, j]
            if v <= 0:
                continue
            yl = top_l[i] - out_used[i] * scale_l
            yr = top_r[j] - in_used[j] * scale_r
            out_used[i] += v
            in_used[j] += v
            if v / total < min_share:
                continue
            top = yl + (yr - yl) * smooth
            h_l, h_r = v * scale_l, v * scale_r
            bottom = (yl - h_l) + ((yr - h_r) - (yl - h_l)) * smooth
            ax.fill_between(xs, bottom, top, color=colors[i], alpha=0.35, linewidth=0)
    for i, name in enumerate(counts.index):
        h = left[i] * scale_l
        ax.add_patch(plt.Rectangle((x0, top_l[i] - h), w, h, color=colors[i] if left[i] else GREY))
        if left[i]:
            ax.text(x0 - 0.01, top_l[i] - h / 2, f"{name} {left[i]:,.0f}", ha="right", va="center", fontsize=9)
    for j, name in enumerate(counts.columns):
        h = right[j] * scale_r
        ax.add_patch(plt.Rectangle((x1 - w, top_r[j] - h), w, h, color=GREY))
        if right[j]:
            ax.text(x1 + 0.01, top_r[j] - h / 2, f"{name} {right[j]:,.0f}", ha="left", va="center", fontsize=9)
    ax.set_xlim(-0.35, 1.35)
    ax.set_ylim(-0.02, 1.02)
    ax.set_axis_off()
    ax.text(x0 + w / 2, 1.04, left_label, ha="center", fontsize=10)
    ax.text(x1 - w / 2, 1.04, right_label, ha="center", fontsize=10)
    if title:
        ax.set_title(title, pad=18)
    return ax


def better_worse(result: pd.DataFrame, ax=None, title: str | None = None, split: float = 0.5):
    """Better against |Worse| with quadrant lines at ``split`` (0.5 by default)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5.5))
    colors = {c: PALETTE[i] for i, c in enumerate(CATEGORIES)}
    for name, row in result.iterrows():
        ax.scatter(-row["worse"], row["better"], s=80, color=colors.get(row["category"], PALETTE[0]))
        ax.annotate(f"{name}（{CATEGORY_NAMES.get(row['category'], '')}）", (-row["worse"], row["better"]),
                    xytext=(6, 4), textcoords="offset points", fontsize=9)
    ax.axhline(split, color="grey", lw=0.8, ls="--")
    ax.axvline(split, color="grey", lw=0.8, ls="--")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("|Worse| 不满意影响力（缺了有多不满）")
    ax.set_ylabel("Better 满意影响力（有了有多满意）")
    for x, y, text in [(0.75, 0.95, "期望属性区"), (0.25, 0.95, "魅力属性区"),
                       (0.75, 0.05, "必备属性区"), (0.25, 0.05, "无差异区")]:
        ax.text(x, y, text, ha="center", va="center", fontsize=9, color="grey")
    if title:
        ax.set_title(title)
    return ax


def viral_growth(k: float, cycle_time: float, u0: float = 1000, horizon_days: float = 60, ax=None,
                compare=(0.5, 1.0, 1.5)):
    """Static chart of U(t) for the chosen K and a few reference K values."""
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


def metric_tree(tree: Metric, values: Mapping[str, float] | None = None, ax=None):
    """Draw the tree left to right: one box per node, the operator on each parent."""
    depth: dict[str, int] = {}
    ypos: dict[str, float] = {}
    counter = [0]

    def place(node: Metric, d: int) -> float:
        depth[node.name] = d
        if not node.children:
            ypos[node.name] = counter[0]
            counter[0] += 1
        else:
            ys = [place(c, d + 1) for c in node.children]
            ypos[node.name] = sum(ys) / len(ys)
        return ypos[node.name]

    place(tree, 0)
    n_leaves, max_depth = counter[0], max(depth.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2 * (max_depth + 1) + 1, 0.9 * n_leaves + 1))
    sym = {"*": "×", "+": "+", "/": "÷"}
    for node in tree.walk():
        x, y = depth[node.name] * 3.2, n_leaves - 1 - ypos[node.name]
        for child in node.children:
            cx, cy = depth[child.name] * 3.2, n_leaves - 1 - ypos[child.name]
            ax.plot([x + 1.25, cx - 1.25], [y, cy], color="#bbbbbb", lw=1, zorder=1)
        text = node.label
        if values is not None and node.name in values:
            text += "\n" + format_value(values[node.name], node.unit)
        color = PALETTE[depth[node.name] % len(PALETTE)]
        ax.text(x, y, text, ha="center", va="center", fontsize=10, color="white", zorder=2,
                bbox=dict(boxstyle="round,pad=0.4", facecolor=color, edgecolor="none"))
        if node.children:
            ax.text(x + 1.6, y, sym[node.op], ha="center", va="center", fontsize=12, color="#555555")
    ax.set_xlim(-1.5, max_depth * 3.2 + 1.5)
    ax.set_ylim(-0.8, n_leaves - 0.2)
    ax.axis("off")
    return ax


def stakeholder_map(table: pd.DataFrame, ax=None, title: str | None = None, split: float = 3):
    """Influence (y) against support (x), one labelled point per person, quadrant lines at ``split``."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5.5))
    roles = list(DECISION_ROLES)
    for _, p in table.iterrows():
        color = PALETTE[roles.index(p["role"]) % len(PALETTE)]
        ax.scatter(p["support"], p["influence"], s=120, color=color)
        ax.annotate(f"{p['name']}（{p['role']}）", (p["support"], p["influence"]), xytext=(7, 5),
                    textcoords="offset points", fontsize=9)
    ax.axhline(split - 0.5, color="grey", lw=0.8, ls="--")
    ax.axvline(split - 0.5, color="grey", lw=0.8, ls="--")
    ax.set_xlim(0.5, 5.8)
    ax.set_ylim(0.5, 5.5)
    ax.set_xlabel("支持度（1 反对 – 5 支持）")
    ax.set_ylabel("影响力（1 低 – 5 高）")
    for (x, y), name in {(1.5, 5.3): "重点争取", (4.5, 5.3): "依靠推动", (4.5, 0.7): "持续告知",
                         (1.5, 0.7): "关注观察"}.items():
        ax.text(x, y, name, ha="center", va="center", color="grey", fontsize=10)
    if title:
        ax.set_title(title)
    return ax


def funnel(steps, values, ax=None, title: str | None = None):
    """Horizontal funnel: one bar per step, with step-to-step and overall conversion."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.6 * len(steps) + 1))
    values = list(values)
    y = range(len(steps))[::-1]
    ax.barh(list(y), values, color=PALETTE[0], height=0.6)
    ax.set_yticks(list(y), labels=list(steps))
    top = values[0] if values and values[0] else 1
    for yi, value, prev in zip(y, values, [None] + values[:-1]):
        step = "" if not prev else f"，环节转化 {fmt_pct(value / prev)}"
        ax.text(value, yi, f"  {value:,.0f}（{fmt_pct(value / top)}{step}）", va="center", fontsize=9)
    ax.set_xlim(0, top * 1.6)  # room for the labels right of the bars
    ticks = [t for t in matplotlib.ticker.MaxNLocator(5).tick_values(0, top) if 0 <= t <= top]
    ax.set_xticks(ticks)  # the axis is labelled only up to the largest step
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def layer_diagram(layers, title: str | None = None, ax=None):
    """Draw a framework as stacked layers of boxes, bottom layer first.

    ``layers`` is a list of ``(layer_name, [box, box, ...])``; each layer spans the full width and
    its boxes share it equally. Used for frameworks such as the course's global model.
    """
    from matplotlib.patches import FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 1.1 * len(layers) + 0.6))
    height, gap, label_w = 0.8, 0.25, 1.6
    for level, (name, boxes) in enumerate(layers):
        y = level * (height + gap)
        ax.text(label_w - 0.1, y + height / 2, name, ha="right", va="center", fontsize=11)
        width = (10 - label_w) / len(boxes)
        for i, text in enumerate(boxes):
            x = label_w + i * width
            ax.add_patch(FancyBboxPatch((x + 0.05, y), width - 0.1, height,
                                        boxstyle="round,pad=0.02", linewidth=0,
                                        facecolor=PALETTE[level % len(PALETTE)], alpha=0.85))
            ax.text(x + width / 2, y + height / 2, text, ha="center", va="center",
                    fontsize=10, color="white", wrap=True)
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.1, len(layers) * (height + gap))
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def heatmap(matrix: pd.DataFrame, ax=None, title: str | None = None, fmt: str = "{:.2f}", cmap: str = "RdBu_r",
            center: float | None = 1.0, marks: pd.DataFrame | None = None, xlabel: str = "", ylabel: str = ""):
    """A labelled heatmap of a small matrix (segments × needs or contents), values written in the cells.

    ``center``: the value shown white (1 for an index or a lift); ``marks``: a boolean frame of the
    same shape whose True cells get a box (e.g. the cells that survive a multiple-comparison test).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 * matrix.shape[1] + 3, 0.55 * matrix.shape[0] + 1.5))
    values = matrix.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if center is not None and len(finite):
        span = max(abs(finite.max() - center), abs(center - finite.min()), 1e-9)
        vmin, vmax = center - span, center + span
    else:
        vmin, vmax = (finite.min(), finite.max()) if len(finite) else (0, 1)
    ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(range(matrix.shape[1]), labels=[str(c) for c in matrix.columns], rotation=30, ha="right")
    ax.set_yticks(range(matrix.shape[0]), labels=[str(i) for i in matrix.index])
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=9)
    if marks is not None:
        from matplotlib.patches import Rectangle

        for (i, j), flag in np.ndenumerate(marks.reindex_like(matrix).fillna(False).to_numpy(dtype=bool)):
            if flag:
                ax.add_patch(Rectangle((j - 0.48, i - 0.48), 0.96, 0.96, fill=False, lw=2.2, edgecolor=HIGHLIGHT))
    ax.grid(False)
    ax.set(xlabel=xlabel, ylabel=ylabel)
def category_pyramid(roles: Mapping[str, list[str]], ax=None, title: str | None = None,
                     tiers=("形象", "利润", "引流"), side: str = "补充"):
    """The category pyramid: ``tiers`` from the top (narrow) to the base (wide), each listing its
    categories; ``side`` (supplementary categories) in a box beside the pyramid."""
    from matplotlib.patches import FancyBboxPatch, Polygon

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5))
    n = len(tiers)
    for level, tier in enumerate(tiers):          # level 0 = top
        top_w, bottom_w = level / n, (level + 1) / n
        y0, y1 = n - level - 1, n - level
        shape = [(-bottom_w * 4, y0), (bottom_w * 4, y0), (top_w * 4, y1), (-top_w * 4, y1)]
        ax.add_patch(Polygon(shape, closed=True, facecolor=PALETTE[level % len(PALETTE)], alpha=0.85,
                             edgecolor="white", linewidth=2))
        names = list(roles.get(tier, []))
        per_line = level + 2                       # the narrow top holds fewer names per line
        lines = ["、".join(names[i:i + per_line]) for i in range(0, len(names), per_line)] or ["（无）"]
        ax.text(0, y0 + (0.55 if level == 0 else 0.68), f"{tier}品", ha="center", va="center", fontsize=12,
                color="white")
        ax.text(0, y0 + (0.22 if level == 0 else 0.32), "\n".join(lines), ha="center", va="center", fontsize=9,
                color="white", linespacing=1.4)
    extra = roles.get(side, [])
    ax.add_patch(FancyBboxPatch((4.4, 0.05), 2.2, 1.9, boxstyle="round,pad=0.05", facecolor=GREY, alpha=0.5,
                                linewidth=0))
    ax.text(5.5, 1.7, f"{side}品", ha="center", va="center", fontsize=12)
    ax.text(5.5, 0.85, "\n".join(extra) if extra else "（无）", ha="center", va="center", fontsize=9,
            linespacing=1.5)
    ax.set_xlim(-4.3, 6.8)
    ax.set_ylim(-0.1, n + 0.1)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def level_curves(curves: Mapping[str, np.ndarray], levels: np.ndarray, ax=None, title: str | None = None,
                 markers: Mapping[str, float] | None = None):
    """Cumulative growth value needed per level for several level curves, with reference lines
    (e.g. the median member's growth value after 3/6/12 months)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    for (name, xp), color in zip(curves.items(), PALETTE):
        ax.plot(levels, xp, marker="o", color=color, label=name)
    for (name, value), style in zip((markers or {}).items(), ["--", ":", "-."] * 3):
        ax.axhline(value, color=GREY, ls=style, lw=1)
        ax.text(levels[0], value, f" {name}", va="bottom", fontsize=9, color=GREY)
    ax.set(xlabel="等级", ylabel="累计成长值", yscale="log")
    ax.legend()
def gains_chart(curves: Mapping[str, pd.DataFrame], ax=None, title: str | None = None, best_share=None):
    """Cumulative gains curves (``share``, ``gain`` columns, as :func:`opskit.audience.gains_curve`) with
    the random diagonal and the perfect curve of the first one; ``best_share`` marks a chosen audience."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    first = next(iter(curves.values()))
    ax.plot(first["share"], first["perfect"], color=GREY, ls=":", label="完美排序")
    ax.plot(first["share"], first["share"], color=GREY, ls="--", label="随机触达")
    for i, (name, curve) in enumerate(curves.items()):
        ax.plot(curve["share"], curve["gain"], color=PALETTE[i % len(PALETTE)], lw=2, label=name)
    if best_share is not None:
        ax.axvline(best_share, color=HIGHLIGHT, lw=1, label=f"选定人群：前 {fmt_pct(best_share, 0)}")
    ax.set(xlabel="按得分从高到低触达的人数占比", ylabel="覆盖的种子型用户占比", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def bcg_matrix(table: pd.DataFrame, ax=None, title: str | None = None, *, label: str = "line_name",
               growth: str = "market_growth", share: str = "relative_share", size: str = "revenue",
               growth_split: float = 0.10, share_split: float = 1.0):
    """BCG growth-share matrix: relative market share on a log x-axis (leader on the left, as
    Henderson drew it), market growth on y, bubble area ∝ ``size``, quadrant names in the corners."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5.5))
    x, y = table[share].astype(float), table[growth].astype(float)
    area = table[size].astype(float) if size in table else pd.Series(1.0, index=table.index)
    bubbles = 2500 * area / area.max()
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(table))]
    ax.scatter(x, y, s=bubbles, color=colors, alpha=0.55, edgecolor="white", linewidth=1.5)
    for xi, yi, name in zip(x, y, table[label] if label in table else table.index):
        ax.annotate(str(name), (xi, yi), ha="center", va="center", fontsize=10)
    low, high = min(x.min(), share_split) / 2.5, max(x.max(), share_split) * 2.5
    ax.set_xscale("log")
    ax.set_xlim(high, low)
    span = max(abs(y.min()), abs(y.max()), growth_split) * 1.4
    ax.set_ylim(min(y.min() - 0.1 * span, 0), max(y.max(), growth_split) + 0.25 * span)
    ax.axvline(share_split, color=GREY, ls="--", lw=1)
    ax.axhline(growth_split, color=GREY, ls="--", lw=1)
    top, bottom = ax.get_ylim()[1], ax.get_ylim()[0]
    for xpos, ypos, name in [(high / 1.3, top, "明星"), (low * 1.3, top, "问题"),
                             (high / 1.3, bottom, "现金牛"), (low * 1.3, bottom, "瘦狗")]:
        ax.text(xpos, ypos, name, ha="left" if xpos > share_split else "right",
                va="top" if ypos == top else "bottom", color=GREY, fontsize=12)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt_pct(v, 0)))
    ax.set_xlabel("相对市场份额（对数坐标；> 1 即市场第一）")
    ax.set_ylabel("市场年增长率")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def score_matrix(table: pd.DataFrame, ax=None, title: str | None = None, highlight: str | None = None,
                 low: float = 1, high: float = 5):
    """A scoring matrix as a heat map (rows: criteria and the total, columns: options), with the
    recommended column outlined."""
    from matplotlib.patches import Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(1.8 * table.shape[1] + 2, 0.7 * table.shape[0] + 1.2))
    values = table.to_numpy(dtype=float)
    ax.imshow(values, cmap="Blues", vmin=low - 1, vmax=high + 1, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=11,
                color="white" if v > (low + high) / 2 + 1 else "black")
    ax.set_xticks(range(table.shape[1]), labels=list(table.columns))
    ax.set_yticks(range(table.shape[0]), labels=list(table.index))
    ax.axhline(table.shape[0] - 1.5, color="white", lw=3)
    if highlight in table.columns:
        j = list(table.columns).index(highlight)
        ax.add_patch(Rectangle((j - 0.5, -0.5), 1, table.shape[0], fill=False, edgecolor=HIGHLIGHT, lw=3))
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def value_canvas(table: pd.DataFrame, brands, ax=None, title: str | None = None, own: str | None = None):
    """User value-point map as a strategy canvas: value points on x (most important first), one
    line of mean ratings per brand (own brand highlighted), importance as grey bars."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.5))
    points = list(table.index)
    x = np.arange(len(points))
    ax.bar(x, table["importance"], color=GREY, alpha=0.25, width=0.6, label="重要性")
    for i, brand in enumerate(brands):
        mine = brand == own
        ax.plot(x, table[brand], marker="o", lw=3 if mine else 1.5,
                color=HIGHLIGHT if mine else PALETTE[i % len(PALETTE)], label=brand)
    ax.set_xticks(x, labels=points)
    ax.set_ylim(1, 5.2)
    ax.set_ylabel("评分（1–5）")
    ax.legend(loc="lower left", ncol=len(brands) + 1, fontsize=9)
    if title:
        ax.set_title(title)
    return ax


def lorenz(values, ax=None, title: str | None = None, label: str = "洛伦兹曲线", unit_label: str = "达人"):
    """Lorenz curve of ``values`` with the line of equality; the shaded gap is half the Gini."""
    from opskit.concentration import gini, lorenz_curve

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    units, total = lorenz_curve(values)
    ax.plot([0, 1], [0, 1], color=GREY, ls="--", lw=1, label="完全平均")
    ax.plot(units, total, color=HIGHLIGHT, lw=2.5, label=f"{label}（基尼系数 {gini(values):.2f}）")
    ax.fill_between(units, total, units, color=HIGHLIGHT, alpha=0.12)
    ax.set(xlabel=f"{unit_label}累计占比（从小到大）", ylabel="成交额累计占比", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return ax


def replacement_path(result, ax=None, title: str | None = None):
    """The head-leaves scenario over time: GMV at risk, what new 达人 have replaced, the shortfall."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    path = result.path
    ax.plot(path["month"], path["at_risk"], color=HIGHLIGHT, lw=2, label="流失的月成交额")
    ax.fill_between(path["month"], 0, path["replaced"], color=PALETTE[0], alpha=0.35, label="新达人补上的部分")
    ax.fill_between(path["month"], path["replaced"], path["at_risk"], color=HIGHLIGHT, alpha=0.12,
                    label="缺口（累计损失）")
    if np.isfinite(result.months_to_replace) and result.months_to_replace <= path["month"].max():
        ax.axvline(result.months_to_replace, color=GREY, ls="--", lw=1)
        ax.annotate(f"{result.months_to_replace:.1f} 个月补齐", (result.months_to_replace, result.gmv_at_risk * 0.5),
                    xytext=(6, 0), textcoords="offset points", fontsize=9)
    ax.set(xlabel="头部达人离开后的月数", ylabel="月成交额（元）", ylim=(0, result.gmv_at_risk * 1.15))
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def bonding_curve(curve, supply: float, deposit: float = 0.0, ax=None, title: str | None = None):
    """Price along a bonding curve; the reserve at ``supply`` is the area under it, and a deposit
    moves the supply to the right by the tokens it mints."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    minted = curve.mint(supply, deposit) if deposit else 0.0
    s = np.linspace(0, max(supply * 1.5, supply + minted), 300)
    ax.plot(s, curve.price(s), color=PALETTE[0], lw=2, label=f"价格 p(s) = {curve.m:g}·s^{curve.n:g}")
    fill = s <= supply
    ax.fill_between(s[fill], 0, curve.price(s[fill]), color=PALETTE[0], alpha=0.2,
                    label=f"储备 R({supply:g}) = {float(curve.reserve(supply)):,.2f}")
    ax.scatter([supply], [curve.price(supply)], color=HIGHLIGHT, zorder=3)
    ax.annotate(f"s = {supply:g}，价格 {float(curve.price(supply)):,.2f}", (supply, float(curve.price(supply))),
                xytext=(-10, 10), textcoords="offset points", ha="right", fontsize=9)
    if deposit:
        ax.axvspan(supply, supply + minted, color=HIGHLIGHT, alpha=0.25,
                   label=f"存入 {deposit:g} → 铸造 {minted:.4f} 枚")
    ax.set(xlabel="供应量 s（枚）", ylabel="价格（储备单位/枚）")
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return ax


def economy_run(periods: pd.DataFrame, axes=None, title: str | None = None):
    """A member-economy run: points outstanding and fill rate (left), revenue lines stacked (right)."""
    from opskit.tokens import REVENUE_LINES

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(13, 4))
    left, right = axes
    left.plot(periods["period"], periods["supply"], color=PALETTE[0], lw=2, label="流通中的积分（M）")
    left.set(xlabel="周期（周）", ylabel="积分")
    twin = left.twinx()
    twin.plot(periods["period"], periods["fill_rate"], color=HIGHLIGHT, lw=1.5, label="成交率（流动性）")
    twin.set(ylabel="成交率", ylim=(0, 1))
    twin.grid(False)
    left.legend(loc="upper left")
    twin.legend(loc="lower right")
    names = {"trade_fee": "交易手续费", "material_spread": "原材料价差", "tool_wear": "工具损耗", "recipe_fee": "配方费用"}
    right.stackplot(periods["period"], [periods[line] for line in REVENUE_LINES],
                    labels=[names[line] for line in REVENUE_LINES], colors=PALETTE[: len(REVENUE_LINES)], alpha=0.85)
    right.set(xlabel="周期（周）", ylabel="平台收入（积分）", title="平台收入的四条线")
    right.legend(loc="upper left", fontsize=9)
    if title:
        left.set_title(title)
    return axes


def fee_sweep(table: pd.DataFrame, chosen: float | None = None, *, min_fill: float | None = None,
              max_inflation: float | None = None, inflation: str = "supply_growth", ax=None,
              title: str | None = None):
    """Liquidity (fill rate) and inflation (annual growth of points outstanding) against the fee."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    fee = table.index.to_numpy(dtype=float) * 100
    ax.plot(fee, table["fill_rate"], color=PALETTE[0], marker="o", lw=2, label="成交率（流动性）")
    ax.set(xlabel="交易手续费率（%）", ylabel="成交率")
    twin = ax.twinx()
    twin.plot(fee, table[inflation], color=HIGHLIGHT, marker="s", lw=2, label="积分年增速（通胀）")
    twin.axhline(0, color=GREY, lw=1)
    twin.set(ylabel="年增速")
    twin.grid(False)
    if min_fill is not None:
        ax.axhline(min_fill, color=PALETTE[0], ls=":", lw=1)
    if max_inflation is not None:
        twin.axhspan(-max_inflation, max_inflation, color=HIGHLIGHT, alpha=0.08)
    if chosen is not None:
        ax.axvline(chosen * 100, color=GREY, ls="--", lw=1)
        ax.annotate(f"选择 {chosen:.0%}", (chosen * 100, ax.get_ylim()[1]), xytext=(4, -14),
                    textcoords="offset points", fontsize=9)
    ax.legend(loc="upper right")
    twin.legend(loc="center right")
    if title:
        ax.set_title(title)
    return ax


def event_study(table: pd.DataFrame, ax=None, title: str | None = None, xlabel: str = "相对活动开始的周期",
                ylabel: str = "处理组 − 对照组（相对基准期）"):
    """Event-study coefficients with their intervals; the reference period sits at zero."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    x = table.index.to_numpy()
    pre = x < 0
    for mask, color, name in ((pre, GREY, "活动前"), (~pre, PALETTE[0], "活动期")):
        ax.errorbar(x[mask], table["coef"].to_numpy()[mask],
                    yerr=[(table["coef"] - table["ci_low"]).to_numpy()[mask],
                          (table["ci_high"] - table["coef"]).to_numpy()[mask]],
                    fmt="o", color=color, capsize=3, label=name)
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(-0.5, color=HIGHLIGHT, ls="--", lw=1)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def actual_vs_counterfactual(actual: pd.Series, counterfactual: pd.Series, start, ax=None, title: str | None = None,
                             lower: pd.Series | None = None, upper: pd.Series | None = None,
                             labels: tuple[str, str] = ("实际", "反事实（没有活动时）"), ylabel: str = ""):
    """An outcome against its counterfactual, with an optional interval band and the start marked."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    ax.plot(actual.index, actual.to_numpy(), color=PALETTE[0], lw=1.6, label=labels[0])
    ax.plot(counterfactual.index, counterfactual.to_numpy(), color=PALETTE[1], lw=1.6, ls="--", label=labels[1])
    if lower is not None and upper is not None:
        ax.fill_between(lower.index, lower.to_numpy(), upper.to_numpy(), color=PALETTE[1], alpha=0.2, lw=0,
                        label="反事实的 95% 区间")
    ax.axvline(start, color=HIGHLIGHT, ls=":", lw=1.2)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", fontsize=9)
    if title:
        ax.set_title(title)
    return ax


def gap_with_placebos(gap: pd.Series, placebo_gaps: pd.DataFrame | None, start, ax=None, title: str | None = None,
                      ylabel: str = "实际 − 合成"):
    """The treated unit's gap over time, drawn over the placebo units' gaps in grey."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    if placebo_gaps is not None:
        for i, column in enumerate(placebo_gaps.columns):
            ax.plot(placebo_gaps.index, placebo_gaps[column].to_numpy(), color=GREY, lw=0.7, alpha=0.6,
                    label="安慰剂（其他城市）" if i == 0 else None)
    ax.plot(gap.index, gap.to_numpy(), color=HIGHLIGHT, lw=2, label="处理单元")
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(start, color="black", ls=":", lw=1.2)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", fontsize=9)
    if title:
        ax.set_title(title)
    return ax


def campaign_calendar(campaigns: pd.DataFrame, phases: pd.DataFrame, ax=None, title: str | None = None,
                      label: str = "name"):
    """A Gantt chart of campaigns (one row each, by start date) with their phases coloured."""
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.38 * len(campaigns) + 1.2))
    order = campaigns.sort_values(["start_date", "campaign_id"], kind="stable").reset_index(drop=True)
    phases = phases[phases["campaign_id"].isin(order["campaign_id"])]
    usual = ["蓄水", "预热", "爆发", "正式", "返场"]
    names = [p for p in usual if p in set(phases["phase"])] + sorted(set(phases["phase"]) - set(usual))
    colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    for row, campaign in order.iterrows():
        own = phases[phases["campaign_id"] == campaign["campaign_id"]]
        for phase in own.itertuples():
            width = (phase.end_date - phase.start_date).days + 1
            ax.barh(row, width, left=phase.start_date, color=colors[phase.phase], height=0.6)
    ax.set_yticks(range(len(order)), labels=order[label].astype(str).tolist(), fontsize=9)
    ax.invert_yaxis()
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[n]) for n in names]
    ax.legend(handles, names, ncol=len(names), loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize=9,
              frameon=False)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def regret_curves(curves: Mapping[str, pd.DataFrame], ax=None, title: str | None = None):
    """Cumulative pseudo-regret of bandit policies (mean with a 10–90% band over runs)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    for i, (name, curve) in enumerate(curves.items()):
        color = PALETTE[i % len(PALETTE)]
        ax.plot(curve.index, curve["regret"], color=color, lw=2, label=name)
        ax.fill_between(curve.index, curve["regret_p10"], curve["regret_p90"], color=color, alpha=0.15, lw=0)
    ax.set(xlabel="曝光次数", ylabel="累计遗憾（比最优少的点击）")
    ax.legend(fontsize=9)
    if title:
        ax.set_title(title)
    return ax


def channel_monitor(monitor: pd.DataFrame, names: Mapping[str, str] | None = None, *, value: str = "cost_per_reg",
                    ncols: int = 3, title: str | None = None, ylabel: str = "元/注册"):
    """Small multiples of a per-channel weekly monitor (:func:`opskit.channels.weekly_monitor`): one panel
    per channel that has a value, with its rolling baseline (dashed) and its flagged periods in red, so
    each channel is read on its own scale instead of one tangle of lines. Returns the figure."""
    names = names or {}
    drawn = monitor.loc[monitor[value].notna()]  # channels without spend (organic, referral) have no value
    channels = sorted(drawn["channel_id"].astype(str).unique())
    nrows = max(1, -(-len(channels) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.4 * nrows + 0.6), sharex=True, squeeze=False)
    for ax, channel in zip(axes.flat, channels):
        g = monitor.loc[monitor["channel_id"].astype(str) == channel].sort_values("period")
        ax.plot(g["period"], g[value], color=PALETTE[0], lw=1.1)
        if "baseline" in g:
            ax.plot(g["period"], g["baseline"], color=GREY, lw=1, ls="--")
        flagged = g.loc[g["flag"]] if "flag" in g else g.iloc[:0]
        ax.scatter(flagged["period"], flagged[value], color=HIGHLIGHT, s=18, zorder=3)
        ax.set_title(f"{names.get(channel, channel)}（异常 {len(flagged)} 周）", fontsize=10)
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    for i in range(len(channels), nrows * ncols):
        axes.flat[i].set_visible(False)
        if i >= ncols:  # the panel above an empty cell keeps its dates
            axes.flat[i - ncols].tick_params(axis="x", labelbottom=True, labelrotation=30, labelsize=8)
    for row in axes:
        row[0].set_ylabel(ylabel)
    handles = [plt.Line2D([], [], color=PALETTE[0], lw=1.1), plt.Line2D([], [], color=GREY, lw=1, ls="--"),
               plt.Line2D([], [], color=HIGHLIGHT, marker="o", ls="", markersize=5)]
    fig.legend(handles, ["每周值", "前几周中位数（基线）", "异常周"], loc="lower center", ncol=3, frameon=False,
               fontsize=9, bbox_to_anchor=(0.5, 0))
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig
