"""The run file and what reads it: settings overrides and snapshots, summaries, compare, the gate, the report,
and the ``resnav eval`` command line (parsing only; the real runs are in test_gate.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from cli.main import build_parser, main
from eval.compare import compare_runs, format_comparison
from eval.gate import check_floors, format_failures, propose_floors
from eval.report import write_report
from eval.run import SCHEMA, GoldFiles, apply_overrides, flatten, load_run, settings_snapshot, summarise, write_run
from retriever.errors import InvalidRequest
from retriever.settings import Settings


def _retrieval(set_: str, id_: str, group: str, found: int | None) -> dict:
    rel = 1.0 if found and found <= 5 else 0.0
    return {
        "set": set_, "id": id_, "group": group, "type": "factual", "lang": "zh" if group == "zh" else "en",
        "question": f"question {id_}", "recall@5": rel, "mrr@10": 1 / found if found else 0.0,
        "ndcg@10": 1 / found if found else 0.0, "first_relevant_rank": found, "top": [], "seconds": 0.01,
    }  # fmt: skip


def make_run(found: dict[str, int | None] | None = None) -> dict:
    found = found or {"q1": 1, "q2": 3, "q3": None}
    items = {
        "retrieval": [_retrieval("dev", "q1", "zh", found["q1"]), _retrieval("dev", "q2", "en-zh", found["q2"]),
                      _retrieval("own", "q3", "en-en", found["q3"])],
        "tools": [{"set": "dev", "id": "t1", "lang": "zh", "hit@3": 1.0, "recall@5": 0.5, "top": ["A.1"],
                   "scenario": "s", "seconds": 0.05}],
        "stages": [{"set": "dev", "id": "s1", "lang": "-", "ambiguous": False, "expected": "A", "got": "A",
                    "to_ask": [], "ok": True}],
        "answers": [{"set": "dev", "id": "q1", "lang": "zh", "group": "zh", "type": "factual", "question": "q",
                     "intent": "question", "grounded": True, "n_citations": 1, "answered": True, "cites_gold": True,
                     "quotes_anchor": True, "cites_passage": True, "refused": False, "in_language": True,
                     "renderings_complete": True, "intent_ok": None,
                     "markers": 2, "verbatim": 2, "supported": 1, "citation_precision": 0.5,
                     "failures": [{"n": 2, "claim": "c", "quote": "q", "support": 0.1,
                                   "reason": "claim_does_not_carry_quote"}],
                     "seconds": 0.02}],
        "abstention": [{"set": "own", "id": "o1", "lang": "en", "question": "weather?", "intent": "out_of_scope",
                        "n_citations": 0, "correct": True, "declined": True, "markers": 0, "verbatim": 0,
                        "supported": 0, "citation_precision": None, "failures": [], "seconds": 0.01}],
        "parity_stages": [{"set": "own", "id": "p1", "expected": "B", "zh": "B", "en": "undecided", "zh_to_ask": [],
                           "en_to_ask": [13], "agree": False, "correct_zh": True, "correct_en": False}],
        "parity_recommend": [{"set": "own", "id": "r1", "zh": ["A.1", "B.2", "C.3"], "en": ["A.1", "B.2", "D.4"],
                              "top3_overlap": 2 / 3, "seconds": 0.05}],
        "chat": [{"set": "own", "id": "c1", "lang": "en", "title": "t", "n_replies": 1, "intent_ok": 1,
                  "intent_checks": 1, "ok": True, "seconds": [0.02],
                  "turns": [{"turn": 1, "checks": [{"check": "intent", "ok": True, "seen": "greeting"}],
                             "intents": ["greeting"], "ok": True}],
                  "citations": [{"intent": "greeting", "markers": 0, "verbatim": 0, "supported": 0,
                                 "citation_precision": None, "failures": []}]}],
    }  # fmt: skip
    latency = {"search": [i["seconds"] for i in items["retrieval"]], "chat": [0.02, 0.01]}
    summary = summarise(items, latency)
    return {
        "schema": SCHEMA, "created": "2026-01-01T00:00:00Z", "git": {"commit": "abc123", "dirty": False},
        "embedder": {"id": "use-multilingual-v3:test", "dim": 512},
        "index": {"version": "v1", "chunker": "1", "counts": {"chunks": 3}, "corpus": {"a.txt": "h1"}},
        "settings": settings_snapshot(Settings()), "datasets": [], "metrics": flatten(summary), "summary": summary,
        "items": items, "warmup_ms": 1.0, "seconds": 1.0,
    }  # fmt: skip


def test_summary_metrics_per_set_group_and_pooled() -> None:
    m = make_run()["metrics"]
    assert m["retrieval.dev.zh.recall@5"] == 1.0 and m["retrieval.dev.en-zh.mrr@10"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["retrieval.all.all.recall@5"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["retrieval.own.en-en.recall@5"] == 0.0
    assert m["answers.dev.all.citation_precision"] == 0.5 and m["citations.all.precision"] == 0.5
    assert m["parity.stages.agreement"] == 0.0 and m["parity.stages.accuracy"] == 0.5
    assert m["parity.recommend.top3_overlap"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["abstention.own.all.correct"] == 1.0 and m["chat.own.success"] == 1.0
    assert "latency.search.p50_ms" in m and not any(k.endswith(".n") for k in m)


def test_overrides_and_snapshot(tmp_path: Path) -> None:
    base = Settings()
    base.llm.api_key = "sk-secret"  # type: ignore[assignment]
    changed = apply_overrides(base, ["retrieval.mode=dense", "retrieval.prf=true", "retrieval.candidates=20"])
    assert (changed.retrieval.mode, changed.retrieval.prf, changed.retrieval.candidates) == ("dense", True, 20)
    assert base.retrieval.mode == "hybrid"
    for bad in ("retrieval.nope=1", "retrieval.mode=fancy", "retrieval", "nope.mode=x", "retrieval.mode.x=1"):
        with pytest.raises(InvalidRequest):
            apply_overrides(base, [bad])
    snap = json.dumps(settings_snapshot(changed))
    assert "sk-secret" not in snap and "api_key" not in snap and "admin_key_sha256" not in snap
    assert "database_url" not in snap and '"mode": "dense"' in snap
    # the packaged knowledge folder is named, not the machine's path, so two machines' runs compare equal
    assert settings_snapshot(base)["paths"]["knowledge_dir"] == "<packaged>"
    base.paths.knowledge_dir = tmp_path
    assert settings_snapshot(base)["paths"]["knowledge_dir"] == str(tmp_path)


def test_write_load_compare(tmp_path: Path) -> None:
    a, b = make_run(), make_run({"q1": 1, "q2": 8, "q3": 2})
    b["settings"]["retrieval"]["mode"] = "lexical"
    write_run(a, tmp_path / "a")
    write_run(b, tmp_path / "b")
    diff = compare_runs(load_run(tmp_path / "a"), load_run(tmp_path / "b" / "run.json"))
    flips = {(f["part"], f["id"], f["now"]) for f in diff["flipped"]}
    assert flips == {("retrieval", "q2", "fail"), ("retrieval", "q3", "pass")}
    assert {m["id"] for m in diff["moved"]} == {"q2", "q3"}
    assert {"setting": "retrieval.mode", "a": "hybrid", "b": "lexical"} in diff["settings"]
    text = format_comparison(diff)
    assert "retrieval.dev.en-zh.recall@5" in text and "q3" in text and "now pass" in text
    (tmp_path / "junk.json").write_text("{}")
    with pytest.raises(InvalidRequest):
        load_run(tmp_path / "junk.json")


def test_gate_floors_just_under_and_failures() -> None:
    run = make_run()
    floors = propose_floors(run)
    for name, floor in floors["floors"].items():
        assert floor <= run["metrics"][name] and run["metrics"][name] - floor <= 0.02 + 1e-9, name
    assert floors["measured"]["commit"] == "abc123" and all(k.endswith("p50_ms") for k in floors["ceilings"])
    assert check_floors(run["metrics"], floors) == []
    worse = make_run({"q1": None, "q2": 3, "q3": None})
    failed = {f["metric"] for f in check_floors(worse["metrics"], floors)}
    assert "retrieval.dev.zh.recall@5" in failed and "retrieval.all.all.mrr@10" in failed
    missing = check_floors({}, floors)
    assert len(missing) == len(floors["floors"]) + len(floors["ceilings"])
    assert "missing" in format_failures(missing)


def test_report_markdown_html_and_plots(tmp_path: Path) -> None:
    run = make_run()
    dense = make_run({"q1": None, "q2": None, "q3": 1})["metrics"]
    ablations = {"configs": [{"name": "hybrid", "description": "default", "embedder": "use", "backend": "use",
                              "changes": {}, "metrics": run["metrics"]},
                             {"name": "dense", "description": "dense only", "embedder": "use", "backend": "use",
                              "changes": {"mode": "dense"}, "metrics": dense}]}  # fmt: skip
    md, page = write_report(run, tmp_path, name="latest", ablations=ablations, baseline=copy.deepcopy(run))
    text = md.read_text(encoding="utf-8")
    headings = (
        "Retrieval by language",
        "By question type",
        "Roadmap stages",
        "Answers and citations",
        "zh/en parity",
        "Conversations",
        "Latency",
        "Worst items",
        "Ablations",
        "Compared with the baseline",
    )
    for heading in headings:
        assert f"## {heading}" in text or f"### {heading}" in text, heading
    assert "| dense | use |" in text and "claim_does_not_carry_quote" in text
    assert "<table>" in page.read_text(encoding="utf-8")
    pngs = sorted(p.name for p in tmp_path.glob("latest-*.png"))
    assert "latest-retrieval.png" in pngs and "latest-ablations.png" in pngs
    for png in pngs:
        assert f"({png})" in text


def test_eval_command_line() -> None:
    parser = build_parser()
    legacy = parser.parse_args(["eval", "retrieval", "--gold", "qa.jsonl", "--json"])
    assert legacy.what == "retrieval" and legacy.gold == "qa.jsonl"
    run = parser.parse_args(["eval", "--qa", "a.jsonl", "--qa", "b.jsonl", "--skip", "chat", "--config",
                             "retrieval.mode=dense", "--out", "o"])  # fmt: skip
    assert run.what is None and run.qa == ["a.jsonl", "b.jsonl"] and run.config == ["retrieval.mode=dense"]
    cmp = parser.parse_args(["eval", "compare", "a", "b"])
    assert (cmp.what, cmp.a, cmp.b) == ("compare", "a", "b")
    abl = parser.parse_args(["eval", "ablations", "--out", "d", "--embedders", "use,e5"])
    assert (abl.what, abl.ablations_out, abl.embedders) == ("ablations", "d", "use,e5")
    assert parser.parse_args(["eval", "gate", "r", "--propose"]).propose


def test_default_gold_files_and_replacement() -> None:
    gold = GoldFiles.defaults()
    assert any(p.name == "qa.jsonl" and "datasets" in str(p) for p in gold.qa) and gold.chat and gold.parity_stages
    mine = gold.replace(qa=["x.jsonl"], chat=[])
    assert mine.qa == (Path("x.jsonl"),) and mine.chat == () and mine.tools == gold.tools
    with pytest.raises(InvalidRequest):
        gold.replace(nope=[])


def test_compare_and_gate_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = make_run(), make_run({"q1": None, "q2": 3, "q3": None})
    write_run(a, tmp_path / "a")
    write_run(b, tmp_path / "b")
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps(propose_floors(a)), encoding="utf-8")
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert "items flipped: 1" in capsys.readouterr().out
    assert main(["eval", "gate", str(tmp_path / "a"), "--floors", str(floors)]) == 0
    assert main(["eval", "gate", str(tmp_path / "b"), "--floors", str(floors)]) == 1
    assert "retrieval.dev.zh.recall@5" in capsys.readouterr().out
    assert main(["eval", "report", str(tmp_path / "a"), "--name", "r"]) == 0
    assert (tmp_path / "a" / "r.md").is_file()
    assert main(["eval", "gate", str(tmp_path / "missing")]) == 1
