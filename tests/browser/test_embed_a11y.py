"""Embedded in another site, usable by everyone, and taken away as one file."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from app.cli import main as hilos

from .conftest import ROOT, Server, free_port, screenshot

pytestmark = pytest.mark.timeout(180)

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A course page</title></head>
<body><main><h1>Week 5: threads</h1>
<iframe id="hilos" src="{src}" title="Hilos: Deadlock" width="100%" height="300"
        style="border:0"></iframe></main>
<script>
  // What Canvas does with lti.frameResize, and a log of every message for the test.
  window.messages = [];
  window.addEventListener("message", (event) => {{
    window.messages.push({{origin: event.origin, data: event.data}});
    if (event.data && event.data.subject === "lti.frameResize") {{
      document.getElementById("hilos").height = String(event.data.height);
    }}
  }});
</script></body></html>
"""


@pytest.fixture
def other_origin(server: Server) -> Iterator[str]:
    """A second site (another port, so another origin) whose page iframes an embed."""
    src = server.url + "/embed/scenarios/deadlock?lang=en&autoplay=1&speed=4"
    body = HOST_PAGE.format(src=src).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/course"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_an_embed_loads_plays_and_resizes_inside_another_origin(
    server: Server, page: Page, other_origin: str
) -> None:
    page.goto(other_origin)
    frame = page.frame_locator("#hilos")
    expect(frame.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    expect(frame.locator(".player .ending.cycle")).to_be_visible(timeout=30_000)  # autoplay
    page.wait_for_function("window.messages.some(m => m.data.subject === 'lti.frameResize')")
    messages = page.evaluate("window.messages")
    sizes = [m["data"]["height"] for m in messages if m["data"].get("subject") == "lti.frameResize"]
    assert all(m["origin"] == server.url for m in messages)
    assert any(m["data"].get("type") == "hilos:resize" for m in messages)
    height = int(page.locator("#hilos").get_attribute("height") or 0)
    assert height == sizes[-1] and height > 300
    box = page.locator("#hilos").bounding_box()
    assert box is not None and box["height"] == pytest.approx(height, abs=1)
    link = frame.get_by_role("link", name="Open in Hilos")
    assert link.get_attribute("target") == "_blank"
    # Autoplay narrated the whole run without scrolling the course page, or the frame's own.
    assert page.evaluate("document.documentElement.scrollHeight > window.innerHeight")
    assert page.evaluate("window.scrollY") == 0
    assert frame.locator("body").evaluate("() => document.scrollingElement.scrollTop") == 0
    screenshot(page, "embed-in-another-site")


def run_axe(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            // Best practices the player must keep too: headings in order, one main, named
            // regions, nothing in the tab order without a role.
            rules: {"heading-order": {enabled: true}, "landmark-one-main": {enabled: true},
                    "page-has-heading-one": {enabled: true},
                    // A wrapper put in the tab order must be a widget (a control), not a div.
                    "focus-order-semantics": {enabled: true}}});
          return r.violations.map(v => ({id: v.id, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }"""
    )
    violations: list[dict[str, Any]] = result
    return violations


@pytest.fixture
def axe_page(browser: Browser) -> Iterator[Page]:
    # axe is injected as a script the page's CSP would refuse: this context sets it aside.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/scenarios/deadlock",
        "/scenarios/bounded-buffer",
        "/scenarios/forgotten-task-done",
        "/embed/scenarios/lock",
        "/embed/scenarios/race-condition?predict=1",
        "/scenarios/deadlock?predict=1",
        "/scenarios/no-such-scenario",
        "/write",
    ],
)
def test_axe_finds_no_violations(server: Server, axe_page: Page, path: str, lang: str) -> None:
    axe_page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
    if path == "/write":
        expect(axe_page.locator("form.program-form[data-editor=ready]")).to_have_count(1)
    elif "no-such" not in path and path != "/":
        expect(axe_page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
        if "predict" in path:
            assert run_axe(axe_page) == []  # the question, before any answer
            axe_page.locator(".predict button[type=submit]").first.click()
            axe_page.locator(".player").evaluate("n => n.player.pause()")
        axe_page.locator(".player").focus()
        for _ in range(8):
            axe_page.keyboard.press("ArrowRight")  # a frame with lanes, narration and arrows
        if not path.startswith("/embed"):
            axe_page.locator(".share summary").click()
    assert run_axe(axe_page) == []


def test_axe_on_a_saved_run_and_its_embed(server: Server, axe_page: Page) -> None:
    axe_page.goto(server.url + "/scenarios/semaphore?lang=en")
    expect(axe_page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    run_path = axe_page.locator(".run-meta a").first.get_attribute("href")
    assert run_path
    for path in (run_path, run_path.replace("/runs/", "/embed/runs/")):
        axe_page.goto(server.url + path)
        expect(axe_page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
        assert run_axe(axe_page) == []


def test_axe_on_a_program_its_modes_and_its_embed(server: Server, axe_page: Page) -> None:
    source = "import threading\nlock = threading.Lock()\ndef f():\n    with lock:\n" + (
        "        pass\nts = [threading.Thread(target=f) for _ in range(2)]\n"
        "for t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n"
    )
    answer = axe_page.request.post(server.url + "/api/runs", data={"source": source})
    program = answer.json()["program"]
    saved = axe_page.request.post(
        server.url + "/api/programs", data={"program": program, "title": "Two", "notes": "N"}
    ).json()["id"]
    for path in (f"/programs/{program}", f"/programs/{saved}", f"/embed/programs/{saved}"):
        for lang in ("es", "en"):
            axe_page.goto(f"{server.url}{path}?lang={lang}")
            expect(axe_page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
            assert run_axe(axe_page) == [], (path, lang)
    axe_page.goto(f"{server.url}/programs/{program}?lang=en&mode=choose")
    expect(axe_page.locator(".chooser[data-state=ready]")).to_have_count(1, timeout=20_000)
    assert run_axe(axe_page) == []
    axe_page.goto(f"{server.url}/write?lang=en")
    axe_page.locator(".program-actions button[type=submit]").click()
    expect(axe_page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    assert run_axe(axe_page) == []  # after a run through htmx: the swapped result
    axe_page.locator(".cm-content").click()
    axe_page.keyboard.press("Control+a")
    axe_page.keyboard.insert_text("import os\n")
    axe_page.keyboard.press("Control+Enter")
    expect(axe_page.locator("#run-error .program-problem")).to_have_count(1, timeout=20_000)
    assert run_axe(axe_page) == []  # with a problem on screen and its line marked


def test_reduced_motion_plays_one_step_at_a_time(server: Server, browser: Browser) -> None:
    indexes = {}
    for motion in ("reduce", "no-preference"):
        context = browser.new_context(reduced_motion=motion)
        page = context.new_page()
        page.goto(server.url + "/embed/scenarios/deadlock?lang=en&view=time")
        expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
        page.get_by_role("button", name="Play").click()
        page.wait_for_timeout(600)
        indexes[motion] = int(page.locator(".player").get_attribute("data-index") or 0)
        context.close()
    assert indexes["reduce"] <= 3  # 250 ms a step
    assert indexes["no-preference"] > indexes["reduce"]


def test_the_downloaded_file_plays_offline(tmp_path: Path, browser: Browser) -> None:
    page_file = tmp_path / "deadlock.html"
    assert (
        hilos(["run", "deadlock", "--lang", "es", "--quiet", "--out", str(tmp_path / "t.json")])
        == 0
    )
    assert (
        hilos(["export", str(tmp_path / "t.json"), "--html", str(page_file), "--lang", "es"]) == 0
    )
    context = browser.new_context(offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_file.as_uri())
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1)
    page.locator(".player").focus()
    page.keyboard.press("End")
    expect(page.locator(".player .ending.cycle")).to_contain_text("Hilo-1 espera lock_2")
    assert json.loads(page.locator("#hilos-run").text_content() or "{}")["outcome"]["status"] == (
        "deadlock"
    )
    assert errors == []
    context.close()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_axe_on_the_compare_pages(server: Server, axe_page: Page, lang: str) -> None:
    axe_page.goto(f"{server.url}/scenarios/deadlock?lang={lang}")
    expect(axe_page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    axe_page.locator("a[href^='/compare?a=']").click()
    expect(axe_page.locator(".picks")).to_be_visible()
    assert run_axe(axe_page) == []  # what to compare it with
    axe_page.locator(".picks button").first.click()
    expect(axe_page.locator(".compare-run .player[data-mounted=ready]")).to_have_count(
        2, timeout=30_000
    )
    axe_page.locator(".both-controls [data-both=forward]").click()
    assert run_axe(axe_page) == []
    axe_page.set_viewport_size({"width": 390, "height": 844})
    assert run_axe(axe_page) == []


# The roles Chromium gives an element that means nothing to a screen reader.
NO_ROLE = {"generic", "none", "presentation", "GenericContainer", "Section", ""}


def focusables_without_name(page: Page, within: str = ".player") -> list[str]:
    """Every element inside `within` that can take focus (by Tab or by a click) whose role or
    accessible name, as Chromium computes them for screen readers, is missing."""
    count = page.evaluate(
        """(within) => {
          const focusable = "a[href], button, input, select, textarea, summary, iframe, "
            + "[tabindex], [contenteditable=true]";
          const found = [];
          for (const old of document.querySelectorAll("[data-focus-probe]")) {
            old.removeAttribute("data-focus-probe");
          }
          for (const root of document.querySelectorAll(within)) {
            for (const node of [root, ...root.querySelectorAll(focusable)]) {
              if (node.tabIndex === undefined || node.disabled || node.closest("[inert]")) continue;
              if (!node.matches(focusable) || !node.getClientRects().length) continue;
              found.push(node);
            }
          }
          found.forEach((node, k) => node.setAttribute("data-focus-probe", String(k)));
          return found.length;
        }""",
        within,
    )
    assert count > 5, "the player shows fewer controls than it has"
    cdp = page.context.new_cdp_session(page)
    document = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    missing = []
    for k in range(count):
        selector = f'[data-focus-probe="{k}"]'
        node = cdp.send("DOM.querySelector", {"nodeId": document, "selector": selector})
        ax = cdp.send(
            "Accessibility.getPartialAXTree", {"nodeId": node["nodeId"], "fetchRelatives": False}
        )["nodes"][0]
        role = ax.get("role", {}).get("value", "")
        name = str(ax.get("name", {}).get("value", "")).strip()
        if role in NO_ROLE or not name:
            html = page.locator(selector).evaluate("n => n.outerHTML.slice(0, 90)")
            missing.append(f"{role or 'no role'} {name!r}: {html}")
    cdp.detach()
    return missing


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize(
    "path",
    [
        "/scenarios/forgotten-task-done",
        "/embed/scenarios/deadlock",
        "/scenarios/race-condition?predict=1",
        "/scenarios/deadlock?mode=choose",
    ],
)
def test_every_focusable_element_of_the_player_has_a_role_and_a_name(
    server: Server, page: Page, path: str, lang: str
) -> None:
    page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    if "predict" in path:
        assert focusables_without_name(page) == []  # the question, the controls held back
        page.locator(".predict .skip-predict").click()
    page.locator(".player .lanes-words summary").click()  # the picture in words, open
    assert focusables_without_name(page) == []
    # Keys still work from the player once it is clicked, wherever the click lands.
    page.locator(".player .legend").click()
    page.keyboard.press("End")
    assert page.locator(".player").get_attribute("data-index") == str(
        page.evaluate("document.querySelector('.player').player.model.events.length - 1")
    )
