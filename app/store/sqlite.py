"""The embedded store: one SQLite file in WAL mode, so Hilos needs no other server.

A write is committed with synchronous=FULL before it returns, so it survives a crash of the
process. And it went into the file the path names: a file deleted or replaced under the open
connection (its folder removed, a backup restored over it) would swallow writes that no later
start can read, so each write compares the path's inode with the one opened and fails when
they differ.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .base import RunStore, StoreUnavailable, Transaction

__all__ = ["SQLiteStore"]

_BUSY_SECONDS = 30  # how long a connection waits for another's lock before it gives up


def _write_ahead_log(db: sqlite3.Connection) -> None:
    """Put the file in WAL mode. Switching a new file's mode needs it alone for a moment, and
    SQLite answers "database is locked" at once rather than through the busy handler when
    another connection is opening it too (replicas starting together): try again, within the
    same patience as any other lock."""
    deadline = time.monotonic() + _BUSY_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SQLiteStore(RunStore):
    """Saved runs in one SQLite file; each thread has its own connection."""

    dialect = "sqlite"

    def __init__(self, path: Path | str, cache_runs: int = 256) -> None:
        super().__init__(cache_runs)
        self.path = Path(path)
        self.where = str(self.path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        with _failures("cannot open the database"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._connect()
            self._opened = self._identity()
        self.migrate()

    def _identity(self) -> tuple[int, int] | None:
        """The device and inode of the file the path names now (None: no file there)."""
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (found.st_dev, found.st_ino)

    def _check_file(self) -> None:
        if self._identity() != self._opened:
            raise StoreUnavailable(
                "the database file was deleted or replaced while the server ran; nothing is "
                "written to it any more (restart the server once the file is where it belongs)"
            )

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # Used only by the thread that made it; check_same_thread=False lets close() end it.
            db = sqlite3.connect(
                self.path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
            db.execute(f"PRAGMA busy_timeout={_BUSY_SECONDS * 1000}")
            _write_ahead_log(db)
            db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    @contextmanager
    def _transaction(self, doing: str, *, write: bool) -> Iterator[Transaction]:
        with _failures(doing):
            if write:
                self._check_file()
            db = self._connect()
            # IMMEDIATE takes the write lock at once: one writer at a time, across processes.
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            if write:
                self._check_file()  # committed, but into a file nobody will open again?

    def _lock_schema(self, tx: Transaction) -> None:
        """BEGIN IMMEDIATE already holds SQLite's write lock."""

    def check(self) -> str:
        """SQLite's own integrity check: 'ok' when the file is sound."""
        with self._transaction("cannot check the database", write=False) as tx:
            return str(tx.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()


@contextmanager
def _failures(doing: str) -> Iterator[None]:
    """SQLite's and the file system's failures as StoreUnavailable, saying what failed."""
    try:
        yield
    except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
        raise  # a mistake in the caller, not a store that cannot work
    except (sqlite3.DatabaseError, OSError) as exc:
        reason = str(exc)
        if isinstance(exc, OSError) and exc.strerror:  # without the errno, with the file
            reason = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
        raise StoreUnavailable(f"{doing}: {reason}") from exc
