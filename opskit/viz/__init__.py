"""Plotting for the kit: one CJK-safe theme (:mod:`opskit.viz.theme`) and the shared charts
(:mod:`opskit.viz.charts`). Notebooks write ``from opskit import viz`` and call ``viz.funnel(...)``."""

from opskit.viz.charts import (
    bcg_matrix,
    better_worse,
    funnel,
    heatmap,
    layer_diagram,
    level_curves,
    metric_tree,
    sankey,
    score_matrix,
    stakeholder_map,
    value_canvas,
    viral_growth,
)
from opskit.viz.theme import (
    FONT_FAMILY,
    GREY,
    HIGHLIGHT,
    PALETTE,
    bar_labels,
    fmt_pct,
    fmt_yuan,
    font_path,
    register_font,
    set_theme,
)

__all__ = ["FONT_FAMILY", "GREY", "HIGHLIGHT", "PALETTE", "bar_labels", "bcg_matrix", "better_worse", "fmt_pct",
           "fmt_yuan", "font_path", "funnel", "heatmap", "layer_diagram", "level_curves", "metric_tree",
           "register_font", "sankey", "score_matrix", "set_theme", "stakeholder_map", "value_canvas",
           "viral_growth"]
