"""The gold files: where they live, their schemas (pydantic, at the edge), and loading with clear errors.

Datasets are JSONL, one object per line, each with a unique ``id``. Ours live in ``eval/datasets/<name>/``; the
development gold set (qa, tools, stages) in ``../shared/eval-dev`` beside the repository when it is present.

| name | file | item |
| --- | --- | --- |
| qa | ``qa/qa.jsonl`` | a retrieval question: ``doc``, ``anchors`` (exact substrings of it), ``answer_facts`` |
| out_of_scope | ``out_of_scope/out_of_scope.jsonl`` | a question the assistant must decline |
| parity | ``parity/recommend.jsonl``, ``parity/stages.jsonl`` | one situation or stage description in zh and en |
| chat | ``chat/chat.jsonl`` | a scripted conversation with expectations per turn |
| routing | ``chat/routing.jsonl`` | one message and the intent it must be routed to (``accept``: the acceptable ones) |
| (dev) | ``qa.jsonl``, ``tools.jsonl``, ``stages.jsonl`` | see ``../shared/eval-dev/README.md`` |
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from retriever.errors import InvalidRequest

ROOT = Path(__file__).resolve().parent.parent
OWN = ROOT / "eval" / "datasets"
DEV = ROOT.parent / "shared" / "eval-dev"

Lang = Literal["zh", "en"]
Stage = Literal["A", "B", "C"]


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    split: Literal["", "tune", "heldout"] = Field(
        "", description="For a blind set: 'tune' (the code may be tuned on it) or 'heldout' (never)."
    )


class QAItem(_Item):
    lang: Lang
    question: str = Field(min_length=1)
    doc: str
    anchors: list[str] = Field(min_length=1)
    answer_facts: list[str] = Field(default_factory=list)
    type: str = ""
    qtype: str = Field("", description="What the question asks for: quantity, duration, date, place, ...")
    intent: str | None = Field(None, description="The chat intent the question must get, where it matters.")
    first: str | None = Field(
        None,
        description="A first user message: the question is then its follow-up in a two-turn conversation (scored "
        "as a chat answer only, not as a retrieval query: a follow-up's 'it' names nothing by itself).",
    )


class ToolItem(_Item):
    lang: Lang
    scenario: str = Field(min_length=1)
    acceptable_service_ids: list[str] = Field(default_factory=list)
    acceptable_urls: list[str] = Field(default_factory=list)
    acceptable_names: list[str] = Field(default_factory=list)
    stage: Stage | None = None


class StageItem(_Item):
    lang: Lang | None = None
    answers: list[bool] | None = Field(None, min_length=15, max_length=15)
    description: str | None = None
    expected_stage: Stage | Literal["undecided"] | None = None
    acceptable_stages: list[str] = Field(default_factory=list)
    ambiguous: bool = False
    rationale: str = ""

    @model_validator(mode="after")
    def _gold(self) -> StageItem:
        if self.answers is None and not self.description:
            raise ValueError("give answers and/or a description")
        if not self.ambiguous and self.expected_stage is None:
            raise ValueError("a non-ambiguous item needs expected_stage")
        return self


class OutOfScopeItem(_Item):
    lang: Lang
    question: str = Field(min_length=1)
    why: str = ""


class RoutingItem(_Item):
    lang: Lang
    text: str = Field(min_length=1)
    intent: str = Field(min_length=1)
    accept: list[str] = Field(default_factory=list, description="Acceptable intents (default: ``intent`` only).")
    hard: bool = Field(False, description="A deliberately tricky message (a fact question naming a tool, ...).")
    pair: str = ""


class ParityRecommendItem(_Item):
    stage: Stage | None = None
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ParityStageItem(_Item):
    expected_stage: Stage | Literal["undecided"] | None = None
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class TurnExpect(BaseModel):
    """What one reply must show. Every key is optional; all given keys must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    intent: str | None = None
    stage: Stage | Literal["undecided"] | None = None
    recommendations_stage: Stage | None = Field(None, description="every recommended record is listed for it")
    tool_ids_any: list[str] | None = Field(None, description="one of the top-3 recommendations has one of these ids")
    record_id: str | None = Field(None, description="a lookup shows this record")
    record_from_previous: int | None = Field(
        None, ge=1, le=5, description="a lookup shows the n-th recommendation of the previous reply"
    )
    cited: bool | None = Field(None, description="the reply has citations (True) or none (False)")
    contains_any: list[str] | None = Field(None, description="the answer text contains one of these")


class ChatTurn(BaseModel):
    """A user message, or ``survey``: 15 answers (True/False/None) given to the stage questions the assistant
    asks, one turn per question, until it asks no more (``expect`` then applies to the last reply)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user: str | None = None
    survey: list[bool | None] | None = Field(None, min_length=15, max_length=15)
    expect: TurnExpect = TurnExpect.model_validate({})

    @model_validator(mode="after")
    def _one(self) -> ChatTurn:
        if (self.user is None) == (self.survey is None):
            raise ValueError("a turn has either 'user' or 'survey'")
        return self


class ChatScript(_Item):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lang: Lang
    title: str = ""
    turns: list[ChatTurn] = Field(min_length=1)


M = TypeVar("M", bound=_Item)


def load_items(path: Path, model: type[M]) -> list[M]:
    """Every line of ``path`` validated as ``model``. Raises ``InvalidRequest`` naming the file and line for a
    missing file, bad JSON, a schema error or a duplicate id."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise InvalidRequest(f"cannot read gold file {path}: {e}") from e
    items: list[M] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = model.model_validate(json.loads(line))
        except (ValueError, ValidationError) as e:
            raise InvalidRequest(f"{path}:{n}: not a valid {model.__name__}: {e}") from e
        if item.id in seen:
            raise InvalidRequest(f"{path}:{n}: duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    return items


def set_label(path: Path) -> str:
    """A short name for a gold file in results: ``dev`` for the development set, ``own`` for ours, else the
    file's stem."""
    resolved = path.resolve()
    if resolved.parent == DEV.resolve():
        return "dev"
    if OWN.resolve() in resolved.parents:
        return "own"
    return path.stem


def tool_pairs(items: list[ToolItem]) -> list[ParityRecommendItem]:
    """The zh/en pairs of a tools file whose ids come in twos, ``<stem>-zh`` and ``<stem>-en`` (ours,
    eval/datasets/tools/tools.jsonl): one situation in both languages, with the same gold and stage. Raises
    ``InvalidRequest`` on a stem without both languages or with different gold on its two lines."""
    sides: dict[str, dict[str, ToolItem]] = {}
    for item in items:
        stem, _, lang = item.id.rpartition("-")
        if lang != item.lang or not stem:
            raise InvalidRequest(f"{item.id}: a paired tools id ends in -{item.lang}")
        sides.setdefault(stem, {})[lang] = item
    pairs = []
    for stem, side in sides.items():
        if set(side) != {"zh", "en"}:
            raise InvalidRequest(f"{stem}: needs both a -zh and an -en line, has {sorted(side)}")
        zh, en = side["zh"], side["en"]
        gold = ("acceptable_service_ids", "acceptable_urls", "acceptable_names", "stage")
        if any(getattr(zh, g) != getattr(en, g) for g in gold):
            raise InvalidRequest(f"{stem}: the -zh and -en lines have different gold or stage")
        pairs.append(ParityRecommendItem(id=stem, stage=zh.stage, zh=zh.scenario, en=en.scenario))
    return pairs
