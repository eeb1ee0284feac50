"""``ChromaStore``: the ``VectorStore`` protocol over a Chroma collection; the one store factory (``open_store``,
``load_configured_index``); the worker check for embedded Chroma (``check_store_workers``).

The scale-out store. Many API workers (on one or several hosts) share one Chroma server (``chroma run``) through
``chromadb.HttpClient``; an embedded folder (``PersistentClient``) is for one process only, because Chroma's
embedded mode is not process-safe (several processes on one path corrupt it), so ``check_store_workers``
refuses more than one worker on it.

How it matches ``FaissStore`` (so the one contract suite passes on both):

- Embeddings are always given explicitly, and collections are created with ``embedding_function=None``:
  Chroma's default embedding function would download a model at first use. Telemetry is off.
- The collection's space is ``ip``. Chroma returns a *distance* ``1 - <q, v>`` for it; ``search`` converts it
  back to the score ``<q, v>``, which on L2-normalised vectors is the cosine FAISS returns. Results are re-sorted
  by score descending, ties by chunk id, like ``FaissStore``.
- Chroma's index is HNSW (approximate). ``ef_search`` / ``ef_construction`` / ``max_neighbors`` are set on
  the collection; with ``ef_search`` at least the number of vectors the search is exact.
- ``allowed`` becomes an ``ids`` restriction of the query, which Chroma applies *before* ranking (a filtered
  HNSW search, brute force on small sets). Ids the collection does not hold are ignored, as in FAISS: when Chroma
  rejects an unknown id, the query is repeated with a ``where`` filter on the ``chunk_id`` metadata.
- Each record carries ``doc_id`` and ``chunk_id`` metadata; ``delete_document`` deletes by ``doc_id``.
- Connection failures raise ``StoreUnavailable``; a missing collection raises ``IndexNotBuilt``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from retriever.errors import IndexCorrupt, IndexNotBuilt, InvalidRequest, ResnavError, StoreUnavailable
from retriever.index import read_manifest, require_current
from retriever.search import LoadedIndex, load_index
from retriever.settings import CHROMA_COLLECTION_NAME, RetrievalSettings, Settings, StoreSettings
from retriever.stores import FaissStore, VectorStore, checked_upsert

if TYPE_CHECKING:  # pragma: no cover
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection as ChromaCollection

logger = logging.getLogger(__name__)

INSTALL_HINT = "chromadb is not installed: pip install '.[chroma]'"
COLLECTION_PREFIX = "resnav-"
DIM_KEY = "resnav:dim"
UPSERT_BATCH = 1000  # Chroma's documented sweet spot is 50-250 per batch for throughput; fewer HTTP round trips win


def _chromadb() -> Any:
    try:
        import chromadb
    except ImportError as e:
        raise StoreUnavailable(INSTALL_HINT) from e
    return chromadb


def collection_name_for(version: str) -> str:
    """The Chroma collection name of an index version: ``resnav-<version>`` (valid for Chroma's name rules)."""
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in version).strip("._-")
    name = (COLLECTION_PREFIX + safe)[:512]
    if not CHROMA_COLLECTION_NAME.match(name):
        raise InvalidRequest(f"cannot name a Chroma collection after index version {version!r}")
    return name


def chroma_client(settings: StoreSettings) -> ClientAPI:
    """An ``HttpClient`` for ``chroma_host:chroma_port``, or a ``PersistentClient`` when ``chroma_path`` is set.

    Raises ``StoreUnavailable`` when chromadb is missing or the server does not answer.
    """
    chromadb = _chromadb()
    from chromadb.config import Settings as ChromaSettings

    config = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_path is not None:
            settings.chroma_path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(settings.chroma_path), settings=config)
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=config)
    except (ValueError, OSError) as e:  # chromadb raises ValueError("Could not connect to a Chroma server...")
        where = settings.chroma_path or f"{settings.chroma_host}:{settings.chroma_port}"
        raise StoreUnavailable(f"Chroma at {where} is unavailable: {e}") from e


def _store_error(e: BaseException, what: str) -> ResnavError:
    """Map a chromadb/httpx exception to the resnav error tree."""
    from chromadb.errors import InvalidArgumentError, NotFoundError

    if isinstance(e, NotFoundError):
        return IndexNotBuilt(f"{what}: {e}; run `resnav migrate --to chroma` first")
    if isinstance(e, InvalidArgumentError | ValueError):  # chromadb validates arguments with ValueError too
        return InvalidRequest(f"{what}: {e}")
    return StoreUnavailable(f"{what}: {e}")


def _store_exceptions() -> tuple[type[BaseException], ...]:
    import httpx
    from chromadb.errors import ChromaError

    return (ChromaError, httpx.HTTPError, OSError, ValueError)


class ChromaStore:
    """A ``VectorStore`` over one Chroma collection (space ``ip``). Build with ``open`` (or ``open_store``)."""

    def __init__(self, collection: ChromaCollection, dim: int) -> None:
        self._collection = collection
        self._dim = dim
        self._errors = _store_exceptions()

    @classmethod
    def open(
        cls,
        client: ClientAPI,
        name: str,
        dim: int,
        *,
        create: bool = True,
        ef_search: int = 128,
        ef_construction: int = 100,
        max_neighbors: int = 32,
        metadata: dict[str, str | int | float | bool] | None = None,
    ) -> ChromaStore:
        """Open collection ``name`` (creating it when ``create``) and check it holds ``dim``-dimensional vectors.

        The HNSW parameters and ``metadata`` (kept beside resnav's own ``resnav:dim``) only apply when the
        collection is created. Raises ``IndexNotBuilt`` when the
        collection is missing and ``create`` is false, ``InvalidRequest`` on a dimension or space mismatch.
        """
        errors = _store_exceptions()
        try:
            if create:
                collection = client.get_or_create_collection(
                    name,
                    embedding_function=None,
                    metadata={**(metadata or {}), DIM_KEY: dim},
                    configuration={
                        "hnsw": {
                            "space": "ip",
                            "ef_search": ef_search,
                            "ef_construction": ef_construction,
                            "max_neighbors": max_neighbors,
                        }
                    },
                )
            else:
                collection = client.get_collection(name, embedding_function=None)
        except errors as e:
            raise _store_error(e, f"cannot open Chroma collection {name!r}") from e
        stored_dim = (collection.metadata or {}).get(DIM_KEY)
        if stored_dim is not None and int(stored_dim) != dim:
            raise InvalidRequest(f"Chroma collection {name!r} holds {stored_dim}-d vectors, expected {dim}")
        with warnings.catch_warnings():  # "legacy embedding function config": we set none, on purpose
            warnings.simplefilter("ignore", DeprecationWarning)
            space = (collection.configuration or {}).get("hnsw", {}) or {}
        if space.get("space", "ip") != "ip":
            raise InvalidRequest(f"Chroma collection {name!r} uses space {space.get('space')!r}, resnav needs 'ip'")
        return cls(collection, dim)

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def name(self) -> str:
        return str(self._collection.name)

    def count(self) -> int:
        try:
            return int(self._collection.count())
        except self._errors as e:
            raise _store_error(e, f"Chroma count of {self.name!r} failed") from e

    def upsert(self, chunk_ids: Sequence[str], doc_ids: Sequence[str], vectors: np.ndarray) -> None:
        vectors = checked_upsert(chunk_ids, doc_ids, vectors, self._dim)
        if len(set(chunk_ids)) != len(chunk_ids):
            # FAISS keeps the last of repeated ids; Chroma rejects the batch. Keep the last, like FAISS.
            last = {c: i for i, c in enumerate(chunk_ids)}
            keep = sorted(last.values())
            chunk_ids, doc_ids, vectors = [chunk_ids[i] for i in keep], [doc_ids[i] for i in keep], vectors[keep]
        for start in range(0, len(chunk_ids), UPSERT_BATCH):
            ids = list(chunk_ids[start : start + UPSERT_BATCH])
            docs = doc_ids[start : start + UPSERT_BATCH]
            try:
                self._collection.upsert(
                    ids=ids,
                    embeddings=vectors[start : start + UPSERT_BATCH],
                    metadatas=[{"doc_id": d, "chunk_id": c} for c, d in zip(ids, docs, strict=True)],
                )
            except self._errors as e:
                raise _store_error(e, f"Chroma upsert into {self.name!r} failed") from e

    def vectors_of(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of ``chunk_ids`` that exist (for verifying a migration)."""
        try:
            got = self._collection.get(ids=list(chunk_ids), include=["embeddings"])
        except _store_exceptions() as e:
            raise _store_error(e, "get") from e
        embeddings = got["embeddings"]
        if embeddings is None:  # asked for, so only a server that breaks its contract leaves them out
            raise StoreUnavailable(f"Chroma collection {self.name!r} returned no embeddings for a get")
        return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], embeddings, strict=True)}

    def delete_document(self, doc_id: str) -> int:
        try:
            ids = self._collection.get(where={"doc_id": doc_id}, include=[])["ids"]
            for start in range(0, len(ids), UPSERT_BATCH):
                self._collection.delete(ids=ids[start : start + UPSERT_BATCH])
        except self._errors as e:
            raise _store_error(e, f"Chroma delete from {self.name!r} failed") from e
        return len(ids)

    def search(self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        if k <= 0:
            return []
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        if q.shape[0] != self._dim:
            raise InvalidRequest(f"query vector has dimension {q.shape[0]}, the store {self._dim}")
        restrict: dict[str, Any] = {}
        if allowed is not None:
            ids = sorted(set(allowed))
            if not ids:
                return []
            restrict = {"ids": ids}
            k = min(k, len(ids))
        try:
            try:
                result = self._collection.query(
                    query_embeddings=q[None, :], n_results=k, include=["distances"], **restrict
                )
            except self._errors as e:
                if "ids" not in restrict or "finding id" not in str(e).lower():
                    raise
                # Some allowed ids are not in the collection: filter on the metadata instead (slower, same result).
                where: Any = {"chunk_id": {"$in": restrict["ids"]}}
                result = self._collection.query(
                    query_embeddings=q[None, :], n_results=k, include=["distances"], where=where
                )
        except self._errors as e:
            raise _store_error(e, f"Chroma query of {self.name!r} failed") from e
        ids_out = result["ids"][0] if result["ids"] else []
        distances = (result["distances"] or [[]])[0]
        # space "ip": distance = 1 - <q, v>, so the score (cosine on unit vectors) is 1 - distance.
        pairs = [(str(c), 1.0 - float(d)) for c, d in zip(ids_out, distances, strict=True)]
        pairs.sort(key=lambda p: (-p[1], p[0]))
        return pairs


def check_store_workers(settings: Settings, workers: int) -> None:
    """Refuse several worker processes on one embedded Chroma folder (its files are not process-safe).

    Raises ``InvalidRequest`` when ``store.backend`` is chroma with ``chroma_path`` set and ``workers > 1``.
    """
    store = settings.store
    if store.backend == "chroma" and store.chroma_path is not None and workers > 1:
        raise InvalidRequest(
            f"{workers} workers cannot share the embedded Chroma folder {store.chroma_path}: Chroma's embedded "
            "mode is not process-safe and concurrent writers corrupt it. Run a Chroma server (`chroma run --path "
            f"{store.chroma_path} --port {store.chroma_port}`) and unset store.chroma_path "
            "(RESNAV_STORE__CHROMA_PATH), or serve with --workers 1."
        )


def open_store(settings: Settings, folder: Path, dim: int | None = None) -> VectorStore:
    """The vector store of the index version in ``folder``, as configured: the one store factory.

    ``faiss``: the version's own ``dense.faiss`` (efSearch from ``retrieval.hnsw_ef_search``). ``chroma``: the
    collection ``store.chroma_collection``, by default the one ``resnav migrate`` named after the version;
    chromadb is imported only here (``pip install '.[chroma]'``). ``dim`` defaults to the manifest's embedder
    dimension. Raises ``IndexNotBuilt`` when the version was not migrated, ``StoreUnavailable`` when Chroma
    does not answer.
    """
    if settings.store.backend == "faiss":
        return FaissStore.load(folder, ef_search=settings.retrieval.hnsw_ef_search)
    if dim is None:
        dim = int(read_manifest(folder)["embedder"]["dim"])
    name = settings.store.chroma_collection or collection_name_for(folder.name)
    return ChromaStore.open(chroma_client(settings.store), name, dim, create=False)


def load_configured_index(settings: Settings, *, verify: bool = True) -> LoadedIndex:
    """``load_index`` of ``settings.paths.index_dir`` with the configured store of the same version.

    The version is resolved once: if another version is published between opening the store and loading the
    rest, the load is repeated, so the store and the chunks always belong to one version.
    """
    root = settings.paths.index_dir
    for _ in range(3):
        folder = require_current(root)
        index = load_index(root, verify=verify, store=open_store(settings, folder))
        if index.folder == folder:
            return index
    raise IndexCorrupt(f"the serving version of {root} kept changing while it was loaded")


def hnsw_parameters(retrieval: RetrievalSettings) -> dict[str, int]:
    """The HNSW parameters a new Chroma collection gets, from the retrieval settings (the same as FAISS)."""
    return {
        "ef_search": retrieval.hnsw_ef_search,
        "ef_construction": max(100, 2 * retrieval.hnsw_m),
        "max_neighbors": retrieval.hnsw_m,
    }
