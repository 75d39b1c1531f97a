"""Benchmark: ``opskit run 00`` on a 5,000,000-row orders export with Chinese headers.

Generates a GBK CSV like ``datasets/examples/订单导出.csv`` (Chinese headers, ``2024/3/5 14:02``
dates, ``￥1,299.00`` amounts) in a temporary folder, then runs
``opskit run 00 --data ... --map ...`` in a child process and prints the wall time and the peak
memory of the whole run, the papermill kernel included (the sum of the resident memory of the
process tree, sampled every 0.2 s, and the largest single process from getrusage).

    .venv/bin/python benchmarks/bench_rerun.py [--rows 5000000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "datasets" / "examples"


def _example_module():
    spec = importlib.util.spec_from_file_location("make_orders_export", EXAMPLES / "make_orders_export.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_export(folder: Path, rows: int) -> Path:
    """Tile the demo orders (new ids, users shifted per copy) up to ``rows`` rows, as a GBK export."""
    from opskit.sim import load_demo

    example = _example_module()
    demo = load_demo("orders")
    copies = -(-rows // len(demo))
    n_users = int(demo["user_id"].max())
    chunk = max(1, 1_000_000 // len(demo))
    path = folder / "订单导出.csv"
    with open(path, "w", encoding="gbk", newline="") as fh:
        for start in range(0, copies, chunk):
            parts = []
            for k in range(start, min(copies, start + chunk)):
                part = demo.copy()
                part["order_id"] = np.arange(k * len(demo), (k + 1) * len(demo)) + 1
                part["user_id"] = part["user_id"] + k * n_users
                parts.append(part)
            block = example.export_frame(pd.concat(parts, ignore_index=True))
            block = block.iloc[: max(0, rows - start * len(demo))]
            block.to_csv(fh, index=False, header=start == 0)
    (folder / "列映射.yaml").write_bytes((EXAMPLES / "列映射.yaml").read_bytes())
    return path


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        p = int(entry.name)
        children.setdefault(int(fields[1]), []).append(p)
        rss[p] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def run_once(folder: Path, out: Path) -> tuple[float, int, int]:
    cmd = [sys.executable, "-m", "opskit.course.cli", "run", "00", "--data", str(folder),
           "--map", str(folder / "列映射.yaml"), "--out", str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"opskit run failed ({proc.returncode}):\n{stdout}\n{stderr}")
    single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return seconds, peak, single


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "company"
        folder.mkdir()
        started = time.perf_counter()
        path = write_export(folder, args.rows)
        print(f"export: {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB, "
              f"written in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        check = subprocess.run([sys.executable, "-m", "opskit.course.cli", "validate", "--chapter", "00",
                                "--data", str(folder), "--map", str(folder / "列映射.yaml")],
                               capture_output=True, text=True)
        print(f"validate alone: {time.perf_counter() - started:.1f} s (exit {check.returncode})", flush=True)
        times, peaks, singles = [], [], []
        for i in range(args.repeat):
            seconds, peak, single = run_once(folder, Path(tmp) / f"out{i}")
            times.append(seconds)
            peaks.append(peak)
            singles.append(single)
            print(f"run {i + 1}: {seconds:.1f} s wall, peak RSS of the process tree {peak / 1e9:.2f} GB, "
                  f"largest single process {single / 1e9:.2f} GB", flush=True)
        print(f"median wall time {statistics.median(times):.1f} s over {len(times)} run(s); "
              f"max peak memory {max(peaks) / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
