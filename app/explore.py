"""Explore the interleavings of a program: every different ending, each with its shortest
schedule.

Stateless model checking over controlled runs (`tracing/controller.py`), as CHESS and Loom do:
the search is a depth-first walk over the decisions (steps where more than one thread could go
on), and each node is one controlled run re-executed from the start up to that decision (a
few milliseconds). Two things keep it small:

- **Preemption bounding**, iterative (0, 1, 2 … preemptions, as CHESS): a preemption is a
  decision that takes another thread while the one that ran last could have gone on. Most bugs
  need very few; the search reports what it covered ("all with at most K preemptions").
- **Sleep sets** (partial-order reduction): after exploring thread a's step at a node, the
  siblings explored later keep a asleep while they take steps independent of a's (different
  objects, or reads of the same variable), since those orders lead to the same states.
  Exploring a sleeping thread first would only repeat an order already seen.

Endings are grouped by what a student cares about: the status, the final values of the shared
variables, and what the main code printed. Each has its count (the schedules that reached it)
and its shortest witness: fewest preemptions, then fewest decisions, replayable in "You choose".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .runner import ParamSpec, run_source
from .tracing import Trace
from .tracing.controller import Controller

__all__ = ["Ending", "Exploration", "explore"]

# Steps that touch nothing a sibling could see differently: independent of one another when
# their objects differ, or when both only read the same variable.
_READS = frozenset({"read"})
# Steps that change only the thread that takes them: going to sleep, waking from a plain sleep
# (the clock moves, nothing else), asking to join or returning from a join, starting a thread
# (the new one does nothing until it is chosen).
_OWN = frozenset({"sleep", "sleep_timeout", "join", "join_done", "thread_start"})


@dataclass
class Ending:
    status: str
    final: dict[str, Any]
    output: list[str]
    count: int
    schedule: list[str]
    preemptions: int
    cycle: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "final": self.final,
            "output": self.output,
            "count": self.count,
            "schedule": self.schedule,
            "preemptions": self.preemptions,
            "cycle": self.cycle,
        }


@dataclass
class Exploration:
    explored: int  # complete schedules run to their end
    runs: int  # controlled runs, the paused ones included
    covered: str  # all | bounded | sampled
    preemptions: int  # the bound the search reached
    endings: list[Ending]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "explored": self.explored,
            "runs": self.runs,
            "covered": self.covered,
            "preemptions": self.preemptions,
            "seconds": round(self.seconds, 3),
            "outcomes": [e.to_json() for e in self.endings],
        }


@dataclass(frozen=True)
class _Step:
    thread: str
    kind: str
    obj: str | None
    later: bool = False  # it goes on only if time passes first


def _independent(a: _Step, b: _Step) -> bool:
    """Whether two threads' next steps commute (same end state whichever goes first)."""
    if a.thread == b.thread:
        return False
    if a.kind in _OWN or b.kind in _OWN:
        return True  # it changes only the thread that takes it (or one no one else reaches)
    if a.obj is None or b.obj is None:
        return False  # anything else without an object: assume they do not
    if a.obj != b.obj:
        return True
    return a.kind in _READS and b.kind in _READS


def _ending_of(trace: Trace) -> tuple[str, dict[str, Any], list[str], list[str]]:
    final: dict[str, Any] = {}
    variables = {o.id: o.label for o in trace.objects if o.kind == "Variable"}
    for event in trace.events:
        if event.obj in variables and event.kind in ("read", "write"):
            final[variables[event.obj]] = event.arg
    output = [str(e.arg) for e in trace.events if e.kind == "print" and e.thread == 0]
    cycle = sorted(trace.threads[s["thread"]].name for s in trace.outcome.cycle or [])
    return trace.outcome.status, dict(sorted(final.items())), output, cycle


class _Search:
    def __init__(
        self,
        run: Callable[[list[str], Controller], Trace],
        *,
        max_schedules: int,
        max_runs: int,
        max_seconds: float,
        reduce: bool,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.run = run
        self.max_schedules = max_schedules
        self.max_runs = max_runs
        self.deadline = time.monotonic() + max_seconds
        self.reduce = reduce
        self.progress = progress
        self.runs = 0
        self.leaves: set[tuple[str, ...]] = set()
        self.endings: dict[str, Ending] = {}
        self.cut_by_bound = False
        self.cut_by_limit = False

    def stop(self) -> bool:
        if (
            len(self.leaves) >= self.max_schedules
            or self.runs >= self.max_runs
            or time.monotonic() > self.deadline
        ):
            self.cut_by_limit = True
        return self.cut_by_limit

    def search(self, bound: int) -> None:
        """Walk every schedule with at most `bound` preemptions, depth-first.

        The walk keeps its own stack (a generator per node) rather than recursing: a long
        program has thousands of decisions, more than Python's recursion allows.
        """
        stack = [self.node([], 0, bound, {})]
        while stack and not self.cut_by_limit:
            try:
                child = next(stack[-1])
            except StopIteration:
                stack.pop()
                continue
            stack.append(self.node(*child))

    def node(
        self, prefix: list[str], preemptions: int, bound: int, asleep: dict[str, _Step]
    ) -> Iterator[tuple[list[str], int, int, dict[str, _Step]]]:
        """Run up to the decision past `prefix`; yield the children to explore, one by one
        (each resumed once the child's whole subtree is done)."""
        if self.stop():
            return
        control = Controller(prefix, pause=True)
        trace = self.run(prefix, control)
        self.runs += 1
        if self.progress is not None:
            self.progress(self.runs, len(self.leaves))
        offered = control.ready_at_end_of_choices
        if trace.outcome.status != "paused" or not offered:
            self.leaf(prefix, preemptions, trace)
            return
        last = control.last_at_end_of_choices
        steps = [_Step(o["thread"], o["kind"], o["object"], o.get("later", False)) for o in offered]
        could_go_on = {s.thread for s in steps if not s.later}
        # The thread that ran last first: the no-preemption path is explored before the others.
        steps.sort(key=lambda s: (s.thread != last, s.thread))
        done: list[_Step] = []
        for step in steps:
            if self.reduce and step.thread in asleep:
                continue
            cost = preemptions + (last in could_go_on and step.thread != last)
            if cost > bound:
                self.cut_by_bound = True
                continue
            sleeping: dict[str, _Step] = {}
            if self.reduce:
                for other in [*asleep.values(), *done]:
                    if _independent(other, step):
                        sleeping[other.thread] = other
            yield [*prefix, step.thread], cost, bound, sleeping
            done.append(step)

    def leaf(self, schedule: list[str], preemptions: int, trace: Trace) -> None:
        assert trace.schedule is not None
        taken = tuple(trace.schedule["choices"])
        if taken in self.leaves:
            return  # seen at a lower preemption bound
        self.leaves.add(taken)
        status, final, output, cycle = _ending_of(trace)
        key = json.dumps([status, final, output], sort_keys=True, default=str)
        found = self.endings.get(key)
        if found is None:
            self.endings[key] = Ending(status, final, output, 1, list(taken), preemptions, cycle)
            return
        found.count += 1
        if (preemptions, len(taken)) < (found.preemptions, len(found.schedule)):
            found.schedule, found.preemptions = list(taken), preemptions


def explore(
    source: str,
    params: Mapping[str, object] | None = None,
    *,
    specs: Mapping[str, ParamSpec] | None = None,
    scenario: str | None = None,
    lang: str | None = None,
    filename: str | None = None,
    max_schedules: int = 2_000,
    max_runs: int = 20_000,
    preemptions: int = 2,
    max_seconds: float = 60.0,
    reduce: bool = True,
    any_import: bool = False,
    progress: Callable[[int, int], None] | None = None,
    runner: Callable[[Controller], Trace] | None = None,
) -> Exploration:
    """Explore the interleavings of `source` with at most `preemptions` preemptions.

    Bad input raises ScenarioError before anything runs (from the first run). A `runner`
    replaces how each controlled run is made (the site runs people's programs its own way);
    it gets the run's controller and returns its trace.
    """
    started = time.monotonic()

    def run(choices: Sequence[str], control: Controller) -> Trace:
        if runner is not None:
            return runner(control)
        return run_source(
            source,
            params,
            specs=specs,
            scenario=scenario,
            lang=lang,
            filename=filename,
            control=control,
            any_import=any_import,
            max_seconds=max(1.0, max_seconds),
        )

    search = _Search(
        run,
        max_schedules=max_schedules,
        max_runs=max_runs,
        max_seconds=max_seconds,
        reduce=reduce,
        progress=progress,
    )
    bound = 0
    while True:
        search.cut_by_bound = False
        search.search(bound)
        if search.cut_by_limit or not search.cut_by_bound or bound >= preemptions:
            break
        bound += 1
    if search.cut_by_limit:
        covered = "sampled"
    elif search.cut_by_bound:
        covered = "bounded"
    else:
        covered = "all"
    endings = sorted(
        search.endings.values(), key=lambda e: (e.status != "completed", -e.count, e.schedule)
    )
    return Exploration(
        explored=len(search.leaves),
        runs=search.runs,
        covered=covered,
        preemptions=bound,
        endings=endings,
        seconds=time.monotonic() - started,
    )
