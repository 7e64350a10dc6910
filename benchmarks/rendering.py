"""How fast does the player draw a big run in headless Chromium? Prints numbers.

    .venv/bin/python benchmarks/rendering.py [--events 1000 10000 100000 400000] [--seconds 3]

Records REAL runs with the runner (a lock-heavy program: four threads taking one Lock in a
loop, iterations chosen for about N events; `--program contended` sleeps(0) while holding it,
so that nearly every acquire waits and is handed the lock, `plain` does not), saves each
one's run document the way the site does, serves them with uvicorn, opens each run page in
Debian's Chromium and prints: the trace and the document, gzipped, and their ratio; the first
frame (ms from navigation start until the player has drawn, download included); the frame
rate while playing. Targets: first frame < 1 s at 100 000 events and growing linearly,
document <= 3x its trace gzipped.

To compare with another version of Hilos, run this file from a copy of that version (it uses
only `run_source`, `run_document` and the SQLite store, which every version has).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from app.export import run_document  # noqa: E402
from app.runner import run_source  # noqa: E402
from app.store import new_run_id  # noqa: E402

try:  # the store's SQLite backend; before the store had several, that was RunStore itself
    from app.store import SQLiteStore as RunStore  # noqa: E402
except ImportError:
    from app.store import RunStore  # type: ignore[assignment]  # noqa: E402
from app.tracing import Trace  # noqa: E402

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
THREADS = 4
PROGRAM = """
import threading
import time

lock = threading.Lock()


def work():
    done = 0
    for _ in range({iterations}):
        with lock:
            {inside}


workers = [threading.Thread(target=work) for _ in range({threads})]
for w in workers:
    w.start()
for w in workers:
    w.join()
"""


# What each iteration does while holding the lock, and about how many events it records.
PROGRAMS = {
    "plain": ("done += 1", 2.0),  # acquire, release
    "contended": ("time.sleep(0)", 5.8),  # request, grant, resume, sleep, wake, release
}


def record(events: int, program: str = "contended") -> Trace:
    """A real lock-heavy run of about `events` events."""
    inside, per_iteration = PROGRAMS[program]
    iterations = max(1, round(events / (per_iteration * THREADS)))
    source = PROGRAM.format(iterations=iterations, threads=THREADS, inside=inside)
    return run_source(source, max_seconds=300, max_events=events * 2 + 1000)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000, 10_000, 100_000, 400_000])
    parser.add_argument("--seconds", type=float, default=3.0, help="playback measured")
    parser.add_argument("--program", choices=list(PROGRAMS), default="contended")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "render.sqlite3"
        store = RunStore(db)
        runs = []
        for target in args.events:
            started = time.perf_counter()
            trace = record(target, args.program)
            recorded = time.perf_counter() - started
            run_id = new_run_id()
            started = time.perf_counter()
            document = run_document(trace, "en", run_id)
            body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
            analysed = time.perf_counter() - started
            stored = store.save(body, scenario=None, lang="en", params="{}",
                                status=trace.outcome.status, run_id=run_id)  # fmt: skip
            trace_gz = len(gzip.compress(trace.dumps().encode(), 6, mtime=0))
            ratio = len(stored.body) / trace_gz
            print(f"{len(trace.events)} events ({args.program}, {trace.outcome.status}): "
                  f"recorded in {recorded:.1f} s, document built in {analysed:.1f} s; trace "
                  f"{trace_gz / 1e3:.0f} KB gzipped, document {len(stored.body) / 1e3:.0f} KB "
                  f"gzipped = {ratio:.2f}x the trace (target <= 3x)", flush=True)  # fmt: skip
            runs.append((len(trace.events), run_id))
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--port",
             str(port), "--log-level", "warning"],
            cwd=ROOT, env=os.environ | {"HILOS_DB": str(db)},
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(url + "/healthz", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            for count, run_id in runs:
                print(f"-- {count} events")
                measure(url + f"/runs/{run_id}?lang=en", args.seconds)
        finally:
            server.terminate()
            server.wait(10)


def measure(url: str, seconds: float) -> None:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        firsts = []
        for _ in range(2):
            page.goto(url)
            page.wait_for_selector(".player[data-mounted=ready]", timeout=300_000)
            firsts.append(float(page.locator(".player").get_attribute("data-ready-ms") or "nan"))
        print(f"first frame: {statistics.median(firsts):.0f} ms median of 2 "
              f"({', '.join(f'{v:.0f}' for v in firsts)}) — target < 1000 ms")  # fmt: skip
        # Time view at 0.25x so that playback outlasts the measurement on a 1 s run.
        for view, speed in (("steps", "4"),):
            page.get_by_label("Scale", exact=True).select_option(view)
            page.get_by_label("Speed", exact=True).select_option(speed)
            page.locator(".player").focus()
            page.keyboard.press("Home")
            page.get_by_role("button", name="Play").click()
            deltas = page.evaluate(
                """(ms) => new Promise((resolve) => {
                  const out = []; let last = performance.now(); const end = last + ms;
                  const tick = (now) => { out.push(now - last); last = now;
                    if (now < end) requestAnimationFrame(tick); else resolve(out); };
                  requestAnimationFrame(tick);
                })""",
                seconds * 1000,
            )
            still_playing = page.get_by_role("button", name="Pause").count() == 1
            if still_playing:
                page.get_by_role("button", name="Pause").click()
            frames = sorted(deltas[1:])
            mean = statistics.fmean(frames)
            p95 = frames[int(len(frames) * 0.95) - 1]
            if not still_playing:
                print(f"  ({view} view: playback ended before the measurement did)")
            print(f"playback ({view} view, {speed}x): {1000 / mean:.1f} fps; frame time mean "
                  f"{mean:.1f} ms, p95 {p95:.1f} ms, worst {frames[-1]:.1f} ms "
                  f"over {len(frames)} frames — target >= 55 fps")  # fmt: skip
        browser.close()


if __name__ == "__main__":
    main()
