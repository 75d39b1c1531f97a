"""Re-run a chapter: validate the inputs, execute with papermill, write notebook + HTML atomically.

Nothing is ever lost: inputs are only read; no output may be, replace or lead (through a symlink)
to an input; outputs are staged in a temporary folder and moved into place only when all three
exist; SIGINT and SIGTERM stop the kernel, delete the temporary folder (and the cached tables in
it) and leave an earlier report as it was.
"""

from __future__ import annotations

import ast
import logging
import math
import os
import shutil
import signal
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from opskit.course import chapters, report
from opskit.course.notebook import REPORT_TABLES_ENV
from opskit.data import schema
from opskit.data.dataset import TABLE_CACHE_ENV
from opskit.errors import Interrupted, OpskitError

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
    shortfalls: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # section -> (part, reason)
    dataset: object = None

    @property
    def ok(self) -> bool:
        return self.runnable and not self.problems

    @property
    def runnable(self) -> bool:
        """All required tables are there (data problems aside)."""
        return not self.missing_required and not self.missing_one_of

    def report(self, problems: bool = True) -> str:
        """A Chinese, human-readable summary: the verdict, each section (with the parts skipped for
        lack of data), dropped rows and, unless ``problems`` is False, the data problems."""
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
                absent = [t for t in section.optional if t not in self.present]
                if absent and not missing:
                    mark += "（用到表 " + "、".join(absent) + " 的部分将跳过）"
            lines.append(f"  - {section.title}：{mark}")
            for part, reason in self.shortfalls.get(section.title, []):
                lines.append(f"      跳过「{part}」：数据不足，{reason}")
        for table, reasons in self.dropped.items():
            counts = "；".join(f"{reason} {n:,} 行" for reason, n in reasons.items())
            lines.append(f"  已丢弃 {table} 的无效行（--drop-invalid）：{counts}")
        for problem in self.problems if problems else ():
            lines.append("  " + str(problem).replace("\n", "\n  "))
        return "\n".join(lines)


def _check_folder(data_dir) -> None:
    from opskit.errors import DataError

    if data_dir and not Path(data_dir).is_dir():
        raise DataError("数据文件夹不存在", file=data_dir,
                        fix="检查 --data 后面的路径；它应是放着导出文件（CSV/Excel/Parquet）的文件夹")


def validate_many(selected, data_dir=None, column_map=None, drop_invalid: bool = False,
                  as_of=None) -> list[Validation]:
    """Validate several chapters over one dataset: each table is read (and checked) once.

    Sections' minimums of data (see :mod:`opskit.course.minimums`) are checked on the rows before
    ``as_of`` (default: the day after the last row, as in the notebooks).
    """
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
        if not result.missing_required and not result.missing_one_of and not result.problems:
            result.shortfalls = _shortfalls(ch, data, as_of)
        results.append(result)
    return results


def _shortfalls(ch: chapters.Chapter, data, as_of) -> dict[str, list[tuple[str, str]]]:
    """Section title -> (part, reason) for every declared minimum the data does not meet."""
    found = {}
    for section in ch.sections:
        if not data.has(*section.tables):  # skipped as a whole for a missing table
            continue
        short = [(m.part, reason) for m in section.minimums if (reason := m.shortfall(data, as_of))]
        if short:
            found[section.title] = short
    return found


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
             drop_invalid: bool = False, as_of=None) -> Validation:
    """Read every table the chapter can use and collect every problem, without executing."""
    return validate_many([chapter], data_dir, column_map, drop_invalid, as_of)[0]


def parse_params(pairs: list[str]) -> dict[str, str]:
    """Split ``NAME=VALUE`` strings; the values stay text until :func:`typed_params` reads them
    against the notebook's defaults (so ``00123`` or ``2025-06-30`` are not turned into numbers)."""
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise OpskitError(f"参数格式不对：{pair!r}。\n  解决办法：写成 -p 名称=值，例如 -p top_n=20")
        params[name.strip()] = value.strip()
    return params


#: Parameters the runner sets itself from the command line.
RUNNER_PARAMS = {"data_dir": "--data", "column_map": "--map", "drop_invalid": "--drop-invalid"}
_TRUE, _FALSE = {"true", "yes", "y", "1", "是"}, {"false", "no", "n", "0", "否"}


def typed_params(notebook: Path, params: dict) -> dict:
    """Parameters converted to the type of the notebook's default, or an :class:`OpskitError`.

    ``int`` defaults take whole numbers, ``float`` defaults finite numbers, ``bool`` defaults
    true/false (also 是/否, 1/0), text defaults any text; ``as_of`` must be a date (YYYY-MM-DD) no
    later than today. Unknown names and the runner's own parameters are refused.
    """
    import papermill
    import yaml

    _quiet_papermill()
    known = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise OpskitError(
            f"章节 {notebook.stem} 没有参数：{'、'.join(unknown)}。\n"
            f"  可用参数：{'、'.join(n for n in known if n not in RUNNER_PARAMS)}\n"
            "  解决办法：检查 -p 后面的参数名拼写。")
    typed = {}
    for name, value in params.items():
        if name in RUNNER_PARAMS:
            raise OpskitError(f"参数 {name} 由命令行选项 {RUNNER_PARAMS[name]} 设置，不能用 -p 指定。\n"
                              f"  解决办法：改用 {RUNNER_PARAMS[name]}。")
        try:
            default = ast.literal_eval(known[name]["default"])
        except (ValueError, SyntaxError):
            default = None
        text = value if isinstance(value, str) else None
        if text is None:  # a Python caller passed a typed value
            typed[name] = _check_type(name, value, default)
        elif name == "as_of":
            typed[name] = _as_of(text)
        elif isinstance(default, bool):
            word = text.lower()
            if word not in _TRUE | _FALSE:
                raise _param_error(name, text, default, "是/否（true 或 false）", "true")
            typed[name] = word in _TRUE
        elif isinstance(default, int):
            try:
                typed[name] = int(text)
            except ValueError:
                raise _param_error(name, text, default, "整数", str(default)) from None
        elif isinstance(default, float):
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise _param_error(name, text, default, "有限的数值", str(default))
            typed[name] = number
        elif isinstance(default, str):
            typed[name] = text
        else:
            try:
                parsed = yaml.safe_load(text)
            except yaml.YAMLError:
                raise _param_error(name, text, default, "YAML 值", repr(default)) from None
            typed[name] = _check_type(name, parsed, default)
    return typed


def _check_type(name: str, value, default):
    if default is None or value is None or isinstance(value, type(default)) or (
            isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool)):
        if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, bool):
            raise _param_error(name, value, default, "整数", str(default))
        return value
    kind = {bool: "是/否", int: "整数", float: "数值", str: "文本", list: "列表", dict: "映射"}.get(
        type(default), type(default).__name__)
    raise _param_error(name, value, default, kind, repr(default))


def _param_error(name: str, value, default, kind: str, example: str) -> OpskitError:
    return OpskitError(f"参数 {name} 应是{kind}（笔记本中的默认值是 {default!r}），但收到 {value!r}。\n"
                       f"  解决办法：例如 -p {name}={example}")


def _as_of(text: str) -> str:
    """``as_of`` as ``YYYY-MM-DD`` (empty: the notebook's default, the day after the last row)."""
    import re

    import pandas as pd

    if not text:
        return ""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", text):
        day = None
    else:
        try:
            day = pd.Timestamp(text)
        except ValueError:
            day = None
    if day is None:
        raise OpskitError(f"参数 as_of（分析日）无法识别为日期：{text!r}。\n"
                          "  解决办法：写成 年-月-日，例如 -p as_of=2025-06-30（只用这一天之前的数据）。")
    if day > pd.Timestamp.now().normalize() + pd.Timedelta(days=1):
        raise OpskitError(f"参数 as_of（分析日）{day:%Y-%m-%d} 晚于明天：分析日之后还没有数据。\n"
                          "  解决办法：去掉 -p as_of（默认取最后一笔订单的次日），或写一个不晚于今天的日期。")
    return f"{day:%Y-%m-%d}"


def _quiet_papermill() -> None:
    """Keep papermill's progress logging out of the command's output (tests assert parameters parse)."""
    import logging

    logging.getLogger("papermill").setLevel(logging.ERROR)


@dataclass
class RunResult:
    notebook: Path
    html: Path
    seconds: float
    workbook: Path | None = None
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)
    management: bool = False  # the HTML is the management report, not the course chapter


def execute(notebook: Path, output: Path, params: dict | None = None, cwd: Path | None = None,
            progress=None) -> None:
    """Execute ``notebook`` with papermill into ``output`` (no validation, no atomicity).

    ``progress``, if given, is called with each cell's index as the cell starts (see
    :class:`opskit.course.progress.CellProgress`)."""
    import papermill

    _quiet_papermill()
    papermill.execute_notebook(
        str(notebook), str(output), parameters=params or {}, kernel_name=KERNEL,
        cwd=str(cwd or notebook.parent), progress_bar=False, log_output=False, engine_name=_engine(),
        opskit_progress=progress, config=kernel_config(),
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no kernel start-up info in the CLI output
    )


def kernel_config():
    """The kernel manager's configuration: on POSIX the kernel talks over Unix sockets (IPC) instead
    of TCP on localhost, so no port is open and ipykernel has no plain-TCP warning to give."""
    from traitlets.config import Config

    config = Config()
    if os.name == "posix":
        config.KernelManager.transport = "ipc"
        # The sockets are files named <ip>-<port>; left to itself the name is "kernel-ipc" in the
        # kernel's working directory (the notebook folder), shared by concurrent runs. A unique name in
        # the temporary folder, short enough for a socket path; jupyter_client removes them at shutdown.
        config.KernelManager.ip = os.path.join(tempfile.gettempdir(), f"opskit-{uuid.uuid4().hex[:12]}")
    return config


def _engine() -> str:
    """papermill's nbclient engine, reporting each cell's start to ``opskit_progress`` (registered once)."""
    from papermill.engines import NBClientEngine, papermill_engines

    if "opskit" not in papermill_engines._engines:
        class ProgressEngine(NBClientEngine):
            @classmethod
            def execute_managed_notebook(cls, nb_man, kernel_name, opskit_progress=None, **kwargs):
                if opskit_progress is not None:
                    start = nb_man.cell_start

                    def cell_start(cell, cell_index=None, **kw):
                        opskit_progress(cell_index)
                        return start(cell, cell_index, **kw)

                    nb_man.cell_start = cell_start
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

        papermill_engines.register("opskit", ProgressEngine)
    return "opskit"


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
                pseudonymize: bool = False, management: bool | None = None, progress=None) -> RunResult:
    """Validate, execute and render a chapter; outputs appear in ``out_dir`` only when complete.

    Writes ``<stem>.ipynb``, ``<stem>.html`` (with a header: source, rows, date range, rows
    dropped, run time) and ``<stem>.xlsx`` (sheet 说明 + the key tables). ``no_input`` defaults
    to hiding code on company data and showing it on the demo data. ``management`` (default: on
    company data) makes the HTML the management report (:mod:`opskit.course.management`) instead of
    the course chapter; ``progress`` receives one Chinese line per executed cell. Raises
    :class:`OpskitError` (with a Chinese message) on bad input, before executing.
    """
    started, started_at = time.perf_counter(), datetime.now()
    ch = chapters.find(chapter)
    data_dir = str(Path(data_dir).resolve()) if data_dir else ""
    column_map = str(Path(column_map).resolve()) if column_map else ""
    if no_input is None:
        no_input = bool(data_dir)
    if management is None:
        management = bool(data_dir)
    pseudonymize = pseudonymize and bool(data_dir)  # the demo ids are synthetic already
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    params = typed_params(ch.notebook, dict(params or {}))
    checked = validate(ch, data_dir or None, column_map or None, drop_invalid, params.get("as_of") or None)
    if not checked.ok:
        raise OpskitError("输入数据未通过检查，未执行任何内容：\n" + checked.report())
    data = checked.dataset
    frames = {t: data[t] for t in checked.present}
    _check_as_of(params.get("as_of"), frames)
    inputs = [data.path(t) for t in checked.present] + ([Path(column_map)] if column_map else [])
    outputs = [out_dir / f"{ch.stem}.{ext}" for ext in ("ipynb", "html", "xlsx")]
    check_outputs(outputs + ([out_dir / report.SALT_FILE] if pseudonymize else []), inputs, data_dir)
    params.update(data_dir=data_dir, column_map=column_map)
    if drop_invalid:
        params["drop_invalid"] = True

    facts = report.header_lines(report.file_name(data.source), report.file_name(column_map), started_at, f"{ch.number} {ch.title}",
                                pseudonymize, drop_invalid, synthetic=_synthetic(frames))
    summary = report.describe_data(frames, checked.dropped)
    out_dir.mkdir(parents=True, exist_ok=True)
    key = report.hash_key(report.salt_for(out_dir)) if pseudonymize else ""
    tmp = Path(tempfile.mkdtemp(dir=out_dir, prefix=".opskit-"))
    try:
        with _stop_on_signals():
            env = {REPORT_TABLES_ENV: str(tmp / "tables")}
            (tmp / "tables").mkdir()
            if data_dir:  # pseudonymised before it is written: no raw id ever lands in --out
                env[TABLE_CACHE_ENV] = str(_cache_tables(tmp / "cache", data, frames, key))
            if key:
                env[report.PSEUDONYM_ENV] = key
            kpis = report.monthly_kpis(frames, params.get("as_of") or None)
            del frames, data, checked  # the kernel reads the Parquet cache; free the parent's copy
            staged = {ext: tmp / f"{ch.stem}.{ext}" for ext in ("ipynb", "html", "xlsx")}
            with _environment(env):
                execute(ch.notebook, staged["ipynb"], params, progress=progress)
            header = report.header_markdown(facts, summary)
            if management:
                from opskit.course import management as manager

                page = manager.render_html(manager.management_notebook(
                    staged["ipynb"], f"第 {ch.number} 章 {ch.title}", header))
                staged["html"].write_text(page, encoding="utf-8")
            report.inject_header(staged["ipynb"], header)
            if not management:
                to_html(staged["ipynb"], staged["html"], no_input=no_input)
            tables = report.collected_tables(tmp / "tables")
            if not tables and kpis is not None:  # nothing collected on this data: the monthly KPIs
                tables = [(report.KPI_SHEET, kpis)]
            report.write_workbook(staged["xlsx"], facts, summary, tables)
            # Same file system, so each replace is atomic; nothing is moved until all three exist,
            # and signals wait until all three are moved, so an earlier report is never mixed.
            with _signals_deferred():
                for ext in ("xlsx", "ipynb", "html"):
                    staged[ext].replace(out_dir / staged[ext].name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return RunResult(outputs[0], outputs[1], time.perf_counter() - started, outputs[2],
                     dict(summary_dropped(summary)), management)


def _synthetic(frames: dict) -> dict[str, list[str]]:
    return {name: list(frame.attrs.get("synthetic", [])) for name, frame in frames.items()
            if frame.attrs.get("synthetic")}


def _check_as_of(as_of: str | None, frames: dict) -> None:
    """An ``as_of`` before the first order leaves nothing to analyse."""
    import pandas as pd

    if not as_of or "orders" not in frames or frames["orders"].empty:
        return
    first = frames["orders"]["order_time"].min()
    if pd.Timestamp(as_of) <= first:
        raise OpskitError(f"参数 as_of（分析日）{as_of} 不晚于第一笔订单（{first:%Y-%m-%d}）：分析日之前没有数据。\n"
                          f"  解决办法：写一个晚于 {first:%Y-%m-%d} 的日期，或去掉 -p as_of。")


# --- paths: nothing is lost ---------------------------------------------------------------------

def check_out_dir(out_dir: Path) -> None:
    """``--out`` must be a folder that exists or can be made, and that the user may write to."""
    out_dir = Path(out_dir)
    if out_dir.is_symlink() and not out_dir.exists():
        raise OpskitError(f"输出位置是一个失效的符号链接（指向不存在的位置）：{out_dir}\n"
                          "  解决办法：删除这个链接，或用 --out 指定另一个文件夹。")
    if out_dir.exists() and not out_dir.is_dir():
        raise OpskitError(f"输出位置已存在且不是文件夹：{out_dir}\n"
                          "  解决办法：用 --out 指定一个文件夹（不存在时会自动创建）。")
    existing = out_dir.absolute()
    while not existing.exists():
        if existing.is_symlink():
            raise OpskitError(f"输出路径中的 {existing} 是一个失效的符号链接。\n"
                              "  解决办法：删除这个链接，或用 --out 指定另一个文件夹。")
        existing = existing.parent
    if not existing.is_dir():
        raise OpskitError(f"无法在 {out_dir} 创建输出文件夹：{existing} 是一个文件，不是文件夹。\n"
                          "  解决办法：用 --out 指定一个文件夹路径。")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OpskitError(f"没有写入权限：{existing}\n"
                          "  解决办法：用 --out 指定一个你有写入权限的文件夹（例如家目录下的文件夹）。")


def check_outputs(outputs: list[Path], inputs: list[Path], data_dir: str = "") -> None:
    """No output may be an input, lead to one through a symlink, or be a folder holding one; the
    report is not written into the data folder itself (where a report file could shadow an input)."""
    real_inputs = {Path(p).resolve() for p in inputs if p is not None}
    out_dir = Path(outputs[0]).parent.resolve()
    if data_dir and out_dir == Path(data_dir).resolve():
        raise OpskitError(f"输出文件夹就是数据文件夹：{out_dir}\n"
                          "  报告和临时文件会与导出文件混在一起，同名时会覆盖输入文件，因此不这样做。\n"
                          "  解决办法：用 --out 指定另一个文件夹，例如 --out 报告。")
    for output in outputs:
        target = Path(output).resolve()
        hit = next((p for p in real_inputs if p == target or target in p.parents), None)
        if hit is not None:
            how = "经符号链接指向" if Path(output).is_symlink() else ("包含" if hit != target else "就是")
            raise OpskitError(f"输出文件 {output} {how}输入文件 {hit}：写入报告会覆盖或删除输入，因此没有执行。\n"
                              "  解决办法：用 --out 指定另一个文件夹，或把输入文件改名、移到别处。")
        if target.is_dir():
            raise OpskitError(f"输出位置 {output} 是一个文件夹，报告文件无法写在那里。\n"
                              "  解决办法：删除或改名这个文件夹，或用 --out 指定另一个文件夹。")


# --- signals: stop cleanly ----------------------------------------------------------------------

_deferred: list[int] | None = None


@contextmanager
def _stop_on_signals():
    """On SIGINT or SIGTERM: kill the kernel (our child processes) and raise :class:`Interrupted`.

    The kernel runs in a session of its own, so Ctrl-C reaches only us. papermill may turn the
    exception into another one while it saves the partial notebook; whatever leaves the block
    after a signal is turned back into :class:`Interrupted`. The caller deletes the temporary folder.
    """
    stopped: list[int] = []

    def stop(signum, _frame):
        if _deferred is not None:  # moving the finished report into place: finish first
            _deferred.append(signum)
            return
        stopped.append(signum)
        _kill_children()
        raise Interrupted(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except BaseException:
        if stopped:
            _settle_abandoned_tasks()
            _silence_killed_kernel()
            raise Interrupted(stopped[0]) from None
        raise
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _settle_abandoned_tasks() -> None:
    """After a signal, nbclient's tasks (the running cell, the kernel-alive poll) are left behind in
    its event loop; one ends with DeadKernelError because we killed the kernel. Cancel the pending
    ones and collect every outcome, so asyncio has no unretrieved exception to print at exit."""
    import asyncio

    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    if loop.is_running() or loop.is_closed():
        return
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        if not task.done():
            task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.wait(tasks, timeout=5))
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # marks it retrieved


class _KilledKernelNoise(logging.Filter):
    """Drop asyncio's "exception was never retrieved" report for the kernel we killed on purpose.

    A task of nbclient may end with DeadKernelError only after we settled the loop (its poll
    notices the death late) and is reported when it is garbage-collected at exit."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return type(error).__name__ not in ("DeadKernelError", "CancelledError")


def _silence_killed_kernel() -> None:
    asyncio_log = logging.getLogger("asyncio")
    if not any(isinstance(f, _KilledKernelNoise) for f in asyncio_log.filters):
        asyncio_log.addFilter(_KilledKernelNoise())


@contextmanager
def _signals_deferred():
    global _deferred
    _deferred = []
    try:
        yield
    finally:
        pending, _deferred = _deferred, None
        if pending:
            raise Interrupted(pending[0])


def _kill_children() -> None:
    """SIGKILL every process whose parent is this one (the papermill kernel and its helpers)."""
    me = os.getpid()
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                parent = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == me:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass


def summary_dropped(summary) -> dict[str, str]:
    """Table label -> rows dropped (text), for tables that lost rows."""
    return {row["表"]: row["丢弃的无效行"] for _, row in summary.iterrows() if row["丢弃的无效行"] != "无"}


def _cache_tables(folder: Path, data, frames: dict, key: str = "") -> Path:
    """Write the validated tables as Parquet so the kernel does not parse the exports again.

    With a pseudonym ``key`` the tables are pseudonymised before they are written, so the cache
    never holds a raw user id."""
    import json

    folder.mkdir()
    for name, frame in frames.items():
        (report.pseudonymize(frame, key) if key else frame).to_parquet(folder / f"{name}.parquet", index=False)
    manifest = {"inputs": data.cache_key, "tables": {t: data.dropped.get(t, {}) for t in frames},
                "synthetic": _synthetic(frames), "pseudonymized": bool(key)}
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


#: Errors raised inside a chapter that the user can fix (a parameter out of range, bad data).
USER_ERRORS = {"OpskitError", "DataError", "MapError", "ParameterError"}


def is_user_error(err: Exception) -> bool:
    """A chapter stopped on a problem the user can fix (an :class:`OpskitError` in a cell)."""
    return type(err).__name__ == "PapermillExecutionError" and err.ename in USER_ERRORS


def describe_failure(err: Exception) -> str:
    """A short Chinese account of a failed execution (which cell, which error), no traceback.

    A user-fixable error raised in a cell is shown as it is. Anything else happened after the data
    passed every check, so it is a defect of the kit, and the message says so."""
    name = type(err).__name__
    kept = "没有写入任何输出（已有的报告保持不变）。"
    if is_user_error(err):
        return f"章节在第 {err.exec_count} 个代码单元停止：{err.evalue}\n  {kept}"
    if name == "PapermillExecutionError":
        return (f"章节执行失败：第 {err.exec_count} 个代码单元出错：{err.ename}: {err.evalue}\n  {kept}\n"
                "  数据已通过检查，这是课程工具包的缺陷：请把这条信息和所用的命令反馈给课程维护者。")
    return (f"执行失败：{name}: {err}\n  {kept}\n"
            "  这是课程工具包的缺陷：请把这条信息和所用的命令反馈给课程维护者。")
