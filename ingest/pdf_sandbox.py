"""Untrusted PDFs are parsed in a child process with a time limit, a memory limit and a page limit.

A hostile PDF (deeply nested objects, a huge page count, a decompression bomb) can make pypdf loop, recurse or
allocate without bound. ``extract_pdf_pages_sandboxed`` runs ``ingest.loaders.extract_pdf_pages`` in a fresh
``python -m ingest.pdf_sandbox FILE`` process under ``RLIMIT_AS`` and ``RLIMIT_CPU``, waits at most
``timeout_s`` wall-clock seconds, and maps every failure to an ingest error with a stable code, so a batch
reports the file and goes on. The child prints one JSON object: ``{"pages": [...]}`` or
``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from retriever.errors import (
    DocumentTooLarge,
    EmptyDocument,
    EncryptedDocument,
    IngestError,
    UnreadableDocument,
    UnsupportedFormat,
)

TIMEOUT_S = 60.0
MEMORY_BYTES = 1 << 30  # 1 GiB of address space for the child
MAX_PAGES = 5_000

_BY_CODE: dict[str, type[IngestError]] = {
    cls.code: cls for cls in (DocumentTooLarge, EmptyDocument, EncryptedDocument, UnreadableDocument, UnsupportedFormat)
}


def _limit(memory_bytes: int, cpu_s: int) -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def extract_pdf_pages_sandboxed(
    path: Path,
    *,
    timeout_s: float = TIMEOUT_S,
    memory_bytes: int = MEMORY_BYTES,
    max_pages: int = MAX_PAGES,
) -> list[str]:
    """The text of each page of ``path``, parsed in a limited child process. Raises an ``IngestError``."""
    name = Path(path).name
    env = {**os.environ, "RESNAV_PDF_MAX_PAGES": str(max_pages), "OMP_NUM_THREADS": "1"}
    try:
        done = subprocess.run(  # noqa: S603 - our own module, the path is an argument, no shell
            [sys.executable, "-m", "ingest.pdf_sandbox", str(path)],
            capture_output=True,
            timeout=timeout_s,
            env=env,
            preexec_fn=lambda: _limit(memory_bytes, int(timeout_s) + 1),  # noqa: PLW1509 - no threads started yet
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise UnreadableDocument(f"{name}: PDF parsing took longer than {timeout_s:g} s and was stopped") from e
    try:
        result = json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError) as e:
        reason = "ran out of memory or crashed" if done.returncode else "gave no result"
        raise UnreadableDocument(f"{name}: PDF parsing {reason} (exit {done.returncode})") from e
    if "error" in result:
        cls = _BY_CODE.get(result["error"]["code"], UnreadableDocument)
        raise cls(result["error"]["message"])
    return list(result["pages"])


def _main(argv: list[str]) -> int:
    from ingest.loaders import extract_pdf_pages

    sys.setrecursionlimit(5_000)
    max_pages = int(os.environ.get("RESNAV_PDF_MAX_PAGES", MAX_PAGES))
    path = Path(argv[1])
    try:
        from pypdf import PdfReader

        try:
            count = len(PdfReader(path).pages)
        except Exception:  # noqa: BLE001 - let extract_pdf_pages classify a broken file
            count = 0
        if count > max_pages:
            raise DocumentTooLarge(f"{path.name}: {count} pages, more than the limit of {max_pages}")
        out: dict = {"pages": extract_pdf_pages(path)}
    except IngestError as e:
        out = {"error": {"code": e.code, "message": str(e)}}
    except (MemoryError, RecursionError) as e:
        out = {
            "error": {"code": "unreadable_document", "message": f"{path.name}: PDF too complex ({type(e).__name__})"}
        }
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
