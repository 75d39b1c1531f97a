"""Shopping habits of 鲜选's buyers: five behavioural types, planted in when they order.

Every user has a type, drawn from its own stream (``shopper_types``); a buyer's repeat orders keep
to the type's days and hours with probability HABIT_STRENGTH (stream ``shopper_habits``), the
rest stay where the BG/NBD clock put them:

* ``weekend_family`` (周末白天囤货): Saturday or Sunday, 10–13 h;
* ``weekday_evening`` (工作日下班后): Monday to Friday, 18–21 h;
* ``early_morning`` (早市买菜): any day, 6–9 h;
* ``late_night`` (深夜下单): any day, 22–1 h;
* ``anytime`` (随手下单): no habit, the orders stay at the times of the activity profile.

An order moves to the nearest allowed day (at most 3 days away) at an hour of the type's band. Only
*when* changes: how often and how much a buyer orders (BG/NBD, Gamma-Gamma) and what they buy keep
their planted values; a dropout still comes right after the (moved) last order. First orders are
never moved, so the new-user windows (coupon, aha moment) are untouched. Chapter 02 clusters
buyers on these habits (named query ``order_habits``) and should find the five types.
"""

from __future__ import annotations

import numpy as np

from opskit.sim.config import WorldConfig, rng_for
from opskit.sim.purchases import OrderBook
from opskit.sim.tables import DAY_S

TYPES = ("weekend_family", "weekday_evening", "early_morning", "late_night", "anytime")
TYPE_NAMES = ("周末白天囤货", "工作日下班后", "早市买菜", "深夜下单", "随手下单")
TYPE_SHARES = np.array([0.25, 0.25, 0.18, 0.17, 0.15])
TYPE_DAYS = (frozenset({5, 6}), frozenset(range(5)), frozenset(range(7)), frozenset(range(7)),
             frozenset(range(7)))  # Monday = 0
# [from, to) hours of the day (24+ is after midnight); anytime buyers keep the BG/NBD clock's time.
TYPE_HOURS = ((10, 14), (18, 22), (6, 10), (22, 26), (0, 24))
HAS_HABIT = np.array([True, True, True, True, False])
HABIT_STRENGTH = 0.9
MAX_SHIFT_DAYS = 3
HABIT_MIN_ORDERS = 3  # a habit shows from this many orders in the window (chapter 02's default)

TRUTHS: dict[str, object] = {
    "shopper_types": TYPES,
    "shopper_type_shares": dict(zip(TYPES, TYPE_SHARES.tolist())),
    "shopper_type_k": len(TYPES),
    "habit_strength": HABIT_STRENGTH,
    "habit_features": "weekend_share, morning_share [5,10), midday_share [10,14), evening_share [18,22), night_share",
    "cluster_recovery_ari_floor": 0.6,
}

CARD = f"""\
**购物习惯（埋点：{len(TYPES)} 类行为用户）**

- 每位用户有一种购物习惯（独立随机流），占比 {'、'.join(f'{n} {s:.0%}' for n, s in zip(TYPE_NAMES, TYPE_SHARES))}：
  周末白天囤货（周六日 10–13 点）、工作日下班后（周一至周五 18–21 点）、早市买菜（每天 6–9 点）、深夜下单（每天 22–1 点），
  随手下单的用户没有固定习惯（时间照常按全天活跃曲线分布）。
- 有习惯的用户，复购订单以 {HABIT_STRENGTH:.0%} 的概率落在本类的日子和时段（挪到最近的允许日，最多 {MAX_SHIFT_DAYS} 天），其余照旧；首单不动。
- 只改变“什么时候买”：买多少次、花多少钱（BG/NBD、Gamma-Gamma）和买什么都不变。
  第 02 章按下单习惯（周末占比、各时段占比）对近一年至少 {HABIT_MIN_ORDERS} 单的顾客做 k 均值聚类，应当选出 k = {len(TYPES)}，
  并与埋入的类型一致（调整兰德指数 ≥ 0.6）。
"""


def drawn_types(cfg: WorldConfig) -> np.ndarray:
    """The type (index into TYPES) of every user position; depends on the seed and size only."""
    return rng_for(cfg, "shopper_types").choice(len(TYPES), size=cfg.n_users, p=TYPE_SHARES)


def apply_habits(cfg: WorldConfig, book: OrderBook) -> None:
    """Move buyers' repeat orders to their type's days and hours (in place, kept sorted)."""
    rng = rng_for(cfg, "shopper_habits")
    n = len(book.t)
    kind = drawn_types(cfg)[book.user]
    follow = (book.t > book.t_first[book.user]) & (rng.random(n) < HABIT_STRENGTH) & HAS_HABIT[kind]
    # The nearest allowed day within MAX_SHIFT_DAYS (ties: the earlier one).
    day = book.t // DAY_S
    weekday = (cfg.start.day_of_week + day) % 7
    allowed = np.zeros((len(TYPES), 7), dtype=bool)
    for k, days in enumerate(TYPE_DAYS):
        allowed[k, list(days)] = True
    shift = np.zeros(n, dtype=np.int64)
    found = np.zeros(n, dtype=bool)
    for offset in sorted(range(-MAX_SHIFT_DAYS, MAX_SHIFT_DAYS + 1), key=lambda d: (abs(d), d)):
        hit = ~found & allowed[kind, (weekday + offset) % 7]
        shift[hit] = offset
        found |= hit
    low, high = np.array(TYPE_HOURS).T
    hour = low[kind] + rng.random(n) * (high - low)[kind]
    moved = (day + shift) * DAY_S + (hour * 3600).astype(np.int64)
    horizon = int((cfg.end - cfg.start).total_seconds())
    ok = follow & (moved > book.t_first[book.user]) & (moved < horizon)
    t = np.where(ok, moved, book.t)
    order = np.argsort(t * len(book.t_first) + book.user, kind="stable")  # time, then user
    book.user, book.t = book.user[order], t[order]
    book.amount, book.coupon, book.platform = book.amount[order], book.coupon[order], book.platform[order]
    # A dropout still comes right after the last order.
    dead = np.isfinite(book.t_death)
    last = np.full(len(book.t_first), -np.inf)
    np.maximum.at(last, book.user, book.t.astype(float))
    book.t_death[dead] = last[dead]
