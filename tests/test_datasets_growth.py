"""Parts of the simulated company for the private-domain growth chapters (12–13).

Units with a ramp curve, the all-staff referral programme, partner channels with a co-branding
campaign, and the new-business survey and rollout: contracts, determinism and the recovery of
each planted truth, within a few standard errors of the sample at hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit import abtest, acquisition, growth, survey
from opskit.data import schema
from opskit.sim import newbiz, partners, staff, units
from opskit.sim.config import WorldConfig

PARTS = [units, staff, partners, newbiz]
Z = 4.0


def fake_users(n: int) -> pd.DataFrame:
    """The only core table these parts read: users with opaque string ids."""
    return pd.DataFrame({"user_id": pd.Series([f"U{i:06d}" for i in range(n)], dtype="str")})


@pytest.fixture(scope="module")
def cfg() -> WorldConfig:
    return WorldConfig(n_users=6000)


@pytest.fixture(scope="module")
def world(cfg) -> dict[str, pd.DataFrame]:
    return {"users": fake_users(cfg.n_users)}


@pytest.fixture(scope="module")
def tables(cfg, world) -> dict[str, pd.DataFrame]:
    out = {}
    for part in PARTS:
        out.update(part.simulate(cfg, world))
    return out


def test_each_part_has_truths_and_a_chinese_card():
    for part in PARTS:
        assert isinstance(part.TRUTHS, dict) and part.TRUTHS
        assert any("\u4e00" <= ch <= "\u9fff" for ch in part.CARD)


def test_parts_produce_their_tables_by_contract(tables):
    assert set(tables) == {"units", "unit_monthly", "staff_referrals", "partners", "partner_monthly",
                           "city_signups", "value_survey", "rollout"}
    for name, frame in tables.items():
        contract = schema.get(name)
        assert list(frame.columns) == contract.names, name
        for col in contract.columns:
            if not col.nullable:
                assert frame[col.name].notna().all(), f"{name}.{col.name}"
            if col.unique:
                assert frame[col.name].is_unique, f"{name}.{col.name}"
            if col.min_value is not None:
                assert (frame[col.name].dropna() >= col.min_value).all(), f"{name}.{col.name}"
            if col.dtype == "str":
                assert frame[col.name].dtype == pd.StringDtype(na_value=np.nan), f"{name}.{col.name}"


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.__name__.rsplit(".", 1)[-1])
def test_same_seed_same_tables_and_another_seed_differs(part, cfg, world, tables):
    for name, frame in part.simulate(cfg, world).items():
        pd.testing.assert_frame_equal(frame, tables[name])
    other = part.simulate(WorldConfig(n_users=cfg.n_users, seed=cfg.seed + 1), world)
    assert any(not other[name].equals(tables[name]) for name in other if name != "partners")


def test_references_resolve(tables, world):
    assert tables["unit_monthly"]["unit_id"].isin(tables["units"]["unit_id"]).all()
    assert tables["partner_monthly"]["partner_id"].isin(tables["partners"]["partner_id"]).all()
    assert tables["city_signups"]["cobrand_partner_id"].dropna().isin(tables["partners"]["partner_id"]).all()
    assert tables["rollout"]["user_id"].isin(world["users"]["user_id"]).all()
    assert tables["rollout"]["user_id"].is_unique


def test_money_is_rounded_to_cents(tables):
    for name, column in [("unit_monthly", "cost"), ("staff_referrals", "referred_gmv"),
                         ("staff_referrals", "commission"), ("partner_monthly", "gmv"),
                         ("partner_monthly", "commission"), ("rollout", "revenue"), ("rollout", "main_revenue")]:
        cents = tables[name][column].to_numpy() * 100
        assert np.allclose(cents, np.round(cents), atol=1e-6), f"{name}.{column}"


# --- planted truths ------------------------------------------------------------------------------

@pytest.mark.parametrize("unit_type", list(units.UNIT_TYPES))
def test_unit_ramp_is_recovered(tables, unit_type):
    ages = growth.unit_age_output(tables["unit_monthly"], tables["units"])
    rows = ages[ages["unit_type"] == unit_type]
    model = growth.RampModel().fit(rows["age"], rows["new_users"], unit=rows["unit_id"])
    se = np.sqrt(np.diag(model.covariance_.to_numpy()))
    assert abs(model.params_["tau"] - units.TRUTHS["unit_ramp_tau_months"][unit_type]) < Z * se[1]
    assert abs(model.params_["level"] - units.TRUTHS["unit_ramp_level"][unit_type]) < Z * se[0]
    assert (ages["age"] >= 1).all()
    pilots = tables["units"].query("unit_type == '门店'")["open_month"].sort_values().iloc[:3]
    assert (pilots.dt.month <= 3).all()


def test_staff_concentration_and_commission_optimum_are_recovered(tables):
    results = acquisition.staff_results(tables["staff_referrals"])
    measured = acquisition.staff_concentration(results)
    assert len(results) == staff.TRUTHS["staff_count"]
    # Poisson noise adds a little concentration on top of the planted ability spread.
    assert abs(measured["gini"] - staff.TRUTHS["staff_ability_gini"]) < 0.03
    assert abs(measured["top20_share"] - staff.TRUTHS["staff_ability_top20_share"]) < 0.03
    response = acquisition.commission_response(tables["staff_referrals"], gross_margin=staff.GROSS_MARGIN)
    assert abs(response.elasticity - staff.ELASTICITY) < Z * response.elasticity_se
    assert abs(response.optimal_rate - staff.TRUTHS["commission_optimal_rate"]) < 0.02
    # Each quarter the rates are balanced across staff.
    per_quarter = tables["staff_referrals"].groupby([tables["staff_referrals"]["month"].dt.quarter,
                                                     "commission_rate"]).size()
    assert per_quarter.nunique() == 1


def test_partner_economics_find_the_loss_making_agent(tables):
    table = growth.partner_economics(tables["partner_monthly"], tables["partners"],
                                     gross_margin=partners.GROSS_MARGIN)
    assert sorted(table.index[table["net_profit"] < 0]) == partners.TRUTHS["partner_loss_making"]
    expected = pd.Series(partners.TRUTHS["partner_break_even_share"])
    assert np.allclose(table["break_even_share"].reindex(expected.index), expected, atol=0.01)
    assert table["gmv"].idxmax() == partners.TRUTHS["partner_loss_making"][0]


def test_cobrand_increment_is_recovered_by_a_matched_baseline_not_by_before_after(tables):
    signups = tables["city_signups"]
    panel = signups.pivot(index="week", columns="city", values="new_users")
    live = signups.dropna(subset=["cobrand_partner_id"])
    assert sorted(live["city"].unique()) == sorted(partners.TRUTHS["cobrand_cities"])
    result = acquisition.matched_baseline(panel, partners.TRUTHS["cobrand_cities"], live["week"].min(),
                                          live["week"].max() + pd.Timedelta(days=7))
    truth = partners.TRUTHS["cobrand_expected_incremental_users"]
    assert abs(result.incremental - truth) < Z * result.std_error
    assert abs(result.lift - partners.COBRAND_LIFT) < 0.05
    assert result.naive_before_after > truth + Z * result.std_error  # the trap overstates


def test_value_map_finds_the_planted_roles(tables):
    table = survey.value_map(tables["value_survey"], newbiz.OWN_BRAND)
    assert table["role"].to_dict() == newbiz.TRUTHS["value_roles"]


def test_rollout_recovers_the_total_lift_and_the_cannibalisation(tables):
    rollout = tables["rollout"]
    shares = rollout.groupby("stage")["variant"].apply(lambda v: (v == "treatment").mean())
    for stage, exposed in newbiz.TRUTHS["rollout_stage_exposure"].items():
        assert abs(shares[stage] - exposed) < Z * np.sqrt(exposed * (1 - exposed) / (rollout["stage"] == stage).sum())
    control = rollout[rollout["variant"] == "control"]
    treated = rollout[rollout["variant"] == "treatment"]
    for column, truth in [("revenue", newbiz.TRUTHS["rollout_total_lift"]),
                          ("main_revenue", newbiz.TRUTHS["rollout_main_change"])]:
        result = abtest.welch_ttest(control[column], treated[column])
        se = (result.ci_high - result.ci_low) / (2 * 1.96)
        assert abs(result.diff - truth * newbiz.TRUTHS["rollout_control_revenue"]) < Z * se
    rho = np.corrcoef(rollout["pre_revenue"], rollout["main_revenue"])[0, 1]
    assert rho > 0.4  # a useful CUPED covariate
