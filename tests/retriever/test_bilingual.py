"""Bilingual lexicon: the curated glossary as data, and both directions over the real glossary and CC-CEDICT."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retriever.bilingual import GLOSSARY_KINDS, Lexicon, load_glossary
from retriever.tokenize import STOPWORDS_EN, add_user_words, tokenize_en, tokenize_zh, user_words

VERBATIM_KINDS = {"area", "section", "service", "tool"}


@pytest.fixture(scope="module")
def glossary_path(knowledge_dir: Path) -> Path:
    return knowledge_dir / "glossary.tsv"


@pytest.fixture(scope="module")
def lexicon(glossary_path: Path) -> Lexicon:
    lexicon = Lexicon.load(glossary_path)
    add_user_words(lexicon.zh_terms)
    return lexicon


@pytest.fixture(scope="module")
def corpus_text(corpus_dir: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(corpus_dir.glob("*.txt")))


# --- the glossary file ----------------------------------------------------------------------------------------------


def test_glossary_rows_are_complete_and_sized(glossary_path: Path) -> None:
    entries = load_glossary(glossary_path)
    assert 400 <= len(entries) <= 800
    kinds = collections.Counter(e.kind for e in entries)
    assert set(kinds) <= GLOSSARY_KINDS
    assert kinds["stage"] == 3
    assert kinds["area"] == 12  # the twelve MCR2030 thematic areas
    assert kinds["section"] == 11  # catalogue sections A-K
    for entry in entries:
        assert entry.zh and all(entry.zh)
        assert entry.en and all(v == v.lower() for v in entry.en)


def test_glossary_has_no_duplicate_chinese_term(glossary_path: Path) -> None:
    variants = [zh for entry in load_glossary(glossary_path) for zh in entry.zh]
    duplicates = [zh for zh, n in collections.Counter(variants).items() if n > 1]
    assert duplicates == []


def test_document_terms_are_worded_as_in_the_corpus(glossary_path: Path, corpus_text: str) -> None:
    missing = [
        (entry.kind, zh)
        for entry in load_glossary(glossary_path)
        if entry.kind in VERBATIM_KINDS
        for zh in entry.zh
        if zh not in corpus_text
    ]
    assert missing == []


def test_malformed_glossary_is_rejected(tmp_path: Path) -> None:
    bad_header = tmp_path / "a.tsv"
    bad_header.write_text("zh\ten\n韧性\tresilience\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        load_glossary(bad_header)
    bad_kind = tmp_path / "b.tsv"
    bad_kind.write_text("zh\ten\tkind\n韧性\tresilience\tnonsense\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.tsv:2"):
        load_glossary(bad_kind)


def test_zh_terms_are_han_words_for_jieba(lexicon: Lexicon) -> None:
    terms = lexicon.zh_terms
    assert "记分卡" in terms and "韧性路线图" in terms and "创建韧性城市" in terms  # the last from "创建韧性城市 2030"
    assert all(len(t) >= 2 and t.isalpha() and not t.isascii() for t in terms)
    assert len(terms) == len(set(terms))
    assert set(terms) <= user_words()


def test_a_chinese_term_s_variants_are_its_entry_s(lexicon: Lexicon) -> None:
    """The documents name the Sendai Framework three ways; the short name a reader uses gives all of them."""
    variants = lexicon.zh_variants("仙台框架")
    assert {"仙台框架", "仙台防灾减灾框架", "仙台减少灾害风险框架"} <= set(variants)
    assert lexicon.zh_variants("仙台防灾减灾框架") == variants
    assert lexicon.zh_variants("不是术语") == ()


@pytest.mark.parametrize(
    ("text", "lang", "forms"),
    [
        ("What is SURGe?", "en", ("为下一代打造可持续的城市韧性",)),
        ("SURGe 倡议是谁发起的？", "zh", ("sustainable urban resilience for the next generation",)),
        ("What is the Building Efficiency Accelerator?", "en", ("建筑效率加速器",)),
        ("建筑效率加速器是什么？", "zh", ("building efficiency accelerator",)),
        ("MetroHUB 是什么？", "zh", ()),  # written alike in both languages: nothing new to add
        ("What should a coastal city do about storm surge?", "en", ()),  # a hazard, not the SURGe programme
        ("What is a resilience strategy?", "en", ()),  # names nothing
    ],
)
def test_a_name_s_form_in_the_other_language(lexicon: Lexicon, text: str, lang: str, forms: tuple[str, ...]) -> None:
    assert lexicon.other_name_forms(text, lang) == forms


def test_the_words_a_question_asks_besides_the_names_it_writes(lexicon: Lexicon) -> None:
    assert lexicon.words_besides_names("What is the Building Efficiency Accelerator?", "en") == []
    assert lexicon.words_besides_names("SURGe 倡议是谁发起的？", "zh") == ["倡议", "谁", "发起"]
    assert len(lexicon.words_besides_names("How do I apply for a job at the SDG Cities programme?", "en")) == 3


# --- English -> Chinese ---------------------------------------------------------------------------------------------


def test_scorecard_query_puts_the_scorecard_first(lexicon: Lexicon) -> None:
    terms = dict(lexicon.en_to_zh("disaster resilience scorecard"))
    assert "记分卡" in terms
    assert terms["记分卡"] == max(terms.values())


def test_vocabulary_filters_terms_that_cannot_match(lexicon: Lexicon) -> None:
    everything = lexicon.en_to_zh("disaster resilience scorecard")
    assert lexicon.en_to_zh("disaster resilience scorecard", vocabulary={"记分卡", "absent"}) == [
        (t, w) for t, w in everything if t == "记分卡"
    ]
    assert lexicon.en_to_zh("disaster resilience scorecard", vocabulary=set()) == []


def test_glossary_phrases_keep_their_stop_words(lexicon: Lexicon) -> None:
    stage_a = dict(lexicon.en_to_zh("What happens in stage A?"))
    assert "推进城市认知" in stage_a
    assert "她的城市" not in dict(lexicon.en_to_zh("resilient city"))  # "her city" is not "city"
    assert "她的城市" in dict(lexicon.en_to_zh("the Her City toolbox"))


def test_money_is_the_documents_funding(lexicon: Lexicon) -> None:
    """Officials ask for "money"; the documents write 资金 (funding): "Does MCR2030 give money to cities?" met
    "联系资金流和创新融资工具" only in Chinese before "money" joined the glossary's 资金."""
    assert dict(lexicon.en_to_zh("Does MCR2030 give money to cities?")).get("资金") == 1.0


def test_words_outside_the_glossary_go_through_cedict(lexicon: Lexicon) -> None:
    terms = dict(lexicon.en_to_zh("coastal"))
    assert "沿海" in terms
    assert sum(w for t, w in terms.items() if t != "coastal") <= 1.0  # candidates share one budget
    assert terms["coastal"] < terms["沿海"] + 1  # the English token itself is kept for acronyms and names


def test_chinese_and_latin_inside_an_english_query_pass_through(lexicon: Lexicon) -> None:
    terms = dict(lexicon.en_to_zh("What does 仪表盘 show in MCR2030?"))
    assert terms["仪表盘"] == 1.0
    assert "mcr2030" in terms


def test_without_cedict_only_the_glossary_translates(glossary_path: Path) -> None:
    lexicon = Lexicon.load(glossary_path, cedict=False)
    assert dict(lexicon.en_to_zh("coastal")) == {"coastal": pytest.approx(0.3)}
    assert "记分卡" in dict(lexicon.en_to_zh("scorecard"))
    assert lexicon.zh_to_en("沿海") == []


_QUERY_WORDS = (
    "the a of resilience city cities scorecard stage A B roadmap slum upgrading flood early warning MCR2030 "
    "UN-Habitat financing coastal measure how can 城市 韧性 ISO 37123 zzzq unknownword"
)
WORDS = st.sampled_from(_QUERY_WORDS.split())


@settings(max_examples=60, deadline=None)
@given(words=st.lists(WORDS, max_size=8))
def test_en_to_zh_output_is_ranked_unique_and_index_shaped(lexicon: Lexicon, words: list[str]) -> None:
    query = " ".join(words)
    terms = lexicon.en_to_zh(query)
    assert terms == lexicon.en_to_zh(query)
    tokens = [t for t, _ in terms]
    assert len(tokens) == len(set(tokens))
    weights = [w for _, w in terms]
    assert weights == sorted(weights, reverse=True)
    assert all(0 < w <= 1 for w in weights)
    for token in tokens:
        assert token in tokenize_zh(token)  # a token as the jieba index holds it
        assert token not in STOPWORDS_EN


# --- Chinese -> English ---------------------------------------------------------------------------------------------


def test_scorecard_is_glossed(lexicon: Lexicon) -> None:
    assert "scorecard" in lexicon.zh_to_en("城市抗灾能力记分卡")


def test_glossary_phrases_are_found_across_spacing(lexicon: Lexicon) -> None:
    for text in ("获得 ISO 37123 认证", "获得ISO37123认证"):
        assert {"iso", "37123"} <= set(lexicon.zh_to_en(text))


def test_cedict_glosses_words_outside_the_glossary(lexicon: Lexicon) -> None:
    assert "coastal" in lexicon.zh_to_en("沿海城市")


def test_latin_tokens_are_kept_and_frequency_follows_the_text(lexicon: Lexicon) -> None:
    tokens = lexicon.zh_to_en("在 MCR2030 仪表盘上注册。MCR2030 仪表盘是在线工具。")
    assert tokens.count("dashboard") == 2
    assert "mcr2030" in tokens
    unique = lexicon.zh_to_en("在 MCR2030 仪表盘上注册。MCR2030 仪表盘是在线工具。", unique=True)
    assert len(unique) == len(set(unique)) and set(unique) == set(tokens)


def test_search_mode_pieces_of_a_glossed_word_are_not_glossed_again(lexicon: Lexicon) -> None:
    # 路线图 (route map, roadmap) is cut with its pieces 路线 (itinerary) and 线图 (line drawing).
    tokens = lexicon.zh_to_en("路线图")
    assert "roadmap" in tokens
    assert not {"itinerari", "line", "diagram"} & set(tokens)


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet="城市韧性记分卡路线图防灾减灾的和与 ，。MCR2030ISO37123abc\n", max_size=60))
def test_zh_to_en_tokens_are_english_index_tokens(lexicon: Lexicon, text: str) -> None:
    tokens = lexicon.zh_to_en(text)
    assert tokens == lexicon.zh_to_en(text)
    for token in tokens:
        assert token and token == token.lower() and token.strip() == token
        assert token not in STOPWORDS_EN


def test_zh_to_en_runs_over_the_whole_corpus(lexicon: Lexicon, corpus_dir: Path) -> None:
    text = (corpus_dir / "mcr2030-overview.zh.txt").read_text(encoding="utf-8")
    tokens = lexicon.zh_to_en(text, unique=True)
    assert {"resili", "roadmap", "dashboard", "scorecard", "undrr"} <= set(tokens)


# --- proper names ---------------------------------------------------------------------------------------------------


def test_a_name_is_one_thing_in_either_language(lexicon: Lexicon) -> None:
    zh = "有多少城市加入了“可持续发展目标城市”旗舰项目？"
    en = "How many cities have joined the SDG Cities flagship?"
    assert lexicon.names(zh) & lexicon.names(en)  # the programme, named in each language
    (start, end, name), *_ = lexicon.name_spans(zh)
    assert zh[start:end] == "可持续发展目标城市" and name in lexicon.names(en)
    tokens = tokenize_en(en, keep_stopwords=True)
    phrases = lexicon.name_phrases(en)
    assert phrases[0][0] == name and tokens[phrases[0][1] : phrases[0][2]][:2] == ["sdg", "citi"]
    # an acronym the glossary lists names it too, and words of no name name nothing
    assert lexicon.names("What is SURGe?") == lexicon.names("为下一代打造可持续的城市韧性")
    assert not lexicon.names("城市的发展目标") and not lexicon.name_spans("城市的发展目标")
