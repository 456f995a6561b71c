"""Survey reminders: one per resolution, SURVEY_REMINDER_HOURS after the survey was asked,
none once the resident rated or the survey expired (SURVEY_EXPIRY_HOURS)."""

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from hotline.domain.tickets import Clock
from hotline.notifier.event_plan import REMINDER_INTENT, reminder_entities
from hotline.notifier.event_stream import EventStream
from hotline.notifier.rasa_client import RasaClient, RasaMisconfigured, RasaRejected, RasaUnavailable
from hotline.notifier.reminder_store import Reminder, ReminderStore, reminder_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Exponential from ``base`` seconds, capped, with jitter (half to all of the step)."""

    base: float
    cap: float
    jitter: Callable[[], float] = random.random

    def delay(self, attempts: int) -> float:
        step = min(self.cap, self.base * 2.0 ** max(0, attempts - 1))
        return step * (0.5 + self.jitter() / 2)


class SurveyReminders:
    def __init__(self, *, store: ReminderStore, rasa: RasaClient, stream: EventStream, clock: Clock,
                 backoff: Backoff, reminder_hours: float, expiry_hours: float, max_attempts: int,
                 lease_seconds: float, counts: Counter[str]) -> None:
        self.store, self.rasa, self.stream, self.clock, self.backoff = store, rasa, stream, clock, backoff
        self.reminder_hours, self.expiry_hours = reminder_hours, expiry_hours
        self.max_attempts, self.lease_seconds, self.counts = max_attempts, lease_seconds, counts

    async def schedule(self, event_id: str, ticket_id: str, sender_id: str, output_channel: str) -> None:
        """The survey for resolution ``event_id`` was just asked: remind once, later, unless it expired."""
        if self.reminder_hours >= self.expiry_hours:
            return
        asked = self.clock()
        reminder = reminder_for(event_id, ticket_id, sender_id, output_channel, asked_at=asked,
                                expiry_hours=self.expiry_hours)
        await self.store.schedule(reminder, asked + timedelta(hours=self.reminder_hours))

    async def cancel(self, ticket_id: str) -> None:
        """The resident rated: no reminder."""
        if await self.store.cancel(ticket_id, self.clock()):
            self.counts["reminder_cancelled"] += 1

    async def fire_due(self) -> int:
        """Send the reminders that are due; returns how many Rasa accepted."""
        now = self.clock()
        due = await self.store.claim_due(now, lease_seconds=self.lease_seconds)
        return sum(await asyncio.gather(*(self._remind(reminder, now) for reminder in due)))

    async def _remind(self, reminder: Reminder, now: datetime) -> bool:
        if reminder.expired(now):
            await self.store.finish(reminder, now)
            self.counts["reminder_expired"] += 1
            return False
        entities = reminder_entities(reminder.reminder_id, reminder.ticket_id, reminder.expires_at)
        try:
            await self.rasa.trigger(reminder.sender_id, reminder.output_channel, REMINDER_INTENT, entities)
        except RasaMisconfigured as exc:
            log.error("notifier: RASA MISCONFIGURED, reminder %s waits: %s", reminder.reminder_id, exc)
            await self.store.retry_later(reminder, now + timedelta(seconds=self.backoff.cap))
            return False
        except (RasaUnavailable, RasaRejected) as exc:
            attempts = reminder.attempts + 1
            if isinstance(exc, RasaUnavailable) and attempts < self.max_attempts:
                later = now + timedelta(seconds=self.backoff.delay(attempts))
                await self.store.retry_later(replace(reminder, attempts=attempts), later)
                return False
            log.error("notifier: reminder %s dead-lettered: %s", reminder.reminder_id, exc)
            await self.stream.dead_letter(None, reminder.reminder_id, reminder.stream_fields(),
                                          reason=str(exc), attempts=attempts)
            await self.store.finish(reminder, now)
            self.counts["dead"] += 1
            return False
        await self.store.finish(reminder, now)
        self.counts["reminder_sent"] += 1
        return True
