"""A small dispatch world on SQLite and PostgreSQL in turn: database, desk, dispatcher and deadline clock, all on
one hand-moved clock."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from bot.gazetteer import load_gazetteer
from bot.taxonomy import load_taxonomy
from hotline.db import Database, migrate
from hotline.dispatch.clock import DeadlineClock
from hotline.dispatch.workflow import Dispatcher
from hotline.domain.lifecycle import Lifecycle
from hotline.domain.tickets import TicketDesk

FILED = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Beijing
CITY_MANAGEMENT = "dept:city_management_commission"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    db: Database
    desk: TicketDesk
    dispatcher: Dispatcher
    deadline_clock: DeadlineClock
    clock: Clock

    def __iter__(self) -> Iterator[object]:  # unpack as (db, desk, dispatcher, clock)
        return iter((self.db, self.desk, self.dispatcher, self.clock))


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    db = Database(database_url)
    migrate(db.engine)
    clock = Clock(FILED)
    taxonomy, gazetteer = load_taxonomy(), load_gazetteer()
    desk = TicketDesk(db, taxonomy, gazetteer, clock=clock)
    lifecycle = Lifecycle(db, clock=clock)
    dispatcher = Dispatcher(db, units=desk.units, taxonomy=taxonomy, gazetteer=gazetteer, lifecycle=lifecycle,
                            rules=desk.rules, clock=clock)
    yield World(db, desk, dispatcher, DeadlineClock(db, rules=desk.rules, clock=clock), clock)
    db.dispose()
