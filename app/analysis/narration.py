"""One plain sentence per meaningful event, in the student's language."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..tracing import Trace
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
]

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
    """One sentence per meaningful event; `lost` are the trace's lost updates when known."""
    words = Words(trace, lang)
    if lost is None:
        lost = lost_updates(variables(trace))
    losing = {found.write.index: found for found in lost}
    blocked_from = {(iv.thread, iv.start): iv for iv in timeline.intervals if iv.kind}
    waited_until = {(iv.thread, iv.end): iv for iv in timeline.intervals if iv.kind}
    sentences = []
    for index, ev in enumerate(trace.events):
        if ev.kind in _SILENT:
            continue
        if index in losing:
            sentences.append(Sentence(index, ev.thread, lost_sentence(words, losing[index])))
            continue
        text = _sentence(words, trace, ev.kind, ev.thread, ev.obj, ev.arg, index, ev.t,
                         blocked_from, waited_until)  # fmt: skip
        if text:
            sentences.append(Sentence(index, ev.thread, text))
    return sentences


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
) -> str | None:
    lang = words.lang
    common: dict[str, Any] = {"thread": words.name(thread), "obj": words.label(obj)}
    say = words.say
    objkind = words.kinds.get(obj)
    if kind == "thread_start" or kind == "timer_cancel":
        return say(kind, other=words.name(arg), **common)
    if kind == "thread_end":
        return say(kind, **common)
    if kind == "thread_error":
        info = arg if isinstance(arg, dict) else {}
        return say(kind, type=info.get("type", "?"), message=info.get("message", ""), **common)
    if kind == "thread_abort":
        if arg == "daemon":
            return say("thread_abort.daemon", **common)
        return say(kind, reason=REASONS[lang].get(str(arg), str(arg)), **common)
    if kind in ("join_request", "join_return"):
        other, extra = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (None, None)
        if kind == "join_request":
            key = "join_request.timeout" if extra is not None else kind
            return say(key, other=words.name(other), s=format_seconds(extra, lang), **common)
        return say("join_return.alive" if extra else kind, other=words.name(other), **common)
    if kind == "acquire_request":
        interval = blocked_from.get((thread, index))
        holder = interval.holder if interval else None
        if holder is None:
            return say(kind, **common)
        key = "acquire_request.self" if holder == thread else "acquire_request.held"
        return say(key, other=words.name(holder), **common)
    if kind in ("acquire_granted", "put_done", "get_done"):
        interval = waited_until.get((thread, index))
        waited = t - interval.t_start if interval else 0
        if kind == "acquire_granted" and isinstance(arg, int) and arg > 0:
            kind = "acquire_granted.ready"
        return say(kind, ms=format_ms(waited, lang), item=format_item(arg), **common)
    if kind == "release":
        if objkind == "RLock" and isinstance(arg, int) and arg > 0:
            return say("release.level", n=arg, **common)
        return say(kind, **common)
    if kind in ("wait_request", "wait_return"):
        if kind == "wait_return" and arg is False:
            return say("wait_return.timeout", **common)
        return say(f"{kind}.Event" if objkind == "Event" else kind, **common)
    if kind == "notify":
        return say("notify" if arg else "notify.none", n=arg, **common)
    if kind in ("put", "put_request", "put_timeout", "get"):
        return say(kind, item=format_item(arg), **common)
    if kind in ("task_done", "barrier_pass"):
        return say(kind, n=arg, **common)
    if kind == "sleep_request":
        seconds = arg if isinstance(arg, int | float) else 0
        return say(kind, ms=format_ms(seconds * 1e9, lang), **common)
    if kind == "timer_schedule":
        other, interval_s = (arg[0], arg[1]) if isinstance(arg, list) else (None, None)
        return say(kind, other=words.name(other), s=format_seconds(interval_s, lang), **common)
    if kind == "print":
        return say(kind, text=str(arg).rstrip("\n"), **common)
    if kind in ("read", "write"):
        return say(kind, item=format_item(arg), **common)
    if kind == "deadlock":
        return ending_sentence(words, trace, "deadlock", arg if isinstance(arg, list) else None)
    if kind == "stall":
        return ending_sentence(words, trace, "stall")
    if kind in words.messages:
        return say(kind, **common)
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
