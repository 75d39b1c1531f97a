"""The chapter registry: which notebook teaches what, and which tables each part needs.

``opskit run`` and ``opskit validate`` use it to check a company's data before anything is
executed. A chapter's ``required`` tables must be present; a section's tables are optional
and a section whose tables are missing is skipped with a note. A section's ``minimums``
(:class:`~opskit.course.minimums.Minimum`) name the parts that need a minimum of data; the notebook
checks the same declaration with ``enough(data, chapter, key)``, so validate lists exactly the
parts the notebook will skip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from opskit.course.minimums import Minimum
from opskit.errors import OpskitError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
EXERCISE_DIR = ROOT / "exercises"


@dataclass(frozen=True)
class Section:
    """A notebook section: the tables without which it is skipped, the tables whose parts are
    skipped when absent (``optional``), and the minimums of data its parts need."""

    title: str
    tables: tuple[str, ...] = ()
    minimums: tuple[Minimum, ...] = ()
    optional: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chapter:
    number: str
    stem: str
    title: str
    summary: str
    required: tuple[str, ...] = ()
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def notebook(self) -> Path:
        return NOTEBOOK_DIR / f"{self.stem}.ipynb"

    @property
    def exercise(self) -> Path:
        return EXERCISE_DIR / f"{self.stem}.ipynb"

    def minimum(self, key: str) -> Minimum:
        """The minimum declared under ``key`` in one of this chapter's sections."""
        for section in self.sections:
            for item in section.minimums:
                if item.key == key:
                    return item
        raise KeyError(f"chapter {self.number} declares no minimum {key!r}")

    @property
    def tables(self) -> tuple[str, ...]:
        """Every table the chapter can use, required first."""
        seen = dict.fromkeys(self.required)
        for section in self.sections:
            seen.update(dict.fromkeys(section.tables + section.optional))
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
            Section("数据导览：订单与品类", ("orders", "order_lines", "categories"), minimums=(
                Minimum("lines", "订单明细与订单的关联", own_ids=True),)),
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
            Section("选择北极星指标", ("orders",), optional=("users", "events"), minimums=(
                Minimum("yoy", "北极星候选近 12 个月与前 12 个月的对比", months=24),)),
            Section("搭建指标树", ("orders",), minimums=(
                Minimum("tree_yoy", "成交额因子与一年前的对比", months=13),)),
            Section("KPI 清单与责任人", ("orders",), optional=("users", "events", "channels", "channel_spend")),
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
            Section("用户留存五要素与同期群留存", ("orders",), minimums=(
                Minimum("cohorts", "月度同期群留存", months=2),)),
            Section("用户旅程地图", ("users", "events", "orders")),
            Section("会员体系设计", ("orders",), optional=("member_tiers", "points_ledger")),
            Section("防流失体系", ("orders",), optional=("events",), minimums=(
                Minimum("churn", "流失预警模型（需要按时间外推的训练与测试快照）", months=9, repeat_buyers=50),)),
            Section("上瘾模型", ("events", "users", "orders")),
            Section("顾客生命周期价值", ("orders",), optional=("paid_memberships",), minimums=(
                Minimum("clv", "BG/NBD 与 Gamma-Gamma 的顾客生命周期价值及留出期检验", months=9,
                        positive_repeat_buyers=30),)),
            Section("RFM 模型与精细化运营", ("orders",)),
            Section("AIPL 用户精细化运营模型", ("orders", "events")),
            Section("打造留存闭环", ("orders",)),
        ),
    ),
]

CHAPTERS: tuple[Chapter, ...] = tuple(sorted(_REGISTERED, key=lambda ch: ch.number))


def find(chapter: str) -> Chapter:
    """Find a chapter by its two-digit number (``"00"``, ``"0"``) or its notebook stem."""
    key = chapter.strip()
    for ch in CHAPTERS:
        # isascii: "²" and full-width digits pass isdigit() but are not chapter numbers
        if key in (ch.number, ch.stem) or (key.isascii() and key.isdigit() and int(key) == int(ch.number)):
            return ch
    known = "、".join(f"{c.number}（{c.stem}）" for c in CHAPTERS)
    raise OpskitError(
        f"找不到章节 {chapter!r}。\n  已有章节：{known}\n"
        "  解决办法：用两位章节号（如 00）或笔记本文件名（如 00_overview）指定章节；"
        "`opskit list` 可列出全部章节。"
    )
