"""Real public transaction logs through `opskit run` (see tests/data/README.md for sources and licences).

CDNOW (1997-98, customer ids with leading zeros, no order id, same-day repeats and zero-value
purchases) and UCI Online Retail (2010-11 invoices, alphanumeric invoice numbers, customer ids
written as ``17850.0``, refunds and guest orders, dropped with ``--drop-invalid``). Each run costs
10-20 s, so the test picks the chapters that prove the point: CLV and cohorts (06) and the
insight system (02) on CDNOW; the overview (00) and the data-system workshop (03) on Online Retail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

DATA = Path(__file__).resolve().parent / "data"


def opskit(*args):
    return subprocess.run([sys.executable, "-m", "opskit.course.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=900)


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory):
    """CDNOW_master.txt saved as CSV (the readers refuse space-aligned text and say so)."""
    folder = tmp_path_factory.mktemp("cdnow")
    raw = pd.read_csv(DATA / "CDNOW_master.txt", sep=r"\s+", dtype=str)
    raw.to_csv(folder / "cdnow.csv", index=False)
    (folder / "map.yaml").write_text("orders:\n  file: cdnow.csv\n  columns:\n    user_id: customer_id\n"
                                     "    order_time: date\n    amount: dollar_value\n", encoding="utf-8")
    return folder, raw


@pytest.fixture(scope="module")
def retail(tmp_path_factory):
    folder = tmp_path_factory.mktemp("retail")
    (folder / "invoices.csv").write_bytes((DATA / "online_retail_invoices.csv").read_bytes())
    (folder / "map.yaml").write_text(
        "orders:\n  file: invoices.csv\n  columns:\n    order_id: InvoiceNo\n"
        "    user_id: CustomerID\n    order_time: InvoiceDate\n    amount: Total\n", encoding="utf-8")
    return folder


def test_cdnow_as_published_is_refused_with_the_delimiter_named(tmp_path):
    (tmp_path / "orders.txt").write_bytes((DATA / "CDNOW_master.txt").read_bytes())
    (tmp_path / "map.yaml").write_text("orders:\n  file: orders.txt\n", encoding="utf-8")
    result = opskit("validate", "--data", tmp_path, "--map", tmp_path / "map.yaml", "--chapter", "06")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "空格" in result.stderr and "分隔符" in result.stderr


def test_cdnow_validates_with_its_awkward_rows(cdnow):
    folder, raw = cdnow
    assert raw["customer_id"].str.fullmatch("[0-9]{5}").all() and raw["customer_id"].str.startswith("0").any()
    assert (raw["dollar_value"].astype(float) == 0).any()
    assert raw.duplicated(["customer_id", "date"]).any()
    result = opskit("validate", "--data", folder, "--map", folder / "map.yaml", "--chapter", "06")
    assert result.returncode == 0, result.stderr
    assert "可以运行" in result.stdout


@pytest.mark.parametrize("chapter", ["02", "06"])
def test_cdnow_runs(cdnow, chapter, tmp_path):
    folder, raw = cdnow
    result = opskit("run", chapter, "--data", folder, "--map", folder / "map.yaml", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    nb = nbformat.read(next(tmp_path.glob("*.ipynb")), as_version=4)
    header = nb.cells[0].source
    assert "订单ID" in header and "每行视为一笔订单" in header
    assert f"{len(raw):,}" in header  # every row read: nothing merged or lost
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/markdown", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Traceback" not in text and "Error" not in text


@pytest.mark.parametrize("chapter", ["00", "03"])
def test_online_retail_runs_with_drop_invalid(retail, chapter, tmp_path):
    strict = opskit("validate", "--data", retail, "--map", retail / "map.yaml", "--chapter", chapter)
    assert strict.returncode == 2 and "user_id" in strict.stderr and "3,710 个空值" in strict.stderr  # guests
    result = opskit("run", chapter, "--data", retail, "--map", retail / "map.yaml", "--out", tmp_path,
                    "--drop-invalid", "--pseudonymize")
    assert result.returncode == 0, result.stderr
    nb = nbformat.read(next(tmp_path.glob("*.ipynb")), as_version=4)
    header = nb.cells[0].source
    assert "amount：负数" in header and "user_id：空值" in header and "已假名化" in header
    html = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert "17850.0" not in html  # pseudonymised
    if chapter == "03":  # 13 months: the 24-month comparison is skipped with a note, not a crash
        assert "跳过：数据不足" in html
