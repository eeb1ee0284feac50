"""Optional LLM generation over retrieved passages, through any OpenAI-compatible chat endpoint. Off by default.

The model sees our system prompt (``prompts/templates/llm_system.<lang>.txt``) first, then one user message that
holds the passages as delimited, *untrusted data* and the question::

    <passages>
    <passage n="1" source="UN-Habitat catalogue, p. 12">…</passage>
    …
    </passages>
    <question>…</question>

Every ``<`` and ``>`` inside passage text, source labels and the question becomes ``‹``/``›``, so no retrieved
text can close its block, open a fake one or smuggle chat-template tokens (``<|im_start|>``). The system prompt
says the passages are data and never instructions, to answer only from them, to cite ``[n]`` after each sentence,
to say "I don't know" when they don't hold the answer and never to reveal the instructions.

What comes back is checked, not trusted: ``strip_system_echo`` cuts an answer where it starts repeating the system
prompt, and ``check_citations`` rejects (``UngroundedAnswer``) an answer that cites nothing or cites a passage it
was not given. ``OpenAICompatibleLLM.generate`` applies both, so a caller gets a grounded answer or an exception and
falls back to its extractive answer. An honest "I don't know" cites nothing and is rejected the same way.

The client is llama-index's ``OpenAILike`` (extra ``llama``), imported lazily. Endpoint failures (timeout,
refused connection, HTTP errors) raise ``LLMUnavailable``.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Sequence
from typing import Any

from prompts import render
from retriever.errors import LLMUnavailable, UngroundedAnswer
from retriever.language import is_han

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install '.[llama]'"
# Sent as the bearer token when no key is configured. Never fall back to OPENAI_API_KEY from the environment:
# that key would go to whatever endpoint ``base_url`` names.
NO_API_KEY = "not-needed"

Passage = tuple[int, str, str]  # (n, source label, text)


def system_prompt(lang: str) -> str:
    """The system prompt in ``lang`` (zh or en; anything else gives en)."""
    return render("llm_system", lang)


# -- the request -------------------------------------------------------------------------------------------------
_ANGLE = str.maketrans({"<": "\u2039", ">": "\u203a"})


def neutralise(text: str) -> str:
    """``text`` with every angle bracket replaced by a look-alike, so it cannot open or close a delimiter."""
    return text.translate(_ANGLE)


def _attribute(text: str) -> str:
    return " ".join(neutralise(text).replace('"', "'").split())


def format_passages(passages: Sequence[Passage]) -> str:
    """The ``<passages>`` block of the user message. Raises ``ValueError`` unless passages are numbered 1..N."""
    if not passages:
        raise ValueError("no passages to answer from")
    numbers = [n for n, _, _ in passages]
    if numbers != list(range(1, len(passages) + 1)):
        raise ValueError(f"passages must be numbered 1..{len(passages)} in order, got {numbers}")
    blocks = [
        f'<passage n="{n}" source="{_attribute(source)}">\n{neutralise(text).strip()}\n</passage>'
        for n, source, text in passages
    ]
    return "<passages>\n" + "\n".join(blocks) + "\n</passages>"


def user_message(question: str, passages: Sequence[Passage]) -> str:
    """The one user message: the delimited passages, then the delimited question."""
    return f"{format_passages(passages)}\n<question>\n{neutralise(question).strip()}\n</question>"


# -- checks on the answer ----------------------------------------------------------------------------------------
_CITATION = re.compile(r"[\[［【]\s*(\d+(?:\s*[,，、;；]\s*\d+)*)\s*[\]］】]")


def cited_numbers(answer: str) -> list[int]:
    """Every passage number cited in ``answer`` (``[1]``, ``[1, 2]``, ``［1］``, ``【1】``), first appearance order."""
    seen: list[int] = []
    for m in _CITATION.finditer(answer):
        for part in re.split(r"[,，、;；]", m.group(1)):
            n = int(part)
            if n not in seen:
                seen.append(n)
    return seen


def check_citations(answer: str, n_passages: int) -> list[int]:
    """The passage numbers ``answer`` cites, in order of first appearance.

    Raises ``UngroundedAnswer`` when it cites nothing or cites a number outside ``1..n_passages``: the caller
    catches it and rejects the answer.
    """
    cited = cited_numbers(answer)
    if not cited:
        raise UngroundedAnswer("the answer cites no passage", reason="no_citation")
    outside = [n for n in cited if not 1 <= n <= n_passages]
    if outside:
        raise UngroundedAnswer(
            f"the answer cites {outside}, but only passages 1..{n_passages} were given",
            reason="out_of_range",
            cited=cited,
        )
    return cited


_is_han = is_han


def _squash(text: str) -> tuple[str, list[int]]:
    """NFKC, casefolded, whitespace removed; with the index in ``text`` of every kept character."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if not c.isspace():
                chars.append(c)
                where.append(i)
    return "".join(chars), where


_SENTENCE_END = ".!?。！？\n]］】"


def strip_system_echo(answer: str, system_prompt: str, min_run: int | None = None) -> str:
    """``answer`` cut before the first place it repeats ``min_run`` or more consecutive characters of the system
    prompt (whitespace and case ignored), and back to the end of the last whole sentence before it. May return
    ``""`` when the answer is all echo. ``min_run`` defaults to 40, or 20 for a mostly Chinese prompt."""
    prompt, _ = _squash(system_prompt)
    if min_run is None:
        han = sum(map(_is_han, prompt))
        min_run = 20 if han * 2 > len(prompt) else 40
    if len(prompt) < min_run:
        return answer
    windows = {prompt[i : i + min_run] for i in range(len(prompt) - min_run + 1)}
    text, where = _squash(answer)
    for i in range(len(text) - min_run + 1):
        if text[i : i + min_run] in windows:
            head = answer[: where[i]]
            ends = [head.rfind(ch) for ch in _SENTENCE_END]
            cut = max(ends) + 1 if max(ends) >= 0 else 0
            logger.warning("llm_echo_cut kept=%d of=%d", cut, len(answer))
            return answer[:cut].rstrip()
    return answer


# -- the client --------------------------------------------------------------------------------------------------
class OpenAICompatibleLLM:
    """Chat completions from an OpenAI-compatible server (vLLM, llama.cpp server, Ollama, a hosted API).

    ``api_key=None`` sends a placeholder, never ``OPENAI_API_KEY``. ``timeout_s`` bounds one HTTP call;
    ``max_retries`` (default 0) retries failed calls, each within ``timeout_s``.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_tokens: int = 512,
        temperature: float = 0.0,
        max_retries: int = 0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        if timeout_s <= 0 or max_tokens < 1 or not 0.0 <= temperature <= 2.0 or max_retries < 0:
            raise ValueError("need timeout_s > 0, max_tokens >= 1, 0 <= temperature <= 2, max_retries >= 0")
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError as e:
            raise ImportError(f"LLM generation needs llama-index-llms-openai-like: {INSTALL_HINT}") from e
        self.base_url = base_url
        self.model = model
        self.timeout_s = timeout_s
        self._client: Any = OpenAILike(
            model=model,
            api_base=base_url,
            api_key=api_key or NO_API_KEY,
            is_chat_model=True,
            is_function_calling_model=False,
            timeout=timeout_s,
            max_retries=max_retries,
            max_tokens=max_tokens,
            temperature=temperature,
        )

    def generate(self, system: str, question: str, passages: Sequence[Passage]) -> str:
        """A grounded answer to ``question`` from ``passages`` (numbered 1..N), with ``[n]`` citations.

        ``system`` is the system prompt (see ``system_prompt``). Raises ``LLMUnavailable`` when the endpoint
        fails, ``UngroundedAnswer`` when the answer (after cutting any echo of ``system``) cites nothing or
        cites outside 1..N, ``ValueError`` for passages not numbered 1..N.
        """
        import openai
        from llama_index.core.llms import ChatMessage

        messages = [
            ChatMessage(role="system", content=system),
            ChatMessage(role="user", content=user_message(question, passages)),
        ]
        t0 = time.perf_counter()
        try:
            response = self._client.chat(messages)
        except openai.APITimeoutError as e:
            raise LLMUnavailable(f"the LLM endpoint did not answer within {self.timeout_s:g}s") from e
        except openai.APIStatusError as e:
            raise LLMUnavailable(f"the LLM endpoint answered HTTP {e.status_code}") from e
        except openai.APIError as e:
            raise LLMUnavailable(f"the LLM endpoint cannot be reached: {type(e).__name__}") from e
        answer = (response.message.content or "").strip()
        logger.info(
            "llm_generate model=%s passages=%d chars=%d seconds=%.2f",
            self.model,
            len(passages),
            len(answer),
            time.perf_counter() - t0,
        )
        answer = strip_system_echo(answer, system)
        check_citations(answer, len(passages))
        return answer


def make_llm(settings: Any) -> OpenAICompatibleLLM | None:
    """The configured LLM (``settings`` is ``Settings.llm``), or None when generation is off."""
    if not settings.enabled:
        return None
    key = settings.api_key.get_secret_value() if settings.api_key is not None else None
    return OpenAICompatibleLLM(
        settings.base_url,
        settings.model,
        api_key=key,
        timeout_s=settings.timeout_s,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
    )
