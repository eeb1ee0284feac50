"""English renderings of source documents: segments of the original, each with its English text.

A rendering is a JSON Lines file, one segment a line::

    {"start": 120, "end": 164, "src": "<original[start:end]>", "en": "English text"}
    {"start": 170, "end": 176, "src": "![](x)", "debris": "markup"}

``start``/``end`` index ``Document.text`` of the original (the file content as loaded), so a segment's source is
``original[start:end]`` exactly and a citation can keep quoting the original verbatim. Segments are ordered, do
not overlap, never cross a line break (a sentence or a list item at most; a paragraph is one line in these
files), and together cover every non-whitespace character of the original. A segment that is formatting debris
(an image placeholder, markup with no text) carries ``debris`` instead of ``en``.

Where a rendering comes from is its *provenance*: ``curated`` (a rendering the team wrote and reviewed),
``official`` (an official translation aligned by ingest) or ``machine`` (an LLM's translation). The original is
always authoritative; the manifest says so beside each rendering. An official translation is either the second
half of the same file or another file declared as the same document (``"aligned"`` in the manifest); both are
aligned by ``ingest.align.align_texts`` and turned into renderings by :func:`renderings_from_alignment`.

:func:`split_segments` is the segmenter that laid out the curated renderings; :func:`load_rendering` reads and
validates one file against the current original and raises ``InvalidRendering`` naming the line.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from ingest.normalize import strip_markup
from ingest.spans import span_rows
from retriever.errors import InvalidRendering
from retriever.language import has_han
from retriever.types import Rendering, Segment

__all__ = [
    "PROVENANCES",
    "Provenance",
    "Rendering",
    "Segment",
    "dump_segments",
    "load_rendering",
    "renderings_from_alignment",
    "renderings_from_pairs",
    "split_segments",
]

Provenance = Literal["curated", "official", "machine"]
PROVENANCES: tuple[Provenance, ...] = ("curated", "official", "machine")

# A sentence ends at Chinese or Latin end punctuation, with any closing quotes or brackets after it. A Latin
# period ends a sentence only before a space (so "A.3", "2.5" and URLs stay whole).
_SENTENCE_END = re.compile(r"(?:[。！？]|[!?](?!\[))+[”’」』）)\]]*|\.(?=\s)[”’\"')\]]*")
_LIST_MARKER = re.compile(r"\s*(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,4})\.[”’\"')\]]*")


def split_segments(text: str) -> list[tuple[int, int]]:
    """``text`` cut into sentences and list items: ``(start, end)`` spans with no surrounding whitespace, never
    across a line break, covering every non-whitespace character. Deterministic."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        cut = 0
        for m in _SENTENCE_END.finditer(line):
            if _LIST_MARKER.fullmatch(line[cut : m.end()]):
                continue  # "3. The ..." : the number of a list item, not a sentence
            _add_trimmed(spans, line, line_start, cut, m.end())
            cut = m.end()
        _add_trimmed(spans, line, line_start, cut, len(line))
    return spans


def _add_trimmed(spans: list[tuple[int, int]], line: str, offset: int, a: int, b: int) -> None:
    piece = line[a:b]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    spans.append((offset + a + lead, offset + a + lead + len(stripped)))


def debris_kind(src: str) -> str:
    """``"markup"`` when a piece of source is extraction debris with nothing to render, else ``""``."""
    return "markup" if not strip_markup(src).strip() else ""


def load_rendering(path: Path, original: str, *, doc_id: str, provenance: Provenance = "curated") -> Rendering:
    """Read ``path`` and check it against ``original``: every line valid JSON with integer offsets, ``src`` equal
    to ``original[start:end]``, segments ordered and disjoint, English present unless debris, and every
    non-whitespace character of the original inside a segment. Raises ``InvalidRendering`` naming the file and
    line."""
    if provenance not in PROVENANCES:
        raise InvalidRendering(f"{path.name}: unknown provenance {provenance!r}; one of {', '.join(PROVENANCES)}")
    segments: list[Segment] = []
    previous_end = 0
    for where, row, start, end in span_rows(path, original, InvalidRendering):
        if start < previous_end:
            raise InvalidRendering(f"{where}: segment starts at {start}, before the previous one ends ({previous_end})")
        gap = original[previous_end:start]
        if gap.strip():
            raise InvalidRendering(f"{where}: text before this segment is in no segment: {gap.strip()[:40]!r}")
        debris = row.get("debris") or ""
        en = row.get("en") or ""
        if not isinstance(en, str) or not isinstance(debris, str):
            raise InvalidRendering(f"{where}: en and debris must be strings")
        if not debris and not en.strip():
            raise InvalidRendering(f"{where}: no English (a segment with nothing to render says debris)")
        segments.append(Segment(start, end, en.strip(), debris))
        previous_end = end
    if original[previous_end:].strip():
        raise InvalidRendering(f"{path.name}: the end of the original is in no segment")
    return Rendering(doc_id=doc_id, lang="en", provenance=provenance, segments=tuple(segments))


def dump_segments(original: str, rows: Iterable[Sequence]) -> str:
    """JSON Lines of ``(start, end, en, debris[, exception])`` rows, with ``src`` taken from ``original``.
    ``exception`` is a reviewed reason why the segment's numbers differ on purpose (``1.5 亿 = 150 million``)."""
    out = []
    for start, end, en, debris, *rest in rows:
        row: dict[str, object] = {"start": start, "end": end, "src": original[start:end]}
        if debris:
            row["debris"] = debris
        else:
            row["en"] = en
        if rest and rest[0]:
            row["exception"] = rest[0]
        out.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(out) + "\n"


def skeleton(original: str) -> Sequence[tuple[int, int, str, str]]:
    """The segments of ``original`` before translation: debris marked, Latin-only text carried over with its
    markup stripped (it is English or a name already), Han text with no English yet."""
    rows = []
    for start, end in split_segments(original):
        src = original[start:end]
        kind = debris_kind(src)
        if kind:
            rows.append((start, end, "", kind))
        elif has_han(src):
            rows.append((start, end, "", ""))
        else:
            rows.append((start, end, strip_markup(src), ""))
    return rows


# -- mechanical checks of one segment ---------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\u3000-\u303f\uff00-\uffef\u4e00-\u9fff\"'”]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LATIN_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-/.&'][A-Za-z0-9]+)*")
_MONTH_ZH = re.compile(r"(\d{1,2})\s*月")
_MONTHS_EN = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_URL_TRAIL = ".,;:!?"


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _numbers(text: str) -> set[str]:
    return {m.group(0).replace(",", "") for m in _NUMBER.finditer(text)}


def _urls(text: str) -> set[str]:
    return {m.group(0).rstrip(_URL_TRAIL).rstrip("/").casefold() for m in _URL.finditer(text)}


def mechanical_issues(src: str, en: str) -> list[str]:
    """What a rendering ``en`` of ``src`` changed that it must not: a number, URL, e-mail address or Latin-script
    token of the source missing from the English, or a number, URL or e-mail address the English adds. A Chinese
    month (``10 月``) is matched by its English name. Both sides are NFKC-folded first (full-width digits)."""
    s, e = _nfkc(strip_markup(src)), _nfkc(en)
    issues: list[str] = []
    e_urls, s_urls = _urls(e), _urls(s)
    e_mails = {m.group(0).casefold() for m in _EMAIL.finditer(e)}
    s_mails = {m.group(0).casefold() for m in _EMAIL.finditer(s)}
    issues += [f"url missing: {u}" for u in sorted(s_urls - e_urls)]
    issues += [f"url added: {u}" for u in sorted(e_urls - s_urls)]
    issues += [f"email missing: {m}" for m in sorted(s_mails - e_mails)]
    issues += [f"email added: {m}" for m in sorted(e_mails - s_mails)]
    # numbers outside URLs and e-mail addresses
    s_bare = _EMAIL.sub(" ", _URL.sub(" ", s))
    e_bare = _EMAIL.sub(" ", _URL.sub(" ", e))
    s_nums, e_nums = _numbers(s_bare), _numbers(e_bare)
    folded = e_bare.casefold()
    for m in _MONTH_ZH.finditer(s_bare):
        month = int(m.group(1))
        if 1 <= month <= 12 and _MONTHS_EN[month - 1] in folded and m.group(1) not in e_nums:
            e_nums.add(m.group(1))
    issues += [f"number missing: {n}" for n in sorted(s_nums - e_nums)]
    issues += [f"number added: {n}" for n in sorted(e_nums - s_nums)]
    e_tokens = set(_LATIN_TOKEN.findall(e_bare))
    e_text = e_bare.casefold()
    for token in dict.fromkeys(_LATIN_TOKEN.findall(s_bare)):
        if token not in e_tokens and token.casefold() not in e_text:
            issues.append(f"latin token missing: {token}")
    return issues


# -- renderings from an aligned official translation ------------------------------------------------------------

ALIGNMENT_VERSION = "halves-1"  # bump when the aligner's output for the same input changes


def renderings_from_pairs(
    doc_id: str,
    text: str,
    pairs: Iterable[tuple[tuple[int, int], tuple[int, int], float]],
    *,
    provenance: Provenance = "official",
) -> list[Rendering]:
    """Two renderings of a file that holds a text and its translation (``ingest.align.align_halves`` pairs): the
    first half's spans rendered by their aligned second-half text, and the reverse, each in the other half's
    language (:func:`renderings_from_alignment` with the file on both sides)."""
    return renderings_from_alignment((doc_id, text), (doc_id, text), pairs, provenance=provenance)


def renderings_from_alignment(
    source: tuple[str, str],
    target: tuple[str, str],
    pairs: Iterable[tuple[tuple[int, int], tuple[int, int], float]],
    *,
    provenance: Provenance = "official",
) -> list[Rendering]:
    """The two renderings an alignment gives (``ingest.align.align_texts`` pairs of spans in the source text and
    in the target text), ``source`` and ``target`` being ``(doc_id, text)``: the source document's spans rendered
    by their aligned target text, in the target's language, and the target document's spans rendered by the
    source text, in the source's language. For the two halves of one file both sides are that file. Spans that
    would overlap an earlier one are dropped (the aligner's recovered pairs may cross)."""
    (source_id, source_text), (target_id, target_text) = source, target
    rows = [((a0, a1), (b0, b1)) for (a0, a1), (b0, b1), _ in pairs if a1 > a0 and b1 > b0]
    if not rows:
        return []
    source_lang = "zh" if has_han(source_text[rows[0][0][0] : rows[0][0][1]]) else "en"
    target_lang = "en" if source_lang == "zh" else "zh"
    out = []
    for doc_id, lang, keyed, rendered_from in (
        (source_id, target_lang, sorted((a, b) for a, b in rows), target_text),
        (target_id, source_lang, sorted((b, a) for a, b in rows), source_text),
    ):
        segments: list[Segment] = []
        for (s0, s1), (t0, t1) in keyed:
            if segments and s0 < segments[-1].end:
                continue
            rendered = " ".join(strip_markup(rendered_from[t0:t1]).split())
            if rendered:
                segments.append(Segment(s0, s1, rendered))
        out.append(Rendering(doc_id=doc_id, lang=lang, provenance=provenance, segments=tuple(segments)))
    return out
