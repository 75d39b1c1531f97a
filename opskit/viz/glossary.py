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
    # concentration, 达人 matrix and token economies (chapters 16–17)
    "cr1": "CR1", "cr3": "CR3", "hhi": "HHI", "equivalent_number": "等效达人数", "gini": "基尼系数",
    "hhi_band": "集中度区间", "roas": "ROAS（成交额/费用）", "roi": "ROI", "net_gmv": "退货后成交额",
    "margin": "毛利", "full_cost": "总成本", "profit": "利润", "pays_back": "是否回本",
    "return_rate": "退货率", "sample_cost": "样品费", "training_cost": "培训费", "plateau": "稳态日订单",
    "repeaters": "复购人数", "fill_rate": "成交率", "supply_growth": "积分年增速", "velocity": "流通速度",
    "price_inflation": "价格年通胀", "revenue": "平台收入", "royalties": "创作者版税", "trade_fee": "交易手续费",
    "material_spread": "原材料价差", "tool_wear": "工具损耗", "recipe_fee": "配方费用", "issued": "发放积分",
    "redeemed": "兑换积分", "expired": "过期积分", "outstanding": "流通积分", "sink_ratio": "回收率",
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
    """A copy of ``frame`` with Chinese column names and index names (``extra`` overrides)."""
    extra = extra or {}

    def name_of(n):
        return extra.get(n, label(n)) if isinstance(n, str) else n

    out = frame.copy()
    if isinstance(out, pd.DataFrame):
        out.columns = [name_of(c) for c in out.columns]
    else:
        out.name = name_of(out.name)
    out.index.names = [name_of(n) for n in out.index.names]
    return out
