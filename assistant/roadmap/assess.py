"""The public entry: answers and/or text -> ``StageResult`` with criteria, citations, next steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assistant.roadmap.answers import check_answers, check_lang, detect_lang
from assistant.roadmap.loader import (
    FACTS,
    QUESTIONS,
    SUBMITTED,
    Passage,
    RoadmapRules,
    Status,
)
from assistant.roadmap.reader import (
    Note,
    Reading,
    dedupe_notes,
    question_ref,
    read_text,
    render_note,
)
from assistant.roadmap.rules import decide_stage, evaluate, order_questions, status_of
from retriever.errors import InvalidRequest
from retriever.sentences import split_sentences
from retriever.types import Citation, Criterion, Document, StageResult

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
    explicit = check_answers(answers)
    out_lang = check_lang(lang) if lang is not None else (detect_lang(text) if text else "en")
    reading = read_text(text, rules) if text else Reading()

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
                rules.message(
                    "evidence_fact",
                    out_lang,
                    label=question_ref(q, rules, out_lang),
                    value=word,
                )
                if q in FACTS
                else rules.message("evidence_answer", out_lang, n=str(q), value=word)
            )
    if values[SUBMITTED] is None:  # a fact, not a question: not stated means not submitted, never asked
        values[SUBMITTED] = False
    unstated: list[int] = []
    closed: list[int] = []
    if (reading.answers or reading.closed) and not values[SUBMITTED]:
        # A description is the city's own account of its progress: an achievement it does not mention (an
        # approved plan) is read as not achieved, and the reply says so. Survey answers left blank, and a text
        # that says nothing about the roadmap ("which stage are we in?"), leave it unknown. The reading is a
        # default, not an answer: ``StageResult.answers`` keeps it unknown, so a later turn can still state it.
        # A text that says it lists all that has been done ("only outreach so far", "we have just signed up")
        # reads every stage question it leaves unmentioned the same way.
        def unmentioned(questions: tuple[int, ...]) -> list[int]:
            return [q for q in questions if values[q] is None and explicit.get(q) is None]

        unstated = unmentioned(rules.unstated_in_text[0])
        # a strategy process denied in so many words (by a pattern, not only by meaning), with no word of any
        # strategy or plan: no strategy either
        for q, follows in rules.unstated_when_denied.items():
            denied = reading.answers.get(q) is False and q not in reading.by_meaning
            if denied and not set(reading.answers) & {*follows, *rules.unstated_in_text[0]}:
                unstated += [f for f in unmentioned(follows) if f not in unstated]
        if reading.closed and rules.closed_account is not None:
            closed = [q for q in unmentioned(rules.closed_account[1]) if q not in unstated]
        for q in (*unstated, *closed):
            values[q] = False
    # An explicit answer settles what the text left open, but not a tension between the documents themselves;
    # the submission's tension is moot once the plan is approved (Q13 yes) or the submission is denied.
    notes = [
        n
        for n in reading.notes
        if (n.key in rules.document_tensions or any(explicit.get(q) is None for q in n.questions))
        and not (n.key == "submitted" and (values[rules.submitted_question] or not values[SUBMITTED]))
    ]

    stage, to_ask = decide_stage(values, rules, notes, out_lang)
    if unstated and stage == "B":  # the unstated approval is what stands between B and C: say so
        notes.append(Note(rules.unstated_in_text[1], tuple(unstated)))
    if closed and rules.closed_account is not None:  # say which questions the closed account answered "no"
        notes.append(Note(rules.closed_account[2], tuple(order_questions(closed, rules))))
    statuses = {rule.id: status_of(evaluate(rule.id, values, rules)) for rule in rules.criteria}
    for key, when, settled_by in rules.criterion_notes:
        if all(statuses[cid] == status for cid, status in when):
            notes.append(
                Note(
                    key,
                    tuple(order_questions(rules.criterion(settled_by).questions, rules)),
                )
            )

    return StageResult(
        stage=stage,
        criteria=_criteria(values, evidence, statuses, rules, source, out_lang),
        answers=tuple((q, None if q in unstated or q in closed else values[q]) for q in QUESTIONS),
        to_ask=tuple(to_ask),
        ambiguities=tuple(dict.fromkeys(render_note(n, rules, out_lang) for n in dedupe_notes(notes))),
        next_steps=tuple(_next_steps(stage, values, statuses, rules, out_lang)),
        areas=rules.stage_areas.get(stage, rules.cross_cutting_areas),
        evidence=tuple((q, evidence[q]) for q in QUESTIONS if q in evidence),
    )


def _criteria(
    values: Mapping[int, bool | None],
    evidence: Mapping[int, str],
    statuses: Mapping[str, Status],
    rules: RoadmapRules,
    source: Document | None,
    lang: str,
) -> tuple[Criterion, ...]:
    out = []
    for n, rule in enumerate(rules.criteria, start=1):
        ev = tuple(dict.fromkeys(evidence[q] for q in rule.facts if q in evidence and values.get(q) is not None))
        out.append(
            Criterion(
                id=rule.id,
                label=rule.label(lang),
                status=statuses[rule.id],
                questions=rule.questions,
                evidence=ev,
                citation=_cite(rule.passage, n, rules, source),
            )
        )
    return tuple(out)


def _cite(passage: Passage, n: int, rules: RoadmapRules, source: Document | None) -> Citation:
    """``passage`` as citation ``n``: into ``source`` when given, else into the rules' own copy of the document."""
    doc_id, doc_source, title = (
        (source.doc_id, source.source, source.title)
        if source is not None
        else (rules.doc_id, rules.doc_source, rules.doc_title)
    )
    start, end = _locate(passage, source)
    return Citation(
        n=n,
        doc_id=doc_id,
        source=doc_source,
        title=title,
        section=passage.section,
        page=source.page_at(start) if source is not None else None,
        start=start,
        end=end,
        quote=passage.quote,
        lang="zh",
    )


def area_citations(
    areas: Sequence[int] = (), *, rules: RoadmapRules, source: Document | None = None
) -> tuple[tuple[int, Citation], ...]:
    """The thematic areas' headings in the document (all twelve, or those of ``areas``), as ``(number, citation)``
    with citations numbered from 1 in the order of the areas."""
    numbers = sorted(areas or rules.area_passages)
    return tuple(
        (a, _cite(rules.area_passages[a], n, rules, source))
        for n, a in enumerate((a for a in numbers if a in rules.area_passages), start=1)
    )


def survey_citations(numbers: Sequence[int] = (), *, rules: RoadmapRules) -> tuple[tuple[int, Citation], ...]:
    """The stage assessment survey's questions as the document words them (all fifteen, or those of ``numbers``
    the survey has), as ``(number, citation)`` with citations numbered from 1."""
    asked = [q for q in rules.questions if not numbers or q.n in numbers]
    return tuple((q.n, _cite(q.passage, n, rules, None)) for n, q in enumerate(asked, start=1))


def area_about_citations(area: int, *, rules: RoadmapRules) -> tuple[Citation, ...]:
    """What the document says a thematic area is about: its heading, then the sentences of the paragraph after it,
    as citations numbered from 1 (none for an area the rules do not know). A sentence a page break cut short (no
    end punctuation) is left out."""
    heading = rules.area_passages.get(area)
    if heading is None:
        return ()
    text = rules.doc_text
    first = len(text) - len(text[heading.end :].lstrip()) if text[heading.end :].strip() else len(text)
    stop = text.find("\n\n", first)
    sentences = [
        Passage(text[s:e], (*heading.section, heading.quote), s, e)
        for s, e in split_sentences(text, first, len(text) if stop < 0 else stop)
        if text[e - 1] in "。！？.!?"
    ]
    return tuple(_cite(p, n, rules, None) for n, p in enumerate((heading, *sentences), start=1))


def stages_overview_citation(*, rules: RoadmapRules, source: Document | None = None) -> Citation:
    """The document's sentence on the roadmap's stages as a whole (how many there are), as citation 1."""
    return _cite(rules.stages_overview, 1, rules, source)


def stage_citations(
    stage: str, *, rules: RoadmapRules, source: Document | None = None
) -> tuple[tuple[Citation, ...], Citation | None]:
    """What the document says a roadmap stage is: its heading and the sentences about it, as citations numbered
    from 1, and, for the last stage, what the document says comes at its end (else None). Raises
    ``InvalidRequest`` for a stage that is not A, B or C."""
    if stage not in rules.stage_passages:
        raise InvalidRequest(f"stage must be A, B or C, got {stage!r}")
    passages = rules.stage_passages[stage]
    cited = tuple(_cite(p, n, rules, source) for n, p in enumerate(passages, start=1))
    after = rules.stage_after.get(stage)
    return cited, (_cite(after, len(cited) + 1, rules, source) if after is not None else None)


def _locate(passage: Passage, source: Document | None) -> tuple[int, int]:
    if source is None:
        return passage.start, passage.end
    start = source.text.find(passage.quote)
    if start < 0:
        raise InvalidRequest(f"source {source.source!r} does not contain the roadmap quote {passage.quote[:30]!r}")
    return start, start + len(passage.quote)


def _next_steps(
    stage: str,
    values: Mapping[int, bool | None],
    statuses: Mapping[str, Status],
    rules: RoadmapRules,
    lang: str,
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
    out_lang = check_lang(lang)
    if not result.to_ask:
        return None
    q = result.to_ask[0]
    return q, rules.question(q).text(out_lang)
