"""Photos as links that carry no secret: ``/webhooks/telegram/media/<signed file_id>`` on our server.

Telegram's own file link (``https://api.telegram.org/file/bot<TOKEN>/<path>``) contains the bot
token, and the path it names expires after an hour: neither may go into a ticket. The file_id,
on the other hand, stays valid for our bot and is useless without the token. So the appeal's
``media_url`` is a route on this Rasa server whose last segment is the file_id plus an HMAC of
it (key derived from the bot token, channels/telegram/settings.py): nobody can make up links or
use the route to fetch other files, and nothing needs storing. On each request the route asks
the Bot API for the file (getFile) and streams the download through, at most 20 MB (the Bot
API's own limit), with the type from the file's extension. The link is a capability: whoever has
it (operators, through the ticket) can see the photo, like any attachment URL in Open311.
Its host is ``TELEGRAM_PUBLIC_URL`` (else TELEGRAM_WEBHOOK_URL's origin, else the local Rasa URL).
"""

import asyncio
import base64
import binascii
import hashlib
import hmac
import logging
import mimetypes

import httpx
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot
from telegram.error import TelegramError

logger = logging.getLogger(__name__)
MAC_BYTES = 16
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_MEDIA_URL = 1000  # what the backend accepts as Open311 media_url
MEDIA_ROUTE = "/webhooks/telegram/media"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, file_id: str) -> bytes:
    return hmac.new(key, f"media:{file_id}".encode(), hashlib.sha256).digest()[:MAC_BYTES]


def media_token(key: bytes, file_id: str) -> str:
    """``<file_id, base64url>.<HMAC, base64url>``."""
    return f"{_b64(file_id.encode())}.{_b64(_mac(key, file_id))}"


def file_id_of(key: bytes, token: str) -> str | None:
    """The file_id a token was made for, or None if the token is not ours (compared in constant time)."""
    encoded, _, mac = token.partition(".")
    try:
        file_id = _unb64(encoded).decode()
        given = _unb64(mac)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return file_id if file_id and hmac.compare_digest(given, _mac(key, file_id)) else None


def media_url(public_url: str, key: bytes, file_id: str) -> str | None:
    """The link for an appeal's media_url, None if it would be longer than the backend takes."""
    url = f"{public_url.rstrip('/')}{MEDIA_ROUTE}/{media_token(key, file_id)}"
    return url if len(url) <= MAX_MEDIA_URL else None


class MediaProxy:
    """Serves a signed media link: getFile, then the download streamed through."""

    def __init__(self, bot: Bot, key: bytes, *, timeout: float = 20.0) -> None:
        self.bot, self.key, self.timeout = bot, key, timeout
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client, self._loop = httpx.AsyncClient(timeout=self.timeout), loop
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def serve(self, request: Request, token: str) -> HTTPResponse | None:
        file_id = file_id_of(self.key, token)
        if file_id is None:
            return response.text("not found", status=404)
        try:
            telegram_file = await self.bot.get_file(file_id)
        except TelegramError as error:
            logger.warning("Telegram getFile failed for a media link: %s", error)
            return response.text("the file is not available", status=502)
        if not telegram_file.file_path or (telegram_file.file_size or 0) > MAX_FILE_BYTES:
            return response.text("the file is not available", status=502)
        path = telegram_file.file_path
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff",
                   "Content-Disposition": "inline"}
        streamed = None
        try:
            async with self._http().stream("GET", path) as download:
                if download.status_code != 200:
                    logger.warning("Telegram file download answered %s", download.status_code)
                    return response.text("the file is not available", status=502)
                streamed = await request.respond(content_type=content_type, headers=headers)
                sent = 0
                async for chunk in download.aiter_bytes():
                    sent += len(chunk)
                    if sent > MAX_FILE_BYTES:
                        break
                    await streamed.send(chunk)
                await streamed.eof()
        except httpx.HTTPError as error:  # the URL holds the token: log only the kind of error
            logger.warning("Telegram file download failed: %s", type(error).__name__)
            if streamed is None:
                return response.text("the file is not available", status=502)
            await streamed.eof()  # cut short: the client sees a truncated body
        return None
