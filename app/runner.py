"""Run a program's source with traced modules: parameters, import rules, limits, supervision."""

from __future__ import annotations

import ast
import builtins
import linecache
import math
import random
import secrets
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import CodeType, MappingProxyType, ModuleType
from typing import Any, Protocol

from .instrument import instrument
from .syntax import compile_tree, parse
from .tracing import Recorder, RunAborted, Trace
from .tracing.controller import Controller
from .tracing.supervisor import program_frame, program_over, stuck, supervise
from .tracing.threads import error_line, start_main

__all__ = [
    "ALLOWED_IMPORTS",
    "ScenarioError",
    "Literal",
    "find_parameters",
    "apply_parameters",
    "check_imports",
    "run_source",
]

TRACED_MODULES = ("threading", "queue", "time")
PURE_MODULES = ("random", "math", "itertools", "collections", "dataclasses", "functools", "string")
ALLOWED_IMPORTS = frozenset(TRACED_MODULES + PURE_MODULES)


class ScenarioError(ValueError):
    """Bad input (source, parameter, import): the message is for the person who gave it."""


class ParamSpec(Protocol):
    def coerce(self, value: object) -> Any: ...


@dataclass(frozen=True)
class Literal:
    """A top-level UPPERCASE constant: a parameter of the program."""

    name: str
    value: Any
    lineno: int
    col: int
    end_lineno: int
    end_col: int


def _literal_value(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float | str):
        value = node.value
    elif (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float)
        and not isinstance(node.operand.value, bool)
    ):
        value = -node.operand.value
    else:
        raise ValueError
    # `1e999` is a literal whose value, inf, has no literal: repr() could not write it back,
    # and a trace could not carry it. Such a constant stays code, not a parameter.
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError
    return value


def _parse(source: str, filename: str) -> ast.Module:
    try:
        return parse(source, filename)
    except SyntaxError as exc:
        raise ScenarioError(f"syntax error at line {exc.lineno}: {exc.msg}") from None


# A server records the same few sources over and over (a scenario, its default values or a
# class's favourite ones): each is parsed, checked and compiled once. Code objects are
# immutable, so runs share them; each run executes in a namespace of its own.
_SOURCES_KEPT = 256


@lru_cache(maxsize=_SOURCES_KEPT)
def _literals(source: str, filename: str) -> Mapping[str, Literal]:
    return MappingProxyType(find_parameters(_parse(source, filename)))


@lru_cache(maxsize=_SOURCES_KEPT)
def _compiled(source: str, filename: str, any_import: bool, shared: bool) -> CodeType:
    """`source` parsed, its imports checked, its shared variables rewritten, compiled."""
    tree = _parse(source, filename)
    if not any_import:
        check_imports(tree)
    # Reads and writes of what the program may share go through recording proxies; the source
    # recorded is still exactly the text that ran.
    if shared:
        tree = instrument(tree)
    try:
        return compile_tree(tree, filename)
    except SyntaxError as exc:  # compile-time checks the parser leaves (e.g. 'return' outside)
        raise ScenarioError(f"syntax error at line {exc.lineno}: {exc.msg}") from None


def find_parameters(tree: ast.Module) -> dict[str, Literal]:
    """Return the top-level `NAME = literal` constants whose name is UPPERCASE."""
    found: dict[str, Literal] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if not (isinstance(target, ast.Name) and target.id.isupper()):
            continue
        try:
            literal = _literal_value(value)
        except ValueError:
            continue
        assert value.end_lineno is not None and value.end_col_offset is not None
        found[target.id] = Literal(
            target.id,
            literal,
            value.lineno,
            value.col_offset,
            value.end_lineno,
            value.end_col_offset,
        )
    return found


def _coerce_plain(name: str, default: Any, value: object) -> Any:
    """Coerce `value` to the type of the default literal (no bounds are known)."""
    kind = type(default)
    wrong = ScenarioError(f"{name} must be {_type_word(kind)} (got {shown_value(value)})")
    coerced: Any
    if isinstance(value, str) and kind is not str:
        text = value.strip().lower()
        if kind is bool:
            if text in ("true", "1", "yes", "on", "si", "sí"):
                return True
            if text in ("false", "0", "no", "off"):
                return False
            raise wrong
        try:
            coerced = kind(text)
        except ValueError:
            raise wrong from None
    elif kind is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            coerced = float(value)
        except OverflowError:  # an int past 1.8e308 has no float
            raise wrong from None
    elif type(value) is not kind:
        raise wrong
    else:
        coerced = value
    # inf and nan parse as floats, but no literal writes them into the source.
    if kind is float and not math.isfinite(coerced):
        raise wrong
    return coerced


def _type_word(kind: type) -> str:
    words = {bool: "true or false", int: "an integer", float: "a finite number", str: "a string"}
    return words[kind]


def shown_value(value: object) -> str:
    """`value` as an error message about a parameter shows it: its repr, cut short."""
    # A parameter sent as a 400-digit number should not fill the message (and one past
    # 4300 digits has no repr at all).
    try:
        text = repr(value)
    except ValueError:
        return f"a {type(value).__name__} too long to show"
    return text if len(text) <= 40 else text[:39] + "…"


def apply_parameters(
    source: str,
    params: Mapping[str, object] | None,
    specs: Mapping[str, ParamSpec] | None = None,
    filename: str = "<source>",
) -> tuple[str, dict[str, Any]]:
    """Return the source with parameter values replaced, and every parameter's value used.

    Values are checked by `specs` (type and bounds) when given, else against the type of
    the literal in the source. Unknown names are refused.
    """
    literals = _literals(source, filename)
    params = dict(params or {})
    unknown = sorted(set(params) - set(literals))
    if unknown:
        known = ", ".join(sorted(literals)) or "none"
        raise ScenarioError(f"unknown parameter {unknown[0]}; this program's parameters: {known}")
    lines = source.splitlines(keepends=True)
    used: dict[str, Any] = {}
    # Replace from the bottom up so earlier offsets stay valid.
    for literal in sorted(literals.values(), key=lambda lit: (lit.lineno, lit.col), reverse=True):
        if literal.name in params:
            raw = params[literal.name]
            spec = specs.get(literal.name) if specs else None
            if spec is not None:
                try:
                    value = spec.coerce(raw)
                except ValueError as exc:
                    raise ScenarioError(str(exc)) from None
            else:
                value = _coerce_plain(literal.name, literal.value, raw)
            if literal.lineno != literal.end_lineno:
                raise ScenarioError(f"{literal.name} must be written on one line to be a parameter")
            row = lines[literal.lineno - 1]
            encoded = row.encode()
            new = encoded[: literal.col] + repr(value).encode() + encoded[literal.end_col :]
            lines[literal.lineno - 1] = new.decode()
        else:
            value = literal.value
        used[literal.name] = value
    return "".join(lines), dict(sorted(used.items()))


def check_imports(tree: ast.Module) -> None:
    """Refuse, before running, any import outside the allowed modules."""
    allowed = ", ".join(sorted(ALLOWED_IMPORTS))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names, lineno = [alias.name for alias in node.names], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise ScenarioError(f"line {node.lineno}: relative imports are not allowed")
            names, lineno = [node.module or ""], node.lineno
        else:
            continue
        for name in names:
            if name.partition(".")[0] not in ALLOWED_IMPORTS:
                raise ScenarioError(
                    f"line {lineno}: import of {name!r} is not allowed; "
                    f"a Hilos program may import {allowed}"
                )


def _seeded_random(seed: int) -> ModuleType:
    generator = random.Random(seed)
    module = ModuleType("random", random.__doc__)
    for name in random.__all__:
        setattr(module, name, getattr(generator, name, getattr(random, name)))
    return module


# The ImportError a program gets for an import past the allow-list, in the run's language
# (the program shows it, or catches it and prints it).
_NOT_ALLOWED = {
    "en": "import of {name!r} is not allowed; a Hilos program may import {allowed}",
    "es": "no se puede importar «{name}»; un programa de Hilos puede importar {allowed}",
}


def _builtins(
    rec: Recorder,
    modules: dict[str, ModuleType],
    any_import: bool = False,
    lang: str | None = None,
) -> dict[str, Any]:
    real_import = builtins.__import__
    allowed = ", ".join(sorted(ALLOWED_IMPORTS))
    not_allowed = _NOT_ALLOWED.get(lang or "en", _NOT_ALLOWED["en"])

    def guarded_import(
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: tuple[str, ...] | list[str] | None = (),
        level: int = 0,
    ) -> ModuleType:
        root = name.partition(".")[0]
        if level == 0 and root in modules and root == name:
            return modules[root]
        if any_import or (level == 0 and root in ALLOWED_IMPORTS and root not in modules):
            return real_import(name, globals, locals, fromlist or (), level)
        raise ImportError(not_allowed.format(name=name, allowed=allowed))

    table = dict(vars(builtins))
    table["print"] = rec.print
    table["__import__"] = guarded_import
    return table


def _exit_status(rec: Recorder, exc: SystemExit, filename: str) -> int:
    """The exit status of `sys.exit(code)` in the main code, as the interpreter makes it: None
    is 0, an integer is itself, anything else is printed on stderr (and recorded) and is 1."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)
    rec.interpreter_print(str(code), error_line(exc.__traceback__, filename))
    return 1


def _interrupted(rec: Recorder, main: Any, filename: str) -> None:
    """Ctrl+C: end the run as interrupted, saying where the main code was, and report the
    KeyboardInterrupt there as the interpreter would."""
    from .tracing.output import report_interrupt

    frame = sys._current_frames().get(main.ident or -1)
    own = program_frame(frame, filename)
    line = (own.f_lineno or 0) if own is not None else 0
    error = {"thread": 0, "type": "KeyboardInterrupt", "message": "", "line": line}
    if rec.abort("interrupted", "The run was interrupted (Ctrl+C).", error=error) and rec.echo:
        report_interrupt(frame, filename)


def run_source(
    source: str,
    params: Mapping[str, object] | None = None,
    *,
    specs: Mapping[str, ParamSpec] | None = None,
    filename: str | None = None,
    scenario: str | None = None,
    lang: str | None = None,
    echo: bool = False,
    seed: int | None = None,
    max_seconds: float = 10.0,
    max_threads: int = 64,
    max_events: int = 100_000,
    any_import: bool = False,
    speedups: bool = True,
    shared: bool = True,
    schedule: Sequence[str] | None = None,
    pause: bool = False,
    control: Controller | None = None,
) -> Trace:
    """Record one run of `source`. Bad input raises ScenarioError before anything runs.

    The main code runs in a traced thread named MainThread. Returns when the program and
    its non-daemon threads are done, or the run was stopped; no thread of it is left alive.
    `any_import` lifts the import allow-list: for a person's own program on their own
    machine (`hilos trace`), never for code the server runs. `speedups=False` records with
    the pure-Python reference primitives only; `shared=False` leaves shared variables out
    (the program's code then runs unrewritten).

    With a `schedule` (thread names, one per decision) the run is controlled: one thread at a
    time, virtual time, the schedule then the default policy deciding who goes next
    (`tracing/controller.py`); with `pause` it stops at the first decision past the schedule.
    The seed is 0 unless given, so that a schedule replays. A schedule that does not fit the
    program raises ScenarioError naming the decision. A caller that needs more of the
    controlled run (the candidates at each decision, the preemptions) passes its own
    `control` instead of a schedule.
    """
    filename = filename or (f"<scenario:{scenario}/{lang}>" if scenario else "<source>")
    source, used = apply_parameters(source, params, specs, filename)
    code = _compiled(source, filename, any_import, shared)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    if control is None and schedule is not None:
        control = Controller(list(schedule), pause=pause)
    if seed is None:
        seed = 0 if control is not None else secrets.randbits(32)
    rec = Recorder(
        source=source,
        filename=filename,
        echo=echo,
        seed=seed,
        max_seconds=max_seconds,
        max_threads=max_threads,
        max_events=max_events,
        speedups=speedups,
        control=control,
    )
    if control is not None:
        control.ends(
            stuck=lambda: stuck(rec, rec.registry.live()),
            over=lambda: program_over(rec, rec.registry.live()),
        )
    modules = dict(rec.modules)
    modules["random"] = _seeded_random(seed)
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__file__": filename,
        "__builtins__": _builtins(rec, modules, any_import, lang),
    }
    namespace.update(rec.shared_proxies(namespace))

    exit_code = [0]

    def main_code() -> None:
        from .tracing.output import report_uncaught

        try:
            exec(code, namespace)
        except RunAborted:
            raise
        except SystemExit as exc:
            exit_code[0] = _exit_status(rec, exc, filename)
        except BaseException as exc:
            rec.main_error = {
                "thread": 0,
                "type": type(exc).__name__,
                "message": str(exc),
                "line": error_line(exc.__traceback__, filename),
            }
            if rec.echo:
                # Now, as the interpreter reports it before waiting for the other threads.
                report_uncaught(exc)
            raise

    thread_class: Callable[..., Any] = rec.modules["threading"].Thread
    main = thread_class(target=main_code, name="MainThread")
    rec.main = main
    try:
        start_main(main)
        try:
            supervise(rec, main)
        except KeyboardInterrupt:  # Ctrl+C in `hilos trace`: stop the run, keep its trace
            _interrupted(rec, main, filename)
    finally:
        trace = rec.finish()
    if trace.outcome.status == "completed" and exit_code[0]:
        trace.outcome.exit_code = exit_code[0]
    trace.scenario = scenario
    trace.lang = lang
    trace.params = used
    if control is not None:
        if control.error is not None:
            raise ScenarioError(f"the schedule does not fit this program: {control.error}")
        if control.given:
            raise ScenarioError(
                f"the schedule does not fit this program: the run had {len(control.taken)} "
                f"decisions and the schedule names {len(control.taken) + len(control.given)}"
            )
        trace.schedule = {
            "choices": control.taken,
            "next": control.ready_at_end_of_choices or [],
        }
    return trace
