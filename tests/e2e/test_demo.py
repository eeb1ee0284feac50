"""The demo page at ``/`` (a sample city portal with the widget and the snippet on it) and the headers of the
pages: a strict Content-Security-Policy that the widget and the catalogue live within (no violation is logged)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import LiveApp

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


def test_demo_page_embeds_the_widget_and_the_snippet(new_tab, live_app: LiveApp) -> None:
    r = httpx.get(live_app.url + "/")
    assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
    assert "/static/widget." in r.text and "{{asset:" not in r.text

    tab = new_tab()
    page = tab.page
    page.goto(live_app.url + "/")
    expect(page.locator("[data-resnav=tools] .card")).to_have_count(4)
    expect(page.locator("[data-resnav=tools] h2")).to_have_text("适合 B 阶段城市的工具")
    launcher = page.locator("[data-resnav=chat] .launcher")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_text("韧性导航")
    tab.shoot("demo")

    launcher.click()
    widget = page.locator("[data-resnav=chat]")
    widget.locator(".sugg button").nth(1).click()  # "有哪些工具可以帮助城市评估灾害风险？"
    answer = widget.locator(".msg.bot").last
    expect(answer.locator(".fb")).to_be_visible()
    expect(answer.locator(".recs .card").first).to_be_visible()
    assert answer.get_attribute("data-intent") == "recommend"
    assert not tab.errors, tab.errors  # includes Content-Security-Policy violations


def test_pages_on_a_phone(new_tab, live_app: LiveApp) -> None:
    tab = new_tab({"width": 375, "height": 700})
    page = tab.page
    page.goto(live_app.url + "/catalogue?stage=A")
    expect(page.locator(".card").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width  # nothing overflows sideways
    page.goto(live_app.url + "/")
    expect(page.locator("[data-resnav=tools] .card").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert not tab.errors, tab.errors
