"""A queue's trace says what its structure really held, and odd timeouts act as in CPython.

The battery runs against the standard `queue` module and the traced one, as
`tests/test_semantics.py` does: same results, same exceptions and messages (a message that
depends on the platform is taken from the standard library in the same test). The
`test_trace_*` tests read the recording.
"""

from __future__ import annotations

import queue as std_queue
import time as std_time
from collections.abc import Iterator
from typing import Any

import pytest

from app.tracing import Recorder, Trace
from app.tracing.check import check_trace, problems
from tests.helpers import STD, Mods, run
from tests.test_semantics import SETTLE, TIMEOUT, finish, raised, spawn, wait_until

pytestmark = pytest.mark.timeout(10)

INF, NAN = float("inf"), float("nan")
# Timeouts a blocking wait refuses: lock.acquire cannot wait that long on this platform.
TOO_LONG = [INF, 1e10, 1e300, 2**70]


@pytest.fixture(params=["std", "traced"])
def mods(request: pytest.FixtureRequest) -> Iterator[Mods]:
    if request.param == "std":
        yield STD
        return
    rec = Recorder()
    yield rec.modules
    check_trace(rec.finish())


def queue_events(trace: Trace, label: str) -> list[tuple[str, Any]]:
    oid = next(o.id for o in trace.objects if o.label == label)
    return [(e.kind, e.arg) for e in trace.events if e.obj == oid]


# -- what the structure holds -------------------------------------------------------------------


def test_priority_queue_keeps_an_item_it_could_not_order(mods: Mods) -> None:
    pq = mods["queue"].PriorityQueue()
    pq.put(1)
    # heappush appends, then compares: the TypeError leaves "x" in the heap, uncounted as a task.
    assert raised(lambda: pq.put("x")) == (
        TypeError,
        "'<' not supported between instances of 'str' and 'int'",
    )
    assert (pq.qsize(), pq.unfinished_tasks) == (2, 1)
    assert pq.get_nowait() == 1 and pq.get_nowait() == "x"
    pq.task_done()
    assert raised(pq.task_done) == (ValueError, "task_done() called too many times")


def test_trace_records_the_put_of_an_item_that_stayed_in_the_heap() -> None:
    trace = run(
        """
        import queue
        pq = queue.PriorityQueue()
        pq.put(1)
        try:
            pq.put("x")
        except TypeError:
            pass
        print(pq.get(), pq.get(), pq.unfinished_tasks)
        """
    )
    assert queue_events(trace, "pq") == [("put", 1), ("put", "x"), ("get", 1), ("get", "x")]
    assert ("print", "1 x 1") in [(e.kind, e.arg) for e in trace.events]
    assert problems(trace) == []


def custom_queues(qm: Any) -> dict[str, Any]:
    class Dropping(qm.Queue):  # type: ignore[misc]
        """Stores every item but None."""

        def _put(self, item: Any) -> None:
            if item is not None:
                self.queue.append(item)

    class Backwards(qm.Queue):  # type: ignore[misc]
        """Last in, first out, through the hooks of a Queue."""

        def _get(self) -> Any:
            return self.queue.pop()

    class Plain(qm.Queue):  # type: ignore[misc]
        pass

    return {"Dropping": Dropping, "Backwards": Backwards, "Plain": Plain}


def test_queues_with_their_own_hooks_behave_as_in_cpython(mods: Mods) -> None:
    made = custom_queues(mods["queue"])
    dropping = made["Dropping"]()
    for item in (None, 1, None, 2):
        dropping.put(item)
    # queue.Queue counts a task for every put whose _put returned, stored or not.
    assert (dropping.qsize(), dropping.unfinished_tasks) == (2, 4)
    assert [dropping.get_nowait(), dropping.get_nowait()] == [1, 2]
    assert raised(dropping.get_nowait) == (std_queue.Empty, "")
    backwards = made["Backwards"]()
    for letter in "abc":
        backwards.put(letter)
    assert [backwards.get() for _ in "abc"] == ["c", "b", "a"]


def test_trace_marks_a_queue_whose_hooks_are_its_own_as_custom() -> None:
    rec = Recorder()
    made = custom_queues(rec.modules["queue"])
    dropping, backwards, plain = made["Dropping"](), made["Backwards"](), made["Plain"]()
    for q in (dropping, backwards, plain):
        q.put(None)
        q.put(1)
    assert dropping.get() == 1 and backwards.get() == 1 and plain.get() is None
    standard = [rec.modules["queue"].LifoQueue(), rec.modules["queue"].PriorityQueue()]
    trace = rec.finish()
    info = [o.info for o in trace.objects]
    custom = {"maxsize": 0, "custom": True}
    assert info[:3] == [custom, custom, {"maxsize": 0}]
    assert info[3:] == [{"maxsize": 0}] * len(standard)
    # A put is what the program passed, a get what it received, whatever the structure did.
    puts = [e.arg for e in trace.events if e.kind == "put" and e.obj == trace.objects[0].id]
    assert puts == [None, 1]


def picky_queue(qm: Any) -> Any:
    class Picky(qm.Queue):  # type: ignore[misc]
        """Refuses "bad" before storing it; "boom" is stored, but cannot be taken."""

        def _put(self, item: Any) -> None:
            if item == "bad":
                raise ValueError("bad item")
            super()._put(item)

        def _get(self) -> Any:
            if self.queue[0] == "boom":
                raise RuntimeError("boom")
            return super()._get()

    return Picky


def test_a_put_or_get_that_raised_after_waiting_leaves_the_queue_as_in_cpython(
    mods: Mods,
) -> None:
    th, qm = mods["threading"], mods["queue"]
    q = picky_queue(qm)(1)
    q.put("a")
    errors: list[tuple[type[BaseException], str]] = []

    def put_bad() -> None:
        errors.append(raised(lambda: q.put("bad", timeout=TIMEOUT)))

    putter = spawn(th, put_bad)
    assert wait_until(lambda: q.not_full._waiters), "put() did not wait for room"
    assert q.get() == "a"
    finish(putter)
    assert errors == [(ValueError, "bad item")]
    assert (q.qsize(), q.unfinished_tasks) == (0, 1)

    def get_boom() -> None:
        errors.append(raised(lambda: q.get(timeout=TIMEOUT)))

    getter = spawn(th, get_boom)
    assert wait_until(lambda: q.not_empty._waiters), "get() did not wait for an item"
    q.put("boom")
    finish(getter)
    assert errors[1:] == [(RuntimeError, "boom")]
    assert (q.qsize(), q.unfinished_tasks) == (1, 2)


def test_trace_ends_a_request_whose_put_or_get_raised_after_waiting() -> None:
    trace = run(
        """
        import queue, threading, time

        class Picky(queue.Queue):
            def _put(self, item):
                if item == "bad":
                    raise ValueError("bad item")
                super()._put(item)

            def _get(self):
                if self.queue[0] == "boom":
                    raise RuntimeError("boom")
                return super()._get()

        def attempt(call):
            try:
                call()
            except (ValueError, RuntimeError):
                pass

        q = Picky(1)
        q.put("a")
        putter = threading.Thread(target=attempt, args=(lambda: q.put("bad"),))
        putter.start()
        while not q.not_full._waiters:
            time.sleep(0.005)
        q.get()
        putter.join()
        getter = threading.Thread(target=attempt, args=(q.get,))
        getter.start()
        while not q.not_empty._waiters:
            time.sleep(0.005)
        q.put("boom")
        getter.join()
        """
    )
    assert trace.outcome.status == "completed", trace.outcome.message
    events = queue_events(trace, "q")
    assert events == [
        ("put", "a"),
        ("put_request", "bad"),
        ("get", "a"),
        ("aborted", None),  # the put that stored nothing
        ("get_request", None),
        ("put", "boom"),
        ("aborted", None),  # the get that returned nothing
    ]
    assert trace.object(next(o.id for o in trace.objects if o.label == "q")).info["custom"]
    assert problems(trace) == []


# -- timeouts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("timeout", TOO_LONG)
def test_queue_refuses_a_timeout_too_long_only_when_it_must_wait(mods: Mods, timeout: Any) -> None:
    too_long = raised(lambda: std_queue.Queue().get(timeout=timeout))
    assert too_long[0] is OverflowError
    q = mods["queue"].Queue(1)
    assert raised(lambda: q.get(timeout=timeout)) == too_long
    assert q.put("a", timeout=timeout) is None  # room: it never waits
    assert raised(lambda: q.put("b", timeout=timeout)) == too_long
    assert raised(lambda: q.put("b", False, timeout)) == (std_queue.Full, "")
    assert q.get(timeout=timeout) == "a"  # an item: it never waits
    assert raised(lambda: q.get(False, timeout)) == (std_queue.Empty, "")
    assert (q.qsize(), q.unfinished_tasks) == (0, 1)


def test_queue_refuses_an_int_timeout_without_a_float_even_when_it_need_not_wait(
    mods: Mods,
) -> None:
    no_float = (OverflowError, "int too large to convert to float")
    qm = mods["queue"]
    q = qm.Queue(2)
    q.put("a")
    assert raised(lambda: q.get(timeout=10**400)) == no_float  # its deadline comes first
    assert raised(lambda: q.put("b", timeout=10**400)) == no_float
    assert q.get(False, 10**400) == "a"  # not blocking: the timeout is not looked at
    assert qm.Queue().put("b", timeout=10**400) is None  # unbounded: nor is it here


def test_queue_refuses_minus_infinity_as_a_negative_timeout(mods: Mods) -> None:
    negative = (ValueError, "'timeout' must be a non-negative number")
    q = mods["queue"].Queue(1)
    assert raised(lambda: q.get(timeout=-INF)) == negative
    assert raised(lambda: q.put("a", timeout=-INF)) == negative


def test_a_nan_timeout_waits_as_long_as_it_takes(mods: Mods) -> None:
    th, qm = mods["threading"], mods["queue"]
    q = qm.Queue(1)
    got: list[Any] = []
    getter = spawn(th, lambda: got.append(q.get(timeout=NAN)))
    std_time.sleep(SETTLE)
    assert got == [], "get() with a NaN timeout gave up"
    q.put("a")
    finish(getter)
    assert got == ["a"]
    q.put("b")
    putter = spawn(th, lambda: q.put("c", timeout=NAN))
    putter.join(SETTLE)
    assert putter.is_alive(), "put() with a NaN timeout gave up"
    assert q.get(timeout=TIMEOUT) == "b"
    finish(putter)
    assert q.get_nowait() == "c"


def test_trace_records_nothing_for_a_refused_timeout_and_nan_as_a_string() -> None:
    trace = run(
        """
        import queue, threading
        q = queue.Queue()
        try:
            q.get(timeout=float("inf"))
        except OverflowError:
            pass
        threading.Timer(0.05, q.put, ("late",)).start()
        q.get(timeout=float("nan"))
        """
    )
    assert trace.outcome.status == "completed", trace.outcome.message
    assert queue_events(trace, "q") == [
        ("get_request", "nan"),
        ("put", "late"),
        ("get_done", "late"),
    ]


@pytest.mark.parametrize("timeout", [*TOO_LONG, -INF, NAN, -1, "soon"])
def test_simple_queue_get_refuses_a_bad_timeout_even_with_an_item(mods: Mods, timeout: Any) -> None:
    refused = raised(lambda: std_queue.SimpleQueue().get(timeout=timeout))
    q = mods["queue"].SimpleQueue()
    assert raised(lambda: q.get(True, timeout)) == refused
    q.put("a")
    assert raised(lambda: q.get(timeout=timeout)) == refused
    assert q.get(False, timeout) == "a"  # not blocking: the timeout is not looked at
    assert q.put("b", True, timeout) is None  # put never blocks, nor looks at it
    assert q.get_nowait() == "b"


def test_a_queue_that_stores_something_else_passes_the_checker_and_records_both_sides() -> None:
    trace = run(
        """
        import queue

        class Doubling(queue.Queue):
            def _put(self, item):
                self.queue.append(item * 2)

        q = Doubling()
        q.put(1)
        q.put(2)
        print(q.get(), q.get())
        """
    )
    assert trace.outcome.status == "completed"
    q = next(o for o in trace.objects if o.label == "q")
    assert q.info["custom"] is True
    assert [(e.kind, e.arg) for e in trace.events if e.obj == q.id] == [
        ("put", 1),
        ("put", 2),
        ("get", 2),
        ("get", 4),
    ]
    assert problems(trace) == []
