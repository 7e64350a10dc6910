"""Where runs are kept: one interface (`RunStore`), two backends.

SQLite, one file and no other server, is the default (`HILOS_DB`); PostgreSQL, shared by
several replicas, is chosen by `HILOS_DATABASE_URL=postgresql://…`. Both apply the schema's
migrations when they open.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .base import RunStore, StoredRun, StoreUnavailable, new_run_id
from .sqlite import SQLiteStore

__all__ = [
    "RunStore",
    "SQLiteStore",
    "StoreUnavailable",
    "StoredRun",
    "describe",
    "is_database_url",
    "new_run_id",
    "open_store",
    "writable_store",
]


def is_database_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def describe(target: str | Path) -> str:
    """The database at `target` for a message: the path, or the URL without its password."""
    if is_database_url(target):
        from .postgres import redact

        return redact(str(target))
    return str(target)


def open_store(target: str | Path) -> RunStore:
    """The store at `target`: a PostgreSQL URL, or the path of a SQLite file. Opening applies
    the migrations; raises StoreUnavailable when the database cannot be used."""
    if is_database_url(target):
        from .postgres import PostgresStore  # psycopg is loaded only when it is used

        return PostgresStore(str(target))
    return SQLiteStore(target)


def writable_store(target: str | Path) -> RunStore:
    """The store at `target`, migrated and proven writable; or else one line on stderr and
    exit status 3, which uvicorn takes for a failed start (its supervisor stops instead of
    starting workers again and again)."""
    try:
        store = open_store(target)
        store.probe()
    except StoreUnavailable as exc:
        print(f"hilos: cannot start: database {describe(target)}: {exc}", file=sys.stderr)
        raise SystemExit(3) from None
    return store
