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


IDS = ["00123", "123", "0123", "C00001", "18446744073709551616", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
       "3f2c8a0e-9b1d-4c2e-8f3a-1b2c3d4e5f60", "会员 007"]


@pytest.mark.parametrize("source", ["frame", "parquet"])
def test_text_ids_round_trip_byte_for_byte_through_the_seam(tmp_path, source):
    """Ids are text end to end: leading zeros, 20-digit and alphanumeric ids come back as given, each
    its own customer (00123 != 123), as pandas text, from a frame and from a file scanned in place."""
    from opskit import metrics, segments

    orders = pd.DataFrame({
        "user_id": pd.array([i for i in IDS for _ in range(2)], dtype="str"),
        "order_time": pd.to_datetime(["2025-01-03", "2025-02-01"] * len(IDS)),
        "amount": [1.0, 2.0] * len(IDS),
    })
    table = orders
    if source == "parquet":
        table = tmp_path / "orders.parquet"
        orders.to_parquet(table)
    rfm = segments.rfm_table(table, as_of="2025-03-01")
    assert rfm.index.tolist() == sorted(IDS)
    assert pd.api.types.is_string_dtype(rfm.index.dtype) and rfm["frequency"].eq(2).all()
    kpis = metrics.kpis(orders, period="month")
    assert kpis["buyers"].tolist() == [len(IDS), len(IDS)] and kpis["new_buyers"].tolist() == [len(IDS), 0]
