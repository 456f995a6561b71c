"""Which input channels run: credentials.yml plus the platforms whose settings the environment holds.

The web chat and the REST channel are always in ``credentials.yml``. WeChat runs when
``WECHAT_TOKEN`` and ``WECHAT_APP_ID`` are set, Telegram when ``TELEGRAM_BOT_TOKEN`` is. The
sections added carry no secrets: each channel reads its settings from the environment itself.
"""

import re
from collections.abc import Mapping
from pathlib import Path

from channels.telegram.settings import telegram_enabled
from channels.wechat.settings import wechat_enabled

WECHAT_KEY = "channels.wechat.WeChatInput"
TELEGRAM_KEY = "channels.telegram.TelegramInput"


def environment_channels(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(credentials key, why) for every platform channel the environment switches on."""
    channels = []
    if wechat_enabled(environ):
        channels.append((WECHAT_KEY, "WECHAT_TOKEN and WECHAT_APP_ID are set"))
    if telegram_enabled(environ):
        channels.append((TELEGRAM_KEY, "TELEGRAM_BOT_TOKEN is set"))
    return channels


def _has_section(text: str, key: str) -> bool:
    return re.search(rf"^{re.escape(key)}\s*:", text, flags=re.MULTILINE) is not None


def compose_credentials(base: str, environ: Mapping[str, str]) -> str:
    """``base`` (a credentials file's text) with a section for each channel the environment switches on.

    A channel the base file already configures is left as it is.
    """
    text = base
    for key, why in environment_channels(environ):
        if not _has_section(text, key):
            text = f"{text.rstrip()}\n\n# {why}\n{key}:\n"
    return text


def write_credentials(base_file: Path, environ: Mapping[str, str], folder: Path) -> Path:
    """Write the composed credentials into ``folder`` and return the file's path."""
    path = folder / "credentials.yml"
    path.write_text(compose_credentials(base_file.read_text(encoding="utf-8"), environ), encoding="utf-8")
    return path
