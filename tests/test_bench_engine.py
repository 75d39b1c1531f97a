"""The engine benchmark runs end to end at a toy size (figures are not checked: not a timed test)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location("bench_engine", ROOT / "benchmarks" / "bench_engine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_engine_runs_at_a_toy_size(tmp_path, capsys):
    bench = _bench()
    result = bench.main(["--n-users", "300", "--repeat", "1", "--cache", str(tmp_path), "--skip-e2e"])
    assert set(result["in_memory"]) == set(bench.METRICS)  # and the contenders agreed on every metric
    assert all(r["opskit"] > 0 and r["duckdb"] > 0 for r in result["in_memory"].values())
    for contender in ("opskit", "duckdb"):  # the end-to-end step, in this process
        run = bench.end_to_end(tmp_path, contender)
        assert run["seconds"] > 0 and run["peak_gb"] > 0
    assert "opskit/best" in capsys.readouterr().out
