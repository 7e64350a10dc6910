"""A run leaving Hilos: Chrome/Perfetto trace events, and one offline HTML file with the player.

Both work from a saved run document (`{trace, analysis, ...}`, as the site stores it) or from
a fresh recording; neither needs the server.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import PurePath
from typing import Any

from .analysis import analyse, current_analysis
from .paths import STATIC
from .scenarios import UnknownScenario, get_scenario
from .tracing import Trace
from .web.i18n import MESSAGES
from .web.templating import paragraphs

__all__ = ["perfetto", "run_document", "standalone_html"]

# The player's modules in dependency order; bundled into one classic script for a file that
# must work from disk (browsers refuse ES module imports from file:// pages).
_MODULES = (
    "js/model.js", "js/describe.js", "js/shared.js", "js/palette.js", "js/ending.js", "js/lanes.js",
    "js/player.js",
)  # fmt: skip
_PID = 1


def run_document(trace: Trace, lang: str, run_id: str | None = None) -> dict[str, Any]:
    """The document the site stores for a run: trace, analysis and the facts beside them."""
    return {
        "id": run_id,
        "url": f"/runs/{run_id}" if run_id else None,
        "scenario": trace.scenario,
        "lang": lang,
        "params": trace.params,
        "outcome": trace.outcome.to_json(),
        "trace": trace.to_json(),
        "analysis": analyse(trace).to_json(lang),
    }


# -- Perfetto / Chrome Trace Event JSON ----------------------------------------------------------


def perfetto(document: dict[str, Any], title: str | None = None) -> dict[str, Any]:
    """Chrome Trace Event JSON (opens in ui.perfetto.dev and chrome://tracing).

    One track per thread (tid = Hilos thread id + 1, so threads with the same name stay
    apart), `X` slices for its states, `s`/`f` flow arrows for hand-offs anchored inside those
    slices, `C` counters for queue sizes and numeric shared variables, instant events for
    prints, reads and writes and for the deadlock or stall, and a flow from each lost update's
    stale read to the write that used it. `title` names a custom scenario's run.
    """
    trace = Trace.from_json(document["trace"])
    found = analyse(trace)
    analysis = current_analysis(document, found)
    labels = {o.id: o.label for o in trace.objects}
    times = [ev.t for ev in trace.events]
    end = times[-1] if times else 0
    us = _micros
    title = f"Hilos: {title or trace.scenario or trace.filename}"
    events: list[dict[str, Any]] = [_meta("process_name", 0, {"name": title})]
    for order, th in enumerate(trace.threads):
        events.append(_meta("thread_name", th.id + 1, {"name": f"{th.name} (#{th.id})"}))
        events.append(_meta("thread_sort_index", th.id + 1, {"sort_index": order}))
    for iv in found.intervals:
        if iv.state == "finished":
            continue
        start, stop = iv.t_start, iv.t_end if iv.t_end is not None else end
        name = iv.state if not iv.obj else f"{iv.state}: {labels.get(iv.obj)}"
        detail = {"kind": iv.kind, "holder": iv.holder, "joined": iv.joined}
        args = {k: v for k, v in detail.items() if v is not None}
        events.append(
            {"name": name, "cat": iv.state, "ph": "X", "pid": _PID, "tid": iv.thread + 1,
             "ts": us(start), "dur": max(us(stop) - us(start), 0.001), "args": args}
        )  # fmt: skip
    for n, link in enumerate(found.links):
        source, target = trace.events[link.start], trace.events[link.end]
        common = {"name": link.kind, "cat": "handoff", "id": n + 1, "pid": _PID}
        events.append(common | {"ph": "s", "tid": source.thread + 1, "ts": us(source.t)})
        events.append(common | {"ph": "f", "bp": "e", "tid": target.thread + 1, "ts": us(target.t)})
    for queue, sizes in sorted(found.timeline.queue_sizes.items()):
        for index, size in sizes:
            events.append(
                {"name": labels.get(queue, "queue"), "ph": "C", "pid": _PID, "tid": 0,
                 "ts": us(times[index] if index < len(times) else 0), "args": {"size": size}}
            )  # fmt: skip
    events.extend(_shared(trace, analysis, len(found.links)))
    for ev in trace.events:
        if ev.kind == "print":
            events.append(
                {"name": f"print: {ev.arg}", "ph": "i", "s": "t", "pid": _PID,
                 "tid": ev.thread + 1, "ts": us(ev.t)}
            )  # fmt: skip
        elif ev.kind in ("deadlock", "stall"):
            events.append(
                {"name": trace.outcome.message, "cat": ev.kind, "ph": "i", "s": "g",
                 "pid": _PID, "tid": ev.thread + 1, "ts": us(ev.t),
                 "args": {"cycle" if ev.kind == "deadlock" else "waiting": ev.arg}}
            )  # fmt: skip
    return {"traceEvents": events, "displayTimeUnit": "ms", "otherData": {"hilos": title}}


def _shared(trace: Trace, analysis: dict[str, Any], flows: int) -> list[dict[str, Any]]:
    """Shared variables: a counter track per numeric variable, its reads and writes as instants
    on the thread's track, and each lost update as a flow from the stale read to its write."""
    variables = {o.id: o.label for o in trace.objects if o.kind == "Variable"}
    if not variables:
        return []
    times = [ev.t for ev in trace.events]
    at = {i: _micros(t) for i, t in enumerate(times)}
    values = {v["id"]: v["values"] for v in analysis.get("variables") or [] if v["id"] in variables}
    out: list[dict[str, Any]] = []
    for var, label in variables.items():
        # Old documents (or an analysis without `variables`): the values the trace shows.
        for index, value in values.get(var) or _values_from_trace(trace, var):
            if _is_number(value) and index in at:
                out.append(
                    {"name": label, "cat": "variable", "ph": "C", "pid": _PID, "tid": 0,
                     "ts": at[index], "args": {"value": value}}
                )  # fmt: skip
    for index, ev in enumerate(trace.events):
        if ev.kind in ("read", "write") and ev.obj in variables:
            out.append(
                {"name": f"{ev.kind} {variables[ev.obj]} = {_shown(ev.arg)}", "cat": ev.kind,
                 "ph": "i", "s": "t", "pid": _PID, "tid": ev.thread + 1, "ts": at[index],
                 "args": {"variable": variables[ev.obj], "value": ev.arg, "line": ev.line}}
            )  # fmt: skip
    for n, lost in enumerate(analysis.get("lost_updates") or []):
        read, write = lost.get("read"), lost.get("write")
        if read not in at or write not in at:
            continue
        args = {
            "variable": variables.get(lost.get("variable"), "?"),
            "overwritten": lost.get("overwritten"),
            "text": lost.get("text", ""),
        }
        common = {"name": "lost update", "cat": "lost_update", "id": flows + n + 1, "pid": _PID,
                  "args": args}  # fmt: skip
        out.append(common | {"ph": "s", "tid": trace.events[read].thread + 1, "ts": at[read]})
        out.append(
            common | {"ph": "f", "bp": "e", "tid": trace.events[write].thread + 1, "ts": at[write]}
        )
    return out


def _values_from_trace(trace: Trace, var: int) -> list[tuple[int, Any]]:
    """The value after each write, the first one a read saw before any write if any."""
    values: list[tuple[int, Any]] = []
    for index, ev in enumerate(trace.events):
        if ev.obj == var and (ev.kind == "write" or (ev.kind == "read" and not values)):
            values.append((index, ev.arg))
    return values


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _micros(ns: int) -> float:
    return round(ns / 1000, 3)


def _meta(name: str, tid: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "ph": "M", "pid": _PID, "tid": tid, "ts": 0, "args": args}


# -- one offline HTML file -------------------------------------------------------------------------

_IMPORT = re.compile(r"^import .*? from \"\./[a-z]+\.js\";\n", re.MULTILINE)


def player_script() -> str:
    """The player's modules as one classic script (no imports, nothing exported)."""
    parts = []
    for module in _MODULES:
        code = (STATIC / module).read_text(encoding="utf-8")
        code = _IMPORT.sub("", code)
        code = re.sub(r"^export ", "", code, flags=re.MULTILINE)
        parts.append(f"// {module}\n{code}")
    return "(() => {\n" + "\n".join(parts) + _BOOT + "})();\n"


_BOOT = """
// Standalone file: the run and the words are in the page itself.
const root = document.querySelector(".player");
const doc = JSON.parse(document.getElementById("hilos-run").textContent);
const words = JSON.parse(document.getElementById("hilos-strings").textContent);
root.player = new Player(root, doc, words);
root.dataset.mounted = "ready";
"""


def _json_for_script(value: Any) -> str:
    # Inside <script type="application/json">, "</script" or "<!--" would change how the
    # element is parsed; JSON may spell "<" as \u003c, so no "<" is left at all.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def standalone_html(
    document: dict[str, Any],
    lang: str | None = None,
    title: str | None = None,
    notes: str | None = None,
) -> str:
    """One HTML file, player and run included, that works offline from disk; `title` and
    `notes` (paragraphs split by blank lines) name a custom scenario's run."""
    lang = lang if lang in MESSAGES else (document.get("lang") or "es")
    if lang not in MESSAGES:
        lang = "es"
    words = MESSAGES[lang]
    strings = {k: v for k, v in words.items() if k.startswith(("player.", "state.", "outcome."))}
    # A document saved in an older analysis format: the file has no server to ask, so the
    # analysis is made again here from the trace.
    document = document | {"analysis": current_analysis(document)}
    trace = document["trace"]
    run_id = document.get("id") or ""
    # A scenario's run is titled and introduced as on the site, in the page's language.
    intro = ""
    try:
        texts = get_scenario(trace.get("scenario") or "").texts[lang]
    except (UnknownScenario, KeyError):
        # A program recorded on one's own machine (`hilos trace`) is named by its script.
        filename = trace.get("filename") or ""
        script = PurePath(filename).name if not run_id and not filename.startswith("<") else ""
        name = title or script or f"{words['run.title']} {run_id}".strip()
        title = f"Hilos — {name}"
        intro = "".join(f"<p>{html.escape(part)}</p>\n" for part in paragraphs(notes or ""))
    else:
        title = f"Hilos — {texts.title}"
        notice = "".join(f"<li>{html.escape(item)}</li>" for item in texts.notice)
        intro = (
            f"<p>{html.escape(texts.description)}</p>\n"
            f'<section class="notice"><h2>{html.escape(words["scenario.notice"])}</h2>'
            f"<ul>{notice}</ul></section>\n"
        )
    css = (STATIC / "css" / "site.css").read_text(encoding="utf-8")
    outcome = words.get(f"outcome.{document['outcome']['status']}", document["outcome"]["status"])
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
{css}
</style>
</head>
<body>
<main id="content">
<h1>{html.escape(title)} <span class="badge outcome-{html.escape(document["outcome"]["status"])}">{html.escape(outcome)}</span></h1>
{intro}<div class="player"></div>
</main>
<script type="application/json" id="hilos-run">{_json_for_script(document)}</script>
<script type="application/json" id="hilos-strings">{_json_for_script(strings)}</script>
<script>
{player_script()}</script>
</body>
</html>
"""  # noqa: E501
