"""Feedback for exercise notebooks, and the learner copy made from each solution notebook.

Solution notebooks (``exercises/solutions/*.ipynb``) mark answers with nbgrader's markers::

    ### BEGIN SOLUTION
    buyers = orders["user_id"].nunique()
    ### END SOLUTION
    check.buyers(buyers, orders)

:func:`learner_copy` replaces each marked block with ``buyers = ...`` so learners fill it in.
A check never raises: it prints specific Chinese feedback and returns True or False, so a
learner's blank notebook runs to the end and fails politely. Every public check is wrapped in
:func:`total`, so an answer of the wrong type or shape, or one that makes the check itself fail, still
gets a Chinese message and a row on the scoreboard. Values in messages are shown in plain form
(``1``, ``0.25``, ``C00001``), never as a numpy repr.
"""

from __future__ import annotations

import ast
import functools
import inspect
import math
import numbers
import re
from dataclasses import dataclass, field

import numpy as np

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PLACEHOLDER = "...  # 在这里写你的代码"


@dataclass
class Scoreboard:
    """Results of the checks run so far in this kernel, one row per task."""

    results: dict[str, bool] = field(default_factory=dict)
    _fallback: dict[str, str] = field(default_factory=dict)  # check -> label used when it failed early

    def record(self, task: str, passed: bool, source: str | None = None) -> bool:
        old = self._fallback.pop(source, None) if source else None
        if old is not None and old != task:
            self.results.pop(old, None)  # the real task name replaces the stand-in label
        self.results[task] = bool(passed)
        return bool(passed)

    def record_fallback(self, source: str, task: str) -> bool:
        self._fallback[source] = task
        return self.record(task, False)

    def summary(self) -> str:
        done = sum(self.results.values())
        lines = [f"{'✅' if ok else '❌'} {task}" for task, ok in self.results.items()]
        lines.append(f"完成 {done}/{len(self.results)} 个任务。")
        return "\n".join(lines)


SCOREBOARD = Scoreboard()
_RUNNING: list[str] = []  # the check being run (innermost last), so its result is tied to it


def summary() -> bool:
    """Print the scoreboard of the checks run so far and say whether every task passed."""
    print(SCOREBOARD.summary())
    done = all(SCOREBOARD.results.values()) and bool(SCOREBOARD.results)
    return _say("全部任务", done, "全部完成，做得好！" if done else "还有任务没通过，按提示修改后重新运行。")


def _say(task: str, passed: bool, message: str) -> bool:
    print(f"{'✅' if passed else '❌'} {task}：{message}")
    return SCOREBOARD.record(task, passed, _RUNNING[-1] if _RUNNING else None)


def total(check):
    """Make a check total: whatever the answer, it prints a Chinese message and records the task.

    An exception raised while checking (an answer of an unexpected type that a hint or the
    comparison cannot handle, a learner-modified input table) becomes a failed task with a message
    naming what went wrong, instead of a traceback that would also drop the task from the scoreboard.
    """
    source = f"{check.__module__}.{check.__qualname__}"

    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        _RUNNING.append(source)
        try:
            return bool(check(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - a check must never raise in a learner's notebook
            print(f"❌ {_label(check)}：检查没能完成（{type(error).__name__}: {_short(error)}）。"
                  "多半是答案的类型或形状不对（题目要的是一个数字、一个 Series 还是一张表？），"
                  "或上面准备好的表被改动过；改正后重新运行这个单元。")
            return SCOREBOARD.record_fallback(source, _label(check))
        finally:
            _RUNNING.pop()
    return wrapper


def _label(check) -> str:
    """The task name a check reports under (its first ``"任务 N …"`` literal), for failures that
    happen before the check names its task."""
    doc = (check.__doc__ or "").strip().splitlines()
    if doc and doc[0].startswith("任务"):
        return doc[0].rstrip("。")
    try:
        found = re.search(r'"(任务 ?\d+[^"{]*)', inspect.getsource(check))
    except (OSError, TypeError):
        found = None
    if not found:
        return f"任务 {check.__name__}"
    label = found.group(1).strip().rstrip("「（(：:")
    number = re.match(r"任务 ?\d+", label).group(0)
    return label if len(label) > len(number) + 1 else number


def _short(error: Exception, limit: int = 120) -> str:
    text = str(error).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def unanswered(answer) -> bool:
    return answer is None or answer is Ellipsis


def plain(value) -> str:
    """A value as a learner would write it: ``1``, ``0.2500``, ``2025-01-01``, ``C00001``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return "NaN（空值）"
        return f"{value:,.4g}"
    if isinstance(value, tuple):
        return "（" + "，".join(plain(v) for v in value) + "）"
    text = str(value)
    if text.endswith(" 00:00:00"):
        text = text[: -len(" 00:00:00")]
    return text


def _hint(predicate, value) -> bool:
    """A hint predicate never turns a wrong answer into a traceback."""
    try:
        return bool(predicate(value))
    except Exception:  # noqa: BLE001
        return False


def _as_number(answer):
    """(number, None) for a scalar answer, or (None, Chinese reason) when it is not one."""
    import pandas as pd

    if isinstance(answer, (bool, np.bool_)):
        return None, "答案应是一个数字，你给的是 True/False。是不是写成了比较（==、>）而不是计算？"
    if isinstance(answer, (pd.Timedelta, np.timedelta64)):
        return None, "答案是一个时间差（Timedelta）：用 .days 或 ÷ pd.Timedelta(days=1) 换算成天数。"
    if isinstance(answer, str):
        try:
            return float(answer.replace(",", "").replace("%", "")), "answer-was-text"
        except ValueError:
            return None, f"答案应是一个数字，你给的是文字「{answer[:30]}」。"
    if isinstance(answer, (pd.Series, pd.DataFrame, pd.Index, np.ndarray, list, tuple, dict, set)):
        size = answer.size if hasattr(answer, "size") and not isinstance(answer, dict) else len(answer)
        kind = type(answer).__name__
        if size == 1 and not isinstance(answer, (dict, set)):
            return _as_number(np.asarray(answer).ravel()[0])
        return None, (f"答案应是一个数字，你给的是含 {size:,} 个值的 {kind}。"
                      "是不是少了最后一步汇总（如 .mean()、.sum()、len(...)），或取值时少写了 .loc[...]？")
    try:
        value = float(answer)
    except Exception:  # noqa: BLE001 - any object may reach a check
        return None, f"答案应是一个数字，现在是 {type(answer).__name__}。"
    return value, None


def expect_number(task: str, answer, expected: float, *, rtol: float = 1e-6, hints=()) -> bool:
    """Compare a numeric answer with the expected value; ``hints`` are (predicate, message) pairs
    tried in order when the answer is wrong, to say *why* it is wrong. After them come generic
    hints: a reversed sign, a percentage instead of a share, an inverted ratio."""
    if unanswered(answer):
        return _say(task, False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    value, problem = _as_number(answer)
    if value is None:
        return _say(task, False, problem)
    if problem == "answer-was-text":
        return _say(task, False, f"答案应是一个数字，你给的是文字「{answer}」：去掉引号，直接写计算结果。")
    expected = float(expected)
    if not math.isfinite(value):
        if math.isfinite(expected):
            return _say(task, False, f"结果是 {plain(value)}：多半是除以 0 或对空表求了均值。检查筛选条件和分母。")
    if math.isclose(value, expected, rel_tol=rtol, abs_tol=rtol) or (math.isinf(value) and value == expected):
        return _say(task, True, f"正确（{plain(value)}）。")
    for predicate, message in hints:
        if _hint(predicate, value):
            return _say(task, False, message)
    return _say(task, False, _generic_number_hint(value, expected, rtol))


def guarded(task: str, answer, compute) -> bool:
    """Run ``compute`` (which returns the check's verdict) for an answered task; an unexpected error
    becomes feedback naming it, so a check that recomputes from the learner's tables never raises."""
    if unanswered(answer):
        return expect_number(task, answer, 0.0)
    try:
        return compute()
    except Exception as error:  # noqa: BLE001 - a check must never raise in a learner's notebook
        return _say(task, False, f"检查时出错（{type(error).__name__}: {error}）。确认答案是一个数字，且没有改动上面准备好的表。")


def _generic_number_hint(value: float, expected: float, rtol: float) -> str:
    def close(a, b):
        return math.isclose(a, b, rel_tol=max(rtol, 1e-9), abs_tol=1e-12)

    if expected != 0 and close(value, -expected):
        return f"方向反了：你的结果 {plain(value)} 与正确答案大小相同、符号相反。检查减法的先后（谁减谁）。"
    if expected != 0 and abs(expected) <= 1 and close(value, 100 * expected):
        return f"你给的像是百分数（{plain(value)}）。本题要的是比例（0 到 1 之间的小数），不要乘以 100。"
    if expected != 0 and value != 0 and close(value, 1 / expected):
        return f"分子和分母颠倒了：你的结果 {plain(value)} 正好是正确答案的倒数。"
    if math.isfinite(value) and math.isfinite(expected) and expected != 0 and value / expected > 0:
        side = "偏大" if abs(value) > abs(expected) else "偏小"
        return f"结果 {plain(value)} 不对，{side}了。再检查一下口径（时间范围、去重、分母）。"
    return f"结果 {plain(value)} 不对。再检查一下口径（时间范围、去重、分母）。"


def expect_series(task: str, answer, expected, *, rtol: float = 1e-6, hints=()) -> bool:
    """Compare a pandas Series (index and values) with the expected one."""
    import pandas as pd

    if unanswered(answer):
        return _say(task, False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    if isinstance(answer, pd.DataFrame):
        return _say(task, False, f"答案应是 pandas Series，你给的是 {answer.shape[1]} 列的 DataFrame："
                                 "取出要的那一列（如 df['列名']），或在 groupby 后只选一列再汇总。")
    if not isinstance(answer, pd.Series):
        return _say(task, False, f"答案应是 pandas Series（索引是用户、月份等），现在是 {type(answer).__name__}。"
                                 "用 groupby(...)[列].汇总() 得到的 Series 会保留索引。")
    for predicate, message in hints:
        if _hint(predicate, answer):
            return _say(task, False, message)
    if pd.api.types.is_timedelta64_dtype(answer.dtype):
        return _say(task, False, "值是时间差（Timedelta），不是数字：用 .dt.days 换算成天数。")
    if not (pd.api.types.is_numeric_dtype(answer.dtype) or pd.api.types.is_bool_dtype(answer.dtype)):
        return _say(task, False, f"值应是数字，你的 Series 的类型是 {answer.dtype}。检查是否选错了列。")
    if answer.index.has_duplicates:
        dup = answer.index[answer.index.duplicated()][0]
        return _say(task, False, f"索引有重复（如 {plain(dup)}）：每个{_index_name(expected)}只应出现一次，先 groupby 再汇总。")
    if len(answer) != len(expected):
        return _say(task, False, f"应有 {len(expected):,} 个值，你的结果有 {len(answer):,} 个。")
    aligned = answer.reindex(expected.index)
    if aligned.isna().all() and not answer.isna().all():
        as_text = answer.set_axis(answer.index.map(str)).reindex(expected.index.map(str))
        if as_text.notna().all():
            return _say(task, False, "索引的类型和正确答案不同（例如 ID 被转成了数字，或月份用了 Period 而不是日期）："
                                     "ID 要保持为文字，不要转换索引的类型。")
    absent = ~expected.index.isin(answer.index)
    if absent.any():
        names = "、".join(plain(k) for k in expected.index[absent][:3])
        return _say(task, False, f"索引不一致，缺少 {names} 等。检查分组用的列。")
    if (aligned.isna() & expected.notna()).any():
        names = "、".join(plain(k) for k in expected.index[aligned.isna() & expected.notna()][:3])
        return _say(task, False, f"有空值（NaN），如 {names}。检查是否除以了 0 或合并时丢了行。")
    got, want = aligned.astype(float), expected.astype(float)
    diff = (got - want).abs()
    if (diff <= rtol * want.abs().clip(lower=1)).all():
        return _say(task, True, "正确。")
    if (want != 0).any() and ((got + want).abs() <= rtol * want.abs().clip(lower=1)).all():
        return _say(task, False, "方向反了：每个值都与正确答案大小相同、符号相反。检查减法的先后（谁减谁）。")
    if len(want) >= 3 and want.nunique() > 1 and got.nunique() > 1 and got.corr(want, method="spearman") < -0.5:
        return _say(task, False, "方向好像反了：正确答案大的地方你的结果小、小的地方反而大。检查排序方向（ascending）或减法的先后。")
    worst = diff.idxmax()
    return _say(task, False, f"{plain(worst)} 的值应为 {plain(float(want[worst]))}，你的是 {plain(float(got[worst]))}。")


def _index_name(series) -> str:
    name = getattr(series.index, "name", None)
    return {"user_id": "用户", "month": "月份", "period": "期"}.get(name, "索引值")


def _assigned_names(code: str) -> list[str]:
    names = []
    for node in ast.parse(code).body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for target in targets:
            if isinstance(target, ast.Name) and target.id not in names:
                names.append(target.id)
    return names


def strip_solutions(source: str) -> str:
    """Replace every solution block with placeholders for the names it assigns."""
    out, block, inside = [], [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            inside, block = True, []
            indent = line[: len(line) - len(line.lstrip())]
        elif stripped == END:
            inside = False
            code = "\n".join(b[len(indent):] for b in block)
            names = _assigned_names(code) or ["answer"]
            out.extend(f"{indent}{name} = {PLACEHOLDER}" for name in names)
        elif inside:
            block.append(line)
        else:
            out.append(line)
    if inside:
        raise ValueError(f"unterminated {BEGIN!r} block")
    return "\n".join(out)


def learner_copy(solution_nb):
    """Return the learner's version of a solution notebook (outputs cleared, answers stripped)."""
    import copy

    nb = copy.deepcopy(solution_nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.source = strip_solutions(cell.source)
        cell.outputs = []
        cell.execution_count = None
    return nb
