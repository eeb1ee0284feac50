"""The conversation: language, intent, turns, and grounded answers composed from passages and records.

The server is stateless. A client sends the whole history and a ``context`` that the previous reply returned
(the stage answers collected so far, the question pending, the last recommendations), and gets a new
``context`` back. Intents: ``greeting``, ``help``, ``stage`` (a short dialogue that asks the most decisive
question next), ``recommend``, ``lookup`` (a record by id or name, or "the second one"), ``question`` (about
the documents) and ``out_of_scope``.

Without an LLM (the default) every sentence asserted is a quoted span of a retrieved passage with its citation
``[n]``; templates in ``prompts/`` hold our own words. With weak evidence the reply says so and points to the
MCR2030 secretariat, never inventing. Stages come from the roadmap rules and tools from the catalogue, also
when an LLM is configured.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import Any

import numpy as np

from assistant.context import MAX_CONTEXT_TEXT, MAX_RECOMMENDATIONS, ChatContext
from assistant.evidence import (
    ABSTENTION,
    INLINE_TAG,
    MIN_UNIT_CHARS,
    SENTENCE,
    Abstention,
    QuestionType,
    Unit,
    best_part,
    expansion,
    for_each_part,
    in_reading_order,
    lettered_stages,
    question_terms,
    question_type,
    select_units,
    unknown_share,
)
from assistant.exemplars import IntentExemplars
from assistant.intents import (
    ALL_SURVEY_QUESTIONS,
    AREA_ASKED,
    FIRST_PERSON,
    STAGE_FOCUS_ASKED,
    STEPS,
    Decision,
    area_referred,
    areas_named,
    asked_again_for,
    catalogue_listing,
    decide,
    is_unsure,
    kinds_named,
    named_stages,
    ordinal_of,
    pointed_item,
    records_asked,
    stage_about,
    stage_of_followup,
    steps_asked,
    survey_answer,
    survey_asked,
    without_source_words,
)
from assistant.names import RecordNames, short_forms
from assistant.recommend import Recommendation, Recommender
from assistant.roadmap import (
    RoadmapRules,
    area_about_citations,
    area_citations,
    assess_stage,
    stage_citations,
    stages_overview_citation,
    survey_citations,
)
from ingest.catalogue import AREA_HEADING_PREFIXES, area_number
from ingest.chunking import detect_headings
from prompts import render
from retriever.errors import InvalidRequest, LLMUnavailable, UngroundedAnswer
from retriever.language import HAN, normalize_query, script_lang, simplified
from retriever.references import DocumentReferences
from retriever.search import Filters, HybridRetriever, SearchResult
from retriever.types import CatalogueItem, Chunk, Citation, Hit, RenderedQuote, SourceSpan, StageResult

logger = logging.getLogger(__name__)

# A source's own reference marks: superscripts as extraction writes them (^[1], ^{[5][9]}, ^{[12]~[14]}) and
# bracketed numbers ("Refs. [3][4]"). In a reply they would read as our citation markers [n], so a quoted sentence
# is shown without the superscripts and with the bracketed numbers unbracketed (the citation's quote keeps both).
_SOURCE_SUPERSCRIPT = re.compile(r"\^\{?(?:\[[^\[\]\n]{1,24}\][~\-–,]?)+\}?")
_SOURCE_BRACKETS = re.compile(r"(?:\[\d{1,3}(?:\s*[~\-–,]\s*\d{1,3})*\][~\-–,]?)+")
QUESTION_PASSAGES = 8  # passages whose sentences compete to answer a question
RECORD_FOCUS = True  # a question naming a catalogue record reads that record's passages first
RECORD_PASSAGES = 4  # at most this many of them
STAGE_LISTED_PASSAGES = 2  # the roadmap's stages listed: each by its heading and the sentence on what it focuses on
# A stage described for a city that cannot be placed yet: its heading, what it focuses on and which cities are in it
STAGE_PROFILE_LINES = 3
MAX_MESSAGE_CHARS = 2000
MAX_MESSAGES = 50


@dataclass(frozen=True, slots=True)
class Turn:
    role: str
    content: str


@dataclass
class ChatReply:
    """One reply: text with ``[n]`` markers, its citations, and the structured parts the widget renders."""

    answer: str
    lang: str
    intent: str
    citations: list[Citation] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    stage: StageResult | None = None
    follow_up: str | None = None
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    grounded: bool = True
    context: ChatContext = field(default_factory=ChatContext)
    record: CatalogueItem | None = None
    route: str = ""


def reply_language(text: str, requested: str | None = None) -> str:
    """The user's language: what the client asked for, else Han ratio of the message (then English)."""
    if requested in ("zh", "en"):
        return requested
    return script_lang(text)


class Assistant:
    """Answers one turn of a conversation. Build once per index version; thread-safe."""

    def __init__(
        self,
        retriever: HybridRetriever,
        recommender: Recommender,
        rules: RoadmapRules,
        *,
        llm: Any | None = None,
        abstention: Abstention = ABSTENTION,
        exemplars: IntentExemplars | None = None,
    ) -> None:
        self.retriever = retriever
        self.recommender = recommender
        self.rules = rules
        self.llm = llm
        self.abstention = abstention
        self.exemplars = exemplars
        self.names = RecordNames(recommender.items)
        self.references = DocumentReferences(retriever.index.documents.values())

    # -- entry point ---------------------------------------------------------------------------------------
    def reply(
        self,
        messages: Sequence[Turn],
        *,
        lang: str | None = None,
        context: ChatContext | Mapping[str, Any] | None = None,
    ) -> ChatReply:
        """Answer the last user message of ``messages``. Raises ``InvalidRequest`` for an empty or oversized
        conversation, or a malformed ``context`` (a mapping is parsed with ``ChatContext.from_json``)."""
        if not messages or len(messages) > MAX_MESSAGES:
            raise InvalidRequest(f"send between 1 and {MAX_MESSAGES} messages")
        if any(len(m.content) > MAX_MESSAGE_CHARS for m in messages):
            raise InvalidRequest(f"a message is longer than {MAX_MESSAGE_CHARS} characters")
        user = [m for m in messages if m.role == "user"]
        if not user or not user[-1].content.strip():
            raise InvalidRequest("the last user message is empty")
        # read in simplified characters, like the documents, the patterns and the lexicon (韌性 is 韧性)
        text = simplified(" ".join(user[-1].content.split()))
        lang = reply_language(text, lang)
        text = lettered_stages(text)  # "韧性路线图的第二阶段" is its B 阶段, as every stage pattern reads it
        ctx = context if isinstance(context, ChatContext) else ChatContext.from_json(context)
        earlier = simplified(" ".join(user[-2].content.split())) if len(user) > 1 else None
        if earlier is not None and not ctx.last_situation and (again := asked_again_for(earlier, text)):
            text = again  # "And for stage B?" after a question about Stage A: that question, of Stage B
        elif earlier is not None and ctx.last_record is None and (named := area_referred(earlier, text)):
            text = named  # "Which tools does it list?" after a question about thematic area 7: area 7's tools
        # the message's embedding, computed once if the vote of known messages or the search needs it
        vector = cache(lambda: self.retriever.embedder.embed_query(normalize_query(text)))
        # "how long does it run?" after a reply about RISE-UP: the record the last reply was about
        referent, assumed = self._referent(text, ctx)
        names = _WithReferent(self, referent) if referent is not None else self
        decision = decide(text, ctx, names, lambda _: self._vote(vector()))
        logger.debug("chat_route route=%s intent=%s", decision.route, decision.intent)
        if decision.route != "stage_answer":
            ctx = ctx.with_(pending_question=None)  # the user moved on
        reply = self._handle(decision, text, lang, ctx, vector, referent, earlier)
        if assumed and referent is not None and reply.record is referent:
            reply.answer = render("referent_assumed", lang, name=_name_in(referent, lang)) + "\n" + reply.answer
        reply.route = decision.route
        reply.context = reply.context.with_(last_record=reply.record.id if reply.record is not None else None)
        return reply

    def _referent(self, text: str, ctx: ChatContext) -> tuple[CatalogueItem | None, bool]:
        """The record a message that names none points back at ("it", "its", "this programme", "它", "该项目", or an
        attribute asked alone: "需要多长时间？"), and whether it was assumed: the record the last reply was about, else
        the first one it recommended or listed ("Who developed it?" after three recommendations; the reply says
        which it took). None when the message names a record or points at nothing, or for an id we do not hold."""
        n = pointed_item(text)
        if n is not None and 0 < n <= len(ctx.last_recommendations) and self._mention(text) is None:
            return self.recommender.get(ctx.last_recommendations[n - 1]), False  # "Who runs the first one?"
        if not points_back(text) or self._mention(text) is not None:
            return None, False
        if ctx.last_record is not None:
            return self.recommender.get(ctx.last_record), False
        if ctx.last_recommendations:
            return self.recommender.get(ctx.last_recommendations[0]), True
        return None, False

    def _handle(
        self,
        decision: Decision,
        text: str,
        lang: str,
        ctx: ChatContext,
        vector: Callable[[], np.ndarray],
        referent: CatalogueItem | None = None,
        earlier: str | None = None,
    ) -> ChatReply:
        """The reply of ``decision``'s route; ``earlier`` is the user's message before this one, if any."""
        route = decision.route
        if route == "stage_answer":
            return self._stage(text, lang, ctx, answer_to=ctx.pending_question)
        if route == "no_question":  # a bare yes or no, and no survey question is open
            return ChatReply(answer=render("no_question", lang), lang=lang, intent=decision.intent, context=ctx)
        if route == "reset":  # what the city said and answered is forgotten
            return ChatReply(answer=render("reset", lang), lang=lang, intent=decision.intent, context=ChatContext())
        if decision.intent in ("greeting", "help"):  # the routes of that name, and messages like known ones
            # "thanks, bye" is not greeted back
            template = "closing" if route in ("closing", "similar_closing") else decision.intent
            return ChatReply(answer=render(template, lang), lang=lang, intent=decision.intent, context=ctx)
        if route == "stage_followup":
            return self._recommend(ctx.last_situation or text, lang, ctx, stage=stage_of_followup(text))
        if route == "ordinal":
            n = ordinal_of(text) or 0
            ids = ctx.last_recommendations
            item = self.recommender.get(ids[n - 1]) if 0 < n <= len(ids) else None
            if item is not None:
                return self._lookup(item, lang, ctx)
            return self._question(text, lang, ctx, vector=vector)
        if decision.intent == "stage":  # "stage", and messages like known stage questions
            return self._stage(text, lang, ctx)
        if route == "survey" and (number := survey_asked(text)) is not None:
            return self._survey(number, lang, ctx)
        if route == "criteria":
            return self._criteria(text, lang, ctx)
        if route == "stage_about":
            return self._stage_about(text, lang, ctx)
        if route == "areas":
            return self._areas(lang, ctx)
        if route == "dated":  # a near date: no dated document knows what happened lately or will happen
            return _unanswered("dated" if self._in_domain(text) else "out_of_scope", lang, ctx)
        if route == "opinion":  # the documents hold no view or forecast of ours
            return _unanswered("opinion" if self._in_domain(text) else "out_of_scope", lang, ctx)
        if route == "listing" and (asked := catalogue_listing(text) or _section_asked(decision)) is not None:
            return self._listing(*asked, lang=lang, ctx=ctx)
        if route == "area_listing":
            return self._area_listing(decision.areas, lang, ctx)
        if route == "area_about":
            return self._area_about(decision.areas[0], lang, ctx)
        record = self._named_record(text)
        if record is None and referent is not None:
            # "it" is the record the last reply was about: read as if the message named it
            record = referent
            name = _name_in(referent, lang)
            text = f"{text} ({(short_forms(name) or [name])[0]})"  # "RISE-UP", not its whole title
        if decision.intent == "recommend":  # the routes "recommend", "support" and "wants"
            if earlier and self._bare_request(text) and self._in_domain(earlier):
                # "Which tools help with that?", "有哪些工具可以帮忙？": a request that names nothing of its own is
                # about what the user said before ("We just joined MCR2030. What should we do first?")
                text = f"{earlier} {text}"
            found = self.retriever.search_evidence(text, QUESTION_PASSAGES, renderings=False, vector=vector())
            answer = self._answer_units(text, found, lang)  # what the documents say to it, if anything
            if not _asks_records_only(text) and not self._in_domain(text) and not answer:
                # "recommend a movie": nothing of the catalogue's domain; never recommend a tool for it. "Which
                # tools fit us?" asks for the catalogue's own records, in either language
                return _unanswered("out_of_scope", lang, ctx)
            # a stage the message names ("tools for a Stage B city") counts over the one the conversation found
            named = named_stages(text)
            stage = next(iter(named)) if len(named) == 1 else ctx.stage
            reply = self._recommend(text, lang, ctx, stage=stage, browse=route == "browse")
            return self._with_passage(reply, answer, lang)
        if route == "lookup" and record is not None:
            return self._lookup(record, lang, ctx)
        if record is None and ctx.last_recommendations and AMONG_LISTED.search(text):
            # "Which of them is free?": a question about the records listed, answered from their own passages
            listed = [r for r in map(self.recommender.get, ctx.last_recommendations) if r is not None]
            if listed:
                return self._question(text, lang, ctx, vector=vector, among=listed)
        return self._question(text, lang, ctx, record=record, vector=vector)

    def named_record(self, text: str) -> str | None:
        """The id of the catalogue record ``text`` names."""
        record = self._named_record(text)
        return record.id if record is not None else None

    def similar(self, text: str) -> tuple[str, float] | None:
        """The intent the known messages most like ``text`` agree on (the ``Similar`` vote of the intent table),
        or None without exemplars."""
        if self.exemplars is None:
            return None
        return self._vote(self.retriever.embedder.embed_query(normalize_query(text)))

    def _vote(self, vector: np.ndarray) -> tuple[str, float] | None:
        return self.exemplars.vote(vector) if self.exemplars is not None else None

    def areas(self, text: str) -> tuple[int, ...]:
        """The thematic areas ``text`` names, by number or by title (the ``Names`` lookup of the intent table)."""
        text = simplified(text)
        return tuple(sorted({*areas_named(text), *self.recommender.taxonomy.areas_titled(text)}))

    def sections(self, text: str) -> tuple[str, ...]:
        """The catalogue sections whose title's topic ``text`` names (the ``Names`` lookup of the intent table)."""
        return self.recommender.taxonomy.sections_on(simplified(text))

    def mention(self, text: str) -> tuple[str, str] | None:
        """The id of the record ``text`` names and the words naming it (the ``Names`` lookup of the intent table)."""
        found = self._mention(text)
        return (found[0].id, found[1]) if found is not None else None

    # -- intents -------------------------------------------------------------------------------------------
    def _stage(self, text: str, lang: str, ctx: ChatContext, answer_to: int | None = None) -> ChatReply:
        answers: dict[int, bool | None] = dict(ctx.answers)
        skipped = set(ctx.skipped_questions)
        statement: str | None = text
        if answer_to is not None:
            answers[answer_to] = survey_answer(text)
            if is_unsure(text):
                skipped.add(answer_to)
            statement = None
        elif ctx.stage_text:
            statement = f"{ctx.stage_text}；{text}" if script_lang(text) == "zh" else f"{ctx.stage_text}. {text}"
        result = assess_stage(answers or None, statement, rules=self.rules, lang=lang)
        known = {q: a for q, a in result.answers if a is not None}
        merged = {q: a for q, a in answers.items() if a is not None} | known
        ctx = ctx.with_(
            stage_answers=tuple(sorted(merged.items())),
            skipped_questions=tuple(sorted(skipped)),
            stage_text=(statement[-MAX_CONTEXT_TEXT:] if statement and answer_to is None else ctx.stage_text),
        )
        citations = _number(
            [self._rendered(c.citation, lang) for c in _shown_criteria(result) if c.citation is not None]
        )
        if result.stage == "undecided":
            ask = [q for q in result.to_ask if q not in skipped and q not in known]
            if ask:
                q = ask[0]
                question = self.rules.question(q).text(lang)
                # the survey's question as the overview words it: quoted, so cited like any text of the documents
                ((_, asked),) = survey_citations((q,), rules=self.rules)
                lines: list[str] = []
                shown: list[Citation] = []
                if answer_to is None and STAGE_FOCUS_ASKED.search(text):
                    # "…which stage are we probably in, and what does that stage focus on?" with too little said to
                    # place the city: each stage as the overview describes it (what it focuses on, which cities are
                    # in it), so the asker sees the stages while the survey decides; never a stage guessed for them
                    lines.append(render("stage_profiles_intro", lang))
                    for stage in "ABC":
                        profile, _ = stage_citations(stage, rules=self.rules)
                        lines.extend(self._quoted_lines(profile[:STAGE_PROFILE_LINES], lang, shown))
                cited = replace(self._rendered(asked, lang), n=len(shown) + 1)
                body = render(
                    "stage_question", lang, answered=len(known), total=15, n=q, question=question, ref=cited.n
                )
                return ChatReply(
                    answer="\n".join([*lines, body]),
                    lang=lang,
                    intent="stage",
                    stage=result,
                    follow_up=question,
                    context=ctx.with_(pending_question=q),
                    citations=[*shown, cited],
                )
            criteria = self._criteria_lines(result, lang, citations)
            body = render("stage_undecided", lang, criteria=criteria)
            return ChatReply(
                answer=body,
                lang=lang,
                intent="stage",
                stage=result,
                citations=citations,
                context=ctx.with_(pending_question=None),
            )
        lines = [
            render(
                "stage_result",
                lang,
                stage=result.stage,
                stage_name=render(f"stage_name_{result.stage.lower()}", lang),
                criteria=self._criteria_lines(result, lang, citations),
            )
        ]
        if result.next_steps:
            lines.append(render("stage_next", lang, steps=" ".join(result.next_steps)))
        if STAGE_FOCUS_ASKED.search(statement or ctx.stage_text or ""):
            # "…which stage are we in, and what does that stage focus on?": the stage as the overview describes it
            profile, _ = stage_citations(result.stage, rules=self.rules)
            lines.append(render("stage_focus_intro", lang, stage=result.stage))
            lines.extend(self._quoted_lines(profile[1:], lang, citations))  # its sentences, not its heading
        situation = ctx.last_situation or ("" if answer_to is not None else text)
        situation = situation or render(f"stage_situation_{result.stage.lower()}", lang)
        recs = self.recommender.recommend(situation, stage=result.stage, k=3, lang=lang)
        lines.append(self._recommend_lines(recs, lang, result.stage))
        return ChatReply(
            answer="\n".join(lines),
            lang=lang,
            intent="stage",
            stage=result,
            citations=citations,
            recommendations=recs,
            follow_up=render("follow_up_more", lang),
            context=ctx.with_(
                pending_question=None,
                stage=result.stage,
                last_recommendations=tuple(r.item.id for r in recs),
                last_situation=situation[:MAX_CONTEXT_TEXT],
            ),
        )

    def _criteria(self, text: str, lang: str, ctx: ChatContext) -> ChatReply:
        """What it takes to move on, from the roadmap's criteria (structured knowledge, not a search): each
        criterion of the step asked about in the document's own words (its rendering for other readers), cited."""
        citations: list[Citation] = []
        blocks = self._criteria_blocks(steps_asked(text), lang, citations)
        blocks.append(render("criteria_where_are_we", lang))
        return ChatReply(answer="\n".join(blocks), lang=lang, intent="question", citations=citations, context=ctx)

    def _criteria_blocks(self, steps: Sequence[str], lang: str, citations: list[Citation]) -> list[str]:
        """One block per roadmap step ("A>B"): its criteria in the document's words, each cited (appended to
        ``citations``, numbered after those already there)."""
        result = assess_stage(rules=self.rules, lang=lang)
        shown = {c.id: c.citation for c in result.criteria if c.citation is not None}
        blocks = []
        for step in steps:
            rule = self.rules.criterion(self.rules.decide_on[STEPS.index(step)])  # decide_on lists them in order
            # one line per part in the document's words; a reader of another language gets the whole step, since
            # a rendering's segment covers the whole list and cannot be split at its parts
            parts = [p for p in _criterion_parts(rule.expr) if p in shown] if shown[rule.id].lang == lang else []
            parts = sorted(parts, key=lambda p: shown[p].start) or [rule.id]
            lines = self._quoted_lines([shown[part] for part in parts], lang, citations)
            a, b = step[0], step[-1]
            names = {f"{k}_name": render(f"stage_name_{v.lower()}", lang) for k, v in (("a", a), ("b", b))}
            blocks.append(render("criteria_step", lang, a=a, b=b, lines="\n".join(lines), **names))
        return blocks

    def _stage_about(self, text: str, lang: str, ctx: ChatContext) -> ChatReply:
        """What a stage is, how two differ, which comes after or before one (``intents.stage_about``): the
        stages' headings and the sentences about them that the roadmap rules quote, and the criteria of the step
        between the stages shown (structured knowledge, not a search), each line cited."""
        kind, asked = stage_about(text) or ("define", ("A", "B", "C"))
        order = "ABC"
        shown, end = list(asked), False
        if kind == "after":
            n = order.index(asked[0])
            shown, end = ([order[n + 1]], False) if n + 1 < len(order) else ([asked[0]], True)
        elif kind == "before":
            n = order.index(asked[0])
            shown = [order[n - 1]] if n > 0 else [asked[0]]
        pair = sorted({*asked, *shown}, key=order.index)
        steps = [s for s in STEPS if s[0] in pair and s[-1] in pair] if 1 < len(pair) < len(order) else []
        citations: list[Citation] = []
        blocks = [render("stage_about_intro", lang)]
        if kind == "all":  # the stages as a whole: how many, then each by its heading and what it focuses on
            blocks.extend(self._quoted_lines([stages_overview_citation(rules=self.rules)], lang, citations))
        for stage in shown:
            cited, after = stage_citations(stage, rules=self.rules)
            if kind == "all":
                cited = cited[:STAGE_LISTED_PASSAGES]
            lines = self._quoted_lines([*cited, *([after] if end and after is not None else [])], lang, citations)
            blocks.append("\n".join(lines))
        blocks.extend(self._criteria_blocks(steps, lang, citations))
        blocks.append(render("criteria_where_are_we", lang))
        return ChatReply(answer="\n".join(blocks), lang=lang, intent="question", citations=citations, context=ctx)

    def _areas(self, lang: str, ctx: ChatContext) -> ChatReply:
        """The thematic areas, each by its heading in the MCR2030 overview (structured knowledge), cited."""
        citations: list[Citation] = []
        lines = self._quoted_lines([c for _, c in area_citations(rules=self.rules)], lang, citations)
        answer = "\n".join([render("areas_intro", lang), *lines, render("areas_follow_up", lang)])
        return ChatReply(answer=answer, lang=lang, intent="question", citations=citations, context=ctx)

    def _survey(self, asked: int, lang: str, ctx: ChatContext) -> ChatReply:
        """The stage assessment survey's questions (``ALL_SURVEY_QUESTIONS``) or question ``asked``, each as the
        MCR2030 overview words it (structured knowledge), cited and numbered as in the survey."""
        total = len(self.rules.questions)
        if asked != ALL_SURVEY_QUESTIONS and not 1 <= asked <= total:
            return ChatReply(
                answer=render("survey_none", lang, count=total, q=asked), lang=lang, intent="question", context=ctx
            )
        cited = survey_citations(() if asked == ALL_SURVEY_QUESTIONS else (asked,), rules=self.rules)
        citations = [self._rendered(c, lang) for _, c in cited]  # numbered 1.. by survey_citations
        lines = [
            # a rendering of the survey's table row holds its cells ("10 | The local government … | Yes | No"): the
            # question is the longest of them
            render("survey_line", lang, q=q, text=max(_shown(c).split(" | "), key=len), n=c.n)
            for (q, _), c in zip(cited, citations, strict=True)
        ]
        intro = (
            render("survey_intro", lang, count=total)
            if asked == ALL_SURVEY_QUESTIONS
            else render("survey_one", lang, q=asked)
        )
        answer = "\n".join([intro, *lines, render("survey_follow_up", lang)])
        return ChatReply(answer=answer, lang=lang, intent="question", citations=citations, context=ctx)

    def _listing(self, kind: str, section: str, *, lang: str, ctx: ChatContext) -> ChatReply:
        """The catalogue's flagship programmes (``kind`` "flagship") or the services of ``section``: each record
        by its heading in the catalogue (the first line of its text), cited, in the catalogue's order."""
        if kind == "sections":
            return self._sections(lang, ctx)
        if kind == "flagship":
            items = [i for i in self.recommender.items if i.kind == "flagship"]
        else:
            items = [i for i in self.recommender.items if i.kind == "unhabitat_service" and i.section == section]
        if not items:
            return _unanswered("no_evidence", lang, ctx)
        items.sort(key=lambda i: tuple(int(n) if n.isdigit() else n for n in re.split(r"[.-]", i.id)))
        docs = self.retriever.index.documents
        headings = []
        for item in items:  # a record's text opens with its heading line ("E.1. 国家住房战略")
            end = docs[item.span.doc_id].text.find("\n", item.span.start, item.span.end)
            headings.append(self._cite_span(item.span.doc_id, item.span.start, item.span.end if end < 0 else end, 0))
        citations: list[Citation] = []
        ref = ""
        if kind == "section":
            # the section's own heading in the body ("E 土地、住房和居所"), cited for the title the intro gives it
            doc_id = items[0].span.doc_id
            heading = _section_headings(docs[doc_id].text).get(section)
            if heading is not None:
                cited = replace(self._rendered(self._cite_span(doc_id, *heading, 0), lang), n=1)
                citations.append(cited)
                ref = f" [{cited.n}]"
        lines = self._quoted_lines(headings, lang, citations)
        if kind == "section":
            title = items[0].section_title if lang == "zh" else (items[0].section_title_en or items[0].section_title)
            intro = render("listing_section", lang, section=section, title=title, count=len(items), ref=ref)
        else:
            intro = render("listing_flagship", lang, count=len(items))
        answer = "\n".join([intro, *lines, render("listing_follow_up", lang)])
        return ChatReply(answer=answer, lang=lang, intent="question", citations=citations, context=_listed(ctx, items))

    def _sections(self, lang: str, ctx: ChatContext) -> ChatReply:
        """How many services the catalogue describes: each section by its heading in the catalogue, cited, with the
        number of its services; the totals are our count of the records extracted from it (the catalogue states
        none), labelled as ours."""
        services = [i for i in self.recommender.items if i.kind == "unhabitat_service"]
        flagships = [i for i in self.recommender.items if i.kind == "flagship"]
        if not services:
            return _unanswered("no_evidence", lang, ctx)
        by_section: dict[str, list[CatalogueItem]] = {}
        for item in sorted(services, key=lambda i: i.section):
            by_section.setdefault(item.section, []).append(item)
        citations: list[Citation] = []
        lines = []
        for section, items in by_section.items():
            doc_id = items[0].span.doc_id
            # the section's heading in the body ("H. 气候变化与城市"), as the chunker and the catalogue read it
            heading = _section_headings(self.retriever.index.documents[doc_id].text).get(section)
            if heading is None:
                continue
            cited = self._rendered(self._cite_span(doc_id, *heading, 0), lang)
            cited = replace(cited, n=len(citations) + 1)
            citations.append(cited)
            lines.append(render("listing_sections_line", lang, text=_shown(cited), count=len(items), n=cited.n))
        intro = render("listing_sections", lang, services=len(services), sections=len(by_section))
        note = render("curated_note", lang, text=render("listing_sections_note", lang, flagships=len(flagships)))
        answer = "\n".join([intro, *lines, note, render("listing_sections_follow_up", lang)])
        return ChatReply(answer=answer, lang=lang, intent="question", citations=citations, context=ctx)

    def _area_about(self, area: int, lang: str, ctx: ChatContext) -> ChatReply:
        """One thematic area as the overview words it (its heading and the paragraph after it), cited."""
        citations: list[Citation] = []
        lines = self._quoted_lines(area_about_citations(area, rules=self.rules), lang, citations)
        if not lines:
            return _unanswered("no_evidence", lang, ctx)
        answer = "\n".join(
            [render("area_about_intro", lang, area=area), *lines, render("area_about_follow_up", lang, area=area)]
        )
        return ChatReply(answer=answer, lang=lang, intent="question", citations=citations, context=ctx)

    def _area_listing(self, areas: Sequence[int], lang: str, ctx: ChatContext) -> ChatReply:
        """The tools the MCR2030 overview lists under each of ``areas`` (structured knowledge: the records' listings),
        each quoted where it is listed, in the document's order; then, labelled as ours, the catalogue records our
        curated mapping places under the area."""
        citations: list[Citation] = []
        blocks = []
        shown: list[CatalogueItem] = []
        taxonomy = self.recommender.taxonomy
        for area in areas:
            title = taxonomy.area(area, lang)
            listed = sorted(
                ((span, item) for item in self.recommender.items for a, span in item.listings if a == area),
                key=lambda pair: (pair[0].doc_id, pair[0].start),
            )
            pairs = [(c, item) for span, item in listed if (c := self._listing_citation(span)) is not None]
            cited = [c for c, _ in pairs]
            shown += [item for _, item in pairs]
            if cited:
                blocks.append(render("listing_area", lang, area=area, title=title, count=len(cited)))
            else:  # the area's heading, under which the overview lists nothing
                blocks.append(render("listing_area_none", lang, area=area))
                cited = [c for _, c in area_citations((area,), rules=self.rules)]
            blocks.extend(self._quoted_lines(cited, lang, citations))
            mapped = [i for i in self.recommender.items if i.kind != "mcr_tool" and area in i.areas]
            if mapped:
                names = ", ".join(i.id if i.kind == "unhabitat_service" else _name_in(i, lang) for i in mapped)
                blocks.append(render("curated_note", lang, text=render("listing_area_mapped", lang, records=names)))
        if not citations:
            return _unanswered("no_evidence", lang, ctx)
        blocks.append(render("listing_follow_up", lang))
        return ChatReply(
            answer="\n".join(blocks), lang=lang, intent="question", citations=citations, context=_listed(ctx, shown)
        )

    def _listing_citation(self, span: SourceSpan) -> Citation | None:
        """A record's listing as a citation through the passage that holds it, or its first line when no one
        passage holds all of it (None when no passage holds even that)."""
        first = self.retriever.index.documents[span.doc_id].text.find("\n", span.start, span.end)
        for end in (span.end, span.end if first < 0 else first):
            chunk = self._holding(span.doc_id, span.start, end)
            if chunk is not None:
                return self._cite(chunk, 0, span.start, end)
        return None

    def _quoted_lines(self, cited: Sequence[Citation], lang: str, citations: list[Citation]) -> list[str]:
        """Each of ``cited`` as a line of the reply, in ``lang`` (its rendering for a reader of the other language),
        numbered after the ``citations`` already given, to which it is appended."""
        lines = []
        for c in cited:
            c = replace(self._rendered(c, lang), n=len(citations) + 1)
            citations.append(c)
            lines.append(render("criteria_line", lang, text=_shown(c), n=c.n))
        return lines

    def _rendered(self, citation: Citation, lang: str) -> Citation:
        """``citation`` with its quote in ``lang`` when the source is in another language and a rendering covers it."""
        if citation.lang == lang or citation.rendering is not None:
            return citation
        shown = self.retriever.index.rendering_of_span(citation.doc_id, citation.lang, citation.start, citation.end)
        return replace(citation, rendering=shown) if shown is not None else citation

    def _criteria_lines(self, result: StageResult, lang: str, citations: list[Citation]) -> str:
        marks = {"met": "✓", "unmet": "✗", "unknown": "?"}
        by_quote = {(c.start, c.end): c.n for c in citations}
        out = []
        for c in _shown_criteria(result):
            ref = f" [{by_quote[(c.citation.start, c.citation.end)]}]" if c.citation else ""
            out.append(f"{marks[c.status]} {c.label}{ref}")
        out.extend(f"! {a}" for a in result.ambiguities)
        return "\n".join(out)

    def _recommend(
        self, situation: str, lang: str, ctx: ChatContext, stage: str | None = None, *, browse: bool = False
    ) -> ChatReply:
        """What fits ``situation``; ``browse``: the message asks which records are about a topic, and the reply
        says so."""
        # a thematic area named by number ("tools for thematic area 2") keeps the recommendations to it, and its
        # name says what they are for ("Enhancing risk analysis")
        themes = self.areas(situation)
        wanted = " ".join([situation, *(self.recommender.taxonomy.area(n, script_lang(situation)) for n in themes)])
        # a kind of record asked for by name ("which flagship programme…", "MCR2030 tools") keeps them to that
        # kind; the words naming its source are then a filter, not part of what is wanted
        kinds = kinds_named(situation)
        if kinds:
            wanted = without_source_words(wanted) or wanted
        recs = self.recommender.recommend(wanted, stage=stage, themes=themes, kinds=kinds, k=3, lang=lang)
        citations: list[Citation] = []
        for r in recs:
            citations.extend(r.citations)
        citations = _number(citations)
        return ChatReply(
            answer=self._recommend_lines(
                recs, lang, stage, citations, intro="browse_intro" if browse else "recommend_intro"
            ),
            lang=lang,
            intent="recommend",
            recommendations=recs,
            citations=citations,
            follow_up=render("follow_up_more", lang),
            context=ctx.with_(
                last_recommendations=tuple(r.item.id for r in recs), last_situation=situation[:MAX_CONTEXT_TEXT]
            ),
        )

    def _with_passage(self, reply: ChatReply, answer: Sequence[Unit], lang: str) -> ChatReply:
        """Recommendations for a situation the documents also speak to ("We have an implementation plan but no
        financing lined up. What can MCR2030 do for a city in our position?", which the overview answers): the
        sentence that answers it best (``answer``: the sentences whose evidence clears the abstention threshold,
        the rule a question answer meets), unless it is the text of a record already recommended, after the
        records, cited. Session 32: over the tuning questions three more replies quote their anchor, none fewer."""
        if not reply.recommendations or not answer:
            return reply
        best = answer[0]
        if any(_in_span(best, r.item.span) for r in reply.recommendations):
            return reply
        cited = self._unit_citation(best, len(reply.citations) + 1, lang)
        line = render("recommend_documents_say", lang, text=_shown(cited), n=cited.n)
        return replace(reply, answer=f"{reply.answer}\n{line}", citations=[*reply.citations, cited])

    def _unit_citation(self, u: Unit, n: int, lang: str) -> Citation:
        """A sentence chosen as an answer, cited as [n], with its rendering for a reader of the other language (the
        rendering of a Chinese document, or the aligned other half of a bilingual file)."""
        index = self.retriever.index
        if u.english:
            rendering = index.rendering(u.chunk.doc_id, lang)
            shown = RenderedQuote(lang, u.english, rendering.provenance) if rendering is not None else None
        elif u.lang != lang:  # a sentence of the other half of a bilingual file: its aligned translation
            shown = index.rendering_of_span(u.chunk.doc_id, u.lang, u.start, u.end)
        else:
            shown = None
        return self._cite(u.chunk, n, u.start, u.end, rendering=shown)

    def _recommend_lines(
        self,
        recs: Sequence[Recommendation],
        lang: str,
        stage: str | None,
        citations: list[Citation] | None = None,
        *,
        intro: str = "recommend_intro",
    ) -> str:
        stage_part = render("recommend_stage_part", lang, stage=stage) if stage else ""
        lines = [render(intro, lang, stage_part=stage_part)]
        numbers = {(c.doc_id, c.start, c.end): c.n for c in citations or []}
        for i, r in enumerate(recs, 1):
            name = _name_in(r.item, lang)
            # our own reasons carry no marker; each quoted sentence (the last ``quoted`` reasons) its citation's
            plain = r.reasons[: len(r.reasons) - r.quoted]
            reason = "; ".join(plain[:2])
            marks = [numbers.get((c.doc_id, c.start, c.end)) for c in r.citations]
            cut = len(r.citations) - r.quoted
            # the record's name line (when the quote does not name it) is cited by the line naming the record, the
            # sentences quoted for why it fits by their quotes
            named = "".join(f" [{n}]" for n in marks[:cut] if n is not None)
            if reason:
                lines.append(render("recommend_item", lang, n=i, name=name + named, reason=reason))
            else:  # a record listed for no stage or area ("MCR2030 Dashboard") has no "— where it is listed"
                lines.append(render("recommend_item_bare", lang, n=i, name=name + named))
            for quote, n in zip(r.reasons[len(r.reasons) - r.quoted :], marks[cut:], strict=True):
                if n is not None:
                    lines.append(render("recommend_quote", lang, quote=quote, refs=f"[{n}]"))
            if r.note is not None:
                lines.append(render("curated_note", lang, text=r.note.text))
        return "\n".join(lines)

    def _lookup(self, item: CatalogueItem, lang: str, ctx: ChatContext) -> ChatReply:
        """A record: its name and id, the first sentence of its overview quoted (rendered for English readers),
        its links, and our curated note, labelled as ours: the English summary for English readers, the Chinese one
        (MCR2030 tools, whose listing is a name and a link) for Chinese readers."""
        name = item.name if lang == "zh" else f"{item.name_en} / {item.name}"
        doc = self.retriever.index.documents.get(item.span.doc_id)
        overview = item.field("overview")
        body = overview or item.field("description") or ""
        # a service's overview opens with what it is; a tool's passage in the MCR2030 overview often opens with
        # something else ("MCR2030 provides a three-stage roadmap…" before "…the MCR2030 Dashboard, an online
        # tool…"), so there the first sentence that names the record is quoted
        quote = (None if overview else _naming_sentence(item, body)) or _first_sentence(body)[0]
        citations: list[Citation] = []
        shown = ""
        if quote and doc is not None:
            found = _located(doc.text, quote, item.span.start, item.span.end)
            if found is not None:
                chunk = Chunk(
                    "", doc.doc_id, 0, doc.source, doc.title, (item.name,), item.span.start, item.span.end,
                    doc.text[item.span.start : item.span.end], doc.lang,
                )  # fmt: skip
                start, end, rendered = self._rendered_span(chunk, *found, lang)
                citations.append(self._cite(chunk, 1, start, end, rendering=rendered))
                shown = as_shown(rendered.text if rendered is not None else doc.text[start:end])
        text = render("record_detail", lang, name=name, ref=_reference(item, lang), summary=shown)
        if citations:
            text += " [1]"
        if note := item.curated_note(lang):
            text += "\n" + render("curated_note", lang, text=note).strip()
        if item.urls:
            text += "\n" + "\n".join(item.urls)
        return ChatReply(answer=text, lang=lang, intent="lookup", citations=citations, context=ctx, record=item)

    def _rendered_span(self, chunk: Chunk, start: int, end: int, lang: str) -> tuple[int, int, RenderedQuote | None]:
        """``[start, end)`` of ``chunk`` widened to whole rendered segments, with their rendering in ``lang``, when
        the reader's language is not the chunk's and a rendering covers it; else the span as it is."""
        if chunk.lang == lang:
            return start, end, None
        rendering = self.retriever.index.rendering(chunk.doc_id, lang)
        if rendering is None or not rendering.overlapping(start, end):
            return start, end, None
        start, end = rendering.widen(start, end, chunk.start, chunk.end)
        return start, end, RenderedQuote(lang, rendering.text_between(start, end), rendering.provenance)

    def _question(
        self,
        text: str,
        lang: str,
        ctx: ChatContext,
        record: CatalogueItem | None = None,
        vector: Callable[[], np.ndarray] | None = None,
        among: Sequence[CatalogueItem] = (),
    ) -> ChatReply:
        found = self.retriever.search_evidence(
            text, QUESTION_PASSAGES, renderings=False, vector=vector() if vector is not None else None
        )
        if record is not None and RECORD_FOCUS:
            found = self._focus_on([record], found, RECORD_PASSAGES)
        elif among:
            found = self._focus_on(among, found, QUESTION_PASSAGES, others=False)
        in_areas = False
        if record is None and not among and AREA_ASKED.search(text) and not areas_named(text):
            areas = self._in_areas(text, found, vector)
            in_areas = areas is not found
            found = areas
        hits = found.hits
        if self.llm is not None and hits and self._in_domain(text):
            generated = self._generate(text, lang, hits, ctx)
            if generated is not None:
                return generated
        selected = self._selected(text, found, lang)
        strength = self._strength(text, found, selected)
        units = selected if strength >= self.abstention.threshold else []
        indirect = False
        from_record = False  # the answer is the named record's own text, to a question asking what it is or does
        if not units and record is not None:
            # the question names a record the documents hold: what they say of it, labelled as no direct answer
            # unless the question asks no particular fact ("What does service B.4 offer?") and the best sentence
            # lies in the record's own text, which is then the answer
            units = [u for u in selected if self._speaks_of(u, record)]
            if selected and not units:
                # none of the closest sentences is about the record ("需要多长时间？" of City Scan, which the overview
                # lists by name and link, got other services' durations): say so, and give what we hold on it
                return self._not_said(record, lang, ctx)
            from_record = bool(units) and question_type(text) in ("other", "definition") and _inside(units[0], record)
            indirect = bool(units) and not from_record
        elif not units and (among or in_areas):
            # what the records listed, or the area that holds most of the question, say closest to it, labelled as
            # no direct answer: a question asking which thematic area says something is about the areas
            units = selected
            indirect = bool(units)
        elif not units and (referred := self.references.referred(text)):
            # the question points at one of our documents ("the review", "这份执行局报告"): what that document
            # says closest to it, among the passages retrieved, labelled as no direct answer
            own = [h for h in found.hits if h.chunk.doc_id in referred]
            if own:
                units = self._selected(
                    text, SearchResult(own, found.dense_best, found.asked_best, found.asked_spans), lang
                )
                indirect = bool(units)
        if not units and not among and record is None and records_asked(text):
            # no passage answers it, and it asks which tool or service fits what it describes: the records that fit
            # (before the out-of-domain check: "Which UN-Habitat service is made for this?" of a situation in words
            # the documents do not use is not out of scope)
            fitting = self._recommend(text, lang, ctx)
            if fitting.recommendations:
                return fitting
        if not units:
            if not among and not self._in_domain(text):
                return _unanswered("out_of_scope", lang, ctx)
            return _unanswered("no_evidence", lang, ctx)
        if record is not None:
            units = self._about_record(record, text, units)
        # evidence just above the threshold is shown as what comes closest, not as the answer
        hedged = not indirect and not from_record and strength < self.abstention.hedge
        citations = []
        lines = []
        for n, u in enumerate(in_reading_order(units), 1):
            cited = self._unit_citation(u, n, lang)
            citations.append(cited)
            lines.append(f"{_shown(cited)} [{n}]")
        if any(c.lang != lang and c.rendering is None for c in citations):
            intro = render("doc_intro_translated", lang)
        elif any(c.rendering is not None for c in citations):
            intro = render("doc_intro_rendered", lang)
        else:
            intro = render("doc_intro", lang)
        if record is not None:
            name = _name_in(record, lang)
            if indirect:
                intro = render("doc_intro_indirect", lang, name=name) + "\n" + intro
        elif indirect:
            listed = (
                "doc_intro_indirect_listed"
                if among
                else "doc_intro_indirect_area"
                if in_areas
                else "doc_intro_indirect_document"
            )
            intro = render(listed, lang) + "\n" + intro
        if hedged:
            intro = render("doc_intro_hedged", lang) + "\n" + intro
        answer = render("doc_answer", lang, intro=intro, sentences="\n".join(lines))
        if record is not None:
            answer += "\n" + render("record_alongside", lang, name=name, ref=_reference(record, lang))
        return ChatReply(
            answer=answer,
            lang=lang,
            intent="question",
            citations=citations,
            context=ctx,
            record=record,
        )

    def _not_said(self, record: CatalogueItem, lang: str, ctx: ChatContext) -> ChatReply:
        """The reply to a question about ``record`` that the documents do not answer: it says so, then gives what
        we hold on the record (its lookup)."""
        reply = self._lookup(record, lang, ctx)
        reply.answer = render("record_not_said", lang, name=_name_in(record, lang)) + "\n" + reply.answer
        reply.intent = "question"
        return reply

    def _speaks_of(self, unit: Unit, record: CatalogueItem) -> bool:
        """Whether ``unit`` is about ``record``: it lies in the record's text or in a listing of it, or names it
        (in its original or its rendering)."""
        if any(_in_span(unit, span) for span in (record.span, *(s for _, s in record.listings))):
            return True
        text = f"{unit.text}\n{unit.english}".casefold()
        return any(form in text for form in _name_forms(record))

    def _about_record(self, record: CatalogueItem, text: str, units: list[Unit]) -> list[Unit]:
        """A question about one record is answered from what is said of it: once a chosen sentence lies in the
        record's own text, the sentences lying in the text of a record the question does not name (and none of
        whose chosen sentences names the asked one) are left out ("How long does CityRAP take?" is not answered
        by how long the Urban Inclusion Marker takes)."""

        def owner(u: Unit) -> str | None:
            return next(
                (
                    i.id
                    for i in self.recommender.items
                    if i.span.doc_id == u.chunk.doc_id and i.span.start <= u.start < i.span.end
                ),
                None,
            )

        owners = [owner(u) for u in units]
        if record.id not in owners:
            return units
        named = {record.id}
        if (first := self._mention(text)) is not None:
            named.add(first[0].id)
            if first[1] and (second := self._mention(text.replace(first[1], " "))) is not None:
                named.add(second[0].id)
        # a record whose chosen sentences speak of the asked one by name (a service built on its method)
        names = _name_forms(record)
        named |= {
            o
            for u, o in zip(units, owners, strict=True)
            if o is not None and any(n in u.text.casefold() for n in names)
        }
        return [u for u, o in zip(units, owners, strict=True) if o is None or o in named]

    def _focus_on(
        self, records: Sequence[CatalogueItem], found: SearchResult, most: int, *, others: bool = True
    ) -> SearchResult:
        """A question about records (one it names, or those the last reply listed) is about them: the passages of
        their own text come first (in the order search ranked them, then in document order), at most ``most``,
        then, when ``others``, the other hits."""
        rank = {h.chunk.chunk_id: n for n, h in enumerate(found.hits)}
        own = [
            Hit(chunk=c, score=0.0, rank=0)
            for c in self.retriever.index.chunks
            if any(c.doc_id == r.span.doc_id and c.start < r.span.end and r.span.start < c.end for r in records)
        ]
        own.sort(key=lambda h: (rank.get(h.chunk.chunk_id, len(rank)), h.chunk.start))
        own = own[:most]
        ids = {h.chunk.chunk_id for h in own}
        rest = [h for h in found.hits if h.chunk.chunk_id not in ids] if others else []
        return SearchResult((own + rest)[:QUESTION_PASSAGES], found.dense_best, found.asked_best, found.asked_spans)

    def _in_areas(self, text: str, found: SearchResult, vector: Callable[[], np.ndarray] | None = None) -> SearchResult:
        """A question asking which thematic area says something ("Which MCR2030 thematic area deals with getting a
        strategy endorsed by the legislature?") is answered from the passages of the one area that holds most of
        it (``best_part`` over the areas' own passages, those whose heading opens an area), so the answer stands
        under its heading; ``found`` when the index holds no such passage. The evidence (dense and curated-question
        similarity) stays the question's."""
        areas = self.retriever.search_evidence(
            text,
            QUESTION_PASSAGES,
            Filters(sections=AREA_HEADING_PREFIXES),
            renderings=False,
            vector=vector() if vector is not None else None,
        )
        index = self.retriever.index
        lang = script_lang(text)
        own = best_part(
            text,
            areas.hits,
            lambda chunk: area_number(chunk.section[-1]) if chunk.section else None,
            lambda doc_id: None if index.has_text_in(doc_id, lang) else index.rendering(doc_id, lang),
            self.retriever.lexicon,
        )
        if not own:
            return found
        return SearchResult(own, found.dense_best, found.asked_best, found.asked_spans)

    def _answer_units(self, text: str, found: SearchResult, lang: str) -> list[Unit]:
        """The sentences that answer ``text``, or none when their evidence falls below the abstention threshold."""
        units = self._selected(text, found, lang)
        return units if self._strength(text, found, units) >= self.abstention.threshold else []

    def _selected(self, text: str, found: SearchResult, lang: str) -> list[Unit]:
        """The sentences of ``found`` that answer ``text`` best, whatever their evidence (``select_units``)."""
        index = self.retriever.index

        def select(qtype: QuestionType | None = None) -> list[Unit]:
            return select_units(
                text,
                found.hits,
                # a rendering speaks for a document only where the document has no text of its own in the language
                lambda doc_id: None if index.has_text_in(doc_id, lang) else index.rendering(doc_id, lang),
                self.retriever.lexicon,
                lang=lang,
                asked=found.asked_spans,
                qtype=qtype,
                passage_after=index.passage_after,
                passage_before=index.passage_before,
            )

        return for_each_part(text, select)

    def _strength(self, text: str, found: SearchResult, units: Sequence[Unit]) -> float:
        """The evidence of ``units`` for ``text`` (``Abstention.strength``; 0.0 for none): refused below the
        abstention threshold, shown as what comes closest below its ``hedge``."""
        index = self.retriever.index
        unknown = unknown_share(
            text, self.retriever.lexicon, lambda t: bool(index.lex_main.doc_freq(t) or index.lex_en.doc_freq(t))
        )
        strength = self.abstention.strength(units, found.dense_best, unknown, found.asked_best)
        if units and units[0].kind and expansion(text) is not None:
            # a sentence spelling out the abbreviation asked about answers it by its form ("城市韧性分析工具 (CRPT)"),
            # however few words the question has for the evidence to weigh
            return max(strength, self.abstention.hedge)
        return strength

    def _generate(self, text: str, lang: str, hits: Sequence[Hit], ctx: ChatContext) -> ChatReply | None:
        """An LLM answer over the passages, or None (then the extractive answer is used): the endpoint failed,
        or the answer cited nothing or a passage it was not given."""
        from assistant.llm import cited_numbers, system_prompt

        passages = [
            (n, f"{h.chunk.title} > {' > '.join(h.chunk.section[-2:])}", h.chunk.text) for n, h in enumerate(hits, 1)
        ]
        try:
            answer = self.llm.generate(system_prompt(lang), text, passages)  # type: ignore[union-attr]
        except (LLMUnavailable, UngroundedAnswer) as e:
            logger.warning("llm_fallback code=%s", e.code)
            return None
        citations = [self._cite(hits[n - 1].chunk, n) for n in cited_numbers(answer)]
        return ChatReply(answer=answer, lang=lang, intent="question", citations=citations, context=ctx)

    def _cite_span(self, doc_id: str, start: int, end: int, n: int) -> Citation:
        """Citation ``n`` of ``[start, end)`` of a document, through the passage that holds it (one must)."""
        chunk = self._holding(doc_id, start, end)
        if chunk is None:
            raise LookupError(f"no passage of {doc_id} holds [{start}, {end})")
        return self._cite(chunk, n, start, end)

    def _holding(self, doc_id: str, start: int, end: int) -> Chunk | None:
        """The first passage of a document that holds all of ``[start, end)``, or None."""
        return next(
            (c for c in self.retriever.index.chunks if c.doc_id == doc_id and c.start <= start and end <= c.end), None
        )

    def _cite(
        self,
        chunk: Chunk,
        n: int,
        start: int | None = None,
        end: int | None = None,
        *,
        rendering: RenderedQuote | None = None,
    ) -> Citation:
        """Citation ``n`` of ``chunk``, or of its span ``[start, end)`` in the source (the whole chunk by default),
        with the span's rendering in the reader's language when it is shown instead of the original."""
        start = chunk.start if start is None else start
        end = chunk.end if end is None else end
        doc = self.retriever.index.documents.get(chunk.doc_id)
        return Citation(
            n=n,
            doc_id=chunk.doc_id,
            source=chunk.source,
            title=chunk.title,
            section=chunk.section,
            page=doc.page_at(start) if doc else chunk.page,
            start=start,
            end=end,
            quote=chunk.text[start - chunk.start : end - chunk.start],
            lang=chunk.lang,
            rendering=rendering,
        )

    # -- evidence ------------------------------------------------------------------------------------------
    def _bare_request(self, text: str) -> bool:
        """The message asks for tools or help and names nothing else: no topic of the domain, and every content
        word a word of asking ("Which tools help with that?", "有哪些工具可以帮忙？"; not "recommend a movie")."""
        if self._in_domain(text):
            return False
        return all(term & _REQUEST_WORDS for term in question_terms(text, self.retriever.lexicon))

    def _in_domain(self, question: str) -> bool:
        """Whether the question names anything of our domain: a glossary concept other than general words."""
        if self.areas(question):  # "tools of thematic area 12": the roadmap's own structure
            return True
        lexicon = self.retriever.lexicon
        if lexicon is None:
            return False
        kinds = {lexicon.entries[int(c[1:])].kind for c in lexicon.concepts(question)}
        return bool(kinds - {"general"})

    def _named_record(self, text: str) -> CatalogueItem | None:
        found = self._mention(text)
        return found[0] if found is not None else None

    def _mention(self, text: str) -> tuple[CatalogueItem, str] | None:
        """The record ``text`` names and the words that name it (assistant/names.py)."""
        return self.names.find(text)


# The words of a request for tools or help, as question terms hold them (stemmed English, Chinese words; question
# words such as "which", "need", "什么" are never terms)
_REQUEST_WORDS = frozenset(
    {
        "tool", "help", "fit", "recommend", "suggest", "servic", "support", "resourc", "good", "suitabl", "best",
        "assist", "option", "offer", "avail", "anyth", "someth",
        "工具", "帮助", "帮忙", "服务", "适合", "推荐", "建议", "支持", "资源", "有用", "合适", "使用", "可用", "提供",
        "这方面", "这方", "方面", "这些", "那些",
        # "What should we do next?", "下一步应该做什么？" (segmented 下/一步) after the city said where it stands
        "next", "下一步", "一步", "接下来",
    }
)  # fmt: skip


def _name_in(item: CatalogueItem, lang: str) -> str:
    """A record's name for a reader of ``lang``: its Chinese name, or its curated English one where there is one."""
    return item.name if lang == "zh" else (item.name_en or item.name)


def _reference(item: CatalogueItem, lang: str) -> str:
    """How a reader finds a record again: a service's id ("B.2"), a flagship's number, an MCR2030 tool's thematic
    area (its id is ours, "mcr-quick-risk-estimation", and means nothing to a reader)."""
    if item.kind == "flagship":
        return render("ref_flagship", lang, n=item.id.rpartition("-")[2])
    if item.kind == "mcr_tool":
        areas = ", ".join(map(str, item.areas))
        return render("ref_mcr_area", lang, areas=areas) if areas else render("ref_mcr", lang)
    return item.id


def _unanswered(template: str, lang: str, ctx: ChatContext) -> ChatReply:
    """No grounded answer: ``out_of_scope`` (not about the roadmap or the catalogue), ``no_evidence`` (a question
    the documents do not answer, intent ``question``), ``dated`` (a question about a near date) or ``opinion`` (our
    own view or forecast asked for; both intent ``question``), each pointing to whom to ask."""
    return ChatReply(
        answer=render(template, lang, contacts=render("contacts", lang)),
        lang=lang,
        intent="out_of_scope" if template == "out_of_scope" else "question",
        grounded=False,
        context=ctx,
    )


def _name_forms(record: CatalogueItem) -> list[str]:
    """The record's names and their short forms, case-folded, as a sentence may speak of it."""
    return [form.casefold() for name in (record.name, record.name_en) if name for form in (name, *short_forms(name))]


def _inside(unit: Unit, record: CatalogueItem) -> bool:
    """Whether ``unit`` lies in the record's own text (its span in its document)."""
    return _in_span(unit, record.span)


def _in_span(unit: Unit, span: SourceSpan) -> bool:
    return unit.chunk.doc_id == span.doc_id and span.start <= unit.start < span.end


@lru_cache(maxsize=16)
def _section_headings(text: str) -> Mapping[str, tuple[int, int]]:
    """Where each lettered section of a document is headed (``"H"`` -> its heading line), by the chunker's one
    reader of headings (``ingest.chunking.detect_headings``), by which the catalogue's records are read too."""
    return {h.number: (h.start, h.end) for h in detect_headings(text) if h.kind == "section"}


def _criterion_parts(expr: Any) -> list[str]:
    """The criteria a criterion is the conjunction of ("a_to_b": q2, q3, q10, strategy_commitment); none for any
    other expression (B→C is one passage listing its two conditions)."""
    if isinstance(expr, dict) and "all" in expr:
        return [p for p in expr["all"] if isinstance(p, str)]
    return []


def _shown_criteria(result: StageResult) -> list:
    """The criteria a reply lists: all but the two facts (ISO 37123, a submitted plan) unless they are met."""
    return [c for c in result.criteria if c.id not in ("iso37123", "submitted") or c.status == "met"]


def _listed(ctx: ChatContext, items: Sequence[CatalogueItem]) -> ChatContext:
    """``ctx`` remembering the records a reply listed, in its order, so that "the second one" / "第二个" next points
    at one of them (as after a recommendation); the situation of an earlier recommendation no longer applies."""
    ids = tuple(dict.fromkeys(i.id for i in items))[:MAX_RECOMMENDATIONS]
    return ctx.with_(last_recommendations=ids, last_situation=None) if ids else ctx


def _number(citations: Sequence[Citation]) -> list[Citation]:
    """Renumber citations 1..n, merging identical spans."""
    seen: dict[tuple[str, int, int], Citation] = {}
    for c in citations:
        key = (c.doc_id, c.start, c.end)
        if key not in seen:
            seen[key] = Citation(
                n=len(seen) + 1,
                doc_id=c.doc_id,
                source=c.source,
                title=c.title,
                section=c.section,
                page=c.page,
                start=c.start,
                end=c.end,
                quote=c.quote,
                lang=c.lang,
                rendering=c.rendering,
            )
    return list(seen.values())


def _shown(citation: Citation) -> str:
    """A citation's text as a reply shows it: its rendering in the reader's language, else its quote."""
    return as_shown(citation.rendering.text if citation.rendering else citation.quote)


def as_shown(text: str) -> str:
    """A quoted unit as a reply shows it: without the source's reference marks or its markdown emphasis ("推进城市
    **认知**"), a line break inside it (a page break the extraction left in a sentence) shown as a space, a table
    row's cells apart ("a | b") and without the check marks it ticks; the citation's quote keeps the source's text."""
    text = _MARK_CELLS.sub("", without_reference_marks(INLINE_TAG.sub("", text)))  # "…strategy\t√\t\t√"
    text = _CELL_BREAK.sub(" | ", _HEADING_MARKS.sub("", text.strip()))  # a table row's cells ("a\tb": "a | b")
    # a "**" left unpaired is the other half of an emphasis a sentence boundary cut ("…目标。** UCLG Learning 提供…")
    return _BREAK_INSIDE.sub(_joined_line, _EMPHASIS.sub(r"\1", text).replace("**", "")).strip()


_BREAK_INSIDE = re.compile(r"\s*\n\s*")
_HEADING_MARKS = re.compile(r"^#{1,6}\s+")  # a markdown heading's marks ("#### 年度核心费用——模式 2")


def _joined_line(m: re.Match[str]) -> str:
    """A line break inside a quoted unit: a space, or nothing between two Chinese characters ("经历" / "了…")."""
    text = m.string
    around = text[m.start() - 1 : m.start()] + text[m.end() : m.end() + 1]
    return "" if len(around) == 2 and all(HAN.match(c) or c in "，、。；：“”" for c in around) else " "


# A table row's trailing cells holding only check marks: which column a row ticks, meaningless without the table's
# header, so a reply leaves them out (the citation's quote keeps them); the other cells stay, apart.
_MARK_CELLS = re.compile(r"(?:\t[ \t]*[√✓✔]*)+[ \t]*$")
_CELL_BREAK = re.compile(r"[ ]*\t[\t ]*")
_EMPHASIS = re.compile(r"\*\*([^*\n]+)\*\*")


def without_reference_marks(text: str) -> str:
    """``text`` as a reply shows it: the source's reference superscripts dropped, its bracketed reference numbers
    written without brackets ("Refs. [3][4]" -> "Refs. 3, 4"), so only our markers look like ``[n]``."""
    text = _SOURCE_SUPERSCRIPT.sub("", text)
    return _SOURCE_BRACKETS.sub(lambda m: ", ".join(re.findall(r"\d{1,3}(?:\s*[~\-–]\s*\d{1,3})?", m.group(0))), text)


# Words that point back at what the last reply was about: "how long does it run?", "who funds this programme?",
# "它需要多长时间？", "该项目由谁资助？"
BACK_REFERENCE = re.compile(
    r"\b(?:it|its|it's|itself)\b|\b(?:this|that|the same) (?:one|programme|program|tool|service|flagship|initiative|"
    r"project|method|methodology|approach|workshop|studio|platform|model|fund|facility|network|framework|guide|"
    r"toolkit|marker|index|course|training|lab|laboratory|mechanism|system|campaign)\b|它|"
    r"(?:该|这个|那个|这一|这项|那项)(?:项目|工具|服务|计划|方案|方法|倡议|工作室|平台|模型|基金|网络|框架|指南|工具包|标记|"
    r"指数|课程|培训|实验室|机制|系统|活动)",
    re.IGNORECASE,
)
# A question about the records the last reply listed or recommended, as a group: "Which of them is free?", "Do any of
# these work for small towns?", "其中哪个适合小城市？", "这些工具里哪个是免费的？"
AMONG_LISTED = re.compile(
    r"\b(?:which|what|how many|any|none|all|each|either|neither)(?: one)? of (?:them|these|those)\b|"
    r"\bamong (?:them|these|those)\b|其中|这些(?:工具|服务|项目|方案|记录)?(?:里|中|当中|之中)|"
    r"它们(?:中|当中|里|之中|哪)",
    re.IGNORECASE,
)
# The catalogue's records named by what they are ("tools", "services", "工具", "服务"), not by a topic
_RECORD_WORDS = re.compile(
    r"\b(?:tools?|services?|resources?|programmes?|programs?|instruments?|methods?|methodolog(?:y|ies))\b|"
    r"工具|服务|资源|方案|方法",
    re.IGNORECASE,
)
# What else a bare ask for records says ("which … fit us", "what would you recommend for our city", "哪些…适合我们")
_FIT_WORDS = re.compile(
    r"\b(?:which|what|any|do|does|would|could|should|can|you|we|us|our|ours|my|city|town|the|a|an|for|to|of|"
    r"fits?|suits?|suitable|right|best|good|help|recommend(?:ed)?|suggest(?:ed)?|use|need|now|then|at|this|stage|"
    r"there|are|is|be|me|please)\b|哪些|哪个|什么|有|适合|合适|我们|我市|本市|城市|推荐|建议|可以|能|用|需要|现在|这个|阶段|"
    r"的|吗|呢|了|请|您|[\s\W_\d]",
    re.IGNORECASE,
)


def _asks_records_only(text: str) -> bool:
    """Whether ``text`` asks for the catalogue's records by what they are and for us, naming no topic ("Which tools
    fit us?", "哪些工具适合我们？"): in the catalogue's domain whatever its words (a follow-up to a stage found)."""
    return bool(_RECORD_WORDS.search(text) and FIRST_PERSON.search(text)) and not _FIT_WORDS.sub(
        "", _RECORD_WORDS.sub("", text)
    )


# A follow-up that asks only for an attribute and names nothing of its own ("需要多长时间？", "多少钱？", "谁设计的？",
# "How long?", "And the cost?"): Chinese drops the pronoun that English keeps ("How long does it take?"), so such a
# message asks about the record the last reply was about. What is left once these words are taken out must be
# nothing.
_ATTRIBUTE_WORDS = re.compile(
    r"多长时间|多长|多久|时间|周期|期限|天|个月|月|年|周|星期|费用|成本|花费|多少钱|预算|资金|经费|谁|哪些|哪个|哪家|哪里|哪儿|什么|多少|几|机构|"
    r"伙伴|合作|国家|城市|地方|地区|设计|开发|负责|实施|应用|用过|目的|作用|步骤|流程|阶段|语言|版本|联系|网址|链接|需要|"
    r"一般|大概|大约|通常|一共|总共|到底|具体|要|是|的|了|吗|呢|在|和|与|跟|一起|过|有|能|可以|怎么|如何|做|用|多|花|"
    r"找到|下载|获取|获得|看到|网站|"
    r"\b(?:how|long|much|many|does|do|did|is|are|was|were|the|a|an|what|who|which|where|when|why|cost|costs|budget|"
    r"funding|partners?|countries|cities|designed|developed|run|runs|take|takes|applied|used|purpose|steps|phases|"
    r"languages|contact|website|and|with|for|of|in|to|by|so|far|about|usually|typically|overall|total|"
    r"days?|weeks?|months?|years?|find|download|get|access|links?|url|can|could|i|we)\b|"
    r"[\s\W_\d]",
    re.IGNORECASE,
)
_ASKS = re.compile(
    r"[?？]\s*$|吗|什么|多少|多长|多久|几|哪|谁|怎么|如何|\b(?:how|what|who|where|when|which|why)\b", re.IGNORECASE
)


def elliptical(text: str) -> bool:
    """A question that asks only for an attribute of something it does not name (``_ATTRIBUTE_WORDS``)."""
    return bool(_ASKS.search(text)) and not _ATTRIBUTE_WORDS.sub("", text)


def points_back(text: str) -> bool:
    """Whether ``text`` is about something an earlier reply named: a back-reference, or an attribute asked alone."""
    return bool(BACK_REFERENCE.search(text)) or elliptical(text)


class _WithReferent:
    """The intent table's ``Names`` for a message that points back at ``referent``: the record a message names
    itself first, else the referent (named by no words of the message)."""

    def __init__(self, assistant: Assistant, referent: CatalogueItem) -> None:
        self._assistant = assistant
        self._referent = referent

    def mention(self, text: str) -> tuple[str, str] | None:
        return self._assistant.mention(text) or (self._referent.id, "")

    def areas(self, text: str) -> tuple[int, ...]:
        return self._assistant.areas(text)

    def sections(self, text: str) -> tuple[str, ...]:
        return self._assistant.sections(text)


def _section_asked(decision: Decision) -> tuple[str, str] | None:
    """The catalogue list a "which section is about …" message asks for: its one section's services."""
    return ("section", decision.sections[0]) if len(decision.sections) == 1 else None


def _naming_sentence(item: CatalogueItem, text: str) -> str | None:
    """The first sentence of ``text`` that names ``item`` by its Chinese name (with or without its bracketed
    acronym), or None."""
    names = {item.name.strip("《》 "), _BRACKETED.sub("", item.name).strip("《》 ")}
    names = {n for n in names if len(n) >= 3}
    for m in SENTENCE.finditer(text):
        sentence = m.group(0).strip()
        if len(sentence) >= MIN_UNIT_CHARS and any(n in sentence for n in names):
            return sentence
    return None


_BRACKETED = re.compile(r"\s*[（(][^）)]*[）)]\s*")
# What a record's fields leave out of the source's text: markdown emphasis and link marks ("**…**",
# "[PreventionWeb](#)")
_MARKUP = r"(?:\*\*|\]\([^)\s]*\)|[\[\]])*"


def _located(text: str, quote: str, start: int, end: int) -> tuple[int, int] | None:
    """Where ``quote`` (a record field's sentence) lies in ``text[start:end]``: verbatim, or with the source's
    markup between its characters; None when it is not there."""
    offset = text.find(quote, start, end)
    if offset >= 0:
        return offset, offset + len(quote)
    m = re.compile(_MARKUP + _MARKUP.join(map(re.escape, quote))).search(text, start, end)
    return (m.start(), m.end()) if m else None


def _first_sentence(text: str) -> tuple[str, int]:
    m = SENTENCE.search(text)
    if not m:
        return "", 0
    s = m.group(0).strip()
    return s, text.find(s)
