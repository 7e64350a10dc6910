"""Consistency checks over a Trace: what any faithful recording of real threads satisfies."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .trace import REQUESTS, Trace

__all__ = ["problems", "check_trace", "OUTCOMES_OF"]

# For each request kind, the kinds that may end it (besides `aborted`): the trace's table.
OUTCOMES_OF: dict[str, frozenset[str]] = {kind: answers for kind, (_, answers) in REQUESTS.items()}
_ENDING = {kind for kinds in OUTCOMES_OF.values() for kind in kinds} | {"aborted"}
# put_nowait on a full queue, get_nowait on an empty one: no request precedes them.
_COMPACT_FAILURES = {"put_timeout", "get_timeout"}
_LOCKS = {"Lock", "RLock"}
# Outcomes only a wait with a timeout can have (its request carries the timeout).
_TIMEOUTS = {"acquire_timeout", "get_timeout"}
_SEMAPHORES = {"Semaphore", "BoundedSemaphore"}
_QUEUES = {"Queue", "LifoQueue", "PriorityQueue", "SimpleQueue"}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, list | dict) else value


def problems(trace: Trace) -> list[str]:
    """Return every inconsistency found, as sentences naming the event index."""
    found: list[str] = []
    aborted = trace.outcome.status not in ("completed", "error")
    threads = {t.id: t for t in trace.threads}
    objects = {o.id: o for o in trace.objects}
    last_t: dict[int, int] = {}
    ended: set[int] = set()
    running: set[int] = set()
    started: dict[int, int] = {}
    pending: dict[int, list[tuple[str, int, Any]]] = {}
    holder: dict[int, int | None] = {}
    depth: dict[int, int] = {}
    # A semaphore made with a value that is not a plain integer (inf, written "inf") is not
    # counted: it never runs out.
    semaphore: dict[int, int] = {
        o.id: o.info.get("value", 1)
        for o in trace.objects
        if o.kind in _SEMAPHORES and _is_int(o.info.get("value", 1))
    }
    items: dict[int, Counter[Any]] = {o.id: Counter() for o in trace.objects if o.kind in _QUEUES}
    previous_t = 0
    last_kind: dict[int, tuple[str, int]] = {}
    value_of: dict[int, Any] = {}
    awaiting_resume: dict[int, tuple[int, int]] = {}
    flag: dict[int, bool] = {}  # an Event's flag as the trace shows it (unset at first)
    # An Event wait asked and not yet returned, per (thread, event): whether the flag was
    # shown set when it asked, and whether a set came since.
    asking: dict[tuple[int, int], list[bool]] = {}

    for i, ev in enumerate(trace.events):
        where = f"event {i} ({ev.kind} on thread {ev.thread})"
        if ev.t < previous_t:
            found.append(f"{where}: time goes backwards in the event order")
        previous_t = ev.t
        if ev.thread not in threads:
            found.append(f"{where}: unknown thread")
            continue
        if ev.obj and ev.obj not in objects:
            found.append(f"{where}: unknown object {ev.obj}")
            continue
        if ev.t < last_t.get(ev.thread, 0):
            found.append(f"{where}: time goes backwards on its thread")
        last_t[ev.thread] = ev.t
        if ev.thread in ended:
            found.append(f"{where}: after the thread ended")
        if ev.kind == "thread_run":
            if ev.thread in running:
                found.append(f"{where}: thread runs twice")
            running.add(ev.thread)
        elif ev.thread not in running:
            found.append(f"{where}: before the thread's thread_run")
        stack = pending.setdefault(ev.thread, [])

        kind = ev.kind
        if kind == "deadlock":
            _check_cycle(found, where, ev.arg, pending)
        elif kind == "join_return" and isinstance(ev.arg, list) and len(ev.arg) == 2:
            joined, alive = ev.arg
            if _is_int(joined) and joined in threads and alive is (joined in ended):
                said = "still runs" if alive else "has ended"
                found.append(f"{where}: says thread {joined} {said}, which the trace contradicts")
        if kind in OUTCOMES_OF:
            stack.append((kind, ev.obj, ev.arg))
        elif kind in _ENDING:
            if kind in _COMPACT_FAILURES and (not stack or stack[-1][1] != ev.obj):
                pass  # a non-blocking put/get that failed at once: request and outcome in one
            elif not stack:
                found.append(f"{where}: an outcome with no request")
            else:
                request, obj, asked = stack.pop()
                if kind != "aborted" and kind not in OUTCOMES_OF[request]:
                    found.append(f"{where}: does not answer {request}")
                elif obj != ev.obj:
                    found.append(f"{where}: answers a request on another object")
                elif kind in _TIMEOUTS and asked is None:
                    found.append(f"{where}: times out a wait that had no timeout")
        elif kind in ("thread_end", "thread_abort"):
            ended.add(ev.thread)
            if stack and not (kind == "thread_abort" or aborted):
                found.append(f"{where}: ends with {stack[-1][0]} unanswered")

        if kind == "thread_start":
            if not isinstance(ev.arg, int) or ev.arg not in threads:
                found.append(f"{where}: starts an unknown thread {ev.arg!r}")
            else:
                started[ev.arg] = i
        elif kind == "thread_run" and threads[ev.thread].parent is not None:
            if ev.thread not in started:
                found.append(f"{where}: runs before any thread_start names it")

        if kind == "resume":
            granted = last_kind.get(ev.thread)
            if granted != ("acquire_granted", ev.obj):
                found.append(f"{where}: resumes without a lock just handed to it")
            elif holder.get(ev.obj) != ev.thread:
                found.append(f"{where}: resumes holding a lock it does not hold")
        elif kind == "acquire_granted" and ev.arg is not None:
            if not isinstance(ev.arg, int) or ev.arg <= 0:
                found.append(f"{where}: the time until it runs must be a positive integer")
            else:
                awaiting_resume[ev.thread] = (i, ev.obj)
        if ev.thread in awaiting_resume and kind != "acquire_granted":
            index, obj = awaiting_resume.pop(ev.thread)
            if kind != "resume":
                found.append(f"event {index}: a lock handed over with no resume after it")
        last_kind[ev.thread] = (kind, ev.obj)

        info = objects.get(ev.obj)
        if info is None:
            continue
        if info.kind == "Variable":
            if kind == "write":
                value_of[ev.obj] = ev.arg
            elif kind == "read":
                # What a read returns is what the last write left (or, before any write, what
                # the variable held from the start, the same for every read until a write).
                if ev.obj in value_of and value_of[ev.obj] != ev.arg:
                    found.append(
                        f"{where}: reads {ev.arg!r}, but the last write left {value_of[ev.obj]!r}"
                    )
                value_of.setdefault(ev.obj, ev.arg)
            else:
                found.append(f"{where}: a variable is only read and written")
            continue
        if info.kind == "Event":
            _check_event(found, where, kind, ev.obj, ev.thread, ev.arg, flag, asking)
        elif info.kind in _LOCKS:
            if kind in ("acquire_request", "acquire_fail") and holder.get(ev.obj) is None:
                found.append(f"{where}: waits for a lock the trace shows free")
            _check_lock(found, where, info.kind, ev.kind, ev.obj, ev.thread, ev.arg, holder, depth)
        elif info.kind in _SEMAPHORES and ev.obj in semaphore:
            if kind in ("acquire_request", "acquire_fail") and semaphore[ev.obj] > 0:
                found.append(f"{where}: waits for a semaphore the trace shows with a free slot")
            if kind in ("acquire", "acquire_granted"):
                semaphore[ev.obj] -= 1
                if semaphore[ev.obj] < 0:
                    found.append(f"{where}: more holders than the semaphore's slots")
            elif kind == "release" and isinstance(ev.arg, int):
                semaphore[ev.obj] = ev.arg
                initial = int(info.info.get("value", 1))
                if info.kind == "BoundedSemaphore" and ev.arg > initial:
                    found.append(f"{where}: bounded semaphore above its initial value")
        elif info.kind in _QUEUES and not info.info.get("custom"):
            # A queue class with its own _put/_get stores what it likes: its puts say what
            # put() was given and its gets what get() returned, which need not match.
            bag = items[ev.obj]
            if kind in ("put", "put_done"):
                # Full when it already held maxsize items (a float maxsize of 2.5 holds 3).
                maxsize = info.info.get("maxsize", 0)
                if _is_number(maxsize) and 0 < maxsize <= bag.total():
                    found.append(f"{where}: queue holds more than maxsize={maxsize}")
                bag[_hashable(ev.arg)] += 1
            elif kind in ("get", "get_done"):
                key = _hashable(ev.arg)
                if bag[key] <= 0:
                    found.append(f"{where}: gets {ev.arg!r}, which was never put (or taken)")
                else:
                    bag[key] -= 1

    if trace.outcome.status not in ("limit", "paused"):
        # Every request gets its outcome, `aborted` included, unless the event limit cut the
        # trace short or the run is paused for a choice (its waits go on after it).
        for tid, stack in pending.items():
            if stack:
                found.append(f"thread {tid}: {stack[-1][0]} never answered")
    for index, _obj in awaiting_resume.values():
        found.append(f"event {index}: a lock handed over with no resume after it")
    for child, index in started.items():
        if child not in running and threads[child].end != "never-started" and not aborted:
            found.append(f"event {index}: thread {child} started but never ran")
    found += _outcome_problems(trace)
    return found


def _check_cycle(
    found: list[str], where: str, cycle: Any, pending: dict[int, list[tuple[str, int, Any]]]
) -> None:
    """A deadlock is announced only once every thread in its cycle has asked for what it
    waits for: each has a request still unanswered (on the object the cycle names, if any)."""
    if not isinstance(cycle, list):
        return
    for step in cycle:
        if not isinstance(step, dict) or not _is_int(step.get("thread")):
            continue
        waiting = pending.get(step["thread"]) or []
        obj = step.get("object")
        if not waiting or (_is_int(obj) and obj and waiting[-1][1] != obj):
            found.append(
                f"{where}: announced before thread {step['thread']} asked for what it waits for"
            )


def _check_event(
    found: list[str],
    where: str,
    kind: str,
    obj: int,
    thread: int,
    arg: Any,
    flag: dict[int, bool],
    asking: dict[tuple[int, int], list[bool]],
) -> None:
    """A wait asked while the flag shows set returns True at once; one asked while it shows
    unset returns True only after a set."""
    if kind in ("set", "clear"):
        flag[obj] = kind == "set"
        if kind == "set":
            for (_, event), state in asking.items():
                if event == obj:
                    state[1] = True
    elif kind == "wait_request":
        asking[(thread, obj)] = [flag.get(obj, False), False]
    elif kind == "wait_return":
        if (thread, obj) not in asking:
            return
        was_set, set_since = asking.pop((thread, obj))
        if was_set and arg is not True:
            found.append(f"{where}: returns {arg!r} from a wait asked while the flag was set")
        elif not was_set and arg is True and not set_since:
            found.append(f"{where}: returns True with no set since it asked on an unset flag")


def _check_lock(
    found: list[str],
    where: str,
    lock_kind: str,
    kind: str,
    obj: int,
    thread: int,
    arg: Any,
    holder: dict[int, int | None],
    depth: dict[int, int],
) -> None:
    current = holder.get(obj)
    if kind in ("acquire", "acquire_granted"):
        if current is not None and not (lock_kind == "RLock" and current == thread):
            found.append(f"{where}: taken while thread {current} holds it")
        holder[obj] = thread
        depth[obj] = depth.get(obj, 0) + 1 if current == thread else 1
    elif kind == "release":
        if current is None:
            found.append(f"{where}: released while nobody holds it")
            return
        if lock_kind == "RLock":
            if current != thread:
                found.append(f"{where}: released by a thread that does not hold it")
            left = arg if isinstance(arg, int) else depth.get(obj, 1) - 1
            depth[obj] = left
            if left == 0:
                holder[obj] = None
        else:
            holder[obj] = None
            depth[obj] = 0


def _outcome_problems(trace: Trace) -> list[str]:
    """The outcome must be one the events show: a run that completed stopped no thread; a
    deadlock recorded its cycle; a stall recorded who waited."""
    found: list[str] = []
    status = trace.outcome.status
    kinds = {event.kind for event in trace.events}
    if status == "completed":
        stopped = [t.name for t in trace.threads if t.end == "aborted"]
        if stopped:
            found.append(f"outcome {status}, yet threads were stopped: {', '.join(stopped)}")
    if status == "deadlock" and ("deadlock" not in kinds or not trace.outcome.cycle):
        found.append("outcome deadlock, with no deadlock event or no cycle")
    if status == "stalled" and "stall" not in kinds:
        found.append("outcome stalled, with no stall event")
    return found


def check_trace(trace: Trace) -> None:
    """Raise AssertionError listing every inconsistency of `trace`."""
    found = problems(trace)
    if found:
        shown = "\n  ".join(found[:20])
        more = f"\n  … and {len(found) - 20} more" if len(found) > 20 else ""
        raise AssertionError(f"inconsistent trace ({len(found)} problems):\n  {shown}{more}")
