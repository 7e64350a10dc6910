"""Shared variables leave Hilos too: counters and read/write marks in the Perfetto export, and
the player's modules still bundle into one classic script for the offline file.

`shared_document` is a real run of race-condition. Where the recorder does not trace variables
(yet, or in an old build) it makes the `read`/`write` events from the run's own prints, each
"reads N"/"writes N" getting the access it reports just before it, and the analysis keys
`variables`, `lost_updates` and `races` the same way, in the shape app/analysis/shared.py gives.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.export import _MODULES, perfetto, player_script, run_document, standalone_html
from app.main import create_app
from app.paths import STATIC
from app.runner import run_source
from app.scenarios import get_scenario
from app.settings import Settings
from app.tracing import Event, ObjectInfo, Trace

from .test_embed import check_perfetto

pytestmark = pytest.mark.timeout(60)

DATA = Path(__file__).resolve().parent / "data"

_SAYS = re.compile(r"^(?P<who>.+?) (?P<verb>reads|writes|lee|escribe) (?P<value>-?\d+)$")
_TOTAL = re.compile(r"^Total: (?P<value>-?\d+);")
_WORDS = {
    "en": (
        "{thread} wrote {value} from the {seen} it had read; {other}'s write of {lost} was "
        "overwritten before anyone read it.",
        "{a} and {b} read and write `{var}` at lines {l1} and {l2} with no lock in between.",
    ),
    "es": (
        "{thread} escribe {value} a partir del {seen} que había leído; la escritura de {other} "
        "({lost}) queda pisada sin que nadie la lea.",
        "{a} y {b} leen y escriben `{var}` en las líneas {l1} y {l2} sin candado de por medio.",
    ),
}


def _line_of(source: str, pattern: str) -> int:
    for number, text in enumerate(source.splitlines(), 1):
        if re.search(pattern, text):
            return number
    raise AssertionError(f"no line matches {pattern!r}")


def with_accesses(trace: Trace) -> Trace:
    """The race-condition run with the reads and writes of its counter it printed about."""
    var_id = max((o.id for o in trace.objects), default=0) + 1
    name = "contador" if trace.lang == "es" else "counter"
    read_line = _line_of(trace.source, rf"^\s+\w+ = {name}\b")
    write_line = _line_of(trace.source, rf"^\s+{name} = ")
    total_line = _line_of(trace.source, r"print\(f\"Total")
    events: list[Event] = []
    for ev in trace.events:
        if ev.kind == "print" and isinstance(ev.arg, str):
            said = _SAYS.match(ev.arg.strip())
            total = _TOTAL.match(ev.arg.strip())
            if said:
                kind = "read" if said["verb"] in ("reads", "lee") else "write"
                line = read_line if kind == "read" else write_line
                events.append(Event(ev.t, ev.thread, kind, var_id, line, int(said["value"])))
            elif total:
                events.append(
                    Event(ev.t, ev.thread, "read", var_id, total_line, int(total["value"]))
                )
        events.append(ev)
    variable = ObjectInfo(var_id, "Variable", name, _line_of(trace.source, rf"^{name} = "),
                          {"scope": "global"})  # fmt: skip
    return dataclasses.replace(trace, objects=[*trace.objects, variable], events=events)


def shared_analysis(trace: Trace, lang: str) -> dict[str, Any]:
    """`variables`, `lost_updates` and `races` as app/analysis/shared.py will give them."""
    names = {th.id: th.name for th in trace.threads}
    lost_words, race_words = _WORDS[lang]
    variables, lost, races = [], [], []
    for var in (o for o in trace.objects if o.kind == "Variable"):
        accesses = [
            [i, ev.thread, "r" if ev.kind == "read" else "w", ev.arg, ev.line]
            for i, ev in enumerate(trace.events)
            if ev.obj == var.id and ev.kind in ("read", "write")
        ]
        values = []
        last_read: dict[int, list[Any]] = {}
        last_write: list[Any] | None = None
        for access in accesses:
            i, thread, rw, value, line = access
            if rw == "r":
                if not values:
                    values.append([i, value])
                last_read[thread] = access
                continue
            values.append([i, value])
            seen = last_read.get(thread)
            if seen and last_write and last_write[1] != thread and last_write[0] > seen[0]:
                other = last_write[1]
                text = lost_words.format(thread=names[thread], value=value, seen=seen[3],
                                         other=names[other], lost=last_write[3])  # fmt: skip
                lost.append({"variable": var.id, "read": seen[0], "overwritten": last_write[0],
                             "write": i, "thread": thread, "other": other, "value": value,
                             "text": text})  # fmt: skip
                pair = sorted((thread, other))
                if not any(r["threads"] == pair for r in races):
                    said = race_words.format(
                        a=names[pair[0]], b=names[pair[1]], var=var.label, l1=seen[4], l2=line
                    )
                    races.append({"variable": var.id, "threads": pair, "lines": [seen[4], line],
                                  "indexes": [seen[0], last_write[0]], "lost": True,
                                  "text": said})  # fmt: skip
            last_write = access
        variables.append({"id": var.id, "label": var.label, "values": values, "accesses": accesses})
    return {"variables": variables, "lost_updates": lost, "races": races}


def without_accesses(trace: Trace) -> Trace:
    """The run as a recorder that does not trace variables would have left it."""
    gone = {o.id for o in trace.objects if o.kind == "Variable"}
    events = [ev for ev in trace.events if ev.obj not in gone or ev.kind not in ("read", "write")]
    objects = [o for o in trace.objects if o.id not in gone]
    return dataclasses.replace(trace, objects=objects, events=events)


def shared_document(
    lang: str = "en", run_id: str = "shared000001", synthetic: bool = False
) -> dict[str, Any]:
    """A run document of race-condition with a shared counter and at least one lost update;
    `synthetic`: with the stand-in accesses and analysis even where the real ones exist."""
    scenario = get_scenario("race-condition")
    trace = run_source(
        scenario.source(lang), {"THREADS": 3, "ITERATIONS": 3}, specs=scenario.params,
        scenario=scenario.id, lang=lang, seed=1,
    )  # fmt: skip
    if synthetic or not any(o.kind == "Variable" for o in trace.objects):
        trace = with_accesses(without_accesses(trace))
    document = run_document(trace, lang, run_id)
    if synthetic or "variables" not in document["analysis"]:
        document["analysis"] |= shared_analysis(trace, lang)
    assert document["analysis"]["lost_updates"], "three threads sleeping between read and write"
    return document


# -- Perfetto --------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["recorded", "synthetic"])
def document(request: pytest.FixtureRequest) -> dict[str, Any]:
    return shared_document("en", synthetic=request.param == "synthetic")


def test_a_numeric_variable_is_a_counter_track_of_its_values(document: dict[str, Any]) -> None:
    exported = perfetto(document)["traceEvents"]
    trace = Trace.from_json(document["trace"])
    variable = document["analysis"]["variables"][0]
    counters = [e for e in exported if e["ph"] == "C" and e["name"] == "counter"]
    assert [c["args"] for c in counters] == [{"value": v} for _, v in variable["values"]]
    assert [c["ts"] for c in counters] == [
        round(trace.events[i].t / 1000, 3) for i, _ in variable["values"]
    ]
    assert all(c["pid"] == 1 for c in counters)


def test_reads_and_writes_are_instants_on_the_threads_track(document: dict[str, Any]) -> None:
    exported = perfetto(document)["traceEvents"]
    trace = Trace.from_json(document["trace"])
    accesses = [(ev.thread, ev.kind, ev.arg, ev.line) for ev in trace.events
                if ev.kind in ("read", "write")]  # fmt: skip
    instants = [e for e in exported if e["ph"] == "i" and e.get("cat") in ("read", "write")]
    assert [(e["tid"] - 1, e["cat"], e["args"]["value"], e["args"]["line"]) for e in instants] == (
        accesses
    )
    _, kind, value, _ = accesses[0]
    assert instants[0]["name"] == f"{kind} counter = {value}"
    assert all(e["s"] == "t" and e["args"]["variable"] == "counter" for e in instants)


def test_a_lost_update_is_a_flow_from_the_stale_read_to_its_write(
    document: dict[str, Any],
) -> None:
    exported = perfetto(document)["traceEvents"]
    trace = Trace.from_json(document["trace"])
    lost = document["analysis"]["lost_updates"][0]
    flows = [e for e in exported if e.get("cat") == "lost_update"]
    start = next(e for e in flows if e["ph"] == "s")
    finish = next(e for e in flows if e["ph"] == "f" and e["id"] == start["id"])
    assert start["ts"] == round(trace.events[lost["read"]].t / 1000, 3)
    assert finish["ts"] == round(trace.events[lost["write"]].t / 1000, 3)
    assert start["tid"] == finish["tid"] == lost["thread"] + 1
    ids = Counter(e["id"] for e in exported if e["ph"] == "s")
    assert max(ids.values()) == 1  # no flow shares its id with a hand-off


def test_the_export_stays_valid_trace_event_json(document: dict[str, Any]) -> None:
    check_perfetto(perfetto(document))  # flows anchored inside the threads' slices, too


def test_a_saved_run_exports_its_variable_through_the_api(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "runs.sqlite3")
    with TestClient(create_app(settings)) as client:
        answer = client.post("/api/runs", json={"scenario": "race-condition", "lang": "es"})
        assert answer.status_code == 201
        document = answer.json()
        exported = client.get(f"/api/runs/{document['id']}/perfetto").json()["traceEvents"]
    variables = {o["label"] for o in document["trace"]["objects"] if o["kind"] == "Variable"}
    counters = {e["name"] for e in exported if e["ph"] == "C" and e.get("cat") == "variable"}
    assert counters == variables == {"contador"}
    check_perfetto({"traceEvents": exported})


def test_values_that_are_not_numbers_make_no_counter(document: dict[str, Any]) -> None:
    changed = dict(document)
    variable = dict(document["analysis"]["variables"][0])
    variable["values"] = [[i, f"v{v}" if n % 2 else v] for n, (i, v) in
                          enumerate(variable["values"])] + [[3, True], [4, "nan"]]  # fmt: skip
    changed["analysis"] = document["analysis"] | {"variables": [variable]}
    counters = [e for e in perfetto(changed)["traceEvents"] if e["ph"] == "C"]
    assert counters and all(
        isinstance(c["args"]["value"], int | float) and not isinstance(c["args"]["value"], bool)
        for c in counters
    )
    numbers = [v for _, v in variable["values"] if type(v) in (int, float)]
    assert [c["args"]["value"] for c in counters] == numbers  # neither "v1", True nor "nan"


def test_without_the_shared_analysis_the_trace_still_gives_counters(
    document: dict[str, Any],
) -> None:
    analysis = {k: v for k, v in document["analysis"].items()
                if k not in ("variables", "lost_updates", "races")}  # fmt: skip
    old = perfetto(document | {"analysis": analysis})["traceEvents"]
    new = perfetto(document)["traceEvents"]
    assert [e for e in old if e["ph"] == "C"] == [e for e in new if e["ph"] == "C"]
    assert not [e for e in old if e.get("cat") == "lost_update"]


def test_a_run_saved_before_variables_exports_as_before() -> None:
    v1 = json.loads((DATA / "trace-v1-producer-consumer.json").read_text(encoding="utf-8"))
    trace = Trace.from_json(v1)
    exported = perfetto(run_document(trace, "en"))["traceEvents"]
    assert not [e for e in exported if e.get("cat") in ("read", "write", "lost_update")]
    assert {e["name"] for e in exported if e["ph"] == "C"} <= {o.label for o in trace.objects}


# -- the offline file ------------------------------------------------------------------------------


def test_every_module_the_player_imports_is_bundled_before_it() -> None:
    bundled: list[str] = []
    for module in _MODULES:
        code = (STATIC / module).read_text(encoding="utf-8")
        imported = re.findall(r'^import .* from "\./([a-z]+\.js)";$', code, flags=re.MULTILINE)
        assert all(f"js/{name}" in bundled for name in imported), (module, imported)
        bundled.append(module)
    assert _MODULES[-1] == "js/player.js"


def test_the_bundled_player_declares_every_name_once() -> None:
    """The modules share one scope once bundled: a name declared twice is a SyntaxError."""
    script = player_script()
    names = re.findall(r"^(?:async )?(?:const|let|var|function|class) ([A-Za-z_$][\w$]*)",
                       script, flags=re.MULTILINE)  # fmt: skip
    twice = [name for name, count in Counter(names).items() if count > 1]
    assert not twice, f"declared in two modules: {twice}"
    assert "import " not in re.sub(r"//.*", "", script)
    assert "class Player" in script and "function drawShared" in script


def test_the_offline_file_carries_the_shared_analysis(document: dict[str, Any]) -> None:
    page = standalone_html(document, "es")
    assert '"lost_updates":[{' in page and '"kind":"Variable"' in page
