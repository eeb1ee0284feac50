"""Tokenisation: properties over mixed Han/Latin text, Porter vectors, and spot checks on domain terms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retriever.tokenize import (
    STOPWORDS_EN,
    STOPWORDS_ZH,
    add_user_words,
    stem_en,
    tokenize,
    tokenize_en,
    tokenize_zh,
    user_words,
)

_PIECES = st.sampled_from(
    [
        "城市", "韧性", "记分卡", "的", "和", "防灾减灾", "。", "，", "（", "）", "、", "MCR2030", "ISO 37123",
        "CityRAP", "Ｆｕｌｌ", "ｗｉｄｔｈ", "２０３０",
        "The", "cities", "of", "measuring", " ", "\n", "\t", "-", "_", "'s", "İ",
    ]
)  # fmt: skip
MIXED = st.one_of(
    st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=20).map("".join),
    st.text(alphabet=st.characters(categories=["Lo", "Lu", "Ll", "Nd", "Po", "Ps", "Pe", "Zs", "Cc"]), max_size=60),
)
TOKENIZERS = [tokenize_zh, tokenize_en]


@pytest.mark.parametrize("tokenizer", TOKENIZERS)
@settings(max_examples=200, deadline=None)
@given(text=MIXED)
def test_tokens_are_non_empty_lowercase_trimmed_and_not_stopwords(tokenizer, text: str) -> None:
    for token in tokenizer(text):
        assert token
        assert token == token.lower()
        assert token == token.strip()
        assert token not in STOPWORDS_EN
        assert token not in STOPWORDS_ZH


@pytest.mark.parametrize("tokenizer", TOKENIZERS)
@settings(max_examples=100, deadline=None)
@given(text=MIXED)
def test_tokenisation_is_deterministic(tokenizer, text: str) -> None:
    assert tokenizer(text) == tokenizer(text)


@settings(max_examples=100, deadline=None)
@given(text=MIXED)
def test_zh_and_en_share_one_token_space(text: str) -> None:
    assert tokenize_zh(text) == tokenize_en(text)


@settings(max_examples=200, deadline=None)
@given(word=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=15))
def test_stem_never_grows_a_word_by_more_than_one_letter(word: str) -> None:
    stem = stem_en(word)
    assert len(stem) <= len(word) + 1
    assert stem == stem_en(word)


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("caresses", "caress"), ("ponies", "poni"), ("agreed", "agre"), ("hopping", "hop"), ("filing", "file"),
        ("happy", "happi"), ("relational", "relat"), ("vietnamization", "vietnam"), ("sensibiliti", "sensibl"),
        ("formative", "form"), ("adjustment", "adjust"), ("adoption", "adopt"), ("controll", "control"),
        ("generalizations", "gener"), ("mcr2030", "mcr2030"), ("c40", "c40"), ("is", "is"),
    ],
)  # fmt: skip
def test_porter_reference_vectors(word: str, stem: str) -> None:
    assert stem_en(word) == stem


def test_english_spot_check() -> None:
    assert tokenize_en("Cities measuring resilience") == [stem_en("city"), stem_en("measure"), stem_en("resilience")]
    assert tokenize_en("The City of the cities") == ["citi", "citi"]


def test_chinese_spot_checks() -> None:
    assert "记分卡" in tokenize_zh("城市抗灾能力记分卡")
    tokens = tokenize_zh("MCR2030 的城市韧性路线图与 ISO 37123、CityRAP。")
    assert {"mcr2030", "iso", "37123", "cityrap", "韧性", "路线图"} <= set(tokens)
    assert not {"的", "与", "。", "、", " "} & set(tokens)


def test_cjk_inside_english_goes_through_jieba() -> None:
    assert tokenize_en("Where is the 记分卡 for cities?") == ["记分", "记分卡", "citi"]


def test_full_width_forms_are_normalised() -> None:
    assert tokenize_zh("ＭＣＲ２０３０") == ["mcr2030"]


def test_user_words_come_out_whole() -> None:
    add_user_words(["韧性路线图", "城市抗灾能力记分卡", "  ", "ISO"])
    assert {"韧性路线图", "城市抗灾能力记分卡"} <= user_words()
    assert "iso" not in user_words()
    assert "韧性路线图" in tokenize_zh("制定韧性路线图")
    assert add_user_words(["韧性路线图"]) == 0


def test_tokenize_dispatches_on_language() -> None:
    assert tokenize("城市韧性", "zh-CN") == tokenize_zh("城市韧性")
    assert tokenize("Resilient cities", "en") == tokenize_en("Resilient cities")
    with pytest.raises(ValueError):
        tokenize("x", "fr")
