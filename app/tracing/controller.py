"""Controlled runs: one thread at a time, the schedule decides who takes the next step.

Every thread of the run is a real thread. At each step point (every traced operation, every
read or write of a shared variable, a thread's end) the thread that runs hands the baton back
here and waits; the controller picks who takes the next step and wakes that thread alone. So
exactly one thread of the program runs at a time, and given the program, its parameters, its
seed and the choices, a run is the same every time, event for event.

What the controller offers is only what CPython could do: a thread parked before a step can
take it; a thread blocked in a wait is offered only once its wait can end (the lock is free, an
item is there, the flag is set, the thread it joins has ended, its virtual deadline has come).
Time is virtual: each step advances the clock by `STEP_NS`; when nothing can go on but a
sleeper or a timed wait, the clock jumps to the earliest deadline. Nothing waits for real.

A *decision* is a step where more than one thread could go on; steps with a single candidate
are taken without asking. `choices` are thread names, one per decision; past them the default
policy decides: the thread that ran last goes on while it can, else the lowest-numbered one.
With `pause=True` the run stops at the first decision past the choices instead (status
`paused`), and `ready` says who could go next.
"""

from __future__ import annotations

import threading as _std
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .common import RunAborted, Runtime, Waiting
from .trace import KINDS

__all__ = ["Chooser", "Controller", "ScheduleError", "STEP_NS", "Step"]

STEP_NS = 1_000  # virtual time one step takes: a microsecond reads naturally on the axis
_TICK = 0.02


class Step(NamedTuple):
    """One step a controlled run took, as an exploration reads it."""

    thread: str
    kind: str  # as `Controller.describe` says it (acquire, read, get_done, …), or "end"
    obj: str | None
    decision: int  # its index among the decisions, or -1 when it was the only candidate
    after: int  # the step it must follow besides its thread's own (a start, a joined end), or -1


# Past the given choices, who goes next at a decision: the candidates as `describe` says
# them, and the controller; a name, or None to stop the run there (status "paused").
Chooser = Callable[[list[dict[str, Any]], "Controller"], str | None]


def _thread_object(name: str) -> str:
    """A thread as the object its joins read and its end writes (no label looks like it)."""
    return f"<thread {name}>"


class ScheduleError(ValueError):
    """The choices do not fit the program: a name that cannot go on at that decision."""


@dataclass
class _Parked:
    """A thread waiting for the baton: before a step, or blocked in a wait."""

    tid: int
    kind: str  # what it will do: acquire, release, put, read, write, run, …
    obj: int
    line: int
    waiting: Waiting | None = None  # blocked: what it waits in
    label: str | None = None  # what it reads or writes, when that is no object of the trace
    deadline: int | None = None  # virtual ns at which a timed wait gives up
    target: int | None = None  # a join: the thread it waits to end
    timed: bool = False  # a join: whether it has a timeout
    wake: _std.Lock = field(default_factory=_std.Lock)
    timed_out: bool = False

    def can_go(self, clock: int) -> bool:
        if self.waiting is None:
            return True
        ready = self.waiting.ready
        if ready is not None and ready():
            return True
        return self.deadline is not None and clock >= self.deadline


class Controller:
    """The scheduler of one controlled run (see the module docstring)."""

    def __init__(
        self,
        choices: list[str],
        *,
        pause: bool = False,
        max_steps: int = 20_000,
        chooser: Chooser | None = None,
    ):
        self.given = deque(choices)
        self.pause = pause
        self.chooser = chooser
        self.max_steps = max_steps
        self.clock = 0
        self.steps = 0
        self.taken: list[str] = []  # every decision taken, given or by the default policy
        self.ready_at_end_of_choices: list[dict[str, Any]] | None = None
        # At every decision, who could go on (described as in `next`); and the preemptions.
        self.decisions: list[list[dict[str, Any]]] = []
        self.lasts: list[str | None] = []  # at every decision, the thread that ran before it
        self.steps_taken: list[Step] = []  # every step, decisions or not, in order
        self.preemptions = 0
        # Waits with a timeout that blocked (or timed joins): time decides how they end.
        self.timed_waits = 0
        # The thread that took the step before the decision where the choices ran out.
        self.last_at_end_of_choices: str | None = None
        self.error: ScheduleError | None = None
        self._rec: Runtime | None = None
        # How the run ends when nobody can go on, or when only daemons are left: the
        # supervisor's verdicts, handed in by whoever supervises the run (`bind`).
        self._stuck: Callable[[], None] | None = None
        self._over: Callable[[], None] | None = None
        self._mutex = _std.Lock()
        self._parked: dict[int, _Parked] = {}
        self._running: int | None = None
        self._last: int | None = None
        self._arriving: dict[int, _std.Lock] = {}  # started, not yet parked or ended
        self._started_by: dict[int, int] = {}  # a new thread: the step that started it
        self._last_step: dict[int, int] = {}  # each thread's latest step
        self._joining: dict[int, tuple[int, bool]] = {}  # about to ask to join: whom, timed

    def bind(self, rec: Runtime) -> None:
        self._rec = rec
        rec.on_abort(self._release_everyone)

    def ends(self, *, stuck: Callable[[], None], over: Callable[[], None]) -> None:
        """How the run ends when nobody can go on (`stuck`: a deadlock or a stall) and when
        only daemons are left (`over`: the interpreter exits)."""
        self._stuck, self._over = stuck, over

    @property
    def rec(self) -> Runtime:
        assert self._rec is not None, "a Controller is bound to its Recorder first"
        return self._rec

    def now(self) -> int:
        """Virtual time: a nanosecond more for every event, so events keep their order.

        Once the run is stopped, the clock stands still just past the last moment handed out:
        threads unwind in whatever order the OS wakes them, and what they record then is put
        in thread order by `finish()`, after everything recorded before the stop.
        """
        if self._rec is not None and self._rec.aborted is not None:
            return self.clock + 1
        self.clock += 1
        return self.clock

    # -- the baton -------------------------------------------------------------------------

    def gate(self, tid: int, kind: int, obj: int, line: int, label: str | None = None) -> None:
        """A thread reached a step point: park it, let the next one go, wait to be chosen."""
        parked = _Parked(tid, KINDS[kind].removesuffix("_request"), obj, line, label=label)
        if parked.kind == "join" and tid in self._joining:
            parked.target, parked.timed = self._joining.pop(tid)
        self._park(parked)

    def joining(self, tid: int, target: int, timed: bool) -> None:
        """Thread `tid`'s next step point is a join of thread `target` (with a timeout?)."""
        self._joining[tid] = (target, timed)

    def block(self, tid: int, waiting: Waiting, attempt: Any, timeout: float | None) -> bool:
        """A wait in a controlled run: True when it ended by itself, False when it timed out."""
        if attempt(0):
            return True
        deadline = None if timeout is None else self.clock + int(timeout * 1e9)
        if deadline is not None and waiting.ready is not None:
            self.timed_waits += 1
        parked = _Parked(
            tid, waiting.kind, waiting.obj, waiting.line, waiting=waiting, deadline=deadline
        )
        if waiting.kind == "join" and isinstance(waiting.target, int):
            parked.target = waiting.target
        if waiting.outside is not None:
            waiting.outside(lambda: self._park(parked))
        else:
            self._park(parked)
        if parked.timed_out:
            return False
        # Chosen because its wait can end: the real primitive agrees at once (a joined
        # thread may take a moment to be gone for the OS; nothing else runs meanwhile).
        while not attempt(_TICK):
            if self.rec.is_aborted():
                raise RunAborted(self.rec.aborted)
        return True

    def expect(self, child: int) -> None:
        """A thread is about to start: nothing is chosen until it parks at its first step."""
        arrived = _std.Lock()
        arrived.acquire()
        with self._mutex:
            self._arriving[child] = arrived
            # The starting thread is the one running: its latest step is the start.
            self._started_by[child] = len(self.steps_taken) - 1

    def started(self, child: int) -> None:
        """Wait until `child`, just started, parks at its first step or ends (or, when it
        could not start at all, stop waiting for it)."""
        with self._mutex:
            arrived = self._arriving.get(child)
        if arrived is None:
            return
        thread = self.rec.thread_object(child)
        while not arrived.acquire(timeout=_TICK):
            if thread is None or thread.ident is None or self.rec.is_aborted():
                with self._mutex:
                    self._arrived(child)
                break
        else:
            arrived.release()

    def ended(self, tid: int) -> None:
        """A thread ended: its step is over; let the next one go."""
        with self._mutex:
            self._arrived(tid)
            if self._running == tid:
                self._running = None
            # The end is part of the thread's last step, but a join sees it: an exploration
            # reads it apart, on the thread as an object that joins read.
            name = self.rec.threads[tid].name
            self._last_step[tid] = len(self.steps_taken)
            self.steps_taken.append(Step(name, "end", _thread_object(name), -1, -1))
        self._next()

    def _arrived(self, tid: int) -> bool:
        arriving = self._arriving.pop(tid, None)
        if arriving is None:
            return False
        arriving.release()
        return True

    def _park(self, parked: _Parked) -> None:
        rec = self.rec
        if rec.is_aborted():
            raise RunAborted(rec.aborted)
        parked.wake.acquire()
        with self._mutex:
            self._parked[parked.tid] = parked
            # A thread's first step: the one that started it still has the baton.
            first = self._arrived(parked.tid)
            if self._running == parked.tid:
                self._running = None
        if not first:
            self._next()
        parked.wake.acquire()  # until chosen (or the run stops)
        if rec.is_aborted():
            raise RunAborted(rec.aborted)

    # -- choosing --------------------------------------------------------------------------

    def _candidates(self) -> list[_Parked]:
        """Who could take the next step: the threads that can go on now, and those whose
        virtual deadline comes first (time may pass before anyone else runs: the OS can stall
        a thread as long as it likes, so a sleeper may wake before a runnable thread goes on)."""
        now = [p for p in self._parked.values() if p.can_go(self.clock)]
        later = [p for p in self._parked.values() if p.deadline is not None and p not in now]
        if later:
            first = min(p.deadline for p in later if p.deadline is not None)
            now += [p for p in later if p.deadline == first]
        return sorted(now, key=lambda p: p.tid)

    def _next(self) -> None:
        """Pick who takes the next step and wake it (called by the thread that just stopped)."""
        rec = self.rec
        stop: tuple[str, str] | None = None
        chosen: _Parked | None = None
        with self._mutex:
            if self._running is not None or self._arriving or rec.is_aborted():
                return
            if self._program_over():
                # Only daemons are left: the interpreter exits now, whatever they could do.
                stop = ("over", "")
                candidates = []
            else:
                candidates = self._candidates() or self._advance_clock()
            if stop is not None:
                pass
            elif not candidates:
                if not self._parked:
                    return  # nobody left: the supervisor sees the run end
                stop = ("stuck", "")
            elif self.steps >= self.max_steps:
                stop = ("limit", f"The program took more than {self.max_steps} steps.")
            else:
                chosen, stop = self._choose(candidates)
                if chosen is not None:
                    self._log(chosen, len(candidates) > 1)
                    del self._parked[chosen.tid]
                    self._running = self._last = chosen.tid
                    self.steps += 1
                    if chosen.deadline is not None and chosen.deadline > self.clock:
                        self.clock = chosen.deadline  # time passed until it woke
                    self.clock += STEP_NS
                    if chosen.waiting is not None:
                        ready = chosen.waiting.ready
                        chosen.timed_out = not (ready is not None and ready())
        if stop is not None:
            status, message = stop
            if status in ("stuck", "over"):
                end = self._stuck if status == "stuck" else self._over
                assert end is not None, "a controlled run is told how it ends (`ends`)"
                end()
            elif status == "error":
                error = {
                    "thread": 0,
                    "type": "ScheduleError",
                    "message": str(self.error),
                    "line": 0,
                }
                rec.abort(status, message, error=error)
            else:
                rec.abort(status, message)
            return
        assert chosen is not None
        chosen.wake.release()

    def _program_over(self) -> bool:
        """The main code has ended and only daemon threads are left: interpreter exit."""
        threads = self.rec.threads
        if threads[0].end == "running":
            return False
        return all(t.daemon for t in threads if t.end == "running" and t.kind != "foreign")

    def _advance_clock(self) -> list[_Parked]:
        """Nothing can go on now: let virtual time run to the earliest deadline."""
        deadlines = [p.deadline for p in self._parked.values() if p.deadline is not None]
        if not deadlines:
            return []
        self.clock = max(self.clock, min(deadlines))
        return self._candidates()

    def _choose(self, candidates: list[_Parked]) -> tuple[_Parked | None, tuple[str, str] | None]:
        """The candidate the schedule (or the default policy) takes, or why the run stops."""
        if len(candidates) == 1:
            return candidates[0], None
        names = {self.rec.threads[p.tid].name: p for p in candidates}
        described = [self.describe(p) for p in candidates]
        self.decisions.append(described)
        self.lasts.append(self.rec.threads[self._last].name if self._last is not None else None)
        if self.given:
            name = self.given.popleft()
            if name not in names:
                ready = ", ".join(names)
                decision = len(self.taken) + 1
                self.error = ScheduleError(
                    f"decision {decision}: {name!r} cannot go on here (it could be {ready})"
                )
                return None, ("error", f"Schedule, decision {decision}: {name} cannot go on.")
            self._take(names[name], candidates)
            return names[name], None
        if self.ready_at_end_of_choices is None:
            self.ready_at_end_of_choices = [self.describe(p) for p in candidates]
            self.last_at_end_of_choices = (
                self.rec.threads[self._last].name if self._last is not None else None
            )
            if self.pause:
                return None, ("paused", "Paused: choose which thread goes next.")
        if self.chooser is not None:
            picked = self.chooser(described, self)
            if picked is None:
                return None, ("paused", "Paused: the exploration needs no more of this run.")
            self._take(names[picked], candidates)
            return names[picked], None
        # The default policy lets no time pass while a thread can go on now.
        runnable = [p for p in candidates if p.can_go(self.clock)] or candidates
        last = next((p for p in runnable if p.tid == self._last), None)
        chosen = last if last is not None else runnable[0]
        self._take(chosen, candidates)
        return chosen, None

    def _take(self, chosen: _Parked, candidates: list[_Parked]) -> None:
        """Note a decision: who was taken, and whether that preempted the thread that ran
        last while it could have gone on now (a preemption, as CHESS counts them)."""
        if chosen.tid != self._last and any(
            p.tid == self._last and p.can_go(self.clock) for p in candidates
        ):
            self.preemptions += 1
        self.taken.append(self.rec.threads[chosen.tid].name)

    def _log(self, chosen: _Parked, decision: bool) -> None:
        """Note the step `chosen` takes, and what it must follow (for an exploration)."""
        tid = chosen.tid
        after = self._started_by.pop(tid, -1)
        described = self.describe(chosen)
        kind, obj = described["kind"], described["object"]
        if chosen.target is not None:
            # A join that returns reads the end of its thread, and follows it. Asking to
            # join a thread that runs on only changes the asker (it waits, then returns),
            # unless the join has a timeout: then when it asked decides how it ends.
            obj = _thread_object(self.rec.threads[chosen.target].name)
            if chosen.waiting is not None or self.rec.threads[chosen.target].end != "running":
                after = self._last_step.get(chosen.target, -1)
                kind = "join_done" if chosen.waiting is None else kind
            elif chosen.timed:
                kind = "join_timed"
                self.timed_waits += 1
            else:
                obj = None
        self._last_step[tid] = len(self.steps_taken)
        self.steps_taken.append(
            Step(
                described["thread"],
                kind,
                obj,
                len(self.decisions) - 1 if decision else -1,
                after,
            )
        )

    def describe(self, parked: _Parked) -> dict[str, Any]:
        """What a candidate would do if chosen: its thread, the step, the object, the line."""
        rec = self.rec
        kind = parked.kind
        if parked.waiting is not None:
            ready = parked.waiting.ready
            kind = f"{kind}_done" if ready is not None and ready() else f"{kind}_timeout"
        described = {
            "thread": rec.threads[parked.tid].name,
            "kind": kind,
            "object": rec.label(parked.obj) if parked.obj else parked.label,
            "line": parked.line,
        }
        if not parked.can_go(self.clock):
            described["later"] = True  # only once time has passed, others stalled meanwhile
        return described

    def _release_everyone(self) -> None:
        with self._mutex:
            parked = list(self._parked.values())
            self._parked.clear()
            arriving = list(self._arriving.values())
            self._arriving.clear()
        for p in parked:
            if p.wake.locked():
                p.wake.release()
        for lock in arriving:
            if lock.locked():
                lock.release()
