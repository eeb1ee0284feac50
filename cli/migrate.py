"""``resnav migrate --to chroma``: copy the serving index into a Chroma collection and verify it.

Wired into ``cli/main.py`` with ``add_parser(sub)``. Exit status: 0 when counts and answers match; on a mismatch
the report is printed, then ``MigrationMismatch`` (code ``migration_mismatch``) reaches ``main``, which prints
``error: migration_mismatch: ...`` and exits 1, like every resnav error (``store_unavailable`` when Chroma does
not answer, ``index_not_built`` when there is no index).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from retriever.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    s = subparsers.add_parser(
        "migrate",
        help="copy the serving index's vectors into a Chroma collection and verify counts and top-10",
        description="Copy vectors.npy and the chunk ids of the serving index version into a Chroma collection "
        "(named resnav-<version> unless --collection), then check that the counts are equal and that the top-k of "
        "--queries chunk vectors equals exact search. Re-runnable: upserts are idempotent.",
    )
    s.add_argument("--to", required=True, choices=["chroma"], help="target store")
    s.add_argument("--host", help="Chroma server host (default: RESNAV_STORE__CHROMA_HOST or 127.0.0.1)")
    s.add_argument("--port", type=int, help="Chroma server port (default: RESNAV_STORE__CHROMA_PORT or 8001)")
    s.add_argument("--path", help="an embedded Chroma folder instead of a server (one process only)")
    s.add_argument("--collection", help="collection name (default: resnav-<index version>)")
    s.add_argument("--replace", action="store_true", help="drop the collection first")
    s.add_argument("--verify-only", action="store_true", help="do not copy; verify an existing collection")
    s.add_argument("--queries", type=int, default=100, help="query vectors to compare (default 100)")
    s.add_argument("--k", type=int, default=10, help="top-k compared per query (default 10)")
    s.add_argument(
        "--min-recall",
        type=float,
        default=0.95,
        help="recall@k against exact search the copy must reach (Chroma's index is approximate; default 0.95)",
    )
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.set_defaults(func=cmd_migrate)
    return s


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "index_dir", None):
        settings.paths.index_dir = Path(args.index_dir)
    store = settings.store
    updates: dict[str, object] = {"backend": "chroma"}
    if args.host:
        updates["chroma_host"] = args.host
    if args.port:
        updates["chroma_port"] = args.port
    if args.path:
        updates["chroma_path"] = Path(args.path)
    if args.collection:
        updates["chroma_collection"] = args.collection
    settings.store = type(store).model_validate({**store.model_dump(), **updates})
    return settings


def _progress(done: int, total: int) -> None:
    print(f"\rcopied {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def cmd_migrate(args: argparse.Namespace) -> int:
    from retriever.migrate import MigrationMismatch, migrate_to_chroma

    settings = _settings(args)
    progress = _progress if sys.stderr.isatty() and not args.json else None
    try:
        report = migrate_to_chroma(
            settings.paths.index_dir,
            settings.store,
            settings.retrieval,
            replace=args.replace,
            copy=not args.verify_only,
            queries=args.queries,
            k=args.k,
            min_recall=args.min_recall,
            progress=progress,
        )
    except MigrationMismatch as e:
        _print(e.report, args.json)
        raise
    _print(report, args.json)
    return 0


def _print(report, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        return
    if report.copied:
        print(
            f"copied {report.copied} vectors of index {report.version} into Chroma collection {report.collection} "
            f"at {report.target} in {report.copy_s:.1f} s"
        )
    print(f"count: index {report.index_count}, chroma {report.store_count}")
    print(f"vectors equal to the index: {report.vectors_checked - report.vectors_different}/{report.index_count}")
    print(
        f"recall@{report.k} against exact search: {report.recall:.3f} (floor {report.min_recall}); "
        f"top-{report.k} identical: {report.identical}/{report.queries} queries"
    )
    for m in report.mismatches:
        print(f"  query {m['query']}: expected {m['expected']}")
        print(f"  {'':>{len(str(m['query'])) + 6}} got      {m['got']}")
    if report.ok:
        print(
            "ok. Serve it with RESNAV_STORE__BACKEND=chroma (and RESNAV_STORE__CHROMA_HOST/PORT); the collection "
            "of the serving version is found by name."
        )
