"""The notifier: ``hotline:events`` in, Rasa ``trigger_intent`` out, at most one message per event.

Each entry runs in its own task, one at a time per resident (their messages keep their order; one
resident's retries hold up no one else). An entry is acknowledged only after Rasa accepted it, or
when it is skipped or dead-lettered; entries being retried are kept claimed (their idle time reset)
so other notifiers leave them alone, while the entries of a notifier that died are taken over by
XAUTOCLAIM once idle for ``claim_idle_ms``.

Stopping (SIGTERM, SIGINT): nothing new is read; deliveries in hand finish and are acknowledged
(up to ``shutdown_grace_seconds``); entries waiting to be retried stay pending, unleased, for
another notifier; the consumer leaves the group when it holds nothing pending.
"""

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.taxonomy import Names
from hotline.notifier.event_plan import UPDATE_INTENT, CancelReminder, Event, Notify, Skip, plan
from hotline.notifier.event_stream import EventStream
from hotline.notifier.note_translation import TranslateNote, no_translation
from hotline.notifier.rasa_client import RasaClient, RasaMisconfigured, RasaRejected, RasaUnavailable
from hotline.notifier.survey_reminders import Backoff, SurveyReminders

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
READ_COUNT = 100
READ_BLOCK_MS = 1000
DELIVERED = ""


class Notifier:
    def __init__(self, *, stream: EventStream, rasa: RasaClient, surveys: SurveyReminders,
                 departments: Mapping[str, Names], backoff: Backoff, max_attempts: int, claim_idle_ms: int,
                 max_in_flight: int = 64, translate: TranslateNote = no_translation,
                 sleep: Sleep = asyncio.sleep, counts: Counter[str] | None = None,
                 shutdown_grace_seconds: float = 15.0) -> None:
        self.stream, self.rasa, self.surveys, self.departments = stream, rasa, surveys, departments
        self.backoff, self.max_attempts, self.claim_idle_ms = backoff, max_attempts, claim_idle_ms
        self.max_in_flight, self.translate, self.sleep = max_in_flight, translate, sleep
        self.in_flight: dict[str, asyncio.Task[None]] = {}
        self.lanes: dict[str, asyncio.Lock] = {}
        self.lane_users: Counter[str] = Counter()
        self.counts: Counter[str] = Counter() if counts is None else counts
        self.shutdown_grace_seconds = shutdown_grace_seconds
        self.stopping = asyncio.Event()  # ``run`` replaces it with its ``stop``

    async def poll(self, block_ms: int = READ_BLOCK_MS) -> int:
        """Read new entries once and start handling them; returns how many."""
        while len(self.in_flight) >= self.max_in_flight:
            await asyncio.wait(list(self.in_flight.values()), return_when=asyncio.FIRST_COMPLETED)
        if self.stopping.is_set():
            return 0
        entries = await self.stream.read(min(READ_COUNT, self.max_in_flight - len(self.in_flight)), block_ms)
        for entry_id, fields in entries:
            self.dispatch(entry_id, fields)
        return len(entries)

    async def reclaim(self) -> int:
        """Take over entries a dead notifier left pending (XAUTOCLAIM); returns how many."""
        entries = await self.stream.claim_abandoned(self.claim_idle_ms)
        fresh = [(entry_id, fields) for entry_id, fields in entries if entry_id not in self.in_flight]
        for entry_id, fields in fresh:
            self.dispatch(entry_id, fields)
        if fresh:
            log.info("notifier: took over %d entries left pending", len(fresh))
        return len(fresh)

    async def keep_claimed(self) -> None:
        await self.stream.keep(list(self.in_flight))

    def dispatch(self, entry_id: str, fields: dict[str, str]) -> None:
        if entry_id not in self.in_flight:
            task = asyncio.create_task(self._in_lane(entry_id, fields))
            self.in_flight[entry_id] = task
            task.add_done_callback(lambda _task: self.in_flight.pop(entry_id, None))

    async def drain(self) -> None:
        """Wait for every entry being handled."""
        while self.in_flight:
            await asyncio.wait(list(self.in_flight.values()))

    async def _in_lane(self, entry_id: str, fields: dict[str, str]) -> None:
        lane = _lane_of(fields)
        lock = self.lanes.setdefault(lane, asyncio.Lock())
        self.lane_users[lane] += 1
        try:
            async with lock:
                await self.handle(entry_id, fields)
        except Exception:  # Redis trouble: the entry stays pending and is claimed again later
            log.exception("notifier: entry %s failed; it stays pending", entry_id)
        finally:
            self.lane_users[lane] -= 1
            if not self.lane_users[lane]:
                del self.lane_users[lane], self.lanes[lane]

    async def handle(self, entry_id: str, fields: dict[str, str]) -> None:
        """Deliver, skip or dead-letter one entry, then acknowledge it."""
        try:
            event = Event.from_fields(entry_id, fields)
        except (KeyError, ValueError) as exc:
            await self.stream.dead_letter(entry_id, fields.get("event_id") or entry_id, fields,
                                          reason=f"malformed entry: {exc!r}", attempts=0)
            self.counts["dead"] += 1
            return
        if await self.stream.is_done(event.event_id):
            await self.stream.ack(entry_id)
            self.counts["duplicate"] += 1
            return
        action = plan(event, self.departments)
        if isinstance(action, Skip):
            log.debug("notifier: %s %s skipped: %s", event.event_type, event.event_id, action.reason)
            if await self.stream.finish(entry_id, event.event_id, "skipped"):
                self.counts["skipped"] += 1
            else:
                self.counts["duplicate"] += 1
        elif isinstance(action, CancelReminder):
            await self.surveys.cancel(action.ticket_id)
            await self.stream.finish(entry_id, event.event_id, "handled")
        else:
            await self._deliver(event, action)

    async def _deliver(self, event: Event, action: Notify) -> None:
        entities = dict(action.entities)
        if entities["note"] and entities["note_language"] not in ("", action.language):
            entities["note_translated"] = await asyncio.to_thread(
                self.translate, entities["note"], entities["note_language"], action.language)
        failure = await self._send(event.event_id, action, entities)
        if failure == DELIVERED:
            if action.survey:
                await self.surveys.schedule(event.event_id, event.ticket_id, action.sender_id, action.output_channel)
            elif action.ends_survey:
                await self.surveys.cancel(event.ticket_id)
            await self.stream.finish(event.entry_id, event.event_id, "delivered")  # under the lease: the first
            self.counts["delivered"] += 1
        elif failure is not None:
            attempts = await self.stream.attempts(event.event_id)
            log.error("notifier: event %s dead-lettered after %d attempts: %s", event.event_id, attempts, failure)
            fields = {"event_type": event.event_type, "payload": json.dumps(event.payload, ensure_ascii=False)}
            await self.stream.dead_letter(event.entry_id, event.event_id, fields, reason=failure, attempts=attempts)
            self.counts["dead"] += 1

    async def _send(self, event_id: str, action: Notify, entities: dict[str, Any]) -> str | None:
        """DELIVERED once Rasa accepted; else why to dead-letter; None when another notifier finished it
        or this one is stopping (the entry stays pending)."""
        while True:
            if await self.stream.is_done(event_id):
                return None
            if not await self.stream.take_lease(event_id, self.claim_idle_ms):
                # another notifier is sending it right now, or died doing so
                if not await self._pause(1.0):
                    return None
                continue
            keeper = asyncio.create_task(self._keep_lease(event_id))
            try:
                await self.rasa.trigger(action.sender_id, action.output_channel, UPDATE_INTENT, entities)
                return DELIVERED
            except RasaRejected as exc:
                return f"Rasa refused the request: {exc}"
            except RasaMisconfigured as exc:
                log.error("notifier: RASA MISCONFIGURED (check RASA_JWT_SECRET and the model's intents); "
                          "event %s waits: %s", event_id, exc)
                delay = self.backoff.cap
            except RasaUnavailable as exc:
                attempts = await self.stream.failed_attempt(event_id)
                if attempts >= self.max_attempts:
                    return f"Rasa unavailable after {attempts} attempts: {exc}"
                delay = self.backoff.delay(attempts)
                log.warning("notifier: event %s attempt %d failed (%s); retry in %.1f s", event_id, attempts,
                            exc, delay)
            finally:
                keeper.cancel()
            await self.stream.release_lease(event_id)
            self.counts["retry"] += 1
            if not await self._pause(delay):
                log.info("notifier: stopping; event %s stays pending for another notifier", event_id)
                return None

    async def _keep_lease(self, event_id: str) -> None:
        """While Rasa takes its time: the lease stays ours, so no one who took the entry over sends it again."""
        while True:
            await asyncio.sleep(self.claim_idle_ms / 1000 / 3)
            await self.stream.extend_lease(event_id, self.claim_idle_ms)

    async def _pause(self, seconds: float) -> bool:
        """Sleep ``seconds``, cut short by a stop; False when stopping."""
        if self.stopping.is_set():
            return False
        sleeping = asyncio.ensure_future(self.sleep(seconds))
        stopped = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({sleeping, stopped}, return_when=asyncio.FIRST_COMPLETED)
        sleeping.cancel()
        stopped.cancel()
        return not self.stopping.is_set()

    async def run(self, stop: asyncio.Event, *, reminder_poll_seconds: float = 1.0) -> None:
        """Work until ``stop`` is set; then wind down (see the module's docstring)."""
        self.stopping = stop
        await self.stream.ensure_group()
        every = self.claim_idle_ms / 1000 / 3
        loops = [asyncio.create_task(_every(every, self.reclaim, stop)),
                 asyncio.create_task(_every(every, self.keep_claimed, stop)),
                 asyncio.create_task(_every(reminder_poll_seconds, self.surveys.fire_due, stop))]
        try:
            while not stop.is_set():
                try:
                    await self.poll()
                except Exception:
                    log.exception("notifier: reading the stream failed; retrying")
                    await asyncio.sleep(1.0)
        finally:
            await self._wind_down(loops)

    async def _wind_down(self, loops: list[asyncio.Task[None]]) -> None:
        """Let the periodic steps and the deliveries in hand finish, then leave the group if nothing is pending."""
        busy = [*loops, *self.in_flight.values()]
        if busy:
            await asyncio.wait(busy, timeout=self.shutdown_grace_seconds)
        for loop in loops:
            loop.cancel()
        if self.in_flight:
            log.warning("notifier: %d entries unfinished after %.0f s; they stay pending for another notifier",
                        len(self.in_flight), self.shutdown_grace_seconds)
        try:
            if await self.stream.leave():
                log.info("notifier: left the consumer group")
        except Exception as exc:  # Redis down: the consumer stays listed, harmlessly
            log.warning("notifier: could not leave the consumer group: %s", exc)


async def _every(seconds: float, step: Callable[[], Awaitable[Any]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await step()
        except Exception:
            log.exception("notifier: %s failed; retrying", getattr(step, "__name__", "a step"))
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass


def _lane_of(fields: Mapping[str, str]) -> str:
    """One resident's entries go one at a time (malformed entries share one lane)."""
    try:
        payload = Event.from_fields("", fields).payload
    except (KeyError, ValueError):
        return "malformed"
    return f"{payload.get('channel')}:{payload.get('channel_user_id') or payload.get('service_request_id')}"
