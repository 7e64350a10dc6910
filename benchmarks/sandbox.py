"""What the sandbox costs per run: the same scenarios in-process and in a jailed worker.

    .venv/bin/python benchmarks/sandbox.py              # about two minutes
    .venv/bin/python benchmarks/sandbox.py --repeat 9

In-process is what the server does for a built-in scenario today (`run_source`). Sandboxed is
`run_program`: a fresh interpreter, the jail (namespaces, empty root, limits, seccomp), the
run, and the server's checks of the answer (schema, consistency, the analysis reading it).
`x = 1` shows the fixed part. A live run and a controlled run to the end per scenario, and one
exploration, whose single worker makes the fixed part small. "New worker" starts an
interpreter for the run; "spare" takes one a `WorkerPool` started ahead, after an untimed
pause of --pause seconds in which it gets ready, as between a server's requests. Median
(min–max) over the repetitions, ms of wall time. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.explore import explore  # noqa: E402
from app.runner import run_source  # noqa: E402
from app.sandbox import WorkerPool, explore_program, run_program  # noqa: E402
from app.scenarios import get_scenario  # noqa: E402
from benchmarks.schedules import spread  # noqa: E402

SCENARIOS = ("race-condition", "deadlock", "producer-consumer", "dining-philosophers")


def timed(call: Callable[[], object], repeat: int, pause: float = 0.0) -> list[float]:
    found = []
    for _ in range(repeat):
        time.sleep(pause)  # untimed: the spare's replacement gets ready meanwhile
        start = time.perf_counter()
        call()
        found.append((time.perf_counter() - start) * 1e3)
    return found


def row(name: str, *columns: list[float]) -> None:
    print(f"{name:34} " + " ".join(f"{spread(c):>22}" for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pause", type=float, default=1.0)
    args = parser.parse_args()
    n, pause = args.repeat, args.pause
    pool = WorkerPool(spares=1)
    print(f"python {sys.version.split()[0]}; ms of wall time, median (min–max) of {n}")
    print(f"{'run':34} {'in-process':>22} {'sandboxed, new worker':>22} {'sandboxed, spare':>22}")
    try:
        row(
            "x = 1",
            timed(lambda: run_source("x = 1\n"), n),
            timed(lambda: run_program("x = 1\n"), n),
            timed(lambda: run_program("x = 1\n", pool=pool), n, pause),
        )
        for scenario_id in SCENARIOS:
            scenario = get_scenario(scenario_id)
            source, specs = scenario.source("en"), scenario.params
            for mode, control in (("live", {}), ("controlled", {"schedule": []})):
                row(
                    f"{scenario_id} {mode}",
                    timed(lambda: run_source(source, specs=specs, **control), n),  # noqa: B023
                    timed(lambda: run_program(source, specs=specs, **control), n),  # noqa: B023
                    timed(
                        lambda: run_program(source, specs=specs, pool=pool, **control),  # noqa: B023
                        n,
                        pause,
                    ),
                )
        scenario = get_scenario("deadlock")
        source, specs = scenario.source("en"), scenario.params
        repeat = max(1, n // 2)
        row(
            "deadlock exploration (200 schedules)",
            timed(lambda: explore(source, specs=specs, max_schedules=200), repeat),
            timed(lambda: explore_program(source, specs=specs, max_schedules=200), repeat),
            timed(
                lambda: explore_program(source, specs=specs, max_schedules=200, pool=pool),
                repeat,
                pause,
            ),
        )
    finally:
        pool.close()


if __name__ == "__main__":
    main()
