"""What the notifier tests share: a backend that files and changes tickets, its events in a real
Redis Stream, a notifier wired to a fake Rasa, a clock the test moves; fixtures ``rasa``,
``clean_redis`` and ``backend`` (import them into the test module)."""

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi import FastAPI

from hotline.app import create_app
from hotline.config import Settings
from hotline.domain.lifecycle import Rating
from hotline.domain.models import Status
from hotline.domain.tickets import NewRequest
from hotline.notifier.bootstrap import Wired, build_notifier
from hotline.notifier.note_translation import TranslateNote
from hotline.notifier.settings import NotifierSettings
from hotline.outbox import OutboxRelay
from tests.doubles.fake_rasa import SECRET, FakeRasa, fake_rasa
from tests.hotline.helpers import plain_leaf

STREAM = "hotline:events"


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Sleeps:
    """An ``asyncio.sleep`` that records how long it was asked to wait and does not wait."""

    seconds: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        await asyncio.sleep(0)


class Backend:
    """The real backend (SQLite, no relay thread) whose outbox the test relays to Redis by hand."""

    def __init__(self, database_url: str, redis_url: str) -> None:
        self.app: FastAPI = create_app(replace(Settings(), database_url=database_url), run_relay=False)
        self.backend = self.app.state.backend
        self.relay = OutboxRelay(self.backend.db, redis.Redis.from_url(redis_url), stream=STREAM)

    def file(self, channel: str | None, user: str | None, language: str = "zh") -> str:
        ticket, _ = self.backend.desk.file(NewRequest(
            service_code=plain_leaf(self.backend.taxonomy).code, description="小区门口路灯坏了一个星期",
            language=language, address_string="朝阳区三里屯街道", channel=channel, channel_user_id=user))
        return str(ticket.service_request_id)

    def move(self, ticket_id: str, status: Status, note: str = "", note_language: str = "zh") -> None:
        self.backend.lifecycle.update(ticket_id, status=status, note=note, note_language=note_language,
                                      actor="operator:li")

    def rate(self, ticket_id: str, resolved: bool, rating: int | None = None) -> None:
        self.backend.lifecycle.rate(ticket_id, Rating(resolved=resolved, rating=rating, comment=""),
                                    language="zh", actor="resident")

    def publish(self) -> int:
        """Relay every outbox row to the stream (the relay goes in batches)."""
        total = 0
        while published := self.relay.publish_pending():
            total += published
        return total

    def department_names(self, ticket_id: str) -> dict[str, str]:
        with self.backend.db.read() as session:
            from hotline.domain.tickets import load_ticket

            code = load_ticket(session, ticket_id).department
        return dict(self.backend.taxonomy.departments[code])


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as fake:
        yield fake


@pytest.fixture
def clean_redis(redis_url: str) -> str:
    redis.Redis.from_url(redis_url).flushdb()
    return redis_url


@pytest.fixture
def backend(tmp_path: Path, clean_redis: str) -> Backend:
    return Backend(f"sqlite:///{tmp_path / 'hotline.db'}", clean_redis)


def notifier_settings(redis_url: str, rasa: FakeRasa, **overrides: Any) -> NotifierSettings:
    base = replace(NotifierSettings(), redis_url=redis_url, rasa_url=rasa.url, rasa_jwt_secret=SECRET,
                   consumer="test-notifier", rasa_timeout_seconds=2.0)
    return replace(base, **overrides)


def wire(redis_url: str, rasa: FakeRasa, *, clock: Clock | None = None, sleeps: Sleeps | None = None,
         translate: TranslateNote | None = None, **overrides: Any) -> Wired:
    return build_notifier(notifier_settings(redis_url, rasa, **overrides), clock=clock or Clock(),
                          translate=translate or (lambda text, source, target: ""), sleep=sleeps or Sleeps())


async def run_until_idle(wired: Wired) -> None:
    """Read and handle everything in the stream now."""
    await wired.notifier.stream.ensure_group()
    while await wired.notifier.poll(block_ms=20):
        pass
    await wired.notifier.drain()


def pending_count(redis_url: str, group: str = "notifier") -> int:
    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.xpending(STREAM, group)["pending"])
    except redis.ResponseError:  # no group yet
        return 0
