"""Transitions, Markov chains and the Sankey plot against docs/methods.md#flows oracles."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from opskit.flows import (
    absorption_steps,
    project,
    stationary_distribution,
    transition_matrix,
    transitions,
)
from opskit.viz import sankey

matplotlib.use("Agg")


def test_two_state_stationary_oracle():
    P = pd.DataFrame([[0.9, 0.1], [0.5, 0.5]], index=["活跃", "沉睡"], columns=["活跃", "沉睡"])
    pi = stationary_distribution(P)
    assert pi.to_numpy() == pytest.approx([5 / 6, 1 / 6], abs=1e-12)
    assert np.abs(pi.to_numpy() @ P.to_numpy() - pi.to_numpy()).max() < 1e-12
    assert project(pi, P, 5).to_numpy() == pytest.approx(pi.to_numpy(), abs=1e-12)


def test_absorbing_chain_oracle():
    P = pd.DataFrame([[0.8, 0.2], [0.0, 1.0]], index=["活跃", "流失"], columns=["活跃", "流失"])
    assert absorption_steps(P, ["流失"])["活跃"] == pytest.approx(5)
    # absorbing state only as a column works too
    assert absorption_steps(P.loc[["活跃"]], ["流失"])["活跃"] == pytest.approx(5)


def test_sankey_conservation_with_new_and_lost():
    before = pd.Series({1: "A", 2: "A", 3: "B", 4: "B", 5: "C"})
    after = pd.Series({1: "A", 2: "B", 3: "B", 6: "A", 7: "C"})
    c = transitions(before, after)
    assert list(c.index) == ["A", "B", "C", "新增"] and list(c.columns) == ["A", "B", "C", "流失"]
    assert (c.drop(index="新增").sum(axis=1) == before.value_counts().reindex(["A", "B", "C"])).all()
    assert (c.drop(columns="流失").sum(axis=0) == after.value_counts().reindex(["A", "B", "C"])).all()
    assert c.loc["新增"].sum() == 2 and c["流失"].sum() == 2
    assert c.to_numpy().sum() == 7
    P = transition_matrix(c)
    assert np.allclose(P.sum(axis=1), 1)
    assert P.loc["A", "A"] == 0.5  # row-normalised, not column-normalised


def test_categorical_order_and_empty_new_row():
    cats = pd.CategoricalDtype(["高", "中", "低"], ordered=True)
    before = pd.Series(["低", "高", "中"], index=[1, 2, 3]).astype(cats)
    after = pd.Series(["高", "高", "低"], index=[1, 2, 3]).astype(cats)
    c = transitions(before, after)
    assert list(c.index) == ["高", "中", "低", "新增"]
    P = transition_matrix(c)
    assert "新增" not in P.index and np.allclose(P.sum(axis=1), 1)


def test_sankey_draws(recwarn):
    from opskit.viz import set_theme
    set_theme()
    c = transitions(pd.Series({1: "重要价值客户", 2: "一般发展客户"}), pd.Series({1: "重要价值客户", 3: "一般发展客户"}))
    ax = sankey(c, title="客群流转")
    assert ax.get_title() == "客群流转"
    ax.figure.canvas.draw()
    assert not [w for w in recwarn if "Glyph" in str(w.message)]
