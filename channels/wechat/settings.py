"""The WeChat channel's settings, read once from the environment (secrets only from there)."""

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com"
PLACEHOLDERS = frozenset({"", "changeme", "change-me", "token", "secret", "test"})
AES_KEY_CHARS = 43  # WeChat's EncodingAESKey: 43 base64 characters (32 bytes)


class WeChatSettingsError(RuntimeError):
    """The WeChat configuration cannot be used."""


@dataclass(frozen=True)
class WeChatSettings:
    """Everything the connector needs; ``aes_key`` set means safe mode (encrypted messages)."""

    token: str
    app_id: str
    app_secret: str = ""
    aes_key: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    template_resolved: str | None = None
    redis_url: str | None = None
    environment: str = "development"
    reply_deadline_seconds: float = 4.0
    window_messages: int = 5               # customer-service messages WeChat allows per resident message
    timestamp_window_seconds: int = 300
    max_body_bytes: int = 32 * 1024
    api_timeout_seconds: float = 5.0

    @property
    def safe_mode(self) -> bool:
        return self.aes_key is not None

    def check(self) -> None:
        """Refuse settings that cannot work, and placeholder secrets outside development.

        Raises:
            WeChatSettingsError: naming every variable to fix.
        """
        bad = []
        if not self.token or not self.app_id:
            bad.append("WECHAT_TOKEN and WECHAT_APP_ID (both required)")
        if self.aes_key is not None and len(self.aes_key) != AES_KEY_CHARS:
            bad.append(f"WECHAT_AES_KEY ({AES_KEY_CHARS} characters)")
        if not 0 < self.reply_deadline_seconds < 5:
            bad.append("WECHAT_REPLY_DEADLINE_SECONDS (WeChat waits 5 seconds)")
        if self.window_messages < 0:
            bad.append("WECHAT_WINDOW_MESSAGES (0 or more)")
        if self.environment != "development":
            if self.token.lower() in PLACEHOLDERS:
                bad.append("WECHAT_TOKEN (a real token)")
            if self.app_secret.lower() in PLACEHOLDERS:
                bad.append("WECHAT_APP_SECRET (the official account's AppSecret)")
        if bad:
            raise WeChatSettingsError(f"WeChat channel misconfigured: {', '.join(bad)}")


def wechat_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """The channel runs when both WECHAT_TOKEN and WECHAT_APP_ID are set."""
    env = os.environ if environ is None else environ
    return bool(env.get("WECHAT_TOKEN")) and bool(env.get("WECHAT_APP_ID"))


def load_wechat_settings(environ: Mapping[str, str] | None = None) -> WeChatSettings:
    """Build the settings from ``environ`` (default: the process environment) and check them."""
    env = os.environ if environ is None else environ
    settings = WeChatSettings(
        token=env.get("WECHAT_TOKEN", ""),
        app_id=env.get("WECHAT_APP_ID", ""),
        app_secret=env.get("WECHAT_APP_SECRET", ""),
        aes_key=env.get("WECHAT_AES_KEY") or None,
        api_base_url=(env.get("WECHAT_API_BASE_URL") or DEFAULT_API_BASE_URL).rstrip("/"),
        template_resolved=env.get("WECHAT_TEMPLATE_RESOLVED") or None,
        redis_url=env.get("REDIS_URL") or None,
        environment=env.get("HOTLINE_ENV", "development"),
        reply_deadline_seconds=float(env.get("WECHAT_REPLY_DEADLINE_SECONDS", "4.0")),
        window_messages=int(env.get("WECHAT_WINDOW_MESSAGES", "5")),
    )
    settings.check()
    return settings
