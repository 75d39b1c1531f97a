"""A small rule-based tag engine: tags defined as data, applied vectorised, with coverage and overlap.

A tag rule is a boolean expression over the columns of a per-user profile table, written in
pandas' ``DataFrame.eval`` syntax (``"frequency >= 5 and monetary > 500"``). Rules are plain data
(a list of dicts, a YAML file or a table), so operators can review and change them without code. See ``docs/methods.md#tags``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class TagRule:
    """One tag: its name, the group (dimension) it belongs to, the rule and what it means."""

    tag: str
    rule: str
    group: str = ""
    description: str = ""


def as_rules(rules) -> list[TagRule]:
    """Accept TagRule objects, dicts or a DataFrame with columns tag, rule[, group, description]."""
    if isinstance(rules, pd.DataFrame):
        rules = rules.to_dict("records")
    out = [r if isinstance(r, TagRule) else TagRule(**r) for r in rules]
    names = [r.tag for r in out]
    if len(set(names)) != len(names):
        raise ValueError("tag names must be unique")
    return out


def rules_table(rules) -> pd.DataFrame:
    """The rules as a table (tag, group, rule, description) for review and export."""
    return pd.DataFrame([asdict(r) for r in as_rules(rules)])[["tag", "group", "rule", "description"]]


def apply_tags(profile: pd.DataFrame, rules) -> pd.DataFrame:
    """Boolean user × tag matrix: ``True`` where the user satisfies the tag's rule.

    Each rule is evaluated once on the whole profile (vectorised); missing values evaluate to
    False. A rule that fails to evaluate raises ``ValueError`` naming the tag.
    """
    cols = {}
    for r in as_rules(rules):
        try:
            value = profile.eval(r.rule)
        except Exception as exc:  # noqa: BLE001 - re-raised with the tag named
            raise ValueError(f"标签 {r.tag!r} 的规则 {r.rule!r} 无法计算：{exc}") from exc
        cols[r.tag] = pd.Series(value, index=profile.index).fillna(False).astype(bool)
    return pd.DataFrame(cols, index=profile.index)


def tag_coverage(tags: pd.DataFrame, rules=None) -> pd.DataFrame:
    """Users and share of users carrying each tag, plus, per group, the share with any tag of it."""
    out = pd.DataFrame({"users": tags.sum().astype("int64"), "coverage": tags.mean()})
    if rules is not None:
        groups = {r.tag: r.group for r in as_rules(rules)}
        out.insert(0, "group", [groups.get(t, "") for t in out.index])
        any_in_group = {g: tags[[t for t in tags if groups.get(t) == g]].any(axis=1).mean()
                        for g in set(groups.values())}
        out["group_coverage"] = out["group"].map(any_in_group)
    out.index.name = "tag"
    return out


def tag_overlap(tags: pd.DataFrame, measure: str = "count") -> pd.DataFrame:
    """Tag × tag overlap: ``count`` (users with both), ``jaccard`` (|A∩B|/|A∪B|) or
    ``conditional`` (share of row-tag users who also carry the column tag)."""
    x = tags.to_numpy(dtype=np.int64)
    both = x.T @ x
    sizes = np.diag(both).astype(float)
    if measure == "count":
        m = both
    elif measure == "jaccard":
        union = sizes[:, None] + sizes[None, :] - both
        m = np.divide(both, union, out=np.zeros_like(both, dtype=float), where=union > 0)
    elif measure == "conditional":
        m = np.divide(both, sizes[:, None], out=np.zeros_like(both, dtype=float), where=sizes[:, None] > 0)
    else:
        raise ValueError("measure must be 'count', 'jaccard' or 'conditional'")
    return pd.DataFrame(m, index=tags.columns, columns=tags.columns)


def untagged_share(tags: pd.DataFrame) -> float:
    """Share of users with no tag at all (the blind spot of the tag system)."""
    return float((~tags.any(axis=1)).mean()) if len(tags) else 0.0


def tag_list(tags: pd.DataFrame, sep: str = "、") -> pd.Series:
    """Each user's tags joined into one string (for a user list export)."""
    names = np.asarray(tags.columns, dtype=object)
    x = tags.to_numpy(dtype=bool)
    return pd.Series([sep.join(names[row]) for row in x], index=tags.index, name="tags")
