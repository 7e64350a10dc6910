"""The sandboxed side of a run: read the job, put the jail on, run, answer, exit.

Started by `process.py` as a fresh interpreter (`python -I -B -c ...`), one per program; it is
never imported by the server. Everything a run may use is imported here, before the root goes
away. The answer is one JSON object per line on the pipe that was stdout (progress lines, then
one `trace`, `exploration` or `error`); the descriptors 0, 1 and 2 are /dev/null while the
program runs, so nothing it prints by accident lands in the answer. Whatever the answer says
is checked by the server (`validate.py`): a program that takes over this process can write
anything here, and that is the point.
"""

from __future__ import annotations

# Imported before the jail: the modules a program may import and the ones the run needs.
import collections  # noqa: F401
import dataclasses  # noqa: F401
import functools  # noqa: F401
import itertools  # noqa: F401
import json
import math  # noqa: F401
import os
import random  # noqa: F401
import string  # noqa: F401
import sys
import time
from collections.abc import Callable
from typing import Any

from ..explore import explore
from ..runner import ScenarioError, run_source
from .jail import JailError, JailLimits, enter

__all__ = ["main"]

_PROGRESS_EVERY = 0.2  # seconds between progress lines of an exploration


Send = Callable[[dict[str, Any]], None]


def _sender(fd: int) -> Send:
    def send(message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        view = memoryview(data.encode() + b"\n")
        while view:
            view = view[os.write(fd, view) :]

    return send


def _program(job: dict[str, Any]) -> dict[str, Any]:
    """What every job says about the program: its source and where it comes from."""
    return {key: job[key] for key in ("source", "scenario", "lang", "filename")}


def _run(job: dict[str, Any]) -> dict[str, Any]:
    trace = run_source(
        params=None,
        **_program(job),
        seed=job["seed"],
        max_seconds=job["max_seconds"],
        max_threads=job["max_threads"],
        max_events=job["max_events"],
        schedule=job["schedule"],
        pause=job["pause"],
    )
    return {"type": "trace", "trace": trace.to_json()}


def _explore(job: dict[str, Any], send: Send) -> dict[str, Any]:
    last = [0.0]

    def progress(runs: int, schedules: int) -> None:
        now = time.monotonic()
        if now - last[0] >= _PROGRESS_EVERY:
            last[0] = now
            send({"type": "progress", "runs": runs, "schedules": schedules})

    found = explore(
        params=None,
        **_program(job),
        preemptions=job["preemptions"],
        max_schedules=job["max_schedules"],
        max_seconds=job["max_seconds"],
        progress=progress,
    )
    return {"type": "exploration", "exploration": found.to_json()}


def main() -> None:
    job = json.loads(sys.stdin.buffer.read())
    answer_fd = os.dup(1)
    send = _sender(answer_fd)
    # Nothing the run prints by accident (or on purpose) reaches the answer or a log.
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    try:
        enter(JailLimits(**job["jail"]), keep_fds=(0, 1, 2, answer_fd))
    except JailError as exc:
        send({"type": "error", "reason": "unavailable", "message": str(exc)})
        os._exit(3)
    # Said before the program runs, so the server knows what came after may be the program's.
    send({"type": "jailed"})
    try:
        if job["mode"] == "explore":
            answer = _explore(job, send)
        else:
            answer = _run(job)
    except ScenarioError as exc:
        answer = {"type": "error", "reason": "program", "message": str(exc)}
    except RecursionError:
        # Preparing the code (rewriting, compiling) went past Python's depth; a recursion in
        # the program itself is an exception of its run, recorded as such.
        message = "syntax error: the program is nested too deeply to be read"
        answer = {"type": "error", "reason": "program", "message": message}
    except MemoryError:
        answer = {"type": "error", "reason": "memory", "message": "out of memory"}
    except Exception as exc:  # a run that broke the runtime: said, not hidden
        answer = {"type": "error", "reason": "crashed", "message": f"{type(exc).__name__}"}
    send(answer)
    # Threads of the program that would not stop must not hold the answer back.
    os._exit(0)
