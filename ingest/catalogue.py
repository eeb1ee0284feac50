"""Catalogue records: the structured, recommendable items found in the corpus.

Three kinds, recognised by the structure of a document's text, never by its file name or line numbers:

- ``mcr_tool``: the example tools of an MCR2030 overview. A document qualifies when it has thematic-area headings
  (``专题领域 N：…``) followed by ``相关工具和方案示例`` bullet lists. One record per distinct tool: a tool listed
  under two areas is one record with both areas. Tools named in the running text (the dashboard, the stage survey,
  the advocacy kit, PreventionWeb) are found through curated anchor phrases.
- ``unhabitat_service``: the services of a UN-Habitat catalogue. A document qualifies when it has lettered section
  headings (``A. …``) followed by service headings (``A.1. …``). The id is the service id as printed, with the
  extraction misprint ``1.2.`` inside section I read as ``I.2``. Table-of-contents lines (ending in a page number)
  are never records.

The service catalogue's headings are not parsed here: sections, services (numbers with misprints repaired) and
flagships are the headings :func:`ingest.chunking.detect_headings` finds, the same that give chunks their section
paths. A record's block is its heading's section in the chunker's sense: it runs to the next heading of the same
or an outer rank, so a record and the chunks that hold it agree on its section.
- ``flagship``: the flagship programmes of the same catalogue (``旗舰项目 N：…`` headings whose block has fields).

English names and summaries, the section -> thematic-area mapping and the stable tool slugs are curated in
``knowledge/catalogue_en.json`` (see :func:`load_english`); a record without curated English is still
extracted, logged, and left with empty English fields.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingest.chunking import Heading, detect_headings
from retriever.errors import InvalidKnowledgeFile
from retriever.sentences import split_sentences
from retriever.types import CatalogueItem, Document, SourceSpan

logger = logging.getLogger(__name__)

ENGLISH_FILE = "catalogue_en.json"
# What the extraction writes into the records; part of the ingest's knowledge signature, so a version built by an
# older extractor is rebuilt. 2: ``listings``, every place the overview lists a tool under a thematic area (3: a
# tool named in an area's running text is listed by the sentence naming it)
CATALOGUE_VERSION = "3"
ALL_STAGES: tuple[str, ...] = ("A", "B", "C")

# --- shared text helpers ---------------------------------------------------------------------------------------

_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&*+,;=%]"  # ASCII only: a URL printed next to Chinese text ends there
_URL_RE = re.compile(r"https?://" + _URL_CHARS + "+")
_URL_TRAIL = ".,;:!?"
_URL_TOKEN_RE = re.compile(
    r"\[[^\]\n]*\]\(\s*https?://[^)\s]*\s*\)"  # [text](https://…)
    r"|<\s*https?://[^>\s]*\s*>"  # <https://…>
    r"|https?://" + _URL_CHARS + "+"  # bare
)
_MD_LINK_RE = re.compile(r"\[([^\]\n]*)\]\((?:[^)\s]*)\)")
_SENTENCE_RE = re.compile(r"[，。；,;]")


@dataclass(frozen=True, slots=True)
class _Line:
    """One line of a document: ``text == doc.text[start:end]`` (without the line break)."""

    start: int
    end: int
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip()


def _split_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        stop = end - 1 if end > pos and text[end - 1] == "\r" else end
        lines.append(_Line(pos, stop, text[pos:stop]))
        if nl < 0:
            break
        pos = nl + 1
    return lines


def normalise_name(name: str) -> str:
    """The lookup key of a Chinese name: NFKC, lower case, no whitespace, markup, quotes or trailing separators.

    Idempotent, so curated names can be stored as written and normalised on load.
    """
    key = unicodedata.normalize("NFKC", name).lower()
    key = key.replace("**", "")
    key = re.sub(r"[\s《》〈〉「」『』“”\"'‘’]", "", key)
    return key.strip("：:-–—·.。")


def _urls(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for m in _URL_RE.finditer(text):
        url = m.group(0).rstrip(_URL_TRAIL)
        if len(url) > len("https://"):
            seen.setdefault(url, None)
    return tuple(seen)


def _strip_urls(text: str) -> str:
    return _URL_TOKEN_RE.sub("", text)


def _is_url_line(text: str) -> bool:
    return bool(_URL_RE.search(text)) and not _strip_urls(text).strip(" \t\u3000：:-–—|,，;；()（）[]<>")


def _clean_block(text: str) -> str:
    """Field text: lines stripped, blank lines and photo credits dropped, bold markers removed."""
    out = []
    for line in text.splitlines():
        s = line.strip().replace("**", "")
        if s and not s.startswith("©"):
            out.append(s)
    return "\n".join(out)


def _span(doc: Document, start: int, end: int) -> SourceSpan:
    return SourceSpan(doc_id=doc.doc_id, source=doc.source, start=start, end=end, quote=doc.text[start:end])


def _stage_order(stages: Iterable[str]) -> tuple[str, ...]:
    s = set(stages)
    return tuple(x for x in ALL_STAGES if x in s)


# --- the curated English file -----------------------------------------------------------------------------------


def load_english(knowledge_dir: Path) -> dict:
    """Read ``catalogue_en.json`` from ``knowledge_dir``.

    Raises InvalidKnowledgeFile when the file is missing, not UTF-8 JSON, or not a JSON object.
    """
    path = Path(knowledge_dir) / ENGLISH_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InvalidKnowledgeFile(f"cannot read {path}: {e}") from e
    if not isinstance(data, dict):
        raise InvalidKnowledgeFile(f"{path} must hold a JSON object")
    return data


def _entries(mapping: Any) -> dict[str, Any]:
    """A curated mapping without its ``_note``-style keys."""
    if not isinstance(mapping, Mapping):
        return {}
    return {str(k): v for k, v in mapping.items() if not str(k).startswith("_")}


@dataclass(slots=True)
class _English:
    """Indexes over the curated file; every lookup tolerates a missing entry."""

    areas: dict[str, Any]
    sections: dict[str, Any]
    services: dict[str, Any]
    services_by_name: dict[str, Any]
    flagships: dict[str, Any]
    flagships_by_name: dict[str, Any]
    tools_by_name: dict[str, Any]
    mentions: list[Any]

    @classmethod
    def from_mapping(cls, english: Mapping) -> _English:
        services = _entries(english.get("unhabitat_services"))
        flagships = _entries(english.get("flagships"))
        tools = [t for t in english.get("mcr_tools", {}).get("entries", []) if isinstance(t, Mapping)]
        tools_by_name: dict[str, Any] = {}
        for tool in tools:
            for zh in tool.get("zh", []):
                tools_by_name.setdefault(normalise_name(zh), tool)
        return cls(
            areas=_entries(english.get("thematic_areas")),
            sections=_entries(english.get("unhabitat_sections")),
            services=services,
            services_by_name={normalise_name(v.get("zh", "")): v for v in services.values() if v.get("zh")},
            flagships=flagships,
            flagships_by_name={normalise_name(v.get("zh", "")): v for v in flagships.values() if v.get("zh")},
            tools_by_name=tools_by_name,
            mentions=[m for m in english.get("mcr_mentions", {}).get("entries", []) if isinstance(m, Mapping)],
        )

    def area_stages(self, area: int) -> tuple[str, ...]:
        return _stage_order(self.areas.get(str(area), {}).get("stages", ()))


def _en(entry: Mapping | None, kind: str, rid: str) -> tuple[str, str]:
    name_en = str((entry or {}).get("name_en", "")).strip()
    summary_en = str((entry or {}).get("summary_en", "")).strip()
    if not (name_en and summary_en):
        logger.warning("catalogue.english_missing kind=%s id=%s", kind, rid)
    return name_en, summary_en


def _zh(entry: Mapping | None) -> str:
    """The curated Chinese note of an MCR2030 tool (``summary_zh``): its English note rendered, for Chinese readers
    of a tool that the document lists only by name and link; empty where none was written."""
    return str((entry or {}).get("summary_zh", "")).strip()


# --- MCR2030 overview: thematic areas and example tools ---------------------------------------------------------

_AREA_RE = re.compile(r"^\s*专题(?:支持)?领域\s*(\d{1,2})\s*[：:]\s*(\S.*?)\s*$")
# How an area heading begins (what a search filter on section paths matches; ``area_number`` reads the whole heading)
AREA_HEADING_PREFIXES = ("专题领域", "专题支持领域")


def area_number(heading: str) -> int | None:
    """The number of the thematic area a heading of an MCR2030 overview opens ("专题领域 8: 将气候风险纳入战略和计划"
    -> 8, "专题支持领域 1：…" -> 1), or None for any other heading."""
    m = _AREA_RE.match(heading)
    return int(m.group(1)) if m else None


_STAGE_RE = re.compile(r"^\s*([ABC])\s*阶段\s*[：:]\s*(\S.*?)\s*$")
_CROSS_RE = re.compile(r"^\s*交叉领域\s*[：:]?\s*$")
_TOOLS_RE = re.compile(r"^\s*相关工具和方案示例\s*[：:]?\s*$")
_BULLET_RE = re.compile(r"^\s*(?:[-•·▪]|\*|\d{1,2}[.)、])(?=\s)\s*")
_NAME_SEPARATORS = ("：", ":", " -", " –", " —")


@dataclass(frozen=True, slots=True)
class ThematicArea:
    """A thematic-area heading of an MCR2030 overview and the stages it belongs to in that document.

    ``stages`` is the enclosing stage heading's letter, all three for the cross-cutting areas, or empty when the
    document has no stage headings above it.
    """

    number: int
    title: str
    stages: tuple[str, ...]
    start: int
    end: int  # end of the area's block: the next area, stage or cross-cutting heading


@dataclass(slots=True)
class _Listing:
    area: int
    start: int
    end: int
    lines: list[str] = field(default_factory=list)


def find_thematic_areas(doc: Document) -> list[ThematicArea]:
    """The thematic-area headings of ``doc`` in order, each with its block extent and stage context."""
    return _thematic_areas(doc.text, _split_lines(doc.text))


def _thematic_areas(text: str, lines: list[_Line]) -> list[ThematicArea]:
    marks: list[tuple[int, str, re.Match[str]]] = []
    for line in lines:
        for kind, rx in (("area", _AREA_RE), ("stage", _STAGE_RE), ("cross", _CROSS_RE)):
            m = rx.match(line.text)
            if m:
                marks.append((line.start, kind, m))
                break
    areas: list[ThematicArea] = []
    context: tuple[str, ...] = ()
    for i, (pos, kind, m) in enumerate(marks):
        if kind == "stage":
            context = (m.group(1),)
        elif kind == "cross":
            context = ALL_STAGES
        else:
            end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
            areas.append(ThematicArea(int(m.group(1)), m.group(2), context, pos, end))
    return areas


def _area_listings(doc: Document, all_lines: list[_Line], area: ThematicArea) -> list[_Listing]:
    """The bullets of every ``相关工具和方案示例`` list inside one area's block."""
    lines = [ln for ln in all_lines if area.start <= ln.start < area.end]
    listings: list[_Listing] = []
    in_list = False
    current: _Listing | None = None
    saw_blank = False
    for line in lines:
        if _TOOLS_RE.match(line.text):
            in_list, current, saw_blank = True, None, False
            continue
        if not in_list:
            continue
        s = line.stripped
        if not s:
            saw_blank = True
            continue
        bullet = _BULLET_RE.match(line.text)
        if bullet and not s.startswith("**"):
            current = _Listing(area.number, line.start + bullet.end(), line.end, [line.text[bullet.end() :]])
            listings.append(current)
            saw_blank = False
        elif current is not None and (_is_url_line(s) or not saw_blank):
            current.end = line.end
            current.lines.append(line.text)
            saw_blank = False
        else:  # a new paragraph after a blank line: the list is over
            in_list, current = False, None
    for listing in listings:  # trim trailing whitespace inside the span
        listing.end = listing.start + len(doc.text[listing.start : listing.end].rstrip())
    return listings


def _listing_name(head: str) -> str:
    """The tool name at the head of a bullet, as written (markdown bold markers removed)."""
    h = _MD_LINK_RE.sub(r"\1", _strip_urls(head)).strip()
    h = h.rstrip(" \t\u3000：:-–—").strip()
    name = h
    if h.startswith("**") and "**" in h[2:]:
        name = h[2 : h.index("**", 2)]
    elif h.startswith("《") and "》" in h and _SENTENCE_RE.search(h[h.index("》") :]):
        name = h[: h.index("》") + 1]
    else:
        cuts = [(h.find(sep), sep) for sep in _NAME_SEPARATORS if h.find(sep) > 0]
        if cuts:
            pos, sep = min(cuts)
            if _SENTENCE_RE.search(h[pos + len(sep) :]):
                name = h[:pos]
        if name == h and "。" in h:
            name = re.split(r"[，。]", h, maxsplit=1)[0]
    return name.replace("**", "").strip().rstrip("：:-–—").strip()


@dataclass(slots=True)
class _Tool:
    id: str
    name: str
    span: SourceSpan
    entry: Mapping | None
    urls: list[str] = field(default_factory=list)
    areas: list[int] = field(default_factory=list)
    stages: set[str] = field(default_factory=set)
    descriptions: list[str] = field(default_factory=list)
    listings: list[tuple[int, SourceSpan]] = field(default_factory=list)


def _tool_id(key: str, entry: Mapping | None) -> str:
    if entry and entry.get("id"):
        return str(entry["id"])
    return "mcr-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def _extract_mcr(doc: Document, en: _English) -> list[CatalogueItem]:
    lines = _split_lines(doc.text)
    areas = _thematic_areas(doc.text, lines)
    tools: dict[str, _Tool] = {}
    for area in areas:
        stages = area.stages or en.area_stages(area.number)
        for listing in _area_listings(doc, lines, area):
            name = _listing_name(listing.lines[0])
            if not name:
                logger.warning("catalogue.unnamed_listing source=%s offset=%d", doc.source, listing.start)
                continue
            key = normalise_name(name)
            entry = en.tools_by_name.get(key)
            if entry is None:
                logger.warning("catalogue.tool_not_curated source=%s key=%s", doc.source, key)
            tid = _tool_id(key, entry)
            tool = tools.get(tid)
            if tool is None:
                tool = tools[tid] = _Tool(tid, name, _span(doc, listing.start, listing.end), entry)
            text = "\n".join(listing.lines)
            tool.listings.append((listing.area, _span(doc, listing.start, listing.end)))
            tool.urls.extend(u for u in _urls(text) if u not in tool.urls)
            if listing.area not in tool.areas:
                tool.areas.append(listing.area)
            tool.stages.update(stages)
            description = _clean_block(_MD_LINK_RE.sub(r"\1", _strip_urls(text)))
            if description and description not in tool.descriptions:
                tool.descriptions.append(description)
    items = []
    for tool in tools.values():
        name_en, summary_en = _en(tool.entry, "mcr_tool", tool.id)
        items.append(
            CatalogueItem(
                id=tool.id,
                kind="mcr_tool",
                name=tool.name,
                name_en=name_en,
                summary_en=summary_en,
                summary_zh=_zh(tool.entry),
                span=tool.span,
                urls=tuple(tool.urls),
                stages=_stage_order(tool.stages),
                areas=tuple(sorted(tool.areas)),
                fields=(("description", "\n".join(tool.descriptions)),),
                listings=tuple(tool.listings),
            )
        )
    for item in _extract_mentions(doc, en, {i.id for i in items}):
        # a tool the running text of an area's block names is listed there too, by the sentence naming it
        # ("A 阶段的的城市将获得一套 MCR2030 宣传工具、指导和通信资料，…。")
        block = next((a for a in areas if a.start <= item.span.start < a.end and a.number in item.areas), None)
        named = doc.text.find(item.name, item.span.start, item.span.end)
        sentence = next(
            ((s, e) for s, e in split_sentences(doc.text, item.span.start, item.span.end) if s <= named < e), None
        )
        if block is not None and sentence is not None:
            item = replace(item, listings=((block.number, _span(doc, *sentence)),))
        items.append(item)
    return items


def _phrase_re(phrase: str) -> re.Pattern[str]:
    """A phrase matched with flexible whitespace between its characters."""
    chars = [re.escape(c) for c in phrase if not c.isspace()]
    return re.compile(r"\s*".join(chars))


def _extract_mentions(doc: Document, en: _English, taken: set[str]) -> list[CatalogueItem]:
    """Tools named in the running text, found by their curated anchor phrases (first occurrence wins)."""
    items = []
    for entry in en.mentions:
        rid = str(entry.get("id", ""))
        if not rid or rid in taken:
            continue
        hits = [m for phrase in entry.get("find", []) if (m := _phrase_re(phrase).search(doc.text))]
        if not hits:
            logger.info("catalogue.mention_absent source=%s id=%s", doc.source, rid)
            continue
        m = min(hits, key=lambda h: h.start())
        start = doc.text.rfind("\n", 0, m.start()) + 1
        nl = doc.text.find("\n", m.end())
        end = len(doc.text) if nl < 0 else nl
        paragraph = doc.text[start:end]
        end = start + len(paragraph.rstrip())
        start += len(paragraph) - len(paragraph.lstrip())
        prefixes = tuple(entry.get("url_prefixes", ()))
        urls = tuple(u for u in _urls(doc.text) if prefixes and u.startswith(prefixes))
        name_en, summary_en = _en(entry, "mcr_tool", rid)
        items.append(
            CatalogueItem(
                id=rid,
                kind="mcr_tool",
                name=m.group(0),
                name_en=name_en,
                summary_en=summary_en,
                summary_zh=_zh(entry),
                span=_span(doc, start, end),
                urls=urls,
                stages=_stage_order(entry.get("stages", ())),
                areas=tuple(int(a) for a in entry.get("areas", ())),
                fields=(("description", _clean_block(_MD_LINK_RE.sub(r"\1", doc.text[start:end]))),),
            )
        )
    return items


# --- UN-Habitat catalogue: sections, services, flagships --------------------------------------------------------

_FLAGSHIP_RE = re.compile(r"^旗舰(?:项目|方案|计划|倡议)\s*\d")  # which labelled headings are flagships
_TAG_LINE_RE = re.compile(r"^\s*\d{1,2}\.\d{1,2}(?:\s+\d{1,2}\.\d{1,2})*\s*$")
_LABELS = {
    "概述": "overview",
    "应对的挑战": "challenges",
    "联合国人居署提供的服务": "offer",
    "之前的应用案例": "applications",
    "提供支持的时间": "duration",
}
_LABEL_RE = re.compile(r"^\s*(" + "|".join(_LABELS) + r")\s*(?:[：:]|(?=\s)|$)\s*")
_STOP_RE = re.compile(r"^\s*(?:证言|更多信息)\s*[：:]?\s*$")
_FIELD_ORDER = ("overview", "challenges", "offer", "applications", "duration")
_REGION_COLS = ("地区", "区域")
_COUNTRY_COLS = ("国家",)
_PLACE_COLS = ("地点", "城市")


@dataclass(frozen=True, slots=True)
class _Heading:
    kind: str  # "section" | "service" | "flagship" | "other" (any other heading: it may end a block)
    line: int  # index into the document's lines
    key: str  # section letter, service id, flagship number
    title: str
    rank: int  # the chunker's rank: a block runs to the next heading of the same or a smaller rank


def _catalogue_kind(h: Heading) -> str:
    if h.kind == "section":
        return "section"
    if h.kind == "item":
        return "service"
    if h.kind == "label_num" and _FLAGSHIP_RE.match(h.label):
        return "flagship"
    return "other"


def _headings(text: str, lines: list[_Line]) -> list[_Heading]:
    """Every heading of ``text`` as the chunker detects it (:func:`ingest.chunking.detect_headings`: misprinted
    service numbers repaired there, table-of-contents lines never headings), typed for the catalogue."""
    line_at = {line.start: i for i, line in enumerate(lines)}
    return [
        _Heading(_catalogue_kind(h), line_at[h.start], h.number, h.title, h.rank)
        for h in detect_headings(text)
        if h.start in line_at
    ]


def _following(heads: list[_Heading], n: int) -> int | None:
    """The line of the first heading after ``heads[n]`` that closes its section (same or smaller rank)."""
    return next((h.line for h in heads[n + 1 :] if h.rank <= heads[n].rank), None)


def find_sections(doc: Document) -> dict[str, str]:
    """Section letter -> Chinese title, for the lettered sections that hold at least one service heading."""
    heads = _headings(doc.text, _split_lines(doc.text))
    with_services = {h.key.split(".")[0] for h in heads if h.kind == "service"}
    titles: dict[str, str] = {}
    for h in heads:
        if h.kind == "section" and h.key in with_services:
            titles.setdefault(h.key, h.title)
    return titles


def _trim_tail(lines: list[_Line], first: int, last: int) -> int:
    """For a block that runs to the end of the document: stop after its ``更多信息`` link list, if any."""
    more = next(
        (i for i in range(last - 1, first, -1) if _STOP_RE.match(lines[i].text) and "更多信息" in lines[i].text), None
    )
    if more is None:
        return last
    i = more + 1
    while i < last:
        s = lines[i].stripped
        if s and not (_BULLET_RE.match(lines[i].text) or _MD_LINK_RE.search(s) or _URL_RE.search(s)):
            break
        i += 1
    return i


def _block_end(lines: list[_Line], first: int, stop: int) -> int:
    """End offset of the block spanning lines [first, stop), trailing whitespace excluded."""
    last = max(i for i in range(first, stop) if lines[i].stripped) if stop > first else first
    return lines[last].end


def _cell(cells: list[str], cols: Mapping[str, int], name: str) -> str:
    i = cols.get(name)
    return cells[i] if i is not None and i < len(cells) else ""


_Fields = tuple[tuple[str, str], ...]
_Places = tuple[tuple[str, str, str], ...]


def _fields(lines: list[_Line]) -> tuple[_Fields, tuple[str, ...], _Places]:
    """Named fields, tag numbers and application places of one block (heading line excluded)."""
    parts: dict[str, list[str]] = {}
    tags: list[str] = []
    places: list[tuple[str, str, str]] = []
    table_rows: list[str] = []
    current: str | None = None
    seen_label = False
    cols: dict[str, int] | None = None
    region = country = ""
    for line in lines:
        text = line.text
        if cols is not None:  # inside an applications table
            if "\t" in text and text.strip():
                cells = [c.strip() for c in text.split("\t")]
                region = _cell(cells, cols, "region") or region
                country = _cell(cells, cols, "country") or country
                place = _cell(cells, cols, "place")
                if place or _cell(cells, cols, "country"):
                    places.append((region, country, place))
                table_rows.append("\t".join(c for c in cells if c))
                continue
            cols = None
        if "\t" in text:
            header = [c.strip() for c in text.split("\t")]
            found = {
                name: header.index(c)
                for name, choices in (("region", _REGION_COLS), ("country", _COUNTRY_COLS), ("place", _PLACE_COLS))
                for c in choices
                if c in header
            }
            if "country" in found and ("place" in found or "region" in found):
                cols, region, country, current = found, "", "", None
                continue
        if not seen_label and _TAG_LINE_RE.match(text):
            tags.extend(t for t in text.split() if t not in tags)
            continue
        if m := _LABEL_RE.match(text):
            current, seen_label = _LABELS[m.group(1)], True
            parts.setdefault(current, []).append(text[m.end() :])
            continue
        if _STOP_RE.match(text):
            current = None
            continue
        if current is not None:
            parts[current].append(text)
    if table_rows:
        parts.setdefault("applications", []).extend(table_rows)
    fields = tuple((name, _clean_block("\n".join(parts[name]))) for name in _FIELD_ORDER if name in parts)
    return fields, tuple(tags), tuple(places)


def _extract_unhabitat(doc: Document, en: _English) -> list[CatalogueItem]:
    lines = _split_lines(doc.text)
    heads = _headings(doc.text, lines)
    sections: dict[str, str] = {}
    items: list[CatalogueItem] = []
    seen: set[str] = set()
    for n, h in enumerate(heads):
        if h.kind == "section":
            sections[h.key] = h.title
            continue
        if h.kind not in ("service", "flagship"):
            continue
        following = _following(heads, n)
        stop = following if following is not None else _trim_tail(lines, h.line, len(lines))
        block = lines[h.line + 1 : stop]
        fields, tags, places = _fields(block)
        rid = h.key if h.kind == "service" else f"flagship-{h.key}"
        if h.kind == "flagship" and not fields:
            continue  # a list of flagship names, not a flagship's description
        if rid in seen:
            logger.warning("catalogue.duplicate_id source=%s id=%s", doc.source, rid)
            continue
        seen.add(rid)
        start = lines[h.line].start + (len(lines[h.line].text) - len(lines[h.line].text.lstrip()))
        span = _span(doc, start, _block_end(lines, h.line, stop))
        name = h.title.replace("**", "").strip()
        if h.kind == "service":
            items.append(_service_item(doc, en, rid, name, span, sections, fields, tags, places))
        else:
            entry = en.flagships_by_name.get(normalise_name(name)) or en.flagships.get(h.key)
            name_en, summary_en = _en(entry, "flagship", rid)
            areas = tuple(int(a) for a in (entry or {}).get("areas", ()))
            stages = _stage_order((entry or {}).get("stages", ())) or _stage_order(
                s for a in areas for s in en.area_stages(a)
            )
            items.append(
                CatalogueItem(
                    id=rid,
                    kind="flagship",
                    name=name,
                    name_en=name_en,
                    summary_en=summary_en,
                    span=span,
                    urls=_urls(span.quote),
                    stages=stages,
                    areas=areas,
                    tags=tags,
                    fields=fields,
                    places=places,
                )
            )
    return items


def _service_item(
    doc: Document,
    en: _English,
    rid: str,
    name: str,
    span: SourceSpan,
    sections: Mapping[str, str],
    fields: _Fields,
    tags: tuple[str, ...],
    places: _Places,
) -> CatalogueItem:
    letter = rid.split(".")[0]
    entry = en.services_by_name.get(normalise_name(name))
    if entry is None:
        entry = en.services.get(rid)
        if entry is not None:
            logger.warning("catalogue.english_by_id_only source=%s id=%s", doc.source, rid)
    name_en, summary_en = _en(entry, "unhabitat_service", rid)
    section = en.sections.get(letter, {})
    section_title = sections.get(letter, "")
    if section.get("zh") and section_title and normalise_name(section["zh"]) != normalise_name(section_title):
        logger.warning("catalogue.section_title_changed source=%s section=%s", doc.source, letter)
    areas = tuple(int(a) for a in section.get("areas", ()))
    stages = _stage_order(section.get("stages", ())) or _stage_order(s for a in areas for s in en.area_stages(a))
    return CatalogueItem(
        id=rid,
        kind="unhabitat_service",
        name=name,
        name_en=name_en,
        summary_en=summary_en,
        span=span,
        urls=_urls(span.quote),
        stages=stages,
        areas=areas,
        section=letter,
        section_title=section_title,
        section_title_en=str(section.get("en", "")),
        tags=tags,
        fields=fields,
        places=places,
    )


# --- public entry point -----------------------------------------------------------------------------------------


def is_mcr_overview(doc: Document) -> bool:
    """True when ``doc`` has a thematic-area heading followed (inside its block) by a tool list."""
    text = doc.text
    return any(
        any(_TOOLS_RE.match(ln.text) for ln in _split_lines(text[a.start : a.end])) for a in find_thematic_areas(doc)
    )


def is_service_catalogue(doc: Document) -> bool:
    """True when ``doc`` has a service heading (``A.1. …``) under a section heading of the same letter."""
    open_sections: set[str] = set()
    for h in _headings(doc.text, _split_lines(doc.text)):
        if h.kind == "section":
            open_sections.add(h.key)
        elif h.kind == "service" and h.key.split(".")[0] in open_sections:
            return True
    return False


def extract_catalogue(documents: Sequence[Document], english: Mapping) -> list[CatalogueItem]:
    """All catalogue records of ``documents``, in document order; documents of neither structure yield nothing.

    Ids are stable across runs (service ids as printed, ``flagship-N``, curated ``mcr-…`` slugs, or a hash of the
    normalised name for an uncurated tool). When two documents yield the same id the first one wins.
    """
    en = _English.from_mapping(english)
    items: list[CatalogueItem] = []
    ids: set[str] = set()
    for doc in documents:
        found: list[CatalogueItem] = []
        if is_mcr_overview(doc):
            found.extend(_extract_mcr(doc, en))
        if is_service_catalogue(doc):
            found.extend(_extract_unhabitat(doc, en))
        for item in found:
            if item.id in ids:
                logger.warning("catalogue.duplicate_id source=%s id=%s", doc.source, item.id)
                continue
            ids.add(item.id)
            items.append(item)
        logger.info("catalogue.extracted source=%s records=%d", doc.source, len(found))
    return items
