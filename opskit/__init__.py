"""opskit: the methods, data and runner of the 精细化运营 course kit."""

__version__ = "0.1.0"
