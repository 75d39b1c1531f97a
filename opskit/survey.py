"""KANO survey analysis: the evaluation table, per-feature categories, Better/Worse coefficients.

See docs/methods.md#kano. Answers are coded 1 喜欢 (Like), 2 理所当然 (Must-be), 3 无所谓 (Neutral),
4 能忍受 (Live-with), 5 不喜欢 (Dislike).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ANSWERS: tuple[str, ...] = ("我喜欢", "理所当然", "无所谓", "能忍受", "我不喜欢")

#: Rows = functional answer 1..5, columns = dysfunctional answer 1..5 (Berger et al. 1993).
KANO_TABLE: tuple[str, ...] = (
    "QAAAO",
    "RIIIM",
    "RIIIM",
    "RIIIM",
    "RRRRQ",
)

CATEGORIES: tuple[str, ...] = ("A", "O", "M", "I", "R", "Q")
CATEGORY_NAMES: dict[str, str] = {
    "A": "魅力属性", "O": "期望属性", "M": "必备属性", "I": "无差异属性", "R": "反向属性", "Q": "可疑结果",
}
#: Tie-break order for the mode (Berger et al.): M > O > A > I, then R, Q.
TIE_ORDER: tuple[str, ...] = ("M", "O", "A", "I", "R", "Q")

DECISIONS: dict[str, str] = {
    "M": "必须做好：缺了会强烈不满，做好了也只是不扣分；保证底线，不必过度投入。",
    "O": "越多越好：投入与满意度成正比，是竞争的主战场，按性价比持续投入。",
    "A": "惊喜点：没有不会不满，有了明显加分；小成本做出差异化。",
    "I": "用户无所谓：不要投入资源，或砍掉以降低复杂度。",
    "R": "做了反而招致反感：停止或改为可关闭的选项。",
    "Q": "答案自相矛盾：检查题目表述和作答质量。",
}


def kano_table() -> pd.DataFrame:
    """The 5×5 evaluation table as a frame (rows 正向问题/functional, columns 反向问题/dysfunctional)."""
    return pd.DataFrame([list(row) for row in KANO_TABLE],
                        index=pd.Index(ANSWERS, name="正向问题（具备该功能）"),
                        columns=pd.Index(ANSWERS, name="反向问题（不具备该功能）"))


def classify(functional, dysfunctional) -> np.ndarray:
    """Category letter of each answer pair (vectorised lookup in :data:`KANO_TABLE`)."""
    f = np.asarray(functional, dtype=int)
    d = np.asarray(dysfunctional, dtype=int)
    if ((f < 1) | (f > 5) | (d < 1) | (d > 5)).any():
        raise ValueError("KANO answers must be coded 1..5")
    grid = np.array([list(row) for row in KANO_TABLE], dtype=object)
    return grid[f - 1, d - 1]


def category_counts(survey: pd.DataFrame, feature: str = "feature", functional: str = "functional",
                    dysfunctional: str = "dysfunctional") -> pd.DataFrame:
    """Respondents per feature and category (columns A, O, M, I, R, Q; every column present)."""
    cat = pd.Categorical(classify(survey[functional], survey[dysfunctional]), categories=CATEGORIES)
    counts = pd.crosstab(survey[feature], cat, dropna=False).reindex(columns=list(CATEGORIES), fill_value=0)
    counts.columns.name = "category"
    return counts.astype("int64")


def kano_coefficients(counts: pd.DataFrame) -> pd.DataFrame:
    """Category (mode with tie-break M > O > A > I), Better and Worse per feature.

    ``Better = (A+O)/(A+O+M+I)`` and ``Worse = -(O+M)/(A+O+M+I)``; R and Q are excluded from the
    denominator. ``counts`` has columns A, O, M, I, R, Q (e.g. from :func:`category_counts`).
    """
    c = counts.reindex(columns=list(CATEGORIES), fill_value=0).astype(float)
    base = c["A"] + c["O"] + c["M"] + c["I"]
    out = pd.DataFrame(index=c.index)
    out["n"] = c.sum(axis=1).astype("int64")
    ordered = c[list(TIE_ORDER)]
    out["category"] = ordered.idxmax(axis=1)  # idxmax takes the first maximum: the tie order
    out["category_name"] = out["category"].map(CATEGORY_NAMES)
    out["better"] = (c["A"] + c["O"]) / base
    out["worse"] = -(c["O"] + c["M"]) / base
    return out


def kano_analysis(survey: pd.DataFrame, **columns) -> pd.DataFrame:
    """Counts, shares, category, Better and Worse per feature of a long-format KANO survey."""
    counts = category_counts(survey, **columns)
    shares = counts.div(counts.sum(axis=1), axis=0).add_suffix("_share")
    return pd.concat([counts, shares, kano_coefficients(counts)], axis=1)


# --------------------------------------------------------------------------- value points (用户价值点位图)


def value_map(survey: pd.DataFrame, own: str, *, brand: str = "brand", point: str = "value_point",
              importance: str = "importance", rating: str = "rating") -> pd.DataFrame:
    """User value-point map: per value point, its importance and each brand's rating.

    ``survey`` has one row per respondent × brand × value point with a 1–5 importance (how much
    the point matters to the respondent) and a 1–5 rating (how well the brand delivers it).
    Returns one row per value point: ``importance`` (mean), one column per brand (mean rating),
    ``best_rival`` and its rating, ``advantage`` = own rating − best rival rating, and ``role``:

    - 护城河 (moat): important (importance ≥ the median point) and we lead;
    - 短板 (gap): important and a rival leads;
    - 空白点 (white space): important and no brand rates above the midpoint 3 — a new value
      proposition nobody delivers yet;
    - 次要 (minor): the rest.
    """
    from opskit.data import engine

    for col in (brand, point, importance, rating):
        if col not in survey:
            raise KeyError(col)
    canonical = survey.rename(columns={brand: "brand", point: "value_point", importance: "importance",
                                       rating: "rating"})
    if "respondent_id" not in canonical:
        canonical = canonical.assign(respondent_id=np.arange(len(canonical)))
    cells = engine.run("value_points", value_survey=canonical[["respondent_id", "brand", "value_point",
                                                               "importance", "rating"]])
    ratings = cells.pivot(index="value_point", columns="brand", values="rating")
    ratings.index.name, ratings.columns.name = point, brand
    if own not in ratings:
        raise ValueError(f"brand {own!r} is not in the survey")
    rivals = ratings.drop(columns=own)
    # The mean importance of a point over all its answers, from the per-brand means and counts.
    weighted = cells.assign(total=cells["importance"] * cells["answers"]).groupby("value_point")
    table = pd.DataFrame({"importance": weighted["total"].sum() / weighted["answers"].sum()})
    table.index.name = point
    table = table.join(ratings)
    table["best_rival"] = rivals.idxmax(axis=1) if not rivals.empty else ""
    table["best_rival_rating"] = rivals.max(axis=1) if not rivals.empty else np.nan
    table["advantage"] = table[own] - table["best_rival_rating"]
    important = table["importance"] >= table["importance"].median()
    unserved = ratings.max(axis=1) < 3
    table["role"] = np.select([important & unserved, important & (table["advantage"] > 0), important],
                              ["空白点", "护城河", "短板"], default="次要")
    return table.sort_values("importance", ascending=False, kind="stable")
