"""The run document's `analysis`: what the player draws, as compact columns (format 3).

The browser decodes these columns and draws them; it replays nothing itself. Each table is a
set of equal-length columns; an integer column is a plain array or runs (`pack`, as in the
trace), and the columns marked delta hold differences from the row before (the first from 0).
Small string vocabularies (states, wait kinds, link and mark kinds) are sent once as tables
and referred to by position. `docs/trace-format.md` describes every key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..tracing.trace import WAIT_OF, pack
from .timeline import Hold, Interval, Link, Mark, Steps, Timeline

if TYPE_CHECKING:
    from . import Analysis

__all__ = ["FORMAT", "STATES", "analysis_json", "is_current", "rows", "unpack"]

FORMAT = 3
STATES = ("running", "ready", "blocked", "waiting", "sleeping", "finished")
WAITS = (*dict.fromkeys(WAIT_OF.values()), "timer")
HOWS = ("end", "error")
LINKS = ("handoff", "wake", "join")  # a queue's item links come from its `items`
MARKS = ("stopped", "daemon", "timer_cancel")


def is_current(analysis: Any) -> bool:
    """Whether a stored document's analysis is in the format this player draws."""
    return isinstance(analysis, dict) and analysis.get("format") == FORMAT


def _delta(values: Iterable[int]) -> list[int] | dict[str, list[int]]:
    out, previous = [], 0
    for value in values:
        out.append(value - previous)
        previous = value
    return pack(out)


def _code(table: tuple[str, ...], value: str | None) -> int:
    return -1 if value is None else table.index(value)


def _id(value: int | None) -> int:
    return -1 if value is None else value


def _intervals(intervals: list[Interval]) -> dict[str, Any]:
    """A thread's intervals follow one another, so each one's end is the next one's start
    (the last one open): only starts are sent."""
    return {
        "thread": pack([iv.thread for iv in intervals]),
        "from": _delta(iv.start for iv in intervals),
        "state": pack([STATES.index(iv.state) for iv in intervals]),
        "wait": pack([_code(WAITS, iv.kind) for iv in intervals]),
        "object": pack([iv.obj or 0 for iv in intervals]),
        "other": pack([_id(iv.holder if iv.joined is None else iv.joined) for iv in intervals]),
        "how": pack([_code(HOWS, iv.how) for iv in intervals]),
    }


def _holds(holds: list[Hold]) -> dict[str, Any]:
    rows = sorted(holds, key=lambda h: (h.obj, h.start))
    return {
        "object": pack([h.obj for h in rows]),
        "thread": pack([h.thread for h in rows]),
        "from": _delta(h.start for h in rows),
        "length": pack([-1 if h.end is None else h.end - h.start for h in rows]),
    }


def _links(links: list[Link]) -> dict[str, Any]:
    rows = [link for link in links if link.kind in LINKS]  # sorted by (end, start)
    return {
        "kind": pack([LINKS.index(link.kind) for link in rows]),
        "to": _delta(link.end for link in rows),
        "back": pack([link.end - link.start for link in rows]),
        "object": pack([link.obj or 0 for link in rows]),
    }


def _steps(steps: Steps) -> dict[str, Any]:
    return {"at": _delta(steps.at), "n": pack(steps.values)}


def _marks(marks: list[Mark]) -> dict[str, Any]:
    return {
        "kind": pack([MARKS.index(m.kind) for m in marks]),
        "index": _delta(m.index for m in marks),
        "thread": pack([m.thread for m in marks]),
        "reason": [m.reason for m in marks],
    }


def _queues(timeline: Timeline) -> list[dict[str, Any]]:
    out = []
    for q, sizes in sorted(timeline.queue_sizes.items()):
        inside = timeline.queue_items.get(q)
        put = inside.put if inside else []
        got = inside.got if inside else []
        waits = [-1 if g is None else g - p for p, g in zip(put, got, strict=True)]
        unfinished = timeline.unfinished.get(q)
        out.append(
            {
                "object": q,
                "sizes": {"at": _delta(i for i, _ in sizes), "n": pack([n for _, n in sizes])},
                "max_size": max(n for _, n in sizes),
                # Each item: the put that brought it in, and how many events later it was
                # taken out (-1: never).
                "items": {
                    "put": _delta(put),
                    "wait": pack(waits),
                },
                "unfinished": None if unfinished is None else _steps(unfinished),
            }
        )
    # A queue only joined (nothing put yet) still shows its count of unfinished tasks.
    for q, unfinished in sorted(timeline.unfinished.items()):
        if q not in timeline.queue_sizes:
            empty = {"at": [0], "n": [0]}
            items: dict[str, Any] = {"put": [], "wait": []}
            out.append(
                {"object": q, "sizes": empty, "max_size": 0, "items": items,
                 "unfinished": _steps(unfinished)}
            )  # fmt: skip
    return out


def analysis_json(found: Analysis, lang: str, narration: dict[str, Any]) -> dict[str, Any]:
    """The drawing part of the analysis, in format 3 (the rest is added by `Analysis`)."""
    timeline = found.timeline
    locks = sorted({hold.obj for hold in timeline.holds} | set(timeline.max_waiters))
    parties = {o.id: o.info.get("parties") for o in found.trace.objects if o.kind == "Barrier"}
    return {
        "format": FORMAT,
        "tables": {"state": STATES, "wait": WAITS, "how": HOWS, "link": LINKS, "mark": MARKS},
        "intervals": _intervals(found.intervals),
        "holds": _holds(timeline.holds),
        "locks": [
            {"object": lock, "max_waiters": timeline.max_waiters.get(lock, 0)} for lock in locks
        ],
        "queues": _queues(timeline),
        "barriers": [
            {"object": b, "parties": parties.get(b), "arrived": _steps(steps)}
            for b, steps in sorted(timeline.arrived.items())
        ],
        "flags": [
            {"object": e, "at": [i for i, _ in changes], "on": [on for _, on in changes]}
            for e, changes in sorted(timeline.flags.items())
        ],
        "links": _links(timeline.links),
        "marks": _marks(timeline.marks),
        "narration": narration,
    }


_DELTA = frozenset({"from", "to", "index", "at", "put"})


def unpack(column: Any) -> list[Any]:
    """A column as a plain list (the inverse of `pack`)."""
    if isinstance(column, list):
        return column
    runs = column["runs"]
    out: list[Any] = []
    for k in range(0, len(runs), 2):
        out.extend([runs[k]] * runs[k + 1])
    return out


def rows(table: dict[str, Any]) -> list[dict[str, Any]]:
    """A table of columns as rows, delta-coded columns summed up: what the player decodes."""
    columns = {}
    for name, column in table.items():
        values = unpack(column)
        if name in _DELTA:
            total, summed = 0, []
            for step in values:
                total += step
                summed.append(total)
            values = summed
        columns[name] = values
    count = len(next(iter(columns.values()), []))
    return [{name: values[k] for name, values in columns.items()} for k in range(count)]
