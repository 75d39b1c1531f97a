"""`opskit run 06 --engine spark` on Parquet files gives the same key tables as the DuckDB path."""

import os

import openpyxl
import pandas as pd
import pytest

if not os.environ.get("OPSKIT_REQUIRE_SPARK"):
    pytest.importorskip("pyspark", reason="Spark backend: pip install 'opskit[spark]'")

from opskit.course import keytables  # noqa: E402
from opskit.course.cli import main  # noqa: E402
from opskit.data import spark as spark_engine  # noqa: E402
from opskit.data.dataset import Dataset  # noqa: E402
from opskit.data.warehouse import SKIP_NOTE, SparkDataset  # noqa: E402
from opskit.sim import load_demo  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    return spark_engine.session()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A small company export as Parquet: every 10th demo customer, ids renamed to keep leading zeros."""
    root = tmp_path_factory.mktemp("parquet")
    users = load_demo("users")
    kept = set(users["user_id"].iloc[::10])
    orders = load_demo("orders")
    orders = orders[orders["user_id"].isin(kept)].reset_index(drop=True)
    orders["user_id"] = "00" + orders["user_id"].str[1:]  # ids that look like numbers stay text
    orders.to_parquet(root / "orders.parquet", index=False)
    users = users[users["user_id"].isin(kept)].assign(user_id=lambda u: "00" + u["user_id"].str[1:])
    users.to_parquet(root / "users.parquet", index=False)
    return root


#: Chapter 06's key tables that need only the tables of this folder (orders, users).
_ON_ORDERS = [k.title for k in keytables.KEY_TABLES["06"] if set(k.tables) <= {"orders", "users"}]
#: The three the issue names (the others are compared in tests/test_spark_chapters.py).
_NAMED = ["月度同期群留存率", "CLV 汇总（BG/NBD 与 Gamma-Gamma 的输入）", "RFM（每位顾客的最近一次、频次、金额）"]


def _same(left: pd.DataFrame, right: pd.DataFrame):
    keys = list(left.columns[:1])
    pd.testing.assert_frame_equal(left.sort_values(keys, kind="mergesort").reset_index(drop=True),
                                  right.sort_values(keys, kind="mergesort").reset_index(drop=True),
                                  check_exact=False, rtol=1e-9)


def test_key_tables_of_chapter_06_agree_on_duckdb_and_spark(folder, spark):
    on_duckdb = keytables.key_tables("06", Dataset(folder), titles=_NAMED)
    data = SparkDataset(folder, spark=spark)
    assert type(data["orders"]).__module__.startswith("pyspark")  # never loaded into pandas
    on_spark = keytables.key_tables("06", data, titles=_NAMED)
    assert list(on_spark) == list(on_duckdb) == _NAMED
    for title in on_duckdb:
        assert len(on_duckdb[title]) > 0, title
        _same(on_spark[title], on_duckdb[title])
    rfm = on_spark["RFM（每位顾客的最近一次、频次、金额）"]
    assert rfm["user_id"].str.startswith("00").all()


def test_warehouse_table_named_in_the_column_map(folder, spark, tmp_path):
    raw = spark.read.parquet(str(folder / "orders.parquet")).withColumnRenamed("user_id", "客户编号")
    raw.createOrReplaceTempView("dw_orders")
    colmap = tmp_path / "map.yaml"
    colmap.write_text("orders:\n  table: dw_orders\n  columns:\n    user_id: 客户编号\n", encoding="utf-8")
    data = SparkDataset(None, colmap, spark=spark)
    assert data.has("orders") and not data.has("events")
    rfm = ["RFM（每位顾客的最近一次、频次、金额）"]  # the mapping is the same for every key table
    expected = keytables.key_tables("06", Dataset(folder), titles=rfm)
    got = keytables.key_tables("06", data, titles=rfm)
    assert list(got) == rfm
    for title in expected:
        _same(got[title], expected[title])


def test_opskit_run_with_engine_spark_writes_the_key_tables(folder, spark, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "06", "--data", str(folder), "--engine", "spark", "--out", str(out)]) == 0
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert SKIP_NOTE in html and "RFM" in html
    book = openpyxl.load_workbook(next(out.glob("*.xlsx")), read_only=True)
    assert book.sheetnames[0] == "说明" and len(book.sheetnames) == 1 + len(_ON_ORDERS)
    assert main(["run", "04", "--data", str(folder), "--engine", "spark", "--out", str(out)]) == 2
    assert "DuckDB" in capsys.readouterr().err
