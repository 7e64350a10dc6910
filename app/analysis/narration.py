"""One plain sentence per meaningful event, in the student's language.

The sentences are not written out here. `narration_columns` decides, per event worth telling,
which sentence of the catalog tells it and the few values that sentence needs beyond the
event's own thread and object; the browser fills the template when the sentence is shown
(`static/js/model.js`), and `render` does the same in Python (the tests, the command line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..tracing import Trace
from ..tracing.trace import pack
from .catalog import CATALOG, REASONS
from .shared import LostUpdate, Race, lost_updates, variables
from .timeline import Interval, Timeline

__all__ = [
    "Sentence",
    "narrate",
    "format_ms",
    "format_number",
    "format_seconds",
    "Words",
    "lost_sentence",
    "race_sentence",
    "narration_columns",
    "render",
    "SAID",
]

# The key of a sentence written whole in Python (a deadlock's cycle, a lost update).
SAID = "said"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

# Steps a student does not need told: the thread's first step (its start is told by the
# thread that started it), the end of a sleep (the next sentence shows it), an interrupted
# request (the thread's abort is told), a thread running again after a lock was handed to it
# (the hand-off's sentence says it must wait for its turn).
_SILENT = frozenset({"thread_run", "sleep_done", "aborted", "resume"})


@dataclass(frozen=True)
class Sentence:
    index: int
    thread: int
    text: str


def format_ms(ns: int | float, lang: str) -> str:
    text = f"{ns / 1e6:.1f}"
    return text.replace(".", ",") if lang == "es" else text


def format_number(value: int | float, lang: str) -> str:
    """A number as a reader of `lang` writes it: 0,5 in Spanish, 0.5 in English."""
    text = str(value) if isinstance(value, int) else f"{value:g}"
    return text.replace(".", ",") if lang == "es" else text


def format_seconds(seconds: Any, lang: str) -> str:
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return str(seconds)
    return format_number(seconds, lang)


def format_item(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


class Words:
    """Names and messages of one trace in one language."""

    def __init__(self, trace: Trace, lang: str) -> None:
        if lang not in CATALOG:
            raise ValueError(f"unknown language {lang!r}; use one of {', '.join(CATALOG)}")
        self.lang = lang
        self.messages = CATALOG[lang]
        self.names = {th.id: th.name for th in trace.threads}
        self.labels = {o.id: o.label for o in trace.objects}
        self.kinds = {o.id: o.kind for o in trace.objects}

    def name(self, thread: Any) -> str:
        return self.names.get(thread, f"#{thread}") if isinstance(thread, int) else "?"

    def label(self, obj: Any) -> str:
        return self.labels.get(obj, "?") if isinstance(obj, int) else "?"

    def say(self, key: str, **values: Any) -> str:
        return self.messages[key].format(**values)


def narrate(
    trace: Trace, timeline: Timeline, lang: str, lost: Iterable[LostUpdate] | None = None
) -> list[Sentence]:
    """One sentence per meaningful event, written out (the tests and the command line)."""
    columns = narration_columns(trace, timeline, lang, lost)
    return [
        Sentence(index, trace.events[index].thread, text) for index, text in render(columns, trace)
    ]


def narration_columns(
    trace: Trace, timeline: Timeline, lang: str, lost: Iterable[LostUpdate] | None = None
) -> dict[str, Any]:
    """The narration as the run document carries it: per event told, its index and the key of
    its sentence (columns), the values its template needs beyond the event's thread and object
    (sparse), and the templates used. `lost` are the trace's lost updates when known."""
    words = Words(trace, lang)
    if lost is None:
        lost = lost_updates(variables(trace))
    losing = {found.write.index: found for found in lost}
    blocked_from = {(iv.thread, iv.start): iv for iv in timeline.intervals if iv.kind}
    waited_until = {(iv.thread, iv.end): iv for iv in timeline.intervals if iv.kind}
    keys: dict[str, int] = {}
    needs: dict[str, list[str]] = {}
    indexes: list[int] = []
    codes: list[int] = []
    value_at: list[int] = []
    values: list[dict[str, Any]] = []
    previous = last_row = 0
    for index, ev in enumerate(trace.events):
        if ev.kind in _SILENT:
            continue
        if index in losing:
            told: tuple[str, dict[str, Any]] | None = (
                SAID, {"text": lost_sentence(words, losing[index])}
            )  # fmt: skip
        else:
            told = _sentence(words, trace, ev.kind, ev.thread, ev.obj, ev.arg, index, ev.t,
                             blocked_from, waited_until)  # fmt: skip
        if told is None:
            continue
        key, given = told
        code = keys.get(key)
        if code is None:
            code = keys[key] = len(keys)
            template = "{text}" if key == SAID else words.messages[key]
            needs[key] = [n for n in _PLACEHOLDER.findall(template) if n not in ("thread", "obj")]
        if needs[key]:
            # Rows delta-coded like the indexes: the row since the previous row with values.
            value_at.append(len(codes) - last_row)
            last_row = len(codes)
            values.append({name: _shown(given.get(name, "?")) for name in needs[key]})
        indexes.append(index - previous)
        previous = index
        codes.append(code)
    return {
        "keys": list(keys),
        "templates": ["{text}" if k == SAID else words.messages[k] for k in keys],
        "index": pack(indexes),
        "key": pack(codes),
        "values": {"at": pack(value_at), "value": values},
    }


def _shown(value: Any) -> Any:
    """A value as the sentence shows it: text, or an integer (JSON keeps those exact)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return value if isinstance(value, str) else str(value)


def _undelta(column: Any) -> list[int]:
    plain = column if isinstance(column, list) else _unruns(column["runs"])
    out, total = [], 0
    for step in plain:
        total += step
        out.append(total)
    return out


def _unruns(runs: list[int]) -> list[int]:
    out: list[int] = []
    for k in range(0, len(runs), 2):
        out.extend([runs[k]] * runs[k + 1])
    return out


def _fill(template: str, values: dict[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def render(columns: dict[str, Any], trace: Trace) -> list[tuple[int, str]]:
    """The narration columns written out: (event index, sentence), as the browser does."""
    names = {th.id: th.name for th in trace.threads}
    labels = {o.id: o.label for o in trace.objects}
    indexes = _undelta(columns["index"])
    codes = columns["key"] if isinstance(columns["key"], list) else _unruns(columns["key"]["runs"])
    extra = dict(zip(_undelta(columns["values"]["at"]), columns["values"]["value"], strict=True))
    out = []
    for row, (index, code) in enumerate(zip(indexes, codes, strict=True)):
        ev = trace.events[index]
        given = {"thread": names.get(ev.thread, f"#{ev.thread}"), "obj": labels.get(ev.obj, "?")}
        given |= extra.get(row, {})
        template = columns["templates"][code]
        text = _fill(template, given)
        out.append((index, text))
    return out


def _sentence(
    words: Words,
    trace: Trace,
    kind: str,
    thread: int,
    obj: int,
    arg: Any,
    index: int,
    t: int,
    blocked_from: dict[tuple[int, int], Interval],
    waited_until: dict[tuple[int, int | None], Interval],
) -> tuple[str, dict[str, Any]] | None:
    """Which sentence tells this event, and the values it needs besides its thread and object."""
    lang = words.lang

    def say(key: str, **values: Any) -> tuple[str, dict[str, Any]]:
        return key, values

    objkind = words.kinds.get(obj)
    if kind == "thread_start" or kind == "timer_cancel":
        return say(kind, other=words.name(arg))
    if kind == "thread_end":
        return say(kind)
    if kind == "thread_error":
        info = arg if isinstance(arg, dict) else {}
        return say(kind, type=info.get("type", "?"), message=info.get("message", ""))
    if kind == "thread_abort":
        if arg == "daemon":
            return say("thread_abort.daemon")
        return say(kind, reason=REASONS[lang].get(str(arg), str(arg)))
    if kind in ("join_request", "join_return"):
        other, extra = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (None, None)
        if kind == "join_request":
            key = "join_request.timeout" if extra is not None else kind
            return say(key, other=words.name(other), s=format_seconds(extra, lang))
        return say("join_return.alive" if extra else kind, other=words.name(other))
    if kind == "acquire_request":
        interval = blocked_from.get((thread, index))
        holder = interval.holder if interval else None
        if holder is None:
            return say(kind)
        key = "acquire_request.self" if holder == thread else "acquire_request.held"
        return say(key, other=words.name(holder))
    if kind in ("acquire_granted", "put_done", "get_done"):
        interval = waited_until.get((thread, index))
        waited = t - interval.t_start if interval else 0
        if kind == "acquire_granted" and isinstance(arg, int) and arg > 0:
            kind = "acquire_granted.ready"
        return say(kind, ms=format_ms(waited, lang), item=format_item(arg))
    if kind == "release":
        if objkind == "RLock" and isinstance(arg, int) and arg > 0:
            return say("release.level", n=arg)
        return say(kind)
    if kind in ("wait_request", "wait_return"):
        if kind == "wait_return" and arg is False:
            return say("wait_return.timeout")
        return say(f"{kind}.Event" if objkind == "Event" else kind)
    if kind == "notify":
        return say("notify" if arg else "notify.none", n=arg)
    if kind in ("put", "put_request", "put_timeout", "get"):
        return say(kind, item=format_item(arg))
    if kind in ("task_done", "barrier_pass"):
        return say(kind, n=arg)
    if kind == "sleep_request":
        seconds = arg if isinstance(arg, int | float) else 0
        return say(kind, ms=format_ms(seconds * 1e9, lang))
    if kind == "timer_schedule":
        other, interval_s = (arg[0], arg[1]) if isinstance(arg, list) else (None, None)
        return say(kind, other=words.name(other), s=format_seconds(interval_s, lang))
    if kind == "print":
        return say(kind, text=str(arg).rstrip("\n"))
    if kind in ("read", "write"):
        return say(kind, item=format_item(arg))
    if kind == "deadlock":
        cycle = arg if isinstance(arg, list) else None
        return SAID, {"text": ending_sentence(words, trace, "deadlock", cycle)}
    if kind == "stall":
        return SAID, {"text": ending_sentence(words, trace, "stall")}
    if kind in words.messages:
        return say(kind)
    return None


def lost_sentence(words: Words, found: LostUpdate) -> str:
    """The write that lost another thread's update, told at that write."""
    return words.say(
        "write.lost",
        thread=words.name(found.thread),
        obj=words.label(found.variable),
        item=format_item(found.write.value),
        old=format_item(found.overwritten.value),
        other=words.name(found.other),
        n=found.overwritten.line,
    )


def race_sentence(words: Words, race: Race, writers: int) -> str:
    """A data race; `writers` is how many threads write the variable (one: only reads race)."""
    if race.lost:
        key = "race.lost"
    else:
        key = "race" if writers > 1 else "race.read"
    return words.say(
        key,
        obj=words.label(race.variable),
        thread=words.name(race.first.thread),
        n=race.first.line,
        other=words.name(race.second.thread),
        m=race.second.line,
    )


def ending_sentence(
    words: Words, trace: Trace, kind: str, cycle: list[dict[str, Any]] | None = None
) -> str:
    """A deadlock cycle (the outcome's, unless given) or the stall set, as one sentence."""
    steps = []
    if kind == "deadlock":
        for step in (trace.outcome.cycle if cycle is None else cycle) or []:
            values = {
                "thread": words.name(step.get("thread")),
                "other": words.name(step.get("holder")),
            }
            if step.get("object"):
                steps.append(words.say("deadlock.step", obj=words.label(step["object"]), **values))
            else:
                steps.append(words.say("deadlock.join", **values))
        return words.say("deadlock", steps=" → ".join(steps))
    for step in trace.outcome.waiting or []:
        name = words.name(step.get("thread"))
        if step.get("object"):
            call = "join" if step.get("kind") == "queue_join" else step.get("kind", "?")
            steps.append(
                words.say("stall.step", thread=name, obj=words.label(step["object"]), kind=call)
            )
        else:
            steps.append(words.say("stall.kind", thread=name, kind=step.get("kind", "?")))
    return words.say("stall", steps=words.messages["sep"].join(steps))
