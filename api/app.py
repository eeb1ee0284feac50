"""The app factory: ``create_app(settings=None)``, served with ``uvicorn --factory api.app:create_app``.

``create_app`` is cheap: it wires routers, error handlers and the metrics middleware around a ``Runtime``. The
lifespan opens the feedback store and loads the embedding model and the index (in a background thread by
default, so ``/healthz`` answers at once and ``/readyz`` turns 200 when the index serves).

Routers are included from ``ROUTERS``, the one list of the API's resources: add a new resource there. The web
pages and the widget (``api.routers.web``) come after them, outside the OpenAPI document. ``api.limits`` caps
request bodies, rate-limits clients and bounds the work in progress. With
``api.cors_origins`` set, a CORS middleware lets pages on those origins call the API (never with credentials).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import metrics as metrics_module
from api.deps import Runtime
from api.errors import document_errors, install_error_handlers
from api.limits import install_limits, is_exempt
from api.mcp import MCP_PATH, McpEndpoint
from api.metrics import MetricsMiddleware
from api.routers import admin, chat, feedback, health, recommend, search, stage, tools, web
from retriever.settings import ApiSettings, Settings

logger = logging.getLogger(__name__)

# Every resource of the API, in the order they appear in the OpenAPI document.
ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    search.router,
    tools.router,
    recommend.router,
    stage.router,
    chat.router,
    feedback.router,
    admin.router,
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    runtime: Runtime = app.state.runtime
    runtime.startup()
    try:
        async with app.state.mcp.running():  # the MCP endpoint's session manager
            yield
    finally:
        runtime.shutdown()
        if app.state.rate_limits is not None:  # a shared store's connections
            app.state.rate_limits.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. Without ``settings`` they are read from the environment (``RESNAV_...``)."""
    settings = settings if settings is not None else Settings()
    runtime = Runtime(settings)
    app = FastAPI(
        title="Resilience Navigator API",
        summary="Bilingual (zh/en) retrieval and assistant over MCR2030 and UN-Habitat documents.",
        version="1",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(web.router)  # pages and the widget; not API resources, not in the OpenAPI document
    app.state.mcp = McpEndpoint(runtime)  # the same operations as MCP tools (api/mcp.py), behind the same limits
    app.add_route(MCP_PATH, app.state.mcp, include_in_schema=False)
    app.state.rate_limits = install_limits(
        app, runtime.api
    )  # inside the metrics (refusals are counted) and the CORS headers
    if runtime.api.metrics:
        app.include_router(metrics_module.router)
        app.add_middleware(MetricsMiddleware, metrics=runtime.metrics)
    if runtime.api.cors_origins:
        # Pages on the listed origins (city portals embedding the widget) may call the API; never with
        # credentials, so no cookie or auth header crosses. Added last: outermost, so errors carry the headers too.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=runtime.api.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept", "Accept-Language"],
            max_age=600,
        )
    _state_configured_bounds(app, settings)
    return app


def _state_configured_bounds(app: FastAPI, settings: Settings) -> None:
    """Publish bounds that come from settings in the OpenAPI document: ``k`` of ``POST /v1/search`` is at most
    ``retrieval.max_k`` (checked at run time with a 422), so clients and fuzzers see the real limit; and every
    operation lists the refusals ``api.limits`` can answer it with (``_limit_errors``)."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            k = schema["components"]["schemas"]["SearchRequest"]["properties"]["k"]
            for option in k.get("anyOf", [k]):
                if option.get("type") == "integer":
                    option["maximum"] = settings.retrieval.max_k
            for path, item in schema["paths"].items():
                for operation in item.values():
                    document_errors(operation, _limit_errors(path, "requestBody" in operation, settings.api))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _limit_errors(path: str, has_body: bool, api: ApiSettings) -> list[str]:
    """The codes ``api.limits`` can refuse an operation with, by the rules of its middlewares (``install_limits``):
    413 on a request body over the cap; unless ``is_exempt(path)`` (probes, metrics, static assets), 503 from the
    queue (and, but on admin routes, from the deadline), and 429 when rate limits are on (``RateLimitMiddleware``)."""
    codes = ["payload_too_large"] if has_body else []
    if not is_exempt(path):
        codes.append("overloaded")
        if api.rate_limit_per_minute > 0:
            codes.append("rate_limited")
    return codes
