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
                         "checkout/share/push_open"),
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
           C("budget", "float", "预算", "元", required=False)),
        _t("campaign_phases", "活动阶段", "一个活动的一个阶段",
           C("campaign_id", "str", "活动ID"),
           C("phase", "str", "阶段", description="蓄水/预热/爆发/返场"),
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
           C("leave_time", "datetime", "退群时间", nullable=True)),
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
    ]
}


def user_id_columns() -> frozenset[str]:
    """Names of the canonical columns that hold user ids (``user_id``, ``inviter_id`` ...)."""
    return frozenset(c.name for t in TABLES.values() for c in t.columns if c.refers_to == "user")


def get(name: str) -> Table:
    """Return the contract of a canonical table."""
    return TABLES[name]
