"""Conditional sentences of chapters 00–06: each turns computed values into the Chinese finding a
chapter prints, and says something different when the data say something different.

The logic lives here, not in the notebooks, so that every branch is unit-tested on constructed
values (``tests/test_findings.py``), including branches the demo company never reaches (a K-factor
above 1, a year in which GMV fell, a month in which new customers outnumber returning ones).
"""

from __future__ import annotations

import math

import pandas as pd

NEGLIGIBLE_PP = 0.1  # differences below this many percentage points are reported as "no difference"


def pp_gap(a: float, b: float, *, a_label: str, b_label: str) -> str:
    """Compare two rates: 「A 比 B 高 x 个百分点」, or 「几乎相同」 when the gap rounds to zero."""
    if any(isinstance(v, float) and math.isnan(v) for v in (a, b)):
        return f"{a_label}与{b_label}无法比较（其中一组没有数据）"
    gap = (a - b) * 100
    if abs(gap) < NEGLIGIBLE_PP:
        return f"{a_label}与{b_label}几乎相同（相差不到 {NEGLIGIBLE_PP:g} 个百分点）"
    return f"{a_label}比{b_label}{'高' if gap > 0 else '低'} {abs(gap):.1f} 个百分点"


def viral_verdict(k: float, cycle_days: float, seed_users: int, horizon_days: int, users_at_horizon: float) -> str:
    """What the K-factor means for growth: an amplifier (K < 1, bounded by 1/(1−K)), linear growth
    (K = 1) or self-sustaining growth (K > 1)."""
    new = users_at_horizon - seed_users
    if k < 1 - 1e-9:
        size = "远小于 1" if k < 0.5 else "小于 1"
        return (f"K {size}：每 {seed_users:,} 位新客经过 {horizon_days} 天最多带来 {new:,.0f} 位新用户"
                f"（上限是放大倍数 1/(1 − K) = {1 / (1 - k):.2f} 倍）。老带新是放大器，不是增长引擎："
                "它能摊薄获客成本，但增长仍要靠拉新。")
    if k <= 1 + 1e-9:
        return (f"K 等于 1：每一批用户恰好带来同样多的新用户，{horizon_days} 天后累计 {users_at_horizon:,.0f} 位，"
                "随周期数线性增长，没有上限也不会加速。")
    return (f"K 大于 1：每一批用户带来更多的新用户，{horizon_days} 天（传播周期 {cycle_days:.1f} 天）后累计 "
            f"{users_at_horizon:,.0f} 位，并且还在加速——老带新本身就是增长引擎。现实中它会被可触达人群封顶"
            "（市场饱和），要同时盯住邀请质量和被邀请人的留存。")


def growth_source(ratio: pd.Series, north_star: str, labels: dict[str, str], *, total: str = "gmv") -> str:
    """Which factor of a multiplicative tree (``total = a × b × c``) drove the year's change in
    ``total``, from the ratios (this year / last year) of the total and its factors."""
    change = ratio[total]
    factors = ratio.drop(total)
    logs = factors.map(math.log)
    if abs(math.log(change)) < 0.02:  # under ±2%: log shares are unstable, say so
        mover = logs.abs().idxmax()
        return (f"{labels[total]}几乎没变（×{change:.2f}）：各因子的变化相互抵消，其中变化最大的是"
                f"{labels[mover]}（×{factors[mover]:.2f}）。")
    share = logs / math.log(change)
    lead = share.idxmax()
    direction = "增长" if change > 1 else "下降"
    parts = "、".join(f"{labels[f]} {share[f]:.0%}" for f in share.index)
    text = f"按对数份额，{labels[total]}{direction}的来源：{parts}。"
    if lead == north_star:
        return text + f"{direction}主要来自北极星（{labels[north_star]}）本身。"
    against = [labels[f] for f in share.index if share[f] < 0]
    text += f"{direction}主要来自{labels[lead]}，而不是北极星（{labels.get(north_star, north_star)}）"
    if north_star in share and share[north_star] < 0:
        text += "——北极星反向变化，是要先查清原因的信号"
    elif against:
        text += f"；{'、'.join(against)}在反向拖累"
    return text + "。"


def buyer_mix(returning_share: float, subject: str = "北极星") -> str:
    """Who carries the buyers (``subject``: the North Star when it is the buyers metric): returning
    or new customers."""
    if returning_share >= 0.55:
        return (f"老客占 **{returning_share:.0%}**，新客占 {1 - returning_share:.0%}：{subject}的大头在老客，"
                "复购与召回团队对它的影响最大，拉新团队决定它的长期增量。")
    if returning_share <= 0.45:
        return (f"新客占 **{1 - returning_share:.0%}**，老客只占 {returning_share:.0%}：{subject}主要靠拉新撑起，"
                "留存一旦跟不上，停投就会掉下来——老客运营是要补的短板。")
    return (f"老客占 {returning_share:.0%}、新客占 {1 - returning_share:.0%}，两者相当："
            f"拉新和老客运营两个团队对{subject}的影响一样大。")


def last_push_target(counts: pd.Series, actions: pd.Series, window_days: int) -> str:
    """Where the 临门一脚 should start: the largest group of near-converters, or no group at all."""
    if counts.sum() == 0:
        return (f"注册后 {window_days} 天内没有「差一步」的新客（没有人加购未下单或浏览未加购）："
                "临门一脚此刻没有对象，先检查埋点是否完整，再把精力放在漏斗前段。")
    biggest = counts.idxmax()
    text = "、".join(f"{name} {int(n):,} 人" for name, n in counts.items())
    empty = [name for name, n in counts.items() if n == 0]
    note = f"（{'、'.join(empty)}为 0，这一类暂时不用做）" if empty else ""
    return f"注册后 {window_days} 天内：{text}{note}。人数最多的机会人群是 **{biggest}**，临门一脚应先从这里做起：{actions[biggest]}。"


def beat_baseline(model_auc: float, baseline_auc: float, *, tolerance: float = 0.005) -> str:
    if model_auc > baseline_auc + tolerance:
        return "模型打败了基线。"
    if model_auc >= baseline_auc - tolerance:
        return "**模型与基线打平**：它没有比「只看多少天没买」多提供信息，先用简单规则，再找更有信息量的特征。"
    return "**模型没有打败基线**：先用简单规则，再找更有信息量的特征。"


def nudge_decision(arms: pd.DataFrame, labels: dict[str, str], order_value: float) -> str:
    """Which 临门一脚 arm to roll out, from :func:`opskit.abtest.incentive_arms`: the arm with the
    highest net value whose net-value CI lies above 0; otherwise why none pays."""
    def name(arm) -> str:
        return labels.get(arm, str(arm))

    paying = arms[arms["net_ci_low"] > 0]
    if len(paying):
        # Arms may differ in size: rank by net value per user when the sizes are known.
        per_user = paying["net_value"] / paying["users"] if "users" in paying else paying["net_value"]
        best = per_user.idxmax()
        row = arms.loc[best]
        cpio = row["cost_per_incremental_order"]
        cost = f"每个增量订单成本 {cpio:,.2f} 元，" if cpio == cpio else ""
        text = (f"**全量上线「{name(best)}」**：它多带来 {row['incremental_orders']:,.0f} 单（下单率 {row['diff']:+.1%}，"
                f"95% CI [{row['ci_low']:+.1%}, {row['ci_high']:+.1%}]），{cost}按每单 {order_value:,.0f} 元毛利算净收益 "
                f"{row['net_value']:,.0f} 元，置信区间 [{row['net_ci_low']:,.0f}, {row['net_ci_high']:,.0f}] 全在 0 以上。")
        stronger = arms[arms["diff"] > row["diff"]]
        if len(stronger):
            text += "".join(f"「{name(a)}」的下单率提升更大（{r['diff']:+.1%}），但每个增量订单要花 "
                            f"{r['cost_per_incremental_order']:,.2f} 元，多出的订单不值这份成本。"
                            for a, r in stronger.iterrows())
        return text
    lifting = arms[arms["ci_low"] > 0]
    if len(lifting):
        text = "、".join(f"「{name(a)}」{r['diff']:+.1%}（净收益 CI [{r['net_ci_low']:,.0f}, {r['net_ci_high']:,.0f}] 元）"
                        for a, r in lifting.iterrows())
        return (f"**没有一组确定赚钱**：{text} 确实提高了下单率，但按每单 {order_value:,.0f} 元毛利，净收益的置信区间含 0 或为负——"
                "先降低成本（换便宜的触达、降低券面额）再测，不要全量上线。")
    return ("**没有一组确定有效**：各组下单率提升的置信区间都包含 0，实验没有证明提醒带来增量；"
            "不要据此上线，扩大样本或换一种提醒再测。")


def coupon_repeat_verdict(randomised, observational=None, *, outcome: str) -> str:
    """Do coupon-acquired first buyers repeat less? ``randomised`` and ``observational`` are
    :class:`opskit.abtest.TestResult` (treatment = coupon); the randomised one decides. Without an
    observational comparison (no coupon column in the orders) only the randomised one is reported."""
    rct = (f"随机实验里，发券组首单顾客的{outcome}是 {randomised.treatment:.1%}，对照组 {randomised.control:.1%}，"
           f"差 {randomised.diff * 100:+.1f} 个百分点（95% CI [{randomised.ci_low * 100:+.1f}, {randomised.ci_high * 100:+.1f}]）")
    obs = "" if observational is None else (
        f"；只看“首单用没用券”的观察对比，差 {observational.diff * 100:+.1f} 个百分点"
        f"（[{observational.ci_low * 100:+.1f}, {observational.ci_high * 100:+.1f}]）")
    if randomised.ci_high < 0:
        verdict = ("。**券拉来的新客复购更少**：首单价值里的“后续复购毛利”对券客要打折，"
                   "按增益发券时应该用券客自己的复购率算首单价值，门槛随之提高。")
    elif randomised.ci_low > 0:
        verdict = "。**券拉来的新客复购反而更多**：券没有只吸引薅羊毛的人，首单价值不必打折。"
    else:
        verdict = "。两组复购率的差别在误差范围内：没有证据说明券客复购更少或更多，首单价值暂不调整。"
    if observational is None:
        return rct + verdict + "用券与否是顾客自己选的，只有随机分组的对比才能说是券造成的。"
    gap = abs(observational.diff - randomised.diff)
    trap = (f"观察对比与随机对比相差 {gap * 100:.1f} 个百分点：用券的顾客和没用券的顾客本来就不是同一群人"
            "（券的种类、领券人群、注册时间都不同），只有随机分组的对比才能说是券造成的。"
            if gap >= 0.01 else
            "这次观察对比碰巧与随机对比接近，但这不能事先保证：用券与否是顾客自己选的，只有随机分组的对比才能说是券造成的。")
    return rct + obs + verdict + trap
