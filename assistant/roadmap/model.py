"""The schema of ``roadmap.json``: pydantic models of the file as written, checked before anything is compiled.

Every model forbids unknown keys, so a typo in a key ("nedds" for "needs") or a missing one is an
``InvalidKnowledgeFile`` whose message names its location (``special.submitted.needs: Field required``) instead of
a ``KeyError`` deep inside the loader. The models describe the file only; ``loader`` turns the validated data into
the frozen ``RoadmapRules`` the rest of the package reads.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Stage = Literal["A", "B", "C", "undecided"]
StrictStage = Literal["A", "B", "C"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LangPatterns(_Strict):
    """Regular expressions per language (alternatives, matched case-insensitively)."""

    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)


class Bilingual(_Strict):
    en: str
    zh: str


class DocumentRef(_Strict):
    file: str


class QuestionEntry(_Strict):
    n: int = Field(ge=1, le=15)
    label_en: str
    label_zh: str
    quote: str
    en: str


class CriterionEntry(_Strict):
    id: str
    label_en: str
    label_zh: str
    expr: int | str | dict[Literal["all", "any"], list[Any]]
    section: list[str]
    quote: str
    note: str = ""


class CriterionNoteEntry(_Strict):
    note: str
    when: dict[str, Literal["met", "unmet", "unknown"]]
    settled_by: str


class StageRowEntry(BaseModel):
    """One row: the decisive criteria as ``{criterion id: bool}`` keys beside ``stage``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    stage: Stage
    ask_missing: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _criteria_are_booleans(self) -> StageRowEntry:
        for key, value in (self.model_extra or {}).items():
            if not isinstance(value, bool):
                raise ValueError(f"{key!r} must be true or false (a decisive criterion's value)")
        return self


class OverrideEntry(_Strict):
    criterion: str
    stage: StrictStage


class SequentialEntry(_Strict):
    unmet: str
    unless_met: str
    stage: Stage
    note: str = ""


class UnstatedEntry(_Strict):
    """Survey questions that a free-text description answers "no" by not mentioning them (never survey answers)."""

    about: str = ""
    questions: list[int] = Field(min_length=1)
    note: str
    when_denied: dict[int, list[int]] = Field(
        default_factory=dict,
        description="a question the text denies -> questions it then answers 'no' too when the text says nothing of "
        "them nor of the unstated ones (4: [12]: a committee not working on a strategy, and no plan mentioned: no "
        "strategy either)",
    )


class ClosedAccountEntry(_Strict):
    """Statements that a description lists all that has been done ("nothing else yet", "其他工作还没开始"): the
    survey questions it leaves unmentioned then read "no" like ``unstated_in_text``."""

    about: str = ""
    questions: list[int] = Field(min_length=1)
    note: str
    en: list[str] = Field(min_length=1)
    zh: list[str] = Field(min_length=1)
    examples: list[str] = Field(default_factory=list)
    counter_examples: list[str] = Field(default_factory=list)


class StageTableEntry(_Strict):
    about: str = ""
    decide_on: list[str]
    rows: list[StageRowEntry]
    overrides: list[OverrideEntry] = Field(default_factory=list)
    sequential: SequentialEntry | None = None
    unstated_in_text: UnstatedEntry | None = None
    closed_account: ClosedAccountEntry | None = None

    @model_validator(mode="after")
    def _rows_name_the_decisive_criteria(self) -> StageTableEntry:
        for i, row in enumerate(self.rows):
            keys = set(row.model_extra or {})
            if keys != set(self.decide_on):
                raise ValueError(f"rows.{i} must give exactly the criteria {self.decide_on}, got {sorted(keys)}")
        return self


class StageEntry(_Strict):
    """A roadmap stage: its heading in the document (``quote``), its thematic areas, the document's sentences
    that say what the stage is about (``about``) and, for the last stage, what the document says comes at its end
    (``after``). Every quote is found exactly once in the document when the rules load."""

    name_en: str
    quote: str
    areas: list[int]
    about: list[str] = []
    after: str | None = None


class StagesOverviewEntry(_Strict):
    """The document's sentence on the roadmap's stages as a whole (how many there are), under ``section``; found
    exactly once when the rules load."""

    section: list[str]
    quote: str


class AreaEntry(_Strict):
    en: str
    quote: str


class NextStepEntry(_Strict):
    en: str
    zh: str
    criterion: str | None = None
    unless_any: list[int] = Field(default_factory=list)


class ToNextEntry(_Strict):
    about: str = ""
    A: list[NextStepEntry]
    B: list[NextStepEntry]
    C: list[NextStepEntry]


class CommitmentsEntry(_Strict):
    A: list[Bilingual]
    B: list[Bilingual]
    C: list[Bilingual]


class NextStepsEntry(_Strict):
    to_next: ToNextEntry
    commitments: CommitmentsEntry
    all: list[Bilingual]
    undecided: list[Bilingual]


class ContactEntry(_Strict):
    email: str
    en: str
    zh: str


class ContactsEntry(_Strict):
    global_: ContactEntry = Field(alias="global")
    regions: list[ContactEntry]
    quote: str
    section: list[str]


class CueEntry(_Strict):
    """Patterns that speak about question ``q`` under ``facet``; ``examples`` must set ``q`` to yes when read
    alone and ``counter_examples`` must not (checked by tests/assistant/test_roadmap_patterns.py)."""

    q: int = Field(ge=-1, le=15, description="a survey question, or a fact key (0 ISO 37123, -1 submitted)")
    facet: str
    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    counter_examples: list[str] = Field(default_factory=list)


class QuestionRuleEntry(_Strict):
    note: str = ""
    components: dict[str, LangPatterns] | None = None
    future_only_with: LangPatterns | None = Field(
        default=None,
        description="talk of the future makes the question no only in a clause that also sets the thing up "
        "('will set up a committee'); 'the committee plans to start the strategy next year' says it exists",
    )
    components_not_about: LangPatterns | None = Field(
        default=None,
        description="clauses about something else (a plan sent to the council for approval): a part named there "
        "is neither affirmed nor denied",
    )
    other_audience: LangPatterns | None = Field(
        default=None,
        description="an audience that is none of the question's parts (Q2: residents, the public): a match whose "
        "clause names it and no part ('awareness sessions for residents') is about another question and says "
        "nothing of this one",
    )
    time_window_months: int | None = Field(default=None, ge=1)
    combine: Literal["any"] | None = None
    intent_counts: bool = False
    officer_facets: list[str] | None = None
    committee_facet: str | None = None
    blockers: LangPatterns | None = None
    positive_only_facets: list[str] = Field(default_factory=list)
    non_approvers: LangPatterns | None = Field(
        default=None,
        description="bodies whose approval is not the governing body's (a working group): a match of the question "
        "in a clause naming one of these and none of ``approvers`` does not count",
    )
    approvers: LangPatterns | None = None
    excluded_by: LangPatterns | None = Field(
        default=None,
        description="the activity's own clause says it did not reach whom it must (Q3: held only inside the "
        "government, for staff): the question's statement reads as no",
    )
    excluded_in_text: LangPatterns | None = Field(
        default=None,
        description="the description says outright, in any sentence, that whom the activity must reach was not "
        "reached (Q3: 'not open to the public'; Q10: 'no other department joined'): the question's statements read "
        "as no",
    )

    @model_validator(mode="after")
    def _approvers_together(self) -> QuestionRuleEntry:
        if (self.non_approvers is None) != (self.approvers is None):
            raise ValueError("non_approvers and approvers go together")
        return self


class SubmittedEntry(_Strict):
    en: list[str]
    zh: list[str]
    needs: LangPatterns
    undone: LangPatterns | None = Field(
        default=None,
        description="a submission or an approval undone later in its sentence ('sent back for revisions', '退回', "
        "'repealed in 2019')",
    )
    not_plans: LangPatterns | None = Field(
        default=None,
        description="a plan word that names no DRR plan: a proposal to set up a body ('成立韧性委员会的方案', 'the "
        "proposal to create the committee'); its submission submits no strategy",
    )
    question: int = Field(ge=1, le=15)
    also_drop_no: list[int] = Field(default_factory=list)
    note: str = ""


class SpecialEntry(_Strict):
    submitted: SubmittedEntry


class ImplicationEntry(_Strict):
    id: str
    when: bool
    sets: dict[int, bool]
    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)
    ignore_future: bool = False
    note: str = ""
    examples: list[str] = Field(default_factory=list)
    counter_examples: list[str] = Field(default_factory=list)


class TimeEntry(_Strict):
    recent: LangPatterns
    stale: LangPatterns
    boundary: LangPatterns
    year: LangPatterns
    months_ago: LangPatterns
    dated: LangPatterns = Field(
        description="a date of an act (its year captured): 'in March 2027', 'Q1 2027', '2027年三季度', not a plan's "
        "name ('Strategy 2030'); a submission dated after this year is still to come"
    )
    undated: LangPatterns = Field(
        description="an activity said to have happened at some unknown time: a windowed question stays unknown"
    )
    numbers: dict[str, int]


class LexiconEntry(_Strict):
    sentence_split: str
    clause_split: LangPatterns
    negation: LangPatterns
    negation_exclusions: LangPatterns
    uncertain: LangPatterns
    future: LangPatterns
    only: LangPatterns
    variants: dict[str, list[str]] = Field(
        default_factory=dict,
        description="regional spellings folded into every Chinese pattern at load time (战略: [策略])",
    )
    anaphora: LangPatterns = Field(
        description="words that point back to a thing named before ('it', '该'): a plan named in one sentence "
        "and submitted in the next"
    )
    predicate_after_list: LangPatterns = Field(
        description="the start of a clause that says what holds for the list before it ('宣传、培训、委员会，都还没"
        "做', 'awareness, training, a committee - none of it yet'): the list's clause reaches into it"
    )
    bare_predicate: LangPatterns = Field(
        description="a whole clause that is only a predicate ('尚未成立', 'not yet set up'): it continues the clause "
        "before it, whose subject it speaks of ('委员会还在讨论，尚未成立')"
    )
    negated_list_head: LangPatterns = Field(
        description="a whole clause that is a negated noun and nothing else ('but no committee', '没有委员会'): its "
        "negation reaches into the clause after it when only a comma stands between them, the rest of the list "
        "('no committee, focal point or coordination structure exists'); English only: a Chinese list is one clause "
        "('没有委员会、联络人或协调机制')"
    )
    list_item: LangPatterns = Field(
        description="a whole clause that is one more item of a list ('a committee', 'or any standing group that "
        "…'): when the clauses before it, back to a negated one, are all such items, the negation reaches it ('we "
        "do not have a task force, a committee, or any standing group'); English only: a Chinese list is one clause"
    )
    topicless: LangPatterns = Field(
        description="a whole clause that names no topic, only that something of the clause before it was or was not "
        "done ('但还没有开始实施', 'but we have not started implementing it'): its meaning is that of its verb and its "
        "negation, so the exemplar reader never matches it (by meaning, '还没有开始实施' came nearest a denied "
        "awareness campaign)"
    )
    interrogative: LangPatterns = Field(
        description="a clause that asks rather than states ('我们处于哪个阶段', 'which stage are we in'): the "
        "exemplar reader never matches it (by meaning, a question about a criterion reads like the criterion)"
    )
    retracted: LangPatterns = Field(
        description="a statement that what was said is wrong ('That is wrong.', '……，有误'): the sentence it is in "
        "states nothing, or, when the retraction is the whole sentence, the sentence before it states nothing"
    )
    others: LangPatterns = Field(
        description="another government named as the one a fact belongs to ('the neighbouring district's plan', "
        "'邻县的韧性战略', 'the national DRR strategy'): from that clause on, until a clause names the city itself "
        "(``own``), the sentence speaks of someone else and states nothing about the city"
    )
    own: LangPatterns = Field(
        description="the city naming itself ('we', 'our', '本市', '我区'): a clause that does so after ``others`` "
        "speaks of the city again; one that does so before the other government is the city's own statement"
    )
    status_denied: LangPatterns = Field(
        description="a plan's passage denied ('has not been sent to the council', '尚未提交市人大'): what that "
        "negation denies is the plan's submission or approval, so it denies nothing of the other questions (a "
        "council or committee named as the body it has not reached)"
    )
    opens_with_predicate: LangPatterns = Field(
        description="a sentence that opens with its verb of submission and names no subject ('formally submitted "
        "to the City Council on 2 July', '对，已经报送市人大常委会了'): its subject is the plan the text is about, "
        "named before it or, when it opens the text, after it"
    )
    coordinated: LangPatterns = Field(
        description="a conjunction after an act that opens a clause with a subject of its own ('in force since "
        "2020 and departments report on it'): the body that approved is named before it, never in that clause; not "
        "before a governing body ('by the working group and the council')"
    )
    contrast: LangPatterns = Field(
        description="a conjunction that opens a clause turning against the one before ('但', 'but'): a pattern "
        "never reads from one clause across it into the next, which says something else of something else ('我们"
        "没有专门的韧性战略，但城市总体规划…已经由市人大批准' is no denied approval)"
    )
    asked: LangPatterns = Field(
        description="the label that opens a line asking a question of a questionnaire ('Q:', '问：'); when the "
        "next line opens with an ``answered`` label the two are read as one statement, the question its subject"
    )
    answered: LangPatterns = Field(description="the label that opens the answer line ('A:', '答：')")
    time: TimeEntry


class RoadmapFile(_Strict):
    """The whole of ``roadmap.json``."""

    about: str = ""
    version: int
    document: DocumentRef
    survey_section: list[str]
    questions: list[QuestionEntry]
    criteria: list[CriterionEntry]
    ask_order: list[int]
    criterion_notes: list[CriterionNoteEntry]
    document_tensions: list[str]
    stage_table: StageTableEntry
    stages: dict[StrictStage, StageEntry]
    stages_section: list[str]
    stages_overview: StagesOverviewEntry
    cross_cutting_areas: list[int]
    areas: dict[str, AreaEntry]
    next_steps: NextStepsEntry
    contacts: ContactsEntry
    cues: list[CueEntry]
    question_rules: dict[int, QuestionRuleEntry]
    special: SpecialEntry
    implications: list[ImplicationEntry]
    lexicon: LexiconEntry
    messages: dict[str, Bilingual]

    @field_validator("questions")
    @classmethod
    def _fifteen_questions(cls, v: list[QuestionEntry]) -> list[QuestionEntry]:
        if sorted(q.n for q in v) != list(range(1, 16)):
            raise ValueError("must hold questions 1..15 exactly once")
        return v


def validation_problems(error: ValidationError) -> list[str]:
    """One ``location: message`` line per problem, the location as a dotted path into the file."""
    return [f"{'.'.join(str(part) for part in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()]


class LangExamples(_Strict):
    en: list[str] = Field(min_length=1)
    zh: list[str] = Field(min_length=1)


def _survey_question_keys(cls: type, v: dict[int, LangExamples]) -> dict[int, LangExamples]:
    """Exemplars are keyed by survey question (1..15)."""
    bad = [q for q in v if not 1 <= q <= 15]
    if bad:
        raise ValueError(f"not survey questions: {bad}")
    return v


class LearnedExemplars(_Strict):
    """Exemplars taken from labelled clauses of tuning descriptions (``eval.stage_exemplars --write``)."""

    about: str = ""
    exemplars: dict[int, LangExamples]

    _survey_questions = field_validator("exemplars")(_survey_question_keys)


class ExemplarFile(_Strict):
    """The whole of ``roadmap_exemplars.json``: statements per survey question that a clause is matched against
    (the curated ``exemplars``, and the ``learned`` ones when present)."""

    about: str = ""
    reader: Literal["patterns", "exemplars", "both"] = Field(
        description="which reader the service uses when it has an embedder: the patterns of roadmap.json, the "
        "exemplars, or both (facets are alternatives)"
    )
    threshold: float = Field(ge=0, le=1)
    margin: float = Field(ge=0, le=1)
    exemplars: dict[int, LangExamples]
    learned: LearnedExemplars | None = None

    _survey_questions = field_validator("exemplars")(_survey_question_keys)
