"""KANO analysis against docs/methods.md#kano oracles and the planted categories of the demo survey."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from opskit.sim import TRUTHS, load_demo
from opskit.survey import classify, kano_analysis, kano_coefficients, kano_table

matplotlib.use("Agg")


def test_table_structure():
    t = kano_table()
    counts = pd.Series(t.to_numpy().ravel()).value_counts().to_dict()
    assert counts == {"Q": 2, "A": 3, "O": 1, "M": 3, "I": 9, "R": 7}
    assert t.iloc[0, 0] == "Q" and t.iloc[4, 4] == "Q" and t.iloc[0, 4] == "O"
    assert (t.iloc[1:4, 4] == "M").all()
    # functional Like + dysfunctional Dislike is O; the transpose (5, 1) is R
    assert list(classify([1, 5, 2], [5, 1, 5])) == ["O", "R", "M"]


def test_worked_example():
    counts = pd.DataFrame({"A": [40], "O": [25], "M": [15], "I": [15], "R": [3], "Q": [2]}, index=["x"])
    r = kano_coefficients(counts).loc["x"]
    assert r["category"] == "A" and r["n"] == 100
    assert r["better"] == pytest.approx(65 / 95) and round(r["better"], 4) == 0.6842
    assert r["worse"] == pytest.approx(-40 / 95) and round(r["worse"], 4) == -0.4211


@pytest.mark.parametrize("cat,better,worse", [("A", 1, 0), ("M", 0, -1), ("O", 1, -1), ("I", 0, 0)])
def test_closed_form_extremes(cat, better, worse):
    counts = pd.DataFrame({c: [10 if c == cat else 0] for c in "AOMIRQ"}, index=["x"])
    r = kano_coefficients(counts).loc["x"]
    assert r["better"] == better and r["worse"] == worse and r["category"] == cat


def test_tie_break_prefers_must_be():
    counts = pd.DataFrame({"A": [10], "O": [10], "M": [10], "I": [10], "R": [0], "Q": [0]}, index=["x"])
    assert kano_coefficients(counts).loc["x", "category"] == "M"


def test_planted_categories_recovered():
    result = kano_analysis(load_demo()["kano_survey"])
    truth = TRUTHS["survey"]
    assert result["category"].to_dict() == truth["kano_category"]
    assert result["better"].between(0, 1).all() and result["worse"].between(-1, 0).all()
    for feature, b in truth["kano_better"].items():
        assert result.loc[feature, "better"] == pytest.approx(b, abs=0.08)
        assert result.loc[feature, "worse"] == pytest.approx(truth["kano_worse"][feature], abs=0.08)
    shares = result[[f"{c}_share" for c in "AOMIRQ"]].sum(axis=1)
    assert np.allclose(shares, 1)


def test_value_map_roles_on_a_small_survey():
    import pandas as pd

    from opskit.survey import value_map

    rows = []
    ratings = {"快": {"我": 5, "甲": 3}, "省": {"我": 2, "甲": 4}, "全": {"我": 2, "甲": 2}, "好看": {"我": 4, "甲": 4}}
    importance = {"快": 5, "省": 5, "全": 5, "好看": 1}
    for point, by_brand in ratings.items():
        for brand, rating in by_brand.items():
            rows.append({"respondent_id": "r1", "brand": brand, "value_point": point,
                         "importance": importance[point], "rating": rating})
    table = value_map(pd.DataFrame(rows), "我")
    assert table["role"].to_dict() == {"快": "护城河", "全": "空白点", "省": "短板", "好看": "次要"}
    assert table.loc["快", "advantage"] == 2 and table.loc["快", "best_rival"] == "甲"
