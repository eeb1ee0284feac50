"""Normalisation of text for matching (embedding and BM25 input): Unicode folding, invisible characters,
extraction debris (markdown, HTML tags), whitespace.

It works on copies only. ``Document.text`` and chunk offsets are never normalised, so citations can quote the
source verbatim; a chunk is matched on ``normalize_for_matching(chunk.text)``.
"""

from __future__ import annotations

import html
import re
import unicodedata

_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_MD_IMAGE = re.compile(r"!\[[^\[\]\n]*\]\([^()\n]*\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]*)\]\(\s*([^()\s]*)\s*\)")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+|mailto:[^\s<>]+|www\.[^\s<>]+)>", re.IGNORECASE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>\u3400-\u9fff\uf900-\ufaff]*)?/?>")  # no Han inside
_MD_EMPHASIS = re.compile(r"\*\*|__")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
_MAX_PASSES = 64


def collapse_ws(text: str) -> str:
    """Every run of whitespace (newlines, tabs, no-break and ideographic spaces) becomes one space; trimmed."""
    return " ".join(text.split())


def normalize_for_matching(text: str) -> str:
    """The text as an embedder or a lexical index should see it.

    NFKC (full-width letters, digits and punctuation to their ASCII forms), then :func:`strip_markup`:
    zero-width characters and BOMs removed, markdown image placeholders dropped, ``[text](#)`` to ``text``
    (a real link target is kept after the text), ``<https://...>`` to the bare URL, ``**``/``__`` and
    backslash escapes removed, HTML tags and comments replaced by a space and entities decoded, whitespace
    collapsed. Idempotent.
    """
    return _until_stable(text, nfkc=True)


def strip_markup(text: str) -> str:
    """Extraction debris removed and whitespace collapsed, characters otherwise kept (no NFKC): for labels
    shown to people, such as titles and section headings."""
    return _until_stable(text, nfkc=False)


def _until_stable(text: str, *, nfkc: bool) -> str:
    current = text
    for _ in range(_MAX_PASSES):
        cleaned = _clean_once(current, nfkc=nfkc)
        if cleaned == current:
            break
        current = cleaned
    return current


def _clean_once(text: str, *, nfkc: bool) -> str:
    out = unicodedata.normalize("NFKC", text) if nfkc else text
    out = _INVISIBLE.sub("", out)
    out = _MD_IMAGE.sub(" ", out)
    out = _MD_LINK.sub(_link_text, out)
    out = _AUTOLINK.sub(r" \1 ", out)
    out = _HTML_COMMENT.sub(" ", out)
    out = _HTML_TAG.sub(" ", out)
    out = html.unescape(out)
    out = _MD_EMPHASIS.sub("", out)
    out = _MD_ESCAPE.sub(r"\1", out)
    out = _INVISIBLE.sub("", out)
    return collapse_ws(out)


def _link_text(match: re.Match[str]) -> str:
    label, target = match.group(1), match.group(2)
    if not target or target.startswith("#"):
        return label
    return f"{label} {target}"
