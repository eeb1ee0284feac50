"""Recommendation on the real index with the real model: only catalogue records, reasons, citations, parity."""

from __future__ import annotations

import json

import pytest

from assistant.recommend import Recommender, Taxonomy
from retriever.errors import InvalidRequest
from tests.conftest import KNOWLEDGE, ROOT

pytestmark = pytest.mark.integration

PAIRS = [
    json.loads(x) for x in (ROOT / "eval/datasets/parity/recommend.jsonl").read_text(encoding="utf-8").splitlines() if x
]


@pytest.fixture(scope="module")
def recommender(real_index) -> Recommender:
    _, retriever = real_index
    return Recommender(retriever, Taxonomy.load(KNOWLEDGE))


def test_only_catalogue_records_with_reasons_and_verbatim_citations(recommender, real_index) -> None:
    _, retriever = real_index
    ids = {i.id for i in retriever.index.catalogue}
    for situation, lang in (
        ("We have a draft DRR strategy but no risk assessment", "en"),
        ("我们有防灾减灾战略草案，但没有做过风险评估", "zh"),
    ):
        recs = recommender.recommend(situation, stage="B", k=5)
        assert len(recs) == 5 and len({r.item.id for r in recs}) == 5
        assert all(r.item.id in ids for r in recs)
        assert "mcr-quick-risk-estimation" in [r.item.id for r in recs[:3]]
        for r in recs:
            assert r.reasons
            for c in r.citations:
                doc = retriever.index.documents[c.doc_id]
                assert doc.text[c.start : c.end] == c.quote
        han = sum("\u4e00" <= ch <= "\u9fff" for ch in recs[0].reasons[0])
        assert (han > 0) == (lang == "zh"), recs[0].reasons[0]


def test_stage_fit_ranks_stage_tools_first(recommender) -> None:
    recs = recommender.recommend("raise public awareness of disaster risk among residents", stage="A", k=3)
    assert all("A" in r.item.stages for r in recs)


def test_filters_and_bad_arguments(recommender) -> None:
    recs = recommender.recommend("城市数据收集", kinds=["unhabitat_service"], sections=["A"], k=5)
    assert recs and all(r.item.kind == "unhabitat_service" and r.item.section == "A" for r in recs)
    assert all(3 in r.item.areas for r in recommender.recommend("resilience", themes=[3], k=5))
    for bad in ({"stage": "D"}, {"k": 0}, {"kinds": ["chunk"]}):
        with pytest.raises(InvalidRequest):
            recommender.recommend("flood", **bad)
    with pytest.raises(InvalidRequest):
        recommender.recommend("   ")


@pytest.mark.parametrize("pair", PAIRS, ids=[p["id"] for p in PAIRS])
def test_same_situation_in_both_languages_gets_the_same_tools(recommender, pair) -> None:
    zh = [r.item.id for r in recommender.recommend(pair["zh"], stage=pair["stage"], k=3)]
    en = [r.item.id for r in recommender.recommend(pair["en"], stage=pair["stage"], k=3)]
    assert len(set(zh) & set(en)) >= 2, (zh, en)
