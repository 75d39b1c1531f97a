"""The column-map loader: valid maps load, every mistake is a MapError with line and fix."""

from pathlib import Path

import pytest

from opskit.data.colmap import ColumnMap, TableMap, closest_name, load_column_map
from opskit.errors import MapError

GOOD = """\
orders:
  file: 订单导出.csv
  columns:
    user_id: 客户编号
    order_time: 下单时间
    amount: 实付金额
channels:
  file: 渠道.xlsx
  sheet: 渠道表
  columns:
    is_paid: 2024      # a numeric-looking header stays text
users:
  columns:
    channel_id: yes    # YAML would read this as a boolean; the map keeps the header as written
"""


def write(tmp_path: Path, text: str, name: str = "map.yaml", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_loads_tables_files_sheets_and_columns(tmp_path):
    path = write(tmp_path, GOOD)
    cmap = load_column_map(path)
    assert isinstance(cmap, ColumnMap) and cmap.path == path
    assert cmap.tables["orders"] == TableMap(
        file="订单导出.csv",
        columns={"user_id": "客户编号", "order_time": "下单时间", "amount": "实付金额"})
    assert cmap.tables["channels"].sheet == "渠道表"
    assert cmap.tables["channels"].columns == {"is_paid": "2024"}
    assert cmap.tables["users"].columns == {"channel_id": "yes"}
    assert cmap.tables["users"].file is None
    assert cmap.get("events") == TableMap()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_reads_maps_saved_by_windows_editors(tmp_path, encoding):
    cmap = load_column_map(write(tmp_path, GOOD, encoding=encoding))
    assert cmap.tables["orders"].columns["amount"] == "实付金额"


def test_empty_map_is_an_empty_column_map(tmp_path):
    assert load_column_map(write(tmp_path, "# 还没有写映射\n")).tables == {}


def test_closest_name_is_case_insensitive_and_returns_the_original_spelling():
    assert closest_name("Amout", ["amount", "user_id"]) == "amount"
    assert closest_name("xyz", ["amount", "user_id"]) is None


# One row per mistake: the map text, the line the error must point to, and text the message
# must contain (the problem and, where there is one, the suggested correction).
BAD_MAPS = [
    ("yaml_syntax", "orders:\n  columns:\n    user_id: 客户编号\n   amount: 实付金额\n", 4, ["YAML 语法错误"]),
    ("tab_indent", "orders:\n\tcolumns:\n", 2, ["YAML 语法错误", "Tab"]),
    ("unknown_table_typo", "oders:\n  file: a.csv\n", 1, ["未知的表名「oders」", "orders"]),
    ("table_by_chinese_label", "订单:\n  file: a.csv\n", 1, ["未知的表名「订单」", "「orders」"]),
    ("unknown_column_typo", "orders:\n  columns:\n    amout: 实付金额\n", 3, ["amout", "「amount」"]),
    ("column_by_chinese_label", "orders:\n  columns:\n    实付金额: 支付金额\n", 3, ["实付金额", "「amount」"]),
    ("reversed_direction", "orders:\n  columns:\n    客户编号: user_id\n", 3, ["方向写反了", "user_id: 客户编号"]),
    ("unknown_block_key", "orders:\n  colums:\n    amount: 实付金额\n", 2, ["colums", "「columns」"]),
    ("column_outside_columns", "orders:\n  amount: 实付金额\n", 2, ["amount", "columns: 下面"]),
    ("duplicate_table", "orders:\n  file: a.csv\norders:\n  file: b.csv\n", 3, ["写了两次", "第 1 行"]),
    ("duplicate_column", "orders:\n  columns:\n    amount: A\n    amount: B\n", 4, ["写了两次"]),
    ("empty_header", "orders:\n  columns:\n    amount:\n", 3, ["orders.columns.amount", "实付金额"]),
    ("header_is_a_list", "orders:\n  columns:\n    amount: [a, b]\n", 3, ["orders.columns.amount"]),
    ("same_header_twice", "orders:\n  columns:\n    order_id: 编号\n    user_id: 编号\n", 4,
     ["「编号」同时对应了 order_id 和 user_id"]),
    ("top_level_list", "- orders\n- users\n", 1, ["最外层"]),
    ("block_is_text", "orders: 订单.csv\n", 1, ["file / sheet / columns"]),
    ("columns_is_text", "orders:\n  columns: 客户编号\n", 2, ["columns 应是"]),
    ("empty_file_value", "orders:\n  file:\n", 2, ["file 应是一个非空的名称"]),
]


@pytest.mark.parametrize("text,line,fragments", [c[1:] for c in BAD_MAPS], ids=[c[0] for c in BAD_MAPS])
def test_bad_maps_raise_map_errors_with_line_and_fix(tmp_path, text, line, fragments):
    path = write(tmp_path, text)
    with pytest.raises(MapError) as info:
        load_column_map(path)
    err, message = info.value, str(info.value)
    assert message.startswith("列映射问题：")
    assert err.file == str(path) and f"文件：{path}" in message
    assert err.rows == [line] and f"第 {line} 行" in message
    assert err.fix and f"解决办法：{err.fix}" in message
    for fragment in fragments:
        assert fragment in message


def test_missing_map_file(tmp_path):
    with pytest.raises(MapError, match="列映射文件不存在") as info:
        load_column_map(tmp_path / "nope.yaml")
    assert "--map" in info.value.fix


def test_binary_map_file(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_bytes(b"\x80\x81\xff\xfe" * 20)
    with pytest.raises(MapError, match="不是文本文件"):
        load_column_map(path)


def test_committed_bad_map_points_at_its_line():
    path = Path(__file__).parent / "bad_inputs" / "bad_indent_map.yaml"
    with pytest.raises(MapError) as info:
        load_column_map(path)
    assert info.value.rows == [5]
