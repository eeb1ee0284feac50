"""Every error the API can produce has the one body ``{"error": {"code", "message"}}`` and the status of the table
(datasette ``tests/test_error_shape.py``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import ERRORS, INTERNAL_MESSAGE, error_body
from retriever import errors as core
from retriever.index import ingest_lock
from tests.api.conftest import ADMIN, ADMIN_KEY, assert_error, make_settings


def _leaves(cls: type[core.ResnavError]) -> Iterator[type[core.ResnavError]]:
    subclasses = cls.__subclasses__()
    if not subclasses:
        yield cls
    for sub in subclasses:
        yield from _leaves(sub)


def _probe_app(settings) -> FastAPI:  # type: ignore[no-untyped-def]
    """The real app plus routes that raise any error, to reach codes no route raises yet (upload errors...)."""
    app = create_app(settings)

    def raise_code(code: str) -> None:
        raise ERRORS[code].exc(f"probe {code}")

    def raise_unexpected() -> None:
        raise RuntimeError("secret detail /etc/passwd")

    def raise_unmapped() -> None:
        raise core.ResnavError("never shown", code="brand_new_code")

    def raise_http(status: int) -> None:
        raise HTTPException(status, detail="secret http detail")

    app.add_api_route("/_probe/http/{status}", raise_http)
    app.add_api_route("/_probe/unexpected", raise_unexpected)
    app.add_api_route("/_probe/unmapped", raise_unmapped)
    app.add_api_route("/_probe/{code}", raise_code)
    return app


@pytest.fixture(scope="module")
def probe(hashing_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = make_settings(hashing_index, tmp_path_factory.mktemp("db") / "f.sqlite")
    with TestClient(_probe_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_every_core_error_code_is_in_the_table() -> None:
    codes = {cls.code for cls in _leaves(core.ResnavError)}
    assert codes <= set(ERRORS), codes - set(ERRORS)


def test_table_rows_are_consistent() -> None:
    for code, spec in ERRORS.items():
        assert spec.exc.code == code
        assert 400 <= spec.status < 600
        assert spec.when


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_every_code_in_the_table_has_the_one_shape(probe: TestClient, code: str) -> None:
    spec = ERRORS[code]
    r = probe.get(f"/_probe/{code}")
    error = assert_error(r, spec.status, code)
    assert error == error_body(code, INTERNAL_MESSAGE if code == "internal_error" else f"probe {code}")["error"]
    if spec.status == 401:
        assert r.headers["www-authenticate"] == "Bearer"
    if spec.status == 503:
        assert r.headers["retry-after"]


def test_unexpected_exception_is_500_without_leaking(probe: TestClient) -> None:
    r = probe.get("/_probe/unexpected")
    error = assert_error(r, 500, "internal_error")
    assert error["message"] == INTERNAL_MESSAGE
    assert "secret" not in r.text and "RuntimeError" not in r.text and "Traceback" not in r.text


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (500, "internal_error"),
        (502, "internal_error"),
        (418, "invalid_request"),
        (404, "not_found"),
        (401, "unauthorized"),
        (503, "not_ready"),
    ],
)
def test_bare_http_exceptions_map_to_codes(probe: TestClient, status: int, code: str) -> None:
    r = probe.get(f"/_probe/http/{status}")
    assert_error(r, ERRORS[code].status, code)
    if status >= 500 and code == "internal_error":
        assert "secret" not in r.text


def test_unmapped_code_is_internal_error(probe: TestClient) -> None:
    r = probe.get("/_probe/unmapped")
    assert_error(r, 500, "internal_error")
    assert "never shown" not in r.text


# -- the codes as the real routes produce them -------------------------------------------------------------
def test_validation_error_has_field_details(probe: TestClient) -> None:
    r = probe.post("/v1/search", json={"query": "", "k": 0, "filters": {"langs": ["fr"]}})
    error = assert_error(r, 422, "invalid_request")
    locs = {tuple(d["loc"]) for d in error["details"]}
    assert {("body", "query"), ("body", "k"), ("body", "filters", "langs", "0")} <= locs
    assert "k:" in error["message"]
    assert "input" not in r.text  # rejected input is not echoed


def test_malformed_json_is_invalid_request(probe: TestClient) -> None:
    r = probe.post("/v1/search", content=b'{"query": ', headers={"content-type": "application/json"})
    assert_error(r, 422, "invalid_request")


def test_bad_query_parameter_is_invalid_request(probe: TestClient) -> None:
    assert_error(probe.get("/v1/admin/feedback?limit=0", headers=ADMIN), 422, "invalid_request")
    assert_error(probe.get("/v1/admin/feedback?format=xml", headers=ADMIN), 422, "invalid_request")
    assert_error(probe.get("/v1/admin/feedback?rating=0", headers=ADMIN), 422, "invalid_request")
    assert_error(probe.get("/v1/admin/feedback?since=yesterday", headers=ADMIN), 422, "invalid_request")
    assert_error(probe.get(f"/v1/admin/feedback?offset={2**63}", headers=ADMIN), 422, "invalid_request")


def test_unknown_route_is_not_found(probe: TestClient) -> None:
    assert_error(probe.get("/v2/search"), 404, "not_found")
    assert_error(probe.post("/nothing/here", json={}), 404, "not_found")


def test_wrong_method_is_405_with_allow(probe: TestClient) -> None:
    r = probe.get("/v1/search")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "POST"
    assert_error(probe.delete("/v1/feedback"), 405, "method_not_allowed")


def test_admin_auth_errors(probe: TestClient) -> None:
    assert_error(probe.post("/v1/admin/reindex"), 401, "unauthorized")
    assert_error(probe.post("/v1/admin/reindex", headers={"X-Admin-Key": "wrong"}), 403, "forbidden")


def test_admin_disabled_is_forbidden(hashing_index: Path, tmp_path: Path) -> None:
    settings = make_settings(hashing_index, tmp_path / "f.sqlite", admin_key_sha256=None)
    with TestClient(create_app(settings)) as client:
        error = assert_error(client.get("/v1/admin/feedback", headers=ADMIN), 403, "forbidden")
        assert "disabled" in error["message"]
        assert_error(client.get("/v1/admin/feedback"), 403, "forbidden")


def test_ingest_locked_is_409(hashing_index: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", tmp_path / "f.sqlite")
    with TestClient(create_app(settings)) as client, ingest_lock(settings.paths.index_dir):
        assert_error(client.post("/v1/admin/reindex", headers=ADMIN), 409, "ingest_locked")


def test_not_ready_and_index_not_built_are_503(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", tmp_path / "f.sqlite")
    app = create_app(settings)
    assert_error(TestClient(app).post("/v1/search", json={"query": "a"}), 503, "not_ready")  # before startup
    assert_error(TestClient(app).post("/v1/feedback", json={"answer_id": "a", "rating": 1}), 503, "not_ready")
    with TestClient(app) as client:
        assert_error(client.post("/v1/search", json={"query": "a"}), 503, "index_not_built")


def test_key_hash_is_what_is_configured() -> None:
    assert make_settings(Path("i"), Path("f")).api.admin_key_sha256 == hashlib.sha256(ADMIN_KEY.encode()).hexdigest()


def test_openapi_documents_the_error_body(probe: TestClient) -> None:
    spec = probe.get("/openapi.json").json()
    assert "ErrorResponse" in spec["components"]["schemas"]
    search = spec["paths"]["/v1/search"]["post"]["responses"]
    assert search["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert "503" in search
