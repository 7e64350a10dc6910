"""Shared variables: values over time, lost updates and data races, on hand-made traces."""

from __future__ import annotations

from typing import Any

import pytest

from app.analysis import analyse
from app.analysis.catalog import CATALOG
from app.tracing import Trace
from app.tracing.trace import Event, ObjectInfo, Outcome, ThreadInfo

from .helpers import told

Step = tuple[int, str, int, Any, int]  # thread, kind, object, arg, line

COUNTER = (("Variable", "counter"),)
NEW_KEYS = {"read", "write", "write.lost", "race", "race.lost", "race.read"}


def build(
    steps: list[Step],
    objects: tuple[tuple[str, str], ...] = COUNTER,
    threads: tuple[str, ...] = ("MainThread", "T1", "T2", "T3"),
    info: dict[str, dict[str, Any]] | None = None,
) -> Trace:
    """A trace from (thread, kind, object, arg, line) steps, one millisecond apart; objects are
    numbered from 1 in the order given, `info` is keyed by label."""
    info = info or {}
    return Trace(
        source="pass\n",
        outcome=Outcome("completed", "The program completed."),
        threads=[
            ThreadInfo(k, name, False, None if k == 0 else 0, "main" if k == 0 else "thread")
            for k, name in enumerate(threads)
        ],
        objects=[
            ObjectInfo(k + 1, kind, label, 1, dict(info.get(label, {})))
            for k, (kind, label) in enumerate(objects)
        ],
        events=[
            Event(n * 1_000_000, thread, kind, obj, line, arg)
            for n, (thread, kind, obj, arg, line) in enumerate(steps)
        ],
    )


def increment(thread: int, read: int, line: int = 10, var: int = 1) -> list[Step]:
    """`counter += 1`: a read, then the write of one more."""
    return [(thread, "read", var, read, line), (thread, "write", var, read + 1, line)]


def locked(thread: int, body: list[Step], lock: int = 2) -> list[Step]:
    return [(thread, "acquire", lock, None, 9), *body, (thread, "release", lock, None, 11)]


def shared_json(trace: Trace, lang: str = "en") -> dict[str, Any]:
    data = analyse(trace).to_json(lang)
    shared = {key: data[key] for key in ("variables", "lost_updates", "races")}
    return shared | {"narration": told(data, trace)}


def said(data: dict[str, Any]) -> dict[int, str]:
    return {s["index"]: s["text"] for s in data["narration"]}


# -- values and accesses ---------------------------------------------------------------------


def test_a_variable_has_its_value_after_each_write_and_every_access() -> None:
    trace = build([*increment(1, 5, line=21), (2, "read", 1, 6, 30), (2, "write", 1, 0, 31)])
    [var] = shared_json(trace)["variables"]
    assert var == {
        "id": 1,
        "label": "counter",
        # The first access is a read: the value it found is the initial one.
        "values": [[0, 5], [1, 6], [3, 0]],
        "accesses": [
            [0, 1, "r", 5, 21],
            [1, 1, "w", 6, 21],
            [2, 2, "r", 6, 30],
            [3, 2, "w", 0, 31],
        ],
    }


def test_a_variable_written_first_starts_with_that_write() -> None:
    trace = build([(1, "write", 1, "a", 3), (2, "read", 1, "a", 4)])
    assert shared_json(trace)["variables"][0]["values"] == [[0, "a"]]


def test_reads_and_writes_are_told_plainly_in_both_languages() -> None:
    trace = build([(1, "read", 1, 3, 1), (1, "write", 1, 4, 1)])
    assert said(shared_json(trace, "en")) == {
        0: "T1 reads `counter`: 3.",
        1: "T1 writes 4 to `counter`.",
    }
    assert said(shared_json(trace, "es")) == {
        0: "T1 lee `counter`: 3.",
        1: "T1 escribe 4 en `counter`.",
    }


# -- lost updates ----------------------------------------------------------------------------


def classic() -> Trace:
    """Both threads read 0, T1 writes 1 (line 21), T2 writes 1 over it (line 22)."""
    return build(
        [
            (1, "read", 1, 0, 20),
            (2, "read", 1, 0, 20),
            (1, "write", 1, 1, 21),
            (2, "write", 1, 1, 22),
        ]
    )


def test_two_threads_reading_0_and_both_writing_1_lose_an_update() -> None:
    data = shared_json(classic())
    [lost] = data["lost_updates"]
    text = "T2 writes 1 to `counter` over the 1 T1 wrote at line 21, without having read it: "
    text += "T1's update is lost."
    assert lost == {
        "variable": 1,
        "read": 1,
        "overwritten": 2,
        "write": 3,
        "thread": 2,
        "other": 1,
        "value": 1,
        "text": text,
    }
    assert said(data)[3] == text  # told at the write that lost it
    assert said(data)[2] == "T1 writes 1 to `counter`."  # the lost write itself is ordinary
    es = shared_json(classic(), "es")
    expected = "T2 escribe 1 en `counter` sobre el 1 que T1 escribió en la línea 21, sin "
    expected += "haberlo leído: la actualización de T1 se pierde."
    assert es["lost_updates"][0]["text"] == expected and said(es)[3] == expected


def test_reads_and_writes_that_alternate_lose_nothing() -> None:
    trace = build([*increment(1, 0), *increment(2, 1), *increment(1, 2), *increment(2, 3)])
    assert shared_json(trace)["lost_updates"] == []


def test_a_thread_that_reads_again_before_writing_loses_nothing() -> None:
    trace = build(
        [
            (1, "read", 1, 0, 20),
            (2, "read", 1, 0, 20),
            (1, "write", 1, 1, 21),
            (2, "read", 1, 1, 20),  # T2 sees T1's write before writing
            (2, "write", 1, 2, 22),
        ]
    )
    assert shared_json(trace)["lost_updates"] == []


def test_a_write_someone_read_before_it_was_overwritten_is_not_lost() -> None:
    trace = build(
        [
            (1, "read", 1, 0, 20),
            (2, "read", 1, 0, 20),
            (1, "write", 1, 1, 21),
            (3, "read", 1, 1, 40),  # a third thread saw T1's 1
            (2, "write", 1, 1, 22),
        ]
    )
    assert shared_json(trace)["lost_updates"] == []


def test_a_write_its_own_thread_read_back_is_still_lost() -> None:
    # `counter = seen + 1; print(counter)`: T1 reads its own 1, then T2 writes over it.
    trace = build(
        [
            (1, "read", 1, 0, 20),
            (2, "read", 1, 0, 20),
            (1, "write", 1, 1, 21),
            (1, "read", 1, 1, 22),
            (2, "write", 1, 1, 21),
        ]
    )
    [lost] = shared_json(trace)["lost_updates"]
    assert (lost["read"], lost["overwritten"], lost["write"]) == (1, 2, 4)


def test_a_stale_read_that_found_the_current_value_loses_nothing() -> None:
    # One round of `seen = counter; sleep; counter = seen + 1` in T1 and T2, then T1 goes on
    # from its own 1: T2's 1 is the same value, so T1's 2 is what it would be anyway.
    trace = build(
        [
            (1, "read", 1, 0, 18),
            (2, "read", 1, 0, 18),
            (1, "write", 1, 1, 21),
            (1, "read", 1, 1, 18),  # T1's next round starts from its own 1
            (2, "write", 1, 1, 21),  # lost: T1's 1 (T2 read 0)
            (2, "read", 1, 1, 18),
            (1, "write", 1, 2, 21),  # not lost: T1 read 1, and 1 is what T2 wrote
            (2, "write", 1, 2, 21),  # lost: T1's 2 (T2 read 1)
        ]
    )
    lost = shared_json(trace)["lost_updates"]
    assert [(found["write"], found["other"]) for found in lost] == [(4, 1), (7, 1)]
    # Four increments that end at 2: two lost, as the program's result says.
    assert shared_json(trace)["variables"][0]["values"][-1] == [7, 2]


def test_a_stale_read_of_an_equal_value_of_another_type_is_still_stale() -> None:
    trace = build([(1, "read", 1, True, 1), (2, "write", 1, 1, 2), (1, "write", 1, 2, 3)])
    assert len(shared_json(trace)["lost_updates"]) == 1


def test_a_write_with_no_read_before_it_overwrites_but_loses_no_update() -> None:
    # `counter = 5` computes nothing from the variable: there is no stale read.
    trace = build([(1, "read", 1, 0, 20), (1, "write", 1, 1, 21), (2, "write", 1, 5, 30)])
    assert shared_json(trace)["lost_updates"] == []


def test_a_thread_overwriting_its_own_write_loses_nothing_more() -> None:
    trace = build(
        [
            (1, "read", 1, 0, 20),
            (2, "read", 1, 0, 20),
            (1, "write", 1, 1, 21),
            (2, "write", 1, 1, 22),  # lost: T1's 1
            (2, "write", 1, 2, 23),  # over T2's own write
        ]
    )
    assert [lost["write"] for lost in shared_json(trace)["lost_updates"]] == [3]


def withdrawals(t2_rereads: bool) -> Trace:
    """`if balance >= 50: balance -= 50` in two threads: a check read, a read, a write."""
    check, take = 5, 6
    if t2_rereads:  # T2 checks before T1 writes, but reads again after it
        steps = [
            (1, "read", 1, 100, check),
            (2, "read", 1, 100, check),
            (1, "read", 1, 100, take),
            (1, "write", 1, 50, take),
            (2, "read", 1, 50, take),
            (2, "write", 1, 0, take),
        ]
    else:  # both read 100 twice, then both write 50
        steps = [
            (1, "read", 1, 100, check),
            (1, "read", 1, 100, take),
            (2, "read", 1, 100, check),
            (2, "read", 1, 100, take),
            (1, "write", 1, 50, take),
            (2, "write", 1, 50, take),
        ]
    return build(steps, objects=(("Variable", "Account.balance"),))


def test_check_then_act_on_a_balance_loses_an_update_only_when_both_write_from_old_reads() -> None:
    data = shared_json(withdrawals(t2_rereads=False))
    [lost] = data["lost_updates"]
    assert (lost["read"], lost["overwritten"], lost["write"]) == (3, 4, 5)  # T2's second read
    assert (lost["thread"], lost["other"], lost["value"]) == (2, 1, 50)
    [race] = data["races"]
    assert race["lost"] is True and race["indexes"] == [3, 4]  # T2's read, T1's write
    assert race["text"] == (
        "This run lost updates of `Account.balance` because T2 (line 6) and T1 (line 6) use it "
        "with no lock in common and nothing ordering them."
    )


def test_check_then_act_that_reads_again_loses_nothing_but_still_races() -> None:
    data = shared_json(withdrawals(t2_rereads=True))
    assert data["lost_updates"] == []
    [race] = data["races"]
    assert race["lost"] is False and race["indexes"] == [1, 3]  # T2's check, then T1's write
    assert race["text"].endswith("they could lose updates, even though this run did not.")


# -- data races ------------------------------------------------------------------------------


def test_a_lucky_unprotected_interleaving_is_a_race_that_lost_nothing() -> None:
    trace = build([*increment(1, 0, line=21), *increment(2, 1, line=31)])
    data = shared_json(trace)
    assert data["lost_updates"] == []
    assert data["races"] == [
        {
            "variable": 1,
            "threads": [1, 2],
            "lines": [21, 31],
            "indexes": [1, 2],  # T1's write, then T2's read: nothing orders them
            "lost": False,
            "text": "T1 (line 21) and T2 (line 31) use `counter` with no lock in common and "
            "nothing ordering them: they could lose updates, even though this run did not.",
        }
    ]
    es = shared_json(trace, "es")["races"][0]["text"]
    assert es == (
        "T1 (línea 21) y T2 (línea 31) usan `counter` sin un candado en común y sin nada que "
        "los ordene: podrían perder actualizaciones, aunque esta vez no pasó."
    )


def test_the_classic_lost_update_is_also_reported_as_the_race_that_caused_it() -> None:
    [race] = shared_json(classic())["races"]
    # T1's write is the first access nothing orders after another: T2's read of the 0.
    assert race["lost"] is True and race["indexes"] == [1, 2] and race["threads"] == [2, 1]
    es = shared_json(classic(), "es")["races"][0]["text"]
    assert es == (
        "Esta ejecución perdió actualizaciones de `counter` porque T2 (línea 20) y T1 (línea 21) "
        "lo usan sin un candado en común y sin nada que los ordene."
    )


def test_a_race_is_reported_once_per_variable() -> None:
    steps = [*increment(1, 0), *increment(2, 1), *increment(1, 2), *increment(2, 3)]
    steps += [(1, "write", 2, "x", 50), (2, "write", 2, "y", 51)]
    trace = build(steps, objects=(("Variable", "counter"), ("Variable", "name")))
    races = shared_json(trace)["races"]
    assert [(race["variable"], race["indexes"]) for race in races] == [(1, [1, 2]), (2, [8, 9])]


def test_a_flag_written_by_one_thread_and_read_by_another_races_on_what_is_read() -> None:
    trace = build([(1, "write", 1, True, 7), (2, "read", 1, True, 12)], (("Variable", "done"),))
    [race] = shared_json(trace)["races"]
    assert race["text"].endswith("the value read depends on who gets there first.")
    es = shared_json(trace, "es")["races"][0]["text"]
    assert es.endswith("el valor leído depende de quién llegue primero.")


def test_two_reads_do_not_race() -> None:
    trace = build([(1, "read", 1, 0, 1), (2, "read", 1, 0, 2), (3, "read", 1, 0, 3)])
    assert shared_json(trace)["races"] == []


WITH_LOCK = (("Variable", "counter"), ("Lock", "lock"))


def test_every_increment_inside_the_same_lock_is_no_race_and_loses_nothing() -> None:
    steps = [
        (1, "acquire", 2, None, 9),
        (1, "read", 1, 0, 10),
        (2, "acquire_request", 2, None, 9),  # T2 waits for the lock
        (1, "write", 1, 1, 10),
        (1, "release", 2, None, 11),
        (2, "acquire_granted", 2, None, 9),
        *increment(2, 1),
        (2, "release", 2, None, 11),
        *locked(1, increment(1, 2)),
        *locked(2, increment(2, 3)),
    ]
    data = shared_json(build(steps, WITH_LOCK))
    assert data["races"] == [] and data["lost_updates"] == []


def test_one_increment_outside_the_lock_is_a_race() -> None:
    steps = [*locked(1, increment(1, 0)), *increment(2, 1, line=30), *locked(1, increment(1, 2))]
    [race] = shared_json(build(steps, WITH_LOCK))["races"]
    assert race["threads"] == [1, 2] and race["lines"] == [10, 30]


def test_different_locks_protect_nothing() -> None:
    objects = (("Variable", "counter"), ("Lock", "a"), ("Lock", "b"))
    steps = [*locked(1, increment(1, 0), lock=2), *locked(2, increment(2, 1), lock=3)]
    assert len(shared_json(build(steps, objects))["races"]) == 1


def test_a_semaphore_with_two_slots_is_no_mutual_exclusion() -> None:
    objects = (("Variable", "counter"), ("Semaphore", "slots"))
    steps = [
        (1, "acquire", 2, None, 9),
        (2, "acquire", 2, None, 9),
        *increment(1, 0),
        *increment(2, 1),
        (1, "release", 2, 1, 11),
        (2, "release", 2, 2, 11),
    ]
    trace = build(steps, objects, info={"slots": {"value": 2}})
    assert len(shared_json(trace)["races"]) == 1
    one = build(
        [*locked(1, increment(1, 0)), *locked(2, increment(2, 1))],
        objects,
        info={"slots": {"value": 1}},
    )
    assert shared_json(one)["races"] == []


def test_a_reentrant_lock_still_protects_after_an_inner_release() -> None:
    objects = (("Variable", "counter"), ("RLock", "r"))
    steps = [
        (1, "acquire", 2, None, 9),
        (1, "acquire", 2, 2, 9),
        (1, "release", 2, 1, 11),  # one level left: still held
        *increment(1, 0),
        (1, "release", 2, 0, 11),
        *locked(2, increment(2, 1)),
    ]
    assert shared_json(build(steps, objects))["races"] == []


def start_join(read_after_join: bool) -> Trace:
    """Main writes, starts T1, T1 increments; main reads after join() (or before it)."""
    steps: list[Step] = [
        (0, "thread_run", 0, None, 0),
        (0, "write", 1, 0, 2),
        (0, "thread_start", 0, 1, 3),
        (1, "thread_run", 0, None, 0),
        *increment(1, 0, line=6),
        (1, "thread_end", 0, None, 0),
    ]
    read = (0, "read", 1, 1, 5)
    join = [(0, "join_request", 0, [1, None], 4), (0, "join_return", 0, [1, False], 4)]
    steps += [*join, read] if read_after_join else [read, *join]
    return build(steps)


def test_accesses_ordered_by_start_and_join_do_not_race() -> None:
    assert shared_json(start_join(read_after_join=True))["races"] == []


def test_a_read_before_join_returns_races_with_the_thread() -> None:
    [race] = shared_json(start_join(read_after_join=False))["races"]
    assert race["threads"] == [1, 0] and race["lines"] == [6, 5]


def test_a_write_after_start_races_with_the_started_thread() -> None:
    steps: list[Step] = [
        (0, "thread_start", 0, 1, 3),
        (0, "write", 1, 0, 4),
        (1, "thread_run", 0, None, 0),
        (1, "read", 1, 0, 6),
    ]
    assert len(shared_json(build(steps))["races"]) == 1


def test_a_join_that_timed_out_orders_nothing() -> None:
    steps: list[Step] = [
        (0, "thread_start", 0, 1, 3),
        (1, "write", 1, 1, 6),
        (0, "join_request", 0, [1, 0.1], 4),
        (0, "join_return", 0, [1, True], 4),
        (0, "read", 1, 1, 5),
        (1, "thread_end", 0, None, 0),
    ]
    assert len(shared_json(build(steps))["races"]) == 1


WAIT = [(2, "wait_request", 2, None, 12)]

# What T1 does after writing, and T2 before reading: (objects after the variable, a wait T2
# begins before T1 writes, T1's signal, T2's side of it).
SIGNALS: dict[str, tuple[tuple[tuple[str, str], ...], list[Step], list[Step], list[Step]]] = {
    "event-woken": (
        (("Event", "ready"),),
        WAIT,
        [(1, "set", 2, None, 8)],
        [(2, "wait_return", 2, True, 12)],
    ),
    "event-already-set": (
        (("Event", "ready"),),
        [],
        [(1, "set", 2, None, 8)],
        [*WAIT, (2, "wait_return", 2, True, 12)],
    ),
    "queue": ((("Queue", "q"),), [], [(1, "put", 2, "job", 8)], [(2, "get", 2, "job", 12)]),
    "queue-waiting": (
        (("Queue", "q"),),
        [(2, "get_request", 2, None, 12)],
        [(1, "put", 2, "job", 8)],
        [(2, "get_done", 2, "job", 12)],
    ),
    "queue-join": (
        (("Queue", "q"),),
        [],
        [(1, "task_done", 2, 0, 8)],
        [(2, "queue_join_request", 2, None, 12), (2, "queue_join_return", 2, None, 12)],
    ),
    "condition": (
        (("Condition", "c"),),
        [(2, "wait_request", 2, None, 12)],
        [(1, "notify", 2, 1, 8)],
        [(2, "wait_return", 2, True, 12)],
    ),
    "barrier": (
        (("Barrier", "b"),),
        [],
        [(1, "barrier_request", 2, None, 8)],
        [(2, "barrier_request", 2, None, 12), (2, "barrier_pass", 2, 1, 12)],
    ),
    "lock-handoff": (
        (("Lock", "lock"),),
        [],
        [(1, "release", 2, None, 8)],
        [(2, "acquire", 2, None, 12)],
    ),
}


@pytest.mark.parametrize("signal", list(SIGNALS))
def test_a_write_before_a_signal_and_a_read_after_it_do_not_race(signal: str) -> None:
    objects, wait, send, receive = SIGNALS[signal]
    objects = (("Variable", "data"), *objects)
    info = {"b": {"parties": 2}}
    before: list[Step] = [(1, "acquire", 2, None, 6)] if signal == "lock-handoff" else []
    write, read = (1, "write", 1, 1, 7), (2, "read", 1, 1, 13)
    steps = [*before, *wait, write, *send, *receive, read]
    assert shared_json(build(steps, objects, info=info))["races"] == []
    # Read before the signal arrives: nothing orders it after the write.
    early = [*before, write, read, *wait, *send, *receive]
    assert len(shared_json(build(early, objects, info=info))["races"]) == 1


def test_an_event_wait_that_timed_out_orders_nothing() -> None:
    steps: list[Step] = [
        (1, "write", 1, 1, 7),
        (1, "set", 2, None, 8),
        (2, "wait_request", 2, 0.1, 12),
        (2, "wait_return", 2, False, 12),
        (2, "read", 1, 1, 13),
    ]
    trace = build(steps, (("Variable", "data"), ("Event", "ready")))
    assert len(shared_json(trace)["races"]) == 1


def test_a_barrier_orders_only_the_round_each_thread_passed() -> None:
    # Round one: T1 and T2 meet. T1 then writes and arrives again; T2 reads before the second
    # round is complete, so nothing orders that read after the write.
    steps: list[Step] = [
        (1, "barrier_request", 2, None, 5),
        (2, "barrier_request", 2, None, 5),
        (1, "barrier_pass", 2, 1, 5),
        (2, "barrier_pass", 2, 0, 5),
        (1, "write", 1, 1, 6),
        (1, "barrier_request", 2, None, 5),
        (2, "read", 1, 1, 7),
    ]
    trace = build(steps, (("Variable", "data"), ("Barrier", "b")), info={"b": {"parties": 2}})
    assert len(shared_json(trace)["races"]) == 1


# -- the catalog -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(CATALOG))
def test_every_language_tells_reads_writes_lost_updates_and_races(lang: str) -> None:
    assert NEW_KEYS <= set(CATALOG[lang])
    traces = [classic(), withdrawals(t2_rereads=True), start_join(read_after_join=False)]
    traces.append(build([(1, "write", 1, True, 7), (2, "read", 1, True, 12)]))
    for trace in traces:
        data = shared_json(trace, lang)
        texts = [s["text"] for s in data["narration"]]
        texts += [item["text"] for key in ("lost_updates", "races") for item in data[key]]
        assert all(text and "{" not in text for text in texts)
