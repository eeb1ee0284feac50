"""Loading source files into Documents: text, markdown, HTML and PDF, plus the corpus MANIFEST.json.

``Document.text`` of a .txt/.md file is the file content exactly as decoded (only line endings unified), because
chunk offsets and citations index into it. HTML yields its visible text; PDF yields the text of each page joined
by a blank line, with one ``PageSpan`` per page.

Every failure is an ``IngestError`` subclass naming the file: ``UnsupportedFormat``, ``EmptyDocument``,
``DocumentTooLarge``, ``UnreadableDocument`` (I/O, encoding, broken PDF) and ``EncryptedDocument``.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path

from ingest.language import detect_lang
from ingest.normalize import collapse_ws, strip_markup
from retriever.errors import (
    DocumentTooLarge,
    EmptyDocument,
    EncryptedDocument,
    UnreadableDocument,
    UnsupportedFormat,
)
from retriever.types import Document, PageSpan

__all__ = [
    "MANIFEST_NAME",
    "SUPPORTED_SUFFIXES",
    "extract_pdf_pages",
    "load_document",
    "make_doc_id",
    "read_manifest",
]

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".html", ".htm")
MANIFEST_NAME = "MANIFEST.json"
TITLE_MAX_CHARS = 120
_TITLE_SCAN_LINES = 60
DOC_ID_HEX_CHARS = 16

_PAGE_SEPARATOR = "\n\n"
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(\S.*?)\s*#*\s*$")


def make_doc_id(source: str, text: str) -> str:
    """16 hex characters of sha256 over the source name and the content (NFC, whitespace collapsed).

    Stable across re-loads of an unchanged file, and across changes that are invisible in the text (line
    endings, a BOM, trailing spaces); any change of words gives a new id.
    """
    content = collapse_ws(unicodedata.normalize("NFC", text))
    digest = hashlib.sha256(f"{source}\x00{content}".encode()).hexdigest()
    return digest[:DOC_ID_HEX_CHARS]


def read_manifest(folder: Path) -> dict[str, dict]:
    """The entries of ``folder/MANIFEST.json`` keyed by file name; ``{}`` when it is absent or invalid.

    Accepts ``{"documents": [{"file": ..., ...}]}``, a bare list of such entries, or a mapping of file name to
    entry. Invalid JSON or an unexpected shape logs a warning; entries without a file name are skipped.
    """
    path = Path(folder) / MANIFEST_NAME
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        logger.warning("manifest unreadable path=%s error=%s", path, e)
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        logger.warning("manifest invalid json path=%s error=%s", path, e)
        return {}
    if isinstance(data, dict) and isinstance(data.get("documents"), list):
        entries = data["documents"]
    elif isinstance(data, list):
        entries = data
    elif isinstance(data, dict):
        entries = [{"file": name, **entry} for name, entry in data.items() if isinstance(entry, dict)]
    else:
        logger.warning("manifest has unexpected shape path=%s type=%s", path, type(data).__name__)
        return {}
    result: dict[str, dict] = {}
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("file"), str) and entry["file"]:
            result[entry["file"]] = entry
        else:
            logger.warning("manifest entry skipped path=%s entry=%.80r", path, entry)
    return result


def load_document(
    path: Path,
    *,
    source: str | None = None,
    title: str | None = None,
    meta: Mapping[str, str] | None = None,
    max_bytes: int = 50_000_000,
) -> Document:
    """Load one file into a Document.

    ``source`` defaults to the file name, ``title`` to the first heading or non-empty line (else the file
    stem), ``lang`` is detected from the text. Raises ``UnsupportedFormat``, ``EmptyDocument``,
    ``DocumentTooLarge``, ``UnreadableDocument`` or ``EncryptedDocument``; every message names the file.
    """
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormat(
            f"{name}: unsupported format {suffix or '(no suffix)'!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    try:
        size = path.stat().st_size
    except OSError as e:
        raise UnreadableDocument(f"{name}: cannot read file ({e.strerror or e})") from e
    if not path.is_file():
        raise UnreadableDocument(f"{name}: not a regular file")
    if size > max_bytes:
        raise DocumentTooLarge(f"{name}: {size} bytes exceeds the limit of {max_bytes} bytes")
    if size == 0:
        raise EmptyDocument(f"{name}: file is empty")

    pages: tuple[PageSpan, ...] = ()
    html_title = ""
    if suffix == ".pdf":
        from ingest.pdf_sandbox import extract_pdf_pages_sandboxed

        text, pages = _join_pages(extract_pdf_pages_sandboxed(path))
    else:
        raw = _read_bytes(path)
        if suffix in (".html", ".htm"):
            html_title, text = _html_to_text(_decode(raw, name, html=True))
        else:
            text = _unify_newlines(_decode(raw, name))

    if not text.strip():
        what = "no extractable text (scanned or image-only PDF?)" if suffix == ".pdf" else "only whitespace"
        raise EmptyDocument(f"{name}: {what}")

    source = source or name
    doc_title = collapse_ws(title or "") or html_title or _title_from_text(text)
    logger.debug("loaded source=%s bytes=%d chars=%d pages=%d", source, size, len(text), len(pages))
    return Document(
        doc_id=make_doc_id(source, text),
        source=source,
        title=doc_title or path.stem,
        lang=detect_lang(text),
        text=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        pages=pages,
        meta=tuple(sorted((str(k), str(v)) for k, v in (meta or {}).items())),
    )


def extract_pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF, in order (line endings unified).

    Raises ``EncryptedDocument`` when the PDF needs a password (an empty user password is tried) and
    ``UnreadableDocument`` when it is not a PDF or is broken. Kept self-contained so that it can run in a
    subprocess with resource limits.
    """
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    name = Path(path).name
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedDocument(f"{name}: PDF is encrypted and needs a password")
        return [_unify_newlines(page.extract_text() or "") for page in reader.pages]
    except EncryptedDocument:
        raise
    except FileNotDecryptedError as e:
        raise EncryptedDocument(f"{name}: PDF is encrypted and needs a password") from e
    except PdfReadError as e:
        raise UnreadableDocument(f"{name}: not a readable PDF ({e})") from e
    except OSError as e:
        raise UnreadableDocument(f"{name}: cannot read file ({e.strerror or e})") from e
    except Exception as e:  # noqa: BLE001 - pypdf raises assorted errors on hostile input; all mean "broken PDF"
        raise UnreadableDocument(f"{name}: broken PDF ({type(e).__name__}: {e})") from e


def _join_pages(page_texts: list[str]) -> tuple[str, tuple[PageSpan, ...]]:
    parts: list[str] = []
    spans: list[PageSpan] = []
    offset = 0
    for number, page_text in enumerate(page_texts, start=1):
        if number > 1:
            parts.append(_PAGE_SEPARATOR)
            offset += len(_PAGE_SEPARATOR)
        spans.append(PageSpan(page=number, start=offset, end=offset + len(page_text)))
        parts.append(page_text)
        offset += len(page_text)
    return "".join(parts), tuple(spans)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise UnreadableDocument(f"{path.name}: cannot read file ({e.strerror or e})") from e


_HTML_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def _decode(raw: bytes, name: str, *, html: bool = False) -> str:
    """UTF-8 (BOM stripped), UTF-16 with a BOM, an HTML-declared charset, else GB18030; NUL bytes are binary."""
    if raw.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8"]
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
        declared = _HTML_CHARSET.search(raw[:4096]) if html else None
        if declared:
            candidates.insert(1, declared.group(1).decode("ascii").lower())
    errors: list[str] = []
    for encoding in candidates:
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as e:
            errors.append(f"{encoding}: {e}")
            continue
        if "\x00" in text:
            raise UnreadableDocument(f"{name}: looks like a binary file (NUL characters)")
        return text.removeprefix("\ufeff")
    raise UnreadableDocument(f"{name}: cannot decode text ({'; '.join(errors)})")


def _unify_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _title_from_text(text: str) -> str:
    """A title guessed from the opening lines: the first markdown heading, else the first line that reads like
    a title (at least four Han characters or two words; not a credit, bullet or URL), else the first line
    with letters."""
    lines = [line for line in text.split("\n", _TITLE_SCAN_LINES * 4)[: _TITLE_SCAN_LINES * 4] if line.strip()]
    lines = lines[:_TITLE_SCAN_LINES]
    for line in lines:
        match = _MD_HEADING.match(line)
        if match:
            return _clip(strip_markup(match.group(1)))
    cleaned = [strip_markup(line) for line in lines]
    for line in cleaned:
        if _looks_like_title(line):
            return _clip(line)
    for line in cleaned:
        if any(ch.isalpha() for ch in line):
            return _clip(line)
    return ""


def _looks_like_title(line: str) -> bool:
    if not line or line[0] in "©@-*+•|<>[(" or "://" in line or len(line) > 200:
        return False
    han = sum(1 for ch in line if "\u4e00" <= ch <= "\u9fff")
    words = re.findall(r"[A-Za-z]{2,}", line)
    return han >= 4 or len(words) >= 2


def _clip(text: str, limit: int = TITLE_MAX_CHARS) -> str:
    """At most ``limit`` characters, cut at a space when one is near the end."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 2 // 3 else cut).rstrip(" ,;:，；：、")


# -- HTML ----------------------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "dd", "details", "dialog", "div", "dl", "dt"),
        *("fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header"),
        *("hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead"),
        *("tfoot", "ul"),
    }
)
_LINE_TAGS = frozenset({"br", "tr", "option"})
_CELL_TAGS = frozenset({"td", "th"})
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})


class _VisibleText(HTMLParser):
    """Collects visible text: block elements become paragraphs, rows lines, cells tab-separated."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._hidden = 0
        self._in_title = False
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag == "pre":
            self._pre += 1
            self.parts.append("\n\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag in _LINE_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINE_TAGS:
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
            self.parts.append("\n\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif not self._hidden:
            self.parts.append(data if self._pre else re.sub(r"[ \t\r\n\f]+", " ", data))


def _html_to_text(markup: str) -> tuple[str, str]:
    """(title, visible text) of an HTML page."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    joined = _unify_newlines("".join(parser.parts)).replace("\xa0", " ")
    lines = [line.strip(" ") for line in joined.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    text = re.sub(r"^\t+|\t+$", "", text, flags=re.MULTILINE)
    return _clip(collapse_ws("".join(parser.title_parts))), text
