"""Which catalogue record a message names, and the words in the message that name it.

A record is named by its id ("B.2"), by its Chinese or English name or a short form of it that no other record
shares (:func:`short_forms`), or by the acronym its name gives in brackets (:func:`acronyms`). People type names
loosely, so two forgiving passes follow the exact ones, each kept to names long enough that a loose match cannot
be chance:

- **spacing, hyphens, punctuation and case** do not count ("uscore 2" names USCORE2, "Block-by-Block" and "block by
  block" the same methodology, "城市抗灾能力 记分卡" the scorecard): a name of at least ``SQUEEZED_MIN`` letters or
  digits, or ``SQUEEZED_MIN_HAN`` Han characters, is found in the message with both squeezed to those characters;
- **one typo** in a long word ("scorcard", "Estimaton"): an English name of at least two words matches a run of as
  many words of the message when every word is the same but one, and that one is a word of at least
  ``TYPO_MIN_LEN`` letters one edit away (a letter left out, added, changed, or two swapped).

The words returned are the message's own (a slice of it), so the intent matchers can look around them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retriever.language import has_han
from retriever.types import CatalogueItem

__all__ = ["RECORD_ID", "RecordNames", "abbreviates", "acronyms", "short_forms"]

RECORD_ID = re.compile(r"(?<![\w.])([A-K])\.([1-9])(?![\d])")
SQUEEZED_MIN = 6  # letters or digits of a Latin name found with spacing and hyphens ignored ("uscore2")
SQUEEZED_MIN_HAN = 4  # Han characters of a Chinese name found with spacing ignored
TYPO_MIN_LEN = 6  # letters of the one word of a name that may carry a typo
FOUND_CACHE = 1024  # messages whose lookup is remembered (one message is looked up by the router and the handler)
_KEPT = re.compile(r"[0-9a-z\u3400-\u9fff]")  # what a squeezed text keeps (after casefolding)
_WORD = re.compile(r"[A-Za-z0-9]+")


class RecordNames:
    """The names of ``items`` and the lookup over them (the intent table's ``Names``); build once per catalogue."""

    def __init__(self, items: Sequence[CatalogueItem]) -> None:
        self._by_id = {i.id: i for i in items}
        names = [(i.name.strip("《》 "), i) for i in items if len(i.name) >= 4]
        names += [(i.name_en, i) for i in items if len(i.name_en) >= 6]
        short = [(n, i) for name, i in names for n in short_forms(name, titled=i.name.startswith("《"))]
        owners: dict[str, set[str]] = {}
        for n, i in short:
            owners.setdefault(n.casefold(), set()).add(i.id)
        taken = {n.casefold() for n, _ in names}
        names += [(n, i) for n, i in short if len(owners[n.casefold()]) == 1 and n.casefold() not in taken]
        self._names = sorted(names, key=lambda x: -len(x[0]))  # the longest first: "… Addendum" before "…"
        self._acronyms = acronyms(items)
        self._squeezed = [
            (s, i)
            for n, i in self._names
            if len(s := _squeeze(n)) >= (SQUEEZED_MIN_HAN if has_han(n) else SQUEEZED_MIN)
        ]
        self._worded = [
            (words, frozenset(words), i)
            for n, i in self._names
            if not has_han(n) and len(words := tuple(w.casefold() for w in _WORD.findall(n))) >= 2
        ]
        # the intent table and the handler both ask for the same message
        self._found: dict[str, tuple[tuple[CatalogueItem, str] | None]] = {}

    def find(self, text: str) -> tuple[CatalogueItem, str] | None:
        """The record ``text`` names and the words of ``text`` that name it, or None."""
        cached = self._found.get(text)  # (the answer in a 1-tuple: a message that names nothing is cached too)
        if cached is not None:
            return cached[0]
        found = self._find(text)
        if len(self._found) >= FOUND_CACHE:
            self._found.clear()
        self._found[text] = (found,)
        return found

    def _find(self, text: str) -> tuple[CatalogueItem, str] | None:
        m = RECORD_ID.search(text)
        if m and (item := self._by_id.get(f"{m.group(1)}.{m.group(2)}")) is not None:
            return item, m.group(0)
        folded = text.casefold()
        for name, item in self._names:
            if name and name.casefold() in folded:
                return item, name
        for pattern, item in self._acronyms:
            found = pattern.search(text)
            if found:
                return item, found.group(0)
        return self._loosely(text)

    def _loosely(self, text: str) -> tuple[CatalogueItem, str] | None:
        kept = [(n, c.casefold()) for n, c in enumerate(text) if _KEPT.match(c.casefold()[:1])]
        squeezed = "".join(c for _, c in kept)
        for name, item in self._squeezed:
            at = squeezed.find(name)
            if at >= 0 and len(squeezed) == len(kept):  # one character each (casefolding "ß" gives two)
                return item, text[kept[at][0] : kept[at + len(name) - 1][0] + 1]
        words = [(m.group(0).casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]
        seen = {w for w, _, _ in words}
        for name_words, distinct, item in self._worded:
            if len(distinct - seen) > 1:  # more than one word of the name missing: no window can match
                continue
            n = len(name_words)
            for start in range(len(words) - n + 1):
                window = words[start : start + n]
                if _one_typo_apart(name_words, [w for w, _, _ in window]):
                    return item, text[window[0][1] : window[-1][2]]
        return None


def _squeeze(text: str) -> str:
    return "".join(_KEPT.findall(text.casefold()))


def _one_typo_apart(name: Sequence[str], seen: Sequence[str]) -> bool:
    """Every word the same but one, which is long and one edit away."""
    differ = [(a, b) for a, b in zip(name, seen, strict=True) if a != b]
    return len(differ) == 1 and len(differ[0][0]) >= TYPO_MIN_LEN and _one_edit(*differ[0])


def _one_edit(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one letter left out, added or changed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    k = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return short[k:] == long[k + 1 :]


_QUOTES = re.compile(r"[《》“”\"「」]")


def short_forms(name: str, *, titled: bool = False) -> list[str]:
    """Shorter names a record goes by (the uniqueness among records is checked by the caller): the part before a
    colon ("CityRAP" of "CityRAP: 城市韧性行动规划"); a Chinese service title before its purpose clause; the name
    without its quote marks ("阶段评估调查" of "“阶段评估”
    调查"); without the MCR2030 prefix ("Stage Assessment Survey"). For a publication (``titled``: its Chinese name
    is a 《title》), the head it is cited by: after the last 的 ("十大要点" of "创建韧性城市的十大要点"), before "for"
    ("Ten Essentials" of "Ten Essentials for Making Cities Resilient"); other names' heads are generic ("指导意见",
    "Guiding Principles") and are not taken."""
    out = []
    for sep in (":", "："):
        if sep in name:
            head = name.split(sep)[0].strip()
            if len(head) >= 5:
                out.append(head)
    bare = _QUOTES.sub("", name).strip()
    if bare != name and len(bare) >= 4:
        out.append(bare)
    # a Chinese service title's head before its purpose clause ("贫民窟改造及预防战略" of "贫民窟改造及预防战略，减少
    # 贫困和不平等"); not a head that is itself a means ("通过与水务运营商合作，…": by what, not what)
    if has_han(bare) and "，" in bare:
        head = bare.split("，", 1)[0].strip()
        if len(head) >= 6 and not head.startswith(_MEANS):
            out.append(head)
    if titled and has_han(bare) and "的" in bare:
        head = bare.rsplit("的", 1)[1].strip()
        if len(head) >= 4 and has_han(head):
            out.append(head)
    # without a trailing edition or year in brackets ("《地方政府领导手册》[2017 版]", "… Leaders (2017 edition)")
    unbracketed = _TRAILING_BRACKET.sub("", bare).strip()
    if unbracketed != bare and len(unbracketed) >= 4:
        out.append(unbracketed)
    if not has_han(bare):
        # a publication's subtitle is the name it goes by as often as its title ("How To Make Cities More
        # Resilient: A Handbook for Local Government Leaders": "Handbook for Local Government Leaders")
        if titled and ":" in unbracketed:
            subtitle = _ARTICLE.sub("", unbracketed.split(":", 1)[1]).strip()
            if len(subtitle.split()) >= 3:
                out.append(subtitle)
        before_for = re.split(r"\s+for\s+", bare, maxsplit=1)[0].strip()
        if titled and before_for != bare and len(before_for.split()) >= 2:
            out.append(before_for)
        if bare.startswith("MCR2030 ") and len(bare.split()) >= 3:
            out.append(bare[len("MCR2030 ") :])
    return out


_MEANS = ("通过", "采用", "利用", "借助")
_TRAILING_BRACKET = re.compile(r"\s*[\[(（【][^\])）】]*(?:\d{4}|edition|版)[^\])）】]*[\])）】]\s*$", re.IGNORECASE)
_ARTICLE = re.compile(r"^\s*(?:a|an|the)\s+", re.IGNORECASE)


# A record's own acronym, in brackets after its name: "Capacity Assessment Tool for Infrastructure (CAT-I)",
# "建筑效率加速器 (BEA)".
# A code name with a mixed-case tail after a hyphen counts too ("NISMOD-Int" of "NISMOD-International (…)").
_ACRONYM = re.compile(r"[（(]\s*([A-Z][A-Z0-9-]{1,}[A-Z0-9]|[A-Z][A-Z0-9]{2,}-[A-Za-z0-9]+)\s*[）)]")
_WORD_START = re.compile(r"(?<![A-Za-z])[A-Za-z]|(?<=[a-z])[A-Z]")  # a word's first letter, camelCase included


def abbreviates(acronym: str, name: str) -> bool:
    """Whether ``acronym``'s letters are initials of ``name``'s words, in order: CRPT of City Resilience Profiling
    Tool, GCC of GreenClimateCities; not UNOPS of Sustainable Development Tools (the publisher's)."""
    if "-" in acronym and re.search(rf"(?<![A-Za-z]){re.escape(acronym)}", _ACRONYM.sub(" ", name)):
        return True  # the code name begins a word of the name itself: "NISMOD-Int" of "NISMOD-International"
    initials = "".join(m.group(0) for m in _WORD_START.finditer(name)).upper()
    pos = 0
    for letter in (c for c in acronym if c.isalpha()):
        pos = initials.find(letter, pos) + 1
        if not pos:
            return False
    return True


def acronyms(items: Sequence[CatalogueItem]) -> list[tuple[re.Pattern[str], CatalogueItem]]:
    """Patterns that find a record by its acronym, as a whole word and in capitals (TAP, not "tap water"): the one
    acronym a record's Chinese or English name gives in brackets, when it abbreviates the English name and no other
    record's name gives it too. A name with several (H.1's NAPs, NDCs) names no single acronym for the record."""
    owners: dict[str, set[str]] = {}
    found: list[tuple[str, CatalogueItem]] = []
    for item in items:
        for name in {item.name, item.name_en}:
            acronym = _ACRONYM.findall(name or "")
            if len(acronym) == 1 and abbreviates(acronym[0], item.name_en or ""):
                found.append((acronym[0], item))
                owners.setdefault(acronym[0], set()).add(item.id)
    unique = {a: i for a, i in found if len(owners[a]) == 1}
    return [(re.compile(rf"(?<![A-Za-z0-9-]){re.escape(a)}(?![A-Za-z0-9-])"), i) for a, i in sorted(unique.items())]
