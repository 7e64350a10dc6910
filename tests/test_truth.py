"""The trace never shows what did not happen: adversarial programs, stressed.

Each program here broke an earlier version of the recorder: it showed more semaphore holders
than slots, a thread blocked on a lock drawn free, a deadlock where CPython completes, a whole
run stopped by a deadlock among a few threads. Timing bugs show up at a tiny switch interval,
so the timing-sensitive ones run under `sys.setswitchinterval(1e-5)`, many times, against
both the compiled and the pure-Python primitives. Every trace also passes the consistency
checker (the autouse fixture in conftest.py); the assertions here add the ground truth the
program measured itself, and what plain `python3` does with the same source.
"""

from __future__ import annotations

import textwrap
import threading
import time

import pytest

from app.tracing import Trace
from app.tracing.check import problems

from .helpers import kinds, python3, run

pytestmark = pytest.mark.timeout(180)


def printed(trace: Trace) -> list[str]:
    return [str(e.arg) for e in trace.events if e.kind == "print"]


SEMAPHORE = """
    import threading
    slots = threading.BoundedSemaphore(2)
    inside = []
    most = [0]

    def work():
        for _ in range(400):
            with slots:
                inside.append(1)
                most[0] = max(most[0], len(inside))
                total = 0
                for k in range(20):
                    total += k
                inside.pop()

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("most inside:", most[0])
"""


def holders_at_most(trace: Trace, slots: int) -> int:
    """The most holders the trace shows at once for its one semaphore."""
    sem = next(o.id for o in trace.objects if o.kind == "BoundedSemaphore")
    now = most = 0
    for e in trace.events:
        if e.obj != sem:
            continue
        if e.kind in ("acquire", "acquire_granted"):
            now += 1
            most = max(most, now)
        elif e.kind == "release":
            now -= 1
    return most


@pytest.mark.slow
@pytest.mark.parametrize("speedups", [True, False], ids=["compiled", "python"])
def test_a_semaphore_never_shows_more_holders_than_slots(
    tiny_switch_interval: None, speedups: bool
) -> None:
    for _ in range(6):
        trace = run(SEMAPHORE, speedups=speedups, max_events=200_000)
        assert trace.outcome.status == "completed"
        assert printed(trace)[-1] in ("most inside: 1", "most inside: 2")
        assert holders_at_most(trace, 2) <= 2
        assert problems(trace) == []


RELEASED_DURING_THE_LOOK = """
    import threading, time
    slots = threading.Semaphore(1)
    slots.acquire()

    def late():
        slots.acquire()
        slots.release()

    t = threading.Thread(target=late)
    t.start()
    time.sleep(0.02)
    slots.release()
    t.join()
    print("done")
"""


@pytest.mark.parametrize("speedups", [True, False], ids=["compiled", "python"])
def test_a_release_after_a_failed_look_comes_after_the_wait_in_the_trace(
    monkeypatch: pytest.MonkeyPatch, speedups: bool
) -> None:
    """A thread that found no slot and was preempted before stamping its wait.

    The release that lands in that gap must come after the wait in the trace: drawn the
    other way round, the thread waits while the picture shows a free slot. Once seen under
    load on a busy CI machine; here the gap is widened on purpose, right after the look.
    """
    from app.tracing import primitives

    checked = primitives._check_timeout
    widened: list[bool] = []

    def slow_check(timeout: float | None) -> None:
        if not widened:  # only the first look that fails: `late`'s, while main holds the slot
            widened.append(True)
            time.sleep(0.1)
        checked(timeout)

    monkeypatch.setattr(primitives, "_check_timeout", slow_check)
    trace = run(RELEASED_DURING_THE_LOOK, speedups=speedups)
    assert widened
    assert printed(trace) == ["done"]
    sem = next(o.id for o in trace.objects if o.kind == "Semaphore")
    late = next(t.id for t in trace.threads if t.parent is not None)
    order = [(e.thread, e.kind) for e in trace.events if e.obj == sem and e.kind != "acquire"]
    assert order.index((late, "acquire_request")) < order.index((0, "release"))
    assert problems(trace) == []


LOCK_RELEASED_DURING_THE_LOOK = """
    import threading, time
    lock = threading.Lock()
    lock.acquire()

    def late():
        with lock:
            pass

    t = threading.Thread(target=late)
    t.start()
    time.sleep(0.02)
    lock.release()
    t.join()
    print("done")
"""


@pytest.mark.parametrize("speedups", [True, False], ids=["compiled", "python"])
def test_a_lock_released_after_a_failed_look_comes_after_the_request(
    monkeypatch: pytest.MonkeyPatch, speedups: bool
) -> None:
    """The lock's version of the gap: the try that found the lock taken, then (widened here)
    whatever runs before the request is stamped. The release in between must come after the
    request in the trace, or the thread is drawn waiting for a free lock."""
    from app.tracing import primitives

    cls: type = primitives.FastTracedLock if speedups else primitives.TracedLock
    name = "_acquire_contended" if speedups else "_take_now"
    original = getattr(cls, name)
    widened: list[bool] = []

    def slow(self: object, *args: object) -> object:
        result = original(self, *args)
        failed = result is None or (isinstance(result, tuple) and not result[0])
        if failed and not widened:  # `late`'s try, while the main thread holds the lock
            widened.append(True)
            time.sleep(0.1)
        return result

    def slow_contended(self: object, *args: object) -> object:
        if not widened:
            widened.append(True)
            time.sleep(0.1)
        return original(self, *args)

    monkeypatch.setattr(cls, name, slow_contended if speedups else slow)
    trace = run(LOCK_RELEASED_DURING_THE_LOOK, speedups=speedups)
    assert widened
    assert printed(trace) == ["done"]
    lock = next(o.id for o in trace.objects if o.kind == "Lock")
    late = next(t.id for t in trace.threads if t.parent is not None)
    order = [(e.thread, e.kind) for e in trace.events if e.obj == lock]
    assert order.index((late, "acquire_request")) < order.index((0, "release"))
    assert problems(trace) == []


SET_DURING_THE_LOOK = """
    import threading, time
    ready = threading.Event()

    def late():
        print("woken:", ready.wait())

    t = threading.Thread(target=late)
    t.start()
    time.sleep(0.02)
    ready.set()
    t.join()
"""


def test_a_set_after_a_failed_look_comes_after_the_wait_in_the_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same gap for an Event: a wait drawn after the set it slept through would be a
    thread waiting on a flag the picture shows set."""
    from app.tracing import primitives

    checked = primitives._check_wait_timeout
    widened: list[bool] = []

    def slow_check(timeout: float | None) -> None:
        if not widened:
            widened.append(True)
            time.sleep(0.1)
        checked(timeout)

    monkeypatch.setattr(primitives, "_check_wait_timeout", slow_check)
    trace = run(SET_DURING_THE_LOOK)
    assert widened
    assert printed(trace) == ["woken: True"]
    event = next(o.id for o in trace.objects if o.kind == "Event")
    order = [e.kind for e in trace.events if e.obj == event]
    assert order == ["wait_request", "set", "wait_return"]


CLEARED_DURING_THE_LOOK = """
    import threading, time
    flag = threading.Event()
    flag.set()

    def late():
        time.sleep(0.03)
        print("woken:", flag.wait(0.3))

    t = threading.Thread(target=late)
    t.start()
    time.sleep(0.01)
    flag.clear()
    t.join()
"""


class _SlowToClear:
    """A real Event whose clear() takes a while to happen, as if preempted just before."""

    def __init__(self, real: threading.Event) -> None:
        self.real = real

    def clear(self) -> None:
        time.sleep(0.1)
        self.real.clear()

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_a_wait_never_returns_at_once_from_a_flag_the_trace_shows_cleared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A clear recorded, then (widened here) the flag actually cleared: a wait in between
    would find the flag still set and return True at once, drawn just after the clear."""
    from app.tracing import primitives

    made = primitives.TracedEvent.__init__

    def init(self: primitives.TracedEvent) -> None:
        made(self)
        self._real = _SlowToClear(self._real)  # type: ignore[assignment]

    monkeypatch.setattr(primitives.TracedEvent, "__init__", init)
    trace = run(CLEARED_DURING_THE_LOOK)
    assert printed(trace) == ["woken: False"]
    event = next(o.id for o in trace.objects if o.kind == "Event")
    order = [(e.kind, e.arg) for e in trace.events if e.obj == event]
    assert order == [("set", None), ("clear", None), ("wait_request", 0.3), ("wait_return", False)]
    assert problems(trace) == []


BARRIER_ROUNDS = """
    import threading, time
    gate = threading.Barrier(2)

    def meet():
        gate.wait()

    first = threading.Thread(target=meet, name="A")
    first.start()
    time.sleep(0.02)
    pair = [threading.Thread(target=meet, name=name) for name in ("B", "C")]
    for t in pair:
        t.start()
    for t in pair:
        t.join()
    last = threading.Thread(target=meet, name="D")
    last.start()
    first.join()
    last.join()
    print("done")
"""


def test_a_barrier_arrival_is_recorded_when_the_barrier_counts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A thread that called wait() but was preempted before the barrier counted it must not
    be drawn as arrived: the round it seemed to join (B and C, who passed together) would be
    shown with the wrong member, and the data each thread saw after passing with it."""
    from app.tracing.recorder import Recorder

    original = Recorder.enter_wait
    widened: list[bool] = []

    def slow(self: Recorder, tid: int, waiting: object) -> None:
        if not widened and getattr(waiting, "kind", None) == "barrier":
            widened.append(True)  # A's wait, on its way to the barrier
            time.sleep(0.15)
        original(self, tid, waiting)  # type: ignore[arg-type]

    monkeypatch.setattr(Recorder, "enter_wait", slow)
    trace = run(BARRIER_ROUNDS)
    assert widened
    assert printed(trace) == ["done"]
    name = {t.id: t.name for t in trace.threads}
    arrivals = [name[e.thread] for e in trace.events if e.kind == "barrier_request"]
    assert arrivals[:2] in (["B", "C"], ["C", "B"])
    assert sorted(arrivals[2:]) == ["A", "D"]
    assert problems(trace) == []


ENDS_DURING_THE_ANSWER = """
    import threading, time
    t = threading.Thread(target=time.sleep, args=(0.05,))
    t.start()
    t.join(0.01)
    print("alive:", t.is_alive())
"""


def test_a_timed_join_says_the_thread_ended_only_after_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A join that timed out, then (widened here) the joined thread ended before the join
    recorded its answer: "has ended" must come after the end in the trace, and agree with
    what the program sees next."""
    from app.tracing import threads
    from app.tracing.recorder import Recorder

    block = Recorder.block
    armed: list[bool] = []

    def blocked(self: Recorder, *args: object, **kwargs: object) -> object:
        result = block(self, *args, **kwargs)  # type: ignore[arg-type]
        if getattr(args[1], "kind", None) == "join":
            armed.append(True)
        return result

    is_alive = threads.TracedThread.is_alive

    def slow_is_alive(self: threading.Thread) -> bool:
        if armed and armed[-1]:  # the first look after the join's wait
            armed[-1] = False
            time.sleep(0.1)
        return is_alive(self)

    monkeypatch.setattr(Recorder, "block", blocked)
    monkeypatch.setattr(threads.TracedThread, "is_alive", slow_is_alive)
    trace = run(ENDS_DURING_THE_ANSWER)
    assert armed
    assert printed(trace) == ["alive: False"]
    order = [
        (e.thread, e.kind, e.arg)
        for e in trace.events
        if e.kind == "join_return" or (e.kind == "thread_end" and e.thread == 1)
    ]
    assert order == [(1, "thread_end", None), (0, "join_return", [1, False])]
    assert problems(trace) == []


HANDOFFS = """
    import threading
    lock = threading.Lock()
    count = [0]

    def work():
        for _ in range(300):
            with lock:
                count[0] += 1
                busy = 0
                for k in range(30):
                    busy += k
            for k in range(30):
                busy -= k

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(count[0])
"""


def around(trace: Trace, index: int) -> str:
    """The events near `index`, to read a failure from the test's output alone."""
    near = trace.events[max(0, index - 20) : index + 4]
    return "\n".join(f"{'>' if e is trace.events[index] else ' '} {e}" for e in near)


def blocked_on_free_lock(trace: Trace) -> list[int]:
    """Indexes of requests made on a lock that the events before them show free."""
    holder: dict[int, int | None] = {}
    bad = []
    locks = {o.id for o in trace.objects if o.kind == "Lock"}
    for i, e in enumerate(trace.events):
        if e.obj not in locks:
            continue
        if e.kind in ("acquire", "acquire_granted"):
            holder[e.obj] = e.thread
        elif e.kind == "release":
            holder[e.obj] = None
        elif e.kind in ("acquire_request", "acquire_fail") and holder.get(e.obj) is None:
            bad.append(i)
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("speedups", [True, False], ids=["compiled", "python"])
def test_no_thread_is_shown_blocked_on_a_free_lock(
    tiny_switch_interval: None, speedups: bool
) -> None:
    handed_over = 0
    for _ in range(8):
        trace = run(HANDOFFS, speedups=speedups, max_events=200_000)
        assert trace.outcome.status == "completed"
        assert printed(trace) == ["1200"]
        bad = blocked_on_free_lock(trace)
        assert bad == [], around(trace, bad[0])
        handed_over += sum(e.kind == "resume" for e in trace.events)
    if speedups:
        # Under contention a woken thread does take the lock before it runs again.
        assert handed_over > 0


def test_a_handed_over_lock_is_held_from_when_it_was_taken() -> None:
    trace = run(
        """
        import threading, time
        lock = threading.Lock()

        def wait_for_it():
            with lock:
                pass

        lock.acquire()
        t = threading.Thread(target=wait_for_it, name="waiter")
        t.start()
        time.sleep(0.05)
        lock.release()
        t.join()
        """
    )
    ev = trace.events
    granted = next(i for i, e in enumerate(ev) if e.kind == "acquire_granted")
    resume = next(i for i, e in enumerate(ev) if e.kind == "resume")
    release = next(i for i, e in enumerate(ev) if e.kind == "release" and e.thread == 0)
    assert release < granted < resume
    assert ev[granted].arg == ev[resume].t - ev[granted].t > 0


# -- outcomes -----------------------------------------------------------------------------

ANY_THREAD_RELEASES = """
    import threading, time
    done = threading.Lock()
    done.acquire()

    def worker():
        time.sleep(0.05)
        print("worker done")
        done.release()

    threading.Thread(target=worker).start()
    done.acquire()
    print("main saw it")
"""

PING_PONG = """
    import threading
    ping = threading.Lock()
    pong = threading.Lock()
    ping.acquire()
    pong.acquire()

    def player():
        for k in range(3):
            ping.acquire()
            print("pong", k)
            pong.release()

    threading.Thread(target=player).start()
    for k in range(3):
        print("ping", k)
        ping.release()
        pong.acquire()
    print("end")
"""


@pytest.mark.parametrize("code", [ANY_THREAD_RELEASES, PING_PONG], ids=["done", "ping-pong"])
def test_a_lock_released_by_another_thread_is_no_deadlock(code: str) -> None:
    plain = python3(code)
    assert plain.returncode == 0
    trace = run(code)
    assert trace.outcome.status == "completed", trace.outcome.message
    assert "deadlock" not in kinds(trace)
    assert printed(trace) == plain.stdout.splitlines()


# Two threads, each holding one lock and, after a pause, asking for the other: a deadlock on
# any schedule. {kind} is the lock type, {daemon} whether they are daemons, {main} what the
# main code then does.
TWO_LOCKS = """
    import threading, time
    a = threading.{kind}()
    b = threading.{kind}()

    def one():
        with a:
            time.sleep(0.05)
            with b:
                pass

    def two():
        with b:
            time.sleep(0.05)
            with a:
                pass

    t1 = threading.Thread(target=one, daemon={daemon})
    t2 = threading.Thread(target=two, daemon={daemon})
    t1.start(); t2.start()
{main}"""

MAIN_GOES_ON = """
    time.sleep(0.2)  # well past the threads' 0.05 s: the cycle has closed by the first print
    for k in range(4):
        time.sleep(0.05)
        print("main works", k)
    print("main ends")
"""


def two_locks(kind: str, daemon: bool, main: str) -> str:
    return (
        TWO_LOCKS.replace("{kind}", kind)
        .replace("{daemon}", str(daemon))
        .replace("{main}", textwrap.indent(textwrap.dedent(main), "    "))
    )


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_daemons_deadlock_while_main_goes_on_and_ends_as_cpython_does(kind: str) -> None:
    code = two_locks(kind, daemon=True, main=MAIN_GOES_ON)
    plain = python3(code)
    assert plain.returncode == 0
    trace = run(code)
    assert trace.outcome.status == "completed", trace.outcome.message
    assert printed(trace) == plain.stdout.splitlines()
    deadlocks = [e for e in trace.events if e.kind == "deadlock"]
    assert len(deadlocks) == 1
    cycle = deadlocks[0].arg
    names = {trace.threads[step["thread"]].name for step in cycle}
    assert names == {"Thread-1 (one)", "Thread-2 (two)"}
    assert {step["line"] for step in cycle} == {9, 15}  # the inner `with` lines
    first_print = next(e.t for e in trace.events if e.kind == "print")
    if kind == "RLock":
        # Only their holders could ever release them: certain the moment the cycle closes.
        assert deadlocks[0].t < first_print
    else:
        # Main could still release a plain Lock: certain only once main is done.
        last_print = max(e.t for e in trace.events if e.kind == "print")
        assert deadlocks[0].t > last_print
    assert "deadlocked" in trace.outcome.message
    ends = {t.name: t.end for t in trace.threads}
    assert ends["Thread-1 (one)"] == ends["Thread-2 (two)"] == "daemon"


def test_threads_deadlocked_while_main_finishes_end_the_run_as_a_deadlock() -> None:
    trace = run(two_locks("Lock", daemon=False, main='print("main is done")'))
    assert trace.outcome.status == "deadlock"
    assert trace.outcome.cycle is not None and len(trace.outcome.cycle) == 2
    assert printed(trace) == ["main is done"]
    main = trace.threads[0]
    assert main.end == "finished"


def test_a_certain_cycle_is_recorded_when_it_closes() -> None:
    # Main sleeps well past the close (the threads' sleeps are 0.05 s), so until it prints
    # nothing can call the run stuck: a deadlock recorded before that print was recorded
    # at the close, not after a quiet spell.
    main = 'time.sleep(0.4); print("main goes on"); t1.join(); t2.join()'
    trace = run(two_locks("RLock", daemon=False, main=main))
    assert trace.outcome.status == "deadlock"
    deadlock = next(e for e in trace.events if e.kind == "deadlock")
    last_request = max(e.t for e in trace.events if e.kind == "acquire_request")
    printed_at = next(e.t for e in trace.events if e.kind == "print")
    assert last_request <= deadlock.t < printed_at


def test_waiting_for_itself_on_a_plain_lock_with_nobody_else_is_a_deadlock() -> None:
    trace = run(
        """
        import threading
        lock = threading.Lock()
        lock.acquire()
        lock.acquire()
        """
    )
    assert trace.outcome.status == "deadlock"
    assert "waits for itself" in trace.outcome.message


@pytest.mark.slow
def test_starting_many_threads_at_a_tiny_switch_interval_never_crashes_the_run(
    tiny_switch_interval: None,
) -> None:
    code = """
        import threading

        def nothing():
            pass

        threads = [threading.Thread(target=nothing) for _ in range(60)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("started", len(threads))
    """
    for _ in range(15):
        trace = run(code, max_threads=64)
        assert trace.outcome.status == "completed"
        assert printed(trace) == ["started 60"]
