"""Profit design of digital business models (数字化商业模式盈利设计): revenue-line calculators.

The course outline names four types, by who creates the value and who delivers it:

- **价值颠覆型** (value disruption: we create and deliver; the member pays): member fees, products,
  member + consumables / accessories / privileges;
- **平台型** (platform: third parties create, we deliver): 价值流通付费 (ads, commission, price
  spread) and 价值赋能付费 (resource, material, training, software/hardware and service fees);
- **跨界型** (cross-over: created with partners, delivered by us): joint, custom and licensed
  products plus member usage fees;
- **共同体** (community: many parties create and deliver): no fee up front, the profit is shared.

Each line is driver × rate (members × fee, GMV × take rate …), rounded to the cent; amounts are
kept in integer cents so that the lines add up to the total exactly. :func:`profit_sharing` splits
a profit pool by shares with the largest-remainder method, so the shares also add up to the cent.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from opskit.data import engine
from opskit.errors import OpskitError

#: model type → lines (stream, line, driver, rate); each line's revenue = drivers[driver] × rates[rate].
MODEL_TYPES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "价值颠覆型": (
        ("价值消费付费", "会员付费", "members", "member_fee"),
        ("价值消费付费", "产品付费", "member_gmv", "product_margin"),
        ("价值消费付费", "会员+耗材", "consumable_buyers", "consumable_profit"),
        ("价值消费付费", "会员+配件", "accessory_buyers", "accessory_profit"),
        ("价值消费付费", "会员+特权", "privilege_members", "privilege_fee"),
    ),
    "平台型": (
        ("价值流通付费", "广告费", "ad_impressions_k", "cpm"),
        ("价值流通付费", "交易佣金", "marketplace_gmv", "take_rate"),
        ("价值流通付费", "产品价差", "resale_gmv", "spread"),
        ("价值赋能付费", "资源费", "merchants", "resource_fee"),
        ("价值赋能付费", "物料费", "merchants", "material_fee"),
        ("价值赋能付费", "培训费", "trainees", "training_fee"),
        ("价值赋能付费", "软硬件使用费", "merchants", "software_fee"),
        ("价值赋能付费", "服务费", "service_orders", "service_fee"),
    ),
    "跨界型": (
        ("价值创造付费", "联合产品", "joint_gmv", "joint_margin"),
        ("价值创造付费", "定制产品", "custom_orders", "custom_profit"),
        ("价值创造付费", "版权产品", "licensed_units", "royalty"),
        ("价值创造付费", "会员使用费", "members", "member_fee"),
    ),
}


def _cents(value: float) -> int:
    """Round half away from zero to the cent (the usual accounting rule, unlike banker's rounding)."""
    return int(np.sign(value) * np.floor(abs(value) * 100 + 0.5))


def revenue_lines(model_type: str, drivers: Mapping[str, float], rates: Mapping[str, float]) -> pd.DataFrame:
    """Revenue lines of one business-model type, plus a ``合计`` row that is their exact sum.

    ``drivers`` are measured quantities (members, GMV, merchants …) and ``rates`` the designed
    prices and take rates, both keyed by the names in :data:`MODEL_TYPES`. A line whose driver or
    rate is missing raises, naming it. Columns: stream, line, driver, driver_value, rate,
    revenue_cents, revenue (yuan).
    """
    if model_type not in MODEL_TYPES:
        raise OpskitError(f"未知的商业模式类型 {model_type!r}；可选：{'、'.join(MODEL_TYPES)}、共同体（用 profit_sharing）。")
    spec = MODEL_TYPES[model_type]
    missing = [d for _, _, d, _ in spec if d not in drivers] + [r for _, _, _, r in spec if r not in rates]
    if missing:
        raise OpskitError(f"{model_type}盈利测算缺少 {sorted(set(missing))}：请在驱动量（drivers）或费率（rates）中给出。")
    rows = []
    for stream, line, driver, rate in spec:
        value, price = float(drivers[driver]), float(rates[rate])
        rows.append({"stream": stream, "line": line, "driver": driver, "driver_value": value,
                     "rate": price, "revenue_cents": _cents(value * price)})
    return _with_total(pd.DataFrame(rows), model_type)


def profit_sharing(profit: float, shares: Mapping[str, float]) -> pd.DataFrame:
    """共同体: split a profit pool among participants by ``shares`` (any positive weights).

    Largest-remainder (Hamilton) allocation in cents: each participant gets the floor of its exact
    share, and the cents left over go to the largest remainders (ties: the order given), so the
    amounts add up to the pool exactly. A loss (negative pool) is shared the same way.
    """
    weights = pd.Series(shares, dtype=float)
    if weights.empty or (weights < 0).any() or weights.sum() <= 0:
        raise OpskitError("分润比例必须非负且不全为 0。")
    pool = _cents(profit)
    sign, pool_abs = (1 if pool >= 0 else -1), abs(pool)
    exact = pool_abs * weights.to_numpy() / weights.sum()
    base = np.floor(exact).astype(np.int64)
    left = int(pool_abs - base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:left]] += 1
    frame = pd.DataFrame({"stream": "价值利润分成", "line": weights.index.astype(str), "driver": "profit_pool",
                          "driver_value": pool / 100, "rate": weights.to_numpy() / weights.sum(),
                          "revenue_cents": sign * base})
    return _with_total(frame, "共同体")


def _with_total(lines: pd.DataFrame, model_type: str) -> pd.DataFrame:
    total = {"stream": "合计", "line": "合计", "driver": "", "driver_value": np.nan, "rate": np.nan,
             "revenue_cents": int(lines["revenue_cents"].sum())}
    out = pd.concat([lines, pd.DataFrame([total])], ignore_index=True)
    out["revenue_cents"] = out["revenue_cents"].astype("int64")
    out["revenue"] = out["revenue_cents"] / 100
    out.insert(0, "model_type", model_type)
    return out


def total(lines: pd.DataFrame) -> float:
    """The ``合计`` of a revenue-line table, in yuan."""
    return float(lines.loc[lines["line"] == "合计", "revenue_cents"].iloc[0]) / 100


def member_gmv(orders: pd.DataFrame, members: pd.DataFrame, start, end) -> pd.DataFrame:
    """Orders, buyers and GMV in ``[start, end)`` of members and of everyone else, indexed by
    segment (``member`` / ``non_member``; named query ``gmv_by_members``) — drivers of the lines."""
    table = engine.run("gmv_by_members", {"start": pd.Timestamp(start), "end": pd.Timestamp(end)},
                       orders=orders[["user_id", "order_time", "amount"]], members=members[["user_id"]])
    return table.set_index("segment").reindex(["member", "non_member"]).fillna(0)
