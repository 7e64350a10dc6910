"""The recorded run: `Trace`, its rows, and the `hilos.trace/2` JSON encoding."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "SCHEMA",
    "KINDS",
    "OUTCOMES",
    "REQUESTS",
    "WAIT_OF",
    "CLOSES",
    "Event",
    "ThreadInfo",
    "ObjectInfo",
    "Outcome",
    "Trace",
    "TraceFormatError",
    "jsonable",
]

SCHEMA = "hilos.trace/2.4"
# Majors this reader understands: 1 is 2 without runs (every column a plain array).
_READS = ("1", "2")
# A document whose runs expand past this many events is refused rather than unfolded.
_MAX_READ = 10_000_000

OUTCOMES = ("completed", "deadlock", "stalled", "error", "timeout", "limit", "paused")

# The order is part of the format only through the `kinds` table each trace carries,
# so new kinds may be appended freely.
KINDS: tuple[str, ...] = (
    "thread_start",
    "thread_run",
    "thread_end",
    "thread_error",
    "thread_abort",
    "join_request",
    "join_return",
    "acquire_request",
    "acquire",
    "acquire_granted",
    "acquire_timeout",
    "acquire_fail",
    "release",
    "wait_request",
    "wait_return",
    "set",
    "clear",
    "notify",
    "put_request",
    "put",
    "put_done",
    "put_timeout",
    "get_request",
    "get",
    "get_done",
    "get_timeout",
    "task_done",
    "queue_join_request",
    "queue_join_return",
    "barrier_request",
    "barrier_pass",
    "barrier_broken",
    "barrier_reset",
    "barrier_abort",
    "sleep_request",
    "sleep_done",
    "timer_schedule",
    "timer_fire",
    "timer_cancel",
    "print",
    "deadlock",
    "stall",
    "aborted",
    "resume",
    "read",
    "write",
)
KIND_CODE: dict[str, int] = {name: code for code, name in enumerate(KINDS)}

# The one table of blocking operations: each request kind, what the thread waits in while it
# is open, and the kinds that answer it (besides `aborted`, which ends any of them). The
# recorder, the checker and the analysis all read it; the browser gets the analysis's result.
REQUESTS: dict[str, tuple[str, frozenset[str]]] = {
    "acquire_request": ("acquire", frozenset({"acquire_granted", "acquire_timeout"})),
    "wait_request": ("wait", frozenset({"wait_return"})),
    "put_request": ("put", frozenset({"put_done", "put_timeout"})),
    "get_request": ("get", frozenset({"get_done", "get_timeout"})),
    "join_request": ("join", frozenset({"join_return"})),
    "queue_join_request": ("queue_join", frozenset({"queue_join_return"})),
    "barrier_request": ("barrier", frozenset({"barrier_pass", "barrier_broken"})),
    "sleep_request": ("sleep", frozenset({"sleep_done"})),
}
# Request kind -> what it waits in; answer kind -> what it closes.
WAIT_OF: dict[str, str] = {kind: wait for kind, (wait, _) in REQUESTS.items()}
CLOSES: dict[str, str] = {answer: wait for wait, answers in REQUESTS.values() for answer in answers}

_MAX_TEXT = 200
# Past this many bits an int has more digits than `str()` converts (4300 by default), so
# `json.dumps` would raise; such an int is stored as a short description instead.
_MAX_INT_BITS = 14_000
_SMALL_INT = 1 << 62


def jsonable(value: object) -> Any:
    """Return `value` as it will be stored: JSON scalars kept, anything else as a short repr.

    Strict JSON (RFC 8259) has no number for an infinity or NaN (a browser's `JSON.parse`
    refuses `Infinity`): such a float is stored as its repr, "inf", "-inf" or "nan".
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= _MAX_INT_BITS else _big_int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else float.__repr__(value)
    if isinstance(value, str):
        return value if len(value) <= _MAX_TEXT else value[: _MAX_TEXT - 1] + "…"
    text = repr(value)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _big_int(value: int) -> str:
    return f"<int of {value.bit_length()} bits>"


def _strict(value: Any) -> Any:
    """`value` with every number strict JSON cannot carry replaced as `jsonable` replaces it.

    A list or dict is copied only when something in it changes.
    """
    if isinstance(value, float | int) and not isinstance(value, bool):
        return jsonable(value)
    if isinstance(value, list):
        items: list[Any] | None = None
        for index, item in enumerate(value):
            clean = _strict(item)
            if clean is not item:
                if items is None:
                    items = list(value)
                items[index] = clean
        return value if items is None else items
    if isinstance(value, dict):
        fields: dict[Any, Any] | None = None
        for key, item in value.items():
            clean = _strict(item)
            if clean is not item:
                if fields is None:
                    fields = dict(value)
                fields[key] = clean
        return value if fields is None else fields
    return value


def _strict_events(events: list[Event]) -> list[Event]:
    """`events` with their args made strict JSON; the list itself when none needed it.

    Most args are None, small ints or strings already made by `jsonable`; timeouts and
    intervals are stored as the program passed them, and that may be an infinity. The common
    cases are tested inline: this runs over every event of every trace.
    """
    fixed: list[Event] | None = None
    for index, event in enumerate(events):
        arg = event[5]
        kind = type(arg)
        if arg is None or kind is str or kind is bool:
            continue
        if kind is int and -_SMALL_INT < arg < _SMALL_INT:
            continue
        clean = _strict(arg)
        if clean is not arg:
            if fixed is None:
                fixed = list(events)
            fixed[index] = event._replace(arg=clean)
    return events if fixed is None else fixed


class Event(NamedTuple):
    """One recorded step. `t` is ns since the start of the run; `obj` 0 means none."""

    t: int
    thread: int
    kind: str
    obj: int
    line: int
    arg: Any = None


@dataclass
class ThreadInfo:
    id: int
    name: str
    daemon: bool
    parent: int | None
    kind: str  # main | thread | timer | foreign
    target: str | None = None
    line: int | None = None
    start_ns: int | None = None
    end_ns: int | None = None
    end: str = "never-started"

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ObjectInfo:
    id: int
    kind: str
    label: str
    line: int | None
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Outcome:
    status: str
    message: str
    cycle: list[dict[str, Any]] | None = None
    waiting: list[dict[str, Any]] | None = None
    error: dict[str, Any] | None = None
    # The status the program asked for with sys.exit(), when not 0 (a run that completed).
    exit_code: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "message": self.message}
        for key in ("cycle", "waiting", "error", "exit_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


def pack(column: list[int]) -> list[int] | dict[str, list[int]]:
    """A column as it is, or as `{"runs": [value, count, ...]}` when that has fewer numbers.

    A producer's hundred puts in a row, or a thousand events on one object, then cost a pair of
    numbers instead of a hundred or a thousand; columns that change at every event (a lock's
    acquire and release lines alternating) stay plain.
    """
    runs: list[int] = []
    last: int | None = None
    for value in column:
        if value == last:
            runs[-1] += 1
        else:
            runs.append(value)
            runs.append(1)
            last = value
    if len(runs) < len(column):
        return {"runs": runs}
    return column


def unpack(column: Any, name: str, runs_allowed: bool = True) -> list[int]:
    """The plain list of a column written by `pack` (or a plain array, as version 1 has)."""
    if isinstance(column, list):
        return column
    if not runs_allowed or not isinstance(column, dict) or not isinstance(column.get("runs"), list):
        raise TraceFormatError(f'{name} is neither an array nor {{"runs": [...]}}')
    runs = column["runs"]
    if len(runs) % 2:
        raise TraceFormatError(f"{name}.runs has an odd number of entries")
    counts = runs[1::2]
    if not all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in counts):
        raise TraceFormatError(f"{name}.runs has a count that is not a positive integer")
    if sum(counts) > _MAX_READ:
        raise TraceFormatError(f"{name}.runs adds up to more than {_MAX_READ} events")
    plain: list[int] = []
    for k in range(0, len(runs), 2):
        plain.extend([runs[k]] * runs[k + 1])
    return plain


class TraceFormatError(ValueError):
    """A document that is not a trace this version of Hilos can read."""


@dataclass
class Trace:
    source: str
    outcome: Outcome
    threads: list[ThreadInfo]
    objects: list[ObjectInfo]
    events: list[Event]
    scenario: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    lang: str | None = None
    filename: str = "<source>"
    seed: int = 0
    started_at: str = ""
    duration_ns: int = 0
    limits: dict[str, Any] = field(default_factory=dict)
    # A controlled run's schedule: {"choices": [...], "next": [...]} (docs/trace-format.md).
    schedule: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # A trace holds only what strict JSON carries: the document it writes is then exactly
        # what is in memory, and reads back equal to it.
        self.events = _strict_events(self.events)
        self.params = _strict(self.params)
        self.limits = _strict(self.limits)
        for info in self.objects:
            info.info = _strict(info.info)

    def thread(self, tid: int) -> ThreadInfo:
        for info in self.threads:
            if info.id == tid:
                return info
        raise KeyError(f"no thread {tid} in this trace")

    def object(self, oid: int) -> ObjectInfo:
        for info in self.objects:
            if info.id == oid:
                return info
        raise KeyError(f"no object {oid} in this trace")

    def kinds_used(self) -> set[str]:
        return {event.kind for event in self.events}

    # -- encoding ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Return the `hilos.trace/2` document (columnar, delta-coded times, runs)."""
        kinds = list(KINDS)
        extra = sorted(self.kinds_used() - KIND_CODE.keys())
        kinds.extend(extra)
        code = {name: i for i, name in enumerate(kinds)}
        times: list[int] = []
        threads: list[int] = []
        kind_codes: list[int] = []
        objs: list[int] = []
        lines: list[int] = []
        arg_at: list[int] = []
        arg_value: list[Any] = []
        previous = 0
        previous_arg = 0
        for index, event in enumerate(self.events):
            times.append(event.t - previous)
            previous = event.t
            threads.append(event.thread)
            kind_codes.append(code[event.kind])
            objs.append(event.obj)
            lines.append(event.line)
            if event.arg is not None:
                arg_at.append(index - previous_arg)
                previous_arg = index
                arg_value.append(event.arg)
        return {
            "schema": SCHEMA,
            "scenario": self.scenario,
            "params": self.params,
            "lang": self.lang,
            "filename": self.filename,
            "source": self.source,
            "seed": self.seed,
            "started_at": self.started_at,
            "duration_ns": self.duration_ns,
            "limits": self.limits,
            **({"schedule": self.schedule} if self.schedule is not None else {}),
            "outcome": self.outcome.to_json(),
            "threads": [t.to_json() for t in self.threads],
            "objects": [o.to_json() for o in self.objects],
            "kinds": kinds,
            "events": {
                "t": pack(times),
                "thread": pack(threads),
                "kind": pack(kind_codes),
                "object": pack(objs),
                "line": pack(lines),
                "args": {"at": pack(arg_at), "value": arg_value},
            },
        }

    def dumps(self) -> str:
        # allow_nan=False: a non-finite float that slipped past `__post_init__` fails here,
        # loudly, instead of writing `Infinity`, which is not JSON.
        return json.dumps(
            self.to_json(), separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )

    @classmethod
    def loads(cls, text: str | bytes) -> Trace:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise TraceFormatError(f"not a JSON document: {exc}") from None
        return cls.from_json(data)

    @classmethod
    def from_json(cls, data: Any) -> Trace:
        """Read a `hilos.trace/2` or `/1` document; reject other majors with a clear message."""
        if not isinstance(data, dict):
            raise TraceFormatError("a trace is a JSON object")
        schema = data.get("schema")
        if not isinstance(schema, str) or not schema.startswith("hilos.trace/"):
            raise TraceFormatError(f"not a Hilos trace (schema is {schema!r})")
        major = schema.removeprefix("hilos.trace/").split(".")[0]
        if major not in _READS:
            readable = " and ".join(f"hilos.trace/{m}" for m in _READS)
            raise TraceFormatError(
                f"unsupported trace schema {schema!r}; this Hilos reads {readable}"
            )
        try:
            raw = data["events"]
            kinds = data["kinds"]
            runs_allowed = major != "1"
            columns = {
                key: unpack(raw[key], f"events.{key}", runs_allowed)
                for key in ("t", "thread", "kind", "object", "line")
            }
            n = len(columns["t"])
            for key in ("thread", "kind", "object", "line"):
                if len(columns[key]) != n:
                    raise TraceFormatError(f"events.{key} has {len(columns[key])} entries, not {n}")
            args = raw["args"]
            at = unpack(args["at"], "events.args.at", runs_allowed)
            if len(at) != len(args["value"]):
                raise TraceFormatError("events.args.at and events.args.value differ in length")
            arg_at: dict[int, Any] = {}
            index = 0
            for step, value in zip(at, args["value"], strict=True):
                index += step
                arg_at[index] = value
            events: list[Event] = []
            now = 0
            for i in range(n):
                now += columns["t"][i]
                events.append(
                    Event(
                        now,
                        columns["thread"][i],
                        kinds[columns["kind"][i]],
                        columns["object"][i],
                        columns["line"][i],
                        arg_at.get(i),
                    )
                )
            outcome = data["outcome"]
            return cls(
                source=data["source"],
                outcome=Outcome(
                    status=outcome["status"],
                    message=outcome.get("message", ""),
                    cycle=outcome.get("cycle"),
                    waiting=outcome.get("waiting"),
                    error=outcome.get("error"),
                    exit_code=outcome.get("exit_code"),
                ),
                threads=[ThreadInfo(**t) for t in data["threads"]],
                objects=[ObjectInfo(**o) for o in data["objects"]],
                events=events,
                scenario=data.get("scenario"),
                params=data.get("params") or {},
                lang=data.get("lang"),
                filename=data.get("filename", "<source>"),
                seed=data.get("seed", 0),
                started_at=data.get("started_at", ""),
                duration_ns=data.get("duration_ns", 0),
                limits=data.get("limits") or {},
                schedule=data.get("schedule"),
            )
        except TraceFormatError:
            raise
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise TraceFormatError(f"malformed trace: {type(exc).__name__}: {exc}") from None
