"""Benchmark: BG/NBD fits at scale and on CDNOW, side by side with the ``lifetimes`` package.

Run::

    .venv/bin/python benchmarks/bench_fit.py [--n-users 1000000] [--repeat 5]
        [--lifetimes-python /tmp/lifetimes-venv/bin/python]

1. The 1M-user simulated world (``opskit.sim.simulate``): its per-customer summary
   (``summary_from_orders``, the default one-purchase-per-day convention, in weeks) is cached as
   Parquet next to the system's temporary files, then ``BetaGeo().fit`` is timed ``--repeat`` times.
   The continuous-time summary (``period=None``: every order a purchase, exact times, almost no
   identical rows to collapse) is timed too, as the worst case.
2. CDNOW (``tests/data/cdnow_customers_summary.csv``, 2,357 customers): ``BetaGeo().fit`` and, when
   ``--lifetimes-python`` names the interpreter of a throwaway virtual environment with ``lifetimes``
   installed (never a dependency of the kit), ``lifetimes.BetaGeoFitter().fit`` on the same rows in a
   child process, each timed ``--repeat`` times after a warm-up run; medians are printed side by side
   with both log-likelihoods.

Not a timed test: figures vary with the machine and its load; quote medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from opskit.clv import BetaGeo, summary_from_orders

ROOT = Path(__file__).resolve().parents[1]
CDNOW = ROOT / "tests" / "data" / "cdnow_customers_summary.csv"

LIFETIMES_CHILD = """
import json, sys, time, warnings
import pandas as pd
from lifetimes import BetaGeoFitter
warnings.simplefilter("ignore")
d = pd.read_csv(sys.argv[1])
times = []
for _ in range(int(sys.argv[2]) + 1):
    t0 = time.perf_counter()
    f = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
    times.append(time.perf_counter() - t0)
print(json.dumps({"times": times[1:], "params": {k: float(v) for k, v in f.params_.items()}}))
"""


def timed_fits(summary: pd.DataFrame, repeat: int) -> tuple[list[float], BetaGeo]:
    BetaGeo().fit(summary)  # warm-up: imports, caches
    times, model = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        model = BetaGeo().fit(summary)
        times.append(time.perf_counter() - t0)
    return times, model


def world_summaries(n_users: int) -> dict[str, pd.DataFrame]:
    cache = Path(tempfile.gettempdir()) / f"opskit-bench-fit-{n_users}"
    paths = {"day": cache / "summary_day.parquet", "exact": cache / "summary_exact.parquet"}
    if not all(p.exists() for p in paths.values()):
        from opskit.sim import simulate

        t0 = time.perf_counter()
        orders = simulate(n_users=n_users)["orders"]
        print(f"simulated {n_users:,} users, {len(orders):,} orders in {time.perf_counter() - t0:.0f} s")
        as_of = orders["order_time"].max().normalize() + pd.Timedelta(days=1)
        cache.mkdir(exist_ok=True)
        summary_from_orders(orders, as_of=as_of).to_parquet(paths["day"])
        summary_from_orders(orders, as_of=as_of, period=None).to_parquet(paths["exact"])
    return {k: pd.read_parquet(p) for k, p in paths.items()}


def describe(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s (runs {', '.join(f'{t:.3f}' for t in times)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-users", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lifetimes-python", default="")
    parser.add_argument("--skip-world", action="store_true")
    args = parser.parse_args()

    if not args.skip_world:
        for name, summary in world_summaries(args.n_users).items():
            times, model = timed_fits(summary, args.repeat)
            label = "one purchase per day" if name == "day" else "every order, exact times"
            print(f"world {args.n_users:,} users, {len(summary):,} buyers ({label}): BetaGeo.fit {describe(times)}; "
                  f"{model.n_iter_} iterations; {model!r}")

    cdnow = pd.read_csv(CDNOW)
    times, model = timed_fits(cdnow, args.repeat)
    print(f"CDNOW {len(cdnow):,} customers: opskit BetaGeo.fit   {describe(times)}; "
          f"log-likelihood {model.log_likelihood_:.2f}; {model.params_}")
    if args.lifetimes_python:
        out = subprocess.run([args.lifetimes_python, "-c", LIFETIMES_CHILD, str(CDNOW), str(args.repeat)],
                             check=True, capture_output=True, text=True)
        ref = json.loads(out.stdout.strip().splitlines()[-1])
        theirs = [ref["params"][k] for k in ("r", "alpha", "a", "b")]
        data, _ = BetaGeo._prepare(cdnow["frequency"], cdnow["recency"], cdnow["T"])
        at_theirs = -BetaGeo()._negll(theirs, data)[0]
        print(f"CDNOW {len(cdnow):,} customers: lifetimes BetaGeoFitter {describe(ref['times'])}; "
              f"log-likelihood at its estimates {at_theirs:.2f}; {ref['params']}")
        print(f"speed-up over lifetimes (ratio of medians): "
              f"{statistics.median(ref['times']) / statistics.median(times):.1f}x")


if __name__ == "__main__":
    main()
