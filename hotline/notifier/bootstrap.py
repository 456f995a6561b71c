"""The one place where the notifier's real adapters are built and wired; ``main`` runs the process."""

import asyncio
import logging
import signal
import sys
from collections import Counter
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.taxonomy import load_taxonomy
from hotline.config import SettingsError
from hotline.domain.tickets import Clock, utcnow
from hotline.notifier.event_stream import EventStream, StreamNames
from hotline.notifier.note_translation import TranslateNote, load_translator
from hotline.notifier.notifier import Notifier, Sleep
from hotline.notifier.rasa_client import RasaClient
from hotline.notifier.reminder_store import ReminderStore
from hotline.notifier.settings import NotifierSettings, load_notifier_settings
from hotline.notifier.survey_reminders import Backoff, SurveyReminders

log = logging.getLogger("hotline.notifier")


@dataclass
class Wired:
    notifier: Notifier
    redis: "Redis"
    rasa: RasaClient

    async def close(self) -> None:
        await self.rasa.close()
        await self.redis.aclose()


def build_notifier(settings: NotifierSettings, *, clock: Clock | None = None, translate: TranslateNote | None = None,
                   sleep: Sleep = asyncio.sleep) -> Wired:
    """Build the notifier from ``settings``; tests pass a clock, a translator or a sleep of their own."""
    client = Redis.from_url(settings.redis_url, decode_responses=True, socket_timeout=10,
                            socket_connect_timeout=5, health_check_interval=30)
    rasa = RasaClient(settings.rasa_url, settings.rasa_jwt_secret, timeout=settings.rasa_timeout_seconds)
    stream = EventStream(client, StreamNames(settings.stream, settings.dead_stream, settings.group, settings.consumer))
    backoff = Backoff(settings.backoff_seconds, settings.backoff_cap_seconds)
    counts: Counter[str] = Counter()
    surveys = SurveyReminders(store=ReminderStore(client), rasa=rasa, stream=stream, clock=clock or utcnow,
                              backoff=backoff, reminder_hours=settings.reminder_hours,
                              expiry_hours=settings.expiry_hours, max_attempts=settings.max_attempts,
                              lease_seconds=settings.claim_idle_ms / 1000, counts=counts)
    departments = load_taxonomy(settings.data_dir / "taxonomy.json").departments
    notifier = Notifier(stream=stream, rasa=rasa, surveys=surveys, departments=departments, backoff=backoff,
                        max_attempts=settings.max_attempts, claim_idle_ms=settings.claim_idle_ms,
                        max_in_flight=settings.max_in_flight, translate=translate or load_translator(),
                        sleep=sleep, counts=counts, shutdown_grace_seconds=settings.rasa_timeout_seconds + 5)
    return Wired(notifier, client, rasa)


async def serve(settings: NotifierSettings) -> None:
    wired = build_notifier(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await wired.notifier.run(stop, reminder_poll_seconds=settings.reminder_poll_seconds)
    finally:
        await wired.close()
        log.info("notifier stopped: %s", dict(wired.notifier.counts))


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry Rasa's token
    settings = load_notifier_settings()
    try:
        settings.check()
    except SettingsError as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 2
    print(f"notifier {settings.consumer}: {settings.stream} (group {settings.group}) -> Rasa {settings.rasa_url}; "
          f"survey reminder after {settings.reminder_hours:g} h, expiry {settings.expiry_hours:g} h", flush=True)
    asyncio.run(serve(settings))
    return 0
