"""Scripted conversations (``eval/datasets/chat``) played against ``Assistant.reply`` like the API's client does:
the whole history is sent each turn with the ``context`` the previous reply returned.

A ``survey`` turn answers the stage questions the assistant asks (yes / no / not sure, in the conversation's
language) from 15 given answers, one turn per question, until none is pending (none at all when the assistant
asked nothing: its expectations then apply to the reply before). Each reply's intent is checked
(``intent_ok``; every survey answer must stay in the ``stage`` intent); the other expectations apply to the last
reply of the turn. A conversation succeeds when every check of every turn holds.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from eval.answers import CitationChecker
from eval.datasets import ChatScript, TurnExpect

WORDS = {"en": {True: "yes", False: "no", None: "not sure"}, "zh": {True: "是", False: "否", None: "不确定"}}
MAX_SURVEY_TURNS = 15


def check_expect(expect: TurnExpect, reply: Any, previous: Any | None) -> list[tuple[str, bool, str]]:
    """``(check, passed, what was seen)`` for every expectation given in ``expect``."""
    out: list[tuple[str, bool, str]] = []
    ids = [r.item.id for r in reply.recommendations]
    if expect.intent is not None:
        out.append(("intent", reply.intent == expect.intent, reply.intent))
    if expect.stage is not None:
        got = reply.stage.stage if reply.stage is not None else None
        out.append(("stage", got == expect.stage, str(got)))
    if expect.recommendations_stage is not None:
        ok = bool(ids) and all(expect.recommendations_stage in r.item.stages for r in reply.recommendations)
        seen = ",".join(f"{r.item.id}:{'/'.join(r.item.stages)}" for r in reply.recommendations)
        out.append(("recommendations_stage", ok, seen))
    if expect.tool_ids_any is not None:
        out.append(("tool_ids_any", bool(set(ids[:3]) & set(expect.tool_ids_any)), ",".join(ids[:3])))
    if expect.record_id is not None:
        got = reply.record.id if reply.record is not None else None
        out.append(("record_id", got == expect.record_id, str(got)))
    if expect.record_from_previous is not None:
        n = expect.record_from_previous
        before = [r.item.id for r in previous.recommendations] if previous is not None else []
        want = before[n - 1] if len(before) >= n else None
        got = reply.record.id if reply.record is not None else None
        out.append(("record_from_previous", want is not None and got == want, f"{got} (wanted {want})"))
    if expect.cited is not None:
        out.append(("cited", bool(reply.citations) == expect.cited, str(len(reply.citations))))
    if expect.contains_any is not None:
        out.append(("contains_any", any(s in reply.answer for s in expect.contains_any), reply.answer[:80]))
    return out


# What a client sends back of a reply in the history (the widget sends the first 1,900 characters): the server
# reads only the user's turns and the context, and a message may be at most 2,000 characters.
ASSISTANT_ECHO_CHARS = 1900


def run_script(assistant: Any, checker: CitationChecker, script: ChatScript, turn: Any) -> dict[str, Any]:
    """Play one conversation; ``turn(role, content)`` builds a message. Returns its checks, intents, citation
    checks and reply times."""
    history: list[Any] = []
    context: dict[str, Any] | None = None
    previous: Any = None
    turns: list[dict[str, Any]] = []
    seconds: list[float] = []
    citation_checks: list[dict[str, Any]] = []

    def say(text: str) -> Any:
        nonlocal context
        history.append(turn("user", text))
        start = time.perf_counter()
        reply = assistant.reply(history, lang=script.lang, context=context)
        seconds.append(time.perf_counter() - start)
        history.append(turn("assistant", reply.answer[:ASSISTANT_ECHO_CHARS]))
        context = reply.context
        citation_checks.append({"intent": reply.intent, **checker.check(reply.answer, reply.citations)})
        return reply

    for n, t in enumerate(script.turns, 1):
        checks: list[tuple[str, bool, str]] = []
        intents: list[str] = []
        if t.user is not None:
            reply = say(t.user)
            intents.append(reply.intent)
        else:
            reply = previous
            survey_replies: list[Any] = []
            while reply is not None and reply.context.pending_question:
                if len(survey_replies) == MAX_SURVEY_TURNS:
                    break
                q = reply.context.pending_question
                reply = say(WORDS[script.lang][t.survey[q - 1]])  # type: ignore[index]
                survey_replies.append(reply)
                intents.append(reply.intent)
                if reply.intent != "stage":
                    break
            if reply is None:
                checks.append(("survey", False, "a survey cannot open a conversation"))
                turns.append({"turn": n, "checks": _as_dicts(checks), "intents": intents, "ok": False})
                continue
            # Every answer but the last must stay in the stage dialogue; the last is checked by ``expect``. With
            # no question pending the survey asks nothing and ``expect`` applies to the reply before it.
            checked = survey_replies[:-1] if t.expect.intent is not None else survey_replies
            checks.extend(("survey_intent", r.intent == "stage", r.intent) for r in checked)
        checks.extend(check_expect(t.expect, reply, previous))
        turns.append({"turn": n, "checks": _as_dicts(checks), "intents": intents, "ok": all(c[1] for c in checks)})
        previous = reply
    intent_checks = [c for t in turns for c in t["checks"] if c["check"] in ("intent", "survey_intent")]
    return {
        "id": script.id,
        "lang": script.lang,
        "title": script.title,
        "turns": turns,
        "n_replies": len(seconds),
        "intent_ok": sum(1 for c in intent_checks if c["ok"]),
        "intent_checks": len(intent_checks),
        "ok": all(t["ok"] for t in turns),
        "citations": citation_checks,
        "seconds": seconds,
    }


def _as_dicts(checks: Sequence[tuple[str, bool, str]]) -> list[dict[str, Any]]:
    return [{"check": name, "ok": ok, "seen": seen} for name, ok, seen in checks]
