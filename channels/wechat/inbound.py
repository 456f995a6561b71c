"""What a WeChat message or event says to Rasa: one parser per type, in a registry.

A parser returns the user text for Rasa, or ``None`` for events that need no answer
(unsubscribe, menu links, template delivery reports). Message types without a parser get
``/unsupported_message`` (a polite answer in the resident's language); unknown events are ignored.

Typed text that starts with ``/`` loses the slash: residents cannot forge intents or entities
(``/share_location{...}``, ``/EXTERNAL_appeal_filed``); only the connector writes payloads.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from channels.kit.payloads import UNSUPPORTED as UNSUPPORTED
from channels.kit.payloads import share_location, share_media, typed

# Menu CLICK EventKey -> intent; anything else is unsupported.
MENU_INTENTS = {
    "check_status": "/check_status",
    "report_problem": "/report_problem",
    "ask_question": "/ask_question",
}
Parser = Callable[[dict[str, Any]], str | None]
_PARSERS: dict[str, Parser] = {}


def parses(kind: str) -> Callable[[Parser], Parser]:
    """Register a parser for a ``MsgType`` or, for events, ``event:<Event>`` (lower case)."""
    def register(function: Parser) -> Parser:
        _PARSERS[kind] = function
        return function
    return register


def _text(field: Any) -> str:
    return field.strip() if isinstance(field, str) else ""


@dataclass(frozen=True)
class Inbound:
    """One resident's message or event, as the connector handles it."""

    sender: str          # the resident's openid (FromUserName)
    account: str         # our official account (ToUserName)
    kind: str            # "text", "location", "event:click", ...
    dedupe_key: str      # MsgId; for events FromUserName + CreateTime (+ the event)
    text: str | None     # for Rasa; None: no turn, just acknowledge
    typed: bool          # the resident typed it (button numbers apply)

    @property
    def metadata(self) -> dict[str, Any]:
        return {"wechat": {"msg_id": self.dedupe_key, "msg_type": self.kind}}


@parses("text")
def _typed(message: dict[str, Any]) -> str | None:
    return typed(message.get("Content")) or UNSUPPORTED


@parses("location")
def _location(message: dict[str, Any]) -> str | None:
    try:
        latitude, longitude = float(message["Location_X"]), float(message["Location_Y"])
    except (KeyError, TypeError, ValueError):
        return UNSUPPORTED
    return share_location(latitude, longitude, _text(message.get("Label")))


@parses("image")
def _image(message: dict[str, Any]) -> str | None:
    return share_media(_text(message.get("PicUrl")))


@parses("voice")
def _voice(message: dict[str, Any]) -> str | None:
    return typed(message.get("Recognition")) or UNSUPPORTED


@parses("event:subscribe")
def _subscribe(message: dict[str, Any]) -> str | None:
    return "/greet"


@parses("event:click")
def _click(message: dict[str, Any]) -> str | None:
    return MENU_INTENTS.get(_text(message.get("EventKey")), UNSUPPORTED)


def _unsupported(message: dict[str, Any]) -> str | None:
    return UNSUPPORTED


def parse(message: dict[str, Any]) -> Inbound:
    """The message's sender, dedupe key and text for Rasa.

    Raises:
        ValueError: sender or message type missing (the webhook answers 400).
    """
    sender, msg_type = _text(message.get("FromUserName")), _text(message.get("MsgType")).lower()
    if not sender or not msg_type:
        raise ValueError("FromUserName and MsgType are required")
    if msg_type == "event":
        kind = f"event:{_text(message.get('Event')).lower()}"
        dedupe_key = f"{sender}:{_text(message.get('CreateTime'))}:{kind}"  # two events in one second differ
        parser = _PARSERS.get(kind)
        text = parser(message) if parser else None
    else:
        kind = msg_type
        dedupe_key = _text(message.get("MsgId")) or f"{sender}:{_text(message.get('CreateTime'))}"
        text = _PARSERS.get(kind, _unsupported)(message)
    return Inbound(sender=sender, account=_text(message.get("ToUserName")), kind=kind, dedupe_key=dedupe_key,
                   text=text, typed=kind in ("text", "voice"))
