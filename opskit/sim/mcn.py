"""The 达人 private domains of 鲜选: followers' orders (S2b2C) and the recruitment pipeline.

Each KOL of :mod:`opskit.sim.kol` runs a private domain (社群、小店) selling 鲜选's supply chain
(S2b2C). Followers join a KOL's list at a steady rate from the day the KOL joins, stay active for an
exponential time with mean τ, and buy at a Poisson rate λ while active. So a KOL's expected
orders per day at age a are λ·ρ·τ·(1 − exp(−a/τ)): the same planted ramp as the content GMV,
with the plateau given by Little's law (followers active = arrival rate × mean stay). Because the
stay is memoryless, the chance that a purchase is followed by another within D days is exactly
λ/(λ+1/τ)·(1 − exp(−(λ+1/τ)·D)).

Who owns the follower list decides what happens when a KOL leaves (the 1919 lesson): followers on
company accounts keep buying at a planted share of their rate; followers on the KOL's own account
leave with the KOL. Every order's price is split into supplier, KOL commission and platform fee,
to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim import kol
from opskit.sim._periphery import DAY, conform
from opskit.sim.config import WorldConfig, rng_for

FOLLOWER_STAY_DAYS = kol.RAMP_TAU_DAYS  # mean active time of a follower = the ramp's time constant
ORDER_RATE = {"门店店长": 1 / 4, "员工": 1 / 5, "老客": 1 / 7, "达人推荐": 1 / 8, "外部达人": 1 / 14}
COMPANY_OWNED = {"门店店长": 0.9, "员工": 0.85, "老客": 0.35, "达人推荐": 0.3, "外部达人": 0.1}
STAY_RATE = 0.6                # company-owned followers keep buying at this share of their rate
HEAD_PLATEAU = np.array([5.0, 2.5, 1.5])  # orders per day at full strength, head KOLs
PLATEAU_MEAN = {"腰部": 0.6, "尾部": 0.45}  # lognormal (sigma 0.4), capped at the smallest head plateau
TRAINING_LIFT = 1.5            # trained KOLs' private domains are 50% larger
AOV_MEDIAN = 60.0
AOV_SIGMA = 0.5
COMMISSION_RATE = 0.20         # S2b2C: the KOL (小b)
PLATFORM_RATE = 0.06           # S2b2C: the platform's service fee; the supplier (S) gets the rest
SIGN_RATE = {"门店店长": 0.25, "员工": 0.2, "老客": 0.1, "达人推荐": 0.3, "外部达人": 0.06}
CONTACT_LAG_DAYS = 14.0        # mean days from first contact to signing


def repeat_probability(source: str, days: float) -> float:
    """P(a follower's purchase is followed by another within ``days``) for a KOL of ``source``."""
    lam, mu = ORDER_RATE[source], 1 / FOLLOWER_STAY_DAYS
    return float(lam / (lam + mu) * -np.expm1(-(lam + mu) * days))


TRUTHS: dict[str, object] = {
    "follower_stay_days": FOLLOWER_STAY_DAYS,
    "follower_order_rate_per_day": {s: round(r, 6) for s, r in ORDER_RATE.items()},
    "follower_repeat_7d": {s: round(repeat_probability(s, 7), 6) for s in ORDER_RATE},
    "follower_repeat_30d": {s: round(repeat_probability(s, 30), 6) for s in ORDER_RATE},
    "company_owned_share": COMPANY_OWNED,
    "company_follower_stay_rate": STAY_RATE,
    "head_plateau_orders_per_day": dict(zip(kol.KOL_IDS[:3], HEAD_PLATEAU.tolist())),
    "training_plateau_lift": TRAINING_LIFT,
    "s2b2c_commission_rate": COMMISSION_RATE,
    "s2b2c_platform_rate": PLATFORM_RATE,
    "candidate_sign_rate": SIGN_RATE,
}

CARD = f"""\
**达人私域与招募（follower_orders、kol_candidates）**

- 每位达人经营自己的私域（社群、小店），卖鲜选供应链的货（S2b2C）。粉丝从达人加入那天起以固定速度加入名单，
  平均活跃 τ = {FOLLOWER_STAY_DAYS:g} 天（指数分布），活跃期间按泊松速度下单。于是达人私域的日订单在入驻 a 天时为
  稳态 × (1 − exp(−a/τ))：与内容成交额同一条爬坡曲线，稳态由利特尔法则决定（活跃粉丝 = 加入速度 × 平均活跃时长）。
- 埋点（粉丝下单速度，按达人来源，每天）：{"、".join(f"{s} 1/{1 / r:g}" for s, r in ORDER_RATE.items())}。
  一笔订单之后 7 天内再下单的概率 = λ/(λ+1/τ)·(1 − e^(−(λ+1/τ)·7))：
  {"、".join(f"{s} {repeat_probability(s, 7):.1%}" for s in ORDER_RATE)}。
- 埋点（头部私域）：头部三位达人稳态日订单 {"、".join(f"{v:g}" for v in HEAD_PLATEAU)}；腰部、尾部均值
  {PLATEAU_MEAN["腰部"]:g}、{PLATEAU_MEAN["尾部"]:g}（不超过头部最小值）；完成培训的达人私域规模 × {TRAINING_LIFT:g}。
- 埋点（1919：名单归属）：粉丝在公司账号上的比例按来源为 {"、".join(f"{s} {c:.0%}" for s, c in COMPANY_OWNED.items())}；
  达人离开后，公司账号上的粉丝按原速度的 {STAY_RATE:.0%} 继续下单，达人个人账号上的粉丝随达人离开。
- 埋点（S2b2C 分账）：每笔实付金额 = 供应商结算 + 达人佣金（{COMMISSION_RATE:.0%}，四舍五入到分）+ 平台服务费
  （{PLATFORM_RATE:.0%}，四舍五入到分），供应商拿余数，逐笔精确到分。
- 招募（kol_candidates）：数据期内接触的候选人；签约者就是新入驻的尾部达人。埋点签约率按来源为
  {"、".join(f"{s} {r:.0%}" for s, r in SIGN_RATE.items())}（达人推荐 = 复制标杆达人的经验）。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``follower_orders`` and ``kol_candidates`` from ``kols`` and ``kol_roster``."""
    rng = rng_for(cfg, "mcn")
    roster = world["kol_roster"].merge(world["kols"][["kol_id", "tier"]], on="kol_id", how="left")
    window_start = np.datetime64(cfg.end, "D") - kol.N_DAYS * DAY
    roster["join_day"] = ((roster["join_date"].to_numpy().astype("datetime64[D]") - window_start)
                          / DAY).astype(np.int64)
    leave = roster["leave_date"].to_numpy().astype("datetime64[D]")
    roster["leave_day"] = np.where(np.isnat(leave), kol.N_DAYS,
                                   ((leave - window_start) / DAY).astype(np.float64)).astype(np.int64)
    orders = _orders(cfg, roster, rng)
    candidates = _candidates(cfg, roster, orders, rng)
    return {"follower_orders": conform(orders, "follower_orders"),
            "kol_candidates": conform(candidates, "kol_candidates")}


def _plateaus(roster: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    tier = roster["tier"].to_numpy()
    mean = np.array([PLATEAU_MEAN.get(t, 0.0) for t in tier])
    plateau = np.minimum(np.exp(rng.normal(np.log(np.maximum(mean, 1e-9)) - 0.08, 0.4)), HEAD_PLATEAU.min())
    head = tier == "头部"
    plateau[head] = HEAD_PLATEAU[: head.sum()]
    return plateau * np.where(roster["trained"].to_numpy() == 1, TRAINING_LIFT, 1.0)


def _orders(cfg: WorldConfig, roster: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    tau, n_days = FOLLOWER_STAY_DAYS, kol.N_DAYS
    lam = roster["source"].map(ORDER_RATE).to_numpy(dtype=float)
    owned = roster["source"].map(COMPANY_OWNED).to_numpy(dtype=float)
    rho = _plateaus(roster, rng) / (lam * tau)  # followers joining per day
    join, leave = roster["join_day"].to_numpy(), roster["leave_day"].to_numpy()
    start = np.maximum(join, 0)
    # followers active at the window start (incumbents), then those who join during the window
    initial = rng.poisson(rho * tau * kol.ramp(-join) * (join < 0))
    arriving = rng.poisson(rho * (leave - start))
    k = np.concatenate([np.repeat(np.arange(len(roster)), initial), np.repeat(np.arange(len(roster)), arriving)])
    t0 = np.concatenate([np.zeros(initial.sum()),
                         np.repeat(start, arriving) + rng.random(arriving.sum()) * np.repeat(leave - start, arriving)])
    death = t0 + rng.exponential(tau, k.size)
    company = rng.random(k.size) < owned[k]
    # while the KOL is in the matrix: rate λ; after it leaves, company-owned followers at STAY_RATE·λ
    seg1_end = np.minimum(np.minimum(death, leave[k]), n_days)
    seg2_start = np.maximum(t0, leave[k])
    seg2_end = np.where(company, np.minimum(death, n_days), seg2_start)
    spans = [(t0, np.maximum(seg1_end - t0, 0), lam[k]),
             (seg2_start, np.maximum(seg2_end - seg2_start, 0), STAY_RATE * lam[k])]
    who, when = [], []
    for begin, length, rate in spans:
        count = rng.poisson(rate * length)
        who.append(np.repeat(np.arange(k.size), count))
        when.append(np.repeat(begin, count) + rng.random(count.sum()) * np.repeat(length, count))
    who, when = np.concatenate(who), np.concatenate(when)
    follower_ids = np.char.add("wx", np.char.zfill(rng.choice(10 ** 8, k.size, replace=False).astype(str), 8))
    base = np.datetime64(cfg.end, "s") - np.timedelta64(n_days * 86_400, "s")
    amount = np.maximum(5.0, np.round(np.exp(rng.normal(np.log(AOV_MEDIAN), AOV_SIGMA, who.size)), 2))
    cents = np.round(amount * 100).astype(np.int64)
    commission = np.floor(cents * COMMISSION_RATE + 0.5).astype(np.int64)
    platform = np.floor(cents * PLATFORM_RATE + 0.5).astype(np.int64)
    frame = pd.DataFrame({
        "kol_id": roster["kol_id"].to_numpy()[k[who]],
        "follower_id": follower_ids[who],
        "order_time": base + (when * 86_400).astype(np.int64).astype("timedelta64[s]"),
        "amount": cents / 100,
        "supplier_amount": (cents - commission - platform) / 100,
        "commission": commission / 100,
        "platform_fee": platform / 100,
        "account_owner": np.where(company[who], "公司", "达人"),
    }).sort_values(["order_time", "kol_id", "follower_id"], kind="stable", ignore_index=True)
    frame.insert(0, "order_id", np.char.add("P", np.char.zfill(np.arange(1, len(frame) + 1).astype(str), 6)))
    return frame


def _candidates(cfg: WorldConfig, roster: pd.DataFrame, orders: pd.DataFrame,
                rng: np.random.Generator) -> pd.DataFrame:
    """Everyone approached in the window: the recruits who signed, and the others."""
    window_start = np.datetime64(cfg.end, "D") - kol.N_DAYS * DAY
    recruits = roster.loc[roster["join_day"] >= 0]
    incumbents = roster.loc[(roster["join_day"] < 0) & (roster["tier"] != "头部")]
    # referrers: incumbents with the largest private domains are the benchmark (标杆) KOLs
    volume = orders.groupby("kol_id").size().reindex(incumbents["kol_id"], fill_value=0)
    referrers = volume.sort_values(ascending=False, kind="stable").index[:8].to_numpy()
    signed = pd.DataFrame({
        "source": recruits["source"].to_numpy(),
        "signed_day": recruits["join_day"].to_numpy(),
        "contact_day": recruits["join_day"].to_numpy() - 1 - np.floor(rng.exponential(CONTACT_LAG_DAYS, len(recruits))),
        "trained_day": np.where(recruits["trained"].to_numpy() == 1,
                                recruits["join_day"].to_numpy() + rng.integers(3, 11, len(recruits)), np.nan),
        "kol_id": recruits["kol_id"].to_numpy(),
    })
    n_signed = signed["source"].value_counts().reindex(list(SIGN_RATE), fill_value=0)
    n_other = {s: int(round(max(n_signed[s], 1) * (1 - p) / p)) for s, p in SIGN_RATE.items()}
    other_source = np.repeat(list(n_other), list(n_other.values()))
    others = pd.DataFrame({"source": other_source, "signed_day": np.nan,
                           "contact_day": rng.integers(-20, kol.N_DAYS - 10, other_source.size).astype(float),
                           "trained_day": np.nan, "kol_id": None})
    frame = pd.concat([signed, others], ignore_index=True)
    referred = (frame["source"] == "达人推荐").to_numpy()
    frame["referrer_kol_id"] = pd.Series(np.where(referred, rng.choice(referrers, len(frame)), None), dtype=object)
    frame = frame.sort_values(["contact_day", "source"], kind="stable", ignore_index=True)

    def to_date(days: pd.Series) -> pd.Series:
        return pd.Series(window_start + days.fillna(0).to_numpy().astype(np.int64) * DAY).where(days.notna())

    return pd.DataFrame({
        "candidate_id": np.char.add("RC", np.char.zfill(np.arange(1, len(frame) + 1).astype(str), 4)),
        "source": frame["source"], "contact_date": to_date(frame["contact_day"]),
        "signed_date": to_date(frame["signed_day"]), "trained_date": to_date(frame["trained_day"]),
        "kol_id": frame["kol_id"], "referrer_kol_id": frame["referrer_kol_id"],
    })
