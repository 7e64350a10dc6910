"""The wait-for graph: which thread waits in what, and for whom; cycles are deadlocks."""

from __future__ import annotations

import threading as _std
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .common import Waiting

__all__ = ["Cycle", "WaitForGraph"]


@dataclass(frozen=True)
class Cycle:
    """Threads each waiting for the next, the last for the first.

    `steps` are `{"thread", "object", "line", "holder"}` dicts (the trace's form); `certain`
    when every edge is one only its holder can open (RLock, join): such a cycle never opens.
    """

    steps: list[dict[str, Any]]
    certain: bool

    @property
    def threads(self) -> frozenset[int]:
        return frozenset(step["thread"] for step in self.steps)


class WaitForGraph:
    """Thread id -> what it waits in, with the edges to holders that make deadlocks."""

    def __init__(self) -> None:
        self._waits: dict[int, Waiting] = {}
        # Taken to enter a wait and to search; leaving needs no lock (see `leave`).
        self._lock = _std.Lock()

    def enter(self, tid: int, waiting: Waiting) -> Cycle | None:
        """Enter `tid` as waiting; return the cycle this wait closes, if any."""
        with self._lock:
            self._waits[tid] = waiting
            return self._cycle_from(tid)

    def leave(self, tid: int, waiting: Waiting) -> None:
        """Take `tid` out, if `waiting` is still its wait.

        Often called holding a lock just acquired, so it stays short: only the waiting thread
        writes its own entry and a dict deletion is atomic; a search running meanwhile at
        worst misses an edge that is going away.
        """
        if self._waits.get(tid) is waiting:
            del self._waits[tid]

    def drop(self, tid: int) -> None:
        with self._lock:
            self._waits.pop(tid, None)

    def get(self, tid: int) -> Waiting | None:
        return self._waits.get(tid)

    def snapshot(self) -> dict[int, Waiting]:
        with self._lock:
            return dict(self._waits)

    def blocked(self, tids: Iterable[int]) -> bool:
        """Whether every thread in `tids` is in a wait that will not end by itself."""
        waits = self.snapshot()
        for tid in tids:
            waiting = waits.get(tid)
            if waiting is None or waiting.timed:
                return False
        return True

    def find_cycle(self, among: Iterable[int] | None = None) -> Cycle | None:
        """Return a cycle through any waiting thread (of `among`, when given)."""
        with self._lock:
            starts = list(self._waits) if among is None else [t for t in among]
            for tid in starts:
                cycle = self._cycle_from(tid)
                if cycle is not None:
                    return cycle
        return None

    def _cycle_from(self, start: int) -> Cycle | None:
        """Follow edges from `start`; return the cycle if they come back to it."""
        steps: list[dict[str, Any]] = []
        certain = True
        seen = {start}
        tid = start
        while True:
            waiting = self._waits.get(tid)
            if waiting is None or waiting.timed or waiting.holder is None:
                return None
            holder = waiting.holder()
            if holder is None:
                return None
            certain = certain and waiting.owner_only
            steps.append(
                {
                    "thread": tid,
                    "object": waiting.obj or None,
                    "line": waiting.line,
                    "holder": holder,
                }
            )
            if holder == start:
                return Cycle(steps, certain)
            if holder in seen:
                return None
            seen.add(holder)
            tid = holder
