"""The planted truths of the simulated company, gathered from every part."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from opskit.sim import acquisition, behaviour, churn_drivers, experiments, purchases, reminders, shoppers
from opskit.sim.config import WorldConfig
from opskit.sim.world import peripheral_modules

EXPORT_DATE = WorldConfig(n_users=0).end

CORE_PARTS = {"acquisition": acquisition, "purchases": purchases, "behaviour": behaviour,
              "experiments": experiments, "reminders": reminders,
              "churn_drivers": churn_drivers,
              "shoppers": shoppers}


def collect_truths() -> dict[str, dict[str, object]]:
    """Each part's ``TRUTHS`` under the part's module name."""
    parts = {**CORE_PARTS, **peripheral_modules()}
    return {name: dict(module.TRUTHS) for name, module in parts.items()}


TRUTHS: dict[str, dict[str, object]] = collect_truths()


def measure(world: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The planted truths as they show in one generated world, by simple direct counts."""
    return {**_fraud(world), **_aha(world), **_baskets(world), **_experiments(world),
            **_referrals(world), **_volume(world), **_lead(world), **_private_domain(world),
            **_identity(world), **_reminders(world), **_coupon_repeat(world)}


def _fraud(world) -> dict[str, float]:
    installs = world["installs"]
    fraud_channel = installs["channel_id"] == acquisition.FRAUD_CHANNEL
    ctit = (installs["install_time"] - installs["click_time"]).dt.total_seconds()
    from_farm = installs["ip"].isin(acquisition.FRAUD_IPS)
    farm_users = installs.loc[from_farm, "user_id"].dropna()
    return {
        "fraud_channel_ctit_3_10s_share": float((ctit[fraud_channel].between(3, 10)).mean()),
        "other_channels_ctit_3_10s_share": float((ctit[~fraud_channel].between(3, 10)).mean()),
        "other_channels_ctit_within_1h": float((ctit[~fraud_channel] < 3600).mean()),
        "other_channels_ctit_within_24h": float((ctit[~fraud_channel] < 86400).mean()),
        "fraud_channel_farm_install_share": float(from_farm[fraud_channel].mean()),
        "farm_users_ordering_share": float(farm_users.isin(world["orders"]["user_id"]).mean()),
    }


def aha_table(world) -> pd.DataFrame:
    """Per user with a full 30-day window: first-week favourites and the days 8-30 outcome."""
    users, events, orders = world["users"], world["events"], world["orders"]
    registered = users.set_index("user_id")["register_time"]
    full = users[users["register_time"] < EXPORT_DATE - pd.Timedelta(days=30)]
    fav = events[events["event_type"] == "add_favorite"]
    fav_age = fav["event_time"] - registered.reindex(fav["user_id"]).to_numpy()
    favorites = (fav[fav_age < pd.Timedelta(days=behaviour.TRUTHS["aha_window_days"])]
                 .groupby("user_id").size())
    order_age = orders["order_time"] - registered.reindex(orders["user_id"]).to_numpy()
    retained = orders.loc[(order_age >= pd.Timedelta(days=7)) & (order_age < pd.Timedelta(days=30)),
                          "user_id"].unique()
    fraud_users = world["installs"].loc[world["installs"]["ip"].isin(acquisition.FRAUD_IPS),
                                        "user_id"].dropna()
    full = full[~full["user_id"].isin(fraud_users)]
    return pd.DataFrame({
        "user_id": full["user_id"].to_numpy(),
        "favorites_7d": favorites.reindex(full["user_id"], fill_value=0).to_numpy(),
        "retained": full["user_id"].isin(retained).to_numpy(),
    })


def _aha(world) -> dict[str, float]:
    table = aha_table(world)
    aha = table["favorites_7d"] >= behaviour.TRUTHS["aha_threshold_k"]
    return {"aha_user_share": float(aha.mean()),
            "aha_retained_rate": float(table.loc[aha, "retained"].mean()),
            "no_aha_retained_rate": float(table.loc[~aha, "retained"].mean())}


def basket_lift(lines: pd.DataFrame, antecedent: str, consequent: str) -> float:
    """Basket-level lift(antecedent => consequent) over all orders."""
    n_orders = lines["order_id"].nunique()
    has_a = set(lines.loc[lines["category_id"] == antecedent, "order_id"])
    has_c = set(lines.loc[lines["category_id"] == consequent, "order_id"])
    return len(has_a & has_c) * n_orders / (len(has_a) * len(has_c))


def _baskets(world) -> dict[str, float]:
    lines = world["order_lines"]
    return {"lift_bakery_dairy": basket_lift(lines, "bakery", "dairy"),
            "lift_vegetable_fruit": basket_lift(lines, "vegetable", "fruit")}


def _experiments(world) -> dict[str, float]:
    assignments = world["assignments"]
    srm = assignments[assignments["experiment_id"] == experiments.SRM_EXPERIMENT]
    counts = srm["variant"].value_counts().reindex(["control", "treatment"], fill_value=0)
    cuped = assignments[assignments["experiment_id"] == experiments.TRUTHS["cuped_experiment"]]
    rho = float(np.corrcoef(cuped["pre_revenue"], cuped["revenue"])[0, 1])
    detail = assignments[assignments["experiment_id"] == "exp_detail_page"]
    rates = detail.groupby("variant")["converted"].mean()
    return {
        "srm_control_users": int(counts["control"]),
        "srm_treatment_users": int(counts["treatment"]),
        "srm_p_value": float(stats.chisquare(counts.to_numpy()).pvalue),
        "detail_page_control_rate": float(rates["control"]),
        "detail_page_treatment_rate": float(rates["treatment"]),
        "cuped_rho": rho,
        "cuped_variance_reduction": rho ** 2,
    }


def _referrals(world) -> dict[str, float]:
    referrals, users = world["referrals"], world["users"]
    accepted = referrals["invitee_user_id"].notna().sum()
    return {"referral_invites_per_user": len(referrals) / len(users),
            "referral_invite_conversion": accepted / len(referrals),
            "referral_k_factor": accepted / len(users)}


def _volume(world) -> dict[str, float]:
    orders, users = world["orders"], world["users"]
    return {"orders_per_user": len(orders) / len(users),
            "buyer_share": orders["user_id"].nunique() / len(users)}


def lead_lift(world, antecedent: str, consequent: str, window_days: int) -> float:
    """Share of orders containing ``consequent`` among a customer's orders (without ``antecedent``) in
    the ``window_days`` after their first ``antecedent`` order, for customers new to ``consequent``
    then, over the same share among all orders without ``antecedent``."""
    lines, orders = world["order_lines"], world["orders"].set_index("order_id")
    has_a = orders.index.isin(lines.loc[lines["category_id"] == antecedent, "order_id"])
    has_b = orders.index.isin(lines.loc[lines["category_id"] == consequent, "order_id"])
    first_a = orders.loc[has_a].groupby("user_id")["order_time"].min()
    first_b = orders.loc[has_b].groupby("user_id")["order_time"].min()
    t0 = orders["user_id"].map(first_a)
    new_to_b = orders["user_id"].map(first_b).isna() | (orders["user_id"].map(first_b) > t0)
    since = orders["order_time"] - t0
    window = (since > pd.Timedelta(0)) & (since <= pd.Timedelta(days=window_days)) & ~has_a & new_to_b
    return float(has_b[window.to_numpy()].mean() / has_b[~has_a].mean())


def _lead(world) -> dict[str, float]:
    days = purchases.LEAD_WINDOW_DAYS
    return {"lead_lift_seafood_grain_oil": lead_lift(world, "seafood", "grain_oil", days),
            "lead_lift_grain_oil_seafood": lead_lift(world, "grain_oil", "seafood", days)}


def _private_domain(world) -> dict[str, float]:
    if "wecom_touches" not in world:
        return {}
    touches = world["wecom_touches"]
    weeks = touches.assign(week=touches["touch_time"].dt.to_period("W")).groupby(["user_id", "week"]).agg(
        f=("clicked", "size"), unsubscribed=("unsubscribed", "max"))
    members = world["wecom_members"].sort_values("join_time").drop_duplicates("user_id")
    stop = members["leave_time"].fillna(EXPORT_DATE)
    member_months = ((stop - members["join_time"]).dt.total_seconds() / (30 * 86400)).sum()
    return {"unsubscribe_rate_up_to_fatigue": float(weeks.loc[weeks["f"] <= 3, "unsubscribed"].mean()),
            "unsubscribe_rate_beyond_fatigue": float(weeks.loc[weeks["f"] > 3, "unsubscribed"].mean()),
            "group_orders_per_member_month": float(len(world["wecom_orders"]) / member_months)}


def _identity(world) -> dict[str, float]:
    if "identity_links" not in world:
        return {}
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    links = world["identity_links"]
    hub = (links["id_type_a"] == "device") & links["id_a"].str.startswith("POS")
    out = {}
    for name, frame in (("identity_components_with_hubs", links), ("identity_components_without_hubs", links[~hub])):
        a = frame["id_type_a"] + ":" + frame["id_a"]
        b = frame["id_type_b"] + ":" + frame["id_b"]
        nodes = pd.Index(pd.unique(pd.concat([a, b])))
        graph = coo_matrix((np.ones(len(frame)), (nodes.get_indexer(a), nodes.get_indexer(b))),
                           shape=(len(nodes), len(nodes)))
        out[name] = int(connected_components(graph, directed=False)[0])
    return out


def _reminders(world) -> dict[str, float]:
    if "cart_reminders" not in world:
        return {}
    rates = world["cart_reminders"].groupby("arm")["converted"].mean()
    control = rates["control"]
    out = {"cart_reminder_users": len(world["cart_reminders"]), "cart_reminder_control_rate": float(control)}
    for arm in ("reminder", "reminder_coupon"):
        out[f"cart_reminder_{arm}_rate"] = float(rates[arm])
        out[f"cart_reminder_{arm}_persuaded"] = float((rates[arm] - control) / (1 - control))
    return out


def coupon_repeat_table(world, days: int = 60) -> pd.DataFrame:
    """Per 14-day converter of the coupon experiment whose first order is at least ``days`` before the
    export date: the arm (treated) and whether a second order followed within ``days``."""
    orders = world["orders"].sort_values(["order_time", "order_id"], kind="stable")
    nth = orders.groupby("user_id").cumcount()
    first = orders.loc[nth == 0].set_index("user_id")["order_time"]
    second = orders.loc[nth == 1].set_index("user_id")["order_time"]
    exp = world["coupon_experiment"]
    exp = exp[exp["converted"] == 1].set_index("user_id")
    t1 = first.reindex(exp.index)
    keep = t1 <= EXPORT_DATE - pd.Timedelta(days=days)
    repeated = (second.reindex(exp.index) - t1) <= pd.Timedelta(days=days)
    return pd.DataFrame({"treated": exp["treated"], "repeated": repeated})[keep.to_numpy()]


def _coupon_repeat(world) -> dict[str, float]:
    rates = coupon_repeat_table(world).groupby("treated")["repeated"].mean()
    return {"coupon_repeat_60d_control": float(rates[0]), "coupon_repeat_60d_treated": float(rates[1]),
            "coupon_repeat_60d_ratio": float(rates[1] / rates[0])}
