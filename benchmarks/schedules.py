"""What one step of "You choose" costs: re-executing a controlled run up to it, per scenario.

    .venv/bin/python benchmarks/schedules.py            # about half a minute
    .venv/bin/python benchmarks/schedules.py --repeat 3

Every click re-runs the scenario from the start (stateless: any replica can answer, the
choices are the permalink), so the cost of a step is the cost of a controlled run up to the
decision it asks about. For each scenario: the run to its first decision, the run to its last
decision (the longest a student's click can take), and the whole run to the end; median and
range over the repetitions, milliseconds of wall time. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.runner import run_source  # noqa: E402
from app.scenarios import get_scenario, load_scenarios  # noqa: E402


def timed(scenario_id: str, choices: list[str], pause: bool) -> tuple[float, list[str]]:
    scenario = get_scenario(scenario_id)
    start = time.perf_counter()
    trace = run_source(scenario.source("en"), specs=scenario.params, schedule=choices, pause=pause)
    seconds = time.perf_counter() - start
    assert trace.schedule is not None
    return seconds * 1e3, list(trace.schedule["choices"])


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):7.1f} ({min(values):.1f}–{max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    version = sys.version.split()[0]
    print(f"python {version}; ms of wall time, median (min–max) of {args.repeat}")
    columns = ("first step", "last step", "to the end")
    print(f"{'scenario':22} {'decisions':>9}  " + "  ".join(f"{c:>20}" for c in columns))
    for scenario_id in load_scenarios():
        _, everything = timed(scenario_id, [], pause=False)
        last = everything[:-1] if everything else []
        first_ms = [timed(scenario_id, [], pause=True)[0] for _ in range(args.repeat)]
        last_ms = [timed(scenario_id, last, pause=True)[0] for _ in range(args.repeat)]
        end_ms = [timed(scenario_id, everything, pause=False)[0] for _ in range(args.repeat)]
        print(
            f"{scenario_id:22} {len(everything):9}  {spread(first_ms):>20}  "
            f"{spread(last_ms):>20}  {spread(end_ms):>20}"
        )


if __name__ == "__main__":
    main()
