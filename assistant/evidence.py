"""Answer-sentence selection: which sentences of the retrieved passages answer the question.

A question asks for a kind of fact (:func:`question_type`, from its words in either language): a quantity, a
duration, a date, a place, an organisation, a list, a definition, a procedure, or yes/no. Every sentence of the
top passages is a candidate *unit*: for a document with a rendering, the rendering's segments (so the unit's
English is known exactly); otherwise the sentences of the passage. A unit is scored on

- ``coverage``: the question's content terms it holds, weighted by how rare each term is among the candidates
  (in the question's language and across languages: each term carries its translations from the bilingual
  lexicon; a unit's tokens are its original and its rendering); the passage heading, and the sentence before
  the unit in its passage, count at half weight;
- ``kind``: whether it holds what the question asks for (a number, a duration, a date, an organisation, a place,
  list items, a definition);
- ``rank``: the passage's rank in retrieval; ``lang``: the unit is in the asker's language (a bilingual file
  answers from the asker's half);
- ``stage``: for a question about a roadmap stage or step ("C 阶段", "from Stage A to B"), the unit names that
  stage or step and no other (the letters are lost to every tokenizer, so "A 阶段城市应做出的承诺" and "C 阶段城市应做出
  的承诺" are otherwise the same sentence).

Whether there is evidence at all is decided by :class:`Abstention` (the best unit's score and the passages'
dense similarity); the other units follow the best one when they score close to it, two or three in all (for a
list question, up to four consecutive items after the best one, and then the two next best), shown in document
order. The weights are in :class:`Weights`;
`docs/eval/answers.md` has what each part gained or lost on the held-out questions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Literal

from ingest.chunking import detect_headings
from retriever.bilingual import GLOSSARY_KINDS, Lexicon
from retriever.language import HAN_CLASS, has_han, script_lang, simplified
from retriever.sentences import broken_by_page_break, broken_han_sentence, split_sentences
from retriever.tokenize import STOPWORDS_EN, tokenize_en, tokenize_zh
from retriever.types import Chunk, Hit, Rendering

__all__ = [
    "ROADMAP_SAID",
    "QuestionType",
    "Unit",
    "Weights",
    "expansion",
    "for_each_part",
    "lettered_stages",
    "with_step",
    "question_parts",
    "question_terms",
    "question_type",
    "select_units",
]

QuestionType = Literal[
    "expansion",
    "quantity",
    "duration",
    "date",
    "place",
    "organisation",
    "list",
    "reason",
    "definition",
    "procedure",
    "yesno",
    "other",
]

_I = re.IGNORECASE
# What an abbreviation stands for ("What does CRPT stand for?", "GCC 是什么的缩写？", "MCR2030 的全称是什么？"): asked
# of the abbreviation, which a sentence answers by spelling it out beside it ("城市韧性分析工具 (CRPT)", "Making
# Cities Resilient 2030 (MCR2030)", "（简称 MCR2030）"). Tried before every other type: "what does … stand for" is no
# definition and "是什么的缩写" no "what is".
_ABBR = r"[\"“「《]?((?-i:[A-Za-z][A-Za-z0-9&./-]*[A-Z][A-Za-z0-9&./-]*))[\"”」》]?"
_EXPANSION_ASK = re.compile(
    r"\bwhat (?:does|do|did) (?:the )?(?:abbreviation |acronym )?" + _ABBR + r" (?:stand|stands) for\b|"
    r"\b" + _ABBR + r" (?:stands|is short) for what\b|\bwhat is " + _ABBR + r" short for\b|"
    r"\bwhat (?:is|are) (?:the )?(?:full (?:name|form|title)|expansion|long form|meaning) of (?:the )?"
    r"(?:abbreviation |acronym )?"
    + _ABBR
    + r"|\bwhat is "
    + _ABBR
    + r" an? (?:abbreviation|acronym) (?:of|for)\b|"
    + _ABBR
    + r"\s*(?:的)?(?:英文|中文)?(?:全称|全名)|"
    + _ABBR
    + r"\s*是(?:什么|哪几个(?:英文)?(?:词|单词))的(?:缩写|简称)|"
    + _ABBR
    + r"\s*(?:这个)?(?:缩写|简称)(?:是什么意思|指的是什么|代表什么|是什么)|"
    + _ABBR
    + r"\s*代表什么",
    _I,
)
# The question's words for asking it, which no answer sentence holds: not content terms.
_EXPANSION_WORDS = re.compile(
    r"\b(?:stands?|short) for\b|\bfull (?:name|form|title)\b|\b(?:abbreviation|acronym|expansion|long form)\b|"
    r"全称|全名|缩写|简称|代表什么",
    _I,
)
# Question types, in the order they are tried: the first that matches names the question. Both languages.
_NUMERAL = r"(?:[一二三四五六七八九十两几]+|\d{1,2})"
_EN_NUMBER = r"(?:two|three|four|five|six|seven|eight|nine|ten|twelve|\d{1,2}|several|main|key)"
_TYPES: tuple[tuple[QuestionType, re.Pattern[str]], ...] = (
    ("expansion", _EXPANSION_ASK),
    (
        # a list named by its size or asked item by item ("哪几个阶段", "the four tracks"), before "how many"
        "list",
        re.compile(
            r"哪几|分别是|有哪些|包括哪些|包含哪些|涵盖哪些|哪" + _NUMERAL + r"\s*(?:个|项|种|类|大|条|步|点|方面)|"
            r"\bwhat are the " + _EN_NUMBER + r"\b|\bwhich " + _EN_NUMBER + r" \w+|\b(?:list|name) the\b",
            _I,
        ),
    ),
    (
        "duration",
        re.compile(
            r"\bhow long\b|\bfor how many (?:months|years|weeks|days)\b|\bduration\b|多久|多长时间|多长|几个月|"
            r"几年|几周|几天|需要多少时间|期限|历时",
            _I,
        ),
    ),
    (
        "date",
        re.compile(
            # "when" asks only where it opens a question ("When did…", "…, and when was it…"); "when signing up"
            # and "when a city joins" are clauses of another question
            r"^\s*when\b|\bwhen(?=\s+(?:did|does|do|was|were|is|are|will|has|have|had|can|could|should|would|must)\b)|"
            r"\bsince when\b|\bwhat (?:years?|date|day|month)\b|\bin which years?\b|\bwhich years?\b|"
            r"什么时候|何时|哪一年|哪年|哪天|哪一天|日期|几月|何日|从何时",
            _I,
        ),
    ),
    (
        "quantity",
        re.compile(
            r"\bhow (?:many|much)\b|\bnumber of\b|\bwhat (?:percentage|share|proportion|amount)\b|\bcosts?\b|"
            r"多少|几个|几项|几种|几类|几座|几名|数量|比例|百分之|费用|金额",
            _I,
        ),
    ),
    (
        "organisation",
        re.compile(
            r"\bwho\b|\bwhom\b|\bwhich (?:organi[sz]ation|agency|office|body|partner|institution|entity|entities|"
            r"organi[sz]ations|agencies|partners|institutions|department|universit(?:y|ies)|ministry|ministries|"
            r"compan(?:y|ies)|firms?)\b|\bwith whom\b|谁|哪个机构|哪些机构|"
            r"哪个组织|哪些组织|哪家|哪个部门|哪个办公室|哪些伙伴|哪些合作伙伴|哪个单位|由哪|与哪|哪所|哪些大学|哪个部委",
            _I,
        ),
    ),
    (
        "place",
        re.compile(
            r"\bwhere\b|\bwhich (?:cities|city|countries|country|regions?|places?|locations?)\b|\bin what (?:city|"
            r"country)\b|哪里|哪儿|在哪|哪些城市|哪个城市|哪座城市|哪些国家|哪个国家|哪些地区|哪个地区|哪些地方",
            _I,
        ),
    ),
    (
        "list",
        re.compile(
            r"\bwhat are (?:the )?(?:\w+ )?(?:\w+ )?(?:tracks|steps|criteria|components|pillars|areas|stages|"
            r"elements|principles|priorities|dimensions|types|phases|goals|objectives|modules|tools|services)\b|"
            # "which"/"what" with a plural noun and its verb ("What commitments must a Stage C city make?", "Which
            # documents are needed?"), as 哪些 asks; not of the asker ("What skills do we need?" states a need)
            r"\b(?:what|which)\s+(?:\w+\s+)?(?!(?:does|is|was|has|this|its|us|his|hers)\b)\w{3,}s\s+(?:must|should|"
            r"do|does|did|is|are|was|were|will|can|could|would|has|have|had|need)\s+(?!(?:we|i|you|our|my)\b)|"
            r"\bwhich (?:are|were) the\b|\blist\b|\bname the\b|\bwhat (?:\w+ ){0,3}(?:does it|do they) (?:include|"
            r"cover|comprise|measure)\b|\bwhat (?:are|were)\b|分别是|有哪些|包括哪些|包含哪些|哪几|哪些|列出|"
            r"涵盖哪些|包括什么|包含什么|标准是",
            _I,
        ),
    ),
    (
        "reason",
        re.compile(
            r"\bwhy\b|\bfor what (?:reason|purpose)\b|\bto what end\b|为什么|为何|什么原因|原因是|目的是什么", _I
        ),
    ),
    (
        "procedure",
        re.compile(r"\bhow (?:do|does|can|could|should|to)\b|\bsteps?\b|\bprocess\b|怎么|怎样|如何|步骤|流程|程序", _I),
    ),
    (
        "definition",
        re.compile(
            r"\bwhat (?:is|was|does)\b|\bwhat's\b|\bdefin|\bmeaning of\b|\bwhy\b|"
            r"什么是|是什么|指什么|含义|定义|为什么|目的",
            _I,
        ),
    ),
    (
        "yesno",
        re.compile(
            r"^(?:is|are|does|do|can|could|was|were|has|have|will|should)\b|是否|能否|有没有|可不可以|吗[？?]?$", _I
        ),
    ),
)

# What a unit must hold to answer each type (tested on the original and on its rendering).
# The measure words that follow a Chinese count ("十次活动", "40 多场", "三项"), for what a sentence holds and for
# what a "多少 X" question counts.
_CLASSIFIERS = "个|座|名|位|项|场|次|家|所|条|种|类|户|间|份|套|届|笔|片|处"
_ZH_DIGITS = "一二两三四五六七八九十百千万亿"
_NUM_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million|billion"
_HAS: dict[str, re.Pattern[str]] = {
    "quantity": re.compile(
        # 一个/一项 alone is the article "a", not a count, and 第十一届 is a place in a series
        r"\d|(?<![" + _ZH_DIGITS + r"第])(?!一\s*(?:" + _CLASSIFIERS + r"))[" + _ZH_DIGITS + r"]+\s*"
        r"(?:" + _CLASSIFIERS + r"|[%％])|percent|"
        r"per cent|\b(?:" + _NUM_WORDS + r")\b",
        _I,
    ),
    "duration": re.compile(
        r"(?<!\d)\d{1,3}\s*(?:-\s*\d{1,3}\s*)?(?:个)?(?:月|周|星期|天|日|年)|[一二两三四五六七八九十]+\s*(?:个)?(?:月|周|星期|天|年)|"
        r"提供支持的时间|期限|为期|timeframe|duration|\bperiod\b|"
        r"\b\d+\s*(?:-|to|–)?\s*\d*\s*(?:months?|weeks?|days?|years?)\b|"
        r"\b(?:" + _NUM_WORDS + r")\b[- ](?:months?|weeks?|days?|years?)",
        _I,
    ),
    "date": re.compile(
        r"(?:19|20)\d\d|\d{1,2}\s*月|\b(?:january|february|march|april|may|june|july|august|september|october|"
        r"november|december)\b",
        _I,
    ),
    "organisation": re.compile(
        r"署|组织|机构|办公室|银行|基金|大学|委员会|联盟|协会|研究所|部|中心|政府|联合国|\b(?:UN|UNDRR|UNDP|UNICEF|UNEP|"
        r"WHO|IFRC|ICLEI|GETI|Office|Agency|Organi[sz]ation|Bank|Programme|Foundation|University|Alliance|Council|"
        r"Institute|Ministry|Centre|Center|Network|Partnership|Government)\b|\b[A-Z]{3,}\b|[\w.-]+@[\w-]+\.\w"
    ),
    "place": re.compile(
        f"[{HAN_CLASS}]"
        r"{1,6}(?:市|国|省|州|岛|县|区|城)|非洲|亚洲|欧洲|美洲|拉丁美洲|阿拉伯|太平洋|"
        r"\b(?:city|cities|country|countries|region|Africa|Asia|Europe|Americas|Latin America|Pacific|Arab)\b|"
        r"\b[A-Z][a-z]+(?:,\s*[A-Z][a-z]+)+",
        _I,
    ),
    "list": re.compile(
        r"^\s*(?:[-•·▪*]|\d{1,2}[.)、]|[（(]?[一二三四五六七八九十a-h][）)、.])|、.+、|;.+;|；.+；|"
        r"\b(?:first|second|third)\b|第一|第二|其一",
        _I,
    ),
    "procedure": re.compile(
        r"^\s*(?:[-•·▪*]|\d{1,2}[.)、])|首先|然后|其次|最后|步骤|阶段|\b(?:first|then|next|finally|step|phase)\b", _I
    ),
    "reason": re.compile(
        r"因为|由于|所以|因此|为了|以便|以免|避免|旨在|目的|\bbecause\b|\bsince\b|\bdue to\b|\bso that\b|"
        r"\bin order to\b|\bto avoid\b|\baims? to\b|\bpurpose\b",
        _I,
    ),
    "definition": re.compile(
        r"是指|指的是|是一个|是一种|是一项|旨在|目的是|目标是|\bis an?\b|\bis the\b|\brefers to\b|\baims? to\b|"
        r"\bdesigned to\b|\bpurpose\b",
        _I,
    ),
}

# Words of questions that are not content (what the asker wants, not what the answer mentions).
_QUESTION_WORDS_ZH = frozenset(
    [
        "什么",
        "哪些",
        "哪个",
        "哪里",
        "多少",
        "怎么",
        "怎样",
        "如何",
        "是否",
        "能否",
        "为什么",
        "请问",
        "告诉",
        "介绍",
        "一下",
        "分别",
        "哪几",
        "几个",
        "什么样",
        "有没有",
        "可以",
        "需要",
        "应该",
        "我们",
        "我",
        "你",
        "您",
        "他们",
        "它",
        "这个",
        "那个",
        "的",
        "了",
        "吗",
        "呢",
        "是",
        "有",
        "在",
        "和",
        "与",
        "及",
    ]
)
_HOW_LONG_ZH = re.compile(r"多长|多久")
_QUESTION_WORDS_EN = frozenset(
    [
        "what",
        "which",
        "how",
        "when",
        "where",
        "who",
        "whom",
        "whi",
        "doe",
        "tell",
        "can",
        "could",
        "would",
        "should",
        "need",
        "want",
        "know",
        "explain",
        "describ",
        "list",
        "give",
        "long",
        "take",
        "much",
        "mani",
        "mean",
        "get",
        "find",
        "use",
        "name",
        "kind",
        "sort",
        "type",
        "main",
        "key",
        "plai",  # "what role does it play"
        # indefinite words ("who else can sign up?", "is there anything like it?"), as tokenize_en stems them: no
        # content (the glossary read "else" as the "El" of El Salvador)
        "els",
        "anyon",
        "anyth",
        "anybodi",
        "someon",
        "someth",
        "somebodi",
        "everyon",
        "everyth",
        "everybodi",
    ]
)
# Words for the source itself and for telling about it ("what does the paper say", "文中提到"): never what the
# answer sentence says, so they are not content terms of a question.
_SOURCE_WORDS = frozenset(
    ["文中", "本文", "该文", "文章", "文件", "所说", "提到", "指出", "根据"]
    + ["paper", "articl", "studi", "author", "document", "defin", "describ", "accord", "sai", "mention"]
)
# The source asked about, named as one ("according to the review", "what lessons does this review draw"): how it
# is asked, like "the paper" (a review is content only when not the document: "a peer review tool")
_THE_SOURCE_EN = re.compile(r"\b(?:the|this|that) (?:review|report|publication)\b", re.IGNORECASE)
MIN_UNIT_CHARS = 8
LIST_UNITS = 5  # units an answer to a list question may show: the best and the items after it
# A sentence that announces a list ("…以下五方面。", "as follows:"): the items after it are the answer.
_ANNOUNCES = re.compile(r"[:：]\s*$|以下|如下|下列|\bfollowing\b|\bas follows\b", _I)
# A list item by its form: a bullet or an enumeration mark at its start ("- 非洲：…", "(b) …", "（二）…", "3) …").
_ITEM = re.compile(
    r"^\s*(?:(?:以及|及|和|或|and|or)\s*)?"
    r"(?:[-•·▪*]\s|[(（]?(?:[ivx]{1,4}|[a-h]|\d{1,2}|[一二三四五六七八九十]{1,2})[)）]|\d{1,2}[.、]\s*\D)",
    _I,
)
# A sentence that opens an inline enumeration after a colon and stops at its first item ("…五个关键维度…：(i) 获得
# 适足的住房和基本服务；"): the sentence splitter cut the list at the semicolon, and the items after it are the rest.
_OPENS_LIST = re.compile(r"[:：]\s*[(（](?:i|a|1|一)[)）][^:：。.!?！？]*[;；,，]\s*$", _I)


@dataclass(frozen=True, slots=True)
class Weights:
    """The scorer's weights. ``kind``: a unit that holds what the question asks for; ``rank``: per place of its
    passage in retrieval (subtracted); ``lang``: a unit shown in the asker's language, its own text or its
    rendering (until session 13 only its own text: an English sentence of the paper then outranked the rendered
    sentence of the MCR2030 overview that held the answer; no tuning question moved; over the report sets three
    quotes and three passages gained, one passage lost, docs/eval/answers.md); ``heading``: a term found
    only in the passage heading, relative to one in the unit; ``follow``: how close to the best score another
    unit must come to be shown with it; ``stage``: a unit naming only the roadmap stage or step the question asks
    about (0.1, chosen on the tuning questions: 0.1-0.2 tie at +1 question there, 0.3 and up lose);
    ``stage_other``: subtracted from a unit naming only other stages (0.2: 0 to 0.3 tie on the tuning questions;
    without it "C 阶段城市要做出哪些承诺" was answered with the A and B lists as well); ``context``: a term found
    only in the sentence before the unit in its passage (0.5: a sentence's subject is often named in the one before
    it, "CityRAP … 。该工具…"; chosen on the 150 tuning questions in a grid with kind, heading and rank, 0.4-0.6
    tie; the sentence after gained nothing); ``counted``: a unit that counts what a "how many X" question counts
    (``counted``: "4347 座城市" for "多少座城市"), on top of ``kind`` (session 13, on the 190 tuning questions: 0.1
    +1 question, 0.2-0.5 +2, so 0.2; docs/eval/answers.md); ``first_passage``: when no sentence shown comes from
    the passage retrieval ranks first, its best sentence is shown too (session 13: +2 tuning questions, and no
    report set lost one); ``asked``: a unit inside the answer span of a curated question near the user's (one of
    the ``ASKED_SPANS`` nearest, ``SearchResult.asked_spans``) gains ``asked`` x (its cosine − ``asked_floor``)
    (session 19, ``python -m eval.questions_study --part sentences``: grid 0.1-3 x 0-0.7 on the 308 tuning
    questions, 5-fold cross-validation 279 quoting their anchor against 270 without, four folds of five choosing
    1.5 / 0.5; 1.5 / 0.5 and 1.5 / 0.55 best on all of them, 281, the lower floor kept; docs/eval/answers.md);
    ``numbered`` / ``numbered_other``: added to a unit about only the numbered thing the question asks about ("model
    2": its text, else the heading line over it in its passage, names "模式 2"), subtracted from one about only others
    of its label (``numbered``; session 29: the values of ``stage`` / ``stage_other``, not tuned; no item of ``resnav
    eval`` moved, and 2 of the 1,042 single questions of eval/datasets/qa changed their reply, both from another
    model's text to the asked one's)."""

    kind: float = 0.25
    rank: float = 0.03
    lang: float = 0.3
    heading: float = 0.5
    follow: float = 0.7
    stage: float = 0.1
    stage_other: float = 0.2
    context: float = 0.5
    counted: float = 0.2
    numbered: float = 0.1
    numbered_other: float = 0.2
    first_passage: bool = True
    asked: float = 1.5
    asked_floor: float = 0.5


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Abstention:
    """When the passages hold no answer: the evidence ``coverage of the best-covered unit shown + dense * the best
    dense cosine of any passage to the question - unknown * share of the question's terms found nowhere in the
    index + asked * (the nearest curated question's cosine - asked_neutral)`` is below ``threshold``. Chosen by
    5-fold cross-validation on the tuning splits of the question sets against the tuning split of the out-of-scope
    set: refusals of answerable questions at most 3%, then as many out-of-scope questions declined as possible
    (docs/eval/answers.md). Until session 13 the coverage was the
    best-scored unit's: a unit that wins on the kind of fact it holds (a count, a date) can cover less of the
    question than one shown beside it, and the answer was then refused (same out-of-scope declines, 64 questions)."""

    dense: float = 4.0
    unknown: float = 0.75
    threshold: float = 1.5
    # Evidence that clears ``threshold`` but not ``hedge`` is shown under an intro saying the documents may not
    # answer the question directly. Session 18, on the tuning questions: the highest value that puts the intro on at
    # most 5% of the answers that quote their gold anchor. 1.7 puts it on 4.7% of those (12/253), 8.6% of those that
    # do not (3/35) and 14% of the answers given to out-of-scope questions (4/29); held out: 3.2% (12/380), 8.7%
    # (9/104) and 3 of 11; the development set: 2 of 50, both quoting their anchor. A weak signal, but an honest one:
    # a hedged answer is wrong about twice as often as one that is not.
    hedge: float = 1.7
    # Session 19: how close the question comes to a question the team wrote for a retrieved passage
    # (``SearchResult.asked_best``, the nearest curated question's cosine) adds ``asked`` x (that - ``asked_neutral``):
    # answerable questions sit near one (median 0.73 on the tuning questions), out-of-scope ones do not (0.52 near-
    # domain, 0.46 held out). Chosen like the rest, on the tuning splits with refusals at most 3%: 5-fold
    # cross-validation declined 51 of 82 tuning out-of-scope questions against 36 for the threshold alone, refusing
    # 10 of 308 answerable ones against 9 (two folds of five chose 5.0 / 0.61, three 3.0 / 0.57; 5.0 / 0.61 is best
    # on all tuning questions). Without curated questions for every retrieved passage's document (a document
    # added without them) the term is left out, and the rule is the one before.
    asked: float = 5.0
    asked_neutral: float = 0.61

    def strength(
        self, units: Sequence[Unit], dense_best: float, unknown_share: float = 0.0, asked_best: float | None = None
    ) -> float:
        if not units:
            return 0.0
        base = max(u.coverage for u in units) + self.dense * dense_best - self.unknown * unknown_share
        return base if asked_best is None else base + self.asked * (asked_best - self.asked_neutral)

    def holds(
        self, units: Sequence[Unit], dense_best: float, unknown_share: float = 0.0, asked_best: float | None = None
    ) -> bool:
        return bool(units) and self.strength(units, dense_best, unknown_share, asked_best) >= self.threshold


def unknown_share(question: str, lexicon: Lexicon | None, known: Callable[[str], bool]) -> float:
    """The share of the question's content terms that no passage of the index holds in any of their forms (the
    words of a name counted one by one, as the threshold was chosen)."""
    terms = _question_terms(question, lexicon, False)
    if not terms:
        return 1.0
    return sum(1 for t in terms if not any(known(v) for v in t)) / len(terms)


ABSTENTION = Abstention()


@dataclass(frozen=True, slots=True)
class Unit:
    """A candidate sentence: ``[start, end)`` of its document, in ``chunk`` (retrieved at ``rank``), with its
    original text, its rendering (``english``, empty when the document has none) and its score."""

    chunk: Chunk
    rank: int
    start: int
    end: int
    text: str
    lang: str
    english: str = ""
    position: int = 0
    score: float = 0.0
    coverage: float = 0.0
    kind: bool = False
    heading: bool = False  # the unit is a heading line of its document (``ingest.chunking.detect_headings``)


# "where" opening a relative clause after a noun ("under the model where experts support cities directly", "a city
# where floods recur"): it asks for no place
_RELATIVE_WHERE = re.compile(r"\b(?:the|a|an|this|that|each|any|every)\s+(?:[\w-]+\s+){0,2}?[\w-]+\s+where\b", _I)


# How something is worded ("题目具体怎么问？", "How is that question worded?"): the words asked for, no procedure
_WORDING_ASKED = re.compile(
    r"(?:具体)?(?:是)?(?:怎么|如何|怎样)(?:问|说|写|表述|措辞)的?|"
    r"\bhow (?:is|was|are|were) (?:it|that|this|they|the (?:\w+ )?questions?) (?:worded|phrased|asked|put)\b",
    _I,
)


def question_type(text: str) -> QuestionType:
    """The kind of fact the question asks for (``other`` when none of the patterns fits)."""
    text = _WORDING_ASKED.sub(" ", _RELATIVE_WHERE.sub(" ", text))
    for name, pattern in _TYPES:
        if pattern.search(text):
            return name
    return "other"


# Where a question may ask a second thing ("Who designed CityRAP, and how long does it take?",
# "CityRAP 是和哪个机构一起设计的？整个流程要多长时间？", "What is the Dashboard for, and can we keep our progress
# hidden?"): at a question mark followed by more, at ", and" before a question word or an auxiliary, at a Chinese
# comma before a clause with a question word. A part that asks nothing ("我们市长想了解一下，…",
# "… what is it? a colleague mentioned it") is no ask of its own (``ASKING``). The auxiliaries and 吗 came in
# session 31 for the intents' lookup; no question type of the 1,413 qa questions then held changed.
ASK_PARTS = re.compile(
    r"[?？]\s*(?=\S)|,?\s+and\s+(?=(?:what|how|when|who|whom|which|where|why|will|would|can|could|should|does|do|"
    r"did|is|are|was|were|has|have|had|may|must)\b)|"
    r"，(?:以及|并且|另外|还有|同时)?(?=[^，。？?]*(?:哪|什么|多少|多久|多长|何时|谁|怎么|如何|几|吗))",
    _I,
)
# What makes a part of a message an ask of its own
ASKING = re.compile(
    r"[?？]|\b(?:what|how|when|who|whom|which|where|why)\b|哪|什么|多少|多久|多长|何时|谁|怎么|如何|几|吗|干嘛|是啥", _I
)


def question_parts(text: str) -> tuple[QuestionType, ...]:
    """The kinds of fact a question asks for when it asks two or more things of different kinds, in order; empty
    for a question asking one."""
    kinds = [question_type(p) for p in ASK_PARTS.split(text) if p.strip()]
    distinct = tuple(dict.fromkeys(k for k in kinds if k not in ("other", "yesno")))
    return distinct if len(distinct) >= 2 else ()


def for_each_part(question: str, select: Callable[[QuestionType | None], list[Unit]]) -> list[Unit]:
    """The units that answer ``question`` (``select(None)``), and, when it asks two or more things of different kinds
    (``question_parts``: "who designed it, and how long does it take?"), the best unit for each kind first
    (``select(kind)``), then the others, one more in all than one kind would show. Session 23: over every set, one
    held-out answer gained its anchor (blind7-zh-05), none lost one, seven show one more sentence."""
    units = select(None)
    parts = question_parts(question)
    if not parts or not units:
        return units
    firsts = {(u.chunk.doc_id, u.start, u.end): u for kind in parts if (best := select(kind)) for u in best[:1]}
    rest = [u for u in units if (u.chunk.doc_id, u.start, u.end) not in firsts]
    return [*firsts.values(), *rest[: max(0, len(units) - 1)]]


# A number from one to twelve in any of its forms, so that "the third work package" meets "工作包 3" and
# "第三个工作包" meets "Work package 3": the digits, the English cardinal and ordinal (as ``tokenize_en`` stems them)
# and the Chinese numeral with and without 第.
_EN_CARDINALS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_EN_ORDINALS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
)
_ZH_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")


def _number_forms() -> dict[str, frozenset[str]]:
    forms: dict[str, frozenset[str]] = {}
    for n, (card, ordinal, zh) in enumerate(zip(_EN_CARDINALS, _EN_ORDINALS, _ZH_NUMERALS, strict=True), start=1):
        words = {str(n), zh, f"第{zh}", f"{zh}个", f"第{zh}个", *tokenize_en(card), *tokenize_en(ordinal)}
        for w in words:
            forms[w] = frozenset(words)
    # not the words as often something else: 一 and "one" ("a", "one of"), "first" ("first came up with"),
    # "second" (a unit of time)
    for word in ("一", "一个", "on", "one", "first", "second"):
        forms.pop(word, None)
    return forms


NUMBER_FORMS = _number_forms()
# A Chinese numeral and what it counts, one token to the segmenter: "十年", "两年", "三个月", "五天".
_NUMERAL_UNIT = re.compile(r"([一二两三四五六七八九十]{1,2})个?(?:年|月|周|星期|天|日|小时|倍|次|轮)")


def question_terms(text: str, lexicon: Lexicon | None) -> list[frozenset[str]]:
    """The question's content terms, each as the set of tokens (both languages) that count as finding it."""
    return list(_question_terms(text, lexicon))


@lru_cache(maxsize=4096)
def _question_terms(text: str, lexicon: Lexicon | None, names: bool = True) -> tuple[frozenset[str], ...]:
    terms: list[frozenset[str]] = []
    if _EXPANSION_ASK.search(text):
        text = _EXPANSION_WORDS.sub(" ", text)  # "stand for", "全称": how it is asked, not what the answer says
    if script_lang(text) == "zh":
        # "多长", "多久" ask how long, as "how long" does (whose words are question words): no content term; the
        # "时间" of "多长时间" stays, a word of the catalogue's "提供支持的时间" as "time" is of "how much time"
        text = _HOW_LONG_ZH.sub(" ", text)
        if lexicon is not None and names:
            # a proper name is one term, found where the name is written in either language ("可持续发展目标城市"
            # is not six words, each meeting any sentence about cities or goals)
            spans = lexicon.name_spans(text)
            terms += [frozenset({g}) for g in dict.fromkeys(g for _, _, g in spans)]
            for s, e, _ in spans:
                text = text[:s] + " " * (e - s) + text[e:]
            # a name written in Latin letters in a Chinese question ("SURGe 倡议是谁发起的？") is its English form
            latin = lexicon.latin_name_phrases(text)
            terms += [frozenset({g}) for g in dict.fromkeys(g for g, _ in latin) if frozenset({g}) not in terms]
            named_words = {w for _, words in latin for w in words}
        else:
            named_words = set()
        for t in dict.fromkeys(tokenize_zh(text)):
            if t.isascii() and t in named_words:
                continue
            if (
                (len(t) < 2 and not t.isascii())
                or t in _QUESTION_WORDS_ZH
                or t in _QUESTION_WORDS_EN
                or t in _SOURCE_WORDS
            ):
                continue
            if t.isascii() and (t in STOPWORDS_EN or len(t) < 2):
                continue
            if t in NUMBER_FORMS:  # one number, however many of its forms the segmenter gives ("第三", "第三个")
                if NUMBER_FORMS[t] not in terms:
                    terms.append(NUMBER_FORMS[t])
                continue
            if (counted_span := _NUMERAL_UNIT.fullmatch(t)) is not None:
                # a span of time or a count in Chinese numerals is one word to the segmenter ("十年", "两年"), its
                # number in digits two ("10 年"): the term is found in either form ("10-year", "ten years")
                numeral = counted_span.group(1).replace("两", "二")
                if numeral in NUMBER_FORMS:
                    if not any(NUMBER_FORMS[numeral] <= term for term in terms):  # "第三年" gives "第三" and "三年"
                        terms.append(NUMBER_FORMS[numeral] | {t})
                    continue
            variants = {t}
            if lexicon is not None and not t.isascii():
                variants |= {g for g in lexicon.zh_to_en(t) if len(g) >= 3 and g not in STOPWORDS_EN}
                variants |= set(lexicon.zh_variants(t))  # "仙台框架" meets the documents' "仙台防灾减灾框架"
            terms.append(frozenset(variants))
        return tuple(terms)
    text = _THE_SOURCE_EN.sub(" ", text)
    words = tokenize_en(text)
    # a word of a glossary phrase ("build back better") is also found where the phrase's entry is written, in either
    # language (更好地重建): one by one, its words gloss to other things (back -> 后背)
    phrase_of: dict[str, set[str]] = {}
    if lexicon is not None and names:
        phrases = lexicon.name_phrases(text)
        terms += [frozenset({g}) for g in dict.fromkeys(g for g, _, _ in phrases)]
        covered = {k for _, first, end in phrases for k in range(first, end)}
        content = set(words)
        tokens = tokenize_en(text, keep_stopwords=True)
        words = [w for k, w in enumerate(tokens) if k not in covered and w in content]
        for g, first, end in lexicon.name_phrases(text, PHRASE_KINDS):
            if end - first >= 2:
                for w in tokens[first:end]:
                    phrase_of.setdefault(w, set()).add(g)
    for word in dict.fromkeys(words):
        if word in STOPWORDS_EN or len(word) < 3 or word in _QUESTION_WORDS_EN or word in _SOURCE_WORDS:
            continue
        variants = {word} | NUMBER_FORMS.get(word, frozenset()) | phrase_of.get(word, set())
        if lexicon is not None:
            variants |= {t for t, w in lexicon.en_to_zh(word) if w >= 0.1 and len(t) >= 2}
        terms.append(frozenset(variants))
    return tuple(terms)


# The glossary entries a unit is known to write (``_names``) and a question's phrase words meet: every kind but the
# roadmap's stages, which ``stage_refs`` reads by their letters
PHRASE_KINDS = GLOSSARY_KINDS - {"stage"}


# Markup left by extraction (`<ul style="...">`): what lies inside a tag is never a sentence.
_TAG = re.compile(r"<[^<>\n]{0,200}>")
# A sentence ends at Chinese or English end punctuation (a period only before a space or the end, so "A.3" and
# "2.5" stay whole), at a line break, or at markup left by extraction ("<p>"), which is never quoted.
SENTENCE = re.compile(r"(?:[^。！？；!?;\n<>.]|\.(?!\s|$))+(?:[。！？；!?;]|\.(?=\s|$))?")


# The roadmap's stages are named by a single letter ("A 阶段", "Stage B", "from A to B"), which no tokenizer keeps: a
# question about Stage C and a sentence about Stage A share every other word. A stage reference is a transition
# ("A>B") when the text names one, else the stages it names.
_STAGE_LETTER = r"((?-i:[ABCＡＢＣ]))"
_TRANSITION = re.compile(
    r"(?:从\s*)?"
    + _STAGE_LETTER
    + r"\s*阶段\s*(?:的城市)?\s*(?:(?:推进|进入|升级?|迈向|过渡|晋级|转入|走向|发展)(?:至|到|入|为)?|至|到)\s*"
    + _STAGE_LETTER
    + r"|\bstage\s+"
    + _STAGE_LETTER
    + r"\s+(?:to|into|towards?)\s+(?:stage\s+)?"
    + _STAGE_LETTER
    + r"\b|\bfrom\s+"
    + _STAGE_LETTER
    + r"\s+(?:to|into)\s+"
    + _STAGE_LETTER
    + r"\b",
    _I,
)
# A transition continued to the next stage ("from Stage A to Stage B and then to Stage C", "从 A 阶段进入 B 阶段，
# 再进入 C 阶段"): the step from the stage it reached
_THEN_TO = re.compile(
    r"\s*(?:阶段)?\s*(?:[,，、]\s*)?(?:(?:and\s+)?then\s+(?:on\s+)?|and\s+on\s+|and\s+)(?:to|into)\s+(?:stage\s+)?"
    + _STAGE_LETTER
    + r"\b|\s*(?:阶段)?\s*[,，、]?\s*(?:然后|之后|再|接着)+\s*"
    + r"(?:(?:推进|进入|升级?|迈向|过渡|晋级|转入|走向|发展)(?:至|到|入|为)?|至|到)\s*"
    + _STAGE_LETTER,
    _I,
)
_STAGES = re.compile(
    r"((?-i:[ABCＡＢＣ])(?:\s*(?:[,、和及与或]|and|or|&)\s*(?-i:[ABCＡＢＣ]))*)\s*阶段|"
    r"阶段\s*((?-i:[ABCＡＢＣ])(?:\s*[,、和及与或]\s*(?-i:[ABCＡＢＣ]))*)(?![A-Za-z])|"
    r"\bstages?\s+((?-i:[ABC])(?:\s*(?:,|and|or|&)\s*(?-i:[ABC]))*)\b",
    _I,
)
# A stage by its place in the roadmap ("韧性路线图的第二阶段", "the third stage of MCR2030"): the documents name the
# stages by letter only, so an ordinal counts where the text speaks of the roadmap (elsewhere "第一阶段" is as often a
# project's first phase)
_ORDINAL_STAGE = re.compile(
    r"第\s*([一二三123])\s*(?:个)?\s*阶段|(?:\bthe\s+)?\b(first|second|third|1st|2nd|3rd)\s+(?:stage|phase)\b", _I
)
_ORDINAL_LETTER = dict.fromkeys(("一", "1", "first", "1st"), "A") | dict.fromkeys(("二", "2", "second", "2nd"), "B")
_ORDINAL_LETTER |= dict.fromkeys(("三", "3", "third", "3rd"), "C")
# A text that speaks of the roadmap (also how intents.py tells the roadmap's stages from a paper's or a process's)
ROADMAP_SAID = re.compile(r"路线图|韧性之旅|MCR\s*2030|\broad ?map\b|\bresilience journey\b", _I)
# The word a stage reference is made of, in the token forms of both languages ("B 阶段", "Stage B", "phase").
_STAGE_WORDS = frozenset({"阶段", "stage", "phase"})
_FULLWIDTH = str.maketrans("ＡＢＣ", "ABC")  # the letters are read case-sensitively: "stage a" is no stage


@lru_cache(maxsize=50_000)
def stage_refs(text: str) -> frozenset[str]:
    """The roadmap stages ``text`` refers to: its transitions ("A>B") when it names one, else its stages."""
    steps = set()
    for m in _TRANSITION.finditer(text):
        a, b = (g.translate(_FULLWIDTH) for g in m.groups() if g)
        steps.add(f"{a}>{b}")
        then = _THEN_TO.match(text, m.end())
        if then is not None and (c := next(g for g in then.groups() if g).translate(_FULLWIDTH)) > b:
            steps.add(f"{b}>{c}")
    if steps:
        return frozenset(steps)
    return frozenset(
        c.translate(_FULLWIDTH)
        for m in _STAGES.finditer(text)
        for g in m.groups()
        if g
        for c in re.findall(r"[ABCＡＢＣ]", g)
    )


def with_step(text: str, step: str) -> str | None:
    """``text`` with the one step between stages it names ("从 B 阶段进入 C 阶段", "from Stage B to Stage C")
    naming ``step`` ("A>B") instead, its words kept; None unless it names exactly one step."""
    found = list(_TRANSITION.finditer(text))
    if len(found) != 1:
        return None
    m = found[0]
    first, last = (g for g in range(1, (m.lastindex or 0) + 1) if m.group(g))
    a, b = step.split(">")
    return text[: m.start(first)] + a + text[m.end(first) : m.start(last)] + b + text[m.end(last) :]


def lettered_stages(text: str) -> str:
    """``text`` with the roadmap's stages named by their place ("韧性路线图的第二阶段", "the third stage of MCR2030")
    named by letter, as the documents, the roadmap rules and every stage pattern name them ("B 阶段", "Stage C");
    unchanged where the text does not speak of the roadmap."""
    if not ROADMAP_SAID.search(text):
        return text

    def letter(m: re.Match[str]) -> str:
        if m.group(1):
            return f"{_ORDINAL_LETTER[m.group(1)]} 阶段"
        return f"Stage {_ORDINAL_LETTER[m.group(2).lower()]}"

    return _ORDINAL_STAGE.sub(letter, text)


# A line of a table of contents: a title, then its page number after a tab or a run of spaces ("3. 有利于贫困人口的
# 低成本土地信息系统\t89"). It points to where a text is; it is never the text (3 of 693 replies quoted one in
# session 13).
_CONTENTS_ENTRY = re.compile(r"(?:\t|[ \u3000]{3,})[ \t]*\d{1,4}\s*$")


# A note that only cites a work: a footnote mark, then a titled work with its year ("⁴人居署,《全市公共空间评估工具包》
# (内罗毕,2020)。"), a document symbol ("¹ 载于 HSP/EB.2022/13 号文件。") or a link alone. Like a contents line it
# says where a text is, never the text ("What does UN-Habitat do in Ukraine?" was answered with three of them); a
# note that says something ("⁹ 2010 年，全球有 10 亿辆机动车…") or an author's affiliation stays.
_NOTE_MARK = re.compile(r"^(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\^\{[^{}\s]{1,4}\})\s*")  # "¹ …", or as extraction wrote "*": "^{*} …"
_CITES_WORK = re.compile(
    r"(?:《[^》]+》|[\"“][^\"”]{4,}[\"”]|[^\s,，。]{2,40})[^。]{0,30}?(?:19|20)\d\d[)）]?\s*[。.]?\s*(?:见[:：].*)?$|"
    r"^(?:载于\s*)?(?:[^\s,，。]{1,20}[,，]\s*)?[A-Z]{2,}(?:/[A-Za-z0-9.]+)+\s*(?:号文件)?\s*[。°.]?$|"
    r"^(?:见[:：]\s*)?<?(?:https?://|www\.)\S+?>?\s*[。.]?$"
)


# A photo's credit line alone ("© Julius Mwelu / UN-Habitat", "© 联合国人居署"): who took a picture, never an answer
# (an English list of training services ran on into a caption and its credit).
_CREDIT = re.compile(r"^©[^\n]{0,120}$")


# Whitespace and markup at a segment's edges ("<p>处于各阶段的城市…", "…。</p>"): a rendering's segment covers the
# original whole, its tags included, but a quote holds only the text.
def _trimmed(raw: str) -> tuple[int, str]:
    """``raw`` without the whitespace and markup tags at its edges, and where what is left starts in ``raw`` (a
    scan, not one regular expression: every passage's segments pass here on every question)."""
    start, end = 0, len(raw)
    while True:
        while start < end and raw[start].isspace():
            start += 1
        tag = _TAG.match(raw, start, end) if raw.startswith("<", start) else None
        if tag is None:
            break
        start = tag.end()
    while True:
        while end > start and raw[end - 1].isspace():
            end -= 1
        opening = raw.rfind("<", start, end) if end > start and raw[end - 1] == ">" else -1
        if opening < 0 or _TAG.fullmatch(raw, opening, end) is None:
            break
        end = opening
    return start, raw[start:end]


def _reference_note(text: str) -> bool:
    mark = _NOTE_MARK.match(text)
    return mark is not None and _CITES_WORK.search(text[mark.end() :]) is not None


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def units_of(chunk: Chunk, rank: int, rendering: Rendering | None) -> list[Unit]:
    """The candidate units of one passage: its rendering's segments (clipped to the passage) or its sentences;
    never a line of a table of contents nor a note citing a work (with the rest of its line), nor one Latin word
    alone unless it is a heading."""
    out: list[Unit] = []
    heads = _heading_starts(chunk.text)
    noted = -1  # where the line of the last note citing a work ends (its "见: …" is part of it)
    if rendering is not None:
        for seg in rendering.overlapping(chunk.start, chunk.end):
            start, end = max(seg.start, chunk.start), min(seg.end, chunk.end)
            lead, text = _trimmed(chunk.text[start - chunk.start : end - chunk.start])
            if len(text) < MIN_UNIT_CHARS or (start, end) != (seg.start, seg.end) and end - start < 20:
                continue
            if _CONTENTS_ENTRY.search(text) or _CREDIT.match(text) or start - chunk.start < noted:
                continue
            if _reference_note(text):
                noted = _line_end(chunk.text, start - chunk.start)
                continue
            start += lead
            heading = start - chunk.start in heads
            if _one_word(text) and not heading:
                continue
            out.append(Unit(chunk, rank, start, start + len(text), text, chunk.lang, seg.en, len(out), heading=heading))
        return _joined_han_breaks(chunk, out)
    tags = [(t.start(), t.end()) for t in _TAG.finditer(chunk.text)]
    for a, b in _sentence_spans(chunk.text):
        raw = chunk.text[a:b]
        text = raw.strip()
        if len(text) < MIN_UNIT_CHARS or any(x <= a and b <= y for x, y in tags) or _CONTENTS_ENTRY.search(text):
            continue
        if _CREDIT.match(text):
            continue
        if a < noted:
            continue
        if _reference_note(text):
            noted = _line_end(chunk.text, a)
            continue
        start = chunk.start + a + len(raw) - len(raw.lstrip())
        heading = start - chunk.start in heads
        if _one_word(text) and not heading:  # a one-word heading stays: it ends the list before it
            continue
        out.append(Unit(chunk, rank, start, start + len(text), text, chunk.lang, "", len(out), heading=heading))
    return _joined_han_breaks(chunk, out)


def _joined_han_breaks(chunk: Chunk, units: list[Unit]) -> list[Unit]:
    """``units`` with each two that a page break split out of one Chinese sentence made one unit (a rendering's
    segments follow the original's lines, so "…以及建设更加" and "综合、有韧性…" are two of them, each half a sentence):
    the original's span from the first's start to the second's end, and their renderings joined."""
    out: list[Unit] = []
    for u in units:
        prev = out[-1] if out else None
        if (
            prev is not None
            and not prev.heading
            and not u.heading
            and broken_han_sentence(chunk.text, prev.end - chunk.start, u.start - chunk.start)
            # rendered fragments say it too: the second's English goes on in lower case ("… building more" /
            # "integrated, resilient …"), where a caption or a credit line between pages starts anew
            and (not u.english or u.english[:1].islower())
        ):
            english = f"{prev.english} {u.english}".strip() if prev.english or u.english else ""
            text = chunk.text[prev.start - chunk.start : u.end - chunk.start]
            out[-1] = replace(prev, end=u.end, text=text, english=english)
            continue
        out.append(replace(u, position=len(out)) if u.position != len(out) else u)
    return out


def _one_word(text: str) -> bool:
    """A unit of one Latin-script word and no Chinese says nothing to quote: a logo's or a title's pieces that line
    breaks cut apart ("**Making" / "Cities" / "Resilient**" in the overview)."""
    return not has_han(text) and len(_LATIN_WORD.findall(text)) < 2


_LATIN_WORD = re.compile(r"[A-Za-z0-9][\w'’.-]*")


@lru_cache(maxsize=4_096)
def _heading_starts(text: str) -> frozenset[int]:
    """Where the heading lines of a passage begin (offsets into ``text``), by the chunker's one reader of headings
    (``ingest.chunking.detect_headings``). Cached per passage, like its sentences."""
    return frozenset(h.start for h in detect_headings(text))


@lru_cache(maxsize=20_000)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """``SENTENCE`` spans of ``text``, except that a span ending in a Latin period the sentence splitter
    does not end a sentence at (an abbreviation's: "(Fig. 2)", "Refs. [3]"; an initial's) runs on into the next, so
    one rule decides what ends an English sentence, and a sentence a page break split is one span. Cached per
    passage: the passages that answer recur, and every question reads eight."""
    ends = {b for _, b in split_sentences(text)}
    spans: list[tuple[int, int]] = []
    begin: int | None = None
    for m in SENTENCE.finditer(INLINE_TAG.sub(lambda t: "\x01" * len(t.group(0)), text)):
        a = m.start() if begin is None else begin
        stripped = m.group(0).rstrip()
        if stripped.endswith(".") and m.start() + len(stripped) not in ends:
            begin = a
            continue
        spans.append((a, m.end()))
        begin = None
    if begin is not None:
        spans.append((begin, len(text)))
    return tuple(_joined_across_breaks(text, [_untagged(text, a, b) for a, b in _rows_whole(text, spans)]))


def _rows_whole(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A table row (a line of tab-separated cells) is one unit: the semicolons inside its cells separate the items
    of a cell ("Inclusive social governance; health and food security; enhanced social cohesion"), which the row
    says together with its first cell's name and its other cells."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and _ROW_ITEM_BREAK.fullmatch(text, out[-1][1] - 1, out[-1][1]) and _in_row(text, out[-1][0], b):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


_ROW_ITEM_BREAK = re.compile(r"[;；]")


def _in_row(text: str, a: int, b: int) -> bool:
    """Whether ``[a, b)`` lies within one line that holds a tab and no markup (a table's row)."""
    line_start = text.rfind("\n", 0, a) + 1
    line_end = text.find("\n", a)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end]
    # an FAQ's "question<TAB>answer" line with markup holds a list whose items are units of their own
    return b <= line_end + 1 and "\t" in line and "<" not in line


# Inline emphasis the extraction left in a table's rows ("<b>年度费用共计</b>\t<b>400 000 美元</b>") is part of the
# sentence it marks, never a break in it (other markup, "<p>", still ends one); a unit neither starts nor ends with it.
_INLINE = r"</?(?:b|i|em|strong|u)>"
INLINE_TAG = re.compile(_INLINE, re.I)
_TAGS_AT_START = re.compile(rf"(?:\s*{_INLINE})+", re.I)
_TAGS_AT_END = re.compile(rf"(?:{_INLINE}\s*)+$", re.I)


def _untagged(text: str, a: int, b: int) -> tuple[int, int]:
    """``[a, b)`` without the inline tags that open or close it (the whole span when it is nothing else)."""
    head = _TAGS_AT_START.match(text, a, b)
    a2 = head.end() if head else a
    tail = _TAGS_AT_END.search(text[a2:b].rstrip())
    b2 = a2 + tail.start() if tail else b
    return (a2, b2) if b2 > a2 else (a, b)


def _joined_across_breaks(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` with each pair that a page break split made one (``retriever.sentences.broken_by_page_break``; the
    chunker keeps such a sentence in one passage)."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out:
            pa, pb = out[-1]
            if broken_by_page_break(text, pa + len(text[pa:pb].rstrip()), a):
                out[-1] = (pa, b)
                continue
        out.append((a, b))
    return out


# A sentence's own number in its document ("48. …", "## 5. …", "A.7. …", "3) …"): a place in a list, not a fact.
_NUMBERING = re.compile(r"^\s*(?:#{1,6}\s*)?(?:[A-Z]\.\d{1,2}\.?|\d{1,3}(?:\.\d{1,2})*[.)、])\s*")
_COUNTED = frozenset({"quantity", "duration", "date"})
# Numbers that count nothing, for a "how many" question: years and spans of years ("2010 年", "2018-2022"), and the
# digits of a name or symbol (MCR2030, SDG11, COVID-19, HSP/EB.2023/17).
_NOT_COUNTS = re.compile(
    r"[A-Za-z][A-Za-z./-]*\d[\w./-]*|\d+[A-Za-z][\w-]*|"
    r"(?<![\d,.])(?:19|20)\d\d(?:\s*[-–~至到]\s*(?:19|20)?\d\d)?(?:\s*年(?:代|底|初|末|中)?)?(?![\d%％])"
)
# What a "how many X" question counts, and how a sentence that counts it reads: "多少座城市" -> "4347 座城市",
# "有多少人" -> "1,972 人", "how many cities" -> "4,347 cities", "what share" -> "77%".
_HOW_MANY_ZH = re.compile(r"(?:多少|几)\s*(" + _CLASSIFIERS + f")?\\s*([{HAN_CLASS}]{{1,6}})?")
_HOW_MANY_EN = re.compile(r"\bhow many\s+(?:(?:more|different|other|of the)\s+)?(\w+)", re.IGNORECASE)
_WHAT_SHARE = re.compile(
    r"\bwhat (?:percentage|share|proportion|per ?cent)\b|比例|百分之|百分比|占比|几成", re.IGNORECASE
)
_SHARE = re.compile(r"\d\s*[%％]|百分之|\bper ?cent\b", re.IGNORECASE)
_A_NUMBER = r"(?:\d[\d,.]*|[" + _ZH_DIGITS + r"]+)\s*(?:多|余)?\s*"


@lru_cache(maxsize=50_000)
def _holds_kind(qtype: str, text: str) -> bool:
    """Whether ``text`` holds the kind of fact a ``qtype`` question asks for (cached per sentence). For a number,
    a date or a duration the sentence's own numbering does not count."""
    pattern = _HAS.get(qtype)
    if pattern is None:
        return False
    if qtype in _COUNTED:
        text = _NUMBERING.sub("", text, count=1)
    if qtype == "quantity":
        text = _NOT_COUNTS.sub(" ", text)
    return bool(pattern.search(text))


_TIME_UNIT = re.compile(r"天|日|周|星期|个月|月|年|小时|分钟|day|week|month|year|hour|minute", re.IGNORECASE)


@lru_cache(maxsize=5_000)
def counted(question: str, time: bool = False) -> re.Pattern[str] | None:
    """How a sentence that answers a "how many X" (or "what share") question reads: a number followed closely by
    the thing counted (its classifier or its first word), or a percentage; None when the question names no thing
    counted. With ``time``, only a unit of time counts ("几天", "how many months")."""
    if _WHAT_SHARE.search(question):
        return None if time else _SHARE
    patterns = []
    for m in _HOW_MANY_ZH.finditer(question):
        classifier, rest = m.group(1), m.group(2)
        words = [classifier] if classifier and classifier != "个" else []  # 个 counts anything
        first = tokenize_zh(rest)[:1] if rest else []
        words += [re.escape(w) for w in first if w not in _QUESTION_WORDS_ZH]
        if time:
            words = [w for w in words if _TIME_UNIT.fullmatch(w)]
        if words:
            patterns.append(
                _A_NUMBER + "(?:" + _CLASSIFIERS + r")?\s*" + f"[{HAN_CLASS}]" + "{0,3}?(?:" + "|".join(words) + ")"
            )
    for m in _HOW_MANY_EN.finditer(question):
        word = m.group(1).lower()
        stem = word[:-3] if word.endswith("ies") else word[:-1] if word.endswith("s") else word
        if len(stem) >= 3 and not (time and not _TIME_UNIT.fullmatch(stem)):
            patterns.append(r"\b\d[\d,.]*\+?\s+(?:[\w-]+\s+){0,2}" + re.escape(stem))
    return re.compile("|".join(patterns), re.IGNORECASE) if patterns else None


@lru_cache(maxsize=5_000)
def expansion(question: str) -> re.Pattern[str] | None:
    """How a sentence that spells out the abbreviation a question asks about reads: the abbreviation in brackets
    after its full form ("城市韧性分析工具 (CRPT)", "（简称 MCR2030）", "Making Cities Resilient 2030 (MCR2030)"), the
    full form in brackets after it ("ICLEI (International Council for Local Environment Initiatives)", "(ICLEI
    hereafter)"), or said to stand for it; None when the question asks for no abbreviation."""
    m = _EXPANSION_ASK.search(question)
    if m is None:
        return None
    abbr = re.escape(next(g for g in m.groups() if g))
    quoted = r"[\"“「《]?" + abbr + r"[\"”」》]?"
    return re.compile(
        r"[(（]\s*(?:(?:以下)?简称|下称|hereafter|hereinafter)?\s*" + quoted + r"\s*(?:hereafter|hereinafter)?\s*"
        r"[)）,，;；]|简称\s*" + quoted + r"|\b" + abbr + r" (?:stands|is short) for\b|"
        # the full form after it: words, the first capitalised ("(International Council for …)"), not "(2018)"
        r"\b" + abbr + r"\s*[(（]\s*[A-Z][a-z]+(?:[\s-]+[\w&]+){1,12}\s*[)）]"
    )


@lru_cache(maxsize=50_000)
def _zh_tokens(text: str) -> frozenset[str]:
    return frozenset(tokenize_zh(simplified(text)))  # a sentence in traditional characters meets the question


@lru_cache(maxsize=50_000)
def english_tokens(text: str) -> frozenset[str]:
    """``tokenize_en`` of ``text`` as a set (cached: the sentences and renderings that answer recur)."""
    return frozenset(tokenize_en(text))


def rarities(terms: Sequence[frozenset[str]], token_sets: Sequence[frozenset[str]]) -> list[float]:
    """Each term's weight by how few of ``token_sets`` (sentences, parts of a document) hold it, in any of its forms:
    log(1 + (n + 1) / (holding + 1)). The one weighing of answer sentences, of a document's parts and of the sentence
    a recommendation quotes."""
    n = len(token_sets)
    return [math.log(1 + (n + 1) / (sum(1 for ts in token_sets if t & ts) + 1)) for t in terms]


def _tokens(unit: Unit) -> frozenset[str]:
    """A unit's tokens, its original's and its rendering's (cached: the passages that answer recur), and the words
    for what it holds without naming it: an e-mail address is an "email" / "邮箱" ("- 亚太地区：mcr2030-ap@un.org"
    answers "the email of the Asia-Pacific secretariat"), a link a "website" / "网址"."""
    tokens = _zh_tokens(unit.text) | (english_tokens(unit.english) if unit.english else frozenset())
    if _EMAIL.search(unit.text):
        tokens |= _EMAIL_WORDS
    if _URL.search(unit.text):
        tokens |= _URL_WORDS
    return tokens


# A sentence that asks ("怎样才能从 A 阶段推进至 B 和 C 阶段？", an FAQ's own question): it asserts nothing
_ASKS = re.compile(r"[?？]\s*$")


# A pointer to a resource: a line that is only a link ("[全球公共空间项目 2019 年度报告](#)", "- [城市韧性图书馆](…)")
# or a "learn more" line of links ("- 了解更多关于霍罗格市的[综合空间规划](#)和[城市实验室方法](#)"). It names the
# resource and says nothing of it, so it answers only a question asking for one: a guide, a report, a website, a
# tool, a publication ("有哪些关于公共空间的指南？"), not "人居署城市实验室做什么？".
_POINTER = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\[[^\]\n]+\]\([^)\n]*\)\s*[。.;；]?\s*$|"
    r"(?:了解更多|更多信息|更多详情|详见|参见|learn more|more information|read more|see also)[^\n]*\]\()",
    _I,
)
# Who said a testimonial: the speaker's name with an honorific ("罗斯·梅·吉格纳德 (Rose-May Guignard) 女士",
# "Ms. Imen Ouardani,") and, on the line after it, their title ("海地领土规划部际委员会高级城市规划员"). They say who
# spoke, never what; only a question asking who is answered by them ("社区主导的规划有哪些好处？" quoted both).
_SPEAKER = re.compile(
    r"^[^\s，。,.；;：:“”\"]{1,24}\s*(?:[(（][^()（）\n]{1,40}[)）])?\s*(?:女士|先生|博士|教授)\s*[，,]?$|"
    r"^(?:Ms|Mr|Mrs|Dr|Prof)\.?\s+(?:[A-Z][\w.'’-]*\s*){1,4}[,，]?$"
)
_ASKS_WHO = re.compile(r"\bwho(?:m|se)?\b|谁|哪位|什么人", _I)
_SENTENCE_END = re.compile(r"[。！？!?.…”\"」]\s*$")


def _speaker_lines(units: Sequence[Unit]) -> set[tuple[str, int]]:
    """The units that name a testimonial's speaker, and each line right after one that is unterminated (the title)
    or says that they spoke ("联合国苏丹驻地协调员介绍达富尔空间发展框架时表示。")."""
    out: set[tuple[str, int]] = set()
    for u in units:
        if _said(_SPEAKER, u):
            out.add((u.chunk.chunk_id, u.position))
    for u in units:
        if (u.chunk.chunk_id, u.position - 1) in out and (
            not _SENTENCE_END.search(u.text) or _SPOKE.search(u.text) or (u.english and _SPOKE.search(u.english))
        ):
            out.add((u.chunk.chunk_id, u.position))
    return out


# A speaker's title line that says they spoke: "…时表示。", "…指出。", "… said", "speaking at …"
_SPOKE = re.compile(r"(?:表示|指出|说|谈到|强调)[。.]?\s*$|\b(?:said|says|stated|noted|speaking)\b", _I)


def _attributions(units: Sequence[Unit], speakers: set[tuple[str, int]]) -> dict[tuple[str, int], frozenset[str]]:
    """A testimonial's quoted words ("“这是第一次在这个饱受战争蹂躏的地区进行这样的空间规划。”") with the tokens of
    the speaker's lines after it: the quote is what "What did the Resident Coordinator in Sudan say?" asks for, its
    speaker's lines only who said it."""
    at = {(u.chunk.chunk_id, u.position): u for u in units}
    out: dict[tuple[str, int], frozenset[str]] = {}
    for u in units:
        key = (u.chunk.chunk_id, u.position)
        if key in speakers or (u.chunk.chunk_id, u.position + 1) not in speakers or not _QUOTED.match(u.text):
            continue
        tokens: frozenset[str] = frozenset()
        n = u.position + 1
        while (u.chunk.chunk_id, n) in speakers and (line := at.get((u.chunk.chunk_id, n))) is not None:
            tokens |= _tokens(line)
            n += 1
        out[key] = tokens
    return out


_QUOTED = re.compile(r"^\s*[“\"「]")


# A line that says what the document itself does, its subject left out: a paper's highlights ("- Discusses emerging
# opportunities, challenges, and strategies …", "- 梳理韧性城市发展热点领域…"). It names a topic, never what the
# paper says of it, so it answers only a question about what the paper covers ("What challenges does the digital
# era bring for cities?" was answered with two highlights, and the sentence that says which challenges passed over).
_ABOUT_ITSELF = re.compile(
    r"^\s*(?:[-•·▪*]\s*)?(?:reviews|summari[sz]es|discusses|explores|examines|presents|describes|analy[sz]es|"
    r"outlines|introduces|investigates|proposes)\b|"
    r"^\s*[-•·▪*]\s*(?:梳理|总结|讨论|探讨|分析|回顾|阐述)(?:了)?(?!的)",  # a bullet: "概述：" is a field's label
    _I,
)
_ASKS_COVERAGE = re.compile(
    r"\b(?:discuss\w*|review\w*|summar\w*|explor\w*|examin\w*|cover\w*|about|topics?|highlights?|focus\w*|"
    r"overview|outline\w*)\b|讨论|探讨|梳理|总结|回顾|概述|关于什么|主要内容|讲了什么|讲什么|涉及|亮点|重点",
    _I,
)


_ASKS_RESOURCE = re.compile(
    r"\b(?:guides?|guidance|guidelines?|handbooks?|manuals?|reports?|publications?|toolkits?|tools?|websites?|"
    r"web\s?pages?|sites?|links?|platforms?|librar(?:y|ies)|documents?|materials?|resources?|read(?:ing)?|"
    r"courses?|books?|papers?|learn more)\b|指南|指导|手册|报告|出版物|工具|网站|网页|网址|链接|平台|图书馆|文件|资料|"
    r"资源|读物|课程|书|了解更多",
    _I,
)


def _says_nothing(unit: Unit, asked: frozenset[str]) -> bool:
    """Whether a unit asks a question, or says nothing but words of the question, in its original or its
    rendering: a link's title ("[城市韧性中心](#)") or a line that only names what "什么是城市韧性中心？" asks about
    answers nothing."""
    if _ASKS.search(unit.text) or (unit.english and _ASKS.search(unit.english)):
        return True
    if in_bibliography(unit.chunk) or _announces(unit):
        # an entry of a list of works cited, its title too, is what a question about it asks for; a line that
        # announces a list in the question's words ("C 阶段城市应做出的承诺：") is shown with the items after it
        return False
    return any(
        tokens and tokens <= asked
        for tokens in (_zh_tokens(unit.text), english_tokens(unit.english) if unit.english else frozenset())
    )


@lru_cache(maxsize=50_000)
def _names(lexicon: Lexicon | None, text: str) -> frozenset[str]:
    """The glossary entries ``text`` writes, in either language (``Lexicon.names`` of ``PHRASE_KINDS``): what a
    question's name term, or a word of one of its phrases, meets."""
    return lexicon.names(text, PHRASE_KINDS) if lexicon is not None and text else frozenset()


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://\S+|www\.\S+")
# the question's words for an e-mail address (tokens as the tokenizers give them); not "address", "地址" or "联系",
# which are as often a verb, a street address or a link between two things ("加强中央-地方联系")
_EMAIL_WORDS = frozenset({"email", "mail", "contact", "邮箱", "邮件", "电子邮件", "邮箱地址", "联系方式"})
_URL_WORDS = frozenset({"websit", "link", "url", "site", "网址", "链接", "网站", "网页"})


def select_units(
    question: str,
    hits: Sequence[Hit],
    rendering_of: Callable[[str], Rendering | None],
    lexicon: Lexicon | None,
    *,
    lang: str,
    weights: Weights | None = None,
    most: int = 3,
    qtype: QuestionType | None = None,
    asked: Sequence[tuple[str, int, int, float]] = (),
    passage_after: Callable[[Chunk], Chunk | None] | None = None,
    passage_before: Callable[[Chunk], Chunk | None] | None = None,
) -> list[Unit]:
    """The units that answer ``question`` best, best first (empty: nothing covers the question). ``rendering_of``
    gives a document's rendering in the asker's language, or None. ``qtype`` overrides the question's type (a
    part of a two-part question). ``passage_after`` gives the passage that follows one in its document: a list
    announced by the last sentence of a passage has its items there."""
    weights = weights or DEFAULT_WEIGHTS
    terms = question_terms(question, lexicon)
    if not terms:
        return []
    qtype = qtype or question_type(question)
    units: list[Unit] = []
    seen_spans: set[tuple[str, int, int]] = set()
    sources_asked = bool(_ASKS_SOURCES.search(question))
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        if not sources_asked and in_bibliography(chunk):
            continue  # a reference list's entries answer only a question about publications
        rendering = rendering_of(chunk.doc_id) if chunk.lang != lang else None
        for u in units_of(chunk, rank, rendering):
            key = (chunk.doc_id, u.start, u.end)
            if key not in seen_spans:  # overlapping passages repeat sentences
                seen_spans.add(key)
                units.append(u)
    if not units:
        return []
    token_sets = [_tokens(u) | _names(lexicon, u.text) | _names(lexicon, u.english) for u in units]
    headings = {
        u.chunk.chunk_id: _zh_tokens(heading) | _names(lexicon, heading)
        for u in units
        for heading in [" ".join(u.chunk.section[-2:])]
    }
    asked_stages = stage_refs(question)
    listed_under = _list_stages(units) if asked_stages else {}
    if asked_stages:
        # "阶段" / "stage" of a question about a roadmap stage is that stage: a unit has the word when it speaks of
        # the stage asked (by its list, its own words or its section's heading), not when it says "stage" of
        # anything ("不包括施工阶段", a toolbox's construction phase, answered "B 阶段的城市可以获得哪些支持？")
        stage_word = [bool(t & _STAGE_WORDS) for t in terms]
        token_sets = [
            (ts - _STAGE_WORDS) | (_STAGE_WORDS if named & asked_stages else frozenset())
            for u, ts in zip(units, token_sets, strict=True)
            for named in [_stages_of(u, listed_under)]
        ]
        headings = {k: h - _STAGE_WORDS for k, h in headings.items()}
    else:
        stage_word = [False] * len(terms)
    idf = rarities(terms, token_sets)
    total = sum(idf)
    coverages: list[float] = []
    at = {(u.chunk.chunk_id, u.position): ts for u, ts in zip(units, token_sets, strict=True)}
    empty: frozenset[str] = frozenset()  # the first unit of a passage has no sentence before it there
    speaker_lines = _speaker_lines(units)
    attributed = _attributions(units, speaker_lines)
    for u, ts in zip(units, token_sets, strict=True):
        heading = headings[u.chunk.chunk_id]
        before = at.get((u.chunk.chunk_id, u.position - 1), empty)
        speaker = attributed.get((u.chunk.chunk_id, u.position), empty)
        got = 0.0
        for t, w, staged in zip(terms, idf, stage_word, strict=True):
            if t & ts or t & speaker:  # a quote holds the words of the lines saying who spoke it
                got += w
            elif staged:
                continue  # the stage asked is a unit's own, its list's or its section's, never its neighbour's
            elif t & heading:
                got += w * weights.heading
            elif t & before:
                got += w * weights.context
        coverages.append(got / total if total else 0.0)
    scored: list[Unit] = []
    # "几天" is a duration and "how many days" a quantity: each counts days, so each meets the count of its unit (a
    # duration only a unit of time: "要花多久？分几个阶段？" asks the stages of the other part)
    counts = (
        counted(question, time=qtype == "duration") if qtype in ("quantity", "duration") and weights.counted else None
    )
    spelled = expansion(question) if qtype == "expansion" else None
    asked_tokens = _zh_tokens(question)
    asked_numbered = numbered(question)
    under = _numbered_under(units) if asked_numbered else {}
    resource_asked = bool(_ASKS_RESOURCE.search(question))
    speakers = set() if _ASKS_WHO.search(question) else speaker_lines
    coverage_asked = bool(_ASKS_COVERAGE.search(question))
    for u, coverage in zip(units, coverages, strict=True):
        if coverage == 0.0 or _says_nothing(u, asked_tokens) or (not resource_asked and _POINTER.search(u.text)):
            continue
        if (u.chunk.chunk_id, u.position) in speakers:
            continue
        if not coverage_asked and _said(_ABOUT_ITSELF, u):
            continue
        # the kind of fact asked for counts only in sentences on the question's topic
        if spelled is not None:  # the abbreviation spelled out
            kind = _said(spelled, u)
        else:
            kind = _holds_kind(qtype, u.text) or bool(u.english and _holds_kind(qtype, u.english))
        score = (
            coverage
            + (weights.kind if kind else 0.0)
            - weights.rank * u.rank
            # shown in the asker's language: its own text, or its rendering (``rendering_of`` gives only those)
            + (weights.lang if u.lang == lang or u.english else 0.0)
        )
        if counts is not None and kind and _said(counts, u):
            score += weights.counted
        if asked and weights.asked:  # the answer span of a curated question like this one
            near = max(
                (sim for doc, a, b, sim in asked if doc == u.chunk.doc_id and a < u.end and u.start < b), default=0.0
            )
            score += weights.asked * max(0.0, near - weights.asked_floor)
        listed = listed_under.get((u.chunk.chunk_id, u.position))
        if listed is not None and not listed & asked_stages:
            continue  # an item of another stage's list ("A 阶段城市应做出的承诺：" …) is not about the stage asked
        if asked_stages:  # a sentence about the asked stage (or step) only; one about other stages only falls back
            named = _stages_of(u, listed_under)
            if named and named <= asked_stages:
                score += weights.stage
            elif named and not named & asked_stages:
                score -= weights.stage_other
        if asked_numbered:  # "model 2": a unit about Model 2 only, or about other models only
            things = _numbered_of(u, asked_numbered, under)
            if things and things <= asked_numbered:
                score += weights.numbered
            elif things and not things & asked_numbered:
                score -= weights.numbered_other
        scored.append(_with(u, score, coverage, kind))
    if not scored:
        return []
    scored.sort(key=lambda u: -u.score)
    best = scored[0]
    picked = [best]
    texts: set[str] = set()
    _mark(best, texts)
    listing = qtype in ("list", "procedure") or _announces(best)
    if listing:
        # a list answers with its items: the units that follow the best one in its passage; they do not take the
        # places of the next best sentences (often the list is elsewhere)
        picked += _items_after(
            best, units, texts, asked_stages, _run_on(best, units, passage_after, rendering_of, lang)
        )
    limit = len(picked) + most - 1
    for u in scored[1:]:
        if len(picked) >= limit:
            break
        if u.score < best.score * weights.follow or _seen(u, texts) or _other_stages(u, asked_stages):
            continue
        if _other_numbered(u, asked_numbered, under):
            continue  # a row of Model 3's table does not follow one of Model 2's
        picked.append(u)
        _mark(u, texts)
        if _announces(u):  # an announced list is shown with its items, never as a dangling "…的承诺："
            items = _items_after(u, units, texts, asked_stages, _run_on(u, units, passage_after, rendering_of, lang))
            picked += items
            limit += len(items)
    if _ASKS_WHICH_PART.search(question):
        # "which thematic area / service / section …": the answer is the heading the best sentence stands under
        part = _section_heading(best, units, passage_before, rendering_of, lang)
        if part is not None and not _seen(part, texts):
            picked.insert(0, part)
            _mark(part, texts)
    if passage_after is not None:
        # a sentence the passage's end cut ("…into economic, social, … subsystems, and") goes on in the next passage
        for k in range(len(picked) - 1, -1, -1):
            rest = _sentence_rest(picked[k], passage_after, rendering_of, lang)
            if rest is not None and not _seen(rest, texts):
                picked.insert(k + 1, rest)
                _mark(rest, texts)
    if spelled is not None and best.kind:
        # an abbreviation is answered by the sentences that spell it out (two bodies may share one: "GCC"), not by
        # every sentence that merely uses it
        spelt = [u for u in picked if u.kind]
        for u in scored:
            if len(spelt) >= most:
                break
            if u.kind and not _seen(u, texts):
                spelt.append(u)
                _mark(u, texts)
        return spelt
    if weights.first_passage and not any(u.rank == 0 for u in picked):
        # the passage retrieval ranks first is shown with its best sentence: the ranking reads the whole passage
        # (and its rendering) with both legs, the sentence score only words
        first = next(
            (
                u
                for u in scored
                if u.rank == 0 and not _seen(u, texts) and not _other_numbered(u, asked_numbered, under)
            ),
            None,
        )
        if first is not None:
            picked.append(first)
    return picked


# The heading of a document's list of works cited, and a question about publications ("When did Holling publish…",
# "which report does the paper cite", "参考文献里…", "哪一年发表的"): only then is an entry of the list an answer;
# "the authors" or "the article" alone is the paper itself
_BIBLIOGRAPHY = frozenset({"references", "reference", "bibliography", "works cited", "literature cited", "参考文献"})
_ASKS_SOURCES = re.compile(
    r"\bpublish|\bcit(?:e|es|ed|ing)\b|\breferences?\b|\bbibliograph|\bjournal|发表|出版|引用|引文|参考文献|期刊",
    _I,
)


_LIST_ITEM = re.compile(r"\s*(?:[-*•▪·]|\d{1,2}[.)、])\s")


def best_part(
    question: str,
    hits: Sequence[Hit],
    part_of: Callable[[Chunk], object | None],
    rendering_of: Callable[[str], Rendering | None],
    lexicon: Lexicon | None,
) -> list[Hit]:
    """The hits of the one part of a document (``part_of``: a thematic area, a service) that holds most of the
    question's terms, each weighed by how few parts hold it, in all its passages together: "which thematic area
    deals with a strategy endorsed by the legislature, aligned with national strategy and built around 'build back
    better'?" is the area that says all three, though another says one of them in a sentence of its own. A part's
    list items (the tools an area lists) are names, not what it says, and do not count. Ties go to the part search
    ranks first; hits of no part are dropped; empty when no hit has a part."""
    terms = question_terms(question, lexicon)
    parts: dict[object, list[Hit]] = {}
    for h in hits:
        key = part_of(h.chunk)
        if key is not None:
            parts.setdefault(key, []).append(h)
    if not parts or not terms:
        return [h for group in parts.values() for h in group]
    held: dict[object, frozenset[str]] = {}
    for key, group in parts.items():
        tokens: set[str] = set()
        for h in group:
            for u in units_of(h.chunk, h.rank, rendering_of(h.chunk.doc_id)):
                if not _LIST_ITEM.match(u.text):  # what a part says, not the names it lists
                    tokens |= _tokens(u) | _names(lexicon, u.text) | _names(lexicon, u.english)
        held[key] = frozenset(tokens)
    rarity = rarities(terms, list(held.values()))
    best = max(parts, key=lambda key: sum(w for t, w in zip(terms, rarity, strict=True) if t & held[key]))
    return parts[best]


def in_bibliography(chunk: Chunk) -> bool:
    """Whether ``chunk`` lies under a heading of works cited ("REFERENCES", "参考文献")."""
    return any(" ".join(h.strip("#*: ").split()).casefold() in _BIBLIOGRAPHY for h in chunk.section)


_LIST_BREAK = re.compile(r"\n|<p\b|</(?:ul|ol)\b", _I)  # a line, a new paragraph or a list's end closes a list


def _list_stages(units: Sequence[Unit]) -> dict[tuple[str, int], frozenset[str]]:
    """The stages of the list each unit is an item of: after a line announcing a stage's list ("A 阶段城市应做出的承
    诺：") the units that follow in its paragraph or as marked items below it, until the next announcer or heading.
    The FAQ's commitments of three stages run on one line: "承诺一步步制定…战略；" is Stage A's though it never says
    so, and "承诺充当 A 阶段和 B 阶段城市的导师" is Stage C's though it names A and B."""
    out: dict[tuple[str, int], frozenset[str]] = {}
    by_chunk: dict[str, list[Unit]] = {}
    for u in units:
        by_chunk.setdefault(u.chunk.chunk_id, []).append(u)
    for chunk_units in by_chunk.values():
        current: frozenset[str] = frozenset()
        end = 0  # where the unit before ends
        for u in sorted(chunk_units, key=lambda x: x.position):
            if _announces(u):
                current = stage_refs(u.text)
            elif u.heading:
                current = frozenset()
            elif current:
                gap = u.chunk.text[end - u.chunk.start : u.start - u.chunk.start]
                if _LIST_BREAK.search(gap) and not _ITEM.match(u.text):
                    current = frozenset()  # the list ended with its line, or its marked items
                else:
                    out[(u.chunk.chunk_id, u.position)] = current
            end = u.end
    return out


# A thing numbered within its document ("模式 2", "Model 2", "Table 3", "Goal 11"): a label word and a number of one
# or two digits after it. A number alone is no question term (every cost table has "实物（见预算项目 2）"), so the pair
# binds: a unit naming the label asked with another number, or standing under a heading line that does ("年度核心费用
# ——模式 3" over its table's rows), is about another thing of that kind. Not a count: a Chinese number before a
# measure word ("超过 10 个城市"), an English one before a word it counts ("attracted 15 cities").
_NUMBERED_ZH = re.compile(
    f"([{HAN_CLASS}]{{2,8}})\\s*(\\d{{1,2}})(?![\\d.%％])(?!\\s*(?:{_CLASSIFIERS}|[年月日天周倍万亿千百]))"
)
_NUMBERED_EN = re.compile(r"\b([A-Za-z]{3,})\s+(\d{1,2})\b(?![.,]\d)(?!\s*%)(?=\s*(?:[^\w\s]|$)|\s+(\w+))")


@lru_cache(maxsize=50_000)
def numbered(text: str) -> frozenset[tuple[str, int]]:
    """The numbered things ``text`` names, as (label token, number): ("模式", 2) for "年度核心费用——模式 2", ("tabl", 2)
    for "Table 2"."""
    out: set[tuple[str, int]] = set()
    for m in _NUMBERED_ZH.finditer(text):
        words = tokenize_zh(m.group(1))
        if words and len(words[-1]) >= 2 and not words[-1].isascii():
            out.add((words[-1], int(m.group(2))))
    for m in _NUMBERED_EN.finditer(text):
        after = m.group(3)
        if after is not None and after.casefold() not in STOPWORDS_EN:
            continue  # "15 cities": a count
        words = tokenize_en(m.group(1))
        if words:
            out.add((words[-1], int(m.group(2))))
    return frozenset(out)


def _numbered_under(units: Sequence[Unit]) -> dict[tuple[str, int], frozenset[tuple[str, int]]]:
    """The numbered things of the heading line each unit stands under in its passage (the rows of a table under
    "#### 年度核心费用——模式 2"): the nearest unit before it that is a heading line, in its original or rendering."""
    out: dict[tuple[str, int], frozenset[tuple[str, int]]] = {}
    current: dict[str, frozenset[tuple[str, int]]] = {}
    for u in sorted(units, key=lambda x: (x.chunk.chunk_id, x.position)):
        if u.heading:
            current[u.chunk.chunk_id] = numbered(u.text) | (numbered(u.english) if u.english else frozenset())
        else:
            out[(u.chunk.chunk_id, u.position)] = current.get(u.chunk.chunk_id, frozenset())
    return out


def _numbered_of(
    u: Unit, asked: frozenset[tuple[str, int]], under: Mapping[tuple[str, int], frozenset[tuple[str, int]]]
) -> frozenset[tuple[str, int]]:
    """The numbered things of the labels asked that ``u`` is about: those it names, else its heading line's."""
    labels = {label for label, _ in asked}
    own = numbered(u.text) | (numbered(u.english) if u.english else frozenset())
    named = frozenset(p for p in own if p[0] in labels)
    return named or frozenset(p for p in under.get((u.chunk.chunk_id, u.position), ()) if p[0] in labels)


# A question asking which part of a document holds what it describes: a thematic area, a service, a section, a
# flagship ("哪个专题领域提醒规划人员…", "Which MCR2030 thematic area points out…", "人居署目录里哪项服务处在…的交汇
# 点"; not "Which body services the secretariat"): the part's heading answers it
_ASKS_WHICH_PART = re.compile(
    r"哪(?:个|一|项|些|种)?个?(?:专题(?:支持)?领域|领域|服务|节|部分|章|旗舰项目|旗舰)|"
    r"\bwhich\s+(?:of\s+the\s+)?(?:[\w'-]+\s+){0,3}?(?:thematic\s+(?:support\s+)?areas?|areas?|services?|"
    r"sections?|chapters?|flagships?)\b(?!\s+(?:the|a|an|its|their)\b)|"
    r"\bwhat\s+(?:thematic\s+(?:support\s+)?area|service|section|chapter|flagship)s?\b(?!\s+(?:the|a|an|its|their)\b)",
    _I,
)
# A heading that names such a part: a thematic area, a service, a section, a flagship ("专题领域 8: 将气候风险纳入战略和
# 计划", "H.5. 气候变化的脆弱性和风险…", "旗舰项目 3: RISE-UP…"), not a chapter's or a paper's own heading
_PART_HEADING = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*)?(?:专题(?:支持)?领域\s*\d+|旗舰项目\s*\d+|[A-K]\.\d+\.?\s|[A-K]\.\s|"
    r"(?:thematic\s+(?:support\s+)?area|flagship(?:\s+programme)?|section)\s+[\dA-K])",
    _I,
)
# How many passages back the heading of a long section may stand
_HEADING_REACH = 3


def _section_heading(
    u: Unit,
    units: Sequence[Unit],
    passage_before: Callable[[Chunk], Chunk | None] | None,
    rendering_of: Callable[[str], Rendering | None],
    lang: str,
) -> Unit | None:
    """The heading line of the innermost section ``u`` stands in (its passage's section path), as a unit: found
    before ``u`` in its passage, or in the passages before it (at most ``_HEADING_REACH``); None when none is."""
    if not u.chunk.section or u.heading:
        return None
    wanted = _heading_key(u.chunk.section[-1])
    for h in sorted(units, key=lambda x: -x.position):
        if h.chunk.chunk_id == u.chunk.chunk_id and h.position < u.position and h.heading:
            return h if _heading_key(h.text) == wanted and _PART_HEADING.match(h.text) else None
    chunk: Chunk | None = u.chunk
    for _ in range(_HEADING_REACH):
        chunk = passage_before(chunk) if passage_before is not None and chunk is not None else None
        if chunk is None:
            return None
        rendering = rendering_of(chunk.doc_id) if chunk.lang != lang else None
        for h in reversed(units_of(chunk, u.rank, rendering)):
            if h.heading:
                return h if _heading_key(h.text) == wanted and _PART_HEADING.match(h.text) else None
    return None


def _heading_key(text: str) -> str:
    """A heading as its section path writes it: without markdown marks, emphasis or spacing."""
    return re.sub(r"[#*\s]", "", text)


def _other_numbered(
    u: Unit, asked: frozenset[tuple[str, int]], under: Mapping[tuple[str, int], frozenset[tuple[str, int]]]
) -> bool:
    """``u`` is about numbered things of the label asked, none of them asked about ("模式 3" for "model 2")."""
    things = _numbered_of(u, asked, under) if asked else frozenset()
    return bool(things) and not things & asked


def _other_stages(u: Unit, asked: frozenset[str]) -> bool:
    """``u`` names roadmap stages, none of them asked about: "A 阶段城市应做出的承诺：" for a question about Stage B;
    or, naming none, stands in another stage's section ("这类城市必须承诺…" under "B 阶段：推进城市规划")."""
    named = (stage_refs(u.text) or _section_stages(u.chunk)) if asked else frozenset()
    return bool(named) and not named & asked


def _stages_of(u: Unit, listed_under: Mapping[tuple[str, int], frozenset[str]]) -> frozenset[str]:
    """The roadmap stages ``u`` is about: a list item's are its list's, whatever it names; a sentence naming none
    takes its section heading's."""
    return listed_under.get((u.chunk.chunk_id, u.position)) or stage_refs(u.text) or _section_stages(u.chunk)


def _section_stages(chunk: Chunk) -> frozenset[str]:
    """The stage the innermost heading of ``chunk``'s section path names, if any ("B 阶段：推进城市规划": {"B"})."""
    for heading in reversed(chunk.section):
        if named := stage_refs(heading):
            return named
    return frozenset()


def _announces(u: Unit) -> bool:
    return _said(_ANNOUNCES, u) or _said(_OPENS_LIST, u)


def _said(pattern: re.Pattern[str], u: Unit) -> bool:
    """Whether ``pattern`` is found in the unit's original or in its rendering."""
    return any(pattern.search(t) for t in (u.text, u.english) if t)


def _sentence_rest(
    u: Unit,
    passage_after: Callable[[Chunk], Chunk | None],
    rendering_of: Callable[[str], Rendering | None],
    lang: str,
) -> Unit | None:
    """The rest of ``u``'s sentence when the end of its passage cut it and the next passage goes on with it (a page
    break's marks between them: a lower-case English word after a letter or comma, Chinese prose after a Han
    character or comma, as ``retriever.sentences`` reads a break inside one passage); else None."""
    if u.heading or u.chunk.text[u.end - u.chunk.start :].strip():
        return None  # not the passage's last words
    first = next(iter(_passage_after_units(u, passage_after, rendering_of, lang)), None)
    if first is None or first.chunk.text[: first.start - first.chunk.start].strip():
        return None  # the rest must be the next passage's first words
    joined = f"{u.text}\n\n{first.text}"
    end, start = len(u.text), len(u.text) + 2
    return first if broken_by_page_break(joined, end, start) or broken_han_sentence(joined, end, start) else None


def _run_on(
    head: Unit,
    units: Sequence[Unit],
    passage_after: Callable[[Chunk], Chunk | None] | None,
    rendering_of: Callable[[str], Rendering | None],
    lang: str,
) -> list[Unit]:
    """The units of the passage after ``head``'s when ``head`` announces a list as the last of its passage's
    ``units`` and the next passage opens with a marked item ("…can be summarized in the following five aspects."
    ends one passage of the paper and "1) Multi-level governance…" begins the next); otherwise none."""
    if passage_after is None or not _announces(head):
        return []
    if any(u.chunk.chunk_id == head.chunk.chunk_id and u.position > head.position for u in units):
        return []
    run_on = _passage_after_units(head, passage_after, rendering_of, lang)
    if not run_on or not _ITEM.match(run_on[0].text):
        return []  # the next passage must open with a marked item, or it is not the list announced
    return run_on


def _passage_after_units(
    head: Unit,
    passage_after: Callable[[Chunk], Chunk | None],
    rendering_of: Callable[[str], Rendering | None],
    lang: str,
) -> list[Unit]:
    """The units of the passage right after ``head``'s (it may overlap it), numbered on from ``head``; none when
    there is no such passage. Whether ``head`` ends its own passage is the caller's to say."""
    chunk = head.chunk
    after = passage_after(chunk)
    if after is None or after.start - chunk.end > 3:
        return []
    rendering = rendering_of(after.doc_id) if after.lang != lang else None
    return [replace(u, position=head.position + 1 + u.position) for u in units_of(after, head.rank, rendering)]


def _items_after(
    head: Unit,
    units: Sequence[Unit],
    texts: set[str],
    asked: frozenset[str] = frozenset(),
    run_on: Sequence[Unit] = (),
) -> list[Unit]:
    """The units that follow ``head`` in its passage (or, when it is the passage's last, ``run_on``: those of the
    passage after it, ``_run_on``), up to ``LIST_UNITS - 1`` after it or after the last of them
    that opens an inline list of its own, and beyond that while they run on as marked items (a bullet, "(b)",
    "（二）"), at most twice ``LIST_UNITS - 1`` in all; the rest of an inline list (":(i) …；") is its marked items
    only. Any already shown are skipped (their folded text or rendering is in ``texts``, which is updated). For a
    question about roadmap stages (``asked``, ``stage_refs``), a sub-list announced as another stage's ("A 阶段城市应
    做出的承诺：" for a question about Stage B) is passed over with its items, and does not use up the places of the
    asked stage's items."""
    following = sorted(
        (u for u in units if u.chunk.chunk_id == head.chunk.chunk_id and u.position > head.position),
        key=lambda u: u.position,
    ) or list(run_on)
    items: list[Unit] = []
    skipped = 0
    other = False
    opened = head.position  # or the last item that opens an inline list of its own
    inline = _opens_list(head)  # the rest of a list opened inline (":(i) …；") is its marked items only
    previous_item = in_items = bool(_ITEM.match(head.text))  # once an item is read, a list announced is another
    sibling = False
    for u in following:
        item = bool(_ITEM.match(u.text))
        if (
            u.heading
            or _caption(u)
            or _POINTER.search(u.text)
            or _said(_SPEAKER, u)
            or len(items) >= 2 * (LIST_UNITS - 1)
            or (inline and not item)
        ):
            # a list never runs on past a heading ("RESEARCH FUND" after a paper's highlights), into a picture's
            # caption, a pointer to a resource ("肯尼亚，穆塔瓦帕磋商" and its credit line after a table's last row)
            # or a testimonial's speaker
            break
        if u.position - opened - skipped >= LIST_UNITS and (sibling or not (item and previous_item)):
            break  # past the window, only a run of marked items goes on (five regions' "- 非洲：…" lines), and
            # not the items of a list announced after those read ("战略目标 3: …" after objective 2's)
        sibling = sibling or in_items and _announces(u)
        in_items = in_items or item
        if asked and _announces(u):
            other = _other_stages(u, asked)
        if other:
            skipped += 1
            continue
        if not _seen(u, texts):
            items.append(u)
            _mark(u, texts)
        if _opens_list(u):
            opened, skipped, inline = u.position, 0, True
        previous_item = item
    return items


def _caption(u: Unit) -> bool:
    """Whether ``u`` is a picture's caption: the next line of its passage is a credit line (``_CREDIT``)."""
    after = u.chunk.text[u.end - u.chunk.start :].lstrip()
    return _CREDIT.match(after.split("\n", 1)[0].strip()) is not None


def _opens_list(u: Unit) -> bool:
    return any(_OPENS_LIST.search(t) for t in (u.text, u.english) if t)


def _with(u: Unit, score: float, coverage: float, kind: bool) -> Unit:
    return replace(u, score=score, coverage=coverage, kind=kind)


def _seen(u: Unit, texts: set[str]) -> bool:
    """Whether ``u`` says what a unit already shown says: the same text, or the same rendering (the overview says
    "MCR2030 was launched in October 2020 …" twice in other words, rendered alike), punctuation aside; or, for a
    long sentence, nearly the same text (the overview welcomes participating entities twice, once "感兴趣的实体" and
    once "有兴趣的实体成为“参与实体”")."""
    folded = [_fold(u.text)] + ([_fold(u.english)] if u.english else [])
    if any(f in texts for f in folded):
        return True
    return any(_nearly(f, t) for f in folded for t in texts)


def _nearly(a: str, b: str) -> bool:
    """Whether two folded sentences are at least ``_NEAR`` alike; the bounds first (their lengths, then their
    characters), since most pairs differ in length and the full comparison costs a millisecond a pair."""
    if len(a) < _NEAR_MIN or len(b) < _NEAR_MIN or 2 * min(len(a), len(b)) < _NEAR * (len(a) + len(b)):
        return False
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= _NEAR and matcher.ratio() >= _NEAR


# How alike two long sentences must be, punctuation aside, to be the same sentence said twice (one or two words
# differ in 100 characters)
_NEAR = 0.95
_NEAR_MIN = 40


def _mark(u: Unit, texts: set[str]) -> None:
    texts.add(_fold(u.text))
    if u.english:
        texts.add(_fold(u.english))


_NOT_ALNUM = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    return _NOT_ALNUM.sub("", text).casefold()


def in_reading_order(units: Sequence[Unit]) -> list[Unit]:
    """Units of one passage in document order; passages in the order of their best unit."""
    order: dict[str, int] = {}
    for u in units:
        order.setdefault(u.chunk.chunk_id, len(order))
    return sorted(units, key=lambda u: (order[u.chunk.chunk_id], u.start))
