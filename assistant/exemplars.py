"""Messages whose intent is known, matched by meaning: the intent table's last resort before "a question".

The intent table's matchers read words (assistant/intents.py); a message that none of them recognises is taken for
a question for the documents. Routing sets written by different people showed where words stop carrying over:
"are we past the first step?", "你都知道些啥", "lots of informal settlements, they get hit hard every time it floods"
say what they want in words no pattern lists. :class:`IntentExemplars` holds messages whose intent is known (the
tuning splits of our routing sets, the tuning questions of our qa sets as "question", the tuning scenarios of our
tool sets as "recommend"), embedded with the service's encoder; a message's ``k`` nearest exemplars vote, and the
vote counts only when a majority agrees on one of ``intents`` and the nearest is at least ``floor`` similar.

``knowledge/intent_exemplars.json`` is written by ``python -m eval.intent_exemplars --write``, which chose ``k``
and ``floor`` by leave-one-set-out over the tuning sets (docs/eval/routing.md). The file names the encoder the
choice was made with; under another encoder (a test's hashing embedder) the exemplars are not used, since the
floor means nothing there.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retriever.embedders import Embedder
from retriever.errors import InvalidKnowledgeFile

__all__ = ["EXEMPLARS_FILE", "IntentExemplars", "load_exemplars"]

EXEMPLARS_FILE = "intent_exemplars.json"


@dataclass(frozen=True, slots=True)
class IntentExemplars:
    """``vectors[i]`` is the embedding of a message whose intent is ``labels[i]``."""

    labels: tuple[str, ...]
    vectors: np.ndarray
    k: int
    floor: float
    intents: frozenset[str]

    def vote(self, vector: np.ndarray) -> tuple[str, float] | None:
        """The intent the ``k`` nearest exemplars agree on (a strict majority), with the nearest one's similarity,
        when it is one of ``intents`` and that similarity reaches ``floor``; otherwise None."""
        if not self.labels:
            return None
        sims = self.vectors @ vector
        nearest = np.argsort(-sims, kind="stable")[: self.k]
        label, count = Counter(self.labels[i] for i in nearest).most_common(1)[0]
        best = float(sims[nearest[0]])
        if label in self.intents and count * 2 > len(nearest) and best >= self.floor:
            return label, best
        return None


def load_exemplars(knowledge_dir: Path, embedder: Embedder) -> IntentExemplars | None:
    """The exemplars of ``knowledge_dir/intent_exemplars.json`` embedded with ``embedder``; None when the file is
    absent or was chosen under another encoder. Raises ``InvalidKnowledgeFile`` when it is malformed."""
    path = Path(knowledge_dir) / EXEMPLARS_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = str(data["embedder"])
        k, floor = int(data["k"]), float(data["floor"])
        intents = frozenset(str(i) for i in data["intents"])
        rows = [(str(e["intent"]), str(e["text"])) for e in data["examples"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InvalidKnowledgeFile(f"malformed {path}: {e!r}") from e
    if k < 1 or not rows or any(not text.strip() for _, text in rows):
        raise InvalidKnowledgeFile(f"malformed {path}: k must be at least 1 and every example a text")
    if embedder.id.split(":")[0] != model.split(":")[0]:
        return None
    return from_examples(rows, embedder, k=k, floor=floor, intents=intents)


def from_examples(
    rows: Sequence[tuple[str, str]], embedder: Embedder, *, k: int, floor: float, intents: frozenset[str]
) -> IntentExemplars:
    """Exemplars from ``(intent, text)`` rows."""
    vectors = embedder.embed_documents([text for _, text in rows])
    return IntentExemplars(tuple(label for label, _ in rows), vectors, k, floor, intents)
