"""Shared data in the picture: a lane per variable, reads and writes marked, lost updates drawn,
on the site, in an embed and in the offline file, and said in words for those who do not see
the canvas."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from app.export import standalone_html
from app.store import SQLiteStore
from app.web.i18n import MESSAGES

from ..test_export_shared import shared_document
from .conftest import Server, screenshot
from .test_embed_a11y import run_axe

pytestmark = pytest.mark.timeout(120)

EN = MESSAGES["en"]
ES = MESSAGES["es"]
PLAYER = "document.querySelector('.player').player"
LOST_RGB = (0xA3, 0x26, 0x1B)  # shared.js LOST_COLOR
_ids = itertools.count(1)


def save(server: Server, document: dict[str, Any]) -> str:
    run_id = f"shared{next(_ids):06d}"
    document = document | {"id": run_id, "url": f"/runs/{run_id}"}
    SQLiteStore(server.db).save(
        json.dumps(document).encode(),
        run_id=run_id,
        scenario=document["scenario"],
        lang=document["lang"],
        params=json.dumps(document["params"], sort_keys=True),
        status=document["outcome"]["status"],
    )
    return run_id


def ready(page: Page) -> None:
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)


# Pixels of the visible canvas around a point of the lanes (CSS px), as [r, g, b] each.
PIXELS = """([x, y]) => { const lanes = document.querySelector('.player').player.lanes;
  const r = window.devicePixelRatio || 1;
  const data = lanes.ctx.getImageData(Math.round(x * r) - 1, Math.round(y * r) - 1, 3, 3).data;
  const out = [];
  for (let k = 0; k < data.length; k += 4) out.push([data[k], data[k + 1], data[k + 2]]);
  return out; }"""

# Where the first lost update is drawn: the overwritten write on the variable's lane (the
# cross), and the tip of the arrow into the write that used the stale read.
LOST_AT = """() => { const p = document.querySelector('.player').player;
  const lanes = p.lanes; const m = p.model; const u = m.lost[0];
  const row = lanes.rowOf.get(u.variable); const at = (i) => m.events[i];
  return { write: u.write, cross: [lanes.x(u.overwritten, at(u.overwritten).t), row.y + row.markY],
           head: [lanes.x(u.write, at(u.write).t), row.y + row.markY - 5 - 2 - 5] }; }"""


def near(pixel: list[int], rgb: tuple[int, int, int], tolerance: int = 14) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, rgb, strict=True))


def settle(page: Page) -> None:
    """Let the player paint what it was just asked to (it draws in animation frames)."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


# The same, in a square of 2 * radius + 1 CSS px: an arrow's tip lands within a pixel or two
# of where the model puts it, depending on rounding at the canvas's width.
AROUND = """([x, y, radius]) => { const lanes = document.querySelector('.player').player.lanes;
  const r = window.devicePixelRatio || 1; const side = Math.round((2 * radius + 1) * r);
  const data = lanes.ctx.getImageData(Math.round((x - radius) * r), Math.round((y - radius) * r),
                                      side, side).data;
  const out = [];
  for (let k = 0; k < data.length; k += 4) out.push([data[k], data[k + 1], data[k + 2]]);
  return out; }"""


def lost_drawn(page: Page, where: list[float], radius: int = 3) -> bool:
    return any(near(p, LOST_RGB) for p in page.evaluate(AROUND, [*where, radius]))


def test_a_lost_update_shows_once_its_overwriting_write_is_reached_in_both_views(
    server: Server, page: Page
) -> None:
    document = shared_document("en")
    page.goto(f"{server.url}/runs/{save(server, document)}?lang=en")
    ready(page)
    rows = page.evaluate(f"{PLAYER}.lanes.rows.map(r => [r.kind || null, r.obj])")
    variable = document["analysis"]["variables"][0]
    assert ["variable", variable["id"]] in rows
    legend = page.locator(".player .legend")
    for key in ("player.legend.read", "player.legend.write", "player.legend.lost"):
        expect(legend).to_contain_text(EN[key])
    for view in ("steps", "time"):
        page.get_by_label(EN["player.view"], exact=True).select_option(view)
        lost = page.evaluate(LOST_AT)
        page.evaluate(f"{PLAYER}.seek({lost['write'] - 1})")
        settle(page)
        assert not lost_drawn(page, lost["cross"]), f"{view}: crossed out too early"
        assert not lost_drawn(page, lost["head"]), f"{view}: arrow drawn too early"
        page.evaluate(f"{PLAYER}.seek({lost['write']})")
        settle(page)
        assert lost_drawn(page, lost["cross"]), f"{view}: the overwritten write is not crossed out"
        assert lost_drawn(page, lost["head"]), f"{view}: no arrow into the write that won"
    text = document["analysis"]["lost_updates"][0]["text"].replace("`", "")
    expect(page.locator(".player .narration li.lost").last).to_contain_text(text)
    expect(page.locator(".player .summary .lost")).to_contain_text(text)
    screenshot(page, "shared-lost-update-en-wide")


def test_reads_are_hollow_and_writes_filled_in_the_threads_colour(
    server: Server, page: Page
) -> None:
    page.goto(f"{server.url}/runs/{save(server, shared_document('en'))}?lang=en")
    ready(page)
    # The first read and the first write of a started thread with room around it, seen
    # just after them (the playhead's line would cover a mark right under it).
    find = """(rw) => { const p = document.querySelector('.player').player;
      const m = p.model; const L = p.lanes;
      const x = (a) => L.x(a.i, a.t);
      const a = m.accesses.find((a) => a.rw === rw && a.thread !== 0 &&
        !m.accesses.some((b) => b !== a && Math.abs(x(b) - x(a)) < 8));
      const row = L.rowOf.get(a.obj);
      return { i: a.i, color: L.colorOf(a.thread), lane: [x(a), L.laneY(a.thread)],
               row: [x(a), row.y + row.markY] }; }"""
    white = (255, 255, 255)
    for rw in ("r", "w"):
        mark = page.evaluate(find, rw)
        page.evaluate(f"{PLAYER}.seek({mark['i'] + 2})")
        settle(page)
        colour = tuple(int(mark["color"][k : k + 2], 16) for k in (1, 3, 5))
        expected = white if rw == "r" else colour
        for where in ("lane", "row"):
            centre = page.evaluate(PIXELS, mark[where])[4]
            assert near(centre, expected), f"{rw} on the {where}: {centre} is not {expected}"


def test_marks_and_lanes_are_described_in_words_and_reached_by_keyboard(
    server: Server, page: Page
) -> None:
    document = shared_document("en")
    page.goto(f"{server.url}/runs/{save(server, document)}?lang=en")
    ready(page)
    variable = document["analysis"]["variables"][0]
    index, thread, rw, value, line = next(a for a in variable["accesses"] if a[2] == "r")
    page.evaluate(f"{PLAYER}.seek({index - 1})")
    page.locator(".player").focus()
    page.keyboard.press("ArrowRight")  # onto the read
    name = page.evaluate(f"{PLAYER}.model.threads.find(t => t.id === {thread}).name")
    tip = page.locator(".player .tip")
    expect(tip).to_be_visible()
    expect(tip).to_have_text(
        EN["player.access.read"]
        .replace("`", "")
        .format(thread=name, variable="counter", value=value, line=line)
    )
    # The code panel marks the line of the read.
    expect(page.locator(".player .code li").nth(line - 1)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("ArrowRight")
    expect(tip).to_be_hidden()  # a print: no mark under the playhead
    # The lanes in words: the variable's value at the playhead, as the analysis has it.
    page.get_by_text(EN["player.words"], exact=True).click()
    now = max((i, v) for i, v in variable["values"] if i <= index + 1)[1]
    expect(page.locator(".player .lanes-words li").last).to_contain_text(f"counter = {now}")
    page.keyboard.press("End")
    final = variable["values"][-1][1]
    expect(page.locator(".player .lanes-words li").last).to_contain_text(f"counter = {final}")
    # Hovering a lane of values tells the value there.
    box = page.locator(".player canvas").bounding_box()
    assert box is not None
    row = page.evaluate(f"{PLAYER}.lanes.rowOf.get({variable['id']})")
    page.mouse.move(box["x"] + box["width"] - 12, box["y"] + row["y"] + row["h"] - 6)
    expect(tip).to_have_text(f"counter = {final}")


def test_the_embed_in_spanish_draws_and_tells_the_variable(server: Server, page: Page) -> None:
    document = shared_document("es")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server.url}/embed/runs/{save(server, document)}?lang=es&view=time")
    ready(page)
    assert page.evaluate(f"{PLAYER}.lanes.rows.some(r => r.kind === 'variable')")
    expect(page.locator(".player .legend")).to_contain_text(ES["player.legend.lost"])
    page.locator(".player").focus()
    page.keyboard.press("End")
    page.get_by_text(ES["player.words"], exact=True).click()
    final = document["analysis"]["variables"][0]["values"][-1][1]
    expect(page.locator(".player .lanes-words")).to_contain_text(f"contador = {final}")
    lost = page.evaluate(LOST_AT)
    assert lost_drawn(page, lost["cross"])
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "shared-embed-es-narrow")


def test_a_document_whose_analysis_has_no_shared_keys_still_draws_the_values(
    server: Server, page: Page
) -> None:
    """Read in a language whose analysis was computed before variables were analysed: the
    values come from the trace's own reads and writes, and nothing is said to be lost."""
    document = shared_document("en")
    analysis = {k: v for k, v in document["analysis"].items()
                if k not in ("variables", "lost_updates", "races")}  # fmt: skip
    page.goto(f"{server.url}/runs/{save(server, document | {'analysis': analysis})}?lang=en")
    ready(page)
    values = page.evaluate(
        f"[...{PLAYER}.model.variables.values()][0].values.map(v => [v.i, v.value])"
    )
    assert values == document["analysis"]["variables"][0]["values"]
    assert page.evaluate(f"{PLAYER}.model.lost.length") == 0
    expect(page.locator(".player .legend")).not_to_contain_text(EN["player.legend.lost"])


def test_the_offline_file_draws_the_variable(tmp_path: Path, browser: Browser) -> None:
    document = shared_document("es")
    page_file = tmp_path / "race.html"
    page_file.write_text(standalone_html(document, "es"), encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_file.as_uri())
    ready(page)
    page.locator(".player").focus()
    page.keyboard.press("End")
    assert page.evaluate(f"{PLAYER}.lanes.rows.some(r => r.kind === 'variable')")
    assert lost_drawn(page, page.evaluate(LOST_AT)["cross"])
    expect(page.locator(".player .legend")).to_contain_text(ES["player.legend.lost"])
    assert errors == []
    context.close()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_axe_finds_nothing_in_the_new_lanes_legend_and_words(
    server: Server, browser: Browser, lang: str
) -> None:
    run_id = save(server, shared_document(lang))
    # axe is injected as a script the page's CSP would refuse: this context sets it aside.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for path in (f"/runs/{run_id}?lang={lang}", f"/embed/runs/{run_id}?lang={lang}"):
        page.goto(server.url + path)
        ready(page)
        page.locator(".player").focus()
        page.keyboard.press("End")
        page.locator(".player .lanes-words summary").click()
        assert run_axe(page) == []
    context.close()
