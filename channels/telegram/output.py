"""The Telegram output channel: collects a turn's answer, or delivers proactive messages.

Collecting (``delivery=None``): used for a resident's update; the worker delivers the answer
after the turn, so Rasa's conversation lock is not held while the sender keeps Telegram's pace.
Delivering: used by ``get_output_channel`` (the notifier's trigger_intent); chats that blocked
the bot are skipped without calling Telegram.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardMarkup

from channels.telegram.render import keyboard_markup, split_message
from channels.telegram.sender import Sender
from channels.telegram.store import TelegramStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """One bot message: text and buttons, or a picture."""

    text: str = ""
    buttons: list[dict[str, Any]] = field(default_factory=list)
    image_url: str | None = None


def _chat(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


class Delivery:
    """Turns bot messages into Telegram calls through the rate-limited sender."""

    def __init__(self, bot: Bot, sender: Sender, store: TelegramStore) -> None:
        self.bot, self.sender, self.store = bot, sender, store

    async def deliver(self, chat_id: str, message: Outgoing) -> bool:
        """Send one bot message (several Telegram messages when long); False if any part failed."""
        if message.image_url:
            url = message.image_url
            return await self.sender.send(chat_id, lambda: self.bot.send_photo(chat_id=_chat(chat_id), photo=url))
        pieces = split_message(message.text) or ([" "] if message.buttons else [])
        markup: InlineKeyboardMarkup | None = None
        if message.buttons:
            markup = keyboard_markup(await self.store.save_keyboard(
                [str(b.get("payload") or b.get("title") or "") for b in message.buttons]), message.buttons)
        delivered = True
        for number, piece in enumerate(pieces, start=1):
            delivered &= await self.sender.send(chat_id, self._text_call(
                chat_id, piece, markup if number == len(pieces) else None))
        return delivered

    def _text_call(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            return await self.bot.send_message(chat_id=_chat(chat_id), text=text, reply_markup=markup)
        return call

    async def deliver_all(self, chat_id: str, messages: list[Outgoing]) -> None:
        for message in messages:
            if not await self.deliver(chat_id, message) and await self.store.is_blocked(chat_id):
                return


class TelegramOutput(OutputChannel):
    """Rasa's answers for Telegram: collected for the worker, or delivered (``delivery`` set)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, delivery: Delivery | None = None) -> None:
        self.delivery = delivery
        self.messages: list[Outgoing] = []

    async def _emit(self, recipient_id: str, message: Outgoing) -> None:
        if self.delivery is None:
            self.messages.append(message)
        elif await self.delivery.store.is_blocked(recipient_id):
            logger.info("not sending to Telegram chat %s: it blocked the bot", recipient_id)
        else:
            await self.delivery.deliver(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._emit(recipient_id, Outgoing(text))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        await self._emit(recipient_id, Outgoing(text, list(buttons)))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._emit(recipient_id, Outgoing(image_url=image))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        logger.debug("custom payload not shown on Telegram: %s", sorted(json_message))
