"""ASGI middleware of the whole app: security headers, a bound on request bodies, HEAD and
OPTIONS.

Plain ASGI classes rather than BaseHTTPMiddleware: on the hot path (saved runs) that
wrapper cost more than the route itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import BaseRoute, Match, Mount, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "HeadAndOptions", "SecurityHeaders"]


class SecurityHeaders:
    """Headers every response carries. Plain ASGI: a BaseHTTPMiddleware would cost more than
    serving a saved trace does."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", self.csp)
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


class BodyTooLarge(BaseException):
    """Raised from `receive`: a BaseException, so that the framework's own handlers (which
    would turn it into a 400 or 500) let it through to BodyLimit."""


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, whether announced by Content-Length
    or streamed in chunks, before the app reads them whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self.refuse(send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if not started:
                await self.refuse(send)

    async def refuse(self, send: Send) -> None:
        body = json.dumps(
            {"detail": f"request body too large: at most {self.max_bytes} bytes"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class HeadAndOptions:
    """`HEAD` as the `GET` it stands for, without the body, and `OPTIONS` answered with what
    the address allows: link checkers and monitors use both, and FastAPI's routes answer
    only the methods they declare."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http" or method not in ("HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if method == "HEAD":

            async def without_body(message: Message) -> None:
                if message["type"] == "http.response.body" and message.get("body"):
                    message = {**message, "body": b""}
                await send(message)

            await self.app({**scope, "method": "GET"}, receive, without_body)
            return
        allowed = self.allowed(scope)
        if not allowed:
            await self.app(scope, receive, send)  # not an address of the site: its 404
            return
        allow = ", ".join(sorted(allowed | {"OPTIONS"})).encode()
        headers = [(b"allow", allow), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    def allowed(self, scope: Scope) -> set[str]:
        """The methods some route or mount takes at this address."""
        methods = _methods(self.router.routes, {**scope, "method": "GET"})
        if "GET" in methods:
            methods.add("HEAD")
        return methods


def _methods(routes: Sequence[BaseRoute], scope: Scope) -> set[str]:
    methods: set[str] = set()
    for route in routes:
        match, child = route.matches(scope)
        if match == Match.NONE:
            continue
        if isinstance(route, Mount) and not route.routes:  # static files
            methods |= {"GET", "HEAD"}
        # An included router: its own routes (FastAPI keeps the router it includes).
        included = getattr(route, "original_router", route)
        nested = getattr(included, "routes", None)
        if nested and not isinstance(route, Mount):
            methods |= _methods(nested, {**scope, **child})
        methods.update(getattr(route, "methods", None) or ())
    return methods
