"""Where a text breaks into sentences: one rule for every part that reads sentences (ingest's alignment, the
answer scorer, search's sentence re-ranking), so a sentence is the same span wherever it is read.

:func:`split_sentences` cuts a range of a text into sentence and list-item spans: Chinese end punctuation, or a
Latin ``.!?`` before whitespace, a line end or a Han character, never across a line break; an abbreviation's, an
initial's or a label's period does not end a sentence.

:data:`PAGE_BREAK_IN_SENTENCE` is where an extraction broke one Latin sentence with a blank line at a page end
("…unfolds in three" / blank line / "phases of global commitment…"): the chunker does not end a passage there and
the answer scorer reads the two parts as one unit (:func:`broken_by_page_break`). ``split_sentences`` still never
crosses a line break: the alignment of a text with its translation was measured with it.
:func:`broken_han_sentence` is the same break in Chinese prose ("…以及建设更加" / blank line / "综合、有韧性…。"), which
has no capital letter to tell a new sentence: the answer scorer reads the two parts as one unit.
"""

from __future__ import annotations

import re

from retriever.language import HAN_CLASS

__all__ = [
    "CITATION",
    "CLOSERS",
    "PAGE_BREAK_IN_SENTENCE",
    "broken_by_page_break",
    "broken_han_sentence",
    "split_sentences",
]

CLOSERS = "\"'”’」』）)\\]"
# A citation superscript as the extraction writes it: ^[1], ^{[5][9][10]}, ^{[12]~[14]}.
CITATION = r"\^\{?(?:\[[^\[\]\n]{1,24}\][~\-–,]?)+\}?"
_SENTENCE_END = re.compile(
    rf"[。！？]+[{CLOSERS}]*(?:{CITATION})?"
    rf"|(?P<latin>[.!?]+)[{CLOSERS}]*(?:{CITATION})?(?=\s|$|[\u3400-\u9fff])"
)
_ABBREVIATIONS = frozenset(
    {"al", "approx", "cf", "dr", "e.g", "ed", "eds", "eg", "eq", "fig", "figs", "i.e", "ie", "mr", "mrs", "ms"}
    | {"no", "nos", "p", "pp", "prof", "ref", "refs", "st", "vol", "vols", "vs"}
)
"""Words whose period never ends a sentence (compared case-folded, trailing period dropped)."""
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


_LABEL = re.compile(r"(?:[^\s\d]{1,10}\s?)?\(?(?:\d{1,3}|[A-Za-z])(?:\.\d{1,3})*\)?")


def _ends_sentence(line: str, cut: int, m: re.Match[str]) -> bool:
    """False for a Latin period that is an abbreviation's or an initial's, closes a label (``1.``, ``图 2.``,
    ``A.3.``) or is followed by a lowercase word."""
    latin = m.group("latin")
    if latin is None or latin != ".":
        return True
    if _LABEL.fullmatch(line[cut : m.start()].strip()):
        return False
    before = _WORD_BEFORE.search(line, 0, m.start())
    if before:
        word = before.group(1)
        if word.casefold().rstrip(".") in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            return False
    rest = line[m.end() :].lstrip()
    return not (rest[:1].isalpha() and rest[:1].islower() and rest[:1].isascii())


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence and list-item spans of ``text[start:end]``: ``(start, end)`` offsets into ``text``, whitespace
    trimmed, never across a line break, covering every non-whitespace character of the range.

    A sentence ends at Chinese end punctuation (``。！？``) or at a Latin ``.!?`` followed by whitespace, a line
    end or a Han character, with any closing quotes, brackets and a citation superscript (``^{[5][9]}``) after it.
    So ``A.3``, ``2.5`` and URLs stay whole; a period after an abbreviation (``Fig.``, ``e.g.``), an initial
    (``C. S. Holling``) or before a lowercase word does not end a sentence.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        line = text[pos:line_end]
        cut = 0
        for m in _SENTENCE_END.finditer(line):
            if _ends_sentence(line, cut, m):
                _add_trimmed(spans, line, pos, cut, m.end())
                cut = m.end()
        _add_trimmed(spans, line, pos, cut, len(line))
        pos = line_end + 1
    return spans


def _add_trimmed(spans: list[tuple[int, int]], line: str, offset: int, a: int, b: int) -> None:
    piece = line[a:b]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((offset + a + lead, offset + a + lead + len(stripped)))


PAGE_BREAK_IN_SENTENCE = re.compile(r"[A-Za-z,]([ \t]*\n(?:[ \t]*\n)+[ \t]*)(?=[a-z])")
"""The line before ends in a letter or a comma, the next non-blank line starts in lower case; group 1 is the break."""


def broken_by_page_break(text: str, end: int, start: int) -> bool:
    """Whether the text before ``end`` and the text from ``start`` are one sentence that a page break split (only
    the break between them)."""
    m = PAGE_BREAK_IN_SENTENCE.match(text, end - 1) if end > 0 else None
    return m is not None and m.end(1) == start


# Chinese prose broken at a page end: the line before is prose (it holds a comma, an enumeration comma or a full
# stop) and stops inside a sentence (on a Han character or a comma); the blank line(s) between; the line after goes
# on in prose and ends the sentence on that line (a full stop or semicolon in it), and is no caption or label line
# ("© 联合国人居署", "图：…", "资料来源：…", "概述：…", "更多信息").
_HAN_PROSE_LINE = re.compile(r"[，、。；]")
_HAN_STOPS_INSIDE = re.compile(f"[{HAN_CLASS}，、]$")
_HAN_BREAK = re.compile(r"[ \t]*\n(?:[ \t]*\n)+[ \t]*")
_HAN_GOES_ON = re.compile(f"[{HAN_CLASS}“]")
_HAN_SENTENCE_END = re.compile(r"[。；！？]")
_HAN_NOT_PROSE = re.compile(
    r"^(?:©|照片|图\s*\d*\s*[：:]|表\s*\d|资料来源|来源|本地图|" + f"[{HAN_CLASS}]" + r"{2,6}[：:])"  # "概述：…"
)


def broken_han_sentence(text: str, end: int, start: int) -> bool:
    """Whether the Chinese text before ``end`` and the text from ``start`` are one sentence a page break split (only
    blank lines between them); headings are the caller's to rule out."""
    if end <= 0 or start >= len(text) or not _HAN_BREAK.fullmatch(text, end, start):
        return False
    line_before = text[text.rfind("\n", 0, end) + 1 : end]
    line_end = text.find("\n", start)
    line_after = text[start : line_end if line_end >= 0 else len(text)]
    return bool(
        _HAN_STOPS_INSIDE.search(line_before)
        and _HAN_PROSE_LINE.search(line_before)
        and "©" not in line_before  # a photo's caption and credit
        and _HAN_GOES_ON.match(line_after)
        and _HAN_SENTENCE_END.search(line_after)
        and not _HAN_NOT_PROSE.match(line_after)
    )
