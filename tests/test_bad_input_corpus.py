"""The bad-input corpus: every case goes through the command line and ends cleanly.

Each case builds a company folder (and a column map) in a temporary directory, runs
``python -m opskit.course.cli validate`` (most cases: fast, nothing executed) or ``run`` (a few), and
asserts the exit code, that the message names the problem (file, column, fix), that no
traceback is printed and that no output is left behind.

Categories: empty and broken files, encodings (GBK late in the file, Big5, Shift-JIS, refused
Latin-1/Korean, UTF-8 turning into GBK), ids (alphanumeric, openids, UUIDs, leading zeros, uint64
and inexact float ids in Parquet, scientific notation), optional order id, awkward values (zero,
infinite, absurd amounts, year-1 dates, all-zero columns), -p parameters, paths (--out under a
file, a dangling symlink, the data folder, a report file linked to an input, an unwritable place)
and signals (SIGINT/SIGTERM as real subprocesses, at the end of this file).
"""

from __future__ import annotations

import functools
import io
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from opskit.sim import load_demo

HEADERS = {"order_id": "订单编号", "user_id": "客户编号", "order_time": "下单时间", "amount": "实付金额"}
MAP = "orders:\n  file: 订单导出.csv\n  columns:\n" + "".join(f"    {k}: {v}\n" for k, v in HEADERS.items())


@functools.cache
def _demo_orders() -> pd.DataFrame:
    return load_demo("orders")


def _orders(n: int = 200) -> pd.DataFrame:
    return _demo_orders().head(n)[list(HEADERS)].rename(columns=HEADERS)


def _canonical(**extra) -> pd.DataFrame:
    """The good export with canonical (ASCII) headers and extra columns, for foreign encodings."""
    return _orders().rename(columns={v: k for k, v in HEADERS.items()}).assign(**extra)


def _write_csv(frame: pd.DataFrame, encoding: str = "utf-8", sep: str = ",") -> bytes:
    return frame.to_csv(index=False, sep=sep).encode(encoding)


def _with(column: str, rows: dict[int, object]) -> bytes:
    frame = _orders().astype({column: object})
    for row, value in rows.items():
        frame.loc[row, column] = value
    return _write_csv(frame)


def _excel(sheets: dict[str, pd.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buf.getvalue()


GOOD = _write_csv(_orders())
FUTURE = (pd.Timestamp.now() + pd.Timedelta(days=400)).strftime("%Y-%m-%d %H:%M:%S")
NO_ORDER_ID_MAP = MAP.replace("    order_id: 订单编号\n", "")


def _ids(values) -> bytes:
    """The good export with these customer ids, cycled."""
    frame = _orders()
    frame["客户编号"] = [values[i % len(values)] for i in range(len(frame))]
    return _write_csv(frame)


def _parquet(**columns) -> bytes:
    base = _orders().rename(columns={v: k for k, v in HEADERS.items()})
    table = pa.table({"order_time": pa.array(base["order_time"]), "amount": base["amount"].to_numpy(),
                      **{k: pa.array(v(len(base)) if callable(v) else v) for k, v in columns.items()}})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _late_gbk() -> bytes:
    """ASCII for the first ~600 KB, Chinese (GBK) platform names only at the end."""
    frame = pd.concat([_orders()] * 60, ignore_index=True)
    frame["订单编号"] = range(1, len(frame) + 1)
    frame["下单端"] = ["app"] * (len(frame) - 5) + ["小程序"] * 5
    return _write_csv(frame, encoding="gbk")


def _translated(headers: dict[str, str], encoding: str) -> bytes:
    return _write_csv(_orders().rename(columns=dict(zip(HEADERS.values(), headers.values()))), encoding=encoding)


BIG5_HEADERS = {"order_id": "訂單編號", "user_id": "客戶編號", "order_time": "下單時間", "amount": "實付金額"}
SJIS_HEADERS = {"order_id": "注文番号", "user_id": "顧客番号", "order_time": "注文日時", "amount": "支払金額"}


def _map(headers: dict[str, str]) -> str:
    return "orders:\n  file: 订单导出.csv\n  columns:\n" + "".join(f"    {k}: {v}\n" for k, v in headers.items())


def _symlink(target: str, link: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = root / link
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(root / target)
    return make


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
    chapter: str = "00"
    out: str = "{root}/out"  # --out of a run
    setup: Callable[[Path], None] | None = None  # builds links and folders under the test's root
    once: str = ""  # a text that must appear exactly once in the message


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
    "huge_integer_id_pass": Case({"订单导出.csv": _with("订单编号", {5: "99999999999999999999999999"})}, (),
                                 exit_code=0),  # ids are text: any length survives
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
    # --- ids: any id survives as text; ids that already lost digits are refused -------------
    "alphanumeric_ids_pass": Case({"订单导出.csv": _ids(["C00001", "C00002", "VIP-7", "c00001"])}, (), exit_code=0),
    "openid_uuid_hash_ids_pass": Case({"订单导出.csv": _ids(
        ["o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
         "d41d8cd98f00b204e9800998ecf8427e", "5Lit5paH+/=="])}, (), exit_code=0),
    "leading_zero_ids_pass": Case({"订单导出.csv": _ids(["00123", "123", "0123", "000"])}, (), exit_code=0),
    "twenty_digit_ids_pass": Case({"订单导出.csv": _ids(["12345678901234567890123", "99999999999999999999"])},
                                  (), exit_code=0),
    "uint64_parquet_ids_pass": Case({"orders.parquet": _parquet(
        order_id=lambda n: pa.array(range(2**64 - n, 2**64), pa.uint64()),
        user_id=lambda n: pa.array([2**63 + i % 7 for i in range(n)], pa.uint64()))}, (), exit_code=0,
        map_text=None),
    "inexact_float_parquet_ids": Case({"orders.parquet": _parquet(
        order_id=lambda n: pa.array(range(n), pa.int64()),
        user_id=lambda n: pa.array([1.5e17 + 3.0 * i for i in range(n)], pa.float64()))},
        ("orders.parquet", "user_id", "科学计数法或小数"), map_text=None),
    "scientific_notation_ids": Case({"订单导出.csv": _with("客户编号", {4: "1.23457E+17", 9: "4.56E+15"})},
                                    ("订单导出.csv", "user_id", "科学计数法", "第 6、11 行", "文本")),
    # --- optional order id: one order per row --------------------------------------------------
    "no_order_id_pass": Case({"订单导出.csv": _write_csv(_orders().drop(columns="订单编号"))}, (), exit_code=0,
                             map_text=NO_ORDER_ID_MAP),
    "no_order_id_same_day_repeats_and_zero_amounts_pass": Case(
        {"订单导出.csv": _write_csv(pd.concat([_orders(), _orders().head(20)]).assign(实付金额=lambda d: d["实付金额"]
                                    .where(d.index % 5 != 0, 0.0)).drop(columns="订单编号"))},
        (), exit_code=0, map_text=NO_ORDER_ID_MAP),
    # --- values that would break or mislead ------------------------------------------------------
    "infinite_amount": Case({"订单导出.csv": _with("实付金额", {3: "1e400"})}, ("订单导出.csv", "amount", "无穷大")),
    "inf_text_amount": Case({"订单导出.csv": _with("实付金额", {3: "inf", 4: "-Infinity"})},
                            ("订单导出.csv", "amount", "「inf」")),
    "absurd_amount": Case({"订单导出.csv": _with("实付金额", {8: "13800138000"})},
                          ("订单导出.csv", "amount", "1,000,000,000", "分")),
    "all_zero_amounts": Case({"订单导出.csv": _with("实付金额", {i: 0 for i in range(200)})},
                             ("订单导出.csv", "amount", "整列都是 0")),
    "year_one_dates": Case({"订单导出.csv": _with("下单时间", {2: "0001-01-01 00:00:00"})},
                           ("订单导出.csv", "order_time")),
    "placeholder_1900_dates": Case({"订单导出.csv": _with("下单时间", {2: "1900-01-01", 3: "1900-01-01"})},
                                   ("订单导出.csv", "order_time", "1970", "第 4、5 行")),
    # --- encodings ---------------------------------------------------------------------------------
    "gbk_after_ascii_rows_pass": Case({"订单导出.csv": _late_gbk()}, (), exit_code=0),
    "big5_pass": Case({"订单导出.csv": _translated(BIG5_HEADERS, "big5")}, (), exit_code=0,
                      map_text=_map(BIG5_HEADERS)),
    "shift_jis_pass": Case({"订单导出.csv": _translated(SJIS_HEADERS, "shift_jis")}, (), exit_code=0,
                           map_text=_map(SJIS_HEADERS)),
    "latin1_refused_with_its_name": Case({"orders.csv": _write_csv(_canonical(note="café crème brûlée"),
                                                                encoding="latin-1")},
                                         ("orders.csv", "编码", "cp12", "UTF-8"), map_text=None),
    "korean_refused_with_its_name": Case({"orders.csv": _write_csv(_canonical(note="감사합니다 고객님"),
                                                                encoding="cp949")},
                                         ("orders.csv", "cp949"), map_text=None),
    "utf8_then_gbk_tail": Case({"订单导出.csv": GOOD + "999,7,2024-01-05 10:00:00,5,小程序\n".encode("gbk")},
                               ("订单导出.csv", "编码不一致", "第 202 行")),
    # --- -p parameters ------------------------------------------------------------------------------
    "param_wrong_type": Case({"订单导出.csv": GOOD}, ("active_days", "整数", "三十"), command="run",
                             extra=("-p", "active_days=三十")),
    "param_not_finite": Case({"订单导出.csv": GOOD}, ("top_fraction", "数值"), command="run",
                             extra=("-p", "top_fraction=nan")),
    "param_set_by_an_option": Case({"订单导出.csv": GOOD}, ("data_dir", "--data"), command="run",
                                   extra=("-p", "data_dir=/tmp")),
    "as_of_not_a_date": Case({"订单导出.csv": GOOD}, ("as_of", "notadate", "2025-06-30"), command="run",
                             extra=("-p", "as_of=notadate")),
    "as_of_in_the_future": Case({"订单导出.csv": GOOD}, ("as_of", "晚于明天"), command="run",
                                extra=("-p", "as_of=2999-01-01")),
    "as_of_before_the_data": Case({"订单导出.csv": GOOD}, ("as_of", "第一笔订单"), command="run",
                                  extra=("-p", "as_of=2000-01-01")),
    # --- command line and paths ---------------------------------------------------------------------
    "chapter_superscript_digit": Case({"订单导出.csv": GOOD}, ("找不到章节", "²"), command="run", chapter="²"),
    "chapter_full_width_digit": Case({"订单导出.csv": GOOD}, ("找不到章节",), command="run", chapter="０６"),
    "out_under_a_file": Case({"订单导出.csv": GOOD}, ("不是文件夹",), command="run",
                             out="{root}/company/订单导出.csv/报告"),
    "out_dangling_symlink": Case({"订单导出.csv": GOOD}, ("失效的符号链接",), command="run", out="{root}/link",
                                 setup=_symlink("nowhere", "link")),
    "out_is_the_data_folder": Case({"订单导出.csv": GOOD, "00_overview.html": b"<p>my notes</p>"},
                                   ("数据文件夹",), command="run", out="{root}/company"),
    "out_links_to_the_data_folder": Case({"订单导出.csv": GOOD}, ("数据文件夹",), command="run",
                                         out="{root}/out_link", setup=_symlink("company", "out_link")),
    "report_file_links_to_an_input": Case({"订单导出.csv": GOOD}, ("00_overview.html", "符号链接", "订单导出.csv"),
                                          command="run", setup=_symlink("company/订单导出.csv", "out/00_overview.html")),
    "report_name_is_an_input_folder": Case({"订单导出.csv": GOOD}, ("00_overview.xlsx", "包含"), command="run",
                                           map_text=MAP.replace("file: 订单导出.csv", "file: ../out/00_overview.xlsx/o.csv"),
                                           setup=lambda root: (root / "out" / "00_overview.xlsx").mkdir(parents=True)
                                           or (root / "out" / "00_overview.xlsx" / "o.csv").write_bytes(GOOD)),
    "out_where_nothing_can_be_written": Case({"订单导出.csv": GOOD}, ("无法", "解决办法"), command="run",
                                             out="/proc/opskit-report"),
    "validate_lists_a_problem_once": Case({"订单导出.csv": _with("实付金额", {1: -5.0})}, ("需先修正表 orders",),
                                          once="出现负数"),
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
    if case.setup is not None:
        case.setup(tmp_path)
    args = [case.command]
    if case.command == "run":
        args += [case.chapter, "--out", case.out.format(root=tmp_path)]
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
    if case.once:
        assert message.count(case.once) == 1, message
    # Inputs are never modified and nothing is written next to them or to --out.
    assert {p: p.read_bytes() for p in data.rglob("*")} == before if data.exists() else True
    out = tmp_path / "out"
    assert not out.is_dir() or not [p for p in out.rglob("*") if p.is_file() and not p.is_symlink()
                                    and p.parent.name != "00_overview.xlsx"]


def test_corpus_is_large_enough():
    assert len(CASES) >= 70
    assert sum(c.command == "run" for c in CASES.values()) >= 15
    assert len(SIGNALS) >= 4


# --- signals: real subprocesses --------------------------------------------------------------

SIGNALS = {  # name: (signal, when, expected exit code)
    "sigint_while_the_kernel_runs": (signal.SIGINT, "executing", 130),
    "sigterm_while_the_kernel_runs": (signal.SIGTERM, "executing", 143),
    "sigterm_while_validating": (signal.SIGTERM, "validating", 143),
    "sigint_while_validating": (signal.SIGINT, "validating", 130),
}


@pytest.fixture(scope="module")
def signal_companies(tmp_path_factory):
    """Company folders whose user ids would leak if a cache were left behind: the demo orders
    (executing), and ten copies of them (validating takes a few seconds)."""
    folders = {}
    for when, copies in (("executing", 1), ("validating", 10)):
        folder = tmp_path_factory.mktemp(when) / "company"
        folder.mkdir()
        orders = pd.concat([_demo_orders()] * copies, ignore_index=True)
        orders["order_id"] = [f"o{i}" for i in range(len(orders))]
        orders["user_id"] = "SECRET-" + orders["user_id"]
        orders.to_csv(folder / "orders.csv", index=False)
        folders[when] = folder
    return folders


def _reading(pid: int, path: Path) -> bool:
    """The process has ``path`` open (it is validating it)."""
    try:
        return any(os.readlink(fd) == str(path) for fd in (f"/proc/{pid}/fd/{n}" for n in os.listdir(f"/proc/{pid}/fd")))
    except OSError:
        return False


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(b")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.mark.parametrize("name", list(SIGNALS))
def test_signal_stops_cleanly(name, signal_companies, tmp_path):
    signum, when, code = SIGNALS[name]
    company = signal_companies[when]
    out = tmp_path / "out"
    out.mkdir()
    earlier = {"00_overview.html": b"<p>earlier report</p>", "00_overview.ipynb": b"{}", "00_overview.xlsx": b"x"}
    for file, content in earlier.items():
        (out / file).write_bytes(content)
    proc = subprocess.Popen([sys.executable, "-m", "opskit.course.cli", "run", "00", "--data", company,
                             "--out", out, "--pseudonymize"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline, kernels = time.monotonic() + 120, set()
    while time.monotonic() < deadline and proc.poll() is None:
        staged = list(out.glob(".opskit-*"))
        kernels = _children(proc.pid)
        if when == "validating" and _reading(proc.pid, company / "orders.csv"):
            break
        if when == "executing" and staged and kernels:
            time.sleep(2.0)  # let the kernel start executing cells
            break
        time.sleep(0.1)
    assert proc.poll() is None, "the run ended before the signal was sent"
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("opskit")]
    assert len(lines) == 1 and "已中断" in lines[0], stderr
    assert not [p for p in out.glob(".opskit-*") if p.is_dir()], "the temporary folder (with the cache) was left behind"
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in earlier} == earlier
    assert not any(b"SECRET-" in p.read_bytes() for p in out.rglob("*") if p.is_file())
    time.sleep(0.5)
    for pid in kernels:  # the kernel did not outlive the run
        assert not Path(f"/proc/{pid}").exists() or b"zombie" in Path(f"/proc/{pid}/status").read_bytes()


def test_the_kernel_we_killed_is_not_reported_at_exit(caplog):
    """A task of nbclient can end with DeadKernelError after the loop was settled; asyncio would
    print its traceback when the task is collected. After an interrupt that report is dropped;
    other asyncio errors still show."""
    import asyncio
    import gc

    from opskit.course import runner

    class DeadKernelError(RuntimeError):
        pass

    async def dies(error):
        raise error

    def abandoned_task_fails_with(error):
        loop = asyncio.new_event_loop()
        task = loop.create_task(dies(error))
        loop.run_until_complete(asyncio.sleep(0.01))
        assert task.done()
        del task
        loop.close()
        gc.collect()

    runner._silence_killed_kernel()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        abandoned_task_fails_with(DeadKernelError("Kernel died"))
        assert not caplog.records
        abandoned_task_fails_with(ValueError("a real bug"))
        assert any("never retrieved" in r.getMessage() for r in caplog.records)
