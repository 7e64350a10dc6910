"""What the API answers, as typed models: they document `/openapi.json` (and `/docs`).

The routes send stored bytes or JSON they built once, so these models describe the answers
rather than build them; `tests/test_openapi.py` checks real answers against them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "ERRORS",
    "ExplorationProgress",
    "Health",
    "OEmbed",
    "Problem",
    "RunDocument",
    "ScenarioDetail",
    "ScenarioSummary",
    "errors",
    "problems_documented",
]


class Problem(BaseModel):
    """Why the request was not done."""

    detail: str = Field(
        description="what went wrong, in words: in the request's language (its body's `lang`, "
        "else `?lang=`, else Accept-Language, else Spanish) where the request has one"
    )
    errors: list[dict[str, Any]] | None = Field(
        None,
        description="for a request that does not fit its model (422): each field's problem, "
        "as pydantic gives it (`type`, `loc`, `msg`, `input`, `ctx`), for programs",
    )


class Health(BaseModel):
    status: str = Field(description='"ok" when the app answers')


class ParamInfo(BaseModel):
    name: str
    type: str = Field(description="int, float or bool")
    default: int | float | bool
    min: int | float | None
    max: int | float | None
    label: dict[str, str] = Field(description="the label shown, per language")


class ScenarioSummary(BaseModel):
    id: str
    order: int
    concepts: list[str]
    outcome: str = Field(description="how the scenario usually ends (completed, deadlock...)")
    nondeterministic: bool
    title: str
    description: str
    notice: list[str] = Field(description="what to look at in the picture")
    params: list[ParamInfo]
    explore: dict[str, int | float | bool] = Field(
        description="every parameter's value for an exploration that is given none (smaller "
        "than the defaults where those have too many interleavings to try)"
    )


class ScenarioDetail(ScenarioSummary):
    source: str = Field(description="the program, in the language asked for")
    languages: list[str]
    goal: dict[str, Any] | None = Field(description='the "You choose" goal, if it has one')


class RunDocument(BaseModel):
    """A recorded run: the trace and what it means (docs/trace-format.md)."""

    model_config = ConfigDict(extra="allow")

    id: str | None = Field(description="its id (none for a controlled run, never stored)")
    url: str | None
    scenario: str | None
    lang: str
    params: dict[str, Any]
    outcome: dict[str, Any] = Field(description="how the run ended: status, and why")
    trace: dict[str, Any] = Field(description="the hilos.trace JSON document")
    analysis: dict[str, Any] = Field(description="states, links, statistics, narration")


class ProgramDocument(BaseModel):
    """A program someone wrote on the site, kept under its content address (never changed)."""

    id: str = Field(description="p and 15 hex digits of SHA-256 over source, values, title, notes")
    url: str = Field(description="its page")
    source: str
    params: dict[str, Any] = Field(description="the values it ran with")
    title: str | None = Field(description="a custom scenario's title (none for a plain program)")
    notes: str | None
    lang: str = Field(description="the language it was first run in")
    run: str = Field(description="the id of its first run (GET /api/runs/{id})")


class ExplorationProgress(BaseModel):
    id: str
    status: str = Field(description='"running" (or "failed", with a detail)')
    progress: dict[str, int] = Field(default_factory=dict, description="runs and schedules")
    max_schedules: int | None = None
    url: str | None = None
    detail: str | None = None


class OEmbed(BaseModel):
    version: str
    type: str
    provider_name: str
    provider_url: str
    title: str
    html: str = Field(description="the iframe to paste")
    width: int
    height: int


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "no such scenario, run or exploration"},
    422: {"model": Problem, "description": "a value that does not fit, said why"},
    503: {
        "model": Problem,
        "description": "the store cannot keep or read runs now; `detail` says why",
        "headers": _RETRY_AFTER,
    },
    429: {
        "model": Problem,
        "description": "too many runs at once, or from this client: come back later",
        "headers": _RETRY_AFTER,
    },
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers among 404, 422, 429 and 503."""
    return {code: ERRORS[code] for code in codes}


def problems_documented(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with FastAPI's own 422 (a bare list) replaced by `Problem`, which
    is what the app's handler answers for a request that does not fit (app.main)."""
    problem = {"$ref": "#/components/schemas/Problem"}
    for methods in document.get("paths", {}).values():
        for operation in methods.values():
            answer = operation.get("responses", {}).get("422")
            content = (answer or {}).get("content", {}).get("application/json", {})
            if content.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                answer["description"] = ERRORS[422]["description"]
                content["schema"] = problem
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


class RequestBody(BaseModel):
    """A request's JSON body: a field it does not take is refused, by name, with the ones it
    does take (a misspelt `param` would otherwise be dropped without a word)."""

    @model_validator(mode="before")
    @classmethod
    def no_unknown_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in cls.model_fields)
            if unknown:
                raise PydanticCustomError(
                    "unknown_field",
                    "{field} is not a field of this request (it takes: {known})",
                    {"field": unknown[0], "known": ", ".join(cls.model_fields)},
                )
        return data
