"""Hybrid search over a loaded index: dense and lexical legs fused by reciprocal rank, with filters.

Legs (each gives a ranked candidate list; filters restrict candidates *before* ranking):
- ``dense``: the embedder's query vector against the vector store (all languages).
- ``lexical``: BM25 of the query's own words in its own language. Chinese queries: jieba tokens against
  ``lex_main`` (every chunk in its own language). English queries: stemmed words against ``lex_en``, the
  *English view* of every chunk (English chunks' own words; Chinese chunks' English glosses from the curated
  glossary and CC-CEDICT), so an English question competes on one footing for English and Chinese passages.
- ``glossed`` (Chinese queries): the query's words as their English glosses (glossary, CC-CEDICT) against the
  English view, so two Chinese words for one thing meet in the English word both gloss to.
- ``translated`` (English queries): the query translated en->zh through the glossary (weight 1) and
  CC-CEDICT (discounted), against ``lex_main``.
- ``asked`` and ``asked_dense`` (hybrid mode, ``questions``): the query against the questions the team wrote for
  each passage (``corpus/questions/``, ``retriever.asked``), by words in the query's language and by meaning (the
  nearest question under the embedder). A question worded like the user's finds a passage worded otherwise.
- ``prf`` (English queries, off by default): pseudo-relevance feedback; Chinese terms that distinguish the
  first-pass top chunks run as a second lexical query.

Then the first ``RERANK_DEPTH`` fused passages are re-ranked by their best sentence (``sentences``; English queries):
each gains ``SENTENCE_WEIGHTS[lang]`` x the share of the query's idf that one of its sentences holds (an English
passage's own sentences, cut by ``retriever.sentences.split_sentences``; a Chinese passage's English rendering
segment by segment). BM25 rewards a passage whose
words are spread over many sentences; the passage that answers usually holds the question's words in one.

A file that holds a text and its translation (the congress paper: English, then Chinese) answers each reader from
the half in their language (``own_half``): in every leg, a passage of the other half stands for the passage of the
reader's half that its aligned translation falls in (the same content; for a Chinese question that names things
in Latin script, the English half is what matches). Chosen over dropping the other half on the tuning questions;
docs/eval/answers.md has the figures.

Why this routing (measured on the dev set, see docs/eval): English words against the Chinese-only main index
find nothing, and against English text only they drown Chinese passages under the English paper (en->zh R@5
0.20 for dense+own-language BM25); the English view keeps English-paper recall (1.00) while finding Chinese
passages (0.90 with dense and translated). PRF drifted on this corpus (0.90 -> 0.75) and is off by default.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from pathlib import Path

import numpy as np

from retriever.asked import AskedIndex
from retriever.bilingual import Lexicon
from retriever.embedders import Embedder
from retriever.errors import EmbedderMismatch, InvalidRequest
from retriever.index import (
    IndexFiles,
    catalogue_from_json,
    read_manifest,
    read_meta,
    read_renderings,
    require_current,
    verify_checksums,
)
from retriever.language import normalize_query, script_lang
from retriever.lexical import BM25Index
from retriever.references import DocumentReferences
from retriever.sentences import split_sentences
from retriever.settings import RetrievalSettings
from retriever.stores import FaissStore, VectorStore
from retriever.tokenize import tokenize_en, tokenize_zh
from retriever.types import CatalogueItem, Chunk, Document, Hit, RenderedQuote, Rendering

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions applied before ranking. Empty tuples mean "any".

    ``docs`` match a doc id or a source file name; ``sections`` match when any element of a chunk's section
    path starts with one of them (``"A.1"``, ``"专题领域 3"``); ``kinds`` match the document kind of the
    manifest (``"service catalogue"``, ...).
    """

    docs: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.docs or self.langs or self.sections or self.kinds)


BILINGUAL_SHARE = 0.2  # a document is written in a language when at least this share of its text is
HAN_WEIGHT = 3


def written_languages(chunks: Sequence[Chunk]) -> dict[str, set[str]]:
    """The languages each document is written in: those of at least a fifth of its text (Chinese characters
    weighed as three letters). A file holding a text and its translation has both; a Chinese document with an
    English title page or link list is Chinese only."""
    sizes: dict[str, dict[str, int]] = {}
    for c in chunks:
        per = sizes.setdefault(c.doc_id, {})
        # a Han character carries about as much as three Latin letters (the aligner's length model agrees)
        weight = len(c.text) * (HAN_WEIGHT if c.lang == "zh" else 1)
        per[c.lang] = per.get(c.lang, 0) + weight
    out = {}
    for doc_id, per in sizes.items():
        total = sum(per.values()) or 1
        out[doc_id] = {lang for lang, n in per.items() if n >= BILINGUAL_SHARE * total}
    return out


@dataclass
class LoadedIndex:
    """One published index version, loaded read-only."""

    folder: Path
    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    store: VectorStore
    lex_main: BM25Index
    lex_en: BM25Index
    catalogue: list[CatalogueItem]
    row_of: dict[str, int] = field(default_factory=dict)
    renderings: dict[tuple[str, str], Rendering] = field(default_factory=dict)
    asked: AskedIndex | None = None  # the curated questions of the passages (none in versions built without them)

    def rendering(self, doc_id: str, lang: str) -> Rendering | None:
        """The rendering of a document in ``lang`` (curated or an aligned official translation), if any."""
        return self.renderings.get((doc_id, lang))

    def has_text_in(self, doc_id: str, lang: str) -> bool:
        """Whether a document is written in ``lang`` itself (see :func:`written_languages`): then its own text,
        not a rendering, answers readers of ``lang``."""
        return lang in self._written.get(doc_id, ())

    def counterparts(self, lang: str) -> np.ndarray | None:
        """For a reader of ``lang``: each chunk row's stand-in, itself, or for a passage of the other-language half
        of a file written in ``lang`` too (the Chinese translation inside the English paper's file, for an English
        reader) the passage of the reader's half that the aligned translation of its sentences falls in most
        (-1 when none does). None when the index holds no such file."""
        if lang not in self._counterparts:
            self._counterparts[lang] = self._counterparts_for(lang)
        return self._counterparts[lang]

    def _counterparts_for(self, lang: str) -> np.ndarray | None:
        written = self._written
        rows = np.arange(len(self.chunks), dtype=np.int64)
        other = [r for r, c in enumerate(self.chunks) if c.lang != lang and lang in written.get(c.doc_id, ())]
        if not other:
            return None
        own: dict[str, list[tuple[int, Chunk]]] = {}
        for r, c in enumerate(self.chunks):
            if c.lang == lang:
                own.setdefault(c.doc_id, []).append((r, c))
        for r in other:
            chunk = self.chunks[r]
            rendering = self.rendering(chunk.doc_id, lang)
            doc = self.documents.get(chunk.doc_id)
            votes: Counter[int] = Counter()
            if rendering is None or doc is None:
                rows[r] = -1
                continue
            for seg in rendering.overlapping(chunk.start, chunk.end):
                at = doc.text.find(seg.en) if seg.en else -1  # an aligned translation is a slice of the file
                if at < 0:
                    continue
                for row, c in own.get(chunk.doc_id, ()):
                    overlap = min(c.end, at + len(seg.en)) - max(c.start, at)
                    if overlap > 0:
                        votes[row] += overlap
            rows[r] = votes.most_common(1)[0][0] if votes else -1
        return rows

    @cached_property
    def _counterparts(self) -> dict[str, np.ndarray | None]:
        return {}

    @cached_property
    def _written(self) -> dict[str, set[str]]:
        return written_languages(self.chunks)

    def passage_after(self, chunk: Chunk) -> Chunk | None:
        """The passage that follows ``chunk`` in its document and language (the next in reading order), if any."""
        return self._neighbours[0].get(chunk.chunk_id)

    def passage_before(self, chunk: Chunk) -> Chunk | None:
        """The passage that precedes ``chunk`` in its document and language, if any."""
        return self._neighbours[1].get(chunk.chunk_id)

    @cached_property
    def _neighbours(self) -> tuple[dict[str, Chunk], dict[str, Chunk]]:
        """Each passage's next and previous passage in its document and language, by chunk id."""
        halves: dict[tuple[str, str], list[Chunk]] = {}
        for c in self.chunks:
            halves.setdefault((c.doc_id, c.lang), []).append(c)
        after: dict[str, Chunk] = {}
        before: dict[str, Chunk] = {}
        for passages in halves.values():
            passages.sort(key=lambda c: (c.start, c.end))
            for a, b in pairwise(passages):
                after[a.chunk_id] = b
                before[b.chunk_id] = a
        return after, before

    def rendering_of_chunk(self, chunk: Chunk) -> RenderedQuote | None:
        """A passage in the other language (English for a Chinese passage, Chinese for an English one), if a
        rendering of its document covers it."""
        return self.rendering_of_span(chunk.doc_id, chunk.lang, chunk.start, chunk.end)

    def rendering_of_span(self, doc_id: str, lang: str, start: int, end: int) -> RenderedQuote | None:
        """``[start, end)`` of a document in the other language than ``lang``, if a rendering covers it."""
        other = "en" if lang == "zh" else "zh"
        r = self.renderings.get((doc_id, other))
        if r is None:
            return None
        doc = self.documents.get(doc_id)
        text = r.text_between(start, end, doc.text if doc is not None else None)
        return RenderedQuote(other, text, r.provenance) if text else None

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", ""))

    @property
    def embedder_id(self) -> str:
        return str(self.manifest["embedder"]["id"])


def load_index(root: Path, *, verify: bool = True, store: VectorStore | None = None) -> LoadedIndex:
    """Load the serving version under ``root``. ``verify`` checks every file against the manifest checksums."""
    folder = require_current(root)
    manifest = read_manifest(folder)
    if verify:
        verify_checksums(folder, manifest)
    documents, chunks = read_meta(folder)
    files = IndexFiles(folder)
    catalogue = catalogue_from_json(json.loads(files.catalogue.read_text(encoding="utf-8")))
    n = len(chunks)
    return LoadedIndex(
        folder=folder,
        manifest=manifest,
        documents={d.doc_id: d for d in documents},
        chunks=chunks,
        store=store if store is not None else FaissStore.load(folder),
        lex_main=BM25Index.load(files.lex_main, n),
        lex_en=BM25Index.load(files.lex_en, n),
        catalogue=catalogue,
        row_of={c.chunk_id: i for i, c in enumerate(chunks)},
        renderings=read_renderings(folder),
        asked=AskedIndex.load(folder),
    )


# Weights of each leg in the fusion, per query language, with the fusion constant ``retrieval.rrf_k`` = 5: chosen
# on the tuning split of the question sets (grid over dense 0-1, translated 0-1, k 2-60; docs/eval/retrieval.md)
# and reported on the held-out split and the development set. Since every Chinese passage carries its English
# rendering in the English view, English words meet English words and the word-by-word translated leg adds
# nothing (weight 0: not computed); dense retrieval helps as a light tie-breaker, not as an equal vote.
# Session 17: Chinese queries gained a ``glossed`` leg, their words' English glosses (glossary, CC-CEDICT) against
# the English view, where two Chinese words for one thing (工作坊 / 讲习班) meet in one English word; its weight 0.5
# chosen by 5-fold cross-validation over the tuning questions (R@5 + MRR@10; grid 0-1.5: three folds of five chose
# 0.5, two 0.2), docs/eval/fusion-study.md.
# Session 19: the passages' curated questions (``retriever.asked``) joined as two legs, ``asked`` (their words) and
# ``asked_dense`` (the nearest question by meaning); weights chosen by 5-fold cross-validation over the tuning
# questions (R@5 + MRR@10 per set and language group, averaged; grid 0-1.5 for each, sentence re-ranking on):
# English chose 0.75 / 0.75 in four folds of five; for Chinese the folds spread over a plateau (0.25-0.75 /
# 1.0-1.5, within 0.005 of each other) and the best on all tuning questions, 0.25 / 1.0, is kept.
# docs/eval/fusion-study.md has the figures.
LEG_WEIGHTS: dict[str, dict[str, float]] = {
    "zh": {"dense": 0.2, "lexical": 1.0, "glossed": 0.5, "asked": 0.25, "asked_dense": 1.0},
    "en": {"dense": 0.2, "lexical": 1.0, "translated": 0.0, "prf": 0.5, "asked": 0.75, "asked_dense": 0.75},
}
# The sentence re-ranking's weight per query language and its depth, chosen by 5-fold cross-validation over the
# tuning questions (R@5 + MRR@10; grid 0-0.5): English 0.2 in four folds of five (0.15 in one), the held-out gaining
# (docs/eval/fusion-study.md, session 10). For Chinese the folds chose 0.5, but on the held-out questions R@5 fell
# (0.914 -> 0.890) while MRR rose: not kept, so Chinese queries are not re-ranked.
SENTENCE_WEIGHTS: dict[str, float] = {"zh": 0.0, "en": 0.2}
RERANK_DEPTH = 10
ASKED_SPANS = 10  # curated questions whose answer spans a search reports (``SearchResult.asked_spans``)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Hits, best first, and the best dense similarity of any passage to the query (0.0 without a dense leg):
    how close the corpus comes to the question at all, which the answer's abstention weighs."""

    hits: list[Hit]
    dense_best: float
    # the best cosine of the query to a curated question of a hit (``retriever.asked``); None when a hit's document
    # has no curated questions (a document added without them) or the questions leg did not run
    asked_best: float | None = None
    # the answer spans ``(doc_id, start, end, cosine)`` of the curated questions nearest the query, nearest first
    asked_spans: tuple[tuple[str, int, int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg's candidates, best first: chunk rows and the leg's own scores (arrays, so fusion is vectorised)."""

    rows: np.ndarray
    scores: np.ndarray

    def scores_of(self, rows: Sequence[int]) -> dict[int, float]:
        """This leg's score of each of ``rows`` that it ranked (a dict beats np.isin at these sizes)."""
        mine = dict(zip(self.rows.tolist(), self.scores.tolist(), strict=True))
        return {row: mine[row] for row in rows if row in mine}

    def pairs(self) -> list[tuple[int, float]]:
        return list(zip(self.rows.tolist(), self.scores.tolist(), strict=True))


def _stand_in(leg: Leg, stand_in: np.ndarray) -> Leg:
    """``leg`` with each row replaced by its stand-in, rows without one dropped, each row kept at its best rank."""
    rows = stand_in[leg.rows]
    keep = rows >= 0
    rows, scores = rows[keep], leg.scores[keep]
    _, first = np.unique(rows, return_index=True)
    first.sort()
    return Leg(rows[first], scores[first])


# A question about a name itself ("What is SURGe?", "SURGe 倡议是谁发起的？") has at most this many content words
# besides the name; one that asks more of it (its budget, a job there) is left to the evidence as it was.
NAMED_QUESTION_WORDS = 3
# The names read so: the catalogue's programmes, tools and services, whose names the encoder has rarely met;
# organisations (the United Nations, UN-Habitat) it knows, and out-of-scope questions name them (a job at the UN).
NAMED_KINDS = frozenset({"programme", "tool", "service"})


def rrf_fuse(
    legs: dict[str, Leg], weights: dict[str, float], rrf_k: int, n_rows: int, limit: int
) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion, the ``limit`` best ``(row, score)``: a row scores the sum over legs of
    weight / (rrf_k + rank), rank from 1, legs added in their dict order; ties go to the lower row, so the order never
    depends on anything else. Rows must be unique within a leg and below ``n_rows``."""
    fused = np.zeros(n_rows, dtype=np.float64)
    for name, leg in legs.items():
        if len(leg.rows):
            fused[leg.rows] += weights.get(name, 0.0) / (rrf_k + 1 + np.arange(len(leg.rows)))
    rows = np.flatnonzero(fused > 0)
    if len(rows) > limit:  # partition first: only the best ``limit`` (and ties at the cut) are sorted
        cut = np.partition(fused[rows], len(rows) - limit)[len(rows) - limit]
        rows = rows[fused[rows] >= cut]
    order = np.lexsort((rows, -fused[rows]))[:limit]
    return list(zip(rows[order].tolist(), fused[rows[order]].tolist(), strict=True))


class HybridRetriever:
    """Search one loaded index with one embedder. Thread-safe for concurrent reads."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        lexicon: Lexicon | None,
        settings: RetrievalSettings | None = None,
    ) -> None:
        if embedder.id != index.embedder_id:
            raise EmbedderMismatch(
                f"the index was built with {index.embedder_id!r}, the configured embedder is {embedder.id!r}: "
                "re-run `resnav ingest` or configure the same embedder"
            )
        self.index = index
        self.embedder = embedder
        self.lexicon = lexicon
        self.settings = settings or RetrievalSettings()
        self._doc_kind = {d.doc_id: dict(d.meta).get("kind", "") for d in index.documents.values()}
        self.references = DocumentReferences(index.documents.values())
        # each passage's sentences as English token sets, built on first use (a race only computes one twice)
        self._sentences: dict[int, tuple[frozenset[str], ...]] = {}

    # -- filters -------------------------------------------------------------------------------------------
    def _allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        docs = set(filters.docs)

        def keep(c: Chunk) -> bool:
            if docs and c.doc_id not in docs and c.source not in docs:
                return False
            if filters.langs and c.lang not in filters.langs:
                return False
            if filters.kinds and self._doc_kind.get(c.doc_id, "") not in filters.kinds:
                return False
            return not filters.sections or any(s.startswith(f) for s in c.section for f in filters.sections)

        mask = [keep(c) for c in self.index.chunks]
        return np.flatnonzero(np.array(mask, dtype=bool))

    # -- legs ----------------------------------------------------------------------------------------------
    def _asked(self) -> AskedIndex | None:
        """The curated questions, when their legs run: hybrid mode, ``questions`` on, an index that has them."""
        return self.index.asked if self.settings.questions and self.settings.mode == "hybrid" else None

    def _rank(self, scores: np.ndarray, allowed: np.ndarray | None, n: int) -> Leg:
        if allowed is not None:
            masked = np.full_like(scores, -np.inf)
            masked[allowed] = scores[allowed]
            scores = masked
        positive = np.flatnonzero(scores > 0)
        if len(positive) > n:  # keep the n best (ties at the cut-off included) before the full sort
            cut = -np.partition(-scores[positive], n - 1)[n - 1]
            positive = positive[scores[positive] >= cut]
        top = positive[np.argsort(-scores[positive], kind="stable")[:n]]
        return Leg(top, scores[top].astype(np.float64))

    def _dense(self, query: str, allowed: np.ndarray | None, n: int, vector: np.ndarray | None = None) -> Leg:
        vec = self.embedder.embed_query(query) if vector is None else vector
        allowed_ids = None if allowed is None else [self.index.chunks[r].chunk_id for r in allowed]
        pairs = self.index.store.search(vec, n, allowed=allowed_ids)
        row_of = self.index.row_of
        return Leg(
            np.fromiter((row_of[cid] for cid, _ in pairs), dtype=np.int64, count=len(pairs)),
            np.fromiter((score for _, score in pairs), dtype=np.float64, count=len(pairs)),
        )

    def legs(self, query: str, filters: Filters | None = None) -> dict[str, list[tuple[int, float]]]:
        """Every leg's ranked ``(row, score)`` candidates for ``query`` (exposed for evaluation)."""
        query = normalize_query(query)
        return {name: leg.pairs() for name, leg in self._legs(query, script_lang(query), filters).items()}

    def _legs(
        self,
        query: str,
        lang: str,
        filters: Filters | None,
        vector: np.ndarray | None = None,
        asked_sims: np.ndarray | None = None,
    ) -> dict[str, Leg]:
        """Every leg's candidates (``asked_sims``: the query's similarity to every curated question, when the
        caller has it, so it is computed once a search)."""
        legs = self._all_legs(query, lang, filters, vector, asked_sims)
        if not self.settings.own_half or (filters is not None and filters.langs):
            return legs
        stand_in = self.index.counterparts(lang)
        if stand_in is None:
            return legs
        # a bilingual file answers from the reader's half: a passage of its other half votes for its counterpart
        return {name: _stand_in(leg, stand_in) for name, leg in legs.items()}

    def _all_legs(
        self,
        query: str,
        lang: str,
        filters: Filters | None,
        vector: np.ndarray | None = None,
        asked_sims: np.ndarray | None = None,
    ) -> dict[str, Leg]:
        allowed = self._allowed_rows(filters)
        n = self.settings.candidates
        mode = self.settings.mode
        out: dict[str, Leg] = {}
        if mode in ("hybrid", "dense"):
            vector = self.embedder.embed_query(query) if vector is None else vector
            out["dense"] = self._dense(query, allowed, n, vector)
        if mode == "dense":
            return out
        words = tokenize_zh(query) if lang == "zh" else tokenize_en(query)
        if lang == "zh":
            out["lexical"] = self._rank(self.index.lex_main.scores((t, 1.0) for t in words), allowed, n)
        else:
            english = self.index.lex_en if self.settings.gloss_field else self.index.lex_main
            out["lexical"] = self._rank(english.scores((t, 1.0) for t in words), allowed, n)
        asked = self._asked()
        if asked is not None and vector is not None:
            out["asked"] = self._rank(asked.words(lang, ((t, 1.0) for t in words)), allowed, n)
            sims = asked_sims if asked_sims is not None else asked.similarities(vector)
            out["asked_dense"] = self._rank(asked.meaning(sims), allowed, n)
        if lang == "zh":
            glossing = self.settings.gloss_field and (self.settings.dictionary or self.settings.glossary)
            if LEG_WEIGHTS["zh"].get("glossed", 0.0) > 0 and self.lexicon is not None and glossing:
                glosses = ((t, 1.0) for t in self.lexicon.zh_to_en(query))  # one gloss per occurrence, as indexed
                out["glossed"] = self._rank(self.index.lex_en.scores(glosses), allowed, n)
            return out
        translate = LEG_WEIGHTS["en"].get("translated", 0.0) > 0
        if translate and self.lexicon is not None and (self.settings.dictionary or self.settings.glossary):
            terms = self.lexicon.en_to_zh(query, vocabulary=self.index.lex_main)
            out["translated"] = self._rank(self.index.lex_main.scores(terms), allowed, n)
        if self.settings.prf:
            first = self._fuse(out, "en", 5)
            terms = self._feedback_terms([r for r, _ in first])
            if terms:
                out["prf"] = self._rank(self.index.lex_main.scores(terms), allowed, n)
        return out

    def _feedback_terms(self, rows: Sequence[int], top: int = 12) -> list[tuple[str, float]]:
        """Chinese terms frequent in the feedback chunks and rare in the index (tf x idf), weighted 0..1."""
        zh_rows = [r for r in rows if self.index.chunks[r].lang == "zh"]
        if not zh_rows:
            return []
        tf: Counter[str] = Counter()
        for r in zh_rows:
            tf.update(set(t for t in tokenize_zh(self.index.chunks[r].text) if len(t) >= 2))
        n_docs = max(self.index.lex_main.num_docs, 1)
        scored = []
        for term, f in tf.items():
            df = self.index.lex_main.doc_freq(term)
            if df == 0 or f < 2:
                continue
            scored.append((term, f * math.log(1 + n_docs / df)))
        scored.sort(key=lambda x: (-x[1], x[0]))
        best = scored[:top]
        if not best:
            return []
        hi = best[0][1]
        return [(t, s / hi) for t, s in best]

    # -- sentence re-ranking ----------------------------------------------------------------------------------
    def _english_sentences(self, row: int) -> tuple[frozenset[str], ...]:
        """The English token sets of the sentences of passage ``row``: its own, or its English rendering's."""
        got = self._sentences.get(row)
        if got is None:
            chunk = self.index.chunks[row]
            if chunk.lang == "en":
                texts = [chunk.text[a:b] for a, b in split_sentences(chunk.text)]
            else:
                rendering = self.index.rendering(chunk.doc_id, "en")
                texts = [seg.en for seg in rendering.overlapping(chunk.start, chunk.end)] if rendering else []
            got = tuple(frozenset(tokenize_en(t)) for t in texts if len(t.strip()) >= 6)
            self._sentences[row] = got
        return got

    def _by_sentence(
        self, query: str, top: list[tuple[int, float]], weight: float
    ) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """``top`` with each of its first ``RERANK_DEPTH`` rows gaining ``weight`` x its best sentence's share of
        the query's idf (re-sorted; ties to the lower row), and that share per row."""
        words = set(tokenize_en(query))
        lex = self.index.lex_en if self.settings.gloss_field else self.index.lex_main
        n = max(lex.num_docs, 1)
        idf = {w: math.log(1 + n / (df + 0.5)) for w in words if (df := lex.doc_freq(w))}
        total = sum(idf.values())
        if not total:
            return top, {}
        share = {
            row: max((sum(v for w, v in idf.items() if w in s) for s in self._english_sentences(row)), default=0.0)
            / total
            for row, _ in top[:RERANK_DEPTH]
        }
        head = sorted(
            ((row, score + weight * share[row]) for row, score in top[:RERANK_DEPTH]), key=lambda x: (-x[1], x[0])
        )
        return head + top[RERANK_DEPTH:], share

    # -- fusion --------------------------------------------------------------------------------------------
    def _fuse(self, legs: dict[str, Leg], lang: str, limit: int) -> list[tuple[int, float]]:
        return rrf_fuse(legs, LEG_WEIGHTS[lang], self.settings.rrf_k, len(self.index.chunks), limit)

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        *,
        vector: np.ndarray | None = None,
        renderings: bool = True,
    ) -> list[Hit]:
        """The top ``k`` chunks for ``query`` (see :meth:`search_evidence`)."""
        return self.search_evidence(query, k, filters, vector=vector, renderings=renderings).hits

    def search_evidence(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        *,
        vector: np.ndarray | None = None,
        renderings: bool = True,
    ) -> SearchResult:
        """The top ``k`` chunks for ``query``, best first. Raises ``InvalidRequest`` for an empty query or a
        ``k`` outside 1..max_k. ``vector``: the query's embedding, when the caller already has it (it must be
        ``embedder.embed_query(normalize_query(query))``), so one request never encodes the same text twice.
        ``renderings``: give each hit its passage in the other language (callers that never show it skip the
        work)."""
        k = self.settings.k if k is None else k
        if not 1 <= k <= self.settings.max_k:
            raise InvalidRequest(f"k must be between 1 and {self.settings.max_k}, got {k}")
        query = normalize_query(query)
        if not query:
            raise InvalidRequest("the query is empty")
        if self.settings.referred_docs and (filters is None or filters.is_empty()):
            # "what does the review say…", "这份执行局报告…": that document is where the answer is
            referred = self.references.referred(query)
            if referred:
                filters = Filters(docs=tuple(sorted(referred)))
        lang = script_lang(query)
        if vector is None and self.settings.mode != "lexical":
            vector = self.embedder.embed_query(query)  # once: the dense legs and the nearest questions share it
        asked = self._asked()
        sims = asked.similarities(vector) if asked is not None and vector is not None else None
        legs = self._legs(query, lang, filters, vector, sims)
        weight = SENTENCE_WEIGHTS.get(lang, 0.0) if self.settings.sentences and self.settings.mode != "dense" else 0.0
        top = self._fuse(legs, lang, max(k, RERANK_DEPTH) if weight else k)
        share: dict[int, float] = {}
        if weight:
            top, share = self._by_sentence(query, top, weight)
            top = top[:k]
        wanted = [row for row, _ in top]
        per_leg = {name: leg.scores_of(wanted) for name, leg in legs.items()}
        hits = []
        for rank, (row, score) in enumerate(top):
            detail = tuple((name, scores[row]) for name, scores in per_leg.items() if row in scores)
            if row in share:
                detail += (("sentence", share[row]),)
            chunk = self.index.chunks[row]
            rendering = self.index.rendering_of_chunk(chunk) if renderings else None
            hits.append(Hit(chunk=chunk, score=score, rank=rank + 1, legs=detail, rendering=rendering))
        dense = legs.get("dense")
        asked_best = None
        spans: tuple[tuple[str, int, int, float], ...] = ()
        if asked is not None and sims is not None and "asked_dense" in per_leg and hits:
            if all(h.chunk.doc_id in asked.docs for h in hits):
                asked_best = max(per_leg["asked_dense"].get(row, 0.0) for row in wanted)
            spans = tuple((q.doc_id, q.start, q.end, sim) for sim, q in asked.nearest(sims, ASKED_SPANS))
        dense_best = float(dense.scores[0]) if dense is not None and len(dense.scores) else 0.0
        if self.settings.named_evidence and dense is not None and hits:
            dense_best, asked_best = self._named_evidence(query, lang, filters, wanted, dense_best, asked_best)
        return SearchResult(hits, dense_best, asked_best, spans)

    def _named_evidence(
        self,
        query: str,
        lang: str,
        filters: Filters | None,
        rows: Sequence[int],
        dense_best: float,
        asked_best: float | None,
    ) -> tuple[float, float | None]:
        """The evidence signals of ``query`` with the names it writes also in their other-language form ("What is
        SURGe?" read with 为下一代打造可持续的城市韧性), each the better of the two readings; unchanged when the
        query names nothing the glossary knows in the other language."""
        lexicon = self.lexicon
        forms = lexicon.other_name_forms(query, lang, NAMED_KINDS) if lexicon is not None else ()
        if lexicon is None or not forms or len(lexicon.words_besides_names(query, lang)) > NAMED_QUESTION_WORDS:
            return dense_best, asked_best
        vector = self.embedder.embed_query(f"{query} ({'; '.join(forms)})")
        named = self._dense(query, self._allowed_rows(filters), 1, vector)
        if len(named.scores):
            dense_best = max(dense_best, float(named.scores[0]))
        asked = self._asked()
        if asked_best is not None and asked is not None:
            meaning = asked.meaning(asked.similarities(vector))
            asked_best = max(asked_best, max(float(meaning[row]) for row in rows))
        return dense_best, asked_best


def with_settings(retriever: HybridRetriever, **changes: object) -> HybridRetriever:
    """A retriever over the same index and models with some retrieval settings changed (for ablations)."""
    return HybridRetriever(
        retriever.index, retriever.embedder, retriever.lexicon, retriever.settings.model_copy(update=changes)
    )
