"""Membership of 鲜选: growth-value tiers, the paid monthly membership and the points ledger.

* ``member_tiers``: five tiers by trailing-12-month growth value (成长值: 1 per 元 paid plus task
  bonuses), with the cost rate of each tier's benefits.
* ``paid_memberships``: buyers who open the paid monthly membership. Each member churns at
  every renewal with probability theta, theta ~ Beta(alpha, beta) across members: the shifted
  beta-geometric (sBG) model of docs/methods.md#sbg. The export date right-censors active members.
* ``points_ledger``: paid members earn 1 point per 元 on their orders after joining, plus task
  bonuses. Each earned batch is eventually redeemed with a planted probability; otherwise it
  expires 365 days after it was earned (breakage).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import (
    DAY,
    conform,
    labels,
    per_user_sum,
    to_datetime,
    user_positions,
)
from opskit.sim.config import WorldConfig, rng_for

SBG_ALPHA = 1.0
SBG_BETA = 3.0
PERIOD_DAYS = 30
REDEMPTION_RATE = 0.72
POINTS_EXPIRY_DAYS = 365
POINTS_PER_YUAN = 1
TASK_POINTS = np.array([10, 20, 50])
REASONS = ["order", "task", "redeem", "expire"]
TASKS_PER_MEMBER_MONTH = 0.3
# Join probability rises with the number of orders: heavy buyers are the ones who subscribe.
JOIN_MAX_SHARE = 0.5
JOIN_HALF_ORDERS = 3.0
JOIN_DELAY_DAYS = 45.0

TIERS = pd.DataFrame({
    "tier": ["普通会员", "白银会员", "黄金会员", "铂金会员", "钻石会员"],
    "min_growth": [0.0, 500.0, 2000.0, 6000.0, 15000.0],
    "benefit_cost_rate": [0.0, 0.01, 0.02, 0.035, 0.05],
})

TRUTHS: dict[str, object] = {
    "tier_thresholds": dict(zip(TIERS["tier"], TIERS["min_growth"])),
    "growth_value_rule": "近12个月每实付1元计1成长值，另加任务奖励",
    "sbg_alpha": SBG_ALPHA,
    "sbg_beta": SBG_BETA,
    "sbg_mean_churn": SBG_ALPHA / (SBG_ALPHA + SBG_BETA),
    "membership_period_days": PERIOD_DAYS,
    "points_per_yuan": POINTS_PER_YUAN,
    "points_redemption_rate": REDEMPTION_RATE,
    "points_breakage": round(1 - REDEMPTION_RATE, 10),
    "points_expiry_days": POINTS_EXPIRY_DAYS,
}

CARD = f"""\
**会员体系（member_tiers、paid_memberships、points_ledger）**

- 会员等级按近 12 个月成长值划分为 5 级（普通/白银/黄金/铂金/钻石，门槛 0/500/2000/6000/15000），
  每实付 1 元计 1 成长值，另有任务奖励；表中给出各等级的权益成本率。
- 付费会员按月（{PERIOD_DAYS} 天一期）续费。下单越多的用户越可能开通（首单后平均
  {JOIN_DELAY_DAYS:.0f} 天开通）。每位会员每期到期时以概率 θ 流失，θ 在会员之间服从
  Beta(α={SBG_ALPHA}, β={SBG_BETA})，即 sBG 模型（平均每期流失率 {SBG_ALPHA / (SBG_ALPHA + SBG_BETA):.0%}）。
  数据导出日仍在续费的会员 churned=0、periods_paid 为截至导出日已开始的期数（右删失），
  用 sBG 最大似然（含删失项）可以找回 α、β。留存率逐期上升是会员异质性所致（易流失的人先走了），
  并不是会员“越来越忠诚”。
- 积分只对付费会员发放：开通后每笔订单每 1 元得 {POINTS_PER_YUAN} 分，另有签到等任务奖励（10/20/50 分）。
  每批积分最终被兑换的概率为 {REDEMPTION_RATE:.0%}（埋点：预期兑换率；沉淀率 breakage =
  {1 - REDEMPTION_RATE:.0%}），兑换发生在获得后一年内，未兑换的积分在获得 {POINTS_EXPIRY_DAYS} 天后过期。
  已满一年的积分中，过期积分 / 获得积分 ≈ {1 - REDEMPTION_RATE:.0%}，可据此计提积分负债。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``member_tiers``, ``paid_memberships`` and ``points_ledger``."""
    rng = rng_for(cfg, "loyalty")
    members = _paid_memberships(cfg, world["users"], world["orders"], rng)
    ledger = _points_ledger(cfg, members, world["orders"], rng)
    return {
        "member_tiers": conform(TIERS, "member_tiers"),
        "paid_memberships": conform(members.drop(columns=["start_time", "end_time"]),
                                    "paid_memberships"),
        "points_ledger": conform(ledger, "points_ledger"),
    }


def _paid_memberships(cfg: WorldConfig, users: pd.DataFrame, orders: pd.DataFrame,
                      rng: np.random.Generator) -> pd.DataFrame:
    user_ids = users["user_id"].to_numpy()
    n_users = len(user_ids)
    pos = user_positions(user_ids, orders["user_id"].to_numpy())
    n_orders = per_user_sum(pos, None, n_users)
    first_order = _first_order_time(pos, orders["order_time"].to_numpy(), n_users)

    join_p = JOIN_MAX_SHARE * n_orders / (n_orders + JOIN_HALF_ORDERS)
    delay = rng.exponential(JOIN_DELAY_DAYS, n_users) * DAY
    start = (first_order + delay).astype("datetime64[D]")
    joins = (rng.random(n_users) < join_p) & (start < np.datetime64(cfg.end, "D"))

    start = start[joins]
    theta = rng.beta(SBG_ALPHA, SBG_BETA, len(start))
    lifetime = rng.geometric(theta)  # periods paid before churning, >= 1
    # Renewal periods already begun at the export date: the first period counts at sign-up.
    periods_open = (np.datetime64(cfg.end, "D") - start) // np.timedelta64(PERIOD_DAYS, "D") + 1
    frame = pd.DataFrame({
        "user_id": user_ids[joins],
        "start_date": start,
        "periods_paid": np.minimum(lifetime, periods_open),
        "churned": (lifetime < periods_open).astype(np.int64),
    })
    # Points accrue only while the membership is paid: from sign-up (midnight) to the churn date.
    start_time = start.astype("datetime64[s]")
    paid_until = start_time + frame["periods_paid"].to_numpy() * np.timedelta64(PERIOD_DAYS, "D")
    frame["start_time"] = start_time
    frame["end_time"] = np.where(frame["churned"].to_numpy() == 1, paid_until,
                                 np.datetime64(cfg.end, "s"))
    return frame


def _first_order_time(pos: np.ndarray, order_time: np.ndarray, n_users: int) -> np.ndarray:
    """First order time per user position (NaT for users without orders)."""
    seconds = order_time.astype("datetime64[s]").astype(np.int64)
    first = np.full(n_users, np.iinfo(np.int64).max)
    keep = pos >= 0
    np.minimum.at(first, pos[keep], seconds[keep])
    out = first.astype("datetime64[s]")
    out[first == np.iinfo(np.int64).max] = np.datetime64("NaT")
    return out


def _points_ledger(cfg: WorldConfig, members: pd.DataFrame, orders: pd.DataFrame,
                   rng: np.random.Generator) -> pd.DataFrame:
    earned = pd.concat([_order_points(members, orders), _task_points(members, rng)],
                       ignore_index=True)
    end = np.datetime64(cfg.end, "s")
    earn_time = earned["time"].to_numpy()
    redeemed = rng.random(len(earned)) < REDEMPTION_RATE
    # Redemptions cluster in the first months but never pass the expiry date.
    redeem_delay = (rng.beta(1.2, 3.0, len(earned)) * (POINTS_EXPIRY_DAYS - 1) * 86400).astype(np.int64)
    redeem_time = earn_time + redeem_delay.astype("timedelta64[s]")
    expire_time = earn_time + np.timedelta64(POINTS_EXPIRY_DAYS, "D")
    redeem_rows = redeemed & (redeem_time < end)
    expire_rows = ~redeemed & (expire_time < end)
    points = earned["points"].to_numpy()
    user = earned["user_id"].to_numpy()
    user = np.concatenate([user, user[redeem_rows], user[expire_rows]])
    time = np.concatenate([earn_time, redeem_time[redeem_rows], expire_time[expire_rows]])
    reason = np.concatenate([earned["reason"].to_numpy(), np.full(redeem_rows.sum(), REASONS.index("redeem")),
                             np.full(expire_rows.sum(), REASONS.index("expire"))])
    order = np.lexsort((time, user_positions(members["user_id"].to_numpy(), user)))  # members' order
    return pd.DataFrame({
        "user_id": user[order],
        "time": time[order],
        "points": np.concatenate([points, -points[redeem_rows], -points[expire_rows]])[order],
        "reason": labels(reason[order], REASONS),
    })


def _order_points(members: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    pos = user_positions(members["user_id"].to_numpy(), orders["user_id"].to_numpy())
    order_time = to_datetime(orders["order_time"].to_numpy()).astype("datetime64[s]")
    member_pos = np.where(pos >= 0, pos, 0)
    eligible = ((pos >= 0) & (order_time >= members["start_time"].to_numpy()[member_pos])
                & (order_time < members["end_time"].to_numpy()[member_pos]))
    points = np.floor(orders["amount"].to_numpy()[eligible] * POINTS_PER_YUAN).astype(np.int64)
    frame = pd.DataFrame({
        "user_id": orders["user_id"].to_numpy()[eligible],
        "time": order_time[eligible],
        "points": points,
        "reason": REASONS.index("order"),
    })
    return frame[frame["points"] > 0]


def _task_points(members: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    start = members["start_time"].to_numpy()
    tenure_s = (members["end_time"].to_numpy() - start).astype(np.int64)
    n_tasks = rng.poisson(TASKS_PER_MEMBER_MONTH * tenure_s / (PERIOD_DAYS * 86400))
    owner = np.repeat(np.arange(len(members)), n_tasks)
    offset = (rng.random(len(owner)) * tenure_s[owner]).astype(np.int64)
    return pd.DataFrame({
        "user_id": members["user_id"].to_numpy()[owner],
        "time": start[owner] + offset.astype("timedelta64[s]"),
        "points": rng.choice(TASK_POINTS, len(owner)),
        "reason": REASONS.index("task"),
    })
