"""The store's one interface, and what every backend shares: stored documents are gzipped once
and kept immutable under their id; recently read runs are kept in memory.

A write that returns has been committed where the next start will find it. Anything that keeps
the store from doing so raises `StoreUnavailable` with a reason a person can act on; the web
layer turns it into a 503.
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
import socket
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .migrations import MIGRATIONS, Dialect, statements

__all__ = ["RunStore", "StoreUnavailable", "StoredRun", "Transaction", "new_run_id"]

_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"

# The tables of documents kept once under a content address (insert-if-absent, immutable).
Kept = Literal["explorations", "programs"]
_KEPT_STATUS: dict[Kept, str] = {"explorations": "explored", "programs": "program"}


def new_run_id() -> str:
    """A short id for a permalink: 12 characters, no look-alike letters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def writer_name() -> str:
    """Who holds a claim or last proved it can write: this host, process and store."""
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:12]}"


class StoreUnavailable(Exception):
    """The store cannot read or write now; the message says why, without secrets."""


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

    @classmethod
    def pack(
        cls,
        document: bytes,
        *,
        run_id: str,
        scenario: str | None = None,
        lang: str | None = None,
        params: str = "{}",
        status: str,
    ) -> StoredRun:
        """Compress `document` once and give it its ETag."""
        body = gzip.compress(document, compresslevel=6, mtime=0)
        etag = '"' + hashlib.sha256(document).hexdigest()[:32] + '"'
        return cls(run_id, scenario, lang, params, status, time.time(), etag, body)


class Cursor(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Transaction(Protocol):
    """What a backend's transaction offers the shared SQL: `?` placeholders, rows as tuples."""

    def execute(self, sql: str, parameters: Sequence[Any] = ...) -> Cursor: ...


class RunStore(ABC):
    """Saved runs, explorations and programs. Safe to share between threads; every method
    blocks (the web layer calls them off the event loop).

    The SQL is shared: a backend gives transactions (`_transaction`), the lock under which
    migrations run, and `close`."""

    dialect: Dialect
    where: str  # the database, for messages to the operator (no password)

    def __init__(self, cache_runs: int = 256) -> None:
        # Saved runs never change, so the most recently read ones are kept in memory.
        self._cache: OrderedDict[str, StoredRun] = OrderedDict()
        self._cache_size = cache_runs
        self._cache_lock = threading.Lock()
        self.writer = writer_name()

    @abstractmethod
    def _transaction(self, doing: str, *, write: bool) -> AbstractContextManager[Transaction]:
        """One transaction, committed when the block ends (and, for a write, durably: a
        block that ends has been committed where the next start finds it). Failures raise
        StoreUnavailable whose message begins with `doing`."""

    @abstractmethod
    def _lock_schema(self, tx: Transaction) -> None:
        """Hold, until `tx` ends, the lock that lets one process at a time migrate."""

    @abstractmethod
    def close(self) -> None: ...

    # Runs -------------------------------------------------------------------------------

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
        """Store one run's JSON document (compressed once, here) and return it with its id.
        With `default_for` (scenario, language, version) it becomes that scenario's default
        run, unless another run already is (the first one stays), and this store's claim on
        recording it ends."""
        run = StoredRun.pack(
            document,
            run_id=run_id or new_run_id(),
            scenario=scenario,
            lang=lang,
            params=params,
            status=status,
        )
        with self._transaction("cannot save the run", write=True) as tx:
            tx.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run.id, scenario, lang, params, status, run.created, run.etag, run.body),
            )
            if default_for is not None:
                tx.execute(
                    "INSERT INTO default_runs VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (*default_for, run.id),
                )
                tx.execute(_DELETE_CLAIM, (*default_for, self.writer))
        return run

    def get(self, run_id: str) -> StoredRun | None:
        with self._cache_lock:
            run = self._cache.get(run_id)
            if run is not None:
                self._cache.move_to_end(run_id)
                return run
        with self._transaction("cannot read the run", write=False) as tx:
            row = tx.execute(f"SELECT {_RUN} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        run = StoredRun(*row)
        with self._cache_lock:
            self._cache[run_id] = run
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return run

    def default_run(self, scenario: str, lang: str, version: str) -> StoredRun | None:
        """The run shown for a scenario before anyone presses "run again", if recorded."""
        with self._transaction("cannot read the default run", write=False) as tx:
            row = tx.execute(
                f"SELECT {_RUN} FROM default_runs AS d JOIN runs ON runs.id = d.run_id "
                "WHERE d.scenario = ? AND d.lang = ? AND d.version = ?",
                (scenario, lang, version),
            ).fetchone()
        return StoredRun(*row) if row else None

    def claim_default(self, key: tuple[str, str, str], stale_after: float) -> bool:
        """Take the right to record the default run of `key` (scenario, language, version):
        True for one caller at a time across every process sharing the database, until it
        saves the run or releases the claim, or the claim is older than `stale_after`
        seconds (its holder died)."""
        now = time.time()
        with self._transaction("cannot claim the default run", write=True) as tx:
            row = tx.execute(
                "INSERT INTO default_claims VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (scenario, lang, version) DO UPDATE "
                "SET holder = excluded.holder, claimed = excluded.claimed "
                "WHERE default_claims.claimed < ? RETURNING holder",
                (*key, self.writer, now, now - stale_after),
            ).fetchone()
        return row is not None

    def release_default(self, key: tuple[str, str, str]) -> None:
        """Give back a claim this store holds without having saved the run."""
        with self._transaction("cannot release the default run", write=True) as tx:
            tx.execute(_DELETE_CLAIM, (*key, self.writer))

    def count(self) -> int:
        """How many runs are saved."""
        with self._transaction("cannot count the runs", write=False) as tx:
            return int(tx.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    # Documents kept under a content address ----------------------------------------------

    def save_exploration(self, exploration_id: str, document: bytes) -> StoredRun:
        """Keep an exploration's JSON document under its content address (once: the same
        address always holds the same result)."""
        return self._keep("explorations", exploration_id, document)

    def get_exploration(self, exploration_id: str) -> StoredRun | None:
        return self._find("explorations", exploration_id)

    def save_program(self, program_id: str, document: bytes) -> StoredRun:
        """Keep a program's JSON document under its content address: inserted if absent,
        never changed after; returns the stored one (the first, if it was already there)."""
        return self._keep("programs", program_id, document)

    def get_program(self, program_id: str) -> StoredRun | None:
        return self._find("programs", program_id)

    def _keep(self, table: Kept, ident: str, document: bytes) -> StoredRun:
        packed = StoredRun.pack(document, run_id=ident, status=_KEPT_STATUS[table])
        with self._transaction(f"cannot save to {table}", write=True) as tx:
            tx.execute(
                f"INSERT INTO {table} VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (ident, packed.created, packed.etag, packed.body),
            )
        found = self._find(table, ident)
        if found is None:  # inserted or already there, and then gone: not a store to trust
            raise StoreUnavailable(f"a document just saved to {table} cannot be read back")
        return found

    def _find(self, table: Kept, ident: str) -> StoredRun | None:
        with self._transaction(f"cannot read from {table}", write=False) as tx:
            row = tx.execute(
                f"SELECT created, etag, body FROM {table} WHERE id = ?", (ident,)
            ).fetchone()
        if row is None:
            return None
        created, etag, body = row
        return StoredRun(ident, None, None, "{}", _KEPT_STATUS[table], created, etag, bytes(body))

    # Schema and health ----------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply the migrations the database lacks, one process at a time; return the
        schema version. Refuses a database newer than this code."""
        with self._transaction("cannot prepare the database", write=True) as tx:
            self._lock_schema(tx)
            tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied "
                + ("REAL" if self.dialect == "sqlite" else "DOUBLE PRECISION")
                + " NOT NULL)"
            )
            done = {
                row[0] for row in tx.execute("SELECT version FROM schema_migrations").fetchall()
            }
            newest = max(m.version for m in MIGRATIONS)
            if done and max(done) > newest:
                raise StoreUnavailable(
                    f"the database has schema version {max(done)}, newer than this Hilos "
                    f"knows ({newest}): run the newer Hilos"
                )
            for migration in MIGRATIONS:
                if migration.version in done:
                    continue
                for sql in statements(migration, self.dialect):
                    tx.execute(sql)
                tx.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.version, migration.name, time.time()),
                )
        return self.schema_version()

    def schema_version(self) -> int:
        """The newest migration applied to the database (0 before any)."""
        with self._transaction("cannot read the schema version", write=False) as tx:
            row = tx.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def probe(self) -> None:
        """Prove the store can write now: one real, committed write (raises
        StoreUnavailable). Rows of writers silent for a day go."""
        now = time.time()
        with self._transaction("cannot write", write=True) as tx:
            tx.execute(
                "INSERT INTO health VALUES (?, ?) "
                "ON CONFLICT (writer) DO UPDATE SET checked = excluded.checked",
                (self.writer, now),
            )
            tx.execute("DELETE FROM health WHERE checked < ?", (now - 86_400,))


_RUN = ", ".join(
    f"runs.{column}"
    for column in ("id", "scenario", "lang", "params", "status", "created", "etag", "body")
)
_DELETE_CLAIM = (
    "DELETE FROM default_claims WHERE scenario = ? AND lang = ? AND version = ? AND holder = ?"
)
