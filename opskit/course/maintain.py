"""Maintainer tasks: re-execute the committed notebooks in place and rebuild learner copies.

Run with ``make notebooks`` after changing a chapter, an exercise or the demo data, then commit:
the stored outputs are what nbval compares in the test suite.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat

from opskit.course.chapters import CHAPTERS, EXERCISE_DIR
from opskit.course.exercises import learner_copy
from opskit.course.runner import execute

SOLUTION_DIR = EXERCISE_DIR / "solutions"


def execute_in_place(notebook: Path) -> float:
    """Execute ``notebook`` and overwrite it with its outputs; returns the seconds taken."""
    started = time.perf_counter()
    tmp = notebook.with_suffix(".executing.ipynb")
    execute(notebook, tmp)
    nb = nbformat.read(tmp, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:  # papermill's per-cell timings would change on every run
        cell.metadata.pop("papermill", None)
        cell.metadata.get("execution", {}).clear()
        cell.metadata.pop("execution", None)
    nbformat.write(nb, notebook)
    tmp.unlink()
    return time.perf_counter() - started


def write_learner_copy(solution: Path) -> Path:
    """Write ``exercises/<stem>.ipynb``, the learner's copy of a solution notebook."""
    target = EXERCISE_DIR / solution.name
    nbformat.write(learner_copy(nbformat.read(solution, as_version=4)), target)
    return target


def execute_all() -> None:
    for ch in CHAPTERS:
        print(f"{ch.notebook.name}: {execute_in_place(ch.notebook):.1f} s", flush=True)
    for solution in sorted(SOLUTION_DIR.glob("*.ipynb")):
        print(f"solutions/{solution.name}: {execute_in_place(solution):.1f} s", flush=True)
        write_learner_copy(solution)


def execute_some(paths: list[str]) -> None:
    """Execute the given chapter or solution notebooks in place (and refresh learner copies)."""
    for path in map(Path, paths):
        print(f"{path}: {execute_in_place(path.resolve()):.1f} s", flush=True)
        if path.resolve().parent == SOLUTION_DIR:
            write_learner_copy(path.resolve())


USAGE = """usage: python -m opskit.course.maintain execute-all
       python -m opskit.course.maintain execute NOTEBOOK [NOTEBOOK ...]"""

if __name__ == "__main__":
    if sys.argv[1:2] == ["execute-all"] and len(sys.argv) == 2:
        execute_all()
    elif sys.argv[1:2] == ["execute"] and len(sys.argv) > 2:
        execute_some(sys.argv[2:])
    else:
        sys.exit(USAGE)
