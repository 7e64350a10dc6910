"""Traced Thread and Timer: real threads whose life, joins and errors are recorded."""

from __future__ import annotations

import threading as _std
from collections.abc import Callable, Iterable, Mapping
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from .recorder import RunAborted, Waiting
from .trace import KIND_CODE as K
from .trace import jsonable

if TYPE_CHECKING:
    from .recorder import Recorder

__all__ = ["TracedThread", "TracedTimer", "error_line"]


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


class TracedThread(_std.Thread, metaclass=_ThreadType):
    """threading.Thread, recorded: start, run, end, errors and joins appear on its lane."""

    _rec: Recorder
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
        if not name:
            name = self._rec.next_thread_name()
            if target is not None:
                try:
                    name += f" ({target.__name__})"
                except AttributeError:
                    pass
        super().__init__(group, target, name, args, kwargs, daemon=daemon)
        self._hilos_tid: int | None = None
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
        self._hilos_launch()

    def _hilos_start_main(self) -> None:
        """Start this thread as the run's main thread (id 0, started by nobody)."""
        self._hilos_kind = "main"
        self._hilos_line = None
        self._hilos_register(None)
        self._hilos_launch()

    def _hilos_register(self, parent: int | None) -> int:
        rec = self._rec
        child = rec.register_thread(
            self, self._hilos_kind, self._target_name(), self._hilos_line, parent=parent
        )
        self._hilos_tid = child
        self._hilos_user_run = self.run
        # An instance attribute shadows run() for this one start; removed when it ends.
        self.run = self._hilos_body  # type: ignore[method-assign]
        return child

    def _hilos_launch(self) -> None:
        try:
            super().start()
        except BaseException:
            del self.run
            assert self._hilos_tid is not None
            self._rec.threads[self._hilos_tid].end = "never-started"
            raise

    def _hilos_announce(self, tid: int, line: int) -> None:
        pass

    def _hilos_body(self) -> None:
        rec = self._rec
        tid = self._hilos_tid
        assert tid is not None
        how, reason = "finished", None
        try:
            rec.thread_began(tid, self._body_line())
            self._hilos_user_run()
        except RunAborted:
            how, reason = "aborted", rec.aborted
        except SystemExit as exc:
            self._hilos_report(exc)  # the default hook ignores it, as CPython's does
        except BaseException as exc:
            how = "error"
            line = error_line(exc.__traceback__, rec.filename)
            info = {"type": type(exc).__name__, "message": str(exc), "line": line}
            rec.append((rec.now(), tid, K["thread_error"], 0, line, jsonable_dict(info)))
            self._hilos_report(exc)
        finally:
            try:
                del self.run
            except AttributeError:
                pass
            rec.thread_finished(tid, how, reason)

    def _hilos_report(self, exc: BaseException) -> None:
        hook = self._rec.modules["threading"].excepthook
        try:
            hook(_std.ExceptHookArgs([type(exc), exc, exc.__traceback__, self]))
        except Exception:
            pass

    def join(self, timeout: float | None = None) -> None:
        """Wait until the thread ends or the timeout (seconds) expires; return None."""
        rec = self._rec
        tid, line = rec.begin(K["join_request"], 0)
        _std.Thread.join(self, 0)  # raises the standard library's errors, never waits
        target = self._hilos_tid
        rec.append((rec.now(), tid, K["join_request"], 0, line, [target, timeout]))
        if self.is_alive() and (timeout is None or timeout > 0):

            def attempt(seconds: float) -> bool:
                _std.Thread.join(self, seconds)
                return not self.is_alive()

            waiting = Waiting("join", 0, line, timeout is not None, target)
            rec.block(tid, waiting, attempt, timeout)
        rec.append((rec.now(), tid, K["join_return"], 0, line, [target, self.is_alive()]))


def jsonable_dict(info: dict[str, Any]) -> dict[str, Any]:
    return {key: jsonable(value) for key, value in info.items()}


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
        rec.block(tid, Waiting("timer", 0, 0, True), self.finished.wait, self.interval)
        if not self.finished.is_set():
            rec.append((rec.now(), tid, K["timer_fire"], 0, self._body_line(), None))
            self.function(*self.args, **self.kwargs)
        self.finished.set()
