"""Language identification for documents and chunks: Chinese, English, or another language for long text.

A Han-character ratio decides Chinese first, because short and mixed strings fool statistical detectors
(langdetect alone calls ``MCR2030`` Swahili). Only long, mostly non-Han text goes to langdetect, made
deterministic with a fixed seed. ``han_ratio`` is the one definition in ``retriever.language`` (re-exported),
so query routing and document tagging count characters the same way. The chunker sizes chunks with the same
rule (:func:`is_chinese`), so a chunk whose ``lang`` is ``"zh"`` is always one sized with the Chinese limit.

Text without any letter (empty, digits, punctuation) is ``"und"`` (BCP 47 "undetermined"): calling it English
would put noise into the English index and hide the fact that nothing could be detected.
"""

from __future__ import annotations

import functools
import logging
import re

from retriever.language import HAN, han_ratio

__all__ = ["UNDETERMINED", "ZH_MIN_HAN_RATIO", "detect_lang", "han_ratio", "is_chinese"]

logger = logging.getLogger(__name__)

ZH_MIN_HAN_RATIO = 0.3
"""Han / (Han + Latin letters) at or above which text is Chinese. One Han character carries about a word."""

MIN_LATIN_FOR_DETECTOR = 60
"""Below this many Latin letters, non-Chinese text is English without asking langdetect."""

MIN_OTHER_PROBABILITY = 0.95
"""langdetect must be this sure before a language other than English is reported."""

LANGDETECT_SAMPLE_CHARS = 1000
"""At most this many characters of mostly-Latin text are given to langdetect."""

UNDETERMINED = "und"

_HAN = HAN
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_OTHER_SCRIPT = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u0dff\u0e00-\u0e7f"
    r"\u3040-\u30ff\u1100-\u11ff\uac00-\ud7af]"
)  # Greek, Cyrillic, Hebrew, Arabic, Indic, Thai, kana, Hangul


_NOISE = re.compile(  # bounded repeats: no quadratic backtracking on long runs of letters
    r"(?:https?|ftp)://\S+|www\.\S+|[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{1,255}|</?[A-Za-z][^<>]{0,200}>"
)


def is_chinese(text: str) -> bool:
    """True when Han characters dominate (:data:`ZH_MIN_HAN_RATIO`) once URLs, e-mail addresses and HTML tags
    are set aside (a Chinese list of tools with their links is Chinese); the rule used for chunk sizing."""
    return han_ratio(_NOISE.sub(" ", text)) >= ZH_MIN_HAN_RATIO


def detect_lang(text: str) -> str:
    """``"zh"`` or ``"en"`` for Chinese/English text, another langdetect code (``"fr"``, ``"ja"``...) only for
    long text that is clearly in another language, ``"und"`` when the text has no letters. Never raises.

    ``detect_lang(t) == "zh"`` exactly when :func:`is_chinese` is true for text without a dominant other
    script (kana, Hangul, Cyrillic...).
    """
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    other = len(_OTHER_SCRIPT.findall(text))
    if han + latin + other == 0:
        return UNDETERMINED
    if other * 5 >= han + latin + other:
        # Japanese (Han + kana), Korean, Russian...: only a statistical detector can tell.
        detected = _langdetect(text, min_probability=0.0)
        if detected == "zh" and not is_chinese(text):
            return UNDETERMINED
        return detected or UNDETERMINED
    if is_chinese(text):
        return "zh"
    if latin < MIN_LATIN_FOR_DETECTOR:
        return "en"
    # Only the Latin-script words can make mostly-Latin text "clearly other" than English; a bounded sample
    # without Han characters and links keeps langdetect at a few milliseconds per chunk.
    sample = _HAN.sub(" ", _NOISE.sub(" ", text))[:LANGDETECT_SAMPLE_CHARS]
    detected = _langdetect(sample, min_probability=MIN_OTHER_PROBABILITY)
    if detected is None or detected == "zh":
        # Not Chinese by the Han ratio; a Chinese guess here comes from noise in mostly-Latin text.
        return "en"
    return detected


@functools.lru_cache(maxsize=1)
def _detector_factory():  # -> langdetect.detector_factory.DetectorFactory
    """A private, seeded langdetect factory (``seed = 0`` makes results repeatable), loaded once."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0
    return factory


def _langdetect(text: str, *, min_probability: float) -> str | None:
    """The most probable language (``zh-cn``/``zh-tw`` folded to ``zh``) if at least ``min_probability``."""
    from langdetect.lang_detect_exception import LangDetectException

    try:
        detector = _detector_factory().create()
        detector.append(text)
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError) as e:
        logger.debug("langdetect failed error=%s", e)
        return None
    if best.prob < min_probability:
        return None
    return "zh" if best.lang.startswith("zh") else best.lang
