"""The composition root: the retriever, recommender, roadmap rules and assistant that settings describe.

The CLI, the evaluation and the benchmarks build what they serve here, so they measure exactly the path the API
serves: the configured vector store (the index's FAISS file, or Chroma), the configured embedder, the lexicon of
the knowledge files, the optional LLM. The API keeps its own lifecycle around the same parts (``api/deps.py``:
versions loaded in the background and swapped when a new one is published) and builds the retriever with
:func:`build_retriever`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.chat import Assistant
from assistant.exemplars import IntentExemplars, load_exemplars
from assistant.llm import make_llm
from assistant.recommend import Recommender, Taxonomy
from assistant.roadmap import RoadmapRules, load_rules
from ingest.pipeline import load_lexicon
from retriever.chroma import load_configured_index
from retriever.embedders import Embedder, make_embedder
from retriever.search import HybridRetriever, with_settings
from retriever.settings import Settings

__all__ = ["Services", "build_retriever", "build_services"]


@dataclass(frozen=True)
class Services:
    """What one index version serves, built from one settings tree."""

    retriever: HybridRetriever
    recommender: Recommender
    rules: RoadmapRules
    assistant: Assistant
    llm: Any = None
    exemplars: IntentExemplars | None = None


def build_retriever(settings: Settings, embedder: Embedder | None = None) -> HybridRetriever:
    """The serving retriever: the published index with its configured store, the embedder (built from the
    settings unless given, to share a loaded model) and the lexicon."""
    index = load_configured_index(settings)
    embedder = embedder if embedder is not None else make_embedder(settings.embedder)
    return HybridRetriever(index, embedder, load_lexicon(settings), settings.retrieval)


def build_services(settings: Settings, retriever: HybridRetriever | None = None) -> Services:
    """Every part over ``retriever`` (built from ``settings`` when None; a given one gets ``settings.retrieval``
    when they differ, over the same index)."""
    if retriever is None:
        retriever = build_retriever(settings)
    elif retriever.settings != settings.retrieval:
        retriever = with_settings(retriever, **settings.retrieval.model_dump())
    knowledge = settings.paths.knowledge_dir
    recommender = Recommender(retriever, Taxonomy.load(knowledge))
    rules = load_rules(knowledge, settings.paths.corpus_dir, embedder=retriever.embedder)  # one loaded model
    llm = make_llm(settings.llm)
    exemplars = load_exemplars(knowledge, retriever.embedder)
    assistant = Assistant(retriever, recommender, rules, llm=llm, exemplars=exemplars)
    return Services(retriever, recommender, rules, assistant, llm, exemplars)
