"""Explicit survey answers and the output language: the CLI answer string, answer and language checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from assistant.roadmap.loader import FACTS, ISO37123, QUESTIONS, SUBMITTED
from retriever.errors import InvalidRequest
from retriever.language import HAN

_ANSWER_CHARS = {"y": True, "1": True, "n": False, "0": False, "?": None}
_HAN = HAN
_LATIN = re.compile(r"[A-Za-z]")
_ZH_RATIO = 0.3


# ------------------------------------------------------------------------------------------------ answers, lang


def parse_answers(spec: str) -> dict[int, bool | None]:
    """Parse the CLI form ``"yyn?n..."``: one of y/n/? (or 1/0) per question in order; missing ones are unknown.

    Returns all 15 questions. Raises ``InvalidRequest`` on any other character or more than 15 answers.
    """
    chars = spec.strip()
    if len(chars) > len(QUESTIONS):
        raise InvalidRequest(f"at most {len(QUESTIONS)} answers, got {len(chars)}")
    answers: dict[int, bool | None] = dict.fromkeys(QUESTIONS)
    for q, ch in enumerate(chars, start=1):
        key = ch.lower()
        if key not in _ANSWER_CHARS:
            raise InvalidRequest(f"bad answer {ch!r} for question {q}: use y, n or ? (or 1, 0)")
        answers[q] = _ANSWER_CHARS[key]
    return answers


def detect_lang(text: str) -> Literal["zh", "en"]:
    """``"zh"`` when Han characters make up at least 30% of the letters (Han + Latin), else ``"en"``."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if han and han / (han + latin) >= _ZH_RATIO else "en"


def check_lang(lang: str) -> Literal["zh", "en"]:
    if lang == "zh":
        return "zh"
    if lang == "en":
        return "en"
    raise InvalidRequest(f"unsupported language {lang!r}: use 'zh' or 'en'")


def check_answers(answers: Mapping[int, bool | None] | None) -> dict[int, bool | None]:
    if answers is None:
        return {}
    checked: dict[int, bool | None] = {}
    for q, v in answers.items():
        if isinstance(q, bool) or not isinstance(q, int) or not (q in FACTS or 1 <= q <= len(QUESTIONS)):
            raise InvalidRequest(
                f"bad question number {q!r}: use 1..{len(QUESTIONS)} (or {ISO37123} for ISO 37123, "
                f"{SUBMITTED} for a plan submitted to the governing body)"
            )
        if v is not None and not isinstance(v, bool):
            raise InvalidRequest(f"bad answer {v!r} for question {q}: use True, False or None")
        checked[q] = v
    return checked
