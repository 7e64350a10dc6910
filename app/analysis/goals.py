"""Goals, as in The Deadlock Empire: what a scenario challenges the student to make its threads
do by choosing who goes next, and whether a run did it.

A goal is one of a few kinds, each a pure check on a trace (finished or paused) and its
analysis as the player gets it (`Analysis.to_json`):

- `deadlock`: the run ended in a deadlock;
- `completed`: the run ended normally;
- `lost-update`: some write overwrote another thread's unread write (`lost_updates`);
- `below` / `above`: a shared variable took a value below / above a number (`variables`).

A paused run has not ended, so it has not deadlocked or completed yet; a lost update or a value
already written counts as soon as it is in the trace. Some goals cannot be reached, on purpose
(the fix of a bug): `impossible` says so always, `impossible_when` for some parameter values,
so that the page can say so honestly instead of letting the student search forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..tracing import Trace

__all__ = ["GOAL_KINDS", "VALUE_KINDS", "Goal", "goal_document", "goal_reached"]

GOAL_KINDS = ("deadlock", "completed", "lost-update", "below", "above")
VALUE_KINDS = ("below", "above")  # the kinds that name a variable and a number


@dataclass(frozen=True)
class Goal:
    kind: str
    text: dict[str, str]  # the instruction, per language
    variable: dict[str, str] | None = None  # below/above: the variable's name, per language
    value: int | float | None = None  # below/above: the number it is compared with
    impossible: bool = False
    impossible_when: dict[str, int | float | bool] = field(default_factory=dict)

    def is_impossible(self, params: Mapping[str, object]) -> bool:
        """Whether no schedule reaches the goal with these parameter values."""
        if self.impossible:
            return True
        when = self.impossible_when
        return bool(when) and all(
            name in params and params[name] == value for name, value in when.items()
        )

    def to_json(self, lang: str, params: Mapping[str, object]) -> dict[str, Any]:
        """The goal as the scenario's metadata shows it, judged at `params` (its defaults)."""
        return {
            "kind": self.kind,
            "text": self.text[lang],
            "impossible": self.is_impossible(params),
            "impossible_when": dict(self.impossible_when),
        }


def goal_reached(goal: Goal, trace: Trace, analysis: Mapping[str, Any]) -> bool:
    """Whether `trace` (with `analysis`, its `Analysis.to_json`) did what `goal` asks."""
    kind = goal.kind
    if kind in ("deadlock", "completed"):
        return trace.outcome.status == kind
    if kind == "lost-update":
        return bool(analysis["lost_updates"])
    if kind in VALUE_KINDS:
        assert goal.variable is not None and goal.value is not None
        names = set(goal.variable.values())
        values = [
            value
            for var in analysis["variables"]
            if var["label"] in names
            for _, value in var["values"]
            if isinstance(value, int | float) and not isinstance(value, bool)
        ]
        if kind == "below":
            return any(value < goal.value for value in values)
        return any(value > goal.value for value in values)
    raise ValueError(f"unknown goal kind {kind!r}")


def goal_document(
    goal: Goal | None, trace: Trace, analysis: Mapping[str, Any], lang: str
) -> dict[str, Any] | None:
    """What a run document says of its scenario's goal: None when the scenario has none."""
    if goal is None:
        return None
    return {
        "kind": goal.kind,
        "text": goal.text[lang],
        "impossible": goal.is_impossible(trace.params),
        "reached": goal_reached(goal, trace, analysis),
    }
