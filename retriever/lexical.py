"""The lexical index: BM25 (bm25s) over pre-tokenised text, with weighted multi-token queries.

bm25s precomputes a sparse document x token matrix of BM25 contributions (CSC by token). A query is a list of
``(token, weight)``; its score for a document is the weighted sum of the token columns, so translated or
expanded query terms can count less than the user's own words. Unknown tokens contribute nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import bm25s
import numpy as np

logger = logging.getLogger(__name__)


_NOTHING = "\x00"  # the placeholder token of an index with no tokens; the tokenizers never emit it


class BM25Index:
    """A read-only BM25 index over ``n`` documents identified by row number ``0..n-1``."""

    def __init__(self, model: bm25s.BM25, num_docs: int) -> None:
        self._model = model
        self._num_docs = num_docs
        self._vocab: dict[str, int] = dict(model.vocab_dict)
        scores = model.scores
        self._data = np.asarray(scores["data"], dtype=np.float32)
        self._indices = np.asarray(scores["indices"])
        self._indptr = np.asarray(scores["indptr"])

    @classmethod
    def build(cls, token_lists: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> BM25Index:
        """Index ``token_lists`` (row ``i`` is document ``i``). With no token at all (no documents, or only empty
        ones: a corpus without catalogue records, say) every query scores zeros: bm25s cannot index nothing, so it
        gets one placeholder document that no query token can name."""
        lists = [list(t) for t in token_lists]
        model = bm25s.BM25(k1=k1, b=b)
        model.index(lists if any(lists) else [[_NOTHING]], show_progress=False)
        return cls(model, len(lists))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, num_docs: int) -> BM25Index:
        model = bm25s.BM25.load(str(folder), show_progress=False)
        return cls(model, num_docs)

    @property
    def num_docs(self) -> int:
        return self._num_docs

    def __contains__(self, token: object) -> bool:
        return token in self._vocab

    def doc_freq(self, token: str) -> int:
        """How many documents contain ``token`` (0 for an unknown token)."""
        tid = self._vocab.get(token)
        return 0 if tid is None else int(self._indptr[tid + 1] - self._indptr[tid])

    def scores(self, query: Iterable[tuple[str, float]]) -> np.ndarray:
        """BM25 scores of every document (length ``num_docs``), higher is better; zeros when nothing matches.

        Repeated tokens add their weights.
        """
        weights: dict[int, float] = {}
        for token, weight in query:
            tid = self._vocab.get(token)
            if tid is not None and token and token != _NOTHING:
                weights[tid] = weights.get(tid, 0.0) + weight
        if not weights:
            return np.zeros(self._num_docs, dtype=np.float32)
        # One bincount over the concatenated token columns: a query has tens of tokens, and one np.add.at per token
        # cost more than the rest of the lexical leg.
        tids = np.fromiter(weights, dtype=np.int64, count=len(weights))
        w = np.fromiter(weights.values(), dtype=np.float64, count=len(weights))
        lo, hi = self._indptr[tids], self._indptr[tids + 1]
        lengths = hi - lo
        pos = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        contrib = np.repeat(w, lengths) * self._data[pos]
        out = np.bincount(self._indices[pos], weights=contrib, minlength=self._num_docs)
        return out.astype(np.float32)
