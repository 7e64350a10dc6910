"""'Explore all interleavings' pages and embeds: the mode, the values and the bound read from
the address, and the panel the explorer (static/js/explore.js) starts from."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.web.i18n import MESSAGES
from app.web.pages import DEFAULT_PREEMPTIONS, PREEMPTIONS

from .helpers import data_attributes

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=tmp_path / "runs.sqlite3", frame_ancestors="https://canvas.example")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def panel(page: str) -> dict[str, str]:
    """The explorer panel's data attributes, unescaped."""
    return data_attributes(page, r'<section id="run-panel" class="run-panel explore-panel"')


def modes(page: str) -> dict[str, str]:
    """The three mode links, and which is current."""
    nav = re.search(r'<nav class="modes".*?</nav>', page, re.S)
    assert nav
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>', nav.group(0))
    assert len(links) == 3
    named = dict(zip(("play", "choose", "explore"), links, strict=True))
    current = [name for name, (_, marked) in named.items() if marked]
    return {name: html.unescape(href) for name, (href, _) in named.items()} | {
        "current": current[0]
    }


def form(page: str) -> tuple[str, dict[str, str], list[str]]:
    """The explorer's form: where it goes, its hidden fields, and its named fields."""
    found = re.search(r'<form class="params explore-form"(.*?)</form>', page, re.S)
    assert found
    action = re.search(r'action="([^"]+)"', found.group(1))
    assert action
    hidden = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', found.group(1))
    )
    names = re.findall(
        r'<(?:input|select) type="(?:number|checkbox)" name="([^"]+)"', found.group(1)
    )
    names += re.findall(r'<select name="([^"]+)"', found.group(1))
    return html.unescape(action.group(1)), hidden, names


def alert(page: str) -> str:
    message = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    assert message, "no message"
    return html.unescape(message.group(1)).strip()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_scenario_page_in_explore_mode_starts_the_explorer(client: TestClient, lang: str) -> None:
    answer = client.get(
        f"/scenarios/plus-equals?lang={lang}&mode=explore&THREADS=3&ITERATIONS=1&preemptions=1"
    )
    assert answer.status_code == 200
    page = answer.text
    words = MESSAGES[lang]
    data = panel(page)
    assert data["scenario"] == "plus-equals" and data["lang"] == lang
    assert data["default-preemptions"] == str(DEFAULT_PREEMPTIONS)
    fields = {f["name"]: f for f in json.loads(data["fields"])}
    # Its default is the scenario's value for exploring; a run's is kept for "You choose".
    assert fields["THREADS"]["value"] == 3 and fields["THREADS"]["default"] == 2
    assert fields["THREADS"]["run_default"] == 4
    assert fields["ITERATIONS"]["value"] == 1 and fields["USE_LOCK"]["value"] is False
    # The words that refuse a value, for the page to say before it asks.
    label = fields["THREADS"]["label"]
    assert fields["THREADS"]["refusal"] == words["error.param.int"].format(
        label=label, min=2, max=8, got="{got}"
    )
    assert fields["THREADS"]["empty"] == words["error.param.empty"].format(label=label)
    for key in ("player.explore.title", "player.explore.intro", "player.explore.idle"):
        assert words[key] in html.unescape(page)
    assert "/static/js/explore.js" in page
    assert re.search(r'<option value="1" selected>1</option>', page)
    assert re.findall(r'<option value="(\d)"', page) == [str(k) for k in PREEMPTIONS]
    assert '<progress id="explore-progress"' in page and 'role="status"' in page
    # The form is a GET of this page (what a reader without scripts gets), keeping the mode.
    action, hidden, names = form(page)
    assert action == "/scenarios/plus-equals"
    assert hidden == {"lang": lang, "mode": "explore", "USE_LOCK": "false"}
    assert names == ["THREADS", "ITERATIONS", "USE_LOCK", "preemptions"]
    # The modes and the other language keep the values; "You choose" is where "Show me" goes.
    other = "en" if lang == "es" else "es"
    values = "THREADS=3&ITERATIONS=1"
    assert modes(page) == {
        "play": f"/scenarios/plus-equals?lang={lang}",
        "choose": f"/scenarios/plus-equals?lang={lang}&mode=choose&{values}",
        "explore": f"/scenarios/plus-equals?lang={lang}&mode=explore&{values}&preemptions=1",
        "current": "explore",
    }
    assert data["choose-url"] == modes(page)["choose"]
    link = re.search(rf'<a href="([^"]+)" hreflang="{other}"', page)
    assert link and html.unescape(link.group(1)) == (
        f"/scenarios/plus-equals?lang={other}&mode=explore&{values}&preemptions=1"
    )
    # Opening the mode runs nothing: the page asks when the reader presses the button.
    assert 'data-trace-url="/api/runs/' not in page
    assert client.app.state.service.store.count() == 0  # type: ignore[attr-defined]


def test_every_page_of_a_scenario_offers_to_explore_with_its_values(client: TestClient) -> None:
    watched = client.get("/scenarios/deadlock?lang=en").text
    assert modes(watched)["current"] == "play"
    assert modes(watched)["explore"] == "/scenarios/deadlock?lang=en&mode=explore"
    assert MESSAGES["en"]["mode.explore"] in watched
    chosen = client.get("/scenarios/race-condition?lang=es&mode=choose&THREADS=2").text
    assert modes(chosen)["current"] == "choose"
    assert modes(chosen)["explore"] == "/scenarios/race-condition?lang=es&mode=explore&THREADS=2"
    made = client.post(
        "/scenarios/race-condition/runs?lang=en", data={"THREADS": "2", "ITERATIONS": "4"}
    )
    assert made.status_code == 200  # followed to the run's page
    assert modes(made.text)["explore"] == "/scenarios/race-condition?lang=en&mode=explore&THREADS=2"
    # The default bound stays out of the address.
    page = client.get("/scenarios/deadlock?lang=es&mode=explore&preemptions=2").text
    assert modes(page)["explore"] == "/scenarios/deadlock?lang=es&mode=explore"
    assert re.search(r'<option value="2" selected>2</option>', page)


def fields_of(page: str) -> dict[str, dict[str, object]]:
    return {f["name"]: f for f in json.loads(panel(page)["fields"])}


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("where", ["", "/embed"])
def test_explore_mode_starts_from_values_a_search_can_finish(
    client: TestClient, lang: str, where: str
) -> None:
    # plus-equals runs 4 threads of 2000 additions: far too many orders to try. Exploring
    # starts from its [explore] values, written out only where another mode needs them.
    page = client.get(f"{where}/scenarios/plus-equals?lang={lang}&mode=explore").text
    fields = fields_of(page)
    assert fields["THREADS"]["value"] == 2 and fields["ITERATIONS"]["value"] == 2
    assert re.search(r'name="ITERATIONS" value="2"', page)
    links = modes(page)
    assert links["explore"].endswith("mode=explore")
    assert links["choose"].endswith("mode=choose&THREADS=2&ITERATIONS=2")
    assert panel(page)["choose-url"] == links["choose"]
    # A value given in the address wins; the other stays the value for exploring.
    page = client.get(f"{where}/scenarios/plus-equals?lang={lang}&mode=explore&THREADS=3").text
    fields = fields_of(page)
    assert fields["THREADS"]["value"] == 3 and fields["ITERATIONS"]["value"] == 2
    assert modes(page)["explore"].endswith("mode=explore&THREADS=3")
    # From watching the default run, the explore link carries nothing: the small values.
    watched = client.get(f"/scenarios/plus-equals?lang={lang}").text
    assert modes(watched)["explore"] == f"/scenarios/plus-equals?lang={lang}&mode=explore"


def test_the_api_explores_a_scenario_with_its_values_for_exploring(client: TestClient) -> None:
    answer = client.post("/api/explorations", json={"scenario": "plus-equals", "lang": "es"})
    while answer.status_code == 202:
        answer = client.get(answer.json()["url"])
    assert answer.status_code == 200, answer.text
    done = answer.json()
    assert done["params"] == {"THREADS": 2, "ITERATIONS": 2, "USE_LOCK": False}
    assert done["covered"] != "sampled"
    totals = {ending["final"]["contador"] for ending in done["outcomes"]}
    assert totals == {2, 3, 4}  # an addition lost, or two
    # The same search, its values written out: the same address, kept.
    again = client.post(
        "/api/explorations",
        json={"scenario": "plus-equals", "lang": "es", "params": {"THREADS": 2}},
    )
    assert again.status_code == 200 and again.json()["id"] == done["id"]
    # The scenario's description says what an exploration starts from.
    detail = client.get("/api/scenarios/plus-equals?lang=en").json()
    assert detail["explore"] == {"THREADS": 2, "ITERATIONS": 2, "USE_LOCK": False}
    assert detail["params"][1]["default"] == 2000


@pytest.mark.parametrize(
    ("query", "es", "en"),
    [
        (
            "mode=explore&preemptions=9",
            "«preemptions» admite 0, 1, 2, 3, 4; recibió «9»",
            "“preemptions” takes 0, 1, 2, 3, 4; it got “9”",
        ),
        ("mode=explore&preemptions=-1", "recibió «-1»", "it got “-1”"),
        (
            "preemptions=1",
            "«preemptions» solo vale con mode=explore",
            "“preemptions” only goes with mode=explore",
        ),
        (
            "mode=choose&preemptions=1",
            "«preemptions» solo vale con mode=explore",
            "“preemptions” only goes with mode=explore",
        ),
        (
            "mode=explore&choices=Hilo-1",
            "«choices» solo vale con mode=choose",
            "“choices” only goes with mode=choose",
        ),
        ("mode=explore&then=run", "«then» solo vale con mode=choose", "“then” only goes with"),
        (
            "mode=explore&THREADS=99",
            "«Hilos» tiene que ser un número entero entre 2 y 8",
            "“Threads” must be a whole number between 2 and 8",
        ),
        ("mode=explore&ITERATIONS=many", "recibió «many»", "it got “many”"),
        (
            "mode=explore&USE_LOCK=maybe",
            "«Usar un candado» tiene que ser sí o no",
            "“Use a lock” must be yes or no",
        ),
        (
            "mode=explored",
            "«mode» admite play, choose, explore",
            "“mode” takes play, choose, explore",
        ),
    ],
)
@pytest.mark.parametrize("where", ["", "/embed"])
def test_an_address_that_does_not_fit_is_refused_in_words(
    client: TestClient, query: str, es: str, en: str, where: str
) -> None:
    for lang, expected in (("es", es), ("en", en)):
        answer = client.get(f"{where}/scenarios/plus-equals?lang={lang}&{query}")
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert expected in alert(answer.text)
        if where:
            csp = answer.headers["content-security-policy"]
            assert "frame-ancestors https://canvas.example" in csp


def test_the_embed_explores_with_its_options_and_opens_the_same_values(
    client: TestClient,
) -> None:
    answer = client.get(
        "/embed/scenarios/plus-equals?lang=en&mode=explore&THREADS=3&ITERATIONS=1&speed=2"
        "&view=time&autoplay=1&preemptions=3"
    )
    assert answer.status_code == 200
    page = answer.text
    assert "frame-ancestors https://canvas.example" in answer.headers["content-security-policy"]
    assert 'class="site"' not in page and "/static/js/explore.js" in page
    # Its form stays in the frame and keeps the embed's options (a search is no autoplay).
    action, hidden, _ = form(page)
    assert action == "/embed/scenarios/plus-equals"
    assert hidden == {
        "lang": "en",
        "speed": "2",
        "view": "time",
        "mode": "explore",
        "USE_LOCK": "false",
    }
    links = modes(page)
    assert links["current"] == "explore"
    # "Show me" opens "You choose" in the frame, with the same options.
    assert panel(page)["choose-url"] == links["choose"]
    assert links["choose"] == (
        "/embed/scenarios/plus-equals?lang=en&speed=2&view=time&mode=choose&THREADS=3&ITERATIONS=1"
    )
    assert links["explore"] == (
        "/embed/scenarios/plus-equals?lang=en&speed=2&view=time&mode=explore&THREADS=3"
        "&ITERATIONS=1&preemptions=3"
    )
    opened = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener" data-open>', page)
    assert opened and html.unescape(opened.group(1)) == (
        "/scenarios/plus-equals?lang=en&mode=explore&THREADS=3&ITERATIONS=1&preemptions=3"
    )


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_saved_runs_embed_explores_nothing(client: TestClient, lang: str) -> None:
    run = client.post("/api/runs", json={"scenario": "deadlock", "lang": lang}).json()["id"]
    for query, words in (
        ("mode=explore", MESSAGES[lang]["error.explore_run"]),
        ("preemptions=1", MESSAGES[lang]["error.explore_mode"].format(name="preemptions")),
    ):
        answer = client.get(f"/embed/runs/{run}?lang={lang}&{query}")
        assert answer.status_code == 422
        assert alert(answer.text) == words


def test_every_word_of_the_explorer_reaches_the_page_in_both_languages(
    client: TestClient,
) -> None:
    keys = [key for key in MESSAGES["en"] if key.startswith("player.explore.")]
    assert len(keys) > 30 and all(key in MESSAGES["es"] for key in keys)
    for lang in ("es", "en"):
        page = client.get(f"/scenarios/lock?lang={lang}&mode=explore").text
        handed = re.search(
            r'<script type="application/json" id="hilos-strings">(.*?)</script>', page, re.S
        )
        assert handed
        words = json.loads(handed.group(1))
        assert {key: words.get(key) for key in keys} == {key: MESSAGES[lang][key] for key in keys}
        assert words["outcome.deadlock"] == MESSAGES[lang]["outcome.deadlock"]
