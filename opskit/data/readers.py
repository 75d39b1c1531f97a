"""Readers that turn a company's export files into the canonical tables of :mod:`opskit.data.schema`.

Exports come as CSV (UTF-8 with or without BOM, UTF-16 from Excel's "Unicode text", GBK/GB18030),
Excel workbooks or Parquet files, usually with Chinese headers and shop-floor formats. The readers
are tolerant where the meaning is clear and strict where it is not:

* tolerant: spaces (also full-width) around headers and values; the Chinese display label of a
  column as its header; amounts such as ``¥1,299.00``, ``￥12``, ``１２３``; dates such as
  ``2024/3/5 14:02``, ``2024年3月5日``, ``20240305``, Excel serial days (Excel files only), Unix
  timestamps; booleans written ``1/0``, ``true/false``, ``是/否``, ``Y/N``; blank lines.
* strict: unparseable values, values below a column's ``min_value``, infinite or absurd amounts
  (over :data:`MONEY_CEILING`), dates before 1970 or after today, duplicates in a ``unique`` column
  and nulls in a non-nullable column raise a :class:`~opskit.errors.DataError` naming the file, the
  column, the first offending line numbers and the fix. With ``drop_invalid=True`` those rows are
  dropped instead and counted in ``df.attrs["dropped"]``. A column that no dropping can repair (all
  empty, all unparseable, an amount that is zero on every row) is always an error.
* ids (``id`` columns) are kept as text, byte for byte: ``00123``, ``C00001``, UUIDs, openids and
  20-digit numbers survive; only surrounding spaces are trimmed. Ids stored as numbers in Parquet
  or Excel become their exact decimal text; ids that a spreadsheet already turned into scientific
  notation (``1.23457E+17``) or into fractions have lost digits and are refused.
* an ``orders`` file without an ``order_id`` column is one order per row: each row gets the
  synthetic id ``R<record number>`` (stable for the same file) and ``attrs["synthetic"]`` names it.

Every conversion works on whole columns (pyarrow and pandas string methods); nothing loops over
rows in Python. Input files are only ever opened for reading.

Line numbers count the header as line 1 and assume one record per line (blank lines skipped by the
reader and quoted line breaks shift them); for Parquet they are record numbers starting at 1.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from opskit.data import schema
from opskit.data.colmap import ColumnMap, TableMap, closest_name, load_column_map
from opskit.errors import DataError, MapError, OpskitError

__all__ = ["locate", "read_table", "load_tables", "LOCAL_TZ", "MONEY_CEILING", "EARLIEST"]

#: Time zone in which timestamps with an offset, and Unix timestamps, are read as wall-clock time.
LOCAL_TZ = "Asia/Shanghai"

#: Suffixes tried, in order, when the column map does not name a table's file.
TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}

#: Cell texts read as missing (Excel, databases, Hive's ``\N``).
NULL_TOKENS = ["", "NULL", "null", "Null", "NA", "N/A", "n/a", "#N/A", "nan", "NaN", "None", "\\N"]

#: Delimiters recognised by sniffing, and characters that betray another one.
DELIMITERS = (",", "\t", ";", "|")
FOREIGN_DELIMITERS = ("，", "；", "、", " ")
DELIMITER_NAMES = {",": "逗号", "\t": "制表符", ";": "分号", "|": "竖线", "，": "中文逗号",
                   "；": "中文分号", "、": "顿号", " ": "空格"}

#: Tables whose dates are plans, which may lie in the future.
PLANNED_TABLES = {"experiments", "campaigns", "campaign_phases"}

SAMPLE_BYTES = 256 * 1024
#: Encoding detection reads the whole file in blocks of this size (a UTF-8 check costs ~1 s a GB)
#: and keeps up to ``NON_ASCII_SAMPLE`` bytes of lines that are not plain ASCII to identify it.
SCAN_BYTES = 16 * 1024 * 1024
NON_ASCII_SAMPLE = 64 * 1024
#: Legacy encodings read as they are (Python codec name -> name shown to the user). charset-normalizer
#: names the family; GB18030 is a superset of GBK and GB2312.
LEGACY_ENCODINGS = {"gb18030": "GBK/GB18030", "big5": "Big5", "cp932": "Shift-JIS"}
_ENCODING_FAMILY = {"gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "hz": "gb18030",
                    "big5": "big5", "cp950": "big5", "big5hkscs": "big5",
                    "shift_jis": "cp932", "cp932": "cp932", "shift_jis_2004": "cp932", "shift_jisx0213": "cp932"}

#: An amount above this (in 元) is a unit or format error (cents read as yuan, a pasted phone
#: number, scientific notation), not a purchase.
MONEY_CEILING = 1e9
#: Timestamps before this are placeholders (0, 1900-01-01, year 1) or typos, not events.
EARLIEST = pd.Timestamp("1970-01-01")
#: Tables without their own id get one per row (record number), so that each row is one entity.
SYNTHETIC_IDS = {"orders": "order_id"}
SHOWN_LINES = 20  # line numbers kept in an error; the message shows the first few

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋％：／　", "0123456789.,-+%:/ ")
_FULL_WIDTH_CHARS = "[０-９．，－＋％：／　]"
_INT_TEXT = r"[+-]?[0-9]+(?:\.0*)?"
_FLOAT_TEXT = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_THOUSANDS_TEXT = r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"
_TZ_SUFFIX = r"(?:Z|[+-][0-9]{2}:?[0-9]{2})$"
_BOOL_WORDS = {
    **dict.fromkeys(["1", "1.0", "true", "t", "yes", "y", "是", "真", "对"], True),
    **dict.fromkeys(["0", "0.0", "false", "f", "no", "n", "否", "假", "错"], False),
}
_KIND = {"int": "整数", "float": "数值", "datetime": "日期时间", "date": "日期", "bool": "是/否值",
         "str": "文本", "id": "ID"}
_DROP_HINT = "或在命令行加 --drop-invalid（Python 中 drop_invalid=True）剔除这些行"


# ---------------------------------------------------------------------------------------------
# Public API


def locate(data_dir: str | PathLike, table: str, colmap: ColumnMap | None = None) -> Path | None:
    """The file that holds ``table`` in ``data_dir``, or ``None`` if there is none.

    The column map's ``file:`` (relative to ``data_dir``) wins; otherwise ``<table>.csv``,
    ``<table>.xlsx`` or ``<table>.parquet`` (case-insensitive). Two candidates raise a
    :class:`DataError`, since either could be the intended one.
    """
    data_dir = Path(data_dir)
    block = colmap.get(table) if colmap is not None else TableMap()
    if block.file:
        path = data_dir / block.file
        return path if path.is_file() else None
    if not data_dir.is_dir():
        return None
    wanted = {f"{table}{suffix}" for suffix in TABLE_SUFFIXES}
    found = sorted(p for p in data_dir.iterdir() if p.name.lower() in wanted and p.is_file())
    if len(found) > 1:
        raise DataError(f"表 {table} 有多个候选文件：{'、'.join(p.name for p in found)}",
                        file=data_dir,
                        fix=f"只保留其中一个，或在列映射文件中用「{table}: file: 文件名」指明要用哪一个")
    return found[0] if found else None


def read_table(
    path: str | PathLike,
    table: str,
    columns: dict[str, str] | TableMap | None = None,
    *,
    drop_invalid: bool = False,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read one export file as the canonical table ``table``.

    Parameters
    ----------
    path : CSV/TSV/TXT, XLSX or Parquet file; the format is taken from the content and the suffix.
    table : canonical table name (see :data:`opskit.data.schema.TABLES`).
    columns : canonical column -> header in the file; an unlisted column is looked up under its
        canonical name, then under its Chinese label. A :class:`~opskit.data.colmap.TableMap` may be
        passed instead, and then also gives the sheet.
    drop_invalid : drop rows with invalid values instead of raising; the number of dropped rows
        per reason is stored in ``df.attrs["dropped"]``.
    sheet : the worksheet to read from a workbook with several sheets.

    Returns
    -------
    DataFrame with the canonical columns present in the file, in contract order and with the
    contract's dtypes (int -> int64 or Int64 when nullable, float -> float64, str -> str,
    datetime -> datetime64, date -> datetime64 at midnight, bool -> bool), followed by the file's
    other columns as read. ``attrs`` holds ``source`` (the path), ``headers`` (canonical -> file
    header) and ``dropped`` (reason -> rows dropped, including blank rows).
    """
    path = Path(path)
    if isinstance(columns, TableMap):
        columns, sheet = columns.columns, sheet or columns.sheet
    contract = _contract(table)
    raw = _read_raw(path, sheet)
    _check_shape(raw, contract)
    headers = _match_headers(raw, contract, columns or {})
    converted = {name: _convert(raw.frame[header], contract.column(name), raw.excel)
                 for name, header in headers.items()}
    _check_whole_columns(raw, contract, headers, converted)
    problems = [p for name, (values, bad) in converted.items()
                for p in _value_problems(raw, contract, name, headers[name], values, bad)]
    if problems and not drop_invalid:
        raise problems[0].error(raw)
    keep = ~_flagged(problems, len(raw.frame))
    unique_problems = [p for name in headers
                       for p in _duplicate_problems(contract.column(name), headers[name],
                                                    converted[name][0], keep)]
    if unique_problems and not drop_invalid:
        raise unique_problems[0].error(raw)
    problems += unique_problems
    keep &= ~_flagged(unique_problems, len(raw.frame))
    if not keep.any():
        raise problems[0].error(raw, every_row=True)
    frame = _assemble(raw, contract, headers, converted, keep)
    synthetic = _add_synthetic_id(frame, raw, contract, headers, keep)
    frame.attrs["source"] = str(path)
    frame.attrs["headers"] = dict(headers)
    frame.attrs["dropped"] = {**raw.dropped, **_drop_counts(problems)}
    frame.attrs["synthetic"] = synthetic
    frame.attrs["encoding"] = raw.encoding
    return frame


def _add_synthetic_id(frame: pd.DataFrame, raw: _Raw, contract: schema.Table, headers: dict,
                      keep: np.ndarray) -> list[str]:
    """Give each row of a table without its own id the id ``R<record number>`` (first column)."""
    name = SYNTHETIC_IDS.get(contract.name)
    if name is None or name in headers:
        return []
    if name in frame.columns:  # an extra column of that name would be confused with the synthetic id
        raise DataError(f"文件中有名为「{name}」的列，但列映射把它排除在外", file=raw.path, column=name,
                        fix=f"在列映射中让 {name} 指向订单ID所在的列，或把文件中的「{name}」列改名")
    records = pa.array(np.asarray(raw.frame.index[keep], dtype=np.int64) + 1)
    ids = pc.binary_join_element_wise("R", pc.cast(records, pa.string()), "")
    frame.insert(0, name, pd.Series(ids, dtype=schema.ID_DTYPE))
    return [name]


def load_tables(
    data_dir: str | PathLike,
    colmap_path: str | PathLike | None = None,
    tables=(),
    optional=(),
    *,
    drop_invalid: bool = False,
) -> dict[str, pd.DataFrame]:
    """Read the required ``tables`` and whichever ``optional`` tables exist in ``data_dir``.

    Every required table must be present; otherwise one :class:`DataError` lists each missing
    table with the file names it was looked for under, before anything is read.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError("数据文件夹不存在", file=data_dir,
                        fix="检查路径；它应是放着导出文件（CSV/Excel/Parquet）的文件夹")
    colmap = load_column_map(colmap_path) if colmap_path else ColumnMap()
    for name in (*tables, *optional):
        _contract(name)
    paths = {name: locate(data_dir, name, colmap) for name in (*tables, *optional)}
    named_but_absent = [n for n in optional if paths[n] is None and colmap.get(n).file]
    missing = [n for n in tables if paths[n] is None] + named_but_absent
    if missing:
        raise DataError(
            "缺少表：" + "、".join(f"{n}（{schema.get(n).label}）" for n in missing),
            file=data_dir,
            fix="在数据文件夹中放入：" + "；".join(_expected_files(n, colmap) for n in missing),
        )
    return {name: read_table(path, name, colmap.get(name), drop_invalid=drop_invalid)
            for name, path in paths.items() if path is not None}


def _expected_files(table: str, colmap: ColumnMap) -> str:
    block = colmap.get(table)
    if block.file:
        return f"{block.file}（列映射文件 {colmap.path} 中 {table}.file 指定的文件）"
    return " 或 ".join(f"{table}{suffix}" for suffix in TABLE_SUFFIXES)


def _contract(table: str) -> schema.Table:
    if table in schema.TABLES:
        return schema.TABLES[table]
    guess = closest_name(table, schema.TABLES)
    hint = f"你是不是想写「{guess}」？" if guess else ""
    raise OpskitError(f"未知的表名「{table}」。\n解决办法：{hint}标准表有：{'、'.join(schema.TABLES)}")


# ---------------------------------------------------------------------------------------------
# Reading a file into a raw frame of text (or typed Parquet) columns


@dataclass
class _Raw:
    """A file as read: normalised headers, original values, and how to name its rows."""

    path: Path
    frame: pd.DataFrame  # index = record position in the file
    first_line: int  # file line of the first record
    excel: bool = False  # numbers in date columns are Excel serial days
    delimiter: str | None = None
    dropped: dict | None = None
    skipped_blank_lines: bool = False  # the reader skipped empty lines, so positions != lines
    encoding: str = ""  # how a CSV file was decoded, as shown to the user

    def lines(self, mask) -> tuple[list[int], int]:
        """The first offending file line numbers and their count."""
        positions = np.asarray(self.frame.index[np.asarray(mask)])
        shown = positions[:SHOWN_LINES]
        if self.skipped_blank_lines:
            return _nonblank_line_numbers(self.path, shown).tolist(), len(positions)
        return (shown + self.first_line).tolist(), len(positions)


def _nonblank_line_numbers(path: Path, positions: np.ndarray) -> np.ndarray:
    """File line numbers of records at ``positions`` when empty lines were skipped.

    Only called to name offending rows; scans the bytes once (a newline byte never occurs inside a
    UTF-8 or GB18030 multi-byte character).
    """
    data = np.fromfile(path, dtype=np.uint8)
    ends = np.flatnonzero(data == ord("\n"))
    if len(data) and data[-1] != ord("\n"):
        ends = np.append(ends, len(data))
    starts = np.r_[0, ends[:-1] + 1]
    length = ends - starts
    carriage = (length > 0) & (data[np.maximum(ends - 1, 0)] == ord("\r"))
    nonblank = np.flatnonzero(length - carriage > 0) + 1
    records = nonblank[1:]  # the first non-blank line is the header
    if len(positions) and positions.max() >= len(records):  # quoted line breaks: best effort
        return positions + 2
    return records[positions]


def _read_raw(path: Path, sheet: str | None) -> _Raw:
    fmt = _file_format(path)
    if fmt == "excel":
        raw = _read_excel(path, sheet)
    elif fmt == "parquet":
        raw = _read_parquet(path)
    else:
        raw = _read_csv(path)
    raw.frame.columns = _normalise_headers(raw.frame.columns)
    raw.frame = _drop_unnamed_empty_columns(raw.frame)
    blank = raw.frame.isna().all(axis=1)
    raw.dropped = {"空行（所有列均为空）": int(blank.sum())} if blank.any() else {}
    raw.frame = raw.frame[~blank]  # the index keeps each record's position for line numbers
    return raw


_MAGIC = {b"PK\x03\x04": "zip", b"PAR1": "parquet", b"\xd0\xcf\x11\xe0": "xls", b"%PDF": "pdf"}


def _file_format(path: Path) -> str:
    if not path.exists():
        raise DataError("文件不存在", file=path, fix=_missing_file_fix(path))
    if path.is_dir():
        raise DataError("这是一个文件夹，不是数据文件", file=path, fix="指向文件夹中的 CSV/Excel/Parquet 文件")
    if path.stat().st_size == 0:
        raise DataError("文件为空（0 字节）", file=path, fix="重新导出数据；导出时确认选中了数据行和表头")
    with path.open("rb") as fh:
        magic = _MAGIC.get(fh.read(4))
    suffix = path.suffix.lower()
    if magic == "xls" or suffix == ".xls":
        raise DataError("这是旧版 Excel（.xls）文件，暂不支持", file=path,
                        fix="在 Excel 中「另存为」.xlsx 或 CSV（UTF-8）后再读取")
    if suffix in EXCEL_SUFFIXES:
        if magic != "zip":
            raise DataError(f"文件扩展名是 {suffix}，但内容不是 Excel 工作簿", file=path,
                            fix="确认文件没有损坏；如果其实是 CSV，请把扩展名改为 .csv")
        return "excel"
    if suffix in PARQUET_SUFFIXES:
        if magic != "parquet":
            raise DataError("文件扩展名是 .parquet，但内容不是 Parquet 文件", file=path,
                            fix="确认文件没有损坏，或按实际格式修改扩展名（.csv / .xlsx）")
        return "parquet"
    if suffix in CSV_SUFFIXES:
        if magic == "zip":
            raise DataError("文件扩展名是 CSV，但内容是 Excel 工作簿或压缩包", file=path,
                            fix="如果是 Excel 文件，把扩展名改为 .xlsx；如果是压缩包，先解压")
        if magic in ("parquet", "pdf"):
            raise DataError(f"文件扩展名是 CSV，但内容是 {magic.upper()} 文件", file=path,
                            fix="按实际格式修改扩展名，或重新导出为 CSV")
        return "csv"
    raise DataError(f"不支持的文件格式「{path.suffix or '无扩展名'}」", file=path,
                    fix="导出为 CSV（.csv/.tsv/.txt）、Excel（.xlsx）或 Parquet（.parquet）文件")


def _missing_file_fix(path: Path) -> str:
    folder = path.parent
    if not folder.is_dir():
        return f"文件夹 {folder} 也不存在：检查路径是否写错"
    near = closest_name(path.name, [p.name for p in folder.iterdir() if p.is_file()], cutoff=0.5)
    hint = f"文件夹中有一个相近的文件「{near}」，是不是它？" if near else ""
    return f"{hint}检查文件名和路径（扩展名也要一致），或在列映射文件中用 file: 指明文件名"


def _normalise_headers(headers) -> list[str]:
    """Trim spaces (also full-width) and BOMs; name empty headers; keep duplicates visible."""
    names = [str(h).replace("\ufeff", "").strip() for h in headers]
    return [name or f"未命名列{i + 1}" for i, name in enumerate(names)]


def _drop_unnamed_empty_columns(frame: pd.DataFrame) -> pd.DataFrame:
    # Trailing delimiters and formatted-but-empty Excel columns give nameless, empty columns.
    empty = frame.isna().all(axis=0).to_numpy()
    unnamed = frame.columns.str.startswith(("未命名列", "Unnamed:"))
    return frame.loc[:, ~(empty & unnamed)] if len(frame) else frame.loc[:, ~unnamed]


# CSV ---------------------------------------------------------------------------------------


def _read_csv(path: Path) -> _Raw:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    encoding, text = _decode_sample(path, sample)
    if not text.strip():
        raise DataError("文件为空（只有空白字符）", file=path, fix="重新导出数据；导出时确认选中了数据行和表头")
    delimiter = _sniff_delimiter(text)
    header = next(csv.reader(text.splitlines()[:1], delimiter=delimiter), [])
    table, multiline = _arrow_csv(path, encoding, delimiter, len(header))
    frame = table.to_pandas()
    frame.columns = header
    shown = {"utf8": "UTF-8", "utf-16": "UTF-16"}.get(encoding) or LEGACY_ENCODINGS[encoding]
    return _Raw(path, frame, first_line=2, delimiter=delimiter,
                skipped_blank_lines=not multiline and encoding != "utf-16", encoding=shown)


def _decode_sample(path: Path, sample: bytes) -> tuple[str, str]:
    """Encoding of a CSV file (pyarrow's name) and the decoded first block.

    UTF-16 is recognised by its BOM. Otherwise the whole file is read once in blocks: if every
    block is valid UTF-8 it is UTF-8. If not, the lines that are not plain ASCII (wherever they are
    in the file, so a GBK file whose first rows are ASCII is still recognised) are handed to
    charset-normalizer: GB18030 (GBK) wins any tie, since it is what Chinese back offices export;
    Big5 and Shift-JIS are read as such; anything else is refused with the encoding named, because
    reading it as GBK would silently garble the text.
    """
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", _decode(sample, "utf-16")
    if b"\x00" in sample or not _looks_like_text(sample):
        raise _not_text(path)
    is_utf8, non_ascii = _scan_encoding(path)
    if is_utf8:
        try:
            return "utf8", _decode(sample, "utf-8-sig")
        except UnicodeDecodeError:
            raise _not_text(path) from None
    encoding = _legacy_encoding(path, non_ascii)
    try:
        return encoding, _decode(sample, encoding)
    except UnicodeDecodeError:
        raise _not_text(path) from None


def _looks_like_text(sample: bytes) -> bool:
    """A table has line breaks or delimiters and hardly any control characters."""
    head = sample[:65536]
    controls = len(head) - len(head.translate(None, bytes(c for c in range(32) if c not in (9, 10, 13))))
    structured = any(mark in head for mark in (b"\n", b",", b"\t", b";", b"|"))
    return structured and controls <= 0.01 * len(head)


#: Bytes of multi-byte UTF-8 text seen before a decoding error that prove the file started as UTF-8.
UTF8_EVIDENCE = 16


def _scan_encoding(path: Path) -> tuple[bool, bytes]:
    """(the whole file is valid UTF-8, up to NON_ASCII_SAMPLE bytes of its non-ASCII lines).

    A file that is clearly UTF-8 at first (several multi-byte characters decoded) and then stops
    being so was pasted together from two exports: that is an error, named with its line.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8, kept, size, tail = True, [], 0, b""
    evidence, lines_before = 0, 0
    with path.open("rb") as fh:
        while block := fh.read(SCAN_BYTES):
            if is_utf8:
                try:
                    evidence += len(block) - len(decoder.decode(block))
                except UnicodeDecodeError as exc:
                    is_utf8 = False
                    good = block[:exc.start]
                    evidence += len(good) - len(good.decode("utf-8", errors="ignore"))
                    if evidence >= UTF8_EVIDENCE:
                        raise _mixed_encoding(path, lines_before + good.count(b"\n") + 1) from None
                lines_before += block.count(b"\n")
            if size < NON_ASCII_SAMPLE and not (block.isascii() and tail.isascii()):
                lines = (tail + block).split(b"\n")
                tail = lines.pop()
                for line in lines:
                    if not line.isascii():
                        kept.append(line)
                        size += len(line) + 1
                        if size >= NON_ASCII_SAMPLE:
                            break
            else:
                tail = block[block.rfind(b"\n") + 1:]
            if not is_utf8 and size >= NON_ASCII_SAMPLE:
                break
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:  # the file ends inside a character
            is_utf8 = False
    if tail and not tail.isascii() and size < NON_ASCII_SAMPLE:
        kept.append(tail)
    return is_utf8, b"\n".join(kept)


def _legacy_encoding(path: Path, non_ascii: bytes) -> str:
    """The Python codec of a file that is not UTF-8, from a sample of its non-ASCII lines."""
    import charset_normalizer

    matches = list(charset_normalizer.from_bytes(non_ascii))
    if not matches:
        raise _not_text(path)
    best = min(m.chaos for m in matches)
    tied = [m.encoding for m in matches if m.chaos <= best + 0.005]
    families = [_ENCODING_FAMILY.get(name) for name in tied]
    if "gb18030" in families:
        return "gb18030"
    if families[0] in LEGACY_ENCODINGS:
        return families[0]
    raise DataError(
        f"文件不是 UTF-8 或 GBK 编码；看起来像是 {tied[0]} 编码，按 GBK 读取会得到乱码，因此没有读取",
        file=path,
        fix="在导出系统或 Excel 中另存为「CSV UTF-8（逗号分隔）」后再读取；"
            f"目前能直接读取的编码有：UTF-8、UTF-16、{'、'.join(LEGACY_ENCODINGS.values())}")


def _decode(sample: bytes, encoding: str) -> str:
    # final=False: the sample may end in the middle of a multi-byte character.
    text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 0.01 * min(len(text), 4096):
        raise UnicodeDecodeError(encoding, sample, 0, 1, "control characters")
    return text


def _not_text(path: Path) -> DataError:
    return DataError("文件不是文本表格（看起来是二进制文件或已损坏），无法按 UTF-8 或 GBK 读取", file=path,
                     fix="确认选对了文件；从系统重新导出为 CSV（UTF-8）或 Excel（.xlsx）")


def _sniff_delimiter(text: str) -> str:
    """The candidate delimiter that splits the first lines into the most, most consistent fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    lines = lines[:-1] if len(lines) > 2 else lines  # the last sampled line may be cut short
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts or counts[0] < 2:
            continue
        score = (sum(c == counts[0] for c in counts) / len(counts), counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _arrow_csv(path: Path, encoding: str, delimiter: str, n_columns: int) -> tuple[pa.Table, bool]:
    """The file as a table of text columns, and whether values contain quoted line breaks."""
    names = [f"c{i}" for i in range(max(n_columns, 1))]
    read = dict(encoding=encoding, column_names=names, skip_rows=1)
    convert = pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                    null_values=NULL_TOKENS, strings_can_be_null=True,
                                    quoted_strings_can_be_null=True)
    try:
        return pa_csv.read_csv(path, pa_csv.ReadOptions(**read),
                               pa_csv.ParseOptions(delimiter=delimiter), convert), False
    except pa.ArrowInvalid as exc:
        if "Expected" not in str(exc):
            raise _csv_error(path, exc) from None
    try:  # quoted line breaks inside values need the slower, newline-aware parser
        return pa_csv.read_csv(path, pa_csv.ReadOptions(**read),
                               pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                               convert), True
    except pa.ArrowInvalid:
        raise _ragged_rows(path, read, convert, delimiter, len(names)) from None


def _mixed_encoding(path: Path, line: int) -> DataError:
    return DataError(f"文件前后的编码不一致：开头是 UTF-8，第 {line:,} 行出现了其他编码（多半是 GBK）的文字", file=path,
                     rows=[line], fix="通常是把两次导出的文件拼接在了一起：用同一种编码重新导出整个文件，推荐 CSV UTF-8")


def _csv_error(path: Path, exc: Exception) -> DataError:
    if "UTF8" in str(exc) or "decode" in str(exc).lower():
        return DataError("文件前后的编码不一致（开头是 UTF-8，后面出现了其他编码的文字）", file=path,
                         fix="用同一种编码重新导出整个文件，推荐 CSV UTF-8")
    return DataError(f"无法按 CSV 读取（{exc}）", file=path,
                     fix="用 Excel 打开检查文件是否完整，再另存为 CSV UTF-8")


def _ragged_rows(path, read, convert, delimiter, n_columns) -> DataError:
    """Error naming the lines whose field count differs from the header's."""
    ragged: list[tuple[int | None, int]] = []

    def collect(row):
        ragged.append((row.number, row.actual_columns))
        return "skip"

    options = pa_csv.ReadOptions(**read, use_threads=False)
    pa_csv.read_csv(path, options, pa_csv.ParseOptions(delimiter=delimiter,
                                                       invalid_row_handler=collect), convert)
    lines = [n for n, _ in ragged if n is not None]
    counts = "、".join(sorted({str(c) for _, c in ragged}))
    name = DELIMITER_NAMES[delimiter]
    return DataError(
        f"有些行的列数与表头不一致：表头按{name}分隔有 {n_columns} 列，这些行有 {counts} 列",
        file=path, rows=lines[:SHOWN_LINES], n_rows=len(ragged),
        fix=f"检查这些行：值里含有{name}时要用英文双引号括起来（如 \"1,299.00\"），"
            "或删掉多余的分隔符；也可以在 Excel 中打开后另存为 CSV UTF-8")


# Excel and Parquet -------------------------------------------------------------------------


def _read_excel(path: Path, sheet: str | None) -> _Raw:
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = book.sheet_names
            chosen = _choose_sheet(path, names, sheet)
            frame = pd.read_excel(book, sheet_name=chosen, dtype=str, header=0)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DataError(f"无法打开 Excel 文件（{type(exc).__name__}）", file=path,
                        fix="用 Excel 打开确认文件没有损坏或加密，再另存为 .xlsx") from None
    if frame.shape[1] == 0:
        raise DataError(f"工作表「{chosen}」是空的", file=path, fix="确认数据在这个工作表中，且第一行是表头")
    return _Raw(path, frame, first_line=2, excel=True)


def _choose_sheet(path: Path, names: list[str], sheet: str | None) -> str:
    listing = "、".join(f"「{n}」" for n in names)
    if sheet is None and len(names) == 1:
        return names[0]
    if sheet in names:
        return sheet
    if sheet is None:
        problem = f"工作簿有 {len(names)} 个工作表：{listing}，不知道该读哪一个"
        fix = f"在列映射文件中为这个表加上「sheet: 工作表名」，例如 sheet: {names[0]}"
    else:
        problem = f"工作簿中没有名为「{sheet}」的工作表；已有：{listing}"
        fix = "把列映射文件中这个表的 sheet: 改为上面列出的工作表名之一"
    raise DataError(problem, file=path, fix=fix)


def _read_parquet(path: Path) -> _Raw:
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"无法读取 Parquet 文件（{exc}）", file=path,
                        fix="确认文件完整（没有在写出过程中被中断），或重新导出") from None
    frame.index = pd.RangeIndex(len(frame))
    return _Raw(path, frame, first_line=1)


# ---------------------------------------------------------------------------------------------
# Matching headers to the contract


def _check_shape(raw: _Raw, contract: schema.Table) -> None:
    frame, path = raw.frame, raw.path
    if raw.delimiter is not None and frame.shape[1] == 1 and len(contract.required) > 1:
        header = frame.columns[0]
        found = [d for d in (*DELIMITERS, *FOREIGN_DELIMITERS) if d in header]
        if found:
            name = DELIMITER_NAMES[found[0]]
            raise DataError(
                f"只读出了一列，而表头「{header}」中含有{name}：分隔符不对", file=path,
                fix=f"用英文逗号（,）、制表符、分号或竖线分隔各列后重新导出，不要用{name}")
    if len(frame) == 0:
        problem = "只有表头，没有数据行" if frame.shape[1] else "文件中没有表头和数据"
        raise DataError(problem, file=path, fix="重新导出数据；检查导出时的筛选条件是否过滤掉了所有行")


def _match_headers(raw: _Raw, contract: schema.Table, columns: dict[str, str]) -> dict[str, str]:
    """canonical -> header in the file, for every canonical column the file has."""
    found = list(raw.frame.columns)
    unknown = [name for name in columns if name not in contract.names]
    if unknown:
        guess = closest_name(unknown[0], contract.names)
        raise MapError(f"表 {contract.name} 没有标准列「{unknown[0]}」",
                       fix=(f"你是不是想写「{guess}」？" if guess else "")
                           + f"标准列有：{'、'.join(contract.names)}")
    explicit = set(_normalise_headers(columns.values()))
    lower = {h.lower(): h for h in found if h not in explicit}
    headers: dict[str, str] = {}
    missing: list[schema.Column] = []
    for col in contract.columns:
        if col.name in columns:
            header = _normalise_headers([columns[col.name]])[0]
            if header not in found:
                raise DataError(
                    f"列映射中写的列「{header}」在文件中不存在（对应标准列 {col.name}）", file=raw.path,
                    column=col.name, header=header, fix=_header_fix(col, found, mapped=True))
            headers[col.name] = header
        elif (header := lower.get(col.name.lower()) or lower.get(col.label.lower())) is not None:
            headers[col.name] = header
        elif col.required:
            missing.append(col)
    if missing:
        first = missing[0]
        names = "、".join(f"{c.name}（{c.label}）" for c in missing)
        raise DataError(f"缺少必需的列：{names}", file=raw.path, column=first.name,
                        fix=_header_fix(first, found, mapped=False))
    _check_header_clashes(raw, contract, headers)
    return headers


def _header_fix(col: schema.Column, found: list[str], mapped: bool) -> str:
    guess = closest_name(col.label, found, cutoff=0.5) or closest_name(col.name, found, cutoff=0.5)
    shown = "、".join(f"「{h}」" for h in found[:30]) + ("……" if len(found) > 30 else "")
    hint = f"最接近的是「{guess}」。" if guess else ""
    untitled = sum(h.startswith(("未命名列", "Unnamed:")) for h in found)
    title_row = "表头似乎不在第一行：删掉表头上方的标题行。" if untitled > len(found) / 2 else ""
    verb = "改成" if mapped else "加上"
    return (f"文件中的列有：{shown}。{hint}{title_row}在列映射文件的 columns 下{verb}"
            f"「{col.name}: {guess or '文件中的列名'}」")


def _check_header_clashes(raw: _Raw, contract: schema.Table, headers: dict[str, str]) -> None:
    used = list(headers.values())
    duplicated = [h for h in used if list(raw.frame.columns).count(h) > 1]
    if duplicated:
        name = next(c for c, h in headers.items() if h == duplicated[0])
        raise DataError(f"文件中有多个名为「{duplicated[0]}」的列，不知道用哪一个", file=raw.path,
                        column=name, header=duplicated[0], fix="把重复的列改名或删掉其中一个")
    taken = [h for h in used if used.count(h) > 1]
    if taken:
        raise MapError(f"文件中的列「{taken[0]}」同时对应了多个标准列", file=None,
                       fix="每个文件列只能对应一个标准列；检查列映射文件")
    extras = set(raw.frame.columns) - set(used)
    clash = [name for name in headers if name in extras]
    if clash:
        raise DataError(
            f"文件中的列「{clash[0]}」与标准列同名，但标准列 {clash[0]} 已映射到「{headers[clash[0]]}」",
            file=raw.path, column=clash[0], header=headers[clash[0]],
            fix=f"删掉或改名文件中的「{clash[0]}」列，或把列映射改为直接使用它")


# ---------------------------------------------------------------------------------------------
# Converting columns (whole columns at a time)


def _convert(raw: pd.Series, col: schema.Column, excel: bool) -> tuple[pd.Series, pd.Series]:
    """(values, unparseable mask) of one column; values are NaN/NaT/NA where not parsed."""
    if col.dtype in ("datetime", "date"):
        values, bad = _to_datetime(raw, excel)
        values = values.dt.normalize() if col.dtype == "date" else values
    elif col.dtype == "float":
        values, bad = _to_float(raw, percent=col.unit == "比例")
    else:
        values, bad = {"int": _to_int, "str": _to_str, "bool": _to_bool, "id": _to_id}[col.dtype](raw)
    return values, pd.Series(np.asarray(bad, dtype=bool), index=raw.index)


def _as_text(s: pd.Series) -> pd.Series:
    """Trimmed text with empty strings as missing."""
    text = s.astype("str").str.strip()
    return text.mask(text == "")


def _numeric_text(text: pd.Series, percent: bool = False) -> tuple[pd.Series, pd.Series]:
    """Strip what decorates a number (currency, thousands separators, full-width digits).

    Returns the cleaned text and a mask of values written as a percentage.
    """
    wide = text.str.contains(_FULL_WIDTH_CHARS, regex=True, na=False)
    if wide.any():
        text = text.mask(wide, text[wide].str.translate(_FULL_WIDTH))
    text = text.str.replace("^(?:RMB|CNY)|[¥￥$ \t\u3000\xa0]|元$", "", regex=True)
    commas = text.str.contains(",", regex=False, na=False)
    if commas.any():  # only well-placed thousands separators; "1,2" stays unparseable
        valid = text.str.fullmatch(_THOUSANDS_TEXT, na=False)
        text = text.mask(commas, text.str.replace(",", "", regex=False).where(valid))
    is_percent = text.str.endswith("%", na=False) if percent else pd.Series(False, index=text.index)
    if is_percent.any():
        text = text.mask(is_percent, text.str.slice(0, -1))
    return text, is_percent


def _cast_valid(text: pd.Series, pattern: str, arrow_type: pa.DataType) -> tuple[pa.Array, pd.Series]:
    valid = text.str.fullmatch(pattern, na=False)
    array = pa.array(text.where(valid), type=pa.string(), from_pandas=True)
    return pc.cast(array, arrow_type), valid


def _to_float(s: pd.Series, percent: bool = False) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return pd.Series(np.nan, index=s.index), s.notna()
    if pd.api.types.is_numeric_dtype(s):
        return s.astype("float64"), pd.Series(False, index=s.index)
    text = _as_text(s)
    array, valid = _cast_valid(text, _FLOAT_TEXT, pa.float64())
    if not valid[text.notna()].all():
        cleaned, is_percent = _numeric_text(text, percent)
        array, valid = _cast_valid(cleaned, _FLOAT_TEXT, pa.float64())
        array = pc.if_else(pa.array(is_percent.to_numpy()), pc.divide(array, 100.0), array)
    values = pd.Series(array.to_numpy(zero_copy_only=False), index=s.index, dtype="float64")
    return values, text.notna() & ~valid


def _to_int(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s):
        return s.astype("Int64"), pd.Series(False, index=s.index)
    if pd.api.types.is_float_dtype(s):
        fractional = s.notna() & (s % 1 != 0)
        return s.mask(fractional).astype("Int64"), fractional
    if pd.api.types.is_datetime64_any_dtype(s):
        return pd.Series(pd.NA, index=s.index, dtype="Int64"), s.notna()
    text = _as_text(s)
    valid = text.str.fullmatch(_INT_TEXT, na=False)
    if not valid[text.notna()].all():
        text, _ = _numeric_text(text)
    # Exact integer parsing: 18-digit IDs would lose digits through float64. Patterns use [0-9],
    # not \d, which also matches full-width digits.
    text = text.str.replace(r"\.0*$", "", regex=True)
    try:
        array, valid = _cast_valid(text, r"[+-]?[0-9]+", pa.int64())
    except pa.ArrowInvalid:  # beyond int64
        valid = text.str.fullmatch(r"[+-]?[0-9]{1,18}", na=False)
        array = pc.cast(pa.array(text.where(valid), type=pa.string(), from_pandas=True), pa.int64())
    values = pd.Series(pd.Int64Dtype().__from_arrow__(array), index=s.index)
    return values, text.notna() & ~valid


def _to_str(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_float_dtype(s) and (s.dropna() % 1 == 0).all():
        s = s.astype("Int64")  # IDs stored as floats: 101.0 -> "101"
    return _as_text(s), pd.Series(False, index=s.index)


#: What a spreadsheet makes of a long numeric id: 1.23457E+17 (digits are lost for good).
_SCIENTIFIC_ID = r"[+-]?[0-9]\.[0-9]+[eE]\+?[0-9]{1,3}"


def _to_id(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ids as exact text. Integers (any width, uint64 too) become their decimal digits; floats only
    when whole and exactly representable (below 2**53); scientific notation is refused."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return pd.Series(np.nan, index=s.index, dtype=schema.ID_DTYPE), s.notna()
    if pd.api.types.is_integer_dtype(s):
        array = pa.array(s, from_pandas=True)
        return pd.Series(pc.cast(array, pa.large_string()), index=s.index, dtype=schema.ID_DTYPE), \
            pd.Series(False, index=s.index)
    if pd.api.types.is_float_dtype(s):
        exact = s.notna() & (s % 1 == 0) & (s.abs() < 2.0**53)
        text = _to_id(s.where(exact).astype("Int64"))[0]
        return text, s.notna() & ~exact
    text = _as_text(s)
    bad = text.str.fullmatch(_SCIENTIFIC_ID, na=False)
    return text.astype(schema.ID_DTYPE), bad


def _to_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), pd.Series(False, index=s.index)
    text = _as_text(s).str.lower()
    values = text.map(_BOOL_WORDS).astype("boolean")
    return values, text.notna() & values.isna()


def _to_datetime(s: pd.Series, excel: bool) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_datetime64_any_dtype(s):
        return _naive(s).astype("datetime64[us]"), pd.Series(False, index=s.index)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        values = _datetime_from_numbers(s.astype("float64"), excel)
        return values, s.notna() & values.isna()
    text = _as_text(s)
    values = _parse_datetime_text(text)
    todo = text.notna() & values.isna()
    if todo.any():  # Chinese and dotted dates, full-width digits
        values = values.mask(todo, _parse_datetime_text(_normalise_date_text(text[todo])))
        todo = text.notna() & values.isna()
    if todo.any():  # 20240305 / Excel serial / Unix timestamp written as text
        numbers = pd.to_numeric(text[todo].where(text[todo].str.fullmatch(r"[0-9]+(\.[0-9]+)?")),
                                errors="coerce")
        values = values.mask(todo, _datetime_from_numbers(numbers, excel))
    values = values.astype("datetime64[us]")
    return values, text.notna() & values.isna()


def _parse_datetime_text(text: pd.Series) -> pd.Series:
    """ISO-like text (``2024-03-05``, ``2024/3/5 14:02``, ``2024-03-05T14:02+08:00``) per column."""
    zoned = text.str.contains(_TZ_SUFFIX, regex=True, na=False)
    values = pd.to_datetime(text.where(~zoned), format="ISO8601", errors="coerce")
    if zoned.any():  # offsets and Z: convert to local wall-clock time
        aware = pd.to_datetime(text[zoned], format="ISO8601", errors="coerce", utc=True)
        values = values.astype("datetime64[us]").mask(zoned, _naive(aware))
    return values.astype("datetime64[us]")


def _normalise_date_text(text: pd.Series) -> pd.Series:
    wide = text.str.contains(_FULL_WIDTH_CHARS, regex=True, na=False)
    if wide.any():
        text = text.mask(wide, text[wide].str.translate(_FULL_WIDTH))
    # Plain RE2 patterns ([0-9], " *", no lookarounds) keep pandas on its pyarrow fast path.
    text = (text.str.replace(r"^([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2})", r"\1-\2-\3", regex=True)
                .str.replace(r"([0-9]) *年 *([0-9])", r"\1-\2", regex=True)
                .str.replace(r"([0-9]) *月 *([0-9])", r"\1-\2", regex=True)
                .str.replace(r"([0-9]) *[日号]", r"\1 ", regex=True)
                .str.replace(r"([0-9]) *[时点:] *([0-9])", r"\1:\2", regex=True)
                .str.replace(r"([0-9]) *分 *([0-9])", r"\1:\2", regex=True)
                .str.replace(r"([0-9]) *[月日号时点分秒]$", r"\1", regex=True)
                .str.replace(r" +", " ", regex=True)
                .str.strip())
    return text


def _datetime_from_numbers(num: pd.Series, excel: bool) -> pd.Series:
    """Dates written as numbers: 20240305, Unix seconds or milliseconds, Excel serial days."""
    out = pd.Series(pd.NaT, index=num.index, dtype="datetime64[us]")
    whole = num.notna() & (num % 1 == 0)
    ymd = whole & num.between(19000101, 29991231)
    if ymd.any():
        out[ymd] = pd.to_datetime(num[ymd].astype("int64").astype("str"), format="%Y%m%d",
                                  errors="coerce")
    for unit, low, high in (("s", 1e9, 1e10), ("ms", 1e12, 1e13)):
        unix = whole & (num >= low) & (num < high)
        if unix.any():
            out[unix] = _naive(pd.to_datetime(num[unix].astype("int64"), unit=unit, utc=True))
    if excel:
        serial = num.between(1, 2958465) & ~ymd
        if serial.any():
            out[serial] = pd.to_datetime(num[serial], unit="D", origin="1899-12-30").dt.round("s")
    return out


def _naive(values: pd.Series) -> pd.Series:
    if getattr(values.dt, "tz", None) is None:
        return values
    return values.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)


# ---------------------------------------------------------------------------------------------
# Checking values


@dataclass
class _Problem:
    """Rows of one column that break one rule."""

    column: schema.Column
    header: str
    reason: str  # short Chinese reason, also the key in attrs["dropped"]
    mask: pd.Series
    problem: str
    fix: str

    def error(self, raw: _Raw, every_row: bool = False) -> DataError:
        rows, count = raw.lines(self.mask)
        fix = self.fix
        if every_row:
            fix = "所有行都有问题，剔除后没有剩下任何数据。" + fix.split("，" + _DROP_HINT)[0]
        return DataError(self.problem, file=raw.path, column=self.column.name, header=self.header,
                         rows=rows, n_rows=count, fix=fix)

    @property
    def key(self) -> str:
        return f"{self.column.name}：{self.reason}"


def _samples(values: pd.Series, n: int = 3) -> str:
    shown = values.dropna().astype("str").drop_duplicates().head(n)
    return "".join(f"「{v}」" for v in shown)


def _check_whole_columns(raw: _Raw, contract, headers, converted) -> None:
    """Problems that no row-dropping can fix: an empty or entirely unparseable column."""
    for name, (values, bad) in converted.items():
        col, header = contract.column(name), headers[name]
        column = raw.frame[header]
        if col.required and not col.nullable and column.isna().all():
            raise DataError("必需的列整列为空", file=raw.path, column=name, header=header,
                            fix=f"确认导出时包含了「{header}」的数据；如果映射错了列，修改列映射文件")
        if col.nonzero and values.notna().any() and (values.fillna(0) == 0).all():
            raise DataError(
                f"{col.label}整列都是 0：这样的数据算不出任何金额指标，多半是导出时选错了列或金额字段没有导出",
                file=raw.path, column=name, header=header,
                fix=f"确认「{header}」是{col.label}所在的列（列映射 {contract.name}.columns.{name}），"
                    "并在导出系统中重新导出含金额的数据")
        if bad.any() and bad.sum() == column.notna().sum() and col.dtype != "id":
            kind = _KIND[col.dtype]
            raise DataError(
                f"整列都无法识别为{kind}（例如{_samples(column[bad])}），可能对应错了列",
                file=raw.path, column=name, header=header,
                fix=f"检查列映射：{contract.name}.columns.{name} 应指向{col.label}（{kind}）所在的列；"
                    f"文件中的列有：{'、'.join(raw.frame.columns[:30])}")


def _value_problems(raw: _Raw, contract, name, header, values, bad) -> list[_Problem]:
    col = contract.column(name)
    column = raw.frame[header]
    kind = _KIND[col.dtype]
    problems = []
    if bad.any() and col.dtype == "id":
        problems.append(_Problem(
            col, header, "ID已丢失位数", bad,
            f"有 {int(bad.sum()):,} 个ID被存成了科学计数法或小数（例如{_samples(column[bad])}），原来的位数已经丢失，"
            "不同的顾客可能因此变成同一个ID",
            "在导出系统或 Excel 中把该列设为「文本」格式后重新导出（这个文件里丢失的位数无法恢复），"
            + _DROP_HINT))
    elif bad.any():
        problems.append(_Problem(
            col, header, f"无法识别为{kind}", bad,
            f"列中混有无法识别为{kind}的值（共 {int(bad.sum()):,} 个），例如{_samples(column[bad])}",
            f"{_day_month_hint(col, column[bad])}把这些值改为{_format_hint(col)}，{_DROP_HINT}"))
    missing = values.isna() & ~bad
    if not col.nullable and missing.any():
        problems.append(_Problem(col, header, "空值", missing, f"必填列有 {int(missing.sum()):,} 个空值",
                                 f"补全这些值，{_DROP_HINT}"))
    if col.min_value is not None:
        below = (values < col.min_value).fillna(False).astype(bool)
        if below.any():
            word = "负数" if col.min_value == 0 else f"小于 {col.min_value:g} 的值"
            problems.append(_Problem(
                col, header, word, below, f"出现{word}（例如{_samples(column[below])}），"
                                          f"{col.label}不能小于 {col.min_value:g}",
                f"检查这些行是否是退款、冲正或录入错误并改正，{_DROP_HINT}"))
    if col.dtype == "float":
        infinite = values.notna() & ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if infinite.any():
            problems.append(_Problem(
                col, header, "无穷大", pd.Series(infinite, index=values.index),
                f"出现无穷大的值（例如{_samples(column[infinite])}），通常是超出范围的数字（如 1e400）或除以 0 的结果",
                f"改正这些行的{col.label}，{_DROP_HINT}"))
        if col.unit == "元":
            huge = (values.abs() > MONEY_CEILING).fillna(False).astype(bool) & ~infinite
            if huge.any():
                problems.append(_Problem(
                    col, header, "金额过大", huge,
                    f"出现超过 {MONEY_CEILING:,.0f} 元的{col.label}（例如{_samples(column[huge])}），不像是真实金额",
                    "检查单位（是否把「分」当成了「元」）、是否误填了手机号或订单号，"
                    f"以及是否被改成了科学计数法，{_DROP_HINT}"))
    if col.dtype in ("datetime", "date"):
        early = (values < EARLIEST).fillna(False).astype(bool)
        if early.any():
            problems.append(_Problem(
                col, header, "早于1970年", early,
                f"出现早于 1970-01-01 的日期（例如{_samples(column[early])}），多半是占位值（0、1900-01-01、0001-01-01）或录入错误",
                f"把这些行的日期改为真实日期或留空，{_DROP_HINT}"))
    if col.dtype in ("datetime", "date") and contract.name not in PLANNED_TABLES:
        today = pd.Timestamp.now(tz=LOCAL_TZ).normalize().tz_localize(None)
        future = (values >= today + pd.Timedelta(days=1)).fillna(False).astype(bool)
        if future.any():
            problems.append(_Problem(
                col, header, "晚于今天", future,
                f"出现晚于今天（{today:%Y-%m-%d}）的日期，例如{_samples(column[future])}",
                f"检查日期格式（是否把月和日写反）和导出系统的时钟，{_DROP_HINT}"))
    return problems


def _day_month_hint(col: schema.Column, bad_values: pd.Series) -> str:
    if col.dtype not in ("datetime", "date"):
        return ""
    slashed = bad_values.astype("str").str.match(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", na=False)
    return "「月/日/年」或「日/月/年」的写法分不清月和日，不会被猜测；" if slashed.any() else ""


def _format_hint(col: schema.Column) -> str:
    return {
        "int": "整数（如 123）",
        "float": "数字（如 1299.00、¥1,299.00）",
        "datetime": "日期时间（如 2024-03-05 14:02 或 2024/3/5 14:02）",
        "date": "日期（如 2024-03-05、2024/3/5 或 2024年3月5日）",
        "bool": "是/否（1/0、true/false、是/否、Y/N）",
        "str": "文本",
        "id": "原始的完整ID（在导出系统中把ID列设为「文本」格式，避免被改成科学计数法或小数）",
    }[col.dtype]


def _duplicate_problems(col: schema.Column, header: str, values: pd.Series,
                        keep: np.ndarray) -> list[_Problem]:
    if not col.unique:
        return []
    kept = values[keep]
    repeated = kept.duplicated(keep="first") & kept.notna()
    if not repeated.any():
        return []
    mask = pd.Series(False, index=values.index)
    mask[repeated[repeated].index] = True
    return [_Problem(col, header, "重复", mask,
                     f"该列的值应唯一，但有 {int(repeated.sum()):,} 行与前面的行重复，"
                     f"例如{_samples(kept[repeated])}",
                     f"删除重复的行（通常是导出时重复拼接了数据），{_DROP_HINT}")]


def _flagged(problems: list[_Problem], n: int) -> np.ndarray:
    flagged = np.zeros(n, dtype=bool)
    for p in problems:
        flagged |= p.mask.to_numpy()
    return flagged


def _drop_counts(problems: list[_Problem]) -> dict[str, int]:
    """Rows dropped per reason; a row breaking several rules counts under the first one."""
    counts: dict[str, int] = {}
    seen = None
    for p in problems:
        mask = p.mask.to_numpy()
        new = mask if seen is None else mask & ~seen
        seen = mask.copy() if seen is None else seen | mask
        if new.any():
            counts[p.key] = counts.get(p.key, 0) + int(new.sum())
    return counts


# ---------------------------------------------------------------------------------------------
# Assembling the result


_FINAL_DTYPE = {"float": "float64", "str": "str", "datetime": None, "date": None, "bool": "bool",
                "id": schema.ID_DTYPE}


def _assemble(raw: _Raw, contract, headers, converted, keep: np.ndarray) -> pd.DataFrame:
    data = {}
    for name in headers:
        col = contract.column(name)
        values = converted[name][0][keep]
        if col.dtype == "int":
            values = values.astype("Int64" if col.nullable else "int64")
        elif _FINAL_DTYPE[col.dtype]:
            values = values.astype(_FINAL_DTYPE[col.dtype])
        data[name] = values
    used = set(headers.values())
    for position, header in enumerate(raw.frame.columns):
        if header in used:
            continue
        name = header
        while name in data:  # repeated extra headers: 备注, 备注_2, ...
            name = f"{header}_{sum(k == header or k.startswith(header + '_') for k in data) + 1}"
        data[name] = raw.frame.iloc[keep, position]
    return pd.DataFrame(data).reset_index(drop=True)
