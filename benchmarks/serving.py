"""How fast are saved traces served, beside a hello-world route of the same app? Prints numbers.

    .venv/bin/python benchmarks/serving.py [--seconds 10] [--workers 1]

Records one real run of about 200 KB, trace and analysis (4 threads taking turns on two
locks), saves it the way the site does (serialised and gzipped once), starts uvicorn with
its `standard` extras (uvloop + httptools) on loopback, and loads it with `wrk` (Debian
package `wrk`) at 50 and 200 connections: `GET /api/runs/{id}` with gzip accepted, and
`GET /healthz` as the hello-world. Prints requests/s and p99 latency for each, and the
ratios the issue targets (saved trace >= 80 % of hello-world req/s, p99 <= 1.5x).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.analysis import analyse  # noqa: E402
from app.runner import run_source  # noqa: E402
from app.store import SQLiteStore, new_run_id  # noqa: E402
from benchmarks._server import start, stop  # noqa: E402

PROGRAM = """
import threading
ROUNDS = 120
a = threading.Lock()
b = threading.Lock()

def work():
    for _ in range(ROUNDS):
        with a:
            with b:
                pass

threads = [threading.Thread(target=work, name=f"Worker-{i}") for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def save_run(db: Path) -> tuple[str, int, int]:
    trace = run_source(PROGRAM, max_events=200_000)
    run_id = new_run_id()
    document = {
        "id": run_id,
        "url": f"/runs/{run_id}",
        "scenario": None,
        "lang": "en",
        "params": trace.params,
        "outcome": trace.outcome.to_json(),
        "trace": trace.to_json(),
        "analysis": analyse(trace).to_json("en"),
    }
    body = json.dumps(document, separators=(",", ":")).encode()
    stored = SQLiteStore(db).save(body, scenario=None, lang="en", params="{}", status="completed",
                               run_id=run_id)  # fmt: skip
    return run_id, len(body), len(stored.body)


def wrk(url: str, connections: int, seconds: int) -> tuple[float, float]:
    """(requests per second, p99 latency in ms) from one wrk run."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-H", "Accept-Encoding: gzip", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    if "Non-2xx" in out or "Socket errors" in out:
        print(f"  wrk reported errors for {url}:\n{out}")
    return rate, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("serving: needs wrk (Debian: apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        run_id, size, gz = save_run(db)
        print(f"saved run: {size / 1024:.0f} KB of JSON, {gz / 1024:.0f} KB gzipped (served as is)")
        server, url = start(db, args.workers)
        try:
            print(
                f"uvicorn, {args.workers} worker(s), uvloop + httptools; wrk -t2, {args.seconds} s"
            )
            print(f"{'connections':>11}  {'route':<14} {'req/s':>9} {'p99 ms':>8}")
            for connections in (50, 200):
                hello = wrk(url + "/healthz", connections, args.seconds)
                trace = wrk(f"{url}/api/runs/{run_id}", connections, args.seconds)
                for name, (rate, p99) in (("hello-world", hello), ("saved trace", trace)):
                    print(f"{connections:>11}  {name:<14} {rate:>9.0f} {p99:>8.2f}")
                print(
                    f"{'':>11}  saved/hello: req/s {trace[0] / hello[0]:.0%} (target >= 80 %), "
                    f"p99 {trace[1] / hello[1]:.2f}x (target <= 1.5x)"
                )
        finally:
            stop(server)


if __name__ == "__main__":
    main()
