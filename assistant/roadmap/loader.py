"""The roadmap rules as loaded: ``roadmap.json`` validated (``model``), its patterns compiled and its quotes
located in the MCR2030 document it cites."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from assistant.roadmap.exemplars import EXEMPLARS_FILE, Exemplar, ExemplarReader
from assistant.roadmap.model import ExemplarFile, RoadmapFile, validation_problems
from ingest.loaders import make_doc_id
from retriever.embedders import Embedder
from retriever.errors import InvalidKnowledgeFile, InvalidRequest, NotFound

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
    anaphora: re.Pattern[str]
    predicate_after_list: re.Pattern[str]
    bare_predicate: re.Pattern[str]
    negated_list_head: re.Pattern[str]
    list_item: re.Pattern[str]
    topicless: re.Pattern[str]
    interrogative: re.Pattern[str]
    retracted: re.Pattern[str]
    others: re.Pattern[str]
    own: re.Pattern[str]
    status_denied: re.Pattern[str]
    coordinated: re.Pattern[str]
    contrast: re.Pattern[str]
    opens_with_predicate: re.Pattern[str]
    asked: re.Pattern[str]
    answered: re.Pattern[str]
    recent: re.Pattern[str]
    stale: re.Pattern[str]
    boundary: re.Pattern[str]
    year: re.Pattern[str]
    months_ago: re.Pattern[str]
    dated: re.Pattern[str]
    undated: re.Pattern[str]
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
    unstated_in_text: tuple[tuple[int, ...], str]
    unstated_when_denied: Mapping[int, tuple[int, ...]]
    closed_account: tuple[re.Pattern[str], tuple[int, ...], str] | None
    ask_order: tuple[int, ...]
    cues: tuple[Cue, ...]
    lexicon: Lexicon
    components: Mapping[int, tuple[tuple[str, re.Pattern[str]], ...]]
    combine_any: frozenset[int]
    intent_counts: frozenset[int]
    positive_only: frozenset[tuple[int, str]]
    blockers: Mapping[int, re.Pattern[str]]
    non_approvers: Mapping[int, tuple[re.Pattern[str], re.Pattern[str]]]
    exclusions: Mapping[int, re.Pattern[str]]
    text_exclusions: Mapping[int, re.Pattern[str]]
    components_not_about: Mapping[int, re.Pattern[str]]
    other_audience: Mapping[int, re.Pattern[str]]
    future_only_with: Mapping[int, re.Pattern[str]]
    windows: Mapping[int, int]
    focal_point: tuple[int, frozenset[str], str]
    submitted: re.Pattern[str]
    submitted_needs: re.Pattern[str]
    submitted_undone: re.Pattern[str] | None
    submitted_not_plans: re.Pattern[str] | None
    submitted_question: int
    submitted_drop_no: frozenset[int]
    implications: tuple[Implication, ...]
    criterion_notes: tuple[tuple[str, tuple[tuple[str, Status], ...], str], ...]
    document_tensions: frozenset[str]
    stage_areas: Mapping[str, tuple[int, ...]]
    # per stage: its heading, then the sentences saying what it is about; ``stage_after``: the end of the roadmap
    stage_passages: Mapping[str, tuple[Passage, ...]]
    stage_after: Mapping[str, Passage]
    stages_overview: Passage  # the document's sentence on the stages as a whole (how many there are)
    area_passages: Mapping[int, Passage]  # each thematic area's heading in the document, by number
    cross_cutting_areas: tuple[int, ...]
    next_steps: Mapping[str, Any]
    contacts: Mapping[str, Any]
    messages: Mapping[str, Mapping[str, str]]
    doc_source: str
    doc_title: str
    doc_text: str = field(repr=False)
    doc_id: str = ""
    exemplars: ExemplarReader | None = field(default=None, repr=False)
    reader: Literal["patterns", "exemplars", "both"] = "patterns"

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


def load_rules(
    knowledge_dir: Path,
    corpus_dir: Path,
    *,
    embedder: Embedder | Callable[[], Embedder] | None = None,
    reader: Literal["patterns", "exemplars", "both"] | None = None,
) -> RoadmapRules:
    """Load ``roadmap.json`` from ``knowledge_dir`` and the MCR2030 document it quotes from ``corpus_dir``
    (``paths.knowledge_dir`` and ``paths.corpus_dir``: two independent folders).

    ``roadmap_exemplars.json`` (when present) gives the exemplar statements and which reader reads free text
    (``reader`` overrides it): the patterns alone, or also the exemplars by meaning, which needs the ``embedder``
    (the service's loaded one, from the composition root, or a function that loads one, called only when the
    reader needs it). Every caller gets the same reader: one that needs the embedder without being given it is an
    ``InvalidKnowledgeFile``, never a silent fall-back to the patterns.

    Raises ``NotFound`` when either file is missing and ``InvalidKnowledgeFile`` when the rules are malformed (the
    message names each problem's location in the file, see ``model``), a
    regex does not compile, or a quote is not found exactly once in the document.
    """
    path = Path(knowledge_dir) / RULES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise NotFound(f"roadmap rules not found: {path}") from e
    except (OSError, json.JSONDecodeError) as e:
        raise invalid(f"cannot read {path}: {e}") from e
    try:
        RoadmapFile.model_validate(data)
    except ValidationError as e:
        raise invalid(f"malformed {path}: " + "; ".join(validation_problems(e))) from e
    corpus_dir = Path(corpus_dir)
    doc_file = data["document"]["file"]
    try:
        doc_text = (corpus_dir / doc_file).read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise NotFound(f"roadmap source document not found: {corpus_dir / doc_file}") from e
    data = with_variants(data)
    try:
        rules = _build_rules(data, doc_file, doc_text, _manifest_title(corpus_dir, doc_file))
    except (KeyError, TypeError, ValueError) as e:
        raise invalid(f"malformed {path}: {e!r}") from e
    rules = _with_exemplars(rules, Path(knowledge_dir) / EXEMPLARS_FILE, embedder, reader)
    logger.debug(
        "roadmap.rules_loaded questions=%d cues=%d reader=%s", len(rules.questions), len(rules.cues), rules.reader
    )
    return rules


def _with_exemplars(
    rules: RoadmapRules,
    path: Path,
    embedder: Embedder | Callable[[], Embedder] | None,
    reader: Literal["patterns", "exemplars", "both"] | None,
) -> RoadmapRules:
    if reader in (None, "patterns") and not path.is_file():
        return replace(rules, reader="patterns")  # a knowledge folder without exemplars: the patterns read text
    try:
        data = ExemplarFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as e:
        raise NotFound(f"roadmap exemplars not found: {path}") from e
    except (OSError, json.JSONDecodeError) as e:
        raise invalid(f"cannot read {path}: {e}") from e
    except ValidationError as e:
        raise invalid(f"malformed {path}: " + "; ".join(validation_problems(e))) from e
    chosen = reader or data.reader
    if chosen == "patterns":
        return replace(rules, reader="patterns")  # nothing to embed
    if embedder is None:
        raise invalid(f"{path}: the {chosen!r} reader reads text with the embedder, and none was given to load_rules")
    # a loader is called only here, so the patterns reader never loads a model
    model = embedder if isinstance(embedder, Embedder) else embedder()
    groups = [data.exemplars] + ([data.learned.exemplars] if data.learned is not None else [])
    exemplars = [
        Exemplar(q, lang, text)
        for group in groups
        for q, by_lang in sorted(group.items())
        for lang in LANGS
        for text in getattr(by_lang, lang)
    ]
    matcher = ExemplarReader(model, exemplars, data.threshold, data.margin)
    return replace(rules, exemplars=matcher, reader=chosen)


def invalid(message: str) -> InvalidKnowledgeFile:
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
        raise invalid(f"quote found {count} times in the roadmap document (need exactly once): {quote[:40]!r}")
    start = doc_text.index(quote)
    return Passage(quote=quote, section=tuple(section), start=start, end=start + len(quote))


def _spelling(word: str) -> str:
    """A variant as a pattern: a Latin word only as a whole word, plural allowed ("plan" is not "Planning")."""
    if word.isascii() and word.isalpha():
        return rf"(?<![A-Za-z]){re.escape(word)}s?(?![A-Za-z])"
    return re.escape(word)


def with_variants(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with every Chinese pattern also reading the regional spellings of its words that
    ``lexicon.variants`` lists (Taiwan's 策略 and 宣导 for 战略 and 宣传): one table instead of a second copy of
    each pattern. A word inside a character class is left alone (none of the listed words occurs in one). A Latin
    spelling (a plan named in English inside Chinese text) reads only as a whole word."""
    variants = data["lexicon"].get("variants", {})
    if not variants:
        return dict(data)
    table = sorted(variants.items(), key=lambda kv: -len(kv[0]))
    word = re.compile("|".join(re.escape(w) for w, _ in table))
    spellings = {w: "(?:" + "|".join(_spelling(x) for x in (w, *alts)) + ")" for w, alts in table}

    def fold(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: fold(v, k) for k, v in node.items()}
        if isinstance(node, list):
            if key == "zh" and all(isinstance(x, str) for x in node):
                return [word.sub(lambda m: spellings[m.group(0)], x) for x in node]
            return [fold(x) for x in node]
        return node

    lexicon = {k: fold(v, k) for k, v in data["lexicon"].items() if k != "variants"}
    return {**{k: fold(v, k) for k, v in data.items() if k != "lexicon"}, "lexicon": {**lexicon, "variants": variants}}


def compile_patterns(
    groups: Mapping[str, Iterable[str]] | Iterable[str],
) -> re.Pattern[str]:
    """One case-insensitive pattern from ``{"en": [...], "zh": [...]}`` (or a plain list) of alternatives."""
    parts = [p for lang in LANGS for p in groups.get(lang, ())] if isinstance(groups, Mapping) else list(groups)
    if not parts:
        raise ValueError("empty pattern group")
    try:
        return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)
    except re.error as e:
        raise invalid(f"bad pattern in roadmap rules: {e}") from e


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


def _per_question(qrules: Mapping[int, Mapping[str, Any]], key: str) -> dict[int, re.Pattern[str]]:
    """The compiled patterns of ``key`` for each question whose rules give it."""
    return {q: compile_patterns(r[key]) for q, r in qrules.items() if key in r}


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
            stage=as_stage(row["stage"]),
            ask_missing=row.get("ask_missing", ""),
            note=row.get("note", ""),
        )
        for row in table["rows"]
    )
    overrides = tuple((o["criterion"], as_stage(o["stage"])) for o in table.get("overrides", ()))
    if any(stage == "undecided" for _, stage in overrides):
        raise ValueError("an override must name a stage")
    seq = table.get("sequential")
    sequential = (seq["unmet"], seq["unless_met"], as_stage(seq["stage"])) if seq else None
    unstated = table.get("unstated_in_text")
    unstated_in_text = (tuple(unstated["questions"]), unstated["note"]) if unstated else ((), "")
    if unstated and unstated["note"] not in data["messages"]:
        raise ValueError(f"stage_table.unstated_in_text.note names no message: {unstated['note']!r}")
    closed = table.get("closed_account")
    if closed and closed["note"] not in data["messages"]:
        raise ValueError(f"stage_table.closed_account.note names no message: {closed['note']!r}")
    closed_account = (
        (compile_patterns({k: closed[k] for k in LANGS}), tuple(closed["questions"]), closed["note"])
        if closed
        else None
    )
    if len(rows) != 2 ** len(table["decide_on"]) or len({r.when for r in rows}) != len(rows):
        raise ValueError("the stage table must have one row per combination of its decisive criteria")

    lex = data["lexicon"]
    time = lex["time"]
    lexicon = Lexicon(
        sentence_split=compile_patterns([lex["sentence_split"]]),
        clause_split=compile_patterns(lex["clause_split"]),
        negation=compile_patterns(lex["negation"]),
        negation_exclusions=compile_patterns(lex["negation_exclusions"]),
        uncertain=compile_patterns(lex["uncertain"]),
        future=compile_patterns(lex["future"]),
        only=compile_patterns(lex["only"]),
        anaphora=compile_patterns(lex["anaphora"]),
        predicate_after_list=compile_patterns(lex["predicate_after_list"]),
        bare_predicate=compile_patterns(lex["bare_predicate"]),
        negated_list_head=compile_patterns(lex["negated_list_head"]),
        list_item=compile_patterns(lex["list_item"]),
        topicless=compile_patterns(lex["topicless"]),
        interrogative=compile_patterns(lex["interrogative"]),
        retracted=compile_patterns(lex["retracted"]),
        others=compile_patterns(lex["others"]),
        own=compile_patterns(lex["own"]),
        status_denied=compile_patterns(lex["status_denied"]),
        coordinated=compile_patterns(lex["coordinated"]),
        contrast=compile_patterns(lex["contrast"]),
        opens_with_predicate=compile_patterns(lex["opens_with_predicate"]),
        asked=compile_patterns(lex["asked"]),
        answered=compile_patterns(lex["answered"]),
        recent=compile_patterns(time["recent"]),
        stale=compile_patterns(time["stale"]),
        boundary=compile_patterns(time["boundary"]),
        year=compile_patterns(time["year"]),
        months_ago=compile_patterns(time["months_ago"]),
        dated=compile_patterns(time["dated"]),
        undated=compile_patterns(time["undated"]),
        numbers=dict(time["numbers"]),
    )
    cues = tuple(
        Cue(
            q=c["q"],
            facet=c["facet"],
            patterns=tuple(compile_patterns([p]) for lang in LANGS for p in c.get(lang, ())),
        )
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
        unstated_in_text=unstated_in_text,
        unstated_when_denied={int(q): tuple(follows) for q, follows in (unstated or {}).get("when_denied", {}).items()},
        closed_account=closed_account,
        ask_order=tuple(data["ask_order"]),
        cues=cues,
        lexicon=lexicon,
        components={
            q: tuple((name, compile_patterns(p)) for name, p in r["components"].items())
            for q, r in qrules.items()
            if "components" in r
        },
        combine_any=frozenset(q for q, r in qrules.items() if r.get("combine") == "any"),
        intent_counts=frozenset(q for q, r in qrules.items() if r.get("intent_counts")),
        positive_only=frozenset((q, f) for q, r in qrules.items() for f in r.get("positive_only_facets", ())),
        blockers=_per_question(qrules, "blockers"),
        non_approvers={
            q: (compile_patterns(r["non_approvers"]), compile_patterns(r["approvers"]))
            for q, r in qrules.items()
            if "non_approvers" in r
        },
        exclusions=_per_question(qrules, "excluded_by"),
        text_exclusions=_per_question(qrules, "excluded_in_text"),
        components_not_about=_per_question(qrules, "components_not_about"),
        other_audience=_per_question(qrules, "other_audience"),
        future_only_with=_per_question(qrules, "future_only_with"),
        windows={q: int(r["time_window_months"]) for q, r in qrules.items() if "time_window_months" in r},
        focal_point=next(
            (q, frozenset(r["officer_facets"]), r["committee_facet"])
            for q, r in qrules.items()
            if "officer_facets" in r
        ),
        submitted=compile_patterns({k: v for k, v in submitted.items() if k in LANGS}),
        submitted_needs=compile_patterns(submitted["needs"]),
        submitted_undone=compile_patterns(submitted["undone"]) if submitted.get("undone") else None,
        submitted_not_plans=compile_patterns(submitted["not_plans"]) if submitted.get("not_plans") else None,
        submitted_question=int(submitted["question"]),
        submitted_drop_no=frozenset(submitted.get("also_drop_no", ())),
        implications=tuple(
            Implication(
                id=i["id"],
                pattern=compile_patterns({k: v for k, v in i.items() if k in LANGS}),
                when=bool(i["when"]),
                sets=tuple((int(q), bool(v)) for q, v in i["sets"].items()),
                ignore_future=bool(i.get("ignore_future", False)),
            )
            for i in data["implications"]
        ),
        criterion_notes=tuple((n["note"], tuple(n["when"].items()), n["settled_by"]) for n in data["criterion_notes"]),
        document_tensions=frozenset(data["document_tensions"]),
        stage_areas={s: tuple(v["areas"]) for s, v in stages.items()},
        stage_passages={
            s: tuple(
                _passage(doc_text, quote, (*data["stages_section"], *([v["quote"]] if n else [])))
                for n, quote in enumerate((v["quote"], *v.get("about", ())))
            )
            for s, v in stages.items()
        },
        stages_overview=_passage(doc_text, data["stages_overview"]["quote"], data["stages_overview"]["section"]),
        area_passages={
            int(n): _passage(doc_text, a["quote"], data["stages_section"]) for n, a in data["areas"].items()
        },
        stage_after={
            s: _passage(doc_text, v["after"], (*data["stages_section"], v["quote"]))
            for s, v in stages.items()
            if v.get("after")
        },
        cross_cutting_areas=tuple(data["cross_cutting_areas"]),
        next_steps=data["next_steps"],
        contacts=data["contacts"],
        messages=data["messages"],
        doc_source=doc_file,
        doc_title=title,
        doc_text=doc_text,
        doc_id=make_doc_id(doc_file, doc_text),
    )


def as_stage(value: str) -> Literal["A", "B", "C", "undecided"]:
    for stage in ("A", "B", "C", "undecided"):
        if value == stage:
            return stage
    raise invalid(f"unknown stage {value!r} in the roadmap rules")
