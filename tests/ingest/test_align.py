"""Sentence alignment: sentence spans, the halves of a bilingual file, banded DP alignment with 1-2 merges,
insertions and moved blocks, and (integration) the real congress paper with the real embedder."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.align import (
    AlignParams,
    Bead,
    align,
    align_halves,
    embedding_similarity,
    language_halves,
    split_sentences,
)

# -- a toy language pair -------------------------------------------------------------------------------------------
# A "sentence" is a few words w<k>; its "translation" writes the same words as t<k>. The toy embedder maps both
# spellings of a word to one dimension, so a sentence and its translation have cosine 1 and unrelated sentences
# (disjoint words) cosine 0.

DIM = 4000


def toy_embed(texts: list[str]) -> np.ndarray:
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for r, text in enumerate(texts):
        for k in re.findall(r"[wt](\d+)", text):
            out[r, int(k) % DIM] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


def toy_similarity(src: Sequence[str], tgt: Sequence[str]) -> np.ndarray:
    return toy_embed(list(src)) @ toy_embed(list(tgt)).T


def toy_corpus(n: int, seed: int = 0, words: int = 6) -> list[str]:
    """``n`` sentences of distinct words (no word is reused), w-spelled."""
    ids = list(range(1, DIM))
    random.Random(seed).shuffle(ids)
    return [" ".join(f"w{ids[k * words + w]}" for w in range(words)) + "." for k in range(n)]


def translate(sentence: str) -> str:
    return sentence.replace("w", "t")


def pairs(beads: list[Bead]) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
    return {(b.src, b.tgt) for b in beads if b.src and b.tgt}


def assert_covers(beads: list[Bead], n: int, m: int) -> None:
    assert sorted(i for b in beads for i in b.src) == list(range(n))
    assert sorted(j for b in beads for j in b.tgt) == list(range(m))


# -- split_sentences -----------------------------------------------------------------------------------------------


def test_split_sentences_english_and_chinese() -> None:
    text = (
        "Section A.3 raised 2.5 million. See https://example.org/a.b for details. Fig. 1 shows it, e.g. here.\n"
        "C. S. Holling wrote it.^{[5][9]} Next one!\n"
        "韧性城市很重要。我们同意！真的吗？\n"
        "1. Global commitments and frameworks.\n"
        "- a list item\n"
    )
    got = [text[a:b] for a, b in split_sentences(text, 0, len(text))]
    assert got == [
        "Section A.3 raised 2.5 million.",
        "See https://example.org/a.b for details.",
        "Fig. 1 shows it, e.g. here.",
        "C. S. Holling wrote it.^{[5][9]}",
        "Next one!",
        "韧性城市很重要。",
        "我们同意！",
        "真的吗？",
        "1. Global commitments and frameworks.",
        "- a list item",
    ]


def test_split_sentences_offsets_are_trimmed_inside_the_range_and_cover_it() -> None:
    text = "skip me. \n  First part of a sentence cut\n\nby a page break. Second.  \n末句。"
    start = text.index("First")
    spans = split_sentences(text, start, len(text))
    assert [text[a:b] for a, b in spans] == [
        "First part of a sentence cut",
        "by a page break.",
        "Second.",
        "末句。",
    ]
    for a, b in spans:
        assert "\n" not in text[a:b] and text[a:b] == text[a:b].strip()
    covered = "".join(text[a:b] for a, b in spans)
    assert "".join(covered.split()) == "".join(text[start:].split())


def test_split_sentences_empty_range() -> None:
    assert split_sentences("   \n\n ", 0, 7) == []
    assert split_sentences("abc. def.", 4, 4) == []


# -- language_halves -----------------------------------------------------------------------------------------------

EN_PARAS = [
    "Resilient cities absorb shocks and keep their functions. They adapt to change.",
    "The congress gathered mayors, researchers and community organisers from many countries.",
    "Local governments lead the action, with partners in the private sector and civil society.",
    "Finance for resilience remains the main obstacle in developing countries.",
]
ZH_PARAS = [
    "韧性城市能够吸收冲击并维持其功能。它们能够适应变化。",
    "大会汇集了来自许多国家的市长、研究人员和社区组织者。",
    "地方政府引领行动，私营部门和民间社会作为合作伙伴参与其中。",
    "韧性融资仍然是发展中国家的主要障碍。",
]


def test_language_halves_finds_the_switch_either_way() -> None:
    text = "\n\n".join(["Title of the paper", *EN_PARAS, "标题", *ZH_PARAS]) + "\n"
    halves = language_halves(text)
    assert halves is not None
    (a0, a1), (b0, b1) = halves
    assert text[a0:a1].startswith("Title of the paper") and text[a0:a1].endswith("developing countries.")
    assert text[b0:b1].startswith("标题") and text[b0:b1].endswith("主要障碍。")

    reverse = "\n\n".join([*ZH_PARAS, *EN_PARAS])
    halves = language_halves(reverse)
    assert halves is not None
    assert reverse[halves[0][0] : halves[0][1]].endswith("主要障碍。")
    assert reverse[halves[1][0] : halves[1][1]].startswith("Resilient cities")


def test_language_halves_none_without_a_lasting_switch() -> None:
    assert language_halves("\n\n".join(EN_PARAS)) is None
    assert language_halves("\n\n".join(ZH_PARAS)) is None
    assert language_halves("") is None
    # a Chinese name in the middle of an English report is no switch
    assert language_halves("\n\n".join([*EN_PARAS[:2], "宜可城", *EN_PARAS[2:]])) is None
    # alternating languages paragraph by paragraph is no switch either
    assert language_halves("\n\n".join(p for pair in zip(EN_PARAS, ZH_PARAS, strict=True) for p in pair)) is None


# -- align -----------------------------------------------------------------------------------------------------------


def test_align_recovers_merges_a_split_and_an_insertion() -> None:
    src = toy_corpus(8)
    tgt = [translate(s) for s in src]
    six = tgt[6].rstrip(".").split()
    # the translation joins sentences 2 and 3, adds a sentence of its own, and cuts sentence 6 in two
    tgt = [*tgt[:2], tgt[2] + " " + tgt[3], tgt[4], tgt[5], "t3990 t3991 t3992 t3993 t3994 t3995."]
    tgt += [" ".join(six[:3]) + ",", " ".join(six[3:]) + ".", translate(src[7])]
    beads = align(src, tgt, toy_similarity)
    assert_covers(beads, len(src), len(tgt))
    assert pairs(beads) == {
        ((0,), (0,)),
        ((1,), (1,)),
        ((2, 3), (2,)),
        ((4,), (3,)),
        ((5,), (4,)),
        ((6,), (6, 7)),
        ((7,), (8,)),
    }
    assert Bead((), (5,), 0.0) in beads  # the inserted sentence stays alone
    assert all(0.0 <= b.score <= 1.0 for b in beads)
    assert all(b.score == 0.0 for b in beads if not (b.src and b.tgt))


def test_align_one_to_two() -> None:
    src = toy_corpus(5, seed=3)
    tgt = [translate(s) for s in src]
    words = tgt[2].rstrip(".").split()
    tgt[2:3] = [" ".join(words[:3]) + ",", " ".join(words[3:]) + "."]
    assert pairs(align(src, tgt, toy_similarity)) == {
        ((0,), (0,)),
        ((1,), (1,)),
        ((2,), (2, 3)),
        ((3,), (4,)),
        ((4,), (5,)),
    }


def test_align_empty_sides() -> None:
    assert align([], [], toy_similarity) == []
    assert align(["w1 w2."], [], toy_similarity) == [Bead((0,), (), 0.0)]
    assert align([], ["t1.", "t2."], None) == [Bead((), (0,), 0.0), Bead((), (1,), 0.0)]


def test_align_without_similarity_uses_lengths_and_numbers() -> None:
    src = [f"In {1990 + k} the city spent {k * 7 + 3} million on item {k}." + " more" * (k % 4) for k in range(12)]
    tgt = [f"{1990 + k}年，该市在第{k}项上花费了{k * 7 + 3}百万。" + "更多" * (k % 4) for k in range(12)]
    beads = align(src, tgt, None)
    assert pairs(beads) == {((k,), (k,)) for k in range(12)}


def test_align_is_banded_for_long_inputs() -> None:
    n = 600
    src = toy_corpus(n, seed=5, words=4)
    tgt = [translate(s) for s in src]
    for k in (50, 170, 300, 480):  # insertions on the target side
        tgt.insert(k, f"t{3900 + k % 97} t{3800 + k % 89}.")
    requested = 0

    def counting(a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        nonlocal requested
        requested += len(a) * len(b)
        return toy_similarity(a, b)

    params = AlignParams(band=10, max_full_cells=20_000, block=32)
    beads = align(src, tgt, counting, params)
    assert_covers(beads, len(src), len(tgt))
    matched = pairs(beads)
    assert len(matched) == n and all(len(s) == 1 and len(t) == 1 for s, t in matched)
    assert all(tgt[t[0]] == translate(src[s[0]]) for s, t in matched)
    # similarities requested grow with (n + m) * band; a full search would request all 3 x 3 sizes of joined
    # texts for every cell
    assert requested < 60 * (len(src) + len(tgt)) * params.band
    assert requested < 9 * len(src) * len(tgt) / 4


def test_align_recovers_a_block_the_translation_moved() -> None:
    src = toy_corpus(14, seed=7)
    tgt = [translate(s) for s in src]
    block = tgt[3:6]  # a table the translation prints four sentences later
    tgt = tgt[:3] + tgt[6:10] + block + tgt[10:]
    beads = align(src, tgt, toy_similarity)
    assert_covers(beads, len(src), len(tgt))
    assert all(tgt[b.tgt[0]] == translate(src[b.src[0]]) for b in beads if b.src and b.tgt)
    assert len(pairs(beads)) == 14  # the monotone pass leaves the moved block, the recovery pass aligns it
    assert [b.src[0] for b in beads if b.src] == sorted(b.src[0] for b in beads if b.src)


@given(
    n=st.integers(0, 12),
    m=st.integers(0, 12),
    seed=st.integers(0, 10_000),
    with_similarity=st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_align_covers_every_unit_once(n: int, m: int, seed: int, with_similarity: bool) -> None:
    rng = np.random.default_rng(seed)
    src = [f"Sentence {k} with {int(rng.integers(1, 99))} words." * int(rng.integers(1, 4)) for k in range(n)]
    tgt = ["句子" * int(rng.integers(1, 12)) + f"{int(rng.integers(1, 99))}。" for _ in range(m)]

    def noise(a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        return np.random.default_rng(len(a) * 31 + len(b)).uniform(-0.2, 1.0, (len(a), len(b)))

    params = AlignParams(band=3, max_full_cells=30)  # tiny, so the banded passes run too
    beads = align(src, tgt, noise if with_similarity else None, params)
    assert_covers(beads, n, m)
    for b in beads:
        assert list(b.src) == list(range(b.src[0], b.src[0] + len(b.src))) if b.src else True
        assert list(b.tgt) == list(range(b.tgt[0], b.tgt[0] + len(b.tgt))) if b.tgt else True
        assert 0.0 <= b.score <= 1.0


def test_align_halves_returns_offsets_into_the_file() -> None:
    words = toy_corpus(12, seed=11)
    english = [f"Resilient cities plan {s}" for s in words]
    chinese = [f"韧性城市规划{translate(s)[:-1]}。" for s in words]
    chinese[4:6] = [chinese[4][:-1] + "，" + chinese[5]]  # the translation joins two sentences: a 2-1 pair
    text = "\n\n".join(english) + "\n\n" + "\n\n".join(chinese) + "\n"
    got = align_halves(text, toy_embed)
    assert len(got) == 11
    for (a0, a1), (b0, b1), score in got:
        first, second = text[a0:a1], text[b0:b1]
        assert first.startswith("Resilient") and second.startswith("韧性") and second.endswith("。")
        assert re.findall(r"w(\d+)", first) == re.findall(r"t(\d+)", second)
        assert 0.0 <= score <= 1.0
    joined = [text[a0:a1] for (a0, a1), (b0, b1), _ in got if "，" in text[b0:b1]]
    assert joined == [english[4] + "\n\n" + english[5]]  # the span runs from the first sentence to the last
    assert align_halves("\n\n".join(english), toy_embed) == []


def test_embedding_similarity_embeds_each_text_once() -> None:
    seen: list[str] = []

    def embed(texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return toy_embed(texts)

    sim = embedding_similarity(embed)
    m = sim(["w1 w2.", "w3."], ["t1 t2.", "t3."])
    assert m.shape == (2, 2) and m[0, 0] == pytest.approx(1.0) and m[0, 1] == pytest.approx(0.0)
    sim(["w1 w2.^{[4]}"], ["t1 t2."])
    assert seen.count("t1 t2.") == 1
    assert "w1 w2." in seen  # citation superscripts are not embedded
    assert sim([], ["t1."]).shape == (0, 1)


# -- the real congress paper ------------------------------------------------------------------------------------------

# (English, Chinese) substrings checked by hand: each pair must fall in one aligned pair (first half, second half).
CONGRESS_PAIRS = [
    ("School of Management, Technical University of Munich", "德国慕尼黑工业大学管理学院"),
    ("Email: chenna825@hnu.edu.cn", "邮箱：chenna825@hnu.edu.cn"),
    ("KEYWORDS", "关键词"),
    ("were the pioneering annual global platforms", "年度全球论坛"),
    ("They have been instrumental in fostering the growth", "持续推动了全球韧性城市的发展与合作"),
    ("Identification Method of Urban Stock Land Use", "基于多源大数据的城市低效用地的识别方法研究"),
    ("first proposed by ecologist Crawford Stanley Holling", "最早由生态学家克劳福德·斯坦利·霍林提出"),
    ("Unlike the single ultimate equilibrium state", "状态，并以系统从当前状态向另一种状态转换前"),
    ("at home and abroad^[16]", "开始受到国内外学者的广泛关注^[16]"),
    ("include the Sendai Framework for Disaster Risk Reduction", "这一时期形成的全球框架包括"),
    ("1. Global commitments and frameworks for resilient city development.", "图 1. 有关韧性城市发展的全球承诺与框架"),
    ("Infrastructure resilience Critical infrastructure projects", "基础设施韧性 生命线工程"),
    ("Copenhagen, Denmark: a Storm Surge Plan", "丹麦哥本哈根市提出“风暴潮计划”"),
    ("Ulaanbaatar, Mongolia", "蒙古乌兰巴托市"),
    ("3.3 Experience Translation and Adaption", "3.3 经验转化与效仿"),
    ("more than 322 cities from 97 countries", "2023年雄心城市峰会有97个国家、322个城市参与"),
    ("It gathered perspectives on global climate actions", "雄心城市峰会汇集了全球气候行动的相关观点"),
    ("It gathered perspectives on global climate actions", "“城市交流播客”等活动"),
    ("2) Developing circular economy", "减少碳排放，缓解环境压力"),
    ("68% of the population will reside in urban areas by 2050", "到2050年，68%的人口将居住在城市地区"),
    ("2. The international climate conventions and initiatives", "图 2. 近十余年全球韧性城市发展历程"),
    ("For example, by promoting the integration and interactive sharing", "数据的整合与交互共享"),
    ("The experiences and results contributed by the Resilient Cities", "韧性城市系列大会的经验与成果分享"),
]


@pytest.mark.integration
@pytest.mark.slow
def test_congress_paper_aligns_with_the_real_embedder(corpus_dir) -> None:
    from retriever.embedders import make_embedder
    from retriever.settings import EmbedderSettings

    text = (corpus_dir / "resilient-cities-congress-review.en.txt").read_text(encoding="utf-8")
    halves = language_halves(text)
    assert halves is not None
    assert text[halves[1][0] :].startswith("从韧性城市大会到雄心城市峰会")

    got = align_halves(text, make_embedder(EmbedderSettings()).embed_documents)
    sides = [(text[a0:a1], text[b0:b1]) for (a0, a1), (b0, b1), _ in got]
    found = [any(en in first and zh in second for first, second in sides) for en, zh in CONGRESS_PAIRS]
    missed = [pair for pair, ok in zip(CONGRESS_PAIRS, found, strict=True) if not ok]
    assert sum(found) >= 0.9 * len(CONGRESS_PAIRS), missed
    # the references have no translation and stay unaligned
    assert not any("Qiu, B. (2018)" in first or "REFERENCES" in first for first, _ in sides)
    assert len(got) >= 110
