from __future__ import annotations

from pathlib import Path

import numpy as np

from retriever.stores import FaissStore
from tests.retriever.store_contract import DIM, VectorStoreContract, exact_top, unit_vectors


class TestFaissFlat(VectorStoreContract):
    def make_store(self, dim: int) -> FaissStore:
        return FaissStore(dim, "flat")


class TestFaissHNSW(VectorStoreContract):
    def make_store(self, dim: int) -> FaissStore:
        return FaissStore(dim, "hnsw", hnsw_m=16, ef_search=64)


def test_faiss_save_load_roundtrip(tmp_path: Path) -> None:
    store = FaissStore(DIM)
    vecs = unit_vectors(30)
    ids = [f"x:{i}" for i in range(30)]
    store.upsert(ids, ["x"] * 30, vecs)
    written = store.save(tmp_path)
    assert all(p.is_file() for p in written)
    loaded = FaissStore.load(tmp_path)
    q = unit_vectors(1, 5)[0]
    assert [c for c, _ in loaded.search(q, 5)] == exact_top(vecs, ids, q, 5)
    np.testing.assert_allclose(loaded.reconstruct("x:3"), vecs[3], atol=1e-6)
