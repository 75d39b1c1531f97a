"""The 达人 matrix, private domains and the co-creation pilot of the simulated company: contracts,
determinism and recovery of every planted truth on the bundled demo data with the kit's methods.

Statistical recoveries are asserted within a few standard errors of the sample at hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit import concentration, mcn, tokens
from opskit.data import schema
from opskit.sim import TRUTHS, kol, load_demo
from opskit.sim import mcn as sim_mcn
from opskit.sim import ugc as sim_ugc
from opskit.sim.config import WorldConfig

AS_OF = pd.Timestamp("2026-01-01")
WINDOW_START = AS_OF - pd.Timedelta(days=kol.N_DAYS)
Z = 4.0
NEW_TABLES = ("kol_roster", "kol_requests", "follower_orders", "kol_candidates", "asset_trades")


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    names = ("kols", "kol_daily", "orders") + NEW_TABLES
    return {name: load_demo(name) for name in names}


def _world(seed: int) -> dict[str, pd.DataFrame]:
    cfg = WorldConfig(n_users=4000, seed=seed)
    world = {"users": pd.DataFrame({"user_id": np.arange(cfg.n_users)})}
    for part in (kol, sim_mcn, sim_ugc):
        world.update(part.simulate(cfg, world))
    return world


# --- contracts and determinism ---------------------------------------------------------------------

def test_parts_are_deterministic_and_follow_their_contracts():
    first, again, other = _world(5), _world(5), _world(6)
    for name in NEW_TABLES:
        pd.testing.assert_frame_equal(first[name], again[name], check_exact=True)
        contract = schema.get(name)
        assert list(first[name].columns) == contract.names
        for col in contract.columns:
            if col.unique:
                assert first[name][col.name].is_unique, (name, col.name)
            if not col.nullable:
                assert first[name][col.name].notna().all(), (name, col.name)
    assert not first["follower_orders"]["order_time"].equals(other["follower_orders"]["order_time"])
    assert not first["asset_trades"]["price"].equals(other["asset_trades"]["price"])


def test_ids_are_opaque_strings(demo):
    for name, col in [("follower_orders", "follower_id"), ("follower_orders", "order_id"),
                      ("kol_candidates", "candidate_id"), ("asset_trades", "buyer_id"), ("kol_requests", "request_id")]:
        assert demo[name][col].dtype == pd.StringDtype(na_value=np.nan), (name, col)
    assert demo["follower_orders"]["follower_id"].str.match(r"wx\d{8}$").all()


def test_the_matrix_is_consistent_in_time(demo):
    roster, daily = demo["kol_roster"].set_index("kol_id"), demo["kol_daily"]
    recruits = TRUTHS["kol"]["kol_recruits"]
    assert set(roster.index[roster["join_date"] >= WINDOW_START]) == set(recruits)
    joined = daily["kol_id"].map(roster["join_date"])
    left = daily["kol_id"].map(roster["leave_date"])
    assert (daily["date"] >= joined).all() and (left.isna() | (daily["date"] < left)).all()
    assert roster.loc[["K001", "K002", "K003"], "leave_date"].isna().all()
    requests = demo["kol_requests"]
    assert (requests["request_time"] >= requests["kol_id"].map(roster["join_date"])).all()
    orders = demo["follower_orders"]
    after_leave = orders["order_time"] >= orders["kol_id"].map(roster["leave_date"])
    assert (orders.loc[after_leave, "account_owner"] == "公司").all()  # the KOL's own list left with it
    assert roster.loc[roster["training_cost"] > 0].index.isin(recruits).all()


# --- planted truths recovered with the kit's methods --------------------------------------------

def test_head_kol_share_and_hhi_are_recovered(demo):
    summary = mcn.kol_summary(demo["kol_daily"], demo["kols"])
    share = summary["gmv"] / summary["gmv"].sum()
    planted = pd.Series(TRUTHS["kol"]["kol_gmv_share"])
    assert share.loc["K001"] == pytest.approx(planted["K001"], abs=1e-4)
    assert (share - planted.reindex(share.index)).abs().max() < 1e-4
    assert concentration.hhi(summary["gmv"]) == pytest.approx(TRUTHS["kol"]["kol_hhi"], rel=1e-4)
    assert concentration.top_k_share(summary["gmv"], 3) == pytest.approx(TRUTHS["kol"]["kol_top3_share"], abs=1e-4)


def test_trap_kol_roi_is_negative_after_returns(demo):
    economics = mcn.kol_economics(mcn.kol_summary(demo["kol_daily"]), gross_margin=TRUTHS["kol"]["kol_gross_margin"])
    trap = TRUTHS["kol"]["kol_trap"]
    assert economics.loc[trap, "roas"] == pytest.approx(TRUTHS["kol"]["kol_trap_roas"], rel=1e-3)
    assert economics.loc[trap, "roi"] == pytest.approx(TRUTHS["kol"]["kol_trap_roi"], abs=0.1)


def test_follower_stay_is_the_planted_ramp_and_purchase_rates_by_source(demo):
    roster = demo["kol_roster"].set_index("kol_id")
    histories = mcn.follower_histories(demo["follower_orders"], as_of=AS_OF, cutoffs=roster["leave_date"])
    histories["source"] = histories["kol_id"].map(roster["source"])
    fit = mcn.FollowerLifetime().fit(histories, group="source")
    se = (np.log(fit.stay_ci_[1]) - np.log(fit.stay_ci_[0])) / (2 * 1.96)
    assert abs(np.log(fit.stay_days_ / TRUTHS["kol"]["kol_ramp_tau_days"])) < Z * se
    planted = pd.Series(TRUTHS["mcn"]["follower_order_rate_per_day"])
    assert ((fit.lambda_ / planted.reindex(fit.lambda_.index) - 1).abs() < 0.15).all()


def test_direct_ramp_fit_on_recruits_is_consistent_with_the_planted_ramp(demo):
    ages = mcn.recruit_order_ages(demo["follower_orders"], demo["kol_roster"], since=WINDOW_START, as_of=AS_OF)
    exposure = mcn.ramp_exposure(demo["kol_roster"], since=WINDOW_START, as_of=AS_OF)
    fit = mcn.RampCurve(n_boot=100).fit(ages, exposure)
    assert fit.n_units_ == len(TRUTHS["kol"]["kol_recruits"])
    assert fit.tau_ci_[0] < TRUTHS["kol"]["kol_ramp_tau_days"] < fit.tau_ci_[1]


def test_repeat_rates_by_source_match_the_closed_form(demo):
    roster = demo["kol_roster"].set_index("kol_id")
    rates = mcn.repeat_rates(demo["follower_orders"], days=7, as_of=AS_OF, group="kol_id", buyer="follower_id",
                             cutoffs=roster["leave_date"])
    by_source = rates.groupby(rates.index.map(roster["source"]))[["buyers", "repeaters"]].sum()
    p = by_source["repeaters"] / by_source["buyers"]
    truth = pd.Series(TRUTHS["mcn"]["follower_repeat_7d"]).reindex(p.index)
    se = np.sqrt(truth * (1 - truth) / by_source["buyers"])
    assert ((p - truth).abs() < Z * se).all()


def test_leaving_follows_supply_chain_response_time(demo):
    response = mcn.response_times(demo["kol_requests"], as_of=AS_OF)
    table = mcn.tenure_table(demo["kol_roster"], response, window_start=WINDOW_START, as_of=AS_OF)
    out = mcn.leave_rate_model(table)
    se = (np.log(out["ci_high"]) - np.log(out["ci_low"])) / (2 * 1.96)
    assert abs(np.log(out["rate_ratio"] / TRUTHS["kol"]["kol_leave_rate_ratio_per_response_day"])) < Z * se
    assert out["rate_ratio"] > 1 and out["p_value"] < 0.05


def test_s2b2c_split_is_exact_and_rates_are_recovered(demo):
    orders = demo["follower_orders"]
    assert tokens.unbalanced_rows(orders, "amount", ["supplier_amount", "commission", "platform_fee"]).empty
    redone = mcn.s2b2c_split(orders["amount"], commission_rate=TRUTHS["mcn"]["s2b2c_commission_rate"],
                             platform_rate=TRUTHS["mcn"]["s2b2c_platform_rate"])
    assert np.allclose(redone.to_numpy(), orders[["supplier_amount", "commission", "platform_fee"]].to_numpy())
    rates = mcn.split_rates(mcn.follower_summary(orders, as_of=AS_OF))
    assert rates["commission"] == pytest.approx(TRUTHS["mcn"]["s2b2c_commission_rate"], abs=1e-4)
    assert rates["platform_fee"] == pytest.approx(TRUTHS["mcn"]["s2b2c_platform_rate"], abs=1e-4)


def test_list_ownership_and_what_stays_when_a_kol_leaves(demo):
    roster = demo["kol_roster"].set_index("kol_id")
    summary = mcn.follower_summary(demo["follower_orders"], as_of=AS_OF)
    own = mcn.ownership(summary)
    followers = summary.groupby("kol_id")["followers"].sum()
    by_source = (own["company_follower_share"] * followers).groupby(roster["source"]).sum() / \
        followers.groupby(roster["source"]).sum()
    truth = pd.Series(TRUTHS["mcn"]["company_owned_share"]).reindex(by_source.index)
    n = followers.groupby(roster["source"]).sum()
    assert ((by_source - truth).abs() < Z * np.sqrt(truth * (1 - truth) / n) + 0.02).all()
    stay = mcn.stay_after_leaving(demo["follower_orders"], demo["kol_roster"], as_of=AS_OF)
    assert stay.loc["达人", "after"] == 0
    assert 0 < stay.loc["公司", "ratio"] < 1


def test_sign_rates_by_source_are_the_planted_ones(demo):
    rates = mcn.sign_rates(demo["kol_candidates"])
    truth = pd.Series(TRUTHS["mcn"]["candidate_sign_rate"]).reindex(rates.index)
    assert ((rates["rate"] - truth).abs() < 0.06).all()
    assert rates["signed"].sum() == len(TRUTHS["kol"]["kol_recruits"])
    referred = demo["kol_candidates"].dropna(subset=["referrer_kol_id"])
    assert (referred["source"] == "达人推荐").all()


def test_digital_asset_trades_conserve_and_reveal_the_flippers(demo):
    trades = demo["asset_trades"]
    check = tokens.split_check(trades)
    assert check["unbalanced"] == 0 and check["primary_royalty"] == 0
    assert check["take_rate"] == pytest.approx(TRUTHS["ugc"]["asset_take_rate"], abs=1e-3)
    assert check["royalty_rate"] == pytest.approx(TRUTHS["ugc"]["asset_royalty_rate"], abs=1e-3)
    resales = tokens.resale_behaviour(trades, as_of=AS_OF)
    flagged = set(resales.index[tokens.flag_speculators(resales)])
    planted = set(TRUTHS["ugc"]["asset_flippers"])
    assert len(flagged & planted) / len(flagged) >= 0.9
    assert len(flagged & planted) / len(planted & set(resales.index)) >= 0.5
    earnings = tokens.creator_earnings(trades, as_of=AS_OF)
    assert earnings["royalties"].sum() == trades["royalty"].sum()
    assert concentration.gini(earnings["total"]) > 0.5  # a few star creators


def test_training_lifts_the_private_domain_plateau(demo):
    roster = demo["kol_roster"].set_index("kol_id")
    ages = mcn.recruit_order_ages(demo["follower_orders"], demo["kol_roster"], since=roster["join_date"].min(), as_of=AS_OF)
    spans = mcn.observed_spans(demo["kol_roster"], window_start=WINDOW_START, as_of=AS_OF)
    plateau = mcn.plateau_rates(ages, spans, TRUTHS["kol"]["kol_ramp_tau_days"])
    tail = demo["kols"].set_index("kol_id")["tier"].reindex(plateau.index) == "尾部"
    log_p = np.log(plateau[tail & (plateau > 0)])
    trained = roster["trained"].reindex(log_p.index) == 1
    diff = log_p[trained].mean() - log_p[~trained].mean()
    se = np.sqrt(log_p[trained].var() / trained.sum() + log_p[~trained].var() / (~trained).sum())
    assert abs(diff - np.log(TRUTHS["mcn"]["training_plateau_lift"])) < Z * se
    assert diff > 0


def test_company_followers_keep_buying_at_the_planted_rate_after_a_departure(demo):
    window = 30
    stay = mcn.stay_after_leaving(demo["follower_orders"], demo["kol_roster"], window_days=window, as_of=AS_OF)
    days = window * stay.attrs["kols"]
    before, after = stay.loc["公司", "before"] * days, stay.loc["公司", "after"] * days  # order counts
    tau = TRUTHS["mcn"]["follower_stay_days"]
    # no new followers after the departure, and the active ones keep leaving at rate 1/tau
    expected = TRUTHS["mcn"]["company_follower_stay_rate"] * tau / window * -np.expm1(-window / tau)
    se_log = np.sqrt(1 / before + 1 / after)
    assert abs(np.log(after / before) - np.log(expected)) < Z * se_log


def test_head_private_domains_reach_their_planted_plateau(demo):
    roster = demo["kol_roster"]
    ages = mcn.recruit_order_ages(demo["follower_orders"], roster, since=roster["join_date"].min(), as_of=AS_OF)
    spans = mcn.observed_spans(roster, window_start=WINDOW_START, as_of=AS_OF)
    plateau = mcn.plateau_rates(ages, spans, TRUTHS["kol"]["kol_ramp_tau_days"])
    for kol_id, planted in TRUTHS["mcn"]["head_plateau_orders_per_day"].items():
        # orders cluster by follower (about 3 each), so allow about 3 clustered standard errors
        assert plateau[kol_id] == pytest.approx(planted, rel=0.25), kol_id
