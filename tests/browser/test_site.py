"""What a student does on the site, in real Chromium: choose, play, change, reload, switch."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from app.export import run_document
from app.scenarios import get_scenario
from app.store import SQLiteStore
from app.tracing import Trace
from app.web.i18n import MESSAGES

from .conftest import ROOT, Server, screenshot

pytestmark = pytest.mark.timeout(120)

EN = MESSAGES["en"]
ES = MESSAGES["es"]


def ready_player(page: Page) -> None:
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)


def on_a_phone(page: Page, url: str, height: int = 800) -> None:
    """Open `url` 390 px wide, as on a phone, and wait for its player."""
    page.set_viewport_size({"width": 390, "height": height})
    page.goto(url)
    ready_player(page)


def player_index(page: Page) -> int:
    return int(page.locator(".player").get_attribute("data-index") or "nan")


def test_pick_deadlock_from_the_gallery_play_and_see_the_cycle(server: Server, page: Page) -> None:
    page.goto(server.url + "/?lang=en")
    page.locator('a[href^="/scenarios/deadlock?"]').click()
    expect(page).to_have_url(re.compile(r"/scenarios/deadlock\?lang=en$"))
    title = get_scenario("deadlock").texts["en"].title
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(page).to_have_title(re.compile(title))
    ready_player(page)
    assert player_index(page) == -1
    cycle = page.locator(".player .ending.cycle")
    expect(cycle).to_be_hidden()
    page.get_by_label(EN["player.speed"], exact=True).select_option("4")
    page.get_by_role("button", name=EN["player.play"]).click()
    expect(cycle).to_be_visible(timeout=30_000)
    expect(cycle).to_contain_text("Thread-1 waits for lock_2, held by Thread-2")
    expect(cycle).to_contain_text("Thread-2 waits for lock_1, held by Thread-1")
    assert page.locator(".player").get_attribute("data-outcome") == "deadlock"
    # The story ends with every thread stopped, the main code's included (in whichever order
    # Hilos reached them).
    ending = page.locator(".player .narration li").filter(has_text="Hilos stops MainThread")
    expect(ending).to_have_count(1)
    expect(page.locator(".player .summary .potential")).to_contain_text("opposite orders")
    expect(page.locator(".player .summary")).to_contain_text(EN["player.longest.cut"])
    screenshot(page, "deadlock-cycle-en-wide")


def test_change_a_parameter_and_run_again_gets_a_new_permalink(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/lock?lang=en")
    ready_player(page)
    first_trace = page.locator(".player").get_attribute("data-trace-url")
    # Watch the indicator: htmx marks it while the request is out.
    page.evaluate(
        """() => {
          const node = document.getElementById("run-indicator");
          window.indicatorSeen = false;
          new MutationObserver(() => {
            if (node.classList.contains("htmx-request")) window.indicatorSeen = true;
          }).observe(node, { attributes: true });
        }"""
    )
    page.locator('input[name="THREADS"]').fill("2")
    page.get_by_role("button", name=EN["scenario.run"]).click()
    expect(page).to_have_url(re.compile(r"/runs/[a-z0-9]{12}\?lang=en$"), timeout=20_000)
    ready_player(page)
    assert page.evaluate("window.indicatorSeen") is True
    threads = get_scenario("lock").params["THREADS"].label["en"]
    expect(page.locator(".run-meta")).to_contain_text(f"{threads}: 2")  # by the form's label
    expect(page.locator("#crumbs")).to_contain_text(get_scenario("lock").texts["en"].title)
    new_trace = page.locator(".player").get_attribute("data-trace-url")
    assert new_trace and new_trace != first_trace
    lanes = page.evaluate("document.querySelector('.player').player.model.threads.length")
    assert lanes == 3  # MainThread and the two threads asked for
    screenshot(page, "run-again-en-wide")


def test_a_permalink_reloads_the_same_run(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/race-condition?lang=es")
    ready_player(page)
    permalink = page.locator(".run-meta a").first.get_attribute("href")
    assert permalink and permalink.startswith("/runs/")
    page.goto(server.url + permalink)
    ready_player(page)
    before = page.evaluate("JSON.stringify(document.querySelector('.player').player.model.trace)")
    page.reload()
    ready_player(page)
    after = page.evaluate("JSON.stringify(document.querySelector('.player').player.model.trace)")
    assert before == after
    page.locator(".player").focus()
    page.keyboard.press("End")
    final = page.locator(".player .narration li").last
    expect(final).to_contain_text("MainThread")
    screenshot(page, "permalink-es-wide")


def test_switching_language_changes_every_word_and_the_code(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/producer-consumer?lang=es")
    ready_player(page)
    scenario = get_scenario("producer-consumer")
    expect(page.get_by_role("heading", level=1)).to_contain_text(scenario.texts["es"].title)
    expect(page.locator(".player .code")).to_contain_text("cola.put(elemento)")
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page).to_have_url(re.compile(r"/scenarios/producer-consumer\?lang=en$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(scenario.texts["en"].title)
    assert page.evaluate("document.documentElement.lang") == "en"
    ready_player(page)
    expect(page.locator(".player .code")).to_contain_text("work_queue.put(item)")
    expect(page.get_by_role("button", name=EN["player.play"])).to_be_visible()
    expect(page.get_by_text(EN["scenario.notice"], exact=True)).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"lang=es$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(scenario.texts["es"].title)


def test_keyboard_only_playback(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/deadlock?lang=en")
    ready_player(page)
    play = page.get_by_role("button", name=EN["player.play"])
    for _ in range(60):
        page.keyboard.press("Tab")
        if play.evaluate("node => node === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the play button")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert player_index(page) == 1
    page.keyboard.press("ArrowLeft")
    assert player_index(page) == 0
    page.keyboard.press("End")
    last = page.evaluate("document.querySelector('.player').player.model.events.length - 1")
    assert player_index(page) == last
    expect(page.locator(".player .ending.cycle")).to_be_visible()
    page.keyboard.press("Home")
    assert player_index(page) == -1
    page.keyboard.press(" ")
    expect(page.get_by_role("button", name=EN["player.pause"])).to_be_visible()
    expect(page.locator(".player")).not_to_have_attribute("data-index", re.compile(r"^(-1|0)$"))
    page.keyboard.press(" ")
    expect(page.get_by_role("button", name=EN["player.play"])).to_be_visible()
    stopped = player_index(page)
    page.wait_for_timeout(400)
    assert player_index(page) == stopped
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused != "none"


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize(("width", "label"), [(390, "narrow"), (1280, "wide")])
def test_pages_fit_narrow_and_wide_screens(
    server: Server, page: Page, lang: str, width: int, label: str
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    for name, path in (("gallery", "/"), ("scenario", "/scenarios/bounded-buffer")):
        page.goto(f"{server.url}{path}?lang={lang}")
        if name == "scenario":
            ready_player(page)
            page.locator(".player").focus()
            for _ in range(12):
                page.keyboard.press("ArrowRight")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px screen"
        screenshot(page, f"{name}-{lang}-{label}")


def test_a_run_saved_in_trace_format_1_still_plays(server: Server, page: Page) -> None:
    """Runs saved before format 2 (columns as runs) stay in the database as they were."""
    v1 = json.loads((ROOT / "tests" / "data" / "trace-v1-producer-consumer.json").read_text())
    trace = Trace.from_json(v1)
    document = run_document(trace, "es", "v1saved00001") | {"trace": v1}
    SQLiteStore(server.db).save(
        json.dumps(document).encode(),
        run_id="v1saved00001",
        scenario=trace.scenario,
        lang="es",
        params=json.dumps(trace.params, sort_keys=True),
        status=trace.outcome.status,
    )
    page.goto(server.url + "/runs/v1saved00001?lang=es")
    ready_player(page)
    model = "document.querySelector('.player').player.model"
    assert page.evaluate(f"{model}.events.length") == len(trace.events)
    assert page.evaluate(f"{model}.events.map(e => e.arg)") == [e.arg for e in trace.events]
    page.locator(".player").focus()
    page.keyboard.press("End")
    # The last word of that run: the daemon consumer is cut short as the program ends.
    expect(page.locator(".player .narration li").last).to_contain_text("Consumidor se corta")


def test_a_spanish_run_read_in_english_is_narrated_in_english(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/deadlock?lang=es")
    ready_player(page)
    permalink = page.locator(".run-meta a").first.get_attribute("href") or ""
    page.goto(server.url + permalink.replace("lang=es", "lang=en"))
    ready_player(page)
    page.locator(".player").focus()
    page.keyboard.press("End")
    last = page.locator(".player .narration li").last
    expect(last).to_contain_text("Hilos stops")
    expect(page.locator(".player .narration")).to_contain_text("Deadlock: ")
    expect(page.locator(".player .narration")).not_to_contain_text("Interbloqueo")
    # The program itself stays the one that ran, in Spanish.
    expect(page.locator(".player .code")).to_contain_text("candado")
    screenshot(page, "spanish-run-in-english-wide")


def test_space_presses_the_focused_button_and_playing_scrolls_the_page_once(
    server: Server, page: Page
) -> None:
    on_a_phone(page, server.url + "/scenarios/event?lang=en")
    forward = page.get_by_role("button", name=EN["player.forward"])
    forward.focus()
    page.keyboard.press(" ")
    assert player_index(page) == 0  # one step, as the button says: not play
    expect(page.get_by_role("button", name=EN["player.play"])).to_be_visible()
    page.get_by_role("button", name=EN["player.play"]).click()
    # Play brings the player to the top of the screen, once; then the page stays put while
    # the narration scrolls inside its own box.
    page.wait_for_timeout(700)
    where = page.evaluate("window.scrollY")
    top = page.locator(".player").evaluate("n => n.getBoundingClientRect().top")
    assert 0 <= top <= 16
    page.wait_for_timeout(1000)
    assert player_index(page) > 3  # it played
    assert page.evaluate("window.scrollY") == where
    story = page.locator(".player .narration")
    assert story.evaluate("n => n.scrollTop + n.clientHeight >= n.scrollHeight - 1")


def test_after_run_again_the_other_language_and_a_reload_keep_that_run(
    server: Server, page: Page
) -> None:
    page.goto(server.url + "/scenarios/deadlock?lang=en")
    ready_player(page)
    page.locator('input[name="PAUSE"]').fill("0.2")
    page.get_by_role("button", name=EN["scenario.run"]).click()
    expect(page).to_have_url(re.compile(r"/runs/[a-z0-9]{12}\?lang=en$"), timeout=20_000)
    ready_player(page)
    run_url = page.locator(".player").get_attribute("data-trace-url")
    page.get_by_role("link", name="ES", exact=True).click()
    expect(page).to_have_url(re.compile(r"/runs/[a-z0-9]{12}\?lang=es$"))
    ready_player(page)
    assert page.locator(".player").get_attribute("data-trace-url") == run_url
    expect(page.locator('input[name="PAUSE"]')).to_have_value("0.2")
    title = get_scenario("deadlock").texts["es"].title
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    page.reload()
    ready_player(page)
    assert page.locator(".player").get_attribute("data-trace-url") == run_url
    expect(page.locator('input[name="PAUSE"]')).to_have_value("0.2")


def test_a_timer_waits_out_its_interval_and_a_cancelled_one_never_runs(
    server: Server, page: Page
) -> None:
    page.goto(server.url + "/scenarios/timer?lang=en")
    ready_player(page)
    lanes = page.evaluate(
        """() => { const m = document.querySelector('.player').player.model;
          return m.threads.map((th, k) => ({kind: th.kind,
            states: m.segments[k].map(s => s.state)})); }"""
    )
    timers = [lane["states"] for lane in lanes if lane["kind"] == "timer"]
    assert len(timers) == 2
    fired, cancelled = timers
    assert fired[:2] == ["waiting", "running"]
    assert cancelled == ["waiting", "finished"]


def test_the_closed_cycle_under_the_lanes_wraps_instead_of_being_cut(
    server: Server, page: Page
) -> None:
    on_a_phone(page, server.url + "/scenarios/dining-philosophers?lang=es", height=900)
    fit = page.evaluate(
        """() => { const lanes = document.querySelector('.player').player.lanes;
          const ctx = lanes.ctx; ctx.font = 'bold 13px system-ui, sans-serif';
          return {lines: lanes.endText.lines, width: lanes.width,
                  widest: Math.max(...lanes.endText.lines.map(l => ctx.measureText(l).width))}; }"""
    )
    assert len(fit["lines"]) > 1 and fit["widest"] <= fit["width"] - 16
    text = " ".join(fit["lines"])
    assert text.startswith("interbloqueo:") and text.count("→") >= 9  # 5 philosophers, 5 forks
    page.locator(".player").focus()
    page.keyboard.press("End")
    screenshot(page, "dining-philosophers-es-narrow")


def test_the_slider_plays_on_space_and_the_code_panel_keeps_its_keys(
    server: Server, page: Page
) -> None:
    on_a_phone(page, server.url + "/scenarios/deadlock?lang=es")
    slider = page.get_by_role("slider")
    slider.focus()
    page.keyboard.press(" ")
    expect(page.get_by_role("button", name=ES["player.pause"])).to_be_visible()
    # Space played: the page moved only to bring the player to the top, not a screen down.
    page.wait_for_timeout(700)
    assert 0 <= page.locator(".player").evaluate("n => n.getBoundingClientRect().top") <= 16
    page.keyboard.press(" ")
    stopped = player_index(page)
    code = page.locator(".player .code")
    before = code.evaluate("n => n.scrollTop")
    down = code.evaluate("n => n.scrollTop + n.clientHeight < n.scrollHeight - 1")
    code.focus()
    page.keyboard.press("ArrowDown" if down else "ArrowUp")
    # The arrow scrolls the code (smoothly, so give it time), not the run.
    for _ in range(40):
        if code.evaluate("n => n.scrollTop") != before:
            break
        page.wait_for_timeout(50)
    else:
        pytest.fail("the arrow key did not scroll the code panel")
    assert player_index(page) == stopped
    # Numbers in Spanish take a decimal comma, as the narration's sentences do.
    expect(page.locator(".player .clock")).to_have_text(re.compile(r"^\d+/\d+ · \d+,\d ms$"))


@pytest.mark.parametrize("scenario", ["barrier", "producer-consumer", "timer"])
def test_axis_labels_never_cover_each_other_on_a_phone(
    server: Server, page: Page, scenario: str
) -> None:
    on_a_phone(page, f"{server.url}/scenarios/{scenario}?lang=en")
    for view in ("steps", "time"):
        page.get_by_label(EN["player.view"], exact=True).select_option(view)
        gaps = page.evaluate(
            """() => { const lanes = document.querySelector('.player').player.lanes;
              const drawn = []; const ctx = lanes.full.getContext('2d');
              const fill = ctx.fillText.bind(ctx);
              ctx.fillText = (text, x, y) => { drawn.push([x, x + ctx.measureText(text).width]);
                                               fill(text, x, y); };
              lanes.paintAxis(ctx); ctx.fillText = fill;
              return drawn.slice(1).map(([x], k) => x - drawn[k][1]); }"""
        )
        assert gaps and min(gaps) >= 0, f"{view}: labels overlap by {min(gaps)} px"
