"""Benchmark: generate a 1,000,000-user world (at least 10,000,000 orders).

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--n-users N] [--repeat R]``. Each run is a
fresh process, so peak RSS is per run. Prints wall time, peak RSS and row counts.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

from opskit.sim import DEMO_SEED, simulate


def run_once(n_users: int, seed: int) -> dict:
    started = time.perf_counter()
    world = simulate(n_users=n_users, seed=seed)
    seconds = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
    return {"seconds": round(seconds, 2), "peak_rss_gb": round(peak_gb, 2),
            "rows": {name: len(frame) for name, frame in world.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-users", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=DEMO_SEED)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_once(args.n_users, args.seed)))
        return

    results = []
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, __file__, "--child", "--n-users", str(args.n_users),
                              "--seed", str(args.seed)], check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"run {len(results)}: {results[-1]['seconds']:.1f} s, "
              f"peak RSS {results[-1]['peak_rss_gb']:.2f} GB", flush=True)
    print(f"n_users={args.n_users:,} seed={args.seed}: median wall time "
          f"{statistics.median(r['seconds'] for r in results):.1f} s, median peak RSS "
          f"{statistics.median(r['peak_rss_gb'] for r in results):.2f} GB")
    for name, rows in results[0]["rows"].items():
        print(f"  {name:<20} {rows:>12,}")
    assert results[0]["rows"]["orders"] >= 10 * args.n_users, "fewer than 10 orders per user"


if __name__ == "__main__":
    main()
