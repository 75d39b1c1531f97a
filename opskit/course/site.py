"""Build the course site: execute every chapter on the demo data and write an index page."""

from __future__ import annotations

import html
import shutil
import tempfile
import time
from pathlib import Path

from opskit.course import chapters
from opskit.course.runner import copy_tree_atomic, execute, to_html

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>精细化运营课程 · opskit</title>
<style>
 body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
        max-width: 860px; margin: 2.5em auto; padding: 0 1em; color: #222; line-height: 1.7; }}
 h1 {{ color: #2a6f97; }}
 .chapter {{ border-left: 4px solid #2a6f97; padding: .2em 1em; margin: 1.2em 0; background: #f6f9fb; }}
 .chapter h2 {{ margin: .2em 0; font-size: 1.2em; }}
 h2.part {{ color: #2a6f97; border-bottom: 2px solid #2a6f97; margin-top: 2em; }}
 .meta {{ color: #666; font-size: .9em; }}
 code {{ background: #eef; padding: 0 .3em; }}
</style>
</head>
<body>
<h1>精细化运营课程</h1>
<p>每一章都已在内置模拟公司「鲜选」的数据上执行。点击章节标题阅读报告；
要动手练习，请在项目文件夹运行 <code>make lab</code> 打开 JupyterLab（中文界面），
在 <code>notebooks/</code> 中打开章节、在 <code>exercises/</code> 中做练习。</p>
<p>在自己公司的数据上重跑某一章：<code>opskit run 00 --data 数据文件夹 --map 列映射.yaml --out 输出文件夹</code>。</p>
{chapters}
<p class="meta">生成于 {built}，共 {count} 章。</p>
</body>
</html>
"""

ENTRY = """<div class="chapter">
<h2><a href="{href}">第 {number} 章 · {title}</a></h2>
<p>{summary}</p>
<p class="meta">笔记本：notebooks/{stem}.ipynb · 练习：exercises/{stem}.ipynb · 执行用时 {seconds:.1f} 秒</p>
</div>"""


def build_site(out_dir: str | Path = "build/html") -> Path:
    """Execute every chapter and write ``index.html`` plus one HTML page per chapter.

    The site is built in a temporary folder and moved into place only when complete.
    """
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".site-"))
    try:
        entries = []
        for part, part_title in chapters.PARTS.items():  # the two courses, each under its heading
            members = [ch for ch in chapters.CHAPTERS if ch.part == part]
            if members:
                entries.append(f'<h2 class="part">第{part}部分　{html.escape(part_title)}</h2>')
                entries += [_render_chapter(ch, staging) for ch in members]
        count = len(chapters.CHAPTERS)
        page = PAGE.format(chapters="\n".join(entries), count=count,
                           built=time.strftime("%Y-%m-%d %H:%M"))
        (staging / "index.html").write_text(page, encoding="utf-8")
        copy_tree_atomic(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


def _render_chapter(ch: chapters.Chapter, staging: Path) -> str:
    """Execute one chapter into ``staging``, render it, and return its index entry."""
    started = time.perf_counter()
    executed = staging / f"{ch.stem}.ipynb"
    execute(ch.notebook, executed)
    to_html(executed, staging / f"{ch.stem}.html")
    seconds = time.perf_counter() - started
    print(f"  第 {ch.number} 章 {ch.title}：{seconds:.1f} 秒", flush=True)
    return ENTRY.format(href=f"{ch.stem}.html", number=ch.number, stem=ch.stem,
                        title=html.escape(ch.title), summary=html.escape(ch.summary), seconds=seconds)
