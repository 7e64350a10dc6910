"""The lanes drawn from the analysis: a deadlock's end, labels on bands, queues, barriers,
daemons, cancelled timers, and the picture in words; screenshots at two widths, two languages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.export import run_document
from app.runner import run_source
from app.scenarios import get_scenario
from app.store import SQLiteStore, new_run_id

from .conftest import Server, screenshot

WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}


def open_at_end(page: Page, server: Server, scenario: str, lang: str) -> Any:
    page.goto(f"{server.url}/scenarios/{scenario}?lang={lang}")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=30_000)
    page.locator(".player").focus()
    page.keyboard.press("End")
    return page.evaluate(
        """() => {
          const p = document.querySelector('.player').player;
          const i = p.index;
          const lanes = p.lanes;
          return {
            i,
            last: p.model.events.length - 1,
            words: lanes.describeAt(i),
            alt: lanes.alt.textContent,
            described: lanes.canvas.getAttribute('aria-describedby') === lanes.alt.id
              && lanes.canvas.tabIndex === 0,
            axis: { labels: lanes.axisLabels, width: lanes.width },
            waits: lanes.waitsAt(i),
            rows: lanes.rows.map((r) => ({
              kind: r.kind, obj: r.obj, labels: (r.labels || []).length })),
            legend: [...document.querySelectorAll('.player .legend li')]
              .map((li) => li.textContent),
            lastStates: p.model.segments.map((s) => s.length ? s[s.length - 1].state : null),
            names: p.model.threads.map((t) => t.name),
          };
        }"""
    )


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_deadlock_ends_blocked_with_arrows_through_the_locks_and_the_stop_marked(
    page: Page, server: Server, lang: str, width: str
) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    seen = open_at_end(page, server, "deadlock", lang)
    assert seen["i"] == seen["last"]
    blocked = "blocked on a lock" if lang == "en" else "bloqueado en un candado"
    stopped = "stopped by Hilos" if lang == "en" else "detenido por Hilos"
    cycle = [w for w in seen["waits"] if w["cycle"]]
    assert len(cycle) == 2
    for wait in cycle:
        # Thread → the lock it waits for → its holder: through a lock lane, not thread to thread.
        assert any(r["kind"] == "lock" and r["obj"] == wait["obj"] for r in seen["rows"])
        name = seen["names"][wait["thread"]]
        assert any(line.startswith(f"{name}: {blocked}") for line in seen["words"]), seen["words"]
        assert seen["lastStates"][wait["thread"]] == "blocked"
    assert "finished" not in seen["lastStates"] or lang  # the main thread may not have ended
    assert any(stopped in text for text in seen["legend"])
    assert sum(stopped in line for line in seen["words"]) >= 2
    assert seen["described"] and stopped in seen["alt"]
    # The axis: every label inside the canvas (the last one is not cut).
    labels, room = seen["axis"]["labels"], seen["axis"]["width"]
    assert labels and all(0 <= left and right <= room for left, right in labels), labels
    # Drawn, not only computed: the cycle's dark red between each thread and its lock's lane,
    # and the stop sign on each stopped lane.
    pixels = page.evaluate(
        """() => {
          const p = document.querySelector('.player').player;
          const lanes = p.lanes;
          const ctx = lanes.canvas.getContext('2d');
          const ratio = window.devicePixelRatio || 1;
          const rgb = (x, y) =>
            [...ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data];
          const arrows = lanes.waitsAt(p.index).map((w) => {
            const row = lanes.rowOf.get(w.obj);
            const x = lanes.drawn.waits.find((d) => d.thread === w.thread).x;
            return rgb(x, (lanes.laneY(w.thread) + row.y + row.h / 2) / 2);
          });
          const stops = p.model.marks.filter((m) => m.kind === 'stopped').map((m) =>
            rgb(lanes.markX(m, p.index), lanes.laneY(m.thread) - 4));
          return { arrows, stops };
        }"""
    )
    for r, g, b, _ in pixels["arrows"]:
        assert r > 90 and g < 60 and b < 60, pixels["arrows"]  # the cycle's dark red
    assert pixels["stops"] and all(max(px[:3]) < 60 for px in pixels["stops"]), pixels["stops"]
    screenshot(page, f"lanes-deadlock-{width}-{lang}")


def test_lock_bands_carry_the_holders_name(page: Page, server: Server) -> None:
    seen = open_at_end(page, server, "lock", "en")
    locks = [r for r in seen["rows"] if r["kind"] == "lock"]
    assert locks and all(r["labels"] > 0 for r in locks)
    tip = page.evaluate(
        """() => {
          const p = document.querySelector('.player').player;
          const row = p.lanes.rows.find((r) => r.kind === 'lock');
          const band = p.model.lockBands.get(row.obj)
            .find((b) => b.to !== null && b.to - b.from > 1);
          const x = (p.lanes.x(band.from, band.t) + p.lanes.x(band.to, band.tTo)) / 2;
          const holder = p.model.threads.find((t) => t.id === band.thread).name;
          return { text: p.lanes.hit(x, row.y + row.h / 2, p.index).text, holder };
        }"""
    )
    assert tip["holder"] in tip["text"]


def test_a_queue_lane_shows_its_count_and_items(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/scenarios/producer-consumer?lang=en")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=30_000)
    found = page.evaluate(
        """() => {
          const p = document.querySelector('.player').player;
          const row = p.lanes.rows.find((r) => r.kind === 'queue');
          const sizes = p.model.queueSizes.get(row.obj);
          const full = sizes.find((s) => s.size > 0);
          p.seek(full.i);
          const text = p.lanes.nowText(row, { value: full.size }, full.i);
          return { text, words: p.lanes.describeAt(full.i), n: full.size };
        }"""
    )
    assert found["text"].startswith(f"{found['n']}: [") and found["text"] != f"{found['n']}: []"
    words = found["words"]
    assert any(line.endswith("]") and "queued: [" in line for line in words), words


def test_forgotten_task_done_draws_the_unfinished_tasks(page: Page, server: Server) -> None:
    seen = open_at_end(page, server, "forgotten-task-done", "en")
    assert any(r["kind"] == "tasks" for r in seen["rows"])
    counts = [line for line in seen["words"] if line.endswith("unfinished tasks")]
    assert counts and not any(line.endswith(": 0 unfinished tasks") for line in counts)
    screenshot(page, "lanes-forgotten-task-done-desktop-en")


def test_a_barrier_lane_shows_k_of_n_arrived(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/scenarios/barrier?lang=es")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=30_000)
    found = page.evaluate(
        """() => {
          const p = document.querySelector('.player').player;
          const [obj, b] = [...p.model.barriers][0];
          const two = b.steps.find((s) => s.value === 2);
          p.seek(two.i);
          return { words: p.lanes.describeAt(two.i), parties: b.parties };
        }"""
    )
    assert any(f"llegaron 2 de {found['parties']}" in line for line in found["words"])
    screenshot(page, "lanes-barrier-desktop-es")


def test_a_daemon_is_marked_and_its_cut_off_too(page: Page, server: Server) -> None:
    seen = open_at_end(page, server, "daemon", "en")
    assert any("(daemon)" in line for line in seen["words"])
    assert any("daemon cut off when the program ended" in text for text in seen["legend"])
    assert any(line.endswith("daemon cut off when the program ended") for line in seen["words"])
    screenshot(page, "lanes-daemon-desktop-en")


def test_a_cancelled_timer_is_marked(page: Page, server: Server) -> None:
    seen = open_at_end(page, server, "timer", "es")
    assert any("Timer cancelado" in text for text in seen["legend"])
    assert any(line.endswith("Timer cancelado") for line in seen["words"])
    screenshot(page, "lanes-timer-desktop-es")


def test_a_run_saved_in_the_old_analysis_format_still_plays(page: Page, server: Server) -> None:
    trace = run_source(get_scenario("deadlock").source("es"), scenario="deadlock", lang="es")
    document = run_document(trace, "es", new_run_id())
    # As a run saved before the analysis had a format: rows of objects, a sentence per event.
    document["analysis"] = {"intervals": [], "narration": [{"index": 0, "text": "…"}]}
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    SQLiteStore(server.db).save(body, scenario="deadlock", lang="es", params="{}",
                             status=trace.outcome.status, run_id=document["id"])  # fmt: skip
    page.goto(f"{server.url}/runs/{document['id']}?lang=es")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=30_000)
    page.locator(".player").focus()
    page.keyboard.press("End")
    words = page.evaluate("() => document.querySelector('.player').player.lanes.describeAt(1e9)")
    assert any("bloqueado en un candado" in line for line in words)
    expect(page.locator(".player .narration li").last).to_contain_text("Hilos detiene")
