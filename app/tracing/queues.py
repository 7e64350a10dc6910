"""Traced Queue, LifoQueue, PriorityQueue and SimpleQueue.

They keep the standard library's structure (a mutex and three conditions, the `_init`,
`_qsize`, `_put`, `_get` hooks), so subclasses written for `queue.Queue` work unchanged.
Events are appended under the queue's own mutex: a `put` is always recorded before the
`get` that takes its item.

A put is recorded whenever its item entered the structure, also when `_put` raised after
storing it (a PriorityQueue's heappush appends before it compares). A queue whose hooks are not
its kind's standard ones is marked `custom` in its object info: its `_put` may store, drop or
change items, so what is got need not be what was put.
"""

from __future__ import annotations

import math
import queue as _std_queue
import threading as _std
from _thread import allocate_lock as _allocate_lock
from collections import deque
from time import monotonic
from typing import Any

from .common import Runtime, Waiting
from .primitives import _outside
from .trace import KIND_CODE as K
from .trace import jsonable

__all__ = ["TracedQueue", "TracedLifoQueue", "TracedPriorityQueue", "TracedSimpleQueue"]

Empty = _std_queue.Empty
Full = _std_queue.Full

PUT, PUT_REQUEST, PUT_DONE, PUT_TIMEOUT = (
    K["put"],
    K["put_request"],
    K["put_done"],
    K["put_timeout"],
)
GET, GET_REQUEST, GET_DONE, GET_TIMEOUT = (
    K["get"],
    K["get_request"],
    K["get_done"],
    K["get_timeout"],
)
ABORTED = K["aborted"]
_NEGATIVE = "'timeout' must be a non-negative number"
# Items stored in the trace as they are, without a call to jsonable (the hot path).
_AS_IS = frozenset({int, bool, type(None)})
# The hooks through which queue.Queue touches its structure, and the standard ones per kind.
_HOOKS = ("_init", "_qsize", "_put", "_get")
_STANDARD: dict[str, type] = {
    "Queue": _std_queue.Queue,
    "LifoQueue": _std_queue.LifoQueue,
    "PriorityQueue": _std_queue.PriorityQueue,
}


def _is_custom(cls: type, kind: str) -> bool:
    """Whether `cls` keeps its items its own way: a hook that is not its kind's standard one."""
    standard = _STANDARD[kind]
    return any(getattr(cls, hook) is not getattr(standard, hook) for hook in _HOOKS)


def _capacity(maxsize: Any) -> Any:
    # An infinite or NaN maxsize never fills (`maxsize > 0 and qsize >= maxsize` never holds),
    # which is what 0 says; JSON has no number for it anyway.
    if isinstance(maxsize, float) and not math.isfinite(maxsize):
        return 0
    return maxsize


def _check_deadline(timeout: float) -> None:
    """Raise what queue.Queue raises computing its deadline, `time() + timeout`, if anything.

    It does so before it looks at the queue, so even a call that need not wait raises. A float
    never raises there; an int past 1.8e308 does.
    """
    if type(timeout) is not float:
        monotonic() + timeout


def _check_wait_timeout(timeout: float | None) -> None:
    """Raise what queue.Queue raises for `timeout` once it has to wait, if anything.

    It waits `remaining = deadline - time()`: Condition.wait hands that to `lock.acquire`
    when positive, and that refuses a timeout too large for the platform's clock (an infinity
    among them) with OverflowError; NaN is not positive, so it passes. A free scratch lock
    validates the same value the same way and returns at once.
    """
    if timeout is None:
        return
    remaining = monotonic() + timeout - monotonic()
    if remaining > 0:
        probe = _allocate_lock()
        if probe.acquire(True, remaining):
            probe.release()


def _limit(timeout: float | None) -> float | None:
    # With a NaN timeout queue.Queue never gives up: NaN - now is never <= 0, and its
    # Condition.wait polls, so it waits as if there were no timeout.
    return timeout if timeout == timeout else None


def _check_simple_timeout(timeout: float) -> None:
    """Raise what the C SimpleQueue.get raises for `timeout`, if anything.

    It converts the timeout before it looks for an item, so a bad one raises even when an item
    is ready: OverflowError for an infinity or one too large for its clock, ValueError for NaN
    or a negative one, TypeError for what is not a number. A scratch SimpleQueue that holds an
    item validates it the same way and returns at once.
    """
    probe: _std_queue.SimpleQueue[None] = _std_queue.SimpleQueue()
    probe.put(None)
    probe.get(True, timeout)


class TracedQueue(_std_queue.Queue):  # type: ignore[type-arg]
    """queue.Queue, recorded: puts, gets, waits for room or items, task_done and join."""

    _rec: Runtime
    _kind = "Queue"

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        info: dict[str, Any] = {"maxsize": _capacity(maxsize)}
        if _is_custom(type(self), self._kind):
            info["custom"] = True
        self._oid = self._rec.register_object(self._kind, info)

    def __repr__(self) -> str:
        return f"<{self._kind} {self._rec.label(self._oid)}: size={self.qsize()}>"

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """Put `item` into the queue, waiting for room if it is full (up to `timeout`)."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(PUT_REQUEST, oid)
        with self.not_full:
            maxsize = self.maxsize
            if maxsize > 0 and block and timeout is not None:
                if timeout < 0:
                    raise ValueError(_NEGATIVE)
                _check_deadline(timeout)
            kind = PUT
            if maxsize > 0 and self._qsize() >= maxsize:
                value = jsonable(item)
                if not block:
                    rec.append((rec.now(), tid, PUT_TIMEOUT, oid, line, value))
                    raise Full
                _check_wait_timeout(timeout)
                rec.append((rec.now(), tid, PUT_REQUEST, oid, line, value))

                def room(seconds: float) -> bool:
                    if self._qsize() >= maxsize:
                        self.not_full.wait(seconds)
                    return self._qsize() < maxsize

                limit = _limit(timeout)
                waiting = Waiting(
                    "put",
                    oid,
                    line,
                    limit is not None,
                    ready=lambda: self._qsize() < maxsize,
                    outside=_outside(self.mutex),
                )
                if not rec.block(tid, waiting, room, limit):
                    rec.append((rec.now(), tid, PUT_TIMEOUT, oid, line, value))
                    raise Full
                kind = PUT_DONE
            size = self._qsize()
            try:
                self._put(item)
            except BaseException:
                self._put_failed(item, size, tid, kind, line)
                raise
            self.unfinished_tasks += 1
            value = item if type(item) in _AS_IS else jsonable(item)
            rec.append((rec.now(), tid, kind, oid, line, value))
            self.not_empty.notify()

    def _put_failed(self, item: Any, size: int, tid: int, kind: int, line: int) -> None:
        """Record what a put whose `_put` raised left in the structure.

        queue.Queue.put lets the exception go before it counts a task or notifies a getter, so
        neither happens here either; but an item that entered the structure is in the queue
        and a later get returns it, so its put is recorded. A put that waited for room and
        stored nothing ends its request `aborted`.
        """
        rec = self._rec
        if self._qsize() > size:
            rec.append((rec.now(), tid, kind, self._oid, line, jsonable(item)))
        elif kind == PUT_DONE:
            rec.append((rec.now(), tid, ABORTED, self._oid, line, None))

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Remove and return an item, waiting for one if the queue is empty (up to `timeout`)."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(GET_REQUEST, oid)
        with self.not_empty:
            if block and timeout is not None:
                if timeout < 0:
                    raise ValueError(_NEGATIVE)
                _check_deadline(timeout)
            kind = GET
            if not self._qsize():
                if not block:
                    rec.append((rec.now(), tid, GET_TIMEOUT, oid, line, None))
                    raise Empty
                _check_wait_timeout(timeout)
                rec.append((rec.now(), tid, GET_REQUEST, oid, line, jsonable(timeout)))

                def item_ready(seconds: float) -> bool:
                    if not self._qsize():
                        self.not_empty.wait(seconds)
                    return bool(self._qsize())

                limit = _limit(timeout)
                waiting = Waiting(
                    "get",
                    oid,
                    line,
                    limit is not None,
                    ready=lambda: bool(self._qsize()),
                    outside=_outside(self.mutex),
                )
                if not rec.block(tid, waiting, item_ready, limit):
                    rec.append((rec.now(), tid, GET_TIMEOUT, oid, line, None))
                    raise Empty
                kind = GET_DONE
            try:
                item = self._get()
            except BaseException:
                # Nothing reached the program; a get that waited still needs its request ended.
                if kind == GET_DONE:
                    rec.append((rec.now(), tid, ABORTED, oid, line, None))
                raise
            value = item if type(item) in _AS_IS else jsonable(item)
            rec.append((rec.now(), tid, kind, oid, line, value))
            self.not_full.notify()
            return item

    def task_done(self) -> None:
        """Mark one item taken by get() as processed, for join()."""
        rec = self._rec
        tid, line = rec.begin(K["task_done"], self._oid)
        with self.all_tasks_done:
            unfinished = self.unfinished_tasks - 1
            if unfinished <= 0:
                if unfinished < 0:
                    raise ValueError("task_done() called too many times")
                self.all_tasks_done.notify_all()
            self.unfinished_tasks = unfinished
            rec.append((rec.now(), tid, K["task_done"], self._oid, line, unfinished))

    def join(self) -> None:
        """Block until every item put has been marked done with task_done()."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(K["queue_join_request"], oid)
        with self.all_tasks_done:
            rec.append((rec.now(), tid, K["queue_join_request"], oid, line, None))
            if self.unfinished_tasks:

                def all_done(seconds: float) -> bool:
                    if self.unfinished_tasks:
                        self.all_tasks_done.wait(seconds)
                    return not self.unfinished_tasks

                waiting = Waiting(
                    "queue_join",
                    oid,
                    line,
                    False,
                    ready=lambda: not self.unfinished_tasks,
                    outside=_outside(self.mutex),
                )
                rec.block(tid, waiting, all_done, None)
            rec.append((rec.now(), tid, K["queue_join_return"], oid, line, None))


class TracedLifoQueue(TracedQueue):
    """Last in, first out."""

    _kind = "LifoQueue"
    _init = _std_queue.LifoQueue._init
    _qsize = _std_queue.LifoQueue._qsize
    _put = _std_queue.LifoQueue._put
    _get = _std_queue.LifoQueue._get


class TracedPriorityQueue(TracedQueue):
    """Smallest item first."""

    _kind = "PriorityQueue"
    _init = _std_queue.PriorityQueue._init
    _qsize = _std_queue.PriorityQueue._qsize
    _put = _std_queue.PriorityQueue._put
    _get = _std_queue.PriorityQueue._get


class TracedSimpleQueue:
    """queue.SimpleQueue: unbounded FIFO without task tracking."""

    _rec: Runtime

    def __init__(self) -> None:
        self._items: deque[Any] = deque()
        self._lock = _std.Lock()
        self._cond = _std.Condition(self._lock)
        self._oid = self._rec.register_object("SimpleQueue", {"maxsize": 0})

    def __repr__(self) -> str:
        return f"<SimpleQueue {self._rec.label(self._oid)}: size={len(self._items)}>"

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """Put `item` into the queue; never blocks (the arguments exist for compatibility)."""
        rec = self._rec
        tid, line = rec.begin(PUT_REQUEST, self._oid)
        with self._cond:
            self._items.append(item)
            value = item if type(item) in _AS_IS else jsonable(item)
            rec.append((rec.now(), tid, PUT, self._oid, line, value))
            self._cond.notify()

    def put_nowait(self, item: Any) -> None:
        self.put(item, False)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Remove and return an item, waiting for one if the queue is empty (up to `timeout`)."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(GET_REQUEST, oid)
        if block and timeout is not None:
            _check_simple_timeout(timeout)
        with self._cond:
            kind = GET
            if not self._items:
                if not block:
                    rec.append((rec.now(), tid, GET_TIMEOUT, oid, line, None))
                    raise Empty
                rec.append((rec.now(), tid, GET_REQUEST, oid, line, timeout))

                def item_ready(seconds: float) -> bool:
                    if not self._items:
                        self._cond.wait(seconds)
                    return bool(self._items)

                waiting = Waiting(
                    "get",
                    oid,
                    line,
                    timeout is not None,
                    ready=lambda: bool(self._items),
                    outside=_outside(self._lock),
                )
                if not rec.block(tid, waiting, item_ready, timeout):
                    rec.append((rec.now(), tid, GET_TIMEOUT, oid, line, None))
                    raise Empty
                kind = GET_DONE
            item = self._items.popleft()
            value = item if type(item) in _AS_IS else jsonable(item)
            rec.append((rec.now(), tid, kind, oid, line, value))
            return item

    def get_nowait(self) -> Any:
        return self.get(False)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)
