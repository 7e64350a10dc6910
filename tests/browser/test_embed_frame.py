"""An embed in a course page: its height is settled before playback and stays put while it
plays, and a fixed 520 px frame shows the lanes, the controls, the sentence and the ending."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.web.i18n import MESSAGES

from .conftest import Server, free_port, screenshot

pytestmark = pytest.mark.timeout(180)

HOST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A course page</title></head>
<body><main><h1>Week 5: threads</h1>
<iframe id="hilos" src="{src}" title="Hilos" width="800" height="{height}"
        style="border:0"></iframe>
<p>Below the frame, the rest of the lesson.</p></main>
<script>
  window.messages = [];
  window.addEventListener("message", (event) => {{
    if (!event.data || event.data.subject !== "lti.frameResize") return;
    window.messages.push(event.data.height);
    if ({follow}) document.getElementById("hilos").height = String(event.data.height);
  }});
</script></body></html>
"""


@pytest.fixture
def course_page(server: Server) -> Iterator[Callable[[str, int, bool], str]]:
    """A page on another origin that frames `path` (of the Hilos server) at `height` px,
    following the resize messages or not."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            self.send_response(200 if body else 204)  # 204: the favicon, say
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def make(path: str, height: int, follow: bool) -> str:
        name = f"/course/{len(pages)}"
        src = server.url + path
        follows = "true" if follow else "false"
        pages[name] = HOST.format(src=src, height=height, follow=follows).encode()
        return f"http://127.0.0.1:{httpd.server_address[1]}{name}"

    yield make
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.mark.parametrize("scenario", ["deadlock", "race-condition"])
def test_the_frame_height_is_settled_before_playback_and_stable_during_it(
    page: Page, course_page: Callable[[str, int, bool], str], scenario: str
) -> None:
    page.goto(course_page(f"/embed/scenarios/{scenario}?lang=en&speed=4", 520, True))
    frame = page.frame_locator("#hilos")
    expect(frame.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.wait_for_function("window.messages.length > 0")
    page.wait_for_timeout(800)  # whatever the layout still does, it does before play
    before: list[int] = page.evaluate("window.messages")
    frame.get_by_role("button", name=MESSAGES["en"]["player.play"], exact=True).click()
    last = frame.locator(".player").evaluate("n => n.player.model.events.length - 1")
    expect(frame.locator(".player")).to_have_attribute("data-index", str(last), timeout=60_000)
    page.wait_for_timeout(300)
    after: list[int] = page.evaluate("window.messages")
    # A few messages while it loads (the frame says its height once it is known), none during
    # the whole playback, and the frame is as tall as the last message said.
    assert 1 <= len(before) <= 3, before
    assert after == before, f"resized during playback: {after[len(before) :]}"
    box = page.locator("#hilos").bounding_box()
    assert box is not None and box["height"] == pytest.approx(before[-1], abs=1)
    assert page.evaluate("window.scrollY") == 0  # the course page never moved


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_fixed_520_px_frame_shows_lanes_controls_sentence_and_the_deadlock(
    page: Page, course_page: Callable[[str, int, bool], str], lang: str
) -> None:
    page.set_viewport_size({"width": 900, "height": 700})
    page.goto(course_page(f"/embed/scenarios/deadlock?lang={lang}", 520, False))
    frame = page.frame_locator("#hilos")
    expect(frame.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    frame.get_by_role("button", name=MESSAGES[lang]["player.end"], exact=True).click()
    expect(frame.locator(".player .ending.cycle")).to_be_visible()
    seen = frame.locator("body").evaluate(
        """() => {
          const box = (s) => { const r = document.querySelector(s).getBoundingClientRect();
                               return [r.top, r.bottom]; };
          return {scroll: document.scrollingElement.scrollTop, height: window.innerHeight,
                  controls: box(".player .controls"), lanes: box(".player canvas.lanes"),
                  now: box(".player .now"), ending: box(".player .ending")};
        }"""
    )
    assert seen["scroll"] == 0 and seen["height"] == 520
    for part in ("controls", "lanes", "now", "ending"):
        top, bottom = seen[part]
        assert 0 <= top and bottom <= 520, (part, seen)
    # The sentence on screen is the run's last one (Hilos stopping the deadlocked program).
    said = """n => [...n.childNodes].filter(c => c.nodeName !== "TIME").map(c => c.textContent)
      .join("").trim()"""
    last = frame.locator(".player .narration li").last.evaluate(said)
    assert last and frame.locator(".player .now").evaluate(said) == last
    screenshot(page, f"embed-fixed-520-{lang}")
