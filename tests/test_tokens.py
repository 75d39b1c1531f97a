"""Token economies against docs/methods.md#tokens: closed forms, invariants and exact conservation."""

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from opskit import tokens

CURVE = tokens.BondingCurve(m=1 / 400, n=2)


# --- bonding curve ---------------------------------------------------------------------------------

def test_bonding_curve_oracle():
    assert CURVE.price(140) == pytest.approx(49)
    assert CURVE.reserve(140) == pytest.approx(2286.67, abs=0.005)
    minted = CURVE.mint(140, 10)
    assert minted == pytest.approx(0.203785, abs=5e-7)
    assert 140 + minted == pytest.approx(140.2038, abs=5e-5)


def test_reserve_is_the_integral_of_price_not_price_times_supply():
    for s in (1.0, 37.5, 140.0):
        numeric, _ = integrate.quad(lambda u: CURVE.price(u), 0, s)
        assert CURVE.reserve(s) == pytest.approx(numeric, rel=1e-10)
        assert CURVE.reserve(s) == pytest.approx(CURVE.connector_weight * CURVE.price(s) * s)
    assert CURVE.reserve(140) != pytest.approx(CURVE.price(140) * 140)


def test_bancor_formula_equals_inverting_the_integral():
    for n in (0.5, 1, 2, 3):
        curve = tokens.BondingCurve(m=0.01, n=n)
        s, deposit = 250.0, 1234.5
        inverse = curve.supply_at(curve.reserve(s) + deposit) - s
        assert curve.mint(s, deposit) == pytest.approx(inverse, rel=1e-10)
    assert CURVE.mint(0, CURVE.reserve(140)) == pytest.approx(140)


def test_buying_then_selling_returns_the_deposit():
    minted = CURVE.mint(140, 10)
    assert CURVE.burn(140 + minted, minted) == pytest.approx(10, rel=1e-10)
    with pytest.raises(ValueError):
        CURVE.burn(10, 11)
    with pytest.raises(ValueError):
        tokens.BondingCurve(m=0, n=2)


# --- constant-product market ---------------------------------------------------------------------

def test_constant_product_oracle():
    assert tokens.swap_output(1000, 1000, 10, fee=0.003) == pytest.approx(9.87158, abs=5e-6)
    assert tokens.swap_output(1000, 1000, 10, fee=0.0) == pytest.approx(9.90099, abs=5e-6)


def test_k_never_decreases_over_random_trades():
    rng = np.random.default_rng(5)
    pool = tokens.ConstantProductPool(1000.0, 1000.0, fee=0.003)
    for _ in range(500):
        k = pool.k
        if rng.random() < 0.5:
            _, pool = pool.sell_x(float(rng.exponential(50)))
        else:
            _, pool = pool.sell_y(float(rng.exponential(50)))
        assert pool.k >= k * (1 - 1e-12)
        assert pool.x > 0 and pool.y > 0
    no_fee = tokens.ConstantProductPool(1000.0, 1000.0, fee=0.0)
    _, after = no_fee.sell_x(10)
    assert after.k == pytest.approx(no_fee.k, rel=1e-12)


def test_fee_is_taken_from_the_input_and_large_trades_move_the_price():
    pool = tokens.ConstantProductPool(1000.0, 1000.0, fee=0.003)
    dy, after = pool.sell_x(10)
    assert after.x == 1010  # the whole input, fee included, stays in the pool
    assert after.y == pytest.approx(1000 - dy)
    assert pool.price_impact(1) < pool.price_impact(100) < pool.price_impact(1000)


# --- exact splits --------------------------------------------------------------------------------

def test_splits_conserve_every_cent():
    rng = np.random.default_rng(11)
    cents = rng.integers(1, 10_000_000, 50_000)
    out = tokens.split_amounts(cents, {"commission": 0.173, "platform": 0.0625}, remainder="supplier")
    assert (out.sum(axis=1).to_numpy() == cents).all()
    assert (out >= 0).all().all()
    assert tokens.split_amounts([5], {"a": 0.5}, remainder="b").iloc[0].tolist() == [3, 2]  # half up
    with pytest.raises(ValueError):
        tokens.split_amounts([19.99], {"a": 0.1}, remainder="b")
    assert tokens.to_cents([19.99, 0.29, 1e6]).tolist() == [1999, 29, 100_000_000]


def test_royalty_split_conserves_each_trade_and_primary_sales_pay_no_royalty():
    price = np.arange(1, 5001)
    primary = price % 3 == 0
    out = tokens.trade_split(price, royalty_rate=0.05, take_rate=0.025, primary=primary)
    assert (out.sum(axis=1).to_numpy() == price).all()
    assert (out.loc[primary, "royalty"] == 0).all()
    assert out.loc[~primary, "royalty"].sum() == pytest.approx(0.05 * price[~primary].sum(), rel=1e-3)


def test_unbalanced_rows_finds_the_row_that_loses_a_cent():
    frame = pd.DataFrame({"amount": [10.00, 19.99, 7.35], "a": [3.00, 6.00, 2.00], "b": [7.00, 13.98, 5.35]})
    assert tokens.unbalanced_rows(frame, "amount", ["a", "b"]).index.tolist() == [1]


# --- the member economy --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def run():
    return tokens.simulate_economy(seed=3)


def test_same_seed_same_economy_and_another_seed_differs(run):
    again = tokens.simulate_economy(seed=3)
    pd.testing.assert_frame_equal(run.periods, again.periods)
    pd.testing.assert_frame_equal(run.trades, again.trades)
    assert not run.periods["trades"].equals(tokens.simulate_economy(seed=4).periods["trades"])


def test_points_ledger_is_exact(run):
    per, p = run.periods, run.params
    assert per["supply_start"].iloc[0] == p.n_members * p.initial_balance
    assert (per["supply"] == per["supply_start"] + per["issued"] - per["burned"]).all()
    assert (per["supply_start"].iloc[1:].to_numpy() == per["supply"].iloc[:-1].to_numpy()).all()
    assert per["supply"].iloc[-1] == run.members["balance"].sum()
    assert (run.members["balance"] >= 0).all()


def test_revenue_lines_sum_exactly_to_the_total(run):
    per = run.periods
    assert (per[list(tokens.REVENUE_LINES)].sum(axis=1) == per["revenue"]).all()
    assert (per["burned"] == per["revenue"] + per["material_cost"] + per["expired"]).all()
    assert per["trade_fee"].sum() == run.trades["fee"].sum()


def test_every_trade_conserves_the_price_and_royalties_reach_creators(run):
    t = run.trades
    assert len(t) > 1000
    assert (t["price"] == t["fee"] + t["royalty"] + t["seller_income"]).all()
    assert (t.loc[t["primary"], "seller"] == t.loc[t["primary"], "creator"]).all()
    assert (t.loc[t["primary"], "royalty"] == 0).all()
    assert (t["buyer"] != t["seller"]).all()
    earned = t.groupby("creator")["royalty"].sum()
    members = run.members.set_index("member_id")["royalties_earned"]
    assert (members.reindex(earned.index) == earned).all() and members.sum() == t["royalty"].sum()
    # planted rates are recovered from the trade log
    assert t["fee"].sum() / t["price"].sum() == pytest.approx(run.params.fee_rate, abs=0.002)
    resale = t.loc[~t["primary"]]
    assert resale["royalty"].sum() / resale["price"].sum() == pytest.approx(run.params.royalty_rate, abs=0.002)


def test_velocity_is_the_equation_of_exchange(run):
    per = run.periods
    average_supply = (per["supply_start"] + per["supply"]) / 2
    assert np.allclose(per["velocity"] * average_supply, per["spending"])  # M·V = P·Q


def test_higher_fees_drain_points_and_liquidity():
    table = tokens.sweep(fee_rates=(0.0, 0.05, 0.2), seeds=(0,), n_periods=30)
    assert table["supply_growth"].is_monotonic_decreasing
    assert table["fill_rate"].iloc[0] > table["fill_rate"].iloc[-1]
    assert table["trade_fee"].iloc[0] == 0
    chosen = tokens.choose_fee(table, min_fill=0.0, max_inflation=10.0)
    assert chosen == 0.0  # everything qualifies: the most liquid wins
    assert tokens.choose_fee(table, min_fill=0.99, max_inflation=0.01) is None


def test_expiry_is_a_sink_and_floating_prices_respond_to_demand():
    expiring = tokens.simulate_economy(seed=1, n_periods=20, expiry_rate=0.02)
    assert expiring.periods["expired"].sum() > 0
    floating = tokens.simulate_economy(seed=1, n_periods=20, price_adjust=0.5)
    per = floating.periods
    up = per["fill_rate"] > floating.params.target_fill
    assert (per.loc[up, "inflation"] > 0).all() and (per.loc[~up, "inflation"] <= 0).all()


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError):
        tokens.EconomyParams(fee_rate=0.7, royalty_rate=0.5)
    with pytest.raises(ValueError):
        tokens.EconomyParams(buy_prob=1.5)


# --- points and digital-asset markets: named queries against pandas ----------------------------

def _ledger():
    rng = np.random.default_rng(4)
    n = 2000
    reason = rng.choice(["order", "task", "redeem", "expire"], n, p=[0.55, 0.1, 0.3, 0.05])
    points = np.where(np.isin(reason, ["order", "task"]), 1, -1) * rng.integers(1, 200, n)
    return pd.DataFrame({"user_id": rng.choice(["001", "01", "1", "A9"], n), "points": points, "reason": reason,
                         "time": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 400 * 86400, n), "s")})


def test_points_economy_matches_pandas():
    ledger, as_of = _ledger(), pd.Timestamp("2026-01-01")
    got = tokens.points_economy(ledger, as_of=as_of, opening_balance=500)
    kept = ledger.loc[ledger["time"] < as_of]
    month = kept["time"].dt.to_period("M").dt.start_time
    by = kept.groupby([month, "reason"])["points"].sum().unstack(fill_value=0)
    assert np.allclose(got["issued"], by["order"] + by["task"])
    assert np.allclose(got["redeemed"], -by["redeem"]) and np.allclose(got["expired"], -by["expire"])
    outstanding = 500 + by.sum(axis=1).cumsum()
    assert np.allclose(got["outstanding"], outstanding)
    average = (outstanding.shift(1, fill_value=500) + outstanding) / 2
    assert np.allclose(got["velocity"] * average, got["redeemed"])  # M·V = P·Q, month by month


def _trades():
    # two assets: A sold by its creator, resold after 1 day at +50% (a flip), then after 30 days at par
    t = pd.to_datetime(["2025-09-01", "2025-09-02", "2025-10-02", "2025-09-05", "2025-09-05"])
    return pd.DataFrame({
        "trade_id": ["t1", "t2", "t3", "t4", "t5"], "asset_id": ["A", "A", "A", "B", "B"],
        "creator_id": ["007", "007", "007", "7", "7"], "seller_id": ["007", "x1", "x2", "7", "y"],
        "buyer_id": ["x1", "x2", "x3", "y", "z"], "trade_time": t,
        "price": [100.0, 150.0, 150.0, 80.0, 120.0], "platform_fee": [3.0, 4.0, 4.0, 2.0, 3.0],
        "royalty": [0.0, 8.0, 8.0, 0.0, 6.0], "seller_income": [97.0, 138.0, 138.0, 78.0, 111.0]})


def test_resale_behaviour_and_creator_earnings_on_a_known_log():
    trades, as_of = _trades(), pd.Timestamp("2026-01-01")
    resales = tokens.resale_behaviour(trades, as_of=as_of, flip_days=3, min_markup=1.2)
    assert resales.loc["x1", "flips"] == 1 and resales.loc["x2", "flips"] == 0
    assert resales.loc["x2", "mean_hold_days"] == pytest.approx(30)
    assert resales.loc["y", "flips"] == 1  # same-day resale at +50%, ties ordered by trade_id
    assert tokens.flag_speculators(resales, min_flips=1, min_share=1.0).sum() == 2
    earnings = tokens.creator_earnings(trades, as_of=as_of)
    assert earnings.loc["007", "primary_income"] == 97 and earnings.loc["007", "royalties"] == 16
    assert earnings.loc["7", "total"] == 84 and earnings.loc["7", "assets"] == 1
    check = tokens.split_check(trades)
    assert check["unbalanced"] == 0 and check["royalty_rate"] == pytest.approx(22 / 420)
    assert check["take_rate"] == pytest.approx(16 / 600) and check["primary_royalty"] == 0
    broken = trades.assign(seller_income=trades["seller_income"] + np.r_[0, 0.01, 0, 0, 0])
    assert tokens.split_check(broken)["unbalanced"] == len(tokens.unbalanced_rows(broken, "price",
                                                                                   ["platform_fee", "royalty", "seller_income"])) == 1


def test_token_widget_state_is_deterministic_and_exportable():
    import json

    from opskit.course.widgets import TokenEconomyExplorer

    explorer = TokenEconomyExplorer(tokens.EconomyParams(n_periods=12), fee_rate=0.08, seed=2)
    state = explorer.state()
    assert state == TokenEconomyExplorer(tokens.EconomyParams(n_periods=12), fee_rate=0.08, seed=2).state()
    assert json.loads(explorer.to_json())["fee_rate"] == 0.08
    assert sum(state["revenue_lines"].values()) == state["revenue"]
    assert "交易手续费 8.0%" in explorer.to_markdown()
    box, redraw = explorer.widget()
    assert len(box.children) == 3
