"""`hilos serve` and its limits: request heads bounded in size, count and time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from app import server
from app.server import LimitedHttpTools

from .server import ROOT, free_port

pytestmark = pytest.mark.timeout(120)


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(server, "HEAD_SECONDS", 0.5)
    chosen = free_port()
    config = uvicorn.Config(
        hello,
        host="127.0.0.1",
        port=chosen,
        http=LimitedHttpTools,
        log_level="error",
        lifespan="off",
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        yield chosen
    finally:
        running.should_exit = True
        thread.join(10)


def exchange(port: int, data: bytes, wait: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(data)
        answer = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
            # Every answer in (its body whole, or its last chunk too): do not wait for the
            # server to close a kept-alive connection, which takes as long as `wait`.
            whole = answer.rstrip().endswith((b"hello", b"\r\n0"))
            if whole and answer.count(b"hello") == data.count(b"GET /"):
                break
        return answer


def test_ordinary_requests_are_answered_on_a_kept_alive_connection(port: int) -> None:
    request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = exchange(port, request * 2)
    assert answer.count(b"HTTP/1.1 200") == 2


def test_a_huge_header_is_refused_with_431(port: int) -> None:
    big = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 64 * 1024 + b"\r\n\r\n"
    assert exchange(port, big).startswith(b"HTTP/1.1 431 ")


def test_too_many_headers_are_refused_with_431(port: int) -> None:
    many = b"".join(b"X-%d: 1\r\n" % k for k in range(server.MAX_HEADERS + 5))
    assert exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n").startswith(
        b"HTTP/1.1 431 "
    )


def test_a_connection_that_sends_no_head_is_closed(port: int) -> None:
    assert exchange(port, b"").startswith(b"HTTP/1.1 408 ")
    assert exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n").startswith(b"HTTP/1.1 408 ")


def test_hilos_serve_starts_the_site(tmp_path: Path) -> None:
    chosen = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HILOS_")}
    env |= {"HILOS_DB": str(tmp_path / "runs.sqlite3"), "HILOS_PORT": str(chosen)}
    process = subprocess.Popen([sys.executable, "-m", "app", "serve"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                head = urllib.request.Request(f"http://127.0.0.1:{chosen}/healthz", method="HEAD")
                with urllib.request.urlopen(head, timeout=2) as answer:
                    assert answer.status == 200 and answer.read() == b""
                    assert "server" not in answer.headers  # no version to advertise
                    break
            except OSError:
                assert process.poll() is None, "hilos serve exited"
                assert time.monotonic() < deadline, "hilos serve did not start"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(20)


def test_hilos_serve_refuses_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    env = os.environ | {"HILOS_RUN_WORKERS": "0", "HILOS_DB": str(tmp_path / "r.sqlite3")}
    answer = subprocess.run(
        [sys.executable, "-m", "app", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answer.returncode == 2
    assert answer.stderr.strip().splitlines() == [
        "hilos: error: HILOS_RUN_WORKERS: Input should be greater than or equal to 1"
    ]
