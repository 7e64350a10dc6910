"""Controlled runs: one thread at a time, the schedule decides, and every run replays exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.main import create_app
from app.runner import ScenarioError, run_source
from app.scenarios import get_scenario, load_scenarios
from app.settings import Settings
from app.tracing import Trace
from app.tracing.check import problems

from .helpers import run

pytestmark = pytest.mark.timeout(120)

SCENARIOS = list(load_scenarios())


def controlled(scenario_id: str, choices: list[str], pause: bool = False, **params: Any) -> Trace:
    scenario = get_scenario(scenario_id)
    return run_source(
        scenario.source("en"),
        params,
        specs=scenario.params,
        scenario=scenario_id,
        lang="en",
        schedule=choices,
        pause=pause,
    )


def fingerprint(trace: Trace) -> str:
    """The whole document but when it was made, and who was ready where the choices ran out
    (which depends on how many were given, not on what happened)."""
    document = json.loads(trace.dumps())
    document.pop("started_at")
    document["schedule"].pop("next", None)
    return json.dumps(document, sort_keys=True)


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_a_controlled_run_of_every_scenario_is_the_same_every_time(scenario_id: str) -> None:
    first = controlled(scenario_id, [])
    assert first.outcome.status not in ("timeout", "limit"), first.outcome.message
    assert first.schedule is not None
    again = [fingerprint(controlled(scenario_id, [])) for _ in range(3)]
    assert again == [fingerprint(first)] * 3
    # The schedule it took, given back, replays it event for event.
    replayed = controlled(scenario_id, list(first.schedule["choices"]))
    assert fingerprint(replayed) == fingerprint(first)


def decisions(scenario_id: str, prefix: list[str]) -> list[dict[str, Any]]:
    """Who could go on at the first decision past `prefix`."""
    trace = controlled(scenario_id, prefix, pause=True)
    assert trace.schedule is not None
    return list(trace.schedule["next"])


def waits_with_a_timeout(trace: Trace, thread: str) -> bool:
    """Whether `thread`'s open wait in `trace` can time out (a sleep, a timer, a timeout)."""
    tid = next(t.id for t in trace.threads if t.name == thread)
    if trace.threads[tid].kind == "timer":
        return True
    request = next(e for e in reversed(trace.events) if e.thread == tid and "_request" in e.kind)
    if request.kind == "sleep_request":
        return True
    timeout = request.arg[1] if request.kind == "join_request" else request.arg
    return timeout is not None


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_every_choice_offered_can_be_taken_and_none_is_impossible(scenario_id: str) -> None:
    """Along three paths of decisions, every thread offered can take its step: one before a
    step simply takes it; one offered out of a wait really gets what it waited for at once
    (`…_done`: the wait is answered), or its wait had a timeout that ran out (`…_timeout`);
    none is offered twice."""
    for pick in ("first", "last", "turns"):
        prefix: list[str] = []
        for step in range(12):
            paused = controlled(scenario_id, prefix, pause=True)
            assert paused.schedule is not None
            offered = paused.schedule["next"]
            if not offered:
                break
            names = [option["thread"] for option in offered]
            assert len(names) >= 2 and len(set(names)) == len(names)  # a real choice, each once
            for option in offered:
                if option["kind"].endswith("_timeout"):
                    assert waits_with_a_timeout(paused, option["thread"]), option
                trace = controlled(scenario_id, [*prefix, option["thread"]], pause=True)
                assert trace.outcome.status != "error", trace.outcome.message
                if option["kind"].endswith("_done") and not option.get("later"):
                    # Out of its wait: answered, ended (a cancelled timer), or on to its next
                    # step (a Condition waiter takes its lock back first).
                    tid = next(t.id for t in trace.threads if t.name == option["thread"])
                    mine = {e.kind for e in trace.events if e.thread == tid}
                    answered = {"acquire_granted", "get_done", "put_done", "join_return",
                                "wait_return", "queue_join_return", "barrier_pass",
                                "thread_end"}  # fmt: skip
                    assert trace.schedule is not None
                    still = [o for o in trace.schedule["next"] if o == option]
                    assert answered & mine or not still, f"{option} was offered but stayed blocked"
            at = {"first": 0, "last": -1, "turns": step % len(offered)}[pick]
            prefix.append(offered[at]["thread"])


def test_the_student_can_deadlock_the_two_locks_or_let_them_finish() -> None:
    # The default policy lets Thread-1 go on: it takes both locks... or not, depending on the
    # pause; the schedule that alternates after each first lock deadlocks for sure.
    first = controlled("deadlock", [])
    assert first.schedule is not None
    statuses = set()
    for choices in (["Thread-1"] * 8, ["Thread-2"] * 8, ["Thread-1", "Thread-2"] * 4):
        try:
            statuses.add(controlled("deadlock", choices).outcome.status)
        except ScenarioError:
            continue
    assert "deadlock" in statuses | {first.outcome.status}


def test_lock_ordering_never_deadlocks_whatever_the_choices() -> None:
    for pick in range(2):
        prefix: list[str] = []
        while True:
            offered = decisions("lock-ordering", prefix)
            if not offered:
                break
            prefix.append(offered[pick % len(offered)]["thread"])
            if len(prefix) > 60:
                break
        trace = controlled("lock-ordering", prefix)
        assert trace.outcome.status == "completed"


def test_a_choice_that_does_not_fit_names_the_decision() -> None:
    with pytest.raises(ScenarioError, match=r"decision 1: 'Nobody' cannot go on here"):
        controlled("deadlock", ["Nobody"])
    taken = controlled("deadlock", [])
    assert taken.schedule is not None
    too_many = [*taken.schedule["choices"], "MainThread"]
    with pytest.raises(ScenarioError, match="decisions and the schedule names"):
        controlled("deadlock", too_many)


def test_a_paused_run_says_who_could_go_next() -> None:
    trace = controlled("race-condition", [], pause=True)
    assert trace.outcome.status == "paused"
    assert trace.schedule is not None
    names = [option["thread"] for option in trace.schedule["next"]]
    assert len(names) >= 2 and len(set(names)) == len(names)
    assert all(
        set(option) == {"thread", "kind", "object", "line"} for option in trace.schedule["next"]
    )


def test_time_is_virtual_and_reads_naturally() -> None:
    trace = run(
        """
        import threading, time

        def nap():
            time.sleep(30)

        t = threading.Thread(target=nap)
        t.start()
        t.join()
        print("done")
        """,
        schedule=[],
    )
    assert trace.outcome.status == "completed"
    sleep = next(e for e in trace.events if e.kind == "sleep_request")
    done = next(e for e in trace.events if e.kind == "sleep_done")
    assert done.t - sleep.t >= 30_000_000_000  # thirty virtual seconds, no real wait


def test_a_timed_wait_times_out_in_virtual_time() -> None:
    trace = run(
        """
        import threading
        lock = threading.Lock()
        lock.acquire()

        def try_it():
            print(lock.acquire(timeout=5))

        t = threading.Thread(target=try_it)
        t.start()
        t.join()
        """,
        schedule=[],
    )
    assert [e.arg for e in trace.events if e.kind == "print"] == ["False"]
    assert "acquire_timeout" in [e.kind for e in trace.events]


def test_choosing_who_reads_first_loses_an_update_with_one_preemption() -> None:
    code = """
        import threading
        counter = 0

        def add():
            global counter
            counter += 1

        threads = [threading.Thread(target=add, name=f"T{i}") for i in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(counter)
    """
    plain = run(code, schedule=[])
    assert [e.arg for e in plain.events if e.kind == "print"] == ["2"]
    # Search the decisions (a small depth-first walk): some schedule loses an update, and the
    # shortest such schedule lets T2 read between T1's read and T1's write.
    losing: list[list[str]] = []

    def walk(prefix: list[str]) -> None:
        trace = run(code, schedule=prefix, pause=True)
        assert trace.schedule is not None
        offered = [o["thread"] for o in trace.schedule["next"]]
        if not offered:
            if [e.arg for e in trace.events if e.kind == "print"] == ["1"]:
                losing.append(prefix)
            return
        if len(prefix) < 10:
            for name in offered:
                walk([*prefix, name])

    walk([])
    assert losing
    shortest = min(losing, key=len)
    trace = run(code, schedule=shortest)
    assert [e.arg for e in trace.events if e.kind == "print"] == ["1"]
    order = [
        (trace.threads[e.thread].name, e.kind) for e in trace.events if e.kind in ("read", "write")
    ]
    assert order[1:5] in (
        [("T1", "read"), ("T2", "read"), ("T1", "write"), ("T2", "write")],
        [("T1", "read"), ("T2", "read"), ("T2", "write"), ("T1", "write")],
        [("T2", "read"), ("T1", "read"), ("T2", "write"), ("T1", "write")],
        [("T2", "read"), ("T1", "read"), ("T1", "write"), ("T2", "write")],
    )


# -- the command line and the API --------------------------------------------------------------


def test_hilos_run_takes_a_schedule_and_writes_it_in_the_trace(tmp_path: Path) -> None:
    out = tmp_path / "trace.json"
    code = main(["run", "deadlock", "--lang", "en", "--schedule", "", "--quiet", "--out", str(out)])
    assert code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["outcome"]["status"] == "deadlock"
    choices = document["schedule"]["choices"]
    assert choices and all(isinstance(name, str) for name in choices)
    again = tmp_path / "again.json"
    joined = ",".join(choices)
    assert (
        main(
            [
                "run",
                "deadlock",
                "--lang",
                "en",
                "--schedule",
                joined,
                "--quiet",
                "--out",
                str(again),
            ]
        )
        == 0
    )
    assert json.loads(again.read_text(encoding="utf-8"))["events"] == document["events"]


def test_hilos_run_refuses_a_schedule_that_does_not_fit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "deadlock", "--lang", "en", "--schedule", "Nobody", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "decision 1" in err and "Nobody" in err and err.count("\n") == 1
    assert main(["run", "deadlock", "--schedule", "A,,B", "--quiet"]) == 2


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=tmp_path / "runs.sqlite3", run_workers=2, run_queue=4)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_api_answers_a_schedule_with_the_run_up_to_the_next_decision(
    client: TestClient,
) -> None:
    first = client.post("/api/schedules", json={"scenario": "race-condition", "lang": "en"})
    assert first.status_code == 200
    document = first.json()
    assert document["outcome"]["status"] == "paused"
    offered = document["schedule"]["next"]
    assert len(offered) >= 2
    assert document["analysis"]["narration"]["index"]
    # One more choice: the run grows by that step, and replays the same way every time.
    body = {"scenario": "race-condition", "lang": "en", "choices": [offered[-1]["thread"]]}
    second = client.post("/api/schedules", json=body).json()
    assert second["schedule"]["choices"][0] == offered[-1]["thread"]
    assert len(second["trace"]["events"]["kind"]) >= len(document["trace"]["events"]["kind"])
    replayed = client.post("/api/schedules", json=body).json()["trace"]
    assert replayed["events"] == second["trace"]["events"]
    to_end = client.post("/api/schedules", json={**body, "run_to_end": True}).json()
    assert to_end["outcome"]["status"] == "completed"
    # Who could have gone where the given choices ran out; the run went on past it.
    assert to_end["schedule"]["next"] == second["schedule"]["next"]
    assert len(to_end["schedule"]["choices"]) > 1


def test_the_api_refuses_what_does_not_fit_with_a_reason(client: TestClient) -> None:
    bad = client.post(
        "/api/schedules", json={"scenario": "deadlock", "lang": "en", "choices": ["Nobody"]}
    )
    assert bad.status_code == 422 and "decision 1" in bad.json()["detail"]
    assert client.post("/api/schedules", json={"scenario": "nope"}).status_code == 404
    unknown = client.post(
        "/api/schedules", json={"scenario": "deadlock", "params": {"X": 1}, "lang": "en"}
    )
    assert unknown.status_code == 422 and "unknown parameter X" in unknown.json()["detail"]


def test_a_chosen_deadlock_is_announced_after_the_wait_that_closes_it() -> None:
    # The schedule a student picks in "You choose": each thread takes its first lock, then
    # both ask for the other's. The request that closes the cycle and the deadlock share a
    # moment of virtual time; the deadlock must still come after it, and before the stop.
    choices = ["MainThread", "Thread-1", "Thread-2", "MainThread", *["Thread-1"] * 3]
    trace = controlled("deadlock", choices)
    assert trace.outcome.status == "deadlock"
    order = [(trace.threads[e.thread].name, e.kind) for e in trace.events]
    at = order.index(("Thread-1", "deadlock"))
    assert order[at - 1] == ("Thread-2", "acquire_request")
    assert ("Thread-1", "acquire_request") in order[:at]
    assert all(kind in ("aborted", "thread_abort") for _, kind in order[at + 1 :])
    assert problems(trace) == []


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_the_end_of_a_chosen_run_names_daemon_threads_only_when_it_stopped_some(
    scenario_id: str,
) -> None:
    # A thread whose end is recorded can stay alive for the OS a moment longer; taken for a
    # daemon still running, it made every controlled run end with "daemon threads still
    # running were stopped", daemon or not.
    trace = controlled(scenario_id, [])
    stopped = [t for t in trace.threads if t.end == "daemon"]
    assert ("daemon threads" in trace.outcome.message) == bool(stopped), trace.outcome.message
    if not any(t.daemon for t in trace.threads):
        assert not stopped
