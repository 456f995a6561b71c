"""One holder across processes (hotline.leadership), migrations once, and the relay on one replica only.

Real PostgreSQL, a real SQLite file with flock, real subprocesses killed with SIGKILL, three real
backends on one database and one Redis.
"""

import logging
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.app import create_app
from hotline.config import ROOT, Settings
from hotline.db import make_engine
from hotline.domain.models import OutboxEvent
from hotline.domain.tickets import NewRequest
from hotline.leadership import (
    MIGRATION_LOCK,
    RELAY_LOCK,
    FileLeaderLock,
    LeaderLock,
    SoleProcessLock,
    exclusively,
    leader_lock,
    lock_file,
)
from tests.hotline.conftest import fresh_postgres_database
from tests.hotline.helpers import plain_leaf

HOLDER = textwrap.dedent("""
    import sys, time
    from hotline.db import make_engine
    from hotline.leadership import RELAY_LOCK, leader_lock
    lock = leader_lock(make_engine(sys.argv[1]), RELAY_LOCK)
    assert lock.try_acquire()
    print("held", flush=True)
    time.sleep(600)
""")


def eventually(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def terminate_relay_lock_holder(database_url: str) -> int:
    """pg_terminate_backend on the session holding the relay lock; returns how many were ended."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((classid::bigint << 32) | objid::bigint) = %s", (RELAY_LOCK.key,)).fetchall()
    return len(rows)


@pytest.mark.integration
def test_one_postgres_holder_and_a_terminated_or_released_one_is_replaced(postgres_url: str) -> None:
    database_url = fresh_postgres_database(postgres_url)
    engine = make_engine(database_url)
    first, second = leader_lock(engine, RELAY_LOCK), leader_lock(engine, RELAY_LOCK)
    assert first.try_acquire() and not second.try_acquire()
    assert first.try_acquire() and first.held and not second.held  # confirmed, still alone

    assert terminate_relay_lock_holder(database_url) == 1
    assert eventually(second.try_acquire)  # PostgreSQL freed the lock with the session
    assert not first.try_acquire() and not first.held  # the dead session is noticed, leadership gone

    second.release()
    assert first.try_acquire() and not second.try_acquire()
    first.release()
    second.release()
    engine.dispose()


def test_two_file_locks_in_one_process_exclude_each_other(tmp_path: Path) -> None:
    """flock belongs to the open file description, so two objects of one process are two holders."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hotline.db'}")
    first, second = leader_lock(engine, RELAY_LOCK), leader_lock(engine, RELAY_LOCK)
    assert isinstance(first, FileLeaderLock) and first.path == tmp_path / "hotline.db.relay.lock"
    assert first.try_acquire() and not second.try_acquire()
    assert first.try_acquire()
    first.release()
    assert second.try_acquire() and not first.try_acquire()
    second.release()


def test_a_removed_lock_file_ends_leadership(tmp_path: Path) -> None:
    lock = FileLeaderLock(tmp_path / "x.lock")
    assert lock.try_acquire()
    (tmp_path / "x.lock").unlink()  # another process could now lock a new file of that name
    other = FileLeaderLock(tmp_path / "x.lock")
    assert other.try_acquire()
    assert not lock.try_acquire() and not lock.held
    other.release()


def test_in_memory_sqlite_is_always_the_holder() -> None:
    lock = leader_lock(make_engine("sqlite://"), RELAY_LOCK)
    assert isinstance(lock, SoleProcessLock) and lock.try_acquire() and lock.held
    lock.release()
    assert not lock.held


@pytest.mark.integration
def test_a_holder_killed_with_sigkill_is_replaced(database_url: str) -> None:
    """On both databases: the kernel closes a killed process's files and sockets, which frees the lock."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, database_url], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        lock: LeaderLock = leader_lock(make_engine(database_url), RELAY_LOCK)
        assert not lock.try_acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        assert eventually(lock.try_acquire)
        lock.release()
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_exclusively_waits_for_the_holder(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hotline.db'}")
    holder = FileLeaderLock(lock_file(tmp_path / "hotline.db", MIGRATION_LOCK))
    assert holder.try_acquire()
    entered: list[float] = []

    def enter() -> None:
        with exclusively(engine, MIGRATION_LOCK):
            entered.append(time.monotonic())

    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(enter)
        time.sleep(0.3)
        assert not entered  # still waiting for the holder
        released_at = time.monotonic()
        holder.release()
        waiting.result(timeout=10)
    assert entered and entered[0] >= released_at


def head_revision() -> str | None:
    config = Config(str(ROOT / "hotline" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "hotline" / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def file_ticket(app: FastAPI, n: int) -> None:
    backend = app.state.backend
    backend.desk.file(NewRequest(
        service_code=plain_leaf(backend.taxonomy).code, description=f"楼道灯坏了 {n}", language="zh",
        address_string="朝阳区三里屯", channel="wechat", channel_user_id=f"replica-{n}",
    ))


def outbox_ids(app: FastAPI) -> list[str]:
    with app.state.backend.db.read() as session:
        return list(session.scalars(select(OutboxEvent.event_id).order_by(OutboxEvent.id)))


def stream_ids(redis_url: str, stream: str) -> list[str]:
    entries: Any = redis.Redis.from_url(redis_url, decode_responses=True).xrange(stream)
    return [fields["event_id"] for _, fields in entries]


def roles(apps: list[FastAPI]) -> list[str]:
    return sorted(app.state.relay.role for app in apps if app.state.relay is not None)


@pytest.mark.integration
def test_three_replicas_migrate_once_and_publish_each_event_once_in_order(
        postgres_url: str, redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hotline.outbox")
    database_url = fresh_postgres_database(postgres_url)
    stream = f"test:replicas:{uuid.uuid4().hex}"
    settings = replace(Settings(), database_url=database_url, redis_url=redis_url, events_stream=stream,
                       relay_interval_seconds=0.05)
    with ThreadPoolExecutor(3) as pool:  # all three start, and migrate, at once
        apps = list(pool.map(lambda _: create_app(settings), range(3)))
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
    engine.dispose()

    with ExitStack() as running:
        for app in apps:
            running.enter_context(TestClient(app))
        assert eventually(lambda: roles(apps) == ["leader", "standby", "standby"])
        for n in range(30):
            file_ticket(apps[n % 3], n)
        assert eventually(lambda: len(stream_ids(redis_url, stream)) >= 30)
        time.sleep(0.3)  # several more passes of every relay: nothing more may go out
        assert stream_ids(redis_url, stream) == outbox_ids(apps[0])
        assert [r.getMessage() for r in caplog.records].count("outbox relay: this replica publishes events") == 1

        leader = next(app for app in apps if app.state.relay.role == "leader")
        leader.state.relay.stop()
        others = [app for app in apps if app is not leader]
        assert eventually(lambda: roles(others) == ["leader", "standby"])
        for n in range(30, 50):
            file_ticket(others[n % 2], n)
        assert eventually(lambda: len(stream_ids(redis_url, stream)) >= 50)
        time.sleep(0.3)
        published = stream_ids(redis_url, stream)
        assert published == outbox_ids(apps[0]) and len(set(published)) == 50
        assert [r.getMessage() for r in caplog.records].count("outbox relay: this replica publishes events") == 2
