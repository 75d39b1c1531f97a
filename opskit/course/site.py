"""Build the offline course site: the two parts with their chapters, navigation on every page.

Every chapter is executed on the demo data (cached: a chapter is executed again only when its
notebook, the kit's code or the demo data changed), rendered with nbconvert's lab template minus
every script from a CDN, and given a navigation bar (index, previous, next, exercise). Chinese text
uses a web font subset from the kit's own CJK font, so pages render on a machine without system CJK
fonts, and no page requests anything from another host. Exercises are rendered unexecuted, as the
learner receives them. The site is built in a temporary folder and moved into place when complete.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import nbformat

from opskit.course import chapters
from opskit.course.progress import CellProgress
from opskit.course.runner import copy_tree_atomic, execute

TEMPLATES = Path(str(resources.files("opskit.course") / "site_templates"))
FONT_FILE = "opskit-cjk.woff"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ('<p class="opskit-widget-note">（这里是一个交互控件：在 JupyterLab 或 Voila 中打开本章即可操作；'
               "静态网页只显示它的说明。）</p>")
SITE_TITLE = "精细化运营课程"


@dataclass(frozen=True)
class Link:
    href: str
    label: str


def build_site(out_dir: str | Path = "build/html", cache_dir: str | Path | None = None,
               progress=print) -> Path:
    """Execute (or reuse) every chapter, render the site into ``out_dir``; return its index page.

    ``cache_dir`` (default: ``cache`` beside ``out_dir``) keeps executed notebooks keyed by their
    inputs; ``progress`` receives one Chinese line per chapter.
    """
    out_dir = Path(out_dir).resolve()
    cache = Path(cache_dir).resolve() if cache_dir else out_dir.parent / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".site-"))
    try:
        (staging / "exercises").mkdir()
        (staging / "_static" / "fonts").mkdir(parents=True)
        kit = kit_digest()
        registry = list(chapters.CHAPTERS)
        pages, seconds = [], {}
        for i, ch in enumerate(registry):
            started = time.perf_counter()
            executed, reused = _executed(ch.notebook, cache, kit)
            seconds[ch.stem] = time.perf_counter() - started
            pages.append(_render_chapter(ch, executed, registry, staging, cache, kit))
            if ch.exercise.exists():
                pages.append(_render_exercise(ch, staging, cache, kit))
            how = "使用缓存" if reused else f"执行 {seconds[ch.stem]:.1f} 秒"
            progress(f"  [{i + 1}/{len(registry)}] 第 {ch.number} 章 {ch.title}：{how}")
        (staging / "index.html").write_text(index_page(registry), encoding="utf-8")
        pages.append(staging / "index.html")
        shutil.copy(TEMPLATES / "site.css", staging / "_static" / "site.css")
        _write_font(pages, staging / "_static" / "fonts" / FONT_FILE, cache)
        copy_tree_atomic(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


# ---------------------------------------------------------------------------------------------
# Cached execution


def kit_digest() -> str:
    """A digest of everything a chapter's outputs depend on besides its notebook: the kit's code,
    its named SQL and the bundled demo data."""
    from opskit.sim import DEMO_DIR

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    code = sorted(package.rglob("*.py")) + sorted(package.rglob("*.sql"))
    for root, files in ((package, code), (Path(DEMO_DIR), sorted(Path(DEMO_DIR).glob("*.csv")))):
        for path in files:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _executed(notebook: Path, cache: Path, kit: str) -> tuple[Path, bool]:
    """The executed copy of ``notebook`` in ``cache``; executes it only on a cache miss."""
    key = hashlib.sha256(notebook.read_bytes() + kit.encode()).hexdigest()[:20]
    target = cache / f"{notebook.stem}.{key}.ipynb"
    if target.exists():
        return target, True
    for stale in cache.glob(f"{notebook.stem}.*.ipynb"):
        stale.unlink()
    partial = target.with_name(f"{target.stem}.partial.ipynb")  # papermill wants an .ipynb name
    progress = CellProgress.for_notebook(notebook, f"  执行 {notebook.stem}")
    try:
        execute(notebook, partial, progress=progress)
    finally:
        progress.close()
    partial.replace(target)
    return target, False


# ---------------------------------------------------------------------------------------------
# Pages


def _title(ch: chapters.Chapter) -> str:
    return f"第 {ch.number} 章 {ch.title}"


def _render_chapter(ch: chapters.Chapter, executed: Path, registry: list, staging: Path, cache: Path,
                    kit: str) -> Path:
    i = registry.index(ch)
    prev = registry[i - 1] if i > 0 else None
    nxt = registry[i + 1] if i + 1 < len(registry) else None
    extra = [Link(f"exercises/{ch.stem}.html", "本章练习")] if ch.exercise.exists() else []
    nav = {
        "root": "",
        "title": f"{_title(ch)} · {SITE_TITLE}",
        "prev": Link(f"{prev.stem}.html", _title(prev)) if prev else None,
        "next": Link(f"{nxt.stem}.html", _title(nxt)) if nxt else None,
        "extra": extra,
    }
    return _page(executed, nav, staging / f"{ch.stem}.html", cache / "pages" / f"chapter-{ch.stem}", kit)


def _render_exercise(ch: chapters.Chapter, staging: Path, cache: Path, kit: str) -> Path:
    nav = {
        "root": "../",
        "title": f"练习：{_title(ch)} · {SITE_TITLE}",
        "prev": None,
        "next": None,
        "extra": [Link(f"../{ch.stem}.html", f"返回{_title(ch)}")],
    }
    return _page(ch.exercise, nav, staging / "exercises" / f"{ch.stem}.html",
                 cache / "pages" / f"exercise-{ch.stem}", kit)


def _page(source: Path, nav: dict, page: Path, cached: Path, kit: str) -> Path:
    """Render ``source`` into ``page``, reusing the page rendered last time when the notebook, the
    navigation, the kit's code and the templates are the same (a second ``make run`` only copies)."""
    import nbconvert

    digest = hashlib.sha256(source.read_bytes())
    nav_text = json.dumps({k: asdict(v) if isinstance(v, Link) else [asdict(x) for x in v] if k == "extra" else v
                           for k, v in nav.items()}, ensure_ascii=False, sort_keys=True)
    digest.update(f"{nav_text}|{kit}|{nbconvert.__version__}".encode())
    for template in sorted(TEMPLATES.rglob("*")):
        if template.is_file():
            digest.update(template.read_bytes())
    stored = cached.with_name(f"{cached.name}.{digest.hexdigest()[:20]}.html")
    if not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        for stale in stored.parent.glob(f"{cached.name}.*.html"):
            stale.unlink()
        partial = stored.with_suffix(".partial")
        partial.write_text(render(nbformat.read(source, as_version=4), nav), encoding="utf-8")
        partial.replace(stored)
    shutil.copy(stored, page)
    return page


def render(nb, nav: dict) -> str:
    """One site page from a notebook: widget views become their static summary."""
    from nbconvert import HTMLExporter

    nb = static_widgets(nb)
    nb.metadata["title"] = nav["title"]
    exporter = HTMLExporter(template_name="opskit_page", extra_template_basedirs=[str(TEMPLATES)], language_code="zh")
    body, _ = exporter.from_notebook_node(nb, resources={"opskit": nav})
    return site_links(body, nav["root"])


_NOTEBOOK_LINK = re.compile(r'href="(?:\.\./)?(exercises/|notebooks/)?(\d\d_\w+)\.ipynb(#[^"]*)?"')


def site_links(page: str, root: str) -> str:
    """Links the notebooks make to notebooks (``../exercises/05_x.ipynb``) point at the site's pages."""
    def page_of(match):
        folder = "exercises/" if match.group(1) == "exercises/" or (not match.group(1) and root) else ""
        return f'href="{root}{folder}{match.group(2)}.html{match.group(3) or ""}"'

    return _NOTEBOOK_LINK.sub(page_of, page)


def static_widgets(nb):
    """A copy of ``nb`` whose widget outputs show their HTML summary (or a note) instead of an
    empty box: a static page has no kernel to draw the widget."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_MIME in data:
                del data[WIDGET_MIME]
                if "text/html" not in data:
                    data.clear()
                    data["text/html"] = WIDGET_NOTE
    return nb


INDEX = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="_static/site.css">
</head>
<body>
<main class="opskit-index">
<h1>{title}</h1>
<p>两门课、{count} 章。每一章都已在内置模拟公司「鲜选」的数据上执行；点击章节标题阅读，章节下方是它的小节与练习。
要动手练习，请在项目文件夹运行 <code>make lab</code> 打开 JupyterLab（中文界面），在 <code>notebooks/</code>
中打开章节、在 <code>exercises/</code> 中做练习；探讨共创的画布用 <code>make workshop</code> 打开。</p>
<p>在自己公司的数据上重跑某一章：<code>opskit run 00 --data 数据文件夹 --map 列映射.yaml --out 输出文件夹</code>。</p>
{parts}
</main>
</body>
</html>
"""


def index_page(registry: list) -> str:
    """The index: each part with its chapters, their sections and exercises."""
    parts = []
    for part, name in chapters.PARTS.items():
        members = [ch for ch in registry if ch.part == part]
        if not members:
            continue
        entries = "\n".join(_index_entry(ch) for ch in members)
        parts.append(f'<section class="opskit-part"><h2>第{part}部分 · {html.escape(name)}</h2>\n{entries}\n</section>')
    return INDEX.format(title=SITE_TITLE, count=len(registry), parts="\n".join(parts))


def _index_entry(ch: chapters.Chapter) -> str:
    sections = "".join(f"<li>{html.escape(s.title)}</li>" for s in ch.sections)
    exercise = (f' · <a href="exercises/{ch.stem}.html">练习</a>' if ch.exercise.exists() else "")
    return (f'<div class="opskit-chapter"><h3><a href="{ch.stem}.html">{html.escape(_title(ch))}</a></h3>'
            f"<p>{html.escape(ch.summary)}</p><ul>{sections}</ul>"
            f'<p class="opskit-meta">笔记本 notebooks/{ch.stem}.ipynb{exercise}</p></div>')


# ---------------------------------------------------------------------------------------------
# Web font


def _write_font(pages: list[Path], target: Path, cache: Path) -> None:
    """Subset the kit's CJK font to the characters the pages use, as WOFF (cached by character set)."""
    chars = set("".join(p.read_text(encoding="utf-8") for p in pages))
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    text = "".join(sorted(chars))
    key = hashlib.sha256(text.encode()).hexdigest()[:20]
    cached = cache / f"font.{key}.woff"
    if not cached.exists():
        from fontTools import subset

        from opskit.viz.theme import font_path

        options = subset.Options()
        options.flavor = "woff"
        font = subset.load_font(str(font_path()), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        for stale in cache.glob("font.*.woff"):
            stale.unlink()
        partial = cached.with_suffix(".partial")
        subset.save_font(font, str(partial), options)
        partial.replace(cached)
    shutil.copy(cached, target)
