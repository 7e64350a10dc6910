"""Traced Thread and Timer: real threads whose life, joins and errors are recorded.

A traced thread runs the standard bootstrap: `run` is the program's own, and an exception
that ends it is caught where CPython catches it and handed to `threading.excepthook` as
CPython hands it, Hilos's own frames cut out of its traceback. Recording wraps the bootstrap
(`_bootstrap`), outside every frame a traceback shows.
"""

from __future__ import annotations

import sys
import threading as _std
from collections.abc import Callable, Iterable, Mapping
from types import FrameType, TracebackType
from typing import Any

from .common import RunAborted, Runtime, Waiting
from .output import report_uncaught, strip_hilos_frames, write_stderr
from .primitives import _check_lock_args, _check_wait_timeout, std_named
from .trace import KIND_CODE as K
from .trace import jsonable

# How long a join waits for an OS thread whose end is already recorded to be gone (seconds):
# it has only its interpreter's cleanup left.
_GONE = 0.05

__all__ = ["TracedThread", "TracedTimer", "error_line", "start_main"]


def error_line(tb: TracebackType | None, filename: str | None) -> int:
    """Return the deepest line of `filename` (any file when None) in a traceback, or 0."""
    line = 0
    while tb is not None:
        if filename is None or tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class _ThreadType(type):
    """The metaclass of traced threads.

    A run's `threading.Thread` stands in for the standard class, so every real thread is an
    instance of it, as every thread is a `threading.Thread` (also threads Hilos did not
    create). Subclasses written by the program keep the ordinary checks.
    """

    def __instancecheck__(cls, instance: object) -> bool:
        if cls.__dict__.get("_hilos_stands_for_std"):
            return isinstance(instance, _std.Thread)
        return super().__instancecheck__(instance)

    def __subclasscheck__(cls, subclass: type) -> bool:
        if cls.__dict__.get("_hilos_stands_for_std"):
            return issubclass(subclass, _std.Thread)
        return super().__subclasscheck__(subclass)


@std_named("Thread")
class TracedThread(_std.Thread, metaclass=_ThreadType):
    """threading.Thread, recorded: start, run, end, errors and joins appear on its lane."""

    _rec: Runtime
    _hilos_kind = "thread"

    def __init__(
        self,
        group: None = None,
        target: Callable[..., object] | None = None,
        name: str | None = None,
        args: Iterable[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        *,
        daemon: bool | None = None,
    ) -> None:
        assert group is None, "group argument must be None for now"
        if not name:
            name = self._rec.next_thread_name()
            if target is not None:
                try:
                    name += f" ({target.__name__})"
                except AttributeError:
                    pass
        super().__init__(group, target, name, args, kwargs, daemon=daemon)
        # The standard bootstrap calls it with the exception that ended run().
        self._invoke_excepthook = self._hilos_uncaught
        self._hilos_tid: int | None = None
        self._hilos_end: tuple[str, str | None] = ("finished", None)
        self._hilos_line = self._creation_line()

    def _creation_line(self) -> int | None:
        rec = self._rec
        frame: FrameType | None = rec.user_frame(3)
        # Skip the __init__ of a subclass: the interesting line is where it was called.
        while frame is not None and frame.f_locals.get("self") is self:
            frame = frame.f_back
        if frame is None:
            return None
        if rec.filename is not None and frame.f_code.co_filename != rec.filename:
            return None
        return frame.f_lineno

    def _target_name(self) -> str | None:
        if self._hilos_kind == "main":
            return None
        target = getattr(self, "_target", None)
        if target is not None:
            return getattr(target, "__name__", None)
        run = type(self).run
        if run is not _std.Thread.run and run is not TracedThread.run:
            return f"{type(self).__name__}.run"
        return None

    def _body_line(self) -> int:
        """Line where the thread's code begins: its target's or run()'s `def`."""
        target = getattr(self, "_target", None)
        code = getattr(target if target is not None else type(self).run, "__code__", None)
        filename = self._rec.filename
        if code is None or (filename is not None and code.co_filename != filename):
            return 0
        return int(code.co_firstlineno)

    def start(self) -> None:
        """Start the thread's activity; a thread can be started only once."""
        rec = self._rec
        if not getattr(self, "_initialized", False) or self.ident is not None:
            super().start()  # raises the standard library's error
            return
        tid, line = rec.begin(K["thread_start"], 0)
        child = self._hilos_register(tid)
        rec.append((rec.now(), tid, K["thread_start"], 0, line, child))
        self._hilos_announce(tid, line)
        rec.expect_thread(child)
        try:
            self._hilos_launch()
        finally:
            rec.thread_started(child)

    def _hilos_start_main(self) -> None:
        """Start this thread as the run's main thread (id 0, started by nobody).

        It is what `threading.main_thread()` returns: a `_MainThread`, never a daemon.
        """
        self._hilos_kind = "main"
        self._hilos_line = None
        self.__class__ = _main_thread_class(type(self))
        self.daemon = False
        self._hilos_register(None)
        self._hilos_launch()

    def _hilos_register(self, parent: int | None) -> int:
        rec = self._rec
        child = rec.register_thread(
            self, self._hilos_kind, self._target_name(), self._hilos_line, parent=parent
        )
        self._hilos_tid = child
        return child

    def _hilos_launch(self) -> None:
        try:
            super().start()
        except BaseException:
            assert self._hilos_tid is not None
            self._rec.threads[self._hilos_tid].end = "never-started"
            raise

    def _hilos_announce(self, tid: int, line: int) -> None:
        pass

    def _bootstrap(self) -> None:
        # The new thread's first call: the standard bootstrap (which calls run() and, should
        # it raise, `_invoke_excepthook`), with the thread's start and end recorded around it.
        rec = self._rec
        tid = self._hilos_tid
        if tid is None:  # not started through start(): nothing to record
            _std.Thread._bootstrap(self)  # type: ignore[attr-defined]
            return
        rec.thread_began(tid, self._body_line())
        try:
            _std.Thread._bootstrap(self)  # type: ignore[attr-defined]
        except RunAborted:
            self._hilos_end = ("aborted", rec.aborted)
        finally:
            rec.thread_finished(tid, *self._hilos_end)

    def _hilos_uncaught(self, thread: _std.Thread) -> None:
        """Record and report the exception that ended run(), as CPython's bootstrap does.

        Called in the bootstrap's `except:` clause, so the exception is the one handled.
        """
        exc = sys.exc_info()[1]
        assert exc is not None
        rec = self._rec
        if isinstance(exc, RunAborted):
            self._hilos_end = ("aborted", rec.aborted)
            return
        strip_hilos_frames(exc)
        tid = self._hilos_tid
        if not isinstance(exc, SystemExit) and tid is not None:
            self._hilos_end = ("error", None)
            line = error_line(exc.__traceback__, rec.filename)
            info = {"type": type(exc).__name__, "message": str(exc), "line": line}
            rec.append((rec.now(), tid, K["thread_error"], 0, line, jsonable_dict(info)))
        if self._hilos_kind == "main":
            return  # the runner reports it, as the interpreter reports the main code's
        _invoke_excepthook(rec, exc, thread)

    def join(self, timeout: float | None = None) -> None:
        """Wait until the thread ends or the timeout (seconds) expires; return None."""
        rec = self._rec
        target = self._hilos_tid
        if target is not None:
            rec.joining(target, timeout is not None)
        tid, line = rec.begin(K["join_request"], 0)
        self._hilos_check_join(timeout)
        rec.append((rec.now(), tid, K["join_request"], 0, line, [target, timeout]))
        if self.is_alive() and (timeout is None or timeout > 0):

            def attempt(seconds: float) -> bool:
                _std.Thread.join(self, seconds)
                return not self.is_alive()

            def holder() -> int | None:
                return target if self.is_alive() else None

            def ended() -> bool:  # as recorded: the OS may take a moment longer
                return target is not None and rec.threads[target].end != "running"

            waiting = Waiting(
                "join",
                0,
                line,
                timeout is not None,
                holder,
                owner_only=True,
                target=target,
                ready=ended,
            )
            rec.block(tid, waiting, attempt, timeout)
        if target is None:  # not a thread of the run's own: the OS answers
            rec.append((rec.now(), tid, K["join_return"], 0, line, [target, self.is_alive()]))
            return
        if self.is_alive() and rec.threads[target].end != "running":
            # Its end is recorded and the OS thread is a moment from gone: let it go, so what
            # the program asks next (is_alive) agrees with the trace's "ended".
            _std.Thread.join(self, _GONE)
        rec.join_returned(tid, line, target, self.is_alive)

    def _hilos_check_join(self, timeout: float | None) -> None:
        """Raise what Thread.join raises for this call before it waits, in the same order."""
        if not self._initialized:  # type: ignore[attr-defined]
            raise RuntimeError("Thread.__init__() not called")
        if not self._started.is_set():  # type: ignore[attr-defined]
            raise RuntimeError("cannot join thread before it is started")
        if self is _std.current_thread():
            raise RuntimeError("cannot join current thread")
        if timeout is not None:
            seconds = max(timeout, 0)
            # CPython hands the timeout to the thread's lock, which refuses inf and the like,
            # until a join() or is_alive() has seen the thread end and dropped the lock.
            if getattr(self, "_tstate_lock", True) is not None:
                _check_lock_args(True, seconds)


def _main_thread_class(thread_class: type) -> type:
    """The run's `threading._MainThread`: its Thread, under the name CPython's main has."""
    return type(
        "_MainThread",
        (thread_class,),
        {"__module__": "threading", "__qualname__": "_MainThread"},
    )


def _invoke_excepthook(rec: Runtime, exc: BaseException, thread: _std.Thread) -> None:
    """Hand `exc` to the run's threading.excepthook, as CPython's `_invoke_excepthook` does.

    Should the hook itself raise, that is reported as CPython reports it: a line, then the
    hook's exception through sys.excepthook.
    """
    module = rec.modules["threading"]
    try:
        hook = module.excepthook
        if hook is None:
            hook = module.__excepthook__
        hook(_std.ExceptHookArgs([type(exc), exc, exc.__traceback__, thread]))
    except Exception as failure:
        failure.__suppress_context__ = True
        if rec.echo:
            write_stderr("Exception in threading.excepthook:\n")
            report_uncaught(failure)


def jsonable_dict(info: dict[str, Any]) -> dict[str, Any]:
    return {key: jsonable(value) for key, value in info.items()}


@std_named("Timer")
class TracedTimer(TracedThread):
    """threading.Timer: call a function after `interval` seconds unless cancelled."""

    _hilos_kind = "timer"

    def __init__(
        self,
        interval: float,
        function: Callable[..., object],
        args: Iterable[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        TracedThread.__init__(self)
        self.interval = interval
        self.function = function
        self.args = args if args is not None else []
        self.kwargs = kwargs if kwargs is not None else {}
        self.finished = _std.Event()

    def _target_name(self) -> str | None:
        return getattr(self.function, "__name__", None)

    def _body_line(self) -> int:
        code = getattr(self.function, "__code__", None)
        filename = self._rec.filename
        if code is None or (filename is not None and code.co_filename != filename):
            return 0
        return int(code.co_firstlineno)

    def _hilos_announce(self, tid: int, line: int) -> None:
        rec = self._rec
        rec.append((rec.now(), tid, K["timer_schedule"], 0, line, [self._hilos_tid, self.interval]))

    def cancel(self) -> None:
        """Stop the timer if it has not fired yet."""
        rec = self._rec
        tid, line = rec.begin(K["timer_cancel"], 0)
        rec.append((rec.now(), tid, K["timer_cancel"], 0, line, self._hilos_tid))
        self.finished.set()

    def run(self) -> None:
        rec = self._rec
        tid = rec.tid()
        if not self.finished.is_set():
            # As finished.wait(interval): its errors, and no wait for 0, negative or nan.
            _check_wait_timeout(self.interval)
            seconds = self.interval if self.interval > 0 else 0
            waiting = Waiting("timer", 0, 0, True, ready=self.finished.is_set)
            rec.block(tid, waiting, self.finished.wait, seconds)
        if not self.finished.is_set():
            rec.append((rec.now(), tid, K["timer_fire"], 0, self._body_line(), None))
            self.function(*self.args, **self.kwargs)
        self.finished.set()


def start_main(thread: TracedThread) -> None:
    """Start `thread`, a traced Thread not yet started, as the run's main thread."""
    thread._hilos_start_main()
