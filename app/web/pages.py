"""HTML pages: the gallery, a scenario with its player, a saved run."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import QueryParams

from ..analysis.narration import format_number
from ..runner import ScenarioError, find_parameters
from ..scenarios import (
    Param,
    Scenario,
    UnknownScenario,
    get_scenario,
    load_scenarios,
)
from ..store import StoredRun, StoreUnavailable
from ..syntax import parse
from .api import ExplorationRequest
from .i18n import MESSAGES, negotiate, say
from .pagecache import MARK as PAGE_MARK
from .problems import param_problem
from .runs import RunService, Saturated
from .templating import Pages, oembed_url

__all__ = [
    "BadQuery",
    "Moded",
    "Choosing",
    "Exploring",
    "explore_panel",
    "explore_values",
    "mode_links",
    "page_router",
    "address_values",
    "read_mode",
    "read_predict",
    "scenario_of",
    "values_in_order",
]


def page_lang(
    lang: Annotated[str | None, Query(max_length=16, description="es or en")] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> str:
    """The page's language: `?lang=`, then Accept-Language, then Spanish (never a cookie)."""
    return negotiate(lang, accept_language)


Lang = Annotated[str, Depends(page_lang)]
ProgramView = Callable[[Request, StoredRun, str], Response | None]


class Moded(Protocol):
    """What the modes (watch, choose, explore) read of what they show: a scenario, or a
    program someone wrote (whose values are part of it)."""

    @property
    def id(self) -> str: ...

    @property
    def params(self) -> Mapping[str, Param]: ...


def page_router(
    *,
    service: RunService,
    pages: Pages,
    retry_after: int,
    program_view: ProgramView | None = None,
) -> APIRouter:
    router = APIRouter(include_in_schema=False)  # pages: the API's JSON twins are documented

    def error_slot(request: Request, lang: str, status: int, message: str) -> Response:
        """Why "Run again" made no run, for the form's slot (#run-error): the run on screen
        stays where it is."""
        answer = pages.render(request, "_run_error.html", lang, status, error=message)
        answer.headers.update({"HX-Retarget": "#run-error", "HX-Reswap": "innerHTML"})
        return answer

    def scenario_or_404(request: Request, scenario_id: str, lang: str) -> Scenario | Response:
        try:
            return get_scenario(scenario_id)
        except UnknownScenario:
            return pages.error(request, lang, 404, say(lang, "error.no_scenario", id=scenario_id))

    @router.get("/", response_class=HTMLResponse)
    def gallery(request: Request, lang: Lang) -> Response:
        groups: dict[str, list[Scenario]] = defaultdict(list)
        for scenario in load_scenarios().values():
            groups[_group_of(scenario, lang)].append(scenario)
        page = pages.render(request, "gallery.html", lang, groups=list(groups.items()))
        page.headers[PAGE_MARK] = "1"  # the same until the code changes: kept (pagecache.py)
        return page

    @router.get("/scenarios/{scenario_id}", response_class=HTMLResponse)
    async def scenario_page(
        request: Request,
        scenario_id: str,
        lang: Lang,
    ) -> Response:
        found = scenario_or_404(request, scenario_id, lang)
        if not isinstance(found, Scenario):
            return found
        try:
            choosing = read_mode(request.query_params, found, lang)
        except BadQuery as exc:
            return pages.error(request, lang, 422, str(exc))
        defaults = {name: p.default for name, p in found.params.items()}
        common: dict[str, Any] = {
            "scenario": found,
            "texts": found.texts[lang],
            "run_params": None,
            "oembed_url": oembed_url(pages.base(request), f"/scenarios/{found.id}?lang={lang}"),
        }
        if isinstance(choosing, Exploring):
            # As with choosing: the page holds the values, explore.js asks for the search.
            values = explore_values(found) | choosing.params
            modes = mode_links(found, lang, values)
            modes["explore"] = choosing.link(modes["explore"], found)
            return pages.render(
                request,
                "scenario.html",
                lang,
                values=values,
                run=None,
                error=None,
                mode="explore",
                explorer=explore_panel(
                    found,
                    lang,
                    choosing,
                    action=f"/scenarios/{found.id}",
                    hidden={"lang": lang, "mode": "explore"},
                    choose_url=modes["choose"],
                ),
                modes=modes,
                lang_extra="&" + urlencode(choosing.query(found)),
                **common,
            )
        if choosing is not None:
            # The page only says where to start; the chooser (static/js/choose.js) runs the
            # schedule through POST /api/schedules, so opening it costs no run here.
            values = defaults | choosing.params
            return pages.render(
                request,
                "scenario.html",
                lang,
                values=values,
                run=None,
                error=None,
                mode="choose",
                chooser=choosing,
                modes=mode_links(found, lang, values),
                lang_extra=choosing.lang_query(found),
                **common,
            )
        try:
            predict = read_predict(request.query_params, found, lang)
        except BadQuery as exc:
            return pages.error(request, lang, 422, str(exc))
        try:
            run = await service.default_run(found, lang)
        except Saturated:
            run = None
        # The scenario's run, with the values the address gives ready for "Run again".
        values = defaults | address_values(request.query_params, found, lang)
        page = pages.render(
            request,
            "scenario.html",
            lang,
            values=values,
            run=run,
            error=None if run else MESSAGES[lang]["error.busy"],
            modes=mode_links(found, lang, values),
            predict=predict,
            lang_extra="&predict=1" if predict else "",
            **common,
        )
        if run is not None:  # its default run, the same until the scenario's files change
            page.headers[PAGE_MARK] = "1"
        return page

    @router.post("/scenarios/{scenario_id}/runs", response_class=HTMLResponse)
    async def run_scenario(
        request: Request,
        scenario_id: str,
        lang: Lang,
        hx_request: Annotated[str | None, Header()] = None,
    ) -> Response:
        try:
            found = get_scenario(scenario_id)
        except UnknownScenario:
            gone = say(lang, "error.no_scenario", id=scenario_id)
            if hx_request:  # into the form's slot, not over the run on screen
                return error_slot(request, lang, 404, gone)
            return pages.error(request, lang, 404, gone)
        form = await request.form()
        params: dict[str, Any] = {}
        for name in found.params:
            sent = form.getlist(name)
            if sent:
                params[name] = sent[-1]  # a checked box follows its hidden "false"
        try:
            predict = read_predict(request.query_params, found, lang)
        except BadQuery as exc:
            if hx_request:
                return error_slot(request, lang, 422, str(exc))
            return pages.error(request, lang, 422, str(exc))
        asked = "&predict=1" if predict else ""
        context: dict[str, Any] = {
            "scenario": found,
            "texts": found.texts[lang],
            "predict": predict,
        }
        given = {name: p.default for name, p in found.params.items()}
        headers: dict[str, str] = {}
        try:
            problem = param_problem(found.params, params, lang)
            if problem:
                raise ScenarioError(problem)
            run = await service.record(found, lang, params)
        except ScenarioError as exc:
            status, context["error"], context["run"] = 422, str(exc), None
        except Saturated:
            status, context["error"], context["run"] = 429, MESSAGES[lang]["error.busy"], None
            headers["Retry-After"] = str(retry_after)
        except StoreUnavailable:  # recorded, but not kept: no permalink to give
            status, context["error"], context["run"] = 503, MESSAGES[lang]["error.store"], None
            headers["Retry-After"] = str(retry_after)
        else:
            if not hx_request:
                return RedirectResponse(f"/runs/{run.id}?lang={lang}{asked}", status_code=303)
            status, context["run"], context["error"] = 201, run, None
            context["run_params"] = values_in_order(json.loads(run.params), found)
            context["modes"] = mode_links(found, lang, given | context["run_params"])
            headers["HX-Push-Url"] = f"/runs/{run.id}?lang={lang}{asked}"
            # The language links follow the new address (an out-of-band swap beside the panel).
            context["lang_path"] = f"/runs/{run.id}"
            context["lang_extra"] = asked
        if hx_request and context["run"] is None:
            response = error_slot(request, lang, status, context["error"])
        elif hx_request:
            response = pages.render(request, "_run_again.html", lang, status, **context)
        else:
            values = {name: params.get(name, p.default) for name, p in found.params.items()}
            response = pages.render(
                request,
                "scenario.html",
                lang,
                status,
                values=values,
                run_params=None,
                modes=mode_links(found, lang, given),
                lang_path=f"/scenarios/{found.id}",  # not the POST address, which only posts
                **context,
            )
        response.headers.update(headers)
        return response

    @router.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(
        request: Request,
        run_id: str,
        lang: Lang,
    ) -> Response:
        run = service.store.get(run_id)
        if run is None:
            return pages.error(request, lang, 404, say(lang, "error.no_run", id=run_id))
        scenario = scenario_of(run)
        run_params = json.loads(run.params)
        if scenario is not None:
            run_params = values_in_order(run_params, scenario)
        try:
            predict = read_predict(request.query_params, scenario, lang)
        except BadQuery as exc:
            return pages.error(request, lang, 422, str(exc))
        common = {
            "predict": predict,
            "lang_extra": "&predict=1" if predict else "",
            "run": run,
            "run_params": run_params,
            "scenario": scenario,
            "texts": scenario.texts[lang] if scenario else None,
            "error": None,
            "oembed_url": oembed_url(pages.base(request), f"/runs/{run.id}?lang={lang}"),
        }
        if scenario is None and program_view is not None:
            # A run of a program someone wrote: that program's page, with this run on it.
            answer = program_view(request, run, lang)
            if answer is not None:
                return answer
        if scenario is None:
            source = json.loads(run.document())["trace"]["source"]
            common["run_params"] = values_in_order(run_params, None, source)
            return pages.render(request, "run.html", lang, **common)
        # A scenario's run is its page with this run on it: the same page "Run again" showed,
        # so a reload or the other language keeps the description, the form and its values.
        values = {name: run_params.get(name, p.default) for name, p in scenario.params.items()}
        modes = mode_links(scenario, lang, values, play=f"/runs/{run.id}?lang={lang}")
        return pages.render(request, "scenario.html", lang, values=values, modes=modes, **common)

    return router


def scenario_of(run: StoredRun) -> Scenario | None:
    """The scenario a saved run played (None for a program of its own, or one since removed)."""
    if not run.scenario:
        return None
    try:
        return get_scenario(run.scenario)
    except UnknownScenario:
        return None


def values_in_order(
    params: Mapping[str, Any], scenario: Scenario | None, source: str = ""
) -> dict[str, Any]:
    """A run's values in the order its page lists them: the scenario's form's, or for a program
    the order its source writes the constants in (a stored run keeps them by name); any value
    the scenario or the source no longer has comes last."""
    if scenario is not None:
        order = list(scenario.params)
    else:
        try:
            order = list(find_parameters(parse(source)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # as ast.parse fails
            order = []
    known = [name for name in order if name in params]
    return {name: params[name] for name in known + [n for n in params if n not in known]}


# The gallery's sections: a scenario goes where its first concept belongs.
_CONCEPT_GROUPS = [
    (
        {"es": "Crear y esperar hilos", "en": "Creating and waiting for threads"},
        {"threads", "start", "current-thread", "subclass", "join", "is-alive", "daemon", "timer"},
    ),
    (
        {"es": "Candados", "en": "Locks"},
        {"race", "locks", "with", "deadlock", "lock-ordering", "class-lock", "rlock"},
    ),
    (
        {"es": "Señales y colas", "en": "Signals and queues"},
        {"event", "queue", "task-done", "semaphore", "condition", "barrier"},
    ),
]


def _group_of(scenario: Scenario, lang: str) -> str:
    for titles, concepts in _CONCEPT_GROUPS:
        if scenario.concepts[0] in concepts:
            return titles[lang]
    return _CONCEPT_GROUPS[-1][0][lang]


# -- "You choose": the mode, the choices and the values a page starts from ------------------

MODES = ("play", "choose", "explore")
MAX_CHOICES = 2000  # as many as POST /api/schedules takes
# A thread's name, optionally `*N` (that name N times in a row): long runs of one thread, as
# the default policy makes, stay short in an address.
_CHOICE = re.compile(r"([^,*\x00-\x1f]{1,64}?)(?:\*([1-9][0-9]{0,3}))?")


# The preemption bound a student may pick, as POST /api/explorations takes it.
_BOUND = ExplorationRequest.model_json_schema()["properties"]["preemptions"]
PREEMPTIONS: tuple[int, ...] = tuple(range(_BOUND["minimum"], _BOUND["maximum"] + 1))
DEFAULT_PREEMPTIONS: int = _BOUND["default"]


class BadQuery(ValueError):
    """A query string the page cannot start from; the message is in the reader's language."""


@dataclass(frozen=True)
class Choosing:
    """Where a page in "You choose" mode starts: the scenario's values (those given in the
    address) and the choices so far, then possibly "let it run" (`then=run`)."""

    params: dict[str, Any] = field(default_factory=dict)
    choices: list[str] = field(default_factory=list)
    then_run: bool = False

    def lang_query(self, scenario: Moded) -> str:
        """What the other language's link adds to `?lang=`: the mode and the values. The
        choices are thread names in this language; choose.js translates them on the way."""
        return "&" + urlencode({"mode": "choose"} | _query_values(scenario, self.params))


@dataclass(frozen=True)
class Exploring:
    """Where a page in "Explore all interleavings" mode starts: the scenario's values given in
    the address and the preemption bound."""

    params: dict[str, Any] = field(default_factory=dict)
    preemptions: int = DEFAULT_PREEMPTIONS

    def query(self, scenario: Moded) -> dict[str, str]:
        """The mode, the values and the bound as the address writes them (defaults left out)."""
        shown = {"mode": "explore"} | _query_values(scenario, self.params, explore_values(scenario))
        if self.preemptions != DEFAULT_PREEMPTIONS:
            shown["preemptions"] = str(self.preemptions)
        return shown

    def link(self, href: str, scenario: Moded) -> str:
        """`href` (this mode's link) with the values and the bound as this page's address
        writes them: the values for exploring left out, not the defaults of a run."""
        url = urlsplit(href)
        ours = {"mode", "preemptions", *scenario.params}
        kept = [(k, v) for k, v in parse_qsl(url.query) if k not in ours]
        return f"{url.path}?{urlencode([*kept, *self.query(scenario).items()])}"


def parse_choices(text: str) -> list[str] | None:
    """`Thread-1,Thread-2*3` as a list of names (None when it is not that shape)."""
    if not text.strip():
        return []
    names: list[str] = []
    for item in text.split(","):
        match = _CHOICE.fullmatch(item.strip())
        if match is None or not match.group(1).strip():
            return None
        names.extend([match.group(1).strip()] * int(match.group(2) or 1))
        if len(names) > MAX_CHOICES:
            return None
    return names


def read_mode(query: QueryParams, scenario: Moded, lang: str) -> Choosing | Exploring | None:
    """The page's mode from its address: None to play the scenario's run, else where the
    chooser or the explorer starts. Raises BadQuery naming what does not fit, in every mode:
    a value out of range is never silently dropped."""
    mode = query.get("mode") or "play"
    if mode not in MODES:
        raise BadQuery(say(lang, "error.option", name="mode", allowed=", ".join(MODES), got=mode))
    for name in ("choices", "then"):
        if name in query and mode != "choose":
            raise BadQuery(say(lang, "error.choices_mode", name=name))
    if "preemptions" in query and mode != "explore":
        raise BadQuery(say(lang, "error.explore_mode", name="preemptions"))
    if "predict" in query and mode != "play":
        raise BadQuery(say(lang, "error.predict_mode", name="predict"))
    if mode == "play":
        address_values(query, scenario, lang)
        return None
    if mode == "explore":
        bound = query.get("preemptions") or str(DEFAULT_PREEMPTIONS)
        allowed = [str(k) for k in PREEMPTIONS]
        if bound not in allowed:
            raise BadQuery(
                say(lang, "error.option", name="preemptions", allowed=", ".join(allowed), got=bound)
            )
        return Exploring(params=address_values(query, scenario, lang), preemptions=int(bound))
    raw = query.get("choices") or ""
    choices = parse_choices(raw)
    if choices is None:
        shown = raw if len(raw) <= 80 else raw[:79] + "…"
        raise BadQuery(say(lang, "error.choices", max=MAX_CHOICES, got=shown))
    then = query.get("then") or ""
    if then not in ("", "run"):
        raise BadQuery(say(lang, "error.option", name="then", allowed="run", got=then))
    params = address_values(query, scenario, lang)
    return Choosing(params=params, choices=choices, then_run=then == "run")


def read_predict(query: QueryParams, scenario: Scenario | None, lang: str) -> dict[str, Any] | None:
    """The question to ask before the run plays (`?predict=1`), as the player takes it; None
    when not asked for or when the scenario asks none. Raises BadQuery on another value."""
    value = query.get("predict") or "0"
    if value not in ("0", "1"):
        raise BadQuery(say(lang, "error.option", name="predict", allowed="0, 1", got=value))
    if value == "0" or scenario is None or scenario.prediction is None:
        return None
    return scenario.prediction.to_json(lang)


def address_values(query: QueryParams, scenario: Moded, lang: str) -> dict[str, Any]:
    """The scenario's values the address gives (the last of each), coerced; BadQuery names the
    first that does not fit, with the label the student sees."""
    sent = {name: query.getlist(name)[-1] for name in scenario.params if query.getlist(name)}
    problem = param_problem(scenario.params, sent, lang)
    if problem:
        raise BadQuery(problem)
    return {name: scenario.params[name].coerce(value) for name, value in sent.items()}


def explore_panel(
    scenario: Moded,
    lang: str,
    exploring: Exploring,
    *,
    action: str,
    hidden: Mapping[str, str],
    choose_url: str,
) -> dict[str, Any]:
    """What the explorer's panel shows (templates/_explore_panel.html): its form (a GET of the
    page, `action` with `hidden`, for when there is no script) and, per value, the words that
    refuse it, so that explore.js says them in the page's language before asking."""
    fields = []
    starts = explore_values(scenario)
    for spec in scenario.params.values():
        shown: dict[str, Any] = {
            "name": spec.name,
            "label": spec.label[lang],
            "type": spec.type,
            "default": starts[spec.name],  # left out of this mode's address and request
            "run_default": spec.default,  # left out of the other modes' addresses
            "value": exploring.params.get(spec.name, starts[spec.name]),
        }
        if spec.type != "bool":
            assert spec.min is not None and spec.max is not None  # numbers always have bounds
            shown |= {
                "min": spec.min,
                "max": spec.max,
                "refusal": say(
                    lang,
                    f"error.param.{spec.type}",
                    label=spec.label[lang],
                    min=format_number(spec.min, lang),
                    max=format_number(spec.max, lang),
                    got="{got}",
                ),
                "empty": say(lang, "error.param.empty", label=spec.label[lang]),
            }
        fields.append(shown)
    return {
        "action": action,
        "hidden": dict(hidden),
        "fields": fields,
        "bounds": PREEMPTIONS,
        "preemptions": exploring.preemptions,
        "default_preemptions": DEFAULT_PREEMPTIONS,
        "choose_url": choose_url,
    }


def mode_links(
    scenario: Moded,
    lang: str,
    values: Mapping[str, Any],
    *,
    base: str | None = None,
    extra: Mapping[str, str] | None = None,
    play: str | None = None,
) -> dict[str, str]:
    """The addresses of the modes of a scenario's page (or of its embed, `base`): watch its
    run, choose, or explore every interleaving, with the same values."""
    path = base or f"/scenarios/{scenario.id}"
    common = {"lang": lang} | dict(extra or {})
    given = _query_values(scenario, values)
    return {
        "play": play or f"{path}?{urlencode(common)}",
        "choose": f"{path}?" + urlencode(common | {"mode": "choose"} | given),
        "explore": f"{path}?" + urlencode(common | {"mode": "explore"} | given),
    }


def explore_values(scenario: Moded) -> dict[str, Any]:
    """Every value an exploration starts from where the address gives none: a scenario's
    values for exploring (`[explore]`, smaller than those of a run), else the defaults."""
    if isinstance(scenario, Scenario):
        return scenario.explore_values()
    return {name: spec.default for name, spec in scenario.params.items()}


def _query_values(
    scenario: Moded, values: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The values that differ from the defaults (by default, the scenario's), as an address
    writes them."""
    shown: dict[str, str] = {}
    for name, value in values.items():
        spec = scenario.params.get(name)
        if spec is None or value == (defaults or {}).get(name, spec.default):
            continue
        shown[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return shown
