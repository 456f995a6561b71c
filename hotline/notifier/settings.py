"""The notifier's settings, read once from the environment."""

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.rasa_jwt import DEV_RASA_JWT_SECRET
from hotline.config import ROOT, SettingsError


def _consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True)
class NotifierSettings:
    environment: str = "development"
    redis_url: str = "redis://127.0.0.1:6379/0"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_jwt_secret: str = DEV_RASA_JWT_SECRET  # signs the notifier's JWTs for Rasa's HTTP API
    stream: str = "hotline:events"
    dead_stream: str = "hotline:events:dead"
    group: str = "notifier"
    consumer: str = field(default_factory=_consumer_name)
    claim_idle_ms: int = 60_000  # a pending entry idle this long belongs to a dead consumer
    max_attempts: int = 8  # failed deliveries before the dead-letter stream
    backoff_seconds: float = 0.5  # first retry; doubles up to backoff_cap_seconds, with jitter
    backoff_cap_seconds: float = 60.0
    rasa_timeout_seconds: float = 10.0
    max_in_flight: int = 64  # entries handled at once (one at a time per resident)
    reminder_hours: float = 24.0
    expiry_hours: float = 72.0
    reminder_poll_seconds: float = 1.0
    data_dir: Path = ROOT / "bot" / "data"

    def check(self) -> None:
        """Refuse the development JWT secret outside development.

        Raises:
            SettingsError: RASA_JWT_SECRET is the public placeholder or too short.
        """
        if self.environment != "development" and (self.rasa_jwt_secret == DEV_RASA_JWT_SECRET
                                                  or len(self.rasa_jwt_secret) < 16):
            raise SettingsError(f"RASA_JWT_SECRET must be set when HOTLINE_ENV={self.environment}")


def load_notifier_settings(environ: Mapping[str, str] | None = None) -> NotifierSettings:
    """Build settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    d = NotifierSettings()
    return NotifierSettings(
        environment=env.get("HOTLINE_ENV", d.environment).strip().lower(),
        redis_url=env.get("REDIS_URL", d.redis_url),
        rasa_url=env.get("RASA_URL", d.rasa_url).rstrip("/"),
        rasa_jwt_secret=env.get("RASA_JWT_SECRET", d.rasa_jwt_secret),
        consumer=env.get("NOTIFIER_CONSUMER", d.consumer),
        claim_idle_ms=int(env.get("NOTIFIER_CLAIM_IDLE_MS", d.claim_idle_ms)),
        max_attempts=int(env.get("NOTIFIER_MAX_ATTEMPTS", d.max_attempts)),
        backoff_seconds=float(env.get("NOTIFIER_BACKOFF_SECONDS", d.backoff_seconds)),
        backoff_cap_seconds=float(env.get("NOTIFIER_BACKOFF_CAP_SECONDS", d.backoff_cap_seconds)),
        rasa_timeout_seconds=float(env.get("NOTIFIER_RASA_TIMEOUT_SECONDS", d.rasa_timeout_seconds)),
        max_in_flight=int(env.get("NOTIFIER_MAX_IN_FLIGHT", d.max_in_flight)),
        reminder_hours=float(env.get("SURVEY_REMINDER_HOURS", d.reminder_hours)),
        expiry_hours=float(env.get("SURVEY_EXPIRY_HOURS", d.expiry_hours)),
    )
