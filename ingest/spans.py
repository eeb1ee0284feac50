"""The rows of a JSON Lines file of spans of an original (renderings, curated questions): read, parsed and checked
in one place, so both kinds of file refuse the same faults with the same words, naming the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from retriever.errors import InvalidKnowledgeFile


def span_rows(path: Path, original: str, error: type[InvalidKnowledgeFile]) -> Iterator[tuple[str, dict, int, int]]:
    """``(where, row, start, end)`` for every non-blank line of ``path``: a JSON object whose integer ``start`` and
    ``end`` satisfy ``0 <= start < end <= len(original)`` and whose ``src``, when given, is ``original[start:end]``.
    ``where`` is ``"<file>:<line>"``. Raises ``error`` naming the file and line at the first fault."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"{path.name}: cannot read ({e})") from e
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as e:
            raise error(f"{where}: not JSON ({e.msg})") from e
        if not isinstance(row, dict):
            raise error(f"{where}: a line must be a JSON object")
        start, end = row.get("start"), row.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(original):
            raise error(f"{where}: start/end must be integers with 0 <= start < end <= {len(original)}")
        if row.get("src") is not None and original[start:end] != row["src"]:
            raise error(f"{where}: src is not original[{start}:{end}] (the original changed?)")
        yield where, row, start, end
