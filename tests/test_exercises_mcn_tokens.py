"""The checks of exercises 16 and 17 accept the right answer, name the usual mistakes and never raise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit import concentration, tokens
from opskit.course.exercises import mcn as check16
from opskit.course.exercises import tokens as check17
from opskit.sim import load_demo

AS_OF = pd.Timestamp("2026-01-01")


@pytest.fixture(scope="module")
def demo():
    return {name: load_demo(name) for name in ("kol_daily", "follower_orders", "asset_trades", "points_ledger")}


def said(capsys) -> str:
    return capsys.readouterr().out


def test_hhi_check(demo, capsys):
    gmv = demo["kol_daily"].groupby("kol_id")["gmv"].sum()
    assert check16.hhi(concentration.hhi(gmv), demo["kol_daily"])
    assert not check16.hhi(((gmv / gmv.sum()) ** 2).sum(), demo["kol_daily"])
    assert "百分数" in said(capsys)
    assert not check16.hhi(concentration.equivalent_number(gmv), demo["kol_daily"])
    assert "等效达人数" in said(capsys)
    for junk in (..., "很高", None, np.nan):
        assert not check16.hhi(junk, demo["kol_daily"])


def test_roi_check_names_roas_and_returns(demo, capsys):
    row = demo["kol_daily"].loc[demo["kol_daily"]["kol_id"] == "K002", ["gmv", "returns", "cost"]].sum()
    assert check16.trap_roi((row["gmv"] - row["returns"]) * 0.25 / row["cost"] - 1, demo["kol_daily"], "K002", 0.25)
    assert not check16.trap_roi(row["gmv"] / row["cost"], demo["kol_daily"], "K002", 0.25)
    assert "ROAS" in said(capsys)
    assert not check16.trap_roi(row["gmv"] * 0.25 / row["cost"] - 1, demo["kol_daily"], "K002", 0.25)
    assert "退货" in said(capsys)


def test_s2b2c_check_rejects_independent_rounding(capsys):
    prices = pd.Series([19.99, 0.07, 0.28, 3.33])  # 0.07 and 0.28 lose a cent when each line is rounded
    naive = pd.DataFrame({"supplier_amount": np.round(prices * 0.74, 2), "commission": np.round(prices * 0.2, 2),
                          "platform_fee": np.round(prices * 0.06, 2)})
    assert not check16.s2b2c(naive, prices, 0.2, 0.06)
    assert "余数" in said(capsys)
    from opskit import mcn

    assert check16.s2b2c(mcn.s2b2c_split(prices, commission_rate=0.2, platform_rate=0.06), prices, 0.2, 0.06)
    assert not check16.s2b2c([1, 2, 3], prices, 0.2, 0.06)


def test_months_check_names_the_ramp_and_units(capsys):
    assert not check16.months_to_replace(18_000 / 3600, 18_000, 3, 1200, 40)
    assert "爬坡" in said(capsys)
    assert not check16.months_to_replace(concentration.months_to_replace(18_000, 3, 1200, 40), 18_000, 3, 1200, 40)
    assert "单位" in said(capsys)
    tau = 40 / concentration.DAYS_PER_MONTH
    assert check16.months_to_replace(concentration.months_to_replace(18_000, 3, 1200, tau), 18_000, 3, 1200, 40)


def test_repeat_check_names_the_window(demo, capsys):
    orders = demo["follower_orders"].loc[demo["follower_orders"]["kol_id"] == "K001"]
    assert not check16.repeat_rate((orders.groupby("follower_id").size() >= 2).mean(), demo["follower_orders"], "K001", 7, AS_OF)
    assert "窗口" in said(capsys)


def test_token_checks(demo, capsys):
    curve = tokens.BondingCurve(m=1 / 400, n=2)
    assert check17.minted(curve.mint(140, 10), 1 / 400, 2, 140, 10)
    assert not check17.minted(10 / 49, 1 / 400, 2, 140, 10)
    assert "Bancor" in said(capsys)
    wrong = 140 * ((1 + 10 / (49 * 140)) ** (1 / 3) - 1)
    assert not check17.minted(wrong, 1 / 400, 2, 140, 10)
    assert "曲线下的面积" in said(capsys)
    assert check17.swap(tokens.swap_output(1000, 1000, 10, 0.003), 1000, 1000, 10, 0.003)
    assert not check17.swap(tokens.swap_output(1000, 1000, 10, 0.0) * 0.997, 1000, 1000, 10, 0.003)
    assert "产出" in said(capsys)
    earnings = tokens.creator_earnings(demo["asset_trades"], as_of=AS_OF)
    assert not check17.top_creator_share(earnings["royalties"].max() / earnings["royalties"].sum(), demo["asset_trades"], AS_OF)
    assert "版税" in said(capsys)
    ledger = demo["points_ledger"]
    end = ledger.loc[ledger["time"] < pd.Timestamp("2026-01-01"), "points"].sum()
    redeemed = -ledger.loc[(ledger["reason"] == "redeem") & (ledger["time"].dt.year == 2025), "points"].sum()
    assert not check17.yearly_velocity(redeemed / end, ledger, 2025)
    assert "平均存量" in said(capsys)
    table = pd.DataFrame({"fill_rate": [0.4, 0.35, 0.2], "supply_growth": [0.3, 0.02, -0.2]},
                         index=pd.Index([0.0, 0.05, 0.2], name="fee_rate"))
    assert check17.chosen_fee(0.05, table, 0.3, 0.05)
    assert not check17.chosen_fee(0.0, table, 0.3, 0.05)
    assert "成交率" in said(capsys)
    assert check17.chosen_fee(None, table, 0.9, 0.05)
    assert not check17.chosen_fee(..., table, 0.3, 0.05)
