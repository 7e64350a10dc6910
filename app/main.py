"""The application factory: `uvicorn --factory app.main:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from .settings import Settings
from .store import RunStore
from .web.api import api_router
from .web.pages import page_router
from .web.runs import RunExecutor, RunService
from .web.templating import STATIC, Pages

__all__ = ["create_app"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    store = RunStore(settings.db)
    executor = RunExecutor(settings.run_workers, settings.run_queue)
    service = RunService(store, executor, settings.run_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        executor.shutdown()

    app = FastAPI(
        title="Hilos",
        summary="See what Python threads really do.",
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        headers = response.headers
        if not request.url.path.startswith("/docs"):
            headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response

    @app.get("/healthz", tags=["api"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.state.settings = settings
    app.state.service = service
    app.include_router(api_router(service=service, retry_after=settings.retry_after))
    app.include_router(
        page_router(service=service, pages=Pages(), retry_after=settings.retry_after)
    )
    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    return app
