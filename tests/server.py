"""A real Hilos server for tests that need one: uvicorn in a subprocess, on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["ROOT", "Server", "free_port", "uvicorn_command", "without_root_powers"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def uvicorn_command(port: int, *options: str) -> list[str]:
    """The command that serves the app on loopback at `port`."""
    return [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app"] + [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        *options,
    ]


def without_root_powers(command: list[str]) -> list[str]:
    """`command` under the file permissions everyone else gets: as root (CI), it runs with
    root's power to override them dropped, so a read-only file is read-only to it too."""
    if os.geteuid() != 0:
        return command
    dropped = "-dac_override,-dac_read_search,-fowner"
    return ["setpriv", f"--inh-caps={dropped}", f"--bounding-set={dropped}", *command]


class Server:
    """One uvicorn process serving the app on loopback, with its own database."""

    def __init__(self, db: Path, *, unprivileged: bool = False, **env: str) -> None:
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = os.environ | {"HILOS_DB": str(db)} | env
        command = uvicorn_command(self.port)
        self.process = subprocess.Popen(
            without_root_powers(command) if unprivileged else command,
            cwd=ROOT,
            env=environment,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, as a crash or an OOM kill would leave it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
