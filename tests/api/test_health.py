"""Liveness, readiness (loading, not built, picked up when published), and the real app over HTTP (uvicorn)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import ROUTERS, create_app
from api.serve import export_settings
from ingest.pipeline import ingest
from retriever.embedders import make_embedder
from retriever.settings import Settings
from tests.api.conftest import assert_error, make_settings, wait_for


def test_healthz_answers_before_anything_is_loaded(settings: Settings) -> None:
    client = TestClient(create_app(settings))  # no lifespan: nothing loaded
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert_error(client.get("/readyz"), 503, "not_ready")
    assert_error(client.post("/v1/search", json={"query": "韧性"}), 503, "not_ready")


def test_readyz_reports_the_served_index(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ready"
    assert body["index_version"].startswith("v")
    assert body["documents"] == 5
    assert body["chunks"] > 100
    assert body["embedder"].startswith("hashing")


def test_ready_means_warm_the_dictionary_is_parsed_before_readyz(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first English query used to parse CC-CEDICT itself (2-3 s, found by the load test): now startup does.
    from retriever import bilingual

    monkeypatch.setattr(bilingual, "_cedict_cache", None)
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        cedict = bilingual._cedict_cache
        assert cedict is not None and cedict._words is not None, "CC-CEDICT not loaded before ready"


def test_background_load_turns_ready(hashing_index: Path, tmp_path: Path) -> None:
    settings = make_settings(hashing_index, tmp_path / "f.sqlite", load_in_background=True)
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        first = client.get("/readyz")
        assert first.status_code in (200, 503)
        if first.status_code == 503:
            assert_error(first, 503, "not_ready")
            assert first.headers["retry-after"]
        assert app.state.runtime.serving.wait(60)
        assert client.get("/readyz").status_code == 200


def test_index_not_built_then_picked_up_when_published(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    settings = make_settings(index_dir, tmp_path / "f.sqlite", reload_check_seconds=0.01)
    with TestClient(create_app(settings)) as client:
        assert_error(client.get("/readyz"), 503, "index_not_built")
        assert_error(client.post("/v1/search", json={"query": "韧性"}), 503, "index_not_built")
        # `resnav ingest` publishes a version while the server runs: the server loads it by itself.
        ingest([settings.paths.corpus_dir], settings, make_embedder(settings.embedder))
        assert wait_for(lambda: client.get("/readyz").status_code == 200)
        assert client.post("/v1/search", json={"query": "韧性", "k": 1}).json()["hits"]


def test_embedder_mismatch_is_not_ready(hashing_index: Path, tmp_path: Path) -> None:
    settings = make_settings(hashing_index, tmp_path / "f.sqlite")
    settings.embedder.hashing_dim = 128  # another embedder id than the index was built with
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert_error(client.get("/readyz"), 503, "embedder_mismatch")


def test_routers_come_from_one_list(client: TestClient) -> None:
    paths = {route.path for router in ROUTERS for route in router.routes}  # type: ignore[attr-defined]
    assert {"/healthz", "/readyz", "/v1/search", "/v1/feedback", "/v1/admin/feedback", "/v1/admin/reindex"} <= paths
    openapi = client.get("/openapi.json").json()
    assert paths <= set(openapi["paths"])


def test_serve_exports_settings_that_workers_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESNAV_PATHS__INDEX_DIR", "/elsewhere")  # would override the exported section
    settings = Settings()
    settings.paths.index_dir = tmp_path / "idx"
    settings.embedder.backend = "hashing"
    settings.retrieval.max_k = 7
    env: dict[str, str] = {"RESNAV_PATHS__INDEX_DIR": "/elsewhere", "HOME": "/root"}
    export_settings(settings, env)
    assert "RESNAV_PATHS__INDEX_DIR" not in env and env["HOME"] == "/root"
    for key in [k for k in os.environ if k.startswith("RESNAV_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("RESNAV_"):
            monkeypatch.setenv(key, value)
    rebuilt = Settings()
    assert rebuilt.paths.index_dir == tmp_path / "idx"
    assert rebuilt.embedder.backend == "hashing"
    assert rebuilt.retrieval.max_k == 7


# -- the real app over HTTP ---------------------------------------------------------------------------------
@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: server.started or not thread.is_alive(), timeout=60)
        assert server.started, "uvicorn did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.mark.e2e
def test_real_app_over_http(live_server: str) -> None:
    with httpx.Client(base_url=live_server, timeout=30) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").status_code == 200
        r = http.post("/v1/search", json={"query": "城市韧性资料收集", "k": 3})
        assert r.status_code == 200
        hits = r.json()["hits"]
        assert [h["rank"] for h in hits] == [1, 2, 3]
        assert_error(http.post("/v1/search", json={"query": "x", "k": 0}), 422, "invalid_request")
        assert_error(http.get("/v1/nothing"), 404, "not_found")
        assert_error(http.get("/v1/admin/feedback"), 401, "unauthorized")
        assert "resnav_http_requests_total" in http.get("/metrics").text
