"""The runner: parameters, imports, outcomes, limits, and that no thread is left behind."""

from __future__ import annotations

import threading
import time

import pytest

from app.runner import ScenarioError, apply_parameters, run_source
from tests.helpers import kinds, run

pytestmark = pytest.mark.timeout(60)

DEADLOCK = """
import threading, time
lock_a = threading.Lock()
lock_b = threading.Lock()

def uno():
    with lock_a:
        time.sleep(0.1)
        with lock_b:
            pass

def dos():
    with lock_b:
        time.sleep(0.1)
        with lock_a:
            pass

h1 = threading.Thread(target=uno, name="Hilo-1")
h2 = threading.Thread(target=dos, name="Hilo-2")
h1.start(); h2.start()
h1.join(); h2.join()
print("never")
"""


def test_completed_run_records_lock_steps_at_their_source_lines() -> None:
    trace = run(
        """
        import threading
        lock_1 = threading.Lock()
        total = 0

        def sumar():
            global total
            for _ in range(3):
                lock_1.acquire()
                total += 1
                lock_1.release()

        hilos = [threading.Thread(target=sumar, name=f"Hilo-{i}") for i in range(2)]
        for h in hilos:
            h.start()
        for h in hilos:
            h.join()
        print(total)
        """
    )
    assert trace.outcome.status == "completed"
    lines = trace.source.splitlines()
    lock = next(o for o in trace.objects if o.label == "lock_1")
    steps = [e for e in trace.events if e.obj == lock.id]
    assert sum(e.kind in ("acquire", "acquire_granted") for e in steps) == 6
    assert sum(e.kind == "release" for e in steps) == 6
    for event in steps:
        text = lines[event.line - 1]
        assert ("acquire" in text) if event.kind.startswith("acquire") else ("release" in text)
    printed = [e.arg for e in trace.events if e.kind == "print"]
    assert printed == ["6"]
    main = trace.threads[0]
    assert (main.name, main.kind, main.id, main.end) == ("MainThread", "main", 0, "finished")
    assert {t.name for t in trace.threads} == {"MainThread", "Hilo-0", "Hilo-1"}
    assert kinds(trace, "Hilo-0")[0] == "thread_run"
    assert kinds(trace, "Hilo-0")[-1] == "thread_end"


def test_event_lines_point_into_the_source_never_into_hilos() -> None:
    trace = run(DEADLOCK)
    n_lines = len(trace.source.splitlines())
    assert all(0 <= e.line <= n_lines for e in trace.events)
    assert any(e.line for e in trace.events if e.kind == "acquire_request")


def test_deadlock_is_detected_when_the_cycle_closes_and_everything_unwinds() -> None:
    before = threading.active_count()
    started = time.monotonic()
    trace = run(DEADLOCK)
    assert time.monotonic() - started < 5
    assert trace.outcome.status == "deadlock"
    cycle = trace.outcome.cycle
    assert cycle is not None and len(cycle) == 2
    names = {trace.thread(step["thread"]).name for step in cycle}
    assert names == {"Hilo-1", "Hilo-2"}
    labels = {trace.object(step["object"]).label for step in cycle}
    assert labels == {"lock_a", "lock_b"}
    # each waits for a lock held by the other: the cycle is closed
    assert [step["holder"] for step in cycle] == [cycle[1]["thread"], cycle[0]["thread"]]
    lines = trace.source.splitlines()
    assert all("with lock_" in lines[step["line"] - 1] for step in cycle)
    assert "deadlock" in kinds(trace)
    assert all(t.end == "aborted" for t in trace.threads)
    assert "never" not in [e.arg for e in trace.events if e.kind == "print"]
    assert threading.active_count() == before


def test_join_closing_a_cycle_with_a_lock_is_a_deadlock() -> None:
    trace = run(
        """
        import threading
        candado = threading.Lock()

        def trabajar():
            with candado:
                pass

        with candado:
            hilo = threading.Thread(target=trabajar, name="Hilo-1")
            hilo.start()
            hilo.join()
        """
    )
    assert trace.outcome.status == "deadlock"
    cycle = trace.outcome.cycle
    assert cycle is not None
    kinds_in_cycle = {step["object"] is None for step in cycle}
    assert kinds_in_cycle == {True, False}  # one join edge, one lock edge


def test_except_exception_cannot_swallow_the_abort() -> None:
    trace = run(
        DEADLOCK.replace(
            "        with lock_a:\n            pass",
            "        try:\n            with lock_a:\n                pass\n"
            "        except Exception:\n            print('swallowed')",
        )
    )
    assert trace.outcome.status == "deadlock"
    assert "swallowed" not in [e.arg for e in trace.events if e.kind == "print"]


@pytest.mark.parametrize(
    ("code", "waits"),
    [
        (
            """
            import queue
            cola = queue.Queue()
            cola.get()
            """,
            {"get"},
        ),
        (
            """
            import threading, queue
            cola = queue.Queue()

            def consumidor():
                while True:
                    cola.get()  # forgets task_done()

            threading.Thread(target=consumidor, daemon=True).start()
            cola.put(1)
            cola.join()
            """,
            {"get", "queue_join"},
        ),
    ],
)
def test_stall_when_every_thread_waits_for_nothing(code: str, waits: set[str]) -> None:
    before = threading.active_count()
    trace = run(code)
    assert trace.outcome.status == "stalled"
    assert trace.outcome.waiting is not None
    assert {w["kind"] for w in trace.outcome.waiting} == waits
    assert "stall" in kinds(trace)
    assert threading.active_count() == before


def test_a_sleeping_or_timed_thread_is_not_a_stall() -> None:
    trace = run(
        """
        import threading, queue, time
        cola = queue.Queue()

        def productor():
            time.sleep(0.4)
            cola.put("tarde")

        threading.Thread(target=productor).start()
        print(cola.get())
        """
    )
    assert trace.outcome.status == "completed"
    assert [e.arg for e in trace.events if e.kind == "print"] == ["tarde"]


def test_wall_time_limit_stops_even_a_busy_loop() -> None:
    before = threading.active_count()
    trace = run(
        """
        import threading

        def girar():
            while True:
                pass

        threading.Thread(target=girar).start()
        """,
        max_seconds=0.5,
    )
    assert trace.outcome.status == "timeout"
    assert "0.5 s" in trace.outcome.message
    assert threading.active_count() == before


def test_thread_limit() -> None:
    trace = run(
        """
        import threading, time
        for i in range(10):
            threading.Thread(target=time.sleep, args=(0.2,)).start()
        """,
        max_threads=3,
    )
    assert trace.outcome.status == "limit"
    assert "3 threads" in trace.outcome.message
    assert sum(t.kind == "thread" for t in trace.threads) == 3


def test_event_limit_keeps_the_trace_within_it() -> None:
    trace = run(
        """
        import threading
        lock = threading.Lock()
        while True:
            with lock:
                pass
        """,
        max_events=2_000,
    )
    assert trace.outcome.status == "limit"
    assert "2000 events" in trace.outcome.message
    assert len(trace.events) <= 2_000 + 10  # plus how the threads were cut short


def test_daemon_threads_are_stopped_at_the_end_as_interpreter_exit_would() -> None:
    before = threading.active_count()
    trace = run(
        """
        import threading, time

        def vigilar():
            while True:
                time.sleep(0.05)

        threading.Thread(target=vigilar, name="Demonio", daemon=True).start()
        time.sleep(0.12)
        """
    )
    assert trace.outcome.status == "completed"
    assert "daemon" in trace.outcome.message
    demon = next(t for t in trace.threads if t.name == "Demonio")
    assert demon.daemon and demon.end == "daemon"
    ends = [e for e in trace.events if e.thread == demon.id and e.kind == "thread_abort"]
    assert [e.arg for e in ends] == ["daemon"]
    assert threading.active_count() == before


def test_exception_in_a_thread_is_recorded_and_the_run_goes_on() -> None:
    trace = run(
        """
        import threading

        def fallar():
            raise ValueError("sin datos")

        h = threading.Thread(target=fallar, name="Hilo-1")
        h.start()
        h.join()
        print("sigue")
        """
    )
    assert trace.outcome.status == "completed"
    error = next(e for e in trace.events if e.kind == "thread_error")
    assert error.arg == {"type": "ValueError", "message": "sin datos", "line": 5}
    assert trace.thread(error.thread).end == "error"
    assert [e.arg for e in trace.events if e.kind == "print"] == ["sigue"]


def test_exception_in_the_main_code_is_the_error_outcome() -> None:
    trace = run(
        """
        x = 1
        y = x / 0
        """
    )
    assert trace.outcome.status == "error"
    assert trace.outcome.error == {
        "thread": 0,
        "type": "ZeroDivisionError",
        "message": "division by zero",
        "line": 3,
    }


# Both threads hold their first lock before either asks for its second: always a deadlock,
# however the machine schedules them.
SURE_DEADLOCK = """
import threading
lock_a, lock_b = threading.Lock(), threading.Lock()
both_hold = threading.Barrier(2)

def take(first, second):
    with first:
        both_hold.wait()
        with second:
            pass

threading.Thread(target=take, args=(lock_a, lock_b)).start()
threading.Thread(target=take, args=(lock_b, lock_a)).start()
"""


def test_two_hundred_deadlocks_leave_no_thread_behind() -> None:
    before = threading.active_count()
    for _ in range(200):
        trace = run_source(SURE_DEADLOCK)
        assert trace.outcome.status == "deadlock"
    assert threading.active_count() == before


def test_all_import_forms_get_the_traced_modules() -> None:
    trace = run(
        """
        import threading as th
        from threading import Lock, Thread
        from queue import Queue
        from time import sleep
        import time, random, math, collections

        candado = Lock()
        cola = Queue()
        otro = th.Lock()
        t = Thread(target=sleep, args=(0.001,))
        t.start()
        t.join()
        cola.put(math.floor(2.5))
        with candado:
            pass
        time.sleep(0)
        """
    )
    assert trace.outcome.status == "completed"
    assert {o.label for o in trace.objects} == {"candado", "cola", "otro"}
    assert {"put", "acquire", "sleep_request", "join_request"} <= set(kinds(trace))


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("import os\n", "line 1: import of 'os' is not allowed"),
        ("x = 1\nfrom subprocess import run\n", "line 2: import of 'subprocess' is not allowed"),
        ("def f(:\n    pass\n", "syntax error at line 1"),
        ("from . import x\n", "relative imports are not allowed"),
    ],
)
def test_bad_source_is_refused_before_running(code: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        run_source(code)
    assert message in str(info.value)


def test_dynamic_import_outside_the_list_fails_inside_the_program() -> None:
    trace = run("m = __import__('os')\n")
    assert trace.outcome.status == "error"
    assert trace.outcome.error is not None
    assert "not allowed" in trace.outcome.error["message"]


def test_the_import_error_a_program_gets_is_in_its_runs_language() -> None:
    code = "try:\n    __import__('os')\nexcept ImportError as e:\n    print(e)\n"
    printed = {
        lang: [e.arg for e in run(code, lang=lang).events if e.kind == "print"]
        for lang in ("es", "en")
    }
    assert printed["es"][0].startswith("no se puede importar «os»; un programa de Hilos puede")
    assert printed["en"][0].startswith("import of 'os' is not allowed; a Hilos program may")


def test_a_timeout_points_at_the_thread_that_loops_not_at_the_join() -> None:
    trace = run(
        """
        import threading, time

        def spin():
            n = 0
            while True:
                n += 1

        def nap():
            while True:
                time.sleep(0.01)

        threads = [threading.Thread(target=f, name=f.__name__) for f in (nap, spin)]
        for t in threads:
            t.start()
        threads[0].join()
        """,
        max_seconds=0.5,
    )
    assert trace.outcome.status == "timeout" and trace.outcome.error is not None
    # Neither the main code (in a join, line 16) nor the sleeper: the busy loop, lines 6-7.
    looping = trace.threads[trace.outcome.error["thread"]]
    assert looping.name == "spin"
    assert trace.outcome.error["line"] in (6, 7)


def test_parameters_are_substituted_in_the_recorded_source() -> None:
    code = "N_HILOS = 3  # cuántos\nRETARDO = 0.5\nUSAR = True\nprint(N_HILOS, RETARDO, USAR)\n"
    trace = run_source(code, {"N_HILOS": "5", "RETARDO": 1, "USAR": "false"})
    assert trace.source.splitlines()[0] == "N_HILOS = 5  # cuántos"
    assert trace.params == {"N_HILOS": 5, "RETARDO": 1.0, "USAR": False}
    assert [e.arg for e in trace.events if e.kind == "print"] == ["5 1.0 False"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"NOPE": 1}, "unknown parameter NOPE; this program's parameters: N_HILOS"),
        ({"N_HILOS": "tres"}, "N_HILOS must be an integer (got 'tres')"),
        ({"N_HILOS": 2.5}, "N_HILOS must be an integer (got 2.5)"),
    ],
)
def test_bad_parameters_are_refused(params: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        apply_parameters("N_HILOS = 3\n", params)
    assert str(info.value) == message


def test_random_is_seeded_per_run_and_recorded() -> None:
    code = "import random\nprint(random.randint(0, 10**9))\n"
    first = run_source(code, seed=42)
    again = run_source(code, seed=42)
    other = run_source(code, seed=43)
    printed = [[e.arg for e in t.events if e.kind == "print"] for t in (first, again, other)]
    assert printed[0] == printed[1] != printed[2]
    assert first.seed == 42
