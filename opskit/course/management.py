"""The management report: the findings, charts, key tables and decisions of an executed chapter,
without learning goals, teaching prose, traps or code.

The chapter marks the cells that belong to the report with the cell tag ``report``; the report keeps,
section by section (the notebook's ``## `` headings), the outputs of those cells (computed findings,
charts, key tables, skip notes) and the section's **运营决策** paragraph. A chapter with no tagged cell
falls back to the outputs of every code cell inside a section (never code, printed logs, errors or
widgets), so any chapter gives a report; :func:`untagged_chapters` lists those chapters.

The HTML is one self-contained file: the kit's stylesheet and a subset of the kit's CJK font embedded
as a data URI, no script and no request to any host, so Chinese renders offline on any machine.
"""

from __future__ import annotations

import base64
import io
import json
import re
from importlib import resources
from pathlib import Path

import nbformat

REPORT_TAG = "report"
#: Headings that are not analysis sections (parameters, summary, exercises, further reading ...).
NOT_SECTIONS = ("参数", "小结", "练习", "延伸阅读", "参考", "学习目标", "本章")
DECISION = re.compile(r"^\*\*运营决策[。：:]?\*\*[。：:]?\s*(?:所以我们会[：:])?\s*", re.S)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
TEMPLATES = Path(str(resources.files("opskit.course") / "site_templates"))


def is_tagged(cell) -> bool:
    return REPORT_TAG in cell.get("metadata", {}).get("tags", [])


def untagged_chapters() -> list[str]:
    """Numbers of the chapters whose notebook has no cell tagged ``report`` (reports fall back)."""
    from opskit.course.chapters import CHAPTERS

    missing = []
    for ch in CHAPTERS:
        nb = json.loads(ch.notebook.read_text(encoding="utf-8"))
        if not any(is_tagged(c) for c in nb["cells"]):
            missing.append(ch.number)
    return missing


def _heading(cell) -> str | None:
    """The title of a ``## `` section heading cell, else None."""
    if cell.cell_type != "markdown":
        return None
    first = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
    return first[3:].strip() if first.startswith("## ") else None


def _decisions(cell) -> list[str]:
    """The 运营决策 paragraphs of a markdown cell, without their lead-in."""
    found = []
    for para in re.split(r"\n\s*\n", cell.source):
        para = para.strip()
        if DECISION.match(para):
            found.append(DECISION.sub("", para).strip())
    return found


def _report_outputs(cell) -> list:
    """The outputs a manager reads: rich displays and printed text, never errors, logs or widgets."""
    kept = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            if out.name == "stdout" and out.text.strip():
                kept.append(out)
        elif out.output_type in ("display_data", "execute_result"):
            data = {k: v for k, v in out.data.items() if k != WIDGET_MIME}
            if set(data) - {"text/plain"}:
                kept.append(nbformat.from_dict({**out, "data": data}))
    return kept


def sections(nb) -> list[dict]:
    """The report's sections in notebook order: ``{"title", "cells" (each a list of outputs), "decisions"}``.

    Uses the cells tagged ``report`` when the chapter has any, else every code cell of a section."""
    tagged = any(is_tagged(c) for c in nb.cells)
    found, current = [], None
    for cell in nb.cells:
        title = _heading(cell)
        if title is not None:
            current = None if title.startswith(NOT_SECTIONS) else {"title": title, "cells": [], "decisions": []}
            if current is not None:
                found.append(current)
            continue
        if current is None:
            continue
        if cell.cell_type == "markdown":
            current["decisions"] += _decisions(cell)
        elif cell.cell_type == "code" and (is_tagged(cell) if tagged else True):
            outputs = _report_outputs(cell)
            if outputs:
                current["cells"].append(outputs)
    return [s for s in found if s["cells"]]


def management_notebook(executed, chapter_title: str, header_markdown: str):
    """A notebook holding only the report: title, data scope, then each section's outputs and decisions."""
    nb = executed if isinstance(executed, nbformat.NotebookNode) else nbformat.read(str(executed), as_version=4)
    v4 = nbformat.v4
    cells = [v4.new_markdown_cell(f"# {chapter_title}：分析报告\n\n"
                                  "本报告只含结论、图表、关键表和建议的决策；方法讲解与代码见课程章节。"
                                  "关键表另见同名 Excel 文件。"),
             v4.new_markdown_cell(header_markdown.replace("## 报告说明", "## 数据范围", 1))]
    for section in sections(nb):
        cells.append(v4.new_markdown_cell(f"## {section['title']}"))
        for outputs in section["cells"]:
            cell = v4.new_code_cell("", outputs=outputs)
            cell.metadata["tags"] = [REPORT_TAG]
            cells.append(cell)
        if section["decisions"]:
            items = "\n".join(f"- {text}" for text in section["decisions"])
            cells.append(v4.new_markdown_cell(f"### 建议的运营决策\n\n{items}"))
    return v4.new_notebook(cells=cells, metadata={"kernelspec": nb.metadata.get("kernelspec", {}),
                                                  "language_info": nb.metadata.get("language_info", {}),
                                                  "title": f"{chapter_title}：分析报告"})


def render_html(report_nb) -> str:
    """One self-contained HTML page: no code, no prompts, no script, the CJK font embedded."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="opskit_report", extra_template_basedirs=[str(TEMPLATES)],
                            language_code="zh", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(report_nb, resources={"opskit": {"style": ""}})
    style = embedded_style(body)
    return body.replace("</head>", f"<style>\n{style}\n</style>\n</head>", 1)


def embedded_style(page: str) -> str:
    """The site stylesheet with its web font replaced by a data URI of a subset of the kit's CJK font
    (the characters the page uses), so the single file renders Chinese anywhere."""
    css = (TEMPLATES / "site.css").read_text(encoding="utf-8")
    font = base64.b64encode(subset_font(page)).decode("ascii")
    return css.replace('url("fonts/opskit-cjk.woff")', f'url("data:font/woff;base64,{font}")')


def subset_font(text: str) -> bytes:
    """The kit's CJK font cut down to the characters of ``text`` (plus ASCII), as WOFF bytes."""
    from fontTools import subset

    from opskit.viz.theme import font_path

    chars = set(text) | {chr(c) for c in range(0x20, 0x7F)}
    options = subset.Options()
    options.flavor = "woff"
    font = subset.load_font(str(font_path()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return buffer.getvalue()
