"""Re-run a chapter: validate the inputs, execute with papermill, write notebook + HTML atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from opskit.course import chapters, report
from opskit.course.notebook import REPORT_TABLES_ENV
from opskit.data import schema
from opskit.data.dataset import TABLE_CACHE_ENV
from opskit.errors import OpskitError

KERNEL = "python3"


@dataclass
class Validation:
    """What a chapter can do with the tables given."""

    chapter: chapters.Chapter
    present: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    missing_one_of: list[str] = field(default_factory=list)  # none of the chapter's required_any tables
    skipped_sections: list[tuple[str, list[str]]] = field(default_factory=list)
    problems: list[OpskitError] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)
    dataset: object = None

    @property
    def ok(self) -> bool:
        return self.runnable and not self.problems

    @property
    def runnable(self) -> bool:
        """All required tables are there (data problems aside)."""
        return not self.missing_required and not self.missing_one_of

    def report(self) -> str:
        """A Chinese, human-readable summary: the verdict, each section, dropped rows, problems."""
        ch = self.chapter
        if self.missing_required:
            verdict = "无法运行（缺少必需的表 " + "、".join(
                f"{t}（{schema.TABLES[t].label}）" for t in self.missing_required) + "）"
        elif self.missing_one_of:
            verdict = "无法运行（至少需要其中一张表：" + "、".join(
                f"{t}（{schema.TABLES[t].label}）" for t in self.missing_one_of) + "）"
        elif self.problems:
            verdict = f"数据有 {len(self.problems)} 个问题，修正后才能运行"
        else:
            verdict = "可以运行"
        lines = [f"章节 {ch.number} {ch.title}：{verdict}"]
        for section in ch.sections:
            failed = [t for t in section.tables if t in self.failed]
            missing = [t for t in section.tables if t not in self.present and t not in failed]
            if failed:
                mark = "需先修正表 " + "、".join(failed) + " 的数据问题"
            else:
                mark = "可运行" if not missing else "将跳过（缺少表 " + "、".join(missing) + "）"
            lines.append(f"  - {section.title}：{mark}")
        for table, reasons in self.dropped.items():
            counts = "；".join(f"{reason} {n:,} 行" for reason, n in reasons.items())
            lines.append(f"  已丢弃 {table} 的无效行（--drop-invalid）：{counts}")
        for problem in self.problems:
            lines.append("  " + str(problem).replace("\n", "\n  "))
        return "\n".join(lines)


def _check_folder(data_dir) -> None:
    from opskit.errors import DataError

    if data_dir and not Path(data_dir).is_dir():
        raise DataError("数据文件夹不存在", file=data_dir,
                        fix="检查 --data 后面的路径；它应是放着导出文件（CSV/Excel/Parquet）的文件夹")


def validate_many(selected, data_dir=None, column_map=None, drop_invalid: bool = False) -> list[Validation]:
    """Validate several chapters over one dataset: each table is read (and checked) once."""
    from opskit.data.dataset import Dataset

    _check_folder(data_dir)
    data = Dataset(data_dir, column_map, drop_invalid=drop_invalid)
    failures: dict[str, OpskitError] = {}
    results = []
    for item in selected:
        ch = item if isinstance(item, chapters.Chapter) else chapters.find(item)
        result = Validation(ch, dataset=data)
        for table in ch.tables:
            if table not in failures:
                failures.update(_locate_problem(data, table))
            if table not in failures and not data.has(table):
                if table in ch.required:
                    result.missing_required.append(table)
                continue
            if table not in failures:
                try:
                    data[table]
                except OpskitError as err:
                    failures[table] = err
            if table in failures:
                result.problems.append(failures[table])
                result.failed.append(table)
            else:
                result.present.append(table)
                if data.dropped.get(table):
                    result.dropped[table] = data.dropped[table]
        if ch.required_any and not any(t in result.present or t in result.failed for t in ch.required_any):
            result.missing_one_of = list(ch.required_any)
        results.append(result)
    return results


def _locate_problem(data, table: str) -> dict[str, OpskitError]:
    """``{table: error}`` when the map names a file that is not there, or two files could be the table."""
    from opskit.data.readers import _missing_file_fix
    from opskit.errors import DataError

    try:
        found = data.has(table)
    except OpskitError as err:
        return {table: err}
    block = data._colmap.tables.get(table) if data._colmap is not None else None
    if found or block is None or not block.file:
        return {}
    path = Path(data.data_dir) / block.file
    return {table: DataError(f"列映射中表 {table} 的文件不存在：{block.file}", file=path,
                             fix=_missing_file_fix(path))}


def validate(chapter: str | chapters.Chapter, data_dir=None, column_map=None,
             drop_invalid: bool = False) -> Validation:
    """Read every table the chapter can use and collect every problem, without executing."""
    return validate_many([chapter], data_dir, column_map, drop_invalid)[0]


def parse_params(pairs: list[str]) -> dict:
    """Turn ``NAME=VALUE`` strings into typed parameters (VALUE is read as YAML: 3, 0.5, true...)."""
    import yaml

    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise OpskitError(f"参数格式不对：{pair!r}。\n  解决办法：写成 -p 名称=值，例如 -p top_n=20")
        try:
            params[name.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            params[name.strip()] = value
    return params


def _quiet_papermill() -> None:
    """Keep papermill's progress logging out of the command's output (tests assert parameters parse)."""
    import logging

    logging.getLogger("papermill").setLevel(logging.ERROR)


def _check_param_names(notebook: Path, params: dict) -> None:
    import papermill

    _quiet_papermill()
    known = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise OpskitError(
            f"章节 {notebook.stem} 没有参数：{'、'.join(unknown)}。\n"
            f"  可用参数：{'、'.join(known)}\n  解决办法：检查 -p 后面的参数名拼写。"
        )


@dataclass
class RunResult:
    notebook: Path
    html: Path
    seconds: float
    workbook: Path | None = None
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)


def execute(notebook: Path, output: Path, params: dict | None = None, cwd: Path | None = None) -> None:
    """Execute ``notebook`` with papermill into ``output`` (no validation, no atomicity)."""
    import papermill

    _quiet_papermill()
    papermill.execute_notebook(
        str(notebook), str(output), parameters=params or {}, kernel_name=KERNEL,
        cwd=str(cwd or notebook.parent), progress_bar=False, log_output=False,
    )


def to_html(notebook: Path, output: Path, no_input: bool = False) -> None:
    """Render an executed notebook as a standalone HTML page (code hidden if ``no_input``)."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=no_input,
                            exclude_input_prompt=no_input, exclude_output_prompt=no_input)
    body, _ = exporter.from_notebook_node(nbformat.read(str(notebook), as_version=4))
    output.write_text(body, encoding="utf-8")


def run_chapter(chapter: str, data_dir=None, column_map=None, out_dir="out", params=None,
                no_input: bool | None = None, drop_invalid: bool = False,
                pseudonymize: bool = False) -> RunResult:
    """Validate, execute and render a chapter; outputs appear in ``out_dir`` only when complete.

    Writes ``<stem>.ipynb``, ``<stem>.html`` (with a header: source, rows, date range, rows
    dropped, run time) and ``<stem>.xlsx`` (sheet 说明 + the key tables). ``no_input`` defaults
    to hiding code on company data and showing it on the demo data. Raises
    :class:`OpskitError` (with a Chinese message) on bad input, before executing.
    """
    started, started_at = time.perf_counter(), datetime.now()
    ch = chapters.find(chapter)
    data_dir = str(Path(data_dir).resolve()) if data_dir else ""
    column_map = str(Path(column_map).resolve()) if column_map else ""
    if no_input is None:
        no_input = bool(data_dir)
    pseudonymize = pseudonymize and bool(data_dir)  # the demo ids are synthetic already
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise OpskitError(f"输出位置已存在且不是文件夹：{out_dir}\n"
                          "  解决办法：用 --out 指定一个文件夹（不存在时会自动创建）。")
    checked = validate(ch, data_dir or None, column_map or None, drop_invalid)
    if not checked.ok:
        raise OpskitError("输入数据未通过检查，未执行任何内容：\n" + checked.report())
    params = dict(params or {})
    _check_param_names(ch.notebook, params)
    params.update(data_dir=data_dir, column_map=column_map)
    if drop_invalid:
        params["drop_invalid"] = True

    data = checked.dataset
    frames = {t: data[t] for t in checked.present}
    facts = report.header_lines(data.source, column_map, started_at, f"{ch.number} {ch.title}",
                                pseudonymize, drop_invalid)
    summary = report.describe_data(frames, checked.dropped)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".opskit-") as tmp:
        tmp = Path(tmp)
        env = {REPORT_TABLES_ENV: str(tmp / "tables")}
        (tmp / "tables").mkdir()
        if data_dir:
            env[TABLE_CACHE_ENV] = str(_cache_tables(tmp / "cache", data, frames))
        if pseudonymize:
            env[report.PSEUDONYM_ENV] = report.hash_key(report.salt_for(out_dir))
        del frames, data, checked  # the kernel reads the Parquet cache; free the parent's copy
        staged = {ext: tmp / f"{ch.stem}.{ext}" for ext in ("ipynb", "html", "xlsx")}
        with _environment(env):
            execute(ch.notebook, staged["ipynb"], params)
        report.inject_header(staged["ipynb"], report.header_markdown(facts, summary))
        to_html(staged["ipynb"], staged["html"], no_input=no_input)
        report.write_workbook(staged["xlsx"], facts, summary, report.collected_tables(tmp / "tables"))
        # Same file system, so each replace is atomic; nothing is moved until all three exist,
        # so a failed run leaves an earlier report untouched.
        finals = {ext: out_dir / path.name for ext, path in staged.items()}
        for ext in ("xlsx", "ipynb", "html"):
            staged[ext].replace(finals[ext])
    return RunResult(finals["ipynb"], finals["html"], time.perf_counter() - started,
                     finals["xlsx"], dict(summary_dropped(summary)))


def summary_dropped(summary) -> dict[str, str]:
    """Table label -> rows dropped (text), for tables that lost rows."""
    return {row["表"]: row["丢弃的无效行"] for _, row in summary.iterrows() if row["丢弃的无效行"] != "无"}


def _cache_tables(folder: Path, data, frames: dict) -> Path:
    """Write the validated tables as Parquet so the kernel does not parse the exports again."""
    import json

    folder.mkdir()
    for name, frame in frames.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    manifest = {"inputs": data.cache_key, "tables": {t: data.dropped.get(t, {}) for t in frames}}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


@contextmanager
def _environment(values: dict[str, str]):
    """Set environment variables (inherited by the papermill kernel) for the block, then restore."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def copy_tree_atomic(src: Path, dst: Path) -> None:
    """Replace directory ``dst`` by ``src`` with a rename, keeping the old one until the end."""
    old = dst.with_name(dst.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if dst.exists():
        dst.rename(old)
    src.rename(dst)
    if old.exists():
        shutil.rmtree(old)


def describe_failure(err: Exception) -> str:
    """A short Chinese account of a failed execution (which cell, which error), no traceback."""
    name = type(err).__name__
    if name == "PapermillExecutionError":
        return (f"章节执行失败：第 {err.exec_count} 个代码单元出错：{err.ename}: {err.evalue}\n"
                "  没有写入任何输出（已有的报告保持不变）。\n"
                "  解决办法：先运行 opskit validate 检查数据；若数据无误，请把这条信息反馈给课程维护者。")
    return (f"执行失败：{name}: {err}\n  没有写入任何输出（已有的报告保持不变）。\n"
            "  若问题持续，请把这条信息反馈给课程维护者。")
