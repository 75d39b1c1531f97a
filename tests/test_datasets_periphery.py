"""Peripheral parts of the simulated company: contracts, determinism and planted truths.

The tests build a small fake ``users``/``orders`` world of their own, so they do not depend on the
core generator. Statistical recoveries are asserted within a few standard errors computed from the
sample at hand, so the tolerances follow the sample size instead of being tuned to one seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize, special, stats

from opskit.data import schema
from opskit.sim import business, campaigns, community, homepage, kol, loyalty, survey
from opskit.sim._periphery import conform, user_positions
from opskit.sim.config import WorldConfig

PARTS = [loyalty, community, campaigns, homepage, kol, survey, business]
N_USERS = 8000
Z = 4.0  # recoveries within 4 standard errors: a false alarm has probability < 1e-4 per check


def fake_world(cfg: WorldConfig, orders_per_user: float = 10.0, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Users registering over the first 90% of the world and heterogeneous Poisson buyers.

    User ids are unsorted hexadecimal text (``u1eef``), as a company's would be: the parts must
    not assume ids are numbers, dense or sorted.
    """
    rng = np.random.default_rng([seed, cfg.n_users])
    n = cfg.n_users
    span_s = int((cfg.end - cfg.start) / pd.Timedelta(seconds=1))
    reg_s = np.sort(rng.integers(0, int(0.9 * span_s), n))
    base = np.datetime64(cfg.start, "s")

    def choice(values, p=None):
        return pd.Series(rng.choice(values, n, p=p), dtype="str")

    ids = pd.Series([f"u{(i * 7919) % n:x}" for i in range(1, n + 1)], dtype="str")
    users = pd.DataFrame({
        "user_id": ids,
        "register_time": (base + reg_s.astype("timedelta64[s]")).astype("datetime64[us]"),
        "channel_id": choice(["app_store", "feed_ads", "kol", "referral"]),
        "city_tier": choice(["一线", "新一线", "二线", "三线及以下"], [0.2, 0.25, 0.25, 0.3]),
        "age_group": choice(["18-24", "25-34", "35-44", "45+"]),
        "gender": choice(["男", "女"]),
        "device_os": choice(["iOS", "Android"]),
    })
    counts = rng.poisson(orders_per_user * rng.gamma(0.6, 1 / 0.6, n))
    owner = np.repeat(np.arange(n), counts)
    order_s = reg_s[owner] + (rng.random(len(owner)) * (span_s - reg_s[owner])).astype(np.int64)
    orders = pd.DataFrame({
        "order_id": pd.Series(np.arange(1, len(owner) + 1)).astype("str"),
        "user_id": ids.to_numpy()[owner],
        "order_time": (base + order_s.astype("timedelta64[s]")).astype("datetime64[us]"),
        "amount": np.round(rng.lognormal(4.2, 0.6, len(owner)), 2),
    }).sort_values("order_time", ignore_index=True)
    return {"users": users, "orders": orders}


@pytest.fixture(scope="module")
def cfg() -> WorldConfig:
    return WorldConfig(n_users=N_USERS)


@pytest.fixture(scope="module")
def world(cfg) -> dict[str, pd.DataFrame]:
    return fake_world(cfg)


@pytest.fixture(scope="module")
def tables(cfg, world) -> dict[str, pd.DataFrame]:
    out = {}
    for part in PARTS:
        out.update(part.simulate(cfg, world))
    return out


# --- exports, determinism, contracts -------------------------------------------------------------

def test_each_part_exports_simulate_truths_and_a_chinese_card():
    for part in PARTS:
        assert callable(part.simulate)
        assert isinstance(part.TRUTHS, dict) and part.TRUTHS, part.__name__
        assert isinstance(part.CARD, str) and any("\u4e00" <= ch <= "\u9fff" for ch in part.CARD)


def test_parts_produce_their_tables(tables):
    expected = {"member_tiers", "paid_memberships", "points_ledger", "wecom_groups", "wecom_members",
                "campaigns", "campaign_phases", "campaign_audience", "homepage_slots", "kols",
                "kol_daily", "kano_survey", "business_lines", "kol_roster", "kol_requests"}
    assert set(tables) == expected
    assert all(len(frame) > 0 for frame in tables.values())


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.__name__.rsplit(".", 1)[-1])
def test_same_seed_same_tables_and_another_seed_differs(part, cfg, world, tables):
    again = part.simulate(cfg, world)
    for name, frame in again.items():
        pd.testing.assert_frame_equal(frame, tables[name])
    other = part.simulate(WorldConfig(n_users=cfg.n_users, seed=cfg.seed + 1), world)
    assert any(not other[name].equals(tables[name]) for name in other
               if name != "member_tiers")


def test_tables_follow_their_contracts(tables):
    for name, frame in tables.items():
        contract = schema.get(name)
        assert list(frame.columns) == contract.names, name
        for col in contract.columns:
            values = frame[col.name]
            where = f"{name}.{col.name}"
            if col.dtype == "int":
                assert values.dtype == ("Int64" if col.nullable else "int64"), where
            elif col.dtype == "float":
                assert values.dtype == "float64", where
            elif col.dtype in ("str", "id"):
                assert values.dtype == pd.StringDtype(na_value=np.nan), where
            elif col.dtype in ("datetime", "date"):
                assert values.dtype == "datetime64[us]", where
                present = values.dropna()
                unit = "D" if col.dtype == "date" else "s"
                assert (present == present.dt.floor(unit)).all(), where
            else:
                assert values.dtype == "bool", where
            if not col.nullable:
                assert values.notna().all(), where
            if col.unique:
                assert values.is_unique, where
            if col.min_value is not None:
                assert (values.dropna() >= col.min_value).all(), where


def test_money_is_rounded_to_cents(tables):
    money = [("campaign_audience", "pre_spend"),
             ("campaign_audience", "campaign_spend"), ("homepage_slots", "gmv"), ("kol_daily", "gmv"),
             ("kol_daily", "returns"), ("kol_daily", "cost"), ("business_lines", "revenue")]
    for name, column in money:
        cents = tables[name][column].to_numpy() * 100
        assert np.allclose(cents, np.round(cents), atol=1e-6), f"{name}.{column}"


def test_conform_rejects_columns_outside_the_contract():
    with pytest.raises(ValueError, match="extra columns"):
        conform(pd.DataFrame({"tier": ["a"], "min_growth": [0.0], "colour": ["red"]}), "member_tiers")


def test_user_positions_treat_ids_as_text():
    ids = np.array(["C3", "007", "7", "o6_bmjrPTlm6"])
    assert user_positions(ids, np.array(["7", "C3", "07", "o6_bmjrPTlm6"])).tolist() == [2, 0, -1, 3]
    assert user_positions(pd.Series(["5", "6"], dtype="str"), pd.Series(["6", None], dtype="str")).tolist() == [1, -1]


def test_user_references_exist(tables, world):
    known = set(world["users"]["user_id"])
    for name, column in [("paid_memberships", "user_id"), ("points_ledger", "user_id"),
                         ("wecom_members", "user_id"), ("campaign_audience", "user_id"),
                         ("kano_survey", "respondent_id")]:
        assert set(tables[name][column]) <= known, name


# --- loyalty -------------------------------------------------------------------------------------

def _sbg_negll(log_params: np.ndarray, periods: np.ndarray, churned: np.ndarray) -> float:
    """sBG negative log-likelihood: P(T = n) for churned members, S(n - 1) = P(T >= n) otherwise."""
    a, b = np.exp(log_params)
    log_beta = special.betaln(a, b)
    churn = special.betaln(a + 1, b + periods - 1) - log_beta
    alive = special.betaln(a, b + periods - 1) - log_beta
    return -float(np.sum(np.where(churned == 1, churn, alive)))


def _numeric_hessian(f, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    n = len(x)
    hess = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * h, np.eye(n)[j] * h
            hess[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
    return hess


def test_sbg_maximum_likelihood_recovers_planted_alpha_beta(tables):
    members = tables["paid_memberships"]
    periods, churned = members["periods_paid"].to_numpy(), members["churned"].to_numpy()
    fit = optimize.minimize(_sbg_negll, np.zeros(2), args=(periods, churned), method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 2000})
    cov = np.linalg.inv(_numeric_hessian(lambda x: _sbg_negll(x, periods, churned), fit.x))
    se = np.sqrt(np.diag(cov))
    planted = np.log([loyalty.TRUTHS["sbg_alpha"], loyalty.TRUTHS["sbg_beta"]])
    # About 1,000 members here: the log-parameters have standard errors near 0.1 (0.2 at 400).
    assert len(members) > 300 and np.all(se < 0.3)
    assert np.all(np.abs(fit.x - planted) < Z * se), (np.exp(fit.x), se)
    # Retention rises with tenure (heterogeneity), as sBG implies.
    assert churned.mean() > 0.3


def test_paid_membership_periods_respect_the_export_date(cfg, tables):
    members = tables["paid_memberships"]
    open_periods = (cfg.end - members["start_date"]).dt.days // loyalty.PERIOD_DAYS + 1
    assert (members["periods_paid"] <= open_periods).all()
    assert (members.loc[members["churned"] == 0, "periods_paid"] == open_periods[members["churned"] == 0]).all()
    assert (members["start_date"] < cfg.end).all()


def test_points_breakage_matches_planted_redemption_rate(cfg, tables):
    ledger = tables["points_ledger"]
    matured_by = cfg.end - pd.Timedelta(days=loyalty.POINTS_EXPIRY_DAYS)
    earned = ledger[ledger["points"] > 0]
    matured = earned.loc[earned["time"] < matured_by, "points"].to_numpy(float)
    expired = -ledger.loc[ledger["reason"] == "expire", "points"].sum()
    breakage = expired / matured.sum()
    planted = loyalty.TRUTHS["points_breakage"]
    # Each earned batch expires independently with probability `planted`, so the point-weighted
    # share has variance planted(1-planted) * sum(w^2) / sum(w)^2.
    se = np.sqrt(planted * (1 - planted) * np.sum(matured**2)) / matured.sum()
    assert abs(breakage - planted) < Z * se, (breakage, se)


def test_points_balances_never_go_negative_and_reasons_are_signed(tables):
    ledger = tables["points_ledger"]
    assert set(ledger["reason"]) == {"order", "task", "redeem", "expire"}
    positive = ledger["reason"].isin(["order", "task"])
    assert (ledger.loc[positive, "points"] > 0).all() and (ledger.loc[~positive, "points"] < 0).all()
    balance = ledger.sort_values(["user_id", "time"], kind="stable").groupby("user_id")["points"].cumsum()
    assert (balance >= 0).all()


def test_only_paid_members_earn_points_while_paying(tables):
    ledger, members = tables["points_ledger"], tables["paid_memberships"]
    assert set(ledger["user_id"]) <= set(members["user_id"])
    start = ledger["user_id"].map(members.set_index("user_id")["start_date"])
    assert (ledger["time"] >= start).all()


def test_member_tier_thresholds_are_planted_and_increasing(tables):
    tiers = tables["member_tiers"]
    assert tiers["min_growth"].is_monotonic_increasing and tiers["min_growth"].iloc[0] == 0
    assert dict(zip(tiers["tier"], tiers["min_growth"])) == loyalty.TRUTHS["tier_thresholds"]


# --- community -----------------------------------------------------------------------------------

def test_members_join_groups_of_existing_groups_after_registering(tables, world, cfg):
    members, groups = tables["wecom_members"], tables["wecom_groups"]
    assert not members.duplicated(["group_id", "user_id"]).any()
    created = members["group_id"].map(groups.set_index("group_id")["created_date"])
    registered = members["user_id"].map(world["users"].set_index("user_id")["register_time"])
    assert (members["join_time"] >= created).all() and (members["join_time"] >= registered).all()
    left = members["leave_time"].notna()
    assert (members.loc[left, "leave_time"] > members.loc[left, "join_time"]).all()
    assert (members["join_time"] < cfg.end).all() and (members.loc[left, "leave_time"] < cfg.end).all()
    assert 0.1 < left.mean() < community.LEAVE_SHARE + 0.05


def test_each_owner_runs_groups_of_one_city(tables):
    groups = tables["wecom_groups"]
    assert (groups.groupby("owner")["city"].nunique() == 1).all()
    assert groups["city"].nunique() == len(community._CITY_NAMES)


def test_community_members_buy_more_by_selection(tables, world):
    joined = world["users"]["user_id"].isin(tables["wecom_members"]["user_id"])
    n_orders = world["orders"]["user_id"].value_counts().reindex(world["users"]["user_id"], fill_value=0)
    assert n_orders[joined.to_numpy()].mean() > 1.5 * n_orders[~joined.to_numpy()].mean()


# --- campaigns -----------------------------------------------------------------------------------

def test_campaign_phases_tile_each_campaign(tables, cfg):
    camps, phases = tables["campaigns"], tables["campaign_phases"]
    assert (camps["start_date"] >= cfg.start).all() and (camps["end_date"] < cfg.end).all()
    assert set(camps["campaign_type"]) == {"大促", "会员日", "节点", "日常"}
    assert camps["goal"].notna().all()
    for campaign in camps.itertuples():
        own = phases[phases["campaign_id"] == campaign.campaign_id]
        assert own["start_date"].iloc[0] == campaign.start_date
        assert own["end_date"].iloc[-1] == campaign.end_date
        gaps = own["start_date"].to_numpy()[1:] - own["end_date"].to_numpy()[:-1]
        assert (gaps == np.timedelta64(1, "D")).all()
    big = phases[phases["campaign_id"].isin(camps.loc[camps["campaign_type"] == "大促", "campaign_id"])]
    assert list(big["phase"].iloc[:4]) == ["蓄水", "预热", "爆发", "返场"]


def test_campaign_holdout_is_a_random_share(tables):
    audience = tables["campaign_audience"]
    assert not audience.duplicated(["campaign_id", "user_id"]).any()
    share, n = audience["holdout"].mean(), len(audience)
    planted = campaigns.TRUTHS["campaign_holdout_share"]
    assert abs(share - planted) < Z * np.sqrt(planted * (1 - planted) / n)


def test_difference_in_differences_recovers_planted_lift(tables):
    audience = tables["campaign_audience"].assign(
        change=lambda d: d["campaign_spend"] - d["pre_spend"])
    for segment, planted in campaigns.TRUTHS["campaign_lift_by_segment"].items():
        own = audience[audience["segment"] == segment]
        # DiD per campaign (targeted minus holdout change), pooled by inverse variance. The
        # variance is pooled over both arms of a campaign: holdouts are small and spend is
        # zero-inflated, so a holdout's own sample variance is unreliable.
        cells = own.groupby(["campaign_id", "holdout"])["change"].agg(["mean", "count"]).unstack()
        cells = cells[(cells[("count", 1)] >= 2) & (cells[("count", 0)] >= 2)]
        did = cells[("mean", 0)] - cells[("mean", 1)]
        residual = own["change"] - own.groupby(["campaign_id", "holdout"])["change"].transform("mean")
        sigma2 = (residual**2).groupby(own["campaign_id"]).sum() / (
            own.groupby("campaign_id").size() - 2)
        var = sigma2[cells.index] * (1 / cells[("count", 0)] + 1 / cells[("count", 1)])
        estimate = np.sum(did / var) / np.sum(1 / var)
        se = 1 / np.sqrt(np.sum(1 / var))
        assert abs(estimate - planted) < Z * se, (segment, estimate, se)


def test_campaign_pre_spend_comes_from_the_orders(tables, world):
    audience, camps = tables["campaign_audience"], tables["campaigns"].set_index("campaign_id")
    first = camps.index[0]
    start, end = camps.loc[first, "start_date"], camps.loc[first, "end_date"] + pd.Timedelta(days=1)
    before = world["orders"][(world["orders"]["order_time"] >= start - (end - start))
                             & (world["orders"]["order_time"] < start)]
    spend = before.groupby("user_id")["amount"].sum()
    own = audience[audience["campaign_id"] == first].set_index("user_id")["pre_spend"]
    np.testing.assert_allclose(own, spend.reindex(own.index, fill_value=0).round(2), atol=0.011)


# --- homepage ------------------------------------------------------------------------------------

def test_position_bias_is_recoverable_with_creative_fixed_effects(tables):
    slots = tables["homepage_slots"]
    design = pd.get_dummies(slots[["creative_id"]].astype(object).assign(
        position=slots["position"].astype(str)), drop_first=False, dtype=float)
    design = design.drop(columns="position_1")
    model = sm.GLM(slots["clicks"], design, family=sm.families.Poisson(),
                   offset=np.log(slots["impressions"])).fit()
    for k, theta in homepage.TRUTHS["position_bias"].items():
        if k == 1:
            continue
        coef, se = model.params[f"position_{k}"], model.bse[f"position_{k}"]
        assert abs(coef - np.log(theta)) < Z * se, (k, np.exp(coef), se)


def test_best_creative_after_position_correction_is_not_the_raw_ctr_winner(tables):
    slots = tables["homepage_slots"]
    theta = slots["position"].map(homepage.TRUTHS["position_bias"])
    totals = slots.assign(examined=slots["impressions"] * theta).groupby("creative_id")[
        ["impressions", "examined", "clicks", "gmv"]].sum()
    raw_ctr_best = (totals["clicks"] / totals["impressions"]).idxmax()
    corrected_best = (totals["gmv"] / totals["examined"]).idxmax()
    assert raw_ctr_best == homepage.TRUTHS["highest_ctr_creative"]
    assert corrected_best == homepage.TRUTHS["best_creative"]
    assert corrected_best != raw_ctr_best


def test_homepage_funnel_is_consistent(tables):
    slots = tables["homepage_slots"]
    assert (slots["clicks"] <= slots["impressions"]).all() and (slots["orders"] <= slots["clicks"]).all()
    assert ((slots["orders"] == 0) == (slots["gmv"] == 0)).all()
    assert not slots.duplicated(["date", "slot_id"]).any()
    assert slots.groupby("date")["creative_id"].nunique().eq(len(homepage.POSITION_BIAS)).all()


# --- KOL -----------------------------------------------------------------------------------------

def test_kol_gmv_is_highly_concentrated_in_head_kols(tables):
    daily, kols = tables["kol_daily"], tables["kols"]
    gmv = daily.groupby("kol_id")["gmv"].sum().reindex(kols["kol_id"], fill_value=0)
    share = gmv / gmv.sum()
    hhi = float(np.sum((100 * share) ** 2))
    assert hhi > 2500
    assert hhi == pytest.approx(kol.TRUTHS["kol_hhi"], rel=1e-4)
    assert share.nlargest(3).sum() == pytest.approx(kol.TRUTHS["kol_top3_share"], abs=1e-4)
    head = set(kols.loc[kols["tier"] == "头部", "kol_id"])
    assert set(share.nlargest(3).index) == head


def test_trap_kol_has_best_head_roas_but_negative_roi(tables):
    daily, kols = tables["kol_daily"], tables["kols"]
    totals = daily.groupby("kol_id")[["gmv", "returns", "cost"]].sum()
    roas = totals["gmv"] / totals["cost"]
    roi = (totals["gmv"] - totals["returns"]) * kol.TRUTHS["kol_gross_margin"] / totals["cost"] - 1
    head = kols.loc[kols["tier"] == "头部", "kol_id"]
    trap = kol.TRUTHS["kol_trap"]
    assert roas[head].idxmax() == trap and roas[trap] > roas.median()
    assert roi[trap] < 0 and (roi[head.drop(head.index[head == trap])] > 0).all()
    # Daily return rates scatter around the planted rate (sd of the period rate ~0.015): ROI within 0.1.
    assert roi[trap] == pytest.approx(kol.TRUTHS["kol_trap_roi"], abs=0.1)


# --- KANO survey ---------------------------------------------------------------------------------

def test_kano_mode_recovers_planted_categories(tables):
    answers = tables["kano_survey"]
    assert set(answers[["functional", "dysfunctional"]].stack()) <= {1, 2, 3, 4, 5}
    assert not answers.duplicated(["respondent_id", "feature"]).any()
    category = survey.EVALUATION_TABLE[answers["functional"] - 1, answers["dysfunctional"] - 1]
    mode = pd.crosstab(answers["feature"], category).idxmax(axis=1)
    assert mode.to_dict() == survey.TRUTHS["kano_category"]
    assert {"M", "O", "A", "I", "R"} <= set(mode)


def test_kano_evaluation_table_has_the_canonical_cell_counts():
    cells = pd.Series(survey.EVALUATION_TABLE.ravel()).value_counts().to_dict()
    assert cells == {"Q": 2, "A": 3, "O": 1, "M": 3, "I": 9, "R": 7}


# --- business lines ------------------------------------------------------------------------------

def test_bass_closed_form_generates_the_new_line_adopters(tables, cfg):
    line = tables["business_lines"].query("line_id == @business.TRUTHS['bass_line']")
    observed = line["new_customers"].to_numpy()
    t = np.arange(1, len(observed) + 1)
    p, q = business.TRUTHS["bass_p"], business.TRUTHS["bass_q"]
    m = business.TRUTHS["bass_m_per_user"] * cfg.n_users
    expected = m * (business.bass_cdf(t, p, q) - business.bass_cdf(t - 1, p, q))
    # Poisson counts around the closed form: Pearson chi-square with len(t) degrees of freedom.
    chi2 = np.sum((observed - expected) ** 2 / expected)
    assert stats.chi2.sf(chi2, len(t)) > 1e-4
    # And non-linear least squares on the counts recovers p, q and m.
    fitted, cov = optimize.curve_fit(
        lambda tt, pp, qq, mm: mm * (business.bass_cdf(tt, pp, qq) - business.bass_cdf(tt - 1, pp, qq)),
        t, observed, p0=[0.05, 0.3, observed.sum()], sigma=np.sqrt(np.maximum(expected, 1)),
        absolute_sigma=True)
    se = np.sqrt(np.diag(cov))
    assert np.all(np.abs(fitted - [p, q, m]) < Z * se), (fitted, se)


def test_bcg_matrix_puts_each_line_in_its_planted_quadrant(tables):
    report = tables["business_lines"].sort_values(["line_id", "month"])
    quadrants = {}
    for line_id, line in report.groupby("line_id"):
        last = line.tail(12)
        growth = line["market_size"].iloc[-1] / line["market_size"].iloc[-13] - 1
        relative_share = (last["revenue"].sum() / last["market_size"].sum()) / last["largest_rival_share"].mean()
        high_growth, leader = growth >= 0.10, relative_share >= 1.0
        quadrants[line_id] = {(True, True): "明星", (False, True): "现金牛",
                              (True, False): "问题", (False, False): "瘦狗"}[(high_growth, leader)]
    assert quadrants == business.TRUTHS["bcg_quadrant"]
    assert len(set(quadrants.values())) == 4


def test_main_line_saturates_and_new_line_starts_late(tables):
    report = tables["business_lines"]
    main = report[report["line_id"] == "L1"].sort_values("month")["revenue"].to_numpy()
    assert main[-12:].sum() / main[:12].sum() - 1 < 0.10
    months = report.groupby("line_id")["month"].min()
    assert months["L2"] > months["L1"]
