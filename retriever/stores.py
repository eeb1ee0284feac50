"""Vector stores behind the ``VectorStore`` protocol. ``FaissStore`` is the embedded default.

FAISS holds inner products over L2-normalised vectors (= cosine) with an id map; the chunk ids (strings) and
their documents are kept beside it in JSON, never pickle.

HNSW keeps its vectors as float32 (``hnsw_storage="flat"``, 4 bytes a dimension), as float16 (``"fp16"``:
``IndexHNSWSQ`` with ``QT_fp16``, 2 bytes, scores within about 1e-4 of float32, no training) or scalar-quantised
to one byte a dimension (``"sq8"``: ``QT_8bit``, a trained [min, max] per dimension; 1M x 512-d is 0.5 GB of
codes instead of 2 GB). Quantised scores are approximate (SQ8: about 1e-3 off the cosine, which reorders
near-ties; docs/benchmarks.md has the recall this costs) and ``reconstruct`` returns the decoded vector.

The SQ8 quantiser is trained once, on the first non-empty ``upsert`` (a sample of at most ``SQ_TRAIN_ROWS``
rows of it). Ingest builds every index version whole, in one ``upsert``, so each version is trained on its own
corpus. Vectors added later to a trained store (another ``upsert``) are encoded with the ranges of that first
batch: a component outside them is clipped, so data that drifts away from the training batch loses accuracy
until the next full rebuild. A first batch smaller than ``SQ_MIN_TRAIN_ROWS`` says little about the ranges: the
quantiser then covers [-1, 1] in every dimension (all a unit vector can hold), coarser but never clipping.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import faiss
import numpy as np

from retriever.errors import IndexCorrupt, InvalidRequest

logger = logging.getLogger(__name__)


@runtime_checkable
class VectorStore(Protocol):
    """A store of chunk vectors.

    - ``upsert(chunk_ids, doc_ids, vectors)``: adds or replaces vectors; idempotent (the same call twice leaves
      the same state). ``vectors`` are ``(n, dim)`` float32, L2-normalised; raises ``InvalidRequest`` on a shape
      mismatch.
    - ``delete_document(doc_id)``: removes every vector of that document, returns how many; 0 if none.
    - ``search(vector, k, allowed=None)``: up to ``k`` ``(chunk_id, score)`` pairs, score = inner product
      (cosine), sorted by score descending, ties by chunk id ascending. ``allowed`` restricts the candidates
      *before* ranking (a filter never empties a top-k after the fact); an empty ``allowed`` gives ``[]``.
    - ``count()``: number of vectors.
    Raises ``StoreUnavailable`` when a server backend does not answer.
    """

    def upsert(self, chunk_ids: Sequence[str], doc_ids: Sequence[str], vectors: np.ndarray) -> None: ...

    def delete_document(self, doc_id: str) -> int: ...

    def search(self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]: ...

    def count(self) -> int: ...


IndexType = Literal["flat", "hnsw"]
HnswStorage = Literal["flat", "fp16", "sq8"]
_QTYPE: dict[str, Any] = {"fp16": faiss.ScalarQuantizer.QT_fp16, "sq8": faiss.ScalarQuantizer.QT_8bit}
# faiss' type stubs (faiss-cpu 1.15) lack SearchParametersHNSW and the keyword arguments of the SearchParameters
# classes, which the SWIG wrappers have: searches build their parameters through this untyped view.
_faiss_params: Any = faiss

SQ_TRAIN_ROWS = 200_000  # the SQ8 quantiser is trained on at most this many rows of the first batch
SQ_MIN_TRAIN_ROWS = 1_000  # a smaller first batch trains the full unit-vector range [-1, 1] instead
_REBUILD_BLOCK = 50_000  # rows decoded at a time when an HNSW index is rebuilt without some rows


def checked_upsert(chunk_ids: Sequence[str], doc_ids: Sequence[str], vectors: np.ndarray, dim: int) -> np.ndarray:
    """The arguments of ``VectorStore.upsert`` checked (``InvalidRequest``): ``(len(chunk_ids), dim)`` vectors, one
    doc id per chunk id. Returns the vectors as contiguous float32."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[1] != dim or len(chunk_ids) != vectors.shape[0]:
        raise InvalidRequest(f"upsert needs ({len(chunk_ids)}, {dim}) vectors, got {tuple(vectors.shape)}")
    if len(doc_ids) != len(chunk_ids):
        raise InvalidRequest("upsert needs one doc id per chunk id")
    return vectors


class FaissStore:
    """FAISS ``IndexIDMap2`` over ``IndexFlatIP`` (exact) or HNSW (approximate, inner product) whose vectors are
    ``IndexHNSWFlat`` (float32) or ``IndexHNSWSQ`` (float16 or 8-bit scalar quantised) per ``hnsw_storage``."""

    def __init__(
        self,
        dim: int,
        index_type: IndexType = "flat",
        hnsw_m: int = 32,
        ef_search: int = 128,
        hnsw_storage: HnswStorage = "flat",
    ) -> None:
        if index_type not in ("flat", "hnsw"):
            raise ValueError(f"index_type must be flat or hnsw, got {index_type!r}")
        if hnsw_storage not in ("flat", "fp16", "sq8"):
            raise ValueError(f"hnsw_storage must be flat, fp16 or sq8, got {hnsw_storage!r}")
        self._dim = dim
        self._type: IndexType = index_type
        self._hnsw_m = hnsw_m
        self._ef_search = ef_search
        # Only HNSW has a storage choice; a flat index is always exact float32.
        self._storage: HnswStorage = hnsw_storage if index_type == "hnsw" else "flat"
        self._index: Any = self._new_index()
        self._chunk_of: dict[int, str] = {}
        self._row_of: dict[str, int] = {}
        self._doc_of: dict[int, str] = {}
        self._next = 0

    def _new_index(self, sq_trained: Any = None) -> Any:
        """An empty index; ``sq_trained``: the ranges (``Float32Vector``) of a trained SQ8 quantiser to reuse."""
        inner: Any  # faiss' type stubs do not know the SWIG attributes used here
        if self._type == "hnsw":
            if self._storage in _QTYPE:
                inner = faiss.IndexHNSWSQ(self._dim, _QTYPE[self._storage], self._hnsw_m, faiss.METRIC_INNER_PRODUCT)
                if sq_trained is not None and not inner.is_trained:
                    storage: Any = faiss.downcast_index(inner.storage)
                    storage.sq.trained = sq_trained
                    storage.is_trained = True
                    inner.is_trained = True
            else:
                inner = faiss.IndexHNSWFlat(self._dim, self._hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = max(100, 2 * self._hnsw_m)
            inner.hnsw.efSearch = self._ef_search
        else:
            inner = faiss.IndexFlatIP(self._dim)
        return faiss.IndexIDMap2(inner)

    def _inner(self) -> Any:
        """The index the ``IndexIDMap2`` wraps, as its own class (``IndexHNSWSQ``, ``IndexHNSWFlat``, ...)."""
        return faiss.downcast_index(self._index.index)

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def index_type(self) -> IndexType:
        return self._type

    @property
    def hnsw_storage(self) -> HnswStorage:
        """How HNSW keeps its vectors (``"flat"`` for a flat index)."""
        return self._storage

    def count(self) -> int:
        return int(self._index.ntotal)

    def reserve(self, total: int) -> None:
        """Pre-size the index for ``total`` vectors, so adding them block by block never reallocates.

        FAISS grows its vector storage (and the HNSW neighbour lists) like a ``std::vector``: when a block does not
        fit, a buffer twice as large is allocated and everything copied, so memory briefly holds the old and the
        new copy (at 1M x 384-d float32: 1.5 GB of vectors peaked above 3 GB). Reserving allocates once, at the
        final size; the pages are touched (zero-filled) now rather than as vectors arrive. One ``upsert`` of
        everything needs no reserve (one allocation). A no-op when the storage is already at least that large.
        """
        inner = self._inner()
        storage: Any = faiss.downcast_index(inner.storage) if self._type == "hnsw" else inner
        _reserve(storage.codes, total * storage.code_size)
        if self._type == "hnsw":
            m = self._hnsw_m
            # Level 0 has 2M neighbours, each further level M; P(level >= l) = M^-l, so E = 2M + M/(M-1).
            _reserve(inner.hnsw.neighbors, int(total * (2 * m + m / (m - 1)) * 1.002) + 1024)

    def _train(self, vectors: np.ndarray) -> None:
        """Train the SQ8 quantiser on ``vectors`` (a sample of them), or on [-1, 1] if they are too few."""
        if len(vectors) < SQ_MIN_TRAIN_ROWS:
            sample = np.stack([-np.ones(self._dim, np.float32), np.ones(self._dim, np.float32)])
        elif len(vectors) > SQ_TRAIN_ROWS:
            rows = np.sort(np.random.default_rng(0).choice(len(vectors), SQ_TRAIN_ROWS, replace=False))
            sample = np.ascontiguousarray(vectors[rows])
        else:
            sample = vectors
        self._index.train(sample)

    def upsert(self, chunk_ids: Sequence[str], doc_ids: Sequence[str], vectors: np.ndarray) -> None:
        vectors = checked_upsert(chunk_ids, doc_ids, vectors, self._dim)
        existing = [self._row_of[c] for c in chunk_ids if c in self._row_of]
        if existing:
            self._remove_rows(existing)
        rows = np.arange(self._next, self._next + len(chunk_ids), dtype=np.int64)
        self._next += len(chunk_ids)
        for row, chunk_id, doc_id in zip(rows.tolist(), chunk_ids, doc_ids, strict=True):
            self._chunk_of[row] = chunk_id
            self._row_of[chunk_id] = row
            self._doc_of[row] = doc_id
        if len(rows):
            if not self._index.is_trained:
                self._train(vectors)
            self._index.add_with_ids(vectors, rows)

    def _remove_rows(self, rows: list[int]) -> None:
        if self._type == "hnsw":
            # HNSW cannot remove vectors: rebuild from the stored ones without those rows, a block at a time. An
            # SQ8 index keeps its quantiser: decoding and encoding again with the same ranges gives the same codes.
            old_index = self._index  # keeps the old inner index alive while it is read
            old, gone = self._inner(), np.array(rows, dtype=np.int64)
            ids = faiss.vector_to_array(old_index.id_map)
            old_storage: Any = faiss.downcast_index(old.storage) if self._storage in _QTYPE else None
            sq_trained = old_storage.sq.trained if old_storage is not None else None
            self._index = self._new_index(sq_trained)
            self.reserve(len(ids) - len(rows))
            for start in range(0, len(ids), _REBUILD_BLOCK):
                block_ids = ids[start : start + _REBUILD_BLOCK]
                keep = ~np.isin(block_ids, gone)
                if keep.any():
                    vecs = old.reconstruct_n(start, len(block_ids))[keep]
                    self._index.add_with_ids(np.ascontiguousarray(vecs, dtype=np.float32), block_ids[keep])
            del old, old_index
        else:
            self._index.remove_ids(np.array(rows, dtype=np.int64))
        for r in rows:
            chunk = self._chunk_of.pop(r)
            self._row_of.pop(chunk, None)
            self._doc_of.pop(r, None)

    def delete_document(self, doc_id: str) -> int:
        rows = [r for r, d in self._doc_of.items() if d == doc_id]
        if rows:
            self._remove_rows(rows)
        return len(rows)

    def search(self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        if k <= 0 or self.count() == 0:
            return []
        q = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        if q.shape[1] != self._dim:
            raise InvalidRequest(f"query vector has dimension {q.shape[1]}, the store {self._dim}")
        params = None
        if allowed is not None:
            rows = np.array(sorted(self._row_of[c] for c in allowed if c in self._row_of), dtype=np.int64)
            if len(rows) == 0:
                return []
            selector = faiss.IDSelectorBatch(rows)
            if self._type == "hnsw":
                params = _faiss_params.SearchParametersHNSW(sel=selector, efSearch=max(self._ef_search, k))
            else:
                params = _faiss_params.SearchParameters(sel=selector)
            k = min(k, len(rows))
        elif self._type == "hnsw":
            params = _faiss_params.SearchParametersHNSW(efSearch=max(self._ef_search, k))
        k = min(k, self.count())
        scores, ids = self._index.search(q, k, params=params)
        pairs = [(self._chunk_of[int(i)], float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]
        pairs.sort(key=lambda p: (-p[1], p[0]))
        return pairs

    def reconstruct(self, chunk_id: str) -> np.ndarray:
        """The stored vector of ``chunk_id``; with SQ8 storage the decoded (approximate) vector."""
        return np.asarray(self._index.reconstruct(self._row_of[chunk_id]), dtype=np.float32)

    def save(self, folder: Path) -> list[Path]:
        """Write ``dense.faiss`` and ``dense_ids.json`` into ``folder``; returns the written paths."""
        folder.mkdir(parents=True, exist_ok=True)
        index_path, ids_path = folder / "dense.faiss", folder / "dense_ids.json"
        faiss.write_index(self._index, str(index_path))
        rows = sorted(self._chunk_of)
        meta = {
            "dim": self._dim,
            "index_type": self._type,
            "hnsw_m": self._hnsw_m,
            "hnsw_storage": self._storage,
            "ef_search": self._ef_search,
            "next": self._next,
            "rows": rows,
            "chunk_ids": [self._chunk_of[r] for r in rows],
            "doc_ids": [self._doc_of[r] for r in rows],
        }
        ids_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return [index_path, ids_path]

    @classmethod
    def load(cls, folder: Path, *, ef_search: int | None = None) -> FaissStore:
        try:
            meta = json.loads((folder / "dense_ids.json").read_text(encoding="utf-8"))
            index = faiss.read_index(str(folder / "dense.faiss"))
        except (OSError, ValueError, RuntimeError) as e:
            raise IndexCorrupt(f"cannot read the FAISS store in {folder}: {e}") from e
        inner: Any = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else None
        found: tuple[IndexType, HnswStorage]
        if isinstance(inner, faiss.IndexHNSWSQ):
            sq_storage: Any = faiss.downcast_index(inner.storage)
            qtype = sq_storage.sq.qtype
            storages = [name for name, q in _QTYPE.items() if q == qtype]
            if not storages:
                raise IndexCorrupt(f"FAISS store in {folder} holds an HNSW of unexpected quantiser type {qtype}")
            found = ("hnsw", "fp16" if storages[0] == "fp16" else "sq8")
        elif isinstance(inner, faiss.IndexHNSWFlat):
            found = ("hnsw", "flat")
        elif isinstance(inner, faiss.IndexFlatIP):
            found = ("flat", "flat")
        else:
            raise IndexCorrupt(f"FAISS store in {folder} holds an unexpected index ({type(inner or index).__name__})")
        # Files written before hnsw_storage existed say nothing of it: their HNSW was float32.
        said = (meta["index_type"], meta.get("hnsw_storage", "flat") if meta["index_type"] == "hnsw" else "flat")
        if found != said or inner.d != meta["dim"]:
            raise IndexCorrupt(
                f"FAISS store in {folder}: dense_ids.json describes {said} at dim {meta['dim']}, dense.faiss holds "
                f"{found} at dim {inner.d}"
            )
        store = cls(meta["dim"], found[0], meta["hnsw_m"], ef_search or meta["ef_search"], found[1])
        store._index = index
        if store._type == "hnsw":
            inner.hnsw.efSearch = store._ef_search
        store._next = meta["next"]
        for row, chunk_id, doc_id in zip(meta["rows"], meta["chunk_ids"], meta["doc_ids"], strict=True):
            store._chunk_of[row] = chunk_id
            store._row_of[chunk_id] = row
            store._doc_of[row] = doc_id
        if store.count() != len(store._chunk_of):
            raise IndexCorrupt(f"FAISS store in {folder} holds {store.count()} vectors for {len(meta['rows'])} ids")
        return store


def _reserve(vector, size: int) -> None:
    """Give a FAISS ``MaybeOwnedVector`` capacity for ``size`` elements, keeping its contents and its size.

    SWIG exposes no ``reserve``; growing with ``resize`` then shrinking back does the same (``std::vector``
    never gives capacity back on a shrink).
    """
    current = vector.size()
    if size <= current or not vector.is_owned:
        return
    vector.resize(size)
    vector.resize(current)
