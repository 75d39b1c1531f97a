"""The kit holds two courses: 精细化运营 (part 一, chapters 00–11) and 私域增长 (part 二, 12–17)."""

from pathlib import Path

from opskit.course import chapters

ROOT = Path(__file__).resolve().parents[1]


def test_every_chapter_belongs_to_its_part():
    for ch in chapters.CHAPTERS:
        assert ch.part in chapters.PARTS
        assert ch.part == ("一" if int(ch.number) <= 11 else "二"), ch.stem


def test_readme_course_table_shows_the_two_parts_with_their_chapters():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = [readme.index(f"### 第{part}部分") for part in chapters.PARTS]
    assert headings == sorted(headings)
    for ch in chapters.CHAPTERS:
        row = readme.index(f"| {ch.number} | `notebooks/{ch.stem}.ipynb`")
        own = headings[list(chapters.PARTS).index(ch.part)]
        later = [h for h in headings if h > own]
        assert own < row < (later[0] if later else len(readme)), ch.stem


def test_site_index_groups_chapters_by_part():
    from opskit.course import site

    page = site.index_page(list(chapters.CHAPTERS))
    first, second = page.index("第一部分"), page.index("第二部分")
    for ch in chapters.CHAPTERS:
        position = page.index(f'href="{ch.stem}.html"')
        assert (first < position < second) if ch.part == "一" else (position > second), ch.stem
