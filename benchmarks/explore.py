"""How fast does `hilos explore` find a bug, and exhaust a search, next to frontrun?

    .venv/bin/python benchmarks/explore.py [--quick] [--repeat N] [--seed S] [--seconds S]

Prints numbers; asserts nothing. For each program of benchmarks/_explore_programs.py (a
counter that loses updates, two locks in opposite orders, dining philosophers, a bounded
buffer whose consumer forgets to notify) and each tool: the schedules explored until the
first failing one, the schedules explored to exhaust the search and whether it finished
(all / within the preemption bound / cut by a limit), the failing schedules among them,
and the wall time of both, median (min-max) over the repetitions.

Each (section, program, tool, repetition) is a fresh child process, in shuffled order:

    .venv/bin/python benchmarks/explore.py --one hilos PROGRAM --bound 2 --seconds S --limit N
    .venv/bin/frontrun .venv/bin/python benchmarks/explore.py --one frontrun PROGRAM ...

which prints one JSON line; times are taken inside it, around the searches only. frontrun
(`pip install frontrun`) runs under its own CLI, the documented way to run it outside pytest.

What is counted differs, and the table says so:
- Hilos: a schedule is one complete controlled run of the whole program, the main thread
  included (it starts, joins and prints); `runs` counts every controlled run: each bound of
  the iterative preemption bounding searches again from the start (schedules seen at a lower
  bound are not counted twice), and a run stops early when every thread that could go on is
  asleep (its orders were explored from a sibling): that is the work done. `explore` has no
  per-schedule callback, so the child watches the runs it makes (`app.explore.run_source`
  wrapped, and the `progress` callback telling which run was a new schedule): the first
  failing one's index and time come from the same search that goes on to exhaust.
- frontrun: an execution is one run of the worker functions over a fresh `setup()` state,
  scheduled at bytecode-level accesses to shared attributes and items and at lock
  operations (DPOR: only orders of conflicting accesses are branched on), then the
  invariant. Its first failure is a search with `stop_on_first=True`; its exhaustive count
  is a second search with `stop_on_first=False`. Both with `reproduce_on_failure=0` (Hilos
  does not replay either), `detect_io=False` (no I/O here) and `clock="virtual"` (Hilos's
  controlled runs use virtual time too; frontrun needs it for `Condition.wait`: the note at
  the end shows its default clock on the buffer).
- A request for a held lock is a step of its own in Hilos (the thread asks, waits, then
  gets it: what a student must see), where frontrun's DPOR treats it as not enabled until
  the lock is free. So "asks while held, gets it after the release" and "asks after the
  release" are two schedules for Hilos and one for frontrun: on the bounded buffer this is
  the eighth Hilos schedule against frontrun's seven.
- The two preemption bounds do not count the same switches: frontrun already finds both
  philosophers' deadlocks with `preemption_bound=1`, where Hilos needs N-1 preemptions (a
  philosopher switched away from just after taking its left fork). Read "bound 2" rows
  with that in mind; the unbounded rows compare like with like.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._explore_programs import PROGRAMS, Program  # noqa: E402

TOOLS = ("hilos", "frontrun")
CHILD_TIMEOUT = 600.0
UNAVAILABLE = ("interleave-test", "ploom")  # not on the package index this machine reaches


@dataclass(frozen=True)
class Section:
    title: str
    bound: int | None  # None: no preemption bound
    seconds: float  # each search stops after this long...
    limit: int  # ...or this many schedules (executions)


# -- one measurement, in a child process -----------------------------------------------------


def measure_hilos(program: Program, section: Section) -> dict[str, Any]:
    from app import explore as module

    run_source = module.run_source
    latest: dict[str, Any] = {}

    def watched(*args: Any, **kwargs: Any) -> Any:
        trace = run_source(*args, **kwargs)
        latest["trace"], latest["at"] = trace, time.perf_counter()
        return trace

    module.run_source = watched  # type: ignore[assignment]
    first: dict[str, Any] = {}
    seen = {"schedules": 0, "previous": None}

    def examine(run: dict[str, Any] | None, index: int) -> None:
        if first or run is None:
            return
        trace = run["trace"]
        output = [str(e.arg) for e in trace.events if e.kind == "print" and e.thread == 0]
        if program.failed(trace.outcome.status, output):
            first.update(index=index, seconds=run["at"] - started)

    def progress(runs: int, schedules: int) -> None:
        # Called after each run, before it is counted: the count grew, so the run before
        # this one was a new complete schedule.
        if schedules > seen["schedules"]:
            examine(seen["previous"], schedules)
        seen["schedules"] = schedules
        seen["previous"] = dict(latest)

    started = time.perf_counter()
    result = module.explore(
        program.source,
        program.params,
        preemptions=section.bound,
        max_schedules=section.limit,
        max_runs=section.limit * 50,
        max_seconds=section.seconds,
        progress=progress,
    )
    seconds = time.perf_counter() - started
    if result.explored > seen["schedules"]:
        examine(seen["previous"], result.explored)
    failing = sum(e.count for e in result.endings if program.failed(e.status, e.output))
    covered = {"all": "all", "bounded": f"bound {result.preemptions}", "sampled": "CUT"}
    return {
        "first": first.get("index"),
        "first_seconds": first.get("seconds"),
        "explored": result.explored,
        "runs": result.runs,
        "covered": covered[result.covered],
        "failing": failing,
        "seconds": seconds,
    }


def measure_frontrun(
    program: Program, section: Section, clock: str, only_first: bool
) -> dict[str, Any]:
    import frontrun

    options: dict[str, Any] = {
        "preemption_bound": section.bound,
        "max_executions": section.limit,
        "total_timeout": section.seconds,
        "reproduce_on_failure": 0,
        "detect_io": False,
    }
    if clock != "real":
        options["clock"] = clock

    def search(stop_on_first: bool) -> tuple[Any, float]:
        started = time.perf_counter()
        result = frontrun.explore(
            setup=program.setup,
            workers=program.workers(),
            invariant=program.invariant,
            stop_on_first=stop_on_first,
            **options,
        )
        return result, time.perf_counter() - started

    def cut(result: Any, seconds: float) -> bool:
        return bool(result.num_explored >= section.limit or seconds >= section.seconds)

    found, found_seconds = search(stop_on_first=True)
    report: dict[str, Any] = {
        "first": found.num_explored if found.property_holds is False else None,
        "first_seconds": found_seconds if found.property_holds is False else None,
        "verdict": {True: "holds", False: "fails", None: "inconclusive"}[found.property_holds],
        "why": (found.inconclusive_reason or "").split(". ")[0],
        "first_explored": found.num_explored,
        "first_total_seconds": found_seconds,
    }
    if only_first:
        return report
    result, seconds = search(stop_on_first=False)
    if result.property_holds is None:
        covered = "INCONCLUSIVE"
    elif cut(result, seconds):
        covered = "CUT"
    else:
        covered = "all" if section.bound is None else f"bound {section.bound}"
    return report | {
        "explored": result.num_explored,
        "runs": result.num_explored,
        "covered": covered,
        "failing": len(result.failures),
        "first_in_exhaust": result.failures[0][0] if result.failures else None,
        "seconds": seconds,
    }


def one(args: argparse.Namespace) -> None:
    program = PROGRAMS[args.program]()
    section = Section("", None if args.bound < 0 else args.bound, args.seconds, args.limit)
    if args.one == "hilos":
        report = measure_hilos(program, section)
    else:
        report = measure_frontrun(program, section, args.clock, args.only_first)
    print(json.dumps(report))


# -- the parent: run the children, print the table -------------------------------------------


def frontrun_command() -> list[str] | None:
    """frontrun's CLI wrapper, or None when frontrun is not installed."""
    if importlib.util.find_spec("frontrun") is None:
        return None
    cli = Path(sys.executable).with_name("frontrun")
    return [str(cli)] if cli.exists() else None


def child(
    tool: str,
    program: str,
    section: Section,
    *,
    clock: str = "virtual",
    only_first: bool = False,
) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", tool, program]
    command += ["--bound", str(-1 if section.bound is None else section.bound)]
    command += ["--seconds", str(section.seconds), "--limit", str(section.limit)]
    if tool == "frontrun":
        command += ["--clock", clock] + (["--only-first"] if only_first else [])
        wrapper = frontrun_command()
        assert wrapper is not None
        command = wrapper + command
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=CHILD_TIMEOUT, cwd=ROOT, check=False
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-3:]
        return {"error": f"exit {done.returncode}: {' | '.join(tail)}"}
    report: dict[str, Any] = json.loads(lines[-1])
    return report


def spread(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "-"
    if len(known) == 1:
        return f"{known[0]:.2f}"
    return f"{statistics.median(known):.2f} ({min(known):.2f}-{max(known):.2f})"


def same(values: list[Any]) -> str:
    """One value when every repetition agrees (a search is deterministic unless cut by time)."""
    known = sorted({v for v in values if v is not None})
    if not known:
        return "-"
    if len(known) == 1:
        return str(known[0])
    return f"{known[0]}-{known[-1]}"


def print_section(section: Section, results: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
    cut = f"each search cut at {section.seconds:g} s or {section.limit} schedules"
    print(f"\n== {section.title}; {cut} ==")
    head = (
        f"{'program':15} {'tool':8} {'found':>5} {'at':>5} {'explored':>10} {'runs':>11} "
        f"{'finished':>8} {'failing':>9}  {'to first bug, s':>19}  {'to exhaust, s':>19}"
    )
    print(head)
    print("-" * len(head))
    for name, make in PROGRAMS.items():
        program = make()
        for tool in TOOLS:
            reports = results.get((name, tool))
            if not reports:
                continue
            errors = [r["error"] for r in reports if "error" in r]
            if errors:
                print(f"{program.name:15} {tool:8} error: {errors[0]}")
                continue
            found = [r["first"] for r in reports]
            print(
                f"{program.name:15} {tool:8} {'yes' if any(found) else 'NO':>5} "
                f"{same(found):>5} {same([r['explored'] for r in reports]):>10} "
                f"{same([r['runs'] for r in reports]):>11} "
                f"{same([r['covered'] for r in reports]):>8} "
                f"{same([r['failing'] for r in reports]):>9}  "
                f"{spread([r['first_seconds'] for r in reports]):>19}  "
                f"{spread([r['seconds'] for r in reports]):>19}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition, tighter limits")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0, help="of the shuffled order")
    parser.add_argument("--one", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("program", nargs="?", choices=list(PROGRAMS), help=argparse.SUPPRESS)
    parser.add_argument("--bound", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument(
        "--seconds", type=float, help="cut each bounded search after this long (default 15)"
    )
    parser.add_argument("--limit", type=int, default=5000, help=argparse.SUPPRESS)
    parser.add_argument("--clock", default="virtual", help=argparse.SUPPRESS)
    parser.add_argument("--only-first", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args)
        return

    repeat = args.repeat or (1 if args.quick else 3)
    bounded = 4.0 if args.quick else 15.0
    sections = [
        Section("preemption bound 2, both tools' default", 2, args.seconds or bounded, 5000),
        Section(
            "no preemption bound (Hilos: iterative bounding 0, 1, 2 ... until nothing is cut; "
            "frontrun: preemption_bound=None, plain DPOR)",
            None,
            3.0 if args.quick else 4.0,
            5000,
        ),
    ]
    started = time.perf_counter()
    tools = [t for t in TOOLS if t != "frontrun" or frontrun_command() is not None]
    print_header(tools, repeat, args.seed)
    jobs = [
        (section, name, tool)
        for section in sections
        for name in PROGRAMS
        for tool in tools
        for _ in range(repeat)
    ]
    random.Random(args.seed).shuffle(jobs)
    results: dict[Section, dict[tuple[str, str], list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for number, (section, name, tool) in enumerate(jobs, 1):
        print(f"[{number}/{len(jobs)}] {tool} {name}, {section.title}", file=sys.stderr)
        results[section][(name, tool)].append(child(tool, name, section))
    for section in sections:
        print_section(section, results[section])
    print(
        "\nat: index of the first failing schedule (frontrun: execution) in the search's order;"
        "\nruns: Hilos's controlled runs, every bound's and the ones stopped asleep included"
        " (frontrun: its executions);\nfailing: schedules (executions) that ended in the bug;"
        " finished: all, within the bound, or CUT by a limit"
    )
    if "frontrun" in tools:
        print_default_clock_note()
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def print_header(tools: list[str], repeat: int, seed: int) -> None:
    print(
        f"python {platform.python_version()} on {os.cpu_count()} cores; {repeat} repetition(s)"
        f" in shuffled order (seed {seed}), one process each; times: median (min-max)"
    )
    if "frontrun" in tools:
        from importlib.metadata import version

        print(f"frontrun {version('frontrun')}: DPOR over worker functions, clock='virtual'")
        print("Hilos explores the whole program, its main thread included; frontrun the workers")
    else:
        print("frontrun: not installed, or without its CLI (pip install frontrun): Hilos only")
    print(f"not compared: {', '.join(UNAVAILABLE)} (not available from the package index here)")
    print("programs (the bug; what it does):")
    for make in PROGRAMS.values():
        program = make()
        print(f"  {program.name:15} {program.bug}")


def print_default_clock_note() -> None:
    """What a frontrun user meets first: its default clock does not model Condition.wait."""
    section = Section("default clock", 2, 30.0, 5000)
    report = child("frontrun", "buffer", section, clock="real", only_first=True)
    if "error" in report:
        print(f"\nnote: frontrun, buffer, clock='real': {report['error']}")
        return
    print(
        f"\nnote: frontrun on the buffer with its default clock='real' (and deadlock_timeout=5):"
        f" {report['verdict']} after {report['first_explored']} execution(s),"
        f" {report['first_total_seconds']:.1f} s: {report['why']}."
    )


if __name__ == "__main__":
    main()
