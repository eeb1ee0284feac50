"""The chat widget in real Chromium, embedded in a portal page of another origin: loading through the stable
``/widget.js`` redirect, theming, language switch, keyboard, a streamed Chinese answer whose citation chips open the
quoted passage, feedback, and the stage dialogue on a phone-sized screen."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import PHONE, LiveApp, Portal, admin_get, widget_src
from tests.e2e.pages import portal_page, widget_tag

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

QUESTION = "城市韧性行动规划需要多长时间？"


@pytest.fixture(scope="module")
def portal_url(portal: Portal, live_app: LiveApp) -> str:
    tag = widget_tag(
        widget_src(live_app),
        live_app.url,
        lang="zh",
        title="东湖市韧性导航",
        color="#134e6f",
        city="东湖市",
        stage="B",
    )
    return portal.write("widget.html", portal_page(scripts=tag))


def _shadow_active(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => { const a = document.querySelector('[data-resnav=chat]').shadowRoot.activeElement;
                   return a ? {tag: a.tagName, cls: a.className, answer: a.dataset.answer || ''} : {}; }"""
    )


def _sse(body: str) -> list[tuple[str, str]]:
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        lines = block.strip().splitlines()
        if not lines:
            continue
        name = next((line[6:].strip() for line in lines if line.startswith("event:")), "message")
        data = "\n".join(line[5:].lstrip() for line in lines if line.startswith("data:"))
        events.append((name, data))
    return events


def test_widget_loads_from_another_origin(new_tab, portal_url: str, live_app: LiveApp) -> None:
    tab = new_tab()
    page = tab.page
    page.goto(portal_url)
    widget = page.locator("[data-resnav=chat]")
    launcher = widget.locator(".launcher")
    expect(launcher).to_be_visible()
    assert page.evaluate("location.origin") != live_app.url
    assert page.evaluate("window.Resnav.version") == "1"
    assert page.evaluate("typeof window.Resnav.mount") == "function"
    # the widget's DOM lives in its shadow root; the page's own styles and DOM are untouched
    assert page.evaluate("document.querySelectorAll('.launcher, .panel, textarea').length") == 0
    expect(launcher).to_have_attribute("aria-label", "打开韧性导航助手")
    expect(launcher).to_have_attribute("aria-expanded", "false")

    launcher.focus()
    page.keyboard.press("Enter")
    panel = widget.locator(".panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("role", "dialog")
    assert _shadow_active(page)["tag"] == "TEXTAREA"
    expect(widget.locator("header h2")).to_have_text("东湖市韧性导航")
    expect(widget.locator("header p")).to_contain_text("东湖市")
    header_bg = page.evaluate(
        "getComputedStyle(document.querySelector('[data-resnav=chat]').shadowRoot.querySelector('header'))"
        ".backgroundColor"
    )
    assert header_bg == "rgb(19, 78, 111)"  # data-color="#134e6f"
    expect(widget.locator(".intro")).to_contain_text("东湖市")
    expect(widget.locator("textarea")).to_have_attribute("placeholder", "输入您的问题")
    tab.shoot("widget-cross-origin")

    switch = widget.locator("header .hb").first
    expect(switch).to_have_attribute("aria-label", "Switch to English")
    switch.click()
    expect(widget.locator("textarea")).to_have_attribute("placeholder", "Type your question")
    expect(widget.locator(".sugg button").first).to_have_text("Which stage of the roadmap are we in?")
    switch.click()
    expect(widget.locator("textarea")).to_have_attribute("placeholder", "输入您的问题")

    page.keyboard.press("Escape")  # closes the panel, focus back on the launcher
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()
    assert not tab.errors, tab.errors


def test_chinese_question_streams_an_answer_whose_citations_open(new_tab, portal_url: str, live_app: LiveApp) -> None:
    tab = new_tab()
    page = tab.page
    page.goto(portal_url)
    widget = page.locator("[data-resnav=chat]")
    widget.locator(".launcher").click()
    box = widget.locator("textarea")
    box.fill(QUESTION)
    with page.expect_response(lambda r: r.url == f"{live_app.url}/v1/chat") as info:
        box.press("Enter")  # Enter sends
    response = info.value
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["access-control-allow-origin"] == page.evaluate("location.origin")
    assert "access-control-allow-credentials" not in response.headers
    events = _sse(response.text())
    assert [e for e, _ in events][0] == "meta" and events[-1][0] == "done"
    deltas = [json.loads(d)["text"] for e, d in events if e == "delta"]
    reply = json.loads(events[-1][1])
    assert len(deltas) >= 2 and "".join(deltas) == reply["answer"]  # the answer came in pieces
    assert reply["lang"] == "zh" and reply["grounded"] and reply["citations"]

    answer = widget.locator(".msg.bot").last
    expect(answer.locator(".fb")).to_be_visible()
    expect(answer.locator(".bubble")).to_contain_text("3-4 个月")
    expect(widget.locator(".msg.user .bubble")).to_have_text(QUESTION)
    expect(widget.locator("[aria-live=polite]")).to_contain_text("3-4 个月")  # announced to screen readers
    first = reply["citations"][0]
    chip = answer.locator(".bubble .cite").first
    expect(chip).to_have_text(str(first["n"]))
    expect(chip).to_have_attribute("aria-label", f"查看来源 {first['n']}：{first['title']}")
    expect(answer.locator(".srcs .src")).to_have_count(len(reply["citations"]))
    tab.shoot("widget-answer-zh")

    chip.click()
    sheet = widget.locator(".sheet")
    expect(sheet).to_be_visible()
    expect(sheet.locator("blockquote")).to_have_text(first["quote"])
    expect(sheet.locator("h4")).to_have_text(first["title"])
    expect(sheet.locator("dl")).to_contain_text(" › ".join(first["section"]))
    expect(sheet.locator("dl")).to_contain_text(f"{first['source']} [{first['start']}–{first['end']}]")
    tab.shoot("widget-citation")
    page.keyboard.press("Escape")  # closes the source only, focus back on the chip
    expect(sheet).to_be_hidden()
    expect(widget.locator(".panel")).to_be_visible()
    assert "cite" in _shadow_active(page)["cls"]

    # the source chip under the answer opens the same passage
    answer.locator(".srcs .src").first.click()
    expect(sheet.locator("blockquote")).to_have_text(first["quote"])
    sheet.locator(".sh button").click()
    expect(sheet).to_be_hidden()

    # feedback: thumbs down with an issue code
    answer.locator(".fb .th").nth(1).click()
    answer.locator(".fbf select").select_option("wrong_citation")
    answer.locator(".fbf input").fill("引用的段落与问题无关（测试）")
    answer.locator(".fbf button").click()
    expect(answer.locator(".fb [role=status]")).to_have_text("感谢您的反馈！")
    rows = admin_get(live_app, "/v1/admin/feedback")["items"]
    mine = [r for r in rows if r["answer_id"] == reply["answer_id"]]
    assert mine and mine[0]["rating"] == -1 and mine[0]["issue"] == "wrong_citation"
    assert mine[0]["question"] == QUESTION
    assert not tab.errors, tab.errors


EN_QUESTION = "What did UNITAC develop in eThekwini (Durban) to map informal settlements?"


def test_english_question_is_answered_in_english_with_the_original_one_click_away(
    new_tab, portal: Portal, live_app: LiveApp
) -> None:
    tag = widget_tag(widget_src(live_app), live_app.url, lang="en", title="Resilience Navigator", city="Eastlake")
    url = portal.write("widget-en.html", portal_page(scripts=tag))
    tab = new_tab()
    page = tab.page
    page.goto(url)
    widget = page.locator("[data-resnav=chat]")
    widget.locator(".launcher").click()
    box = widget.locator("textarea")
    box.fill(EN_QUESTION)
    with page.expect_response(lambda r: r.url == f"{live_app.url}/v1/chat") as info:
        box.press("Enter")
    reply = json.loads(_sse(info.value.text())[-1][1])
    assert reply["lang"] == "en" and reply["citations"], reply
    first = reply["citations"][0]
    assert first["lang"] == "zh" and first["rendering"]["provenance"] == "curated"

    answer = widget.locator(".msg.bot").last
    expect(answer.locator(".bubble")).to_contain_text(first["rendering"]["text"][:40])
    bubble = answer.locator(".bubble").inner_text()
    han = sum(1 for ch in bubble if "\u4e00" <= ch <= "\u9fff")
    assert han <= 0.1 * sum(1 for ch in bubble if ch.isalpha()), bubble  # English text throughout
    tab.shoot("widget-answer-en")

    answer.locator(".bubble .cite").first.click()
    sheet = widget.locator(".sheet")
    expect(sheet).to_be_visible()
    expect(sheet.locator("blockquote.rend")).to_have_text(first["rendering"]["text"])
    expect(sheet.locator(".prov")).to_contain_text("not an official translation")
    original = sheet.locator("details.orig")
    expect(original.locator("summary")).to_have_text("Original (Chinese)")
    expect(original.locator("blockquote")).to_be_hidden()  # one click away
    tab.shoot("widget-citation-en")
    original.locator("summary").click()
    expect(original.locator("blockquote")).to_have_text(first["quote"])
    expect(original.locator("blockquote")).to_have_attribute("lang", "zh")
    tab.shoot("widget-citation-en-original")
    assert not tab.errors, tab.errors


def test_stage_dialogue_completes_on_a_phone(new_tab, portal_url: str) -> None:
    tab = new_tab(PHONE)
    page = tab.page
    page.goto(portal_url)
    widget = page.locator("[data-resnav=chat]")
    widget.locator(".launcher").click()
    panel_box = widget.locator(".panel").bounding_box()
    assert panel_box is not None and panel_box["width"] == PHONE["width"]  # full width at 375 px
    widget.locator(".sugg button").first.click()  # "我们处于路线图的哪个阶段？"

    progress: list[int] = []
    for turn in range(16):
        expect(widget.locator(".msg.bot")).to_have_count(turn + 1)
        last = widget.locator(".msg.bot").last
        expect(last.locator(".fb")).to_be_visible()
        if last.locator(".result").count():
            break
        card = last.locator(".stage")
        expect(card).to_be_visible()
        bar = card.locator("[role=progressbar]")
        expect(bar).to_have_attribute("aria-valuemax", "15")
        progress.append(int(bar.get_attribute("aria-valuenow") or "-1"))
        expect(card.locator("button")).to_have_text(["是", "否", "不确定"])
        if turn == 1:
            tab.shoot("widget-stage-dialogue")
        if turn >= 1:
            # after a button answer the focus moves to the next question's first button: Enter answers "yes"
            assert _shadow_active(page)["answer"] == "yes"
            page.keyboard.press("Enter")
        else:
            card.locator("button[data-answer=yes]").click()
    else:
        pytest.fail("the stage dialogue did not end")

    assert progress == sorted(progress) and progress[0] == 0 and progress[-1] >= 1, progress
    last = widget.locator(".msg.bot").last
    result = last.locator(".result")
    expect(result.locator(".big")).to_have_text("C")  # every answer "yes": the plan is approved, Stage C
    expect(result).to_contain_text("推进城市实施")
    assert last.get_attribute("data-intent") == "stage"
    cards = last.locator(".recs .card")
    assert cards.count() >= 1
    hrefs = last.evaluate("el => [...el.querySelectorAll('a[href]')].map(a => a.href)")
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)
    # earlier questions cannot be answered again
    assert widget.locator(".stage .opts button:enabled").count() == 0
    result.scroll_into_view_if_needed()
    tab.shoot("widget-stage-result")
    assert not tab.errors, tab.errors
