"""The WeChat output channel: collects a turn's answer, or delivers proactive messages.

Collecting (``delivery=None``): used for a resident's message; the webhook then answers
passively or through the customer-service API (see channels/wechat/connector.py).
Delivering: used by ``get_output_channel`` (the notifier's trigger_intent). While the resident's
reply window (channels/wechat/store.py, counted in Redis across servers) has a message left, a
customer-service message; outside it, with none left, or when WeChat answers 45015/45047 (the
window is then closed for every server), a template message (``WECHAT_TEMPLATE_RESOLVED``) with
each field at most 20 characters and a ``client_msg_id`` derived from the recipient and text, so
a repeated push is sent once.
Buttons become numbered options; their payloads are remembered per resident so a typed number
answers them.
"""

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Sequence
from typing import Any

from rasa.core.channels.channel import OutputChannel

from channels.wechat.api import OutsideWindow, WeChatApi, WeChatApiError
from channels.wechat.render import render_buttons, shorten, split_text
from channels.wechat.store import WeChatStore

logger = logging.getLogger(__name__)
_TICKET = re.compile(r"\d{15}")
# The fields of the template WECHAT_TEMPLATE_RESOLVED must have (keyword template, 20 characters each).
TEMPLATE_SUMMARY, TEMPLATE_TICKET, TEMPLATE_TIME = "thing1", "character_string2", "time3"


def template_fields(text: str, now: float | None = None) -> dict[str, str]:
    """A bot message as template fields: its gist, the ticket id it names, the time."""
    ticket = _TICKET.search(text)
    return {TEMPLATE_SUMMARY: shorten(text),
            TEMPLATE_TICKET: ticket.group() if ticket else "-",
            TEMPLATE_TIME: time.strftime("%Y-%m-%d %H:%M", time.localtime(now))}


class Delivery:
    """Sends text to a resident: customer-service message in the window, else a template message."""

    def __init__(self, api: WeChatApi, store: WeChatStore, template_id: str | None) -> None:
        self.api, self.store, self.template_id = api, store, template_id

    async def send(self, openid: str, text: str) -> None:
        """Deliver ``text`` (split into 2,048-byte pieces).

        Raises:
            WeChatApiError: WeChat refused or could not be reached.
            StoreUnavailable: Redis could not tell whether the window is open.
        """
        in_window = True
        for piece in split_text(text):
            in_window = in_window and await self.store.take_window_message(openid)
            if in_window:
                try:
                    await asyncio.to_thread(self.api.send_text, openid, piece)
                    continue
                except OutsideWindow as error:
                    logger.info("customer-service message refused (%s): template message instead", error.errcode)
                    await self.store.close_window(openid)
                    in_window = False
            await self._template(openid, piece)

    async def _template(self, openid: str, text: str) -> None:
        if not self.template_id:
            raise WeChatApiError(None, "outside the 48-hour window and WECHAT_TEMPLATE_RESOLVED is not set")
        client_msg_id = hashlib.sha1(f"{openid}\n{text}".encode()).hexdigest()
        await asyncio.to_thread(self.api.send_template, openid, self.template_id, template_fields(text),
                                client_msg_id)


class WeChatOutput(OutputChannel):
    """Rasa's answers for WeChat: collected for a passive reply, or delivered (``delivery`` set)."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, store: WeChatStore, delivery: Delivery | None = None) -> None:
        self.store, self.delivery = store, delivery
        self.texts: list[str] = []
        self.payloads: list[str] = []  # buttons shown by this output so far, numbered 1..n

    async def _emit(self, recipient_id: str, text: str, buttons: Sequence[dict[str, Any]]) -> None:
        rendered, payloads = render_buttons(text, buttons, first_number=len(self.payloads) + 1)
        self.payloads.extend(payloads)
        await self.store.remember_buttons(recipient_id, self.payloads)
        if not rendered:
            return
        if self.delivery is None:
            self.texts.append(rendered)
        else:
            await self.delivery.send(recipient_id, rendered)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._emit(recipient_id, text, [])

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        await self._emit(recipient_id, text, buttons)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._emit(recipient_id, image, [])

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        logger.debug("custom payload not shown on WeChat: %s", sorted(json_message))
