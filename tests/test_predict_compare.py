"""Predict, then play (the questions in scenario.toml, the page options) and comparing two runs
(the facts, the differences, the addresses), through the loader and the ASGI app."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.runner import run_source
from app.scenarios import ScenarioFormatError, get_scenario, load_scenarios
from app.settings import Settings
from app.web.compare import aligned, differences, run_facts
from app.web.i18n import MESSAGES

from .helpers import values_used
from .test_scenarios import GOOD_TOML, write_scenario

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=tmp_path / "runs.sqlite3"))) as test_client:
        yield test_client


def player_attr(page: str, name: str) -> str | None:
    found = re.search(rf'<div class="player"[^>]*?\s{name}=(["\'])(.*?)\1', page, re.S)
    return html.unescape(found.group(2)) if found else None


# -- the questions ---------------------------------------------------------------------------

PREDICT = """
[predict]
kind = "value"
variable = { es = "contador", en = "counter" }
question = { es = "¿Cuál será el total?", en = "What will the total be?" }
"""


def test_a_prediction_loads_in_both_languages(tmp_path: Path) -> None:
    write_scenario(tmp_path, toml=GOOD_TOML + PREDICT)
    found = load_scenarios(tmp_path)["sample"].prediction
    assert found is not None
    assert found.to_json("es") == {
        "kind": "value",
        "question": "¿Cuál será el total?",
        "variable": "contador",
        "names": ["contador", "counter"],
    }


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (PREDICT.replace('kind = "value"', 'kind = "guess"'), "kind must be one of finish, value"),
        (PREDICT.replace('en = "What will the total be?"', 'fr = "?"'), "question with es and en"),
        (PREDICT.replace('variable = { es = "contador", en = "counter" }', ""), "needs variable"),
        (PREDICT.replace('kind = "value"', 'kind = "finish"'), "finish takes no variable"),
        (PREDICT + 'answer = "12"\n', "unknown key answer"),
    ],
)
def test_a_broken_prediction_is_refused_with_a_reason(
    tmp_path: Path, toml: str, message: str
) -> None:
    write_scenario(tmp_path, toml=GOOD_TOML + toml)
    with pytest.raises(ScenarioFormatError, match=re.escape(message)):
        load_scenarios(tmp_path)


@pytest.mark.parametrize(
    "scenario",
    [
        "deadlock",
        "lock-ordering",
        "dining-philosophers",
        "forgotten-task-done",
        "rlock",
        "race-condition",
        "lock",
        "plus-equals",
        "check-then-act",
    ],
)
def test_the_teaching_scenarios_ask_and_name_real_variables(scenario: str) -> None:
    found = get_scenario(scenario)
    assert found.prediction is not None
    if found.prediction.variable is None:
        return
    # The variable is one the program really shares, in each language's source.
    for lang, name in found.prediction.variable.items():
        assert re.search(rf"^{name} = ", found.source(lang), re.M), (lang, name)


def test_a_compare_target_must_be_another_scenario(tmp_path: Path) -> None:
    write_scenario(tmp_path, toml='compare = ["nowhere"]\n' + GOOD_TOML)
    with pytest.raises(ScenarioFormatError, match="compare names no other scenario 'nowhere'"):
        load_scenarios(tmp_path)


def test_predict_reaches_the_player_and_hides_the_outcome(client: TestClient) -> None:
    page = client.get("/scenarios/deadlock?lang=en&predict=1").text
    asked = json.loads(player_attr(page, "data-predict") or "null")
    assert asked == {
        "kind": "finish",
        "question": get_scenario("deadlock").prediction.question["en"],
    }  # type: ignore[union-attr]
    assert 'class="badge outcome-' not in page
    assert '<details class="notice">' in page
    assert "&amp;predict=1" in page  # "Run again" and the other language keep asking
    plain = client.get("/scenarios/deadlock?lang=en").text
    assert player_attr(plain, "data-predict") is None and 'class="badge outcome-' in plain
    embed = client.get("/embed/scenarios/race-condition?lang=es&predict=1").text
    assert json.loads(player_attr(embed, "data-predict") or "null")["variable"] == "contador"
    # The embed's other modes do not carry the question (they would refuse it).
    modes = re.findall(r'<nav class="modes".*?</nav>', embed, re.S)[0]
    assert "mode=choose" in modes and "predict" not in modes
    assert "/scenarios/race-condition?lang=es&amp;predict=1" in embed  # "Open in Hilos"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/scenarios/deadlock?lang=en&predict=yes", "The option “predict” takes 0, 1"),
        ("/scenarios/deadlock?lang=en&predict=1&mode=choose", "“predict” only goes with"),
        ("/embed/scenarios/deadlock?lang=en&predict=2", "The option “predict” takes 0, 1"),
    ],
)
def test_bad_predict_values_are_refused(client: TestClient, path: str, words: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 422
    assert words in html.unescape(answer.text)


def test_values_used_follow_the_form(client: TestClient) -> None:
    answer = client.post(
        "/scenarios/race-condition/runs?lang=en",
        data={"THREADS": "2", "ITERATIONS": "1", "USE_LOCK": "true"},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    shown = re.findall(r'class="param-used" title="(\w+)"', answer.text)
    assert shown == list(get_scenario("race-condition").params)  # not alphabetical
    # Words, then a space: "Values used: Threads: 2", never "Values used:Threads".
    assert (
        values_used(answer.text)
        == "Values used: Threads: 2 · Additions per thread: 1 · Use a lock: yes"
    )
    spanish = client.get(answer.url.path + "?lang=es").text
    assert (
        values_used(spanish) == "Valores usados: Hilos: 2 · Sumas por hilo: 1 · Usar un candado: sí"
    )


# -- comparing -------------------------------------------------------------------------------


def recorded(scenario: str, lang: str = "en", **params: Any) -> dict[str, Any]:
    found = get_scenario(scenario)
    trace = run_source(found.source(lang), params=params, scenario=scenario, lang=lang)
    return {"trace": trace.to_json()}


def test_the_facts_of_a_deadlock_and_its_fix() -> None:
    stuck = run_facts(recorded("deadlock"))
    fixed = run_facts(recorded("lock-ordering"))
    assert stuck.status == "deadlock" and fixed.status == "completed"
    assert set(stuck.cycle) == {"Thread-1", "Thread-2"} and fixed.cycle == ()
    assert stuck.waited["Thread-1"][0] > 0  # blocked until Hilos stopped it
    rows = {row.label: row for row in differences(stuck, fixed, "en")}
    assert rows["Outcome"].differs and (rows["Outcome"].a, rows["Outcome"].b) == (
        MESSAGES["en"]["outcome.deadlock"],
        MESSAGES["en"]["outcome.completed"],
    )
    assert rows["Deadlock cycle"].b == "—"


def test_the_facts_of_a_race_with_and_without_the_lock() -> None:
    racy = run_facts(recorded("race-condition", USE_LOCK=False))
    safe = run_facts(recorded("race-condition", USE_LOCK=True))
    assert safe.finals["counter"] == 12 and safe.lost == 0
    # A short total and a lost update go together (with 3 threads x 4 a loss is near certain).
    assert (racy.lost == 0) == (racy.finals["counter"] == 12)
    rows = {row.label: row for row in differences(racy, safe, "es")}
    assert rows["Valor final de counter"].b == "12"
    assert rows["Actualizaciones perdidas"].b == "0"
    same = differences(safe, safe, "en")
    assert not any(row.differs for row in same)


def test_the_same_program_in_the_other_language_pairs_its_threads_and_variables() -> None:
    english = run_facts(recorded("race-condition", "en", USE_LOCK=True))
    spanish = run_facts(recorded("race-condition", "es", USE_LOCK=True))
    assert "Thread-1" in english.waited and "Hilo-1" in spanish.waited
    renamed, called = aligned(english, spanish)
    assert list(renamed.waited) == list(english.waited)  # MainThread, Thread-1, ...
    assert renamed.finals == {"counter": 12}
    assert called == {"Thread-1": "Hilo-1", "Thread-2": "Hilo-2", "Thread-3": "Hilo-3"} | {
        "counter": "contador"
    }
    rows = [row.label for row in differences(english, renamed, "es", called)]
    assert "Espera de Thread-1 / Hilo-1" in rows and "Valor final de counter / contador" in rows
    assert "Espera de Hilo-1" not in rows  # no thread twice
    # Runs that share their names are left as they are.
    same, none = aligned(english, english)
    assert same == english and none == {}


@pytest.mark.parametrize(("recorded_in", "read_in"), [("en", "es"), ("es", "en")])
def test_the_run_to_compare_with_is_recorded_in_the_language_of_a(
    client: TestClient, recorded_in: str, read_in: str
) -> None:
    # Reading in one language a run recorded in the other: "the fix" is recorded in A's, so
    # that its threads are the same threads (Thread-1, not Thread-1 and Hilo-1).
    first = client.post("/api/runs", json={"scenario": "deadlock", "lang": recorded_in}).json()
    moved = client.post(
        f"/compare/new?lang={read_in}",
        data={"a": first["id"], "scenario": "lock-ordering"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert moved.headers["location"].endswith(f"&lang={read_in}")  # the reader's language
    second = moved.headers["location"].split("b=")[1].split("&")[0]
    assert client.get(f"/api/runs/{second}").json()["lang"] == recorded_in
    page = html.unescape(client.get(moved.headers["location"]).text)
    thread = {"en": "Thread-1", "es": "Hilo-1"}[recorded_in]
    waited = MESSAGES[read_in]["compare.row.waited"].format(thread=thread)
    assert page.count(f">{waited}") == 1
    other = {"en": "Hilo-1", "es": "Thread-1"}[recorded_in]
    assert MESSAGES[read_in]["compare.row.waited"].format(thread=other) not in page
    # Also "another run with the same values" and a switch turned the other way.
    again = client.post(
        f"/compare/new?lang={read_in}", data={"a": first["id"], "fresh": "1"}
    ).url.params["b"]
    assert client.get(f"/api/runs/{again}").json()["lang"] == recorded_in


def test_a_saved_run_in_the_other_language_is_paired_thread_by_thread(client: TestClient) -> None:
    english = client.post("/api/runs", json={"scenario": "deadlock", "lang": "en"}).json()["id"]
    spanish = client.post("/api/runs", json={"scenario": "deadlock", "lang": "es"}).json()["id"]
    page = html.unescape(client.get(f"/compare?a={english}&b={spanish}&lang=es").text)
    assert page.count(">Espera de Thread-1 / Hilo-1") == 1
    assert ">Espera de Hilo-1" not in page and ">Espera de Thread-1<" not in page


def test_a_wrong_b_is_said_on_the_compare_page_and_kept(client: TestClient) -> None:
    first = client.post("/api/runs", json={"scenario": "deadlock", "lang": "en"}).json()["id"]
    for lang in ("es", "en"):
        wrong = "https://example.org/runs/nosuchrun?x=1"
        answer = client.get("/compare", params={"a": first, "lang": lang, "b": wrong})
        assert answer.status_code == 404
        page = answer.text
        # Still the page to pick from: the choices, the field holding what was typed, and why.
        assert 'name="scenario" value="lock-ordering"' in page
        field = re.search(r'<input type="text" name="b"[^>]*>', page)
        assert field and html.escape(wrong) in field.group(0)
        assert 'aria-invalid="true"' in field.group(0)
        said = re.search(r'<p class="error" role="alert" id="pick-other-error">(.*?)</p>', page)
        assert said and html.unescape(said.group(1)) == MESSAGES[lang]["error.compare.b"].format(
            got=wrong
        )


def test_compare_pages_and_their_refusals(client: TestClient) -> None:
    first = client.post("/api/runs", json={"scenario": "deadlock", "lang": "en"}).json()["id"]
    assert client.get("/compare?lang=en").status_code == 422
    assert client.get("/compare?a=nosuchrun&lang=en").status_code == 404
    missing = client.get(f"/compare?a={first}&b=nosuchrun&lang=es")
    assert missing.status_code == 404 and "nosuchrun" in missing.text
    picks = client.get(f"/compare?a={first}&lang=en").text
    assert 'name="scenario" value="lock-ordering"' in picks
    assert 'name="fresh" value="1"' in picks
    # A choice records (or reuses) the run and shows the comparison.
    moved = client.post(
        "/compare/new?lang=en",
        data={"a": first, "scenario": "lock-ordering"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    target = moved.headers["location"]
    assert re.fullmatch(rf"/compare\?a={first}&b=[a-z0-9]{{12}}&lang=en", target)
    page = client.get(target).text
    assert page.count('class="player"') == 2 and 'class="differs"' in page
    # B may be given as a link to the run, as a reader pastes it.
    second = target.split("b=")[1].split("&")[0]
    linked = client.get(f"/compare?a={first}&b=https://elsewhere.example/runs/{second}%3Flang%3Des")
    assert linked.status_code == 200
    bad = client.post("/compare/new?lang=en", data={"a": first, "set": "NOPE=1"})
    assert bad.status_code == 422
    flipped = client.post(
        "/compare/new?lang=en", data={"a": first, "set": "PAUSE=0.2"}, follow_redirects=True
    )
    assert flipped.status_code == 200 and "0.2" in flipped.text
