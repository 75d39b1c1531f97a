"""Every chapter follows the template; exercise copies are in sync and fail politely.

Stored outputs of chapters and exercise solutions are compared by nbval (see pytest options in
pyproject.toml), which also executes them.
"""

from pathlib import Path

import nbformat
import pytest

from opskit.course.chapters import CHAPTERS, EXERCISE_DIR, NOTEBOOK_DIR
from opskit.course.exercises import learner_copy

SOLUTIONS = sorted((EXERCISE_DIR / "solutions").glob("*.ipynb"))


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def test_every_notebook_is_registered_and_every_chapter_has_a_notebook():
    on_disk = {p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")}
    assert on_disk == {ch.stem for ch in CHAPTERS}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.stem)
def test_chapter_follows_the_template(chapter):
    nb = _read(chapter.notebook)
    assert chapter.notebook.name.isascii()
    assert nb.metadata["kernelspec"]["name"] == "python3"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# 第 {chapter.number} 章")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("## 学习目标", "## 小结", "## 练习"):
        assert heading in text, f"{chapter.stem} lacks {heading}"
    if chapter.exercise.exists():  # a workshop may have none (CONTRIBUTING.md): its 练习 is the group's export
        assert f"exercises/{chapter.stem}.ipynb" in text
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and params[0].cell_type == "code"
    for name in ("data_dir", "column_map", "drop_invalid"):
        assert f"{name} =" in params[0].source
    for section in chapter.sections:
        # "数据导览：用户与获客" may stand as a sub-heading "用户与获客" under "数据导览".
        assert section.title.split("：")[-1] in text, f"section {section.title!r} missing from {chapter.stem}"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None, "commit chapters executed (make notebooks)"
            assert not any(o.get("output_type") == "error" for o in cell.outputs)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.stem)
def test_chapter_plots_have_every_glyph(chapter):
    """Missing glyphs and font fallbacks show up as stderr in the stored outputs."""
    streams = "".join(o.get("text", "") for c in _read(chapter.notebook).cells if c.cell_type == "code"
                      for o in c.outputs if o.get("output_type") == "stream")
    for symptom in ("missing from font", "Glyph", "findfont"):
        assert symptom not in streams
    images = [o for c in _read(chapter.notebook).cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) >= 3, "a chapter shows its analysis with real charts"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.stem)
def test_papermill_sees_every_parameter(chapter):
    """papermill skips a parameter line it cannot parse (e.g. an '=' in its comment), and then
    `opskit run -p NAME=...` would refuse that parameter."""
    import papermill

    params = [c for c in _read(chapter.notebook).cells if "parameters" in c.metadata.get("tags", [])][0]
    assigned = {line.split("=")[0].strip() for line in params.source.splitlines()
                if "=" in line.split("#")[0]}
    assert set(papermill.inspect_notebook(str(chapter.notebook))) == assigned


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.stem)
def test_chapter_has_an_exercise_with_a_solution(chapter):
    if "workshop" in chapter.stem and not chapter.exercise.exists():
        pytest.skip("workshops have no exercise (CONTRIBUTING.md): the group's export is the work")
    assert chapter.exercise.exists()
    assert (EXERCISE_DIR / "solutions" / chapter.exercise.name).exists()


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_learner_copy_is_the_stripped_solution(solution):
    expected = learner_copy(_read(solution))
    actual = _read(EXERCISE_DIR / solution.name)
    assert [c.source for c in actual.cells] == [c.source for c in expected.cells], "run make notebooks"
    assert "BEGIN SOLUTION" not in "".join(c.source for c in actual.cells)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_passes_every_check(solution):
    outputs = "".join(o.get("text", "") for c in _read(solution).cells if c.cell_type == "code"
                      for o in c.outputs)
    assert "✅" in outputs and "❌" not in outputs


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_learner_copy_fails_politely(solution, tmp_path):
    from opskit.course.runner import execute

    executed = tmp_path / solution.name
    execute(EXERCISE_DIR / solution.name, executed)  # raises if any cell errors
    nb = _read(executed)
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "还没有作答" in outputs
    assert "✅" not in outputs.replace("✅ 全部", "")
    assert "Traceback" not in outputs
