"""The MCR2030 resilience roadmap: survey answers and free text -> a stage (A, B, C or undecided) and the criteria
behind it.

The rules are data in ``corpus/knowledge/roadmap.json``: the 15 stage-assessment questions (Chinese exactly as in
the MCR2030 overview, plus English), the criteria as expressions over the questions with the exact document text
that defines each, the stage table, text patterns per question (zh and en), next steps and thematic areas. This
module evaluates them and never generates text of its own beyond filling the templates in that file.

- A->B holds when Q2 AND Q3 AND Q10 AND (Q4 OR Q12 OR Q13 OR submitted); B->C holds when Q13 OR submitted. The
  FAQ's B->C criterion accepts a plan "批准或提交，以备实施" (approved or submitted for implementation), so a
  plan stated as submitted to the governing body meets B->C even when Q13 (which asks for approval) is no or
  unknown; the gap between the survey and the FAQ is still reported as an ambiguity settled by Q13.
- Stage C when both hold, B when only A->B does, A when neither does; ISO 37123 certification puts a city in C
  directly. The roadmap is sequential: an A->B criterion known unmet means Stage A whatever is unknown about
  B->C (``stage_table.sequential``). B->C known met without A->B is not settled by the documents: the stage is
  ``"undecided"`` and ``to_ask`` names the missing A->B items.
- Answers are three-valued (yes / no / unknown) and unknowns are never guessed. When the unknowns can change the
  outcome the stage is ``"undecided"`` and ``to_ask`` lists the questions that can, the most decisive first: a
  question's weight is the number of completions of the other unknowns in which its answer changes the outcome.

Free text (zh or en) is split into sentences and clauses. Each pattern match sets its question to yes, to no when
a negation cue shares its clause or the clause speaks of the future or of something still being set up ("we plan
to", "正在筹建": not done yet; except for Q4, where intending the strategy process counts), or leaves it unknown
when the clause is hedged. Q2 needs
both of its audiences, Q3 a time inside its 12-month window. A sentence stating that a plan or strategy was
submitted (not negated, hedged or future; the submission cues "awaiting a vote", "等待表决" are not hedges) sets
the ``SUBMITTED`` fact and leaves Q13 unknown. Explicit answers override the text, question by question: an
explicit Q13 no does not cancel a stated submission.

Two keys that are not survey questions carry facts in answer and evidence mappings, each with its own criterion
and citation: ``ISO37123`` (0), the ISO 37123 certification, and ``SUBMITTED`` (-1), a plan submitted to the
governing body. Neither is ever asked about; an unknown fact is read as "not claimed".
"""

from __future__ import annotations

import datetime
import itertools
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ingest.loaders import make_doc_id
from retriever.errors import InvalidKnowledgeFile, InvalidRequest, NotFound
from retriever.language import HAN
from retriever.types import Citation, Criterion, Document, StageResult

logger = logging.getLogger(__name__)

ISO37123 = 0
"""Key of the ISO 37123 certification fact in answer and evidence mappings (not a survey question)."""
SUBMITTED = -1
"""Key of the "plan submitted to the governing body" fact in answer and evidence mappings (not a survey question)."""
FACTS = {ISO37123: "iso37123", SUBMITTED: "submitted"}
"""The fact keys and the criterion that states each."""

RULES_FILE = "roadmap.json"
QUESTIONS = tuple(range(1, 16))
LANGS = ("zh", "en")

Status = Literal["met", "unmet", "unknown"]
Expr = int | str | dict[str, Any]

_ANSWER_CHARS = {"y": True, "1": True, "n": False, "0": False, "?": None}
_HAN = HAN
_LATIN = re.compile(r"[A-Za-z]")
_ZH_RATIO = 0.3


# --------------------------------------------------------------------------------------------------- the rules


@dataclass(frozen=True, slots=True)
class Passage:
    """An exact quote of the rules document: ``text[start:end] == quote``."""

    quote: str
    section: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Question:
    """One survey question: ``passage.quote`` is the Chinese question exactly as in the document."""

    n: int
    label_en: str
    label_zh: str
    en: str
    passage: Passage

    @property
    def zh(self) -> str:
        return self.passage.quote

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True, slots=True)
class CriterionRule:
    """A criterion as an expression over questions (ints) and other criteria (ids), with its defining text.
    ``questions`` are the survey questions it depends on; ``facts`` adds the fact keys (``FACTS``)."""

    id: str
    label_en: str
    label_zh: str
    expr: Expr
    questions: tuple[int, ...]
    facts: tuple[int, ...]
    passage: Passage

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True, slots=True)
class StageRow:
    """One row of the stage table: when the decisive criteria have these values, the stage is ``stage``."""

    when: tuple[tuple[str, bool], ...]
    stage: Literal["A", "B", "C", "undecided"]
    ask_missing: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Cue:
    """Patterns (both languages, case-insensitive) whose matches speak about question ``q`` under ``facet``."""

    q: int
    facet: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class Implication:
    """When a match of ``pattern`` has polarity ``when`` in its clause, the questions in ``sets`` take those
    values under the facet ``"implied"`` (so an explicit yes elsewhere still wins)."""

    id: str
    pattern: re.Pattern[str]
    when: bool
    sets: tuple[tuple[int, bool], ...]
    ignore_future: bool = False


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Language cues shared by all questions, zh and en alternatives compiled into one pattern each."""

    sentence_split: re.Pattern[str]
    clause_split: re.Pattern[str]
    negation: re.Pattern[str]
    negation_exclusions: re.Pattern[str]
    uncertain: re.Pattern[str]
    future: re.Pattern[str]
    only: re.Pattern[str]
    recent: re.Pattern[str]
    stale: re.Pattern[str]
    boundary: re.Pattern[str]
    year: re.Pattern[str]
    months_ago: re.Pattern[str]
    numbers: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class RoadmapRules:
    """Everything ``assess_stage`` needs, loaded from ``roadmap.json`` and checked against the MCR2030 document.

    ``doc_text`` is the document as read from the corpus; every ``Passage`` indexes into it. ``doc_id`` is the
    ingest id of that file (``ingest.loaders.make_doc_id``), used when ``assess_stage`` gets no ``source``.
    """

    questions: tuple[Question, ...]
    criteria: tuple[CriterionRule, ...]
    stage_table: tuple[StageRow, ...]
    decide_on: tuple[str, ...]
    overrides: tuple[tuple[str, Literal["A", "B", "C", "undecided"]], ...]
    sequential: tuple[str, str, Literal["A", "B", "C", "undecided"]] | None
    ask_order: tuple[int, ...]
    cues: tuple[Cue, ...]
    lexicon: Lexicon
    components: Mapping[int, tuple[tuple[str, re.Pattern[str]], ...]]
    combine_any: frozenset[int]
    intent_counts: frozenset[int]
    positive_only: frozenset[tuple[int, str]]
    blockers: Mapping[int, re.Pattern[str]]
    windows: Mapping[int, int]
    focal_point: tuple[int, frozenset[str], str]
    submitted: re.Pattern[str]
    submitted_needs: re.Pattern[str]
    submitted_question: int
    submitted_drop_no: frozenset[int]
    implications: tuple[Implication, ...]
    criterion_notes: tuple[tuple[str, tuple[tuple[str, Status], ...], str], ...]
    document_tensions: frozenset[str]
    stage_areas: Mapping[str, tuple[int, ...]]
    cross_cutting_areas: tuple[int, ...]
    next_steps: Mapping[str, Any]
    contacts: Mapping[str, Any]
    messages: Mapping[str, Mapping[str, str]]
    doc_source: str
    doc_title: str
    doc_text: str = field(repr=False)
    doc_id: str = ""

    def question(self, n: int) -> Question:
        if not 1 <= n <= len(self.questions):
            raise InvalidRequest(f"no survey question {n}: questions are 1..{len(self.questions)}")
        return self.questions[n - 1]

    def criterion(self, cid: str) -> CriterionRule:
        for rule in self.criteria:
            if rule.id == cid:
                return rule
        raise InvalidRequest(f"no roadmap criterion {cid!r}")

    def message(self, key: str, lang: str, **params: str) -> str:
        return self.messages[key][lang].format(**params)


def load_rules(knowledge_dir: Path) -> RoadmapRules:
    """Load ``roadmap.json`` from ``knowledge_dir`` and the MCR2030 document it quotes (``knowledge_dir.parent``).

    Raises ``NotFound`` when either file is missing and ``InvalidKnowledgeFile`` when the rules are malformed, a
    regex does not compile, or a quote is not found exactly once in the document.
    """
    path = Path(knowledge_dir) / RULES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise NotFound(f"roadmap rules not found: {path}") from e
    except (OSError, json.JSONDecodeError) as e:
        raise _invalid(f"cannot read {path}: {e}") from e
    corpus_dir = Path(knowledge_dir).parent
    doc_file = data["document"]["file"]
    try:
        doc_text = (corpus_dir / doc_file).read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise NotFound(f"roadmap source document not found: {corpus_dir / doc_file}") from e
    try:
        rules = _build_rules(data, doc_file, doc_text, _manifest_title(corpus_dir, doc_file))
    except (KeyError, TypeError, ValueError) as e:
        raise _invalid(f"malformed {path}: {e!r}") from e
    logger.debug("roadmap.rules_loaded questions=%d cues=%d", len(rules.questions), len(rules.cues))
    return rules


def _invalid(message: str) -> InvalidKnowledgeFile:
    return InvalidKnowledgeFile(message)


def _manifest_title(corpus_dir: Path, doc_file: str) -> str:
    try:
        manifest = json.loads((corpus_dir / "MANIFEST.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return doc_file
    for entry in manifest.get("documents", []):
        if entry.get("file") == doc_file:
            return str(entry.get("title", doc_file))
    return doc_file


def _passage(doc_text: str, quote: str, section: Iterable[str]) -> Passage:
    count = doc_text.count(quote)
    if count != 1:
        raise _invalid(f"quote found {count} times in the roadmap document (need exactly once): {quote[:40]!r}")
    start = doc_text.index(quote)
    return Passage(quote=quote, section=tuple(section), start=start, end=start + len(quote))


def _compile(groups: Mapping[str, Iterable[str]] | Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive pattern from ``{"en": [...], "zh": [...]}`` (or a plain list) of alternatives."""
    parts = [p for lang in LANGS for p in groups.get(lang, ())] if isinstance(groups, Mapping) else list(groups)
    if not parts:
        raise ValueError("empty pattern group")
    try:
        return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)
    except re.error as e:
        raise _invalid(f"bad pattern in roadmap rules: {e}") from e


def _expr_questions(expr: Expr, exprs: Mapping[str, Expr]) -> tuple[int, ...]:
    if isinstance(expr, bool):
        raise ValueError("a criterion expression cannot be a bare boolean")
    if isinstance(expr, int):
        return (expr,)
    if isinstance(expr, str):
        return _expr_questions(exprs[expr], exprs)
    ((op, items),) = expr.items()
    if op not in ("all", "any"):
        raise ValueError(f"unknown operator {op!r}")
    seen: dict[int, None] = {}
    for item in items:
        seen.update(dict.fromkeys(_expr_questions(item, exprs)))
    return tuple(seen)


def _build_rules(data: Mapping[str, Any], doc_file: str, doc_text: str, title: str) -> RoadmapRules:
    survey_section = tuple(data["survey_section"])
    questions = tuple(
        Question(
            n=q["n"],
            label_en=q["label_en"],
            label_zh=q["label_zh"],
            en=q["en"],
            passage=_passage(doc_text, q["quote"], survey_section),
        )
        for q in sorted(data["questions"], key=lambda q: q["n"])
    )
    if tuple(q.n for q in questions) != QUESTIONS:
        raise ValueError("roadmap rules must hold questions 1..15 exactly once")

    exprs = {c["id"]: c["expr"] for c in data["criteria"]}
    for c in data["criteria"]:
        unknown = [q for q in _expr_questions(c["expr"], exprs) if q not in QUESTIONS and q not in FACTS]
        if unknown:
            raise ValueError(f"criterion {c['id']!r} refers to unknown questions {unknown}")
    if any(cid not in exprs for cid in FACTS.values()):
        raise ValueError(f"roadmap rules must define the fact criteria {sorted(FACTS.values())}")
    criteria = tuple(
        CriterionRule(
            id=c["id"],
            label_en=c["label_en"],
            label_zh=c["label_zh"],
            expr=c["expr"],
            questions=tuple(q for q in _expr_questions(c["expr"], exprs) if q not in FACTS),
            facts=_expr_questions(c["expr"], exprs),
            passage=_passage(doc_text, c["quote"], c["section"]),
        )
        for c in data["criteria"]
    )
    table = data["stage_table"]
    rows = tuple(
        StageRow(
            when=tuple((cid, bool(row[cid])) for cid in table["decide_on"]),
            stage=_as_stage(row["stage"]),
            ask_missing=row.get("ask_missing", ""),
            note=row.get("note", ""),
        )
        for row in table["rows"]
    )
    overrides = tuple((o["criterion"], _as_stage(o["stage"])) for o in table.get("overrides", ()))
    if any(stage == "undecided" for _, stage in overrides):
        raise ValueError("an override must name a stage")
    seq = table.get("sequential")
    sequential = (seq["unmet"], seq["unless_met"], _as_stage(seq["stage"])) if seq else None
    if len(rows) != 2 ** len(table["decide_on"]) or len({r.when for r in rows}) != len(rows):
        raise ValueError("the stage table must have one row per combination of its decisive criteria")

    lex = data["lexicon"]
    time = lex["time"]
    lexicon = Lexicon(
        sentence_split=_compile([lex["sentence_split"]]),
        clause_split=_compile(lex["clause_split"]),
        negation=_compile(lex["negation"]),
        negation_exclusions=_compile(lex["negation_exclusions"]),
        uncertain=_compile(lex["uncertain"]),
        future=_compile(lex["future"]),
        only=_compile(lex["only"]),
        recent=_compile(time["recent"]),
        stale=_compile(time["stale"]),
        boundary=_compile(time["boundary"]),
        year=_compile(time["year"]),
        months_ago=_compile(time["months_ago"]),
        numbers=dict(time["numbers"]),
    )
    cues = tuple(
        Cue(q=c["q"], facet=c["facet"], patterns=tuple(_compile([p]) for lang in LANGS for p in c.get(lang, ())))
        for c in data["cues"]
    )
    qrules = {int(k): v for k, v in data["question_rules"].items()}
    submitted = data["special"]["submitted"]
    stages = data["stages"]
    return RoadmapRules(
        questions=questions,
        criteria=criteria,
        stage_table=rows,
        decide_on=tuple(table["decide_on"]),
        overrides=overrides,
        sequential=sequential,
        ask_order=tuple(data["ask_order"]),
        cues=cues,
        lexicon=lexicon,
        components={
            q: tuple((name, _compile(p)) for name, p in r["components"].items())
            for q, r in qrules.items()
            if "components" in r
        },
        combine_any=frozenset(q for q, r in qrules.items() if r.get("combine") == "any"),
        intent_counts=frozenset(q for q, r in qrules.items() if r.get("intent_counts")),
        positive_only=frozenset((q, f) for q, r in qrules.items() for f in r.get("positive_only_facets", ())),
        blockers={q: _compile(r["blockers"]) for q, r in qrules.items() if "blockers" in r},
        windows={q: int(r["time_window_months"]) for q, r in qrules.items() if "time_window_months" in r},
        focal_point=next(
            (q, frozenset(r["officer_facets"]), r["committee_facet"])
            for q, r in qrules.items()
            if "officer_facets" in r
        ),
        submitted=_compile({k: v for k, v in submitted.items() if k in LANGS}),
        submitted_needs=_compile(submitted["needs"]),
        submitted_question=int(submitted["question"]),
        submitted_drop_no=frozenset(submitted.get("also_drop_no", ())),
        implications=tuple(
            Implication(
                id=i["id"],
                pattern=_compile({k: v for k, v in i.items() if k in LANGS}),
                when=bool(i["when"]),
                sets=tuple((int(q), bool(v)) for q, v in i["sets"].items()),
                ignore_future=bool(i.get("ignore_future", False)),
            )
            for i in data["implications"]
        ),
        criterion_notes=tuple((n["note"], tuple(n["when"].items()), n["settled_by"]) for n in data["criterion_notes"]),
        document_tensions=frozenset(data["document_tensions"]),
        stage_areas={s: tuple(v["areas"]) for s, v in stages.items()},
        cross_cutting_areas=tuple(data["cross_cutting_areas"]),
        next_steps=data["next_steps"],
        contacts=data["contacts"],
        messages=data["messages"],
        doc_source=doc_file,
        doc_title=title,
        doc_text=doc_text,
        doc_id=make_doc_id(doc_file, doc_text),
    )


# ------------------------------------------------------------------------------------------------ answers, lang


def parse_answers(spec: str) -> dict[int, bool | None]:
    """Parse the CLI form ``"yyn?n..."``: one of y/n/? (or 1/0) per question in order; missing ones are unknown.

    Returns all 15 questions. Raises ``InvalidRequest`` on any other character or more than 15 answers.
    """
    chars = spec.strip()
    if len(chars) > len(QUESTIONS):
        raise InvalidRequest(f"at most {len(QUESTIONS)} answers, got {len(chars)}")
    answers: dict[int, bool | None] = dict.fromkeys(QUESTIONS)
    for q, ch in enumerate(chars, start=1):
        key = ch.lower()
        if key not in _ANSWER_CHARS:
            raise InvalidRequest(f"bad answer {ch!r} for question {q}: use y, n or ? (or 1, 0)")
        answers[q] = _ANSWER_CHARS[key]
    return answers


def detect_lang(text: str) -> Literal["zh", "en"]:
    """``"zh"`` when Han characters make up at least 30% of the letters (Han + Latin), else ``"en"``."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if han and han / (han + latin) >= _ZH_RATIO else "en"


def _check_lang(lang: str) -> Literal["zh", "en"]:
    if lang == "zh":
        return "zh"
    if lang == "en":
        return "en"
    raise InvalidRequest(f"unsupported language {lang!r}: use 'zh' or 'en'")


def _check_answers(answers: Mapping[int, bool | None] | None) -> dict[int, bool | None]:
    if answers is None:
        return {}
    checked: dict[int, bool | None] = {}
    for q, v in answers.items():
        if isinstance(q, bool) or not isinstance(q, int) or not (q in FACTS or 1 <= q <= len(QUESTIONS)):
            raise InvalidRequest(
                f"bad question number {q!r}: use 1..{len(QUESTIONS)} (or {ISO37123} for ISO 37123, "
                f"{SUBMITTED} for a plan submitted to the governing body)"
            )
        if v is not None and not isinstance(v, bool):
            raise InvalidRequest(f"bad answer {v!r} for question {q}: use True, False or None")
        checked[q] = v
    return checked


# --------------------------------------------------------------------------------------------------- free text


@dataclass(frozen=True, slots=True)
class _Statement:
    q: int
    facet: str
    value: bool | None
    pos: int
    sentence: str
    noted: bool = False  # an unknown value that already raised its own ambiguity


@dataclass(frozen=True, slots=True)
class _Note:
    """An ambiguity: a message key, the questions that settle it, and template parameters."""

    key: str
    questions: tuple[int, ...]
    params: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class _Reading:
    answers: dict[int, bool] = field(default_factory=dict)
    evidence: dict[int, str] = field(default_factory=dict)
    notes: list[_Note] = field(default_factory=list)


def map_text(
    text: str, rules: RoadmapRules, *, lang: str | None = None
) -> tuple[dict[int, bool], dict[int, str], list[str]]:
    """Map a free-text description (zh or en) to survey answers.

    Returns the answers found (question -> bool; unknown questions are absent; key ``ISO37123`` for the
    certification, ``SUBMITTED`` for a plan submitted to the governing body), the sentence behind each, and the
    ambiguities met, in ``lang`` (detected from the text when None), each naming the question that settles it.
    """
    out_lang = _check_lang(lang) if lang is not None else detect_lang(text)
    reading = _read_text(text, rules)
    return reading.answers, reading.evidence, [_render_note(n, rules, out_lang) for n in reading.notes]


def _spans(text: str, splitter: re.Pattern[str]) -> list[tuple[int, int]]:
    """Non-empty, whitespace-trimmed pieces of ``text`` between matches of ``splitter``, as offsets."""
    cuts = [(0, 0), *((m.start(), m.end()) for m in splitter.finditer(text)), (len(text), len(text))]
    spans = []
    for (_, start), (end, _) in itertools.pairwise(cuts):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with every match of ``pattern`` blanked out (same length, so offsets hold)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _number(token: str, numbers: Mapping[str, int]) -> int | None:
    token = token.lower()
    if token.isdigit():
        return int(token)
    if token in numbers:
        return numbers[token]
    if token.startswith("十") and len(token) == 2 and token[1] in numbers:  # 十一, 十二
        return 10 + numbers[token[1]]
    return None


def _time_verdict(
    scope: str, lex: Lexicon, window: int, this_year: int
) -> Literal["recent", "stale", "boundary"] | None:
    """Where a time expression in ``scope`` puts an activity relative to the window (months): a recurring or
    recent time wins; a calendar year is recent when it is this year and a boundary case when it is last year."""
    if lex.recent.search(scope):
        return "recent"
    for m in lex.months_ago.finditer(scope):
        months = _number(next((g for g in m.groups() if g), ""), lex.numbers)
        if months is not None:
            return "recent" if months <= window else "stale"
    years = [int(g) for m in lex.year.finditer(scope) for g in m.groups() if g]
    if years:
        latest = max(years)
        return "recent" if latest >= this_year else ("boundary" if latest == this_year - 1 else "stale")
    if lex.stale.search(scope):
        return "stale"
    if lex.boundary.search(scope):
        return "boundary"
    return None


@dataclass(frozen=True, slots=True)
class _Sentence:
    """One sentence of the user's text: its offset in the text, a copy with the negation exclusions blanked out
    (same length) and its clauses as offsets into the sentence."""

    start: int
    text: str
    masked: str
    clauses: tuple[tuple[int, int], ...]

    @classmethod
    def split(cls, text: str, lex: Lexicon) -> list[_Sentence]:
        sentences = []
        for start, end in _spans(text, lex.sentence_split):
            sentence = text[start:end]
            masked = _mask(sentence, lex.negation_exclusions)
            clauses = tuple(_spans(masked, lex.clause_split)) or ((0, len(sentence)),)
            sentences.append(cls(start, sentence, masked, clauses))
        return sentences

    def scope(self, start: int, end: int) -> tuple[int, int]:
        """The clauses that a match at ``start:end`` touches, as one span."""
        hit = [c for c in self.clauses if c[0] < end and start < c[1]] or list(self.clauses)
        return min(c[0] for c in hit), max(c[1] for c in hit)

    def negated(self, start: int, end: int, lex: Lexicon) -> bool:
        return lex.negation.search(self.masked[start:end]) is not None

    def polarity(self, start: int, end: int, lex: Lexicon, *, future_hedges: bool) -> tuple[bool | None, str]:
        """Yes, no (a negation in its clauses, or, when ``future_hedges``, talk of the future or of something
        still being set up: "we plan to", "正在筹建" say it is not done yet) or unknown (a hedge) for a match at
        ``start:end``, with the text of its clauses."""
        c0, c1 = self.scope(start, end)
        scope = self.text[c0:c1]
        if lex.uncertain.search(scope):
            return None, scope
        if future_hedges and lex.future.search(scope):
            return False, scope
        return not self.negated(c0, c1, lex), scope


def _read_text(text: str, rules: RoadmapRules) -> _Reading:
    lex = rules.lexicon
    year = datetime.date.today().year
    statements: list[_Statement] = []
    notes: list[_Note] = []
    submitted: list[str] = []  # sentences that state a submission, in order
    for sentence in _Sentence.split(text, lex):
        for cue in rules.cues:
            statements.extend(_read_cue(cue, sentence, rules, notes, year))
        for rule in rules.implications:
            for m in rule.pattern.finditer(sentence.text):
                value, _ = sentence.polarity(m.start(), m.end(), lex, future_hedges=not rule.ignore_future)
                if value is rule.when:
                    statements.extend(
                        _Statement(q, "implied", v, sentence.start + m.start(), sentence.text) for q, v in rule.sets
                    )
        if _read_submission(sentence, rules):
            submitted.append(sentence.text)
    return _combine(statements, submitted, notes, rules)


def _read_submission(sentence: _Sentence, rules: RoadmapRules) -> bool:
    """Whether ``sentence`` states that a plan or strategy was submitted: a submission cue in a clause that is not
    negated, hedged or about the future. The cues themselves ("awaiting a vote") are blanked before the hedge
    check, since waiting for a decision is what a submitted plan does (but not before the future check: "准备提交"
    is a plan to submit)."""
    if not rules.submitted_needs.search(sentence.text):
        return False
    lex = rules.lexicon
    unhedged = _mask(sentence.text, rules.submitted)
    for m in rules.submitted.finditer(sentence.text):
        c0, c1 = sentence.scope(m.start(), m.end())
        if (
            lex.uncertain.search(unhedged[c0:c1])
            or lex.future.search(sentence.text[c0:c1])
            or sentence.negated(c0, c1, lex)
        ):
            continue
        return True
    return False


def _read_cue(
    cue: Cue, sentence: _Sentence, rules: RoadmapRules, notes: list[_Note], this_year: int
) -> Iterable[_Statement]:
    lex = rules.lexicon
    blocker = rules.blockers.get(cue.q)
    for pattern in cue.patterns:
        for m in pattern.finditer(sentence.text):
            if blocker is not None and blocker.search(m.group(0)):
                continue
            value, scope = sentence.polarity(m.start(), m.end(), lex, future_hedges=cue.q not in rules.intent_counts)
            if value is False and (cue.q, cue.facet) in rules.positive_only:
                continue
            noted = False
            if value and cue.q in rules.components:
                value = _check_components(cue.q, sentence, scope, rules, notes)
                noted = value is None
            window = rules.windows.get(cue.q)
            if value and window:
                verdict = _time_verdict(scope, lex, window, this_year) or (
                    _time_verdict(sentence.text, lex, window, this_year)
                )
                if verdict in ("stale", "boundary"):
                    value = False
                if verdict == "boundary":
                    notes.append(_Note("q3_boundary", (cue.q,)))
            yield _Statement(cue.q, cue.facet, value, sentence.start + m.start(), sentence.text, noted)


def _check_components(q: int, sentence: _Sentence, scope: str, rules: RoadmapRules, notes: list[_Note]) -> bool | None:
    """A question that names several parts (Q2: staff AND council) holds only when none is denied or excluded
    ("only staff"); when some parts are mentioned and the others not at all, it is unknown."""
    lex = rules.lexicon
    parts = rules.components[q]
    denied: dict[str, bool] = {}
    for name, pattern in parts:
        for c0, c1 in sentence.clauses:
            if pattern.search(sentence.text[c0:c1]):
                denied[name] = denied.get(name, False) or sentence.negated(c0, c1, lex)
    if any(denied.values()):
        return False
    if denied and len(denied) < len(parts):
        if lex.only.search(scope):
            return False
        notes.append(_Note("q2_partial", (q,)))
        return None
    return True


def _combine(statements: list[_Statement], submitted: list[str], notes: list[_Note], rules: RoadmapRules) -> _Reading:
    """Per question: within a facet the last definite statement wins (any yes for ``combine_any`` questions);
    facets are alternatives (three-valued OR)."""
    reading = _Reading(notes=notes)
    by_q: dict[int, list[_Statement]] = {}
    for st in sorted(statements, key=lambda s: s.pos):
        if st.sentence in submitted and (
            (st.q == rules.submitted_question and st.value is not True)
            or (st.q in rules.submitted_drop_no and st.value is False)
        ):
            continue  # submitted, not approved: stays unknown
        by_q.setdefault(st.q, []).append(st)

    facets_true: dict[int, set[str]] = {}
    for q, sts in by_q.items():
        facet_values: dict[str, _Statement] = {}
        for st in sts:
            if st.value is None:
                continue
            if q in rules.combine_any and facet_values.get(st.facet) and facet_values[st.facet].value:
                continue
            facet_values[st.facet] = st
        decided = [st for st in facet_values.values() if st.value is not None]
        if not decided:
            hedged = [st for st in sts if not st.noted]
            if hedged:
                reading.notes.append(_Note("hedged", (q,), (("sentence", hedged[-1].sentence.strip()),)))
            continue
        yes = [st for st in decided if st.value]
        chosen = yes[-1] if yes else decided[-1]
        reading.answers[q] = bool(yes)
        reading.evidence[q] = chosen.sentence.strip()
        facets_true[q] = {st.facet for st in yes}

    sq = rules.submitted_question
    if submitted:
        reading.answers[SUBMITTED] = True
        reading.evidence[SUBMITTED] = submitted[-1].strip()
    if submitted and reading.answers.get(sq) is not True:
        reading.answers.pop(sq, None)
        reading.evidence.pop(sq, None)
        reading.notes.append(_Note("submitted", (sq,)))
    fq, officer_facets, committee_facet = rules.focal_point
    held = facets_true.get(fq, set())
    if held & officer_facets and committee_facet not in held:
        reading.notes.append(_Note("officer_not_committee", (fq,)))
    reading.notes[:] = _dedupe_notes(reading.notes)
    return reading


def _dedupe_notes(notes: Iterable[_Note]) -> list[_Note]:
    seen: dict[tuple[str, tuple[int, ...], tuple[tuple[str, str], ...]], _Note] = {}
    for note in notes:
        seen.setdefault((note.key, note.questions, note.params), note)
    return list(seen.values())


def _ref(q: int, rules: RoadmapRules, lang: str) -> str:
    if q in FACTS:
        return rules.criterion(FACTS[q]).label(lang)
    return rules.message("question_ref", lang, n=str(q), label=rules.question(q).label(lang))


def _render_note(note: _Note, rules: RoadmapRules, lang: str) -> str:
    text = rules.message(note.key, lang, **dict(note.params))
    if not note.questions:
        return text
    refs = rules.message("list_sep", lang).join(_ref(q, rules, lang) for q in note.questions)
    return text + rules.message("settled_by", lang, refs=refs)


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


def _evaluate(expr: Expr, values: Mapping[int, bool | None], rules: RoadmapRules) -> bool | None:
    if isinstance(expr, int):
        return values.get(expr)
    if isinstance(expr, str):
        return _evaluate(rules.criterion(expr).expr, values, rules)
    ((op, items),) = expr.items()
    parts = (_evaluate(item, values, rules) for item in items)
    return _and3(parts) if op == "all" else _or3(parts)


def _decided_stage(values: Mapping[int, bool | None], rules: RoadmapRules) -> StageRow | None:
    """The stage-table row for these values, or None while a decisive criterion is unknown."""
    key = tuple((cid, _evaluate(cid, values, rules)) for cid in rules.decide_on)
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
            raise _invalid("the roadmap stage table does not cover a complete answer set")
        outcome[combo] = row.stage
    weight = {}
    for i, q in enumerate(unknown):
        weight[q] = sum(
            1
            for combo, stage in outcome.items()
            if combo[i] and outcome[combo[:i] + (False,) + combo[i + 1 :]] != stage
        )
    return set(outcome.values()), weight


def _order(questions: Iterable[int], rules: RoadmapRules, weight: Mapping[int, int] | None = None) -> list[int]:
    rank = {q: i for i, q in enumerate(rules.ask_order)}
    weight = weight or {}
    return sorted(set(questions), key=lambda q: (-weight.get(q, 0), rank.get(q, len(rank) + q)))


def _missing_parts(cid: str, values: Mapping[int, bool | None], rules: RoadmapRules) -> list[int]:
    """Questions of the not-met direct parts of criterion ``cid``."""
    expr = rules.criterion(cid).expr
    items = next(iter(expr.values())) if isinstance(expr, dict) else [expr]
    missing: list[int] = []
    for item in items:
        if _evaluate(item, values, rules) is not True:
            qs = (item,) if isinstance(item, int) else rules.criterion(item).questions
            missing.extend(q for q in qs if values.get(q) is not True)
    return missing


# ------------------------------------------------------------------------------------------------------ output


def assess_stage(
    answers: Mapping[int, bool | None] | None = None,
    text: str | None = None,
    *,
    rules: RoadmapRules,
    source: Document | None = None,
    lang: str | None = None,
) -> StageResult:
    """The roadmap stage for survey ``answers`` (question -> True/False/None) and/or a free-text description.

    Explicit answers override what the text says (None lets the text speak). ``lang`` ("zh"/"en") is the output
    language; when None it is detected from ``text`` (else "en"). ``source`` is the loaded MCR2030 Document:
    citations then carry its ``doc_id`` and offsets into its text (else the rules' own copy of the file). Raises
    ``InvalidRequest`` for bad answers or language, or when ``source`` lacks a quoted criterion.
    """
    explicit = _check_answers(answers)
    out_lang = _check_lang(lang) if lang is not None else (detect_lang(text) if text else "en")
    reading = _read_text(text, rules) if text else _Reading()

    values: dict[int, bool | None] = dict.fromkeys((*FACTS, *QUESTIONS))
    evidence: dict[int, str] = {}
    for q, value in reading.answers.items():
        values[q] = value
        evidence[q] = reading.evidence[q]
    for q, v in explicit.items():
        if v is not None:
            values[q] = v
            word = rules.message("yes" if v else "no", out_lang)
            evidence[q] = (
                rules.message("evidence_fact", out_lang, label=_ref(q, rules, out_lang), value=word)
                if q in FACTS
                else rules.message("evidence_answer", out_lang, n=str(q), value=word)
            )
    if values[SUBMITTED] is None:  # a fact, not a question: not stated means not submitted, never asked
        values[SUBMITTED] = False
    # An explicit answer settles what the text left open, but not a tension between the documents themselves;
    # the submission's tension is moot once the plan is approved (Q13 yes) or the submission is denied.
    notes = [
        n
        for n in reading.notes
        if (n.key in rules.document_tensions or any(explicit.get(q) is None for q in n.questions))
        and not (n.key == "submitted" and (values[rules.submitted_question] or not values[SUBMITTED]))
    ]

    stage, to_ask = _stage(values, rules, notes, out_lang)
    statuses = {rule.id: _status(_evaluate(rule.id, values, rules)) for rule in rules.criteria}
    for key, when, settled_by in rules.criterion_notes:
        if all(statuses[cid] == status for cid, status in when):
            notes.append(_Note(key, tuple(_order(rules.criterion(settled_by).questions, rules))))

    return StageResult(
        stage=stage,
        criteria=_criteria(values, evidence, statuses, rules, source, out_lang),
        answers=tuple((q, values[q]) for q in QUESTIONS),
        to_ask=tuple(to_ask),
        ambiguities=tuple(dict.fromkeys(_render_note(n, rules, out_lang) for n in _dedupe_notes(notes))),
        next_steps=tuple(_next_steps(stage, values, statuses, rules, out_lang)),
        areas=rules.stage_areas.get(stage, rules.cross_cutting_areas),
        evidence=tuple((q, evidence[q]) for q in QUESTIONS if q in evidence),
    )


def _stage(
    values: Mapping[int, bool | None], rules: RoadmapRules, notes: list[_Note], lang: str
) -> tuple[Literal["A", "B", "C", "undecided"], list[int]]:
    """The stage and the questions to ask: an override that holds decides alone; otherwise the stage is the one
    every completion of the unknowns agrees on, else undecided with the decisive unknowns, heaviest first."""
    for cid, stage in rules.overrides:
        if _evaluate(cid, values, rules) is True:
            return stage, []
    if rules.sequential is not None:
        # The roadmap is sequential: a criterion of the first step known unmet decides, whatever is unknown
        # about the next step (unless the next step is known met: then the documents do not settle it).
        unmet, unless_met, stage = rules.sequential
        if _evaluate(unmet, values, rules) is False and _evaluate(unless_met, values, rules) is not True:
            return stage, []
    outcomes, weight = _outcomes(values, rules)
    decisive = {q: w for q, w in weight.items() if w > 0}
    to_ask = _order(decisive, rules, decisive)
    row = _decided_stage(values, rules)
    if row is not None and row.ask_missing:
        missing = _order(_missing_parts(row.ask_missing, values, rules), rules)
        to_ask += [q for q in missing if q not in to_ask]
        if row.note:
            refs = rules.message("list_sep", lang).join(_ref(q, rules, lang) for q in missing)
            notes.append(_Note(row.note, tuple(missing), (("missing", refs),)))
    only = outcomes.pop() if len(outcomes) == 1 else "undecided"
    return _as_stage(only), to_ask


def _as_stage(value: str) -> Literal["A", "B", "C", "undecided"]:
    for stage in ("A", "B", "C", "undecided"):
        if value == stage:
            return stage
    raise _invalid(f"unknown stage {value!r} in the roadmap rules")


def _status(value: bool | None) -> Status:
    return "unknown" if value is None else ("met" if value else "unmet")


def _criteria(
    values: Mapping[int, bool | None],
    evidence: Mapping[int, str],
    statuses: Mapping[str, Status],
    rules: RoadmapRules,
    source: Document | None,
    lang: str,
) -> tuple[Criterion, ...]:
    doc_id, doc_source, title = (
        (source.doc_id, source.source, source.title)
        if source is not None
        else (rules.doc_id, rules.doc_source, rules.doc_title)
    )
    out = []
    for n, rule in enumerate(rules.criteria, start=1):
        ev = tuple(dict.fromkeys(evidence[q] for q in rule.facts if q in evidence and values.get(q) is not None))
        start, end = _locate(rule.passage, source)
        citation = Citation(
            n=n,
            doc_id=doc_id,
            source=doc_source,
            title=title,
            section=rule.passage.section,
            page=source.page_at(start) if source is not None else None,
            start=start,
            end=end,
            quote=rule.passage.quote,
            lang="zh",
        )
        out.append(
            Criterion(
                id=rule.id,
                label=rule.label(lang),
                status=statuses[rule.id],
                questions=rule.questions,
                evidence=ev,
                citation=citation,
            )
        )
    return tuple(out)


def _locate(passage: Passage, source: Document | None) -> tuple[int, int]:
    if source is None:
        return passage.start, passage.end
    start = source.text.find(passage.quote)
    if start < 0:
        raise InvalidRequest(f"source {source.source!r} does not contain the roadmap quote {passage.quote[:30]!r}")
    return start, start + len(passage.quote)


def _next_steps(
    stage: str, values: Mapping[int, bool | None], statuses: Mapping[str, Status], rules: RoadmapRules, lang: str
) -> list[str]:
    """What to do next, in ``lang``: the unmet criteria towards the next stage, then the stage's commitments."""
    ns = rules.next_steps
    if stage == "undecided":
        contacts = rules.contacts
        listed = [f"{r[lang]} {r['email']}" for r in contacts["regions"]]
        listed.append(f"{contacts['global'][lang]} {contacts['global']['email']}")
        joined = rules.message("list_sep", lang).join(listed)
        return [item[lang].format(contacts=joined) for item in ns["undecided"]]
    steps = [
        item[lang]
        for item in ns["to_next"].get(stage, ())
        if ("criterion" not in item or statuses[item["criterion"]] != "met")
        and not any(values.get(q) is True for q in item.get("unless_any", ()))
    ]
    steps += [item[lang] for item in ns["commitments"][stage]]
    steps += [item[lang] for item in ns["all"]]
    return steps


def next_question(result: StageResult, rules: RoadmapRules, lang: str) -> tuple[int, str] | None:
    """The most decisive question still to ask (the first of ``result.to_ask``) with its text in ``lang``."""
    out_lang = _check_lang(lang)
    if not result.to_ask:
        return None
    q = result.to_ask[0]
    return q, rules.question(q).text(out_lang)
