"""The opskit command: reruns write notebook + HTML; bad input exits 2 with Chinese, no traceback."""

import subprocess
import sys

import pytest

from opskit.sim import load_demo


def opskit(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "opskit.course.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def _assert_clean_failure(result, *words):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    """A company folder with the demo users and orders only, as an analyst would export them."""
    folder = tmp_path_factory.mktemp("company")
    tables = load_demo()
    for name in ("users", "orders"):
        tables[name].to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def report(company, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = opskit("run", "00", "--data", company, "--out", out, "--no-input")
    return result, out


def test_run_writes_notebook_and_html(report):
    result, out = report
    assert result.returncode == 0, result.stderr
    assert (out / "00_overview.ipynb").exists() and (out / "00_overview.html").exists()
    assert "报告" in result.stdout
    assert not [p for p in out.iterdir() if p.name.startswith(".opskit-")], "staging left behind"


def test_sections_without_their_tables_are_skipped_with_a_note(report):
    _, out = report
    html = (out / "00_overview.html").read_text(encoding="utf-8")
    assert "跳过：缺少表 events" in html
    assert "import pandas" not in html  # --no-input hides code


def test_list_names_the_chapters():
    result = opskit("list")
    assert result.returncode == 0 and "00_overview" in result.stdout


def test_missing_data_folder(tmp_path):
    result = opskit("run", "00", "--data", tmp_path / "nope", "--out", tmp_path / "out")
    _assert_clean_failure(result, "数据文件夹不存在", "nope")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_required_table(company, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "users.csv").write_bytes((company / "users.csv").read_bytes())
    result = opskit("run", "00", "--data", data, "--out", tmp_path / "out")
    _assert_clean_failure(result, "orders", "缺少")
    assert not list((tmp_path / "out").glob("*.html"))


def test_malformed_orders_file_names_file_and_column(company, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "users.csv").write_bytes((company / "users.csv").read_bytes())
    (data / "orders.csv").write_text("order_id,user_id,order_time\n1,2,2025-01-01\n", encoding="utf-8")
    result = opskit("run", "00", "--data", data, "--out", tmp_path / "out")
    _assert_clean_failure(result, "orders.csv", "amount")


def test_failed_run_leaves_an_earlier_report_untouched(company, report, tmp_path):
    _, out = report
    before = (out / "00_overview.html").read_bytes()
    data = tmp_path / "broken"
    data.mkdir()
    (data / "users.csv").write_bytes((company / "users.csv").read_bytes())
    (data / "orders.csv").write_bytes(b"\x00\x01\x02garbage\xff\xfe")
    result = opskit("run", "00", "--data", data, "--out", out)
    assert result.returncode == 2
    assert (out / "00_overview.html").read_bytes() == before


def test_unknown_chapter_and_parameter(tmp_path):
    _assert_clean_failure(opskit("run", "99", "--out", tmp_path), "找不到章节")
    _assert_clean_failure(opskit("run", "00", "-p", "no_such=1", "--out", tmp_path), "no_such")
    _assert_clean_failure(opskit("run", "00", "-p", "oops", "--out", tmp_path), "参数格式不对")


def test_bad_command_line_is_explained_in_chinese():
    _assert_clean_failure(opskit("run"), "命令参数有误")


def test_validate_reports_runnable_and_skipped_sections(company):
    result = opskit("validate", "--data", company)
    assert result.returncode == 0, result.stderr
    assert "章节 00" in result.stdout and "可以运行" in result.stdout
    assert "将跳过（缺少表 events" in result.stdout and "可运行" in result.stdout


def test_validate_over_all_chapters_fails_on_a_data_problem(company, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "users.csv").write_bytes((company / "users.csv").read_bytes())
    (data / "orders.csv").write_text("order_id,user_id,order_time,amount\n1,2,2025-01-01,-3\n2,2,2025-01-02,5\n",
                                     encoding="utf-8")
    result = opskit("validate", "--data", data)
    _assert_clean_failure(result, "orders.csv", "amount", "数据有 1 个问题", "需先修正表 orders")
    dropped = opskit("validate", "--data", data, "--drop-invalid")
    assert dropped.returncode == 0, dropped.stderr
    assert "已丢弃 orders 的无效行" in dropped.stdout and "1 行" in dropped.stdout


def test_code_options_are_exclusive_and_documented(tmp_path):
    _assert_clean_failure(opskit("run", "00", "--show-code", "--no-input", "--out", tmp_path), "命令参数有误")
    help_text = opskit("run", "--help").stdout
    assert "--show-code" in help_text and "--pseudonymize" in help_text and "--drop-invalid" in help_text
