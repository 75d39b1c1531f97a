"""``opskit run CH --engine spark``: a chapter's key tables computed on Spark, where the tables live.

The tables are opened as Spark DataFrames (:class:`~opskit.data.warehouse.SparkDataset`: the
column map's ``table: dw.orders`` or Parquet/CSV files) and never loaded into memory. What runs is,
section by section, the key tables that go through the named queries (:mod:`opskit.course.keytables`);
a section without them needs its raw tables in memory and is listed with the note
「此小节需要把原始表读入内存，Spark 模式下跳过」, a section whose tables are missing with the
same 跳过 note as the DuckDB rerun. Outputs, written only when complete:
``<stem>.html`` (facts, key tables, the sections skipped) and ``<stem>.xlsx`` (sheet 说明 + the
key tables), as in a DuckDB rerun.
"""

from __future__ import annotations

import html
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from opskit.course import chapters, keytables, report
from opskit.course.runner import RunResult, check_out_dir
from opskit.data import schema
from opskit.data.warehouse import SKIP_NOTE, SparkDataset
from opskit.errors import OpskitError

#: The note of a section that reads no company data (an explanation, a simulation, a canvas).
NO_DATA_NOTE = "此小节不读公司数据（讲解、仿真或共创画布），Spark 模式不执行笔记本，请在笔记本中查看"


@dataclass
class SectionRun:
    """One section of a Spark run: its key tables, or why (some of) it is skipped."""

    title: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        return bool(self.tables)


def missing_note(tables) -> str:
    """The DuckDB rerun's 跳过 note (:func:`opskit.course.notebook.needs`) for missing tables."""
    names = "、".join(f"{t}（{schema.TABLES[t].label}）" for t in tables)
    return f"跳过：缺少表 {names}。本节需要这些表；提供相应文件后重新运行即可。"


def spark_sections(chapter: str) -> list[str]:
    """Titles of the sections of ``chapter`` that run on Spark (in chapter order)."""
    ch = chapters.find(chapter)
    with_tables = {k.section for k in keytables.chapter_key_tables(ch.number)}
    return [s.title for s in ch.sections if s.title in with_tables]


def run_sections(ch, data, as_of=None) -> list[SectionRun]:
    """Every section of ``ch``: the key tables of those that run on Spark, a note for the others."""
    specs = keytables.chapter_key_tables(ch.number)
    runnable = [k for k in specs if data.has(*k.tables)]
    if runnable and not as_of:
        as_of = keytables.default_as_of(data, ch.number)
    as_of = pd.Timestamp(as_of) if as_of else None
    runs = []
    for section in ch.sections:
        run = SectionRun(section.title)
        own = [k for k in specs if k.section == section.title]
        for k in own:
            if data.has(*k.tables):
                run.tables[k.title] = k.compute(data, as_of)
        absent = list(dict.fromkeys(t for k in own for t in data.missing(*k.tables)))
        if absent:
            run.notes.append(missing_note(absent))
        if not own:
            run.notes.append(SKIP_NOTE if section.tables else NO_DATA_NOTE)
        elif run.ran and (ch.number, section.title) in keytables.PARTLY:
            run.notes.append(f"本节的「{keytables.PARTLY[ch.number, section.title]}」需要把原始表读入内存，"
                             "Spark 模式下跳过")
        runs.append(run)
    return runs


def run_chapter_spark(chapter: str, data_dir=None, column_map=None, out_dir="out", as_of=None,
                      spark=None) -> RunResult:
    """Run the sections of ``chapter`` that go through the named queries on Spark and write the
    HTML page and the workbook."""
    started, started_at = time.perf_counter(), datetime.now()
    ch = chapters.find(chapter)
    if not keytables.chapter_key_tables(ch.number):
        supported = "；".join(f"{c.number} {c.title}" for c in chapters.CHAPTERS
                             if keytables.chapter_key_tables(c.number))
        raise OpskitError(f"章节 {ch.number}「{ch.title}」没有能在 Spark 上运行的小节：它的每个小节都要把原始表读入内存。\n"
                          f"  能在 Spark 上运行的章节：{supported}。\n"
                          "  解决办法：去掉 --engine spark，用默认的 DuckDB 引擎运行（表会读入内存）。")
    if not data_dir and not column_map:
        raise OpskitError("Spark 模式需要 --data（Parquet/CSV 文件夹）或 --map（用 table: 指明数仓表）。")
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    data = SparkDataset(data_dir, column_map, spark=spark)
    runs = run_sections(ch, data, as_of)
    tables = {title: frame for run in runs for title, frame in run.tables.items()}
    ran = [run.title for run in runs if run.ran]
    facts = [("章节", f"{ch.number} {ch.title}"), ("数据来源", data.source),
             ("列映射", str(column_map) if column_map else "无（使用标准列名）"),
             ("计算引擎", "Spark（命名查询经 sqlglot 翻译，在表所在处聚合）"),
             ("在 Spark 上运行的小节", f"{len(ran)} / {len(runs)}：" + ("、".join(ran) if ran else "无")),
             ("运行时间", f"{started_at:%Y-%m-%d %H:%M:%S}")]
    summary = pd.DataFrame({"小节": [run.title for run in runs for _ in run.tables],
                            "关键表": list(tables), "行数": [len(t) for t in tables.values()]})
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir, prefix=".opskit-"))
    outputs = {ext: out_dir / f"{ch.stem}.{ext}" for ext in ("html", "xlsx")}
    try:
        staged = {ext: tmp / path.name for ext, path in outputs.items()}
        report.write_workbook(staged["xlsx"], facts, summary, list(tables.items()))
        staged["html"].write_text(_page(ch, facts, runs), encoding="utf-8")
        for ext in ("xlsx", "html"):
            staged[ext].replace(outputs[ext])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return RunResult(outputs["html"], outputs["html"], time.perf_counter() - started, outputs["xlsx"])


def _page(ch, facts, runs: list[SectionRun]) -> str:
    parts = [f"<h1>{html.escape(ch.number)} {html.escape(ch.title)}（Spark 模式）</h1>", "<ul>"]
    parts += [f"<li><b>{html.escape(k)}</b>：{html.escape(str(v))}</li>" for k, v in facts]
    parts.append("</ul>")
    for number, run in enumerate(runs, 1):
        status = "在 Spark 上运行" if run.ran else "跳过"
        parts.append(f"<h2>{number}. {html.escape(run.title)}（{status}）</h2>")
        parts += [f"<p><b>{html.escape(note)}</b></p>" for note in run.notes]
        for title, frame in run.tables.items():
            parts.append(f"<h3>{html.escape(title)}（{len(frame):,} 行，下表为前 20 行）</h3>")
            shown = report.excel_ready(frame.head(20))  # Chinese headers, as in the workbook
            parts.append(shown.to_html(index=False, float_format=lambda v: f"{v:,.4g}"))
    return ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>"
            f"{html.escape(ch.title)}</title></head><body>" + "\n".join(parts) + "</body></html>")


def coverage_markdown() -> str:
    """The README's table of the sections each chapter runs on Spark (kept equal by a test)."""
    rows = ["| 章节 | 在 Spark 上运行的小节（算出的关键表数） | 跳过的小节数 |", "|---|---|---|"]
    for ch in chapters.CHAPTERS:
        specs = keytables.chapter_key_tables(ch.number)
        if not specs:
            continue
        ran = [f"{title}（{sum(k.section == title for k in specs)}）" for title in spark_sections(ch.number)]
        rows.append(f"| {ch.number} {ch.title} | {'；'.join(ran)} | {len(ch.sections) - len(ran)} |")
    return "\n".join(rows)
