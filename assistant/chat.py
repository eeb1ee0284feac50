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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.recommend import Recommendation, Recommender
from assistant.roadmap import RoadmapRules, assess_stage
from prompts import render
from retriever.errors import InvalidRequest, LLMUnavailable, UngroundedAnswer
from retriever.language import script_lang
from retriever.search import HybridRetriever
from retriever.tokenize import STOPWORDS_EN, sentence_tokens, tokenize_en, tokenize_zh
from retriever.types import CatalogueItem, Chunk, Citation, Hit, StageResult

logger = logging.getLogger(__name__)

CONTACTS = {
    "en": "mcr2030-global@un.org (global); Africa mcr2030-africa@un.org, Americas and the Caribbean "
    "mcr2030-amc@un.org, Arab States mcr2030-arabstates@un.org, Asia-Pacific mcr2030-ap@un.org, Europe and "
    "Central Asia mcr2030-europe@un.org",
    "zh": "全球秘书处 mcr2030-global@un.org；非洲 mcr2030-africa@un.org；美洲和加勒比 mcr2030-amc@un.org；"
    "阿拉伯国家 mcr2030-arabstates@un.org；亚太地区 mcr2030-ap@un.org；欧洲和中亚 mcr2030-europe@un.org",
}
STAGE_NAMES = {
    "en": {"A": "know better", "B": "plan better", "C": "implement better"},
    "zh": {"A": "推进城市认知", "B": "推进城市规划", "C": "推进城市实施"},
}

_P = re.IGNORECASE
GREETING = re.compile(
    r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|你好|您好|嗨|早上好|下午好)[\s!！。.,，]*$", _P
)
HELP = re.compile(r"^\s*(help|what can you do\??|帮助|你能做什么|您能做什么|怎么用)[\s?？!！。.]*$", _P)
STAGE = re.compile(
    r"(which|what) stage|stage (check|assessment|survey)|where are we on the (road ?map)|"
    r"哪个阶段|哪一阶段|什么阶段|处于.{0,6}阶段|阶段评估|阶段测评|我们在路线图",
    _P,
)
RECOMMEND = re.compile(
    r"\b(tool|tools|recommend|service|services|programme|program|which .{0,20}(fits|helps|should))\b|"
    r"工具|推荐|适合|服务|方案|项目可以|用什么|哪些支持",
    _P,
)
STAGE_FOLLOW = re.compile(r"(?:\band\s+)?(?:for|in)?\s*stage\s*([abc])\b\s*\??|([ABC])\s*阶段(?:呢|的呢|怎么样)?", _P)
ORDINAL = re.compile(
    r"\b(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|number [1-5])\b|第\s*([一二三四五12345])\s*(个|项|条)",
    _P,
)
_ORD = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
}
MORE = re.compile(
    r"tell me more|more about|details|what is it|what is|what does|what are|详细|介绍|更多|具体说说|是什么|做什么", _P
)
# A specific fact about a record is a question for the documents, not a record summary.
FACT = re.compile(r"how long|how much|how many|when\b|where\b|多久|多长|几天|几个月|多少|什么时候|哪里|哪些国家", _P)
RECORD_ID = re.compile(r"(?<![\w.])([A-K])\.([1-9])(?![\d])")
YES = re.compile(r"^\s*(y|yes|yeah|yep|true|是|是的|对|有|已经|已)[\s.!。！]*$", _P)
NO = re.compile(r"^\s*(n|no|nope|false|否|不是|没有|不|还没有|尚未)[\s.!。！]*$", _P)
UNSURE = re.compile(
    r"^\s*(not sure|unsure|don't know|do not know|unknown|skip|不确定|不知道|不清楚|跳过)[\s.!。！]*$", _P
)
# A sentence ends at Chinese or English end punctuation (a period only before a space or the end, so "A.3" and
# "2.5" stay whole), at a line break, or at markup left by extraction ("<p>"), which is never quoted.
_SENTENCE = re.compile(r"(?:[^。！？；!?;\n<>.]|\.(?!\s|$))+(?:[。！？；!?;]|\.(?=\s|$))?")
# Question idioms whose answer is a kind of fact rather than a word of the question.
_IDIOMS = {
    "how long": {"时间", "月", "周", "年", "天", "duration", "month", "week", "year", "day"},
    "when": {"年", "月", "日", "启动", "date", "year", "month", "launch"},
    "how much": {"资金", "费用", "成本", "美元", "cost", "fund", "usd", "dollar"},
}
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
    context: dict[str, Any] = field(default_factory=dict)
    record: CatalogueItem | None = None


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
        min_coverage: float = 0.5,
    ) -> None:
        self.retriever = retriever
        self.recommender = recommender
        self.rules = rules
        self.llm = llm
        self.min_coverage = min_coverage
        self._names = sorted(
            [(i.name.strip("《》 "), i) for i in recommender.items if len(i.name) >= 4]
            + [(i.name_en, i) for i in recommender.items if len(i.name_en) >= 6],
            key=lambda x: -len(x[0]),
        )

    # -- entry point ---------------------------------------------------------------------------------------
    def reply(
        self, messages: Sequence[Turn], *, lang: str | None = None, context: Mapping[str, Any] | None = None
    ) -> ChatReply:
        """Answer the last user message of ``messages``. Raises ``InvalidRequest`` for an empty or oversized
        conversation."""
        if not messages or len(messages) > MAX_MESSAGES:
            raise InvalidRequest(f"send between 1 and {MAX_MESSAGES} messages")
        if any(len(m.content) > MAX_MESSAGE_CHARS for m in messages):
            raise InvalidRequest(f"a message is longer than {MAX_MESSAGE_CHARS} characters")
        user = [m for m in messages if m.role == "user"]
        if not user or not user[-1].content.strip():
            raise InvalidRequest("the last user message is empty")
        text = " ".join(user[-1].content.split())
        lang = reply_language(text, lang)
        ctx = dict(context or {})
        if not _is_answer(text):
            ctx.pop("pending_question", None)  # the user moved on

        if context and context.get("pending_question") and _is_answer(text):
            return self._stage(text, lang, dict(context), answer_to=int(context["pending_question"]))
        if GREETING.match(text):
            return self._simple("greeting", lang, ctx)
        if HELP.match(text):
            return self._simple("help", lang, ctx)
        follow = STAGE_FOLLOW.fullmatch(text.strip(" ?？")) or (STAGE_FOLLOW.search(text) if len(text) < 30 else None)
        if follow and ctx.get("last_situation"):
            stage = (follow.group(1) or follow.group(2)).upper()
            return self._recommend(str(ctx["last_situation"]), lang, ctx, stage=stage)
        ordinal = ORDINAL.search(text)
        if ordinal and ctx.get("last_recommendations") and (MORE.search(text) or len(text) < 40):
            n = _ORD.get((ordinal.group(1) or ordinal.group(2) or "").lower())
            if n is None and ordinal.group(1):
                n = int(re.sub(r"\D", "", ordinal.group(1)) or 0) or None
            ids = list(ctx["last_recommendations"])
            if n and n <= len(ids):
                item = self.recommender.get(ids[n - 1])
                if item is not None:
                    return self._lookup(item, lang, ctx)
        if STAGE.search(text):
            return self._stage(text, lang, ctx)
        record = self._named_record(text)
        if (
            record is not None
            and not FACT.search(text)
            and (MORE.search(text) or len(text) <= len(record.name) + 20 or RECORD_ID.search(text))
        ):
            return self._lookup(record, lang, ctx)
        if RECOMMEND.search(text) and record is None:
            if not self._in_domain(text) and not self._key_sentences(text, self.retriever.search(text, 5)):
                # "recommend a movie": nothing of the catalogue's domain; never recommend a tool for it
                return _unanswered("out_of_scope", lang, ctx)
            return self._recommend(text, lang, ctx, stage=ctx.get("stage"))
        return self._question(text, lang, ctx)

    # -- intents -------------------------------------------------------------------------------------------
    def _simple(self, intent: str, lang: str, ctx: dict[str, Any]) -> ChatReply:
        return ChatReply(answer=render(intent, lang), lang=lang, intent=intent, context=ctx)

    def _stage(self, text: str, lang: str, ctx: dict[str, Any], answer_to: int | None = None) -> ChatReply:
        answers: dict[int, bool | None] = {int(k): v for k, v in (ctx.get("stage_answers") or {}).items()}
        statement: str | None = text
        if answer_to is not None:
            answers[answer_to] = True if YES.match(text) else False if NO.match(text) else None
            if UNSURE.match(text):
                answers[answer_to] = None
                skipped = set(ctx.get("skipped_questions") or [])
                skipped.add(answer_to)
                ctx["skipped_questions"] = sorted(skipped)
            statement = None
        elif ctx.get("stage_text"):
            statement = f"{ctx['stage_text']}；{text}" if script_lang(text) == "zh" else f"{ctx['stage_text']}. {text}"
        result = assess_stage(answers or None, statement, rules=self.rules, lang=lang)
        known = {q: a for q, a in result.answers if a is not None}
        ctx["stage_answers"] = {str(q): a for q, a in answers.items() if a is not None} | {
            str(q): a for q, a in known.items()
        }
        if statement and answer_to is None:
            ctx["stage_text"] = statement
        skipped = set(ctx.get("skipped_questions") or [])
        citations = _number([c.citation for c in _shown_criteria(result) if c.citation is not None])
        if result.stage == "undecided":
            ask = [q for q in result.to_ask if q not in skipped and q not in known]
            if ask:
                q = ask[0]
                question = self.rules.question(q).text(lang)
                ctx["pending_question"] = q
                body = render("stage_question", lang, answered=len(known), total=15, n=q, question=question)
                return ChatReply(
                    answer=body,
                    lang=lang,
                    intent="stage",
                    stage=result,
                    follow_up=question,
                    context=ctx,
                    citations=[],
                )
            criteria = self._criteria_lines(result, lang, citations)
            body = render("stage_undecided", lang, criteria=criteria)
            ctx.pop("pending_question", None)
            return ChatReply(answer=body, lang=lang, intent="stage", stage=result, citations=citations, context=ctx)
        ctx.pop("pending_question", None)
        ctx["stage"] = result.stage
        lines = [
            render(
                "stage_result",
                lang,
                stage=result.stage,
                stage_name=STAGE_NAMES[lang][result.stage],
                criteria=self._criteria_lines(result, lang, citations),
            )
        ]
        if result.next_steps:
            lines.append(render("stage_next", lang, steps=" ".join(result.next_steps)))
        situation = ctx.get("last_situation") or ("" if answer_to is not None else text)
        recs = self.recommender.recommend(
            situation or _stage_situation(result.stage, lang), stage=result.stage, k=3, lang=lang
        )
        lines.append(self._recommend_lines(recs, lang, result.stage))
        ctx["last_recommendations"] = [r.item.id for r in recs]
        ctx["last_situation"] = situation or _stage_situation(result.stage, lang)
        return ChatReply(
            answer="\n".join(lines),
            lang=lang,
            intent="stage",
            stage=result,
            citations=citations,
            recommendations=recs,
            follow_up=render("follow_up_more", lang),
            context=ctx,
        )

    def _criteria_lines(self, result: StageResult, lang: str, citations: list[Citation]) -> str:
        marks = {"met": "✓", "unmet": "✗", "unknown": "?"}
        by_quote = {(c.start, c.end): c.n for c in citations}
        out = []
        for c in _shown_criteria(result):
            ref = f" [{by_quote[(c.citation.start, c.citation.end)]}]" if c.citation else ""
            out.append(f"{marks[c.status]} {c.label}{ref}")
        out.extend(f"! {a}" for a in result.ambiguities)
        return "\n".join(out)

    def _recommend(self, situation: str, lang: str, ctx: dict[str, Any], stage: str | None = None) -> ChatReply:
        recs = self.recommender.recommend(situation, stage=stage, k=3, lang=lang)
        ctx["last_recommendations"] = [r.item.id for r in recs]
        ctx["last_situation"] = situation
        citations: list[Citation] = []
        for r in recs:
            citations.extend(r.citations)
        citations = _number(citations)
        return ChatReply(
            answer=self._recommend_lines(recs, lang, stage, citations),
            lang=lang,
            intent="recommend",
            recommendations=recs,
            citations=citations,
            follow_up=render("follow_up_more", lang),
            context=ctx,
        )

    def _recommend_lines(
        self, recs: Sequence[Recommendation], lang: str, stage: str | None, citations: list[Citation] | None = None
    ) -> str:
        stage_part = render("recommend_stage_part", lang, stage=stage) if stage else ""
        lines = [render("recommend_intro", lang, stage_part=stage_part)]
        numbers = {(c.doc_id, c.start, c.end): c.n for c in citations or []}
        for i, r in enumerate(recs, 1):
            name = r.item.name if lang == "zh" else (r.item.name_en or r.item.name)
            reason = "; ".join(r.reasons[:2]) if r.reasons else ""
            for c in r.citations:
                n = numbers.get((c.doc_id, c.start, c.end))
                if n is not None:
                    reason += f" [{n}]"
            lines.append(render("recommend_item", lang, n=i, name=name, reason=reason))
        return "\n".join(lines)

    def _lookup(self, item: CatalogueItem, lang: str, ctx: dict[str, Any]) -> ChatReply:
        name = item.name if lang == "zh" else f"{item.name_en} / {item.name}"
        doc = self.retriever.index.documents.get(item.span.doc_id)
        body = item.field("overview") or item.field("description") or ""
        quote, start = _first_sentence(body)
        citations = []
        if quote and doc is not None:
            offset = doc.text.find(quote, item.span.start, item.span.end)
            if offset >= 0:
                citations.append(
                    Citation(
                        n=1,
                        doc_id=doc.doc_id,
                        source=doc.source,
                        title=doc.title,
                        section=(item.name,),
                        page=doc.page_at(offset),
                        start=offset,
                        end=offset + len(quote),
                        quote=quote,
                        lang="zh",
                    )
                )
        summary = item.summary_en if lang == "en" else (quote or item.summary_en)
        text = render("record_detail", lang, name=name, id=item.id, summary=summary)
        if citations:
            text += " [1]"
        if item.urls:
            text += "\n" + "\n".join(item.urls)
        return ChatReply(answer=text, lang=lang, intent="lookup", citations=citations, context=ctx, record=item)

    def _question(self, text: str, lang: str, ctx: dict[str, Any]) -> ChatReply:
        hits = self.retriever.search(text, 5)
        if self.llm is not None and hits and self._in_domain(text):
            generated = self._generate(text, lang, hits, ctx)
            if generated is not None:
                return generated
        picked = self._key_sentences(text, hits)
        if not picked:
            if not self._in_domain(text):
                return _unanswered("out_of_scope", lang, ctx)
            return _unanswered("no_evidence", lang, ctx)
        citations = []
        lines = []
        for n, (hit, start, end) in enumerate(picked, 1):
            c = hit.chunk
            quote = c.text[start - c.start : end - c.start]
            citations.append(self._cite(c, n, start, end))
            lines.append(f"{quote} [{n}]")
        translated = any(c.lang != lang for c in citations)
        intro = render("doc_intro_translated" if translated else "doc_intro", lang)
        return ChatReply(
            answer=render("doc_answer", lang, intro=intro, sentences="\n".join(lines)),
            lang=lang,
            intent="question",
            citations=citations,
            context=ctx,
        )

    def _generate(self, text: str, lang: str, hits: Sequence[Hit], ctx: dict[str, Any]) -> ChatReply | None:
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

    def _cite(self, chunk: Chunk, n: int, start: int | None = None, end: int | None = None) -> Citation:
        """Citation ``n`` of ``chunk``, or of its span ``[start, end)`` in the source (the whole chunk by default)."""
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
        )

    # -- evidence ------------------------------------------------------------------------------------------
    def _query_terms(self, text: str) -> list[set[str]]:
        """Content terms of the question, each as the set of tokens that would count as finding it."""
        if script_lang(text) == "zh":
            return [{t} for t in dict.fromkeys(tokenize_zh(text)) if len(t) >= 2 or t.isascii()]
        terms: list[set[str]] = []
        folded = text.casefold()
        for idiom, tokens in _IDIOMS.items():
            if re.search(rf"\b{idiom}\b", folded):
                terms.append(set(tokens))
        lexicon = self.retriever.lexicon
        for word in dict.fromkeys(tokenize_en(text)):
            if word in STOPWORDS_EN or len(word) < 3 or word in _QUESTION_WORDS:
                continue
            variants = {word}
            if lexicon is not None:
                variants |= {t for t, w in lexicon.en_to_zh(word) if w >= 0.1 and len(t) >= 2}
            terms.append(variants)
        return terms

    def _in_domain(self, question: str) -> bool:
        """Whether the question names anything of our domain: a glossary concept other than general words."""
        lexicon = self.retriever.lexicon
        if lexicon is None:
            return False
        kinds = {lexicon.entries[int(c[1:])].kind for c in lexicon.concepts(question)}
        return bool(kinds - {"general"})

    def _key_sentences(self, question: str, hits: Sequence[Hit], most: int = 3) -> list[tuple[Hit, int, int]]:
        """The sentences of the hits that cover the question best, as (hit, start, end) source offsets."""
        terms = self._query_terms(question)
        if not terms:
            return []
        scored: list[tuple[float, int, Hit, int, int]] = []
        for rank, hit in enumerate(hits):
            chunk = hit.chunk
            # The heading is context for every sentence under it ("B.2. CityRAP: …").
            heading = frozenset(tokenize_zh(chunk.heading))
            for begin, end, tokens in _sentences(chunk.text):
                covered = sum(1 for t in terms if t & (tokens | heading))
                if covered == 0:
                    continue
                start = chunk.start + begin
                scored.append((covered / len(terms) - 0.02 * rank, covered, hit, start, chunk.start + end))
        if not scored:
            return []
        scored.sort(key=lambda x: -x[0])
        best = scored[0]
        enough = best[1] >= min(2, len(terms)) and best[0] + 0.02 * 5 >= self.min_coverage
        if not enough:
            return []
        out = []
        for _score, covered, hit, start, end in scored:
            if len(out) == most:
                break
            if covered >= max(1, min(2, best[1]), best[1] - 1) and all(not (s < end and start < e) for _, s, e in out):
                out.append((hit, start, end))
        return out

    def _named_record(self, text: str) -> CatalogueItem | None:
        m = RECORD_ID.search(text)
        if m:
            item = self.recommender.get(f"{m.group(1)}.{m.group(2)}")
            if item is not None:
                return item
        folded = text.casefold()
        for name, item in self._names:
            if name and name.casefold() in folded:
                return item
        return None


_QUESTION_WORDS = {
    "what",
    "which",
    "how",
    "when",
    "where",
    "who",
    "whi",
    "doe",
    "tell",
    "can",
    "could",
    "would",
    "should",
    "need",
    "want",
    "know",
    "explain",
    "describ",
    "list",
    "give",
    "long",
    "take",
    "much",
    "mani",
    "mean",
    "get",
    "find",
    "use",
}


def _sentences(text: str) -> tuple[tuple[int, int, frozenset[str]], ...]:
    """The sentences of a passage worth quoting, as (start, end, tokens) within ``text``. Headings and fragments
    under 12 characters are not answers."""
    return sentence_tokens(text, _SENTENCE, 12)


def _unanswered(template: str, lang: str, ctx: dict[str, Any]) -> ChatReply:
    """No grounded answer: ``out_of_scope`` (not about the roadmap or the catalogue) or ``no_evidence`` (a question
    the documents do not answer, intent ``question``), each pointing to whom to ask."""
    return ChatReply(
        answer=render(template, lang, contacts=CONTACTS[lang]),
        lang=lang,
        intent="out_of_scope" if template == "out_of_scope" else "question",
        grounded=False,
        context=ctx,
    )


def _shown_criteria(result: StageResult) -> list:
    """The criteria a reply lists: all but the two facts (ISO 37123, a submitted plan) unless they are met."""
    return [c for c in result.criteria if c.id not in ("iso37123", "submitted") or c.status == "met"]


def _is_answer(text: str) -> bool:
    return bool(YES.match(text) or NO.match(text) or UNSURE.match(text))


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
            )
    return list(seen.values())


def _first_sentence(text: str) -> tuple[str, int]:
    m = _SENTENCE.search(text)
    if not m:
        return "", 0
    s = m.group(0).strip()
    return s, text.find(s)


def _stage_situation(stage: str, lang: str) -> str:
    return {
        "A": {"en": "raise awareness of disaster risk reduction and resilience", "zh": "提升对防灾减灾和韧性的认知"},
        "B": {
            "en": "risk assessment, diagnostics and a disaster risk reduction strategy",
            "zh": "风险评估、诊断和制定防灾减灾战略",
        },
        "C": {
            "en": "implement resilience actions, financing and resilient infrastructure",
            "zh": "实施韧性行动、融资和韧性基础设施",
        },
    }[stage][lang]
