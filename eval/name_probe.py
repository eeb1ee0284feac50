"""A probe of one class of question, built mechanically: "What is <name>?" and "<name>是什么？" for every
programme, tool and service name of the glossary that the corpus writes, asked of the chat alone.

    python -m eval.name_probe
    RESNAV_RETRIEVAL__NAMED_EVIDENCE=false python -m eval.name_probe

Prints how many are answered with citations per language and lists the names refused in either. Not a gold set:
it says nothing of whether the answer is right, only whether the documents' mention of a name is found and
shown (docs/eval/answers.md, session 25: the named-evidence reading).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.chat import Turn
from assistant.services import build_services
from retriever.bilingual import load_glossary
from retriever.settings import Settings

KINDS = frozenset({"programme", "tool", "service"})


@dataclass(frozen=True, slots=True)
class Probe:
    zh: str
    en: str
    kind: str
    zh_answered: bool = False
    en_answered: bool = False


def names_in_corpus(settings: Settings) -> list[tuple[str, str, str]]:
    """(first Chinese form the corpus writes, first English form, kind) of each programme, tool and service."""
    corpus = "".join(p.read_text(encoding="utf-8") for p in sorted(settings.paths.corpus_dir.glob("*.txt")))
    out = []
    for entry in load_glossary(settings.paths.knowledge_dir / "glossary.tsv"):
        written = [v for v in entry.zh if v in corpus]
        if entry.kind in KINDS and written and entry.en:
            out.append((written[0], entry.en[0], entry.kind))
    return out


def main() -> None:
    settings = Settings()
    assistant = build_services(settings).assistant
    probes = []
    for zh, en, kind in names_in_corpus(settings):
        zh_reply = assistant.reply([Turn("user", f"{zh}是什么？")])
        en_reply = assistant.reply([Turn("user", f"What is {en}?")])
        probes.append(Probe(zh, en, kind, bool(zh_reply.citations), bool(en_reply.citations)))
    zh_count = sum(p.zh_answered for p in probes)
    en_count = sum(p.en_answered for p in probes)
    print(f"names {len(probes)}: answered with citations zh {zh_count}, en {en_count}")  # noqa: T201
    for p in probes:
        if not (p.zh_answered and p.en_answered):
            refused = f"zh {'-' if p.zh_answered else 'x'} en {'-' if p.en_answered else 'x'}"
            print(f"  refused: {refused}  {p.zh} / {p.en}")  # noqa: T201


if __name__ == "__main__":
    main()
