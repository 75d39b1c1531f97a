"""5-why template and stakeholder map: structure, export and quadrant rules."""

import json

import matplotlib
import pytest

from opskit.stakeholders import (
    FiveWhy,
    Stakeholder,
    missing_roles,
    quadrant,
    stakeholder_map,
)
from opskit.viz import stakeholder_map as plot_stakeholder_map

matplotlib.use("Agg")


def test_five_why_export_and_issues():
    fw = FiveWhy("复购率下降").ask("为什么复购下降？", "新客二单率下降")
    assert fw.depth == 1 and len(fw.issues()) == 4
    fw.ask("为什么二单率下降？", "首单后 7 天无触达").ask("为什么无触达？", "企微加粉率低")
    fw.root_cause, fw.action, fw.evidence = "首单后没有承接路径", "包裹卡引导加企微", ["漏斗数据"]
    assert fw.issues() == []
    d = json.loads(fw.to_json())
    assert d["steps"][1] == {"why": "为什么二单率下降？", "answer": "首单后 7 天无触达"}
    md = fw.to_markdown()
    assert "3. 为什么无触达？ → 企微加粉率低" in md and "**根因**：首单后没有承接路径" in md


def test_quadrants_and_map():
    assert quadrant(5, 1) == "重点争取" and quadrant(5, 5) == "依靠推动"
    assert quadrant(1, 5) == "持续告知" and quadrant(1, 1) == "关注观察"
    assert quadrant(3, 3) == "依靠推动"  # the split counts as high
    people = [Stakeholder("王总", "决策者", 5, 2), Stakeholder("李经理", "使用者", 2, 5),
              Stakeholder("IT 张工", "影响者", 4, 4)]
    table = stakeholder_map(people)
    assert table["name"].tolist() == ["王总", "IT 张工", "李经理"]
    assert table.loc[0, "quadrant"] == "重点争取"
    assert missing_roles(people) == ["发起者", "采购者", "把关者"]
    ax = plot_stakeholder_map(table, title="决策链")
    assert len(ax.collections) == 3


def test_validation():
    with pytest.raises(ValueError):
        Stakeholder("x", "老板", 3, 3)
    with pytest.raises(ValueError):
        Stakeholder("x", "决策者", 6, 3)
