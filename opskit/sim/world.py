"""Orchestration: the core tables of 鲜选 in dependency order, then the peripheral parts."""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np
import pandas as pd

from opskit.data import schema
from opskit.sim import acquisition, behaviour, churn_drivers, experiments, purchases, reminders, shoppers
from opskit.sim.config import DEMO_SEED, WorldConfig
from opskit.sim.tables import conform

DEMO_N_USERS = 4_000
# Peripheral parts, each with ``simulate(cfg, world) -> dict of new tables``, run in this order.
PERIPHERAL_PARTS = ("loyalty", "community", "campaigns", "homepage", "kol", "survey", "business",
                    "messaging", "gamification", "private_domain", "identity",
                    "units", "staff", "partners", "newbiz",
                    "mcn", "ugc",
                    "cities", "homepage_log")

def peripheral_modules() -> dict[str, ModuleType]:
    """The peripheral part modules that exist (all of them once the kit is complete)."""
    modules = {}
    for part in PERIPHERAL_PARTS:
        name = f"opskit.sim.{part}"
        try:
            modules[part] = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # a broken import inside the part is a real error
                raise
    return modules


def simulate(n_users: int = DEMO_N_USERS, seed: int = DEMO_SEED) -> dict[str, pd.DataFrame]:
    """Generate one world of the simulated company: every table of :data:`opskit.data.schema.TABLES`.

    Deterministic for ``(n_users, seed)``; each part draws from its own random stream.
    """
    cfg = WorldConfig(n_users=n_users, seed=seed)
    world = simulate_core(cfg)
    for module in peripheral_modules().values():
        world.update(module.simulate(cfg, world))
    return {name: conform(world[name], name) for name in schema.TABLES if name in world}


def simulate_core(cfg: WorldConfig) -> dict[str, pd.DataFrame]:
    """The core tables: acquisition, purchases, behaviour and experiments."""
    pop = acquisition.simulate_population(cfg)
    aha = behaviour.first_week(cfg, pop)
    coupon = experiments.assign_coupon(cfg, pop)
    p14 = purchases.first_order_probability(pop, aha)
    p14 = np.where(coupon.treated, np.clip(p14 + coupon.uplift, 0.0, 0.98), p14)
    book = purchases.simulate_orders(cfg, pop, p14, new_user_coupon=coupon.treated)
    book, cart_reminders = reminders.simulate(cfg, pop, book)  # adds the persuaded orders
    shoppers.apply_habits(cfg, book)  # when each type orders (days, hours)
    pop.extra["churn_driver"] = churn_drivers.assign(cfg, book)  # why each dropout leaves
    churn_drivers.add_price_coupons(cfg, book, pop.extra["churn_driver"])
    tests = experiments.simulate_experiments(cfg, pop, book)  # scales treated amounts first
    lines = purchases.simulate_lines(cfg, book)
    order_lines = purchases.order_lines_frame(lines)
    first_category = lines.pop("first_category")
    del lines  # the biggest arrays; the events need only each order's first category

    installs = acquisition.installs_frame(cfg, pop)
    world = {
        "users": acquisition.users_frame(cfg, pop),
        "channels": acquisition.channels_frame(),
        "channel_spend": acquisition.channel_spend_frame(cfg, installs),
        "installs": installs,
        "referrals": acquisition.referrals_frame(cfg, pop),  # also records invites for events
        "categories": purchases.categories_frame(),
        "orders": purchases.orders_frame(cfg, book),
        "order_lines": order_lines,
        "coupon_experiment": experiments.coupon_frame(pop, book, coupon),
        "cart_reminders": cart_reminders,
        **tests,
    }
    world["events"] = behaviour.simulate_events(cfg, pop, book, first_category)
    return world
