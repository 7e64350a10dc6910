"""Traced Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event and Barrier.

Each wraps a real primitive of the standard library and mirrors its API exactly. A class
attribute `_rec` binds a per-run subclass to its Recorder (see `modules.build_modules`).
"""

from __future__ import annotations

import _thread
import threading as _std
from collections import deque
from collections.abc import Callable
from time import monotonic as _monotonic
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any

from .recorder import RunAborted, Waiting
from .trace import KIND_CODE as K

if TYPE_CHECKING:
    from .recorder import Recorder

__all__ = [
    "FastTracedLock",
    "TracedLock",
    "TracedRLock",
    "TracedCondition",
    "TracedSemaphore",
    "TracedBoundedSemaphore",
    "TracedEvent",
    "TracedBarrier",
]

_allocate_lock = _std.Lock
_get_ident = _std.get_ident
TIMEOUT_MAX = _std.TIMEOUT_MAX

ACQUIRE = K["acquire"]
ACQUIRE_REQUEST = K["acquire_request"]
ACQUIRE_GRANTED = K["acquire_granted"]
ACQUIRE_TIMEOUT = K["acquire_timeout"]
ACQUIRE_FAIL = K["acquire_fail"]
RELEASE = K["release"]


def _check_lock_args(blocking: bool, timeout: float) -> None:
    """Raise exactly what _thread.lock.acquire raises for these arguments, if anything."""
    # A free scratch lock validates the arguments and returns at once when they are valid.
    probe = _allocate_lock()
    if probe.acquire(blocking, timeout):
        probe.release()


class _LockBase:
    """What Lock and RLock share: the real lock, the owner's thread id, the object id.

    The attributes live in the concrete classes (slots, or the compiled LockCore).
    """

    _rec: Recorder
    _kind = "Lock"
    _real: _thread.LockType
    _owner: int | None
    _oid: int

    def __init__(self) -> None:
        self._real = _allocate_lock()
        self._owner: int | None = None
        self._oid = self._rec.register_object(self._kind)

    def _wait_for(self, tid: int, line: int, blocking: bool, timeout: float, t: int) -> bool:
        """The slow path: the lock is taken. Record the request, wait, record the outcome."""
        rec = self._rec
        oid = self._oid
        if not blocking or timeout == 0:
            rec.append((t, tid, ACQUIRE_FAIL, oid, line, 0 if not blocking else timeout))
            return False
        rec.append((t, tid, ACQUIRE_REQUEST, oid, line, None if timeout == -1 else timeout))
        real = self._real
        ok = rec.block(
            tid,
            Waiting("acquire", oid, line, timeout != -1, self),
            lambda seconds: real.acquire(True, seconds),
            None if timeout == -1 else timeout,
        )
        if ok:
            self._owner = tid
            rec.append((perf_counter_ns() - rec.t0, tid, ACQUIRE_GRANTED, oid, line, None))
        else:
            rec.append((perf_counter_ns() - rec.t0, tid, ACQUIRE_TIMEOUT, oid, line, None))
        return ok

    def locked(self) -> bool:
        """Return whether the lock is held (by anyone)."""
        return self._real.locked()

    def _holder_name(self) -> str:
        owner = self._owner
        if owner is None:
            return "?"
        return self._rec.threads[owner].name

    def __repr__(self) -> str:
        label = self._rec.label(self._oid)
        if self._real.locked():
            return f"<locked {self._kind} {label} held by {self._holder_name()}>"
        return f"<unlocked {self._kind} {label}>"


class TracedLock(_LockBase):
    __slots__ = ("_real", "_owner", "_oid")

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock, blocking or non-blocking, with an optional timeout.

        Returns True when acquired; False when non-blocking or timed out and not acquired.
        """
        rec = self._rec
        tid, line = rec.begin(ACQUIRE_REQUEST, self._oid)
        if timeout != -1 or not blocking:
            _check_lock_args(blocking, timeout)
        if self._real.acquire(False):
            # Held from here: do as little as possible before returning.
            self._owner = tid
            rec.append((perf_counter_ns() - rec.t0, tid, ACQUIRE, self._oid, line, None))
            return True
        return self._wait_for(tid, line, blocking, timeout, perf_counter_ns() - rec.t0)

    __enter__ = acquire

    def release(self) -> None:
        """Release the lock; any thread may release it. Unlocked: RuntimeError."""
        rec = self._rec
        if rec._intercept and rec.gate is not None:
            rec.begin(RELEASE, self._oid)
        t = perf_counter_ns() - rec.t0
        owner = self._owner
        self._owner = None
        try:
            self._real.release()
        except RuntimeError:
            self._owner = owner
            raise
        tid, line = rec.locate(2)
        rec.append((t, tid, RELEASE, self._oid, line, None))

    def __exit__(self, *exc: object) -> None:
        self.release()

    # Condition's hooks. A plain Lock counts as owned when anyone holds it, as in CPython.
    def _is_owned(self) -> bool:
        return self._real.locked()

    def _release_save(self) -> None:
        self.release()

    def _acquire_restore(self, state: None) -> None:
        self.acquire()


class TracedRLock(_LockBase):
    _kind = "RLock"
    __slots__ = ("_real", "_owner", "_oid", "_count")

    def __init__(self) -> None:
        super().__init__()
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock; the owner may acquire it again (it must release as often)."""
        rec = self._rec
        tid, line = rec.begin(ACQUIRE_REQUEST, self._oid)
        _check_lock_args(blocking, timeout)
        if self._owner == tid:
            self._count += 1
            rec.append((perf_counter_ns() - rec.t0, tid, ACQUIRE, self._oid, line, self._count))
            return True
        if self._real.acquire(False):
            self._owner = tid
            self._count = 1
            rec.append((perf_counter_ns() - rec.t0, tid, ACQUIRE, self._oid, line, None))
            return True
        ok = self._wait_for(tid, line, blocking, timeout, perf_counter_ns() - rec.t0)
        if ok:
            self._count = 1
        return ok

    __enter__ = acquire

    def release(self) -> None:
        """Release one level; the lock is free when every acquire has been released."""
        rec = self._rec
        tid, line = rec.begin(RELEASE, self._oid)
        if self._owner != tid:
            raise RuntimeError("cannot release un-acquired lock")
        count = self._count - 1
        t = perf_counter_ns() - rec.t0
        if count:
            self._count = count
        else:
            self._count = 0
            self._owner = None
            self._real.release()
        rec.append((t, tid, RELEASE, self._oid, line, count))

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _is_owned(self) -> bool:
        return self._owner is not None and self._owner == self._rec.tid()

    def _release_save(self) -> tuple[int, int | None]:
        rec = self._rec
        tid, line = rec.begin(RELEASE, self._oid)
        if self._owner != tid:
            raise RuntimeError("cannot release un-acquired lock")
        state = (self._count, self._owner)
        t = perf_counter_ns() - rec.t0
        self._count = 0
        self._owner = None
        self._real.release()
        rec.append((t, tid, RELEASE, self._oid, line, 0))
        return state

    def _acquire_restore(self, state: tuple[int, int | None]) -> None:
        self.acquire()
        self._count = state[0]


def _fast_lock_class() -> type | None:
    """The traced Lock with the compiled fast path, when it was built and this clock fits."""
    import time

    try:
        from . import _speedups  # type: ignore[attr-defined]
    except ImportError:
        return None
    if time.get_clock_info("perf_counter").implementation != "clock_gettime(CLOCK_MONOTONIC)":
        return None  # the compiled path stamps with CLOCK_MONOTONIC

    class FastTracedLock(_LockBase, _speedups.LockCore):  # type: ignore[misc]
        """TracedLock whose acquire/release run compiled; slow cases call the methods below."""

        __slots__ = ()

        def __init__(self) -> None:
            super().__init__()
            self._bind(self._rec.fast_state)

        _acquire_py = TracedLock.acquire
        _release_py = TracedLock.release
        _is_owned = TracedLock._is_owned
        _release_save = TracedLock._release_save
        _acquire_restore = TracedLock._acquire_restore

        def _acquire_contended(self, tid: int, line: int) -> bool:
            return self._wait_for(tid, line, True, -1, perf_counter_ns() - self._rec.t0)

        def _after_release(self, t: int) -> None:
            rec = self._rec
            tid, line = rec.locate(2)
            rec.append((t, tid, RELEASE, self._oid, line, None))

    FastTracedLock.__qualname__ = FastTracedLock.__name__ = "Lock"
    return FastTracedLock


FastTracedLock = _fast_lock_class()


class TracedCondition:
    """A condition variable over a traced lock (an RLock by default)."""

    _rec: Recorder

    def __init__(self, lock: Any = None) -> None:
        rec = self._rec
        self._oid = rec.register_object("Condition")
        if lock is None:
            lock = rec.modules["threading"].RLock()
            rec.relabel(lock._oid, f"{rec.label(self._oid)}.lock")
        self._lock = lock
        self.acquire = lock.acquire
        self.release = lock.release
        self._lock_oid = getattr(lock, "_oid", 0)
        rec.objects[self._oid - 1].info["lock"] = self._lock_oid
        # Use the lock's own hooks when it has them, as threading.Condition does.
        for hook in ("_release_save", "_acquire_restore", "_is_owned"):
            if hasattr(lock, hook):
                setattr(self, hook, getattr(lock, hook))
        self._waiters: deque[Any] = deque()

    def __enter__(self) -> bool:
        return bool(self._lock.__enter__())

    def __exit__(self, *args: object) -> None:
        self._lock.__exit__(*args)

    def __repr__(self) -> str:
        return f"<Condition {self._rec.label(self._oid)} ({self._lock!r}, {len(self._waiters)})>"

    # Fallbacks for a lock without the hooks (a plain real lock passed in).
    def _release_save(self) -> Any:
        self._lock.release()

    def _acquire_restore(self, state: Any) -> None:
        self._lock.acquire()

    def _is_owned(self) -> bool:
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Release the lock, wait until notified or timed out, re-acquire the lock.

        Returns True unless the timeout expired.
        """
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(K["wait_request"], oid)
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        waiter = _allocate_lock()
        waiter.acquire()
        self._waiters.append(waiter)
        rec.append((rec.now(), tid, K["wait_request"], oid, line, timeout))
        saved = self._release_save()
        gotit = False
        try:
            if timeout is None or timeout > 0:
                gotit = rec.block(
                    tid,
                    Waiting("wait", oid, line, timeout is not None),
                    lambda seconds: waiter.acquire(True, seconds),
                    timeout,
                )
            else:
                gotit = waiter.acquire(False)
            return gotit
        finally:
            self._acquire_restore(saved)
            if not gotit:
                try:
                    self._waiters.remove(waiter)
                except ValueError:
                    pass
            rec.append((rec.now(), tid, K["wait_return"], oid, line, gotit))

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        """Wait until `predicate()` is true or the timeout expires; return its last value."""
        deadline: float | None = None
        remaining = timeout
        result = predicate()
        while not result:
            if remaining is not None:
                if deadline is None:
                    deadline = _monotonic() + remaining
                else:
                    remaining = deadline - _monotonic()
                    if remaining <= 0:
                        break
            self.wait(remaining)
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        """Wake up to `n` threads waiting on this condition; the lock must be held."""
        rec = self._rec
        tid, line = rec.begin(K["notify"], self._oid)
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        t = rec.now()
        woken = 0
        waiters = self._waiters
        while waiters and woken < n:
            waiter = waiters.popleft()
            try:
                waiter.release()
            except RuntimeError:
                continue  # it timed out meanwhile
            woken += 1
        rec.append((t, tid, K["notify"], self._oid, line, woken))

    def notify_all(self) -> None:
        """Wake every thread waiting on this condition; the lock must be held."""
        self.notify(len(self._waiters))


class TracedSemaphore:
    """A counter of free slots: acquire takes one (waiting while none), release returns."""

    _rec: Recorder
    _kind = "Semaphore"

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._cond = _std.Condition(_allocate_lock())
        self._value = value
        self._oid = self._rec.register_object(self._kind, {"value": value})

    def __repr__(self) -> str:
        return f"<{self._kind} {self._rec.label(self._oid)}: value={self._value}>"

    def _take(self, seconds: float) -> bool:
        with self._cond:
            if self._value == 0 and seconds > 0:
                self._cond.wait(seconds)
            if self._value > 0:
                self._value -= 1
                return True
            return False

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take a slot. Non-blocking or timed out with no slot free: return False."""
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(ACQUIRE_REQUEST, oid)
        if self._take(0):
            rec.append((rec.now(), tid, ACQUIRE, oid, line, None))
            return True
        t = rec.now()
        if not blocking or (timeout is not None and timeout <= 0):
            rec.append((t, tid, ACQUIRE_FAIL, oid, line, 0 if not blocking else timeout))
            return False
        rec.append((t, tid, ACQUIRE_REQUEST, oid, line, timeout))
        ok = rec.block(tid, Waiting("acquire", oid, line, timeout is not None), self._take, timeout)
        rec.append((rec.now(), tid, ACQUIRE_GRANTED if ok else ACQUIRE_TIMEOUT, oid, line, None))
        return ok

    __enter__ = acquire

    def release(self, n: int = 1) -> None:
        """Return `n` slots, waking as many waiting threads."""
        if n < 1:
            raise ValueError("n must be one or more")
        rec = self._rec
        tid, line = rec.begin(RELEASE, self._oid)
        with self._cond:
            self._check_release(n)
            t = rec.now()
            self._value += n
            value = self._value
            self._cond.notify(n)
        rec.append((t, tid, RELEASE, self._oid, line, value))

    def _check_release(self, n: int) -> None:
        pass

    def __exit__(self, t: object, v: object, tb: object) -> None:
        self.release()


class TracedBoundedSemaphore(TracedSemaphore):
    """A semaphore that refuses to be released above its initial value."""

    _kind = "BoundedSemaphore"

    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial_value = value

    def _check_release(self, n: int) -> None:
        if self._value + n > self._initial_value:
            raise ValueError("Semaphore released too many times")


class TracedEvent:
    """A flag threads can wait for: set, clear, is_set, wait."""

    _rec: Recorder

    def __init__(self) -> None:
        self._real = _std.Event()
        self._oid = self._rec.register_object("Event")

    def __repr__(self) -> str:
        state = "set" if self._real.is_set() else "unset"
        return f"<Event {self._rec.label(self._oid)}: {state}>"

    def is_set(self) -> bool:
        """Return True when the flag is set."""
        return self._real.is_set()

    def set(self) -> None:
        """Set the flag, waking every thread waiting for it."""
        rec = self._rec
        tid, line = rec.begin(K["set"], self._oid)
        rec.append((rec.now(), tid, K["set"], self._oid, line, None))
        self._real.set()

    def clear(self) -> None:
        """Reset the flag: later waits block until it is set again."""
        rec = self._rec
        tid, line = rec.begin(K["clear"], self._oid)
        rec.append((rec.now(), tid, K["clear"], self._oid, line, None))
        self._real.clear()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the flag is set or the timeout expires; return the flag."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(K["wait_request"], oid)
        rec.append((rec.now(), tid, K["wait_request"], oid, line, timeout))
        real = self._real
        if real.is_set():
            result = True
        elif timeout is not None and timeout <= 0:
            result = False
        else:
            result = rec.block(
                tid, Waiting("wait", oid, line, timeout is not None), real.wait, timeout
            )
        rec.append((rec.now(), tid, K["wait_return"], oid, line, result))
        return result


class TracedBarrier(_std.Barrier):
    """A meeting point for `parties` threads (the real Barrier, with its waits recorded)."""

    _rec: Recorder

    def __init__(
        self, parties: int, action: Callable[[], Any] | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(parties, action, timeout)
        rec = self._rec
        self._oid = rec.register_object("Barrier", {"parties": parties})
        rec.barriers.append(self)

    def wait(self, timeout: float | None = None) -> int:
        """Wait until `parties` threads have called wait(); return this one's index."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(K["barrier_request"], oid)
        rec.append((rec.now(), tid, K["barrier_request"], oid, line, None))
        effective = timeout if timeout is not None else getattr(self, "_timeout", None)
        waiting = Waiting("barrier", oid, line, effective is not None)
        rec.enter_wait(tid, waiting)
        try:
            index = super().wait(timeout)
        except _std.BrokenBarrierError:
            if rec.aborted is not None:
                rec.append((rec.now(), tid, K["aborted"], oid, line, None))
                raise RunAborted(rec.aborted) from None
            rec.append((rec.now(), tid, K["barrier_broken"], oid, line, None))
            raise
        finally:
            rec.leave_wait(tid, waiting)
        rec.append((rec.now(), tid, K["barrier_pass"], oid, line, index))
        return index

    def reset(self) -> None:
        """Return the barrier to its empty state; threads waiting get BrokenBarrierError."""
        self._rec.emit("barrier_reset", self._oid)
        super().reset()

    def abort(self) -> None:
        """Put the barrier into the broken state."""
        self._rec.emit("barrier_abort", self._oid)
        super().abort()

    def _abort_for_run(self) -> None:
        _std.Barrier.abort(self)
