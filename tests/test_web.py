"""The site and its JSON twins, through the ASGI app: pages, fragments, runs, errors, caching."""

from __future__ import annotations

import asyncio
import gzip
import html
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.scenarios import Param, Scenario, get_scenario, load_scenarios
from app.settings import Settings
from app.tracing import Trace
from app.tracing.trace import SCHEMA, unpack
from app.web.i18n import MESSAGES
from app.web.runs import RunService

from .helpers import told

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=tmp_path / "runs.sqlite3", run_workers=2, run_queue=4)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def service_of(client: TestClient) -> RunService:
    service = client.app.state.service  # type: ignore[attr-defined]
    assert isinstance(service, RunService)
    return service


def numeric_param(scenario: Scenario) -> Param:
    for param in scenario.params.values():
        if param.type in ("int", "float"):
            return param
    raise AssertionError(f"{scenario.id} has no numeric parameter")


# -- pages --------------------------------------------------------------------------------------


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_gallery_lists_every_scenario_in_the_chosen_language(client: TestClient, lang: str) -> None:
    page = client.get(f"/?lang={lang}")
    assert page.status_code == 200
    assert page.headers["content-language"] == lang
    assert f'<html lang="{lang}">' in page.text
    for scenario in load_scenarios().values():
        assert f'href="/scenarios/{scenario.id}?lang={lang}"' in page.text
        assert scenario.texts[lang].title in page.text
    assert MESSAGES[lang]["gallery.title"] in page.text
    assert "set-cookie" not in page.headers


def test_language_comes_from_the_query_then_accept_language_then_spanish(
    client: TestClient,
) -> None:
    english = {"Accept-Language": "fr-FR, en;q=0.8, es;q=0.5"}
    assert client.get("/", headers=english).headers["content-language"] == "en"
    assert client.get("/?lang=es", headers=english).headers["content-language"] == "es"
    assert client.get("/", headers={"Accept-Language": "de"}).headers["content-language"] == "es"
    assert client.get("/").headers["content-language"] == "es"
    unknown = client.get("/?lang=klingon", headers=english)
    assert unknown.status_code == 200 and unknown.headers["content-language"] == "en"


def test_htmx_requests_get_the_page_fragment_and_others_the_whole_document(
    client: TestClient,
) -> None:
    whole = client.get("/?lang=en")
    fragment = client.get("/?lang=en", headers={"HX-Request": "true"})
    assert whole.text.lstrip().startswith("<!doctype html>")
    assert not fragment.text.lstrip().startswith("<!doctype")
    assert "<html" not in fragment.text and "<script src=" not in fragment.text
    assert re.search(r"<title>Hilos — [^<]+</title>", fragment.text)
    assert 'id="page"' in fragment.text and "hx-history-elt" in fragment.text
    assert "HX-Request" in whole.headers["vary"]


def test_scenario_page_shows_texts_parameters_and_the_default_run(client: TestClient) -> None:
    scenario = get_scenario("deadlock")
    page = client.get("/scenarios/deadlock?lang=en")
    assert page.status_code == 200
    texts = scenario.texts["en"]
    assert texts.title in page.text
    for item in texts.notice:
        assert item.replace("'", "&#39;").replace('"', "&#34;") in page.text
    for param in scenario.params.values():
        assert f'name="{param.name}"' in page.text
        assert param.label["en"] in page.text
    run_ids = re.findall(r'data-trace-url="/api/runs/([a-z0-9]+)"', page.text)
    assert len(run_ids) == 1
    document = client.get(f"/api/runs/{run_ids[0]}").json()
    assert document["scenario"] == "deadlock" and document["lang"] == "en"
    assert document["outcome"]["status"] == "deadlock"


def test_the_default_run_is_recorded_once_and_reused(client: TestClient) -> None:
    first = client.get("/scenarios/lock?lang=es")
    again = client.get("/scenarios/lock?lang=es")
    other_lang = client.get("/scenarios/lock?lang=en")
    ids = [re.findall(r"/api/runs/([a-z0-9]+)", p.text)[0] for p in (first, again, other_lang)]
    assert ids[0] == ids[1] != ids[2]
    assert service_of(client).store.count() == 2


def test_unknown_pages_are_404_with_a_message(client: TestClient) -> None:
    page = client.get("/scenarios/no-such-thing?lang=en")
    assert page.status_code == 404 and "no-such-thing" in page.text
    run = client.get("/runs/zzzzzzzzzzzz?lang=es")
    assert run.status_code == 404 and "zzzzzzzzzzzz" in run.text


def test_run_again_from_the_form_with_htmx_gives_the_panel_and_a_new_permalink(
    client: TestClient,
) -> None:
    scenario = get_scenario("lock")
    param = numeric_param(scenario)
    value = param.min if param.type == "int" else param.max
    answer = client.post(
        "/scenarios/lock/runs?lang=en",
        data={param.name: str(value)},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 201
    assert answer.text.lstrip().startswith('<section id="run-panel"')
    pushed = answer.headers["hx-push-url"]
    run_id = re.fullmatch(r"/runs/([a-z0-9]+)\?lang=en", pushed)
    assert run_id
    document = client.get(f"/api/runs/{run_id[1]}").json()
    assert document["params"][param.name] == value
    saved = client.get(pushed)
    assert saved.status_code == 200 and f"/api/runs/{run_id[1]}" in saved.text


def test_run_again_without_javascript_redirects_to_the_permalink(client: TestClient) -> None:
    answer = client.post("/scenarios/lock/runs?lang=es", data={}, follow_redirects=False)
    assert answer.status_code == 303
    assert re.fullmatch(r"/runs/[a-z0-9]+\?lang=es", answer.headers["location"])


def test_a_bad_parameter_in_the_form_says_which_and_its_bounds(client: TestClient) -> None:
    scenario = get_scenario("lock")
    param = numeric_param(scenario)
    assert param.max is not None
    answer = client.post(
        "/scenarios/lock/runs?lang=en",
        data={param.name: str(param.max * 10 + 1)},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 422
    # Said with the label the student sees, in the page's language, with the bounds.
    assert f"“{param.label['en']}” must be a whole number between" in answer.text
    assert f"{param.max:g}" in answer.text
    # Into the form's slot for it: the run on screen stays.
    assert answer.headers["hx-retarget"] == "#run-error"
    assert answer.headers["hx-reswap"] == "innerHTML"
    label = param.label["es"]
    for sent, said in (
        ("", f"Falta un valor para «{label}»."),
        ("tres", f"«{label}» tiene que ser un número entero entre"),
    ):
        spanish = client.post(
            "/scenarios/lock/runs?lang=es", data={param.name: sent}, headers={"HX-Request": "true"}
        )
        assert spanish.status_code == 422 and said in spanish.text
    # Without htmx the whole page comes back, the message in its run panel.
    plain = client.post("/scenarios/lock/runs?lang=en", data={param.name: "99"})
    assert plain.status_code == 422 and 'role="alert"' in plain.text
    assert service_of(client).store.count() == 0


# -- the JSON twins ------------------------------------------------------------------------------


def test_api_lists_scenarios_and_gives_one_with_its_source(client: TestClient) -> None:
    listed = client.get("/api/scenarios?lang=en").json()
    assert [s["id"] for s in listed] == list(load_scenarios())
    one = client.get("/api/scenarios/deadlock?lang=es").json()
    assert one["source"] == get_scenario("deadlock").source("es")
    assert one["title"] == get_scenario("deadlock").texts["es"].title
    assert {p["name"] for p in one["params"]} == set(get_scenario("deadlock").params)


def test_api_unknown_scenario_is_404_with_a_message(client: TestClient) -> None:
    answer = client.get("/api/scenarios/nope")
    assert answer.status_code == 404 and "nope" in answer.json()["detail"]
    posted = client.post("/api/runs", json={"scenario": "nope"})
    assert posted.status_code == 404 and "nope" in posted.json()["detail"]


def test_api_records_a_run_and_serves_it_back_unchanged(client: TestClient) -> None:
    created = client.post("/api/runs", json={"scenario": "deadlock", "lang": "en"})
    assert created.status_code == 201
    document = created.json()
    assert created.headers["location"] == f"/api/runs/{document['id']}"
    assert document["trace"]["schema"] == SCHEMA
    assert document["outcome"]["status"] == "deadlock"
    assert document["trace"]["source"] == get_scenario("deadlock").source("en")
    again = client.get(f"/api/runs/{document['id']}")
    assert again.json() == document
    assert "immutable" in again.headers["cache-control"]


def test_saved_runs_are_served_as_stored_gzip_with_an_etag(client: TestClient) -> None:
    run_id = client.post("/api/runs", json={"scenario": "lock"}).json()["id"]
    stored = service_of(client).store.get(run_id)
    assert stored is not None
    raw = client.get(
        f"/api/runs/{run_id}", headers={"Accept-Encoding": "gzip"}
    )  # httpx decodes gzip: compare with the stored document
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.content == gzip.decompress(stored.body)
    assert "frame-ancestors 'none'" in raw.headers["content-security-policy"]
    assert raw.headers["x-content-type-options"] == "nosniff"
    etag = raw.headers["etag"]
    assert client.get(f"/api/runs/{run_id}", headers={"If-None-Match": etag}).status_code == 304
    plain = client.get(f"/api/runs/{run_id}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json()["id"] == run_id


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"NOT_A_PARAM": 1}, "unknown parameter NOT_A_PARAM"),
        ({"@numeric": 10**6}, "between"),
        ({"@numeric": "many"}, "between"),
    ],
)
def test_api_bad_parameters_are_422_naming_the_parameter(
    client: TestClient, params: dict[str, object], needle: str
) -> None:
    param = numeric_param(get_scenario("lock"))
    params = {(param.name if k == "@numeric" else k): v for k, v in params.items()}
    answer = client.post("/api/runs", json={"scenario": "lock", "params": params, "lang": "en"})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert needle in detail and next(iter(params)) in detail
    assert service_of(client).store.count() == 0


def test_api_refuses_an_unknown_language(client: TestClient) -> None:
    answer = client.post("/api/runs", json={"scenario": "lock", "lang": "fr"})
    assert answer.status_code == 422
    assert "lang" in json.dumps(answer.json()["detail"])


def test_api_unknown_run_is_404(client: TestClient) -> None:
    answer = client.get("/api/runs/zzzzzzzzzzzz")
    assert answer.status_code == 404 and "zzzzzzzzzzzz" in answer.json()["detail"]


# -- saturation ------------------------------------------------------------------------------------


def test_a_full_executor_answers_429_with_retry_after(tmp_path: Path) -> None:
    # No CPU gate: the test process itself may be busy; the one slot is what is full.
    settings = Settings(
        db=tmp_path / "busy.sqlite3", run_workers=1, run_queue=0, retry_after=7, run_cpu=64
    )
    with TestClient(create_app(settings)) as client:
        executor = service_of(client).executor
        started, release = threading.Event(), threading.Event()

        def occupy() -> None:
            started.set()
            release.wait(30)

        holder = threading.Thread(target=lambda: asyncio.run(executor.run(occupy)))
        holder.start()
        try:
            assert started.wait(10)
            api = client.post("/api/runs?lang=en", json={"scenario": "lock", "lang": "en"})
            assert api.status_code == 429 and api.headers["retry-after"] == "7"
            assert "Try again in a few seconds" in api.json()["detail"]
            form = client.post(
                "/scenarios/lock/runs?lang=en", data={}, headers={"HX-Request": "true"}
            )
            assert form.status_code == 429 and form.headers["retry-after"] == "7"
            assert MESSAGES["en"]["error.busy"] in form.text
        finally:
            release.set()
            holder.join(10)
        assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 201


# -- headers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/scenarios/lock", "/api/scenarios", "/healthz"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] and headers["permissions-policy"]


def test_static_files_linked_with_a_hash_are_immutable(client: TestClient) -> None:
    page = client.get("/")
    hashed = re.findall(r'(?:src|href)="(/static/[^"]+\?_hash=[0-9a-f]+)"', page.text)
    assert any(url.startswith("/static/js/main.js") for url in hashed)
    assert any(url.startswith("/static/vendor/htmx.min.js") for url in hashed)
    for url in hashed:
        answer = client.get(url)
        assert answer.status_code == 200
        assert "immutable" in answer.headers["cache-control"]
    imported = client.get("/static/js/player.js")
    assert imported.status_code == 200 and "immutable" not in imported.headers["cache-control"]


def test_a_run_viewed_in_the_other_language_gets_its_sentences_in_that_language(
    client: TestClient,
) -> None:
    document = client.post("/api/runs", json={"scenario": "deadlock", "lang": "es"}).json()
    run_id = document["id"]
    english = client.get(f"/api/runs/{run_id}/analysis?lang=en")
    assert english.status_code == 200 and "max-age" in english.headers["cache-control"]
    trace = Trace.from_json(document["trace"])
    texts = [s["text"] for s in told(english.json(), trace)]
    assert any(t.startswith("Deadlock: ") for t in texts)
    assert not any(t.startswith("Interbloqueo: ") for t in texts)
    # The same facts, only the words differ; in the run's own language it is what was saved.
    assert english.json()["deadlock"] == document["analysis"]["deadlock"]
    assert client.get(f"/api/runs/{run_id}/analysis?lang=es").json() == document["analysis"]
    # The page in English asks the player for it; in Spanish there is nothing to fetch.
    page = client.get(f"/runs/{run_id}?lang=en").text
    assert f'data-analysis-url="/api/runs/{run_id}/analysis?lang=en"' in page
    assert "data-analysis-url" not in client.get(f"/runs/{run_id}?lang=es").text
    assert "data-analysis-url" in client.get(f"/embed/runs/{run_id}?lang=en").text
    # The offline download carries the sentences of the language it was asked in.
    download = client.get(f"/runs/{run_id}/download?lang=en").text
    assert "Deadlock: " in download and "Interbloqueo: " not in download


def test_the_analysis_endpoint_refuses_what_it_cannot_answer(client: TestClient) -> None:
    run_id = client.post("/api/runs", json={"scenario": "lock", "lang": "en"}).json()["id"]
    wrong = client.get(f"/api/runs/{run_id}/analysis?lang=fr")
    assert wrong.status_code == 422 and "lang" in wrong.text
    assert client.get(f"/api/runs/{run_id}/analysis").status_code == 422
    missing = client.get("/api/runs/nosuchrun000/analysis?lang=en")
    assert missing.status_code == 404 and missing.json()["detail"] == "no saved run 'nosuchrun000'"


def test_a_saved_run_carries_its_analysis_in_the_run_language(client: TestClient) -> None:
    document = client.post("/api/runs", json={"scenario": "deadlock", "lang": "es"}).json()
    analysis = document["analysis"]
    assert analysis["deadlock"]["index"] < len(unpack(document["trace"]["events"]["t"], "t"))
    sentences = told(analysis, Trace.from_json(document["trace"]))
    assert any(s["text"].startswith("Interbloqueo: ") for s in sentences)
    assert analysis["lock_order"]["potential_deadlocks"]


def test_a_saved_run_of_a_scenario_is_that_scenarios_page_with_the_runs_values(
    client: TestClient,
) -> None:
    scenario = get_scenario("lock")
    param = numeric_param(scenario)
    value = param.min if param.default != param.min else param.max
    form = {param.name: str(value)}
    answer = client.post("/scenarios/lock/runs?lang=en", data=form, headers={"HX-Request": "true"})
    assert answer.status_code == 201
    run_id = answer.headers["hx-push-url"].split("/runs/")[1].split("?")[0]
    # Beside the new panel: the language links, now for the new run, and the error slot emptied.
    assert f'href="/runs/{run_id}?lang=es"' in answer.text and 'hx-swap-oob="true"' in answer.text
    assert '<div id="run-error" hx-swap-oob="true"></div>' in answer.text
    page = client.get(f"/runs/{run_id}?lang=es").text
    texts = scenario.texts["es"]
    assert texts.description in page and f"<title>Hilos — {texts.title}</title>" in page
    assert re.search(rf'name="{param.name}" value="{value:g}"', page)
    assert f'href="/runs/{run_id}?lang=en"' in page  # the other language keeps this run
    assert '<html lang="en">' in client.get(f"/runs/{run_id}?lang=EN").text  # any case


def test_the_offline_download_is_titled_and_introduced_like_the_page(client: TestClient) -> None:
    run_id = client.post("/api/runs", json={"scenario": "producer-consumer", "lang": "es"}).json()[
        "id"
    ]
    for lang in ("es", "en"):
        texts = get_scenario("producer-consumer").texts[lang]
        page = client.get(f"/runs/{run_id}/download?lang={lang}").text
        assert f"<title>Hilos — {html.escape(texts.title)}</title>" in page
        assert html.escape(texts.description) in page


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/nope/path?lang=es", "No hay ninguna página en /nope/path."),
        ("/scenario/deadlock?lang=en", "There is no page at /scenario/deadlock."),
        ("/runs/", "No hay ninguna página en /runs/."),
    ],
)
def test_a_mistyped_address_is_a_page_in_the_readers_language(
    client: TestClient, path: str, said: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert said in html.unescape(answer.text) and 'href="/?lang=' in answer.text


def test_api_and_static_misses_stay_plain(client: TestClient) -> None:
    assert client.get("/api/nope").json() == {"detail": "Not Found"}
    assert client.get("/static/nope.js").status_code == 404
    run_id = client.post("/api/runs", json={"scenario": "lock", "lang": "es"}).json()["id"]
    assert client.get(f"/api/runs/{run_id}/analysis?lang=EN").status_code == 200


def test_edges_found_in_review_stay_closed(client: TestClient) -> None:
    # A path that starts with two slashes must not turn the language link into another site.
    odd = client.get("/%2Fevil.example/login?lang=es")
    assert odd.status_code == 404
    assert 'href="/evil.example/login?lang=en"' in odd.text and 'href="//' not in odd.text
    # The analysis answers 304 to its own ETag.
    run_id = client.post("/api/runs", json={"scenario": "deadlock", "lang": "es"}).json()["id"]
    first = client.get(f"/api/runs/{run_id}/analysis?lang=en")
    again = client.get(
        f"/api/runs/{run_id}/analysis?lang=en", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and not again.content
    # Run again on a scenario that is gone: the reason goes to the form's slot.
    gone = client.post("/scenarios/nope/runs?lang=en", headers={"HX-Request": "true"})
    assert gone.status_code == 404 and gone.headers["hx-retarget"] == "#run-error"
    assert "There is no scenario" in html.unescape(gone.text) and 'id="page"' not in gone.text
    # Without JavaScript a refused value shows the scenario page; its language link goes there.
    plain = client.post("/scenarios/lock/runs?lang=es", data={"THREADS": "99"})
    assert plain.status_code == 422 and 'href="/scenarios/lock?lang=en"' in plain.text
    # A saved run of a scenario without parameters is still that run, not the scenario.
    bare = client.post("/api/runs", json={"scenario": "start-twice", "lang": "en"}).json()["id"]
    page = client.get(f"/runs/{bare}?lang=en").text
    assert f"/embed/runs/{bare}?lang=en" in html.unescape(page) and 'id="crumbs"' in page
    assert 'href="/scenarios/start-twice?lang=en"' in page
    # A mistyped embed address answers inside the frame, in the frame's language.
    frame = client.get("/embed/scenarioz/deadlock?lang=en")
    assert frame.status_code == 404 and 'class="site"' not in frame.text
    assert "frame-ancestors 'none'" not in frame.headers["content-security-policy"]
    assert client.get("/api").headers["content-type"].startswith("application/json")
