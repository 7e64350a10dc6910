"""How much does recording disturb the threads? Prints numbers; asserts nothing.

    .venv/bin/python benchmarks/overhead.py [--quick]

Measures, in one run: the cost per recorded event; the slowdown against the plain standard
library of a lock-heavy workload (4 threads x 50 000 acquire/release of one lock) and of a
queue workload (50 000 items through Queue(maxsize=100)), with how many acquisitions or
queue operations had to wait in each mode; the same workloads under VizTracer when it is
installed (`pip install viztracer`); and the size of a trace per event, as JSON and gzipped.
"""

from __future__ import annotations

import argparse
import gzip
import queue
import statistics
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.tracing import Recorder  # noqa: E402

THREADS = 4
ITERATIONS = 50_000
ITEMS = 50_000
MAXSIZE = 100


def lock_workload(th: ModuleType, iterations: int, count_contention: bool) -> tuple[float, int]:
    lock = th.Lock()
    contended = [0] * THREADS
    counter = [0]

    def work(slot: int) -> None:
        for _ in range(iterations):
            if count_contention and not lock.acquire(False):
                contended[slot] += 1
                lock.acquire()
            elif not count_contention:
                lock.acquire()
            counter[0] += 1
            lock.release()

    workers = [th.Thread(target=work, args=(i,)) for i in range(THREADS)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    assert counter[0] == THREADS * iterations
    return elapsed, sum(contended)


def queue_workload(th: ModuleType, qm: ModuleType, items: int, count: bool) -> tuple[float, int]:
    q = qm.Queue(maxsize=MAXSIZE)
    waits = [0, 0]

    def produce() -> None:
        for i in range(items):
            if count:
                try:
                    q.put_nowait(i)
                    continue
                except queue.Full:
                    waits[0] += 1
            q.put(i)

    def consume() -> None:
        for _ in range(items):
            if count:
                try:
                    q.get_nowait()
                    continue
                except queue.Empty:
                    waits[1] += 1
            q.get()

    workers = [th.Thread(target=produce), th.Thread(target=consume)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - start, sum(waits)


def traced(kind: str, scale: float, speedups: bool = True) -> tuple[float, int, Any]:
    rec = Recorder(max_events=10**8, speedups=speedups)
    th, qm = rec.modules["threading"], rec.modules["queue"]
    if kind == "lock":
        elapsed, _ = lock_workload(th, int(ITERATIONS * scale), False)
        waited = "acquire_request"
    else:
        elapsed, _ = queue_workload(th, qm, int(ITEMS * scale), False)
        waited = ""
    trace = rec.finish()
    if waited:
        contended = sum(e.kind == waited for e in trace.events)
    else:
        contended = sum(e.kind in ("put_request", "get_request") for e in trace.events)
    return elapsed, contended, trace


def under_viztracer(kind: str, scale: float) -> float | None:
    try:
        from viztracer import VizTracer
    except ImportError:
        return None
    tracer = VizTracer(tracer_entries=5_000_000, verbose=0)
    tracer.start()
    try:
        if kind == "lock":
            elapsed, _ = lock_workload(threading, int(ITERATIONS * scale), False)
        else:
            elapsed, _ = queue_workload(threading, queue, int(ITEMS * scale), False)
    finally:
        tracer.stop()
        tracer.clear()
    return elapsed


def pairs(lock: Any, n: int) -> int:
    """Time n acquire/release pairs, as a small function of a program would make them."""
    start = time.perf_counter_ns()
    for _ in range(n):
        lock.acquire()
        lock.release()
    return time.perf_counter_ns() - start


def per_event_ns(repeats: int, n: int, speedups: bool = True) -> float:
    """Cost of one recorded event: one thread, uncontended acquire/release pairs."""
    samples = []
    for _ in range(repeats):
        base = pairs(threading.Lock(), n)
        rec = Recorder(max_events=10**8, speedups=speedups)
        cost = pairs(rec.modules["threading"].Lock(), n)
        events = len(rec.rows)
        rec.finish()
        samples.append((cost - base) / events)
    return statistics.median(samples)


def same_regime(scale: float, repeats: int) -> None:
    """The lock workload again, four times longer, where the standard library contends too.

    At 4 x 50 000 a plain thread can finish its loop inside one switch interval (5 ms), so
    the threads barely overlap and never wait; anything that makes the loop slower pushes it
    across switch intervals, where a switch inside the held section starts a convoy. Four
    times the work puts the plain threads across switch intervals as well: this compares the
    two under the same kind of contention.
    """
    iterations = int(ITERATIONS * scale * 4)
    std_t, std_c = median_run(lambda: lock_workload(threading, iterations, True), repeats)
    # Only time and waits are kept: a trace of 1.6 million events is dropped at once.
    tr_t, tr_c = median_run(lambda: traced("lock", scale * 4)[:2], repeats)
    print(f"  four times longer, {THREADS} threads x {iterations}:")
    print(f"    stdlib          {std_t * 1e3:8.1f} ms   waited: {std_c}")
    print(
        f"    hilos           {tr_t * 1e3:8.1f} ms   waited: {tr_c}   slowdown {tr_t / std_t:.2f}x"
    )
    viz = under_viztracer("lock", scale * 4)
    if viz is not None:
        print(f"    viztracer       {viz * 1e3:8.1f} ms   slowdown {viz / std_t:.2f}x")


def median_run(fn: Any, repeats: int) -> tuple[float, int]:
    results = [fn() for _ in range(repeats)]
    results.sort(key=lambda r: r[0])
    return results[len(results) // 2][:2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the work, 3 repeats")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    repeats = 3 if args.quick else 5

    print(f"python {sys.version.split()[0]}, switch interval {sys.getswitchinterval() * 1e3:g} ms")
    for speedups, mode in ((True, "compiled Lock"), (False, "pure Python")):
        cost = per_event_ns(repeats, 100_000, speedups)
        print(f"per event (uncontended acquire/release, {mode}): {cost:.0f} ns median")

    for kind, label in (("lock", "lock-heavy"), ("queue", "queue")):
        if kind == "lock":
            std_t, std_c = median_run(
                lambda: lock_workload(threading, int(ITERATIONS * scale), True), repeats
            )
            std_plain, _ = median_run(
                lambda: lock_workload(threading, int(ITERATIONS * scale), False), repeats
            )
            what = f"{THREADS} threads x {int(ITERATIONS * scale)} acquire/release"
        else:
            std_t, std_c = median_run(
                lambda: queue_workload(threading, queue, int(ITEMS * scale), True), repeats
            )
            std_plain, _ = median_run(
                lambda: queue_workload(threading, queue, int(ITEMS * scale), False), repeats
            )
            what = f"{int(ITEMS * scale)} items through Queue(maxsize={MAXSIZE})"
        runs = [traced(kind, scale) for _ in range(repeats)]
        runs.sort(key=lambda r: r[0])
        tr_t, tr_c, trace = runs[len(runs) // 2]
        pure = sorted(traced(kind, scale, speedups=False)[:2] for _ in range(repeats))
        pure_t, pure_c = pure[len(pure) // 2]
        viz = under_viztracer(kind, scale)
        print(f"\n{label}: {what}")
        print(
            f"  stdlib            {std_plain * 1e3:8.1f} ms   waited: {std_c} "
            f"(counted in a run of {std_t * 1e3:.1f} ms)"
        )
        print(
            f"  hilos             {tr_t * 1e3:8.1f} ms   waited: {tr_c}   "
            f"slowdown {tr_t / std_plain:.2f}x"
        )
        print(
            f"  hilos, pure Python{pure_t * 1e3:8.1f} ms   waited: {pure_c}   "
            f"slowdown {pure_t / std_plain:.2f}x"
        )
        if viz is None:
            print("  viztracer         not installed (pip install viztracer)")
        else:
            print(f"  viztracer         {viz * 1e3:8.1f} ms   slowdown {viz / std_plain:.2f}x")
        if kind == "lock":
            same_regime(scale, repeats)
        raw = trace.dumps().encode()
        packed = gzip.compress(raw, 6)
        n = len(trace.events)
        print(
            f"  trace: {n} events, {len(raw) / n:.1f} B/event JSON, "
            f"{len(packed) / n:.2f} B/event gzipped"
        )


if __name__ == "__main__":
    main()
