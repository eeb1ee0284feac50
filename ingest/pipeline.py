"""Ingest: files -> Documents -> Chunks + catalogue records -> a new published index version.

Incremental by content hash: a document whose source and content are unchanged (same chunker version, same
embedder) keeps its chunks, vectors and tokens; only new or changed documents are chunked and embedded; a
document whose file disappeared from an ingested folder leaves the index. When nothing changed (documents and the
knowledge files: catalogue English, glossary, rules), no version is published at all. A bad file is reported with
its error code and skipped; the others go on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.align import align_halves
from ingest.catalogue import extract_catalogue, load_english
from ingest.chunking import CHUNKER_VERSION, split_document
from ingest.loaders import SUPPORTED_SUFFIXES, load_document, read_manifest
from ingest.normalize import normalize_for_matching
from ingest.renderings import ALIGNMENT_VERSION, load_rendering, renderings_from_pairs
from retriever.bilingual import Lexicon
from retriever.embedders import Embedder
from retriever.errors import IngestError, InvalidRendering
from retriever.index import (
    IndexFiles,
    catalogue_to_json,
    current_version_dir,
    ingest_lock,
    load_vectors,
    new_staging_dir,
    publish_version,
    read_meta,
    read_renderings,
    renderings_to_json,
    write_meta,
)
from retriever.index import (
    read_manifest as read_index_manifest,
)
from retriever.lexical import BM25Index
from retriever.search import written_languages
from retriever.settings import Settings
from retriever.stores import FaissStore
from retriever.tokenize import add_user_words, tokenize_en, tokenize_zh
from retriever.types import Chunk, Document, Rendering

logger = logging.getLogger(__name__)

Progress = Callable[[Iterable, str, int], Iterable]


def _no_progress(it: Iterable, desc: str, total: int) -> Iterable:
    return it


@dataclass
class IngestReport:
    """What an ingest did. ``skipped`` holds ``(source, code, message)``."""

    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    embedded_chunks: int = 0
    total_chunks: int = 0
    catalogue_records: int = 0
    version: str | None = None
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.ingested or self.removed)

    def to_dict(self) -> dict:
        return {
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": [{"source": s, "code": c, "message": m} for s, c, m in self.skipped],
            "embedded_chunks": self.embedded_chunks,
            "total_chunks": self.total_chunks,
            "catalogue_records": self.catalogue_records,
            "version": self.version,
            "seconds": round(self.seconds, 3),
        }


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str, str]]]:
    """Files to ingest (folders searched recursively for supported files), and the paths that do not exist."""
    found: list[Path] = []
    bad: list[tuple[str, str, str]] = []
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not f.name.startswith("."):
                    found.append(f)
        elif p.is_file():
            found.append(p)
        else:
            bad.append((str(p), "not_found", f"no such file or folder: {p}"))
    return found, bad


def embed_text(chunk: Chunk) -> str:
    """What the embedder and the lexical index see: the section heading, then the normalised passage."""
    heading = normalize_for_matching(chunk.heading) if chunk.heading else ""
    body = normalize_for_matching(chunk.text)
    return f"{heading}\n{body}" if heading and heading not in body[: len(heading) + 5] else body


def chunk_tokens(chunk: Chunk, lexicon: Lexicon | None, english: str | None = None) -> tuple[list[str], list[str]]:
    """(tokens in the chunk's own language, tokens of its English view).

    The English view puts every chunk in one English token space: English chunks with their own words,
    Chinese chunks with the words of their English rendering (``english``, the rendering of the chunk's
    segments) and the English glosses of their words (glossary first, then CC-CEDICT).
    """
    text = embed_text(chunk)
    if chunk.lang == "zh":
        main = tokenize_zh(text)
        gloss = lexicon.zh_to_en(text) if lexicon is not None else []
        if english:
            return main, tokenize_en(normalize_for_matching(english)) + gloss
        return main, gloss
    words = tokenize_en(text)
    return words, words


def collect_renderings(
    documents: Sequence[Document], entries: dict[str, tuple[Path, dict]]
) -> tuple[list[Rendering], list[tuple[str, str, str]], str, list[Document]]:
    """The renderings the manifests declare for ``documents`` (``"renderings": [{"file", "lang",
    "provenance"}]`` beside a document entry; paths relative to the manifest's folder), the problems as
    ``(file, code, message)`` (a broken rendering is skipped, its document still ingested), a hash of the
    rendering files and alignment declarations (a change publishes a new version), and the documents whose entry
    declares ``"aligned": {"halves": true}`` (a text followed by its official translation, aligned at ingest)."""
    out: list[Rendering] = []
    problems: list[tuple[str, str, str]] = []
    aligned: list[Document] = []
    digest = hashlib.sha256()
    for doc in documents:
        folder, entry = entries.get(doc.doc_id, (Path("."), {}))
        alignment = entry.get("aligned")
        if isinstance(alignment, dict) and alignment.get("halves"):
            aligned.append(doc)
            digest.update(f"aligned:{doc.doc_id}:{ALIGNMENT_VERSION}".encode())
        declared = entry.get("renderings") or []
        if not isinstance(declared, list):
            problems.append((doc.source, "invalid_rendering", f"{doc.source}: 'renderings' must be a list"))
            continue
        for spec in declared:
            try:
                path = folder / str(spec["file"])
                rendering = load_rendering(
                    path,
                    doc.text,
                    doc_id=doc.doc_id,
                    provenance=spec.get("provenance", "curated"),
                )
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
            except (KeyError, TypeError) as e:
                problems.append((doc.source, "invalid_rendering", f"{doc.source}: bad rendering entry ({e})"))
                continue
            except InvalidRendering as e:
                problems.append((str(spec.get("file")), e.code, str(e)))
                logger.warning("rendering_skipped source=%s code=%s", doc.source, e.code)
                continue
            out.append(rendering)
    return out, problems, digest.hexdigest()[:16], aligned


def align_document(doc: Document, embedder: Embedder, previous: Mapping[tuple[str, str], Rendering]) -> list[Rendering]:
    """The two renderings of a file holding a text and its official translation: reused from the previous
    version when the document is unchanged (same id), else aligned now (``ingest.align``)."""
    old = [r for (doc_id, _), r in previous.items() if doc_id == doc.doc_id and r.provenance == "official"]
    if len(old) == 2:
        return old
    pairs = align_halves(doc.text, embedder.embed_documents)
    logger.info("aligned source=%s pairs=%s", doc.source, len(pairs))
    return renderings_from_pairs(doc.doc_id, doc.text, pairs, provenance="official")


def _origin(doc: Document) -> str:
    return dict(doc.meta).get("path", doc.source)


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    embedder: Embedder,
    *,
    progress: Progress = _no_progress,
) -> IngestReport:
    """Ingest ``paths`` (files or folders) into the index at ``settings.paths.index_dir``."""
    t0 = time.perf_counter()
    root = settings.paths.index_dir
    report = IngestReport()
    with ingest_lock(root):
        files, bad = discover(paths)
        report.skipped.extend(bad)

        previous_docs: dict[str, Document] = {}
        previous_chunks: dict[str, list[Chunk]] = {}
        previous_vectors: dict[str, np.ndarray] = {}
        previous_manifest: dict | None = None
        prev_folder = current_version_dir(root)
        if prev_folder is not None:
            previous_manifest = read_index_manifest(prev_folder)
        reusable = (
            previous_manifest is not None
            and previous_manifest["embedder"]["id"] == embedder.id
            and previous_manifest["chunker"] == chunker_signature(settings)
        )

        # Load every file; unchanged ones are recognised by origin path + content hash.
        manifests: dict[Path, dict[str, dict]] = {}
        loaded: list[Document] = []
        entries: dict[str, tuple[Path, dict]] = {}
        for path in progress(files, "load", len(files)):
            folder_key = path.parent
            if folder_key not in manifests:
                manifests[folder_key] = read_manifest(folder_key)
            entry = manifests[folder_key].get(path.name, {})
            meta = {
                k: str(v)
                for k, v in entry.items()
                if k not in ("file", "title", "renderings", "aligned") and v is not None
            }
            meta["path"] = str(path.resolve())
            try:
                doc = load_document(path, source=path.name, title=entry.get("title"), meta=meta)
            except IngestError as e:
                report.skipped.append((str(path), e.code, str(e)))
                logger.warning("ingest_skipped source=%s code=%s", path, e.code)
                continue
            loaded.append(doc)
            entries[doc.doc_id] = (folder_key, entry)

        if prev_folder is not None and previous_manifest is not None:
            prev_docs, prev_chunks_all = read_meta(prev_folder)
            previous_docs = {_origin(d): d for d in prev_docs}
            vectors = load_vectors(prev_folder) if reusable else None
            by_doc: dict[str, list[int]] = {}
            for row, c in enumerate(prev_chunks_all):
                by_doc.setdefault(c.doc_id, []).append(row)
            for d in prev_docs:
                rows = by_doc.get(d.doc_id, [])
                previous_chunks[d.doc_id] = [prev_chunks_all[r] for r in rows]
                if vectors is not None:
                    previous_vectors[d.doc_id] = vectors[rows]

        # Sort into unchanged / new-or-changed; find removed ones.
        seen_origins = {_origin(d) for d in loaded}
        scanned_folders = [p.resolve() for p in paths if p.is_dir()]
        keep_docs: list[Document] = []
        fresh_docs: list[Document] = []
        for doc in loaded:
            old = previous_docs.get(_origin(doc))
            if reusable and old is not None and old.content_hash == doc.content_hash and old.meta == doc.meta:
                keep_docs.append(old)
                report.unchanged.append(doc.source)
            else:
                fresh_docs.append(doc)
                report.ingested.append(doc.source)
        failed_origins = {str(Path(s).resolve()) for s, _, _ in report.skipped}
        for origin, old in previous_docs.items():
            if origin in seen_origins:
                continue
            inside_scan = any(Path(origin).is_relative_to(f) for f in scanned_folders)
            if origin in failed_origins:
                # A file that now fails to load keeps its previous version in the index: nothing is lost.
                keep_docs.append(old)
                report.unchanged.append(old.source)
            elif inside_scan or not reusable:
                report.removed.append(old.source)
            else:
                keep_docs.append(old)  # ingested earlier from elsewhere; untouched by this run

        # The same file (same name and content) found at a second place is one document: index it once.
        kept_ids = {d.doc_id for d in keep_docs}
        unique_fresh: list[Document] = []
        for doc in fresh_docs:
            if doc.doc_id in kept_ids:
                report.ingested.remove(doc.source)
                report.skipped.append(
                    (_origin(doc), "duplicate_document", f"{doc.source}: same name and content as an indexed document")
                )
                continue
            kept_ids.add(doc.doc_id)
            unique_fresh.append(doc)
        fresh_docs = unique_fresh

        # The catalogue records, the glossary and the rules come from the knowledge files too: a change there
        # (say, a curated English summary) publishes a new version, re-using every chunk and vector.
        renderings, rendering_problems, rendering_hash, aligned_docs = collect_renderings(loaded, entries)
        report.skipped.extend(rendering_problems)
        knowledge = knowledge_signature(settings) + ":" + rendering_hash
        same_knowledge = previous_manifest is not None and previous_manifest.get("knowledge") == knowledge
        if reusable and same_knowledge and not fresh_docs and not report.removed:
            report.total_chunks = int(previous_manifest["counts"]["chunks"]) if previous_manifest else 0
            report.catalogue_records = int(previous_manifest["counts"]["catalogue"]) if previous_manifest else 0
            report.version = previous_manifest["version"] if previous_manifest else None
            report.seconds = time.perf_counter() - t0
            return report

        # Chunk and embed what is new; reuse the rest.
        new_chunks: dict[str, list[Chunk]] = {}
        for doc in fresh_docs:
            new_chunks[doc.doc_id] = split_document(
                doc,
                max_chars_zh=settings.chunking.max_chars_zh,
                max_chars_en=settings.chunking.max_chars_en,
                overlap_chars=settings.chunking.overlap_chars,
            )
        to_embed = [c for doc in fresh_docs for c in new_chunks[doc.doc_id]]
        texts = [embed_text(c) for c in to_embed]
        batches = [
            texts[i : i + settings.embedder.batch_size] for i in range(0, len(texts), settings.embedder.batch_size)
        ]
        parts = [embedder.embed_documents(b) for b in progress(batches, "embed", len(batches))]
        fresh_vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
        report.embedded_chunks = len(to_embed)

        documents = sorted(keep_docs + fresh_docs, key=lambda d: d.source)
        chunks: list[Chunk] = []
        vector_parts: list[np.ndarray] = []
        offset = 0
        fresh_ids = {d.doc_id for d in fresh_docs}
        for doc in documents:
            if doc.doc_id in fresh_ids:
                cs = new_chunks[doc.doc_id]
                vector_parts.append(fresh_vectors[offset : offset + len(cs)])
                offset += len(cs)
            else:
                cs = previous_chunks[doc.doc_id]
                vector_parts.append(previous_vectors[doc.doc_id])
            chunks.extend(cs)
        vectors = np.concatenate(vector_parts) if vector_parts else np.zeros((0, embedder.dim), dtype=np.float32)

        previous_renderings = read_renderings(prev_folder) if prev_folder is not None and reusable else {}
        for doc in aligned_docs:
            renderings.extend(align_document(doc, embedder, previous_renderings))
        if prev_folder is not None:
            # documents kept from an earlier ingest of another folder keep their renderings
            loaded_ids = {d.doc_id for d in loaded}
            kept_ids_all = {d.doc_id for d in documents}
            for key, r in read_renderings(prev_folder).items():
                if key[0] in kept_ids_all and key[0] not in loaded_ids:
                    renderings.append(r)
        lexicon = load_lexicon(settings)
        report.version = _build_version(
            root,
            settings,
            embedder,
            documents,
            chunks,
            vectors,
            lexicon,
            progress,
            knowledge=knowledge,
            renderings=renderings,
        )
        report.total_chunks = len(chunks)
        catalogue = json.loads((current_version_dir(root) / "catalogue.json").read_text(encoding="utf-8"))  # type: ignore[operator]
        report.catalogue_records = len(catalogue)
    report.seconds = time.perf_counter() - t0
    return report


def chunker_signature(settings: Settings) -> str:
    c = settings.chunking
    return f"{CHUNKER_VERSION}:{c.max_chars_zh}:{c.max_chars_en}:{c.overlap_chars}"


def knowledge_signature(settings: Settings) -> str:
    """A hash of the curated knowledge files (catalogue English, glossary, roadmap rules), by name and content."""
    digest = hashlib.sha256()
    folder = settings.paths.knowledge_dir
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_lexicon(settings: Settings) -> Lexicon:
    glossary = settings.paths.knowledge_dir / "glossary.tsv"
    lexicon = Lexicon.load(glossary if glossary.is_file() else None, cedict=settings.retrieval.dictionary)
    add_user_words(lexicon.zh_terms)
    return lexicon


def _build_version(
    root: Path,
    settings: Settings,
    embedder: Embedder,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    lexicon: Lexicon,
    progress: Progress,
    *,
    knowledge: str,
    renderings: Sequence[Rendering] = (),
) -> str:
    staging = new_staging_dir(root)
    files = IndexFiles(staging)
    write_meta(staging, documents, chunks)
    np.save(files.vectors, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)

    index_type = settings.retrieval.index_type
    if index_type == "auto":
        index_type = "hnsw" if len(chunks) >= settings.retrieval.hnsw_threshold else "flat"
    store = FaissStore(
        embedder.dim,
        index_type,
        settings.retrieval.hnsw_m,
        settings.retrieval.hnsw_ef_search,
        hnsw_storage=settings.store.hnsw_storage,
    )
    store.upsert([c.chunk_id for c in chunks], [c.doc_id for c in chunks], vectors)
    store.save(staging)

    # A rendering joins the English view only for a document with no English text of its own (a file holding a
    # text and its translation already answers English queries with its English half).
    written = written_languages(chunks)
    english = {r.doc_id: r for r in renderings if r.lang == "en" and "en" not in written.get(r.doc_id, ())}
    main_tokens: list[list[str]] = []
    gloss_tokens: list[list[str]] = []
    for c in progress(chunks, "tokenise", len(chunks)):
        rendering = english.get(c.doc_id)
        m, g = chunk_tokens(c, lexicon, rendering.text_between(c.start, c.end) if rendering else None)
        main_tokens.append(m)
        gloss_tokens.append(g)
    BM25Index.build(main_tokens).save(files.lex_main)
    BM25Index.build(gloss_tokens).save(files.lex_en)

    catalogue = extract_catalogue(documents, load_english(settings.paths.knowledge_dir))
    files.catalogue.write_text(
        json.dumps(catalogue_to_json(catalogue), ensure_ascii=False, indent=None), encoding="utf-8"
    )
    kept = {d.doc_id for d in documents}
    files.renderings.write_text(
        json.dumps(renderings_to_json([r for r in renderings if r.doc_id in kept]), ensure_ascii=False),
        encoding="utf-8",
    )
    manifest = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "embedder": {"id": embedder.id, "dim": embedder.dim},
        "chunker": chunker_signature(settings),
        "knowledge": knowledge,
        "store": {"backend": "faiss", "index_type": index_type, "hnsw_storage": store.hnsw_storage},
        "documents": [
            {
                "doc_id": d.doc_id,
                "source": d.source,
                "title": d.title,
                "lang": d.lang,
                "content_hash": d.content_hash,
                "chunks": sum(1 for c in chunks if c.doc_id == d.doc_id),
            }
            for d in documents
        ],
        "counts": {"documents": len(documents), "chunks": len(chunks), "catalogue": len(catalogue)},
    }
    return publish_version(root, staging, manifest, keep=settings.paths.keep_versions)
