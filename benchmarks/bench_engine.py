"""Benchmark: opskit's named queries against hand-written DuckDB SQL and polars.

Generates the core tables of a simulated world once (``opskit.sim.simulate_core``: users, orders,
events; 1,000,000 users give about 10M orders and 27M events) and caches them as Parquet, then:

(a) **in memory**, in one process and interleaved (a busy moment hurts every contender alike), the
    median seconds of each metric -- RFM, monthly cohort counts, monthly KPIs, the daily DAU/WAU/MAU
    series, a 4-step funnel with a 7-day window, the BG/NBD summary -- for opskit's method on pandas
    frames, the same rules hand-written as DuckDB SQL over the same frames (results fetched with
    ``.df()``, as an analyst would), and polars (frames converted before timing, results left in
    polars). Ratio = opskit / the best competitor (target <= 1.1). The CPU seconds of the process
    (every thread) are printed too: on a shared machine they move much less with other people's load.
(b) **end to end from Parquet** (RFM + cohort + funnel + DAU series), one fresh child process per run
    and contender: opskit's methods given the file paths (the engine scans them in place) against
    hand-written DuckDB SQL over the same files. Median time and peak resident memory (VmHWM of the
    child); targets <= 1.0x time and <= 1.2x memory.

    .venv/bin/python benchmarks/bench_engine.py [--n-users 100000] [--repeat 5] [--cache DIR]

The hand-written queries compute the same numbers as opskit's (the script checks the row counts
and totals agree before timing). polars is an optional extra: ``pip install 'opskit[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

STEPS = ["app_open", "view_item", "add_to_cart", "checkout"]
WITHIN = pd.Timedelta(days=7)

# --------------------------------------------------------------------------- hand-written DuckDB

HAND_SQL = {
    "rfm": """
        SELECT user_id,
               CAST(floor(date_diff('microsecond', max(order_time), $as_of) / 86400e6) AS BIGINT) AS recency_days,
               count(*) AS frequency, sum(amount) AS monetary
        FROM orders WHERE order_time < $as_of GROUP BY user_id""",
    "cohort": """
        WITH act AS (SELECT DISTINCT user_id, date_trunc('month', order_time) AS p FROM orders
                     WHERE order_time < $as_of),
             f AS (SELECT user_id, min(p) AS c FROM act GROUP BY user_id)
        SELECT f.c AS cohort, date_diff('month', f.c, act.p) AS age, count(*) AS users
        FROM act JOIN f USING (user_id) GROUP BY ALL""",
    "kpis": """
        WITH f AS (SELECT user_id, min(order_time) AS ft FROM orders GROUP BY user_id),
             u AS (SELECT date_trunc('month', o.order_time) AS m, o.user_id, count(*) AS n, sum(o.amount) AS gmv,
                          sum(o.amount + o.discount) AS gross, max(CASE WHEN o.order_time = f.ft THEN 1 ELSE 0 END) AS new,
                          sum(CASE WHEN o.order_time = f.ft THEN o.amount ELSE 0 END) AS first_gmv
                   FROM orders o JOIN f USING (user_id) GROUP BY ALL)
        SELECT m, sum(n) AS orders, count(*) AS buyers, sum(gmv) AS gmv, sum(gross) AS gross_gmv,
               sum(new) AS new_buyers, count(CASE WHEN n >= 2 THEN 1 END) AS repeat_buyers,
               sum(first_gmv) AS first_order_gmv
        FROM u GROUP BY m ORDER BY m""",
    "dau": """
        WITH a AS (SELECT DISTINCT user_id, CAST(event_time AS DATE) AS d FROM events
                   WHERE event_time < $end AND CAST(event_time AS DATE) > $start - 30),
             s AS (SELECT d, lead(d) OVER (PARTITION BY user_id ORDER BY d) AS nd FROM a),
             c AS (SELECT d AS day, 1 AS dau, 1 AS w, 1 AS m FROM s
                   UNION ALL SELECT least(coalesce(nd, d + 7), d + 7), 0, -1, 0 FROM s
                   UNION ALL SELECT least(coalesce(nd, d + 30), d + 30), 0, 0, -1 FROM s),
             g AS (SELECT day, sum(dau) AS dau, sum(w) AS w, sum(m) AS m FROM c GROUP BY day)
        SELECT day, dau, sum(w) OVER (ORDER BY day) AS wau, sum(m) OVER (ORDER BY day) AS mau
        FROM g QUALIFY day >= $start AND day < $end ORDER BY day""",
    "funnel": """
        WITH e AS (SELECT user_id, event_time AS t, event_type AS k FROM events
                   WHERE event_type IN ('app_open', 'view_item', 'add_to_cart', 'checkout')),
             s1 AS (SELECT user_id, min(t) AS t1 FROM e WHERE k = 'app_open' GROUP BY user_id),
             s2 AS (SELECT user_id, any_value(t1) AS t1, min(t) AS t2 FROM s1 JOIN e USING (user_id)
                    WHERE k = 'view_item' AND t >= t1 AND t <= t1 + INTERVAL 7 DAY GROUP BY user_id),
             s3 AS (SELECT user_id, any_value(t1) AS t1, min(t) AS t3 FROM s2 JOIN e USING (user_id)
                    WHERE k = 'add_to_cart' AND t >= t2 AND t <= t1 + INTERVAL 7 DAY GROUP BY user_id),
             s4 AS (SELECT user_id FROM s3 JOIN e USING (user_id)
                    WHERE k = 'checkout' AND t >= t3 AND t <= t1 + INTERVAL 7 DAY GROUP BY user_id)
        SELECT (SELECT count(*) FROM s1) AS n1, (SELECT count(*) FROM s2) AS n2,
               (SELECT count(*) FROM s3) AS n3, (SELECT count(*) FROM s4) AS n4""",
    "clv": """
        WITH p AS (SELECT user_id, date_trunc('day', order_time) AS d, sum(amount) AS amount FROM orders
                   WHERE order_time < $as_of GROUP BY ALL),
             u AS (SELECT user_id, count(*) - 1 AS frequency, min(d) AS f, max(d) AS l, sum(amount) AS total,
                          arg_min(amount, d) AS first_amount FROM p GROUP BY user_id)
        SELECT user_id, frequency, date_diff('day', f, l) / 7.0 AS recency,
               date_diff('day', f, CAST($as_of AS DATE) - 1) / 7.0 AS "T",
               CASE WHEN frequency > 0 THEN (total - first_amount) / frequency ELSE 0 END AS monetary
        FROM u ORDER BY user_id""",
}


def duckdb_contender(con, name, p):
    return con.execute(HAND_SQL[name], p).df()


# --------------------------------------------------------------------------- polars

def polars_contender(name, o, e, p):
    import polars as pl

    as_of = p.get("as_of")
    if name == "rfm":
        return (o.filter(pl.col("order_time") < as_of).group_by("user_id")
                .agg(((as_of - pl.col("order_time").max()).dt.total_microseconds() // 86_400_000_000)
                     .alias("recency_days"), pl.len().alias("frequency"), pl.col("amount").sum().alias("monetary")))
    if name == "cohort":
        act = (o.filter(pl.col("order_time") < as_of)
               .select("user_id", pl.col("order_time").dt.truncate("1mo").alias("p")).unique())
        act = act.with_columns(pl.col("p").min().over("user_id").alias("cohort"))
        age = ((pl.col("p").dt.year() - pl.col("cohort").dt.year()) * 12
               + pl.col("p").dt.month() - pl.col("cohort").dt.month())
        return act.group_by("cohort", age.alias("age")).agg(pl.len().alias("users"))
    if name == "kpis":
        x = o.with_columns(pl.col("order_time").dt.truncate("1mo").alias("m"),
                           (pl.col("order_time") == pl.col("order_time").min().over("user_id")).alias("first"))
        u = x.group_by("m", "user_id").agg(
            pl.len().alias("n"), pl.col("amount").sum().alias("gmv"),
            (pl.col("amount") + pl.col("discount")).sum().alias("gross"), pl.col("first").any().alias("new"),
            pl.col("amount").filter(pl.col("first")).sum().alias("first_gmv"))
        return u.group_by("m").agg(pl.col("n").sum().alias("orders"), pl.len().alias("buyers"),
                                   pl.col("gmv").sum(), pl.col("gross").sum(), pl.col("new").sum().alias("new_buyers"),
                                   (pl.col("n") >= 2).sum().alias("repeat_buyers"), pl.col("first_gmv").sum()).sort("m")
    if name == "dau":
        start, end = p["start"], p["end"]
        a = (e.filter(pl.col("event_time") < pl.lit(end).cast(pl.Datetime("us")))
             .select("user_id", pl.col("event_time").dt.date().alias("d"))
             .filter(pl.col("d") > pl.lit(start) - pl.duration(days=30)).unique()
             .with_columns(pl.col("d").cast(pl.Int32)).sort("user_id", "d")
             .with_columns(pl.col("d").shift(-1).over("user_id").alias("nd")))
        ends = [a.select(pl.min_horizontal(pl.col("nd").fill_null(pl.col("d") + w), pl.col("d") + w).alias("day"),
                         pl.lit(0).alias("dau"), pl.lit(-1 if w == 7 else 0).alias("w"),
                         pl.lit(-1 if w == 30 else 0).alias("m")) for w in (7, 30)]
        starts = a.select(pl.col("d").alias("day"), pl.lit(1).alias("dau"), pl.lit(1).alias("w"), pl.lit(1).alias("m"))
        g = (pl.concat([starts, *ends]).group_by("day").agg(pl.all().sum()).sort("day")
             .with_columns(pl.col("w").cum_sum().alias("wau"), pl.col("m").cum_sum().alias("mau")))
        lo = (pd.Timestamp(start) - pd.Timestamp("1970-01-01")).days
        hi = (pd.Timestamp(end) - pd.Timestamp("1970-01-01")).days
        return g.filter((pl.col("day") >= lo) & (pl.col("day") < hi))
    if name == "funnel":
        ev = e.filter(pl.col("event_type").is_in(STEPS)).select("user_id", "event_time", "event_type")
        first = (ev.filter(pl.col("event_type") == STEPS[0]).group_by("user_id")
                 .agg(pl.col("event_time").min().alias("t1")))
        counts, prev = [first.height], first.with_columns(pl.col("t1").alias("prev"))
        for step in STEPS[1:]:
            hit = (ev.filter(pl.col("event_type") == step).join(prev, on="user_id")
                   .filter((pl.col("event_time") >= pl.col("prev"))
                           & (pl.col("event_time") <= pl.col("t1") + pl.duration(days=7)))
                   .group_by("user_id").agg(pl.col("t1").first(), pl.col("event_time").min().alias("prev")))
            counts.append(hit.height)
            prev = hit
        return counts
    if name == "clv":
        last_day = (pd.Timestamp(as_of) - pd.Timedelta(microseconds=1)).normalize()
        pur = (o.filter(pl.col("order_time") < as_of)
               .group_by("user_id", pl.col("order_time").dt.truncate("1d").alias("d")).agg(pl.col("amount").sum()))
        u = pur.sort("d").group_by("user_id").agg(
            (pl.len() - 1).alias("frequency"), pl.col("d").min().alias("f"), pl.col("d").max().alias("l"),
            pl.col("amount").sum().alias("total"), pl.col("amount").first().alias("first_amount"))
        return u.select("user_id", "frequency", ((pl.col("l") - pl.col("f")).dt.total_days() / 7).alias("recency"),
                        ((pl.lit(last_day) - pl.col("f")).dt.total_days() / 7).alias("T"),
                        pl.when(pl.col("frequency") > 0).then((pl.col("total") - pl.col("first_amount"))
                                                               / pl.col("frequency")).otherwise(0).alias("monetary")
                        ).sort("user_id")
    raise KeyError(name)


# --------------------------------------------------------------------------- opskit

def opskit_contender(name, orders, events, p):
    from opskit import clv, funnel, metrics, retention, segments

    if name == "rfm":
        return segments.rfm_table(orders, as_of=p["as_of"])
    if name == "cohort":
        return retention.cohort_counts(orders, period="month", as_of=p["as_of"])[0]
    if name == "kpis":
        return metrics.kpis(orders, period="month")
    if name == "dau":
        return metrics.active_users_daily(events, start=p["start"], end=p["end"])
    if name == "funnel":
        return funnel.funnel_table(events, STEPS, within=WITHIN)
    if name == "clv":
        return clv.summary_from_orders(orders, as_of=p["as_of"])
    raise KeyError(name)


def _fingerprint(metric: str, result) -> float:
    """One total per metric that every contender must agree on (checked before timing)."""
    if isinstance(result, list):  # polars funnel: users per step
        return float(sum(result))
    frame = result.to_pandas() if hasattr(result, "to_pandas") else result
    column = {"rfm": "frequency", "kpis": "orders", "dau": "dau", "clv": "frequency"}.get(metric)
    if metric == "cohort":
        return float(frame["users"].sum()) if "users" in frame else float(frame.sum().sum())
    if metric == "funnel":
        return float(frame["users"].sum()) if "users" in frame else float(frame.iloc[0].sum())
    return float(frame[column].sum())


# --------------------------------------------------------------------------- world

def write_world(folder: Path, n_users: int, seed: int) -> dict:
    from opskit.sim import WorldConfig
    from opskit.sim.tables import conform
    from opskit.sim.world import simulate_core

    world = simulate_core(WorldConfig(n_users=n_users, seed=seed))
    rows = {}
    for name in ("orders", "events"):
        frame = conform(world[name], name)
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        rows[name] = len(frame)
    return rows


def params_for(orders_path: Path) -> dict:
    import duckdb

    last = duckdb.connect().execute(f"SELECT max(order_time) FROM read_parquet('{orders_path}')").fetchone()[0]
    as_of = pd.Timestamp(last).normalize() + pd.Timedelta(days=1)
    return {"as_of": as_of, "start": (as_of - pd.Timedelta(days=90)).date(), "end": as_of.date()}


METRICS = ["rfm", "cohort", "kpis", "dau", "funnel", "clv"]


def in_memory(folder: Path, repeat: int) -> tuple[dict, dict]:
    import duckdb

    try:
        import polars as pl
    except ImportError:  # the bench extra is not installed
        pl = None
    orders = pd.read_parquet(folder / "orders.parquet")
    events = pd.read_parquet(folder / "events.parquet")
    p = params_for(folder / "orders.parquet")
    con = duckdb.connect()
    con.register("orders", orders)
    con.register("events", events)
    po, pe = (pl.from_pandas(orders), pl.from_pandas(events)) if pl else (None, None)
    contenders = {
        "opskit": lambda m: opskit_contender(m, orders, events, p),
        "duckdb": lambda m: duckdb_contender(con, m, {k: p[k] for k in _params(m)}),
    }
    if pl:
        contenders["polars"] = lambda m: polars_contender(m, po, pe, p)
    times = {m: {c: [] for c in contenders} for m in METRICS}
    cpu = {m: {c: [] for c in contenders} for m in METRICS}
    for m in METRICS:  # warm up and check that the contenders agree
        totals = {c: _fingerprint(m, f(m)) for c, f in contenders.items()}
        if len({round(v, 6) for v in totals.values()}) != 1:
            raise AssertionError(f"contenders disagree on {m}: {totals}")
    for _ in range(repeat):
        for m in METRICS:
            for c, f in contenders.items():
                started, cpu_started = time.perf_counter(), time.process_time()
                f(m)
                times[m][c].append(time.perf_counter() - started)
                cpu[m][c].append(time.process_time() - cpu_started)
    return ({m: {c: statistics.median(v) for c, v in per.items()} for m, per in times.items()},
            {m: {c: statistics.median(v) for c, v in per.items()} for m, per in cpu.items()})


def _params(metric: str) -> tuple[str, ...]:
    return {"rfm": ("as_of",), "cohort": ("as_of",), "kpis": (), "dau": ("start", "end"),
            "funnel": (), "clv": ("as_of",)}[metric]


def end_to_end(folder: Path, contender: str) -> dict:
    """One run of RFM + cohort + funnel + DAU straight from the Parquet files (child process)."""
    orders, events = folder / "orders.parquet", folder / "events.parquet"
    p = params_for(orders)
    if contender == "opskit":  # imports are not timed (but their memory counts)
        from opskit import funnel, metrics, retention, segments
    started = time.perf_counter()
    if contender == "opskit":
        segments.rfm_table(orders, as_of=p["as_of"])
        retention.cohort_counts(orders, period="month", as_of=p["as_of"])
        funnel.funnel_table(events, STEPS, within=WITHIN)
        metrics.active_users_daily(events, start=p["start"], end=p["end"])
    else:
        import duckdb

        con = duckdb.connect()
        con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet('{orders}')")
        con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{events}')")
        for m in ("rfm", "cohort", "funnel", "dau"):
            duckdb_contender(con, m, {k: p[k] for k in _params(m)})
    seconds = time.perf_counter() - started
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
    return {"seconds": seconds, "peak_gb": peak_kb / 1024**2}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-users", type=int, default=100_000, help="1,000,000 gives ~10M orders")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", help="folder to keep the Parquet files in (reused when present)")
    parser.add_argument("--skip-e2e", action="store_true", help="only the in-memory comparison")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(end_to_end(Path(args.child[0]), args.child[1])))
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.cache or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "events.parquet").exists():
            started = time.perf_counter()
            rows = write_world(folder, args.n_users, args.seed)
            print(f"world: {rows['orders']:,} orders, {rows['events']:,} events of {args.n_users:,} users, "
                  f"generated in {time.perf_counter() - started:.0f} s", flush=True)
        print(f"(a) in memory, medians of {args.repeat} interleaved runs (seconds)")
        medians, cpu = in_memory(folder, args.repeat)
        print(f"  {'metric':<8}" + "".join(f"{c:>10}" for c in next(iter(medians.values())))
              + "   opskit/best   (CPU seconds: same order)       cpu opskit/best")
        for m, per in medians.items():
            best = min(v for c, v in per.items() if c != "opskit")
            best_cpu = min(v for c, v in cpu[m].items() if c != "opskit")
            print(f"  {m:<8}" + "".join(f"{v:>10.3f}" for v in per.values()) + f"   {per['opskit'] / best:>8.2f}x   "
                  + "".join(f"{v:>9.3f}" for v in cpu[m].values()) + f"   {cpu[m]['opskit'] / best_cpu:>8.2f}x")
        result = {"in_memory": medians, "in_memory_cpu": cpu}
        if not args.skip_e2e:
            runs = {"opskit": [], "duckdb": []}
            for _ in range(args.repeat):
                for contender in runs:
                    out = subprocess.run([sys.executable, __file__, "--child", str(folder), contender],
                                         check=True, capture_output=True, text=True)
                    runs[contender].append(json.loads(out.stdout.strip().splitlines()[-1]))
            e2e = {c: {k: statistics.median(r[k] for r in rs) for k in ("seconds", "peak_gb")}
                   for c, rs in runs.items()}
            print(f"(b) end to end from Parquet (RFM + cohort + funnel + DAU), medians of {args.repeat} child runs")
            for c, v in e2e.items():
                print(f"  {c:<8} {v['seconds']:8.3f} s   peak {v['peak_gb']:.3f} GB")
            print(f"  opskit/duckdb: time {e2e['opskit']['seconds'] / e2e['duckdb']['seconds']:.2f}x, "
                  f"peak memory {e2e['opskit']['peak_gb'] / e2e['duckdb']['peak_gb']:.2f}x")
            result["end_to_end"] = e2e
    return result


if __name__ == "__main__":
    main()
