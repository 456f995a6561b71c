"""The Telegram channel on python-telegram-bot 22: secret-checked webhook, durable queue, paced replies.

Configured in the credentials file as ``channels.telegram.TelegramInput`` (tools/stack.py adds it
when TELEGRAM_BOT_TOKEN is set); every setting comes from the environment
(channels/telegram/settings.py). One PTB ``Bot`` is built with the channel and initialised
(getMe) when the server starts; its base URL is ``TELEGRAM_API_BASE_URL`` (a self-hosted Bot API
server, or the fake one in tests). Routes under ``/webhooks/telegram/``:

- ``POST /webhook``: an update. ``X-Telegram-Bot-Api-Secret-Token`` must equal the secret given
  to setWebhook (compared in constant time; 403 otherwise, before the body is read); bodies over
  128 KiB get 413, non-updates 400.
- ``GET /media/<signed file_id>``: a resident's photo, fetched from Telegram on demand
  (channels/telegram/media.py explains why tickets hold this link, never Telegram's).
- ``GET /``: health.

Durability before 200: the webhook does no Rasa work. It accepts the update into Redis in one
atomic step, ``SET NX`` on the update_id (48 h) plus ``XADD`` to a stream, and answers 200 only
after that succeeded, for a new update and for a repeat alike. Redis unreachable: 503, and
Telegram delivers the update again later (it keeps trying for up to 24 hours), so nothing is lost
and nothing runs without dedupe. A worker task in the Rasa process consumes the stream in a
consumer group (per chat in order) and acks after the turn; if the process dies in between, the
entry stays pending and is claimed again, and the turn is skipped if Rasa's tracker already has
it (channels/telegram/handler.py). A repeat of an accepted update never reaches the stream, so
the same update sent twice gives one turn and one reply. Redis must persist (AOF, as ``make run``
starts it) for "accepted" to survive a Redis restart.

Without TELEGRAM_WEBHOOK_URL the channel long-polls getUpdates instead (development without a
public URL) and feeds the same queue; with it, it calls setWebhook(url, secret_token) at start.
Answers are paced by channels/telegram/sender.py (1/s per chat, 25/s overall); with REDIS_URL set
the send times are booked in Redis (channels/telegram/shared_limiter.py), so the limits hold for
all Rasa servers of the bot together.
"""

import asyncio
import hmac
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from channels.kit.redis_access import StoreUnavailable
from channels.kit.webhook_body import BodyTooLarge, read_body
from channels.telegram.handler import UpdateHandler, chat_key
from channels.telegram.inbound import is_update_id
from channels.telegram.media import MediaProxy, media_url
from channels.telegram.output import Delivery, TelegramOutput
from channels.telegram.sender import Limiter, RateLimiter, Sender
from channels.telegram.settings import TelegramSettings, load_telegram_settings, telegram_enabled
from channels.telegram.shared_limiter import SharedRateLimiter
from channels.telegram.store import MemoryStore, RedisStore, TelegramStore
from channels.telegram.worker import ALLOWED_UPDATES, Worker, poll

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def build_bot(settings: TelegramSettings) -> Bot:
    """The one Bot of the process, on ``TELEGRAM_API_BASE_URL``."""
    return Bot(settings.bot_token, base_url=f"{settings.api_base_url}/bot",
               base_file_url=f"{settings.api_base_url}/file/bot",
               request=HTTPXRequest(connection_pool_size=64, read_timeout=settings.api_timeout_seconds,
                                    connect_timeout=settings.api_timeout_seconds),
               get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=settings.api_timeout_seconds))


def build_limiter(settings: TelegramSettings) -> Limiter:
    """Send times booked in Redis for every server when REDIS_URL is set, else in this process."""
    if settings.redis_url:
        return SharedRateLimiter(settings.redis_url, bot_id=settings.bot_id,
                                 per_chat_interval=settings.per_chat_interval_seconds,
                                 overall_per_second=settings.overall_per_second)
    return RateLimiter(per_chat_interval=settings.per_chat_interval_seconds,
                       overall_per_second=settings.overall_per_second)


async def _turn_recorded(app: Sanic, sender_id: str, message_id: str) -> bool:
    """Whether Rasa's tracker already holds the user turn ``message_id`` (after a crash)."""
    agent = getattr(app.ctx, "agent", None)
    tracker_store = getattr(agent, "tracker_store", None)
    if tracker_store is None:
        return False
    tracker = await tracker_store.retrieve(sender_id)
    return tracker is not None and any(isinstance(event, UserUttered) and event.message_id == message_id
                                       for event in tracker.events)


class TelegramInput(InputChannel):
    """Telegram's webhook (or long polling): verify, dedupe, queue; the worker hands updates to Rasa."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Settings come from the environment; the credentials section only switches the channel on."""
        if not telegram_enabled():
            raise RasaException("the Telegram channel needs TELEGRAM_BOT_TOKEN in the environment")
        return cls(load_telegram_settings())

    def __init__(self, settings: TelegramSettings, *, bot: Bot | None = None, store: TelegramStore | None = None,
                 limiter: Limiter | None = None, concurrency: int = 16) -> None:
        self.settings = settings
        self.bot = bot or build_bot(settings)
        self.store: TelegramStore = store or (RedisStore(settings.redis_url, bot_id=settings.bot_id)
                                              if settings.redis_url else MemoryStore())
        self.sender = Sender(limiter or build_limiter(settings), self.store)
        self.delivery = Delivery(self.bot, self.sender, self.store)
        self.media = MediaProxy(self.bot, settings.media_key)
        self.concurrency = concurrency
        self.worker: Worker | None = None
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def get_output_channel(self) -> TelegramOutput:
        """Proactive messages (the notifier's trigger_intent with output_channel=telegram)."""
        return TelegramOutput(self.delivery)

    def media_link(self, file_id: str) -> str | None:
        return media_url(self.settings.public_url, self.settings.media_key, file_id)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("telegram_webhook", __name__)
        secret = self.settings.webhook_secret.encode()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": "polling" if self.settings.polling else "webhook"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret):
                return response.text("forbidden", status=403)
            try:
                body = await read_body(request, self.settings.max_body_bytes)
                raw = body.decode("utf-8")
                update_id = json.loads(raw).get("update_id")
            except BodyTooLarge:
                return response.text("body too large", status=413)
            except (UnicodeDecodeError, ValueError, AttributeError):
                return response.text("not an update", status=400)
            if not is_update_id(update_id):
                return response.text("not an update", status=400)
            try:
                await self.store.accept(update_id, raw)
            except StoreUnavailable as error:
                logger.error("Telegram update %s not accepted, Redis unavailable (503, Telegram retries): %s",
                             update_id, error)
                return response.text("service unavailable", status=503)
            return response.text("ok")

        @webhook.route("/media/<token:str>", methods=["GET"])
        async def media(request: Request, token: str) -> HTTPResponse | None:
            return await self.media.serve(request, token)

        @webhook.listener("before_server_start")
        async def initialise(app: Sanic, _: Any) -> None:
            try:
                await self.bot.initialize()
            except TelegramError as error:  # the channel still works; getMe only names the bot
                logger.error("Telegram getMe failed at start: %s", error)

        @webhook.listener("after_server_start")
        async def start(app: Sanic, _: Any) -> None:
            async def recorded(sender_id: str, message_id: str) -> bool:
                return await _turn_recorded(app, sender_id, message_id)
            handler = UpdateHandler(bot=self.bot, store=self.store, delivery=self.delivery,
                                    on_new_message=on_new_message, media_link=self.media_link,
                                    turn_recorded=recorded)
            await self.start(handler)

        @webhook.listener("before_server_stop")
        async def stop(app: Sanic, _: Any) -> None:
            await self.stop()

        return webhook

    async def start(self, handler: UpdateHandler) -> None:
        """The worker, and either long polling or setWebhook."""
        self._stopping.clear()
        self.worker = Worker(self.store, handler.handle, chat_key, consumer=f"{socket.gethostname()}-{os.getpid()}",
                             concurrency=self.concurrency)
        self._tasks.append(asyncio.create_task(self.worker.run()))
        if self.settings.polling:
            logger.info("Telegram: long polling (TELEGRAM_WEBHOOK_URL is not set)")
            self._tasks.append(asyncio.create_task(poll(self.bot, self.store, self._stopping,
                                                        timeout=self.settings.poll_timeout_seconds)))
            return
        try:
            await self.bot.set_webhook(url=self.settings.webhook_url or "", secret_token=self.settings.webhook_secret,
                                       allowed_updates=ALLOWED_UPDATES)
            logger.info("Telegram webhook set to %s", self.settings.webhook_url)
        except TelegramError as error:
            logger.error("Telegram setWebhook failed: %s", error)

    async def stop(self) -> None:
        """Stop polling and the worker (turns in flight get a few seconds), close the HTTP clients."""
        self._stopping.set()
        if self.worker is not None:
            await self.worker.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.media.close()
        await self.bot.shutdown()
