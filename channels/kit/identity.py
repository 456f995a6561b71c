"""Which conversation ids each input channel may use.

A conversation id is the resident's identity: the backend files and lists tickets by
(channel, id). Each connector sets it from what it verified (WeChat's signed openid, Telegram's
chat id behind the webhook secret, a web chat session the server issued, a REST integration's
key), and each channel has its own shape, so one channel's ids can never name another's
conversation. ``python -m assistant`` refuses any message whose id does not fit its channel.
"""

import re

SENDER_SHAPES: dict[str, re.Pattern[str]] = {
    "telegram": re.compile(r"-?[0-9]{1,20}"),
    "wechat": re.compile(r"[A-Za-z0-9_-]{1,64}"),  # an openid (28 characters), signed by WeChat
    "socketio": re.compile(r"[0-9a-f]{32}"),  # channels/webchat/sessions.py issues them
    "rest": re.compile(r"rest:[a-z0-9_-]{1,32}:[A-Za-z0-9_.@-]{1,64}"),  # channels/rest/connector.py
}
MAX_SENDER_CHARS = 128


def sender_allowed(input_channel: str | None, sender_id: str | None) -> bool:
    """Whether ``sender_id`` has the shape ``input_channel`` issues (unknown channels: never)."""
    shape = SENDER_SHAPES.get(input_channel or "")
    return bool(shape and sender_id and len(sender_id) <= MAX_SENDER_CHARS and shape.fullmatch(sender_id))


def rest_sender(integration: str, sender: str) -> str:
    """The conversation id of ``sender`` as named by the REST integration ``integration``."""
    return f"rest:{integration}:{sender}"
