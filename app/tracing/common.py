"""What every part of the tracing layer shares: the abort exception, waits, the gate's shape.

A leaf: it imports nothing of the layer, so primitives, threads, queues, the wait-for graph and
the Recorder can all import it without a cycle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType, ModuleType
from typing import Any, Protocol

from .trace import ObjectInfo, ThreadInfo

__all__ = ["Gate", "Row", "RunAborted", "Runtime", "TICK", "Waiting"]

# Blocking waits are loops of timed waits this long, so an aborted run unwinds promptly
# while a wake-up through the real primitive stays immediate.
TICK = 0.02

# The scheduler's hook at the choke point: gate(thread id, kind code, object id, line), called
# before every traced operation; it may hold the calling thread there.
Gate = Callable[[int, int, int, int], None]


class RunAborted(BaseException):
    """Unwinds a thread of a run that Hilos stopped: not an `Exception`, so it is not caught."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """What a blocked thread waits in.

    `kind` is acquire, wait, get, put, join, queue_join, barrier, sleep or timer; `obj` the
    object id (0 for joins and sleeps); `timed` whether the wait ends by itself. `holder`,
    when given, names the thread that must act before the wait can end (a lock's holder, the
    joined thread), which makes the wait an edge of the wait-for graph. `owner_only` says that
    only that thread can end it (an RLock, a join): a cycle of such edges can never open again.
    A plain Lock may be released by any thread, so a cycle through one is certain only once no
    other thread can run.
    """

    kind: str
    obj: int
    line: int
    timed: bool
    holder: Callable[[], int | None] | None = None
    owner_only: bool = False
    target: Any = None  # a join: the thread id it waits to end
    # Whether the wait could end now, asked without side effects (a controlled run offers a
    # blocked thread only then); None for a wait that ends only by its timeout (a sleep).
    ready: Callable[[], bool] | None = None
    # How to stay parked outside the primitive's own internal lock, when the wait happens
    # inside it (a queue's mutex): outside(park) lets the lock go around park().
    outside: Callable[[Callable[[], None]], None] | None = None


# One recorded step: (ns since the start, thread id, kind code, object id, line, argument).
Row = tuple[int, int, int, int, int, Any]


class Runtime(Protocol):
    """What the traced modules need of the run they record into: the seam between them.

    `Recorder` provides it; the traced primitives, threads and queues know only this, so
    they never import the recorder and a scheduler (or a test double) can stand behind it.
    """

    t0: int
    echo: bool
    filename: str | None
    aborted: str | None
    abort_event: threading.Event
    fast_state: Any
    gate: Gate | None

    @property
    def controlled(self) -> bool: ...

    main: Any
    modules: dict[str, ModuleType]
    threads: list[ThreadInfo]
    objects: list[ObjectInfo]

    @property
    def intercepting(self) -> bool: ...
    def append(self, row: Row, /) -> None: ...
    def now(self) -> int: ...
    def tid(self) -> int: ...
    def begin(self, kind: int, obj: int) -> tuple[int, int]: ...
    def begin_access(self, kind: int, label: str) -> tuple[int, int]: ...
    def locate(self, depth: int = 2) -> tuple[int, int]: ...
    def emit(self, kind: str, obj: int = 0, arg: Any = None, *, tid: int | None = None) -> None: ...
    def user_frame(self, depth: int = 2) -> FrameType | None: ...
    def line(self, depth: int = 3) -> int: ...
    def is_internal(self, filename: str) -> bool: ...
    def block(
        self,
        tid: int,
        waiting: Waiting,
        attempt: Callable[[float], bool],
        timeout: float | None,
    ) -> bool: ...
    def enter_wait(self, tid: int, waiting: Waiting) -> None: ...
    def leave_wait(self, tid: int, waiting: Waiting) -> None: ...
    def on_abort(self, hook: Callable[[], None]) -> None: ...
    def is_aborted(self) -> bool: ...
    def abort(
        self,
        status: str,
        message: str,
        *,
        cycle: list[dict[str, Any]] | None = None,
        waiting: list[dict[str, Any]] | None = None,
        error: dict[str, Any] | None = None,
    ) -> bool: ...
    def register_object(self, kind: str, info: dict[str, Any] | None = None) -> int: ...
    def relabel(self, oid: int, label: str) -> None: ...
    def label(self, oid: int) -> str: ...
    def next_thread_name(self) -> str: ...
    def register_thread(
        self,
        thread: threading.Thread,
        kind: str,
        target: str | None,
        line: int | None,
        parent: int | None,
    ) -> int: ...
    def thread_began(self, tid: int, line: int) -> None: ...
    def thread_finished(self, tid: int, how: str, reason: str | None = None) -> None: ...
    def expect_thread(self, tid: int) -> None: ...
    def join_returned(
        self, tid: int, line: int, target: int, running: Callable[[], bool]
    ) -> bool: ...
    def joining(self, target: int, timed: bool) -> None: ...
    def thread_started(self, tid: int) -> None: ...
    def live_threads(self) -> list[threading.Thread]: ...
    def thread_object(self, tid: int) -> threading.Thread | None: ...
