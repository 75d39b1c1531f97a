"""The course site: two parts, navigation on every page, a local CJK web font, no external request,
cached execution, moved into place only when complete."""

import re
import shutil

import pytest

from opskit.course import chapters, site
from opskit.errors import OpskitError


@pytest.fixture
def stored_execution(monkeypatch):
    """Use the committed, already executed notebooks instead of executing them again."""
    calls = []

    def copy(notebook, output, **_):
        calls.append(notebook)
        shutil.copy(notebook, output)

    monkeypatch.setattr(site, "execute", copy)
    return calls


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One site built from the stored notebooks, shared by the page tests."""
    mp = pytest.MonkeyPatch()
    mp.setattr(site, "execute", lambda notebook, output, **_: shutil.copy(notebook, output))
    try:
        out = tmp_path_factory.mktemp("site")
        index = site.build_site(out / "html", progress=lambda line: None)
    finally:
        mp.undo()
    return index


def test_index_lists_both_parts_every_chapter_its_sections_and_exercise(built):
    page = built.read_text(encoding="utf-8")
    assert "第一部分" in page
    for ch in chapters.CHAPTERS:
        assert f'href="{ch.stem}.html"' in page and ch.title in page
        assert all(s.title in page for s in ch.sections)
        assert (built.parent / f"{ch.stem}.html").stat().st_size > 10_000
        if ch.exercise.exists():
            assert f'href="exercises/{ch.stem}.html"' in page
            assert (built.parent / "exercises" / f"{ch.stem}.html").exists()


def test_every_page_has_navigation_a_chinese_title_and_no_external_resource(built):
    registry = list(chapters.CHAPTERS)
    for i, ch in enumerate(registry):
        page = (built.parent / f"{ch.stem}.html").read_text(encoding="utf-8")
        assert f"<title>第 {ch.number} 章 {ch.title}" in page
        assert 'href="index.html"' in page
        if i > 0:
            assert f'href="{registry[i - 1].stem}.html"' in page
        if i + 1 < len(registry):
            assert f'href="{registry[i + 1].stem}.html"' in page
        assert "_static/site.css" in page
        # no script, stylesheet or font from another host (URLs inside CSS comments are text)
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)
        assert "application/vnd.jupyter.widget-view+json" not in page


def test_the_font_is_shipped_and_covers_every_character_of_the_pages(built):
    from fontTools.ttLib import TTFont

    font = built.parent / "_static" / "fonts" / site.FONT_FILE
    cmap = TTFont(str(font)).getBestCmap()
    text = "".join(p.read_text(encoding="utf-8") for p in built.parent.rglob("*.html"))
    missing = {ch for ch in set(text) if "\u4e00" <= ch <= "\u9fff" and ord(ch) not in cmap}
    assert not missing


def test_a_second_build_reuses_the_cache(stored_execution, tmp_path):
    site.build_site(tmp_path / "html", progress=lambda line: None)
    first = len(stored_execution)
    lines = []
    site.build_site(tmp_path / "html", progress=lines.append)
    assert first == len(chapters.CHAPTERS) and len(stored_execution) == first
    assert all("使用缓存" in line for line in lines)


def test_failed_build_keeps_the_previous_site(monkeypatch, tmp_path):
    out = tmp_path / "html"
    out.mkdir()
    (out / "index.html").write_text("old", encoding="utf-8")

    def boom(notebook, output, **_):
        raise RuntimeError("kernel died")

    monkeypatch.setattr(site, "execute", boom)
    with pytest.raises(RuntimeError):
        site.build_site(out, progress=lambda line: None)
    assert (out / "index.html").read_text(encoding="utf-8") == "old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site-")]


def test_widget_outputs_become_their_static_summary():
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("canvas")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        site.WIDGET_MIME: {"model_id": "x"}, "text/plain": "VBox()"})]
    nb.cells.append(cell)
    out = site.static_widgets(nb)
    assert out.cells[0].outputs[0]["data"] == {"text/html": site.WIDGET_NOTE}
    assert site.WIDGET_MIME in nb.cells[0].outputs[0]["data"]


@pytest.mark.parametrize("key", ["00", "0", "00_overview", " 00 "])
def test_find_chapter_by_number_or_stem(key):
    assert chapters.find(key).stem == "00_overview"


def test_unknown_chapter_is_explained():
    with pytest.raises(OpskitError, match="找不到章节"):
        chapters.find("42")


def test_site_in_a_real_browser_renders_chinese_with_the_shipped_font_and_navigates(built):
    from browser import local_page, screenshot, serve

    with serve(built.parent) as base, local_page() as page:
        page.goto(f"{base}/index.html")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.fonts.check('16px OpskitCJK', '精细化运营')")
        assert page.evaluate("[...document.fonts].some(f => f.family.includes('OpskitCJK') && f.status === 'loaded')")
        assert "OpskitCJK" in page.evaluate("getComputedStyle(document.body).fontFamily")
        screenshot(page, "site-index")
        first = chapters.CHAPTERS[0]
        page.click(f'a[href="{first.stem}.html"]')
        page.wait_for_load_state("networkidle")
        assert page.title().startswith(f"第 {first.number} 章")
        assert page.evaluate("[...document.fonts].some(f => f.family.includes('OpskitCJK') && f.status === 'loaded')")
        screenshot(page, "site-chapter")
        page.click(".opskit-nav-top a.opskit-next")
        page.wait_for_load_state("networkidle")
        assert page.title().startswith(f"第 {chapters.CHAPTERS[1].number} 章")
        page.click(".opskit-nav-top a.opskit-home")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/index.html")
        assert page.blocked == []


def test_links_between_notebooks_point_at_site_pages(built):
    page = (built.parent / "00_overview.html").read_text(encoding="utf-8")
    assert 'href="exercises/00_overview.html"' in page and ".ipynb\"" not in page
    assert site.site_links('<a href="../notebooks/01_data_system.ipynb#x">', "../") == \
        '<a href="../01_data_system.html#x">'


def test_second_build_reuses_executed_notebooks_and_rendered_pages(monkeypatch, tmp_path, stored_execution):
    monkeypatch.setattr(chapters, "CHAPTERS", chapters.CHAPTERS[:2])
    rendered = []
    real = site.render
    monkeypatch.setattr(site, "render", lambda nb, nav: rendered.append(nav["title"]) or real(nb, nav))
    site.build_site(tmp_path / "html", progress=lambda line: None)
    first = len(rendered)
    site.build_site(tmp_path / "html", progress=lambda line: None)
    assert first == 4 and len(rendered) == first, "the second build re-rendered pages"
    assert len(stored_execution) == 2, "the second build re-executed chapters"
    assert (tmp_path / "html" / "exercises" / f"{chapters.CHAPTERS[0].stem}.html").exists()
