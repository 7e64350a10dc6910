"""One run's recording: the clock, the event log, the choke point, waits, aborts, the Trace.

The Recorder is the hub the traced modules call into. What it is made of lives beside it:
the thread and object registry (`registry.py`), the wait-for graph (`waitgraph.py`), and the
leaf module of shared definitions (`common.py`). When a run ends — deadlock, stall, limits,
daemons at exit — is decided by the supervisor (`supervisor.py`), which uses the public
methods below.
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import gc
import sys
import threading as _std_threading
from collections.abc import Callable
from operator import itemgetter
from time import monotonic, perf_counter_ns
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any

from . import labels, modules, primitives, queues, registry, shared, threads, waitgraph
from .check import OUTCOMES_OF
from .common import TICK, Gate, RunAborted, Waiting
from .modules import build_modules
from .registry import Registry
from .trace import KIND_CODE, KINDS, Event, Outcome, ThreadInfo, Trace, jsonable
from .waitgraph import Cycle, WaitForGraph

if TYPE_CHECKING:
    from .controller import Controller
    from .threads import TracedThread

__all__ = ["Recorder", "RunAborted", "Waiting", "TICK"]

_get_ident = _std_threading.get_ident

K = KIND_CODE
_AFTER_ABORT = frozenset({K["aborted"], K["thread_abort"], K["deadlock"], K["stall"]})
_REQUESTS = frozenset(K[kind] for kind in OUTCOMES_OF)
_ANSWERS = frozenset({K[kind] for kinds in OUTCOMES_OF.values() for kind in kinds} | {K["aborted"]})
_Row = tuple[int, int, int, int, int, Any]
_ACCESSES = frozenset({K["read"], K["write"]})
# Values stored as they are, with no call to jsonable (the common case, kept cheap).
_AS_IS = frozenset({int, bool, type(None)})

# The files whose frames are never the program's: this layer and the modules it stands in for.
_INTERNAL_MODULES = (labels, modules, primitives, queues, registry, shared, threads, waitgraph)


def _internal_files() -> set[str]:
    import queue

    files = {m.__file__ for m in _INTERNAL_MODULES}
    files.add(__file__)
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
        control: Controller | None = None,
    ) -> None:
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
        self.registry = Registry(filename, self.source_lines)
        self.threads: list[ThreadInfo] = self.registry.threads
        self.objects = self.registry.objects
        self.graph = WaitForGraph()
        self.variables = shared.Variables()
        self.main: TracedThread | None = None
        self.aborted: str | None = None
        self.abort_event = _std_threading.Event()
        # Set when a thread ends or the run stops: what the supervisor waits on between looks.
        self.changed = _std_threading.Event()
        self.outcome: Outcome | None = None
        self.main_error: dict[str, Any] | None = None
        self.abort_t: int | None = None
        self._end_note: str | None = None
        self._state_lock = _std_threading.Lock()
        # Held while a thread's end is recorded, and while a join records whether that thread
        # still runs: the trace's end and the join's answer are then in the real order.
        self._ends_lock = _std_threading.Lock()
        self._abort_hooks: list[Callable[[], None]] = []
        self._deadlocks: list[Cycle] = []
        # The choke point's hook (see `gate`) and whether begin() must take its slow path.
        self._gate: Gate | None = None
        self._intercept = False
        self._local = _std_threading.local()
        self._internal = _internal_files()
        # A controlled run records through the Python paths: one thread runs at a time and
        # the clock is the controller's, so the compiled shortcuts have nothing to save.
        self.control = control
        self.fast_state: Any = self._make_fast_state() if speedups and not control else None
        if self.fast_state is not None:
            # The compiled choke point; it calls the method below whenever it can't decide.
            self.begin = self.fast_state.begin  # type: ignore[method-assign]
        self.modules: dict[str, ModuleType] = build_modules(self)
        if control is not None:
            control.bind(self)
            self.gate = control.gate

    # -- clock, threads, lines -------------------------------------------------------------

    def _make_fast_state(self) -> Any:
        if primitives.FastTracedLock is None:
            return None
        from . import _speedups  # type: ignore[attr-defined]

        return _speedups.FastState(
            self._local,
            self.filename,
            self._internal,
            self.t0,
            K["acquire"],
            K["release"],
            K["acquire_fail"],
            self.begin,
        )

    def _set_intercept(self) -> None:
        """Send every call through the Python choke point (gate set, or run stopping)."""
        self._intercept = self._gate is not None or self.aborted is not None
        if self.fast_state is not None:
            self.fast_state.intercept = self._intercept

    @property
    def controlled(self) -> bool:
        """Whether a scheduler decides who runs (a controlled run)."""
        return self.control is not None

    @property
    def intercepting(self) -> bool:
        """Whether every traced call must pass the Python choke point (a gate, or stopping)."""
        return self._intercept

    def is_aborted(self) -> bool:
        """Whether the run was stopped (read fresh: another thread may have just done it)."""
        return self.aborted is not None

    def now(self) -> int:
        if self.control is not None:
            return self.control.now()
        return perf_counter_ns() - self.t0

    def event_count(self) -> int:
        """How many events were recorded so far (the compiled path keeps its own)."""
        fast = self.fast_state
        return len(self.rows) + (fast.count if fast is not None else 0)

    def last_event_time(self) -> int:
        """When the latest event recorded so far happened (ns since the start)."""
        recent = [row[0] for row in self.rows[-64:]]
        fast = self.fast_state
        if fast is not None and fast.count:
            recent.append(fast.last_time())
        return max(recent, default=0)

    def tid(self) -> int:
        """Return the id of the calling thread, registering a thread Hilos did not create."""
        try:
            tid: int = self._local.tid
        except AttributeError:
            tid = self._adopt()
        return tid

    def _adopt(self) -> int:
        current = _std_threading.current_thread()
        ident = _get_ident()
        known = self.registry.known_id(ident, current)
        if known is not None:
            self._remember_tid(known)
            return known
        start = self.now()
        tid = self.registry.add_thread(
            current,
            kind="foreign",
            target=None,
            line=None,
            parent=None,
            start_ns=start,
            max_threads=None,
        )
        assert tid is not None
        self.registry.bind_ident(ident, tid)
        self._remember_tid(tid)
        self.append((start, tid, K["thread_run"], 0, 0, None))
        return tid

    def _remember_tid(self, tid: int) -> None:
        self._local.tid = tid
        if self.fast_state is not None:
            self.fast_state.set_tid(tid)

    def user_frame(self, depth: int = 2) -> FrameType | None:
        """Return the nearest frame outside the tracing layer and the threading modules."""
        frame: FrameType | None = sys._getframe(depth)
        internal = self._internal
        while frame is not None and frame.f_code.co_filename in internal:
            frame = frame.f_back
        return frame

    def is_internal(self, filename: str) -> bool:
        """Whether code of `filename` belongs to the tracing layer (never the program)."""
        return filename in self._internal

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
            gate(tid, kind, obj, line)
        return tid, line

    def begin_access(self, kind: int, label: str) -> tuple[int, int]:
        """The choke point for a read or write of the shared variable `label`."""
        control = self.control
        if control is None:
            return self.begin(kind, 0)
        if self.aborted is not None:
            raise RunAborted(self.aborted)
        tid, line = self.tid(), self.line(3)
        control.gate(tid, kind, 0, line, label)
        return tid, line

    @property
    def gate(self) -> Gate | None:
        """Called as gate(thread id, kind code, object id, line) before every traced operation.

        A scheduler sets it to decide which thread proceeds; None runs threads freely.
        """
        return self._gate

    @gate.setter
    def gate(self, gate: Gate | None) -> None:
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
        """Give an object made by the program its id and its label (the name it was given)."""
        return self.registry.add_object(kind, self.user_frame(2), info)

    def relabel(self, oid: int, label: str) -> None:
        self.registry.relabel(oid, label)

    def label(self, oid: int) -> str:
        return self.registry.label(oid)

    def shared_proxies(self, namespace: dict[str, Any]) -> dict[str, Any]:
        """The objects instrumented code uses to reach its shared variables (see `shared`)."""
        compiled = None
        if self.fast_state is not None:
            from . import _speedups  # type: ignore[attr-defined]

            compiled = _speedups
        return shared.proxies(self, namespace, self.variables, compiled)

    def on_abort(self, hook: Callable[[], None]) -> None:
        """Call `hook` when the run is stopped (a primitive that blocks in its own way)."""
        self._abort_hooks.append(hook)

    # -- threads ---------------------------------------------------------------------------

    def next_thread_name(self) -> str:
        return self.registry.next_thread_name()

    def register_thread(
        self,
        thread: _std_threading.Thread,
        kind: str,
        target: str | None,
        line: int | None,
        parent: int | None,
    ) -> int:
        """Register a thread about to start; raise RunAborted past the thread limit."""
        tid = self.registry.add_thread(
            thread,
            kind=kind,
            target=target,
            line=line,
            parent=parent,
            start_ns=self.now(),
            max_threads=self.max_threads,
        )
        if tid is None:
            self.abort("limit", f"the program tried to start more than {self.max_threads} threads")
            raise RunAborted("limit")
        return tid

    def thread_began(self, tid: int, line: int) -> None:
        self.registry.bind_ident(_get_ident(), tid)
        self._remember_tid(tid)
        self.append((self.now(), tid, K["thread_run"], 0, line, None))

    def thread_finished(self, tid: int, how: str, reason: str | None = None) -> None:
        with self._ends_lock:
            now = self.now()
            if self.aborted is not None and how != "error":
                how, reason = "aborted", self.aborted
            if how == "aborted":
                self.append((now, tid, K["thread_abort"], 0, 0, reason))
                how = "daemon" if reason == "daemon" else "aborted"
            else:
                self.append((now, tid, K["thread_end"], 0, 0, None))
            self.registry.thread_ended(tid, how, now)
        self.graph.drop(tid)
        self.changed.set()
        if self.control is not None:
            self.control.ended(tid)

    def expect_thread(self, tid: int) -> None:
        """Thread `tid` is about to start (a controlled run holds its steps until it parks)."""
        if self.control is not None:
            self.control.expect(tid)

    def join_returned(self, tid: int, line: int, target: int, running: Callable[[], bool]) -> bool:
        """Record that `tid`'s join of thread `target` returned, and whether `target` still
        runs (`running()`, asked unless its end is recorded), in one step against that end
        being recorded: "still running" comes before the end in the trace, "ended" after it.
        Return the answer recorded."""
        with self._ends_lock:
            alive = self.threads[target].end == "running" and running()
            self.append((self.now(), tid, K["join_return"], 0, line, [target, alive]))
        return alive

    def joining(self, target: int, timed: bool) -> None:
        """The calling thread is about to join thread `target` (a controlled run notes whom,
        and whether with a timeout)."""
        if self.control is not None:
            self.control.joining(self.tid(), target, timed)

    def thread_started(self, tid: int) -> None:
        """Thread `tid` was started; in a controlled run, wait until it parks or ends."""
        if self.control is not None:
            self.control.started(tid)

    def thread_object(self, tid: int) -> _std_threading.Thread | None:
        """The Thread object of thread id `tid`, if the run has one."""
        return self.registry.thread_object(tid)

    def live_threads(self) -> list[_std_threading.Thread]:
        return list(self.registry.live().values())

    # -- blocking --------------------------------------------------------------------------

    def block(
        self,
        tid: int,
        waiting: Waiting,
        attempt: Callable[[float], bool],
        timeout: float | None,
    ) -> bool:
        """Wait by calling `attempt(seconds)` until it returns True or `timeout` runs out.

        The thread is entered in the wait-for graph meanwhile. A wait that closes a cycle that
        can never open (see `Waiting.owner_only`) is recorded as a deadlock at once; the threads
        in it stay blocked, as they would under CPython, and the supervisor ends the run when
        nothing else can progress. Raises RunAborted (after recording it) when the run is
        stopped while waiting.
        """
        deadline = None if timeout is None else monotonic() + timeout
        cycle = self.graph.enter(tid, waiting)
        try:
            if cycle is not None and cycle.certain:
                self.record_deadlock(cycle)
            if self.control is not None:
                try:
                    ok = self.control.block(tid, waiting, attempt, timeout)
                except RunAborted:
                    ok = False
                if self.is_aborted():
                    self.append((self.now(), tid, K["aborted"], waiting.obj, waiting.line, None))
                    raise RunAborted(self.aborted)
                return ok
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
            self.graph.leave(tid, waiting)

    def enter_wait(self, tid: int, waiting: Waiting) -> None:
        """Enter a wait that the real primitive performs (a Barrier) in the wait-for graph."""
        self.graph.enter(tid, waiting)

    def leave_wait(self, tid: int, waiting: Waiting) -> None:
        self.graph.leave(tid, waiting)

    def waiting_set(self) -> list[dict[str, Any]]:
        return [
            {"thread": tid, "kind": w.kind, "object": w.obj or None, "line": w.line}
            for tid, w in sorted(self.graph.snapshot().items())
        ]

    # -- deadlocks and the end of a run ----------------------------------------------------

    def record_deadlock(self, cycle: Cycle, t: int | None = None) -> bool:
        """Record a deadlock once it is certain; False when these threads were already seen.

        The run goes on: threads outside the cycle may still run (and print, and end), as
        they would under CPython.
        """
        with self._state_lock:
            if self.aborted is not None:
                return False
            if any(seen.threads == cycle.threads for seen in self._deadlocks):
                return False
            self._deadlocks.append(cycle)
        first = cycle.steps[0]
        stamp = self.now() if t is None else t
        self.append((stamp, first["thread"], K["deadlock"], 0, first["line"], cycle.steps))
        return True

    @property
    def deadlocks(self) -> list[Cycle]:
        """The certain deadlocks recorded so far, in the order they were found."""
        return list(self._deadlocks)

    def deadlock_message(self, cycle: Cycle) -> str:
        steps = cycle.steps
        if len(steps) == 1:
            return f"Deadlock: {self.registry.name(steps[0]['thread'])} waits for itself."
        parts = []
        for step in steps:
            what = self.label(step["object"]) if step["object"] else "join"
            holder = self.registry.name(step["holder"])
            parts.append(f"{self.registry.name(step['thread'])} waits for {what} held by {holder}")
        return "Deadlock: " + "; ".join(parts) + "."

    def abort(
        self,
        status: str,
        message: str,
        *,
        cycle: list[dict[str, Any]] | None = None,
        waiting: list[dict[str, Any]] | None = None,
        error: dict[str, Any] | None = None,
    ) -> bool:
        """End the run with `status`; return False when it had already ended."""
        with self._state_lock:
            if self.aborted is not None:
                return False
            if waiting is None:
                waiting = self.waiting_set()
            self.outcome = Outcome(
                status, message, cycle=cycle, waiting=waiting or None, error=error
            )
            self.abort_t = self.now()
            self.aborted = status
            self._set_intercept()
        self._stop_waits()
        return True

    def end_program(self, note: str | None = None) -> None:
        """The program is over: stop daemon threads as interpreter exit would."""
        with self._state_lock:
            if self.aborted is not None:
                return
            self._end_note = note
            self.abort_t = self.now()
            self.aborted = "daemon"
            self._set_intercept()
        self._stop_waits()

    def _stop_waits(self) -> None:
        self.abort_event.set()
        self.changed.set()
        for hook in list(self._abort_hooks):
            hook()

    def unwind(self, grace: float = 2.0) -> None:
        """Make sure no thread of this run is left alive."""
        deadline = monotonic() + grace
        for thread in self.registry.thread_objects().values():
            if thread is _std_threading.current_thread():
                continue
            if not isinstance(thread, threads.TracedThread):
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
            with self._state_lock:
                self.aborted = "finished"
                self._set_intercept()
            self.abort_event.set()
        self.unwind()
        rows = self.rows[:]
        if self.fast_state is not None:
            rows.extend(self.fast_state.take_rows())
        # A controlled run's events all have times of their own but those recorded while
        # threads unwind after a stop: these go in thread order, so a run replays exactly.
        rows.sort(key=itemgetter(0) if self.control is None else itemgetter(0, 1))
        rows = self._shared_variables(rows)
        if self.abort_t is not None:
            # What threads did while being unwound is not part of the program's story:
            # keep only how each wait and each thread was cut short.
            rows = _cut_at_abort(rows, self.abort_t, paused=self.aborted == "paused")
        if len(rows) > self.max_events:
            rows = rows[: self.max_events]
        events = _events(rows)
        outcome = self.outcome or self._completed()
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

    def _shared_variables(self, rows: list[_Row]) -> list[_Row]:
        """Keep the accesses to variables more than one thread touched, as objects of their
        own; the others were never shared and add nothing."""
        accesses = _ACCESSES
        touched: dict[int, set[int]] = {}
        first_line: dict[int, int] = {}
        for _, thread, _, number, line, _ in [row for row in rows if row[2] in accesses]:
            seen = touched.get(number)
            if seen is None:
                touched[number] = {thread}
                first_line[number] = line
            elif thread not in seen:
                seen.add(thread)
        if not touched:
            return rows
        table = self.variables.table
        oids = {
            number: self.registry.add_variable(*table[number][:2], first_line[number] or None)
            for number, threads in touched.items()
            if len(threads) > 1
        }
        as_is = _AS_IS
        return [
            row
            if row[2] not in accesses
            else (
                row[0],
                row[1],
                row[2],
                oids[row[3]],
                row[4],
                row[5] if type(row[5]) in as_is else jsonable(row[5]),
            )
            for row in rows
            if row[2] not in accesses or row[3] in oids
        ]

    def _completed(self) -> Outcome:
        notes = [self._end_note] if self._end_note else []
        for cycle in self._deadlocks:
            names = ", ".join(self.registry.name(t) for t in sorted(cycle.threads))
            notes.append(f"{names} deadlocked and stayed blocked until the end")
        note = "; " + "; ".join(notes) if notes else ""
        return Outcome("completed", f"The program finished{note}.")

    # -- printing --------------------------------------------------------------------------

    def print(
        self,
        *values: object,
        sep: str | None = " ",
        end: str | None = "\n",
        file: Any = None,
        flush: bool = False,
    ) -> None:
        """`print()` for scenario code: an event on the printing thread's lane.

        The real print formats and checks the arguments, so a call that raises records
        nothing. Echoing, or given a `file`, it writes there exactly as the builtin writes.
        """
        from .output import render_print

        if self.aborted is not None:
            raise RunAborted(self.aborted)
        tid = self.tid()
        t = self.now()
        if file is None and self.echo:
            file = sys.stdout
        text = render_print(values, sep, end, file, flush)
        self.append((t, tid, K["print"], 0, self.line(2), jsonable(text)))

    def interpreter_print(self, text: str, line: int) -> None:
        """A line the interpreter writes on stderr for the program (sys.exit's message):
        written there when echoing, recorded as a print of the calling thread at `line`."""
        from .output import write_stderr

        if self.echo:
            write_stderr(text + "\n")
        self.append((self.now(), self.tid(), K["print"], 0, line, jsonable(text)))


def _cut_at_abort(rows: list[_Row], cut: int, paused: bool = False) -> list[_Row]:
    """Drop what happened after `cut` but how each open wait and each thread was cut short.

    A run paused for a choice keeps nothing after it: its threads were not cut short, they
    wait for the student's decision (the next request goes on from there)."""
    if paused:
        return [row for row in rows if row[0] < cut]
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


def _events(rows: list[_Row]) -> list[Event]:
    """The rows as Events. A run's events are made in one go with the collector paused: they
    are all young, and a hundred thousand of them would otherwise set off collection after
    collection that walks them all."""
    kinds = KINDS
    make = tuple.__new__
    paused = gc.isenabled()
    gc.disable()
    try:
        return [make(Event, (t, th, kinds[k], o, ln, a)) for (t, th, k, o, ln, a) in rows]
    finally:
        if paused:
            gc.enable()


def _raise_in(thread: _std_threading.Thread, exc: type[BaseException]) -> None:
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(exc)
        )
