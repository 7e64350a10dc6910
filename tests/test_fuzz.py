"""Property-based fuzzing of the HTTP API from its own OpenAPI schema (bounded).

Whatever schemathesis sends, the server answers without a 5xx, and every error carries a
message: JSON `detail` for the API, an alert on an HTML page. The one 5xx allowed is the one
the oEmbed spec asks for: 501 when the consumer wants a format other than JSON.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.main import create_app
from app.settings import Settings

_DB = Path(tempfile.mkdtemp(prefix="hilos-fuzz-")) / "fuzz.sqlite3"
APP = create_app(Settings(db=_DB, run_seconds=2, run_workers=2, run_queue=4))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

pytestmark = pytest.mark.timeout(600)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_error_says_why(case: schemathesis.Case) -> None:
    response = case.call()
    oembed_format = case.path == "/oembed" and (case.query or {}).get("format") != "json"
    allowed = 502 if oembed_format else 500
    assert response.status_code < allowed, (case.method, case.path, response.text[:300])
    if response.status_code < 400:
        return
    kind = response.headers.get("content-type", [""])
    content_type = kind[0] if isinstance(kind, list) else kind
    if content_type.startswith("application/json"):
        detail = json.loads(response.content)["detail"]
        assert detail, response.text
    else:
        assert 'role="alert"' in response.text, response.text[:300]
