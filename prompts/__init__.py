"""Answer templates (zh and en) and ``render(name, lang, **vars)`` with strict variables.

Templates are files ``prompts/templates/<name>.<lang>.txt`` using ``{var}`` placeholders. A missing variable
raises ``KeyError`` naming it, an unused one raises ``TypeError``: a template and its caller never drift apart
silently. Templates hold our own words only; document text is passed in as variables and never interpreted.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGS = ("zh", "en")


@cache
def _read(name: str, lang: str) -> str:
    path = TEMPLATES / f"{name}.{lang}.txt"
    try:
        return path.read_text(encoding="utf-8").rstrip("\n")
    except FileNotFoundError as e:
        raise KeyError(f"no template {name!r} for language {lang!r}") from e


def variables(template: str, lang: str) -> set[str]:
    """The placeholder names a template uses."""
    return {field for _, field, _, _ in string.Formatter().parse(_read(template, lang)) if field}


def render(template: str, lang: str, /, **values: object) -> str:
    """Fill ``template`` in ``lang`` (zh or en; anything else falls back to en)."""
    lang = lang if lang in LANGS else "en"
    text = _read(template, lang)
    wanted = variables(template, lang)
    missing = wanted - values.keys()
    if missing:
        raise KeyError(f"template {template}.{lang} needs {sorted(missing)}")
    extra = values.keys() - wanted
    if extra:
        raise TypeError(f"template {template}.{lang} does not use {sorted(extra)}")
    return text.format(**values)


def names() -> list[str]:
    """Every template name (without language)."""
    return sorted({p.name.split(".")[0] for p in TEMPLATES.glob("*.txt")})
