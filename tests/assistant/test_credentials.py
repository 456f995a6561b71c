"""The start command switches on the WeChat and Telegram channels that the environment configures."""

from pathlib import Path

from assistant.credentials import TELEGRAM_KEY, WECHAT_KEY, compose_credentials, environment_channels, write_credentials

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_ENV = {"TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"}
WECHAT_ENV = {"WECHAT_TOKEN": "a-real-token-1234", "WECHAT_APP_ID": "wx5e1f2d3c4b5a6978",
              "WECHAT_APP_SECRET": "0123456789abcdef0123456789abcdef"}


def test_telegram_is_added_to_the_credentials_only_when_configured(tmp_path: Path) -> None:
    without = write_credentials(ROOT / "credentials.yml", {}, tmp_path).read_text(encoding="utf-8")
    assert f"\n{TELEGRAM_KEY}:" not in without
    with_telegram = write_credentials(ROOT / "credentials.yml", TELEGRAM_ENV, tmp_path).read_text(encoding="utf-8")
    assert with_telegram.startswith(without.rstrip()) and with_telegram.endswith(f"\n{TELEGRAM_KEY}:\n")
    assert TELEGRAM_ENV["TELEGRAM_BOT_TOKEN"] not in with_telegram


def test_wechat_is_added_to_the_credentials_only_when_configured(tmp_path: Path) -> None:
    without = write_credentials(ROOT / "credentials.yml", {}, tmp_path).read_text(encoding="utf-8")
    assert f"\n{WECHAT_KEY}:" not in without and "channels.webchat.WebChatInput:" in without
    with_wechat = write_credentials(ROOT / "credentials.yml", WECHAT_ENV, tmp_path).read_text(encoding="utf-8")
    assert with_wechat.startswith(without.rstrip()) and with_wechat.endswith(f"\n{WECHAT_KEY}:\n")
    assert WECHAT_ENV["WECHAT_APP_SECRET"] not in with_wechat and WECHAT_ENV["WECHAT_TOKEN"] not in with_wechat


def test_both_platforms_and_the_base_channels() -> None:
    text = compose_credentials("rest:\nchannels.webchat.WebChatInput:\n", {**TELEGRAM_ENV, **WECHAT_ENV})
    assert text.startswith("rest:\nchannels.webchat.WebChatInput:\n")
    assert f"\n{WECHAT_KEY}:\n" in text and text.endswith(f"\n{TELEGRAM_KEY}:\n")
    assert [key for key, _ in environment_channels({**TELEGRAM_ENV, **WECHAT_ENV})] == [WECHAT_KEY, TELEGRAM_KEY]


def test_a_channel_the_file_already_names_is_not_added_twice() -> None:
    base = f"rest:\n{TELEGRAM_KEY}:\n  extra: 1\n"
    assert compose_credentials(base, TELEGRAM_ENV) == base


def test_wechat_needs_both_token_and_app_id() -> None:
    assert environment_channels({"WECHAT_TOKEN": "t"}) == []
    assert environment_channels({"WECHAT_APP_ID": "wx1"}) == []
