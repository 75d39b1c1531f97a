"""What people hold in their hands: the management report, the formatted workbook, the Chinese
command line, progress lines, readable tables and charts."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import nbformat
import openpyxl
import pandas as pd
import pytest

from opskit.course import chapters, management, report
from opskit.course.progress import CellProgress

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "datasets" / "examples"
TEACHING = ("**概念。**", "**常见陷阱", "**如何解读", "学习目标", "由讲师现场进行", "import ")


def opskit(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "opskit", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


# --- the management report -------------------------------------------------------------------

def _report_of(stem: str):
    ch = chapters.find(stem)
    nb = nbformat.read(ch.notebook, as_version=4)
    return nb, management.management_notebook(nb, f"第 {ch.number} 章 {ch.title}", "## 报告说明\n\n- **数据来源**：x")


@pytest.mark.parametrize("chapter", [ch.number for ch in chapters.CHAPTERS])
def test_every_chapter_gives_a_report_without_teaching_or_code(chapter):
    nb, rep = _report_of(chapter)
    sections = [c.source.splitlines()[0] for c in rep.cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert sections[0] == "## 数据范围" and len(sections) >= 2, "a report has data scope and findings"
    text = "\n".join(c.source for c in rep.cells)
    assert not any(word in text for word in TEACHING)
    assert all(c.source == "" for c in rep.cells if c.cell_type == "code"), "no code in a report"
    outputs = [o for c in rep.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and all(o.output_type != "error" and (o.output_type != "stream" or o.name == "stdout")
                           for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs), "charts are part of the report"


def test_tagged_chapters_keep_only_their_report_cells_and_decisions():
    nb, rep = _report_of("08")
    tagged = [c for c in nb.cells if management.is_tagged(c)]
    kept = [c for c in rep.cells if c.cell_type == "code"]
    assert len(kept) == len([c for c in tagged if management._report_outputs(c)])
    decisions = [c.source for c in rep.cells if c.source.startswith("### 建议的运营决策")]
    assert decisions and "所以我们会" not in decisions[0] and "引流品" in decisions[0]


def test_chapters_without_report_tags_are_listed():
    untagged = management.untagged_chapters()
    print("chapters without report tags:", untagged)  # the fallback serves them until tagged
    assert set(untagged) <= {ch.number for ch in chapters.CHAPTERS}
    assert not {"07", "08", "09", "10", "12", "13", "14", "15", "16", "17"} & set(untagged)


def test_report_html_is_one_offline_file_with_the_font_embedded():
    _, rep = _report_of("08")
    page = management.render_html(rep)
    assert "<script" not in page and not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "data:font/woff;base64," in page and "OpskitCJK" in page and '<html lang="zh">' in page
    assert "<title>第 08 章 品类精细化运营：分析报告</title>" in page


@pytest.fixture(scope="module")
def example_report(tmp_path_factory):
    """The README's worked example: chapter 00 on an orders export with a column map."""
    out = tmp_path_factory.mktemp("report")
    result = opskit("run", "00", "--data", EXAMPLES, "--map", EXAMPLES / "列映射.yaml", "--out", out)
    return result, out


def test_example_run_gives_a_management_report_quietly_with_progress(example_report):
    result, out = example_report
    assert result.returncode == 0, result.stderr
    page = (out / "00_overview.html").read_text(encoding="utf-8")
    assert "分析报告" in page and "数据范围" in page and "建议的运营决策" in page
    assert not any(word in page for word in ("学习目标", "由讲师现场进行", "常见陷阱", "open_dataset"))
    assert str(ROOT) not in page and "examples" in page
    assert "without encryption" not in result.stderr and "Warning" not in result.stderr
    assert re.search(r"第 00 章 .*\[\d+/\d+ 个代码单元\]", result.stderr), result.stderr
    assert "管理报告" in result.stdout


def test_example_report_screenshot(example_report):
    """The management report in headless Chromium, every non-local request blocked."""
    from browser import local_page, screenshot, serve

    _, out = example_report
    with serve(out) as base, local_page(height=1400) as page:
        page.goto(f"{base}/00_overview.html")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.fonts.check('16px OpskitCJK', '分析报告')")
        assert page.evaluate("[...document.fonts].some(f => f.family.includes('OpskitCJK') && f.status === 'loaded')")
        assert page.title().startswith("第 00 章")
        screenshot(page, "management-report")
        assert page.blocked == []


# --- the workbook ----------------------------------------------------------------------------

def test_workbook_is_formatted_with_chinese_headers_and_split_when_too_long(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "EXCEL_MAX_ROWS", 2)
    table = pd.DataFrame({"user_id": ["C001", "00123", None], "repeat_rate": [0.1, 0.5, None],
                          "gmv": [1234.5, 2.0, 3.25], "orders": [1, 2, 3],
                          "day": pd.to_datetime(["2025-01-01", "2025-02-01", None])})
    path = tmp_path / "w.xlsx"
    report.write_workbook(path, [("章节", "00")], pd.DataFrame({"表": ["orders"], "行数": [3]}), [("用户", table)])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["说明", "用户 (1)", "用户 (2)"]
    sheet = book["用户 (1)"]
    assert [c.value for c in sheet[1]] == ["用户ID", "当期复购率", "成交额", "订单数", "日期"]
    assert sheet.freeze_panes == "A2"
    row = {c.column_letter: c for c in sheet[2]}
    assert row["A"].value == "C001" and sheet["A3"].value == "00123", "ids stay text"
    assert row["B"].number_format == "0.0%" and row["C"].number_format == "#,##0.00"
    assert row["D"].number_format == "#,##0" and row["E"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["A"].width >= 8
    notes = [str(c.value) for c in book["说明"]["C"] if c.value]
    assert any("超过 Excel 单表上限，分成 2 张表" in n for n in notes)


# --- the command line --------------------------------------------------------------------------

def test_help_and_errors_are_chinese():
    helped = opskit("run", "--help").stdout
    for english in ("usage:", "positional arguments", "options:", "show this help message"):
        assert english not in helped, english
    assert "用法：" in helped and "位置参数" in helped and "显示本帮助并退出" in helped
    assert "-p active_days=45" in helped and "top_n" not in helped
    wrong = opskit("frob")
    assert wrong.returncode == 2 and "无效的选择" in wrong.stderr and "invalid choice" not in wrong.stderr
    missing = opskit("run")
    assert "缺少必需的参数" in missing.stderr and "required" not in missing.stderr


def test_help_example_parameter_exists_in_chapter_00():
    import papermill

    assert "active_days" in papermill.inspect_notebook(str(chapters.find("00").notebook))


def test_version_and_python_m():
    import opskit as package

    done = opskit("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"opskit {package.__version__}"


# --- progress, display, charts ----------------------------------------------------------------

def test_progress_prints_one_line_per_section_off_a_terminal():
    nb = nbformat.read(chapters.find("08").notebook, as_version=4)
    stream = io.StringIO()
    progress = CellProgress(nb, "第 08 章", stream)
    for index in range(len(nb.cells)):
        progress(index)
    progress.close()
    lines = stream.getvalue().splitlines()
    sections = [c.source.splitlines()[0][3:] for c in nb.cells if c.cell_type == "markdown"
                and c.source.startswith("## ")]
    assert len(lines) <= len(sections) + 1
    assert lines[-1].startswith("第 08 章  [") and "个代码单元" in lines[-1]
    assert any("品类渗透率分析" in line for line in lines)


def test_kernel_runs_over_ipc_on_posix():
    from opskit.course.runner import kernel_config

    config, other = kernel_config(), kernel_config()
    if sys.platform != "win32":
        assert config.KernelManager.transport == "ipc"
        # socket files in the temporary folder, one name per run: never in the notebook folder
        assert Path(config.KernelManager.ip).is_absolute() and config.KernelManager.ip != other.KernelManager.ip
        assert len(config.KernelManager.ip) < 90


def test_missing_values_are_shown_as_a_dash():
    from opskit.course.notebook import _html_with_dash

    frame = pd.DataFrame({"a": [1.0, None], "b": ["x", None], "c": pd.array([1, None], dtype="Int64")})
    page = _html_with_dash(frame)
    assert "NaN" not in page and "&lt;NA&gt;" not in page and "None" not in page.replace("None;", "")
    assert page.count("<td>—</td>") == 3
    assert frame.isna().sum().sum() == 3, "the data are unchanged"


def test_channel_monitor_draws_small_multiples():
    matplotlib.use("Agg")
    from opskit import channels, viz
    from opskit.sim import load_demo

    viz.set_theme()
    mon = channels.weekly_monitor(load_demo("channel_spend"), load_demo("users"), z=3.5)
    fig = viz.channel_monitor(mon, title="哪个渠道哪一周的注册成本异常？")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == mon.loc[mon["cost_per_reg"].notna(), "channel_id"].nunique() >= 2
    assert fig._suptitle.get_text().endswith("？")
    assert all(len(ax.get_legend_handles_labels()[0]) == 0 for ax in panels), "one shared legend"
