"""Chapter 14 methods: needs matrices, content response with multiple testing, sends, penetration.

Oracles are small hand-made tables; planted truths come from opskit.sim (tastes and messaging).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from opskit import abtest, content, needs, penetration
from opskit.sim import TRUTHS, load_demo, tastes
from opskit.sim.config import WorldConfig
from opskit.sim.world import DEMO_N_USERS

AS_OF = pd.Timestamp("2026-01-01")


@pytest.fixture(scope="module")
def demo():
    return {name: load_demo(name) for name in ("users", "orders", "order_lines", "message_sends", "campaign_audience")}


@pytest.fixture(scope="module")
def hidden_taste(demo):
    codes = tastes.user_tastes(WorldConfig(n_users=DEMO_N_USERS), len(demo["users"]))
    return pd.Series(np.array(tastes.TASTES)[codes], index=demo["users"]["user_id"].to_numpy())


def test_association_and_cells_against_scipy():
    long = pd.DataFrame({"dimension": "price", "segment": ["a", "a", "b", "b"], "need": ["x", "y", "x", "y"],
                         "lines": [30, 10, 10, 30]})
    got = needs.association(long, "price")
    chi2 = stats.chi2_contingency(np.array([[30, 10], [10, 30]]))[0]
    assert got["chi2"] == pytest.approx(chi2)
    assert got["cramers_v"] == pytest.approx(np.sqrt(chi2 / 80))
    cells = needs.need_cells(long, "price")
    assert cells.loc[0, "index"] == pytest.approx(30 / 20)
    assert cells.loc[0, "z"] == pytest.approx(10 / np.sqrt(20 * 0.5 * 0.5))
    flat = long.assign(lines=[20, 20, 20, 20])
    assert needs.association(flat, "price")["cramers_v"] == pytest.approx(0.0)


def test_segment_needs_matches_pandas_on_categories(demo):
    seg = pd.Series("all", index=demo["orders"]["user_id"].unique())
    got = needs.segment_needs(demo["order_lines"], demo["orders"], seg, start="2025-01-01", end=AS_OF)
    m = demo["order_lines"].merge(demo["orders"], on="order_id")
    m = m[m["order_time"] >= "2025-01-01"]
    want = m.groupby("category_id").size()
    cat = got[got["dimension"] == "category"].set_index("need")["lines"]
    assert cat.sort_index().tolist() == want.sort_index().tolist()
    assert got.groupby("dimension")["lines"].sum().nunique() == 1  # every dimension partitions the same lines


def test_price_tags_recover_the_planted_tastes(demo, hidden_taste):
    tags = needs.price_tags(demo["order_lines"], demo["orders"], start=AS_OF - pd.Timedelta(days=365), end=AS_OF)
    tagged = tags[tags["tag"].isin(["品质偏好", "实惠偏好"])]
    truth = tagged["user_id"].map(hidden_taste)
    assert (truth[tagged["tag"] == "品质偏好"] == "品质型").mean() > 0.9
    assert (truth[tagged["tag"] == "实惠偏好"] == "实惠型").mean() > 0.9


def test_response_matrix_recovers_the_planted_best_matches(demo, hidden_taste):
    planted = TRUTHS["messaging"]["best_content_by_taste"]
    by_taste = content.best_matches(content.response_matrix(demo["message_sends"], hidden_taste))
    for taste, best in planted.items():
        assert by_taste.loc[taste, "content_id"] == best and by_taste.loc[taste, "confirmed"]
    tags = needs.price_tags(demo["order_lines"], demo["orders"], start=AS_OF - pd.Timedelta(days=365),
                            end=AS_OF).set_index("user_id")["tag"]
    by_tag = content.best_matches(content.response_matrix(demo["message_sends"], tags))
    for tag, taste in {"品质偏好": "品质型", "实惠偏好": "实惠型", "大众": "均衡型"}.items():
        assert by_tag.loc[tag, "content_id"] == planted[taste]


def test_multiple_testing_on_null_cells_controls_false_discoveries():
    rng = np.random.default_rng(11)
    n = 24 * 400
    sends = pd.DataFrame({"user_id": np.arange(n) % 1200, "channel": "公众号",
                          "content_id": np.repeat([f"K{i}" for i in range(8)], n // 8),
                          "target_tag": None, "opened": 1, "clicked": (rng.random(n) < 0.06).astype(int),
                          "unsubscribed": 0})
    segs = pd.Series(np.array(["a", "b", "c"])[np.arange(1200) % 3], index=np.arange(1200))
    m = content.response_matrix(sends, segs)
    assert len(m) == 24
    assert m["significant"].sum() <= m["naive_significant"].sum()
    assert m["significant"].sum() == 0


def test_fatigue_curve_rises_as_planted(demo):
    curve = content.fatigue_curve(demo["message_sends"])
    acc = curve[curve["channel"] == "公众号"].set_index("recent")
    base = TRUTHS["messaging"]["unsubscribe_base"]
    assert acc.loc[0, "ci_low"] <= base <= acc.loc[0, "ci_high"]
    # the top bucket can hold a few hundred sends: compare every send after a recent message, pooled
    tired = acc.loc[acc.index > 0]
    test = abtest.proportions_ztest(int(acc.loc[0, "unsubscribed"]), int(acc.loc[0, "sends"]),
                                    int(tired["unsubscribed"].sum()), int(tired["sends"].sum()))
    assert test.ci_low > 0


def test_send_fatigue_query_matches_pandas():
    t0 = pd.Timestamp("2025-01-01")
    sends = pd.DataFrame({"user_id": ["u", "u", "u", "v"], "channel": "公众号",
                          "send_time": [t0, t0 + pd.Timedelta(days=3), t0 + pd.Timedelta(days=7), t0],
                          "unsubscribed": [0, 0, 1, 0]})
    curve = content.fatigue_curve(sends, cap=5).set_index("recent")
    # u's third message has two in [t-7d, t): recent 2; the first messages have 0, the second 1.
    assert curve["sends"].to_dict() == {0: 2, 1: 1, 2: 1}
    assert curve.loc[2, "unsubscribed"] == 1


def test_tag_usage_counts_used_and_unused_tags(demo):
    used = content.tag_usage(["高价值", "沉睡90天", "近30天活跃", "高客单"], demo["message_sends"])
    assert set(used.index[used["used"]]) == set(TRUTHS["messaging"]["tags_used_for_sends"])
    assert used.loc["高客单", "batches"] == 0


def test_customer_mix_matches_pandas(demo):
    orders = demo["orders"]
    mix = penetration.customer_mix(orders, "quarter").set_index("period")
    q = pd.Timestamp("2025-07-01")
    first = orders.groupby("user_id")["order_time"].min()
    base = first[first < q].index
    inq = orders[(orders["order_time"] >= q) & (orders["order_time"] < q + pd.DateOffset(months=3))]
    assert mix.loc[q, "old_base"] == len(base)
    assert mix.loc[q, "old_buyers"] == inq.loc[inq["user_id"].isin(base), "user_id"].nunique()
    assert mix.loc[q, "old_sales"] == pytest.approx(inq.loc[inq["user_id"].isin(base), "amount"].sum())
    assert mix.loc[q, "penetration"] + mix.loc[q, "headroom"] / mix.loc[q, "old_base"] == pytest.approx(1.0)


def test_campaign_increments_recover_the_planted_lifts(demo):
    inc = penetration.campaign_increments(demo["campaign_audience"])
    planted = TRUTHS["campaigns"]["campaign_lift_by_segment"]
    for seg, lift in planted.items():
        assert abs(inc.loc[seg, "increment"] - lift) < 3 * inc.loc[seg, "se"]
    marg = penetration.marginal_returns(inc, margin=0.25, contact_cost=2.0)
    assert marg["profit_per_contact"].is_monotonic_decreasing
    assert marg["cumulative_profit"].iloc[-1] == pytest.approx(marg["profit"].sum())
