"""'You choose' in real Chromium: the reader schedules the threads, one decision at a time."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from app.web.i18n import MESSAGES

from .conftest import Server, screenshot
from .test_embed_a11y import run_axe

pytestmark = pytest.mark.timeout(180)

EN = MESSAGES["en"]
ES = MESSAGES["es"]


def ready(page: Page, count: int | None = None) -> None:
    """Wait until the chooser shows an answer (with `count` choices made, when given)."""
    chooser = page.locator(".chooser")
    expect(chooser).to_have_attribute("data-state", "ready", timeout=20_000)
    if count is not None:
        expect(chooser).to_have_attribute("data-count", str(count), timeout=20_000)
        expect(chooser).to_have_attribute("data-state", "ready", timeout=20_000)


def offered(page: Page) -> list[tuple[str, str]]:
    """The buttons on offer: (thread, kind), in order."""
    pairs: list[list[str]] = page.locator(".chooser button[data-thread]").evaluate_all(
        "buttons => buttons.map(b => [b.dataset.thread, b.dataset.kind])"
    )
    return [(thread, kind) for thread, kind in pairs]


def now(page: Page) -> list[str]:
    """The threads on offer that can go on without waiting for the clock, in order."""
    names: list[str] = page.locator(".chooser button[data-thread]:not([data-later])").evaluate_all(
        "buttons => buttons.map(b => b.dataset.thread)"
    )
    return names


def encoded(names: list[str]) -> str:
    """The choices as the address writes them: a run of one name as `name*n`."""
    parts: list[str] = []
    for name in names:
        if parts and parts[-1].split("*")[0] == name:
            head, _, n = parts[-1].partition("*")
            parts[-1] = f"{head}*{int(n or 1) + 1}"
        else:
            parts.append(name)
    return ",".join(parts)


def choose(page: Page, thread: str) -> None:
    count = int(page.locator(".chooser").get_attribute("data-count") or "0")
    page.locator(f'.chooser button[data-thread="{thread}"]').click()
    ready(page, count + 1)


def outcome(page: Page) -> str | None:
    return page.locator(".chooser .player").get_attribute("data-outcome")


def query_of(page: Page) -> str:
    return page.url.split("?", 1)[1]


def test_a_deadlock_chosen_by_hand_is_a_permalink_that_replays(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/deadlock?lang=en")
    page.get_by_role("link", name=EN["mode.choose"]).click()
    expect(page).to_have_url(re.compile(r"mode=choose"))
    ready(page, 0)
    expect(page.locator(".chooser .goal")).to_contain_text("deadlock")
    assert outcome(page) == "paused"
    assert offered(page) == [("MainThread", "thread_start"), ("Thread-1", "acquire")]
    first = page.locator('.chooser button[data-thread="Thread-1"]')
    expect(first).to_contain_text("lock_1.acquire()")
    expect(first).to_contain_text("line 12")
    description = first.get_attribute("aria-describedby")
    expect(page.locator(f"#{description}")).to_have_text(
        "Thread-1: asks for lock_1 · line 12 · key 2"
    )
    # Start every thread, then let whoever can go on now do so: each takes its first lock,
    # and each then asks for the other's.
    made: list[str] = []
    while outcome(page) == "paused" and len(made) < 20:
        starts = [t for t, kind in offered(page) if kind == "thread_start"]
        made.append((starts or now(page))[0])
        choose(page, made[-1])
    assert outcome(page) == "deadlock"
    expect(page.locator(".chooser .verdict.reached")).to_have_text(EN["player.choose.goal.reached"])
    expect(page.locator(".chooser .ending.cycle")).to_contain_text("waits for lock_")
    expect(page.locator(".chooser button[data-thread]")).to_have_count(0)
    expect(page.locator(".chooser .choose-next")).to_have_text(EN["player.choose.over.deadlock"])
    assert f"choices={encoded(made)}" in query_of(page)
    screenshot(page, "choose-deadlock-en-wide")
    # The address is the schedule: opened again, it replays to the same end.
    page.reload()
    ready(page, len(made))
    assert outcome(page) == "deadlock"
    expect(page.locator(".chooser .trail")).to_contain_text(
        encoded(made).replace("*", " ×").replace(",", " → ")
    )
    # Undo goes back one decision; reset to none; "let it run" to the end by itself.
    page.get_by_role("button", name=EN["player.choose.undo"]).click()
    ready(page, len(made) - 1)
    assert outcome(page) == "paused"
    assert f"choices={encoded(made[:-1])}&" in query_of(page) + "&"
    page.get_by_role("button", name=EN["player.choose.reset"]).click()
    ready(page, 0)
    assert "choices" not in query_of(page)
    expect(page.get_by_role("button", name=EN["player.choose.undo"])).to_be_disabled()
    page.get_by_role("button", name=EN["player.choose.run"]).click()
    expect(page.locator(".chooser")).to_have_attribute("data-state", "ready")
    expect(page.locator(".chooser .player")).to_have_attribute("data-outcome", "deadlock")
    assert "then=run" in query_of(page)
    page.reload()
    ready(page, 0)
    assert outcome(page) == "deadlock"
    page.get_by_role("button", name=EN["player.choose.undo"]).click()
    ready(page, 0)
    assert outcome(page) == "paused" and "then=run" not in query_of(page)


def test_a_lost_update_on_race_condition_by_following_the_buttons(
    server: Server, page: Page
) -> None:
    page.goto(server.url + "/scenarios/race-condition?lang=es&mode=choose")
    ready(page, 0)
    # Two threads read the counter before either writes; then each writes in turn.
    readers: list[str] = []
    written: set[str] = set()
    for _ in range(40):
        if page.locator(".chooser").get_attribute("data-goal") == "reached":
            break
        options = offered(page)
        if len(readers) < 2:
            fresh = [t for t, kind in options if kind == "read" and t not in readers]
            starts = [t for t, kind in options if kind == "thread_start"]
            pick = (fresh or starts)[0]
            if fresh:
                readers.append(pick)
        else:
            pick, kind = next((t, k) for t, k in options if t in readers and t not in written)
            if kind == "write":
                written.add(pick)
        choose(page, pick)
    expect(page.locator(".chooser .verdict.reached")).to_have_text(ES["player.choose.goal.reached"])
    expect(page.locator(".chooser .summary")).to_contain_text(ES["player.lost.title"])
    expect(page.locator(".chooser .narration li.lost").first).to_be_visible()
    assert len(written) == 2
    screenshot(page, "choose-race-lost-es-wide")
    # Phrased naturally: a read is "lee `contador`", a write "escribe `contador`".
    page.get_by_role("button", name=ES["player.choose.undo"]).click()
    ready(page)
    write = page.locator('.chooser button[data-kind="write"]')
    expect(write).to_contain_text("escribe contador")


def test_number_keys_choose_and_focus_stays_on_the_buttons(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/deadlock?lang=es&mode=choose")
    ready(page, 0)
    page.keyboard.press("2")  # Hilo-1: lock_1.acquire()
    ready(page, 1)
    assert "choices=Hilo-1" in query_of(page)
    focused = page.evaluate("document.activeElement.dataset.thread")
    assert focused == "Hilo-1"  # the same place in the list: pressing on keeps going
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible (keyboard: :focus-visible)
    live = page.locator(".chooser [role=status].visually-hidden")
    expect(live).to_contain_text("Hilo-1")
    expect(live).to_contain_text("Te toca")
    page.keyboard.press("Enter")  # the focused button: Hilo-1 again
    ready(page, 2)
    page.keyboard.press("9")  # no ninth thread: nothing happens
    page.wait_for_timeout(200)
    assert page.locator(".chooser").get_attribute("data-count") == "2"
    # Keys typed into a field are the field's.
    page.locator('input[name="PAUSE"]').focus()
    page.keyboard.press("1")
    page.wait_for_timeout(200)
    assert page.locator(".chooser").get_attribute("data-count") == "2"
    page.locator(".chooser .player").focus()
    page.keyboard.press("1")
    ready(page, 3)


def test_errors_keep_the_state_and_speak_the_pages_language(
    server: Server, browser: Browser
) -> None:
    # Its own page: the refused requests are logged by the browser, and meant.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/scenarios/deadlock?lang=es&mode=choose&choices=Hilo-1,Nadie")
    ready(page, 1)  # the choices that fit, with the reason for the rest
    alert = page.locator(".chooser .choose-error")
    expect(alert).to_contain_text("La elección 2 (Nadie) no encaja")
    expect(alert).to_contain_text("MainThread, Hilo-1")
    assert "choices=Hilo-1" in query_of(page) and "Nadie" not in query_of(page)

    busy = {"left": 1}

    def once_busy(route: Route) -> None:
        if busy["left"]:
            busy["left"] -= 1
            route.fulfill(
                status=429,
                headers={"Retry-After": "3", "Content-Type": "application/json"},
                body=json.dumps({"detail": "too many runs in progress; try again shortly"}),
            )
        else:
            route.continue_()

    page.route("**/api/schedules", once_busy)
    before = offered(page)
    page.locator('.chooser button[data-thread="Hilo-1"]').click()
    expect(alert).to_contain_text("El servidor está ocupado")
    expect(alert).to_contain_text("3 s")
    assert offered(page) == before and page.locator(".chooser").get_attribute("data-count") == "1"
    page.get_by_role("button", name=ES["player.choose.retry"]).click()
    ready(page, 2)
    expect(alert).to_be_empty()
    assert errors == []
    context.close()


def test_a_busy_server_at_opening_says_so_and_tries_again(server: Server, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    busy = {"left": 1}

    def once_busy(route: Route) -> None:
        if busy["left"]:
            busy["left"] -= 1
            route.fulfill(status=429, headers={"Retry-After": "2"}, body="{}")
        else:
            route.continue_()

    page.route("**/api/schedules", once_busy)
    page.goto(server.url + "/scenarios/deadlock?lang=en&mode=choose&choices=MainThread")
    alert = page.locator(".chooser .choose-error")
    expect(alert).to_contain_text("The server is busy")
    expect(page.locator(".chooser")).to_have_attribute("data-state", "error")
    page.get_by_role("button", name=EN["player.choose.retry"]).click()
    ready(page, 1)
    expect(alert).to_be_empty()
    context.close()


def test_the_other_language_keeps_the_choices_in_its_own_names(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/deadlock?lang=en&mode=choose&choices=MainThread*2,Thread-1")
    ready(page, 3)
    link = page.locator(".langs a[hreflang=es]")
    link.hover()
    expect(link).to_have_attribute("href", re.compile(r"choices=MainThread\*2,Hilo-1$"))
    link.click()
    expect(page).to_have_url(re.compile(r"lang=es.*choices=MainThread\*2,Hilo-1$"))
    ready(page, 3)
    expect(page.locator(".chooser .trail")).to_contain_text("MainThread ×2 → Hilo-1")


def test_an_impossible_goal_says_so_once_the_run_ends(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/lock-ordering?lang=en&mode=choose")
    ready(page, 0)
    expect(page.locator(".chooser .verdict")).to_be_hidden()
    page.get_by_role("button", name=EN["player.choose.run"]).click()
    expect(page.locator(".chooser .verdict.impossible")).to_have_text(
        EN["player.choose.goal.impossible.deadlock"]
    )
    assert outcome(page) == "completed"


def test_a_goal_missed_by_this_order_says_another_order_reaches_it(
    server: Server, page: Page
) -> None:
    # Run to the end at once: each thread adds all it has in turn, no update is lost.
    page.goto(server.url + "/scenarios/plus-equals?lang=en&mode=choose&THREADS=2&ITERATIONS=2")
    ready(page, 0)
    expect(page.locator(".chooser .verdict")).to_be_hidden()
    page.get_by_role("button", name=EN["player.choose.run"]).click()
    expect(page.locator(".chooser .verdict.missed")).to_have_text(EN["player.choose.goal.missed"])
    assert outcome(page) == "completed"


def test_the_embed_chooses_too(server: Server, page: Page) -> None:
    page.goto(server.url + "/embed/scenarios/deadlock?lang=es&mode=choose&speed=2")
    ready(page, 0)
    expect(page.locator("header.site")).to_have_count(0)
    expect(page.locator(".modes a[aria-current=page]")).to_have_text(ES["mode.choose"])
    choose(page, "Hilo-1")
    assert re.search(r"^/embed/scenarios/deadlock\?", page.url.split(server.url, 1)[1])
    assert "choices=Hilo-1" in query_of(page) and "speed=2" in query_of(page)
    open_link = page.locator("a[data-open]")
    expect(open_link).to_have_attribute(
        "href", re.compile(r"/scenarios/deadlock\?lang=es&mode=choose&choices=Hilo-1$")
    )
    assert page.locator(".chooser .player select[data-control=speed]").input_value() == "2"
    page.keyboard.press("2")
    ready(page, 2)
    page.reload()
    ready(page, 2)
    # The other mode keeps the embed's options.
    page.get_by_role("link", name=ES["mode.play"]).click()
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    assert "speed=2" in query_of(page) and "mode" not in query_of(page)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize(("size", "width", "height"), [("wide", 1280, 800), ("phone", 390, 844)])
@pytest.mark.parametrize("where", ["page", "embed"])
def test_screens_and_axe(
    server: Server, browser: Browser, lang: str, size: str, width: int, height: int, where: str
) -> None:
    # axe is injected as a script the page's CSP would refuse: this context sets it aside.
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[Any] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    prefix = "/embed" if where == "embed" else ""
    names = {"es": "MainThread*2,Hilo-1*2", "en": "MainThread*2,Thread-1*2"}[lang]
    page.goto(f"{server.url}{prefix}/scenarios/deadlock?lang={lang}&mode=choose&choices={names}")
    ready(page, 4)
    page.locator(".chooser button[data-thread]").first.focus()
    screenshot(page, f"choose-{where}-{lang}-{size}")
    assert run_axe(page) == []
    page.keyboard.press("2")
    ready(page, 5)
    assert run_axe(page) == []
    if where == "page" and size == "phone":
        screenshot(page, f"choose-deadlock-{lang}-{size}")
    assert errors == []
    context.close()


def test_the_share_box_embeds_either_mode(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/deadlock?lang=en")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.locator(".share summary").click()
    snippet = page.locator("[data-share=snippet]")
    expect(snippet).not_to_have_value(re.compile("mode="))
    page.locator("select[data-option=mode]").select_option("choose")
    expect(snippet).to_have_value(re.compile(r"/embed/scenarios/deadlock\?lang=en&amp;mode=choose"))
