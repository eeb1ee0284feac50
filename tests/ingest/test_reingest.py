"""Incremental re-ingest equals a build from scratch: after a one-file edit, a knowledge change or a rendering
change, the index built by reusing the previous version's vectors, tokens and alignment holds the same chunks,
tokens, vectors and files, and answers the same, as one built afresh from the same inputs.

Plumbing, not quality: the hashing embedder (deterministic per text, so reused vectors must equal recomputed ones
bit for bit). ``bench/reingest.py`` times the same path with the real model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest import pipeline
from ingest.pipeline import IngestReport, ingest, load_lexicon
from ingest.renderings import dump_segments, split_segments
from retriever.embedders import HashingEmbedder
from retriever.index import current_version_dir, load_vectors, read_chunk_tokens, read_manifest, read_meta
from retriever.search import HybridRetriever, load_index
from retriever.settings import Settings
from tests.conftest import CORPUS, make_settings

PAPER = "resilient-cities-congress-review.en.txt"  # aligned at ingest: its English half, then its Chinese one
QUERIES = (
    "城市抗灾能力记分卡",
    "城市韧性行动规划需要多长时间",
    "Which tool lets a city measure its disaster resilience?",
    "flood early warning",
    "Daring Cities",
)


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting how many texts it embedded (chunks and, when a file is aligned, sentences)."""

    def __init__(self) -> None:
        super().__init__(64)
        self.embedded = 0

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return super().embed_documents(texts)


def assert_same_index(incremental: Settings, fresh: Settings) -> None:
    """Same chunks, tokens, vectors, every file byte for byte, and the same search results."""
    a, b = current_version_dir(incremental.paths.index_dir), current_version_dir(fresh.paths.index_dir)
    assert a is not None and b is not None
    docs_a, chunks_a = read_meta(a)
    docs_b, chunks_b = read_meta(b)
    assert docs_a == docs_b
    assert chunks_a == chunks_b
    tokens_a, tokens_b = read_chunk_tokens(a), read_chunk_tokens(b)
    assert tokens_a is not None and tokens_a == tokens_b
    vectors_a, vectors_b = load_vectors(a), load_vectors(b)
    assert vectors_a.dtype == vectors_b.dtype and np.array_equal(vectors_a, vectors_b)
    files_a, files_b = read_manifest(a)["files"], read_manifest(b)["files"]
    assert files_a == files_b, sorted(k for k in files_a.keys() | files_b.keys() if files_a.get(k) != files_b.get(k))
    results = []
    for settings in (incremental, fresh):
        r = HybridRetriever(
            load_index(settings.paths.index_dir), HashingEmbedder(64), load_lexicon(settings), settings.retrieval
        )
        results.append([[(h.chunk.chunk_id, h.score) for h in r.search(q, 10)] for q in QUERIES])
    assert results[0] == results[1] and all(results[0])


def small_settings(index_dir: Path) -> Settings:
    """Test settings with the smallest chunks, so that the small corpus has several chunks per document."""
    settings = make_settings(index_dir)
    settings.chunking.max_chars_zh, settings.chunking.max_chars_en, settings.chunking.overlap_chars = 100, 200, 20
    return settings


def fresh_build(folder: Path, tmp_path: Path, knowledge: Path | None = None, *, small: bool = True) -> Settings:
    settings = small_settings(tmp_path / "fresh-index") if small else make_settings(tmp_path / "fresh-index")
    if knowledge is not None:
        settings.paths.knowledge_dir = knowledge
    report = ingest([folder], settings, HashingEmbedder(64))
    assert report.tokenised_chunks == report.total_chunks == report.embedded_chunks
    return settings


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def edit_a_character(corpus: Path, name: str, rendering: str, questions: str | None = None) -> None:
    """A typo fix: one Han character in the middle of ``name`` changes, and the ``src`` of its segment in the
    rendering file with it (a rendering quotes its original), so the rendering stays valid; so does every answer
    span of the ``questions`` file that holds the character."""
    path, rpath = corpus / name, corpus / rendering
    text = path.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in rpath.read_text(encoding="utf-8").splitlines() if line.strip()]
    at = next(i for i in range(len(rows) // 2, len(rows)) if any(_is_han(ch) for ch in rows[i].get("src", "")))
    pos = rows[at]["start"] + next(i for i, ch in enumerate(rows[at]["src"]) if _is_han(ch))
    text = text[:pos] + ("新" if text[pos] != "新" else "旧") + text[pos + 1 :]
    rows[at]["src"] = text[rows[at]["start"] : rows[at]["end"]]
    path.write_text(text, encoding="utf-8")
    rpath.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    if questions is not None:
        refresh_questions(corpus / questions, text, pos)


def refresh_questions(path: Path, text: str, pos: int) -> None:
    """The ``src`` of every answer span of the questions file ``path`` that holds ``pos``, taken again from the
    edited original ``text`` (a curated file is edited with its original)."""
    asked = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for q in asked:
        if q["start"] <= pos < q["end"]:
            q["src"] = text[q["start"] : q["end"]]
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in asked), encoding="utf-8")


@pytest.mark.slow
def test_one_file_edit_of_the_real_corpus_reuses_and_equals_a_fresh_build(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = make_settings(tmp_path / "index")
    emb = CountingEmbedder()
    first = ingest([corpus], settings, emb)
    n_first = emb.embedded
    assert first.tokenised_chunks == first.total_chunks and not first.skipped

    edit_a_character(
        corpus, "mcr2030-overview.zh.txt", "renderings/mcr2030-overview.en.jsonl", "questions/mcr2030-overview.jsonl"
    )
    before = emb.embedded
    again = ingest([corpus], settings, emb)
    assert again.ingested == ["mcr2030-overview.zh.txt"] and not again.skipped
    edited_chunks = sum(1 for c in load_index(settings.paths.index_dir).chunks if c.source == again.ingested[0])
    # Only chunks whose text changed are embedded and tokenised: a one-character edit touches one or two chunks
    # (overlap). Nothing else is embedded either: the aligned congress paper keeps its previous alignment.
    assert 1 <= again.embedded_chunks <= 2 and again.embedded_chunks < edited_chunks
    assert emb.embedded - before == again.embedded_chunks
    assert again.tokenised_chunks == again.embedded_chunks

    # Editing the aligned paper itself aligns it again, embedding only the sentences the edit changed.
    aligned_texts = n_first - first.embedded_chunks - first.embedded_questions
    paper = corpus / PAPER
    text = paper.read_text(encoding="utf-8")
    at = text.index("engineering resilience emphasizes")
    text = text[:at] + "Engineering" + text[at + len("engineering") :]
    paper.write_text(text, encoding="utf-8")
    refresh_questions(corpus / "questions/resilient-cities-congress-review.jsonl", text, at)
    before = emb.embedded
    third = ingest([corpus], settings, emb)
    assert third.ingested == [PAPER] and not third.skipped
    realigned = emb.embedded - before - third.embedded_chunks
    assert aligned_texts > 500 and 1 <= realigned < aligned_texts / 20, (aligned_texts, realigned)
    index = load_index(settings.paths.index_dir)
    paper_id = next(d.doc_id for d in index.documents.values() if d.source == PAPER)
    assert index.rendering(paper_id, "zh") is not None and index.rendering(paper_id, "en") is not None

    assert_same_index(settings, fresh_build(corpus, tmp_path, small=False))


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """Three documents: Chinese with a curated English rendering, English, Chinese without a rendering."""
    folder = tmp_path / "docs"
    folder.mkdir()
    zh = (
        "# 城市韧性\n\n"
        + "城市抗灾能力记分卡帮助城市评估韧性。地方政府制定减少灾害风险战略。" * 3
        + "\n\n## 第二节\n\n"
        + "宣传活动提高公众的风险意识。社区参与防洪演练和早期预警。" * 3
        + "\n\n## 第三节\n\n"
        + "联合国人居署提供技术支持和能力建设培训。" * 4
        + "\n"
    )
    (folder / "a.md").write_text(zh, encoding="utf-8")
    segments = split_segments(zh)
    rows = [(s, e, f"English rendering {i} of the passage on resilience", "") for i, (s, e) in enumerate(segments)]
    (folder / "a.en.jsonl").write_text(dump_segments(zh, rows), encoding="utf-8")
    (folder / "b.txt").write_text(
        "Resilient cities\n\nThe congress discussed flood risk and early warning.\n\n"
        "Cities measure their resilience with a scorecard.\n",
        encoding="utf-8",
    )
    (folder / "c.txt").write_text("3. 能力建设\n\n培训地方政府工作人员。记分卡。\n", encoding="utf-8")
    manifest = {"documents": [{"file": "a.md", "renderings": [{"file": "a.en.jsonl", "lang": "en"}]}]}
    (folder / "MANIFEST.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _chunks_of(settings: Settings, source: str) -> int:
    return sum(1 for c in load_index(settings.paths.index_dir).chunks if c.source == source)


def test_an_edited_document_is_retokenised_alone(tmp_path: Path, small_corpus: Path) -> None:
    settings = small_settings(tmp_path / "index")
    first = ingest([small_corpus], settings, HashingEmbedder(64))
    assert first.tokenised_chunks == first.total_chunks >= 6
    (small_corpus / "c.txt").write_text("3. 能力建设\n\n培训地方政府工作人员。应急预案。\n", encoding="utf-8")
    again = ingest([small_corpus], settings, HashingEmbedder(64))
    assert again.ingested == ["c.txt"]
    assert 1 <= again.tokenised_chunks <= _chunks_of(settings, "c.txt") < again.total_chunks
    assert_same_index(settings, fresh_build(small_corpus, tmp_path))


def test_a_changed_rendering_retokenises_the_chunks_it_renders(tmp_path: Path, small_corpus: Path) -> None:
    settings = small_settings(tmp_path / "index")
    ingest([small_corpus], settings, HashingEmbedder(64))
    path = small_corpus / "a.en.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("rendering 1 of", "flood warning in"), encoding="utf-8")
    again = ingest([small_corpus], settings, HashingEmbedder(64))
    assert again.ingested == [] and again.embedded_chunks == 0 and again.version is not None
    # the document is unchanged (vectors kept) but the English view of the chunk holding segment 1 is not
    assert 1 <= again.tokenised_chunks <= _chunks_of(settings, "a.md")
    assert_same_index(settings, fresh_build(small_corpus, tmp_path))


def test_a_changed_glossary_retokenises_everything(tmp_path: Path, small_corpus: Path) -> None:
    knowledge = tmp_path / "knowledge"
    settings = small_settings(tmp_path / "index")
    shutil.copytree(settings.paths.knowledge_dir, knowledge)
    settings.paths.knowledge_dir = knowledge
    ingest([small_corpus], settings, HashingEmbedder(64))
    # A new English gloss for a word of the corpus: the glosses in the English view change, jieba's words do not.
    glossary = knowledge / "glossary.tsv"
    text = glossary.read_text(encoding="utf-8")
    assert "\n记分卡\tscorecard\t" in text
    glossary.write_text(text.replace("\n记分卡\tscorecard\t", "\n记分卡\tpoints table\t"), encoding="utf-8")
    again = ingest([small_corpus], settings, HashingEmbedder(64))
    assert again.embedded_chunks == 0 and again.tokenised_chunks == again.total_chunks
    assert "point" in load_index(settings.paths.index_dir).lex_en
    assert_same_index(settings, fresh_build(small_corpus, tmp_path, knowledge))


def test_a_new_tokens_version_retokenises_everything(
    tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = small_settings(tmp_path / "index")
    ingest([small_corpus], settings, HashingEmbedder(64))
    (small_corpus / "c.txt").write_text("3. 能力建设\n\n培训。\n", encoding="utf-8")
    monkeypatch.setattr(pipeline, "TOKENS_VERSION", pipeline.TOKENS_VERSION + 1)
    again: IngestReport = ingest([small_corpus], settings, HashingEmbedder(64))
    assert again.tokenised_chunks == again.total_chunks


def test_a_new_tokens_version_alone_publishes_a_retokenised_version(
    tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No document and no knowledge file changed, only how chunks are tokenised: the stored tokens are stale, so a
    new version is published with every chunk tokenised again (it was skipped as "nothing changed")."""
    settings = small_settings(tmp_path / "index")
    first = ingest([small_corpus], settings, HashingEmbedder(64))
    assert ingest([small_corpus], settings, HashingEmbedder(64)).version == first.version  # nothing changed
    monkeypatch.setattr(pipeline, "TOKENS_VERSION", pipeline.TOKENS_VERSION + 1)
    again = ingest([small_corpus], settings, HashingEmbedder(64))
    assert again.version != first.version
    assert again.tokenised_chunks == again.total_chunks and again.embedded_chunks == 0


def test_a_version_without_stored_tokens_is_still_reused_for_vectors(tmp_path: Path, small_corpus: Path) -> None:
    """An index built before tokens were stored: the next ingest tokenises everything, embeds only what changed."""
    settings = small_settings(tmp_path / "index")
    ingest([small_corpus], settings, HashingEmbedder(64))
    folder = current_version_dir(settings.paths.index_dir)
    assert folder is not None
    (folder / "tokens.json").unlink()
    (small_corpus / "c.txt").write_text("3. 能力建设\n\n应急预案。\n", encoding="utf-8")
    again = ingest([small_corpus], settings, HashingEmbedder(64))
    assert again.tokenised_chunks == again.total_chunks
    assert again.embedded_chunks == _chunks_of(settings, "c.txt")
    assert_same_index(settings, fresh_build(small_corpus, tmp_path))
