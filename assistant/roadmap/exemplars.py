"""Exemplar statements per survey question, matched by meaning: a clause of the user's description that says, in
other words, what an exemplar says is read as speaking about that question.

The exemplars are data (``roadmap_exemplars.json`` beside ``roadmap.json``), written in general terms in both
languages and stated affirmatively; whether a matched clause affirms, denies or hedges is read by the same
negation, tense and hedge cues as the patterns (``reader``), and the stage rules stay explicit (``rules``). Only
the reading of a clause learns from examples. The embedder is the one the service already loaded (handed in by
the composition root, ``assistant.services``); this module loads no model of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retriever.embedders import Embedder
from retriever.language import simplified

EXEMPLARS_FILE = "roadmap_exemplars.json"


@dataclass(frozen=True, slots=True)
class Exemplar:
    q: int
    lang: str
    text: str


class ExemplarReader:
    """Matches clauses against the exemplars: a clause matches question ``q`` when its best cosine similarity to an
    exemplar of ``q`` is at least ``threshold`` and beats every other question's best by at least ``margin``."""

    def __init__(self, embedder: Embedder, exemplars: Sequence[Exemplar], threshold: float, margin: float) -> None:
        if not exemplars:
            raise ValueError("an exemplar reader needs exemplars")
        self.embedder_id = embedder.id
        self.threshold = threshold
        self.margin = margin
        self._embedder = embedder
        self._questions = tuple(sorted({e.q for e in exemplars}))
        # read in the script the reader reads descriptions in (a learned clause may be in traditional characters)
        self._vectors = embedder.embed_documents([simplified(e.text) for e in exemplars])
        index = {q: i for i, q in enumerate(self._questions)}
        self._column = np.array([index[e.q] for e in exemplars])

    def scores(self, clauses: list[str]) -> np.ndarray:
        """``(len(clauses), len(questions))``: per clause and question, the best similarity to its exemplars."""
        if not clauses:
            return np.zeros((0, len(self._questions)), dtype=np.float32)
        sims = self._embedder.embed_documents(clauses) @ self._vectors.T
        out = np.full((len(clauses), len(self._questions)), -1.0, dtype=np.float32)
        for j in range(len(self._questions)):
            out[:, j] = sims[:, self._column == j].max(axis=1)
        return out

    def match(self, clauses: list[str]) -> list[int | None]:
        """Per clause, the question it speaks about, or None."""
        found: list[int | None] = []
        for row in self.scores(clauses):
            order = np.argsort(-row)
            best = float(row[order[0]])
            second = float(row[order[1]]) if len(order) > 1 else -1.0
            ok = best >= self.threshold and best - second >= self.margin
            found.append(self._questions[int(order[0])] if ok else None)
        return found
