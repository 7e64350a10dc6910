"""Every trace any test records is checked: JSON Schema, round trip and consistency."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from app.tracing import Trace
from app.tracing.check import check_trace
from app.tracing.recorder import Recorder

from .helpers import STD, Mods
from .pg import Postgres, PostgresUnavailable

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "app" / "tracing" / "trace.schema.json"


@cache
def trace_validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate_trace(trace: Trace) -> None:
    """Schema-valid, survives a JSON round trip unchanged, and internally consistent."""
    document = json.loads(trace.dumps())
    errors = sorted(trace_validator().iter_errors(document), key=str)
    assert not errors, f"trace does not match its schema: {errors[0].message}"
    assert Trace.from_json(document).events == trace.events
    check_trace(trace)


@pytest.fixture(autouse=True)
def _validate_recorded_traces(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    produced: list[Trace] = []
    finish = Recorder.finish

    def recording_finish(self: Recorder) -> Trace:
        trace = finish(self)
        produced.append(trace)
        return trace

    monkeypatch.setattr(Recorder, "finish", recording_finish)
    yield
    for trace in produced:
        validate_trace(trace)


def _recorded(speedups: bool = True) -> Iterator[Mods]:
    rec = Recorder(speedups=speedups)
    yield rec.modules
    check_trace(rec.finish())


# One battery, three implementations (as CPython's lock_tests.py runs one battery over several
# lock types): "traced" uses the compiled Lock fast path when it was built; "traced-pure" is the
# Python reference it falls back to; both are held to the standard library's behaviour.
@pytest.fixture(params=["std", "traced", "traced-pure"])
def mods(request: pytest.FixtureRequest) -> Iterator[Mods]:
    if request.param == "std":
        yield STD
    else:
        yield from _recorded(speedups=request.param == "traced")


@pytest.fixture
def traced() -> Iterator[Mods]:
    yield from _recorded()


@pytest.fixture
def tiny_switch_interval() -> Iterator[None]:
    """A 10 µs switch interval, where timing bugs show up in most runs (restored after)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server for the session (tests/pg.py); its absence fails, never skips."""
    try:
        server = Postgres()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres: Postgres) -> str:
    """The URL of a fresh database on the session's PostgreSQL."""
    return postgres.database()
