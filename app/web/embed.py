"""Hilos inside other sites: embeddable players, oEmbed, and runs to take away.

Embeds are the only pages another origin may frame (`frame-ancestors` from the settings);
they use no cookies and no storage, since an LMS iframe is a third-party context where
browsers drop or partition both.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import QueryParams

from ..export import perfetto, standalone_html
from ..scenarios import Param, Scenario, UnknownScenario, get_scenario
from ..store import StoredRun
from .i18n import MESSAGES, negotiate, say
from .pagecache import MARK as PAGE_MARK
from .pages import (
    BadQuery,
    Exploring,
    Lang,
    explore_panel,
    explore_values,
    mode_links,
    read_mode,
    scenario_of,
)
from .runs import RunService, Saturated
from .schemas import OEmbed, Problem, errors
from .templating import Pages

__all__ = ["EmbedOptions", "Fixed", "embed_router", "iframe_html"]

EMBED_WIDTH, EMBED_HEIGHT = 800, 520
SPEEDS = ("0.25", "0.5", "1", "2", "4")
_CHOICES = {
    "autoplay": ("0", "1"),
    "speed": SPEEDS,
    "controls": ("full", "minimal"),
    "view": ("steps", "time"),
    "predict": ("0", "1"),
}
# What an embed's address says of its mode (pages.read_mode), beside the options above.
_MODE_OPTIONS = ("mode", "choices", "then", "preemptions")


class BadOption(ValueError):
    """An embed option outside its choices: which, what is allowed, what came."""

    def __init__(self, name: str, allowed: tuple[str, ...], got: str) -> None:
        super().__init__(f"{name} must be one of {', '.join(allowed)} (got {got!r})")
        self.name, self.allowed, self.got = name, allowed, got

    def say(self, lang: str) -> str:
        return say(
            lang, "error.option", name=self.name, allowed=", ".join(self.allowed), got=self.got
        )


@dataclass(frozen=True)
class EmbedOptions:
    autoplay: str = "0"
    speed: str = "1"
    controls: str = "full"
    view: str = "steps"
    predict: str = "0"

    @classmethod
    def parse(cls, query: dict[str, str]) -> EmbedOptions:
        values = {}
        for name, allowed in _CHOICES.items():
            value = query.get(name)
            if value is None:
                continue
            if name == "autoplay" and value in ("true", "false"):
                value = "1" if value == "true" else "0"
            if value not in allowed:
                raise BadOption(name, tuple(allowed), value)
            values[name] = value
        return cls(**values)

    def query(self, lang: str) -> str:
        defaults = EmbedOptions()
        chosen = {"lang": lang} | {
            name: getattr(self, name)
            for name in _CHOICES
            if getattr(self, name) != getattr(defaults, name)
        }
        return urlencode(chosen)


@dataclass(frozen=True)
class Fixed:
    """A program, as its modes see it: its values are part of it, none come from the address."""

    id: str
    params: dict[str, Param] = field(default_factory=dict)


def iframe_html(src: str, title: str, width: int | str = "100%", height: int = EMBED_HEIGHT) -> str:
    """The snippet an instructor pastes: a title (screen readers) and a size."""
    return (
        f'<iframe src="{html.escape(src)}" title="{html.escape(title)}" width="{width}" '
        f'height="{height}" style="border:0" loading="lazy"></iframe>'
    )


def embed_router(
    *, service: RunService, pages: Pages, csp_for_embeds: str, site_hosts: list[str]
) -> APIRouter:
    """The embeds, oEmbed and exports; `site_hosts`: the hosts this site answers besides its
    public address and the request's own (HILOS_ALLOWED_HOSTS, empty for any)."""
    router = APIRouter()

    def framable(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = csp_for_embeds
        return response

    def options(request: Request, lang: str) -> EmbedOptions | Response:
        try:
            return EmbedOptions.parse(dict(request.query_params))
        except BadOption as exc:
            return framable(pages.error(request, lang, 422, exc.say(lang), embed=True))

    def render_embed(
        request: Request,
        lang: str,
        chosen: EmbedOptions,
        title: str,
        page_url: str,
        **context: Any,
    ) -> Response:
        context.setdefault("run", None)
        context.setdefault("modes", None)
        return framable(
            pages.render(
                request,
                "embed.html",
                lang,
                title=title,
                page_url=page_url,
                opts=chosen,
                fragment=False,
                **context,
            )
        )

    @router.get("/embed/scenarios/{scenario_id}", response_class=Response, include_in_schema=False)
    async def embed_scenario(request: Request, scenario_id: str, lang: Lang) -> Response:
        """A scenario's player (its default run) for an iframe on any site; with
        `mode=choose`, the reader picks which thread goes on at each step; with
        `mode=explore`, every interleaving is explored and each different ending shown."""
        try:
            found = get_scenario(scenario_id)
        except UnknownScenario:
            message = say(lang, "error.no_scenario", id=scenario_id)
            return framable(pages.error(request, lang, 404, message, embed=True))
        chosen = options(request, lang)
        if isinstance(chosen, Response):
            return chosen
        try:
            choosing = read_mode(request.query_params, found, lang)
        except BadQuery as exc:
            return framable(pages.error(request, lang, 422, str(exc), embed=True))
        title = found.texts[lang].title
        values = {name: p.default for name, p in found.params.items()}
        if isinstance(choosing, Exploring):
            values = explore_values(found)  # its own, smaller values where none are given
        if choosing is not None:
            values |= choosing.params
        # The two modes of this embed keep its options, but for autoplay (a choice is made).
        kept = {
            k: v
            for k, v in parse_qsl(chosen.query(lang))
            if k not in ("lang", "autoplay", "predict")
        }
        modes = mode_links(found, lang, values, base=request.url.path, extra=kept)
        if isinstance(choosing, Exploring):
            modes["explore"] = choosing.link(modes["explore"], found)
            page = f"/scenarios/{found.id}?" + urlencode({"lang": lang} | choosing.query(found))
            explorer = explore_panel(
                found,
                lang,
                choosing,
                action=request.url.path,
                hidden={"lang": lang, **kept, "mode": "explore"},
                choose_url=modes["choose"],
            )
            return render_embed(
                request,
                lang,
                chosen,
                title,
                page,
                explorer=explorer,
                modes=modes,
                scenario=found,
                mode="explore",
            )
        if choosing is not None:
            page = mode_links(found, lang, values)["choose"]
            return render_embed(
                request,
                lang,
                chosen,
                title,
                page,
                chooser=choosing,
                modes=modes,
                scenario=found,
                mode="choose",
            )
        try:
            run = await service.default_run(found, lang)
        except Saturated:
            busy = MESSAGES[lang]["error.busy"]
            return framable(pages.error(request, lang, 429, busy, embed=True))
        page = f"/scenarios/{scenario_id}?lang={lang}"
        predict = _prediction(found, chosen, lang)
        if predict:
            page += "&predict=1"
        answer = render_embed(
            request, lang, chosen, title, page, run=run, modes=modes, predict=predict
        )
        answer.headers[PAGE_MARK] = "1"  # its default run: the same until the code changes
        return answer

    @router.get("/embed/runs/{run_id}", response_class=Response, include_in_schema=False)
    def embed_run(request: Request, run_id: str, lang: Lang) -> Response:
        """A saved run's player for an iframe on any site."""
        run = service.store.get(run_id)
        if run is None:
            message = say(lang, "error.no_run", id=run_id)
            return framable(pages.error(request, lang, 404, message, embed=True))
        chosen = options(request, lang)
        if isinstance(chosen, Response):
            return chosen
        refused = _not_a_schedule(request.query_params, lang)
        if refused:
            return framable(pages.error(request, lang, 422, refused, embed=True))
        page = f"/runs/{run_id}?lang={lang}"
        scenario = scenario_of(run)
        predict = _prediction(scenario, chosen, lang)
        if predict:
            page += "&predict=1"
        title = _run_title(run, lang)
        return render_embed(request, lang, chosen, title, page, run=run, predict=predict)

    @router.get(
        "/oembed",
        tags=["embed"],
        responses={
            200: {"model": OEmbed, "description": "the embed of a scenario or run page"},
            404: {"model": Problem, "description": "not a page of this site"},
            422: {"model": Problem, "description": "a value that does not fit"},
            501: {"model": Problem, "description": "a format other than json"},
        },
    )
    def oembed(
        request: Request,
        url: Annotated[str, Query(max_length=2000, description="a scenario or run page")],
        format: Annotated[str, Query(max_length=10)] = "json",
        maxwidth: Annotated[int | None, Query(ge=100, le=4000)] = None,
        maxheight: Annotated[int | None, Query(ge=100, le=4000)] = None,
    ) -> Response:
        """oEmbed 1.0 (`rich`) for scenario and run pages of this site."""
        if format != "json":
            return JSONResponse({"detail": "only format=json is offered"}, status_code=501)
        parts = urlsplit(url)
        query = QueryParams(parts.query)
        lang = negotiate(query.get("lang"), request.headers.get("accept-language"))
        base = pages.base(request)
        if not _this_site(parts, pages.public_base, request, site_hosts):
            return JSONResponse(
                {"detail": f"url must be a page of this site ({base})"}, status_code=404
            )
        path = parts.path
        prefix = urlsplit(base).path  # the site may live under a path of its public address
        if prefix and path.startswith(prefix + "/"):
            path = path[len(prefix) :]
        match = re.fullmatch(r"/(scenarios|runs|programs)/([A-Za-z0-9_-]{1,64})/?", path)
        if match is None:
            return JSONResponse(
                {"detail": "url must be a Hilos page: /scenarios/{id}, /runs/{id}, /programs/{id}"},
                status_code=404,
            )
        kind, ident = match.groups()
        moded: Scenario | Fixed | None = None
        if kind == "programs":
            program = service.store.get_program(ident)
            if program is None:
                return JSONResponse({"detail": f"no saved program {ident!r}"}, status_code=404)
            title = json.loads(program.document()).get("title") or (
                f"{MESSAGES[lang]['program.title']} {ident}"
            )
            moded = Fixed(ident)
        elif kind == "scenarios":
            try:
                moded = get_scenario(ident)
            except UnknownScenario as exc:
                return JSONResponse({"detail": str(exc)}, status_code=404)
            title = moded.texts[lang].title
        else:
            run = service.store.get(ident)
            if run is None:
                return JSONResponse({"detail": f"no saved run {ident!r}"}, status_code=404)
            title = _run_title(run, lang)
        # The embed is given every option of the page's address it takes, and refuses the
        # same ones: the answer says why instead of dropping them.
        refused = _embed_refuses(query, moded, lang)
        if refused:
            return JSONResponse({"detail": refused}, status_code=422)
        taken = set(_CHOICES) | set(_MODE_OPTIONS) | set(moded.params if moded else ())
        kept = [(k, v) for k, v in query.multi_items() if k in taken]
        width = min(EMBED_WIDTH, maxwidth or EMBED_WIDTH)
        # The modes and the question need more room than the player alone (docs/embedding.md).
        room = EMBED_HEIGHT + (100 if query.get("predict") == "1" else 0)
        if query.get("mode") in ("choose", "explore"):
            room = 720
        height = min(room, maxheight or room)
        src = f"{base}/embed/{kind}/{ident}?{urlencode([('lang', lang), *kept])}"
        body: dict[str, Any] = {
            "version": "1.0",
            "type": "rich",
            "provider_name": "Hilos",
            "provider_url": base + "/",
            "title": title,
            "html": iframe_html(src, f"Hilos: {title}", width, height),
            "width": width,
            "height": height,
        }
        return JSONResponse(body)

    @router.get(
        "/api/runs/{run_id}/perfetto",
        tags=["api"],
        responses={
            200: {
                "description": "Chrome Trace Event JSON",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            **errors(404),
        },
    )
    def run_perfetto(
        run_id: str,
        program: Annotated[
            str | None, Query(max_length=40, description="the custom scenario it is the run of")
        ] = None,
    ) -> Response:
        """The run as Chrome Trace Event JSON, to open in ui.perfetto.dev or chrome://tracing;
        with `program`, named by that custom scenario's title."""
        run = service.store.get(run_id)
        if run is None:
            return JSONResponse({"detail": f"no saved run {run_id!r}"}, status_code=404)
        custom = _custom_scenario(service, run, program, "en")
        if isinstance(custom, str):
            return JSONResponse({"detail": custom}, status_code=404)
        title = custom["title"] if custom else None
        body = json.dumps(perfetto(json.loads(run.document()), title), separators=(",", ":"))
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="hilos-{run_id}.perfetto.json"'},
        )

    @router.get("/runs/{run_id}/download", include_in_schema=False)
    def run_download(
        request: Request, run_id: str, lang: Lang, program: str | None = None
    ) -> Response:
        """The run and the player in one HTML file that works offline; with `program` (a
        custom scenario whose run it is), titled and introduced by its title and notes."""
        run = service.store.get(run_id)
        if run is None:
            message = say(lang, "error.no_run", id=run_id)
            return pages.error(request, lang, 404, message, fragment=False)
        custom = _custom_scenario(service, run, program, lang)
        if isinstance(custom, str):
            return pages.error(request, lang, 404, custom, fragment=False)
        document = json.loads(run.document())
        document["analysis"] = service.analysis(run, lang)
        if custom:
            page = standalone_html(document, lang, custom["title"], custom.get("notes"))
        else:
            page = standalone_html(document, lang)
        return Response(
            page,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="hilos-{run_id}.html"'},
        )

    return router


def _prediction(
    scenario: Scenario | None, chosen: EmbedOptions, lang: str
) -> dict[str, Any] | None:
    """The question asked before playing (`predict=1`), when the scenario has one."""
    if chosen.predict != "1" or scenario is None or scenario.prediction is None:
        return None
    return scenario.prediction.to_json(lang)


def _custom_scenario(
    service: RunService, run: StoredRun, program_id: str | None, lang: str
) -> dict[str, Any] | str | None:
    """The custom scenario (`program_id`) whose run this is, or why not (it is no such
    program, or not this run's)."""
    if program_id is None:
        return None
    stored = service.store.get_program(program_id[:40])
    if stored is None:
        return say(lang, "error.no_program", id=program_id[:40])
    found: dict[str, Any] = json.loads(stored.document())
    if found.get("run") != run.id and json.loads(run.document()).get("program") != found["id"]:
        return say(lang, "error.not_its_run", id=run.id, program=found["id"])
    return found if found.get("title") else None


def _run_title(run: StoredRun, lang: str) -> str:
    scenario = scenario_of(run)
    if scenario is not None:
        return f"{scenario.texts[lang].title} · {run.id}"
    return f"{MESSAGES[lang]['run.title']} {run.id}"


def _this_site(
    url: SplitResult, public_base: str | None, request: Request, hosts: list[str]
) -> bool:
    """Whether an address is one of this site's: on its public address (HILOS_PUBLIC_URL), or
    without one on the host the request came to, or on a host the site answers
    (HILOS_ALLOWED_HOSTS, `*.example.edu` for its subdomains). A path alone is this site's."""
    if not url.scheme and not url.netloc:
        return url.path.startswith("/")  # a path alone: a page of this site, whichever it is
    if url.scheme not in ("http", "https") or not url.netloc:
        return False
    netloc = url.netloc.lower()
    own = urlsplit(public_base).netloc if public_base else request.url.netloc
    if netloc == own.lower():
        return True
    host = (url.hostname or "").lower()
    return any(
        host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
        for pattern in (h.lower() for h in hosts)
    )


def _embed_refuses(query: QueryParams, moded: Scenario | Fixed | None, lang: str) -> str | None:
    """Why the embed of a page (a scenario or program: `moded`; a run: None) would refuse the
    options of its address, in `lang`; None when it takes them all."""
    try:
        EmbedOptions.parse(dict(query))
    except BadOption as exc:
        return exc.say(lang)
    if moded is None:
        return _not_a_schedule(query, lang)
    try:
        read_mode(query, moded, lang)
    except BadQuery as exc:
        return str(exc)
    return None


def _not_a_schedule(query: QueryParams, lang: str) -> str | None:
    """Why a saved run's embed refuses its mode options (a run plays as it was recorded)."""
    mode = query.get("mode") or "play"
    if mode == "choose":
        return say(lang, "error.choose_run")
    if mode == "explore":
        return say(lang, "error.explore_run")
    if mode != "play":
        return say(lang, "error.option", name="mode", allowed="play, choose", got=mode)
    for name in ("choices", "then"):
        if name in query:
            return say(lang, "error.choices_mode", name=name)
    if "preemptions" in query:
        return say(lang, "error.explore_mode", name="preemptions")
    return None
