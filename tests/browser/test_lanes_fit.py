"""The lanes where room is short (a phone, a 520 px embed) as well as on a laptop: each lane's
name fits beside it (whole in its tooltip), and the end of a stuck run (the stop signs, the
waits of a deadlock, the pause signs of a stall) covers neither the signs nor the lanes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import Server, screenshot

pytestmark = pytest.mark.timeout(120)

# (page, viewport width): the scenario's page on a phone and a laptop, its embed at 520 px.
WHERE = {
    "phone": ("/scenarios/{}", 390),
    "laptop": ("/scenarios/{}", 1366),
    "embed": ("/embed/scenarios/{}", 520),
}

# What the last frame drew, and the pixels around it (device pixels, read back from the canvas).
SEEN = """() => {
  const p = document.querySelector('.player').player;
  const lanes = p.lanes;
  const ratio = window.devicePixelRatio || 1;
  const shown = lanes.ctx.getImageData(0, 0, lanes.canvas.width, lanes.canvas.height);
  const whole = lanes.full.getContext('2d').getImageData(0, 0, lanes.full.width, lanes.full.height);
  // The share of the pixels of a box that the frame drew over the whole-run picture.
  const covered = (x0, x1, y0, y1) => {
    let differ = 0, all = 0;
    for (let y = Math.round(y0 * ratio); y < Math.round(y1 * ratio); y++) {
      for (let x = Math.round(x0 * ratio); x < Math.round(x1 * ratio); x++) {
        const k = (y * shown.width + x) * 4;
        all++;
        if ([0, 1, 2].some((c) => Math.abs(shown.data[k + c] - whole.data[k + c]) > 24)) differ++;
      }
    }
    return all ? differ / all : 0;
  };
  // Pixels of the cycle's dark red (#7a0000) within `r` of a point.
  const cycleRed = (cx, cy, r) => {
    let found = 0;
    for (let y = Math.round((cy - r) * ratio); y <= Math.round((cy + r) * ratio); y++) {
      for (let x = Math.round((cx - r) * ratio); x <= Math.round((cx + r) * ratio); x++) {
        if ((x / ratio - cx) ** 2 + (y / ratio - cy) ** 2 > r * r) continue;
        const k = (y * shown.width + x) * 4;
        const [red, g, b] = [shown.data[k], shown.data[k + 1], shown.data[k + 2]];
        if (Math.abs(red - 0x7a) < 24 && g < 30 && b < 30) found++;
      }
    }
    return found;
  };
  const left = lanes.labelW + lanes.pad;
  const threads = p.model.threads.map((t) => ({ id: t.id, name: t.name, y: lanes.laneY(t.id) }));
  return {
    i: p.index, last: p.model.events.length - 1, left, width: lanes.width,
    names: lanes.drawn.names, waits: lanes.drawn.waits, pauses: lanes.drawn.pauses,
    signs: lanes.drawn.signs.map((s) => ({ ...s, red: cycleRed(s.x, s.y, 11) })),
    end: lanes.endText.lines, words: lanes.describeAt(p.index), threads,
    // Each thread's lane left of the end's signs: how much of it the frame covered.
    lanesCovered: threads.map((t) => {
      const mine = [...lanes.drawn.signs, ...lanes.drawn.pauses].filter((s) => s.thread === t.id);
      const right = Math.min(lanes.width - lanes.pad, ...mine.map((s) => s.x - 12));
      return covered(left + 1, right, t.y - 8, t.y + 8);
    }),
  };
}"""


def at_the_end(page: Page, server: Server, scenario: str, lang: str, where: str) -> Any:
    path, width = WHERE[where]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server.url}{path.format(scenario)}?lang={lang}")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=30_000)
    page.locator(".player").focus()
    page.keyboard.press("End")
    seen = page.evaluate(SEEN)
    assert seen["i"] == seen["last"]
    return seen


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("where", list(WHERE))
@pytest.mark.parametrize("scenario", ["forgotten-task-done", "dining-philosophers", "barrier"])
def test_every_lane_name_fits_beside_its_lane_and_its_tooltip_says_it_whole(
    page: Page, server: Server, scenario: str, lang: str, where: str
) -> None:
    seen = at_the_end(page, server, scenario, lang, where)
    names = seen["names"]
    assert len(names) >= len(seen["threads"]) + 1
    # Cut or not, the threads' names stay apart ("Excursionis…-1", "Excursionis…-2").
    shown_threads = [" ".join(n["lines"]) for n in names[: len(seen["threads"])]]
    assert len(set(shown_threads)) == len(shown_threads), shown_threads
    for name in names:
        assert name["right"] <= seen["left"] - 2, name  # never under the lanes, never cut off
        shown = " ".join(name["lines"])
        assert name["cut"] == ("…" in shown and "…" not in name["whole"]), name
        if not name["cut"]:  # whole, or a daemon's name, or a row of tasks without its queue
            whole = name["whole"]
            assert whole.startswith(shown) or shown == f"↳ {whole.split(': ', 1)[-1]}", name
    if scenario == "forgotten-task-done":
        tasks = "tareas sin terminar" if lang == "es" else "unfinished tasks"
        sub = next(n for n in names if n["lines"][0].startswith("↳"))
        assert " ".join(sub["lines"]) == f"↳ {tasks}"  # on two lines if need be, not cut
        # Pointing at a name shows it whole: the tasks' row says whose tasks they are.
        box = page.locator(".player canvas.lanes").bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + sub["x"] + 4, box["y"] + sub["y"])
        tip = page.locator(".player .tip")
        expect(tip).to_be_visible()
        expect(tip).to_have_text(sub["whole"])
        assert sub["whole"].endswith(f": {tasks}") and len(sub["whole"]) > len(tasks) + 4
    screenshot(page, f"lanes-fit-{scenario}-{where}-{lang}")


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("where", list(WHERE))
def test_a_stall_ends_with_pause_signs_and_words_that_cover_no_lane(
    page: Page, server: Server, lang: str, where: str
) -> None:
    seen = at_the_end(page, server, "forgotten-task-done", lang, where)
    stalled = "atascado" if lang == "es" else "stalled"
    names = {t["id"]: t["name"] for t in seen["threads"]}
    # Under the axis, in words: who is stuck (a pause sign beside them, as on the lanes).
    assert " ".join(seen["end"]) == f"{stalled}: " + ", ".join(
        names[p["thread"]] for p in seen["pauses"]
    )
    assert " ".join(seen["end"]) in seen["words"]
    # On each stuck lane a pause sign no wider than a stop sign, beside it, not on it.
    assert len(seen["pauses"]) == 2
    for pause in seen["pauses"]:
        assert pause["w"] <= 16
        for sign in seen["signs"]:
            if sign["thread"] == pause["thread"]:
                assert abs(sign["x"] - pause["x"]) >= pause["w"] / 2 + 9, (pause, sign)
    # The lanes up to those signs are the run as it was: no tag drawn over them.
    assert all(share < 0.08 for share in seen["lanesCovered"]), seen["lanesCovered"]
    screenshot(page, f"lanes-stall-{where}-{lang}")


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("where", list(WHERE))
@pytest.mark.parametrize("scenario", ["deadlock", "dining-philosophers"])
def test_the_waits_at_a_deadlocks_end_stand_clear_of_the_stop_signs(
    page: Page, server: Server, scenario: str, lang: str, where: str
) -> None:
    seen = at_the_end(page, server, scenario, lang, where)
    cycle = [w for w in seen["waits"] if w["cycle"]]
    assert len(cycle) == (2 if scenario == "deadlock" else 5)
    stops = [s for s in seen["signs"] if s["kind"] == "stopped"]
    assert len(stops) == len(seen["threads"])
    for wait in seen["waits"]:
        assert wait["x"] - 7 >= seen["left"], wait  # beside the lanes, not over the names
        for sign in stops:
            if wait["top"] - 9 <= sign["y"] <= wait["bottom"] + 9:
                # The thread's arrow at x, its holder's at x + 4, heads 4.5 wide: clear.
                assert wait["x"] + 11 <= sign["x"] - 9 or wait["x"] - 7 >= sign["x"] + 9
    # Drawn so: no dark red of an arrow around any stop sign.
    assert [s["red"] for s in stops] == [0] * len(stops)
    # Still near the end: the last wait no further left than the signs need.
    assert min(w["x"] for w in cycle) >= min(s["x"] for s in stops) - 40 - 18 * len(cycle)
    screenshot(page, f"lanes-deadlock-end-{scenario}-{where}-{lang}")
