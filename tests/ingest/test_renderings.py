"""The English renderings of the Chinese documents: they fit their originals, keep every number, URL, address and
Latin-script token, and the machinery refuses a rendering that does not fit (a bad edit fails here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.chunking import detect_headings
from ingest.loaders import read_manifest
from ingest.renderings import dump_segments, load_rendering, mechanical_issues, skeleton, split_segments
from retriever.errors import InvalidRendering
from tests.conftest import CORPUS, KNOWLEDGE

MANIFEST = read_manifest(CORPUS)
DECLARED = [(name, spec) for name, entry in sorted(MANIFEST.items()) for spec in entry.get("renderings", []) if spec]
CHINESE_DOCS = sorted(name for name, entry in MANIFEST.items() if entry.get("lang") == "zh")


def rows(spec: dict) -> list[dict]:
    return [json.loads(line) for line in (CORPUS / spec["file"]).read_text(encoding="utf-8").splitlines() if line]


def test_every_chinese_document_declares_a_curated_english_rendering() -> None:
    assert CHINESE_DOCS, "the manifest lists no Chinese document"
    for name in CHINESE_DOCS:
        specs = MANIFEST[name].get("renderings") or []
        assert [s["lang"] for s in specs] == ["en"], name
        spec = specs[0]
        assert spec["provenance"] == "curated" and spec["authoritative"] == "original", name
        assert "not an official" in spec["note"] and spec["checked"], name
        assert (CORPUS / spec["file"]).is_file(), spec["file"]


@pytest.mark.parametrize(("name", "spec"), DECLARED, ids=[n for n, _ in DECLARED])
def test_segments_slice_and_cover_the_current_original(name: str, spec: dict) -> None:
    original = (CORPUS / name).read_text(encoding="utf-8")
    rendering = load_rendering(CORPUS / spec["file"], original, doc_id="d", provenance=spec["provenance"])
    covered = bytearray(len(original))
    for seg in rendering.segments:
        assert "\n" not in original[seg.start : seg.end].strip(), "a segment crosses a line break"
        covered[seg.start : seg.end] = b"\1" * (seg.end - seg.start)
    uncovered = "".join(ch for ch, c in zip(original, covered, strict=True) if not c)
    assert not uncovered.strip()
    for row in rows(spec):
        assert original[row["start"] : row["end"]] == row["src"]


@pytest.mark.parametrize(("name", "spec"), DECLARED, ids=[n for n, _ in DECLARED])
def test_numbers_urls_addresses_and_latin_tokens_are_kept(name: str, spec: dict) -> None:
    failures = []
    for row in rows(spec):
        if row.get("debris") or row.get("exception"):
            continue
        issues = mechanical_issues(row["src"], row["en"])
        if issues:
            failures.append((row["start"], issues))
    assert not failures, failures[:5]


def test_exceptions_are_few_and_say_why() -> None:
    exceptions = [row for _, spec in DECLARED for row in rows(spec) if row.get("exception")]
    assert len(exceptions) <= 60, "exceptions are a short reviewed list (docs/renderings.md)"
    for row in exceptions:
        # each names the conversion it justifies: a Chinese unit or an official name
        assert "=" in row["exception"] or "official" in row["exception"].lower(), row
        assert mechanical_issues(row["src"], row["en"]), f"needless exception at {row['start']}"


def test_no_markup_debris_is_rendered() -> None:
    for _, spec in DECLARED:
        for row in rows(spec):
            en = row.get("en") or ""
            assert "](#)" not in en and "<p>" not in en and "</p>" not in en and "**" not in en, row


def test_curated_names_agree_with_the_renderings() -> None:
    """Every section and service heading of the catalogue, as the chunker reads it (misprinted numbers repaired:
    ``1.2.`` is I.2), is rendered with the curated English name of that section or service."""
    english = json.loads((KNOWLEDGE / "catalogue_en.json").read_text(encoding="utf-8"))
    curated = {"section": english["unhabitat_sections"], "item": english["unhabitat_services"]}
    name = "unhabitat-service-catalogue-2022.zh.txt"
    segments = rows(MANIFEST[name]["renderings"][0])
    headings = [h for h in detect_headings((CORPUS / name).read_text(encoding="utf-8")) if h.kind in curated]
    assert sum(h.kind == "item" for h in headings) == 58
    for h in headings:
        entry = curated[h.kind][h.number]
        expected = entry["name_en"] if h.kind == "item" else entry["en"]
        rendered = " ".join(row.get("en", "") for row in segments if row["start"] < h.end and row["end"] > h.start)
        assert expected in rendered, (h.number, rendered)


# -- the machinery ------------------------------------------------------------------------------------------------
def write(tmp_path: Path, lines: list[dict]) -> Path:
    path = tmp_path / "r.en.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    return path


ORIGINAL = "第一句。第二句有 2022 年。\n\n![](x.png)\n第三行 https://a.org"


def good_rows() -> list[dict]:
    spans = split_segments(ORIGINAL)
    texts = ["First sentence.", "The second has 2022.", "", "Third line https://a.org"]
    out = []
    for (a, b), en in zip(spans, texts, strict=True):
        row = {"start": a, "end": b, "src": ORIGINAL[a:b]}
        row.update({"debris": "markup"} if not en else {"en": en})
        out.append(row)
    return out


def test_dumped_segments_load_back(tmp_path: Path) -> None:
    rows = [
        (a, b, "", "markup", "") if not t else (a, b, t, "", "")
        for (a, b), t in zip(
            split_segments(ORIGINAL),
            ["First sentence.", "The second has 2022.", "", "Third line https://a.org"],
            strict=True,
        )
    ]
    path = tmp_path / "d.en.jsonl"
    path.write_text(dump_segments(ORIGINAL, rows), encoding="utf-8")
    r = load_rendering(path, ORIGINAL, doc_id="d")
    assert [(s.start, s.end, s.en, s.debris) for s in r.segments] == [row[:4] for row in rows]


def test_a_valid_rendering_loads(tmp_path: Path) -> None:
    r = load_rendering(write(tmp_path, good_rows()), ORIGINAL, doc_id="d")
    assert [s.en for s in r.segments if not s.debris] == [
        "First sentence.",
        "The second has 2022.",
        "Third line https://a.org",
    ]
    assert r.text_between(0, 4) == "First sentence."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows[1].update(src="改过的"), "src is not original"),
        (lambda rows: rows.pop(1), "in no segment"),
        (lambda rows: rows[1].update(en=""), "no English"),
        (lambda rows: rows[2].update(start=0, src=ORIGINAL[: rows[2]["end"]]), "before the previous one ends"),
        (lambda rows: rows[0].update(end=10_000), "start < end"),
        (lambda rows: rows.pop(), "end of the original"),
    ],
)
def test_a_rendering_that_does_not_fit_is_refused(tmp_path: Path, change, message: str) -> None:
    bad = good_rows()
    change(bad)
    with pytest.raises(InvalidRendering, match=message):
        load_rendering(write(tmp_path, bad), ORIGINAL, doc_id="d")


def test_mechanical_checks_catch_changed_numbers_urls_and_tokens() -> None:
    assert mechanical_issues("MCR2030 于 2020 年 10 月 28 日启动。", "MCR2030 was launched on 28 October 2020.") == []
    assert "number missing: 28" in mechanical_issues("2020 年 10 月 28 日", "October 2020")
    assert "number added: 12" in mechanical_issues("十二个专题领域", "12 thematic areas")
    assert "url missing: https://a.org" in mechanical_issues("见 https://a.org。", "See the website.")
    assert "latin token missing: CityRAP" in mechanical_issues("CityRAP 工具", "the tool")
    assert mechanical_issues("联系 a@un.org", "Contact b@un.org") == [
        "email missing: a@un.org",
        "email added: b@un.org",
    ]


_TEXT = st.text(alphabet=st.sampled_from(list("城市韧性ABC. 。！？\n\t12")), max_size=200)


@given(_TEXT)
def test_segments_are_trimmed_ordered_and_cover_the_text(text: str) -> None:
    spans = split_segments(text)
    covered = bytearray(len(text))
    last = 0
    for a, b in spans:
        assert last <= a < b
        piece = text[a:b]
        assert piece == piece.strip() and "\n" not in piece
        covered[a:b] = b"\1" * (b - a)
        last = b
    assert not "".join(ch for ch, c in zip(text, covered, strict=True) if not c).strip()
    assert len(skeleton(text)) == len(spans)


REVIEW_BELOW = 0.46  # every pair under this similarity is listed, with a note, in docs/renderings.md


@pytest.mark.integration
def test_similarity_of_every_pair_is_reviewed() -> None:
    """Under the real multilingual model, a pair that scores low (a wrong or missing rendering scores low) must
    be one that a person read and listed in docs/renderings.md."""
    from ingest.normalize import strip_markup
    from retriever.embedders import make_embedder
    from retriever.settings import EmbedderSettings

    pairs = [
        (spec["file"].split("/")[-1].split(".")[0], row["start"], strip_markup(row["src"]), row["en"])
        for _, spec in DECLARED
        for row in rows(spec)
        if not row.get("debris") and any("\u4e00" <= ch <= "\u9fff" for ch in row["src"])
    ]
    embedder = make_embedder(EmbedderSettings())
    zh = embedder.embed_documents([p[2] for p in pairs])
    en = embedder.embed_documents([p[3] for p in pairs])
    sims = (zh * en).sum(axis=1)
    print(f"pairs {len(sims)} mean {sims.mean():.3f} median {float(sorted(sims)[len(sims) // 2]):.3f}")  # noqa: T201
    reviewed = set()
    doc = (CORPUS.parent / "docs" / "renderings.md").read_text(encoding="utf-8")
    for line in doc.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 4 and cells[3].isdigit():
            reviewed.add((cells[2], int(cells[3])))
    unreviewed = [(p[0], p[1], round(float(s), 3)) for p, s in zip(pairs, sims, strict=True) if s < REVIEW_BELOW]
    unreviewed = [u for u in unreviewed if (u[0], u[1]) not in reviewed]
    assert not unreviewed, f"low-similarity pairs not reviewed in docs/renderings.md: {unreviewed[:10]}"
    assert sims.mean() > 0.7
