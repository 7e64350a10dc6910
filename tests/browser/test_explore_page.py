"""'Explore all interleavings' in real Chromium: every ending, and the shortest way to each."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from app.scenarios import get_scenario
from app.web.i18n import MESSAGES

from .conftest import Server, screenshot
from .test_choose import ready
from .test_embed_a11y import run_axe

pytestmark = pytest.mark.timeout(180)

EN = MESSAGES["en"]
ES = MESSAGES["es"]
SMALL = "THREADS=2&ITERATIONS=1"  # plus-equals in a few hundred milliseconds


def explored(page: Page) -> None:
    """Wait until the explorer shows a result."""
    expect(page.locator(".explore-panel")).to_have_attribute("data-state", "done", timeout=30_000)


def endings(page: Page) -> list[dict[str, str]]:
    """The table's rows: status, the cells by column, and where "Show me" goes."""
    rows: list[dict[str, str]] = page.locator(".explore-results tbody tr").evaluate_all(
        """rows => rows.map(r => Object.fromEntries([["status", r.dataset.status],
             ...[...r.querySelectorAll("td")].map(c => [c.dataset.label, c.textContent]),
             ["href", r.querySelector("a.show-me").getAttribute("href")]]))"""
    )
    return rows


def headers(page: Page) -> list[str]:
    names: list[str] = page.locator(".explore-results thead th").all_text_contents()
    return names


def result(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        "document.querySelector('.explore-panel').explorer.result"
    )
    return found


def test_plus_equals_loses_an_update_and_show_me_replays_it(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/plus-equals?lang=en")
    page.get_by_role("link", name=EN["mode.explore"]).click()
    expect(page).to_have_url(re.compile(r"mode=explore"))
    panel = page.locator(".explore-panel")
    expect(panel).to_have_attribute("data-state", "idle")
    expect(page.locator(".explore-idle")).to_have_text(EN["player.explore.idle"])
    page.get_by_label("Threads", exact=True).fill("2")
    page.get_by_label("Additions per thread").fill("1")
    page.get_by_label(EN["player.explore.preemptions"]).select_option("2")
    # Enter in a field submits, as a form does.
    page.get_by_label("Additions per thread").press("Enter")
    explored(page)
    # The address keeps the values (2 threads is where exploring starts: left out); the other
    # language follows, and "You choose", whose own default is 4 threads, is told both.
    assert "ITERATIONS=1" in page.url and "THREADS" not in page.url
    assert "preemptions" not in page.url
    expect(page.locator(".langs a[hreflang=es]")).to_have_attribute(
        "href", re.compile(r"mode=explore&ITERATIONS=1$")
    )
    expect(page.get_by_role("link", name=EN["mode.choose"])).to_have_attribute(
        "href", re.compile(f"mode=choose&{SMALL}$")
    )
    done = result(page)
    heading = {
        "all": EN["player.explore.caption.all"].format(n=2),
        "bounded": EN["player.explore.caption.bounded"].format(n=2, preemptions="2 preemptions"),
    }[done["covered"]]
    table = page.get_by_role("table", name=re.compile(re.escape(heading)))
    expect(table).to_be_visible()
    col = {k: EN[f"player.explore.col.{k}"] for k in ("final", "output", "count", "witness")}
    assert headers(page) == [EN["player.explore.col.status"], *col.values()]
    rows = endings(page)
    assert [r["status"] for r in rows] == ["completed", "completed"]
    by_total = {r[col["output"]]: r for r in rows}
    assert set(by_total) == {"Total: 2; expected: 2", "Total: 1; expected: 2"}
    lost = by_total["Total: 1; expected: 2"]
    assert lost[col["final"]] == "counter = 1"
    counts = [int(re.match(r"(\d+) of (\d+)", r[col["count"]]).group(1)) for r in rows]  # type: ignore[union-attr]
    assert sum(counts) == done["explored"] and re.search(r"\d+%", lost[col["count"]])
    coverage = page.locator(".explore-covered")
    expect(coverage).to_be_visible()
    assert done["covered"] in ("all", "bounded")
    schedules = f"{done['explored']} schedules"
    expected = {
        "all": EN["player.explore.covered.all"].format(schedules=schedules),
        "bounded": EN["player.explore.covered.bounded"].format(
            preemptions="2 preemptions", schedules=schedules
        ),
    }[done["covered"]]
    expect(coverage).to_have_text(expected)
    expect(page.locator(".explore-said")).to_contain_text(expected)  # told politely, once done
    expect(page.locator(".explore-progress")).to_be_hidden()
    # "Show me" is a link in the row, reachable from the button with the keyboard.
    page.get_by_role("button", name=EN["player.explore.start"]).focus()
    link = page.locator(f'a.show-me[href="{lost["href"]}"]')
    for _ in range(4):
        page.keyboard.press("Tab")
        if link.evaluate("a => a === document.activeElement"):
            break
    expect(link).to_be_focused()
    assert re.search(f"mode=choose&{SMALL}&choices=MainThread", lost["href"])
    screenshot(page, "explore-plus-equals-en-test")
    page.keyboard.press("Enter")
    # "You choose" replays the shortest schedule to its end: the update is lost on screen.
    expect(page).to_have_url(re.compile(r"mode=choose.*choices="))
    ready(page)
    chooser = page.locator(".chooser")
    expect(chooser.locator(".player")).to_have_attribute("data-outcome", "completed")
    expect(chooser.locator(".verdict.reached")).to_have_text(EN["player.choose.goal.reached"])
    expect(chooser.locator(".summary")).to_contain_text(EN["player.lost.title"])
    expect(chooser.locator(".narration li.lost").first).to_be_visible()


def test_lock_ordering_only_ever_completes(server: Server, page: Page) -> None:
    page.goto(server.url + "/scenarios/lock-ordering?lang=es&mode=explore")
    page.get_by_role("button", name=ES["player.explore.start"]).click()
    explored(page)
    rows = endings(page)
    assert rows and {r["status"] for r in rows} == {"completed"}
    expect(page.locator(".explore-results tbody .badge").first).to_have_text(
        ES["outcome.completed"]
    )
    # No shared variables: no column of final values.
    assert headers(page) == [
        ES[f"player.explore.col.{k}"] for k in ("status", "output", "count", "witness")
    ]
    done = result(page)
    assert done["covered"] == "all"
    expect(page.locator(".explore-panel")).to_have_attribute("data-covered", "all")
    expect(page.locator(".explore-covered")).to_have_text(
        f"Explorados todos los entrelazados: {done['explored']} planificaciones."
    )
    expect(page.locator(".explore-results caption")).to_contain_text(
        ES["player.explore.caption.all.one"]
        if len(rows) == 1
        else ES["player.explore.caption.all"].format(n=len(rows))
    )


@pytest.mark.parametrize("lang", ["es", "en"])
def test_plus_equals_explores_small_values_unless_told_otherwise(
    server: Server, page: Page, lang: str
) -> None:
    # Its run is 4 threads x 2000 additions: a search of that is cut after a few schedules.
    # The form starts from values whose every order can be tried, and finds the lost additions.
    words = MESSAGES[lang]
    page.goto(f"{server.url}/scenarios/plus-equals?lang={lang}&mode=explore")
    threads, additions = (words_of("THREADS", lang), words_of("ITERATIONS", lang))
    expect(page.get_by_label(threads, exact=True)).to_have_value("2")
    expect(page.get_by_label(additions)).to_have_value("2")
    page.get_by_role("button", name=words["player.explore.start"]).click()
    explored(page)
    done = result(page)
    assert done["covered"] != "sampled"
    assert done["params"]["ITERATIONS"] == 2
    variable = "contador" if lang == "es" else "counter"
    assert {e["final"][variable] for e in done["outcomes"]} == {2, 3, 4}
    caption = page.locator(".explore-results caption")
    expect(caption).not_to_contain_text(words["player.explore.caption.all.one"])
    expect(page.locator(".explore-results tbody tr")).to_have_count(3)
    assert "THREADS" not in page.url and "ITERATIONS" not in page.url
    # "Show me" replays with those values, written out: "You choose" starts from a run's.
    href = page.locator("a.show-me").first.get_attribute("href") or ""
    assert "THREADS=2&ITERATIONS=2&choices=" in href
    screenshot(page, f"explore-plus-equals-defaults-{lang}")


def words_of(param: str, lang: str) -> str:
    return get_scenario("plus-equals").params[param].label[lang]


def test_progress_errors_and_no_jumps(server: Server, browser: Browser) -> None:
    # Its own page: the refused requests are logged by the browser, and meant.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + f"/scenarios/plus-equals?lang=es&mode=explore&{SMALL}&preemptions=1")
    posts: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: posts.append(json.loads(r.post_data or "{}")) if r.method == "POST" else None,
    )
    # A value that does not fit is refused here, in the page's words, and nothing is asked.
    threads = page.get_by_label("Hilos", exact=True)
    threads.fill("99")
    page.get_by_role("button", name=ES["player.explore.start"]).click()
    alert = page.locator(".explore-error")
    expect(alert).to_have_text("«Hilos» tiene que ser un número entero entre 2 y 8; recibió «99».")
    expect(threads).to_be_focused()
    expect(threads).to_have_attribute("aria-invalid", "true")
    assert posts == []
    threads.fill("2")
    page.get_by_role("button", name=ES["player.explore.start"]).click()
    explored(page)
    assert posts[-1] == {
        "scenario": "plus-equals",
        "lang": "es",
        "params": {"ITERATIONS": 1},  # 2 threads is where exploring starts
        "preemptions": 1,
    }
    expect(alert).to_be_empty()
    kept = result(page)
    table = page.locator(".explore-results table")
    top = table.bounding_box()
    assert top is not None

    # Busy: said with the wait the server asks for; the endings on screen stay.
    def busy(route: Route) -> None:
        route.fulfill(
            status=429,
            headers={"Retry-After": "3", "Content-Type": "application/json"},
            body=json.dumps({"detail": "too many runs in progress; try again shortly"}),
        )

    page.route("**/api/explorations", busy)
    page.get_by_role("button", name=ES["player.explore.start"]).click()
    expect(alert).to_contain_text("El servidor está ocupado")
    expect(alert).to_contain_text("3 s")
    expect(page.locator(".explore-results tbody tr")).to_have_count(len(kept["outcomes"]))
    expect(page.locator(".explore-covered")).to_be_visible()
    page.unroute("**/api/explorations")

    # Under way: the progress, polled; the table below does not move. Then the network fails
    # while polling, and "Reintentar" goes on polling the same search.
    polls = {"n": 0}
    then = {"next": "progress"}

    def started(route: Route) -> None:
        body = {
            "id": "xslow",
            "status": "running",
            "progress": {"runs": 3, "schedules": 0},
            "max_schedules": 1000,
            "url": "/api/explorations/xslow",
        }
        route.fulfill(status=202, json=body, headers={"Location": body["url"]})

    def slow(route: Route) -> None:
        polls["n"] += 1
        if then["next"] == "progress":
            n = min(polls["n"], 3)
            running = {
                "id": "xslow",
                "status": "running",
                "progress": {"runs": 40 * n, "schedules": 7 * n},
                "max_schedules": 1000,
                "url": "/api/explorations/xslow",
            }
            route.fulfill(status=202, json=running)
        elif then["next"] == "fail":
            then["next"] = "done"
            route.abort()
        else:
            route.fulfill(status=200, json=kept)

    page.route("**/api/explorations", started)
    page.route("**/api/explorations/xslow", slow)
    page.get_by_role("button", name=ES["player.explore.start"]).click()
    progress = page.get_by_label(ES["player.explore.progress.label"])
    expect(progress).to_be_visible()
    expect(page.locator(".explore-panel")).to_have_attribute("data-state", "running")
    expect(page.locator(".explore-said")).to_have_text(ES["player.explore.started"])
    expect(page.locator(".explore-count")).to_have_text("21 de 1000 · 120 ejecuciones")
    assert progress.evaluate("p => [p.value, p.max]") == [21, 1000]
    moved = table.bounding_box()
    assert moved is not None and moved["y"] == top["y"]
    expect(page.locator(".explore-results")).to_have_attribute("aria-busy", "true")
    then["next"] = "fail"
    expect(alert).to_contain_text(ES["player.explore.error.network"])
    expect(page.locator(".explore-results tbody tr")).to_have_count(len(kept["outcomes"]))
    page.get_by_role("button", name=ES["player.explore.retry"]).click()
    explored(page)
    expect(alert).to_be_empty()
    assert then["next"] == "done"

    # A search that ends without a result (the server lost it): said, with a way to try again.
    page.unroute("**/api/explorations/xslow")
    page.route("**/api/explorations/xslow", lambda r: r.fulfill(status=404, json={"detail": "x"}))
    page.get_by_role("button", name=ES["player.explore.start"]).click()
    expect(alert).to_contain_text(ES["player.explore.error.lost"])
    expect(page.get_by_role("button", name=ES["player.explore.retry"])).to_be_visible()

    # A limit that stopped the search before any run ended: said, with no empty table.
    empty = kept | {"outcomes": [], "explored": 0, "covered": "sampled"}
    page.unroute("**/api/explorations")
    page.route("**/api/explorations", lambda route: route.fulfill(status=200, json=empty))
    page.get_by_role("button", name=ES["player.explore.start"]).click()
    explored(page)
    expect(page.locator(".explore-covered")).to_have_text(
        ES["player.explore.covered.sampled"].format(schedules="0 planificaciones")
    )
    expect(page.locator(".explore-results")).to_have_text(ES["player.explore.no_endings"])

    # A sample is no fact about every order: its heading says what was tried, and the status
    # says how to try them all.
    sampled = kept | {"outcomes": kept["outcomes"][:1], "explored": 12, "covered": "sampled"}
    page.unroute("**/api/explorations")
    page.route("**/api/explorations", lambda route: route.fulfill(status=200, json=sampled))
    page.get_by_role("button", name=ES["player.explore.start"]).click()
    explored(page)
    caption = page.locator(".explore-results caption")
    expect(caption).to_contain_text("En las 12 planificaciones probadas: un solo final")
    expect(caption).not_to_contain_text(ES["player.explore.caption.all.one"])
    expect(page.locator(".explore-covered")).to_contain_text("baja los valores")
    bounded = kept | {"covered": "bounded", "preemptions": 1}
    page.unroute("**/api/explorations")
    page.route("**/api/explorations", lambda route: route.fulfill(status=200, json=bounded))
    page.get_by_role("button", name=ES["player.explore.start"]).click()
    expect(caption).to_contain_text(f"Con 1 expropiación como mucho: {len(kept['outcomes'])}")
    assert errors == []
    context.close()


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize(("size", "width", "height"), [("wide", 1280, 800), ("phone", 390, 844)])
@pytest.mark.parametrize("where", ["page", "embed"])
def test_screens_and_axe(
    server: Server, browser: Browser, lang: str, size: str, width: int, height: int, where: str
) -> None:
    # axe is injected as a script the page's CSP would refuse: this context sets it aside.
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    prefix = "/embed" if where == "embed" else ""
    page.goto(f"{server.url}{prefix}/scenarios/plus-equals?lang={lang}&mode=explore&{SMALL}")
    expect(page.locator(".explore-panel")).to_have_attribute("data-state", "idle")
    assert run_axe(page) == []
    page.get_by_role("button", name=MESSAGES[lang]["player.explore.start"]).click()
    explored(page)
    expect(page.locator(".explore-results tbody tr")).to_have_count(2)
    page.locator("a.show-me").first.focus()
    screenshot(page, f"explore-{where}-{lang}-{size}")
    assert run_axe(page) == []
    if where == "embed":
        # "Show me" stays in the frame, in "You choose", with the embed's values.
        page.locator("a.show-me").last.click()
        expect(page).to_have_url(re.compile(r"/embed/scenarios/plus-equals\?.*mode=choose"))
        ready(page)
        assert run_axe(page) == []
    assert errors == []
    context.close()
