"""``POST /v1/search``: hits with citation data, k bounds (never clamped), filters, and (integration) quality with
the real model."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import assert_error, make_settings

HIT_FIELDS = {
    "rendering",
    "rank",
    "score",
    "chunk_id",
    "doc_id",
    "source",
    "title",
    "section",
    "page",
    "start",
    "end",
    "lang",
    "text",
}


def _documents(client: TestClient) -> dict:
    return client.app.state.runtime.serving.current().retriever.index.documents  # type: ignore[attr-defined]


def test_hits_carry_citation_data(shared_client: TestClient) -> None:
    r = shared_client.post("/v1/search", json={"query": "城市韧性资料收集", "k": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "城市韧性资料收集" and body["k"] == 5
    assert body["index_version"] == shared_client.get("/readyz").json()["index_version"]
    assert isinstance(body["took_ms"], float)
    hits = body["hits"]
    assert len(hits) == 5
    assert [h["rank"] for h in hits] == [1, 2, 3, 4, 5]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    documents = _documents(shared_client)
    for h in hits:
        assert set(h) == HIT_FIELDS
        assert h["chunk_id"].startswith(h["doc_id"] + ":")
        doc = documents[h["doc_id"]]
        assert doc.source == h["source"] and doc.title == h["title"]
        assert doc.text[h["start"] : h["end"]] == h["text"]  # the citation quotes the source verbatim
        assert isinstance(h["section"], list)
        assert h["lang"] in ("zh", "en")


def test_default_k_and_max_k(shared_client: TestClient) -> None:
    settings = shared_client.app.state.runtime.settings  # type: ignore[attr-defined]
    r = shared_client.post("/v1/search", json={"query": "resilience"})
    assert r.status_code == 200
    assert r.json()["k"] == settings.retrieval.k and len(r.json()["hits"]) == settings.retrieval.k
    max_k = settings.retrieval.max_k
    r = shared_client.post("/v1/search", json={"query": "城市", "k": max_k})
    assert r.status_code == 200 and len(r.json()["hits"]) == max_k


@pytest.mark.parametrize("k", [0, -1, 51, 1000, 10**9])
def test_k_out_of_range_is_422_never_clamped(shared_client: TestClient, k: int) -> None:
    error = assert_error(shared_client.post("/v1/search", json={"query": "城市", "k": k}), 422, "invalid_request")
    assert error["details"][0]["loc"] == ["body", "k"]


@pytest.mark.parametrize("k", ["5", 5.5, True, [5]])
def test_k_must_be_an_integer(shared_client: TestClient, k: object) -> None:
    assert_error(shared_client.post("/v1/search", json={"query": "城市", "k": k}), 422, "invalid_request")


def test_k_integral_float_is_an_integer(shared_client: TestClient) -> None:
    """JSON (and the OpenAPI `integer`) make no difference between 5 and 5.0 (tests/api/test_fuzz.py found it)."""
    r = shared_client.post(
        "/v1/search", content='{"query": "城市", "k": 5.0}', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 200, r.text
    assert len(r.json()["hits"]) == 5


def test_max_k_follows_settings(hashing_index: Path, tmp_path: Path) -> None:
    settings = make_settings(hashing_index, tmp_path / "f.sqlite")
    settings.retrieval.max_k = 3
    with TestClient(create_app(settings)) as client:
        assert client.post("/v1/search", json={"query": "城市", "k": 3}).status_code == 200
        error = assert_error(client.post("/v1/search", json={"query": "城市", "k": 4}), 422, "invalid_request")
        assert "3" in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"query": ""},
        {"query": "   \n\t"},
        {"query": "x" * 2001},
        {"query": 42},
        {"query": "城市", "filters": {"langs": ["fr"]}},
        {"query": "城市", "filters": {"lang": ["zh"]}},
        {"query": "城市", "filters": {"docs": [""]}},
        {"query": "城市", "filters": {"docs": ["d"] * 51}},
        {"query": "城市", "topk": 3},
    ],
)
def test_invalid_bodies(shared_client: TestClient, body: dict) -> None:
    assert_error(shared_client.post("/v1/search", json=body), 422, "invalid_request")


def test_longest_query_is_accepted(shared_client: TestClient) -> None:
    assert shared_client.post("/v1/search", json={"query": "韧" * 2000, "k": 1}).status_code == 200


def test_filters(shared_client: TestClient) -> None:
    def hits(filters: dict) -> list[dict]:
        r = shared_client.post("/v1/search", json={"query": "城市韧性 resilience", "k": 10, "filters": filters})
        assert r.status_code == 200, r.text
        return r.json()["hits"]

    en = hits({"langs": ["en"]})
    assert en and all(h["lang"] == "en" for h in en)
    catalogue = "unhabitat-service-catalogue-2022.zh.txt"
    by_doc = hits({"docs": [catalogue]})
    assert by_doc and all(h["source"] == catalogue for h in by_doc)
    by_kind = hits({"kinds": ["board report"]})
    assert by_kind and all(h["source"].startswith("unhabitat-eb-") for h in by_kind)
    by_section = hits({"sections": ["A.3"]})
    assert by_section and all(any(s.startswith("A.3") for s in h["section"]) for h in by_section)
    assert hits({"docs": ["no-such-document.txt"]}) == []


# -- quality with the real model ----------------------------------------------------------------------------


def _top(client: TestClient, query: str, k: int = 5) -> list[dict]:
    r = client.post("/v1/search", json={"query": query, "k": k})
    assert r.status_code == 200, r.text
    return r.json()["hits"]


@pytest.mark.integration
@pytest.mark.slow
def test_quality_zh_query_finds_the_scorecard(use_client: TestClient) -> None:
    hits = _top(use_client, "城市抗灾能力记分卡")
    assert use_client.get("/readyz").json()["embedder"].startswith("use-")
    assert hits[0]["source"] == "mcr2030-overview.zh.txt"
    assert any("记分卡" in h["text"] for h in hits[:3])


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "section"),
    [("slum data collection and statistics", "A.1"), ("COVID-19 preparedness and response tracking platform", "A.7")],
)
def test_quality_en_query_finds_zh_catalogue_section(use_client: TestClient, query: str, section: str) -> None:
    hits = _top(use_client, query, k=3)
    top = hits[0]
    assert top["source"] == "unhabitat-service-catalogue-2022.zh.txt" and top["lang"] == "zh"
    assert any(s.startswith(section) for s in top["section"]), [(h["source"], h["section"]) for h in hits]


@pytest.mark.integration
@pytest.mark.slow
def test_quality_en_query_finds_en_paper(use_client: TestClient) -> None:
    hits = _top(use_client, "Resilient Cities Congress and Daring Cities trends", k=3)
    assert hits[0]["source"] == "resilient-cities-congress-review.en.txt"
