"""The 会员共创 pilot of 鲜选: members' recipe cards traded as digital collectibles for points.

Members create recipe cards (UGC) and sell them on an internal market for 鲜选 points (not cash,
not withdrawable). Each asset's life is a chain of trades: the creator sells it first (primary
sale, no royalty); every resale pays the creator a planted royalty; every trade pays the platform
a planted take rate; the seller gets the rest, exactly (integer points).

Planted trap (speculation): a small group of members flip what they buy. A resale by a flipper
comes a couple of days after buying at a steep mark-up; everyone else holds for weeks and resells
at about the price they paid. The chapter finds them from the trade log alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import conform
from opskit.sim.config import WorldConfig, rng_for

PILOT_DAYS = 120
N_MEMBERS = 800
N_CREATORS = 120             # members who create; a few star creators make most of the assets
N_ASSETS = 500
CREATOR_ZIPF = 1.1           # asset counts of creators ~ 1 / rank^1.1
RESALE_CONTINUE = 0.55       # chance an asset is sold on again after each trade
PRIMARY_PRICE_MEDIAN = 200   # points
PRIMARY_PRICE_SIGMA = 0.5
ROYALTY_RATE = 0.05          # to the creator on every resale
TAKE_RATE = 0.025            # to the platform on every trade
FLIPPER_SHARE = 0.03         # members who flip
FLIP_BUY_BIAS = 6.0          # flippers are this many times as likely to be the buyer of a trade
FLIP_GAP_DAYS = 2.0          # mean days a flipper holds before reselling
HOLD_GAP_DAYS = 20.0         # mean days anyone else holds
FLIP_MARKUP = 1.35           # flippers ask 35% more than they paid
HOLD_DRIFT_SIGMA = 0.12      # other resales: price × lognormal(0, 0.12)

# Member ids are opaque strings; the flippers are fixed members so the data card can name them.
MEMBER_IDS = np.char.add("M", np.char.zfill(((np.arange(N_MEMBERS) * 7_919 + 10_007) % 100_000).astype(str), 5))
FLIPPERS = np.arange(N_MEMBERS) % int(round(1 / FLIPPER_SHARE)) == 5

TRUTHS: dict[str, object] = {
    "asset_flippers": sorted(MEMBER_IDS[FLIPPERS].tolist()),
    "asset_royalty_rate": ROYALTY_RATE,
    "asset_take_rate": TAKE_RATE,
    "asset_flipper_share": FLIPPER_SHARE,
    "asset_flip_gap_days": FLIP_GAP_DAYS,
    "asset_flip_markup": FLIP_MARKUP,
    "asset_hold_gap_days": HOLD_GAP_DAYS,
}

CARD = f"""\
**会员共创试点（asset_trades）**

- 数据期最后 {PILOT_DAYS} 天的试点：{N_MEMBERS} 位会员中 {N_CREATORS} 位创作者上架菜谱卡（数字藏品），
  会员之间用鲜选积分买卖（不能提现、不与人民币挂钩）。每件藏品的交易是一条链：创作者首发（一级市场，
  无版税），之后每次转售付创作者版税 {ROYALTY_RATE:.0%}；每笔交易付平台 {TAKE_RATE:.1%} 手续费；卖方得余数，逐笔精确到积分。
- 创作者上架数量按 1/排名^{CREATOR_ZIPF:g} 分布：少数明星创作者贡献了大部分作品与版税。
- 陷阱（炒作）：约 {FLIPPER_SHARE:.0%} 的会员是“倒手者”：买入后平均 {FLIP_GAP_DAYS:g} 天就加价
  {FLIP_MARKUP - 1:.0%} 转售；其他人平均持有 {HOLD_GAP_DAYS:g} 天、按原价附近转售。只看成交额增长会把炒作当成繁荣。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``asset_trades``."""
    rng = rng_for(cfg, "ugc")
    members, flipper = MEMBER_IDS, FLIPPERS
    creators = rng.choice(np.flatnonzero(~flipper), N_CREATORS, replace=False)
    weight = 1 / np.arange(1, N_CREATORS + 1) ** CREATOR_ZIPF
    asset_creator = creators[rng.choice(N_CREATORS, N_ASSETS, p=weight / weight.sum())]
    # chain length: the first sale, then each further sale with probability RESALE_CONTINUE
    length = rng.geometric(1 - RESALE_CONTINUE, N_ASSETS)
    asset = np.repeat(np.arange(N_ASSETS), length)
    first = np.r_[0, np.cumsum(length)[:-1]]
    step = np.arange(asset.size) - np.repeat(first, length)
    buy_weight = np.where(flipper, FLIP_BUY_BIAS, 1.0)
    buyer = rng.choice(N_MEMBERS, asset.size, p=buy_weight / buy_weight.sum())
    while True:  # nobody buys from themselves (a few passes at most)
        seller = np.where(step == 0, asset_creator[asset], np.roll(buyer, 1))
        clash = buyer == seller
        if not clash.any():
            break
        buyer[clash] = (buyer[clash] + 1) % N_MEMBERS
    seller_flips = flipper[seller] & (step > 0)
    gap = np.where(step == 0, rng.random(asset.size) * PILOT_DAYS * 0.6,
                   rng.exponential(np.where(seller_flips, FLIP_GAP_DAYS, HOLD_GAP_DAYS)))
    day = _grouped_cumsum(gap, first, length)
    factor = np.where(step == 0, np.exp(rng.normal(np.log(PRIMARY_PRICE_MEDIAN), PRIMARY_PRICE_SIGMA, asset.size)),
                      np.where(seller_flips, FLIP_MARKUP, np.exp(rng.normal(0, HOLD_DRIFT_SIGMA, asset.size))))
    price = np.maximum(10, np.round(np.exp(_grouped_cumsum(np.log(factor), first, length)))).astype(np.int64)
    keep = day < PILOT_DAYS
    fee = np.floor(price * TAKE_RATE + 0.5).astype(np.int64)
    royalty = np.where(step == 0, 0, np.floor(price * ROYALTY_RATE + 0.5)).astype(np.int64)
    base = np.datetime64(cfg.end, "s") - np.timedelta64(PILOT_DAYS * 86_400, "s")
    frame = pd.DataFrame({
        "asset_id": np.char.add("NFT", np.char.zfill((asset + 1).astype(str), 4)),
        "creator_id": members[asset_creator[asset]], "seller_id": members[seller], "buyer_id": members[buyer],
        "trade_time": base + (day * 86_400).astype(np.int64).astype("timedelta64[s]"),
        "price": price, "platform_fee": fee, "royalty": royalty, "seller_income": price - fee - royalty,
    }).loc[keep].sort_values(["trade_time", "asset_id"], kind="stable", ignore_index=True)
    frame.insert(0, "trade_id", np.char.add("T", np.char.zfill(np.arange(1, len(frame) + 1).astype(str), 5)))
    return {"asset_trades": conform(frame, "asset_trades")}


def _grouped_cumsum(values: np.ndarray, first: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group (groups are contiguous runs)."""
    total = np.cumsum(values)
    before = np.repeat(total[first] - values[first], length)
    return total - before
