"""Every exercise check is total: whatever a learner passes as the answer, the check prints a
specific Chinese message, returns False and puts the task on the scoreboard; it never raises.

The arguments each check receives come from its solution notebook: the notebook's code runs
in-process with every check replaced by a recorder, then each recorded call is replayed with
typical wrong answers (nothing, text, a list, a table, NaN, a value whose conversion raises, the
right value with the wrong sign or wrong type ...).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from opskit.course import exercises

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "exercises" / "solutions").glob("*.ipynb"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class Exploding:
    """An answer whose every conversion raises, like a half-built object."""

    def __float__(self):
        raise RuntimeError("boom")

    def __len__(self):
        raise RuntimeError("boom")

    def __eq__(self, other):
        raise RuntimeError("boom")

    __hash__ = object.__hash__


def wrong_answers(right):
    """Typical wrong answers, plus ones derived from the right answer where its type allows."""
    out = {"nothing": None, "text": "我不知道", "list": [1, 2, 3], "nan": float("nan"),
           "frame": pd.DataFrame({"a": [1, 2], "b": [3, 4]}), "exploding": Exploding(),
           "bool": True, "timedelta": pd.Timedelta(days=3), "dict": {"a": 1}}
    if isinstance(right, (int, float, np.number)) and not isinstance(right, bool):
        out.update(negated=-float(right) if abs(right) > 1e-3 else -1.0, scaled=float(right) * 100 + 1, as_text=str(right),
                   as_array=np.array([right, right]))
    if isinstance(right, pd.Series):
        out.update(as_frame=right.to_frame(), as_array=right.to_numpy(), shuffled_index=right.set_axis(
            right.index[::-1]) if len(right) > 1 else right + 1, reversed_values=-right if pd.api.types.is_numeric_dtype(
            right) else right.iloc[:0], timedelta_values=pd.Series(pd.to_timedelta(np.arange(len(right)), unit="D"),
                                                                   index=right.index), short=right.iloc[:-1],
                   int_index=right.set_axis(range(len(right))))
    if isinstance(right, pd.DataFrame):
        out.update(empty_frame=right.iloc[:0], as_series=right.iloc[:, 0])
    if isinstance(right, str):
        out.update(other_text="不存在的答案", number=3.0)
    return out


def _record_calls(path: Path) -> list[tuple]:
    """Run a solution notebook in-process with its checks recorded."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    calls: list[tuple] = []
    modules = {}

    def recorder(module, name, fn):
        def record(*args, **kwargs):
            calls.append((module.__name__, name, fn, args, kwargs))
            return fn(*args, **kwargs)
        return record

    namespace: dict = {"display": lambda *a, **k: None, "get_ipython": lambda: None}
    source = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
                       and "parameters" not in c.get("metadata", {}).get("tags", []))
    params = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
                       and "parameters" in c.get("metadata", {}).get("tags", []))
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    code = "\n".join(lines)
    # patch the check modules before the notebook imports them
    import importlib
    import pkgutil
    for info in pkgutil.iter_modules(exercises.__path__):
        module = importlib.import_module(f"opskit.course.exercises.{info.name}")
        for name in dir(module):
            fn = getattr(module, name)
            if callable(fn) and hasattr(fn, "__wrapped__") and getattr(fn, "__module__", "") == module.__name__:
                modules[(module, name)] = fn
    try:
        for (module, name), fn in modules.items():
            setattr(module, name, recorder(module, name, fn))
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(params + "\n" + code, str(path), "exec"), namespace)  # noqa: S102 - our own notebook
    finally:
        for (module, name), fn in modules.items():
            setattr(module, name, fn)
        import matplotlib.pyplot as plt
        plt.close("all")
    return calls


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_every_check_survives_typical_wrong_answers(path):
    calls = _record_calls(path)
    assert calls, f"{path.name} calls no check"
    problems = []
    for module, name, fn, args, kwargs in calls:
        n_answers = 2 if name == "roas_and_roi" else 1
        for slot in range(n_answers):
            for label, wrong in wrong_answers(args[slot]).items():
                replay = list(args)
                replay[slot] = wrong
                exercises.SCOREBOARD.results.clear()
                out = io.StringIO()
                try:
                    with contextlib.redirect_stdout(out):
                        result = fn(*replay, **kwargs)
                except Exception as error:  # noqa: BLE001 - this is what the test looks for
                    problems.append(f"{module}.{name} [{label}] raised {type(error).__name__}: {error}")
                    continue
                said = out.getvalue()
                if result is not False and label not in ("as_text", "int_index", "as_array", "number"):
                    problems.append(f"{module}.{name} [{label}] returned {result!r}")
                if not CHINESE.search(said) or "Traceback" in said:
                    problems.append(f"{module}.{name} [{label}] said {said!r}")
                if label == "nothing" and "还没有作答" not in said:
                    problems.append(f"{module}.{name} [{label}] does not say the task is unanswered: {said!r}")
                if not exercises.SCOREBOARD.results:
                    problems.append(f"{module}.{name} [{label}] left no row on the scoreboard")
                if "np.int64" in said or "np.float64" in said:
                    problems.append(f"{module}.{name} [{label}] shows a numpy repr: {said!r}")
    exercises.SCOREBOARD.results.clear()
    assert not problems, "\n".join(problems[:40])
