"""One battery of semantics tests, run against the standard modules and Hilos's traced ones.

As CPython's `Lib/test/lock_tests.py` runs one battery over several lock types, every test here
takes `mods` and must pass unchanged for "std" (the real `threading`, `queue` and `time`) and for
"traced" (a Recorder's modules): same return values, same exception types and messages. Messages
that are stable across Python versions are spelled out; the others are compared with what the
standard library says in the same test. The `test_traced_*` tests compare the traced modules'
names and signatures with the standard library's.

Timing: a wait that should succeed gets a generous TIMEOUT; a wait that should time out gets SHORT
and its duration is bounded from below only. Threads are ordered with Events of the standard
library (scaffolding that is not under test), not with sleeps. A check that something does *not*
happen watches for SETTLE seconds: it can miss a bug, never fail a correct implementation.
"""

from __future__ import annotations

import functools
import inspect
import math
import queue as std_queue
import re
import threading as std_threading
import time as std_time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from .helpers import STD, Mods

pytestmark = pytest.mark.timeout(10)

# The `mods` fixture (tests/conftest.py) runs every test against the standard modules, the
# compiled traced Lock and the pure-Python one; `traced` is the recorded modules alone.

TIMEOUT = 5.0  # for what must happen: only reached when something is wrong
SHORT = 0.05  # for what must time out
EARLY = 0.005  # clock granularity allowed when checking that SHORT has elapsed
SETTLE = 0.05  # how long to watch for something that must not happen


# -- helpers -----------------------------------------------------------------------------------


def raised(call: Callable[[], object]) -> tuple[type[BaseException], str]:
    """Return the type and message of the exception `call()` raises; fail if it raises none."""
    try:
        call()
    except Exception as exc:
        return type(exc), str(exc)
    pytest.fail("no exception was raised")


def outcome(call: Callable[[], object]) -> tuple[Any, Any]:
    """What `call()` does: ("returned", value) or (exception type, message)."""
    try:
        return "returned", call()
    except Exception as exc:
        return type(exc), str(exc)


def since(started: float) -> float:
    return std_time.monotonic() - started


def wait_until(predicate: Callable[[], object], timeout: float = TIMEOUT) -> bool:
    """Poll `predicate` until it is true; False if it never was within `timeout`."""
    deadline = std_time.monotonic() + timeout
    while not predicate():
        if std_time.monotonic() > deadline:
            return False
        std_time.sleep(0.002)
    return True


def spawn(th: ModuleType, target: Callable[..., object], *args: Any) -> Any:
    """Start a daemon thread of the module under test that runs `target(*args)`."""
    worker = th.Thread(target=target, args=args, daemon=True)
    worker.start()
    return worker


def finish(*workers: Any) -> None:
    """Join every worker (bounded); fail if one is still running."""
    for worker in workers:
        worker.join(TIMEOUT)
    alive = [worker.name for worker in workers if worker.is_alive()]
    assert not alive, f"threads still running: {alive}"


def in_thread(th: ModuleType, call: Callable[[], Any]) -> Any:
    """Run `call()` in another thread of the module under test; return or re-raise its result."""
    box: list[tuple[str, Any]] = []

    def run() -> None:
        try:
            box.append(("returned", call()))
        except Exception as exc:
            box.append(("raised", exc))

    finish(spawn(th, run))
    how, value = box[0]
    if how == "raised":
        raise value
    return value


def probe(th: ModuleType, lock: Any) -> Any:
    """Whether another thread can take `lock` now (it gives it back at once): acquire's result."""

    def attempt() -> Any:
        got = lock.acquire(False)
        if got:
            lock.release()
        return got

    return in_thread(th, attempt)


# -- Lock and RLock: what they share -----------------------------------------------------------

LOCK_KINDS = ["Lock", "RLock"]


@pytest.mark.parametrize("kind", LOCK_KINDS)
def test_lock_acquire_returns_whether_it_got_the_lock(mods: Mods, kind: str) -> None:
    th = mods["threading"]
    lock = getattr(th, kind)()
    assert probe(th, lock) is True
    assert lock.acquire() is True
    assert in_thread(th, lambda: lock.acquire(False)) is False
    assert in_thread(th, lambda: lock.acquire(blocking=False)) is False
    assert in_thread(th, lambda: lock.acquire(True, 0)) is False
    assert lock.release() is None
    assert probe(th, lock) is True
    assert lock.acquire(blocking=True, timeout=TIMEOUT) is True
    assert probe(th, lock) is False
    lock.release()


@pytest.mark.parametrize("kind", LOCK_KINDS)
def test_lock_acquire_times_out_while_another_thread_holds_it(mods: Mods, kind: str) -> None:
    th = mods["threading"]
    lock = getattr(th, kind)()

    def timed_acquire() -> tuple[Any, float]:
        started = std_time.monotonic()
        return lock.acquire(timeout=SHORT), since(started)

    with lock:
        got, elapsed = in_thread(th, timed_acquire)
    assert got is False
    assert elapsed >= SHORT - EARLY


@pytest.mark.parametrize("call", ["acquire()", "acquire(timeout=TIMEOUT)"])
@pytest.mark.parametrize("kind", LOCK_KINDS)
def test_lock_blocked_acquire_returns_when_released(mods: Mods, kind: str, call: str) -> None:
    th = mods["threading"]
    lock = getattr(th, kind)()
    about_to_acquire = std_threading.Event()
    acquired = std_threading.Event()
    results: list[Any] = []

    def take() -> None:
        about_to_acquire.set()
        results.append(lock.acquire() if call == "acquire()" else lock.acquire(timeout=TIMEOUT))
        acquired.set()
        lock.release()

    lock.acquire()
    worker = spawn(th, take)
    assert about_to_acquire.wait(TIMEOUT)
    assert not acquired.wait(SETTLE), "acquired a lock that another thread holds"
    lock.release()
    assert acquired.wait(TIMEOUT)
    finish(worker)
    assert results == [True]
    assert probe(th, lock) is True


LOCK_ARGUMENT_ERRORS = [
    pytest.param(
        (False, 1), {}, "can't specify a timeout for a non-blocking call", id="(False, 1)"
    ),
    pytest.param(
        (False, 0), {}, "can't specify a timeout for a non-blocking call", id="(False, 0)"
    ),
    pytest.param(
        (),
        {"blocking": False, "timeout": 0.5},
        "can't specify a timeout for a non-blocking call",
        id="keywords",
    ),
    # Messages that vary across Python versions or come from argument parsing: compared with
    # what the standard library says.
    pytest.param((), {"timeout": -2}, None, id="timeout=-2"),
    pytest.param((True, -0.5), {}, None, id="(True, -0.5)"),
    pytest.param((), {"timeout": std_threading.TIMEOUT_MAX * 2}, None, id="timeout=TIMEOUT_MAX*2"),
    pytest.param((), {"timeout": None}, None, id="timeout=None"),
    pytest.param((), {"timeout": "1"}, None, id="timeout='1'"),
]


@pytest.mark.parametrize(("args", "kwargs", "message"), LOCK_ARGUMENT_ERRORS)
@pytest.mark.parametrize("kind", LOCK_KINDS)
def test_lock_acquire_argument_errors(
    mods: Mods, kind: str, args: tuple[Any, ...], kwargs: dict[str, Any], message: str | None
) -> None:
    th = mods["threading"]
    expected = outcome(lambda: getattr(std_threading, kind)().acquire(*args, **kwargs))
    assert expected[0] != "returned", "a bad case: the standard library accepts it"
    if message is not None:
        assert expected == (ValueError, message)
    lock = getattr(th, kind)()
    assert outcome(lambda: lock.acquire(*args, **kwargs)) == expected
    assert probe(th, lock) is True, "a refused acquire took the lock"
    with lock:  # the arguments are checked before the lock's state
        assert outcome(lambda: lock.acquire(*args, **kwargs)) == expected
        assert probe(th, lock) is False
    assert probe(th, lock) is True


@pytest.mark.parametrize("kind", LOCK_KINDS)
def test_lock_as_context_manager(mods: Mods, kind: str) -> None:
    th = mods["threading"]
    lock = getattr(th, kind)()
    with lock as entered:
        assert entered is True
        assert probe(th, lock) is False
    assert probe(th, lock) is True
    with pytest.raises(KeyError), lock:
        raise KeyError("inside")
    assert probe(th, lock) is True


@pytest.mark.parametrize("kind", LOCK_KINDS)
def test_lock_repr_tells_locked_from_unlocked(mods: Mods, kind: str) -> None:
    lock = getattr(mods["threading"], kind)()
    assert "unlocked" in repr(lock)
    with lock:
        assert "locked" in repr(lock) and "unlocked" not in repr(lock)
    assert "unlocked" in repr(lock)


# -- Lock --------------------------------------------------------------------------------------


def test_lock_is_not_reentrant(mods: Mods) -> None:
    lock = mods["threading"].Lock()
    assert lock.locked() is False
    assert lock.acquire() is True
    assert lock.locked() is True
    assert lock.acquire(False) is False
    assert lock.acquire(True, 0) is False
    started = std_time.monotonic()
    assert lock.acquire(timeout=SHORT) is False
    assert since(started) >= SHORT - EARLY
    assert lock.locked() is True
    lock.release()
    assert lock.locked() is False


def test_lock_may_be_released_by_another_thread(mods: Mods) -> None:
    th = mods["threading"]
    lock = th.Lock()
    lock.acquire()
    assert in_thread(th, lock.release) is None
    assert lock.locked() is False
    assert lock.acquire(False) is True
    lock.release()


def test_lock_release_when_unlocked(mods: Mods) -> None:
    lock = mods["threading"].Lock()
    assert raised(lock.release) == (RuntimeError, "release unlocked lock")
    lock.acquire()
    lock.release()
    assert raised(lock.release) == (RuntimeError, "release unlocked lock")
    assert lock.locked() is False


# -- RLock -------------------------------------------------------------------------------------


def test_rlock_counts_nested_acquires(mods: Mods) -> None:
    th = mods["threading"]
    rlock = th.RLock()
    assert [rlock.acquire(), rlock.acquire(False), rlock.acquire(timeout=SHORT)] == [True] * 3
    for _ in range(2):
        rlock.release()
        assert probe(th, rlock) is False, "released before every acquire was undone"
    rlock.release()
    assert probe(th, rlock) is True
    assert raised(rlock.release) == (RuntimeError, "cannot release un-acquired lock")


def test_rlock_only_its_owner_may_release_it(mods: Mods) -> None:
    th = mods["threading"]
    rlock = th.RLock()
    assert raised(lambda: in_thread(th, rlock.release)) == (
        RuntimeError,
        "cannot release un-acquired lock",
    )
    rlock.acquire()
    assert raised(lambda: in_thread(th, rlock.release)) == (
        RuntimeError,
        "cannot release un-acquired lock",
    )
    assert probe(th, rlock) is False, "a refused release freed the lock"
    rlock.release()
    assert probe(th, rlock) is True


def test_rlock_blocks_other_threads_until_fully_released(mods: Mods) -> None:
    th = mods["threading"]
    rlock = th.RLock()
    about_to_acquire = std_threading.Event()
    acquired = std_threading.Event()
    results: list[Any] = []

    def take() -> None:
        about_to_acquire.set()
        results.append(rlock.acquire(timeout=TIMEOUT))
        acquired.set()
        rlock.release()

    rlock.acquire()
    rlock.acquire()
    worker = spawn(th, take)
    assert about_to_acquire.wait(TIMEOUT)
    rlock.release()
    assert not acquired.wait(SETTLE), "acquired while the owner still held it once"
    rlock.release()
    assert acquired.wait(TIMEOUT)
    finish(worker)
    assert results == [True]


def test_rlock_nested_with_blocks(mods: Mods) -> None:
    th = mods["threading"]
    rlock = th.RLock()
    with rlock as outer:
        with rlock as inner:
            assert (outer, inner) == (True, True)
        assert probe(th, rlock) is False
    assert probe(th, rlock) is True


# -- Condition ---------------------------------------------------------------------------------

CONDITION_LOCKS = [None, "Lock", "RLock"]


def make_condition(th: ModuleType, lock_kind: str | None) -> Any:
    return th.Condition() if lock_kind is None else th.Condition(getattr(th, lock_kind)())


@pytest.mark.parametrize("lock_kind", CONDITION_LOCKS)
def test_condition_notify_wakes_that_many_waiters(mods: Mods, lock_kind: str | None) -> None:
    th = mods["threading"]
    cond = make_condition(th, lock_kind)
    with cond:
        cond.notify()  # nobody waits: nothing happens
        cond.notify_all()
    waiting: list[int] = []
    results: list[Any] = []

    def waiter(i: int) -> None:
        with cond:
            waiting.append(i)
            results.append(cond.wait(TIMEOUT))

    def all_waiting() -> bool:
        # Waiters append under the lock and release it only inside wait(): once the lock is
        # ours and all four are listed, all four are waiting.
        with cond:
            return len(waiting) == 4

    workers = [spawn(th, waiter, i) for i in range(4)]
    assert wait_until(all_waiting)
    with cond:
        cond.notify()
    assert wait_until(lambda: len(results) >= 1)
    std_time.sleep(SETTLE)
    assert len(results) == 1, "notify() woke more than one waiter"
    with cond:
        cond.notify(2)
    assert wait_until(lambda: len(results) >= 3)
    std_time.sleep(SETTLE)
    assert len(results) == 3, "notify(2) woke more than two waiters"
    with cond:
        cond.notify_all()
    finish(*workers)
    assert results == [True] * 4


@pytest.mark.parametrize("lock_kind", CONDITION_LOCKS)
def test_condition_wait_times_out_and_holds_the_lock_again(
    mods: Mods, lock_kind: str | None
) -> None:
    th = mods["threading"]
    cond = make_condition(th, lock_kind)
    with cond:
        started = std_time.monotonic()
        assert cond.wait(SHORT) is False
        assert since(started) >= SHORT - EARLY
        assert cond.wait(timeout=0) is False
        assert cond.wait(-1) is False
        assert probe(th, cond) is False
    assert probe(th, cond) is True


@pytest.mark.parametrize("lock_kind", CONDITION_LOCKS)
def test_condition_wait_for_returns_the_predicate_value(mods: Mods, lock_kind: str | None) -> None:
    th = mods["threading"]
    cond = make_condition(th, lock_kind)
    with cond:
        assert cond.wait_for(lambda: "ready", timeout=SHORT) == "ready"
        started = std_time.monotonic()
        assert cond.wait_for(lambda: 0, timeout=SHORT) == 0
        assert since(started) >= SHORT - EARLY
        assert cond.wait_for(lambda: [], 0) == []

    state: dict[str, str] = {}
    calls: list[None] = []

    def predicate() -> str | None:
        calls.append(None)
        return state.get("value")

    def producer() -> None:
        with cond:
            state["value"] = "done"
            cond.notify_all()

    with cond:
        worker = spawn(th, producer)  # it needs the lock: it runs once wait_for releases it
        assert cond.wait_for(predicate, TIMEOUT) == "done"
        assert len(calls) >= 2
    finish(worker)


@pytest.mark.parametrize("lock_kind", CONDITION_LOCKS)
def test_condition_needs_its_lock(mods: Mods, lock_kind: str | None) -> None:
    th = mods["threading"]
    cond = make_condition(th, lock_kind)
    wait_error = (RuntimeError, "cannot wait on un-acquired lock")
    notify_error = (RuntimeError, "cannot notify on un-acquired lock")
    assert raised(cond.wait) == wait_error
    assert raised(lambda: cond.wait(SHORT)) == wait_error
    assert raised(lambda: cond.wait_for(lambda: False, SHORT)) == wait_error
    assert cond.wait_for(lambda: "already") == "already"  # the predicate is asked first
    assert raised(cond.notify) == notify_error
    assert raised(lambda: cond.notify(2)) == notify_error
    assert raised(cond.notify_all) == notify_error
    assert probe(th, cond) is True


@pytest.mark.parametrize("lock_kind", [None, "RLock"])
def test_condition_owned_by_another_thread_is_not_ours(mods: Mods, lock_kind: str | None) -> None:
    # A plain Lock cannot tell its holder, so only reentrant locks are checked here.
    th = mods["threading"]
    cond = make_condition(th, lock_kind)
    holding, done = std_threading.Event(), std_threading.Event()

    def hold() -> None:
        with cond:
            holding.set()
            done.wait(TIMEOUT)

    worker = spawn(th, hold)
    assert holding.wait(TIMEOUT)
    try:
        assert raised(lambda: cond.wait(SHORT)) == (RuntimeError, "cannot wait on un-acquired lock")
        assert raised(cond.notify) == (RuntimeError, "cannot notify on un-acquired lock")
    finally:
        done.set()
    finish(worker)


@pytest.mark.parametrize("lock_kind", [None, "RLock"])
def test_condition_wait_releases_a_reentrant_lock_fully(mods: Mods, lock_kind: str | None) -> None:
    th = mods["threading"]
    cond = make_condition(th, lock_kind)
    entered: list[str] = []

    def notifier() -> None:
        with cond:
            entered.append("notifier")
            cond.notify()

    with cond, cond:
        worker = spawn(th, notifier)
        assert cond.wait(TIMEOUT) is True  # the notifier got in: the lock was fully released
        assert entered == ["notifier"]
        assert probe(th, cond) is False
        cond.release()
        assert probe(th, cond) is False, "wait() did not restore the recursion level"
        cond.acquire()
    assert probe(th, cond) is True
    finish(worker)


def test_condition_uses_the_lock_it_is_given(mods: Mods) -> None:
    th = mods["threading"]
    lock = th.Lock()
    cond = th.Condition(lock)
    with cond as entered:
        assert entered is True
        assert lock.locked() is True
    assert lock.locked() is False
    assert cond.acquire() is True
    assert lock.locked() is True
    assert cond.acquire(False) is False  # a Lock is not reentrant, even through a Condition
    cond.release()
    assert lock.locked() is False
    with lock:
        assert probe(th, cond) is False

    default = th.Condition()
    with default:
        assert default.acquire(False) is True  # the default lock is an RLock
        default.release()
        assert probe(th, default) is False
    assert probe(th, default) is True


# -- Semaphore and BoundedSemaphore ------------------------------------------------------------


def test_semaphore_counts(mods: Mods) -> None:
    th = mods["threading"]
    sem = th.Semaphore(3)
    assert [sem.acquire(), sem.acquire(blocking=False), sem.acquire(True, TIMEOUT)] == [True] * 3
    assert sem.acquire(False) is False
    assert sem.acquire(timeout=0) is False
    assert sem.acquire(timeout=-1) is False
    started = std_time.monotonic()
    assert sem.acquire(timeout=SHORT) is False
    assert since(started) >= SHORT - EARLY
    assert sem.release(2) is None
    assert [sem.acquire(False), sem.acquire(False), sem.acquire(False)] == [True, True, False]
    sem.release()
    with sem as entered:
        assert entered is True
        assert in_thread(th, lambda: sem.acquire(False)) is False
    assert in_thread(th, lambda: sem.acquire(False)) is True  # a semaphore has no owner
    assert sem.acquire(False) is False

    default = th.Semaphore()
    assert [default.acquire(False), default.acquire(False)] == [True, False]


def test_semaphore_release_n_wakes_n_waiters(mods: Mods) -> None:
    th = mods["threading"]
    sem = th.Semaphore(0)
    results: list[Any] = []
    workers = [spawn(th, lambda: results.append(sem.acquire(timeout=TIMEOUT))) for _ in range(3)]
    std_time.sleep(SETTLE)
    assert results == []
    sem.release(2)
    assert wait_until(lambda: len(results) >= 2)
    std_time.sleep(SETTLE)
    assert results == [True, True]
    sem.release()
    finish(*workers)
    assert results == [True] * 3
    assert sem.acquire(False) is False


@pytest.mark.parametrize("kind", ["Semaphore", "BoundedSemaphore"])
def test_semaphore_argument_errors(mods: Mods, kind: str) -> None:
    th = mods["threading"]
    factory = getattr(th, kind)
    assert raised(lambda: factory(-1)) == (ValueError, "semaphore initial value must be >= 0")
    sem = factory(1)
    nonblocking = (ValueError, "can't specify timeout for non-blocking acquire")
    assert raised(lambda: sem.acquire(False, 1)) == nonblocking
    assert raised(lambda: sem.acquire(blocking=False, timeout=0)) == nonblocking
    assert raised(lambda: sem.release(0)) == (ValueError, "n must be one or more")
    assert raised(lambda: sem.release(-1)) == (ValueError, "n must be one or more")
    assert [sem.acquire(False), sem.acquire(False)] == [True, False], "an error changed the count"


def test_bounded_semaphore_refuses_to_go_over_its_initial_value(mods: Mods) -> None:
    th = mods["threading"]
    sem = th.BoundedSemaphore(2)
    too_many = (ValueError, "Semaphore released too many times")
    assert raised(sem.release) == too_many
    assert [sem.acquire(False), sem.acquire(False)] == [True, True]
    sem.release(2)
    assert sem.acquire(False) is True
    assert raised(lambda: sem.release(2)) == too_many
    assert [sem.acquire(False), sem.acquire(False)] == [True, False], "an error changed the count"
    sem.release()
    sem.release()
    assert raised(sem.release) == too_many


# -- Event -------------------------------------------------------------------------------------


def test_event_flag(mods: Mods) -> None:
    event = mods["threading"].Event()
    assert event.is_set() is False
    started = std_time.monotonic()
    assert event.wait(SHORT) is False
    assert since(started) >= SHORT - EARLY
    assert event.wait(0) is False
    assert event.wait(-1) is False
    assert event.set() is None
    assert event.is_set() is True
    assert event.wait() is True
    assert event.wait(0) is True
    event.set()
    assert event.is_set() is True
    assert event.clear() is None
    assert event.is_set() is False
    assert event.wait(0) is False


def test_event_set_wakes_every_waiter(mods: Mods) -> None:
    th = mods["threading"]
    event = th.Event()
    results: list[Any] = []
    workers = [spawn(th, lambda: results.append(event.wait(TIMEOUT))) for _ in range(3)]
    std_time.sleep(SETTLE)
    assert results == [], "wait() returned before the event was set"
    event.set()
    finish(*workers)
    assert results == [True] * 3


# -- Barrier -----------------------------------------------------------------------------------


def test_barrier_passes_its_parties_with_distinct_indexes(mods: Mods) -> None:
    th = mods["threading"]
    action_threads: list[Any] = []
    barrier = th.Barrier(3, action=lambda: action_threads.append(th.current_thread()))
    assert (barrier.parties, barrier.n_waiting, barrier.broken) == (3, 0, False)
    passed: list[tuple[int, int, bool]] = []

    def party() -> None:
        for round_ in range(2):
            index = barrier.wait(TIMEOUT)
            # The action runs before anyone passes.
            passed.append((round_, index, len(action_threads) > round_))

    workers = [spawn(th, party) for _ in range(3)]
    finish(*workers)
    assert sorted(passed) == [(r, i, True) for r in range(2) for i in range(3)]
    assert len(action_threads) == 2
    assert all(thread in workers for thread in action_threads)
    assert (barrier.n_waiting, barrier.broken) == (0, False)


def test_barrier_counts_its_waiters(mods: Mods) -> None:
    th = mods["threading"]
    barrier = th.Barrier(3)
    indexes: list[int] = []
    workers = [spawn(th, lambda: indexes.append(barrier.wait(TIMEOUT))) for _ in range(2)]
    assert wait_until(lambda: barrier.n_waiting == 2)
    std_time.sleep(SETTLE)
    assert indexes == [], "passed the barrier before all parties arrived"
    indexes.append(barrier.wait(TIMEOUT))
    finish(*workers)
    assert sorted(indexes) == [0, 1, 2]
    assert barrier.n_waiting == 0


@pytest.mark.parametrize("how", ["default timeout", "wait(timeout)"])
def test_barrier_timeout_breaks_it(mods: Mods, how: str) -> None:
    th = mods["threading"]
    assert issubclass(th.BrokenBarrierError, RuntimeError)
    if how == "default timeout":
        barrier = th.Barrier(2, timeout=SHORT)
        wait = barrier.wait
    else:
        barrier = th.Barrier(2)
        wait = functools.partial(barrier.wait, SHORT)
    started = std_time.monotonic()
    assert raised(wait) == (th.BrokenBarrierError, "")
    assert since(started) >= SHORT - EARLY
    assert barrier.broken is True
    assert raised(lambda: barrier.wait(TIMEOUT)) == (th.BrokenBarrierError, "")
    assert barrier.reset() is None
    assert (barrier.broken, barrier.n_waiting) == (False, 0)


def test_barrier_abort_and_reset_release_the_waiters(mods: Mods) -> None:
    th = mods["threading"]
    barrier = th.Barrier(2)
    errors: list[tuple[type[BaseException], str]] = []

    def party() -> None:
        errors.append(raised(lambda: barrier.wait(TIMEOUT)))

    worker = spawn(th, party)
    assert wait_until(lambda: barrier.n_waiting == 1)
    assert barrier.abort() is None
    finish(worker)
    assert errors == [(th.BrokenBarrierError, "")]
    assert barrier.broken is True
    assert raised(barrier.wait) == (th.BrokenBarrierError, "")

    barrier.reset()
    assert barrier.broken is False
    worker = spawn(th, party)
    assert wait_until(lambda: barrier.n_waiting == 1)
    barrier.reset()
    finish(worker)
    assert errors[1:] == [(th.BrokenBarrierError, "")]
    assert (barrier.broken, barrier.n_waiting) == (False, 0)

    indexes: list[int] = []
    worker = spawn(th, lambda: indexes.append(barrier.wait(TIMEOUT)))
    indexes.append(barrier.wait(TIMEOUT))
    finish(worker)
    assert sorted(indexes) == [0, 1], "the barrier is not usable after reset()"


# -- Thread ------------------------------------------------------------------------------------


def test_thread_can_only_be_started_once(mods: Mods) -> None:
    th = mods["threading"]
    gate = std_threading.Event()
    worker = th.Thread(target=gate.wait, args=(TIMEOUT,), daemon=True)
    assert worker.start() is None
    assert raised(worker.start) == (RuntimeError, "threads can only be started once")
    gate.set()
    finish(worker)
    assert raised(worker.start) == (RuntimeError, "threads can only be started once")


def test_thread_join_errors(mods: Mods) -> None:
    th = mods["threading"]
    worker = th.Thread(target=lambda: None, daemon=True)
    assert raised(worker.join) == (RuntimeError, "cannot join thread before it is started")
    assert raised(lambda: worker.join(SHORT)) == (
        RuntimeError,
        "cannot join thread before it is started",
    )
    current = (RuntimeError, "cannot join current thread")
    assert raised(lambda: in_thread(th, lambda: th.current_thread().join())) == current
    assert raised(lambda: in_thread(th, lambda: th.current_thread().join(SHORT))) == current
    assert raised(th.current_thread().join) == current
    worker.start()
    finish(worker)


def test_thread_join_with_timeout_returns_none_while_alive(mods: Mods) -> None:
    th = mods["threading"]
    gate = std_threading.Event()
    worker = th.Thread(target=gate.wait, args=(TIMEOUT,), daemon=True)
    assert worker.is_alive() is False
    worker.start()
    assert worker.is_alive() is True
    started = std_time.monotonic()
    assert worker.join(SHORT) is None
    assert since(started) >= SHORT - EARLY
    assert worker.is_alive() is True
    assert worker.join(timeout=0) is None
    assert worker.is_alive() is True
    gate.set()
    assert worker.join(TIMEOUT) is None
    assert worker.is_alive() is False
    assert worker.join() is None  # joining a finished thread returns at once


def test_thread_subclass_overriding_run(mods: Mods) -> None:
    th = mods["threading"]
    seen: list[tuple[str, Any]] = []

    class Worker(th.Thread):  # type: ignore[name-defined,misc]
        def __init__(self, label: str) -> None:
            super().__init__(name=label, daemon=True)
            self.label = label

        def run(self) -> None:
            seen.append((self.label, th.current_thread()))

    worker = Worker("Hilo-7")
    assert isinstance(worker, th.Thread)
    assert worker.name == "Hilo-7"
    worker.start()
    finish(worker)
    assert seen == [("Hilo-7", worker)]


def test_thread_subclass_that_forgets_to_call_init(mods: Mods) -> None:
    th = mods["threading"]

    class Forgetful(th.Thread):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            pass

    class StdForgetful(std_threading.Thread):
        def __init__(self) -> None:
            pass

    expected = raised(StdForgetful().start)
    assert expected == (RuntimeError, "thread.__init__() not called")
    assert raised(Forgetful().start) == expected


def test_thread_passes_args_and_kwargs_to_its_target(mods: Mods) -> None:
    th = mods["threading"]
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def target(*args: Any, **kwargs: Any) -> str:
        calls.append((args, kwargs))
        return "ignored"

    workers = [
        th.Thread(target=target, args=(1, "a"), kwargs={"k": 2}),
        th.Thread(target=target, args=[3]),
        th.Thread(None, target, None, (4,), {"x": 5}),
        th.Thread(target=target),
        th.Thread(),  # no target: run() does nothing
    ]
    for worker in workers:
        worker.start()
        finish(worker)
    assert calls == [((1, "a"), {"k": 2}), ((3,), {}), ((4,), {"x": 5}), ((), {})]


def test_thread_names(mods: Mods) -> None:
    th = mods["threading"]

    def work() -> None:
        pass

    assert re.fullmatch(r"Thread-\d+ \(work\)", th.Thread(target=work).name)
    assert re.fullmatch(r"Thread-\d+ \(<lambda>\)", th.Thread(target=lambda: None).name)
    assert re.fullmatch(r"Thread-\d+", th.Thread(target=functools.partial(work)).name)
    first, second = th.Thread().name, th.Thread().name
    assert re.fullmatch(r"Thread-\d+", first) and re.fullmatch(r"Thread-\d+", second)
    assert int(second.split("-")[1]) > int(first.split("-")[1])
    assert re.fullmatch(r"Thread-\d+", th.Timer(1, work).name)
    assert th.Thread(name="worker", target=work).name == "worker"
    assert th.Thread(name=7).name == "7"
    assert re.fullmatch(r"Thread-\d+ \(work\)", th.Thread(name="", target=work).name)
    renamed = th.Thread(target=work)
    renamed.name = "renamed"
    assert renamed.name == "renamed"
    names: list[str] = []
    named = th.Thread(target=lambda: names.append(th.current_thread().name), name="Hilo-1")
    named.start()
    finish(named)
    assert names == ["Hilo-1"]


def test_thread_repr_shows_its_state(mods: Mods) -> None:
    th = mods["threading"]
    gate = std_threading.Event()
    worker = th.Thread(target=gate.wait, args=(TIMEOUT,), name="w", daemon=True)
    assert repr(worker) == "<Thread(w, initial daemon)>"
    worker.start()
    assert re.fullmatch(r"<Thread\(w, started daemon \d+\)>", repr(worker))
    gate.set()
    finish(worker)
    assert re.fullmatch(r"<Thread\(w, stopped daemon \d+\)>", repr(worker))


def test_thread_daemon_flag(mods: Mods) -> None:
    th = mods["threading"]
    assert th.Thread().daemon is th.current_thread().daemon
    assert th.Thread().daemon is False  # the test runs in a non-daemon thread
    assert th.Thread(daemon=True).daemon is True
    assert in_thread(th, lambda: th.Thread().daemon) is True  # in_thread's threads are daemons

    flags: list[bool] = []

    def child_of_non_daemon() -> None:
        flags.append(th.Thread().daemon)

    parent = th.Thread(target=child_of_non_daemon, daemon=False)
    parent.start()
    finish(parent)
    assert flags == [False]

    worker = th.Thread(target=lambda: None)
    worker.daemon = True
    assert worker.daemon is True
    gate = std_threading.Event()
    running = th.Thread(target=gate.wait, args=(TIMEOUT,), daemon=True)
    running.start()

    def clear_daemon() -> None:
        running.daemon = False

    try:
        assert raised(clear_daemon) == (RuntimeError, "cannot set daemon status of active thread")
        assert running.daemon is True
    finally:
        gate.set()
    finish(running)


def test_thread_ident_and_native_id(mods: Mods) -> None:
    th = mods["threading"]
    inside: list[tuple[Any, ...]] = []

    def record() -> None:
        me = th.current_thread()
        inside.append((th.get_ident(), me.ident, std_threading.get_native_id(), me.native_id))

    worker = th.Thread(target=record)
    assert (worker.ident, worker.native_id) == (None, None)
    worker.start()
    finish(worker)
    assert isinstance(worker.ident, int) and isinstance(worker.native_id, int)
    assert inside == [(worker.ident, worker.ident, worker.native_id, worker.native_id)]
    assert worker.ident != th.get_ident()
    assert th.get_ident() == th.current_thread().ident


def test_current_and_main_thread(mods: Mods) -> None:
    th = mods["threading"]
    seen: list[tuple[Any, Any]] = []
    worker = th.Thread(target=lambda: seen.append((th.current_thread(), th.main_thread())))
    worker.start()
    finish(worker)
    assert seen == [(worker, th.main_thread())]
    assert th.main_thread() is not worker
    assert th.main_thread().is_alive()
    assert th.main_thread() is th.current_thread()  # pytest runs tests in the main thread
    assert th.current_thread() is th.current_thread()


def test_current_thread_is_a_thread_in_any_thread(mods: Mods) -> None:
    th = mods["threading"]
    assert isinstance(th.current_thread(), th.Thread)
    assert in_thread(th, lambda: isinstance(th.current_thread(), th.Thread)) is True
    foreign: list[bool] = []
    other = std_threading.Thread(
        target=lambda: foreign.append(isinstance(th.current_thread(), th.Thread))
    )
    other.start()
    other.join(TIMEOUT)
    assert foreign == [True]


def test_enumerate_and_active_count(mods: Mods) -> None:
    th = mods["threading"]
    assert th.current_thread() in th.enumerate()
    assert th.active_count() >= 1
    gate = std_threading.Event()
    worker = spawn(th, gate.wait, TIMEOUT)
    try:
        assert worker in th.enumerate()
        assert th.active_count() >= 2
    finally:
        gate.set()
    finish(worker)
    assert worker not in th.enumerate()
    assert th.current_thread() in th.enumerate()


def test_local_keeps_a_value_per_thread(mods: Mods) -> None:
    th = mods["threading"]
    data = th.local()
    data.value = "main"

    def other() -> tuple[bool, str]:
        had = hasattr(data, "value")
        data.value = "other"
        return had, data.value

    assert in_thread(th, other) == (False, "other")
    assert data.value == "main"


@pytest.mark.parametrize(
    ("error", "args"), [(KeyError, ("boom",)), (SystemExit, (3,))], ids=["KeyError", "SystemExit"]
)
def test_an_exception_in_a_thread_goes_to_excepthook(
    mods: Mods, error: type[BaseException], args: tuple[Any, ...]
) -> None:
    th = mods["threading"]
    seen: list[tuple[Any, ...]] = []

    def hook(hook_args: Any) -> None:
        seen.append(
            (
                hook_args.exc_type,
                str(hook_args.exc_value),
                hook_args.exc_traceback is not None,
                hook_args.thread,
            )
        )

    def fail() -> None:
        raise error(*args)

    original = th.excepthook
    th.excepthook = hook
    try:
        worker = th.Thread(target=fail)
        worker.start()
        finish(worker)
    finally:
        th.excepthook = original
    assert seen == [(error, str(error(*args)), True, worker)]


def test_module_constants(mods: Mods) -> None:
    th = mods["threading"]
    assert isinstance(th.TIMEOUT_MAX, float)
    assert th.TIMEOUT_MAX == std_threading.TIMEOUT_MAX
    assert th.ThreadError is RuntimeError
    assert th.BrokenBarrierError is std_threading.BrokenBarrierError
    assert callable(th.excepthook)


@pytest.mark.parametrize(
    ("sub", "base", "expected"),
    [
        ("threading.BoundedSemaphore", "threading.Semaphore", True),
        ("threading.Timer", "threading.Thread", True),
        ("queue.LifoQueue", "queue.Queue", True),
        ("queue.PriorityQueue", "queue.Queue", True),
        ("queue.SimpleQueue", "queue.Queue", False),
    ],
)
def test_class_relationships(mods: Mods, sub: str, base: str, expected: bool) -> None:
    assert issubclass(resolve(mods, sub), resolve(mods, base)) is expected


# -- Timer -------------------------------------------------------------------------------------


def test_timer_fires_after_its_interval(mods: Mods) -> None:
    th = mods["threading"]
    calls: list[tuple[Any, ...]] = []

    def fire(*args: Any, **kwargs: Any) -> None:
        calls.append((args, kwargs, std_time.monotonic(), th.current_thread()))

    timer = th.Timer(SHORT, fire, args=(1, "a"), kwargs={"k": 2})
    started = std_time.monotonic()
    timer.start()
    finish(timer)
    assert [call[:2] for call in calls] == [((1, "a"), {"k": 2})]
    assert calls[0][2] - started >= SHORT - EARLY
    assert calls[0][3] is timer

    plain = th.Timer(0, fire)
    plain.start()
    finish(plain)
    assert calls[1][:2] == ((), {})


def test_timer_cancelled_does_not_fire(mods: Mods) -> None:
    th = mods["threading"]
    fired: list[str] = []
    timer = th.Timer(TIMEOUT, fired.append, args=("late",))
    timer.start()
    assert timer.cancel() is None
    finish(timer)  # it ends long before its interval
    early = th.Timer(0, fired.append, args=("early",))
    early.cancel()  # before start
    early.start()
    finish(early)
    assert fired == []


# -- queue -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("Queue", [(3, "c"), (1, "a"), (2, "b")]),
        ("LifoQueue", [(2, "b"), (1, "a"), (3, "c")]),
        ("PriorityQueue", [(1, "a"), (2, "b"), (3, "c")]),
        ("SimpleQueue", [(3, "c"), (1, "a"), (2, "b")]),
    ],
)
def test_queue_order(mods: Mods, kind: str, expected: list[tuple[int, str]]) -> None:
    q = getattr(mods["queue"], kind)()
    assert q.empty() is True and q.qsize() == 0
    for item in [(3, "c"), (1, "a"), (2, "b")]:
        assert q.put(item) is None
    assert q.qsize() == 3 and q.empty() is False
    assert [q.get(), q.get(timeout=TIMEOUT), q.get_nowait()] == expected
    assert q.empty() is True


def test_queue_exceptions_are_the_standard_ones(mods: Mods) -> None:
    qm = mods["queue"]
    assert qm.Empty is std_queue.Empty
    assert qm.Full is std_queue.Full


def test_queue_maxsize_and_full(mods: Mods) -> None:
    qm = mods["queue"]
    q = qm.Queue(maxsize=2)
    assert q.maxsize == 2
    q.put("a")
    assert q.full() is False
    q.put("b")
    assert (q.full(), q.qsize()) == (True, 2)
    q.get()
    assert q.full() is False
    for unbounded in (qm.Queue(), qm.Queue(0), qm.Queue(-1), qm.LifoQueue(), qm.PriorityQueue()):
        for i in range(100):
            unbounded.put(i, block=False)
        assert unbounded.full() is False and unbounded.qsize() == 100


def test_queue_nonblocking_calls_raise_full_and_empty(mods: Mods) -> None:
    qm = mods["queue"]
    q = qm.Queue(1)
    assert raised(q.get_nowait) == (qm.Empty, "")
    assert raised(lambda: q.get(block=False)) == (qm.Empty, "")
    assert raised(lambda: q.get(False, -1)) == (qm.Empty, "")  # no timeout check when not blocking
    assert raised(lambda: q.get(True, 0)) == (qm.Empty, "")
    q.put_nowait("a")
    assert raised(lambda: q.put_nowait("b")) == (qm.Full, "")
    assert raised(lambda: q.put("b", block=False)) == (qm.Full, "")
    assert raised(lambda: q.put("b", False, -1)) == (qm.Full, "")
    assert raised(lambda: q.put("b", True, 0)) == (qm.Full, "")
    assert q.qsize() == 1 and q.get_nowait() == "a"


def test_queue_timeouts(mods: Mods) -> None:
    qm = mods["queue"]
    q = qm.Queue(maxsize=1)
    started = std_time.monotonic()
    assert raised(lambda: q.get(timeout=SHORT)) == (qm.Empty, "")
    assert since(started) >= SHORT - EARLY
    q.put("a")
    started = std_time.monotonic()
    assert raised(lambda: q.put("b", timeout=SHORT)) == (qm.Full, "")
    assert since(started) >= SHORT - EARLY
    assert q.get(timeout=SHORT) == "a"


def test_queue_negative_timeout(mods: Mods) -> None:
    qm = mods["queue"]
    negative = (ValueError, "'timeout' must be a non-negative number")
    bounded = qm.Queue(2)
    assert raised(lambda: bounded.put("a", timeout=-1)) == negative  # even with room
    assert raised(lambda: bounded.get(timeout=-1)) == negative
    bounded.put("a")
    assert raised(lambda: bounded.get(True, -0.5)) == negative  # even with an item
    assert bounded.qsize() == 1
    unbounded = qm.Queue()
    assert unbounded.put("a", timeout=-1) is None  # an unbounded queue never checks it
    assert raised(lambda: unbounded.get(timeout=-1)) == negative
    simple = qm.SimpleQueue()
    assert simple.put("a", timeout=-1) is None
    assert raised(lambda: simple.get(timeout=-1)) == negative
    assert simple.get_nowait() == "a"


def test_queue_blocking_put_and_get_wait_for_each_other(mods: Mods) -> None:
    th, qm = mods["threading"], mods["queue"]
    q = qm.Queue(maxsize=1)
    got: list[Any] = []
    getter = spawn(th, lambda: got.append(q.get(timeout=TIMEOUT)))
    std_time.sleep(SETTLE)
    assert got == [], "get() returned from an empty queue"
    q.put("first")
    finish(getter)
    assert got == ["first"]

    q.put("a")
    putter = spawn(th, lambda: q.put("b", timeout=TIMEOUT))
    putter.join(SETTLE)
    assert putter.is_alive(), "put() did not wait for room"
    assert q.get(timeout=TIMEOUT) == "a"
    finish(putter)
    assert q.get_nowait() == "b"


def test_queue_task_done_and_join(mods: Mods) -> None:
    th, qm = mods["threading"], mods["queue"]
    q = qm.Queue()
    too_many = (ValueError, "task_done() called too many times")
    assert raised(q.task_done) == too_many
    assert q.join() is None  # nothing unfinished: returns at once
    for i in range(3):
        q.put(i)
    gate = std_threading.Event()
    done: list[int] = []
    joined: list[list[int]] = []

    def consume() -> None:
        for _ in range(3):
            item = q.get(timeout=TIMEOUT)
            gate.wait(TIMEOUT)
            done.append(item)
            q.task_done()

    def join_queue() -> None:
        q.join()
        joined.append(list(done))

    consumer = spawn(th, consume)
    joiner = spawn(th, join_queue)
    joiner.join(SETTLE)
    assert joiner.is_alive() and joined == [], "join() returned before any task_done()"
    gate.set()
    finish(consumer, joiner)
    assert joined == [[0, 1, 2]]
    assert raised(q.task_done) == too_many


@pytest.mark.parametrize("kind", ["Queue", "SimpleQueue"])
def test_queue_carries_every_item_between_threads(mods: Mods, kind: str) -> None:
    th, qm = mods["threading"], mods["queue"]
    q = qm.Queue(maxsize=4) if kind == "Queue" else qm.SimpleQueue()
    producers, consumers, per_producer = 3, 2, 100
    received: list[list[tuple[int, int]]] = [[] for _ in range(consumers)]

    def produce(p: int) -> None:
        for i in range(per_producer):
            q.put((p, i), timeout=TIMEOUT)

    def consume(c: int) -> None:
        while (item := q.get(timeout=TIMEOUT)) is not None:
            received[c].append(item)

    consumer_threads = [spawn(th, consume, c) for c in range(consumers)]
    finish(*[spawn(th, produce, p) for p in range(producers)])
    for _ in consumer_threads:
        q.put(None, timeout=TIMEOUT)
    finish(*consumer_threads)
    everything = sorted(item for items in received for item in items)
    assert everything == [(p, i) for p in range(producers) for i in range(per_producer)]
    for items in received:  # first in, first out: each producer's items stay in order
        for p in range(producers):
            mine = [i for (q_p, i) in items if q_p == p]
            assert mine == sorted(mine)


def test_simple_queue(mods: Mods) -> None:
    qm = mods["queue"]
    q = qm.SimpleQueue()
    assert raised(q.get_nowait) == (qm.Empty, "")
    assert raised(lambda: q.get(False)) == (qm.Empty, "")
    started = std_time.monotonic()
    assert raised(lambda: q.get(timeout=SHORT)) == (qm.Empty, "")
    assert since(started) >= SHORT - EARLY
    for i in range(100):
        q.put(i, block=False)  # never full
    q.put_nowait(100)
    assert (q.qsize(), q.empty()) == (101, False)
    assert [q.get() for _ in range(101)] == list(range(101))
    assert not [name for name in ("task_done", "join", "full", "maxsize") if hasattr(q, name)]


def test_primitives_work_in_threads_the_module_did_not_create(mods: Mods) -> None:
    th, qm = mods["threading"], mods["queue"]
    lock, q, event = th.Lock(), qm.Queue(), th.Event()
    results: list[Any] = []

    def foreign() -> None:
        with lock:
            results.append(q.get(timeout=TIMEOUT))
        event.set()

    other = std_threading.Thread(target=foreign, daemon=True)
    other.start()
    q.put("hello")
    assert event.wait(TIMEOUT) is True
    other.join(TIMEOUT)
    assert not other.is_alive()
    assert results == ["hello"]
    assert lock.acquire(False) is True
    lock.release()


# -- time --------------------------------------------------------------------------------------


def test_sleep_waits_at_least_that_long(mods: Mods) -> None:
    tm = mods["time"]
    started = std_time.monotonic()
    assert tm.sleep(0.02) is None
    assert since(started) >= 0.02 - EARLY
    assert tm.sleep(0) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(-1, "sleep length must be non-negative", id="-1"),
        pytest.param(-0.001, "sleep length must be non-negative", id="-0.001"),
        # Compared with the standard library's own message:
        pytest.param(math.nan, None, id="nan"),
        pytest.param("1", None, id="str"),
        pytest.param(None, None, id="None"),
    ],
)
def test_sleep_argument_errors(mods: Mods, value: Any, message: str | None) -> None:
    expected = outcome(lambda: std_time.sleep(value))
    assert expected[0] != "returned", "a bad case: the standard library accepts it"
    if message is not None:
        assert expected == (ValueError, message)
    assert outcome(lambda: mods["time"].sleep(value)) == expected


def test_clocks(mods: Mods) -> None:
    tm = mods["time"]
    readings = [(tm.monotonic(), tm.perf_counter(), tm.time())]
    tm.sleep(0.01)
    readings.append((tm.monotonic(), tm.perf_counter(), tm.time()))
    (m0, p0, _), (m1, p1, t1) = readings
    assert m1 > m0 and p1 > p0
    assert all(isinstance(value, float) for reading in readings for value in reading)
    assert abs(t1 - std_time.time()) < 60


# -- the traced modules' shape -----------------------------------------------------------------

PUBLIC_NAMES = {
    "threading": [
        "Thread",
        "Timer",
        "Lock",
        "RLock",
        "Condition",
        "Semaphore",
        "BoundedSemaphore",
        "Event",
        "Barrier",
        "current_thread",
        "main_thread",
        "active_count",
        "enumerate",
        "get_ident",
        "local",
        "ThreadError",
        "BrokenBarrierError",
        "TIMEOUT_MAX",
        "excepthook",
    ],
    "queue": ["Queue", "LifoQueue", "PriorityQueue", "SimpleQueue", "Empty", "Full"],
    "time": ["sleep", "time", "monotonic", "perf_counter"],
}

# Every public callable above whose standard version has an inspectable signature. Left out,
# because the standard ones are builtins without one: Lock and its methods, RLock's methods,
# get_ident, local, excepthook and everything in `time`. Also left out: RLock itself, a
# factory taking (*args, **kwargs) that it ignores (deprecated in Python 3.14).
# "SimpleQueue()" stands for an instance: its methods are builtins whose bound signatures exist.
SIGNATURES = [
    "threading.Thread",
    "threading.Thread.start",
    "threading.Thread.run",
    "threading.Thread.join",
    "threading.Thread.is_alive",
    "threading.Timer",
    "threading.Timer.cancel",
    "threading.Condition",
    "threading.Condition.wait",
    "threading.Condition.wait_for",
    "threading.Condition.notify",
    "threading.Condition.notify_all",
    "threading.Semaphore",
    "threading.Semaphore.acquire",
    "threading.Semaphore.release",
    "threading.Semaphore.__enter__",
    "threading.Semaphore.__exit__",
    "threading.BoundedSemaphore",
    "threading.BoundedSemaphore.acquire",
    "threading.BoundedSemaphore.release",
    "threading.Event",
    "threading.Event.is_set",
    "threading.Event.set",
    "threading.Event.clear",
    "threading.Event.wait",
    "threading.Barrier",
    "threading.Barrier.wait",
    "threading.Barrier.reset",
    "threading.Barrier.abort",
    "threading.current_thread",
    "threading.main_thread",
    "threading.active_count",
    "threading.enumerate",
    "queue.Queue",
    "queue.Queue.put",
    "queue.Queue.put_nowait",
    "queue.Queue.get",
    "queue.Queue.get_nowait",
    "queue.Queue.task_done",
    "queue.Queue.join",
    "queue.Queue.qsize",
    "queue.Queue.empty",
    "queue.Queue.full",
    "queue.LifoQueue",
    "queue.PriorityQueue",
    "queue.SimpleQueue",
    "queue.SimpleQueue().put",
    "queue.SimpleQueue().put_nowait",
    "queue.SimpleQueue().get",
    "queue.SimpleQueue().get_nowait",
    "queue.SimpleQueue().empty",
    "queue.SimpleQueue().qsize",
]


def resolve(modules: Mods, dotted: str) -> Any:
    module, *path = dotted.split(".")
    obj: Any = modules[module]
    for part in path:
        obj = getattr(obj, part[:-2])() if part.endswith("()") else getattr(obj, part)
    return obj


def shape(obj: Any) -> list[tuple[str, Any, Any]]:
    """Names, kinds and defaults of the parameters: what callers rely on (not annotations)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(obj).parameters.values()]


def test_traced_modules_expose_the_public_names(traced: Mods) -> None:
    for module, names in PUBLIC_NAMES.items():
        missing = [name for name in names if not hasattr(traced[module], name)]
        assert not missing, f"the traced {module} lacks {missing}"
        std = STD[module]
        differ = [
            name
            for name in names
            if callable(getattr(std, name)) != callable(getattr(traced[module], name))
        ]
        assert not differ, f"callable in one {module} and not in the other: {differ}"


@pytest.mark.parametrize("dotted", SIGNATURES)
def test_traced_signatures_match(traced: Mods, dotted: str) -> None:
    assert shape(resolve(traced, dotted)) == shape(resolve(STD, dotted))
