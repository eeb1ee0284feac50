"""The versioned on-disk index: layout, manifest, atomic publication, checksums, the ingest lock, loading.

    <root>/
      CURRENT                 name of the serving version (replaced atomically with os.replace)
      versions/<name>/        one complete, immutable index
        manifest.json         format, embedder id + dim, chunker version, documents with content hashes,
                              counts, and a sha256 per file of the version
        meta.sqlite           documents (full text, pages) and chunks (offsets, section path, language)
        vectors.npy           chunk vectors in chunk-row order (reused by incremental ingest)
        dense.faiss, dense_ids.json
        lex_main/, lex_en/ BM25 indexes (bm25s files)
        tokens.json           the tokens behind them, per chunk row, with content keys (reused by incremental ingest)
        align_keys.json, align_vectors.npy
                              vectors of the sentences the aligner compared, by content key (reused likewise)
        catalogue.json        structured records extracted at ingest
        renderings.json       English renderings of documents, segment by segment, with provenance
      staging/<tmp>/          versions being built; never read by servers
      ingest.lock             held (flock) by the one running ingest

A version is built in ``staging/``, fsynced, renamed into ``versions/``, then ``CURRENT`` is switched, so a
reader sees either the old or the new version, never half of one. A crash before the switch leaves the old
version serving; leftovers in ``staging/`` are removed by the next ingest.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retriever.errors import IndexCorrupt, IndexNotBuilt, IngestLocked
from retriever.types import CatalogueItem, Chunk, Document, PageSpan, Rendering, Segment, SourceSpan

logger = logging.getLogger(__name__)

FORMAT = "resnav-index/1"
MANIFEST = "manifest.json"
CURRENT = "CURRENT"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())
    for d in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def ingest_lock(root: Path) -> Iterator[None]:
    """Hold the ingest lock of ``root``; raises ``IngestLocked`` at once if another ingest holds it."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / "ingest.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise IngestLocked(f"another ingest is running on {root}") from e
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def current_version_dir(root: Path) -> Path | None:
    """The folder of the serving version, or None when nothing was published."""
    pointer = root / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    folder = root / "versions" / name
    return folder if folder.is_dir() else None


def new_staging_dir(root: Path) -> Path:
    """A fresh folder to build a version in; stale staging folders of dead builds are removed first."""
    staging = root / "staging"
    if staging.exists():
        for old in staging.iterdir():
            shutil.rmtree(old, ignore_errors=True)
    folder = staging / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return folder


def publish_version(root: Path, staging: Path, manifest: dict, *, keep: int = 3) -> str:
    """Checksum, fsync and publish ``staging`` as a new version; switch ``CURRENT``; prune old versions.

    ``manifest`` is completed with the file checksums and written last, so a version without a manifest is
    never published. Returns the version name.
    """
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    seq = 1 + max(
        (int(p.name[1:7]) for p in versions.iterdir() if p.name[:1] == "v" and p.name[1:7].isdigit()), default=0
    )
    name = f"v{seq:06d}-" + time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    files = {str(p.relative_to(staging)): _sha256_file(p) for p in sorted(staging.rglob("*")) if p.is_file()}
    manifest = {**manifest, "format": FORMAT, "version": name, "files": files}
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync_tree(staging)
    target = versions / name
    os.rename(staging, target)
    _fsync_dir(versions)
    tmp_pointer = root / f"{CURRENT}.{uuid.uuid4().hex[:6]}.tmp"
    with tmp_pointer.open("w", encoding="utf-8") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp_pointer, root / CURRENT)
    _fsync_dir(root)
    _prune(root, keep=keep, serving=name)
    logger.info("index_published version=%s chunks=%s", name, manifest.get("counts", {}).get("chunks"))
    return name


def _prune(root: Path, *, keep: int, serving: str) -> None:
    names = sorted(p.name for p in (root / "versions").iterdir() if p.is_dir())
    for name in names[:-keep]:
        if name != serving:
            shutil.rmtree(root / "versions" / name, ignore_errors=True)


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"cannot read the manifest of {folder}: {e}") from e
    if manifest.get("format") != FORMAT:
        raise IndexCorrupt(f"{folder} has format {manifest.get('format')!r}, expected {FORMAT!r}")
    return manifest


def verify_checksums(folder: Path, manifest: dict) -> None:
    """Raise ``IndexCorrupt`` naming the first file whose sha256 differs from the manifest or is missing."""
    for rel, digest in manifest.get("files", {}).items():
        path = folder / rel
        if not path.is_file():
            raise IndexCorrupt(f"index file missing: {rel} in {folder.name}")
        if _sha256_file(path) != digest:
            raise IndexCorrupt(f"index file corrupted (checksum mismatch): {rel} in {folder.name}")


# ---------------------------------------------------------------------------------------------------------
# The metadata sidecar (SQLite) and the catalogue file


def write_meta(folder: Path, documents: Sequence[Document], chunks: Sequence[Chunk]) -> None:
    con = sqlite3.connect(folder / "meta.sqlite")
    try:
        con.executescript(
            """
            CREATE TABLE documents (doc_id TEXT PRIMARY KEY, source TEXT, title TEXT, lang TEXT, text TEXT,
                                    content_hash TEXT, pages TEXT, meta TEXT);
            CREATE TABLE chunks (row INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE, doc_id TEXT, n INTEGER,
                                 section TEXT, start INTEGER, "end" INTEGER, page INTEGER, lang TEXT, text TEXT);
            """
        )
        con.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    d.doc_id,
                    d.source,
                    d.title,
                    d.lang,
                    d.text,
                    d.content_hash,
                    json.dumps([[p.page, p.start, p.end] for p in d.pages]),
                    json.dumps(dict(d.meta), ensure_ascii=False),
                )
                for d in documents
            ],
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    row,
                    c.chunk_id,
                    c.doc_id,
                    c.n,
                    json.dumps(list(c.section), ensure_ascii=False),
                    c.start,
                    c.end,
                    c.page,
                    c.lang,
                    c.text,
                )
                for row, c in enumerate(chunks)
            ],
        )
        con.commit()
    finally:
        con.close()


def read_meta(folder: Path) -> tuple[list[Document], list[Chunk]]:
    try:
        con = sqlite3.connect(f"file:{folder / 'meta.sqlite'}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise IndexCorrupt(f"cannot open meta.sqlite in {folder}: {e}") from e
    try:
        documents = [
            Document(
                doc_id=r[0],
                source=r[1],
                title=r[2],
                lang=r[3],
                text=r[4],
                content_hash=r[5],
                pages=tuple(PageSpan(*p) for p in json.loads(r[6])),
                meta=tuple(sorted(json.loads(r[7]).items())),
            )
            for r in con.execute("SELECT * FROM documents ORDER BY rowid")
        ]
        by_id = {d.doc_id: d for d in documents}
        chunks = [
            Chunk(
                chunk_id=r[1],
                doc_id=r[2],
                n=r[3],
                source=by_id[r[2]].source,
                title=by_id[r[2]].title,
                section=tuple(json.loads(r[4])),
                start=r[5],
                end=r[6],
                text=r[9],
                lang=r[8],
                page=r[7],
            )
            for r in con.execute("SELECT * FROM chunks ORDER BY row")
        ]
    except (sqlite3.Error, KeyError, ValueError) as e:
        raise IndexCorrupt(f"meta.sqlite in {folder} is unreadable: {e}") from e
    finally:
        con.close()
    return documents, chunks


def catalogue_to_json(items: Sequence[CatalogueItem]) -> list[dict]:
    out = []
    for it in items:
        out.append(
            {
                "id": it.id,
                "kind": it.kind,
                "name": it.name,
                "name_en": it.name_en,
                "summary_en": it.summary_en,
                "summary_zh": it.summary_zh,
                "span": _span_json(it.span),
                "urls": list(it.urls),
                "stages": list(it.stages),
                "areas": list(it.areas),
                "section": it.section,
                "section_title": it.section_title,
                "section_title_en": it.section_title_en,
                "tags": list(it.tags),
                "fields": [list(f) for f in it.fields],
                "places": [list(p) for p in it.places],
                "listings": [[area, _span_json(span)] for area, span in it.listings],
            }
        )
    return out


def _span_json(span: SourceSpan) -> dict:
    return {"doc_id": span.doc_id, "source": span.source, "start": span.start, "end": span.end, "quote": span.quote}


def catalogue_from_json(rows: Sequence[dict]) -> list[CatalogueItem]:
    return [
        CatalogueItem(
            id=r["id"],
            kind=r["kind"],
            name=r["name"],
            name_en=r["name_en"],
            summary_en=r["summary_en"],
            summary_zh=r.get("summary_zh", ""),  # absent in versions built before session 18
            span=SourceSpan(**r["span"]),
            urls=tuple(r["urls"]),
            stages=tuple(r["stages"]),
            areas=tuple(r["areas"]),
            section=r["section"],
            section_title=r["section_title"],
            section_title_en=r["section_title_en"],
            tags=tuple(r["tags"]),
            fields=tuple((a, b) for a, b in r["fields"]),
            places=tuple(tuple(p) for p in r["places"]),  # type: ignore[misc]
            listings=tuple((int(a), SourceSpan(**span)) for a, span in r.get("listings", ())),  # since session 21
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class IndexFiles:
    """The paths of one version's parts."""

    folder: Path

    @property
    def vectors(self) -> Path:
        return self.folder / "vectors.npy"

    @property
    def catalogue(self) -> Path:
        return self.folder / "catalogue.json"

    @property
    def renderings(self) -> Path:
        return self.folder / "renderings.json"

    @property
    def lex_main(self) -> Path:
        return self.folder / "lex_main"

    @property
    def lex_en(self) -> Path:
        return self.folder / "lex_en"

    @property
    def tokens(self) -> Path:
        return self.folder / "tokens.json"

    @property
    def align_keys(self) -> Path:
        return self.folder / "align_keys.json"

    @property
    def align_vectors(self) -> Path:
        return self.folder / "align_vectors.npy"


def load_vectors(folder: Path) -> np.ndarray:
    try:
        return np.load(IndexFiles(folder).vectors, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"cannot read vectors.npy in {folder}: {e}") from e


def require_current(root: Path) -> Path:
    folder = current_version_dir(root)
    if folder is None:
        raise IndexNotBuilt(f"no index at {root}: run `resnav ingest` first")
    return folder


def renderings_to_json(renderings: Sequence[Rendering]) -> list[dict]:
    """Renderings as JSON-ready rows (segments as ``[start, end, en, debris]``)."""
    return [
        {
            "doc_id": r.doc_id,
            "lang": r.lang,
            "provenance": r.provenance,
            "segments": [[s.start, s.end, s.en, s.debris] for s in r.segments],
        }
        for r in renderings
    ]


def read_renderings(folder: Path) -> dict[tuple[str, str], Rendering]:
    """The renderings of one version keyed by ``(doc_id, lang)``; none for a version built before renderings."""
    path = IndexFiles(folder).renderings
    if not path.is_file():
        return {}
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        out = {}
        for r in rows:
            segments = tuple(Segment(int(a), int(b), str(en), str(debris)) for a, b, en, debris in r["segments"])
            out[(r["doc_id"], r["lang"])] = Rendering(r["doc_id"], r["lang"], r["provenance"], segments)
        return out
    except (ValueError, KeyError, TypeError) as e:
        raise IndexCorrupt(f"renderings.json in {folder.name} is malformed: {e}") from e


@dataclass(frozen=True, slots=True)
class ChunkTokens:
    """The lexical tokens of one version's chunks, in chunk-row order: what ``lex_main`` and ``lex_en`` were built
    from, kept so that the next ingest can reuse the tokens of every chunk whose inputs did not change.

    ``signature`` names what shapes tokens beyond the chunk itself (tokeniser and lexicon code and data, user words;
    the ingest computes it); ``text_keys[row]`` is a hash of the text the embedder and the lexical index saw;
    ``keys[row]`` a hash of everything of the chunk that its tokens depend on (that text, its language, the English
    rendering text of its span). ``main[row]`` are its tokens in its own language, ``en[row]`` its English view.
    """

    signature: str
    text_keys: list[str]
    keys: list[str]
    main: list[list[str]]
    en: list[list[str]]

    def by_key(self) -> dict[str, tuple[list[str], list[str]]]:
        """``key -> (main, en)``."""
        return {k: (m, e) for k, m, e in zip(self.keys, self.main, self.en, strict=True)}


def write_chunk_tokens(folder: Path, tokens: ChunkTokens) -> None:
    """Write ``tokens.json``; an English view equal to the main one (English chunks) is stored once, as null."""
    rows = [
        [tk, k, m, None if e == m else e]
        for tk, k, m, e in zip(tokens.text_keys, tokens.keys, tokens.main, tokens.en, strict=True)
    ]
    IndexFiles(folder).tokens.write_text(
        json.dumps({"signature": tokens.signature, "rows": rows}, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8",
    )


def read_chunk_tokens(folder: Path) -> ChunkTokens | None:
    """The stored tokens of one version; None for a version built before tokens were stored."""
    path = IndexFiles(folder).tokens
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["rows"]
        return ChunkTokens(
            signature=str(data["signature"]),
            text_keys=[str(r[0]) for r in rows],
            keys=[str(r[1]) for r in rows],
            main=[list(r[2]) for r in rows],
            en=[list(r[2] if r[3] is None else r[3]) for r in rows],
        )
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise IndexCorrupt(f"tokens.json in {folder.name} is malformed: {e}") from e


def write_align_vectors(folder: Path, groups: Mapping[str, Mapping[str, np.ndarray]], dim: int) -> None:
    """Store the vectors the aligner used, per aligned pair (``groups``: pair name -> text key -> vector):
    ``align_keys.json`` holds ``[[pair, [keys]], ...]``, ``align_vectors.npy`` the vectors in that order."""
    files = IndexFiles(folder)
    rows = [v for group in groups.values() for v in group.values()]
    matrix = np.stack(rows).astype(np.float32) if rows else np.zeros((0, dim), dtype=np.float32)
    np.save(files.align_vectors, np.ascontiguousarray(matrix), allow_pickle=False)
    keys = [[name, list(group)] for name, group in groups.items()]
    files.align_keys.write_text(json.dumps(keys, separators=(",", ":")), encoding="utf-8")


def read_align_vectors(folder: Path) -> dict[str, dict[str, np.ndarray]]:
    """The vectors stored by `write_align_vectors`; empty for a version without them."""
    files = IndexFiles(folder)
    if not files.align_keys.is_file():
        return {}
    try:
        keys = json.loads(files.align_keys.read_text(encoding="utf-8"))
        matrix = np.load(files.align_vectors, allow_pickle=False)
        out: dict[str, dict[str, np.ndarray]] = {}
        row = 0
        for name, group in keys:
            out[str(name)] = {str(k): matrix[row + i] for i, k in enumerate(group)}
            row += len(group)
        if row != len(matrix):
            raise ValueError(f"{row} keys for {len(matrix)} vectors")
        return out
    except (OSError, ValueError, TypeError) as e:
        raise IndexCorrupt(f"align_keys.json/align_vectors.npy in {folder.name} are malformed: {e}") from e
