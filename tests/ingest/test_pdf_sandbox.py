"""Hostile PDFs: each gets a clear error code, in a limited child process, and the batch goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter

from ingest.pdf_sandbox import extract_pdf_pages_sandboxed
from ingest.pipeline import ingest
from retriever.embedders import HashingEmbedder
from retriever.errors import DocumentTooLarge, EmptyDocument, UnreadableDocument
from tests.conftest import make_settings


def _blank_pdf(path: Path, pages: int) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    with path.open("wb") as f:
        writer.write(f)
    return path


def _nested_pdf(path: Path, depth: int = 200_000) -> Path:
    """A PDF whose one object is an array nested ``depth`` levels deep (a parser-recursion bomb)."""
    body = b"[" * depth + b"]" * depth
    objects = [
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n",
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Nested 4 0 R >> endobj\n",
        b"4 0 obj " + body + b" endobj\n",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for obj in objects:
        offsets.append(len(out))
        out += obj
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer << /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def test_page_count_limit(tmp_path: Path) -> None:
    pdf = _blank_pdf(tmp_path / "many.pdf", 30)
    with pytest.raises(DocumentTooLarge) as err:
        extract_pdf_pages_sandboxed(pdf, max_pages=20)
    assert err.value.code == "document_too_large" and "30 pages" in str(err.value)
    assert len(extract_pdf_pages_sandboxed(pdf, max_pages=50)) == 30


def test_deeply_nested_objects_are_refused_not_fatal(tmp_path: Path) -> None:
    pdf = _nested_pdf(tmp_path / "nested.pdf")
    try:
        pages = extract_pdf_pages_sandboxed(pdf, timeout_s=30)
    except UnreadableDocument as e:
        assert e.code == "unreadable_document"
    else:  # pypdf may skip the unused object: then the page is simply empty
        assert pages == [""]


def test_time_and_memory_limits_stop_the_child(tmp_path: Path) -> None:
    pdf = _blank_pdf(tmp_path / "ok.pdf", 2)
    with pytest.raises(UnreadableDocument, match="longer than"):
        extract_pdf_pages_sandboxed(pdf, timeout_s=0.001)
    with pytest.raises(UnreadableDocument, match="memory or crashed|no result|MemoryError"):
        extract_pdf_pages_sandboxed(pdf, memory_bytes=32 << 20)


def test_batch_goes_on_and_the_index_keeps_the_good_files(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text("# 城市韧性\n\n城市抗灾能力记分卡。\n", encoding="utf-8")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "fake.pdf").write_bytes(b"<html>not a pdf</html>")
    _nested_pdf(folder / "nested.pdf")
    _blank_pdf(folder / "blank.pdf", 3)
    report = ingest([folder], make_settings(tmp_path / "index"), HashingEmbedder(64))
    codes = {Path(s).name: c for s, c, _ in report.skipped}
    assert codes.get("empty.pdf") == EmptyDocument.code
    assert codes.get("fake.pdf") == "unreadable_document"
    assert codes.get("blank.pdf") == "empty_document"  # pages without text
    assert "good.md" in report.ingested
