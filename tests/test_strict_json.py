"""Every trace is strict JSON (RFC 8259), and no parameter can be a float JSON has no number for.

`Infinity` and `NaN` are what Python's json module writes by default and what a browser's
`JSON.parse` refuses; a parameter of `nan` would even be written into the source as `PAUSE = nan`,
which is not a program. Documents are read back here with a parser that refuses those constants.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.main import create_app
from app.runner import ScenarioError, apply_parameters, find_parameters, run_source
from app.scenarios import Param, ParamError, get_scenario
from app.settings import Settings
from app.tracing import Trace
from app.tracing.trace import Event, ObjectInfo, Outcome, ThreadInfo, jsonable
from tests.helpers import run

pytestmark = pytest.mark.timeout(60)

INF, NAN = float("inf"), float("nan")
# Integers no float can hold, with short test ids.
HUGE = [pytest.param(10**309, id="10**309"), pytest.param(-(10**400), id="-10**400")]
NOT_FINITE = ["nan", "inf", "-inf", "1e999", "-1e999", "Infinity", " NaN "]


def strict_loads(text: str) -> Any:
    """json.loads that refuses `Infinity`, `-Infinity` and `NaN`, as JSON.parse does."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


# -- the trace ------------------------------------------------------------------------------------

EVERYWHERE = """\
import queue, threading

items = [float("inf"), float("-inf"), float("nan"), 1.5, 10 ** 5000]
for make in (queue.Queue, queue.LifoQueue, queue.SimpleQueue):
    q = make()
    for item in items:
        q.put(item)
    for _ in items:
        # An item is there: queue.Queue never looks at the timeout (SimpleQueue would refuse it).
        q.get(timeout=1e308) if make is not queue.SimpleQueue else q.get()
unbounded = queue.Queue(maxsize=float("inf"))
unbounded.put(float("nan"), timeout=float("inf"))
print(float("inf"), float("nan"))
worker = threading.Thread(target=lambda: None)
worker.start()
worker.join()
worker.join(float("inf"))  # an ended thread: CPython returns at once
"""


def test_a_trace_full_of_infinities_is_strict_json() -> None:
    trace = run(EVERYWHERE)
    assert trace.outcome.status == "completed", trace.outcome.message
    document = strict_loads(trace.dumps())
    values = document["events"]["args"]["value"]
    assert (values.count("inf"), values.count("-inf"), values.count("nan")) == (6, 6, 7)
    assert values.count("<int of 16610 bits>") == 6
    assert "inf nan" in values  # the printed text
    assert [1, "inf"] in values  # join's [thread, timeout]
    assert 1.5 in values
    queues = [o for o in document["objects"] if o["kind"] == "Queue"]
    assert queues[-1]["info"]["maxsize"] == 0  # an infinite maxsize never fills
    assert Trace.loads(trace.dumps()).events == trace.events


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (INF, "inf"),
        (-INF, "-inf"),
        (NAN, "nan"),
        (1e308, 1e308),
        (-0.0, -0.0),
        (10**400, 10**400),
        pytest.param(10**5000, "<int of 16610 bits>", id="10**5000"),
        (True, True),
        (None, None),
        ([INF], "[inf]"),
        ("x" * 300, "x" * 199 + "…"),
    ],
)
def test_jsonable_gives_only_what_strict_json_carries(value: object, stored: object) -> None:
    assert jsonable(value) == stored
    strict_loads(json.dumps(jsonable(value), allow_nan=False))


def _trace(arg: Any, params: dict[str, Any] | None = None) -> Trace:
    return Trace(
        source="",
        outcome=Outcome("completed", "done"),
        threads=[ThreadInfo(0, "MainThread", False, None, "main", start_ns=0, end="finished")],
        objects=[ObjectInfo(1, "Semaphore", "s", 1, {"value": INF})],
        events=[Event(0, 0, "thread_run", 0, 0), Event(1, 0, "release", 1, 2, arg)],
        params=params or {},
        limits={"max_seconds": 10.0, "max_threads": 64, "max_events": 100_000},
    )


def test_a_trace_in_memory_holds_what_its_document_holds() -> None:
    arg = [1, {"timeout": -INF, "left": [NAN, 2.5]}]
    trace = _trace(arg, {"PAUSE": INF})
    assert trace.events[1].arg == [1, {"timeout": "-inf", "left": ["nan", 2.5]}]
    assert trace.params == {"PAUSE": "inf"} and trace.objects[0].info == {"value": "inf"}
    assert Trace.loads(trace.dumps()).events == trace.events
    plain = [1, {"a": [2.5, "x"]}]
    assert _trace(plain).events[1].arg is plain  # nothing to change: nothing copied


def test_a_non_finite_float_that_slips_in_later_fails_loudly() -> None:
    trace = _trace(None)
    trace.events.append(Event(2, 0, "print", 0, 3, INF))
    with pytest.raises(ValueError, match="not JSON compliant"):
        trace.dumps()


def test_an_old_document_with_infinity_reads_as_the_strict_one() -> None:
    old = _trace(None).to_json()
    old["events"]["args"] = {"at": [1], "value": [[1, INF]]}
    text = json.dumps(old)  # what Hilos used to write
    assert "Infinity" in text
    assert Trace.loads(text).events[1].arg == [1, "inf"]


# -- parameters: the runner -------------------------------------------------------------------

PROGRAM = "import time\nPAUSE = 0.1\nN = 2\ntime.sleep(PAUSE)\n"


@pytest.mark.parametrize("value", NOT_FINITE)
def test_a_non_finite_float_parameter_is_refused(value: str) -> None:
    with pytest.raises(ScenarioError) as info:
        apply_parameters(PROGRAM, {"PAUSE": value})
    assert str(info.value) == f"PAUSE must be a finite number (got {value!r})"


@pytest.mark.parametrize("value", [INF, -INF, NAN, *HUGE, pytest.param(10**5000, id="10**5000")])
def test_a_parameter_given_as_a_number_without_a_float_is_refused(value: object) -> None:
    with pytest.raises(ScenarioError, match=r"^PAUSE must be a finite number \(got "):
        run_source(PROGRAM, {"PAUSE": value})


def test_a_long_value_is_cut_short_in_the_message() -> None:
    with pytest.raises(ScenarioError) as info:
        apply_parameters(PROGRAM, {"PAUSE": 10**309})
    assert len(str(info.value)) < 100 and str(info.value).endswith("…)")


def test_finite_values_still_go_into_the_source() -> None:
    source, used = apply_parameters(PROGRAM, {"PAUSE": "1e-3", "N": "7"})
    assert "PAUSE = 0.001\nN = 7\n" in source and used == {"N": 7, "PAUSE": 0.001}
    assert apply_parameters(PROGRAM, {"PAUSE": 2})[1]["PAUSE"] == 2.0


@pytest.mark.parametrize("literal", ["1e999", "-1e999", "1e400"])
def test_a_literal_without_a_finite_value_is_not_a_parameter(literal: str) -> None:
    source = f"import time\nFOREVER = {literal}\nN = 2\n"
    assert set(find_parameters(ast.parse(source))) == {"N"}
    with pytest.raises(ScenarioError, match="unknown parameter FOREVER"):
        apply_parameters(source, {"FOREVER": "1"})
    trace = run_source(source)
    assert trace.params == {"N": 2}


# -- parameters: the command line -------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_cli_refuses_a_non_finite_parameter_with_one_line(
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prog.py").write_text(PROGRAM, encoding="utf-8")
    assert main(["run", "prog.py", "--set", f"PAUSE={value}", "--out", "t.json"]) == 2
    err = capsys.readouterr().err
    assert err == f"hilos: error: PAUSE must be a finite number (got {value!r})\n"
    assert not (tmp_path / "t.json").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_cli_refuses_a_non_finite_scenario_parameter(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "deadlock", "--set", f"PAUSE={value}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PAUSE must be a number between 0.05 and 0.5" in err


# -- parameters: scenarios and the site --------------------------------------------------------


@pytest.mark.parametrize("value", [*HUGE, INF, NAN, "1e999", "nan"])
def test_scenario_param_refuses_what_has_no_finite_float(value: object) -> None:
    with pytest.raises(ParamError, match=r"^D must be a number between 0 and 1 \(got "):
        Param("D", "float", 0.1, {}, 0.0, 1.0).coerce(value)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=tmp_path / "runs.sqlite3", run_workers=1, run_queue=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _saved(client: TestClient) -> int:
    count: int = client.app.state.service.store.count()  # type: ignore[attr-defined]
    return count


@pytest.mark.parametrize("value", [*HUGE, 1e308])
def test_api_refuses_a_number_without_a_float_with_422(client: TestClient, value: int) -> None:
    body = {"scenario": "deadlock", "params": {"PAUSE": value}, "lang": "en"}
    answer = client.post("/api/runs", json=body)
    assert answer.status_code == 422
    assert "“PAUSE” must be a number between 0.05 and 0.5" in answer.json()["detail"]
    assert _saved(client) == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", '"nan"', '"inf"'])
def test_api_refuses_non_finite_json_with_422(client: TestClient, literal: str) -> None:
    body = '{"scenario": "deadlock", "params": {"PAUSE": ' + literal + "}}"
    answer = client.post("/api/runs", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert "PAUSE" in json.dumps(answer.json()["detail"])
    assert _saved(client) == 0


@pytest.mark.parametrize(
    "value", ["nan", "inf", "-inf", "1e999", pytest.param("1" + "0" * 400, id="1e400")]
)
def test_the_form_says_why_a_non_finite_value_is_refused(client: TestClient, value: str) -> None:
    label = get_scenario("deadlock").params["PAUSE"].label["en"]
    answer = client.post(
        "/scenarios/deadlock/runs?lang=en", data={"PAUSE": value}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 422
    assert answer.headers["hx-retarget"] == "#run-error"  # the form's slot, as for any bad value
    assert f"“{label}” must be a number between 0.05 and 0.5" in answer.text
    assert _saved(client) == 0
