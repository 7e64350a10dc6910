"""Shared variables: who read and wrote what, which updates were lost, which accesses race.

The recorder logs every read and write of a variable two threads touch (`read`/`write` events
on objects of kind `Variable`, the value as the argument). Two questions are answered here:

- a lost update is what this run did: a thread wrote a value computed from a read that another
  thread's write made stale, and that other write was overwritten before anyone read it;
- a data race is what this run could have done: two accesses from different threads, one a
  write, with no lock in common and nothing ordering them (happens-before, by vector clocks).
  A lucky run that lost nothing still has its race.

Pure functions over a trace (and the timeline's links); no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..tracing import Trace
from .timeline import LOCK_KINDS, Timeline

__all__ = [
    "Access",
    "Variable",
    "LostUpdate",
    "Race",
    "SharedData",
    "VARIABLE",
    "variables",
    "lost_updates",
    "races",
    "shared_data",
]

VARIABLE = "Variable"
_MODES = {"read": "r", "write": "w"}
# Links from the timeline that order two steps of different threads and that the clocks below
# do not already derive: an item from its put to its get, a notify to the wait it woke.
_LINKS = frozenset({"item", "wake"})

Clock = dict[int, int]  # thread -> how many of its steps are known to have happened


@dataclass(frozen=True)
class Access:
    index: int  # event index
    thread: int
    mode: str  # "r" | "w"
    value: Any
    line: int


@dataclass(frozen=True)
class Variable:
    id: int
    label: str
    accesses: tuple[Access, ...]

    @property
    def values(self) -> list[tuple[int, Any]]:
        """The value after each write; a first read gives the value it had before any."""
        out = [(a.index, a.value) for a in self.accesses if a.mode == "w"]
        if self.accesses and self.accesses[0].mode == "r":
            out.insert(0, (self.accesses[0].index, self.accesses[0].value))
        return out


@dataclass(frozen=True)
class LostUpdate:
    """`write.thread` wrote from its `read`, made stale by `overwritten`, which nobody read."""

    variable: int
    read: Access
    overwritten: Access
    write: Access

    @property
    def thread(self) -> int:
        return self.write.thread

    @property
    def other(self) -> int:
        return self.overwritten.thread


@dataclass(frozen=True)
class Race:
    """The first two accesses to `variable` that nothing orders: `first` before `second`."""

    variable: int
    first: Access
    second: Access
    lost: bool  # this run lost an update of the variable


@dataclass(frozen=True)
class SharedData:
    variables: list[Variable]
    lost_updates: list[LostUpdate]
    races: list[Race]


def variables(trace: Trace) -> list[Variable]:
    """Every `Variable` object of the trace with its accesses, in event order."""
    found: dict[int, list[Access]] = {o.id: [] for o in trace.objects if o.kind == VARIABLE}
    for index, ev in enumerate(trace.events):
        mode = _MODES.get(ev.kind)
        if mode is not None and ev.obj in found:
            found[ev.obj].append(Access(index, ev.thread, mode, ev.arg, ev.line))
    labels = {o.id: o.label for o in trace.objects}
    return [Variable(var, labels[var], tuple(accesses)) for var, accesses in found.items()]


def lost_updates(found: Iterable[Variable]) -> list[LostUpdate]:
    """Each write that overwrote another thread's unread write with a value computed before it.

    A write W by T loses the write U before it (the variable's previous write) when U is by
    another thread, T's last read came before U and found another value (so W was computed
    without U's effect), and no other thread read the variable between U and W. A thread that
    reads again before writing, or a write a third thread read before it was overwritten, is
    not a lost update.

    Two refinements of that rule, both needed on the race-condition scenario, where twelve
    increments that end at 4 must be eight lost updates (not none, not eleven):
    - U reading back its own value does not save it: `counter = seen + 1` followed by
      `print(counter)` reads what it just wrote, and the next stale write still erases it;
    - a read that came before U but found the value U wrote is not stale: T read its own 1,
      U then wrote 1 too, T writes 2; a write is computed from the value read, so it is the
      same 2 as if T had read U's 1 (and U's increment was already lost, and told, earlier).
    """
    lost: list[LostUpdate] = []
    for var in found:
        last_read: dict[int, Access] = {}
        last_write: Access | None = None
        readers: set[int] = set()  # threads that read since the last write
        for access in var.accesses:
            if access.mode == "r":
                last_read[access.thread] = access
                readers.add(access.thread)
                continue
            read = last_read.get(access.thread)
            # This thread did not read since the last write, so its last read came before it.
            if (
                last_write is not None
                and last_write.thread != access.thread
                and readers <= {last_write.thread}
                and read is not None
                and not _same(read.value, last_write.value)
            ):
                lost.append(LostUpdate(var.id, read, last_write, access))
            last_write, readers = access, set()
    lost.sort(key=lambda found: found.write.index)
    return lost


def _same(a: Any, b: Any) -> bool:
    # Python finds True == 1 == 1.0, but a program computes differently from each.
    return type(a) is type(b) and bool(a == b)


def races(trace: Trace, timeline: Timeline, lost: Iterable[LostUpdate] = ()) -> list[Race]:
    """The first racing pair of each variable: different threads, at least one writes, no
    lock held in common, and neither access happens before the other."""
    return _Clocks(trace, timeline, {found.variable for found in lost}).run()


def shared_data(trace: Trace, timeline: Timeline) -> SharedData:
    found = variables(trace)
    lost = lost_updates(found)
    return SharedData(found, lost, races(trace, timeline, lost))


@dataclass(frozen=True)
class _Seen:
    """The last access of one thread to one variable, as the race check needs it."""

    access: Access
    epoch: int  # the thread's own clock at the access
    locks: frozenset[int]


def _join(into: Clock, other: Mapping[int, int]) -> None:
    for thread, count in other.items():
        if count > into.get(thread, 0):
            into[thread] = count


class _Clocks:
    """One pass with a vector clock per thread and the locks each thread holds.

    Happens-before edges: program order; a thread's start to its first step (thread_start,
    timer_schedule); a thread's end to the join that saw it end; a lock's release to its later
    acquires; an Event's set to a wait that returned True; an item's put to its get and a
    notify to the wait it woke (the timeline's links); task_done to queue join(); every arrival
    at a barrier to each thread that passes it in that round.
    """

    def __init__(self, trace: Trace, timeline: Timeline, lost: set[int]) -> None:
        self.trace = trace
        self.lost = lost
        self.kinds = {o.id: o.kind for o in trace.objects}
        self.parties = {
            o.id: o.info["parties"]
            for o in trace.objects
            if o.kind == "Barrier" and isinstance(o.info.get("parties"), int)
        }
        # Mutual exclusion is what a lockset stands for: a semaphore counts only with one slot.
        self.mutexes = {
            o.id
            for o in trace.objects
            if o.kind in ("Lock", "RLock") or (o.kind in LOCK_KINDS and o.info.get("value") == 1)
        }
        self.incoming: dict[int, list[int]] = defaultdict(list)
        for link in timeline.links:
            if link.kind in _LINKS:
                self.incoming[link.end].append(link.start)
        self.sources = {start for starts in self.incoming.values() for start in starts}
        self.clocks: dict[int, Clock] = {}
        self.published: dict[int, Clock] = defaultdict(dict)  # lock / Event / queue -> clock
        self.snapshots: dict[int, Clock] = {}  # event index -> its thread's clock then
        self.ends: dict[int, Clock] = {}
        self.arrivals: dict[int, tuple[Clock, list[int]]] = {}  # barrier -> this round so far
        self.passes: dict[tuple[int, int], Clock] = {}  # (barrier, thread) -> round's clock
        self.held: dict[int, dict[int, int]] = defaultdict(dict)  # lock -> thread -> levels
        self.seen: dict[int, dict[int, tuple[_Seen | None, _Seen | None]]] = {
            o.id: {} for o in trace.objects if o.kind == VARIABLE
        }
        self.found: dict[int, Race] = {}

    def clock(self, thread: int) -> Clock:
        if thread not in self.clocks:
            self.clocks[thread] = {thread: 1}
        return self.clocks[thread]

    def run(self) -> list[Race]:
        for index, ev in enumerate(self.trace.events):
            clock = self.clock(ev.thread)
            self.receive(index, ev.thread, ev.kind, ev.obj, ev.arg, clock)
            mode = _MODES.get(ev.kind)
            if mode is not None and ev.obj in self.seen and ev.obj not in self.found:
                self.access(ev.obj, Access(index, ev.thread, mode, ev.arg, ev.line), clock)
            self.publish(index, ev.thread, ev.kind, ev.obj, ev.arg, clock)
            clock[ev.thread] += 1
        return sorted(self.found.values(), key=lambda race: race.second.index)

    def receive(self, index: int, thread: int, kind: str, obj: int, arg: Any, clock: Clock) -> None:
        """Edges into this step: what it learns happened before it."""
        objkind = self.kinds.get(obj)
        if kind in ("acquire", "acquire_granted") and objkind in LOCK_KINDS:
            _join(clock, self.published[obj])
            self.take(thread, obj, arg)
        elif kind == "wait_return" and objkind == "Event" and arg is True:
            _join(clock, self.published[obj])
        elif kind == "join_return" and isinstance(arg, list) and len(arg) == 2 and not arg[1]:
            joined = arg[0]
            if isinstance(joined, int):
                _join(clock, self.ends.get(joined, self.clocks.get(joined, {})))
        elif kind == "queue_join_return":
            _join(clock, self.published[obj])
        elif kind == "barrier_pass":
            _join(clock, self.passes.pop((obj, thread), {}))
        for start in self.incoming.get(index, ()):
            _join(clock, self.snapshots.get(start, {}))

    def publish(self, index: int, thread: int, kind: str, obj: int, arg: Any, clock: Clock) -> None:
        """Edges out of this step: what a later step of another thread will learn."""
        objkind = self.kinds.get(obj)
        if kind == "release" and objkind in LOCK_KINDS:
            _join(self.published[obj], clock)
            self.let_go(thread, obj, arg)
        elif kind in ("set", "clear") and objkind == "Event":
            _join(self.published[obj], clock)
        elif kind == "task_done":
            _join(self.published[obj], clock)
        elif kind in ("thread_start", "timer_schedule"):
            child = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(child, int) and child != thread:
                _join(self.clock(child), clock)
        elif kind in ("thread_end", "thread_abort"):
            self.ends[thread] = dict(clock)
        elif kind == "barrier_request":
            self.arrive(obj, thread, clock)
        elif kind in ("barrier_broken", "barrier_reset", "barrier_abort"):
            self.arrivals.pop(obj, None)  # that round will not pass
        if index in self.sources:
            self.snapshots[index] = dict(clock)

    def arrive(self, barrier: int, thread: int, clock: Clock) -> None:
        # Every round's arrivals are recorded before any of its passes and before the next
        # round's arrivals (a thread arrives again only after passing), so rounds are runs of
        # `parties` consecutive arrivals.
        parties = self.parties.get(barrier)
        if parties is None:
            return
        together, threads = self.arrivals.setdefault(barrier, ({}, []))
        _join(together, clock)
        threads.append(thread)
        if len(threads) >= parties:
            for member in threads:
                self.passes[(barrier, member)] = dict(together)
            del self.arrivals[barrier]

    # -- locksets ----------------------------------------------------------------------------

    def take(self, thread: int, lock: int, arg: Any) -> None:
        if lock not in self.mutexes:
            return
        holders = self.held[lock]
        # An RLock's re-entry carries its new level; a wait's re-acquire restores it silently
        # and the next release tells it, so the argument wins over counting.
        if self.kinds[lock] == "RLock" and isinstance(arg, int) and arg > 0:
            holders[thread] = arg
        else:
            holders[thread] = holders.get(thread, 0) + 1

    def let_go(self, thread: int, lock: int, arg: Any) -> None:
        if lock not in self.mutexes:
            return
        holders = self.held[lock]
        # A plain Lock (and a semaphore) may be released by a thread that does not hold it.
        who = thread if thread in holders else next(iter(holders), None)
        if who is None:
            return
        if self.kinds[lock] == "RLock" and isinstance(arg, int):
            left = arg
        else:
            left = holders[who] - 1
        if left > 0:
            holders[who] = left
        else:
            del holders[who]

    def lockset(self, thread: int) -> frozenset[int]:
        return frozenset(lock for lock, holders in self.held.items() if thread in holders)

    # -- the check ---------------------------------------------------------------------------

    def access(self, var: int, access: Access, clock: Clock) -> None:
        thread = access.thread
        locks = self.lockset(thread)
        # Only each other thread's last read and last write need checking: if that one happens
        # before this access, so does everything the thread did earlier.
        racing: list[Access] = []
        for other, (read, write) in self.seen[var].items():
            if other == thread:
                continue
            for before in (write, read if access.mode == "w" else None):
                if before is None or before.locks & locks:
                    continue
                if before.epoch > clock.get(other, 0):
                    racing.append(before.access)
        if racing:
            first = max(racing, key=lambda found: found.index)  # the closest one
            self.found[var] = Race(var, first, access, var in self.lost)
            return
        read, write = self.seen[var].get(thread, (None, None))
        seen = _Seen(access, clock[thread], locks)
        self.seen[var][thread] = (seen, write) if access.mode == "r" else (read, seen)
