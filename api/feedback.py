"""The feedback store: ratings of answers and the log of questions asked, in SQL (SQLite by default).

Two tables, created on start when missing:

- ``feedback``: one row per rating (answer id, -1/1, issue, comment, time).
- ``questions``: one row per answered question (answer id, question text, language, intent, whether the answer
  was grounded in citations), for the knowledge-gap report. Feedback rows join to it on ``answer_id``.

SQLAlchemy Core, so another database is a URL away (``postgresql+psycopg://...`` with its driver installed).
For SQLite the file's folder is created, WAL journaling lets several workers write, and an in-memory URL keeps
one shared connection.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

from assistant.spreadsheet import spreadsheet_csv

logger = logging.getLogger(__name__)

metadata = sa.MetaData()

feedback_table = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answer_id", sa.String(128), nullable=False, index=True),
    sa.Column("rating", sa.SmallInteger, nullable=False),
    sa.Column("issue", sa.String(32), nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
)

questions_table = sa.Table(
    "questions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answer_id", sa.String(128), nullable=False, unique=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("lang", sa.String(8), nullable=True),
    sa.Column("intent", sa.String(64), nullable=True),
    sa.Column("grounded", sa.Boolean, nullable=True),
)

# Tries of creating the tables: a replica that loses the create race finds them on the next try.
CREATE_ATTEMPTS = 3
CSV_COLUMNS = (
    "id",
    "created_at",
    "answer_id",
    "rating",
    "issue",
    "comment",
    "question",
    "lang",
    "intent",
    "grounded",
)


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """A stored rating, with the question of its answer when that was logged."""

    id: int
    created_at: datetime
    answer_id: str
    rating: int
    issue: str | None
    comment: str | None
    question: str | None = None
    lang: str | None = None
    intent: str | None = None
    grounded: bool | None = None


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class FeedbackStore:
    """Ratings and the question log in one SQL database. Thread-safe: one engine, a connection per call, and
    writes serialised in-process (an in-memory SQLite database is a single shared connection, which concurrent
    transactions would corrupt; for a file or a server the lock only orders this process's own writes)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = self._make_engine(url)
        self._write_lock = threading.Lock()

    @staticmethod
    def _make_engine(url: str) -> Engine:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return sa.create_engine(url, pool_pre_ping=True)
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            return sa.create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine

    def create(self) -> None:
        """Create the tables that are missing (idempotent, also when replicas start together: ``create_all``
        checks and then creates, so a second process can lose that race; it then finds the tables made)."""
        for attempt in range(CREATE_ATTEMPTS):
            try:
                metadata.create_all(self.engine)
                break
            except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                logger.info("feedback_store_create_race attempt=%d", attempt + 1)
                time.sleep(0.1 * (attempt + 1))
        logger.info("feedback_store_ready backend=%s", self.engine.url.get_backend_name())

    def close(self) -> None:
        self.engine.dispose()

    # -- writes ----------------------------------------------------------------------------------------------
    def add(self, answer_id: str, rating: int, issue: str | None = None, comment: str | None = None) -> FeedbackRecord:
        """Store one rating and return it with its id and time."""
        if rating not in (-1, 1):
            raise ValueError(f"rating must be -1 or 1, got {rating!r}")
        now = datetime.now(UTC)
        with self._write_lock, self.engine.begin() as con:
            result = con.execute(
                feedback_table.insert().values(
                    created_at=now, answer_id=answer_id, rating=rating, issue=issue, comment=comment or None
                )
            )
            new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        logger.info("feedback_added id=%s rating=%s issue=%s", new_id, rating, issue)
        return FeedbackRecord(new_id, now, answer_id, rating, issue, comment or None)

    def log_question(
        self, answer_id: str, question: str, lang: str | None, intent: str | None, grounded: bool | None
    ) -> None:
        """Record the question an answer replied to. Logging the same ``answer_id`` again keeps the first."""
        row = {
            "created_at": datetime.now(UTC),
            "answer_id": answer_id,
            "question": question,
            "lang": lang,
            "intent": intent,
            "grounded": grounded,
        }
        try:
            with self._write_lock, self.engine.begin() as con:
                con.execute(questions_table.insert().values(**row))
        except sa.exc.IntegrityError:
            logger.debug("question_already_logged answer_id=%s", answer_id)  # unique answer_id: first one stays

    # -- reads -----------------------------------------------------------------------------------------------
    def _select(self, issue: str | None, rating: int | None, since: datetime | None) -> sa.Select:
        f, q = feedback_table, questions_table
        stmt = sa.select(
            f.c.id,
            f.c.created_at,
            f.c.answer_id,
            f.c.rating,
            f.c.issue,
            f.c.comment,
            q.c.question,
            q.c.lang,
            q.c.intent,
            q.c.grounded,
        ).select_from(f.outerjoin(q, f.c.answer_id == q.c.answer_id))
        if issue is not None:
            stmt = stmt.where(f.c.issue == issue)
        if rating is not None:
            stmt = stmt.where(f.c.rating == rating)
        if since is not None:
            since = since.astimezone(UTC) if since.tzinfo is not None else since.replace(tzinfo=UTC)
            if self.engine.dialect.name == "sqlite":  # stored as naive UTC text
                since = since.replace(tzinfo=None)
            stmt = stmt.where(f.c.created_at >= since)
        return stmt

    def count(self, *, issue: str | None = None, rating: int | None = None, since: datetime | None = None) -> int:
        stmt = sa.select(sa.func.count()).select_from(self._select(issue, rating, since).subquery())
        with self.engine.connect() as con:
            return int(con.execute(stmt).scalar_one())

    def list(
        self,
        *,
        limit: int = 100,
        offset: int = 0,
        issue: str | None = None,
        rating: int | None = None,
        since: datetime | None = None,
    ) -> list[FeedbackRecord]:
        """Ratings, newest first, with the logged question of each answer when there is one."""
        stmt = self._select(issue, rating, since).order_by(feedback_table.c.id.desc()).limit(limit).offset(offset)
        with self.engine.connect() as con:
            rows = con.execute(stmt).all()
        return [
            FeedbackRecord(
                id=r.id,
                created_at=_utc(r.created_at),
                answer_id=r.answer_id,
                rating=r.rating,
                issue=r.issue,
                comment=r.comment,
                question=r.question,
                lang=r.lang,
                intent=r.intent,
                grounded=None if r.grounded is None else bool(r.grounded),
            )
            for r in rows
        ]

    def export_csv(
        self,
        *,
        limit: int = 100_000,
        issue: str | None = None,
        rating: int | None = None,
        since: datetime | None = None,
    ) -> str:
        """The ratings as CSV (header first, newest first), with a UTF-8 BOM so spreadsheets read Chinese."""
        records = self.list(limit=limit, offset=0, issue=issue, rating=rating, since=since)
        return records_to_csv(records)


@dataclass(frozen=True, slots=True)
class KnowledgeGap:
    """Questions answered without evidence, for one intent and language."""

    intent: str
    lang: str
    count: int
    questions: tuple[str, ...]


def knowledge_gaps(store: FeedbackStore, *, since: datetime | None = None, per_group: int = 50) -> list[KnowledgeGap]:
    """Logged questions whose answer found no evidence (``grounded`` false), grouped by intent and language,
    largest group first; each group lists its most recent distinct questions."""
    q = questions_table
    stmt = sa.select(q.c.intent, q.c.lang, q.c.question).where(q.c.grounded.is_(False)).order_by(q.c.id.desc())
    if since is not None:
        stmt = stmt.where(q.c.created_at >= _utc(since))
    groups: dict[tuple[str, str], list[str]] = {}
    counts: dict[tuple[str, str], int] = {}
    with store.engine.connect() as con:
        for intent, lang, question in con.execute(stmt):
            key = (intent or "", lang or "")
            counts[key] = counts.get(key, 0) + 1
            seen = groups.setdefault(key, [])
            if question not in seen and len(seen) < per_group:
                seen.append(question)
    return sorted(
        (KnowledgeGap(i, lang, counts[(i, lang)], tuple(qs)) for (i, lang), qs in groups.items()),
        key=lambda g: (-g.count, g.intent, g.lang),
    )


def gaps_to_csv(gaps: Sequence[KnowledgeGap]) -> str:
    return spreadsheet_csv(
        ("intent", "lang", "count", "question"), ((g.intent, g.lang, g.count, q) for g in gaps for q in g.questions)
    )


def records_to_csv(records: Sequence[FeedbackRecord]) -> str:
    return spreadsheet_csv(
        CSV_COLUMNS,
        (
            (
                r.id,
                r.created_at.isoformat().replace("+00:00", "Z"),
                r.answer_id,
                r.rating,
                r.issue or "",
                r.comment or "",
                r.question or "",
                r.lang or "",
                r.intent or "",
                "" if r.grounded is None else str(r.grounded).lower(),
            )
            for r in records
        ),
    )
