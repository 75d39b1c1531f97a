"""Fraud signals: docs/methods.md#fraud oracles (CTIT classifier, flatness KS, injection rule) and the
planted fraud channel of the demo data."""

import numpy as np
import pandas as pd
import pytest

from opskit import fraud
from opskit.sim import TRUTHS, load_demo

HOUR = 3600.0


def test_ctit_classifier_oracle():
    assert fraud.flag_injection_ctit([2.0]).tolist() == [True]
    assert fraud.flag_injection_ctit([30 * 60.0]).tolist() == [False]
    rng = np.random.default_rng(1)
    ctit = np.concatenate([rng.uniform(3, 10, 200), 20 + rng.lognormal(5, 2, 800)])
    shares = [fraud.flag_injection_ctit(ctit, t).mean() for t in (1, 5, 10, 30, 60, 600, 3600)]
    assert all(a <= b for a, b in zip(shares, shares[1:]))


def test_injection_rule_oracle():
    click = pd.to_datetime(["2025-01-01 10:00:05", "2025-01-01 10:00:00", "2025-01-01 09:59:59"])
    begin = pd.to_datetime(["2025-01-01 10:00:00"] * 3)
    assert fraud.flag_injection_timestamps(click, begin).tolist() == [True, False, False]


def test_flatness_ks_oracle():
    rng = np.random.default_rng(7)
    organic = 20 + rng.lognormal(np.log(900), 1.8, 20_000)  # honest: decays within 2-24 h
    flooded = rng.uniform(2 * HOUR, 24 * HOUR, 500)
    res = fraud.flatness_test(flooded, organic)
    assert res["p_baseline"] < 0.01      # rejected against the organic CTIT distribution
    assert res["p_uniform"] > 0.05       # not rejected against the uniform on [2 h, 24 h]
    assert res["flat"]
    honest = fraud.flatness_test(20 + rng.lognormal(np.log(900), 1.8, 800), organic)
    assert not honest["flat"]


def test_fake_share_recovers_a_planted_mixture():
    rng = np.random.default_rng(3)
    baseline = 20 + rng.lognormal(np.log(600), 1.7, 50_000)
    honest = 20 + rng.lognormal(np.log(600), 1.7, 6000)
    fakes = np.concatenate([rng.uniform(3, 10, 2000), rng.uniform(2 * HOUR, 24 * HOUR, 2000)])
    est = fraud.fake_install_share(np.concatenate([honest, fakes]), baseline)
    assert est == pytest.approx(0.4, abs=0.03)
    assert fraud.fake_install_share(honest, baseline) == pytest.approx(0.0, abs=0.03)


def test_ip_concentration_uses_hhi():
    installs = pd.DataFrame({"channel_id": ["a"] * 4 + ["b"] * 4,
                             "ip": ["1", "1", "1", "1", "1", "2", "3", "4"]})
    ips = fraud.ip_concentration(installs, min_installs=2)
    assert ips.loc["a", "ip_hhi"] == pytest.approx(10_000)
    assert ips.loc["b", "ip_hhi"] == pytest.approx(2_500)
    assert ips.loc["a", "dense_ip_share"] == 1 and ips.loc["b", "dense_ip_share"] == 0


@pytest.fixture(scope="module")
def demo():
    return load_demo()


def test_demo_verdict_flags_the_planted_channel_and_no_honest_one(demo):
    truth = TRUTHS["acquisition"]
    verdict = fraud.fraud_verdict(demo["installs"], demo["orders"])
    assert verdict.index[verdict["flagged"]].tolist() == [truth["fraud_channel"]]
    assert verdict.loc[truth["fraud_channel"], "n_signals"] >= 3


def test_demo_wasted_spend_close_to_the_planted_share(demo):
    truth = TRUTHS["acquisition"]
    res = fraud.wasted_spend(demo["installs"], demo["channel_spend"], truth["fraud_channel"])
    # planted share 0.45; the realised share in the demo is about 0.50 (data card), so allow 0.08
    assert res["fake_share"] == pytest.approx(truth["fraud_wasted_spend_share"], abs=0.08)
    assert res["ip_share"] == pytest.approx(truth["fraud_wasted_spend_share"], abs=0.08)
    assert res["wasted"] == pytest.approx(res["fake_share"] * res["spend"])
