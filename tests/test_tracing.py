"""The recorder's own promises: labels, phases, the choke point, foreign threads, formats."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from app.tracing import Recorder, Trace, TraceFormatError
from app.tracing.check import problems
from app.tracing.trace import Event, ObjectInfo, Outcome, ThreadInfo
from tests.helpers import kinds, run

pytestmark = pytest.mark.timeout(30)


def test_objects_are_labelled_by_the_names_the_code_gave_them() -> None:
    trace = run(
        """
        import threading, queue
        lock_1 = threading.Lock()
        a, b = threading.Lock(), threading.RLock()
        tenedores = [threading.Lock() for _ in range(3)]
        cola: queue.Queue = queue.Queue(maxsize=2)

        class MiThread(threading.Thread):
            lock = threading.Lock()

            def __init__(self):
                super().__init__()
                self.listo = threading.Event()

        class Cuenta:
            def __init__(self):
                self.candado = threading.Lock()

        MiThread()
        Cuenta()
        Cuenta()
        t = threading.Thread(target=print, args=(threading.Semaphore(2),))
        candado = threading.RLock() if MiThread else threading.Lock()
        """
    )
    labels = [o.label for o in trace.objects]
    assert labels == [
        "lock_1",
        "a",
        "b",
        "tenedores[0]",
        "tenedores[1]",
        "tenedores[2]",
        "cola",
        "MiThread.lock",
        "MiThread.listo",
        "Cuenta.candado",
        "Cuenta.candado#2",
        "Semaphore-1",
        "candado",
    ]
    assert trace.object(1).line == 3
    assert trace.objects[6].info == {"maxsize": 2}


def test_a_contended_acquire_is_recorded_in_phases_with_the_holder_visible() -> None:
    trace = run(
        """
        import threading, time
        candado = threading.Lock()

        def esperar():
            with candado:
                pass

        candado.acquire()
        h = threading.Thread(target=esperar, name="Hilo-1")
        h.start()
        time.sleep(0.05)
        candado.release()
        h.join()
        """
    )
    assert trace.outcome.status == "completed"
    hilo = kinds(trace, "Hilo-1")
    assert hilo[:4] == ["thread_run", "acquire_request", "acquire_granted", "release"]
    request = next(e for e in trace.events if e.kind == "acquire_request")
    release = next(e for e in trace.events if e.kind == "release" and e.thread == 0)
    granted = next(e for e in trace.events if e.kind == "acquire_granted")
    assert request.t < release.t < granted.t
    assert granted.t - request.t >= 40_000_000  # waited the main thread's 50 ms sleep


def test_condition_wait_shows_the_lock_released_and_taken_again() -> None:
    trace = run(
        """
        import threading
        cond = threading.Condition()
        listo = []

        def avisar():
            with cond:
                listo.append(1)
                cond.notify()

        with cond:
            threading.Thread(target=avisar, name="Hilo-1").start()
            while not listo:
                cond.wait()
        """
    )
    assert trace.outcome.status == "completed"
    lock = next(o for o in trace.objects if o.kind == "RLock")
    assert lock.label == "cond.lock"
    cond = next(o for o in trace.objects if o.kind == "Condition")
    assert cond.info == {"lock": lock.id}
    main = [(e.kind, e.obj) for e in trace.events if e.thread == 0 and e.obj]
    wait_at = main.index(("wait_request", cond.id))
    assert main[wait_at + 1] == ("release", lock.id)
    assert main[wait_at + 2] in (("acquire", lock.id), ("acquire_request", lock.id))
    assert ("wait_return", cond.id) in main[wait_at + 2 :]
    assert ("notify", cond.id) in [(e.kind, e.obj) for e in trace.events if e.thread == 1]


def test_timer_fires_or_is_cancelled() -> None:
    trace = run(
        """
        import threading

        def saludar(nombre):
            print("hola", nombre)

        t1 = threading.Timer(0.05, saludar, args=("Ana",))
        t2 = threading.Timer(5.0, saludar, args=("Beto",))
        t1.start(); t2.start()
        t2.cancel()
        t1.join(); t2.join()
        """
    )
    assert trace.outcome.status == "completed"
    assert [e.arg for e in trace.events if e.kind == "print"] == ["hola Ana"]
    timers = [t for t in trace.threads if t.kind == "timer"]
    assert [t.target for t in timers] == ["saludar", "saludar"]
    assert kinds(trace).count("timer_schedule") == 2
    assert kinds(trace).count("timer_fire") == 1
    assert kinds(trace).count("timer_cancel") == 1


def test_every_operation_passes_the_choke_point() -> None:
    seen: list[tuple[int, int, int]] = []
    rec = Recorder()
    rec.gate = lambda tid, kind, obj: seen.append((tid, kind, obj))
    th, q, tm = rec.modules["threading"], rec.modules["queue"], rec.modules["time"]
    lock, event, cola = th.Lock(), th.Event(), q.Queue()
    with lock:
        pass
    event.set()
    event.wait()
    cola.put(1)
    cola.get()
    cola.task_done()
    tm.sleep(0)
    worker = th.Thread(target=lambda: None)
    worker.start()
    worker.join()
    rec.gate = None
    trace = rec.finish()
    from app.tracing.trace import KINDS

    passed = {KINDS[kind] for _, kind, _ in seen}
    assert passed >= {
        "acquire_request",
        "release",
        "set",
        "wait_request",
        "put_request",
        "get_request",
        "task_done",
        "sleep_request",
        "thread_start",
        "join_request",
    }
    assert trace.outcome.status == "completed"


def test_threads_hilos_did_not_create_are_registered_when_they_use_a_primitive() -> None:
    rec = Recorder()
    lock = rec.modules["threading"].Lock()

    def use() -> None:
        with lock:
            pass

    plain = threading.Thread(target=use, name="plain")
    plain.start()
    plain.join()
    trace = rec.finish()
    names = {t.name: t.kind for t in trace.threads}
    assert names == {"plain": "foreign"}
    assert kinds(trace) == ["thread_run", "acquire", "release"]


def test_repr_shows_state_and_holder() -> None:
    rec = Recorder()
    lock_1 = rec.modules["threading"].Lock()
    assert repr(lock_1) == "<unlocked Lock lock_1>"
    lock_1.acquire()
    assert repr(lock_1) == f"<locked Lock lock_1 held by {threading.current_thread().name}>"
    lock_1.release()
    rec.finish()


def _trace(events: list[Event], objects: list[ObjectInfo], status: str = "completed") -> Trace:
    threads = sorted({e.thread for e in events})
    return Trace(
        source="",
        outcome=Outcome(status, ""),
        threads=[ThreadInfo(t, f"T{t}", False, None, "foreign", end="finished") for t in threads],
        objects=objects,
        events=events,
    )


LOCK = [ObjectInfo(1, "Lock", "l", 1)]
QUEUE = [ObjectInfo(1, "Queue", "q", 1, {"maxsize": 1})]


@pytest.mark.parametrize(
    ("events", "objects", "expected"),
    [
        (
            [
                Event(1, 0, "thread_run", 0, 0),
                Event(2, 1, "thread_run", 0, 0),
                Event(3, 0, "acquire", 1, 1),
                Event(4, 1, "acquire", 1, 1),
            ],
            LOCK,
            "taken while thread 0 holds it",
        ),
        (
            [Event(1, 0, "thread_run", 0, 0), Event(2, 0, "release", 1, 1)],
            LOCK,
            "released while nobody holds it",
        ),
        (
            [Event(1, 0, "thread_run", 0, 0), Event(2, 0, "get", 1, 1, 7)],
            QUEUE,
            "gets 7, which was never put",
        ),
        (
            [
                Event(1, 0, "thread_run", 0, 0),
                Event(2, 0, "put", 1, 1, 1),
                Event(3, 0, "put", 1, 1, 2),
            ],
            QUEUE,
            "more than maxsize=1",
        ),
        (
            [Event(5, 0, "thread_run", 0, 0), Event(2, 0, "acquire", 1, 1)],
            LOCK,
            "time goes backwards",
        ),
        (
            [
                Event(1, 0, "thread_run", 0, 0),
                Event(2, 0, "acquire_request", 1, 1),
                Event(3, 0, "thread_end", 0, 0),
            ],
            LOCK,
            "ends with acquire_request unanswered",
        ),
        (
            [Event(1, 0, "thread_run", 0, 0), Event(2, 0, "wait_return", 1, 1)],
            LOCK,
            "an outcome with no request",
        ),
    ],
)
def test_consistency_checker_finds_what_is_wrong(
    events: list[Event], objects: list[ObjectInfo], expected: str
) -> None:
    found = problems(_trace(events, objects))
    assert any(expected in p for p in found), found


def test_trace_round_trips_and_rejects_other_major_versions() -> None:
    trace = run("import threading\nl = threading.Lock()\nwith l:\n    print('x')\n")
    document = trace.to_json()
    again = Trace.from_json(json.loads(json.dumps(document)))
    assert again.events == trace.events
    assert again.objects == trace.objects
    assert again.outcome == trace.outcome
    document["schema"] = "hilos.trace/2"
    with pytest.raises(TraceFormatError) as info:
        Trace.from_json(document)
    assert str(info.value) == (
        "unsupported trace schema 'hilos.trace/2'; this Hilos reads hilos.trace/1"
    )
    broken: dict[str, Any] = trace.to_json()
    broken["events"]["kind"].pop()
    with pytest.raises(TraceFormatError, match="events.kind has"):
        Trace.from_json(broken)
    with pytest.raises(TraceFormatError, match="not a Hilos trace"):
        Trace.from_json({"schema": "other/1"})


def test_the_compiled_lock_is_used_when_built_and_pure_python_on_request() -> None:
    from app.tracing.primitives import FastTracedLock

    fast = Recorder()
    pure = Recorder(speedups=False)
    if FastTracedLock is None:
        pytest.fail("the compiled fast path was not built (is a C compiler installed?)")
    assert isinstance(fast.modules["threading"].Lock(), FastTracedLock)
    assert not isinstance(pure.modules["threading"].Lock(), FastTracedLock)
    fast.finish()
    pure.finish()


def test_one_thread_recording_into_two_recorders_in_turn_keeps_each_ones_ids_and_lines() -> None:
    """The compiled path caches the calling thread's id and each line it looked up."""
    first, second = Recorder(), Recorder()
    lock_a = first.modules["threading"].Lock()
    # A thread the second recorder meets first, so the two give it different ids.
    # Joined, so the next thread gets its stack, its thread-local storage and its ident.
    earlier = second.modules["threading"].Thread(target=lambda: None)
    earlier.start()
    earlier.join()
    lock_b = second.modules["threading"].Lock()

    def use(lock: Any) -> None:
        lock.acquire()
        lock.release()

    def take_turns() -> None:
        for _ in range(3):
            use(lock_a)
            use(lock_b)
            with lock_a:
                pass

    here = use.__code__.co_firstlineno
    with_line = take_turns.__code__.co_firstlineno + 4
    worker = threading.Thread(target=take_turns, name="worker")  # foreign to both recorders
    worker.start()
    worker.join()
    a, b = first.finish(), second.finish()

    def ops(trace: Trace) -> list[tuple[str, str, int]]:
        return [
            (e.kind, trace.threads[e.thread].name, e.line)
            for e in trace.events
            if e.kind in ("acquire", "release")
        ]

    me = "worker"
    inside = [("acquire", me, here + 1), ("release", me, here + 2)]
    assert ops(a) == 3 * (inside + [("acquire", me, with_line), ("release", me, with_line)])
    assert ops(b) == 3 * inside
    assert {e.thread for e in a.events if e.kind == "acquire"} != {
        e.thread for e in b.events if e.kind == "acquire"
    }
