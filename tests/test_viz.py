"""Plots render Chinese: a missing glyph anywhere is a failure."""

import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from opskit import viz  # noqa: E402

CHINESE = "鲜选：各渠道新客与复购率（2025年）"


def _draw_chinese_chart():
    fig, ax = plt.subplots()
    ax.bar(["应用商店", "信息流广告", "达人", "好友邀请"], [0.31, -0.12, 0.27, 0.44])
    ax.set_title(CHINESE)
    ax.set_xlabel("获客渠道")
    ax.set_ylabel("复购率（负数为下降）")
    fig.legend(["复购率"])
    viz.funnel(["访问", "加购", "下单"], [1000, 300, 120], title="转化漏斗")
    for number in plt.get_fignums():
        plt.figure(number).savefig(io.BytesIO(), format="png")  # forces text layout
    plt.close("all")


def _glyph_warnings(record):
    return [str(w.message) for w in record if "Glyph" in str(w.message) or "missing from" in str(w.message)]


def test_chinese_chart_has_no_missing_glyphs():
    viz.set_theme()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _draw_chinese_chart()
    assert _glyph_warnings(record) == []


def test_the_check_catches_missing_glyphs_without_the_theme():
    """Guard the guard: with matplotlib's default font the same chart does warn."""
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            _draw_chinese_chart()
    assert _glyph_warnings(record), "expected missing-glyph warnings with DejaVu Sans"


def test_font_is_the_bundled_cjk_font():
    viz.set_theme()
    from matplotlib import font_manager

    found = font_manager.findfont(font_manager.FontProperties(family=viz.FONT_FAMILY), fallback_to_default=False)
    assert found.endswith(viz.theme.FONT_FILE)
    assert matplotlib.rcParams["axes.unicode_minus"] is False


@pytest.mark.parametrize("value, text", [(123456789, "1.23 亿元"), (56000, "5.6 万元"), (950, "950 元")])
def test_money_format(value, text):
    assert viz.fmt_yuan(value) == text
