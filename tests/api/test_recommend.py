"""``POST /v1/recommend``: the payload shared with the CLI, reasons in the asked or detected language, verbatim
citations, filters, k bounds (never clamped), errors, and (integration) quality with the real model in both
languages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.payloads import recommendation_payload
from tests.api.conftest import assert_error

REC_FIELDS = {
    "note",
    "id",
    "kind",
    "name",
    "name_en",
    "summary_en",
    "summary_zh",
    "urls",
    "stage",
    "areas",
    "section",
    "section_title",
    "section_title_en",
    "rank",
    "score",
    "reasons",
    "citations",
    "quoted",
}
CITATION_FIELDS = {"n", "doc_id", "source", "title", "section", "page", "start", "end", "quote", "lang", "rendering"}
SITUATION_EN = "We have a draft DRR strategy but no risk assessment"
SITUATION_ZH = "我们有防灾减灾战略草案，但没有做过风险评估"


def _recommend(client: TestClient, **body: object) -> dict:
    r = client.post("/v1/recommend", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _check_items(client: TestClient, items: list[dict]) -> None:
    documents = client.app.state.runtime.serving.current().retriever.index.documents  # type: ignore[attr-defined]
    assert [i["rank"] for i in items] == list(range(1, len(items) + 1))
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert set(item) == REC_FIELDS and item["reasons"]
        # the last ``quoted`` reasons quote the record; each is cited by one of the last ``quoted`` citations
        assert 0 <= item["quoted"] <= min(len(item["reasons"]), len(item["citations"]))
        for c in item["citations"]:
            assert set(c) == CITATION_FIELDS
            assert documents[c["doc_id"]].text[c["start"] : c["end"]] == c["quote"]  # quoted verbatim


def test_same_payload_as_the_recommender(shared_client: TestClient) -> None:
    body = _recommend(shared_client, situation=SITUATION_EN, stage="B", k=7)
    recommender = shared_client.app.state.runtime.serving.current().recommender  # type: ignore[attr-defined]
    expected = [recommendation_payload(r) for r in recommender.recommend(SITUATION_EN, stage="B", k=7, lang="en")]
    assert body == {"items": expected, "lang": "en"}
    _check_items(shared_client, body["items"])


@pytest.mark.parametrize(
    ("situation", "lang", "expected"),
    [(SITUATION_EN, None, "en"), (SITUATION_ZH, None, "zh"), (SITUATION_EN, "zh", "zh"), (SITUATION_ZH, "en", "en")],
)
def test_reasons_language(shared_client: TestClient, situation: str, lang: str | None, expected: str) -> None:
    body = _recommend(shared_client, situation=situation, lang=lang, k=3)
    assert body["lang"] == expected
    for item in body["items"]:
        assert _has_han(item["reasons"][0]) == (expected == "zh"), item["reasons"]
    _check_items(shared_client, body["items"])


def test_default_k_and_bounds(shared_client: TestClient) -> None:
    assert len(_recommend(shared_client, situation="flood early warning")["items"]) == 5
    assert len(_recommend(shared_client, situation="flood early warning", k=1)["items"]) == 1
    assert len(_recommend(shared_client, situation="flood early warning", k=20)["items"]) == 20


def test_filters(shared_client: TestClient) -> None:
    items = _recommend(shared_client, situation="城市数据收集", kinds=["unhabitat_service"], sections=["A"], k=5)[
        "items"
    ]
    assert items and all(i["kind"] == "unhabitat_service" and i["section"] == "A" for i in items)
    items = _recommend(shared_client, situation="resilience", themes=[3, 7], k=10)["items"]
    assert items and all({3, 7} & set(i["areas"]) for i in items)
    items = _recommend(shared_client, situation="resilience", kinds=["flagship"], k=10)["items"]
    assert items and len(items) <= 5 and all(i["kind"] == "flagship" for i in items)
    staged = _recommend(shared_client, situation="raise public awareness of disaster risk", stage="A", k=5)["items"]
    assert any("A" in i["stage"] for i in staged)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "situation"),
        ({"situation": ""}, "situation"),
        ({"situation": "  \n\t "}, "situation"),
        ({"situation": "x" * 2001}, "situation"),
        ({"situation": 42}, "situation"),
        ({"situation": "flood", "k": 0}, "k"),
        ({"situation": "flood", "k": 21}, "k"),
        ({"situation": "flood", "k": 50}, "k"),
        ({"situation": "flood", "k": "5"}, "k"),
        ({"situation": "flood", "k": 5.5}, "k"),
        ({"situation": "flood", "k": True}, "k"),
        ({"situation": "flood", "stage": "D"}, "stage"),
        ({"situation": "flood", "stage": "b"}, "stage"),
        ({"situation": "flood", "themes": [0]}, "themes"),
        ({"situation": "flood", "themes": [13]}, "themes"),
        ({"situation": "flood", "themes": ["3"]}, "themes"),
        ({"situation": "flood", "themes": 3}, "themes"),
        ({"situation": "flood", "sections": ["L"]}, "sections"),
        ({"situation": "flood", "kinds": ["chunk"]}, "kinds"),
        ({"situation": "flood", "lang": "fr"}, "lang"),
        ({"situation": "flood", "topk": 3}, "topk"),
    ],
)
def test_invalid_bodies(shared_client: TestClient, body: dict, field: str) -> None:
    error = assert_error(shared_client.post("/v1/recommend", json=body), 422, "invalid_request")
    assert error["details"][0]["loc"][:2] == ["body", field], error


def test_longest_situation_is_accepted(shared_client: TestClient) -> None:
    assert len(_recommend(shared_client, situation="洪" * 2000, k=1)["items"]) == 1


def test_not_json_and_wrong_method(shared_client: TestClient) -> None:
    r = shared_client.post("/v1/recommend", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(r, 422, "invalid_request")
    assert_error(shared_client.get("/v1/recommend"), 405, "method_not_allowed")


# -- quality with the real model --------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize(("situation", "lang"), [(SITUATION_EN, "en"), (SITUATION_ZH, "zh")])
def test_quality_draft_strategy_without_risk_assessment(use_client: TestClient, situation: str, lang: str) -> None:
    body = _recommend(use_client, situation=situation, stage="B", k=5)
    assert body["lang"] == lang
    ids = [i["id"] for i in body["items"]]
    assert "mcr-quick-risk-estimation" in ids[:3], ids
    _check_items(use_client, body["items"])
    assert all(_has_han(i["reasons"][0]) == (lang == "zh") for i in body["items"])


@pytest.mark.integration
@pytest.mark.slow
def test_quality_both_languages_share_the_top_records(use_client: TestClient) -> None:
    en = [i["id"] for i in _recommend(use_client, situation=SITUATION_EN, stage="B", k=3)["items"]]
    zh = [i["id"] for i in _recommend(use_client, situation=SITUATION_ZH, stage="B", k=3)["items"]]
    assert len(set(en) & set(zh)) >= 2, (en, zh)
