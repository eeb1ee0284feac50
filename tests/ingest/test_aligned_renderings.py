"""An official translation declared in the manifest is aligned at ingest and served like a curated rendering:
the congress paper's file holds the English paper and its Chinese translation ("aligned": {"halves": true})."""

from __future__ import annotations

import pytest

from ingest.renderings import renderings_from_pairs

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


@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "lang"),
    [("What does the paper mean by engineering resilience?", "en"), ("文中所说的“工程韧性”指的是什么？", "zh")],
)
def test_each_language_is_answered_from_its_own_half(real_index, question: str, lang: str) -> None:
    from assistant.chat import Assistant, Turn
    from assistant.recommend import Recommender, Taxonomy
    from assistant.roadmap import load_rules
    from tests.conftest import KNOWLEDGE

    _, retriever = real_index
    assistant = Assistant(retriever, Recommender(retriever, Taxonomy.load(KNOWLEDGE)), load_rules(KNOWLEDGE))
    reply = assistant.reply([Turn("user", question)])
    paper = [c for c in reply.citations if c.source == PAPER]
    assert paper, reply.answer
    documents = retriever.index.documents
    for c in paper:
        assert documents[c.doc_id].text[c.start : c.end] == c.quote
        # quoted from the asker's half, or shown in the asker's language through the aligned translation
        assert c.lang == lang or (c.rendering is not None and c.rendering.lang == lang)
    assert paper[0].lang == lang
