"""Answer-sentence selection without a model: the units a passage offers."""

from __future__ import annotations

from assistant.evidence import units_of
from retriever.types import Chunk


def _chunk(text: str, n: int = 0, start: int = 0) -> Chunk:
    return Chunk(f"doc:{n}", "doc", n, "doc.zh.txt", "Doc", ("FAQ",), start, start + len(text), text, "zh")


def test_markup_left_by_extraction_is_never_a_unit() -> None:
    text = '<p>C 阶段城市应做出的承诺：</p> <ul style="list-style-type: none"> 承诺充当导师并分享经验；'
    chunk = _chunk(text, start=100)
    units = units_of(chunk, 0, None)
    assert [u.text for u in units] == ["C 阶段城市应做出的承诺：", "承诺充当导师并分享经验；"]
    for u in units:  # offsets stay those of the source
        assert text[u.start - 100 : u.end - 100] == u.text
