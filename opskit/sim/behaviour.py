"""In-app behaviour of 鲜选: first-week engagement (the aha moment) and the events log.

Each user has a latent engagement level. In the first 7 days it drives a few sessions and the
number of favourites (add_favorite); users reaching AHA_FAVORITES favourites convert far more
often (see :mod:`opskit.sim.purchases`). After the first order, browse sessions follow the
buyer's orders and stop at the BG/NBD dropout; in the four weeks before dropout they thin out, so
falling engagement foretells churn. Orders placed in the app come with their funnel
(app_open → view_item → add_to_cart → checkout). Mini-program and store orders leave no app events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim import churn_drivers
from opskit.sim.acquisition import Population
from opskit.sim.config import WorldConfig, rng_for
from opskit.sim.purchases import (
    AHA_FAVORITES,
    AHA_MULTIPLIER,
    AHA_WINDOW_DAYS,
    CATEGORIES,
    CATEGORY_POPULARITY,
    NO_AHA_MULTIPLIER,
    OrderBook,
)
from opskit.sim.tables import DAY_S, conform, labels, timestamps

EVENT_TYPES = ["ad_impression", "app_open", "search", "view_item", "add_favorite",
               "add_to_cart", "checkout", "share", "push_open", "complaint"]
E = {name: code for code, name in enumerate(EVENT_TYPES)}
WITH_CATEGORY = {E["search"], E["view_item"], E["add_favorite"], E["add_to_cart"]}

ENGAGEMENT_SHAPE = 2.0          # engagement ~ Gamma(shape, 1/shape): mean 1
FAVORITE_RATE = 1.8             # mean favourites in the first 7 days at engagement 1
FIRST_WEEK_SESSIONS = 1.5       # mean extra sessions in the first 7 days at engagement 1
BROWSE_PER_ORDER = 0.15         # buyers' browse sessions per order, over their active life
NON_BUYER_SESSIONS = 1.2        # non-buyers' sessions after the first week (decaying)
NON_BUYER_DECAY_DAYS = 10.0
FADE_DAYS = 28                  # engagement fades linearly over the last 4 weeks before dropout

# Days 8-30 order rates with and without the aha moment, measured on 200,000-user worlds
# (seeds 1 and 2: 0.607/0.287 and 0.610/0.290); they follow from the multipliers above.
AHA_RETAINED_EXPECTED, NO_AHA_RETAINED_EXPECTED = 0.61, 0.29

# Within a browse session: (event, probability, offset range in seconds after app_open).
BROWSE_SESSION = [("push_open", 0.20, (-5, -1)), ("view_item", 0.70, (10, 300)),
                  ("search", 0.30, (5, 120)), ("add_favorite", 0.08, (60, 400)),
                  ("add_to_cart", 0.15, (300, 900)), ("ad_impression", 0.30, (2, 60)),
                  ("share", 0.02, (60, 600))]
FIRST_WEEK_SESSION = [("view_item", 0.80, (10, 300)), ("search", 0.30, (5, 120))]
ORDER_VIEW_SHARE = 0.5          # many app orders are re-orders that skip the product page
# First-week sessions that put something in the cart (drawn from the stream "first_week_cart", so
# every other event keeps its draws): new users who cart but do not order are the cart abandoners
# that chapter 05's 临门一脚 targets.
FIRST_WEEK_CART = 0.35

TRUTHS: dict[str, object] = {
    "aha_event": "add_favorite",
    "aha_threshold_k": AHA_FAVORITES,
    "aha_window_days": AHA_WINDOW_DAYS,
    "aha_outcome": "注册后第 8–30 天（注册后 [7, 30) 天内）有订单；只统计注册满 30 天的非作弊用户",
    "aha_first_order_multiplier": AHA_MULTIPLIER,
    "no_aha_first_order_multiplier": NO_AHA_MULTIPLIER,
    "aha_retained_rate_expected": AHA_RETAINED_EXPECTED,
    "no_aha_retained_rate_expected": NO_AHA_RETAINED_EXPECTED,
    "engagement_shape": ENGAGEMENT_SHAPE,
    "favorite_rate_first_week": FAVORITE_RATE,
    "churn_signal": f"流失（BG/NBD 退出）前 {FADE_DAYS} 天浏览会话线性减少，退出后不再有任何事件",
    "first_week_cart_share_of_sessions": FIRST_WEEK_CART,
}

CARD = f"""\
**行为事件（events）**

- 每个用户有潜在活跃度 e ~ Gamma({ENGAGEMENT_SHAPE}, 1/{ENGAGEMENT_SHAPE})（均值 1）。注册时有一次 app_open；
  前 7 天另有 Poisson({FIRST_WEEK_SESSIONS}·e) 次会话（浏览商品、搜索），收藏（add_favorite）次数 ~ Poisson({FAVORITE_RATE}·e)。
- **埋点：啊哈时刻。** 前 {AHA_WINDOW_DAYS} 天内收藏 ≥ {AHA_FAVORITES} 次的用户，14 天首单概率 ×{AHA_MULTIPLIER}，其余 ×{NO_AHA_MULTIPLIER}（见“购买”）。
  结果口径：注册后第 8–30 天（[7, 30) 天）是否有订单，只统计注册满 30 天的非作弊用户；大样本下两组约为
  {AHA_RETAINED_EXPECTED:.0%} 对 {NO_AHA_RETAINED_EXPECTED:.0%}（本数据的实测值见下文）。收藏次数与首单之间是阈值效应：2 次与 0 次没有差别。
- 前 7 天的每次会话以 {FIRST_WEEK_CART:.0%} 的概率把商品加入购物车（add_to_cart）；没在 7 天内下单的这些用户就是“加购未下单”的新客。
- App 端订单带一段漏斗：app_open → view_item（{ORDER_VIEW_SHARE:.0%}，复购常跳过详情页）→ add_to_cart → checkout，均在下单前几分钟内；
  小程序与门店订单没有 App 事件。
- 买家在首单到流失之间还有浏览会话（每单约 {BROWSE_PER_ORDER} 次），会话内以一定概率出现 push_open、view_item、search、
  add_favorite、add_to_cart（未下单）、ad_impression、share。**流失前 {FADE_DAYS} 天会话线性变稀，BG/NBD 退出后不再有事件**，
  所以近期活跃度下降可以预警流失。未下单用户在第一周后还有少量逐渐消失的会话；作弊账号只有注册那一次 app_open。
- 每次好友邀请对应邀请人的一次 share。事件按时间排序；category_id 只在 search/view_item/add_favorite/add_to_cart 上有值。
"""


def first_week(cfg: WorldConfig, pop: Population) -> np.ndarray:
    """Draw engagement and first-week favourites; return the aha flag of every user."""
    rng = rng_for(cfg, "engagement")
    engagement = rng.gamma(ENGAGEMENT_SHAPE, 1 / ENGAGEMENT_SHAPE, pop.n)
    favorites = np.where(pop.is_fraud, 0, rng.poisson(FAVORITE_RATE * engagement))
    pop.extra["engagement"] = engagement
    pop.extra["favorites_7d"] = favorites
    return favorites >= AHA_FAVORITES


class _Log:
    """Accumulates event columns from vectorised pieces."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, user, t, event: str, category=None) -> None:
        # Narrow dtypes: the log of a million-user world has tens of millions of rows.
        user = np.asarray(user, dtype=np.int32)
        if category is None:
            category = (self.random_categories(len(user)) if E[event] in WITH_CATEGORY
                        else np.full(len(user), -1, dtype=np.int8))
        self.parts.append((user, np.asarray(t, dtype=np.int32),
                           np.full(len(user), E[event], dtype=np.int8), category))

    def session(self, user, t, spec) -> None:
        for event, prob, (low, high) in spec:  # a handful of event kinds
            hit = self.rng.random(len(user)) < prob
            self.add(user[hit], t[hit] + self.rng.integers(low, high, hit.sum()), event)

    def random_categories(self, size: int) -> np.ndarray:
        return self.rng.choice(len(CATEGORIES), size, p=CATEGORY_POPULARITY).astype(np.int8)


def simulate_events(cfg: WorldConfig, pop: Population, book: OrderBook,
                    first_category: np.ndarray) -> pd.DataFrame:
    """The events log, in time order; ``first_category`` is each order's first line category."""
    rng = rng_for(cfg, "events")
    horizon = int((cfg.end - cfg.start).total_seconds())
    log = _Log(rng)
    real = np.flatnonzero(~pop.is_fraud)
    engagement = pop.extra["engagement"]

    log.add(np.arange(pop.n), pop.t_reg, "app_open")
    user, t = _first_week_sessions(rng, pop, real, engagement)
    log.add(user, t, "app_open")
    log.session(user, t, FIRST_WEEK_SESSION)
    cart_user, cart_t, cart_category = _first_week_carts(cfg, user, t)
    log.add(cart_user, cart_t, "add_to_cart", cart_category)
    fav_user = np.repeat(np.arange(pop.n), pop.extra["favorites_7d"])
    log.add(fav_user, pop.t_reg[fav_user] + rng.integers(60, AHA_WINDOW_DAYS * DAY_S - 60,
                                                         len(fav_user)), "add_favorite")

    _order_funnels(log, book, first_category, pop.t_reg)
    _buyer_sessions(log, book, horizon, pop.n)
    _non_buyer_sessions(log, pop, book, engagement)
    log.add(pop.extra["invite_inviter"], pop.extra["invite_t"], "share")
    if "churn_driver" in pop.extra:  # complaints after orders (opskit.sim.churn_drivers)
        log.add(*churn_drivers.complaints(cfg, book, pop.extra["churn_driver"], horizon), "complaint")

    user, t, event, category = (np.concatenate(c) for c in zip(*log.parts))
    log.parts.clear()
    keep = (t >= 0) & (t < horizon)
    user, t, event, category = user[keep], t[keep], event[keep], category[keep]
    # One integer key orders by time, then user, then event type.
    key = (t.astype(np.int64) * pop.n + user) * len(EVENT_TYPES) + event
    order = np.argsort(key)
    del key
    return conform({
        "user_id": user[order].astype(np.int64) + 1,
        "event_time": timestamps(cfg, t[order]),
        "event_type": labels(event[order], EVENT_TYPES),
        "category_id": labels(np.maximum(category[order], 0), CATEGORIES["category_id"],
                              mask=category[order] < 0),
    }, "events")


def _first_week_sessions(rng: np.random.Generator, pop: Population, real: np.ndarray,
                         engagement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n_first = rng.poisson(FIRST_WEEK_SESSIONS * engagement[real])
    user = np.repeat(real, n_first)
    return user, pop.t_reg[user] + rng.integers(600, 7 * DAY_S, len(user))


def _first_week_carts(cfg: WorldConfig, user: np.ndarray,
                      t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cart_rng = rng_for(cfg, "first_week_cart")
    carted = cart_rng.random(len(user)) < FIRST_WEEK_CART
    cart_t = t[carted] + cart_rng.integers(300, 900, int(carted.sum()))
    category = cart_rng.choice(len(CATEGORIES), int(carted.sum()), p=CATEGORY_POPULARITY).astype(np.int8)
    return user[carted], cart_t, category


def first_week_carts(cfg: WorldConfig, pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Each real user's first add_to_cart in the first 7 days: (user positions, times in seconds).

    Replays the draws :func:`simulate_events` makes (same streams, same order), so the cart
    reminders of :mod:`opskit.sim.reminders` can act before the event log exists.
    """
    real = np.flatnonzero(~pop.is_fraud)
    user, t = _first_week_sessions(rng_for(cfg, "events"), pop, real, pop.extra["engagement"])
    cart_user, cart_t, _ = _first_week_carts(cfg, user, t)
    first = np.full(pop.n, np.iinfo(np.int64).max)
    np.minimum.at(first, cart_user, cart_t)
    users = np.flatnonzero(first < np.iinfo(np.int64).max)
    return users, first[users]


def _order_funnels(log: _Log, book: OrderBook, first_category: np.ndarray,
                   t_reg: np.ndarray) -> None:
    rng = log.rng
    in_app = np.flatnonzero(book.platform == 0)
    user, t = book.user[in_app], book.t[in_app]
    category = first_category[in_app]
    checkout = t - rng.integers(10, 120, len(t))
    cart = checkout - rng.integers(60, 600, len(t))
    view = cart - rng.integers(30, 300, len(t))
    opened = view - rng.integers(10, 120, len(t))
    # A first order minutes after registering: its funnel starts at the registration.
    floor = t_reg[user]
    checkout, cart, view, opened = (np.maximum(x, floor) for x in (checkout, cart, view, opened))
    viewed = rng.random(len(t)) < ORDER_VIEW_SHARE
    log.add(user, opened, "app_open")
    log.add(user[viewed], view[viewed], "view_item", category[viewed])
    log.add(user, cart, "add_to_cart", category)
    log.add(user, checkout, "checkout")


def _buyer_sessions(log: _Log, book: OrderBook, horizon: int, n_users: int) -> None:
    rng = log.rng
    buyer = np.flatnonzero(book.t_first >= 0)
    n_orders = np.bincount(book.user, minlength=n_users)[buyer]
    start = book.t_first[buyer].astype(float)
    stop = np.minimum(book.t_death[buyer], horizon)
    n_sessions = rng.poisson(BROWSE_PER_ORDER * n_orders)
    owner = np.repeat(np.arange(len(buyer)), n_sessions)
    t = start[owner] + rng.random(len(owner)) * (stop[owner] - start[owner])
    # Fading: in the last FADE_DAYS before dropout a session survives with probability
    # (time left) / FADE_DAYS; buyers alive at the export date have infinite time left.
    time_left = book.t_death[buyer][owner] - t
    keep = rng.random(len(owner)) * FADE_DAYS * DAY_S < time_left
    user, t = buyer[owner[keep]], t[keep].astype(np.int64)
    log.add(user, t, "app_open")
    log.session(user, t, BROWSE_SESSION)


def _non_buyer_sessions(log: _Log, pop: Population, book: OrderBook,
                        engagement: np.ndarray) -> None:
    rng = log.rng
    idle = np.flatnonzero((book.t_first < 0) & ~pop.is_fraud)
    n_sessions = rng.poisson(NON_BUYER_SESSIONS * engagement[idle])
    user = np.repeat(idle, n_sessions)
    t = pop.t_reg[user] + 7 * DAY_S + rng.exponential(NON_BUYER_DECAY_DAYS * DAY_S,
                                                      len(user)).astype(np.int64)
    log.add(user, t, "app_open")
    log.session(user, t, BROWSE_SESSION)
