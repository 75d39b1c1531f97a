"""One plotting theme for every chapter, with a CJK font that needs no system install.

The font is Noto Sans CJK SC (SIL Open Font License), shipped by the ``mplfonts`` package from
PyPI. We register the file with matplotlib directly instead of running ``mplfonts init``, which
would copy ~100 MB into matplotlib's folder.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
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
