"""Vector stores behind the ``VectorStore`` protocol. ``FaissStore`` is the embedded default.

FAISS holds inner products over L2-normalised vectors (= cosine) with an id map; the chunk ids (strings) and
their documents are kept beside it in JSON, never pickle.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

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


class FaissStore:
    """FAISS ``IndexIDMap2`` over ``IndexFlatIP`` (exact) or ``IndexHNSWFlat`` (approximate, inner product)."""

    def __init__(self, dim: int, index_type: IndexType = "flat", hnsw_m: int = 32, ef_search: int = 128) -> None:
        self._dim = dim
        self._type: IndexType = index_type
        self._hnsw_m = hnsw_m
        self._ef_search = ef_search
        self._index = self._new_index()
        self._chunk_of: dict[int, str] = {}
        self._row_of: dict[str, int] = {}
        self._doc_of: dict[int, str] = {}
        self._next = 0

    def _new_index(self) -> faiss.Index:
        if self._type == "hnsw":
            inner = faiss.IndexHNSWFlat(self._dim, self._hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = max(100, 2 * self._hnsw_m)
            inner.hnsw.efSearch = self._ef_search
        else:
            inner = faiss.IndexFlatIP(self._dim)
        return faiss.IndexIDMap2(inner)

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def index_type(self) -> IndexType:
        return self._type

    def count(self) -> int:
        return int(self._index.ntotal)

    def upsert(self, chunk_ids: Sequence[str], doc_ids: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self._dim or len(chunk_ids) != vectors.shape[0]:
            raise InvalidRequest(f"upsert needs ({len(chunk_ids)}, {self._dim}) vectors, got {tuple(vectors.shape)}")
        if len(doc_ids) != len(chunk_ids):
            raise InvalidRequest("upsert needs one doc id per chunk id")
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
            self._index.add_with_ids(vectors, rows)

    def _remove_rows(self, rows: list[int]) -> None:
        if self._type == "hnsw":
            # HNSW cannot remove vectors: rebuild from the stored ones without those rows.
            keep = [r for r in self._chunk_of if r not in set(rows)]
            vecs = np.stack([self._index.reconstruct(r) for r in keep]) if keep else np.zeros((0, self._dim))
            self._index = self._new_index()
            if keep:
                self._index.add_with_ids(np.ascontiguousarray(vecs, dtype=np.float32), np.array(keep, np.int64))
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
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(self._ef_search, k))
            else:
                params = faiss.SearchParameters(sel=selector)
            k = min(k, len(rows))
        elif self._type == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(self._ef_search, k))
        k = min(k, self.count())
        scores, ids = self._index.search(q, k, params=params)
        pairs = [(self._chunk_of[int(i)], float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]
        pairs.sort(key=lambda p: (-p[1], p[0]))
        return pairs

    def reconstruct(self, chunk_id: str) -> np.ndarray:
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
        store = cls(meta["dim"], meta["index_type"], meta["hnsw_m"], ef_search or meta["ef_search"])
        store._index = index
        if store._type == "hnsw":
            faiss.downcast_index(index.index).hnsw.efSearch = store._ef_search
        store._next = meta["next"]
        for row, chunk_id, doc_id in zip(meta["rows"], meta["chunk_ids"], meta["doc_ids"], strict=True):
            store._chunk_of[row] = chunk_id
            store._row_of[chunk_id] = row
            store._doc_of[row] = doc_id
        if store.count() != len(store._chunk_of):
            raise IndexCorrupt(f"FAISS store in {folder} holds {store.count()} vectors for {len(meta['rows'])} ids")
        return store
