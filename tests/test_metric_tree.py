"""Metric tree: evaluation, rendering, and the demo tree's leaves computed from data."""

import numpy as np
import pandas as pd
import pytest

from opskit.metric_tree import (
    DEMO_TREE,
    Metric,
    evaluate,
    leaves,
    to_markdown,
    tree_inputs,
)
from opskit.sim import load_demo
from opskit.viz import metric_tree as plot_tree

SIMPLE = Metric("gmv", "成交额", "*", (Metric("uv", "访客"), Metric("cr", "转化率", unit="%"), Metric("aov", "客单价")))


def test_evaluate_simple_and_series():
    v = evaluate(SIMPLE, {"uv": 100_000, "cr": 0.02, "aov": 200})
    assert v["gmv"] == pytest.approx(400_000)
    s = evaluate(SIMPLE, pd.DataFrame({"uv": [1.0, 2.0], "cr": [0.5, 0.5], "aov": [10.0, 10.0]}))
    assert list(s["gmv"]) == [5.0, 10.0]
    ratio = Metric("cr", "转化率", "/", (Metric("buyers", "买家"), Metric("uv", "访客")))
    assert evaluate(ratio, {"buyers": 2, "uv": 8})["cr"] == 0.25
    with pytest.raises(KeyError):
        evaluate(SIMPLE, {"uv": 1})
    with pytest.raises(ValueError):
        Metric("x", "x", "*")


def test_leaves_markdown_and_plot():
    assert [m.name for m in leaves(DEMO_TREE)] == [
        "new_visitors", "returning_visitors", "conversion", "orders_per_buyer", "gross_aov", "paid_share"]
    text = to_markdown(SIMPLE, {"gmv": 400_000, "uv": 100_000, "cr": 0.02, "aov": 200})
    assert "成交额" in text and "2.00%" in text and text.count("\n") == 3
    import matplotlib
    matplotlib.use("Agg")
    assert plot_tree(DEMO_TREE) is not None


def _demo():
    return load_demo("orders"), load_demo("events")


def test_tree_inputs_rebuild_gmv_and_match_pandas():
    orders, events = _demo()
    t = tree_inputs(orders, events)
    v = evaluate(DEMO_TREE, t)
    np.testing.assert_allclose(v["gmv"], t["gmv"], rtol=1e-9)
    month = orders["order_time"].dt.to_period("M").dt.to_timestamp()
    pd.testing.assert_series_equal(orders.groupby(month)["amount"].sum(), t["gmv"], check_names=False,
                                   check_index_type=False, check_freq=False)
    buyers = orders.groupby(month)["user_id"].nunique()
    assert (t["buyers"].reindex(buyers.index) == buyers).all()
    opens = events[events["event_type"] == "app_open"]
    vis = pd.concat([opens[["user_id"]].assign(m=opens["event_time"].dt.to_period("M").dt.to_timestamp()),
                     orders[["user_id"]].assign(m=month)]).drop_duplicates()
    assert (vis.groupby("m").size().reindex(t.index) == t["visitors"]).all()
    assert (t["conversion"] <= 1).all() and t["new_visitors"].sum() == vis["user_id"].nunique()
