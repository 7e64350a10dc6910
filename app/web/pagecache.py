"""Pages that change only when the code changes, rendered once and served like saved runs.

The gallery, a scenario's page with its default run and that run's embed are the same for
every reader of one language until the code (or a scenario's files) changes, which restarts
the server. A route marks such an answer with the `x-hilos-page` header; this layer keeps its
bytes (plain and gzipped, compressed once) under the address, the language and whether htmx
asked for the fragment, and answers the next request for it before routing, with an `ETag`
(`If-None-Match` gives 304) and `no-cache`, so browsers and proxies revalidate and get a
304 at the cost of a dictionary look-up.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .i18n import negotiate

__all__ = ["MARK", "PageCache"]

MARK = "x-hilos-page"  # set by a route on an answer that may be kept; never sent out
_KEPT = 256
# The addresses of the pages a route may mark; any other answer passes untouched.
_PAGES = re.compile(r"/|/scenarios/[A-Za-z0-9_-]{1,64}|/embed/scenarios/[A-Za-z0-9_-]{1,64}")
_DROPPED = {MARK.encode(), b"content-length", b"content-encoding", b"etag", b"cache-control"}


@dataclass(frozen=True)
class _Page:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    gzipped: bytes
    etag: bytes


class PageCache:
    def __init__(self, app: ASGIApp, *, fixed_base: bool) -> None:
        self.app = app
        self.fixed_base = fixed_base  # absolute links come from a setting, not from Host
        self._pages: OrderedDict[tuple[object, ...], _Page] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple[object, ...]:
        query: bytes = scope.get("query_string", b"")
        lang_in_query = None
        for pair in query.split(b"&"):
            name, _, value = pair.partition(b"=")
            if name == b"lang":
                lang_in_query = value.decode("latin-1")[:16]
        accept = headers.get(b"accept-language")
        lang = negotiate(lang_in_query, accept.decode("latin-1") if accept else None)
        where = None if self.fixed_base else (scope.get("scheme"), headers.get(b"host"))
        return (scope["path"], query, lang, headers.get(b"hx-request") == b"true", where)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not _PAGES.fullmatch(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = self._key(scope, headers)
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
        if page is None:
            page = await self._render(scope, receive, send, headers)
            if page is None:
                return  # answered by the route as it is: not a page that may be kept
            with self._lock:
                self._pages[key] = page
                while len(self._pages) > _KEPT:
                    self._pages.popitem(last=False)
        await _serve(page, headers, send)

    async def _render(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]
    ) -> _Page | None:
        """Let the route answer; keep the answer when it is marked."""
        start: Message | None = None
        chunks: list[bytes] = []
        kept = False

        async def capture(message: Message) -> None:
            nonlocal start, kept
            if message["type"] == "http.response.start":
                kept = message["status"] == 200 and any(
                    k.lower() == MARK.encode() for k, _ in message.get("headers", [])
                )
                if kept:
                    start = message
                    return
            elif kept and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                return
            await send(message)

        await self.app(scope, receive, capture)
        if not kept or start is None:
            return None
        body = b"".join(chunks)
        if (b"content-encoding", b"gzip") in start.get("headers", []):
            body = gzip.decompress(body)  # compressed on the way for this client: keep it plain
        digest = hashlib.sha256(body).hexdigest()[:32]
        return _Page(
            status=200,
            headers=[(k, v) for k, v in start.get("headers", []) if k.lower() not in _DROPPED],
            body=body,
            gzipped=gzip.compress(body, compresslevel=6, mtime=0),
            etag=f'"p{digest}"'.encode(),
        )


async def _serve(page: _Page, headers: dict[bytes, bytes], send: Send) -> None:
    common = [(b"etag", page.etag), (b"cache-control", b"public, no-cache")]
    if page.etag in _etags(headers.get(b"if-none-match")):
        await send({"type": "http.response.start", "status": 304, "headers": common})
        await send({"type": "http.response.body", "body": b""})
        return
    response_headers = page.headers + common
    body = page.body
    if b"gzip" in headers.get(b"accept-encoding", b"").lower():
        body = page.gzipped
        response_headers = response_headers + [(b"content-encoding", b"gzip")]
    response_headers = response_headers + [(b"content-length", str(len(body)).encode())]
    vary = [v for k, v in response_headers if k == b"vary"]
    if not vary:
        response_headers.append((b"vary", b"Accept-Encoding"))
    elif b"accept-encoding" not in vary[0].lower():
        response_headers = [
            (k, v + b", Accept-Encoding" if k == b"vary" else v) for k, v in response_headers
        ]
    await send({"type": "http.response.start", "status": page.status, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})


def _etags(value: bytes | None) -> set[bytes]:
    if not value:
        return set()
    return {tag.strip().removeprefix(b"W/") for tag in value.split(b",")}
