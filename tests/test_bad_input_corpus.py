"""The bad-input corpus: every case goes through the command line and ends cleanly.

Each case builds a company folder (and a column map) in a temporary directory, runs
``python -m opskit.course.cli validate`` (most cases: fast, nothing executed) or ``run`` (a few), and
asserts the exit code, that the message names the problem (file, column, fix), that no
traceback is printed and that no output is left behind.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field

import pandas as pd
import pytest

from opskit.sim import load_demo

HEADERS = {"order_id": "订单编号", "user_id": "客户编号", "order_time": "下单时间", "amount": "实付金额"}
MAP = "orders:\n  file: 订单导出.csv\n  columns:\n" + "".join(f"    {k}: {v}\n" for k, v in HEADERS.items())


def _orders(n: int = 200) -> pd.DataFrame:
    return load_demo("orders").head(n)[list(HEADERS)].rename(columns=HEADERS)


def _write_csv(frame: pd.DataFrame, encoding: str = "utf-8", sep: str = ",") -> bytes:
    return frame.to_csv(index=False, sep=sep).encode(encoding)


def _with(column: str, rows: dict[int, object]) -> bytes:
    frame = _orders().astype({column: object})
    for row, value in rows.items():
        frame.loc[row, column] = value
    return _write_csv(frame)


def _excel(sheets: dict[str, pd.DataFrame]) -> bytes:
    import io

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buf.getvalue()


GOOD = _write_csv(_orders())
FUTURE = (pd.Timestamp.now() + pd.Timedelta(days=400)).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Case:
    """One bad (or tolerated) input: files of the company folder, the map, the command, the verdict."""

    files: dict[str, bytes]
    words: tuple[str, ...]
    map_text: str | None = MAP
    exit_code: int = 2
    command: str = "validate"
    extra: tuple[str, ...] = ()
    no_folder: bool = False
    out_words: tuple[str, ...] = field(default_factory=tuple)


CASES = {
    "empty_file": Case({"订单导出.csv": b""}, ("订单导出.csv",)),
    "header_only": Case({"订单导出.csv": ",".join(HEADERS.values()).encode() + b"\n"}, ("订单导出.csv",)),
    "blank_lines_only": Case({"订单导出.csv": ",".join(HEADERS.values()).encode() + b"\n\n\n"},
                             ("订单导出.csv",)),
    "binary_garbage": Case({"订单导出.csv": bytes(range(256)) * 40}, ("订单导出.csv",)),
    # Mojibake: UTF-8 bytes once read as Latin-1 and saved again, so no header can be matched.
    "wrong_encoding_mojibake": Case({"订单导出.csv": _orders().to_csv(index=False).encode("utf-8")
                                    .decode("latin-1").encode("utf-8")}, ("订单导出.csv", "order_id")),
    "missing_required_column": Case({"订单导出.csv": _write_csv(_orders().drop(columns="实付金额"))},
                                    ("订单导出.csv", "amount", "实付金额")),
    "all_null_column": Case({"订单导出.csv": _with("实付金额", {i: None for i in range(200)})},
                            ("订单导出.csv", "amount")),
    "mixed_types": Case({"订单导出.csv": _with("实付金额", {3: "abc", 7: "十元"})},
                        ("订单导出.csv", "amount", "行")),
    "huge_integer_id": Case({"订单导出.csv": _with("订单编号", {5: "99999999999999999999999999"})},
                            ("订单导出.csv", "order_id")),
    "negative_amounts": Case({"订单导出.csv": _with("实付金额", {1: -5.0, 2: -9.9})},
                             ("订单导出.csv", "amount", "第 3、4 行")),
    "future_dates": Case({"订单导出.csv": _with("下单时间", {10: FUTURE})}, ("订单导出.csv", "order_time")),
    "unparseable_dates": Case({"订单导出.csv": _with("下单时间", {4: "昨天下午"})},
                              ("订单导出.csv", "order_time")),
    "duplicate_ids": Case({"订单导出.csv": _with("订单编号", {9: 1})}, ("订单导出.csv", "order_id")),
    "null_user_ids": Case({"订单导出.csv": _with("客户编号", {0: None})}, ("订单导出.csv", "user_id")),
    "ragged_rows": Case({"订单导出.csv": GOOD + b"1,2,2024-01-01 10:00:00,3.5,extra,fields\n"},
                        ("订单导出.csv",)),
    "map_names_absent_column": Case({"订单导出.csv": GOOD}, ("订单导出.csv", "付款金额"),
                                    map_text=MAP.replace("amount: 实付金额", "amount: 付款金额")),
    "map_canonical_typo": Case({"订单导出.csv": GOOD}, ("列映射.yaml", "ammount", "amount"),
                               map_text=MAP.replace("amount: 实付金额", "ammount: 实付金额")),
    "map_table_typo": Case({"订单导出.csv": GOOD}, ("列映射.yaml", "oders"),
                           map_text=MAP.replace("orders:", "oders:")),
    "map_yaml_syntax_error": Case({"订单导出.csv": GOOD}, ("列映射.yaml",),
                                  map_text=MAP + "  columns: [unclosed\n"),
    "map_not_a_mapping": Case({"订单导出.csv": GOOD}, ("列映射.yaml",), map_text="- orders\n- users\n"),
    "map_file_missing": Case({"订单导出.csv": GOOD}, ("列映射.yaml",), map_text=None,
                             extra=("--map", "{data}/列映射.yaml")),
    "map_points_to_missing_file": Case({"订单.csv": GOOD}, ("订单导出.csv",)),
    "data_folder_missing": Case({}, ("数据文件夹不存在", "nope"), no_folder=True),
    "no_tables_at_all": Case({"readme.txt": b"hello"}, ("无法运行", "orders"), map_text=None),
    "chapter_lacks_required_table": Case({"users.csv": _write_csv(load_demo("users").head(50))},
                                         ("无法运行", "orders"), map_text=None, extra=("--chapter", "00")),
    "unknown_chapter": Case({"订单导出.csv": GOOD}, ("找不到章节", "99"), extra=("--chapter", "99")),
    "excel_several_sheets": Case({"订单导出.xlsx": _excel({"说明": pd.DataFrame({"a": [1]}),
                                                         "订单": _orders()})},
                                 ("订单导出.xlsx", "sheet"), map_text=MAP.replace(".csv", ".xlsx")),
    "text_renamed_xlsx": Case({"订单导出.xlsx": b"order_id,user_id\n1,2\n"}, ("订单导出.xlsx",),
                              map_text=MAP.replace(".csv", ".xlsx")),
    "corrupt_parquet": Case({"orders.parquet": b"PAR1" + b"\x00" * 64}, ("orders.parquet",), map_text=None),
    # Tolerated: the meaning is clear, so these pass.
    "extra_columns_pass": Case({"订单导出.csv": _write_csv(_orders().assign(备注="无", 门店="A"))}, (),
                               exit_code=0),
    "gbk_encoding_pass": Case({"订单导出.csv": _write_csv(_orders(), encoding="gbk")}, (), exit_code=0),
    "utf16_pass": Case({"订单导出.csv": _orders().to_csv(index=False).encode("utf-16")}, (), exit_code=0),
    "utf8_bom_pass": Case({"订单导出.csv": _write_csv(_orders(), encoding="utf-8-sig")}, (), exit_code=0),
    "excel_chosen_sheet_pass": Case({"订单导出.xlsx": _excel({"说明": pd.DataFrame({"a": [1]}),
                                                            "订单": _orders()})}, (), exit_code=0,
                                    map_text=MAP.replace(".csv", ".xlsx").replace(
                                        "  columns:", "  sheet: 订单\n  columns:")),
    "negative_amounts_dropped_pass": Case({"订单导出.csv": _with("实付金额", {1: -5.0, 2: -9.9})}, (),
                                          exit_code=0, extra=("--drop-invalid",), out_words=("2 行",)),
    # Through `run`: stops before executing and leaves no output.
    "run_negative_amounts": Case({"订单导出.csv": _with("实付金额", {1: -5.0})},
                                 ("订单导出.csv", "amount", "未执行"), command="run"),
    "run_binary_garbage": Case({"订单导出.csv": bytes(range(256)) * 40}, ("订单导出.csv",), command="run"),
    "run_map_typo": Case({"订单导出.csv": GOOD}, ("列映射.yaml", "ammount"), command="run",
                         map_text=MAP.replace("amount: 实付金额", "ammount: 实付金额")),
    "run_out_is_a_file": Case({"订单导出.csv": GOOD}, ("输出位置已存在且不是文件夹",), command="run",
                              extra=("--out", "{data}/company/订单导出.csv")),
    "run_unknown_parameter": Case({"订单导出.csv": GOOD}, ("no_such",), command="run",
                                  extra=("-p", "no_such=1")),
}


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "opskit.course.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, tmp_path):
    case = CASES[name]
    data = tmp_path / ("nope" if case.no_folder else "company")
    if not case.no_folder:
        data.mkdir()
    for file, content in case.files.items():
        (data / file).write_bytes(content)
    args = [case.command]
    if case.command == "run":
        args += ["00", "--out", tmp_path / "out"]
    args += ["--data", data]
    if case.map_text is not None:
        (tmp_path / "列映射.yaml").write_text(case.map_text, encoding="utf-8")
        args += ["--map", tmp_path / "列映射.yaml"]
    args += [a.format(data=tmp_path) for a in case.extra]
    before = {p: p.read_bytes() for p in data.rglob("*")} if data.exists() else {}

    result = _cli(*args)

    assert result.returncode == case.exit_code, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    message = result.stderr if case.exit_code else result.stdout
    for word in case.words + case.out_words:
        assert word in message, message
    if case.exit_code:
        assert "解决办法" in message or "无法运行" in message or "命令" in message, message
    # Inputs are never modified and nothing is written next to them or to --out.
    assert {p: p.read_bytes() for p in data.rglob("*")} == before if data.exists() else True
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir())


def test_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert sum(c.command == "run" for c in CASES.values()) >= 3
