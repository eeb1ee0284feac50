"""The MCP server (``api/mcp.py``) through the official SDK's own client, over both transports: streamable HTTP at
``/mcp`` of the real app under uvicorn, and stdio to a real ``resnav mcp`` process, both over the real index with
the real model. Every tool is called in Chinese and in English; its result is the HTTP API's response body, and
every citation quotes the source document verbatim at its offsets. The endpoint sits behind the admin key and the
limits: no key is 401, a wrong key 403, an oversized body 413 ``payload_too_large``, too many calls 429."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi.testclient import TestClient
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from api.app import create_app
from api.auth import key_digest
from api.mcp import TOOLS, ToolLookupRequest, ToolLookupResponse
from api.schemas import (
    RecommendRequest,
    RecommendResponse,
    SearchRequest,
    SearchResponse,
    StageAssessRequest,
    StageAssessResponse,
)
from retriever.settings import ApiSettings
from tests.api.conftest import ADMIN, ADMIN_KEY, ROOT, assert_error, make_settings
from tests.e2e.conftest import LiveApp

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.slow]

TOOL_MODELS = {
    "search": (SearchRequest, SearchResponse),
    "recommend_tools": (RecommendRequest, RecommendResponse),
    "assess_stage": (StageAssessRequest, StageAssessResponse),
    "lookup_tool": (ToolLookupRequest, ToolLookupResponse),
}
STAGE_TEXT = {
    "en": "The mayor made a public statement of our resilience vision. In the past 12 months we held resilience "
    "lectures for staff and the city council and a public awareness campaign. A multi-sector resilience committee "
    "is our focal point. Our DRR strategy was approved by the city council.",
    "zh": "市长发表了韧性愿景声明。过去12个月里，我们为工作人员和市议会举办了韧性讲座，并开展了公众宣传活动。"
    "我们成立了多部门韧性委员会作为联络点。防灾减灾战略已获市议会批准。",
}


# -- the two connections ----------------------------------------------------------------------------------------
@dataclass
class Mcp:
    """An SDK ``Client`` living in a portal's event loop, called from the (synchronous) tests."""

    transport: str
    portal: BlockingPortal
    client: Client

    def tools(self) -> list[Any]:
        return self.portal.call(self.client.list_tools).tools

    def call(self, tool: str, arguments: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        """``(is_error, body)``; the body is the structured content, which the text block must repeat exactly."""
        result = self.portal.call(self.client.call_tool, tool, arguments)
        assert len(result.content) == 1 and result.content[0].type == "text"
        assert json.loads(result.content[0].text) == result.structured_content
        return result.is_error, result.structured_content

    def ok(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        is_error, body = self.call(tool, arguments)
        assert not is_error, body
        return body

    def error(self, tool: str, arguments: dict[str, Any], code: str) -> dict[str, Any]:
        """The API's one error body, as a tool error."""
        is_error, body = self.call(tool, arguments)
        assert is_error and set(body) == {"error"}, body
        assert body["error"]["code"] == code and body["error"]["message"], body
        return body["error"]


@asynccontextmanager
async def _over_http(url: str, headers: dict[str, str]) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers=headers, timeout=120) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


@asynccontextmanager
async def _over_stdio(params: StdioServerParameters, errlog: Path) -> AsyncIterator[Client]:
    with errlog.open("w", encoding="utf-8") as log:
        async with Client(stdio_client(params, errlog=log)) as client:
            yield client


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as portal:
        yield portal


@pytest.fixture(scope="module")
def live(use_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The real app (admin key configured, as every test app) under uvicorn, over the real index and model."""
    settings = make_settings(use_index, tmp_path_factory.mktemp("mcp-db") / "f.sqlite", backend="use")
    with LiveApp(create_app(settings)) as server:
        yield server


@pytest.fixture(scope="module")
def http_mcp(live: LiveApp, portal: BlockingPortal) -> Iterator[Mcp]:
    with portal.wrap_async_context_manager(_over_http(f"{live.url}/mcp", ADMIN)) as client:
        yield Mcp("http", portal, client)


@pytest.fixture(scope="module")
def stdio_mcp(use_index: Path, portal: BlockingPortal, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mcp]:
    """``resnav mcp`` as an assistant starts it: a child process speaking MCP on stdin/stdout."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "cli.main", "--index-dir", str(use_index), "--embedder", "use", "mcp"],
        env={"PYTHONPATH": str(ROOT), "HOME": os.environ.get("HOME", "/tmp")},
        cwd=ROOT,
    )
    errlog = tmp_path_factory.mktemp("mcp-stdio") / "stderr.log"
    with portal.wrap_async_context_manager(_over_stdio(params, errlog)) as client:
        yield Mcp("stdio", portal, client)


@pytest.fixture(params=["http", "stdio"])
def mcp(request: pytest.FixtureRequest) -> Mcp:
    return request.getfixturevalue(f"{request.param}_mcp")


@pytest.fixture(scope="module")
def documents(real_index: Any) -> dict[str, Any]:
    """The source documents of the index both servers answer from: what citations must quote verbatim."""
    return real_index[1].index.documents


def _http(live: LiveApp, method: str, path: str, **kwargs: Any) -> Any:
    r = httpx.request(method, live.url + path, timeout=120, **kwargs)
    assert r.status_code == 200, r.text
    return r.json()


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for e in error.exceptions for leaf in _leaves(e)]
    return [error]


def _verbatim(documents: dict[str, Any], doc_id: str, start: int, end: int, text: str) -> None:
    assert documents[doc_id].text[start:end] == text, (doc_id, start, end)


# -- listing ----------------------------------------------------------------------------------------------------
def test_lists_the_four_tools_with_the_api_models_as_schemas(mcp: Mcp) -> None:
    tools = {t.name: t for t in mcp.tools()}
    assert set(tools) == set(TOOL_MODELS) == {t.name for t in TOOLS}
    for name, (request, response) in TOOL_MODELS.items():
        tool = tools[name]
        assert tool.description and tool.title
        assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False
        assert tool.output_schema == response.model_json_schema(mode="serialization")
        schema = request.model_json_schema()
        if name == "search":  # the configured maximum of k is stated, as in the OpenAPI document
            k = next(o for o in tool.input_schema["properties"]["k"]["anyOf"] if o.get("type") == "integer")
            assert k["maximum"] == 50
            k.pop("maximum")
        assert tool.input_schema == schema


# -- the four tools, in Chinese and in English ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "lang"),
    [("城市韧性路线图的阶段评估", "zh"), ("Which tool measures a city's disaster resilience?", "en")],
)
def test_search_is_the_http_search_with_verbatim_passages(
    mcp: Mcp, live: LiveApp, documents: dict[str, Any], query: str, lang: str
) -> None:
    arguments = {"query": query, "k": 5, "filters": {"langs": [lang]}}
    body = mcp.ok("search", arguments)
    http = _http(live, "POST", "/v1/search", json=arguments)
    body.pop("took_ms"), http.pop("took_ms")
    assert body == http
    assert len(body["hits"]) == 5
    for hit in body["hits"]:
        assert hit["lang"] == lang
        _verbatim(documents, hit["doc_id"], hit["start"], hit["end"], hit["text"])


@pytest.mark.parametrize(
    ("situation", "lang"),
    [
        ("我们有防灾减灾战略草案，但没有做过风险评估", "zh"),
        ("We have a draft DRR strategy but no risk assessment", "en"),
    ],
)
def test_recommend_is_the_http_recommend_with_verbatim_citations(
    mcp: Mcp, live: LiveApp, documents: dict[str, Any], situation: str, lang: str
) -> None:
    arguments = {"situation": situation, "stage": "B", "k": 5}
    body = mcp.ok("recommend_tools", arguments)
    assert body == _http(live, "POST", "/v1/recommend", json=arguments)
    assert body["lang"] == lang and len(body["items"]) == 5
    citations = [c for item in body["items"] for c in item["citations"]]
    assert citations
    for c in citations:
        _verbatim(documents, c["doc_id"], c["start"], c["end"], c["quote"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_assess_stage_is_the_http_assess_with_verbatim_citations(
    mcp: Mcp, live: LiveApp, documents: dict[str, Any], lang: str
) -> None:
    for arguments in ({"text": STAGE_TEXT[lang]}, {"answers": [True] * 15, "lang": lang}):
        body = mcp.ok("assess_stage", arguments)
        assert body == _http(live, "POST", "/v1/stage/assess", json=arguments)
        assert body["stage"] == "C" and body["lang"] == lang
        citations = [c["citation"] for c in body["criteria"] if c["citation"]]
        assert citations
        for c in citations:
            _verbatim(documents, c["doc_id"], c["start"], c["end"], c["quote"])
    body = mcp.ok("assess_stage", {"answers": {"1": True, "2": None}, "lang": lang})
    assert body["stage"] == "undecided" and body["next_question"] is not None


@pytest.mark.parametrize(
    ("name", "lang"), [("快速风险评估工具", "zh"), ("Quick Risk Estimation Tool", "en"), ("A.1", "en")]
)
def test_lookup_by_name_or_id_is_the_http_record_and_its_verbatim_source(
    mcp: Mcp, live: LiveApp, documents: dict[str, Any], name: str, lang: str
) -> None:
    body = mcp.ok("lookup_tool", {"tool": name, "lang": lang})
    record_id = body["record"]["id"]
    assert record_id == ("A.1" if name == "A.1" else "mcr-quick-risk-estimation")
    assert body["record"] == _http(live, "GET", f"/v1/tools/{record_id}", params={"lang": lang})
    assert body["record"]["display"]["lang"] == lang
    source = body["source"]
    assert source == _http(live, "GET", f"/v1/tools/{record_id}/source")
    _verbatim(documents, source["doc_id"], source["start"], source["end"], source["text"])
    assert (source["start"], source["end"]) == (body["record"]["source"]["start"], body["record"]["source"]["end"])


# -- errors: the API's codes and body ---------------------------------------------------------------------------
def test_errors_are_tool_errors_with_the_api_error_body(mcp: Mcp) -> None:
    error = mcp.error("search", {"query": "城市", "k": 51}, "invalid_request")
    assert error["details"] == [
        {"loc": ["k"], "msg": "Input should be less than or equal to 50", "type": "less_than_equal"}
    ]
    error = mcp.error("search", {"query": "城" * 2001}, "invalid_request")  # the request model's 2000 characters
    assert error["details"][0]["loc"] == ["query"] and error["details"][0]["type"] == "string_too_long"
    mcp.error("recommend_tools", {"situation": "flood", "colour": "red"}, "invalid_request")
    mcp.error("assess_stage", {"answers": [True] * 14}, "invalid_request")
    mcp.error("lookup_tool", {"tool": "no such record anywhere"}, "not_found")


# -- the key and the limits, over HTTP --------------------------------------------------------------------------
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


def test_a_key_protected_app_refuses_mcp_without_the_key(live: LiveApp, portal: BlockingPortal) -> None:
    url = f"{live.url}/mcp"
    assert_error(httpx.post(url, json=INITIALIZE, headers=MCP_HEADERS), 401, "unauthorized")
    wrong = {**MCP_HEADERS, "Authorization": "Bearer not-the-key"}
    assert_error(httpx.post(url, json=INITIALIZE, headers=wrong), 403, "forbidden")
    r = httpx.post(url, json=INITIALIZE, headers={**MCP_HEADERS, "X-Admin-Key": ADMIN_KEY})
    assert r.status_code == 200 and r.json()["result"]["serverInfo"]["name"] == "resnav"
    with (
        pytest.raises(Exception) as refused,  # noqa: PT011 - the SDK wraps the refusal in task-group errors
        portal.wrap_async_context_manager(_over_http(url, {})) as client,
    ):
        portal.call(client.list_tools)
    assert any(isinstance(e, MCPError) for e in _leaves(refused.value)), repr(refused.value)


def test_an_oversized_body_gets_the_limits_error(live: LiveApp, http_mcp: Mcp) -> None:
    max_bytes = live.server.config.app.state.runtime.api.max_body_bytes
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "search", "arguments": {"query": "x" * max_bytes}},
    }
    r = httpx.post(f"{live.url}/mcp", json=call, headers={**MCP_HEADERS, **ADMIN})
    assert_error(r, 413, "payload_too_large")
    with pytest.raises(Exception) as refused:  # noqa: PT011 - the SDK wraps the refusal in task-group errors
        http_mcp.call("search", {"query": "城" * max_bytes})
    assert any(isinstance(e, MCPError) for e in _leaves(refused.value)), repr(refused.value)
    assert http_mcp.ok("search", {"query": "城市", "k": 1})["hits"]  # the connection still works


def test_mcp_calls_are_rate_limited_like_the_api(hashing_index: Path, tmp_path: Path) -> None:
    settings = make_settings(hashing_index, tmp_path / "f.sqlite", rate_limit_per_minute=1, rate_limit_burst=1)
    with TestClient(create_app(settings)) as client:
        assert client.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **ADMIN}).status_code == 200
        r = client.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **ADMIN})
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) >= 1


def test_an_app_that_is_not_running_answers_not_ready(settings: Any) -> None:
    client = TestClient(create_app(settings))  # no lifespan: neither the index nor the MCP endpoint started
    headers = {**MCP_HEADERS, **ADMIN}
    assert_error(client.post("/mcp", json=INITIALIZE, headers=headers), 503, "not_ready")
    assert_error(client.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS), 401, "unauthorized")  # the key first


def test_a_separate_mcp_key_opens_mcp_and_not_the_admin_routes(hashing_index: Path, tmp_path: Path) -> None:
    """``api.mcp_key_sha256``: an assistant holds a key for the read-only tools only; the admin key no longer opens
    /mcp and the MCP key never opens /v1/admin."""
    mcp_key = "mcp-only-key-91b2"
    settings = make_settings(hashing_index, tmp_path / "f.sqlite", mcp_key_sha256=key_digest(mcp_key))
    with TestClient(create_app(settings)) as client:
        r = client.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": f"Bearer {mcp_key}"})
        assert r.status_code == 200 and r.json()["result"]["serverInfo"]["name"] == "resnav"
        r = client.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **ADMIN})
        assert_error(r, 403, "forbidden")
        assert "MCP key" in r.json()["error"]["message"]
        assert_error(client.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS), 401, "unauthorized")
        admin = client.get("/v1/admin/feedback", headers={"Authorization": f"Bearer {mcp_key}"})
        assert_error(admin, 403, "forbidden")


def test_the_mcp_key_setting_takes_a_digest_not_a_key() -> None:
    with pytest.raises(ValidationError, match="mcp_key_sha256 must be the 64 hex digits"):
        ApiSettings(mcp_key_sha256="plain-key")
