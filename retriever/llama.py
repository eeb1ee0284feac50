"""llama-index adapters: our hybrid search as a llama-index retriever, our embedders as a llama-index embedding.

- ``ResnavLlamaRetriever`` puts ``HybridRetriever.search`` inside any llama-index pipeline (``RetrieverQueryEngine``,
  chat engines, node postprocessors). Nodes come back in our order with our fused scores.
- ``ResnavEmbedding`` runs llama-index's own indexes (``VectorStoreIndex``) on the same ``Embedder``, so a
  benchmark can compare them with ours on one model.
- ``chunk_to_node`` is the one mapping ``Chunk`` -> ``TextNode``: id = chunk id, text = chunk text, metadata =
  doc id, source, title, section path (joined with " > "), page, start, end, lang. Ids and offsets are kept out
  of the text that llama-index embeds or shows an LLM.

Only callers that want llama-index import this module (extra ``llama``); without it the import raises
``ImportError`` with the install hint.
"""

from __future__ import annotations

import asyncio
from typing import Any

from retriever.embedders import Embedder
from retriever.search import Filters, HybridRetriever
from retriever.types import Chunk

try:
    from llama_index.core.base.base_retriever import BaseRetriever
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.bridge.pydantic import PrivateAttr
    from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode
except ImportError as e:  # pragma: no cover - exercised in a subprocess by tests/retriever/test_llama.py
    raise ImportError(f"the llama-index adapters need llama-index-core: pip install '.[llama]' ({e})") from e

SECTION_SEPARATOR = " > "
# Metadata llama-index leaves out of the text it embeds and of the context it gives an LLM.
HIDDEN_KEYS = ["doc_id", "start", "end"]


def chunk_to_node(chunk: Chunk) -> TextNode:
    """A ``TextNode`` for ``chunk``; ``node.ref_doc_id`` is the chunk's document id."""
    return TextNode(
        id_=chunk.chunk_id,
        text=chunk.text,
        metadata={
            "doc_id": chunk.doc_id,
            "source": chunk.source,
            "title": chunk.title,
            "section": SECTION_SEPARATOR.join(chunk.section),
            "page": chunk.page,
            "start": chunk.start,
            "end": chunk.end,
            "lang": chunk.lang,
        },
        excluded_embed_metadata_keys=list(HIDDEN_KEYS),
        excluded_llm_metadata_keys=list(HIDDEN_KEYS),
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc_id)},
    )


class ResnavLlamaRetriever(BaseRetriever):
    """``HybridRetriever.search(query, k, filters)`` as a llama-index retriever.

    Returns at most ``k`` nodes, best first, with the fused score (higher is better, comparable only within one
    result list). Raises what ``search`` raises (``InvalidRequest`` for an empty query).
    """

    def __init__(self, retriever: HybridRetriever, k: int = 5, filters: Filters | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._retriever = retriever
        self._k = k
        self._filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self._retriever.search(query_bundle.query_str, k=self._k, filters=self._filters)
        return [NodeWithScore(node=chunk_to_node(h.chunk), score=h.score) for h in hits]

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return await asyncio.to_thread(self._retrieve, query_bundle)


class ResnavEmbedding(BaseEmbedding):
    """An ``Embedder`` as a llama-index embedding model: same vectors (L2-normalised), ``model_name`` = its id."""

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.id, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "ResnavEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return await asyncio.to_thread(self._get_query_embedding, query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed_documents([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_documents(list(texts)).tolist()
