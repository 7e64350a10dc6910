"""Traced Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event and Barrier.

Each wraps a real primitive of the standard library and mirrors its API exactly. A class
attribute `_rec` binds a per-run subclass to its Runtime (see `modules.build_modules`).
"""

from __future__ import annotations

import threading as _std
import warnings
from collections import deque
from collections.abc import Callable
from time import monotonic as _monotonic
from types import FunctionType
from typing import Any, TypeVar

from .common import RunAborted, Runtime, Waiting
from .trace import KIND_CODE as K

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
_INF = float("inf")

ACQUIRE = K["acquire"]
ACQUIRE_REQUEST = K["acquire_request"]
ACQUIRE_GRANTED = K["acquire_granted"]
ACQUIRE_TIMEOUT = K["acquire_timeout"]
ACQUIRE_FAIL = K["acquire_fail"]
RELEASE = K["release"]
RESUME = K["resume"]


def _released(lock: Any) -> Callable[[], bool]:
    """Whether `lock` (a Condition waiter's, held until notify) was let go."""
    return lambda: not lock.locked()


def _check_lock_args(blocking: bool, timeout: float) -> None:
    """Raise exactly what _thread.lock.acquire raises for these arguments, if anything."""
    # A free scratch lock validates the arguments and returns at once when they are valid.
    probe = _allocate_lock()
    if probe.acquire(blocking, timeout):
        probe.release()


def _check_wait_timeout(timeout: float | None) -> None:
    """Raise what Condition.wait(timeout) raises for this timeout before it waits, if anything.

    `timeout > 0` must compare (TypeError), and a lock must accept it: inf or more than
    TIMEOUT_MAX seconds is an OverflowError. Event.wait and Thread-like waits share it.
    """
    if timeout is not None and timeout > 0:
        _check_lock_args(True, timeout)


def _check_timeout(timeout: float | None) -> None:
    """Raise what Semaphore.acquire and Barrier.wait raise for a timeout they would wait with.

    Both compute a deadline first (`_time() + timeout`: TypeError for a non-number), then
    wait on a Condition with it.
    """
    if timeout is not None:
        _ = _monotonic() + timeout
        _check_wait_timeout(timeout)


_Class = TypeVar("_Class", bound=type)


def std_named(name: str) -> Callable[[_Class], _Class]:
    """Class decorator: name the methods as the standard class names its own.

    Argument errors quote the method's qualified name (`Event.wait() takes from 1 to 2
    positional arguments but 3 were given`), so a traced class must answer as the standard
    one. An alias (`__enter__ = acquire`) keeps the name of the method it aliases.
    """

    def name_methods(cls: _Class) -> _Class:
        for attr, value in vars(cls).items():
            if isinstance(value, FunctionType) and value.__name__ == attr:
                value.__qualname__ = f"{name}.{attr}"
        return cls

    return name_methods


def _std_type(obj: object) -> str:
    """The type as the standard library's reprs name it: `threading.Event`."""
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"{old}() is deprecated, use {new}() instead", DeprecationWarning, stacklevel=3)


class _Absent:
    """An attribute the standard type lacks: reading it raises the AttributeError it raises."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        raise AttributeError(f"'{self.type_name}' object has no attribute '{self.name}'")


class _LockBase:
    """What Lock and RLock share: the real lock, the owner's thread id, the object id.

    The trace must never show a thread blocked on a lock drawn free, nor two holders at once.
    So each change of the real lock is stamped in the same step as it happens:

    - With the compiled module, the real lock is `_speedups.RealLock`, which reads the clock
      in C while it takes or releases, with no room for another thread in between. A thread
      woken from a blocking acquire takes the lock before it has the interpreter back; the
      lock reads that moment without the GIL. The trace then shows the lock held from then
      (`acquire_granted`, its argument the nanoseconds until the thread ran again) and the
      thread ready but not running until it runs (`resume`).
    - Without it (the pure-Python reference), a small internal mutex makes taking, releasing
      and their stamps one step. A woken thread's taking is then dated by the first thread that
      found the lock taken with no holder recorded, if any: it had the lock by then.

    The attributes live in the concrete classes (slots, or the compiled LockCore).
    """

    _rec: Runtime
    _kind = "Lock"
    _real: Any
    _owner: int | None
    _oid: int
    _meta: Any  # pure-Python path only: makes a change of the lock and its stamp one step
    # When a thread first found the lock taken with no holder recorded (-1: never); valid only
    # after `_released_at`, the last release. See `_wait_for`.
    _contended: int
    _released_at: int

    def __init__(self) -> None:
        rec = self._rec
        stamped = _RealLock is not None and rec.fast_state is not None
        self._real = _RealLock() if stamped else _allocate_lock()
        self._meta = None if stamped else _allocate_lock()
        self._owner: int | None = None
        self._contended = -1
        self._released_at = 0
        self._oid = rec.register_object(self._kind)

    def _take_now(self, tid: int) -> tuple[bool, int]:
        """Try to take the lock, recording `tid` as its holder if it was free: whether it was
        taken, and when the try was made.

        A failed try's moment is its request's: a release that lands after the try, before
        the request is recorded, then comes after the request in the trace (drawn the other
        way round, the thread would wait for a lock shown free).
        """
        meta = self._meta
        if meta is None:
            taken, stamp = self._real.try_take()
            t = int(stamp - self._rec.t0)
            if taken:
                self._owner = tid
                return True, t
            self._saw_taken(t)
            return False, t
        with meta:
            now = self._rec.now()
            if self._real.acquire(False):
                self._owner = tid
                return True, now
            self._saw_taken(now)
            return False, now

    def _saw_taken(self, t: int) -> None:
        """A try at `t` found the lock taken: with no holder recorded, a woken thread has it."""
        if self._owner is None and self._contended <= self._last_release():
            self._contended = t

    def _last_release(self) -> int:
        """When the lock was last released (ns since the start), read so that a thread that
        took it after that release never sees an older one: the compiled lock writes it
        before letting go of the OS lock; the pure-Python one under its mutex (`_let_go`)."""
        if self._meta is None:
            return max(self._released_at, int(self._real.released_ns) - self._rec.t0)
        return self._released_at

    def _let_go(self) -> int:
        """Release the real lock with no holder recorded: when. RuntimeError if unlocked."""
        meta = self._meta
        owner = self._owner
        self._owner = None
        try:
            if meta is None:
                t = int(self._real.release_ns()) - self._rec.t0
                self._released_at = t
            else:
                with meta:
                    self._real.release()
                    t = self._rec.now()
                    self._released_at = t
            return t
        except RuntimeError:
            self._owner = owner
            raise

    def _wait_for(self, tid: int, line: int, blocking: bool, timeout: float, t: int) -> bool:
        """The slow path: the lock is taken. Record the request, wait, record the outcome."""
        rec = self._rec
        oid = self._oid
        if not blocking or timeout == 0:
            rec.append((t, tid, ACQUIRE_FAIL, oid, line, 0 if not blocking else timeout))
            return False
        rec.append((t, tid, ACQUIRE_REQUEST, oid, line, None if timeout == -1 else timeout))
        real = self._real
        taken: list[int] = []
        if self._meta is None:

            def attempt(seconds: float) -> bool:
                stamp: int | None = real.acquire_ns(seconds)
                if stamp is None:
                    return False
                taken.append(stamp - rec.t0)
                return True

        else:

            def attempt(seconds: float) -> bool:
                return bool(real.acquire(True, seconds))

        waiting = Waiting(
            "acquire",
            oid,
            line,
            timeout != -1,
            self._holder,
            owner_only=self._kind == "RLock",
            ready=lambda: not real.locked(),
        )
        ok = rec.block(tid, waiting, attempt, None if timeout == -1 else timeout)
        if not ok:
            rec.append((rec.now(), tid, ACQUIRE_TIMEOUT, oid, line, None))
            return False
        meta = self._meta
        if meta is None:
            self._owner = tid
            running = rec.now()
            # The OS may pause a woken thread between taking the lock and reading the clock;
            # if another thread saw the lock taken before that stamp, it was taken by then.
            at = int(min(taken[0], self._sighting()))
        else:
            with meta:
                self._owner = tid
                running = rec.now()
                at = int(min(running, self._sighting()))
        if at < running:
            # Held since `at`; ready but not running until the interpreter let it go on.
            rec.append((at, tid, ACQUIRE_GRANTED, oid, line, running - at))
            rec.append((running, tid, RESUME, oid, line, None))
        else:
            rec.append((running, tid, ACQUIRE_GRANTED, oid, line, None))
        return True

    def _sighting(self) -> float:
        """By when the lock was taken, as another thread's failed try since its last release
        shows (inf: nobody tried): just before that try, whose own request is stamped with
        the try's moment and must come after the holder's grant."""
        seen = self._contended
        return seen - 1 if seen > self._last_release() else _INF

    def _holder(self) -> int | None:
        return self._owner

    def __repr__(self) -> str:
        # _thread.lock's shape, the label after the type: <unlocked _thread.lock object l at 0x…>
        state = "locked" if self._real.locked() else "unlocked"
        label = self._rec.label(self._oid)
        return f"<{state} _thread.lock object {label} at {id(self):#x}>"


_LOCK_SLOTS = ("_real", "_owner", "_oid", "_meta", "_contended", "_released_at")


class TracedLock(_LockBase):
    __slots__ = _LOCK_SLOTS

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock, blocking or non-blocking, with an optional timeout.

        Returns True when acquired; False when non-blocking or timed out and not acquired.
        """
        rec = self._rec
        tid, line = rec.begin(ACQUIRE_REQUEST, self._oid)
        if timeout != -1 or not blocking:
            _check_lock_args(blocking, timeout)
        taken, t = self._take_now(tid)
        if taken:
            rec.append((t, tid, ACQUIRE, self._oid, line, None))
            return True
        return self._wait_for(tid, line, blocking, timeout, t)

    __enter__ = acquire

    def release(self) -> None:
        """Release the lock; any thread may release it. Unlocked: RuntimeError."""
        rec = self._rec
        if rec.intercepting and rec.gate is not None:
            rec.begin(RELEASE, self._oid)
        t = self._let_go()
        tid, line = rec.locate(2)
        rec.append((t, tid, RELEASE, self._oid, line, None))

    def __exit__(self, *exc: object) -> None:
        self.release()

    # Condition's hooks. A plain Lock counts as owned when anyone holds it, as in CPython.
    def _is_owned(self) -> bool:
        return bool(self._real.locked())

    def _release_save(self) -> None:
        self.release()

    def _acquire_restore(self, state: None) -> None:
        self.acquire()

    def locked(self) -> bool:
        """Return whether the lock is held (by anyone). An RLock has no such method in 3.11."""
        return bool(self._real.locked())

    # _thread.lock's old names, still there in Python 3.11.
    acquire_lock = acquire
    release_lock = release
    locked_lock = locked


class TracedRLock(_LockBase):
    _kind = "RLock"
    __slots__ = (*_LOCK_SLOTS, "_count")

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
            rec.append((rec.now(), tid, ACQUIRE, self._oid, line, self._count))
            return True
        taken, t = self._take_now(tid)
        if taken:
            self._count = 1
            rec.append((t, tid, ACQUIRE, self._oid, line, None))
            return True
        ok = self._wait_for(tid, line, blocking, timeout, t)
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
        if count:
            self._count = count
            t = rec.now()
        else:
            self._count = 0
            t = self._let_go()
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
        self._count = 0
        t = self._let_go()
        rec.append((t, tid, RELEASE, self._oid, line, 0))
        return state

    def _acquire_restore(self, state: tuple[int, int | None]) -> None:
        self.acquire()
        self._count = state[0]

    def __repr__(self) -> str:
        # _thread.RLock's shape, owner as a thread ident, the label after the type.
        count = self._count
        owner = self._owner
        thread = None if owner is None else self._rec.thread_object(owner)
        ident = (thread.ident if thread is not None else None) or 0
        return (
            f"<{'locked' if count else 'unlocked'} _thread.RLock object"
            f" {self._rec.label(self._oid)} owner={ident} count={count} at {id(self):#x}>"
        )

    if not hasattr(_std.RLock(), "locked"):  # an RLock has locked() from Python 3.14 only
        locked = _Absent("_thread.RLock")


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

        def _acquire_contended(self, tid: int, line: int, t: int, timeout: float = -1) -> bool:
            """The compiled acquire found the lock taken at `t`: wait for it."""
            return self._wait_for(tid, line, True, timeout, t)

        def _after_release(self, t: int) -> None:
            rec = self._rec
            tid, line = rec.locate(2)
            rec.append((t, tid, RELEASE, self._oid, line, None))

        # _thread.lock's old names, still there in Python 3.11.
        locked = TracedLock.locked
        acquire_lock = _speedups.LockCore.acquire
        release_lock = _speedups.LockCore.release
        locked_lock = TracedLock.locked

    FastTracedLock.__qualname__ = FastTracedLock.__name__ = "Lock"
    return FastTracedLock


FastTracedLock = _fast_lock_class()
# The OS lock that tells when it was taken: wherever the compiled fast path is in use.
_RealLock: Any = None
if FastTracedLock is not None:
    from . import _speedups  # type: ignore[attr-defined]

    _RealLock = _speedups.RealLock


@std_named("Condition")
class TracedCondition:
    """A condition variable over a traced lock (an RLock by default)."""

    _rec: Runtime

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
        # threading.Condition's shape; with no address to follow, the label ends it.
        return f"<Condition({self._lock}, {len(self._waiters)}) {self._rec.label(self._oid)}>"

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
        _check_wait_timeout(timeout)
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
                    Waiting("wait", oid, line, timeout is not None, ready=_released(waiter)),
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

    def notifyAll(self) -> None:
        """Wake every thread waiting on this condition (deprecated: use notify_all)."""
        _deprecated("notifyAll", "notify_all")
        self.notify_all()


@std_named("Semaphore")
class TracedSemaphore:
    """A counter of free slots: acquire takes one (waiting while none), release returns."""

    _rec: Runtime
    _kind = "Semaphore"

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._cond = _std.Condition(_allocate_lock())
        self._value = value
        self._oid = self._rec.register_object(self._kind, {"value": value})

    def __repr__(self) -> str:
        return f"<{_std_type(self)} {self._rec.label(self._oid)} at {id(self):#x}: {self._state()}>"

    def _state(self) -> str:
        return f"value={self._value}"

    def _take(self, seconds: float, tid: int, line: int, kind: int) -> tuple[bool, int]:
        """Take a slot within `seconds`, recording `kind` while the count is still guarded.

        Return whether a slot was taken and, when none was, the moment the count was seen at
        zero. Both are stamped under the semaphore's own lock, as `release` stamps: a trace can
        then never show more holders than slots, nor a thread that starts waiting after a
        release it did not see (that release is stamped later than the look that failed).
        """
        rec = self._rec
        with self._cond:
            if self._value == 0 and seconds > 0:
                self._cond.wait(seconds)
            if self._value > 0:
                self._value -= 1
                rec.append((rec.now(), tid, kind, self._oid, line, None))
                return True, 0
            return False, rec.now()

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take a slot. Non-blocking or timed out with no slot free: return False."""
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(ACQUIRE_REQUEST, oid)
        taken, t = self._take(0, tid, line, ACQUIRE)
        if taken:
            return True
        _check_timeout(timeout)  # what the wait would raise, only when it must wait
        if not blocking or (timeout is not None and timeout <= 0):
            rec.append((t, tid, ACQUIRE_FAIL, oid, line, 0 if not blocking else timeout))
            return False
        rec.append((t, tid, ACQUIRE_REQUEST, oid, line, timeout))
        ok = rec.block(
            tid,
            Waiting("acquire", oid, line, timeout is not None, ready=lambda: self._value > 0),
            lambda seconds: self._take(seconds, tid, line, ACQUIRE_GRANTED)[0],
            timeout,
        )
        if not ok:
            rec.append((rec.now(), tid, ACQUIRE_TIMEOUT, oid, line, None))
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


@std_named("BoundedSemaphore")
class TracedBoundedSemaphore(TracedSemaphore):
    """A semaphore that refuses to be released above its initial value."""

    _kind = "BoundedSemaphore"

    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial_value = value

    def _check_release(self, n: int) -> None:
        if self._value + n > self._initial_value:
            raise ValueError("Semaphore released too many times")

    def _state(self) -> str:
        return f"value={self._value}/{self._initial_value}"


@std_named("Event")
class TracedEvent:
    """A flag threads can wait for: set, clear, is_set, wait."""

    _rec: Runtime

    def __init__(self) -> None:
        self._real = _std.Event()
        # Held while the flag changes and is stamped, and while a wait stamps and reads it: the
        # trace's order of sets, clears and looks is then the real one.
        self._meta = _allocate_lock()
        self._oid = self._rec.register_object("Event")

    def __repr__(self) -> str:
        state = "set" if self._real.is_set() else "unset"
        return f"<{_std_type(self)} {self._rec.label(self._oid)} at {id(self):#x}: {state}>"

    def is_set(self) -> bool:
        """Return True when the flag is set."""
        return self._real.is_set()

    def isSet(self) -> bool:
        """Return True when the flag is set (deprecated: use is_set)."""
        _deprecated("isSet", "is_set")
        return self.is_set()

    def set(self) -> None:
        """Set the flag, waking every thread waiting for it."""
        rec = self._rec
        tid, line = rec.begin(K["set"], self._oid)
        with self._meta:
            rec.append((rec.now(), tid, K["set"], self._oid, line, None))
            self._real.set()

    def clear(self) -> None:
        """Reset the flag: later waits block until it is set again."""
        rec = self._rec
        tid, line = rec.begin(K["clear"], self._oid)
        with self._meta:
            rec.append((rec.now(), tid, K["clear"], self._oid, line, None))
            self._real.clear()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the flag is set or the timeout expires; return the flag."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(K["wait_request"], oid)
        real = self._real
        # Stamped with the look, in one step against set and clear: a wait never starts on a
        # flag the trace shows set, nor returns at once from one it shows cleared.
        with self._meta:
            asked = rec.now()
            flag = real.is_set()
        if not flag:
            _check_wait_timeout(timeout)  # a set flag returns before the timeout is looked at
        rec.append((asked, tid, K["wait_request"], oid, line, timeout))
        if flag:
            result = True
        elif timeout is not None and not timeout > 0:  # 0, negative or nan: no wait at all
            result = False
        else:
            result = rec.block(
                tid,
                Waiting("wait", oid, line, timeout is not None, ready=real.is_set),
                real.wait,
                timeout,
            )
        rec.append((rec.now(), tid, K["wait_return"], oid, line, result))
        return result


class _ControlledCondition:
    """The condition a Barrier uses inside, for a controlled run: `wait_for` parks with the
    scheduler (offered again once the predicate holds, or at its virtual deadline)."""

    def __init__(self, rec: Runtime, oid: int) -> None:
        self._rec = rec
        self._oid = oid
        self._lock = _allocate_lock()

    def __enter__(self) -> bool:
        return self._lock.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        result = predicate()
        if result:
            return result
        rec = self._rec
        tid = rec.tid()
        waiting = Waiting(
            "barrier",
            self._oid,
            rec.line(2),
            timeout is not None,
            ready=lambda: bool(predicate()),
            outside=_outside(self._lock),
        )
        rec.block(tid, waiting, lambda seconds: bool(predicate()), timeout)
        return predicate()

    def notify_all(self) -> None:
        pass  # the scheduler asks each waiter's predicate itself


def _outside(lock: Any) -> Callable[[Callable[[], None]], None]:
    """Run park() with `lock` (held by the caller) let go, as a condition wait would."""

    def around(park: Callable[[], None]) -> None:
        lock.release()
        try:
            park()
        finally:
            lock.acquire()

    return around


@std_named("Barrier")
class TracedBarrier(_std.Barrier):
    """A meeting point for `parties` threads (the real Barrier, with its waits recorded)."""

    _rec: Runtime
    _state: int  # the standard Barrier's: 0 filling, 1 draining, -1 resetting, -2 broken
    _count: int  # how many wait now

    def __init__(
        self, parties: int, action: Callable[[], Any] | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(parties, action, timeout)
        rec = self._rec
        self._oid = rec.register_object("Barrier", {"parties": parties})
        self._arriving: dict[int, tuple[int, int]] = {}  # real thread id -> (tid, line)
        rec.on_abort(self._abort_for_run)
        if rec.controlled:
            # The standard Barrier waits on a Condition of its own; in a controlled run its
            # waiters park with the scheduler instead (the Barrier's logic is unchanged).
            self._cond = _ControlledCondition(rec, self._oid)

    def wait(self, timeout: float | None = None) -> int:
        """Wait until `parties` threads have called wait(); return this one's index."""
        rec = self._rec
        oid = self._oid
        tid, line = rec.begin(K["barrier_request"], oid)
        effective = timeout if timeout is not None else getattr(self, "_timeout", None)
        if self._will_wait():
            _check_timeout(effective)  # what the wait would raise, before it is recorded
        waiting = Waiting("barrier", oid, line, effective is not None)
        rec.enter_wait(tid, waiting)
        me = _get_ident()
        self._arriving[me] = (tid, line)  # the arrival is recorded in _enter, when counted
        try:
            index = super().wait(timeout)
        except _std.BrokenBarrierError:
            if self._arriving.pop(me, None) is not None:  # broken before it was counted
                rec.append((rec.now(), tid, K["barrier_request"], oid, line, None))
            if rec.aborted is not None:
                rec.append((rec.now(), tid, K["aborted"], oid, line, None))
                raise RunAborted(rec.aborted) from None
            rec.append((rec.now(), tid, K["barrier_broken"], oid, line, None))
            raise
        finally:
            self._arriving.pop(me, None)
            rec.leave_wait(tid, waiting)
        rec.append((rec.now(), tid, K["barrier_pass"], oid, line, index))
        return index

    def _enter(self) -> None:
        """The standard Barrier's entry, under its lock: wait while the last round drains,
        then (the caller counts this thread next, still under the lock) record the arrival.

        Recorded here, not when wait() was called: a thread preempted on its way would
        otherwise be drawn in a round that filled and passed without it.
        """
        super()._enter()  # type: ignore[misc]
        arrival = self._arriving.pop(_get_ident(), None)
        if arrival is not None:
            rec = self._rec
            rec.append((rec.now(), arrival[0], K["barrier_request"], self._oid, arrival[1], None))

    def _will_wait(self) -> bool:
        """Whether a wait() now would wait (with its timeout) rather than break or release.

        Read without the barrier's lock: should others arrive meanwhile, a wait that seemed
        to release the barrier may wait after all, and raise its timeout's error then.
        """
        if self.parties == 1 or self.broken:
            return False
        return bool(self._state != 0 or self._count + 1 < self.parties)

    def __repr__(self) -> str:
        head = f"<{_std_type(self)} {self._rec.label(self._oid)} at {id(self):#x}:"
        if self.broken:
            return f"{head} broken>"
        return f"{head} waiters={self.n_waiting}/{self.parties}>"

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
