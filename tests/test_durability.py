"""Saved runs survive a hard kill of the server in the middle of a stream of saves."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from app.store import SQLiteStore

from .server import Server

pytestmark = pytest.mark.timeout(180)


def post_run(url: str) -> str | None:
    """POST one run; its id when the server acknowledged it with 201, else None."""
    body = json.dumps({"scenario": "start-twice", "lang": "en"}).encode()
    request = urllib.request.Request(
        url + "/api/runs", body, {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            if answer.status == 201:
                run_id: str = json.loads(answer.read())["id"]
                return run_id
    except (OSError, urllib.error.HTTPError, ValueError):
        pass  # refused, cut off by the kill, or a 429: not acknowledged
    return None


def test_every_acknowledged_run_is_there_after_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite3"
    server = Server(db, HILOS_RUN_WORKERS="4", HILOS_RUN_QUEUE="16")
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            run_id = post_run(server.url)
            if run_id is not None:
                with lock:
                    acknowledged.append(run_id)

    clients = [threading.Thread(target=client) for _ in range(6)]
    for thread in clients:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # mid-stream: requests are in flight at this moment
    finally:
        stop.set()
        for thread in clients:
            thread.join(30)
        server.stop()
    assert len(acknowledged) >= 40

    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = SQLiteStore(db)
    assert store.check() == "ok"
    for run_id in acknowledged:
        run = store.get(run_id)
        assert run is not None, f"run {run_id} was acknowledged but is gone"
        assert json.loads(run.document())["id"] == run_id

    restarted = Server(db)
    try:
        with urllib.request.urlopen(f"{restarted.url}/api/runs/{acknowledged[-1]}") as answer:
            assert answer.status == 200
    finally:
        restarted.stop()
