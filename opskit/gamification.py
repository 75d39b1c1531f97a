"""Gamification analytics: is ARPU a finite game, which tasks matter, and does the task chain hold?

* :func:`arpu_curve`: cumulative spend per customer by month of tenure (named query
  ``tenure_spend``), each month averaged over the customers observed that long, with a saturating
  fit S(t) = A·(1 − e^(−t/τ)) + c·t: when the linear part c is ~0 the ARPU is bounded (a finite
  game, 有限游戏); when c stays positive, customers keep spending (an infinite game).
* :func:`chain_funnel`: the newcomer task chain as an ordered funnel (a step counts only when done
  after the previous one) from the first completions (named query ``first_completions``).
* :func:`task_retention`: the naive comparison, for every task, of later ordering between users who
  did the task early and those who did not (what a dashboard shows; selection included).
* :func:`task_effects`: the randomised task experiment: naive difference, intention-to-treat
  effect (shown vs not), compliance, and the Wald / CACE estimate of the effect on completers.

See docs/methods_precision.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from opskit.data import engine

__all__ = ["tenure_spend", "arpu_curve", "fit_arpu_bound", "first_completions", "chain_funnel",
           "task_retention", "task_effects", "monthly_growth", "user_margin"]


def tenure_spend(orders: pd.DataFrame, *, as_of) -> pd.DataFrame:
    """Orders and spend per user and month of tenure (0 = the month of the first order)."""
    return engine.run("tenure_spend", {"as_of": pd.Timestamp(as_of)},
                      orders=orders[["user_id", "order_time", "amount"]])


def arpu_curve(orders: pd.DataFrame, *, as_of, max_months: int | None = None) -> pd.DataFrame:
    """Cumulative spend per customer by tenure month, over the customers observed that long.

    A customer whose first order was in month m0 is observed for tenure months 0 … (month of as_of
    − 1) − m0 (the month containing ``as_of`` is incomplete and left out). Columns: tenure_month,
    customers (observed), spend_per_customer (that month), cumulative (sum of the monthly means).
    """
    per = tenure_spend(orders, as_of=as_of)
    summary = engine.run("user_order_summary", {"as_of": pd.Timestamp(as_of)},
                         orders=orders[["user_id", "order_time", "amount"]])
    firsts = pd.Series(summary["first_order"].to_numpy(), index=pd.Index(summary["user_id"], name="user_id"))
    last_full = pd.Timestamp(as_of).to_period("M") - 1
    month_no = firsts.dt.year * 12 + firsts.dt.month
    observed = (last_full.year * 12 + last_full.month - month_no).clip(lower=-1)
    months = int(observed.max()) + 1 if len(observed) else 0
    if max_months is not None:
        months = min(months, int(max_months) + 1)
    counts = np.bincount(observed[observed >= 0].to_numpy(), minlength=months)[:months]
    at_risk = counts[::-1].cumsum()[::-1]  # customers observed at least t months
    per = per[per["tenure_month"] < months]
    per = per[per["user_id"].map(observed).to_numpy() >= per["tenure_month"].to_numpy()]
    spend = per.groupby("tenure_month")["spend"].sum().reindex(range(months), fill_value=0.0)
    out = pd.DataFrame({"tenure_month": np.arange(months), "customers": at_risk})
    out["spend_per_customer"] = spend.to_numpy() / np.where(at_risk > 0, at_risk, np.nan)
    out["cumulative"] = out["spend_per_customer"].cumsum()
    return out


def fit_arpu_bound(curve: pd.DataFrame, min_customers: int = 30) -> dict:
    """Fit S(t) = A·(1 − e^(−t/τ)) + c·t to the cumulative curve (months with enough customers).

    Returns A, tau, c (yuan per month that keeps coming), the fitted curve and the share of the
    last observed month's spend that the saturating part explains.
    """
    part = curve[curve["customers"] >= min_customers]
    t = part["tenure_month"].to_numpy(dtype=float) + 1
    y = part["cumulative"].to_numpy(dtype=float)

    def model(t, a, tau, c):
        return a * (1 - np.exp(-t / tau)) + c * t

    p0 = [y[-1], 3.0, 0.0]
    params, _ = optimize.curve_fit(model, t, y, p0=p0, bounds=([0, 0.1, 0], [np.inf, 240, np.inf]), maxfev=20000)
    a, tau, c = (float(v) for v in params)
    return {"A": a, "tau": tau, "c": c, "months": len(t), "fitted": model(t, a, tau, c),
            "bounded": bool(c * 12 < 0.1 * a)}


def first_completions(task_log: pd.DataFrame, tasks: pd.DataFrame, *, as_of) -> pd.DataFrame:
    """First completion time, count, chain step and reward per user and task."""
    return engine.run("first_completions", {"as_of": pd.Timestamp(as_of)},
                      task_log=task_log[["user_id", "task_id", "completed_time"]],
                      tasks=tasks[["task_id", "chain_step", "growth_reward"]])


def chain_funnel(firsts: pd.DataFrame, tasks: pd.DataFrame, users=None) -> pd.DataFrame:
    """Ordered funnel of the task chain: step k counts when done at or after step k − 1.

    ``firsts``: :func:`first_completions`; ``users``: the population (default: users with any
    chain completion). Columns: step, task_id, task_name, reached, rate (of the population),
    step_rate (of the previous step), done_any_order (completed regardless of order).
    """
    chain = tasks.dropna(subset=["chain_step"]).sort_values("chain_step", kind="stable")
    wide = firsts[firsts["task_id"].isin(chain["task_id"])].pivot_table(
        index="user_id", columns="task_id", values="first_time", aggfunc="min")
    users = pd.Index(pd.unique(pd.Series(users))) if users is not None else wide.index
    wide = wide.reindex(index=users, columns=chain["task_id"])
    times = wide.to_numpy(dtype="datetime64[ns]")
    reached = np.ones(len(users), bool)
    prev = np.full(len(users), np.datetime64("1677-09-22", "ns"))
    rows = []
    for j, row in enumerate(chain.itertuples()):  # chain steps: a handful
        t = times[:, j]
        ok = reached & ~np.isnat(t) & (t >= prev)
        rows.append({"step": int(row.chain_step), "task_id": row.task_id, "task_name": row.task_name,
                     "reached": int(ok.sum()), "done_any_order": int((~np.isnat(t)).sum())})
        reached, prev = ok, np.where(ok, t, prev)
    out = pd.DataFrame(rows)
    out["rate"] = out["reached"] / max(len(users), 1)
    out["step_rate"] = out["reached"] / out["reached"].shift(1, fill_value=len(users)).replace(0, np.nan)
    return out


def task_retention(firsts: pd.DataFrame, users: pd.DataFrame, orders: pd.DataFrame, tasks: pd.DataFrame,
                   *, early_days: int = 30, later_days: int = 90, as_of) -> pd.DataFrame:
    """Naive view: per task, the later-order rate of users who did it in their first ``early_days``
    vs those who did not (users with ``later_days`` of history; orders in [early_days, later_days)).

    This is the correlation a dashboard shows; it includes selection (engaged users do more tasks).
    """
    reg = users.set_index("user_id")["register_time"]
    cohort = reg[reg + pd.Timedelta(days=later_days) <= pd.Timestamp(as_of)]
    o = orders[orders["user_id"].isin(cohort.index)]
    age = o["order_time"] - o["user_id"].map(cohort).to_numpy()
    later = o.loc[(age >= pd.Timedelta(days=early_days)) & (age < pd.Timedelta(days=later_days)), "user_id"].unique()
    retained = pd.Series(cohort.index.isin(later), index=cohort.index)
    f = firsts[firsts["user_id"].isin(cohort.index)]
    early = f[(f["first_time"] - f["user_id"].map(cohort).to_numpy()) < pd.Timedelta(days=early_days)]
    rows = []
    for task in tasks.itertuples():  # tasks: a handful
        did = pd.Series(cohort.index.isin(early.loc[early["task_id"] == task.task_id, "user_id"]), index=cohort.index)
        if did.sum() == 0:
            continue
        rows.append({"task_id": task.task_id, "task_name": task.task_name, "doers": int(did.sum()),
                     "retention_doers": retained[did].mean(), "retention_others": retained[~did].mean()})
    out = pd.DataFrame(rows)
    if len(out):
        out["difference"] = out["retention_doers"] - out["retention_others"]
    return out


def task_effects(experiment: pd.DataFrame) -> pd.DataFrame:
    """Per task of a randomised task experiment (user_id, task_id, shown, completed, retained).

    naive = retention of completers − non-completers (selection included); itt = retention of
    shown − not shown (causal effect of showing the task); compliance = completion rate of shown −
    not shown; cace = itt / compliance (Wald estimator: the effect on those who complete because
    they were shown, Angrist, Imbens & Rubin 1996), with delta-method standard errors.
    """
    rows = []
    for task, g in experiment.groupby("task_id", sort=True):
        s, n = g[g["shown"] == 1], g[g["shown"] == 0]
        itt = s["retained"].mean() - n["retained"].mean()
        comp = s["completed"].mean() - n["completed"].mean()
        var_itt = s["retained"].var() / len(s) + n["retained"].var() / len(n)
        var_comp = s["completed"].var() / len(s) + n["completed"].var() / len(n)
        # Covariance of the two differences (same users): from the shown arm's joint outcomes.
        cov = (np.cov(s["retained"], s["completed"])[0, 1] / len(s)
               + np.cov(n["retained"], n["completed"])[0, 1] / len(n))
        cace = itt / comp if comp > 0 else float("nan")
        var_cace = (var_itt - 2 * cace * cov + cace ** 2 * var_comp) / comp ** 2 if comp > 0 else float("nan")
        done = g["completed"] == 1
        rows.append({"task_id": task, "users": len(g), "shown_rate": g["shown"].mean(),
                     "naive": g.loc[done, "retained"].mean() - g.loc[~done, "retained"].mean(),
                     "itt": itt, "itt_se": float(np.sqrt(var_itt)), "compliance": comp,
                     "cace": cace, "cace_se": float(np.sqrt(var_cace)) if var_cace == var_cace else float("nan")})
    return pd.DataFrame(rows).set_index("task_id")


def monthly_growth(orders: pd.DataFrame, task_log: pd.DataFrame | None, tasks: pd.DataFrame | None, *,
                   start, end, per_yuan: float = 1.0) -> pd.DataFrame:
    """Growth value (成长值) earned per user and month: ``per_yuan`` per yuan paid plus task rewards.

    Returns a wide table, users × months (first day of each month in [start, end)), zeros filled.
    """
    if task_log is None or tasks is None:
        task_log = pd.DataFrame({"user_id": orders["user_id"].iloc[:0], "task_id": pd.Series(dtype=str),
                                 "completed_time": pd.Series(dtype="datetime64[us]")})
        tasks = pd.DataFrame({"task_id": pd.Series(dtype=str), "growth_reward": pd.Series(dtype=float)})
    long = engine.run("monthly_growth", {"start": pd.Timestamp(start), "end": pd.Timestamp(end),
                                         "per_yuan": float(per_yuan)},
                      orders=orders[["user_id", "order_time", "amount"]],
                      task_log=task_log[["user_id", "task_id", "completed_time"]],
                      tasks=tasks[["task_id", "growth_reward"]])
    months = pd.date_range(pd.Timestamp(start).to_period("M").start_time, pd.Timestamp(end), freq="MS", inclusive="left")
    wide = long.pivot_table(index="user_id", columns="month", values="growth", aggfunc="sum", fill_value=0.0)
    return wide.reindex(columns=months, fill_value=0.0)


def user_margin(order_lines: pd.DataFrame, orders: pd.DataFrame, categories: pd.DataFrame | None, *, start, end,
                default_margin: float = 0.25) -> pd.DataFrame:
    """Spend and gross margin per user in [start, end): line amounts × their category's margin rate
    (``default_margin`` where a category has none). Named query ``user_margin``."""
    if categories is None or "gross_margin" not in categories:
        categories = pd.DataFrame({"category_id": pd.Series(dtype=str), "gross_margin": pd.Series(dtype=float)})
    return engine.run("user_margin", {"start": pd.Timestamp(start), "end": pd.Timestamp(end),
                                      "default_margin": float(default_margin)},
                      order_lines=order_lines[["order_id", "category_id", "line_amount"]],
                      orders=orders[["order_id", "user_id", "order_time"]],
                      categories=categories[["category_id", "gross_margin"]])
