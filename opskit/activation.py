"""New-user activation: aha-moment search, the excitement index, time to first order, drop-off.

Aha-moment search (``docs/methods.md#aha-moment``): for each candidate event e and threshold k, predict that a new
user is retained when they did e at least k times in their first ``days`` days, and score the
prediction against the outcome with Jaccard (overlap), F1, lift and coverage. Everything is
vectorised over users (counts by value, then cumulative sums over thresholds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opskit.data import engine
from opskit.funnel import _funnel_counts, _reach
from opskit.periods import period_start

DAY = pd.Timedelta(days=1)


def _users(users):
    return engine.renamed(users, user_id="user_id", register_time="register_time")


def _orders(orders):
    return engine.renamed(orders, user_id="user_id", order_time="order_time")


def _events(events):
    return engine.renamed(events, user_id="user_id", event_time="event_time", event_type="event_type")


def early_counts(users: pd.DataFrame, events: pd.DataFrame, event_types, days: int = 7) -> pd.DataFrame:
    """Count of each event type per user in ``[register_time, register_time + days)``.

    One row per user of ``users`` (zeros where the user did nothing), one column per event type.
    """
    reg = users.set_index("user_id")["register_time"]
    long = engine.run("early_counts", {"days": int(days)}, users=_users(users), events=_events(events),
                      types=pd.DataFrame({"event_type": [str(t) for t in event_types]}))
    counts = long.pivot_table(index="user_id", columns="event_type", values="n", aggfunc="sum", fill_value=0)
    return counts.reindex(index=reg.index, columns=list(event_types), fill_value=0).astype("int64")


def engaged_users(users: pd.DataFrame, events: pd.DataFrame, min_events: int = 2) -> pd.DataFrame:
    """Users with at least ``min_events`` events: drops fake accounts whose whole history is the
    single app_open of their (fraudulent) install, which would otherwise pollute activation rules."""
    n = engine.run("user_event_counts", events=engine.renamed(events, user_id="user_id"))
    n = pd.Series(n["events"].to_numpy(), index=n["user_id"])
    return users.loc[users["user_id"].map(n).fillna(0).to_numpy() >= min_events]


def retained_after(users: pd.DataFrame, orders: pd.DataFrame, start_days: int = 7, end_days: int = 30, *,
                   as_of=None) -> pd.Series:
    """Outcome per user: ordered in ``[register + start_days, register + end_days)``.

    Only users registered at least ``end_days`` before ``as_of`` (default: the last order) are kept,
    so every user has a full outcome window (no censoring).
    """
    as_of = pd.Timestamp(as_of) if as_of is not None else orders["order_time"].max()
    reg = users.set_index("user_id")["register_time"]
    reg = reg.loc[reg + end_days * DAY <= as_of]
    hit = engine.run("ordered_after_register",
                     {"as_of": as_of, "start_days": int(start_days), "end_days": int(end_days)},
                     users=_users(users), orders=_orders(orders))["user_id"]
    return pd.Series(reg.index.isin(hit), index=reg.index, name="retained")


def threshold_table(x, y, max_k: int | None = None) -> pd.DataFrame:
    """Confusion counts and scores of the rule ŷ = 1[x ≥ k] for k = 0 … max_k.

    Columns: ``tp fp fn tn``, ``jaccard`` = TP/(TP+FP+FN), ``f1`` = 2TP/(2TP+FP+FN),
    ``precision``, ``recall``, ``coverage`` = P(x ≥ k), ``lift`` = P(y | x ≥ k) / P(y | x < k)
    (NaN where a side is empty). ``max_k`` defaults to max(x) + 1 (where TP = 0).
    """
    x = np.asarray(x, dtype=np.int64)
    y = np.asarray(y).astype(bool)
    if len(x) and x.min() < 0:
        raise ValueError("counts must be non-negative")
    top = int(x.max()) + 1 if max_k is None else int(max_k)
    size = max(top, int(x.max()) if len(x) else 0) + 2
    pos = np.bincount(x, weights=y, minlength=size)
    tot = np.bincount(x, minlength=size).astype(float)
    at_least_pos = np.cumsum(pos[::-1])[::-1]        # positives with x >= k
    at_least = np.cumsum(tot[::-1])[::-1]
    k = np.arange(top + 1)
    tp, pred = at_least_pos[k], at_least[k]
    fp = pred - tp
    fn = y.sum() - tp
    tn = len(y) - tp - fp - fn
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({
            "k": k, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "jaccard": tp / (tp + fp + fn),
            "f1": 2 * tp / (2 * tp + fp + fn),
            "precision": tp / pred,
            "recall": tp / (tp + fn),
            "coverage": pred / len(y),
            "lift": (tp / pred) / (fn / (fn + tn)),
        })
    for col in ("tp", "fp", "fn", "tn"):
        table[col] = table[col].astype("int64")
    return table.set_index("k")


def aha_search(counts: pd.DataFrame, outcome: pd.Series, max_k: int = 15, min_coverage: float = 0.1,
               score: str = "lift") -> tuple[pd.Series, pd.DataFrame]:
    """Search every candidate event (column of ``counts``) and threshold for the aha moment.

    Users are those in both ``counts`` and ``outcome``. Returns the best row (argmax of ``score``
    among rules with coverage ≥ ``min_coverage`` and k ≥ 1; the smallest k wins ties) and the full
    table with one row per (event, k).

    ``score`` is any column of :func:`threshold_table`. The default, lift with a coverage floor,
    finds the step where P(y | x ≥ k) jumps; Jaccard/F1 (the "Venn" method) favour broad rules of
    high coverage when the outcome is common, so read both.
    """
    users = counts.index.intersection(outcome.index)
    y = outcome.loc[users].to_numpy()
    parts = []
    for event in counts.columns:
        t = threshold_table(counts.loc[users, event].to_numpy(), y, max_k=max_k).reset_index()
        t.insert(0, "event", event)
        parts.append(t)
    table = pd.concat(parts, ignore_index=True)
    ok = table.loc[(table["k"] >= 1) & (table["coverage"] >= min_coverage)]
    best = ok.sort_values([score, "k"], ascending=[False, True], kind="mergesort").iloc[0]
    return best, table


def excitement_index(users: pd.DataFrame, counts: pd.Series, threshold: int, *, period: str = "quarter",
                     baseline: float | None = None) -> pd.DataFrame:
    """激动指数 (excitement index) of each registration cohort.

    Definition used in this kit: the mean number of key actions (the aha event) a new user makes
    in the activation window, relative to a baseline, × 100:

        excitement_index = 100 × mean early key actions of the cohort ÷ baseline

    where ``baseline`` defaults to the mean over all users given. 100 means "as excited as usual";
    above 100 the cohort engages more intensely in its first days. The table also gives
    ``aha_rate``, the share of the cohort reaching the aha threshold (x ≥ ``threshold``).
    ``counts`` is a per-user Series (index user_id) from :func:`early_counts`; cohorts are the calendar
    periods (``period``, :mod:`opskit.periods`) of registration, labelled by their first day.
    """
    reg = users.set_index("user_id")["register_time"].reindex(counts.index)
    base = float(counts.mean()) if baseline is None else float(baseline)
    frame = pd.DataFrame({"x": counts.to_numpy(), "reached": (counts >= threshold).to_numpy(),
                          "cohort": reg.to_numpy()})
    out = frame.groupby(period_start(frame["cohort"], period).rename("cohort")).agg(
        users=("x", "size"), mean_actions=("x", "mean"), aha_rate=("reached", "mean"))
    out["excitement_index"] = 100 * out["mean_actions"] / base
    return out


def time_to_first_order(users: pd.DataFrame, orders: pd.DataFrame, max_days: int = 30, *,
                        as_of=None) -> pd.DataFrame:
    """Cumulative share of new users who placed a first order within d days, d = 0 … max_days.

    Only users registered at least ``max_days`` before ``as_of`` count (full window). Returns
    ``day``, ``first_orders`` (first orders placed on day d after registering), ``share`` and
    ``cumulative_share``. ``users`` and ``orders`` may be frames, Spark DataFrames or Parquet/CSV
    paths.
    """
    as_of = pd.Timestamp(as_of) if as_of is not None else engine.column_max(orders, "order_time")
    params = {"as_of": as_of, "max_days": int(max_days)}
    eligible = int(engine.run("full_window_users", params, users=engine.renamed(users, register_time="register_time"))
                   ["users"].iloc[0])
    firsts = engine.run("first_order_days", params, users=_users(users), orders=_orders(orders))
    per_day = firsts.set_index("day")["first_orders"].reindex(np.arange(max_days + 1), fill_value=0)
    out = pd.DataFrame({"day": np.arange(max_days + 1), "first_orders": per_day.to_numpy().astype("int64")})
    out["share"] = out["first_orders"] / eligible
    out["cumulative_share"] = out["share"].cumsum()
    return out.set_index("day")


def new_user_funnel(users: pd.DataFrame, events: pd.DataFrame, steps: list[str], days: int = 7) -> pd.DataFrame:
    """The ordered funnel of new users in their first ``days`` days after registering.

    Only each user's events in [register_time, register_time + ``days``) count (the window of the
    named query ``funnel_reach``, so the event log is not filtered in pandas); the table is that of
    :func:`opskit.funnel.funnel_table` plus ``drop`` = share lost at each step (1 − step rate).
    """
    windows = pd.DataFrame({"user_id": users["user_id"], "start_time": users["register_time"],
                            "end_time": users["register_time"] + days * DAY}).dropna()
    table = _funnel_counts(_reach(events, steps, None, "event_type", "event_time", windows=windows), steps)
    table["drop"] = 1 - table["step_rate"]
    return table


AHA_CANDIDATES = ("add_favorite", "view_item", "search", "share", "app_open", "push_open")


@dataclass(frozen=True)
class AhaMoment:
    """The aha rule found by :func:`aha_moment`: "``event`` at least ``k`` times in the first
    ``activation_days`` days", with its scores (``best``), the full rule table, the engaged users
    searched, their early counts and outcome."""

    event: str
    k: int
    best: pd.Series
    rules: pd.DataFrame
    counts: pd.DataFrame
    outcome: pd.Series
    activation_days: int
    users: pd.DataFrame

    def reached(self) -> pd.Series:
        """Whether each user with an outcome (old enough for the outcome window) reached the rule."""
        users = self.counts.index.intersection(self.outcome.index)
        return self.counts.loc[users, self.event] >= self.k


def aha_moment(users: pd.DataFrame, events: pd.DataFrame, orders: pd.DataFrame, *,
               candidate_events=AHA_CANDIDATES, activation_days: int = 7, outcome_start_days: int = 7,
               outcome_end_days: int = 30, min_coverage: float = 0.1) -> AhaMoment:
    """Find the aha moment of new users once, for every chapter that uses it (chapter 05 finds it,
    chapter 06 measures the Hook model's "investment" with the same rule).

    Users are the engaged ones (:func:`engaged_users`); the outcome is an order in
    ``[register + outcome_start_days, register + outcome_end_days)`` (:func:`retained_after`); the
    rule is the best of :func:`aha_search` over ``candidate_events``.
    """
    real = engaged_users(users, events)
    counts = early_counts(real, events, list(candidate_events), activation_days)
    outcome = retained_after(real, orders, outcome_start_days, outcome_end_days)
    best, rules = aha_search(counts, outcome, min_coverage=min_coverage)
    return AhaMoment(str(best["event"]), int(best["k"]), best, rules, counts, outcome, int(activation_days), real)
