"""One pass over a trace: what each thread is doing, who holds what, which step woke which.

Everything the other modules need comes from replaying the events in order, keeping for each
thread the stack of requests it is inside (a Condition wait may re-acquire its lock inside
the wait, so requests nest) and for each lock its holders. The result is plain data.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from ..tracing import Trace

__all__ = [
    "Interval",
    "Hold",
    "Link",
    "Timeline",
    "LOCK_KINDS",
    "QUEUE_KINDS",
    "replay",
]

LOCK_KINDS = frozenset({"Lock", "RLock", "Semaphore", "BoundedSemaphore"})
QUEUE_KINDS = frozenset({"Queue", "LifoQueue", "PriorityQueue", "SimpleQueue"})

# What a request is, seen from the thread making it.
_REQUESTS = {
    "acquire_request": "acquire",
    "wait_request": "wait",
    "put_request": "put",
    "get_request": "get",
    "join_request": "join",
    "queue_join_request": "queue_join",
    "barrier_request": "barrier",
    "sleep_request": "sleep",
}
# Which request each outcome closes.
_OUTCOMES = {
    "acquire_granted": "acquire",
    "acquire_timeout": "acquire",
    "wait_return": "wait",
    "put_done": "put",
    "put_timeout": "put",
    "get_done": "get",
    "get_timeout": "get",
    "join_return": "join",
    "queue_join_return": "queue_join",
    "barrier_pass": "barrier",
    "barrier_broken": "barrier",
    "sleep_done": "sleep",
}


@dataclass
class Request:
    kind: str  # acquire | wait | put | get | join | queue_join | barrier | sleep
    obj: int
    index: int
    t: int
    holder: int | None = None
    joined: int | None = None


@dataclass
class Interval:
    """A stretch of one thread's life in one state, from event `start` up to event `end`."""

    thread: int
    state: str  # running | ready | blocked | waiting | sleeping | finished
    start: int
    t_start: int
    end: int | None = None
    t_end: int | None = None
    kind: str | None = None  # what it waits in, for blocked / waiting / sleeping
    obj: int | None = None
    holder: int | None = None  # blocked on a lock: who held it when the wait began
    joined: int | None = None  # waiting in join(): for whom
    how: str | None = None  # finished: end | error | deadlock | stalled | daemon | …

    def same_as(self, other: Interval) -> bool:
        return (self.state, self.kind, self.obj, self.holder, self.joined, self.how) == (
            other.state,
            other.kind,
            other.obj,
            other.holder,
            other.joined,
            other.how,
        )

    def length(self, end_t: int) -> int:
        return (self.t_end if self.t_end is not None else end_t) - self.t_start


@dataclass
class Hold:
    """A thread holding a lock (a semaphore slot) from one event to another."""

    obj: int
    thread: int
    start: int
    t_start: int
    end: int | None = None
    t_end: int | None = None


@dataclass(frozen=True)
class Link:
    """An arrow on the timeline: the step at `start` made the step at `end` happen."""

    kind: str  # handoff | item | wake | join
    start: int
    end: int
    obj: int | None


@dataclass
class Timeline:
    intervals: list[Interval] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    queue_sizes: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    flags: dict[int, list[tuple[int, bool]]] = field(default_factory=dict)
    max_waiters: dict[int, int] = field(default_factory=dict)
    acquisitions: dict[int, int] = field(default_factory=dict)
    contended: dict[int, int] = field(default_factory=dict)
    # Lock order: while holding `first`, the thread asked for `second` (at event `index`).
    order_edges: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    # What each thread was inside when the run's ending (deadlock / stall) was recorded.
    open_at_end: dict[int, list[Request]] = field(default_factory=dict)
    ending_index: int | None = None
    end_t: int = 0


class _Items:
    """The items inside one queue, taken out in the queue's own order, to pair put with get."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.fifo: deque[tuple[int, Any]] = deque()
        self.heap: list[tuple[Any, int, int]] = []
        self.order = itertools.count()

    def put(self, index: int, value: Any) -> None:
        if self.kind == "PriorityQueue":
            heapq.heappush(self.heap, (_sort_key(value), next(self.order), index))
        else:
            self.fifo.append((index, value))

    def take(self, value: Any) -> int | None:
        if self.kind == "PriorityQueue":
            return int(heapq.heappop(self.heap)[2]) if self.heap else None
        if not self.fifo:
            return None
        if self.kind == "LifoQueue":
            candidates = list(reversed(self.fifo))
        else:
            candidates = list(self.fifo)
        # The item the queue's order predicts; if the recorded value says otherwise (the
        # repr of an object, say), the first equal value wins.
        chosen = next((c for c in candidates if c[1] == value), candidates[0])
        self.fifo.remove(chosen)
        index: int = chosen[0]
        return index


def _sort_key(value: Any) -> tuple[int, Any]:
    # JSON values of mixed types do not compare; numbers first, then text, then the rest.
    if isinstance(value, bool | int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, repr(value))


class _Replay:
    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.kinds = {o.id: o.kind for o in trace.objects}
        self.out = Timeline()
        self.stacks: dict[int, list[Request]] = defaultdict(list)
        self.current: dict[int, Interval] = {}
        self.holders: dict[int, list[int]] = defaultdict(list)  # lock -> holding threads
        self.waiting: dict[int, set[int]] = defaultdict(set)  # object -> threads waiting
        self.pending_handoff: dict[int, int] = {}
        self.pending_wakes: dict[int, list[tuple[int, set[int], float]]] = defaultdict(list)
        self.items: dict[int, _Items] = {}
        self.sizes: dict[int, int] = defaultdict(int)
        self.errored: set[int] = set()
        self.thread_kind = {th.id: th.kind for th in trace.threads}
        self.joins_released: list[tuple[int, int, int]] = []  # (joiner, joined, end index)
        self.line = 0

    # -- states ----------------------------------------------------------------------------

    def switch(self, thread: int, state: Interval) -> None:
        now = self.current.get(thread)
        if now is not None:
            if now.same_as(state):
                return
            now.end, now.t_end = state.start, state.t_start
            if now.end > now.start or now.state != "running":
                self.out.intervals.append(now)
        self.current[thread] = state

    def state_of(self, thread: int, index: int, t: int) -> Interval:
        stack = self.stacks[thread]
        if not stack:
            return Interval(thread, "running", index, t)
        top = stack[-1]
        if top.kind == "acquire":
            state = "blocked"
        elif top.kind == "sleep":
            state = "sleeping"
        else:
            state = "waiting"
        return Interval(
            thread, state, index, t, kind=top.kind, obj=top.obj or None, holder=top.holder,
            joined=top.joined,
        )  # fmt: skip

    # -- locks -----------------------------------------------------------------------------

    def take_lock(self, thread: int, obj: int, index: int, t: int, edges: bool = True) -> None:
        kind = self.kinds.get(obj)
        self.out.acquisitions[obj] = self.out.acquisitions.get(obj, 0) + 1
        held = self.holders[obj]
        if kind == "RLock" and thread in held:
            held.append(thread)  # one more level; the hold goes on
            return
        if edges:
            self.order_edges(thread, obj, index)
        held.append(thread)
        self.out.holds.append(Hold(obj, thread, index, t))

    def order_edges(self, thread: int, obj: int, index: int) -> None:
        """Asking for `obj` while holding other locks: one lock-order edge from each."""
        if self.kinds.get(obj) not in ("Lock", "RLock"):
            return
        for first, held in self.holders.items():
            if first != obj and thread in held and self.kinds.get(first) in ("Lock", "RLock"):
                self.out.order_edges.append((first, obj, thread, self.line, index))

    def release_lock(self, thread: int, obj: int, arg: Any, index: int, t: int) -> None:
        held = self.holders[obj]
        who = thread if thread in held else (held[0] if held else None)
        if who is None:
            return
        held.remove(who)
        if self.kinds.get(obj) == "RLock" and who in held:
            return  # still held at a lower level
        for hold in reversed(self.out.holds):
            if hold.obj == obj and hold.thread == who and hold.end is None:
                hold.end, hold.t_end = index, t
                break
        if self.waiting[obj]:
            self.pending_handoff[obj] = index

    # -- the pass --------------------------------------------------------------------------

    def run(self) -> Timeline:
        trace, out = self.trace, self.out
        for index, ev in enumerate(trace.events):
            self.line = ev.line
            self.event(index, ev.t, ev.thread, ev.kind, ev.obj, ev.arg)
        out.end_t = trace.events[-1].t if trace.events else 0
        out.intervals.extend(self.current.values())
        out.intervals.sort(key=lambda iv: (iv.thread, iv.start))
        return out

    def event(self, i: int, t: int, thread: int, kind: str, obj: int, arg: Any) -> None:
        out = self.out
        stack = self.stacks[thread]
        if kind == "thread_run":
            if self.thread_kind.get(thread) == "timer":
                self.switch(thread, Interval(thread, "waiting", i, t, kind="timer"))
            else:
                self.switch(thread, Interval(thread, "running", i, t))
            return
        if kind == "timer_fire":
            self.switch(thread, Interval(thread, "running", i, t))
            return
        if kind == "thread_error":
            self.errored.add(thread)
            return
        if kind in ("thread_end", "thread_abort"):
            if kind == "thread_abort":
                how = str(arg)
            else:
                how = "error" if thread in self.errored else "end"
            stack.clear()
            self.switch(thread, Interval(thread, "finished", i, t, how=how))
            self._join_links(thread, i)
            return
        if kind in ("deadlock", "stall"):
            out.ending_index = i
            out.open_at_end = {th: list(reqs) for th, reqs in self.stacks.items() if reqs}
            return
        if kind in _REQUESTS:
            self.request(i, t, thread, _REQUESTS[kind], obj, arg)
            return
        if kind == "aborted":
            # The run was stopped while this thread waited: it stays drawn as waiting up
            # to its thread_abort, rather than seeming to run again for an instant.
            self.close(thread, None, obj)
            return
        if kind in _OUTCOMES:
            closed = self.close(thread, _OUTCOMES.get(kind), obj)
            if closed is not None:
                self.outcome(i, t, thread, kind, obj, arg, closed)
                if kind == "acquire_granted" and isinstance(arg, int) and arg > 0:
                    # The lock is its own, but it has not run yet: ready until `resume`.
                    self.switch(thread, Interval(thread, "ready", i, t, kind="acquire", obj=obj))
                else:
                    self.switch(thread, self.state_of(thread, i, t))
                return
        if kind == "resume":
            self.switch(thread, self.state_of(thread, i, t))
            return
        self.instant(i, t, thread, kind, obj, arg)

    def request(self, i: int, t: int, thread: int, kind: str, obj: int, arg: Any) -> None:
        holder = joined = None
        if kind == "acquire":
            held = self.holders[obj]
            if self.kinds.get(obj) in ("Lock", "RLock") and held:
                holder = held[0]
            if self.kinds.get(obj) == "RLock" and thread in held:
                holder = thread
            if thread not in held or self.kinds.get(obj) != "RLock":
                self.order_edges(thread, obj, i)
            self.waiting[obj].add(thread)
            count = len(self.waiting[obj])
            self.out.max_waiters[obj] = max(self.out.max_waiters.get(obj, 0), count)
        elif kind == "join" and isinstance(arg, list) and arg:
            joined = arg[0]
        elif kind == "wait":
            self.waiting[obj].add(thread)
        self.stacks[thread].append(Request(kind, obj, i, t, holder, joined))
        self.switch(thread, self.state_of(thread, i, t))

    def close(self, thread: int, kind: str | None, obj: int) -> Request | None:
        stack = self.stacks[thread]
        for n in range(len(stack) - 1, -1, -1):
            req = stack[n]
            if (kind is None or req.kind == kind) and (not obj or req.obj == obj):
                del stack[n]
                return req
        return None

    def outcome(
        self, i: int, t: int, thread: int, kind: str, obj: int, arg: Any, req: Request
    ) -> None:
        self.waiting[req.obj].discard(thread)
        if kind == "acquire_granted":
            self.out.contended[obj] = self.out.contended.get(obj, 0) + 1
            if obj in self.pending_handoff:
                self.out.links.append(Link("handoff", self.pending_handoff.pop(obj), i, obj))
            self.take_lock(thread, obj, i, t, edges=False)  # the request drew them
        elif kind == "wait_return":
            self._wake_link(thread, obj, i)
        elif kind == "put_done":
            self._put(obj, i, arg)
        elif kind == "get_done":
            self._get(obj, i, arg)

    def instant(self, i: int, t: int, thread: int, kind: str, obj: int, arg: Any) -> None:
        objkind = self.kinds.get(obj)
        if kind == "acquire" and objkind in LOCK_KINDS:
            self.take_lock(thread, obj, i, t)
        elif kind == "release" and objkind in LOCK_KINDS:
            self.release_lock(thread, obj, arg, i, t)
        elif kind == "put":
            self._put(obj, i, arg)
        elif kind == "get":
            self._get(obj, i, arg)
        elif kind in ("set", "clear"):
            self.out.flags.setdefault(obj, [(0, False)]).append((i, kind == "set"))
            if kind == "set":
                self.pending_wakes[obj].append((i, set(self.waiting[obj]), float("inf")))
        elif kind == "notify":
            woken = float(arg) if isinstance(arg, int | float) else float("inf")
            self.pending_wakes[obj].append((i, set(self.waiting[obj]), woken))

    def _put(self, obj: int, i: int, arg: Any) -> None:
        kind = self.kinds.get(obj, "Queue")
        self.items.setdefault(obj, _Items(kind)).put(i, arg)
        self.sizes[obj] += 1
        self.out.queue_sizes.setdefault(obj, [(0, 0)]).append((i, self.sizes[obj]))

    def _get(self, obj: int, i: int, arg: Any) -> None:
        source = self.items.setdefault(obj, _Items(self.kinds.get(obj, "Queue"))).take(arg)
        if source is not None:
            self.out.links.append(Link("item", source, i, obj))
        self.sizes[obj] = max(0, self.sizes[obj] - 1)
        self.out.queue_sizes.setdefault(obj, [(0, 0)]).append((i, self.sizes[obj]))

    def _wake_link(self, thread: int, obj: int, i: int) -> None:
        wakes = self.pending_wakes.get(obj, [])
        for n, (start, threads, left) in enumerate(wakes):
            if thread in threads and left > 0:
                threads.discard(thread)
                wakes[n] = (start, threads, left - 1)
                self.out.links.append(Link("wake", start, i, obj))
                return

    def _join_links(self, thread: int, end_index: int) -> None:
        for other, stack in self.stacks.items():
            for req in stack:
                if req.kind == "join" and req.joined == thread:
                    self.joins_released.append((other, thread, end_index))


def replay(trace: Trace) -> Timeline:
    """Replay the events of `trace` once and return every derived fact (pure)."""
    state = _Replay(trace)
    timeline = state.run()
    timeline.links.extend(_join_returns(trace, state.joins_released))
    timeline.links.sort(key=lambda link: (link.end, link.start))
    return timeline


def _join_returns(trace: Trace, waiting: list[tuple[int, int, int]]) -> list[Link]:
    """thread end → the join() it released: the joiner's next join_return for that thread."""
    links = []
    for joiner, joined, end_index in waiting:
        for index in range(end_index + 1, len(trace.events)):
            ev = trace.events[index]
            if ev.thread == joiner and ev.kind == "join_return":
                if isinstance(ev.arg, list) and ev.arg and ev.arg[0] == joined and not ev.arg[1]:
                    links.append(Link("join", end_index, index, None))
                break
    return links
