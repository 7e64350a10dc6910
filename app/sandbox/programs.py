"""Run and explore a program in the sandbox: the calls the web layer makes.

They mirror `runner.run_source` and `explore.explore`, and raise `SandboxError`s instead of
answering with a broken run. What can be checked without running (size, parameters, syntax,
imports) is checked here, in the server, so a student's typo costs no process.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..explore import Exploration
from ..runner import ParamSpec, ScenarioError, apply_parameters, check_imports
from ..settings import Settings
from ..tracing import Trace
from .errors import LimitExceeded, ProgramCrashed, ProgramError, RunRefused, SandboxError
from .process import Answer, WorkerPool, run_worker
from .validate import checked_exploration, checked_trace

__all__ = ["SandboxLimits", "WorkerPool", "explore_program", "run_program"]

# Seconds the worker gets beyond the run's own limit: to start (an interpreter and the
# imports, about 0.1 s on an idle machine) and to write its answer.
_GRACE = 3.0
_MESSAGE = 500  # characters of a worker's error message passed on


@dataclass(frozen=True)
class SandboxLimits:
    """The bounds of one sandboxed program (README, settings `HILOS_SANDBOX_*`)."""

    seconds: float = 5.0  # the run's own time limit; the worker is killed _GRACE later
    threads: int = 64
    events: int = 100_000
    memory_mb: int = 256  # address space of the worker
    output_kb: int = 8 * 1024  # the answer on the pipe
    source_chars: int = 12_000
    files: int = 16
    stack_kb: int = 1024  # each thread's stack

    @classmethod
    def from_settings(cls, settings: Settings) -> SandboxLimits:
        """The limits the settings give (the time limit is that of every live run)."""
        return cls(
            seconds=settings.run_seconds,
            memory_mb=settings.sandbox_memory_mb,
            output_kb=settings.sandbox_output_kb,
            source_chars=settings.max_source,
        )

    def jail(self, seconds: float) -> dict[str, int]:
        return {
            "memory": self.memory_mb << 20,
            # Both cores busy for the whole time, and a little more.
            "cpu_seconds": math.ceil(2 * seconds) + 2,
            # Threads count as tasks; a few beyond the program's own for the runtime.
            "threads": self.threads + 16,
            "files": self.files,
            "stack": self.stack_kb << 10,
        }


def _line(message: str) -> int | None:
    found = re.search(r"\bline (\d+)", message)
    return int(found.group(1)) if found else None


def _prepare(
    source: str,
    params: Mapping[str, object] | None,
    specs: Mapping[str, ParamSpec] | None,
    limits: SandboxLimits,
    filename: str,
) -> tuple[str, dict[str, Any]]:
    """The source with its parameters applied, and their values; ProgramError otherwise."""
    if len(source) > limits.source_chars:
        raise ProgramError(
            "size",
            f"the program has {len(source)} characters; the limit is {limits.source_chars}",
        )
    if "\0" in source:
        raise ProgramError("size", "the program contains a NUL character")
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        raise ProgramError(
            "syntax", f"syntax error at line {exc.lineno}: {exc.msg}", line=exc.lineno
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ProgramError("syntax", f"the program cannot be read: {exc}") from None
    try:
        check_imports(tree)
    except ScenarioError as exc:
        raise ProgramError("import", str(exc), line=_line(str(exc))) from None
    try:
        return apply_parameters(source, params, specs, filename)
    except ScenarioError as exc:
        raise ProgramError("param", str(exc)) from None


def _job(
    mode: str,
    source: str,
    params: Mapping[str, object] | None,
    specs: Mapping[str, ParamSpec] | None,
    scenario: str | None,
    lang: str | None,
    filename: str | None,
    limits: SandboxLimits,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The job's common part (the program with its parameters applied), and their values."""
    filename = filename or (f"<scenario:{scenario}/{lang}>" if scenario else "<source>")
    applied, used = _prepare(source, params, specs, limits, filename)
    job = {"mode": mode, "source": applied, "scenario": scenario, "lang": lang}
    return job | {"filename": filename}, used


def _failure(message: dict[str, Any], limits: SandboxLimits) -> SandboxError:
    """The SandboxError a worker's error message stands for (its words are the program's
    own, once it was jailed: cut short, and shown only to whoever sent the program)."""
    text = str(message.get("message", ""))[:_MESSAGE]
    reason = message.get("reason")
    if reason == "program":
        kind = "schedule" if text.startswith("the schedule") else "syntax"
        return ProgramError(kind, text, line=_line(text))
    if reason == "memory":
        return LimitExceeded(
            "memory",
            f"the program ran out of memory (the limit is {limits.memory_mb} MiB)",
            limit=limits.memory_mb,
        )
    if reason == "crashed":
        return ProgramCrashed("crashed", f"the run broke in the sandbox: {text}")
    return RunRefused("refused", f"the worker's error is not one it can have: {reason!r}")


def _answer(answer: Answer, kind: str, limits: SandboxLimits) -> Any:
    if answer.message["type"] == "error":
        raise _failure(answer.message, limits)
    if answer.message["type"] != kind or kind not in answer.message:
        raise RunRefused("refused", f"the worker answered {answer.message['type']!r}")
    return answer.message[kind]


def run_program(
    source: str,
    params: Mapping[str, object] | None = None,
    lang: str | None = None,
    *,
    specs: Mapping[str, ParamSpec] | None = None,
    scenario: str | None = None,
    filename: str | None = None,
    schedule: Sequence[str] | None = None,
    pause: bool = False,
    seed: int | None = None,
    limits: SandboxLimits = SandboxLimits(),
    pool: WorkerPool | None = None,
) -> Trace:
    """Record one run of `source` in a new sandboxed worker, as `run_source` would.

    With a `schedule` the run is controlled (and with `pause` stops at the first decision past
    it). Returns the trace after the server's checks; raises a SandboxError otherwise. With
    a `pool`, the worker is one of its spares (already started).
    """
    job, used = _job("run", source, params, specs, scenario, lang, filename, limits)
    job |= {
        "seed": seed,
        "max_seconds": limits.seconds,
        "max_threads": limits.threads,
        "max_events": limits.events,
        "schedule": None if schedule is None else list(schedule),
        "pause": pause,
        "jail": limits.jail(limits.seconds + _GRACE),
    }
    answer = run_worker(
        job, seconds=limits.seconds + _GRACE, output=limits.output_kb * 1024, pool=pool
    )
    return checked_trace(
        _answer(answer, "trace", limits),
        source=job["source"],
        params=used,
        scenario=scenario,
        lang=lang,
        schedule=None if schedule is None else list(schedule),
    )


def explore_program(
    source: str,
    params: Mapping[str, object] | None = None,
    lang: str | None = None,
    *,
    specs: Mapping[str, ParamSpec] | None = None,
    scenario: str | None = None,
    filename: str | None = None,
    preemptions: int | None = 2,
    max_schedules: int = 1_000,
    max_seconds: float = 30.0,
    limits: SandboxLimits = SandboxLimits(),
    progress: Callable[[int, int], None] | None = None,
    pool: WorkerPool | None = None,
) -> Exploration:
    """Explore the interleavings of `source` in one sandboxed worker, as `explore` would.

    Returns the exploration once the server checked it; `progress` is called with (runs,
    schedules) as the worker reports them.
    """
    job, _ = _job("explore", source, params, specs, scenario, lang, filename, limits)
    job |= {
        "preemptions": preemptions,
        "max_schedules": max_schedules,
        "max_seconds": max_seconds,
        "jail": limits.jail(max_seconds + _GRACE),
    }

    def reported(message: dict[str, Any]) -> None:
        runs, schedules = message.get("runs"), message.get("schedules")
        if progress is not None and type(runs) is int and type(schedules) is int:
            progress(runs, schedules)

    answer = run_worker(
        job,
        seconds=max_seconds + _GRACE,
        output=limits.output_kb * 1024,
        progress=reported,
        pool=pool,
    )
    return checked_exploration(
        _answer(answer, "exploration", limits), preemptions=preemptions, max_schedules=max_schedules
    )
