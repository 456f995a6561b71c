"""One accepted update, handled: buttons resolved and answered, commands, Rasa turns, the answer sent.

The same handler serves the webhook and long polling (both only feed the queue). Each turn's
answer is collected and delivered after the turn through the rate-limited sender. For an update
claimed again after a crash (``Entry.reclaimed``), a turn that Rasa's tracker already recorded
(by its message_id, ``tg-<update_id>``) is not run a second time: Rasa saves the tracker at the
end of a turn, so either the turn is in it, and we skip it, or it is not, and we run it. The one
window left: a crash after Rasa saved the turn and before its answer reached Telegram loses that
answer (the turn, and a ticket it filed, stand; the resident can ask again); nothing runs twice.
"""

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from telegram import Bot
from telegram.error import TelegramError

from channels.telegram.inbound import Inbound, MediaLink, parse
from channels.telegram.output import Delivery, Outgoing, TelegramOutput
from channels.telegram.render import language_buttons, notice, parse_callback_data
from channels.telegram.store import Entry, TelegramStore

logger = logging.getLogger(__name__)
OnMessage = Callable[[UserMessage], Awaitable[Any]]
TurnRecorded = Callable[[str, str], Awaitable[bool]]


def chat_key(raw: str) -> str:
    """The chat an update belongs to (its turns run in order), from the raw JSON.

    Raises:
        ValueError: not JSON or no chat (the worker then orders it by itself).
    """
    data = json.loads(raw)
    for kind in ("message", "edited_message", "my_chat_member"):
        if isinstance(data.get(kind), dict):
            return str(data[kind]["chat"]["id"])
    query = data.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message") or {}
        return str(message.get("chat", {}).get("id") or query["from"]["id"])
    raise ValueError("an update without a chat")


class UpdateHandler:
    """Turns one queued update into answered callbacks, Rasa turns and delivered answers."""

    def __init__(self, *, bot: Bot, store: TelegramStore, delivery: Delivery, on_new_message: OnMessage,
                 media_link: MediaLink, turn_recorded: TurnRecorded | None = None) -> None:
        self.bot, self.store, self.delivery, self.on_new_message = bot, store, delivery, on_new_message
        self.media_link, self.turn_recorded = media_link, turn_recorded

    async def handle(self, entry: Entry) -> None:
        try:
            inbound = parse(json.loads(entry.raw), self.media_link)
        except (ValueError, KeyError, TypeError) as error:
            logger.error("Telegram update not understood, dropped: %s", error)
            return
        if inbound.chat_id is None or inbound.kind == "ignored":
            return
        chat_id = inbound.chat_id
        await self.store.set_blocked(chat_id, inbound.kind == "blocked")
        if inbound.kind in ("blocked", "unblocked"):
            return
        texts = inbound.texts
        if inbound.kind == "callback":
            texts = await self._pressed(inbound)
        elif inbound.kind == "command:lang":
            await self.delivery.deliver(chat_id, Outgoing(notice("choose_language", inbound.language_code),
                                                          language_buttons()))
            return
        for index, text in enumerate(texts):
            message_id = inbound.message_id(index)
            if entry.reclaimed and self.turn_recorded is not None and await self.turn_recorded(chat_id, message_id):
                logger.info("Telegram turn %s already recorded before the crash: not run again", message_id)
                continue
            output = TelegramOutput()
            try:
                await self.on_new_message(UserMessage(text, output, chat_id, input_channel="telegram",
                                                      message_id=message_id, metadata=inbound.metadata))
            except Exception:  # the resident still gets whatever was said; Rasa logged the cause
                logger.exception("Rasa failed on a Telegram update (%s)", inbound.kind)
            await self.delivery.deliver_all(chat_id, output.messages)

    async def _pressed(self, inbound: Inbound) -> tuple[str, ...]:
        """A button: its payload from the store; the callback query is always answered."""
        parsed = parse_callback_data(inbound.callback_data)
        status, payload = await self.store.take_button(*parsed) if parsed else ("expired", "")
        try:
            await self.bot.answer_callback_query(inbound.callback_query_id or "",
                                                 text=None if status == "ok" else notice(status, inbound.language_code))
        except TelegramError as error:  # too old (15 s) or already answered: the turn still runs
            logger.warning("answerCallbackQuery failed: %s", error)
        return (payload,) if status == "ok" else ()
