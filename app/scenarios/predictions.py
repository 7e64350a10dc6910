"""Predict, then play: the question a scenario may ask before its run plays.

A prediction is one of two kinds, each answered from the run itself, never from the scenario's
text: `finish` ("Will it finish?": yes when the run completed) and `value` ("What will the total
be?": the last value written to a shared variable, named per language as the program names it).
The player asks, plays, and says whether the answer was right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["PREDICTION_KINDS", "Prediction", "parse_prediction"]

PREDICTION_KINDS = ("finish", "value")
_KEYS = frozenset({"kind", "question", "variable"})


@dataclass(frozen=True)
class Prediction:
    kind: str
    question: dict[str, str]  # per language
    variable: dict[str, str] | None = None  # value: the shared variable's name, per language

    def to_json(self, lang: str) -> dict[str, Any]:
        """What the player needs to ask and to check (both names of the variable: a run
        recorded in one language may be read in the other)."""
        shown: dict[str, Any] = {"kind": self.kind, "question": self.question[lang]}
        if self.variable is not None:
            shown["variable"] = self.variable[lang]
            shown["names"] = sorted(set(self.variable.values()))
        return shown


def _per_lang(table: Any, langs: tuple[str, ...]) -> dict[str, str] | None:
    if not isinstance(table, dict) or any(
        not isinstance(table.get(lang), str) or not table[lang].strip() for lang in langs
    ):
        return None
    return {lang: table[lang].strip() for lang in langs}


def parse_prediction(table: Any, langs: tuple[str, ...]) -> Prediction:
    """A `[predict]` table as a Prediction; ValueError says what is wrong with it."""
    if not isinstance(table, dict):
        raise ValueError("[predict] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ValueError(f"[predict] has an unknown key {unknown[0]}")
    kind = table.get("kind")
    if kind not in PREDICTION_KINDS:
        allowed = ", ".join(PREDICTION_KINDS)
        raise ValueError(f"[predict] kind must be one of {allowed} (got {kind!r})")
    question = _per_lang(table.get("question"), langs)
    if question is None:
        raise ValueError("[predict] needs question with es and en")
    variable = _per_lang(table.get("variable"), langs)
    if kind == "value" and variable is None:
        raise ValueError("[predict] of kind value needs variable with es and en")
    if kind != "value" and "variable" in table:
        raise ValueError(f"[predict] of kind {kind} takes no variable")
    return Prediction(kind, question, variable)
