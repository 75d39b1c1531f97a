"""The identity graph of 鲜选's customers: which identifiers were seen together (CDP 身份打通).

A person may hold a member account of the app (member id = user id, with its phone and the devices
it logged in from) and may use the WeChat mini program (an openid). Some people registered a second
member account with another phone from the same device (duplicate accounts), and some people only
ever used the mini program. Each observation links two identifiers of one person (registration,
login, phone authorisation in the mini program, account binding), so every person's identifiers are
connected, and no two people share an identifier, with one planted exception: a few store checkout
tablets (shared devices) logged in many customers' phones and would chain strangers together.

Planted: the number of real people, the duplicate accounts, the hub devices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opskit.sim._periphery import conform
from opskit.sim.config import WorldConfig, rng_for
from opskit.sim.world import DEMO_N_USERS

DUPLICATE_ACCOUNT_SHARE = 0.05    # member accounts that are a second account of an earlier person
MINI_PROGRAM_ONLY_SHARE = 0.15    # extra people, relative to member accounts, who only use the mini program
MEMBER_OPENID_SHARE = 0.5         # people with an account who also use the mini program
SECOND_DEVICE_SHARE = 0.1         # accounts that also logged in from a second device
OPENID_PHONE_SHARE = 0.7          # openids that authorised the phone (else bound to the member id)
MINI_ONLY_PHONE_SHARE = 0.6       # mini-program-only people who authorised a phone (else a device)
HUB_DEVICES = 3                   # shared store tablets
HUB_PHONES = 40                   # phones logged in on each
REPEAT_SHARE = 0.05               # observations seen twice (links repeat in real logs)



def counts(n_users: int) -> dict[str, int]:
    """Member accounts, duplicate accounts, mini-program-only people and real people of a world."""
    duplicates = round(DUPLICATE_ACCOUNT_SHARE * max(n_users - 1, 0))
    mini_only = round(MINI_PROGRAM_ONLY_SHARE * n_users)
    return {"member_accounts": n_users, "duplicate_accounts": duplicates, "mini_program_only_people": mini_only,
            "people": n_users - duplicates + mini_only}


TRUTHS: dict[str, object] = {
    **{f"demo_{key}": value for key, value in counts(DEMO_N_USERS).items()},
    "duplicate_account_share": DUPLICATE_ACCOUNT_SHARE,
    "mini_program_only_share": MINI_PROGRAM_ONLY_SHARE,
    "hub_devices": HUB_DEVICES,
    "phones_per_hub_device": HUB_PHONES,
    "identity_rule": "每个人的标识彼此连通；除门店共享平板外，不同的人不共用任何标识",
}

CARD = f"""\
**身份关联（identity_links）**

- 每行是一次观察：两个标识同时出现，属于同一个人。标识类型：member（会员ID = user_id）、phone（手机号）、
  openid（小程序）、device（设备）。来源：注册（会员—手机）、登录（会员—设备）、小程序授权（openid—手机）、
  小程序绑定（openid—会员）、小程序设备（openid—设备）、门店收银台。约 {REPEAT_SHARE:.0%} 的观察重复出现。
- 约 {DUPLICATE_ACCOUNT_SHARE:.0%} 的会员账号是同一个人用另一个手机号在同一台设备上注册的第二个账号；另有相当于会员数
  {MINI_PROGRAM_ONLY_SHARE:.0%} 的人只用过小程序（没有会员账号）；{MEMBER_OPENID_SHARE:.0%} 的会员也用小程序。
- **埋点：真实人数** = 会员账号数 − 重复账号数 + 只用小程序的人数（演示数据：{counts(DEMO_N_USERS)["people"]:,} 人）。每个人的标识彼此连通、不同的人不共用标识，
  所以按连通分量（union-find）合并即可还原真实人数——**除了陷阱**：{HUB_DEVICES} 台门店收银平板（device）各登录过
  {HUB_PHONES} 个顾客的手机号，不剔除这种“枢纽”标识，会把上百个陌生人并成一个人。
"""


def simulate(cfg: WorldConfig, world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Generate ``identity_links`` (real people: :func:`counts`)."""
    rng = rng_for(cfg, "identity")
    users = world["users"]
    n = len(users)
    member = users["user_id"].astype(str).to_numpy()

    sizes = counts(n)
    # Duplicate accounts belong to the person of an earlier account (users are in register order).
    duplicate = np.zeros(n, bool)
    duplicate[rng.choice(np.arange(1, n), sizes["duplicate_accounts"], replace=False)] = True
    partner = np.floor(rng.random(n) * np.arange(n)).astype(np.int64)
    person = np.arange(n)
    while True:  # follow chains of duplicates back to the person's first account
        updated = np.where(duplicate, person[partner], np.arange(n))
        if np.array_equal(updated, person):
            break
        person = updated
    n_mini = sizes["mini_program_only_people"]

    phones = _unique_codes(rng, n + n_mini, 10, prefix="1")
    account_phone, mini_phone = phones[:n], phones[n:]
    device = _install_devices(world, users, rng)
    # A duplicate account is registered on a device of the earlier account.
    device = np.where(duplicate, device[person], device)
    second_device = rng.random(n) < SECOND_DEVICE_SHARE
    extra_devices = _unique_codes(rng, int(second_device.sum()) + n_mini, 10, prefix="M")
    openids = _unique_codes(rng, n + n_mini, 12, prefix="o", alphabet="0123456789abcdef")

    links = [
        _links("member", member, "phone", account_phone, "注册"),
        _links("member", member, "device", device, "登录"),
        _links("member", member[second_device], "device", extra_devices[: second_device.sum()], "登录"),
    ]
    # People with an account who use the mini program: one openid per person, seen with the phone or
    # the member id of their first account.
    first_account = ~duplicate
    uses_mini = first_account & (rng.random(n) < MEMBER_OPENID_SHARE)
    by_phone = rng.random(n) < OPENID_PHONE_SHARE
    links.append(_links("openid", openids[:n][uses_mini & by_phone], "phone",
                        account_phone[uses_mini & by_phone], "小程序授权"))
    links.append(_links("openid", openids[:n][uses_mini & ~by_phone], "member",
                        member[uses_mini & ~by_phone], "小程序绑定"))
    # Mini-program-only people: the openid with an authorised phone, or with the device it ran on.
    mini_openid = openids[n:]
    with_phone = rng.random(n_mini) < MINI_ONLY_PHONE_SHARE
    links.append(_links("openid", mini_openid[with_phone], "phone", mini_phone[with_phone], "小程序授权"))
    links.append(_links("openid", mini_openid[~with_phone], "device",
                        extra_devices[second_device.sum():][~with_phone], "小程序设备"))
    # The trap: store tablets that logged in many customers' phones.
    hubs = np.array([f"POS{k:03d}" for k in range(1, HUB_DEVICES + 1)])
    hub_phones = rng.choice(account_phone[first_account], (HUB_DEVICES, HUB_PHONES), replace=False)
    links.append(_links("device", np.repeat(hubs, HUB_PHONES), "phone", hub_phones.ravel(), "门店收银台"))

    frame = pd.concat(links, ignore_index=True)
    repeat = frame[rng.random(len(frame)) < REPEAT_SHARE]
    frame = pd.concat([frame, repeat], ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    return {"identity_links": conform(frame, "identity_links")}


def _links(type_a: str, a, type_b: str, b, source: str) -> pd.DataFrame:
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    return pd.DataFrame({"id_type_a": type_a, "id_a": a, "id_type_b": type_b, "id_b": b, "source": source})


def _unique_codes(rng: np.random.Generator, size: int, length: int, prefix: str,
                  alphabet: str = "0123456789") -> np.ndarray:
    """``size`` distinct random codes of ``length`` characters after ``prefix``."""
    codes: np.ndarray = np.array([], dtype=object)
    chars = np.array(list(alphabet))
    while len(codes) < size:
        draw = chars[rng.integers(0, len(chars), (2 * size + 16, length))]
        fresh = np.char.add(prefix, np.apply_along_axis("".join, 1, draw)).astype(object)
        codes = pd.unique(np.concatenate([codes, fresh]))
    return np.asarray(codes[:size], dtype=object)


def _install_devices(world: dict[str, pd.DataFrame], users: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Each account's first device: the one of its attributed app install if any, else a new one."""
    n = len(users)
    device = _unique_codes(rng, n, 10, prefix="A")
    installs = world.get("installs")
    if installs is not None and len(installs):
        known = installs.dropna(subset=["user_id"]).drop_duplicates("user_id")
        position = pd.Index(users["user_id"]).get_indexer(known["user_id"])
        ok = position >= 0
        device[position[ok]] = known["device_id"].to_numpy(dtype=object)[ok]
    return device
