"""The engine never draws DuckDB's progress bar: a widget in a stored output breaks nbval."""

from opskit.data import engine


def test_queries_run_without_a_progress_bar():
    setting = engine.query("SELECT current_setting('enable_progress_bar') AS shown")["shown"].item()
    assert setting is False or setting == "false"
