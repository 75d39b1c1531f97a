"""Benchmark: integer ids (before issue 10) vs text ids (now) on the 10M-order world.

Generates the 1,000,000-user world once (its core tables, ``simulate_core``: at least 10M orders), writes its
orders table twice as Parquet -- ``user_id``/``order_id`` as int64 (the old contract) and as text
(the ``id`` dtype) -- then, in a fresh process per run, times what a chapter rerun does with it:

1. load: ``pd.read_parquet`` of the table (the kernel reads ``opskit run``'s validated cache so);
2. ``kpis``: the monthly KPIs (orders, buyers, GMV, new buyers), ``opskit.metrics.kpis``;
3. ``data_minimums``: the named query behind the minimum-data checks (per-user distinct days);
4. ``rfm``: recency, frequency and monetary per user, ``opskit.segments.rfm_table``.

and reports the median seconds of each step (wall clock, and CPU seconds of every thread of the process,
which move much less with the load of a shared machine), the memory of the loaded table (pandas' deep
memory usage) and the median peak resident memory of the process (VmHWM, which includes the table
and DuckDB's working memory; ru_maxrss is not used because a child inherits its parent's).

    .venv/bin/python benchmarks/bench_ids.py [--n-users 1000000] [--repeat 3] [--cache DIR]
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


def write_tables(folder: Path, n_users: int) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from opskit.sim import DEMO_SEED, WorldConfig
    from opskit.sim.tables import conform
    from opskit.sim.world import simulate_core

    # The core tables only: orders come from them (each peripheral part draws from its own stream and
    # leaves them unchanged), and the whole world at 1M users takes far longer to generate.
    orders = conform(simulate_core(WorldConfig(n_users=n_users, seed=DEMO_SEED))["orders"], "orders")
    table = pa.Table.from_pandas(orders, preserve_index=False)
    pq.write_table(table, folder / "text.parquet")
    for name in ("order_id", "user_id"):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pc.cast(table[name], pa.int64()))
    pq.write_table(table.replace_schema_metadata(None), folder / "int.parquet")  # no pandas "str" hint
    return len(orders)


def run_once(path: Path) -> dict:
    import pandas as pd

    from opskit import metrics, segments
    from opskit.data import engine

    times, cpu = {}, {}
    started, cpu_started = time.perf_counter(), time.process_time()
    orders = pd.read_parquet(path)
    times["load"], cpu["load"] = time.perf_counter() - started, time.process_time() - cpu_started
    as_of = orders["order_time"].max().normalize() + pd.Timedelta(days=1)
    for name, step in [("kpis", lambda: metrics.kpis(orders, period="month")),
                       ("data_minimums", lambda: engine.run("data_minimums", {"as_of": as_of}, orders=orders)),
                       ("rfm", lambda: segments.rfm_table(orders, as_of=as_of))]:
        started, cpu_started = time.perf_counter(), time.process_time()
        step()
        times[name], cpu[name] = time.perf_counter() - started, time.process_time() - cpu_started
    times["total"], cpu["total"] = sum(times.values()), sum(cpu.values())
    table_gb = orders.memory_usage(deep=True).sum() / 1e9
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
    return {"seconds": times, "cpu_seconds": cpu, "table_gb": table_gb, "peak_rss_gb": peak_kb / 1024**2,
            "dtype": str(orders["user_id"].dtype)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-users", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", help="folder to keep the two Parquet files in (reused when present)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_once(Path(args.child))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.cache or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "int.parquet").exists():
            started = time.perf_counter()
            n = write_tables(folder, args.n_users)
            print(f"world: {n:,} orders of {args.n_users:,} users, generated in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
        runs: dict[str, list[dict]] = {"int": [], "text": []}
        for _ in range(args.repeat):  # interleaved, so a busy moment hurts both variants alike
            for variant in runs:
                out = subprocess.run([sys.executable, __file__, "--child", str(folder / f"{variant}.parquet")],
                                     check=True, capture_output=True, text=True)
                runs[variant].append(json.loads(out.stdout.strip().splitlines()[-1]))
                result = runs[variant][-1]
                print(f"  {variant:>4} ids ({result['dtype']}): "
                      + ", ".join(f"{k} {v:.2f} s" for k, v in result["seconds"].items())
                      + f"; table {result['table_gb']:.2f} GB, peak RSS {result['peak_rss_gb']:.2f} GB", flush=True)
        print(f"medians over {args.repeat} runs:")
        medians = {}
        for variant, results in runs.items():
            medians[variant] = {k: statistics.median(r["seconds"][k] for r in results) for k in results[0]["seconds"]}
            medians[variant] |= {f"cpu_{k}": statistics.median(r["cpu_seconds"][k] for r in results)
                                 for k in results[0]["cpu_seconds"]}
            for key in ("table_gb", "peak_rss_gb"):
                medians[variant][key] = statistics.median(r[key] for r in results)
            print(f"  {variant:>4} ids: " + ", ".join(f"{k} {v:.2f}" for k, v in medians[variant].items()))
        print("  text / int: " + ", ".join(f"{k} {medians['text'][k] / medians['int'][k]:.2f}x"
                                           for k in medians["int"]))


if __name__ == "__main__":
    main()
