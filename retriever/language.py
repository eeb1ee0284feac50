"""Script-based language routing for queries: the share of Han characters decides zh vs en.

langdetect is unreliable on short and mixed text (it calls ``MCR2030`` Swahili), so queries are routed on
script alone; ``ingest.language.detect_lang`` adds langdetect for longer document text.
"""

from __future__ import annotations


def is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F


def han_ratio(text: str) -> float:
    """Han characters / (Han characters + Latin letters); 0.0 for text with neither."""
    han = latin = 0
    for ch in text:
        if is_han(ch):
            han += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    total = han + latin
    return han / total if total else 0.0


def script_lang(text: str, threshold: float = 0.2) -> str:
    """ "zh" when Han characters make up at least ``threshold`` of the letters, else "en".

    The threshold is low on purpose: a Chinese question with a few Latin names (``MCR2030``, ``CityRAP``)
    is still Chinese, while two Han characters in an English sentence are not enough.
    """
    return "zh" if han_ratio(text) >= threshold else "en"
