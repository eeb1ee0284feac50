"""Structure-aware splitting of a Document into citable Chunks: heading detection, section paths, sizes, overlap.

Headings
    Lines are recognised as headings by shape, never by file name or position. Each heading has a rank (smaller is
    outer); a heading closes every open heading of the same or a deeper rank, and the open headings form the
    ``section`` path of the text below them.

    ====  =======================================================================================================
    rank  kind
    ====  =======================================================================================================
    0     chapter: ``第二章``, ``第一章 简介``, ``Chapter 3``, ``Part II`` (a trailing page number is dropped);
          the first line after a lasting change of language (an English paper followed by its Chinese
          translation: at least 80% of 1000-3000 letters on each side in one language)
    1     Chinese numeral section: ``一、导言``, ``第一节``
    2     lettered section ``A. 城市数据、资料收集和监测``; roadmap stage ``A 阶段：推进城市认知``; ``（一）``
    3     lettered item ``A.1. 创新的…`` (a catalogue service). A misprinted item number is repaired here and
          only here (:func:`repair_item_number`; the catalogue reads the repaired number from :class:`Heading`):
          inside lettered section X whose last item was X.k, ``N.M. title`` with M == k+1 is item X.M, labelled
          ``X.M. title``, when N is the ordinal of X (A=1, B=2, …) or, in section I, a glyph read for "I"
          (``1``, ``l``, ``|``, ``Ⅰ``): the Service Catalogue prints ``1.2.`` for ``I.2.``
    dyn   numbered ``1 Introduction`` / ``3.1 Title`` / ``2. 参加实体``, and labelled ``专题领域 2：…`` or
          ``旗舰项目 1：…``: one rank below the innermost open heading of a kind above (0 when there is
          none), plus one per numbering depth. Numbers must follow their predecessor (1, or previous + 1/+2),
          a run of consecutive numbered lines is a list, and all-capital titles (SDG icon text) are not headings
    5+    markdown ``#`` … ``######`` whose text is none of the above (5 + level - 1)
    19    FAQ header (``常见问题 (FAQ)``)
    20    minor: a standalone question line, an all-capitals line before Latin text (``ABSTRACT``, ``NOTE``), a
          short caption before a tab-separated table, a short title line between a finished paragraph and a
          longer one (``证言``, ``战略伙伴关系``). Minor headings (19-20) are soft: they name sections, but
          small neighbouring minor sections may share a chunk
    ====  =======================================================================================================

    Except for markdown headings, a heading is one short line (no tab, no URL, not ending in ``。.,，;；:：、!！``)
    that starts a paragraph: the line before it is blank or ends a sentence. Minor headings and all-capitals
    lines must stand alone between blank lines. Numbered paragraphs (``1. 本报告…。``) are not headings.

Chunks
    The text between two headings is a segment. A chunk never spans text of two segments unless the heading
    ranks along it strictly increase, soft minor headings aside: a chapter line, a section line and the first
    service of that section may share a chunk; two services, or two headings of the same rank, never do. Tiny
    leading segments (a chapter or section line) are joined to the segment that follows, and a small piece is
    merged with its neighbour when the ranks allow it and the result fits. A chunk's ``section`` is the path of
    the first segment that holds at least a quarter of its body text.

    A chunk holds at most ``max_chars_zh`` characters when it is Chinese (``ingest.language.is_chinese``, the rule
    behind ``lang == "zh"``) and ``max_chars_en`` otherwise. Long text is cut at the strongest boundary in the
    last three quarters of the allowed window: blank line, then line end, sentence end (``。！？；.!?;``), tab,
    clause punctuation or space, and only then inside a word; a blank line inside a Latin sentence (a page break
    of the extraction: the line before ends in a letter or a comma, the next starts in lower case) counts as a
    space. After a cut inside a paragraph the next chunk
    starts up to ``overlap_chars`` earlier, at a sentence or line start. Chunk text is stripped by moving its
    offsets, so ``doc.text[c.start:c.end] == c.text`` and every non-whitespace character is in some chunk.

Bump :data:`CHUNKER_VERSION` whenever the output for the same input changes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from ingest.language import detect_lang, is_chinese
from ingest.normalize import strip_markup
from retriever.errors import InvalidRequest
from retriever.language import HAN, HAN_CLASS
from retriever.sentences import PAGE_BREAK_IN_SENTENCE
from retriever.types import Chunk, Document

__all__ = ["CHUNKER_VERSION", "Heading", "detect_headings", "repair_item_number", "split_document"]

logger = logging.getLogger(__name__)

# 2: one item-number repair rule (a "1" reads as "I" in section I only; l, |, Ⅰ too)
# 3: a page break inside a Latin sentence is no paragraph end
CHUNKER_VERSION = "3"

# -- heading detection ----------------------------------------------------------------------------------------

RANK_CHAPTER = 0
RANK_CN_SECTION = 1
RANK_SECTION = 2
RANK_ITEM = 3
RANK_MARKDOWN_BASE = 5
RANK_FAQ = 19
RANK_MINOR = 20
PREAMBLE_RANK = -1

_NUMBERED_PARENTS = frozenset({"chapter", "cn_section", "section", "cn_paren", "item"})
_LABELLED_PARENTS = _NUMBERED_PARENTS | {"stage"}
_RELATIVE_KINDS = frozenset({"numbered", "label_num"})

MAX_HEADING_CHARS = 120
MAX_HEADING_HAN = 50
MAX_MINOR_CHARS_ZH = 30
MAX_MINOR_CHARS_EN = 80
LABEL_MAX_CHARS = 120

_CN_NUM = "一二三四五六七八九十百零〇两"
_HAN_RE = HAN
_LETTER_RE = re.compile(f"[A-Za-z{HAN_CLASS}]")

_MARKDOWN = re.compile(r"^ {0,3}(#{1,6}) +([^\t]*?)(?: +#+)? *$")
_CHAPTER = re.compile(rf"^第\s*[{_CN_NUM}\d]+\s*[章篇]\s*(.*)$")
_CHAPTER_EN = re.compile(r"^(?:Chapter|CHAPTER|Part|PART)\s+(?:\d{1,3}|[IVXLC]{1,6})\b[.:]?\s*(.*)$")
_CN_SECTION = re.compile(rf"^(?:[{_CN_NUM}]+[、．]|第[{_CN_NUM}\d]+节)\s*(\S.*)$")
_CN_PAREN = re.compile(rf"^[（(][{_CN_NUM}]+[）)]\s*(\S.*)$")
_STAGE = re.compile(r"^(?:[A-Z]\s*阶段|阶段\s*[A-Z]|Stage\s+[A-Z])\s*[：:]\s*\S")
_ITEM = re.compile(r"^([A-Z])[.．](\d{1,2})(?:[.．]\s*|\s+)(\S.*)$")
_SECTION = re.compile(r"^([A-Z])[.．]\s*(\S.*)$")
_MISPRINT = re.compile(r"^(\d{1,2}|[l|Ⅰ])[.．](\d{1,2})[.．]\s*(\S.*)$")
_GLYPHS_FOR_I = frozenset({"1", "l", "|", "Ⅰ"})
_NUMBERED = re.compile(r"^(\d{1,2}(?:[.．]\d{1,2}){0,3})(?:[.．、]\s*|\s+)(\S.*)$")
_LABEL_NUM = re.compile(r"^[\u4e00-\u9fff]{2,8}\s*(\d{1,2})\s*[：:]\s*(\S.*)$")
_ALLCAPS = re.compile(r"^[A-Z][A-Z &/-]*[A-Z]$")
_FAQ = re.compile(r"\bFAQs?\b|常见问题|Frequently Asked Questions", re.IGNORECASE)
_TOC_LINE = re.compile(r"\t\s*\d{1,4}\s*$")
_NOT_HEADING_END = tuple("。.，,；;：:、!！")
_SENTENCE_END = tuple("。.!?！？:：;；")
_PARAGRAPH_END = (*_SENTENCE_END, ")", "）", ">", "”", "」")
_MINOR_BAD_START = tuple("©@-*+•·|<>[(（#\"“'‘")
_DOTTED_TOKEN = re.compile(r"\w\.\w")


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading line: ``text[start:end]`` is the line, ``rank`` its depth (smaller is outer), ``label`` the
    cleaned text used in section paths, ``kind`` the rule that matched.

    ``number`` is the heading's number as it should read, misprints repaired (``"A"`` for a lettered section,
    ``"I.2"`` for an item printed ``1.2.``, ``"3.1"``, ``"1"`` for ``旗舰项目 1：…``), empty for kinds without one;
    ``title`` is the text after the number as printed (surrounding ``**`` and whitespace removed, not shortened),
    or the whole line for kinds without a number. The catalogue extraction reads services, sections and
    flagships from these fields, so chunks and catalogue records agree on sections."""

    start: int
    end: int
    rank: int
    kind: str
    label: str
    number: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class _Found:
    """What one classification rule found on a line (a :class:`Heading` without its position)."""

    kind: str
    rank: int
    label: str
    number: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int
    raw: str
    text: str  # stripped, surrounding ** removed
    blank: bool


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        inner = stripped
        if len(inner) > 4 and inner.startswith("**") and inner.endswith("**"):
            inner = inner[2:-2].strip()
        out.append(_Line(pos, pos + len(raw), raw, inner, not stripped))
        pos += len(raw) + 1
    return out


def _heading_like(s: str) -> bool:
    if not s or "\t" in s or len(s) > MAX_HEADING_CHARS or len(_HAN_RE.findall(s)) > MAX_HEADING_HAN:
        return False
    if s.endswith(_NOT_HEADING_END) or "://" in s or "<http" in s:
        return False
    return bool(_LETTER_RE.search(s))


def _label(s: str) -> str:
    label = strip_markup(s)
    return label[:LABEL_MAX_CHARS].rstrip()


def _shouty(title: str) -> bool:
    """All-capital Latin titles (``NO POVERTY 10 REDUCED INEQUALITIES``) are icon debris, not headings."""
    letters = [ch for ch in title if "A" <= ch <= "Z" or "a" <= ch <= "z"]
    return len(letters) >= 6 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def _is_minor_candidate(s: str) -> bool:
    if not s or s.startswith(_MINOR_BAD_START) or any(mark in s for mark in ("\t", "://", "@", "©", "www.")):
        return False
    if _DOTTED_TOKEN.search(s):  # domain names, file names, numbers such as 13.5
        return False
    limit = MAX_MINOR_CHARS_ZH if is_chinese(s) else MAX_MINOR_CHARS_EN
    return 2 <= len(s) <= limit and _heading_like(s)


class _HeadingScanner:
    """One pass over the lines, keeping the open headings and the numbering state."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.switches = _language_switches(lines)
        self.stack: list[Heading] = []
        self.headings: list[Heading] = []
        self.last_item: dict[str, int] = {}
        self.last_number: dict[tuple[int, ...], int] = {}
        self.heading_at: set[int] = set()

    def run(self) -> list[Heading]:
        for i, line in enumerate(self.lines):
            if line.blank:
                continue
            if i in self.switches and _heading_like(line.text):
                self.last_item.clear()
                self.last_number.clear()
                found: _Found | None = _Found("language", RANK_CHAPTER, _label(line.text))
            else:
                found = self._classify(i, line)
            if found is None:
                continue
            rank = found.rank
            title = found.title or line.text
            heading = Heading(line.start, line.end, rank, found.kind, found.label, found.number, title)
            while self.stack and self.stack[-1].rank >= rank:
                self.stack.pop()
            self.stack.append(heading)
            self.headings.append(heading)
            self.heading_at.add(i)
        return self.headings

    # -- context helpers

    def _blank(self, i: int) -> bool:
        return i < 0 or i >= len(self.lines) or self.lines[i].blank

    def _opens_paragraph(self, i: int) -> bool:
        if self._blank(i - 1) or (i - 1) in self.heading_at:
            return True
        return self.lines[i - 1].raw.rstrip().endswith(_SENTENCE_END)

    def _standalone(self, i: int) -> bool:
        return self._blank(i - 1) and self._blank(i + 1)

    def _after_complete_paragraph(self, i: int) -> bool:
        """The previous non-blank line is a heading or ends a sentence (a caption follows debris instead)."""
        for j in range(i - 1, max(-1, i - 12), -1):
            if not self.lines[j].blank:
                return j in self.heading_at or self.lines[j].raw.rstrip().endswith(_PARAGRAPH_END)
        return True

    def _next_text(self, i: int) -> str:
        for j in range(i + 1, min(len(self.lines), i + 12)):
            if not self.lines[j].blank:
                return self.lines[j].raw.strip()
        return ""

    def _dynamic_base(self, parents: frozenset[str]) -> int:
        fixed = [h.rank for h in self.stack if h.kind in parents]
        return max(fixed) + 1 if fixed else 0

    def _open_section(self) -> Heading | None:
        for h in reversed(self.stack):
            if h.kind == "section":
                return h
        return None

    # -- classification

    def _classify(self, i: int, line: _Line) -> _Found | None:
        s = line.text
        if _TOC_LINE.search(line.raw):
            return None
        md = _MARKDOWN.match(line.raw)
        if md:
            inner = md.group(2).strip()
            if not inner:
                return None
            markdown_rank = RANK_MARKDOWN_BASE + len(md.group(1)) - 1
            found = self._classify_text(inner, i, explicit=True, opens_paragraph=True)
            if found is None:
                return _Found("markdown", markdown_rank, _label(inner), title=inner)
            if found.kind in _RELATIVE_KINDS:  # the author's markdown level beats a relative rank
                return replace(found, rank=markdown_rank)
            return replace(found, title=found.title or inner)
        if not _heading_like(s):
            return None
        found = self._classify_text(s, i, explicit=False, opens_paragraph=self._opens_paragraph(i))
        return found if found is not None else self._classify_minor(i, s)

    def _classify_text(self, s: str, i: int, *, explicit: bool, opens_paragraph: bool) -> _Found | None:
        """Pattern headings. Kinds marked in Chinese (章, 、, （一）, 阶段, 领域 N：) may follow any line; lettered and
        numbered ones must open a paragraph, since a wrapped line can start with ``A. `` or ``2 ``."""
        m = _CHAPTER.match(s) or _CHAPTER_EN.match(s)
        if m:
            rest = m.group(1).strip()
            head = s[: len(s) - len(rest)].strip() if rest else s
            label = head if (not rest or rest.isdigit()) else f"{head} {rest}"
            self.last_item.clear()
            self.last_number.clear()
            return _Found("chapter", RANK_CHAPTER, _label(label))
        if _CN_SECTION.match(s):
            self.last_number.clear()
            return _Found("cn_section", RANK_CN_SECTION, _label(s))
        if _CN_PAREN.match(s):
            return _Found("cn_paren", RANK_SECTION, _label(s))
        if _STAGE.match(s):
            return _Found("stage", RANK_SECTION, _label(s))
        m = _LABEL_NUM.match(s)
        if m:
            return _Found("label_num", self._dynamic_base(_LABELLED_PARENTS), _label(s), m.group(1), m.group(2))
        if not opens_paragraph:
            return None
        m = _ITEM.match(s)
        if m and not m.group(3)[0].isdigit():
            letter, number = m.group(1), int(m.group(2))
            self.last_item[letter] = number
            return _Found("item", RANK_ITEM, _label(s), f"{letter}.{number}", m.group(3))
        m = _SECTION.match(s)
        if m and not m.group(2)[0].isdigit() and not re.match(r"[A-Z][.．]", m.group(2)):
            self.last_item[m.group(1)] = 0
            self.last_number.clear()
            return _Found("section", RANK_SECTION, _label(s), m.group(1), m.group(2))
        misprint = self._misprinted_item(s)
        if misprint is not None:
            return misprint
        m = _NUMBERED.match(s)
        if m:
            return self._numbered(m, s, i, explicit=explicit)
        return None

    def _misprinted_item(self, s: str) -> _Found | None:
        m = _MISPRINT.match(s)
        section = self._open_section()
        if not m or section is None:
            return None
        letter = section.number
        title = m.group(3)
        number = repair_item_number(m.group(1), int(m.group(2)), letter, self.last_item.get(letter, 0))
        if number is None or title[0].isdigit():
            return None
        self.last_item[letter] = int(m.group(2))
        return _Found("item", RANK_ITEM, _label(f"{number}. {title}"), number, title)

    def _numbered(self, m: re.Match[str], s: str, i: int, *, explicit: bool) -> _Found | None:
        number, title = m.group(1), m.group(2)
        if title[0].isdigit() or _shouty(title):
            return None
        parts = tuple(int(p) for p in re.split(r"[.．]", number))
        prefix, last = parts[:-1], parts[-1]
        previous = self.last_number.get(prefix)
        if not explicit:
            if not (last == 1 or (previous is not None and previous < last <= previous + 2)):
                return None
            nxt = _NUMBERED.match(self.lines[i + 1].text) if i + 1 < len(self.lines) else None
            if nxt and len(re.split(r"[.．]", nxt.group(1))) == len(parts):
                return None  # a run of numbered lines is a list
        self.last_number[prefix] = last
        for key in [k for k in self.last_number if len(k) > len(prefix)]:
            del self.last_number[key]
        rank = self._dynamic_base(_NUMBERED_PARENTS) + len(parts) - 1
        return _Found("numbered", rank, _label(s), ".".join(map(str, parts)), title)

    def _classify_minor(self, i: int, s: str) -> _Found | None:
        if not self._standalone(i) or not _is_minor_candidate(s):
            return None
        following = self._next_text(i)
        if _FAQ.search(s):
            return _Found("faq", RANK_FAQ, _label(s))
        if _ALLCAPS.match(s) and sum(ch.isalpha() for ch in s) >= 4:
            return _Found("caps", RANK_MINOR, _label(s)) if following and not is_chinese(following) else None
        if "\t" in following:
            return _Found("caption", RANK_MINOR, _label(s))
        if s.endswith(("?", "？")):
            if re.search(r"[。！!]", s) or following.endswith(("?", "？")) or not following:
                return None
            return _Found("question", RANK_MINOR, _label(s))
        if re.search(r"[，,。；;！!？?]", s) or s[0].isdigit():
            return None
        if (
            len(following) >= 40
            and len(following) >= 2 * len(s)
            and not following.startswith(("©", "[", "<", "!", "http"))
            and self._after_complete_paragraph(i)
        ):
            return _Found("title", RANK_MINOR, _label(s))
        return None


SWITCH_WINDOW_CHARS = 3000
SWITCH_MIN_CHARS = 1000
SWITCH_MAJORITY = 0.8


def _language_switches(lines: list[_Line]) -> set[int]:
    """Line indices where the text changes language for good (an English paper followed by its Chinese
    translation): the paragraphs before are at least 80% one language and those after 80% the other, over up to
    3000 characters with at least 1000 on each side. Short mixed passages never qualify."""
    paragraphs: list[tuple[int, int, bool]] = []  # (first line index, weight, is Chinese)
    first: int | None = None
    parts: list[str] = []
    for i, line in enumerate([*lines, _Line(0, 0, "", "", True)]):
        if not line.blank:
            if first is None:
                first = i
            parts.append(line.raw)
            continue
        if first is not None:
            body = "\n".join(parts)
            weight = len(_LETTER_RE.findall(body))
            if weight >= 10:
                paragraphs.append((first, weight, is_chinese(body)))
            first, parts = None, []
    switches: set[int] = set()
    for k in range(1, len(paragraphs)):
        if paragraphs[k][2] == paragraphs[k - 1][2]:
            continue
        before = _side_majority(paragraphs, k - 1, -1, paragraphs[k - 1][2])
        if before and _side_majority(paragraphs, k, 1, paragraphs[k][2]):
            switches.add(paragraphs[k][0])
    return switches


def _side_majority(paragraphs: list[tuple[int, int, bool]], start: int, step: int, chinese: bool) -> bool:
    total = same = 0
    k = start
    while 0 <= k < len(paragraphs) and total < SWITCH_WINDOW_CHARS:
        _, weight, is_zh = paragraphs[k]
        total += weight
        same += weight if is_zh == chinese else 0
        k += step
    return total >= SWITCH_MIN_CHARS and same >= SWITCH_MAJORITY * total


def repair_item_number(printed: str, minor: int, section: str, last_item: int) -> str | None:
    """The item number (``"I.2"``) that a heading printed ``<printed>.<minor>.`` stands for inside lettered section
    ``section`` whose last item so far was number ``last_item`` (0: none yet), or None when it is no misprint.

    The one repair rule of the project: the item must continue the section's sequence (``last_item >= 1`` and
    ``minor == last_item + 1``), and ``printed`` must be the section letter's ordinal (``"2"`` in section B) or,
    in section I, a glyph that reads as "I" (``1``, ``l``, ``|``, ``Ⅰ``).
    """
    if len(section) != 1 or not "A" <= section <= "Z" or last_item < 1 or minor != last_item + 1:
        return None
    ordinal = str(ord(section) - ord("A") + 1)
    if printed.lstrip("0") == ordinal or (section == "I" and printed in _GLYPHS_FOR_I):
        return f"{section}.{minor}"
    return None


def detect_headings(text: str) -> list[Heading]:
    """The heading lines of ``text`` in order, with ranks and labels (rules in the module docstring)."""
    return _HeadingScanner(_lines(text)).run()


# -- segments -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Segment:
    start: int
    end: int
    rank: int
    path: tuple[str, ...]
    body_start: int  # where the text after the heading line begins


def _segments(text: str, headings: list[Heading]) -> list[_Segment]:
    segments: list[_Segment] = []
    if not headings or headings[0].start > 0:
        first = headings[0].start if headings else len(text)
        segments.append(_Segment(0, first, PREAMBLE_RANK, (), 0))
    stack: list[Heading] = []
    for n, heading in enumerate(headings):
        while stack and stack[-1].rank >= heading.rank:
            stack.pop()
        stack.append(heading)
        end = headings[n + 1].start if n + 1 < len(headings) else len(text)
        path = tuple(h.label for h in stack)
        segments.append(_Segment(heading.start, end, heading.rank, path, min(heading.end, end)))
    return segments


# -- boundaries -----------------------------------------------------------------------------------------------

HARD, SOFT, TAB, SENTENCE, LINE, PARAGRAPH = range(6)
_SENTENCE_CHARS = frozenset("。！？；")
_SENTENCE_ASCII = frozenset(".!?;")
_CLAUSE_CHARS = frozenset("，、：,:")
_CLOSERS = frozenset("”’\"')）】」』》]")


def _boundaries(text: str, heading_starts: set[int]) -> bytearray:
    """``strength[p]``: how good a place position ``p`` (a cut before ``text[p]``) is to end a chunk."""
    n = len(text)
    strength = bytearray(n + 1)
    strength[n] = PARAGRAPH
    line_start = 0
    for i, ch in enumerate(text):
        if ch == "\n":
            blank = not text[line_start:i].strip()
            strength[i + 1] = PARAGRAPH if (blank or (i + 1) in heading_starts) else LINE
            line_start = i + 1
            continue
        if ch in _SENTENCE_CHARS or (ch in _SENTENCE_ASCII and (i + 1 == n or text[i + 1].isspace())):
            j = _after_closers(text, i + 1)
            if strength[j] < SENTENCE:
                strength[j] = SENTENCE
        elif ch == "\t":
            if strength[i + 1] < TAB:
                strength[i + 1] = TAB
        elif (ch in _CLAUSE_CHARS or ch == " ") and strength[i + 1] < SOFT:
            strength[i + 1] = SOFT
    for m in PAGE_BREAK_IN_SENTENCE.finditer(text):  # a page break inside a sentence is no paragraph end
        strength[m.start(1) : m.end(1) + 1] = bytes([SOFT]) * (m.end(1) - m.start(1) + 1)
    for start in heading_starts:
        strength[start] = PARAGRAPH
    strength[0] = PARAGRAPH
    return strength


def _after_closers(text: str, j: int) -> int:
    """Skip closing quotes, brackets and closing HTML tags (``。</p>``) that belong to the sentence just ended."""
    n = len(text)
    while j < n:
        if text[j] in _CLOSERS:
            j += 1
            continue
        if text.startswith("</", j):
            close = text.find(">", j, j + 12)
            if close != -1 and text[j + 2 : close].isalnum():
                j = close + 1
                continue
        break
    return j


def _best_cut(strength: bytearray, lo: int, hi: int) -> tuple[int, int]:
    """The farthest position of the highest strength in ``[lo, hi]`` (``lo <= hi``)."""
    best_pos, best_strength = hi, -1
    for p in range(hi, lo - 1, -1):
        s = strength[p]
        if s > best_strength:
            best_pos, best_strength = p, s
            if s == PARAGRAPH:
                break
    return best_pos, best_strength


# -- splitting ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int
    end: int
    first_segment: int
    last_segment: int


class _Splitter:
    def __init__(self, text: str, max_zh: int, max_en: int, overlap: int, strength: bytearray) -> None:
        self.text = text
        self.max_zh = max_zh
        self.max_en = max_en
        self.overlap = overlap
        self.strength = strength

    def limit(self, text: str) -> int:
        return self.max_zh if is_chinese(text) else self.max_en

    def fits(self, start: int, end: int) -> bool:
        size = end - start
        if size <= min(self.max_zh, self.max_en):
            return True
        if size > max(self.max_zh, self.max_en):
            return False
        return size <= self.limit(self.text[start:end])

    def small(self, start: int, end: int) -> bool:
        size = end - start
        if size < max(1, min(self.max_zh, self.max_en) // 4):
            return True
        if size >= max(1, max(self.max_zh, self.max_en) // 4):
            return False
        return size < max(1, self.limit(self.text[start:end]) // 4)

    def strip(self, start: int, end: int) -> tuple[int, int]:
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end

    def split(self, start: int, end: int) -> list[tuple[int, int]]:
        """Cut ``[start, end)`` into stripped, size-limited, ordered, overlapping spans covering its text."""
        text = self.text
        spans: list[tuple[int, int]] = []
        pos, end = self.strip(start, end)
        previous_end = pos
        while pos < end:
            if self.fits(pos, end):
                spans.append((pos, end))
                break
            window = self.limit(text[pos : pos + max(self.max_zh, self.max_en)])
            cut, cut_strength = self._cut(pos, end, window, previous_end)
            a, b = self.strip(pos, cut)
            if not self.fits(a, b):  # the piece is in the other language than its window: use the smaller limit
                window = min(self.max_zh, self.max_en)
                cut, cut_strength = self._cut(pos, end, window, previous_end)
                a, b = self.strip(pos, cut)
            spans.append((a, b))
            previous_end = cut
            pos = self._next_start(a, cut, cut_strength, window)
            pos, _ = self.strip(pos, end)
        return spans

    def _cut(self, pos: int, end: int, window: int, previous_end: int) -> tuple[int, int]:
        min_len = max(1, window // 4)
        hi = min(pos + window, end)
        lo = max(pos + min_len, previous_end + 1)
        if end - min_len >= lo:
            hi = min(hi, end - min_len)  # leave a remainder that is not trivially small
        lo = min(lo, hi)
        return _best_cut(self.strength, lo, hi)

    def _next_start(self, chunk_start: int, cut: int, cut_strength: int, window: int) -> int:
        """Where the next chunk starts: up to ``overlap`` earlier at a sentence or line start (the overlap stays
        below a quarter of the window, so every chunk adds new text), none after a paragraph break."""
        overlap = min(self.overlap, window // 4 - 1)
        if overlap <= 0 or cut_strength >= PARAGRAPH:
            return cut
        for p in range(max(chunk_start + 1, cut - overlap), cut):
            if self.strength[p] >= SENTENCE:
                return p
        return cut


def _chain_ok(ranks: list[int]) -> bool:
    """Headings along one chunk must deepen strictly; minor headings (rank >= RANK_FAQ) are soft and may repeat."""
    return all(a < b or (a >= RANK_FAQ and b >= RANK_FAQ) for a, b in zip(ranks, ranks[1:], strict=False))


def split_document(
    doc: Document,
    *,
    max_chars_zh: int = 600,
    max_chars_en: int = 1200,
    overlap_chars: int = 80,
) -> list[Chunk]:
    """Split ``doc`` into chunks along its headings (see the module docstring for every rule).

    Deterministic: the same document and arguments give the same chunks and ids (``f"{doc_id}:{n}"``, n from
    0). Raises ``InvalidRequest`` for a non-positive size or a negative overlap.
    """
    if max_chars_zh < 1 or max_chars_en < 1 or overlap_chars < 0:
        raise InvalidRequest(
            f"chunk sizes must be positive and overlap non-negative (max_chars_zh={max_chars_zh}, "
            f"max_chars_en={max_chars_en}, overlap_chars={overlap_chars})"
        )
    text = doc.text
    headings = detect_headings(text)
    segments = _segments(text, headings)
    strength = _boundaries(text, {h.start for h in headings})
    splitter = _Splitter(text, max_chars_zh, max_chars_en, overlap_chars, strength)

    pieces: list[_Piece] = []
    for first, last in _groups(segments, splitter):
        seg_start, seg_end = segments[first].start, segments[last].end
        for a, b in splitter.split(seg_start, seg_end):
            pieces.append(
                _Piece(a, b, _segment_index(segments, a, first, last), _segment_index(segments, b - 1, first, last))
            )
    pieces = _merge_small(pieces, segments, splitter)

    chunks: list[Chunk] = []
    for n, piece in enumerate(pieces):
        chunk_text = text[piece.start : piece.end]
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}:{n}",
                doc_id=doc.doc_id,
                n=n,
                source=doc.source,
                title=doc.title,
                section=_owner_path(piece, segments, text),
                start=piece.start,
                end=piece.end,
                text=chunk_text,
                lang=detect_lang(chunk_text),
                page=doc.page_at(piece.start),
            )
        )
    logger.debug("split doc_id=%s headings=%d chunks=%d", doc.doc_id, len(headings), len(chunks))
    return chunks


def _groups(segments: list[_Segment], splitter: _Splitter) -> list[tuple[int, int]]:
    """Runs of segments split together: a tiny segment is joined by the deeper segment that follows it."""
    groups: list[tuple[int, int]] = []
    n = 0
    while n < len(segments):
        first = last = n
        ranks = [segments[n].rank]
        while last + 1 < len(segments):
            a, b = splitter.strip(segments[first].start, segments[last].end)
            nxt = segments[last + 1]
            if not (b <= a or splitter.small(a, b)) or not _chain_ok([*ranks, nxt.rank]):
                break
            last += 1
            ranks.append(nxt.rank)
        groups.append((first, last))
        n = last + 1
    return groups


def _segment_index(segments: list[_Segment], offset: int, first: int, last: int) -> int:
    for k in range(last, first - 1, -1):
        if segments[k].start <= offset:
            return k
    return first


def _merge_small(pieces: list[_Piece], segments: list[_Segment], splitter: _Splitter) -> list[_Piece]:
    """Merge a small piece into its neighbour across a segment boundary when ranks and size allow."""
    out: list[_Piece] = []
    for piece in pieces:
        if out:
            prev = out[-1]
            if (
                piece.first_segment > prev.last_segment
                and (splitter.small(prev.start, prev.end) or splitter.small(piece.start, piece.end))
                and splitter.fits(prev.start, piece.end)
                and _chain_ok([segments[k].rank for k in range(prev.first_segment, piece.last_segment + 1)])
            ):
                out[-1] = _Piece(prev.start, piece.end, prev.first_segment, piece.last_segment)
                continue
        out.append(piece)
    return out


def _owner_path(piece: _Piece, segments: list[_Segment], text: str) -> tuple[str, ...]:
    """The path of the first segment holding at least a quarter of the piece's body (non-heading) text."""
    weights: list[int] = []
    for k in range(piece.first_segment, piece.last_segment + 1):
        seg = segments[k]
        lo, hi = max(seg.body_start, piece.start), min(seg.end, piece.end)
        weights.append(sum(1 for ch in text[lo:hi] if not ch.isspace()) if hi > lo else 0)
    total = sum(weights)
    if total == 0:
        return segments[piece.last_segment].path
    for k, weight in zip(range(piece.first_segment, piece.last_segment + 1), weights, strict=True):
        if weight * 4 >= total:
            return segments[k].path
    return segments[piece.last_segment].path
