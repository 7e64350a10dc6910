"""A classroom pressing play at once: many clients, one server, a mix of routes. Prints numbers.

    .venv/bin/python benchmarks/load.py [--clients 200] [--seconds 60] [--workers 2]

Starts uvicorn on loopback (only loopback: this is not a tool to point at other people's
servers), then runs CLIENTS concurrent clients for SECONDS, each looping over a mix: 55 %
saved runs (`GET /api/runs/{id}`, gzip), 15 % the gallery, 15 % a scenario page, 15 % live runs
(`POST /api/runs`). Prints requests/s, p50/p99 per route, and counts of 429 (the bounded
executor saying "later", expected under load) and of errors (5xx, timeouts, refused).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import start, stop  # noqa: E402

SCENARIOS = ["lock", "deadlock", "producer-consumer", "event", "semaphore", "join"]


async def client(
    http: httpx.AsyncClient, until: float, run_ids: list[str], rng: random.Random,
    times: dict[str, list[float]], codes: dict[str, Counter[str]],
) -> None:  # fmt: skip
    while time.monotonic() < until:
        pick = rng.random()
        if pick < 0.55:
            route, call = "GET /api/runs/{id}", http.get(f"/api/runs/{rng.choice(run_ids)}")
        elif pick < 0.70:
            route, call = "GET /", http.get("/?lang=es")
        elif pick < 0.85:
            route, call = "GET /scenarios/{id}", http.get(f"/scenarios/{rng.choice(SCENARIOS)}")
        else:
            body = {"scenario": rng.choice(SCENARIOS), "lang": "en"}
            route, call = "POST /api/runs", http.post("/api/runs", json=body)
        started = time.perf_counter()
        try:
            answer = await call
            code = str(answer.status_code)
        except httpx.HTTPError as exc:
            code = type(exc).__name__
        times[route].append(time.perf_counter() - started)
        codes[route][code] += 1
        if code == "429":
            await asyncio.sleep(0.5)


async def drive(url: str, clients: int, seconds: float) -> None:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Accept-Encoding": "gzip"}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30, headers=headers) as http:
        run_ids = []
        for scenario in SCENARIOS:  # saved runs to read, and each scenario's default run
            answer = await http.post("/api/runs", json={"scenario": scenario, "lang": "en"})
            run_ids.append(answer.json()["id"])
            await http.get(f"/scenarios/{scenario}")
        times: dict[str, list[float]] = defaultdict(list)
        codes: dict[str, Counter[str]] = defaultdict(Counter)
        rng = random.Random(1)
        until = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(
            *(client(http, until, run_ids, random.Random(rng.random()), times, codes)
              for _ in range(clients))
        )  # fmt: skip
        elapsed = time.monotonic() - started
    total = sum(len(t) for t in times.values())
    print(f"{clients} clients, {elapsed:.0f} s: {total} requests, {total / elapsed:.0f} req/s")
    print(f"{'route':<22} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}  answers")
    for route in sorted(times):
        samples = sorted(times[route])
        p99 = samples[max(0, int(len(samples) * 0.99) - 1)]
        answers = ", ".join(f"{code}: {n}" for code, n in sorted(codes[route].items()))
        p50 = statistics.median(samples)
        rate = len(samples) / elapsed
        print(f"{route:<22} {rate:>7.0f} {p50 * 1000:>8.1f} {p99 * 1000:>8.1f}  {answers}")
    errors = sum(
        n for c in codes.values() for code, n in c.items() if not code.isdigit() or code >= "500"
    )
    print(f"errors (5xx, timeouts, refused): {errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    if not (1 <= args.clients <= 1000 and 1 <= args.seconds <= 600):
        raise SystemExit("load: --clients 1..1000 and --seconds 1..600")
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start(Path(tmp) / "load.sqlite3", args.workers)
        try:
            asyncio.run(drive(url, args.clients, args.seconds))
        finally:
            stop(server)


if __name__ == "__main__":
    main()
