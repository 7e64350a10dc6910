"""The `hilos` command: record a program or a scenario, list the scenarios, serve the site."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .runner import ScenarioError, run_source
from .tracing import Trace

__all__ = ["main"]


class UsageError(Exception):
    """Bad command-line input: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _whole(text: str, least: int) -> int:
    """A whole number, at least `least` (argparse reports the error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{text!r}: give {least} or more")
    return value


def _count(text: str) -> int:
    return _whole(text, 1)


def _count0(text: str) -> int:
    return _whole(text, 0)


def _port(text: str) -> int:
    value = _whole(text, 1)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: a port is at most 65535")
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hilos")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _seconds(text: str) -> float:
    """A wall-time limit: a finite number of seconds above zero (argparse reports the error)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < 86_400:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0, under a day")
    return value


def _add_sets(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter (a top-level UPPERCASE constant); repeatable",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hilos", description="See what Python threads really do.")
    parser.add_argument("--version", action="version", version=f"hilos {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser(
        "run",
        help="record a program file or a scenario and write its trace (JSON)",
        description="Record FILE.py, or a scenario by id, with real, traced threads.",
    )
    run.add_argument("target", help="a .py file, or a scenario id (see `hilos scenarios`)")
    _add_sets(run)
    run.add_argument("--out", type=Path, help="write the trace here instead of stdout")
    run.add_argument("--lang", choices=("es", "en"), default="es", help="scenario language")
    run.add_argument("--seed", type=int, help="seed for the program's `random` module")
    run.add_argument("--max-seconds", type=_seconds, default=10.0, help="wall-time limit")
    run.add_argument("--quiet", action="store_true", help="do not echo the program's output")
    run.add_argument(
        "--schedule",
        metavar="NAMES",
        help=(
            "a controlled run: one thread at a time, virtual time; NAMES are the threads to "
            'take at each decision, comma-separated ("" for the default policy alone)'
        ),
    )

    trace = commands.add_parser(
        "trace",
        help="record your own program and open (or write) the viewer",
        description=(
            "Run SCRIPT.py with traced threading, queue and time, on this machine, and open "
            "the player in a browser (or write it with --html, the trace with --json). "
            "Arguments after the script go to it in sys.argv. Exit status: the program's, as "
            "python3 gives it (sys.exit's; 1 for an uncaught exception or a syntax error); 3 "
            "when Hilos stopped it (deadlock, stall, time or event limit); 130 after Ctrl+C; "
            "2 for a bad command line."
        ),
    )
    trace.add_argument("script", type=Path, nargs="?", help="your program")
    trace.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the program")
    trace.add_argument("--html", type=Path, help="write the viewer (one offline HTML file)")
    trace.add_argument("--json", type=Path, help="write the trace (hilos.trace JSON)")
    trace.add_argument("--perfetto", type=Path, help="write Chrome/Perfetto trace events")
    trace.add_argument("--lang", choices=("es", "en"), default="es", help="viewer language")
    trace.add_argument("--max-seconds", type=_seconds, default=30.0, help="wall-time limit")

    export = commands.add_parser(
        "export",
        help="write a saved run (or a trace file) as HTML, Perfetto or JSON",
        description=(
            "RUN is a saved run's id (read from the database in HILOS_DB or --db) or a file "
            "holding a trace or a saved run document."
        ),
    )
    export.add_argument("run", help="run id, or a .json file")
    export.add_argument("--html", type=Path, help="one offline HTML file with the player")
    export.add_argument("--perfetto", type=Path, help="Chrome/Perfetto trace events (JSON)")
    export.add_argument("--json", type=Path, help="the run document (trace and analysis)")
    export.add_argument("--lang", choices=("es", "en"), help="viewer language")
    export.add_argument(
        "--db",
        type=Path,
        help="SQLite file of saved runs (default: HILOS_DB, else the checkout's var/ or, "
        "installed, ~/.local/share/hilos/)",
    )

    explore = commands.add_parser(
        "explore",
        help="try the interleavings: every different ending, each with its shortest schedule",
        description=(
            "Explore the interleavings of TARGET (a .py file or a scenario id) by controlled "
            "runs, depth-first, with dynamic partial-order reduction, raising the preemption "
            "bound 0, 1, 2 ... until nothing is left out (or up to K); print each different "
            "ending with how many schedules reached it and the shortest one. A scenario "
            "given no --set starts from its values for exploring, smaller than a run's."
        ),
    )
    explore.add_argument("target", help="a .py file, or a scenario id (see `hilos scenarios`)")
    _add_sets(explore)
    explore.add_argument("--lang", choices=("es", "en"), default="es", help="scenario language")
    explore.add_argument(
        "--max-schedules",
        type=_count,
        default=2_000,
        metavar="N",
        help="stop after N complete schedules (default: 2000); the result is then a sample",
    )
    explore.add_argument(
        "--preemptions",
        type=_count0,
        default=None,
        metavar="K",
        help="stop raising the preemption bound at K (default: no bound)",
    )
    explore.add_argument("--max-seconds", type=_seconds, default=60.0, help="time limit")
    explore.add_argument(
        "--no-reduction", action="store_true", help="explore every order (no reduction)"
    )
    explore.add_argument("--json", action="store_true", help="machine-readable result")

    serve = commands.add_parser(
        "serve",
        help="serve the site (settings from HILOS_* variables, see the README)",
        description=(
            "Serve Hilos with uvicorn and the limits one machine needs without a proxy in "
            "front (request heads, idle connections, connections at once)."
        ),
    )
    serve.add_argument("--host", default=os.environ.get("HILOS_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=_port, default=os.environ.get("HILOS_PORT", "8000"))
    serve.add_argument(
        "--workers",
        type=_count,
        default=os.environ.get("HILOS_WORKERS", "1"),
        help="processes (default: HILOS_WORKERS, else 1)",
    )
    serve.add_argument(
        "--db", type=Path, help="SQLite file of saved runs (sets HILOS_DB for the workers)"
    )
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument(
        "--log-level", choices=("critical", "error", "warning", "info", "debug"), default="info"
    )

    listing = commands.add_parser("scenarios", help="list the scenarios")
    listing.add_argument("--lang", choices=("es", "en"), default="es")
    listing.add_argument("--json", action="store_true", help="machine-readable list")
    return parser


def _explore(args: argparse.Namespace) -> int:
    from .explore import explore

    params = _parse_sets(args.sets)
    target: str = args.target
    path = Path(target)
    where: dict[str, Any] = {}
    if not target.endswith(".py") and "/" not in target and not path.exists():
        from .scenarios import UnknownScenario, get_scenario

        try:
            scenario = get_scenario(target)
        except UnknownScenario:
            raise UsageError(
                f"{target!r} is neither a .py file nor a scenario id (see `hilos scenarios`)"
            ) from None
        source = scenario.source(args.lang)
        where = {"specs": scenario.params, "scenario": scenario.id, "lang": args.lang}
        # Its defaults are sized for one run; a search starts from values it can finish.
        chosen = {name: value for name, value in scenario.explore.items() if name not in params}
        if chosen:
            shown = ", ".join(f"{name}={value}" for name, value in chosen.items())
            print(f"hilos: exploring with {shown} (change with --set)", file=sys.stderr)
        params = {**{name: str(value) for name, value in chosen.items()}, **params}
    else:
        source = _read_program(path)
        where = {"filename": str(path)}
    last_report = [time.monotonic()]

    def progress(runs: int, schedules: int) -> None:
        now = time.monotonic()
        if now - last_report[0] >= 2:
            last_report[0] = now
            explored = f"{_counted(schedules, 'schedule')} ({_counted(runs, 'run')})"
            print(f"hilos: explored {explored}…", file=sys.stderr)

    result = explore(
        source,
        params,
        max_schedules=args.max_schedules,
        preemptions=args.preemptions,
        max_seconds=args.max_seconds,
        reduce=not args.no_reduction,
        progress=progress,
        **where,
    )
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return 0
    from .runner import apply_parameters

    _, values = apply_parameters(source, params, where.get("specs"), where.get("filename", ""))
    advice = "; lower the values with --set to explore them all" if values else ""
    covered = {
        "all": "all interleavings",
        "bounded": f"all with at most {_counted(result.preemptions, 'preemption')}",
        "sampled": f"{result.explored} sampled (a limit stopped the search or one of its runs: "
        f"there may be other endings{advice})",
    }[result.covered]
    print(
        f"{_counted(result.explored, 'schedule')} explored: {covered}; "
        f"{_counted(len(result.endings), 'ending')}"
    )
    for ending in result.endings:
        final = ", ".join(f"{k} = {v}" for k, v in ending.final.items())
        said = f"; printed {ending.output[-1]!r}" if ending.output else ""
        print(f"- {ending.status}{' (' + final + ')' if final else ''}{said}: {ending.count}")
        print(f"    shortest: --schedule {','.join(ending.schedule)!r}")
    return 0


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _parse_sets(sets: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in sets:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set takes NAME=VALUE (got {item!r})")
        params[name.strip()] = value
    return params


def _record(args: argparse.Namespace) -> Trace:
    params = _parse_sets(args.sets)
    echo = not args.quiet
    target: str = args.target
    common: dict[str, Any] = {"seed": args.seed, "max_seconds": args.max_seconds}
    if args.schedule is not None:
        common["schedule"] = parse_schedule(args.schedule)
    path = Path(target)
    if not target.endswith(".py") and "/" not in target and not path.exists():
        return _record_scenario(target, params, args.lang, echo, common)
    source = _read_program(path)
    return run_source(source, params, filename=str(path), echo=echo, **common)


def parse_schedule(text: str) -> list[str]:
    """`Thread-1,Thread-2` as a list of names; "" is no choice at all."""
    names = [name.strip() for name in text.split(",")] if text.strip() else []
    if any(not name for name in names):
        raise UsageError(f"--schedule takes thread names separated by commas (got {text!r})")
    return names


def _read_program(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def _record_scenario(
    scenario_id: str, params: dict[str, str], lang: str, echo: bool, common: dict[str, Any]
) -> Trace:
    from .scenarios import UnknownScenario, get_scenario

    try:
        scenario = get_scenario(scenario_id)
    except UnknownScenario:
        raise UsageError(
            f"{scenario_id!r} is neither a .py file nor a scenario id (see `hilos scenarios`)"
        ) from None
    return run_source(
        scenario.source(lang),
        params,
        specs=scenario.params,
        scenario=scenario.id,
        lang=lang,
        echo=echo,
        **common,
    )


def _run(args: argparse.Namespace) -> int:
    to_stdout = args.out is None
    if to_stdout and not args.quiet:
        # The trace owns stdout: the program's own output goes to stderr.
        real_stdout = sys.stdout
        sys.stdout = sys.stderr
        try:
            trace = _record(args)
        finally:
            sys.stdout = real_stdout
    else:
        trace = _record(args)
    text = trace.dumps()
    if to_stdout:
        sys.stdout.write(text + "\n")
    else:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.out}: {exc}") from None
    status = trace.outcome
    print(f"hilos: {status.status}: {status.message}", file=sys.stderr)
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from .scenarios import load_scenarios

    scenarios = load_scenarios()
    if args.json:
        rows = [s.to_json(args.lang) for s in scenarios.values()]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(s.id) for s in scenarios.values())
    for s in scenarios.values():
        print(f"{s.id:<{width}}  {s.texts[args.lang].title}  [{s.outcome}]")
    return 0


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc}") from None
    print(f"hilos: wrote {path}", file=sys.stderr)


def _outputs(args: argparse.Namespace, document: dict[str, Any], lang: str) -> None:
    from .export import perfetto, standalone_html

    if args.html:
        _write(args.html, standalone_html(document, lang))
    if args.perfetto:
        _write(args.perfetto, json.dumps(perfetto(document), separators=(",", ":")))
    if args.json:
        text = document["trace"] if args.command == "trace" else document
        _write(args.json, json.dumps(text, ensure_ascii=False, separators=(",", ":")))


def _trace(args: argparse.Namespace) -> int:
    import tempfile
    import webbrowser

    from .export import run_document, standalone_html

    _own_options_after_script(args)
    if args.script is None:  # (the program's arguments are optional)
        raise UsageError("the following argument is required: script (the program to trace)")
    script: Path = args.script
    source = _read_program(script)
    try:
        compile(source, str(script), "exec", dont_inherit=True)
    except SyntaxError as exc:  # the program's own error: as python3 reports it, status 1
        sys.stderr.write("".join(traceback.format_exception_only(exc)))
        return 1
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [str(script), *args.args]
    sys.path.insert(0, str(script.resolve().parent))  # the program's own modules import
    try:
        trace = run_source(
            source,
            filename=str(script.resolve()),
            echo=True,
            max_seconds=args.max_seconds,
            any_import=True,
        )
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    document = run_document(trace, args.lang)
    outcome = trace.outcome
    if outcome.status not in ("completed", "error", "interrupted"):
        # Hilos ended it (python3 would hang or go on): say why; the program said the rest.
        print(f"hilos: {outcome.status}: {outcome.message}", file=sys.stderr)
    if args.html or args.json or args.perfetto:
        _outputs(args, document, args.lang)
        return trace_status(trace)
    with tempfile.NamedTemporaryFile(
        "w", suffix=".html", prefix="hilos-", delete=False, encoding="utf-8"
    ) as page:
        page.write(standalone_html(document, args.lang))
    print(f"hilos: the viewer is {page.name}", file=sys.stderr)
    if outcome.status != "interrupted":  # Ctrl+C asked to stop, not for a browser
        webbrowser.open(Path(page.name).as_uri())
    return trace_status(trace)


# `hilos trace`'s exit status for a run Hilos had to stop (deadlock, stall, time or event limit).
STOPPED_STATUS = 3
INTERRUPTED_STATUS = 130  # 128 + SIGINT, as a shell reports a program Ctrl+C stopped


def trace_status(trace: Trace) -> int:
    """The exit status python3 gives the program: sys.exit()'s, 1 for an uncaught exception in
    the main code, else 0; 130 after Ctrl+C, STOPPED_STATUS for a run Hilos stopped."""
    outcome = trace.outcome
    if outcome.status == "completed":
        return outcome.exit_code or 0
    if outcome.status == "error":
        return 1
    if outcome.status == "interrupted":
        return INTERRUPTED_STATUS
    return STOPPED_STATUS


_TRACE_OPTIONS: dict[str, Callable[[str], object]] = {
    "--html": Path, "--json": Path, "--perfetto": Path, "--lang": str, "--max-seconds": _seconds,
}  # fmt: skip


def _own_options_after_script(args: argparse.Namespace) -> None:
    """`hilos trace prog.py 1 2 --html out.html`: our options may follow the program's
    arguments; anything after `--` is the program's, whatever it looks like."""
    program: list[str] = []
    tokens = list(args.args)
    while tokens:
        token = tokens.pop(0)
        if token == "--":
            program.extend(tokens)
            break
        name, eq, inline = token.partition("=")
        if name in _TRACE_OPTIONS:
            if not eq:
                if not tokens:
                    raise UsageError(f"{name} needs a value")
                inline = tokens.pop(0)
            if name == "--lang" and inline not in ("es", "en"):
                raise UsageError(f"--lang must be es or en (got {inline!r})")
            try:
                value = _TRACE_OPTIONS[name](inline)
            except argparse.ArgumentTypeError as exc:
                raise UsageError(f"{name}: {exc}") from None
            except ValueError:
                raise UsageError(f"{name} takes a number (got {inline!r})") from None
            setattr(args, name[2:].replace("-", "_"), value)
        else:
            program.append(token)
    args.args = program


def _export(args: argparse.Namespace) -> int:
    from .export import run_document
    from .tracing import TraceFormatError

    if not (args.html or args.perfetto or args.json):
        raise UsageError("say what to write: --html FILE, --perfetto FILE or --json FILE")
    source = Path(args.run)
    document: dict[str, Any]
    if source.suffix == ".json" or source.exists():
        record = f"record a program with `hilos trace {source} --html FILE`"
        if source.suffix == ".py":
            raise UsageError(f"{source} is a program, not a trace or a saved run: {record}")
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"no such file: {source}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {source}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"{source} is not a trace (not JSON: {exc}); {record}") from None
        if isinstance(data, dict) and "trace" in data:
            document = data
        else:
            try:
                trace = Trace.from_json(data)
            except TraceFormatError as exc:
                raise UsageError(f"{source}: {exc}") from None
            document = run_document(trace, args.lang or trace.lang or "es")
    else:
        from .settings import Settings
        from .store import StoreUnavailable, open_store

        db = args.db or Settings().store_target()
        if isinstance(db, Path) and not db.exists():
            raise UsageError(f"no database at {db} (set HILOS_DB or pass --db)")
        try:
            store = open_store(db)
            try:
                stored = store.get(args.run)
            finally:
                store.close()
        except StoreUnavailable as exc:
            raise UsageError(str(exc)) from None
        if stored is None:
            raise UsageError(f"no saved run {args.run!r} in {store.where}")
        document = json.loads(stored.document())
    _outputs(args, document, args.lang or document.get("lang") or "es")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from .server import serve
    from .settings import Settings

    if args.db is not None:
        os.environ["HILOS_DB"] = str(args.db)  # read by every worker's settings
    _can_listen(args.host, args.port)
    try:
        Settings()  # a bad HILOS_* setting is said once, here, not by every worker
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "HILOS_" + str(first["loc"][0]).upper() if first["loc"] else "a HILOS_ setting"
        raise UsageError(f"{name}: {first['msg']}") from None
    serve(args.host, args.port, args.workers, access_log=args.access_log, log_level=args.log_level)
    return 0


def _can_listen(host: str, port: int) -> None:
    """Refuse, in one line, an address the server could not listen on (a port in use)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "scenarios":
            return _scenarios(args)
        if args.command == "trace":
            return _trace(args)
        if args.command == "export":
            return _export(args)
        if args.command == "explore":
            return _explore(args)
        if args.command == "serve":
            return _serve(args)
        return _run(args)
    except (UsageError, ScenarioError) as exc:
        print(f"hilos: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl+C outside a run (a run reports its own)
        print("KeyboardInterrupt", file=sys.stderr)
        return INTERRUPTED_STATUS


if __name__ == "__main__":
    sys.exit(main())
