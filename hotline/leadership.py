"""Exactly one holder across processes: the replica that relays events, the one that migrates.

Any number of backend replicas may start against one database. A ``LeaderLock`` elects one of them
without any coordinator but the database itself:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection of its own,
  kept open while leading (a standby keeps one too, to retry cheaply). Each ``try_acquire`` of the
  holder checks that connection first: if it died, leadership is lost and must be taken again.
  PostgreSQL frees the lock when the session ends, so a replica killed with SIGKILL is replaced on
  another's next try. Needs a direct connection or session pooling, not PgBouncer's transaction pooling.
- SQLite (one machine): ``flock`` on a lock file beside the database (``var/hotline.db.relay.lock``);
  the kernel drops it when the holder's file is closed, by exit or by kill. In-memory SQLite lives in
  one process, which is always the holder.

``exclusively`` is the blocking form, for a step that must run once at a time (migrations).
"""

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockName:
    key: int  # PostgreSQL advisory lock key (a bigint)
    suffix: str  # SQLite: the lock file is "<database file>.<suffix>.lock"


# Advisory lock keys are one bigint space shared by every application using the database: ours carry
# "hotline" in ASCII in their high bytes so they do not meet the small numbers other code tends to pick.
RELAY_LOCK = LockName(key=0x686F746C696E6501, suffix="relay")  # the one replica that publishes the outbox
MIGRATION_LOCK = LockName(key=0x686F746C696E6502, suffix="migrate")  # Alembic upgrades, one at a time

# The leader's own connection notices a vanished server in about 25 s, idle (keepalives) or waiting for an
# answer (tcp_user_timeout, ms), instead of the system's two hours. The server notices a vanished client only
# as fast as its own tcp_keepalives_* settings allow: until then the old session keeps the lock.
PG_CONNECT_OPTIONS: dict[str, Any] = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 10,
                                      "keepalives_interval": 5, "keepalives_count": 3, "tcp_user_timeout": 25_000}


class LeaderLock(Protocol):
    """At most one holder across processes; ``try_acquire`` never waits."""

    @property
    def held(self) -> bool: ...

    def try_acquire(self) -> bool:
        """Take the lock if free, or confirm it is still ours. Returns whether this process holds it."""
        ...

    def release(self) -> None: ...


class PostgresLeaderLock:
    """``pg_try_advisory_lock`` on a dedicated connection; held while that session lives."""

    def __init__(self, conninfo: str, key: int, *, application_name: str = "hotline-leadership") -> None:
        self._conninfo = conninfo
        self._key = key
        self._application_name = application_name
        self._connection: psycopg.Connection[Any] | None = None
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def try_acquire(self) -> bool:
        try:
            connection = self._connect()
            if self._held:
                connection.execute("SELECT 1")  # the session, and with it the lock, is still there
                return True
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
            self._held = bool(row and row[0])
        except psycopg.Error as exc:
            if self._held:
                log.warning("leadership %#x lost: its database session ended (%s)", self._key, exc)
            self._close()
        return self._held

    def release(self) -> None:
        if self._connection is not None and self._held:
            try:
                self._connection.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
            except psycopg.Error:
                pass  # a dead session holds nothing; closing below is enough
        self._close()

    def _connect(self) -> psycopg.Connection[Any]:
        if self._connection is not None and self._connection.closed:
            if self._held:
                log.warning("leadership %#x lost: its database connection closed", self._key)
            self._close()
        if self._connection is None:
            self._connection = psycopg.connect(self._conninfo, autocommit=True,
                                               application_name=self._application_name, **PG_CONNECT_OPTIONS)
        return self._connection

    def _close(self) -> None:
        self._held = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class FileLeaderLock:
    """``flock(LOCK_EX | LOCK_NB)`` on a file; each open file description is its own holder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            if _same_file(self._fd, self.path):
                return True
            log.warning("leadership lost: lock file %s was removed or replaced", self.path)
            self.release()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None


class SoleProcessLock:
    """In-memory SQLite: no other process can see the database, so this one always leads."""

    def __init__(self) -> None:
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def try_acquire(self) -> bool:
        self._held = True
        return True

    def release(self) -> None:
        self._held = False


def leader_lock(engine: Engine, name: LockName) -> LeaderLock:
    """The lock ``name`` for the database behind ``engine`` (PostgreSQL or SQLite)."""
    if engine.dialect.name == "postgresql":
        return PostgresLeaderLock(libpq_conninfo(engine), name.key, application_name=f"hotline-{name.suffix}")
    path = sqlite_file(engine)
    return FileLeaderLock(lock_file(path, name)) if path else SoleProcessLock()


@contextmanager
def exclusively(engine: Engine, name: LockName) -> Iterator[None]:
    """Hold ``name`` for the block, waiting for as long as another process holds it."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name.key):
            yield
        return
    path = sqlite_file(engine)
    if path is None:
        yield
        return
    fd = os.open(lock_file(path, name), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another process holding %s", lock_file(path, name))
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(engine: Engine, key: int) -> Iterator[None]:
    with engine.connect() as connection:
        if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
            log.info("waiting for another process holding advisory lock %#x", key)
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
            except SQLAlchemyError:
                connection.invalidate()  # never hand a session that may still hold the lock back to the pool


def libpq_conninfo(engine: Engine) -> str:
    """The engine's URL as libpq takes it (``postgresql://``, password included)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_file(engine: Engine) -> Path | None:
    """The SQLite database file, or None for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or engine.url.query.get("mode") == "memory":
        return None
    return Path(database)


def lock_file(database: Path, name: LockName) -> Path:
    return database.with_name(f"{database.name}.{name.suffix}.lock")


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
