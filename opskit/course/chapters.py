"""The chapter registry: which notebook teaches what, and which tables each part needs.

``opskit run`` and ``opskit validate`` use it to check a company's data before anything is
executed. A chapter's ``required`` tables must be present, and at least one of its ``required_any``
tables; a section's tables are optional
and a section whose tables are missing is skipped with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from opskit.errors import OpskitError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
EXERCISE_DIR = ROOT / "exercises"


@dataclass(frozen=True)
class Section:
    title: str
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chapter:
    number: str
    stem: str
    title: str
    summary: str
    required: tuple[str, ...] = ()
    sections: tuple[Section, ...] = field(default_factory=tuple)
    required_any: tuple[str, ...] = ()  # at least one of these tables must be present

    @property
    def notebook(self) -> Path:
        return NOTEBOOK_DIR / f"{self.stem}.ipynb"

    @property
    def exercise(self) -> Path:
        return EXERCISE_DIR / f"{self.stem}.ipynb"

    @property
    def tables(self) -> tuple[str, ...]:
        """Every table the chapter can use, required first."""
        seen = dict.fromkeys(self.required)
        seen.update(dict.fromkeys(self.required_any))
        for section in self.sections:
            seen.update(dict.fromkeys(section.tables))
        return tuple(seen)


_REGISTERED: list[Chapter] = [
    Chapter(
        "00", "00_overview", "开场与导入：精细化运营全局框架",
        "精细化运营是什么、产品与运营、大数据对运营的新要求、全局框架，以及贯穿全课的模拟公司数据导览。",
        required=("orders",),
        sections=(
            Section("大数据时代对运营的全新要求", ("orders",)),
            Section("产品 vs. 运营", ("events",)),
            Section("精细化运营全局框架", ("users", "orders")),
            Section("数据导览：用户与获客", ("users", "channels")),
            Section("数据导览：订单与品类", ("orders", "order_lines", "categories")),
            Section("数据导览：行为、实验与其他业务数据", ("events", "experiments")),
        ),
    ),
    Chapter(
        "01", "01_data_system", "运营数据体系",
        "北极星指标与成交额指标树，趋势、对比、驱动因素拆解（连环替代法、LMDI、Shapley）与日指标异常检测，"
        "A/B 测试全流程（样本量、SRM、z / Welch / delta 方法、CUPED、多重检验、偷看），以及会说话的图表。",
        required=("orders",),
        sections=(
            Section("大数据赋能运营增长", ("orders",)),
            Section("北极星指标", ("orders", "events")),
            Section("精细化运营KPI设计", ("orders", "events")),
            Section("精细化运营数据分析", ("orders", "events")),
            Section("AB测试", ("experiments", "assignments")),
            Section("会说话的数据", ("order_lines", "categories")),
        ),
    ),
    Chapter(
        "04", "04_channels", "渠道精细化运营",
        "渠道指标模型与按周监测，付费/混合 CAC、毛利口径 LTV、回本周期、ROAS 与真实 ROI 及渠道价值评估矩阵，"
        "CTIT、IP 集中与留存塌陷识别点击注入与点击泛滥并估算被浪费的花费，按环节指数找引流短板。",
        required=("users", "orders"),
        sections=(
            Section("渠道指标层次与数据监测", ("channel_spend", "channels", "installs")),
            Section("渠道综合价值评估", ("channel_spend", "channels")),
            Section("流量分析与作弊识别", ("installs", "channel_spend")),
            Section("渠道引流环节优化", ("channel_spend", "installs")),
        ),
    ),
    Chapter(
        "05", "05_new_customers", "新客精细化运营",
        "按增益模型差异化投放新客券（Qini、发券 ROI），用顿悟时刻与激动指数做新客激活，"
        "首单时间与新客漏斗找临门一脚，K 系数与病毒传播模型评估老带新。",
        required=("users",),
        sections=(
            Section("差异化新客权益投放", ("coupon_experiment", "users")),
            Section("新客激活：顿悟时刻与激动指数", ("events", "orders")),
            Section("转化机会分析与临门一脚", ("events", "orders")),
            Section("病毒式传播", ("referrals", "users")),
        ),
    ),
    Chapter(
        "03", "03_workshop_data_system", "探讨共创1：精细化运营数据体系设计",
        "小组共创：选北极星指标、搭指标树并在数据上验证恒等式、定 KPI 清单与责任人，用画布导出 Markdown 与 JSON。",
        required=("orders",),
        sections=(
            Section("共创规则与准备"),
            Section("选择北极星指标", ("orders", "users", "events")),
            Section("搭建指标树", ("orders",)),
            Section("KPI 清单与责任人", ("orders", "users", "events", "channels", "channel_spend")),
            Section("导出共创成果"),
        ),
    ),
    Chapter(
        "02", "02_insight_system", "运营洞察体系",
        "按运营目标分群与 k-means 行为聚类、帕累托价值分层、RFM 打分与八类客户策略、规则化标签体系（覆盖率与重叠度）、"
        "客群流转桑基图与马尔可夫转移、5-why 与 B端决策链、KANO 分类与 Better/Worse 系数。",
        required=("orders",),
        sections=(
            Section("基于运营目标的用户分群", ("orders",)),
            Section("顾客价值分析与目标客群识别", ("orders",)),
            Section("标签体系设计", ("orders",)),
            Section("用户深度洞察体系", ("orders",)),
            Section("心理本质洞察", ("kano_survey",)),
        ),
    ),
    Chapter(
        "06", "06_existing_customers", "老客精细化运营",
        "同期群留存矩阵与留存五要素、用户旅程地图、按成长值分布设计会员等级与权益回报、带原因的流失预警模型"
        "（按时间外推验证，AUC 与前 10% 提升度，打败只看最近购买的基线）、上瘾模型的度量、BG/NBD + Gamma-Gamma 的"
        "顾客生命周期价值与付费会员 sBG、RFM 分群策略与期望价值、AIPL 流转，以及监测—预警—干预—评估的留存闭环。",
        required=("orders",),
        sections=(
            Section("用户留存五要素与同期群留存", ("orders",)),
            Section("用户旅程地图", ("users", "events", "orders")),
            Section("会员体系设计", ("orders", "member_tiers", "points_ledger")),
            Section("防流失体系", ("orders", "events")),
            Section("上瘾模型", ("events", "users", "orders")),
            Section("顾客生命周期价值", ("orders", "paid_memberships")),
            Section("RFM 模型与精细化运营", ("orders",)),
            Section("AIPL 用户精细化运营模型", ("orders", "events")),
            Section("打造留存闭环", ("orders",)),
        ),
    ),
    Chapter(
        "09", "09_campaigns", "活动精细化运营",
        "活动产品矩阵（日常、节点、大促、会员日按目标 × 成本 × 覆盖）、用基线预测加预期增量定目标、按增量价值圈选人群"
        "（随机留出组、RFM）、预热—爆发—返场的节奏与大促前透支和大促后回落，以及增量评估：前后对比与参与者对比为何高估，"
        "随机留出组、双重差分（平行趋势检验）、合成控制与中断时间序列。",
        required=("campaigns",),
        sections=(
            Section("产品矩阵设计", ("campaigns", "city_daily", "campaign_cities", "campaign_audience")),
            Section("活动目标与人群圈选", ("campaigns", "campaign_phases", "city_daily", "campaign_audience", "orders")),
            Section("活动阶段与节奏操盘", ("campaigns", "campaign_phases", "city_daily")),
            Section("增量评估", ("campaigns", "city_daily", "campaign_cities", "cities", "campaign_audience")),
        ),
    ),
    Chapter(
        "10", "10_homepage", "首页精细化运营",
        "首页流量模型（访客 → 曝光 → 点击 → 订单 → 成交，千次曝光成交额）、资源位盘点、位置偏差与纠偏后的素材比较、"
        "固定 / ε-贪心 / UCB / 汤普森采样的流量分发与遗憾曲线、用 IPW / SNIPW / 双稳健估计离线评估新的分发策略，"
        "以及素材疲劳与头部资源位占比等首页运营提示。",
        sections=(
            Section("首页流量模型与指标体系", ("homepage_slots",)),
            Section("首页资源与玩法盘点", ("homepage_slots",)),
            Section("位置偏差", ("homepage_impressions", "homepage_slots")),
            Section("流量分发与资源位管理", ("homepage_impressions",)),
            Section("首页运营 Tips", ("homepage_impressions", "homepage_slots")),
        ),
        required_any=("homepage_slots", "homepage_impressions"),
    ),
]

CHAPTERS: tuple[Chapter, ...] = tuple(sorted(_REGISTERED, key=lambda ch: ch.number))


def find(chapter: str) -> Chapter:
    """Find a chapter by its two-digit number (``"00"``, ``"0"``) or its notebook stem."""
    key = chapter.strip()
    for ch in CHAPTERS:
        if key in (ch.number, ch.stem) or (key.isdigit() and int(key) == int(ch.number)):
            return ch
    known = "、".join(f"{c.number}（{c.stem}）" for c in CHAPTERS)
    raise OpskitError(
        f"找不到章节 {chapter!r}。\n  已有章节：{known}\n"
        "  解决办法：用两位章节号（如 00）或笔记本文件名（如 00_overview）指定章节；"
        "`opskit list` 可列出全部章节。"
    )
