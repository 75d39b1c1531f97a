"""Plotting for the kit: one CJK-safe theme (:mod:`opskit.viz.theme`) and the shared charts
(:mod:`opskit.viz.charts`). Notebooks write ``from opskit import viz`` and call ``viz.funnel(...)``."""

from opskit.viz.charts import (
                               actual_vs_counterfactual,
                               better_worse,
                               campaign_calendar,
                               event_study,
                               funnel,
                               gap_with_placebos,
                               layer_diagram,
                               metric_tree,
                               regret_curves,
                               sankey,
                               stakeholder_map,
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

__all__ = ["FONT_FAMILY", "GREY", "HIGHLIGHT", "PALETTE", "bar_labels", "better_worse", "fmt_pct",
           "fmt_yuan", "font_path", "funnel", "layer_diagram", "metric_tree", "register_font", "sankey",
           "set_theme", "stakeholder_map", "viral_growth", "actual_vs_counterfactual", "campaign_calendar",
           "event_study", "gap_with_placebos", "regret_curves"]
