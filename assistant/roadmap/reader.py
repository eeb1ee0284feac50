"""Free text (zh or en) -> survey answers, the sentence behind each and the ambiguities met."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from assistant.roadmap.answers import check_lang, detect_lang
from assistant.roadmap.loader import FACTS, SUBMITTED, Cue, Lexicon, RoadmapRules
from retriever.language import simplified

# --------------------------------------------------------------------------------------------------- free text


EXEMPLAR_FACET = "exemplar"  # the facet of a statement read by meaning (``exemplars``), not by a pattern


@dataclass(frozen=True, slots=True)
class _Statement:
    q: int
    facet: str
    value: bool | None
    pos: int
    sentence: str
    noted: bool = False  # an unknown value that already raised its own ambiguity
    prospective: bool = False  # a "no" read only from talk of the future ("the committee will meet next month")
    parts: frozenset[str] = frozenset()  # the parts an unknown value of a several-part question did affirm


@dataclass(frozen=True, slots=True)
class Note:
    """An ambiguity: a message key, the questions that settle it, and template parameters."""

    key: str
    questions: tuple[int, ...]
    params: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Reading:
    answers: dict[int, bool] = field(default_factory=dict)
    evidence: dict[int, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    closed: str = ""  # the sentence saying the text lists all that has been done ("nothing else yet"), if any
    by_meaning: set[int] = field(default_factory=set)  # answers read by the exemplars alone, no pattern agreeing


def map_text(
    text: str, rules: RoadmapRules, *, lang: str | None = None
) -> tuple[dict[int, bool], dict[int, str], list[str]]:
    """Map a free-text description (zh or en) to survey answers.

    Returns the answers found (question -> bool; unknown questions are absent; key ``ISO37123`` for the
    certification, ``SUBMITTED`` for a plan submitted to the governing body), the sentence behind each, and the
    ambiguities met, in ``lang`` (detected from the text when None), each naming the question that settles it.
    """
    out_lang = check_lang(lang) if lang is not None else detect_lang(text)
    reading = read_text(text, rules)
    return (
        reading.answers,
        reading.evidence,
        [render_note(n, rules, out_lang) for n in reading.notes],
    )


def _spans(text: str, splitter: re.Pattern[str]) -> list[tuple[int, int]]:
    """Non-empty, whitespace-trimmed pieces of ``text`` between matches of ``splitter``, as offsets."""
    cuts = [
        (0, 0),
        *((m.start(), m.end()) for m in splitter.finditer(text)),
        (len(text), len(text)),
    ]
    spans = []
    for (_, start), (end, _) in itertools.pairwise(cuts):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def mask(text: str, pattern: re.Pattern[str]) -> str:
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
) -> Literal["recent", "stale", "boundary", "undated"] | None:
    """Where a time expression in ``scope`` puts an activity relative to the window (months): a recurring or
    recent time wins; a calendar year is recent when it is this year and a boundary case when it is last year;
    "at some point", "不记得什么时候" say the time is not known (``undated``)."""
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
    if lex.undated.search(scope):
        return "undated"
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
            masked = mask(sentence, lex.negation_exclusions)
            clauses = tuple(_spans(masked, lex.clause_split)) or ((0, len(sentence)),)
            sentences.append(cls(start, sentence, masked, clauses))
        return sentences

    def scope(self, start: int, end: int, lex: Lexicon) -> tuple[int, int]:
        """The clauses that a match at ``start:end`` touches, as one span; a label ("Committee: none yet",
        "委员会：✘ 尚未成立") reaches into the clause it introduces, which says what holds, and so does a list into a
        clause that says what holds for all of it ("宣传、培训、委员会，都还没来得及做"), and a clause into one that is
        only a predicate of its subject ("委员会还在讨论，尚未成立"), even after a label's clause; and a negated list
        head reaches into the rest of its list ("no committee, focal point or coordination structure exists")."""
        hit = [c for c in self.clauses if c[0] < end and start < c[1]] or list(self.clauses)
        c0, c1 = min(c[0] for c in hit), max(c[1] for c in hit)
        for _ in range(2):  # a label's clause, and then a bare predicate ("committee: proposed…, not set up yet")
            after = next(((a, b) for a, b in self.clauses if a > c1), None)
            if after is None or not (
                self.text[c1 : c1 + 1] in (":", "：")
                or lex.predicate_after_list.match(self.text, after[0])
                or lex.bare_predicate.fullmatch(self.text[after[0] : after[1]].strip(" ，,。.;；"))
            ):
                break
            c1 = after[1]
        before = next(((a, b) for a, b in reversed(self.clauses) if b <= c0), None)
        if (
            before is not None
            and self.text[before[1] : c0].strip() in (",", "，", "")
            and lex.negated_list_head.fullmatch(self.text[before[0] : before[1]].strip(" ，,;；"))
        ):
            c0 = before[0]  # "no committee, focal point or coordination structure exists": the list's negation
        return self._negated_list_start(c0, lex), c1

    def _negated_list_start(self, c0: int, lex: Lexicon) -> int:
        """Where the list the clause at ``c0`` continues begins, when a negated clause opens it: in "we do not have
        a task force, a committee, or any standing group", "a committee" is denied with the task force."""
        start = c0
        while True:
            clause = next(((a, b) for a, b in self.clauses if a == start), None)
            before = next(((a, b) for a, b in reversed(self.clauses) if b <= start), None)
            if (
                clause is None
                or before is None
                or self.text[before[1] : start].strip() not in (",", "，", "")
                or not lex.list_item.fullmatch(self.text[clause[0] : clause[1]].strip(" ，,;；"))
            ):
                return c0
            if lex.negation.search(self.masked[before[0] : before[1]]):
                return before[0]
            start = before[0]

    def negated(self, start: int, end: int, lex: Lexicon, *, of_status: bool = True) -> bool:
        """Whether a negation stands in ``start:end``; unless ``of_status``, one that denies a plan's passage ("not
        yet sent to the council") is not counted: it says nothing of the council or the committee it names."""
        masked = self.masked[start:end]
        if not of_status:
            masked = mask(masked, lex.status_denied)
        return lex.negation.search(masked) is not None

    def polarity(
        self, start: int, end: int, lex: Lexicon, *, future_hedges: bool, of_status: bool = True
    ) -> tuple[bool | None, str]:
        """Yes, no (a negation in its clauses, or, when ``future_hedges``, talk of the future or of something
        still being set up: "we plan to", "正在筹建" say it is not done yet) or unknown (a hedge) for a match at
        ``start:end``, with the text of its clauses."""
        c0, c1 = self.scope(start, end, lex)
        scope = self.text[c0:c1]
        if lex.uncertain.search(scope):
            return None, scope
        if future_hedges and lex.future.search(scope):
            return False, scope
        return not self.negated(c0, c1, lex, of_status=of_status), scope


def split_clauses(text: str, rules: RoadmapRules) -> list[tuple[int, int]]:
    """The clauses the reader reads ``text`` in, as offsets into it (what the exemplar reader matches)."""
    return [(s.start + c0, s.start + c1) for s in _Sentence.split(text, rules.lexicon) for c0, c1 in s.clauses]


def read_text(text: str, rules: RoadmapRules) -> Reading:
    """What a city's own description says about each survey question and fact. Traditional characters are read in
    the simplified script of the patterns and exemplars (韌性委員會 is 韧性委员会), so the evidence quotes the
    description in simplified characters."""
    text = answers_joined(simplified(text), rules.lexicon)
    lex = rules.lexicon
    year = datetime.date.today().year
    statements: list[_Statement] = []
    notes: list[Note] = []
    submitted: list[str] = []  # sentences that state a submission, in order
    sentences = _Sentence.split(text, lex)
    # what the text takes back, and what it says of another government, states nothing about the city
    unsaid = _retracted(sentences, lex) + _of_others(sentences, lex)
    if unsaid:
        text = "".join(" " if any(a <= i < b for a, b in unsaid) else c for i, c in enumerate(text))
        sentences = _Sentence.split(text, lex)
    clause_matches = _match_exemplars(sentences, rules)
    previous = ""
    for sentence in sentences:
        if rules.reader != "exemplars":
            for cue in rules.cues:
                statements.extend(_read_cue(cue, sentence, rules, notes, year))
        for (c0, c1), q in clause_matches.get(sentence.start, ()):
            st = _read_span(q, EXEMPLAR_FACET, sentence, c0, c1, rules, notes, year)
            if st is not None:
                statements.append(st)
        for rule in rules.implications:
            for m in rule.pattern.finditer(sentence.text):
                value, _ = sentence.polarity(m.start(), m.end(), lex, future_hedges=not rule.ignore_future)
                if value is rule.when:
                    statements.extend(
                        _Statement(q, "implied", v, sentence.start + m.start(), sentence.text) for q, v in rule.sets
                    )
        if _read_submission(sentence, rules, previous, text[sentence.start + len(sentence.text) :], year):
            submitted.append(sentence.text)
        previous = sentence.text
    for q, unreached in rules.text_exclusions.items():
        if unreached.search(text):  # "nothing was aimed at residents", said anywhere, vetoes the activities
            statements = [dataclasses.replace(st, value=False) if st.q == q and st.value else st for st in statements]
    reading = _combine(statements, submitted, notes, rules)
    reading.closed = next((s.text.strip() for s in sentences if _states_closed_account(s, rules)), "")
    return reading


def _retracted(sentences: list[_Sentence], lex: Lexicon) -> list[tuple[int, int]]:
    """The spans of the text that it takes back: what a sentence says before its own retraction ("此前通报称该计划
    已经审议通过，有误"; what follows is the correction), and the sentence before one that opens with a retraction
    ("I wrote that the council had approved the plan. That is wrong: it is still a draft.")."""
    out: list[tuple[int, int]] = []
    for i, sentence in enumerate(sentences):
        m = lex.retracted.search(sentence.text)
        if m is None:
            continue
        before = re.sub(r"[\W_]+", "", lex.anaphora.sub("", sentence.text[: m.start()]))
        if len(before) > RETRACTION_OPENS:
            out.append((sentence.start, sentence.start + m.end()))
        elif i > 0:
            out.append((sentences[i - 1].start, sentence.start + m.end()))
    return out


def _of_others(sentences: list[_Sentence], lex: Lexicon) -> list[tuple[int, int]]:
    """The spans that speak of another government, not the city: from a clause naming one ("邻县的韧性战略今年初已经
    县人大常委会批准", "The neighbouring commune adopted its plan in May", "our National DRR Strategy was approved by
    parliament") through the clauses after it, until one names the city itself ("……，本市将据此对标"). A clause
    where the city names itself first ("we ran the campaign with the neighbouring towns") is the city's own. Not
    read: a clause that only relates the two ("本区紧邻西岭区，该区的计划……": the next clause's 该区 is the
    neighbour, but nothing marks it as another government)."""
    out: list[tuple[int, int]] = []
    for sentence in sentences:
        other = False
        for c0, c1 in sentence.clauses:
            clause = sentence.text[c0:c1]
            named = lex.others.search(clause)
            itself = lex.own.search(clause)
            if named and not _names_itself_first(clause, itself, named):
                other = True
            elif itself:
                other = False
            if other:
                out.append((sentence.start + c0, sentence.start + c1))
    return out


def _names_itself_first(clause: str, itself: re.Match[str] | None, other: re.Match[str]) -> bool:
    """Whether the city names itself before the other government in ``clause`` ("we ran it with the neighbouring
    towns"), and not as that government's possessive ("our national strategy", "我们国家的规划")."""
    if itself is None or itself.end() > other.start():
        return False
    return clause[itself.end() : other.start()].strip(" 的") != ""


# A retraction with at most this many word characters before it in its sentence (besides "that", "this", "该")
# opens the sentence ("That is wrong", "这个说法有误") and takes back the sentence before.
RETRACTION_OPENS = 6


def answers_joined(text: str, lex: Lexicon) -> str:
    """``text`` with each questionnaire question and the answer on the next line read as one statement whose
    subject is the question ("Q: Status of the DRR strategy?" / "A: Formally submitted to council in June" reads
    "Status of the DRR strategy： Formally submitted to council in June"): the two labels are blanked, the question
    mark becomes a colon (a label reaches into the clause after it, as elsewhere) and the line break a space (or the
    colon, without a question mark). Same length as ``text``, so offsets hold."""
    chars = list(text)
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    for line, nxt in itertools.pairwise(starts):
        ask = lex.asked.match(text, line + len(text[line:nxt]) - len(text[line:nxt].lstrip()))
        answer = lex.answered.match(text, nxt + len(text[nxt:]) - len(text[nxt:].lstrip(" \t")))
        if ask is None or answer is None or ask.end() > nxt - 1:
            continue
        chars[ask.start() : ask.end()] = " " * (ask.end() - ask.start())
        chars[answer.start() : answer.end()] = " " * (answer.end() - answer.start())
        body = text[line : nxt - 1].rstrip()
        mark = line + len(body) - 1
        if body.endswith(("?", "？")):
            chars[mark], chars[nxt - 1] = "：", " "
        else:
            chars[nxt - 1] = "："
    return "".join(chars)


def _states_closed_account(sentence: _Sentence, rules: RoadmapRules) -> bool:
    """Whether ``sentence`` says the description lists all that has been done ("only outreach so far", "其他工作还没
    开始", "we have just signed up"), and says it without a hedge."""
    if rules.closed_account is None:
        return False
    return bool(rules.closed_account[0].search(sentence.text)) and not rules.lexicon.uncertain.search(sentence.text)


def _match_exemplars(sentences: list[_Sentence], rules: RoadmapRules) -> dict[int, list[tuple[tuple[int, int], int]]]:
    """Per sentence (by offset), the clauses whose meaning matches a question's exemplar statements, with that
    question; empty unless the rules carry an exemplar reader (``reader`` "exemplars" or "both"). A clause that asks
    ("我们处于哪个阶段") states nothing, and one that names no topic ("但还没有开始实施") says nothing by itself:
    neither is matched."""
    if rules.exemplars is None or rules.reader == "patterns":
        return {}
    asks, topicless = rules.lexicon.interrogative, rules.lexicon.topicless
    spans = [
        (s, c)
        for s in sentences
        for c in s.clauses
        if not asks.search(s.text[c[0] : c[1]]) and not topicless.fullmatch(s.text[c[0] : c[1]].strip(" ，,。.;；!！"))
    ]
    found = rules.exemplars.match([s.text[c0:c1] for s, (c0, c1) in spans]) if spans else []
    out: dict[int, list[tuple[tuple[int, int], int]]] = {}
    for (sentence, clause), q in zip(spans, found, strict=True):
        if q is not None:
            out.setdefault(sentence.start, []).append((clause, q))
    return out


def _dated_after(scope: str, lex: Lexicon, this_year: int) -> bool:
    """Whether ``scope`` dates what it states after this year ("place it before the Council in Q1 2027")."""
    return any(int(g) > this_year for m in lex.dated.finditer(scope) for g in m.groups() if g)


def _read_submission(sentence: _Sentence, rules: RoadmapRules, previous: str, following: str, this_year: int) -> bool:
    """Whether ``sentence`` states that a plan or strategy was submitted: a submission cue in a clause that is not
    negated, hedged or about the future (or dated after this year, also by a label before it: "Q1 2027: place the
    plan before the Council"), not undone later in the sentence ("sent back for revisions"), and not addressed to a
    body that does not approve (a provincial bureau asked for technical comments). The plan may be
    named in the previous sentence ("It lists flood measures, and my director submitted it to the council"), or,
    when the sentence opens the text with its verb and no subject ("对，已经报送市人大常委会了"), in ``following`` (the
    text after the sentence), which also tells whether the sentence was a question ("提交？还没有"). The
    cues themselves ("awaiting a vote") are blanked before the hedge check, since waiting for a decision is what a
    submitted plan does (but not before the future check: "准备提交" is a plan to submit)."""
    not_plans = rules.submitted_not_plans

    def plans(text: str) -> str:  # "成立韧性委员会的方案" proposes a body, not a plan
        return mask(text, not_plans) if not_plans is not None else text

    if following.lstrip()[:1] in ("?", "？"):
        return False  # "提交？还没有" and "Has it gone to council? No" ask, then answer in the next sentence
    named_here = rules.submitted_needs.search(plans(sentence.text))
    pointing = rules.lexicon.anaphora.search(sentence.text) or rules.lexicon.opens_with_predicate.match(sentence.text)
    # a sentence with no subject of its own that opens the text speaks of the plan the text names after it
    context = previous or (following if rules.lexicon.opens_with_predicate.match(sentence.text) else "")
    named_before = context and pointing and rules.submitted_needs.search(plans(context))
    if not (named_here or named_before):
        return False
    lex = rules.lexicon
    unhedged = mask(sentence.text, rules.submitted)
    bodies = rules.non_approvers.get(rules.submitted_question)
    for m in rules.submitted.finditer(sentence.text):
        # the clauses of the cue's first word (the verb: "tabled", "等待"), not of all it spans: "tabled at council
        # on the 3rd and the vote is set for next month" submits now, whatever the next clause says of the vote
        c0, c1 = sentence.scope(m.start(), m.start() + 1, lex)
        clause = sentence.text[c0:c1]
        if (
            lex.uncertain.search(unhedged[c0:c1])
            or lex.future.search(clause)
            # a date before the cue in its sentence dates it too ("Q1 2027: place the plan before the Council")
            or _dated_after(sentence.text[:c1], lex, this_year)
            or sentence.negated(c0, c1, lex)
            or (bodies is not None and bodies[0].search(clause) and not bodies[1].search(clause))
            or _undone_after(sentence, m.end(), rules)
        ):
            continue
        return True
    return False


def _read_cue(
    cue: Cue,
    sentence: _Sentence,
    rules: RoadmapRules,
    notes: list[Note],
    this_year: int,
) -> Iterable[_Statement]:
    for pattern in cue.patterns:
        pos = 0
        while (m := pattern.search(sentence.text, pos)) is not None:
            turn = _turn_inside(sentence, m.start(), m.end(), rules.lexicon)
            again = pattern.search(sentence.text, turn) if turn is not None else None
            if turn is not None and again is not None and again.start() < m.end():
                # the clause that turns says it of a topic of its own: read from there, never across the turn
                # ("没有战略，但规划…已经由市人大批准"); one that only says the rest of the earlier topic is read with
                # it ("规划已经写好，但是议会还没批准")
                pos = turn
                continue
            st = _read_span(cue.q, cue.facet, sentence, m.start(), m.end(), rules, notes, this_year)
            if st is not None:
                yield st
            pos = max(m.end(), m.start() + 1)


def _turn_inside(sentence: _Sentence, start: int, end: int, lex: Lexicon) -> int | None:
    """Where a clause that turns against the one before ("但…", "but …") begins inside ``start:end``, if one does."""
    for (_, before), (c0, _) in itertools.pairwise(sentence.clauses):
        if start < c0 < end and (
            lex.contrast.search(sentence.text[before:c0]) or lex.contrast.match(sentence.text[c0:end])
        ):
            return c0  # the conjunction is the clauses' separator ("，但"), or opens the clause
    return None


def _undone_after(sentence: _Sentence, pos: int, rules: RoadmapRules) -> bool:
    """Whether ``sentence`` undoes, after ``pos``, the submission or approval it states ("sent back", "repealed")."""
    return rules.submitted_undone is not None and rules.submitted_undone.search(sentence.text, pos) is not None


def _read_span(
    q: int,
    facet: str,
    sentence: _Sentence,
    start: int,
    end: int,
    rules: RoadmapRules,
    notes: list[Note],
    this_year: int,
) -> _Statement | None:
    """What the span ``start:end`` of ``sentence`` (a pattern match, or a clause like an exemplar) says about
    question ``q``: its polarity in its clauses, the question's parts and time window; None when it says nothing."""
    lex = rules.lexicon
    c0, c1 = sentence.scope(start, end, lex)
    blocker = rules.blockers.get(q)
    if blocker is not None and blocker.search(sentence.text[c0:end]):
        return None  # what the match is about, from its clause's start ("the terms of reference … approved")
    future_hedges = q not in rules.intent_counts
    setting_up = rules.future_only_with.get(q)
    if future_hedges and setting_up is not None:
        future_hedges = bool(setting_up.search(sentence.text[c0:c1]))
    of_status = q == rules.submitted_question
    denied = None if of_status else lex.status_denied.search(sentence.text, c0, c1)
    if denied is not None and (facet == EXEMPLAR_FACET or start >= denied.start()):
        # "has not been sent to the council or its executive committee" is about the plan: the body it names is
        # where the plan has not gone (and by meaning the clause reads like lectures the council never had)
        return None
    value, scope = sentence.polarity(start, end, lex, future_hedges=future_hedges, of_status=of_status)
    dated_later = future_hedges and _dated_after(scope, lex, this_year)
    if value and dated_later:
        value = False  # dated after this year ("2027年三季度提请审定", "in March 2027"): still to come
    approvers = rules.non_approvers.get(q)
    if approvers is not None:
        # the body that approved is the clause's subject, often in a clause of its own before the verb ("the
        # steering group, which includes most departments, endorsed it"), or its agent after it ("endorsed by the
        # working group"): read to the end of the clause, not into a coordinated one with a subject of its own
        # ("in force since 2020 and departments report on it")
        said = sentence.text[:end] + lex.coordinated.split(sentence.text[end:c1], maxsplit=1)[0]
        if approvers[0].search(said) and not approvers[1].search(said):
            return None  # approved by a body that is not the governing one (a working group): says nothing
    if value is False and (q, facet) in rules.positive_only:
        return None
    elsewhere = rules.components_not_about.get(q)
    if facet == EXEMPLAR_FACET and elsewhere is not None and elsewhere.search(sentence.text[c0:c1]):
        return None  # read by meaning, "更没到人大" (the plan has not reached the council) is not about its lectures
    if value and q == rules.submitted_question and _undone_after(sentence, end, rules):
        value = False  # approved, then undone later in the sentence ("adopted in 2012 but repealed in 2019")
    excluded = rules.exclusions.get(q)
    if value and excluded is not None and excluded.search(scope):
        value = False  # the activity did not reach whom it must ("only inside the government")
    audience = rules.other_audience.get(q)
    named = rules.components.get(q, ())
    if value and audience is not None and audience.search(scope) and not any(p.search(scope) for _, p in named):
        return None  # "awareness sessions for residents" are the public's (Q3), not guidance for staff
    noted = False
    parts: frozenset[str] = frozenset()
    if value and q in rules.components:
        value, parts = _check_components(q, sentence, scope, rules, notes)
        noted = value is None
    window = rules.windows.get(q)
    if value and window:
        verdict = _time_verdict(scope, lex, window, this_year) or (_time_verdict(sentence.text, lex, window, this_year))
        if verdict in ("stale", "boundary"):
            value = False
        elif verdict == "undated":
            value = None
        if verdict == "boundary":
            notes.append(Note("q3_boundary", (q,)))
    prospective = False
    if value is False and q not in rules.intent_counts:
        prospective = (bool(lex.future.search(scope)) or dated_later) and not sentence.negated(c0, c1, lex)
    return _Statement(q, facet, value, sentence.start + start, sentence.text, noted, prospective, parts)


def _check_components(
    q: int, sentence: _Sentence, scope: str, rules: RoadmapRules, notes: list[Note]
) -> tuple[bool | None, frozenset[str]]:
    """A question that names several parts (Q2: staff AND council) holds only when none is denied or excluded
    ("only staff"); when some parts are mentioned and the others not at all, it is unknown, and the parts it did
    affirm are returned (another sentence may affirm the others: "staff: e-learning; councillors: a workshop")."""
    lex = rules.lexicon
    parts = rules.components[q]
    denied: dict[str, bool] = {}
    hedged = False
    elsewhere = rules.components_not_about.get(q)
    for name, pattern in parts:
        for c0, c1 in sentence.clauses:
            if (elsewhere is not None and elsewhere.search(sentence.text[c0:c1])) or lex.status_denied.search(
                sentence.text[c0:c1]
            ):
                continue  # "nothing has gone to council for approval" is not about guidance for the council
            if pattern.search(sentence.text[c0:c1]):
                denied[name] = denied.get(name, False) or sentence.negated(c0, c1, lex)
                hedged = hedged or bool(lex.uncertain.search(sentence.text[c0:c1]))
    if any(denied.values()):
        return False, frozenset()
    if hedged:  # "whether the council took part, I would have to check"
        return None, frozenset()
    if denied and len(denied) < len(parts):
        if lex.only.search(scope):
            return False, frozenset()
        notes.append(Note("q2_partial", (q,)))
        return None, frozenset(denied)
    return True, frozenset()


def _combine(
    statements: list[_Statement],
    submitted: list[str],
    notes: list[Note],
    rules: RoadmapRules,
) -> Reading:
    """Per question: within a facet the last definite statement wins (any yes for ``combine_any`` questions, and
    a "no" read only from talk of the future never replaces a yes); facets are alternatives (three-valued OR)."""
    reading = Reading(notes=notes)
    # A several-part question whose parts are affirmed in different sentences, none denied, holds.
    for q, parts in rules.components.items():
        mine = [st for st in statements if st.q == q and st.facet != EXEMPLAR_FACET]
        affirmed = frozenset().union(*(st.parts for st in mine))
        if mine and affirmed >= {name for name, _ in parts} and not any(st.value is False for st in mine):
            last = max(mine, key=lambda st: st.pos)
            statements = [*statements, _Statement(q, "parts", True, last.pos, last.sentence)]
            notes[:] = [n for n in notes if not (n.key == "q2_partial" and n.questions == (q,))]
    # The exemplars read what the patterns cannot: they speak only to questions no pattern has settled.
    settled = {st.q for st in statements if st.facet != EXEMPLAR_FACET and st.value is not None}
    statements = [st for st in statements if st.facet != EXEMPLAR_FACET or st.q not in settled]
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
            if st.prospective and facet_values.get(st.facet) and facet_values[st.facet].value:
                continue  # what will happen next does not undo what the text already says was done
            facet_values[st.facet] = st
        decided = [st for st in facet_values.values() if st.value is not None]
        if not decided:
            hedged = [st for st in sts if not st.noted]
            if hedged:
                reading.notes.append(Note("hedged", (q,), (("sentence", hedged[-1].sentence.strip()),)))
            continue
        yes = [st for st in decided if st.value]
        chosen = yes[-1] if yes else decided[-1]
        reading.answers[q] = bool(yes)
        reading.evidence[q] = chosen.sentence.strip()
        if all(st.facet == EXEMPLAR_FACET for st in (yes or decided)):
            reading.by_meaning.add(q)
        facets_true[q] = {st.facet for st in yes}

    sq = rules.submitted_question
    if submitted:
        reading.answers[SUBMITTED] = True
        reading.evidence[SUBMITTED] = submitted[-1].strip()
    if submitted and reading.answers.get(sq) is not True:
        reading.answers.pop(sq, None)
        reading.evidence.pop(sq, None)
        reading.notes.append(Note("submitted", (sq,)))
    fq, officer_facets, committee_facet = rules.focal_point
    held = facets_true.get(fq, set())
    if held & officer_facets and committee_facet not in held:
        reading.notes.append(Note("officer_not_committee", (fq,)))
    reading.notes[:] = dedupe_notes(reading.notes)
    return reading


def dedupe_notes(notes: Iterable[Note]) -> list[Note]:
    seen: dict[tuple[str, tuple[int, ...], tuple[tuple[str, str], ...]], Note] = {}
    for note in notes:
        seen.setdefault((note.key, note.questions, note.params), note)
    return list(seen.values())


def question_ref(q: int, rules: RoadmapRules, lang: str) -> str:
    if q in FACTS:
        return rules.criterion(FACTS[q]).label(lang)
    return rules.message("question_ref", lang, n=str(q), label=rules.question(q).label(lang))


def render_note(note: Note, rules: RoadmapRules, lang: str) -> str:
    text = rules.message(note.key, lang, **dict(note.params))
    if not note.questions:
        return text
    refs = rules.message("list_sep", lang).join(question_ref(q, rules, lang) for q in note.questions)
    return text + rules.message("settled_by", lang, refs=refs)
