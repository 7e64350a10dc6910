"""What a trace means: pure functions from a recorded run to what a student should see.

`analyse(trace)` replays the events once (`timeline`) and derives from that replay the
per-thread states, lock holders, queue sizes, event flags, the arrows between steps,
contention statistics, lock-order cycles, shared variables (lost updates, data races) and the
narration. No I/O, no threads, no clock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..tracing import Trace
from .document import analysis_json, is_current
from .lockorder import OrderEdge, PotentialDeadlock, lock_order
from .narration import Words, lost_sentence, narration_columns, race_sentence
from .shared import SharedData, shared_data
from .timeline import Interval, Link, Timeline, replay

__all__ = ["Analysis", "analyse", "current_analysis"]

_STATES = ("running", "blocked", "waiting", "sleeping")


@dataclass(frozen=True)
class Analysis:
    trace: Trace
    timeline: Timeline
    order_edges: list[OrderEdge]
    potential: list[PotentialDeadlock]
    shared: SharedData

    @property
    def intervals(self) -> list[Interval]:
        return self.timeline.intervals

    @property
    def links(self) -> list[Link]:
        return self.timeline.links

    def time_in(self, thread: int, state: str) -> int:
        """Nanoseconds `thread` spent in `state` during the run."""
        end = self.timeline.end_t
        return sum(
            iv.length(end) for iv in self.intervals if iv.thread == thread and iv.state == state
        )

    def blocked_on(self, obj: int) -> int:
        end = self.timeline.end_t
        return sum(
            iv.length(end) for iv in self.intervals if iv.state == "blocked" and iv.obj == obj
        )

    def longest_wait(self) -> Interval | None:
        """The longest stretch a thread spent blocked or waiting on something (not sleeping)."""
        end = self.timeline.end_t
        waits = [iv for iv in self.intervals if iv.state in ("blocked", "waiting") and iv.obj]
        return max(waits, key=lambda iv: iv.length(end), default=None)

    def _cut_short(self, wait: Interval) -> bool:
        """Whether a wait never ended by itself: the run was stopped (a deadlock, a stall,
        a limit) while the thread still waited, so its length is only how long it was watched."""
        if wait.end is None:
            return True
        after = next(
            (iv for iv in self.intervals if iv.thread == wait.thread and iv.start == wait.end),
            None,
        )
        return after is not None and after.state == "finished" and after.how not in ("end", "error")

    def potential_text(self, found: PotentialDeadlock, lang: str) -> str:
        words = Words(self.trace, lang)
        locks = [f"`{words.label(lock)}`" for lock in found.locks]
        joined = ", ".join(locks[:-1]) + words.messages["and"] + locks[-1]
        steps = [
            words.say(
                "potential.step",
                thread=words.name(edge.thread),
                obj=words.label(edge.first),
                other=words.label(edge.second),
                n=edge.line,
            )
            for edge in found.edges
        ]
        # On a run that deadlocked on these very locks, "could, even if not this time" is wrong.
        outcome = self.trace.outcome
        in_cycle = {step.get("object") for step in outcome.cycle or []}
        closed = outcome.status == "deadlock" and set(found.locks) <= in_cycle
        key = "potential.closed" if closed else "potential"
        return words.say(key, locks=joined, steps=words.messages["sep"].join(steps))

    def to_json(self, lang: str) -> dict[str, Any]:
        """Everything the player shows, as JSON (format 3, `document.py`), the narration's
        templates in `lang`."""
        narration = narration_columns(self.trace, self.timeline, lang, self.shared.lost_updates)
        timeline, end = self.timeline, self.timeline.end_t
        locks = sorted({hold.obj for hold in timeline.holds} | set(timeline.max_waiters))
        longest = self.longest_wait()
        spent: dict[tuple[int, str], int] = defaultdict(int)
        blocked: dict[int, int] = defaultdict(int)
        for iv in self.intervals:
            spent[iv.thread, iv.state] += iv.length(end)
            if iv.state == "blocked" and iv.obj:
                blocked[iv.obj] += iv.length(end)
        return (
            analysis_json(self, lang, narration)
            | {
                "stats": {
                    "threads": [
                        {"thread": th.id} | {f"{s}_ns": spent[th.id, s] for s in _STATES}
                        for th in self.trace.threads
                    ],
                    "locks": [
                        {
                            "object": lock,
                            "acquisitions": timeline.acquisitions.get(lock, 0),
                            "contended": timeline.contended.get(lock, 0),
                            "blocked_ns": blocked[lock],
                        }
                        for lock in locks
                    ],
                    "longest_wait": None
                    if longest is None
                    else {
                        "thread": longest.thread,
                        "object": longest.obj,
                        "ns": longest.length(end),
                        "from": longest.start,
                        "to": longest.end,
                        "cut": self._cut_short(longest),
                    },
                },
                "deadlock": self._ending("deadlock"),
                "stall": self._ending("stalled"),
                "lock_order": {
                    "edges": [
                        {
                            "first": e.first,
                            "second": e.second,
                            "thread": e.thread,
                            "line": e.line,
                            "index": e.index,
                        }
                        # The first witness of each (first, second, thread): a loop that nests
                        # two locks a thousand times says it once.
                        for e in _first_witnesses(self.order_edges)
                    ],
                    "potential_deadlocks": [
                        {
                            "locks": list(p.locks),
                            "threads": [e.thread for e in p.edges],
                            "lines": [e.line for e in p.edges],
                            "text": self.potential_text(p, lang),
                        }
                        for p in self.potential
                    ],
                },  # fmt: skip
            }
            | self._shared_json(lang)
        )

    def _shared_json(self, lang: str) -> dict[str, Any]:
        words = Words(self.trace, lang)
        shared = self.shared
        writers = {
            var.id: len({a.thread for a in var.accesses if a.mode == "w"})
            for var in shared.variables
        }
        return {
            "variables": [
                {
                    "id": var.id,
                    "label": var.label,
                    "values": [list(pair) for pair in var.values],
                    "accesses": [
                        [a.index, a.thread, a.mode, a.value, a.line] for a in var.accesses
                    ],
                }
                for var in shared.variables
            ],
            "lost_updates": [
                {
                    "variable": lost.variable,
                    "read": lost.read.index,
                    "overwritten": lost.overwritten.index,
                    "write": lost.write.index,
                    "thread": lost.thread,
                    "other": lost.other,
                    "value": lost.write.value,
                    "text": lost_sentence(words, lost),
                }
                for lost in shared.lost_updates
            ],
            "races": [
                {
                    "variable": race.variable,
                    "threads": [race.first.thread, race.second.thread],
                    "lines": [race.first.line, race.second.line],
                    "indexes": [race.first.index, race.second.index],
                    "lost": race.lost,
                    "text": race_sentence(words, race, writers[race.variable]),
                }
                for race in shared.races
            ],
        }

    def _ending(self, status: str) -> dict[str, Any] | None:
        outcome = self.trace.outcome
        if outcome.status != status or self.timeline.ending_index is None:
            return None
        steps = outcome.cycle if status == "deadlock" else outcome.waiting
        placed = []
        for step in steps or []:
            thread = step.get("thread")
            open_requests = self.timeline.open_at_end.get(thread, []) if thread is not None else []
            request = open_requests[-1].index if open_requests else None
            placed.append(dict(step) | {"request": request})
        key = "cycle" if status == "deadlock" else "waiting"
        return {"index": self.timeline.ending_index, key: placed}


def analyse(trace: Trace) -> Analysis:
    """Derive everything a student should see from one recorded run (pure)."""
    timeline = replay(trace)
    edges, potential = lock_order(timeline)
    return Analysis(trace, timeline, edges, potential, shared_data(trace, timeline))


def _first_witnesses(edges: list[OrderEdge]) -> list[OrderEdge]:
    first: dict[tuple[int, int, int], OrderEdge] = {}
    for e in edges:
        first.setdefault((e.first, e.second, e.thread), e)
    return list(first.values())


def current_analysis(document: dict[str, Any], found: Analysis | None = None) -> dict[str, Any]:
    """A stored run document's analysis in the format the player draws: as stored when it is,
    else made again from the document's trace (runs saved before keep playing)."""
    stored = document.get("analysis")
    if is_current(stored):
        assert isinstance(stored, dict)
        return stored
    if found is None:
        found = analyse(Trace.from_json(document["trace"]))
    return found.to_json(document.get("lang") or "en")
