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
from ..tracing.trace import CLOSES, WAIT_OF

__all__ = [
    "Interval",
    "Hold",
    "Link",
    "Mark",
    "Steps",
    "Timeline",
    "LOCK_KINDS",
    "QUEUE_KINDS",
    "replay",
]

LOCK_KINDS = frozenset({"Lock", "RLock", "Semaphore", "BoundedSemaphore"})
QUEUE_KINDS = frozenset({"Queue", "LifoQueue", "PriorityQueue", "SimpleQueue"})


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


@dataclass(frozen=True)
class Mark:
    """Something that happened to a thread at one event: Hilos stopped it (`stopped`, with
    the reason), the end of the program cut a daemon off (`daemon`), its Timer was cancelled
    (`timer_cancel`, on the timer's lane)."""

    kind: str
    index: int
    thread: int
    reason: str | None = None


class Steps:
    """A number that changes at some events: (event index, value) pairs, the first at 0."""

    def __init__(self) -> None:
        self.at: list[int] = [0]
        self.values: list[int] = [0]

    def set(self, index: int, value: int) -> None:
        self.at.append(index)
        self.values.append(value)

    @property
    def now(self) -> int:
        return self.values[-1]


@dataclass
class QueueItems:
    """Every item that entered a queue: the event that put it and the one that took it out."""

    put: list[int] = field(default_factory=list)
    got: list[int | None] = field(default_factory=list)


@dataclass
class Timeline:
    intervals: list[Interval] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    queue_sizes: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    queue_items: dict[int, QueueItems] = field(default_factory=dict)
    # Tasks a queue's join() still waits for: put adds one, task_done says how many are left.
    unfinished: dict[int, Steps] = field(default_factory=dict)
    # Threads inside a barrier's wait() (k of its parties arrived).
    arrived: dict[int, Steps] = field(default_factory=dict)
    marks: list[Mark] = field(default_factory=list)
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
        # The open holds of each (lock, thread): a release closes its own thread's, at once.
        self.open_holds: dict[tuple[int, int], list[Hold]] = defaultdict(list)
        self.paused = trace.outcome.status == "paused"
        self.parties = {o.id: o.info.get("parties") for o in trace.objects if o.kind == "Barrier"}
        self.waiting: dict[int, set[int]] = defaultdict(set)  # object -> threads waiting
        self.pending_handoff: dict[int, int] = {}
        self.pending_wakes: dict[int, list[tuple[int, set[int], float]]] = defaultdict(list)
        self.items: dict[int, _Items] = {}
        self.sizes: dict[int, int] = defaultdict(int)
        self.errored: set[int] = set()
        self.thread_kind = {th.id: th.kind for th in trace.threads}
        self.joins_released: list[tuple[int, int, int]] = []  # (joiner, joined, end index)
        self.line = 0
        self.item_slot: dict[int, int] = {}  # put event index -> its place in queue_items

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
        hold = Hold(obj, thread, index, t)
        self.out.holds.append(hold)
        self.open_holds[obj, thread].append(hold)

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
        opened = self.open_holds.get((obj, who))
        if opened:
            hold = opened.pop()
            hold.end, hold.t_end = index, t
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
        # Unfinished tasks matter only where something counts them: task_done or join().
        counted = {ev.obj for ev in trace.events if ev.kind in ("task_done", "queue_join_request")}
        out.unfinished = {q: s for q, s in out.unfinished.items() if q in counted}
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
        if kind == "thread_abort":
            # Stopped where it stood: the lane keeps its last state (a deadlocked thread stays
            # blocked) and carries a mark; "finished" is only for a thread that returned. A
            # paused run ("You choose") is not stopped: the pause is no part of the story.
            if not self.paused:
                mark = "daemon" if arg == "daemon" else "stopped"
                self.out.marks.append(Mark(mark, i, thread, str(arg)))
            return
        if kind == "thread_end":
            how = "error" if thread in self.errored else "end"
            stack.clear()
            self.switch(thread, Interval(thread, "finished", i, t, how=how))
            self._join_links(thread, i)
            return
        if kind == "timer_cancel" and isinstance(arg, int):
            self.out.marks.append(Mark("timer_cancel", i, arg))
        if kind in ("deadlock", "stall"):
            out.ending_index = i
            out.open_at_end = {th: list(reqs) for th, reqs in self.stacks.items() if reqs}
            return
        if kind in WAIT_OF:
            self.request(i, t, thread, WAIT_OF[kind], obj, arg)
            return
        if kind == "aborted":
            # The run was stopped while this thread waited: it stays drawn as waiting, rather
            # than seeming to run again for an instant.
            closed = self.close(thread, None, obj)
            if closed is not None and closed.kind == "barrier":
                self._arrive(obj, i, -1)
            return
        if kind in CLOSES:
            closed = self.close(thread, CLOSES.get(kind), obj)
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
        elif kind == "barrier":
            self._arrive(obj, i, 1)
        elif kind == "queue_join":
            self.out.unfinished.setdefault(obj, Steps())
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
        elif kind in ("barrier_pass", "barrier_broken"):
            self._arrive(obj, i, -1)

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
        elif kind == "task_done" and isinstance(arg, int) and not isinstance(arg, bool):
            steps = self.out.unfinished.setdefault(obj, Steps())
            steps.set(i, max(0, arg))
        elif kind in ("barrier_reset", "barrier_abort"):
            self._arrive(obj, i, -self.out.arrived.get(obj, Steps()).now)
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
        items = self.out.queue_items.setdefault(obj, QueueItems())
        self.item_slot[i] = len(items.put)
        items.put.append(i)
        items.got.append(None)
        # Every put adds an unfinished task (one that raised after storing adds none, but its
        # queue then says so at the next task_done, which carries the exact count).
        unfinished = self.out.unfinished.setdefault(obj, Steps())
        unfinished.set(i, unfinished.now + 1)

    def _arrive(self, obj: int, i: int, change: int) -> None:
        steps = self.out.arrived.setdefault(obj, Steps())
        steps.set(i, max(0, steps.now + change))

    def _get(self, obj: int, i: int, arg: Any) -> None:
        source = self.items.setdefault(obj, _Items(self.kinds.get(obj, "Queue"))).take(arg)
        if source is not None:
            self.out.links.append(Link("item", source, i, obj))
            self.out.queue_items[obj].got[self.item_slot.pop(source)] = i
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
