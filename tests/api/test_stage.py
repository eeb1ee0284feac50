"""``GET /v1/stage/questions`` and ``POST /v1/stage/assess``: the 15 questions in both languages with the criteria
and their verbatim citations, the payload shared with the CLI plus ``next_question``, answers as an object or a
list, errors, the rules swapped with the index, a broken rules file, and (integration) both languages agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.payloads import stage_payload
from assistant.roadmap import assess_stage
from tests.api.conftest import ADMIN, assert_error, make_settings

STAGE_FIELDS = {
    "stage",
    "criteria",
    "answers",
    "to_ask",
    "ambiguities",
    "next_steps",
    "areas",
    "tool_ids",
    "evidence",
    "next_question",
    "lang",
}
TEXT_C_EN = (
    "The mayor made a public statement of our resilience vision. In the past 12 months we held resilience lectures "
    "for staff and the city council and a public awareness campaign. A multi-sector resilience committee is our "
    "focal point. Our DRR strategy was approved by the city council."
)
TEXT_C_ZH = (
    "市长发表了韧性愿景声明。过去12个月里，我们为工作人员和市议会举办了韧性讲座，并开展了公众宣传活动。"
    "我们成立了多部门韧性委员会作为联络点。防灾减灾战略已获市议会批准。"
)
TEXT_B_EN = (
    "In the past 12 months we held resilience lectures for staff and the city council and a public awareness "
    "campaign. A multi-sector resilience committee is our focal point. We held a workshop to start our DRR "
    "strategy. The strategy is not approved yet."
)
TEXT_B_ZH = (
    "过去12个月里，我们为工作人员和市议会举办了韧性讲座，并开展了公众宣传活动。我们成立了多部门韧性委员会作为联络点。"
    "我们召开了研讨会启动防灾减灾战略制定，但尚未批准或提交。"
)


def _served(client: TestClient) -> Any:
    return client.app.state.runtime.serving.current()  # type: ignore[attr-defined]


def _assess(client: TestClient, **body: object) -> dict:
    r = client.post("/v1/stage/assess", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert set(out) == STAGE_FIELDS
    return out


# -- questions --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_questions_and_criteria(shared_client: TestClient, lang: str) -> None:
    r = shared_client.get("/v1/stage/questions", params={"lang": lang})
    assert r.status_code == 200, r.text
    body = r.json()
    rules = _served(shared_client).rules
    assert body["lang"] == lang
    assert [q["n"] for q in body["questions"]] == list(range(1, 16))
    for q, rule in zip(body["questions"], rules.questions, strict=True):
        assert set(q) == {"n", "text", "label"} and q["text"] and q["label"]
        assert q["text"] == rule.text(lang) and q["label"] == rule.label(lang)
    has_han = [any("\u4e00" <= ch <= "\u9fff" for ch in q["text"]) for q in body["questions"]]
    assert all(has_han) if lang == "zh" else not any(has_han)
    documents = _served(shared_client).retriever.index.documents
    ids = [c["id"] for c in body["criteria"]]
    assert {"a_to_b", "b_to_c"} <= set(ids) and len(ids) == len(rules.criteria)
    for n, c in enumerate(body["criteria"], start=1):
        cite = c["citation"]
        assert cite["n"] == n and cite["lang"] == "zh" and cite["source"] == "mcr2030-overview.zh.txt"
        assert documents[cite["doc_id"]].text[cite["start"] : cite["end"]] == cite["quote"]  # into the served index
        assert all(1 <= q <= 15 for q in c["questions"])
        assert c["label"] == rules.criterion(c["id"]).label(lang)
    if lang == "zh":  # the Chinese questions are quoted exactly from the document
        mcr = next(d for d in documents.values() if d.source == "mcr2030-overview.zh.txt")
        assert all(q["text"] in mcr.text for q in body["questions"])


def test_questions_default_to_english_and_reject_other_languages(shared_client: TestClient) -> None:
    assert shared_client.get("/v1/stage/questions").json()["lang"] == "en"
    assert_error(shared_client.get("/v1/stage/questions", params={"lang": "fr"}), 422, "invalid_request")
    assert_error(shared_client.post("/v1/stage/questions"), 405, "method_not_allowed")


# -- assess -----------------------------------------------------------------------------------------------------
def test_answers_give_the_same_payload_as_the_rules(shared_client: TestClient) -> None:
    answers = {"1": True, "2": True, "3": None, "4": True, "13": False}
    body = _assess(shared_client, answers=answers, lang="en")
    rules = _served(shared_client).rules
    expected = stage_payload(assess_stage({int(k): v for k, v in answers.items()}, None, rules=rules, lang="en"))
    assert {k: v for k, v in body.items() if k not in ("next_question", "lang")} == expected
    assert body["stage"] == "undecided" and body["to_ask"] and body["lang"] == "en"
    first = body["to_ask"][0]
    assert body["next_question"] == {"n": first, "text": rules.question(first).text("en")}
    documents = _served(shared_client).retriever.index.documents
    for c in body["criteria"]:
        cite = c["citation"]
        assert documents[cite["doc_id"]].text[cite["start"] : cite["end"]] == cite["quote"]


def test_answers_as_a_list_equal_answers_by_number(shared_client: TestClient) -> None:
    as_list = [True, True, None, True, None, None, None, None, None, True, None, None, False, None, None]
    by_number = {str(n): v for n, v in enumerate(as_list, start=1)}
    assert _assess(shared_client, answers=as_list) == _assess(shared_client, answers=by_number)
    partial = _assess(shared_client, answers={"1": True, "2": True})  # by number, missing answers are unknown
    assert [partial["answers"][str(n)] for n in range(1, 16)] == [True, True] + [None] * 13


@pytest.mark.parametrize(
    ("answers", "stage"),
    [({str(n): True for n in range(1, 16)}, "C"), ([False] * 15, "A")],
)
def test_decided_stage_has_no_next_question(shared_client: TestClient, answers: object, stage: str) -> None:
    body = _assess(shared_client, answers=answers)
    assert body["stage"] == stage and body["to_ask"] == [] and body["next_question"] is None


def test_text_language_and_override(shared_client: TestClient) -> None:
    zh = _assess(shared_client, text=TEXT_B_ZH)
    assert zh["lang"] == "zh" and zh["stage"] == "B"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["criteria"][0]["label"])
    en = _assess(shared_client, text=TEXT_B_ZH, lang="en")
    assert en["lang"] == "en" and en["stage"] == "B" and en["criteria"][0]["label"].isascii()
    assert _assess(shared_client, text=TEXT_B_EN)["lang"] == "en"
    # explicit answers override the text: an approved plan makes the same city C
    assert _assess(shared_client, text=TEXT_B_EN, answers={"13": True})["stage"] == "C"
    # blank text next to answers is no text
    assert _assess(shared_client, text="   ", answers={"1": True})["lang"] == "en"


def test_longest_text_is_accepted(shared_client: TestClient) -> None:
    _assess(shared_client, text="城" * 2000)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body"]),
        ({"lang": "en"}, ["body"]),
        ({"answers": {}}, ["body"]),
        ({"answers": []}, ["body", "answers"]),
        ({"answers": [True, True, None]}, ["body", "answers"]),  # a list is all 15, unknown ones null
        ({"answers": [True] * 14}, ["body", "answers"]),
        ({"answers": None, "text": None}, ["body"]),
        ({"text": ""}, ["body"]),
        ({"text": " \n\t "}, ["body"]),
        ({"text": "x" * 2001}, ["body", "text"]),
        ({"answers": {"0": True}}, ["body", "answers"]),
        ({"answers": {"16": True}}, ["body", "answers"]),
        ({"answers": {"-1": True}}, ["body", "answers"]),
        ({"answers": {"abc": True}}, ["body", "answers"]),
        ({"answers": {"1": "yes"}}, ["body", "answers"]),
        ({"answers": {"1": 1}}, ["body", "answers"]),
        ({"answers": [True] * 16}, ["body", "answers"]),
        ({"answers": ["y", "n"]}, ["body", "answers"]),
        ({"answers": "yyn?"}, ["body", "answers"]),
        ({"answers": True}, ["body", "answers"]),
        ({"text": "we have a plan", "lang": "fr"}, ["body", "lang"]),
        ({"text": "we have a plan", "answer": {"1": True}}, ["body", "answer"]),
    ],
)
def test_invalid_bodies(shared_client: TestClient, body: dict, loc: list[str]) -> None:
    error = assert_error(shared_client.post("/v1/stage/assess", json=body), 422, "invalid_request")
    assert error["details"][0]["loc"][: len(loc)] == loc, error


def test_wrong_method(shared_client: TestClient) -> None:
    assert_error(shared_client.get("/v1/stage/assess"), 405, "method_not_allowed")


# -- serving: rules loaded with each index version; a broken rules file -----------------------------------------
def test_rules_are_reloaded_with_the_next_index_version(
    corpus_copy: Path, knowledge_copy: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "index", tmp_path / "f.sqlite", corpus_dir=corpus_copy)
    settings.paths.knowledge_dir = knowledge_copy
    with TestClient(create_app(settings)) as client:
        assert client.post("/v1/admin/reindex", headers=ADMIN).status_code == 200
        question = client.get("/v1/stage/questions").json()["questions"][0]["text"]
        rules_file = settings.paths.knowledge_dir / "roadmap.json"
        rules = json.loads(rules_file.read_text(encoding="utf-8"))
        rules["questions"][0]["en"] = "Has the mayor stated a resilience vision? (edited)"
        rules_file.write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
        assert client.get("/v1/stage/questions").json()["questions"][0]["text"] == question  # same version
        (corpus_copy / "harbour-pilot.en.md").write_text("# Harbour\n\nA harbour pilot.\n", encoding="utf-8")
        assert client.post("/v1/admin/reindex", headers=ADMIN).json()["swapped"] is True
        edited = client.get("/v1/stage/questions").json()["questions"][0]["text"]
        assert edited == "Has the mayor stated a resilience vision? (edited)"


def test_missing_rules_file_fails_only_the_stage_routes(
    hashing_index: Path, tmp_path: Path, knowledge_copy: Path
) -> None:
    (knowledge_copy / "roadmap.json").unlink()
    settings = make_settings(hashing_index, tmp_path / "f.sqlite")
    settings.paths.knowledge_dir = knowledge_copy
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        assert client.post("/v1/search", json={"query": "城市韧性"}).status_code == 200
        assert client.get("/v1/tools").status_code == 200
        for r in (client.get("/v1/stage/questions"), client.post("/v1/stage/assess", json={"text": TEXT_B_EN})):
            error = assert_error(r, 503, "invalid_knowledge_file")  # a server-side problem, not a 404
            assert "roadmap" in error["message"]


# -- on the app with the real model -----------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize(("en", "zh", "stage"), [(TEXT_C_EN, TEXT_C_ZH, "C"), (TEXT_B_EN, TEXT_B_ZH, "B")])
def test_quality_same_city_in_both_languages(use_client: TestClient, en: str, zh: str, stage: str) -> None:
    a, b = _assess(use_client, text=en), _assess(use_client, text=zh)
    assert (a["stage"], a["lang"]) == (stage, "en") and (b["stage"], b["lang"]) == (stage, "zh")
    assert a["answers"]["13"] == b["answers"]["13"] == (stage == "C")
    assert [c["status"] for c in a["criteria"]] == [c["status"] for c in b["criteria"]]
    documents = _served(use_client).retriever.index.documents
    for c in a["criteria"]:
        cite = c["citation"]
        assert documents[cite["doc_id"]].text[cite["start"] : cite["end"]] == cite["quote"]
