"""`opskit sql`: every named query printed in every dialect parses back; unsupported ones say why."""

import pandas as pd
import pytest
import sqlglot

from opskit.course.cli import main
from opskit.data import dialects, engine
from opskit.data.spark import bind, parse

#: Units the kit passes (a dialect without date_diff by unit needs them as literals).
UNITS = {"period": "month", "diff_unit": "day"}


def _units(name):
    return {p: v for p, v in UNITS.items() if p in engine.named(name).params}


@pytest.mark.parametrize("dialect", list(dialects.DIALECTS))
def test_every_printed_query_parses_back_in_its_dialect(dialect):
    printed = 0
    for name in engine.names():
        for params in ({}, _units(name)) if dialect in ("duckdb", "spark") else (_units(name),):
            try:
                text = dialects.render(name, dialect, params)
            except dialects.UnsupportedDialect as err:
                assert "不能写成" in str(err) or "不支持" in str(err)
                continue
            statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
            assert len(statements) == 1, name
            printed += 1
    assert printed >= len(engine.names()) // 2, f"{dialect}: too few queries printable"


def test_duckdb_and_spark_print_every_query():
    for name, supported in dialects.support_table():
        assert {"duckdb", "spark"} <= set(supported), name


def test_hive_is_refused_where_it_lacks_min_by():
    assert "hive" not in dict(dialects.support_table())["clv_summary"]
    with pytest.raises(dialects.UnsupportedDialect, match="MIN_BY"):
        dialects.render("clv_summary", "hive", {"period": "day", "diff_unit": "day"})


def test_given_parameters_are_inlined_as_literals_and_the_rest_stay_named(capsys):
    assert main(["sql", "rfm", "--dialect", "spark", "-p", "as_of=2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert "2026-01-01 00:00:00" in out and ":window_start" in out
    assert "未给出" in out and "window_start" in out.split("未给出", 1)[1].splitlines()[0]
    assert "$as_of" not in out.split("方言", 1)[1]


def test_inlined_text_cannot_break_out_of_its_literal():
    evil = "x' OR '1'='1"
    text = dialects.render("segment_content_response", "spark", {"channel": evil})
    tree = sqlglot.parse_one(text, read="spark")
    strings = [lit.this for lit in tree.find_all(sqlglot.exp.Literal) if lit.is_string]
    assert evil in strings  # one literal holding the whole value, not SQL


def test_printed_duckdb_query_runs_and_gives_the_same_result():
    orders = pd.DataFrame({"user_id": ["001", "001", "002"],
                           "order_time": pd.to_datetime(["2025-01-03 10:00", "2025-02-01 00:00", "2025-02-05 08:30"]),
                           "amount": [10.0, 20.0, 5.0]})
    params = {"as_of": pd.Timestamp("2025-03-01"), "window_start": None}
    text = dialects.render("rfm", "duckdb", params)
    pd.testing.assert_frame_equal(engine.query(text, orders=orders), engine.run("rfm", params, orders=orders))


def test_listing_and_errors(capsys):
    assert main(["sql"]) == 0
    out = capsys.readouterr().out
    for name in engine.names():
        assert name in out
    assert main(["sql", "clv_summary", "--dialect", "hive", "-p", "period=day", "-p", "diff_unit=day"]) == 2
    assert "MIN_BY" in capsys.readouterr().err
    assert main(["sql", "no_such_query"]) == 2
    assert "kpis" in capsys.readouterr().err
    assert main(["sql", "rfm", "-p", "nope=1"]) == 2
    with pytest.raises(SystemExit) as stop:  # argparse refuses an unknown dialect
        main(["sql", "rfm", "--dialect", "oracle"])
    assert stop.value.code == 2


def test_parameter_values_are_typed():
    assert dialects.parse_value("as_of", "2026-01-01") == pd.Timestamp("2026-01-01")
    assert dialects.parse_value("window_days", "30") == 30
    assert dialects.parse_value("min_markup", "0.2") == 0.2
    assert dialects.parse_value("window_start", "null") is None
    assert dialects.parse_value("campaign_id", "00123") == "00123"  # ids stay text
    assert dialects.parse_value("channel", "'公众号'") == "公众号"


def test_bound_tree_has_no_placeholder_left():
    tree = bind(parse(engine.sql("rfm")), {"as_of": pd.Timestamp("2026-01-01"), "window_start": None})
    assert not list(tree.find_all(sqlglot.exp.Placeholder, sqlglot.exp.Parameter))
