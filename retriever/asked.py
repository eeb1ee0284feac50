"""The curated questions of one index version, by passage: two legs of hybrid search (the doc2query technique).

The team writes, for each passage, questions that a sentence of it answers (``corpus/questions/``, read by
``ingest.questions``). A user's question worded unlike the passage ("How long does it take to draw up a city's
resilience action plan?" for "城市韧性行动规划流程需要 3-4 个月") is often worded like one of those questions, so
search matches the query against them too:

- ``asked``: BM25 of the query's words against the passage's questions in the query's language (one BM25 document
  per passage: all its questions in that language);
- ``asked_dense``: the cosine of the query's vector and the nearest of the passage's questions (both languages),
  under the service's embedder; question-to-question similarity is what sentence encoders read best.

A hit is still the passage, quoted from the original; a question is never shown as the document's text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retriever.errors import IndexCorrupt
from retriever.language import normalize_query
from retriever.lexical import BM25Index
from retriever.tokenize import tokenize_en, tokenize_zh
from retriever.types import AskedQuestion

LANGS = ("zh", "en")
QUESTIONS_JSON = "questions.json"
QUESTIONS_NPY = "questions.npy"


def question_tokens(question: AskedQuestion) -> list[str]:
    """The tokens a question is indexed under: the query's tokeniser of its language, after the query's
    normalisation, so a question and a query with the same words meet."""
    text = normalize_query(question.text)
    return tokenize_zh(text) if question.lang == "zh" else tokenize_en(text)


def assign_rows(
    questions: Iterable[AskedQuestion], spans: Sequence[tuple[str, int, int]]
) -> list[tuple[int, AskedQuestion]]:
    """Each question with the passage rows that answer it: every passage (``spans[row] = (doc_id, start, end)``)
    holding its whole answer span, or, when none does (a span across a passage break), the one holding most of it.
    A question whose document has no passage is dropped."""
    by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for row, (doc_id, start, end) in enumerate(spans):
        by_doc.setdefault(doc_id, []).append((row, start, end))
    out: list[tuple[int, AskedQuestion]] = []
    for q in questions:
        passages = by_doc.get(q.doc_id, [])
        inside = [row for row, a, b in passages if a <= q.start and q.end <= b]
        if not inside:
            overlaps = [(min(b, q.end) - max(a, q.start), -row) for row, a, b in passages]
            best = max(overlaps, default=(0, 0))
            inside = [-best[1]] if best[0] > 0 else []
        out.extend((row, q) for row in inside)
    return out


@dataclass(frozen=True, slots=True)
class AskedIndex:
    """The questions of one version: ``entries[i] = (row, question)``, ``vectors[i]`` its embedding (L2-normalised),
    and a BM25 index per language over passage rows ``0..n_rows-1``."""

    entries: tuple[tuple[int, AskedQuestion], ...]
    vectors: np.ndarray
    lexical: dict[str, BM25Index]
    n_rows: int
    docs: frozenset[str] = field(init=False)  # the documents that have curated questions
    # the questions grouped by passage row, for one vectorised maximum per row: ``_order`` sorts them by row,
    # ``_starts`` is where each group begins in that order and ``_groups`` the row of each group
    _order: np.ndarray = field(init=False, repr=False)
    _starts: np.ndarray = field(init=False, repr=False)
    _groups: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rows = np.fromiter((row for row, _ in self.entries), dtype=np.int64, count=len(self.entries))
        order = np.argsort(rows, kind="stable")
        groups, starts = np.unique(rows[order], return_index=True)
        object.__setattr__(self, "docs", frozenset(q.doc_id for _, q in self.entries))
        object.__setattr__(self, "_order", order)
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_groups", groups)

    @classmethod
    def build(cls, entries: Sequence[tuple[int, AskedQuestion]], vectors: np.ndarray, n_rows: int) -> AskedIndex:
        if len(entries) != len(vectors):
            raise ValueError(f"{len(entries)} questions for {len(vectors)} vectors")
        docs: dict[str, list[list[str]]] = {lang: [[] for _ in range(n_rows)] for lang in LANGS}
        for row, q in entries:
            docs[q.lang][row].extend(question_tokens(q))
        lexical = {lang: BM25Index.build(docs[lang]) for lang in LANGS}
        return cls(tuple(entries), np.ascontiguousarray(vectors, dtype=np.float32), lexical, n_rows)

    def words(self, lang: str, terms: Iterable[tuple[str, float]]) -> np.ndarray:
        """BM25 score of every passage row for weighted ``terms`` against its questions in ``lang``."""
        index = self.lexical.get(lang)
        return index.scores(terms) if index is not None else np.zeros(self.n_rows, dtype=np.float32)

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """The cosine of ``vector`` (L2-normalised) and every question, in ``entries`` order."""
        return self.vectors @ vector.astype(np.float32)

    def meaning(self, sims: np.ndarray) -> np.ndarray:
        """For every passage row, the cosine of the query and the nearest of its questions (``sims`` from
        :meth:`similarities`); 0 for a row without questions or with none closer than orthogonal (a negative
        similarity is no evidence)."""
        best = np.zeros(self.n_rows, dtype=np.float64)
        if len(self.entries):
            best[self._groups] = np.maximum.reduceat(sims[self._order], self._starts)
        return np.maximum(best, 0.0)

    def nearest(self, sims: np.ndarray, n: int) -> list[tuple[float, AskedQuestion]]:
        """The ``n`` questions nearest the query (``sims`` from :meth:`similarities`; cosine, question), nearest
        first; a question answered by two passages counts once."""
        if not len(self.entries) or n <= 0:
            return []
        take = min(len(sims), 3 * n)  # a question is in at most a few passages: 3n entries hold n questions
        top = np.argpartition(-sims, take - 1)[:take]
        top = top[np.lexsort((top, -sims[top]))]
        out: list[tuple[float, AskedQuestion]] = []
        seen: set[AskedQuestion] = set()
        for i in top:
            q = self.entries[int(i)][1]
            if q not in seen:
                seen.add(q)
                out.append((float(sims[i]), q))
                if len(out) == n:
                    break
        return out

    # -- storage -----------------------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """``questions.json`` (``[[row, doc_id, start, end, lang, text], ...]``), ``questions.npy`` (the vectors in
        that order) and ``lex_asked_<lang>/`` (BM25)."""
        rows = [[row, q.doc_id, q.start, q.end, q.lang, q.text] for row, q in self.entries]
        (folder / QUESTIONS_JSON).write_text(
            json.dumps({"n_rows": self.n_rows, "rows": rows}, ensure_ascii=False, separators=(",", ":")),
            encoding="utf-8",
        )
        np.save(folder / QUESTIONS_NPY, self.vectors, allow_pickle=False)
        for lang, index in self.lexical.items():
            index.save(folder / f"lex_asked_{lang}")

    @classmethod
    def load(cls, folder: Path) -> AskedIndex | None:
        """The stored questions of a version; None for a version built without them."""
        path = folder / QUESTIONS_JSON
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            n_rows = int(data["n_rows"])
            entries = tuple(
                (int(row), AskedQuestion(str(doc), int(a), int(b), lang, str(text)))
                for row, doc, a, b, lang, text in data["rows"]
            )
            vectors = np.load(folder / QUESTIONS_NPY, allow_pickle=False)
            if len(vectors) != len(entries) or any(not 0 <= row < n_rows for row, _ in entries):
                raise ValueError(f"{len(entries)} questions, {len(vectors)} vectors, {n_rows} rows")
            lexical = {lang: BM25Index.load(folder / f"lex_asked_{lang}", n_rows) for lang in LANGS}
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise IndexCorrupt(f"the curated questions of {folder.name} are malformed: {e}") from e
        return cls(entries, vectors, lexical, n_rows)


def stored_questions(folder: Path) -> tuple[list[AskedQuestion], dict[str, np.ndarray]]:
    """The questions a version holds (each once) and their vectors by ``(lang, text)`` key, for the next ingest to
    keep the questions of documents it does not reload and to reuse vectors; empty for a version without them."""
    index = AskedIndex.load(folder)
    if index is None:
        return [], {}
    seen: dict[AskedQuestion, None] = {}
    vectors: dict[str, np.ndarray] = {}
    for (_, q), v in zip(index.entries, index.vectors, strict=True):
        seen.setdefault(q, None)
        vectors[vector_key(q)] = v
    return list(seen), vectors


def vector_key(question: AskedQuestion) -> str:
    """What a question's vector depends on: its normalised text (the language is in the text)."""
    return normalize_query(question.text)
