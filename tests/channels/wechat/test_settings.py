"""WeChat settings from the environment."""


import pytest
from rasa.shared.exceptions import RasaException

from channels.wechat.connector import WeChatInput
from channels.wechat.settings import WeChatSettingsError, load_wechat_settings, wechat_enabled

ENV = {"WECHAT_TOKEN": "a-real-token-1234", "WECHAT_APP_ID": "wx5e1f2d3c4b5a6978",
       "WECHAT_APP_SECRET": "0123456789abcdef0123456789abcdef"}


def test_settings_from_the_environment() -> None:
    settings = load_wechat_settings({**ENV, "WECHAT_AES_KEY": "a" * 43, "WECHAT_API_BASE_URL": "http://proxy:8080/",
                                     "WECHAT_TEMPLATE_RESOLVED": "tmpl", "REDIS_URL": "redis://r:6379/0"})
    assert settings.safe_mode and settings.api_base_url == "http://proxy:8080"
    assert settings.template_resolved == "tmpl" and settings.redis_url == "redis://r:6379/0"
    assert settings.reply_deadline_seconds == 4.0 and settings.window_messages == 5
    assert load_wechat_settings({**ENV, "WECHAT_WINDOW_MESSAGES": "20"}).window_messages == 20
    plain = load_wechat_settings(ENV)
    assert not plain.safe_mode and plain.api_base_url == "https://api.weixin.qq.com" and plain.redis_url is None


@pytest.mark.parametrize("changes, named", [
    ({"WECHAT_AES_KEY": "too-short"}, "WECHAT_AES_KEY"),
    ({"WECHAT_REPLY_DEADLINE_SECONDS": "5"}, "WECHAT_REPLY_DEADLINE_SECONDS"),
    ({"WECHAT_WINDOW_MESSAGES": "-1"}, "WECHAT_WINDOW_MESSAGES"),
    ({"HOTLINE_ENV": "production", "WECHAT_APP_SECRET": ""}, "WECHAT_APP_SECRET"),
    ({"HOTLINE_ENV": "production", "WECHAT_TOKEN": "changeme"}, "WECHAT_TOKEN"),
])
def test_unusable_settings_stop_the_start(changes: dict[str, str], named: str) -> None:
    with pytest.raises(WeChatSettingsError, match=named):
        load_wechat_settings({**ENV, **changes})


def test_placeholder_secrets_are_fine_in_development() -> None:
    assert load_wechat_settings({**ENV, "WECHAT_APP_SECRET": ""}).app_secret == ""


def test_enabled_only_with_token_and_app_id(monkeypatch: pytest.MonkeyPatch) -> None:
    assert wechat_enabled(ENV) and not wechat_enabled({"WECHAT_TOKEN": "t"}) and not wechat_enabled({})
    monkeypatch.delenv("WECHAT_TOKEN", raising=False)
    with pytest.raises(RasaException):
        WeChatInput.from_credentials(None)

