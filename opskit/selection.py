"""Self-selection: compare people who chose something with matched people who did not.

Joining a WeCom group, trying a category for the first time: the customers who make such a choice
were different *before* they made it (more active, more recent), so "choosers buy more than the
others" measures selection as much as effect. The fair comparison is with customers who looked the
same beforehand, at the same moment (docs/methods.md#selection, "incrementality of joining a group"; §20):

* :func:`activity_panel` — orders and amount per customer per period (named SQL ``activity_panel``);
* :func:`matched_pre_post` — exact matching on the activity of the ``pre`` periods before the
  choice (and on tenure, and optionally on the activity of the choice's own period), then the
  difference of the ``post`` periods after it (the pre periods are equal by construction, so this
  is also the difference in differences). The naive gap and the choosers' own before/after change
  are reported next to it, so the trap is visible.

Periods follow the kit's vocabulary (``"day"``, ``"week"`` starting on Monday, ``"month"``,
``"quarter"``, ``"year"``). Customer ids are opaque labels: they are only compared for equality.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opskit.data import engine

_PERIODS = ("day", "week", "month", "quarter", "year")


def _as_of(times: pd.Series, as_of) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of)
    return times.max().normalize() + pd.Timedelta(days=1)


def activity_panel(orders: pd.DataFrame, *, period: str = "week", as_of=None, customer: str = "user_id",
                   time: str = "order_time", amount: str | None = "amount") -> pd.DataFrame:
    """Orders and amount per customer per period: columns ``customer, period, orders, amount``.

    One row of ``orders`` is one order. Only orders strictly before ``as_of`` count (default: the day
    after the last order). Periods without orders are absent. Runs the named query ``activity_panel``.
    """
    if period not in _PERIODS:
        raise ValueError(f"period must be one of {list(_PERIODS)}, got {period!r}")
    frame = pd.DataFrame({
        "customer": orders[customer],
        "time": orders[time],
        "amount": orders[amount] if amount else 0.0,
    }, copy=False)
    cutoff = _as_of(frame["time"], as_of)
    return engine.run("activity_panel", {"period": period, "as_of": cutoff}, orders=frame)


def period_index(times, period: str = "week") -> np.ndarray:
    """Integer index of the period of each timestamp (consecutive periods differ by 1; NaT gives -1).

    Weeks start on Monday (1970-01-05 opens week 1), months, quarters and years are calendar ones.
    """
    if period not in _PERIODS:
        raise ValueError(f"period must be one of {list(_PERIODS)}, got {period!r}")
    values = pd.to_datetime(pd.Series(times)).to_numpy()
    missing = np.isnat(values)
    if period in ("day", "week"):
        index = values.astype("datetime64[D]").astype(np.int64)
        index = (index + 3) // 7 if period == "week" else index
    else:
        months = values.astype("datetime64[M]").astype(np.int64)
        index = {"month": months, "quarter": months // 3, "year": months // 12}[period]
    return np.where(missing, -1, index)


def period_start(index, period: str = "week") -> pd.DatetimeIndex:
    """The first day of each period of :func:`period_index`."""
    index = np.asarray(index, dtype=np.int64)
    if period == "day":
        days = index
    elif period == "week":
        days = index * 7 - 3
    else:
        months = index * {"month": 1, "quarter": 3, "year": 12}[period]
        return pd.DatetimeIndex(months.astype("datetime64[M]").astype("datetime64[us]"))
    return pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[us]"))


_UNIT_COLUMNS = ("customer", "choice_period", "pre", "post", "control_pre", "control_post", "control_var",
                 "controls", "all_control_pre", "all_control_post")


@dataclass
class MatchedComparison:
    """Result of :func:`matched_pre_post`.

    ``summary``: n_chosen, n_matched, effect (mean over matched choosers of their post activity minus
    that of their matched controls), se, ci_low, ci_high, naive_gap (choosers' post activity minus that
    of all eligible non-choosers of the same period), naive_pre_gap (the same over the pre periods: how
    different the choosers already were), before_after (choosers' post minus their own pre,
    scaled to the same number of periods), all_pre and all_post (all eligible non-choosers), chosen_pre,
    chosen_post, matched_pre and matched_post (means over the matched choosers and their controls). ``units``: one row per chooser with a complete post window.
    """

    summary: pd.Series
    units: pd.DataFrame


def matched_pre_post(panel: pd.DataFrame, chosen: pd.Series, population: pd.Series, *,
                     period: str = "week", pre: int = 13, post: int = 13, skip: int = 1,
                     value: str = "orders", as_of=None, match_tenure: bool = True,
                     match_choice_period: bool = False, max_pre: int = 40) -> MatchedComparison:
    """Effect of a self-selected choice on later activity, against matched non-choosers.

    Parameters
    ----------
    panel : customer x period activity (``customer, period, <value>``), e.g. :func:`activity_panel`
        of one or several order tables concatenated.
    chosen : when each chooser made the choice (index: customer id, values: timestamps). Its period
        is the *choice period* a.
    population : when each customer could first have chosen (index: customer id, values: e.g. the
        registration time). Choosers missing here enter at their first panel period.
    pre, post, skip : the ``pre`` periods before a are matched on; the ``post`` periods starting ``skip``
        periods after a are compared (skip=1 leaves out the choice period, which holds activity both
        before and after the choice).
    match_tenure : also match on periods since entry (exact up to ``pre``, then doubling bands), so
        new customers are compared with new customers.
    match_choice_period : also match on the activity of the choice period itself. Use it when the
        choice is made *by* an order (trying a category): the chooser was active in that period, so
        the controls must be too.
    max_pre : pre-period activity above this is pooled into one stratum.

    Controls for a choice in period a are the customers who entered by period a and had not chosen
    by period a. Customers who choose later stay in (removing those who choose within the window
    would select controls on their post-period activity whenever choosing depends on recent activity);
    the price is a small understatement when the choice has an effect and some controls choose
    during the window. Choosers whose post window is not complete before ``as_of`` (default: the end
    of the last panel period) are left out, and so are choosers without a control in their stratum
    (``n_matched`` < ``n_chosen``). The standard error treats the control means as independent across
    choosers, a slight understatement when controls are shared.
    """
    chosen = chosen.dropna()
    panel_idx = period_index(panel["period"], period)
    customers = pd.Index(population.index).append(pd.Index(chosen.index)).unique()
    row = customers.get_indexer(panel["customer"].to_numpy())
    first_seen = np.full(len(customers), np.iinfo(np.int64).max)
    np.minimum.at(first_seen, row[row >= 0], panel_idx[row >= 0])
    entry_idx = np.full(len(customers), -1)
    entry_idx[: len(population)] = period_index(population.reindex(customers[: len(population)]), period)
    entry_idx = np.where(entry_idx < 0, first_seen, entry_idx)

    # Periods before ``complete`` lie wholly before the cut-off (the period holding ``as_of`` does not).
    complete = int(panel_idx.max()) + 1 if as_of is None else int(period_index([pd.Timestamp(as_of)], period)[0])

    # The panel sorted by period: any window's sums are one bincount over a contiguous slice,
    # so memory stays O(customers) whatever the number of periods.
    keep = row >= 0
    order = np.argsort(panel_idx[keep], kind="stable")
    rows, cols = row[keep][order], panel_idx[keep][order]
    values = panel[value].to_numpy(dtype=float)[keep][order]

    def window(a: int, lo: int, hi: int) -> np.ndarray:  # each customer's sum over periods [a + lo, a + hi)
        i, j = np.searchsorted(cols, [a + lo, a + hi])
        return np.bincount(rows[i:j], weights=values[i:j], minlength=len(customers))

    choice_idx = np.full(len(customers), np.iinfo(np.int64).max)
    chosen_rows = customers.get_indexer(chosen.index)
    choice_idx[chosen_rows] = period_index(chosen, period)

    parts: dict[str, list] = {name: [] for name in _UNIT_COLUMNS}
    ids = customers.to_numpy()
    for a in np.unique(choice_idx[chosen_rows]):
        if a + skip + post > complete:
            continue
        treated = np.flatnonzero(choice_idx == a)
        control = np.flatnonzero((entry_idx <= a) & (choice_idx > a))
        pre_sum, post_sum = window(a, -pre, 0), window(a, skip, skip + post)
        key = np.minimum(pre_sum, max_pre).astype(np.int64)
        if match_tenure:
            key = key * (pre + 5) + _tenure_bucket(a - entry_idx, pre)
        if match_choice_period:
            key = key * 1000 + np.minimum(window(a, 0, 1), 999).astype(np.int64)
        strata, inverse = np.unique(key[control], return_inverse=True)
        size = np.bincount(inverse, minlength=len(strata))
        total = np.bincount(inverse, weights=post_sum[control], minlength=len(strata))
        pre_mean = np.bincount(inverse, weights=pre_sum[control], minlength=len(strata)) / np.maximum(size, 1)
        squares = np.bincount(inverse, weights=post_sum[control] ** 2, minlength=len(strata))
        mean = total / np.maximum(size, 1)
        var = np.where(size > 1, (squares - size * mean ** 2) / np.maximum(size - 1, 1), 0.0)
        at = np.minimum(np.searchsorted(strata, key[treated]), max(len(strata) - 1, 0))
        found = (len(strata) > 0) & (strata[at] == key[treated]) if len(strata) else np.zeros(len(treated), bool)
        parts["customer"].append(ids[treated])
        parts["choice_period"].append(np.full(len(treated), a))
        parts["pre"].append(pre_sum[treated])
        parts["post"].append(post_sum[treated])
        parts["control_pre"].append(np.where(found, pre_mean[at] if len(strata) else np.nan, np.nan))
        parts["control_post"].append(np.where(found, mean[at] if len(strata) else np.nan, np.nan))
        parts["control_var"].append(np.where(found, var[at] if len(strata) else np.nan, np.nan))
        parts["controls"].append(np.where(found, size[at] if len(strata) else 0, 0))
        parts["all_control_pre"].append(np.full(len(treated), pre_sum[control].mean() if len(control) else np.nan))
        parts["all_control_post"].append(np.full(len(treated), post_sum[control].mean() if len(control) else np.nan))
    units = pd.DataFrame({name: np.concatenate(values) if values else [] for name, values in parts.items()})
    units["choice_period"] = period_start(units["choice_period"].to_numpy(dtype=np.int64), period)
    return MatchedComparison(_summarise(units, len(chosen), pre, post), units)


def _tenure_bucket(tenure: np.ndarray, pre: int) -> np.ndarray:
    """Periods since entry: exact up to ``pre``, then doubling bands (pre–2pre, 2pre–4pre, …, ≥ 8pre)."""
    tenure = np.maximum(tenure, 0)
    bands = np.floor(np.log2(np.maximum(tenure, 1) / pre)).astype(np.int64)
    return np.where(tenure <= pre, tenure, pre + 1 + np.clip(bands, 0, 3))


def _summarise(units: pd.DataFrame, n_chosen: int, pre: int, post: int) -> pd.Series:
    matched = units[units["controls"] > 0]
    n = len(matched)
    diff = matched["post"] - matched["control_post"]
    effect = float(diff.mean()) if n else np.nan
    var = ((diff - effect) ** 2).sum() / n ** 2 + (matched["control_var"] / matched["controls"]).sum() / n ** 2 \
        if n else np.nan
    se = float(np.sqrt(var)) if n else np.nan
    return pd.Series({
        "n_chosen": n_chosen,
        "n_matched": n,
        "effect": effect,
        "se": se,
        "ci_low": effect - 1.96 * se,
        "ci_high": effect + 1.96 * se,
        "naive_gap": float((units["post"] - units["all_control_post"]).mean()) if len(units) else np.nan,
        "naive_pre_gap": float((units["pre"] - units["all_control_pre"]).mean()) if len(units) else np.nan,
        "all_pre": float(units["all_control_pre"].mean()) if len(units) else np.nan,
        "all_post": float(units["all_control_post"].mean()) if len(units) else np.nan,
        "before_after": float((units["post"] - units["pre"] * post / pre).mean()) if len(units) else np.nan,
        "chosen_pre": float(matched["pre"].mean()) if n else np.nan,
        "chosen_post": float(matched["post"].mean()) if n else np.nan,
        "matched_pre": float(matched["control_pre"].mean()) if n else np.nan,
        "matched_post": float(matched["control_post"].mean()) if n else np.nan,
    })
