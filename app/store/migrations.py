"""The schema, as numbered migrations applied at start and recorded in `schema_migrations`.

Each backend runs the missing ones in one transaction under its own lock (SQLite's write lock;
a PostgreSQL advisory lock), so two replicas starting at once apply each migration once, and a
start that finds everything applied changes nothing. Never edit a migration that has shipped:
add the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["MIGRATIONS", "Dialect", "Migration", "statements"]

Dialect = Literal["sqlite", "postgresql"]

_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {"blob": "BLOB", "real": "REAL"},
    "postgresql": {"blob": "BYTEA", "real": "DOUBLE PRECISION"},
}


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: tuple[str, ...]  # for both dialects; {blob} and {real} name the column types
    postgresql: tuple[str, ...] = ()  # PostgreSQL only, after `sql`


MIGRATIONS = (
    Migration(
        1,
        "runs, explorations and default runs",
        (
            # IF NOT EXISTS: a database made before migrations were recorded is adopted as is.
            """CREATE TABLE IF NOT EXISTS runs (
                id          TEXT PRIMARY KEY,
                scenario    TEXT,
                lang        TEXT,
                params      TEXT NOT NULL,
                status      TEXT NOT NULL,
                created     {real} NOT NULL,
                etag        TEXT NOT NULL,
                body        {blob} NOT NULL
            )""",
            # Explorations of a scenario's interleavings: deterministic, so kept by a content
            # address (scenario, version, language, values, limits) and served like runs.
            """CREATE TABLE IF NOT EXISTS explorations (
                id          TEXT PRIMARY KEY,
                created     {real} NOT NULL,
                etag        TEXT NOT NULL,
                body        {blob} NOT NULL
            )""",
            # The run each scenario shows before anyone presses "run again": one per scenario,
            # language and version of its files, so editing a scenario records a fresh default
            # and old permalinks keep working.
            """CREATE TABLE IF NOT EXISTS default_runs (
                scenario    TEXT NOT NULL,
                lang        TEXT NOT NULL,
                version     TEXT NOT NULL,
                run_id      TEXT NOT NULL REFERENCES runs(id),
                PRIMARY KEY (scenario, lang, version)
            )""",
        ),
        # The bodies are gzipped already: compressing them again is wasted work.
        (
            "ALTER TABLE runs ALTER COLUMN body SET STORAGE EXTERNAL",
            "ALTER TABLE explorations ALTER COLUMN body SET STORAGE EXTERNAL",
        ),
    ),
    Migration(
        2,
        "programs, claims on default runs, and the readiness probe",
        (
            # Programs people wrote: kept under a content address, never changed.
            """CREATE TABLE programs (
                id          TEXT PRIMARY KEY,
                created     {real} NOT NULL,
                etag        TEXT NOT NULL,
                body        {blob} NOT NULL
            )""",
            # Who is recording a scenario's default run now, so that replicas sharing the
            # database record it once; a claim older than a run can last is taken over.
            """CREATE TABLE default_claims (
                scenario    TEXT NOT NULL,
                lang        TEXT NOT NULL,
                version     TEXT NOT NULL,
                holder      TEXT NOT NULL,
                claimed     {real} NOT NULL,
                PRIMARY KEY (scenario, lang, version)
            )""",
            # One row per writer, rewritten by each readiness check: a real committed write.
            """CREATE TABLE health (
                writer      TEXT PRIMARY KEY,
                checked     {real} NOT NULL
            )""",
        ),
        ("ALTER TABLE programs ALTER COLUMN body SET STORAGE EXTERNAL",),
    ),
)


def statements(migration: Migration, dialect: Dialect) -> list[str]:
    """The migration's statements as `dialect` runs them."""
    shared = [sql.format(**_TYPES[dialect]) for sql in migration.sql]
    return shared + list(migration.postgresql if dialect == "postgresql" else ())
