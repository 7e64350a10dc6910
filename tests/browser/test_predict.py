"""Predict, then play: the question before the run, nothing of the outcome shown until it has
played, and a verdict that comes from the run itself."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.analysis import analyse
from app.scenarios import get_scenario
from app.tracing import Trace
from app.web.i18n import MESSAGES

from .conftest import Server, screenshot

pytestmark = pytest.mark.timeout(120)


def run_document(server: Server, page: Page) -> dict[str, Any]:
    url = page.locator(".player").get_attribute("data-trace-url")
    with urllib.request.urlopen(server.url + str(url)) as answer:
        document: dict[str, Any] = json.loads(answer.read())
    return document


def final_value(document: dict[str, Any], names: set[str]) -> Any:
    """The last value written to the variable, by the Python analysis (not the player's)."""
    found = analyse(Trace.from_json(document["trace"]))
    for variable in found.shared.variables:
        if variable.label in names:
            return variable.values[-1][1]
    raise AssertionError(f"no variable {names} in the run")


def answer_and_watch(page: Page) -> None:
    # Fast, so that the test does not wait out the whole run at 1x.
    page.locator(".player").evaluate("n => { n.player.speed = 4; }")


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_the_site_asks_first_and_hides_the_outcome_until_the_end(
    server: Server, page: Page, lang: str, size: tuple[int, int]
) -> None:
    words = MESSAGES[lang]
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{server.url}/scenarios/deadlock?lang={lang}&predict=1")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    predict = page.locator(".player .predict")
    expect(predict).to_contain_text(words["player.predict.title"])
    # Nothing tells the ending before play: no badge, no summary, the notes folded.
    expect(page.locator("h1 .badge")).to_have_count(0)
    expect(page.locator(".run-meta .badge")).to_have_count(0)
    expect(page.locator(".player .summary")).to_be_hidden()
    expect(page.locator("details.notice")).not_to_have_attribute("open", "")
    # The controls wait for the answer: keys do not move the run.
    page.locator(".player").focus()
    page.keyboard.press("End")
    assert page.locator(".player").get_attribute("data-index") == "-1"
    screenshot(page, f"predict-before-{size[0]}-{lang}")
    predict.get_by_role("button", name=words["player.predict.no"]).click()
    answer_and_watch(page)
    expect(predict).to_have_class("predict right", timeout=30_000)
    expect(predict.locator(".predict-verdict")).to_contain_text(words["player.predict.right"][:8])
    expect(page.locator(".player .summary")).to_be_visible()
    screenshot(page, f"predict-after-{size[0]}-{lang}")


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize(("scenario", "width"), [("race-condition", 390), ("deadlock", 1366)])
def test_the_description_that_tells_the_answer_waits_for_the_reveal(
    server: Server, page: Page, lang: str, scenario: str, width: int
) -> None:
    # "the final total ends up below the expected one" answers "What will the total be?";
    # "they wait for each other forever" answers "Will it finish?".
    words = MESSAGES[lang]
    told = get_scenario(scenario).texts[lang].description
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server.url}/scenarios/{scenario}?lang={lang}&predict=1")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    description = page.get_by_text(told, exact=True)
    expect(description).to_be_hidden()
    expect(page.get_by_text(words["predict.description"])).to_be_visible()
    assert told not in page.locator("body").inner_text()
    screenshot(page, f"predict-description-before-{scenario}-{width}-{lang}")
    predict = page.locator(".player .predict")
    predict.get_by_role("button", name=words["player.predict.skip"]).click()
    answer_and_watch(page)
    expect(predict.locator(".predict-verdict")).not_to_be_empty(timeout=30_000)
    expect(description).to_be_visible()
    expect(page.get_by_text(words["predict.description"])).to_be_hidden()
    screenshot(page, f"predict-description-after-{scenario}-{width}-{lang}")
    # Without predicting, the page explains at once.
    page.goto(f"{server.url}/scenarios/{scenario}?lang={lang}")
    expect(page.get_by_text(told, exact=True)).to_be_visible()


def test_a_wrong_answer_is_said_wrong(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/lock-ordering?lang=en&predict=1")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.get_by_role("button", name=MESSAGES["en"]["player.predict.no"]).click()
    answer_and_watch(page)
    predict = page.locator(".player .predict")
    expect(predict).to_have_class("predict wrong", timeout=30_000)
    expect(predict).to_contain_text(MESSAGES["en"]["player.predict.finished"])


@pytest.mark.parametrize("off_by", [0, 1])
def test_the_total_is_checked_against_the_run_in_an_embed(
    server: Server, page: Page, off_by: int
) -> None:
    page.goto(server.url + "/embed/scenarios/race-condition?lang=es&predict=1")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    total = final_value(run_document(server, page), {"contador", "counter"})
    assert isinstance(total, int)
    page.get_by_label(MESSAGES["es"]["player.predict.answer"]).fill(str(total + off_by))
    page.get_by_role("button", name=MESSAGES["es"]["player.predict.check"]).click()
    answer_and_watch(page)
    predict = page.locator(".player .predict")
    expect(predict).to_have_class(
        "predict " + ("right" if off_by == 0 else "wrong"), timeout=30_000
    )
    expect(predict).to_contain_text(f"fue {total}.")
    if off_by:
        screenshot(page, "predict-embed-wrong-es")


def test_skipping_plays_and_says_what_happened(server: Server, page: Page) -> None:
    page.goto(server.url + "/embed/scenarios/forgotten-task-done?lang=en&predict=1&autoplay=1")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.wait_for_timeout(500)
    assert page.locator(".player").get_attribute("data-index") == "-1"  # autoplay waits too
    page.get_by_role("button", name=MESSAGES["en"]["player.predict.skip"]).click()
    answer_and_watch(page)
    verdict = page.locator(".player .predict-verdict")
    expect(verdict).to_have_text(
        MESSAGES["en"]["player.predict.stuck"].format(outcome=MESSAGES["en"]["outcome.stalled"]),
        timeout=30_000,
    )
    expect(page.locator(".player .predict")).not_to_have_class("predict right")


def test_run_again_keeps_predicting(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/race-condition?lang=en&predict=1")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.locator('input[name="THREADS"]').fill("2")
    page.get_by_role("button", name=MESSAGES["en"]["scenario.run"]).click()
    expect(page).to_have_url(re.compile(r"/runs/[a-z0-9]{12}\?lang=en&predict=1$"), timeout=20_000)
    expect(page.locator(".player[data-mounted=ready] .predict")).to_have_count(1, timeout=20_000)
    expect(page.locator(".run-meta .badge")).to_have_count(0)


def test_the_share_box_offers_the_question_for_the_embed(server: Server, page: Page) -> None:
    words = MESSAGES["en"]
    page.goto(server.url + "/scenarios/race-condition?lang=en")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.locator(".share summary").click()
    snippet = page.locator("[data-share=snippet]")
    page.get_by_label(words["share.predict"]).check()
    expect(snippet).to_have_value(
        re.compile(r"/embed/scenarios/race-condition\?lang=en&amp;predict=1")
    )
    page.locator("select[data-option=mode]").select_option("choose")
    expect(snippet).not_to_have_value(re.compile("predict"))
    # A scenario that asks nothing offers nothing to ask.
    page.goto(server.url + "/scenarios/semaphore?lang=en")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.locator(".share summary").click()
    expect(page.get_by_label(words["share.predict"])).to_have_count(0)
