"""The contract every ``VectorStore`` passes. Subclass ``VectorStoreContract`` and override ``make_store``."""

from __future__ import annotations

import numpy as np
import pytest

from retriever.errors import InvalidRequest
from retriever.stores import VectorStore

DIM = 16


def unit_vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, ids: list[str], q: np.ndarray, k: int) -> list[str]:
    scores = vectors @ q
    order = sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))
    return [ids[i] for i in order[:k]]


class VectorStoreContract:
    """Shared behaviour; ``make_store(dim)`` returns an empty store."""

    def make_store(self, dim: int) -> VectorStore:  # pragma: no cover - overridden
        raise NotImplementedError

    @pytest.fixture
    def filled(self):
        store = self.make_store(DIM)
        vecs = unit_vectors(40)
        ids = [f"d{i % 4}:{i}" for i in range(40)]
        store.upsert(ids, [i.split(":")[0] for i in ids], vecs)
        return store, vecs, ids

    def test_empty_store_searches_to_nothing(self):
        store = self.make_store(DIM)
        assert store.count() == 0
        assert store.search(unit_vectors(1)[0], 5) == []

    def test_count_after_upsert(self, filled):
        store, _, _ = filled
        assert store.count() == 40

    def test_exact_top_k_in_score_order(self, filled):
        store, vecs, ids = filled
        q = unit_vectors(1, seed=7)[0]
        got = store.search(q, 10)
        assert [c for c, _ in got] == exact_top(vecs, ids, q, 10)
        scores = [s for _, s in got]
        assert scores == sorted(scores, reverse=True)
        assert abs(scores[0] - float(vecs[ids.index(got[0][0])] @ q)) < 1e-4

    def test_upsert_is_idempotent(self, filled):
        store, vecs, ids = filled
        store.upsert(ids[:5], [i.split(":")[0] for i in ids[:5]], vecs[:5])
        assert store.count() == 40
        q = vecs[3]
        assert store.search(q, 1)[0][0] == ids[3]

    def test_upsert_replaces_vector(self, filled):
        store, vecs, ids = filled
        store.upsert([ids[0]], ["d0"], vecs[1:2])
        top = store.search(vecs[1], 2)
        assert {c for c, _ in top} == {ids[0], ids[1]}

    def test_delete_document(self, filled):
        store, vecs, ids = filled
        assert store.delete_document("d1") == 10
        assert store.count() == 30
        assert all(not c.startswith("d1:") for c, _ in store.search(vecs[1], 40))
        assert store.delete_document("d1") == 0

    def test_allowed_filters_before_ranking(self, filled):
        store, vecs, ids = filled
        allowed = [i for i in ids if i.startswith("d2:")]
        q = vecs[0]  # its nearest neighbour (itself) is not allowed
        got = store.search(q, 5, allowed=allowed)
        assert len(got) == 5
        assert [c for c, _ in got] == exact_top(vecs[[ids.index(a) for a in allowed]], allowed, q, 5)
        assert store.search(q, 5, allowed=[]) == []

    def test_allowed_ignores_unknown_ids(self, filled):
        store, vecs, ids = filled
        allowed = [ids[5], ids[9], "nowhere:0"]
        got = store.search(vecs[5], 5, allowed=allowed)
        assert [c for c, _ in got] == [ids[5], ids[9]]  # the query is vecs[5] itself
        assert store.search(vecs[5], 5, allowed=["nowhere:0"]) == []

    def test_k_larger_than_store(self, filled):
        store, _, _ = filled
        assert len(store.search(unit_vectors(1, 3)[0], 100)) == 40

    def test_shape_mismatch_raises(self):
        store = self.make_store(DIM)
        with pytest.raises(InvalidRequest):
            store.upsert(["a:0"], ["a"], np.zeros((1, DIM + 1), dtype=np.float32))
