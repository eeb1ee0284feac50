"""Hostile document text in real Chromium: an index built from a tiny corpus whose chunks hold ``<script>``,
``<img onerror>``, ``<svg onload>`` and ``javascript:`` links. The widget, the snippet and the catalogue show all
of it literally, nothing runs (``window.__pwned`` stays undefined) and only http(s) URLs become links, even when a
response carries other schemes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import PWN, LiveApp, Portal, widget_src
from tests.e2e.pages import portal_page, widget_tag

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

SCRIPT = f"<script>{PWN}</script>"
IMG = f'<img src=x onerror="{PWN}">'
BAD_URLS = [f"javascript:{PWN}", f" JavaScript:{PWN}", "data:text/html,<script>alert(1)</script>", "//evil.example/x"]


def _inject_bad_urls(route: Any) -> None:
    """Serve the real /v1/tools answer with non-http(s) URLs added to every record (a compromised or buggy API)."""
    response = route.fetch()
    body = response.json()
    for item in body["items"]:
        item["urls"] = [*BAD_URLS, *item["urls"]]
    route.fulfill(response=response, body=json.dumps(body), content_type="application/json")


ROOTS = "[document, ...[...document.querySelectorAll('[data-resnav]')].map(h => h.shadowRoot)]"


def _nothing_ran(page: Any) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"
    active = f"() => {ROOTS}.flatMap(r => [...r.querySelectorAll('img, iframe, object, embed')]).length"
    assert page.evaluate(active) == 0


def _links(page: Any) -> list[str]:
    return page.evaluate(f"() => {ROOTS}.flatMap(r => [...r.querySelectorAll('a[href]')].map(a => a.href))")


def test_widget_and_snippet_show_hostile_text_literally(new_tab, portal: Portal, xss_app: LiveApp) -> None:
    src = widget_src(xss_app)
    scripts = widget_tag(src, xss_app.url, lang="zh", title="XSS 测试") + widget_tag(
        src, xss_app.url, view="tools", target="#tools", lang="zh", k="5"
    )
    tab = new_tab()
    page = tab.page
    page.route(lambda url: url.startswith(f"{xss_app.url}/v1/tools?"), _inject_bad_urls)
    page.goto(portal.write("xss.html", portal_page(scripts=scripts, main='<div id="tools"></div>')))

    snippet = page.locator("[data-resnav=tools]")
    expect(snippet.locator(".card")).to_have_count(2)
    expect(snippet.locator(".card h4").first).to_have_text(f"恶意脚本服务{IMG}")
    expect(snippet.locator(".rn-url").first).to_have_text(BAD_URLS[0])  # shown as text, not a link

    widget = page.locator("[data-resnav=chat]")
    widget.locator(".launcher").click()
    widget.locator("textarea").fill("推荐洪水预警的工具")
    widget.locator("textarea").press("Enter")
    answer = widget.locator(".msg.bot").last
    expect(answer.locator(".fb")).to_be_visible()
    expect(answer.locator(".bubble")).to_contain_text(SCRIPT)
    expect(answer.locator(".recs .card h4").filter(has_text="恶意脚本服务")).to_have_text(f"恶意脚本服务{IMG}")
    answer.locator(".srcs .src").last.click()
    expect(widget.locator(".sheet blockquote")).to_contain_text(SCRIPT)
    expect(widget.locator(".sheet h4")).to_have_text(f"XSS <b>probe</b> catalogue {SCRIPT}")
    tab.shoot("xss-widget")
    page.keyboard.press("Escape")

    _nothing_ran(page)
    links = _links(page)
    assert links and all(u.startswith(("http://", "https://")) for u in links), links
    assert "https://example.org/safe-page" in links
    assert not tab.errors, tab.errors


def test_catalogue_shows_hostile_text_literally(new_tab, xss_app: LiveApp) -> None:
    tab = new_tab()
    page = tab.page
    page.route(lambda url: url.startswith(f"{xss_app.url}/v1/tools?"), _inject_bad_urls)
    page.goto(f"{xss_app.url}/catalogue")
    card = page.locator(".card[data-id='A.1']")
    expect(card.locator("h3")).to_have_text(f"恶意脚本服务{IMG}")
    expect(card.locator(".sec")).to_contain_text(f"城市数据{SCRIPT}")
    expect(card.locator(".url").first).to_have_text(BAD_URLS[0])
    card.locator("button[data-id='A.1']").click()
    quote = page.locator("[role=dialog] blockquote")
    expect(quote).to_contain_text(SCRIPT)
    expect(quote).to_contain_text(f"[点击这里](javascript:{PWN})")
    expect(quote).to_contain_text(f'<a href="javascript:{PWN}">恶意链接</a>')
    tab.shoot("xss-catalogue")
    page.keyboard.press("Escape")

    page.locator("a[data-view=coverage]").click()
    expect(page.locator("#no-english")).to_contain_text("A.9")  # a record without curated English
    expect(page.locator("#no-english")).to_contain_text('洪水预警服务<svg onload="window.__pwned=1">')

    _nothing_ran(page)
    links = _links(page)
    assert links and all(u.startswith(("http://", "https://")) for u in links), links
    assert not tab.errors, tab.errors
