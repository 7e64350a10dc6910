"""Saved runs: SQLite in WAL mode, each trace serialised and gzipped once, served as stored.

One interface (`RunStore`); the embedded SQLite file is the default so Hilos needs no other
server. A run acknowledged by `save()` has been committed (synchronous=FULL in WAL mode), so it
survives a crash of the process.
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["RunStore", "StoredRun", "new_run_id"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id          TEXT PRIMARY KEY,
    scenario    TEXT,
    lang        TEXT,
    params      TEXT NOT NULL,
    status      TEXT NOT NULL,
    created     REAL NOT NULL,
    etag        TEXT NOT NULL,
    body        BLOB NOT NULL
);
-- Explorations of a scenario's interleavings: deterministic, so kept by a content address
-- (scenario, version, language, values, limits) and served like runs.
CREATE TABLE IF NOT EXISTS explorations (
    id          TEXT PRIMARY KEY,
    created     REAL NOT NULL,
    etag        TEXT NOT NULL,
    body        BLOB NOT NULL
);
-- Programs written on the site (their source, values, first run, and for a custom scenario
-- a title and notes): kept by a content address, so never changed once stored.
CREATE TABLE IF NOT EXISTS programs (
    id          TEXT PRIMARY KEY,
    created     REAL NOT NULL,
    etag        TEXT NOT NULL,
    body        BLOB NOT NULL
);
-- The run each scenario shows before anyone presses "run again": one per scenario, language
-- and version of its files, so editing a scenario records a fresh default and old permalinks
-- keep working.
CREATE TABLE IF NOT EXISTS default_runs (
    scenario    TEXT NOT NULL,
    lang        TEXT NOT NULL,
    version     TEXT NOT NULL,
    run_id      TEXT NOT NULL REFERENCES runs(id),
    PRIMARY KEY (scenario, lang, version)
);
"""

_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"


def new_run_id() -> str:
    """A short id for a permalink: 12 characters, no look-alike letters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


@dataclass(frozen=True)
class StoredRun:
    id: str
    scenario: str | None
    lang: str | None
    params: str  # JSON text
    status: str
    created: float
    etag: str
    body: bytes  # gzipped JSON document

    def document(self) -> bytes:
        return gzip.decompress(self.body)


class RunStore:
    """Saved runs in one SQLite file. Safe to share between threads."""

    def __init__(self, path: Path | str, cache_runs: int = 256) -> None:
        self.path = Path(path)
        # Saved runs never change, so the most recently read ones are kept in memory.
        self._cache: OrderedDict[str, StoredRun] = OrderedDict()
        self._cache_size = cache_runs
        self._cache_lock = threading.Lock()
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    def save(
        self,
        document: bytes,
        *,
        scenario: str | None,
        lang: str | None,
        params: str,
        status: str,
        run_id: str | None = None,
        default_for: tuple[str, str, str] | None = None,
    ) -> StoredRun:
        """Store one run's JSON document (compressed once, here) and return it with its id."""
        body = gzip.compress(document, compresslevel=6, mtime=0)
        etag = '"' + hashlib.sha256(document).hexdigest()[:32] + '"'
        run_id = run_id or new_run_id()
        run = StoredRun(run_id, scenario, lang, params, status, time.time(), etag, body)
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run.id, scenario, lang, params, status, run.created, etag, body),
            )
            if default_for is not None:
                db.execute(
                    "INSERT OR REPLACE INTO default_runs VALUES (?, ?, ?, ?)",
                    (*default_for, run.id),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return run

    def get(self, run_id: str) -> StoredRun | None:
        with self._cache_lock:
            run = self._cache.get(run_id)
            if run is not None:
                self._cache.move_to_end(run_id)
                return run
        row = self._connect().execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        run = StoredRun(*row)
        with self._cache_lock:
            self._cache[run_id] = run
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return run

    def default_run(self, scenario: str, lang: str, version: str) -> StoredRun | None:
        row = (
            self._connect()
            .execute(
                "SELECT runs.* FROM default_runs AS d JOIN runs ON runs.id = d.run_id "
                "WHERE d.scenario = ? AND d.lang = ? AND d.version = ?",
                (scenario, lang, version),
            )
            .fetchone()
        )
        return StoredRun(*row) if row else None

    def save_exploration(self, exploration_id: str, document: bytes) -> StoredRun:
        """Keep an exploration's JSON document under its content address (once: the same
        address always holds the same result)."""
        body = gzip.compress(document, compresslevel=6, mtime=0)
        etag = '"' + hashlib.sha256(document).hexdigest()[:32] + '"'
        created = time.time()
        self._connect().execute(
            "INSERT OR IGNORE INTO explorations VALUES (?, ?, ?, ?)",
            (exploration_id, created, etag, body),
        )
        found = self.get_exploration(exploration_id)
        assert found is not None
        return found

    def get_exploration(self, exploration_id: str) -> StoredRun | None:
        row = (
            self._connect()
            .execute(
                "SELECT id, created, etag, body FROM explorations WHERE id = ?",
                (exploration_id,),
            )
            .fetchone()
        )
        if row is None:
            return None
        return StoredRun(row[0], None, None, "{}", "explored", row[1], row[2], row[3])

    def save_program(self, program_id: str, document: bytes) -> StoredRun:
        """Keep a program's JSON document under its content address, unless one is there:
        return the stored one (what a user saved is never replaced)."""
        body = gzip.compress(document, compresslevel=6, mtime=0)
        etag = '"' + hashlib.sha256(document).hexdigest()[:32] + '"'
        self._connect().execute(
            "INSERT OR IGNORE INTO programs VALUES (?, ?, ?, ?)",
            (program_id, time.time(), etag, body),
        )
        found = self.get_program(program_id)
        assert found is not None
        return found

    def get_program(self, program_id: str) -> StoredRun | None:
        row = (
            self._connect()
            .execute("SELECT id, created, etag, body FROM programs WHERE id = ?", (program_id,))
            .fetchone()
        )
        if row is None:
            return None
        return StoredRun(row[0], None, None, "{}", "program", row[1], row[2], row[3])

    def count(self) -> int:
        row: Any = self._connect().execute("SELECT COUNT(*) FROM runs").fetchone()
        return int(row[0])

    def check(self) -> str:
        """SQLite's own integrity check: 'ok' when the file is sound."""
        row: Any = self._connect().execute("PRAGMA integrity_check").fetchone()
        return str(row[0])
