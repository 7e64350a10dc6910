"""A program prints and raises under Hilos what it prints and raises under plain `python3`.

Most tests run one battery against the standard modules and the traced ones (the `mods`
fixture of `test_semantics.py`): the expected outcome is what the standard library does in
the same test, so a test that passes for "std" tests the test itself. The reports of uncaught
exceptions are compared with a real `python3` running the same file.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading as std_threading
import time as std_time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from app.runner import run_source
from app.tracing import Recorder
from app.tracing.primitives import _check_timeout
from tests.helpers import STD, Mods

pytestmark = pytest.mark.timeout(30)

INF = float("inf")
NAN = float("nan")
TIMEOUT = 5.0


def outcome(call: Callable[[], object]) -> tuple[Any, Any]:
    """What `call()` does: ("returned", value) or (exception type, message)."""
    try:
        return "returned", call()
    except Exception as exc:
        return type(exc), str(exc)


def same_as_std(mods: Mods, call: Callable[[Mods], object]) -> tuple[Any, Any]:
    """Assert `call` does with `mods` what it does with the standard modules; return that."""
    expected = outcome(lambda: call(STD))
    assert outcome(lambda: call(mods)) == expected
    return expected


# -- timeouts: inf, nan and non-numbers ------------------------------------------------------


@pytest.mark.parametrize("timeout", [INF, 1e300, 2**70, "x"], ids=["inf", "1e300", "2**70", "x"])
def test_event_wait_refuses_a_timeout_it_cannot_wait_with(mods: Mods, timeout: Any) -> None:
    kind, _ = same_as_std(mods, lambda m: m["threading"].Event().wait(timeout))
    assert kind in (OverflowError, TypeError)


@pytest.mark.parametrize("timeout", [INF, "x"], ids=["inf", "x"])
def test_a_set_event_returns_before_looking_at_the_timeout(mods: Mods, timeout: Any) -> None:
    def wait(m: Mods) -> object:
        event = m["threading"].Event()
        event.set()
        return event.wait(timeout)

    assert same_as_std(mods, wait) == ("returned", True)


def test_event_wait_nan_does_not_wait(mods: Mods) -> None:
    started = std_time.monotonic()
    assert mods["threading"].Event().wait(NAN) is False
    assert std_time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("timeout", "kind"),
    [(INF, OverflowError), ("x", TypeError), (NAN, "returned")],
    ids=["inf", "x", "nan"],
)
def test_condition_wait_timeouts(mods: Mods, timeout: Any, kind: Any) -> None:
    def wait(m: Mods) -> object:
        cond = m["threading"].Condition()
        with cond:
            result = outcome(lambda: cond.wait(timeout))
            assert cond._is_owned() and not cond._waiters
        return result

    assert same_as_std(mods, wait)[1][0] == kind


def test_condition_wait_for_with_an_infinite_timeout(mods: Mods) -> None:
    def wait_for(m: Mods) -> object:
        with (cond := m["threading"].Condition()):
            return cond.wait_for(lambda: False, INF)

    assert same_as_std(mods, wait_for)[0] is OverflowError


@pytest.mark.parametrize(
    "timeout", [INF, 1e300, 2**70, "x", -1, 0.0], ids=["inf", "1e300", "2**70", "x", "-1", "0"]
)
def test_check_timeout_raises_what_a_semaphore_acquire_raises(timeout: Any) -> None:
    # Semaphore.acquire calls it once no slot is free and it is to wait.
    expected = outcome(lambda: std_threading.Semaphore(0).acquire(timeout=timeout))
    if expected[0] == "returned":
        assert outcome(lambda: _check_timeout(timeout)) == ("returned", None)
    else:
        assert outcome(lambda: _check_timeout(timeout)) == expected


@pytest.mark.parametrize("timeout", [INF, "x"], ids=["inf", "x"])
def test_barrier_wait_refuses_a_timeout_and_stays_whole(mods: Mods, timeout: Any) -> None:
    def wait(m: Mods) -> object:
        barrier = m["threading"].Barrier(2)
        result = outcome(lambda: barrier.wait(timeout))
        assert not barrier.broken and barrier.n_waiting == 0
        return result

    assert same_as_std(mods, wait)[1][0] in (OverflowError, TypeError)
    # The last party to arrive releases the others: it never looks at its timeout.
    assert same_as_std(mods, lambda m: m["threading"].Barrier(1).wait(timeout)) == ("returned", 0)


@pytest.mark.parametrize("timeout", [INF, "x"], ids=["inf", "x"])
def test_join_refuses_a_timeout_it_cannot_wait_with(mods: Mods, timeout: Any) -> None:
    def join_running(m: Mods) -> object:
        gate = std_threading.Event()
        worker = m["threading"].Thread(target=gate.wait, args=(TIMEOUT,), daemon=True)
        worker.start()
        try:
            return outcome(lambda: worker.join(timeout))
        finally:
            gate.set()
            std_threading.Thread.join(worker, TIMEOUT)

    def join_ended(m: Mods) -> object:
        done = std_threading.Event()
        worker = m["threading"].Thread(target=done.set)
        worker.start()
        done.wait(TIMEOUT)  # not joined yet: its lock still takes the timeout
        return outcome(lambda: worker.join(timeout))

    def join_joined(m: Mods) -> object:
        worker = m["threading"].Thread(target=_work)
        worker.start()
        worker.join()
        return outcome(lambda: worker.join(timeout))

    assert same_as_std(mods, join_running)[1][0] in (OverflowError, TypeError)
    assert same_as_std(mods, join_ended)[1][0] in (OverflowError, TypeError)
    assert same_as_std(mods, join_joined)[1][0] == ("returned" if timeout == INF else TypeError)


def test_a_timer_with_an_infinite_interval_fails_in_its_thread(mods: Mods) -> None:
    def fire(m: Mods) -> object:
        th = m["threading"]
        seen: list[tuple[Any, str]] = []
        original = th.excepthook
        th.excepthook = lambda args: seen.append((args.exc_type, str(args.exc_value)))
        try:
            timer = th.Timer(INF, print)
            timer.start()
            timer.join(TIMEOUT)
        finally:
            th.excepthook = original
        return seen

    assert same_as_std(mods, fire)[1][0][0] is OverflowError


def test_a_call_refused_for_its_arguments_records_no_request() -> None:
    rec = Recorder()
    th = rec.modules["threading"]
    done = std_threading.Event()
    ended = th.Thread(target=done.set)
    ended.start()
    done.wait(TIMEOUT)
    cond = th.Condition()
    refused: list[Callable[[], object]] = [
        lambda: th.Event().wait("x"),
        lambda: th.Event().wait(INF),
        lambda: th.Barrier(2).wait("x"),
        lambda: th.Barrier(2).wait(INF),
        lambda: ended.join("x"),
        lambda: ended.join(INF),
        lambda: cond.wait(INF),
    ]
    with cond:
        for call in refused:
            with pytest.raises((TypeError, OverflowError)):
                call()
    trace = rec.finish()
    assert [e.kind for e in trace.events if e.kind.endswith("_request")] == []


# -- print ---------------------------------------------------------------------------------

BAD_PRINTS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((1,), {"end": 3}),
    ((1, 2), {"sep": 3}),
    ((), {"sep": b"-"}),
]


@pytest.mark.parametrize("echo", [False, True], ids=["quiet", "echo"])
@pytest.mark.parametrize(("args", "kwargs"), BAD_PRINTS, ids=["end=3", "sep=3", "sep=bytes"])
def test_print_with_bad_arguments_raises_as_the_builtin_and_records_nothing(
    echo: bool, args: tuple[Any, ...], kwargs: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    expected = outcome(lambda: print(*args, **kwargs))
    assert expected[0] is TypeError
    rec = Recorder(echo=echo)
    assert outcome(lambda: rec.print(*args, **kwargs)) == expected
    trace = rec.finish()
    assert [e for e in trace.events if e.kind == "print"] == []
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("echo", [False, True], ids=["quiet", "echo"])
def test_print_writes_what_the_builtin_writes(
    echo: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = Recorder(echo=echo)
    rec.print("a", 1, None, sep="-", end="!\n")
    rec.print("b", sep=None, end=None)
    rec.print()
    trace = rec.finish()
    assert [e.arg for e in trace.events if e.kind == "print"] == ["a-1-None", "b", ""]
    assert capsys.readouterr().out == ("a-1-None!\nb\n\n" if echo else "")


def test_print_to_a_file_writes_there_piece_by_piece() -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise ValueError("no text")

    expected = io.StringIO()
    raised = outcome(lambda: print("a", Unprintable(), file=expected))
    rec = Recorder()
    written = io.StringIO()
    assert outcome(lambda: rec.print("a", Unprintable(), file=written)) == raised
    assert written.getvalue() == expected.getvalue() == "a "
    rec.print("x", 2, file=written, flush=True)
    trace = rec.finish()
    assert written.getvalue() == "a x 2\n"
    assert [e.arg for e in trace.events if e.kind == "print"] == ["x 2"]


def test_a_print_that_raises_is_not_in_the_trace() -> None:
    trace = run_source(
        "try:\n    print(1, end=3)\nexcept TypeError as exc:\n    print('caught:', exc)\n"
    )
    prints = [e.arg for e in trace.events if e.kind == "print"]
    assert prints == ["caught: end must be None or a string, not int"]


# -- uncaught exceptions: the report on stderr ------------------------------------------------

ERRORS = """\
import sys
import threading


def divide(x):
    return 1 / x


def worker():
    divide(0)


class Runner(threading.Thread):
    def run(self):
        print(self.run.__name__, type(self).run.__name__)
        try:
            {}["missing"]
        except KeyError as exc:
            raise ValueError("from run") from exc


first = threading.Thread(target=worker)
first.start()
first.join()
print("main goes on", file=sys.stderr)
second = Runner()
second.start()
second.join()
quiet = threading.Thread(target=sys.exit, args=(3,))
quiet.start()
quiet.join()
main = threading.main_thread()
print(main.name, main.daemon, type(main).__name__)
divide(0)
"""

HOOKS = """\
import threading
import traceback


def report(args):
    frames = [frame.name for frame in traceback.extract_tb(args.exc_traceback)]
    print("hook:", args.exc_type.__name__, args.exc_value, args.thread.name, frames)


def fail():
    raise KeyError("k")


threading.excepthook = report
worker = threading.Thread(target=fail, name="w")
worker.start()
worker.join()
print("default:", threading.__excepthook__ is not None)
"""

BROKEN_HOOK = """\
import threading


def hook(args):
    print("hook got", args.exc_type.__name__)
    raise ValueError("bad hook")


threading.excepthook = hook
worker = threading.Thread(target=lambda: 1 / 0)
worker.start()
worker.join()
print("done")
"""

# CPython's own frame where the hook is called; Hilos calls it from its own code, so the
# report has every line but these two.
INVOKE_FRAME = re.compile(
    r'  File "[^"]*threading\.py", line \d+, in invoke_excepthook\n    hook\(args\)\n'
)


def python3(path: Path) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=20, check=False
    )
    return done.stdout, done.stderr


def hilos(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    capsys.readouterr()
    run_source(path.read_text(), filename=str(path), echo=True, any_import=True)
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.mark.parametrize("source", [ERRORS, HOOKS], ids=["errors", "hooks"])
def test_uncaught_exceptions_are_reported_as_python3_reports_them(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "program.py"
    path.write_text(source)
    assert hilos(path, capsys) == python3(path)


def test_a_failing_excepthook_is_reported_as_python3_reports_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "program.py"
    path.write_text(BROKEN_HOOK)
    out, err = python3(path)
    assert INVOKE_FRAME.search(err)
    assert hilos(path, capsys) == (out, INVOKE_FRAME.sub("", err))


def test_the_report_shows_the_source_of_a_program_that_is_no_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = "import threading\n\ndef fail():\n    raise KeyError('k')\n\nfail()\n"
    run_source(source, scenario="demo", lang="en", echo=True)
    assert capsys.readouterr().err == (
        "Traceback (most recent call last):\n"
        '  File "<scenario:demo/en>", line 6, in <module>\n'
        "    fail()\n"
        '  File "<scenario:demo/en>", line 4, in fail\n'
        "    raise KeyError('k')\n"
        "KeyError: 'k'\n"
    )


def test_without_echo_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = ERRORS.replace('print("main goes on", file=sys.stderr)\n', "")
    trace = run_source(source, any_import=True)
    assert trace.outcome.status == "error"
    assert capsys.readouterr() == ("", "")


# -- the standard library's other names ------------------------------------------------------

DEPRECATED: dict[str, tuple[str, Callable[[ModuleType], object]]] = {
    "getName": ("get the name attribute instead", lambda th: th.Thread(name="t").getName()),
    "setName": ("set the name attribute instead", lambda th: th.Thread().setName("t")),
    "isDaemon": ("get the daemon attribute instead", lambda th: th.Thread().isDaemon()),
    "setDaemon": ("set the daemon attribute instead", lambda th: th.Thread().setDaemon(True)),
    "currentThread": (
        "use current_thread() instead",
        lambda th: th.currentThread() is th.current_thread(),
    ),
    "activeCount": (
        "use active_count() instead",
        lambda th: th.activeCount() == th.active_count(),
    ),
    "isSet": ("use is_set() instead", lambda th: th.Event().isSet()),
}


@pytest.mark.parametrize("name", DEPRECATED)
def test_deprecated_names_warn_as_in_cpython(mods: Mods, name: str) -> None:
    advice, call = DEPRECATED[name]
    message = f"{name}() is deprecated, {advice}"
    with pytest.warns(DeprecationWarning, match=re.escape(message)) as warned:
        result = call(mods["threading"])
    with pytest.warns(DeprecationWarning):
        assert result == call(std_threading)
    assert [w.filename for w in warned] == [__file__]  # blamed on the caller, not on Hilos


def test_condition_notify_all_under_its_old_name(mods: Mods) -> None:
    th = mods["threading"]
    cond = th.Condition()
    woken = std_threading.Event()

    def waiter() -> None:
        with cond:
            if cond.wait(TIMEOUT):
                woken.set()

    worker = th.Thread(target=waiter)
    worker.start()
    while True:
        with cond:
            if cond._waiters:
                with pytest.warns(DeprecationWarning, match=r"notifyAll\(\) is deprecated"):
                    cond.notifyAll()
                break
        std_time.sleep(0.002)
    worker.join(TIMEOUT)
    assert woken.is_set()


def test_lock_old_names(mods: Mods) -> None:
    lock = mods["threading"].Lock()
    assert lock.acquire_lock() is True
    assert lock.locked_lock() is True and lock.acquire_lock(False) is False
    lock.release_lock()
    assert lock.locked_lock() is False


def _public(obj: object) -> set[str]:
    return {name for name in dir(obj) if not name.startswith("_") and hasattr(obj, name)}


INSTANCES: dict[str, Callable[[ModuleType], object]] = {
    "Lock": lambda th: th.Lock(),
    "RLock": lambda th: th.RLock(),
    "Condition": lambda th: th.Condition(),
    "Semaphore": lambda th: th.Semaphore(),
    "BoundedSemaphore": lambda th: th.BoundedSemaphore(),
    "Event": lambda th: th.Event(),
    "Barrier": lambda th: th.Barrier(1),
    "Thread": lambda th: th.Thread(),
    "Timer": lambda th: th.Timer(1, print),
}


@pytest.mark.parametrize("kind", INSTANCES)
def test_instances_have_the_standard_public_attributes(mods: Mods, kind: str) -> None:
    make = INSTANCES[kind]
    assert _public(make(mods["threading"])) == _public(make(std_threading))


def test_the_module_has_the_standard_public_names(mods: Mods) -> None:
    th = mods["threading"]
    assert _public(std_threading) <= _public(th)
    assert th.__excepthook__ is not None and callable(th.__excepthook__)


# -- argument errors ----------------------------------------------------------------------

ARGUMENT_ERRORS: dict[str, Callable[[Mods], object]] = {
    "Event(1)": lambda m: m["threading"].Event(1),
    "Event().wait(1, 2)": lambda m: m["threading"].Event().wait(1, 2),
    "Event().set(1)": lambda m: m["threading"].Event().set(1),
    "Condition(1, 2)": lambda m: m["threading"].Condition(1, 2),
    "Condition().wait(1, 2)": lambda m: m["threading"].Condition().wait(1, 2),
    "Condition().wait_for()": lambda m: m["threading"].Condition().wait_for(),
    "Condition().notify_all(1)": lambda m: m["threading"].Condition().notify_all(1),
    "Semaphore(1, 2)": lambda m: m["threading"].Semaphore(1, 2),
    "Semaphore('x')": lambda m: m["threading"].Semaphore("x"),
    "Semaphore().acquire(1, 2, 3)": lambda m: m["threading"].Semaphore().acquire(1, 2, 3),
    "Semaphore().release(1, 2)": lambda m: m["threading"].Semaphore().release(1, 2),
    "Semaphore().__exit__()": lambda m: m["threading"].Semaphore().__exit__(),
    "Barrier()": lambda m: m["threading"].Barrier(),
    "Barrier(2).wait(1, 2)": lambda m: m["threading"].Barrier(2).wait(1, 2),
    "Barrier(1).reset(1)": lambda m: m["threading"].Barrier(1).reset(1),
    "Thread(foo=1)": lambda m: m["threading"].Thread(foo=1),
    "Thread(1)": lambda m: m["threading"].Thread(1),
    "Thread(7 arguments)": lambda m: m["threading"].Thread(None, None, None, (), {}, None, 5),
    "Thread().start(1)": lambda m: m["threading"].Thread().start(1),
    "Thread().join(1, 2)": lambda m: m["threading"].Thread().join(1, 2),
    "Thread().join()": lambda m: m["threading"].Thread().join(),
    "Thread().is_alive(1)": lambda m: m["threading"].Thread().is_alive(1),
    "Timer()": lambda m: m["threading"].Timer(),
    "Timer(1)": lambda m: m["threading"].Timer(1),
    "Timer(1, print, 1, 2, 3)": lambda m: m["threading"].Timer(1, print, 1, 2, 3),
    "Timer(1, print).cancel(1)": lambda m: m["threading"].Timer(1, print).cancel(1),
    "current_thread(1)": lambda m: m["threading"].current_thread(1),
    "main_thread(1)": lambda m: m["threading"].main_thread(1),
    "enumerate(1)": lambda m: m["threading"].enumerate(1),
    "active_count(1)": lambda m: m["threading"].active_count(1),
    # pytest replaces threading.excepthook while it runs a test: its original it is.
    "excepthook()": lambda m: m["threading"].__excepthook__(),
    "excepthook(1, 2)": lambda m: m["threading"].__excepthook__(1, 2),
    "sleep()": lambda m: m["time"].sleep(),
    "sleep(1, 2)": lambda m: m["time"].sleep(1, 2),
    "sleep(secs=1)": lambda m: m["time"].sleep(secs=1),
    "sleep(inf)": lambda m: m["time"].sleep(INF),
    "Lock().acquire(timeout=inf)": lambda m: m["threading"].Lock().acquire(timeout=INF),
}


@pytest.mark.parametrize("call", ARGUMENT_ERRORS)
def test_argument_errors_read_as_cpython_writes_them(mods: Mods, call: str) -> None:
    kind, _ = same_as_std(mods, ARGUMENT_ERRORS[call])
    assert kind in (TypeError, ValueError, OverflowError, AssertionError, RuntimeError)


def test_a_thread_refused_for_its_group_takes_no_name_number(mods: Mods) -> None:
    th = mods["threading"]
    before = th.Thread().name
    with pytest.raises(AssertionError, match="group argument must be None for now"):
        th.Thread(1)
    after = th.Thread().name
    assert int(after.split("-")[1]) == int(before.split("-")[1]) + 1


# -- repr ------------------------------------------------------------------------------------


def _labels(obj: Any) -> list[str]:
    """The Hilos labels in `obj`'s repr: its own and its lock's (none for the standard ones)."""
    found = []
    for part in (obj, getattr(obj, "_lock", None)):
        oid = getattr(part, "_oid", None)
        if oid:
            found.append(part._rec.label(oid))
    return sorted(found, key=len, reverse=True)  # "cond.lock" goes before "cond"


def _shape(text: str, labels: list[str]) -> str:
    """A repr without Hilos's labels, its addresses and thread numbers: what must be equal."""
    for label in labels:
        text = text.replace(f" {label}", "", 1)
    text = re.sub(r"0x[0-9a-f]+", "0x…", text)
    return re.sub(r"Thread-\d+", "Thread-N", text)


def _locked(obj: Any, times: int = 1) -> Any:
    for _ in range(times):
        obj.acquire()
    return obj


def _set(event: Any) -> Any:
    event.set()
    return event


def _broken(barrier: Any) -> Any:
    barrier.abort()
    return barrier


def _work() -> None:
    pass


REPRS: dict[str, Callable[[ModuleType], Any]] = {
    "Lock": lambda th: th.Lock(),
    "Lock, locked": lambda th: _locked(th.Lock()),
    "RLock": lambda th: th.RLock(),
    "RLock, locked twice": lambda th: _locked(th.RLock(), 2),
    "Condition": lambda th: th.Condition(),
    "Condition(Lock())": lambda th: th.Condition(th.Lock()),
    "Event": lambda th: th.Event(),
    "Event, set": lambda th: _set(th.Event()),
    "Semaphore(3)": lambda th: th.Semaphore(3),
    "Semaphore(3), acquired": lambda th: _locked(th.Semaphore(3)),
    "BoundedSemaphore(3), acquired": lambda th: _locked(th.BoundedSemaphore(3)),
    "Barrier(3)": lambda th: th.Barrier(3),
    "Barrier(3), broken": lambda th: _broken(th.Barrier(3)),
    "Thread": lambda th: th.Thread(target=_work),
    "Thread, named": lambda th: th.Thread(target=_work, name="w", daemon=True),
    "Timer": lambda th: th.Timer(1, _work),
}


@pytest.mark.parametrize("kind", REPRS)
def test_repr_keeps_the_standard_shape(mods: Mods, kind: str) -> None:
    make = REPRS[kind]
    obj = make(mods["threading"])
    labels = _labels(obj)
    text = repr(obj)
    assert _shape(text, labels) == _shape(repr(make(std_threading)), [])
    assert all(f" {label}" in text for label in labels)


def test_the_label_follows_the_type_name(traced: Mods) -> None:
    th = traced["threading"]
    mutex = th.Lock()
    cond = th.Condition(mutex)
    event = th.Event()
    assert re.fullmatch(r"<unlocked _thread\.lock object mutex at 0x[0-9a-f]+>", repr(mutex))
    assert re.fullmatch(r"<threading\.Event event at 0x[0-9a-f]+: unset>", repr(event))
    # A Condition shows no address: its label ends it.
    assert re.fullmatch(
        r"<Condition\(<unlocked _thread\.lock object mutex at 0x[0-9a-f]+>, 0\) cond>", repr(cond)
    )


def test_the_main_code_runs_in_a_main_thread(capsys: pytest.CaptureFixture[str]) -> None:
    source = (
        "import threading\n"
        "main = threading.main_thread()\n"
        "print(main is threading.current_thread(), main.name, main.daemon, type(main).__name__)\n"
        "print(isinstance(main, threading.Thread), main.run.__name__)\n"
    )
    run_source(source, echo=True)
    assert capsys.readouterr().out == "True MainThread False _MainThread\nTrue run\n"
