"""A real PostgreSQL server for the tests, started by the test run itself and stopped after.

PostgreSQL refuses to run as root, and CI runs as root: the server then runs as `nobody`, in a
temporary folder of its own, listening on loopback at a free port. Every test gets a fresh
database in it. Nothing here skips: a machine without PostgreSQL fails the tests that need it,
saying what to install.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from .server import free_port

__all__ = ["Postgres", "PostgresUnavailable"]

_USER = "hilos"  # the database superuser initdb makes (trust authentication, loopback only)


class PostgresUnavailable(Exception):
    """PostgreSQL could not be found or started; the message says why and what to do."""


def _bindir() -> Path:
    """Debian keeps the server's programs under /usr/lib/postgresql/VERSION/bin."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("postgres")
    if found:
        return Path(found).parent
    raise PostgresUnavailable(
        "PostgreSQL is not installed, and the store's tests run against a real one: "
        "run `scripts/setup.sh --dev` (it installs Debian's `postgresql`)"
    )


def _as_user() -> dict[str, Any]:
    """Popen arguments that run a program as `nobody` when the tests run as root."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


class Postgres:
    """One PostgreSQL server in a temporary folder; `database()` makes a fresh database."""

    def __init__(self, *, durable: bool = False) -> None:
        bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="hilos-pg-"))
        self.log = self.root / "server.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        user = _as_user()
        try:
            if user:
                os.chown(self.root, user["user"], user["group"])
            data = self.root / "data"
            initdb = subprocess.run(
                [bindir / "initdb", "-D", data, "-U", _USER, "-A", "trust", "-E", "UTF8"]
                + ["--no-locale", "--no-sync"],
                cwd=self.root,
                capture_output=True,
                timeout=120,
                **user,
            )
            if initdb.returncode != 0:
                raise PostgresUnavailable(
                    "initdb failed: " + initdb.stderr.decode(errors="replace").strip()[-600:]
                )
            with open(self.log, "wb") as log:
                self.process = subprocess.Popen(
                    [bindir / "postgres", "-D", data, "-p", str(self.port), "-k", self.root]
                    + ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"]
                    # Speed over durability, unless asked: a test database lives for one run.
                    + ([] if durable else ["-c", "fsync=off", "-c", "full_page_writes=off"]),
                    cwd=self.root,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    **user,
                )
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://{_USER}@127.0.0.1:{self.port}/{database}"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(self.admin_url, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                assert self.process is not None
                if self.process.poll() is not None or time.monotonic() > deadline:
                    tail = self.log.read_text(errors="replace").strip()[-800:]
                    raise PostgresUnavailable(f"PostgreSQL did not start: {tail}") from None
                time.sleep(0.1)

    def database(self) -> str:
        """A new, empty database; its URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(2)  # SIGINT: PostgreSQL's fast shutdown
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
