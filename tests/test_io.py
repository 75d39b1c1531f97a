"""Readers of company exports: formats, encodings, tolerant parsing, dtypes, and the bad-input corpus."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opskit.data import schema
from opskit.data.readers import load_tables, locate, read_table
from opskit.errors import DataError, MapError, OpskitError

ORDERS_MAP = {"order_id": "订单编号", "user_id": "客户编号", "order_time": "下单时间", "amount": "实付金额"}
ORDERS_TEXT = (
    "订单编号,客户编号,下单时间,实付金额,备注\n"
    "1,10,2024-03-05 14:02:00,1299.5,首单\n"
    "2,11,2024-03-06 09:00:00,12,\n"
    "3,10,2024-03-07 18:30:00,0,复购\n"
)
EXPECTED_ORDERS = pd.DataFrame({
    "order_id": ["1", "2", "3"],
    "user_id": ["10", "11", "10"],
    "order_time": pd.to_datetime(["2024-03-05 14:02", "2024-03-06 09:00", "2024-03-07 18:30"]),
    "amount": [1299.5, 12.0, 0.0],
})
BAD_INPUTS = Path(__file__).parent / "bad_inputs"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def orders_csv(folder: Path, *rows: str, header: str = "订单编号,客户编号,下单时间,实付金额",
               name: str = "orders.csv") -> Path:
    return write(folder, name, "\n".join([header, *rows]) + "\n")


def assert_orders(df: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(df[EXPECTED_ORDERS.columns], EXPECTED_ORDERS, check_dtype=False,
                                  check_index_type=False)
    assert list(df.dtypes[:4].astype(str)) == ["str", "str", "datetime64[us]", "float64"]


# ---------------------------------------------------------------------------------------------
# Formats and encodings round-trip


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_round_trip(tmp_path, encoding):
    path = write(tmp_path, "orders.csv", ORDERS_TEXT, encoding)
    df = read_table(path, "orders", ORDERS_MAP)
    assert_orders(df)
    assert df["备注"].tolist()[0] == "首单"


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_csv_delimiters_are_sniffed(tmp_path, delimiter):
    path = write(tmp_path, "orders.txt", ORDERS_TEXT.replace(",", delimiter))
    assert_orders(read_table(path, "orders", ORDERS_MAP))


def test_excel_single_sheet(tmp_path):
    path = tmp_path / "orders.xlsx"
    frame = EXPECTED_ORDERS.rename(columns={v: k for v, k in zip(EXPECTED_ORDERS, ORDERS_MAP.values())})
    frame.to_excel(path, index=False, sheet_name="订单")
    assert_orders(read_table(path, "orders", ORDERS_MAP))


def test_excel_several_sheets_with_sheet_named(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"说明": ["导出于 2024-03-08"]}).to_excel(xl, sheet_name="说明", index=False)
        EXPECTED_ORDERS.to_excel(xl, sheet_name="订单", index=False)
    assert_orders(read_table(path, "orders", sheet="订单"))


def test_a_table_map_gives_columns_and_sheet(tmp_path):
    from opskit.data.colmap import TableMap

    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"说明": ["导出说明"]}).to_excel(xl, sheet_name="说明", index=False)
        pd.DataFrame(EXPECTED_ORDERS.to_numpy(), columns=list(ORDERS_MAP.values())).to_excel(
            xl, sheet_name="订单", index=False)
    assert_orders(read_table(path, "orders", TableMap(columns=ORDERS_MAP, sheet="订单")))


def test_excel_serial_dates_and_text_cells(tmp_path):
    path = tmp_path / "spend.xlsx"
    pd.DataFrame({"日期": [45356, 45357.0], "渠道ID": ["007", "008"], "花费": ["¥1,200.50", 3],
                  "曝光": [100, 200], "点击": [5, 6]}).to_excel(path, index=False)
    df = read_table(path, "channel_spend")
    assert df["date"].tolist() == [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-06")]
    assert df["channel_id"].tolist() == ["007", "008"]
    assert df["spend"].tolist() == [1200.5, 3.0]


def test_parquet_keeps_its_types(tmp_path):
    path = tmp_path / "orders.parquet"
    EXPECTED_ORDERS.assign(amount=EXPECTED_ORDERS["amount"].astype("float32")).to_parquet(path)
    df = read_table(path, "orders")
    assert_orders(df)


def test_parquet_integer_ids_become_their_exact_text(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "orders.parquet"
    pq.write_table(pa.table({
        "order_id": pa.array([2**64 - 1, 7], pa.uint64()),
        "user_id": pa.array([-(2**63), 123], pa.int64()),
        "order_time": pa.array(pd.to_datetime(["2024-03-05", "2024-03-06"])),
        "amount": [1.0, 2.0]}), path)
    df = read_table(path, "orders")
    assert df["order_id"].tolist() == ["18446744073709551615", "7"]
    assert df["user_id"].tolist() == ["-9223372036854775808", "123"]
    assert str(df["order_id"].dtype) == "str"


def test_float_ids_are_kept_only_when_exact(tmp_path):
    path = tmp_path / "orders.parquet"
    EXPECTED_ORDERS.assign(user_id=[10.0, 11.0, 1.5e17 + 0.5]).to_parquet(path)
    with pytest.raises(DataError, match="科学计数法或小数"):
        read_table(path, "orders")
    assert read_table(path, "orders", drop_invalid=True)["user_id"].tolist() == ["10", "11"]


def test_canonical_names_labels_and_padded_headers_need_no_map(tmp_path):
    header = " order_id ,\u3000用户ID\u3000,下单时间,AMOUNT"
    path = orders_csv(tmp_path, "1,10,2024-03-05 14:02:00,1299.5", "2,11,2024-03-06 09:00:00,12",
                      "3,10,2024-03-07 18:30:00,0", header=header)
    df = read_table(path, "orders")
    assert_orders(df)
    assert df.attrs["headers"] == {"order_id": "order_id", "user_id": "用户ID", "order_time": "下单时间",
                                   "amount": "AMOUNT"}


def test_extra_columns_follow_the_canonical_ones(tmp_path):
    path = write(tmp_path, "orders.csv", "备注,实付金额,订单编号,客户编号,下单时间,备注\n"
                                         "a,1,1,1,2024-01-01,b\n")
    df = read_table(path, "orders", ORDERS_MAP)
    assert list(df.columns) == ["order_id", "user_id", "order_time", "amount", "备注", "备注_2"]
    assert df.loc[0, "备注_2"] == "b"


def test_blank_rows_are_dropped_and_counted(tmp_path):
    path = orders_csv(tmp_path, "1,10,2024-03-05 14:02:00,1299.5", ",,,", "2,11,2024-03-06 09:00:00,12",
                      "", "3,10,2024-03-07 18:30:00,0", ",,,")
    df = read_table(path, "orders", ORDERS_MAP)
    assert_orders(df)
    assert df.attrs["dropped"] == {"空行（所有列均为空）": 2}


def test_line_numbers_count_blank_lines(tmp_path):
    path = orders_csv(tmp_path, "1,10,2024-03-05,5", "", "", "2,11,2024-03-06,坏", "\r", "3,12,2024-03-07,坏")
    with pytest.raises(DataError) as info:
        read_table(path, "orders", ORDERS_MAP)
    assert info.value.rows == [5, 7]


def test_quoted_line_breaks_in_values(tmp_path):
    path = write(tmp_path, "orders.csv", 'order_id,user_id,order_time,amount,note\n'
                                         '1,10,2024-03-05,5,"第一行\n第二行"\n2,11,2024-03-06,6,x\n')
    df = read_table(path, "orders")
    assert df["note"].tolist() == ["第一行\n第二行", "x"]


# ---------------------------------------------------------------------------------------------
# Tolerant parsing


@pytest.mark.parametrize("text,value", [
    ('"¥1,299.00"', 1299.0), ('"1,299"', 1299.0), ("￥12", 12.0), ("１２３", 123.0), ('"１,２３４.５"', 1234.5),
    ("12 元", 12.0), (" 8.5 ", 8.5), ("1e3", 1000.0), ("$0.99", 0.99), ('"¥1,234,567.8"', 1234567.8),
])
def test_amount_formats(tmp_path, text, value):
    path = orders_csv(tmp_path, f"1,10,2024-03-05,{text}")
    assert read_table(path, "orders", ORDERS_MAP)["amount"].tolist() == [value]


@pytest.mark.parametrize("text,value", [
    ("2024/3/5 14:02", "2024-03-05 14:02"), ("2024-03-05", "2024-03-05"), ("2024年3月5日", "2024-03-05"),
    ("2024年3月5日 14时02分", "2024-03-05 14:02"), ("20240305", "2024-03-05"), ("2024.3.5", "2024-03-05"),
    ("２０２４年３月５日", "2024-03-05"), ("2024-03-05T14:02:00", "2024-03-05 14:02"),
    ("2024-03-05T06:02:00Z", "2024-03-05 14:02"), ("2024-03-05 14:02:00+08:00", "2024-03-05 14:02"),
    ("1709618520", "2024-03-05 14:02"), ("1709618520000", "2024-03-05 14:02"),
    ("2024-03-05 14:02:03.250", "2024-03-05 14:02:03.25"),
])
def test_datetime_formats(tmp_path, text, value):
    path = orders_csv(tmp_path, f"1,10,{text},5")
    assert read_table(path, "orders", ORDERS_MAP)["order_time"].tolist() == [pd.Timestamp(value)]


def test_date_columns_are_normalised_to_midnight(tmp_path):
    path = write(tmp_path, "spend.csv", "date,channel_id,spend,impressions,clicks\n"
                                        "2024/3/5 14:02,c1,1,2,3\n2024年3月6日,c1,1,2,3\n")
    dates = read_table(path, "channel_spend")["date"]
    assert dates.tolist() == [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-06")]


@pytest.mark.parametrize("words,flags", [
    ("1 0", [True, False]), ("true false", [True, False]), ("是 否", [True, False]),
    ("Y N", [True, False]), ("TRUE no", [True, False]),
])
def test_bool_words(tmp_path, words, flags):
    rows = [f"c{i},名称,feed_ads,{w}" for i, w in enumerate(words.split())]
    path = write(tmp_path, "channels.csv", "\n".join(["channel_id,channel_name,channel_type,is_paid", *rows]))
    df = read_table(path, "channels")
    assert df["is_paid"].dtype == bool and df["is_paid"].tolist() == flags


def test_ids_survive_byte_for_byte(tmp_path):
    path = write(tmp_path, "channels.csv", "channel_id,channel_name,channel_type,is_paid\n007,门店,offline,0\n")
    assert read_table(path, "channels")["channel_id"].tolist() == ["007"]
    ids = ["123456789012345678901234567890", "00123", "123", "C00001", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
           "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "d41d8cd98f00b204e9800998ecf8427e", "a+b/c=="]
    path = orders_csv(tmp_path, *(f"{i},{u},2024-03-05,5" for i, u in enumerate(ids)))
    df = read_table(path, "orders", ORDERS_MAP)
    assert df["user_id"].tolist() == ids and df["user_id"].nunique() == len(ids)
    assert df["order_id"].tolist() == [str(i) for i in range(len(ids))]


def test_ids_in_scientific_notation_have_lost_digits_and_are_refused(tmp_path):
    path = orders_csv(tmp_path, "1,1.23457E+17,2024-03-05,5", "2,1e5,2024-03-05,5")
    with pytest.raises(DataError, match="科学计数法") as err:
        read_table(path, "orders", ORDERS_MAP)
    assert err.value.rows == [2] and err.value.column == "user_id"
    assert read_table(path, "orders", ORDERS_MAP, drop_invalid=True)["user_id"].tolist() == ["1e5"]


def test_nullable_id_column_keeps_missing_values(tmp_path):
    path = write(tmp_path, "users.csv", "user_id,register_time,channel_id,referrer_user_id\n"
                                        "1,2024-01-01,c1,\n2,2024-01-02,c1,01\n")
    df = read_table(path, "users")
    assert str(df["referrer_user_id"].dtype) == "str"
    assert df["referrer_user_id"].isna().tolist() == [True, False]
    assert df["referrer_user_id"].tolist()[1] == "01"


def test_orders_without_an_order_id_are_one_order_per_row(tmp_path):
    path = orders_csv(tmp_path, "C1,2024-03-05,5", "", "C1,2024-03-05,5", "C2,2024-03-06,0",
                      header="客户编号,下单时间,实付金额")
    df = read_table(path, "orders", {k: v for k, v in ORDERS_MAP.items() if k != "order_id"})
    assert df["order_id"].tolist() == ["R1", "R2", "R3"]  # record numbers: stable for the same file
    assert df.attrs["synthetic"] == ["order_id"] and df["order_id"].is_unique
    assert list(df.columns[:4]) == ["order_id", "user_id", "order_time", "amount"]


def test_percent_only_in_share_columns(tmp_path):
    path = write(tmp_path, "categories.csv", "category_id,category_name,gross_margin\nc1,蔬菜,35%\nc2,水果,0.2\n")
    assert read_table(path, "categories")["gross_margin"].tolist() == [0.35, 0.2]


# ---------------------------------------------------------------------------------------------
# Dtypes of every canonical table

SAMPLE_VALUES = {"id": ["C001", "00123", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"], "int": ["1", "2", "3"], "float": ["1.5", "2", "3.25"], "str": ["a", "b", "c"],
                 "datetime": ["2024-03-05 14:02:00", "2024/3/6", "2024-03-07 08:30"],
                 "date": ["2024-03-05", "2024/3/6", "2024年3月7日"], "bool": ["1", "否", "Y"]}


def expected_dtype(col: schema.Column) -> str:
    if col.dtype == "int":
        return "Int64" if col.nullable else "int64"
    return {"float": "float64", "str": "str", "id": "str", "bool": "bool", "datetime": "datetime64[us]",
            "date": "datetime64[us]"}[col.dtype]


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_every_table_gets_its_contract_dtypes(tmp_path, table):
    contract = schema.get(table)
    lines = [",".join(contract.names)] + [
        ",".join(SAMPLE_VALUES[c.dtype][i] for c in contract.columns) for i in range(3)]
    df = read_table(write(tmp_path, f"{table}.csv", "\n".join(lines)), table)
    assert list(df.columns) == contract.names
    assert {c.name: str(df[c.name].dtype) for c in contract.columns} == {
        c.name: expected_dtype(c) for c in contract.columns}
    for col in contract.columns:
        if col.dtype == "date":
            assert (df[col.name] == df[col.name].dt.normalize()).all()


# ---------------------------------------------------------------------------------------------
# drop_invalid


def test_drop_invalid_drops_and_counts_each_reason(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,10,2024-03-05,5",
        "2,11,2024-03-05,未知",       # unparseable amount
        "3,,2024-03-05,5",            # null user
        "4,12,2024-03-05,-3",         # negative amount
        "5,13,2099-01-01,5",          # future date
        "1,14,2024-03-06,7",          # duplicate order id
        "6,15,2024-03-06,-1",         # negative amount
        "7,16,2024-03-07,8",
    )
    df = read_table(path, "orders", ORDERS_MAP, drop_invalid=True)
    assert df["order_id"].tolist() == ["1", "7"]
    assert df["user_id"].dtype == "str"
    assert df.attrs["dropped"] == {"user_id：空值": 1, "order_time：晚于今天": 1, "amount：无法识别为数值": 1,
                                   "amount：负数": 2, "order_id：重复": 1}


def test_drop_invalid_keeps_the_first_of_duplicates_only_among_valid_rows(tmp_path):
    path = orders_csv(tmp_path, "1,10,2024-03-05,坏", "1,11,2024-03-05,5")
    df = read_table(path, "orders", ORDERS_MAP, drop_invalid=True)
    assert df["user_id"].tolist() == ["11"]
    assert df.attrs["dropped"] == {"amount：无法识别为数值": 1}


def test_planned_tables_may_have_future_dates(tmp_path):
    path = write(tmp_path, "campaigns.csv", "campaign_id,name,campaign_type,start_date,end_date\n"
                                            "c1,双11,大促,2099-11-01,2099-11-11\n")
    assert read_table(path, "campaigns")["end_date"].tolist() == [pd.Timestamp("2099-11-11")]


# ---------------------------------------------------------------------------------------------
# locate and load_tables


def test_locate_prefers_the_map_and_finds_canonical_names(tmp_path):
    from opskit.data.colmap import ColumnMap, TableMap

    write(tmp_path, "Orders.CSV", ORDERS_TEXT)
    write(tmp_path, "订单导出.csv", ORDERS_TEXT)
    assert locate(tmp_path, "orders") == tmp_path / "Orders.CSV"
    cmap = ColumnMap({"orders": TableMap(file="订单导出.csv")})
    assert locate(tmp_path, "orders", cmap) == tmp_path / "订单导出.csv"
    assert locate(tmp_path, "users") is None
    assert locate(tmp_path, "orders", ColumnMap({"orders": TableMap(file="别的.csv")})) is None


def test_locate_refuses_two_candidates(tmp_path):
    write(tmp_path, "orders.csv", ORDERS_TEXT)
    EXPECTED_ORDERS.to_parquet(tmp_path / "orders.parquet")
    with pytest.raises(DataError, match="多个候选文件"):
        locate(tmp_path, "orders")


def test_load_tables_with_a_map(tmp_path):
    write(tmp_path, "订单导出.csv", ORDERS_TEXT)
    write(tmp_path, "users.csv", "user_id,register_time,channel_id\n10,2024-01-01,c1\n11,2024-01-02,c2\n")
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="封面", index=False)
        pd.DataFrame({"渠道": ["c1"], "名称": ["应用商店"], "类型": ["app_store"], "付费": ["是"]}).to_excel(
            xl, sheet_name="渠道", index=False)
    cmap = write(tmp_path, "map.yaml", "orders:\n  file: 订单导出.csv\n  columns:\n"
                 + "".join(f"    {k}: {v}\n" for k, v in ORDERS_MAP.items())
                 + "channels:\n  file: book.xlsx\n  sheet: 渠道\n  columns:\n    channel_id: 渠道\n"
                   "    channel_name: 名称\n    channel_type: 类型\n    is_paid: 付费\n")
    tables = load_tables(tmp_path, cmap, tables=["orders", "users"], optional=["channels", "events"])
    assert list(tables) == ["orders", "users", "channels"]
    assert_orders(tables["orders"])
    assert tables["channels"]["is_paid"].tolist() == [True]


def test_load_tables_names_every_missing_table_and_its_file_names(tmp_path):
    write(tmp_path, "orders.csv", ORDERS_TEXT)
    with pytest.raises(DataError) as info:
        load_tables(tmp_path, tables=["orders", "users", "channels"])
    message = str(info.value)
    assert "users（用户）" in message and "channels（渠道）" in message
    assert "users.csv 或 users.xlsx 或 users.parquet" in info.value.fix


def test_load_tables_reports_a_mapped_file_that_is_absent(tmp_path):
    cmap = write(tmp_path, "map.yaml", "events:\n  file: 行为.csv\n")
    with pytest.raises(DataError) as info:
        load_tables(tmp_path, cmap, optional=["events"])
    assert "行为.csv" in info.value.fix and "events（行为事件）" in str(info.value)


def test_load_tables_rejects_unknown_table_names(tmp_path):
    with pytest.raises(OpskitError, match="「orders」"):
        load_tables(tmp_path, tables=["oders"])


def test_inputs_are_never_modified(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write(data, "orders.csv", ORDERS_TEXT, "gbk")
    EXPECTED_ORDERS.to_excel(data / "bad.xlsx", index=False)
    before = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in data.iterdir()}
    read_table(data / "orders.csv", "orders", ORDERS_MAP)
    with pytest.raises(DataError):
        read_table(data / "bad.xlsx", "users")
    after = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in data.iterdir()}
    assert after == before


# ---------------------------------------------------------------------------------------------
# The bad-input corpus: each case builds a file, reads it and checks the error


def _excel(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path) as xl:
        for name, frame in sheets.items():
            frame.to_excel(xl, sheet_name=name, index=False)
    return path


def _mixed_encoding(folder: Path) -> Path:
    rows = "".join(f"{i},1,2024-03-05,5\n" for i in range(1, 40000))
    path = folder / "orders.csv"
    path.write_bytes(("订单编号,客户编号,下单时间,实付金额\n" + rows).encode("utf-8")
                     + "40000,1,2024-03-05,５元\n".encode("gbk"))
    return path


def _title_row_workbook(path: Path) -> Path:
    rows = [["订单导出 2024年3月", None, None, None], list(ORDERS_MAP.values()), [1, 2, "2024-01-01", 3]]
    pd.DataFrame(rows).to_excel(path, index=False, header=False)
    return path


T, O = "orders", ORDERS_MAP  # noqa: E741  (short names keep the corpus table readable)
# id: (build(folder) -> path, table, columns, extra kwargs, exception, fragments in the message)
CORPUS = {
    "missing_file": (lambda d: d / "orders.csv", T, O, {}, DataError, ["文件不存在"]),
    "missing_file_near_name": (lambda d: (write(d, "order.csv", ORDERS_TEXT), d / "orders.csv")[1], T, O, {},
                               DataError, ["文件不存在", "order.csv"]),
    "directory": (lambda d: (d / "orders.csv").mkdir() or d / "orders.csv", T, O, {}, DataError, ["文件夹"]),
    "empty_file": (lambda d: write(d, "orders.csv", ""), T, O, {}, DataError, ["文件为空"]),
    "whitespace_only": (lambda d: write(d, "orders.csv", "\n \n\t\n"), T, O, {}, DataError, ["文件为空"]),
    "header_only": (lambda d: orders_csv(d), T, O, {}, DataError, ["只有表头"]),
    "only_empty_rows": (lambda d: orders_csv(d, ",,,", ",,,"), T, O, {}, DataError, ["只有表头"]),
    "binary_with_nul": (lambda d: (d / "orders.csv").write_bytes(bytes(range(256)) * 8) and d / "orders.csv",
                        T, O, {}, DataError, ["不是文本表格"]),
    "undecodable_bytes": (lambda d: (d / "orders.csv").write_bytes(b"\x80\x81\xff" * 500) and d / "orders.csv",
                          T, O, {}, DataError, ["不是文本表格"]),
    "xlsx_named_csv": (lambda d: (_excel(d / "x.xlsx", {"a": EXPECTED_ORDERS}).rename(d / "orders.csv"),
                                  d / "orders.csv")[1], T, O, {}, DataError, ["扩展名改为 .xlsx"]),
    "csv_named_xlsx": (lambda d: write(d, "orders.xlsx", ORDERS_TEXT), T, O, {}, DataError,
                       ["不是 Excel 工作簿"]),
    "old_xls": (lambda d: (d / "orders.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600) and d / "orders.xls",
                T, O, {}, DataError, [".xls", "另存为"]),
    "unsupported_suffix": (lambda d: write(d, "orders.json", "[]"), T, O, {}, DataError, ["不支持的文件格式", ".json"]),
    "corrupt_parquet": (lambda d: (d / "orders.parquet").write_bytes(b"PAR1" + b"junk" * 50) and
                        d / "orders.parquet", T, O, {}, DataError, ["Parquet"]),
    "full_width_comma_delimiter": (lambda d: write(d, "orders.csv", ORDERS_TEXT.replace(",", "，")), T, O, {},
                                   DataError, ["分隔符不对", "中文逗号"]),
    "committed_ragged_rows": (lambda d: BAD_INPUTS / "ragged_thousands.csv", T, O, {}, DataError,
                              ["列数与表头不一致", "第 3、5 行", "双引号"]),
    "mixed_encoding": (_mixed_encoding, T, O, {}, DataError, ["编码不一致"]),
    "missing_required_column": (lambda d: write(d, "orders.csv", "订单编号,客户编号,下单时间\n1,2,2024-01-01\n"),
                                T, {k: v for k, v in O.items() if k != "amount"}, {}, DataError,
                                ["缺少必需的列", "amount（实付金额）", "「订单编号」"]),
    "missing_column_suggests_closest": (
        lambda d: write(d, "orders.csv", "order_id,客户ID,order_time,amount\n1,2,2024-01-01,3\n"), T, None, {},
        DataError, ["user_id（用户ID）", "最接近的是「客户ID」"]),
    "title_row_above_header": (
        lambda d: _title_row_workbook(d / "orders.xlsx"),
        T, O, {}, DataError, ["表头似乎不在第一行"]),
    "map_names_absent_column": (lambda d: orders_csv(d, "1,2,2024-01-01,3"), T, {**O, "amount": "支付金额"}, {},
                                DataError, ["「支付金额」在文件中不存在", "最接近的是「实付金额」"]),
    "all_null_required_column": (lambda d: orders_csv(d, "1,,2024-01-01,3", "2,,2024-01-01,3"), T, O, {},
                                 DataError, ["整列为空", "user_id（文件中的列名为「客户编号」）"]),
    "whole_column_wrong_type": (lambda d: orders_csv(d, "1,2,2024-01-01,app", "2,2,2024-01-01,store"), T, O, {},
                                DataError, ["整列都无法识别为数值", "「app」"]),
    "mixed_types": (lambda d: orders_csv(d, "1,2,2024-01-01,3", "2,2,2024-01-01,未知", "3,2,2024-01-01,4"), T, O,
                    {}, DataError, ["混有无法识别为数值的值", "「未知」", "第 3 行（共 1 行）"]),
    "misplaced_thousands_separator": (lambda d: orders_csv(d, '1,2,2024-01-01,"1,2"', "2,2,2024-01-01,3"), T, O,
                                      {}, DataError, ["「1,2」"]),
    "unparseable_dates": (lambda d: orders_csv(d, "1,2,2024-01-01,3", "2,2,昨天,3"), T, O, {}, DataError,
                          ["无法识别为日期时间", "「昨天」", "order_time"]),
    "ambiguous_us_dates": (lambda d: orders_csv(d, "1,2,2024-01-01,3", "2,2,03/05/2024,3"), T, O, {}, DataError,
                           ["「03/05/2024」", "分不清月和日"]),
    "negative_amount": (lambda d: orders_csv(d, "1,2,2024-01-01,3", "2,2,2024-01-01,-5", "3,2,2024-01-01,¥-1"),
                        T, O, {}, DataError, ["出现负数", "第 3、4 行（共 2 行）"]),
    "quantity_below_one": (lambda d: write(d, "order_lines.csv", "order_id,sku_id,category_id,quantity,"
                                          "line_amount\n1,s,c,1,3\n1,s,c,0,3\n"), "order_lines", None, {},
                           DataError, ["小于 1 的值", "quantity"]),
    "future_dates": (lambda d: orders_csv(d, "1,2,2024-01-01,3", "2,2,2099-12-31,3"), T, O, {}, DataError,
                     ["晚于今天", "2099-12-31"]),
    "duplicate_unique_ids": (lambda d: orders_csv(d, "1,2,2024-01-01,3", "2,2,2024-01-01,3", "1,3,2024-01-01,3"),
                             T, O, {}, DataError, ["应唯一", "第 4 行", "「1」"]),
    "null_in_required_column": (lambda d: orders_csv(d, "1,2,2024-01-01,3", "2,NULL,2024-01-01,3"), T, O, {},
                                DataError, ["1 个空值", "user_id"]),
    "decimals_in_int_column": (lambda d: write(d, "order_lines.csv", "order_id,sku_id,category_id,quantity,line_amount\n"
                                                 "1,s1,c1,2,3\n1,s2,c1,2.5,3\n"), "order_lines", None, {},
                               DataError, ["无法识别为整数", "「2.5」"]),
    "bad_bool_words": (lambda d: write(d, "channels.csv", "channel_id,channel_name,channel_type,is_paid\n"
                                      "c1,a,kol,是\nc2,b,kol,也许\n"), "channels", None, {}, DataError,
                       ["是/否值", "「也许」"]),
    "excel_several_sheets_unnamed": (lambda d: _excel(d / "orders.xlsx", {"一月": EXPECTED_ORDERS,
                                                                          "二月": EXPECTED_ORDERS}),
                                     T, None, {}, DataError, ["「一月」、「二月」", "sheet:"]),
    "excel_unknown_sheet": (lambda d: _excel(d / "orders.xlsx", {"一月": EXPECTED_ORDERS}), T, None,
                            {"sheet": "三月"}, DataError, ["没有名为「三月」的工作表"]),
    "excel_header_only": (lambda d: _excel(d / "orders.xlsx", {"订单": EXPECTED_ORDERS.iloc[:0]}), T, None, {},
                          DataError, ["只有表头"]),
    "duplicate_used_header": (lambda d: write(d, "orders.csv", "order_id,user_id,order_time,amount,amount\n"
                                             "1,2,2024-01-01,3,4\n"), T, None, {}, DataError,
                              ["多个名为「amount」的列"]),
    "canonical_name_clash": (lambda d: write(d, "orders.csv", "order_id,客户编号,user_id,order_time,amount\n"
                                            "1,2,3,2024-01-01,4\n"), T, {"user_id": "客户编号"}, {}, DataError,
                             ["与标准列同名"]),
    "drop_invalid_leaves_nothing": (lambda d: orders_csv(d, "1,2,2024-01-01,-3", "2,2,2024-01-01,-4"), T, O,
                                    {"drop_invalid": True}, DataError, ["剔除后没有剩下任何数据"]),
}


@pytest.mark.parametrize("case", list(CORPUS))
def test_bad_input_corpus(tmp_path, case):
    build, table, columns, kwargs, exc_type, fragments = CORPUS[case]
    path = build(tmp_path)
    with pytest.raises(exc_type) as info:
        read_table(path, table, columns, **kwargs)
    err, message = info.value, str(info.value)
    assert message.startswith("数据问题：")
    assert err.file == str(path) and f"文件：{path}" in message
    assert err.fix and f"解决办法：{err.fix}" in message
    for fragment in fragments:
        assert fragment in message, message


def test_value_errors_name_column_header_rows_and_count(tmp_path):
    rows = [f"{i},2,2024-01-01,{-i if i % 2 else i}" for i in range(1, 31)]
    with pytest.raises(DataError) as info:
        read_table(orders_csv(tmp_path, *rows), "orders", ORDERS_MAP)
    err = info.value
    assert (err.column, err.header) == ("amount", "实付金额")
    assert err.rows[:3] == [2, 4, 6] and err.n_rows == 15
    assert "行：第 2、4、6、8、10 行等（共 15 行）" in str(err)


def test_unknown_canonical_name_in_columns_is_a_map_error(tmp_path):
    with pytest.raises(MapError, match="「amount」"):
        read_table(orders_csv(tmp_path, "1,2,2024-01-01,3"), "orders", {"amout": "实付金额"})


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 30


# ---------------------------------------------------------------------------------------------
# Scale (a measurement, not a timed assertion)


def yuan_text(cents: np.ndarray) -> pd.Series:
    """``¥1,234.56`` for amounts in cents, built column-wise."""
    yuan, fen = pd.Series(cents // 100), pd.Series(cents % 100).astype(str).str.zfill(2)
    thousands, rest = yuan // 1000, (yuan % 1000).astype(str)
    grouped = (thousands.astype(str) + "," + rest.str.zfill(3)).where(thousands > 0, rest)
    return "¥" + grouped + "." + fen


def test_yuan_text():
    assert yuan_text(np.array([5, 123456, 100000000])).tolist() == ["¥0.05", "¥1,234.56", "¥1000,000.00"]


def test_one_million_orders_with_chinese_headers(tmp_path, capsys):
    n = 1_000_000
    rng = np.random.default_rng(0)
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 600 * 86400, n), unit="s")
    pd.DataFrame({
        "订单编号": np.arange(1, n + 1), "客户编号": rng.integers(1, 200_000, n),
        "下单时间": times.strftime("%Y/%m/%d %H:%M"),
        "实付金额": yuan_text(rng.integers(100, 500_000, n)),
    }).to_csv(tmp_path / "orders.csv", index=False)
    start = time.perf_counter()
    df = read_table(tmp_path / "orders.csv", "orders", ORDERS_MAP)
    seconds = time.perf_counter() - start
    with capsys.disabled():
        print(f"\nread_table: {n:,} orders (Chinese headers, ¥ amounts, 2024/3/5 dates) in {seconds:.2f} s")
    assert len(df) == n and df["amount"].min() >= 1.0 and df["order_time"].notna().all()


# ---------------------------------------------------------------------------------------------
# The demo company survives a round trip through every format


@pytest.fixture(scope="module")
def demo():
    from opskit.sim import load_demo

    return load_demo()


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_demo_tables_round_trip_through_csv(tmp_path, demo, table):
    path = tmp_path / f"{table}.csv"
    demo[table].to_csv(path, index=False, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(read_table(path, table), demo[table].reset_index(drop=True))


@pytest.mark.parametrize("table", ["orders", "users", "events"])
def test_demo_tables_round_trip_through_parquet(tmp_path, demo, table):
    path = tmp_path / f"{table}.parquet"
    demo[table].to_parquet(path)
    pd.testing.assert_frame_equal(read_table(path, table), demo[table].reset_index(drop=True))


@pytest.mark.parametrize("table", ["channels", "experiments", "campaigns", "member_tiers", "kols"])
def test_demo_tables_round_trip_through_excel_with_chinese_labels(tmp_path, demo, table):
    labels = {c.name: c.label for c in schema.get(table).columns}
    path = tmp_path / f"{table}.xlsx"
    demo[table].rename(columns=labels).to_excel(path, index=False)
    pd.testing.assert_frame_equal(read_table(path, table), demo[table].reset_index(drop=True))
