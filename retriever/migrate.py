"""Copy the serving index's vectors into a Chroma collection and prove the copy answers like the index.

``migrate_to_chroma`` reads the serving version's ``vectors.npy`` (memory-mapped) and its chunk and document
ids (``meta.sqlite``, in row order), upserts them in batches into the collection named after the version
(``resnav-<version>``, or the one given), then verifies:

1. counts: the collection holds exactly as many vectors as the index;
2. vectors: every vector of the collection equals its row of ``vectors.npy`` (within ``VECTOR_EPS``), fetched
   back by id;
3. answers: for ``queries`` query vectors (chunk vectors of the index, picked with a fixed seed; random unit
   vectors fill up a smaller index) the collection's top-``k`` is compared with the *exact* top-``k`` over
   ``vectors.npy`` (what ``FaissStore`` flat returns). Chroma's index is approximate (HNSW), so identity is not
   demanded: recall@``k`` against exact search must be at least ``min_recall`` (default 0.95, configurable;
   a returned chunk scoring the same as the exact ``k``-th within ``1e-5`` counts as found). How many lists
   are identical is reported too. The collection is searched with the breadth ``retrieval.hnsw_ef_search``
   (at least ``MIN_EF_SEARCH``).

Upserts are idempotent (chunk ids are stable), so a migration is re-runnable; ``replace`` drops the collection
first. A failed verification raises ``MigrationMismatch`` (code ``migration_mismatch``) carrying the report.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from retriever.chroma import ChromaStore, chroma_client, collection_name_for, hnsw_parameters
from retriever.errors import IndexCorrupt, MigrationMismatch
from retriever.index import IndexFiles, read_manifest, require_current
from retriever.settings import RetrievalSettings, StoreSettings
from retriever.stores import VectorStore

logger = logging.getLogger(__name__)

TIE_EPS = 1e-5
VECTOR_EPS = 1e-4
BLOCK_ROWS = 100_000
MIN_RECALL = 0.95
MIN_EF_SEARCH = 128


@dataclass
class MigrationReport:
    version: str
    collection: str
    target: str
    index_count: int
    store_count: int = 0
    copied: int = 0
    queries: int = 0
    k: int = 10
    identical: int = 0
    recall: float = 0.0
    min_recall: float = MIN_RECALL
    vectors_checked: int = 0
    vectors_different: int = 0
    mismatches: list[dict] = field(default_factory=list)  # the first few: query, expected and returned ids
    copy_s: float = 0.0
    verify_s: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.index_count == self.store_count
            and self.vectors_different == 0
            and self.vectors_checked == self.index_count
            and self.recall >= self.min_recall
        )

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def read_ids(folder: Path) -> tuple[list[str], list[str]]:
    """Chunk ids and their document ids, in vector-row order, from the version's ``meta.sqlite``."""
    try:
        con = sqlite3.connect(f"file:{folder / 'meta.sqlite'}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT chunk_id, doc_id FROM chunks ORDER BY row").fetchall()
        finally:
            con.close()
    except sqlite3.Error as e:
        raise IndexCorrupt(f"cannot read the chunk ids of {folder.name}: {e}") from e
    return [r[0] for r in rows], [r[1] for r in rows]


def _vectors(folder: Path, count: int) -> np.ndarray:
    try:
        vectors = np.load(IndexFiles(folder).vectors, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"cannot read vectors.npy in {folder.name}: {e}") from e
    if vectors.ndim != 2 or len(vectors) != count:
        raise IndexCorrupt(f"{folder.name}: vectors.npy has shape {vectors.shape} for {count} chunks")
    return vectors


def query_vectors(vectors: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """``count`` queries: distinct chunk vectors picked with ``seed``, then random unit vectors if too few."""
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(len(vectors), size=min(count, len(vectors)), replace=False))
    parts = [np.asarray(vectors[picked], dtype=np.float32)]
    if len(picked) < count:
        extra = rng.normal(size=(count - len(picked), vectors.shape[1])).astype(np.float32)
        parts.append(extra / np.linalg.norm(extra, axis=1, keepdims=True))
    return np.concatenate(parts)


def exact_top(vectors: np.ndarray, chunk_ids: list[str], queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
    """Exact top-``k`` ``(chunk_id, score)`` per query by inner product, ties by chunk id; streamed by block."""
    best: list[list[tuple[str, float]]] = [[] for _ in range(len(queries))]
    for start in range(0, len(vectors), BLOCK_ROWS):
        block = np.asarray(vectors[start : start + BLOCK_ROWS], dtype=np.float32)
        scores = queries @ block.T
        take = min(k, block.shape[0])
        top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
        for qi in range(len(queries)):
            # argpartition may cut inside a tie: keep every row scoring like the k-th, then sort by (score, id).
            kth = scores[qi, top[qi]].min()
            rows = np.flatnonzero(scores[qi] >= kth)
            merged = best[qi] + [(chunk_ids[start + int(r)], float(scores[qi, r])) for r in rows]
            merged.sort(key=lambda p: (-p[1], p[0]))
            best[qi] = merged[:k]
    return best


def _same_top(
    expected: list[tuple[str, float]], got: list[tuple[str, float]], score_of: Callable[[str], float]
) -> bool:
    if [c for c, _ in expected] == [c for c, _ in got]:
        return True
    if len(expected) != len(got):
        return False
    # Differences are acceptable only between equally scored chunks (ties in another order).
    return all(c == e or abs(score_of(c) - s) <= TIE_EPS for (e, s), (c, _) in zip(expected, got, strict=True))


def verify_store(
    folder: Path,
    store: VectorStore,
    report: MigrationReport,
    *,
    queries: int = 100,
    k: int = 10,
    seed: int = 0,
    min_recall: float = MIN_RECALL,
) -> MigrationReport:
    """Fill ``report``: the store's count, whether its vectors equal the index's (when the store can return them),
    recall@``k`` of ``queries`` searches against exact search, and how many top-``k`` lists are identical."""
    chunk_ids, _ = read_ids(folder)
    vectors = _vectors(folder, len(chunk_ids))
    row_of = {c: i for i, c in enumerate(chunk_ids)}
    t = time.perf_counter()
    report.store_count = store.count()
    report.min_recall = min_recall
    fetch = getattr(store, "vectors_of", None)
    report.vectors_checked = report.vectors_different = 0
    if fetch is not None:
        for start in range(0, len(chunk_ids), 1000):
            ids = chunk_ids[start : start + 1000]
            got_vectors = fetch(ids)
            for cid in ids:
                v = got_vectors.get(cid)
                if v is None:
                    continue
                report.vectors_checked += 1
                if not np.allclose(v, np.asarray(vectors[row_of[cid]], dtype=np.float32), atol=VECTOR_EPS):
                    report.vectors_different += 1
    else:  # a store that cannot return its vectors is checked by its answers alone
        report.vectors_checked = len(chunk_ids)
    qs = query_vectors(vectors, queries, seed)
    expected = exact_top(vectors, chunk_ids, qs, k)
    report.queries, report.k, report.identical, report.mismatches = len(qs), k, 0, []
    found = wanted = 0
    for i, q in enumerate(qs):
        got = store.search(q, k)

        def score_of(chunk: str, q: np.ndarray = q) -> float:
            return float(np.asarray(vectors[row_of[chunk]], dtype=np.float32) @ q) if chunk in row_of else np.nan

        kth = expected[i][-1][1] if expected[i] else np.inf
        truth = {c for c, _ in expected[i]}
        found += sum(1 for c, _ in got if c in truth or score_of(c) >= kth - TIE_EPS)
        wanted += len(expected[i])
        if _same_top(expected[i], got, score_of):
            report.identical += 1
        elif len(report.mismatches) < 5:
            report.mismatches.append({"query": i, "expected": [c for c, _ in expected[i]], "got": [c for c, _ in got]})
    report.recall = round(found / wanted, 4) if wanted else 1.0
    report.verify_s = round(time.perf_counter() - t, 3)
    return report


def _verification_breadth(params: dict[str, int]) -> dict[str, int]:
    """The collection's HNSW parameters with a search breadth wide enough for the recall check."""
    return {**params, "ef_search": max(params.get("ef_search", 0), MIN_EF_SEARCH)}


def migrate_to_chroma(
    root: Path,
    store_settings: StoreSettings,
    retrieval: RetrievalSettings | None = None,
    *,
    collection: str | None = None,
    replace: bool = False,
    copy: bool = True,
    queries: int = 100,
    k: int = 10,
    batch: int = 1000,
    min_recall: float = MIN_RECALL,
    progress: Callable[[int, int], None] | None = None,
) -> MigrationReport:
    """Copy the serving version under ``root`` into Chroma and verify it; see the module docstring.

    ``copy=False`` only verifies an existing collection. Raises ``MigrationMismatch`` when counts or answers
    differ, ``StoreUnavailable`` when Chroma does not answer, ``IndexNotBuilt`` when there is nothing to copy.
    """
    folder = require_current(root)
    manifest = read_manifest(folder)
    dim = int(manifest["embedder"]["dim"])
    chunk_ids, doc_ids = read_ids(folder)
    vectors = _vectors(folder, len(chunk_ids))
    if vectors.shape[1] != dim:
        raise IndexCorrupt(f"{folder.name}: vectors are {vectors.shape[1]}-d, the manifest says {dim}")
    name = collection or store_settings.chroma_collection or collection_name_for(folder.name)
    target = str(store_settings.chroma_path or f"{store_settings.chroma_host}:{store_settings.chroma_port}")
    report = MigrationReport(version=folder.name, collection=name, target=target, index_count=len(chunk_ids))
    client = chroma_client(store_settings)
    if copy and replace:
        from chromadb.errors import NotFoundError

        try:
            client.delete_collection(name)
            logger.info("migrate_dropped collection=%s", name)
        except NotFoundError:
            pass
    store = ChromaStore.open(
        client,
        name,
        dim,
        create=copy,
        metadata={"resnav:version": folder.name, "resnav:embedder": str(manifest["embedder"]["id"])},
        **_verification_breadth(hnsw_parameters(retrieval or RetrievalSettings())),
    )
    if copy:
        t = time.perf_counter()
        for start in range(0, len(chunk_ids), batch):
            end = min(start + batch, len(chunk_ids))
            store.upsert(chunk_ids[start:end], doc_ids[start:end], np.asarray(vectors[start:end], dtype=np.float32))
            report.copied = end
            if progress is not None:
                progress(end, len(chunk_ids))
        report.copy_s = round(time.perf_counter() - t, 3)
        logger.info("migrate_copied collection=%s vectors=%s seconds=%.1f", name, report.copied, report.copy_s)
    verify_store(folder, store, report, queries=queries, k=k, min_recall=min_recall)
    logger.info(
        "migrate_verified collection=%s count=%s/%s vectors_different=%s recall@%s=%s identical=%s/%s",
        name,
        report.store_count,
        report.index_count,
        report.vectors_different,
        k,
        report.recall,
        report.identical,
        report.queries,
    )
    if not report.ok:
        problems = []
        if report.store_count != report.index_count:
            problems.append(f"Chroma holds {report.store_count} vectors, the index {report.index_count}")
        if report.vectors_different or report.vectors_checked != report.index_count:
            problems.append(
                f"{report.vectors_different} vectors differ from the index and "
                f"{report.index_count - report.vectors_checked} are missing"
            )
        if report.recall < report.min_recall:
            problems.append(f"recall@{k} against exact search {report.recall:.3f} < {report.min_recall}")
        message = f"collection {name!r} does not match index {folder.name}: " + "; ".join(problems)
        raise MigrationMismatch(message, report)
    return report
