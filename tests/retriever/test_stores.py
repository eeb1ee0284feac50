from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np
import pytest

from retriever.errors import IndexCorrupt
from retriever.stores import SQ_MIN_TRAIN_ROWS, FaissStore
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


class TestFaissHNSWSQ8(VectorStoreContract):
    def make_store(self, dim: int) -> FaissStore:
        return FaissStore(dim, "hnsw", hnsw_m=16, ef_search=64, hnsw_storage="sq8")

    def test_exact_top_k_in_score_order(self, filled):
        """8-bit codes put scores about 1e-3 off: the order may differ from exact search only among near-ties."""
        store, vecs, ids = filled
        q = unit_vectors(1, seed=7)[0]
        got = store.search(q, 10)
        exact = {i: float(v @ q) for i, v in zip(ids, vecs, strict=True)}
        tenth = sorted(exact.values(), reverse=True)[9]
        assert len(got) == 10
        scores = [s for _, s in got]
        assert scores == sorted(scores, reverse=True)
        for chunk, score in got:
            assert abs(score - exact[chunk]) < 0.01
            assert exact[chunk] >= tenth - 0.02
        assert len({c for c, _ in got} & set(exact_top(vecs, ids, q, 10))) >= 8


class TestFaissHNSWFP16(VectorStoreContract):
    def make_store(self, dim: int) -> FaissStore:
        return FaissStore(dim, "hnsw", hnsw_m=16, ef_search=64, hnsw_storage="fp16")


def _clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    """Unit vectors in 20 clusters: neighbours are close, as with text embeddings."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, dim))
    v = (centres[rng.integers(0, 20, n)] + 0.4 * rng.normal(size=(n, dim))).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _recall(store: FaissStore, vecs: np.ndarray, ids: list[str], queries: np.ndarray, k: int = 10) -> float:
    hits = [len({c for c, _ in store.search(q, k)} & set(exact_top(vecs, ids, q, k))) for q in queries]
    return sum(hits) / (k * len(queries))


@pytest.fixture
def sq8_store() -> tuple[FaissStore, np.ndarray, list[str]]:
    vecs = _clustered(3000)
    ids = [f"d{i % 50}:{i}" for i in range(3000)]
    store = FaissStore(32, "hnsw", hnsw_m=16, ef_search=128, hnsw_storage="sq8")
    store.upsert(ids, [i.split(":")[0] for i in ids], vecs)
    return store, vecs, ids


def test_sq8_trains_on_the_first_batch_and_agrees_with_exact_search(sq8_store) -> None:
    store, vecs, ids = sq8_store
    trained = faiss.vector_to_array(faiss.downcast_index(store._inner().storage).sq.trained)
    np.testing.assert_allclose(trained[:32], vecs.min(axis=0), atol=1e-6)  # ranges of the data, not [-1, 1]
    assert _recall(store, vecs, ids, _clustered(30, seed=1)) >= 0.95
    assert np.abs(store.reconstruct("d7:7") - vecs[7]).max() < 0.01  # decoded: within half a step


def test_sq8_small_first_batch_covers_the_unit_range() -> None:
    store = FaissStore(DIM, "hnsw", hnsw_m=16, hnsw_storage="sq8")
    store.upsert(["a:0"], ["a"], unit_vectors(1))
    trained = faiss.vector_to_array(faiss.downcast_index(store._inner().storage).sq.trained)
    np.testing.assert_allclose(trained, [-1.0] * DIM + [2.0] * DIM)  # vmin, then vmax - vmin
    assert SQ_MIN_TRAIN_ROWS > 1


def test_sq8_save_load_roundtrip(sq8_store, tmp_path: Path) -> None:
    store, vecs, ids = sq8_store
    store.save(tmp_path)
    loaded = FaissStore.load(tmp_path)
    assert (loaded.index_type, loaded.hnsw_storage, loaded.count()) == ("hnsw", "sq8", 3000)
    for q in _clustered(5, seed=2):
        assert loaded.search(q, 10) == store.search(q, 10)
    np.testing.assert_array_equal(loaded.reconstruct("d3:3"), store.reconstruct("d3:3"))
    assert json.loads((tmp_path / "dense_ids.json").read_text())["hnsw_storage"] == "sq8"


def test_sq8_delete_and_upsert_keep_the_quantiser(sq8_store) -> None:
    store, vecs, ids = sq8_store
    before = store.reconstruct("d3:3")
    assert store.delete_document("d1") == 60
    assert store.count() == 2940
    np.testing.assert_array_equal(store.reconstruct("d3:3"), before)  # decode + encode with the same ranges
    kept = [i for i, c in enumerate(ids) if not c.startswith("d1:")]
    kept_ids = [ids[i] for i in kept]
    assert _recall(store, vecs[kept], kept_ids, _clustered(20, seed=3)) >= 0.95
    store.upsert(["d3:3"], ["d3"], vecs[4:5])  # replace a vector: it now sits where vecs[4] is
    assert {c for c, _ in store.search(vecs[4], 2)} == {"d3:3", "d4:4"}
    assert store.count() == 2940


@pytest.mark.parametrize("storage", ["flat", "fp16", "sq8"])
def test_reserve_keeps_contents_and_results(storage: str) -> None:
    vecs = _clustered(2500)
    ids = [f"d{i % 50}:{i}" for i in range(2500)]
    store = FaissStore(32, "hnsw", hnsw_m=16, ef_search=128, hnsw_storage=storage)
    store.reserve(2500)
    for start in range(0, 2500, 1000):  # block by block, like bench/scale.py
        block = slice(start, start + 1000)
        store.upsert(ids[block], [i.split(":")[0] for i in ids[block]], vecs[block])
        store.reserve(2500)  # again, part-filled: a no-op for the contents
    assert store.count() == 2500
    assert _recall(store, vecs, ids, _clustered(20, seed=4)) >= 0.95
    flat = FaissStore(32)
    flat.reserve(100)
    flat.upsert(ids[:50], ["d"] * 50, vecs[:50])
    flat.reserve(200)
    q = vecs[60]
    assert [c for c, _ in flat.search(q, 5)] == exact_top(vecs[:50], ids[:50], q, 5)


@pytest.mark.parametrize(("index_type", "storage"), [("flat", "flat"), ("hnsw", "flat"), ("hnsw", "fp16")])
def test_every_storage_round_trips(index_type: str, storage: str, tmp_path: Path) -> None:
    vecs = _clustered(200)
    ids = [f"d{i % 5}:{i}" for i in range(200)]
    store = FaissStore(32, index_type, hnsw_m=16, hnsw_storage=storage)  # type: ignore[arg-type]
    store.upsert(ids, [i.split(":")[0] for i in ids], vecs)
    store.save(tmp_path)
    loaded = FaissStore.load(tmp_path, ef_search=64)
    assert (loaded.index_type, loaded.hnsw_storage) == (index_type, storage)
    assert loaded.search(vecs[3], 5) == store.search(vecs[3], 5)


def test_load_without_hnsw_storage_is_float32_hnsw(tmp_path: Path) -> None:
    """dense_ids.json written before hnsw_storage existed."""
    store = FaissStore(DIM, "hnsw", hnsw_m=16)
    store.upsert(["a:0", "a:1"], ["a", "a"], unit_vectors(2))
    store.save(tmp_path)
    meta = json.loads((tmp_path / "dense_ids.json").read_text())
    del meta["hnsw_storage"]
    (tmp_path / "dense_ids.json").write_text(json.dumps(meta))
    assert FaissStore.load(tmp_path).hnsw_storage == "flat"


def test_load_refuses_an_index_its_ids_file_does_not_describe(tmp_path: Path) -> None:
    store = FaissStore(DIM, "hnsw", hnsw_m=16, hnsw_storage="sq8")
    store.upsert(["a:0", "a:1"], ["a", "a"], unit_vectors(2))
    store.save(tmp_path)
    meta = json.loads((tmp_path / "dense_ids.json").read_text())
    meta["hnsw_storage"] = "flat"
    (tmp_path / "dense_ids.json").write_text(json.dumps(meta))
    with pytest.raises(IndexCorrupt):
        FaissStore.load(tmp_path)


def test_unknown_storage_is_refused() -> None:
    with pytest.raises(ValueError):
        FaissStore(DIM, "hnsw", hnsw_storage="pq")  # type: ignore[arg-type]


@pytest.mark.parametrize("storage", ["fp16", "sq8"])
def test_ingest_builds_the_configured_hnsw_storage(storage: str, tmp_path: Path) -> None:
    """settings.store.hnsw_storage reaches the FAISS store ingest writes, and the manifest says which it is."""
    from ingest.pipeline import ingest
    from retriever.embedders import make_embedder
    from retriever.index import require_current
    from tests.conftest import CORPUS, make_settings

    settings = make_settings(tmp_path / "index")
    settings.retrieval.index_type = "hnsw"
    settings.store.hnsw_storage = storage  # type: ignore[assignment]
    ingest([CORPUS], settings, make_embedder(settings.embedder))
    folder = require_current(settings.paths.index_dir)
    store = FaissStore.load(folder)
    assert (store.index_type, store.hnsw_storage) == ("hnsw", storage)
    assert json.loads((folder / "manifest.json").read_text())["store"]["hnsw_storage"] == storage
    vecs = np.load(folder / "vectors.npy")
    ids = json.loads((folder / "dense_ids.json").read_text())["chunk_ids"]
    q = vecs[7]
    assert store.search(q, 1)[0][0] == ids[7]
