"""One battery for every store backend: SQLite (a file here) and PostgreSQL (a real server the
test run starts, tests/pg.py). Each test gets an empty database."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store import RunStore, StoreUnavailable, open_store
from app.store.migrations import MIGRATIONS

LATEST = max(m.version for m in MIGRATIONS)
DOCUMENT = json.dumps({"id": "x", "trace": {"events": [1, 2, 3]}}).encode()


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "sqlite":
        return tmp_path / "runs.sqlite3"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def stores(target: str | Path) -> Iterator[list[RunStore]]:
    """Opened stores, closed after the test."""
    opened: list[RunStore] = []
    yield opened
    for store in opened:
        store.close()


def opener(target: str | Path, stores: list[RunStore]) -> RunStore:
    store = open_store(target)
    stores.append(store)
    return store


@pytest.fixture
def store(target: str | Path, stores: list[RunStore]) -> RunStore:
    return opener(target, stores)


def test_a_saved_run_comes_back_as_it_was_stored(
    target: str | Path, store: RunStore, stores: list[RunStore]
) -> None:
    run = store.save(
        DOCUMENT, scenario="lock", lang="es", params='{"n": 2}', status="deadlock", run_id="abc"
    )
    assert run.id == "abc" and gzip.decompress(run.body) == DOCUMENT
    assert run.etag.startswith('"') and len(run.etag) == 34
    # Read by another store on the same database (another replica, or the next start): no cache.
    found = opener(target, stores).get("abc")
    assert found == run
    assert found.document() == DOCUMENT and found.params == '{"n": 2}'
    assert store.get("nothing") is None
    assert store.count() == 1


def test_run_ids_are_unique(store: RunStore) -> None:
    store.save(DOCUMENT, scenario=None, lang=None, params="{}", status="completed", run_id="same")
    with pytest.raises(Exception) as failure:
        store.save(DOCUMENT, scenario=None, lang=None, params="{}", status="ok", run_id="same")
    assert not isinstance(failure.value, StoreUnavailable)  # a mistake, not an outage
    assert store.get("same") is not None and store.get("same").status == "completed"  # type: ignore[union-attr]


def test_the_first_default_run_stays(store: RunStore) -> None:
    key = ("lock", "en", "v1")
    assert store.default_run(*key) is None
    first = store.save(
        DOCUMENT, scenario="lock", lang="en", params="{}", status="ok", default_for=key
    )
    second = store.save(
        b"{}", scenario="lock", lang="en", params="{}", status="ok", default_for=key
    )
    assert store.default_run(*key) == first
    assert store.get(second.id) == second  # kept as a run all the same
    assert store.default_run("lock", "en", "v2") is None  # another version of the files
    assert store.default_run("lock", "es", "v1") is None


def test_one_claim_on_a_default_run_at_a_time_across_stores(
    target: str | Path, store: RunStore, stores: list[RunStore]
) -> None:
    other = opener(target, stores)  # another process, as far as the database can tell
    key = ("lock", "en", "v1")
    assert store.claim_default(key, stale_after=60)
    assert not other.claim_default(key, stale_after=60)
    assert not store.claim_default(key, stale_after=60)  # held: not taken twice
    store.release_default(key)
    assert other.claim_default(key, stale_after=60)
    other.release_default(key)
    # A claim whose holder died is taken over once it is older than a run can last.
    assert store.claim_default(key, stale_after=60)
    assert other.claim_default(key, stale_after=-1)
    # Saving the default ends its holder's claim.
    other.save(DOCUMENT, scenario="lock", lang="en", params="{}", status="ok", default_for=key)
    assert store.claim_default(key, stale_after=60)


def test_claims_race_with_one_winner(target: str | Path, stores: list[RunStore]) -> None:
    contenders = [opener(target, stores) for _ in range(6)]
    start = threading.Barrier(len(contenders))
    won: list[bool] = []

    def contend(store: RunStore) -> None:
        start.wait()
        won.append(store.claim_default(("race", "es", "v"), stale_after=60))

    threads = [threading.Thread(target=contend, args=(s,)) for s in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(won) == [False] * 5 + [True]


@pytest.mark.parametrize("kind", ["program", "exploration"])
def test_content_addressed_documents_are_kept_once_and_never_change(
    store: RunStore, kind: str
) -> None:
    save_doc = store.save_program if kind == "program" else store.save_exploration
    get_doc = store.get_program if kind == "program" else store.get_exploration
    assert get_doc("p1") is None
    first = save_doc("p1", DOCUMENT)
    assert first.id == "p1" and first.document() == DOCUMENT
    again = save_doc("p1", b'{"other": true}')
    assert again == first  # insert-if-absent: the stored one is returned, unchanged
    assert get_doc("p1") == first
    assert first.status == ("program" if kind == "program" else "explored")
    assert store.count() == 0  # not runs


def test_programs_and_explorations_are_separate(store: RunStore) -> None:
    store.save_program("same-id", b'{"program": 1}')
    assert store.get_exploration("same-id") is None
    assert store.save_exploration("same-id", b'{"exploration": 1}').document() == (
        b'{"exploration": 1}'
    )
    assert store.get_program("same-id").document() == b'{"program": 1}'  # type: ignore[union-attr]


def test_migrations_are_recorded_and_applied_once(
    target: str | Path, store: RunStore, stores: list[RunStore]
) -> None:
    assert store.schema_version() == LATEST
    store.save(DOCUMENT, scenario=None, lang=None, params="{}", status="ok", run_id="kept")
    again = opener(target, stores)  # a restart: nothing to apply, nothing lost
    assert again.migrate() == LATEST
    assert again.get("kept") is not None
    with again._transaction("count", write=False) as tx:
        rows = tx.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert sorted(version for version, _ in rows) == [m.version for m in MIGRATIONS]


def test_replicas_starting_at_once_migrate_once(target: str | Path, stores: list[RunStore]) -> None:
    start = threading.Barrier(4)
    opened: list[RunStore] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def open_one() -> None:
        start.wait()
        try:
            store = open_store(target)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
            return
        with lock:
            opened.append(store)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    stores.extend(opened)
    assert not failures, failures
    with opened[0]._transaction("count", write=False) as tx:
        versions = [row[0] for row in tx.execute("SELECT version FROM schema_migrations")]
    assert sorted(versions) == [m.version for m in MIGRATIONS]


def test_a_database_newer_than_the_code_is_refused(target: str | Path, store: RunStore) -> None:
    with store._transaction("test", write=True) as tx:
        tx.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (LATEST + 1, "future", 0.0))
    with pytest.raises(StoreUnavailable, match="newer than this Hilos"):
        open_store(target)


def test_the_readiness_probe_writes(store: RunStore) -> None:
    store.probe()
    store.probe()
    with store._transaction("read", write=False) as tx:
        rows = tx.execute("SELECT writer FROM health").fetchall()
    assert [row[0] for row in rows] == [store.writer]


def test_concurrent_saves_all_land(store: RunStore) -> None:
    def saver(n: int) -> None:
        for i in range(10):
            store.save(
                DOCUMENT, scenario=None, lang=None, params="{}", status="ok", run_id=f"r{n}x{i}"
            )

    threads = [threading.Thread(target=saver, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert store.count() == 60
    assert all(store.get(f"r{n}x{i}") is not None for n in range(6) for i in range(10))
