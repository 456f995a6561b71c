"""What a Telegram update says to Rasa: one parser per kind of message, in a registry.

A message is parsed by the first registered field it carries (``text``, ``venue``,
``location``, ``photo``, ``document``); messages with only other content (voice, sticker,
video...) become ``/unsupported_message`` (a polite answer, asking to type, in the resident's
language). Typed text that starts with ``/`` loses its slashes, so residents cannot forge intents
or entities; only our own commands map to intents: ``/start`` (``/greet``, after a language
switch when the Telegram client's ``language_code`` is zh, en or ja), ``/status``
(``/check_status``) and ``/lang`` (the connector offers the three languages itself).
A photo's caption follows the photo as a typed text. Only private chats are served; updates
from groups and channels, edits and other update kinds are acknowledged without a turn.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Message, Update

from channels.kit.payloads import UNSUPPORTED as UNSUPPORTED
from channels.kit.payloads import share_location, share_media, typed
from channels.telegram.render import language_of, switch_language

COMMANDS = {"/status": ("/check_status",)}
UNSUPPORTED_FIELDS = ("voice", "audio", "video", "video_note", "sticker", "animation", "contact", "poll", "dice",
                      "game", "story", "document")
MediaLink = Callable[[str], str | None]
Parser = Callable[[Message, MediaLink], tuple[str, tuple[str, ...]]]
_PARSERS: dict[str, Parser] = {}


def parses(field_name: str) -> Callable[[Parser], Parser]:
    """Register a parser for messages carrying ``field_name`` (checked in registration order)."""
    def register(function: Parser) -> Parser:
        _PARSERS[field_name] = function
        return function
    return register


@dataclass(frozen=True)
class Inbound:
    """One update, as the connector handles it."""

    update_id: int
    kind: str                             # "text", "command:start", "location", "photo", "callback", ...
    chat_id: str | None = None            # where answers go; None: nothing to answer
    texts: tuple[str, ...] = ()           # for Rasa, one turn each, in order
    language_code: str | None = None
    callback_query_id: str | None = None
    callback_data: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def metadata(self) -> dict[str, Any]:
        return {"telegram": {"update_id": self.update_id, "kind": self.kind, "language_code": self.language_code}}

    def message_id(self, index: int) -> str:
        """The id of the ``index``-th turn of this update, as Rasa's tracker records it."""
        return f"tg-{self.update_id}" + (f"-{index}" if index else "")


@parses("text")
def _text(message: Message, media_link: MediaLink) -> tuple[str, tuple[str, ...]]:
    text = (message.text or "").strip()
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text.startswith("/") else ""
    if command == "/start":
        language = language_of(message.from_user.language_code if message.from_user else None)
        return "command:start", ((switch_language(language),) if language else ()) + ("/greet",)
    if command == "/lang":
        return "command:lang", ()
    if command in COMMANDS:
        return f"command:{command[1:]}", COMMANDS[command]
    return "text", (typed(text) or UNSUPPORTED,)


@parses("venue")
def _venue(message: Message, media_link: MediaLink) -> tuple[str, tuple[str, ...]]:
    venue = message.venue
    assert venue is not None
    label = ", ".join(part.strip() for part in (venue.title, venue.address) if part and part.strip())
    return "location", (share_location(venue.location.latitude, venue.location.longitude, label),)


@parses("location")
def _location(message: Message, media_link: MediaLink) -> tuple[str, tuple[str, ...]]:
    location = message.location
    assert location is not None
    return "location", (share_location(location.latitude, location.longitude),)


def _media(file_id: str, caption: str | None, media_link: MediaLink) -> tuple[str, tuple[str, ...]]:
    url = media_link(file_id)
    if url is None:
        return "unsupported", (UNSUPPORTED,)
    caption_text = typed(caption)
    return "photo", (share_media(url),) + ((caption_text,) if caption_text else ())


@parses("photo")
def _photo(message: Message, media_link: MediaLink) -> tuple[str, tuple[str, ...]]:
    largest = max(message.photo, key=lambda size: (size.file_size or 0, size.width * size.height))
    return _media(largest.file_id, message.caption, media_link)


@parses("document")
def _document(message: Message, media_link: MediaLink) -> tuple[str, tuple[str, ...]]:
    document = message.document
    assert document is not None
    if (document.mime_type or "").startswith("image/"):  # a photo sent "as a file"
        return _media(document.file_id, message.caption, media_link)
    return "unsupported", (UNSUPPORTED,)


def _message(update_id: int, message: Message, media_link: MediaLink) -> Inbound:
    chat, user = message.chat, message.from_user
    if chat.type != "private":
        return Inbound(update_id, "ignored")
    language_code = user.language_code if user else None
    for field_name, parser in _PARSERS.items():
        if getattr(message, field_name, None):
            kind, texts = parser(message, media_link)
            return Inbound(update_id, kind, str(chat.id), texts, language_code)
    if any(getattr(message, name, None) for name in UNSUPPORTED_FIELDS):
        return Inbound(update_id, "unsupported", str(chat.id), (UNSUPPORTED,), language_code)
    return Inbound(update_id, "ignored", str(chat.id))  # service messages: pinned, joined, ...


def is_update_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse(data: dict[str, Any], media_link: MediaLink) -> Inbound:
    """The update's chat, kind and texts for Rasa.

    Raises:
        ValueError: not an update (no integer update_id): the webhook answers 400.
    """
    if not isinstance(data, dict) or not is_update_id(data.get("update_id")):
        raise ValueError("an update needs an integer update_id")
    try:
        update = Update.de_json(data, None)
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a Telegram update: {error!r}") from error
    if update.message is not None:
        return _message(update.update_id, update.message, media_link)
    query = update.callback_query
    if query is not None:
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        return Inbound(update.update_id, "callback", str(chat_id), (), query.from_user.language_code,
                       callback_query_id=query.id, callback_data=query.data)
    member = update.my_chat_member
    if member is not None and member.chat.type == "private":
        status = member.new_chat_member.status
        kind = "blocked" if status in ("kicked", "left") else "unblocked"
        return Inbound(update.update_id, kind, str(member.chat.id))
    return Inbound(update.update_id, "ignored")
