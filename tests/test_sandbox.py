"""The sandbox's interface: the same runs as in the server's own process, and every error a
student can make answered with its reason and line."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.explore import explore
from app.runner import run_source
from app.sandbox import (
    LimitExceeded,
    ProgramCrashed,
    ProgramError,
    RunRefused,
    SandboxLimits,
    SandboxUnavailable,
    WorkerPool,
    explore_program,
    run_program,
)
from app.sandbox.programs import _failure
from app.sandbox.validate import checked_exploration, checked_trace
from app.scenarios import get_scenario, load_scenarios
from app.settings import Settings
from app.tracing import Trace

from .sandboxed import LIMITS, NORMAL, printed, require_sandbox, sandboxed

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True, scope="module")
def _sandbox() -> Iterator[None]:
    require_sandbox()
    yield


@pytest.mark.parametrize("scenario_id", sorted(load_scenarios()))
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
    assert (there.covered, there.explored) == (here.covered, here.explored)
    assert [e.to_json() for e in there.endings] == [e.to_json() for e in here.endings]
    assert all(runs >= schedules for runs, schedules in seen)


@pytest.mark.parametrize(
    ("code", "reason", "line"),
    [
        ("x = 1\nif x\n    pass\n", "syntax", 2),
        ("import threading\nimport os\n", "import", 2),
        ("x = 1\nfrom subprocess import run\n", "import", 2),
        ("def f():\n    pass\nreturn 3\n", "syntax", 3),
        ("x = 'a' * 70000\n" + "#" * 12_000, "size", None),
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
    assert caught.value.reason == "param"


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
    assert caught.value.reason == "timeout"
    assert caught.value.limit == pytest.approx(4.0)
    assert time.monotonic() - started < 30  # stopped, not run to its end (hours)


def test_a_program_may_print_what_it_likes() -> None:
    trace = sandboxed('print("{\\"type\\": \\"trace\\"}")\nprint("ok")\n')
    assert printed(trace) == ['{"type": "trace"}', "ok"]


# -- the server's checks, on answers made up here -------------------------------------------------


def _faithful() -> tuple[dict[str, Any], str]:
    trace = run_source(NORMAL, schedule=[])
    return trace.to_json(), NORMAL


def _check(document: dict[str, Any], source: str, schedule: list[str] | None = None) -> None:
    checked_trace(document, source=source, params={"N": 3}, scenario=None, lang=None,
                  schedule=schedule)  # fmt: skip


def test_a_faithful_answer_passes_the_checks() -> None:
    document, source = _faithful()
    _check(document, source, schedule=[])


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        (lambda d: d["events"].update(thread=[-1]), "integers from 0 up"),
        (lambda d: d["events"].update(kind={"runs": [0, True]}), "integers from 0 up"),
        (lambda d: d["outcome"].update(status="deadlock"), "trace schema at outcome"),
        (lambda d: d.update(kinds=["made_up", *d["kinds"][1:]]), "unknown event kinds"),
        (lambda d: d["events"].update(line=[0]), "events.line has 1 entries"),
        (lambda d: d.update(params={"N": 4}), "parameters"),
        (lambda d: d.pop("schedule"), "does not follow the choices"),
        (lambda d: d.update(source="x = 1\n"), "not a run of the program"),
    ],
)
def test_a_tampered_answer_is_refused(tamper: Callable[[dict[str, Any]], None], why: str) -> None:
    document, source = _faithful()
    document = copy.deepcopy(document)
    tamper(document)
    with pytest.raises(RunRefused, match=why):
        _check(document, source, schedule=[])


def test_a_run_with_a_lock_taken_twice_is_refused() -> None:
    document, source = _faithful()
    trace = Trace.from_json(document)
    acquired = next(i for i, e in enumerate(trace.events) if e.kind == "acquire")
    other = next(t.id for t in trace.threads if t.id != trace.events[acquired].thread)
    trace.events.insert(acquired + 1, trace.events[acquired]._replace(thread=other))
    with pytest.raises(RunRefused, match="inconsistent events"):
        _check(trace.to_json(), source, schedule=[])


def test_an_exploration_that_does_not_add_up_is_refused() -> None:
    ending = {"status": "completed", "final": {}, "output": [], "count": 2, "schedule": [],
              "preemptions": 0, "cycle": []}  # fmt: skip
    document = {"explored": 3, "runs": 3, "covered": "all", "preemptions": 0, "seconds": 0.1,
                "outcomes": [ending]}  # fmt: skip
    with pytest.raises(RunRefused, match="do not add up"):
        checked_exploration(document, preemptions=2, max_schedules=10)
    with pytest.raises(RunRefused, match="not an exploration at outcomes/0/count"):
        checked_exploration(
            document | {"outcomes": [ending | {"count": "2"}]}, preemptions=2, max_schedules=10
        )
    assert checked_exploration(document | {"explored": 2}, preemptions=2, max_schedules=10)


def test_a_pool_hands_each_spare_out_once_and_keeps_one_ready() -> None:
    pool = WorkerPool(spares=1)
    try:
        trace = run_program(NORMAL, schedule=[], pool=pool, limits=LIMITS)
        assert printed(trace) == ["total 6"]
        (spare,) = pool._ready
        assert spare.poll() is None
        taken = pool.take()
        assert taken is spare and pool._ready[0] is not spare
        taken.kill()
        taken.communicate()
        again = run_program(NORMAL, schedule=[], pool=pool, limits=LIMITS)
        assert again.events == trace.events
    finally:
        pool.close()
    assert pool._ready == []


def test_the_limits_come_from_the_settings_and_each_is_documented() -> None:
    settings = Settings(run_seconds=3, sandbox_memory_mb=128, max_source=500)
    limits = SandboxLimits.from_settings(settings)
    assert (limits.seconds, limits.memory_mb, limits.source_chars) == (3, 128, 500)
    assert limits.output_kb == settings.sandbox_output_kb
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        if name.startswith("sandbox_"):
            assert f"`HILOS_{name.upper()}`" in readme


def test_a_program_near_the_size_limit_reaches_its_worker() -> None:
    # More than a pipe holds at once: the job goes in while the worker reads it.
    source = "print('long')\n" + "# " + "y" * 63_000 + "\n"
    limits = SandboxLimits(seconds=2.0, source_chars=64_000)
    assert printed(run_program(source, limits=limits)) == ["long"]


def test_a_jail_that_cannot_be_put_on_is_the_servers_problem_not_the_programs() -> None:
    # Nobody may raise its descriptor limit this far: the jail fails before the program.
    with pytest.raises(SandboxUnavailable) as caught:
        run_program("x = 1\n", limits=SandboxLimits(files=10**9))
    assert caught.value.status == 503 and "ValueError" in str(caught.value)


def test_the_worker_loads_none_of_the_servers_side() -> None:
    # Each would cost every worker's start, and give a program more to reach.
    trace = sandboxed(
        """
        import collections
        modules = collections._sys.modules
        print([name for name in ("jsonschema", "pydantic", "app.analysis", "app.web", "sqlite3")
               if name in modules])
        """
    )
    assert printed(trace) == ["[]"]


@pytest.mark.parametrize(
    ("message", "error", "reason"),
    [
        ({"reason": "program", "message": "syntax error at line 4: x"}, ProgramError, "syntax"),
        ({"reason": "program", "message": "the schedule does not fit"}, ProgramError, "schedule"),
        ({"reason": "memory", "message": "out of memory"}, LimitExceeded, "memory"),
        ({"reason": "crashed", "message": "KeyError"}, ProgramCrashed, "crashed"),
        ({"reason": "unavailable", "message": "too late to say so"}, RunRefused, "refused"),
        ({"message": "x" * 10_000}, RunRefused, "refused"),
    ],
)
def test_each_error_a_worker_may_report_has_its_reason(
    message: dict[str, Any], error: type[Exception], reason: str
) -> None:
    found = _failure(message, LIMITS)
    assert type(found) is error and found.reason == reason
    assert len(str(found)) < 600
    if reason == "syntax":
        assert found.line == 4
    if reason == "memory":
        assert isinstance(found, LimitExceeded) and found.limit == LIMITS.memory_mb


def test_a_program_too_deep_to_prepare_is_a_syntax_error() -> None:
    # It parses, but rewriting and compiling it go past Python's depth (in the worker).
    source = "x = " + "+".join(["1"] * 2000) + "\nprint(x)\n"
    with pytest.raises(ProgramError, match="nested too deeply") as caught:
        run_program(source, limits=SandboxLimits(seconds=2.0, source_chars=60_000))
    assert caught.value.reason == "syntax"


def test_a_recursion_in_the_program_is_its_own_exception() -> None:
    trace = sandboxed(
        """
        def down(n):
            return down(n + 1)

        down(0)
        """
    )
    assert trace.outcome.error is not None and trace.outcome.error["type"] == "RecursionError"
