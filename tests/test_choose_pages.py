"""'You choose' pages and embeds: the mode, the choices and the values read from the address."""

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
from app.web.pages import MAX_CHOICES, parse_choices

from .helpers import data_attributes

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=tmp_path / "runs.sqlite3", frame_ancestors="https://canvas.example")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def chooser(page: str) -> dict[str, str]:
    """The chooser's data attributes, unescaped."""
    return data_attributes(page, r'<div class="chooser"')


def modes(page: str) -> dict[str, str]:
    """The first two mode links (the third explores): which is current, where each goes."""
    nav = re.search(r'<nav class="modes".*?</nav>', page, re.S)
    assert nav
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>', nav.group(0))
    play, choose, _explore = links
    return {
        "play": html.unescape(play[0]),
        "choose": html.unescape(choose[0]),
        "current": "play" if play[1] else "choose",
    }


def test_parse_choices_reads_names_and_runs_of_one_name() -> None:
    assert parse_choices("") == []
    assert parse_choices("Thread-1,Thread-2") == ["Thread-1", "Thread-2"]
    assert parse_choices("Hilo-1*3, MainThread") == ["Hilo-1"] * 3 + ["MainThread"]
    assert parse_choices("Filósofo-2*2") == ["Filósofo-2", "Filósofo-2"]
    for bad in ("a,,b", "a*0", "a*", "*3", "a*2001", "x" * 65, "a\nb", ","):
        assert parse_choices(bad) is None, bad
    assert parse_choices(f"a*{MAX_CHOICES}") == ["a"] * MAX_CHOICES
    assert parse_choices(f"a*{MAX_CHOICES},b") is None


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_scenario_page_in_choose_mode_starts_the_chooser(client: TestClient, lang: str) -> None:
    answer = client.get(f"/scenarios/deadlock?lang={lang}&mode=choose&choices=MainThread*2,x")
    assert answer.status_code == 200
    page = answer.text
    words = MESSAGES[lang]
    data = chooser(page)
    assert data["scenario"] == "deadlock" and data["lang"] == lang
    assert json.loads(data["choices"]) == ["MainThread", "MainThread", "x"]
    assert json.loads(data["params"]) == {} and "then" not in data
    assert words["player.choose.title"] in page and words["player.choose.intro"] in page
    assert "/static/js/choose.js" in page
    assert modes(page) == {
        "play": f"/scenarios/deadlock?lang={lang}",
        "choose": f"/scenarios/deadlock?lang={lang}&mode=choose",
        "current": "choose",
    }
    # The values go into the address: a GET form that keeps the mode.
    assert '<form class="params" method="get" action="/scenarios/deadlock">' in page
    assert '<input type="hidden" name="mode" value="choose">' in page
    assert words["mode.choose.params"] in page
    # No run is recorded to open it: the chooser asks for its schedule itself.
    assert 'data-trace-url="/api/runs/' not in page
    assert client.app.state.service.store.count() == 0  # type: ignore[attr-defined]


def test_values_and_let_it_run_come_from_the_address(client: TestClient) -> None:
    page = client.get(
        "/scenarios/race-condition?lang=en&mode=choose&THREADS=2&USE_LOCK=false&USE_LOCK=true"
        "&then=run"
    ).text
    data = chooser(page)
    assert json.loads(data["params"]) == {"THREADS": 2, "USE_LOCK": True}
    assert data["then"] == "run"
    assert re.search(r'name="THREADS" value="2"', page)
    assert re.search(r'name="USE_LOCK" value="true" checked', page)
    # Both modes and the other language keep the values that differ from the defaults.
    links = modes(page)
    assert (
        links["choose"] == "/scenarios/race-condition?lang=en&mode=choose&THREADS=2&USE_LOCK=true"
    )
    assert links["play"] == "/scenarios/race-condition?lang=en"
    other = re.search(r'<a href="([^"]+)" hreflang="es"', page)
    assert other and html.unescape(other.group(1)) == (
        "/scenarios/race-condition?lang=es&mode=choose&THREADS=2&USE_LOCK=true"
    )


def test_watching_offers_choosing_with_the_same_values(client: TestClient) -> None:
    page = client.get("/scenarios/deadlock?lang=en").text
    assert modes(page)["current"] == "play"
    assert 'data-trace-url="/api/runs/' in page and '<div class="chooser"' not in page
    assert 'data-option="mode"' in page  # the share box can embed either mode
    made = client.post(
        "/scenarios/race-condition/runs?lang=en", data={"THREADS": "2", "ITERATIONS": "4"}
    )
    assert made.status_code == 200  # followed the redirect to the run's page
    links = modes(made.text)
    assert links["current"] == "play" and links["play"].startswith("/runs/")
    assert links["choose"] == "/scenarios/race-condition?lang=en&mode=choose&THREADS=2"


def test_watching_keeps_the_values_the_address_gives_for_run_again(client: TestClient) -> None:
    page = client.get("/scenarios/deadlock?lang=en&PAUSE=0.3")
    assert page.status_code == 200 and 'data-trace-url="/api/runs/' in page.text
    assert re.search(r'<input type="number" name="PAUSE" value="0.3"', page.text)
    assert modes(page.text)["choose"] == "/scenarios/deadlock?lang=en&mode=choose&PAUSE=0.3"


@pytest.mark.parametrize(
    ("query", "es", "en"),
    [
        ("mode=watch", "«mode» admite play, choose", "“mode” takes play, choose"),
        ("choices=Hilo-1", "«choices» solo vale con mode=choose", "“choices” only goes with"),
        ("mode=play&then=run", "«then» solo vale con mode=choose", "“then” only goes with"),
        ("mode=choose&then=later", "«then» admite run", "“then” takes run"),
        ("mode=choose&choices=a,,b", "«choices» tiene que ser", "“choices” must be thread names"),
        ("mode=choose&choices=a*9999", "como mucho", "at most"),
        ("mode=choose&PAUSE=soon", "«Pausa", "“Pause"),
        ("mode=choose&PAUSE=99", "entre", "between"),
        # A value out of range is refused the same way in every mode, watching included.
        ("PAUSE=99", "«Pausa", "“Pause"),
        ("mode=play&PAUSE=99", "entre 0,05 y 0,5", "between 0.05 and 0.5"),
        ("mode=explore&PAUSE=0", "entre 0,05 y 0,5", "between 0.05 and 0.5"),
        ("PAUSE=", "Falta un valor", "needs a value"),
    ],
)
@pytest.mark.parametrize("where", ["", "/embed"])
def test_an_address_that_does_not_fit_is_refused_in_words(
    client: TestClient, query: str, es: str, en: str, where: str
) -> None:
    for lang, expected in (("es", es), ("en", en)):
        answer = client.get(f"{where}/scenarios/deadlock?lang={lang}&{query}")
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        message = re.search(r'<p class="error" role="alert">(.*?)</p>', answer.text, re.S)
        assert message and expected in html.unescape(message.group(1)), message
        if where:
            assert (
                "frame-ancestors https://canvas.example"
                in answer.headers["content-security-policy"]
            )


def test_the_embed_chooses_with_its_options_and_opens_the_same_schedule(
    client: TestClient,
) -> None:
    answer = client.get(
        "/embed/scenarios/race-condition?lang=es&mode=choose&choices=Hilo-1&speed=2"
        "&view=time&autoplay=1&THREADS=2"
    )
    assert answer.status_code == 200
    page = answer.text
    assert "frame-ancestors https://canvas.example" in answer.headers["content-security-policy"]
    data = chooser(page)
    assert json.loads(data["choices"]) == ["Hilo-1"]
    assert json.loads(data["params"]) == {"THREADS": 2}
    assert (data["speed"], data["view"], data["controls"]) == ("2", "time", "full")
    assert "/static/js/choose.js" in page and 'class="site"' not in page
    # Its modes stay embeds and keep the options (a choice is no autoplay).
    links = modes(page)
    assert links["current"] == "choose"
    assert links["choose"] == (
        "/embed/scenarios/race-condition?lang=es&speed=2&view=time&mode=choose&THREADS=2"
    )
    assert links["play"] == "/embed/scenarios/race-condition?lang=es&speed=2&view=time"
    opened = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener" data-open>', page)
    assert opened and html.unescape(opened.group(1)) == (
        "/scenarios/race-condition?lang=es&mode=choose&THREADS=2"
    )
    watched = client.get("/embed/scenarios/race-condition?lang=es&autoplay=1").text
    assert modes(watched)["current"] == "play"
    assert 'data-autoplay="1"' in watched


def test_a_saved_runs_embed_is_no_schedule(client: TestClient) -> None:
    run = client.post("/api/runs", json={"scenario": "deadlock", "lang": "en"}).json()["id"]
    assert client.get(f"/embed/runs/{run}?mode=play").status_code == 200
    for query, words in (
        ("mode=choose", MESSAGES["en"]["error.choose_run"]),
        ("mode=other", "“mode” takes play, choose"),
        ("choices=Thread-1", "“choices” only goes with mode=choose"),
    ):
        answer = client.get(f"/embed/runs/{run}?lang=en&{query}")
        assert answer.status_code == 422
        assert words in html.unescape(answer.text)
