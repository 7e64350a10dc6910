"""The shared store: PostgreSQL through a pool of psycopg connections, for several replicas.

Every replica reads and writes the same tables, so a run saved through one is served by all.
A write returns once PostgreSQL has committed it. Migrations run under an advisory lock, so
replicas starting at once apply each one once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg.errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from .base import Cursor, RunStore, StoreUnavailable, Transaction

__all__ = ["PostgresStore", "redact"]

_log = logging.getLogger("hilos.store")

# pg_advisory_xact_lock's key for migrations: "hilosmig" read as a 64-bit integer.
_MIGRATION_LOCK = int.from_bytes(b"hilosmig", "big")

# What makes PostgreSQL unusable now, rather than a mistake in a query.
_UNAVAILABLE = (
    psycopg.OperationalError,
    psycopg.InternalError,
    psycopg.errors.InsufficientPrivilege,
)


def redact(url: str) -> str:
    """The database URL without its password, for messages."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an invalid PostgreSQL URL)"
    if "password" in parts:
        parts["password"] = "***"
    return make_conninfo("", **{k: v for k, v in parts.items() if v is not None})


def _reason(exc: psycopg.Error) -> str:
    """Why, as PostgreSQL put it when it answered (no host, user or address in it)."""
    if isinstance(exc, PoolTimeout):
        return "no database connection could be had in time (PostgreSQL down or overloaded)"
    primary = exc.diag.message_primary if exc.sqlstate else None
    return primary or "PostgreSQL cannot be reached"


class _Translated:
    """A psycopg connection that takes the shared SQL's `?` placeholders."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        return self._connection.execute(sql.replace("?", "%s"), parameters or None)


class PostgresStore(RunStore):
    """Saved runs in PostgreSQL, shared by every replica that has the same URL."""

    dialect = "postgresql"

    def __init__(
        self, url: str, cache_runs: int = 256, pool_size: int = 8, timeout: float = 10.0
    ) -> None:
        super().__init__(cache_runs)
        self.where = redact(url)
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            timeout=timeout,  # waiting for a connection, past which a request fails (503)
            open=False,
            kwargs={"connect_timeout": max(1, int(timeout)), "application_name": "hilos"},
            check=ConnectionPool.check_connection,  # a connection the server dropped is replaced
            name="hilos",
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
        except PoolTimeout:
            self._pool.close()
            raise StoreUnavailable(
                f"cannot connect to PostgreSQL at {self.where} within {timeout:g} s"
            ) from None
        try:
            self.migrate()
        except BaseException:
            self._pool.close()
            raise

    @contextmanager
    def _transaction(self, doing: str, *, write: bool) -> Iterator[Transaction]:
        # The pool's connection block commits at its end (or rolls back on an exception):
        # a block that ends without raising has been committed.
        try:
            with self._pool.connection() as connection:
                yield _Translated(connection)
        except _UNAVAILABLE as exc:
            _log.warning("%s: %s", doing, exc)  # the details, for the operator's log only
            raise StoreUnavailable(f"{doing}: {_reason(exc)}") from exc

    def _lock_schema(self, tx: Transaction) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))

    def close(self) -> None:
        self._pool.close()
