"""The JSON twins of the pages, and the stored traces served as they were saved."""

from __future__ import annotations

import gzip
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from ..explore import Exploration
from ..runner import ScenarioError
from ..scenarios import Scenario, UnknownScenario, get_scenario, load_scenarios
from ..store import RunStore, StoredRun, StoreUnavailable
from .explorations import ExplorationService, Limits, Running
from .i18n import LANGS, negotiate, say
from .problems import base_lang, param_problem
from .programs import Program, ProgramProblem, ProgramService
from .runs import RunService, Saturated
from .schemas import (
    ExplorationProgress,
    RequestBody,
    RunDocument,
    ScenarioDetail,
    ScenarioSummary,
    errors,
)

__all__ = ["SavedRunsFastPath", "api_router"]

_RECENT_KEPT = 256  # saved runs the fast path keeps in memory (about 25 KB each, gzipped)


ParamValue = int | float | bool | Annotated[str, Field(max_length=40)]


def _lang_code(value: object) -> object:
    """A language code as the site reads it (`EN`, `en-US`): its base, when the site has it."""
    return (base_lang(value) or value) if isinstance(value, str) else value


LangCode = Annotated[Literal["es", "en"], BeforeValidator(_lang_code)]


class RunRequest(RequestBody):
    scenario: str | None = Field(
        None, max_length=64, description="scenario id, as in GET /api/scenarios"
    )
    source: str | None = Field(
        None,
        max_length=60_000,
        description="a program of your own, in place of `scenario` (at most HILOS_MAX_SOURCE "
        "characters); its parameters are its top-level UPPER_CASE constants (`THREADS = 3`)",
    )
    params: dict[Annotated[str, Field(max_length=40)], ParamValue] = Field(
        default_factory=dict,
        max_length=16,
        description="parameter values; missing ones take their default",
    )
    lang: LangCode = Field(
        "es",
        description="language of the source and of the messages, errors included: es or en "
        "(any case, a region ignored: `EN`, `en-US`)",
    )

    @model_validator(mode="after")
    def one_program(self) -> RunRequest:
        if self.scenario is None and self.source is None:
            raise PydanticCustomError(
                "program_needed", "give scenario (an id) or source (a program): one is needed"
            )
        if self.scenario is not None and self.source is not None:
            raise PydanticCustomError("program_both", "give either scenario or source, not both")
        return self


class ScheduleRequest(RunRequest):
    choices: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list,
        max_length=2000,
        description="the thread to take at each decision, in order (a decision is a step "
        "where more than one thread could go on)",
    )
    run_to_end: bool = Field(
        False,
        description="past the choices, let the default policy run to the end (the thread "
        "that ran last goes on while it can, else the lowest-numbered) instead of pausing",
    )


def stored_response(run: StoredRun, accept_encoding: str | None, status: int = 200) -> Response:
    """The saved bytes as they are: gzipped when the client takes gzip, immutable, with ETag."""
    headers = {
        "ETag": run.etag,
        "Cache-Control": "public, max-age=31536000, immutable",
        "Vary": "Accept-Encoding",
    }
    if "gzip" in (accept_encoding or "").lower():
        headers["Content-Encoding"] = "gzip"
        body = run.body
    else:
        body = gzip.decompress(run.body)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


class ExplorationRequest(RunRequest):
    params: dict[Annotated[str, Field(max_length=40)], ParamValue] = Field(
        default_factory=dict,
        max_length=16,
        description="parameter values; for a scenario, missing ones take its values for "
        "exploring (`explore` in GET /api/scenarios/{id}), for a program their default",
    )
    preemptions: int = Field(2, ge=0, le=4, description="explore up to this many preemptions")
    max_schedules: int = Field(
        1_000, ge=1, le=5_000, description="stop (and say 'sampled') past this many schedules"
    )


# What /docs offers to send: each works as it is (tests/test_openapi.py posts them).
_PROGRAM = (
    "import threading\n\nTHREADS = 2\ntotal = 0\n\n\ndef add():\n    global total\n"
    "    total += 1\n\n\nworkers = [threading.Thread(target=add) for _ in range(THREADS)]\n"
    "for w in workers:\n    w.start()\nfor w in workers:\n    w.join()\nprint(total)\n"
)


def _example(summary: str, **value: Any) -> dict[str, Any]:
    return {"summary": summary, "value": value | {"lang": "en"}}


RUN_EXAMPLES = {
    "scenario": _example("a scenario with its default values", scenario="deadlock"),
    "values": _example(
        "a scenario with values of your own", scenario="race-condition", params={"THREADS": 4}
    ),
    "program": _example(
        "a program of your own (in place of a scenario)", source=_PROGRAM, params={"THREADS": 3}
    ),
}
SCHEDULE_EXAMPLES = {
    "start": _example("the first decision of a scenario", scenario="deadlock"),
    "choices": _example(
        "two choices made, then to the end",
        scenario="race-condition",
        choices=["Thread-1", "Thread-1"],
        run_to_end=True,
    ),
}
EXPLORATION_EXAMPLES = {
    "scenario": _example(
        "every interleaving of a scenario, up to two preemptions",
        scenario="race-condition",
        params={"ITERATIONS": 1},
    ),
    "bounded": _example("a smaller search", scenario="deadlock", preemptions=1, max_schedules=100),
}


def api_lang_query(
    lang: Annotated[
        str | None,
        Query(max_length=16, description="es or en, any case, a region ignored (`EN`, `en-US`)"),
    ] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> str:
    """The language a GET of the API asks for: `?lang=` (422 for one the site does not
    have), then Accept-Language, then Spanish."""
    if lang is not None and base_lang(lang) is None:
        raise unknown_lang(lang, accept_language)
    return negotiate(lang, accept_language)


def unknown_lang(got: str, accept_language: str | None) -> HTTPException:
    """The 422 for a language the site does not have, said in the one Accept-Language asks."""
    said = negotiate(None, accept_language)
    return HTTPException(422, say(said, "api.error.lang", got=got, allowed=", ".join(LANGS)))


ApiLang = Annotated[str, Depends(api_lang_query)]


def api_router(
    *,
    service: RunService,
    explorations: ExplorationService,
    programs: ProgramService,
    retry_after: int,
) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])

    def requested(body: RunRequest) -> Scenario | Program:
        """The scenario a request names, with values that fit its parameters (404 / 422
        otherwise, said in the request's language), or the program it gives, checked
        (ProgramProblem). All before any run starts: a refusal costs the client little."""
        if body.source is not None:
            return programs.check(body.source, body.params, body.lang)
        assert body.scenario is not None
        try:
            found = get_scenario(body.scenario)
        except UnknownScenario:
            raise HTTPException(
                404, say(body.lang, "error.no_scenario", id=body.scenario)
            ) from None
        unknown = sorted(set(body.params) - set(found.params))
        if unknown:
            known = ", ".join(found.params) or say(body.lang, "program.none")
            raise HTTPException(
                422, say(body.lang, "api.error.unknown_param", name=unknown[0], known=known)
            )
        problem = param_problem(found.params, body.params, body.lang, by_name=True)
        if problem:
            raise HTTPException(422, problem)
        return found

    def busy(lang: str) -> JSONResponse:
        return JSONResponse(
            {"detail": say(lang, "error.busy")},
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )

    def exploration_answer(
        found: StoredRun | tuple[Running, Limits], accept_encoding: str | None, status: int
    ) -> Response:
        if isinstance(found, StoredRun):
            response = stored_response(found, accept_encoding, status=status)
            response.headers["Location"] = f"/api/explorations/{found.id}"
            return response
        job, limits = found
        return JSONResponse(
            job.to_json(limits),
            status_code=202,
            headers={"Location": f"/api/explorations/{job.id}", "Cache-Control": "no-store"},
        )

    @router.post(
        "/explorations",
        responses={
            200: {
                "description": "the exploration, already done (kept under its address)",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            202: {"model": ExplorationProgress, "description": "under way: poll its address"},
            **errors(404, 422, 429),
        },
    )
    def create_exploration(
        body: Annotated[ExplorationRequest, Body(openapi_examples=EXPLORATION_EXAMPLES)],
        accept_encoding: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Explore the scenario's interleavings: every different ending (status, final values
        of its shared variables, what the main code printed), how many schedules reached
        it, and its shortest schedule (replay it with POST /api/schedules). Deterministic, so
        kept and served like a saved run; a search under way answers 202 with its progress."""
        found = requested(body)
        limits = Limits(preemptions=body.preemptions, max_schedules=body.max_schedules)
        try:
            if isinstance(found, Program):
                program = found

                def search(progress: Callable[[int, int], None]) -> Exploration:
                    return programs.explore(
                        program,
                        body.lang,
                        preemptions=limits.preemptions,
                        max_schedules=limits.max_schedules,
                        max_seconds=limits.max_seconds,
                        progress=progress,
                    )

                result = explorations.start_program(
                    found.id, found.params, body.lang, limits, search
                )
            else:
                result = explorations.start(found, body.lang, body.params, limits)
        except ProgramProblem:
            raise  # answered with its line (app.main)
        except ScenarioError as exc:
            raise HTTPException(422, str(exc)) from None
        except Saturated:
            return busy(body.lang)
        return exploration_answer(result, accept_encoding, 200)

    @router.get(
        "/explorations/{exploration_id}",
        responses={
            200: {
                "model": ExplorationProgress,
                "description": "the exploration (its endings), or why it failed",
            },
            202: {"model": ExplorationProgress, "description": "still under way: its progress"},
            304: {"description": "not modified (If-None-Match)"},
            **errors(404),
        },
    )
    def get_exploration(request: Request, exploration_id: str) -> Response:
        """An exploration by its address: the result (ETag, immutable), or its progress."""
        found = explorations.find(exploration_id)
        if found is None:
            raise HTTPException(404, f"no exploration {exploration_id!r}")
        if isinstance(found, str):
            return JSONResponse(
                {"id": exploration_id, "status": "failed", "detail": found},
                headers={"Cache-Control": "no-store"},
            )
        if isinstance(found, StoredRun) and request.headers.get("if-none-match") == found.etag:
            return Response(status_code=304, headers={"ETag": found.etag})
        return exploration_answer(found, request.headers.get("accept-encoding"), 200)

    @router.get("/scenarios", response_model=list[ScenarioSummary], responses=errors(422))
    def scenarios(chosen: ApiLang) -> list[dict[str, Any]]:
        return [s.to_json(chosen) for s in load_scenarios().values()]

    @router.get(
        "/scenarios/{scenario_id}", response_model=ScenarioDetail, responses=errors(404, 422)
    )
    def scenario(scenario_id: str, chosen: ApiLang) -> dict[str, Any]:
        try:
            found = get_scenario(scenario_id)
        except UnknownScenario:
            raise HTTPException(404, say(chosen, "error.no_scenario", id=scenario_id)) from None
        defaults = {name: param.default for name, param in found.params.items()}
        goal = None if found.goal is None else found.goal.to_json(chosen, defaults)
        return found.to_json(chosen) | {
            "source": found.source(chosen),
            "languages": list(LANGS),
            "goal": goal,
        }

    @router.post(
        "/runs",
        status_code=201,
        responses={
            201: {"model": RunDocument, "description": "the run, recorded and stored"},
            **errors(404, 422, 429),
        },
    )
    async def create_run(
        body: Annotated[RunRequest, Body(openapi_examples=RUN_EXAMPLES)],
        accept_encoding: Annotated[str | None, Header()] = None,
    ) -> Response:
        found = requested(body)
        try:
            if isinstance(found, Program):
                run = await programs.record(found, body.lang)
            else:
                run = await service.record(found, body.lang, body.params)
        except ProgramProblem:
            raise  # answered with its line (app.main)
        except ScenarioError as exc:
            raise HTTPException(422, str(exc)) from None
        except Saturated:
            return busy(body.lang)
        response = stored_response(run, accept_encoding, status=201)
        response.headers["Location"] = f"/api/runs/{run.id}"
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.post(
        "/schedules",
        responses={
            200: {"model": RunDocument, "description": "the run up to the next decision"},
            **errors(404, 422, 429),
        },
    )
    async def create_schedule(
        body: Annotated[ScheduleRequest, Body(openapi_examples=SCHEDULE_EXAMPLES)],
    ) -> Response:
        """A controlled run: one thread at a time, virtual time, the given choices deciding who
        goes next; it stops at the first decision past them (status `paused`) and says who
        could go next (`schedule.next`). Stateless: each call runs from the start, so the
        scenario, its values and the choices are a permalink. Bounded like live runs (429)."""
        found = requested(body)
        pause = not body.run_to_end
        try:
            if isinstance(found, Program):
                body_bytes = await programs.schedule(found, body.lang, body.choices, pause)
            else:
                body_bytes = await service.schedule(
                    found, body.lang, body.params, body.choices, pause=pause
                )
        except ProgramProblem:
            raise  # answered with its line (app.main)
        except ScenarioError as exc:
            raise HTTPException(422, str(exc)) from None
        except Saturated:
            return busy(body.lang)
        return Response(body_bytes, media_type="application/json")

    @router.get(
        "/runs/{run_id}",
        responses={
            200: {"model": RunDocument, "description": "the saved run document"},
            304: {"description": "not modified (If-None-Match)"},
            **errors(404),
        },
    )
    def get_run(request: Request, run_id: str) -> Response:
        """One saved run as it was stored: gzipped when the client accepts gzip, with an ETag
        (If-None-Match gives 304) and immutable caching. The hot path of a classroom: the
        headers are read by hand, since parameter injection cost more than the rest."""
        run = service.store.get(run_id)
        if run is None:
            raise HTTPException(404, f"no saved run {run_id!r}")
        headers = request.headers
        if headers.get("if-none-match") == run.etag:
            return Response(status_code=304, headers={"ETag": run.etag})
        return stored_response(run, headers.get("accept-encoding"))

    @router.get(
        "/runs/{run_id}/analysis",
        responses={
            200: {
                "description": "the run's analysis, its sentences in `lang`",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            304: {"description": "not modified (If-None-Match)"},
            **errors(404, 422),
        },
    )
    def get_analysis(
        run_id: str,
        lang: Annotated[
            str,
            Query(max_length=16, description="es or en, any case, a region ignored (`en-US`)"),
        ],
        if_none_match: Annotated[str | None, Header()] = None,
        accept_language: Annotated[str | None, Header()] = None,
    ) -> Response:
        """What the run means (states, links, statistics, lock order, narration) with its
        sentences in `lang`: for a run viewed in a language it was not recorded in. With an
        ETag (If-None-Match gives 304)."""
        chosen = base_lang(lang)
        if chosen is None:
            raise HTTPException(
                422, say("en", "api.error.lang", got=lang, allowed=", ".join(LANGS))
            )
        run = service.store.get(run_id)
        if run is None:
            raise HTTPException(404, f"no saved run {run_id!r}")
        body, etag = service.analysis_body(run, chosen)
        headers = {"ETag": etag, "Cache-Control": "public, max-age=86400"}
        if if_none_match == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    return router


class SavedRunsFastPath:
    """`GET /api/runs/{id}` for a run the store has, answered before routing.

    This is what a classroom requests most, and the bytes are ready: going through
    FastAPI's routing and parameter handling cost more than sending 25 KB. Anything else
    (unknown ids, other methods, conditional requests) falls through to the documented route.
    """

    def __init__(self, app: ASGIApp, store: RunStore) -> None:
        self.app = app
        self.store = store
        # The runs served lately, in memory: they never change, and a store look-up may wait
        # on a disk or a database server, so it happens on a worker thread, never here.
        self._recent: OrderedDict[str, StoredRun] = OrderedDict()

    async def _find(self, run_id: str) -> StoredRun | None:
        run = self._recent.get(run_id)
        if run is not None:
            self._recent.move_to_end(run_id)
            return run
        run = await run_in_threadpool(self.store.get, run_id)
        if run is not None:
            self._recent[run_id] = run
            while len(self._recent) > _RECENT_KEPT:
                self._recent.popitem(last=False)
        return run

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] == "GET" and path.startswith("/api/runs/"):
            run_id = path[len("/api/runs/") :]
            if run_id.isalnum() and len(run_id) <= 32:
                try:
                    run = await self._find(run_id)
                except StoreUnavailable:
                    run = None  # the route answers, with the 503 and its reason
                if run is not None and not _has(scope, b"if-none-match"):
                    gzipped = b"gzip" in (_header(scope, b"accept-encoding") or b"").lower()
                    body = run.body if gzipped else gzip.decompress(run.body)
                    headers = [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"etag", run.etag.encode()),
                        (b"cache-control", b"public, max-age=31536000, immutable"),
                        (b"vary", b"Accept-Encoding"),
                    ]
                    if gzipped:
                        headers.append((b"content-encoding", b"gzip"))
                    await send({"type": "http.response.start", "status": 200, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _has(scope: Scope, name: bytes) -> bool:
    return _header(scope, name) is not None
