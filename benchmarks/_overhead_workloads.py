"""The workloads of benchmarks/overhead.py: small threaded programs, each timing itself.

Every workload takes the `threading` and `queue` modules to run against (the standard ones,
or a Recorder's traced stand-ins), a size and whether to count waits, and returns a Sample.
Only the work between starting the first thread and joining the last one is timed, so the
tool's own start and stop stay out of the numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from types import ModuleType
from typing import Any

THREADS = 4
MAXSIZE = 100
# Steps of a linear congruential generator between two lock operations in the CPU mix:
# about a microsecond of plain bytecode, which no tool records but every tool slows a little.
CPU_STEPS = 20


@dataclass(frozen=True)
class Sample:
    seconds: float
    ops: int  # what one row of the table is "per": pairs, round trips, acquisitions, items
    waited: int | None = None  # operations that found the lock taken or the queue full/empty
    ok: bool = True  # the program computed what it should (a lost update would show here)


Run = Callable[[ModuleType, ModuleType, int, bool], Sample]


@dataclass(frozen=True)
class Workload:
    name: str
    title: str  # formatted with n, the size of this run
    run: Run
    size: int
    per_op: str | None = None  # single-threaded: report ns per this unit instead of ms
    waits: tuple[str, ...] = ()  # Hilos event kinds that mean "had to wait"
    max_repeat: int | None = None  # for the slow ones

    def describe(self, n: int) -> str:
        return self.title.format(n=n, threads=THREADS, maxsize=MAXSIZE)


def run_threads(th: ModuleType, targets: list[Callable[..., None]]) -> float:
    """Start one thread per target (each gets its index), join them all; return the seconds."""
    workers = [th.Thread(target=target, args=(i,)) for i, target in enumerate(targets)]
    start = perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return perf_counter() - start


# -- one thread: the cost of one operation ---------------------------------------------------


def pairs(th: ModuleType, qm: ModuleType, n: int, counted: bool) -> Sample:
    """Uncontended acquire()/release(), as a small function of a program would make them."""
    lock = th.Lock()
    start = perf_counter()
    for _ in range(n):
        lock.acquire()
        lock.release()
    return Sample(perf_counter() - start, n)


def try_pairs(th: ModuleType, qm: ModuleType, n: int, counted: bool) -> Sample:
    lock = th.Lock()
    start = perf_counter()
    for _ in range(n):
        lock.acquire(False)
        lock.release()
    return Sample(perf_counter() - start, n)


def timeout_pairs(th: ModuleType, qm: ModuleType, n: int, counted: bool) -> Sample:
    lock = th.Lock()
    start = perf_counter()
    for _ in range(n):
        lock.acquire(timeout=0.1)
        lock.release()
    return Sample(perf_counter() - start, n)


# -- several threads --------------------------------------------------------------------------


def lock_heavy(th: ModuleType, qm: ModuleType, iterations: int, counted: bool) -> Sample:
    """THREADS threads increment one counter under one Lock.

    Counting tries acquire(False) first, which changes the timing a little, so the stdlib
    counts in a run of its own (see overhead.py) and Hilos counts from its trace instead.
    """
    lock = th.Lock()
    contended = [0] * THREADS
    counter = [0]

    def work(slot: int) -> None:
        for _ in range(iterations):
            if counted:
                if not lock.acquire(False):
                    contended[slot] += 1
                    lock.acquire()
            else:
                lock.acquire()
            counter[0] += 1
            lock.release()

    seconds = run_threads(th, [work] * THREADS)
    ops = THREADS * iterations
    return Sample(seconds, ops, sum(contended) if counted else None, counter[0] == ops)


def cpu_mix(th: ModuleType, qm: ModuleType, iterations: int, counted: bool) -> Sample:
    """As lock_heavy, with some arithmetic outside the lock, as most real programs have."""
    lock = th.Lock()
    contended = [0] * THREADS
    counter = [0]

    def work(slot: int) -> None:
        x = slot + 1
        for _ in range(iterations):
            for _ in range(CPU_STEPS):
                x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            if counted:
                if not lock.acquire(False):
                    contended[slot] += 1
                    lock.acquire()
            else:
                lock.acquire()
            counter[0] += 1
            lock.release()

    seconds = run_threads(th, [work] * THREADS)
    ops = THREADS * iterations
    return Sample(seconds, ops, sum(contended) if counted else None, counter[0] == ops)


def queue_flow(th: ModuleType, qm: ModuleType, items: int, counted: bool) -> Sample:
    """One producer, one consumer, items through a bounded Queue."""
    q: Any = qm.Queue(maxsize=MAXSIZE)
    waits = [0, 0]
    received = [0]

    def produce(slot: int) -> None:
        for i in range(items):
            if counted:
                try:
                    q.put_nowait(i)
                    continue
                except qm.Full:
                    waits[slot] += 1
            q.put(i)

    def consume(slot: int) -> None:
        for _ in range(items):
            if counted:
                try:
                    received[0] += q.get_nowait() >= 0
                    continue
                except qm.Empty:
                    waits[slot] += 1
            received[0] += q.get() >= 0

    seconds = run_threads(th, [produce, consume])
    return Sample(seconds, items, sum(waits) if counted else None, received[0] == items)


def ping_pong(th: ModuleType, qm: ModuleType, rounds: int, counted: bool) -> Sample:
    """Two threads hand the turn back and forth through two Events: every step a switch."""
    ping, pong = th.Event(), th.Event()
    done = [0]

    def left(slot: int) -> None:
        for _ in range(rounds):
            ping.set()
            pong.wait()
            # Cleared before the next set(ping): the other side cannot set pong again until
            # then, so no wake-up is lost.
            pong.clear()
            done[0] += 1

    def right(slot: int) -> None:
        for _ in range(rounds):
            ping.wait()
            ping.clear()
            pong.set()

    seconds = run_threads(th, [left, right])
    return Sample(seconds, rounds, None, done[0] == rounds)


LOCK_WAITS = ("acquire_request",)

WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "pairs",
        "per event: 1 thread, {n} uncontended acquire()/release() pairs",
        pairs,
        100_000,
        per_op="pair",
    ),
    Workload(
        "trylock",
        "1 thread, {n} acquire(False)/release() pairs",
        try_pairs,
        100_000,
        per_op="pair",
    ),
    Workload(
        "timeout",
        "1 thread, {n} acquire(timeout=0.1)/release() pairs",
        timeout_pairs,
        100_000,
        per_op="pair",
    ),
    Workload(
        "lock",
        "lock-heavy: {threads} threads x {n} acquire/release of one Lock",
        lock_heavy,
        50_000,
        waits=LOCK_WAITS,
    ),
    Workload(
        "lock4",
        "lock-heavy, four times longer: {threads} threads x {n} acquire/release",
        lock_heavy,
        200_000,
        waits=LOCK_WAITS,
        # Slow under every tool (a convoy, see docs/architecture.md), and its numbers spread
        # less than the short run's.
        max_repeat=3,
    ),
    Workload(
        "cpu",
        f"CPU mix: {{threads}} threads x {{n}} x ({CPU_STEPS} arithmetic steps, then "
        "acquire/release)",
        cpu_mix,
        20_000,
        waits=LOCK_WAITS,
    ),
    Workload(
        "queue",
        "queue: {n} items through Queue(maxsize={maxsize}), 1 producer, 1 consumer",
        queue_flow,
        50_000,
        waits=("put_request", "get_request"),
    ),
    Workload(
        "pingpong",
        "Event ping-pong: 2 threads, {n} round trips",
        ping_pong,
        10_000,
    ),
)

BY_NAME = {w.name: w for w in WORKLOADS}
