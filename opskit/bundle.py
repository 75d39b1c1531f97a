"""Where the course material lives: the git checkout, or the copy shipped inside the wheel.

A checkout (``pyproject.toml`` beside the package, as with ``pip install -e .``) uses its own
``notebooks/``, ``exercises/`` and ``datasets/``. An installed wheel carries a copy of them under
``opskit/_bundle/`` (written by ``setup.py`` at build time: notebooks without their stored outputs,
the learner copies of the exercises, the demo CSVs and their data card), so ``opskit run 00`` and
``opskit.load_demo()`` work without a checkout.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent
SHIPPED = PACKAGE / "_bundle"


def _root() -> Path:
    if (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "notebooks").is_dir():
        return CHECKOUT
    return SHIPPED


#: The folder holding ``notebooks/``, ``exercises/`` and ``datasets/``.
ROOT = _root()
