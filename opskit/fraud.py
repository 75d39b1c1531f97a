"""Mobile-attribution fraud signals per channel: CTIT, click injection, click flooding, IP
concentration, retention collapse, a combined verdict and the wasted-spend estimate.

Default thresholds follow the AppsFlyer Protect360 glossary (docs/methods.md#fraud); they are parameters
because every app's honest CTIT differs — tune them on your own organic or trusted channels:

- click injection / install hijacking: "a glut of installs during the first 3–10 seconds" after
  the click → ``injection_seconds=10``;
- click flooding: "a nearly flat distribution at scale between hours 2 and 24" →
  ``flood_window=(2 h, 24 h)``;
- honest traffic: about 75% of installs within 1 hour of the click, 94% within 24 hours.

CTIT (click-to-install time) is measured from the *click*, never from the impression, and both
timestamps must be in the same time zone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from opskit.concentration import hhi as _hhi
from opskit.data import engine

HOUR = 3600.0
CTIT_BINS = (0, 10, 60, HOUR, 2 * HOUR, 24 * HOUR, 7 * 24 * HOUR, np.inf)
CTIT_LABELS = ("≤10 秒", "10 秒–1 分钟", "1 分钟–1 小时", "1–2 小时", "2–24 小时", "1–7 天", "7 天以上")
SIGNAL_LABELS = {"injection": "点击注入", "flooding": "点击泛滥", "ip_concentration": "IP 集中",
                 "retention_collapse": "留存塌陷"}


def ctit_seconds(installs: pd.DataFrame) -> pd.Series:
    """Click-to-install time in seconds (install_time − click_time)."""
    return (installs["install_time"] - installs["click_time"]).dt.total_seconds()


def ctit_profile(installs: pd.DataFrame, bins=CTIT_BINS, labels=CTIT_LABELS) -> pd.DataFrame:
    """Share of each channel's installs in each CTIT band (rows: channels; columns: bands)."""
    band = pd.cut(ctit_seconds(installs), list(bins), labels=list(labels), right=True,
                  include_lowest=True)
    return pd.crosstab(installs["channel_id"], band.rename("ctit_band"), normalize="index")


def flag_injection_ctit(ctit, threshold: float = 10.0) -> np.ndarray:
    """True where the CTIT (seconds) is at most ``threshold``: the click-injection signature.

    A CTIT of 2 s is flagged and 30 min is clean; the flagged share is non-decreasing in
    ``threshold``.
    """
    return np.asarray(ctit, dtype=float) <= threshold


def flag_injection_timestamps(click_ts, install_begin_ts) -> np.ndarray:
    """Airbridge's injection rule: a click later than the Play install-referrer
    ``install_begin_timestamp`` cannot have caused the install → True (fraudulent)."""
    return np.asarray(pd.to_datetime(click_ts) > pd.to_datetime(install_begin_ts))


def flatness_test(ctit, baseline, window=(2 * HOUR, 24 * HOUR)) -> dict[str, float]:
    """Click-flooding test on the CTITs inside ``window`` (seconds).

    Two KS tests: against the ``baseline`` CTITs in the same window (honest traffic decays there)
    and against the uniform distribution on the window (flooding is flat there). Returns the
    statistics and p-values, the window shares of both samples and ``flat``: True when the
    sample differs from the baseline at 1% and is closer to uniform than to the baseline.
    """
    lo, hi = window
    x = np.asarray(ctit, dtype=float)
    b = np.asarray(baseline, dtype=float)
    xw, bw = x[(x >= lo) & (x <= hi)], b[(b >= lo) & (b <= hi)]
    if len(xw) < 5 or len(bw) < 5:
        return {"ks_baseline": np.nan, "p_baseline": np.nan, "ks_uniform": np.nan,
                "p_uniform": np.nan, "window_share": float(np.mean((x >= lo) & (x <= hi))) if len(x) else np.nan,
                "baseline_window_share": float(np.mean((b >= lo) & (b <= hi))) if len(b) else np.nan,
                "flat": False}
    vs_base = stats.ks_2samp(xw, bw)
    vs_unif = stats.kstest(xw, stats.uniform(loc=lo, scale=hi - lo).cdf)
    return {"ks_baseline": float(vs_base.statistic), "p_baseline": float(vs_base.pvalue),
            "ks_uniform": float(vs_unif.statistic), "p_uniform": float(vs_unif.pvalue),
            "window_share": len(xw) / len(x), "baseline_window_share": len(bw) / len(b),
            "flat": bool(vs_base.pvalue < 0.01 and vs_unif.statistic < vs_base.statistic)}


def ip_concentration(installs: pd.DataFrame, *, min_installs: int = 5) -> pd.DataFrame:
    """Per channel: installs, distinct IPs, installs per IP, the top IP's share, the HHI of installs
    over IPs (0–10,000, via :func:`opskit.concentration.hhi`), the share of installs from IPs
    with at least ``min_installs`` installs (``dense_ip_share``), and the top device model's share."""
    per_ip = engine.run("install_ip_counts", installs=engine.renamed(installs, channel_id="channel_id", ip="ip"))
    per_ip = per_ip.dropna(subset=["channel_id", "ip"])  # pandas group-bys drop missing keys
    g = per_ip.groupby("channel_id")["n"]
    out = pd.DataFrame({"installs": g.sum(), "ips": g.size()})
    out["installs_per_ip"] = out["installs"] / out["ips"]
    out["top_ip_share"] = g.max() / out["installs"]
    out["ip_hhi"] = g.apply(_hhi)
    dense = per_ip.loc[per_ip["n"] >= min_installs].groupby("channel_id")["n"].sum()
    out["dense_ip_share"] = dense.reindex(out.index, fill_value=0) / out["installs"]
    if "device_model" in installs:
        models = engine.run("install_ip_counts",  # the same per-(channel, key) count, keyed by model
                            installs=engine.renamed(installs, channel_id="channel_id", ip="device_model"))
        models = models.dropna(subset=["channel_id", "ip"])
        out["top_model_share"] = models.groupby("channel_id")["n"].max() / out["installs"]
    return out


def install_retention(installs: pd.DataFrame, orders: pd.DataFrame, *, retention_day: int = 30,
                      retention_window: int = 30, as_of=None) -> pd.Series:
    """Per channel: share of installs (old enough) whose user ordered in
    [``retention_day``, ``retention_day + retention_window``) days after the install.
    Installs that never registered count as not retained — that is the point for fake installs."""
    as_of = orders["order_time"].max() if as_of is None else pd.Timestamp(as_of)
    table = engine.run("install_retention", {"as_of": as_of, "retention_day": int(retention_day),
                                             "retention_window": int(retention_window)},
                       installs=engine.renamed(installs, channel_id="channel_id", user_id="user_id",
                                               install_time="install_time"),
                       orders=engine.renamed(orders, user_id="user_id", order_time="order_time"))
    table = table.dropna(subset=["channel_id"]).set_index("channel_id")
    return (table["retained"] / table["installs"]).rename("install_retention")


def fraud_verdict(installs: pd.DataFrame, orders: pd.DataFrame | None = None, *,
                  injection_seconds: float = 10.0, injection_max_share: float = 0.05,
                  flood_window=(2 * HOUR, 24 * HOUR), dense_ip_installs: int = 5,
                  dense_ip_max_share: float = 0.10, retention_ratio_min: float = 0.6,
                  min_signals: int = 2, retention_day: int = 30) -> pd.DataFrame:
    """A per-channel fraud verdict with the signals that fired.

    Signals (each a parameter, defaults AppsFlyer-style, see the module docstring):

    - ``injection``: share of installs with CTIT ≤ ``injection_seconds`` above ``injection_max_share``;
    - ``flooding``: :func:`flatness_test` of the channel's CTIT against all *other* channels pooled
      (leave-one-out baseline) is ``flat`` on ``flood_window``;
    - ``ip_concentration``: share of installs from IPs with ≥ ``dense_ip_installs`` installs above
      ``dense_ip_max_share``;
    - ``retention_collapse`` (needs ``orders``): install-to-retained rate below
      ``retention_ratio_min`` × the median channel's.

    A channel is ``flagged`` when at least ``min_signals`` fire. Thresholds are rules of thumb:
    tune them on channels you trust.
    """
    ctit = ctit_seconds(installs)
    chan = installs["channel_id"]
    out = pd.DataFrame(index=pd.Index(sorted(chan.unique()), name="channel_id"))
    out["installs"] = chan.value_counts()
    out["injection_share"] = pd.Series(flag_injection_ctit(ctit, injection_seconds), index=ctit.index).groupby(chan).mean()
    flat = {c: flatness_test(ctit[chan == c], ctit[chan != c], flood_window) for c in out.index}
    flat = pd.DataFrame(flat).T
    out["flood_window_share"] = flat["window_share"].astype(float)
    out["ks_vs_baseline"] = flat["ks_baseline"].astype(float)
    out["ks_vs_uniform"] = flat["ks_uniform"].astype(float)
    ips = ip_concentration(installs, min_installs=dense_ip_installs)
    out["dense_ip_share"] = ips["dense_ip_share"]
    out["ip_hhi"] = ips["ip_hhi"]
    signals = {"injection": out["injection_share"] > injection_max_share,
               "flooding": flat["flat"].astype(bool),
               "ip_concentration": out["dense_ip_share"] > dense_ip_max_share}
    if orders is not None:
        ret = install_retention(installs, orders, retention_day=retention_day)
        out["install_retention"] = ret
        out["retention_ratio"] = ret / ret.median()
        signals["retention_collapse"] = out["retention_ratio"] < retention_ratio_min
    fired = pd.DataFrame(signals).reindex(out.index).fillna(False).astype(bool)
    out["n_signals"] = fired.sum(axis=1)
    out["signals"] = fired.apply(lambda row: "、".join(SIGNAL_LABELS[k] for k in row.index[row]), axis=1)
    out["flagged"] = out["n_signals"] >= min_signals
    out.attrs["thresholds"] = dict(injection_seconds=injection_seconds, injection_max_share=injection_max_share,
                                   flood_window=flood_window, dense_ip_installs=dense_ip_installs,
                                   dense_ip_max_share=dense_ip_max_share,
                                   retention_ratio_min=retention_ratio_min, min_signals=min_signals)
    return out


def fake_install_share(ctit, baseline, *, injection_seconds: float = 10.0,
                       flood_window=(2 * HOUR, 24 * HOUR)) -> float:
    """Estimate the share of fake installs in a channel from its CTITs (a mixture estimate).

    Assume the channel's installs are honest ones distributed like ``baseline`` plus fakes that
    all land in the injection band (≤ ``injection_seconds``) or the flooding window. The share of
    installs *outside* both bands then comes from honest installs only, so
    honest share = outside share(channel) / outside share(baseline), and fake share = 1 − that
    (clipped to [0, 1]).
    """
    def outside(x):
        x = np.asarray(x, dtype=float)
        return np.mean((x > injection_seconds) & ((x < flood_window[0]) | (x > flood_window[1])))

    return float(np.clip(1 - outside(ctit) / outside(baseline), 0.0, 1.0))


def wasted_spend(installs: pd.DataFrame, channel_spend: pd.DataFrame, channel: str,
                 honest_channels=None, **kwargs) -> dict[str, float]:
    """Share and amount of a channel's spend wasted on fake installs.

    With per-install (CPI) billing the wasted share equals the fake install share
    (:func:`fake_install_share` against the ``honest_channels`` pooled, default every other
    channel). Returns ``fake_share``, ``spend``, ``wasted``, and ``ip_share`` — the share from dense
    IPs (:func:`ip_concentration`), an independent cross-check.
    """
    ctit = ctit_seconds(installs)
    mine = installs["channel_id"] == channel
    honest = ~mine if honest_channels is None else installs["channel_id"].isin(list(honest_channels))
    share = fake_install_share(ctit[mine], ctit[honest], **kwargs)
    spend = float(channel_spend.loc[channel_spend["channel_id"] == channel, "spend"].sum())
    ips = ip_concentration(installs)
    return {"fake_share": share, "spend": spend, "wasted": share * spend,
            "ip_share": float(ips.loc[channel, "dense_ip_share"])}
