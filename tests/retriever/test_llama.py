"""The llama-index adapters inside real llama-index pipelines, over a small index built by our ingest."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("llama_index.core", reason="extra 'llama' not installed")

from llama_index.core import Settings, VectorStoreIndex  # noqa: E402
from llama_index.core.llms import MockLLM  # noqa: E402
from llama_index.core.query_engine import RetrieverQueryEngine  # noqa: E402
from llama_index.core.schema import MetadataMode, QueryBundle  # noqa: E402

from ingest.pipeline import ingest, load_lexicon  # noqa: E402
from retriever.embedders import HashingEmbedder  # noqa: E402
from retriever.errors import InvalidRequest  # noqa: E402
from retriever.llama import ResnavEmbedding, ResnavLlamaRetriever, chunk_to_node  # noqa: E402
from retriever.search import Filters, HybridRetriever, load_index  # noqa: E402
from tests.conftest import ROOT, make_settings  # noqa: E402


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory) -> HybridRetriever:
    tmp = tmp_path_factory.mktemp("llama")
    docs = tmp / "docs"
    docs.mkdir()
    (docs / "flood.md").write_text(
        "# 洪水预警\n\n城市洪水预警系统帮助社区提前撤离。\n\n## 排水\n\n排水管网需要定期维护。\n", encoding="utf-8"
    )
    (docs / "scorecard.txt").write_text(
        "Disaster resilience scorecard\n\nThe scorecard helps cities assess their resilience to disasters.\n",
        encoding="utf-8",
    )
    (docs / "training.txt").write_text("3. 能力建设\n\n培训地方政府工作人员应对干旱。\n", encoding="utf-8")
    settings = make_settings(tmp / "index")
    embedder = HashingEmbedder(64)
    report = ingest([docs], settings, embedder)
    assert sorted(report.ingested) == ["flood.md", "scorecard.txt", "training.txt"]
    return HybridRetriever(load_index(settings.paths.index_dir), embedder, load_lexicon(settings), settings.retrieval)


@pytest.fixture
def no_llm(monkeypatch) -> MockLLM:
    """llama-index's global LLM as MockLLM (its ``no_text`` synthesizer reads the global, not ``llm=``), so
    nothing ever resolves the default OpenAI client."""
    llm = MockLLM()
    monkeypatch.setattr(Settings, "_llm", llm)
    return llm


QUERIES = ["洪水预警", "resilience scorecard for cities", "培训工作人员"]


@pytest.mark.parametrize("query", QUERIES)
def test_retriever_returns_our_hits_in_our_order(hybrid: HybridRetriever, query: str) -> None:
    hits = hybrid.search(query, k=3)
    assert hits
    nodes = ResnavLlamaRetriever(hybrid, k=3).retrieve(query)
    assert [n.node.node_id for n in nodes] == [h.chunk.chunk_id for h in hits]
    assert [n.score for n in nodes] == [h.score for h in hits]
    for n, h in zip(nodes, hits, strict=True):
        c = h.chunk
        assert n.node.get_content() == c.text
        assert n.node.metadata == {
            "doc_id": c.doc_id,
            "source": c.source,
            "title": c.title,
            "section": " > ".join(c.section),
            "page": c.page,
            "start": c.start,
            "end": c.end,
            "lang": c.lang,
        }
        assert n.node.ref_doc_id == c.doc_id


def test_query_engine_without_llm(hybrid: HybridRetriever, no_llm: MockLLM) -> None:
    query = "洪水预警"
    expected = [h.chunk.chunk_id for h in hybrid.search(query, k=2)]
    engine = RetrieverQueryEngine.from_args(ResnavLlamaRetriever(hybrid, k=2), llm=no_llm, response_mode="no_text")
    response = engine.query(query)
    assert [n.node.node_id for n in response.source_nodes] == expected
    assert response.source_nodes[0].node.metadata["source"] == "flood.md"
    assert response.source_nodes[0].node.metadata["lang"] == "zh"


def test_offsets_stay_out_of_llm_and_embed_text(hybrid: HybridRetriever, no_llm: MockLLM) -> None:
    """MockLLM answers with its prompt: the context llama-index builds shows source and section, not offsets."""
    query = "排水管网维护"
    top = hybrid.search(query, k=1)[0].chunk
    engine = RetrieverQueryEngine.from_args(ResnavLlamaRetriever(hybrid, k=1), llm=no_llm, response_mode="compact")
    prompt = str(engine.query(query))
    assert top.text.strip() in prompt
    assert f"source: {top.source}" in prompt and f"section: {' > '.join(top.section)}" in prompt
    assert "start:" not in prompt and "end:" not in prompt and "doc_id:" not in prompt
    node = chunk_to_node(top)
    for mode in (MetadataMode.LLM, MetadataMode.EMBED):
        shown = node.get_content(metadata_mode=mode)
        assert "source:" in shown and "start:" not in shown and "doc_id:" not in shown


def test_filters_and_errors_pass_through(hybrid: HybridRetriever) -> None:
    nodes = ResnavLlamaRetriever(hybrid, k=5, filters=Filters(langs=("en",))).retrieve("resilience 洪水")
    assert nodes and {n.node.metadata["lang"] for n in nodes} == {"en"}
    with pytest.raises(InvalidRequest):
        ResnavLlamaRetriever(hybrid).retrieve("   ")


def test_async_retrieve(hybrid: HybridRetriever) -> None:
    nodes = asyncio.run(ResnavLlamaRetriever(hybrid, k=2).aretrieve(QueryBundle("洪水预警")))
    assert [n.node.node_id for n in nodes] == [h.chunk.chunk_id for h in hybrid.search("洪水预警", k=2)]


def test_embedding_matches_embedder() -> None:
    embedder = HashingEmbedder(64)
    model = ResnavEmbedding(embedder)
    assert model.model_name == embedder.id
    texts = ["城市洪水预警", "resilience scorecard"]
    np.testing.assert_allclose(model.get_text_embedding_batch(texts), embedder.embed_documents(texts), atol=1e-6)
    np.testing.assert_allclose(model.get_query_embedding("洪水"), embedder.embed_query("洪水"), atol=1e-6)


def test_vector_store_index_on_our_embedder(hybrid: HybridRetriever) -> None:
    nodes = [chunk_to_node(c) for c in hybrid.index.chunks]
    index = VectorStoreIndex(nodes, embed_model=ResnavEmbedding(HashingEmbedder(64)))
    found = index.as_retriever(similarity_top_k=2).retrieve("培训地方政府工作人员应对干旱")
    assert len(found) == 2
    top = found[0].node
    assert top.metadata["source"] == "training.txt" and "培训地方政府工作人员" in top.get_content()
    assert found[0].score >= found[1].score


def test_missing_llama_index_gives_install_hint() -> None:
    code = (
        "import sys\n"
        "sys.modules['llama_index'] = None\n"
        "try:\n"
        "    import retriever.llama\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(ROOT), capture_output=True, text=True, timeout=120)
    assert "pip install '.[llama]'" in out.stdout, out.stderr
