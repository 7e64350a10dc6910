"""The `hilos` command: record a program or a scenario, list the scenarios."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hilos", description="See what Python threads really do.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser(
        "run",
        help="record a program file or a scenario and write its trace (JSON)",
        description="Record FILE.py, or a scenario by id, with real, traced threads.",
    )
    run.add_argument("target", help="a .py file, or a scenario id (see `hilos scenarios`)")
    run.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter (a top-level UPPERCASE constant); repeatable",
    )
    run.add_argument("--out", type=Path, help="write the trace here instead of stdout")
    run.add_argument("--lang", choices=("es", "en"), default="es", help="scenario language")
    run.add_argument("--seed", type=int, help="seed for the program's `random` module")
    run.add_argument("--max-seconds", type=float, default=10.0, help="wall-time limit")
    run.add_argument("--quiet", action="store_true", help="do not echo the program's output")

    listing = commands.add_parser("scenarios", help="list the scenarios")
    listing.add_argument("--lang", choices=("es", "en"), default="es")
    listing.add_argument("--json", action="store_true", help="machine-readable list")
    return parser


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
    path = Path(target)
    if not target.endswith(".py") and "/" not in target and not path.exists():
        return _record_scenario(target, params, args.lang, echo, common)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such file: {target}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {target}: {exc}") from None
    return run_source(source, params, filename=str(path), echo=echo, **common)


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


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "scenarios":
            return _scenarios(args)
        return _run(args)
    except (UsageError, ScenarioError) as exc:
        print(f"hilos: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
