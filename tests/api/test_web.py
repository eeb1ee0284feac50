"""The web routes and what the pages rely on: content-hashed assets with long caching, the ``/widget.js`` redirect,
page security headers, CORS limited to ``api.cors_origins`` (never with credentials), the CSV export of
``GET /v1/tools``, the ``text_lang`` filter and ``GET /v1/tools/{id}/source``."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers.web import WEB_DIR
from tests.api.conftest import assert_error, make_settings

PORTAL = "https://city.example.org"
# Ways to turn a string into markup or code; the scripts set text with textContent only.
HTML_SINKS = re.compile(r"\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(")


@pytest.fixture(scope="module")
def web(hashing_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = make_settings(hashing_index, tmp_path_factory.mktemp("db") / "f.sqlite", cors_origins=[PORTAL])
    with TestClient(create_app(settings)) as client:
        yield client


# -- assets and pages -------------------------------------------------------------------------------------------
def test_widget_is_served_at_its_content_hash_with_a_long_cache(web: TestClient) -> None:
    redirect = web.get("/widget.js", follow_redirects=False)
    assert redirect.status_code == 302
    assert "max-age=300" in redirect.headers["cache-control"]
    location = redirect.headers["location"]
    body = (WEB_DIR / "widget.js").read_bytes()
    assert location == f"/static/widget.{hashlib.sha256(body).hexdigest()[:8]}.js"
    asset = web.get(location)
    assert asset.status_code == 200 and asset.content == body
    assert asset.headers["content-type"].startswith("text/javascript")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["cross-origin-resource-policy"] == "cross-origin"
    assert_error(web.get("/static/widget.00000000.js"), 404, "not_found")  # an old release's hash
    assert_error(web.get("/static/nothing.12345678.js"), 404, "not_found")
    assert_error(web.get("/static/widget.js"), 404, "not_found")


def test_widget_stays_small_and_holds_no_secrets() -> None:
    text = (WEB_DIR / "widget.js").read_text(encoding="utf-8")
    assert len(text.encode()) < 60_000  # one dependency-free script, a few tens of kB
    assert not HTML_SINKS.search(text)
    assert not re.search(r"admin|api[_-]?key|authorization|bearer", text, re.IGNORECASE)
    assert "window.Resnav" in text or "w.Resnav" in text


@pytest.mark.parametrize("path", ["/", "/catalogue"])
def test_pages_have_hashed_assets_and_a_strict_policy(web: TestClient, path: str) -> None:
    r = web.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "{{asset:" not in r.text
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', r.text):
        assert web.get(url).status_code == 200, url
    assert not HTML_SINKS.search((WEB_DIR / "catalogue.js").read_text(encoding="utf-8"))


def test_pages_are_not_in_the_openapi_document(web: TestClient) -> None:
    paths = web.get("/openapi.json").json()["paths"]
    assert not {"/", "/catalogue", "/widget.js", "/static/{filename}"} & set(paths)
    assert "/v1/tools/{tool_id}/source" in paths


def test_catalogue_labels(web: TestClient) -> None:
    labels = web.get("/catalogue/labels.json").json()
    assert set(labels) == {"stages", "areas", "sections"}
    assert labels["areas"]["2"] == {"zh": "提高风险分析", "en": "Enhancing risk analysis"}
    assert sorted(labels["sections"]) == list("ABCDEFGHIJK")


# -- CORS -------------------------------------------------------------------------------------------------------
def test_cors_allows_the_configured_origin_without_credentials(web: TestClient) -> None:
    preflight = web.options(
        "/v1/chat",
        headers={
            "Origin": PORTAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == PORTAL
    assert "access-control-allow-credentials" not in preflight.headers
    r = web.get("/v1/tools?page_size=1", headers={"Origin": PORTAL})
    assert r.headers["access-control-allow-origin"] == PORTAL
    assert "access-control-allow-credentials" not in r.headers
    error = web.get("/v1/tools?page_size=0", headers={"Origin": PORTAL})  # errors carry the header too
    assert error.status_code == 422 and error.headers["access-control-allow-origin"] == PORTAL


def test_cors_refuses_other_origins(web: TestClient) -> None:
    other = "https://evil.example"
    preflight = web.options("/v1/feedback", headers={"Origin": other, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in web.get("/v1/tools", headers={"Origin": other}).headers


def test_without_cors_origins_there_are_no_cors_headers(shared_client: TestClient) -> None:
    r = shared_client.get("/v1/tools?page_size=1", headers={"Origin": PORTAL})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_cors_origins_setting_is_validated() -> None:
    from pydantic import ValidationError

    from retriever.settings import ApiSettings

    assert ApiSettings().cors_origins == []
    assert ApiSettings(cors_origins=["https://a.org/", "http://127.0.0.1:8080", "https://a.org"]).cors_origins == [
        "https://a.org",
        "http://127.0.0.1:8080",
    ]
    for bad in ("https://a.org/path", "a.org", "ftp://a.org", "https://a.org?x=1"):
        with pytest.raises(ValidationError):
            ApiSettings(cors_origins=[bad])


# -- the catalogue's CSV, language filter and source text -------------------------------------------------------
def test_csv_export_holds_every_record_of_the_filter(web: TestClient) -> None:
    r = web.get("/v1/tools", params={"format": "csv", "stage": "B", "kind": "mcr_tool", "page_size": 1})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="resnav-tools.csv"' in r.headers["content-disposition"]
    assert r.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    listed = web.get("/v1/tools", params={"stage": "B", "kind": "mcr_tool", "page_size": 100}).json()
    assert [row["id"] for row in rows] == [i["id"] for i in listed["items"]]  # all of them, not one page
    first, item = rows[0], listed["items"][0]
    assert (first["name"], first["name_en"], first["stages"]) == (
        item["name"],
        item["name_en"],
        "; ".join(item["stage"]),
    )
    assert first["urls"] == "; ".join(item["urls"])
    assert_error(web.get("/v1/tools?format=xml"), 422, "invalid_request")


def test_csv_cells_cannot_be_formulas() -> None:
    from assistant.catalogue import records_to_csv
    from retriever.types import CatalogueItem, SourceSpan

    item = CatalogueItem(
        id="X.1",
        kind="unhabitat_service",
        name='=HYPERLINK("http://evil")',
        name_en="@SUM(A1)",
        summary_en="+1",
        span=SourceSpan("d", "s.txt", 0, 1, "x"),
    )
    row = next(csv.DictReader(io.StringIO(records_to_csv([item]).lstrip("\ufeff"))))
    assert row["name"].startswith("'=") and row["name_en"].startswith("'@") and row["summary_en"] == "'+1"


def test_text_lang_filters_and_counts(web: TestClient) -> None:
    everything = web.get("/v1/tools", params={"page_size": 1}).json()
    english = web.get("/v1/tools", params={"page_size": 1, "text_lang": "en"}).json()
    assert english["total"] == everything["facets"]["lang"]["en"]
    assert english["facets"]["lang"] == everything["facets"]["lang"]  # a facet ignores its own filter
    assert_error(web.get("/v1/tools?text_lang=fr"), 422, "invalid_request")


def test_source_text_of_a_record(web: TestClient) -> None:
    detail = web.get("/v1/tools/A.1").json()
    source = web.get("/v1/tools/A.1/source").json()
    assert source["id"] == "A.1"
    assert (source["doc_id"], source["source"], source["start"], source["end"]) == (
        detail["source"]["doc_id"],
        detail["source"]["source"],
        detail["source"]["start"],
        detail["source"]["end"],
    )
    assert source["text"].startswith("A.1.") and detail["name"] in source["text"]
    assert len(source["text"]) == source["end"] - source["start"]
    assert source["section"][-1].startswith("A.1.")
    assert source["title"] == "UN-Habitat Catalogue of Services 2022" and source["lang"] == "zh"
    assert_error(web.get("/v1/tools/nope/source"), 404, "not_found")
