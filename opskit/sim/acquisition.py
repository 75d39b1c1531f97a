"""Acquisition of 鲜选: channels, daily channel spend, attributed installs, users and referrals.

Users register over the whole period with a linearly growing daily intake; each comes through one
of nine channels. Paid channels are billed per install (CPI). One feed-ads network, 联盟广告
(``union_feed``), is fraudulent: a planted share of its installs are click injection (3–10 s from
click to install) or click flooding (click-to-install time flat between 2 h and 24 h), come from a
handful of IPs and old device models, and the few that register never order. Referral invitees are
real users whose inviter registered a few days before them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from opskit.sim.config import WorldConfig, rng_for
from opskit.sim.tables import DAY_S, conform, days, labels, nullable_ints, timestamps

CHANNELS = pd.DataFrame({
    "channel_id": ["organic", "app_store", "douyin_feed", "tencent_feed", "union_feed",
                   "kol", "referral", "offline", "b2b"],
    "channel_name": ["自然流量", "应用商店", "抖音信息流", "腾讯广点通", "联盟广告",
                     "达人种草", "好友邀请", "门店扫码", "企业合作"],
    "channel_type": ["organic", "app_store", "feed_ads", "feed_ads", "feed_ads",
                     "kol", "referral", "offline", "b2b"],
    "is_paid": [False, True, True, True, True, True, False, False, False],
})
CHANNEL_SHARE = np.array([0.22, 0.14, 0.14, 0.10, 0.10, 0.08, 0.10, 0.07, 0.05])
CHANNEL_INDEX = {c: i for i, c in enumerate(CHANNELS["channel_id"])}
PAID = np.flatnonzero(CHANNELS["is_paid"].to_numpy())
REFERRAL = CHANNEL_INDEX["referral"]
FRAUD_CHANNEL = "union_feed"
FRAUD = CHANNEL_INDEX[FRAUD_CHANNEL]

# Cost per install (元), click-to-install rate and click-through rate of the paid channels.
CPI = {"app_store": 28.0, "douyin_feed": 36.0, "tencent_feed": 32.0, "union_feed": 14.0, "kol": 45.0}
CLICK_TO_INSTALL = {"app_store": 0.30, "douyin_feed": 0.06, "tencent_feed": 0.07,
                    "union_feed": 0.015, "kol": 0.05}
CTR = {"app_store": 0.04, "douyin_feed": 0.012, "tencent_feed": 0.010, "union_feed": 0.02, "kol": 0.03}

CITY_TIERS = ["一线", "新一线", "二线", "三线及以下"]
AGE_GROUPS = ["18-24", "25-34", "35-44", "45+"]
GENDERS = ["女", "男"]
DEVICE_OS = ["iOS", "Android"]

# Attribute mix per channel (rows in CHANNELS order); offline and B2B users live in big cities,
# KOL users are younger and more often women, app-store users more often on iOS.
CITY_MIX = np.array([
    [0.20, 0.28, 0.30, 0.22], [0.24, 0.28, 0.28, 0.20], [0.15, 0.25, 0.30, 0.30],
    [0.16, 0.26, 0.30, 0.28], [0.10, 0.20, 0.30, 0.40], [0.22, 0.30, 0.28, 0.20],
    [0.20, 0.28, 0.30, 0.22], [0.35, 0.35, 0.20, 0.10], [0.45, 0.35, 0.15, 0.05]])
AGE_MIX = np.array([
    [0.18, 0.42, 0.25, 0.15], [0.20, 0.42, 0.25, 0.13], [0.22, 0.38, 0.24, 0.16],
    [0.16, 0.36, 0.28, 0.20], [0.20, 0.35, 0.25, 0.20], [0.38, 0.42, 0.15, 0.05],
    [0.20, 0.42, 0.24, 0.14], [0.10, 0.30, 0.32, 0.28], [0.12, 0.55, 0.28, 0.05]])
FEMALE_SHARE = np.array([0.60, 0.58, 0.62, 0.60, 0.52, 0.72, 0.62, 0.66, 0.50])
IOS_SHARE = np.array([0.35, 0.50, 0.32, 0.30, 0.15, 0.40, 0.35, 0.33, 0.45])

GROWTH = 2.0  # the daily registration intake at the end is 1 + GROWTH times the intake at the start
WEEKEND_BOOST = 1.15
# Hourly profile of app activity (registrations and orders): lunch and evening peaks.
HOURLY = np.array([0.6, 0.3, 0.2, 0.15, 0.15, 0.3, 0.9, 2.0, 3.0, 3.3, 3.6, 4.2,
                   4.4, 3.6, 3.2, 3.2, 3.6, 4.4, 5.6, 6.4, 6.2, 5.0, 3.2, 1.6])
HOURLY = HOURLY / HOURLY.sum()

# Referral: invites per user i, conversion of an invite c, and the inviter-to-invitee cycle.
INVITE_CONVERSION = 0.20
INVITE_LAG_SHAPE, INVITE_LAG_DAYS = 2.0, 2.5      # inviter registration -> invite: Gamma, mean 5 d
ACCEPT_LAG_DAYS = 0.5                             # invite -> invitee registration: exponential
SAME_CITY_SHARE = 0.7                             # invitees often live in the inviter's city

# Fraud on union_feed: share of its installs that are fraudulent, split injection / flooding.
FRAUD_INSTALL_SHARE = 0.45
INJECTION_SHARE_OF_FRAUD = 0.5
HONEST_REGISTER_RATE = 0.70
FRAUD_REGISTER_RATE = 0.25
# Share of union_feed *users* that are fraudulent, implied by the install share and register rates.
_ODDS = FRAUD_INSTALL_SHARE / (1 - FRAUD_INSTALL_SHARE) * FRAUD_REGISTER_RATE / HONEST_REGISTER_RATE
FRAUD_USER_SHARE = _ODDS / (1 + _ODDS)

# Honest click-to-install time: 20 s of download plus a lognormal fitted to the AppsFlyer rule of
# thumb (75% within 1 h, 94% within 24 h), capped by a 7-day attribution window.
CTIT_MIN_S = 20.0
_Z75, _Z94 = 0.6744898, 1.5547736
CTIT_SIGMA = np.log((86_400 - CTIT_MIN_S) / (3_600 - CTIT_MIN_S)) / (_Z94 - _Z75)
CTIT_MU = np.log(3_600 - CTIT_MIN_S) - _Z75 * CTIT_SIGMA
ATTRIBUTION_WINDOW_S = 7 * DAY_S

IOS_MODELS = ["iPhone 15", "iPhone 14", "iPhone 13", "iPhone 15 Pro", "iPhone 12", "iPhone 16"]
IOS_MODEL_WEIGHT = np.array([0.24, 0.22, 0.18, 0.14, 0.12, 0.10])
ANDROID_MODELS = ["HUAWEI Mate 60", "HUAWEI nova 12", "Redmi K70", "Xiaomi 14", "OPPO Reno11",
                  "vivo X100", "vivo S18", "HONOR 100", "OnePlus 12", "Redmi Note 13"]
ANDROID_MODEL_WEIGHT = np.array([0.14, 0.10, 0.12, 0.10, 0.12, 0.10, 0.09, 0.09, 0.05, 0.09])
FRAUD_MODELS = ["SM-G9550", "Redmi Note 4X", "vivo X9"]
FRAUD_MODEL_WEIGHT = np.array([0.5, 0.3, 0.2])
FRAUD_IPS = [f"103.{a}.{b}.{c}" for a, b in ((45, 12), (45, 13), (218, 77)) for c in range(7, 15)]
ISP_FIRST_OCTETS = np.array([36, 39, 42, 58, 59, 60, 61, 101, 106, 110, 111, 112, 113, 114, 115,
                             116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 171, 175, 180,
                             182, 183, 218, 219, 220, 221, 222, 223])

TRUTHS: dict[str, object] = {
    "channel_share": dict(zip(CHANNELS["channel_id"], CHANNEL_SHARE.tolist())),
    "cpi_yuan": CPI,
    "registration_growth": f"日注册量线性增长，期末为期初的 {1 + GROWTH:.0f} 倍，周末 ×{WEEKEND_BOOST}",
    "fraud_channel": FRAUD_CHANNEL,
    "fraud_install_share": FRAUD_INSTALL_SHARE,
    "fraud_wasted_spend_share": FRAUD_INSTALL_SHARE,
    "fraud_injection_ctit_seconds": (3, 10),
    "fraud_flooding_ctit_hours": (2, 24),
    "fraud_ip_count": len(FRAUD_IPS),
    "fraud_device_models": FRAUD_MODELS,
    "fraud_user_share_of_channel": round(FRAUD_USER_SHARE, 4),
    "honest_ctit_share_within_1h": 0.75,
    "honest_ctit_share_within_24h": 0.94,
    "referral_invite_conversion_c": INVITE_CONVERSION,
    "referral_k_factor": CHANNEL_SHARE[REFERRAL],
    "referral_invites_per_user_i": round(CHANNEL_SHARE[REFERRAL] / INVITE_CONVERSION, 4),
    "referral_cycle_time_days": INVITE_LAG_SHAPE * INVITE_LAG_DAYS + ACCEPT_LAG_DAYS,
}

CARD = f"""\
**获客（channels、channel_spend、installs、users、referrals）**

- 用户在整个期间内注册，日注册量线性增长（期末约为期初的 {1 + GROWTH:.0f} 倍，周末 ×{WEEKEND_BOOST}），注册时刻有午间和晚间两个高峰。
- 9 个渠道及其用户占比：{"、".join(f"{n}（{s:.0%}）" for n, s in zip(CHANNELS["channel_name"], CHANNEL_SHARE))}。
  城市线级、年龄段、性别、设备系统的分布随渠道不同（门店扫码、企业合作偏一线；达人种草偏年轻女性；应用商店 iOS 多）。
- 付费渠道（应用商店、三个信息流、达人种草）按安装计费（CPI，元）：{"、".join(f"{k} {v:.0f}" for k, v in CPI.items())}。
  `channel_spend` 的日花费 = CPI × 当日安装数的 15 日平滑 × 对数正态噪声，点击 = 安装 / 点击安装率，曝光 = 点击 / 点击率。
- 每个付费渠道用户都有一条安装记录（安装几分钟后注册）；另有约 30% 的安装没有注册（user_id 为空）。
  正常安装的点击到安装时长（CTIT）= 20 秒 + 对数正态，75% 在 1 小时内、94% 在 24 小时内（AppsFlyer 经验值），最长 7 天归因窗口。
- **埋点：联盟广告（union_feed）是作弊渠道。** 其安装中 {FRAUD_INSTALL_SHARE:.0%} 是作弊：一半为点击注入（CTIT 在 3–10 秒），
  一半为点击泛滥（CTIT 在 2–24 小时内近似均匀）；作弊安装集中在 {len(FRAUD_IPS)} 个 IP（3 个 /24 网段）和 3 个老旧机型
  （{"、".join(FRAUD_MODELS)}），只有 {FRAUD_REGISTER_RATE:.0%} 注册成账号，且这些账号从不下单、注册后再无活跃。
  按 CPI 计费，该渠道约 {FRAUD_INSTALL_SHARE:.0%} 的花费被浪费；它的点击安装率也异常低（点击泛滥）。
- **好友邀请**：被邀请人是真实用户（channel_id=referral，referrer_user_id 为邀请人）。邀请人注册后平均
  {INVITE_LAG_SHAPE * INVITE_LAG_DAYS:.0f} 天发出邀请（Gamma），被邀请人平均 {ACCEPT_LAG_DAYS * 24:.0f} 小时后注册，
  周期时间 ct ≈ {INVITE_LAG_SHAPE * INVITE_LAG_DAYS + ACCEPT_LAG_DAYS:.1f} 天；邀请转化率 c = {INVITE_CONVERSION:.0%}，
  人均邀请 i ≈ {CHANNEL_SHARE[REFERRAL] / INVITE_CONVERSION:.2f}，K = i × c ≈ {CHANNEL_SHARE[REFERRAL]:.2f}。
  {SAME_CITY_SHARE:.0%} 的被邀请人与邀请人同城。每次邀请在 `events` 中对应邀请人的一次 share 事件。
"""


@dataclass
class Population:
    """Latent state of every user, indexed by position (user_id = position + 1)."""

    t_reg: np.ndarray           # registration time, seconds since cfg.start, sorted
    channel: np.ndarray         # code into CHANNELS
    city: np.ndarray
    age: np.ndarray
    gender: np.ndarray
    os: np.ndarray              # 0 = iOS, 1 = Android
    referrer: np.ndarray        # position of the inviter, -1 if none
    is_fraud: np.ndarray        # fake accounts registered by fraudulent installs
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.t_reg)

    @property
    def user_id(self) -> np.ndarray:
        return np.arange(1, self.n + 1, dtype=np.int64)


def pick(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Draw one category per element, from the probability row ``probs[rows]``."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(rows))[:, None]
    return np.minimum((u > cum[rows]).sum(axis=1), probs.shape[1] - 1).astype(np.int8)


def time_of_day(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds after midnight, following the hourly activity profile."""
    hour = rng.choice(24, size=size, p=HOURLY)
    return hour * 3600 + rng.integers(0, 3600, size)


def simulate_population(cfg: WorldConfig) -> Population:
    """Registration times, channels, demographics, referrers and fake accounts of all users."""
    rng = rng_for(cfg, "users")
    n = cfg.n_users
    day = np.arange(cfg.n_days)
    intake = (1 + GROWTH * day / cfg.n_days) * np.where(
        (cfg.start + pd.to_timedelta(day, "D")).day_of_week >= 5, WEEKEND_BOOST, 1.0)
    reg_day = rng.choice(cfg.n_days, size=n, p=intake / intake.sum())
    t_reg = np.sort(reg_day * DAY_S + time_of_day(rng, n))

    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_SHARE).astype(np.int8)
    pop = Population(
        t_reg=t_reg, channel=channel,
        city=pick(rng, CITY_MIX, channel), age=pick(rng, AGE_MIX, channel),
        gender=(rng.random(n) >= FEMALE_SHARE[channel]).astype(np.int8),
        os=(rng.random(n) >= IOS_SHARE[channel]).astype(np.int8),
        referrer=np.full(n, -1, dtype=np.int64),
        is_fraud=(channel == FRAUD) & (rng.random(n) < FRAUD_USER_SHARE),
    )
    pop.os[pop.is_fraud] = 1  # the device farm runs Android
    _link_referrers(pop, rng)
    return pop


def _link_referrers(pop: Population, rng: np.random.Generator) -> None:
    """Give each referral user an inviter registered one invite cycle earlier.

    Invitees whose cycle would start before the first user, or land on a fake account, are
    re-labelled organic: in the data, every referral user has a real inviter.
    """
    invitee = np.flatnonzero(pop.channel == REFERRAL)
    accept = rng.exponential(ACCEPT_LAG_DAYS * DAY_S, len(invitee))
    lag = rng.gamma(INVITE_LAG_SHAPE, INVITE_LAG_DAYS * DAY_S, len(invitee))
    inviter = np.searchsorted(pop.t_reg, pop.t_reg[invitee] - accept - lag, side="right") - 1
    valid = inviter >= 0
    valid[valid] &= ~pop.is_fraud[inviter[valid]]
    pop.channel[invitee[~valid]] = CHANNEL_INDEX["organic"]
    invitee, inviter, accept = invitee[valid], inviter[valid], accept[valid]
    pop.referrer[invitee] = inviter
    same_city = rng.random(len(invitee)) < SAME_CITY_SHARE
    pop.city[invitee[same_city]] = pop.city[inviter[same_city]]
    pop.extra["invite_time"] = np.maximum(pop.t_reg[invitee] - accept.astype(np.int64),
                                          pop.t_reg[inviter] + 60)


def users_frame(cfg: WorldConfig, pop: Population) -> pd.DataFrame:
    has_referrer = pop.referrer >= 0
    return conform({
        "user_id": pop.user_id,
        "register_time": timestamps(cfg, pop.t_reg),
        "channel_id": labels(pop.channel, CHANNELS["channel_id"]),
        "city_tier": labels(pop.city, CITY_TIERS),
        "age_group": labels(pop.age, AGE_GROUPS),
        "gender": labels(pop.gender, GENDERS),
        "device_os": labels(pop.os, DEVICE_OS),
        "referrer_user_id": nullable_ints(pop.referrer + 1, has_referrer),
    }, "users")


def referrals_frame(cfg: WorldConfig, pop: Population) -> pd.DataFrame:
    """Accepted invites (one per referral user) plus the declined ones, in time order."""
    rng = rng_for(cfg, "referrals")
    invitee = np.flatnonzero(pop.referrer >= 0)
    n_declined = rng.poisson(len(invitee) * (1 - INVITE_CONVERSION) / INVITE_CONVERSION)
    real = np.flatnonzero(~pop.is_fraud)
    # Declined invites come from the same kind of users: anyone, a cycle after registering.
    inviter = np.sort(rng.choice(real, n_declined))
    t_declined = pop.t_reg[inviter] + rng.gamma(INVITE_LAG_SHAPE, INVITE_LAG_DAYS * DAY_S,
                                                n_declined).astype(np.int64)
    keep = t_declined < (cfg.end - cfg.start).total_seconds()
    inviter_all = np.concatenate([pop.referrer[invitee], inviter[keep]])
    t_all = np.concatenate([pop.extra["invite_time"], t_declined[keep]])
    invitee_id = np.concatenate([invitee + 1, np.zeros(keep.sum(), dtype=np.int64)])
    order = np.lexsort((inviter_all, t_all))
    accepted = np.concatenate([np.ones(len(invitee), bool), np.zeros(keep.sum(), bool)])[order]
    pop.extra["invite_inviter"], pop.extra["invite_t"] = inviter_all[order], t_all[order]
    return conform({
        "inviter_id": inviter_all[order] + 1,
        "invite_time": timestamps(cfg, t_all[order]),
        "invitee_user_id": nullable_ints(invitee_id[order], accepted),
    }, "referrals")


def installs_frame(cfg: WorldConfig, pop: Population) -> pd.DataFrame:
    """One install per paid-channel user, plus installs that never registered.

    Honest installs register with probability HONEST_REGISTER_RATE, fraudulent ones with
    FRAUD_REGISTER_RATE, so the non-registered installs are drawn to match those rates.
    """
    rng = rng_for(cfg, "installs")
    horizon = int((cfg.end - cfg.start).total_seconds())
    registered = np.flatnonzero(np.isin(pop.channel, PAID))
    fraud_users = pop.is_fraud[registered]
    reg_rate = np.where(fraud_users, FRAUD_REGISTER_RATE, HONEST_REGISTER_RATE)
    # Each registered install stands for 1/rate installs; the rest are unregistered look-alikes.
    n_ghost = rng.poisson((1 - reg_rate) / reg_rate)
    ghost_of = np.repeat(registered, n_ghost)
    ghost_fraud = np.repeat(fraud_users, n_ghost)
    ghost_shift = rng.normal(0, 3 * DAY_S, len(ghost_of)).astype(np.int64)

    source = np.concatenate([registered, ghost_of])
    fraud = np.concatenate([fraud_users, ghost_fraud])
    install_t = np.concatenate([
        pop.t_reg[registered] - rng.exponential(180, len(registered)).astype(np.int64) - 30,
        np.clip(pop.t_reg[ghost_of] + ghost_shift, 0, horizon - 1)])
    ctit = _click_to_install(rng, fraud)
    os_code = np.where(fraud, 1, pop.os[source])

    order = np.lexsort((source, install_t))
    n = len(order)
    user_id = np.concatenate([registered + 1, np.zeros(len(ghost_of), dtype=np.int64)])[order]
    is_user = np.concatenate([np.ones(len(registered), bool), np.zeros(len(ghost_of), bool)])[order]
    fraud = fraud[order]
    return conform({
        "install_id": np.arange(1, n + 1, dtype=np.int64),
        "channel_id": labels(pop.channel[source[order]], CHANNELS["channel_id"]),
        "click_time": timestamps(cfg, install_t[order] - ctit[order]),
        "install_time": timestamps(cfg, install_t[order]),
        "device_id": _device_ids(np.arange(n)),
        "ip": _ips(rng, fraud),
        "device_model": _device_models(rng, os_code[order], fraud),
        "user_id": nullable_ints(user_id, is_user),
    }, "installs")


def _click_to_install(rng: np.random.Generator, fraud: np.ndarray) -> np.ndarray:
    n = len(fraud)
    honest = CTIT_MIN_S + rng.lognormal(CTIT_MU, CTIT_SIGMA, n)
    # Beyond the attribution window the click would not be credited: redraw inside days 1-7.
    late = honest > ATTRIBUTION_WINDOW_S
    honest[late] = rng.uniform(DAY_S, ATTRIBUTION_WINDOW_S, late.sum())
    injection = rng.random(n) < INJECTION_SHARE_OF_FRAUD
    fake = np.where(injection, rng.uniform(3, 10, n), rng.uniform(2 * 3600, 24 * 3600, n))
    return np.round(np.where(fraud, fake, honest)).astype(np.int64)


def _device_ids(index: np.ndarray) -> pd.Series:
    # A fixed odd multiplier modulo 10^10 scrambles the sequence into unique, random-looking ids.
    scrambled = (index.astype(np.int64) * 7_919_370_137 + 1_234_567_891) % 10_000_000_000
    return pd.Series(np.strings.add("D", np.strings.zfill(scrambled.astype(str), 10)), dtype="str")


def _ips(rng: np.random.Generator, fraud: np.ndarray) -> pd.Series:
    n = len(fraud)
    octets = [rng.choice(ISP_FIRST_OCTETS, n), rng.integers(0, 256, n),
              rng.integers(0, 256, n), rng.integers(1, 255, n)]
    parts = [o.astype(str) for o in octets]
    ip = parts[0]
    for part in parts[1:]:
        ip = np.strings.add(np.strings.add(ip, "."), part)
    fraud_weight = 1.0 / np.arange(1, len(FRAUD_IPS) + 1)
    fake = np.asarray(FRAUD_IPS)[rng.choice(len(FRAUD_IPS), n, p=fraud_weight / fraud_weight.sum())]
    return pd.Series(np.where(fraud, fake, ip), dtype="str")


def _device_models(rng: np.random.Generator, os_code: np.ndarray, fraud: np.ndarray) -> pd.Series:
    n = len(os_code)
    names = IOS_MODELS + ANDROID_MODELS + FRAUD_MODELS
    ios = rng.choice(len(IOS_MODELS), n, p=IOS_MODEL_WEIGHT)
    android = len(IOS_MODELS) + rng.choice(len(ANDROID_MODELS), n, p=ANDROID_MODEL_WEIGHT)
    fake = len(IOS_MODELS) + len(ANDROID_MODELS) + rng.choice(len(FRAUD_MODELS), n,
                                                              p=FRAUD_MODEL_WEIGHT)
    return labels(np.where(fraud, fake, np.where(os_code == 0, ios, android)), names)


def channel_spend_frame(cfg: WorldConfig, installs: pd.DataFrame) -> pd.DataFrame:
    """Daily spend, impressions and clicks of each paid channel, billed per install."""
    rng = rng_for(cfg, "channel_spend")
    install_day = ((installs["install_time"] - cfg.start) // pd.Timedelta(days=1)).to_numpy()
    frames = []
    kernel = np.ones(15) / 15
    for code in PAID:  # a handful of channels
        cid = CHANNELS["channel_id"][code]
        mine = (installs["channel_id"] == cid).to_numpy()
        counts = np.bincount(np.clip(install_day[mine], 0, cfg.n_days - 1), minlength=cfg.n_days)
        smooth = np.convolve(counts, kernel, mode="same") + 1e-9
        weight = smooth * rng.lognormal(0, 0.15, cfg.n_days)
        spend = np.round(CPI[cid] * counts.sum() * weight / weight.sum(), 2)
        clicks = rng.poisson(smooth / CLICK_TO_INSTALL[cid])
        frames.append(pd.DataFrame({
            "date": days(cfg, np.arange(cfg.n_days)), "channel_id": cid, "spend": spend,
            "impressions": rng.poisson(clicks / CTR[cid]) + clicks, "clicks": clicks}))
    spend = pd.concat(frames, ignore_index=True).sort_values(["date", "channel_id"], kind="stable")
    return conform(spend, "channel_spend")


def channels_frame() -> pd.DataFrame:
    return conform(CHANNELS, "channels")
