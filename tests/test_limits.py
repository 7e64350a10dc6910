"""Limits and headers that keep the server safe under bad or hostile input."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=tmp_path / "r.sqlite3", max_body=2048))) as c:
        yield c


def test_a_body_over_the_limit_is_413_whether_announced_or_streamed(client: TestClient) -> None:
    big = b'{"scenario": "lock", "params": {"X": "' + b"x" * 5000 + b'"}}'
    announced = client.post("/api/runs", content=big, headers={"Content-Type": "application/json"})
    assert announced.status_code == 413
    assert announced.json() == {"detail": "request body too large: at most 2048 bytes"}

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 500):
            yield big[start : start + 500]

    streamed = client.post(
        "/api/runs", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert "content-security-policy" in streamed.headers
    assert client.post("/scenarios/lock/runs", content=big).status_code == 413


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"scenario": "x" * 65}, "scenario"),
        ({"scenario": "lock", "params": {f"P{i}": 1 for i in range(17)}}, "params"),
        ({"scenario": "lock", "params": {"THREADS": "x" * 41}}, "params"),
    ],
)
def test_every_field_of_a_run_request_is_bounded(
    client: TestClient, body: dict[str, object], where: str
) -> None:
    answer = client.post("/api/runs", json=body)
    assert answer.status_code == 422
    assert where in answer.json()["detail"]  # said in words, and listed for programs
    assert any(where in err["loc"] for err in answer.json()["errors"])


@pytest.mark.parametrize("path", ["/", "/scenarios/lock?lang=en", "/api/scenarios"])
def test_pages_and_json_are_gzipped_for_clients_that_accept_it(
    client: TestClient, path: str
) -> None:
    answer = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in answer.headers["vary"]
    raw = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.content == answer.content


def test_a_saved_run_is_not_compressed_twice(client: TestClient) -> None:
    run_id = client.post("/api/runs", json={"scenario": "lock"}).json()["id"]
    stream = client.get(f"/api/runs/{run_id}", headers={"Accept-Encoding": "gzip"})
    stored = client.app.state.service.store.get(run_id)  # type: ignore[attr-defined]
    assert stream.headers["content-encoding"] == "gzip"
    assert stream.content == gzip.decompress(stored.body)


@pytest.mark.parametrize(
    "path",
    ["/docs", "/openapi.json", "/static/css/site.css", "/nope", "/api/runs/zzzz", "/oembed"],
)
def test_security_headers_on_every_kind_of_response(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] and headers["permissions-policy"]


def test_the_api_docs_load_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "swagger-ui-bundle.js" in page and "http" not in page.replace("http-equiv", "")
