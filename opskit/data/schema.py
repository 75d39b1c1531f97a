"""Table contracts: the canonical tables of the kit, their columns, types and units.

Every chapter, the simulated company and the readers agree on these contracts. A company's own
export is mapped onto them with a column map (see :mod:`opskit.data.readers`). Column names are English
snake_case; ``label`` is the Chinese display name used in plots, tables and error messages.

dtypes: ``id``, ``int``, ``float``, ``str``, ``datetime`` (timestamp), ``date`` (calendar day), ``bool``.

``id`` columns (user, order, install, respondent ids, inviter and invitee ...) are opaque text kept
byte for byte: ``C00001``, ``00123``, 64-bit numbers, UUIDs, openids and hashes all survive, and
``00123`` is never the same customer as ``123``. In pandas they have the dtype :data:`ID_DTYPE`
(pandas' string dtype, stored by pyarrow). Never do arithmetic on them or cast them to integers.
``refers_to="user"`` marks columns that hold a user id (they are joined and pseudonymised together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

Dtype = Literal["id", "int", "float", "str", "datetime", "date", "bool"]

#: The pandas dtype of every ``id`` (and ``str``) column: pandas' default string dtype, backed by
#: pyarrow, with NaN for a missing value.
ID_DTYPE = pd.StringDtype(na_value=np.nan)


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    dtype: Dtype
    label: str
    unit: str = ""
    required: bool = True
    nullable: bool = False
    unique: bool = False
    min_value: float | None = None
    description: str = ""
    refers_to: str = ""  # "user": the column holds user ids
    nonzero: bool = False  # zero on every row means a broken export, not a fact


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns and what one row means."""

    name: str
    label: str
    row: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _t(name: str, label: str, row: str, *columns: Column) -> Table:
    return Table(name, label, row, tuple(columns))


C = Column

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _t("users", "用户", "一个注册用户",
           C("user_id", "id", "用户ID", unique=True, refers_to="user"),
           C("register_time", "datetime", "注册时间"),
           C("channel_id", "str", "获客渠道", description="见 channels 表"),
           C("city_tier", "str", "城市线级", required=False, description="一线/新一线/二线/三线及以下"),
           C("age_group", "str", "年龄段", required=False),
           C("gender", "str", "性别", required=False),
           C("device_os", "str", "设备系统", required=False, description="iOS/Android"),
           C("referrer_user_id", "id", "邀请人ID", refers_to="user", required=False, nullable=True,
             description="经好友邀请注册时为邀请人，否则为空")),
        _t("channels", "渠道", "一个获客渠道",
           C("channel_id", "str", "渠道ID", unique=True),
           C("channel_name", "str", "渠道名称"),
           C("channel_type", "str", "渠道类型",
             description="app_store/feed_ads/kol/referral/offline/b2b/organic"),
           C("is_paid", "bool", "是否付费渠道")),
        _t("channel_spend", "渠道投放", "一个渠道一天的投放",
           C("date", "date", "日期"),
           C("channel_id", "str", "渠道ID"),
           C("spend", "float", "花费", "元", min_value=0, nonzero=True),
           C("impressions", "int", "曝光", "次", min_value=0),
           C("clicks", "int", "点击", "次", min_value=0)),
        _t("installs", "安装归因", "一次被归因到渠道的 App 安装",
           C("install_id", "id", "安装ID", unique=True),
           C("channel_id", "str", "渠道ID"),
           C("click_time", "datetime", "点击时间"),
           C("install_time", "datetime", "安装时间"),
           C("device_id", "str", "设备ID"),
           C("ip", "str", "IP地址"),
           C("device_model", "str", "设备型号", required=False),
           C("user_id", "id", "注册用户ID", nullable=True, refers_to="user", description="安装后注册则为用户ID，否则为空")),
        _t("events", "行为事件", "一个用户的一次行为",
           C("user_id", "id", "用户ID", refers_to="user"),
           C("event_time", "datetime", "事件时间"),
           C("event_type", "str", "事件类型",
             description="ad_impression/app_open/search/view_item/add_favorite/add_to_cart/"
                         "checkout/share/push_open/complaint"),
           C("category_id", "str", "品类ID", required=False, nullable=True)),
        _t("orders", "订单", "一笔已支付订单",
           C("order_id", "id", "订单ID", unique=True, required=False,
             description="没有订单ID列时，每行视为一笔订单（按行号生成编号）"),
           C("user_id", "id", "用户ID", refers_to="user"),
           C("order_time", "datetime", "下单时间"),
           C("amount", "float", "实付金额", "元", min_value=0, nonzero=True),
           C("discount", "float", "优惠金额", "元", required=False, min_value=0),
           C("coupon_id", "str", "券ID", required=False, nullable=True),
           C("platform", "str", "下单端", required=False, description="app/mini_program/store")),
        _t("order_lines", "订单明细", "一笔订单中的一个商品",
           C("order_id", "id", "订单ID"),
           C("sku_id", "str", "商品ID"),
           C("category_id", "str", "品类ID"),
           C("quantity", "int", "数量", "件", min_value=1),
           C("line_amount", "float", "明细金额", "元", min_value=0, nonzero=True)),
        _t("categories", "品类", "一个品类",
           C("category_id", "str", "品类ID", unique=True),
           C("category_name", "str", "品类名称"),
           C("parent_name", "str", "一级品类", required=False),
           C("gross_margin", "float", "毛利率", "比例", required=False, min_value=0)),
        _t("experiments", "实验", "一个 A/B 实验",
           C("experiment_id", "str", "实验ID", unique=True),
           C("name", "str", "实验名称"),
           C("metric", "str", "主指标"),
           C("start_date", "date", "开始日期"),
           C("end_date", "date", "结束日期"),
           C("treatment_share", "float", "设计的实验组比例", "比例")),
        _t("assignments", "实验分组", "一个用户在一个实验中的分组与结果",
           C("experiment_id", "str", "实验ID"),
           C("user_id", "id", "用户ID", refers_to="user"),
           C("variant", "str", "分组", description="control/treatment"),
           C("pre_revenue", "float", "实验前消费", "元", required=False,
             description="实验开始前28天的消费额（CUPED 协变量）"),
           C("converted", "int", "是否转化", "0/1"),
           C("revenue", "float", "实验期消费", "元", min_value=0),
           C("pageviews", "int", "浏览数", "次", required=False, min_value=0),
           C("clicks", "int", "点击数", "次", required=False, min_value=0)),
        _t("coupon_experiment", "新客券随机实验", "一个新用户是否随机收到新客券及其结果",
           C("user_id", "id", "用户ID", unique=True, refers_to="user"),
           C("treated", "int", "是否发券", "0/1"),
           C("coupon_value", "float", "券面额", "元", min_value=0),
           C("converted", "int", "14天内是否首单", "0/1"),
           C("revenue_14d", "float", "14天消费", "元", min_value=0)),
        _t("referrals", "邀请", "一次好友邀请",
           C("inviter_id", "id", "邀请人ID", refers_to="user"),
           C("invite_time", "datetime", "邀请时间"),
           C("invitee_user_id", "id", "被邀请人ID", nullable=True, refers_to="user", description="接受并注册则为用户ID")),
        _t("campaigns", "活动", "一个营销活动",
           C("campaign_id", "str", "活动ID", unique=True),
           C("name", "str", "活动名称"),
           C("campaign_type", "str", "活动类型"),
           C("start_date", "date", "开始日期"),
           C("end_date", "date", "结束日期"),
           C("budget", "float", "预算", "元", required=False),
           C("goal", "str", "活动目标", required=False, nullable=True)),
        _t("campaign_phases", "活动阶段", "一个活动的一个阶段",
           C("campaign_id", "str", "活动ID"),
           C("phase", "str", "阶段", description="蓄水/预热/爆发/返场，或单一的正式阶段"),
           C("start_date", "date", "开始日期"),
           C("end_date", "date", "结束日期")),
        _t("campaign_audience", "活动人群", "一个用户在一个活动中是否被圈选及是否留作对照",
           C("campaign_id", "str", "活动ID"),
           C("user_id", "id", "用户ID", refers_to="user"),
           C("segment", "str", "圈选人群"),
           C("holdout", "int", "是否对照组", "0/1"),
           C("pre_spend", "float", "活动前消费", "元", required=False, min_value=0,
             description="活动开始前同等天数内的消费额"),
           C("campaign_spend", "float", "活动期消费", "元", required=False, min_value=0,
             description="活动期内的消费额（含活动带来的增量）")),
        _t("homepage_slots", "首页资源位", "一个首页资源位与素材的每日表现",
           C("date", "date", "日期"),
           C("slot_id", "str", "资源位ID"),
           C("position", "int", "位置", "序号", min_value=1),
           C("creative_id", "str", "素材ID"),
           C("impressions", "int", "曝光", "次", min_value=0),
           C("clicks", "int", "点击", "次", min_value=0),
           C("orders", "int", "订单", "笔", min_value=0),
           C("gmv", "float", "成交额", "元", min_value=0)),
        _t("member_tiers", "会员等级", "会员体系中的一个等级",
           C("tier", "str", "等级", unique=True),
           C("min_growth", "float", "成长值门槛", "点", min_value=0),
           C("benefit_cost_rate", "float", "权益成本率", "比例", required=False)),
        _t("paid_memberships", "付费会员", "一个用户的付费会员（按月续费）",
           C("user_id", "id", "用户ID", unique=True, refers_to="user"),
           C("start_date", "date", "开通日期"),
           C("periods_paid", "int", "已付费期数", "期", min_value=1),
           C("churned", "int", "是否已流失", "0/1")),
        _t("points_ledger", "积分流水", "一条积分变动",
           C("user_id", "id", "用户ID", refers_to="user"),
           C("time", "datetime", "时间"),
           C("points", "int", "积分变动", "点", description="正为获得，负为兑换或过期"),
           C("reason", "str", "原因", description="order/task/redeem/expire")),
        _t("wecom_groups", "企微社群", "一个企业微信社群",
           C("group_id", "str", "社群ID", unique=True),
           C("owner", "str", "群主"),
           C("city", "str", "城市", required=False),
           C("created_date", "date", "建群日期")),
        _t("wecom_members", "企微群成员", "一个用户加入一个社群",
           C("group_id", "str", "社群ID"),
           C("user_id", "id", "用户ID", refers_to="user"),
           C("join_time", "datetime", "入群时间"),
           C("leave_time", "datetime", "退群时间", nullable=True),
           C("source", "str", "引流触点", required=False,
             description="用户经哪个触点入群，如 包裹卡/支付完成页/门店导购/短信红包/公众号")),
        _t("kols", "达人", "一个合作达人（KOL）",
           C("kol_id", "str", "达人ID", unique=True),
           C("kol_name", "str", "达人名称"),
           C("platform", "str", "平台"),
           C("tier", "str", "达人层级", description="头部/腰部/尾部"),
           C("followers", "int", "粉丝数", "人", min_value=0)),
        _t("kol_daily", "达人日报", "一个达人一天的合作效果",
           C("date", "date", "日期"),
           C("kol_id", "str", "达人ID"),
           C("impressions", "int", "曝光", "次", min_value=0),
           C("engagements", "int", "互动", "次", min_value=0),
           C("orders", "int", "订单", "笔", min_value=0),
           C("gmv", "float", "成交额", "元", min_value=0),
           C("returns", "float", "退货金额", "元", min_value=0),
           C("cost", "float", "费用", "元", min_value=0)),
        _t("kano_survey", "KANO问卷", "一位受访者对一个功能的一对回答",
           C("respondent_id", "id", "受访者ID"),
           C("feature", "str", "功能"),
           C("functional", "int", "正向问题回答", "1-5", min_value=1),
           C("dysfunctional", "int", "反向问题回答", "1-5", min_value=1)),
        _t("business_lines", "业务线", "一条业务线一个月的经营情况",
           C("month", "date", "月份"),
           C("line_id", "str", "业务线ID"),
           C("line_name", "str", "业务线名称"),
           C("revenue", "float", "收入", "元", min_value=0),
           C("new_customers", "int", "新增客户", "人", min_value=0),
           C("market_size", "float", "市场规模", "元", required=False),
           C("largest_rival_share", "float", "最大竞争对手份额", "比例", required=False)),
        _t("contents", "内容", "一篇可推送的内容（图文、短视频或优惠）",
           C("content_id", "str", "内容ID", unique=True),
           C("title", "str", "内容标题"),
           C("content_type", "str", "内容形式", required=False, description="图文/短视频/优惠券")),
        _t("message_sends", "消息推送", "一次推送触达一位用户（公众号或企微社群）",
           C("send_id", "str", "推送批次ID"),
           C("channel", "str", "触达渠道", description="公众号/企微社群"),
           C("user_id", "id", "用户ID", refers_to="user"),
           C("send_time", "datetime", "推送时间"),
           C("content_id", "str", "内容ID"),
           C("target_tag", "str", "定向标签", required=False, nullable=True,
             description="按标签定向时为所用标签，随机内容测试或社群推送为空"),
           C("group_id", "str", "社群ID", required=False, nullable=True, description="企微社群推送时为群ID"),
           C("opened", "int", "是否打开", "0/1"),
           C("clicked", "int", "是否点击", "0/1"),
           C("unsubscribed", "int", "是否退订", "0/1", description="公众号取关，或社群中设为免打扰")),
        _t("tasks", "任务", "成长体系中的一个任务",
           C("task_id", "str", "任务ID", unique=True),
           C("task_name", "str", "任务名称"),
           C("task_type", "str", "任务类型", description="新手/日常/成长"),
           C("chain_step", "int", "任务链步骤", required=False, nullable=True,
             description="新手任务链中的顺序，不在链上为空"),
           C("growth_reward", "float", "成长值奖励", "点", min_value=0)),
        _t("task_log", "任务完成记录", "一位用户完成一次任务",
           C("user_id", "id", "用户ID", refers_to="user"),
           C("task_id", "str", "任务ID"),
           C("completed_time", "datetime", "完成时间")),
        _t("task_experiment", "任务随机实验", "一位新用户在一个任务实验中是否看到任务卡及其结果",
           C("user_id", "id", "用户ID", refers_to="user"),
           C("task_id", "str", "任务ID"),
           C("shown", "int", "是否展示任务", "0/1", description="随机分配"),
           C("completed", "int", "注册30天内是否完成", "0/1"),
           C("retained", "int", "注册后第31–90天是否下单", "0/1")),
        _t("wecom_sources", "私域引流触点", "一个引流触点一个月的触达与花费",
           C("month", "date", "月份"),
           C("source", "str", "引流触点", description="与 wecom_members.source 一致"),
           C("reach", "int", "触达人数", "人", min_value=0),
           C("cost", "float", "花费", "元", min_value=0)),
        _t("wecom_touches", "私域触达记录", "企微顾问给一位群成员的一次 1 对 1 触达",
           C("user_id", "id", "用户ID", refers_to="user"),
           C("touch_time", "datetime", "触达时间"),
           C("content", "str", "内容类型", required=False, description="促销/新品/内容"),
           C("clicked", "int", "是否点击", "0/1"),
           C("muted", "int", "是否因此设为免打扰", "0/1"),
           C("unsubscribed", "int", "是否因此退订（删除好友/拒收）", "0/1")),
        _t("wecom_orders", "社群订单", "一笔在企微社群内成交的订单（群接龙/社群小程序，不在 orders 表中）",
           C("order_id", "id", "社群订单ID", unique=True),
           C("user_id", "id", "用户ID", refers_to="user"),
           C("group_id", "str", "社群ID", required=False),
           C("order_time", "datetime", "下单时间"),
           C("amount", "float", "实付金额", "元", min_value=0)),
        _t("identity_links", "身份关联", "一次观察到的两个标识属于同一人（如注册时手机号与会员ID）",
           C("id_type_a", "str", "标识类型A", description="member/phone/openid/device"),
           C("id_a", "id", "标识A"),
           C("id_type_b", "str", "标识类型B"),
           C("id_b", "id", "标识B"),
           C("source", "str", "来源", required=False, description="注册/登录/小程序授权/门店…")),
        _t("units", "经营单元", "一个标准经营单元（门店、社区网格等）",
           C("unit_id", "str", "单元ID", unique=True),
           C("unit_name", "str", "单元名称"),
           C("unit_type", "str", "单元类型", description="门店/社区网格等"),
           C("city", "str", "城市", required=False),
           C("open_month", "date", "开业月份")),
        _t("unit_monthly", "经营单元月报", "一个经营单元一个月的产出与成本",
           C("month", "date", "月份"),
           C("unit_id", "str", "单元ID"),
           C("new_users", "int", "新增会员", "人", min_value=0),
           C("cost", "float", "运营成本", "元", min_value=0)),
        _t("staff_referrals", "全员营销", "一名员工一个月的推广结果（无成果的月份记 0）",
           C("month", "date", "月份"),
           C("staff_id", "str", "员工ID"),
           C("department", "str", "部门"),
           C("commission_rate", "float", "佣金比例", "比例", min_value=0),
           C("referred_users", "int", "推广新客", "人", min_value=0),
           C("referred_gmv", "float", "推广成交额", "元", min_value=0),
           C("commission", "float", "佣金", "元", min_value=0)),
        _t("partners", "合作伙伴", "一个渠道合作伙伴",
           C("partner_id", "str", "伙伴ID", unique=True),
           C("partner_name", "str", "伙伴名称"),
           C("partner_type", "str", "伙伴类型", description="跨界合作/代理商/分公司/媒体渠道"),
           C("commission_rate", "float", "分润比例", "比例", required=False, min_value=0)),
        _t("partner_monthly", "合作伙伴月报", "一个合作伙伴一个月的经营情况",
           C("month", "date", "月份"),
           C("partner_id", "str", "伙伴ID"),
           C("new_users", "int", "新增用户", "人", min_value=0),
           C("gmv", "float", "成交额", "元", min_value=0),
           C("commission", "float", "分润", "元", min_value=0),
           C("support_cost", "float", "支持费用", "元", min_value=0, description="物料、培训、驻点等固定投入")),
        _t("city_signups", "城市周新增", "一个城市一周的新增用户",
           C("week", "date", "周", description="每周的周一"),
           C("city", "str", "城市"),
           C("new_users", "int", "新增用户", "人", min_value=0),
           C("cobrand_partner_id", "str", "联名伙伴ID", required=False, nullable=True,
             description="该城市该周有跨界联名活动时为伙伴ID，否则为空")),
        _t("value_survey", "用户价值点位问卷", "一位受访者对一个品牌在一个价值点上的评价",
           C("respondent_id", "id", "受访者ID"),
           C("brand", "str", "品牌"),
           C("value_point", "str", "价值点"),
           C("importance", "int", "重要性", "1-5", min_value=1),
           C("rating", "int", "表现评分", "1-5", min_value=1)),
        _t("rollout", "新业务灰度发布", "一位用户在新业务灰度发布某一阶段的分组与结果",
           C("stage", "str", "灰度阶段"),
           C("user_id", "id", "用户ID", refers_to="user"),
           C("variant", "str", "分组", description="control/treatment"),
           C("pre_revenue", "float", "灰度前14天消费", "元", required=False, min_value=0,
             description="灰度开始前 14 天的主业消费（CUPED 协变量）"),
           C("revenue", "float", "14天总消费", "元", min_value=0),
           C("main_revenue", "float", "14天主业消费", "元", min_value=0)),
        _t("kol_roster", "达人档案", "一位达人的加入、离开、来源与培养投入",
           C("kol_id", "str", "达人ID", unique=True),
           C("join_date", "date", "加入日期"),
           C("leave_date", "date", "离开日期", required=False, nullable=True, description="仍在矩阵中则为空"),
           C("source", "str", "招募来源", required=False,
             description="门店店长/员工/老客/达人推荐/外部达人"),
           C("trained", "int", "是否完成培训", "0/1", required=False),
           C("sample_cost", "float", "样品费", "元", required=False, min_value=0, description="数据期内"),
           C("training_cost", "float", "培训费", "元", required=False, min_value=0, description="数据期内")),
        _t("kol_requests", "达人需求工单", "一位达人向供应链提出的一次需求及其响应时间",
           C("request_id", "str", "工单ID", unique=True),
           C("kol_id", "str", "达人ID"),
           C("request_time", "datetime", "提出时间"),
           C("request_type", "str", "需求类型", required=False, description="选品/补货/样品/售后"),
           C("response_hours", "float", "响应时长", "小时", min_value=0)),
        _t("kol_candidates", "达人招募", "一位被接触的达人候选人及其在招募流程中走到哪一步",
           C("candidate_id", "str", "候选人ID", unique=True),
           C("source", "str", "招募来源", description="门店店长/员工/老客/达人推荐/外部达人"),
           C("contact_date", "date", "接触日期"),
           C("signed_date", "date", "签约日期", nullable=True, description="未签约则为空"),
           C("trained_date", "date", "完成培训日期", required=False, nullable=True),
           C("kol_id", "str", "签约后的达人ID", required=False, nullable=True),
           C("referrer_kol_id", "str", "推荐人达人ID", required=False, nullable=True,
             description="由已有达人推荐（复制）时为推荐人")),
        _t("follower_orders", "达人私域订单", "一位粉丝在某位达人私域（社群、小店）中的一笔订单",
           C("order_id", "id", "订单ID", unique=True),
           C("kol_id", "str", "达人ID", description="订单所在的达人私域账号"),
           C("follower_id", "id", "粉丝ID", description="如微信 openid"),
           C("order_time", "datetime", "下单时间"),
           C("amount", "float", "实付金额", "元", min_value=0),
           C("supplier_amount", "float", "供应商结算", "元", required=False, min_value=0,
             description="S2b2C：供应链（S）所得"),
           C("commission", "float", "达人佣金", "元", required=False, min_value=0, description="S2b2C：小b 所得"),
           C("platform_fee", "float", "平台服务费", "元", required=False, min_value=0, description="S2b2C：平台所得"),
           C("account_owner", "str", "粉丝名单归属", required=False,
             description="公司（企业微信等公司账号）/达人（达人个人账号）")),
        _t("asset_trades", "数字藏品交易", "一件会员创作的数字资产（如菜谱卡）的一次成交",
           C("trade_id", "str", "成交ID", unique=True),
           C("asset_id", "str", "藏品ID"),
           C("creator_id", "id", "创作者ID"),
           C("seller_id", "id", "卖方ID", description="首发时即创作者"),
           C("buyer_id", "id", "买方ID"),
           C("trade_time", "datetime", "成交时间"),
           C("price", "float", "成交价", "积分", min_value=0, description="买方支付"),
           C("platform_fee", "float", "平台手续费", "积分", min_value=0),
           C("royalty", "float", "创作者版税", "积分", min_value=0, description="首发为 0"),
           C("seller_income", "float", "卖方所得", "积分", min_value=0,
             description="成交价 = 平台手续费 + 创作者版税 + 卖方所得")),
        _t("cities", "城市", "一个经营城市（或区域、门店群）",
           C("city_id", "str", "城市ID", unique=True, description="文本，如区号 0571（保留前导零）"),
           C("city_name", "str", "城市名称"),
           C("region", "str", "大区", required=False)),
        _t("city_daily", "城市日报", "一个城市一天的经营结果",
           C("date", "date", "日期"),
           C("city_id", "str", "城市ID"),
           C("orders", "int", "订单", "笔", min_value=0),
           C("gmv", "float", "成交额", "元", min_value=0)),
        _t("campaign_cities", "活动城市", "一个只在部分城市开展的活动覆盖的一个城市",
           C("campaign_id", "str", "活动ID"),
           C("city_id", "str", "城市ID")),
        _t("homepage_impressions", "首页曝光日志", "一次首页访问中一个位置上的一次素材曝光",
           C("request_id", "str", "访问ID", required=False,
             description="一次首页访问（同一访问的各位置共享）"),
           C("date", "date", "日期"),
           C("user_id", "id", "用户ID", refers_to="user", required=False),
           C("position", "int", "位置", "序号", min_value=1),
           C("creative_id", "str", "素材ID"),
           C("click", "int", "是否点击", "0/1", min_value=0),
           C("gmv", "float", "成交额", "元", required=False, min_value=0,
             description="该次点击带来的成交额，未成交为 0"),
           C("propensity", "float", "倾向分", "概率", required=False, nullable=True,
             description="投放策略在该位置选中该素材的概率（离线评估需要）")),
        _t("cart_reminders", "加购提醒实验", "一位加购后未下单的新用户在加购提醒（临门一脚）随机实验中的分组与结果",
           C("user_id", "id", "用户ID", unique=True, refers_to="user"),
           C("cart_time", "datetime", "加购时间"),
           C("sent_time", "datetime", "提醒时间", description="对照组为本应发送提醒的时间"),
           C("arm", "str", "实验组", description="对照组名为 control，其余为各种提醒（如 reminder、reminder_coupon）"),
           C("coupon_value", "float", "券面额", "元", min_value=0, description="不带券的组为 0"),
           C("converted", "int", "窗口内是否下单", "0/1", description="提醒后 N 天内（演示数据 7 天）是否下单")),
    ]
}


def user_id_columns() -> frozenset[str]:
    """Names of the canonical columns that hold user ids (``user_id``, ``inviter_id`` ...)."""
    return frozenset(c.name for t in TABLES.values() for c in t.columns if c.refers_to == "user")


def get(name: str) -> Table:
    """Return the contract of a canonical table."""
    return TABLES[name]
