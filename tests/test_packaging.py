"""The two dependency lists stay in sync, and the set-up files exist as the README promises."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = [req for reqs in project["optional-dependencies"].values() for req in reqs]
    return set(project["dependencies"]) | set(extras)


#: pip name -> conda-forge name, where they differ.
CONDA_NAMES = {"duckdb": "python-duckdb", "matplotlib": "matplotlib-base"}


def _environment_requirements() -> set[str]:
    """environment.yml's requirements in pip spelling: conda-forge packages (named back to pip) and the pip block."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_names = {conda: pip for pip, conda in CONDA_NAMES.items()}
    renamed = set()
    for dep in (d for d in env["dependencies"] if isinstance(d, str)):
        name = re.split(r"[<>=!]", dep, maxsplit=1)[0]
        if name not in ("python", "pip"):
            renamed.add(pip_names.get(name, name) + dep[len(name):])
    pip_block = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    return renamed | {req for req in pip_block if not req.startswith("-e")}


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    in_pyproject, in_env = _pyproject_requirements(), _environment_requirements()
    # conda-forge carries python-duckdb, matplotlib-base ... (spelled back to pip names above); pip
    # installs only what conda-forge lacks, and the test extra's browser driver is on conda-forge too.
    assert in_pyproject == in_env, (
        f"only in pyproject.toml: {sorted(in_pyproject - in_env)}; "
        f"only in environment.yml: {sorted(in_env - in_pyproject)}"
    )


def test_environment_yml_pins_the_same_python_floor():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f"python{project['requires-python']}" in env["dependencies"]


def test_ci_calls_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make run" in readme
    assert "make test" in ci.splitlines()[-1]


def test_jupyterlab_defaults_to_chinese():
    overrides = yaml.safe_load((ROOT / "etc" / "jupyterlab-overrides.json").read_text(encoding="utf-8"))
    assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "zh_CN"
    import importlib.util

    assert importlib.util.find_spec("jupyterlab_language_pack_zh_CN") is not None


def test_readme_lists_every_chapter():
    from opskit.course.chapters import CHAPTERS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for chapter in CHAPTERS:
        assert f"notebooks/{chapter.stem}.ipynb" in readme, chapter.stem


def test_code_passes_ruff():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        pytest.skip("ruff is not installed in this environment")
    done = subprocess.run([ruff, "check", "opskit", "tests", "benchmarks", "datasets"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_metadata_is_true_licence_present_and_package_data_exists():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT" and project["project"]["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    for package, patterns in project["tool"]["setuptools"]["package-data"].items():
        for pattern in patterns:
            assert list((ROOT / package).glob(pattern)), f"package data {package}/{pattern} matches no file"
