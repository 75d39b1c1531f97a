"""The private-domain workshop canvas (探讨共创2：私域运营体系搭建), built on
:mod:`opskit.course.workshop_kit`.

A group picks a target segment from the data (tags, RFM, lifecycle stage), designs 引流 (touchpoints),
培育 (a weekly content calendar) and 转化 (offers), and writes a KPI tree with owners and guardrails.
The canvas computes the plan's economics live on the data for that segment — reach → join → active →
convert with the step rates measured by chapter 07's method (:func:`opskit.private_domain.member_steps`,
:func:`~opskit.private_domain.segment_rates`), cost per step, incremental margin and payback
(:func:`~opskit.private_domain.plan_economics`) — and flags every assumption that exceeds what the data
shows (:func:`assumptions`). Groups' plans are compared and voted on with a :class:`VoteBoard`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from opskit import lifecycle, private_domain, segments
from opskit.course import workshop_kit as kit
from opskit.course.workshop_kit import KPI, TreeNode, VoteBoard

TOPIC = "private_domain"
SEGMENT_VOTE = "目标客群候选"
PLAN_VOTE = "全场投票：先落地哪个方案"
MIN_MEMBERS = 30  # a segment with fewer measured members borrows all members' rates

#: The economics' metrics: id → (Chinese name, unit). The tree language accepts either.
ECONOMICS = {
    "reach": ("触达人数", "人"), "joined": ("入群人数", "人"), "active": ("互动人数", "人"),
    "converted": ("成交人数", "人"), "join_rate": ("入群率", "比例"), "active_rate": ("互动率", "比例"),
    "convert_rate": ("成交率", "比例"), "cost_reach": ("引流成本", "元"), "cost_nurture": ("培育成本", "元"),
    "cost_convert": ("转化成本", "元"), "total_cost": ("总成本", "元"), "cost_per_join": ("每位入群成本", "元"),
    "cost_per_active": ("每位互动成本", "元"), "cost_per_conversion": ("每位成交成本", "元"),
    "margin_per_converter": ("每位成交者增量毛利", "元"), "incremental_margin": ("增量毛利", "元"),
    "net": ("净收益", "元"), "roi": ("投入产出比", ""), "payback_months": ("回本月数", "月"),
}
DEFAULT_TREE = ("投入产出比 = 增量毛利 ÷ 总成本\n"
                "增量毛利 = 成交人数 × 每位成交者增量毛利\n"
                "成交人数 = 触达人数 × 入群率 × 互动率 × 成交率\n"
                "总成本 = 引流成本 + 培育成本 + 转化成本")


def glossary() -> kit.Glossary:
    return kit.Glossary({m: name for m, (name, _) in ECONOMICS.items()})


def label(metric: str) -> str:
    return ECONOMICS[metric][0] if metric in ECONOMICS else metric


def unit(metric: str) -> str:
    return ECONOMICS[metric][1] if metric in ECONOMICS else ""


def fmt(metric: str, value) -> str:
    if metric == "payback_months" and value is not None and np.isinf(value):
        return "不回本"
    if metric == "roi" and value is not None and np.isfinite(value):
        return f"{value:.2f}"
    return kit.fmt_number(value, unit(metric))


# ---------------------------------------------------------------------------------------------
# Segments from the data


def segment_table(data, as_of) -> pd.DataFrame:
    """Each user's segment on every available dimension: RFM 分群 (orders), 生命周期 (users +
    orders), and the users table's tags (城市等级, 年龄段, 性别, 注册渠道) when present. Indexed by
    user_id (text); one column per dimension."""
    columns = {}
    if data.has("orders"):
        rfm = segments.rfm_table(data["orders"], as_of=as_of)
        columns["RFM 分群"] = segments.rfm_segments(rfm).astype(str)
    if data.has("users", "orders"):
        stages = lifecycle.lifecycle_stages(data["users"], data["orders"], as_of=as_of)
        columns["生命周期"] = stages["stage"].astype(str)
    if data.has("users"):
        users = data["users"].drop_duplicates("user_id").set_index("user_id")
        for col, name in (("city_tier", "城市等级"), ("age_group", "年龄段"), ("gender", "性别"),
                          ("channel_id", "注册渠道")):
            if col in users:
                columns[name] = users[col].astype(str)
    table = pd.DataFrame(columns)
    table.index = table.index.astype(str)
    return table


def segment_users(table: pd.DataFrame, key: str) -> pd.Index:
    """The users of segment ``key`` (``"生命周期：沉睡"``); an unknown key gives a Chinese error."""
    dimension, _, value = key.partition("：")
    if dimension not in table or value not in set(table[dimension]):
        raise ValueError(f"没有客群「{key}」：请从数据中的客群里选（格式「维度：取值」，如「生命周期：沉睡」）。")
    return table.index[table[dimension] == value]


def segment_keys(table: pd.DataFrame) -> list[str]:
    return [f"{dim}：{value}" for dim in table for value in sorted(table[dim].dropna().unique())]


# ---------------------------------------------------------------------------------------------
# The plan


@dataclass
class PrivateDomainPlan(kit.SavedState):
    team_name: str = ""
    segment: str = ""
    north_star: str = "converted"
    touchpoints: list[str] = field(default_factory=list)
    calendar: dict[str, int] = field(default_factory=dict)   # content type → touches per week
    offers: str = ""
    reach: float | None = None          # planned reach; None = the whole segment
    offer_cost: float = 10.0            # 元 per conversion (coupon, gift)
    nurture_cost: float = 2.0           # 元 per member-month (advisers, tools)
    margin_rate: float = 0.25           # gross margin on group orders: no cost column in the data
    months: int = 3
    overrides: dict[str, float] = field(default_factory=dict)  # the plan's own rates / values
    rationale: str = ""
    tree: list[TreeNode] = field(default_factory=list)
    kpis: list[KPI] = field(default_factory=list)
    votes: list[VoteBoard] = field(default_factory=list)

    @property
    def touches_per_week(self) -> int:
        return int(sum(self.calendar.values()))


def demo_plan(team: str = "鲜选私域小组", segment: str = "生命周期：活跃老客") -> PrivateDomainPlan:
    """A pre-filled plan for the demo company 鲜选."""
    board = VoteBoard(SEGMENT_VOTE, ["生命周期：活跃老客", "生命周期：沉睡", "RFM 分群：重要挽留客户"], dots=2, votes={
        "运营 王": ["生命周期：活跃老客", "生命周期：沉睡"], "社群 陈": ["生命周期：活跃老客", "生命周期：活跃老客"],
        "数据 赵": ["RFM 分群：重要挽留客户", "生命周期：活跃老客"], "负责人 周": ["生命周期：沉睡", "生命周期：活跃老客"]})
    board.converge(1)
    return PrivateDomainPlan(
        team_name=team, segment=segment, north_star="converted", touchpoints=["包裹卡", "支付完成页"],
        calendar={"内容": 2, "促销": 1}, offers="入群 7 天内首单满 59 减 10；每周三会员日群接龙",
        rationale="已经在买的人最愿意入群，群里用内容培养习惯、用会员日带动复购。",
        tree=kit.parse_tree(DEFAULT_TREE, glossary()),
        kpis=[KPI("join_rate", "引流运营", None, "周", "cost_per_join"),
              KPI("active_rate", "社群顾问", None, "周", "payback_months"),
              KPI("convert_rate", "社群顾问", None, "月", "cost_convert"),
              KPI("incremental_margin", "私域负责人", None, "月", "total_cost")],
        votes=[board, VoteBoard(PLAN_VOTE, [team], dots=2)],
    )


# ---------------------------------------------------------------------------------------------
# Measured rates, economics and the assumption check


class Evidence:
    """What the data shows for the private domain: per-member funnel rows, segments, touchpoints,
    content types and the fatigue point. Computed once; any segment is then a cheap filter."""

    def __init__(self, data, as_of=None, *, engage_days: int = 14, convert_days: int = 30, months: int = 3):
        self.data = data
        self.members = data["wecom_members"]
        self.touches = data["wecom_touches"]
        self.sources = data["wecom_sources"] if data.has("wecom_sources") else None
        conversions = data["wecom_orders"] if data.has("wecom_orders") else data["orders"]
        self.as_of = pd.Timestamp(as_of) if as_of is not None else \
            self.members["join_time"].max().normalize() + pd.Timedelta(days=1)
        self.value_days = int(30 * months)
        self.steps = private_domain.member_steps(self.members, self.touches, conversions, engage_days=engage_days,
                                                 convert_days=convert_days, value_days=self.value_days,
                                                 as_of=self.as_of)
        self.steps.index = self.steps.index.astype(str)
        self.segments = segment_table(data, self.as_of)
        self.touchpoints = sorted(self.members["source"].dropna().unique()) if "source" in self.members else []
        self.contents = (sorted(self.touches["content"].dropna().unique()) if "content" in self.touches else ["消息"])
        fat = private_domain.fatigue_table(self.touches, as_of=self.as_of)
        usable = fat[fat["member_weeks"] >= 30]
        fit = private_domain.fatigue_point(fat) if len(usable) >= 4 else None
        self.fatigue = int(fit["point"]) if fit is not None and fit["sse"] < 0.5 * fit["flat_sse"] else None
        self._members = self.members.assign(user_id=self.members["user_id"].astype(str))
        self._cache: dict[tuple, pd.Series] = {}
        joined = self.segments.index.isin(self.steps.index)
        self.users = {f"{dim}：{value}": pd.Index(users, name="user_id")
                      for dim in self.segments for value, users in sorted(
                          self.segments.groupby(dim, sort=True).groups.items())}
        self.joined = {key: int(joined[self.segments.index.get_indexer(users)].sum()) for key, users in self.users.items()}
        self.overall = self.rates(None, ())

    def segment(self, key: str) -> pd.Index:
        """The users of segment ``key``; an unknown key gives a Chinese error."""
        if key not in self.users:
            return segment_users(self.segments, key)  # raises the Chinese error
        return self.users[key]

    def touchpoint_rates(self, touchpoints: tuple) -> pd.Series:
        """Join rate and cost per reach of the chosen 引流 touchpoints (all when empty)."""
        key = ("touchpoints", touchpoints)
        if key not in self._cache:
            self._cache[key] = private_domain.segment_rates(
                self.steps.iloc[:0], [], members=self._members, sources=self.sources,
                touchpoints=list(touchpoints) or None, as_of=self.as_of)[
                ["join_reach", "join_joins", "join_rate", "cost_per_reach"]]
        return self._cache[key]

    def rates(self, segment: str | None, touchpoints) -> pd.Series:
        """Measured rates for ``segment`` (None: every member) and the chosen touchpoints, with
        ``segment_size``, ``borrowed`` (1 when the segment had fewer than MIN_MEMBERS measured members
        and the rates of all members are used instead)."""
        key = (segment, tuple(touchpoints))
        if key not in self._cache:
            users = self.steps.index if segment is None else self.segment(segment)
            rates = private_domain.segment_rates(self.steps, users, members=self._members,
                                                 value_days=self.value_days, as_of=self.as_of)
            rates.update(self.touchpoint_rates(tuple(touchpoints)))
            rates["segment_size"] = float(len(users)) if segment is not None else float(len(self.segments))
            rates["borrowed"] = 0.0
            if segment is not None and rates["joined"] < MIN_MEMBERS:
                own = rates.copy()
                rates = self.overall.copy()
                for k in ("join_reach", "join_joins", "join_rate", "cost_per_reach", "segment_size"):
                    rates[k] = own[k]
                rates["own_joined"] = own["joined"]
                rates["borrowed"] = 1.0
            self._cache[key] = rates
        return self._cache[key]


PLAN_VALUES = ("join_rate", "active_rate", "convert_rate", "orders_per_converter", "aov", "incremental_share")
PLAN_NAMES = {"join_rate": "入群率", "active_rate": "互动率", "convert_rate": "成交率",
              "orders_per_converter": "每位成交者订单数", "aov": "客单价", "incremental_share": "增量占比"}
DEFAULT_INCREMENTAL_SHARE = 0.5


def inputs(plan: PrivateDomainPlan, measured: pd.Series) -> dict[str, float]:
    """The plan's inputs: its own overrides where given, else the measured values."""
    values = {k: float(measured.get(k, np.nan)) for k in PLAN_VALUES}
    values["incremental_share"] = float(measured.get("incremental_share", DEFAULT_INCREMENTAL_SHARE))
    values.update({k: float(v) for k, v in plan.overrides.items() if k in PLAN_VALUES})
    return values


def economics(plan: PrivateDomainPlan, measured: pd.Series) -> pd.Series:
    """The plan's economics (:func:`opskit.private_domain.plan_economics`) on the measured rates."""
    v = inputs(plan, measured)
    reach = plan.reach if plan.reach is not None else measured["segment_size"]
    clean = {k: (0.0 if not np.isfinite(x) else x) for k, x in v.items()}
    cost_per_reach = measured["cost_per_reach"] if np.isfinite(measured["cost_per_reach"]) else 0.0
    stay = measured["stay_months"] if np.isfinite(measured["stay_months"]) else plan.months
    return private_domain.plan_economics(
        float(reach), clean["join_rate"], clean["active_rate"], clean["convert_rate"],
        cost_per_reach=cost_per_reach, nurture_cost_per_member_month=plan.nurture_cost, stay_months=stay,
        offer_cost=plan.offer_cost, orders_per_converter=clean["orders_per_converter"], aov=clean["aov"],
        margin_rate=plan.margin_rate, incremental_share=clean["incremental_share"], months=plan.months)


def _wilson_high(successes: float, trials: float) -> float:
    from statsmodels.stats.proportion import proportion_confint

    if not np.isfinite(trials) or trials <= 0:
        return np.nan
    return float(proportion_confint(successes, trials, alpha=0.05, method="wilson")[1])


def assumptions(plan: PrivateDomainPlan, measured: pd.Series, fatigue: int | None = None) -> pd.DataFrame:
    """Each input of the plan beside what the data shows, with a verdict: 采用实测值, 在数据范围内,
    ⚠ 超出数据 (a rate above the upper end of its 95% Wilson interval, a value above the measured
    one, a reach larger than the segment, a touch frequency above the fatigue point) or 无数据，纯假设."""
    rows = []
    size = measured["segment_size"]
    reach = plan.reach if plan.reach is not None else size
    rows.append(("触达人数", kit.fmt_number(reach, "人"), f"客群共 {kit.fmt_number(size, '人')}",
                 "⚠ 超出数据" if reach > size else "在数据范围内"))
    trials = {"join_rate": ("join_joins", "join_reach"), "active_rate": ("engaged", "joined"),
              "convert_rate": ("converted", "engaged")}
    for key, (num, den) in trials.items():
        seen = measured.get(key, np.nan)
        shown = (f"实测 {kit.fmt_number(seen, '比例')}（{int(measured[num]) if np.isfinite(measured[num]) else 0}/"
                 f"{int(measured[den]) if np.isfinite(measured[den]) else 0}）") if np.isfinite(seen) else "数据中没有"
        if key not in plan.overrides:
            verdict = "采用实测值" if np.isfinite(seen) else "无数据，纯假设"
            rows.append((PLAN_NAMES[key], kit.fmt_number(seen, "比例"), shown, verdict))
            continue
        mine = plan.overrides[key]
        high = _wilson_high(measured[num], measured[den]) if np.isfinite(seen) else np.nan
        verdict = ("无数据，纯假设" if not np.isfinite(high) else
                   f"⚠ 超出数据（95% 区间上限 {kit.fmt_number(high, '比例')}）" if mine > high else "在数据范围内")
        rows.append((PLAN_NAMES[key], kit.fmt_number(mine, "比例"), shown, verdict))
    for key, u in (("orders_per_converter", "单"), ("aov", "元")):
        seen = measured.get(key, np.nan)
        shown = f"实测 {kit.fmt_number(seen, u)}" if np.isfinite(seen) else "数据中没有"
        if key not in plan.overrides:
            rows.append((PLAN_NAMES[key], kit.fmt_number(seen, u), shown,
                         "采用实测值" if np.isfinite(seen) else "无数据，纯假设"))
        else:
            mine = plan.overrides[key]
            rows.append((PLAN_NAMES[key], kit.fmt_number(mine, u), shown,
                         "无数据，纯假设" if not np.isfinite(seen) else "⚠ 超出数据" if mine > seen else "在数据范围内"))
    share = plan.overrides.get("incremental_share", measured.get("incremental_share", DEFAULT_INCREMENTAL_SHARE))
    rows.append(("增量占比", kit.fmt_number(share, "比例"), "需随机留出组或匹配对照（第 07 章）来测", "无数据，纯假设"))
    rows.append(("毛利率", kit.fmt_number(plan.margin_rate, "比例"), "订单表没有成本列", "无数据，纯假设"))
    week = plan.touches_per_week
    rows.append(("每周触达条数", f"{week} 条",
                 f"退订拐点 每周 {fatigue} 条" if fatigue is not None else "数据中看不出疲劳拐点",
                 ("⚠ 超出数据（超过疲劳点）" if week > fatigue else "在数据范围内") if fatigue is not None else "无数据，纯假设"))
    if measured.get("borrowed", 0) == 1:
        rows.append(("客群的漏斗", "全体成员的实测值", f"该客群只有 {int(measured.get('own_joined', 0))} 位入群成员",
                     f"⚠ 少于 {MIN_MEMBERS} 人，借用全体成员的比率"))
    return pd.DataFrame(rows, columns=["假设", "计划值", "数据显示", "判断"])


def plan_markdown(plan: PrivateDomainPlan, econ: pd.Series, checks: pd.DataFrame) -> str:
    """The plan as Markdown: segment, 引流 / 培育 / 转化, economics, assumptions, KPI tree, votes."""
    lines = [f"# {plan.team_name or '（未命名小组）'}：私域运营体系方案", "",
             f"**小组**：{plan.team_name or '（未命名小组）'}", "",
             f"**目标客群**：{plan.segment}；北极星：**{label(plan.north_star)}** = {fmt(plan.north_star, econ.get(plan.north_star))}",
             "", f"理由：{plan.rationale or '（未填写）'}", "", "## 引流 · 培育 · 转化", "",
             f"- 引流触点：{'、'.join(plan.touchpoints) or '（全部触点）'}",
             f"- 培育日历：每周 {plan.touches_per_week} 条（" + "，".join(f"{k} {v} 条" for k, v in plan.calendar.items()) + "）",
             f"- 转化方案：{plan.offers or '（未填写）'}（每位成交成本 {kit.fmt_number(plan.offer_cost, '元')}）", "",
             "## 经济账", "", "| 环节 | 人数 | 环节转化率 | 成本 |", "|---|---:|---:|---:|"]
    for step, rate, cost in (("reach", None, "cost_reach"), ("joined", "join_rate", None),
                             ("active", "active_rate", "cost_nurture"), ("converted", "convert_rate", "cost_convert")):
        lines.append(f"| {label(step)} | {fmt(step, econ[step])} | {fmt(rate, econ[rate]) if rate else ''} | "
                     f"{fmt(cost, econ[cost]) if cost else ''} |")
    lines += ["", f"总成本 {fmt('total_cost', econ['total_cost'])}，增量毛利 {fmt('incremental_margin', econ['incremental_margin'])}，"
              f"净收益 {fmt('net', econ['net'])}，投入产出比 {fmt('roi', econ['roi'])}，回本 {fmt('payback_months', econ['payback_months'])}"
              f"{'个月' if np.isfinite(econ['payback_months']) else ''}（{plan.months} 个月的方案期）。", "",
              "## 假设检查", "", "| 假设 | 计划值 | 数据显示 | 判断 |", "|---|---|---|---|"]
    lines += [f"| {r['假设']} | {r['计划值']} | {r['数据显示']} | {r['判断']} |" for _, r in checks.iterrows()]
    lines += ["", "## KPI 树", ""]
    values = {m: fmt(m, econ[m]) for m in econ.index if m in ECONOMICS}
    lines += kit.tree_markdown(plan.tree, label, plan.north_star, values) or ["（尚未搭建）"]
    lines += ["", "| KPI | 责任人 | 目标 | 频率 | 护栏 |", "|---|---|---:|---|---|"]
    lines += [f"| {label(k.metric)} | {k.owner} | {fmt(k.metric, k.target) if k.target is not None else ''} | "
              f"{k.frequency} | {label(k.guardrail) if k.guardrail else ''} |" for k in plan.kpis]
    if plan.votes:
        lines += ["", "## 投票与收敛", ""]
        for board in plan.votes:
            lines += board.markdown()
    return "\n".join(lines).rstrip("\n") + "\n"


def check_tree(tree: list[TreeNode], values: pd.Series) -> pd.DataFrame:
    """Each decomposition of the KPI tree evaluated on the economics: does it hold exactly?"""
    from opskit.metric_tree import Metric, evaluate

    rows = []
    for n in tree:
        kids = kit.children(tree, n.metric)
        if not kids or not n.op:
            continue
        formula = f"{label(n.metric)} = " + kit.SYMBOLS[n.op].join(label(k) for k in kids)
        if not all(m in values.index for m in [n.metric, *kids]):
            rows.append({"恒等式": formula, "成立": "无法计算（有指标不在经济账里）"})
            continue
        node = Metric(n.metric, label(n.metric), n.op, tuple(Metric(k, label(k)) for k in kids))
        combined = float(evaluate(node, {k: float(values[k]) for k in kids})[n.metric])
        target = float(values[n.metric])
        ok = np.isclose(combined, target, rtol=1e-9, atol=1e-9) or (np.isinf(combined) and np.isinf(target))
        rows.append({"恒等式": formula, "成立": "是" if ok else "否"})
    return pd.DataFrame(rows, columns=["恒等式", "成立"])


# ---------------------------------------------------------------------------------------------
# The canvas


class PrivateDomainCanvas(kit.CanvasBase):
    """ipywidgets editor of a :class:`PrivateDomainPlan`: the economics update live as the segment,
    touchpoints, calendar, offers or assumptions change; the chart follows; votes, KPI rows,
    downloads and loading a saved JSON come from :class:`~opskit.course.workshop_kit.CanvasBase`."""

    topic = TOPIC

    def __init__(self, evidence: Evidence, plan: PrivateDomainPlan | None = None, export_dir=""):
        import ipywidgets as w

        self.evidence, self.export_dir = evidence, export_dir
        self.state = plan if plan is not None else demo_plan()
        self._syncing = False
        keys = segment_keys(evidence.segments)
        self.segment_options = [(self._segment_label(k), k) for k in keys]
        if self.state.segment not in keys and keys:
            self.state.segment = keys[0]
        self.segment = w.Dropdown(options=self.segment_options, value=self.state.segment or None,
                                  description="目标客群", layout=w.Layout(width="32em"))
        self.segment.add_class("opskit-segment")
        ns_options = [(name, m) for m, (name, _) in ECONOMICS.items()]
        self.north_star = w.Dropdown(options=ns_options, value=self.state.north_star, description="北极星")
        self.north_star.add_class("opskit-north-star")
        self.reach = w.IntText(value=int(self.state.reach or 0), description="计划触达")  # 0: the whole segment
        self.rationale = w.Textarea(value=self.state.rationale, description="理由", layout=w.Layout(width="95%"))
        self.touchpoints = w.SelectMultiple(options=evidence.touchpoints,
                                            value=[t for t in self.state.touchpoints if t in evidence.touchpoints],
                                            description="引流触点", rows=min(6, max(2, len(evidence.touchpoints))))
        self.calendar = {c: w.IntSlider(value=int(self.state.calendar.get(c, 0)), min=0, max=14,
                                        description=f"{c}（条/周）", style={"description_width": "8em"})
                         for c in evidence.contents}
        self.nurture_cost = w.FloatText(value=self.state.nurture_cost, description="培育成本", step=0.5)
        self.offers = w.Textarea(value=self.state.offers, description="转化方案", layout=w.Layout(width="95%"))
        self.offer_cost = w.FloatText(value=self.state.offer_cost, description="每单优惠")
        self.margin_rate = w.FloatSlider(value=self.state.margin_rate, min=0.05, max=0.6, step=0.01,
                                         description="毛利率", readout_format=".0%")
        self.months = w.IntSlider(value=self.state.months, min=1, max=12, description="方案月数")
        self.override = {k: w.Text(value=self._override_text(k), description=PLAN_NAMES[k], placeholder="留空 = 实测值")
                         for k in PLAN_VALUES}
        self.tree_text = w.Textarea(value=kit.format_tree(self.state.tree, glossary()), description="KPI 树",
                                    layout=w.Layout(width="95%", height="7em"))
        self.tree_msg = w.HTML()
        for widget in (self.segment, self.north_star, self.reach, self.rationale, self.touchpoints, self.nurture_cost,
                       self.offers, self.offer_cost, self.margin_rate, *self.calendar.values(),
                       *self.override.values()):
            widget.observe(self._on_change, names="value")
        self.tree_text.observe(self._on_tree, names="value")
        self._build()
        self.refresh()

    def _segment_label(self, key: str) -> str:
        return f"{key}（{len(self.evidence.segment(key)):,} 人，其中入群 {self.evidence.joined[key]:,} 人）"

    def _override_text(self, key: str) -> str:
        v = self.state.overrides.get(key)
        return "" if v is None else f"{v:g}"

    # --- what the kit asks of a canvas -------------------------------------------------------
    def own_tabs(self):
        w = self.w
        fatigue = self.evidence.fatigue
        note = (f"数据显示：每周超过 {fatigue} 条消息后退订率上升（第 07 章的疲劳点）。" if fatigue is not None
                else "数据中看不出疲劳拐点。")
        return [
            ("1 目标客群", w.VBox([self.segment, self.north_star, self.reach, self.rationale])),
            ("2 引流", w.VBox([self.touchpoints, w.HTML("<small>入群率与每次触达成本按所选触点的实测值计算（不选 = 全部触点）。</small>")])),
            ("3 培育", w.VBox([*self.calendar.values(), self.nurture_cost, w.HTML(f"<small>{note}培育成本：元 / 成员 / 月。</small>")])),
            ("4 转化", w.VBox([self.offers, self.offer_cost, self.margin_rate, self.months,
                              w.HTML("<b>计划值</b>（留空 = 用数据的实测值；比率写小数，如 0.3）"), *self.override.values()])),
            ("5 KPI 树", w.VBox([self.tree_text, self.tree_msg])),
        ]

    def metric_options(self):
        return [(f"{name}（{m}）", m) for m, (name, _) in ECONOMICS.items()]

    def label(self, metric: str) -> str:
        return label(metric)

    def unit(self, metric: str) -> str:
        return unit(metric)

    @property
    def measured(self) -> pd.Series:
        return self.evidence.rates(self.state.segment, self.state.touchpoints)

    @property
    def economics(self) -> pd.Series:
        return economics(self.state, self.measured)

    def assumptions(self) -> pd.DataFrame:
        return assumptions(self.state, self.measured, self.evidence.fatigue)

    def latest(self, metric: str) -> str:
        econ = self.economics
        return fmt(metric, econ[metric]) if metric in econ.index else ""

    def markdown(self) -> str:
        return plan_markdown(self.state, self.economics, self.assumptions())

    def state_from_json(self, text: str) -> PrivateDomainPlan:
        return PrivateDomainPlan.from_json(text)

    def sync_own(self) -> None:
        self._syncing = True
        try:
            s = self.state
            if s.segment in [k for _, k in self.segment_options]:
                self.segment.value = s.segment
            self.north_star.value = s.north_star
            self.reach.value = int(s.reach or 0)
            self.rationale.value, self.offers.value = s.rationale, s.offers
            self.touchpoints.value = [t for t in s.touchpoints if t in self.evidence.touchpoints]
            for c, slider in self.calendar.items():
                slider.value = int(s.calendar.get(c, 0))
            self.nurture_cost.value, self.offer_cost.value = s.nurture_cost, s.offer_cost
            self.margin_rate.value, self.months.value = s.margin_rate, s.months
            for k, box in self.override.items():
                box.value = self._override_text(k)
            self.tree_text.value = kit.format_tree(s.tree, glossary())
            self.tree_msg.value = ""
        finally:
            self._syncing = False

    def live_html(self) -> str:
        econ, s = self.economics, self.state
        head = (f"<p class='opskit-live-north-star'>{html.escape(s.segment)} · 北极星 <b>{label(s.north_star)}</b>："
                f"<b>{fmt(s.north_star, econ[s.north_star])}</b></p>")
        steps = [[label(st), fmt(st, econ[st]), fmt(r, econ[r]) if r else "", fmt(c, econ[c]) if c else ""]
                 for st, r, c in (("reach", None, "cost_reach"), ("joined", "join_rate", None),
                                  ("active", "active_rate", "cost_nurture"), ("converted", "convert_rate", "cost_convert"))]
        money = [[label(m), fmt(m, econ[m])] for m in ("total_cost", "incremental_margin", "net", "roi", "payback_months")]
        checks = self.assumptions()
        flagged = checks[checks["判断"].str.startswith("⚠")]
        flags = "".join(f"<li>⚠ {html.escape(r['假设'])}：计划 {html.escape(r['计划值'])}，{html.escape(r['数据显示'])}</li>"
                        for _, r in flagged.iterrows())
        tree = check_tree(s.tree, econ)
        return (head + kit.html_table(steps, ["环节", "人数", "环节转化率", "成本"])
                + kit.html_table(money, ["经济账", "数值"])
                + (f"<p><b>超出数据的假设</b></p><ul class='opskit-flags'>{flags}</ul>" if flags else
                   "<p>所有计划值都在数据范围内。</p>")
                + "<b>KPI 树恒等式检查</b>" + kit.html_table([[html.escape(r["恒等式"]), r["成立"]]
                                                         for _, r in tree.iterrows()], ["恒等式", "成立"]))

    def draw(self):
        return economics_chart(self.economics, f"{self.state.team_name}：{self.state.segment}")

    def summary_html(self) -> str:
        s, econ = self.state, self.economics
        checks = self.assumptions()
        flagged = checks[checks["判断"].str.startswith("⚠")]
        rows = [[label(m), fmt(m, econ[m])] for m in ("reach", "joined", "active", "converted", "total_cost",
                                                     "incremental_margin", "net", "payback_months")]
        text = (f"<p><b>{html.escape(s.team_name or '（未命名小组）')}</b> 的私域方案画布（交互版在 JupyterLab 或 "
                f"<code>make workshop</code> 中打开）。目标客群 <b>{html.escape(s.segment)}</b>，北极星 "
                f"<b>{label(s.north_star)}</b> = {fmt(s.north_star, econ[s.north_star])}；"
                f"引流 {html.escape('、'.join(s.touchpoints) or '全部触点')}，每周触达 {s.touches_per_week} 条。</p>")
        text += kit.html_table(rows, ["经济账", "数值"])
        text += (f"<p>超出数据的假设 {len(flagged)} 条" + ("：" + "；".join(html.escape(a) for a in flagged["假设"])
                                                     if len(flagged) else "") + "。</p>")
        for board in s.votes:
            tally = board.tally()
            text += (f"<p>投票「{html.escape(board.topic)}」：{board.participants()} 人，"
                     + "；".join(f"{html.escape(c)} {n} 票" for c, n in tally.items())
                     + (f"；收敛为 <b>{html.escape('、'.join(board.chosen))}</b>" if board.chosen else "") + "。</p>")
        return text

    def on_converged(self, board: VoteBoard) -> None:
        if board.topic == SEGMENT_VOTE and board.chosen and board.chosen[0] in [k for _, k in self.segment_options]:
            self.segment.value = board.chosen[0]

    # --- callbacks --------------------------------------------------------------------------
    def _on_change(self, _change=None) -> None:
        if self._syncing:
            return
        s = self.state
        s.segment, s.north_star = self.segment.value, self.north_star.value
        s.reach = float(self.reach.value) if self.reach.value > 0 else None
        s.rationale, s.offers = self.rationale.value, self.offers.value
        s.touchpoints = list(self.touchpoints.value)
        s.calendar = {c: int(sl.value) for c, sl in self.calendar.items()}
        s.nurture_cost, s.offer_cost = float(self.nurture_cost.value), float(self.offer_cost.value)
        s.margin_rate, s.months = float(self.margin_rate.value), int(self.months.value)
        overrides = {}
        for k, box in self.override.items():
            if box.value.strip():
                try:
                    overrides[k] = kit.parse_target(box.value)
                except ValueError as exc:
                    self.say(f"{PLAN_NAMES[k]}：{exc}", error=True)
                    return
        s.overrides = overrides
        self.refresh()

    def _on_tree(self, _change=None) -> None:
        if self._syncing:
            return
        try:
            tree = kit.parse_tree(self.tree_text.value, glossary())
        except ValueError as exc:
            self.tree_msg.value = f"<span style='color:#d62828'>{html.escape(str(exc))}（画布保留上一版 KPI 树）</span>"
            return
        unknown = [n.metric for n in tree if n.metric not in ECONOMICS]
        self.state.tree = tree
        self.tree_msg.value = (f"不在经济账里的指标（无法计算）：{'、'.join(unknown)}" if unknown else "已更新")
        self.refresh()


def economics_chart(econ: pd.Series, title: str, ax=None):
    """The plan's funnel (people per step) beside its money (cost per step, incremental margin)."""
    import matplotlib.pyplot as plt

    from opskit import viz

    if ax is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
    else:
        fig, axes = ax.figure, ax
    steps = ["reach", "joined", "active", "converted"]
    axes[0].bar([label(s) for s in steps], [econ[s] for s in steps], color=viz.PALETTE[0])
    for i, s in enumerate(steps):
        axes[0].text(i, econ[s], fmt(s, econ[s]), ha="center", va="bottom", fontsize=9)
    axes[0].set(title="漏斗：人数", ylabel="人")
    money = ["cost_reach", "cost_nurture", "cost_convert", "incremental_margin"]
    colors = [viz.GREY, viz.GREY, viz.GREY, viz.PALETTE[1]]
    axes[1].bar([label(m) for m in money], [econ[m] for m in money], color=colors)
    for i, m in enumerate(money):
        axes[1].text(i, econ[m], fmt(m, econ[m]), ha="center", va="bottom", fontsize=9)
    axes[1].set(title=f"成本与增量毛利（净收益 {fmt('net', econ['net'])}）", ylabel="元")
    axes[1].yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: kit.fmt_number(v, "元")))
    fig.suptitle(title)
    return fig


def compare_plans(plans: list[PrivateDomainPlan], evidence: Evidence) -> pd.DataFrame:
    """One row per group's plan: segment, reach, conversions, cost, incremental margin, net, payback
    and how many assumptions exceed the data — the table the room votes on."""
    rows = []
    for plan in plans:
        measured = evidence.rates(plan.segment, plan.touchpoints)
        econ = economics(plan, measured)
        flagged = assumptions(plan, measured, evidence.fatigue)["判断"].str.startswith("⚠").sum()
        rows.append({"小组": plan.team_name, "目标客群": plan.segment, "触达人数": econ["reach"],
                     "成交人数": econ["converted"], "总成本": econ["total_cost"],
                     "增量毛利": econ["incremental_margin"], "净收益": econ["net"], "投入产出比": econ["roi"],
                     "回本月数": econ["payback_months"], "超出数据的假设": int(flagged)})
    return pd.DataFrame(rows).set_index("小组")
