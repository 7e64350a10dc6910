"""The programs `benchmarks/explore.py` searches, written once for each tool.

Hilos explores a whole program: top-level code that starts threads, joins them and prints;
the shared variables are module globals. frontrun explores worker functions over a state
object that `setup` builds afresh for each execution, and checks an invariant after them.
Each pair below is the same algorithm in those two shapes. The frontrun half lives in this
file, not in a string, because frontrun only traces code from real files outside
site-packages (code from `exec` goes untraced, and every search "passes" in one execution).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Worker = Callable[[Any], None]


@dataclass(frozen=True)
class Program:
    name: str
    bug: str  # what a failing ending is, and what the program does
    source: str  # for Hilos
    params: dict[str, int]
    expected_output: str | None  # the main thread's last line when nothing went wrong
    setup: Callable[[], Any]  # for frontrun, with the workers and the invariant
    workers: Callable[[], list[Worker]]
    invariant: Callable[[Any], bool]

    def failed(self, status: str, output: list[str]) -> bool:
        """Whether a Hilos ending is the bug (a lost update, a deadlock, a stall)."""
        if status != "completed":
            return True
        return self.expected_output is not None and output[-1:] != [self.expected_output]


# -- a counter that loses updates ------------------------------------------------------------

COUNTER = """\
import threading

THREADS = 2
ITERATIONS = 1
counter = 0


def work():
    global counter
    for _ in range(ITERATIONS):
        counter += 1


threads = [threading.Thread(target=work) for _ in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(counter)
"""


class Counter:
    def __init__(self) -> None:
        self.value = 0


def counter(threads: int, iterations: int) -> Program:
    def work(state: Counter) -> None:
        for _ in range(iterations):
            state.value += 1

    return Program(
        name=f"counter {threads}x{iterations}",
        bug=f"lost update; {threads} threads x {iterations} unlocked `+= 1`",
        source=COUNTER,
        params={"THREADS": threads, "ITERATIONS": iterations},
        expected_output=str(threads * iterations),
        setup=Counter,
        workers=lambda: [work] * threads,
        invariant=lambda state: state.value == threads * iterations,
    )


# -- two locks taken in opposite orders ------------------------------------------------------

TWO_LOCKS = """\
import threading

lock_a = threading.Lock()
lock_b = threading.Lock()


def one():
    with lock_a:
        with lock_b:
            pass


def two():
    with lock_b:
        with lock_a:
            pass


first = threading.Thread(target=one)
second = threading.Thread(target=two)
first.start()
second.start()
first.join()
second.join()
print("done")
"""


class TwoLocks:
    def __init__(self) -> None:
        self.a = threading.Lock()
        self.b = threading.Lock()


def _one(state: TwoLocks) -> None:
    with state.a:
        with state.b:
            pass


def _two(state: TwoLocks) -> None:
    with state.b:
        with state.a:
            pass


def two_locks() -> Program:
    return Program(
        name="two locks",
        bug="deadlock; two threads take two locks in opposite orders",
        source=TWO_LOCKS,
        params={},
        expected_output="done",
        setup=TwoLocks,
        workers=lambda: [_one, _two],
        invariant=lambda state: True,  # a deadlock is a failure by itself
    )


# -- dining philosophers: left fork, then right ----------------------------------------------

PHILOSOPHERS = """\
import threading

PHILOSOPHERS = 3
forks = [threading.Lock() for _ in range(PHILOSOPHERS)]


def dine(seat):
    with forks[seat]:
        with forks[(seat + 1) % PHILOSOPHERS]:
            pass


table = [threading.Thread(target=dine, args=(seat,)) for seat in range(PHILOSOPHERS)]
for philosopher in table:
    philosopher.start()
for philosopher in table:
    philosopher.join()
print("everyone ate")
"""


class Table:
    def __init__(self, seats: int) -> None:
        self.forks = [threading.Lock() for _ in range(seats)]


def philosophers(seats: int) -> Program:
    def seat(number: int) -> Worker:
        def dine(table: Table) -> None:
            with table.forks[number]:
                with table.forks[(number + 1) % seats]:
                    pass

        return dine

    return Program(
        name=f"philosophers {seats}",
        bug=f"deadlock; {seats} threads take the left fork, then the right",
        source=PHILOSOPHERS,
        params={"PHILOSOPHERS": seats},
        expected_output="everyone ate",
        setup=lambda: Table(seats),
        workers=lambda: [seat(number) for number in range(seats)],
        invariant=lambda table: True,
    )


# -- a bounded buffer (capacity 1) whose consumer forgets to notify --------------------------

BUFFER = """\
import threading

ITEMS = 2
CAPACITY = 1
buffer = []
taken = []
ready = threading.Condition()


def produce():
    for item in range(ITEMS):
        with ready:
            while len(buffer) >= CAPACITY:
                ready.wait()
            buffer.append(item)
            ready.notify()


def consume():
    for _ in range(ITEMS):
        with ready:
            while not buffer:
                ready.wait()
            taken.append(buffer.pop(0))
            # the bug: no ready.notify(), so a producer waiting for room never wakes


producer = threading.Thread(target=produce)
consumer = threading.Thread(target=consume)
producer.start()
consumer.start()
producer.join()
consumer.join()
print(taken)
"""


class Buffer:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: list[int] = []
        self.taken: list[int] = []
        self.ready = threading.Condition()


def bounded_buffer(items: int, capacity: int = 1) -> Program:
    def produce(buffer: Buffer) -> None:
        for item in range(items):
            with buffer.ready:
                while len(buffer.items) >= buffer.capacity:
                    buffer.ready.wait()
                buffer.items.append(item)
                buffer.ready.notify()

    def consume(buffer: Buffer) -> None:
        for _ in range(items):
            with buffer.ready:
                while not buffer.items:
                    buffer.ready.wait()
                buffer.taken.append(buffer.items.pop(0))
                # the bug: no notify

    return Program(
        name=f"buffer cap {capacity}",
        bug=f"stall; Condition, {items} items, consumer never notifies",
        source=BUFFER,
        params={"ITEMS": items, "CAPACITY": capacity},
        expected_output=str(list(range(items))),
        setup=lambda: Buffer(capacity),
        workers=lambda: [produce, consume],
        invariant=lambda buffer: buffer.taken == list(range(items)),
    )


PROGRAMS: dict[str, Callable[[], Program]] = {
    "counter-2x1": lambda: counter(2, 1),
    "counter-3x3": lambda: counter(3, 3),
    "two-locks": two_locks,
    "philosophers-3": lambda: philosophers(3),
    "philosophers-5": lambda: philosophers(5),
    "buffer": lambda: bounded_buffer(2),
}
