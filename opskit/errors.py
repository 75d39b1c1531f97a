"""User-facing errors of the kit.

Every problem a user can fix (bad data, a wrong column map, a missing file) is raised as an
:class:`OpskitError` whose ``str()`` is the complete Chinese message, so the command line and the
notebooks can print it as it is, without a traceback.

:class:`DataError` and :class:`MapError` carry the problem in structured form as well (``file``,
``column``, ``rows``, ``fix``) so that callers can collect them, count them or show them in a table.
"""

from __future__ import annotations

from os import PathLike

__all__ = ["OpskitError", "DataError", "MapError", "ParameterError", "Interrupted"]

#: How many offending line numbers a message shows; the total count is always given.
SHOWN_ROWS = 5


class OpskitError(Exception):
    """Base of every user-facing error; ``str()`` is the full Chinese message."""


class _LocatedError(OpskitError):
    """An error located in a file (and possibly a column and rows), with the fix to apply."""

    title = "问题"

    def __init__(
        self,
        problem: str,
        *,
        file: str | PathLike | None = None,
        column: str | None = None,
        rows: list[int] | None = None,
        fix: str,
        header: str | None = None,
        n_rows: int | None = None,
    ):
        self.problem = problem
        self.file = None if file is None else str(file)
        self.column = column
        self.header = header
        self.rows = [int(r) for r in rows] if rows is not None else None
        self.n_rows = n_rows if n_rows is not None else (len(self.rows) if self.rows else None)
        self.fix = fix
        super().__init__(self._message())

    def __reduce__(self):
        # Exceptions pickle through ``args``; ours are rebuilt from their keyword fields.
        return (_rebuild, (type(self), self.problem, dict(
            file=self.file, column=self.column, rows=self.rows, fix=self.fix,
            header=self.header, n_rows=self.n_rows)))

    def _message(self) -> str:
        lines = [f"{self.title}：{self.problem}"]
        if self.file is not None:
            lines.append(f"文件：{self.file}")
        if self.column is not None:
            lines.append(f"列：{_column_text(self.column, self.header)}")
        if self.rows:
            lines.append(f"行：{rows_text(self.rows, self.n_rows)}")
        lines.append(f"解决办法：{self.fix}")
        return "\n".join(lines)


def _rebuild(cls, problem, fields):
    return cls(problem, **fields)


def _column_text(column: str, header: str | None) -> str:
    if header is None or header == column:
        return column
    return f"{column}（文件中的列名为「{header}」）"


def rows_text(rows: list[int], total: int | None = None) -> str:
    """Chinese text for a list of line numbers: ``第 3、7、12 行（共 3 行）``."""
    total = len(rows) if total is None else total
    shown = "、".join(str(r) for r in rows[:SHOWN_ROWS])
    more = "等" if total > min(len(rows), SHOWN_ROWS) else ""
    return f"第 {shown} 行{more}（共 {total:,} 行）"


class DataError(_LocatedError):
    """A problem in a data file: what is wrong, where (file, column, line numbers) and the fix.

    ``rows`` are line numbers in the file with the header on line 1 (for Parquet, record numbers
    starting at 1); ``n_rows`` is the total number of offending rows when ``rows`` lists only the
    first ones. ``header`` is the column's name in the user's file when it differs from ``column``.
    """

    title = "数据问题"


class ParameterError(OpskitError, ValueError):
    """A parameter value a method cannot work with (``-p active_days=500``): the user can fix it.

    It is also a ``ValueError``, the usual type for a bad argument in Python."""


class Interrupted(BaseException):
    """A run stopped by SIGINT (Ctrl-C) or SIGTERM; ``code`` is the exit code (130 or 143)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.code = 128 + signum


class MapError(_LocatedError):
    """A problem in the column-map YAML file; ``file`` is the map and ``rows`` its line numbers."""

    title = "列映射问题"
