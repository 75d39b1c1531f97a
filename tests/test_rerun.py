"""Reruns on company data: the shipped example export, the report header, the workbook,
dropped rows, pseudonyms and atomic outputs."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from opskit.course import report
from opskit.data.dataset import TABLE_CACHE_ENV, Dataset
from opskit.sim import load_demo

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "datasets" / "examples"
EXPORT, MAP = EXAMPLES / "订单导出.csv", EXAMPLES / "列映射.yaml"


def opskit(*args):
    return subprocess.run([sys.executable, "-m", "opskit.course.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# --- the shipped example ---------------------------------------------------------------

def test_example_export_is_a_typical_chinese_export():
    raw = EXPORT.read_bytes()
    assert EXPORT.stat().st_size < 2_000_000
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    header, first = text.splitlines()[:2]
    assert header.startswith("订单编号,客户编号,下单时间,实付金额")
    assert "￥" in first and "/" in first.split(",")[2]


def test_reading_the_example_gives_the_demo_orders():
    orders = Dataset(EXAMPLES, MAP)["orders"]
    demo = load_demo("orders").loc[lambda d: d["order_time"] >= "2025-01-01"].reset_index(drop=True)
    assert len(orders) == len(demo) > 30_000
    for col in ("order_id", "user_id", "platform"):
        assert orders[col].tolist() == demo[col].tolist(), col
    pd.testing.assert_series_equal(orders["amount"], demo["amount"], check_dtype=False)
    pd.testing.assert_series_equal(orders["discount"], demo["discount"], check_dtype=False)
    # The export keeps minutes only (2024/3/5 14:02).
    assert (orders["order_time"] == demo["order_time"].dt.floor("min")).all()
    assert orders["coupon_id"].fillna("").tolist() == demo["coupon_id"].fillna("").tolist()


def test_validate_the_example_passes():
    result = opskit("validate", "--data", EXAMPLES, "--map", MAP)
    assert result.returncode == 0, result.stderr
    assert "可以运行" in result.stdout and "将跳过（缺少表 users" in result.stdout


def _example_rows() -> int:
    """Rows of the example export: the demo orders of 2025 (make_orders_export.py)."""
    return int((load_demo("orders")["order_time"] >= "2025-01-01").sum())


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    before = _digest(EXAMPLES)
    result = opskit("run", "00", "--data", EXAMPLES, "--map", MAP, "--out", out)
    return result, out, before


def test_example_run_writes_notebook_html_and_workbook(example_run):
    result, out, before = example_run
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == {"00_overview.ipynb", "00_overview.html", "00_overview.xlsx"}
    assert "00_overview.xlsx" in result.stdout
    assert _digest(EXAMPLES) == before, "the inputs were modified"


def test_example_report_has_a_header_and_hides_code(example_run):
    _, out, _ = example_run
    html = (out / "00_overview.html").read_text(encoding="utf-8")
    assert "open_dataset" not in html, "code must be hidden by default on company data"
    nb = nbformat.read(out / "00_overview.ipynb", as_version=4)
    header = nb.cells[0].source
    assert nb.cells[0].cell_type == "markdown" and header.startswith("## 报告说明")
    assert "examples" in header and "列映射.yaml" in header and "运行时间" in header
    assert str(EXAMPLES.parent) not in header + html, "reports name files, never absolute local paths"
    assert f"{_example_rows():,}" in header and "2025-01-01" in header and "2025-12-31" in header
    assert "数据范围" in html and "跳过：缺少表 users" in html  # the management report


def test_example_workbook_starts_with_the_notes_sheet(example_run):
    _, out, _ = example_run
    sheets = pd.read_excel(out / "00_overview.xlsx", sheet_name=None)
    assert list(sheets)[0] == "说明"
    notes = sheets["说明"]
    assert "数据来源" in notes["项目"].tolist()
    n = _example_rows()
    assert notes.astype(str).apply(lambda c: c.str.contains(f"{n}|{n:,}")).any().any()
    # On an orders export alone chapter 00 still collects its monthly KPIs for the workbook.
    kpis = sheets["月度核心指标"]
    assert kpis["订单数"].sum() == n and len(kpis) == 12


# --- users + orders with invalid rows: --drop-invalid, --pseudonymize, --show-code -----

@pytest.fixture(scope="module")
def company(tmp_path_factory):
    folder = tmp_path_factory.mktemp("company")
    load_demo("users").to_csv(folder / "users.csv", index=False)
    orders = load_demo("orders").astype({"amount": object})
    orders.loc[[3, 5, 8], "amount"] = -1.0
    orders.to_csv(folder / "orders.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def dropped_run(company, tmp_path_factory):
    out = tmp_path_factory.mktemp("dropped")
    result = opskit("run", "00", "--data", company, "--out", out, "--drop-invalid", "--pseudonymize",
                    "--show-code")
    return result, out


def test_invalid_rows_stop_the_run_without_drop_invalid(company, tmp_path):
    result = opskit("run", "00", "--data", company, "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "orders.csv" in result.stderr and "amount" in result.stderr and "共 3 行" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_dropped_rows_are_stated_in_html_and_workbook(dropped_run):
    result, out = dropped_run
    assert result.returncode == 0, result.stderr
    assert "3 行" in result.stdout
    html = (out / "00_overview.html").read_text(encoding="utf-8")
    assert "丢弃的无效行" in html and "3 行" in html
    notes = pd.read_excel(out / "00_overview.xlsx", sheet_name="说明", header=None).astype(str)
    assert notes.apply(lambda c: c.str.contains("3 行")).any().any()
    assert notes.apply(lambda c: c.str.contains("已假名化")).any().any()


def test_key_tables_become_sheets_and_code_can_be_shown(dropped_run):
    _, out = dropped_run
    sheets = pd.read_excel(out / "00_overview.xlsx", sheet_name=None)
    assert list(sheets)[:2] == ["说明", "生命周期阶段"]
    assert sheets["生命周期阶段"]["用户数"].sum() > 1000
    assert "open_dataset" in (out / "00_overview.html").read_text(encoding="utf-8")


def test_a_failed_execution_leaves_the_earlier_report_untouched(company, dropped_run):
    _, out = dropped_run
    before = _digest(out)
    # Validation passes, but the lifecycle section refuses active_days >= dormant_days mid-run:
    # a problem the user can fix, so exit 2 with the notebook's Chinese message.
    result = opskit("run", "00", "--data", company, "--out", out, "--drop-invalid",
                    "-p", "active_days=500")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "没有写入任何输出" in result.stderr and "active_days" in result.stderr
    assert _digest(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".opskit-") and p.is_dir()]


# --- pseudonyms, sheet names, the table cache --------------------------------------------

def test_pseudonyms_are_stable_salted_text_and_keep_joins():
    key, other = report.hash_key("salt-a"), report.hash_key("salt-b")
    users = pd.DataFrame({"user_id": ["00123", "123", "C1"], "city": ["a", "b", "c"]})
    orders = pd.DataFrame({"user_id": ["C1", "00123", "00123", None], "amount": [1.0, 2.0, 3.0, 4.0]})
    referrals = pd.DataFrame({"inviter_id": ["123"], "invitee_user_id": ["C1"]})
    pu, po = report.pseudonymize(users, key), report.pseudonymize(orders, key)
    assert set(pu["user_id"]).isdisjoint(users["user_id"]) and str(pu["user_id"].dtype) == "str"
    assert pu["user_id"].is_unique and pu["user_id"].str.fullmatch("P[0-9]+").all()  # 00123 != 123
    assert po["user_id"].tolist()[:3] == [pu["user_id"][2], pu["user_id"][0], pu["user_id"][0]]
    assert po["user_id"].isna().tolist() == [False, False, False, True]
    assert report.pseudonymize(users, key).equals(pu)
    assert not (report.pseudonymize(users, other)["user_id"] == pu["user_id"]).any()
    assert users["user_id"].tolist() == ["00123", "123", "C1"], "the input frame is not modified"
    indexed = report.pseudonymize(users.set_index("user_id"), key)
    assert indexed.index.tolist() == pu["user_id"].tolist()
    pr = report.pseudonymize(referrals, key)  # every user-id column of the contracts, not only user_id
    assert pr.iloc[0].tolist() == [pu["user_id"][1], pu["user_id"][2]]


def test_salt_is_kept_in_the_output_folder(tmp_path):
    assert report.salt_for(tmp_path) == report.salt_for(tmp_path)
    assert len(report.salt_for(tmp_path)) == 32


def test_sheet_names_are_short_valid_and_unique():
    names = report.sheet_names(["说明", "a/b:c", "x" * 40, "x" * 40, "[表]"])
    assert len(set(names)) == len(names) and "说明" not in names
    assert all(len(n) <= 31 and not set(n) & set("\\/:*?[]") for n in names)


def test_dataset_uses_the_run_cache_only_for_the_same_inputs(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    load_demo("orders").head(50).to_csv(data / "orders.csv", index=False)
    cache = tmp_path / "cache"
    cache.mkdir()
    stand_in = load_demo("orders").head(7)
    stand_in.to_parquet(cache / "orders.parquet", index=False)
    dataset = Dataset(data)
    (cache / "manifest.json").write_text(
        '{"inputs": %s, "tables": {"orders": {"负金额": 2}}}' % json.dumps(dataset.cache_key),
        encoding="utf-8")
    monkeypatch.setenv(TABLE_CACHE_ENV, str(cache))
    assert len(dataset["orders"]) == 7 and dataset.dropped == {"orders": {"负金额": 2}}
    assert len(Dataset(data, drop_invalid=True)["orders"]) == 50


def test_dataset_pseudonymizes_company_tables_when_asked(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    raw = load_demo("orders").head(30)
    raw.to_csv(data / "orders.csv", index=False)
    key = report.hash_key("s")
    monkeypatch.setenv(report.PSEUDONYM_ENV, key)
    orders = Dataset(data)["orders"]
    assert orders["user_id"].tolist() == report.pseudonymize(raw, key)["user_id"].tolist()
    assert not orders["user_id"].isin(raw["user_id"]).any()
    assert orders["order_id"].tolist() == raw["order_id"].tolist()  # other ids are kept
    assert Dataset()["orders"]["user_id"].head(30).tolist() == raw["user_id"].tolist()  # demo untouched
