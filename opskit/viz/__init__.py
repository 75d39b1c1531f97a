"""Plotting for the kit: one CJK-safe theme (:mod:`opskit.viz.theme`) and the shared charts
(:mod:`opskit.viz.charts`). Notebooks write ``from opskit import viz`` and call ``viz.funnel(...)``."""

from opskit.viz.charts import (
    actual_vs_counterfactual,
    bcg_matrix,
    better_worse,
    bonding_curve,
    campaign_calendar,
    category_pyramid,
    channel_monitor,
    economy_run,
    event_study,
    fee_sweep,
    funnel,
    gains_chart,
    gap_with_placebos,
    heatmap,
    layer_diagram,
    level_curves,
    lorenz,
    metric_tree,
    regret_curves,
    replacement_path,
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

__all__ = ["actual_vs_counterfactual", "bar_labels", "bcg_matrix", "better_worse", "bonding_curve",
           "campaign_calendar", "category_pyramid", "economy_run", "event_study", "fee_sweep", "fmt_pct",
           "fmt_yuan", "FONT_FAMILY", "font_path", "funnel", "gains_chart", "gap_with_placebos", "GREY",
           "heatmap", "HIGHLIGHT", "layer_diagram", "level_curves", "lorenz", "metric_tree", "PALETTE",
           "register_font", "regret_curves", "replacement_path", "sankey", "score_matrix", "set_theme",
           "stakeholder_map", "value_canvas", "viral_growth", "channel_monitor"]
