"""The sandbox's interface: the same runs as in the server's own process, and every error a
student can make answered with its reason and line."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from app.explore import explore
from app.runner import run_source
from app.sandbox import (
    LimitExceeded,
    ProgramError,
    SandboxLimits,
    explore_program,
    run_program,
)
from app.scenarios import get_scenario

from .sandboxed import LIMITS, NORMAL, printed, require_sandbox, sandboxed

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True, scope="module")
def _sandbox() -> Iterator[None]:
    require_sandbox()
    yield


@pytest.mark.parametrize("scenario_id", ["race-condition", "deadlock", "producer-consumer"])
def test_a_controlled_scenario_run_is_the_same_as_in_process(scenario_id: str) -> None:
    scenario = get_scenario(scenario_id)
    source = scenario.source("en")
    here = run_source(
        source, {}, specs=scenario.params, scenario=scenario_id, lang="en", schedule=[]
    )
    there = run_program(
        source, {}, "en", specs=scenario.params, scenario=scenario_id, schedule=[], pause=False
    )
    assert there.outcome == here.outcome
    assert there.events == here.events  # virtual time: the same to the nanosecond
    assert there.threads == here.threads
    assert there.objects == here.objects
    assert there.schedule == here.schedule
    assert (there.params, there.scenario, there.lang) == (here.params, scenario_id, "en")


def test_a_live_run_records_the_program_with_its_parameters() -> None:
    scenario = get_scenario("race-condition")
    trace = run_program(
        scenario.source("es"), {"ITERATIONS": 7}, "es", specs=scenario.params, scenario=scenario.id
    )
    assert trace.params["ITERATIONS"] == 7
    assert trace.outcome.status == "completed"
    assert trace.source.count("ITERATIONS = 7") == 1


def test_a_paused_run_follows_the_choices_sent() -> None:
    first = run_program(NORMAL, schedule=[], pause=True, limits=LIMITS)
    assert first.outcome.status == "paused" and first.schedule is not None
    choice = first.schedule["next"][-1]["thread"]
    second = run_program(NORMAL, schedule=[choice], pause=True, limits=LIMITS)
    assert second.schedule is not None and second.schedule["choices"][:1] == [choice]


def test_an_exploration_finds_what_it_finds_in_process() -> None:
    scenario = get_scenario("deadlock")
    here = explore(scenario.source("en"), {}, specs=scenario.params, max_schedules=200)
    seen: list[tuple[int, int]] = []
    there = explore_program(
        scenario.source("en"),
        {},
        specs=scenario.params,
        max_schedules=200,
        progress=lambda runs, schedules: seen.append((runs, schedules)),
    )
    assert there["covered"] == here.covered
    assert there["explored"] == here.explored
    assert there["outcomes"] == [e.to_json() for e in here.endings]
    assert all(runs >= schedules for runs, schedules in seen)


@pytest.mark.parametrize(
    ("code", "reason", "line"),
    [
        ("x = 1\nif x\n    pass\n", "syntax", 2),
        ("import threading\nimport os\n", "import", 2),
        ("x = 1\nfrom subprocess import run\n", "import", 2),
        ("def f():\n    pass\nreturn 3\n", "syntax", 3),
        ("x = 'a' * 70000\n" + "#" * 70_000, "source", None),
    ],
)
def test_a_program_that_cannot_run_says_why_and_where(
    code: str, reason: str, line: int | None
) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program(code, limits=LIMITS)
    assert caught.value.reason == reason
    assert caught.value.line == line
    assert caught.value.status == 422


def test_a_bad_parameter_is_refused_before_anything_runs() -> None:
    scenario = get_scenario("race-condition")
    with pytest.raises(ProgramError, match="ITERATIONS must be") as caught:
        run_program(scenario.source("en"), {"ITERATIONS": -5}, specs=scenario.params, limits=LIMITS)
    assert caught.value.reason == "parameter"


def test_choices_that_do_not_fit_are_a_schedule_error() -> None:
    with pytest.raises(ProgramError, match="schedule does not fit") as caught:
        run_program(NORMAL, schedule=["Nobody"], limits=LIMITS)
    assert caught.value.reason == "schedule"


def test_an_exception_in_the_program_is_a_run_that_ended_in_error() -> None:
    trace = sandboxed(
        """
        x = [1, 2]
        print(x[5])
        """
    )
    assert trace.outcome.status == "error"
    assert trace.outcome.error is not None
    assert trace.outcome.error["type"] == "IndexError" and trace.outcome.error["line"] == 2


def test_too_many_threads_ends_the_run_at_the_thread_limit() -> None:
    trace = sandboxed(
        """
        import threading, time
        for _ in range(100):
            threading.Thread(target=time.sleep, args=(0.5,)).start()
        """,
        limits=SandboxLimits(seconds=5.0, threads=10),
    )
    assert trace.outcome.status == "limit"
    assert "more than 10 threads" in trace.outcome.message


def test_a_python_loop_past_the_time_limit_is_a_timeout_run() -> None:
    trace = sandboxed("while True:\n    pass\n", limits=SandboxLimits(seconds=1.0))
    assert trace.outcome.status == "timeout"


def test_a_loop_in_c_is_killed_at_the_wall_time_limit() -> None:
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as caught:
        sandboxed("sum(range(10**12))\n", limits=SandboxLimits(seconds=1.0))
    assert caught.value.reason == "time"
    assert caught.value.limit == pytest.approx(4.0)
    assert time.monotonic() - started < 30  # stopped, not run to its end (hours)


def test_a_program_may_print_what_it_likes() -> None:
    trace = sandboxed('print("{\\"type\\": \\"trace\\"}")\nprint("ok")\n')
    assert printed(trace) == ['{"type": "trace"}', "ok"]
