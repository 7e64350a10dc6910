"""The application factory: `uvicorn --factory app.main:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Scope

from .settings import Settings
from .store import RunStore
from .web.api import SavedRunsFastPath, api_router
from .web.compare import compare_router
from .web.embed import embed_router
from .web.explorations import ExplorationService
from .web.i18n import say
from .web.middleware import BodyLimit, SecurityHeaders
from .web.pages import page_lang, page_router
from .web.runs import RunExecutor, RunService
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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    store = RunStore(settings.db)
    executor = RunExecutor(settings.run_workers, settings.run_queue)
    service = RunService(store, executor, settings.run_seconds)
    explorations = ExplorationService(store, executor)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        executor.shutdown()

    app = FastAPI(
        title="Hilos",
        summary="See what Python threads really do.",
        lifespan=lifespan,
        docs_url=None,  # served below from static/vendor: no CDN, and the CSP holds
        redoc_url=None,
    )

    @app.get("/healthz", tags=["api"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.state.settings = settings
    app.state.service = service
    app.state.explorations = explorations
    app.include_router(
        api_router(service=service, explorations=explorations, retry_after=settings.retry_after)
    )
    pages = Pages()
    embed_csp = CSP_BASE + f"frame-ancestors {settings.frame_ancestors}"

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        return pages.templates.TemplateResponse(request, "apidocs.html", {})

    @app.exception_handler(StarletteHTTPException)
    async def not_a_page(request: Request, exc: StarletteHTTPException) -> Response:
        """A mistyped address is a page of the site, in the reader's language; the API and
        the static files keep their plain answers."""
        path = request.url.path
        if exc.status_code != 404 or path == "/api" or path.startswith(_PLAIN_ERRORS):
            return await http_exception_handler(request, exc)
        lang = page_lang(request.query_params.get("lang"), request.headers.get("accept-language"))
        message = say(lang, "error.no_page", path=path[:120])
        embed = path.startswith("/embed/")  # inside someone's course page: framable, no chrome
        answer = pages.error(request, lang, 404, message, embed=embed)
        if embed:
            answer.headers["Content-Security-Policy"] = embed_csp
        return answer

    app.include_router(page_router(service=service, pages=pages, retry_after=settings.retry_after))
    app.include_router(embed_router(service=service, pages=pages, csp_for_embeds=embed_csp))
    app.include_router(
        compare_router(service=service, pages=pages, retry_after=settings.retry_after)
    )
    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    # Outermost last: security headers on everything, including a 413 or a compressed page.
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body)
    app.add_middleware(SavedRunsFastPath, store=store)
    app.add_middleware(SecurityHeaders, csp=CSP)
    return app
