"""``opskit run CH --engine spark``: a chapter's key tables computed on Spark, where the tables live.

The tables are opened as Spark DataFrames (:class:`~opskit.data.warehouse.SparkDataset`: the
column map's ``table: dw.orders`` or Parquet/CSV files) and never loaded into memory. What runs is
the chapter's key tables that go through the named queries (:mod:`opskit.course.keytables`); every
other section of the chapter needs its raw tables in memory and is listed with the note
「此小节需要把原始表读入内存，Spark 模式下跳过」. Outputs, written only when complete:
``<stem>.html`` (facts, key tables, the sections skipped) and ``<stem>.xlsx`` (sheet 说明 + the
key tables), as in a DuckDB rerun.
"""

from __future__ import annotations

import html
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd

from opskit.course import chapters, keytables, report
from opskit.course.runner import RunResult, check_out_dir
from opskit.data.warehouse import SKIP_NOTE, SparkDataset
from opskit.errors import OpskitError


def run_chapter_spark(chapter: str, data_dir=None, column_map=None, out_dir="out", as_of=None,
                      spark=None) -> RunResult:
    """Compute ``chapter``'s key tables on Spark and write the HTML page and the workbook."""
    started, started_at = time.perf_counter(), datetime.now()
    ch = chapters.find(chapter)
    if not keytables.KEY_TABLES.get(ch.number):
        raises = "、".join(sorted(keytables.KEY_TABLES))
        raise OpskitError(f"章节 {ch.number} 还没有能在 Spark 上运行的关键表（目前支持：{raises}）。\n"
                          "  解决办法：去掉 --engine spark，用默认的 DuckDB 引擎运行（表会读入内存）。")
    if not data_dir and not column_map:
        raise OpskitError("Spark 模式需要 --data（Parquet/CSV 文件夹）或 --map（用 table: 指明数仓表）。")
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    data = SparkDataset(data_dir, column_map, spark=spark)
    missing = [t for t in ch.required if not data.has(t)]
    if missing:
        raise OpskitError("缺少必需的表：" + "、".join(missing) + "。\n"
                          "  解决办法：放入 <表名>.parquet，或在列映射中用 table: 指明数仓表名。")
    tables = keytables.key_tables(ch.number, data, as_of)
    facts = [("章节", f"{ch.number} {ch.title}"), ("数据来源", data.source),
             ("列映射", str(column_map) if column_map else "无（使用标准列名）"),
             ("计算引擎", "Spark（命名查询经 sqlglot 翻译，在表所在处聚合）"),
             ("运行时间", f"{started_at:%Y-%m-%d %H:%M:%S}")]
    summary = pd.DataFrame({"关键表": list(tables), "行数": [len(t) for t in tables.values()]})
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir, prefix=".opskit-"))
    outputs = {ext: out_dir / f"{ch.stem}.{ext}" for ext in ("html", "xlsx")}
    try:
        staged = {ext: tmp / path.name for ext, path in outputs.items()}
        report.write_workbook(staged["xlsx"], facts, summary, list(tables.items()))
        staged["html"].write_text(_page(ch, facts, tables), encoding="utf-8")
        for ext in ("xlsx", "html"):
            staged[ext].replace(outputs[ext])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return RunResult(outputs["html"], outputs["html"], time.perf_counter() - started, outputs["xlsx"])


def _page(ch, facts, tables: dict[str, pd.DataFrame]) -> str:
    parts = [f"<h1>{html.escape(ch.number)} {html.escape(ch.title)}（Spark 模式）</h1>", "<ul>"]
    parts += [f"<li><b>{html.escape(k)}</b>：{html.escape(str(v))}</li>" for k, v in facts]
    parts.append("</ul><h2>关键表</h2>")
    for title, frame in tables.items():
        parts.append(f"<h3>{html.escape(title)}（{len(frame):,} 行，下表为前 20 行）</h3>")
        parts.append(frame.head(20).to_html(index=False, float_format=lambda v: f"{v:,.4g}"))
    parts.append("<h2>各小节</h2><ul>")
    parts += [f"<li>{html.escape(s.title)}：<b>{SKIP_NOTE}</b>（关键表见上）</li>" for s in ch.sections]
    parts.append("</ul>")
    return ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>"
            f"{html.escape(ch.title)}</title></head><body>" + "\n".join(parts) + "</body></html>")
