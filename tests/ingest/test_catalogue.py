"""Catalogue extraction from the real corpus: counts, ids, spans, English coverage, spot checks, robustness."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from pathlib import Path

import pytest

from ingest.catalogue import (
    extract_catalogue,
    find_sections,
    find_thematic_areas,
    is_mcr_overview,
    is_service_catalogue,
    load_english,
    normalise_name,
)
from ingest.chunking import detect_headings, split_document
from retriever.errors import InvalidKnowledgeFile
from retriever.index import catalogue_from_json, catalogue_to_json
from retriever.types import CatalogueItem, Document

MCR_FILE = "mcr2030-overview.zh.txt"
CATALOGUE_FILE = "unhabitat-service-catalogue-2022.zh.txt"
OTHER_FILES = (
    "unhabitat-eb-2022-17-urban-crises.zh.txt",
    "unhabitat-eb-2023-17-sdg-cities.zh.txt",
    "resilient-cities-congress-review.en.txt",
)
SERVICES_PER_SECTION = {"A": 7, "B": 6, "C": 7, "D": 7, "E": 5, "F": 5, "G": 3, "H": 6, "I": 5, "J": 5, "K": 2}
MENTION_IDS = {"mcr-dashboard", "mcr-stage-assessment-survey", "mcr-advocacy-kit", "mcr-preventionweb"}
AREA_STAGE = {1: "A", 2: "B", 3: "B", 4: "B", 5: "C", 6: "C", 7: "C", 8: "C", 9: "C"}
SERVICE_HEADING = re.compile(r"^\s*[A-Z1]\.\d+\.\s", re.MULTILINE)


def make_doc(name: str, text: str) -> Document:
    return Document(doc_id=name, source=name, title=name, lang="zh", text=text, content_hash="h")


def corpus_doc(corpus_dir: Path, name: str) -> Document:
    return make_doc(name, (corpus_dir / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def english(knowledge_dir: Path) -> dict:
    return load_english(knowledge_dir)


@pytest.fixture(scope="module")
def documents(corpus_dir: Path) -> list[Document]:
    return [corpus_doc(corpus_dir, n) for n in (MCR_FILE, CATALOGUE_FILE, *OTHER_FILES)]


@pytest.fixture(scope="module")
def items(documents: list[Document], english: dict) -> list[CatalogueItem]:
    return extract_catalogue(documents, english)


@pytest.fixture(scope="module")
def by_id(items: list[CatalogueItem]) -> dict[str, CatalogueItem]:
    return {i.id: i for i in items}


def of_kind(items: list[CatalogueItem], kind: str) -> list[CatalogueItem]:
    return [i for i in items if i.kind == kind]


def listed_tools(items: list[CatalogueItem]) -> list[CatalogueItem]:
    return [i for i in of_kind(items, "mcr_tool") if i.id not in MENTION_IDS]


# --- recognition --------------------------------------------------------------------------------------------------


def test_documents_are_recognised_by_structure(documents: list[Document]) -> None:
    kinds = {d.source: (is_mcr_overview(d), is_service_catalogue(d)) for d in documents}
    assert kinds[MCR_FILE] == (True, False)
    assert kinds[CATALOGUE_FILE] == (False, True)
    for name in OTHER_FILES:
        assert kinds[name] == (False, False), name


def test_documents_of_neither_structure_yield_nothing(documents: list[Document], english: dict) -> None:
    others = [d for d in documents if d.source in OTHER_FILES]
    assert extract_catalogue(others, english) == []


def test_file_name_does_not_matter(corpus_dir: Path, english: dict) -> None:
    renamed = make_doc("whatever.txt", (corpus_dir / CATALOGUE_FILE).read_text(encoding="utf-8"))
    assert len(of_kind(extract_catalogue([renamed], english), "unhabitat_service")) == 58


# --- counts -------------------------------------------------------------------------------------------------------


def test_service_counts_per_section(items: list[CatalogueItem]) -> None:
    services = of_kind(items, "unhabitat_service")
    assert len(services) == 58
    assert Counter(s.section for s in services) == SERVICES_PER_SECTION
    expected = [f"{letter}.{n}" for letter, count in SERVICES_PER_SECTION.items() for n in range(1, count + 1)]
    assert [s.id for s in services] == expected
    assert all(s.id.startswith(s.section + ".") for s in services)


def test_five_flagships(items: list[CatalogueItem]) -> None:
    flagships = of_kind(items, "flagship")
    assert [f.id for f in flagships] == [f"flagship-{n}" for n in range(1, 6)]
    assert flagships[2].name == "RISE-UP: 为城市贫困人口建设韧性住区"
    assert flagships[4].name == "可持续发展目标城市"
    for f in flagships:
        assert f.field("overview") and f.field("offer"), f.id
        assert f.areas and f.stages, f.id


def test_mcr_tool_counts(items: list[CatalogueItem]) -> None:
    tools = of_kind(items, "mcr_tool")
    assert len(tools) == 47
    listed = listed_tools(items)
    assert len(listed) == 43
    assert {t.id for t in tools} - {t.id for t in listed} == MENTION_IDS
    assert sum(len(t.areas) for t in listed) == 46
    assert all(set(t.areas) <= set(range(1, 10)) for t in listed)
    per_area = Counter(a for t in listed for a in t.areas)
    assert per_area == {1: 3, 2: 5, 3: 10, 4: 8, 5: 4, 6: 6, 7: 2, 8: 2, 9: 6}


# An acronym or number of a tool's English note (a token with a digit, or two capitals) that its Chinese note
# writes otherwise, reviewed: the overview's own name for JICA's method is 8 步实践法
ZH_NOTE_SPELLED = {("mcr-jica-8-step-approach", "eight-step")}
_NOTE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+&/-]*")


def _acronyms(text: str) -> set[str]:
    tokens = {t.rstrip(".-") for t in _NOTE_TOKEN.findall(text)}
    return {t for t in tokens if any(c.isdigit() for c in t) or sum(c.isupper() for c in t) >= 2}


def test_every_tool_has_a_chinese_note_that_keeps_its_acronyms_and_numbers(items: list[CatalogueItem]) -> None:
    """MCR2030 tools are listed by name and link only; Chinese readers get a curated note as English readers do,
    with the same acronyms, symbols and numbers, and none added."""
    for tool in of_kind(items, "mcr_tool"):
        assert re.search(r"[\u4e00-\u9fff]", tool.summary_zh), tool.id
        en, zh = _acronyms(tool.summary_en), _acronyms(tool.summary_zh)
        spelled = {w for rid, w in ZH_NOTE_SPELLED if rid == tool.id}
        assert en - zh - spelled == set(), tool.id
        latin = {t.rstrip(".-") for t in _NOTE_TOKEN.findall(tool.summary_zh)}
        english = {t.rstrip(".-") for t in _NOTE_TOKEN.findall(tool.summary_en)}
        assert latin - english <= {"8"} if spelled else latin <= english, tool.id
    assert all(not i.summary_zh for i in items if i.kind != "mcr_tool")  # services quote their own Chinese text


def test_cross_cutting_areas_list_no_tools(documents: list[Document]) -> None:
    mcr = documents[0]
    areas = find_thematic_areas(mcr)
    assert [a.number for a in areas] == list(range(1, 13))
    for a in areas:
        has_list = "相关工具和方案示例" in mcr.text[a.start : a.end]
        assert has_list == (a.number <= 9), a.number
        assert a.stages == ((AREA_STAGE[a.number],) if a.number <= 9 else ("A", "B", "C"))


def test_tool_stages_follow_their_areas(items: list[CatalogueItem]) -> None:
    for t in listed_tools(items):
        assert t.stages == tuple(sorted({AREA_STAGE[a] for a in t.areas})), t.id
        assert t.field("description"), t.id


def test_tools_named_in_the_text(by_id: dict[str, CatalogueItem]) -> None:
    assert by_id["mcr-dashboard"].stages == ("A", "B", "C")
    assert by_id["mcr-dashboard"].urls == ("https://mcr2030dashboard.undrr.org",)
    assert by_id["mcr-stage-assessment-survey"].stages == ("A", "B", "C")
    assert by_id["mcr-stage-assessment-survey"].urls == (
        "https://mcr2030.undrr.org/resilience-roadmap/stage-assessment",
    )
    assert "阶段评估" in by_id["mcr-stage-assessment-survey"].name
    assert by_id["mcr-advocacy-kit"].stages == ("A",)
    assert by_id["mcr-advocacy-kit"].name == "MCR2030 宣传工具、指导和通信资料"
    assert by_id["mcr-preventionweb"].stages == ("A", "B", "C")
    assert by_id["mcr-preventionweb"].name == "PreventionWeb"


# --- English coverage: fails on any record, section, area or stage without English -----------------------------


def test_every_record_has_english(items: list[CatalogueItem]) -> None:
    missing = [i.id for i in items if not (i.name_en.strip() and i.summary_en.strip())]
    assert missing == []
    missing_sections = [i.id for i in of_kind(items, "unhabitat_service") if not i.section_title_en.strip()]
    assert missing_sections == []


def test_every_section_area_and_stage_has_english(documents: list[Document], english: dict) -> None:
    sections = find_sections(documents[1])
    assert sorted(sections) == sorted(SERVICES_PER_SECTION)
    for letter, title in sections.items():
        entry = english["unhabitat_sections"][letter]
        assert entry["en"].strip(), letter
        assert normalise_name(entry["zh"]) == normalise_name(title), letter
    for area in find_thematic_areas(documents[0]):
        entry = english["thematic_areas"][str(area.number)]
        assert entry["en"].strip(), area.number
        assert normalise_name(entry["zh"]) == normalise_name(area.title), area.number
    for stage in ("A", "B", "C"):
        assert english["stages"][stage]["en"].strip()


def test_curated_file_is_well_formed(knowledge_dir: Path, english: dict) -> None:
    raw = (knowledge_dir / "catalogue_en.json").read_text(encoding="utf-8")
    assert "城市" in raw  # UTF-8, not ASCII-escaped
    assert "_note" in english["unhabitat_sections"] and "curated" in english["unhabitat_sections"]["_note"].lower()
    ids = [t["id"] for t in english["mcr_tools"]["entries"]] + [m["id"] for m in english["mcr_mentions"]["entries"]]
    assert len(ids) == len(set(ids)) and all(i.startswith("mcr-") for i in ids)
    for letter, entry in english["unhabitat_sections"].items():
        if letter.startswith("_"):
            continue
        assert entry["areas"] and set(entry["areas"]) <= set(range(1, 13)), letter
        assert entry["stages"] and set(entry["stages"]) <= {"A", "B", "C"}, letter


def test_services_carry_curated_section_mapping(by_id: dict[str, CatalogueItem]) -> None:
    assert by_id["A.3"].areas == (2, 3) and by_id["A.3"].stages == ("B",)
    assert by_id["F.4"].areas == (6,) and by_id["F.4"].stages == ("C",)
    assert by_id["G.1"].areas == (5,) and by_id["H.3"].areas == (8,)


# --- spans, ids, urls ---------------------------------------------------------------------------------------------


def test_spans_quote_the_document(items: list[CatalogueItem], documents: list[Document]) -> None:
    docs = {d.doc_id: d for d in documents}
    for i in items:
        doc = docs[i.span.doc_id]
        assert i.span.source == doc.source
        assert 0 <= i.span.start < i.span.end <= len(doc.text)
        assert doc.text[i.span.start : i.span.end] == i.span.quote, i.id
        assert i.span.quote == i.span.quote.strip(), i.id


def test_service_spans_cover_one_service(items: list[CatalogueItem]) -> None:
    for s in of_kind(items, "unhabitat_service"):
        first, _, rest = s.span.quote.partition("\n")
        assert s.name in first, s.id
        assert not SERVICE_HEADING.search(rest), s.id
        assert not re.search(r"\t\d+\s*$", first), s.id  # never a table-of-contents line
        assert s.field("overview") and s.field("offer"), s.id
    flagship_5 = next(i for i in items if i.id == "flagship-5")
    assert flagship_5.span.quote.endswith("[可持续发展目标城市项目网页](#)")


def test_ids_unique_and_stable(documents: list[Document], english: dict, items: list[CatalogueItem]) -> None:
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids))
    again = extract_catalogue(documents, english)
    assert [i.id for i in again] == ids
    assert again == items


def test_urls(items: list[CatalogueItem]) -> None:
    for i in items:
        assert len(i.urls) == len(set(i.urls)), i.id
        for url in i.urls:
            assert url.startswith(("http://", "https://")), (i.id, url)
            assert url.isascii() and " " not in url, (i.id, url)


# --- spot checks --------------------------------------------------------------------------------------------------


def test_scorecard(by_id: dict[str, CatalogueItem]) -> None:
    tool = by_id["mcr-disaster-resilience-scorecard"]
    assert tool.name == "城市抗灾能力记分卡"
    assert tool.name_en == "Disaster Resilience Scorecard for Cities"
    assert tool.areas == (3,) and tool.stages == ("B",)
    assert tool.urls == ("https://mcr2030.undrr.org/disaster-resilience-scorecard-cities",)
    assert tool.span.quote.startswith("城市抗灾能力记分卡")


def test_world_bank_city_resilience_program_is_one_record(by_id: dict[str, CatalogueItem]) -> None:
    crp = by_id["mcr-world-bank-city-resilience-program"]
    assert crp.name == "世界银行/GFDRR 城市韧性计划"
    assert crp.areas == (4, 5) and crp.stages == ("B", "C")
    assert crp.urls == ("https://www.worldbank.org/en/topic/disasterriskmanagement/brief/city-resilience-program",)
    scan = by_id["mcr-world-bank-city-scan"]  # area 3 shares the URL but is another tool
    assert scan.areas == (3,) and scan.urls == crp.urls


def test_other_merged_tools(by_id: dict[str, CatalogueItem]) -> None:
    gcc = by_id["mcr-iclei-greenclimatecities"]
    assert gcc.areas == (4, 7) and gcc.stages == ("B", "C")
    assert gcc.urls == ("https://iclei.org/en/GreenClimateCities.html", "http://old.iclei.org/index.php?id=gcc")
    unops = by_id["mcr-unops-sustainable-development-tools"]
    assert unops.areas == (8, 9) and unops.urls == ("https://sustainable.unops.org/",)


def test_a_tool_is_listed_wherever_an_area_lists_it(items: list[CatalogueItem], documents: list[Document]) -> None:
    """Every listing quotes the document inside its area's block; a tool two areas list has a listing in each, and
    a tool an area's running text names is listed by the sentence naming it."""
    docs = {d.doc_id: d for d in documents}
    blocks = {a.number: a for d in documents for a in find_thematic_areas(d)}
    for item in items:
        assert [a for a, _ in item.listings] == sorted({a for a, _ in item.listings}), item.id
        for area, span in item.listings:
            assert area in item.areas and docs[span.doc_id].text[span.start : span.end] == span.quote, item.id
            assert blocks[area].start <= span.start < span.end <= blocks[area].end, (item.id, area)
    by_id = {i.id: i for i in items}
    gcc = by_id["mcr-iclei-greenclimatecities"].listings
    assert [a for a, _ in gcc] == [4, 7] and all("绿色气候城市 (GCC)" in s.quote for _, s in gcc)
    crp = by_id["mcr-world-bank-city-resilience-program"].listings  # area 5 lists it by its short name
    assert [a for a, _ in crp] == [4, 5] and crp[1][1].quote.startswith("城市韧性计划")
    ((area, sentence),) = by_id["mcr-preventionweb"].listings
    assert area == 12 and "PreventionWeb" in sentence.quote and sentence.quote.endswith("。")
    assert by_id["mcr-preventionweb"].span.quote != sentence.quote  # the record keeps its paragraph
    assert not by_id["mcr-dashboard"].listings and not any(i.listings for i in of_kind(items, "unhabitat_service"))


def test_records_survive_the_index_file(items: list[CatalogueItem]) -> None:
    """What ingest writes to catalogue.json reads back as the same records; a file written before records had
    listings reads with none."""
    rows = json.loads(json.dumps(catalogue_to_json(items), ensure_ascii=False))
    assert catalogue_from_json(rows) == items
    older = [{k: v for k, v in r.items() if k != "listings"} for r in rows]
    assert [i.listings for i in catalogue_from_json(older)] == [()] * len(items)


def test_tool_names_and_english(by_id: dict[str, CatalogueItem]) -> None:
    assert by_id["mcr-ten-essentials"].name == "《创建韧性城市的十大要点》"
    assert by_id["mcr-ten-essentials"].name_en == "Ten Essentials for Making Cities Resilient"
    assert by_id["mcr-quick-risk-estimation"].name_en == "Quick Risk Estimation Tool"
    assert by_id["mcr-nismod-int"].name == "国际版中央基础设施模型 (NISMOD-Int)"
    assert len(by_id["mcr-nismod-int"].urls) == 2
    assert by_id["mcr-iclei-nature-based-pathway"].name == "基于自然的发展路径"  # bold markers stripped
    assert by_id["mcr-iclei-resilient-cities-approach"].urls == (
        "https://resilientcities2019.iclei.org/about/iclei_work/",
    )
    assert by_id["mcr-financing-sustainable-cities-initiative"].urls == ()


def test_cityrap_and_titles(by_id: dict[str, CatalogueItem]) -> None:
    b2 = by_id["B.2"]
    assert b2.name.startswith("CityRAP") and b2.name_en.startswith("CityRAP")
    assert b2.section == "B" and b2.section_title == "参与式过程" and b2.section_title_en == "Participatory Processes"
    f4 = by_id["F.4"]
    assert f4.name == "可持续城市交通规划"
    assert f4.name_en == "Sustainable Urban Mobility Planning"
    assert f4.section_title == "基本服务和基础设施"


def test_misprinted_heading_becomes_i2(by_id: dict[str, CatalogueItem]) -> None:
    """The id comes from the chunker's repaired heading number (the rule's cases: tests/ingest/test_chunking.py);
    the record still quotes the heading as printed."""
    i2 = by_id["I.2"]
    assert i2.span.quote.startswith("1.2. 通过区域卓越培训中心提高政府能力")
    assert i2.name == "通过区域卓越培训中心提高政府能力"
    assert i2.section == "I" and i2.section_title == "能力建设"
    assert i2.tags[:5] == ("1.1", "1.2", "3.2", "3.3", "4.3")
    assert [by_id[f"I.{n}"].span.quote[:2] for n in range(3, 6)] == ["1."] * 3


def test_a1_fields_tags_and_places(by_id: dict[str, CatalogueItem]) -> None:
    a1 = by_id["A.1"]
    assert a1.name == "创新的城市贫民窟资料收集和统计"
    assert a1.tags[:6] == ("1.1", "1.2", "2.3", "3.3", "4.1", "4.2")
    assert [name for name, _ in a1.fields] == ["overview", "challenges", "offer", "applications", "duration"]
    assert a1.field("duration").startswith("这一过程的支持时间通常为 4-6 个月")
    assert ("非洲", "肯尼亚", "内罗毕、蒙巴萨") in a1.places
    assert a1.places[1][:2] == ("非洲", "乌干达")  # region carried down
    assert ("拉丁美洲", "哥伦比亚", "索阿查") in a1.places
    assert a1.places[-1][:2] == ("亚太地区", "尼泊尔")
    assert len(a1.places) == 7


def test_records_and_chunks_agree_on_sections(documents: list[Document], items: list[CatalogueItem]) -> None:
    """Every service and flagship record has the section of the chunks that hold it: each chunk overlapping the
    record's text has the record's heading in its section path (under the record's lettered section for a
    service), and every chunk filed under that heading lies inside the record (a chunk may start with the text of
    outer sections above it)."""
    docs = {d.doc_id: d for d in documents}
    checked = 0
    for doc_id in {i.span.doc_id for i in items if i.kind in ("unhabitat_service", "flagship")}:
        doc = docs[doc_id]
        chunks = split_document(doc)
        headings = {h.start: h for h in detect_headings(doc.text)}
        records = [i for i in items if i.span.doc_id == doc_id and i.kind in ("unhabitat_service", "flagship")]
        for item in records:
            label = headings[item.span.start].label  # the record starts at its heading
            holding = [c for c in chunks if c.start < item.span.end and c.end > item.span.start]
            assert holding, item.id
            for chunk in holding:
                assert label in chunk.section, (item.id, chunk.chunk_id, chunk.section)
                if item.kind == "unhabitat_service":
                    parent = chunk.section[chunk.section.index(label) - 1]
                    assert parent == f"{item.section}. {item.section_title}", (item.id, chunk.section)
            for chunk in (c for c in chunks if label in c.section):
                assert item.span.start < chunk.end, (item.id, chunk.chunk_id)
                # the last record's text stops after its 更多信息 list, while the back matter after it, having no
                # heading of its own, stays in the last section for the chunker
                assert chunk.end <= item.span.end or item is records[-1], (item.id, chunk.chunk_id)
                # a chunk may start early only with outer sections' text (a chapter or section line above)
                above = [h for h in headings.values() if chunk.start <= h.start < item.span.start]
                assert all(h.rank < headings[item.span.start].rank for h in above), (item.id, chunk.chunk_id)
            checked += 1
    assert checked == 58 + 5


# --- robustness: a reworded excerpt ---------------------------------------------------------------------------------

MCR_EXCERPT = """前言：本文件是节选。


B 阶段：推进城市规划

专题领域 7：提高风险分析


相关工具和方案示例:



- 快速风险评估工具： https://mcr2030.undrr.org/quick-risk-estimation-tool


- 城市抗灾能力记分卡
[记分卡网站](https://mcr2030.undrr.org/disaster-resilience-scorecard-cities)
- 一个新的工具 <https://example.org/new-tool>
- 世界银行/GFDRR 城市韧性计划

C 阶段：推进城市实施

专题领域 8：增加融资渠道
相关工具和方案示例：
- 城市韧性计划 https://www.worldbank.org/en/topic/disasterriskmanagement/brief/city-resilience-program

这一段不是工具列表。
"""

CATALOGUE_EXCERPT = """目录
B. 参与式过程\t30
1. CityRAP：城市韧性行动规划\t33

B. 参与式过程


B.7. CityRAP：城市韧性行动规划

2.3 3.3

概述：这是一个参与式的规划流程。

应对的挑战 灾害的规模在增加。


联合国人居署提供的服务：城市韧性行动规划。
地区\t国家\t地点\t背景
非洲\t莫桑比克\t乔奎\t道路开放。
\t马拉维\t松巴\t排水。

I. 能力建设

I.1. 可持续地向政府和城市利益攸关方转移技能和知识
概述：培训项目。
1.2. 通过区域卓越培训中心提高政府能力
概述：建立区域卓越培训中心。
"""


def test_reworded_mcr_excerpt_still_parses(english: dict, caplog: pytest.LogCaptureFixture) -> None:
    doc = make_doc("excerpt.txt", MCR_EXCERPT)
    with caplog.at_level(logging.WARNING, logger="ingest.catalogue"):
        got = {i.id: i for i in extract_catalogue([doc], english) if i.kind == "mcr_tool"}
    assert got["mcr-quick-risk-estimation"].areas == (7,)
    assert got["mcr-quick-risk-estimation"].urls == ("https://mcr2030.undrr.org/quick-risk-estimation-tool",)
    scorecard = got["mcr-disaster-resilience-scorecard"]
    assert scorecard.stages == ("B",)
    assert scorecard.urls == ("https://mcr2030.undrr.org/disaster-resilience-scorecard-cities",)
    crp = got["mcr-world-bank-city-resilience-program"]
    assert crp.areas == (7, 8) and crp.stages == ("B", "C")
    new = [i for i in got.values() if i.name == "一个新的工具"]
    assert len(new) == 1 and new[0].id.startswith("mcr-") and new[0].name_en == ""
    assert "catalogue.tool_not_curated" in caplog.text
    again = [i.id for i in extract_catalogue([doc], english)]
    assert new[0].id in again
    for i in got.values():
        assert doc.text[i.span.start : i.span.end] == i.span.quote


def test_reworded_catalogue_excerpt_still_parses(english: dict) -> None:
    doc = make_doc("excerpt.txt", CATALOGUE_EXCERPT)
    got = {i.id: i for i in extract_catalogue([doc], english)}
    assert sorted(got) == ["B.7", "I.1", "I.2"]  # TOC lines are not records
    b7 = got["B.7"]
    assert b7.name_en.startswith("CityRAP")  # English found by the Chinese title, not by the id
    assert b7.tags == ("2.3", "3.3")
    assert b7.field("challenges") == "灾害的规模在增加。"
    assert b7.places == (("非洲", "莫桑比克", "乔奎"), ("非洲", "马拉维", "松巴"))
    assert got["I.2"].name == "通过区域卓越培训中心提高政府能力"
    for i in got.values():
        assert doc.text[i.span.start : i.span.end] == i.span.quote


def test_load_english_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidKnowledgeFile) as info:
        load_english(tmp_path)
    assert info.value.code == "invalid_knowledge_file"
    (tmp_path / "catalogue_en.json").write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(InvalidKnowledgeFile):
        load_english(tmp_path)
