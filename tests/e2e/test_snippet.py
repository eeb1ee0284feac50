"""The embeddable recommendations (the widget script with ``data-view="tools"``) on a portal page of another
origin: top tools for a stage and theme (``GET /v1/tools``) and for a situation (``POST /v1/recommend``)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import LiveApp, Portal, widget_src
from tests.e2e.pages import portal_page, widget_tag

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

SITUATION = "我们有防灾减灾战略草案，但没有做过风险评估"


def test_recommendation_snippet_renders(new_tab, portal: Portal, live_app: LiveApp) -> None:
    src = widget_src(live_app)
    scripts = "\n".join(
        [
            widget_tag(src, live_app.url, view="tools", target="#by-stage", stage="B", theme="2", lang="en", k="3"),
            widget_tag(
                src,
                live_app.url,
                view="tools",
                target="#by-situation",
                situation=SITUATION,
                stage="B",
                lang="zh",
                k="3",
            ),
        ]
    )
    main = '<div id="by-stage"></div><div style="height:18px"></div><div id="by-situation"></div>'
    tab = new_tab()
    page = tab.page
    page.goto(portal.write("snippet.html", portal_page(scripts=scripts, main=main)))

    by_stage = page.locator("#by-stage [data-resnav=tools]")
    expect(by_stage.locator(".card")).to_have_count(3)
    expect(by_stage.locator("h2")).to_have_text("Tools for Stage B cities")
    listed = httpx.get(
        f"{live_app.url}/v1/tools", params={"stage": "B", "theme": 2, "page_size": 3, "lang": "en"}
    ).json()["items"]
    assert by_stage.locator(".card h4").all_inner_texts() == [i["name_en"] for i in listed]
    more = by_stage.locator("a.more")
    expect(more).to_have_attribute("href", f"{live_app.url}/catalogue?lang=en&stage=B&theme=2")

    by_situation = page.locator("#by-situation [data-resnav=tools]")
    expect(by_situation.locator(".card")).to_have_count(3)
    recommended = httpx.post(
        f"{live_app.url}/v1/recommend", json={"situation": SITUATION, "stage": "B", "k": 3, "lang": "zh"}, timeout=30
    ).json()["items"]
    assert by_situation.locator(".card h4").all_inner_texts() == [i["name"] for i in recommended]
    expect(by_situation.locator(".card").first.locator("li").first).to_be_visible()  # reasons
    assert "[" not in by_situation.locator(".card ul").first.inner_text()  # citation markers are stripped

    hrefs = page.evaluate(
        """() => [...document.querySelectorAll('[data-resnav=tools]')]
                 .flatMap(h => [...h.shadowRoot.querySelectorAll('a[href]')].map(a => a.getAttribute('href')))"""
    )
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)
    tab.shoot("snippet")
    assert not tab.errors, tab.errors
