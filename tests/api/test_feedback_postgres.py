"""The feedback store's behaviour, once on SQLite and once on a real PostgreSQL server.

The ``postgres`` fixture (``tests/postgres_server.py``) starts a throwaway cluster for this module: ``initdb`` in
a temporary folder, ``pg_ctl start`` on a free 127.0.0.1 port with its unix socket in that folder, ``fsync=off``;
as root it runs the server as the ``postgres`` user through ``runuser`` (PostgreSQL refuses to run as root). Each
test gets a fresh database. The tests skip, saying why, only when the PostgreSQL binaries are absent (Debian:
``apt-get install postgresql``) or the driver is (``pip install '.[postgres]'``); CI installs both and sets
``RESNAV_TEST_REQUIRE=postgres``, which turns those skips into failures.
"""

from __future__ import annotations

import csv
import io
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.feedback import CSV_COLUMNS, FeedbackStore, knowledge_gaps, metadata
from tests.postgres_server import PostgresCluster, postgres  # noqa: F401 - postgres is a fixture used here

# -- the behaviour, once per backend ------------------------------------------------------------------------------


class FeedbackStoreContract:
    """What every feedback database does; subclasses override the ``database_url`` fixture."""

    @pytest.fixture
    def database_url(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    @pytest.fixture
    def store(self, database_url: str) -> Iterator[FeedbackStore]:
        s = FeedbackStore(database_url)
        s.create()
        yield s
        s.close()

    def test_create_is_idempotent(self, store: FeedbackStore) -> None:
        store.add("a1", 1)
        store.create()
        assert store.count() == 1
        assert {"feedback", "questions"} <= set(sa.inspect(store.engine).get_table_names())

    def test_the_replica_that_loses_the_create_race_still_starts(
        self, database_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two replicas start together: the other one creates the tables between this one's check and its create
        (the real "already exists" error of the database), and this one finds them on its next try."""
        import api.feedback as feedback

        other, late = FeedbackStore(database_url), FeedbackStore(database_url)
        real_create_all = feedback.metadata.create_all
        calls = []

        def racing(engine: sa.Engine, **kw: object) -> None:
            calls.append(engine)
            if len(calls) == 1:
                real_create_all(other.engine)  # the other replica wins
                real_create_all(engine, checkfirst=False)  # this one had checked before: "already exists"
            real_create_all(engine, **kw)

        monkeypatch.setattr(feedback.metadata, "create_all", racing)
        late.create()
        assert len(calls) == 2
        late.add("after-race", 1)
        assert late.count() == 1
        other.close()
        late.close()

    def test_add_list_and_join_questions(self, store: FeedbackStore) -> None:
        store.log_question("ans-1", "城市韧性记分卡是什么？", "zh", "question", True)
        store.log_question("ans-1", "logged twice", "en", "other", False)  # the first log is kept
        first = store.add("ans-1", -1, "wrong_citation", "引用不对")
        second = store.add("ans-2", 1)
        assert second.id > first.id
        items = store.list()
        assert [r.id for r in items] == [second.id, first.id]  # newest first
        old = items[1]
        assert (old.answer_id, old.rating, old.issue, old.comment) == ("ans-1", -1, "wrong_citation", "引用不对")
        assert (old.question, old.lang, old.intent, old.grounded) == ("城市韧性记分卡是什么？", "zh", "question", True)
        assert old.created_at.tzinfo is not None
        assert abs(old.created_at - first.created_at) < timedelta(milliseconds=1)
        assert items[0].question is None and items[0].grounded is None
        assert [r.id for r in store.list(rating=-1)] == [first.id]
        assert [r.id for r in store.list(issue="wrong_citation")] == [first.id]
        assert store.list(since=datetime.now(UTC) + timedelta(minutes=1)) == []
        assert len(store.list(since=datetime.now(UTC) - timedelta(minutes=1))) == 2
        assert [r.id for r in store.list(limit=1, offset=1)] == [first.id]
        assert store.count(rating=1) == 1

    def test_filters_paging_and_count(self, store: FeedbackStore) -> None:
        ids = [store.add(f"a{i}", 1 if i % 3 else -1, "other" if i % 2 else None).id for i in range(10)]
        assert store.count() == 10
        assert store.count(rating=-1) == 4 and store.count(issue="other") == 5
        assert store.count(rating=-1, issue="other") == 2
        assert [r.id for r in store.list(limit=3)] == ids[::-1][:3]
        assert [r.id for r in store.list(limit=3, offset=8)] == ids[::-1][8:]
        now = datetime.now(UTC)
        assert store.count(since=now - timedelta(minutes=1)) == 10
        assert store.list(since=now + timedelta(minutes=1)) == []
        naive_past = (now - timedelta(minutes=1)).replace(tzinfo=None)  # naive means UTC
        assert store.count(since=naive_past) == 10
        local = (now - timedelta(minutes=1)).astimezone(datetime.now().astimezone().tzinfo)
        assert store.count(since=local) == 10

    def test_rejects_other_ratings(self, store: FeedbackStore) -> None:
        with pytest.raises(ValueError):
            store.add("a", 5)
        assert store.count() == 0

    def test_csv_export_is_safe_for_spreadsheets(self, store: FeedbackStore) -> None:
        store.log_question("x", '=HYPERLINK("http://evil")', "en", "question", False)
        store.add("x", -1, "other", "+cmd|' /C calc'!A0")
        store.add("y", 1, None, "好，谢谢\n第二行, with comma")
        text = store.export_csv()
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 3
        y, x = rows[1], rows[2]
        assert y[5] == "好，谢谢\n第二行, with comma"
        assert x[5].startswith("'+") and x[6].startswith("'=")
        assert x[9] == "false" and y[9] == ""
        assert x[1].endswith("Z")
        assert len(rows) == 3
        assert len(list(csv.reader(io.StringIO(store.export_csv(rating=1).lstrip("\ufeff"))))) == 2

    def test_log_question_keeps_the_first_and_the_store_stays_usable(self, store: FeedbackStore) -> None:
        store.log_question("q1", "first", "en", "question", True)
        store.log_question("q1", "second", "zh", "other", False)  # a unique violation, swallowed
        store.add("q1", 1)  # the connection was not left in a failed transaction
        assert store.list()[0].question == "first"

    def test_knowledge_gaps(self, store: FeedbackStore) -> None:
        store.log_question("g1", "没有答案的问题", "zh", "question", False)
        store.log_question("g2", "没有答案的问题", "zh", "question", False)
        store.log_question("g3", "unanswered", "en", "question", False)
        store.log_question("g4", "answered", "en", "question", True)
        gaps = knowledge_gaps(store)
        assert [(g.intent, g.lang, g.count, g.questions) for g in gaps] == [
            ("question", "zh", 2, ("没有答案的问题",)),
            ("question", "en", 1, ("unanswered",)),
        ]
        assert knowledge_gaps(store, since=datetime.now(UTC) + timedelta(minutes=1)) == []
        assert len(knowledge_gaps(store, since=datetime.now(UTC) - timedelta(minutes=1))) == 2

    def test_concurrent_writes_from_threads(self, store: FeedbackStore) -> None:
        def work(t: int) -> None:
            for i in range(20):
                store.add(f"t{t}-{i}", 1 if i % 2 else -1, None, f"线程 {t}")
                store.log_question("shared", f"from thread {t}", "en", "question", True)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.count() == 160
        assert len({r.id for r in store.list(limit=1000)}) == 160
        with store.engine.connect() as con:
            assert con.execute(sa.text("SELECT count(*) FROM questions")).scalar_one() == 1

    def test_two_workers_write_one_database(self, store: FeedbackStore, database_url: str) -> None:
        """Two stores (two worker processes' engines) racing on the same rows: no loss, unique logs stay unique."""
        other = FeedbackStore(database_url)
        other.create()
        errors: list[BaseException] = []

        def work(s: FeedbackStore, name: str) -> None:
            try:
                for i in range(25):
                    s.add(f"{name}-{i}", 1)
                    s.log_question(f"q{i}", f"asked by {name}", "en", "question", True)
            except BaseException as e:  # surfaced by the assertion below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(s, n)) for s, n in ((store, "w1"), (other, "w2"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        other.close()
        assert errors == []
        assert store.count() == 50
        with store.engine.connect() as con:
            assert con.execute(sa.text("SELECT count(DISTINCT answer_id), count(*) FROM questions")).one() == (25, 25)


class TestFeedbackSQLite(FeedbackStoreContract):
    @pytest.fixture
    def database_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'deep' / 'folder' / 'feedback.sqlite'}"

    def test_creates_its_file_and_folders(self, store: FeedbackStore, tmp_path: Path) -> None:
        assert (tmp_path / "deep" / "folder" / "feedback.sqlite").is_file()

    def test_in_memory_is_shared_across_threads(self) -> None:
        s = FeedbackStore("sqlite://")
        s.create()
        threads = [threading.Thread(target=s.add, args=(f"t{i}", 1)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert s.count() == 8


class TestFeedbackPostgres(FeedbackStoreContract):
    @pytest.fixture
    def database_url(self, postgres: PostgresCluster) -> Iterator[str]:  # noqa: F811
        name = f"feedback_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as con:
            con.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield postgres.url(name)
        with admin.connect() as con:
            con.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

    def test_it_is_postgres(self, store: FeedbackStore) -> None:
        assert store.engine.dialect.name == "postgresql" and store.engine.driver == "psycopg"
        columns = {c["name"]: c["type"] for c in sa.inspect(store.engine).get_columns("feedback")}
        assert isinstance(columns["created_at"], sa.DateTime) and columns["created_at"].timezone
        assert metadata.tables["feedback"].c.created_at.type.timezone
