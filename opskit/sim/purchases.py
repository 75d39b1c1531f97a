"""Purchases of 鲜选: categories, first orders, BG/NBD repeat orders, Gamma-Gamma amounts, lines.

* First order: within 14 days of registering with a probability that depends on the channel and on
  the aha moment (>= AHA_FAVORITES favourites in the first 7 days), plus the coupon experiment's
  uplift tau(x) for treated users; otherwise a late first order with a small probability.
* Repeat orders follow BG/NBD in weeks from the first order: while alive, Poisson(lambda) with
  lambda ~ Gamma(r, alpha); after each repeat order the buyer drops out with p ~ Beta(a, b).
  Coupon chasers: a share of the buyers whose first order used the new-user coupon never reorder.
* Amount paid per order follows Gamma-Gamma: z ~ Gamma(p, nu), nu ~ Gamma(q, v) (rates).
* Baskets: SKUs from 12 categories; a basket with 烘焙 often also gets 乳品 (the planted link);
  inside a category the SKU follows the user's taste and staples (:mod:`opskit.sim.tastes`).
* Over time: a customer's first 水产海鲜 order leads to 粮油调味 in the next LEAD_WINDOW_DAYS days
  (the planted 引导性 link, drawn from its own stream), and a few SKUs launch mid-way (新品).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opskit.sim import tastes
from opskit.sim.acquisition import CHANNELS, HOURLY, Population
from opskit.sim.config import WorldConfig, rng_for
from opskit.sim.tables import DAY_S, WEEK_S, conform, labels, timestamps

# BG/NBD (time unit: week) and Gamma-Gamma parameters, in the notation of docs/methods.md#bg-nbd.
BGNBD = {"r": 1.8, "alpha": 1.2, "a": 1.3, "b": 24.0}
GAMMA_GAMMA = {"p": 3.0, "q": 5.0, "v": 100.0}

# Probability of a first order within 14 days of registering, per channel (CHANNELS order).
FIRST_ORDER_14D = np.array([0.34, 0.30, 0.27, 0.26, 0.25, 0.32, 0.42, 0.48, 0.40])
AHA_FAVORITES = 3
AHA_WINDOW_DAYS = 7
AHA_MULTIPLIER = 2.0      # on the 14-day first-order probability, users with the aha moment
NO_AHA_MULTIPLIER = 0.7   # users without it
FIRST_ORDER_FLOOR, FIRST_ORDER_CAP = 0.12, 0.82
FIRST_ORDER_DELAY_DAYS = 2.0   # mean of the (truncated) exponential delay to an early first order
LATE_FIRST_ORDER = 0.20        # among the others, share who still order in days 14-180
LATE_DELAY_DAYS = 30.0

PLATFORMS = ["app", "mini_program", "store"]
PLATFORM_MIX = np.tile([0.45, 0.45, 0.10], (len(CHANNELS), 1))
PLATFORM_MIX[CHANNELS["channel_id"].tolist().index("offline")] = [0.35, 0.25, 0.40]

COUPONS = ["NEW15", "FULL10", "FRESH5", "VIP20", "CART10"]
NEW_USER_COUPON = 0        # index into COUPONS, worth NEW_USER_COUPON_VALUE
NEW_USER_COUPON_VALUE = 15.0
CART_COUPON = 4            # the cart-reminder coupon (opskit.sim.reminders)
CART_COUPON_VALUE = 10.0
COUPON_VALUE = np.array([NEW_USER_COUPON_VALUE, 10.0, 5.0, 20.0, CART_COUPON_VALUE])
GENERIC_COUPON_RATE = 0.12
GENERIC_COUPON_MIX = np.array([0.5, 0.35, 0.15])  # FULL10, FRESH5, VIP20
# Coupon chasers (薅羊毛): a first buyer whose first order used the new-user coupon never orders again
# with this probability (drawn from the stream "coupon_chasers", so other buyers keep their draws);
# the others repeat as BG/NBD says. P(any repeat) of coupon-acquired buyers = (1 − share) × the rest's.
COUPON_CHASER_SHARE = 0.35

CATEGORIES = pd.DataFrame({
    "category_id": ["vegetable", "fruit", "meat_egg", "seafood", "dairy", "bakery",
                    "grain_oil", "snack", "beverage", "frozen", "personal_care", "household"],
    "category_name": ["蔬菜", "水果", "肉禽蛋", "水产海鲜", "乳品", "烘焙",
                      "粮油调味", "休闲零食", "酒水饮料", "冷冻速食", "个护清洁", "家居日用"],
    "parent_name": ["生鲜", "生鲜", "生鲜", "生鲜", "乳品烘焙", "乳品烘焙",
                    "食品", "食品", "食品", "食品", "日用百货", "日用百货"],
    "gross_margin": [0.18, 0.24, 0.14, 0.20, 0.26, 0.42, 0.12, 0.32, 0.28, 0.25, 0.36, 0.38],
})
CATEGORY_POPULARITY = np.array([0.20, 0.16, 0.14, 0.06, 0.08, 0.05, 0.07, 0.07, 0.06, 0.05,
                                0.03, 0.03])
CATEGORY_CDF = np.r_[np.cumsum(CATEGORY_POPULARITY)[:-1] / CATEGORY_POPULARITY.sum(), 1.0]
SKU_PREFIX = ["VEG", "FRU", "MEA", "SEA", "DAI", "BAK", "GRA", "SNA", "BEV", "FRO", "PER", "HOU"]
SKU_MEDIAN_PRICE = np.array([6, 15, 22, 45, 12, 10, 25, 12, 15, 20, 25, 18], dtype=float)
SKUS_PER_CATEGORY = 25
# Popularity of a SKU within its category: Zipf with exponent 1.6 over the ranks.
SKU_ZIPF_CDF = np.cumsum(np.arange(1, SKUS_PER_CATEGORY + 1) ** -1.6)
SKU_ZIPF_CDF /= SKU_ZIPF_CDF[-1]
LINES_PER_ORDER = 2.2           # mean lines before the link, at basket size 1
BASKET_SHAPE = 3.0
LINK_FROM, LINK_TO = 5, 4        # 烘焙 (bakery) -> 乳品 (dairy)
LINK_ADD_PROBABILITY = 0.6       # a bakery basket without dairy gets a dairy line
LINK_LIFT_FLOOR = 2.0
# The time-ordered (引导性) link: within LEAD_WINDOW_DAYS after a customer's first 水产海鲜 order,
# each later order without 粮油调味 gets a 粮油调味 line with LEAD_ADD_PROBABILITY.
LEAD_FROM, LEAD_TO = 3, 6        # 水产海鲜 (seafood) -> 粮油调味 (grain_oil)
LEAD_WINDOW_DAYS = 30
LEAD_ADD_PROBABILITY = 0.4
LEAD_LIFT_FLOOR = 2.0
# New SKUs (新品): these popularity ranks of these categories only sell from NEW_SKU_LAUNCH on;
# before it, their draws fall on the other SKUs of the category.
NEW_SKU_CATEGORIES = (4, 7, 8)   # 乳品, 休闲零食, 酒水饮料
NEW_SKU_RANKS = (3, 4)           # the 4th and 5th most popular SKU of each
NEW_SKU_LAUNCH = "2025-07-01"

TRUTHS: dict[str, object] = {
    "bgnbd_time_unit": "week",
    "bgnbd": BGNBD,
    "bgnbd_note": "x 为首单之后的复购次数；首单之后才可能流失",
    "gamma_gamma": GAMMA_GAMMA,
    "mean_order_amount": GAMMA_GAMMA["p"] * GAMMA_GAMMA["v"] / (GAMMA_GAMMA["q"] - 1),
    "first_order_14d_by_channel": dict(zip(CHANNELS["channel_id"], FIRST_ORDER_14D.tolist())),
    "late_first_order_share": LATE_FIRST_ORDER,
    "cross_category_link": "烘焙 ⇒ 乳品",
    "cross_category_add_probability": LINK_ADD_PROBABILITY,
    "cross_category_basket_lift_floor": LINK_LIFT_FLOOR,
    "lead_link": "水产海鲜 → 粮油调味",
    "lead_window_days": LEAD_WINDOW_DAYS,
    "lead_add_probability": LEAD_ADD_PROBABILITY,
    "lead_lift_floor": LEAD_LIFT_FLOOR,
    "lead_other_pairs": "其他品类对的时间先后 lift ≈ 1（0.8–1.25）",
    "new_skus": [f"{SKU_PREFIX[c]}{r + 1:03d}" for c in NEW_SKU_CATEGORIES for r in NEW_SKU_RANKS],
    "new_sku_launch": NEW_SKU_LAUNCH,
    "new_sku_incremental_category_gmv": 0.0,
    "category_effect_on_order_frequency": 0.0,
    "coupon_chaser_share": COUPON_CHASER_SHARE,
    "coupon_repeat_effect": (f"首单用了新客券（NEW15）的顾客中 {COUPON_CHASER_SHARE:.0%} 是薅羊毛者，首单后不再下单："
                             f"任意时长内的复购率 = (1 − {COUPON_CHASER_SHARE}) × 同类未用券顾客的复购率"),
    **tastes.TRUTHS,
}

CARD = f"""\
**购买（categories、orders、order_lines）**

- 首单：注册后 14 天内首单的概率随渠道不同（{"、".join(f"{n} {p:.0%}" for n, p in zip(CHANNELS["channel_name"], FIRST_ORDER_14D))}），
  有“啊哈时刻”的用户 ×{AHA_MULTIPLIER}，没有的 ×{NO_AHA_MULTIPLIER}（截断在 {FIRST_ORDER_FLOOR:.0%}–{FIRST_ORDER_CAP:.0%}），
  新客券实验的发券用户再加上 τ(x)；首单延迟为均值 {FIRST_ORDER_DELAY_DAYS:.0f} 天的截断指数分布。14 天内未下单的用户中
  {LATE_FIRST_ORDER:.0%} 在第 14–180 天才首单。作弊账号从不下单。
- **复购：BG/NBD（时间单位：周）**，从首单开始计时。活跃时每周下单服从 Poisson(λ)，λ ~ Gamma(r={BGNBD["r"]}, α={BGNBD["alpha"]})；
  每次复购后以概率 p 流失，p ~ Beta(a={BGNBD["a"]}, b={BGNBD["b"]})。首单不计入 x，首单后不会立即流失。
  下单时刻按日内活跃曲线重排（不跨日）。
- **实付金额：Gamma-Gamma**，每单 z ~ Gamma(p={GAMMA_GAMMA["p"]}, ν)，ν ~ Gamma(q={GAMMA_GAMMA["q"]}, v={GAMMA_GAMMA["v"]})（均为速率参数），
  总体平均客单价 pv/(q−1) = {GAMMA_GAMMA["p"] * GAMMA_GAMMA["v"] / (GAMMA_GAMMA["q"] - 1):.0f} 元，保留两位小数（最低 1 元）。
  {GENERIC_COUPON_RATE:.0%} 的订单用了通用券（FULL10/FRESH5/VIP20），新客券实验的发券用户 14 天内首单用 NEW15，加购提醒实验的券组用 CART10；
  优惠金额加在实付之上：各明细金额之和 = amount + discount。下单端 app/小程序/门店 = 45%/45%/10%（门店扫码用户更多在门店）。
- **埋点：薅羊毛的券客。** 首单用了新客券（NEW15）的顾客中有 {COUPON_CHASER_SHARE:.0%} 首单后再也不下单（独立的随机流 coupon_chasers），
  其余照常按 BG/NBD 复购：券客的复购率是同类未用券顾客的 {1 - COUPON_CHASER_SHARE:.0%}。在新客券随机实验里，发券组首单顾客
  （都用了券）与对照组首单顾客的复购率之比 ≈ {1 - COUPON_CHASER_SHARE:.2f}；“首单用没用券”的观察对比混入了通用券订单，会低估这个差距。
- 订单明细：12 个品类、每品类 {SKUS_PER_CATEGORY} 个 SKU（品类内热度服从 Zipf）。每单有一个篮子大小因子
  s ~ Gamma({BASKET_SHAPE:.0f}, 1/{BASKET_SHAPE:.0f})，各品类的行数 ~ Poisson(s × {LINES_PER_ORDER} × 品类热度)，彼此独立（空篮子补一行），
  所以其他品类对之间 lift ≈ 1。明细金额按 SKU 单价 × 数量分摊订单原价（分为单位，精确相加）。
- **埋点：跨品类关联 烘焙 ⇒ 乳品。** 含烘焙而不含乳品的订单，以 {LINK_ADD_PROBABILITY:.0%} 的概率再加一行乳品；
  订单层面 lift(烘焙 ⇒ 乳品) 远大于 {LINK_LIFT_FLOOR}，其他品类对之间 lift ≈ 1（约 0.9–1.1）。
- **埋点：引导性商品 水产海鲜 → 粮油调味（按时间先后）。** 顾客第一次买水产海鲜之后 {LEAD_WINDOW_DAYS} 天内的每一笔订单，
  若不含粮油调味，以 {LEAD_ADD_PROBABILITY:.0%} 的概率再加一行粮油调味（独立的随机流 lead_link，其他订单明细不变）。
  对首购水产海鲜之前没买过粮油调味的顾客，窗口内订单含粮油调味的比例是平时的 {LEAD_LIFT_FLOOR} 倍以上；其他品类对 ≈ 1。
  同一订单内两者并无关联（订单层面 lift ≈ 1）：这是“先买 A、后买 B”的引导，不是“一起买”。
- **新品：** 乳品、休闲零食、酒水饮料各有 2 个 SKU（热度第 4、5 名）从 {NEW_SKU_LAUNCH} 起上架；上架前这部分需求落在同品类其他 SKU 上。
  新品只替代老品，不带来品类增量（品类成交额的增量为 0）。
- 品类不影响下单频率：订单何时发生与买什么品类无关（BG/NBD），“买了某品类的顾客下单更频繁”全是选择效应。
""" + tastes.CARD


@dataclass
class OrderBook:
    """All orders before they become frames: one element per order, sorted by time."""

    user: np.ndarray        # user position
    t: np.ndarray           # seconds since cfg.start
    amount: np.ndarray      # paid, yuan, 2 decimals
    coupon: np.ndarray      # code into COUPONS, -1 if none
    platform: np.ndarray    # code into PLATFORMS
    t_first: np.ndarray     # per user: first order time, -1 for non-buyers
    t_death: np.ndarray     # per user: BG/NBD dropout time, inf when alive at the export date

    @property
    def discount(self) -> np.ndarray:
        return np.where(self.coupon >= 0, COUPON_VALUE[np.maximum(self.coupon, 0)], 0.0)


def first_order_probability(pop: Population, aha: np.ndarray) -> np.ndarray:
    """Probability of a first order within 14 days, before any coupon uplift."""
    p = FIRST_ORDER_14D[pop.channel] * np.where(aha, AHA_MULTIPLIER, NO_AHA_MULTIPLIER)
    p = np.clip(p, FIRST_ORDER_FLOOR, FIRST_ORDER_CAP)
    return np.where(pop.is_fraud, 0.0, p)


def simulate_orders(cfg: WorldConfig, pop: Population, p14: np.ndarray,
                    new_user_coupon: np.ndarray) -> OrderBook:
    """First orders, BG/NBD repeats and Gamma-Gamma amounts for every user.

    ``p14`` is each user's probability of a first order within 14 days (uplift included);
    ``new_user_coupon`` marks users whose early first order uses the new-user coupon.
    """
    rng = rng_for(cfg, "orders")
    horizon = int((cfg.end - cfg.start).total_seconds())
    n = pop.n
    early = rng.random(n) < p14
    late = ~early & ~pop.is_fraud & (rng.random(n) < LATE_FIRST_ORDER)
    delay = np.where(early, _truncated_exponential(rng, FIRST_ORDER_DELAY_DAYS, 14, n),
                     14 + _truncated_exponential(rng, LATE_DELAY_DAYS, 166, n))
    t_first = pop.t_reg + np.maximum(delay * DAY_S, 300).astype(np.int64)
    buyer = np.flatnonzero((early | late) & (t_first < horizon))

    owner, t_repeat, buyer_death = bgnbd_repeats(rng, t_first[buyer], horizon)
    nb = len(buyer)
    user = np.concatenate([buyer, buyer[owner]])
    t = np.concatenate([t_first[buyer], t_repeat])
    t_death = np.full(n, np.inf)
    t_death[buyer] = buyer_death
    chaser = _coupon_chasers(cfg, new_user_coupon[buyer] & early[buyer])
    t_death[buyer[chaser]] = t_first[buyer[chaser]]

    # Gamma-Gamma: nu per buyer (rate), amount per order Gamma(p, rate nu).
    nu = np.zeros(n)
    nu[buyer] = rng.gamma(GAMMA_GAMMA["q"], 1 / GAMMA_GAMMA["v"], nb)
    amount = order_amounts(rng, nu[user])

    coupon = generic_coupons(rng, len(user))
    first = np.zeros(len(user), bool)
    first[:nb] = True
    coupon[first & new_user_coupon[user] & early[user]] = NEW_USER_COUPON
    coupon[~first & (coupon == NEW_USER_COUPON)] = -1

    platform = order_platforms(rng, pop.channel[user])

    # Coupon chasers lose their repeat orders; every draw above was made as if they had them.
    keep = np.r_[np.ones(nb, bool), ~chaser[owner]]
    user, t, amount, coupon, platform = (a[keep] for a in (user, t, amount, coupon, platform))
    order = np.argsort(t * n + user)  # time, then user
    first_time = np.full(n, -1, dtype=np.int64)
    first_time[buyer] = t_first[buyer]
    return OrderBook(user=user[order], t=t[order], amount=amount[order], coupon=coupon[order],
                     platform=platform[order].astype(np.int8), t_first=first_time,
                     t_death=t_death)


def order_amounts(rng: np.random.Generator, nu: np.ndarray) -> np.ndarray:
    """Gamma-Gamma amount paid per order, Gamma(p, rate nu) for each order's buyer ``nu``: yuan, >= 1."""
    return np.maximum(np.round(rng.gamma(GAMMA_GAMMA["p"], 1 / nu), 2), 1.0)


def generic_coupons(rng: np.random.Generator, n: int) -> np.ndarray:
    """Each of ``n`` orders' generic coupon (index into COUPONS) with GENERIC_COUPON_RATE, else -1."""
    return np.where(rng.random(n) < GENERIC_COUPON_RATE, 1 + rng.choice(3, n, p=GENERIC_COUPON_MIX), -1)


def order_platforms(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    """Each order's platform (index into PLATFORMS) from its buyer's channel mix (PLATFORM_MIX)."""
    cum = np.cumsum(PLATFORM_MIX, axis=1)
    return (rng.random(len(channel))[:, None] > cum[channel]).sum(axis=1).clip(0, 2)


def bgnbd_repeats(rng: np.random.Generator, t_first: np.ndarray,
                  horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BG/NBD repeat orders (in weeks) of buyers whose first orders are at ``t_first`` (seconds), up
    to ``horizon``: each repeat's buyer (index into ``t_first``), its time, and each buyer's dropout
    time (right after the last order; inf when alive at the horizon)."""
    nb = len(t_first)
    T = (horizon - t_first) / WEEK_S
    lam = rng.gamma(BGNBD["r"], 1 / BGNBD["alpha"], nb)
    p_drop = rng.beta(BGNBD["a"], BGNBD["b"], nb)
    lifetime_orders = rng.geometric(p_drop)           # repeats until dropout (the last included)
    poisson = rng.poisson(lam * T)                    # repeats by T if the buyer never dropped out
    dead = poisson >= lifetime_orders
    x = np.where(dead, lifetime_orders, poisson)
    # The J-th of n uniform arrival times is Beta(J, n-J+1); earlier ones are uniform below it.
    last = np.where(dead, rng.beta(np.maximum(lifetime_orders, 1),
                                   np.maximum(poisson - lifetime_orders + 1, 1)) * T, T)
    owner = np.repeat(np.arange(nb), x)
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(x) - x, x)
    is_last = dead[owner] & (rank == x[owner] - 1)
    weeks = np.where(is_last, last[owner], rng.random(len(owner)) * last[owner])
    t_repeat = t_first[owner] + (weeks * WEEK_S).astype(np.int64)
    t_repeat = _daytime(rng, t_repeat, t_first[owner], horizon)
    # Dropout comes right after the last order (taken after the daytime shuffle).
    t_death = np.full(nb, np.inf)
    repeaters = np.flatnonzero(x > 0)
    last_order = np.maximum.reduceat(t_repeat, (np.cumsum(x) - x)[repeaters]) if len(owner) else []
    died = dead[repeaters]
    t_death[repeaters[died]] = np.asarray(last_order)[died]
    return owner, t_repeat, t_death


def _coupon_chasers(cfg: WorldConfig, coupon_first: np.ndarray) -> np.ndarray:
    """Which buyers (in buyer order) are coupon chasers: those whose first order used the new-user
    coupon, each with COUPON_CHASER_SHARE, from their own stream (one draw per buyer)."""
    rng = rng_for(cfg, "coupon_chasers")
    return coupon_first & (rng.random(len(coupon_first)) < COUPON_CHASER_SHARE)


def _truncated_exponential(rng: np.random.Generator, mean: float, upper: float,
                           size: int) -> np.ndarray:
    """Exponential(mean) conditioned on being below ``upper`` (inverse CDF)."""
    u = rng.random(size)
    return -mean * np.log1p(-u * (1 - np.exp(-upper / mean)))


def _daytime(rng: np.random.Generator, t: np.ndarray, not_before: np.ndarray,
             horizon: int) -> np.ndarray:
    """Move each time to the same day at an hour drawn from the activity profile."""
    hour = rng.choice(24, size=len(t), p=HOURLY)
    moved = (t // DAY_S) * DAY_S + hour * 3600 + rng.integers(0, 3600, len(t))
    moved = np.where(moved <= not_before, not_before + rng.integers(600, 7200, len(t)), moved)
    return np.minimum(moved, horizon - 1)


def orders_frame(cfg: WorldConfig, book: OrderBook) -> pd.DataFrame:
    has_coupon = book.coupon >= 0
    return conform({
        "order_id": np.arange(1, len(book.t) + 1, dtype=np.int64),
        "user_id": book.user + 1,
        "order_time": timestamps(cfg, book.t),
        "amount": book.amount,
        "discount": book.discount,
        "coupon_id": labels(np.maximum(book.coupon, 0), COUPONS, mask=~has_coupon),
        "platform": labels(book.platform, PLATFORMS),
    }, "orders")


def categories_frame() -> pd.DataFrame:
    return conform(CATEGORIES, "categories")


def sku_prices(cfg: WorldConfig) -> np.ndarray:
    """Unit price of every SKU (categories x SKUS_PER_CATEGORY), yuan."""
    rng = rng_for(cfg, "skus")
    spread = rng.lognormal(0, 0.5, (len(CATEGORIES), SKUS_PER_CATEGORY))
    return np.round(SKU_MEDIAN_PRICE[:, None] * spread, 1).clip(1.0)


def simulate_lines(cfg: WorldConfig, book: OrderBook) -> dict[str, np.ndarray]:
    """Basket lines of every order: order position, category, SKU, quantity and amount (cents).

    Given a basket-size factor s ~ Gamma(BASKET_SHAPE, 1/BASKET_SHAPE), each category appears
    with Poisson(s x LINES_PER_ORDER x popularity) lines, independently of the others (drawn as
    a Poisson total split by popularity); empty baskets get one line. Line
    amounts split the gross value (amount + discount) in proportion to unit price x quantity, in
    integer cents, so they add up exactly.
    """
    rng = rng_for(cfg, "lines")
    n_orders = len(book.t)
    size = rng.gamma(BASKET_SHAPE, 1 / BASKET_SHAPE, n_orders)
    # Independent Poisson counts per category = a Poisson total split by popularity.
    n_lines = np.maximum(rng.poisson(size * LINES_PER_ORDER), 1)
    del size
    order = np.repeat(np.arange(n_orders), n_lines)
    category = np.searchsorted(CATEGORY_CDF, rng.random(len(order))).astype(np.int8)
    order, category = _add_linked_lines(rng, order, category, n_lines)
    prices = sku_prices(cfg)
    # Which SKU of the category: the user's taste and staples (opskit.sim.tastes); SKUs not yet
    # launched fall on the category's other SKUs.
    u = rng.random(len(order))
    sku_rank = tastes.personal_skus(cfg, book.user[order], category, u, prices, SKU_ZIPF_CDF, len(book.t_first))
    sku_rank = _before_launch(cfg, sku_rank, u, category, book.t[order])
    quantity = (1 + rng.poisson(0.4, len(order))).astype(np.int16)
    order, category, sku_rank, quantity = _add_lead_lines(cfg, book, order, category, sku_rank, quantity)
    weight = prices[category, sku_rank] * quantity
    gross_cents = np.round((book.amount + book.discount) * 100).astype(np.int64)
    share = weight / np.bincount(order, weights=weight, minlength=n_orders)[order]
    cents = np.floor(gross_cents[order] * share).astype(np.int64)
    # The rounding remainder goes to the first line of each order.
    first_line = np.r_[True, order[1:] != order[:-1]]
    remainder = gross_cents - np.bincount(order, weights=cents, minlength=n_orders).astype(np.int64)
    cents[first_line] += remainder
    return {"order": order, "category": category.astype(np.int8), "sku": sku_rank,
            "quantity": quantity, "cents": cents, "first_category": category[first_line]}


def _add_linked_lines(rng: np.random.Generator, order: np.ndarray, category: np.ndarray,
                      n_lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The planted link: bakery baskets without dairy get one more line, of dairy.

    The new line goes at the end of its order's block; lines stay grouped by order without a sort.
    """
    n_orders = len(n_lines)
    has_from = np.bincount(order, weights=category == LINK_FROM, minlength=n_orders) > 0
    has_to = np.bincount(order, weights=category == LINK_TO, minlength=n_orders) > 0
    extra = (has_from & ~has_to & (rng.random(n_orders) < LINK_ADD_PROBABILITY)).astype(np.int64)
    shift = np.cumsum(extra) - extra          # lines added before each order
    new_n = n_lines + extra
    out_category = np.empty(len(order) + int(extra.sum()), dtype=np.int8)
    out_category[np.arange(len(order)) + shift[order]] = category
    out_category[np.cumsum(new_n)[extra == 1] - 1] = LINK_TO
    return np.repeat(np.arange(n_orders), new_n), out_category


def _before_launch(cfg: WorldConfig, rank: np.ndarray, u: np.ndarray, category: np.ndarray,
                   t: np.ndarray) -> np.ndarray:
    """Before the launch date the new SKUs of NEW_SKU_CATEGORIES are not on sale: a line that drew
    one falls, with the same uniform draw, on the category's other SKUs."""
    weights = np.diff(np.r_[0.0, SKU_ZIPF_CDF])
    weights[list(NEW_SKU_RANKS)] = 0.0
    cdf_before = np.cumsum(weights) / weights.sum()
    launch = int((pd.Timestamp(NEW_SKU_LAUNCH) - cfg.start).total_seconds())
    early = np.isin(category, NEW_SKU_CATEGORIES) & (t < launch) & np.isin(rank, NEW_SKU_RANKS)
    rank = rank.copy()
    rank[early] = np.minimum(np.searchsorted(cdf_before, u[early]), SKUS_PER_CATEGORY - 1)
    return rank.astype(np.int16)


def _add_lead_lines(cfg: WorldConfig, book: OrderBook, order: np.ndarray, category: np.ndarray,
                    sku_rank: np.ndarray, quantity: np.ndarray):
    """The planted 引导性 link, from its own random stream so the other lines keep their draws.

    Orders of a customer placed within LEAD_WINDOW_DAYS after their first LEAD_FROM order (strictly
    later) and without LEAD_TO get one LEAD_TO line with LEAD_ADD_PROBABILITY, at the end of the
    order's block (lines stay grouped by order and each order's first line is unchanged).
    """
    rng = rng_for(cfg, "lead_link")
    n_orders = len(book.t)
    has_from = np.bincount(order, weights=category == LEAD_FROM, minlength=n_orders) > 0
    has_to = np.bincount(order, weights=category == LEAD_TO, minlength=n_orders) > 0
    first_from = np.full(len(book.t_first), np.inf)
    np.minimum.at(first_from, book.user[has_from], book.t[has_from])
    since = book.t - first_from[book.user]
    in_window = (since > 0) & (since <= LEAD_WINDOW_DAYS * DAY_S)
    extra = (in_window & ~has_to & (rng.random(n_orders) < LEAD_ADD_PROBABILITY)).astype(np.int64)
    n_lines = np.bincount(order, minlength=n_orders)
    shift = np.cumsum(extra) - extra
    new_n = n_lines + extra
    at = np.arange(len(order)) + shift[order]
    added = np.cumsum(new_n)[extra == 1] - 1
    n_added = len(added)

    def spread(values, fill):
        out = np.empty(len(order) + n_added, dtype=values.dtype)
        out[at] = values
        out[added] = fill
        return out

    new_rank = np.searchsorted(SKU_ZIPF_CDF, rng.random(n_added)).astype(np.int16)
    new_quantity = (1 + rng.poisson(0.4, n_added)).astype(np.int16)
    return (np.repeat(np.arange(n_orders), new_n), spread(category, LEAD_TO),
            spread(sku_rank, new_rank), spread(quantity, new_quantity))


def order_lines_frame(lines: dict[str, np.ndarray]) -> pd.DataFrame:
    sku_names = [f"{prefix}{k:03d}" for prefix in SKU_PREFIX for k in range(1, SKUS_PER_CATEGORY + 1)]
    return conform({
        "order_id": lines["order"] + 1,
        "sku_id": labels(lines["category"].astype(np.int64) * SKUS_PER_CATEGORY + lines["sku"],
                         sku_names),
        "category_id": labels(lines["category"], CATEGORIES["category_id"]),
        "quantity": lines["quantity"],
        "line_amount": lines["cents"] / 100,
    }, "order_lines")
