"""Script-based language routing for queries: the share of Han characters decides zh vs en.

langdetect is unreliable on short and mixed text (it calls ``MCR2030`` Swahili), so queries are routed on
script alone; ``ingest.language.detect_lang`` adds langdetect for longer document text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

# The Han range, defined here once for the whole code base: CJK unified ideographs, extension A, compatibility
# ideographs, and the supplementary planes (extensions B-F). HAN_CLASS goes inside a character class.
HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
HAN = re.compile(f"[{HAN_CLASS}]")
_HAN = HAN
_LATIN = re.compile("[A-Za-z]")


def has_han(text: str) -> bool:
    """Whether ``text`` holds a Han character."""
    return HAN.search(text) is not None


def is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F


def han_ratio(text: str) -> float:
    """Han characters / (Han characters + Latin letters); 0.0 for text with neither."""
    # Counted with compiled regular expressions: this runs on every query, and a per-character Python loop cost
    # about 0.1 ms on a 40-character question.
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    total = han + latin
    return han / total if total else 0.0


def script_lang(text: str, threshold: float = 0.2) -> str:
    """ "zh" when Han characters make up at least ``threshold`` of the letters, else "en".

    The threshold is low on purpose: a Chinese question with a few Latin names (``MCR2030``, ``CityRAP``)
    is still Chinese, while two Han characters in an English sentence are not enough.
    """
    return "zh" if han_ratio(text) >= threshold else "en"


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    from opencc import OpenCC  # pure Python, its dictionaries ship in the wheel (Apache-2.0)

    converter = OpenCC("t2s")
    converter.convert("韌")  # loads its dictionaries now: the first convert() builds them, unguarded by a lock
    return converter.convert  # type: ignore[no-any-return]


def simplified(text: str) -> str:
    """``text`` with traditional Chinese characters in the simplified script of the corpus (OpenCC ``t2s``).

    Officials in Taiwan, Hong Kong and Macao write 韌性、委員會、計畫; the documents, the roadmap's patterns and the
    lexicon are in simplified characters, so what users write is read after this. ``t2s`` maps characters (and
    the few phrases whose characters are ambiguous), never vocabulary: simplified text comes back unchanged (checked
    over the 2,867 Chinese texts of the evaluation sets and the corpus), unlike ``tw2sp``, which rewrites mainland
    words too (什么 → 什幺, 程序 → 进程). Text without Han characters is returned as it is."""
    return _t2s()(text) if has_han(text) else text


# Invisible format characters a pasted query may carry (zero-width space/joiners, word joiner, BOM, soft hyphen):
# they would split a Chinese word in two for the lexical leg. NFKC keeps them, so they are dropped here.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"))


def normalize_query(query: str) -> str:
    """NFKC (full-width forms and compatibility ideographs folded), invisible characters dropped, spaces collapsed,
    traditional Chinese characters in the corpus's simplified script (:func:`retriever.language.simplified`)."""
    return simplified(" ".join(unicodedata.normalize("NFKC", query).translate(_INVISIBLE).split()))
