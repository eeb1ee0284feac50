"""Tokenisation for the lexical index: Chinese words (jieba, search mode) and English stems, in one token space.

Both languages meet on the same tokens: Han runs are always cut by jieba and Latin/digit runs are always
lower-cased, stop-filtered and stemmed, whichever `lang` the text is tagged with. So an English acronym inside a
Chinese chunk (``MCR2030``, ``CityRAP``, ``ISO 37123``) matches the same acronym in an English query, and a Chinese
word in an English question matches the Chinese index.

jieba is initialised lazily, once, on a private `jieba.Tokenizer` (so other users of the global jieba instance are
not affected). `add_user_words` changes how later texts are cut: add the same words before building an index and
before querying it (`user_words()` gives the set to record in an index manifest).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable

import jieba

from retriever.language import HAN_CLASS

__all__ = [
    "STOPWORDS_EN",
    "STOPWORDS_ZH",
    "add_user_words",
    "stem_en",
    "tokenize",
    "tokenize_en",
    "tokenize_zh",
    "user_words",
    "word_frequency",
]

logger = logging.getLogger(__name__)

_STOPWORDS_EN_TEXT = """
    a about above after again against all also am an and any are aren as at be because been before being below
    between both but by can cannot could couldn did didn do does doesn doing don down during each either etc few for
    from further had hadn has hasn have haven having he her here hers herself him himself his how however i if in
    into is isn it its itself just let ll me might more most must mustn my myself no nor not now of off on once only
    or other ought our ours ourselves out over per re s same shall shan she should shouldn so some such t than
    that the their theirs them themselves then there these they this those through thus to too under until up upon
    ve very via was wasn we were weren what when where whether which while who whom whose why will with within
    without won would wouldn yet you your yours yourself yourselves
"""
STOPWORDS_EN: frozenset[str] = frozenset(_STOPWORDS_EN_TEXT.split())

_STOPWORDS_ZH_TEXT = """
    的 地 得 了 着 过 和 与 及 以及 或 或者 并 并且 而 而且 在 是 为 以 于 对 对于 从 由 向 把 被 将 其 之 等 等等 也 都
    又 就 即 这 那 这些 那些 这个 该 此 各 每 某 个 所 所有 之一 中 上 下 里 们 我 我们 你 您 他 她 它 他们 她们 它们
    吗 呢 吧 啊 呀 哦 嗯 如 如果 因为 所以 但 但是 然而 则 且 还 还是 已 已经 可 可以 能 能够 要 会 应 应该 有 没有 无
    不 很 更 最 非常 一 一个 一种 一些 不同 如何 什么 哪些 为了 通过 根据 关于 以便 以下 以上 包括 其他 其中 之间
"""
STOPWORDS_ZH: frozenset[str] = frozenset(_STOPWORDS_ZH_TEXT.split())

# Han ideographs (basic, extension A, compatibility, extensions B-F): segmented by jieba.
_HAN = HAN_CLASS
# A Han run, or a run of other letters/digits (underscore counts as a separator).
_RUN = re.compile(rf"([{_HAN}]+)|([^\W_{_HAN}]+)")
_ALL_HAN = re.compile(rf"[{_HAN}]+")

_tokenizer: jieba.Tokenizer | None = None
_user_words: set[str] = set()
_lock = threading.Lock()


def _jieba() -> jieba.Tokenizer:
    """The private jieba tokenizer, initialised on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
                logger.debug("jieba_initialised")
    return _tokenizer


def add_user_words(words: Iterable[str]) -> int:
    """Add Chinese words to the segmentation dictionary so that they come out whole. Returns how many were new.

    Words are NFKC-normalised like the text they will match. Only all-Han words are used: Latin runs never reach
    jieba (see `tokenize_zh`), so words such as "C40城市" or "ISO 37123" are ignored. Idempotent.
    """
    tokenizer = _jieba()
    added = 0
    with _lock:
        for raw in words:
            word = unicodedata.normalize("NFKC", raw).strip().lower()
            if word in _user_words or not _ALL_HAN.fullmatch(word):
                continue
            # freq=None lets jieba pick a frequency high enough for the word to be cut out whole.
            tokenizer.add_word(word)
            _user_words.add(word)
            added += 1
    if added:
        logger.debug("jieba_user_words_added count=%d total=%d", added, len(_user_words))
    return added


def word_frequency(word: str) -> int:
    """How often jieba's dictionary has seen `word` (0 for unknown words): a cheap measure of how common it is."""
    return _jieba().FREQ.get(word, 0)


def user_words() -> frozenset[str]:
    """The words added with `add_user_words` so far (they change segmentation: record them with an index)."""
    return frozenset(_user_words)


# --- English -------------------------------------------------------------------------------------------------------
# Porter's (1980) suffix-stripping algorithm, original rules, on lower-case ASCII words.

# Each letter as "c" (consonant) or "v" (vowel); y is a vowel after a consonant. bytes.translate does the work in C.
_CV_TABLE = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"vcccvcccvcccccvcccccvcccyc")


def _cv(word: str) -> str:
    """The consonant/vowel form of an ASCII word ("tree" -> "ccvv"); the form of a prefix is the prefix of the form."""
    form = word.encode("ascii").translate(_CV_TABLE).decode("ascii")
    if "y" in form:
        letters = list(form)
        for i, ch in enumerate(letters):
            if ch == "y":
                letters[i] = "c" if i == 0 or letters[i - 1] == "v" else "v"
        form = "".join(letters)
    return form


def _measure(stem: str) -> int:
    """m in [C](VC)^m[V]: the number of vowel-consonant sequences."""
    return _cv(stem).count("vc")


def _has_vowel(stem: str) -> bool:
    return "v" in _cv(stem)


def _ends_double_consonant(word: str) -> bool:
    return len(word) >= 2 and word[-1] == word[-2] and _cv(word)[-1] == "c"


def _ends_cvc(word: str) -> bool:
    """consonant-vowel-consonant where the last consonant is not w, x or y (e.g. -hop, -fil)."""
    return len(word) >= 3 and _cv(word)[-3:] == "cvc" and word[-1] not in "wxy"


_STEP2 = (
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"), ("abli", "able"),
    ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"),
    ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"),
    ("iviti", "ive"), ("biliti", "ble"),
)  # fmt: skip
_STEP3 = (
    ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
)  # fmt: skip
_STEP4 = (
    "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate", "iti",
    "ous", "ive", "ize",
)  # fmt: skip


def _by_last_letter(rules: Iterable[tuple[str, str]]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Rules grouped by the suffix's last letter, longest suffix first (Porter tries only the longest match)."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for rule in sorted(rules, key=lambda r: -len(r[0])):
        grouped.setdefault(rule[0][-1], []).append(rule)
    return {k: tuple(v) for k, v in grouped.items()}


_STEP2_RULES = _by_last_letter(_STEP2)
_STEP3_RULES = _by_last_letter(_STEP3)
_STEP4_RULES = _by_last_letter((suffix, "") for suffix in _STEP4)


def _replace_if(word: str, rules: dict[str, tuple[tuple[str, str], ...]], min_measure: int) -> str:
    for suffix, replacement in rules.get(word[-1], ()):
        if word.endswith(suffix):
            stem = word[: len(word) - len(suffix)]
            return stem + replacement if _measure(stem) > min_measure else word
    return word


# British spellings folded to American before stemming, so that "organisation", "neighbourhood" and "centre" meet
# "organization", "neighborhood" and "center" (CC-CEDICT glosses are mostly American; UN texts are British).
_SPELLING = {
    "centre": "center", "centres": "centers", "programme": "program", "programmes": "programs", "metre": "meter",
    "metres": "meters", "litre": "liter", "litres": "liters", "fibre": "fiber", "theatre": "theater",
    "catalogue": "catalog", "catalogues": "catalogs", "defence": "defense", "licence": "license",
    "offence": "offense", "ageing": "aging", "enrol": "enroll", "fulfil": "fulfill", "tonne": "ton", "tonnes": "tons",
}  # fmt: skip
_OUR_WORDS = (
    "armour", "behaviour", "clamour", "colour", "endeavour", "favour", "fervour", "flavour", "harbour", "honour",
    "humour", "labour", "neighbour", "odour", "parlour", "rigour", "rumour", "savour", "splendour", "tumour", "valour",
    "vapour", "vigour",
)  # fmt: skip
_ISE_KEEP_TEXT = """
    advertise anise appraise arise braise bruise chastise circumcise compromise concise cruise demise despise disguise
    excise exercise expertise franchise guise incise liaise merchandise moonrise mortise noise paradise poise porpoise
    praise precise premise promise raise rise sunrise surmise tortoise treatise uprise valise
"""
_ISE_KEEP = frozenset(_ISE_KEEP_TEXT.split())  # -ise words that are not British -ize spellings


def _american(word: str) -> str:
    if word in _SPELLING:
        return _SPELLING[word]
    if word.startswith(_OUR_WORDS):
        return word.replace("our", "or", 1)
    if "isation" in word:
        return word.replace("isation", "ization")
    for suffix in ("ise", "ised", "ises", "ising", "iser", "isers"):
        if word.endswith(suffix):
            base = word[: -len(suffix)] + "ise"
            keep = base in _ISE_KEEP or base.endswith(("wise", "prise", "vise"))
            if not keep and len(base) >= 6 and base[-4] not in "aeiouy":
                return word[: -len(suffix)] + "iz" + suffix[2:]
            break
    return word


@functools.lru_cache(maxsize=131_072)
def stem_en(word: str) -> str:
    """Porter stem of a lower-case word; words with digits or non-ASCII letters, and words of <= 2 letters, unchanged.

    British spellings are folded to American first (organisation -> organization, centre -> center).

    >>> [stem_en(w) for w in ("cities", "city", "measuring", "measure", "resilience", "resilient", "organised")]
    ['citi', 'citi', 'measur', 'measur', 'resili', 'resili', 'organ']
    """
    if len(word) <= 2 or not (word.isascii() and word.isalpha()):
        return word
    w = _american(word)
    # Step 1a: plurals.
    if w.endswith(("sses", "ies")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    # Step 1b: -eed, -ed, -ing.
    if w.endswith("eed"):
        if _measure(w[:-3]) > 0:
            w = w[:-1]
    else:
        for suffix in ("ed", "ing"):
            if w.endswith(suffix) and _has_vowel(w[: -len(suffix)]):
                w = w[: -len(suffix)]
                if w.endswith(("at", "bl", "iz")):
                    w += "e"
                elif _ends_double_consonant(w) and w[-1] not in "lsz":
                    w = w[:-1]
                elif _measure(w) == 1 and _ends_cvc(w):
                    w += "e"
                break
    # Step 1c: terminal y -> i when the stem has a vowel.
    if w.endswith("y") and _has_vowel(w[:-1]):
        w = w[:-1] + "i"
    # Steps 2 and 3: derivational suffixes, m > 0.
    w = _replace_if(w, _STEP2_RULES, 0)
    w = _replace_if(w, _STEP3_RULES, 0)
    # Step 4: remove suffixes, m > 1 (-ion only after s or t).
    for suffix, _ in _STEP4_RULES.get(w[-1], ()):
        if w.endswith(suffix):
            stem = w[: -len(suffix)]
            if _measure(stem) > 1 and (suffix != "ion" or stem.endswith(("s", "t"))):
                w = stem
            break
    # Step 5a: final -e.
    if w.endswith("e"):
        stem = w[:-1]
        m = _measure(stem)
        if m > 1 or (m == 1 and not _ends_cvc(stem)):
            w = stem
    # Step 5b: -ll -> -l when m > 1.
    if _measure(w) > 1 and _ends_double_consonant(w) and w.endswith("l"):
        w = w[:-1]
    return w


def _normalise_en(run: str, keep_stopwords: bool) -> str | None:
    """One lower-case alphanumeric run -> its stem, or None for a stop word (before or after stemming: "others").

    With `keep_stopwords` a stop word comes back unstemmed, so it is still recognisable as one ("does", not "doe").
    """
    if run in STOPWORDS_EN:
        return run if keep_stopwords else None
    stem = stem_en(run)
    return None if stem in STOPWORDS_EN and not keep_stopwords else stem


def _segment_zh(run: str, keep_stopwords: bool) -> list[str]:
    words = _jieba().lcut_for_search(run)
    return words if keep_stopwords else [word for word in words if word not in STOPWORDS_ZH]


def _tokenize_mixed(text: str, keep_stopwords: bool) -> list[str]:
    tokens: list[str] = []
    for match in _RUN.finditer(unicodedata.normalize("NFKC", text).lower()):
        han, other = match.groups()
        if han is not None:
            tokens.extend(_segment_zh(han, keep_stopwords))
        else:
            token = _normalise_en(other, keep_stopwords)
            if token:
                tokens.append(token)
    return tokens


def tokenize_zh(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Index tokens of a Chinese text, in text order.

    NFKC-normalised and lower-cased; Han runs cut by jieba in search mode (a long word comes with the dictionary words
    inside it, e.g. 韧性路线图 -> 韧性, 路线, 线图, 路线图, 韧性路线图), minus `STOPWORDS_ZH`; Latin words and
    numbers as in `tokenize_en`. Punctuation and whitespace never produce tokens. ``keep_stopwords=True`` keeps stop
    words (for phrase matching, where "stage a" must not shrink to "stage").
    """
    return _tokenize_mixed(text, keep_stopwords)


def tokenize_en(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Index tokens of an English text, in text order.

    NFKC-normalised, lower-cased, split on anything that is not a letter or digit, minus `STOPWORDS_EN`, Porter
    stemmed (`stem_en`; tokens with digits such as ``mcr2030`` are kept whole). Han runs go through jieba exactly as
    in `tokenize_zh`, so both functions give the same tokens for the same text. ``keep_stopwords`` as in `tokenize_zh`.
    """
    return _tokenize_mixed(text, keep_stopwords)


def tokenize(text: str, lang: str) -> list[str]:
    """`tokenize_zh` for ``lang`` "zh" (or "zh-*"), `tokenize_en` for "en" (or "en-*"); ValueError otherwise."""
    base = lang.lower().split("-", 1)[0].split("_", 1)[0]
    if base == "zh":
        return tokenize_zh(text)
    if base == "en":
        return tokenize_en(text)
    raise ValueError(f"unsupported language {lang!r}; expected 'zh' or 'en'")


@functools.lru_cache(maxsize=32_768)
def sentence_tokens(text: str, pattern: re.Pattern[str], min_chars: int) -> tuple[tuple[int, int, frozenset[str]], ...]:
    """The sentences of ``text`` found by ``pattern`` (stripped, at least ``min_chars`` long), each as (start, end,
    its `tokenize_zh` tokens) with offsets into ``text``. Cached per (text, pattern, min_chars): the passages and
    records that answers quote recur across requests, and segmenting them is most of an answer's time.
    `tokenize_zh` and `tokenize_en` give the same tokens for any text, so one pass covers both languages."""
    out = []
    for m in pattern.finditer(text):
        raw = m.group(0)
        sentence = raw.strip()
        if len(sentence) < min_chars:
            continue
        begin = m.start() + len(raw) - len(raw.lstrip())
        out.append((begin, begin + len(sentence), frozenset(tokenize_zh(sentence))))
    return tuple(out)
