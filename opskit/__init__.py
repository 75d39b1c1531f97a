"""opskit: the methods, data and runner of the 精细化运营 course kit."""

__version__ = "0.1.0"


def load_demo(table: str | None = None):
    """The bundled demo data of 鲜选 (see :func:`opskit.sim.load_demo`): one table, or a dict of all."""
    from opskit.sim import load_demo as load

    return load(table)
