"""A Hilos server for the benchmarks: `hilos serve` (uvicorn with the limits the deployment
has) on loopback, with its own database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(db: Path, workers: int = 1, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [
        sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--workers", str(workers),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ | {"HILOS_DB": str(db)} | env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).close()
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("benchmark: the server did not start")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
