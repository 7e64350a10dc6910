"""One run's recording: clock, event log, registries, the wait-for graph, limits and aborts."""

from __future__ import annotations

import ctypes
import datetime as _dt
import sys
import threading as _std_threading
from collections.abc import Callable
from dataclasses import dataclass
from time import monotonic, perf_counter_ns
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any

from .check import OUTCOMES_OF
from .labels import label_from_frame
from .trace import KIND_CODE, KINDS, Event, ObjectInfo, Outcome, ThreadInfo, Trace, jsonable

if TYPE_CHECKING:
    from .threads import TracedThread

__all__ = ["Recorder", "RunAborted", "Waiting", "TICK"]

# Blocking waits are loops of timed waits this long, so an aborted run unwinds promptly
# while a wake-up through the real primitive stays immediate.
TICK = 0.02

_get_ident = _std_threading.get_ident
_allocate_lock = _std_threading.Lock

K = KIND_CODE
_AFTER_ABORT = frozenset({K["aborted"], K["thread_abort"], K["deadlock"], K["stall"]})
_REQUESTS = frozenset(K[kind] for kind in OUTCOMES_OF)
_ANSWERS = frozenset({K[kind] for kinds in OUTCOMES_OF.values() for kind in kinds} | {K["aborted"]})
_Row = tuple[int, int, int, int, int, Any]


class RunAborted(BaseException):
    """Unwinds a thread of a run that Hilos stopped: not an `Exception`, so it is not caught."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """What a blocked thread waits in: `kind` is acquire, wait, get, put, join, queue_join,
    barrier or sleep; `obj` the object id; `target` the lock object or joined thread id;
    `timed` whether the wait ends by itself."""

    kind: str
    obj: int
    line: int
    timed: bool
    target: Any = None


def _internal_files() -> set[str]:
    import queue

    from . import labels, modules, primitives, queues, recorder, threads

    files = {m.__file__ for m in (labels, modules, primitives, queues, recorder, threads)}
    files.add(_std_threading.__file__)
    files.add(queue.__file__)
    return {f for f in files if f}


class Recorder:
    """Record one run. `modules` maps threading/queue/time to traced stand-ins."""

    def __init__(
        self,
        *,
        max_seconds: float = 10.0,
        max_threads: int = 64,
        max_events: int = 100_000,
        source: str | None = None,
        filename: str | None = None,
        echo: bool = False,
        seed: int = 0,
        speedups: bool = True,
    ) -> None:
        from .modules import build_modules

        self.max_seconds = max_seconds
        self.max_threads = max_threads
        self.max_events = max_events
        self.source = source
        self.filename = filename
        self.source_lines = source.splitlines() if source is not None else None
        self.echo = echo
        self.seed = seed
        self.started_at = _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")
        self.t0 = perf_counter_ns()
        self.started = monotonic()
        # Rows (t, thread, kind code, object, line, arg). list.append is atomic under the
        # GIL, so threads append without a lock of their own.
        self.rows: list[_Row] = []
        self.append = self.rows.append
        self.tids: dict[int, int] = {}  # real ident -> thread id
        self.threads: list[ThreadInfo] = []
        self.thread_objects: dict[int, _std_threading.Thread] = {}
        self.objects: list[ObjectInfo] = []
        self.barriers: list[Any] = []
        self.main: TracedThread | None = None
        self._registry_lock = _allocate_lock()
        self._label_counts: dict[tuple[int, object, int], int] = {}
        self._labels_used: dict[str, int] = {}
        self._fallback_counts: dict[str, int] = {}
        self._thread_number = 0
        self._started_threads = 0
        # Wait-for graph: thread id -> what it waits in. Guarded by _graph_lock, which is
        # only taken on the slow (blocking) path.
        self.waiting: dict[int, Waiting] = {}
        self._graph_lock = _allocate_lock()
        self.aborted: str | None = None
        self.abort_event = _std_threading.Event()
        self.outcome: Outcome | None = None
        self.main_error: dict[str, Any] | None = None
        self.outcome_note: str | None = None
        self.abort_t: int | None = None
        # The choke point's hook (see `gate`) and whether begin() must take its slow path.
        self._gate: Callable[[int, int, int], None] | None = None
        self._intercept = False
        self._local = _std_threading.local()
        self._internal = _internal_files()
        self.fast_state: Any = self._make_fast_state() if speedups else None
        if self.fast_state is not None:
            # The compiled choke point; it calls the method below whenever it can't decide.
            self.begin = self.fast_state.begin  # type: ignore[method-assign]
        self.modules: dict[str, ModuleType] = build_modules(self)

    # -- clock, threads, lines -------------------------------------------------------------

    def _make_fast_state(self) -> Any:
        from .primitives import FastTracedLock

        if FastTracedLock is None:
            return None
        from . import _speedups  # type: ignore[attr-defined]

        return _speedups.FastState(
            self.rows,
            self._local,
            self.filename,
            self._internal,
            self.t0,
            K["acquire"],
            K["release"],
            self.begin,
        )

    def _set_intercept(self) -> None:
        """Send every call through the Python choke point (gate set, or run stopping)."""
        self._intercept = self._gate is not None or self.aborted is not None
        if self.fast_state is not None:
            self.fast_state.intercept = self._intercept

    def is_aborted(self) -> bool:
        """Whether the run was stopped (read fresh: another thread may have just done it)."""
        return self.aborted is not None

    def now(self) -> int:
        return perf_counter_ns() - self.t0

    def tid(self) -> int:
        """Return the id of the calling thread, registering a thread Hilos did not create."""
        try:
            tid: int = self._local.tid
        except AttributeError:
            tid = self._adopt()
        return tid

    def _adopt(self) -> int:
        current = _std_threading.current_thread()
        with self._registry_lock:
            tid = self.tids.get(_get_ident())
            # An ident is reused by the next thread once its owner has ended: trust the
            # mapping only for the very thread object that made it.
            if tid is not None and self.thread_objects.get(tid) is current:
                self._local.tid = tid
                if self.fast_state is not None:
                    self.fast_state.set_tid(tid)
                return tid
            tid = len(self.threads)
            self.threads.append(
                ThreadInfo(
                    id=tid,
                    name=current.name,
                    daemon=current.daemon,
                    parent=None,
                    kind="foreign",
                    start_ns=self.now(),
                    end="running",
                )
            )
            self.thread_objects[tid] = current
            self.tids[_get_ident()] = tid
            self._local.tid = tid
            if self.fast_state is not None:
                self.fast_state.set_tid(tid)
        self.append((self.threads[tid].start_ns or 0, tid, K["thread_run"], 0, 0, None))
        return tid

    def user_frame(self, depth: int = 2) -> FrameType | None:
        """Return the nearest frame outside the tracing layer and the threading modules."""
        frame: FrameType | None = sys._getframe(depth)
        internal = self._internal
        while frame is not None and frame.f_code.co_filename in internal:
            frame = frame.f_back
        return frame

    def line(self, depth: int = 3) -> int:
        frame = self.user_frame(depth)
        if frame is None:
            return 0
        if self.filename is not None and frame.f_code.co_filename != self.filename:
            return 0
        return frame.f_lineno or 0  # None for code without line information

    def begin(self, kind: int, obj: int) -> tuple[int, int]:
        """The choke point every traced operation passes: return (thread id, source line).

        An aborted run stops the caller here; a gate (scheduler) may hold it here.
        """
        if self._intercept:
            return self._begin_intercepted(kind, obj)
        return self.locate(3)

    def _begin_intercepted(self, kind: int, obj: int) -> tuple[int, int]:
        if self.aborted is not None:
            raise RunAborted(self.aborted)
        tid = self.tid()
        line = self.line(4)
        gate = self._gate
        if gate is not None:
            gate(tid, kind, obj)
        return tid, line

    @property
    def gate(self) -> Callable[[int, int, int], None] | None:
        """Called as gate(thread id, kind code, object id) before every traced operation.

        A scheduler sets it to decide which thread proceeds; None runs threads freely.
        """
        return self._gate

    @gate.setter
    def gate(self, gate: Callable[[int, int, int], None] | None) -> None:
        self._gate = gate
        self._set_intercept()

    def locate(self, depth: int = 2) -> tuple[int, int]:
        """(thread id, source line) of the frame `depth` levels up (1 is the caller's).

        The common case, a call straight from the program, costs one frame; calls from
        inside the tracing layer (a Condition using its lock) walk out of it.
        """
        try:
            tid: int = self._local.tid
        except AttributeError:
            tid = self._adopt()
        frame = sys._getframe(depth)
        filename = frame.f_code.co_filename
        if filename == self.filename or (self.filename is None and filename not in self._internal):
            return tid, frame.f_lineno or 0
        return tid, self.line(depth + 1)

    def emit(self, kind: str, obj: int = 0, arg: Any = None, *, tid: int | None = None) -> None:
        """Record one event now, on the calling thread (or `tid`), at the caller's line."""
        if tid is None:
            tid = self.tid()
        self.append((self.now(), tid, K[kind], obj, self.line(), arg))

    # -- objects ---------------------------------------------------------------------------

    def register_object(self, kind: str, info: dict[str, Any] | None = None) -> int:
        frame = self.user_frame(2)
        label: str | None = None
        line: int | None = None
        if frame is not None and (
            self.filename is None or frame.f_code.co_filename == self.filename
        ):
            line = frame.f_lineno
            with self._registry_lock:
                scope = frame.f_back if frame.f_code.co_name.startswith("<") else frame
                key = (id(scope), scope.f_code if scope else None, line)
                ordinal = self._label_counts.get(key, 0)
                self._label_counts[key] = ordinal + 1
            label, _ = label_from_frame(frame, self.source_lines, ordinal, kind)
        with self._registry_lock:
            if label is None:
                count = self._fallback_counts.get(kind, 0) + 1
                self._fallback_counts[kind] = count
                label = f"{kind}-{count}"
            uses = self._labels_used.get(label, 0) + 1
            self._labels_used[label] = uses
            if uses > 1:
                label = f"{label}#{uses}"
            oid = len(self.objects) + 1
            self.objects.append(ObjectInfo(oid, kind, label, line, info or {}))
        return oid

    def relabel(self, oid: int, label: str) -> None:
        with self._registry_lock:
            self.objects[oid - 1].label = label

    def label(self, oid: int) -> str:
        return self.objects[oid - 1].label if oid else ""

    # -- threads ---------------------------------------------------------------------------

    def next_thread_name(self) -> str:
        with self._registry_lock:
            self._thread_number += 1
            return f"Thread-{self._thread_number}"

    def register_thread(
        self,
        thread: _std_threading.Thread,
        kind: str,
        target: str | None,
        line: int | None,
        parent: int | None,
    ) -> int:
        """Register a thread about to start; raise RunAborted past the thread limit."""
        with self._registry_lock:
            over = kind != "main" and self._started_threads >= self.max_threads
            if not over:
                self._started_threads += kind != "main"
                tid = len(self.threads)
                self.threads.append(
                    ThreadInfo(
                        id=tid,
                        name=thread.name,
                        daemon=thread.daemon,
                        parent=parent,
                        kind=kind,
                        target=target,
                        line=line,
                        start_ns=self.now(),
                        end="running",
                    )
                )
                self.thread_objects[tid] = thread
        if over:
            self.abort("limit", f"the program tried to start more than {self.max_threads} threads")
            raise RunAborted("limit")
        return tid

    def thread_began(self, tid: int, line: int) -> None:
        self.tids[_get_ident()] = tid
        self._local.tid = tid
        if self.fast_state is not None:
            self.fast_state.set_tid(tid)
        self.append((self.now(), tid, K["thread_run"], 0, line, None))

    def thread_finished(self, tid: int, how: str, reason: str | None = None) -> None:
        now = self.now()
        info = self.threads[tid]
        if self.aborted is not None and how != "error":
            how, reason = "aborted", self.aborted
        if how == "aborted":
            self.append((now, tid, K["thread_abort"], 0, 0, reason))
            info.end = "daemon" if reason == "daemon" else "aborted"
        else:
            self.append((now, tid, K["thread_end"], 0, 0, None))
            info.end = how
        info.end_ns = now
        with self._graph_lock:
            self.waiting.pop(tid, None)

    def live_threads(self) -> list[_std_threading.Thread]:
        return [t for t in self.thread_objects.values() if t.is_alive()]

    # -- blocking --------------------------------------------------------------------------

    def block(
        self,
        tid: int,
        waiting: Waiting,
        attempt: Callable[[float], bool],
        timeout: float | None,
    ) -> bool:
        """Wait by calling `attempt(seconds)` until it returns True or `timeout` runs out.

        The thread is entered in the wait-for graph meanwhile; a wait that closes a cycle
        ends the run as a deadlock. Raises RunAborted (after recording it) when the run is
        aborted while waiting.
        """
        deadline = None if timeout is None else monotonic() + timeout
        with self._graph_lock:
            self.waiting[tid] = waiting
            cycle = self._cycle_from(tid)
        try:
            if cycle is not None:
                self.abort_deadlock(cycle)
            while True:
                if self.aborted is not None:
                    self.append((self.now(), tid, K["aborted"], waiting.obj, waiting.line, None))
                    raise RunAborted(self.aborted)
                if deadline is None:
                    if attempt(TICK):
                        break
                else:
                    remaining = deadline - monotonic()
                    if attempt(max(0.0, min(TICK, remaining))):
                        break
                    if remaining <= TICK:
                        return False
            if self.is_aborted():
                # Granted only because the run is being unwound: the story ended before.
                self.append((self.now(), tid, K["aborted"], waiting.obj, waiting.line, None))
                raise RunAborted(self.aborted)
            return True
        finally:
            # Often runs holding the lock just acquired: keep it short. Only this thread
            # writes its own entry, and a dict deletion is atomic, so no graph lock is needed;
            # a cycle search running meanwhile at worst misses an edge that is going away.
            if self.waiting.get(tid) is waiting:
                del self.waiting[tid]

    def enter_wait(self, tid: int, waiting: Waiting) -> None:
        """Enter a wait that the real primitive performs (a Barrier) in the wait-for graph."""
        with self._graph_lock:
            self.waiting[tid] = waiting

    def leave_wait(self, tid: int, waiting: Waiting) -> None:
        with self._graph_lock:
            if self.waiting.get(tid) is waiting:
                del self.waiting[tid]

    def _holder(self, waiting: Waiting) -> int | None:
        if waiting.kind == "acquire":
            owner: int | None = getattr(waiting.target, "_owner", None)
            return owner
        if waiting.kind == "join" and not waiting.timed:
            target = self.thread_objects.get(waiting.target)
            if target is not None and target.is_alive():
                return int(waiting.target)
        return None

    def _cycle_from(self, start: int) -> list[dict[str, Any]] | None:
        """Follow waits-for edges from `start`; return the cycle if they come back to it."""
        path: list[dict[str, Any]] = []
        seen = {start}
        tid = start
        while True:
            waiting = self.waiting.get(tid)
            if waiting is None or (waiting.timed and waiting.kind == "acquire"):
                return None
            holder = self._holder(waiting)
            if holder is None:
                return None
            path.append(
                {
                    "thread": tid,
                    "object": waiting.obj if waiting.kind == "acquire" else None,
                    "line": waiting.line,
                    "holder": holder,
                }
            )
            if holder == start:
                return path
            if holder in seen:
                return None
            seen.add(holder)
            tid = holder

    def find_cycle(self) -> list[dict[str, Any]] | None:
        with self._graph_lock:
            for tid in list(self.waiting):
                cycle = self._cycle_from(tid)
                if cycle is not None:
                    return cycle
        return None

    def waiting_set(self) -> list[dict[str, Any]]:
        with self._graph_lock:
            return [
                {"thread": tid, "kind": w.kind, "object": w.obj or None, "line": w.line}
                for tid, w in sorted(self.waiting.items())
            ]

    def stalled(self) -> bool:
        """True when every live thread of the run waits for something only another could do."""
        live = [tid for tid, t in self.thread_objects.items() if t.is_alive()]
        if not live:
            return False
        with self._graph_lock:
            for tid in live:
                waiting = self.waiting.get(tid)
                if waiting is None or waiting.timed:
                    return False
        return True

    # -- ending a run ----------------------------------------------------------------------

    def abort_deadlock(self, cycle: list[dict[str, Any]]) -> None:
        names = [self.threads[step["thread"]].name for step in cycle]
        parts = []
        for step in cycle:
            what = self.label(step["object"]) if step["object"] else "join"
            holder = self.threads[step["holder"]].name
            parts.append(f"{self.threads[step['thread']].name} waits for {what} held by {holder}")
        message = "Deadlock: " + "; ".join(parts) + "."
        if len(names) == 1:
            message = f"Deadlock: {names[0]} waits for itself."
        if self.abort("deadlock", message, cycle=cycle):
            self.emit("deadlock", 0, cycle)

    def abort(
        self,
        status: str,
        message: str,
        *,
        cycle: list[dict[str, Any]] | None = None,
        waiting: list[dict[str, Any]] | None = None,
    ) -> bool:
        """End the run with `status`; return False when it had already ended."""
        with self._registry_lock:
            if self.aborted is not None:
                return False
            if waiting is None:
                waiting = self.waiting_set()
            self.outcome = Outcome(status, message, cycle=cycle, waiting=waiting or None)
            self.abort_t = self.now()
            self.aborted = status
            self._set_intercept()
        self.abort_event.set()
        for barrier in list(self.barriers):
            barrier._abort_for_run()
        return True

    def stop_daemons(self) -> None:
        """End daemon threads as interpreter exit would, once the program is over."""
        with self._registry_lock:
            self.abort_t = self.now()
            self.aborted = "daemon"
            self._set_intercept()
        self.abort_event.set()
        for barrier in list(self.barriers):
            barrier._abort_for_run()

    def unwind(self, grace: float = 2.0) -> None:
        """Make sure no thread of this run is left alive."""
        deadline = monotonic() + grace
        for thread in list(self.thread_objects.values()):
            if thread is _std_threading.current_thread():
                continue
            if not isinstance(thread, _traced_thread_type()):
                continue
            while thread.is_alive():
                _std_threading.Thread.join(thread, 0.05)
                if thread.is_alive() and monotonic() > deadline - grace / 2:
                    # Pure-Python loops never reach a traced primitive: interrupt them.
                    _raise_in(thread, RunAborted)
                if monotonic() > deadline + 5 * grace:
                    break

    def finish(self) -> Trace:
        """Stop recording (unwinding whatever still runs) and return the Trace."""
        if self.outcome is None and self.aborted is None:
            self.aborted = "finished"
            self._set_intercept()
            self.abort_event.set()
        self.unwind()
        rows = sorted(self.rows[:], key=lambda row: row[0])
        if self.abort_t is not None:
            # What threads did while being unwound is not part of the program's story:
            # keep only how each wait and each thread was cut short.
            rows = _cut_at_abort(rows, self.abort_t)
        if len(rows) > self.max_events:
            rows = rows[: self.max_events]
        kinds = KINDS
        events = [Event(t, th, kinds[k], o, ln, a) for (t, th, k, o, ln, a) in rows]
        note = f"; {self.outcome_note}" if self.outcome_note else ""
        outcome = self.outcome or Outcome("completed", f"The program finished{note}.")
        if self.main_error is not None and outcome.status == "completed":
            err = self.main_error
            outcome = Outcome(
                "error",
                f"The main code raised {err['type']}: {err['message']}",
                error=err,
            )
        duration = events[-1].t if events else 0
        return Trace(
            source=self.source or "",
            outcome=outcome,
            threads=list(self.threads),
            objects=list(self.objects),
            events=events,
            filename=self.filename or "<source>",
            seed=self.seed,
            started_at=self.started_at,
            duration_ns=duration,
            limits={
                "max_seconds": self.max_seconds,
                "max_threads": self.max_threads,
                "max_events": self.max_events,
            },
        )

    # -- printing --------------------------------------------------------------------------

    def print(
        self,
        *values: object,
        sep: str | None = " ",
        end: str | None = "\n",
        file: Any = None,
        flush: bool = False,
    ) -> None:
        """`print()` for scenario code: an event on the printing thread's lane."""
        if self.aborted is not None:
            raise RunAborted(self.aborted)
        text = (" " if sep is None else sep).join(str(v) for v in values)
        self.append((self.now(), self.tid(), K["print"], 0, self.line(2), jsonable(text)))
        if self.echo or file is not None:
            print(*values, sep=sep, end=end, file=file, flush=flush)


def _cut_at_abort(rows: list[_Row], cut: int) -> list[_Row]:
    """Drop what happened after `cut` but how each open wait and each thread was cut short."""
    kept: list[_Row] = []
    open_requests: dict[int, int] = {}
    for row in rows:
        kind = row[2]
        if row[0] > cut and kind not in _AFTER_ABORT:
            continue
        thread = row[1]
        if kind in _REQUESTS:
            open_requests[thread] = open_requests.get(thread, 0) + 1
        elif kind in _ANSWERS:
            if not open_requests.get(thread):
                continue  # its request came after the cut
            open_requests[thread] -= 1
        kept.append(row)
    return kept


def _traced_thread_type() -> type:
    from .threads import TracedThread

    return TracedThread


def _raise_in(thread: _std_threading.Thread, exc: type[BaseException]) -> None:
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(exc)
        )
