"""The catalogue page in real Chromium: facets with counts that filter, state in the URL (a reload restores it),
a record's source text, the CSV export of the current filter and the coverage view."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.conftest import LiveApp

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


def _api(app: LiveApp, path: str, **params: object) -> dict:
    r = httpx.get(app.url + path, params=params, timeout=30)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return r.json()


def _count(page, facet: str, value: str) -> int:  # noqa: ANN001
    return int(page.locator(f"label[for='f-{facet}-{value}'] .n").inner_text())


def test_facets_filter_the_url_restores_and_the_csv_downloads(new_tab, live_app: LiveApp) -> None:
    tab = new_tab()
    page = tab.page
    page.goto(f"{live_app.url}/catalogue?lang=en")
    expect(page.locator(".card").first).to_be_visible()
    everything = _api(live_app, "/v1/tools", lang="en")
    expect(page.locator("#count")).to_have_text(f"{everything['total']} records")
    for facet, key in (("stage", "stage"), ("theme", "theme"), ("kind", "kind"), ("text_lang", "lang")):
        for value, n in everything["facets"][key].items():
            assert _count(page, facet, value) == n, (facet, value)

    page.locator("#f-stage-B").check()
    expect(page).to_have_url(f"{live_app.url}/catalogue?stage=B&lang=en")
    page.locator("#f-kind-mcr_tool").check()
    page.locator("#f-theme-2").check()
    expect(page.locator("#f-theme-2")).to_be_focused()  # the re-rendered facet keeps the keyboard focus
    filtered = _api(live_app, "/v1/tools", stage="B", kind="mcr_tool", theme=2, lang="en", page_size=100)
    expect(page.locator("#count")).to_have_text(f"{filtered['total']} records")
    expect(page.locator(".card")).to_have_count(filtered["total"])
    assert page.locator(".card h3").all_inner_texts() == [i["name_en"] for i in filtered["items"]]
    assert _count(page, "kind", "unhabitat_service") == filtered["facets"]["kind"]["unhabitat_service"]
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"stage": ["B"], "theme": ["2"], "kind": ["mcr_tool"], "lang": ["en"]}
    tab.shoot("catalogue-facets")

    page.reload()  # the URL is the state
    expect(page.locator("#f-stage-B")).to_be_checked()
    expect(page.locator("#f-kind-mcr_tool")).to_be_checked()
    expect(page.locator("#count")).to_have_text(f"{filtered['total']} records")
    page.go_back()  # history: before the theme was ticked
    expect(page.locator("#f-theme-2")).not_to_be_checked()
    page.go_forward()
    expect(page.locator("#f-theme-2")).to_be_checked()

    with page.expect_download() as info:
        page.locator("#csv").click()
    download = info.value
    assert download.suggested_filename == "resnav-tools.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == [i["id"] for i in filtered["items"]]
    assert all("B" in r["stages"].split("; ") and "2" in r["areas"].split("; ") for r in rows)

    page.locator("#q").fill("early warning")
    page.locator("#q").press("Enter")
    expect(page).to_have_url(f"{live_app.url}/catalogue?q=early+warning&stage=B&theme=2&kind=mcr_tool&lang=en")
    searched = _api(live_app, "/v1/tools", q="early warning", stage="B", kind="mcr_tool", theme=2, lang="en")
    expect(page.locator("#count")).to_contain_text(str(searched["total"]))
    assert not tab.errors, tab.errors


def test_a_record_opens_its_source_text(new_tab, live_app: LiveApp) -> None:
    tab = new_tab()
    page = tab.page
    page.goto(f"{live_app.url}/catalogue?section=B")
    card = page.locator(".card[data-id='B.2']")
    expect(card).to_be_visible()
    opener = card.locator("button[data-id='B.2']")
    opener.click()
    dialog = page.locator("[role=dialog]")
    source = _api(live_app, "/v1/tools/B.2/source")
    expect(dialog.locator("blockquote")).to_have_text(source["text"])
    expect(dialog).to_contain_text(" › ".join(source["section"]))
    expect(dialog).to_contain_text(f"{source['start']}–{source['end']}")
    expect(dialog.locator("#dtitle")).to_have_text(_api(live_app, "/v1/tools/B.2")["name"])
    assert "open=B.2" in page.url
    tab.shoot("catalogue-source")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    assert "open=" not in page.url

    # a shared link to a record, for an English reader: the rendering, labelled, with the original one click away
    page.goto(f"{live_app.url}/catalogue?lang=en&open=B.2")
    source = _api(live_app, "/v1/tools/B.2/source")
    assert source["rendering"]["lang"] == "en" and source["rendering"]["provenance"] == "curated"
    dialog = page.locator("[role=dialog]")
    expect(dialog.locator("blockquote.rend")).to_have_text(source["rendering"]["text"])
    expect(dialog.locator(".prov")).to_contain_text("not an official translation")
    original = dialog.locator("details.orig blockquote")
    expect(original).to_be_hidden()
    dialog.locator("details.orig summary").click()
    expect(original).to_have_text(source["text"])
    tab.shoot("catalogue-source-en")
    assert not tab.errors, tab.errors


def test_coverage_view(new_tab, live_app: LiveApp) -> None:
    tab = new_tab()
    page = tab.page
    page.goto(f"{live_app.url}/catalogue?lang=en")
    page.locator("a[data-view=coverage]").click()
    expect(page).to_have_url(f"{live_app.url}/catalogue?lang=en&view=coverage")
    expect(page.locator(".matrix tbody tr")).to_have_count(12)
    tools = _api(live_app, "/v1/tools", kind="mcr_tool")["facets"]["theme"]
    empty = [a for a, n in tools.items() if n == 0]
    assert empty  # areas 10 and 11 have no MCR2030 tool in this corpus
    for area in empty:
        expect(page.locator(f"tr[data-area='{area}'] td[data-kind=mcr_tool]")).to_have_class("zero gap")
        expect(page.locator("#no-tool")).to_contain_text(f"{area} ")
    sections = _api(live_app, "/v1/tools")["facets"]["section"]
    expect(page.locator("li[data-section]")).to_have_count(len(sections))
    assert page.locator("li[data-section='A'] .n").inner_text() == str(sections["A"])
    expect(page.locator("#no-english")).to_contain_text("All 110 records have an English name and summary.")
    tab.shoot("catalogue-coverage", full_page=True)
    page.locator("li[data-section='K'] a").click()  # a bar opens that section's records
    expect(page.locator(".card")).to_have_count(sections["K"])
    assert not tab.errors, tab.errors
