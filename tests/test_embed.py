"""Embeds, oEmbed and exports through the ASGI app."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.export import perfetto, run_document, standalone_html
from app.main import create_app
from app.runner import run_source
from app.scenarios import get_scenario
from app.settings import Settings

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=tmp_path / "runs.sqlite3", frame_ancestors="https://canvas.example")
    with TestClient(create_app(settings), base_url="https://hilos.example") as test_client:
        yield test_client


def saved_run(client: TestClient, scenario: str = "deadlock", lang: str = "en") -> dict[str, Any]:
    answer = client.post("/api/runs", json={"scenario": scenario, "lang": lang})
    assert answer.status_code == 201
    document: dict[str, Any] = answer.json()
    return document


@pytest.mark.parametrize("path", ["/embed/scenarios/lock?lang=en", "/embed/runs/{run}"])
def test_embeds_may_be_framed_by_the_configured_origins_only(client: TestClient, path: str) -> None:
    run_id = saved_run(client)["id"]
    answer = client.get(path.format(run=run_id))
    assert answer.status_code == 200
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors https://canvas.example" in csp and "unsafe-inline" not in csp
    assert "x-frame-options" not in answer.headers
    assert "set-cookie" not in answer.headers
    assert 'class="site"' not in answer.text  # no site chrome
    assert 'target="_blank"' in answer.text  # open in a new tab
    assert "/static/js/embed.js" in answer.text


def test_other_pages_cannot_be_framed(client: TestClient) -> None:
    answer = client.get("/scenarios/lock?lang=en")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"


def test_embed_options_reach_the_player_and_bad_ones_are_named(client: TestClient) -> None:
    page = client.get(
        "/embed/scenarios/event?lang=es&autoplay=1&speed=2&controls=minimal&view=time"
    )
    player = re.search(r'<div class="player"[^>]*>', page.text)
    assert player is not None
    for attribute in ('data-autoplay="1"', 'data-speed="2"', 'data-controls="minimal"',
                      'data-view="time"', 'data-lang="es"'):  # fmt: skip
        assert attribute in player.group(0)
    bad = client.get("/embed/scenarios/event?speed=9")
    assert bad.status_code == 422
    assert "La opción «speed» admite 0.25, 0.5, 1, 2, 4; recibió «9»." in html.unescape(bad.text)
    assert 'class="site"' not in bad.text  # no site header inside someone else's page
    assert "frame-ancestors https://canvas.example" in bad.headers["content-security-policy"]
    english = client.get("/embed/scenarios/event?lang=en&view=wide")
    assert "The option “view” takes steps, time; it got “wide”." in html.unescape(english.text)
    missing = client.get("/embed/scenarios/nope?lang=en")
    assert missing.status_code == 404
    assert "There is no scenario “nope”" in html.unescape(missing.text)


def test_oembed_answers_rich_json_for_scenario_and_run_pages(client: TestClient) -> None:
    run_id = saved_run(client)["id"]
    for page_url, embed in (
        ("https://hilos.example/scenarios/deadlock?lang=es", "/embed/scenarios/deadlock?lang=es"),
        (f"https://hilos.example/runs/{run_id}", f"/embed/runs/{run_id}"),
    ):
        answer = client.get("/oembed", params={"url": page_url, "format": "json", "maxwidth": 600})
        assert answer.status_code == 200
        data = answer.json()
        assert data["version"] == "1.0" and data["type"] == "rich"
        assert data["width"] == 600 and data["height"] > 0 and data["title"]
        frame = data["html"]
        assert frame.startswith("<iframe ") and 'title="Hilos: ' in frame
        assert f'src="https://hilos.example{embed}' in html.unescape(frame)
    assert client.get("/oembed", params={"url": "https://x/other"}).status_code == 404
    assert client.get("/oembed", params={"url": "https://x/scenarios/nope"}).status_code == 404
    xml = client.get("/oembed", params={"url": "https://x/scenarios/lock", "format": "xml"})
    assert xml.status_code == 501


def test_pages_advertise_oembed_and_offer_share_download_and_perfetto(client: TestClient) -> None:
    page = client.get("/scenarios/deadlock?lang=en").text
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', page)
    assert link is not None
    assert client.get(html.unescape(link.group(1))).json()["type"] == "rich"
    run_id = re.findall(r"/api/runs/([a-z0-9]+)", page)[0]
    assert f'href="/runs/{run_id}/download?lang=en"' in page
    assert f'href="/api/runs/{run_id}/perfetto"' in page
    snippet = re.search(
        r'<textarea readonly rows="3" data-share="snippet">([^<]+)</textarea>', page
    )
    assert snippet is not None
    frame = html.unescape(snippet.group(1))
    assert 'src="https://hilos.example/embed/scenarios/deadlock?lang=en"' in frame
    assert 'title="Hilos: Deadlock"' in frame and 'loading="lazy"' in frame
    assert "fullscreen" not in frame  # the player has no fullscreen: nothing to allow


# -- exports ---------------------------------------------------------------------------------------


def check_perfetto(data: dict[str, Any]) -> None:
    """The Trace Event format's required fields, and flow arrows anchored inside slices."""
    events = data["traceEvents"]
    assert events
    slices: dict[int, list[tuple[float, float]]] = {}
    for ev in events:
        for key in ("name", "ph", "pid", "tid", "ts"):
            assert key in ev, (key, ev)
        assert ev["ph"] in {"X", "M", "s", "f", "C", "i"}  # no B/E pairs that must nest
        if ev["ph"] == "X":
            assert ev["dur"] > 0
            slices.setdefault(ev["tid"], []).append((ev["ts"], ev["ts"] + ev["dur"]))
    flows = [ev for ev in events if ev["ph"] in ("s", "f")]
    for ev in flows:
        assert any(a <= ev["ts"] <= b for a, b in slices[ev["tid"]]), ev
    starts = {ev["id"] for ev in flows if ev["ph"] == "s"}
    assert starts == {ev["id"] for ev in flows if ev["ph"] == "f"}


def test_perfetto_export_of_a_saved_run(client: TestClient) -> None:
    run_id = saved_run(client, "producer-consumer")["id"]
    answer = client.get(f"/api/runs/{run_id}/perfetto")
    assert answer.status_code == 200
    assert f"hilos-{run_id}.perfetto.json" in answer.headers["content-disposition"]
    data = answer.json()
    check_perfetto(data)
    names = {ev["args"]["name"] for ev in data["traceEvents"] if ev["name"] == "thread_name"}
    assert names == {"MainThread (#0)", "Consumer (#1)", "Producer (#2)"}
    assert any(ev["ph"] == "C" and ev["name"] == "work_queue" for ev in data["traceEvents"])
    assert any(ev["ph"] == "s" and ev["name"] == "item" for ev in data["traceEvents"])
    assert client.get("/api/runs/zzzzzzzzzzzz/perfetto").status_code == 404


def test_perfetto_marks_the_deadlock_and_keeps_same_named_threads_apart() -> None:
    scenario = get_scenario("deadlock")
    trace = run_source(scenario.source("en"), specs=scenario.params, scenario="deadlock")
    data = perfetto(run_document(trace, "en"))
    check_perfetto(data)
    [mark] = [ev for ev in data["traceEvents"] if ev.get("cat") == "deadlock"]
    assert mark["ph"] == "i" and len(mark["args"]["cycle"]) == 2
    twins = run_source(
        "import threading\nts = [threading.Thread(target=print, name='w') for _ in range(2)]\n"
        "for t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n"
    )
    tracks = {
        ev["tid"]: ev["args"]["name"]
        for ev in perfetto(run_document(twins, "en"))["traceEvents"]
        if ev["name"] == "thread_name"
    }
    assert sorted(tracks.values()) == ["MainThread (#0)", "w (#1)", "w (#2)"]


def test_the_download_is_one_offline_html_file_with_the_run(client: TestClient) -> None:
    document = saved_run(client, "deadlock", "es")
    answer = client.get(f"/runs/{document['id']}/download?lang=es")
    assert answer.status_code == 200
    assert f'filename="hilos-{document["id"]}.html"' in answer.headers["content-disposition"]
    page = answer.text
    assert '<html lang="es">' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from anywhere
    assert "import " not in re.sub(
        r"<script type=\"application/json\".*?</script>", "", page, flags=re.S
    )
    embedded = re.search(
        r'<script type="application/json" id="hilos-run">(.*?)</script>', page, re.S
    )
    assert embedded is not None
    assert json.loads(embedded.group(1)) == document


def test_standalone_html_escapes_what_the_program_printed() -> None:
    trace = run_source('print("</script><script>alert(1)</script>")\n')
    page = standalone_html(run_document(trace, "en"))
    assert page.count("</script>") == page.count("<script") == 3  # the printed tags are inert
    assert "alert(1)" in page


def test_offline_files_are_titled_by_the_scenario_or_the_script(
    client: TestClient, tmp_path: Path
) -> None:
    document = saved_run(client, "deadlock", "es")
    page = client.get(f"/runs/{document['id']}/download?lang=es").text
    assert f"<title>Hilos — {get_scenario('deadlock').texts['es'].title}</title>" in page
    script = tmp_path / "my_threads.py"
    trace = run_source("print('hi')\n", filename=str(script))
    assert "<title>Hilos — my_threads.py</title>" in standalone_html(run_document(trace, "en"))


def oembed_src(client: TestClient, page_url: str) -> str:
    answer = client.get("/oembed", params={"url": page_url})
    assert answer.status_code == 200, answer.text
    src = re.search(r'src="([^"]+)"', answer.json()["html"])
    assert src is not None
    return html.unescape(src.group(1))


def test_oembed_keeps_every_option_of_the_pasted_address(client: TestClient) -> None:
    site = "https://hilos.example"
    page = f"{site}/scenarios/race-condition?mode=choose&THREADS=2&lang=en"
    src = oembed_src(client, page)
    assert src == f"{site}/embed/scenarios/race-condition?lang=en&mode=choose&THREADS=2"
    assert client.get(src).status_code == 200  # the embed takes what it was given
    page = f"{site}/scenarios/race-condition?predict=1&speed=2&controls=minimal&utm_source=x"
    assert oembed_src(client, page).endswith("?lang=es&predict=1&speed=2&controls=minimal")
    explore = oembed_src(client, f"{site}/scenarios/plus-equals?mode=explore&preemptions=1")
    assert explore.endswith("/embed/scenarios/plus-equals?lang=es&mode=explore&preemptions=1")
    run_id = saved_run(client)["id"]
    assert oembed_src(client, f"{site}/runs/{run_id}?view=time").endswith("&view=time")
    answer = client.get("/oembed", params={"url": f"{site}/scenarios/lock?mode=choose"})
    assert answer.json()["height"] == 720  # the chooser needs more room than the player


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("mode=choose&THREADS=99", "between 2 and 6"),
        ("mode=dance", "mode"),
        ("speed=3", "speed"),
        ("predict=1&mode=choose", "predict"),
        ("preemptions=2", "preemptions"),
    ],
)
def test_oembed_refuses_the_options_the_embed_refuses(
    client: TestClient, query: str, words: str
) -> None:
    page = f"https://hilos.example/scenarios/race-condition?lang=en&{query}"
    answer = client.get("/oembed", params={"url": page})
    assert answer.status_code == 422 and words in answer.json()["detail"]
    embed = client.get(f"/embed/scenarios/race-condition?lang=en&{query}")
    assert embed.status_code == 422


def test_oembed_of_a_run_refuses_a_schedule(client: TestClient) -> None:
    run_id = saved_run(client)["id"]
    page = f"https://hilos.example/runs/{run_id}?mode=choose"
    assert client.get("/oembed", params={"url": page}).status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.com/scenarios/deadlock",
        "https://hilos.example.evil.com/scenarios/deadlock",
        "//evil.com/scenarios/deadlock",
        "javascript://hilos.example/scenarios/deadlock",
    ],
)
def test_oembed_answers_only_for_this_sites_pages(client: TestClient, url: str) -> None:
    answer = client.get("/oembed", params={"url": url})
    assert answer.status_code == 404 and "this site" in answer.json()["detail"]


def test_oembed_hosts_follow_the_public_address_and_the_allowed_hosts(tmp_path: Path) -> None:
    public = "https://hilos.example.edu/course"
    for allowed, cases in (
        (
            "hilos.example.edu, *.campus.example",
            [
                ("https://hilos.example.edu/course/scenarios/deadlock", 200),
                ("http://lab.campus.example/scenarios/deadlock", 200),
                ("http://campus.example.evil.com/scenarios/deadlock", 404),
                ("http://evil.com/scenarios/deadlock", 404),
            ],
        ),
        # Any Host header answered: only the public address is the site's, not the request's.
        ("*", [("http://testserver/scenarios/deadlock", 404)]),
    ):
        settings = Settings(db=tmp_path / "runs.sqlite3", public_url=public, allowed_hosts=allowed)
        base_url = "http://testserver" if allowed == "*" else "https://hilos.example.edu"
        with TestClient(create_app(settings), base_url=base_url) as client:
            for url, status in cases:
                assert client.get("/oembed", params={"url": url}).status_code == status, url
            src = oembed_src(client, f"{public}/scenarios/deadlock")
            assert src.startswith(f"{public}/embed/scenarios/deadlock?")
