"""Build hook: ship the course material inside the wheel (metadata lives in pyproject.toml).

The wheel gets ``opskit/_bundle/`` with the chapter notebooks (stored outputs removed: a rerun
executes them anyway, and the outputs' images would triple the wheel), the learner copies of the
exercises, and the demo data with its card, so an installed kit runs without a git checkout
(``opskit.bundle`` finds either). Editable installs use the checkout itself and copy nothing.
"""

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _strip_outputs(source: Path, target: Path) -> None:
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    notebook["metadata"].pop("widgets", None)
    target.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


class BuildWithCourse(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False) or not (HERE / "notebooks").is_dir():
            return
        bundle = Path(self.build_lib) / "opskit" / "_bundle"
        shutil.rmtree(bundle, ignore_errors=True)
        for folder in ("notebooks", "exercises"):
            (bundle / folder).mkdir(parents=True)
            for notebook in sorted((HERE / folder).glob("*.ipynb")):
                _strip_outputs(notebook, bundle / folder / notebook.name)
        (bundle / "datasets").mkdir()
        for path in sorted((HERE / "datasets").glob("*.csv")) + [HERE / "datasets" / "README.md"]:
            shutil.copy2(path, bundle / "datasets" / path.name)


setup(cmdclass={"build_py": BuildWithCourse})
