"""Feedback for exercise notebooks, and the learner copy made from each solution notebook.

Solution notebooks (``exercises/solutions/*.ipynb``) mark answers with nbgrader's markers::

    ### BEGIN SOLUTION
    buyers = orders["user_id"].nunique()
    ### END SOLUTION
    check.buyers(buyers, orders)

:func:`learner_copy` replaces each marked block with ``buyers = ...`` so learners fill it in.
A check never raises: it prints specific Chinese feedback and returns True or False, so a
learner's blank notebook runs to the end and fails politely.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PLACEHOLDER = "...  # 在这里写你的代码"


@dataclass
class Scoreboard:
    """Results of the checks run so far in this kernel."""

    results: dict[str, bool] = field(default_factory=dict)

    def record(self, task: str, passed: bool) -> bool:
        self.results[task] = passed
        return passed

    def summary(self) -> str:
        done = sum(self.results.values())
        lines = [f"{'✅' if ok else '❌'} {task}" for task, ok in self.results.items()]
        lines.append(f"完成 {done}/{len(self.results)} 个任务。")
        return "\n".join(lines)


SCOREBOARD = Scoreboard()


def summary() -> bool:
    """Print the scoreboard of the checks run so far and say whether every task passed."""
    print(SCOREBOARD.summary())
    done = all(SCOREBOARD.results.values()) and bool(SCOREBOARD.results)
    return _say("全部任务", done, "全部完成，做得好！" if done else "还有任务没通过，按提示修改后重新运行。")


def _say(task: str, passed: bool, message: str) -> bool:
    print(f"{'✅' if passed else '❌'} {task}：{message}")
    return SCOREBOARD.record(task, passed)


def unanswered(answer) -> bool:
    return answer is None or answer is Ellipsis


def expect_number(task: str, answer, expected: float, *, rtol: float = 1e-6, hints=()) -> bool:
    """Compare a numeric answer with the expected value; ``hints`` are (predicate, message) pairs
    tried in order when the answer is wrong, to say *why* it is wrong."""
    if unanswered(answer):
        return _say(task, False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return _say(task, False, f"答案应是一个数字，现在是 {type(answer).__name__}。")
    if math.isclose(value, expected, rel_tol=rtol, abs_tol=rtol):
        return _say(task, True, f"正确（{value:,.4g}）。")
    for predicate, message in hints:
        if predicate(value):
            return _say(task, False, message)
    return _say(task, False, f"结果 {value:,.4g} 不对。再检查一下口径（时间范围、去重、分母）。")


def expect_series(task: str, answer, expected, *, rtol: float = 1e-6, hints=()) -> bool:
    """Compare a pandas Series (index and values) with the expected one."""
    import pandas as pd

    if unanswered(answer):
        return _say(task, False, "还没有作答：把 ... 换成你的代码后重新运行这个单元。")
    if not isinstance(answer, pd.Series):
        return _say(task, False, f"答案应是 pandas Series，现在是 {type(answer).__name__}。")
    for predicate, message in hints:
        if predicate(answer):
            return _say(task, False, message)
    if len(answer) != len(expected):
        return _say(task, False, f"应有 {len(expected)} 个值，你的结果有 {len(answer)} 个。")
    aligned = answer.reindex(expected.index)
    if aligned.isna().any():
        missing = list(expected.index[aligned.isna()])[:3]
        return _say(task, False, f"索引不一致，缺少 {missing} 等。检查分组用的列。")
    close = ((aligned.astype(float) - expected.astype(float)).abs()
             <= rtol * expected.astype(float).abs().clip(lower=1)).all()
    if close:
        return _say(task, True, "正确。")
    worst = (aligned.astype(float) - expected.astype(float)).abs().idxmax()
    return _say(task, False, f"{worst!r} 的值应为 {expected[worst]:,.4g}，你的是 {aligned[worst]:,.4g}。")


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
