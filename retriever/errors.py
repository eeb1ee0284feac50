"""The one error tree of resnav. Every error carries a stable snake_case ``code`` that the CLI and the API show.

    ResnavError (code)
    ├── IngestError                 a source file could not be turned into a Document
    │   ├── UnsupportedFormat       unsupported_format
    │   ├── EmptyDocument           empty_document
    │   ├── UnreadableDocument      unreadable_document   (I/O failure, bad encoding, broken PDF)
    │   ├── EncryptedDocument       encrypted_document
    │   └── DocumentTooLarge        document_too_large
    ├── IndexError_                 the on-disk index cannot be used
    │   ├── IndexNotBuilt           index_not_built
    │   ├── IndexCorrupt            index_corrupt         (checksum or structure mismatch)
    │   ├── EmbedderMismatch        embedder_mismatch     (index built with another embedder)
    │   └── IngestLocked            ingest_locked         (another ingest holds the lock)
    ├── InvalidKnowledgeFile        invalid_knowledge_file (a curated knowledge file is broken)
    │   ├── InvalidRendering        invalid_rendering     (an English rendering does not fit its original)
    │   └── InvalidQuestions        invalid_questions     (a curated questions file does not fit its original)
    ├── StoreUnavailable            store_unavailable     (a vector-store server does not answer)
    ├── EmbedderUnavailable         embedder_unavailable  (model package missing or failing)
    ├── MigrationMismatch           migration_mismatch    (a migrated store does not answer like the index)
    ├── LLMUnavailable              llm_unavailable       (the optional LLM endpoint failed or timed out)
    ├── UngroundedAnswer            ungrounded_answer     (an LLM answer cites nothing or a passage it lacks)
    ├── InvalidRequest              invalid_request       (bad query, filter or argument)
    └── NotFound                    not_found

Raise with ``raise X(...) from e`` to keep the cause.
"""

from __future__ import annotations


class ResnavError(Exception):
    """Base of all resnav errors. ``code`` is stable and safe to show to users."""

    code = "resnav_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class IngestError(ResnavError):
    code = "ingest_error"


class UnsupportedFormat(IngestError):
    code = "unsupported_format"


class EmptyDocument(IngestError):
    code = "empty_document"


class UnreadableDocument(IngestError):
    code = "unreadable_document"


class EncryptedDocument(IngestError):
    code = "encrypted_document"


class DocumentTooLarge(IngestError):
    code = "document_too_large"


class IndexError_(ResnavError):  # noqa: N801 - avoid shadowing the builtin IndexError
    code = "index_error"


class IndexNotBuilt(IndexError_):
    code = "index_not_built"


class IndexCorrupt(IndexError_):
    code = "index_corrupt"


class EmbedderMismatch(IndexError_):
    code = "embedder_mismatch"


class IngestLocked(IndexError_):
    code = "ingest_locked"


class InvalidKnowledgeFile(ResnavError):
    code = "invalid_knowledge_file"


class InvalidRendering(InvalidKnowledgeFile):
    code = "invalid_rendering"


class InvalidQuestions(InvalidKnowledgeFile):
    code = "invalid_questions"


class StoreUnavailable(ResnavError):
    code = "store_unavailable"


class EmbedderUnavailable(ResnavError):
    code = "embedder_unavailable"


class MigrationMismatch(ResnavError):
    """The target store of a migration does not hold or answer what the index does; ``report`` says where."""

    code = "migration_mismatch"

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class LLMUnavailable(ResnavError):
    """The LLM endpoint could not produce an answer: timeout, connection refused, HTTP error, client missing."""

    code = "llm_unavailable"


class UngroundedAnswer(ResnavError):
    """An LLM answer cites no passage (``reason="no_citation"``) or a number it was not given
    (``reason="out_of_range"``); ``cited`` holds every number it cites, in order of first appearance."""

    code = "ungrounded_answer"

    def __init__(self, message: str, *, reason: str = "no_citation", cited: tuple[int, ...] | list[int] = ()) -> None:
        super().__init__(message)
        self.reason = reason
        self.cited = tuple(cited)


class InvalidRequest(ResnavError):
    code = "invalid_request"


class NotFound(ResnavError):
    code = "not_found"
