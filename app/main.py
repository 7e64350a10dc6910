"""The application factory: `uvicorn --factory app.main:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .settings import Settings
from .store import RunStore
from .web.api import api_router
from .web.embed import embed_router
from .web.pages import page_router
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


class SecurityHeaders:
    """Headers every response carries. Plain ASGI: a BaseHTTPMiddleware would cost more than
    serving a saved trace does."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"].startswith("/docs")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not docs:
                    headers.setdefault("Content-Security-Policy", CSP)
                if "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""):
                    headers.setdefault("X-Frame-Options", "DENY")  # for browsers without CSP 2
                for name, value in _HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


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

    @app.get("/healthz", tags=["api"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.state.settings = settings
    app.state.service = service
    app.include_router(api_router(service=service, retry_after=settings.retry_after))
    pages = Pages()
    app.include_router(page_router(service=service, pages=pages, retry_after=settings.retry_after))
    embed_csp = CSP_BASE + f"frame-ancestors {settings.frame_ancestors}"
    app.include_router(embed_router(service=service, pages=pages, csp_for_embeds=embed_csp))
    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    return app
