"""What a program someone wrote costs the server beside the same program as a scenario.
Prints numbers.

    .venv/bin/python benchmarks/programs.py [--repeat 15]

In-process, through the ASGI app (no network): `POST /api/runs` with the `lock` scenario and
with its source sent as `source` (the same program: the difference is checking the source,
keeping the program under its content address, and the route), then `check_program` alone
on a source at the default size limit. Medians and ranges over `--repeat` runs each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from app.main import create_app  # noqa: E402
from app.scenarios import get_scenario  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.web.programs import check_program  # noqa: E402


def timed(repeat: int, work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def show(name: str, times: list[float]) -> None:
    print(
        f"{name:<44} median {statistics.median(times):8.2f} ms   "
        f"range {min(times):.2f}–{max(times):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    source = get_scenario("lock").source("en")
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(db=Path(folder) / "b.sqlite3")
        with TestClient(create_app(settings)) as client:

            def post(body: dict[str, object]) -> None:
                answer = client.post("/api/runs", json=body)
                assert answer.status_code == 201, answer.text

            post({"scenario": "lock", "lang": "en"})  # warm up: imports, first analysis
            scenario = timed(args.repeat, lambda: post({"scenario": "lock", "lang": "en"}))
            program = timed(args.repeat, lambda: post({"source": source, "lang": "en"}))
    show("POST /api/runs, scenario lock", scenario)
    show("POST /api/runs, the same program as source", program)
    big = (source + "\n") * (settings.max_source // (len(source) + 1))
    checks = timed(args.repeat, lambda: check_program(big, {}, "en", settings.max_source))
    show(f"check_program, {len(big)} characters", checks)


if __name__ == "__main__":
    main()
