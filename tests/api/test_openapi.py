"""The OpenAPI document states the refusals of ``api.limits`` (413, 429, 503 with ``Retry-After``) on every
operation that can get them, with the one error body, and only there.

The document and the middlewares are held to each other by real requests: every operation of the document is sent
a body over the cap (when it takes a body), then sent after its client's burst, then sent while the only slot is
taken; each refusal it gets must be documented for that operation, and its body and headers must validate against
what the document says. Operations the middlewares let through (probes, metrics) must not document them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import error_response
from tests.api.conftest import assert_error, make_settings

ERROR_BODY = {"$ref": "#/components/schemas/ErrorResponse"}
LIMIT_CODES = {413: "payload_too_large", 429: "rate_limited", 503: "overloaded"}
# What api.limits lets through (its EXEMPT_PATHS), as far as the document goes: static assets are not in it.
EXEMPT = {"GET /healthz", "GET /readyz", "GET /metrics"}


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _url(path: str) -> str:
    """A concrete URL of a path template: the middlewares refuse before the parameters are looked at."""
    return re.sub(r"\{[^}]+\}", "x", path)


def _send(client: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    return client.request(method.upper(), _url(path), follow_redirects=False, **kwargs)


def assert_documented(doc: dict[str, Any], path: str, method: str, response: Any) -> None:
    """``response`` is a refusal of ``api.limits`` that the document states for this operation: its status, its
    code in the description, its body valid against the documented schema, its documented headers present and
    valid (``Retry-After`` on 429 and 503)."""
    status = response.status_code
    code = assert_error(response, status, LIMIT_CODES[status])["code"]
    documented = doc["paths"][path][method]["responses"].get(str(status))
    assert documented is not None, f"{method.upper()} {path} answers {status} but does not document it"
    assert f"`{code}`" in documented["description"], documented["description"]
    schema = documented["content"]["application/json"]["schema"]
    assert schema == ERROR_BODY
    jsonschema.Draft202012Validator({**schema, "components": doc["components"]}).validate(response.json())
    headers = documented.get("headers", {})
    if status in (429, 503):
        assert "Retry-After" in headers, (method, path, status)
    for name, header in headers.items():
        value = response.headers.get(name)
        assert value is not None or not header.get("required"), (method, path, status, name)
        if value is not None:
            jsonschema.validate(int(value), header["schema"])


def _limits_app(hashing_index: Path, tmp_path: Path, **api: Any) -> FastAPI:
    return create_app(make_settings(hashing_index, tmp_path / "f.sqlite", **api))


# -- the document alone ------------------------------------------------------------------------------------------
def test_every_error_response_has_the_one_body_and_retry_after(hashing_index: Path, tmp_path: Path) -> None:
    doc = _limits_app(hashing_index, tmp_path, rate_limit_per_minute=60).openapi()
    seen = set()
    for path, method, operation in _operations(doc):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {"application/json": {"schema": ERROR_BODY}}, (method, path, status)
                seen.add(int(status))
            if int(status) in (429, 503):
                assert response["headers"]["Retry-After"]["required"] is True, (method, path, status)
                assert response["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    assert {413, 429, 503} <= seen


def test_the_document_lists_429_only_when_rate_limits_are_on(hashing_index: Path, tmp_path: Path) -> None:
    on = _limits_app(hashing_index, tmp_path, rate_limit_per_minute=60).openapi()
    off = _limits_app(hashing_index, tmp_path, rate_limit_per_minute=0).openapi()
    assert any("429" in op["responses"] for _, _, op in _operations(on))
    assert not any("429" in op["responses"] for _, _, op in _operations(off))  # nothing can answer it
    for path, method, operation in _operations(off):  # the rest does not depend on rate limits
        assert set(operation["responses"]) == set(on["paths"][path][method]["responses"]) - {"429"}


def test_error_response_always_sets_retry_after_on_429_and_503() -> None:
    assert error_response("rate_limited", "x").headers["retry-after"] == "5"
    assert error_response("overloaded", "x").headers["retry-after"] == "5"
    assert error_response("rate_limited", "x", headers={"Retry-After": "7"}).headers["retry-after"] == "7"
    assert "retry-after" not in error_response("payload_too_large", "x").headers


# -- the document against real refusals --------------------------------------------------------------------------
def test_every_operation_with_a_body_documents_the_413_it_gets(hashing_index: Path, tmp_path: Path) -> None:
    app = _limits_app(hashing_index, tmp_path, max_body_bytes=2048)
    doc = app.openapi()
    with TestClient(app) as client:
        with_body = [(path, method) for path, method, op in _operations(doc) if "requestBody" in op]
        assert len(with_body) >= 5
        for path, method in with_body:
            r = _send(
                client, method, path, content=b"{" + b" " * 4096 + b"}", headers={"Content-Type": "application/json"}
            )
            assert r.status_code == 413, (method, path, r.status_code)
            assert_documented(doc, path, method, r)
    for path, method, operation in _operations(doc):
        assert ("413" in operation["responses"]) == ((path, method) in with_body), (method, path)


def test_every_operation_documents_the_429_it_gets_after_the_burst(hashing_index: Path, tmp_path: Path) -> None:
    app = _limits_app(hashing_index, tmp_path, rate_limit_per_minute=1, rate_limit_burst=1)
    doc = app.openapi()
    exempt = set()
    with TestClient(app, client=("10.0.9.1", 1)) as client:
        assert client.get("/v1/_no_such_route").status_code == 404  # the one token of the burst
        for path, method, _ in _operations(doc):
            r = _send(client, method, path, json={})
            if r.status_code == 429:
                assert_documented(doc, path, method, r)
            else:
                exempt.add(f"{method.upper()} {path}")
                assert "429" not in doc["paths"][path][method]["responses"], (method, path)
    assert exempt == EXEMPT


def test_every_operation_documents_the_503_it_gets_from_a_full_queue(hashing_index: Path, tmp_path: Path) -> None:
    app = _limits_app(hashing_index, tmp_path, max_concurrent=1, queue_timeout_s=0.1)
    doc = app.openapi()
    entered, release = threading.Event(), threading.Event()

    def hold_the_slot() -> dict[str, bool]:
        entered.set()
        release.wait(20)
        return {"done": True}

    app.add_api_route("/v1/_hold", hold_the_slot, include_in_schema=False)
    exempt = set()
    with TestClient(app) as client:
        holder = threading.Thread(target=lambda: client.get("/v1/_hold"))
        holder.start()
        try:
            assert entered.wait(10)
            for path, method, operation in _operations(doc):
                r = _send(client, method, path, json={})
                if r.status_code == 503 and r.json()["error"]["code"] == "overloaded":
                    assert_documented(doc, path, method, r)
                else:
                    exempt.add(f"{method.upper()} {path}")
                    assert "`overloaded`" not in operation["responses"].get("503", {}).get("description", "")
        finally:
            release.set()
            holder.join(10)
    assert exempt == EXEMPT
