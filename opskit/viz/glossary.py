"""One glossary of Chinese display labels for the kit's canonical English names.

Methods take and return snake_case English column names; notebooks, charts and reports apply
Chinese labels at display time::

    from opskit.viz import glossary
    glossary.zh(table)            # a copy with Chinese column and index names
    glossary.label("gmv")         # '成交额'

Table-contract columns get their label from :mod:`opskit.data.schema`; everything else is in
:data:`LABELS`. Add a term here once, and every chapter shows it the same way.
"""

from __future__ import annotations

import pandas as pd

from opskit.data import schema

#: Metric and result names that are not columns of a canonical table.
LABELS: dict[str, str] = {
    # business metrics
    "gmv": "成交额", "orders": "订单数", "buyers": "下单用户数", "new_buyers": "新下单用户数",
    "returning_buyers": "老下单用户数", "aov": "客单价", "orders_per_buyer": "人均订单数",
    "first_order_gmv": "首单成交额", "repeat_gmv_share": "复购成交额占比", "new_users": "新注册用户数",
    "users": "用户数", "share": "占比", "rate": "比例", "period": "周期", "month": "月份",
    "week": "周", "day": "日期", "date": "日期",
    # statistics
    "estimate": "估计值", "se": "标准误", "ci_low": "置信下限", "ci_high": "置信上限",
    "p_value": "p 值", "lift": "提升度", "support": "支持度", "confidence": "置信度",
    "effect": "效应", "n": "样本量",
    # model summaries (opskit.likelihood)
    "model": "模型", "parameter": "参数", "planted_truth": "埋入的真实值",
    # AIPL flows (opskit.aipl)
    "stage": "阶段", "base": "期初人数", "deepening_rate": "加深率", "kept_rate": "保持率",
    "regression_rate": "回落率", "churn_rate": "流失率",
    # churn early warning (opskit.churn)
    "predictor": "特征", "coefficient": "系数", "churn_probability": "流失概率", "main_reason": "主要原因",
    "recency_days": "距上次下单天数", "orders_30d": "近30天订单数", "orders_60d": "近60天订单数",
    "orders_90d": "近90天订单数", "order_trend": "订单趋势（近30天/前30天）", "amount_90d": "近90天实付金额",
    "tenure_days": "老客时长（天）", "ipt_ratio": "间隔比（距上次下单/平均购买间隔）",
    "events_30d": "近30天行为次数", "engagement_ewma": "活跃度（指数衰减加权）",
    "event_trend": "活跃趋势（近30天/前30天）",
    "complaints_90d": "近90天投诉次数", "coupon_share_90d": "近90天用券订单占比", "main_feature": "主要原因特征",
    # hook model (opskit.hook)
    "external": "外部触发", "self_initiated": "自发（内部触发代理）", "session_share": "会话占比",
    "reward": "奖励", "with_discount": "有优惠（可变奖励）", "without_discount": "无优惠", "return_rate": "回购率",
    "invested": "有投入", "not_invested": "无投入", "retention_rate": "留存率",
    # user journey (opskit.journey)
    "register": "注册", "browse": "浏览商品", "add_to_cart": "加购", "first_order": "首单",
    "repeat_order": "复购", "loyal": "忠诚", "step_conversion": "上一步转化率", "dropped": "流失人数",
    "median_days_from_register": "距注册中位天数", "median_days_from_previous": "距上一步中位天数",
    # member tiers (opskit.loyalty)
    "tier": "等级", "members": "会员数", "member_spend": "年消费", "benefit_cost": "权益成本",
    "retained_margin": "留存带来的毛利", "return_ratio": "回报倍数",
    # driver decomposition (opskit.decomposition)
    "factor": "因素", "sequential": "连环替代法", "lmdi": "LMDI", "shapley": "Shapley", "total": "合计",
    # metric catalog (opskit.metrics)
    "id": "指标 id", "label": "指标", "definition": "口径", "unit": "单位", "tables": "所需表", "available": "可用",
    "gmv_per_buyer": "人均消费", "repeat_buyers": "当期复购用户数", "repeat_rate": "当期复购率",
    "gross_gmv": "优惠前成交额", "paid_share": "实付比例",
    # categories and private domain (chapters 07, 08)
    "penetration": "渗透率", "frequency": "购买频次", "purchases": "购买次数", "spend_per_purchase": "每次购买金额",
    "universe": "顾客数", "antecedent": "前项", "consequent": "后项", "leverage": "杠杆", "conviction": "确信度",
    "lead_lift": "引导提升度", "entry_share": "入口占比", "entry_value": "新客长期价值",
    "gain": "G 渗透力", "retain": "R 复购力", "boost": "O 价格力", "widen": "W 延展力", "delta": "变化",
    "naive_gap": "直接对比差距", "joins": "入群人数", "reach": "触达人数", "conversion": "转化率",
    "customer_key": "顾客键", "id_type": "标识类型",
    # concentration, 达人 matrix and token economies (chapters 16–17)
    "cr1": "CR1", "cr3": "CR3", "hhi": "HHI", "equivalent_number": "等效达人数", "gini": "基尼系数",
    "hhi_band": "集中度区间", "roas": "ROAS（成交额/费用）", "roi": "ROI", "net_gmv": "退货后成交额",
    "margin": "毛利", "full_cost": "总成本", "profit": "利润", "pays_back": "是否回本",
    "sample_cost": "样品费", "training_cost": "培训费", "plateau": "稳态日订单",
    "repeaters": "复购人数", "fill_rate": "成交率", "supply_growth": "积分年增速", "velocity": "流通速度",
    "price_inflation": "价格年通胀", "revenue": "平台收入", "royalties": "创作者版税", "trade_fee": "交易手续费",
    "material_spread": "原材料价差", "tool_wear": "工具损耗", "recipe_fee": "配方费用", "issued": "发放积分",
    "redeemed": "兑换积分", "expired": "过期积分", "outstanding": "流通积分", "sink_ratio": "回收率",
    # campaigns and homepage (chapters 09-10)
    "increment": "增量", "baseline": "基线", "gross_lift": "毛变化", "att": "平均处理效应", "weight": "权重",
    "ctr": "点击率", "cvr": "转化率", "gpm": "千次曝光成交额", "corrected_ctr": "纠偏点击率",
    "corrected_gpm": "纠偏千次曝光成交额", "theta": "位置系数", "examined": "纠偏曝光", "regret": "累计遗憾",
    "impressions": "曝光", "clicks": "点击",
}


def label(name: str) -> str:
    """The Chinese label of ``name`` (a metric, result or canonical column); ``name`` if unknown."""
    if name in LABELS:
        return LABELS[name]
    for table in schema.TABLES.values():
        for col in table.columns:
            if col.name == name:
                return col.label
    return name


def zh(frame: pd.DataFrame | pd.Series, extra: dict[str, str] | None = None) -> pd.DataFrame | pd.Series:
    """A copy of ``frame`` with Chinese column names, index names and index labels (``extra`` overrides).

    Index labels are translated only where they are glossary terms (stage keys such as
    ``first_order``, a ``total`` row); ids, dates and other values stay as they are.
    """
    extra = extra or {}

    def name_of(n):
        return extra.get(n, label(n)) if isinstance(n, str) else n

    def term_of(n):
        return extra.get(n, LABELS.get(n, n)) if isinstance(n, str) else n

    out = frame.copy()
    if isinstance(out, pd.DataFrame):
        out.columns = [name_of(c) for c in out.columns]
    else:
        out.name = name_of(out.name)
    if not isinstance(out.index, pd.MultiIndex) and (out.index.dtype == object or pd.api.types.is_string_dtype(out.index)):
        out.index = pd.Index([term_of(v) for v in out.index], name=out.index.name)
    out.index.names = [name_of(n) for n in out.index.names]
    return out


# Growth models, acquisition strategies and business models (chapters 12–13).
LABELS.update({
    "net_profit": "净利润", "margin": "毛利", "commission_share": "分润比例（实际）",
    "break_even_share": "盈亏平衡分润比例", "cost_per_user": "获客成本（元/人）", "profit_per_user": "每位用户净利润",
    "months": "月数", "impressions": "曝光", "clicks": "点击", "installs": "安装", "registrations": "注册",
    "spend": "花费", "cost_per_impression": "每次曝光成本", "cost_per_click": "每次点击成本",
    "cost_per_install": "每次安装成本", "cost_per_registration": "每个注册成本", "cost_per_buyer": "每个首购成本",
    "ctr": "点击率", "install_rate": "安装率", "register_rate": "注册率", "buy_rate": "首购率",
    "generation": "裂变代数", "cumulative_users": "累计用户",
    "level": "成熟水平", "tau": "爬坡时间常数（月）", "std_error": "标准误",
    "actual": "实际", "baseline": "基线", "incremental": "增量", "pre_fit_error": "活动前拟合误差", "matches": "匹配城市",
    "full_window": "观察期满的用户", "retained": "留存用户", "retention_rate": "留存率",
    "cost_per_retained_user": "每位留存用户成本", "channels": "包含渠道", "cost": "成本",
    "referred_users": "推广新客", "referred_gmv": "推广成交额", "commission": "佣金", "commission_per_user": "每位新客佣金",
    "staff_months": "员工·月", "users_per_staff_month": "人均月推广新客", "gmv_per_staff_month": "人均月推广成交额",
    "margin_per_staff_month": "人均月毛利（扣佣金）", "department": "部门",
    "gini": "基尼系数", "top20_share": "前 20% 占比", "hhi": "HHI", "equivalent_staff": "等效人数", "zero_share": "零产出占比",
    "growth": "年化增长率", "acceleration": "增长加速度",
    "revenue": "收入", "market_size": "市场规模", "own_share": "自身份额", "relative_share": "相对市场份额",
    "market_growth": "市场增长率", "quadrant": "象限", "move": "业务决策", "size_share": "收入占比",
    "importance": "重要性", "best_rival": "最强对手", "best_rival_rating": "最强对手评分", "advantage": "领先幅度",
    "role": "价值点角色", "model_type": "商业模式", "stream": "收费类型", "line": "收入线", "driver": "驱动量",
    "driver_value": "驱动量数值", "revenue_cents": "收入（分）",
})


#: Chinese names of the canonical event types (values of ``events.event_type``).
EVENT_LABELS: dict[str, str] = {
    "add_favorite": "收藏", "view_item": "浏览商品", "search": "搜索", "share": "分享", "app_open": "打开 App",
    "push_open": "打开推送", "add_to_cart": "加入购物车", "checkout": "提交订单", "complaint": "投诉",
}


def event_label(event_type: str) -> str:
    """The Chinese name of an event type; the type itself if unknown (company event names)."""
    return EVENT_LABELS.get(event_type, event_type)
