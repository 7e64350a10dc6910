"""HTML pages: the gallery, a scenario with its player, a saved run."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..analysis.narration import format_number
from ..runner import ScenarioError
from ..scenarios import ParamError, Scenario, UnknownScenario, get_scenario, load_scenarios
from .i18n import MESSAGES, negotiate, say
from .runs import RunService, Saturated
from .templating import Pages, oembed_url

__all__ = ["page_router"]


def page_lang(
    lang: Annotated[str | None, Query(max_length=16, description="es or en")] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> str:
    """The page's language: `?lang=`, then Accept-Language, then Spanish (never a cookie)."""
    return negotiate(lang, accept_language)


Lang = Annotated[str, Depends(page_lang)]


def page_router(*, service: RunService, pages: Pages, retry_after: int) -> APIRouter:
    router = APIRouter()

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
        return pages.render(request, "gallery.html", lang, groups=list(groups.items()))

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
            run = await service.default_run(found, lang)
        except Saturated:
            run = None
        values = {name: p.default for name, p in found.params.items()}
        return pages.render(
            request,
            "scenario.html",
            lang,
            scenario=found,
            texts=found.texts[lang],
            values=values,
            run=run,
            run_params=None,
            error=None if run else MESSAGES[lang]["error.busy"],
            oembed_url=oembed_url(request, f"/scenarios/{found.id}?lang={lang}"),
        )

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
        context: dict[str, Any] = {"scenario": found, "texts": found.texts[lang]}
        headers: dict[str, str] = {}
        try:
            problem = _param_problem(found, params, lang)
            if problem:
                raise ScenarioError(problem)
            run = await service.record(found, lang, params)
        except ScenarioError as exc:
            status, context["error"], context["run"] = 422, str(exc), None
        except Saturated:
            status, context["error"], context["run"] = 429, MESSAGES[lang]["error.busy"], None
            headers["Retry-After"] = str(retry_after)
        else:
            if not hx_request:
                return RedirectResponse(f"/runs/{run.id}?lang={lang}", status_code=303)
            status, context["run"], context["error"] = 201, run, None
            context["run_params"] = json.loads(run.params)
            headers["HX-Push-Url"] = f"/runs/{run.id}?lang={lang}"
            # The language links follow the new address (an out-of-band swap beside the panel).
            context["lang_path"] = f"/runs/{run.id}"
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
        scenario = None
        if run.scenario:
            try:
                scenario = get_scenario(run.scenario)
            except UnknownScenario:
                scenario = None
        run_params = json.loads(run.params)
        common = {
            "run": run,
            "run_params": run_params,
            "scenario": scenario,
            "texts": scenario.texts[lang] if scenario else None,
            "error": None,
            "oembed_url": oembed_url(request, f"/runs/{run.id}?lang={lang}"),
        }
        if scenario is None:
            return pages.render(request, "run.html", lang, **common)
        # A scenario's run is its page with this run on it: the same page "Run again" showed,
        # so a reload or the other language keeps the description, the form and its values.
        values = {name: run_params.get(name, p.default) for name, p in scenario.params.items()}
        return pages.render(request, "scenario.html", lang, values=values, **common)

    return router


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


def _param_problem(scenario: Scenario, params: dict[str, Any], lang: str) -> str | None:
    """The first value of the form that does not fit its parameter, said in `lang` with the
    label the student sees (the runner would say it in English, by the constant's name)."""
    for name, value in params.items():
        spec = scenario.params[name]
        try:
            spec.coerce(value)
        except ParamError:
            label = spec.label[lang]
            if isinstance(value, str) and not value.strip():
                return say(lang, "error.param.empty", label=label)
            if spec.type == "bool":
                return say(lang, "error.param.bool", label=label, got=value)
            assert spec.min is not None and spec.max is not None  # numbers always have bounds
            return say(
                lang,
                f"error.param.{spec.type}",
                label=label,
                min=format_number(spec.min, lang),
                max=format_number(spec.max, lang),
                got=value,
            )
    return None
