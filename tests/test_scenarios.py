"""The scenario library: the registry's validation, and that every scenario teaches what it says."""

from __future__ import annotations

import ast
import builtins
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.runner import run_source
from app.scenarios import (
    LANGS,
    Param,
    ParamError,
    ScenarioFormatError,
    UnknownScenario,
    get_scenario,
    load_scenarios,
)

pytestmark = pytest.mark.timeout(300)

EXPECTED_IDS = [
    "thread-start",
    "custom-thread",
    "run-inside-init",
    "join",
    "start-twice",
    "daemon",
    "timer",
    "race-condition",
    "check-then-act",
    "plus-equals",
    "lock",
    "deadlock",
    "lock-ordering",
    "class-lock",
    "event",
    "producer-consumer",
    "bounded-buffer",
    "forgotten-task-done",
    "rlock",
    "semaphore",
    "condition",
    "barrier",
    "dining-philosophers",
]
SCENARIOS = load_scenarios()
CASES = [(sid, lang) for sid in SCENARIOS for lang in LANGS]
HANGS = ("deadlock", "stalled")


def test_every_scenario_of_the_course_is_there_in_gallery_order() -> None:
    assert list(SCENARIOS) == EXPECTED_IDS


@pytest.mark.parametrize("scenario_id", EXPECTED_IDS)
def test_each_scenario_speaks_both_languages(scenario_id: str) -> None:
    scenario = get_scenario(scenario_id)
    for lang in LANGS:
        texts = scenario.texts[lang]
        assert texts.title and texts.description and texts.notice
        assert scenario.source(lang).strip()
    assert scenario.texts["es"].title != scenario.texts["en"].title or scenario_id == "timer"


def test_unknown_scenario_has_a_message() -> None:
    with pytest.raises(UnknownScenario) as info:
        get_scenario("nope")
    assert str(info.value) == "no scenario 'nope'; see the list of scenarios"


# -- validation of broken scenarios ----------------------------------------------------------

GOOD_TOML = """
order = 10
concepts = ["locks"]
outcome = "completed"

[es]
title = "Candado"
description = "Un candado."
notice = ["mira"]

[en]
title = "Lock"
description = "A lock."
notice = ["look"]

[params.N]
type = "int"
default = 2
min = 1
max = 4
label = { es = "hilos", en = "threads" }
"""
GOOD_SOURCE = "import threading\nN = 2\nfor _ in range(N):\n    threading.Lock()\n"


def write_scenario(
    base: Path, toml: str = GOOD_TOML, es: str = GOOD_SOURCE, en: str | None = GOOD_SOURCE
) -> Path:
    folder = base / "sample"
    folder.mkdir()
    (folder / "scenario.toml").write_text(toml, encoding="utf-8")
    (folder / "es.py").write_text(es, encoding="utf-8")
    if en is not None:
        (folder / "en.py").write_text(en, encoding="utf-8")
    return folder


def test_a_good_scenario_loads(tmp_path: Path) -> None:
    write_scenario(tmp_path)
    scenario = load_scenarios(tmp_path)["sample"]
    assert scenario.params["N"] == Param("N", "int", 2, {"es": "hilos", "en": "threads"}, 1, 4)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"toml": GOOD_TOML.replace('outcome = "completed"', 'outcome = "fine"')},
            "outcome must be one of completed, deadlock, stalled, error (got 'fine')",
        ),
        ({"toml": GOOD_TOML.replace("[en]", "[fr]")}, "missing the [en] table"),
        (
            {"toml": GOOD_TOML.replace('title = "Lock"', 'title = ""')},
            "[en] needs a non-empty title",
        ),
        (
            {"toml": GOOD_TOML.replace("default = 2", "default = 9")},
            "parameter N: default 9 is outside 1..4",
        ),
        (
            {"toml": GOOD_TOML.replace('en = "threads"', 'fr = "x"')},
            "parameter N: label needs es and en",
        ),
        ({"en": None}, "missing en.py"),
        ({"es": GOOD_SOURCE.replace("N = 2", "N = 3")}, "es.py sets N = 3, the toml default is 2"),
        (
            {"en": GOOD_SOURCE.replace("N = 2", "M = 2")},
            "en.py has no top-level constant N = <literal>",
        ),
        ({"es": "DELAY = 0.1\n" + GOOD_SOURCE}, "es.py has undeclared parameter DELAY"),
        ({"es": "import os\n" + GOOD_SOURCE}, "es.py: line 1: import of 'os' is not allowed"),
        ({"toml": GOOD_TOML + "\n[oops"}, "scenario.toml:"),
        ({"toml": GOOD_TOML + "\n[explore]\nM = 1\n"}, "[explore] names unknown parameter M"),
        ({"toml": GOOD_TOML + "\n[explore]\nN = 9\n"}, "[explore]: N must be an integer between"),
        ({"toml": GOOD_TOML + "\n[explore]\nN = 2\n"}, "[explore] N is its default"),
        ({"toml": "explore = 1\n" + GOOD_TOML}, "[explore] must be a table"),
    ],
)
def test_broken_scenarios_are_refused_with_a_reason(
    tmp_path: Path, change: dict[str, str | None], message: str
) -> None:
    write_scenario(tmp_path, **change)  # type: ignore[arg-type]
    with pytest.raises(ScenarioFormatError) as info:
        load_scenarios(tmp_path)
    assert str(info.value).startswith("scenario 'sample': ")
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("param", "value", "result"),
    [
        (Param("N", "int", 2, {}, 1, 8), "3", 3),
        (Param("N", "int", 2, {}, 1, 8), 8, 8),
        (Param("D", "float", 0.1, {}, 0.0, 1.0), "0.5", 0.5),
        (Param("D", "float", 0.1, {}, 0.0, 1.0), 1, 1.0),
        (Param("B", "bool", True, {}), "false", False),
        (Param("B", "bool", True, {}), True, True),
    ],
)
def test_param_coerce_accepts(param: Param, value: object, result: object) -> None:
    coerced = param.coerce(value)
    assert coerced == result and type(coerced) is type(result)


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        (Param("N", "int", 2, {}, 1, 8), 20, "N must be an integer between 1 and 8 (got 20)"),
        (Param("N", "int", 2, {}, 1, 8), "x", "N must be an integer between 1 and 8 (got 'x')"),
        (Param("N", "int", 2, {}, 1, 8), 2.5, "N must be an integer between 1 and 8 (got 2.5)"),
        (Param("N", "int", 2, {}, 1, 8), True, "N must be an integer between 1 and 8 (got True)"),
        (
            Param("D", "float", 0.1, {}, 0.0, 1.0),
            "nan",
            "D must be a number between 0 and 1 (got 'nan')",
        ),
        (Param("B", "bool", True, {}), "maybe", "B must be true or false (got 'maybe')"),
    ],
)
def test_param_coerce_refuses_with_the_bounds(param: Param, value: object, message: str) -> None:
    with pytest.raises(ParamError) as info:
        param.coerce(value)
    assert str(info.value) == message


# -- both languages are the same program -----------------------------------------------------


def _api_names() -> set[str]:
    names = set(dir(builtins)) | set(dir(threading)) | set(dir(queue)) | set(dir(time))
    for cls in (
        threading.Thread,
        threading.Timer,
        threading.Condition,
        threading.Semaphore,
        threading.Event,
        threading.Barrier,
        queue.Queue,
        type(threading.Lock()),
        type(threading.RLock()),
    ):
        names |= set(dir(cls))
    names |= {
        "threading",
        "queue",
        "time",
        "random",
        "math",
        "self",
        "name",
        "target",
        "args",
        "kwargs",
        "daemon",
        "timeout",
        "blocking",
        "maxsize",
        "block",
        "action",
        "n",
    }
    return names


API = _api_names()
# A bare name is the API only when it is a builtin or a module-level name of the modules
# (`print`, `threading`, `Thread` after `from threading import Thread`); words such as `name`
# or `target` are the API as attributes and keywords, but plain variables when bare.
BARE_API = (
    set(dir(builtins))
    | set(dir(threading))
    | set(dir(queue))
    | set(dir(time))
    | {"threading", "queue", "time", "random", "math", "self"}
)


class _Anonymise(ast.NodeTransformer):
    """Keep the program's shape and the standard library's names; forget its own words."""

    def _name(self, name: str, api: set[str] = API) -> str:
        return name if name in api or name.isupper() else "_"

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._name(node.id, BARE_API)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._name(node.arg, BARE_API)
        node.annotation = None
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        node.attr = self._name(node.attr)
        return node

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        self.generic_visit(node)
        if node.arg is not None:
            node.arg = self._name(node.arg)
        return node

    def visit_Global(self, node: ast.Global) -> ast.AST:
        node.names = [self._name(name, BARE_API) for name in node.names]
        return node

    def visit_Nonlocal(self, node: ast.Nonlocal) -> ast.AST:
        node.names = [self._name(name, BARE_API) for name in node.names]
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.name = self._name(node.name)
        node.body = [s for s in node.body if not _is_docstring(s)]
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.generic_visit(node)
        node.name = "_"
        node.body = [s for s in node.body if not _is_docstring(s)] or [ast.Pass()]
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            node.value = "_"
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        # Word order differs between languages: keep only the values printed.
        values = [self.visit(v.value) for v in node.values if isinstance(v, ast.FormattedValue)]
        return ast.Tuple(elts=sorted(values, key=ast.dump), ctx=ast.Load())


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def shape(source: str) -> str:
    tree = ast.parse(source)
    tree.body = [s for s in tree.body if not _is_docstring(s)]
    return ast.dump(_Anonymise().visit(tree), include_attributes=False)


@pytest.mark.parametrize("scenario_id", EXPECTED_IDS)
def test_both_languages_have_the_same_structure(scenario_id: str) -> None:
    scenario = get_scenario(scenario_id)
    assert shape(scenario.source("es")) == shape(scenario.source("en"))


def test_the_structure_check_sees_calls_but_not_names_or_words() -> None:
    es = 'import threading\nc = threading.Lock()\nc.acquire()\nprint(f"tengo {c}")\nc.release()\n'
    en = 'import threading\nlock = threading.Lock()\nlock.acquire()\nprint(f"{lock} held")\n'
    renamed = es.replace("c =", "lock =").replace("c.", "lock.").replace("{c}", "{lock}")
    assert shape(es) == shape(renamed.replace("tengo", "tengo el candado"))
    assert shape(es) != shape(en)  # the release is missing
    assert shape(es) != shape(es.replace("c.acquire()", "c.acquire(timeout=1)"))


# -- they run as plain Python, and under Hilos as they claim ---------------------------------


def _plain_run(scenario_id: str, lang: str, tmp: Path) -> str:
    scenario = get_scenario(scenario_id)
    path = tmp / f"{scenario_id}-{lang}.py"
    path.write_text(scenario.source(lang), encoding="utf-8")
    hangs = scenario.outcome in HANGS
    try:
        result = subprocess.run(
            [sys.executable, str(path)],
            capture_output=True,
            text=True,
            timeout=3 if hangs else 20,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "still blocked" if hangs else "timed out"
    if hangs:
        return f"finished (exit {result.returncode}) but should block"
    if scenario.outcome == "error":
        return "ok" if result.returncode != 0 else "exit 0 but should fail"
    return "ok" if result.returncode == 0 else f"exit {result.returncode}: {result.stderr[-300:]}"


@pytest.fixture(scope="module")
def plain_results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], str]]:
    tmp = tmp_path_factory.mktemp("plain")
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {case: pool.submit(_plain_run, *case, tmp) for case in CASES}
        yield {case: future.result() for case, future in futures.items()}


@pytest.mark.parametrize(("scenario_id", "lang"), CASES)
def test_runs_unchanged_under_plain_python(
    plain_results: dict[tuple[str, str], str], scenario_id: str, lang: str
) -> None:
    expected = "still blocked" if SCENARIOS[scenario_id].outcome in HANGS else "ok"
    assert plain_results[(scenario_id, lang)] == expected


@pytest.mark.parametrize(("scenario_id", "lang"), CASES)
def test_claimed_outcome_happens_under_hilos(scenario_id: str, lang: str) -> None:
    scenario = get_scenario(scenario_id)
    runs = 20 if scenario.nondeterministic else 1
    outcomes = [
        run_source(
            scenario.source(lang), specs=scenario.params, scenario=scenario_id, lang=lang
        ).outcome.status
        for _ in range(runs)
    ]
    hits = outcomes.count(scenario.outcome)
    assert hits >= (19 if runs == 20 else 1), outcomes
