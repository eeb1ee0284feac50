"""Chunking: heading detection, section paths, size limits, overlap, and the offset/coverage invariants."""

from __future__ import annotations

import hashlib
import re
import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import (
    CHUNKER_VERSION,
    RANK_FAQ,
    Heading,
    detect_headings,
    repair_item_number,
    split_document,
)
from ingest.language import detect_lang, is_chinese
from ingest.loaders import load_document
from retriever.errors import InvalidRequest
from retriever.types import Chunk, Document, PageSpan

CATALOGUE = "unhabitat-service-catalogue-2022.zh.txt"
PAPER = "resilient-cities-congress-review.en.txt"
SERVICE_COUNTS = {"A": 7, "B": 6, "C": 7, "D": 7, "E": 5, "F": 5, "G": 3, "H": 6, "I": 5, "J": 5, "K": 2}


def make_doc(text: str, pages: tuple[PageSpan, ...] = (), source: str = "doc.txt") -> Document:
    return Document(
        doc_id=hashlib.sha256(f"{source}\x00{text}".encode()).hexdigest()[:16],
        source=source,
        title="test",
        lang=detect_lang(text),
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        pages=pages,
    )


def assert_chunk_invariants(doc: Document, chunks: list[Chunk], max_zh: int, max_en: int) -> None:
    """Everything split_document promises, checked on one result."""
    text = doc.text
    covered = bytearray(len(text))
    previous_start = -1
    headings = detect_headings(text)
    for n, chunk in enumerate(chunks):
        assert chunk.chunk_id == f"{doc.doc_id}:{n}" and chunk.n == n and chunk.doc_id == doc.doc_id
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text and chunk.text == chunk.text.strip()
        assert chunk.start > previous_start
        previous_start = chunk.start
        limit = max_zh if is_chinese(chunk.text) else max_en
        assert len(chunk.text) <= limit
        if chunk.lang == "zh":
            assert len(chunk.text) <= max_zh
        assert chunk.lang == detect_lang(chunk.text)
        assert chunk.page == doc.page_at(chunk.start)
        assert (chunk.source, chunk.title) == (doc.source, doc.title)
        assert_no_straddling(chunk, headings)
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not missing, f"uncovered characters at {missing[:5]}"


def assert_no_straddling(chunk: Chunk, headings: list[Heading]) -> None:
    """Headings along a chunk deepen strictly (the heading open at its start first); only minor ones repeat."""
    before = [h.rank for h in headings if h.start <= chunk.start]
    ranks = [before[-1] if before else -1] + [h.rank for h in headings if chunk.start < h.start < chunk.end]
    for outer, inner in zip(ranks, ranks[1:], strict=False):
        assert outer < inner or (outer >= RANK_FAQ and inner >= RANK_FAQ), (ranks, chunk.text[:80])


# -- properties -----------------------------------------------------------------------------------------------

HAN = "城市韧性规划风险数据服务联合国人居署评估能力建设可持续发展目标"
HEADING_LINES = [
    "第一章",
    "第二章 02",
    "A. 城市数据、资料收集和监测",
    "A.1. 创新的城市贫民窟资料收集和统计",
    "A.2. 城市移民资料",
    "1.3. 误印的服务",
    "B. 参与式过程",
    "一、导言",
    "（二）背景",
    "# Title",
    "## Sub section",
    "1 Introduction",
    "2 Methods",
    "3.1 Results and discussion",
    "专题领域 2：提高风险分析",
    "A 阶段：推进城市认知",
    "ABSTRACT",
    "什么是韧性路线图？",
    "1. 城市",
    "常见问题 (FAQ)",
    "证言",
    "问题\t解答",
    "- 列表项目：<https://mcr2030.undrr.org/x>",
    "1. 本报告重点介绍城市韧性。",
]
LINE = st.one_of(
    st.text(alphabet=HAN + "，。！？：；（）、ab Z09\t", max_size=60),
    st.text(alphabet=HAN, min_size=1, max_size=12).map(lambda s: s + "。"),
    st.text(alphabet="abcdefg hijk.,;!?", max_size=80),
    st.sampled_from([*HEADING_LINES, "", "", "", "  ", "\t", "The city plans. It works!"]),
)
DOC_TEXT = st.lists(LINE, max_size=40).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(
    text=DOC_TEXT,
    max_zh=st.integers(4, 120),
    max_en=st.integers(4, 240),
    overlap=st.integers(0, 60),
    paged=st.booleans(),
)
def test_split_properties(text: str, max_zh: int, max_en: int, overlap: int, paged: bool) -> None:
    pages = (PageSpan(1, 0, len(text) // 2), PageSpan(2, len(text) // 2 + 1, len(text))) if paged and text else ()
    doc = make_doc(text, pages)
    chunks = split_document(doc, max_chars_zh=max_zh, max_chars_en=max_en, overlap_chars=overlap)
    assert_chunk_invariants(doc, chunks, max_zh, max_en)
    again = split_document(doc, max_chars_zh=max_zh, max_chars_en=max_en, overlap_chars=overlap)
    assert again == chunks  # deterministic, stable ids


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=HAN + "，。！？：；（）abc XYZ 012\n\t", max_size=3000))
def test_split_properties_default_sizes_on_long_text(text: str) -> None:
    doc = make_doc(text)
    assert_chunk_invariants(doc, split_document(doc), 600, 1200)


def test_empty_and_whitespace_documents_give_no_chunks() -> None:
    assert split_document(make_doc("")) == []
    assert split_document(make_doc(" \n\t\n")) == []


@pytest.mark.parametrize("kwargs", [{"max_chars_zh": 0}, {"max_chars_en": -1}, {"overlap_chars": -5}])
def test_invalid_arguments(kwargs: dict[str, int]) -> None:
    with pytest.raises(InvalidRequest):
        split_document(make_doc("城市"), **kwargs)


def test_chunker_version_is_a_string() -> None:
    assert isinstance(CHUNKER_VERSION, str) and CHUNKER_VERSION


# -- headings -------------------------------------------------------------------------------------------------

CATALOGUE_LIKE = """第二章 02

我们对国家政府、地方当局和利益攸关方的支持

A. 城市数据、资料收集和监测

A.1. 创新的城市贫民窟资料收集和统计

1.1 1.2 2.3 3.3 4.1 4.2

1 NO POVERTY 10 REDUCED INEQUALITIES 11 SUSTAINABLE CITIES AND COMMUNITIES

概述：这是一种创新的城市数据收集方法。

I. 能力建设

I.1. 可持续地向政府和城市利益攸关方转移技能和知识

概述：能力建设。

1.2. 通过区域卓越培训中心提高政府能力

概述：区域中心。

1.3. (线上) 城市与气候变化学院

概述：学院。

J. 可持续发展目标本地化的监测和报告
"""


def labels(text: str) -> list[tuple[int, str]]:
    return [(h.rank, h.label) for h in detect_headings(text)]


def test_catalogue_headings_and_misprinted_services() -> None:
    assert labels(CATALOGUE_LIKE) == [
        (0, "第二章"),
        (2, "A. 城市数据、资料收集和监测"),
        (3, "A.1. 创新的城市贫民窟资料收集和统计"),
        (2, "I. 能力建设"),
        (3, "I.1. 可持续地向政府和城市利益攸关方转移技能和知识"),
        (3, "I.2. 通过区域卓越培训中心提高政府能力"),
        (3, "I.3. (线上) 城市与气候变化学院"),
        (2, "J. 可持续发展目标本地化的监测和报告"),
    ]


def test_first_chunk_of_a_section_carries_the_full_path() -> None:
    chunks = split_document(make_doc(CATALOGUE_LIKE))
    assert chunks[0].section == ("第二章", "A. 城市数据、资料收集和监测", "A.1. 创新的城市贫民窟资料收集和统计")
    assert chunks[0].text.startswith("第二章 02")
    services = [c.section[-1][:4] for c in chunks if c.section and c.section[-1][:1] in "AI"]
    assert {"A.1.", "I.1.", "I.2.", "I.3."} <= set(services)


def item_after(section: str, earlier: list[str], line: str) -> Heading | None:
    """The item heading ``line`` becomes when it follows lettered section ``section`` and its items ``earlier``."""
    text = f"{section}. 某个部分\n\n" if section else ""
    text += "".join(f"{item}. 前面的服务\n\n概述：正文。\n\n" for item in earlier)
    text += f"{line}\n\n概述：正文。\n"
    at = text.rindex(line)
    return next((h for h in detect_headings(text) if h.start == at and h.kind == "item"), None)


# The one rule that repairs misprinted item numbers (ingest.chunking.repair_item_number); the catalogue reads
# the repaired numbers from the headings and has no rule of its own.
@pytest.mark.parametrize(
    ("section", "earlier", "line", "number"),
    [
        ("I", ["I.1"], "1.2. 通过区域卓越培训中心提高政府能力", "I.2"),  # the Service Catalogue's slip
        ("I", ["I.1", "1.2"], "1.3. (线上) 城市与气候变化学院", "I.3"),  # the sequence goes on from a repair
        ("I", ["I.1"], "l.2. 小写字母 l", "I.2"),  # other glyphs read for "I"
        ("I", ["I.1"], "|.2. 竖线", "I.2"),
        ("I", ["I.1"], "Ⅰ.2. 罗马数字", "I.2"),
        ("I", ["I.1"], "9.2. 字母的序号", "I.2"),  # the letter's ordinal (I = 9)
        ("B", ["B.1"], "2.2. 字母的序号", "B.2"),
        ("A", ["A.1"], "1.2. 字母的序号", "A.2"),
        ("B", ["B.1"], "1.2. 只有 I 会被读成 1", None),
        ("I", ["I.1"], "1.3. 跳号的标题", None),  # must be the next number
        ("I", ["I.1", "I.2"], "1.2. 重复的编号", None),
        ("I", [], "1.1. 本节还没有服务", None),  # the sequence must have begun
        ("", [], "1.2. 没有字母章节", None),
        ("I", ["I.1"], "1.2. 2023 年", None),  # a title starting with a digit
    ],
)
def test_misprinted_item_numbers_are_repaired_by_one_rule(
    section: str, earlier: list[str], line: str, number: str | None
) -> None:
    heading = item_after(section, earlier, line)
    if number is None:
        assert heading is None
        return
    assert heading is not None
    title = line.split(". ", 1)[1]
    assert (heading.number, heading.title, heading.label) == (number, title, f"{number}. {title}")


def test_repair_rule_directly() -> None:
    assert repair_item_number("1", 2, "I", 1) == "I.2"
    assert repair_item_number("09", 2, "I", 1) == "I.2"
    assert repair_item_number("1", 2, "B", 1) is None
    assert repair_item_number("1", 1, "I", 0) is None
    assert repair_item_number("1", 2, "", 1) is None


def test_headings_carry_number_and_printed_title() -> None:
    text = (
        "第三章 03\n\nA. 城市数据\n\nA.1. 创新的城市贫民窟资料收集\n\n概述：正文。\n\n"
        "旗舰项目 3: RISE-UP: 为城市贫困人口建设韧性住区\n\n概述：正文。\n"
    )
    got = [(h.kind, h.number, h.title) for h in detect_headings(text)]
    assert got == [
        ("chapter", "", "第三章 03"),
        ("section", "A", "城市数据"),
        ("item", "A.1", "创新的城市贫民窟资料收集"),
        ("label_num", "3", "RISE-UP: 为城市贫困人口建设韧性住区"),
    ]


def test_table_of_contents_lines_are_not_headings() -> None:
    text = "第二章\n\nA. 城市数据、资料收集和监测\t09\n1. 创新的城市贫民窟资料收集和统计\t09\n2. 城市移民资料\t12\n"
    assert labels(text) == [(0, "第二章")]


def test_numbered_paragraphs_and_lists_are_not_headings() -> None:
    text = (
        "一、导言\n\n"
        "1. 本报告重点介绍 2023 年 1 月至 6 月的进展情况。\n\n"
        "2. 人居署根据理事会的决议开展工作。\n\n"
        "“一站”培训手册\n\n"
        "1. 城市青年中心设置指南，第 1 卷\n"
        "2. 信息工作和青年——启动指南，第 2 卷\n\n"
        "- 1. 列表中的段落\n"
    )
    assert labels(text) == [(1, "一、导言")]


def test_english_paper_headings() -> None:
    text = (
        "ABSTRACT\n\nThe congress series reviewed resilience policies over a decade of meetings.\n\n"
        "1 Introduction\n\nIn recent years, urbanization accelerated.\n\n"
        "1. Global commitments and frameworks for resilient city development.\n\n"
        "3 Evolution and Development of Resilient Cities\n\n"
        "3.1 Global Commitment and Framework Establishment: City Transformation (2010 ~ 2016)\n\nText.\n\n"
        "3.2 Path Exploration and Action\n\nText.\n\n"
        "4 Conclusions and Discussion\n\nText.\n"
    )
    assert labels(text) == [
        (20, "ABSTRACT"),
        (0, "1 Introduction"),
        (0, "3 Evolution and Development of Resilient Cities"),
        (1, "3.1 Global Commitment and Framework Establishment: City Transformation (2010 ~ 2016)"),
        (1, "3.2 Path Exploration and Action"),
        (0, "4 Conclusions and Discussion"),
    ]


def test_roadmap_headings() -> None:
    text = (
        "什么是韧性路线图？\n\n韧性路线图有助于城市了解其所处的阶段和所需的支持。\n\n"
        "A 阶段：推进城市认知\n\n正文。\n\n专题支持领域 1：提升对防灾减灾和韧性的认知\n\n正文。\n\n"
        "B 阶段：推进城市规划\n\n正文。\n\n专题领域 2：提高风险分析\n\n正文。\n\n"
        "专题领域 8: 将气候风险纳入战略和计划\n\n正文。\n"
    )
    assert labels(text) == [
        (20, "什么是韧性路线图？"),
        (2, "A 阶段：推进城市认知"),
        (3, "专题支持领域 1：提升对防灾减灾和韧性的认知"),
        (2, "B 阶段：推进城市规划"),
        (3, "专题领域 2：提高风险分析"),
        (3, "专题领域 8: 将气候风险纳入战略和计划"),
    ]
    by_text = {c.text.split("\n")[0]: c.section for c in split_document(make_doc(text), max_chars_zh=40)}
    assert by_text["专题领域 8: 将气候风险纳入战略和计划"] == (
        "B 阶段：推进城市规划",
        "专题领域 8: 将气候风险纳入战略和计划",
    )


def test_markdown_headings_and_table_header_row() -> None:
    text = "# Guide\n\nIntro text.\n\n## 二、背景\n\n### A. 工具\n\n#\t问题\t解答\t\n1\t问题一\t是\n"
    assert labels(text) == [(5, "Guide"), (1, "二、背景"), (2, "A. 工具")]


def test_markdown_levels_win_over_numbering() -> None:
    text = "# Flood plan\n\n## 1. Background\nThe city floods.\n\n## 2. Actions\n### 2.1 Early warning\nSirens.\n"
    assert labels(text) == [(5, "Flood plan"), (6, "1. Background"), (6, "2. Actions"), (7, "2.1 Early warning")]
    chunks = split_document(make_doc(text), max_chars_en=40)
    assert chunks[-1].section == ("Flood plan", "2. Actions", "2.1 Early warning")


def test_headings_without_blank_lines_as_in_pdf_text() -> None:
    text = "城市韧性报告\n一、导言\n本报告介绍了城市韧性建设的进展。\n二、主要工作\n1. 风险评估\n开展了全市风险评估。\n"
    assert labels(text) == [(1, "一、导言"), (1, "二、主要工作"), (2, "1. 风险评估")]
    wrapped = "The survey was designed by\nA. Smith and colleagues in the city\nand repeated yearly.\n"
    assert labels(wrapped) == []


def test_faq_header_and_table_caption() -> None:
    text = "常见问题 (FAQ)\n\n关于 MCR2030\n\n问题\t解答\n什么是 MCR2030 ?\t<p>一项计划。</p>\n"
    assert labels(text) == [(19, "常见问题 (FAQ)"), (20, "关于 MCR2030")]


# -- sizes and overlap ----------------------------------------------------------------------------------------


def test_long_paragraph_is_cut_at_sentence_ends_with_overlap() -> None:
    sentences = [f"第{n}句说明城市韧性规划需要数据支持和多方参与。" for n in range(60)]
    text = "".join(sentences)
    doc = make_doc(text)
    chunks = split_document(doc, max_chars_zh=200, overlap_chars=40)
    assert len(chunks) > 5
    assert_chunk_invariants(doc, chunks, 200, 1200)
    for chunk in chunks:
        assert chunk.text.startswith("第") and chunk.text.endswith("。")  # whole sentences only
    for first, second in zip(chunks, chunks[1:], strict=False):
        assert 0 < first.end - second.start <= 40  # the next chunk repeats the last sentence


def test_no_overlap_after_a_paragraph_break() -> None:
    paragraphs = ["城市韧性规划需要数据支持和多方参与，也需要长期投入。" * 4 for _ in range(6)]
    doc = make_doc("\n\n".join(paragraphs))
    chunks = split_document(doc, max_chars_zh=250)
    assert all(second.start > first.end for first, second in zip(chunks, chunks[1:], strict=False))


def test_a_page_break_inside_an_english_sentence_is_not_a_paragraph_end() -> None:
    """An extraction's page break can fall mid-sentence ("…unfolds in three" / blank line / "phases of …", the
    congress paper 8 times): the chunk is cut at a sentence end, never at that break; a break after a finished
    sentence still ends a paragraph."""
    first = "Cities plan for resilience and invest in infrastructure. " * 14 + "The journey unfolds in three"
    second = "phases of commitment, exploration and translation. " + "Local action comes first. " * 20
    doc = make_doc(first + "\n\n" + second)
    chunks = split_document(doc, max_chars_en=1000, overlap_chars=0)
    assert len(chunks) >= 2
    assert any("unfolds in three\n\nphases of commitment" in c.text for c in chunks)
    finished = make_doc(first + ".\n\n" + second)
    assert any(
        c.text.endswith("unfolds in three.") for c in split_document(finished, max_chars_en=1000, overlap_chars=0)
    )


def test_one_huge_sentence_is_hard_split() -> None:
    doc = make_doc("城" * 1500)
    chunks = split_document(doc)
    assert [len(c.text) for c in chunks] == [600, 600, 300]
    assert_chunk_invariants(doc, chunks, 600, 1200)


def test_tiny_paragraphs_under_one_heading_are_merged() -> None:
    text = "专题领域 2：提高风险分析\n\n" + "\n\n".join(f"- 工具{n}：<https://example.org/tool/{n}>" for n in range(30))
    chunks = split_document(make_doc(text))
    assert 1 <= len(chunks) <= 3
    assert all(c.section == ("专题领域 2：提高风险分析",) for c in chunks)
    assert all(c.lang == "zh" for c in chunks)  # links do not make a Chinese list English


def test_english_and_chinese_limits() -> None:
    english = " ".join(["Cities plan for resilience and invest in infrastructure."] * 80)
    chinese = "城市规划需要考虑韧性。" * 200
    doc = make_doc(english + "\n\n" + chinese)
    chunks = split_document(doc)
    assert {c.lang for c in chunks} == {"en", "zh"}
    assert max(len(c.text) for c in chunks if c.lang == "en") > 600
    assert all(len(c.text) <= 600 for c in chunks if c.lang == "zh")


def test_chunk_pages_follow_the_document_pages() -> None:
    page_one, page_two = "第一页：城市韧性资料收集。" * 30, "第二页：联合国人居署服务目录。" * 30
    text = page_one + "\n\n" + page_two
    doc = make_doc(text, (PageSpan(1, 0, len(page_one)), PageSpan(2, len(page_one) + 2, len(text))))
    chunks = split_document(doc, max_chars_zh=200)
    assert {c.page for c in chunks} == {1, 2}
    assert all(c.page == (1 if c.start < len(page_one) else 2) for c in chunks)


# -- the real corpus ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_chunks(corpus_dir: Path) -> dict[str, tuple[Document, list[Chunk]]]:
    result = {}
    for path in sorted(corpus_dir.glob("*.txt")):
        doc = load_document(path)
        result[path.name] = (doc, split_document(doc))
    return result


def test_corpus_invariants(corpus_chunks: dict[str, tuple[Document, list[Chunk]]]) -> None:
    assert len(corpus_chunks) == 5
    for doc, chunks in corpus_chunks.values():
        assert chunks
        assert_chunk_invariants(doc, chunks, 600, 1200)
        assert statistics.median(len(c.text) for c in chunks) >= 200  # not trivially small


def test_corpus_split_is_stable(corpus_chunks: dict[str, tuple[Document, list[Chunk]]]) -> None:
    doc, chunks = corpus_chunks[CATALOGUE]
    assert split_document(doc) == chunks


def test_catalogue_has_every_service_in_its_own_chunks(corpus_chunks: dict[str, tuple[Document, list[Chunk]]]) -> None:
    doc, chunks = corpus_chunks[CATALOGUE]
    expected = {f"{letter}.{n}" for letter, count in SERVICE_COUNTS.items() for n in range(1, count + 1)}
    assert len(expected) == 58

    service = re.compile(r"^([A-K])\.(\d{1,2})\. \S")
    found: dict[str, str] = {}
    for chunk in chunks:
        if chunk.section and (m := service.match(chunk.section[-1])):
            found.setdefault(f"{m.group(1)}.{m.group(2)}", chunk.section[-1])
            assert chunk.section[-2][0] == m.group(1)  # inside its lettered section
    assert set(found) == expected
    assert found["I.2"] == "I.2. 通过区域卓越培训中心提高政府能力"  # printed as "1.2." in the source
    assert found["I.5"] == "I.5. 可持续城市交通研究院"

    service_heads = [h for h in detect_headings(doc.text) if h.kind == "item"]
    assert len(service_heads) == 58
    for chunk in chunks:
        inside = [h for h in service_heads if chunk.start <= h.start < chunk.end]
        assert len(inside) <= 1, chunk.chunk_id
        service_lines = re.findall(r"^(?:[A-K]|1)\.\d\. \S", chunk.text, flags=re.MULTILINE)
        assert len(service_lines) <= 1, chunk.chunk_id


def test_paper_languages(corpus_chunks: dict[str, tuple[Document, list[Chunk]]]) -> None:
    doc, chunks = corpus_chunks[PAPER]
    translation_starts = doc.text.index("从韧性城市大会到雄心城市峰会")
    english = [c for c in chunks if c.end <= translation_starts]
    chinese = [c for c in chunks if c.start >= translation_starts]
    assert len(english) + len(chinese) == len(chunks)
    assert english and {c.lang for c in english} == {"en"}
    assert chinese and {c.lang for c in chinese} == {"zh"}
    assert any(c.section == ("1 Introduction",) for c in english)
    assert any(c.section == ("1 引言",) for c in chinese)
    assert max(len(c.text) for c in english) > 600


def test_board_report_paragraphs_are_not_headings(corpus_chunks: dict[str, tuple[Document, list[Chunk]]]) -> None:
    for name in ("unhabitat-eb-2022-17-urban-crises.zh.txt", "unhabitat-eb-2023-17-sdg-cities.zh.txt"):
        doc, chunks = corpus_chunks[name]
        for heading in detect_headings(doc.text):
            assert not heading.label.endswith("。"), heading
        assert any(c.section and c.section[0].startswith("二、") for c in chunks)
