"""The conversation's state between turns: a typed, versioned ``ChatContext`` that the client echoes back.

The server keeps no state: each reply returns the context, and the client sends it with the next message. It is
client input, so it is parsed strictly (:meth:`ChatContext.from_json` raises ``InvalidRequest`` naming the bad
field; the API validates the same limits in its schema and answers 422) and bounded in size.

Version 1 fields: the stage answers collected so far (survey question number -> yes/no), the questions the user
skipped, the question waiting for an answer, the stage statements so far, the stage found, the records the last
reply recommended or listed, in its order (``last_recommendations``, record ids: what "the second one" points at)
and the situation recommended for, and the record the last reply was about (``last_record``: what "it" means in
"how long does it run?"; added within version 1, optional).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from retriever.errors import InvalidRequest

__all__ = ["CONTEXT_VERSION", "ChatContext", "MAX_CONTEXT_TEXT", "MAX_RECOMMENDATIONS", "SURVEY_QUESTIONS"]

CONTEXT_VERSION = 1
SURVEY_QUESTIONS = 15
MAX_CONTEXT_TEXT = 4000
MAX_RECOMMENDATIONS = 10
MAX_ID_CHARS = 64
STAGES = ("A", "B", "C")


@dataclass(frozen=True, slots=True)
class ChatContext:
    """What a conversation remembers. Immutable: handlers return an updated copy (:meth:`with_`)."""

    stage_answers: tuple[tuple[int, bool], ...] = ()
    skipped_questions: tuple[int, ...] = ()
    pending_question: int | None = None
    stage_text: str | None = None
    stage: str | None = None
    last_recommendations: tuple[str, ...] = ()
    last_situation: str | None = None
    last_record: str | None = None
    version: int = field(default=CONTEXT_VERSION)

    def with_(self, **changes: Any) -> ChatContext:
        return replace(self, **changes)

    @property
    def answers(self) -> dict[int, bool]:
        return dict(self.stage_answers)

    def to_json(self) -> dict[str, Any]:
        """The JSON the client sends back (empty fields left out)."""
        out: dict[str, Any] = {"v": self.version}
        if self.stage_answers:
            out["stage_answers"] = {str(q): a for q, a in self.stage_answers}
        if self.skipped_questions:
            out["skipped_questions"] = list(self.skipped_questions)
        if self.pending_question is not None:
            out["pending_question"] = self.pending_question
        if self.stage_text:
            out["stage_text"] = self.stage_text
        if self.stage:
            out["stage"] = self.stage
        if self.last_recommendations:
            out["last_recommendations"] = list(self.last_recommendations)
        if self.last_situation:
            out["last_situation"] = self.last_situation
        if self.last_record:
            out["last_record"] = self.last_record
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ChatContext:
        """Parse what a client sent; ``InvalidRequest`` names the first bad field. Unknown fields are refused."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise InvalidRequest("context must be an object")
        known = {
            "v",
            "stage_answers",
            "skipped_questions",
            "pending_question",
            "stage_text",
            "stage",
            "last_recommendations",
            "last_situation",
            "last_record",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidRequest(f"context.{unknown[0]}: unknown field")
        version = data.get("v", CONTEXT_VERSION)
        if version != CONTEXT_VERSION or isinstance(version, bool):
            raise InvalidRequest(f"context.v: version {version!r} is not supported (expected {CONTEXT_VERSION})")
        answers = data.get("stage_answers")
        answers = {} if answers is None else answers
        if not isinstance(answers, Mapping):
            raise InvalidRequest("context.stage_answers must be an object of question number -> true/false")
        parsed_answers = []
        for key, value in answers.items():
            q = _question_number(key, "context.stage_answers")
            if not isinstance(value, bool):
                raise InvalidRequest(f"context.stage_answers.{key}: must be true or false")
            parsed_answers.append((q, value))
        skipped = data.get("skipped_questions")
        skipped = [] if skipped is None else skipped
        if not isinstance(skipped, list) or len(skipped) > SURVEY_QUESTIONS:
            raise InvalidRequest(f"context.skipped_questions: a list of at most {SURVEY_QUESTIONS} question numbers")
        pending = data.get("pending_question")
        stage = data.get("stage")
        if stage is not None and stage not in STAGES:
            raise InvalidRequest("context.stage: one of A, B, C")
        recs = data.get("last_recommendations")
        recs = [] if recs is None else recs
        if (
            not isinstance(recs, list)
            or len(recs) > MAX_RECOMMENDATIONS
            or not all(isinstance(r, str) and 0 < len(r) <= MAX_ID_CHARS for r in recs)
        ):
            raise InvalidRequest(
                f"context.last_recommendations: a list of at most {MAX_RECOMMENDATIONS} record ids "
                f"(1-{MAX_ID_CHARS} characters)"
            )
        last_record = data.get("last_record")
        if last_record is not None and (not isinstance(last_record, str) or not 0 < len(last_record) <= MAX_ID_CHARS):
            raise InvalidRequest(f"context.last_record: a record id of 1-{MAX_ID_CHARS} characters")
        return cls(
            stage_answers=tuple(sorted(parsed_answers)),
            skipped_questions=tuple(sorted({_question_number(q, "context.skipped_questions") for q in skipped})),
            pending_question=None if pending is None else _question_number(pending, "context.pending_question"),
            stage_text=_text(data.get("stage_text"), "context.stage_text"),
            stage=stage,
            last_recommendations=tuple(recs),
            last_situation=_text(data.get("last_situation"), "context.last_situation"),
            last_record=last_record,
        )


def _question_number(value: Any, where: str) -> int:
    """A survey question number 1-15, given as an integer or a string of one or two digits."""
    if isinstance(value, bool):
        raise InvalidRequest(f"{where}: a survey question number 1-{SURVEY_QUESTIONS}")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 2:
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= SURVEY_QUESTIONS:
        raise InvalidRequest(f"{where}: a survey question number 1-{SURVEY_QUESTIONS}, not {str(value)[:20]!r}")
    return value


def _text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_CONTEXT_TEXT:
        raise InvalidRequest(f"{where}: text of at most {MAX_CONTEXT_TEXT} characters")
    return value or None
