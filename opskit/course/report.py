"""What a rerun on company data hands to a manager: a header, the key tables as Excel, pseudonyms.

- :func:`describe_data` and :func:`header_markdown` state the data source, row counts, date
  ranges, rows dropped per reason and the run time; :func:`inject_header` puts that at the top
  of the executed notebook (and so of the HTML report).
- :func:`write_workbook` writes the key tables collected by :func:`opskit.course.notebook.report_table`
  to one workbook, after a first sheet 「说明」 with the same header.
- :func:`pseudonymize` replaces user ids (``user_id``, ``inviter_id``, ``referrer_user_id`` ...) by
  a stable salted hash written as text (``P`` and 20 digits at most), so joins still work.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from opskit.data import schema

#: Set by ``opskit run --pseudonymize`` for the kernel: the 16-character hash key.
PSEUDONYM_ENV = "OPSKIT_PSEUDONYM_KEY"
#: Salt file kept in the output folder so that pseudonyms stay the same across reruns.
SALT_FILE = ".opskit-salt"
EXCEL_MAX_ROWS = 1_048_575  # one row is the header
SHEET_MAX = 31
_SHEET_BAD = re.compile(r"[\\/:*?\[\]]")


def hash_key(salt: str) -> str:
    """The 16-character key that :func:`pseudonymize` uses for a salt."""
    return hashlib.sha256(salt.encode("utf-8")).hexdigest()[:16]


def salt_for(out_dir: Path) -> str:
    """The salt kept in ``out_dir`` (created once, so reruns into the same folder give the same ids)."""
    path = Path(out_dir) / SALT_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    salt = secrets.token_hex(16)
    staged = path.with_name(path.name + ".tmp")
    staged.write_text(salt, encoding="utf-8")
    staged.replace(path)
    return salt


def is_user_column(name) -> bool:
    """Columns holding user ids: the contracts' user-id columns (``user_id``, ``inviter_id``,
    ``referrer_user_id`` ...), other names ending in ``_user_id``, and the label 用户ID."""
    return isinstance(name, str) and (name in schema.user_id_columns() or name.endswith("_user_id")
                                      or name == "用户ID")


def _pseudonyms(values, key: str) -> pd.Series:
    """Salted 64-bit hashes of the ids' text as ``P<digits>`` strings (nulls stay null).

    The id is hashed as text, so ``00123`` and ``123`` stay two customers.
    """
    series = pd.Series(values)
    text = series.astype(schema.ID_DTYPE)
    missing = text.isna().to_numpy()
    hashed = pd.util.hash_array(np.asarray(text.fillna("").to_numpy(), dtype=object),
                                hash_key=key, categorize=True)
    digits = pc.cast(pa.array(hashed, mask=missing), pa.string())
    return pd.Series(pc.binary_join_element_wise("P", digits, ""), index=series.index,
                     dtype=schema.ID_DTYPE)


def pseudonymize(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """A copy of ``frame`` with every user-id column (and a user-id index) replaced by a salted hash.

    Pseudonyms are text, like every id. The same id and key always give the same pseudonym, so
    tables can still be joined; without the key the original id cannot be recovered from it.
    """
    out = frame.copy()
    for col in out.columns:
        if is_user_column(col):
            out[col] = _pseudonyms(out[col], key)
    if isinstance(out.index, pd.MultiIndex):
        if any(is_user_column(n) for n in out.index.names):
            levels = [pd.Index(_pseudonyms(out.index.get_level_values(i), key).to_numpy()) if is_user_column(n)
                      else out.index.get_level_values(i) for i, n in enumerate(out.index.names)]
            out.index = pd.MultiIndex.from_arrays(levels, names=out.index.names)
    elif is_user_column(out.index.name):
        out.index = pd.Index(_pseudonyms(out.index, key).to_numpy(), name=out.index.name)
    return out


def describe_data(tables: dict[str, pd.DataFrame], dropped: dict[str, dict[str, int]] | None = None) -> pd.DataFrame:
    """One row per table: rows read, date range of its first time column and, when ``dropped`` is
    given, the rows dropped per reason. Used by the report header and by chapters' data header."""
    rows = []
    for name, frame in tables.items():
        contract = schema.TABLES[name]
        times = [c.name for c in contract.columns if c.dtype in ("datetime", "date") and c.name in frame]
        first = frame[times[0]].min() if times else pd.NaT
        last = frame[times[0]].max() if times else pd.NaT
        row = {
            "表": f"{name}（{contract.label}）",
            "行数": len(frame),
            "起始": "" if pd.isna(first) else f"{first:%Y-%m-%d}",
            "截止": "" if pd.isna(last) else f"{last:%Y-%m-%d}",
        }
        if dropped is not None:
            gone = dropped.get(name, {})
            row["丢弃的无效行"] = "；".join(f"{reason} {n:,} 行" for reason, n in gone.items()) or "无"
        rows.append(row)
    return pd.DataFrame(rows)


def file_name(path: str) -> str:
    """A path as its last part (folder or file name): reports never show absolute local paths."""
    return re.split(r"[\\/]", path.rstrip("\\/"))[-1] if path else path


def header_lines(source: str, column_map: str, started: datetime, chapter: str,
                 pseudonymized: bool, drop_invalid: bool,
                 synthetic: dict[str, list[str]] | None = None) -> list[tuple[str, str]]:
    """The key facts of a run as (label, value) pairs, for the report header and the 说明 sheet.

    ``synthetic`` names, per table, the id columns the file did not have (e.g. an orders export
    without an order id: one order per row), so the reader of the report knows."""
    made = [("订单ID", "文件中没有订单ID列：每行视为一笔订单，按记录序号编号（R1、R2……）")
            if (table, col) == ("orders", "order_id") else
            (f"{table}.{col}", "文件中没有这一列：每行按记录序号编号")
            for table, cols in (synthetic or {}).items() for col in cols]
    return [
        ("章节", chapter),
        ("数据来源", source),
        ("列映射", column_map or "无（文件使用标准列名）"),
        *made,
        ("运行时间", f"{started:%Y-%m-%d %H:%M:%S}"),
        ("无效行", "已丢弃（--drop-invalid），丢弃行数见下表" if drop_invalid else "不允许（遇到即停止）"),
        ("用户ID", "已假名化（--pseudonymize）：所有表中的用户ID已替换为加盐哈希值" if pseudonymized else "原样显示"),
    ]


def header_markdown(facts: list[tuple[str, str]], summary: pd.DataFrame) -> str:
    """The Markdown header put at the top of a rerun's report."""
    lines = ["## 报告说明", ""]
    lines += [f"- **{label}**：{value}" for label, value in facts]
    lines += ["", "| " + " | ".join(summary.columns) + " |", "|" + "---|" * len(summary.columns)]
    for row in summary.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:,}" if isinstance(v, (int, np.integer)) else str(v)
                                       for v in row) + " |")
    return "\n".join(lines)


def inject_header(notebook: Path, markdown: str) -> None:
    """Insert ``markdown`` as the first cell of an executed notebook (in place)."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(markdown, metadata={"tags": ["opskit-report-header"]}))
    nbformat.write(nb, str(notebook))


def sheet_names(titles: list[str]) -> list[str]:
    """Valid, unique Excel sheet names (≤ 31 characters, no ``\\/:*?[]``) for ``titles``."""
    names, seen = [], {"说明"}
    for title in titles:
        base = _SHEET_BAD.sub("_", str(title)).strip("' ") or "表"
        name, n = base[:SHEET_MAX], 1
        while name in seen:
            n += 1
            suffix = f"_{n}"
            name = base[:SHEET_MAX - len(suffix)] + suffix
        seen.add(name)
        names.append(name)
    return names


def collected_tables(folder: Path) -> list[tuple[str, pd.DataFrame]]:
    """The key tables pickled by :func:`opskit.course.notebook.report_table`, in the order they were shown."""
    tables = []
    for path in sorted(Path(folder).glob("*.pkl")):
        title = path.stem.split("_", 1)[1] if "_" in path.stem else path.stem
        tables.append((title, pd.read_pickle(path)))
    return tables


#: Sheet added when a chapter collected no key table on the data given (see :func:`monthly_kpis`).
KPI_SHEET = "月度核心指标"


def monthly_kpis(frames: dict[str, pd.DataFrame], as_of: str | None = None) -> pd.DataFrame | None:
    """The monthly order KPIs of the data in scope (orders, buyers, GMV, AOV, new and repeat buyers;
    ``metrics.kpis``), for the workbook of a run whose chapter collected no key table (e.g. chapter 00
    on an orders export alone); None without orders."""
    from opskit import metrics

    orders, users = frames.get("orders"), frames.get("users")
    if orders is None or orders.empty:
        return None
    if as_of:
        orders = orders.loc[orders["order_time"] < pd.Timestamp(as_of)]
        users = None if users is None else users.loc[users["register_time"] < pd.Timestamp(as_of)]
    table = metrics.kpis(orders, users)
    table.index = table.index.strftime("%Y-%m")
    return table


def write_workbook(path: Path, facts: list[tuple[str, str]], summary: pd.DataFrame,
                   tables: list[tuple[str, pd.DataFrame]]) -> None:
    """Write the 说明 sheet (facts, data summary, list of sheets) and one sheet per key table.

    Headers are Chinese (glossary), numbers formatted (thousands, two decimals, shares as %), dates
    as dates, columns as wide as their content, the header row frozen. A table longer than Excel's
    limit is split over several sheets (「… (2)」), and the 说明 sheet says so."""
    sheets, rows = [], []
    for title, frame in tables:
        frame = excel_ready(frame)
        parts = max(1, -(-len(frame) // EXCEL_MAX_ROWS))
        note = f"{len(frame):,} 行" + (f"，超过 Excel 单表上限，分成 {parts} 张表" if parts > 1 else "")
        if title == KPI_SHEET:
            note = "本章在这份数据上没有生成关键表（所需的表缺失，相应小节已跳过），附上数据的月度核心指标；" + note
        for part in range(parts):
            sheets.append((title if parts == 1 else f"{title} ({part + 1})",
                           frame.iloc[part * EXCEL_MAX_ROWS:(part + 1) * EXCEL_MAX_ROWS]))
            rows.append((title, note))
    names = sheet_names([t for t, _ in sheets])
    notes = pd.DataFrame(facts, columns=["项目", "内容"])
    listing = pd.DataFrame([(n, *row) for n, row in zip(names, rows)] or
                           [("—", "本次运行没有关键表（所需的表缺失，相应小节已跳过）", "")],
                           columns=["工作表", "关键表", "说明"])
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        notes.to_excel(writer, sheet_name="说明", index=False)
        summary.to_excel(writer, sheet_name="说明", index=False, startrow=len(notes) + 2)
        listing.to_excel(writer, sheet_name="说明", index=False, startrow=len(notes) + len(summary) + 5)
        _format_sheet(writer.sheets["说明"], header_rows=(), index_cols=0)
        for name, (_, frame) in zip(names, sheets):
            keep_index = not isinstance(frame.index, pd.RangeIndex)
            frame.to_excel(writer, sheet_name=name, index=keep_index)
            _format_sheet(writer.sheets[name], header_rows=(1,), index_cols=frame.index.nlevels if keep_index else 0)


def excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy Excel can hold, with Chinese headers: time zones dropped, nested column labels joined
    with 「 · 」, glossary labels for columns and index names."""
    from opskit.viz.glossary import zh

    out = frame.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" · ".join(str(x) for x in col if str(x)) for col in out.columns]
    out.columns = [str(c) if not isinstance(c, str) else c for c in out.columns]
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_localize(None)
    if isinstance(out.index, pd.DatetimeIndex) and out.index.tz is not None:
        out.index = out.index.tz_localize(None)
    return zh(out)


_SHARE = re.compile(r"(率|占比|比例|份额|share|rate|pct|percent)", re.I)


def _format_sheet(ws, header_rows=(1,), index_cols: int = 0) -> None:
    """Number formats, widths from the content (CJK counts double), frozen header (and index)."""
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    headers = {c.column: str(c.value or "") for c in ws[1]} if header_rows else {}
    largest: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, float | int) and not isinstance(cell.value, bool):
                largest[cell.column] = max(largest.get(cell.column, 0.0), abs(cell.value))
    shares = {c for c, top in largest.items() if _SHARE.search(headers.get(c, "")) and top <= 1.5}
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if value is None:
                continue
            if isinstance(value, bool):
                pass
            elif isinstance(value, int):
                cell.number_format = "#,##0"
            elif isinstance(value, float):
                cell.number_format = "0.0%" if cell.column in shares else (
                    "#,##0.00" if abs(value) < 1e15 else "0.00E+00")
            elif isinstance(value, datetime):
                midnight = (value.hour, value.minute, value.second) == (0, 0, 0)
                cell.number_format = "yyyy-mm-dd" if midnight else "yyyy-mm-dd hh:mm"
            if isinstance(value, float):
                shown = len(f"{value:,.2f}")
            elif isinstance(value, datetime):
                shown = len(f"{value:%Y-%m-%d %H:%M}") if cell.number_format.endswith("mm") else 10
            else:
                shown = _text_width(str(value))
            widths[cell.column] = max(widths.get(cell.column, 0), shown)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)
    if header_rows:
        ws.freeze_panes = ws.cell(row=max(header_rows) + 1, column=index_cols + 1)


def _text_width(text: str) -> int:
    return max((sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in text.splitlines()), default=0)
