"""Explore the interleavings of a program: every different ending, each with its shortest
schedule.

Stateless model checking over controlled runs (`tracing/controller.py`), as CHESS and Loom do:
each schedule is one deterministic run of the whole program, and the search walks the tree of
the scheduler's decisions (steps where more than one thread could go on) depth-first. Every
run goes to its end: past the decisions it replays, the search itself picks who goes next, and
it reads back every step the run took.

- **Dynamic partial-order reduction** (source sets, Abdulla et al. 2014, with sleep sets): after
  each run, every *race* in it (two steps of different threads on the same object, not both
  reads, with nothing ordering them) is a place where the other order may end differently;
  the search then tries, at the decision before the first of the two, a thread that starts the
  other order. Orders of independent steps are not tried twice, and a run whose every possible
  step sleeps (its orders were explored from a sibling) stops there. The happens-before order
  comes from vector clocks over the run's steps: a thread's own order, each object's accesses,
  the start of a thread and the end of a thread that is joined.
- **Preemption bounding**, iterative (0, 1, 2 … preemptions, as CHESS): a preemption is a
  decision that takes another thread while the one that ran last could have gone on. Each
  bound is a whole reduced search, with the extra branch points of bounded POR (Coons et al.
  2013: a reversed race is also tried where the racing thread's run of steps began, which may
  cost one preemption fewer). Most bugs need very few; the search reports what it covered
  ("all with at most K preemptions").

Endings are grouped by what a student cares about: the status, the final values of the shared
variables, and what the main code printed. Each has its count (the schedules that reached it)
and its shortest witness: fewest preemptions, then fewest decisions, replayable in "You choose".
"""

from __future__ import annotations

import json
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .runner import ParamSpec, run_source
from .tracing import Trace
from .tracing.controller import Controller, Step

__all__ = ["Ending", "Exploration", "explore"]

# How a run ends when a limit, not the program, ended it.
_CUT_SHORT = frozenset({"timeout", "limit"})
# Steps that only look: independent of one another when both read the same object. A join
# that returns reads whether its thread has ended (the thread's end is a write of it).
_READS = frozenset({"read", "join_timed", "join_done", "join_timeout"})
# Taking a lock (or a semaphore's slot), at once, after waiting, or giving up on a timeout.
_ACQUIRES = frozenset({"acquire", "acquire_done", "acquire_timeout"})
# Steps that change only the thread that takes them: going to sleep, waking from a plain sleep
# (the clock moves, nothing else), starting a thread (the new one does nothing until it is
# chosen; what it does comes after the start), asking to join a thread that runs on, with no
# timeout (the asker waits; its join returns later, as a step that reads the end; with a
# timeout, when it asked decides how it ends: "join_timed"). See `Controller._log`.
_OWN = frozenset({"sleep", "sleep_timeout", "thread_start", "join"})


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


class _Taken(Protocol):
    """A step as the dependence relation reads it: an offered `_Step` or a logged `Step`."""

    @property
    def thread(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def obj(self) -> str | None: ...


def _independent(a: _Taken, b: _Taken) -> bool:
    """Whether two threads' steps commute (same end state whichever goes first)."""
    if a.thread == b.thread:
        return False
    if a.kind in _OWN or b.kind in _OWN:
        return True  # it changes only the thread that takes it (or one no one else reaches)
    if a.obj is None or b.obj is None:
        return False  # anything else without an object: assume they do not
    if a.obj != b.obj:
        return True
    return a.kind in _READS and b.kind in _READS


def _wake(sleep: dict[str, _Step], taken: _Taken) -> None:
    """Wake the sleepers whose step does not commute with the step just taken."""
    for name, asleep in list(sleep.items()):
        if not _independent(asleep, taken):
            del sleep[name]


def _ending_of(trace: Trace) -> tuple[str, dict[str, Any], list[str], list[str]]:
    final: dict[str, Any] = {}
    variables = {o.id: o.label for o in trace.objects if o.kind == "Variable"}
    for event in trace.events:
        if event.obj in variables and event.kind in ("read", "write"):
            final[variables[event.obj]] = event.arg
    output = [str(e.arg) for e in trace.events if e.kind == "print" and e.thread == 0]
    cycle = sorted(trace.threads[s["thread"]].name for s in trace.outcome.cycle or [])
    return trace.outcome.status, dict(sorted(final.items())), output, cycle


@dataclass
class _Node:
    """A decision of the current run, and what the search still owes it."""

    enabled: dict[str, _Step]  # who could go on there, and with what step
    last: str | None  # the thread that took the step before it
    preemptions: int  # taken before it, on the way from the start
    sleep: dict[str, _Step]  # threads whose step here leads only to orders already explored
    chosen: str = ""  # who goes on in the current run
    done: set[str] = field(default_factory=set)
    backtrack: set[str] = field(default_factory=set)

    def cost(self, thread: str) -> int:
        """Preemptions on the way to this decision's child through `thread`."""
        last = self.enabled.get(self.last) if self.last is not None else None
        preempts = last is not None and not last.later and thread != self.last
        return self.preemptions + preempts


class _HappensBefore:
    """Vector clocks over one run's steps: which step must come before which.

    A step follows its thread's earlier steps, the step it was started or unblocked by
    (`Step.after`) and every earlier step on the same object that it does not commute with
    (two reads commute). A step that touches no known object and is not a thread's own
    business is taken to depend on everything before it.
    """

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = steps
        threads = sorted({s.thread for s in steps})
        self.index = {name: i for i, name in enumerate(threads)}
        width = len(threads)
        self.clocks: list[list[int]] = []
        self.accesses: dict[str, list[int]] = {}  # an object's steps, in order
        self.wild: list[int] = []  # the steps that depend on everything
        # Per step, the clock its thread had just before it (with what it waited for).
        self.before: list[list[int]] = []
        mine: dict[str, list[int]] = {}
        writes: dict[str, list[int]] = {}  # an object's last non-read, its clock
        reads: dict[str, list[int]] = {}  # the reads since, joined
        everything = [0] * width  # every step so far, joined
        wild = [0] * width  # the last step that depends on everything
        for i, step in enumerate(steps):
            clock = list(mine.get(step.thread, [0] * width))
            if step.after >= 0:
                _join(clock, self.clocks[step.after])
            self.before.append(list(clock))
            _join(clock, wild)
            if step.kind in _OWN:
                pass
            elif step.obj is None:
                _join(clock, everything)
            elif step.kind in _READS:
                _join(clock, writes.get(step.obj, ()))
            else:
                _join(clock, writes.get(step.obj, ()))
                _join(clock, reads.get(step.obj, ()))
            clock[self.index[step.thread]] = i + 1
            self.clocks.append(clock)
            mine[step.thread] = clock
            _join(everything, clock)
            if step.kind in _OWN:
                continue
            if step.obj is None:
                wild = clock
                self.wild.append(i)
                continue
            self.accesses.setdefault(step.obj, []).append(i)
            if step.kind in _READS:
                reads[step.obj] = _joined(reads.get(step.obj, ()), clock)
            else:
                writes[step.obj] = clock
                reads[step.obj] = []

    def precedes(self, a: int, b: int) -> bool:
        """Whether step a happens before step b (a < b)."""
        return self.clocks[b][self.index[self.steps[a].thread]] >= a + 1

    def races(self) -> Iterator[tuple[int, int]]:
        """Pairs (j, i), j < i: dependent steps of two threads that nothing else orders, so
        the run could have taken them the other way round (the immediate races only: none
        through a third step that comes between them in happens-before).

        A lock's release never races: the acquisition it allowed could not have come first.
        Two acquisitions of one lock race when nothing but the lock orders them (the
        earlier holder's release is what let the later one in): the other thread could
        have taken it first.
        """
        for i, step in enumerate(self.steps):
            if step.kind == "release":
                continue
            before = self.before[i]
            if step.kind in _ACQUIRES and step.obj is not None:
                on = self.accesses[step.obj]
                for j in reversed(on[: bisect_left(on, i)]):
                    other = self.steps[j]
                    if other.thread != step.thread and other.kind in _ACQUIRES:
                        if before[self.index[other.thread]] < j + 1:
                            yield j, i
                        break
                continue
            if step.kind in _OWN:
                continue
            if step.obj is None:
                earlier: Iterable[int] = range(i - 1, -1, -1)
            else:
                on = self.accesses[step.obj]
                wild = self.wild[: bisect_left(self.wild, i)]
                mine = on[: bisect_left(on, i)]
                earlier = sorted([*mine, *wild], reverse=True) if wild else reversed(mine)
            found: list[int] = []
            for j in earlier:
                other = self.steps[j]
                if other.thread == step.thread or _independent(other, step):
                    continue
                if before[self.index[other.thread]] >= j + 1:
                    if other.kind not in _READS:
                        break  # ordered already, and so is everything on it before
                    continue
                if any(self.precedes(j, k) for k in found):
                    continue
                found.append(j)
                yield j, i
                if other.kind not in _READS:
                    break

    def initials(self, j: int, i: int) -> set[str]:
        """The threads that can start the reversed order of race (j, i): the steps after j
        that do not follow from it, then i; the threads whose first step there follows
        nothing else there."""
        chosen = [k for k in range(j + 1, i) if not self.precedes(j, k)] + [i]
        first: dict[str, int] = {}
        for k in chosen:
            first.setdefault(self.steps[k].thread, k)
        return {
            thread
            for thread, k in first.items()
            if not any(
                self.clocks[k][self.index[other]] >= start + 1
                for other, start in first.items()
                if other != thread and start < k
            )
        }


def _join(clock: list[int], other: Sequence[int]) -> None:
    for n, value in enumerate(other):
        if value > clock[n]:
            clock[n] = value


def _joined(a: Sequence[int], b: Sequence[int]) -> list[int]:
    result = list(b)
    _join(result, a)
    return result


def _steps(offered: list[dict[str, Any]]) -> dict[str, _Step]:
    return {
        o["thread"]: _Step(o["thread"], o["kind"], o["object"], o.get("later", False))
        for o in offered
    }


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
        # Whether a run was itself cut by a limit (its time or its events): what it would have
        # done past that point was never explored, so the search cannot claim every order.
        self.run_cut = False
        # Whether a run had a wait that time decides (a timeout): the reduction's notion of
        # which orders are equivalent does not hold there, so every order is tried.
        self.timed = False

    def stop(self) -> bool:
        if (
            len(self.leaves) >= self.max_schedules
            or self.runs >= self.max_runs
            or time.monotonic() > self.deadline
        ):
            self.cut_by_limit = True
        return self.cut_by_limit

    def search(self, bound: int | None) -> None:
        """Walk every schedule with at most `bound` preemptions (None: any number), up to
        the reduction: one run per schedule, depth-first over the decisions."""
        stack: list[_Node] = []
        prefix: list[str] = []
        asleep: dict[str, _Step] = {}
        while not self.stop():
            self.execute(stack, prefix, asleep, bound)
            thread = self.next_branch(stack, bound)
            if thread is None:
                return
            node = stack[-1]
            explored = [node.enabled[t] for t in node.done]
            node.done.add(thread)
            node.chosen = thread
            prefix = [n.chosen for n in stack]
            step = node.enabled[thread]
            asleep = {
                s.thread: s
                for s in [*node.sleep.values(), *explored]
                if self.reduce and not self.timed and _independent(s, step)
            }

    def next_branch(self, stack: list[_Node], bound: int | None) -> str | None:
        """Pop to the deepest decision that still owes a branch within the bound; its thread."""
        while stack:
            node = stack[-1]
            todo = sorted(
                (node.cost(t), t != node.last, t)
                for t in node.backtrack - node.done
                if t not in node.sleep and t in node.enabled
            )
            within = [t for cost, _, t in todo if bound is None or cost <= bound]
            if len(within) < len(todo):
                self.cut_by_bound = True
            if within:
                return within[0]
            stack.pop()
        return None

    def execute(
        self, stack: list[_Node], prefix: list[str], asleep: dict[str, _Step], bound: int | None
    ) -> None:
        """One run: replay `prefix`, then go on as the search sees fit; grow the stack with
        the new decisions and add the branches its races call for."""
        seen = [0]  # the steps taken so far that the sleep set has been updated with
        sleep = dict(asleep)
        preemptions = [stack[-1].cost(stack[-1].chosen) if stack else 0]

        def choose(offered: list[dict[str, Any]], control: Controller) -> str | None:
            for step in control.steps_taken[seen[0] :]:  # the steps since the last decision
                _wake(sleep, step)
            seen[0] = len(control.steps_taken)
            enabled = _steps(offered)
            last = control.lasts[-1]
            node = _Node(enabled, last, preemptions[0], dict(sleep))
            if self.timed:
                sleep.clear()
            awake = [s for s in enabled.values() if s.thread not in sleep]
            if not awake:
                return None  # every order from here was explored from a sibling
            # No preemption when the last thread can go on, then no time passing.
            awake.sort(key=lambda s: (s.later, s.thread != last, s.thread))
            pick = awake[0].thread
            node.chosen = pick
            node.done.add(pick)
            node.backtrack = set(enabled) if not self.reduce or self.timed else {pick}
            preemptions[0] = node.cost(pick)
            stack.append(node)
            _wake(sleep, enabled[pick])
            return pick

        control = Controller(prefix, chooser=choose)
        trace = self.run(prefix, control)
        self.runs += 1
        if self.progress is not None:
            self.progress(self.runs, len(self.leaves))
        if trace.outcome.status != "paused":
            self.leaf(control.preemptions, trace)
        if self.reduce and control.timed_waits and not self.timed:
            self.timed = True
            for node in stack:
                node.backtrack |= set(node.enabled)
                node.sleep.clear()
        if not self.reduce or self.timed:
            return
        order = _HappensBefore(control.steps_taken)
        for j, i in order.races():
            at = control.steps_taken[j].decision
            if at < 0 or at >= len(stack):
                continue  # the only thread that could go on there, or past where it stopped
            starts = order.initials(j, i)
            self.branch(stack[at], starts, control.steps_taken[i].thread)
            if bound is not None:
                # Bounded POR: also where the racing thread's run of steps began, where
                # switching may cost one preemption fewer.
                k = j
                while k > 0 and control.steps_taken[k - 1].thread == control.steps_taken[j].thread:
                    k -= 1
                begun = control.steps_taken[k].decision
                if k != j and 0 <= begun < len(stack):
                    self.branch(stack[begun], starts, control.steps_taken[i].thread)

    @staticmethod
    def branch(node: _Node, starts: set[str], racer: str) -> None:
        """Make sure the search tries, at `node`, a thread that starts the other order."""
        if starts & (node.backtrack | set(node.sleep)):
            return
        possible = starts & set(node.enabled)
        if racer in possible:
            node.backtrack.add(racer)
        elif possible:
            node.backtrack.add(min(possible))
        # Else none of them could go on there: the first step of the reversed order was
        # made possible by the racing step itself (a put lets a waiting get go), so that
        # order cannot happen.

    def leaf(self, preemptions: int, trace: Trace) -> None:
        assert trace.schedule is not None
        taken = tuple(trace.schedule["choices"])
        if trace.outcome.status in _CUT_SHORT:
            self.run_cut = True
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
    preemptions: int | None = 2,
    max_seconds: float = 60.0,
    reduce: bool = True,
    any_import: bool = False,
    progress: Callable[[int, int], None] | None = None,
    runner: Callable[[Controller], Trace] | None = None,
) -> Exploration:
    """Explore the interleavings of `source` with at most `preemptions` preemptions (None:
    raise the bound until nothing is left out, or a limit stops the search).

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
        if search.cut_by_limit or not search.cut_by_bound:
            break
        if preemptions is not None and bound >= preemptions:
            break
        bound += 1
    if search.cut_by_limit or search.run_cut:
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
