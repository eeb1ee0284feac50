"""The MCP server: the service's four read-only operations as Model Context Protocol tools, for AI assistants and
agent platforms (built on the official ``mcp`` SDK, its low-level ``Server``).

* ``search``: ``POST /v1/search``, passages with everything a citation needs;
* ``recommend_tools``: ``POST /v1/recommend``, catalogue records with reasons and verbatim citations;
* ``assess_stage``: ``POST /v1/stage/assess``, the roadmap stage from 15 yes/no/null answers and/or a text;
* ``lookup_tool``: ``GET /v1/tools/{id}`` and ``GET /v1/tools/{id}/source``, by record id or by name.

A tool's arguments are the HTTP request body's fields, validated by the same request model (so the same
``invalid_request`` errors), and the tool calls the same route handler: its ``structured_content`` is the HTTP
response body (the tool's output schema is the response model's), and one text block holds the same JSON. A
failure is a tool result with ``is_error`` whose body is the API's one error body ``{"error": {"code", "message"}}``.

Two transports:

* Streamable HTTP at ``/mcp`` on the app (``McpEndpoint``), stateless and answering JSON: every message is one
  POST answered by one JSON body, so ``api.limits`` treats it as any API request (body cap, rate limits, queue and
  deadline) and no long-lived stream holds a slot. With ``api.mcp_key_sha256`` set, ``/mcp`` needs that key (and
  the admin key does not open it); else, with ``api.admin_key_sha256`` set, the admin key (``Authorization: Bearer``
  or ``X-Admin-Key``): 401 ``unauthorized`` without, 403 ``forbidden`` when wrong.
* stdio (``resnav mcp``, ``serve_stdio``): the model and the index load in a thread while the client connects;
  a tool call waits for the load (at most ``STDIO_LOAD_WAIT_S``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import anyio
import mcp_types as types
from fastapi.exceptions import RequestValidationError
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import Receive, Scope, Send

from api.auth import check_admin_key
from api.deps import Runtime, Served, ServingIndex
from api.errors import (
    ERRORS,
    INTERNAL_MESSAGE,
    ApiError,
    NotReady,
    error_body,
    error_response,
    validation_details,
    validation_message,
)
from api.limits import presented_admin_key
from api.routers import recommend as recommend_route
from api.routers import search as search_route
from api.routers import stage as stage_route
from api.routers import tools as tools_route
from api.schemas import (
    Lang,
    RecommendRequest,
    RecommendResponse,
    SearchRequest,
    SearchResponse,
    StageAssessRequest,
    StageAssessResponse,
    ToolDetail,
    ToolSourceText,
)
from retriever.errors import NotFound, ResnavError
from retriever.settings import Settings
from retriever.threads import limit_threads

logger = logging.getLogger(__name__)

SERVER_NAME = "resnav"
MCP_PATH = "/mcp"
STDIO_LOAD_WAIT_S = 600.0
"""How long a stdio tool call waits for the model and the index to load before it answers ``not_ready``."""

INSTRUCTIONS = (
    "Resilience Navigator: bilingual (Chinese/English) knowledge of MCR2030 (Making Cities Resilient 2030) and "
    "UN-Habitat's urban resilience services. Every passage and citation is the source documents' text, verbatim, "
    "with its document, heading path and character offsets: quote it as given and cite it. Ask in Chinese or "
    "English; answers follow the language asked in unless `lang` says otherwise."
)


# -- the lookup tool's own models (the other tools use the HTTP models as they are) ---------------------------
class ToolLookupRequest(BaseModel):
    """One catalogue record by its id or by a name it goes by (Chinese or English)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"tool": "A.1"}, {"tool": "Quick Risk Estimation Tool", "lang": "en"}]},
    )

    tool: str = Field(
        min_length=1,
        max_length=200,
        description="A record id ('A.1', 'mcr-quick-risk-estimation') or a record's name, e.g. '快速风险评估工具', "
        "'CityRAP'.",
    )
    lang: Lang = Field("zh", description="Language preferred for the record's `display` fields (records hold both).")


class ToolLookupResponse(BaseModel):
    """``GET /v1/tools/{id}`` as ``record`` and ``GET /v1/tools/{id}/source`` as ``source``."""

    record: ToolDetail
    source: ToolSourceText


# -- the tools --------------------------------------------------------------------------------------------------
Handler = Callable[[Served, Settings, Any], Awaitable[BaseModel]]


@dataclass(frozen=True, slots=True)
class McpTool:
    """One tool: its request and response models (the HTTP API's) and the handler that answers it."""

    name: str
    title: str
    description: str
    request: type[BaseModel]
    response: type[BaseModel]
    handler: Handler

    def descriptor(self, settings: Settings) -> types.Tool:
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=_input_schema(self.request, settings),
            output_schema=self.response.model_json_schema(mode="serialization"),
            annotations=types.ToolAnnotations(
                title=self.title,
                read_only_hint=True,
                destructive_hint=False,
                idempotent_hint=True,
                open_world_hint=False,
            ),
        )


def _input_schema(request: type[BaseModel], settings: Settings) -> dict[str, Any]:
    """The request model's JSON schema; ``k`` of ``search`` states its configured maximum (as the OpenAPI
    document does), since the model checks it at run time against ``retrieval.max_k``."""
    schema = request.model_json_schema()
    if request is SearchRequest:
        k = schema["properties"]["k"]
        for option in k.get("anyOf", [k]):
            if option.get("type") == "integer":
                option["maximum"] = settings.retrieval.max_k
    return schema


async def _search(served: Served, settings: Settings, body: SearchRequest) -> SearchResponse:
    return await search_route.search(body, settings, served)


async def _recommend(served: Served, settings: Settings, body: RecommendRequest) -> RecommendResponse:
    return await recommend_route.recommend_tools(body, served.recommender)


async def _assess(served: Served, settings: Settings, body: StageAssessRequest) -> StageAssessResponse:
    return await stage_route.assess_city_stage(body, served.rules)


async def _lookup(served: Served, settings: Settings, body: ToolLookupRequest) -> ToolLookupResponse:
    return await anyio.to_thread.run_sync(lookup_record, served, body)


def lookup_record(served: Served, body: ToolLookupRequest) -> ToolLookupResponse:
    """The record ``body.tool`` is the id of, else the record it names (the chat's name lookup); ``not_found``
    when neither."""
    wanted = body.tool.strip()
    item = served.recommender.get(wanted)
    record_id = item.id if item is not None else served.assistant.named_record(wanted)
    if record_id is None:
        raise NotFound(f"no catalogue record has the id or the name {wanted!r}")
    return ToolLookupResponse(
        record=tools_route.get_tool(record_id, served.recommender, body.lang),
        source=tools_route.get_tool_source(record_id, served),
    )


TOOLS: tuple[McpTool, ...] = (
    McpTool(
        "search",
        "Search the documents",
        "The k passages of the MCR2030 and UN-Habitat documents most relevant to `query` (Chinese or English), "
        'best first, after `filters` (e.g. `{"langs": ["zh"]}`). Each hit is the document text '
        "[start:end] verbatim with its source, title and heading path: cite it as given. Same as POST /v1/search.",
        SearchRequest,
        SearchResponse,
        _search,
    ),
    McpTool(
        "recommend_tools",
        "Recommend tools and services",
        "The catalogue records (MCR2030 tools, UN-Habitat services, flagship programmes) that best fit a city's "
        "`situation` (Chinese or English), with reasons in `lang` and citations whose `quote` is the source text "
        "[start:end]. `stage` (A, B, C) ranks that stage's records first. Same as POST /v1/recommend.",
        RecommendRequest,
        RecommendResponse,
        _recommend,
    ),
    McpTool(
        "assess_stage",
        "Assess a city's roadmap stage",
        "The MCR2030 resilience-roadmap stage (A, B, C or undecided) from the 15 stage-assessment `answers` "
        "(true/false/null, as a list of 15 or an object '1'..'15') and/or a free-text description `text`. "
        "Unknowns are never guessed: `to_ask` and `next_question` say what to ask next. Each criterion cites the "
        "MCR2030 text defining it. Same as POST /v1/stage/assess.",
        StageAssessRequest,
        StageAssessResponse,
        _assess,
    ),
    McpTool(
        "lookup_tool",
        "Look up a catalogue record",
        "One catalogue record (tool, service or flagship) by its id or a name it goes by, in full: `record` as "
        "GET /v1/tools/{id} and `source`, its own text in the source document verbatim, as "
        "GET /v1/tools/{id}/source.",
        ToolLookupRequest,
        ToolLookupResponse,
        _lookup,
    ),
)
TOOLS_BY_NAME = {t.name: t for t in TOOLS}


# -- results ----------------------------------------------------------------------------------------------------
def _result(payload: dict[str, Any], *, error: bool = False) -> types.CallToolResult:
    text = json.dumps(payload, ensure_ascii=False)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=payload, is_error=error
    )


def _argument_path(loc: list[str]) -> list[str]:
    return loc[1:] if loc[:1] == ["body"] else loc


def error_result(exc: Exception, tool: str) -> types.CallToolResult:
    """The API's one error body for ``exc``, as a tool result with ``is_error``."""
    if isinstance(exc, ValidationError | RequestValidationError):
        # Paths into the arguments: a route's own checks say ["body", "k"] where the request model says ["k"].
        details = [{**d, "loc": _argument_path(d["loc"])} for d in validation_details(exc.errors())]
        return _result(error_body("invalid_request", validation_message(details), details), error=True)
    if isinstance(exc, ResnavError) and exc.code in ERRORS and exc.code != "internal_error":
        if ERRORS[exc.code].status >= 500:
            logger.info("mcp_error tool=%s code=%s", tool, exc.code)
        return _result(error_body(exc.code, exc.message), error=True)
    logger.error("mcp_tool_failed tool=%s", tool, exc_info=exc)
    return _result(error_body("internal_error", INTERNAL_MESSAGE), error=True)


# -- the server -------------------------------------------------------------------------------------------------
ServedSource = Callable[[], Awaitable[Served]]


def _version() -> str:
    try:
        return version("resnav")
    except PackageNotFoundError:  # a checkout that was never installed
        return "0"


def build_server(served: ServedSource, settings: Settings) -> Server[Any]:
    """The MCP server over ``served`` (the index version to answer from, awaited once per call)."""
    descriptors = [t.descriptor(settings) for t in TOOLS]
    schemas = {d.name: d.input_schema for d in descriptors}

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=descriptors)

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = TOOLS_BY_NAME.get(params.name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {params.name!r}; the tools are {sorted(TOOLS_BY_NAME)}")
        try:
            body = tool.request.model_validate(params.arguments or {})
            response = await tool.handler(await served(), settings, body)
        except Exception as e:  # every failure is answered with the API's error body, never dropped
            return error_result(e, tool.name)
        return _result(response.model_dump(mode="json"))

    return Server(
        SERVER_NAME,
        version=_version(),
        title="Resilience Navigator",
        instructions=INSTRUCTIONS,
        get_tool_input_schema=schemas.get,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


# -- streamable HTTP on the app ---------------------------------------------------------------------------------
class McpEndpoint:
    """The ASGI app at ``/mcp``: the key check, then the SDK's streamable HTTP transport (stateless, JSON).

    ``running()`` starts the SDK's session manager; enter it in the app's lifespan (a fresh one each time, as the
    SDK allows one run per manager)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

        async def served() -> Served:
            return runtime.serving.current()

        self.server = build_server(served, runtime.settings)
        self._manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        manager = StreamableHTTPSessionManager(
            self.server, json_response=True, stateless=True, max_request_body_size=self.runtime.api.max_body_bytes
        )
        async with manager.run():
            self._manager = manager
            try:
                yield
            finally:
                self._manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self._refusal(scope)
        if refusal is None and self._manager is None:
            refusal = NotReady("the MCP endpoint is not running")
        if refusal is not None:
            await error_response(refusal.code, refusal.message)(scope, receive, send)
            return
        assert self._manager is not None
        await self._manager.handle_request(scope, receive, send)

    def _refusal(self, scope: Scope) -> ApiError | None:
        """The error for a request without the endpoint's key (or with a wrong one): ``api.mcp_key_sha256`` when
        configured (then the admin key does not open /mcp), else the admin key when configured, else none."""
        api = self.runtime.api
        configured = api.mcp_key_sha256 or api.admin_key_sha256
        if not configured:
            return None
        try:
            check_admin_key(configured, presented_admin_key(scope), "MCP" if api.mcp_key_sha256 else "admin")
        except ApiError as e:
            return e
        return None


# -- stdio ------------------------------------------------------------------------------------------------------
def serve_stdio(settings: Settings) -> None:
    """Serve the tools over stdin/stdout until the client closes them (``resnav mcp``)."""
    limit_threads(settings.embedder.threads)
    serving = ServingIndex(settings, settings.api)
    serving.start(background=True)  # the client gets its tool list at once; the first call waits for the load

    async def served() -> Served:
        await anyio.to_thread.run_sync(serving.wait, STDIO_LOAD_WAIT_S)
        return serving.current()

    server = build_server(served, settings)

    async def run() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    logger.info("mcp_stdio_start index_dir=%s", settings.paths.index_dir)
    anyio.run(run)
