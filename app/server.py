"""`hilos serve`: uvicorn with the limits one machine needs when nothing stands in front of it.

uvicorn's fast parser (httptools) takes request heads of any size and any number of headers,
and waits for a head without end. `LimitedHttpTools` refuses a head over `MAX_HEAD_BYTES` or
`MAX_HEADERS` with 431 and closes a connection whose head has not arrived within
`HEAD_SECONDS` (a client that opens connections and sends nothing, or a byte at a time).
Idle keep-alive connections close after `KEEP_ALIVE_SECONDS`; past `MAX_CONNECTIONS` at once
a process answers 503 rather than fall over. A reverse proxy in front (docs/deploy.md) adds
its own limits; these hold without one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["LIMITS", "LimitedHttpTools", "serve"]

MAX_HEAD_BYTES = 32 * 1024  # request line and headers, as a proxy's large header buffers
MAX_HEADERS = 100
HEAD_SECONDS = 10.0
KEEP_ALIVE_SECONDS = 5
MAX_CONNECTIONS = 2048  # per process: connections and requests in progress

# The same limits for uvicorn's other parser (h11), and the rest of the server's settings.
LIMITS: dict[str, Any] = {
    "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    "limit_concurrency": MAX_CONNECTIONS,
    "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    "backlog": 2048,
}


class LimitedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with bounded request heads (see the module)."""

    _head_bytes = 0
    _head_count = 0
    _head_timer: asyncio.TimerHandle | None = None
    _refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._head_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)

    def on_message_begin(self) -> None:
        self._head_bytes = self._head_count = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url), 0)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4, 1)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _count(self, size: int, headers: int) -> None:
        self._head_bytes += size
        self._head_count += headers
        if self._head_bytes > MAX_HEAD_BYTES or self._head_count > MAX_HEADERS:
            self._refuse(431, b"request header fields too large")
            # Stops the parser; uvicorn would answer 400 to it, but the connection is closed.
            raise ValueError("request head too large")

    def send_400_response(self, msg: str) -> None:
        if not self._refused:
            super().send_400_response(msg)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(HEAD_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _too_slow(self) -> None:
        self._head_timer = None
        if self.cycle is None or self.cycle.response_complete:
            self._refuse(408, b"request head not received in time")

    def _refuse(self, status: int, reason: bytes) -> None:
        self._refused = True
        self._disarm()
        if self.transport.is_closing():
            return
        phrase = b"Request Timeout" if status == 408 else b"Request Header Fields Too Large"
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s"
            % (status, phrase, len(reason), reason)
        )
        self.transport.close()


def serve(
    host: str, port: int, workers: int, *, access_log: bool = False, log_level: str = "info"
) -> None:
    """Run the app (`app.main:create_app`, settings from HILOS_*) until interrupted.

    The store is opened, migrated and written to once first: a database that cannot be
    written stops here with one line and status 3, before any worker starts."""
    from .settings import Settings
    from .store import writable_store

    writable_store(Settings().store_target()).close()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=LimitedHttpTools,
        loop="auto",
        # The app reads X-Forwarded-* itself, from HILOS_TRUSTED_PROXIES only.
        proxy_headers=False,
        access_log=access_log,
        log_level=log_level,
        server_header=False,
        **LIMITS,
    )
