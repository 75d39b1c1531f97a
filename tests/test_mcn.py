"""The 达人 matrix methods: named queries against pandas, estimators against known truths, exact splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from opskit import mcn

AS_OF = pd.Timestamp("2026-01-01")
START = AS_OF - pd.Timedelta(days=180)


def _ids(prefix: str, n: int) -> np.ndarray:
    """Opaque string ids with leading zeros, so nothing may treat them as numbers."""
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), 4))


@pytest.fixture(scope="module")
def follower_orders() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 3000
    kol = rng.choice(_ids("0", 6), n)
    follower = np.char.add(kol, np.char.add("-", rng.integers(0, 40, n).astype(str)))
    seconds = rng.integers(0, 190 * 86_400, n)
    cents = rng.integers(500, 30_000, n)
    split = mcn.s2b2c_split(cents / 100, commission_rate=0.2, platform_rate=0.06)
    return pd.DataFrame({
        "order_id": _ids("P", n), "kol_id": kol, "follower_id": follower,
        "order_time": (START.to_datetime64() + seconds.astype("timedelta64[s]")).astype("datetime64[us]"),
        "amount": cents / 100, **{c: split[c].to_numpy() for c in split},
        "account_owner": rng.choice(["公司", "达人"], n),
    })


# --- named queries against plain pandas ---------------------------------------------------------

def test_kol_summary_matches_pandas_and_keeps_zero_sales_kols():
    rng = np.random.default_rng(1)
    daily = pd.DataFrame({"date": pd.Timestamp("2025-07-01") + pd.to_timedelta(rng.integers(0, 90, 400), "D"),
                          "kol_id": rng.choice(["007", "07", "K1"], 400),
                          "impressions": rng.integers(0, 1000, 400), "engagements": rng.integers(0, 50, 400),
                          "orders": rng.integers(0, 9, 400), "gmv": rng.random(400) * 100,
                          "returns": rng.random(400) * 10, "cost": rng.random(400) * 30})
    got = mcn.kol_summary(daily, pd.DataFrame({"kol_id": ["007", "07", "K1", "0007"]}))
    expected = daily.groupby("kol_id")[["gmv", "returns", "cost", "orders"]].sum()
    assert list(got.index) == ["007", "07", "K1", "0007"]
    assert np.allclose(got.loc[expected.index, ["gmv", "returns", "cost", "orders"]], expected)
    assert got.loc["0007", "gmv"] == 0 and got.loc["0007", "active_days"] == 0
    assert (got.loc[expected.index, "active_days"] == daily.groupby("kol_id")["date"].nunique()).all()


def test_follower_summary_matches_pandas(follower_orders):
    got = mcn.follower_summary(follower_orders, as_of=AS_OF).set_index(["kol_id", "account_owner"])
    kept = follower_orders.loc[follower_orders["order_time"] < AS_OF]
    expected = kept.groupby(["kol_id", "account_owner"]).agg(
        orders=("order_id", "size"), followers=("follower_id", "nunique"), gmv=("amount", "sum"),
        commission=("commission", "sum"))
    assert (got["orders"] == expected["orders"]).all() and (got["followers"] == expected["followers"]).all()
    assert np.allclose(got[["gmv", "commission"]], expected[["gmv", "commission"]])


def test_repeat_within_matches_pandas(follower_orders):
    days = 7
    cut = pd.Series({"0000": AS_OF - pd.Timedelta(days=40)})
    got = mcn.repeat_rates(follower_orders, days=days, as_of=AS_OF, group="kol_id", buyer="follower_id", cutoffs=cut)
    o = follower_orders.loc[follower_orders["order_time"] < AS_OF].sort_values(["kol_id", "follower_id", "order_time"])
    o = o.assign(next_time=o.groupby(["kol_id", "follower_id"])["order_time"].shift(-1))
    first = o.groupby(["kol_id", "follower_id"]).head(1).copy()
    first["end"] = first["kol_id"].map(cut).fillna(AS_OF)
    first = first.loc[first["order_time"] < first["end"]]  # orders after a cutoff still start a history
    eligible = first.loc[first["end"] - first["order_time"] >= pd.Timedelta(days=days)]
    repeat = (eligible["next_time"].notna() & (eligible["next_time"] < eligible["end"])
              & (eligible["next_time"] - eligible["order_time"] <= pd.Timedelta(days=days)))
    expected = pd.DataFrame({"buyers": eligible.groupby("kol_id").size(),
                             "repeaters": repeat.groupby(eligible["kol_id"]).sum()})
    assert (got[["buyers", "repeaters"]] == expected.loc[got.index]).all().all()
    low, high = proportion_confint(got["repeaters"], got["buyers"], method="wilson")
    assert np.allclose(got["ci_low"], low) and np.allclose(got["ci_high"], high)
    platform = mcn.repeat_rates(follower_orders, days=days, as_of=AS_OF, buyer="follower_id")
    assert platform.index.tolist() == ["platform"]


def test_follower_histories_match_pandas(follower_orders):
    cut = pd.Series({"0003": AS_OF - pd.Timedelta(days=30)})
    got = mcn.follower_histories(follower_orders, as_of=AS_OF, cutoffs=cut).set_index(["kol_id", "follower_id"])
    o = follower_orders.assign(end=follower_orders["kol_id"].map(cut).fillna(AS_OF))
    o = o.loc[o["order_time"] < o["end"]]
    g = o.groupby(["kol_id", "follower_id"]).agg(n=("order_id", "size"), first=("order_time", "min"),
                                                 last=("order_time", "max"), end=("end", "max"))
    assert (got["repeats"] == g["n"] - 1).all()
    assert np.allclose(got["recency_days"], (g["last"] - g["first"]).dt.total_seconds() / 86400)
    assert np.allclose(got["observed_days"], (g["end"] - g["first"]).dt.total_seconds() / 86400)


def test_recruit_order_ages_and_response_times_match_pandas(follower_orders):
    roster = pd.DataFrame({"kol_id": _ids("0", 6),
                           "join_date": pd.to_datetime(["2025-01-01", "2025-07-10", "2025-08-01", "2025-09-15",
                                                        "2025-05-01", "2025-10-01"]),
                           "leave_date": pd.to_datetime([None, None, "2025-11-01", None, None, "2025-12-01"])})
    got = mcn.recruit_order_ages(follower_orders, roster, since=START, as_of=AS_OF)
    r = roster.set_index("kol_id")
    o = follower_orders.join(r, on="kol_id")
    keep = ((o["join_date"] >= START) & (o["order_time"] >= o["join_date"]) & (o["order_time"] < AS_OF)
            & (o["leave_date"].isna() | (o["order_time"] < o["leave_date"])))
    expected = ((o.loc[keep, "order_time"] - o.loc[keep, "join_date"]).dt.total_seconds() / 86400).sort_values()
    assert np.allclose(np.sort(got["age_days"]), expected.to_numpy())
    exposure = mcn.ramp_exposure(roster, since=START, as_of=AS_OF)
    assert exposure.to_dict() == {"00001": 175.0, "00002": 92.0, "00003": 108.0, "00005": 61.0}

    requests = pd.DataFrame({"request_id": ["q1", "q2", "q3", "q4"], "kol_id": ["007", "007", "7", "7"],
                             "request_time": pd.to_datetime(["2025-08-01", "2025-09-01", "2025-09-02", "2026-02-01"]),
                             "response_hours": [10.0, 30.0, 24.0, 99.0]})
    rt = mcn.response_times(requests, as_of=AS_OF, sla_hours=24)
    assert rt.loc["007", "mean_hours"] == 20 and rt.loc["007", "over_sla"] == 1
    assert rt.loc["7", "requests"] == 1 and rt.loc["7", "over_sla"] == 0  # 24h is within the SLA


# --- tiers and economics -------------------------------------------------------------------------

def test_matrix_tiers_by_cumulative_share():
    gmv = pd.Series([50, 20, 10, 8, 6, 4, 2], index=["a", "b", "c", "d", "e", "f", "g"])
    tiers = mcn.matrix_tiers(gmv)
    assert tiers.tolist() == ["头部", "腰部", "腰部", "尾部", "尾部", "尾部", "尾部"]
    assert mcn.matrix_tiers(pd.Series([1.0], index=["x"])).tolist() == ["头部"]


def test_kol_economics_is_roi_after_returns_not_roas():
    summary = pd.DataFrame({"gmv": [9000.0, 5000.0, 0.0], "returns": [5850.0, 500.0, 0.0],
                            "cost": [1000.0, 1000.0, 100.0]}, index=["K002", "K9", "K0"])
    roster = pd.DataFrame({"kol_id": ["K9"], "sample_cost": [100.0], "training_cost": [400.0]})
    out = mcn.kol_economics(summary, roster, gross_margin=0.25)
    assert out.loc["K002", "roas"] == 9
    assert out.loc["K002", "roi"] == pytest.approx(9 * 0.35 * 0.25 - 1)
    assert out.loc["K9", "full_cost"] == 1500 and out.loc["K9", "roi"] == pytest.approx(4500 * 0.25 / 1500 - 1)
    assert not out.loc["K002", "pays_back"] and np.isnan(out.loc["K0", "return_rate"])
    assert mcn.monthly_gmv(summary, months=3).loc["K002"] == 3000


# --- estimators ------------------------------------------------------------------------------------

def test_ramp_curve_recovers_a_planted_ramp_from_poisson_events():
    rng = np.random.default_rng(7)
    tau, units = 30.0, 40
    exposure = pd.Series(rng.uniform(40, 200, units), index=_ids("R", units))
    plateau = rng.uniform(1, 4, units)
    rows = []
    for unit, (e, a) in enumerate(zip(exposure, plateau)):  # thinning: exact inhomogeneous Poisson
        t = rng.uniform(0, e, rng.poisson(a * e))
        t = t[rng.random(t.size) < -np.expm1(-t / tau)]
        rows.append(pd.DataFrame({"kol_id": exposure.index[unit], "age_days": t}))
    events = pd.concat(rows, ignore_index=True)
    fit = mcn.RampCurve(n_boot=60).fit(events, exposure)
    assert fit.tau_ == pytest.approx(tau, rel=0.12)
    assert fit.tau_ci_[0] < tau < fit.tau_ci_[1]
    assert np.corrcoef(fit.plateau_, plateau)[0, 1] > 0.9
    assert fit.days_to(0.9) == pytest.approx(fit.tau_ * np.log(10))
    with pytest.raises(ValueError):
        mcn.RampCurve().fit(events.assign(age_days=-1.0), exposure)


def test_follower_lifetime_recovers_purchase_and_stay_rates():
    rng = np.random.default_rng(3)
    n, mu, lam = 20_000, 1 / 40, {"a": 1 / 4, "b": 1 / 14}
    group = rng.choice(list(lam), n)
    rate = pd.Series(group).map(lam).to_numpy()
    T = rng.uniform(10, 180, n)
    life = rng.exponential(1 / mu, n)
    active = np.minimum(life, T)
    x = rng.poisson(rate * active)
    tx = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1), 0.0)  # max of x uniforms
    histories = pd.DataFrame({"repeats": x, "recency_days": tx, "observed_days": T, "source": group})
    fit = mcn.FollowerLifetime().fit(histories, group="source")
    assert fit.stay_days_ == pytest.approx(40, rel=0.06)
    assert fit.stay_ci_[0] < 40 < fit.stay_ci_[1]
    assert fit.lambda_["a"] == pytest.approx(0.25, rel=0.05) and fit.lambda_["b"] == pytest.approx(1 / 14, rel=0.06)
    closed = lam["a"] / (lam["a"] + mu) * -np.expm1(-(lam["a"] + mu) * 7)
    assert fit.repeat_probability(7)["a"] == pytest.approx(closed, rel=0.03)


def test_leave_rate_model_recovers_a_planted_hazard_ratio():
    rng = np.random.default_rng(11)
    n = 4000
    hours = np.exp(rng.normal(np.log(30), 0.6, n))
    hazard = 0.001 * 2.5 ** (hours / 24 - 1)
    leave = rng.exponential(1 / hazard)
    table = pd.DataFrame({"exposure_days": np.minimum(leave, 180), "left": (leave < 180).astype(int),
                          "mean_hours": hours})
    out = mcn.leave_rate_model(table)
    assert out["ci_low"] < 2.5 < out["ci_high"] and out["rate_ratio"] == pytest.approx(2.5, rel=0.1)
    assert out["base_hazard_per_day"] == pytest.approx(0.001, rel=0.15)


# --- S2b2C and the pipeline ------------------------------------------------------------------------

def test_s2b2c_split_conserves_the_consumer_price_to_the_cent():
    prices = np.round(np.random.default_rng(2).uniform(0.01, 5000, 20_000), 2)
    out = mcn.s2b2c_split(prices, commission_rate=0.2, platform_rate=0.06)
    cents = np.round(out * 100).astype(np.int64)
    assert (cents.sum(axis=1).to_numpy() == np.round(prices * 100).astype(np.int64)).all()
    assert mcn.s2b2c_split([19.99], commission_rate=0.2, platform_rate=0.06).iloc[0].tolist() == [14.79, 4.0, 1.2]
    rates = mcn.split_rates(pd.DataFrame({"gmv": prices, **{c: out[c] for c in out}}))
    assert rates["commission"] == pytest.approx(0.2, abs=1e-4) and sum(rates.values()) == pytest.approx(1)


def test_pipeline_funnel_and_sign_rates():
    candidates = pd.DataFrame({
        "candidate_id": ["c1", "c2", "c3", "c4", "c5"], "source": ["老客", "老客", "员工", "员工", "员工"],
        "contact_date": pd.to_datetime(["2025-07-01"] * 5),
        "signed_date": pd.to_datetime(["2025-07-11", None, "2025-07-21", "2025-07-05", None]),
        "trained_date": pd.to_datetime(["2025-07-15", None, None, "2025-07-09", None]),
        "kol_id": ["001", None, "003", "004", None]})
    first_sale = pd.Series(pd.to_datetime(["2025-07-20", "2025-08-01", "2025-07-10"]), index=["001", "003", "004"])
    benchmark = pd.Series(pd.to_datetime(["2025-09-01", "2025-09-09"]), index=["001", "003"])
    f = mcn.funnel(candidates, first_sale, benchmark)
    assert f["candidates"].tolist() == [5, 3, 2, 2, 1]  # 003 reached 标杆 but skipped training
    assert f.loc["benchmark", "median_days"] == 62 and f.loc["signed", "step_rate"] == 0.6
    rates = mcn.sign_rates(candidates)
    assert rates.loc["员工", "rate"] == pytest.approx(2 / 3) and rates.loc["老客", "signed"] == 1


def test_benchmark_dates_use_a_trailing_window():
    daily = pd.DataFrame({"kol_id": ["a", "a", "a", "b"],
                          "day": pd.to_datetime(["2025-07-01", "2025-07-15", "2025-08-20", "2025-07-02"]),
                          "gmv": [600.0, 500.0, 1200.0, 100.0]})
    got = mcn.benchmark_dates(daily, threshold=1000, window_days=30)
    assert got.to_dict() == {"a": pd.Timestamp("2025-07-15")}


def test_ownership_and_stay_after_leaving():
    summary = pd.DataFrame({"kol_id": ["a", "a", "b"], "account_owner": ["公司", "达人", "达人"],
                            "gmv": [300.0, 100.0, 50.0], "followers": [3, 1, 2]})
    own = mcn.ownership(summary)
    assert own.loc["a", "company_gmv_share"] == 0.75 and own.loc["b", "company_gmv_share"] == 0
    roster = pd.DataFrame({"kol_id": ["a"], "join_date": pd.to_datetime(["2025-01-01"]),
                           "leave_date": pd.to_datetime(["2025-06-01"])})
    t = pd.to_datetime(["2025-05-20", "2025-05-25", "2025-06-10", "2025-05-22", "2025-08-01"])
    orders = pd.DataFrame({"kol_id": "a", "order_time": t, "account_owner": ["公司", "公司", "公司", "达人", "公司"]})
    stay = mcn.stay_after_leaving(orders, roster, window_days=30, as_of=AS_OF)
    assert stay.loc["公司", "ratio"] == 0.5 and stay.loc["达人", "after"] == 0


def test_plateau_rates_compare_units_at_full_strength():
    tau = 40.0
    spans = pd.DataFrame({"start_age": [0.0, 300.0], "end_age": [60.0, 480.0]}, index=["new", "old"])
    integral = np.array([60 - tau * (1 - np.exp(-60 / tau)), 180 - tau * (np.exp(-300 / tau) - np.exp(-480 / tau))])
    events = pd.DataFrame({"kol_id": ["new"] * 30 + ["old"] * 90})
    got = mcn.plateau_rates(events, spans, tau)
    assert np.allclose(got, [30 / integral[0], 90 / integral[1]])
    roster = pd.DataFrame({"kol_id": ["new", "old", "gone"], "join_date": pd.to_datetime(["2025-10-01", "2024-01-01", "2024-01-01"]),
                           "leave_date": pd.to_datetime([None, None, "2025-01-01"])})
    obs = mcn.observed_spans(roster, window_start="2025-07-01", as_of="2026-01-01")
    assert obs.index.tolist() == ["new", "old"] and obs.loc["new", "start_age"] == 0
    assert obs.loc["old", "end_age"] - obs.loc["old", "start_age"] == 184
