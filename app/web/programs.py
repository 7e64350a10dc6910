"""People's own programs on the site: checked, run, kept under a content address.

Every run of a program someone wrote goes through `execute_source`, the one place that decides
how such code is executed. A program is identified by what was written (its source, the values
given for its parameters, and for a custom scenario its title and notes): the same content
always has the same id, and a stored program is never replaced.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..analysis.narration import format_number
from ..explore import Exploration
from ..export import run_document
from ..runner import ALLOWED_IMPORTS, ScenarioError, apply_parameters, find_parameters
from ..runner import shown_value as _shown
from ..sandbox import (
    LimitExceeded,
    ProgramError,
    SandboxError,
    SandboxLimits,
    WorkerPool,
    explore_program,
    run_program,
)
from ..store import RunStore, StoredRun, new_run_id
from ..tracing import Trace
from .i18n import say
from .python_words import syntax_detail
from .runs import RunExecutor

__all__ = [
    "MAX_EVENTS",
    "MAX_NOTES",
    "MAX_THREADS",
    "MAX_TITLE",
    "PROGRAM_FILE",
    "Program",
    "ProgramProblem",
    "ProgramService",
    "execute_source",
    "explore_source",
    "grouped",
    "one_line_end",
]

PROGRAM_FILE = "<program>"
MAX_THREADS = 64
MAX_EVENTS = 100_000
MAX_TITLE = 120
MAX_NOTES = 2_000


class ProgramProblem(ScenarioError):
    """A mistake in a program, said in its writer's language, with the line it is on (0 when
    it is not on one line)."""

    status = 422  # 503 when the machine cannot sandbox it: not the program's fault

    def __init__(self, kind: str, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.kind, self.line = kind, line

    def to_json(self) -> dict[str, Any]:
        return {"detail": str(self), "problem": {"kind": self.kind, "line": self.line}}


def execute_source(
    source: str,
    params: Mapping[str, object],
    lang: str,
    *,
    limits: SandboxLimits,
    pool: WorkerPool | None = None,
    schedule: Sequence[str] | None = None,
    pause: bool = False,
) -> Trace:
    """Run one program someone wrote and return its trace: the only way the site executes
    such code (free runs and controlled runs), each in a sandboxed worker of its own
    (`app/sandbox`). Raises ProgramProblem for what stopped it, in the writer's language."""
    with _said_in(lang):
        return run_program(
            source,
            params,
            lang,
            filename=PROGRAM_FILE,
            schedule=schedule,
            pause=pause,
            limits=limits,
            pool=pool,
        )


def explore_source(
    source: str,
    params: Mapping[str, object],
    lang: str,
    *,
    limits: SandboxLimits,
    preemptions: int | None,
    max_schedules: int,
    max_seconds: float,
    progress: Callable[[int, int], None] | None = None,
    pool: WorkerPool | None = None,
) -> Exploration:
    """Explore the interleavings of a program someone wrote, the whole search in one
    sandboxed worker; raises ProgramProblem as `execute_source` does."""
    with _said_in(lang):
        return explore_program(
            source,
            params,
            lang,
            filename=PROGRAM_FILE,
            preemptions=preemptions,
            max_schedules=max_schedules,
            max_seconds=max_seconds,
            limits=limits,
            progress=progress,
            pool=pool,
        )


@contextmanager
def _said_in(lang: str) -> Iterator[None]:
    """What the sandbox raises of a program, raised as its problem in the writer's language."""
    try:
        yield
    except SandboxError as exc:
        raise sandbox_problem(exc, lang) from None


def sandbox_problem(exc: SandboxError, lang: str) -> ProgramProblem:
    """What the sandbox said of a program, as a problem said in the writer's language."""
    line = exc.line or 0
    if isinstance(exc, LimitExceeded):
        if exc.reason == "timeout":
            key = "program.error.timeout" if line else "program.error.timeout.nowhere"
            message = say(lang, key, line=line, s=format_number(exc.limit, lang))
        else:
            message = say(lang, f"program.error.{exc.reason}", n=grouped(int(exc.limit), lang))
    elif isinstance(exc, ProgramError):
        message = exc.message  # checked on the server first: only what slipped past it
    else:
        message = say(lang, f"program.error.{exc.reason}")
    problem = ProgramProblem(exc.reason, message, line)
    problem.status = exc.status
    return problem


@dataclass(frozen=True)
class Program:
    """What someone wrote: the source, the values given for its parameters (its top-level
    UPPER_CASE constants), and for a custom scenario a title and notes."""

    source: str
    params: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    notes: str | None = None

    @property
    def id(self) -> str:
        key = json.dumps(
            {
                "source": self.source,
                "params": self.params,
                "title": self.title,
                "notes": self.notes,
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        return "p" + hashlib.sha256(key.encode()).hexdigest()[:15]

    def document(self, run_id: str, lang: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": f"/programs/{self.id}",
            "source": self.source,
            "params": self.params,
            "title": self.title,
            "notes": self.notes,
            "lang": lang,
            "run": run_id,
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Program:
        return cls(document["source"], document["params"], document["title"], document["notes"])


_KINDS = {bool: "bool", int: "int", float: "float", str: "str"}


def check_program(source: str, params: Mapping[str, object], lang: str, max_chars: int) -> Program:
    """The program as it will run, or ProgramProblem saying (in `lang`) what stops it: its
    size, a syntax error, an import that is not allowed, a value that does not fit."""
    if len(source) > max_chars:
        size = say(
            lang, "program.error.size", n=grouped(len(source), lang), max=grouped(max_chars, lang)
        )
        raise ProgramProblem("size", size)
    if not source.strip():
        raise ProgramProblem("empty", say(lang, "program.error.empty"))
    try:
        tree = ast.parse(source, PROGRAM_FILE)
        compile(tree, PROGRAM_FILE, "exec")  # what the parser leaves ('return' outside)
    except SyntaxError as exc:
        line = exc.lineno or 0
        raise ProgramProblem("syntax", _syntax_message(exc.msg, line, lang), line) from None
    except ValueError as exc:  # a NUL character in the source, in some versions
        raise ProgramProblem("syntax", _syntax_message(str(exc), 0, lang)) from None
    except (RecursionError, MemoryError):  # `a.b.b.b…`, `----…1`: past the parser's depth
        raise ProgramProblem("syntax", say(lang, "program.error.nesting")) from None
    _check_imports(tree, lang)
    literals = find_parameters(tree)
    unknown = sorted(set(params) - set(literals))
    if unknown:
        known = ", ".join(sorted(literals)) or say(lang, "program.none")
        raise ProgramProblem(
            "param", say(lang, "program.error.param.unknown", name=unknown[0], known=known)
        )
    given: dict[str, Any] = {}
    for name in sorted(params):
        literal = literals[name]
        try:
            _, used = apply_parameters(source, {name: params[name]}, filename=PROGRAM_FILE)
        except ScenarioError:
            if literal.lineno != literal.end_lineno:
                message = say(lang, "program.error.param.lines", name=name)
            else:
                kind = say(lang, "program.type." + _KINDS[type(literal.value)])
                message = say(
                    lang,
                    "program.error.param",
                    name=name,
                    kind=kind,
                    got=_shown(params[name]),
                )
            raise ProgramProblem("param", message, literal.lineno) from None
        given[name] = used[name]
    return Program(source, given)


def _syntax_message(python_says: str, line: int, lang: str) -> str:
    """A syntax error in the writer's words, or with Python's quoted when it has none."""
    detail = syntax_detail(python_says, lang)
    if not line:  # not on a line: a NUL character in the source
        return say(lang, "program.error.source", detail=detail or python_says)
    if detail is None:
        return say(lang, "program.error.syntax.python", line=line, detail=python_says)
    ended = detail if detail.endswith((".", "?", "!")) else f"{detail}."
    return say(lang, "program.error.syntax", line=line, detail=ended)


def _check_imports(tree: ast.Module, lang: str) -> None:
    allowed = ", ".join(sorted(ALLOWED_IMPORTS))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            line = node.lineno
            raise ProgramProblem("import", say(lang, "program.error.relative", line=line), line)
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            if name.partition(".")[0] not in ALLOWED_IMPORTS:
                line = node.lineno
                message = say(lang, "program.error.import", line=line, name=name, allowed=allowed)
                raise ProgramProblem("import", message, line)


def limit_problem(trace: Trace, lang: str, max_seconds: float) -> ProgramProblem | None:
    """A run stopped by a limit (time, threads, events) as the problem it is for its writer,
    pointing at the line where the program was; None for a run that ended by itself."""
    outcome = trace.outcome
    if outcome.status == "timeout":
        # The line of the thread that was running (not waiting) when the time ran out.
        error = outcome.error or {}
        line, tid = int(error.get("line") or 0), int(error.get("thread") or 0)
        s = f"{max_seconds:g}"
        if not line:
            message = say(lang, "program.error.timeout.nowhere", s=s)
        elif tid:
            thread = trace.threads[tid].name
            message = say(lang, "program.error.timeout.thread", line=line, thread=thread, s=s)
        else:
            message = say(lang, "program.error.timeout", line=line, s=s)
        return ProgramProblem("timeout", message, line)
    if outcome.status != "limit":
        return None
    if "threads" in outcome.message:
        starts = [ev.line for ev in trace.events if ev.kind == "thread_start" and ev.line]
        line = starts[-1] if starts else 0
        message = say(lang, "program.error.threads", line=line, n=MAX_THREADS)
        return ProgramProblem("threads", message, line)
    return ProgramProblem("events", say(lang, "program.error.events", n=grouped(MAX_EVENTS, lang)))


def one_line_end(text: str) -> str:
    """`text` with every line ended by \\n, as a browser's \\r\\n or an old Mac's \\r come."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def grouped(number: int, lang: str) -> str:
    """A whole number with its thousands grouped as `lang` writes them: 12,000 / 12 000."""
    text = f"{number:,}"
    return text.replace(",", "\u202f") if lang == "es" else text


def exception_problem(trace: Trace, lang: str) -> ProgramProblem | None:
    """The exception that ended the main code, or else the first one that ended a thread
    (the program went on, as under CPython), as a problem pointing at its line."""
    error = trace.outcome.error
    if trace.outcome.status != "error" or not error:
        for event in trace.events:
            if event.kind == "thread_error" and isinstance(event.arg, dict):
                line = int(event.arg.get("line") or 0)
                message = say(
                    lang,
                    "program.error.thread",
                    line=line,
                    thread=trace.threads[event.thread].name,
                    type=event.arg.get("type"),
                    detail=event.arg.get("message"),
                )
                return ProgramProblem("exception", message, line)
        return None
    line = int(error.get("line") or 0)
    key = "program.error.exception" if line else "program.error.exception.nowhere"
    message = say(lang, key, line=line, type=error.get("type"), detail=error.get("message"))
    return ProgramProblem("exception", message, line)


class ProgramService:
    """Check, run and keep people's programs, on the executor live runs share."""

    def __init__(
        self,
        store: RunStore,
        executor: RunExecutor,
        limits: SandboxLimits,
        pool: WorkerPool | None = None,
    ) -> None:
        self.store = store
        self.executor = executor
        self.limits = limits
        self.pool = pool
        self.max_seconds = limits.seconds
        self.max_chars = limits.source_chars

    def check(self, source: str, params: Mapping[str, object], lang: str) -> Program:
        return check_program(source, params, lang, self.max_chars)

    def execute(self, program: Program, lang: str, **control: Any) -> Trace:
        return execute_source(
            program.source, program.params, lang, limits=self.limits, pool=self.pool, **control
        )

    def explore(
        self,
        program: Program,
        lang: str,
        *,
        preemptions: int | None,
        max_schedules: int,
        max_seconds: float,
        progress: Callable[[int, int], None] | None = None,
    ) -> Exploration:
        return explore_source(
            program.source,
            program.params,
            lang,
            limits=self.limits,
            preemptions=preemptions,
            max_schedules=max_schedules,
            max_seconds=max_seconds,
            progress=progress,
            pool=self.pool,
        )

    def _record(self, program: Program, lang: str) -> StoredRun:
        trace = self.execute(program, lang)
        problem = limit_problem(trace, lang, self.max_seconds)
        if problem is not None:
            raise problem
        run_id = new_run_id()
        document = run_document(trace, lang, run_id)
        document["program"] = program.id
        # An exception is a run (the threads up to it can be watched), and said as a mistake.
        raised = exception_problem(trace, lang)
        if raised is not None:
            document["problem"] = raised.to_json()["problem"] | {"message": str(raised)}
        run = self.store.save(
            _dumps(document),
            run_id=run_id,
            scenario=None,
            lang=lang,
            params=json.dumps(trace.params, sort_keys=True),
            status=trace.outcome.status,
        )
        # The program's permalink keeps the first run recorded for it.
        self.store.save_program(program.id, _dumps(program.document(run.id, lang)))
        return run

    async def record(self, program: Program, lang: str) -> StoredRun:
        """Record a run of `program` and keep both (raises Saturated, or ProgramProblem when
        a limit stopped it)."""
        return await self.executor.run(lambda: self._record(program, lang))

    def _schedule(self, program: Program, lang: str, choices: list[str], pause: bool) -> bytes:
        trace = self.execute(program, lang, schedule=choices, pause=pause)
        problem = limit_problem(trace, lang, self.max_seconds)
        if problem is not None:
            raise problem
        document = run_document(trace, lang)
        document["program"] = program.id
        document["schedule"] = trace.schedule
        document["goal"] = None
        return _dumps(document)

    async def schedule(
        self, program: Program, lang: str, choices: list[str], pause: bool = True
    ) -> bytes:
        """A controlled run of `program` up to the first decision past `choices` (not kept:
        the program and the choices are its permalink)."""
        return await self.executor.run(lambda: self._schedule(program, lang, choices, pause))

    def get(self, program_id: str) -> dict[str, Any] | None:
        stored = self.store.get_program(program_id)
        if stored is None:
            return None
        found: dict[str, Any] = json.loads(stored.document())
        return found

    def save_as_scenario(self, base: Mapping[str, Any], title: str, notes: str) -> dict[str, Any]:
        """Keep `base` (a stored program) with a title and notes, as a custom scenario with an
        id of its own; its run is the one `base` keeps."""
        title, notes = one_line_end(title).strip(), one_line_end(notes).strip()
        program = Program(base["source"], base["params"], title, notes or None)
        stored = self.store.save_program(
            program.id, _dumps(program.document(base["run"], base["lang"]))
        )
        saved: dict[str, Any] = json.loads(stored.document())
        return saved

    def program_of(self, run: StoredRun) -> dict[str, Any] | None:
        """The stored program a run was recorded for, if it was one."""
        if run.scenario is not None:
            return None
        program_id = json.loads(run.document()).get("program")
        return self.get(program_id) if isinstance(program_id, str) else None


def _dumps(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
