"""The run document's analysis (format 3): the columns the player draws from, and the facts it
once computed differently from the analysis (now there is one model)."""

from __future__ import annotations

import gzip
import json
from typing import Any

from app.analysis import analyse, current_analysis
from app.analysis.document import FORMAT, rows
from app.export import run_document, standalone_html
from app.tracing.trace import Outcome

from .test_analysis import build, links, recorded


def table(data: dict[str, Any], key: str, code: str, table_name: str) -> list[dict[str, Any]]:
    """Rows of `data[key]` with the code column `code` replaced by its name."""
    names = data["tables"][table_name]
    return [r | {code: names[r[code]]} for r in rows(data[key])]


def test_a_semaphores_holds_close_per_holding_thread() -> None:
    # T1 takes a slot first and gives it back last: its band is the long one.
    trace = build(
        [
            (1, 1, "acquire", 1, None),
            (2, 2, "acquire", 1, None),
            (3, 2, "release", 1, 1),
            (4, 1, "release", 1, 2),
        ],
        objects=(("Semaphore", "slots"),),
    )
    holds = rows(analyse(trace).to_json("en")["holds"])
    assert [(h["thread"], h["from"], h["from"] + h["length"]) for h in holds] == [
        (1, 0, 3),
        (2, 1, 2),
    ]


def test_a_queue_never_counts_below_empty() -> None:
    # A get the trace shows without its put (a custom queue, a cut trace): the size stays 0.
    trace = build(
        [(1, 2, "get", 1, "x"), (2, 1, "put", 1, "y"), (3, 2, "get", 1, "y")],
        objects=(("Queue", "q"),),
    )
    [queue] = analyse(trace).to_json("en")["queues"]
    assert [(r["at"], r["n"]) for r in rows(queue["sizes"])] == [(0, 0), (0, 0), (1, 1), (2, 0)]
    assert [(r["put"], r["wait"]) for r in rows(queue["items"])] == [(1, 1)]


def test_a_hand_off_is_drawn_only_where_somebody_waited() -> None:
    quiet = build(
        [
            (1, 1, "acquire", 1, None),
            (2, 1, "release", 1, None),  # nobody waits: no hand-off
            (3, 2, "acquire", 1, None),
            (4, 1, "acquire_request", 1, None),
            (5, 2, "release", 1, None),  # T1 waits: the release hands the lock over
            (6, 1, "acquire_granted", 1, None),
            (7, 1, "release", 1, None),
        ]
    )
    assert links(analyse(quiet).to_json("en")) == [("handoff", 4, 5, 1)]


def test_the_stop_is_a_mark_and_the_threads_stay_blocked() -> None:
    trace = build(
        [
            (0, 1, "thread_run", 0, None),
            (0, 2, "thread_run", 0, None),
            (1, 1, "acquire", 1, None),
            (2, 2, "acquire_request", 1, None),
            (3, 0, "stall", 0, []),
            (4, 2, "aborted", 1, None),
            (4, 2, "thread_abort", 0, "stalled"),
            (4, 1, "thread_abort", 0, "stalled"),
        ],
        outcome=Outcome("stalled", "Stalled."),
    )
    data = analyse(trace).to_json("en")
    marks = table(data, "marks", "kind", "mark")
    assert [(m["kind"], m["thread"], m["reason"]) for m in marks] == [
        ("stopped", 2, "stalled"),
        ("stopped", 1, "stalled"),
    ]
    last = {r["thread"]: data["tables"]["state"][r["state"]] for r in rows(data["intervals"])}
    assert last[2] == "blocked" and last[1] == "running"  # never "finished"


def test_recorded_marks_daemon_timer_barrier_and_unfinished_tasks() -> None:
    daemon = analyse(recorded("daemon")).to_json("en")
    assert [m["kind"] for m in table(daemon, "marks", "kind", "mark")] == ["daemon"]
    timer = analyse(recorded("timer")).to_json("en")
    [cancel] = table(timer, "marks", "kind", "mark")
    trace = recorded("timer")
    assert cancel["kind"] == "timer_cancel"
    assert trace.threads[cancel["thread"]].kind == "timer"
    barrier = analyse(recorded("barrier")).to_json("en")
    [b] = barrier["barriers"]
    arrived = [r["n"] for r in rows(b["arrived"])]
    assert max(arrived) == b["parties"] == 3 and arrived[-1] == 0
    forgotten = analyse(recorded("forgotten-task-done")).to_json("en")
    [q] = forgotten["queues"]
    assert rows(q["unfinished"])[-1]["n"] > 0  # what join() still waits for
    done = analyse(recorded("producer-consumer")).to_json("en")
    counted = [q for q in done["queues"] if q["unfinished"] is not None]
    assert counted and all(rows(q["unfinished"])[-1]["n"] == 0 for q in counted)


def test_the_document_stays_within_three_times_its_trace() -> None:
    for scenario in ("deadlock", "producer-consumer", "race-condition", "dining-philosophers"):
        trace = recorded(scenario)
        document = json.dumps(run_document(trace, "es"), separators=(",", ":")).encode()
        alone = gzip.compress(trace.dumps().encode(), mtime=0)
        assert len(gzip.compress(document, mtime=0)) <= 3 * len(alone), scenario
        analysis = json.loads(document)["analysis"]
        assert analysis["format"] == FORMAT
        assert all(set(lock) == {"object", "max_waiters"} for lock in analysis["locks"])


def test_an_old_document_is_analysed_again_from_its_trace() -> None:
    trace = recorded("deadlock")
    old = {"lang": "en", "trace": trace.to_json(), "analysis": {"intervals": [], "narration": []}}
    again = current_analysis(old)
    assert again["format"] == FORMAT and again == analyse(trace).to_json("en")
    fresh = run_document(trace, "en")
    assert current_analysis(fresh) is fresh["analysis"]


def test_an_old_document_downloaded_as_one_file_gets_the_current_analysis() -> None:
    trace = recorded("deadlock")
    old = run_document(trace, "en") | {"analysis": {"intervals": [], "narration": []}}
    page = standalone_html(old, "en")
    assert '"format":3' in page and '"intervals":[]' not in page
