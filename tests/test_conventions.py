"""The API conventions of CONTRIBUTING.md and the methods reference, checked on the whole code base."""

import ast
import importlib
import inspect
import pkgutil
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

import opskit
from opskit.data import schema
from opskit.periods import PERIODS
from opskit.viz import glossary

ROOT = Path(__file__).resolve().parent.parent
METHODS_DOC = ROOT / "docs" / "methods.md"
#: Top-level modules that are shared machinery rather than methods.
NOT_METHODS = {"errors", "periods", "likelihood", "__main__", "bundle"}  # bundle: where the course files live


def _method_modules():
    for info in pkgutil.iter_modules(opskit.__path__):
        if not info.ispkg and info.name not in NOT_METHODS:
            yield importlib.import_module(f"opskit.{info.name}")


def _public_callables(module):
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if inspect.isfunction(member) and (not attr.startswith("_") or attr == "__init__"):
                    yield f"{name}.{attr}", member


def _tracked_text_files():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    suffixes = {".py", ".md", ".ipynb", ".sql", ".toml", ".yml", ".yaml", ".cfg", ".txt", ""}
    for line in out.splitlines():
        path = ROOT / line
        if path.suffix in suffixes and path.is_file() and "bad_inputs" not in path.parts:
            yield path


def test_methods_reference_names_existing_tests():
    text = METHODS_DOC.read_text(encoding="utf-8")
    cited = set(re.findall(r"(tests/[\w/]+\.py)::(\w+)", text))
    assert len(cited) > 80
    missing = []
    for file, name in sorted(cited):
        tree = ast.parse((ROOT / file).read_text(encoding="utf-8"))
        names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        if name not in names:
            missing.append(f"{file}::{name}")
    assert not missing, f"docs/methods.md names tests that do not exist: {missing}"


def test_every_method_module_has_an_entry_in_the_reference():
    text = METHODS_DOC.read_text(encoding="utf-8")
    absent = [m.__name__ for m in _method_modules() if f"`{m.__name__}" not in text]
    assert not absent, f"add these modules to docs/methods.md: {absent}"


def test_citations_point_inside_the_repository():
    outside = re.compile(r"METHODS\.md|DESIGN\.md|PRACTICE\.md|\.\./shared|/work/shared|shared/seeds")
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', METHODS_DOC.read_text(encoding="utf-8")))
    bad, dangling = [], []
    for path in _tracked_text_files():
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if outside.search(text):
            bad.append(str(path.relative_to(ROOT)))
        dangling += [f"{path.relative_to(ROOT)}: #{a}" for a in re.findall(r"docs/methods\.md#([\w-]+)", text)
                     if a not in anchors]
    assert not bad, f"these files cite documents outside the repository: {bad}"
    assert not dangling, f"anchors missing from docs/methods.md: {dangling}"


def test_dates_periods_and_arguments_follow_one_vocabulary():
    problems = []
    for module in _method_modules():
        for name, func in _public_callables(module):
            params = inspect.signature(func).parameters
            where = f"{module.__name__}.{name}"
            for old in ("t0", "data_end", "freq", "unit_seconds"):
                if old in params:
                    problems.append(f"{where}: parameter {old!r} (use as_of / period)")
            if "as_of" in params and params["as_of"].kind is not inspect.Parameter.KEYWORD_ONLY:
                problems.append(f"{where}: as_of must be keyword-only")
            period = params.get("period")
            if period is not None and period.default not in (*PERIODS, inspect.Parameter.empty, None):
                problems.append(f"{where}: period default {period.default!r}")
    assert not problems, "\n".join(problems)


def test_estimators_subclass_base_estimator_and_refuse_use_before_fit():
    from opskit.abtest import Cuped
    from opskit.churn import ChurnModel
    from opskit.clv import BetaGeo, GammaGamma
    from opskit.retention import ShiftedBetaGeometric
    from opskit.segments import BehaviourClusters
    from opskit.uplift import TLearner, TransformedOutcome

    fitted = [c for m in _method_modules() for c in vars(m).values()
              if inspect.isclass(c) and c.__module__ == m.__name__ and hasattr(c, "fit")]
    assert all(issubclass(c, BaseEstimator) for c in fitted), fitted
    frame = pd.DataFrame({"x": [1.0]})
    calls = [lambda: Cuped().adjust([1.0], [1.0]), lambda: ChurnModel().predict_proba(frame),
             lambda: BetaGeo().probability_alive(1, 1, 2), lambda: GammaGamma().population_mean_spend(),
             lambda: ShiftedBetaGeometric().survival(1), lambda: TLearner().predict(frame),
             lambda: TransformedOutcome().predict(frame)]
    for call in calls:
        with pytest.raises(NotFittedError):
            call()
    assert "labels" not in BehaviourClusters().get_params()


#: The tables every chapter reads; the glossary must show their columns as the contracts name them.
CORE_TABLES = ("users", "orders", "order_lines", "events", "categories", "channels")


def test_glossary_terms_do_not_relabel_table_columns():
    """Peripheral tables reuse generic names (``cost``, ``stage``) with their own labels; the core
    tables' columns must read the same in every chapter."""
    columns: dict[str, set[str]] = {}
    for table in (schema.TABLES[name] for name in CORE_TABLES):
        for c in table.columns:
            columns.setdefault(c.name, set()).add(c.label)
    # a glossary term may say more ("订单数" for the column "订单") but must not say something else
    clashes = {k: (v, columns[k]) for k, v in glossary.LABELS.items()
               if k in columns and not any(label in v for label in columns[k])}
    assert not clashes, f"glossary labels that would rename a table column differently: {clashes}"
