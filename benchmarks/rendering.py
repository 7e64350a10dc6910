"""How fast does the player draw a big run in headless Chromium? Prints numbers.

    .venv/bin/python benchmarks/rendering.py [--events 100000] [--seconds 5]

Builds a synthetic trace of N events (8 threads taking turns on 4 locks, sleeping, putting
and getting through a queue), analyses and saves it the way the site does, serves it with
uvicorn, opens its run page in Debian's Chromium and reports: the first frame (ms from
navigation start until the player has drawn, trace download included) and the frame times
during playback (requestAnimationFrame deltas while playing at 4x). Targets: first frame
< 1 s, >= 55 fps.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

from app.analysis import analyse  # noqa: E402
from app.store import SQLiteStore, new_run_id  # noqa: E402
from app.tracing.trace import Event, ObjectInfo, Outcome, ThreadInfo, Trace  # noqa: E402

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
THREADS = 8
LOCKS = 4


def synthetic(n_events: int) -> Trace:
    """A consistent trace: each thread loops take lock → put → release → sleep."""
    rng = random.Random(7)
    threads = [ThreadInfo(0, "MainThread", False, None, "main", start_ns=0)]
    threads += [
        ThreadInfo(k, f"Worker-{k}", False, 0, "thread", start_ns=0) for k in range(1, THREADS + 1)
    ]
    objects = [ObjectInfo(k + 1, "Lock", f"locks[{k}]", 3) for k in range(LOCKS)]
    objects.append(ObjectInfo(LOCKS + 1, "Queue", "cola", 4, {"maxsize": 0}))
    queue_id = LOCKS + 1
    events: list[Event] = [Event(0, 0, "thread_run", 0, 0)]
    t = 1000
    for k in range(1, THREADS + 1):
        events += [Event(t, 0, "thread_start", 0, 9, k), Event(t + 10, k, "thread_run", 0, 0)]
        t += 100
    holder: dict[int, int] = {}
    items = 0
    while len(events) < n_events - 2 * THREADS - 2:
        k = rng.randint(1, THREADS)
        lock = rng.randint(1, LOCKS)
        t += rng.randint(200, 20_000)
        if lock in holder:
            continue
        holder[lock] = k
        events.append(Event(t, k, "acquire", lock, 12))
        t += rng.randint(100, 5_000)
        events.append(Event(t, k, "put", queue_id, 13, items))
        items += 1
        t += rng.randint(100, 5_000)
        events.append(Event(t, k, "release", lock, 14))
        del holder[lock]
        if items > 3:
            t += 100
            events.append(Event(t, k, "get", queue_id, 15, items - 4))
    for k in range(1, THREADS + 1):
        t += 100
        events.append(Event(t, k, "thread_end", 0, 0))
    events.append(Event(t + 100, 0, "thread_end", 0, 0))
    for th in threads:
        th.end, th.end_ns = "finished", t
    return Trace(source="# synthetic\n", outcome=Outcome("completed", "The program completed."),
                 threads=threads, objects=objects, events=events, duration_ns=t)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="playback measured")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "render.sqlite3"
        started = time.perf_counter()
        trace = synthetic(args.events)
        analysis = analyse(trace).to_json("en")
        run_id = new_run_id()
        document = {"id": run_id, "url": f"/runs/{run_id}", "scenario": None, "lang": "en",
                    "params": {}, "outcome": trace.outcome.to_json(), "trace": trace.to_json(),
                    "analysis": analysis}  # fmt: skip
        body = json.dumps(document, separators=(",", ":")).encode()
        stored = SQLiteStore(db).save(body, scenario=None, lang="en", params="{}",
                                   status="completed", run_id=run_id)  # fmt: skip
        print(f"{len(trace.events)} events; document {len(body) / 1e6:.1f} MB, "
              f"{len(stored.body) / 1e6:.1f} MB gzipped; built and analysed in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
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
            measure(url + f"/runs/{run_id}?lang=en", args.seconds)
        finally:
            server.terminate()
            server.wait(10)


def measure(url: str, seconds: float) -> None:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        firsts = []
        for _ in range(3):
            page.goto(url)
            page.wait_for_selector(".player[data-mounted=ready]", timeout=60_000)
            firsts.append(float(page.locator(".player").get_attribute("data-ready-ms") or "nan"))
        print(f"first frame: {statistics.median(firsts):.0f} ms median of 3 "
              f"({', '.join(f'{v:.0f}' for v in firsts)}) — target < 1000 ms")  # fmt: skip
        # Time view at 0.25x so that playback outlasts the measurement on a 1 s run.
        for view, speed in (("steps", "4"), ("time", "0.25")):
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
