"""Normalisation for matching: Unicode folding, invisible characters, extraction debris, whitespace."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.normalize import collapse_ws, normalize_for_matching, strip_markup

HAN = "城市韧性规划风险数据服务联合国人居署评估"
MIXED = st.text(alphabet=HAN + '，。！？：；（）ABCxyz0123 \n\t\u3000\u200b\ufeff*<>/[]()#&;="', max_size=200)
DEBRIS = st.sampled_from(
    ["**", "<p>", "</p>", "<li>", "<br>", "<br/>", "[链接](#)", "![图](media/a.png)", "<https://a.org/x>", "\u200b"]
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\ufeff创建\u200b韧性城市", "创建韧性城市"),
        ("提高城市的**风险认知**，并", "提高城市的风险认知,并"),
        ("基于“[创建韧性城市](#)”(MCR)", "基于“创建韧性城市”(MCR)"),
        ("见 [网站](https://unhabitat.org) 。", "见 网站 https://unhabitat.org 。"),
        ("前![image](media/image3.png)后", "前 后"),
        ("<p>创建韧性城市</p> <ul><li>一</li><li>二</li></ul>x<br>y", "创建韧性城市 一 二 x y"),
        (
            "工具：<https://mcr2030.undrr.org/quick-risk-estimation-tool>",
            "工具: https://mcr2030.undrr.org/quick-risk-estimation-tool",
        ),
        ("（全角）ＡＢＣ１２３：", "(全角)ABC123:"),
        ("a\u3000\u00a0b \n\n\t c", "a b c"),
        ("\\(ECLAC\\) &amp; 合作", "(ECLAC) & 合作"),
        ("<b>共计</b>\t<b>270 万美元</b>", "共计 270 万美元"),
    ],
)
def test_normalize_for_matching_examples(raw: str, expected: str) -> None:
    assert normalize_for_matching(raw) == expected


def test_strip_markup_keeps_full_width_characters() -> None:
    assert strip_markup("**战略目标 1：** 提高[认知](#)，。") == "战略目标 1： 提高认知，。"


def test_collapse_ws() -> None:
    assert collapse_ws("  a \n\n b\t\u3000c  ") == "a b c"
    assert collapse_ws("") == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(MIXED, DEBRIS), max_size=12).map("".join))
def test_normalize_properties(text: str) -> None:
    out = normalize_for_matching(text)
    assert normalize_for_matching(out) == out  # idempotent
    assert out == out.strip() and "  " not in out
    assert not re.search(r"[\n\t\u3000\u200b\ufeff]", out)
    assert "**" not in out and "<p>" not in out and "<br>" not in out
    # every Han character survives, in order
    assert [ch for ch in out if ch in HAN] == [ch for ch in text if ch in HAN]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_collapse_ws_properties(text: str) -> None:
    out = collapse_ws(text)
    assert out == collapse_ws(out) and out == out.strip() and "  " not in out
    assert out.replace(" ", "") == "".join(text.split())
