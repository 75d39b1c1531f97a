"""One plotting theme for every chapter, with a CJK font that needs no system install.

The font is Noto Sans CJK SC (SIL Open Font License), shipped by the ``mplfonts`` package from
PyPI. We register the file with matplotlib directly instead of running ``mplfonts init``, which
would copy ~100 MB into matplotlib's folder.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager

FONT_FAMILY = "Noto Sans CJK SC"
FONT_FILE = "NotoSansCJKsc-Regular.otf"

# A calm qualitative palette; the first colour marks "our" series, grey marks context.
PALETTE = [
    "#2a6f97", "#e07a5f", "#81b29a", "#f2cc8f", "#6d597a",
    "#3d405b", "#b5838d", "#8d99ae", "#bc6c25", "#4d908e", "#f28482", "#606c38",
]
GREY = "#9aa0a6"
HIGHLIGHT = "#d62828"


def font_path() -> Path:
    """Path of the bundled CJK font file."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"找不到中文字体文件 {path}。请重新安装依赖：pip install --force-reinstall mplfonts"
        )
    return path


def register_font() -> str:
    """Register the CJK font with matplotlib (idempotent) and return its family name."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    if FONT_FAMILY not in names:
        font_manager.fontManager.addfont(str(font_path()))
    return FONT_FAMILY


def set_theme(context: str = "notebook") -> None:
    """Apply the kit's theme: seaborn style, the CJK font, readable sizes, proper minus signs."""
    import seaborn as sns

    family = register_font()
    sns.set_theme(context=context, style="whitegrid", palette=PALETTE)
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            # The CJK font has no U+2212 minus glyph; use the ASCII hyphen instead.
            "axes.unicode_minus": False,
            "figure.figsize": (8, 4.5),
            "figure.dpi": 100,
            "savefig.dpi": 120,
            "savefig.bbox": "tight",
            "axes.titlesize": 13,
            # The bundled CJK font has one weight; asking for bold only triggers findfont warnings.
            "axes.titleweight": "normal",
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def fmt_yuan(value: float) -> str:
    """Format money the way Chinese reports do: 万/亿 for large amounts."""
    if abs(value) >= 1e8:
        return f"{value / 1e8:.2f} 亿元"
    if abs(value) >= 1e4:
        return f"{value / 1e4:.1f} 万元"
    return f"{value:,.0f} 元"


def fmt_pct(value: float, digits: int = 1) -> str:
    """Format a share as a percentage string."""
    return f"{value * 100:.{digits}f}%"


def bar_labels(ax, fmt=fmt_pct, **kwargs) -> None:
    """Write each bar's value on it, formatted with ``fmt``."""
    for container in ax.containers:
        ax.bar_label(container, labels=[fmt(v) for v in container.datavalues], **kwargs)


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
