"""The pages of programs people write: the editor ("Write your own"), a program's permalink
with its run and modes, saving it as a custom scenario, and its embed."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BeforeValidator, Field

from ..runner import ALLOWED_IMPORTS, apply_parameters
from ..scenarios import UnknownScenario, get_scenario
from ..store import StoredRun
from ..tracing import Trace
from .embed import BadOption, EmbedOptions, Fixed
from .i18n import MESSAGES, say
from .pages import (
    BadQuery,
    Choosing,
    Exploring,
    Lang,
    ProgramView,
    explore_panel,
    mode_links,
    read_mode,
    values_in_order,
)
from .programs import (
    MAX_EVENTS,
    MAX_NOTES,
    MAX_THREADS,
    MAX_TITLE,
    PROGRAM_FILE,
    ProgramProblem,
    ProgramService,
    exception_problem,
    grouped,
    one_line_end,
)
from .runs import Saturated
from .schemas import ProgramDocument, RequestBody, errors
from .templating import Pages, oembed_url

__all__ = ["program_router"]

# What the editor holds before anyone writes: a short program that shows threads at work.
STARTER = {
    "es": """import threading
import time

HILOS = 3

def trabaja(n):
    time.sleep(0.01 * n)
    print(f"hilo {n} listo")

hilos = [threading.Thread(target=trabaja, args=(n,)) for n in range(HILOS)]
for h in hilos:
    h.start()
for h in hilos:
    h.join()
print("fin")
""",
    "en": """import threading
import time

THREADS = 3

def work(n):
    time.sleep(0.01 * n)
    print(f"thread {n} done")

threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("done")
""",
}


# Line ends are made \n before the lengths are checked: \r\n is one line end, not two.
Lines = Annotated[str, BeforeValidator(lambda v: one_line_end(v) if isinstance(v, str) else v)]


class SaveRequest(RequestBody):
    program: str = Field(max_length=40, description="the id of a program run on the site")
    title: Lines = Field(min_length=1, max_length=MAX_TITLE)
    notes: Lines = Field("", description="paragraphs split by blank lines", max_length=MAX_NOTES)


def program_router(
    *,
    programs: ProgramService,
    pages: Pages,
    retry_after: int,
    max_seconds: float,
    csp_for_embeds: str,
) -> tuple[APIRouter, ProgramView]:
    """The routes, and the view the run page hands a run of a program to."""
    router = APIRouter()

    def limits(lang: str) -> dict[str, str]:
        return {
            "size": grouped(programs.max_chars, lang),
            "seconds": f"{max_seconds:g}",
            "threads": str(MAX_THREADS),
            "events": grouped(MAX_EVENTS, lang),
            "imports": ", ".join(sorted(ALLOWED_IMPORTS)),
        }

    def render(
        request: Request, lang: str, status: int = 200, name: str = "write.html", **context: Any
    ) -> HTMLResponse:
        context.setdefault("program", None)
        context.setdefault("run", None)
        context.setdefault("run_params", None)
        context.setdefault("problem", None)
        context.setdefault("error", None)
        context.setdefault("modes", None)
        context.setdefault("mode", "play")
        # Which page a draft typed in the editor belongs to (static/js/drafts.js).
        program = context["program"]
        context.setdefault("draft", f"program:{program['id']}" if program else "write")
        return pages.render(
            request, name, lang, status, limits=limits(lang), scenario=None, **context
        )

    def shown_run(run: StoredRun, lang: str) -> dict[str, Any]:
        """What the page says beside a run: its values, and the exception that ended it."""
        document = json.loads(run.document())
        trace = Trace.from_json(document["trace"])
        problem = exception_problem(trace, lang)
        return {
            "run": run,
            "run_params": values_in_order(json.loads(run.params), None, trace.source),
            "problem": problem and {"message": str(problem), "line": problem.line},
        }

    def modes_of(program: dict[str, Any], lang: str, play: str | None = None) -> dict[str, str]:
        fixed = Fixed(program["id"])
        return mode_links(fixed, lang, {}, base=f"/programs/{program['id']}", play=play)

    def program_or_404(
        request: Request, program_id: str, lang: str, embed: bool = False
    ) -> dict[str, Any] | Response:
        found = programs.get(program_id) if program_id.isalnum() else None
        if found is None:
            message = say(lang, "error.no_program", id=program_id[:40])
            answer = pages.error(request, lang, 404, message, embed=embed)
            if embed:
                answer.headers["Content-Security-Policy"] = csp_for_embeds
            return answer
        return found

    @router.get("/write", response_class=HTMLResponse, tags=["pages"], include_in_schema=False)
    def write(request: Request, lang: Lang, scenario: str | None = None) -> Response:
        """The editor, empty but for a starter program, or holding a scenario's program (with
        the values the address gives) to edit: "Edit this program"."""
        source, draft = STARTER[lang], "write"
        if scenario is not None:
            try:
                found = get_scenario(scenario)
            except UnknownScenario:
                return pages.error(request, lang, 404, say(lang, "error.no_scenario", id=scenario))
            given = {k: v for k, v in request.query_params.items() if k in found.params}
            try:
                source, _ = apply_parameters(found.source(lang), given, found.params)
            except ValueError as exc:
                return pages.error(request, lang, 422, str(exc))
            draft = f"scenario:{scenario}?{urlencode(sorted(given.items()))}"
        return render(request, lang, source=source, starter=scenario is None, draft=draft)

    @router.post(
        "/write/runs", response_class=HTMLResponse, tags=["pages"], include_in_schema=False
    )
    async def run_program(
        request: Request,
        lang: Lang,
        hx_request: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Run the program in the form: the run's panel (htmx) or its page, or why not, with
        the line it points at."""
        form = await request.form()
        source = one_line_end(str(form.get("source") or ""))
        headers: dict[str, str] = {}
        try:
            program = programs.check(source, {}, lang)
            run = await programs.record(program, lang)
        except ProgramProblem as exc:
            status, problem = 422, {"message": str(exc), "line": exc.line}
        except Saturated:
            status, problem = 429, {"message": MESSAGES[lang]["error.busy"], "line": 0}
            headers["Retry-After"] = str(retry_after)
        else:
            if not hx_request:
                return RedirectResponse(f"/runs/{run.id}?lang={lang}", status_code=303)
            stored = programs.get(program.id)
            assert stored is not None
            answer = render(
                request,
                lang,
                201,
                name="_program_result.html",
                program=stored,
                modes=modes_of(stored, lang, play=f"/runs/{run.id}?lang={lang}"),
                lang_path=f"/runs/{run.id}",
                swap_langs=True,
                **shown_run(run, lang),
            )
            answer.headers["HX-Push-Url"] = f"/runs/{run.id}?lang={lang}"
            return answer
        if hx_request:
            answer = pages.render(request, "_program_error.html", lang, status, problem=problem)
            answer.headers.update({"HX-Retarget": "#run-error", "HX-Reswap": "innerHTML"})
        else:
            answer = render(request, lang, status, source=source, error=problem)
        answer.headers.update(headers)
        return answer

    def program_page(
        request: Request, program: dict[str, Any], lang: str, run: StoredRun | None
    ) -> Response:
        pid = program["id"]
        fixed = Fixed(pid)
        try:
            chosen = read_mode(request.query_params, fixed, lang)
        except BadQuery as exc:
            return pages.error(request, lang, 422, str(exc))
        # The editor holds what ran: the values given with the program written into it.
        source = program["source"]
        if program["params"]:
            source = apply_parameters(source, program["params"], filename=PROGRAM_FILE)[0]
        common: dict[str, Any] = {
            "program": program,
            "source": source,
            "oembed_url": oembed_url(pages.base(request), f"/programs/{pid}?lang={lang}"),
        }
        if isinstance(chosen, Exploring):
            modes = modes_of(program, lang)
            modes["explore"] = chosen.link(modes["explore"], fixed)
            explorer = explore_panel(
                fixed,
                lang,
                chosen,
                action=f"/programs/{pid}",
                hidden={"lang": lang, "mode": "explore"},
                choose_url=modes["choose"],
            )
            extra = "&" + urlencode(chosen.query(fixed))
            return render(
                request,
                lang,
                mode="explore",
                explorer=explorer,
                modes=modes,
                lang_extra=extra,
                **common,
            )
        if isinstance(chosen, Choosing):
            return render(
                request,
                lang,
                mode="choose",
                chooser=chosen,
                modes=modes_of(program, lang),
                lang_extra=chosen.lang_query(fixed),
                **common,
            )
        if run is None:
            run = programs.store.get(program["run"])
        play = f"/runs/{run.id}?lang={lang}" if run else None
        context = shown_run(run, lang) if run else {}
        return render(request, lang, modes=modes_of(program, lang, play=play), **context, **common)

    @router.get(
        "/programs/{program_id}",
        response_class=HTMLResponse,
        tags=["pages"],
        include_in_schema=False,
    )
    def program(request: Request, program_id: str, lang: Lang) -> Response:
        """A program's permalink: its source, its values and its first run; with `mode=choose`
        or `mode=explore`, its interleavings."""
        found = program_or_404(request, program_id, lang)
        if isinstance(found, Response):
            return found
        return program_page(request, found, lang, None)

    def run_view(request: Request, run: StoredRun, lang: str) -> Response | None:
        found = programs.program_of(run)
        if found is None:
            return None
        return program_page(request, found, lang, run)

    @router.post(
        "/programs/{program_id}/scenario",
        response_class=HTMLResponse,
        tags=["pages"],
        include_in_schema=False,
    )
    async def save_page(request: Request, program_id: str, lang: Lang) -> Response:
        """Save the program as a custom scenario (a title and notes), then open it."""
        found = program_or_404(request, program_id, lang)
        if isinstance(found, Response):
            return found
        form = await request.form()
        title = one_line_end(str(form.get("title") or "")).strip()
        notes = one_line_end(str(form.get("notes") or "")).strip()
        problem = _save_problem(title, notes, lang)
        if problem:
            return render(
                request,
                lang,
                422,
                program=found,
                source=found["source"],
                save_error=problem,
                save_values={"title": title, "notes": notes},
                modes=modes_of(found, lang),
            )
        saved = programs.save_as_scenario(found, title, notes)
        return RedirectResponse(f"/programs/{saved['id']}?lang={lang}", status_code=303)

    @router.get(
        "/api/programs/{program_id}",
        tags=["api"],
        response_model=ProgramDocument,
        responses=errors(404),
    )
    def get_program(program_id: str) -> Response:
        """A stored program: its source, values, first run, and title and notes when it is a
        custom scenario. Never changes (immutable caching)."""
        stored = programs.store.get_program(program_id)
        if stored is None:
            raise HTTPException(404, f"no saved program {program_id!r}")
        return Response(
            stored.document(),
            media_type="application/json",
            headers={"ETag": stored.etag, "Cache-Control": "public, max-age=31536000, immutable"},
        )

    @router.post(
        "/api/programs",
        status_code=201,
        tags=["api"],
        response_model=ProgramDocument,
        responses=errors(404, 422),
    )
    def save_program(body: SaveRequest) -> JSONResponse:
        """Save a program run on the site as a custom scenario with a title and notes: a new
        program (its own id, the same source, values and run). The same content gives the
        same id; what is saved is never changed."""
        found = programs.get(body.program)
        if found is None:
            raise HTTPException(404, f"no saved program {body.program!r}")
        if not body.title.strip():
            raise HTTPException(422, "the title must not be blank")
        saved = programs.save_as_scenario(found, body.title, body.notes)
        return JSONResponse(
            saved | {"embed": f"/embed/programs/{saved['id']}"},
            status_code=201,
            headers={"Location": f"/api/programs/{saved['id']}"},
        )

    @router.get(
        "/embed/programs/{program_id}",
        response_class=Response,
        tags=["embed"],
        include_in_schema=False,
    )
    def embed_program(request: Request, program_id: str, lang: Lang) -> Response:
        """A program's player (its run) for an iframe on any site; with `mode=choose` or
        `mode=explore`, as for a scenario."""
        found = program_or_404(request, program_id, lang, embed=True)
        if isinstance(found, Response):
            return found

        def framable(response: Response) -> Response:
            response.headers["Content-Security-Policy"] = csp_for_embeds
            return response

        try:
            chosen = EmbedOptions.parse(dict(request.query_params))
        except BadOption as exc:
            return framable(pages.error(request, lang, 422, exc.say(lang), embed=True))
        fixed = Fixed(found["id"])
        try:
            moded = read_mode(request.query_params, fixed, lang)
        except BadQuery as exc:
            return framable(pages.error(request, lang, 422, str(exc), embed=True))
        kept = {k: v for k, v in parse_qsl(chosen.query(lang)) if k not in ("lang", "autoplay")}
        modes = mode_links(fixed, lang, {}, base=request.url.path, extra=kept)
        context: dict[str, Any] = {
            "title": found["title"] or f"{MESSAGES[lang]['program.title']} {found['id']}",
            "page_url": f"/programs/{found['id']}?lang={lang}",
            "opts": chosen,
            "fragment": False,
            "modes": modes,
            "program": found,
            "run": None,
        }
        if isinstance(moded, Exploring):
            modes["explore"] = moded.link(modes["explore"], fixed)
            context["explorer"] = explore_panel(
                fixed,
                lang,
                moded,
                action=request.url.path,
                hidden={"lang": lang, **kept, "mode": "explore"},
                choose_url=modes["choose"],
            )
            context["mode"] = "explore"
        elif isinstance(moded, Choosing):
            context |= {"chooser": moded, "mode": "choose"}
        else:
            context["run"] = programs.store.get(found["run"])
        return framable(pages.render(request, "embed.html", lang, **context))

    return router, run_view


def _save_problem(title: str, notes: str, lang: str) -> str | None:
    words = MESSAGES[lang]
    if not title:
        return words["write.error.title"]
    for name, text, most in (("title", title, MAX_TITLE), ("notes", notes, MAX_NOTES)):
        if len(text) > most:
            field_name = words["write.save.name" if name == "title" else "write.save.notes"]
            return say(lang, "write.error.long", field=field_name, n=most, got=len(text))
    return None
