import pandas as pd
import pytest

from opskit.data import engine


def _orders():
    return pd.DataFrame({
        "user_id": ["a", "a", "b"],
        "order_time": pd.to_datetime(["2025-01-03", "2025-02-01", "2025-02-05"]),
        "amount": [10.0, 20.0, 5.0],
        "discount": [0.0, 2.0, 0.0],
        "segment": "",
    })


def test_every_named_query_has_a_header_with_its_rules():
    assert "kpis" in engine.names()
    for name in engine.names():
        header = engine.named(name).header
        assert header.startswith(f"{name}:"), name
        assert "tables:" in header and "rules:" in header, name


def test_named_query_on_a_frame_and_on_a_parquet_file_agree(tmp_path):
    orders = _orders()
    path = tmp_path / "orders.parquet"
    orders.to_parquet(path)
    in_memory = engine.run("kpis", {"period": "month"}, orders=orders)
    from_file = engine.run("kpis", {"period": "month"}, orders=path)
    pd.testing.assert_frame_equal(in_memory, from_file)
    assert in_memory["buyers"].tolist() == [1, 2]
    assert in_memory["new_buyers"].tolist() == [1, 1]
    assert in_memory["gross_gmv"].tolist() == [10.0, 27.0]


def test_parameters_are_bound_not_pasted():
    out = engine.query("SELECT count(*) AS n FROM orders WHERE user_id = $who", {"who": "a' OR '1'='1"},
                       orders=_orders())
    assert out["n"].tolist() == [0]


def test_unknown_query_names_the_known_ones():
    with pytest.raises(KeyError, match="kpis"):
        engine.sql("no_such_query")
