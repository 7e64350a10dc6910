"""The OpenAPI document: typed answers (errors too), no pages; and no store call on the event
loop from any route."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.store import RunStore
from app.web.api import ExplorationRequest, RunRequest, ScheduleRequest
from app.web.schemas import OEmbed, Problem, RunDocument, ScenarioDetail, ScenarioSummary

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=tmp_path / "runs.sqlite3"))) as test_client:
        yield test_client


def schema_ref(response: dict[str, Any]) -> str:
    return str(response["content"]["application/json"]["schema"].get("$ref", ""))


def test_pages_are_not_in_the_api_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert all(path.startswith(("/api/", "/oembed", "/healthz")) for path in paths), list(paths)
    assert "/api/runs/{run_id}" in paths and "/api/scenarios" in paths


def test_every_answer_of_the_api_is_described_by_a_model(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    created = paths["/api/runs"]["post"]["responses"]
    assert schema_ref(created["201"]).endswith("/RunDocument")
    for code in ("404", "422", "429"):
        assert schema_ref(created[code]).endswith("/Problem"), code
    assert "Retry-After" in created["429"]["headers"]
    for path in ("/api/runs/{run_id}", "/api/scenarios/{scenario_id}", "/oembed"):
        operation = paths[path]["get"]
        assert schema_ref(operation["responses"]["404"]).endswith("/Problem"), path
    assert schema_ref(paths["/api/runs/{run_id}"]["get"]["responses"]["200"]).endswith(
        "/RunDocument"
    )
    assert schema_ref(paths["/oembed"]["get"]["responses"]["200"]).endswith("/OEmbed")
    listed = paths["/api/scenarios"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listed["schema"]["items"]["$ref"].endswith("/ScenarioSummary")
    for path, methods in paths.items():
        for method, operation in methods.items():
            for code, answer in operation["responses"].items():
                if code.startswith(("4", "5")):
                    assert schema_ref(answer).endswith("/Problem"), (
                        method,
                        path,
                        code,
                    )


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/api/runs", RunRequest),
        ("/api/schedules", ScheduleRequest),
        ("/api/explorations", ExplorationRequest),
    ],
)
def test_the_bodies_the_docs_offer_work_as_they_are(
    client: TestClient, path: str, model: type[RunRequest]
) -> None:
    operation = client.get("/openapi.json").json()["paths"][path]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    # "Try it out" starts from the first: a scenario, never both a scenario and a program.
    first = next(iter(examples.values()))["value"]
    assert "scenario" in first and "source" not in first
    for name, example in examples.items():
        body = example["value"]
        assert ("scenario" in body) != ("source" in body), name
        model.model_validate(body)
        if "scenario" in body:  # a program needs the sandbox, tested in test_programs.py
            answer = client.post(path, json=body)
            assert answer.status_code in (200, 201, 202), (name, answer.text)


def test_real_answers_fit_their_models(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "runs.sqlite3", client_burst=1, client_runs_per_minute=1)
    with TestClient(create_app(settings)) as client:
        created = client.post("/api/runs", json={"scenario": "lock", "lang": "en"})
        run = RunDocument.model_validate(created.json())
        assert run.id and run.trace["schema"].startswith("hilos.trace/")
        RunDocument.model_validate(client.get(f"/api/runs/{run.id}").json())
        for item in client.get("/api/scenarios").json():
            ScenarioSummary.model_validate(item)
        ScenarioDetail.model_validate(client.get("/api/scenarios/lock").json())
        OEmbed.model_validate(client.get("/oembed", params={"url": f"/runs/{run.id}"}).json())
        Problem.model_validate(client.get("/api/runs/zzzzzzzzzzzz").json())
        Problem.model_validate(client.get("/api/scenarios/nope").json())
        refused = client.post("/api/runs", json={"scenario": "lock"})
        assert refused.status_code == 429
        Problem.model_validate(refused.json())
        odd = client.post("/api/schedules", json={"scenario": "lock", "params": {"NOPE": 1}})
        assert odd.status_code in (422, 429)
        Problem.model_validate(odd.json())


def test_no_route_calls_the_store_on_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop: list[str] = []

    def watched(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                pass  # a worker thread: fine
            else:
                on_loop.append(name)
            return method(*args, **kwargs)

        return call

    for name in ("get", "default_run", "save", "get_exploration", "save_exploration"):
        monkeypatch.setattr(RunStore, name, watched(name, getattr(RunStore, name)))
    with TestClient(create_app(Settings(db=tmp_path / "runs.sqlite3"))) as client:
        run_id = client.post("/api/runs", json={"scenario": "lock"}).json()["id"]
        for path in (
            "/scenarios/lock?lang=en",
            "/embed/scenarios/lock?lang=en",
            f"/api/runs/{run_id}",
            f"/runs/{run_id}",
            f"/embed/runs/{run_id}",
            f"/api/runs/{run_id}/analysis?lang=es",
            f"/api/runs/{run_id}/perfetto",
            f"/oembed?url=/runs/{run_id}",
            "/api/runs/zzzzzzzzzzzz",
        ):
            assert client.get(path).status_code in (200, 404), path
        body = {"scenario": "deadlock", "lang": "en", "preemptions": 0, "max_schedules": 5}
        started = client.post("/api/explorations", json=body)
        assert started.status_code in (200, 202)
        address = started.headers["location"]
        deadline = time.monotonic() + 60
        while client.get(address).status_code == 202 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert on_loop == []
