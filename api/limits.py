"""Protections in front of the work: a request-body cap, rate limits, and a bounded queue with a deadline.

Three pure ASGI middlewares, installed by ``install_limits`` (from ``create_app``), outermost first:

* ``RateLimitMiddleware``: a token bucket per client IP and, when a request presents an admin key, one per key
  (keyed by the key's sha256, never the key): ``api.rate_limit_per_minute`` tokens a minute, at most
  ``api.rate_limit_burst`` at once. An empty bucket answers 429 ``rate_limited`` with ``Retry-After``. The buckets
  live in the memory of one process: with N workers a client gets up to N times the rate. 0 turns it off.
* ``BodyLimitMiddleware``: at most ``api.max_body_bytes`` of request body. A larger ``Content-Length`` is refused
  before anything is read; a body without one (chunked) is counted as it arrives and refused as soon as it passes
  the cap, so it is never buffered whole. 413 ``payload_too_large``.
* ``ConcurrencyMiddleware``: at most ``api.max_concurrent`` requests are worked on at once; a request waits at most
  ``api.queue_timeout_s`` for a slot, then answers 503 ``overloaded`` with ``Retry-After``. A request that has not
  started its response within ``api.request_timeout_s`` answers 503 ``overloaded`` too; its work keeps its slot
  until it really ends (a thread cannot be stopped), so the bound on concurrent work holds. Admin routes (a
  reindex takes minutes) have no deadline.

Liveness, readiness, metrics and the static assets are exempt from rate limits, queue and deadline, so probes
and scrapes answer under load. The client IP is the ASGI peer: behind a proxy run uvicorn with
``--proxy-headers --forwarded-allow-ips`` so that it is the real client.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from retriever.settings import ApiSettings

logger = logging.getLogger(__name__)

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/widget.js"})
EXEMPT_PREFIXES = ("/static/",)
NO_DEADLINE_PREFIXES = ("/v1/admin/",)
MAX_BUCKETS = 10_000


def is_exempt(path: str) -> bool:
    """Probes, metrics and static assets: never rate-limited, queued or cut by the deadline."""
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class _BodyTooLarge(Exception):
    """Raised from ``receive`` once the body passes the cap; the middleware answers 413."""


# -- body cap ----------------------------------------------------------------------------------------------------
class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes``, counted as they arrive (413 ``payload_too_large``)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            "payload_too_large", f"the request body is larger than {self.max_bytes} bytes", headers={}
        )
        response.headers["Connection"] = "close"
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's own answer to the cut body (a 400 parse error) is replaced by the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_BodyTooLarge):  # raised by ``limited_receive`` if the app did not catch it
            await self.app(scope, limited_receive, guarded_send)
        if exceeded and not started:
            logger.info("body_too_large path=%s bytes_read=%s", scope.get("path"), received)
            await self._refuse(scope, receive, send)


# -- rate limits -------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """Token buckets by key: ``rate`` tokens a second, at most ``burst``. Thread-safe; memory bounded by dropping
    the buckets that are full again (an idle client) when there are more than ``MAX_BUCKETS``."""

    def __init__(self, per_minute: int, burst: int, clock=time.monotonic) -> None:  # noqa: ANN001
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _level(self, bucket: _Bucket, now: float) -> float:
        return min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)

    def take(self, *keys: str) -> float:
        """Take one token from each of ``keys``; 0.0 when taken, else the seconds until all have one (none taken)."""
        now = self._clock()
        with self._lock:
            if len(self._buckets) > MAX_BUCKETS:
                self._buckets = {k: b for k, b in self._buckets.items() if self._level(b, now) < self.burst}
            buckets = [self._buckets.setdefault(k, _Bucket(self.burst, now)) for k in keys]
            levels = [self._level(b, now) for b in buckets]
            short = max((1.0 - level for level in levels), default=0.0)
            if short > 0:
                return short / self.rate
            for bucket, level in zip(buckets, levels, strict=True):
                bucket.tokens = level - 1.0
                bucket.stamp = now
            return 0.0


def _admin_key(scope: Scope) -> str | None:
    auth = _header(scope, b"authorization")
    if auth and auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return _header(scope, b"x-admin-key") or None


class RateLimitMiddleware:
    """429 ``rate_limited`` with ``Retry-After`` when the client IP's (or the admin key's) bucket is empty."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        keys = [f"ip:{client[0] if client else 'unknown'}"]
        key = _admin_key(scope)
        if key is not None:
            keys.append("key:" + hashlib.sha256(key.encode("utf-8")).hexdigest())
        wait = self.buckets.take(*keys)
        if wait > 0:
            logger.info("rate_limited path=%s", scope["path"])
            retry = str(max(1, math.ceil(wait)))
            response = error_response(
                "rate_limited", f"too many requests; retry in {retry} s", headers={"Retry-After": retry}
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


# -- bounded queue and deadline ---------------------------------------------------------------------------------
class ConcurrencyMiddleware:
    """At most ``max_concurrent`` requests in the app; waiting and answering are both bounded in time."""

    def __init__(self, app: ASGIApp, max_concurrent: int, queue_timeout_s: float, request_timeout_s: float) -> None:
        self.app = app
        self.max_concurrent = max_concurrent
        self.queue_timeout_s = queue_timeout_s
        self.request_timeout_s = request_timeout_s
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._orphans: set[asyncio.Task[None]] = set()

    def semaphore(self) -> asyncio.Semaphore:
        """The slots of the running event loop (one per uvicorn worker; one per TestClient portal)."""
        loop = asyncio.get_running_loop()
        sem = self._semaphores.get(loop)
        if sem is None:
            self._semaphores = {lp: s for lp, s in self._semaphores.items() if not lp.is_closed()}
            sem = self._semaphores[loop] = asyncio.Semaphore(self.max_concurrent)
        return sem

    @staticmethod
    async def _overloaded(scope: Scope, receive: Receive, send: Send, message: str, retry: int) -> None:
        response = error_response("overloaded", message, headers={"Retry-After": str(retry)})
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        sem = self.semaphore()
        try:
            async with asyncio.timeout(self.queue_timeout_s):
                await sem.acquire()
        except TimeoutError:
            logger.warning("overloaded reason=queue path=%s", scope["path"])
            await self._overloaded(scope, receive, send, "the server is busy; retry shortly", 1)
            return

        if scope["path"].startswith(NO_DEADLINE_PREFIXES):
            try:
                await self.app(scope, receive, send)
            finally:
                sem.release()
            return

        started = False
        abandoned = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if abandoned:
                return  # the deadline already answered for this request
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        task.add_done_callback(lambda _t: sem.release())  # the slot is held until the work really ends
        done, _ = await asyncio.wait({task}, timeout=self.request_timeout_s)
        if done or started:
            await task  # finished, or streaming its response: let it run to the end
            return
        # Not cancelled: a handler's thread cannot be stopped, and cancelling the task would give its slot back
        # while the thread still works. The work runs to its end (its own timeouts bound it), answering nobody.
        abandoned = True
        self._orphans.add(task)
        task.add_done_callback(self._forget)
        logger.warning("overloaded reason=deadline path=%s seconds=%s", scope["path"], self.request_timeout_s)
        await self._overloaded(
            scope, receive, send, f"the request did not finish within {self.request_timeout_s:g} s", 5
        )

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._orphans.discard(task)
        if not task.cancelled():
            with contextlib.suppress(BaseException):
                error = task.exception()  # retrieved, so asyncio does not log "exception was never retrieved"
                if error is not None:
                    logger.error("abandoned_request_failed", exc_info=error)


def install_limits(app: ASGIApp, api: ApiSettings) -> None:
    """Add the three middlewares to a FastAPI ``app``: rate limits outermost (cheapest refusal), then the body cap,
    then the queue. ``add_middleware`` puts each new one outside the previous ones."""
    add = app.add_middleware  # type: ignore[attr-defined]
    add(
        ConcurrencyMiddleware,
        max_concurrent=api.max_concurrent,
        queue_timeout_s=api.queue_timeout_s,
        request_timeout_s=api.request_timeout_s,
    )
    add(BodyLimitMiddleware, max_bytes=api.max_body_bytes)
    if api.rate_limit_per_minute > 0:
        add(RateLimitMiddleware, buckets=TokenBuckets(api.rate_limit_per_minute, api.rate_limit_burst))
