"""The chapter registry: which notebook teaches what, and which tables each part needs.

``opskit run`` and ``opskit validate`` use it to check a company's data before anything is
executed. A chapter's ``required`` tables must be present, and at least one of its ``required_any``
tables; a section's tables are optional and a section whose tables are missing is skipped with a
note. A section's ``minimums`` (:class:`~opskit.course.minimums.Minimum`) name the parts that need a
minimum of data; the notebook checks the same declaration with ``enough(data, chapter, key)``, so
validate lists exactly the parts the notebook will skip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from opskit.bundle import ROOT
from opskit.course.minimums import Minimum
from opskit.errors import OpskitError

NOTEBOOK_DIR = ROOT / "notebooks"
EXERCISE_DIR = ROOT / "exercises"


#: The two parts of the kit: the 2-day main course and the private-domain growth course.
PARTS = {"一": "精细化运营（主课）", "二": "私域增长（四大核心策略）"}
LAST_MAIN_COURSE_CHAPTER = 11


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
    required_any: tuple[str, ...] = ()  # at least one of these tables must be present

    @property
    def part(self) -> str:
        """The course the chapter belongs to: 一 (main course, 00–11) or 二 (private-domain growth, 12–17)."""
        return "一" if int(self.number) <= LAST_MAIN_COURSE_CHAPTER else "二"

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
        seen.update(dict.fromkeys(self.required_any))
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
            Section("差异化新客权益投放", ("coupon_experiment", "users"), optional=("orders",)),
            Section("新客激活：顿悟时刻与激动指数", ("events", "orders")),
            Section("转化机会分析与临门一脚", ("events", "orders"), optional=("cart_reminders",)),
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
    Chapter(
        "14", "14_precision_operations", "精细化运营：分层、内容与千人千面分发",
        "会员等级、RFM、价格带兴趣标签在同一批用户上的区分力比较（Cramér's V），人群 × 需求矩阵与经多重比较校正的价值点位，"
        "随机内容测试的人群 × 内容响应矩阵（Benjamini–Hochberg），公众号定向的触达、响应、退订与推送疲劳，企微社群推送，"
        "物品协同过滤与矩阵分解推荐（按时间切分的 hit-rate@10、NDCG@10，对比热门榜），以及标签使用率、老客渗透空间与下一次活动的边际回报。",
        required=("orders",),
        sections=(
            Section("背景与指导思想：三种分层方式的比较", ("orders", "order_lines", "member_tiers")),
            Section("场景需求与价值点位", ("order_lines", "orders", "categories")),
            Section("内容匹配：什么内容对什么人群有效", ("message_sends", "contents", "order_lines")),
            Section("精准分发", ("message_sends", "wecom_members", "order_lines")),
            Section("精细化运营的局限性", ("orders", "message_sends", "campaign_audience")),
        ),
    ),
    Chapter(
        "15", "15_gamification", "游戏化运营",
        "用累计消费曲线判断有限游戏与无限游戏，游戏路线图与新手任务链的有序漏斗，从成长值分布设计多项式与几何等级曲线"
        "（闭式解、精确反函数、3/6/12 个月等级分布，等级曲线设计器），等级权益成本与排队效应，任务随机实验（朴素差值、ITT、CACE），"
        "成长值的过期、降级与保级模拟，积分的发行、兑换、沉淀与 IFRS 15 积分负债（累计追溯调整），以及游戏化的局限。",
        required=("orders",),
        sections=(
            Section("背景与指导思想：有限游戏与无限游戏", ("orders",)),
            Section("游戏路线图：关键时刻与关键任务", ("tasks", "task_log", "users")),
            Section("角色与等级体系：等级曲线的设计", ("orders", "task_log", "tasks")),
            Section("等级权益：成本、毛利与排队效应", ("orders", "order_lines", "categories")),
            Section("任务体系：哪些任务真的提升留存", ("tasks", "task_log", "users", "task_experiment")),
            Section("成长值：累计、过期、降级与保级", ("orders", "task_log", "tasks")),
            Section("积分：一种货币，以及它在财务上的负债", ("points_ledger",)),
            Section("游戏化运营的局限性", ("orders", "task_experiment", "referrals", "users")),
        ),
    ),
    Chapter(
        "07", "07_private_domain", "私域精细化运营",
        "公域与私域的触达成本和顾客价值，用入群前匹配对照估计社群的真实增量（自选择陷阱），按数据给社群分型，"
        "引流触点的转化、单位成本与新成员留存，触达频次的疲劳点，引流→培育→转化漏斗及其两期变化的精确拆解，"
        "DMP lookalike 人群扩展（留出检验、增益曲线、按成本选人群规模）与 CDP 身份打通（并查集、枢纽标识、重复身份对指标的影响）。",
        required=("orders",),
        sections=(
            Section("公域流量 vs. 私域流量", ("orders", "wecom_members")),
            Section("私域运营模式", ("wecom_members", "wecom_touches")),
            Section("私域引流策略", ("wecom_members",)),
            Section("私域培育策略", ("wecom_touches",)),
            Section("私域转化策略", ("wecom_members", "wecom_touches")),
            Section("精准洞察：DMP 人群扩展", ("users", "events", "orders")),
            Section("精准洞察：CDP 身份打通", ("identity_links",)),
            Section("DTC 增长工程"),
        ),
    ),
    Chapter(
        "08", "08_category", "品类精细化运营",
        "品类价值、入口占比与新客长期价值及品类金字塔，渗透率 × 频次 × 每次金额的 Kantar 恒等式与双重危险，"
        "订单层面的关联规则与按时间先后的引导性分析，品类复购率与复购间隔及提频的选择偏差，"
        "GROW 模型（大盘、渗透力、复购力、价格力、延展力）的精确拆解。",
        required=("orders", "order_lines"),
        sections=(
            Section("品类价值分析与品类金字塔", ("orders", "order_lines")),
            Section("品类渗透率分析", ("orders", "order_lines")),
            Section("跨品类运营", ("orders", "order_lines")),
            Section("品类提频与留存", ("orders", "order_lines")),
            Section("GROW 商品精细化运营模型", ("orders", "order_lines")),
        ),
    ),
    Chapter(
        "12", "12_growth_models", "增长模型与三大拓新策略",
        "增长模型的演变与四种可计算的增长模型：渠道通道（分润与盈亏平衡分润比例）、流量漏斗（分环节成本与 LMDI 精确拆解）、"
        "用户蝴蝶（K 系数与逐代裂变的闭式解）、经营单元分布（爬坡曲线拟合与开店计划卷积）；用户/竞争/内部三大视角评分矩阵；"
        "2B 跨界联名的匹配基线增量、2C 终端+媒体+社交的获客成本与留存、2b2C 全员营销的集中度与最优佣金比例。",
        required=("users",),
        sections=(
            Section("增长模型及其演变"),
            Section("渠道通道模型", ("partners", "partner_monthly")),
            Section("流量漏斗模型", ("channel_spend", "installs", "orders")),
            Section("用户蝴蝶模型", ("users", "referrals")),
            Section("经营单元分布模型", ("units", "unit_monthly")),
            Section("三大视角决策增长模型", ("users",)),
            Section("2B：跨界合作拓新", ("city_signups",)),
            Section("2C：终端 + 媒体 + 社交", ("users", "orders", "channel_spend")),
            Section("2b2C：全员营销", ("staff_referrals",)),
        ),
    ),
    Chapter(
        "13", "13_second_curve", "第二曲线与数字化商业模式",
        "按增长率与加速度判断业务线的生命周期阶段；用非线性最小二乘拟合 Bass 扩散模型（m、p、q、峰值时间）并识破离散 OLS 的偏差；"
        "用 S 曲线拐点判断何时启动第二曲线；波士顿矩阵与四类业务的决策；用户价值点位图找护城河、短板与空白点；"
        "四类数字化商业模式的收入线测算；用 A/B 工具读新业务的灰度发布。",
        required=("business_lines",),
        sections=(
            Section("产品生命周期", ("business_lines",)),
            Section("Bass 扩散模型", ("business_lines",)),
            Section("第二曲线：何时启动", ("business_lines",)),
            Section("新业务战略：波士顿矩阵", ("business_lines",)),
            Section("新价值再造：用户价值点位图", ("value_survey",)),
            Section("数字化商业模式盈利设计", ("orders", "paid_memberships", "partner_monthly")),
            Section("数据监控与敏捷反馈", ("rollout",)),
        ),
    ),
    Chapter(
        "16", "16_mcn", "MCN化运营",
        "达人矩阵按成交额与粉丝分层，招募→激励→培训→标杆→复制的漏斗与新达人爬坡曲线（利特尔法则），退货与毛利之后的达人 ROI，"
        "CR1/CR3、HHI 与等效达人数、基尼系数和头部达人离开的情景推演，达人私域与平台的复购对比和粉丝名单归属，"
        "S2b2C 精确到分的分账与供应链响应时长对达人去留的影响（加竹生活）。",
        required=("kol_daily",),
        sections=(
            Section("MCN化运营的背景与达人矩阵", ("kol_daily", "kols", "kol_roster")),
            Section("搭建达人矩阵：招募、激励、培训、标杆、复制", ("kol_candidates", "follower_orders", "kol_roster")),
            Section("达人 ROI：谁在回本", ("kol_daily", "kol_roster", "follower_orders")),
            Section("头部依赖风险", ("kol_daily", "kol_roster", "follower_orders")),
            Section("个体私域：达人粉丝的复购与名单归属", ("follower_orders", "orders", "kol_roster")),
            Section("S2b2C 与供应链响应：加竹生活的教训", ("follower_orders", "kol_requests", "kol_roster")),
        ),
    ),
    Chapter(
        "17", "17_tokenization", "通证化运营",
        "从推测、筛选、互动到用户自我表达：积分账本上的发行、回收、流通速度与积分通胀，向量化、可复现的会员共创经济仿真"
        "（原材料、工具、配方、交易与版税，平台四条收入线精确相加），联合曲线与恒定乘积做市的闭式解与不变量，"
        "数字藏品交易的版税与平台抽成守恒、炒作识别，手续费参数扫描与决策（含交互组件），以及中国的政策边界。",
        required=("points_ledger",),
        sections=(
            Section("通证化运营的逻辑", ("points_ledger",)),
            Section("DAO 规则即仿真：会员共创经济", ()),
            Section("定价机制：联合曲线与恒定乘积", ()),
            Section("数字资产交易：版税、抽成与炒作", ("asset_trades",)),
            Section("参数扫描与决策", ()),
            Section("局限与中国的政策语境", ()),
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
    Chapter(
        "11", "11_workshop_private_domain", "探讨共创2：私域运营体系搭建",
        "小组共创：从数据中选目标客群（标签、RFM、生命周期），设计引流、培育与转化，用实测的触达 → 入群 → 互动 → 成交比率"
        "算经济账（每步成本、增量毛利、回本），标出超出数据的假设，写有责任人与护栏的 KPI 树，全场投票并导出。",
        required=("wecom_members", "wecom_touches"),
        sections=(
            Section("共创规则与准备"),
            Section("选择目标客群", ("wecom_members", "wecom_touches"), optional=("users", "orders", "wecom_orders")),
            Section("引流、培育与转化设计", ("wecom_members", "wecom_touches"), optional=("wecom_sources",)),
            Section("经济账计算器", ("wecom_members", "wecom_touches"), optional=("wecom_sources", "wecom_orders")),
            Section("KPI 树、责任人与护栏", ("wecom_members", "wecom_touches")),
            Section("全场投票与导出", ("wecom_members", "wecom_touches")),
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
