"""A chapter's key tables computed through the named queries only: the part of a rerun that runs
where the tables live (``opskit run CH --engine spark``).

Each key table belongs to one section of the chapter (the section's title in
:mod:`opskit.course.chapters`), names the tables it reads and a function of (dataset, as_of)
returning a small pandas frame. The same function runs on a :class:`~opskit.data.dataset.Dataset`
(pandas, DuckDB) and on a :class:`~opskit.data.warehouse.SparkDataset` (Spark DataFrames), so the
two engines can be compared table by table (tests/test_spark_chapters.py does, for every chapter).

A section runs on Spark when the raw-table work of its analysis goes through methods whose named
queries accept a Spark DataFrame; statistics then run in pandas on their small results. Every
function called here was checked on a local Spark session against DuckDB. Raw tables are never
collected; the small reference tables in :data:`LOOKUPS` (one row per channel, category, campaign,
task, 达人 …) are. A section of a chapter without key tables is skipped with
「此小节需要把原始表读入内存，Spark 模式下跳过」; :data:`PARTLY` names the parts of a section that
runs whose work is not behind the seam (they are shown on the page as skipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from opskit.data import engine
from opskit.data.spark import is_spark_frame

#: Reference tables small by nature (one row per channel, category, campaign …): collected to pandas
#: in Spark mode, where a method takes them as lookups.
LOOKUPS = ("channels", "categories", "campaigns", "campaign_cities", "tasks", "kols", "kol_roster",
           "units", "partners")


@dataclass(frozen=True)
class KeyTable:
    section: str                  # title of the chapter section it belongs to (chapters.Section.title)
    title: str
    tables: tuple[str, ...]       # every table it reads
    compute: Callable             # (data, as_of) -> pandas DataFrame


def lookup(data, table: str) -> pd.DataFrame:
    """A small reference table as pandas, whichever the engine (see :data:`LOOKUPS`)."""
    if table not in LOOKUPS:
        raise ValueError(f"{table} is a raw table: it stays where it lives in Spark mode")
    frame = data[table]
    return frame.toPandas() if is_spark_frame(frame) else frame


def before(frame, column: str, as_of):
    """Rows of a raw table with ``column`` before ``as_of``, as the notebooks cut them: a lazy filter
    on Spark (it runs where the table lives), a boolean mask in pandas; every row without an
    analysis day (a chapter whose clock table is absent)."""
    if as_of is None:
        return frame
    as_of = pd.Timestamp(as_of)
    if is_spark_frame(frame):
        from pyspark.sql import functions as F

        cut = F.lit(as_of.isoformat(sep=" ")).cast(frame.schema[column].dataType)  # the column's own type
        return frame.where(F.col(column) < cut)
    return frame.loc[frame[column] < as_of]


#: Chapter -> the (table, time column) pairs whose latest time sets the default analysis day, as in
#: the chapter's notebook (midnight after the latest time); other chapters use the orders.
CLOCKS = {"16": (("kol_daily", "date"), ("follower_orders", "order_time"), ("kol_requests", "request_time")),
          "17": (("points_ledger", "time"), ("asset_trades", "trade_time"))}


def default_as_of(data, chapter: str = "06") -> pd.Timestamp | None:
    """The notebooks' default analysis day: midnight after the last order (or after the latest time
    of the chapter's own tables, :data:`CLOCKS`); None without any of them."""
    clocks = CLOCKS.get(chapter, (("orders", "order_time"),))
    times = [engine.column_max(data[t], col) for t, col in clocks if data.has(t)]
    times = [t for t in times if not pd.isna(t)]
    return max(times).normalize() + pd.Timedelta(days=1) if times else None


# --- 00 -------------------------------------------------------------------------------------------

def _value_concentration(data, as_of):
    from opskit import concentration
    from opskit.lifecycle import user_order_summary

    buyers = user_order_summary(data["orders"], as_of=as_of)
    return pd.DataFrame({"buyers": [len(buyers)], "gmv": [float(buyers["gmv"].sum())],
                         "top_20pct_gmv_share": [concentration.top_share(buyers["gmv"], 0.2)],
                         "gini": [concentration.gini(buyers["gmv"])],
                         "mean_orders": [float(buyers["orders"].mean())],
                         "median_orders": [float(buyers["orders"].median())]})


# --- 00 / 01: order metrics ----------------------------------------------------------------------

def _month_start(as_of):
    """Chapter 01's analysis month ends where the month of ``as_of`` starts (its last complete month):
    the orders the notebook reads are those before that day."""
    return as_of.to_period("M").to_timestamp() if as_of is not None else None


def _monthly_kpis(data, as_of, cut=None):
    from opskit import metrics

    orders = before(data["orders"], "order_time", as_of if cut is None else cut)
    users = before(data["users"], "register_time", as_of) if data.has("users") and cut is None else None
    return metrics.kpis(orders, users).reset_index()


def _platform_gmv(data, as_of):
    from opskit import metrics
    from opskit.data import engine as seam

    orders = data["orders"]
    if "platform" not in seam.columns(orders):
        return pd.DataFrame({"period": pd.Series(dtype="datetime64[us]"), "platform": pd.Series(dtype=str),
                             "gmv": pd.Series(dtype=float)})
    table = metrics.kpis(before(orders, "order_time", _month_start(as_of)), segment="platform")
    return table["gmv"].reset_index()


def _north_star_candidates(data, as_of):
    from opskit import metrics

    values = metrics.compute_many(data, ("gmv",) + metrics.NORTH_STAR_CANDIDATES)
    return values.loc[values.index < _month_start(as_of)].reset_index()


# --- 02 / 06 / 09 / 14: RFM ---------------------------------------------------------------------

def _rfm(data, as_of, window_days=None):
    from opskit.segments import rfm_table

    return rfm_table(data["orders"], as_of=as_of, window_days=window_days).reset_index()


def _value_tiers(data, as_of):
    from opskit import segments

    rfm = segments.rfm_table(data["orders"], as_of=as_of, window_days=365)
    tiers = segments.value_tiers(rfm["monetary"])
    table = (rfm.assign(tier=tiers).groupby("tier", observed=False)
             .agg(users=("monetary", "size"), monetary=("monetary", "sum"), mean_monetary=("monetary", "mean")))
    table["user_share"] = table["users"] / table["users"].sum()
    table["monetary_share"] = table["monetary"] / table["monetary"].sum()
    return table.reset_index()


def _rfm_flows(data, as_of, migration_days=90):
    from opskit import flows, segments

    before = segments.rfm_table(data["orders"], as_of=as_of - pd.Timedelta(days=migration_days), window_days=365)
    after = segments.rfm_table(data["orders"], as_of=as_of, window_days=365)
    counts = flows.transitions(segments.rfm_segments(before), segments.rfm_segments(after))
    return counts.rename_axis(index="before").reset_index()


# --- 06 -------------------------------------------------------------------------------------------

def _cohorts(data, as_of):
    from opskit.retention import cohort_counts

    counts, sizes = cohort_counts(data["orders"], period="month", as_of=as_of)
    table = counts.div(sizes, axis=0)
    table.columns = [f"第{age}月" for age in table.columns]
    table.insert(0, "size", sizes)
    return table.reset_index()


def _clv_summary(data, as_of):
    from opskit.clv import summary_from_orders

    return summary_from_orders(data["orders"], as_of=as_of, period="day")


def _tier_proposal(data, as_of):
    from opskit.loyalty import assign_tiers, growth_value, tier_thresholds

    gv = growth_value(data["orders"], as_of=as_of, window_days=365)
    names = ["普通会员", "白银会员", "黄金会员", "铂金会员", "钻石会员"]
    proposed = tier_thresholds(gv, (0.5, 0.8, 0.95, 0.99))
    counts = assign_tiers(gv, proposed, names).value_counts(sort=False).reindex(names, fill_value=0)
    return pd.DataFrame({"tier": names, "min_growth": proposed, "members": counts.to_numpy()})


def _reward_returns(data, as_of):
    from opskit.hook import reward_return_rates

    return reward_return_rates(data["orders"], as_of=as_of).reset_index()


def _aipl(data, as_of):
    from opskit.aipl import aipl_stages

    stages = aipl_stages(data["orders"], data["events"], as_of=as_of)
    return stages.value_counts().rename("users").rename_axis("stage").reset_index().sort_values(
        "stage", kind="stable").reset_index(drop=True)


# --- 09 -------------------------------------------------------------------------------------------

def _campaign_windows(data, as_of):
    from opskit import campaigns

    return campaigns.campaign_windows(data["city_daily"], lookup(data, "campaigns"),
                                      lookup(data, "campaign_cities"))


def _daily_totals(data, as_of):
    from opskit import campaigns

    return campaigns.daily_totals(data["city_daily"])


# --- 12 / 13 --------------------------------------------------------------------------------------

def _partner_economics(data, as_of):
    from opskit import growth

    partners = lookup(data, "partners") if data.has("partners") else None
    return growth.partner_economics(data["partner_monthly"], partners, gross_margin=0.25).reset_index()


def _paid_funnel(data, as_of):
    from opskit import growth

    return growth.paid_funnel(data["channel_spend"], data["installs"], data["orders"], buy_within_days=30).reset_index()


def _unit_ages(data, as_of):
    from opskit import growth

    return growth.unit_age_output(data["unit_monthly"], lookup(data, "units"))


def _users_by_channel(data, as_of):
    from opskit import acquisition

    return acquisition.users_by_channel(data["users"]).rename("users").rename_axis("channel_id").reset_index()


def _spend_by_channel(data, as_of):
    from opskit import acquisition

    return acquisition.spend_by_channel(data["channel_spend"]).reset_index()


def _staff_results(data, as_of):
    from opskit import acquisition

    return acquisition.staff_results(data["staff_referrals"]).reset_index()


def _commission_arms(data, as_of):
    from opskit import acquisition

    return acquisition.commission_response(data["staff_referrals"], gross_margin=0.25).arms.reset_index()


def _business_lines(data, as_of):
    from opskit import growth

    return growth.business_line_summary(data["business_lines"]).reset_index()


# --- 14 -------------------------------------------------------------------------------------------

def _price_tags(data, as_of):
    from opskit import needs

    return needs.price_tags(data["order_lines"], data["orders"], start=as_of - pd.Timedelta(days=365),
                            end=as_of, threshold=0.1, min_lines=5)


def _rfm_needs(data, as_of):
    from opskit import needs, segments

    rfm = segments.rfm_table(data["orders"], as_of=as_of, window_days=365)
    seg = segments.rfm_segments(rfm, threshold="mean").astype(str)
    return needs.segment_needs(data["order_lines"], data["orders"], seg, start=as_of - pd.Timedelta(days=365),
                               end=as_of)


def _content_response(data, as_of):
    from opskit import content

    tags = _price_tags(data, as_of).set_index("user_id")["tag"]
    return content.response_matrix(before(data["message_sends"], "send_time", as_of), tags, channel="公众号", alpha=0.05)


def _send_summary(data, as_of):
    from opskit import content

    return content.send_summary(before(data["message_sends"], "send_time", as_of))


def _fatigue_curve(data, as_of):
    from opskit import content

    return content.fatigue_curve(before(data["message_sends"], "send_time", as_of)).reset_index()


def _customer_mix(data, as_of):
    from opskit import penetration

    return penetration.customer_mix(before(data["orders"], "order_time", as_of), period="quarter").reset_index()


# --- 15 -------------------------------------------------------------------------------------------

def _arpu_curve(data, as_of):
    from opskit import gamification

    return gamification.arpu_curve(data["orders"], as_of=as_of).reset_index()


def _monthly_growth(data, as_of, months=12):
    from opskit import gamification

    if data.has("task_log", "tasks"):
        task_log, tasks = data["task_log"], lookup(data, "tasks")
    else:  # no tasks: spend alone (empty frames, so the method never touches the orders in pandas)
        task_log = pd.DataFrame({"user_id": pd.Series(dtype=str), "task_id": pd.Series(dtype=str),
                                 "completed_time": pd.Series(dtype="datetime64[us]")})
        tasks = pd.DataFrame({"task_id": pd.Series(dtype=str), "growth_reward": pd.Series(dtype=float)})
    start = as_of - (pd.Timedelta(days=365) if months == 12 else pd.DateOffset(months=months))
    wide = gamification.monthly_growth(data["orders"], task_log, tasks, start=start, end=as_of)
    return pd.DataFrame({"month": wide.columns, "growth": wide.sum().to_numpy(),
                         "members_with_growth": (wide > 0).sum().to_numpy()})


def _tenure_spend(data, as_of):
    from opskit import gamification

    spend = gamification.tenure_spend(data["orders"], as_of=as_of)
    return spend.groupby("tenure_month").agg(users=("user_id", "nunique"), orders=("orders", "sum"),
                                             spend=("spend", "sum")).reset_index()


def _user_margin(data, as_of):
    from opskit import gamification

    categories = lookup(data, "categories") if data.has("categories") else None
    margin = gamification.user_margin(data["order_lines"], data["orders"], categories,
                                      start=as_of - pd.Timedelta(days=365), end=as_of, default_margin=0.25)
    return margin.describe().T.rename_axis("column").reset_index()


def _points_flows(data, as_of):
    from opskit import loyalty

    return loyalty.points_flows(before(data["points_ledger"], "time", as_of), "quarter").reset_index()


def _breakage(data, as_of):
    from opskit import loyalty

    return pd.DataFrame([loyalty.breakage_estimate(before(data["points_ledger"], "time", as_of), as_of=as_of)])


# --- 16 -------------------------------------------------------------------------------------------

def _kol_summary(data, as_of):
    from opskit import mcn

    kols = lookup(data, "kols") if data.has("kols") else None
    return mcn.kol_summary(data["kol_daily"], kols).reset_index()


def _follower_daily(data, as_of):
    from opskit import mcn

    daily = mcn.follower_daily(data["follower_orders"], as_of=as_of)
    return daily.sort_values(list(daily.columns[:2]), kind="stable").reset_index(drop=True)


def _recruit_ages(data, as_of):
    from opskit import mcn

    roster = lookup(data, "kol_roster")
    ages = mcn.recruit_order_ages(data["follower_orders"], roster, since=roster["join_date"].min(), as_of=as_of)
    return ages.describe().T.rename_axis("column").reset_index()


def _follower_summary(data, as_of):
    from opskit import mcn

    return mcn.follower_summary(data["follower_orders"], as_of=as_of)


def _stay_after_leaving(data, as_of):
    from opskit import mcn

    return mcn.stay_after_leaving(data["follower_orders"], lookup(data, "kol_roster"), as_of=as_of).reset_index()


def _response_times(data, as_of):
    from opskit import mcn

    return mcn.response_times(data["kol_requests"], as_of=as_of, sla_hours=24.0).reset_index()


def _repeat_rates(data, as_of, days=7):
    from opskit import mcn

    roster = lookup(data, "kol_roster").set_index("kol_id")
    cut = roster["leave_date"] if "leave_date" in roster else None
    per_kol = mcn.repeat_rates(data["follower_orders"], days=days, as_of=as_of, group="kol_id",
                               buyer="follower_id", cutoffs=cut)
    platform = mcn.repeat_rates(data["orders"], days=days, as_of=as_of, buyer="user_id", platform_label="平台")
    source = per_kol.index.map(roster["source"]) if "source" in roster else pd.Index(["达人私域"] * len(per_kol))
    grouped = per_kol.groupby(source.rename("group"))[["buyers", "repeaters"]].sum()
    grouped["rate"] = grouped["repeaters"] / grouped["buyers"]
    grouped["ci_low"], grouped["ci_high"] = mcn.wilson_interval(grouped["repeaters"], grouped["buyers"])
    grouped = grouped.sort_values("rate", ascending=False, kind="stable")
    return pd.concat([grouped, platform.rename_axis("group")]).reset_index()


# --- 17 -------------------------------------------------------------------------------------------

def _points_economy(data, as_of):
    from opskit import tokens

    return tokens.points_economy(data["points_ledger"], as_of=as_of).reset_index()


def _creator_earnings(data, as_of):
    from opskit import tokens

    return tokens.creator_earnings(data["asset_trades"], as_of=as_of)


def _resales(data, as_of):
    from opskit import tokens

    return tokens.resale_behaviour(data["asset_trades"], as_of=as_of, flip_days=3.0, min_markup=1.2)


#: Chapter number -> its key tables that run through the named queries alone, each in its section.
KEY_TABLES: dict[str, list[KeyTable]] = {
    "00": [KeyTable("大数据时代对运营的全新要求", "顾客价值集中度（前 20% 顾客的成交额占比、基尼系数）", ("orders",),
                    _value_concentration),
           KeyTable("数据导览：订单与品类", "月度经营指标", ("orders",), _monthly_kpis)],
    "01": [KeyTable("大数据赋能运营增长", "月度经营指标（解读月份及之前）", ("orders",),
                    lambda d, a: _monthly_kpis(d, a, _month_start(a))),
           KeyTable("大数据赋能运营增长", "按下单端的月成交额", ("orders",), _platform_gmv),
           KeyTable("北极星指标", "北极星候选指标与成交额（按月）", ("orders",), _north_star_candidates)],
    "02": [KeyTable("基于运营目标的用户分群", "RFM（近 365 天）", ("orders",), lambda d, a: _rfm(d, a, 365)),
           KeyTable("顾客价值分析与目标客群识别", "顾客价值分层（头部/腰部/长尾）", ("orders",), _value_tiers),
           KeyTable("用户深度洞察体系", "RFM 客群流转人数（90 天前 → 分析日）", ("orders",), _rfm_flows)],
    "06": [KeyTable("用户留存五要素与同期群留存", "月度同期群留存率", ("orders",), _cohorts),
           KeyTable("会员体系设计", "按成长值分位数建议的等级门槛（只计消费成长值）", ("orders",), _tier_proposal),
           KeyTable("上瘾模型", "用券与不用券订单的 30 天回购率", ("orders",), _reward_returns),
           KeyTable("顾客生命周期价值", "CLV 汇总（BG/NBD 与 Gamma-Gamma 的输入）", ("orders",), _clv_summary),
           KeyTable("RFM 模型与精细化运营", "RFM（每位顾客的最近一次、频次、金额）", ("orders",), _rfm),
           KeyTable("AIPL 用户精细化运营模型", "AIPL 各阶段人数", ("orders", "events"), _aipl)],
    "09": [KeyTable("产品矩阵设计", "各活动期间与活动前同样天数的成交额", ("city_daily", "campaigns", "campaign_cities"),
                    _campaign_windows),
           KeyTable("活动目标与人群圈选", "全公司每日成交（基线预测的输入）", ("city_daily",), _daily_totals)],
    "12": [KeyTable("渠道通道模型", "合作渠道的分润与盈亏", ("partner_monthly",), _partner_economics),
           KeyTable("流量漏斗模型", "付费投放月度漏斗", ("channel_spend", "installs", "orders"), _paid_funnel),
           KeyTable("经营单元分布模型", "经营单元的月龄与产出", ("unit_monthly", "units"), _unit_ages),
           KeyTable("三大视角决策增长模型", "各渠道注册用户数", ("users",), _users_by_channel),
           KeyTable("2C：终端 + 媒体 + 社交", "各渠道的花费、曝光与点击", ("channel_spend",), _spend_by_channel),
           KeyTable("2b2C：全员营销", "员工推荐结果", ("staff_referrals",), _staff_results),
           KeyTable("2b2C：全员营销", "各佣金比例的推荐结果与毛利", ("staff_referrals",), _commission_arms)],
    "13": [KeyTable("新业务战略：波士顿矩阵", "业务线近 12 个月汇总", ("business_lines",), _business_lines)],
    "14": [KeyTable("背景与指导思想：三种分层方式的比较", "RFM（近 365 天）", ("orders",), lambda d, a: _rfm(d, a, 365)),
           KeyTable("背景与指导思想：三种分层方式的比较", "价格带兴趣标签", ("orders", "order_lines"), _price_tags),
           KeyTable("场景需求与价值点位", "RFM 八类人群的需求指数", ("orders", "order_lines"), _rfm_needs),
           KeyTable("内容匹配：什么内容对什么人群有效", "价格带人群 × 内容的响应（公众号）",
                    ("orders", "order_lines", "message_sends"), _content_response),
           KeyTable("精准分发", "推送汇总（按渠道、批次、标签与内容）", ("message_sends",), _send_summary),
           KeyTable("精准分发", "推送疲劳：近 7 天收到条数与退订率", ("message_sends",), _fatigue_curve),
           KeyTable("精细化运营的局限性", "老客渗透与新老客销售占比（按季度）", ("orders",), _customer_mix)],
    "15": [KeyTable("背景与指导思想：有限游戏与无限游戏", "按入会月数的人均累计消费", ("orders",), _arpu_curve),
           KeyTable("角色与等级体系：等级曲线的设计", "近 12 个月每月成长值", ("orders",), _monthly_growth),
           KeyTable("角色与等级体系：等级曲线的设计", "按首单后月数的消费", ("orders",), _tenure_spend),
           KeyTable("等级权益：成本、毛利与排队效应", "近 12 个月每位会员的消费与毛利（分布）",
                    ("orders", "order_lines"), _user_margin),
           KeyTable("成长值：累计、过期、降级与保级", "近 24 个月每月成长值", ("orders",),
                    lambda d, a: _monthly_growth(d, a, 24)),
           KeyTable("积分：一种货币，以及它在财务上的负债", "积分发行、兑换与过期（按季度）", ("points_ledger",),
                    _points_flows),
           KeyTable("积分：一种货币，以及它在财务上的负债", "已到期积分的沉淀率", ("points_ledger",), _breakage)],
    "16": [KeyTable("MCN化运营的背景与达人矩阵", "达人汇总", ("kol_daily",), _kol_summary),
           KeyTable("搭建达人矩阵：招募、激励、培训、标杆、复制", "达人私域每日成交", ("follower_orders",), _follower_daily),
           KeyTable("搭建达人矩阵：招募、激励、培训、标杆、复制", "新达人私域订单的入驻天数（分布）",
                    ("follower_orders", "kol_roster"), _recruit_ages),
           KeyTable("达人 ROI：谁在回本", "达人私域成交与分账（按达人与名单归属）", ("follower_orders",),
                    _follower_summary),
           KeyTable("头部依赖风险", "达人离开前后私域的日均订单", ("follower_orders", "kol_roster"), _stay_after_leaving),
           KeyTable("个体私域：达人粉丝的复购与名单归属", "7 天复购率：达人私域（按来源）与平台",
                    ("follower_orders", "orders", "kol_roster"), _repeat_rates),
           KeyTable("S2b2C 与供应链响应：加竹生活的教训", "供应链响应时长（按达人）", ("kol_requests",), _response_times)],
    "17": [KeyTable("通证化运营的逻辑", "积分经济（按月：发行、回收、流通与通胀）", ("points_ledger",), _points_economy),
           KeyTable("数字资产交易：版税、抽成与炒作", "创作者收入（首售与版税）", ("asset_trades",), _creator_earnings),
           KeyTable("数字资产交易：版税、抽成与炒作", "转售与炒作识别（按卖家）", ("asset_trades",), _resales)],
}

#: (chapter, section) -> parts of a section that runs on Spark whose work is not behind the seam.
PARTLY: dict[tuple[str, str], str] = {
    ("00", "大数据时代对运营的全新要求"): "付费渠道获客成本（按季度）",
    ("00", "数据导览：订单与品类"): "品类的销售占比与渗透率",
    ("01", "北极星指标"): "指标树的输入（行为事件）",
    ("02", "基于运营目标的用户分群"): "行为聚类与按运营目标的规则分群",
    ("06", "会员体系设计"): "任务积分计入成长值、现行门槛对比与权益回报",
    ("06", "上瘾模型"): "触发、行动与投入（行为事件）的度量",
    ("06", "顾客生命周期价值"): "留出期检验与付费会员 sBG",
    ("09", "产品矩阵设计"): "活动覆盖的人群规模",
    ("09", "活动目标与人群圈选"): "活动人群名单与 RFM 圈选",
    ("12", "2C：终端 + 媒体 + 社交"): "三条路线的成本与留存（用到经营单元一节的拟合）",
    ("14", "精准分发"): "企微社群推送",
    ("14", "精细化运营的局限性"): "标签使用率与下一次活动的边际回报",
    ("15", "角色与等级体系：等级曲线的设计"): "新会员首单后的等级分布推演",
    ("16", "搭建达人矩阵：招募、激励、培训、标杆、复制"): "招募漏斗与新达人爬坡曲线",
    ("16", "头部依赖风险"): "头部达人离开的情景推演",
    ("16", "个体私域：达人粉丝的复购与名单归属"): "粉丝购买模型的复购率核对（用到达人矩阵一节的拟合）",
    ("16", "S2b2C 与供应链响应：加竹生活的教训"): "分账守恒核对",
    ("17", "数字资产交易：版税、抽成与炒作"): "抽成与版税的守恒核对",
}


def chapter_key_tables(chapter: str) -> list[KeyTable]:
    return KEY_TABLES.get(chapter, [])


def key_tables(chapter: str, data, as_of=None, titles=None) -> dict[str, pd.DataFrame]:
    """Title -> table for each key table of ``chapter`` whose tables ``data`` has (only those in
    ``titles`` when given)."""
    runnable = [k for k in chapter_key_tables(chapter)
                if data.has(*k.tables) and (titles is None or k.title in titles)]
    if not runnable:
        return {}
    as_of = pd.Timestamp(as_of) if as_of else default_as_of(data, chapter)
    return {k.title: k.compute(data, as_of) for k in runnable}
