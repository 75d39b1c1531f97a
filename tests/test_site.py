"""The course site: one page per chapter plus an index, moved into place only when complete."""

import shutil

import pytest

from opskit.course import chapters, site
from opskit.errors import OpskitError


@pytest.fixture
def stored_execution(monkeypatch):
    """Use the committed, already executed notebooks instead of executing them again."""
    monkeypatch.setattr(site, "execute", lambda notebook, output: shutil.copy(notebook, output))


def test_site_lists_every_chapter(stored_execution, tmp_path):
    index = site.build_site(tmp_path / "html")
    page = index.read_text(encoding="utf-8")
    for ch in chapters.CHAPTERS:
        assert f'href="{ch.stem}.html"' in page and ch.title in page
        assert (index.parent / f"{ch.stem}.html").stat().st_size > 10_000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site-")]


def test_failed_build_keeps_the_previous_site(monkeypatch, tmp_path):
    out = tmp_path / "html"
    out.mkdir()
    (out / "index.html").write_text("old", encoding="utf-8")

    def boom(notebook, output):
        raise RuntimeError("kernel died")

    monkeypatch.setattr(site, "execute", boom)
    with pytest.raises(RuntimeError):
        site.build_site(out)
    assert (out / "index.html").read_text(encoding="utf-8") == "old"


@pytest.mark.parametrize("key", ["00", "0", "00_overview", " 00 "])
def test_find_chapter_by_number_or_stem(key):
    assert chapters.find(key).stem == "00_overview"


def test_unknown_chapter_is_explained():
    with pytest.raises(OpskitError, match="找不到章节"):
        chapters.find("42")
