"""``resnav migrate --to chroma`` for real: the real corpus indexed (hashing embedder), copied into the session's
Chroma server, verified, served through ``ChromaStore`` with the same answers as FAISS, and caught when tampered."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import numpy as np
import pytest

from cli.migrate import add_parser, cmd_migrate
from ingest.pipeline import ingest, load_lexicon
from retriever.chroma import ChromaStore, collection_name_for, load_configured_index, open_store
from retriever.embedders import make_embedder
from retriever.errors import IndexNotBuilt, StoreUnavailable
from retriever.migrate import MigrationMismatch, _same_top, exact_top, migrate_to_chroma, read_ids
from retriever.search import HybridRetriever, load_index
from retriever.settings import Settings, StoreSettings
from retriever.stores import FaissStore
from tests.chroma_server import free_port
from tests.conftest import CORPUS, make_settings

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus, ingested once with the hashing embedder."""
    settings = make_settings(tmp_path_factory.mktemp("migrate") / "index")
    ingest([CORPUS], settings, make_embedder(settings.embedder))
    return settings


@pytest.fixture(scope="module")
def migrated(indexed: Settings, chroma_server):
    """The index migrated into the version's collection (what `resnav migrate --to chroma` does by default)."""
    return migrate_to_chroma(indexed.paths.index_dir, chroma_server.store_settings(), indexed.retrieval)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="resnav")
    p.add_argument("--index-dir")
    add_parser(p.add_subparsers(dest="command", required=True))
    return p


def _args(settings: Settings, server, *extra: str) -> argparse.Namespace:
    argv = ["--index-dir", str(settings.paths.index_dir), "migrate", "--to", "chroma"]
    return _parser().parse_args([*argv, "--host", server.host, "--port", str(server.port), *extra])


def test_migration_copies_every_vector_and_verifies(migrated, indexed: Settings, chroma_server) -> None:
    index = load_index(indexed.paths.index_dir, verify=False)
    version = index.version
    assert migrated.ok
    assert migrated.collection == collection_name_for(version) == f"resnav-{version}"
    assert migrated.index_count == migrated.store_count == migrated.copied == len(index.chunks) > 0
    assert (migrated.queries, migrated.k) == (100, 10) and migrated.recall >= migrated.min_recall == 0.95
    assert migrated.vectors_checked == migrated.index_count and migrated.vectors_different == 0
    collection = chroma_server.client().get_collection(migrated.collection)
    assert collection.metadata["resnav:version"] == version
    assert collection.metadata["resnav:embedder"].startswith("hashing")


def test_migration_is_rerunnable(migrated, indexed: Settings, chroma_server) -> None:
    again = migrate_to_chroma(indexed.paths.index_dir, chroma_server.store_settings(), indexed.retrieval)
    assert again.ok and again.store_count == migrated.index_count


def test_searching_through_chroma_answers_like_faiss(migrated, indexed: Settings, chroma_server) -> None:
    chroma_settings = indexed.model_copy(update={"store": chroma_server.store_settings()})
    faiss_index = load_configured_index(indexed)  # the default backend
    chroma_index = load_configured_index(chroma_settings)
    assert isinstance(chroma_index.store, ChromaStore) and isinstance(faiss_index.store, FaissStore)
    assert chroma_index.version == faiss_index.version and chroma_index.store.count() == len(faiss_index.chunks)
    assert isinstance(open_store(chroma_settings, faiss_index.folder), ChromaStore)  # dim from the manifest
    embedder, lexicon = make_embedder(indexed.embedder), load_lexicon(indexed)
    for mode in ("dense", "hybrid"):
        retrieval = indexed.retrieval.model_copy(update={"mode": mode})
        via_faiss = HybridRetriever(faiss_index, embedder, lexicon, retrieval)
        via_chroma = HybridRetriever(chroma_index, embedder, lexicon, retrieval)
        for query in ("城市韧性记分卡是什么？", "How do cities measure disaster resilience?", "MCR2030 stage B"):
            want = [h.chunk.chunk_id for h in via_faiss.search(query, 10)]
            assert [h.chunk.chunk_id for h in via_chroma.search(query, 10)] == want, (mode, query)


def test_tampered_collection_is_a_mismatch(indexed: Settings, chroma_server) -> None:
    name = f"tamper-{uuid.uuid4().hex[:8]}"
    root = indexed.paths.index_dir
    store_settings = chroma_server.store_settings(chroma_collection=name)
    assert migrate_to_chroma(root, store_settings, indexed.retrieval).ok
    chunk_ids, _ = read_ids(load_index(root, verify=False).folder)
    collection = chroma_server.client().get_collection(name)

    collection.delete(ids=[chunk_ids[7]])  # one vector lost
    n = len(chunk_ids)
    with pytest.raises(MigrationMismatch, match=f"{n - 1} vectors, the index {n}") as err:
        migrate_to_chroma(root, store_settings, indexed.retrieval, copy=False)
    assert err.value.code == "migration_mismatch" and not err.value.report.ok

    # every vector there, but some answer differently: the vectors of 20 chunks replaced by noise
    migrate_to_chroma(root, store_settings, indexed.retrieval)
    noise = np.random.default_rng(3).normal(size=(20, 256)).astype(np.float32)
    collection.upsert(ids=chunk_ids[:20], embeddings=noise / np.linalg.norm(noise, axis=1, keepdims=True))
    with pytest.raises(MigrationMismatch, match="20 vectors differ from the index") as err:
        migrate_to_chroma(root, store_settings, indexed.retrieval, copy=False)
    report = err.value.report
    assert report.store_count == report.index_count and report.vectors_different == 20
    assert report.identical < report.queries  # and the answers moved with them
    assert report.mismatches and set(report.mismatches[0]) == {"query", "expected", "got"}

    # --replace starts over and the copy verifies again
    assert migrate_to_chroma(root, store_settings, indexed.retrieval, replace=True).ok


def test_cli_migrate_reports_and_fails_with_the_error_code(
    indexed: Settings, chroma_server, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    assert cmd_migrate(_args(indexed, chroma_server, "--collection", name)) == 0
    out = capsys.readouterr().out
    assert f"into Chroma collection {name}" in out
    n = len(load_index(indexed.paths.index_dir, verify=False).chunks)
    assert f"count: index {n}, chroma {n}" in out and f"vectors equal to the index: {n}/{n}" in out
    assert "recall@10 against exact search:" in out

    chroma_server.client().get_collection(name).delete(ids=["not-there:0", read_ids_first(indexed)])
    with pytest.raises(MigrationMismatch) as err:
        cmd_migrate(_args(indexed, chroma_server, "--collection", name, "--verify-only", "--json"))
    assert err.value.code == "migration_mismatch"
    assert '"ok": false' in capsys.readouterr().out


def read_ids_first(settings: Settings) -> str:
    return read_ids(load_index(settings.paths.index_dir, verify=False).folder)[0][0]


def test_wired_command_exits_non_zero_on_mismatch(indexed: Settings, chroma_server, capsys) -> None:
    from cli.main import build_parser, main

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    if "migrate" not in commands:
        pytest.skip("cli/main.py does not wire `resnav migrate` yet (add_parser from cli/migrate.py)")
    name = f"main-{uuid.uuid4().hex[:8]}"
    base = ["--index-dir", str(indexed.paths.index_dir), "migrate", "--to", "chroma", "--collection", name]
    base += ["--host", chroma_server.host, "--port", str(chroma_server.port)]
    assert main(base) == 0
    chroma_server.client().get_collection(name).delete(ids=[read_ids_first(indexed)])
    assert main([*base, "--verify-only"]) == 1
    assert "error: migration_mismatch:" in capsys.readouterr().err


def test_unreachable_chroma_is_store_unavailable(indexed: Settings) -> None:
    with pytest.raises(StoreUnavailable):
        migrate_to_chroma(indexed.paths.index_dir, StoreSettings(backend="chroma", chroma_port=free_port()))


def test_nothing_to_migrate_is_index_not_built(tmp_path: Path, chroma_server) -> None:
    with pytest.raises(IndexNotBuilt):
        migrate_to_chroma(tmp_path / "empty", chroma_server.store_settings())


def test_exact_top_streams_blocks_and_tolerates_only_ties(monkeypatch: pytest.MonkeyPatch) -> None:
    import retriever.migrate as migrate

    monkeypatch.setattr(migrate, "BLOCK_ROWS", 64)  # 250 rows in 4 blocks
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(250, 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs[200] = vecs[5]  # a tie across blocks between "c:005" and "c:200"
    ids = [f"c:{i:03d}" for i in range(len(vecs))]
    queries = np.stack([vecs[5], rng.normal(size=8).astype(np.float32)])
    got = exact_top(vecs, ids, queries, 5)
    for q, top in zip(queries, got, strict=True):
        scores = vecs @ q
        order = sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))[:5]
        assert [c for c, _ in top] == [ids[i] for i in order]
    top = got[0]
    assert [c for c, _ in top][:2] == ["c:005", "c:200"]  # the tie broken by id
    score_of = dict(zip(ids, (vecs @ queries[0]).tolist(), strict=True)).__getitem__
    assert _same_top(top, [top[1], top[0], *top[2:]], score_of)  # tied chunks in the other order: the same
    wrong = [*top[:4], (ids[-1], 0.0)]  # another chunk in the last place: a mismatch
    assert not _same_top(top, wrong, score_of)
