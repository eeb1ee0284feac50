"""The curated questions of the corpus (retrieval aids, the doc2query technique): they fit their originals, every
passage has some, each is written in its language; the machinery refuses a file that does not fit and keeps the
document; search finds a passage through a question worded like the user's, and never shows the question."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import split_document
from ingest.loaders import load_document, read_manifest
from ingest.pipeline import ingest, load_lexicon
from ingest.questions import QUESTION_TYPES, load_questions
from retriever.asked import AskedIndex, assign_rows
from retriever.embedders import HashingEmbedder
from retriever.errors import InvalidQuestions
from retriever.language import has_han
from retriever.search import HybridRetriever, load_index, with_settings
from retriever.types import AskedQuestion
from tests.conftest import CORPUS, make_settings

MANIFEST = read_manifest(CORPUS)
DECLARED = sorted((name, entry["questions"]) for name, entry in MANIFEST.items() if entry.get("questions"))


def test_every_document_declares_curated_questions() -> None:
    assert sorted(name for name, _ in DECLARED) == sorted(MANIFEST)
    for _, spec in DECLARED:
        assert spec["provenance"] == "curated" and "Retrieval aids only" in spec["note"] and spec["checked"]
        assert (CORPUS / spec["file"]).is_file(), spec["file"]


@pytest.mark.parametrize(("name", "spec"), DECLARED, ids=[n for n, _ in DECLARED])
def test_questions_fit_the_original_and_every_passage_has_some(name: str, spec: dict) -> None:
    doc = load_document(CORPUS / name, source=name)
    questions = load_questions(CORPUS / spec["file"], doc.text, doc_id=doc.doc_id)
    rows = [json.loads(line) for line in (CORPUS / spec["file"]).read_text(encoding="utf-8").splitlines() if line]
    assert all(r["type"] in QUESTION_TYPES and r["zh"] and r["en"] for r in rows)
    assert len(questions) == 2 * len(rows)
    chunks = split_document(doc)
    answered = {row for row, _ in assign_rows(questions, [(c.doc_id, c.start, c.end) for c in chunks])}
    without = [c.chunk_id for i, c in enumerate(chunks) if i not in answered and c.text.strip()]
    assert not without, f"passages without a question: {without}"
    # a question, not a copy of its answer: no question repeats a long stretch of its span
    copied = [q.text for q in questions if len(q.text) > 30 and q.text.rstrip("？?") in doc.text[q.start : q.end]]
    assert not copied


# -- the machinery ------------------------------------------------------------------------------------------------
ORIGINAL = "城市韧性行动规划流程需要 3-4 个月，分为四个阶段。\n\n宣传活动面向市民。"


def write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def good_row() -> dict:
    src = "城市韧性行动规划流程需要 3-4 个月，分为四个阶段。"
    return {"start": 0, "end": len(src), "src": src, "type": "duration", "zh": "做一次规划要多久？", "en": "How long?"}


def test_a_valid_file_loads_both_languages(tmp_path: Path) -> None:
    got = load_questions(write(tmp_path, [good_row()]), ORIGINAL, doc_id="d")
    assert [(q.lang, q.text, q.start) for q in got] == [("zh", "做一次规划要多久？", 0), ("en", "How long?", 0)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(src="别的句子"), "src is not original"),
        (lambda r: r.update(end=10_000), "start < end"),
        (lambda r: r.update(start="0"), "must be integers"),
        (lambda r: r.update(zh="How long?"), "not written in zh"),
        (lambda r: r.update(en="要多久？"), "not written in en"),
        (lambda r: r.update(type="colour"), "is not one of"),
        (lambda r: r.update(zh=None, en=None), "no question"),
        (lambda r: r.update(en="x" * 301), "1..300 characters"),
    ],
)
def test_a_file_that_does_not_fit_is_refused_naming_the_line(tmp_path: Path, change, message: str) -> None:
    bad = good_row()
    change(bad)
    with pytest.raises(InvalidQuestions, match=message) as raised:
        load_questions(write(tmp_path, [good_row(), bad]), ORIGINAL, doc_id="d")
    assert "q.jsonl:2" in str(raised.value) and raised.value.code == "invalid_questions"


def test_a_question_goes_to_every_passage_holding_its_span_else_to_the_one_holding_most() -> None:
    q = AskedQuestion("d", 10, 20, "en", "q")
    spans = [("d", 0, 15), ("d", 5, 25), ("d", 8, 30), ("e", 0, 100)]
    assert [row for row, _ in assign_rows([q], spans)] == [1, 2]
    assert [row for row, _ in assign_rows([q], [("d", 0, 12), ("d", 12, 40)])] == [1]
    assert assign_rows([AskedQuestion("x", 0, 5, "en", "q")], spans) == []


def test_nearest_question_by_meaning_is_per_passage_and_never_negative() -> None:
    entries = [
        (0, AskedQuestion("d", 0, 1, "en", "Which flood maps exist?")),
        (0, AskedQuestion("d", 0, 1, "zh", "有哪些洪水地图？")),
        (2, AskedQuestion("d", 0, 1, "en", "Who funds drought relief?")),
    ]
    vectors = np.array([[1.0, 0.0], [0.6, 0.8], [-1.0, 0.0]], dtype=np.float32)
    index = AskedIndex.build(entries, vectors, n_rows=3)
    sims = index.similarities(np.array([0.0, 1.0]))
    assert index.meaning(sims).tolist() == pytest.approx([0.8, 0.0, 0.0])
    assert [(round(sim, 3), q.text) for sim, q in index.nearest(sims, 2)] == [
        (0.8, "有哪些洪水地图？"),
        (0.0, "Which flood maps exist?"),
    ]
    flood = index.words("en", [("flood", 1.0)])
    assert flood[0] > 0 and not flood[1:].any()
    assert not index.words("zh", [("flood", 1.0)]).any()  # each language's questions are their own index


# -- ingest and search --------------------------------------------------------------------------------------------
@pytest.fixture
def corpus_with_questions(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    (folder / "questions").mkdir(parents=True)
    (folder / "a.zh.txt").write_text(
        "# 行动规划\n\n城市韧性行动规划流程需要 3-4 个月，分为四个阶段。\n\n# 宣传\n\n宣传活动面向市民和学校。\n",
        encoding="utf-8",
    )
    text = (folder / "a.zh.txt").read_text(encoding="utf-8")
    src = "城市韧性行动规划流程需要 3-4 个月，分为四个阶段。"
    at = text.index(src)
    row = {
        "start": at,
        "end": at + len(src),
        "src": src,
        "type": "duration",
        "zh": "制定一份韧性计划大概花多少时间？",
        "en": "How much time does drawing up the plan take?",
    }
    write(folder / "questions", [row]).rename(folder / "questions" / "a.jsonl")
    (folder / "MANIFEST.json").write_text(
        json.dumps({"documents": [{"file": "a.zh.txt", "lang": "zh", "questions": {"file": "questions/a.jsonl"}}]}),
        encoding="utf-8",
    )
    return folder


def test_ingest_indexes_the_questions_and_search_finds_the_passage_through_them(
    tmp_path: Path, corpus_with_questions: Path
) -> None:
    settings = make_settings(tmp_path / "index")
    embedder = HashingEmbedder(64)
    report = ingest([corpus_with_questions], settings, embedder)
    assert report.questions == 2 and report.embedded_questions == 2 and not report.skipped
    again = ingest([corpus_with_questions], settings, embedder)
    assert again.version == report.version and again.questions == 2
    retriever = HybridRetriever(
        load_index(settings.paths.index_dir), embedder, load_lexicon(settings), settings.retrieval
    )
    query = "How much time does drawing up the plan take?"  # no word of it is in the passage or its glosses
    hit = retriever.search(query, k=1)[0]
    assert "3-4 个月" in hit.chunk.text and dict(hit.legs).get("asked", 0) > 0
    assert query not in hit.chunk.text  # the hit is the passage, never the question
    without = with_settings(retriever, questions=False).search(query, k=2)
    assert all("asked" not in dict(h.legs) for h in without)


def test_a_bad_questions_file_is_reported_and_the_document_still_ingested(
    tmp_path: Path, corpus_with_questions: Path
) -> None:
    path = corpus_with_questions / "questions" / "a.jsonl"
    row = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**row, "start": row["start"] + 1}, ensure_ascii=False) + "\n", encoding="utf-8")
    settings = make_settings(tmp_path / "index")
    report = ingest([corpus_with_questions], settings, HashingEmbedder(64))
    assert report.ingested == ["a.zh.txt"] and report.questions == 0
    assert [(s, c) for s, c, _ in report.skipped] == [("questions/a.jsonl", "invalid_questions")]
    assert load_index(settings.paths.index_dir).asked is None


def test_an_edited_questions_file_publishes_a_new_version_embedding_only_new_questions(
    tmp_path: Path, corpus_with_questions: Path
) -> None:
    settings = make_settings(tmp_path / "index")
    embedder = HashingEmbedder(64)
    first = ingest([corpus_with_questions], settings, embedder)
    path = corpus_with_questions / "questions" / "a.jsonl"
    row = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**row, "en": "How long does the planning process last?"}) + "\n", encoding="utf-8")
    second = ingest([corpus_with_questions], settings, embedder)
    assert second.version != first.version and second.embedded_chunks == 0 and second.embedded_questions == 1
    asked = load_index(settings.paths.index_dir).asked
    assert asked is not None and "How long does the planning process last?" in {q.text for _, q in asked.entries}


def test_the_corpus_questions_survive_a_copy_of_the_corpus(tmp_path: Path) -> None:
    """The manifest's paths are relative to its folder: a copied corpus ingests with every question."""
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy)
    settings = make_settings(tmp_path / "index")
    report = ingest([copy], settings, HashingEmbedder(64))
    expected = sum(
        2 * sum(1 for line in (CORPUS / s["file"]).read_text(encoding="utf-8").splitlines() if line)
        for _, s in DECLARED
    )
    assert not report.skipped and report.questions >= expected  # a span across two passages answers in both
    asked = load_index(settings.paths.index_dir).asked
    assert asked is not None and all(has_han(q.text) == (q.lang == "zh") for _, q in asked.entries)
