"""Lock order: which lock each thread asked for while holding another, and the cycles in it.

Two locks taken in opposite orders by different threads can deadlock on some schedule even
when this run completed; a cycle through more locks (the dining philosophers) too. A cycle
whose edges all come from one thread cannot deadlock by itself and is not reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from .timeline import Timeline

__all__ = ["OrderEdge", "PotentialDeadlock", "lock_order"]

_MAX_CYCLE = 8  # longer cycles are possible but not worth the search on a classroom trace


@dataclass(frozen=True)
class OrderEdge:
    first: int
    second: int
    thread: int
    line: int
    index: int


@dataclass(frozen=True)
class PotentialDeadlock:
    locks: tuple[int, ...]  # the cycle, in order: locks[k] is held while asking for locks[k+1]
    edges: tuple[OrderEdge, ...]  # one witness per step of the cycle


def lock_order(timeline: Timeline) -> tuple[list[OrderEdge], list[PotentialDeadlock]]:
    edges = [OrderEdge(*edge) for edge in timeline.order_edges]
    # First witness per (first, second, thread): enough to explain, and keeps it small.
    witnesses: dict[tuple[int, int], dict[int, OrderEdge]] = {}
    for edge in edges:
        witnesses.setdefault((edge.first, edge.second), {}).setdefault(edge.thread, edge)
    graph: dict[int, list[int]] = {}
    for first, second in witnesses:
        graph.setdefault(first, []).append(second)
    found: list[PotentialDeadlock] = []
    for cycle in _simple_cycles(graph):
        chosen = _distinct_threads(cycle, witnesses)
        if chosen is not None:
            found.append(PotentialDeadlock(tuple(cycle), tuple(chosen)))
    return edges, found


def _simple_cycles(graph: dict[int, list[int]]) -> list[list[int]]:
    """Each simple cycle once, starting from its smallest lock."""
    cycles: list[list[int]] = []
    for start in sorted(graph):
        _walk(graph, start, [start], cycles)
    return cycles


def _walk(
    graph: dict[int, list[int]], start: int, path: list[int], cycles: list[list[int]]
) -> None:
    for nxt in sorted(graph.get(path[-1], [])):
        if nxt == start and len(path) > 1:
            cycles.append(list(path))
        elif nxt > start and nxt not in path and len(path) < _MAX_CYCLE:
            path.append(nxt)
            _walk(graph, start, path, cycles)
            path.pop()


def _distinct_threads(
    cycle: list[int], witnesses: dict[tuple[int, int], dict[int, OrderEdge]]
) -> list[OrderEdge] | None:
    """One witness per step, not all from the same thread (else None)."""
    steps = [witnesses[(a, cycle[(k + 1) % len(cycle)])] for k, a in enumerate(cycle)]
    chosen: list[OrderEdge] = []
    used: set[int] = set()
    for options in steps:
        fresh = [edge for thread, edge in sorted(options.items()) if thread not in used]
        edge = fresh[0] if fresh else next(iter(sorted(options.items())))[1]
        chosen.append(edge)
        used.add(edge.thread)
    return chosen if len({edge.thread for edge in chosen}) > 1 else None
