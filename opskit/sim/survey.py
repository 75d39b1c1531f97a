"""KANO survey of 鲜选 users about six app features (docs/methods.md#kano).

Each respondent's reaction to a feature is a KANO category drawn from a planted mix for that
feature (its mode is the planted category, the rest is realistic disagreement and a few
questionable answers). The category is then written as the pair of answers to the functional and
dysfunctional questions, drawn uniformly from the cells of the KANO evaluation table that give
that category. Answer codes: 1 我喜欢, 2 理所当然, 3 无所谓, 4 能忍受, 5 我不喜欢.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import conform
from opskit.sim.config import WorldConfig, rng_for

N_RESPONDENTS = 600

# Rows: functional answer 1..5; columns: dysfunctional answer 1..5.
EVALUATION_TABLE = np.array([
    ["Q", "A", "A", "A", "O"],
    ["R", "I", "I", "I", "M"],
    ["R", "I", "I", "I", "M"],
    ["R", "I", "I", "I", "M"],
    ["R", "R", "R", "R", "Q"],
])
CATEGORIES = ["A", "O", "M", "I", "R", "Q"]
# Share of respondents in each category (A, O, M, I, R, Q) per feature.
CATEGORY_MIX = pd.DataFrame(
    [[0.08, 0.22, 0.50, 0.15, 0.02, 0.03],
     [0.20, 0.45, 0.15, 0.15, 0.02, 0.03],
     [0.48, 0.10, 0.05, 0.29, 0.05, 0.03],
     [0.20, 0.05, 0.03, 0.50, 0.19, 0.03],
     [0.05, 0.03, 0.02, 0.30, 0.57, 0.03],
     [0.42, 0.25, 0.08, 0.20, 0.02, 0.03]],
    index=["次日达", "会员专享价", "菜谱推荐", "直播带货", "弹窗推送", "一键复购"],
    columns=CATEGORIES,
)
PLANTED = CATEGORY_MIX.idxmax(axis=1)
_A, _O, _M, _I = (CATEGORY_MIX[c] for c in "AOMI")
_BETTER = (_A + _O) / (_A + _O + _M + _I)
_WORSE = -(_O + _M) / (_A + _O + _M + _I)

TRUTHS: dict[str, object] = {
    "kano_category": PLANTED.to_dict(),
    "kano_category_mix": {f: CATEGORY_MIX.loc[f].to_dict() for f in CATEGORY_MIX.index},
    "kano_better": _BETTER.round(6).to_dict(),
    "kano_worse": _WORSE.round(6).to_dict(),
}

_NAMES = {"A": "魅力", "O": "期望", "M": "必备", "I": "无差异", "R": "反向"}
CARD = f"""\
**KANO 问卷（kano_survey）**

- 从用户中随机抽取至多 {N_RESPONDENTS} 位受访者（respondent_id 即 user_id），对 {len(CATEGORY_MIX)} 个功能各回答正向
  （“有这个功能你觉得如何”）和反向（“没有这个功能你觉得如何”）两题，选项 1 我喜欢、2 理所当然、3 无所谓、4 能忍受、5 我不喜欢。
- 每位受访者对每个功能的真实类别按该功能埋点的类别比例抽取，再按 KANO 评价表随机落到对应的答案组合上。
- 埋点类别（众数）：{"，".join(f"{f} {c}（{_NAMES[c]}）" for f, c in PLANTED.items())}。
  按众数归类应得到上述类别；Better/Worse 系数的期望值见 truths。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``kano_survey``."""
    rng = rng_for(cfg, "survey")
    user_ids = world["users"]["user_id"].to_numpy()
    # Draw positions, not ids: ids are text and need not sort like the users table.
    respondents = user_ids[np.sort(rng.choice(len(user_ids), min(N_RESPONDENTS, len(user_ids)), replace=False))]
    n_features = len(CATEGORY_MIX)
    # Category per (respondent, feature) by inverse-CDF sampling of each feature's mix.
    cdf = CATEGORY_MIX.to_numpy().cumsum(axis=1)
    cdf[:, -1] = 1.0
    u = rng.random((len(respondents), n_features))
    category = (u[:, :, None] > cdf[None, :, :]).sum(axis=2).ravel()
    functional, dysfunctional = _answers(category, rng)
    frame = pd.DataFrame({
        "respondent_id": np.repeat(respondents, n_features),
        "feature": np.tile(CATEGORY_MIX.index.to_numpy(), len(respondents)),
        "functional": functional,
        "dysfunctional": dysfunctional,
    })
    return {"kano_survey": conform(frame, "kano_survey")}


def _answers(category: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A (functional, dysfunctional) answer pair, 1-5, uniformly among the category's cells."""
    cells = [np.argwhere(EVALUATION_TABLE == c) for c in CATEGORIES]
    n_cells = np.array([len(c) for c in cells])
    padded = np.zeros((len(CATEGORIES), n_cells.max(), 2), dtype=np.int64)
    for i, c in enumerate(cells):
        padded[i, : len(c)] = c
    pick = (rng.random(len(category)) * n_cells[category]).astype(np.int64)
    chosen = padded[category, pick]
    return chosen[:, 0] + 1, chosen[:, 1] + 1
