"""An official translation declared in the manifest is aligned at ingest and served like a curated rendering:
the congress paper's file holds the English paper and its Chinese translation ("aligned": {"halves": true}); two
files can be declared as the same document in two languages ("aligned": {"translation_of": "<file>"}), and both
cases take the same path (ingest.align.align_texts -> ingest.renderings.renderings_from_alignment)."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from ingest.align import align_halves, language_halves
from ingest.loaders import load_document
from ingest.pipeline import ingest, load_lexicon, one_rendering_per_language
from ingest.renderings import dump_segments, renderings_from_alignment, renderings_from_pairs, skeleton
from retriever.embedders import HashingEmbedder
from retriever.search import HybridRetriever, load_index
from retriever.types import Rendering, Segment
from tests.conftest import CORPUS, make_settings

PAPER = "resilient-cities-congress-review.en.txt"


def test_pairs_become_two_renderings_one_per_direction() -> None:
    text = "One sentence. Two sentences here.\n\n一句话。两句话。"
    zh0 = text.index("一句话")
    pairs = [((0, 13), (zh0, zh0 + 4), 0.9), ((14, 33), (zh0 + 4, zh0 + 8), 0.8)]
    to_zh, to_en = renderings_from_pairs("d", text, pairs)
    assert (to_zh.lang, to_en.lang) == ("zh", "en") and to_zh.provenance == to_en.provenance == "official"
    assert to_zh.text_between(0, 13) == "一句话。" and to_en.text_between(zh0, zh0 + 4) == "One sentence."
    # an overlapping pair (the aligner's out-of-order pass may cross) is dropped, not stored twice
    crossing = [*pairs, ((0, 33), (zh0, zh0 + 8), 0.5)]
    assert len(renderings_from_pairs("d", text, crossing)[0].segments) == 2


@pytest.mark.integration
def test_the_paper_halves_are_aligned_at_ingest(real_index) -> None:
    _, retriever = real_index
    index = retriever.index
    doc = next(d for d in index.documents.values() if d.source == PAPER)
    to_zh, to_en = index.rendering(doc.doc_id, "zh"), index.rendering(doc.doc_id, "en")
    assert to_zh is not None and to_en is not None and to_zh.provenance == to_en.provenance == "official"
    assert len(to_zh.segments) >= 100 and len(to_en.segments) >= 100
    # a known pair, checked by hand: the definition of engineering resilience
    seg = next(s for s in to_zh.segments if "engineering resilience emphasizes" in doc.text[s.start : s.end])
    assert "工程韧性" in seg.en and "恢复到原始状态" in seg.en
    # the English view of the index does not take the aligned Chinese half as extra English text
    assert index.has_text_in(doc.doc_id, "en") and index.has_text_in(doc.doc_id, "zh")


def test_the_passage_after_one_is_the_next_of_its_document_and_half(real_index) -> None:
    _, retriever = real_index
    index = retriever.index
    doc = next(d for d in index.documents.values() if d.source == PAPER)
    halves = {
        lang: sorted((c for c in index.chunks if c.doc_id == doc.doc_id and c.lang == lang), key=lambda c: c.start)
        for lang in ("en", "zh")
    }
    for passages in halves.values():
        assert len(passages) > 2
        for a, b in pairwise(passages):
            assert index.passage_after(a) == b
        assert index.passage_after(passages[-1]) is None  # the English half does not run on into the Chinese


@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "lang"),
    [("What does the paper mean by engineering resilience?", "en"), ("文中所说的“工程韧性”指的是什么？", "zh")],
)
def test_each_language_is_answered_from_its_own_half(real_assistant, question: str, lang: str) -> None:
    from assistant.chat import Turn

    reply = real_assistant.reply([Turn("user", question)])
    paper = [c for c in reply.citations if c.source == PAPER]
    assert paper, reply.answer
    documents = real_assistant.retriever.index.documents
    for c in paper:
        assert documents[c.doc_id].text[c.start : c.end] == c.quote
        # quoted from the asker's half, or shown in the asker's language through the aligned translation
        assert c.lang == lang or (c.rendering is not None and c.rendering.lang == lang)
    assert paper[0].lang == lang


@pytest.mark.integration
@pytest.mark.parametrize(
    ("query", "lang"),
    [
        ("Over which years does the paper place the ecological resilience stage?", "en"),
        # Latin names match the English half only; the Chinese reader still gets the Chinese half
        ("文中提到的 Daring Cities 2023 有多少城市和国家参加？", "zh"),
    ],
)
def test_search_answers_each_reader_from_their_half_of_a_bilingual_file(real_index, query: str, lang: str) -> None:
    from retriever.search import Filters, with_settings

    _, retriever = real_index

    def paper_langs(r: HybridRetriever, filters: Filters | None = None) -> list[str]:
        return [h.chunk.lang for h in r.search(query, 20, filters, renderings=False) if h.chunk.source == PAPER]

    other = "zh" if lang == "en" else "en"
    # without the rule the other half competes with the reader's (the same content, translated)
    assert other in paper_langs(with_settings(retriever, own_half=False))
    served = paper_langs(retriever)  # with it, a passage of the other half stands for its aligned counterpart
    assert served and set(served) == {lang}
    assert set(paper_langs(retriever, Filters(langs=(other,)))) == {other}  # a language filter still reaches it


# -- two files declared as the same document in two languages --------------------------------------------------


def write_manifest(folder: Path, documents: list[dict]) -> None:
    (folder / "MANIFEST.json").write_text(json.dumps({"documents": documents}), encoding="utf-8")


def test_an_alignment_of_two_files_renders_each_by_the_other() -> None:
    english, chinese = "One sentence. Two sentences here.", "一句话。两句话。"
    pairs = [((0, 13), (0, 4), 0.9), ((14, 33), (4, 8), 0.8)]
    to_zh, to_en = renderings_from_alignment(("en-doc", english), ("zh-doc", chinese), pairs)
    assert (to_zh.doc_id, to_zh.lang, to_en.doc_id, to_en.lang) == ("en-doc", "zh", "zh-doc", "en")
    assert to_zh.text_between(0, 13) == "一句话。" and to_en.text_between(0, 4) == "One sentence."
    assert to_zh.provenance == to_en.provenance == "official"


def test_an_official_translation_wins_over_a_curated_rendering() -> None:
    curated = Rendering("d", "en", "curated", (Segment(0, 3, "curated"),))
    official = Rendering("d", "en", "official", (Segment(0, 3, "official"),))
    machine = Rendering("d", "en", "machine", (Segment(0, 3, "machine"),))
    other_language = Rendering("d", "fr", "curated", (Segment(0, 3, "curated"),))
    assert one_rendering_per_language([curated, official, other_language]) == [official, other_language]
    assert one_rendering_per_language([official, curated]) == [official]
    assert one_rendering_per_language([machine, curated]) == [curated]


ENGLISH = "Resilient cities\n\nThe congress discussed flood risk, early warning systems and the financing of cities.\n"
CHINESE = "城市韧性\n\n城市抗灾能力记分卡帮助城市评估韧性，并制定行动计划。\n"


@pytest.mark.parametrize(
    ("named", "code"),
    [
        ("missing.zh.txt", "translation_not_found"),  # no such file
        ("other.en.txt", "translation_same_language"),  # a file in the same language
        ("notes.en.txt", "translation_same_language"),  # the file itself
    ],
)
def test_a_bad_translation_declaration_is_reported_and_the_batch_goes_on(tmp_path: Path, named: str, code: str) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.en.txt").write_text(ENGLISH, encoding="utf-8")
    (folder / "other.en.txt").write_text(ENGLISH.replace("flood risk", "heat waves"), encoding="utf-8")
    (folder / "notes.zh.txt").write_text(CHINESE, encoding="utf-8")
    write_manifest(folder, [{"file": "notes.en.txt", "aligned": {"translation_of": named, "provenance": "official"}}])
    settings = make_settings(tmp_path / "index")
    report = ingest([folder], settings, HashingEmbedder(64))
    assert [(source, c) for source, c, _ in report.skipped] == [("notes.en.txt", code)]
    message = report.skipped[0][2]
    assert named in message and "without alignment" in message
    # the declaration is skipped, the documents are not
    assert sorted(report.ingested) == ["notes.en.txt", "notes.zh.txt", "other.en.txt"] and report.version
    assert load_index(settings.paths.index_dir).renderings == {}


@pytest.mark.integration
def test_two_files_are_aligned_exactly_as_the_halves_of_one(tmp_path: Path) -> None:
    from retriever.embedders import make_embedder

    paper = load_document(CORPUS / PAPER)
    halves = language_halves(paper.text)
    assert halves is not None
    (e0, e1), (z0, z1) = halves
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "paper.en.txt").write_text(paper.text[e0:e1] + "\n", encoding="utf-8")
    (folder / "paper.zh.txt").write_text(paper.text[z0:z1] + "\n", encoding="utf-8")
    # a curated rendering of the Chinese file too: the official translation must win over it
    zh_text = load_document(folder / "paper.zh.txt").text
    rows = [(a, b, en or "curated", debris) for a, b, en, debris in skeleton(zh_text)]
    (folder / "paper.zh.curated.jsonl").write_text(dump_segments(zh_text, rows), encoding="utf-8")
    write_manifest(
        folder,
        [
            {"file": "paper.en.txt"},
            {
                "file": "paper.zh.txt",
                "aligned": {"translation_of": "paper.en.txt", "provenance": "official"},
                "renderings": [{"file": "paper.zh.curated.jsonl", "lang": "en", "provenance": "curated"}],
            },
        ],
    )
    settings = make_settings(tmp_path / "index", backend="use")
    embedder = make_embedder(settings.embedder)
    report = ingest([folder], settings, embedder)
    assert report.skipped == [] and sorted(report.ingested) == ["paper.en.txt", "paper.zh.txt"]

    index = load_index(settings.paths.index_dir)
    docs = {d.source: d for d in index.documents.values()}
    en_doc, zh_doc = docs["paper.en.txt"], docs["paper.zh.txt"]
    assert en_doc.text.startswith(paper.text[e0:e1]) and zh_doc.text.startswith(paper.text[z0:z1])
    to_zh, to_en = index.rendering(en_doc.doc_id, "zh"), index.rendering(zh_doc.doc_id, "en")
    assert to_zh is not None and to_en is not None and to_zh.provenance == to_en.provenance == "official"

    # the same alignment as halves mode on the one file, offsets shifted to each file
    halves_to_zh, halves_to_en = renderings_from_pairs(
        paper.doc_id, paper.text, align_halves(paper.text, embedder.embed_documents)
    )
    assert len(halves_to_zh.segments) >= 100
    assert [(s.start + e0, s.end + e0, s.en) for s in to_zh.segments] == [
        (s.start, s.end, s.en) for s in halves_to_zh.segments
    ]
    assert [(s.start + z0, s.end + z0, s.en) for s in to_en.segments] == [
        (s.start, s.end, s.en) for s in halves_to_en.segments
    ]

    # a hit on the Chinese file carries its English text, labelled as the official translation
    retriever = HybridRetriever(index, embedder, load_lexicon(settings), settings.retrieval)
    hits = retriever.search("“工程韧性”强调系统恢复到原始状态的能力", 5)
    hit = next(h for h in hits if h.chunk.doc_id == zh_doc.doc_id and "工程韧性" in h.chunk.text)
    assert hit.rendering is not None and hit.rendering.lang == "en" and hit.rendering.provenance == "official"
    assert "engineering resilience" in hit.rendering.text.lower()
