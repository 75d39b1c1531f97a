"""Benchmark: per-customer CLV summary (frequency/recency/T/monetary) on 10 million orders.

Run: .venv/bin/python benchmarks/bench_clv_summary.py [n_orders]
Prints the median of 3 runs of ``opskit.clv.summary_from_orders`` and the peak RSS of the process
(which includes the generated 10M-row input table itself).
"""

from __future__ import annotations

import resource
import statistics
import sys
import time

import numpy as np
import pandas as pd

from opskit.clv import summary_from_orders


def make_orders(n_orders: int = 10_000_000, n_users: int = 1_000_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
    seconds = rng.integers(0, 730 * 86400, n_orders, dtype=np.int64)
    return pd.DataFrame({
        "user_id": rng.integers(0, n_users, n_orders, dtype=np.int64),
        "order_time": (start + seconds).astype("datetime64[s]").astype("datetime64[us]"),
        "amount": np.round(rng.gamma(3.0, 25.0, n_orders), 2),
    })


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    t0 = time.perf_counter()
    orders = make_orders(n)
    print(f"generated {n:,} orders in {time.perf_counter() - t0:.1f} s; RSS {peak_rss_mb():.0f} MB")
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        out = summary_from_orders(orders, as_of="2026-01-01")
        times.append(time.perf_counter() - t0)
    print(f"summary_from_orders: {len(out):,} customers; runs {', '.join(f'{t:.2f}' for t in times)} s; "
          f"median {statistics.median(times):.2f} s; peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
