"""Loaders: exact text for .txt/.md, visible text for HTML, per-page text for PDF, one error class per failure."""

from __future__ import annotations

import hashlib
import io
import json
import logging
from pathlib import Path

import pytest

from ingest.loaders import SUPPORTED_SUFFIXES, extract_pdf_pages, load_document, make_doc_id, read_manifest
from retriever.errors import (
    DocumentTooLarge,
    EmptyDocument,
    EncryptedDocument,
    IngestError,
    UnreadableDocument,
    UnsupportedFormat,
)

PAGE_ONE = ["第一页：城市韧性资料收集", "专题领域 2：提高风险分析"]
PAGE_TWO = ["第二页：联合国人居署服务目录", "Resilience 2030"]


def _chinese_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF written with reportlab's built-in CID font STSong-Light (no font file needed, pypdf extracts it)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    for lines in pages:
        pdf.setFont("STSong-Light", 14)
        for n, line in enumerate(lines):
            pdf.drawString(72, 750 - 24 * n, line)
        pdf.showPage()
    pdf.save()
    return path


@pytest.fixture
def chinese_pdf(tmp_path: Path) -> Path:
    return _chinese_pdf(tmp_path / "report.pdf", [PAGE_ONE, PAGE_TWO])


def _encrypted_copy(source: Path, target: Path, *, user_password: str) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=source)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    target.write_bytes(buffer.getvalue())
    return target


# -- text and markdown ----------------------------------------------------------------------------------------


def test_txt_text_is_exactly_the_decoded_file(tmp_path: Path) -> None:
    raw = "A 阶段：推进城市认知\r\n\r\n- **风险认知**  \r\n[创建韧性城市](#)\t<p>x</p>\rend  "
    path = tmp_path / "stage.zh.txt"
    path.write_bytes(raw.encode("utf-8"))
    doc = load_document(path)
    assert doc.text == raw.replace("\r\n", "\n").replace("\r", "\n")
    assert doc.source == "stage.zh.txt"
    assert doc.title == "A 阶段：推进城市认知"
    assert doc.lang == "zh"
    assert doc.content_hash == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    assert doc.pages == () and doc.page_at(0) is None


def test_txt_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff什么是 MCR2030？\n韧性路线图".encode())
    doc = load_document(path)
    assert doc.text == "什么是 MCR2030？\n韧性路线图"


def test_txt_gb18030_falls_back(tmp_path: Path) -> None:
    text = "联合国人居署 2022 年服务目录\n城市数据、资料收集和监测"
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode("gb18030"))
    assert load_document(path).text == text


def test_markdown_title_from_first_heading_and_arguments_win(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("intro line\n\n# **Urban** resilience notes\n\nThe city plans ahead.\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.title == "Urban resilience notes"
    assert doc.lang == "en"
    doc2 = load_document(path, source="custom", title="Given title", meta={"year": "2022", "kind": "note"})
    assert (doc2.source, doc2.title) == ("custom", "Given title")
    assert doc2.meta == (("kind", "note"), ("year", "2022"))
    assert doc2.doc_id != doc.doc_id  # the source name is part of the id


def test_title_falls_back_to_file_stem(tmp_path: Path) -> None:
    path = tmp_path / "numbers-only.txt"
    path.write_text("1.1 1.2 2.3\n\n11.1\n", encoding="utf-8")
    assert load_document(path).title == "numbers-only"


def test_long_first_line_title_is_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("word " * 80 + "\nbody", encoding="utf-8")
    title = load_document(path).title
    assert 60 < len(title) <= 120 and title.startswith("word word")


def test_make_doc_id_is_stable_and_ignores_invisible_differences() -> None:
    doc_id = make_doc_id("a.txt", "城市 韧性\n路线图")
    assert len(doc_id) == 16 and int(doc_id, 16) >= 0
    assert make_doc_id("a.txt", "城市 韧性\n路线图") == doc_id
    assert make_doc_id("a.txt", "城市 韧性\r\n路线图  \n") == doc_id
    assert make_doc_id("b.txt", "城市 韧性\n路线图") != doc_id
    assert make_doc_id("a.txt", "城市 韧性\n路线") != doc_id


def test_reloading_an_unchanged_file_gives_the_same_document(tmp_path: Path) -> None:
    path = tmp_path / "same.txt"
    path.write_text("专题领域 2：提高风险分析\n\n城市需要开始了解局部风险。", encoding="utf-8")
    assert load_document(path) == load_document(path)


# -- HTML -------------------------------------------------------------------------------------------------------


def test_html_visible_text_title_and_no_script(tmp_path: Path) -> None:
    html = """<!doctype html><html><head><title>城市 &amp; 韧性</title>
    <style>p { color: red }</style><script>var secret = "hidden";</script></head>
    <body><h1>专题领域 2：提高风险分析</h1><p>城市需要开始了解<b>局部风险</b>。</p>
    <table><tr><td>问题</td><td>解答</td></tr><tr><td>什么是 MCR2030?</td><td>一项计划</td></tr></table>
    <noscript>enable js</noscript><p>Line one<br>Line two</p></body></html>"""
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    doc = load_document(path)
    assert doc.title == "城市 & 韧性"
    assert "secret" not in doc.text and "color" not in doc.text and "enable js" not in doc.text
    assert "专题领域 2：提高风险分析\n\n城市需要开始了解局部风险。" in doc.text
    assert "问题\t解答\n什么是 MCR2030?\t一项计划" in doc.text
    assert "Line one\nLine two" in doc.text
    assert doc.lang == "zh"


def test_htm_without_title_uses_first_line(tmp_path: Path) -> None:
    path = tmp_path / "bare.htm"
    path.write_bytes("<div>联合国人居署服务目录</div><div>正文内容</div>".encode("gb18030"))
    doc = load_document(path)
    assert doc.title == "联合国人居署服务目录"
    assert doc.text == "联合国人居署服务目录\n\n正文内容"


# -- PDF ------------------------------------------------------------------------------------------------------


def test_chinese_pdf_pages_and_offsets(chinese_pdf: Path) -> None:
    pages = extract_pdf_pages(chinese_pdf)
    assert len(pages) == 2
    assert all(line in pages[0] for line in PAGE_ONE)
    assert all(line in pages[1] for line in PAGE_TWO)

    doc = load_document(chinese_pdf)
    assert [span.page for span in doc.pages] == [1, 2]
    for span, page_text in zip(doc.pages, pages, strict=True):
        assert doc.text[span.start : span.end] == page_text
    assert doc.text == "\n\n".join(pages)
    assert doc.page_at(doc.text.index("城市韧性资料收集")) == 1
    assert doc.page_at(doc.text.index("联合国人居署服务目录")) == 2
    assert doc.lang == "zh"
    assert doc.title == "第一页：城市韧性资料收集"


def test_pdf_encrypted_with_a_password_is_refused(chinese_pdf: Path, tmp_path: Path) -> None:
    locked = _encrypted_copy(chinese_pdf, tmp_path / "locked.pdf", user_password="secret")
    with pytest.raises(EncryptedDocument) as info:
        load_document(locked)
    assert info.value.code == "encrypted_document"
    assert "locked.pdf" in info.value.message


def test_pdf_with_only_an_owner_password_is_read(chinese_pdf: Path, tmp_path: Path) -> None:
    restricted = _encrypted_copy(chinese_pdf, tmp_path / "restricted.pdf", user_password="")
    assert "城市韧性资料收集" in load_document(restricted).text


def test_truncated_pdf_is_unreadable(chinese_pdf: Path, tmp_path: Path) -> None:
    data = chinese_pdf.read_bytes()
    broken = tmp_path / "truncated.pdf"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableDocument) as info:
        load_document(broken)
    assert info.value.code == "unreadable_document"
    assert "truncated.pdf" in info.value.message  # parsed in a child process: the cause is in the message


def test_non_pdf_named_pdf_is_unreadable(tmp_path: Path) -> None:
    fake = tmp_path / "fake.pdf"
    fake.write_text("this is plain text, not a PDF", encoding="utf-8")
    with pytest.raises(UnreadableDocument, match="fake.pdf"):
        load_document(fake)


def test_pdf_without_text_is_empty(tmp_path: Path) -> None:
    blank = _chinese_pdf(tmp_path / "blank.pdf", [[], []])
    with pytest.raises(EmptyDocument, match="blank.pdf"):
        load_document(blank)


# -- errors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".pdf"])
def test_empty_file_is_empty_document(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(EmptyDocument) as info:
        load_document(path)
    assert info.value.code == "empty_document"
    assert path.name in info.value.message


def test_whitespace_only_file_is_empty_document(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\t\u3000\n", encoding="utf-8")
    with pytest.raises(EmptyDocument, match="blank.txt"):
        load_document(path)


@pytest.mark.parametrize("name", ["slides.pptx", "table.csv", "README"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("content", encoding="utf-8")
    with pytest.raises(UnsupportedFormat) as info:
        load_document(path)
    assert info.value.code == "unsupported_format"
    assert name in info.value.message
    assert ".txt" in info.value.message


def test_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("城市" * 100, encoding="utf-8")
    with pytest.raises(DocumentTooLarge) as info:
        load_document(path, max_bytes=100)
    assert info.value.code == "document_too_large"
    assert "big.txt" in info.value.message


@pytest.mark.parametrize("payload", [b"\x80\x80\xff\xff\x81", b"binary\x00\x01\x02 data"])
def test_undecodable_or_binary_text_is_unreadable(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "garbage.txt"
    path.write_bytes(payload)
    with pytest.raises(UnreadableDocument, match="garbage.txt"):
        load_document(path)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="missing.txt"):
        load_document(tmp_path / "missing.txt")


def test_every_ingest_error_is_an_ingest_error() -> None:
    for cls in (UnsupportedFormat, EmptyDocument, UnreadableDocument, EncryptedDocument, DocumentTooLarge):
        assert issubclass(cls, IngestError)
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".pdf", ".html", ".htm")


# -- manifest -------------------------------------------------------------------------------------------------


def test_read_manifest_of_the_corpus(corpus_dir: Path) -> None:
    entries = read_manifest(corpus_dir)
    assert "unhabitat-service-catalogue-2022.zh.txt" in entries
    assert all(name == entry["file"] for name, entry in entries.items())
    assert all((corpus_dir / name).is_file() for name in entries)


def test_read_manifest_absent_or_invalid(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert read_manifest(tmp_path) == {}
    (tmp_path / "MANIFEST.json").write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="ingest.loaders"):
        assert read_manifest(tmp_path) == {}
    assert any("invalid json" in record.getMessage() for record in caplog.records)


def test_read_manifest_accepts_a_list_and_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.json").write_text(json.dumps([{"file": "a.txt", "lang": "zh"}, {"no": "file"}]))
    assert read_manifest(tmp_path) == {"a.txt": {"file": "a.txt", "lang": "zh"}}
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"b.md": {"title": "B"}}))
    assert read_manifest(tmp_path) == {"b.md": {"file": "b.md", "title": "B"}}
