"""One worker process per program: start it, give it the job, read its answer, end it.

The worker is a fresh interpreter (never one that ran another program), killed with SIGKILL
at the wall-time limit whatever it is doing, so a loop in C (`sum(range(10**9))`) cannot
outlive the limit. Its answer is read up to a size limit; past it the worker is killed.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LimitExceeded, ProgramCrashed, RunRefused, SandboxUnavailable

__all__ = ["Answer", "WorkerPool", "run_worker"]

_ROOT = Path(__file__).resolve().parent.parent.parent
_BOOT = (
    f"import sys; sys.path.insert(0, {str(_ROOT)!r}); from app.sandbox.worker import main; main()"
)
# Only the environment the worker needs. One malloc arena per thread (the default) reserves
# 64 MiB of address space each, which a memory limit on the address space would count.
_ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "MALLOC_ARENA_MAX": "2"}
_DIAGNOSTICS = 4096  # bytes kept of the worker's stderr (/dev/null once it is jailed)


@dataclass
class Answer:
    """What the worker said: its last message, and how its process ended."""

    message: dict[str, Any]
    seconds: float
    returncode: int
    progress: list[dict[str, Any]] = field(default_factory=list)


def _frames(buffer: bytearray) -> list[bytes]:
    lines = []
    while (end := buffer.find(b"\n")) >= 0:
        lines.append(bytes(buffer[:end]))
        del buffer[: end + 1]
    return lines


def _decode(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested past the limit
        raise RunRefused("refused", f"the worker's answer is not JSON ({exc})") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise RunRefused("refused", "the worker's answer is not a message")
    return message


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unavailable(message: dict[str, Any]) -> None:
    if message.get("type") == "error" and message.get("reason") == "unavailable":
        detail = str(message.get("message", ""))[:300]
        raise SandboxUnavailable("unavailable", f"the sandbox cannot start here: {detail}")
    raise RunRefused("refused", "the worker did not say it was jailed before anything else")


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


def _start() -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            [sys.executable, "-I", "-B", "-c", _BOOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_ENV,
            cwd="/",
            start_new_session=True,
        )
    except OSError as exc:
        raise SandboxUnavailable("unavailable", f"cannot start a worker: {exc}") from None


class WorkerPool:
    """Workers started ahead, each waiting for its one job (its interpreter up, its imports
    done, not yet jailed): a run takes one and starts its replacement. A spare never ran a
    program; a worker that did is never used again."""

    def __init__(self, spares: int) -> None:
        self.spares = spares
        self._ready: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()

    def take(self) -> subprocess.Popen[bytes]:
        """A worker for one job: a spare if one is alive, else a new one."""
        with self._lock:
            found = None
            while self._ready and found is None:
                candidate = self._ready.pop(0)
                if candidate.poll() is None:
                    found = candidate
                else:
                    _close(candidate)
            while len(self._ready) < self.spares:
                self._ready.append(_start())
        return found or _start()

    def close(self) -> None:
        """End the spares (each would also end by itself when the server's end closes its
        stdin)."""
        with self._lock:
            ready, self._ready = self._ready, []
        for proc in ready:
            proc.kill()
            proc.wait()
            _close(proc)


def _close(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def run_worker(
    job: dict[str, Any],
    *,
    seconds: float,
    output: int,
    progress: Callable[[dict[str, Any]], None] | None = None,
    pool: WorkerPool | None = None,
) -> Answer:
    """Run `job` in a new worker (a spare of `pool`, if given); return its answer, or raise a
    SandboxError.

    `seconds` is the wall-time limit of the whole process (SIGKILL past it); `output` the
    bytes the answer may take.
    """
    started = time.monotonic()
    proc = pool.take() if pool is not None else _start()
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    deadline = started + seconds
    final: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    buffer = bytearray()
    diagnostics = bytearray()
    received = 0
    jailed = False
    killed_for: str | None = None
    try:
        # The job goes in as the worker takes it (a spare may still be importing), never
        # blocking past the deadline.
        pending = memoryview(json.dumps(job).encode())
        os.set_blocking(proc.stdin.fileno(), False)
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdin, selectors.EVENT_WRITE)
            selector.register(proc.stdout, selectors.EVENT_READ)
            selector.register(proc.stderr, selectors.EVENT_READ)
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    killed_for = "timeout"
                    break
                for key, _ in selector.select(left):
                    if key.fileobj is proc.stdin:
                        try:
                            pending = pending[os.write(key.fd, pending[:65536]) :]
                        except BrokenPipeError:
                            pending = pending[:0]  # it died at once: its exit says why
                        if not pending:
                            selector.unregister(proc.stdin)
                            proc.stdin.close()
                        continue
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                    elif key.fileobj is proc.stderr:
                        diagnostics += chunk[: _DIAGNOSTICS - len(diagnostics)]
                    else:
                        received += len(chunk)
                        if received > output:
                            killed_for = "output"
                            break
                        buffer += chunk
                        for line in _frames(buffer):
                            message = _decode(line)
                            if not jailed:
                                # The first line comes before the program runs: the jail
                                # is on, or could not be put on (trusted, this once).
                                if message["type"] == "jailed":
                                    jailed = True
                                    continue
                                _unavailable(message)
                            if message["type"] == "progress":
                                seen.append(message)
                                if progress is not None:
                                    progress(message)
                            else:
                                final.append(message)
                if killed_for:
                    break
    finally:
        if not killed_for:
            # Its pipes are closed: it is ending, or it closed them and goes on (a thread
            # that would not stop). A moment to end by itself, so its status tells which.
            try:
                proc.wait(timeout=min(1.0, max(0.0, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is None:
            proc.kill()
        returncode = proc.wait()
        _close(proc)
    elapsed = time.monotonic() - started
    if not jailed:
        lines = diagnostics.decode(errors="replace").strip().splitlines()
        detail = lines[-1] if lines else f"it ended with status {returncode}"
        raise SandboxUnavailable("unavailable", f"the sandbox worker did not start: {detail}")
    if killed_for == "timeout":
        raise LimitExceeded(
            "timeout",
            f"the program ran past the time limit of {seconds:g} s and was stopped "
            "(a loop that never ends, or one too long?)",
            limit=seconds,
        )
    if killed_for == "output":
        raise LimitExceeded(
            "output",
            f"the run's result passed the limit of {output // 1024} KiB and was stopped",
            limit=output // 1024,
        )
    if returncode == -signal.SIGXCPU:
        raise LimitExceeded(
            "timeout", "the program used up its processor time and was stopped", limit=seconds
        )
    if buffer.strip():
        raise RunRefused("refused", "the worker's answer ends in an unfinished line")
    if len(final) != 1:
        if not final and returncode < 0:
            why = "a forbidden system call" if -returncode == signal.SIGSYS else "often memory"
            raise ProgramCrashed(
                "crashed",
                f"the program's process ended with {_signal_name(-returncode)} before the "
                f"run was recorded ({why})",
            )
        if not final:
            raise ProgramCrashed(
                "crashed", "the program's process ended before the run was recorded"
            )
        raise RunRefused("refused", f"the worker answered {len(final)} times, not once")
    return Answer(final[0], elapsed, returncode, seen)
