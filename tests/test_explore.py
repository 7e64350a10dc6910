"""Exploring interleavings: every ending found, each with a schedule that replays it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.explore import Exploration, explore
from app.main import create_app
from app.runner import run_source
from app.scenarios import get_scenario, load_scenarios
from app.settings import Settings
from app.web.explorations import Limits

pytestmark = pytest.mark.timeout(300)


def explored(
    scenario_id: str, preemptions: int = 2, reduce: bool = True, **params: Any
) -> Exploration:
    scenario = get_scenario(scenario_id)
    return explore(
        scenario.source("en"),
        params,
        specs=scenario.params,
        preemptions=preemptions,
        reduce=reduce,
        max_schedules=5_000,
        max_seconds=120,
    )


def totals(result: Exploration) -> set[str]:
    return {ending.output[-1] for ending in result.endings if ending.output}


def replays(scenario_id: str, schedule: list[str], **params: Any) -> str:
    scenario = get_scenario(scenario_id)
    trace = run_source(scenario.source("en"), params, specs=scenario.params, schedule=schedule)
    return trace.outcome.status


def test_deadlock_finds_both_endings_with_the_two_thread_cycle() -> None:
    result = explored("deadlock")
    by_status = {ending.status: ending for ending in result.endings}
    assert set(by_status) == {"deadlock", "completed"}
    assert by_status["deadlock"].cycle == ["Thread-1", "Thread-2"]
    for ending in result.endings:
        assert replays("deadlock", ending.schedule) == ending.status


@pytest.mark.parametrize("lang", ["es", "en"])
def test_what_the_deadlock_program_prints_holds_in_every_interleaving(lang: str) -> None:
    # The exploration finds orders where one thread takes both locks first and the program
    # completes: its last line may claim nothing that those orders contradict.
    scenario = get_scenario("deadlock")
    result = explore(scenario.source(lang), {}, specs=scenario.params, max_seconds=120)
    assert result.covered == "all"
    by_status: dict[str, list[list[str]]] = {}
    for ending in result.endings:
        by_status.setdefault(ending.status, []).append(ending.output)
    assert set(by_status) == {"deadlock", "completed"}
    last = {
        "es": "Esto solo se imprime si no hubo interbloqueo",
        "en": "Printed only when no deadlock happened",
    }[lang]
    assert all(output[-1] == last for output in by_status["completed"])
    assert all(last not in output for output in by_status["deadlock"])
    for output in (line for outputs in by_status.values() for o in outputs for line in o):
        assert "never" not in output and "nunca" not in output, output
    # The texts say the deadlock depends on the order, and that the program may finish.
    description = scenario.texts[lang].description
    assert {"es": "el programa termina", "en": "the program finishes"}[lang] in description
    finished = {"es": "Si esta ejecución terminó", "en": "If this run finished"}[lang]
    assert any(item.startswith(finished) for item in scenario.texts[lang].notice)


def test_lock_ordering_completes_in_every_interleaving() -> None:
    result = explored("lock-ordering", preemptions=10)
    assert result.covered == "all"
    assert {ending.status for ending in result.endings} == {"completed"}


@pytest.mark.parametrize("scenario_id", ["race-condition", "plus-equals"])
def test_a_lost_update_is_found_without_the_lock_and_never_with_it(scenario_id: str) -> None:
    small = {"THREADS": 2, "ITERATIONS": 1}
    unlocked = explored(scenario_id, **small)
    assert "Total: 1; expected: 2" in totals(unlocked)
    lost = next(e for e in unlocked.endings if e.output[-1] == "Total: 1; expected: 2")
    assert lost.preemptions <= 1
    if scenario_id == "plus-equals":
        assert lost.preemptions == 1  # `+=` loses only if preempted between read and write
    assert replays(scenario_id, lost.schedule, **small) == "completed"
    locked = explored(scenario_id, **small, USE_LOCK=True)
    assert totals(locked) == {"Total: 2; expected: 2"}


def test_dining_philosophers_can_deadlock() -> None:
    result = explored("dining-philosophers", preemptions=1, PHILOSOPHERS=2)
    assert "deadlock" in {ending.status for ending in result.endings}


def test_forgotten_task_done_stalls_in_every_interleaving() -> None:
    result = explored("forgotten-task-done")
    assert result.covered == "all"
    assert {ending.status for ending in result.endings} == {"stalled"}


SMALL_PROGRAMS = [
    """
    import threading
    x = 0
    def add():
        global x
        x += 1
    ts = [threading.Thread(target=add) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(x)
    """,
    """
    import threading
    a = threading.Lock()
    b = threading.Lock()
    def one():
        with a:
            with b:
                pass
    def two():
        with b:
            with a:
                pass
    t1 = threading.Thread(target=one)
    t2 = threading.Thread(target=two)
    t1.start(); t2.start(); t1.join(); t2.join()
    print("done")
    """,
    """
    import threading, queue
    q = queue.Queue()
    seen = []
    def produce():
        for i in range(2):
            q.put(i)
    def consume():
        for _ in range(2):
            seen.append(q.get())
    t1 = threading.Thread(target=produce)
    t2 = threading.Thread(target=consume)
    t1.start(); t2.start(); t1.join(); t2.join()
    print(seen)
    """,
]


@pytest.mark.parametrize("code", SMALL_PROGRAMS, ids=["counter", "two-locks", "queue"])
def test_partial_order_reduction_finds_the_same_endings_with_fewer_schedules(code: str) -> None:
    import textwrap

    source = textwrap.dedent(code)
    full = explore(source, preemptions=2, reduce=False, max_seconds=120)
    reduced = explore(source, preemptions=2, reduce=True, max_seconds=120)
    assert full.covered != "sampled" and reduced.covered != "sampled"

    def key(result: Exploration) -> set[str]:
        return {json.dumps([e.status, e.final, e.output]) for e in result.endings}

    assert key(reduced) == key(full)
    assert reduced.explored <= full.explored


def test_hilos_explore_prints_the_endings_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["explore", "plus-equals", "--lang", "en", "--set", "THREADS=2", "--set", "ITERATIONS=1"]
        + ["--json"]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"explored", "covered", "preemptions", "outcomes"}
    assert {o["output"][-1] for o in result["outcomes"]} == {
        "Total: 1; expected: 2",
        "Total: 2; expected: 2",
    }
    assert all(
        set(o) >= {"status", "final", "output", "count", "schedule"} for o in result["outcomes"]
    )


def test_hilos_explore_starts_a_scenario_from_its_values_for_exploring(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # plus-equals runs 4 threads of 2000 additions; a search of that is cut after a handful of
    # schedules and finds one ending. With none given, its [explore] values are used, and said.
    assert main(["explore", "plus-equals", "--lang", "en", "--json"]) == 0
    said = capsys.readouterr()
    assert "exploring with THREADS=2, ITERATIONS=2 (change with --set)" in said.err
    result = json.loads(said.out)
    assert result["covered"] != "sampled"
    assert {o["final"]["counter"] for o in result["outcomes"]} == {2, 3, 4}
    # What the user gives wins.
    assert main(["explore", "plus-equals", "--lang", "en", "--set", "ITERATIONS=1"]) == 0
    said = capsys.readouterr()
    assert "exploring with THREADS=2 (change with --set)" in said.err
    assert "expected: 2" in said.out


@pytest.mark.slow
@pytest.mark.parametrize("scenario_id", list(load_scenarios()))
def test_every_scenario_explores_to_the_end_from_its_values_for_exploring(
    scenario_id: str,
) -> None:
    # What the page asks by default (its limits, no values given) tries every schedule within
    # the bound: a sample would be no answer to "how can it end?". No time limit here: only
    # the number of schedules decides.
    scenario = get_scenario(scenario_id)
    limits = Limits()
    result = explore(
        scenario.source("es"),
        scenario.explore_values(),
        specs=scenario.params,
        preemptions=limits.preemptions,
        max_schedules=limits.max_schedules,
        max_seconds=600,
    )
    assert result.covered in ("all", "bounded"), (result.covered, result.explored)


def test_hilos_explore_refuses_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "no-such-scenario"]) == 2
    assert main(["explore", "deadlock", "--max-schedules", "0"]) == 2
    assert main(["explore", "deadlock", "--set", "PAUSE=9"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("hilos: error:") for line in lines)


# -- the API ---------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=tmp_path / "runs.sqlite3", run_workers=2, run_queue=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def finished(client: TestClient, answer: Any) -> Any:
    """Poll an exploration until it is done (the page does the same, with a progress bar)."""
    deadline = time.monotonic() + 120
    while answer.status_code == 202:
        assert answer.json()["status"] == "running" and "progress" in answer.json()
        assert time.monotonic() < deadline
        time.sleep(0.05)
        answer = client.get(answer.headers["location"])
    return answer


def test_the_api_explores_keeps_the_result_and_serves_it_like_a_run(client: TestClient) -> None:
    body = {
        "scenario": "plus-equals",
        "lang": "en",
        "params": {"THREADS": 2, "ITERATIONS": 1},
        "preemptions": 2,
    }
    started = client.post("/api/explorations", json=body)
    assert started.status_code in (200, 202)
    done = finished(client, started)
    assert done.status_code == 200
    result = done.json()
    assert result["status"] == "done" and result["covered"] in ("all", "bounded")
    assert {o["output"][-1] for o in result["outcomes"]} == {
        "Total: 1; expected: 2",
        "Total: 2; expected: 2",
    }
    # The same question has the same answer, at once, under the same address.
    again = client.post("/api/explorations", json=body)
    assert again.status_code == 200 and again.json() == result
    url = again.headers["location"]
    etag = client.get(url).headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # Each ending's schedule replays it.
    lost = next(o for o in result["outcomes"] if o["output"][-1].startswith("Total: 1"))
    replay = client.post(
        "/api/schedules",
        json={**{k: body[k] for k in ("scenario", "lang", "params")}, "choices": lost["schedule"]},
    ).json()
    assert replay["trace"]["outcome"]["status"] == "completed"
    assert replay["analysis"]["lost_updates"]


def test_the_api_refuses_bad_explorations_with_a_reason(client: TestClient) -> None:
    assert client.post("/api/explorations", json={"scenario": "nope"}).status_code == 404
    bad = client.post("/api/explorations", json={"scenario": "deadlock", "params": {"PAUSE": 9}})
    assert bad.status_code == 422 and "PAUSE" in bad.json()["detail"]
    too_deep = client.post("/api/explorations", json={"scenario": "deadlock", "preemptions": 9})
    assert too_deep.status_code == 422
    assert client.get("/api/explorations/xnothing").status_code == 404


def test_a_search_that_fails_says_so_once_instead_of_vanishing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.web.explorations as explorations

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("out of memory")

    monkeypatch.setattr(explorations, "explore", broken)
    started = client.post("/api/explorations", json={"scenario": "deadlock", "lang": "en"})
    assert started.status_code == 202
    url = started.headers["location"]
    deadline = time.monotonic() + 30
    answer = client.get(url)
    while answer.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.02)
        answer = client.get(url)
    assert answer.json()["status"] == "failed" and "MemoryError" in answer.json()["detail"]
    assert client.get(url).status_code == 404  # said once: asking again starts afresh


# Scenarios whose full search (no reduction) at one preemption finishes in about a second.
SOUNDNESS_SCENARIOS = [
    "barrier",
    "bounded-buffer",
    "check-then-act",
    "daemon",
    "deadlock",
    "dining-philosophers",
    "forgotten-task-done",
    "join",
    "plus-equals",
    "producer-consumer",
    "race-condition",
    "rlock",
    "semaphore",
    "timer",
]


@pytest.mark.parametrize("scenario_id", SOUNDNESS_SCENARIOS)
def test_the_reduction_loses_no_ending_of_a_scenario(scenario_id: str) -> None:
    """Timeouts (join, timer), sleeps, queues, conditions, barriers, semaphores: with one
    preemption, the reduced search finds every ending the full one finds, in no more
    schedules."""
    scenario = get_scenario(scenario_id)
    small = {
        name: max(int(spec.min or 1), 2)
        for name, spec in scenario.params.items()
        if spec.type == "int" and isinstance(spec.default, int) and spec.default > 2
    }

    def search(reduce: bool) -> Exploration:
        return explored(scenario_id, preemptions=1, reduce=reduce, **small)

    full, reduced = search(False), search(True)
    assert full.covered != "sampled" and reduced.covered != "sampled"

    def key(result: Exploration) -> set[str]:
        return {json.dumps([e.status, e.final, e.output]) for e in result.endings}

    assert key(reduced) == key(full)
    assert reduced.explored <= full.explored


def test_a_search_whose_run_a_limit_cut_short_is_a_sample_not_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One schedule only, but its run never ended: what it would have done is unexplored.
    endless = "while True:\n    pass\n"
    result = explore(endless, max_seconds=1.0)
    assert [e.status for e in result.endings] == ["timeout"]
    assert result.covered == "sampled" and result.to_json()["covered"] == "sampled"

    def event_limited(control: Any) -> Any:  # as a run past its event limit ends
        trace = run_source("print('x')\n", control=control)
        trace.outcome.status = "limit"
        return trace

    many = explore("print('x')\n", runner=event_limited)
    assert [e.status for e in many.endings] == ["limit"] and many.covered == "sampled"
    assert explore("print('x')\n").covered == "all"
    script = tmp_path / "loop.py"
    script.write_text(endless, encoding="utf-8")
    assert main(["explore", str(script), "--max-seconds", "1"]) == 0
    out = capsys.readouterr().out
    # No parameters to lower: no advice to lower them; one of each, in the singular.
    assert out.startswith("1 schedule explored: 1 sampled (") and "--set" not in out
    assert out.splitlines()[0].endswith("; 1 ending")
