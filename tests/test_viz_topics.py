"""The charts of chapters 07 and 08 (category pyramid, gains) render Chinese without missing glyphs."""

import io
import logging
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from opskit import audience, viz  # noqa: E402


def test_pyramid_and_gains_charts_render_every_glyph(caplog):
    viz.set_theme()
    roles = {"引流": ["蔬菜", "水果"], "利润": ["乳品"], "形象": [], "补充": ["家居日用", "个护清洁"]}
    y = [1, 0, 0, 1, 0, 0, 0, 0, 1, 0]
    curve = audience.gains_curve(y, list(range(10)))
    with warnings.catch_warnings(record=True) as record, caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("always")
        fig, axes = plt.subplots(1, 2, figsize=(12, 4))
        viz.charts.category_pyramid(roles, ax=axes[0], title="品类金字塔")
        viz.charts.gains_chart({"相似人群模型": curve}, ax=axes[1], title="累计增益", best_share=0.2)
        fig.savefig(io.BytesIO(), format="png")
        plt.close("all")
    messages = [str(w.message) for w in record] + [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "Glyph" in m or "missing from" in m or "findfont" in m]
