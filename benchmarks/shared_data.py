"""What recording shared variables costs, and whether it changes what a program does.

    .venv/bin/python benchmarks/shared_data.py            # about a minute
    .venv/bin/python benchmarks/shared_data.py --quick

1. A counter loop (`counter += 1` from 4 threads) as a whole program: plain python3, Hilos
   without shared variables, Hilos with them (compiled proxies), each run in its own process,
   in shuffled order, repeated; medians with their ranges, and the cost per recorded access.
2. The `race-condition` scenario at its defaults, 100 runs with and without shared variables
   recorded: how often updates were lost and how many. Recording must not change the rate.
3. The same counter loop at a 10 µs switch interval: lost updates in plain python3, and with
   the compiled and the pure-Python proxies (the pure-Python ones add switch points).

Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COUNTER = """
import threading
counter = 0

def work():
    global counter
    for _ in range(N):
        counter += 1

threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(counter)
"""
MODES = ("python3", "hilos", "hilos+shared")


def counter_source(n: int) -> str:
    return textwrap.dedent(COUNTER).replace("range(N)", f"range({n})")


def child(mode: str, n: int, interval: float, speedups: bool) -> None:
    """One measurement in this process: print {"seconds", "total", "events"} as JSON."""
    sys.setswitchinterval(interval)
    source = counter_source(n)
    if mode == "python3":
        lines: list[str] = []
        namespace = {
            "__name__": "__main__",
            "print": lambda *a: lines.append(" ".join(map(str, a))),
        }
        start = time.perf_counter()
        exec(compile(source, "<counter>", "exec"), namespace)
        seconds = time.perf_counter() - start
        print(json.dumps({"seconds": seconds, "total": int(lines[-1]), "events": 0}))
        return
    from app.runner import run_source

    start = time.perf_counter()
    trace = run_source(
        source,
        shared=mode == "hilos+shared",
        speedups=speedups,
        max_events=10 * n + 1000,
        max_seconds=120,
    )
    seconds = time.perf_counter() - start
    total = int(next(e.arg for e in reversed(trace.events) if e.kind == "print"))
    accesses = sum(e.kind in ("read", "write") for e in trace.events)
    print(json.dumps({"seconds": seconds, "total": total, "events": accesses}))


def measure(mode: str, n: int, interval: float = 0.005, speedups: bool = True) -> dict[str, float]:
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--n",
        str(n),
        "--interval",
        str(interval),
    ]
    if not speedups:
        command.append("--pure")
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):8.1f} ({min(values):.1f}–{max(values):.1f})"


def cost(n: int, repeat: int, rng: random.Random) -> None:
    jobs = [mode for mode in MODES for _ in range(repeat)]
    rng.shuffle(jobs)
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for mode in jobs:
        runs[mode].append(measure(mode, n))
    print(f"counter loop: 4 threads x {n} `counter += 1`, whole program  [ms, {repeat} runs]")
    base = statistics.median(r["seconds"] for r in runs["python3"])
    plain = statistics.median(r["seconds"] for r in runs["hilos"])
    for mode in MODES:
        ms = [r["seconds"] * 1e3 for r in runs[mode]]
        ratio = statistics.median(ms) / (base * 1e3)
        events = runs[mode][0]["events"]
        extra = ""
        if events:
            per = (statistics.median(r["seconds"] for r in runs[mode]) - plain) / events * 1e9
            extra = f"  {events:.0f} accesses recorded, +{per:.0f} ns each over `hilos`"
        print(f"  {mode:13} {spread(ms)}  {ratio:5.2f}x python3{extra}")


def race_rate(runs: int) -> None:
    from app.runner import run_source
    from app.scenarios import get_scenario

    scenario = get_scenario("race-condition")
    source = scenario.source("en")
    expected = 3 * 4
    print(f"race-condition at its defaults, {runs} runs each (expected total {expected}):")
    for shared in (False, True):
        lost_runs = 0
        lost: list[int] = []
        for _ in range(runs):
            trace = run_source(source, specs=scenario.params, shared=shared)
            line = str(next(e.arg for e in reversed(trace.events) if e.kind == "print"))
            total = int(line.split(":")[1].split(";")[0])
            lost.append(expected - total)
            lost_runs += total < expected
        label = "with shared variables" if shared else "without            "
        print(
            f"  {label}  runs that lost updates: {lost_runs}/{runs}; "
            f"updates lost per run: median {statistics.median(lost):g}, "
            f"range {min(lost)}–{max(lost)}"
        )


def fidelity(n: int, repeat: int) -> None:
    print(f"counter loop at a 10 µs switch interval, 4 x {n}: updates lost per run")
    for label, mode, speedups in (
        ("python3", "python3", True),
        ("hilos, compiled proxies", "hilos+shared", True),
        ("hilos, pure-Python proxies", "hilos+shared", False),
    ):
        lost = [4 * n - measure(mode, n, 1e-5, speedups)["total"] for _ in range(repeat)]
        print(f"  {label:27} {[int(x) for x in lost]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", choices=MODES)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--interval", type=float, default=0.005)
    parser.add_argument("--pure", action="store_true")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n, args.interval, not args.pure)
        return
    seed = args.seed if args.seed is not None else random.randrange(10_000)
    print(f"python {sys.version.split()[0]}, shuffle seed {seed}")
    n = 2_000 if args.quick else 20_000
    repeat = 3 if args.quick else 5
    cost(n, repeat, random.Random(seed))
    race_rate(20 if args.quick else 100)
    fidelity(n // 4, 3)


if __name__ == "__main__":
    main()
