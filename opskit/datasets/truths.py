"""The planted truths of the simulated company, gathered from every part."""

from __future__ import annotations

from opskit.datasets import acquisition, behaviour, experiments, purchases
from opskit.datasets.world import peripheral_modules

CORE_PARTS = {"acquisition": acquisition, "purchases": purchases, "behaviour": behaviour,
              "experiments": experiments}


def collect_truths() -> dict[str, dict[str, object]]:
    """Each part's ``TRUTHS`` under the part's module name."""
    parts = {**CORE_PARTS, **peripheral_modules()}
    return {name: dict(module.TRUTHS) for name, module in parts.items()}


TRUTHS: dict[str, dict[str, object]] = collect_truths()
