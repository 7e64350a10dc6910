"""How much does recording disturb the threads? Prints numbers; asserts nothing.

    .venv/bin/python benchmarks/overhead.py [--quick] [--repeat N] [--seed S] [--show-leak]

Runs every workload of benchmarks/_overhead_workloads.py under the plain standard library,
Hilos (compiled Lock and pure Python) and VizTracer when it is installed (`pip install
viztracer`). Each (tool, workload) run is a fresh child process,

    .venv/bin/python benchmarks/overhead.py --one TOOL WORKLOAD --n N [--size]

which prints one JSON line of measurements; the parent shuffles the runs, repeats them and
prints, per workload and tool, the median with its min-max range and the ratio to the stdlib.

One process per run because a tool can outlive its run: VizTracer leaves its per-thread hook
installed after `tracer.stop()` (`threading.getprofile()` still returns it), so every thread
started later in that process, a "plain" baseline included, runs under it. `--show-leak`
demonstrates that in one process at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import importlib.util
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._overhead_workloads import BY_NAME, WORKLOADS, Sample, Workload  # noqa: E402

TOOLS = ("stdlib", "hilos", "hilos-py", "viztracer")
# VizTracer keeps a ring buffer of this many entries: above the 1.6 million events of the
# longest lock run, so none is overwritten and the event count stays true.
VIZ_ENTRIES = 4_000_000
CHILD_TIMEOUT = 600.0


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One child's report: the timed run, and what the tool can say about it afterwards."""

    seconds: float
    ops: int
    ok: bool
    waited: int | None = None
    events: int | None = None  # events the tool recorded (VizTracer: entries in its buffer)
    overflow: bool = False  # VizTracer's buffer wrapped: `events` is a lower bound
    finish_s: float | None = None  # Recorder.finish(), after the timed run
    json_bytes: int | None = None
    gzip_bytes: int | None = None
    compiled: bool | None = None  # Hilos: whether the compiled Lock was in use


# -- child: one tool, one workload, one run --------------------------------------------------


def measure_stdlib(workload: Workload, n: int) -> Measurement:
    import queue

    sample = workload.run(threading, queue, n, False)
    waited = None
    if workload.waits:
        # Counting tries a non-blocking call first, which changes the timing: count in a
        # second run and keep the first one's time.
        waited = workload.run(threading, queue, n, True).waited
    return Measurement(sample.seconds, sample.ops, sample.ok, waited=waited)


def measure_hilos(workload: Workload, n: int, speedups: bool, size: bool) -> Measurement:
    from app.tracing import Recorder

    rec = Recorder(max_events=10**8, speedups=speedups)
    sample = workload.run(rec.modules["threading"], rec.modules["queue"], n, False)
    start = time.perf_counter()
    trace = rec.finish()
    finish_s = time.perf_counter() - start
    waited = sum(e.kind in workload.waits for e in trace.events) if workload.waits else None
    json_bytes = gzip_bytes = None
    if size:
        raw = trace.dumps().encode()
        json_bytes, gzip_bytes = len(raw), len(gzip.compress(raw, 6))
    return Measurement(
        sample.seconds,
        sample.ops,
        sample.ok,
        waited=waited,
        events=len(trace.events),
        finish_s=finish_s,
        json_bytes=json_bytes,
        gzip_bytes=gzip_bytes,
        compiled=rec.fast_state is not None,
    )


def measure_viztracer(workload: Workload, n: int) -> Measurement:
    import queue

    from viztracer import VizTracer  # type: ignore[import-untyped]

    tracer = VizTracer(tracer_entries=VIZ_ENTRIES, verbose=0)
    tracer.start()
    try:
        sample: Sample = workload.run(threading, queue, n, False)
    finally:
        # The hook this leaves behind dies with the process, which ends right after.
        tracer.stop()
    events = tracer.parse()
    return Measurement(
        sample.seconds, sample.ops, sample.ok, events=events, overflow=events >= VIZ_ENTRIES
    )


def measure(tool: str, workload: Workload, n: int, size: bool) -> Measurement:
    if tool == "stdlib":
        return measure_stdlib(workload, n)
    if tool == "viztracer":
        return measure_viztracer(workload, n)
    if tool in ("hilos", "hilos-py"):
        return measure_hilos(workload, n, speedups=tool == "hilos", size=size)
    raise SystemExit(f"unknown tool {tool!r}: one of {', '.join(TOOLS)}")


# -- parent: schedule the children and collect what they print ---------------------------------


@dataclasses.dataclass(frozen=True)
class Job:
    tool: str
    workload: Workload
    n: int
    size: bool  # also measure the trace's size (once per workload: dumping takes a while)


def schedule(tools: list[str], n_of: dict[str, int], repeat: int, rng: random.Random) -> list[Job]:
    """Every (tool, workload) `repeat` times, shuffled so drift hits every tool alike."""
    jobs = [
        Job(tool, w, n_of[w.name], size=tool == "hilos" and rep == 0)
        for w in WORKLOADS
        for tool in tools
        for rep in range(min(repeat, w.max_repeat or repeat))
    ]
    rng.shuffle(jobs)
    return jobs


def run_child(job: Job) -> Measurement | str:
    """Run one job in a fresh interpreter; return its Measurement or why there is none."""
    command = [sys.executable, __file__, "--one", job.tool, job.workload.name, "--n", str(job.n)]
    if job.size:
        command.append("--size")
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=CHILD_TIMEOUT, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {CHILD_TIMEOUT:g} s"
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        return tail[0]
    return Measurement(**json.loads(lines[-1]))


Results = dict[tuple[str, str], list[Measurement]]


def run_all(jobs: list[Job]) -> tuple[Results, dict[tuple[str, str], list[str]]]:
    results: Results = defaultdict(list)
    errors: dict[tuple[str, str], list[str]] = defaultdict(list)
    progress = sys.stderr.isatty()
    for i, job in enumerate(jobs, 1):
        if progress:
            print(f"\r[{i}/{len(jobs)}] {job.tool} {job.workload.name}   ", end="", file=sys.stderr)
        outcome = run_child(job)
        key = (job.workload.name, job.tool)
        if isinstance(outcome, str):
            errors[key].append(outcome)
        else:
            results[key].append(outcome)
    if progress:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    return results, errors


# -- report ------------------------------------------------------------------------------------


def num(v: float) -> str:
    """Three significant digits or so, without a lone exponent."""
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def spread(values: list[float], fmt: Callable[[float], str] = num) -> str:
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def whole(v: float) -> str:
    return f"{v:.0f}"


def time_per_op(workload: Workload, m: Measurement) -> float:
    """ns per pair for the one-thread workloads, ms for a whole threaded run."""
    return m.seconds * 1e9 / m.ops if workload.per_op else m.seconds * 1e3


HEADER = (
    f"  {'tool':<10} {'time':>22} {'vs std':>7} {'ev/op':>6} {'+ns/ev':>7} {'finish':>7}  waited"
)


def tool_row(workload: Workload, tool: str, runs: list[Measurement], base: float | None) -> str:
    times = [time_per_op(workload, m) for m in runs]
    med = statistics.median(times)
    ratio = f"{med / base:.2f}x" if base else ""
    per_op = added = finish = ""
    events = [m.events for m in runs if m.events is not None]
    if events:
        ev = statistics.median(events)
        wrapped = "+" if any(m.overflow for m in runs) else ""
        per_op = f"{ev / runs[0].ops:.2f}{wrapped}"
        if base is not None:
            # Time this tool adds over the plain run, spread over what it recorded.
            scale = runs[0].ops if workload.per_op else 1e6
            added = num((med - base) * scale / ev)
    finishes = [m.finish_s * 1e9 / m.events for m in runs if m.finish_s and m.events]
    if finishes:
        finish = num(statistics.median(finishes))
    waited = [float(m.waited) for m in runs if m.waited is not None]
    waits = spread(waited, whole) if waited else ""
    wrong = sum(not m.ok for m in runs)
    note = f"  WRONG RESULT in {wrong} of {len(runs)} runs" if wrong else ""
    return (
        f"  {tool:<10} {spread(times):>22} {ratio:>7} {per_op:>6} {added:>7} {finish:>7}"
        f"  {waits:<18}{note}"
    ).rstrip()


def print_workload(
    workload: Workload,
    n: int,
    tools: list[str],
    results: Results,
    errors: dict[tuple[str, str], list[str]],
) -> None:
    some = next((r for t in tools if (r := results.get((workload.name, t)))), None)
    count = len(some) if some else 0
    unit = f"ns/{workload.per_op}" if workload.per_op else "ms"
    print(f"\n{workload.describe(n)}  [{unit}, {count} runs per tool]")
    print(HEADER)
    std = results.get((workload.name, "stdlib"))
    base = statistics.median(time_per_op(workload, m) for m in std) if std else None
    for tool in tools:
        runs = results.get((workload.name, tool))
        if runs:
            print(tool_row(workload, tool, runs, base))
        for error in errors.get((workload.name, tool), [])[:1]:
            print(f"  {tool:<10} failed {len(errors[(workload.name, tool)])}x: {error}")


def print_sizes(results: Results) -> None:
    print("\ntrace size (hilos, compiled Lock; one run of each workload):")
    for w in WORKLOADS:
        for m in results.get((w.name, "hilos"), []):
            if m.json_bytes is not None and m.gzip_bytes is not None and m.events:
                print(
                    f"  {w.name:<9} {m.events:>8} events  {m.json_bytes / m.events:6.1f} B/event"
                    f" JSON  {m.gzip_bytes / m.events:5.2f} B/event gzipped"
                )


LEGEND = """\
time: median (min–max) over the runs, each in a fresh process, in shuffled order.
vs std: ratio of the medians to the stdlib's. ev/op: events the tool recorded per pair, per
acquisition, per item or per round trip (+: VizTracer's buffer wrapped, a lower bound).
+ns/ev: time added over the stdlib's median, per recorded event. finish: Recorder.finish()
per event, measured after the timed run. waited: acquisitions or queue operations that had to
wait (Hilos: from its trace; stdlib: counted in a second, untimed run that tries acquire(False)
or put_nowait()/get_nowait() first)."""


def print_header(tools: list[str], results: Results, seed: int) -> None:
    compiled = {m.compiled for (_, tool), runs in results.items() if tool == "hilos" for m in runs}
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, switch interval {sys.getswitchinterval() * 1e3:g} ms, "
        f"shuffle seed {seed}"
    )
    fast = "in use" if compiled == {True} else "NOT in use"
    print(f"hilos: {code_under_test()}; compiled Lock {fast}")
    if "viztracer" in tools:
        from importlib.metadata import version

        print(f"viztracer {version('viztracer')}")
    else:
        print("viztracer: not installed (pip install viztracer); its rows are skipped")
    print(LEGEND)


def code_under_test() -> str:
    """Which Hilos was measured: the checkout's commit, and whether app/ differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--", "app")
    except (OSError, subprocess.CalledProcessError):
        return f"{ROOT / 'app'} (not a git checkout)"
    return f"{ROOT / 'app'} at {commit}" + (" with uncommitted changes" if changed else "")


# -- the leak that one process per run avoids --------------------------------------------------


def show_leak(n: int) -> None:
    """Time the plain queue run before and after a VizTracer session, in this one process."""
    import queue

    from viztracer import VizTracer

    queue_workload = BY_NAME["queue"]

    def plain_ms() -> str:
        times = [queue_workload.run(threading, queue, n, False).seconds * 1e3 for _ in range(5)]
        return spread(times)

    print(f"\nleak (one process; plain queue workload, {n} items; ms, median (min–max) of 5):")
    print(f"  {'before VizTracer':<34} {plain_ms():<20} getprofile: {threading.getprofile()}")
    tracer = VizTracer(tracer_entries=VIZ_ENTRIES, verbose=0)
    tracer.start()
    tracer.stop()
    tracer.clear()
    print(f"  {'after tracer.start(), .stop()':<34} {plain_ms():<20} ", end="")
    print(f"getprofile: {threading.getprofile()}")
    # What the leftover hook costs, shown by taking it away again.
    threading.setprofile(None)
    print(f"  {'after threading.setprofile(None)':<34} {plain_ms():<20} ", end="")
    print(f"getprofile: {threading.getprofile()}")


# -- command line ------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the work, 3 repeats")
    parser.add_argument(
        "--repeat", type=int, help="runs per tool and workload (default 5; lock4 at most 3)"
    )
    parser.add_argument("--seed", type=int, help="seed of the shuffled order")
    parser.add_argument("--show-leak", action="store_true", help="demonstrate VizTracer's hook")
    parser.add_argument("--one", nargs=2, metavar=("TOOL", "WORKLOAD"), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--size", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def child(tool: str, workload: str, n: int, size: bool) -> None:
    result = measure(tool, BY_NAME[workload], n, size)
    print(json.dumps(dataclasses.asdict(result)))


def parent(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    scale = 0.1 if args.quick else 1.0
    repeat = args.repeat or (3 if args.quick else 5)
    seed = args.seed if args.seed is not None else random.randrange(10_000)
    tools = [t for t in TOOLS if t != "viztracer" or importlib.util.find_spec("viztracer")]
    n_of = {w.name: max(1, int(w.size * scale)) for w in WORKLOADS}

    results, errors = run_all(schedule(tools, n_of, repeat, random.Random(seed)))
    print_header(tools, results, seed)
    for w in WORKLOADS:
        print_workload(w, n_of[w.name], tools, results, errors)
    print_sizes(results)
    if args.show_leak:
        if "viztracer" in tools:
            show_leak(n_of["queue"])
        else:
            print("\nleak: viztracer is not installed, nothing to show")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def main() -> None:
    args = parse_args()
    if args.one:
        tool, workload = args.one
        if workload not in BY_NAME:
            raise SystemExit(f"unknown workload {workload!r}: one of {', '.join(BY_NAME)}")
        child(tool, workload, args.n or BY_NAME[workload].size, args.size)
    else:
        parent(args)


if __name__ == "__main__":
    main()
