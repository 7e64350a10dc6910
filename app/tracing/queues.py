"""Traced Queue, LifoQueue, PriorityQueue and SimpleQueue.

They keep the standard library's structure (a mutex and three conditions, the `_init`,
`_qsize`, `_put`, `_get` hooks), so subclasses written for `queue.Queue` work unchanged.
Events are appended under the queue's own mutex: a `put` is always recorded before the
`get` that takes its item.
"""

from __future__ import annotations

import queue as _std_queue
import threading as _std
from collections import deque
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any

from .recorder import Waiting
from .trace import KIND_CODE as K
from .trace import jsonable

if TYPE_CHECKING:
    from .recorder import Recorder

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
_NEGATIVE = "'timeout' must be a non-negative number"
# Items stored in the trace as they are, without a call to jsonable (the hot path).
_AS_IS = frozenset({int, bool, type(None)})


class TracedQueue(_std_queue.Queue):  # type: ignore[type-arg]
    """queue.Queue, recorded: puts, gets, waits for room or items, task_done and join."""

    _rec: Recorder
    _kind = "Queue"

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self._oid = self._rec.register_object(self._kind, {"maxsize": maxsize})

    def __repr__(self) -> str:
        return f"<{self._kind} {self._rec.label(self._oid)}: size={self.qsize()}>"

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """Put `item` into the queue, waiting for room if it is full (up to `timeout`)."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(PUT_REQUEST, oid)
        with self.not_full:
            maxsize = self.maxsize
            if maxsize > 0 and block and timeout is not None and timeout < 0:
                raise ValueError(_NEGATIVE)
            kind = PUT
            if maxsize > 0 and self._qsize() >= maxsize:
                value = jsonable(item)
                if not block:
                    rec.append((rec.now(), tid, PUT_TIMEOUT, oid, line, value))
                    raise Full
                rec.append((rec.now(), tid, PUT_REQUEST, oid, line, value))

                def room(seconds: float) -> bool:
                    if self._qsize() >= maxsize:
                        self.not_full.wait(seconds)
                    return self._qsize() < maxsize

                waiting = Waiting("put", oid, line, timeout is not None)
                if not rec.block(tid, waiting, room, timeout):
                    rec.append((rec.now(), tid, PUT_TIMEOUT, oid, line, value))
                    raise Full
                kind = PUT_DONE
            self._put(item)
            self.unfinished_tasks += 1
            value = item if type(item) in _AS_IS else jsonable(item)
            rec.append((perf_counter_ns() - rec.t0, tid, kind, oid, line, value))
            self.not_empty.notify()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Remove and return an item, waiting for one if the queue is empty (up to `timeout`)."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(GET_REQUEST, oid)
        with self.not_empty:
            if block and timeout is not None and timeout < 0:
                raise ValueError(_NEGATIVE)
            kind = GET
            if not self._qsize():
                if not block:
                    rec.append((rec.now(), tid, GET_TIMEOUT, oid, line, None))
                    raise Empty
                rec.append((rec.now(), tid, GET_REQUEST, oid, line, timeout))

                def item_ready(seconds: float) -> bool:
                    if not self._qsize():
                        self.not_empty.wait(seconds)
                    return bool(self._qsize())

                waiting = Waiting("get", oid, line, timeout is not None)
                if not rec.block(tid, waiting, item_ready, timeout):
                    rec.append((rec.now(), tid, GET_TIMEOUT, oid, line, None))
                    raise Empty
                kind = GET_DONE
            item = self._get()
            value = item if type(item) in _AS_IS else jsonable(item)
            rec.append((perf_counter_ns() - rec.t0, tid, kind, oid, line, value))
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

                rec.block(tid, Waiting("queue_join", oid, line, False), all_done, None)
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

    _rec: Recorder

    def __init__(self) -> None:
        self._items: deque[Any] = deque()
        self._cond = _std.Condition(_std.Lock())
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
            rec.append((perf_counter_ns() - rec.t0, tid, PUT, self._oid, line, value))
            self._cond.notify()

    def put_nowait(self, item: Any) -> None:
        self.put(item, False)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Remove and return an item, waiting for one if the queue is empty (up to `timeout`)."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(GET_REQUEST, oid)
        if block and timeout is not None and timeout < 0:
            raise ValueError(_NEGATIVE)
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

                waiting = Waiting("get", oid, line, timeout is not None)
                if not rec.block(tid, waiting, item_ready, timeout):
                    rec.append((rec.now(), tid, GET_TIMEOUT, oid, line, None))
                    raise Empty
                kind = GET_DONE
            item = self._items.popleft()
            value = item if type(item) in _AS_IS else jsonable(item)
            rec.append((perf_counter_ns() - rec.t0, tid, kind, oid, line, value))
            return item

    def get_nowait(self) -> Any:
        return self.get(False)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)
