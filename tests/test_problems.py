"""Every refusal of the API says why in words (`detail`, a string, in the request's language)
and, for a request that does not fit its model, lists each field's problem (`errors`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.web.i18n import MESSAGES
from app.web.problems import base_lang, validation_detail
from app.web.schemas import Problem

pytestmark = pytest.mark.timeout(120)

PROGRAM_ROUTES = ["/api/runs", "/api/schedules", "/api/explorations"]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=tmp_path / "runs.sqlite3"))) as test_client:
        yield test_client


def refused(answer: Any, status: int = 422) -> dict[str, Any]:
    """The answer's JSON, checked to be a refusal with a sentence for `detail`."""
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    Problem.model_validate(body)
    assert isinstance(body["detail"], str) and body["detail"].strip(), body
    assert "[{" not in body["detail"] and "Input should" not in body["detail"]
    return body


@pytest.mark.parametrize("path", PROGRAM_ROUTES)
def test_a_request_with_neither_scenario_nor_source_is_told_one_is_needed(
    client: TestClient, path: str
) -> None:
    english = refused(client.post(path, json={"lang": "en"}))
    assert english["detail"] == MESSAGES["en"]["api.error.program_needed"]
    assert "not both" not in english["detail"]
    assert english["errors"][0]["type"] == "program_needed"
    spanish = refused(client.post(path, json={"lang": "es"}))
    assert spanish["detail"] == MESSAGES["es"]["api.error.program_needed"]
    both = refused(client.post(path, json={"scenario": "lock", "source": "x = 1", "lang": "en"}))
    assert both["detail"] == MESSAGES["en"]["api.error.program_both"]


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/api/runs", b'{"scenario": "lock", "lang": "en"', "not valid JSON"),
        ("/api/runs", b"[1, 2]", "must be a JSON object"),
        ("/api/runs", b'{"scenario": "lock", "lang": "fr"}', "“lang” takes es, en"),
        ("/api/explorations", b'{"scenario": "lock", "preemptions": 9, "lang": "en"}', "at most 4"),
        ("/api/explorations", b'{"scenario": "lock", "max_schedules": 0, "lang": "en"}', "least 1"),
        ("/api/runs", b'{"scenario": "lock", "params": {"HOLD": [1]}, "lang": "en"}', "a number"),
        ("/api/schedules", b'{"scenario": "lock", "choices": "T", "lang": "en"}', "a list"),
        ("/api/runs", b'{"scenario": "' + b"x" * 65 + b'", "lang": "en"}', "“scenario” is too"),
    ],
)
def test_a_request_that_does_not_fit_is_said_in_words_and_listed(
    client: TestClient, path: str, body: bytes, words: str
) -> None:
    answer = client.post(
        path, content=body, headers={"content-type": "application/json", "accept-language": "en"}
    )
    problem = refused(answer)
    assert words in problem["detail"]
    assert problem["errors"] and all("loc" in error for error in problem["errors"])


def test_a_title_too_long_is_said_in_words(client: TestClient) -> None:
    answer = client.post(
        "/api/programs",
        json={"program": "p0", "title": "t" * 500},
        headers={"accept-language": "en"},
    )
    problem = refused(answer)
    assert problem["detail"] == "“title” is too long: at most 120."
    assert problem["errors"][0]["loc"] == ["body", "title"]


def test_a_query_value_out_of_range_is_said_in_words(client: TestClient) -> None:
    problem = refused(client.get("/oembed", params={"url": "/scenarios/lock", "maxwidth": 5}))
    assert "maxwidth" in problem["detail"] and "100" in problem["detail"]


def test_refusals_speak_the_request_s_language(client: TestClient) -> None:
    body = {"scenario": "deadlock", "params": {"PAUSE": 99}}
    spanish = refused(client.post("/api/runs", json=body | {"lang": "es"}))["detail"]
    english = refused(client.post("/api/runs", json=body | {"lang": "EN"}))["detail"]
    assert spanish == "«PAUSE» tiene que ser un número entre 0,05 y 0,5; recibió «99»."
    assert english == "“PAUSE” must be a number between 0.05 and 0.5; it got “99”."
    unknown = refused(client.post("/api/runs", json={"scenario": "deadlock", "params": {"X": 1}}))
    assert unknown["detail"].startswith("«X» no es un parámetro")  # no lang: Spanish, as a run
    missing = refused(client.post("/api/runs", json={"scenario": "nope", "lang": "en"}), 404)
    assert missing["detail"] == MESSAGES["en"]["error.no_scenario"].format(id="nope")
    # A body that cannot be read says it in ?lang=, else in Accept-Language.
    junk = {"content": b"{", "headers": {"content-type": "application/json"}}
    by_query = refused(client.post("/api/runs?lang=en", **junk))["detail"]  # type: ignore[arg-type]
    assert by_query.startswith("The body is not valid JSON")
    headers = {"content-type": "application/json", "accept-language": "es-ES,es;q=0.9"}
    by_header = refused(client.post("/api/runs", content=b"{", headers=headers))["detail"]
    assert by_header.startswith("El cuerpo no es JSON válido")


@pytest.mark.parametrize("code", ["EN", "en-US", "En_gb", "ES", "es-ES"])
def test_the_api_takes_language_codes_as_pages_do(client: TestClient, code: str) -> None:
    expected = base_lang(code)
    assert expected in ("es", "en")
    listed = client.get("/api/scenarios", params={"lang": code})
    assert listed.status_code == 200
    one = client.get("/api/scenarios/lock", params={"lang": code}).json()
    assert one["title"] == next(s for s in listed.json() if s["id"] == "lock")["title"]
    assert client.get(f"/scenarios/lock?lang={code}").headers["content-language"] == expected
    ran = client.post("/api/runs", json={"scenario": "lock", "lang": code})
    assert ran.status_code == 201 and ran.json()["lang"] == expected
    analysis = client.get(f"/api/runs/{ran.json()['id']}/analysis", params={"lang": code})
    assert analysis.status_code == 200


def test_a_language_the_site_does_not_have_is_refused_with_its_name(client: TestClient) -> None:
    for path in ("/api/scenarios", "/api/scenarios/lock", "/api/runs/abc/analysis"):
        problem = refused(
            client.get(path, params={"lang": "fr"}, headers={"accept-language": "en"})
        )
        assert problem["detail"] == "The language “fr” is not available: there are es, en."


def test_a_page_given_a_value_that_does_not_fit_says_why_on_a_page(client: TestClient) -> None:
    answer = client.get("/scenarios/lock", params={"lang": "x" * 20})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert "«lang» es demasiado largo" in answer.text


def test_a_union_s_problems_are_said_once() -> None:
    errors = [
        {"type": f"{kind}_type", "loc": ("body", "params", "P", kind), "msg": "", "input": [1]}
        for kind in ("int", "float", "bool")
    ]
    said = validation_detail(errors, "en")
    assert said == "“params.P” must be a number, true or false, or a text; it got “[1]”."


def test_an_out_of_range_value_is_refused_before_a_run_starts(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "r.sqlite3", client_burst=2, client_runs_per_minute=1)
    with TestClient(create_app(settings)) as client:
        typo = {"scenario": "deadlock", "params": {"PAUSE": 99}, "lang": "en"}
        assert [client.post("/api/runs", json=typo).status_code for _ in range(2)] == [422] * 2
        assert client.post("/api/runs", json={"scenario": "deadlock"}).status_code == 201


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/runs", {"scenario": "deadlock", "preemptions": 2}, "preemptions"),
        ("/api/runs", {"scenario": "deadlock", "param": {"PAUSE": 0.1}}, "param"),
        ("/api/schedules", {"scenario": "deadlock", "choice": ["Thread-1"]}, "choice"),
        ("/api/explorations", {"scenario": "deadlock", "max_schedule": 5}, "max_schedule"),
        ("/api/programs", {"program": "x", "title": "T", "note": "n"}, "note"),
    ],
)
def test_a_field_the_request_does_not_take_is_refused_by_name(
    client: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    # A misspelt field used to be dropped without a word: the run went on with defaults.
    # (Saving a program takes no `lang`: its messages follow `?lang=`.)
    takes_lang = path != "/api/programs"
    english = refused(
        client.post(path, json=body | {"lang": "en"} if takes_lang else body, params={"lang": "en"})
    )
    assert f"“{field}” is not a field of this request" in english["detail"]
    assert "it takes:" in english["detail"]
    assert english["errors"][0]["type"] == "unknown_field"
    spanish = refused(
        client.post(path, json=body | {"lang": "es"} if takes_lang else body, params={"lang": "es"})
    )
    assert f"«{field}» no es un campo de esta petición" in spanish["detail"]
