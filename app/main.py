"""The application factory: `uvicorn --factory app.main:create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .sandbox import SandboxLimits, WorkerPool
from .settings import Settings
from .store import StoreUnavailable, writable_store
from .web.admission import Admission, TokenBuckets
from .web.api import SavedRunsFastPath, api_router
from .web.compare import compare_router
from .web.embed import embed_router
from .web.explorations import ExplorationService
from .web.i18n import say
from .web.middleware import BodyLimit, HeadAndOptions, SecurityHeaders
from .web.pagecache import PageCache
from .web.pages import page_lang, page_router
from .web.problems import api_lang, validation_detail
from .web.program_pages import program_router
from .web.programs import MAX_EVENTS, MAX_THREADS, ProgramProblem, ProgramService
from .web.runs import RunExecutor, RunService
from .web.schemas import errors, problems_documented
from .web.templating import STATIC, Pages

__all__ = ["create_app"]

CSP_BASE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
)
CSP = CSP_BASE + "frame-ancestors 'none'"


class CachedStatic(StaticFiles):
    """Static files. Pages link them with a content hash in the URL (`?_hash=`): those may be
    cached for a year. Without it (the modules a module imports), the browser revalidates."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            hashed = b"_hash=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = (
                "public, max-age=31536000, immutable" if hashed else "public, no-cache"
            )
        return response


# Addresses whose errors stay as FastAPI gives them (JSON, or a plain 404 for a file).
_PLAIN_ERRORS = ("/api/", "/static/", "/oembed", "/healthz", "/openapi.json")


_log = logging.getLogger("hilos")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    store = writable_store(settings.store_target())
    executor = RunExecutor(settings.run_workers, settings.run_queue, settings.run_cpu)

    explorations = ExplorationService(store, executor)
    # Programs from users run in the sandbox, one jailed worker each (some started ahead).
    sandbox_pool = WorkerPool(settings.sandbox_spares)
    sandbox_limits = replace(
        SandboxLimits.from_settings(settings), threads=MAX_THREADS, events=MAX_EVENTS
    )
    programs = ProgramService(store, executor, sandbox_limits, sandbox_pool)
    service = RunService(
        store,
        executor,
        settings.run_seconds,
        sandbox=(sandbox_limits, sandbox_pool) if settings.sandbox_scenarios else None,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        executor.shutdown()
        sandbox_pool.close()

    app = FastAPI(
        title="Hilos",
        summary="See what Python threads really do.",
        lifespan=lifespan,
        docs_url=None,  # served below from static/vendor: no CDN, and the CSP holds
        redoc_url=None,
    )

    fastapi_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems_documented(fastapi_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/healthz", tags=["api"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers. It does not touch the store."""
        return {"status": "ok"}

    @app.get(
        "/healthz/ready",
        tags=["api"],
        responses=errors(503),
    )
    def ready() -> dict[str, str]:
        """Readiness: one real write to the store, committed (503 with the reason if not)."""
        store.probe()
        return {"status": "ready", "store": store.dialect}

    app.state.settings = settings
    app.state.service = service
    app.state.explorations = explorations
    app.state.programs = programs
    app.include_router(
        api_router(
            service=service,
            explorations=explorations,
            programs=programs,
            retry_after=settings.retry_after,
        )
    )

    @app.exception_handler(ProgramProblem)
    async def program_problem(request: Request, exc: ProgramProblem) -> Response:
        """A mistake in a program sent to the API: 422, said in its language, with its line
        (503 when this machine cannot sandbox it)."""
        return JSONResponse(exc.to_json(), status_code=exc.status)

    pages = Pages(public_base=settings.public_base)
    embed_csp = CSP_BASE + f"frame-ancestors {settings.frame_ancestors}"

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        return pages.templates.TemplateResponse(request, "apidocs.html", {})

    def reader_lang(request: Request) -> str:
        return page_lang(request.query_params.get("lang"), request.headers.get("accept-language"))

    def error_page(request: Request, status: int, message: str) -> Response:
        """The page that says why, in the reader's language (framable under /embed/)."""
        embed = request.url.path.startswith("/embed/")  # inside a course page: no chrome
        answer = pages.error(request, reader_lang(request), status, message, embed=embed)
        if embed:
            answer.headers["Content-Security-Policy"] = embed_csp
        return answer

    @app.exception_handler(RequestValidationError)
    async def does_not_fit(request: Request, exc: RequestValidationError) -> Response:
        """A request that does not fit its model: 422 with why in words (`detail`, in the
        request's language) and, from the API, each field's problem (`errors`) for programs."""
        path = request.url.path
        if path == "/api" or path.startswith(_PLAIN_ERRORS):
            query_lang = request.query_params.get("lang")
            lang = api_lang(exc.body, query_lang, request.headers.get("accept-language"))
            problem = {
                "detail": validation_detail(exc.errors(), lang),
                "errors": jsonable_encoder(exc.errors()),
            }
            return JSONResponse(problem, status_code=422)
        return error_page(request, 422, validation_detail(exc.errors(), reader_lang(request)))

    @app.exception_handler(StarletteHTTPException)
    async def not_a_page(request: Request, exc: StarletteHTTPException) -> Response:
        """A mistyped address is a page of the site, in the reader's language; the API and
        the static files keep their plain answers."""
        path = request.url.path
        if exc.status_code != 404 or path == "/api" or path.startswith(_PLAIN_ERRORS):
            return await http_exception_handler(request, exc)
        lang = reader_lang(request)
        return error_page(request, 404, say(lang, "error.no_page", path=path[:120]))

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
        """The store failed: 503 and why (JSON for the API, a page otherwise), never a 201
        or a page for a run that was not kept."""
        _log.error("%s %s: store unavailable: %s", request.method, request.url.path, exc)
        path = request.url.path
        if path == "/api" or path.startswith(_PLAIN_ERRORS):
            answer: Response = JSONResponse(
                {"detail": f"the store is unavailable: {exc}"}, status_code=503
            )
        else:
            answer = error_page(request, 503, say(reader_lang(request), "error.store"))
        answer.headers["Retry-After"] = str(settings.retry_after)
        return answer

    programs_routes, program_view = program_router(
        programs=programs,
        pages=pages,
        retry_after=settings.retry_after,
        max_seconds=settings.run_seconds,
        csp_for_embeds=embed_csp,
    )
    app.include_router(
        page_router(
            service=service,
            pages=pages,
            retry_after=settings.retry_after,
            program_view=program_view,
        )
    )
    app.include_router(programs_routes)
    hosts = [h for h in settings.host_list(settings.allowed_hosts) if h != "*"]
    app.include_router(
        embed_router(service=service, pages=pages, csp_for_embeds=embed_csp, site_hosts=hosts)
    )
    app.include_router(
        compare_router(service=service, pages=pages, retry_after=settings.retry_after)
    )
    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    # Outermost last: security headers on everything, including a 413 or a compressed page;
    # live runs refused before anything reads their body; kept pages and saved runs answered
    # before routing.
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body)
    app.add_middleware(PageCache, fixed_base=settings.public_base is not None)
    app.add_middleware(SavedRunsFastPath, store=store)
    buckets = TokenBuckets(settings.client_runs_per_minute, settings.client_burst)
    app.add_middleware(
        Admission,
        buckets=buckets,
        saturated=executor.saturated,
        retry_after=settings.retry_after,
    )
    app.add_middleware(HeadAndOptions, router=app.router)
    app.add_middleware(SecurityHeaders, csp=CSP)
    if settings.allowed_hosts.strip() != "*":
        app.add_middleware(
            TrustedHostMiddleware, allowed_hosts=settings.host_list(settings.allowed_hosts)
        )
    # The client's address and scheme, from X-Forwarded-For/-Proto when a trusted proxy sent them.
    app.add_middleware(
        ProxyHeadersMiddleware, trusted_hosts=settings.host_list(settings.trusted_proxies)
    )
    return app
