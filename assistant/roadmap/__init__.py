"""The MCR2030 resilience roadmap: survey answers and free text -> a stage (A, B, C or undecided) and the criteria
behind it.

The rules are data in ``knowledge/roadmap.json``: the 15 stage-assessment questions (Chinese exactly as in
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
- A free-text description is the city's own account of its progress: an approved plan (Q13) it does not
  mention is read as not approved (``stage_table.unstated_in_text``), so A->B met with nothing said about an
  approval is Stage B, with a note that an approval would make it C. This default is not an answer: the
  result's ``answers`` keep Q13 unknown, survey answers left blank are never closed, and a text that says nothing
  about the roadmap ("which stage are we in?") closes nothing.
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
explicit Q13 no does not cancel a stated submission. A description is the city's own account: an approval it does not
mention reads "no" (``unstated_in_text``), and a text that says it lists all that was done (``closed_account``:
"only outreach so far", "其他工作还没开始", "we have just signed up") answers every stage question it leaves out
"no", a default the reply names and a later turn may overturn. A submission to a body that does not approve (a
provincial bureau asked for comments) is none; the plan may be named in the sentence before ("… submitted it").
Every Chinese pattern also reads the regional spellings of ``lexicon.variants`` (Taiwan's 策略, 宣导 for 战略, 宣传).

A match's clause reaches into the clause after a colon ("Committee: ✘ none yet": a label says what its content
says). Per question, ``roadmap.json`` may also say: which bodies do not approve (read up to the end of the verb's
clause, so a subject clause before it counts); what blocks a match (a drafting work plan is not the plan); what
makes an activity not count (``excluded_by`` in its clause, ``excluded_in_text`` in any sentence: outreach kept
inside the government); which clauses are about something else (``components_not_about``: a plan sent to the
council is not guidance for the council; and, for every question but Q13, a negated submission,
``lexicon.status_denied``: "not yet sent to the council or its executive committee" denies the plan's passage,
not the council's lectures nor a committee); and where talk of the future says no (``future_only_with``: "we
will set up a committee", not "the committee plans to start the strategy next year"). Q2's parts may be affirmed
in different sentences. Each rule and wording family has examples and counter-examples as tests.

Two keys that are not survey questions carry facts in answer and evidence mappings, each with its own criterion
and citation: ``ISO37123`` (0), the ISO 37123 certification, and ``SUBMITTED`` (-1), a plan submitted to the
governing body. Neither is ever asked about; an unknown fact is read as "not claimed".

The package splits along those lines: ``model`` (pydantic schema of ``roadmap.json``, so a typo is an error naming
its location), ``loader`` (the validated file compiled into ``RoadmapRules``), ``answers`` (explicit answers and
language), ``reader`` (free text -> answers with evidence; by patterns, and by meaning with ``exemplars`` when the
composition root hands in the service's embedder), ``rules`` (three-valued logic and the stage decision)
and ``assess`` (``assess_stage``, the public entry). Every public name is importable from ``assistant.roadmap``.
"""

from assistant.roadmap.answers import detect_lang, parse_answers
from assistant.roadmap.assess import (
    area_about_citations,
    area_citations,
    assess_stage,
    next_question,
    stage_citations,
    stages_overview_citation,
    survey_citations,
)
from assistant.roadmap.loader import (
    FACTS,
    ISO37123,
    LANGS,
    QUESTIONS,
    RULES_FILE,
    SUBMITTED,
    CriterionRule,
    Cue,
    Expr,
    Implication,
    Lexicon,
    Passage,
    Question,
    RoadmapRules,
    StageRow,
    Status,
    load_rules,
)
from assistant.roadmap.reader import map_text

__all__ = [
    "FACTS",
    "ISO37123",
    "LANGS",
    "QUESTIONS",
    "RULES_FILE",
    "SUBMITTED",
    "CriterionRule",
    "Cue",
    "Expr",
    "Implication",
    "Lexicon",
    "Passage",
    "Question",
    "RoadmapRules",
    "StageRow",
    "Status",
    "area_about_citations",
    "area_citations",
    "survey_citations",
    "assess_stage",
    "detect_lang",
    "load_rules",
    "map_text",
    "next_question",
    "parse_answers",
    "stage_citations",
    "stages_overview_citation",
]
