"""A synthetic corpus of chunk vectors for scale benchmarks: clustered, L2-normalised, generated in blocks.

    from bench.synthetic import SyntheticCorpus
    corpus = SyntheticCorpus(n=1_000_000, dim=512)
    for start, block in corpus.blocks():   # (start row, (rows, dim) float32), at most block_size rows each
        ...
    queries = corpus.queries(200)          # held out: same distribution, never in the corpus

The data model (stated because recall depends on it, far more than latency or memory do):

- ``topics`` cluster centres drawn in a ``latent``-dimensional space (default 1,000 topics in 64 dimensions),
  with topic sizes following a Zipf-like law (a few large documents, many small ones);
- each vector = its topic centre + Gaussian spread (``spread``) in the latent space, mapped to ``dim``
  dimensions by one fixed random matrix, plus small isotropic noise in all ``dim`` dimensions (``noise``),
  then L2-normalised, so inner product = cosine as in the real index;
- 512 dimensions by default, like USE-multilingual v3 (the default embedder); 384 (e5-small) with ``dim=384``.

Sentence embeddings occupy a low-dimensional, clustered region of their space; isotropic Gaussian clusters in the
full dimension would be "flat" inside each cluster (all neighbours nearly equidistant) and make any approximate
index look worse than it is on text (see docs/benchmarks.md). Latency, build time and memory do not depend on
this choice; recall does, so measure recall again on real embeddings before trusting a setting at the margin.

Every block is a pure function of (seed, block number): regenerating row ``i`` always gives the same vector, so
a benchmark can stream the corpus twice (build, then exact search) without holding it in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class SyntheticCorpus:
    """``n`` unit vectors of dimension ``dim``; see the module docstring for the model."""

    n: int
    dim: int = 512
    topics: int = 1000
    latent: int = 64
    spread: float = 0.55
    noise: float = 0.08
    seed: int = 20261121
    block_size: int = 50_000

    def _basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.seed)
        centres = rng.standard_normal(size=(self.topics, self.latent), dtype=np.float32)
        projection = (rng.normal(size=(self.latent, self.dim)) / np.sqrt(self.latent)).astype(np.float32)
        weights = 1.0 / np.arange(1, self.topics + 1) ** 0.8
        weights = rng.permutation(weights / weights.sum())
        return centres, projection, weights

    def _draw(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        centres, projection, weights = self._basis()
        topic = rng.choice(self.topics, size=rows, p=weights)
        latent = centres[topic] + self.spread * rng.standard_normal(size=(rows, self.latent), dtype=np.float32)
        x = latent @ projection
        del latent
        noise = rng.standard_normal(size=(rows, self.dim), dtype=np.float32)
        noise *= self.noise  # in place: one (rows, dim) temporary instead of two (same values)
        x += noise
        del noise
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return np.ascontiguousarray(x, dtype=np.float32)

    def blocks(self) -> Iterator[tuple[int, np.ndarray]]:
        """``(start_row, vectors)`` blocks covering rows ``0..n-1`` in order."""
        for number, start in enumerate(range(0, self.n, self.block_size)):
            rows = min(self.block_size, self.n - start)
            yield start, self._draw(np.random.default_rng([self.seed, 1, number]), rows)

    def queries(self, count: int) -> np.ndarray:
        """``count`` held-out vectors from the same distribution (a seed stream no block uses)."""
        return self._draw(np.random.default_rng([self.seed, 2]), count)

    def exact_top(self, queries: np.ndarray, k: int) -> np.ndarray:
        """Row numbers of the exact top-``k`` (inner product, ties by row) of every query, streamed by block."""
        best_rows = np.full((len(queries), 0), -1, dtype=np.int64)
        best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
        for start, block in self.blocks():
            scores = queries @ block.T
            rows = np.broadcast_to(np.arange(start, start + len(block)), scores.shape)
            all_scores = np.concatenate([best_scores, scores], axis=1)
            all_rows = np.concatenate([best_rows, rows], axis=1)
            order = np.lexsort((all_rows, -all_scores), axis=1)[:, :k]
            best_scores = np.take_along_axis(all_scores, order, axis=1)
            best_rows = np.take_along_axis(all_rows, order, axis=1)
        return best_rows


def chunk_id(row: int) -> str:
    """The chunk id of synthetic row ``row``: 16 chunks per synthetic document, ids like the real ones."""
    return f"syn{row // 16:08d}:{row % 16}"


def doc_id(row: int) -> str:
    return f"syn{row // 16:08d}"


def row_of(chunk: str) -> int:
    head, n = chunk.split(":")
    return int(head[3:]) * 16 + int(n)
