"""``GET /v1/tools`` and ``GET /v1/tools/{id}``: catalogue order, paging (never clamped), filters, facets checked
against the catalogue, ranking by ``q``, display language, the full record, errors, the swap with the index, a
broken curated file, and (integration) search quality with the real model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.payloads import item_payload
from retriever.types import CatalogueItem
from tests.api.conftest import ADMIN, assert_error, make_settings

ITEM_FIELDS = {
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
    "display",
}
DETAIL_FIELDS = ITEM_FIELDS | {"tags", "fields", "places", "source"}


def _catalogue(client: TestClient) -> list[CatalogueItem]:
    return list(client.app.state.runtime.serving.current().retriever.index.catalogue)  # type: ignore[attr-defined]


def _get(client: TestClient, **params: Any) -> dict:
    r = client.get("/v1/tools", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _all_ids(client: TestClient, **params: Any) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        body = _get(client, page=page, page_size=100, **params)
        ids += [i["id"] for i in body["items"]]
        if len(ids) >= body["total"]:
            return ids
        page += 1


# -- the catalogue, facets and paging ---------------------------------------------------------------------------
def test_catalogue_counts_and_facets_without_filters(shared_client: TestClient) -> None:
    body = _get(shared_client, page_size=100)
    catalogue = _catalogue(shared_client)
    assert body["total"] == len(catalogue) == 110
    facets = body["facets"]
    assert facets["kind"] == {"mcr_tool": 47, "unhabitat_service": 58, "flagship": 5}
    assert facets["kind"] == dict(Counter(i.kind for i in catalogue))
    assert facets["stage"] == {s: sum(s in i.stages for i in catalogue) for s in "ABC"}
    assert facets["theme"] == {str(t): sum(t in i.areas for i in catalogue) for t in range(1, 13)}
    assert facets["section"] == {s: sum(i.section == s for i in catalogue) for s in "ABCDEFGHIJK"}
    assert sum(facets["section"].values()) == 58  # only UN-Habitat services have a section
    assert facets["lang"] == {"zh": 110, "en": sum(bool(i.name_en) for i in catalogue)}


def test_catalogue_order_and_paging_cover_every_record_once(shared_client: TestClient) -> None:
    catalogue_ids = [i.id for i in _catalogue(shared_client)]
    assert _all_ids(shared_client) == catalogue_ids
    pages = [_get(shared_client, page=p, page_size=7) for p in range(1, 17)]
    assert [i["id"] for b in pages for i in b["items"]] == catalogue_ids
    assert all(b["total"] == 110 and b["page_size"] == 7 for b in pages)
    assert [b["page"] for b in pages] == list(range(1, 17))
    assert len(pages[-1]["items"]) == 110 - 15 * 7
    past = _get(shared_client, page=99, page_size=100)
    assert past["items"] == [] and past["total"] == 110
    default = _get(shared_client)
    assert default["page"] == 1 and default["page_size"] == 20 and len(default["items"]) == 20


def test_items_are_item_payloads(shared_client: TestClient) -> None:
    by_id = {i.id: i for i in _catalogue(shared_client)}
    for item in _get(shared_client, page_size=100)["items"]:
        assert set(item) == ITEM_FIELDS
        assert {k: v for k, v in item.items() if k != "display"} == item_payload(by_id[item["id"]])


@pytest.mark.parametrize("page_size", [1, 100])
def test_page_size_bounds_are_accepted(shared_client: TestClient, page_size: int) -> None:
    assert len(_get(shared_client, page_size=page_size)["items"]) == page_size


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"page_size": 1000}, "page_size"),
        ({"page_size": -1}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": -3}, "page"),
        ({"page": 1.5}, "page"),
        ({"page": 10_001}, "page"),
        ({"page": 2**63}, "page"),
        ({"stage": "D"}, "stage"),
        ({"stage": "a"}, "stage"),
        ({"theme": 0}, "theme"),
        ({"theme": 13}, "theme"),
        ({"theme": "water"}, "theme"),
        ({"section": "L"}, "section"),
        ({"section": "a"}, "section"),
        ({"kind": "chunk"}, "kind"),
        ({"lang": "fr"}, "lang"),
        ({"q": "x" * 2001}, "q"),
        ({"themes": 3}, "themes"),  # a misspelt parameter is an error, not silently ignored
    ],
)
def test_invalid_parameters_are_422_never_clamped(shared_client: TestClient, params: dict, field: str) -> None:
    error = assert_error(shared_client.get("/v1/tools", params=params), 422, "invalid_request")
    assert error["details"][0]["loc"][:2] == ["query", field], error


def _expected(catalogue: list[CatalogueItem], params: dict) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Brute force: the ids passing every filter, and each facet counted over the filters of the others."""
    tests = {
        "stage": lambda i: params["stage"] in i.stages,
        "theme": lambda i: bool(set(params["theme"]) & set(i.areas)),
        "section": lambda i: i.section in params["section"],
        "kind": lambda i: i.kind in params["kind"],
    }
    active = {k: f for k, f in tests.items() if params.get(k)}
    ids = [i.id for i in catalogue if all(f(i) for f in active.values())]
    values = {
        "stage": lambda i: i.stages,
        "theme": lambda i: [str(a) for a in i.areas],
        "section": lambda i: [i.section] if i.section else [],
        "kind": lambda i: [i.kind],
        "lang": lambda i: ["zh"] + (["en"] if i.name_en else []),
    }
    facets = {}
    for facet, value_of in values.items():
        rest = [i for i in catalogue if all(f(i) for k, f in active.items() if k != facet)]
        facets[facet] = dict(Counter(v for i in rest for v in value_of(i)))
    return ids, facets


@pytest.mark.parametrize(
    "params",
    [
        {"stage": "B"},
        {"kind": ["unhabitat_service"], "section": ["A"]},
        {"theme": [2, 3]},
        {"stage": "C", "theme": [4, 9], "kind": ["unhabitat_service", "flagship"]},
        {"stage": "A", "section": ["H", "J"], "kind": ["mcr_tool"]},  # nothing matches
        {"stage": "B", "theme": [3], "section": ["A", "B", "C"], "kind": ["unhabitat_service"]},
    ],
)
def test_filters_and_facets_match_the_catalogue(shared_client: TestClient, params: dict) -> None:
    ids, facets = _expected(_catalogue(shared_client), params)
    body = _get(shared_client, page_size=100, **params)
    assert [i["id"] for i in body["items"]] == ids and body["total"] == len(ids)
    for facet, counts in body["facets"].items():
        assert {k: v for k, v in counts.items() if v} == facets[facet], facet
    # each facet ignores its own filter: the filtered total is what the selected values of that facet add up to
    f = body["facets"]
    if "stage" in params:
        assert f["stage"][params["stage"]] == body["total"]
    if "kind" in params:
        assert sum(f["kind"][k] for k in params["kind"]) == body["total"]
    if "section" in params:
        assert sum(f["section"][s] for s in params["section"]) == body["total"]


def test_every_facet_value_is_always_listed(shared_client: TestClient) -> None:
    facets = _get(shared_client, stage="A", kind="flagship")["facets"]
    assert list(facets["stage"]) == ["A", "B", "C"]
    assert list(facets["theme"]) == [str(n) for n in range(1, 13)]
    assert list(facets["section"]) == list("ABCDEFGHIJK")
    assert list(facets["kind"]) == ["mcr_tool", "unhabitat_service", "flagship"]
    assert list(facets["lang"]) == ["zh", "en"]


def test_repeated_parameters_are_or(shared_client: TestClient) -> None:
    items = _get(shared_client, page_size=100, theme=[7, 12])["items"]
    assert items and all({7, 12} & set(i["areas"]) for i in items)
    assert {7, 12} <= {a for i in items for a in i["areas"]}


def test_lang_picks_the_display_fields_and_filters_nothing(shared_client: TestClient) -> None:
    zh = _get(shared_client, page_size=100, lang="zh", kind="unhabitat_service")
    en = _get(shared_client, page_size=100, lang="en", kind="unhabitat_service")
    assert [i["id"] for i in zh["items"]] == [i["id"] for i in en["items"]] and zh["facets"] == en["facets"]
    for a, b in zip(zh["items"], en["items"], strict=True):
        assert a["display"] == {"lang": "zh", "name": a["name"], "section_title": a["section_title"]}
        assert b["display"] == {"lang": "en", "name": b["name_en"], "section_title": b["section_title_en"]}
        assert {k: v for k, v in a.items() if k != "display"} == {k: v for k, v in b.items() if k != "display"}


# -- q ----------------------------------------------------------------------------------------------------------
def test_q_ranks_with_the_recommender_and_filters_keep_that_order(shared_client: TestClient) -> None:
    recommender = shared_client.app.state.runtime.serving.current().recommender  # type: ignore[attr-defined]
    q = "城市贫民窟资料收集 slum profiling"
    ranked = [r.item.id for r in recommender.recommend(q, k=50)]
    body = _get(shared_client, q=q, page_size=100)
    assert [i["id"] for i in body["items"]] == ranked and body["total"] == 50
    kinds = Counter(recommender.get(i).kind for i in ranked)
    assert body["facets"]["kind"] == {k: kinds[k] for k in ("mcr_tool", "unhabitat_service", "flagship")}
    services = _get(shared_client, q=q, kind="unhabitat_service", page_size=100)
    expected = [i for i in ranked if recommender.get(i).kind == "unhabitat_service"]
    assert [i["id"] for i in services["items"]] == expected and services["total"] == len(expected)
    second = _get(shared_client, q=q, page=2, page_size=10)
    assert [i["id"] for i in second["items"]] == ranked[10:20]


@pytest.mark.parametrize("q", ["", "   ", "\t\n"])
def test_blank_q_is_the_catalogue_order(shared_client: TestClient, q: str) -> None:
    assert [i["id"] for i in _get(shared_client, q=q, page_size=100)["items"]] == [
        i.id for i in _catalogue(shared_client)
    ][:100]


# -- one record -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("tool_id", ["A.1", "K.2", "mcr-quick-risk-estimation", "flagship-3"])
def test_one_record_in_full(shared_client: TestClient, tool_id: str) -> None:
    r = shared_client.get(f"/v1/tools/{tool_id}", params={"lang": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == DETAIL_FIELDS and body["id"] == tool_id
    item = next(i for i in _catalogue(shared_client) if i.id == tool_id)
    assert {k: v for k, v in body.items() if k != "display"} == item_payload(item, full=True)
    assert body["display"]["lang"] == "en" and body["display"]["name"] == item.name_en
    documents = shared_client.app.state.runtime.serving.current().retriever.index.documents  # type: ignore[attr-defined]
    src = body["source"]
    assert documents[src["doc_id"]].text[src["start"] : src["end"]] == item.span.quote


def test_every_listed_record_resolves(shared_client: TestClient) -> None:
    for item in _get(shared_client, page_size=100)["items"] + _get(shared_client, page=2, page_size=100)["items"]:
        r = shared_client.get(f"/v1/tools/{item['id']}")
        assert r.status_code == 200 and r.json()["id"] == item["id"]
        assert r.json()["display"]["lang"] == "zh"


@pytest.mark.parametrize("tool_id", ["A.99", "a.1", "mcr-no-such-tool", "A.1.", "%20A.1", "A%2F1", "x" * 300])
def test_unknown_record_is_404(shared_client: TestClient, tool_id: str) -> None:
    r = shared_client.get(f"/v1/tools/{tool_id}")
    if len(tool_id) > 200:
        assert_error(r, 422, "invalid_request")
    else:
        assert_error(r, 404, "not_found")


def test_record_errors(shared_client: TestClient) -> None:
    assert_error(shared_client.get("/v1/tools/A.1", params={"lang": "fr"}), 422, "invalid_request")
    assert_error(shared_client.post("/v1/tools"), 405, "method_not_allowed")
    assert_error(shared_client.delete("/v1/tools/A.1"), 405, "method_not_allowed")


# -- serving: one recommender per index version; a broken curated file ------------------------------------------
NEW_DOC = "# Harbour pilot\n\nThe harbour resilience pilot protects the port city from storm surge.\n"


def test_recommender_is_built_with_each_index_version(corpus_copy: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", tmp_path / "f.sqlite", corpus_dir=corpus_copy)
    with TestClient(create_app(settings)) as client:
        assert_error(client.get("/v1/tools"), 503, "index_not_built")
        assert client.post("/v1/admin/reindex", headers=ADMIN).status_code == 200
        serving = client.app.state.runtime.serving  # type: ignore[attr-defined]
        first = serving.current()
        assert first.recommender.retriever is first.retriever
        assert _get(client)["total"] == 110
        (corpus_copy / "harbour-pilot.en.md").write_text(NEW_DOC, encoding="utf-8")
        assert client.post("/v1/admin/reindex", headers=ADMIN).json()["swapped"] is True
        second = serving.current()
        assert second.version != first.version
        assert second.recommender is not first.recommender and second.recommender.retriever is second.retriever
        assert second.rules is not first.rules
        assert _get(client)["total"] == 110


def test_broken_catalogue_file_fails_only_the_routes_that_need_it(
    hashing_index: Path, tmp_path: Path, knowledge_copy: Path
) -> None:
    (knowledge_copy / "catalogue_en.json").write_text("{not json", encoding="utf-8")
    settings = make_settings(hashing_index, tmp_path / "f.sqlite")
    settings.paths.knowledge_dir = knowledge_copy
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        assert client.post("/v1/search", json={"query": "城市韧性"}).status_code == 200
        assert client.get("/v1/stage/questions").status_code == 200
        for r in (
            client.get("/v1/tools"),
            client.get("/v1/tools/A.1"),
            client.post("/v1/recommend", json={"situation": "flood risk"}),
        ):
            error = assert_error(r, 503, "invalid_knowledge_file")
            assert "catalogue_en.json" in error["message"]


# -- quality with the real model --------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("slum profiling and household enumeration", "A.1"),
        ("贫民窟资料收集和统计", "A.1"),
        ("climate change action by local leaders", "H.6"),
    ],
)
def test_quality_q_finds_the_record(use_client: TestClient, q: str, expected: str) -> None:
    body = _get(use_client, q=q, page_size=3)
    assert expected in [i["id"] for i in body["items"]], [i["id"] for i in body["items"]]
    services = _get(use_client, q=q, kind="unhabitat_service", page_size=3)
    assert services["items"][0]["id"] == expected


# -- OpenAPI ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/v1/tools", "get"),
        ("/v1/tools/{tool_id}", "get"),
        ("/v1/recommend", "post"),
        ("/v1/stage/questions", "get"),
        ("/v1/stage/assess", "post"),
    ],
)
def test_openapi_documents_the_route(shared_client: TestClient, path: str, method: str) -> None:
    spec = shared_client.get("/openapi.json").json()
    op = spec["paths"][path][method]
    assert op["summary"] and len(op["description"]) > 80

    def component(ref_holder: dict) -> dict:
        return spec["components"]["schemas"][ref_holder["schema"]["$ref"].rsplit("/", 1)[-1]]

    ok = component(op["responses"]["200"]["content"]["application/json"])
    assert ok["examples"], path
    if method == "post":
        assert component(op["requestBody"]["content"]["application/json"])["examples"], path
    assert "422" in op["responses"] and "503" in op["responses"]
    error = op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert error.endswith("/ErrorResponse")
