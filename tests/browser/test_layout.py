"""The player on one screen: after pressing play the lanes, the playhead's line of code and its
sentence are visible together, on a laptop and on a phone, in both languages; and a screen
reader hears the new sentence alone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.web.i18n import MESSAGES

from .conftest import SHOTS, Server

pytestmark = pytest.mark.timeout(120)

SIZES = {"wide": (1280, 800), "phone": (390, 844)}

GEOMETRY = """root => {
  const box = (n) => { const r = n.getBoundingClientRect(); return {top: r.top, bottom: r.bottom,
    left: r.left, right: r.right}; };
  const code = root.querySelector(".code");
  const current = [...code.querySelectorAll("li.current.actor")];
  return {
    height: window.innerHeight, width: window.innerWidth,
    canvas: box(root.querySelector("canvas.lanes")),
    controls: box(root.querySelector(".controls")),
    now: box(root.querySelector(".now")),
    code: box(code),
    current: current.map(box),
    codeOverflows: code.scrollWidth > code.clientWidth + 1,
  };
}"""


SAID = """n => [...n.childNodes].filter(c => c.nodeName !== "TIME").map(c => c.textContent)
  .join("").trim()"""


def within(box: dict[str, float], top: float, bottom: float) -> bool:
    return box["top"] >= top - 0.5 and box["bottom"] <= bottom + 0.5


def viewport_shot(page: Page, name: str) -> None:
    """What the student sees, not the whole page: the point is what fits on one screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def press_play_and_measure(page: Page, lang: str) -> dict[str, Any]:
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.get_by_role("button", name=MESSAGES[lang]["player.play"], exact=True).click()
    page.wait_for_timeout(2200)  # a few steps, and the smooth scroll to the player
    page.get_by_role("button", name=MESSAGES[lang]["player.pause"], exact=True).click()
    geometry: dict[str, Any] = page.locator(".player").evaluate(GEOMETRY)
    return geometry


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("size", ["wide", "phone"])
@pytest.mark.parametrize("scenario", ["deadlock", "dining-philosophers", "race-condition"])
def test_play_shows_lanes_code_line_and_sentence_together(
    server: Server, page: Page, scenario: str, size: str, lang: str
) -> None:
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{server.url}/scenarios/{scenario}?lang={lang}")
    seen = press_play_and_measure(page, lang)
    assert within(seen["controls"], 0, height), seen
    assert within(seen["canvas"], 0, height), seen
    assert within(seen["now"], 0, height), seen
    # The playhead's line of code (of the thread that made the step): inside the code
    # panel's box and on screen.
    assert len(seen["current"]) == 1, "no line of code is marked at the playhead"
    line = seen["current"][0]
    assert within(line, max(0, seen["code"]["top"]), min(height, seen["code"]["bottom"])), seen
    # Long lines wrap (with their thread markers): the panel never scrolls sideways.
    assert not seen["codeOverflows"]
    sentence = page.locator(".player .narration li").last.evaluate(SAID)
    assert page.locator(".player .now").evaluate(SAID) == sentence
    viewport_shot(page, f"layout-{scenario}-{size}-{lang}")


def test_the_markers_of_a_long_line_stay_inside_the_panel_on_a_phone(
    server: Server, page: Page
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.url + "/scenarios/dining-philosophers?lang=es")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.locator(".player").focus()
    for _ in range(12):
        page.keyboard.press("ArrowRight")
    # Every marked line, its text and its "◀ thread" marker, lies inside the panel's width.
    fits = page.locator(".player .code").evaluate(
        """code => [...code.querySelectorAll("li.current")].map(li => {
             const c = code.getBoundingClientRect();
             const r = li.getBoundingClientRect();
             return r.right <= c.right + 0.5 && li.scrollWidth <= li.clientWidth + 1; })"""
    )
    assert fits and all(fits)


def test_the_new_sentence_alone_is_announced(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/deadlock?lang=en")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    story = page.locator(".player .narration")
    now = page.locator(".player .now")
    # The list is not a live region (rebuilt, it would be read again whole); the sentence is.
    assert story.get_attribute("aria-live") is None
    assert story.get_attribute("role") is None
    assert now.get_attribute("aria-live") == "polite"
    page.locator(".player").focus()
    for step in range(1, 6):
        page.keyboard.press("ArrowRight")
        last = story.locator("li").last.evaluate(SAID)
        assert now.evaluate(SAID) == last, step
        told = story.locator("li:not(.hint)").count()
        assert now.locator("time").count() == (1 if told else 0)  # one sentence, with its time
    assert told >= 2
    # Stepping back says the earlier sentence, again alone.
    page.keyboard.press("ArrowLeft")
    assert now.evaluate(SAID) == story.locator("li").last.evaluate(SAID)


def test_the_timeline_has_a_name_and_a_description(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/lock?lang=es")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    canvas = page.locator(".player canvas.lanes")
    assert canvas.get_attribute("aria-label") == MESSAGES["es"]["player.lanes"]
    described = canvas.get_attribute("aria-describedby")
    assert described and page.locator(f"#{described}").count() == 1
    page.locator(".player").focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(page.locator(f"#{described}")).not_to_be_empty()
