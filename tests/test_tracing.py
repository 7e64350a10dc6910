"""The recorder's own promises: labels, phases, the choke point, foreign threads, formats."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from app.tracing import Recorder, Trace, TraceFormatError
from app.tracing.check import problems
from app.tracing.trace import SCHEMA, Event, ObjectInfo, Outcome, ThreadInfo, pack, unpack
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
    # Woken, it takes the lock before it has the interpreter back: held from then on, it
    # runs again (resume) a little later.
    assert hilo[:5] == ["thread_run", "acquire_request", "acquire_granted", "resume", "release"]
    request = next(e for e in trace.events if e.kind == "acquire_request")
    release = next(e for e in trace.events if e.kind == "release" and e.thread == 0)
    granted = next(e for e in trace.events if e.kind == "acquire_granted")
    resume = next(e for e in trace.events if e.kind == "resume")
    assert request.t < release.t < granted.t < resume.t
    assert granted.arg == resume.t - granted.t
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
    rec.gate = lambda tid, kind, obj, line: seen.append((tid, kind, obj))
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


def test_repr_shows_state_and_label() -> None:
    rec = Recorder()
    lock_1 = rec.modules["threading"].Lock()
    assert repr(lock_1) == f"<unlocked _thread.lock object lock_1 at {id(lock_1):#x}>"
    lock_1.acquire()
    assert repr(lock_1) == f"<locked _thread.lock object lock_1 at {id(lock_1):#x}>"
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
    document["schema"] = "hilos.trace/3"
    with pytest.raises(TraceFormatError) as info:
        Trace.from_json(document)
    assert str(info.value) == (
        "unsupported trace schema 'hilos.trace/3'; this Hilos reads hilos.trace/1 and hilos.trace/2"
    )
    broken: dict[str, Any] = trace.to_json()
    broken["events"]["kind"] = unpack(broken["events"]["kind"], "kind")[:-1]
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


@pytest.mark.parametrize(
    ("column", "packed"),
    [
        ([], []),
        ([7], [7]),
        ([0, 1, 0, 1, 0, 1], [0, 1, 0, 1, 0, 1]),  # alternating: plain is shorter
        ([3, 3, 3, 3, 5, 5, 5, 3], {"runs": [3, 4, 5, 3, 3, 1]}),
        ([2] * 1000, {"runs": [2, 1000]}),
    ],
)
def test_columns_are_written_as_runs_only_when_that_is_shorter(
    column: list[int], packed: object
) -> None:
    assert pack(column) == packed
    assert unpack(pack(column), "c") == column


def test_a_long_run_of_one_thread_costs_two_numbers_per_column() -> None:
    trace = run(
        """
        import queue, threading
        q = queue.Queue()
        def produce():
            for i in range(200):
                q.put(i)
        t = threading.Thread(target=produce)
        t.start()
        t.join()
        """
    )
    events = trace.to_json()["events"]
    # MainThread runs and starts; the producer runs, puts 200 and ends; MainThread joins.
    assert events["thread"] == {"runs": [0, 2, 1, 202, 0, 3]}
    assert events["object"] == {"runs": [0, 3, 1, 200, 0, 4]}
    put = trace.to_json()["kinds"].index("put")
    assert [put, 200] == events["kind"]["runs"][6:8]
    assert Trace.from_json(json.loads(trace.dumps())).events == trace.events


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ({"runs": [1, 2, 3]}, "events.line.runs has an odd number of entries"),
        ({"runs": [1, 0]}, "events.line.runs has a count that is not a positive integer"),
        ({"runs": [1, True]}, "events.line.runs has a count that is not a positive integer"),
        ({"runs": [1, 10**9]}, "events.line.runs adds up to more than 10000000 events"),
        ({"lines": [1]}, "events.line is neither an array nor"),
        ("1,2,3", "events.line is neither an array nor"),
    ],
)
def test_malformed_runs_are_refused_with_a_reason(column: object, message: str) -> None:
    document = run("import threading\nthreading.Lock().acquire()\n").to_json()
    document["events"]["line"] = column
    with pytest.raises(TraceFormatError) as info:
        Trace.from_json(document)
    assert str(info.value).startswith(message)


V1 = Path(__file__).parent / "data" / "trace-v1-producer-consumer.json"


def test_a_version_1_trace_saved_before_runs_existed_still_reads() -> None:
    document = json.loads(V1.read_text(encoding="utf-8"))
    assert document["schema"] == "hilos.trace/1"
    trace = Trace.from_json(document)
    assert len(trace.events) == len(document["events"]["t"])
    assert not problems(trace)
    put = [e.arg for e in trace.events if e.kind in ("put", "put_done")]
    got = [e.arg for e in trace.events if e.kind in ("get", "get_done")]
    assert put and sorted(got, key=str) == sorted(put, key=str)
    # Written again it is the current version, and reads back to the same events.
    again = Trace.from_json(json.loads(trace.dumps()))
    assert again.events == trace.events and trace.to_json()["schema"] == SCHEMA
    # Version 1 never had runs: a document that claims 1 and has them is refused.
    document["events"]["object"] = {"runs": [0, len(trace.events)]}
    with pytest.raises(TraceFormatError, match="events.object is neither an array nor"):
        Trace.from_json(document)


CALLS_FROM_PROGRAM = """\
def work(threading, queue, helper):
    q = queue.Queue()
    done = threading.Event()

    class Mine(queue.Queue):
        def put(self, item, block=True, timeout=None):
            super().put(item, block, timeout)

    mine = Mine()
    q.put(1)
    mine.put(2)
    helper(q)
    done.set()
    q.get()
    return done.wait(0)
"""


@pytest.mark.parametrize("speedups", [True, False], ids=["compiled", "pure"])
def test_the_choke_point_gives_the_programs_line_compiled_or_not(speedups: bool) -> None:
    """Lines of calls made inside the tracing layer: the nearest frame of the program, and 0
    for a frame outside it (here a helper from this test file, not the program's)."""
    rec = Recorder(filename="<program>", speedups=speedups)
    names: dict[str, Any] = {}
    exec(compile(CALLS_FROM_PROGRAM, "<program>", "exec"), names)

    def helper(q: Any) -> None:
        q.put(3)

    worker = threading.Thread(
        target=names["work"], args=(rec.modules["threading"], rec.modules["queue"], helper)
    )
    worker.start()  # a thread the recorder did not create: its first call adopts it
    worker.join()
    trace = rec.finish()
    seen = [(e.kind, e.line, e.arg) for e in trace.events if e.kind in ("put", "get", "set")]
    assert seen == [("put", 10, 1), ("put", 7, 2), ("put", 0, 3), ("set", 13, None), ("get", 14, 1)]
    assert {trace.threads[e.thread].name for e in trace.events if e.kind == "put"} == {worker.name}


MANY_CALL_SITES = """\
def work(threading, queue):
    lock = threading.Lock()
    items = queue.Queue()
    flag = threading.Event()
    with lock:
        pass
    try:
        with lock:
            raise ValueError
    except ValueError:
        pass
    [(lock.acquire(), lock.release()) for _ in range(2)]
    again = lambda: (
        lock.acquire(),
        lock.release())
    again()
    for i in range(3):
        with lock:
            items.put(i)
            items.get()
    def gen():
        with lock:
            yield 1
    for _ in gen():
        pass
    try:
        with lock:
            return flag.set()
    finally:
        flag.wait(0)
"""


def _calls(speedups: bool) -> list[tuple[str, int, int]]:
    rec = Recorder(filename="<program>", speedups=speedups)
    names: dict[str, Any] = {}
    exec(compile(MANY_CALL_SITES, "<program>", "exec"), names)
    worker = threading.Thread(
        target=names["work"], args=(rec.modules["threading"], rec.modules["queue"])
    )
    worker.start()
    worker.join()
    return [(e.kind, e.obj, e.line) for e in rec.finish().events if e.obj]


def test_compiled_and_pure_record_the_same_lines_at_every_kind_of_call_site() -> None:
    compiled = _calls(True)
    assert compiled == _calls(False)
    lock, items, flag = 1, 2, 3
    turn = [("acquire", lock, 18), ("put", items, 19), ("get", items, 20), ("release", lock, 18)]
    assert compiled == [
        *[("acquire", lock, 5), ("release", lock, 5)],
        *[("acquire", lock, 8), ("release", lock, 8)],  # left by the exception
        *2 * [("acquire", lock, 12), ("release", lock, 12)],  # in a comprehension
        *[("acquire", lock, 14), ("release", lock, 15)],  # a lambda over two lines
        *3 * turn,
        *[("acquire", lock, 22), ("release", lock, 22)],  # in a generator
        *[("acquire", lock, 27), ("set", flag, 28), ("release", lock, 27)],  # return in with
        *[("wait_request", flag, 30), ("wait_return", flag, 30)],  # in finally
    ]


def test_line_cache_never_mistakes_a_new_code_object_for_an_old_one() -> None:
    """Code objects that differ only in their first line, made and dropped one after another
    (so a new one may take the freed one's address)."""
    rec = Recorder(filename="<program>")
    lock = rec.modules["threading"].Lock()
    for i in range(40):
        exec(
            compile("\n" * i + "lock.acquire(); lock.release()", "<program>", "exec"),
            {"lock": lock},
        )
    lines = [e.line for e in rec.finish().events if e.kind == "acquire"]
    assert lines == list(range(1, 41))


def test_the_compiled_path_keeps_no_extra_references() -> None:
    rec = Recorder(filename="<program>")
    names: dict[str, Any] = {"lock": rec.modules["threading"].Lock()}
    names["q"] = rec.modules["queue"].Queue()
    exec(
        compile(
            "def f():\n    lock.acquire(); lock.release(); q.put(1); q.get()\n", "<program>", "exec"
        ),
        names,
    )
    f = names["f"]
    f()  # the thread's first call goes through Python (the recorder adopts the thread)
    f()  # from here on every call is compiled, each call site's line cached
    before = sys.getrefcount(f.__code__), sys.getrefcount(names["lock"])
    for _ in range(5000):
        f()
    assert (sys.getrefcount(f.__code__), sys.getrefcount(names["lock"])) == before
    rec.finish()


def test_misusing_the_compiled_types_raises_instead_of_crashing() -> None:
    from app.tracing import _speedups  # type: ignore[attr-defined]

    with pytest.raises(RuntimeError, match="before __init__"):
        _speedups.FastState.__new__(_speedups.FastState).begin(1, 2)
    rec = Recorder()
    lock = rec.modules["threading"].Lock()
    with pytest.raises(RuntimeError, match="initialised FastState"):
        lock._bind(_speedups.FastState.__new__(_speedups.FastState))
    del lock._owner
    assert lock.acquire() is True
    lock.release()
    assert not lock.locked()
    rec.finish()


@pytest.mark.parametrize("speedups", [True, False], ids=["compiled", "pure"])
def test_code_without_line_information_records_line_0(speedups: bool) -> None:
    rec = Recorder(speedups=speedups)
    lock = rec.modules["threading"].Lock()

    def use() -> None:
        lock.acquire()
        lock.release()

    use.__code__ = use.__code__.replace(co_linetable=b"")
    use()
    lines = [e.line for e in rec.finish().events if e.obj]
    assert lines == [0, 0]
