"""The cart-reminder experiment of 鲜选 (临门一脚): a randomised nudge for new users' abandoned carts.

From EXPERIMENT_START on, a new user who puts something in the cart in the first 7 days and has not
ordered REMINDER_DELAY_HOURS later is randomised (equal shares) to an arm of ARMS: no message
(control), a push reminder, or a reminder with a CART_COUPON_VALUE-yuan coupon. The outcome is an
order within OUTCOME_DAYS of the (planned) message.

Planted effect: an arm persuades the share PERSUADED[arm] of the users who would not have ordered
in the window anyway (their natural first order, from :mod:`opskit.sim.purchases`, falls outside it).
So conversion(arm) = conversion(control) + PERSUADED[arm] × (1 − conversion(control)) in expectation.
Persuaded users get one extra order in ``orders`` (app, Gamma-Gamma amount; the coupon arm's
carries the coupon). A persuaded user who would never have bought becomes a customer like any other:
BG/NBD repeats from that order on. The others keep their own later orders. Coupon-arm users who order in the window
anyway redeem the coupon on that order when it carries no other coupon (券不叠加): the coupon's
deadweight cost. Everything is drawn from the stream "cart_reminders"; the carts replay the
event stream (:func:`opskit.sim.behaviour.first_week_carts`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from opskit.sim.acquisition import Population
from opskit.sim.behaviour import first_week_carts
from opskit.sim.config import WorldConfig, rng_for
from opskit.sim.purchases import (
    CART_COUPON,
    CART_COUPON_VALUE,
    GAMMA_GAMMA,
    OrderBook,
    bgnbd_repeats,
    generic_coupons,
    order_amounts,
    order_platforms,
)
from opskit.sim.tables import DAY_S, conform, timestamps

EXPERIMENT_START = pd.Timestamp("2024-07-01")
REMINDER_DELAY_HOURS = 24
OUTCOME_DAYS = 7
ARMS = ["control", "reminder", "reminder_coupon"]
# Share of the would-be non-buyers (no order in the window without a message) each arm persuades.
PERSUADED = {"control": 0.0, "reminder": 0.12, "reminder_coupon": 0.30}
PERSUADED_DELAY_DAYS = 1.0  # mean delay of a persuaded order after the message (truncated exponential)

TRUTHS: dict[str, object] = {
    "cart_reminder_arms": ARMS,
    "cart_reminder_start": str(EXPERIMENT_START.date()),
    "cart_reminder_delay_hours": REMINDER_DELAY_HOURS,
    "cart_reminder_outcome_days": OUTCOME_DAYS,
    "cart_reminder_persuaded_share": PERSUADED,
    "cart_reminder_coupon_value": CART_COUPON_VALUE,
    "cart_reminder_effect": ("各组 7 天下单率 = 对照组下单率 + 被说服比例 × (1 − 对照组下单率)；"
                             f"被说服比例：提醒 {PERSUADED['reminder']:.0%}，提醒 + 券 {PERSUADED['reminder_coupon']:.0%}"),
}

CARD = f"""\
**加购提醒实验（cart_reminders，临门一脚）**

- {EXPERIMENT_START.date()} 起注册的新用户，若注册后 7 天内第一次加购之后 {REMINDER_DELAY_HOURS} 小时仍未下单，就进入实验，
  等概率随机分到三组：control（不发）、reminder（推送购物车提醒）、reminder_coupon（提醒 + {CART_COUPON_VALUE:.0f} 元加购券 CART10）。
  结果为提醒（对照组为本应提醒的时刻）后 {OUTCOME_DAYS} 天内是否下单，与订单表一致；只收录结果窗口在导出日前结束的用户。
- **埋点：临门一脚的增量。** 在本来不会在窗口内下单的用户中，提醒说服 {PERSUADED['reminder']:.0%}、提醒 + 券说服
  {PERSUADED['reminder_coupon']:.0%}，各多下一单（App 端，Gamma-Gamma 金额，券组的订单带 CART10）；本来从不下单的被说服者
  从这一单起像其他顾客一样按 BG/NBD 复购，本来稍后才下单的照常下单。
  所以实验组下单率 = 对照组下单率 + 被说服比例 × (1 − 对照组下单率)（实测值见下文）。
  券组里本来就会下单的用户也用掉了券（订单已带其他券时不叠加）：这部分券成本换不来增量。
"""


def simulate(cfg: WorldConfig, pop: Population, book: OrderBook) -> tuple[OrderBook, pd.DataFrame]:
    """Run the experiment: the order book with the persuaded orders added, and ``cart_reminders``."""
    rng = rng_for(cfg, "cart_reminders")
    horizon = int((cfg.end - cfg.start).total_seconds())
    start = int((EXPERIMENT_START - cfg.start).total_seconds())
    user, t_cart = first_week_carts(cfg, pop)
    sent = t_cart + REMINDER_DELAY_HOURS * 3600
    first = book.t_first[user]
    eligible = ((pop.t_reg[user] >= start) & (sent + OUTCOME_DAYS * DAY_S <= horizon)
                & ((first < 0) | (first >= sent)))
    user, t_cart, sent, first = user[eligible], t_cart[eligible], sent[eligible], first[eligible]
    n = len(user)
    arm = rng.integers(0, len(ARMS), n)
    u = rng.random(n)
    delay = -PERSUADED_DELAY_DAYS * np.log1p(-rng.random(n) * (1 - np.exp(-OUTCOME_DAYS / PERSUADED_DELAY_DAYS)))
    nu = rng.gamma(GAMMA_GAMMA["q"], 1 / GAMMA_GAMMA["v"], n)
    amount = order_amounts(rng, nu)

    natural = (first >= sent) & (first < sent + OUTCOME_DAYS * DAY_S)
    persuaded = ~natural & (u < np.array([PERSUADED[a] for a in ARMS])[arm])
    with_coupon = arm == ARMS.index("reminder_coupon")
    t_order = np.minimum(sent + np.maximum(delay * DAY_S, 600).astype(np.int64), horizon - 1)
    # Persuaded users who would never have bought: BG/NBD repeats from the persuaded order on.
    new = np.flatnonzero(persuaded & (first < 0))
    owner, t_repeat, t_death = bgnbd_repeats(rng, t_order[new], horizon)
    k = len(owner)
    repeat_amount = order_amounts(rng, nu[new][owner])
    repeat_coupon = generic_coupons(rng, k)
    repeat_platform = order_platforms(rng, pop.channel[user[new][owner]])

    book = _redeem(book, user[natural & with_coupon])
    book = _add_orders(book, np.r_[user[persuaded], user[new][owner]], np.r_[t_order[persuaded], t_repeat],
                       np.r_[amount[persuaded], repeat_amount],
                       np.r_[np.where(with_coupon[persuaded], CART_COUPON, -1), repeat_coupon],
                       np.r_[np.zeros(int(persuaded.sum()), np.int64), repeat_platform], pop.n)
    book.t_death[user[new]] = t_death
    frame = conform({
        "user_id": user + 1,
        "cart_time": timestamps(cfg, t_cart),
        "sent_time": timestamps(cfg, sent),
        "arm": np.array(ARMS, dtype=object)[arm],
        "coupon_value": np.where(with_coupon, CART_COUPON_VALUE, 0.0),
        "converted": (natural | persuaded).astype(np.int64),
    }, "cart_reminders")
    return book, frame.sort_values(["cart_time", "user_id"], kind="stable").reset_index(drop=True)


def _redeem(book: OrderBook, users: np.ndarray) -> OrderBook:
    """The coupon arm's natural first orders in the window carry the cart coupon, unless they
    already carry another one."""
    first_order = book.t == book.t_first[book.user]
    hit = first_order & np.isin(book.user, users) & (book.coupon < 0)
    coupon = book.coupon.copy()
    coupon[hit] = CART_COUPON
    return dataclasses.replace(book, coupon=coupon)


def _add_orders(book: OrderBook, user: np.ndarray, t: np.ndarray, amount: np.ndarray,
                coupon: np.ndarray, platform: np.ndarray, n_users: int) -> OrderBook:
    """The book with extra orders, kept sorted by time then user; first-order times updated."""
    all_user = np.concatenate([book.user, user])
    all_t = np.concatenate([book.t, t])
    order = np.argsort(all_t * n_users + all_user, kind="stable")
    first = np.where(book.t_first < 0, np.iinfo(np.int64).max, book.t_first)
    np.minimum.at(first, user, t)
    return dataclasses.replace(
        book, user=all_user[order], t=all_t[order],
        amount=np.concatenate([book.amount, amount])[order],
        coupon=np.concatenate([book.coupon, coupon])[order],
        platform=np.concatenate([book.platform, platform.astype(book.platform.dtype)])[order],
        t_first=np.where(first == np.iinfo(np.int64).max, -1, first),
        t_death=book.t_death.copy())
