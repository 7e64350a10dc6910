"""Two runs side by side: what differs between them (the outcome, the final values of the
shared variables, the lost updates, who waited and how long) and both players, moved together
by step or by time (static/js/compare.js).

`/compare?a=RUN` offers what to compare a run with: the scenario it teaches against (the fix,
or the bug), the same scenario with a switch turned the other way, another run with the same
values (another interleaving), or any saved run. `POST /compare/new` records or reuses that
run and sends the reader to `/compare?a=RUN&b=RUN`.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..analysis import analyse
from ..analysis.narration import format_number
from ..runner import ScenarioError
from ..scenarios import LANGS, Scenario, UnknownScenario, get_scenario
from ..store import StoredRun
from ..tracing import Trace
from .i18n import MESSAGES, say
from .pages import Lang, scenario_of, values_in_order
from .runs import RunService, Saturated
from .templating import Pages

__all__ = ["RunFacts", "aligned", "compare_router", "differences", "run_facts"]

_RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FACTS_KEPT = 32  # runs never change: their facts are kept, the most recent first


@dataclass(frozen=True)
class RunFacts:
    """What the comparison shows of one run, in no language yet."""

    status: str
    events: int
    duration_ns: int
    finals: dict[str, Any]  # shared variable -> its last value, in the order they were made
    lost: int  # lost updates
    waited: dict[str, tuple[int, int]]  # thread name -> (ns blocked, ns waiting), by creation
    cycle: tuple[str, ...]  # the deadlock's threads, in the cycle's order


def run_facts(document: Mapping[str, Any]) -> RunFacts:
    """The facts of a run document (`{trace, ...}`), from its trace analysed again: the one
    analysis, whatever shape the document's copy of it has."""
    trace = Trace.from_json(document["trace"])
    found = analyse(trace)
    finals: dict[str, Any] = {}
    for variable in found.shared.variables:
        values = variable.values
        if values:
            finals[variable.label] = values[-1][1]
    waited = {
        th.name: (found.time_in(th.id, "blocked"), found.time_in(th.id, "waiting"))
        for th in trace.threads
    }
    names = {th.id: th.name for th in trace.threads}
    cycle = tuple(names.get(step.get("thread", -1), "?") for step in trace.outcome.cycle or [])
    return RunFacts(
        status=trace.outcome.status,
        events=len(trace.events),
        duration_ns=trace.duration_ns,
        finals=finals,
        lost=len(found.shared.lost_updates),
        waited=waited,
        cycle=cycle,
    )


@dataclass(frozen=True)
class Row:
    label: str
    a: str
    b: str

    @property
    def differs(self) -> bool:
        return self.a != self.b


def _ms(ns: int, lang: str) -> str:
    return format_number(round(ns / 1e6, 1), lang) + " ms"


def _value(value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return MESSAGES[lang]["value.yes" if value else "value.no"]
    if isinstance(value, int | float):
        return format_number(value, lang)
    return str(value)


def aligned(a: RunFacts, b: RunFacts) -> tuple[RunFacts, dict[str, str]]:
    """B's facts under A's names, for the same program recorded in the other language
    (Thread-1 is Hilo-1 there, counter is contador): the threads and shared variables whose
    names B does not share are paired with A's by the order they were made. Also what each
    renamed one is called in B (A's name -> B's)."""

    def pairs(ours: list[str], theirs: list[str]) -> dict[str, str]:  # B's name -> A's
        alone_a = [name for name in ours if name not in theirs]
        alone_b = [name for name in theirs if name not in ours]
        return dict(zip(alone_b, alone_a, strict=False))

    threads = pairs(list(a.waited), list(b.waited))
    variables = pairs(list(a.finals), list(b.finals))
    renamed = replace(
        b,
        finals={variables.get(name, name): value for name, value in b.finals.items()},
        waited={threads.get(name, name): times for name, times in b.waited.items()},
        cycle=tuple(threads.get(name, name) for name in b.cycle),
    )
    return renamed, {ours: theirs for theirs, ours in (threads | variables).items()}


def differences(
    a: RunFacts, b: RunFacts, lang: str, called: Mapping[str, str] | None = None
) -> list[Row]:
    """The comparison's table: every figure of both runs, in the reader's words; a row
    `differs` where the runs do. `called`: what B calls a thread or variable that A names
    otherwise (see `aligned`), said beside A's name."""
    t = MESSAGES[lang]
    called = called or {}

    def named(name: str) -> str:
        return f"{name} / {called[name]}" if name in called else name

    rows = [
        Row(t["compare.row.outcome"], t[f"outcome.{a.status}"], t[f"outcome.{b.status}"]),
        Row(t["compare.row.events"], format_number(a.events, lang), format_number(b.events, lang)),
        Row(t["compare.row.duration"], _ms(a.duration_ns, lang), _ms(b.duration_ns, lang)),
    ]
    for name in dict.fromkeys([*a.finals, *b.finals]):
        label = say(lang, "compare.row.final", variable=named(name))
        rows.append(Row(label, _value(a.finals.get(name), lang), _value(b.finals.get(name), lang)))
    if a.finals or b.finals or a.lost or b.lost:
        rows.append(Row(t["compare.row.lost"], str(a.lost), str(b.lost)))
    if a.cycle or b.cycle:
        rows.append(
            Row(t["compare.row.cycle"], " → ".join(a.cycle) or "—", " → ".join(b.cycle) or "—")
        )

    def waited(facts: RunFacts, name: str) -> str:
        if name not in facts.waited:
            return "—"
        blocked, waiting = facts.waited[name]
        return say(lang, "compare.waited", blocked=_ms(blocked, lang), waiting=_ms(waiting, lang))

    for name in dict.fromkeys([*a.waited, *b.waited]):
        label = say(lang, "compare.row.waited", thread=named(name))
        rows.append(Row(label, waited(a, name), waited(b, name)))
    return rows


@dataclass(frozen=True)
class Side:
    """One of the two runs as the page shows it."""

    run: StoredRun
    scenario: Scenario | None
    title: str
    values: str  # its values, as the run panel writes them


def _values_text(
    scenario: Scenario | None, params: Mapping[str, Any], lang: str, source: str = ""
) -> str:
    """The run's values as its page lists them (the form's order, or the program's), with the
    labels the student sees."""
    shown = []
    for name in values_in_order(params, scenario, source):
        spec = scenario.params.get(name) if scenario else None
        label = spec.label[lang] if spec else name
        shown.append(f"{label}: {_value(params[name], lang)}")
    return " · ".join(shown)


def _side(run: StoredRun, lang: str) -> Side:
    scenario = scenario_of(run)
    title = scenario.texts[lang].title if scenario else f"{MESSAGES[lang]['run.title']} {run.id}"
    # A program's values follow its source (a stored run keeps them by name).
    source = "" if scenario else json.loads(run.document())["trace"]["source"]
    values = _values_text(scenario, json.loads(run.params), lang, source)
    return Side(run, scenario, title, values)


def _run_id(text: str) -> str | None:
    """A run's id from what a reader pastes: the id, or a link to the run (or its embed)."""
    text = text.strip()
    if _RUN_ID.fullmatch(text):
        return text
    path = urlsplit(text).path.rstrip("/")
    match = re.search(r"/runs/([A-Za-z0-9_-]{1,64})$", path)
    return match.group(1) if match else None


def suggestions(side: Side, lang: str) -> list[dict[str, Any]]:
    """What a run is worth comparing with, each as the fields of a `POST /compare/new`."""
    t = MESSAGES[lang]
    scenario = side.scenario
    if scenario is None:
        return []
    params = json.loads(side.run.params)
    found: list[dict[str, Any]] = []
    for other_id in scenario.compare:
        other = get_scenario(other_id)
        text = say(lang, "compare.pick.scenario", title=other.texts[lang].title)
        found.append({"text": text, "fields": {"scenario": other.id}})
    for name, spec in scenario.params.items():
        if spec.type != "bool":
            continue
        flipped = not params.get(name, spec.default)
        text = say(lang, "compare.pick.flip", label=spec.label[lang], value=_value(flipped, lang))
        found.append({"text": text, "fields": {"set": f"{name}={str(flipped).lower()}"}})
    found.append({"text": t["compare.pick.again"], "fields": {"fresh": "1"}})
    return found


def compare_router(*, service: RunService, pages: Pages, retry_after: int) -> APIRouter:
    router = APIRouter(include_in_schema=False)  # pages
    kept: OrderedDict[str, RunFacts] = OrderedDict()
    kept_lock = threading.Lock()

    def facts(run: StoredRun) -> RunFacts:
        with kept_lock:
            if run.id in kept:
                kept.move_to_end(run.id)
                return kept[run.id]
        found = run_facts(json.loads(run.document()))
        with kept_lock:
            kept[run.id] = found
            while len(kept) > _FACTS_KEPT:
                kept.popitem(last=False)
        return found

    def stored(text: str | None) -> StoredRun | None:
        ident = _run_id(text or "")
        return service.store.get(ident) if ident else None

    @router.get("/compare", response_class=HTMLResponse, tags=["pages"])
    def compare_page(
        request: Request,
        lang: Lang,
        a: Annotated[str | None, Query(max_length=2000, description="a saved run")] = None,
        b: Annotated[str | None, Query(max_length=2000, description="the run to compare")] = None,
    ) -> Response:
        """Two saved runs side by side (`?a=RUN&b=RUN`); with only `a`, what to compare it
        with."""
        if not a:
            return pages.error(request, lang, 422, say(lang, "error.compare.a"))
        first = stored(a)
        if first is None:
            return pages.error(request, lang, 404, say(lang, "error.no_run", id=a[:80]))
        side_a = _side(first, lang)
        common: dict[str, Any] = {"a": side_a, "lang_path": "/compare"}

        def picking(status: int = 200, wrong: str | None = None) -> Response:
            """What to compare A with; `wrong`, a B that names no saved run, is said beside
            the field that holds it, still filled in."""
            problem = say(lang, "error.compare.b", got=wrong[:80]) if wrong else None
            return pages.render(
                request,
                "compare.html",
                lang,
                status,
                b=None,
                picks=suggestions(side_a, lang),
                given=wrong or "",
                problem=problem,
                lang_extra="&" + urlencode({"a": first.id}),
                **common,
            )

        if not b:
            return picking()
        second = stored(b)
        if second is None:
            return picking(404, b)
        b_facts = facts(second)
        called: dict[str, str] = {}
        if first.scenario and first.scenario == second.scenario and first.lang != second.lang:
            b_facts, called = aligned(facts(first), b_facts)
        rows = differences(facts(first), b_facts, lang, called)
        return pages.render(
            request,
            "compare.html",
            lang,
            b=_side(second, lang),
            rows=rows,
            differ=[row for row in rows if row.differs],
            lang_extra="&" + urlencode({"a": first.id, "b": second.id}),
            **common,
        )

    @router.post("/compare/new", tags=["pages"])
    async def compare_new(request: Request, lang: Lang) -> Response:
        """Record (or reuse) the run to compare with and go to the comparison: a scenario's
        default run (`scenario`), run A's values with one changed (`set=NAME=value`), or
        another run with A's values (`fresh=1`)."""
        form = await request.form()
        first = stored(str(form.get("a") or ""))
        if first is None:
            return pages.error(request, lang, 404, say(lang, "error.compare.a"))
        side = _side(first, lang)
        target = side.scenario
        wanted = str(form.get("scenario") or "")
        if wanted:
            try:
                target = get_scenario(wanted)
            except UnknownScenario:
                message = say(lang, "error.no_scenario", id=wanted[:80])
                return pages.error(request, lang, 404, message)
        if target is None:
            return pages.error(request, lang, 422, say(lang, "error.compare.scenario"))
        defaults = {name: p.default for name, p in target.params.items()}
        params = dict(defaults)
        if target is side.scenario:
            params |= json.loads(first.params)
        change = str(form.get("set") or "")
        if change:
            name, _, value = change.partition("=")
            spec = target.params.get(name)
            if spec is None:
                message = say(lang, "error.compare.set", got=change[:80])
                return pages.error(request, lang, 422, message)
            try:
                params[name] = spec.coerce(value)
            except ValueError:
                message = say(lang, "error.compare.set", got=change[:80])
                return pages.error(request, lang, 422, message)
        fresh = form.get("fresh") == "1"
        # B speaks A's language, whatever the reader's: the same program has the same names
        # (Thread-1, counter) in both runs, so the comparison pairs them.
        spoken = first.lang if first.lang is not None and first.lang in LANGS else lang
        try:
            if params == defaults and not fresh:
                second = await service.default_run(target, spoken)
            else:
                second = await service.record(target, spoken, params)
        except Saturated:
            answer = pages.error(request, lang, 429, MESSAGES[lang]["error.busy"])
            answer.headers["Retry-After"] = str(retry_after)
            return answer
        except ScenarioError as exc:
            return pages.error(request, lang, 422, str(exc))
        query = urlencode({"a": first.id, "b": second.id, "lang": lang})
        return RedirectResponse(f"/compare?{query}", status_code=303)

    return router
