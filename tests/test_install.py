"""The built wheel installs into a fresh venv and works without a checkout: the light analysis
install (``opskit``) and the course environment (``opskit[course]``).

The wheel is built once per session; pip's cache is reused, so after the first run the installs
only unpack wheels. Skipped when the package index cannot be reached, or with OPSKIT_SKIP_INSTALL=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The wheel carries the notebooks (without stored outputs) and the demo data: keep it small.
MAX_WHEEL_MB = 8
OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "No matching distribution",
           "Could not find a version")

pytestmark = pytest.mark.skipif(bool(os.environ.get("OPSKIT_SKIP_INSTALL")), reason="OPSKIT_SKIP_INSTALL is set")


def _run(*args, cwd=None, timeout=900):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source") / "opskit"
    # Build from a clean copy of the tracked files, as a fresh clone would (no stale build/ folder).
    files = _run("git", "ls-files", "-z", cwd=ROOT).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    done = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source)
    if done.returncode and any(word in done.stderr for word in OFFLINE):
        pytest.skip("the package index cannot be reached")
    assert done.returncode == 0, done.stderr[-3000:]
    return next(out.glob("opskit-*.whl"))


@pytest.fixture(scope="module")
def light_venv(tmp_path_factory, wheel) -> Path:
    """A fresh venv with the light install; the course test then adds ``[course]`` to the same venv
    (installing the shared dependencies twice would double the suite's slowest test)."""
    folder = tmp_path_factory.mktemp("venv")
    made = _run(sys.executable, "-m", "venv", folder)
    assert made.returncode == 0, made.stderr
    seconds = _install(folder, str(wheel))
    print(f"light install: {seconds:.0f} s, {_megabytes(folder):.0f} MB")
    return folder


def _install(venv: Path, target: str) -> float:
    """Install ``target`` into ``venv`` with pip; returns the seconds it took."""
    started = time.perf_counter()
    done = _run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile",
                target, timeout=1800)
    if done.returncode and any(word in done.stderr for word in OFFLINE):
        pytest.skip("the package index cannot be reached")
    assert done.returncode == 0, done.stderr[-3000:]
    return time.perf_counter() - started


def _megabytes(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def test_wheel_ships_the_course_and_stays_small(wheel):
    size = wheel.stat().st_size / 1e6
    print(f"wheel: {wheel.name} {size:.1f} MB")
    assert size < MAX_WHEEL_MB
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("opskit/_bundle/notebooks/00_overview.ipynb", "opskit/_bundle/exercises/00_overview.ipynb",
                   "opskit/_bundle/datasets/orders.csv", "opskit/_bundle/datasets/README.md",
                   "opskit/data/sql/kpis.sql", "opskit/course/site_templates/opskit_report/index.html.j2"):
        assert needed in names, needed
    assert not [n for n in names if "/solutions/" in n], "learners get the exercises, not the solutions"


def test_light_install_runs_a_chapter_and_loads_the_demo(light_venv, tmp_path):
    venv = light_venv
    python, cli = venv / "bin" / "python", venv / "bin" / "opskit"
    elsewhere = tmp_path / "work"  # no checkout in sight
    elsewhere.mkdir()
    assert _run(cli, "--version", cwd=elsewhere).stdout.startswith("opskit ")
    assert _run(python, "-m", "opskit", "--version", cwd=elsewhere).returncode == 0
    demo = _run(python, "-c", "import opskit; t = opskit.load_demo(); print(len(t['orders']), len(t))", cwd=elsewhere)
    assert demo.returncode == 0 and int(demo.stdout.split()[0]) > 1000, demo.stderr
    assert _run(python, "-c", "import jupyterlab", cwd=elsewhere).returncode != 0, "the light install has no JupyterLab"
    run = _run(cli, "run", "00", "--report", "--out", elsewhere / "out", cwd=elsewhere)
    assert run.returncode == 0, run.stderr[-3000:]
    assert {p.name for p in (elsewhere / "out").iterdir()} >= {"00_overview.html", "00_overview.xlsx"}
    assert "without encryption" not in run.stderr


def test_course_install_brings_jupyterlab_in_chinese(light_venv, wheel):
    venv, before = light_venv, _megabytes(light_venv)
    seconds = _install(venv, f"{wheel}[course]")
    print(f"course extra on top of the light install: {seconds:.0f} s, +{_megabytes(venv) - before:.0f} MB")
    python = venv / "bin" / "python"
    done = _run(python, "-c", "import jupyterlab, jupyterlab_language_pack_zh_CN, ipywidgets, opskit; print('ok')")
    assert done.stdout.strip() == "ok", done.stderr
    assert _run(venv / "bin" / "jupyter", "lab", "--version").returncode == 0
    assert _run(venv / "bin" / "voila", "--version").returncode == 0
