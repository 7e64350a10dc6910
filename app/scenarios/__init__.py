"""The scenario registry: every concept of the course as a program a student can play.

A scenario is a folder beside this file: `scenario.toml` (texts per language, concepts,
parameters, expected outcome, and a goal where the order of the threads matters) and one source
file per language (`es.py`, `en.py`). Loading validates everything, so a broken scenario fails
the tests, never a user.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..analysis.goals import GOAL_KINDS, VALUE_KINDS, Goal
from ..runner import ScenarioError, check_imports, find_parameters, shown_value
from ..syntax import parse
from .predictions import Prediction, parse_prediction

__all__ = [
    "LANGS",
    "OUTCOMES",
    "Param",
    "ParamError",
    "Scenario",
    "ScenarioFormatError",
    "Texts",
    "UnknownScenario",
    "get_scenario",
    "load_scenarios",
]

LANGS = ("es", "en")
OUTCOMES = ("completed", "deadlock", "stalled", "error")
HERE = Path(__file__).resolve().parent
_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool}
_TYPE_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false"}


class ScenarioFormatError(Exception):
    """A scenario folder that does not follow the format (the message names it)."""


class UnknownScenario(KeyError):
    """No scenario has this id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown scenario"


class ParamError(ValueError):
    """A parameter value of the wrong type or outside its bounds."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # int | float | bool
    default: int | float | bool
    label: dict[str, str]
    min: int | float | None = None
    max: int | float | None = None

    def describe(self) -> str:
        word = _TYPE_WORDS[self.type]
        if self.type == "bool":
            return f"{self.name} must be {word}"
        return f"{self.name} must be {word} between {self.min:g} and {self.max:g}"

    def coerce(self, value: object) -> int | float | bool:
        """Return `value` as this parameter's type, or raise ParamError saying what is allowed."""
        got = f" (got {shown_value(value)})"
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"):
                return True
            if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "off"):
                return False
            raise ParamError(self.describe() + got)
        number: int | float
        if isinstance(value, bool):
            raise ParamError(self.describe() + got)
        if isinstance(value, str):
            try:
                number = int(value) if self.type == "int" else float(value)
            except ValueError:
                raise ParamError(self.describe() + got) from None
        elif isinstance(value, int) or (isinstance(value, float) and self.type == "float"):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        else:
            raise ParamError(self.describe() + got)
        if self.type == "float":
            try:
                number = float(number)
            except OverflowError:  # an int past 1.8e308 (JSON allows one) has no float
                raise ParamError(self.describe() + got) from None
            if not math.isfinite(number):
                raise ParamError(self.describe() + got)
        assert self.min is not None and self.max is not None
        if not self.min <= number <= self.max:
            raise ParamError(self.describe() + got)
        return number

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "label": self.label,
        }


@dataclass(frozen=True)
class Texts:
    title: str
    description: str
    notice: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    id: str
    order: int
    concepts: tuple[str, ...]
    outcome: str
    nondeterministic: bool
    params: dict[str, Param]
    texts: dict[str, Texts]
    folder: Path = field(repr=False)
    goal: Goal | None = None
    prediction: Prediction | None = None  # "predict, then play": the question, if any
    compare: tuple[str, ...] = ()  # scenarios worth comparing a run with (the fix, the bug)
    # Values small enough for a search of every interleaving to end (`[explore]`): the
    # defaults are sized for one run to show something, and their orders are countless.
    explore: dict[str, int | float | bool] = field(default_factory=dict)

    def source(self, lang: str) -> str:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
        return (self.folder / f"{lang}.py").read_text(encoding="utf-8")

    def explore_values(self) -> dict[str, int | float | bool]:
        """Every parameter's value for an exploration where the user gives none."""
        return {name: self.explore.get(name, p.default) for name, p in self.params.items()}

    def version(self, lang: str) -> str:
        """A digest of what a run in `lang` depends on: the metadata and that source."""
        digest = hashlib.sha256((self.folder / "scenario.toml").read_bytes())
        digest.update(self.source(lang).encode())
        return digest.hexdigest()[:16]

    def to_json(self, lang: str) -> dict[str, Any]:
        texts = self.texts[lang]
        return {
            "id": self.id,
            "order": self.order,
            "concepts": list(self.concepts),
            "outcome": self.outcome,
            "nondeterministic": self.nondeterministic,
            "title": texts.title,
            "description": texts.description,
            "notice": list(texts.notice),
            "params": [p.to_json() for p in self.params.values()],
            "explore": self.explore_values(),
        }


def _fail(folder: Path, message: str) -> ScenarioFormatError:
    return ScenarioFormatError(f"scenario {folder.name!r}: {message}")


def _text(folder: Path, table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(folder, f"[{where}] needs a non-empty {key}")
    return value.strip()


def _texts(folder: Path, data: dict[str, Any]) -> dict[str, Texts]:
    texts: dict[str, Texts] = {}
    for lang in LANGS:
        table = data.get(lang)
        if not isinstance(table, dict):
            raise _fail(folder, f"missing the [{lang}] table")
        notice = table.get("notice")
        if (
            not isinstance(notice, list)
            or not notice
            or not all(isinstance(n, str) and n.strip() for n in notice)
        ):
            raise _fail(folder, f"[{lang}] needs notice: a list of non-empty strings")
        texts[lang] = Texts(
            title=_text(folder, table, "title", lang),
            description=_text(folder, table, "description", lang),
            notice=tuple(n.strip() for n in notice),
        )
    return texts


def _param(folder: Path, name: str, table: Any) -> Param:
    if not isinstance(table, dict):
        raise _fail(folder, f"[params.{name}] must be a table")
    kind = table.get("type")
    if kind not in _TYPES:
        raise _fail(folder, f"parameter {name}: type must be int, float or bool")
    default = table.get("default")
    label = table.get("label")
    if not isinstance(label, dict) or any(
        not isinstance(label.get(lang), str) or not label[lang].strip() for lang in LANGS
    ):
        raise _fail(folder, f"parameter {name}: label needs es and en")
    wanted = _TYPES[kind]
    if kind == "float" and isinstance(default, int) and not isinstance(default, bool):
        default = float(default)
    if type(default) is not wanted or not isinstance(default, int | float):
        raise _fail(folder, f"parameter {name}: default must be {_TYPE_WORDS[kind]}")
    if kind == "bool":
        return Param(name, kind, default, dict(label))
    low, high = table.get("min"), table.get("max")
    for bound in (low, high):
        if not isinstance(bound, int | float) or isinstance(bound, bool):
            raise _fail(folder, f"parameter {name}: min and max must be numbers")
    assert isinstance(low, int | float) and isinstance(high, int | float)
    if not low <= default <= high:
        raise _fail(folder, f"parameter {name}: default {default!r} is outside {low}..{high}")
    return Param(name, kind, default, dict(label), low, high)


_GOAL_KEYS = frozenset({"kind", *LANGS, "variable", "value", "impossible", "impossible_when"})


def _goal(folder: Path, data: dict[str, Any], params: dict[str, Param]) -> Goal | None:
    table = data.get("goal")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise _fail(folder, "[goal] must be a table")
    # A misspelt key would be ignored silently, and `impossible` is what the page promises.
    unknown = sorted(set(table) - _GOAL_KEYS)
    if unknown:
        raise _fail(folder, f"[goal] has an unknown key {unknown[0]}")
    kind = table.get("kind")
    if kind not in GOAL_KINDS:
        raise _fail(folder, f"[goal] kind must be one of {', '.join(GOAL_KINDS)} (got {kind!r})")
    text = {lang: _text(folder, table, lang, "goal") for lang in LANGS}
    variable, value = table.get("variable"), table.get("value")
    if kind in VALUE_KINDS:
        if not isinstance(variable, dict) or any(
            not isinstance(variable.get(lang), str) or not variable[lang].strip() for lang in LANGS
        ):
            raise _fail(folder, f"[goal] of kind {kind} needs variable with es and en")
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _fail(folder, f"[goal] of kind {kind} needs a number as value")
        variable = {lang: variable[lang].strip() for lang in LANGS}
    elif variable is not None or value is not None:
        raise _fail(folder, f"[goal] of kind {kind} takes no variable or value")
    impossible = table.get("impossible", False)
    if not isinstance(impossible, bool):
        raise _fail(folder, "[goal] impossible must be true or false")
    when = table.get("impossible_when", {})
    if not isinstance(when, dict):
        raise _fail(folder, "[goal] impossible_when must be a table of parameter values")
    if impossible and when:
        raise _fail(folder, "[goal] is impossible always or impossible_when, not both")
    impossible_when = _values(folder, when, params, "[goal] impossible_when")
    return Goal(kind, text, variable, value, impossible, impossible_when)


def _values(
    folder: Path, table: dict[str, Any], params: dict[str, Param], where: str
) -> dict[str, int | float | bool]:
    """A table of parameter values, each checked by its parameter."""
    values: dict[str, int | float | bool] = {}
    for name, given in table.items():
        if name not in params:
            raise _fail(folder, f"{where} names unknown parameter {name}")
        try:
            values[name] = params[name].coerce(given)
        except ParamError as exc:
            raise _fail(folder, f"{where}: {exc}") from None
    return values


def _explore(
    folder: Path, data: dict[str, Any], params: dict[str, Param]
) -> dict[str, int | float | bool]:
    table = data.get("explore", {})
    if not isinstance(table, dict):
        raise _fail(folder, "[explore] must be a table of parameter values")
    values = _values(folder, table, params, "[explore]")
    for name, value in values.items():
        if value == params[name].default:
            raise _fail(folder, f"[explore] {name} is its default: leave it out")
    return values


def _check_source(folder: Path, lang: str, params: dict[str, Param]) -> None:
    path = folder / f"{lang}.py"
    if not path.is_file():
        raise _fail(folder, f"missing {lang}.py")
    source = path.read_text(encoding="utf-8")
    try:
        tree = parse(source, str(path))
        check_imports(tree)
    except SyntaxError as exc:
        raise _fail(folder, f"{lang}.py: syntax error at line {exc.lineno}") from None
    except ScenarioError as exc:
        raise _fail(folder, f"{lang}.py: {exc}") from None
    constants = find_parameters(tree)
    for name, param in params.items():
        if name not in constants:
            raise _fail(folder, f"{lang}.py has no top-level constant {name} = <literal>")
        value = constants[name].value
        if value != param.default or type(value) is not type(param.default):
            if not (param.type == "float" and type(value) is int and value == param.default):
                raise _fail(
                    folder,
                    f"{lang}.py sets {name} = {value!r}, the toml default is {param.default!r}",
                )
    undeclared = sorted(set(constants) - set(params))
    if undeclared:
        raise _fail(folder, f"{lang}.py has undeclared parameter {undeclared[0]}")


def load_folder(folder: Path) -> Scenario:
    """Read and validate one scenario folder."""
    try:
        data = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(folder, "missing scenario.toml") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(folder, f"scenario.toml: {exc}") from None
    outcome = data.get("outcome")
    if outcome not in OUTCOMES:
        raise _fail(folder, f"outcome must be one of {', '.join(OUTCOMES)} (got {outcome!r})")
    order = data.get("order")
    if not isinstance(order, int) or isinstance(order, bool):
        raise _fail(folder, "order must be an integer")
    concepts = data.get("concepts")
    if (
        not isinstance(concepts, list)
        or not concepts
        or not all(isinstance(c, str) for c in concepts)
    ):
        raise _fail(folder, "concepts must be a non-empty list of strings")
    nondeterministic = data.get("nondeterministic", False)
    if not isinstance(nondeterministic, bool):
        raise _fail(folder, "nondeterministic must be true or false")
    raw_params = data.get("params", {})
    if not isinstance(raw_params, dict):
        raise _fail(folder, "params must be tables [params.NAME]")
    params = {name: _param(folder, name, table) for name, table in raw_params.items()}
    texts = _texts(folder, data)
    goal = _goal(folder, data, params)
    prediction = None
    if "predict" in data:
        try:
            prediction = parse_prediction(data["predict"], LANGS)
        except ValueError as exc:
            raise _fail(folder, str(exc)) from None
    compare = data.get("compare", [])
    if not isinstance(compare, list) or not all(isinstance(c, str) and c for c in compare):
        raise _fail(folder, "compare must be a list of scenario ids")
    for lang in LANGS:
        _check_source(folder, lang, params)
    return Scenario(
        id=folder.name,
        order=order,
        concepts=tuple(concepts),
        outcome=outcome,
        nondeterministic=nondeterministic,
        params=params,
        texts=texts,
        folder=folder,
        goal=goal,
        prediction=prediction,
        compare=tuple(compare),
        explore=_explore(folder, data, params),
    )


def load_scenarios(base: Path | None = None) -> dict[str, Scenario]:
    """Every scenario under `base` (default: the shipped ones), in gallery order."""
    if base is None:
        return _shipped()
    folders = [p for p in base.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
    scenarios = sorted((load_folder(folder) for folder in folders), key=lambda s: (s.order, s.id))
    for scenario in scenarios:
        for other in scenario.compare:
            if other not in {s.id for s in scenarios} or other == scenario.id:
                raise _fail(scenario.folder, f"compare names no other scenario {other!r}")
    return {s.id: s for s in scenarios}


@cache
def _shipped() -> dict[str, Scenario]:
    return load_scenarios(HERE)


def get_scenario(scenario_id: str) -> Scenario:
    """The shipped scenario with this id, or UnknownScenario with a message."""
    scenarios = _shipped()
    try:
        return scenarios[scenario_id]
    except KeyError:
        raise UnknownScenario(f"no scenario {scenario_id!r}; see the list of scenarios") from None
