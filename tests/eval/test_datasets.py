"""Our gold datasets: they load under their schemas, ids are unique, anchors are exact substrings of the source
text (whitespace collapsed, as scoring does), pairs are complete, and chat expectations name real records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.datasets import (
    DEV,
    OWN,
    ChatScript,
    OutOfScopeItem,
    ParityRecommendItem,
    ParityStageItem,
    QAItem,
    ToolItem,
    load_items,
    set_label,
    tool_pairs,
)
from eval.retrieval import ENGLISH_DOCS, group_of
from retriever.errors import InvalidRequest
from tests.conftest import CORPUS, KNOWLEDGE


def _collapse(text: str) -> str:
    return "".join(text.split())


def test_own_qa_items_are_enough_and_balanced() -> None:
    items = load_items(OWN / "qa" / "qa.jsonl", QAItem)
    groups = [group_of(i.model_dump()) for i in items]
    assert len(items) >= 30
    assert {"zh", "en-en", "en-zh"} <= set(groups)
    assert groups.count("en-zh") >= 10 and groups.count("zh") >= 10
    assert all(i.answer_facts and i.type for i in items)


@pytest.mark.parametrize("path", [OWN / "qa" / "qa.jsonl", DEV / "qa.jsonl"], ids=["own", "dev"])
def test_anchors_are_exact_substrings_of_their_document(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    sources = {p.name: _collapse(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt")}
    for item in load_items(path, QAItem):
        assert item.doc in sources, f"{item.id}: unknown document {item.doc}"
        for anchor in item.anchors:
            assert _collapse(anchor) in sources[item.doc], f"{item.id}: anchor not in {item.doc}: {anchor}"
        if item.lang == "en" and item.doc not in ENGLISH_DOCS:
            assert group_of(item.model_dump()) == "en-zh"


def test_own_items_are_not_copies_of_the_dev_set() -> None:
    if not (DEV / "qa.jsonl").is_file():
        pytest.skip("no dev set")
    dev = {i.question for i in load_items(DEV / "qa.jsonl", QAItem)}
    own = load_items(OWN / "qa" / "qa.jsonl", QAItem)
    assert not dev & {i.question for i in own}


def test_out_of_scope_parity_and_chat_sets() -> None:
    oos = load_items(OWN / "out_of_scope" / "out_of_scope.jsonl", OutOfScopeItem)
    assert len(oos) >= 15 and {i.lang for i in oos} == {"zh", "en"}
    assert len(load_items(OWN / "parity" / "recommend.jsonl", ParityRecommendItem)) >= 8
    stages = load_items(OWN / "parity" / "stages.jsonl", ParityStageItem)
    assert len(stages) >= 8 and all(i.expected_stage for i in stages)
    chats = load_items(OWN / "chat" / "chat.jsonl", ChatScript)
    assert len(chats) >= 6 and {c.lang for c in chats} == {"zh", "en"}
    assert any(t.expect.stage for c in chats for t in c.turns)
    assert any(t.expect.tool_ids_any or t.expect.record_id for c in chats for t in c.turns)


def _record_ids() -> set[str]:
    english = json.loads((KNOWLEDGE / "catalogue_en.json").read_text(encoding="utf-8"))
    ids = {e["id"] for e in english["mcr_tools"]["entries"]}
    ids |= {k for k in english["unhabitat_services"] if not k.startswith("_")}
    return ids


def test_own_tools_set_is_paired_and_names_existing_records() -> None:
    """Our tools gold (written blind to the system's output) is 25 situations in both languages, the same gold on
    both lines, every target an existing record: a service or flagship id, or an MCR2030 tool's URL or name."""
    items = load_items(OWN / "tools" / "tools.jsonl", ToolItem)
    pairs = tool_pairs(items)
    assert len(pairs) >= 25 and len(items) == 2 * len(pairs)
    english = json.loads((KNOWLEDGE / "catalogue_en.json").read_text(encoding="utf-8"))
    ids = _record_ids() | {f"flagship-{k}" for k in english["flagships"] if not k.startswith("_")}
    names = [n for e in english["mcr_tools"]["entries"] for n in [e["name_en"], *e["zh"]]]
    names += [n for e in english["mcr_mentions"]["entries"] for n in [e["name_en"], *e["find"]]]
    for item in items:
        assert item.acceptable_service_ids or item.acceptable_urls or item.acceptable_names, item.id
        assert set(item.acceptable_service_ids) <= ids, item.id
        for name in item.acceptable_names:
            assert any(name.casefold() in n.casefold() for n in names), f"{item.id}: no record named {name!r}"


def test_tool_pairs_refuse_incomplete_or_unequal_pairs() -> None:
    zh = ToolItem(id="p1-zh", lang="zh", scenario="情况", acceptable_service_ids=["A.1"])
    en = ToolItem(id="p1-en", lang="en", scenario="situation", acceptable_service_ids=["A.1"])
    assert [p.id for p in tool_pairs([zh, en])] == ["p1"]
    with pytest.raises(InvalidRequest, match="both"):
        tool_pairs([zh])
    with pytest.raises(InvalidRequest, match="different gold"):
        tool_pairs([zh, en.model_copy(update={"acceptable_service_ids": ["A.2"]})])
    with pytest.raises(InvalidRequest, match="ends in"):
        tool_pairs([zh.model_copy(update={"id": "p1-en"})])


def test_chat_expectations_name_existing_records() -> None:
    """Record ids in the expectations exist in the curated English catalogue (MCR2030 tools, UN-Habitat services)."""
    known = _record_ids()
    for chat in load_items(OWN / "chat" / "chat.jsonl", ChatScript):
        for turn in chat.turns:
            for rid in [*(turn.expect.tool_ids_any or []), *([turn.expect.record_id] if turn.expect.record_id else [])]:
                assert rid in known, f"{chat.id}: unknown record {rid}"


def test_bad_gold_files_are_refused_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "qa.jsonl"
    bad.write_text('{"id": "x", "lang": "fr", "question": "q", "doc": "d", "anchors": ["a"]}\n', encoding="utf-8")
    with pytest.raises(InvalidRequest, match=r"qa.jsonl:1"):
        load_items(bad, QAItem)
    dup = tmp_path / "dup.jsonl"
    line = '{"id": "x", "lang": "en", "question": "q"}\n'
    dup.write_text(line + line, encoding="utf-8")
    with pytest.raises(InvalidRequest, match="duplicate id"):
        load_items(dup, OutOfScopeItem)
    with pytest.raises(InvalidRequest, match="cannot read"):
        load_items(tmp_path / "missing.jsonl", QAItem)
    chat = tmp_path / "chat.jsonl"
    chat.write_text('{"id": "c", "lang": "en", "turns": [{"user": "hi", "expect": {"intnet": "x"}}]}\n')
    with pytest.raises(InvalidRequest):
        load_items(chat, ChatScript)


def test_set_labels() -> None:
    assert set_label(OWN / "qa" / "qa.jsonl") == "own"
    assert set_label(DEV / "qa.jsonl") == "dev"
    assert set_label(Path("/somewhere/else/mine.jsonl")) == "mine"
