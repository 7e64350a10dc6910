"""Who may start a live run now: a fair share per client, refused cheaply at the edge.

Plain ASGI, before any routing or body parsing: a refusal costs a dictionary look-up and a
few hundred bytes. A client is its address (behind trusted proxies, the forwarded one: the
proxy-headers layer outside this one sets it). Each address has a token bucket: `burst` runs
at once, then `per_minute` a minute; a run that finds no slot and no room in the waiting line
is refused the same way, and keeps its token.

A request takes its token before anything reads its body, so a flood costs no parsing. What
pays the whole token is a run started (the run executor says so, `run_started`): a request
that ends without one (a typo in its JSON, an unknown scenario or parameter, a value out of
range, a body too large) gives back all but `REFUSED_COST` of it. A student who corrects a
typo keeps their runs, and a client sending only invalid requests is still bounded, at four
of them for each run it could start.

A client that comes back before its Retry-After is up gets its 429 only after a pause (up to
a second), so clients that ignore Retry-After cannot turn the refusals into a flood that slows
everyone's pages.
"""

from __future__ import annotations

import asyncio
import html
import json
import math
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from .i18n import MESSAGES, negotiate, say

__all__ = ["REFUSED_COST", "Admission", "TokenBuckets", "run_cost", "run_started"]


# The requests that record: POST of a run, an exploration, the page's form, a controlled run.
_LIVE_RUN = re.compile(r"/api/(runs|explorations)/?|/scenarios/[^/]+/runs/?|/write/runs/?")
_STEP = re.compile(r"/api/schedules/?")
# A controlled run takes milliseconds and "You choose" asks for one per click: a tenth of a
# token each, so a student clicking through a schedule is never held back.
_STEP_COST = 0.1
# What a request that started no run keeps of its token (at most its cost).
REFUSED_COST = 0.25
_TARPIT_SECONDS = 1.0
_TARPIT_MAX = 512  # refusals held back at once; past that they are answered at once
_KEPT = 20_000  # addresses remembered; the idle (full) buckets are forgotten first


def run_cost(method: str, path: str) -> float:
    """The tokens a request takes: 1 for a live run, less for a step of "You choose", 0 for
    anything else."""
    if method != "POST":
        return 0.0
    if _LIVE_RUN.fullmatch(path):
        return 1.0
    return _STEP_COST if _STEP.fullmatch(path) else 0.0


@dataclass
class _Ticket:
    ran: bool = False


# The request being answered, for the executor to mark when it starts a run. A context
# variable: the executor sits layers below the edge, and every route that records reaches it.
_ADMITTED: ContextVar[_Ticket | None] = ContextVar("hilos_admitted", default=None)


def run_started() -> None:
    """Note that the request being answered started a run: it pays its whole token."""
    ticket = _ADMITTED.get()
    if ticket is not None:
        ticket.ran = True


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    refused_until: float = 0.0


class TokenBuckets:
    """A token bucket per key: `burst` tokens, refilled at `per_minute` a minute."""

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, cost: float = 1.0) -> float:
        """Take `cost` tokens for `key`: 0 when granted, else the seconds until they are
        there."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _KEPT:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        else:
            self._refill(bucket, now)
        if bucket.tokens >= cost - 1e-9:  # tenths add up to a little less than one
            bucket.tokens -= cost
            return 0.0
        return (cost - bucket.tokens) / self.rate

    def give(self, key: str, tokens: float) -> None:
        """Give `tokens` back to `key` (taken for a run that did not start)."""
        bucket = self._buckets.get(key)
        if bucket is not None and tokens > 0:
            self._refill(bucket, self.clock())
            bucket.tokens = min(self.burst, bucket.tokens + tokens)

    def _refill(self, bucket: _Bucket, now: float) -> None:
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now

    def refused(self, key: str, until: float) -> float:
        """Note that `key` was told to come back at `until`; return how much earlier than its
        last Retry-After it came back this time (0 when it waited)."""
        now = self.clock()
        bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
        early = max(0.0, bucket.refused_until - now)
        bucket.refused_until = max(bucket.refused_until, until)
        return early

    def _forget_idle(self, now: float) -> None:
        full = [
            key
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.stamp) * self.rate >= self.burst
            and bucket.refused_until <= now
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= _KEPT:  # all busy: forget the oldest half
            for key in list(self._buckets)[: _KEPT // 2]:
                del self._buckets[key]


class Admission:
    """429 with Retry-After for a live run a client may not start now (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        buckets: TokenBuckets,
        saturated: Callable[[], bool],
        retry_after: int,
    ) -> None:
        self.app = app
        self.buckets = buckets
        self.saturated = saturated
        self.retry_after = retry_after
        self._held = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cost = run_cost(scope["method"], scope["path"]) if scope["type"] == "http" else 0.0
        if not cost:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "?"
        wait = self.buckets.take(key, cost)
        if wait == 0 and not self.saturated():
            ticket = _Ticket()
            admitted = _ADMITTED.set(ticket)
            try:
                await self.app(scope, receive, send)
            finally:
                _ADMITTED.reset(admitted)
                if not ticket.ran:
                    self.buckets.give(key, cost - min(cost, REFUSED_COST))
            return
        if wait == 0:  # taken, but no run can start now: the client keeps its share
            self.buckets.give(key, cost)
        retry = max(self.retry_after if wait == 0 else 0, math.ceil(wait))
        early = self.buckets.refused(key, self.buckets.clock() + retry)
        if early > 0 and self._held < _TARPIT_MAX:
            self._held += 1
            try:
                await asyncio.sleep(min(_TARPIT_SECONDS, early))
            finally:
                self._held -= 1
        await _refuse(scope, send, retry, per_client=wait > 0)


async def _refuse(scope: Scope, send: Send, retry: int, *, per_client: bool) -> None:
    headers = dict(scope["headers"])
    lang = negotiate(_query_lang(scope), _text(headers.get(b"accept-language")))
    words = MESSAGES[lang]
    message = words["error.too_many_runs" if per_client else "error.busy"]
    response_headers = [(b"retry-after", str(retry).encode()), (b"cache-control", b"no-store")]
    if scope["path"].startswith("/api/"):
        # In the language of `?lang=` or Accept-Language: the body (and its `lang`) is not read.
        detail = say(lang, "api.error.too_many_runs", seconds=retry) if per_client else message
        body = json.dumps({"detail": detail}).encode()
        response_headers.append((b"content-type", b"application/json"))
    else:
        # The form of a scenario's page: into its error slot (htmx), or a page that says why.
        text = (
            f'<p class="error" role="alert"><strong>{html.escape(words["error.title"])}:'
            f"</strong> {html.escape(message)}</p>"
        )
        if headers.get(b"hx-request") == b"true":
            response_headers += [(b"hx-retarget", b"#run-error"), (b"hx-reswap", b"innerHTML")]
        else:
            back = html.escape(scope["path"].rstrip("/").removesuffix("/runs") + f"?lang={lang}")
            text = (
                f'<!doctype html><html lang="{lang}"><meta charset="utf-8">'
                f"<title>{html.escape(words['error.title'])} · Hilos</title>"
                f'{text}<p><a href="{back}">{html.escape(words["error.back"])}</a></p></html>'
            )
        body = text.encode()
        response_headers += [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-language", lang.encode()),
        ]
    response_headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 429, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


def _query_lang(scope: Scope) -> str | None:
    query: bytes = scope.get("query_string", b"")
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        if name == b"lang":
            return value.decode("latin-1")[:16]
    return None
