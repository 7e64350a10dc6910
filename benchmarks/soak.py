"""1 000 deadlocking and stalling runs through the API: does the server give back what it took?

    .venv/bin/python benchmarks/soak.py [--runs 1000]

Starts one uvicorn process on loopback, warms it up, notes its thread count and resident
memory (from /proc), sends RUNS runs alternating `deadlock` and `forgotten-task-done` through
`POST /api/runs` from a few clients (retrying after a 429), and reads the same numbers again.
Targets: threads back to the baseline, RSS growth < 20 MB.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import start, stop  # noqa: E402

SCENARIOS = ("deadlock", "forgotten-task-done")


def process_numbers(pid: int) -> tuple[int, float]:
    """(threads, RSS in MB) of a process, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) / 1024


def post(url: str, scenario: str) -> str:
    body = json.dumps({"scenario": scenario, "lang": "en"}).encode()
    while True:
        request = urllib.request.Request(
            url + "/api/runs", body, {"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status: str = json.loads(answer.read())["outcome"]["status"]
                return status
        except urllib.error.HTTPError as exc:
            if exc.code != 429:
                raise
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # A few clients send every run: no per-client share here.
        server, url = start(
            Path(tmp) / "soak.sqlite3", 1, HILOS_RUN_WORKERS="2", HILOS_CLIENT_RUNS_PER_MINUTE="0"
        )
        try:
            outcomes: dict[str, int] = {}
            lock = threading.Lock()

            def send(runs: int) -> None:
                counter = iter(range(runs))

                def worker() -> None:
                    for n in counter:
                        status = post(url, SCENARIOS[n % 2])
                        with lock:
                            outcomes[status] = outcomes.get(status, 0) + 1

                pool = [threading.Thread(target=worker) for _ in range(args.clients)]
                for thread in pool:
                    thread.start()
                for thread in pool:
                    thread.join()

            send(20)  # warm up, as concurrently as the run: imports, caches, the pool's threads
            outcomes.clear()
            time.sleep(1)
            threads0, rss0 = process_numbers(server.pid)
            started = time.monotonic()
            send(args.runs)
            elapsed = time.monotonic() - started
            time.sleep(1)
            threads1, rss1 = process_numbers(server.pid)
        finally:
            stop(server)
    print(f"{args.runs} runs in {elapsed:.0f} s ({args.runs / elapsed:.1f}/s); outcomes {outcomes}")
    print(f"threads: {threads0} before, {threads1} after (target: back to baseline)")
    print(f"RSS: {rss0:.1f} MB before, {rss1:.1f} MB after, growth {rss1 - rss0:+.1f} MB "
          f"(target < 20 MB)")  # fmt: skip


if __name__ == "__main__":
    main()
