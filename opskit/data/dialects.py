"""A named query in the analyst's own SQL dialect, ready to paste into the company warehouse.

The queries are written once in DuckDB's dialect; sqlglot writes them in Spark SQL, Hive,
ClickHouse, MySQL or PostgreSQL. sqlglot translates syntax, not meaning: where a dialect lacks a
function (Hive has no ``MIN_BY``, MySQL's ``DATEDIFF`` counts only days, PostgreSQL has no
``arg_min``), :func:`unsupported` says so in Chinese and :func:`render` refuses, rather than print
a query that runs and returns something else. Spark is checked by running every query on Spark
(tests/test_engine_spark.py).

>>> print(render("rfm", "spark", {"as_of": "2026-01-01", "window_start": None}))
"""

from __future__ import annotations

import re

import pandas as pd
from sqlglot import exp

from opskit.data import engine
from opskit.data.spark import DIALECTS, UnsupportedDialect, bind, literal, parse, translate

__all__ = ["DIALECTS", "UnsupportedDialect", "render", "unsupported", "support_table", "describe", "parse_value"]

_DAY_ONLY = {"hive": "Hive", "mysql": "MySQL"}  # DATEDIFF counts days only (sqlglot drops the unit)


def _unit(node: exp.Expression) -> str | None:
    unit = node.args.get("unit")
    if unit is None:
        return None
    return (unit.name if isinstance(unit, (exp.Literal, exp.Var)) else unit.sql()).lower()


def unsupported(name: str, dialect: str, params: dict | None = None) -> str | None:
    """Why ``name`` cannot be written in ``dialect`` (Chinese), or ``None`` when it can.

    Units given as parameters (``date_trunc($period, ...)``) are judged with the values in
    ``params``; one left out where the dialect needs a literal unit is itself a reason."""
    if dialect not in DIALECTS:
        return f"未知的 SQL 方言 {dialect!r}；可用：{'、'.join(DIALECTS)}"
    if dialect == "duckdb":
        return None
    tree = bind(parse(engine.sql(name)), params or {}, keep_missing=True)
    reasons = []
    for node in tree.find_all(exp.DateDiff, exp.TimestampDiff, exp.TimestampTrunc, exp.DateTrunc):
        unit_node = node.args.get("unit")
        if isinstance(unit_node, (exp.Parameter, exp.Placeholder)):
            reasons.append(f"时间单位来自参数 ${unit_node.name}，{dialect} 需要写死的单位：请用 -p {unit_node.name}=… 给出")
            continue
        unit = _unit(node)
        if isinstance(node, (exp.DateDiff, exp.TimestampDiff)) and dialect in _DAY_ONLY and unit not in (None, "day"):
            reasons.append(f"{_DAY_ONLY[dialect]} 的 DATEDIFF 只能按天计算，算不了按 {unit} 的间隔")
        if isinstance(node, (exp.TimestampTrunc, exp.DateTrunc)) and unit == "week" and dialect in ("hive", "mysql"):
            reasons.append(f"{_DAY_ONLY[dialect]} 没有按周一开始截断到周的函数（date_trunc('week')）")
    if tree.find(exp.ArgMin, exp.ArgMax) and dialect in ("hive", "mysql", "postgres"):
        reasons.append("没有 MIN_BY/ARG_MIN（按另一列取最小值所在行的值）")
    if tree.find(exp.Median) and dialect in ("hive", "mysql"):
        reasons.append("没有精确中位数 MEDIAN / PERCENTILE_CONT")
    if tree.find(exp.Hour) and dialect == "postgres":
        reasons.append("PostgreSQL 没有 HOUR()，需写 EXTRACT(HOUR FROM …)")
    for node in tree.find_all(exp.Anonymous):
        fname = node.name.lower()
        if fname == "date_part" and dialect in ("hive", "mysql"):
            reasons.append(f"{dialect} 没有 date_part()")
        elif fname == "to_days":
            reasons.append("用到 DuckDB 专有的 to_days()")
    if not reasons:
        return None
    return f"查询 {name} 不能写成 {dialect} 方言：" + "；".join(dict.fromkeys(reasons)) + "。"


def _placeholders(tree: exp.Expression, dialect: str) -> exp.Expression:
    """Parameters not given, as the dialect's named placeholders (ClickHouse's carry a type)."""
    def kind(name: str) -> str:
        if name in ("as_of", "start", "end", "window_start", "since") or name.endswith("_time"):
            return "DateTime64(6)"
        if name in ("period", "diff_unit", "channel", "campaign_id"):
            return "String"
        return "Float64"

    def replace(node):
        if isinstance(node, (exp.Parameter, exp.Placeholder)):
            if dialect == "duckdb":
                return node
            if dialect == "clickhouse":
                return exp.Placeholder(this=exp.var(node.name),
                                   kind=exp.DataType.build(kind(node.name), dialect="clickhouse"))
            return exp.Placeholder(this=node.name)
        return node

    return tree.transform(replace)


def render(name: str, dialect: str = "duckdb", params: dict | None = None) -> str:
    """The named query in ``dialect``, header comment first, ``params`` inlined as literals.

    Parameters not given stay named placeholders, listed in a Chinese note at the top. Raises
    :class:`UnsupportedDialect` (message in Chinese) when the dialect cannot express the query."""
    q = engine.named(name)
    params = {k: v for k, v in (params or {}).items() if k in q.params}
    reason = unsupported(name, dialect, params)
    if reason:
        raise UnsupportedDialect(reason)
    tree = _placeholders(bind(parse(q.text), params, keep_missing=True), dialect)
    body = translate(tree, {}, dialect, keep_missing=True)
    body = "\n".join(line for line in body.splitlines() if not line.startswith("/*"))
    header = "\n".join(f"-- {line}".rstrip() for line in q.header.splitlines())
    lines = [header, f"-- 方言：{dialect}（由 opskit 从 DuckDB 原文经 sqlglot 翻译）"]
    missing = [p for p in q.params if p not in params]
    if given := [p for p in q.params if p in params]:
        lines.append("-- 已代入参数：" + "，".join(f"{p} = {literal(params[p]).sql(dialect=DIALECTS[dialect])}"
                                                 for p in given))
    if missing:
        lines.append("-- 注意：以下参数未给出，保留为占位符，运行前请替换或用 -p 名称=值 代入：" + "、".join(missing))
    return "\n".join(lines) + "\n" + body.rstrip() + ";\n"


def support_table() -> list[tuple[str, list[str]]]:
    """(query, dialects it can be written in), with the example units the kit uses (month, day)."""
    rows = []
    for name in engine.names():
        units = {p: "month" for p in engine.named(name).params if p in ("period",)}
        units.update({p: "day" for p in engine.named(name).params if p == "diff_unit"})
        rows.append((name, [d for d in DIALECTS if _renders(name, d, units)]))
    return rows


def _renders(name: str, dialect: str, params: dict) -> bool:
    try:
        render(name, dialect, params)
    except UnsupportedDialect:
        return False
    return True


def describe(name: str) -> tuple[str, str]:
    """A query's one-line description and its tables, from its header comment."""
    header = engine.named(name).header.splitlines()
    what = header[0].split(":", 1)[1].strip() if header and ":" in header[0] else ""
    text = " ".join(header)
    found = re.search(r"tables:(.*?)(?:rules:|$)", text)
    tables = re.findall(r"(\w+)\(", found.group(1)) if found else []
    return what, ", ".join(dict.fromkeys(tables))


#: Parameters whose values are text even when they look like numbers (ids, units, channel names).
TEXT_PARAMS = {"period", "diff_unit", "channel", "campaign_id"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?")
_NUMBER = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")


def parse_value(name: str, text: str):
    """A ``-p`` value as the literal it stands for: NULL, a timestamp (YYYY-MM-DD[ HH:MM[:SS]]),
    a number, or text (always text for ids and units, or when written in quotes)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if name in TEXT_PARAMS:
        return text
    if text.lower() in ("null", "none", ""):
        return None
    if _DATE.fullmatch(text):
        return pd.Timestamp(text)
    if _NUMBER.fullmatch(text):
        return int(text) if re.fullmatch(r"[-+]?[0-9]+", text) else float(text)
    return text
