"""`opskit run CH --engine spark`, section by section: every chapter's key tables agree on DuckDB and
Spark over the same small Parquet tables, and the page shows each section run or skipped.

Spark takes seconds per query on a shared 2-core machine, so by default each chapter checks its
first key table (the wiring: tables, lookups, default analysis day); every named query itself is
compared on both engines in tests/test_engine_spark.py. ``OPSKIT_SPARK_ALL=1`` checks every key
table of every chapter (about 40; minutes)."""

import os

import openpyxl
import pandas as pd
import pytest

if not os.environ.get("OPSKIT_REQUIRE_SPARK"):
    pytest.importorskip("pyspark", reason="Spark backend: pip install 'opskit[spark]'")

from opskit.course import chapters, keytables, spark_run  # noqa: E402
from opskit.course.cli import main  # noqa: E402
from opskit.data import schema  # noqa: E402
from opskit.data import spark as spark_engine  # noqa: E402
from opskit.data.dataset import Dataset  # noqa: E402
from opskit.data.warehouse import SKIP_NOTE, SparkDataset  # noqa: E402
from opskit.sim import load_demo  # noqa: E402

ALL = bool(os.environ.get("OPSKIT_SPARK_ALL"))
#: By default one key table per chapter, among its quickest on Spark (one or two small queries).
QUICK = {"02": "顾客价值分层（头部/腰部/长尾）", "06": "RFM（每位顾客的最近一次、频次、金额）",
         "09": "全公司每日成交（基线预测的输入）", "12": "各渠道的花费、曝光与点击", "14": "RFM（近 365 天）",
         "15": "已到期积分的沉淀率", "16": "供应链响应时长（按达人）", "17": "创作者收入（首售与版税）"}
#: Chapter -> the key tables compared (all with OPSKIT_SPARK_ALL).
CHECKED = {ch: [k.title for k in specs] if ALL else [QUICK.get(ch, specs[0].title)]
           for ch, specs in keytables.KEY_TABLES.items()}
USED = sorted({t for specs in keytables.KEY_TABLES.values() for k in specs for t in k.tables}
              | {"tasks", "task_log", "kols", "categories"})


@pytest.fixture(scope="module")
def spark():
    return spark_engine.session()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The demo tables the key tables read, as Parquet: every 4th customer of the customer tables
    (their orders' lines too); ids kept as text."""
    root = tmp_path_factory.mktemp("parquet")
    kept = set(load_demo("users")["user_id"].iloc[::4])
    orders = load_demo("orders").loc[lambda o: o["user_id"].isin(kept)]
    for table in USED:
        frame = orders if table == "orders" else load_demo(table)
        if table == "order_lines":
            frame = frame[frame["order_id"].isin(orders["order_id"])]
        elif "user_id" in frame and table in ("users", "events", "message_sends", "points_ledger", "task_log"):
            frame = frame[frame["user_id"].isin(kept)]
        frame.reset_index(drop=True).to_parquet(root / f"{table}.parquet", index=False)
    return root


@pytest.fixture(scope="module")
def on_duckdb(folder):
    return {ch: keytables.key_tables(ch, Dataset(folder), titles=CHECKED[ch]) for ch in keytables.KEY_TABLES}


@pytest.fixture(scope="module")
def on_spark(folder, spark):
    data = SparkDataset(folder, spark=spark)
    return {ch: keytables.key_tables(ch, data, titles=CHECKED[ch]) for ch in keytables.KEY_TABLES}


def test_every_key_table_belongs_to_a_section_of_its_chapter():
    assert all(title in [k.title for k in keytables.KEY_TABLES[ch]] for ch, title in QUICK.items())
    for number, specs in keytables.KEY_TABLES.items():
        ch = chapters.find(number)
        titles = {s.title for s in ch.sections}
        assert all(k.section in titles for k in specs), number
        assert len({k.title for k in specs}) == len(specs), f"{number}: key table titles repeat"
        assert set(spark_run.spark_sections(number)) == {k.section for k in specs}
        assert all(set(k.tables) <= set(schema.TABLES) for k in specs)
    for number, section in keytables.PARTLY:
        assert section in spark_run.spark_sections(number), (number, section)


@pytest.mark.parametrize("chapter", sorted(keytables.KEY_TABLES))
def test_key_tables_agree_on_duckdb_and_spark(chapter, on_duckdb, on_spark):
    expected, got = on_duckdb[chapter], on_spark[chapter]
    assert list(got) == CHECKED[chapter] == list(expected)
    for title, frame in expected.items():
        assert len(frame) > 0, title
        # same rows in the same order: the results are sorted, on both engines
        pd.testing.assert_frame_equal(got[title], frame, check_exact=False, rtol=1e-9, obj=title)


def _sections(html: str) -> dict[str, str]:
    """Section heading -> its status word, from the page."""
    import re

    return dict(re.findall(r"<h2>\d+\. (.+?)（(在 Spark 上运行|跳过)）</h2>", html))


def test_run_chapter_13_writes_sections_run_and_skipped(folder, spark, tmp_path):
    out = tmp_path / "out"
    assert main(["run", "13", "--data", str(folder), "--engine", "spark", "--out", str(out)]) == 0
    html = (out / "13_second_curve.html").read_text(encoding="utf-8")
    status = _sections(html)
    ch = chapters.find("13")
    assert list(status) == [s.title for s in ch.sections]
    assert status["新业务战略：波士顿矩阵"] == "在 Spark 上运行" and "业务线近 12 个月汇总" in html
    assert status["Bass 扩散模型"] == "跳过" and SKIP_NOTE in html
    assert "在 Spark 上运行的小节</b>：1 / 7：新业务战略：波士顿矩阵" in html
    book = openpyxl.load_workbook(out / "13_second_curve.xlsx", read_only=True)
    assert book.sheetnames[0] == "说明" and len(book.sheetnames) == 2


def test_missing_tables_skip_sections_with_the_rerun_note(folder, tmp_path):
    """Chapter 14 on orders alone: the sections needing order lines or sends say which table is missing
    (the plan is the same on both engines; DuckDB keeps the test fast)."""
    only = tmp_path / "orders_only"
    only.mkdir()
    (only / "orders.parquet").write_bytes((folder / "orders.parquet").read_bytes())
    runs = spark_run.run_sections(chapters.find("14"), Dataset(only))
    by_title = {r.title: r for r in runs}
    first = by_title["背景与指导思想：三种分层方式的比较"]
    assert list(first.tables) == ["RFM（近 365 天）"]  # runs what it can
    assert first.notes == ["跳过：缺少表 order_lines（订单明细）。本节需要这些表；提供相应文件后重新运行即可。"]
    sends = by_title["精准分发"]
    assert not sends.ran and "message_sends" in sends.notes[0]


def test_chapter_without_seam_backed_sections_says_so(folder, capsys, tmp_path):
    assert main(["run", "04", "--data", str(folder), "--engine", "spark", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "没有能在 Spark 上运行的小节" in err and "DuckDB" in err and "06 老客精细化运营" in err
    assert not list(tmp_path.glob("*.html"))


def test_readme_lists_the_sections_that_run_on_spark():
    from opskit.bundle import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert spark_run.coverage_markdown() in readme, "README: paste spark_run.coverage_markdown() into the Spark section"
    without = [c.number for c in chapters.CHAPTERS if not keytables.chapter_key_tables(c.number)]
    assert f"其余章节（{'、'.join(without)}）" in readme


def test_an_empty_pandas_table_runs_on_spark(spark):
    """Spark cannot infer a schema from no rows: the upload takes it from the dtypes (a method's
    placeholder for an absent optional table, e.g. chapter 15 without tasks)."""
    empty = pd.DataFrame({"user_id": pd.Series(dtype=str), "channel_id": pd.Series(dtype=str)})
    assert spark_engine.read(spark, empty).dtypes == [("user_id", "string"), ("channel_id", "string")]
