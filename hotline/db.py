"""Engine and sessions. SQLite file by default, PostgreSQL through DATABASE_URL."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import ROOT
from hotline.leadership import MIGRATION_LOCK, exclusively

WRITE_OPTION = "hotline_write"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, make the parent folder and set WAL, a busy timeout and FKs."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below), so writers can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        # A deferred transaction that read first cannot upgrade to a write once another
        # writer has committed (SQLITE_BUSY_SNAPSHOT); BEGIN IMMEDIATE waits for the lock instead.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """The engine with sessions for reading and for writing.

    On SQLite, writers in this process also queue on a lock: SQLite's own busy handler
    polls with sleeps of up to 100 ms, which turned lock waits into a long latency tail.
    """

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False)
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for a write transaction (``with db.write() as s, s.begin(): ...``)."""
        if self._write_lock is None:
            with self._write() as session:
                yield session
            return
        with self._write_lock, self._write() as session:
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision, one process at a time.

    Replicas starting together queue on a lock (a PostgreSQL advisory lock, or a file lock beside
    the SQLite database); the ones that waited find the schema at head and change nothing.
    """
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "hotline" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "hotline" / "migrations"))
    with exclusively(engine, MIGRATION_LOCK), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
