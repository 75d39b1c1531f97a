"""New-business data of 鲜选: a value-point survey against two rivals and a staged rollout.

- ``value_survey``: respondents rate how important seven value points are to them and how well
  鲜选 and two fictional rivals (速鲜达, 惠买菜) deliver each (1–5, a normal draw around a planted
  mean, rounded and clipped). Planted: 鲜选 leads on 新鲜品质 (its moat), trails on 送达速度 and
  价格实惠, and nobody serves 一餐搞定 (ready-to-cook meals) although it matters: the white space
  behind the 预制菜 line.
- ``rollout``: the 预制菜 entry on the app was released in three stages (5%, 20%, 50% of each
  stage's users). Per user: main-line spend in the 14 days before (a CUPED covariate), and total
  and main-line spend in the 14 days of the stage. Planted: the new line adds spend but
  cannibalises the main line by 8%, a guardrail that only the large stage can detect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import conform
from opskit.sim.config import WorldConfig, rng_for

OWN_BRAND = "鲜选"
BRANDS = [OWN_BRAND, "速鲜达", "惠买菜"]
N_RESPONDENTS = 300
RATING_SD = 0.8
VALUE_POINTS = pd.DataFrame(
    # importance, then the mean rating of each brand
    [[4.6, 4.3, 3.6, 3.2],
     [4.4, 3.0, 3.4, 4.3],
     [4.2, 3.9, 4.4, 3.0],
     [4.0, 2.3, 2.6, 2.2],
     [3.6, 3.5, 3.2, 3.9],
     [3.3, 3.8, 3.3, 3.0],
     [2.8, 3.6, 2.9, 2.7]],
    index=["新鲜品质", "价格实惠", "送达速度", "一餐搞定", "品类丰富", "售后服务", "会员权益"],
    columns=["importance", *BRANDS],
)
ROLES = {"新鲜品质": "护城河", "价格实惠": "短板", "送达速度": "短板", "一餐搞定": "空白点",
         "品类丰富": "次要", "售后服务": "次要", "会员权益": "次要"}

STAGES = (("第1阶段", 0.10, 0.05), ("第2阶段", 0.30, 0.20), ("第3阶段", 0.60, 0.50))  # name, users, exposed
MAIN_MEAN = 81.0  # mean 14-day main-line spend of a user
PROPENSITY_SHAPE = 3.0  # gamma shape of users' spending propensity (shared by the pre and test periods)
PERIOD_SIGMA = 0.35  # lognormal noise of one 14-day period around the propensity
NEW_BUY_RATE, NEW_MEAN = 0.25, 60.0  # treated users: probability and mean spend on the new line
CANNIBALISATION = 0.08  # share of main-line spend the new line takes away

_control = MAIN_MEAN
_treated = _control * (1 - CANNIBALISATION) + NEW_BUY_RATE * NEW_MEAN
TRUTHS: dict[str, object] = {
    "value_own_brand": OWN_BRAND,
    "value_roles": ROLES,
    "value_moat": "新鲜品质",
    "value_white_space": "一餐搞定",
    "value_importance": VALUE_POINTS["importance"].to_dict(),
    "rollout_stage_exposure": {name: exposed for name, _, exposed in STAGES},
    "rollout_control_revenue": round(_control, 4),
    "rollout_total_lift": round(_treated / _control - 1, 6),
    "rollout_main_change": -CANNIBALISATION,
}

CARD = f"""\
**新业务：用户价值点位问卷与灰度发布（value_survey、rollout）**

- value_survey：{N_RESPONDENTS} 位受访者对 {len(VALUE_POINTS)} 个价值点打「重要性」分，并给 {"、".join(BRANDS)}（后两个为虚构的竞争对手）
  在每个价值点上的表现打分（1–5 分，围绕埋点均值的正态分布取整截断，σ = {RATING_SD}）。
- 埋点：鲜选在新鲜品质上领先（护城河），送达速度、价格实惠落后（短板）；「一餐搞定」（半成品、预制菜）重要性 4.0，
  但三家的表现都低于 3 分——没人做好的空白点，正是预制菜业务的价值主张。
- rollout：预制菜入口分三个阶段灰度上线，{"；".join(f"{n}抽取 {u:.0%} 的用户、其中 {e:.0%} 看到入口" for n, u, e in STAGES)}。
  每位用户记录灰度前 14 天的消费（CUPED 协变量）、灰度期 14 天总消费与主业消费。埋点：对照组人均 14 天消费 {_control:.0f} 元；新业务带来人均约 {NEW_BUY_RATE * NEW_MEAN:.0f} 元的新消费，
  但主业消费被蚕食 {CANNIBALISATION:.0%}，总消费提升 {TRUTHS["rollout_total_lift"]:.1%}。
"""


def _survey(rng: np.random.Generator, n: int) -> pd.DataFrame:
    points = VALUE_POINTS.index.to_numpy()
    importance = np.clip(np.rint(VALUE_POINTS["importance"].to_numpy()[None, :]
                                 + rng.normal(0, RATING_SD, (n, len(points)))), 1, 5).astype(np.int64)
    means = VALUE_POINTS[BRANDS].to_numpy()  # point × brand
    ratings = np.clip(np.rint(means[None, :, :] + rng.normal(0, RATING_SD, (n, len(points), len(BRANDS)))), 1, 5)
    resp, point, brand = np.indices(ratings.shape).reshape(3, -1)
    return pd.DataFrame({
        "respondent_id": np.char.add("R", np.char.zfill((resp + 1).astype(str), 4)),
        "brand": np.array(BRANDS)[brand],
        "value_point": points[point],
        "importance": importance[resp, point],
        "rating": ratings.ravel().astype(np.int64),
    })


def _rollout(rng: np.random.Generator, user_ids: np.ndarray) -> pd.DataFrame:
    order = rng.permutation(len(user_ids))
    sizes = np.floor(np.array([u for _, u, _ in STAGES]) * len(user_ids)).astype(int)
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    n = bounds[-1]
    stage = np.repeat([name for name, _, _ in STAGES], sizes)
    exposed = np.repeat([e for _, _, e in STAGES], sizes)
    treated = rng.random(n) < exposed
    propensity = rng.gamma(PROPENSITY_SHAPE, MAIN_MEAN / PROPENSITY_SHAPE, n)

    def period() -> np.ndarray:  # one 14-day period of main-line spend, mean-one noise
        return propensity * rng.lognormal(-PERIOD_SIGMA ** 2 / 2, PERIOD_SIGMA, n)

    pre, main = np.round(period(), 2), period()
    main = np.round(np.where(treated, main * (1 - CANNIBALISATION), main), 2)
    new = np.where(treated & (rng.random(n) < NEW_BUY_RATE), rng.gamma(1.5, NEW_MEAN / 1.5, n), 0.0)
    return pd.DataFrame({
        "stage": stage,
        "user_id": user_ids[order[:n]],
        "variant": np.where(treated, "treatment", "control"),
        "pre_revenue": pre,
        "revenue": main + np.round(new, 2),
        "main_revenue": main,
    })


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``value_survey`` and ``rollout``."""
    rng = rng_for(cfg, "newbiz")
    survey = _survey(rng, N_RESPONDENTS)
    user_ids = world["users"]["user_id"].astype(str).to_numpy()
    rollout = _rollout(rng, user_ids)
    return {"value_survey": conform(survey, "value_survey"), "rollout": conform(rollout, "rollout")}
