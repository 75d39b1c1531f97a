"""Token and points economies: pricing curves, exact payment splits and a member-economy simulator.

Three pricing tools with closed forms (docs/methods.md#tokens):

- :class:`BondingCurve`, the power curve p(s) = m·sⁿ: reserve R(s) = m·sⁿ⁺¹/(n+1), connector weight
  CW = 1/(n+1), and the Bancor purchase return ΔS = s·((1 + ΔR/R)^CW − 1) (:func:`purchase_return`);
- :class:`ConstantProductPool`, the x·y = k market (Uniswap v2): selling Δx with fee φ returns
  Δy = y·(1−φ)Δx / (x + (1−φ)Δx), and k never decreases because the fee stays in the pool;
- :func:`split_amounts`, which splits payments into lines that add up to the amount exactly, in
  integer units (cents, points): every line but one is rounded half up, the last takes the remainder.

The member economy (:func:`simulate_economy`) is agent-based and vectorised: members earn points,
spend them on materials, tools and recipes to create items (UGC), and trade the items with each
other; the platform earns a trade fee, a spread on materials, tool wear and recipe fees, and
creators earn a royalty on every resale. Everything is kept in integer points, so the ledger is
exact: supply(t) = supply(t−1) + issued − burned, and each trade's price = seller income + royalty
+ fee. cadCAD and radCAD are the frameworks to use for larger token-engineering models; the kit
does not depend on them (radCAD 0.14 pins numpy < 1.26.4).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

# --- bonding curve ------------------------------------------------------------------------------


def purchase_return(supply: float, reserve: float, deposit: float, connector_weight: float) -> float:
    """Bancor formula: tokens minted for ``deposit`` paid into ``reserve`` at ``supply``.

    ΔS = s·((1 + ΔR/R)^CW − 1). For a power curve it equals inverting the reserve integral.
    """
    if supply <= 0 or reserve <= 0:
        raise ValueError("the Bancor formula needs a positive supply and reserve; "
                         "use BondingCurve.mint for the first purchase")
    return float(supply * ((1 + deposit / reserve) ** connector_weight - 1))


def sale_return(supply: float, reserve: float, tokens: float, connector_weight: float) -> float:
    """Bancor formula for selling: reserve paid out for burning ``tokens``, R·(1 − (1 − ΔS/s)^(1/CW))."""
    if not 0 <= tokens <= supply:
        raise ValueError("cannot burn more tokens than the supply")
    return float(reserve * (1 - (1 - tokens / supply) ** (1 / connector_weight)))


@dataclass(frozen=True)
class BondingCurve:
    """The power bonding curve p(s) = m·sⁿ (price in reserve units per token at supply s)."""

    m: float
    n: float

    def __post_init__(self):
        if self.m <= 0 or self.n < 0:
            raise ValueError("a bonding curve needs m > 0 and n >= 0")

    @property
    def connector_weight(self) -> float:
        """CW = reserve / (price × supply) = 1/(n+1), constant along a power curve."""
        return 1 / (self.n + 1)

    def price(self, supply):
        return self.m * np.asarray(supply, dtype=float) ** self.n

    def reserve(self, supply):
        """R(s) = ∫₀ˢ m·uⁿ du = m·sⁿ⁺¹/(n+1): what buyers have paid in, not price × supply."""
        return self.m * np.asarray(supply, dtype=float) ** (self.n + 1) / (self.n + 1)

    def supply_at(self, reserve):
        """The supply at which the reserve equals ``reserve`` (the inverse of :meth:`reserve`)."""
        return ((self.n + 1) * np.asarray(reserve, dtype=float) / self.m) ** (1 / (self.n + 1))

    def mint(self, supply: float, deposit: float) -> float:
        """Tokens minted for ``deposit``; the Bancor formula, or the inverse integral from zero."""
        if supply == 0:
            return float(self.supply_at(deposit))
        return purchase_return(supply, float(self.reserve(supply)), deposit, self.connector_weight)

    def burn(self, supply: float, tokens: float) -> float:
        """Reserve paid out for burning ``tokens``: R(s) − R(s − ΔS)."""
        return sale_return(supply, float(self.reserve(supply)), tokens, self.connector_weight)


# --- constant-product market --------------------------------------------------------------------


def swap_output(x: float, y: float, dx: float, fee: float = 0.003) -> float:
    """Units of Y received for selling ``dx`` of X into an x·y = k pool with fee ``fee``.

    The fee is taken from the input: Δy = y·(1−φ)Δx / (x + (1−φ)Δx).
    """
    if x <= 0 or y <= 0 or dx < 0 or not 0 <= fee < 1:
        raise ValueError("need positive reserves, a non-negative trade and 0 <= fee < 1")
    effective = (1 - fee) * dx
    return float(y * effective / (x + effective))


@dataclass(frozen=True)
class ConstantProductPool:
    """An x·y = k market maker; trades return a new pool (the fee stays in it)."""

    x: float
    y: float
    fee: float = 0.003

    @property
    def k(self) -> float:
        return self.x * self.y

    @property
    def price(self) -> float:
        """Marginal price of X in units of Y (y/x), before fee."""
        return self.y / self.x

    def sell_x(self, dx: float) -> tuple[float, ConstantProductPool]:
        """Sell ``dx`` of X: (Y received, pool after the trade)."""
        dy = swap_output(self.x, self.y, dx, self.fee)
        return dy, replace(self, x=self.x + dx, y=self.y - dy)

    def sell_y(self, dy: float) -> tuple[float, ConstantProductPool]:
        """Sell ``dy`` of Y: (X received, pool after the trade)."""
        dx = swap_output(self.y, self.x, dy, self.fee)
        return dx, replace(self, x=self.x - dx, y=self.y + dy)

    def price_impact(self, dx: float) -> float:
        """How much worse than the marginal price a sale of ``dx`` executes (0 = no impact)."""
        dy = swap_output(self.x, self.y, dx, self.fee)
        return 1 - (dy / dx) / self.price if dx > 0 else 0.0


# --- exact payment splits -----------------------------------------------------------------------


def round_half_up(values) -> np.ndarray:
    """Round non-negative values to integers, halves up (the rule a cashier uses)."""
    return np.floor(np.asarray(values, dtype=float) + 0.5).astype(np.int64)


def split_amounts(amount, rates: dict[str, float], remainder: str) -> pd.DataFrame:
    """Split integer ``amount`` (cents, points) into lines that add up to it exactly.

    Each line in ``rates`` is ``round_half_up(amount × rate)``; the line ``remainder`` (for
    instance the seller or the supplier) takes what is left, so Σ lines = amount for every row.
    Rates must be non-negative and sum to at most 1. Returns integer columns, one per line.
    """
    amount = np.asarray(amount)
    if not np.issubdtype(amount.dtype, np.integer):
        if not np.allclose(amount, np.round(amount)):
            raise ValueError("split_amounts works in integer units: convert yuan to cents first")
        amount = np.round(amount).astype(np.int64)
    if any(r < 0 for r in rates.values()) or sum(rates.values()) > 1 + 1e-12:
        raise ValueError("rates must be non-negative and sum to at most 1")
    if (amount < 0).any():
        raise ValueError("amounts must be non-negative")
    lines = {name: round_half_up(amount * rate) for name, rate in rates.items()}
    taken = sum(lines.values()) if lines else np.zeros_like(amount)
    lines[remainder] = amount - taken
    return pd.DataFrame(lines)


def to_cents(yuan) -> np.ndarray:
    """Yuan amounts (two decimals) as integer cents, without float truncation (19.99 → 1999)."""
    return np.round(np.asarray(yuan, dtype=float) * 100).astype(np.int64)


def unbalanced_rows(frame: pd.DataFrame, total: str, parts: list[str], *, cents: bool = True) -> pd.DataFrame:
    """Rows of ``frame`` where ``total`` differs from the sum of ``parts`` (in cents by default)."""
    convert = to_cents if cents else (lambda v: np.asarray(v, dtype=np.int64))
    diff = convert(frame[total]) - sum(convert(frame[p]) for p in parts)
    return frame.loc[diff != 0]


def trade_split(price, royalty_rate: float, take_rate: float, primary=None) -> pd.DataFrame:
    """Split integer trade prices: platform ``fee``, creator ``royalty``, ``seller_income``.

    Fee and royalty are rounded half up; the seller takes the remainder, so Σ = price exactly.
    A primary sale (the creator sells their own work) pays no royalty: the creator is the seller.
    """
    price = np.asarray(price, dtype=np.int64)
    primary = np.zeros(price.shape, bool) if primary is None else np.asarray(primary, dtype=bool)
    fee, royalty, income = _trade_lines(price, royalty_rate, take_rate, primary)
    return pd.DataFrame({"fee": fee, "royalty": royalty, "seller_income": income})


# --- the member economy -------------------------------------------------------------------------

#: The platform's revenue lines in the member economy (course 任务七: 交易手续费、原材料价差、工具损耗、配方费用).
REVENUE_LINES = ("trade_fee", "material_spread", "tool_wear", "recipe_fee")


@dataclass(frozen=True)
class EconomyParams:
    """Parameters of :func:`simulate_economy`; money is in integer points, time in periods.

    Issuance (the faucet): each active member earns ``issue_per_member`` points a period on
    average (Poisson) for orders and tasks; ``expiry_rate`` of every balance expires each period.
    Creation (UGC): an active member creates an item with probability ``create_prob`` if they can
    pay materials (``material_cost`` passed on to the supplier plus the platform's
    ``material_spread``), ``tool_wear`` and, for the ``recipe_share`` of creations that follow a
    paid recipe, ``recipe_fee``. Items are worth ``base_value`` × lognormal(0, ``value_sigma``)
    (× ``recipe_boost`` with a recipe) at price level 1.
    Trade: each period an unsold item is offered with probability ``list_prob`` and a bought one
    with ``resale_prob``, at ask = value × price level;
    an active member looks to buy with probability ``buy_prob`` and pays at most ``budget_share``
    of their balance. Each trade pays the platform ``fee_rate`` and, on a resale, the creator
    ``royalty_rate``. With ``price_adjust`` = 0 (the default) asks stay at the items' reference
    values, as in a points mall, and money that is not spent piles up (积分通胀: the supply of points
    grows faster than what there is to buy); with ``price_adjust`` > 0 the price level floats with
    excess demand: × exp(``price_adjust`` × (fill rate − ``target_fill``)).
    """

    n_members: int = 2_000
    n_periods: int = 52
    periods_per_year: int = 52
    initial_balance: int = 150
    active_share: float = 0.5
    issue_per_member: float = 4.5
    expiry_rate: float = 0.0
    create_prob: float = 0.05
    material_cost: int = 60
    material_spread: float = 0.2
    tool_wear: int = 8
    recipe_share: float = 0.4
    recipe_fee: int = 15
    recipe_boost: float = 1.4
    base_value: float = 120.0
    value_sigma: float = 0.4
    list_prob: float = 0.5
    resale_prob: float = 0.2
    buy_prob: float = 0.5
    budget_share: float = 0.8
    fee_rate: float = 0.05
    royalty_rate: float = 0.05
    price_adjust: float = 0.0
    target_fill: float = 0.5

    def __post_init__(self):
        for name in ("active_share", "expiry_rate", "create_prob", "material_spread", "recipe_share",
                     "list_prob", "resale_prob", "buy_prob", "budget_share", "fee_rate", "royalty_rate", "target_fill"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be within [0, 1]")
        if self.fee_rate + self.royalty_rate > 1:
            raise ValueError("fee_rate + royalty_rate must not exceed 1")
        if self.n_members < 2 or self.n_periods < 1:
            raise ValueError("need at least 2 members and 1 period")


@dataclass
class EconomyResult:
    """What :func:`simulate_economy` returns.

    ``periods``: one row per period (issued, burned by line, supply, offers, trades, fill rate,
    trade value, spending, velocity, price level, inflation, revenue lines and their total).
    ``trades``: one row per trade (item, creator, seller, buyer, price = fee + royalty +
    seller_income). ``members``: final balance, items created and royalties earned per member.
    Member and item ids are strings.
    """

    params: EconomyParams
    periods: pd.DataFrame
    trades: pd.DataFrame
    members: pd.DataFrame

    def summary(self) -> dict[str, float]:
        """The run in a few numbers: liquidity, inflation, velocity, revenue and its lines."""
        p, per = self.params, self.periods
        half = per.iloc[len(per) // 2:]  # after the warm-up
        years = len(per) / p.periods_per_year
        price_growth = per["price_level"].iloc[-1] / per["price_level_start"].iloc[0]
        supply_growth = per["supply"].iloc[-1] / per["supply_start"].iloc[0]
        out = {
            "fee_rate": p.fee_rate,
            "fill_rate": float(half["trades"].sum() / max(half["offers"].sum(), 1)),
            "trades_per_period": float(half["trades"].mean()),
            "price_inflation": float(price_growth ** (1 / years) - 1),
            "supply_growth": float(supply_growth ** (1 / years) - 1),
            "velocity": float(half["velocity"].mean()),
            "revenue": int(per["revenue"].sum()),
            "royalties": int(per["royalties"].sum()),
        }
        out.update({line: int(per[line].sum()) for line in REVENUE_LINES})
        return out


def simulate_economy(params: EconomyParams | None = None, seed: int = 0, **overrides) -> EconomyResult:
    """Run the member economy for ``params.n_periods`` periods; deterministic for ``seed``.

    State: each member's integer balance; each item's creator, owner, value and whether it has
    been sold; the price level. One period: activity → issuance → expiry → creation (materials,
    tools, recipes paid to the platform) → offers (unsold items with probability ``list_prob``,
    bought items with ``resale_prob``) → one matching round (offers and would-be buyers paired at
    random; a pair trades if the buyer is not the owner and the ask is within the buyer's budget)
    → price-level update. Loops run over periods only; members and items are numpy arrays.
    """
    p = replace(params or EconomyParams(), **overrides)
    rng = np.random.default_rng(seed)
    n = p.n_members
    balance = np.full(n, p.initial_balance, dtype=np.int64)
    created = np.zeros(n, dtype=np.int64)
    earned = np.zeros(n, dtype=np.int64)
    cap = int(n * p.n_periods * p.create_prob) + 64
    creator = np.zeros(cap, dtype=np.int64)
    owner = np.zeros(cap, dtype=np.int64)
    value = np.zeros(cap, dtype=float)
    sold = np.zeros(cap, dtype=bool)
    n_items = 0
    level = 1.0
    spread = int(round_half_up(p.material_cost * p.material_spread))
    periods, trade_parts = [], []

    for t in range(p.n_periods):
        supply_start = int(balance.sum())
        level_start = level
        active = rng.random(n) < p.active_share
        issued = rng.poisson(p.issue_per_member, n) * active
        balance += issued
        expired = np.floor(balance * p.expiry_rate).astype(np.int64)
        balance -= expired

        # creation: materials (cost + spread), tool wear, recipe fee
        wants = active & (rng.random(n) < p.create_prob)
        recipe = rng.random(n) < p.recipe_share
        cost = p.material_cost + spread + p.tool_wear + recipe * p.recipe_fee
        makers = np.flatnonzero(wants & (balance >= cost))
        k = makers.size
        if n_items + k > cap:  # grow the item arrays (only if creation outpaces the estimate)
            cap = 2 * (n_items + k)
            creator, owner, value, sold = (np.resize(a, cap) for a in (creator, owner, value, sold))
            sold[n_items:] = False
        balance[makers] -= cost[makers]
        created[makers] += 1
        new = slice(n_items, n_items + k)
        creator[new] = makers
        owner[new] = makers
        value[new] = (p.base_value * rng.lognormal(0, p.value_sigma, k)
                      * np.where(recipe[makers], p.recipe_boost, 1.0))
        n_items += k
        n_recipe = int(recipe[makers].sum())

        # offers and one matching round
        offer_prob = np.where(sold[:n_items], p.resale_prob, p.list_prob)
        offers = rng.permutation(np.flatnonzero(rng.random(n_items) < offer_prob))
        buyers = rng.permutation(np.flatnonzero(active & (rng.random(n) < p.buy_prob)))
        m = min(offers.size, buyers.size)
        items, buyers = offers[:m], buyers[:m]
        ask = np.maximum(1, round_half_up(value[items] * level))
        sellers = owner[items]
        ok = (buyers != sellers) & (ask <= np.floor(p.budget_share * balance[buyers]))
        items, buyers, sellers, price = items[ok], buyers[ok], sellers[ok], ask[ok]
        primary = ~sold[items]
        fee, royalty, income = _trade_lines(price, p.royalty_rate, p.fee_rate, primary)
        makers_of = creator[items]
        balance[buyers] -= price  # each buyer trades at most once a round
        balance += np.bincount(sellers, weights=income, minlength=n).astype(np.int64)
        paid = np.bincount(makers_of, weights=royalty, minlength=n).astype(np.int64)
        balance += paid
        earned += paid
        owner[items] = buyers
        sold[items] = True
        if items.size:
            trade_parts.append((np.full(items.size, t), items, makers_of, sellers, buyers, primary,
                                price, fee, royalty, income))

        fill = items.size / offers.size if offers.size else 0.0
        revenue = {"trade_fee": int(fee.sum()), "material_spread": spread * k,
                   "tool_wear": p.tool_wear * k, "recipe_fee": p.recipe_fee * n_recipe}
        material_pass_through = p.material_cost * k
        supply = int(balance.sum())
        trade_value = int(price.sum())
        spending = trade_value + int(cost[makers].sum())
        level = level * float(np.exp(p.price_adjust * (fill - p.target_fill)))
        periods.append({
            "period": t, "supply_start": supply_start, "issued": int(issued.sum()),
            "expired": int(expired.sum()), "material_cost": material_pass_through, **revenue,
            "revenue": sum(revenue.values()),
            "burned": sum(revenue.values()) + material_pass_through + int(expired.sum()),
            "supply": supply, "royalties": int(royalty.sum()), "items_created": k,
            "offers": int(offers.size), "buyers": int(m), "trades": int(items.size), "fill_rate": fill,
            "trade_value": trade_value, "spending": spending,
            "velocity": spending / max((supply_start + supply) / 2, 1),
            "price_level_start": level_start, "price_level": level, "inflation": level / level_start - 1,
        })

    columns = ["period", "item", "creator", "seller", "buyer", "primary", "price", "fee", "royalty",
               "seller_income"]
    parts = list(zip(*trade_parts)) if trade_parts else [[np.zeros(0, np.int64)]] * len(columns)
    trades = pd.DataFrame({c: np.concatenate(v) for c, v in zip(columns, parts)})
    trades["primary"] = trades["primary"].astype(bool)
    member_ids = _ids("M", n)
    for col in ("creator", "seller", "buyer"):
        trades[col] = member_ids[trades[col].to_numpy(dtype=np.int64)]
    trades["item"] = _ids("I", max(n_items, 1))[trades["item"].to_numpy(dtype=np.int64)]
    members = pd.DataFrame({"member_id": member_ids, "balance": balance, "items_created": created,
                            "royalties_earned": earned})
    return EconomyResult(p, pd.DataFrame(periods), trades, members)


def _trade_lines(price: np.ndarray, royalty_rate: float, fee_rate: float, primary: np.ndarray):
    """(fee, royalty, seller income) as integer arrays; the numpy core of :func:`trade_split`."""
    fee = round_half_up(price * fee_rate)
    royalty = np.where(primary, 0, round_half_up(price * royalty_rate))
    return fee, royalty, price - fee - royalty


def _ids(prefix: str, n: int) -> np.ndarray:
    width = len(str(n))
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def sweep(params: EconomyParams | None = None, *, fee_rates=(0.0, 0.02, 0.05, 0.1, 0.15, 0.2),
          seeds=(0, 1), **overrides) -> pd.DataFrame:
    """Run the economy for each fee rate and seed; one row per fee with the seeds' mean summary."""
    base = replace(params or EconomyParams(), **overrides)
    rows = [simulate_economy(base, seed, fee_rate=float(fee)).summary() | {"seed": seed}
            for fee in fee_rates for seed in seeds]
    return pd.DataFrame(rows).drop(columns="seed").groupby("fee_rate", sort=True).mean()


def choose_fee(table: pd.DataFrame, *, min_fill: float, max_inflation: float,
               inflation: str = "supply_growth") -> float | None:
    """The fee rate that keeps the economy liquid (fill rate ≥ ``min_fill``) without inflation
    (|annual ``inflation``| ≤ ``max_inflation``; ``"supply_growth"`` of the points outstanding, or
    ``"price_inflation"`` when prices float); among those, the one with the highest fill rate
    (ties: the lower fee). ``None`` when no fee in the sweep qualifies."""
    ok = table.loc[(table["fill_rate"] >= min_fill) & (table[inflation].abs() <= max_inflation)]
    if ok.empty:
        return None
    best = ok.reset_index().sort_values(["fill_rate", "fee_rate"], ascending=[False, True], kind="stable")
    return float(best["fee_rate"].iloc[0])


def params_dict(params: EconomyParams) -> dict:
    """The parameters as a plain dict (for exporting a workshop's chosen design)."""
    return asdict(params)


# --- points and digital-asset markets on data (named SQL) ---------------------------------------


def points_economy(points_ledger, *, as_of, opening_balance: float = 0.0) -> pd.DataFrame:
    """The points program as a money supply, per month (named query ``points_by_reason``).

    issued = points earned (positive rows); redeemed and expired = points spent or lapsed (as
    positive numbers); outstanding = opening_balance + cumulative (issued − redeemed − expired) at
    month end (the program's liability, M); velocity = redeemed / average outstanding of the month
    (M·V = P·Q with P·Q = points spent); sink_ratio = (redeemed + expired) / issued.
    ``opening_balance`` is the balance before the ledger starts (0 when it covers the program's start).
    """
    from opskit.data import engine

    flows = engine.run("points_by_reason", {"as_of": pd.Timestamp(as_of)}, points_ledger=points_ledger)
    signed = flows.pivot_table(index="month", columns="reason", values="points", aggfunc="sum", fill_value=0)
    positive = flows.loc[flows["points"] > 0].groupby("month")["points"].sum()
    out = pd.DataFrame(index=signed.index)
    out["issued"] = positive.reindex(out.index, fill_value=0)
    out["redeemed"] = -signed.get("redeem", 0)
    out["expired"] = -signed.get("expire", 0)
    net = signed.sum(axis=1)
    out["outstanding"] = opening_balance + net.cumsum()
    previous = out["outstanding"].shift(1, fill_value=opening_balance)
    average = (previous + out["outstanding"]) / 2
    out["velocity"] = out["redeemed"] / average.where(average > 0)
    out["sink_ratio"] = (out["redeemed"] + out["expired"]) / out["issued"].where(out["issued"] > 0)
    out["growth"] = out["outstanding"] / previous.where(previous > 0) - 1
    return out


def creator_earnings(asset_trades, *, as_of) -> pd.DataFrame:
    """Per creator: assets, trades, first-sale income and royalties (named query ``creator_earnings``)."""
    from opskit.data import engine

    out = engine.run("creator_earnings", {"as_of": pd.Timestamp(as_of)}, asset_trades=asset_trades)
    out = out.set_index("creator_id")
    out["total"] = out["primary_income"] + out["royalties"]
    return out


def resale_behaviour(asset_trades, *, as_of, flip_days: float = 3.0, min_markup: float = 1.2) -> pd.DataFrame:
    """Per seller: resales, flips (resold within ``flip_days`` at ≥ ``min_markup`` × the price paid),
    mean holding time and mark-up, resale value (named query ``asset_resales``)."""
    from opskit.data import engine

    out = engine.run("asset_resales", {"as_of": pd.Timestamp(as_of), "flip_days": float(flip_days),
                                       "min_markup": float(min_markup)}, asset_trades=asset_trades)
    out = out.set_index("seller_id")
    out["flip_share"] = out["flips"] / out["resales"]
    return out


def flag_speculators(resales: pd.DataFrame, *, min_flips: int = 2, min_share: float = 0.5) -> pd.Series:
    """Sellers whose resales are mostly flips: at least ``min_flips`` flips making at least
    ``min_share`` of their resales. Returns a boolean Series indexed like ``resales``."""
    return (resales["flips"] >= min_flips) & (resales["flip_share"] >= min_share)


def split_check(trades: pd.DataFrame, *, price: str = "price",
                parts=("platform_fee", "royalty", "seller_income")) -> dict[str, float]:
    """Conservation and effective rates of a trade log (named query ``split_balance``): rows where
    price ≠ Σ parts (to the cent), the platform's take rate and, when the log names creators and
    sellers, the royalty rate on resales and the royalties paid on first sales (should be 0)."""
    from opskit.data import engine

    names = dict(zip(("part_a", "part_b", "part_c"), parts))
    payments = pd.DataFrame({"total": trades[price], **{k: trades[v] for k, v in names.items()}})
    totals = engine.run("split_balance", payments=payments).iloc[0]
    sums = {v: float(totals[k]) for k, v in names.items()}
    total = float(totals["total"])
    out = {"trades": int(totals["rows"]), "unbalanced": int(totals["unbalanced"] or 0),
           "take_rate": sums.get("platform_fee", float("nan")) / total if total else float("nan")}
    if {"seller_id", "creator_id", "royalty"} <= set(trades.columns):
        view = pd.DataFrame({"seller_id": trades["seller_id"], "creator_id": trades["creator_id"],
                             "royalty": trades["royalty"], "price": trades[price]})
        resale = engine.run("resale_royalties", trades=view).iloc[0]
        value = float(resale["resale_value"] or 0)
        out["royalty_rate"] = float(resale["resale_royalty"]) / value if value else float("nan")
        out["primary_royalty"] = float(resale["primary_royalty"] or 0)
    return out
