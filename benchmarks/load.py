"""A class on one server: live runs for everyone, an abusive client, clients that ignore
Retry-After. Prints numbers (the goals of the deployment, measured); asserts nothing.

    .venv/bin/python benchmarks/load.py                   # class, abuse, hammer 200 and 500
    .venv/bin/python benchmarks/load.py class [--clients 300] [--within 10]
    .venv/bin/python benchmarks/load.py abuse [--students 30] [--connections 20] [--seconds 10]
    .venv/bin/python benchmarks/load.py hammer [--clients 200] [--seconds 10]
    .venv/bin/python benchmarks/load.py mix [--clients 200] [--seconds 30]

Each part starts its own server (`hilos serve`, `--workers 2` by default, a fresh database)
on loopback only: this is not a tool to point at other people's servers. Each simulated
student is one keep-alive connection and one address, sent as X-Forwarded-For (the server
trusts loopback as its proxy, as behind the deployment's reverse proxy).

- class: CLIENTS students each press "Run again" once, at a random moment within WITHIN
  seconds, and honour Retry-After; the goal is every one served (201) within 15 s.
- abuse: STUDENTS each post a run, then wait 2 s, and again, for SECONDS; then the same with
  one more client on CONNECTIONS connections posting without pause. The goal: the students'
  429 rate does not rise.
- hammer: the gallery's latency (p50, p99) alone, then while CLIENTS clients post runs without
  pause, ignoring Retry-After.
- mix: the earlier mixed load (saved runs, gallery, scenario pages, live runs) for throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._http import Connection  # noqa: E402
from benchmarks._server import start, stop  # noqa: E402

SCENARIOS = ["lock", "deadlock", "producer-consumer", "event", "semaphore", "join"]
JSON = {"Content-Type": "application/json", "Accept-Encoding": "gzip"}


def address(k: int) -> str:
    return f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}"


def run_body(rng: random.Random) -> bytes:
    return json.dumps({"scenario": rng.choice(SCENARIOS), "lang": "en"}).encode()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


# -- the parts -------------------------------------------------------------------------------------


async def class_part(host: str, port: int, clients: int, within: float) -> None:
    rng = random.Random(1)
    waits: list[float] = []
    refusals = Counter[int]()
    errors: list[str] = []

    async def student(k: int) -> None:
        connection = Connection(host, port, {"X-Forwarded-For": address(k)} | JSON)
        await asyncio.sleep(rng.uniform(0, within))
        pressed = time.monotonic()
        try:
            while True:
                answer = await connection.request("POST", "/api/runs", run_body(rng))
                if answer.status == 201:
                    waits.append(time.monotonic() - pressed)
                    return
                if answer.status != 429:
                    errors.append(str(answer.status))
                    return
                refusals[k] += 1
                await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
        except OSError as exc:
            errors.append(type(exc).__name__)
        finally:
            await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(student(k) for k in range(clients)))
    elapsed = time.monotonic() - started
    in_time = sum(1 for w in waits if w <= 15)
    print(f"class: {clients} students press 'Run again' once within {within:.0f} s")
    print(
        f"  served {len(waits)}/{clients} (201), {in_time} within 15 s of pressing; "
        f"press to 201: p50 {ms(percentile(waits, 0.5))}, p95 {ms(percentile(waits, 0.95))}, "
        f"max {ms(max(waits, default=float('nan')))}"
    )
    print(
        f"  429 answers: {sum(refusals.values())} (to {len(refusals)} students); "
        f"errors: {len(errors)} {Counter(errors).most_common(3)}; all done in {elapsed:.1f} s"
    )


async def abuse_part(
    host: str, port: int, students: int, connections: int, seconds: float, abuser: bool
) -> tuple[Counter[int], Counter[int]]:
    rng = random.Random(2)
    until = time.monotonic() + seconds
    student_codes: Counter[int] = Counter()
    abuser_codes: Counter[int] = Counter()

    async def student(k: int) -> None:
        connection = Connection(host, port, {"X-Forwarded-For": address(k)} | JSON)
        await asyncio.sleep(rng.uniform(0, 2))
        while time.monotonic() < until:
            answer = await connection.request("POST", "/api/runs", run_body(rng))
            student_codes[answer.status] += 1
            await asyncio.sleep(2)
        await connection.close()

    async def abusive() -> None:
        connection = Connection(host, port, {"X-Forwarded-For": "10.255.255.254"} | JSON)
        while time.monotonic() < until:
            answer = await connection.request("POST", "/api/runs", run_body(rng))
            abuser_codes[answer.status] += 1
        await connection.close()

    tasks: list[Awaitable[None]] = [student(k) for k in range(students)]
    if abuser:
        tasks += [abusive() for _ in range(connections)]
    await asyncio.gather(*tasks)
    return student_codes, abuser_codes


def rate_429(codes: Counter[int]) -> str:
    total = sum(codes.values())
    return f"{codes[429]}/{total} = {100 * codes[429] / max(total, 1):.1f} % 429"


async def hammer_part(host: str, port: int, clients: int, seconds: float) -> None:
    rng = random.Random(3)
    probe = Connection(host, port)

    async def page_times(duration: float) -> list[float]:
        times = []
        until = time.monotonic() + duration
        while time.monotonic() < until:
            started = time.perf_counter()
            answer = await probe.request("GET", "/?lang=en")
            assert answer.status == 200, answer.status
            times.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
        return times

    alone = await page_times(2)
    stop_at = time.monotonic() + seconds
    codes: Counter[int] = Counter()

    async def hammering(k: int) -> None:
        connection = Connection(host, port, {"X-Forwarded-For": address(k)} | JSON)
        while time.monotonic() < stop_at:
            try:
                answer = await connection.request("POST", "/api/runs", run_body(rng))
                codes[answer.status] += 1
            except OSError:
                codes[0] += 1
        await connection.close()

    hammer = [asyncio.ensure_future(hammering(k)) for k in range(clients)]
    await asyncio.sleep(1)  # every client under way
    loaded = await page_times(seconds - 2)
    await asyncio.gather(*hammer)
    await probe.close()
    answers = ", ".join(f"{code or 'error'}: {n}" for code, n in sorted(codes.items()))
    print(f"hammer: {clients} clients post runs without pause, ignoring Retry-After")
    print(
        f"  GET / alone: p50 {ms(percentile(alone, 0.5))}, p99 {ms(percentile(alone, 0.99))}; "
        f"while hammered: p50 {ms(percentile(loaded, 0.5))}, "
        f"p99 {ms(percentile(loaded, 0.99))} ({len(loaded)} pages)"
    )
    print(f"  POST /api/runs: {sum(codes.values()) / seconds:.0f}/s ({answers})")


async def mix_part(host: str, port: int, clients: int, seconds: float) -> None:
    setup = Connection(host, port, JSON)
    run_ids = []
    for scenario in SCENARIOS:  # saved runs to read, and each scenario's default run
        body = json.dumps({"scenario": scenario, "lang": "en"}).encode()
        run_ids.append((await setup.request("POST", "/api/runs", body)).json()["id"])
        await setup.request("GET", f"/scenarios/{scenario}")
    await setup.close()
    times: dict[str, list[float]] = defaultdict(list)
    codes: dict[str, Counter[str]] = defaultdict(Counter)
    until = time.monotonic() + seconds

    async def client(k: int) -> None:
        rng = random.Random(k)
        connection = Connection(host, port, {"X-Forwarded-For": address(k)} | JSON)
        while time.monotonic() < until:
            pick = rng.random()
            call: Callable[[], Awaitable[object]]
            if pick < 0.55:
                route = "GET /api/runs/{id}"
                path = f"/api/runs/{rng.choice(run_ids)}"
                call = lambda p=path: connection.request("GET", p)  # noqa: E731
            elif pick < 0.70:
                route, call = "GET /", lambda: connection.request("GET", "/?lang=es")
            elif pick < 0.85:
                route = "GET /scenarios/{id}"
                path = f"/scenarios/{rng.choice(SCENARIOS)}"
                call = lambda p=path: connection.request("GET", p)  # noqa: E731
            else:
                route = "POST /api/runs"
                body = run_body(rng)
                call = lambda b=body: connection.request("POST", "/api/runs", b)  # noqa: E731
            started = time.perf_counter()
            try:
                answer = await call()
                code = str(getattr(answer, "status", "?"))
            except OSError as exc:
                code = type(exc).__name__
            times[route].append(time.perf_counter() - started)
            codes[route][code] += 1
            if code == "429":
                await asyncio.sleep(0.5)
        await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(client(k) for k in range(clients)))
    elapsed = time.monotonic() - started
    total = sum(len(t) for t in times.values())
    print(f"mix: {clients} clients, {elapsed:.0f} s: {total} requests, {total / elapsed:.0f} req/s")
    print(f"  {'route':<22} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}  answers")
    for route in sorted(times):
        samples = times[route]
        answers = ", ".join(f"{code}: {n}" for code, n in sorted(codes[route].items()))
        print(
            f"  {route:<22} {len(samples) / elapsed:>7.0f} "
            f"{statistics.median(samples) * 1000:>8.1f} {percentile(samples, 0.99) * 1000:>8.1f}"
            f"  {answers}"
        )


# -- driving ---------------------------------------------------------------------------------------


def with_server(workers: int, part: Callable[[str, int], Awaitable[None]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start(Path(tmp) / "load.sqlite3", workers)
        try:
            where = urlsplit(url)
            assert where.hostname is not None and where.port is not None
            asyncio.run(part(where.hostname, where.port))
        finally:
            stop(server)


def run_class(args: argparse.Namespace) -> None:
    with_server(args.workers, lambda h, p: class_part(h, p, args.clients, args.within))


def run_abuse(args: argparse.Namespace) -> None:
    async def both(host: str, port: int) -> None:
        alone, _ = await abuse_part(
            host, port, args.students, args.connections, args.seconds, abuser=False
        )
        await asyncio.sleep(3)  # the runs of the first half finish
        beside, abuser = await abuse_part(
            host, port, args.students, args.connections, args.seconds, abuser=True
        )
        print(f"abuse: {args.students} students post a run, wait 2 s, again, {args.seconds:.0f} s")
        print(f"  students alone: {rate_429(alone)}")
        print(
            f"  beside one client on {args.connections} connections: {rate_429(beside)}; "
            f"that client got {abuser[201]} runs ({rate_429(abuser)})"
        )

    with_server(args.workers, both)


def run_hammer(args: argparse.Namespace) -> None:
    with_server(args.workers, lambda h, p: hammer_part(h, p, args.clients, args.seconds))


def run_mix(args: argparse.Namespace) -> None:
    with_server(args.workers, lambda h, p: mix_part(h, p, args.clients, args.seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parts = parser.add_subparsers(dest="part")
    one = parts.add_parser("class")
    one.add_argument("--clients", type=int, default=300)
    one.add_argument("--within", type=float, default=10)
    two = parts.add_parser("abuse")
    two.add_argument("--students", type=int, default=30)
    two.add_argument("--connections", type=int, default=20)
    two.add_argument("--seconds", type=float, default=10)
    three = parts.add_parser("hammer")
    three.add_argument("--clients", type=int, default=200)
    three.add_argument("--seconds", type=float, default=10)
    four = parts.add_parser("mix")
    four.add_argument("--clients", type=int, default=200)
    four.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    if not 1 <= args.workers <= 16:
        raise SystemExit("load: --workers 1..16")
    for name in ("clients", "students", "connections"):
        if not 1 <= getattr(args, name, 1) <= 1000:
            raise SystemExit(f"load: --{name} 1..1000")
    if not 3 <= getattr(args, "seconds", 10) <= 600:
        raise SystemExit("load: --seconds 3..600")
    if args.part is None:
        defaults = argparse.Namespace(
            workers=args.workers, within=10, students=30, connections=20, seconds=10
        )
        run_class(argparse.Namespace(**vars(defaults), clients=300))
        run_abuse(defaults)
        run_hammer(argparse.Namespace(**vars(defaults), clients=200))
        run_hammer(argparse.Namespace(**vars(defaults), clients=500))
        return
    {"class": run_class, "abuse": run_abuse, "hammer": run_hammer, "mix": run_mix}[args.part](args)


if __name__ == "__main__":
    main()
