"""The application factory serves its health check and sends visitors to the API docs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.main import create_app


def test_health_and_home() -> None:
    client = TestClient(create_app())
    assert client.get("/healthz").json() == {"status": "ok"}
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 307 and home.headers["location"] == "/docs"
