"""The ``resnav`` command: reads settings from the environment, configures logging, calls the packages.

Exit codes: 0 success, 1 a resnav error (its code is printed), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from retriever.errors import ResnavError
from retriever.settings import Settings

logger = logging.getLogger("resnav")


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "index_dir", None):
        settings.paths.index_dir = Path(args.index_dir)
    if getattr(args, "embedder", None):
        settings.embedder.backend = args.embedder
    return settings


def _progress(enabled: bool):
    def wrap(it: Iterable, desc: str, total: int) -> Iterable:
        if not enabled:
            return it
        from tqdm import tqdm

        return tqdm(it, desc=desc, total=total, unit="item", leave=False, file=sys.stderr)

    return wrap


# -- ingest -------------------------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import ingest
    from retriever.embedders import make_embedder

    settings = _settings(args)
    paths = [Path(p) for p in args.paths] or [settings.paths.corpus_dir]
    embedder = make_embedder(settings.embedder)
    report = ingest(paths, settings, embedder, progress=_progress(not args.quiet and sys.stderr.isatty()))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(f"ingested:  {len(report.ingested)}  {', '.join(report.ingested)}")
        print(f"unchanged: {len(report.unchanged)}")
        print(f"removed:   {len(report.removed)}  {', '.join(report.removed)}")
        print(f"skipped:   {len(report.skipped)}")
        for source, code, message in report.skipped:
            print(f"  {source}: {code}: {message}")
        print(
            f"chunks: {report.total_chunks} (embedded now: {report.embedded_chunks}); "
            f"catalogue records: {report.catalogue_records}; "
            f"curated questions: {report.questions} (embedded now: {report.embedded_questions}); "
            f"version: {report.version}; "
            f"{report.seconds:.2f} s"
        )
    return 0


# -- search -------------------------------------------------------------------------------------------------
def _retriever(settings: Settings):
    from assistant.services import build_retriever

    return build_retriever(settings)


def _hit_json(hit) -> dict:
    from assistant.payloads import hit_payload

    return hit_payload(hit)


def _print_hits(hits, width: int = 160) -> None:
    for h in hits:
        c = h.chunk
        section = " > ".join(c.section[-2:]) if c.section else "-"
        page = f" p.{c.page}" if c.page else ""
        print(f"{h.rank}. [{c.source}{page}] {section}  ({h.score:.4f})")
        text = " ".join(c.text.split())
        print(f"   {text[:width]}{'…' if len(text) > width else ''}")


def cmd_search(args: argparse.Namespace) -> int:
    from retriever.search import Filters

    settings = _settings(args)
    retriever = _retriever(settings)
    filters = Filters(docs=tuple(args.doc or ()), langs=tuple(args.lang or ()), sections=tuple(args.section or ()))
    if args.batch:
        for line_no, line in enumerate(Path(args.batch).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                hits = retriever.search(item["query"], args.k, filters)
                out = {"id": item.get("id"), "hits": [_hit_json(h) for h in hits]}
            except (ValueError, KeyError, TypeError) as e:
                out = {"id": None, "line": line_no, "error": {"code": "invalid_request", "message": str(e)}}
            except ResnavError as e:
                out = {"id": item.get("id"), "error": {"code": e.code, "message": str(e)}}
            print(json.dumps(out, ensure_ascii=False))
        return 0
    queries: Iterable[str] = [args.query] if args.query else _stdin_queries()  # a generator: reads when iterated
    if not args.query:
        print("resnav interactive search — type a question in Chinese or English (empty line or Ctrl-D quits).")
    for q in queries:
        hits = retriever.search(q, args.k, filters)
        if args.json:
            print(json.dumps({"query": q, "hits": [_hit_json(h) for h in hits]}, ensure_ascii=False, indent=1))
        else:
            _print_hits(hits)
    return 0


def _stdin_queries() -> Iterable[str]:
    while True:
        try:
            line = input("? ")
        except EOFError:
            return
        if not line.strip():
            return
        yield line


# -- info ---------------------------------------------------------------------------------------------------
def cmd_info(args: argparse.Namespace) -> int:
    from collections import Counter

    from retriever.index import read_manifest, read_meta, require_current

    settings = _settings(args)
    folder = require_current(settings.paths.index_dir)
    manifest = read_manifest(folder)
    _, chunks = read_meta(folder)
    per_doc = Counter(c.source for c in chunks)
    per_lang = Counter(c.lang for c in chunks)
    info = {
        "version": manifest["version"],
        "created": manifest["created"],
        "folder": str(folder),
        "embedder": manifest["embedder"],
        "chunker": manifest["chunker"],
        "store": manifest["store"],
        "counts": manifest["counts"],
        "chunks_per_document": dict(sorted(per_doc.items())),
        "chunks_per_language": dict(sorted(per_lang.items())),
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=1))
    else:
        print(f"index version {info['version']} ({info['created']}) at {folder}")
        print(f"embedder {info['embedder']['id']} (dim {info['embedder']['dim']}); chunker {info['chunker']}")
        c = info["counts"]
        print(f"{c['documents']} documents, {c['chunks']} chunks, {c['catalogue']} catalogue records")
        for source, n in info["chunks_per_document"].items():
            print(f"  {n:5d}  {source}")
        print("per language: " + ", ".join(f"{k} {v}" for k, v in info["chunks_per_language"].items()))
    return 0


# -- eval ---------------------------------------------------------------------------------------------------
def cmd_eval(args: argparse.Namespace) -> int:
    """``resnav eval``: a full run (no sub-command), ``compare``, ``ablations``, ``report``, ``gate``, or the
    single-file ``retrieval`` / ``tools`` / ``stages`` scorers, or ``parity`` (zh/en recommendation pairs)."""
    what = getattr(args, "what", None)
    if what in ("retrieval", "tools", "stages"):
        return _eval_single(args)
    if what == "parity":
        return _eval_parity(args)
    if what == "compare":
        return _eval_compare(args)
    if what == "report":
        return _eval_report(args)
    if what == "gate":
        return _eval_gate(args)
    return _eval_run(args, ablations=what == "ablations")


def _eval_single(args: argparse.Namespace) -> int:
    settings = _settings(args)
    gold = Path(args.gold)
    if args.what == "retrieval":
        from eval.retrieval import evaluate_retrieval, format_retrieval

        result = evaluate_retrieval(_retriever(settings), gold)
        print(json.dumps(result.summary(), indent=1) if args.json else format_retrieval(result))
    elif args.what == "tools":
        from eval.knowledge import evaluate_tools

        tools = evaluate_tools(_recommender(settings), gold)
        print(
            json.dumps(
                tools.summary() if not args.json else {"summary": tools.summary(), "items": tools.items},
                indent=1,
                ensure_ascii=False,
            )
        )
    else:
        from assistant.roadmap import assess_stage, load_rules
        from eval.knowledge import evaluate_stages
        from retriever.embedders import make_embedder

        rules = load_rules(
            settings.paths.knowledge_dir, settings.paths.corpus_dir, embedder=lambda: make_embedder(settings.embedder)
        )
        stages = evaluate_stages(lambda a, t: assess_stage(a, t, rules=rules), gold)
        print(json.dumps({"summary": stages.summary(), "items": stages.items}, indent=1, ensure_ascii=False))
    return 0


def _eval_parity(args: argparse.Namespace) -> int:
    from eval.parity_recommend import DEFAULT_FILES, format_summary, run

    files = [Path(f) for f in (args.pairs or DEFAULT_FILES)]
    result = run(_recommender(_settings(args)), files)
    print(json.dumps(result, indent=1, ensure_ascii=False) if args.json else format_summary(result))
    return 0


def _eval_gold(args: argparse.Namespace):
    from eval.run import KINDS, GoldFiles

    gold = GoldFiles.defaults()
    given = {k: getattr(args, k) for k in KINDS if getattr(args, k, None)}
    skipped = {k: () for k in (args.skip or [])}
    return gold.replace(**given, **skipped)


def _eval_run(args: argparse.Namespace, *, ablations: bool) -> int:
    import time

    from eval.gate import FLOORS, check_floors, format_failures, load_floors
    from eval.report import write_report
    from eval.run import apply_overrides, load_run, run_ablations, run_eval, write_run

    settings = apply_overrides(_settings(args), args.config or [])
    gold = _eval_gold(args)
    out = getattr(args, "ablations_out", None) or args.out
    out_dir = Path(out) if out else Path("var/eval") / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    run = run_eval(settings, gold)
    write_run(run, out_dir)
    study = None
    if ablations:
        embedders = [e.strip() for e in args.embedders.split(",") if e.strip()]
        study = run_ablations(settings, gold, embedders=embedders, index_cache=Path(args.index_cache), main=run)
        write_run(study, out_dir, "ablations.json")
    name = getattr(args, "name", None) or "report"
    baseline = load_run(Path(args.baseline)) if args.baseline else None
    if not args.no_report:
        write_report(run, out_dir, name=name, ablations=study, baseline=baseline)
    if args.json:
        print(json.dumps(run["metrics"], indent=1))
    else:
        for metric, value in run["metrics"].items():
            print(f"{metric:50s} {value:.4f}")
        if study:
            from eval.report import ablation_rows

            header, rows = ablation_rows(study)
            print("\n" + " | ".join(header))
            for row in rows:
                print(" | ".join("-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
        if FLOORS.is_file():
            print(format_failures(check_floors(run["metrics"], load_floors())))
        print(f"run written to {out_dir / 'run.json'}" + ("" if args.no_report else f"; report {out_dir / name}.md"))
    return 0


def _eval_compare(args: argparse.Namespace) -> int:
    from eval.compare import compare_runs, format_comparison
    from eval.run import load_run

    diff = compare_runs(load_run(Path(args.a)), load_run(Path(args.b)))
    print(
        json.dumps(diff, indent=1, ensure_ascii=False) if args.json else format_comparison(diff, all_metrics=args.all)
    )
    return 0


def _eval_report(args: argparse.Namespace) -> int:
    from eval.report import write_report
    from eval.run import load_run

    run_path = Path(args.run)
    run = load_run(run_path)
    folder = run_path if run_path.is_dir() else run_path.parent
    study = None
    if args.ablations:
        study = json.loads(Path(args.ablations).read_text(encoding="utf-8"))
    elif (folder / "ablations.json").is_file():
        study = json.loads((folder / "ablations.json").read_text(encoding="utf-8"))
    baseline = load_run(Path(args.baseline)) if args.baseline else None
    md, page = write_report(run, Path(args.report_out or folder), name=args.name, ablations=study, baseline=baseline)
    print(f"{md}\n{page}")
    return 0


def _eval_gate(args: argparse.Namespace) -> int:
    from eval.gate import FLOORS, check_floors, format_failures, load_floors, propose_floors
    from eval.run import load_run

    run = load_run(Path(args.run))
    if args.propose:
        print(json.dumps(propose_floors(run, margin=args.margin), indent=1, ensure_ascii=False))
        return 0
    failures = check_floors(run["metrics"], load_floors(Path(args.floors) if args.floors else FLOORS))
    print(format_failures(failures))
    return 1 if failures else 0


# -- knowledge: stage, recommend, tools ----------------------------------------------------------------------
def _jsonl(path: str) -> Iterable[tuple[int, dict | None, str | None]]:
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            yield line_no, item, None
        except ValueError as e:
            yield line_no, None, str(e)


def _batch_error(line_no: int, item: dict | None, code: str, message: str) -> str:
    return json.dumps(
        {"id": (item or {}).get("id"), "line": line_no, "error": {"code": code, "message": message}},
        ensure_ascii=False,
    )


def cmd_stage(args: argparse.Namespace) -> int:
    from assistant.payloads import stage_payload
    from assistant.roadmap import assess_stage, load_rules, parse_answers
    from retriever.embedders import make_embedder

    settings = _settings(args)
    rules = load_rules(
        settings.paths.knowledge_dir, settings.paths.corpus_dir, embedder=lambda: make_embedder(settings.embedder)
    )

    def run(answers_spec, text, lang):
        answers = None
        if isinstance(answers_spec, list):
            answers = {i + 1: v for i, v in enumerate(answers_spec)}
        elif answers_spec:
            answers = parse_answers(answers_spec)
        return assess_stage(answers, text, rules=rules, lang=lang)

    if args.batch:
        for line_no, item, err in _jsonl(args.batch):
            if err is not None or item is None:
                print(_batch_error(line_no, item, "invalid_request", err or "bad line"))
                continue
            try:
                result = run(item.get("answers"), item.get("text"), item.get("lang"))
                print(json.dumps({"id": item.get("id"), **stage_payload(result)}, ensure_ascii=False))
            except ResnavError as e:
                print(_batch_error(line_no, item, e.code, str(e)))
        return 0
    if not args.answers and not args.text:
        print("error: invalid_request: give --answers and/or --text (or --batch)", file=sys.stderr)
        return 2
    result = run(args.answers, args.text, args.lang)
    payload = stage_payload(result)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=1))
        return 0
    print(f"stage: {payload['stage']}")
    for c in payload["criteria"]:
        ev = f"  <- {'; '.join(c['evidence'])}" if c["evidence"] else ""
        print(f"  [{c['status']:7s}] {c['id']}: {c['label']}{ev}")
    for note in payload["ambiguities"]:
        print(f"  note: {note}")
    if payload["to_ask"]:
        print("still to ask: " + ", ".join(f"Q{q}" for q in payload["to_ask"]))
    for step in payload["next_steps"]:
        print(f"  next: {step}")
    return 0


def _recommender(settings: Settings):
    from assistant.services import build_services

    return build_services(settings).recommender


def cmd_recommend(args: argparse.Namespace) -> int:
    from assistant.payloads import recommendation_payload

    settings = _settings(args)
    rec = _recommender(settings)
    themes = tuple(args.theme or ())
    if args.batch:
        for line_no, item, err in _jsonl(args.batch):
            if err is not None or item is None:
                print(_batch_error(line_no, item, "invalid_request", err or "bad line"))
                continue
            try:
                recs = rec.recommend(
                    str(item.get("situation", "")),
                    stage=item.get("stage"),
                    k=args.k,
                    themes=tuple(item.get("themes") or themes),
                    lang=item.get("lang"),
                )
                print(
                    json.dumps(
                        {"id": item.get("id"), "items": [recommendation_payload(r) for r in recs]}, ensure_ascii=False
                    )
                )
            except ResnavError as e:
                print(_batch_error(line_no, item, e.code, str(e)))
        return 0
    if not args.situation:
        print("error: invalid_request: give a situation (or --batch)", file=sys.stderr)
        return 2
    recs = rec.recommend(args.situation, stage=args.stage, themes=themes, k=args.k, lang=args.lang)
    if args.json:
        print(json.dumps({"items": [recommendation_payload(r) for r in recs]}, ensure_ascii=False, indent=1))
        return 0
    for r in recs:
        it = r.item
        print(f"{r.rank}. {it.name}  /  {it.name_en}  [{it.id}; stage {'/'.join(it.stages) or '-'}]")
        for url in it.urls:
            print(f"   {url}")
        for reason in r.reasons:
            print(f"   - {reason}")
    return 0


def cmd_tools(args: argparse.Namespace) -> int:
    from assistant.payloads import item_payload
    from retriever.index import catalogue_from_json, require_current

    settings = _settings(args)
    folder = require_current(settings.paths.index_dir)
    items = catalogue_from_json(json.loads((folder / "catalogue.json").read_text(encoding="utf-8")))
    if args.stage:
        items = [i for i in items if args.stage in i.stages]
    if args.theme:
        items = [i for i in items if set(args.theme) & set(i.areas)]
    if args.section:
        items = [i for i in items if i.section in args.section]
    if args.kind:
        items = [i for i in items if i.kind in args.kind]
    if args.json:
        print(json.dumps([item_payload(i) for i in items], ensure_ascii=False, indent=1))
        return 0
    for i in items:
        where = i.section and f"section {i.section}" or f"areas {','.join(map(str, i.areas)) or '-'}"
        print(f"{i.id:45s} {i.kind:18s} stage {'/'.join(i.stages) or '-':6s} {where:12s} {i.name}  /  {i.name_en}")
    print(f"{len(items)} records")
    return 0


# -- serve --------------------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from api.serve import serve

    settings = _settings(args)
    serve(settings, host=args.host, port=args.port, workers=args.workers, log_level=args.log_level)
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    """``resnav mcp``: the MCP tools over stdin/stdout, for an assistant that starts the server itself."""
    from api.mcp import serve_stdio

    serve_stdio(_settings(args))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="resnav", description="Resilience Navigator: MCR2030 knowledge, zh/en.")
    p.add_argument("--index-dir", help="index root (default: $RESNAV_PATHS__INDEX_DIR or var/index)")
    p.add_argument("--embedder", choices=["use", "e5", "sentence_transformers", "hashing"], help="embedder backend")
    p.add_argument("-v", "--verbose", action="store_true", help="log at INFO")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="build or update the index from files or folders (default: corpus/)")
    s.add_argument("paths", nargs="*", help="files or folders (.txt .md .pdf .html)")
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("search", help="search passages; no query starts an interactive search")
    s.add_argument("query", nargs="?", help="the question, in Chinese or English")
    s.add_argument("--k", type=int, default=5, help="number of hits (1-50)")
    s.add_argument("--lang", action="append", choices=["zh", "en"], help="only chunks in this language")
    s.add_argument("--doc", action="append", help="only this document (doc id or file name)")
    s.add_argument("--section", action="append", help="only sections starting with this (e.g. A.1)")
    s.add_argument("--json", action="store_true", help="JSON output")
    s.add_argument("--batch", help='JSONL file of {"id", "query"}; one JSON line per query out')
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("info", help="index version, counts per document and language, embedder")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("stage", help="roadmap stage from survey answers and/or a description (rules, not generation)")
    s.add_argument("--answers", help="15 survey answers in order: y / n / ? (unknown), e.g. yyn?n")
    s.add_argument("--text", help="a description in Chinese or English")
    s.add_argument("--lang", choices=["zh", "en"], help="language of the output (default: of the text, else en)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--batch", help='JSONL of {"id", "answers"?, "text"?}; one JSON line per input out')
    s.set_defaults(func=cmd_stage)

    s = sub.add_parser("recommend", help="catalogue records that fit a situation, with reasons")
    s.add_argument("situation", nargs="?", help="the city's situation, in Chinese or English")
    s.add_argument("--stage", choices=["A", "B", "C"])
    s.add_argument("--theme", type=int, action="append", help="thematic area number (1-12)")
    s.add_argument("--k", type=int, default=5)
    s.add_argument("--lang", choices=["zh", "en"], help="language of the reasons (default: of the situation)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--batch", help='JSONL of {"id", "situation", "stage"?}; one JSON line per input out')
    s.set_defaults(func=cmd_recommend)

    s = sub.add_parser("tools", help="list catalogue records (tools, services, flagships)")
    s.add_argument("--stage", choices=["A", "B", "C"])
    s.add_argument("--theme", type=int, action="append")
    s.add_argument("--section", action="append", help="UN-Habitat catalogue section letter")
    s.add_argument("--kind", action="append", choices=["mcr_tool", "unhabitat_service", "flagship"])
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_tools)

    s = sub.add_parser("serve", help="run the HTTP service (API, widget, pages)")
    s.add_argument("--host", help="interface to bind (default 127.0.0.1, RESNAV_API__HOST)")
    s.add_argument("--port", type=int, help="port (default 8000, RESNAV_API__PORT)")
    s.add_argument("--workers", type=int, help="worker processes (default 1)")
    s.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser(
        "mcp",
        help="serve the MCP tools (search, recommend_tools, assess_stage, lookup_tool) over stdio",
        description="A Model Context Protocol server on stdin/stdout for AI assistants that start it themselves; "
        "over HTTP the same tools are at /mcp of `resnav serve`. Logs go to stderr.",
    )
    s.set_defaults(func=cmd_mcp)

    from cli.migrate import add_parser as add_migrate

    add_migrate(sub)

    # The eval command and its parser below are owned by eval/ (see eval/run.py).
    s = sub.add_parser(
        "eval",
        help="offline evaluation: run the gold sets (default), compare runs, ablations, report, gate",
        description="Without a sub-command: run every gold set (the dev set at ../shared/eval-dev when present "
        "plus eval/datasets) through the API's code paths and write run.json and a report to --out.",
    )
    gold_help = "replaces the default {} gold file(s); repeat for several"
    s.add_argument("--qa", action="append", help=gold_help.format("qa"))
    s.add_argument("--tools", action="append", help=gold_help.format("tools"))
    s.add_argument("--stages", action="append", help=gold_help.format("stages"))
    s.add_argument("--chat", action="append", help=gold_help.format("chat"))
    s.add_argument("--routing", action="append", help=gold_help.format("routing"))
    s.add_argument("--out-of-scope", dest="out_of_scope", action="append", help=gold_help.format("out-of-scope"))
    s.add_argument("--parity-recommend", dest="parity_recommend", action="append", help=gold_help.format("parity"))
    s.add_argument("--parity-stages", dest="parity_stages", action="append", help=gold_help.format("parity"))
    s.add_argument(
        "--skip",
        action="append",
        choices=["qa", "tools", "stages", "chat", "routing", "out_of_scope", "parity_recommend", "parity_stages"],
        help="leave a kind of gold file out",
    )
    s.add_argument("--out", help="folder for run.json and the report (default var/eval/<UTC timestamp>)")
    s.add_argument(
        "--config", action="append", metavar="KEY=VALUE", help="override a setting, e.g. retrieval.mode=dense"
    )
    s.add_argument("--baseline", help="a previous run (run.json or its folder) the report compares against")
    s.add_argument("--no-report", action="store_true", help="write run.json only")
    s.add_argument("--json", action="store_true", help="print the metrics as JSON")
    s.set_defaults(func=cmd_eval, what=None)
    es = s.add_subparsers(dest="what")
    r = es.add_parser("retrieval", help="Recall@5 and MRR@10 per language on a qa.jsonl gold file")
    r.add_argument("--gold", required=True, help="qa.jsonl in the format of eval-dev")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_eval)
    t = es.add_parser("tools", help="hit@3 and recall@5 per language on a tools.jsonl gold file")
    t.add_argument("--gold", required=True)
    t.add_argument("--json", action="store_true", help="also print every item")
    t.set_defaults(func=cmd_eval)
    st = es.add_parser("stages", help="stage accuracy and confusion on a stages.jsonl gold file")
    st.add_argument("--gold", required=True)
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_eval)
    pa = es.add_parser("parity", help="zh/en recommendation pairs: same top-3 set, order, top-1, overlap, p50")
    pa.add_argument("pairs", nargs="*", help="pair files (default: eval/datasets/parity/recommend*.jsonl)")
    pa.add_argument("--json", action="store_true")
    pa.set_defaults(func=cmd_eval)
    c = es.add_parser("compare", help="what changed between two runs: metric deltas, flipped items, settings")
    c.add_argument("a", help="the earlier run (run.json or its folder)")
    c.add_argument("b", help="the later run")
    c.add_argument("--all", action="store_true", help="include latency changes")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_eval)
    a = es.add_parser("ablations", help="a full run plus the ablation table (retrieval variants, embedders)")
    a.add_argument("--out", dest="ablations_out", help="folder (default var/eval/<UTC timestamp>)")
    a.add_argument(
        "--embedders",
        default="use",
        help="comma-separated embedder backends; others than the configured one get their own index "
        "(e5 embeds slowly: minutes for the corpus)",
    )
    a.add_argument("--index-cache", default="var/eval/indexes", help="where the other embedders' indexes live")
    a.add_argument("--name", default="report", help="report file name without extension")
    a.set_defaults(func=cmd_eval)
    rp = es.add_parser("report", help="(re)write the Markdown and HTML report of a run")
    rp.add_argument("run", help="run.json or its folder")
    rp.add_argument("--ablations", help="ablations.json (default: the one beside the run, if any)")
    rp.add_argument("--baseline", help="a run to compare against")
    rp.add_argument("--out", dest="report_out", help="folder for the report (default: the run's folder)")
    rp.add_argument("--name", default="report")
    rp.set_defaults(func=cmd_eval)
    g = es.add_parser("gate", help="exit 1 when a run is below the floors of eval/floors.json")
    g.add_argument("run", help="run.json or its folder")
    g.add_argument("--floors", help="floors file (default eval/floors.json)")
    g.add_argument("--propose", action="store_true", help="print floors just under this run's values instead")
    g.add_argument("--margin", type=float, default=0.01, help="with --propose: distance below the value")
    g.set_defaults(func=cmd_eval)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    for handler in logging.getLogger().handlers:  # bm25s and jieba set their own loggers to DEBUG
        handler.setLevel(logging.INFO if args.verbose else logging.WARNING)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from retriever.threads import limit_threads

    limit_threads(1)
    try:
        return int(args.func(args) or 0)
    except ResnavError as e:
        print(f"error: {e.code}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `resnav search ... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
