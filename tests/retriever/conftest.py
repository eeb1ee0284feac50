"""Fixtures of the retriever tests: the session's Chroma server (see tests/chroma_server.py)."""

from tests.chroma_server import chroma_server  # noqa: F401 - registers the session fixture
