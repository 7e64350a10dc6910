"""One Jinja environment, configured in one place: autoescape, hashed static URLs, words."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..analysis.narration import format_number
from ..paths import STATIC, TEMPLATES
from .i18n import LANGS, MESSAGES

__all__ = ["STATIC", "Pages", "oembed_url", "paragraphs", "static_url"]

# The words the player (JavaScript) shows, handed to it as JSON in the page.
_PLAYER_KEYS = [key for key in MESSAGES["en"] if key.startswith(("player.", "state.", "outcome."))]


@cache
def _digest(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


def oembed_url(base: str, path: str) -> str:
    """The oEmbed discovery URL of one of this site's pages (`base`: the site's address)."""
    return f"{base}/oembed?{urlencode({'url': base + path, 'format': 'json'})}"


def static_url(path: str) -> str:
    """A static file's URL with its content hash, so it can be cached for a year."""
    return f"/static/{path}?_hash={_digest(path)}"


def paragraphs(text: str) -> list[str]:
    """Text split at its blank lines, whatever line ends it was written with (a browser's
    form sends \\r\\n; notes saved before they were made \\n are shown the same)."""
    parts = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [part.strip() for part in parts if part.strip()]


class Pages:
    def __init__(self, public_base: str | None = None) -> None:
        self.public_base = public_base
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        self.templates.env.globals["site_base"] = self.base
        self.templates.env.globals["static_url"] = static_url
        self.templates.env.globals["langs"] = LANGS
        self.templates.env.globals["messages"] = MESSAGES
        self.templates.env.filters["number"] = format_number
        self.templates.env.filters["paragraphs"] = paragraphs

    def base(self, request: Request) -> str:
        """The site's address for absolute links: HILOS_PUBLIC_URL when set, else the one the
        request came to (fine on one's own machine; behind a shared cache, set the setting, or
        one forged Host header would be copied to everyone)."""
        return self.public_base or str(request.base_url).rstrip("/")

    def render(
        self, request: Request, name: str, lang: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        words = MESSAGES[lang]
        context.setdefault("fragment", request.headers.get("hx-request") == "true")
        context.setdefault("oembed_url", None)
        context.update(
            lang=lang,
            t=words,
            player_strings={key: words[key] for key in _PLAYER_KEYS},
        )
        response = self.templates.TemplateResponse(request, name, context, status_code=status_code)
        response.headers["Content-Language"] = lang
        response.headers["Vary"] = "Accept-Language, HX-Request"
        return response

    def error(
        self,
        request: Request,
        lang: str,
        status: int,
        message: str,
        *,
        embed: bool = False,
        **context: Any,
    ) -> HTMLResponse:
        """The page that says why, in `lang`: the site's, or for an iframe (`embed`) the reason
        alone, without the site around it (framing is the caller's to allow)."""
        if embed:
            context.setdefault("fragment", False)
        name = "embed_error.html" if embed else "error.html"
        return self.render(request, name, lang, status, status=status, message=message, **context)
