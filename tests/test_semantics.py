"""One battery, two implementations: the standard modules and Hilos's traced ones.

Every test takes `mods` and must behave identically under both (same return values, same
exception types and messages). The traced half's traces are checked by conftest.
"""

from __future__ import annotations

import inspect
import queue as std_queue
import re
import threading as std_threading
import time as std_time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from app.tracing import Recorder

pytestmark = pytest.mark.timeout(20)

Mods = dict[str, ModuleType]


@pytest.fixture(params=["std", "traced"])
def mods(request: pytest.FixtureRequest) -> Iterator[Mods]:
    if request.param == "std":
        yield {"threading": std_threading, "queue": std_queue, "time": std_time}
        return
    rec = Recorder()
    yield rec.modules
    rec.finish()


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[type[BaseException], str]:
    with pytest.raises(Exception) as info:
        call(*args, **kwargs)
    return info.type, str(info.value)


def in_thread(th: ModuleType, fn: Any, *args: Any) -> Any:
    box: list[Any] = []
    worker = th.Thread(target=lambda: box.append(fn(*args)), daemon=True)
    worker.start()
    worker.join(5)
    assert box, "the helper thread did not finish"
    return box[0]


# -- Lock ------------------------------------------------------------------------------------


def test_lock_acquire_release_and_return_values(mods: Mods) -> None:
    th = mods["threading"]
    lock = th.Lock()
    assert lock.acquire() is True
    assert lock.locked()
    assert lock.acquire(False) is False
    assert in_thread(th, lock.acquire, False) is False
    started = std_time.monotonic()
    assert lock.acquire(timeout=0.05) is False
    assert std_time.monotonic() - started >= 0.04
    lock.release()
    assert not lock.locked()
    with lock:
        assert lock.locked()
    assert "unlocked" in repr(lock)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((False, 1), (ValueError, "can't specify a timeout for a non-blocking call")),
        ((True, -2), (ValueError, "timeout value must be positive")),
        ((True, 1e20), (OverflowError, None)),
    ],
)
def test_lock_acquire_argument_errors(mods: Mods, args: tuple[Any, ...], expected: Any) -> None:
    kind, message = error_of(mods["threading"].Lock().acquire, *args)
    assert kind is expected[0]
    if expected[1] is not None:
        assert message == expected[1]


def test_release_of_an_unheld_lock(mods: Mods) -> None:
    assert error_of(mods["threading"].Lock().release) == (RuntimeError, "release unlocked lock")


def test_a_lock_may_be_released_by_another_thread(mods: Mods) -> None:
    th = mods["threading"]
    lock = th.Lock()
    lock.acquire()
    in_thread(th, lock.release)
    assert not lock.locked()


# -- RLock -----------------------------------------------------------------------------------


def test_rlock_is_reentrant_and_owned(mods: Mods) -> None:
    th = mods["threading"]
    rlock = th.RLock()
    assert rlock.acquire() and rlock.acquire()
    assert in_thread(th, rlock.acquire, False) is False
    assert in_thread(th, lambda: error_of(rlock.release)) == (
        RuntimeError,
        "cannot release un-acquired lock",
    )
    rlock.release()
    assert in_thread(th, rlock.acquire, False) is False  # still held once
    rlock.release()
    assert in_thread(th, lambda: (rlock.acquire(False), rlock.release())[0]) is True
    assert error_of(rlock.release) == (RuntimeError, "cannot release un-acquired lock")


# -- Condition -------------------------------------------------------------------------------


@pytest.mark.parametrize("explicit_lock", [False, True])
def test_condition_wait_notify_and_notify_all(mods: Mods, explicit_lock: bool) -> None:
    th = mods["threading"]
    cond = th.Condition(th.Lock()) if explicit_lock else th.Condition()
    ready: list[int] = []
    woken: list[int] = []

    def waiter(n: int) -> None:
        with cond:
            ready.append(n)
            cond.wait()
            woken.append(n)

    workers = [th.Thread(target=waiter, args=(i,), daemon=True) for i in range(3)]
    for w in workers:
        w.start()
    deadline = std_time.monotonic() + 5
    while len(ready) < 3 and std_time.monotonic() < deadline:
        std_time.sleep(0.005)
    with cond:
        cond.notify()
    deadline = std_time.monotonic() + 5
    while len(woken) < 1 and std_time.monotonic() < deadline:
        std_time.sleep(0.005)
    assert len(woken) == 1
    with cond:
        cond.notify_all()
    for w in workers:
        w.join(5)
    assert sorted(woken) == [0, 1, 2]


def test_condition_timeouts_and_wait_for(mods: Mods) -> None:
    th = mods["threading"]
    cond = th.Condition()
    with cond:
        assert cond.wait(0.02) is False
        assert cond.wait_for(lambda: 0, timeout=0.02) == 0
        assert cond.wait_for(lambda: "yes", timeout=0.02) == "yes"


def test_condition_needs_its_lock(mods: Mods) -> None:
    cond = mods["threading"].Condition()
    assert error_of(cond.wait) == (RuntimeError, "cannot wait on un-acquired lock")
    assert error_of(cond.notify) == (RuntimeError, "cannot notify on un-acquired lock")


# -- Semaphore -------------------------------------------------------------------------------


def test_semaphore_counts_and_times_out(mods: Mods) -> None:
    th = mods["threading"]
    sem = th.Semaphore(2)
    assert sem.acquire() and sem.acquire(blocking=False)
    assert sem.acquire(blocking=False) is False
    assert sem.acquire(timeout=0.02) is False
    sem.release(2)
    assert sem.acquire(timeout=0.02) is True
    assert error_of(sem.acquire, False, 1) == (
        ValueError,
        "can't specify timeout for non-blocking acquire",
    )
    assert error_of(sem.release, 0) == (ValueError, "n must be one or more")
    assert error_of(th.Semaphore, -1) == (ValueError, "semaphore initial value must be >= 0")


def test_bounded_semaphore_refuses_over_release(mods: Mods) -> None:
    sem = mods["threading"].BoundedSemaphore(1)
    assert error_of(sem.release) == (ValueError, "Semaphore released too many times")
    with sem:
        pass


# -- Event -----------------------------------------------------------------------------------


def test_event_flag_and_waiting(mods: Mods) -> None:
    th = mods["threading"]
    event = th.Event()
    assert event.is_set() is False
    assert event.wait(0.02) is False
    setter = th.Timer(0.02, event.set)
    setter.start()
    assert event.wait(5) is True
    assert event.is_set()
    event.clear()
    assert event.is_set() is False
    setter.join()


# -- Barrier ---------------------------------------------------------------------------------


def test_barrier_indexes_action_abort_and_reset(mods: Mods) -> None:
    th = mods["threading"]
    actions: list[int] = []
    barrier = th.Barrier(3, action=lambda: actions.append(1))
    indexes: list[int] = []
    workers = [
        th.Thread(target=lambda: indexes.append(barrier.wait()), daemon=True) for _ in range(3)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(5)
    assert sorted(indexes) == [0, 1, 2] and actions == [1]
    assert barrier.parties == 3 and barrier.n_waiting == 0 and not barrier.broken
    with pytest.raises(th.BrokenBarrierError):
        barrier.wait(0.02)
    assert barrier.broken
    barrier.reset()
    assert not barrier.broken
    barrier.abort()
    assert barrier.broken


# -- Thread ----------------------------------------------------------------------------------


def test_thread_lifecycle_errors(mods: Mods) -> None:
    th = mods["threading"]
    gate = th.Event()
    worker = th.Thread(target=gate.wait, daemon=True)
    assert worker.ident is None and worker.native_id is None
    assert error_of(worker.join) == (RuntimeError, "cannot join thread before it is started")
    worker.start()
    assert isinstance(worker.ident, int) and isinstance(worker.native_id, int)
    assert error_of(worker.start) == (RuntimeError, "threads can only be started once")
    assert worker.join(0.02) is None
    assert worker.is_alive()

    def set_daemon() -> None:
        worker.daemon = False

    assert error_of(set_daemon) == (RuntimeError, "cannot set daemon status of active thread")
    gate.set()
    worker.join(5)
    assert not worker.is_alive()
    assert in_thread(th, lambda: error_of(th.current_thread().join)) == (
        RuntimeError,
        "cannot join current thread",
    )


def test_thread_names_subclasses_and_arguments(mods: Mods) -> None:
    th = mods["threading"]

    def target(a: int, b: int = 0) -> None:
        pass

    assert re.fullmatch(r"Thread-\d+ \(target\)", th.Thread(target=target).name)
    assert re.fullmatch(r"Thread-\d+", th.Thread().name)
    results: list[Any] = []

    class Named(th.Thread):  # type: ignore[name-defined,misc]
        def __init__(self, name: str) -> None:
            super().__init__(name=name)

        def run(self) -> None:
            results.append(th.current_thread().name)

    named = Named("Hilo-7")
    named.start()
    named.join()
    assert results == ["Hilo-7"]
    with_args = th.Thread(target=lambda *a, **k: results.append((a, k)), args=(1,), kwargs={"x": 2})
    with_args.start()
    with_args.join()
    assert results[-1] == ((1,), {"x": 2})


def test_module_functions(mods: Mods) -> None:
    th = mods["threading"]
    assert th.current_thread() in th.enumerate()
    assert th.active_count() >= 1
    assert th.get_ident() == th.current_thread().ident
    assert th.ThreadError is RuntimeError
    assert isinstance(th.TIMEOUT_MAX, float)
    assert th.BrokenBarrierError is std_threading.BrokenBarrierError
    local = th.local()
    local.value = "main"
    assert in_thread(th, lambda: getattr(local, "value", None)) is None
    assert local.value == "main"
    assert in_thread(th, lambda: th.current_thread().daemon) is True


def test_thread_exceptions_reach_excepthook(mods: Mods) -> None:
    th = mods["threading"]
    seen: list[Any] = []
    original = th.excepthook
    th.excepthook = lambda args: seen.append((args.exc_type, str(args.exc_value), args.thread))
    try:

        def fail() -> None:
            raise KeyError("boom")

        worker = th.Thread(target=fail)
        worker.start()
        worker.join()
    finally:
        th.excepthook = original
    assert seen == [(KeyError, "'boom'", worker)]


def test_timer_fires_with_arguments_or_is_cancelled(mods: Mods) -> None:
    th = mods["threading"]
    fired: list[Any] = []
    timer = th.Timer(0.02, lambda *a, **k: fired.append((a, k)), args=(1,), kwargs={"k": 2})
    timer.start()
    timer.join(5)
    assert fired == [((1,), {"k": 2})]
    cancelled = th.Timer(5, fired.append, args=("never",))
    cancelled.start()
    cancelled.cancel()
    cancelled.join(5)
    assert not cancelled.is_alive() and fired == [((1,), {"k": 2})]


# -- queue -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("Queue", [3, 1, 2]), ("LifoQueue", [2, 1, 3]), ("PriorityQueue", [1, 2, 3])],
)
def test_queue_orders(mods: Mods, kind: str, expected: list[int]) -> None:
    q = getattr(mods["queue"], kind)()
    for item in (3, 1, 2):
        q.put(item)
    assert q.qsize() == 3 and not q.empty()
    assert [q.get() for _ in range(3)] == expected
    assert q.empty()


def test_queue_bounds_timeouts_and_errors(mods: Mods) -> None:
    qm = mods["queue"]
    assert qm.Empty is std_queue.Empty and qm.Full is std_queue.Full
    q = qm.Queue(maxsize=1)
    q.put("a")
    assert q.full()
    with pytest.raises(qm.Full):
        q.put("b", block=False)
    with pytest.raises(qm.Full):
        q.put_nowait("b")
    started = std_time.monotonic()
    with pytest.raises(qm.Full):
        q.put("b", timeout=0.05)
    assert std_time.monotonic() - started >= 0.04
    assert error_of(q.put, "b", True, -1) == (ValueError, "'timeout' must be a non-negative number")
    assert q.get() == "a"
    with pytest.raises(qm.Empty):
        q.get_nowait()
    with pytest.raises(qm.Empty):
        q.get(timeout=0.02)
    assert error_of(q.get, True, -1) == (ValueError, "'timeout' must be a non-negative number")
    q.task_done()
    assert error_of(q.task_done) == (ValueError, "task_done() called too many times")


def test_queue_join_waits_for_every_task_done(mods: Mods) -> None:
    th, qm = mods["threading"], mods["queue"]
    q = qm.Queue()
    got: list[int] = []

    def consume() -> None:
        for _ in range(5):
            got.append(q.get())
            q.task_done()

    worker = th.Thread(target=consume, daemon=True)
    worker.start()
    for i in range(5):
        q.put(i)
    q.join()
    assert got == [0, 1, 2, 3, 4]
    worker.join(5)


def test_simple_queue(mods: Mods) -> None:
    q = mods["queue"].SimpleQueue()
    q.put(1)
    q.put_nowait(2)
    assert (q.qsize(), q.empty()) == (2, False)
    assert [q.get(), q.get_nowait()] == [1, 2]
    with pytest.raises(std_queue.Empty):
        q.get(timeout=0.02)


# -- time ------------------------------------------------------------------------------------


def test_sleep(mods: Mods) -> None:
    tm = mods["time"]
    started = tm.monotonic()
    tm.sleep(0.02)
    assert tm.monotonic() - started >= 0.019
    assert error_of(tm.sleep, -1) == (ValueError, "sleep length must be non-negative")
    assert tm.perf_counter() > 0 and tm.time() > 0


# -- the same public API ---------------------------------------------------------------------

PUBLIC = {
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

SIGNATURES = [
    ("threading", "Thread", "__init__"),
    ("threading", "Thread", "join"),
    ("threading", "Timer", "__init__"),
    ("threading", "Event", "wait"),
    ("threading", "Condition", "wait"),
    ("threading", "Condition", "wait_for"),
    ("threading", "Condition", "notify"),
    ("threading", "Semaphore", "acquire"),
    ("threading", "Semaphore", "release"),
    ("threading", "Barrier", "__init__"),
    ("threading", "Barrier", "wait"),
    ("queue", "Queue", "put"),
    ("queue", "Queue", "get"),
    ("queue", "Queue", "__init__"),
]


def _shape(fn: Any) -> list[tuple[str, Any, Any]]:
    """Names, kinds and defaults of the parameters: what callers rely on (not annotations)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def test_traced_modules_expose_the_public_names() -> None:
    rec = Recorder()
    for module, names in PUBLIC.items():
        missing = [n for n in names if not hasattr(rec.modules[module], n)]
        assert not missing, f"{module} lacks {missing}"
    rec.finish()


@pytest.mark.parametrize(("module", "cls", "method"), SIGNATURES)
def test_signatures_match_the_standard_library(module: str, cls: str, method: str) -> None:
    std = {"threading": std_threading, "queue": std_queue}[module]
    rec = Recorder()
    traced = getattr(getattr(rec.modules[module], cls), method)
    expected = getattr(getattr(std, cls), method)
    assert _shape(traced) == _shape(expected)
    rec.finish()
