"""Shared fixtures. Heavy ones (the real model, the real index) are session-scoped and built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.llm_stub import stub  # noqa: F401 - the scripted OpenAI-compatible server fixture, for every test

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def knowledge_dir() -> Path:
    return KNOWLEDGE


def make_settings(index_dir: Path, backend: str = "hashing"):
    """Settings for tests: the real corpus and knowledge files, an index in ``index_dir``."""
    from retriever.settings import Settings

    settings = Settings()
    settings.paths.corpus_dir = CORPUS
    settings.paths.knowledge_dir = KNOWLEDGE
    settings.paths.index_dir = index_dir
    settings.embedder.backend = backend  # type: ignore[assignment]
    return settings


@pytest.fixture(scope="session")
def real_index(tmp_path_factory):
    """The real corpus indexed with the real bundled model (USE-multilingual v3), built once per session.

    Returns ``(settings, retriever)``.
    """
    from ingest.pipeline import ingest, load_lexicon
    from retriever.embedders import make_embedder
    from retriever.search import HybridRetriever, load_index

    settings = make_settings(tmp_path_factory.mktemp("real-index") / "index", backend="use")
    embedder = make_embedder(settings.embedder)
    ingest([CORPUS], settings, embedder)
    retriever = HybridRetriever(
        load_index(settings.paths.index_dir), embedder, load_lexicon(settings), settings.retrieval
    )
    return settings, retriever


@pytest.fixture(scope="session")
def real_assistant(real_index):
    """The assistant over ``real_index``, assembled by the composition root the API, eval and CLI use
    (``assistant.services.build_services``): the same recommender, roadmap reader and embedder."""
    from assistant.services import build_services

    settings, retriever = real_index
    return build_services(settings, retriever).assistant
