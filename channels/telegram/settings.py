"""The Telegram channel's settings, read once from the environment (secrets only from there).

Two secrets are derived from the bot token when not given, so the channel is never open:
the webhook's secret token (``TELEGRAM_SECRET_TOKEN``, sent back by Telegram in
``X-Telegram-Bot-Api-Secret-Token``) and the key that signs media links. A file_id only works
with the bot that received it, so tying the media key to the bot token loses nothing.
"""

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_API_BASE_URL = "https://api.telegram.org"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
WEBHOOK_PATH = "/webhooks/telegram/webhook"
PLACEHOLDERS = frozenset({"", "changeme", "change-me", "token", "secret", "test"})
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts
_BOT_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class TelegramSettingsError(RuntimeError):
    """The Telegram configuration cannot be used."""


def _derived(token: str, purpose: str) -> str:
    return hmac.new(token.encode(), f"hotline-telegram:{purpose}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class TelegramSettings:
    """Everything the connector needs; ``webhook_url`` unset means long polling."""

    bot_token: str
    secret_token: str = ""                     # "" -> derived from the bot token
    api_base_url: str = DEFAULT_API_BASE_URL
    webhook_url: str | None = None
    public_url: str = DEFAULT_RASA_URL         # where media links point (our Rasa server)
    redis_url: str | None = None
    environment: str = "development"
    max_body_bytes: int = 128 * 1024
    per_chat_interval_seconds: float = 1.0
    overall_per_second: int = 25
    poll_timeout_seconds: int = 25
    api_timeout_seconds: float = 10.0

    @property
    def bot_id(self) -> str:
        """The numeric part of the token: public, names the bot's Redis keys."""
        return self.bot_token.split(":", 1)[0]

    @property
    def webhook_secret(self) -> str:
        return self.secret_token or _derived(self.bot_token, "webhook")[:64]

    @property
    def media_key(self) -> bytes:
        return _derived(self.bot_token, "media").encode()

    @property
    def polling(self) -> bool:
        return self.webhook_url is None

    def check(self) -> None:
        """Refuse settings that cannot work, and placeholder secrets outside development.

        Raises:
            TelegramSettingsError: naming every variable to fix.
        """
        bad = []
        if not _BOT_TOKEN.match(self.bot_token):
            bad.append("TELEGRAM_BOT_TOKEN (<bot id>:<secret> from @BotFather)")
        if self.secret_token and not _SECRET_TOKEN.match(self.secret_token):
            bad.append("TELEGRAM_SECRET_TOKEN (1-256 of A-Z a-z 0-9 _ -)")
        if self.webhook_url is not None and urlsplit(self.webhook_url).scheme not in ("http", "https"):
            bad.append("TELEGRAM_WEBHOOK_URL (an https URL ending in /webhooks/telegram/webhook)")
        if urlsplit(self.public_url).scheme not in ("http", "https"):
            bad.append("TELEGRAM_PUBLIC_URL (http(s) origin of this Rasa server)")
        if self.environment != "development":
            if self.bot_token.split(":", 1)[-1].lower() in PLACEHOLDERS:
                bad.append("TELEGRAM_BOT_TOKEN (a real token)")
            if self.secret_token.lower() in PLACEHOLDERS - {""}:
                bad.append("TELEGRAM_SECRET_TOKEN (a real secret, or unset to derive one)")
        if bad:
            raise TelegramSettingsError(f"Telegram channel misconfigured: {', '.join(bad)}")


def telegram_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """The channel runs when TELEGRAM_BOT_TOKEN is set."""
    env = os.environ if environ is None else environ
    return bool(env.get("TELEGRAM_BOT_TOKEN"))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def load_telegram_settings(environ: Mapping[str, str] | None = None) -> TelegramSettings:
    """Build the settings from ``environ`` (default: the process environment) and check them."""
    env = os.environ if environ is None else environ
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL") or None
    public_url = (env.get("TELEGRAM_PUBLIC_URL") or (webhook_url and _origin(webhook_url))
                  or env.get("RASA_URL") or DEFAULT_RASA_URL)
    settings = TelegramSettings(
        bot_token=env.get("TELEGRAM_BOT_TOKEN", ""),
        secret_token=env.get("TELEGRAM_SECRET_TOKEN", ""),
        api_base_url=(env.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL).rstrip("/"),
        webhook_url=webhook_url,
        public_url=public_url.rstrip("/"),
        redis_url=env.get("REDIS_URL") or None,
        environment=env.get("HOTLINE_ENV", "development"),
    )
    settings.check()
    return settings
