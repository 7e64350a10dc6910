"""When a run ends: limits, the program's end (daemons), deadlocks and stalls.

The policy, in the order it is checked every few milliseconds from the caller's thread:

- past `max_events` or `max_seconds`, the run is stopped (`limit`, `timeout`);
- when the main code and every non-daemon thread are done, the program is over: daemon
  threads are stopped as interpreter exit stops them, and a deadlock among them that nothing
  can open any more is recorded first;
- when every live thread waits in a wait that cannot end by itself, and nothing has been
  recorded for `STALL_QUIET_SECONDS`, nothing can ever run again: the run ends as a deadlock
  if the waits form a cycle, else as a stall.

A cycle that only its members could open (RLocks, joins) is recorded by `Recorder.block` the
moment it closes, while the rest of the program goes on. A cycle through a plain `Lock`, which
any thread may release, becomes certain only when no thread that could release it can run:
that is the second and third rule.
"""

from __future__ import annotations

import sys
import time
from types import FrameType
from typing import TYPE_CHECKING, Any

from .registry import alive

if TYPE_CHECKING:
    import threading

    from .recorder import Recorder

__all__ = ["STALL_QUIET_SECONDS", "program_frame", "program_over", "stuck", "supervise"]

# How long every thread must stay blocked, with nothing recorded, before the run is declared
# stuck: a thread just woken by set()/put()/release() records its wake-up well within it.
STALL_QUIET_SECONDS = 0.15
_POLL = 0.005


def supervise(rec: Recorder, main: threading.Thread) -> None:
    """Watch the run until it completes or must be stopped."""
    deadline = time.monotonic() + rec.max_seconds
    quiet_since: float | None = None
    quiet_count = -1
    while True:
        # A thread's end wakes this at once (so a run ends when its program does); otherwise
        # look every few milliseconds.
        rec.changed.wait(_POLL)
        rec.changed.clear()
        if rec.is_aborted():
            return
        count = rec.event_count()
        if count > rec.max_events:
            rec.abort("limit", f"The program recorded more than {rec.max_events} events.")
            return
        now = time.monotonic()
        if now > deadline:
            message = f"The program ran longer than {rec.max_seconds:g} s."
            rec.abort("timeout", message, error=_running_at(rec, message))
            return
        live = rec.registry.live()
        if not alive(main) and all(t.daemon for t in live.values()):
            program_over(rec, live)
            return
        if not rec.graph.blocked(live):
            quiet_since = None
            continue
        if quiet_since is None or count != quiet_count:
            quiet_since, quiet_count = now, count
        elif now - quiet_since >= STALL_QUIET_SECONDS:
            stuck(rec, live)
            return


def program_frame(frame: FrameType | None, filename: str | None) -> FrameType | None:
    """The innermost frame of the program's own file on the stack from `frame` (None: no
    line of the program there)."""
    while frame is not None and frame.f_code.co_filename != filename:
        frame = frame.f_back
    return frame


def _running_at(rec: Recorder, message: str) -> dict[str, Any] | None:
    """Where the program was when its time ran out: the thread found on a line of the program
    that was running there, not waiting (an endless loop is there, and the main code joining
    it is not); failing that, one in a wait that ends by itself (a sleep in the loop), then
    any. Main code first among equals."""
    frames = sys._current_frames()
    waits = rec.graph.snapshot()
    found: list[tuple[int, int, int]] = []  # (how it waits: 0 running, 1 timed, 2 not), tid, line
    for tid, thread in rec.registry.live().items():
        frame = program_frame(frames.get(thread.ident or -1), rec.filename)
        if frame is not None and frame.f_lineno:
            waiting = waits.get(tid)
            rank = 0 if waiting is None else 1 if waiting.timed else 2
            found.append((rank, tid, frame.f_lineno))
    if not found:
        return None
    _, tid, line = min(found)
    return {"thread": tid, "type": "timeout", "message": message, "line": line}


def program_over(rec: Recorder, live: dict[int, threading.Thread]) -> None:
    """The main code and every non-daemon thread are done: stop the daemons, as exit does.

    Only threads the trace shows running count: one whose end is recorded may still be alive
    for the OS a moment longer (its interpreter's cleanup), and is no daemon to stop.
    """
    live = {tid: t for tid, t in live.items() if rec.threads[tid].end == "running"}
    if not live:
        return
    if rec.graph.blocked(live):
        cycle = rec.graph.find_cycle(live)
        if cycle is not None:
            rec.record_deadlock(cycle)
    rec.end_program(
        "daemon threads still running were stopped when the program ended, "
        "as a real interpreter exit stops them"
    )


def stuck(rec: Recorder, live: dict[int, threading.Thread]) -> None:
    """Every live thread waits for something no thread can do: end the run."""
    cycle = rec.graph.find_cycle(live)
    if cycle is None:
        for seen in rec.deadlocks:
            if seen.threads <= live.keys():
                cycle = seen
                break
    if cycle is not None:
        # Stamped when the program became stuck (just after its last event, the request that
        # closed the cycle), not when this was noticed; a controlled run's virtual clock
        # gives that moment itself (its next tick).
        rec.record_deadlock(cycle, t=None if rec.controlled else rec.last_event_time() + 1)
        rec.abort("deadlock", rec.deadlock_message(cycle), cycle=cycle.steps)
        return
    waiting = rec.waiting_set()
    message = "Stalled: every thread waits and nothing can wake them: "
    if rec.abort("stalled", message + _describe_waits(rec, waiting) + ".", waiting=waiting):
        first = waiting[0]["thread"] if waiting else 0
        rec.emit("stall", 0, waiting, tid=first)


def _describe_waits(rec: Recorder, waiting: list[dict[str, Any]]) -> str:
    parts = []
    for entry in waiting:
        name = rec.registry.name(entry["thread"])
        what = entry["kind"].replace("_", " ")
        target = f" on {rec.label(entry['object'])}" if entry.get("object") else ""
        parts.append(f"{name} waits in {what}{target} (line {entry['line']})")
    return "; ".join(parts)
