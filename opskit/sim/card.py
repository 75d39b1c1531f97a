"""The Chinese data card ``datasets/README.md``, rendered from the schema, the parts and the data."""

from __future__ import annotations

import json

import pandas as pd

from opskit.data import schema
from opskit.sim.config import DEMO_SEED, WorldConfig
from opskit.sim.truths import CORE_PARTS, measure
from opskit.sim.world import DEMO_N_USERS, peripheral_modules

PART_TITLES = {"acquisition": "获客", "purchases": "购买", "behaviour": "行为", "experiments": "实验",
               "loyalty": "会员", "community": "社群", "campaigns": "活动", "homepage": "首页资源位",
               "kol": "达人", "survey": "问卷", "business": "业务线",
               "messaging": "消息触达", "gamification": "任务体系", "private_domain": "私域运营",
               "identity": "身份关联",
               "units": "经营单元", "staff": "全员营销", "partners": "渠道伙伴与跨界联名", "newbiz": "新业务",
               "mcn": "达人私域与招募", "ugc": "会员共创试点",
               "cities": "城市日报", "homepage_log": "首页曝光日志", "reminders": "加购提醒实验",
               "churn_drivers": "流失原因", "shoppers": "购物习惯"}
DTYPE_LABELS = {"id": "ID（文本）", "int": "整数", "float": "小数", "str": "文本", "datetime": "时间", "date": "日期",
                "bool": "布尔"}

MEASURED_LABELS = {
    "fraud_channel_ctit_3_10s_share": "联盟广告安装中 CTIT 在 3–10 秒的比例",
    "other_channels_ctit_3_10s_share": "其他付费渠道安装中 CTIT 在 3–10 秒的比例",
    "other_channels_ctit_within_1h": "其他付费渠道 CTIT < 1 小时的比例",
    "other_channels_ctit_within_24h": "其他付费渠道 CTIT < 24 小时的比例",
    "fraud_channel_farm_install_share": "联盟广告安装中来自作弊 IP 的比例（≈ 被浪费的花费占比）",
    "farm_users_ordering_share": "作弊 IP 注册用户中下过单的比例",
    "aha_user_share": "前 7 天收藏 ≥ 3 次的用户占比",
    "aha_retained_rate": "其中第 8–30 天有订单的比例",
    "no_aha_retained_rate": "其余用户第 8–30 天有订单的比例",
    "lift_bakery_dairy": "订单层面 lift(烘焙 ⇒ 乳品)",
    "lift_vegetable_fruit": "对照：订单层面 lift(蔬菜 ⇒ 水果)",
    "srm_control_users": "exp_search_rank 对照组人数",
    "srm_treatment_users": "exp_search_rank 实验组人数",
    "srm_p_value": "exp_search_rank SRM 卡方检验 p 值",
    "detail_page_control_rate": "exp_detail_page 对照组加购转化率",
    "detail_page_treatment_rate": "exp_detail_page 实验组加购转化率",
    "cuped_rho": "exp_cart_recommend 中 pre_revenue 与 revenue 的相关系数 ρ",
    "cuped_variance_reduction": "CUPED 可降低的方差比例 ρ²",
    "referral_invites_per_user": "人均邀请数 i",
    "referral_invite_conversion": "邀请转化率 c",
    "referral_k_factor": "K = i × c",
    "orders_per_user": "人均订单数",
    "buyer_share": "下过单的用户占比",
    "lead_lift_seafood_grain_oil": "引导性：首购水产海鲜后 30 天内订单含粮油调味的比例 ÷ 平时",
    "lead_lift_grain_oil_seafood": "对照：首购粮油调味后 30 天内订单含水产海鲜的比例 ÷ 平时",
    "unsubscribe_rate_up_to_fatigue": "每周触达 ≤ 3 条的成员周退订率",
    "unsubscribe_rate_beyond_fatigue": "每周触达 > 3 条的成员周退订率",
    "group_orders_per_member_month": "在群成员每 30 天的社群订单数",
    "identity_components_with_hubs": "身份图连通分量数（含门店共享平板）",
    "identity_components_without_hubs": "身份图连通分量数（剔除门店共享平板）= 真实人数",
    "cart_reminder_users": "加购提醒实验人数",
    "cart_reminder_control_rate": "加购提醒实验：对照组 7 天下单率",
    "cart_reminder_reminder_rate": "加购提醒实验：提醒组 7 天下单率",
    "cart_reminder_reminder_persuaded": "提醒组实测被说服比例 (提醒组 − 对照组) ÷ (1 − 对照组)",
    "cart_reminder_reminder_coupon_rate": "加购提醒实验：提醒 + 券组 7 天下单率",
    "cart_reminder_reminder_coupon_persuaded": "提醒 + 券组实测被说服比例",
    "coupon_repeat_60d_control": "新客券实验对照组首单顾客 60 天复购率",
    "coupon_repeat_60d_treated": "新客券实验发券组首单顾客 60 天复购率",
    "coupon_repeat_60d_ratio": "两者之比（埋点：1 − 薅羊毛比例）",
}


def render_card(world: dict[str, pd.DataFrame], n_users: int = DEMO_N_USERS,
                seed: int = DEMO_SEED) -> str:
    """The Markdown data card of ``world`` (generated with ``n_users`` and ``seed``)."""
    cfg = WorldConfig(n_users=n_users, seed=seed)
    parts = {**CORE_PARTS, **peripheral_modules()}
    sections = [
        _header(cfg),
        _overview(world),
        "## 数据是怎样生成的\n\n" + "\n".join(module.CARD.strip() + "\n" for module in parts.values()),
        _truths(parts),
        _measured(world),
        "## 字段说明\n\n" + "\n".join(_columns(schema.get(name), world) for name in world),
    ]
    return "\n".join(s.rstrip() + "\n" for s in sections)


def _header(cfg: WorldConfig) -> str:
    return f"""\
# 鲜选 模拟公司数据卡（demo data card）

“鲜选”是一家虚构的生鲜与日用品 App：有会员体系、企业微信社群，通过应用商店、信息流广告、达人、好友邀请、
线下门店和企业合作获客。这里的数据是 `opskit.sim` 按课程所讲的模型生成的，**参数已知**、并埋入了若干
“真相”（作弊渠道、SRM、啊哈时刻、跨品类关联、异质性增益……），供各章节去发现、供测试和练习去核对。

- 时间范围：{cfg.start.date()} 至 {cfg.end.date()}（不含；{cfg.end.date()} 即数据导出日）
- 用户数：{cfg.n_users:,}，随机种子：{cfg.seed}
- 重新生成（逐字节一致）：`python -m opskit.sim`（写入 `datasets/*.csv` 和本文件）
- 在 Python 中：`from opskit.sim import simulate, load_demo, TRUTHS`；
  `simulate(n_users={cfg.n_users}, seed={cfg.seed})` 得到与本目录相同的表，`load_demo("orders")` 读取单表
- 文件：UTF-8 CSV，每表一个文件；时间为 `YYYY-MM-DD HH:MM:SS`（秒），日期为 `YYYY-MM-DD`，金额单位为元、保留两位小数，
  空值为空字符串
"""


def _overview(world: dict[str, pd.DataFrame]) -> str:
    rows = ["| 表 | 中文名 | 一行是 | 行数 |", "|---|---|---|---:|"]
    for name, frame in world.items():
        table = schema.get(name)
        rows.append(f"| `{name}` | {table.label} | {table.row} | {len(frame):,} |")
    return "## 表一览\n\n" + "\n".join(rows) + "\n"


def _truths(parts: dict) -> str:
    lines = ["## 埋点一览（设计值，`opskit.sim.TRUTHS`）", ""]
    for name, module in parts.items():
        lines.append(f"**{PART_TITLES.get(name, name)}（`TRUTHS[\"{name}\"]`）**")
        lines.append("")
        for key, value in module.TRUTHS.items():
            lines.append(f"- `{key}`: {json.dumps(value, ensure_ascii=False, default=str)}")
        lines.append("")
    return "\n".join(lines)


def _measured(world: dict[str, pd.DataFrame]) -> str:
    rows = ["## 埋点在本数据中的实测值", "", "| 指标 | 实测 |", "|---|---:|"]
    for key, value in measure(world).items():
        shown = f"{value:,}" if isinstance(value, int) else f"{value:.4g}"
        rows.append(f"| {MEASURED_LABELS[key]}（`{key}`） | {shown} |")
    return "\n".join(rows) + "\n"


def _columns(table: schema.Table, world: dict[str, pd.DataFrame]) -> str:
    rows = [f"### `{table.name}` {table.label}", "", f"一行是{table.row}；{len(world[table.name]):,} 行。", "",
            "| 列 | 中文名 | 类型 | 单位 | 说明 |", "|---|---|---|---|---|"]
    for col in table.columns:
        notes = [col.description] if col.description else []
        if col.unique:
            notes.append("唯一")
        if col.nullable:
            notes.append("可为空")
        if col.min_value is not None:
            notes.append(f"≥ {col.min_value:g}")
        if not col.required:
            notes.append("公司数据中可缺")
        rows.append(f"| `{col.name}` | {col.label} | {DTYPE_LABELS[col.dtype]} | {col.unit or ''} | "
                    f"{'；'.join(notes)} |")
    return "\n".join(rows) + "\n"
