"""The application factory: `uvicorn --factory app.main:create_app`."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

__all__ = ["create_app"]


def create_app() -> FastAPI:
    app = FastAPI(title="Hilos", summary="See what Python threads really do.")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app
