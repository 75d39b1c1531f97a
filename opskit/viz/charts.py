"""Shared charts of the kit: each takes computed tables and draws on a matplotlib axis.

Method modules compute; the charts that show their results live here, so no method module imports
matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
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
    ax.set_xlim(0, top * 1.6)
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
