"""What a run writes where the program would: print()'s text and reports of uncaught exceptions.

A program must print the same under Hilos as under plain `python3`. So print() is the real
builtin, writing where the program asked, and a traceback shows the program's frames only:
the tracing layer and the runner that stand between the program and the interpreter are cut
out of it, as if they were the interpreter itself.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import traceback
from types import FrameType, TracebackType
from typing import Any

__all__ = [
    "render_print",
    "report_interrupt",
    "report_thread_exception",
    "report_uncaught",
    "strip_hilos_frames",
    "write_stderr",
]

# Compared with code objects' file names, which are their modules' `__file__` as imported.
_TRACING_DIR = os.path.dirname(__file__)
_RUNNER = os.path.join(os.path.dirname(_TRACING_DIR), "runner.py")


class _Tee:
    """A file for print(): passes every write on to `file` and keeps a copy of the text."""

    __slots__ = ("file", "parts")

    def __init__(self, file: Any) -> None:
        self.file = file
        self.parts: list[str] = []

    def write(self, text: str) -> Any:
        self.parts.append(text)
        return self.file.write(text)

    def flush(self) -> Any:
        return self.file.flush()


def render_print(
    values: tuple[object, ...], sep: str | None, end: str | None, file: Any, flush: bool
) -> str:
    """Print `values` as the builtin does, to `file` (None: nowhere); return the line printed.

    The builtin itself checks the arguments and formats, so it raises what it always raises,
    having written what it always writes first. The line returned leaves out `end`.
    """
    if file is None:
        buffer = io.StringIO()
        print(*values, sep=sep, end=end, file=buffer, flush=flush)
        text = buffer.getvalue()
    else:
        tee = _Tee(file)
        print(*values, sep=sep, end=end, file=tee, flush=flush)
        text = "".join(tee.parts)
    tail = "\n" if end is None else end
    return text[: len(text) - len(tail)]


def _is_hilos_file(filename: str) -> bool:
    return os.path.dirname(filename) == _TRACING_DIR or filename == _RUNNER


def _program_frames(tb: TracebackType | None) -> TracebackType | None:
    """The traceback `tb` without the frames of Hilos's own code."""
    kept = []
    while tb is not None:
        if not _is_hilos_file(tb.tb_frame.f_code.co_filename):
            kept.append(tb)
        tb = tb.tb_next
    result: TracebackType | None = None
    for entry in reversed(kept):
        result = TracebackType(result, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return result


def strip_hilos_frames(exc: BaseException) -> None:
    """Cut Hilos's frames out of the tracebacks of `exc` and of the exceptions chained to it."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = _program_frames(current.__traceback__)
        pending += [current.__cause__, current.__context__]
        pending += getattr(current, "exceptions", ())  # an ExceptionGroup's members


def write_stderr(text: str) -> None:
    """Write `text` to sys.stderr at once, as the interpreter writes its reports."""
    stderr = sys.stderr
    if stderr is None:
        return
    stderr.write(text)
    stderr.flush()


def _formatted(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def report_uncaught(exc: BaseException) -> None:
    """Report an exception nothing caught, as the interpreter does: through sys.excepthook."""
    strip_hilos_frames(exc)
    hook = sys.excepthook
    if hook is sys.__excepthook__:
        # The standard hook, with source lines from linecache (where the runner puts them).
        write_stderr(_formatted(exc))
        return
    try:
        hook(type(exc), exc, exc.__traceback__)
    except Exception as failure:
        if failure.__context__ is exc:
            failure.__context__ = None  # the interpreter calls the hook with nothing handled
        strip_hilos_frames(failure)
        write_stderr(
            f"Error in sys.excepthook:\n{_formatted(failure)}\n"
            f"Original exception was:\n{_formatted(exc)}"
        )


def report_thread_exception(args: Any) -> None:
    """Write what threading.excepthook writes for `args` (an ExceptHookArgs)."""
    thread = args.thread
    name = thread.name if thread is not None else str(threading.get_ident())
    lines = traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
    write_stderr(f"Exception in thread {name}:\n" + "".join(lines))


def report_interrupt(frame: FrameType | None, filename: str) -> None:
    """Report Ctrl+C as the interpreter does: a KeyboardInterrupt raised where the main code
    was (`frame`, its innermost frame): from the program's `filename` down to Hilos's code."""
    frames = [f for f, _ in traceback.walk_stack(frame)]
    frames.reverse()
    starts = [i for i, f in enumerate(frames) if f.f_code.co_filename == filename]
    shown = []
    for f in frames[starts[0] :] if starts else []:
        if _is_hilos_file(f.f_code.co_filename):
            break  # a traced primitive: what runs below it stands in for the interpreter
        shown.append(f)
    stack = traceback.StackSummary.extract((f, f.f_lineno or 0) for f in shown)
    head = "Traceback (most recent call last):\n" if stack else ""
    write_stderr(head + "".join(stack.format()) + "KeyboardInterrupt\n")
