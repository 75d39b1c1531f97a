"""The tag engine on hand cases: rules as data, coverage and overlap."""

import numpy as np
import pandas as pd
import pytest

from opskit.tags import (
    TagRule,
    apply_tags,
    rules_table,
    tag_coverage,
    tag_list,
    tag_overlap,
    untagged_share,
)

PROFILE = pd.DataFrame({"frequency": [1, 5, 8, 2, 0], "monetary": [50.0, 600.0, 900.0, 80.0, np.nan],
                        "city": ["一线", "二线", "一线", "三线", "一线"]},
                       index=pd.Index([11, 12, 13, 14, 15], name="user_id"))
RULES = [
    {"tag": "高频", "group": "频次", "rule": "frequency >= 5"},
    {"tag": "低频", "group": "频次", "rule": "frequency < 5 and frequency > 0"},
    {"tag": "高消费", "group": "金额", "rule": "monetary > 500"},
    {"tag": "一线城市", "group": "地域", "rule": "city == '一线'"},
]


def test_apply_rules_as_data():
    tags = apply_tags(PROFILE, RULES)
    assert tags.dtypes.eq(bool).all() and list(tags.columns) == ["高频", "低频", "高消费", "一线城市"]
    assert tags["高频"].tolist() == [False, True, True, False, False]
    assert tags["高消费"].tolist() == [False, True, True, False, False]  # NaN -> False
    same = apply_tags(PROFILE, [TagRule(**r) for r in RULES])
    assert same.equals(tags)
    assert apply_tags(PROFILE, rules_table(RULES)).equals(tags)


def test_coverage_and_overlap_hand_case():
    tags = apply_tags(PROFILE, RULES)
    cov = tag_coverage(tags, RULES)
    assert cov.loc["高频", "users"] == 2 and cov.loc["一线城市", "coverage"] == pytest.approx(0.6)
    assert cov.loc["低频", "group_coverage"] == pytest.approx(0.8)  # user 15 has frequency 0
    count = tag_overlap(tags)
    assert count.loc["高频", "高消费"] == 2 and count.loc["高频", "一线城市"] == 1
    assert count.loc["高频", "低频"] == 0
    jac = tag_overlap(tags, "jaccard")
    assert jac.loc["高频", "高消费"] == 1.0
    assert jac.loc["高频", "一线城市"] == pytest.approx(1 / 4)
    cond = tag_overlap(tags, "conditional")
    assert cond.loc["高频", "一线城市"] == 0.5 and cond.loc["一线城市", "高频"] == pytest.approx(1 / 3)
    assert untagged_share(tags) == 0.0
    assert tag_list(tags).loc[13] == "高频、高消费、一线城市"


def test_bad_rule_names_the_tag():
    with pytest.raises(ValueError, match="坏标签"):
        apply_tags(PROFILE, [{"tag": "坏标签", "rule": "no_such_column > 1"}])
    with pytest.raises(ValueError):
        apply_tags(PROFILE, RULES + [RULES[0]])
