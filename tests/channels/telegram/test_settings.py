"""Telegram settings from the environment."""


import pytest
from rasa.shared.exceptions import RasaException

from channels.telegram.connector import TelegramInput
from channels.telegram.settings import TelegramSettingsError, load_telegram_settings, telegram_enabled

ENV = {"TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"}


def test_defaults_poll_and_link_media_to_the_local_rasa() -> None:
    settings = load_telegram_settings(ENV)
    assert settings.polling and settings.api_base_url == "https://api.telegram.org"
    assert settings.public_url == "http://127.0.0.1:5005" and settings.bot_id == "123456789"
    assert len(settings.webhook_secret) == 64 and settings.webhook_secret not in ENV["TELEGRAM_BOT_TOKEN"]
    assert load_telegram_settings({**ENV, "RASA_URL": "http://127.0.0.1:5999"}).public_url == "http://127.0.0.1:5999"


def test_webhook_mode_and_public_url() -> None:
    settings = load_telegram_settings({**ENV, "TELEGRAM_WEBHOOK_URL": "https://bot.example/webhooks/telegram/webhook",
                                       "TELEGRAM_SECRET_TOKEN": "s3cret_-token", "TELEGRAM_API_BASE_URL": "http://api:8081/",
                                       "REDIS_URL": "redis://r:6379/0"})
    assert not settings.polling and settings.webhook_secret == "s3cret_-token"
    assert settings.public_url == "https://bot.example" and settings.api_base_url == "http://api:8081"
    assert load_telegram_settings({**ENV, "TELEGRAM_WEBHOOK_URL": "https://bot.example/webhooks/telegram/webhook",
                                   "TELEGRAM_PUBLIC_URL": "https://media.example/"}).public_url == "https://media.example"


@pytest.mark.parametrize("changes, named", [
    ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_SECRET_TOKEN": "has spaces"}, "TELEGRAM_SECRET_TOKEN"),
    ({"TELEGRAM_WEBHOOK_URL": "bot.example/hook"}, "TELEGRAM_WEBHOOK_URL"),
    ({"HOTLINE_ENV": "production", "TELEGRAM_SECRET_TOKEN": "changeme"}, "TELEGRAM_SECRET_TOKEN"),
    ({"HOTLINE_ENV": "production", "TELEGRAM_BOT_TOKEN": "1:token"}, "TELEGRAM_BOT_TOKEN"),
])
def test_unusable_settings_stop_the_start(changes: dict[str, str], named: str) -> None:
    with pytest.raises(TelegramSettingsError, match=named):
        load_telegram_settings({**ENV, **changes})


def test_enabled_only_with_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    assert telegram_enabled(ENV) and not telegram_enabled({})
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(RasaException):
        TelegramInput.from_credentials(None)

