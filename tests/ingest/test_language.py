"""Language identification: Han ratio first, seeded langdetect for long non-Han text, never raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.language import UNDETERMINED, detect_lang, han_ratio, is_chinese
from retriever.language import is_han


def test_han_ratio_counts_han_against_latin_letters() -> None:
    assert han_ratio("") == 0.0
    assert han_ratio("123，。") == 0.0
    assert han_ratio("城市") == 1.0
    assert han_ratio("ab城市") == pytest.approx(0.5)
    assert han_ratio("𠀀x") == pytest.approx(0.5)  # extension B, outside the BMP


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
@settings(max_examples=300, deadline=None)
def test_han_ratio_matches_its_per_character_definition(text: str) -> None:
    # han_ratio counts with regular expressions for speed; is_han and ASCII letters are the definition.
    han = sum(map(is_han, text))
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    assert han_ratio(text) == (han / (han + latin) if han + latin else 0.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MCR2030", "en"),  # langdetect alone says Swahili
        ("CityRAP", "en"),
        ("什么是 MCR2030？", "zh"),
        ("创建韧性城市 2030 (MCR2030)", "zh"),
        ("城市抗灾能力记分卡 <https://mcr2030.undrr.org/disaster-resilience-scorecard-cities>", "zh"),
        ("The Resilient Cities Congress (宜可城) was first held in Bonn in 2010.", "en"),
        (
            "The Resilient Cities Congress, initiated by ICLEI, was the first global forum on urban resilience "
            "and adaptation, held annually in Bonn from 2010 to 2019.",
            "en",
        ),
    ],
)
def test_detect_lang_zh_and_en(text: str, expected: str) -> None:
    assert detect_lang(text) == expected


@pytest.mark.parametrize("text", ["", "   \n\t", "1.1 1.2 2.3", "。，！？", "© -- // 2022"])
def test_text_without_letters_is_undetermined(text: str) -> None:
    assert detect_lang(text) == UNDETERMINED == "und"


def test_clearly_other_long_text_gets_its_own_code() -> None:
    french = (
        "La résilience urbaine désigne la capacité d'une ville à absorber les chocs, à se réorganiser et à "
        "continuer de fonctionner malgré les catastrophes naturelles et les crises économiques."
    )
    assert detect_lang(french) == "fr"
    assert detect_lang("これは日本語の文章です。ひらがなとカタカナが含まれています。") == "ja"


def test_detection_is_deterministic() -> None:
    text = "Resilience roadmap stage assessment for local governments and participating entities. " * 3
    assert {detect_lang(text) for _ in range(5)} == {"en"}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="城市韧性规划风险，。！？：；（）abcXYZ 0123\n\t", max_size=200))
def test_detect_lang_never_raises_and_agrees_with_is_chinese(text: str) -> None:
    lang = detect_lang(text)
    assert isinstance(lang, str) and lang
    assert (lang == "zh") == is_chinese(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_detect_lang_never_raises_on_any_unicode(text: str) -> None:
    assert detect_lang(text)
