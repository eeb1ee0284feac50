"""Full ingest and one-file re-ingest time on the real corpus and the real bundled model.

    python -m bench.reingest [--files all|NAME,...] [--repeat 1] [--markdown] [--out var/bench/reingest.json]

Copies ``corpus/`` to a temporary folder, loads the model (timed), builds the index from scratch (timed), re-ingests
the unchanged corpus (timed), then for each chosen file: edits it, re-ingests (timed), restores it, re-ingests again
(timed). Each of those two re-ingests changes one document and leaves the others as they were.

The edit is a typo fix that keeps every declared rendering valid: one letter in the middle of the file is replaced
by another (for a Chinese document with a curated rendering, one Han character inside a middle segment, and the
segment's ``src`` in the rendering file with it, since a rendering quotes its original). The aligned congress
paper has no rendering file; its edit falls in its English half.

Math threads are pinned to one per process, as in the other benchmarks. Run it on a quiet machine: the table
records the 1-minute load before and after.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, TypeVar  # noqa: E402

from bench.common import load_average, machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def _git_sha() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
        return out.stdout.strip() + ("+changes" if dirty.strip() else "")
    except OSError:
        return "unknown"


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def edit_one_file(corpus: Path, name: str) -> None:
    """Replace one letter in the middle of ``corpus/name`` by another, keeping its declared renderings valid."""
    entries = {e["file"]: e for e in json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))["documents"]}
    entry = entries.get(name, {})
    path = corpus / name
    text = path.read_text(encoding="utf-8")
    renderings = [corpus / r["file"] for r in entry.get("renderings") or []]
    if renderings:
        lines = renderings[0].read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        middle = len(rows) // 2
        at = next(i for i in range(middle, len(rows)) if any(_is_han(ch) for ch in rows[i].get("src", "")))
        row = rows[at]
        pos = row["start"] + next(i for i, ch in enumerate(row["src"]) if _is_han(ch))
        new = "新" if text[pos] != "新" else "旧"
        text = text[:pos] + new + text[pos + 1 :]
        row["src"] = text[row["start"] : row["end"]]
        lines[at] = json.dumps(row, ensure_ascii=False)
        renderings[0].write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        # the English half of an aligned file comes first: edit a quarter of the way in
        pos = next(i for i in range(len(text) // 4, len(text)) if text[i].isascii() and text[i].isalpha())
        new = "e" if text[pos] != "e" else "a"
        text = text[:pos] + new + text[pos + 1 :]
    path.write_text(text, encoding="utf-8")


def snapshot(index_dir: Path) -> dict:
    """What the serving version holds: chunks, renderings, vectors, and the sha256 of every file."""
    from retriever.index import current_version_dir, load_vectors, read_manifest, read_meta, read_renderings

    folder = current_version_dir(index_dir)
    assert folder is not None
    return {
        "chunks": read_meta(folder)[1],
        "renderings": read_renderings(folder),
        "vectors": load_vectors(folder),
        "files": read_manifest(folder)["files"],
    }


def compare(a: dict, b: dict) -> dict:
    """How an incrementally built version differs from a full build of the same corpus."""
    differ = sorted(k for k in a["files"].keys() | b["files"].keys() if a["files"].get(k) != b["files"].get(k))
    same_shape = a["vectors"].shape == b["vectors"].shape
    return {
        "same_chunks": a["chunks"] == b["chunks"],
        "same_renderings": a["renderings"] == b["renderings"],
        "vectors_max_abs_diff": float(abs(a["vectors"] - b["vectors"]).max()) if same_shape else None,
        "files_that_differ": differ,
    }


def timed(fn: Callable[..., T], *args: object) -> tuple[T, float]:
    """``fn(*args)`` and the CPU seconds this process spent in it (waiting for a core does not count)."""
    t = time.process_time()
    out = fn(*args)
    return out, time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", default="all", help="'all' or comma-separated file names in corpus/")
    ap.add_argument("--repeat", type=int, default=1, help="edit/restore rounds per file")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    args = ap.parse_args()

    import faiss

    faiss.omp_set_num_threads(1)
    from ingest.pipeline import ingest
    from retriever.embedders import make_embedder
    from retriever.settings import Settings

    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        pristine = Path(tmp) / "pristine"
        shutil.copytree(ROOT / "corpus", pristine)
        settings = Settings()
        settings.paths.corpus_dir = corpus
        settings.paths.index_dir = Path(tmp) / "index"
        t = time.perf_counter()
        embedder = make_embedder(settings.embedder)
        model_load_s = time.perf_counter() - t
        full, full_cpu = timed(ingest, [corpus], settings, embedder)
        built_from_scratch = snapshot(settings.paths.index_dir)
        noop = ingest([corpus], settings, embedder)
        print(f"full ingest {full.seconds:.2f} s, no-op {noop.seconds:.2f} s", file=sys.stderr, flush=True)

        names = sorted(p.name for p in corpus.glob("*") if p.is_file() and p.name != "MANIFEST.json")
        if args.files != "all":
            names = [n.strip() for n in args.files.split(",") if n.strip()]
        rows = []
        for name in names:
            for _ in range(args.repeat):
                edit_one_file(corpus, name)
                edited, edited_cpu = timed(ingest, [corpus], settings, embedder)
                for rel in [name, *(p.relative_to(pristine).as_posix() for p in (pristine / "renderings").glob("*"))]:
                    shutil.copyfile(pristine / rel, corpus / rel)
                restored, restored_cpu = timed(ingest, [corpus], settings, embedder)
                assert edited.ingested == [name] == restored.ingested, (edited.ingested, restored.ingested)
                assert not edited.skipped and not restored.skipped, (edited.skipped, restored.skipped)
                rows.append(
                    {
                        "file": name,
                        "embedded_chunks": edited.embedded_chunks,
                        "tokenised_chunks": edited.tokenised_chunks,
                        "edit_s": round(edited.seconds, 2),
                        "edit_cpu_s": round(edited_cpu, 2),
                        "restore_s": round(restored.seconds, 2),
                        "restore_cpu_s": round(restored_cpu, 2),
                    }
                )
                print(f"  {name}: {rows[-1]}", file=sys.stderr, flush=True)
        # Every file is back as it was: the index built by all those re-ingests against the one built at first.
        versus_full = compare(snapshot(settings.paths.index_dir), built_from_scratch)

    out: dict[str, Any] = {
        "machine": machine(),
        "commit": _git_sha(),
        "load_average_1m": [round(load_before, 2), round(load_average(), 2)],
        "model_load_s": round(model_load_s, 2),
        "embedder": embedder.id,
        "full_ingest_s": round(full.seconds, 2),
        "full_ingest_cpu_s": round(full_cpu, 2),
        "chunks": full.total_chunks,
        "noop_reingest_s": round(noop.seconds, 2),
        "one_file": rows,
        "after_restores_versus_full_build": versus_full,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    if args.markdown:
        m = out["machine"]
        print(f"{m['cpu']}, {m['cores']} cores, Python {m['python']}; commit {out['commit']}")
        print(f"1-minute load before, after: {out['load_average_1m']}")
        print(
            f"model load {out['model_load_s']} s; full ingest {out['full_ingest_s']} s wall, "
            f"{out['full_ingest_cpu_s']} s CPU ({out['chunks']} chunks); "
            f"unchanged re-ingest {out['noop_reingest_s']} s\n"
        )
        print("| edited file | chunks embedded | chunks tokenised | after edit s (CPU s) | after restore s (CPU s) |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for r in rows:
            print(
                f"| {r['file']} | {r['embedded_chunks']} | {r['tokenised_chunks']} | {r['edit_s']:.2f} "
                f"({r['edit_cpu_s']:.2f}) | {r['restore_s']:.2f} ({r['restore_cpu_s']:.2f}) |"
            )
        print(f"\nafter every file was restored, against the first full build: {versus_full}")
    else:
        print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
