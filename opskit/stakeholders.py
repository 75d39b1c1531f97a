"""Structured templates for qualitative insight: the 5-why analysis and the B2B decision chain.

Both are data (dataclasses that export to a dict/JSON and Markdown), so a workshop's result can be
kept, compared and shared; the stakeholder map is also plotted.
Sources: ``docs/methods.md#stakeholders``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pandas as pd


@dataclass
class FiveWhy:
    """A 5-why chain: a problem, a chain of (question, answer) steps, the root cause and the action."""

    problem: str
    steps: list[tuple[str, str]] = field(default_factory=list)
    root_cause: str = ""
    action: str = ""
    evidence: list[str] = field(default_factory=list)

    def ask(self, question: str, answer: str) -> "FiveWhy":
        """Add one why; returns self so steps can be chained."""
        self.steps.append((question, answer))
        return self

    @property
    def depth(self) -> int:
        return len(self.steps)

    def issues(self) -> list[str]:
        """What is still missing for a usable 5-why (empty list when complete)."""
        problems = []
        if self.depth < 3:
            problems.append(f"只追问了 {self.depth} 层，至少追问到 3 层（通常 5 层）才接近根因。")
        if not self.root_cause:
            problems.append("还没有写出根因（root cause）。")
        if not self.action:
            problems.append("还没有写出针对根因的行动（action）。")
        if not self.evidence:
            problems.append("没有数据或访谈证据支撑，根因只是猜测。")
        return problems

    def to_dict(self) -> dict:
        d = asdict(self)
        d["steps"] = [{"why": q, "answer": a} for q, a in self.steps]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_markdown(self) -> str:
        lines = [f"**问题**：{self.problem}", ""]
        lines += [f"{i}. {q} → {a}" for i, (q, a) in enumerate(self.steps, 1)]
        lines += ["", f"**根因**：{self.root_cause or '（待定）'}", f"**行动**：{self.action or '（待定）'}"]
        if self.evidence:
            lines.append("**证据**：" + "；".join(self.evidence))
        return "\n".join(lines)


#: Roles of the B2B buying center (Webster & Wind 1972), in Chinese.
DECISION_ROLES: dict[str, str] = {
    "发起者": "提出需求的人（Initiator）",
    "使用者": "日常使用产品的人（User）",
    "影响者": "提供评估意见的人，如 IT、财务（Influencer）",
    "决策者": "拍板的人（Decider）",
    "采购者": "负责商务谈判与合同的人（Buyer）",
    "把关者": "控制信息流入的人，如助理、采购专员（Gatekeeper）",
}

#: Influence × support quadrants and what to do (power-interest grid).
QUADRANT_STRATEGIES: dict[str, str] = {
    "重点争取": "影响力高、支持度低：一对一沟通，找出顾虑，用案例和试点打消疑虑。",
    "依靠推动": "影响力高、支持度高：让其成为内部倡导者（Champion），共同推动决策。",
    "持续告知": "影响力低、支持度高：保持信息同步，收集使用反馈，作为口碑证据。",
    "关注观察": "影响力低、支持度低：低成本关注，防止其成为阻力。",
}


@dataclass
class Stakeholder:
    """One person in the decision chain; influence and support are scored 1..5."""

    name: str
    role: str
    influence: int
    support: int
    concerns: str = ""

    def __post_init__(self):
        if self.role not in DECISION_ROLES:
            raise ValueError(f"未知角色 {self.role!r}，可选：{'、'.join(DECISION_ROLES)}")
        for attr in ("influence", "support"):
            if not 1 <= getattr(self, attr) <= 5:
                raise ValueError(f"{attr} 应在 1–5 之间")


def quadrant(influence: float, support: float, split: float = 3) -> str:
    """Quadrant of the stakeholder map; a score equal to ``split`` counts as high."""
    high_i, high_s = influence >= split, support >= split
    if high_i:
        return "依靠推动" if high_s else "重点争取"
    return "持续告知" if high_s else "关注观察"


def stakeholder_map(people: list[Stakeholder], split: float = 3) -> pd.DataFrame:
    """The decision chain as a table with each person's quadrant and strategy.

    Sorted by influence (desc) then support (asc): the people to win over come first.
    """
    frame = pd.DataFrame([asdict(p) for p in people])
    frame["quadrant"] = [quadrant(i, s, split) for i, s in zip(frame["influence"], frame["support"])]
    frame["strategy"] = frame["quadrant"].map(QUADRANT_STRATEGIES)
    return frame.sort_values(["influence", "support"], ascending=[False, True], kind="stable").reset_index(drop=True)


def missing_roles(people: list[Stakeholder]) -> list[str]:
    """Roles of the buying center nobody in the map holds (blind spots in the decision chain)."""
    held = {p.role for p in people}
    return [r for r in DECISION_ROLES if r not in held]
