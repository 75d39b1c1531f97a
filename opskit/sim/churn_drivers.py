"""Why customers of 鲜选 leave: planted churn drivers that differ across users.

Every buyer who drops out (the BG/NBD dropout of :mod:`opskit.sim.purchases`) is given one driver,
drawn from its own stream, and the driver leaves its own trace in the data before the dropout:

* ``service`` (配送/售后问题): late deliveries lead to complaints; their last orders are followed by
  a ``complaint`` event (申请售后/投诉) with a high probability;
* ``price`` (价格敏感): they buy with coupons and leave when the coupons stop; their orders in the
  weeks before the dropout use a generic coupon with a high probability;
* ``fade`` (逐渐沉寂): no trigger, they simply stop; the only trace is the silence every dropout
  shares (recency, order and app activity; app sessions thin out before any dropout).

Every order, of every buyer, also has a small chance of a complaint and the usual share of coupons,
so neither trace is a label on its own. Drivers are drawn from the stream ``churn_drivers``, the
extra coupons from ``churn_coupons`` and the complaints from ``complaints``: the other parts keep
their draws.
"""

from __future__ import annotations

import numpy as np

from opskit.sim.config import WorldConfig, rng_for
from opskit.sim.purchases import GENERIC_COUPON_MIX, NEW_USER_COUPON, OrderBook
from opskit.sim.tables import DAY_S

DRIVERS = ("service", "price", "fade")
DRIVER_SHARES = np.array([0.35, 0.30, 0.35])
#: The churn-model features that carry each driver's trace (chapter 06's main_reason).
DRIVER_FEATURES = {
    "service": ("complaints_90d",),
    "price": ("coupon_share_90d",),
    "fade": ("recency_days", "orders_30d", "orders_60d", "orders_90d", "order_trend", "amount_90d",
             "ipt_ratio", "events_30d", "engagement_ewma", "event_trend"),
}
COMPLAINT_RATE = 0.01            # any order: chance of a complaint in the days after it
SERVICE_LAST_ORDERS = 3          # service churners: their last orders go wrong ...
SERVICE_COMPLAINT_RATE = 0.90    # ... and each is followed by a complaint with this probability
COMPLAINT_DELAY_DAYS = (0.05, 1.0)  # within a day of the delivery
SERVICE_ESCALATION = 0.6         # a service churner's complaint is followed by a second one
PRICE_WINDOW_DAYS = 90           # price churners: orders in the 90 days before the dropout ...
PRICE_COUPON_RATE = 0.95         # ... use a generic coupon with this probability

TRUTHS: dict[str, object] = {
    "churn_drivers": DRIVERS,
    "churn_driver_shares": dict(zip(DRIVERS, DRIVER_SHARES.tolist())),
    "churn_driver_features": {d: list(f) for d, f in DRIVER_FEATURES.items()},
    "complaint_rate_per_order": COMPLAINT_RATE,
    "service_complaint_rate_last_orders": SERVICE_COMPLAINT_RATE,
    "service_escalation_rate": SERVICE_ESCALATION,
    "price_coupon_rate_before_dropout": PRICE_COUPON_RATE,
}

CARD = f"""\
**流失原因（埋点）**

- 每位流失（BG/NBD 退出）的顾客有且只有一个原因，按 {' / '.join(f'{d} {s:.0%}' for d, s in zip(DRIVERS, DRIVER_SHARES))} 抽取：
  **service（配送/售后问题）**：最后 {SERVICE_LAST_ORDERS} 单之后各以 {SERVICE_COMPLAINT_RATE:.0%} 的概率出现一次投诉（events 里的 complaint），
  问题没解决时当天以 {SERVICE_ESCALATION:.0%} 的概率再投诉一次；
  **price（价格敏感）**：退出前 {PRICE_WINDOW_DAYS} 天内的订单以 {PRICE_COUPON_RATE:.0%} 的概率用通用券，券停了人就走；
  **fade（逐渐沉寂）**：没有投诉、也不靠券，只有所有流失者共有的信号：退出前 28 天 App 浏览变稀，之后下单和活跃都停止。
- 所有订单都有 {COMPLAINT_RATE:.0%} 的概率在当天出现投诉，也照常有通用券：投诉和用券本身都不是流失的标签。
- 第 06 章的防流失名单应当按人给出不同的原因：service 流失者的主要原因多是投诉次数，fade 流失者多是沉寂类信号
  （间隔比、距上次下单天数等）；用券占比是有上限的比例，price 流失者的用券占比多是推高风险的前两个因素之一。
"""


def drawn_drivers(cfg: WorldConfig) -> np.ndarray:
    """The driver drawn for every user position (index into DRIVERS): the reason they leave if
    they drop out. Depends on the seed and size only, so a truth test can recompute it."""
    return rng_for(cfg, "churn_drivers").choice(len(DRIVERS), size=cfg.n_users, p=DRIVER_SHARES)


def assign(cfg: WorldConfig, book: OrderBook) -> np.ndarray:
    """Driver code (index into DRIVERS) of every user; -1 for users who never drop out."""
    return np.where(np.isfinite(book.t_death), drawn_drivers(cfg), -1).astype(np.int8)


def add_price_coupons(cfg: WorldConfig, book: OrderBook, driver: np.ndarray) -> None:
    """Price churners' orders in the PRICE_WINDOW_DAYS before the dropout mostly use a coupon."""
    rng = rng_for(cfg, "churn_coupons")
    before = book.t_death[book.user] - book.t
    window = (driver[book.user] == DRIVERS.index("price")) & (before >= 0) & (before <= PRICE_WINDOW_DAYS * DAY_S)
    hit = window & (rng.random(len(book.t)) < PRICE_COUPON_RATE) & (book.coupon != NEW_USER_COUPON)
    generic = 1 + rng.choice(len(GENERIC_COUPON_MIX), len(book.t), p=GENERIC_COUPON_MIX)
    book.coupon[hit & (book.coupon < 0)] = generic[hit & (book.coupon < 0)]


def complaints(cfg: WorldConfig, book: OrderBook, driver: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """(user position, time) of every complaint: a few after any order, most after service
    churners' last orders."""
    rng = rng_for(cfg, "complaints")
    n_orders = len(book.t)
    # Rank of each order from the user's last (0 = last); orders are sorted by time.
    from_last = np.zeros(n_orders, dtype=np.int64)
    order = np.lexsort((-book.t, book.user))
    user_sorted = book.user[order]
    start = np.r_[True, user_sorted[1:] != user_sorted[:-1]]
    group_start = np.maximum.accumulate(np.where(start, np.arange(n_orders), 0))
    from_last[order] = np.arange(n_orders) - group_start
    service = (driver[book.user] == DRIVERS.index("service")) & (from_last < SERVICE_LAST_ORDERS)
    rate = np.where(service, SERVICE_COMPLAINT_RATE, COMPLAINT_RATE)
    hit = rng.random(n_orders) < rate
    low, high = COMPLAINT_DELAY_DAYS
    t = book.t + (rng.uniform(low, high, n_orders) * DAY_S).astype(np.int64)
    # An unresolved delivery problem is chased again the same day (escalation).
    again = hit & service & (rng.random(n_orders) < SERVICE_ESCALATION)
    t_again = book.t + (rng.uniform(low, high, n_orders) * DAY_S).astype(np.int64)
    user = np.concatenate([book.user[hit], book.user[again]])
    t = np.concatenate([t[hit], t_again[again]])
    keep = t < horizon
    return user[keep], t[keep]

