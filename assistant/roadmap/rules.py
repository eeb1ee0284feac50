"""The three-valued logic: criteria over yes / no / unknown answers, the stage table, the sequential rule and the
questions whose answers can still change the stage."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Literal

from assistant.roadmap.loader import (
    Expr,
    RoadmapRules,
    StageRow,
    Status,
    as_stage,
    invalid,
)
from assistant.roadmap.reader import Note, question_ref

# ---------------------------------------------------------------------------------------------------- the logic


def _and3(values: Iterable[bool | None]) -> bool | None:
    vals = list(values)
    if any(v is False for v in vals):
        return False
    return True if all(v is True for v in vals) else None


def _or3(values: Iterable[bool | None]) -> bool | None:
    vals = list(values)
    if any(v is True for v in vals):
        return True
    return False if all(v is False for v in vals) else None


def evaluate(expr: Expr, values: Mapping[int, bool | None], rules: RoadmapRules) -> bool | None:
    if isinstance(expr, int):
        return values.get(expr)
    if isinstance(expr, str):
        return evaluate(rules.criterion(expr).expr, values, rules)
    ((op, items),) = expr.items()
    parts = (evaluate(item, values, rules) for item in items)
    return _and3(parts) if op == "all" else _or3(parts)


def _decided_stage(values: Mapping[int, bool | None], rules: RoadmapRules) -> StageRow | None:
    """The stage-table row for these values, or None while a decisive criterion is unknown."""
    key = tuple((cid, evaluate(cid, values, rules)) for cid in rules.decide_on)
    return next((row for row in rules.stage_table if row.when == key), None)


def _stage_questions(rules: RoadmapRules) -> tuple[int, ...]:
    seen: dict[int, None] = {}
    for cid in rules.decide_on:
        seen.update(dict.fromkeys(rules.criterion(cid).questions))
    return tuple(seen)


def _outcomes(values: Mapping[int, bool | None], rules: RoadmapRules) -> tuple[set[str], dict[int, int]]:
    """All stages reachable by answering the unknown stage questions, and per unknown question the number of
    completions of the other unknowns in which its answer changes the stage (0 = not decisive)."""
    unknown = [q for q in _stage_questions(rules) if values.get(q) is None]
    outcome: dict[tuple[bool, ...], str] = {}
    for combo in itertools.product((True, False), repeat=len(unknown)):
        row = _decided_stage({**values, **dict(zip(unknown, combo, strict=True))}, rules)
        if row is None:  # cannot happen: every stage question is now answered
            raise invalid("the roadmap stage table does not cover a complete answer set")
        outcome[combo] = row.stage
    weight = {}
    for i, q in enumerate(unknown):
        weight[q] = sum(
            1
            for combo, stage in outcome.items()
            if combo[i] and outcome[combo[:i] + (False,) + combo[i + 1 :]] != stage
        )
    return set(outcome.values()), weight


def order_questions(
    questions: Iterable[int],
    rules: RoadmapRules,
    weight: Mapping[int, int] | None = None,
) -> list[int]:
    rank = {q: i for i, q in enumerate(rules.ask_order)}
    weight = weight or {}
    return sorted(set(questions), key=lambda q: (-weight.get(q, 0), rank.get(q, len(rank) + q)))


def _missing_parts(cid: str, values: Mapping[int, bool | None], rules: RoadmapRules) -> list[int]:
    """Questions of the not-met direct parts of criterion ``cid``."""
    expr = rules.criterion(cid).expr
    items = next(iter(expr.values())) if isinstance(expr, dict) else [expr]
    missing: list[int] = []
    for item in items:
        if evaluate(item, values, rules) is not True:
            qs = (item,) if isinstance(item, int) else rules.criterion(item).questions
            missing.extend(q for q in qs if values.get(q) is not True)
    return missing


def decide_stage(
    values: Mapping[int, bool | None], rules: RoadmapRules, notes: list[Note], lang: str
) -> tuple[Literal["A", "B", "C", "undecided"], list[int]]:
    """The stage and the questions to ask: an override that holds decides alone; otherwise the stage is the one
    every completion of the unknowns agrees on, else undecided with the decisive unknowns, heaviest first."""
    for cid, stage in rules.overrides:
        if evaluate(cid, values, rules) is True:
            return stage, []
    if rules.sequential is not None:
        # The roadmap is sequential: a criterion of the first step known unmet decides, whatever is unknown
        # about the next step (unless the next step is known met: then the documents do not settle it).
        unmet, unless_met, stage = rules.sequential
        if evaluate(unmet, values, rules) is False and evaluate(unless_met, values, rules) is not True:
            return stage, []
    outcomes, weight = _outcomes(values, rules)
    decisive = {q: w for q, w in weight.items() if w > 0}
    to_ask = order_questions(decisive, rules, decisive)
    row = _decided_stage(values, rules)
    if row is not None and row.ask_missing:
        missing = order_questions(_missing_parts(row.ask_missing, values, rules), rules)
        to_ask += [q for q in missing if q not in to_ask]
        if row.note:
            refs = rules.message("list_sep", lang).join(question_ref(q, rules, lang) for q in missing)
            notes.append(Note(row.note, tuple(missing), (("missing", refs),)))
    only = outcomes.pop() if len(outcomes) == 1 else "undecided"
    return as_stage(only), to_ask


def status_of(value: bool | None) -> Status:
    return "unknown" if value is None else ("met" if value else "unmet")
