"""The simulated company 鲜选: a fresh-food and daily-goods app, 2024-01-01 to 2026-01-01.

>>> from opskit.sim import simulate, load_demo
>>> world = simulate(n_users=DEMO_N_USERS, seed=DEMO_SEED)   # every table of opskit.data.schema
>>> orders = load_demo("orders")                             # the bundled demo, same dtypes

Behaviour is drawn from the models the course teaches, with planted truths published in
:data:`TRUTHS` and in the data card ``datasets/README.md``.
"""

from __future__ import annotations

import pandas as pd

from opskit.bundle import ROOT
from opskit.data import schema
from opskit.sim.config import DEMO_SEED, WorldConfig, rng_for
from opskit.sim.experiments import true_coupon_uplift
from opskit.sim.tables import read_table, write_world
from opskit.sim.truths import TRUTHS
from opskit.sim.world import DEMO_N_USERS, simulate

#: The bundled demo data: ``datasets/`` of the checkout, or its copy inside an installed wheel.
DEMO_DIR = ROOT / "datasets"


def load_demo(table: str | None = None) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Read the bundled demo data: one table by name, or a dict of every bundled table."""
    if table is not None:
        if table not in schema.TABLES:
            raise KeyError(f"没有这张表：{table}（可用：{', '.join(schema.TABLES)}）")
        return read_table(DEMO_DIR / f"{table}.csv", table)
    return {name: read_table(DEMO_DIR / f"{name}.csv", name)
            for name in schema.TABLES if (DEMO_DIR / f"{name}.csv").exists()}


__all__ = ["DEMO_DIR", "DEMO_N_USERS", "DEMO_SEED", "TRUTHS", "WorldConfig", "load_demo",
           "rng_for", "simulate", "true_coupon_uplift", "write_world"]
