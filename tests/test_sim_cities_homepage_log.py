"""The city panel and homepage log parts of the simulated company: contracts, determinism,
references between tables, and the truths they publish."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit.data import schema
from opskit.sim import campaigns, cities, homepage_log, load_demo
from opskit.sim.config import WorldConfig
from opskit.sim.world import PERIPHERAL_PARTS


def _world(cfg: WorldConfig) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)
    n = cfg.n_users
    users = pd.DataFrame({"user_id": np.arange(1, n + 1),
                          "register_time": pd.to_datetime("2024-01-01") + pd.to_timedelta(
                              np.sort(rng.integers(0, 600, n)), unit="D")})
    calendar, phases = campaigns._calendar(cfg)
    return {"users": users, "campaigns": calendar.drop(columns="kind"), "campaign_phases": phases}


@pytest.fixture(scope="module")
def cfg() -> WorldConfig:
    return WorldConfig(n_users=3000)


@pytest.fixture(scope="module")
def tables(cfg) -> dict[str, pd.DataFrame]:
    world = _world(cfg)
    return {**cities.simulate(cfg, world), **homepage_log.simulate(cfg, world)}


def test_parts_are_registered_after_the_campaigns_they_read():
    assert PERIPHERAL_PARTS.index("cities") > PERIPHERAL_PARTS.index("campaigns")
    assert "homepage_log" in PERIPHERAL_PARTS
    for part in (cities, homepage_log):
        assert part.TRUTHS and any("\u4e00" <= ch <= "\u9fff" for ch in part.CARD)


def test_tables_follow_their_contracts(tables):
    for name, frame in tables.items():
        assert list(frame.columns) == schema.get(name).names, name
        for col in schema.get(name).columns:
            if not col.nullable:
                assert frame[col.name].notna().all(), f"{name}.{col.name}"
            if col.min_value is not None:
                assert (frame[col.name].dropna() >= col.min_value).all(), f"{name}.{col.name}"


def test_same_seed_same_tables_another_seed_differs(cfg, tables):
    world = _world(cfg)
    again = {**cities.simulate(cfg, world), **homepage_log.simulate(cfg, world)}
    for name, frame in again.items():
        pd.testing.assert_frame_equal(frame, tables[name])
    other = cities.simulate(WorldConfig(n_users=cfg.n_users, seed=cfg.seed + 1), world)
    assert not other["city_daily"].equals(tables["city_daily"])


def test_city_ids_are_text_with_leading_zeros_and_references_hold(tables, cfg):
    ids = tables["cities"]["city_id"]
    assert ids.is_unique and "0571" in set(ids) and ids.str.startswith("0").all()
    assert set(tables["city_daily"]["city_id"]) == set(ids)
    assert set(tables["campaign_cities"]["city_id"]) <= set(ids)
    daily = tables["city_daily"]
    assert len(daily) == len(ids) * cfg.n_days and not daily.duplicated(["date", "city_id"]).any()
    assert ((daily["orders"] == 0) == (daily["gmv"] == 0)).all()
    pilot = tables["campaign_cities"].groupby("campaign_id")["city_id"].agg(list)
    assert len(pilot[cities.PILOT_CAMPAIGN]) == cities.PILOT_CITIES
    assert cities.SC_CITY not in pilot[cities.PILOT_CAMPAIGN] and pilot[cities.SC_CAMPAIGN] == [cities.SC_CITY]


def test_hangzhou_is_the_planted_mix_of_three_east_china_cities():
    mixed = cities._cities(np.random.default_rng(1)).set_index("city_id")
    for column in ("growth", "loading"):
        expected = sum(w * mixed.loc[c, column] for c, w in cities.SC_DESIGN.items())
        assert mixed.loc[cities.SC_CITY, column] == pytest.approx(expected)
    assert mixed.loc[cities.SC_CITY, "growth"] > cities.CITIES["growth"].mean()


def test_impression_log_structure_and_propensities(tables, cfg):
    log = tables["homepage_impressions"]
    assert len(log) == 3 * max(homepage_log.MIN_VISITS, homepage_log.VISITS_PER_USER * cfg.n_users)
    per_visit = log.groupby("request_id")
    assert (per_visit["position"].agg(["min", "max", "nunique"]) == [1, 3, 3]).all().all()
    assert per_visit["creative_id"].nunique().eq(3).all()  # three different creatives per visit
    assert ((log["propensity"] > 0) & (log["propensity"] <= 1)).all()
    assert (log.loc[log["click"] == 0, "gmv"] == 0).all()
    assert log["date"].nunique() == homepage_log.LOG_DAYS


def test_true_values_are_consistent():
    items = homepage_log.CREATIVES["creative_id"].tolist()
    uniform = pd.DataFrame(1 / len(items), index=[1, 2, 3], columns=items)
    expected = np.mean(homepage_log.LOG_POSITION_BIAS) * homepage_log.CREATIVES["ctr"].mean()
    assert homepage_log.true_value(uniform) == pytest.approx(expected * homepage_log.mean_fatigue())


def test_demo_bundle_has_the_new_tables():
    for name in ("cities", "city_daily", "campaign_cities", "homepage_impressions"):
        assert len(load_demo(name)) > 0
    assert set(load_demo("campaigns")["campaign_type"]) == {"大促", "会员日", "节点", "日常"}
