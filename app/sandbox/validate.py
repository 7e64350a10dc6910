"""The server's checks on what a worker answered, before anything uses it.

A worker's answer is only data: a program that has taken over its own process (through
`print.__self__`, ctypes, anything) can write whatever it likes on the pipe. So a trace is
taken only when it matches the trace schema, reads back as a `Trace`, passes the consistency
checker, is a run of exactly the source that was sent, with the parameters and choices that
were sent, and the analysis can read it. What such a program can still do is make up a
consistent run of its own source; that run is its own (it reaches no one else's).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..analysis import analyse
from ..explore import Ending, Exploration
from ..tracing.check import problems
from ..tracing.trace import KINDS, OUTCOMES, Trace, TraceFormatError
from .errors import RunRefused

__all__ = ["checked_exploration", "checked_trace"]

_SCHEMA = Path(__file__).resolve().parent.parent / "tracing" / "trace.schema.json"
_SHOWN = 3  # problems named in a refusal


def _refuse(why: str) -> RunRefused:
    return RunRefused("refused", f"the run's result was refused: {why}")


@cache
def _validator() -> Any:
    return jsonschema.Draft202012Validator(json.loads(_SCHEMA.read_text(encoding="utf-8")))


_COLUMNS = ("t", "thread", "kind", "object", "line")


def _without_columns(document: Any) -> Any:
    """The document with its event columns emptied: the schema's checks of every number of
    every column cost a second for a large run; `_bad_column` does them in a few ms."""
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, dict):
        return document
    emptied = {key: [] if key in _COLUMNS else value for key, value in events.items()}
    args = events.get("args")
    if isinstance(args, dict):
        emptied["args"] = {**args, "at": []}
    return {**document, "events": emptied}


def _bad_column(events: dict[str, Any]) -> str | None:
    """What is wrong with the first column that is not as the schema's `column` says."""
    for key in (*_COLUMNS, "at"):
        column = events["args"]["at"] if key == "at" else events[key]
        if isinstance(column, dict):
            if set(column) != {"runs"}:
                return f"{key} has keys other than runs"
            column = column["runs"]
        if not isinstance(column, list) or not all(
            type(value) is int and value >= 0 for value in column
        ):
            return f"{key} is not a list of integers from 0 up"
    return None


def _consistent(document: Any) -> Trace:
    """The trace `document` is, if it has the schema's shape and passes the checker."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(_without_columns(document)))
    if error is None:
        error = _bad_column(document["events"])
    if isinstance(error, str):
        raise _refuse(f"it does not match the trace schema at events: {error}")
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the document"
        raise _refuse(f"it does not match the trace schema at {where}: {error.message[:200]}")
    try:
        trace = Trace.from_json(document)
    except TraceFormatError as exc:
        raise _refuse(str(exc)) from None
    unknown = trace.kinds_used() - set(KINDS)
    if unknown:
        raise _refuse(f"unknown event kinds {sorted(unknown)[:_SHOWN]}")
    found = problems(trace)
    if found:
        raise _refuse("inconsistent events: " + "; ".join(found[:_SHOWN]))
    return trace


def checked_trace(
    document: Any,
    *,
    source: str,
    params: Mapping[str, Any],
    scenario: str | None,
    lang: str | None,
    schedule: Sequence[str] | None,
) -> Trace:
    """The trace `document` is, if it is a faithful run of `source`; else RunRefused."""
    try:
        trace = _consistent(document)
    except RunRefused:
        raise
    except Exception as exc:  # whatever a made-up answer breaks, it is refused, never a 500
        raise _refuse(f"it cannot be read ({type(exc).__name__})") from None
    if trace.source != source:
        raise _refuse("it is not a run of the program that was sent")
    if trace.params != dict(params) or trace.scenario != scenario or trace.lang != lang:
        raise _refuse("its parameters, scenario or language are not the ones sent")
    if schedule is None:
        if trace.schedule is not None:
            raise _refuse("it claims a schedule no one asked for")
    else:
        choices = trace.schedule["choices"] if trace.schedule else None
        if choices is None or list(choices[: len(schedule)]) != list(schedule):
            raise _refuse("it does not follow the choices that were sent")
    try:
        analyse(trace)
        trace.dumps()  # and the store must be able to write it
    except Exception as exc:
        raise _refuse(f"the analysis cannot read it ({type(exc).__name__})") from None
    return trace


class _Ending(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    status: str = Field(pattern="^(" + "|".join(OUTCOMES) + ")$")
    final: dict[str, Any]
    output: list[str]
    count: int = Field(ge=1)
    schedule: list[str]
    preemptions: int = Field(ge=0)
    cycle: list[str]


class _Exploration(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    explored: int = Field(ge=0)
    runs: int = Field(ge=0)
    covered: str = Field(pattern="^(all|bounded|sampled)$")
    preemptions: int = Field(ge=0)
    seconds: float = Field(ge=0)
    outcomes: list[_Ending]


def checked_exploration(
    document: Any, *, preemptions: int | None, max_schedules: int
) -> Exploration:
    """The exploration `document` is, if it has the shape and bounds of one; else RunRefused.

    Its endings are the worker's word (re-running each would cost the search again); each
    witness schedule is checked like any other when someone replays it.
    """
    try:
        found = _Exploration.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(p) for p in first["loc"])
        raise _refuse(f"not an exploration at {where}: {first['msg']}") from None
    try:
        json.dumps(document, allow_nan=False)  # the store must be able to write it
    except (ValueError, RecursionError) as exc:
        raise _refuse(f"it cannot be written ({type(exc).__name__})") from None
    bound = found.preemptions if preemptions is None else preemptions
    if found.preemptions > bound or found.explored > max_schedules:
        raise _refuse("it claims more than the search was allowed")
    if sum(e.count for e in found.outcomes) != found.explored:
        raise _refuse("its endings do not add up to the schedules it explored")
    if any(e.preemptions > found.preemptions for e in found.outcomes):
        raise _refuse("an ending needs more preemptions than the search reached")
    return Exploration(
        explored=found.explored,
        runs=found.runs,
        covered=found.covered,
        preemptions=found.preemptions,
        endings=[Ending(**ending.model_dump()) for ending in found.outcomes],
        seconds=found.seconds,
    )
