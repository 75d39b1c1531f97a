"""The column map: how a company's export files and headers correspond to the canonical tables.

The map is a small YAML file, one block per table; a column that is not listed keeps its
canonical name, and ``file`` is relative to the data folder::

    orders:
      file: 订单导出.csv
      sheet: 订单          # only for an Excel workbook with several sheets
      columns:
        user_id: 客户编号
        order_time: 下单时间
        amount: 实付金额

:func:`load_column_map` validates the file completely (syntax, table names, column names, value
types) and reports each problem as a :class:`~opskit.errors.MapError` with its line number and the
closest valid name.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import yaml

from opskit.data import schema
from opskit.errors import MapError

__all__ = ["TableMap", "ColumnMap", "load_column_map", "closest_name"]

BLOCK_KEYS = ("file", "sheet", "columns", "table")

_EXAMPLE = "orders:\n  file: 订单导出.csv\n  columns:\n    user_id: 客户编号\n    amount: 实付金额"


@dataclass(frozen=True)
class TableMap:
    """How one canonical table is found: its file, its sheet and its headers (canonical -> user)."""

    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    table: str | None = None  # a warehouse table (``dw.orders``), read by Spark (opskit run --engine spark)


@dataclass(frozen=True)
class ColumnMap:
    """A validated column map: one :class:`TableMap` per table it mentions."""

    tables: dict[str, TableMap] = field(default_factory=dict)
    path: Path | None = None

    def get(self, table: str) -> TableMap:
        """The block of ``table``, or an empty block (canonical file and column names)."""
        return self.tables.get(table, TableMap())


def closest_name(word: str, choices, cutoff: float = 0.6) -> str | None:
    """The choice most similar to ``word`` (case-insensitive), or ``None`` if none is close."""
    by_lower = {str(c).lower(): c for c in choices}
    match = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[match[0]] if match else None


def load_column_map(path: str | PathLike) -> ColumnMap:
    """Read and validate a column-map YAML file.

    Raises :class:`MapError` (with the line number and a suggested correction) when the file is
    missing, is not valid YAML, names an unknown table or canonical column, or has a value of the
    wrong type.
    """
    path = Path(path)
    root = _parse(path)
    if root is None:
        return ColumnMap({}, path)
    if not isinstance(root, yaml.MappingNode):
        raise _error(path, root, "列映射文件的最外层应是「表名: 设置」的形式",
                     f"按下面的格式书写：\n{_EXAMPLE}")
    tables = {}
    for key, value in _pairs(path, root):
        table = _table_name(path, key)
        tables[table] = _table_map(path, table, value)
    return ColumnMap(tables, path)


def _parse(path: Path) -> yaml.Node | None:
    if not path.is_file():
        raise MapError("列映射文件不存在", file=path,
                       fix="检查 --map 后面的路径；列映射文件是一个 .yaml 文本文件")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise MapError("列映射文件不是文本文件（无法按 UTF-8 或 GBK 解码）", file=path,
                           fix="用文本编辑器以 UTF-8 编码保存列映射文件") from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        rows = [mark.line + 1] if mark is not None else None
        detail = getattr(exc, "problem", None) or str(exc)
        raise MapError(f"YAML 语法错误（{detail}）", file=path, rows=rows,
                       fix="检查该行附近：同一层的键要左对齐、只用空格缩进（不要用 Tab）、"
                           "冒号后要有一个空格；含冒号或 # 的列名请加引号") from None


def _line(node: yaml.Node) -> list[int]:
    return [node.start_mark.line + 1]


def _error(path: Path, node: yaml.Node, problem: str, fix: str) -> MapError:
    return MapError(problem, file=path, rows=_line(node), fix=fix)


def _pairs(path: Path, node: yaml.MappingNode):
    """(key node, value node) pairs of a mapping, rejecting duplicate and non-text keys."""
    seen: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.value == "":
            raise _error(path, key, "这里应是一个名称（文本）", "检查缩进和冒号，每一行写成「名称: 值」")
        if key.value in seen:
            first = seen[key.value].start_mark.line + 1
            raise _error(path, key, f"「{key.value}」写了两次（第一次在第 {first} 行）",
                         "删除其中一处；YAML 中同一层的名称不能重复")
        seen[key.value] = key
        yield key, value


def _text(node: yaml.Node) -> str | None:
    """The text of a scalar as written (so ``2024`` or ``yes`` stay headers, not numbers)."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.tag == "tag:yaml.org,2002:null" and node.style is None:
        return ""
    return node.value


def _table_name(path: Path, key: yaml.ScalarNode) -> str:
    name = key.value
    if name in schema.TABLES:
        return name
    by_label = {t.label: t.name for t in schema.TABLES.values()}
    guess = by_label.get(name) or closest_name(name, schema.TABLES)
    hint = f"你是不是想写「{guess}」？" if guess else ""
    raise _error(path, key, f"未知的表名「{name}」", f"{hint}表名必须是标准表名之一：{'、'.join(schema.TABLES)}")


def _table_map(path: Path, table: str, node: yaml.Node) -> TableMap:
    if not isinstance(node, yaml.MappingNode):
        raise _error(path, node, f"表 {table} 的设置应是 file / sheet / columns 等项",
                     f"按下面的格式书写：\n{_EXAMPLE}")
    block: dict[str, yaml.Node] = {}
    for key, value in _pairs(path, node):
        if key.value not in BLOCK_KEYS:
            raise _error(path, key, f"表 {table} 中有未知的设置项「{key.value}」",
                         _unknown_block_key_fix(table, key.value))
        block[key.value] = value
    file = _scalar(path, table, "file", block.get("file"))
    sheet = _scalar(path, table, "sheet", block.get("sheet"))
    columns = _columns(path, table, block.get("columns"))
    warehouse = _scalar(path, table, "table", block.get("table"))
    return TableMap(file=file, columns=columns, sheet=sheet, table=warehouse)


def _unknown_block_key_fix(table: str, key: str) -> str:
    contract = schema.get(table)
    if key in contract.names:
        return f"列的对应关系要写在 columns: 下面，例如：\n{table}:\n  columns:\n    {key}: 文件中的列名"
    guess = closest_name(key, BLOCK_KEYS)
    hint = f"你是不是想写「{guess}」？" if guess else ""
    return (f"{hint}每个表只能有 file（文件名）、sheet（Excel 工作表名）、columns（列名对应）、"
            "table（数仓表名，Spark 模式用）四项")


def _scalar(path: Path, table: str, key: str, node: yaml.Node | None) -> str | None:
    if node is None:
        return None
    text = _text(node)
    if not text:
        raise _error(path, node, f"表 {table} 的 {key} 应是一个非空的名称",
                     f"在 {key}: 后面写上"
                     f"{ {'file': '文件名（相对于数据文件夹）', 'table': '数仓表名（如 dw.orders）'}.get(key, '工作表名')}")
    return text


def _columns(path: Path, table: str, node: yaml.Node | None) -> dict[str, str]:
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise _error(path, node, f"表 {table} 的 columns 应是「标准列名: 文件中的列名」的列表",
                     f"按下面的格式书写：\n{_EXAMPLE}")
    contract = schema.get(table)
    columns: dict[str, str] = {}
    used: dict[str, str] = {}
    for key, value in _pairs(path, node):
        canonical = key.value
        header = _text(value)
        if canonical not in contract.names:
            raise _error(path, key, f"表 {table} 没有标准列「{canonical}」",
                         _unknown_column_fix(contract, canonical, header))
        if not header:
            raise _error(path, value if isinstance(value, yaml.ScalarNode) else key,
                         f"{table}.columns.{canonical} 应写成文件中的一个列名",
                         f"写成「{canonical}: 文件中的列名」，例如「{canonical}: "
                         f"{contract.column(canonical).label}」")
        if header in used:
            raise _error(path, value, f"文件中的列「{header}」同时对应了 {used[header]} 和 {canonical}",
                         "每个文件列只能对应一个标准列；检查是否复制粘贴后忘了修改")
        used[header] = canonical
        columns[canonical] = header
    return columns


def _unknown_column_fix(contract: schema.Table, key: str, value: str | None) -> str:
    names = contract.names
    if value in names:
        return (f"方向写反了：左边写标准列名，右边写文件中的列名，即「{value}: {key}」")
    by_label = {c.label: c.name for c in contract.columns}
    guess = by_label.get(key) or closest_name(key, names)
    hint = f"你是不是想写「{guess}」？" if guess else ""
    return f"{hint}{contract.name} 的标准列有：{'、'.join(names)}"
