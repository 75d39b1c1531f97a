import json

import numpy as np
import pytest

from opskit import viral
from opskit.course import widgets
from opskit.data.dataset import open_dataset
from opskit.sim import TRUTHS


@pytest.fixture(scope="module")
def demo():
    return open_dataset("", "", False)


def test_lawler_table():
    assert viral.simulate(10, 2, 5)["total_users"].tolist() == [10, 30, 70, 150, 310, 630]
    np.testing.assert_allclose(viral.viral_users(10, 2, np.arange(6)), [10, 30, 70, 150, 310, 630])


@pytest.mark.parametrize("k, expected", [(0.5, 1968.75), (1.0, 6000), (1.5, 20781.25), (2.0, 63000)])
def test_u0_1000_over_five_cycles(k, expected):
    assert viral.viral_users(1000, k, 5) == pytest.approx(expected, rel=1e-12)
    assert viral.simulate(1000, k, 5)["total_users"].iloc[-1] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("k", [0.3, 0.9, 1.0, 1.2, 3.0])
def test_closed_form_equals_simulation(k):
    sim = viral.simulate(50, k, 8)
    np.testing.assert_allclose(viral.viral_users(50, k, sim.index.to_numpy()), sim["total_users"], rtol=1e-12)


def test_k_equal_one_branch_has_no_singularity():
    assert viral.viral_users(7, 1.0, 3) == 28
    assert viral.viral_users(7, 1.0 + 1e-12, 3) == pytest.approx(28)
    assert np.isfinite(viral.users_at(7, 1.0, 5.0, np.array([0.0, 5.0, 7.5]))).all()


def test_k_below_one_tends_to_amplified_limit():
    assert viral.viral_users(1000, 0.5, 200) == pytest.approx(2000)
    assert viral.users_at(1000, 0.5, 5.5, 11.0) == viral.viral_users(1000, 0.5, 2)


def test_k_factor_recovers_planted_referral_truth(demo):
    truth = TRUTHS["acquisition"]
    got = viral.k_factor(demo["referrals"], demo["users"])
    assert got["c"] == pytest.approx(truth["referral_invite_conversion_c"], abs=0.03)
    assert got["i"] == pytest.approx(truth["referral_invites_per_user_i"], abs=0.1)
    assert got["k"] == pytest.approx(truth["referral_k_factor"], abs=0.02)
    assert got["k"] == pytest.approx(got["i"] * got["c"])
    assert got["cycle_time_days"] == pytest.approx(truth["referral_cycle_time_days"], abs=0.75)


def test_explorer_state_is_exportable():
    ex = widgets.ViralExplorer(k=2.0, cycle_time=10, u0=10, horizon_days=50)
    state = json.loads(ex.to_json())
    assert state["users_at_horizon"] == 630 and state["cycles"] == 5 and state["limit"] is None
    box, redraw = ex.widget()
    box.children[0].children[0].value = 0.5
    assert ex.state()["k"] == 0.5 and ex.state()["limit"] == 20
