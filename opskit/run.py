"""Re-run a chapter: validate the inputs, execute with papermill, write notebook + HTML atomically."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import chapters, schema
from .errors import OpskitError

KERNEL = "python3"


@dataclass
class Validation:
    """What a chapter can do with the tables given."""

    chapter: chapters.Chapter
    present: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    skipped_sections: list[tuple[str, list[str]]] = field(default_factory=list)
    problems: list[OpskitError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing_required and not self.problems

    def report(self) -> str:
        """A Chinese, human-readable summary."""
        ch = self.chapter
        lines = [f"章节 {ch.number} {ch.title}"]
        for section in ch.sections:
            missing = [t for t in section.tables if t not in self.present]
            mark = "可运行" if not missing else "将跳过（缺少表 " + "、".join(missing) + "）"
            lines.append(f"  - {section.title}：{mark}")
        if self.missing_required:
            lines.append("  缺少必需的表：" + "、".join(
                f"{t}（{schema.TABLES[t].label}）" for t in self.missing_required))
        for problem in self.problems:
            lines.append("  " + str(problem).replace("\n", "\n  "))
        return "\n".join(lines)


def validate(chapter: str | chapters.Chapter, data_dir=None, column_map=None,
             drop_invalid: bool = False) -> Validation:
    """Read every table the chapter can use and collect every problem, without executing."""
    from .data import Dataset

    ch = chapter if isinstance(chapter, chapters.Chapter) else chapters.find(chapter)
    if data_dir and not Path(data_dir).is_dir():
        from .errors import DataError

        raise DataError("数据文件夹不存在", file=data_dir,
                        fix="检查 --data 后面的路径；它应是放着导出文件（CSV/Excel/Parquet）的文件夹")
    result = Validation(ch)
    data = Dataset(data_dir, column_map, drop_invalid=drop_invalid)
    for table in ch.tables:
        if not data.has(table):
            if table in ch.required:
                result.missing_required.append(table)
            continue
        try:
            data[table]
        except OpskitError as err:
            result.problems.append(err)
        else:
            result.present.append(table)
    return result


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


def _check_param_names(notebook: Path, params: dict) -> None:
    import papermill

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


def execute(notebook: Path, output: Path, params: dict | None = None, cwd: Path | None = None) -> None:
    """Execute ``notebook`` with papermill into ``output`` (no validation, no atomicity)."""
    import papermill

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
                no_input: bool = False, drop_invalid: bool = False) -> RunResult:
    """Validate, execute and render a chapter; outputs appear in ``out_dir`` only when complete.

    Raises :class:`OpskitError` (with a Chinese message) on bad input, before executing.
    """
    started = time.perf_counter()
    ch = chapters.find(chapter)
    data_dir = str(Path(data_dir).resolve()) if data_dir else ""
    column_map = str(Path(column_map).resolve()) if column_map else ""
    checked = validate(ch, data_dir or None, column_map or None, drop_invalid)
    if not checked.ok:
        raise OpskitError("输入数据未通过检查，未执行任何内容：\n" + checked.report())
    params = dict(params or {})
    _check_param_names(ch.notebook, params)
    params.update(data_dir=data_dir, column_map=column_map)
    if drop_invalid:
        params["drop_invalid"] = True

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".opskit-") as tmp:
        staged_nb = Path(tmp) / f"{ch.stem}.ipynb"
        staged_html = Path(tmp) / f"{ch.stem}.html"
        execute(ch.notebook, staged_nb, params)
        to_html(staged_nb, staged_html, no_input=no_input)
        final_nb, final_html = out_dir / staged_nb.name, out_dir / staged_html.name
        # Same file system, so each replace is atomic: an earlier report survives a failed run.
        staged_nb.replace(final_nb)
        staged_html.replace(final_html)
    return RunResult(final_nb, final_html, time.perf_counter() - started)


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
