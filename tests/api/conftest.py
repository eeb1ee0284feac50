"""Fixtures of the API tests: a real index built from the real ``corpus/`` once per session (hashing embedder for
plumbing; the real "use" model for the ``integration`` quality checks), settings, and apps under ``TestClient``.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ingest.pipeline import ingest
from retriever.embedders import make_embedder
from retriever.settings import ApiSettings, EmbedderSettings, FeedbackSettings, PathSettings, Settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
KNOWLEDGE = ROOT / "knowledge"

ADMIN_KEY = "test-admin-key-6f1c"
ADMIN_KEY_SHA256 = hashlib.sha256(ADMIN_KEY.encode()).hexdigest()
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def make_settings(
    index_dir: Path,
    db_path: Path,
    *,
    backend: str = "hashing",
    corpus_dir: Path = CORPUS,
    **api: Any,
) -> Settings:
    api_values: dict[str, Any] = {
        "admin_key_sha256": ADMIN_KEY_SHA256,
        "load_in_background": False,
        "reload_check_seconds": 0.0,
        # One TestClient is one client IP for a whole module: rate limits are off unless a test turns them on.
        "rate_limit_per_minute": 0,
    }
    api_values.update(api)
    return Settings(
        paths=PathSettings(corpus_dir=corpus_dir, knowledge_dir=KNOWLEDGE, index_dir=index_dir),
        embedder=EmbedderSettings(backend=backend),  # type: ignore[arg-type]
        api=ApiSettings(**api_values),
        feedback=FeedbackSettings(database_url=f"sqlite:///{db_path}"),
    )


def build_index(index_dir: Path, backend: str, corpus_dir: Path = CORPUS) -> Path:
    settings = make_settings(index_dir, index_dir.parent / "unused.sqlite", backend=backend, corpus_dir=corpus_dir)
    report = ingest([corpus_dir], settings, make_embedder(settings.embedder))
    assert report.version is not None and not report.skipped, report.to_dict()
    return index_dir


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The one error body: ``{"error": {"code", "message"}}`` (+ ``details`` for ``invalid_request``)."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    allowed = {"code", "message", "details"} if code == "invalid_request" else {"code", "message"}
    assert {"code", "message"} <= set(error) <= allowed, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    if "details" in error:
        assert isinstance(error["details"], list) and error["details"]
        for d in error["details"]:
            assert set(d) == {"loc", "msg", "type"}
    return error


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture(scope="session")
def hashing_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of the real corpus, hashing embedder (plumbing only). Read-only: copy it to change it."""
    return build_index(tmp_path_factory.mktemp("hashing") / "index", "hashing")


@pytest.fixture(scope="session")
def use_index(real_index) -> Path:
    """The real index of the real corpus with the real default model ("use"), shared with the other suites
    (built once per session by ``real_index`` in tests/conftest.py). Read-only."""
    return real_index[0].paths.index_dir


@pytest.fixture(scope="module")
def use_client(use_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app over the real index with the real model, one per test module."""
    settings = make_settings(use_index, tmp_path_factory.mktemp("db") / "f.sqlite", backend="use")
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def settings(hashing_index: Path, tmp_path: Path) -> Settings:
    return make_settings(hashing_index, tmp_path / "feedback.sqlite")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def shared_client(hashing_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app per test module over the session index, for tests that change nothing but feedback rows."""
    settings = make_settings(hashing_index, tmp_path_factory.mktemp("db") / "feedback.sqlite")
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the real corpus (documents, renderings, MANIFEST.json)."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the curated knowledge files (knowledge/)."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target
