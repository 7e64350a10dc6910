"""Storage failures are visible: a write that did not land is a 503 with its reason, never a
201; liveness still answers while readiness (a real write) says why it cannot; and a server
whose database cannot be written refuses to start with one line instead of crash-looping."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.store import SQLiteStore, StoreUnavailable
from app.store.migrations import MIGRATIONS
from app.web.i18n import MESSAGES

from .server import ROOT, Server, free_port, uvicorn_command, without_root_powers

pytestmark = pytest.mark.timeout(120)

RUN = {"scenario": "start-twice", "lang": "en"}


def save(store: SQLiteStore, run_id: str) -> None:
    store.save(b"{}", scenario=None, lang=None, params="{}", status="ok", run_id=run_id)


# -- the SQLite file under the open connection ---------------------------------------------------


def test_a_deleted_database_folder_fails_every_write(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    store = SQLiteStore(folder / "runs.sqlite3")
    save(store, "before")
    shutil.rmtree(folder)  # the open connection would go on writing into the unlinked file
    with pytest.raises(StoreUnavailable, match="deleted or replaced"):
        save(store, "after")
    with pytest.raises(StoreUnavailable, match="deleted or replaced"):
        store.probe()
    store.close()


def test_a_replaced_database_file_fails_every_write(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite3"
    store = SQLiteStore(path)
    save(store, "before")
    copy = tmp_path / "restored.sqlite3"
    shutil.copy(path, copy)
    copy.replace(path)  # a backup restored over it: same name, another file
    with pytest.raises(StoreUnavailable, match="deleted or replaced"):
        save(store, "after")
    store.close()
    assert SQLiteStore(path).get("after") is None


def test_a_database_made_before_migrations_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        for sql in MIGRATIONS[0].sql:
            old.execute(sql.format(blob="BLOB", real="REAL"))
        old.execute("INSERT INTO runs VALUES ('old', NULL, NULL, '{}', 'ok', 0, '\"e\"', x'00')")
    old.close()
    store = SQLiteStore(path)
    assert store.schema_version() == max(m.version for m in MIGRATIONS)
    assert store.get("old") is not None
    store.save_program("p", b"{}")  # the tables of later migrations are there
    store.close()


# -- through the app --------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def client(folder: Path) -> Iterator[TestClient]:
    settings = Settings(db=folder / "runs.sqlite3", run_workers=2, run_queue=4)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def store_of(client: TestClient) -> SQLiteStore:
    store = client.app.state.service.store  # type: ignore[attr-defined]
    assert isinstance(store, SQLiteStore)
    return store


def assert_unavailable_everywhere(client: TestClient, reason: str) -> None:
    """What a student, an instructor's script and a monitor see once writes fail."""
    answer = client.post("/api/runs", json=RUN)
    assert answer.status_code == 503
    assert reason in answer.json()["detail"] and answer.headers["Retry-After"]
    page = client.post("/scenarios/start-twice/runs?lang=es", data={})
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert MESSAGES["es"]["error.store"].split(":")[0] in page.text
    fragment = client.post(
        "/scenarios/start-twice/runs?lang=en", data={}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 503 and fragment.headers["HX-Retarget"] == "#run-error"
    assert MESSAGES["en"]["error.store"].split(":")[0] in fragment.text
    scenario = client.get("/scenarios/lock?lang=en")  # its default run cannot be kept
    assert scenario.status_code == 503
    assert MESSAGES["en"]["error.store"].split(":")[0] in scenario.text
    assert client.get("/healthz").json() == {"status": "ok"}  # alive, and says so
    ready = client.get("/healthz/ready")
    assert ready.status_code == 503 and reason in ready.json()["detail"]


def test_a_deleted_folder_is_a_503_with_its_reason_not_a_201(
    client: TestClient, folder: Path
) -> None:
    assert client.get("/healthz/ready").json() == {"status": "ready", "store": "sqlite"}
    saved = client.post("/api/runs", json=RUN)
    assert saved.status_code == 201
    shutil.rmtree(folder)
    assert_unavailable_everywhere(client, "deleted or replaced")
    # What was saved before is served from a connection that still has the file open, or is
    # a 503: never a 404 that would say the run does not exist.
    assert client.get(saved.headers["Location"]).status_code in (200, 503)


def test_a_database_turned_read_only_is_a_503_with_its_reason(client: TestClient) -> None:
    store = store_of(client)
    assert client.post("/api/runs", json=RUN).status_code == 201
    before = store.count()
    # SQLite's own read-only mode, on every connection: its writes fail as a read-only file's do.
    connect = store._connect

    def read_only() -> sqlite3.Connection:
        db = connect()
        db.execute("PRAGMA query_only=ON")
        return db

    store._connect = read_only  # type: ignore[method-assign]
    for db in store._connections:
        db.execute("PRAGMA query_only=ON")
    assert_unavailable_everywhere(client, "readonly database")
    store._connect = connect  # type: ignore[method-assign]
    for db in store._connections:
        db.execute("PRAGMA query_only=OFF")
    assert store.count() == before
    assert client.get("/healthz/ready").status_code == 200  # and back, once it can write


# -- at start ----------------------------------------------------------------------------------


def start(db: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Start the server on `db` under ordinary file permissions; it should refuse."""
    return subprocess.run(
        without_root_powers(uvicorn_command(free_port(), *options)),
        cwd=ROOT,
        env={"HILOS_DB": str(db), "PATH": "/usr/bin:/bin", "HOME": str(db.parent)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def refused(result: subprocess.CompletedProcess[str], reason: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.startswith("hilos:")]
    assert result.returncode == 3, result.stderr
    assert lines and all(line == lines[0] for line in lines), result.stderr
    assert lines[0].startswith("hilos: cannot start: database ") and reason in lines[0]
    assert "Traceback" not in result.stderr


def test_a_read_only_database_file_refuses_to_start(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite3"
    SQLiteStore(db).close()
    db.chmod(0o444)
    refused(start(db), "readonly database")


def test_a_folder_it_cannot_write_refuses_to_start(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    refused(start(folder / "runs.sqlite3"), "unable to open database file")


def test_a_path_through_a_file_refuses_to_start_without_crash_looping(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    db = tmp_path / "file" / "runs.sqlite3"
    refused(start(db), "File exists")
    # With several workers uvicorn's supervisor stops too, instead of starting them again.
    several = start(db, "--workers", "2")
    assert "hilos: cannot start: database" in several.stderr
    # The check to run before the workers start exits non-zero with the same one line.
    check = subprocess.run(
        [sys.executable, "-m", "app.store"],
        cwd=ROOT,
        env={"HILOS_DB": str(db), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 3 and check.stderr.count("\n") == 1
    assert check.stderr.startswith("hilos: cannot start: database ")


def test_the_check_before_the_workers_start_says_ready(tmp_path: Path) -> None:
    check = subprocess.run(
        [sys.executable, "-m", "app.store"],
        cwd=ROOT,
        env={"HILOS_DB": str(tmp_path / "runs.sqlite3"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0 and check.stderr == ""
    assert check.stdout.startswith("hilos: sqlite store ready at ")
    assert SQLiteStore(tmp_path / "runs.sqlite3").schema_version() == len(MIGRATIONS)


def test_a_running_server_whose_folder_is_deleted_answers_503(tmp_path: Path) -> None:
    """A server that started fine, whose database then goes: the 503 over real HTTP."""
    db = tmp_path / "data" / "runs.sqlite3"
    server = Server(db, unprivileged=True)
    try:
        shutil.rmtree(db.parent)
        request = urllib.request.Request(
            server.url + "/api/runs",
            json.dumps(RUN).encode(),
            {"Content-Type": "application/json"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as failure:
            urllib.request.urlopen(request, timeout=30)
        assert failure.value.code == 503
        assert "deleted or replaced" in json.loads(failure.value.read())["detail"]
    finally:
        server.stop()


# -- PostgreSQL ---------------------------------------------------------------------------------


def as_admin(url: str, *statements: str) -> None:
    """Run `statements` on the server of `url`, from its maintenance database."""
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        for sql in statements:
            admin.execute(sql)


def test_a_postgresql_database_turned_read_only_is_a_503_and_comes_back(
    postgres_url: str, tmp_path: Path
) -> None:
    name = postgres_url.rsplit("/", 1)[1]
    # Every connection the app holds is cut: the pool must replace them, not fail with them.
    cut = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    settings = Settings(db=tmp_path / "unused.sqlite3", database_url=postgres_url)
    with TestClient(create_app(settings)) as client:
        try:
            saved = client.post("/api/runs", json=RUN)
            assert saved.status_code == 201
            as_admin(
                postgres_url, f"ALTER DATABASE {name} SET default_transaction_read_only = on", cut
            )
            refused = client.post("/api/runs", json=RUN)
            assert refused.status_code == 503 and refused.headers["Retry-After"]
            assert "read-only transaction" in refused.json()["detail"]
            assert "127.0.0.1" not in refused.json()["detail"]  # no address of the database
            ready = client.get("/healthz/ready")
            assert ready.status_code == 503 and "read-only" in ready.json()["detail"]
            assert client.get("/healthz").status_code == 200
            assert client.get(saved.headers["Location"]).status_code == 200  # reads go on
            as_admin(
                postgres_url, f"ALTER DATABASE {name} SET default_transaction_read_only = off", cut
            )
            assert client.get("/healthz/ready").json() == {"status": "ready", "store": "postgresql"}
            assert client.post("/api/runs", json=RUN).status_code == 201
        finally:
            client.app.state.service.store.close()  # type: ignore[attr-defined]
    assert not settings.db.exists()


def test_an_unreachable_postgresql_refuses_to_start_without_showing_its_password() -> None:
    url = f"postgresql://hilos:s3cret@127.0.0.1:{free_port()}/hilos"  # nothing listens there
    result = subprocess.run(
        uvicorn_command(free_port()),
        cwd=ROOT,
        env={"HILOS_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    refused(result, "cannot connect to PostgreSQL")
    assert "s3cret" not in result.stderr and "password=***" in result.stderr
