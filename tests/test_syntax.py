"""Parsing and compiling under concurrency (CPython gh-106905), and each source parsed once."""

from __future__ import annotations

import ast
import gc
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import runner, syntax
from app.main import create_app
from app.runner import run_source
from app.scenarios import get_scenario
from app.settings import Settings

pytestmark = pytest.mark.timeout(120)

SOURCE = Path(runner.__file__).read_text(encoding="utf-8")  # a few hundred lines of Python


class _Finalised:
    """Python code run by the cycle collector, in whichever thread it collects: what lets
    another thread in while the parser is building the tree."""

    def __del__(self) -> None:
        total = 0
        for i in range(50):
            total += i


def _at_depth(depth: int, action: Callable[[], Any]) -> Any:
    return action() if depth == 0 else _at_depth(depth - 1, action)


def _pressed(parse: Callable[[str], Any], threads: int = 4, rounds: int = 10) -> list[str]:
    """Parse from several threads at different stack depths while finalisers run; return
    the SystemErrors seen."""
    errors: list[str] = []

    def work(depth: int) -> None:
        for _ in range(rounds):
            for _ in range(20):
                cycle = _Finalised()
                cycle.me = cycle  # type: ignore[attr-defined]
            try:
                _at_depth(depth, lambda: parse(SOURCE))
            except SystemError as exc:
                errors.append(str(exc))

    workers = [threading.Thread(target=work, args=(20 * k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


@pytest.fixture
def collector_pressure(tiny_switch_interval: None) -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(50)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def test_parsing_from_many_threads_never_raises_system_error(collector_pressure: None) -> None:
    assert _pressed(syntax.parse) == []


def test_a_stray_mismatch_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = ast.parse

    def flaky(source: str, filename: str = "<unknown>") -> ast.Module:
        calls.append(filename)
        if len(calls) == 1:
            raise SystemError("AST constructor recursion depth mismatch (before=3, after=9)")
        return real(source, filename)

    monkeypatch.setattr(syntax, "_ast_parse", flaky)
    assert isinstance(syntax.parse("x = 1", "<t>"), ast.Module)
    assert calls == ["<t>", "<t>"]


def test_other_system_errors_are_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(source: str, filename: str = "<unknown>") -> ast.Module:
        raise SystemError("something else")

    monkeypatch.setattr(syntax, "_ast_parse", broken)
    with pytest.raises(SystemError, match="something else"):
        syntax.parse("x = 1")


def test_a_source_is_parsed_and_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    program = "import threading\nN = 2\nt = threading.Thread(target=print)\nt.start()\nt.join()\n"
    parsed: list[str] = []
    real = syntax.parse

    def counting(source: str, filename: str = "<unknown>") -> ast.Module:
        parsed.append(source)
        return real(source, filename)

    monkeypatch.setattr(runner, "parse", counting)
    for _ in range(3):
        run_source(program, filename="<once>")
    run_source(program, {"N": 3}, filename="<once>")
    # The source for its parameters, and the parameterised text to compile: once each.
    assert len(parsed) == 3
    assert parsed[0] == program and parsed[1] == program and "N = 3" in parsed[2]


def test_concurrent_live_runs_of_the_site_never_answer_500(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collector_pressure: None
) -> None:
    # Each run's source is new to the cache (its own values), so each one is parsed while
    # the others run; a mismatch from elsewhere in the process is retried, never a 500.
    real = ast.parse
    failed = threading.Event()

    def once_flaky(source: str, filename: str = "<unknown>") -> ast.Module:
        if not failed.is_set():
            failed.set()
            raise SystemError("AST constructor recursion depth mismatch (before=3, after=9)")
        return real(source, filename)

    monkeypatch.setattr(syntax, "_ast_parse", once_flaky)
    scenario = get_scenario("lock")
    name, param = next((n, p) for n, p in scenario.params.items() if p.type == "int")
    assert param.min is not None and param.max is not None
    values = [int(param.min) + k % (int(param.max) - int(param.min) + 1) for k in range(6)]
    settings = Settings(db=tmp_path / "runs.sqlite3", run_workers=6, run_queue=6)
    codes: list[int] = []
    with TestClient(create_app(settings)) as client:

        def post(value: int) -> None:
            body = {"scenario": "lock", "lang": "en", "params": {name: value}}
            codes.append(client.post("/api/runs", json=body).status_code)

        posters = [threading.Thread(target=post, args=(v,)) for v in values]
        for poster in posters:
            poster.start()
        for poster in posters:
            poster.join()
    assert failed.is_set()
    assert sorted(codes) == [201] * len(values)
