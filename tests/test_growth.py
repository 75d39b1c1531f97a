"""Growth models (docs/methods.md#decomposition, docs/methods.md#viral-growth, docs/methods.md#bass): Bass, the four growth models, life cycle, S-curve, BCG."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from sklearn.exceptions import NotFittedError

from opskit import decomposition, growth, viral
from opskit.data import engine
from opskit.errors import OpskitError
from opskit.sim import TRUTHS, load_demo

# docs/methods.md#bass: per-period adoptions, t = 1…10.
BASS_DATA = np.array([840, 1470, 2110, 4000, 7590, 10950, 10530, 9470, 7790, 5890])
T = np.arange(1, 11)


# --------------------------------------------------------------------------- Bass closed forms

def test_bass_closed_forms_match_methods_oracle():
    p, q = 0.03, 0.38
    assert growth.bass_peak_time(p, q) == pytest.approx(6.1926, abs=1e-4)
    t_star = growth.bass_peak_time(p, q)
    assert growth.bass_cdf(t_star, p, q) == pytest.approx(0.4605, abs=1e-4)
    assert growth.bass_pdf(t_star, p, q) == pytest.approx(0.11059, abs=1e-5)
    assert growth.bass_cdf([1, 5, 10], p, q) == pytest.approx([0.03576, 0.3312, 0.8128], abs=1e-4)
    h = 1e-6
    numeric = (growth.bass_cdf(t_star + h, p, q) - growth.bass_cdf(t_star - h, p, q)) / (2 * h)
    assert numeric == pytest.approx(growth.bass_pdf(t_star, p, q), abs=1e-9)


def test_bass_special_case_q_zero_and_monotone():
    t = np.linspace(0, 50, 200)
    assert np.allclose(growth.bass_cdf(t, 0.05, 0.0), 1 - np.exp(-0.05 * t))
    f = growth.bass_cdf(t, 0.01, 0.5)
    assert np.all(np.diff(f) > 0) and f[-1] < 1 and f[-1] > 0.999


# --------------------------------------------------------------------------- Bass NLS oracle

@pytest.mark.parametrize("form, expected, se", [
    ("interval", {"m": 67_660, "p": 0.008789, "q": 0.6422}, {"m": 3_071, "p": 0.00178, "q": 0.0426}),
    ("density", {"m": 67_981, "p": 0.006594, "q": 0.6381}, {"m": 3_128, "p": 0.00143, "q": 0.0414}),
])
@pytest.mark.parametrize("start", [None, (60_630, 0.03, 0.38)])
def test_bass_nls_reproduces_the_published_fit(form, expected, se, start):
    model = growth.BassModel(form=form, start=start).fit(T, BASS_DATA)
    summary = model.summary()
    for name in ("m", "p", "q"):
        assert model.params_[name] == pytest.approx(expected[name], rel=0.005), name
        assert summary.loc[name, "se"] == pytest.approx(se[name], rel=0.01), name


def test_bass_density_form_residual_se_peak_time_and_peak():
    model = growth.BassModel(form="density").fit(T, BASS_DATA)
    assert model.sigma_ == pytest.approx(727, abs=1)
    assert model.df_resid_ == 7
    assert model.peak_time() == pytest.approx(7.092, abs=1e-3)
    assert model.peak_adoptions() == pytest.approx(11_070, rel=1e-3)


def test_bass_fit_agrees_with_scipy_curve_fit():
    def interval(t, m, p, q):
        return m * (growth.bass_cdf(t, p, q) - growth.bass_cdf(t - 1, p, q))

    reference, cov = optimize.curve_fit(interval, T, BASS_DATA, p0=[60_630, 0.03, 0.38])
    model = growth.BassModel().fit(T, BASS_DATA)
    assert list(model.params_.values()) == pytest.approx(reference, rel=1e-5)
    assert model.summary()["se"].to_numpy() == pytest.approx(np.sqrt(np.diag(cov)), rel=1e-3)


def test_discrete_ols_is_the_biased_contrast():
    ols = growth.bass_ols(BASS_DATA)
    assert ols["m"] == pytest.approx(62_665, rel=0.005)
    assert ols["p"] == pytest.approx(0.0216, rel=0.01)
    assert ols["q"] == pytest.approx(0.6805, rel=0.005)
    nls = growth.BassModel().fit(T, BASS_DATA).params_
    assert 2.4 < ols["p"] / nls["p"] < 3.1  # "p off by ~3×" (2.5× vs interval NLS, 3.3× vs density)


def test_discrete_ols_reports_infeasible_fits_as_missing():
    rising = np.array([10.0, 15, 30, 70, 160, 400])  # c > 0: no saturation in sight
    assert np.isnan(growth.bass_ols(rising)["m"])


def test_bass_predictions_and_stage_boundaries():
    model = growth.BassModel().fit(T, BASS_DATA)
    assert model.predict(T) == pytest.approx(model.fitted_)
    m = model.params_["m"]
    assert model.predict_cumulative(1e6) == pytest.approx(m)
    assert np.sum(model.predict(np.arange(1, 500))) == pytest.approx(m, rel=1e-9)  # interval form telescopes
    b = model.stage_boundaries()
    p, q = model.params_["p"], model.params_["q"]
    assert b["peak"] - b["takeoff"] == pytest.approx(np.log(2 + np.sqrt(3)) / (p + q))
    assert b["takeoff"] < b["peak"] < b["slowdown"]


def test_bass_refuses_before_fit_and_on_bad_input():
    with pytest.raises(NotFittedError):
        growth.BassModel().peak_time()
    with pytest.raises(OpskitError, match="至少 4 期"):
        growth.BassModel().fit([1, 2, 3], [1, 2, 3])
    with pytest.raises(OpskitError):
        growth.BassModel().fit(T, -BASS_DATA)
    with pytest.raises(ValueError):
        growth.BassModel(form="logistic").fit(T, BASS_DATA)


def test_bass_recovers_the_planted_new_line_of_the_demo():
    truth = TRUTHS["business"]
    lines = load_demo("business_lines").sort_values("month")
    adopters = lines.loc[lines["line_id"] == truth["bass_line"], "new_customers"].to_numpy()
    model = growth.BassModel().fit(np.arange(1, len(adopters) + 1), adopters)
    se = model.summary()["se"]
    m = truth["bass_m_per_user"] * len(load_demo("users"))
    assert abs(model.params_["p"] - truth["bass_p"]) < 3 * se["p"]
    assert abs(model.params_["q"] - truth["bass_q"]) < 3 * se["q"]
    # m is identified by the realised number of adopters, itself Poisson around the planted m.
    assert abs(model.params_["m"] - m) < 3 * np.hypot(se["m"], np.sqrt(m))
    assert model.peak_time() == pytest.approx(truth["bass_peak_months"], abs=1.0)


# --------------------------------------------------------------------------- 用户蝴蝶模型

def test_butterfly_closed_forms():
    table = growth.butterfly(1_000, 0.5, 5)
    assert table["cumulative_users"].iloc[-1] == pytest.approx(1_968.75)
    assert np.allclose(table["cumulative_users"], table["new_users"].cumsum())
    n = 7
    u0, k = 300.0, 0.35
    assert growth.butterfly(u0, k, n)["cumulative_users"].iloc[-1] == pytest.approx(u0 * (1 - k ** (n + 1)) / (1 - k))
    assert growth.butterfly_limit(1_000, 0.5) == 2_000
    assert growth.butterfly(1_000, 0.5, 60)["cumulative_users"].iloc[-1] == pytest.approx(2_000)
    assert growth.butterfly_limit(10, 1.2) == float("inf")
    assert growth.butterfly(10, 2, 5)["cumulative_users"].tolist() == [10, 30, 70, 150, 310, 630]  # Lawler
    assert growth.butterfly(1_000, 1.0, 5)["cumulative_users"].iloc[-1] == 6_000
    # The closed form is opskit.viral's, not a copy.
    assert growth.butterfly(1_000, 1.5, 5)["cumulative_users"].iloc[-1] == viral.viral_users(1_000, 1.5, 5)


def test_referral_generations_follow_chains_with_string_ids():
    users = pd.DataFrame({
        "user_id": pd.Series(["007", "a1", "b2", "c3", "d4", "x", "y"], dtype="str"),
        "referrer_user_id": pd.Series([None, "007", "a1", "b2", "gone", "y", "x"], dtype="str"),
    })
    gen = growth.referral_generations(users)
    assert gen.loc["007"] == 0 and gen.loc["a1"] == 1 and gen.loc["b2"] == 2 and gen.loc["c3"] == 3
    assert gen.loc["d4"] == 1  # referrer cut from the export: treated as a seed outside the table
    assert gen[["x", "y"]].isna().all()  # a cycle is bad data, not an infinite loop


def test_demo_generations_shrink_by_about_k():
    users = load_demo("users")
    gen = growth.referral_generations(users)
    counts = gen.value_counts().sort_index()
    k = viral.k_factor(load_demo("referrals"), users)["k"]
    assert counts.index[0] == 0 and gen.notna().all()
    assert counts.loc[1] / counts.loc[0] == pytest.approx(k, rel=0.25)


# --------------------------------------------------------------------------- 经营单元分布模型

def test_unit_replication_is_a_convolution():
    openings = np.array([1, 0, 2, 3, 0, 1])
    ramp = np.array([10.0, 20, 30])
    out = growth.unit_replication(openings, ramp)
    expected = [sum(openings[s] * ramp[min(t - s, len(ramp) - 1)] for s in range(t + 1)) for t in range(6)]
    assert out["output"].tolist() == pytest.approx(expected)
    assert out["units_open"].tolist() == [1, 1, 3, 6, 6, 7]
    series = pd.Series([2, 1], index=pd.to_datetime(["2025-01-01", "2025-02-01"]))
    assert list(growth.unit_replication(series, [5.0])["output"]) == [10, 15]
    with pytest.raises(ValueError):
        growth.unit_replication([], [1.0])


def test_ramp_model_recovers_a_known_curve_pooled_and_by_unit():
    rng = np.random.default_rng(3)
    units = np.repeat([f"u{i}" for i in range(30)], 18)
    age = np.tile(np.arange(1, 19), 30)
    level = np.repeat(rng.lognormal(np.log(50), 0.3, 30), 18)
    output = rng.poisson(level * (1 - np.exp(-age / 2.5)))
    for unit in (None, units):
        model = growth.RampModel().fit(age, output, unit=unit)
        assert model.params_["tau"] == pytest.approx(2.5, rel=0.15)
        assert model.time_to(0.9) == pytest.approx(model.params_["tau"] * np.log(10))
    assert model.unit_levels_.index[0] == "u0"
    with pytest.raises(OpskitError):
        growth.RampModel().fit([0, 1, 2], [1, 2, 3])


def test_unit_ramp_of_the_demo_is_recovered():
    truth = TRUTHS["units"]
    ages = growth.unit_age_output(load_demo("unit_monthly"), load_demo("units"))
    for unit_type, rows in ages.groupby("unit_type"):
        model = growth.RampModel().fit(rows["age"], rows["new_users"], unit=rows["unit_id"])
        se = np.sqrt(np.diag(model.covariance_.to_numpy()))
        assert abs(model.params_["tau"] - truth["unit_ramp_tau_months"][unit_type]) < 3 * se[1], unit_type
        assert abs(model.params_["level"] - truth["unit_ramp_level"][unit_type]) < 3 * se[0], unit_type


def test_unit_age_query_matches_pandas():
    units = pd.DataFrame({"unit_id": ["s1", "s2"], "unit_type": ["门店", "网格"],
                          "open_month": pd.to_datetime(["2025-02-01", "2025-03-15"])})
    monthly = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-03-01",
                                                     "2025-05-01"]),
                            "unit_id": ["s1", "s1", "s1", "s2", "s2"], "new_users": [9, 1, 2, 3, 4],
                            "cost": [1.0, 1, 1, 1, 1]})
    out = growth.unit_age_output(monthly, units)
    assert out[["unit_id", "age", "new_users"]].values.tolist() == [["s1", 1, 1], ["s1", 2, 2], ["s2", 1, 3],
                                                                    ["s2", 3, 4]]


# --------------------------------------------------------------------------- 渠道通道模型

def test_partner_economics_break_even_share_zeroes_the_profit():
    monthly = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-01"]),
                            "partner_id": ["A", "A", "B"], "new_users": [10, 30, 0],
                            "gmv": [1_000.0, 3_000.0, 0.0], "commission": [100.0, 300.0, 0.0],
                            "support_cost": [50.0, 50.0, 20.0]})
    table = growth.partner_economics(monthly, gross_margin=0.25)
    a = table.loc["A"]
    assert a["net_profit"] == pytest.approx(4_000 * 0.25 - 400 - 100)
    assert a["break_even_share"] == pytest.approx((1_000 - 100) / 4_000)
    assert a["gmv"] * (0.25 - a["break_even_share"]) - a["support_cost"] == pytest.approx(0)
    assert a["cost_per_user"] == pytest.approx(500 / 40)
    assert np.isnan(table.loc["B", "break_even_share"]) and np.isnan(table.loc["B", "cost_per_user"])


# --------------------------------------------------------------------------- 流量漏斗模型

def _funnel_world(seed: int = 0):
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-01-01", "2025-03-31", freq="D")
    spend = pd.DataFrame({"date": np.repeat(days, 2), "channel_id": np.tile(["a", "b"], len(days)),
                          "spend": rng.uniform(10, 100, 2 * len(days)).round(2),
                          "impressions": rng.integers(1_000, 5_000, 2 * len(days)),
                          "clicks": rng.integers(10, 100, 2 * len(days))})
    n = 400
    install_time = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 89 * 86_400, n), unit="s")
    user = np.where(rng.random(n) < 0.7, [f"u{i:04d}" for i in range(n)], None)
    installs = pd.DataFrame({"install_time": install_time, "user_id": pd.Series(user, dtype="str")})
    owners = rng.choice([u for u in user if u is not None], 300)
    order_time = install_time[rng.integers(0, n, 300)] + pd.to_timedelta(rng.integers(-5, 60, 300), unit="D")
    orders = pd.DataFrame({"user_id": pd.Series(owners, dtype="str"), "order_time": order_time})
    return spend, installs, orders


def test_paid_funnel_query_matches_pandas_exactly():
    spend, installs, orders = _funnel_world()
    out = growth.paid_funnel(spend, installs, orders, buy_within_days=30)
    month = spend["date"].dt.to_period("M").dt.to_timestamp()
    expect = spend.groupby(month)[["impressions", "clicks", "spend"]].sum()
    first = orders.groupby("user_id")["order_time"].min()
    reg = installs.dropna(subset=["user_id"])
    delay = reg["user_id"].map(first) - reg["install_time"]
    bought = (delay >= pd.Timedelta(0)) & (delay < pd.Timedelta(days=30))
    by_month = installs["install_time"].dt.to_period("M").dt.to_timestamp()
    expect["installs"] = installs.groupby(by_month).size()
    expect["registrations"] = reg.groupby(by_month[reg.index]).size()
    expect["buyers"] = bought.groupby(by_month[reg.index]).sum()
    for col in ("impressions", "clicks", "installs", "registrations", "buyers"):
        assert out[col].tolist() == expect[col].astype(int).tolist(), col
    assert np.allclose(out["spend"], expect["spend"])
    assert out["cost_per_buyer"].iloc[0] == pytest.approx(out["spend"].iloc[0] / out["buyers"].iloc[0])


def test_funnel_rates_multiply_to_buyers_and_the_change_splits_exactly():
    before = {"impressions": 1e6, "clicks": 2e4, "installs": 3e3, "registrations": 2e3, "buyers": 500}
    after = {"impressions": 1.3e6, "clicks": 2.2e4, "installs": 3.5e3, "registrations": 2.6e3, "buyers": 540}
    assert np.prod(growth.funnel_rates(before)) == pytest.approx(500)
    change = growth.funnel_change(before, after)
    assert change.sum() == pytest.approx(40, abs=1e-9)
    assert change.equals(decomposition.lmdi(growth.funnel_rates(before), growth.funnel_rates(after)))


def test_funnel_change_on_the_methods_gmv_example():
    """docs/methods.md#decomposition LMDI-I contributions (UV, CR, AOV) through the same decomposition."""
    out = decomposition.lmdi({"uv": 100_000, "cr": 0.02, "aov": 200}, {"uv": 120_000, "cr": 0.018, "aov": 220})
    assert out.tolist() == pytest.approx([79_587.18, -45_992.07, 41_604.89], abs=0.01)


# --------------------------------------------------------------------------- 三大视角

def test_scoring_matrix_recommends_the_weighted_best():
    scores = pd.DataFrame({"渠道通道": [2, 3, 4], "用户蝴蝶": [5, 2, 3], "经营单元": [3, 4, 2]},
                          index=["用户", "竞争", "内部"])
    rec = growth.score_growth_models(scores, {"用户": 0.5, "竞争": 0.2, "内部": 0.3})
    assert rec.model == "用户蝴蝶"
    assert rec.table.loc["加权总分", "用户蝴蝶"] == pytest.approx(0.5 * 5 + 0.2 * 2 + 0.3 * 3)
    assert rec.margin == pytest.approx(3.8 - 2.9)
    assert growth.score_growth_models(scores, {"用户": 0, "竞争": 0, "内部": 1}).model == "渠道通道"
    with pytest.raises(OpskitError):
        growth.score_growth_models(scores, {"用户": 1})
    assert growth.scale_scores({"a": 1, "b": 3, "c": 5}).tolist() == [1, 3, 5]
    assert growth.scale_scores({"a": 2, "b": 2}).tolist() == [3, 3]


# --------------------------------------------------------------------------- life cycle and S-curve

def test_lifecycle_stages_follow_the_growth_rate_boundaries():
    months = pd.date_range("2020-01-01", periods=96, freq="MS")
    t = np.arange(96)
    s_curve = pd.Series(1_000 / (1 + np.exp(-0.12 * (t - 40))) + 50, index=months)
    stages = growth.lifecycle_stages(s_curve)
    assert (stages["stage"].iloc[:11] == "导入期").all()  # fewer than 12 months: too young to judge
    assert stages["stage"].iloc[30] == "成长期"
    assert stages["stage"].iloc[-1] == "成熟期"
    shrinking = pd.Series(1_000 * 0.99 ** t, index=months)
    assert (growth.lifecycle_stages(shrinking)["stage"].iloc[12:] == "衰退期").all()
    accelerating = pd.Series(1_000 * (1 + 0.0001 * t ** 2), index=months)
    early = growth.lifecycle_stages(accelerating).iloc[20]
    assert 0 <= early["growth"] < 0.10 and early["acceleration"] > 0 and early["stage"] == "导入期"


def test_growth_rate_is_half_on_half_annualised():
    level = pd.Series([100.0] * 6 + [110.0] * 6)
    rates = growth.growth_rates(level, window=12)
    assert rates["growth"].iloc[-1] == pytest.approx(1.1 ** 2 - 1)


def test_s_curve_finds_the_inflection_and_says_when_it_cannot():
    t = np.arange(36.0)
    rng = np.random.default_rng(1)
    level = 500 / (1 + np.exp(-0.3 * (t - 15))) * rng.lognormal(0, 0.01, 36)
    model = growth.SCurveModel().fit(t, level)
    assert model.params_["midpoint"] == pytest.approx(15, abs=0.5)
    assert model.inflection_status(now=35) == "past" and model.inflection_status(now=2) == "ahead"
    exponential = 100 * 1.015 ** t * rng.lognormal(0, 0.02, 36)
    assert growth.SCurveModel().fit(t, exponential).inflection_status(now=35) in ("ahead", "unclear")


# --------------------------------------------------------------------------- BCG

def test_relative_market_share_oracle():
    assert growth.relative_market_share([0.4, 0.2, 0.1]) == pytest.approx([2.0, 0.5, 0.25])
    assert growth.relative_market_share([0.3, 0.3, 0.1]).tolist() == pytest.approx([1.0, 1.0, 1 / 3])
    rng = np.random.default_rng(0)
    for _ in range(20):
        rms = growth.relative_market_share(rng.dirichlet(np.ones(5)))
        assert (rms > 1).sum() == 1


def test_bcg_quadrants_of_the_methods_example():
    assert growth.bcg_quadrant(0.15, 2.0) == "明星"
    assert growth.bcg_quadrant(0.03, 0.5) == "瘦狗"
    assert growth.bcg_quadrant(0.03, 2.0) == "现金牛"
    assert growth.bcg_quadrant(0.15, 0.5) == "问题"
    assert growth.bcg_quadrant(0.10, 1.0) == "明星"  # on the splits: high growth, leader
    assert growth.bcg_quadrant(np.nan, 1.2) == "数据不足"
    lines = pd.DataFrame({"market_growth": [0.15, 0.03], "own_share": [0.4, 0.1],
                          "largest_rival_share": [0.2, 0.2], "revenue": [3.0, 1.0]}, index=["a", "b"])
    out = growth.bcg_matrix(lines)
    assert out["relative_share"].tolist() == [2.0, 0.5]
    assert out["quadrant"].tolist() == ["明星", "瘦狗"]
    assert out["size_share"].sum() == pytest.approx(1)
    assert out["move"].str.contains("扶持明星").iloc[0]
    with pytest.raises(OpskitError):
        growth.bcg_matrix(lines.drop(columns="largest_rival_share"))


def test_bcg_on_the_demo_recovers_the_planted_quadrants():
    summary = growth.business_line_summary(load_demo("business_lines"))
    matrix = growth.bcg_matrix(summary)
    assert matrix["quadrant"].to_dict() == TRUTHS["business"]["bcg_quadrant"]


def test_business_line_summary_query_matches_pandas():
    lines = load_demo("business_lines").sort_values(["line_id", "month"])
    out = growth.business_line_summary(lines)
    for line_id, rows in lines.groupby("line_id"):
        last = rows.tail(12)
        assert out.loc[line_id, "revenue"] == pytest.approx(last["revenue"].sum())
        assert out.loc[line_id, "own_share"] == pytest.approx(last["revenue"].sum() / last["market_size"].sum())
        assert out.loc[line_id, "largest_rival_share"] == pytest.approx(last["largest_rival_share"].mean())
        assert out.loc[line_id, "market_growth"] == pytest.approx(
            rows["market_size"].iloc[-1] / rows["market_size"].iloc[-13] - 1)


def test_every_growth_query_is_documented_and_translates_to_spark():
    sqlglot = pytest.importorskip("sqlglot")
    for name in ("unit_age_output", "partner_totals", "business_line_summary", "paid_funnel_monthly",
                 "retention_by_channel", "staff_totals", "commission_arms", "staff_rate_cells", "gmv_by_members",
                 "users_by_channel", "spend_by_channel", "value_points"):
        header = engine.named(name).header
        assert header.startswith(f"{name}:") and "rules:" in header
        sqlglot.transpile(engine.sql(name), read="duckdb", write="spark",
                          unsupported_level=sqlglot.ErrorLevel.RAISE)


# --------------------------------------------------------------------------- 三大视角 widget

def test_scorer_widget_state_is_exportable_and_follows_the_sliders():
    import json

    from opskit.course import widgets

    scores = pd.DataFrame({"渠道通道": [2.0, 3, 4], "用户蝴蝶": [5.0, 2, 3]}, index=["用户", "竞争", "内部"])
    scorer = widgets.GrowthModelScorer(scores, {"用户": 0.5, "竞争": 0.2, "内部": 0.3}, notes={"来源": "测试"})
    state = json.loads(scorer.to_json())
    assert state["recommended"] == "用户蝴蝶" and state["scores"]["内部"]["渠道通道"] == 4
    assert "推荐的增长模型：**用户蝴蝶**" in scorer.to_markdown() and "来源：测试" in scorer.to_markdown()
    box, redraw = scorer.widget()
    weight = box.children[2].children[0]  # the 内部 row: its weight slider first
    weight.value = 1.0
    box.children[0].children[0].value = 0.0
    box.children[1].children[0].value = 0.0
    assert scorer.state()["recommended"] == "渠道通道"
    assert "渠道通道" in box.children[3].value


# --------------------------------------------------------------------------- staged rollout

def _rollout(cannibalisation: float, n: int, seed: int = 0, share: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    treated = rng.random(n) < share
    pre = rng.gamma(3, 30, n)
    main = pre * rng.lognormal(0, 0.2, n) * np.where(treated, 1 - cannibalisation, 1)
    new = np.where(treated, 15.0, 0)
    return pd.DataFrame({"stage": "s", "user_id": [f"u{i}" for i in range(n)],
                         "variant": np.where(treated, "treatment", "control"), "pre_revenue": pre,
                         "revenue": main + new, "main_revenue": main})


def test_rollout_readout_decides_by_the_guardrail():
    expand = growth.rollout_readout(_rollout(0.0, 20_000), exposure={"s": 0.5})
    assert expand.loc["s", "decision"] == "扩大灰度"
    assert expand.loc["s", "guardrail_lift"] == pytest.approx(0, abs=0.01)
    pause = growth.rollout_readout(_rollout(0.15, 20_000), exposure={"s": 0.5})
    assert pause.loc["s", "decision"] == "暂停优化"
    assert pause.loc["s", "guardrail_lift"] == pytest.approx(-0.15, abs=0.01)
    small = growth.rollout_readout(_rollout(0.02, 60, seed=3))
    assert small.loc["s", "decision"] in ("继续观察", "扩大灰度")
    srm = growth.rollout_readout(_rollout(0.0, 20_000, share=0.6), exposure={"s": 0.5})
    assert srm.loc["s", "decision"] == "先查分流"


def test_rollout_readout_uses_cuped_to_narrow_the_interval():
    data = _rollout(0.05, 4_000, seed=1)
    with_cuped = growth.rollout_readout(data)
    without = growth.rollout_readout(data, covariate=None)
    width = lambda r: r.loc["s", "guardrail_ci_high"] - r.loc["s", "guardrail_ci_low"]  # noqa: E731
    assert width(with_cuped) < 0.6 * width(without)
    with pytest.raises(OpskitError):
        growth.rollout_readout(data.drop(columns="main_revenue"))


def test_rollout_of_the_demo_shows_the_planted_cannibalisation():
    truth = TRUTHS["newbiz"]
    readout = growth.rollout_readout(load_demo("rollout"), exposure=truth["rollout_stage_exposure"])
    last = readout.iloc[-1]
    assert last["guardrail_ci_low"] < truth["rollout_main_change"] < last["guardrail_ci_high"]
    assert last["metric_ci_low"] < truth["rollout_total_lift"] < last["metric_ci_high"]
    assert not readout["srm"].any()
