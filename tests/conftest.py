"""Shared fixtures. Heavy ones (the real model, the real index) are session-scoped and built once."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
KNOWLEDGE = CORPUS / "knowledge"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def knowledge_dir() -> Path:
    return KNOWLEDGE
