"""``ChromaStore``: the shared store contract against a real Chroma server (and an embedded folder), the error
mapping, the store factory, and the refusal of several workers on one embedded Chroma folder."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from retriever.chroma import (
    ChromaStore,
    check_store_workers,
    chroma_client,
    collection_name_for,
    open_store,
)
from retriever.errors import IndexNotBuilt, InvalidRequest, StoreUnavailable
from retriever.settings import Settings, StoreSettings
from retriever.stores import FaissStore, VectorStore
from tests.chroma_server import free_port, require_chromadb, start_chroma, stop_chroma
from tests.retriever.store_contract import DIM, VectorStoreContract, exact_top, unit_vectors

# The contract's 40 vectors: with ef_search above the collection size Chroma's HNSW search visits every vector,
# so its top-k equals exact search.
EXACT = {"ef_search": 200, "ef_construction": 200, "max_neighbors": 16}


@pytest.mark.e2e
class TestChromaServer(VectorStoreContract):
    """The contract over HTTP (``chroma run`` + ``HttpClient``), a fresh collection per store."""

    @pytest.fixture(autouse=True)
    def _client(self, chroma_server) -> Iterator[None]:
        self.client = chroma_server.client()
        self.names: list[str] = []
        yield
        for name in self.names:
            self.client.delete_collection(name)

    def make_store(self, dim: int) -> VectorStore:
        name = f"contract-{uuid.uuid4().hex[:12]}"
        self.names.append(name)
        return ChromaStore.open(self.client, name, dim, **EXACT)


class TestChromaEmbedded(VectorStoreContract):
    """The contract over an embedded folder (``PersistentClient``), as one process uses it."""

    @pytest.fixture(autouse=True)
    def _client(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        require_chromadb()
        folder = tmp_path_factory.getbasetemp() / "chroma-embedded"  # one client per path and process
        self.client = chroma_client(StoreSettings(backend="chroma", chroma_path=folder))

    def make_store(self, dim: int) -> VectorStore:
        return ChromaStore.open(self.client, f"embedded-{uuid.uuid4().hex[:12]}", dim, **EXACT)


# -- Chroma specifics -------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_scores_are_the_faiss_inner_products(chroma_server) -> None:
    vecs = unit_vectors(40, seed=11)
    ids = [f"s{i % 5}:{i}" for i in range(40)]
    chroma = ChromaStore.open(chroma_server.client(), f"scores-{uuid.uuid4().hex[:8]}", DIM, **EXACT)
    faiss_store = FaissStore(DIM)
    for store in (chroma, faiss_store):
        store.upsert(ids, [i.split(":")[0] for i in ids], vecs)
    for seed in range(5):
        q = unit_vectors(1, seed=100 + seed)[0]
        got, want = chroma.search(q, 10), faiss_store.search(q, 10)
        assert [c for c, _ in got] == [c for c, _ in want] == exact_top(vecs, ids, q, 10)
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


@pytest.mark.e2e
def test_collection_is_created_for_inner_product_without_embedding_function(chroma_server) -> None:
    name = f"config-{uuid.uuid4().hex[:8]}"
    ChromaStore.open(chroma_server.client(), name, DIM, ef_search=77, ef_construction=150, max_neighbors=24)
    collection = chroma_server.client().get_collection(name)
    hnsw = collection.configuration["hnsw"]
    assert (hnsw["space"], hnsw["ef_search"], hnsw["ef_construction"], hnsw["max_neighbors"]) == ("ip", 77, 150, 24)
    assert collection.configuration.get("embedding_function") is None
    assert collection.metadata["resnav:dim"] == DIM


@pytest.mark.e2e
def test_reopening_checks_the_dimension(chroma_server) -> None:
    name = f"dim-{uuid.uuid4().hex[:8]}"
    ChromaStore.open(chroma_server.client(), name, DIM)
    assert ChromaStore.open(chroma_server.client(), name, DIM, create=False).count() == 0
    with pytest.raises(InvalidRequest, match="holds 16-d"):
        ChromaStore.open(chroma_server.client(), name, DIM * 2, create=False)


@pytest.mark.e2e
def test_missing_collection_is_index_not_built(chroma_server) -> None:
    with pytest.raises(IndexNotBuilt, match="resnav migrate"):
        ChromaStore.open(chroma_server.client(), "resnav-never-migrated", DIM, create=False)


@pytest.mark.e2e
def test_query_dimension_mismatch_is_invalid_request(chroma_server) -> None:
    store = ChromaStore.open(chroma_server.client(), f"qdim-{uuid.uuid4().hex[:8]}", DIM)
    with pytest.raises(InvalidRequest):
        store.search(np.zeros(DIM + 1, dtype=np.float32), 3)


@pytest.mark.e2e
def test_repeated_ids_in_one_upsert_keep_the_last_vector(chroma_server) -> None:
    store = ChromaStore.open(chroma_server.client(), f"dup-{uuid.uuid4().hex[:8]}", DIM, **EXACT)
    vecs = unit_vectors(3, seed=4)
    store.upsert(["a:0", "a:1", "a:0"], ["a", "a", "a"], vecs)
    assert store.count() == 2
    assert store.search(vecs[2], 1)[0][0] == "a:0"


def test_unreachable_server_is_store_unavailable() -> None:
    require_chromadb()
    with pytest.raises(StoreUnavailable, match="unavailable"):
        chroma_client(StoreSettings(backend="chroma", chroma_port=free_port()))


@pytest.mark.e2e
def test_a_server_that_goes_away_is_store_unavailable(tmp_path: Path) -> None:
    require_chromadb()
    server = start_chroma(tmp_path)
    try:
        store = ChromaStore.open(server.client(), "going-away", DIM)
        store.upsert(["a:0"], ["a"], unit_vectors(1))
    finally:
        stop_chroma(server)
    for call in (lambda: store.search(unit_vectors(1)[0], 3), store.count, lambda: store.delete_document("a")):
        with pytest.raises(StoreUnavailable):
            call()


def test_missing_chromadb_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "chromadb", None)  # import chromadb now raises ImportError
    with pytest.raises(StoreUnavailable, match=r"pip install '\.\[chroma\]'"):
        chroma_client(StoreSettings(backend="chroma"))


def test_collection_names_follow_chroma_rules() -> None:
    assert collection_name_for("v000003-20261121T101010") == "resnav-v000003-20261121T101010"
    assert collection_name_for("v1 (copy)") == "resnav-v1--copy"
    with pytest.raises(ValueError, match="chroma_collection"):
        StoreSettings(chroma_collection="x")
    with pytest.raises(ValueError, match="chroma_collection"):
        StoreSettings(chroma_collection="bad name!")
    assert StoreSettings(chroma_collection="resnav-main").chroma_collection == "resnav-main"


def test_factory_opens_faiss_by_default(tmp_path: Path) -> None:
    store = FaissStore(DIM)
    store.upsert(["x:0"], ["x"], unit_vectors(1))
    store.save(tmp_path)
    opened = open_store(Settings(), tmp_path, DIM)
    assert isinstance(opened, FaissStore) and opened.count() == 1


def test_factory_opens_the_embedded_collection_of_the_version(tmp_path: Path) -> None:
    require_chromadb()
    settings = Settings(store=StoreSettings(backend="chroma", chroma_path=tmp_path / "chroma"))
    version = tmp_path / "v000001-20261121T000000"
    client = chroma_client(settings.store)
    ChromaStore.open(client, collection_name_for(version.name), DIM).upsert(["x:0"], ["x"], unit_vectors(1))
    opened = open_store(settings, version, DIM)
    assert isinstance(opened, ChromaStore) and opened.count() == 1
    with pytest.raises(IndexNotBuilt):
        open_store(settings, tmp_path / "v000002-20261122T000000", DIM)


# -- several workers on one embedded folder ------------------------------------------------------------------------


def test_several_workers_on_an_embedded_chroma_folder_are_refused(tmp_path: Path) -> None:
    settings = Settings(store=StoreSettings(backend="chroma", chroma_path=tmp_path / "chroma"))
    with pytest.raises(InvalidRequest, match="not process-safe") as err:
        check_store_workers(settings, 2)
    assert err.value.code == "invalid_request"
    assert "chroma run" in str(err.value) and "--workers 1" in str(err.value)
    check_store_workers(settings, 1)  # one process is fine


@pytest.mark.parametrize(
    "store",
    [
        StoreSettings(),  # FAISS: every worker loads its own read-only copy
        StoreSettings(backend="chroma"),  # a Chroma server: made for many clients
        StoreSettings(backend="faiss", chroma_path=Path("/unused")),  # the path is ignored by FAISS
    ],
)
def test_several_workers_are_fine_otherwise(store: StoreSettings) -> None:
    check_store_workers(Settings(store=store), 8)
