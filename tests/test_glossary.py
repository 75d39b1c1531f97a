import pandas as pd

from opskit.viz import glossary


def test_labels_come_from_the_glossary_then_the_table_contracts():
    assert glossary.label("gmv") == "成交额"
    assert glossary.label("register_time") == "注册时间"
    assert glossary.label("not_a_term") == "not_a_term"


def test_zh_relabels_columns_and_index_without_touching_the_input():
    table = pd.DataFrame({"gmv": [1.0], "buyers": [2]}, index=pd.Index(["2025-01"], name="month"))
    shown = glossary.zh(table, extra={"buyers": "买家"})
    assert list(shown.columns) == ["成交额", "买家"]
    assert shown.index.name == "月份"
    assert list(table.columns) == ["gmv", "buyers"]
