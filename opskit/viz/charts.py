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


# --- MCN matrix and token economies (chapters 16–17) --------------------------------------------


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
