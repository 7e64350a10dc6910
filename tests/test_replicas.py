"""Two app processes on one PostgreSQL, as two replicas behind a proxy would run: what one saves
the other serves, a scenario's default run is recorded once between them, and each bounds its
own live runs."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from .server import Server

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def replicas(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    # One live run at a time and none waiting, per replica; HILOS_DB must stay unused.
    env = {"HILOS_DATABASE_URL": postgres_url, "HILOS_RUN_WORKERS": "1", "HILOS_RUN_QUEUE": "0"}
    first = Server(tmp_path / "unused-1.sqlite3", **env)
    try:
        second = Server(tmp_path / "unused-2.sqlite3", **env)
    except BaseException:
        first.stop()
        raise
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()
    assert not list(tmp_path.glob("unused-*")), "a replica wrote to SQLite, not PostgreSQL"


def request(url: str, body: dict[str, object] | None = None) -> tuple[int, bytes, dict[str, str]]:
    data = None if body is None else json.dumps(body).encode()
    sent = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(sent, timeout=60) as answer:
            return answer.status, answer.read(), {k.lower(): v for k, v in answer.headers.items()}
    except urllib.error.HTTPError as failure:
        return failure.code, failure.read(), {k.lower(): v for k, v in failure.headers.items()}


def together(calls: list[tuple[str, dict[str, object] | None]]) -> list[tuple[int, bytes]]:
    """Send every request at the same moment, each from its own thread."""
    start = threading.Barrier(len(calls))
    answers: list[tuple[int, bytes]] = [(0, b"")] * len(calls)

    def send(index: int) -> None:
        url, body = calls[index]
        start.wait()
        status, content, _ = request(url, body)
        answers[index] = (status, content)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers


def test_a_run_saved_through_one_replica_is_served_by_the_other(
    replicas: tuple[Server, Server],
) -> None:
    first, second = replicas
    status, body, headers = request(first.url + "/api/runs", {"scenario": "lock", "lang": "en"})
    assert status == 201
    run_id = json.loads(body)["id"]
    status, served, served_headers = request(f"{second.url}/api/runs/{run_id}")
    assert status == 200 and served == body
    assert served_headers["etag"] == headers["etag"]
    status, page, _ = request(f"{second.url}/runs/{run_id}?lang=en")
    assert status == 200 and f"/api/runs/{run_id}" in page.decode()
    for replica in replicas:
        status, ready, _ = request(replica.url + "/healthz/ready")
        assert status == 200 and json.loads(ready) == {"status": "ready", "store": "postgresql"}


def test_a_default_run_is_recorded_once_across_replicas(
    replicas: tuple[Server, Server], postgres_url: str
) -> None:
    pages = together(
        [(f"{replica.url}/scenarios/event?lang=en", None) for replica in replicas for _ in range(4)]
    )
    assert [status for status, _ in pages] == [200] * 8
    shown = {m for _, page in pages for m in re.findall(rb'data-trace-url="/api/runs/(\w+)"', page)}
    with psycopg.connect(postgres_url) as db:
        recorded = db.execute("SELECT id FROM runs WHERE scenario = 'event'").fetchall()
        defaults = db.execute("SELECT run_id FROM default_runs WHERE scenario = 'event'").fetchall()
        claims = db.execute("SELECT COUNT(*) FROM default_claims").fetchone()
    assert len(recorded) == 1, "the default run was recorded by more than one replica"
    assert defaults == recorded and shown == {recorded[0][0].encode()}
    assert claims == (0,)  # the claim ended with the saved run


def test_live_runs_are_bounded_per_replica(replicas: tuple[Server, Server]) -> None:
    # A run of about 1.5 s: each replica takes one and refuses the others at once (429).
    body: dict[str, object] = {"scenario": "daemon", "lang": "en", "params": {"NORMAL_WORK": 1.5}}
    answers = together(
        [(replica.url + "/api/runs", body) for replica in replicas for _ in range(3)]
    )
    per_replica = [[status for status, _ in answers[i : i + 3]] for i in (0, 3)]
    for statuses in per_replica:
        assert sorted(set(statuses)) == [201, 429], per_replica
    # Each replica's own bound: the other one's full executor did not stop it taking a run.
    assert sum(statuses.count(201) for statuses in per_replica) >= 2
