"""Why a request was refused, said in words: the `detail` of every 4xx of the API.

FastAPI answers a request that does not fit its model with pydantic's list of field errors.
A person reads one sentence, in their language; a program wants the list. The API gives both:
`detail` (a string, in the request's language) and `errors` (the list, as FastAPI gives it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..analysis.narration import format_number
from ..runner import shown_value
from ..scenarios import Param, ParamError
from .i18n import LANGS, negotiate, say

__all__ = ["api_lang", "base_lang", "param_problem", "validation_detail"]

# The type named by a pydantic error ("int_type", "int_parsing"...) and the words for it.
_KINDS = {
    "int": "api.kind.int",
    "float": "api.kind.float",
    "bool": "api.kind.bool",
    "string": "api.kind.string",
    "dict": "api.kind.object",
    "model": "api.kind.object",
    "list": "api.kind.list",
}
# The members of a union (a parameter's value), which pydantic adds to the location.
_UNION_TAGS = {"int", "float", "bool", "str", "constrained-str"}
_SHOWN = 60  # characters of a value quoted back


def base_lang(code: str) -> str | None:
    """The language a code names, if the site has it: any case, a region ignored (`EN`,
    `es-ES`, `en_US`); None for another language."""
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGS else None


def api_lang(body: object, query_lang: str | None, accept_language: str | None) -> str:
    """The language of a request to the API: its body's `lang`, then `?lang=`, then
    Accept-Language, then Spanish (a run's default language)."""
    if isinstance(body, Mapping) and isinstance(body.get("lang"), str):
        named = base_lang(body["lang"])
        if named:
            return named
    return negotiate(query_lang, accept_language)


def validation_detail(errors: Sequence[Mapping[str, Any]], lang: str) -> str:
    """One sentence per field that does not fit (the first problem of each), in `lang`."""
    said: dict[str, str] = {}
    for error in errors:
        place = [part for part in error.get("loc", ()) if part != "[key]"]
        union = bool(place) and place[-1] in _UNION_TAGS
        if union:
            place = place[:-1]
        field = ".".join(str(part) for part in place[1:]) or "body"
        if error.get("type") == "json_invalid":
            field = "body"
        if field not in said:
            said[field] = _one(error, field, lang, union)
    return " ".join(said.values())


def _one(error: Mapping[str, Any], field: str, lang: str, union: bool) -> str:
    kind: str = error.get("type", "")
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    got = _shown(error.get("input"))
    if kind == "json_invalid":
        where = error.get("loc", ("body", 0))[-1]
        return say(lang, "api.error.json", error=ctx.get("error", ""), pos=where)
    if kind in ("program_needed", "program_both"):
        return say(lang, f"api.error.{kind}")
    if kind == "unknown_field":
        return say(lang, "api.error.unknown", field=ctx.get("field"), known=ctx.get("known"))
    if kind == "missing":
        return say(lang, "api.error.missing", field=field)
    if kind in ("string_too_long", "too_long"):
        return say(lang, "api.error.too_long", field=field, max=ctx.get("max_length"))
    if kind in ("string_too_short", "too_short"):
        return say(lang, "api.error.too_short", field=field, min=ctx.get("min_length"))
    if kind in ("greater_than_equal", "greater_than"):
        least = ctx.get("ge", ctx.get("gt"))
        return say(lang, "api.error.too_small", field=field, min=least, got=got)
    if kind in ("less_than_equal", "less_than"):
        most = ctx.get("le", ctx.get("lt"))
        return say(lang, "api.error.too_big", field=field, max=most, got=got)
    if kind == "literal_error":
        allowed = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return say(lang, "error.option", name=field, allowed=allowed, got=got)
    if union:
        return say(lang, "api.error.type", field=field, kind=say(lang, "api.kind.value"), got=got)
    prefix = kind.split("_")[0]
    if kind.endswith(("_type", "_parsing")) and prefix in _KINDS:
        return say(lang, "api.error.type", field=field, kind=say(lang, _KINDS[prefix]), got=got)
    return say(lang, "api.error.invalid", field=field, reason=error.get("msg", ""))


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def param_problem(
    params: Mapping[str, Param], given: Mapping[str, object], lang: str, *, by_name: bool = False
) -> str | None:
    """The first value given that does not fit its parameter, said in `lang` with the label
    the student sees (or, for the API, `by_name`: the constant a program sends); None when
    all fit. The runner would say it in English, by the constant's name."""
    for name, value in given.items():
        spec = params[name]
        try:
            spec.coerce(value)
        except ParamError:
            label = name if by_name else spec.label[lang]
            got = shown_value(value) if by_name else value
            if isinstance(value, str) and not value.strip():
                return say(lang, "error.param.empty", label=label)
            if spec.type == "bool":
                return say(lang, "error.param.bool", label=label, got=got)
            assert spec.min is not None and spec.max is not None  # numbers always have bounds
            return say(
                lang,
                f"error.param.{spec.type}",
                label=label,
                min=format_number(spec.min, lang),
                max=format_number(spec.max, lang),
                got=got,
            )
    return None
