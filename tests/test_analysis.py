"""The analysis: exact answers on small hand-built traces, and invariants on recorded runs."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from app.analysis import Analysis, analyse
from app.analysis.catalog import CATALOG
from app.analysis.document import rows
from app.analysis.narration import render
from app.runner import run_source
from app.scenarios import get_scenario, load_scenarios
from app.tracing import Trace
from app.tracing.trace import Event, ObjectInfo, Outcome, ThreadInfo

pytestmark = pytest.mark.timeout(120)

MS = 1_000_000


def build(
    steps: list[tuple[float, int, str, int, Any]],
    objects: tuple[tuple[str, str], ...] = (("Lock", "lock_1"),),
    threads: tuple[str, ...] = ("MainThread", "T1", "T2"),
    outcome: Outcome | None = None,
) -> Trace:
    """A trace from (time in ms, thread, kind, object, arg) steps; each thread starts and ends
    around them, so the steps read like the program did them."""
    events = [Event(int(t * MS), thread, kind, obj, 1, arg) for t, thread, kind, obj, arg in steps]
    return Trace(
        source="pass\n",
        outcome=outcome or Outcome("completed", "The program completed."),
        threads=[
            ThreadInfo(k, name, False, None if k == 0 else 0, "main" if k == 0 else "thread")
            for k, name in enumerate(threads)
        ],
        objects=[ObjectInfo(k + 1, kind, label, 1) for k, (kind, label) in enumerate(objects)],
        events=events,
    )


def contended_lock() -> Trace:
    return build(
        [
            (0, 1, "thread_run", 0, None),
            (0.5, 2, "thread_run", 0, None),
            (1, 1, "acquire", 1, None),
            (2, 2, "acquire_request", 1, None),
            (5, 1, "release", 1, None),
            (6, 2, "acquire_granted", 1, None),
            (7, 2, "release", 1, None),
            (8, 1, "thread_end", 0, None),
            (9, 2, "thread_end", 0, None),
        ]
    )


def links(data: dict[str, Any]) -> list[tuple[str, int, int, int]]:
    kinds = data["tables"]["link"]
    return [
        (kinds[r["kind"]], r["to"] - r["back"], r["to"], r["object"]) for r in rows(data["links"])
    ]


def intervals_of(analysis: Analysis, thread: int) -> list[tuple[Any, ...]]:
    return [
        (iv.state, iv.start, iv.end, iv.obj, iv.holder)
        for iv in analysis.intervals
        if iv.thread == thread
    ]


def test_a_blocked_thread_waits_for_the_lock_held_by_the_other() -> None:
    analysis = analyse(contended_lock())
    assert intervals_of(analysis, 2) == [
        ("running", 1, 3, None, None),
        ("blocked", 3, 5, 1, 1),
        ("running", 5, 8, None, None),
        ("finished", 8, None, None, None),
    ]
    assert intervals_of(analysis, 1)[0] == ("running", 0, 7, None, None)
    data = analysis.to_json("en")
    assert data["locks"] == [{"object": 1, "max_waiters": 1}]
    assert rows(data["holds"]) == [
        {"object": 1, "thread": 1, "from": 2, "length": 2},
        {"object": 1, "thread": 2, "from": 5, "length": 1},
    ]
    assert links(data) == [("handoff", 4, 5, 1)]
    stats = data["stats"]
    assert stats["locks"] == [
        {"object": 1, "acquisitions": 2, "contended": 1, "blocked_ns": 4 * MS}
    ]
    t2 = next(row for row in stats["threads"] if row["thread"] == 2)
    assert t2["blocked_ns"] == 4 * MS and t2["running_ns"] == 1.5 * MS + 3 * MS
    expected = {"thread": 2, "object": 1, "ns": 4 * MS, "from": 3, "to": 5, "cut": False}
    assert stats["longest_wait"] == expected


def test_narration_says_who_waits_for_whom_in_both_languages() -> None:
    analysis = analyse(contended_lock())
    en = dict(render(analysis.to_json("en")["narration"], analysis.trace))
    es = dict(render(analysis.to_json("es")["narration"], analysis.trace))
    assert en[3] == "T2 waits for `lock_1`, held by T1."
    assert es[3] == "T2 espera `lock_1`, que tiene T1."
    assert en[5] == "T2 gets `lock_1` after waiting 4.0 ms."
    assert es[5] == "T2 consigue `lock_1` tras esperar 4,0 ms."
    assert en[2] == "T1 takes `lock_1`." and es[4] == "T1 suelta `lock_1`."
    assert 0 not in en  # the first step of a thread is not news
    assert set(en) == set(es)


def test_every_language_has_every_sentence() -> None:
    assert set(CATALOG["es"]) == set(CATALOG["en"])
    with pytest.raises(ValueError, match="unknown language"):
        analyse(contended_lock()).to_json("fr")


def lock_pairs(first: tuple[int, int], second: tuple[int, int]) -> Trace:
    """T1 takes first[0] then first[1]; later T2 takes second[0] then second[1]."""
    steps: list[tuple[float, int, str, int, Any]] = []
    t = 0.0
    for thread, (a, b) in ((1, first), (2, second)):
        for kind, obj in (("acquire", a), ("acquire", b), ("release", b), ("release", a)):
            t += 1
            steps.append((t, thread, kind, obj, None))
    return build(steps, objects=(("Lock", "a"), ("Lock", "b"), ("RLock", "r")))


def test_locks_taken_in_opposite_orders_are_a_potential_deadlock_even_in_a_completed_run() -> None:
    data = analyse(lock_pairs((1, 2), (2, 1))).to_json("en")["lock_order"]
    assert [(e["first"], e["second"], e["thread"]) for e in data["edges"]] == [(1, 2, 1), (2, 1, 2)]
    [found] = data["potential_deadlocks"]
    assert found["locks"] == [1, 2] and found["threads"] == [1, 2]
    assert found["text"].startswith("`a` and `b` are taken in opposite orders")
    assert "T1 holds `a` and asks for `b`" in found["text"]
    assert "even if not this time" in found["text"]  # the run completed
    es = analyse(lock_pairs((1, 2), (2, 1))).to_json("es")["lock_order"]
    assert es["potential_deadlocks"][0]["text"].startswith("`a` y `b` se toman en órdenes opuestos")


@pytest.mark.parametrize(
    ("first", "second"),
    [((1, 2), (1, 2)), ((3, 3), (3, 3))],
    ids=["same-order", "rlock-reentry"],
)
def test_a_consistent_order_or_a_reentrant_lock_is_no_potential_deadlock(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    data = analyse(lock_pairs(first, second)).to_json("en")["lock_order"]
    assert data["potential_deadlocks"] == []
    if first == (3, 3):
        assert data["edges"] == []


def test_opposite_orders_in_one_thread_alone_cannot_deadlock() -> None:
    steps: list[tuple[float, int, str, int, Any]] = []
    for n, (a, b) in enumerate(((1, 2), (2, 1))):
        for k, (kind, obj) in enumerate((("acquire", a), ("acquire", b), ("release", b))):
            steps.append((n * 10 + k, 1, kind, obj, None))
        steps.append((n * 10 + 5, 1, "release", a, None))
    trace = build(steps, objects=(("Lock", "a"), ("Lock", "b")))
    assert analyse(trace).to_json("en")["lock_order"]["potential_deadlocks"] == []


@pytest.mark.parametrize(
    ("kind", "taken"),
    [("Queue", ["x", "y", "z"]), ("LifoQueue", ["z", "y", "x"]), ("PriorityQueue", [1, 2, 3])],
)
def test_each_get_is_linked_to_the_put_of_that_item(kind: str, taken: list[Any]) -> None:
    values = ["x", "y", "z"] if kind != "PriorityQueue" else [2, 3, 1]
    steps: list[tuple[float, int, str, int, Any]] = [
        (k, 1, "put", 1, value) for k, value in enumerate(values)
    ]
    steps += [(10 + k, 2, "get", 1, value) for k, value in enumerate(taken)]
    data = analyse(build(steps, objects=((kind, "q"),))).to_json("en")
    put_at = {value: k for k, value in enumerate(values)}
    [queue] = data["queues"]
    taken_at = {item["put"]: item["put"] + item["wait"] for item in rows(queue["items"])}
    assert sorted((put, got) for put, got in taken_at.items()) == sorted(
        (put_at[value], 3 + k) for k, value in enumerate(taken)
    )
    sizes = rows({"at": queue["sizes"]["at"], "n": queue["sizes"]["n"]})
    expected = [(0, 0), (0, 1), (1, 2), (2, 3), (3, 2), (4, 1), (5, 0)]
    assert [(r["at"], r["n"]) for r in sizes] == expected
    assert queue["max_size"] == 3 and links(data) == []  # item links come from `items`


def test_set_wakes_the_waiters_and_the_flag_follows() -> None:
    trace = build(
        [
            (0, 1, "wait_request", 1, None),
            (1, 2, "wait_request", 1, None),
            (2, 0, "set", 1, None),
            (3, 1, "wait_return", 1, True),
            (4, 2, "wait_return", 1, True),
            (5, 0, "clear", 1, None),
        ],
        objects=(("Event", "esperar"),),
    )
    data = analyse(trace).to_json("es")
    assert links(data) == [("wake", 2, 3, 1), ("wake", 2, 4, 1)]
    assert data["flags"] == [{"object": 1, "at": [0, 2, 5], "on": [False, True, False]}]
    said = dict(render(data["narration"], trace))
    assert said[0] == "T1 espera la señal `esperar`."
    assert said[2] == "MainThread activa `esperar`: quien la espera despierta."


def test_a_thread_end_is_linked_to_the_join_it_released() -> None:
    trace = build(
        [
            (0, 0, "join_request", 0, [1, None]),
            (3, 1, "thread_end", 0, None),
            (4, 0, "join_return", 0, [1, False]),
            (5, 0, "join_request", 0, [2, 0.5]),
            (6, 0, "join_return", 0, [2, True]),
        ],
        objects=(),
    )
    analysis = analyse(trace)
    data = analysis.to_json("en")
    assert links(data) == [("join", 1, 2, 0)]
    assert intervals_of(analysis, 0)[0][:3] == ("waiting", 0, 2)
    said = dict(render(data["narration"], trace))
    assert said[3] == "MainThread waits for T2 to finish, at most 0.5 s."
    assert said[4] == "MainThread stops waiting, but T2 is still alive."


# -- recorded runs ---------------------------------------------------------------------------


@cache
def recorded(scenario_id: str, lang: str = "en") -> Trace:
    scenario = get_scenario(scenario_id)
    return run_source(scenario.source(lang), specs=scenario.params, scenario=scenario_id)


def test_the_deadlock_cycle_is_placed_on_the_requests_that_close_it() -> None:
    trace = recorded("deadlock")
    data = analyse(trace).to_json("en")
    ending = data["deadlock"]
    assert ending is not None and data["stall"] is None
    assert trace.events[ending["index"]].kind == "deadlock"
    assert len(ending["cycle"]) == 2
    for step in ending["cycle"]:
        request = trace.events[step["request"]]
        assert request.kind == "acquire_request"
        assert request.thread == step["thread"] and request.obj == step["object"]
    sentence = dict(render(data["narration"], trace))[ending["index"]]
    assert sentence.startswith("Deadlock: ") and sentence.count("held by") == 2
    states = data["tables"]["state"]
    marks = data["tables"]["mark"]
    stopped = {m["thread"] for m in rows(data["marks"]) if marks[m["kind"]] == "stopped"}
    for step in ending["cycle"]:  # blocked right up to the end: stopped by Hilos, not finished
        own = [iv for iv in rows(data["intervals"]) if iv["thread"] == step["thread"]]
        assert states[own[-1]["state"]] == "blocked" and own[-1]["from"] <= step["request"]
        assert step["thread"] in stopped
    longest = data["stats"]["longest_wait"]
    assert longest["cut"] is True  # an endless wait, measured only until the run was stopped
    assert analyse(recorded("lock")).to_json("en")["stats"]["longest_wait"]["cut"] is False
    # Not "could deadlock, even if not this time": this run did, on these very locks.
    [found] = data["lock_order"]["potential_deadlocks"]
    assert "which is how this run deadlocked" in found["text"]
    assert "even if not this time" not in found["text"]
    es = analyse(recorded("deadlock", "es")).to_json("es")["lock_order"]["potential_deadlocks"]
    assert "y así se trabó esta ejecución" in es[0]["text"]


def test_the_stall_set_names_what_each_thread_waits_in() -> None:
    trace = recorded("forgotten-task-done")
    data = analyse(trace).to_json("en")
    stall = data["stall"]
    assert stall is not None and data["deadlock"] is None
    kinds = {trace.events[step["request"]].kind for step in stall["waiting"]}
    assert kinds == {"queue_join_request", "get_request"}
    sentence = dict(render(data["narration"], trace))[stall["index"]]
    assert "join() of `tasks`" in sentence and "get() of `tasks`" in sentence


def test_the_ordered_philosophers_complete_and_the_unordered_ones_show_the_ring() -> None:
    scenario = get_scenario("dining-philosophers")
    ordered = run_source(scenario.source("en"), {"ORDERED": True}, specs=scenario.params)
    assert analyse(ordered).to_json("en")["lock_order"]["potential_deadlocks"] == []
    ring = analyse(recorded("dining-philosophers")).to_json("en")
    [found] = ring["lock_order"]["potential_deadlocks"]
    assert len(found["locks"]) == 5 and len(set(found["threads"])) == 5


@pytest.mark.parametrize("scenario_id", list(load_scenarios()))
def test_invariants_on_every_scenario(scenario_id: str) -> None:
    trace = recorded(scenario_id)
    analysis = analyse(trace)
    data = analysis.to_json("en")
    tables = data["tables"]
    assert data["format"] == 3
    for link in rows(data["links"]):
        assert 0 < link["back"], link
    # The columns decode to the very intervals of the analysis: a thread's intervals follow
    # one another, so each one ends where the next one starts (the last one open).
    decoded = rows(data["intervals"])
    assert [(r["thread"], r["from"], tables["state"][r["state"]]) for r in decoded] == [
        (iv.thread, iv.start, iv.state) for iv in analysis.intervals
    ]
    for thread in trace.threads:
        own = [iv for iv in analysis.intervals if iv.thread == thread.id]
        for before, after in zip(own, own[1:], strict=False):
            assert before.end == after.start and before.t_end == after.t_start
        assert not own or own[-1].end is None
    # A thread blocked on a lock waits for a thread that holds it then.
    holds = rows(data["holds"])
    for iv in analysis.intervals:
        if iv.state == "blocked" and iv.holder is not None and iv.holder != iv.thread:
            assert any(
                h["object"] == iv.obj
                and h["thread"] == iv.holder
                and h["from"] < iv.start
                and (h["length"] < 0 or h["from"] + h["length"] > iv.start)
                for h in holds
            ), iv
    english = render(data["narration"], trace)
    spanish = render(analysis.to_json("es")["narration"], trace)
    assert [i for i, _ in spanish] == [i for i, _ in english]
    assert all(text and "{" not in text for _, text in spanish + english)
    # No sentence object per event: a template per key, values only where one is needed.
    narration = data["narration"]
    assert len(narration["templates"]) == len(narration["keys"]) <= len(CATALOG["en"]) + 1
