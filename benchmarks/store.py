"""What the store costs, SQLite beside PostgreSQL: saves, reads and the readiness write.

    .venv/bin/python benchmarks/store.py [--runs 300] [--postgres postgresql://...]

Without --postgres it starts a PostgreSQL of its own (tests/pg.py: Debian's server, as an
unprivileged user, in a temporary folder, fsync on as in production) and stops it after.
Each backend saves `--runs` documents of about 45 KB of JSON (one thread, then four at once), reads
200 of them back through a fresh store (no cache: each read reaches the database), again through the
cache, and makes 100 readiness writes. Prints per-operation medians and throughput. Numbers
are from this machine: both backends on one disk, PostgreSQL over loopback.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.store import RunStore, new_run_id, open_store  # noqa: E402
from tests.pg import Postgres  # noqa: E402

DOCUMENT = json.dumps(
    {"trace": [[i, "acquire", i % 7, i * 0.001] for i in range(1_600)], "analysis": {}}
).encode()


def timed(calls: list[Callable[[], object]]) -> list[float]:
    taken = []
    for call in calls:
        start = time.perf_counter()
        call()
        taken.append(time.perf_counter() - start)
    return taken


def report(name: str, taken: list[float], wall: float | None = None) -> None:
    total = wall if wall is not None else sum(taken)
    print(
        f"  {name:<28} median {statistics.median(taken) * 1e3:7.2f} ms"
        f"   {len(taken) / total:8.0f} /s"
    )


def save(store: RunStore) -> str:
    run_id = new_run_id()
    store.save(DOCUMENT, scenario="lock", lang="en", params="{}", status="ok", run_id=run_id)
    return run_id


def measure(target: str | Path, runs: int) -> None:
    store = open_store(target)
    ids: list[str] = []
    report("save, one thread", timed([lambda: ids.append(save(store)) for _ in range(runs)]))
    taken: list[float] = []
    lock = threading.Lock()

    def saver() -> None:
        mine = timed([lambda: save(store) for _ in range(runs // 4)])
        with lock:
            taken.extend(mine)

    threads = [threading.Thread(target=saver) for _ in range(4)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report("save, four threads at once", taken, time.perf_counter() - start)
    fresh = open_store(target)
    kept = ids[:200]  # fewer than the store keeps in memory (256)
    report("get, from the database", timed([lambda i=i: fresh.get(i) for i in kept]))  # type: ignore[misc]
    report("get, cached", timed([lambda i=i: fresh.get(i) for i in kept]))  # type: ignore[misc]
    report("readiness write", timed([store.probe for _ in range(100)]))
    store.close()
    fresh.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: start one here)")
    args = parser.parse_args()
    print(f"document: {len(DOCUMENT) // 1024} KB of JSON, {args.runs} runs")
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite (WAL, synchronous=FULL)")
        measure(Path(folder) / "runs.sqlite3", args.runs)
    server = None if args.postgres else Postgres(durable=True)
    try:
        print("PostgreSQL (psycopg pool, loopback)")
        measure(args.postgres or server.database(), args.runs)  # type: ignore[union-attr]
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
