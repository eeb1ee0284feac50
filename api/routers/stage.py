"""``GET /v1/stage/questions`` and ``POST /v1/stage/assess``: the MCR2030 stage-assessment survey and the roadmap
stage (A, B, C or undecided) of a city from its answers and/or a description, with the criteria behind it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from api.deps import RoadmapRulesDep
from api.errors import responses
from api.schemas import (
    CitationModel,
    Lang,
    NextQuestion,
    StageAssessRequest,
    StageAssessResponse,
    StageCriterionDefinition,
    StageQuestion,
    StageQuestionsResponse,
)
from assistant.payloads import citation_payload, stage_payload
from assistant.roadmap import RoadmapRules, assess_stage, detect_lang, next_question
from retriever.types import Citation

router = APIRouter(prefix="/v1/stage", tags=["stage"])

_ERRORS = ("invalid_request", "not_ready", "index_not_built", "embedder_mismatch", "invalid_knowledge_file")


@router.get(
    "/questions",
    response_model=StageQuestionsResponse,
    summary="The stage-assessment questions and criteria",
    responses=responses(*_ERRORS),
)
def list_stage_questions(
    rules: RoadmapRulesDep,
    lang: Annotated[Lang, Query(description="Language of the questions and labels.")] = "en",
) -> StageQuestionsResponse:
    """The 15 questions of the MCR2030 stage assessment in `lang` (the Chinese exactly as in the MCR2030
    overview), and the roadmap criteria over them, each with the document text that defines it as a citation.
    """
    criteria = [
        StageCriterionDefinition(
            id=rule.id,
            label=rule.label(lang),
            questions=list(rule.questions),
            citation=CitationModel(
                **citation_payload(
                    Citation(
                        n=n,
                        doc_id=rules.doc_id,
                        source=rules.doc_source,
                        title=rules.doc_title,
                        section=rule.passage.section,
                        page=None,
                        start=rule.passage.start,
                        end=rule.passage.end,
                        quote=rule.passage.quote,
                        lang="zh",
                    )
                )
            ),
        )
        for n, rule in enumerate(rules.criteria, start=1)
    ]
    return StageQuestionsResponse(
        lang=lang,
        questions=[StageQuestion(n=q.n, text=q.text(lang), label=q.label(lang)) for q in rules.questions],
        criteria=criteria,
    )


@router.post(
    "/assess",
    response_model=StageAssessResponse,
    summary="Assess a city's roadmap stage",
    responses=responses(*_ERRORS),
)
async def assess_city_stage(body: StageAssessRequest, rules: RoadmapRulesDep) -> StageAssessResponse:
    """The roadmap stage for survey `answers` and/or a free-text description (`text`, Chinese or English).

    Explicit answers override what the text says; unknowns are never guessed: when they can change the outcome
    the stage is `undecided`, `to_ask` lists the questions that can decide it, most decisive first, and
    `next_question` is the first of them. Each criterion cites the MCR2030 text that defines it. At least one of
    `answers` and `text` is required; question numbers are 1..15 (422 otherwise).
    """
    return await run_in_threadpool(_assess, body, rules)


def _assess(body: StageAssessRequest, rules: RoadmapRules) -> StageAssessResponse:
    text = body.text if body.text and body.text.strip() else None
    lang = body.lang or (detect_lang(text) if text else "en")
    result = assess_stage(body.answer_map(), text, rules=rules, lang=lang)
    nq = next_question(result, rules, lang)
    return StageAssessResponse(
        **stage_payload(result),
        next_question=NextQuestion(n=nq[0], text=nq[1]) if nq is not None else None,
        lang=lang,
    )
