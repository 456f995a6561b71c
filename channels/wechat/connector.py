"""The WeChat official-account channel: verified, encrypted, answered within 5 seconds, never doubled.

Configured in the credentials file as ``channels.wechat.WeChatInput`` (tools/stack.py adds it
when WECHAT_TOKEN and WECHAT_APP_ID are set); every setting comes from the environment
(channels/wechat/settings.py). Routes under ``/webhooks/wechat/``:

- ``GET /webhook``: URL verification (signature, echo ``echostr``);
- ``POST /webhook``: a message or event, plaintext or safe mode (channels/wechat/crypto.py);
  refused calls get 400/403/413 and never reach Rasa.

WeChat waits 5 seconds, then retries three times. Each message is claimed once in Redis (by
MsgId; events by sender + CreateTime) and its turn runs as a task. The webhook waits for it until
the deadline (4 s): if the turn is over, the answer goes back passively (encrypted in safe
mode); if not, the webhook answers ``success`` and the task sends the answer through the
customer-service API when it is ready. A retry never starts a turn: it waits for the first one
until its own deadline and gives the same passive reply, or ``success`` when the answer goes
(or went) through the API. channels/wechat/store.py makes "passive" and "API" exclusive.

A turn's bot messages are packed into as few 2,048-byte texts as fit (usually one): the first
is the passive reply, the rest go through the API. One message keeps the order and the whole
answer together; WeChat allows only one passive reply.

Redis unreachable: the webhook answers 503, so no turn runs without dedupe. Rasa's tracker and
lock stores live in the same Redis, so the turn could not be recorded anyway, and processing
without dedupe could run a retried message twice on two workers. The resident sees WeChat's
"service unavailable" and can send again; nothing is doubled (ticket filing is also protected
by the backend's Idempotency-Key per appeal).
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.kit.webhook_body import BodyTooLarge, read_body
from channels.wechat.api import WeChatApiError, build_api
from channels.wechat.crypto import Envelope, Refused, text_reply
from channels.wechat.inbound import Inbound, parse
from channels.wechat.output import Delivery, WeChatOutput
from channels.wechat.render import button_number, pack
from channels.wechat.settings import WeChatSettings, load_wechat_settings, wechat_enabled
from channels.wechat.store import (
    EVENT_ALLOWANCE,
    WINDOW_SECONDS,
    Allowance,
    MemoryStore,
    RedisStore,
    StoreUnavailable,
    WeChatStore,
)

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.05
PIECE_GAP_SECONDS = 0.5  # lets the passive reply arrive before the rest of a long answer


class WeChatInput(InputChannel):
    """WeChat's webhook: verify, dedupe, hand to Rasa, answer within the deadline."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Settings come from the environment; the credentials section only switches the channel on."""
        if not wechat_enabled():
            raise RasaException("the WeChat channel needs WECHAT_TOKEN and WECHAT_APP_ID in the environment")
        return cls(load_wechat_settings())

    def __init__(self, settings: WeChatSettings, *, envelope: Envelope | None = None,
                 store: WeChatStore | None = None, delivery: Delivery | None = None) -> None:
        self.settings = settings
        self.envelope = envelope or Envelope(token=settings.token, app_id=settings.app_id, aes_key=settings.aes_key,
                                             window=settings.timestamp_window_seconds,
                                             max_body_bytes=settings.max_body_bytes)
        self.store: WeChatStore = store or (RedisStore(settings.redis_url, app_id=settings.app_id)
                                            if settings.redis_url else MemoryStore())
        self.delivery = delivery or Delivery(
            build_api(app_id=settings.app_id, secret=settings.app_secret, api_base_url=settings.api_base_url,
                      redis_url=settings.redis_url, timeout=settings.api_timeout_seconds),
            self.store, settings.template_resolved)
        self._tasks: set[asyncio.Task[None]] = set()

    def get_output_channel(self) -> WeChatOutput:
        """Proactive messages (the notifier's trigger_intent with output_channel=wechat)."""
        return WeChatOutput(self.store, self.delivery)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("wechat_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "safe_mode": self.envelope.safe_mode})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            try:
                return response.text(self.envelope.verify_url(_query(request)))
            except Refused as refused:
                logger.warning("WeChat URL verification refused: %s", refused.reason)
                return response.text(refused.reason, status=refused.status)

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            started = asyncio.get_running_loop().time()
            try:
                body = await read_body(request, self.settings.max_body_bytes)
                inbound = parse(self.envelope.open(_query(request), body))
            except BodyTooLarge:
                return response.text("body too large", status=413)
            except Refused as refused:
                logger.warning("WeChat call refused (%s): %s", refused.status, refused.reason)
                return response.text(refused.reason, status=refused.status)
            except ValueError as error:
                return response.text(str(error), status=400)
            if inbound.text is None:
                return response.text("success")
            try:
                reply = await self._answer(inbound, on_new_message, started + self.settings.reply_deadline_seconds)
            except StoreUnavailable as error:
                logger.error("WeChat message not processed, Redis unavailable (503, no dedupe): %s", error)
                return response.text("service unavailable", status=503)
            if not reply:
                return response.text("success")
            xml = text_reply(to_user=inbound.sender, from_user=inbound.account, content=reply,
                             create_time=int(time.time()))
            return response.text(self.envelope.seal(xml), content_type="application/xml")

        return webhook

    async def _answer(self, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      deadline: float) -> str:
        """The passive reply to give ("" for ``success``); starts the turn unless it is a retry."""
        loop = asyncio.get_running_loop()
        if await self.store.claim(inbound.dedupe_key):  # from here on the turn must run: retries wait for it
            task = asyncio.create_task(self._turn(inbound, on_new_message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await asyncio.wait({task}, timeout=max(0.0, deadline - loop.time()))
        else:  # a retry: wait for the first attempt's turn, never start another
            while loop.time() < deadline and await self.store.state(inbound.dedupe_key) == "processing":
                await asyncio.sleep(POLL_SECONDS)
        state, reply = await self.store.settle(inbound.dedupe_key)
        return reply if state == "done" else ""

    def _allowance(self, inbound: Inbound) -> Allowance:
        """What WeChat allows through the customer-service API after this message or event."""
        if inbound.kind.startswith("event:"):
            return EVENT_ALLOWANCE
        return Allowance(self.settings.window_messages, WINDOW_SECONDS)

    async def _resolve_number(self, inbound: Inbound) -> str:
        """A typed number answers the numbered options of the resident's last bot message."""
        text = inbound.text or ""
        number = button_number(text) if inbound.typed else None
        if number is None:
            return text
        return await self.store.button_payload(inbound.sender, number) or text

    async def _turn(self, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """One Rasa turn; its answer goes passively if the webhook still waits, else through the API."""
        output = WeChatOutput(self.store)
        text = inbound.text or ""
        try:
            await self.store.open_window(inbound.sender, self._allowance(inbound))
            text = await self._resolve_number(inbound)
        except StoreUnavailable as error:  # the turn still runs, with the text as typed
            logger.error("WeChat window/buttons not available: %s", error)
        try:
            await on_new_message(UserMessage(text, output, inbound.sender, input_channel=self.name(),
                                             message_id=inbound.dedupe_key, metadata=inbound.metadata))
        except Exception:  # the resident still gets whatever was said; Rasa logged the cause
            logger.exception("Rasa failed on a WeChat message (%s)", inbound.kind)
        pieces = pack(output.texts)
        try:
            passive = await self.store.finish(inbound.dedupe_key, pieces[0] if pieces else "")
        except StoreUnavailable:  # the webhook cannot answer passively either: all through the API
            passive = False
        rest = pieces[1:] if passive else pieces
        if passive and rest:
            await asyncio.sleep(PIECE_GAP_SECONDS)
        for piece in rest:
            try:
                await self.delivery.send(inbound.sender, piece)
            except (WeChatApiError, StoreUnavailable) as error:
                logger.error("WeChat answer not delivered: %s", error)


def _query(request: Request) -> dict[str, str]:
    return {name: values[0] for name, values in request.args.items() if values}
