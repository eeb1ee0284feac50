"""``POST /v1/chat``: one turn of the conversation, as JSON or as server-sent events.

The server is stateless: the client sends the history and the ``context`` of the previous reply. Every turn's
question is logged (for the knowledge-gap report) with its intent, language and whether evidence was found.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import AssistantDep, FeedbackStoreDep
from api.errors import responses
from api.feedback import FeedbackStore
from api.schemas import ChatRequest, ChatResponse
from assistant.chat import Assistant, ChatReply, Turn
from assistant.payloads import citation_payload, item_payload, recommendation_payload, stage_payload

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["chat"])

_PIECES = re.compile(r"[^\n。！？.!?]*(?:[。！？.!?]+|\n|$)")


def _reply(body: ChatRequest, assistant: Assistant, store: FeedbackStore) -> dict:
    context = body.context.to_context() if body.context is not None else None
    reply = assistant.reply([Turn(m.role, m.content) for m in body.messages], lang=body.lang, context=context)
    question = next((m.content for m in reversed(body.messages) if m.role == "user"), "")
    store.log_question(reply.answer_id, question, reply.lang, reply.intent, reply.grounded)
    return reply_payload(reply)


def reply_payload(reply: ChatReply) -> dict:
    return {
        "answer": reply.answer,
        "lang": reply.lang,
        "intent": reply.intent,
        "citations": [citation_payload(c) for c in reply.citations],
        "recommendations": [recommendation_payload(r) for r in reply.recommendations],
        "stage": stage_payload(reply.stage) if reply.stage is not None else None,
        "follow_up": reply.follow_up,
        "answer_id": reply.answer_id,
        "grounded": reply.grounded,
        "context": reply.context.to_json(),
        "record": item_payload(reply.record) if reply.record is not None else None,
    }


def _events(payload: dict) -> Iterator[str]:
    """``meta``, then the answer in ``delta`` pieces (sentence by sentence), then ``done`` with everything."""
    meta = {k: payload[k] for k in ("answer_id", "intent", "lang")}
    yield f"event: meta\ndata: {json.dumps(meta, ensure_ascii=False)}\n\n"
    for piece in _PIECES.findall(payload["answer"]):
        if piece:
            yield f"event: delta\ndata: {json.dumps({'text': piece}, ensure_ascii=False)}\n\n"
    yield f"event: done\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


@router.post(
    "/chat",
    response_model=ChatResponse,
    summary="One turn of the conversation (JSON, or server-sent events)",
    responses={
        **responses("invalid_request", "not_ready", "index_not_built", "embedder_mismatch", "invalid_knowledge_file"),
        200: {"content": {"text/event-stream": {"example": "event: meta\ndata: {...}\n\nevent: delta\n..."}}},
    },
)
async def chat(body: ChatRequest, request: Request, assistant: AssistantDep, store: FeedbackStoreDep):  # noqa: ANN201
    """Answers the last user message: stage check (a short dialogue asking the most decisive question next),
    tool recommendation, catalogue lookup, a question about the documents, greeting/help, or a short refusal for
    questions the documents do not cover.

    Send the history in `messages` and the previous reply's `context`. The reply's sentences carry `[n]`
    markers for `citations`, whose `quote` is exactly the source text `[start:end]`.

    With `"stream": true` or `Accept: text/event-stream` the reply comes as server-sent events: `meta`
    (answer_id, intent, lang), `delta` (pieces of the answer text) and `done` (the full JSON reply).
    """
    # One thread hop for the work (the reply and logging the question); the rest stays on the event loop.
    payload = await run_in_threadpool(_reply, body, assistant, store)
    if body.stream or "text/event-stream" in request.headers.get("accept", ""):
        return StreamingResponse(
            _events(payload), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
    return payload
