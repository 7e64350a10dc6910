"""Comparing two runs: reached from a run page, the differences called out, both players moved
together, wide and narrow, in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from app.scenarios import get_scenario
from app.web.i18n import MESSAGES

from .conftest import Server, screenshot

pytestmark = pytest.mark.timeout(180)


def indexes(page: Page) -> list[int]:
    players = page.locator(".compare-run .player")
    return [int(players.nth(k).get_attribute("data-index") or "nan") for k in range(2)]


def lasts(page: Page) -> list[int]:
    players = page.locator(".compare-run .player")
    return [players.nth(k).evaluate("n => n.player.model.events.length - 1") for k in range(2)]


def open_comparison(page: Page, server: Server, scenario: str, lang: str, pick: str) -> None:
    """From the scenario's page: "Compare with…", then the choice whose text contains `pick`."""
    page.goto(f"{server.url}/scenarios/{scenario}?lang={lang}")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.get_by_role("link", name=MESSAGES[lang]["compare.with"]).click()
    expect(page).to_have_url(re.compile(r"/compare\?a=[a-z0-9]{12}&lang=" + lang))
    expect(page.get_by_role("heading", level=1)).to_have_text(MESSAGES[lang]["compare.title"])
    page.locator(".picks button").filter(has_text=pick).click()
    expect(page).to_have_url(re.compile(r"/compare\?a=[a-z0-9]{12}&b=[a-z0-9]{12}"), timeout=30_000)
    expect(page.locator(".compare-run .player[data-mounted=ready]")).to_have_count(
        2, timeout=30_000
    )
    expect(page.locator(".both-controls")).to_be_visible()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_deadlock_against_its_fix_side_by_side(server: Server, page: Page, lang: str) -> None:
    words = MESSAGES[lang]
    fix = get_scenario("lock-ordering").texts[lang].title
    open_comparison(page, server, "deadlock", lang, fix)
    outcome = page.locator("table.diff tr").filter(has_text=words["compare.row.outcome"])
    expect(outcome).to_have_class("differs")
    expect(outcome.locator("td").nth(0)).to_have_text(words["outcome.deadlock"])
    expect(outcome.locator("td").nth(1)).to_have_text(words["outcome.completed"])
    expect(page.locator(".compare-called")).to_contain_text(words["compare.row.outcome"])
    cycle = page.locator("table.diff tr").filter(has_text=words["compare.row.cycle"])
    expect(cycle.locator("td").nth(1)).to_have_text("—")
    # Both together, by step: the same step in each, the shorter run waiting at its end.
    bar = page.locator(".both-controls")
    for _ in range(3):
        bar.get_by_role("button", name=words["player.forward"]).click()
    assert indexes(page) == [2, 2]
    bar.get_by_role("button", name=words["player.end"]).click()
    longest = max(lasts(page))
    assert indexes(page) == [min(last, longest) for last in lasts(page)]
    # By time: each at its last event before the same moment.
    bar.get_by_label(words["compare.align"]).select_option("time")
    assert indexes(page) == [-1, -1]
    for _ in range(4):
        bar.get_by_role("button", name=words["player.forward"]).click()
        aligned = bar.evaluate(
            """bar => bar.both.players.map(p => { const i = p.index, ev = p.model.events;
                 const t = bar.both.t;
                 return (i < 0 || ev[i].t <= t) && (i + 1 >= ev.length || ev[i + 1].t > t); })"""
        )
        assert aligned == [True, True]
    assert bar.evaluate("bar => bar.both.t") > 0
    bar.get_by_role("button", name=words["player.end"]).click()
    assert indexes(page) == lasts(page)
    screenshot(page, f"compare-deadlock-wide-{lang}")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390  # nothing sticks out sideways on a phone
    screenshot(page, f"compare-deadlock-narrow-{lang}")


def test_race_condition_with_the_lock_on_loses_nothing(server: Server, page: Page) -> None:
    words = MESSAGES["en"]
    label = get_scenario("race-condition").params["USE_LOCK"].label["en"]
    open_comparison(page, server, "race-condition", "en", label)
    lost = page.locator("table.diff tr").filter(has_text=words["compare.row.lost"])
    assert int(lost.locator("td").nth(1).inner_text()) == 0
    values = page.locator("table.diff tr").filter(has_text=words["compare.values"])
    expect(values.locator("td").nth(1)).to_contain_text(f"{label}: {words['value.yes']}")
    final = page.locator("table.diff tr").filter(has_text="counter")
    expect(final.locator("td").nth(1)).to_have_text("12")  # 3 threads x 4, with the lock


def test_a_saved_run_by_its_link(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/semaphore?lang=es")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    link = page.locator(".run-meta a").first.get_attribute("href")
    assert link
    page.goto(server.url + "/scenarios/barrier?lang=es")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.get_by_role("link", name=MESSAGES["es"]["compare.with"]).click()
    page.get_by_label(MESSAGES["es"]["compare.pick.other"]).fill(server.url + link)
    page.get_by_role("button", name=MESSAGES["es"]["compare.go"]).click()
    expect(page.locator(".compare-run .player[data-mounted=ready]")).to_have_count(
        2, timeout=30_000
    )
    expect(page.locator(".compare-run > h2").nth(1)).to_contain_text(
        get_scenario("semaphore").texts["es"].title
    )


@pytest.mark.parametrize("lang", ["es", "en"])
def test_both_together_follows_players_moved_on_their_own(
    server: Server, page: Page, lang: str
) -> None:
    words = MESSAGES[lang]
    open_comparison(page, server, "deadlock", lang, get_scenario("lock-ordering").texts[lang].title)
    bar = page.locator(".both-controls")
    position = bar.locator(".both-position")
    longest = max(lasts(page))
    expect(position).to_have_text(f"0/{longest + 1}")
    # Each player to its end with its own button: the toolbar's counter follows.
    for k in range(2):
        run = page.locator(".compare-run .player").nth(k)
        run.locator(".controls").get_by_role("button", name=words["player.end"]).click()
    assert indexes(page) == lasts(page)
    expect(position).to_have_text(f"{longest + 1}/{longest + 1}")
    # And the toolbar goes on from there: one step back moves both from the end.
    bar.get_by_role("button", name=words["player.back"]).click()
    expect(position).to_have_text(f"{longest}/{longest + 1}")
    assert indexes(page) == [min(last, longest - 1) for last in lasts(page)]
    # By time: the latest moment either player shows.
    bar.get_by_label(words["compare.align"]).select_option("time")
    page.locator(".compare-run .player").nth(0).locator(".controls").get_by_role(
        "button", name=words["player.end"]
    ).click()
    t = bar.evaluate("bar => bar.both.t")
    first_end = (
        page.locator(".compare-run .player")
        .nth(0)
        .evaluate("n => n.player.model.events[n.player.model.events.length - 1].t")
    )
    assert t == first_end
    screenshot(page, f"compare-both-follow-{lang}")


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("width", [390, 1366])
def test_a_wrong_link_is_said_on_the_compare_page(
    server: Server, browser: Browser, lang: str, width: int
) -> None:
    # Its own page: the browser logs the 404 of the page that says so, and it is meant.
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    words = MESSAGES[lang]
    page.goto(f"{server.url}/scenarios/deadlock?lang={lang}")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.get_by_role("link", name=words["compare.with"]).click()
    wrong = f"{server.url}/runs/nosuchrun00"
    field = page.get_by_label(words["compare.pick.other"])
    field.fill(wrong)
    page.get_by_role("button", name=words["compare.go"]).click()
    # Still the page to pick from, with what was typed and why it names no run.
    expect(page.get_by_role("heading", level=1)).to_have_text(words["compare.title"])
    expect(page.locator(".picks button").first).to_be_visible()
    expect(field).to_have_value(wrong)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_have_text(words["error.compare.b"].format(got=wrong))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"compare-wrong-link-{width}-{lang}")
    context.close()
