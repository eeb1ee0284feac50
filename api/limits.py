"""Protections in front of the work: a request-body cap, rate limits, and a bounded queue with a deadline.

Three pure ASGI middlewares, installed by ``install_limits`` (from ``create_app``), outermost first:

* ``RateLimitMiddleware``: a token bucket per client IP and, when a request presents an admin key, one per key
  (keyed by the key's sha256, never the key): ``api.rate_limit_per_minute`` tokens a minute, at most
  ``api.rate_limit_burst`` at once. An empty bucket answers 429 ``rate_limited`` with ``Retry-After``. 0 turns it
  off. Where the buckets live is a ``RateLimitStore``: by default ``TokenBuckets`` in the memory of one process
  (with N workers or replicas a client gets up to N times the rate); with ``api.rate_limit_store_url`` a
  ``PostgresRateLimitStore`` that every process shares, so the limit is one for the whole service.
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

The shared store fails open, to the per-process limit: when PostgreSQL does not answer (or answers an error), the
request is judged by this process's own ``TokenBuckets`` and the store is left alone for ``STORE_RETRY_S``
seconds, with one warning in the log and ``resnav_rate_limit_store_errors_total`` counting the failed calls. The
limit protects capacity, not data: failing closed would turn a database outage into an outage of search for every
client, while the fallback still bounds each client to what one process alone would allow (N times the shared
rate at worst, the behaviour without a store), and the body cap and the bounded queue keep holding per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from retriever.settings import ApiSettings

logger = logging.getLogger(__name__)

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/widget.js"})
EXEMPT_PREFIXES = ("/static/",)
NO_DEADLINE_PREFIXES = ("/v1/admin/",)
MAX_BUCKETS = 10_000
STORE_TABLE = "resnav_rate_limits"
STORE_RETRY_S = 5.0  # after a failed call, the shared store is not asked again for this long
STORE_TIMEOUT_S = 2.0  # connect, pool checkout and statement timeouts of the shared store
SWEEP_EVERY_S = 60.0  # how often one process deletes the shared store's idle buckets


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
class RateLimitStore(Protocol):
    """Token buckets by key: ``api.rate_limit_per_minute`` tokens a minute, at most ``api.rate_limit_burst``.

    ``take`` is all-or-nothing: it takes one token from every key, or none. It returns 0.0 when taken, else the
    seconds until every key has a token again. An unknown key starts full. Implementations are thread-safe.
    ``in_process`` is True when ``take`` never waits on I/O (it is then called on the event loop, otherwise in a
    thread). ``take`` of a shared store raises what its database raises (``sqlalchemy.exc.SQLAlchemyError``);
    ``FailoverRateLimitStore`` turns that into the fallback."""

    in_process: bool

    def take(self, *keys: str) -> float: ...

    def close(self) -> None: ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """Token buckets by key in this process's memory: ``rate`` tokens a second, at most ``burst``. Thread-safe;
    memory bounded by dropping the buckets that are full again (an idle client) when there are more than
    ``MAX_BUCKETS``."""

    in_process = True

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

    def close(self) -> None:
        pass


# One statement takes a token from every key: a missing bucket is created full minus one; an existing one is
# refilled for the time since its stamp, capped at the burst, minus one. ON CONFLICT DO UPDATE locks each row and
# works on its newest committed version, so concurrent takes on one key queue up and none is lost. Rows are
# locked in key order (no deadlock between two takes of overlapping keys). The time is the database's
# (clock_timestamp()), so replicas with skewed clocks agree; a take that read the clock before waiting for another
# take's lock refills from the later stamp only (greatest), so no interval is counted twice. The new levels come
# back: all >= 0 commits; any < 0 rolls the whole transaction back, so a refused request takes nothing.
_TAKE = sa.text(
    f"""
    INSERT INTO {STORE_TABLE} AS b (key, tokens, stamp)
    SELECT k, CAST(:burst AS double precision) - 1, clock_timestamp()
    FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k
    ON CONFLICT (key) DO UPDATE SET
        tokens = least(
            CAST(:burst AS double precision),
            b.tokens + CAST(:rate AS double precision)
                * greatest(0, extract(epoch FROM excluded.stamp - b.stamp))
        ) - 1,
        stamp = greatest(b.stamp, excluded.stamp)
    RETURNING b.tokens
    """
)
# A bucket whose stamp is older than burst / rate seconds is full again: deleting it changes nothing (a missing
# bucket starts full), and keeps the table as small as the set of recently active clients.
_SWEEP = sa.text(
    f"DELETE FROM {STORE_TABLE} "
    "WHERE stamp < clock_timestamp() - make_interval(secs => CAST(:idle AS double precision))"
)
# UNLOGGED: the buckets are worth nothing after a crash (all full again is the right state) and skip the WAL.
# fillfactor leaves room in each page for the updated row, so the constant updates can stay heap-only (HOT: no new
# index entry per update).
_CREATE = (
    f"SELECT pg_advisory_xact_lock(hashtext('{STORE_TABLE}'))",
    f"CREATE UNLOGGED TABLE IF NOT EXISTS {STORE_TABLE} ("
    " key text PRIMARY KEY, tokens double precision NOT NULL, stamp timestamptz NOT NULL"
    ") WITH (fillfactor = 70)",
)


class PostgresRateLimitStore:
    """Token buckets in one PostgreSQL table (``resnav_rate_limits``) shared by every process that uses the same
    database: one transaction of one statement per request. The table is created on first use (concurrent
    creators serialise on an advisory lock); idle buckets are deleted every ``SWEEP_EVERY_S`` by each process.
    Every wait on the database is bounded by ``STORE_TIMEOUT_S`` (connect, pool checkout, statement, lock)."""

    in_process = False

    def __init__(self, url: str, per_minute: int, burst: int) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError as e:
            raise ImportError("api.rate_limit_store_url needs psycopg: pip install '.[postgres]'") from e
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        timeout_ms = int(STORE_TIMEOUT_S * 1000)
        self.engine = sa.create_engine(
            url,
            pool_size=4,
            max_overflow=8,
            pool_timeout=STORE_TIMEOUT_S,
            connect_args={
                "connect_timeout": max(1, math.ceil(STORE_TIMEOUT_S)),
                "tcp_user_timeout": timeout_ms,  # a silent network: sent data unacknowledged this long fails
                "application_name": "resnav-rate-limits",
            },
        )

        @sa.event.listens_for(self.engine, "connect")
        def _timeouts(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET statement_timeout = {timeout_ms}; SET lock_timeout = {timeout_ms}")
            cursor.close()
            dbapi_connection.commit()

        self._created = False
        self._next_sweep = 0.0
        self._sweep_lock = threading.Lock()

    def create(self) -> None:
        """Create the table when missing (idempotent, safe from several processes at once)."""
        with self.engine.begin() as con:
            for statement in _CREATE:
                con.execute(sa.text(statement))
        self._created = True

    def take(self, *keys: str) -> float:
        """Take one token from each of ``keys``; 0.0 when taken, else the seconds until all have one (none taken).
        Raises ``sqlalchemy.exc.SQLAlchemyError`` when the database fails."""
        if not keys:
            return 0.0
        try:
            if not self._created:
                self.create()
            with self.engine.connect() as con:
                levels = con.execute(_TAKE, {"keys": sorted(set(keys)), "burst": self.burst, "rate": self.rate})
                short = max(-level for (level,) in levels)
                if short > 0:
                    con.rollback()
                    return short / self.rate
                con.commit()
        except sa.exc.SQLAlchemyError:
            self._created = False  # the table may have been dropped: the next call creates it again
            raise
        self._sweep_if_due()
        return 0.0

    def _sweep_if_due(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_EVERY_S
            self.sweep()
        except sa.exc.SQLAlchemyError as e:  # the token was taken; the rows wait for the next sweep
            logger.warning("rate_limit_sweep_failed error=%s", type(e).__name__)
        finally:
            self._sweep_lock.release()

    def sweep(self) -> int:
        """Delete the buckets that are full again; returns how many."""
        with self.engine.begin() as con:
            deleted = con.execute(_SWEEP, {"idle": self.burst / self.rate}).rowcount
        logger.debug("rate_limit_sweep deleted=%s", deleted)
        return int(deleted)

    def count(self) -> int:
        """Buckets in the table (for tests and operators)."""
        with self.engine.connect() as con:
            return int(con.execute(sa.text(f"SELECT count(*) FROM {STORE_TABLE}")).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


class FailoverRateLimitStore:
    """A shared store that fails open to this process's own buckets: a call that raises is answered by ``local``,
    counted (``on_error``) and logged once per outage; for ``retry_s`` after it every call goes to ``local``
    without trying the shared store, so an unreachable database costs one timeout per ``retry_s``, not one per
    request. The first call that succeeds again logs the recovery."""

    in_process = False

    def __init__(
        self,
        shared: RateLimitStore,
        local: TokenBuckets,
        *,
        on_error: Callable[[], None] = lambda: None,
        retry_s: float = STORE_RETRY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shared = shared
        self.local = local
        self.on_error = on_error
        self.retry_s = retry_s
        self._clock = clock
        self._down_until: float | None = None  # None: the shared store answers
        self._lock = threading.Lock()  # one warning per outage and per recovery, whatever the threads

    @property
    def failing(self) -> bool:
        return self._down_until is not None

    def take(self, *keys: str) -> float:
        down_until = self._down_until
        if down_until is not None and self._clock() < down_until:
            return self.local.take(*keys)
        try:
            wait = self.shared.take(*keys)
        except (sa.exc.SQLAlchemyError, OSError) as e:
            self.on_error()
            with self._lock:
                first = self._down_until is None
                self._down_until = self._clock() + self.retry_s
            if first:
                logger.warning(
                    "rate_limit_store_unavailable error=%s fallback=in_process retry_s=%s",
                    type(e).__name__,
                    self.retry_s,
                )
            return self.local.take(*keys)
        if down_until is not None:
            with self._lock:
                recovered, self._down_until = self._down_until is not None, None
            if recovered:
                logger.warning("rate_limit_store_recovered")
        return wait

    def close(self) -> None:
        self.shared.close()


def make_rate_limit_store(api: ApiSettings, on_error: Callable[[], None] = lambda: None) -> RateLimitStore:
    """The store of ``api``: in-process buckets, or PostgreSQL with the in-process buckets as its fallback.
    Connects nothing yet (the table is created by the first request)."""
    local = TokenBuckets(api.rate_limit_per_minute, api.rate_limit_burst)
    if api.rate_limit_store_url is None:
        return local
    shared = PostgresRateLimitStore(api.rate_limit_store_url, api.rate_limit_per_minute, api.rate_limit_burst)
    logger.info("rate_limit_store backend=postgresql")
    return FailoverRateLimitStore(shared, local, on_error=on_error)


def presented_admin_key(scope: Scope) -> str | None:
    """The admin key a request presents (``Authorization: Bearer`` or ``X-Admin-Key``), or None."""
    auth = _header(scope, b"authorization")
    if auth and auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return _header(scope, b"x-admin-key") or None


class RateLimitMiddleware:
    """429 ``rate_limited`` with ``Retry-After`` when the client IP's (or the admin key's) bucket is empty."""

    def __init__(self, app: ASGIApp, store: RateLimitStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        keys = [f"ip:{client[0] if client else 'unknown'}"]
        key = presented_admin_key(scope)
        if key is not None:
            keys.append("key:" + hashlib.sha256(key.encode("utf-8")).hexdigest())
        if self.store.in_process:
            wait = self.store.take(*keys)
        else:
            wait = await asyncio.to_thread(self.store.take, *keys)  # a database round trip: off the event loop
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


def install_limits(app: ASGIApp, api: ApiSettings) -> RateLimitStore | None:
    """Add the three middlewares to a FastAPI ``app``: rate limits outermost (cheapest refusal), then the body cap,
    then the queue. ``add_middleware`` puts each new one outside the previous ones. Failures of a shared rate-limit
    store are counted in the metrics of the app's ``Runtime`` (``app.state.runtime``) when it has one. Returns the
    rate-limit store (None when rate limits are off), for the app to close at shutdown."""
    add = app.add_middleware  # type: ignore[attr-defined]
    add(
        ConcurrencyMiddleware,
        max_concurrent=api.max_concurrent,
        queue_timeout_s=api.queue_timeout_s,
        request_timeout_s=api.request_timeout_s,
    )
    add(BodyLimitMiddleware, max_bytes=api.max_body_bytes)
    if api.rate_limit_per_minute > 0:
        runtime = getattr(getattr(app, "state", None), "runtime", None)
        counter = runtime.metrics.rate_limit_store_errors if runtime is not None else None
        on_error = counter.inc if counter is not None else (lambda: None)
        store = make_rate_limit_store(api, on_error=on_error)
        add(RateLimitMiddleware, store=store)
        return store
    return None
