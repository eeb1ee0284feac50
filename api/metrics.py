"""Prometheus metrics of one app: request counts and latency per route template and status, and the served
index (version, chunks, documents, readiness) read at scrape time.

Each app has its own ``CollectorRegistry``, so several apps in one process (tests) never share counters. With
several uvicorn workers each worker counts its own requests; a scrape sees the worker that answered it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "<unmatched>"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0)


@dataclass(frozen=True, slots=True)
class IndexSnapshot:
    """What the metrics show about the served index at one instant."""

    ready: bool
    version: str | None = None
    embedder: str | None = None
    documents: int = 0
    chunks: int = 0
    loaded_at: float | None = None


class _IndexCollector(Collector):
    def __init__(self, snapshot: Callable[[], IndexSnapshot]) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily | InfoMetricFamily]:
        s = self._snapshot()
        yield GaugeMetricFamily(
            "resnav_ready", "1 when the model and the index are loaded and serving.", value=1.0 if s.ready else 0.0
        )
        info = InfoMetricFamily("resnav_index", "The served index version and its embedder.")
        if s.version is not None:
            info.add_metric([], {"version": s.version, "embedder": s.embedder or ""})
        yield info
        seq = GaugeMetricFamily("resnav_index_version", "Sequence number of the served index version (vNNNNNN).")
        if s.version is not None and s.version[1:7].isdigit():
            seq.add_metric([], float(int(s.version[1:7])))
        yield seq
        yield GaugeMetricFamily("resnav_index_chunks", "Chunks in the served index.", value=float(s.chunks))
        yield GaugeMetricFamily("resnav_index_documents", "Documents in the served index.", value=float(s.documents))
        loaded = GaugeMetricFamily("resnav_index_loaded_timestamp_seconds", "When the served index was loaded.")
        if s.loaded_at is not None:
            loaded.add_metric([], s.loaded_at)
        yield loaded


class Metrics:
    """The metrics of one app, in its own registry."""

    def __init__(self, snapshot: Callable[[], IndexSnapshot]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "resnav_http_requests", "HTTP requests answered.", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "resnav_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.reindex = Counter(
            "resnav_reindex", "Reindex runs through the admin API, by outcome.", ["outcome"], registry=self.registry
        )
        self.feedback = Counter(
            "resnav_feedback", "Feedback received, by rating and issue.", ["rating", "issue"], registry=self.registry
        )
        self.rate_limit_store_errors = Counter(
            "resnav_rate_limit_store_errors",
            "Calls to the shared rate-limit store (api.rate_limit_store_url) that failed; until it answers again, "
            "this process limits clients with its own buckets.",
            registry=self.registry,
        )
        self.registry.register(_IndexCollector(snapshot))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method, route, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The path template of the route that handled ``scope`` (``/v1/search``), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else UNMATCHED


class MetricsMiddleware:
    """Pure ASGI middleware: times every HTTP request and counts it by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.observe(scope["method"], route_template(scope), status, time.perf_counter() - start)


router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text exposition."}},
)
def metrics(request: Request) -> Response:
    """Request counts and latency per route and status; the served index version, chunks and readiness."""
    m: Metrics = request.app.state.runtime.metrics
    return Response(m.exposition(), media_type=CONTENT_TYPE_LATEST)
