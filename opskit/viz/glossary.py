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
