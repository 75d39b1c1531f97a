"""Small helpers every chapter notebook uses: set-up, skipping sections, computed narrative."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from opskit.data import schema
from opskit.data.dataset import Dataset


def setup() -> None:
    """Apply the plotting theme and the display options shared by all chapters."""
    from opskit.viz import set_theme

    set_theme()
    pd.set_option("display.max_rows", 30)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.width", 120)
    pd.set_option("display.float_format", lambda v: f"{v:,.4g}")
    _show_missing_as_dash()


#: A table cell that pandas renders for a missing value (NaN, <NA>, NaT, None).
_MISSING_CELL = re.compile(r"(<td[^>]*>)(?:NaN|nan|&lt;NA&gt;|NaT|None)(</td>)")
MISSING_MARK = "—"


def _show_missing_as_dash() -> None:
    """Show missing values in displayed tables as 「—」 instead of raw NaN (the data are unchanged).

    Registered as IPython's HTML formatter for DataFrames, so every table a chapter displays, with
    ``display`` or as a cell's result, reads the same; outside IPython nothing changes."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _html_with_dash)


def _html_with_dash(frame: pd.DataFrame) -> str | None:
    page = frame._repr_html_()
    return None if page is None else _MISSING_CELL.sub(rf"\1{MISSING_MARK}\2", page)


def md(text: str) -> None:
    """Show Markdown computed from the data (findings are never typed in by hand)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def needs(data: Dataset, *tables: str) -> bool:
    """True if ``data`` has every table; otherwise show a skip note and return False.

    Use it to guard a section, so a rerun on company data without, say, an events table
    skips that section instead of failing::

        if needs(data, "events"):
            ...
    """
    missing = data.missing(*tables)
    if missing:
        names = "、".join(f"{t}（{schema.TABLES[t].label}）" for t in missing)
        md(f"> **跳过：缺少表 {names}**。本节需要这些表；提供相应文件后重新运行即可。")
        return False
    return True


def enough(data: Dataset, chapter: str, key: str, as_of=None) -> bool:
    """True if ``data`` has the minimum declared under ``key`` for ``chapter`` in the registry;
    otherwise show a 跳过 note with the reason and return False.

    The minimum (months of history, repeat buyers, positive amounts ...) is declared once in
    :mod:`opskit.course.chapters`, so ``opskit validate`` lists exactly the parts skipped here::

        if enough(data, "03", "yoy", as_of):
            ...
    """
    from opskit.course.chapters import find

    minimum = find(chapter).minimum(key)
    reason = minimum.shortfall(data, as_of)
    if reason:
        md(f"> **跳过：数据不足**（{minimum.part}）——{reason}。提供更长、更多的数据后重新运行即可。")
        return False
    return True


def data_header(data: Dataset, tables: tuple[str, ...] = ("users", "orders")) -> pd.DataFrame:
    """A table of the data behind this run: source, rows and date range of each table present."""
    from opskit.course.report import describe_data

    return describe_data({name: data[name] for name in tables if data.has(name)})


#: Set by ``opskit run``: folder where key tables are collected for the report's Excel workbook.
REPORT_TABLES_ENV = "OPSKIT_REPORT_TABLES"
_report_count = 0


def report_table(title: str, frame: pd.DataFrame, show: bool = True) -> pd.DataFrame:
    """Show a key table and, during ``opskit run``, collect it for the report's Excel workbook.

    Call it for the one to three tables of a section that a manager would want to keep
    (segment sizes, the channel matrix, the list of users to act on...).
    """
    global _report_count
    folder = os.environ.get(REPORT_TABLES_ENV)
    if folder:
        _report_count += 1
        safe = re.sub(r"[\\/:*?\[\]]", "_", title)[:60]
        frame.to_pickle(Path(folder) / f"{_report_count:03d}_{safe}.pkl")
    if show:
        from IPython.display import display

        display(frame)
    return frame


def show_sql(name: str, dialect: str = "duckdb", **params) -> str:
    """Show the named query behind a metric, in ``dialect`` (duckdb, spark, hive, clickhouse, mysql,
    postgres), with ``params`` inlined; the same text as ``opskit sql NAME --dialect …``.

    A dialect that cannot express the query shows the reason instead. Returns the text shown."""
    from IPython.display import Markdown, display

    from opskit.data import dialects

    try:
        text = dialects.render(name, dialect, params)
    except dialects.UnsupportedDialect as err:
        md(f"> {err}")
        return str(err)
    display(Markdown(f"```sql\n{text}```"))
    return text
