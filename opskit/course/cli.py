"""The ``opskit`` command: list chapters, validate company data, re-run a chapter, build the site.

Exit codes: 0 done; 2 a problem the user can fix (data, column map, paths, permissions,
arguments), with a Chinese message naming the fix; 1 a defect of the kit, and the message says so;
130 / 143 stopped by Ctrl-C (SIGINT) / SIGTERM, after stopping the kernel and deleting the
temporary files, with one Chinese line. Never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import contextmanager

from opskit import __version__
from opskit.errors import Interrupted, OpskitError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

#: argparse's own words in Chinese (Python 3.11–3.13 message ids); anything else stays as it is.
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)":
        "无效的选择：%(value)r，是不是 %(closest)r？（可选：%(choices)s）",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "参数 %s 必须给出其中一个",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项有歧义：%(option)s 可能是 %(matches)s",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "ignored explicit argument %r": "忽略了多余的值 %r",
    "unexpected option string: %s": "意外的选项：%s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
}


@contextmanager
def _chinese_argparse():
    """Translate argparse's own messages while our parser is built and used (argparse reads them
    through its module-level gettext alias ``_``; restored afterwards, so no other parser changes)."""
    english, english_n = argparse._, argparse.ngettext

    def zh(message):
        return ARGPARSE_ZH.get(message, english(message))

    def zh_n(singular, plural, n):
        return zh(singular if n == 1 else plural)

    argparse._, argparse.ngettext = zh, zh_n
    try:
        yield
    finally:
        argparse._, argparse.ngettext = english, english_n


class _Parser(argparse.ArgumentParser):
    """argparse with Chinese usage errors (exit code 2)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        sys.stderr.write(f"opskit：命令参数有误：{message}\n  运行 `opskit --help` 查看用法。\n")
        sys.exit(EXIT_BAD_INPUT)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="opskit", description="精细化运营课程工具包：在演示数据或公司自有数据上运行章节。")
    parser.add_argument("--version", action="version", version=f"opskit {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="命令")

    sub.add_parser("list", help="列出全部章节及其需要的数据表")

    def data_args(p):
        p.add_argument("--data", metavar="DIR", help="公司数据文件夹（默认：内置模拟公司数据）")
        p.add_argument("--map", metavar="FILE", help="列映射 YAML 文件：把你的列名对应到标准列名")
        p.add_argument("--drop-invalid", action="store_true",
                       help="丢弃无效行（负金额、未来日期、重复ID…）而不是停止；报告会写明丢弃行数")

    run = sub.add_parser("run", help="检查数据后执行一个章节，输出执行后的笔记本和 HTML 报告")
    run.add_argument("chapter", metavar="CHAPTER", help="两位章节号（如 00）或笔记本文件名（如 00_overview）")
    data_args(run)
    run.add_argument("--out", metavar="DIR", default="out", help="输出文件夹（默认 out/）")
    run.add_argument("-p", dest="params", metavar="NAME=VALUE", action="append", default=[],
                     help="覆盖笔记本参数，可重复，例如 -p active_days=45（第 00 章；opskit list 列出章节）")
    code = run.add_mutually_exclusive_group()
    code.add_argument("--no-input", action="store_true", default=None,
                      help="HTML 报告中隐藏代码（给了 --data 时默认隐藏）")
    code.add_argument("--show-code", action="store_true", help="输出带代码的完整课程章节（演示数据默认显示代码）")
    kind = run.add_mutually_exclusive_group()
    kind.add_argument("--report", action="store_true", default=None,
                      help="输出管理报告：结论、图表、关键表和决策，不含讲解与代码（给了 --data 时默认）")
    kind.add_argument("--course", action="store_true", help="输出完整的课程章节（含讲解，演示数据默认）")
    run.add_argument("--pseudonymize", action="store_true",
                     help="报告中的用户ID替换为加盐哈希值（同一输出文件夹内多次运行保持一致）")
    run.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                     help="计算引擎：duckdb（默认，表读入本机）或 spark（在 Parquet/数仓表所在处聚合，只算关键表）")

    val = sub.add_parser("validate", help="只检查数据，不执行：每章哪些小节能运行、数据有哪些问题")
    data_args(val)
    val.add_argument("--chapter", metavar="CH", help="只检查这一章（默认：全部章节）")

    sql = sub.add_parser("sql", help="列出命名查询，或按你的 SQL 方言打印一个查询（可直接粘贴到数仓运行）")
    sql.add_argument("name", metavar="NAME", nargs="?", help="查询名（不写则列出全部查询）")
    sql.add_argument("--dialect", default="duckdb", choices=["duckdb", "spark", "hive", "clickhouse", "mysql", "postgres"],
                     help="SQL 方言（默认 duckdb）")
    sql.add_argument("-p", dest="params", metavar="NAME=VALUE", action="append", default=[],
                     help="代入参数，可重复，例如 -p as_of=2026-01-01；未给出的参数保留为占位符")

    site = sub.add_parser("site", help="在演示数据上执行全部章节并生成课程网站（make run 调用）")
    site.add_argument("--out", metavar="DIR", default="build/html", help="网站输出文件夹")

    shop = sub.add_parser("workshop", help="把探讨共创的画布（第 03 或 11 章）作为本机网页应用打开（Voila）")
    shop.add_argument("chapter", metavar="CHAPTER", choices=("03", "11"), help="03 或 11")
    shop.add_argument("--port", type=int, default=8866, help="本机端口（默认 8866）")
    return parser


def _cmd_list(_args) -> int:
    from opskit.course.chapters import CHAPTERS

    for ch in CHAPTERS:
        print(f"{ch.number}  {ch.stem:<24} {ch.title}")
        need = "、".join(ch.required) or "无"
        if ch.required_any:
            need += f"；至少其一：{'、'.join(ch.required_any)}"
        print(f"    必需表：{need}；可用表：{'、'.join(ch.tables)}")
    return EXIT_OK


def _cmd_run(args) -> int:
    from opskit.course.chapters import find
    from opskit.course.progress import CellProgress
    from opskit.course.runner import parse_params, run_chapter

    if args.engine == "spark":
        return _cmd_run_spark(args)
    no_input = False if args.show_code else (True if args.no_input else None)
    management = True if args.report else (False if args.course or args.show_code else None)
    ch = find(args.chapter)
    progress = CellProgress.for_notebook(ch.notebook, f"第 {ch.number} 章 {ch.title}")
    try:
        result = run_chapter(args.chapter, args.data, args.map, args.out, parse_params(args.params),
                             no_input=no_input, drop_invalid=args.drop_invalid,
                             pseudonymize=args.pseudonymize, management=management, progress=progress)
    finally:
        progress.close()
    kind = "管理报告" if result.management else "章节报告"
    print(f"完成（{result.seconds:.1f} 秒）。\n  笔记本：{result.notebook}\n  {kind}：{result.html}\n"
          f"  关键表（Excel）：{result.workbook}\n  用浏览器打开报告即可查看。")
    for table, text in result.dropped.items():
        print(f"  已丢弃 {table} 的无效行：{text}")
    return EXIT_OK


def _cmd_run_spark(args) -> int:
    from opskit.course.runner import parse_params
    from opskit.course.spark_run import run_chapter_spark

    params = parse_params(args.params)
    if set(params) - {"as_of"}:
        raise OpskitError("Spark 模式只接受参数 as_of（-p as_of=YYYY-MM-DD）。")
    result = run_chapter_spark(args.chapter, args.data, args.map, args.out, as_of=params.get("as_of"))
    print(f"完成（{result.seconds:.1f} 秒，Spark）。\n  报告：{result.html}\n  关键表（Excel）：{result.workbook}")
    return EXIT_OK


def _cmd_validate(args) -> int:
    """Exit 0 when the data can be used: with ``--chapter``, that chapter can run; over all
    chapters, no table has a data problem and at least one chapter can run (chapters lacking a
    required table are listed as 无法运行 without failing the check).

    Each data problem is listed once, first; then each chapter's runnability, section by section,
    with the parts that will be skipped for lack of data."""
    from opskit.course.chapters import CHAPTERS, find
    from opskit.course.runner import validate_many

    selected = [find(args.chapter)] if args.chapter else list(CHAPTERS)
    results = validate_many(selected, args.data, args.map, args.drop_invalid)
    unique = list({id(p): p for r in results for p in r.problems}.values())
    listed = [f"数据问题（共 {len(unique)} 个，每个只列一次）："] + [
        f"{i}. " + str(p).replace("\n", "\n   ") for i, p in enumerate(unique, 1)] if unique else []
    text = "\n\n".join(["\n".join(listed)] * bool(listed) + [r.report(problems=False) for r in results])
    problems = bool(unique)
    runnable = [r for r in results if r.ok]
    if args.chapter:
        passed = bool(runnable)
    else:
        passed = not problems and bool(runnable)
    if passed:
        print(text)
        names = "、".join(r.chapter.number for r in runnable)
        print(f"\n数据检查通过：可以运行的章节 {names}（opskit run 章节号 --data … --map …）。")
        return EXIT_OK
    print(text, file=sys.stderr)  # a failed check goes to stderr as a whole, printed once
    if not problems and not runnable:
        print("\n数据检查未通过：没有一章能运行——缺少上面列出的必需表。"
              "请放入相应文件，或在列映射文件中用 file: 指明文件名。", file=sys.stderr)
    else:
        print("\n数据检查未通过：请按上面的提示修正后重试。", file=sys.stderr)
    return EXIT_BAD_INPUT


def _cmd_site(args) -> int:
    from opskit.course.site import build_site

    index = build_site(args.out)
    print(f"课程网站已生成：{index}\n  用浏览器打开它；要交互学习请运行 make lab（JupyterLab 中文界面）。")
    return EXIT_OK


def _cmd_sql(args) -> int:
    """No name: each named query, its one-line description and tables. A name: the query in
    ``--dialect``, given parameters inlined; exit 2 when the dialect cannot express it."""
    from opskit.course.runner import parse_params
    from opskit.data import dialects, engine

    if not args.name:
        for name in engine.names():
            what, tables = dialects.describe(name)
            print(f"{name:<26} {what}\n    表：{tables}")
        print("\n打印一个查询：opskit sql 名称 [--dialect spark|hive|clickhouse|mysql|postgres] [-p as_of=2026-01-01]")
        return EXIT_OK
    try:
        engine.named(args.name)
    except KeyError as err:
        raise OpskitError(err.args[0]) from None
    params = {k: dialects.parse_value(k, v) for k, v in parse_params(args.params).items()}
    unknown = sorted(set(params) - set(engine.named(args.name).params))
    if unknown:
        raise OpskitError(f"查询 {args.name} 没有参数：{'、'.join(unknown)}。\n"
                          f"  它的参数：{'、'.join(engine.named(args.name).params) or '无'}")
    try:
        print(dialects.render(args.name, args.dialect, params), end="")
    except dialects.UnsupportedDialect as err:
        raise OpskitError(f"{err}\n  解决办法：换一种方言（duckdb 与 spark 支持全部查询），或按上面的说明改写。") from None
    return EXIT_OK



def _cmd_workshop(args) -> int:
    import subprocess

    from opskit.course.chapters import find
    from opskit.course.workshop_kit import voila_command

    print(f"共创画布：第 {args.chapter} 章，地址 http://127.0.0.1:{args.port}/ （只在本机；"
          "首次打开要执行整章，约 15–30 秒）。按 Ctrl-C 停止。", flush=True)
    command, env = voila_command(find(args.chapter).notebook, args.port)
    return subprocess.call(command, env=env)


COMMANDS = {"list": _cmd_list, "run": _cmd_run, "validate": _cmd_validate, "site": _cmd_site, "sql": _cmd_sql,
            "workshop": _cmd_workshop}


class _Terminated(BaseException):
    """SIGTERM outside a chapter's execution (which handles it itself)."""


def _terminate(_signum, _frame):
    raise _Terminated()


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    stopped = "opskit：已中断（{}），已停止执行并删除临时文件；没有写入任何输出，已有的报告保持不变。"
    try:
        with _chinese_argparse():
            parser = _build_parser()
            args = parser.parse_args(argv)
        if not args.command:
            with _chinese_argparse():
                parser.print_help()
            return EXIT_BAD_INPUT
        return COMMANDS[args.command](args)
    except OpskitError as err:
        print(f"opskit：{err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Interrupted as stop:
        print(stopped.format("Ctrl-C" if stop.signum == signal.SIGINT else "SIGTERM"), file=sys.stderr)
        return stop.code
    except KeyboardInterrupt:
        print(stopped.format("Ctrl-C"), file=sys.stderr)
        return 128 + signal.SIGINT
    except _Terminated:
        print(stopped.format("SIGTERM"), file=sys.stderr)
        return 128 + signal.SIGTERM
    except BrokenPipeError:  # the output was piped into a program that stopped reading (head)
        return EXIT_OK
    except OSError as err:  # paths and permissions met while working: the user can fix them
        where = f"：{err.filename}" if err.filename else ""
        print(f"opskit：无法读写文件{where}（{err.strerror or err}）。\n"
              "  解决办法：检查路径是否存在、是否有读写权限、磁盘是否已满；没有写入任何输出。", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as err:  # execution failures: say what failed, no traceback
        from opskit.course.runner import describe_failure, is_user_error

        print(f"opskit：{describe_failure(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT if is_user_error(err) else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
